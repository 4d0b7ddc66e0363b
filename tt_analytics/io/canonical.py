"""Canonical tables given as CSV/Parquet files or folders (also hive-partitioned), named after
the table: the values are cast to the schema's types; a value that does not cast (e.g. `abc`
as a timestamp) rejects its row. Timestamps without an offset are UTC (CONTRACT.md).
Enumerations, ranges and references are not checked here: that is validation's job."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from .. import schema
from ..errors import InputError
from . import detect
from .base import Context, Loaded, all_rejected_error, finish


def files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file()
                  and p.suffix.lower() in (detect.TEXT_EXT | detect.PARQUET_EXT)
                  and not any(s.startswith((".", "_")) for s in p.relative_to(path).parts))


def _read(f: Path, root: Path) -> pl.DataFrame:
    if f.suffix.lower() in detect.PARQUET_EXT:
        try:
            df = pl.read_parquet(f)
        except Exception as e:
            raise InputError(f"cannot read the Parquet file ({type(e).__name__}); expected a Parquet file",
                             file=str(f)) from None
        df = df.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    else:
        df = detect.read_text_table(f)
    # hive partition values (`shop_id=7/part-0.parquet`) become columns unless the file has them
    if root.is_dir():
        for part in f.relative_to(root).parts[:-1]:
            if "=" in part:
                k, v = part.split("=", 1)
                if k not in df.columns:
                    df = df.with_columns(pl.lit(v).alias(k))
    return df.with_columns(pl.lit(str(f.relative_to(root.parent))).alias("_file"))


def load(path: Path, table: str, ctx: Context) -> Loaded:
    t = schema.table(table)
    files = files_of(path)
    if not files:
        raise InputError(f"the folder holds no CSV or Parquet file for table {table}", file=str(path))
    frames = [_read(f, path) for f in files]
    raw = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    loaded = Loaded("canonical", raw.height)
    missing = [c for c in t.required if c not in raw.columns]
    if missing:
        raise InputError(f"table {table} needs the column(s) {', '.join(missing)}; the header has "
                         f"{', '.join(c for c in raw.columns if not c.startswith('_'))}",
                         file=str(files[0]), row=1, column=missing[0])
    extra = [c for c in raw.columns if c not in t.names and not c.startswith("_")]
    if extra:
        loaded.notes.append(f"columns not in the {table} schema were not loaded: {', '.join(extra)}")
    present = [c for c in t.columns if c.name in raw.columns]
    casts, checks = [], []
    for c in present:
        typed = f'TRY_CAST("{c.name}" AS {c.duckdb_type})'
        casts.append(f'{typed} AS "__t_{c.name}"')
        checks.append(f"CASE WHEN \"{c.name}\" IS NOT NULL AND {typed} IS NULL THEN "
                      f"'column ''{c.name}'': expected {c.dtype}' END")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("raw_rows", raw)
        out = con.sql(f"SELECT *, {', '.join(casts)}, "
                          f"nullif(concat_ws('; ', {', '.join(checks)}), '') AS _reason FROM raw_rows").pl()
    finally:
        con.close()
    raw_cols = list(raw.columns)
    bad = out.filter(pl.col("_reason").is_not_null())
    loaded.reject(table, bad.select(raw_cols + ["_reason"]))
    good = out.filter(pl.col("_reason").is_null())
    typed = good.select(["_row", "_file"] + [pl.col(f"__t_{c.name}").alias(c.name) for c in present])
    typed = _dedupe(loaded, table, typed, good, raw_cols)
    finish(loaded, table, typed)
    all_rejected_error(files[0] if len(files) == 1 else path, loaded, table)
    return loaded


def _dedupe(loaded: Loaded, table: str, typed: pl.DataFrame, good: pl.DataFrame, raw_cols: list[str]) -> pl.DataFrame:
    """Duplicate keys within the given files: keep the last, reject the earlier (raw values)."""
    # order rows by (file, row) so that "last" means the last row of the last file
    seq = typed.with_columns(pl.struct("_file", "_row").rank("ordinal").cast(pl.Int64).alias("_seq"))
    t = schema.table(table)
    key = list(t.key) if t.key else [c for c in t.names if c in typed.columns]
    last = pl.col("_seq") == pl.col("_seq").max().over(key)
    dups = seq.filter(~last)
    if dups.height:
        raw_dups = good.join(dups.select("_file", "_row"), on=["_file", "_row"], how="semi")
        loaded.reject(table, raw_dups.select(raw_cols).with_columns(
            pl.lit(f"duplicate {'+'.join(key)} in the input (the later row is kept)").alias("_reason")))
    return seq.filter(last).drop("_seq")
