"""Validation on Spark: the same Great Expectations suites, the same quarantine and accounting.

`validate_into(con, data_dir, out, as_of)` is `tt_analytics.validate.validate_into` for a
`SparkConnection`: afterwards the session holds a temp view `<table>` for every canonical table
with the schema's columns and types and only the accepted rows, and with `out` it writes
OUT/quarantine/<table>.parquet, OUT/validation.parquet and Great Expectations' Data Docs
(OUT/data_docs/), with the content the DuckDB path writes for the same files.

Nothing here is a second set of checks. The suites are the committed ones
(`validate.load_suite`, generated from schema.py) and every row-level expectation is turned into
a predicate by `validate.unexpected_predicate` (DuckDB SQL) and transpiled to Spark SQL by
sqlglot, like the rule SQL. Only what the DuckDB path does with DuckDB's readers is done here
with Spark's:

- **Reading.** Parquet with Spark's reader; a row's position is `_metadata.row_index`. CSV as
  text (`multiLine`, RFC 4180 quotes; separator sniffed as DuckDB does for local files), a file
  being one partition, so rows keep their file order; line numbers count quoted newlines.
- **Parsing** a text value to its type: Spark's `try_cast` behind the same guards (a whole
  number, a finite number, `true`/`false`, `YYYY-MM-DD`) plus one more for timestamps (Spark
  would read `2026` as a timestamp; DuckDB and this path want a date first).
- **Subquery predicates** (uniqueness, references) run as filters: Spark allows `IN (SELECT …)`
  only in a WHERE clause, so each check selects its rows in its own scan of the cached batch.

The result frames (quarantine, accounting) are small and collected to the driver; the accepted
rows stay distributed. GX itself runs through its Spark data source on the same batches.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import polars as pl
import sqlglot

from .. import catalog, schema
from ..errors import InputError
from ..validate import (FRESHNESS, STATUS_FAIL, STATUS_OK, STATUS_WARN, Report, _columns_of, _order,
                        freshness_parameters, load_suite, raw_name, required_columns, unexpected_predicate)
from .spark import SPARK_TYPES, SparkConnection, _spark_sql

STAGE = "_sv_"  # prefix of this module's temp views
FILE_SHIFT = 40  # _n = file index << 40 | position in the file (as the DuckDB path numbers rows)
# logical dtype -> Spark's simpleString of a column already of that type
NATIVE = {"str": "string", "timestamp": "timestamp", "date": "date", "bool": "boolean", "int": "bigint",
          "float": "double"}


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _view(table: str, suffix: str = "") -> str:
    return f"{STAGE}{table}{suffix}"


def to_spark(duck_sql: str) -> str:
    """A DuckDB SQL expression or query (as the suites hold them) as Spark SQL."""
    text = duck_sql.replace("{batch}", "__gx_batch__")
    tree = sqlglot.parse_one(text, read="duckdb")
    return _spark_sql(tree).replace("__gx_batch__", "{batch}")


def _predicate(e: dict, batch: str) -> str | None:
    p = unexpected_predicate(e, batch)
    if p is None:
        return None
    return _spark_sql(sqlglot.parse_one(f"SELECT 1 FROM {batch} WHERE {p}", read="duckdb").args["where"].this)


def _lit(v: str) -> str:
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------------------------------------
# Reading and staging


def _sniff(path: Path) -> tuple[str, str | None]:
    """The CSV separator (comma, semicolon, tab or pipe) and line ending DuckDB's sniffer finds."""
    import duckdb
    try:
        row = duckdb.connect().execute(f"SELECT Delimiter, NewLineDelimiter FROM sniff_csv({catalog._lit(path)}, "
                                       "sample_size=2048)").fetchone()
    except duckdb.Error:
        return ",", None
    sep = row[0] if row and row[0] else ","
    # told "\r\n", Spark keeps a quoted value's CRLF as it is (it would turn it into "\n")
    return sep, "\r\n" if row and row[1] in ("\\r\\n", "\r\n") else None


