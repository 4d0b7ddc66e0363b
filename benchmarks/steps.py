"""One measured step of the benchmark, run in its own process: `python -m benchmarks.steps STEP ...`.

The parent (benchmarks/run.py) starts this module once per step, waits for it with os.wait4 and
reads the child's own peak RSS from the rusage; this process times the step itself (after the
imports) and writes a small JSON with the seconds and what the step produced.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

STEPS: dict[str, str] = {
    "synth": "tt-analytics synth: generate the canonical Parquet data folder",
    "ingest": "ingest of the canonical Parquet data folder into a new data folder",
    "validate": "validate as `tt-analytics validate` does: row checks, quarantine, validation.parquet, GX Data Docs",
    "validate_sql": "validate without the GX Data Docs: the row-level SQL pass and quarantine",
    "evaluate": "evaluate, one as-of date, every output (data already validated)",
    "series": "evaluate series, 90 daily as-of dates, every output",
    "fraud": "fake transaction detection alone (outputs=['fake_transactions'])",
    "rules": "evaluate, every output but fake transaction detection (the eleven rule outputs)",
    "metrics": "evaluate, the metrics output only (like for like with the pandas reference)",
    "floor": "one-scan floor: one DuckDB aggregate scan of the columns the evaluation reads",
    "pandas": "pandas reference: SFCR, LDR, NRR per shop as of the date",
}
SERIES_DAYS = 90
# numba imports its cffi support (cffi, pycparser) when it first compiles FRAUDAR's peeling
_FRAUD_MODULES = ["tt_analytics.fraud", "numba.core.typing.cffi_utils", "tt_analytics.engines"]
_RULE_MODULES = ["tt_analytics.tiktok", "tt_analytics.douyin", "tt_analytics.flash_sales", "tt_analytics.calendars"]
# Modules a step's code imports only when first used (inside the timed call): imported by prepare()
# with the step's other modules, since imports are not part of a step (each step's process wall
# time, imports included, is kept as process_seconds). GX alone takes ~7.5 s to import, about as
# long as the whole 1M evaluation; fraud detection's modules (numba, scipy, tracking_numbers) ~0.9 s.
LAZY_IMPORTS: dict[str, list[str]] = {
    "synth": ["chinese_calendar", "rich"],
    # tzdata: imported by a dependency while GX runs
    "validate": ["great_expectations", "duckdb_engine", "tt_analytics.gx_compat", "tzdata"],
    "evaluate": _FRAUD_MODULES + _RULE_MODULES,
    "fraud": _FRAUD_MODULES,
    "rules": _RULE_MODULES,
    "metrics": ["tt_analytics.tiktok"],
    "series": ["tt_analytics.tiktok", "tt_analytics.engines"],
}


def third_party_imports(before: set[str]) -> list[str]:
    """Top-level packages outside the standard library imported since `before` (sys.modules keys)."""
    tops = {m.split(".")[0] for m in before}
    return sorted({m.split(".")[0] for m in sys.modules if m not in before} - tops - set(sys.stdlib_module_names))


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _rows(results) -> dict[str, int]:
    return {name: int(df.height) for name, df in results.items()}


def _per_output(marks: list[tuple[str, float]]) -> dict[str, float]:
    """Seconds from each mark to the next; the last one open-ended (name: seconds so far)."""
    now = time.perf_counter()
    ends = [t for _, t in marks[1:]] + [now]
    return {name: round(end - t, 3) for (name, t), end in zip(marks, ends) if name != "(end)"}


def prepare(step: str, a: argparse.Namespace) -> Callable[[], dict]:
    """Import what `step` needs and return the call to time (imports are not part of the step)."""
    import importlib

    # polars imports pyarrow on the first DuckDB result it converts (~0.5 s): an import like the
    # others, and the pandas reference imports it at module level, so it is imported here
    import pyarrow  # noqa: F401
    for module in LAZY_IMPORTS.get(step, []):
        importlib.import_module(module)
    data, work, as_of = Path(a.data), Path(a.work), dt.date.fromisoformat(a.as_of)
    if step == "synth":
        from tt_analytics.synth import synthesize
        def call():
            if data.exists():
                shutil.rmtree(data)
            synthesize(data, shops=a.shops, orders=a.orders, seed=a.seed, as_of=as_of, progress=False)
            return {"files_bytes": sum(p.stat().st_size for p in data.rglob("*") if p.is_file())}
        return call
    if step == "ingest":
        from tt_analytics.io import ingest
        def call():
            into = _fresh(work / "ingested")
            summary = ingest([data], into)
            return {"tables": int(getattr(summary, "height", 0) or 0)}
        return call
    if step == "validate":
        from tt_analytics.validate import validate
        def call():
            report = validate(data, _fresh(work / "validate"), as_of=as_of)
            summary = getattr(report, "summary", None)
            return {"failed": bool(getattr(report, "failed", False)),
                    "rows_quarantined": int(summary["rows_quarantined"].sum()) if summary is not None else None}
        return call
    if step == "validate_sql":
        from tt_analytics import catalog
        from tt_analytics.validate import validate_into
        def call():
            con = catalog.connect()
            report = validate_into(con, data, _fresh(work / "validate_sql"), as_of=as_of, data_docs=False)
            return {"failed": bool(report.failed), "rows_quarantined": int(report.summary["rows_quarantined"].sum())}
        return call
    if step in ("evaluate", "rules", "fraud", "metrics"):
        from tt_analytics import catalog, params
        evaluate = importlib.import_module("tt_analytics.evaluate")  # the module (the package exports a function)
        outputs = {"fraud": ["fake_transactions"], "metrics": ["metrics"],
                   "rules": [o for o in evaluate.OUTPUTS if o != "fake_transactions"]}.get(step)
        def call():
            # evaluate.evaluate(data, as_of, validate=False, outputs=...) spelled out, to time each
            # output through run()'s progress callback (where the time goes, per component)
            marks: list[tuple[str, float]] = []
            progress_file = work / f"{step}.progress.json"

            def mark(name: str) -> None:
                # also on disk, so a step killed at the harness's --timeout still says where it was
                marks.append((name, time.perf_counter()))
                progress_file.write_text(json.dumps(_per_output(marks)))

            prm = params.load(as_of)
            con = catalog.connect()
            catalog.attach(con, data)
            mark("(attach)")
            res = evaluate.run(con, as_of, prm, outputs, progress=mark)
            mark("(write)")
            evaluate.write(res, _fresh(work / step))
            mark("(end)")
            return {"rows": _rows(res), "output_seconds": _per_output(marks)}
        return call
    if step == "series":
        from tt_analytics.series import evaluate_series
        start = as_of - dt.timedelta(days=SERIES_DAYS - 1)
        def call():
            res = evaluate_series(data, start, as_of, every="day", out=_fresh(work / "series"), validate=False)
            return {"rows": _rows(res), "dates": SERIES_DAYS}
        return call
    if step == "floor":
        from benchmarks import floor
        return lambda: floor.run(data)
    if step == "pandas":
        from benchmarks import pandas_reference
        def call():
            df = pandas_reference.metrics(data, as_of)
            out = _fresh(work / "pandas")
            df.to_parquet(out / "metrics.parquet")
            return {"rows": len(df)}
        return call
    raise SystemExit(f"unknown step {step!r}; expected one of {', '.join(STEPS)}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("step", choices=list(STEPS))
    p.add_argument("--data", required=True, help="canonical data folder")
    p.add_argument("--work", required=True, help="folder for this size's outputs")
    p.add_argument("--as-of", required=True)
    p.add_argument("--result", required=True, help="JSON file to write")
    p.add_argument("--orders", type=int, default=0)
    p.add_argument("--shops", type=int, default=0)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args(argv)
    call = prepare(a.step, a)
    before = set(sys.modules)
    start = time.perf_counter()
    info = call()
    seconds = time.perf_counter() - start
    # what the timed call still had to import (LAZY_IMPORTS is missing it): said, and tested empty
    info = {**info, "imported_during_step": third_party_imports(before)}
    Path(a.result).write_text(json.dumps({"step": a.step, "seconds": seconds, "info": info}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
