"""What every loader returns, and the bookkeeping that keeps every raw row accounted for."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .. import schema
from ..errors import InputError
from . import parse


@dataclass
class Context:
    """What a loader knows besides the file: the shop and region given on the command line (or
    in a manifest), and the hashing secret."""
    shop_id: str | None
    region: str | None
    platform: str | None
    key: bytes

    def need_shop(self, path: Path, fmt: str) -> str:
        if not self.shop_id:
            raise InputError(f"a {fmt} export does not say which shop it belongs to; pass --shop-id",
                             file=str(path))
        return self.shop_id


@dataclass
class Loaded:
    format: str
    rows_read: int
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    # one row per (table, raw row) that could not be mapped: _table, _row, _reason, raw columns as text
    rejected: list[pl.DataFrame] = field(default_factory=list)
    texts: pl.DataFrame | None = None  # table, id, field, text: original free text behind a code
    notes: list[str] = field(default_factory=list)
    region: str | None = None
    platform: str | None = None

    def reject(self, table: str, raw: pl.DataFrame) -> None:
        """Record rows of `raw` (with `_row` and `_reason`) as rejected for `table`."""
        if raw.height:
            self.rejected.append(raw.with_columns(pl.lit(table).alias("_table")))

    def rejected_frame(self) -> pl.DataFrame | None:
        if not self.rejected:
            return None
        frames = [r.with_columns(pl.exclude("_row").cast(pl.String)) for r in self.rejected]
        df = pl.concat(frames, how="diagonal_relaxed")
        front = ["_table", "_row", "_reason"]
        return df.select(front + [c for c in df.columns if c not in front])


def split(df: pl.DataFrame, reason: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows without a reason, rows with one and their `_reason`)."""
    df = df.with_columns(reason.alias("_reason"))
    bad = df.filter(pl.col("_reason").is_not_null())
    return df.filter(pl.col("_reason").is_null()).drop("_reason"), bad


def drop_duplicate_keys(loaded: Loaded, table: str, df: pl.DataFrame, safe: pl.DataFrame) -> pl.DataFrame:
    """Within one file, a key given twice keeps its last row; the earlier ones are rejected (with
    their raw values from `safe`, personal data already hashed), never dropped silently."""
    t = schema.table(table)
    key = list(t.key) if t.key else [c for c in t.names if c in df.columns]
    df = df.with_columns(pl.int_range(pl.len()).alias("_seq"))  # file order
    last = pl.col("_seq") == pl.col("_seq").max().over(key)
    dups = df.filter(~last)
    if dups.height:
        loaded.reject(table, dups.select("_row").join(safe, on="_row", how="left").with_columns(
            pl.lit(f"duplicate {'+'.join(key)} in the input (the later row is kept)").alias("_reason")))
    return df.filter(last).drop("_seq")


def all_rejected_error(path: Path, loaded: Loaded, table: str) -> None:
    """A file none of whose rows could be mapped is unusable: stop with the first problem."""
    rej = loaded.rejected_frame()
    written = loaded.tables.get(table)
    if loaded.rows_read and rej is not None and (written is None or written.height == 0):
        first = rej.filter(pl.col("_table") == table).sort("_row").head(1)
        if first.height:
            reason = first["_reason"][0]
            column = reason.split("'")[1] if reason.startswith("column '") else None
            raise InputError(f"none of the {loaded.rows_read} rows could be read as {table}; the first problem: "
                             f"{reason}", file=str(path), row=int(first["_row"][0]), column=column)


def finish(loaded: Loaded, table: str, df: pl.DataFrame) -> None:
    loaded.tables[table] = parse.conform(df, table)