def _file_error(src: catalog.Source, e: Exception, bad: Path | None = None) -> InputError:
    text = " ".join(ln.strip() for ln in str(e).splitlines() if ln.strip())[:400]
    bad = bad or next((f for f in src.files if str(f) in text), src.files[0] if len(src.files) == 1 else src.path)
    what = ("is not a readable Parquet file (truncated or not Parquet)" if src.fmt == "parquet"
            else "is not a readable CSV file with a header row (comma, semicolon, tab or pipe separated)")
    return InputError(f"{what}; expected the canonical table {src.table!r}. Reader said: {text}", file=str(bad))


class _Staged:
    def __init__(self, table: str, src: catalog.Source, original: list[str], extra: list[str],
                 converted: set[str], absent: set[str]):
        self.table, self.src, self.original, self.extra = table, src, original, extra
        self.converted, self.absent = converted, absent
        self.relation = _view(table)  # every row as read: _n, _file, _frn (_row), originals, typed copies
        self.batch = _view(table, "_batch")  # minus exact duplicates: what the suite checks


def _typed(c: schema.Column, src: str, spark_type: str) -> str:
    """Spark SQL parsing source column `src` (of Spark type `spark_type`) to `c`'s type; NULL where
    it does not parse, with the DuckDB path's rules (nothing coerced: '1.5' is not an int,
    '2026-01-01 10:00' is not a date, 'yes' is not a bool)."""
    s, text = _q(src), spark_type == "string"
    if c.dtype == "str":
        return s if text else f"CAST({s} AS STRING)"
    if c.dtype == "int":
        return f"CASE WHEN try_cast({s} AS DOUBLE) = try_cast({s} AS BIGINT) THEN try_cast({s} AS BIGINT) END"
    if c.dtype == "float":
        d = f"try_cast({s} AS DOUBLE)"
        return f"CASE WHEN NOT isnan({d}) AND abs({d}) < double('Infinity') THEN {d} END"
    if c.dtype == "bool":
        if text:
            return f"CASE lower(trim({s})) WHEN 'true' THEN true WHEN 'false' THEN false END"
        return f"try_cast({s} AS BOOLEAN)"
    if c.dtype == "date":
        if text:
            return f"CASE WHEN trim({s}) RLIKE '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN try_cast(trim({s}) AS DATE) END"
        if spark_type.startswith("timestamp"):  # a timestamp is a date only at midnight
            return f"CASE WHEN CAST(CAST({s} AS DATE) AS TIMESTAMP) = {s} THEN CAST({s} AS DATE) END"
        return f"try_cast({s} AS DATE)"
    if c.dtype == "timestamp" and text:  # Spark reads '2026' or '2026-11' as a timestamp; DuckDB does not
        return f"CASE WHEN trim({s}) RLIKE '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}' THEN try_cast({s} AS TIMESTAMP) END"
    return f"try_cast({s} AS {SPARK_TYPES[c.dtype]})"


def _as_text(src: str, spark_type: str) -> str:
    """Original value as text, written as DuckDB writes it (instants with their `+00` offset)."""
    s = _q(src)
    if spark_type == "timestamp":
        return (f"concat(date_format({s}, 'yyyy-MM-dd HH:mm:ss'), "
                f"CASE WHEN unix_micros({s}) % 1000000 != 0 THEN regexp_replace(date_format({s}, '.SSSSSS'), '0+$', '') "
                f"ELSE '' END, '+00')")
    if spark_type == "timestamp_ntz":
        return (f"concat(date_format({s}, 'yyyy-MM-dd HH:mm:ss'), CASE WHEN date_format({s}, 'SSSSSS') != '000000' "
                f"THEN regexp_replace(date_format({s}, '.SSSSSS'), '0+$', '') ELSE '' END)")
    return s if spark_type == "string" else f"CAST({s} AS STRING)"


