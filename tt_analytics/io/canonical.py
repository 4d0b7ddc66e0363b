"""Canonical tables given as CSV/Parquet files or folders (also hive-partitioned), named after
the table: the values are cast to the schema's types; a value that does not cast (e.g. `abc`
as a timestamp) rejects its row. Timestamps without an offset are UTC (CONTRACT.md).
Enumerations, ranges and references are not checked here: that is validation's job.

Parquet is never read into memory as a whole: DuckDB reads the files where they are, the
checks keep only the failing rows (and the duplicate keys' earlier rows), and the accepted rows
are streamed into the part file when the table is written (`store.Pending`, `COPY ... TO`), so
ingest runs in bounded memory whatever the size of the files. CSV files are parsed in memory
(their encoding is detected first) and then go through the same SQL.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from .. import schema
from ..errors import InputError
from . import detect, store
from .base import Context, Loaded, all_rejected_error

# DuckDB's name of each canonical type as DESCRIBE shows it: a column already of its type needs no check
_DESCRIBED = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}
_INTERNAL = ("_fi",)  # file index (1-based, in `files_of` order): internal, never written or reported


def files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file()
                  and p.suffix.lower() in (detect.TEXT_EXT | detect.PARQUET_EXT)
                  and not any(s.startswith((".", "_")) for s in p.relative_to(path).parts))


def _hive(f: Path, root: Path) -> dict[str, str]:
    """Hive partition values in the folders between `root` and `f` (`shop_id=7/part-0.parquet`)."""
    if not root.is_dir():
        return {}
    return dict(part.split("=", 1) for part in f.relative_to(root).parts[:-1] if "=" in part)


def _lit(v: str | Path | None) -> str:
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_text(f: Path, root: Path, index: int) -> pl.DataFrame:
    df = detect.read_text_table(f)
    # hive partition values become columns unless the file has them
    for k, v in _hive(f, root).items():
        if k not in df.columns:
            df = df.with_columns(pl.lit(v).alias(k))
    return df.with_columns(pl.lit(str(f.relative_to(root.parent))).alias("_file"), pl.lit(index).alias("_fi"))


def _parquet_sql(con: duckdb.DuckDBPyConnection, files: list[tuple[int, Path]], root: Path) -> str:
    """The Parquet files as one relation (columns matched by name) with `_row` (1-based row in its
    file), `_file` (shown relative to the input's folder), `_fi` and the hive partition columns."""
    paths = "[" + ", ".join(_lit(f) for _, f in files) + "]"
    try:
        columns = [r[0] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({paths}, union_by_name=true, hive_partitioning=false)").fetchall()]
    except duckdb.Error as e:
        text = str(e)
        bad = next((f for _, f in files if str(f) in text), files[0][1])
        raise InputError(f"cannot read the Parquet file ({text.splitlines()[0][:200]}); expected a Parquet file",
                         file=str(bad)) from None
    for reserved in ("_row", "_file", "_fi", "_reason", "_table", "filename", "file_row_number"):
        if reserved in columns:
            raise InputError(f"the column name {reserved!r} is reserved for ingest's own bookkeeping; rename it",
                             file=str(files[0][1]), column=reserved)
    position = f"list_position({paths}, filename)"
    display = "[" + ", ".join(_lit(f.relative_to(root.parent)) for _, f in files) + "]"
    index = "[" + ", ".join(str(i) for i, _ in files) + "]"
    select = [_q(c) for c in columns]
    hive: dict[str, list[str | None]] = {}
    for n, (_, f) in enumerate(files):
        for k, v in _hive(f, root).items():
            hive.setdefault(k, [None] * len(files))[n] = v
    for k, values in hive.items():
        value = f"[{', '.join(_lit(v) for v in values)}][{position}]"
        if k in columns:  # a file that has the column keeps its own values
            select[columns.index(k)] = f"coalesce(CAST({_q(k)} AS VARCHAR), {value}) AS {_q(k)}"
        else:
            select.append(f"{value} AS {_q(k)}")
    return (f"SELECT {', '.join(select)}, {display}[{position}] AS _file, file_row_number + 1 AS _row, "
            f"{index}[{position}] AS _fi "
            f"FROM read_parquet({paths}, union_by_name=true, hive_partitioning=false, filename=true, "
            f"file_row_number=true)")


def load(path: Path, table: str, ctx: Context) -> Loaded:
    t = schema.table(table)
    files = files_of(path)
    if not files:
        raise InputError(f"the folder holds no CSV or Parquet file for table {table}", file=str(path))
    con = store.connect()  # held by the pending table until it is written
    parquet = [(i, f) for i, f in enumerate(files, 1) if f.suffix.lower() in detect.PARQUET_EXT]
    text = [(i, f) for i, f in enumerate(files, 1) if f.suffix.lower() not in detect.PARQUET_EXT]
    parts = []
    if parquet:
        parts.append(_parquet_sql(con, parquet, path))
    if text:
        frames = [_read_text(f, path, i) for i, f in text]
        con.register("text_rows", pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0])
        parts.append("SELECT * FROM text_rows")
    con.execute(f"CREATE TEMP VIEW source_rows AS {' UNION ALL BY NAME '.join(parts)}")
    described = con.execute("DESCRIBE source_rows").fetchall()
    types = {r[0]: r[1] for r in described}
    raw_cols = [c for c in types if c not in _INTERNAL]
    missing = [c for c in t.required if c not in types]
    if missing:
        raise InputError(f"table {table} needs the column(s) {', '.join(missing)}; the header has "
                         f"{', '.join(c for c in raw_cols if not c.startswith('_'))}",
                         file=str(files[0]), row=1, column=missing[0])
    rows_read = con.execute("SELECT count(*) FROM source_rows").fetchall()[0][0]
    loaded = Loaded("canonical", rows_read)
    extra = [c for c in raw_cols if c not in t.names and not c.startswith("_")]
    if extra:
        loaded.notes.append(f"columns not in the {table} schema were not loaded: {', '.join(extra)}")
    present = [c for c in t.columns if c.name in types]
    # a column already of its type is taken as it is and cannot fail: only the others are cast and checked
    cast = [c for c in present if types[c.name] != _DESCRIBED.get(c.duckdb_type, c.duckdb_type)]
    typed = {c.name: _q(c.name) for c in present} | {c.name: f"TRY_CAST({_q(c.name)} AS {c.duckdb_type})" for c in cast}
    checks = [f"CASE WHEN {_q(c.name)} IS NOT NULL AND {typed[c.name]} IS NULL THEN "
              f"'column ''{c.name}'': expected {c.dtype}' END" for c in cast]
    raw_select = ", ".join(_q(c) for c in raw_cols)
    if checks:
        con.execute(f"""CREATE TEMP TABLE rejected_rows AS
            SELECT * FROM (SELECT {raw_select}, _fi, nullif(concat_ws('; ', {', '.join(checks)}), '') AS _reason
                           FROM source_rows)
            WHERE _reason IS NOT NULL ORDER BY _fi, _row""")
        good = "(SELECT * FROM source_rows ANTI JOIN rejected_rows USING (_fi, _row))"
        loaded.reject(table, con.sql(f"SELECT {raw_select}, _reason FROM rejected_rows").pl())
    else:
        con.execute("CREATE TEMP TABLE rejected_rows (_fi INTEGER, _row BIGINT)")
        good = "source_rows"
    losers = _duplicates(con, loaded, table, good, [c.name for c in present], typed, raw_select)
    written = rows_read - con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0][0] - losers
    canonical = ", ".join(f"{typed[c.name]} AS {_q(c.name)}" if c.name in typed
                          else f"CAST(NULL AS {c.duckdb_type}) AS {_q(c.name)}" for c in t.columns)
    if written == rows_read:  # a plain scan: DuckDB keeps the files' row order
        sql = f"SELECT {canonical} FROM source_rows"
    else:  # a join does not keep row order: sort back into source order (only when rows were excluded)
        sql = (f"SELECT {canonical} FROM source_rows ANTI JOIN "
               f"(SELECT _fi, _row FROM rejected_rows UNION ALL SELECT _fi, _row FROM duplicate_rows) USING (_fi, _row) "
               f"ORDER BY _fi, _row")
    loaded.tables[table] = store.Pending(con, sql, written)
    all_rejected_error(files[0] if len(files) == 1 else path, loaded, table)
    return loaded


