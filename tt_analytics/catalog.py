"""The embedded DuckDB database: canonical tables as typed relations, outputs as views.

A data folder holds one entry per canonical table: `<table>.parquet`, `<table>.csv`, or a folder
`<table>/` of Parquet or CSV parts (hive-partitioned folders too). Entries whose name starts with
`_` or `.` are the toolkit's own (ground truth, manifests) and are ignored.

`attach(con, data_dir)` creates, for every table of the schema,
- `raw_<table>`: the files as they are (CSV read as text, so nothing is coerced on the way in);
- `<table>`: the canonical columns cast to their types (missing optional columns are NULL, a
  missing table is empty). Validation replaces `<table>` with the accepted rows only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import schema
from .errors import InputError

DEFAULT_DB = Path("data") / "warehouse.duckdb"
FORMATS = {".parquet": "parquet", ".csv": "csv", ".tsv": "csv", ".txt": "csv"}


@dataclass
class Source:
    table: str
    path: Path
    fmt: str  # parquet | csv
    files: list[Path]


def _files(entry: Path) -> tuple[str | None, list[Path]]:
    if entry.is_file():
        return FORMATS.get(entry.suffix.lower()), [entry]
    parts = sorted(p for p in entry.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
                   and not any(s.startswith((".", "_")) for s in p.relative_to(entry).parts))
    fmts = {FORMATS[p.suffix.lower()] for p in parts}
    return (fmts.pop() if len(fmts) == 1 else None), parts


def discover(data_dir: str | Path) -> tuple[dict[str, Source], list[Path]]:
    """Canonical table sources in `data_dir`, and the entries that are not a canonical table."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"data folder {data_dir} does not exist (expected a folder of canonical tables)",
                         file=str(data_dir))
    found: dict[str, Source] = {}
    unknown: list[Path] = []
    for entry in sorted(data_dir.resolve().iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        name = entry.name.split(".")[0] if entry.is_file() else entry.name
        fmt, files = _files(entry)
        if name not in schema.TABLES or (entry.is_file() and fmt is None):
            unknown.append(entry)
            continue
        if name in found:
            raise InputError(f"table {name} is given twice in {data_dir}: {found[name].path.name} and {entry.name}")
        found[name] = Source(name, entry, fmt or "parquet", files)
    return found, unknown


def _lit(p: Path | str) -> str:
    return "'" + str(p).replace("'", "''") + "'"


def scan_sql(src: Source) -> str:
    """A SELECT over the source files as they are (CSV as text: validation decides what parses)."""
    files = "[" + ", ".join(_lit(f) for f in src.files) + "]"
    hive = "true" if src.path.is_dir() and any("=" in part for f in src.files for part in f.parts) else "false"
    if src.fmt == "parquet":
        return f"SELECT * FROM read_parquet({files}, union_by_name=true, hive_partitioning={hive})"
    return (f"SELECT * FROM read_csv({files}, all_varchar=true, header=true, union_by_name=true, "
            f"hive_partitioning={hive}, encoding='utf-8', strict_mode=true)")


def typed_select(table: str, relation: str, present: set[str]) -> str:
    """Canonical columns cast to their types from `relation` (absent columns become NULL)."""
    t = schema.table(table)
    cols = []
    for c in t.columns:
        src = f'"{c.name}"' if c.name in present else "NULL"
        cols.append(f"CAST({src} AS {c.duckdb_type}) AS {c.name}")
    return f"SELECT {', '.join(cols)} FROM {relation}"


def connect(database: str | Path = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(database), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")  # timestamps are UTC instants; local days come from region zones
    return con


MEMORY_LIMIT_ENV = "TT_ANALYTICS_MEMORY_LIMIT"  # e.g. "6GB": DuckDB memory for validation, ingest, fraud


def memory_limit() -> str | None:
    """DuckDB memory limit of the passes over whole tables (validation, ingest, fraud detection):
    $TT_ANALYTICS_MEMORY_LIMIT, else a quarter of the machine's memory (DuckDB's own default is
    80 %, which lets a 100M-row pass crowd out everything else). None: unknown, DuckDB decides."""
    import os
    if os.environ.get(MEMORY_LIMIT_ENV):
        return os.environ[MEMORY_LIMIT_ENV]
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    return f"{max(total // 4, 1 << 30) // (1 << 20)}MB"


def bound_memory(con: duckdb.DuckDBPyConnection, limit: str | None = None) -> str | None:
    """Cap `con`'s memory at `limit` (default memory_limit()) and let joins, groupings and sorts
    that need more spill to a temporary folder (in the system's temp folder unless one was
    chosen). Returns the previous limit, for `SET memory_limit` back."""
    import tempfile
    previous = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    limit = limit or memory_limit()
    if limit:
        con.execute(f"SET memory_limit = {_lit(limit)}")
    if con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] == ".tmp":  # default: cwd
        spill = Path(tempfile.gettempdir()) / "tt_analytics_duckdb"  # files are named per process
        try:
            con.execute(f"SET temp_directory = {_lit(spill)}")
        except duckdb.Error:  # already spilled to the default folder: it stays in use
            pass
    return previous


def restore_memory(con: duckdb.DuckDBPyConnection, previous: str) -> None:
    """Give `con` back the limit bound_memory() returned (DuckDB's default exactly, else the
    limit as DuckDB showed it, rounded to 0.1 of its unit)."""
    con.execute("RESET memory_limit")
    if con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != previous:
        con.execute(f"SET memory_limit = {_lit(previous)}")


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]


def drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a table or view called `name`, whichever it is."""
    if hasattr(con, "drop_relation"):  # another engine's connection (engines.spark) keeps its own catalogue
        return con.drop_relation(name)
    kinds = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? "
                        "AND table_schema = current_schema()", [name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def attach(con: duckdb.DuckDBPyConnection, data_dir: str | Path, typed: bool = True) -> dict[str, Source]:
    """Create `raw_<table>` and (if `typed`) `<table>` relations for every canonical table."""
    sources, _ = discover(data_dir)
    for name, t in schema.TABLES.items():
        if name in sources:
            con.execute(f"CREATE OR REPLACE VIEW raw_{name} AS {scan_sql(sources[name])}")
            if typed:
                present = set(columns_of(con, f"raw_{name}"))
                drop(con, name)
                con.execute(f"CREATE VIEW {name} AS {typed_select(name, f'raw_{name}', present)}")
        elif typed:
            drop(con, name)
            con.execute(t.ddl())
    return sources


def write_warehouse(db_path: str | Path, data_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """(Re)build the database file: a view per canonical table over `data_dir`, and a view per
    output table over the Parquet files in `out_dir`. Views keep the data where it is."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(db_path)
    try:
        attach(con, Path(data_dir).resolve())
        if out_dir is not None:
            for p in sorted(Path(out_dir).glob("*.parquet")):
                if p.stem not in schema.TABLES:
                    drop(con, p.stem)
                    con.execute(f"CREATE VIEW {p.stem} AS SELECT * FROM read_parquet({_lit(p.resolve())})")
    finally:
        con.close()
    return db_path
