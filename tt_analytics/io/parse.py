"""Vectorised parsing helpers shared by the loaders: every function returns Polars expressions
that run over a whole file at once (no per-row Python).

Each `*_check` helper returns a reason string expression: null when the value is fine (or
absent), else a short reason that names the raw column and what was expected. Loaders collect
these into `_reason`; a row with a reason is rejected and reported, never silently dropped.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import polars as pl

from .. import params, schema
from ..errors import InputError

# Values that exports use for "nothing here".
EMPTY_MARKERS = ["", "-", "--", "—", "/", "N/A", "n/a", "null", "NULL", "None"]

POLARS_TYPES = {
    "str": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "date": pl.Date,
    "bool": pl.Boolean,
    "int": pl.Int64,
    "float": pl.Float64,
}

# Local time layouts seen in exports. The ambiguous day/month pair is decided per file (see
# `choose_time_format`); ISO-like layouts are unambiguous and always tried as a fallback
# (Excel stores real date cells, which the reader gives back as `YYYY-MM-DD HH:MM:SS`).
DAY_FIRST = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]
MONTH_FIRST = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M"]
ISO_LIKE = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
            "%Y-%m-%d %H:%M:%S%.f"]
TIME_FORMAT_TEXT = "DD/MM/YYYY HH:MM:SS, MM/DD/YYYY h:mm:ss AM/PM or YYYY-MM-DD HH:MM:SS"


def clean_text(df: pl.DataFrame, keep: tuple[str, ...] = ("_row",)) -> pl.DataFrame:
    """Strip whitespace (exports append tabs to keep Excel from reformatting values) and turn
    empty markers into nulls, on every text column."""
    exprs = []
    for c, t in df.schema.items():
        if c in keep or t != pl.String:
            continue
        s = pl.col(c).str.strip_chars()
        exprs.append(pl.when(s.is_in(EMPTY_MARKERS)).then(None).otherwise(s).alias(c))
    return df.with_columns(exprs) if exprs else df


@lru_cache(maxsize=8)
def region_timezone(region: str) -> str:
    if region not in schema.REGIONS:
        raise InputError(f"region must be one of {', '.join(schema.REGIONS)}, got {region!r}")
    # only the regions file: resolving every rule file costs more than a whole small ingest
    zones = params.resolve(params.raw("regions"), dt.date.today(), "regions")["timezone"]
    return zones[region]


def choose_time_format(df: pl.DataFrame, cols: list[str], month_first_default: bool) -> str:
    """The day/month layout that reads the most values of `cols` in this file. Ties (every value
    readable both ways, e.g. all days <= 12 in 24-hour layout) go to the region's habit."""
    cols = [c for c in cols if c in df.columns]
    order = ((MONTH_FIRST + DAY_FIRST) if month_first_default else (DAY_FIRST + MONTH_FIRST)) + ISO_LIKE
    if not cols:
        return order[0]
    counts = df.select([
        pl.sum_horizontal([pl.col(c).str.strptime(pl.Datetime("us"), f, strict=False).is_not_null().sum()
                           for c in cols]).alias(str(i))
        for i, f in enumerate(order)]).row(0)
    best = max(range(len(order)), key=lambda i: (counts[i], -i))
    return order[best]


def local_time(col: str, tz: str, fmt: str) -> pl.Expr:
    """Local wall time text -> UTC instant (null when unreadable or not a valid local time)."""
    parsed = pl.coalesce([pl.col(col).str.strptime(pl.Datetime("us"), f, strict=False) for f in [fmt, *ISO_LIKE]])
    return (parsed.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC"))


def bad_if(condition: pl.Expr, reason: str) -> pl.Expr:
    """`reason` where `condition` holds, else null."""
    return pl.when(condition).then(pl.lit(reason)).otherwise(pl.lit(None, pl.String))


def parse_check(raw: str, parsed: pl.Expr, expected: str) -> pl.Expr:
    """Reason for a value present in column `raw` that `parsed` could not read."""
    return bad_if(pl.col(raw).is_not_null() & parsed.is_null(), f"column {raw!r}: expected {expected}")


def required_check(raw: str, what: str | None = None) -> pl.Expr:
    return bad_if(pl.col(raw).is_null(), f"column {raw!r}: {what or 'value is required'}")


def reasons(exprs: list[pl.Expr]) -> pl.Expr:
    """All reasons of a row joined by '; ' (null when there are none)."""
    if not exprs:
        return pl.lit(None, pl.String)
    return pl.concat_str(exprs, separator="; ", ignore_nulls=True).replace("", None)


def amount(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(currency, value) from amounts such as `MYR 25.00`, `BRL 35,91`, `USD 1,234.50`, `1.234,50`, `25`.

    The last `,` or `.` followed by one or two digits at the end is the decimal separator; any
    other `,`, `.`, space or apostrophe groups thousands."""
    s = pl.col(col).str.strip_chars()
    currency = s.str.extract(r"^([A-Za-z]{3})\s*", 1).str.to_uppercase()
    num = s.str.replace(r"^[A-Za-z]{3}\s*", "").str.replace_all(r"[\s'$£€¥]", "")
    decimal_comma = num.str.contains(r",\d{1,2}$")
    value = (pl.when(decimal_comma)
             .then(num.str.replace_all(r"\.", "").str.replace(",", "."))
             .otherwise(num.str.replace_all(",", ""))
             .cast(pl.Float64, strict=False))
    value = pl.when(num.str.contains(r"^-?[\d.,]+$")).then(value).otherwise(None)
    return currency, value


def digits_id(col: str) -> pl.Expr:
    """An identifier made of digits, kept as text (null when it is anything else, e.g. an Excel
    float such as 5.764614130387858e+17 that has lost the last digits)."""
    return pl.when(pl.col(col).str.contains(r"^\d+$")).then(pl.col(col)).otherwise(None)


def lookup(col: str, mapping: dict[str, str]) -> pl.Expr:
    """Map values case-insensitively through `mapping` (keys lower-case); unknown -> null."""
    return (pl.col(col).str.to_lowercase().str.strip_chars()
            .replace_strict(list(mapping), list(mapping.values()), default=None, return_dtype=pl.String))


def classify(expr: pl.Expr, rules: list[tuple[str, str]], default: str | None) -> pl.Expr:
    """First rule whose regex (case-insensitive) matches the text gives the code; no match ->
    `default`; null text -> null."""
    low = expr.str.to_lowercase()
    out = pl.lit(default, pl.String)
    for pattern, code in reversed(rules):
        out = pl.when(low.str.contains(pattern)).then(pl.lit(code)).otherwise(out)
    return pl.when(expr.is_null()).then(pl.lit(None, pl.String)).otherwise(out)


def conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """Exactly the canonical columns of `table`, in order, with their dtypes (missing -> null)."""
    t = schema.table(table)

    def one(c) -> pl.Expr:
        if c.name not in df.columns:
            return pl.lit(None).cast(POLARS_TYPES[c.dtype]).alias(c.name)
        e = pl.col(c.name)
        if df.schema[c.name] == pl.String and c.dtype == "date":
            return e.str.to_date("%Y-%m-%d").alias(c.name)
        if df.schema[c.name] == pl.String and c.dtype == "timestamp":
            return e.str.to_datetime(time_zone="UTC").alias(c.name)
        return e.cast(POLARS_TYPES[c.dtype]).alias(c.name)
    try:
        return df.select([one(c) for c in t.columns])
    except pl.exceptions.PolarsError as e:
        raise InputError(f"{table}: a value does not have the schema's type ({str(e).splitlines()[0]})") from None