def _duplicates(con: duckdb.DuckDBPyConnection, loaded: Loaded, table: str, good: str, present: list[str],
                typed: dict[str, str], raw_select: str) -> int:
    """Duplicate keys within the given files: keep the last (last row of the last file), reject
    the earlier ones with their raw values. Leaves `duplicate_rows` (_fi, _row); returns its size.
    Repeated keys are found by a hash first, so that only rows sharing a hash are compared."""
    t = schema.table(table)
    key = list(t.key) if t.key else present
    key_typed = ", ".join(typed[k] for k in key)
    con.execute(f"""CREATE TEMP TABLE duplicate_rows AS
        WITH repeated AS (SELECT hash({key_typed}) AS _h FROM {good} GROUP BY ALL HAVING count(*) > 1),
             candidates AS (SELECT * FROM {good} WHERE hash({key_typed}) IN (SELECT _h FROM repeated))
        SELECT _fi, _row FROM candidates
        QUALIFY row_number() OVER (PARTITION BY {key_typed} ORDER BY _file DESC, _row DESC) > 1""")
    n = con.execute("SELECT count(*) FROM duplicate_rows").fetchall()[0][0]
    if n:
        loaded.reject(table, con.sql(f"""
            SELECT {raw_select}, 'duplicate {'+'.join(key)} in the input (the later row is kept)' AS _reason
            FROM source_rows SEMI JOIN duplicate_rows USING (_fi, _row) ORDER BY _fi, _row""").pl())
    return n
