"""Series mode: every TikTok output for every shop on every as-of date of a range, in one pass.

`evaluate_series(data_dir, start, end, every="day")` fills `as_of_dates` with all the dates and
runs the same SQL as the single-date `evaluate`: daily facts are aggregated once per shop and
local day, then a range join adds each fact to the as-of dates whose window holds it and sums per
date (queries/tiktok/metrics.sql). No Python loop over shops, rows or days. (A running SUM() over
changes on the days a fact enters and leaves the window gives the same numbers but was slower:
0.8 against 0.5 s at 10M orders for 90 dates, 8.5 against 7.0 s at 100M.)

Rules are data with effective dates: when a parameter file changes value inside the range, the
range is split at that date and each part is computed with the rulebook in force on it (one pass
per rulebook, not per day).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from . import params
from .evaluate import Results, run, write
from .errors import InputError

# Outputs that are computed per as-of date (the Douyin and fraud outputs are single-date reports).
SERIES_OUTPUTS = ["metrics", "metric_points", "violation_appeals", "penalty_periods", "points", "star_shop"]
STEPS = {"day": 1, "week": 7}


def series_dates(start: dt.date, end: dt.date, every: str = "day") -> list[dt.date]:
    """start, start + step, ... up to end (inclusive)."""
    if every not in STEPS:
        raise InputError(f"--every must be one of {', '.join(STEPS)}, got {every!r}")
    if end < start:
        raise InputError(f"series end {end} is before its start {start}")
    n = (end - start).days // STEPS[every]
    return [start + dt.timedelta(days=i * STEPS[every]) for i in range(n + 1)]


def rule_change_dates(rules_dir: str | Path | None = None) -> set[dt.date]:
    """Every effective date found in the parameter files."""
    out: set[dt.date] = set()
    for name in params.rule_files(rules_dir):
        for _, _, _, vals in params.dated_values(params.raw(name, rules_dir)):
            out.update(dt.date.fromisoformat(d) for d, _ in vals)
    return out


def segments(dates: list[dt.date], rules_dir: str | Path | None = None) -> list[list[dt.date]]:
    """Split the dates where a parameter value takes effect."""
    cuts = sorted(d for d in rule_change_dates(rules_dir) if dates[0] < d <= dates[-1])
    parts, i = [], 0
    for cut in cuts + [dt.date.max]:
        part = [d for d in dates[i:] if d < cut]
        if part:
            parts.append(part)
            i += len(part)
    return parts


def run_series(con, dates: list[dt.date], rules_dir: str | Path | None = None,
               outputs: list[str] | None = None) -> Results:
    """Compute `outputs` for every date on a connection whose canonical tables are ready."""
    wanted = outputs or SERIES_OUTPUTS
    pieces: dict[str, list[pl.DataFrame]] = {}
    for part in segments(dates, rules_dir):
        prm = params.load(part[-1], rules_dir)
        res = run(con, part[-1], prm, wanted, as_of_dates=part,
                           rules_dir=Path(rules_dir) if rules_dir else None)
        for table, df in res.items():
            pieces.setdefault(table, []).append(df)
    return Results({t: pl.concat(dfs, how="vertical_relaxed") for t, dfs in pieces.items()})


def evaluate_series(data_dir: str | Path, start: dt.date | str, end: dt.date | str, every: str = "day",
                    out: str | Path | None = None, rules_dir: str | Path | None = None,
                    validate: bool = True, database: str | Path | None = None,
                    outputs: list[str] | None = None, engine: str = "duckdb",
                    spark_master: str | None = None) -> Results:
    """Validate `data_dir` once and compute the TikTok outputs for every date from start to end
    (on `engine`: duckdb, or spark, see docs/spark.md)."""
    from .engines import ready
    start, end = params._as_date(start), params._as_date(end)
    dates = series_dates(start, end, every)
    con = ready(engine, data_dir, out=out, as_of=end, validate=validate, spark_master=spark_master)
    results = run_series(con, dates, rules_dir, outputs)
    if out is not None:
        write(results, out, database, data_dir)
    return results