def _read_parquet(spark, paths: list[str]):
    """Parquet parts as one DataFrame, columns matched by name, with `_uri` (the part) and `_pos`
    (1-based row in it). Parts whose types differ for a column (a key written as a number in one
    part, as text in another) are read one by one and that column is read as text, as DuckDB's
    union_by_name does. Returns (columns, Spark types, frame)."""
    from functools import reduce

    from pyspark.sql import functions as F
    meta = [F.col("_metadata.file_path").alias("_uri"), (F.col("_metadata.row_index") + 1).alias("_pos")]
    try:
        raw = spark.read.option("mergeSchema", "true").parquet(*paths)
        return list(raw.columns), dict(raw.dtypes), raw.select("*", *meta)
    except Exception as e:  # noqa: BLE001 - AnalysisException / SparkException from schema merging
        if "CANNOT_MERGE" not in str(e) and "Failed merging schema" not in str(e):
            raise
    parts = [spark.read.parquet(p) for p in paths]
    types: dict[str, set[str]] = {}
    for part in parts:
        for c, t in part.dtypes:
            types.setdefault(c, set()).add(t)
    mixed = {c for c, ts in types.items() if len(ts) > 1}
    # _metadata belongs to each part's scan: selected before the union
    frames = [part.select([F.col(c).cast("string").alias(c) if c in mixed else F.col(c) for c in part.columns] + meta)
              for part in parts]
    df = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    names = [c for c in df.columns if c not in ("_uri", "_pos")]
    return names, {c: t for c, t in df.dtypes if c in names}, df


