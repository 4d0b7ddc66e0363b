"""Validation: every canonical table checked by its Great Expectations suite before any rule runs.

The suites (`expectations/<table>.json`, GX Core 1.x format) are generated from `schema.py`
(`python -m tt_analytics.validate --write-suites`); a test fails when the files drift from the
schema. They are run in two ways from the same JSON:

- **Row-level checks as one SQL pass in DuckDB.** Each row-level expectation becomes a SQL
  predicate that selects its unexpected rows (`unexpected_predicate`); one query per table
  collects, for every row, the reasons of all expectations it fails. Those rows are the
  quarantine; the others become the canonical `<table>` relation the rules read. This is what
  scales (10M orders in a few seconds, see docs/validation.md).
- **Great Expectations itself** runs the same suites through its SQL datasource on the same
  DuckDB connection (with the small fix in `gx_compat.py`) when an output folder is given, and
  writes its Data Docs to `OUT/data_docs/`. Its unexpected counts equal the SQL pass's (tested).

File-level problems (unreadable file, wrong encoding, empty file, missing required column,
a file that is not a canonical table) raise `InputError` and stop the run.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from . import catalog, schema
from .errors import InputError

SUITES_DIR = Path(__file__).resolve().parent.parent / "expectations"
STAGE = "_v_"  # prefix of the relations holding the staged rows; the canonical views read them (main schema: GX too)
# Freshness: the as-of date must fall inside the data's range (tables and their event time column).
FRESHNESS = {"orders": "created_at"}
FRESHNESS_SLACK_DAYS = 1  # UTC vs local day: a CN shop's last local day ends at 16:00 UTC the day before
DTYPE_WORDS = {"timestamp": "an ISO-8601 timestamp", "date": "a date YYYY-MM-DD", "bool": "true or false",
               "int": "a whole number", "float": "a number"}
STATUS_OK, STATUS_WARN, STATUS_FAIL = "ok", "warn", "fail"


# ---------------------------------------------------------------------------------------------
# Suites: generated from the schema module


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rel(table: str, suffix: str = "") -> str:
    return _q(f"{STAGE}{table}{suffix}")


def raw_name(column: str) -> str:
    """Staged column holding the original value of a typed (non-text) column."""
    return f"_raw_{column}"


def _exp(type_: str, kwargs: dict, check: str, reason: str, column: str | None = None, **meta) -> dict:
    m = {"check": check, "reason": reason, **meta}
    if column is not None:
        m["column"] = column
    return {"type": type_, "kwargs": kwargs, "meta": m}


def _rows_query(predicate: str) -> str:
    return f"SELECT * FROM {{batch}} WHERE {predicate}"


def suite(table: str) -> dict:
    """The GX 1.x expectation suite of `table`, as a JSON-ready dict, derived from the schema."""
    t = schema.table(table)
    exps: list[dict] = []
    for c in t.columns:
        exps.append(_exp("expect_column_to_exist", {"column": c.name}, "present",
                         f"{c.name}: column missing" + ("" if c.required else " (optional: read as null)"),
                         c.name, required=c.required))
    for c in t.columns:
        if c.dtype != "str":
            exps.append(_exp(
                "unexpected_rows_expectation",
                {"unexpected_rows_query": _rows_query(f"{_q(raw_name(c.name))} IS NOT NULL AND {_q(c.name)} IS NULL"),
                 "description": f"`{c.name}` parses as {c.dtype}"},
                "type", f"{c.name}: not {DTYPE_WORDS[c.dtype]}", c.name))
        if c.required:  # on the original value, so that an unparseable value is not also "missing"
            exps.append(_exp("expect_column_values_to_not_be_null",
                             {"column": c.name if c.dtype == "str" else raw_name(c.name)}, "not_null",
                             f"{c.name}: required value missing", c.name))
        if c.allowed:
            exps.append(_exp("expect_column_values_to_be_in_set", {"column": c.name, "value_set": list(c.allowed)},
                             "enum", f"{c.name}: not one of {', '.join(c.allowed)}", c.name))
        if c.min is not None or c.max is not None:
            kw: dict[str, Any] = {"column": c.name}
            if c.min is not None:
                kw["min_value"] = c.min
            if c.max is not None:
                kw["max_value"] = c.max
            rng = (f"below {c.min:g}" if c.max is None else f"outside {c.min:g}..{c.max:g}" if c.min is not None
                   else f"above {c.max:g}")
            exps.append(_exp("expect_column_values_to_be_between", kw, "range", f"{c.name}: {rng}", c.name))
    if len(t.key) == 1:
        exps.append(_exp("expect_column_values_to_be_unique", {"column": t.key[0]}, "unique",
                         f"duplicate {t.key[0]} with different content (no copy kept)", t.key[0]))
    elif t.key:
        exps.append(_exp("expect_compound_columns_to_be_unique", {"column_list": list(t.key)}, "unique",
                         f"duplicate key ({', '.join(t.key)}) with different content (no copy kept)", t.key[0],
                         columns=list(t.key)))
    for later, earlier in t.time_order:
        exps.append(_exp("expect_column_pair_values_a_to_be_greater_than_b",
                         {"column_A": later, "column_B": earlier, "or_equal": True,
                          "ignore_row_if": "either_value_is_missing"},
                         "time_order", f"{later} before {earlier}", later, columns=[later, earlier]))
    for col, (rt, rc) in t.references.items():
        exps.append(_exp(
            "unexpected_rows_expectation",
            {"unexpected_rows_query": _rows_query(
                f"{_q(col)} IS NOT NULL AND {_q(col)} NOT IN (SELECT {_q(rc)} FROM {_q(rt)} WHERE {_q(rc)} IS NOT NULL)"),
             "description": f"every `{col}` exists in `{rt}.{rc}` (accepted rows)"},
            "reference", f"{col}: no such {rc} in {rt}", col, references=[rt, rc]))
    if table in FRESHNESS:
        col = FRESHNESS[table]
        exps.append(_exp("expect_column_min_to_be_between", {"column": col, "max_value": {"$PARAMETER": "as_of_end"}},
                         "freshness", f"as-of date before the first {col}", col))
        exps.append(_exp("expect_column_max_to_be_between",
                         {"column": col, "min_value": {"$PARAMETER": "fresh_from"}},
                         "freshness", f"as-of date after the last {col} (stale data?)", col))
    return {"name": table, "expectations": exps,
            "meta": {"generated_from": "tt_analytics/schema.py",
                     "regenerate": "python -m tt_analytics.validate --write-suites",
                     "description": t.description}}


def suite_json(table: str) -> str:
    return json.dumps(suite(table), indent=2, ensure_ascii=False) + "\n"


def write_suites(directory: str | Path = SUITES_DIR) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in schema.TABLES:
        p = directory / f"{name}.json"
        p.write_text(suite_json(name), encoding="utf-8")
        paths.append(p)
    return paths


def load_suite(table: str) -> dict:
    """The committed suite of `table` (the generated one if the package runs without the repo)."""
    p = SUITES_DIR / f"{table}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else suite(table)


_ROWS_QUERY = re.compile(r"^SELECT \* FROM \{batch\} WHERE (.+)$", re.S)


def _lit(v: Any) -> str:
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


def unexpected_predicate(exp: dict, batch: str) -> str | None:
    """SQL predicate selecting the rows of `batch` that `exp` finds unexpected, with GX's
    semantics (nulls are ignored except by not-null; uniqueness flags every copy). None for
    expectations that are not row-level."""
    k, typ = exp["kwargs"], exp["type"]
    col = _q(k["column"]) if "column" in k else None
    if typ == "expect_column_values_to_not_be_null":
        return f"{col} IS NULL"
    if typ == "expect_column_values_to_be_in_set":
        return f"{col} IS NOT NULL AND {col} NOT IN ({', '.join(_lit(v) for v in k['value_set'])})"
    if typ == "expect_column_values_to_be_between":
        parts = []
        if k.get("min_value") is not None:
            parts.append(f"{col} < {_lit(k['min_value'])}")
        if k.get("max_value") is not None:
            parts.append(f"{col} > {_lit(k['max_value'])}")
        return f"{col} IS NOT NULL AND ({' OR '.join(parts)})"
    if typ == "expect_column_values_to_be_unique":
        return f"{col} IN (SELECT {col} FROM {batch} WHERE {col} IS NOT NULL GROUP BY ALL HAVING count(*) > 1)"
    if typ == "expect_compound_columns_to_be_unique":
        cols = ", ".join(_q(c) for c in k["column_list"])
        return f"({cols}) IN (SELECT {cols} FROM {batch} GROUP BY ALL HAVING count(*) > 1)"
    if typ == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _q(k["column_A"]), _q(k["column_B"])
        op = ">=" if k.get("or_equal") else ">"
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {op} {b})"
    if typ == "unexpected_rows_expectation":
        m = _ROWS_QUERY.match(k["unexpected_rows_query"].strip())
        if not m:
            raise ValueError(f"unexpected_rows_query must read 'SELECT * FROM {{batch}} WHERE …': {k}")
        return m.group(1)
    return None


def required_columns(s: dict) -> list[str]:
    return [e["kwargs"]["column"] for e in s["expectations"]
            if e["type"] == "expect_column_to_exist" and e["meta"].get("required")]


# ---------------------------------------------------------------------------------------------
# Reading and staging


@dataclass
class Report:
    """What a validation run found. `summary` is OUT/validation.parquet."""
    summary: pl.DataFrame
    data_docs: Path | None = None
    warnings: list[str] = field(default_factory=list)
    # table -> [(expectation index, type, column, unexpected rows)] from the SQL pass
    sql_counts: dict[str, list[tuple[int, str, str | None, int]]] = field(default_factory=dict)
    gx_counts: dict[str, list[tuple[int, str, str | None, int | None, bool]]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool((self.summary["status"] == STATUS_FAIL).any())


def _order(names: list[str]) -> list[str]:
    """Tables ordered so that a table comes after the tables it references."""
    done: list[str] = []

    def visit(n: str, path: tuple[str, ...] = ()) -> None:
        if n in done or n in path:
            return
        for rt, _ in schema.table(n).references.values():
            visit(rt, path + (n,))
        done.append(n)

    for n in names:
        visit(n)
    return done


def _first_line(msg: str) -> str:
    lines = [ln.strip() for ln in str(msg).splitlines() if ln.strip()]
    return " ".join(lines[:3]) if lines else str(msg)


def _scan(src: catalog.Source) -> str:
    """The source files as they are (like catalog.scan_sql) plus `_file` and, for Parquet,
    the row index inside the file."""
    files = "[" + ", ".join(catalog._lit(f) for f in src.files) + "]"
    hive = "true" if src.path.is_dir() and any("=" in part for f in src.files for part in f.parts) else "false"
    if src.fmt == "parquet":
        return (f"SELECT * FROM read_parquet({files}, union_by_name=true, hive_partitioning={hive}, "
                f"filename='_file', file_row_number=true)")
    return (f"SELECT * FROM read_csv({files}, all_varchar=true, header=true, union_by_name=true, "
            f"hive_partitioning={hive}, encoding='utf-8', strict_mode=true, filename='_file')")


def _file_error(src: catalog.Source, e: Exception) -> InputError:
    text = str(e)
    bad = next((f for f in src.files if str(f) in text), src.files[0] if len(src.files) == 1 else src.path)
    if "not utf-8" in text.lower() or "invalid unicode" in text.lower():
        what = ("is not UTF-8 text (for example GB18030/GBK or UTF-16 bytes). Re-save it as UTF-8, or load the "
                "raw export with `tt-analytics ingest`, which detects the encoding")
    elif src.fmt == "parquet":
        what = "is not a readable Parquet file (truncated or not Parquet)"
    else:
        what = "is not a readable CSV file with a header row (comma, semicolon, tab or pipe separated)"
    return InputError(f"{what}; expected the canonical table {src.table!r}. Reader said: {_first_line(text)}",
                      file=str(bad))


def _typed_expr(c: schema.Column, src: str, src_type: str) -> str:
    """Expression casting source column `src` to `c`'s type; NULL where the value does not parse
    (a parse failure is what the suite's type check finds). Nothing is coerced silently: '1.5'
    is not an int, '2026-01-01 10:00' is not a date, 'yes' is not a bool."""
    s, T = _q(src), c.duckdb_type
    text = src_type.upper() == "VARCHAR"
    if c.dtype == "str":
        return s if text else f"CAST({s} AS VARCHAR)"
    if c.dtype == "int":
        return f"CASE WHEN TRY_CAST({s} AS DOUBLE) = TRY_CAST({s} AS BIGINT) THEN TRY_CAST({s} AS BIGINT) END"
    if c.dtype == "float":
        return f"CASE WHEN isfinite(TRY_CAST({s} AS DOUBLE)) THEN TRY_CAST({s} AS DOUBLE) END"
    if c.dtype == "bool":
        if text:
            return f"CASE lower(trim({s})) WHEN 'true' THEN true WHEN 'false' THEN false END"
        return f"TRY_CAST({s} AS BOOLEAN)"
    if c.dtype == "date":
        if text:
            return f"CASE WHEN regexp_full_match(trim({s}), '\\d{{4}}-\\d{{2}}-\\d{{2}}') THEN TRY_CAST(trim({s}) AS DATE) END"
        if "TIMESTAMP" in src_type.upper():  # a timestamp is a date only at midnight
            return f"CASE WHEN CAST({s} AS DATE) = {s} THEN CAST({s} AS DATE) END"
        return f"TRY_CAST({s} AS DATE)"
    return f"TRY_CAST({s} AS {T})"


@dataclass
class _Staged:
    table: str
    src: catalog.Source
    original: list[str]  # source columns in file order (canonical and extra)
    extra: list[str]
    relation: str  # staged rows (all of them), as read plus typed columns where a conversion was needed
    batch: str  # view of the staged rows minus exact duplicates, canonical columns typed: what the suite checks
    converted: set[str] = field(default_factory=set)  # canonical non-text columns parsed from another type
    absent: set[str] = field(default_factory=set)  # canonical columns the source does not have


def _stage(con: duckdb.DuckDBPyConnection, src: catalog.Source, s: dict) -> _Staged:
    """Read the source once into `_v_<table>`: the original columns, typed copies of those that
    need parsing, the row's file and position. Nothing is dropped or coerced here."""
    t = schema.table(src.table)
    for f in src.files:
        if f.stat().st_size == 0:
            raise InputError(f"file is empty; expected a header row with the columns of {t.name!r} "
                             f"({', '.join(t.required)} required)", file=str(f))
    scan = _scan(src)
    try:
        described = con.execute(f"DESCRIBE {scan}").fetchall()
    except duckdb.Error as e:
        raise _file_error(src, e) from None
    internal = {"_file", "file_row_number"} if src.fmt == "parquet" else {"_file"}
    cols = [(r[0], r[1]) for r in described if r[0] not in internal]
    names = [n for n, _ in cols]
    missing = [c for c in required_columns(s) if c not in names]
    if missing:
        raise InputError(
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing; expected the "
            f"columns {', '.join(t.required)} (and optionally {', '.join(n for n in t.names if n not in t.required)}),"
            f" found {', '.join(names) or 'none'}",
            file=str(src.path), column=missing[0])
    reserved = [n for n in names if n.startswith("_")]
    if reserved:
        raise InputError(f"column names starting with '_' are reserved for validation output; rename {reserved}",
                         file=str(src.path), column=reserved[0])
    types = dict(cols)
    if src.fmt == "parquet":  # file position from the reader: no window needed
        files = "[" + ", ".join(catalog._lit(f) for f in src.files) + "]"
        stored = [f"(CAST(list_position({files}, _file) AS BIGINT) << 40) + file_row_number AS _n", "_file",
                  "file_row_number + 1 AS _frn", "0 AS _nl"]
    else:  # row_number() OVER () numbers rows in file order (DuckDB preserves insertion order)
        has_nl = " OR ".join(f"contains({_q(n)}, chr(10))" for n in names)
        count = " + ".join(f"coalesce(length({_q(n)}) - length(replace({_q(n)}, chr(10), '')), 0)" for n in names)
        stored = ["row_number() OVER () AS _n", "_file", "NULL::BIGINT AS _frn",
                  f"CASE WHEN {has_nl} THEN {count} ELSE 0 END AS _nl"]  # quoted newlines, for line numbers
    batch = ["_n", "_file", "_frn", "_nl"]
    converted, absent = set(), set()
    for c in t.columns:
        q = _q(c.name)
        if c.name not in types:
            absent.add(c.name)
            batch.append(f"CAST(NULL AS {c.duckdb_type}) AS {q}")
            if c.dtype != "str":
                batch.append(f"NULL AS {_q(raw_name(c.name))}")
        elif c.dtype == "str":
            stored.append(q if types[c.name] == "VARCHAR" else f"CAST({q} AS VARCHAR) AS {q}")
            batch.append(q)
        elif types[c.name] == schema.DUCKDB_TYPES[c.dtype].replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"):
            stored.append(q)  # already the right type: the original is the typed value
            batch += [q, f"{q} AS {_q(raw_name(c.name))}"]
        else:
            converted.add(c.name)
            stored += [f"{q} AS {_q(raw_name(c.name))}",
                       f"CAST({_typed_expr(c, c.name, types[c.name])} AS {c.duckdb_type}) AS {q}"]
            batch += [q, _q(raw_name(c.name))]
    extra = [n for n in names if n not in t.names]
    stored += [_q(n) for n in extra]
    batch += [_q(n) for n in extra]
    rel = _rel(t.name)
    # Parquet is columnar and positions come from the reader: a view re-reads it at Parquet speed
    # instead of copying it. CSV is parsed once into a table (row numbers need one ordered read).
    kind = "VIEW" if src.fmt == "parquet" else "TABLE"
    try:
        catalog.drop(con, rel.strip('"'))
        con.execute(f"CREATE {kind} {rel} AS SELECT {', '.join(stored)} FROM ({scan})")
        if kind == "VIEW":  # surface unreadable files now, not in the middle of the checks
            con.execute(f"SELECT count(*) FROM {rel}").fetchall()[0]
    except duckdb.Error as e:
        raise _file_error(src, e) from None
    st = _Staged(t.name, src, names, extra, rel, _rel(t.name, "_batch"), converted, absent)
    st.batch_select = ", ".join(batch)  # type: ignore[attr-defined]
    return st


def _originals(st: _Staged) -> list[str]:
    """Staged expressions giving each original column as text, in file order."""
    out = []
    for n in st.original:
        src = raw_name(n) if n in st.converted else n
        out.append(f"CAST({_q(src)} AS VARCHAR) AS {_q(n)}")
    return out


def _columns_of(e: dict) -> set[str]:
    k = e["kwargs"]
    cols = {k.get("column"), k.get("column_A"), k.get("column_B"), e["meta"].get("column"), *k.get("column_list", [])}
    return {c[len("_raw_"):] if c.startswith("_raw_") else c for c in cols if c}


def _check(con: duckdb.DuckDBPyConnection, st: _Staged, s: dict) -> list[tuple[int, str, str | None, int]]:
    """Exact duplicates out, then every row-level expectation as one SQL pass. Leaves the
    `_v_<table>_dups` (_n, first_n) and `_v_<table>_bad` (_n, reasons, flags) tables."""
    t = schema.table(st.table)
    rel = st.relation
    orig = ", ".join(_q(raw_name(n)) if n in st.converted else _q(n) for n in st.original)
    # Exact duplicates: only rows sharing a key (a keyless table: sharing every column) can be
    # identical, so look among those. Repeated keys are found in two steps: first the repeated
    # 64-bit hashes of the key (the grouping holds one integer per row instead of the key's
    # text, and spills to disk if it must), then the keys that really repeat among the few rows
    # carrying such a hash (DuckDB's hash() collides on ~1 % of 10M order ids). At scale there
    # are usually none, and then the whole-row comparison (a window) is skipped.
    dups, dupkeys = _rel(st.table, "_dups"), _rel(st.table, "_dupkeys")
    key_cols = ", ".join(_q(k) for k in t.key) if t.key else orig
    con.execute(f"""CREATE OR REPLACE TABLE {dupkeys} AS
        WITH repeated AS (SELECT hash({key_cols}) AS _h FROM {rel} GROUP BY ALL HAVING count(*) > 1)
        SELECT {key_cols} FROM {rel} WHERE hash({key_cols}) IN (SELECT _h FROM repeated)
        GROUP BY ALL HAVING count(*) > 1""")
    any_dupkey = con.execute(f"SELECT count(*) FROM {dupkeys}").fetchall()[0][0] > 0
    # by hash, so that keys with nulls match too (a collision only adds rows the window sorts out)
    candidates = f"SELECT * FROM {rel} WHERE hash({key_cols}) IN (SELECT hash({key_cols}) FROM {dupkeys})"
    if any_dupkey:
        con.execute(f"""CREATE OR REPLACE TABLE {dups} AS
            SELECT _n, first_n FROM (SELECT _n, min(_n) OVER (PARTITION BY {orig}) AS first_n FROM ({candidates}))
            WHERE _n > first_n""")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {dups} (_n BIGINT, first_n BIGINT)")
    con.execute(f"CREATE OR REPLACE VIEW {st.batch} AS SELECT {st.batch_select} FROM {rel} "  # type: ignore[attr-defined]
                f"WHERE _n NOT IN (SELECT _n FROM {dups})")
    checks, skipped = [], []
    for i, e in enumerate(s["expectations"]):
        p = unexpected_predicate(e, st.batch)
        if p is None:
            continue
        cols = _columns_of(e)
        # Provably empty checks are skipped (a column the file lacks is all null; a column that was
        # already of its type cannot fail to parse); they count 0, as GX finds.
        # Likewise a key with no duplicate in the file has none among the rows checked.
        if (e["meta"]["check"] != "not_null" and cols & st.absent) or \
                (e["meta"]["check"] == "type" and not cols & st.converted) or \
                (e["meta"]["check"] == "unique" and t.key and not any_dupkey):
            skipped.append((i, e))
        else:
            checks.append((i, e, p))
    bad = _rel(st.table, "_bad")
    if checks:
        flags = ", ".join(f"({p}) AS _f{i}" for i, _, p in checks)
        reasons = ", ".join(f"CASE WHEN _f{i} THEN {_lit(e['meta']['reason'])} END" for i, e, _ in checks)
        any_flag = " OR ".join(f"_f{i}" for i, _, _ in checks)
        con.execute(f"""CREATE OR REPLACE TABLE {bad} AS
            WITH flagged AS (SELECT _n, {flags} FROM {st.batch})
            SELECT _n, list_filter([{reasons}], lambda r: r IS NOT NULL) AS reasons,
                   [{', '.join(f'_f{i}' for i, _, _ in checks)}] AS flags
            FROM flagged WHERE {any_flag}""")
        counts = con.execute(f"SELECT {', '.join(f'count(*) FILTER (WHERE coalesce(flags[{j + 1}], false))' for j in range(len(checks)))} FROM {bad}").fetchall()[0]
    else:
        con.execute(f"CREATE OR REPLACE TABLE {bad} (_n BIGINT, reasons VARCHAR[], flags BOOLEAN[])")
        counts = ()
    found = [(i, e["type"], e["meta"].get("column"), int(n)) for (i, e, _), n in zip(checks, counts)]
    return sorted(found + [(i, e["type"], e["meta"].get("column"), 0) for i, e in skipped])


def _line_numbers(con: duckdb.DuckDBPyConnection, st: _Staged, ns: str) -> str:
    """SQL of (_n, _row, _source) for the staged row numbers selected by `ns`: Parquet row index
    (1-based), CSV physical line number (header is line 1; quoted newlines counted)."""
    rel = st.relation
    if st.src.fmt == "parquet":
        return f"SELECT _n, _frn AS _row, _file AS _source FROM {rel} WHERE _n IN ({ns})"
    return f"""
        WITH want AS (SELECT s._n, s._file, s._frn FROM {rel} s WHERE s._n IN ({ns})),
             firsts AS (SELECT _file, min(_n) AS first_n FROM {rel} GROUP BY _file),
             nl AS (SELECT _file, _n, sum(_nl) OVER (PARTITION BY _file ORDER BY _n) AS cum
                    FROM {rel} WHERE _nl > 0)
        SELECT w._n,
               CASE WHEN w._frn IS NOT NULL THEN w._frn
                    ELSE 1 + (w._n - f.first_n + 1) + coalesce(nl.cum, 0) END AS _row,
               w._file AS _source
        FROM want w JOIN firsts f USING (_file)
        ASOF LEFT JOIN nl ON w._file = nl._file AND w._n > nl._n"""


def _relative(path: str, data_dir: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(data_dir.resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# Runs


def _as_date(as_of: dt.date | str | None) -> dt.date | None:
    if as_of is None or isinstance(as_of, dt.date):
        return as_of
    return dt.date.fromisoformat(str(as_of))


def freshness_parameters(as_of: dt.date) -> dict[str, dt.datetime]:
    """GX suite parameters of the freshness expectations."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    start = dt.datetime.combine(as_of - dt.timedelta(days=FRESHNESS_SLACK_DAYS), dt.time(), tzinfo=dt.timezone.utc)
    return {"as_of_end": end, "fresh_from": start}


def _freshness(con, st: _Staged, s: dict, as_of: dt.date | None) -> str | None:
    if as_of is None or st.table not in FRESHNESS:
        return None
    col = FRESHNESS[st.table]
    lo, hi = con.execute(f"SELECT min({_q(col)}), max({_q(col)}) FROM {st.batch}").fetchall()[0]
    if lo is None:
        return None
    p = freshness_parameters(as_of)
    if lo >= p["as_of_end"] or hi < p["fresh_from"]:
        return (f"as-of date {as_of} is outside the range of {st.table}.{col} "
                f"({lo:%Y-%m-%d %H:%M} .. {hi:%Y-%m-%d %H:%M} UTC): results may describe stale data")
    return None


GX_MAX_ROWS = 200_000  # GX (one SQL query per metric) validates at most this many rows per table


def _gx_batch(con: duckdb.DuckDBPyConnection, st: _Staged) -> tuple[str, str]:
    """The relation GX validates for a table, and a note for the Data Docs. Up to GX_MAX_ROWS rows
    it is every row the SQL pass checked; beyond, every failing row (up to GX_MAX_ROWS), the rows
    holding the freshness column's min and max, and a repeatable reservoir sample of the others.
    Good rows fail nothing and their keys are unique, so GX's unexpected counts on that batch equal
    the SQL pass's while its cost stays bounded (10M rows: see docs/validation.md)."""
    dups = _rel(st.table, "_dups")
    # counted and sampled on the row numbers alone (DuckDB then reads no data column)
    n = con.execute(f"SELECT (SELECT count(*) FROM {st.relation}) - (SELECT count(*) FROM {dups})").fetchall()[0][0]
    if n <= GX_MAX_ROWS:
        return st.batch, f"Validated all {n} rows (exact duplicates excluded: see the quarantine)."
    bad, rel = _rel(st.table, "_bad"), _rel(st.table, "_gx")
    picks = [f"SELECT _n FROM {bad} ORDER BY _n LIMIT {GX_MAX_ROWS}",
             f"SELECT _n FROM {st.relation} USING SAMPLE reservoir({GX_MAX_ROWS} ROWS) REPEATABLE (7)"]
    if st.table in FRESHNESS:
        col = _q(FRESHNESS[st.table])
        picks += [f"SELECT arg_min(_n, {col}) FROM {st.batch}", f"SELECT arg_max(_n, {col}) FROM {st.batch}"]
    con.execute(f"CREATE OR REPLACE TABLE {rel} AS SELECT * FROM {st.batch} WHERE _n IN "
                f"({' UNION '.join(f'({p})' for p in picks)})")
    m = con.execute(f"SELECT count(*) FROM {rel}").fetchall()[0][0]
    return rel, (f"Validated {m} of {n} rows: every failing row (up to {GX_MAX_ROWS}) and a sample of the others, "
                 f"so unexpected counts are exact but percentages are of the sample. Full counts: validation.parquet.")


def _gx_reference_views(con: duckdb.DuckDBPyConnection, batches: dict[str, tuple[str, str]]) -> list[str]:
    """Statements giving GX's cursors a temporary view per referenced table (`orders`, `shops`)
    that holds only the referenced keys occurring in the GX batches. The suites' reference
    queries (`order_id NOT IN (SELECT order_id FROM orders …)`) then give exactly the same
    answers on those batches while reading a few thousand keys instead of building a hash table
    of every accepted order for each query (8 such queries took 48 of GX's 116 s at 10M)."""
    wanted: dict[str, tuple[str, list[str]]] = {}
    for name, (relation, _) in batches.items():
        for col, (rt, rc) in schema.table(name).references.items():
            wanted.setdefault(rt, (rc, []))[1].append(f"SELECT b.{_q(col)} FROM {relation} b")
    setup = []
    for rt, (rc, selects) in wanted.items():
        if any(r != rc for c, (t, r) in ((c, v) for n in batches for c, v in schema.table(n).references.items())
               if t == rt):
            continue  # a table referenced by two different columns keeps its full relation
        keys = _rel(rt, "_gxkeys")
        con.execute(f"CREATE OR REPLACE TABLE {keys} AS SELECT DISTINCT {_q(rc)} FROM {_q(rt)} "
                    f"WHERE {_q(rc)} IN ({' UNION '.join(selects)})")
        setup.append(f"CREATE TEMP VIEW {_q(rt)} AS SELECT * FROM main.{keys}")
    return setup


def run_gx(con: duckdb.DuckDBPyConnection, staged: dict[str, _Staged], suites: dict[str, dict], out: Path,
           as_of: dt.date | None) -> tuple[Path, dict]:
    """Run the suites with Great Expectations on the staged batches (GX's SQL data source on this
    DuckDB connection) and write Data Docs to OUT/data_docs/. GX's context is ephemeral: nothing
    is written outside OUT. Returns the Data Docs index and, per table, GX's unexpected counts."""
    import logging
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no usage statistics sent anywhere
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from . import gx_compat

    gx_compat.install()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    docs = (out / "data_docs").resolve()
    if (docs / "index.html").exists():  # an earlier run's pages: the docs describe this run only
        import shutil
        shutil.rmtree(docs)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in list(ctx.get_config().data_docs_sites or {}):
        ctx.delete_data_docs_site(site)  # the default site would write to a temporary folder
    ctx.add_data_docs_site("tt_analytics", {
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)}})
    batches = {name: _gx_batch(con, st) for name, st in staged.items()}
    ds = ctx.data_sources.add_sql("data_folder", connection_string="duckdb:///:memory:",
                                  kwargs=gx_compat.engine_kwargs(con, _gx_reference_views(con, batches)))
    definitions = []
    for name, st in staged.items():
        exps = []
        for i, e in enumerate(suites[name]["expectations"]):
            if e["meta"]["check"] == "freshness" and as_of is None:
                continue
            exps.append({**e, "meta": {**e["meta"], "index": i}})
        relation, note = batches[name]
        gsuite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=exps, notes=note,
                                                    meta=suites[name].get("meta")))
        batch = ds.add_table_asset(name, table_name=relation.strip('"')).add_batch_definition_whole_table(name)
        definitions.append(ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch,
                                                                                  suite=gsuite)))
    counts: dict[str, list] = {}
    if definitions:
        checkpoint = ctx.checkpoints.add(gx.Checkpoint(
            name="validate", validation_definitions=definitions, result_format={"result_format": "SUMMARY"}))
        result = checkpoint.run(expectation_parameters=freshness_parameters(as_of) if as_of else {})
        for vr in result.run_results.values():
            rows = []
            for r in vr.results:
                cfg = r.expectation_config
                n = r.result.get("unexpected_count")
                if cfg.type == "unexpected_rows_expectation":
                    n = r.result.get("observed_value")
                rows.append((cfg.meta["index"], cfg.type, cfg.meta.get("column"), n, bool(r.success)))
            counts[vr.suite_name] = sorted(rows)
    # The site is built once, from every stored result (an UpdateDataDocsAction in the checkpoint
    # rebuilds it after each table's validation: 15 builds instead of one).
    ctx.build_data_docs(site_names=["tt_analytics"])
    return docs / "index.html", counts


