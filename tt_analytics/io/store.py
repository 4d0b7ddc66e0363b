"""Writing canonical tables into a data folder without duplicating rows.

Layout (what `catalog.discover` reads): `DATA_DIR/<table>/part-<source>.parquet`, one part file
per table and source file, named after the first 16 hex digits of the SHA-256 of the source's
bytes. Dedupe semantics:

- Re-ingesting the same file rewrites the same part file: nothing is duplicated.
- Rows of a new source replace rows with the same key in every other part ("latest ingest
  wins"): overlapping exports of the same orders keep one row per order, from the file ingested
  last. For `order_lines` the whole order is replaced (a newer export of an order brings all
  its lines). Tables without a key are deduplicated on the whole row.
- Side outputs, ignored by the catalog because their names start with `_`:
  `_rejected/<file>-<source>.parquet` (rows that could not be mapped, with `_table`, `_row`,
  `_reason` and the raw columns as text, personal data hashed) and
  `_original_text/part-<source>.parquet` (the export's free text behind a mapped code, e.g.
  the Cancel Reason).

A table arrives as a Polars frame (raw exports) or as a `Pending` DuckDB query (canonical
Parquet, never read into memory); both the new part and any part rewritten without the rows it
loses are written by DuckDB `COPY ... TO`, streaming, on a connection with capped memory.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from .. import catalog, schema
from ..errors import InputError

REJECTED_DIR = "_rejected"
_SHARED: duckdb.DuckDBPyConnection | None = None


def connect() -> duckdb.DuckDBPyConnection:
    """A cursor on one shared in-memory connection (opening a connection per table is slow),
    with DuckDB's memory capped so that passes over whole tables spill instead of growing."""
    global _SHARED
    if _SHARED is None:
        _SHARED = duckdb.connect()
        catalog.bound_memory(_SHARED)
        _SHARED.execute("SET enable_progress_bar = false")
    con = _SHARED.cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


_connect = connect
TEXT_DIR = "_original_text"
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"  # level 1: half the time of 3, 4 % larger


@dataclass
class Pending:
    """Canonical rows not read into memory: a DuckDB query (over the source files, on the cursor
    `con` that holds its temporary views) streamed into the part file when the table is written.
    `height` is the number of rows it yields, known before anything is written."""
    con: duckdb.DuckDBPyConnection
    sql: str
    height: int


def source_hash(files: list[Path], root: Path | None = None) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        if root is not None and len(files) > 1:
            h.update(str(f.relative_to(root)).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:16]


def replace_group(table: str) -> list[str]:
    """Columns whose values a newer source takes over entirely."""
    if table == "order_lines":
        return ["order_id"]
    t = schema.table(table)
    return list(t.key) if t.key else t.names


def _atomic_write(df: pl.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.write_parquet(tmp)
    os.replace(tmp, path)


def table_folder(into: Path, table: str) -> Path:
    """`DATA_DIR/<table>/`, moving a single `<table>.parquet` into it as a part first."""
    folder = into / table
    single = into / f"{table}.parquet"
    if single.is_file():
        folder.mkdir(exist_ok=True)
        shutil.move(str(single), folder / "part-original.parquet")
    for other in into.glob(f"{table}.*"):
        if other.is_file() and other.suffix.lower() in (".csv", ".tsv", ".txt"):
            raise InputError(f"the data folder already holds {other.name}, which ingest does not rewrite; "
                             f"ingest it into a fresh folder together with the new files "
                             f"(tt-analytics ingest {other} NEW_FILES --into NEW_DIR)", file=str(other))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.parquet")
                  if not any(s.startswith((".", "_")) for s in p.relative_to(folder).parts))


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    """Stream the result of `sql` into the Parquet file `path` (atomically replaced)."""
    tmp = path.with_name(f".{path.name}.tmp")
    con.execute(f"COPY ({sql}) TO {_lit(tmp)} ({PARQUET_OPTIONS})")
    os.replace(tmp, path)


def _lit(p: Path | str) -> str:
    return "'" + str(p).replace("'", "''") + "'"


def write_table(into: Path, table: str, df: pl.DataFrame | Pending, part: str) -> int:
    """Write `df` (canonical columns; a frame or a pending query) as `<table>/<part>.parquet`;
    remove rows it replaces from the other parts. Returns how many existing rows were replaced."""
    folder = table_folder(into, table)
    target = folder / f"{part}.parquet"
    group = replace_group(table)
    cols = ", ".join(f'"{c}"' for c in group)
    replaced = 0
    pending = isinstance(df, Pending)
    con = df.con if pending else _connect()
    try:
        have_new_rows = False
        match = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"' for c in group)
        for p in _parts(folder):
            lit = _lit(p)
            if p == target:
                replaced += con.execute(f"SELECT count(*) FROM read_parquet({lit})").fetchall()[0][0]
                continue
            columns = set(r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit})").fetchall())
            if not set(group) <= columns:
                continue
            if not have_new_rows:  # the new rows' keys, once, and only when another part may hold them
                if pending:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE new_rows AS SELECT DISTINCT {cols} FROM ({df.sql})")
                else:
                    con.register("new_rows", df.select(group).unique())
                have_new_rows = True
            total = con.execute(f"SELECT count(*) FROM read_parquet({lit})").fetchall()[0][0]
            hits = con.execute(f"SELECT count(*) FROM read_parquet({lit}) o WHERE EXISTS "
                               f"(SELECT 1 FROM new_rows n WHERE {match})").fetchall()[0][0]
            if hits == 0:
                continue
            replaced += hits
            if hits == total:
                p.unlink()
            else:
                # the kept rows in their order (a join does not keep it)
                _copy(con, f"SELECT * EXCLUDE (file_row_number) FROM read_parquet({lit}, file_row_number=true) o "
                           f"WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE {match}) ORDER BY file_row_number", p)
        if pending:
            _copy(con, df.sql, target)
    finally:
        con.close()
    if not pending:
        _atomic_write(df, target)
    return replaced


def existing_rows(into: Path, table: str) -> pl.DataFrame | None:
    """Every row of `table` already in the data folder (Parquet parts), or None."""
    folder = into / table
    files = _parts(folder) if folder.is_dir() else ([into / f"{table}.parquet"]
                                                     if (into / f"{table}.parquet").is_file() else [])
    if not files:
        return None
    con = _connect()
    try:
        lits = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        return con.sql(f"SELECT * FROM read_parquet([{lits}], union_by_name=true)").pl()
    finally:
        con.close()


def safe_name(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem)[:80] or "file"


def write_side(into: Path, folder: str, name: str, df: pl.DataFrame | None) -> None:
    """Write (or, when `df` is empty, remove) `DATA_DIR/<folder>/<name>.parquet`."""
    target = into / folder / f"{name}.parquet"
    if df is None or df.height == 0:
        if target.exists():
            target.unlink()
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(df, target)
