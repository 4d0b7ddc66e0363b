"""Golden rule cases (OpenFisca style), shared by every rule family.

A case file `tests/rules/**/*.yaml` holds a list of cases:

    - name: SFCR just below 2.5% meets the target
      rule: SFCR                       # the rule ID(s) the case checks (required)
      as_of: 2026-11-20
      rules: {...}                     # optional: parameter overrides, {file: {path: value}}
      input:                           # canonical tables, rows as mappings (missing tables are empty)
        shops: [{shop_id: s1, platform: tiktok, region: US, status: active}]
        orders: [...]
      expect:                          # output table -> rows; each must match exactly one output row
        metrics:                       #   on every field it gives (floats to 1e-9, lists as sets)
          - {shop_id: s1, metric: SFCR, numerator: 1, value: 0.024, meets_target: true}
      absent:                          # output table -> rows that must match no output row
        metrics: [{shop_id: s2}]
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from tt_analytics import catalog, params, schema
import importlib

# the module: `from tt_analytics import evaluate` gives the package's evaluate() function
evaluate = importlib.import_module("tt_analytics.evaluate")

RULES_DIR = Path(__file__).parent / "rules"
PL_TYPES = {"str": pl.Utf8, "timestamp": pl.Datetime("us", "UTC"), "date": pl.Date, "bool": pl.Boolean,
            "int": pl.Int64, "float": pl.Float64}


def load_cases(pattern: str = "**/*.yaml") -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(RULES_DIR.glob(pattern)):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            assert "rule" in case, f"{path.name}: case {case.get('name')!r} names no rule ID"
            cases.append((f"{path.relative_to(RULES_DIR)}::{case['name']}", case))
    return cases


def _value(v: Any, dtype: str) -> Any:
    if v is None:
        return None
    if dtype == "timestamp":
        t = v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
        return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)
    if dtype == "date":
        return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
    if dtype == "str":
        return str(v)
    return v


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    t = schema.table(table)
    for r in rows:
        unknown = set(r) - set(t.names)
        assert not unknown, f"{table}: unknown columns {unknown}"
    data = {c.name: [_value(r.get(c.name), c.dtype) for r in rows] for c in t.columns}
    return pl.DataFrame(data, schema={c.name: PL_TYPES[c.dtype] for c in t.columns})


def load_input(con, tables: dict[str, list[dict]]) -> None:
    for name, t in schema.TABLES.items():
        catalog.drop(con, name)
        df = frame(name, tables.get(name) or [])
        con.register("_in", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _in")
        con.unregister("_in")


def _set(d: dict, dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    for k in head:
        d = d[int(k)] if isinstance(d, list) else d[k]
    if isinstance(d, list):
        d[int(last)] = value
    else:
        d[last] = value


def run_case(case: dict) -> evaluate.Results:
    as_of = params._as_date(case["as_of"])
    prm = params.load(as_of)
    for file, overrides in (case.get("rules") or {}).items():
        for path, value in overrides.items():
            _set(prm[file], path, value)
    con = catalog.connect()
    load_input(con, case.get("input") or {})
    wanted = sorted(set(case.get("expect", {})) | set(case.get("absent", {})))
    return evaluate.run(con, as_of, prm, outputs=wanted)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) or (isinstance(actual, float) and isinstance(expected, int)
                                       and not isinstance(expected, bool)):
        return actual is not None and not isinstance(actual, bool) and math.isclose(actual, expected,
                                                                                     rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list):
        return actual is not None and sorted(map(str, actual)) == sorted(map(str, expected))
    if isinstance(expected, (dt.date, dt.datetime)) or isinstance(actual, (dt.date, dt.datetime)):
        if isinstance(actual, dt.datetime) and not isinstance(expected, dt.datetime):
            return str(actual.date() if len(str(expected)) == 10 else actual) == str(expected)
        return str(actual) == str(expected)
    return actual == expected


def matches(row: dict, expected: dict) -> bool:
    return all(k in row and _equal(row[k], v) for k, v in expected.items())


def check(case: dict, results: evaluate.Results) -> None:
    for table, rows in (case.get("expect") or {}).items():
        actual = results[table].to_dicts()
        for exp in rows:
            hits = [r for r in actual if matches(r, exp)]
            assert len(hits) == 1, (
                f"[{case['rule']}] {case['name']}: expected one {table} row matching {exp}, found {len(hits)}.\n"
                f"{table} rows: {actual}")
    for table, rows in (case.get("absent") or {}).items():
        actual = results[table].to_dicts()
        for exp in rows:
            hits = [r for r in actual if matches(r, exp)]
            assert not hits, f"[{case['rule']}] {case['name']}: no {table} row should match {exp}, got {hits}"
