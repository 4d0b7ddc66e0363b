"""One `make demo` run over the bundled sample (ingest, validate, evaluate, every notebook),
shared by test_demo.py, test_report.py and test_notebooks.py (session scope: once per session)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    from tt_analytics.demo import run_demo

    base = tmp_path_factory.mktemp("demo")
    paths = run_demo(ROOT / "data" / "sample", base / "work", AS_OF, database=base / "warehouse.duckdb",
                     show_code=False)
    index = paths["report"]
    return SimpleNamespace(index=index, run_dir=index.parent, data=paths["data"], as_of=AS_OF, paths=paths,
                           base=base)
