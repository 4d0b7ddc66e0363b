"""Which loader reads a file: by its name (canonical tables) and its header (raw exports).

| detected format          | how it is recognised                                               |
|--------------------------|--------------------------------------------------------------------|
| `canonical`              | file or folder named after a canonical table (`orders.csv`, `orders/`, `returns.parquet`) |
| `seller_center`          | CSV/XLSX whose header has `Order ID`, `Order Status` and `Created Time` |
| `douyin_orders`          | CSV/XLSX whose header has `主订单编号` and `订单提交时间`               |
| `douyin_aftersales`      | CSV/XLSX whose header has `售后单号`                                  |
| `partner_api`            | `.json` / `.jsonl` / `.ndjson`                                     |

Also the readers every loader shares: text decoding (UTF-8, UTF-8 with BOM, GB18030) and a
CSV/XLSX reader that returns every cell as text with `_row`, the row's number in the file as a
spreadsheet shows it (header = row 1).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import polars as pl

from .. import schema
from ..errors import InputError

TEXT_EXT = {".csv", ".tsv", ".txt"}
EXCEL_EXT = {".xlsx", ".xlsm"}
JSON_EXT = {".json", ".jsonl", ".ndjson"}
PARQUET_EXT = {".parquet"}
KNOWN_EXT = TEXT_EXT | EXCEL_EXT | JSON_EXT | PARQUET_EXT
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class Detected:
    path: Path
    format: str  # canonical | seller_center | douyin_orders | douyin_aftersales | partner_api
    table: str | None = None  # canonical table name


def decode(path: Path, data: bytes | None = None) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), else GB18030 (Douyin exports from Excel)."""
    data = path.read_bytes() if data is None else data
    furthest = 0
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as e:  # report where the encoding that got furthest broke down
            furthest = max(furthest, e.start)
    err = UnicodeDecodeError("utf-8", data, furthest, furthest + 1, "undecodable")
    line = data[:err.start].count(b"\n") + 1
    raise InputError(f"cannot decode the file as UTF-8 or GB18030 (byte {err.start}); save it as UTF-8 CSV",
                     file=str(path), row=line)


def _delimiter(path: Path, header: str) -> str:
    if path.suffix.lower() == ".tsv" or header.count("\t") > header.count(","):
        return "\t"
    return ","


def header_of(path: Path) -> list[str]:
    ext = path.suffix.lower()
    if ext in EXCEL_EXT:
        try:  # read-only mode reads just the first row, not the whole workbook
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                first = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), ())
            finally:
                wb.close()
        except Exception as e:  # openpyxl raises several kinds for a broken workbook
            raise InputError(f"cannot read the workbook ({type(e).__name__}: {e}); expected an .xlsx export",
                             file=str(path)) from None
        return [str(h).strip() for h in first if h is not None]
    if ext in TEXT_EXT:
        text, _ = decode(path)
        first = text.split("\n", 1)[0].rstrip("\r")
        return [h.strip() for h in next(csv.reader([first], delimiter=_delimiter(path, first)), [])]
    return []


def read_excel(path: Path, header_only: bool = False) -> pl.DataFrame:
    """First sheet of a workbook, every cell as text (openpyxl through Polars), with `_row`."""
    try:
        df = pl.read_excel(path, engine="openpyxl", infer_schema_length=0, drop_empty_rows=False,
                           drop_empty_cols=False, raise_if_empty=False,
                           read_options={"n_rows": 0} if header_only else None)
    except Exception as e:  # openpyxl raises several kinds for a broken workbook
        raise InputError(f"cannot read the workbook ({type(e).__name__}: {e}); expected an .xlsx export",
                         file=str(path)) from None
    df = df.rename({c: str(c).strip() for c in df.columns})
    df = df.with_columns(pl.all().cast(pl.String))
    df = df.with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))
    # Trailing formatted-but-empty rows are not data.
    return df.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))


def read_text_table(path: Path) -> pl.DataFrame:
    """A CSV/TSV file, decoded, every cell as text, with `_row` (header = row 1)."""
    text, _ = decode(path)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise InputError("the file is empty or its first line is blank; expected a header row", file=str(path), row=1)
    try:
        df = pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False, separator=_delimiter(path, first),
                         truncate_ragged_lines=False, empty_string_is_null=True)
    except pl.exceptions.ComputeError as e:
        raise InputError(f"cannot parse the CSV ({str(e).splitlines()[0]}); expected one header row and "
                         f"rows with the same number of fields", file=str(path)) from None
    df = df.rename({c: c.strip() for c in df.columns})
    return df.with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))


def read_table(path: Path) -> pl.DataFrame:
    if path.suffix.lower() in EXCEL_EXT:
        return read_excel(path)
    return read_text_table(path)


def table_name(path: Path) -> str | None:
    name = path.name.split(".")[0] if path.is_file() else path.name
    return name if name in schema.TABLES else None


def detect(path: Path) -> Detected:
    """The format of one file or canonical table folder; InputError when none fits."""
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    ext = path.suffix.lower()
    table = table_name(path)
    if path.is_dir():
        if table:
            return Detected(path, "canonical", table)
        raise InputError("a folder is read as a canonical table only when it is named after one "
                         f"({', '.join(schema.TABLES)})", file=str(path))
    if ext in JSON_EXT:
        return Detected(path, "partner_api")
    if ext in PARQUET_EXT:
        if table:
            return Detected(path, "canonical", table)
        raise InputError(f"a Parquet file must be named after a canonical table ({', '.join(schema.TABLES)})",
                         file=str(path))
    if ext not in TEXT_EXT | EXCEL_EXT:
        raise InputError(f"unknown file type {ext or '(none)'}; expected .csv, .tsv, .xlsx, .json, .jsonl or "
                         ".parquet", file=str(path))
    header = set(header_of(path))
    if {"Order ID", "Order Status", "Created Time"} <= header:
        return Detected(path, "seller_center")
    if {"主订单编号", "订单提交时间"} <= header:
        return Detected(path, "douyin_orders")
    if "售后单号" in header:
        return Detected(path, "douyin_aftersales")
    if table and ext in TEXT_EXT:
        return Detected(path, "canonical", table)
    raise InputError("cannot tell what export this is: expected a file named after a canonical table "
                     "(e.g. orders.csv), a Seller Center order export (headers Order ID, Order Status, "
                     "Created Time), a Douyin order export (主订单编号, 订单提交时间), a Douyin after-sales "
                     "export (售后单号) or Partner API JSON", file=str(path), row=1)