def validate_into(con: duckdb.DuckDBPyConnection, data_dir: str | Path, out: str | Path | None = None,
                  as_of: dt.date | str | None = None, data_docs: bool = True) -> Report:
    """Validate `data_dir` into `con`: afterwards `con` holds a relation `<table>` for every
    canonical table with exactly the schema's columns and types and only the accepted rows.
    With `out`, writes OUT/quarantine/<table>.parquet, OUT/validation.parquet and (unless
    `data_docs` is false: GX takes ~10 s to import) the GX Data Docs in OUT/data_docs/.

    Memory stays bounded whatever the size of the data: the accepted rows are views over the
    source files (the quarantine applied as an anti-join on the row number), only failing rows
    are kept, and for the duration of the run DuckDB's memory is capped (`catalog.memory_limit`)
    so that the groupings and joins over whole tables spill to disk instead of growing."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:  # in Jupyter without ipywidgets the bar is off and cannot be set
        pass
    previous_limit = catalog.bound_memory(con)
    try:
        return _validate_into(con, Path(data_dir), out, _as_date(as_of), data_docs)
    finally:
        catalog.restore_memory(con, previous_limit)


def _validate_into(con: duckdb.DuckDBPyConnection, data_dir: Path, out: str | Path | None, as_of: dt.date | None,
                   data_docs: bool) -> Report:
    try:
        sources, unknown = catalog.discover(data_dir)
    except FileNotFoundError:
        raise InputError("data folder does not exist; expected a folder of canonical table files",
                         file=str(data_dir)) from None
    except ValueError as e:
        raise InputError(str(e), file=str(data_dir)) from None
    if unknown:
        u = unknown[0]
        raise InputError(
            f"{u.name!r} is not a canonical table file; expected <table>.csv, <table>.parquet or a folder <table>/ "
            f"for a table of the data contract ({', '.join(schema.TABLES)}). Move other files out of the data "
            f"folder or prefix their name with '_'", file=str(u))
    prefix = str(data_dir.resolve()) + "/"  # discover() gives absolute paths; sources are shown relative
    rows: list[dict] = []
    warnings: list[str] = []
    report = Report(pl.DataFrame())
    quarantines: dict[str, str] = {}  # table -> DuckDB table of its quarantined rows (only failing rows)
    staged: dict[str, _Staged] = {}
    suites: dict[str, dict] = {}
    for name in _order(list(schema.TABLES)):
        t = schema.table(name)
        if name not in sources:
            catalog.drop(con, name)
            con.execute(t.ddl())
            rows.append({"table": name, "source": None, "rows_in": 0, "rows_accepted": 0, "rows_quarantined": 0,
                         "status": STATUS_OK, "notes": "no file: empty table"})
            continue
        s = suites[name] = load_suite(name)
        st = staged[name] = _stage(con, sources[name], s)
        report.sql_counts[name] = _check(con, st, s)
        dups, bad = _rel(name, "_dups"), _rel(name, "_bad")
        # The accepted rows become the canonical relation the rules (and later references) read: a
        # view over the staged rows (no copy of a 10M-row table), in file order.
        catalog.drop(con, name)
        cols = ", ".join(_q(c) for c in t.names)
        con.execute(f"CREATE VIEW {_q(name)} AS SELECT {cols} FROM {st.batch} WHERE _n NOT IN (SELECT _n FROM {bad})")
        # Quarantine: every original column as text, line/row number, all reasons.
        q_ns = f"SELECT _n FROM {bad} UNION ALL SELECT _n FROM {dups}"
        lines = _line_numbers(con, st, q_ns)
        first_lines = _line_numbers(con, st, f"SELECT first_n FROM {dups}")
        qrel = _rel(name, "_quarantine")
        con.execute(f"""CREATE OR REPLACE TABLE {qrel} AS
            WITH ln AS ({lines}), fl AS ({first_lines}),
                 why AS (SELECT _n, array_to_string(reasons, '; ') AS _reason FROM {bad}
                         UNION ALL
                         SELECT d._n, 'exact duplicate of ' || CASE WHEN f._frn IS NULL THEN 'line ' ELSE 'row ' END
                                || fl._row || ' (the first copy is kept)'
                         FROM {dups} d JOIN fl ON fl._n = d.first_n JOIN {st.relation} f ON f._n = d.first_n)
            SELECT {', '.join(_originals(st))}, ln._row::BIGINT AS _row, why._reason,
                   CASE WHEN starts_with(ln._source, {_lit(prefix)}) THEN substr(ln._source, {len(prefix) + 1})
                        ELSE ln._source END AS _source
            FROM {st.relation} s JOIN why USING (_n) JOIN ln USING (_n) ORDER BY s._n""")
        quarantines[name] = qrel
        per_file = con.execute(f"SELECT _file, count(*) FROM {st.relation} GROUP BY _file").fetchall()
        qcount = dict(con.execute(f"SELECT _source, count(*) FROM {qrel} GROUP BY _source").fetchall())
        # the three most frequent reasons of each file, for the summary's notes
        top_reasons: dict[str, list[tuple[str, int]]] = {}
        for src, reason, n in con.execute(f"""
                SELECT _source, reason, count(*) AS n
                FROM (SELECT _source, unnest(string_split(_reason, '; ')) AS reason FROM {qrel})
                GROUP BY _source, reason
                QUALIFY row_number() OVER (PARTITION BY _source ORDER BY count(*) DESC, reason) <= 3
                ORDER BY _source, n DESC, reason""").fetchall():
            top_reasons.setdefault(src, []).append((reason, n))
        notes: list[str] = []
        if st.extra:
            msg = f"{name}: unknown column(s) {', '.join(st.extra)} kept in quarantine text, not used by the rules"
            warnings.append(msg)
            notes.append(f"unknown columns: {', '.join(st.extra)}")
        fresh = _freshness(con, st, s, as_of)
        if fresh:
            warnings.append(fresh)
            notes.append(fresh)
        files_seen = {f for f, _ in per_file}
        for f in sources[name].files:  # header-only parts have no rows but are still sources
            if str(f) not in files_seen:
                per_file.append((str(f), 0))
        for f, n in sorted(per_file):
            rel = _relative(f, data_dir)
            nq = int(qcount.get(rel, 0))
            file_notes = list(notes)
            if nq:
                file_notes.insert(0, "; ".join(f"{r} ({c})" for r, c in top_reasons.get(rel, [])))
            rows.append({"table": name, "source": rel, "rows_in": int(n), "rows_accepted": int(n) - nq,
                         "rows_quarantined": nq,
                         "status": STATUS_FAIL if nq else STATUS_WARN if notes else STATUS_OK,
                         "notes": " | ".join(file_notes) or None})
    report.summary = pl.DataFrame(rows, schema={"table": pl.Utf8, "source": pl.Utf8, "rows_in": pl.Int64,
                                                "rows_accepted": pl.Int64, "rows_quarantined": pl.Int64,
                                                "status": pl.Utf8, "notes": pl.Utf8})
    report.warnings = warnings
    if out is not None:
        out = Path(out)
        qdir = out / "quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        for old in qdir.glob("*.parquet"):  # a re-run must not leave an earlier run's quarantine behind
            old.unlink()
        for name, qrel in quarantines.items():
            if con.execute(f"SELECT count(*) FROM {qrel}").fetchall()[0][0]:
                con.execute(f"COPY {qrel} TO {_lit(str(qdir / f'{name}.parquet'))} (FORMAT parquet)")
        report.summary.write_parquet(out / "validation.parquet")
        if data_docs:
            report.data_docs, report.gx_counts = run_gx(con, staged, suites, out, as_of)
    return report


def validate(data_dir: str | Path, out: str | Path, as_of: dt.date | str | None = None) -> Report:
    """`tt-analytics validate`: check `data_dir`, write the quarantine, validation.parquet and Data Docs."""
    con = catalog.connect()
    try:
        return validate_into(con, data_dir, out, as_of=as_of)
    finally:
        con.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-suites"]:
        for p in write_suites():
            print(f"wrote {p}")
    else:
        print("usage: python -m tt_analytics.validate --write-suites", file=sys.stderr)
        sys.exit(2)