def _read(con: SparkConnection, src: catalog.Source):
    """The source files as one DataFrame with `_fidx` (file index), `_pos` (1-based row in the
    file) and, for CSV, `_nl` (newlines inside the row's quoted values)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    spark = con.spark
    for f in src.files:
        if f.stat().st_size == 0:
            t = schema.table(src.table)
            raise InputError(f"file is empty; expected a header row with the columns of {t.name!r} "
                             f"({', '.join(t.required)} required)", file=str(f))
    paths = [str(f) for f in src.files]
    index = spark.createDataFrame([(p, i) for i, p in enumerate(paths)], "_path STRING, _fidx INT")
    try:
        if src.fmt == "parquet":
            names, types, df = _read_parquet(spark, paths)
        else:
            dialects = {_sniff(f) for f in src.files}
            sep, line_sep = dialects.pop() if len(dialects) == 1 else (",", None)
            reader = (spark.read.option("header", "true").option("multiLine", "true").option("escape", '"')
                      .option("sep", sep).option("encoding", "UTF-8").option("mode", "FAILFAST"))
            raw = (reader.option("lineSep", line_sep) if line_sep else reader).csv(paths)
            first = raw.columns[0] if raw.columns else None
            if first is not None and first.startswith("\ufeff"):  # a UTF-8 byte order mark is not a name
                raw = raw.withColumnRenamed(first, first[1:])
            df = raw.select("*", F.col("_metadata.file_path").alias("_uri"),
                            F.monotonically_increasing_id().alias("_mono"))
            names = list(raw.columns)
            types = {c: "string" for c in names}
        # _metadata.file_path is a URI (file:/…, percent-encoded): back to the discovered path
        uris = spark.createDataFrame([(Path(p).resolve().as_uri(), p) for p in paths], "_u STRING, _path STRING")
        df = (df.join(F.broadcast(uris), F.expr("replace(_uri, 'file:///', 'file:/') = replace(_u, 'file:///', 'file:/')"))
              .join(F.broadcast(index), "_path").drop("_uri", "_u", "_path"))
        if src.fmt == "csv":
            w = Window.partitionBy("_fidx").orderBy("_mono")
            nl = " + ".join(f"coalesce(length({_q(n)}) - length(replace({_q(n)}, '\\n', '')), 0)" for n in raw.columns) or "0"
            df = df.withColumn("_pos", F.row_number().over(w)).withColumn("_nl", F.expr(nl)).drop("_mono")
        else:
            df = df.withColumn("_nl", F.lit(0))
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - Spark raises Py4J/Analysis/SparkException for unreadable files
        raise _file_error(src, e) from None
    return names, types, df


def _stage(con: SparkConnection, src: catalog.Source, s: dict) -> _Staged:
    from pyspark.sql import functions as F
    t = schema.table(src.table)
    names, types, df = _read(con, src)
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
    stored = [f"(CAST(_fidx AS BIGINT) * {1 << FILE_SHIFT}) + _pos AS _n", "_fidx AS _file", "_pos", "_nl"]
    batch = ["_n", "_file", "_pos", "_nl"]
    converted, absent = set(), set()
    for c in t.columns:
        q = _q(c.name)
        typ = types.get(c.name)
        if typ is None:
            absent.add(c.name)
            batch.append(f"CAST(NULL AS {SPARK_TYPES[c.dtype]}) AS {q}")
            if c.dtype != "str":
                batch.append(f"CAST(NULL AS STRING) AS {_q(raw_name(c.name))}")
        elif c.dtype == "str":
            stored.append(f"{_as_text(c.name, typ)} AS {q}")
            batch.append(q)
        elif typ == NATIVE[c.dtype]:
            stored.append(q)
            batch += [q, f"{q} AS {_q(raw_name(c.name))}"]
        else:
            converted.add(c.name)
            stored += [f"{q} AS {_q(raw_name(c.name))}", f"{_typed(c, c.name, typ)} AS {q}"]
            batch += [q, _q(raw_name(c.name))]
    extra = [n for n in names if n not in t.names]
    stored += [_q(n) for n in extra]
    batch += [_q(n) for n in extra]
    st = _Staged(t.name, src, names, extra, converted, absent)
    con.drop_relation(st.relation)
    # Spark decodes invalid UTF-8 as U+FFFD without a word; DuckDB refuses the file: so does this
    not_utf8 = (" OR ".join(f"contains({_q(n)}, '\ufffd')" for n in names) or "false") if src.fmt == "csv" else "false"
    staged = df.selectExpr(*stored, f"{not_utf8} AS _not_utf8").cache()
    try:  # one pass reads every file (unreadable ones fail here) and counts its rows
        per_file = staged.groupBy("_file").agg(F.count(F.lit(1)), F.max("_not_utf8")).collect()
    except Exception as e:  # noqa: BLE001 - Spark raises Py4J/SparkException for unreadable files
        staged.unpersist()
        raise _file_error(src, e) from None
    bad = sorted(f for f, _, b in per_file if b)
    if bad:
        staged.unpersist()
        raise InputError("is not UTF-8 text (for example GB18030/GBK or UTF-16 bytes). Re-save it as UTF-8, "
                         "or load the raw export with `tt-analytics ingest`, which detects the encoding; "
                         f"expected the canonical table {t.name!r}", file=str(src.files[bad[0]]))
    st.per_file = {f: n for f, n, _ in per_file}  # type: ignore[attr-defined]
    con._cached[st.relation] = staged
    staged.createOrReplaceTempView(st.relation)
    st.types = types  # type: ignore[attr-defined]
    st.batch_select = ", ".join(batch)  # type: ignore[attr-defined]
    return st


def _originals(st: _Staged) -> list[str]:
    """Each original column as text, in file order (DuckDB's text form for typed Parquet columns)."""
    out = []
    for n in st.original:
        src = raw_name(n) if n in st.converted else n
        out.append(f"{_as_text(src, st.types[n])} AS {_q(n)}")  # type: ignore[attr-defined]
    return out


def _check(con: SparkConnection, st: _Staged, s: dict) -> list[tuple[int, str, str | None, int]]:
    """Exact duplicates out, then every row-level expectation. Leaves the `<stage>_dups`
    (_n, first_n) and `<stage>_bad` (_n, reasons) views, cached."""
    spark = con.spark
    t = schema.table(st.table)
    rel = st.relation
    orig = ", ".join(_q(raw_name(n)) if n in st.converted else _q(n) for n in st.original)
    dups = _view(st.table, "_dups")
    keys = ", ".join(_q(k) for k in t.key)
    if t.key:
        any_dupkey = bool(spark.sql(f"SELECT 1 FROM {rel} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1").collect())
        candidates = f"SELECT * FROM {rel} WHERE ({keys}) IN (SELECT {keys} FROM {rel} GROUP BY {keys} HAVING count(*) > 1)"
    else:
        any_dupkey, candidates = True, f"SELECT * FROM {rel}"
    if any_dupkey:
        d = spark.sql(f"""SELECT _n, first_n FROM (SELECT _n, min(_n) OVER (PARTITION BY {orig}) AS first_n
                          FROM ({candidates})) WHERE _n > first_n""")
    else:
        d = spark.createDataFrame([], "_n BIGINT, first_n BIGINT")
    _keep(con, dups, d)
    batch_df = spark.sql(f"SELECT {st.batch_select} FROM {rel} LEFT ANTI JOIN {dups} USING (_n)")  # type: ignore[attr-defined]
    _keep(con, st.batch, batch_df)
    checks, skipped = [], []
    for i, e in enumerate(s["expectations"]):
        p = _predicate(e, st.batch)
        if p is None:
            continue
        cols = _columns_of(e)
        if (e["meta"]["check"] != "not_null" and cols & st.absent) or \
                (e["meta"]["check"] == "type" and not cols & st.converted) or \
                (e["meta"]["check"] == "unique" and t.key and not any_dupkey):
            skipped.append((i, e))
        else:
            checks.append((i, e, p))
    # Plain predicates: one projection. Subquery predicates: Spark allows IN (SELECT …) in a
    # filter only, so each selects its rows in its own scan of the cached batch.
    plain = [(i, e, p) for i, e, p in checks if "SELECT" not in p.upper()]
    sub = [(i, e, p) for i, e, p in checks if "SELECT" in p.upper()]
    parts = []
    if plain:
        flags = ", ".join(f"coalesce(({p}), false) AS _f{i}" for i, _, p in plain)
        pairs = ", ".join(f"CASE WHEN _f{i} THEN {i} END" for i, _, _ in plain)
        parts.append(f"""SELECT _n, _i FROM (
            SELECT _n, explode(filter(array({pairs}), x -> x IS NOT NULL)) AS _i
            FROM (SELECT _n, {flags} FROM {st.batch}))""")
    parts += [f"SELECT _n, {i} AS _i FROM {st.batch} WHERE {p}" for i, _, p in sub]
    bad = _view(st.table, "_bad")
    flagged = _view(st.table, "_flagged")
    if parts:
        _keep(con, flagged, spark.sql(" UNION ALL ".join(parts)))
        by_i = dict(spark.sql(f"SELECT _i, count(*) FROM {flagged} GROUP BY _i").collect())
        reasons = "CASE x " + " ".join(f"WHEN {i} THEN {_lit(e['meta']['reason'])}" for i, e, _ in checks) + " END"
        _keep(con, bad, spark.sql(f"""SELECT _n, transform(array_sort(collect_list(_i)), x -> {reasons})
                                      AS reasons FROM {flagged} GROUP BY _n"""))
    else:
        by_i = {}
        _keep(con, bad, spark.createDataFrame([], "_n BIGINT, reasons ARRAY<STRING>"))
    found = [(i, e["type"], e["meta"].get("column"), int(by_i.get(i, 0))) for i, e, _ in checks]
    return sorted(found + [(i, e["type"], e["meta"].get("column"), 0) for i, e in skipped])


def _keep(con: SparkConnection, name: str, df) -> None:
    """`df` computed once (cached) as temp view `name`."""
    con.drop_relation(name)
    df = df.cache()
    con._cached[name] = df
    df.createOrReplaceTempView(name)


def _rows(st: _Staged) -> str:
    """SQL of (_n, _row): Parquet row index (1-based); CSV physical line number (the header is
    line 1; quoted newlines of earlier rows counted)."""
    if st.src.fmt == "parquet":
        return f"SELECT _n, _pos AS _row FROM {st.relation}"
    return (f"SELECT _n, 1 + _pos + coalesce(sum(_nl) OVER (PARTITION BY _file ORDER BY _pos "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _row FROM {st.relation}")


# ---------------------------------------------------------------------------------------------
# Runs


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(data_dir.resolve()))
    except ValueError:
        return str(path)


def _freshness(con: SparkConnection, st: _Staged, as_of: dt.date | None) -> str | None:
    if as_of is None or st.table not in FRESHNESS:
        return None
    col = _q(FRESHNESS[st.table])
    lo, hi = con.spark.sql(f"SELECT unix_micros(min({col})), unix_micros(max({col})) FROM {st.batch}").collect()[0]
    if lo is None:
        return None
    utc = dt.timezone.utc
    lo, hi = (dt.datetime.fromtimestamp(0, utc) + dt.timedelta(microseconds=v) for v in (lo, hi))
    p = freshness_parameters(as_of)
    if lo >= p["as_of_end"] or hi < p["fresh_from"]:
        return (f"as-of date {as_of} is outside the range of {st.table}.{FRESHNESS[st.table]} "
                f"({lo:%Y-%m-%d %H:%M} .. {hi:%Y-%m-%d %H:%M} UTC): results may describe stale data")
    return None


def validate_into(con: SparkConnection, data_dir: str | Path, out: str | Path | None = None,
                  as_of: dt.date | str | None = None, data_docs: bool = True) -> Report:
    """Validate `data_dir` into the Spark session of `con` (see the module docstring)."""
    from pyspark.sql import functions as F  # noqa: F401 - fail early without PySpark
    data_dir = Path(data_dir)
    as_of = dt.date.fromisoformat(str(as_of)) if isinstance(as_of, str) else as_of
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
    spark = con.spark
    rows: list[dict] = []
    warnings: list[str] = []
    report = Report(pl.DataFrame())
    quarantines: dict[str, pl.DataFrame] = {}
    staged: dict[str, _Staged] = {}
    suites: dict[str, dict] = {}
    for name in _order(list(schema.TABLES)):
        t = schema.table(name)
        if name not in sources:
            con.drop_relation(name)
            con.execute(t.ddl())
            rows.append({"table": name, "source": None, "rows_in": 0, "rows_accepted": 0, "rows_quarantined": 0,
                         "status": STATUS_OK, "notes": "no file: empty table"})
            continue
        s = suites[name] = load_suite(name)
        st = staged[name] = _stage(con, sources[name], s)
        report.sql_counts[name] = _check(con, st, s)
        bad, dups = _view(name, "_bad"), _view(name, "_dups")
        cols = ", ".join(f"{_q(c.name)}" for c in t.columns)
        _keep(con, name, spark.sql(f"SELECT {cols} FROM {st.batch} LEFT ANTI JOIN {bad} USING (_n)"))
        q = spark.sql(f"""
            WITH ln AS ({_rows(st)}),
                 why AS (SELECT _n, array_join(reasons, '; ') AS _reason FROM {bad}
                         UNION ALL
                         SELECT d._n, concat('exact duplicate of ', {"'row '" if st.src.fmt == "parquet" else "'line '"},
                                             CAST(fl._row AS STRING), ' (the first copy is kept)')
                         FROM {dups} d JOIN ln fl ON fl._n = d.first_n)
            SELECT {', '.join(_originals(st))}, CAST(ln._row AS BIGINT) AS _row, why._reason, s._file AS _fidx
            FROM {st.relation} s JOIN why USING (_n) JOIN ln USING (_n) ORDER BY s._n""")
        q = pl.from_arrow(q.toArrow())
        rel_paths = [_relative(f, data_dir) for f in sources[name].files]
        q = q.with_columns(pl.col("_fidx").map_elements(lambda i: rel_paths[i], return_dtype=pl.Utf8)
                           .alias("_source")).drop("_fidx")
        q = q.cast({c: pl.Utf8 for c in st.original}).with_columns(pl.col("_row").cast(pl.Int64))
        quarantines[name] = q
        per_file = st.per_file  # type: ignore[attr-defined]
        qcount = dict(q.group_by("_source").len().iter_rows()) if q.height else {}
        notes: list[str] = []
        if st.extra:
            msg = f"{name}: unknown column(s) {', '.join(st.extra)} kept in quarantine text, not used by the rules"
            warnings.append(msg)
            notes.append(f"unknown columns: {', '.join(st.extra)}")
        fresh = _freshness(con, st, as_of)
        if fresh:
            warnings.append(fresh)
            notes.append(fresh)
        for i, rel in sorted(enumerate(rel_paths), key=lambda x: str(sources[name].files[x[0]])):
            n = int(per_file.get(i, 0))
            nq = int(qcount.get(rel, 0))
            file_notes = list(notes)
            if nq:
                top = (q.filter(pl.col("_source") == rel).select(pl.col("_reason").str.split("; ").explode())
                       .group_by("_reason").len().sort(["len", "_reason"], descending=[True, False]).head(3))
                file_notes.insert(0, "; ".join(f"{r} ({c})" for r, c in top.iter_rows()))
            rows.append({"table": name, "source": rel, "rows_in": n, "rows_accepted": n - nq,
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
        for name, q in quarantines.items():
            if q.height:
                q.write_parquet(qdir / f"{name}.parquet")
        report.summary.write_parquet(out / "validation.parquet")
        if data_docs:
            report.data_docs, report.gx_counts = run_gx(con, staged, suites, out, as_of)
    return report


def gx_suite(table: str, suite: dict) -> dict:
    """`suite` with its SQL (unexpected_rows_query) in Spark SQL; everything else as committed."""
    exps = []
    for e in suite["expectations"]:
        if "unexpected_rows_query" in e["kwargs"]:
            e = {**e, "kwargs": {**e["kwargs"], "unexpected_rows_query": to_spark(e["kwargs"]["unexpected_rows_query"])}}
        exps.append(e)
    return {**suite, "expectations": exps}


def run_gx(con: SparkConnection, staged: dict[str, _Staged], suites: dict[str, dict], out: Path,
           as_of: dt.date | None) -> tuple[Path, dict]:
    """The suites through Great Expectations' Spark data source, on the batches the checks above
    used (all rows: Spark scales them), Data Docs in OUT/data_docs/. Returns the Data Docs index and,
    per table, GX's unexpected counts (they equal the checks' counts: tested)."""
    import logging
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no usage statistics sent anywhere
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    docs = (out / "data_docs").resolve()
    if (docs / "index.html").exists():
        import shutil
        shutil.rmtree(docs)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in list(ctx.get_config().data_docs_sites or {}):
        ctx.delete_data_docs_site(site)
    ctx.add_data_docs_site("tt_analytics", {
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)}})
    ds = ctx.data_sources.add_spark("spark", persist=False)
    params: dict[str, Any] = {}
    if as_of:  # GX compares with what Spark collects: naive datetimes in this process's local time
        params = {k: v.astimezone().replace(tzinfo=None) for k, v in freshness_parameters(as_of).items()}
    counts: dict[str, list] = {}
    for name, st in staged.items():
        exps = []
        for i, e in enumerate(gx_suite(name, suites[name])["expectations"]):
            if e["meta"]["check"] == "freshness" and as_of is None:
                continue
            exps.append({**e, "meta": {**e["meta"], "index": i}})
        n = con.spark.table(st.batch).count()
        gsuite = ctx.suites.add(gx.ExpectationSuite(
            name=name, expectations=exps, meta=suites[name].get("meta"),
            notes=f"Validated all {n} rows on Spark (exact duplicates excluded: see the quarantine)."))
        batch = ds.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=gsuite))
        last = name == list(staged)[-1]  # the site is rendered once, with every table's results
        checkpoint = ctx.checkpoints.add(gx.Checkpoint(
            name=f"validate_{name}", validation_definitions=[vd], result_format={"result_format": "BASIC"},
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["tt_analytics"])] if last else []))
        result = checkpoint.run(batch_parameters={"dataframe": con.spark.table(st.batch)},
                                expectation_parameters=params)
        for vr in result.run_results.values():
            rows = []
            for r in vr.results:
                cfg = r.expectation_config
                k = r.result.get("unexpected_count")
                if cfg.type == "unexpected_rows_expectation":
                    k = r.result.get("observed_value")
                rows.append((cfg.meta["index"], cfg.type, cfg.meta.get("column"), k, bool(r.success)))
            counts[vr.suite_name] = sorted(rows)
    if not staged:
        ctx.build_data_docs(site_names=["tt_analytics"])
    return docs / "index.html", counts


def validate(data_dir: str | Path, out: str | Path, as_of: dt.date | str | None = None,
             spark_master: str | None = None) -> Report:
    """`tt-analytics validate --engine spark`: check `data_dir` on Spark, write the quarantine,
    validation.parquet and Data Docs."""
    con = SparkConnection.start(master=spark_master)
    try:
        return validate_into(con, data_dir, out, as_of=as_of)
    finally:
        con.close()
