"""Douyin deposit / settlement / alliance / tiered shipping and TikTok flash-sale golden cases
(tests/rules/douyin, tests/rules/flash_sales), plus the mainland-China working-day calendar."""
from __future__ import annotations

import pytest

from golden import check, load_cases, run_case

CASES = load_cases("douyin/*.yaml") + load_cases("flash_sales/*.yaml")


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_golden(case):
    check(case, run_case(case))
