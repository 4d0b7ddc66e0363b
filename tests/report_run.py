"""One scheduled report over the sample data, shared by test_report.py and test_notebooks.py
(session scope: the notebooks run once per test session)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "canonical"
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    from tt_analytics.report import build_report

    base = tmp_path_factory.mktemp("report")
    if SAMPLE.is_dir():
        data = SAMPLE
    else:  # no committed sample yet: a small synthetic data folder
        from tt_analytics.synth import synthesize
        data = base / "data"
        synthesize(data, shops=12, orders=3000, seed=7, as_of=AS_OF)
    index = build_report(data, AS_OF, base / "out", show_code=False)
    return SimpleNamespace(index=index, run_dir=index.parent, data=data, as_of=AS_OF)
