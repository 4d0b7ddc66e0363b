"""Golden cases on both engines: the same input, the same outputs, compared row for row.

A Spark query costs far more fixed time than a DuckDB one, so the cases of a rule family are run
in *batches*: cases with the same as-of date and the same parameter overrides are put into one
input, each case's identifiers (every `*_id` column) prefixed with the case's number so that no
two cases share a shop, order or buyer. Both engines get exactly that batched input and must
produce the same output tables. Each case's own expectations are checked on DuckDB by
tests/test_rules_*.py; here the question is only whether Spark computes the same thing.
"""
from __future__ import annotations

import datetime as dt
import decimal
import importlib
import json
import math
from typing import Any

import polars as pl

import golden
from tt_analytics import catalog, params, schema

evaluate = importlib.import_module("tt_analytics.evaluate")

# Spark settings of the tests: tiny inputs, 2 cores shared with the rest of the suite.
TEST_CONF = {
    "spark.master": "local[2]",
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",  # re-planning per stage costs more than it saves here
    "spark.sql.codegen.wholeStage": "false",  # compiling generated code dominates on tiny data
    "spark.driver.memory": "2g",  # 1g ran out of heap analysing the fraud queries late in the session
    "spark.log.level": "FATAL",  # a failing query is reported by the test, not by log4j
}

ID_COLUMNS = {t.name: [c.name for c in t.columns if c.name.endswith("_id")] for t in schema.TABLES.values()}


def batches(patterns: str | list[str], merge_dates: bool = False) -> list[tuple[str, dict]]:
    """Cases of `pattern` grouped by (as_of, rules overrides) into one batched case each; with
    `merge_dates`, by overrides only: the batch is evaluated for the series of all its cases'
    as-of dates (`as_of_dates`), with the parameters and scalar as-of of the last one."""
    groups: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for cid, case in [c for p in ([patterns] if isinstance(patterns, str) else patterns)
                      for c in golden.load_cases(p)]:
        key = ("" if merge_dates else str(case["as_of"]),
               json.dumps(case.get("rules") or {}, sort_keys=True, default=str))
        groups.setdefault(key, []).append((cid, case))
    out = []
    for (_, _), cases in sorted(groups.items()):
        dates = sorted({params._as_date(c["as_of"]) for _, c in cases})
        as_of = str(dates[-1]) if merge_dates else str(cases[0][1]["as_of"])
        tables: dict[str, list[dict]] = {}
        wanted: set[str] = set()
        for n, (_, case) in enumerate(cases):
            for table, rows in (case.get("input") or {}).items():
                ids = ID_COLUMNS[table]
                tables.setdefault(table, []).extend(
                    {k: (f"c{n}_{v}" if k in ids and v is not None else v) for k, v in r.items()} for r in rows or [])
            wanted |= set(case.get("expect") or {}) | set(case.get("absent") or {})
        name = f"{as_of} x{len(cases)}: " + "; ".join(cid for cid, _ in cases)
        out.append((name[:160], {"as_of": as_of, "as_of_dates": dates if merge_dates else None,
                                 "rules": cases[0][1].get("rules"), "input": tables, "outputs": sorted(wanted)}))
    return out


def case_params(case: dict) -> tuple[dt.date, dict]:
    as_of = params._as_date(case["as_of"])
    prm = params.load(as_of)
    for file, overrides in (case.get("rules") or {}).items():
        for path, value in overrides.items():
            golden._set(prm[file], path, value)
    return as_of, prm


def run_duckdb(case: dict) -> evaluate.Results:
    as_of, prm = case_params(case)
    con = catalog.connect()
    golden.load_input(con, case["input"])
    return evaluate.run(con, as_of, prm, outputs=case["outputs"], as_of_dates=case.get("as_of_dates"))


def run_spark(spark_con, case: dict) -> evaluate.Results:
    as_of, prm = case_params(case)
    for name in schema.TABLES:
        spark_con.register(name, golden.frame(name, case["input"].get(name) or []))
    return evaluate.run(spark_con, as_of, prm, outputs=case["outputs"], as_of_dates=case.get("as_of_dates"))


def _norm(v: Any) -> Any:
    """One comparable form per value: floats as floats, instants as naive UTC, lists sorted."""
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, (list, tuple)):
        return sorted((_norm(x) for x in v), key=repr)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


def _sort_key(row: dict) -> str:
    return repr([(k, round(v, 6) if isinstance(v, float) else v) for k, v in sorted(row.items())])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
            return a is b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def differences(expected: pl.DataFrame, actual: pl.DataFrame, table: str) -> list[str]:
    """What differs between two output tables (empty when they hold the same rows)."""
    if sorted(expected.columns) != sorted(actual.columns):
        return [f"{table}: columns {expected.columns} (DuckDB) vs {actual.columns} (Spark)"]
    rows_e = sorted(({k: _norm(v) for k, v in r.items()} for r in expected.to_dicts()), key=_sort_key)
    rows_a = sorted(({k: _norm(v) for k, v in r.items()} for r in actual.to_dicts()), key=_sort_key)
    if len(rows_e) != len(rows_a):
        return [f"{table}: {len(rows_e)} rows on DuckDB, {len(rows_a)} on Spark"]
    out = []
    for e, a in zip(rows_e, rows_a):
        bad = {k: (e[k], a[k]) for k in e if not _same(e[k], a[k])}
        if bad:
            out.append(f"{table}: row {e} differs on {bad} (DuckDB, Spark)")
    return out[:5]
