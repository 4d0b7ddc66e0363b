"""Canonical CSV/Parquet ingest: types, rejected rows, dedupe on re-ingest and overlap, layout."""

import datetime as dt

import duckdb
import polars as pl
import pytest

from tt_analytics import catalog, schema
from tt_analytics.errors import InputError
from tt_analytics.io import ingest
from io_helpers import secret, write_text as write, table as rows  # noqa: F401 (secret: autouse fixture)


ORDERS = ("order_id,shop_id,buyer_id,created_at,amount\n"
          "576461413038785752,s1,b1,2026-01-01 10:00:00,12.5\n"
          "576461413038785753,s1,b2,2026-01-01T10:00:00+08:00,3\n")


def test_canonical_csv_is_typed_and_readable_by_the_catalog(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", ORDERS)
    summary = ingest([src], tmp_path / "data")
    assert summary.select("table", "rows_read", "rows_written", "rows_rejected").rows() == [("orders", 2, 2, 0)]
    got = rows(tmp_path / "data", "orders")
    assert got["order_id"].to_list() == ["576461413038785752", "576461413038785753"]
    assert got.schema["created_at"] == pl.Datetime("us", "UTC")
    assert str(got["created_at"][1]) == "2026-01-01 02:00:00+00:00"  # offset converted to UTC
    assert catalog.discover(tmp_path / "data")[0]["orders"].path.name == "orders"


def test_reingest_same_file_does_not_duplicate(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", ORDERS)
    ingest([src], tmp_path / "data")
    again = ingest([src], tmp_path / "data")
    assert again["rows_replaced"].to_list() == [2]
    assert rows(tmp_path / "data", "orders").height == 2


def test_overlapping_files_keep_one_row_per_key_latest_wins(tmp_path):
    first = write(tmp_path / "in" / "a" / "orders.csv", ORDERS)
    second = write(tmp_path / "in" / "b" / "orders.csv",
                   "order_id,shop_id,buyer_id,created_at,amount\n"
                   "576461413038785753,s1,b2,2026-01-01 02:00:00,99\n"
                   "576461413038785754,s1,b3,2026-01-02 00:00:00,1\n")
    ingest([first], tmp_path / "data")
    summary = ingest([second], tmp_path / "data")
    assert summary["rows_replaced"].to_list() == [1]
    got = rows(tmp_path / "data", "orders")
    assert got.height == 3
    assert got.filter(pl.col("order_id") == "576461413038785753")["amount"].to_list() == [99.0]


def test_bad_value_rejects_the_row_and_keeps_it_with_its_reason(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", ORDERS + "576461413038785799,s1,b9,yesterday,1\n")
    summary = ingest([src], tmp_path / "data")
    assert summary.select("rows_read", "rows_written", "rows_rejected").row(0) == (3, 2, 1)
    assert "column 'created_at': expected timestamp: 1" in summary["reasons"][0]
    rejected = pl.read_parquet(next((tmp_path / "data" / "_rejected").glob("*.parquet")))
    assert rejected.select("_row", "order_id", "created_at").rows() == [(4, "576461413038785799", "yesterday")]


def test_duplicate_key_in_one_file_is_reported_not_dropped(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", ORDERS + "576461413038785752,s1,b1,2026-01-03 10:00:00,20\n")
    summary = ingest([src], tmp_path / "data")
    assert summary.select("rows_written", "rows_rejected").row(0) == (2, 1)
    assert rows(tmp_path / "data", "orders").filter(pl.col("order_id") == "576461413038785752")["amount"][0] == 20


def test_hive_partitioned_parquet_folder(tmp_path):
    folder = tmp_path / "in" / "returns"
    for shop in ["s1", "s2"]:
        (folder / f"shop_id={shop}").mkdir(parents=True)
        pl.DataFrame({"return_id": [f"r-{shop}"], "order_id": ["1"], "requested_at": ["2026-01-01 00:00:00"],
                      "return_type": ["refund"], "reason": ["damaged"], "seller_fault": [True]}
                     ).write_parquet(folder / f"shop_id={shop}" / "part-0.parquet")
    summary = ingest([folder], tmp_path / "data")
    assert summary.select("table", "rows_written").row(0) == ("returns", 2)
    got = rows(tmp_path / "data", "returns")
    assert got.select("return_id", "shop_id").rows() == [("r-s1", "s1"), ("r-s2", "s2")]


def test_folder_of_tables_is_walked(tmp_path):
    write(tmp_path / "in" / "orders.csv", ORDERS)
    write(tmp_path / "in" / "shops.csv", "shop_id,platform,region,status\ns1,tiktok,US,active\n")
    summary = ingest([tmp_path / "in"], tmp_path / "data")
    assert sorted(summary["table"]) == ["orders", "shops"]


def test_missing_required_column_is_a_clear_error(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", "order_id,shop_id\n1,s1\n")
    with pytest.raises(InputError) as e:
        ingest([src], tmp_path / "data")
    assert "orders.csv" in str(e.value) and "buyer_id" in str(e.value) and e.value.row == 1
    assert not (tmp_path / "data" / "orders").exists()


def test_unknown_file_is_a_clear_error(tmp_path):
    src = write(tmp_path / "in" / "stuff.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="cannot tell what export this is"):
        ingest([src], tmp_path / "data")


def test_all_rows_unreadable_names_row_and_column(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", "order_id,shop_id,buyer_id,created_at\n1,s1,b1,never\n")
    with pytest.raises(InputError) as e:
        ingest([src], tmp_path / "data")
    assert (e.value.row, e.value.column) == (2, "created_at")


def test_raw_input_is_never_modified_and_output_must_be_elsewhere(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", ORDERS)
    before = src.read_bytes()
    ingest([src], tmp_path / "data")
    assert src.read_bytes() == before
    with pytest.raises(InputError, match="inside the output folder"):
        ingest([tmp_path / "data" / "orders"], tmp_path / "data")


def test_written_parquet_has_schema_types(tmp_path):
    src = write(tmp_path / "in" / "orders.csv", ORDERS)
    ingest([src], tmp_path / "data")
    part = next((tmp_path / "data" / "orders").glob("part-*.parquet"))
    types = dict(duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{part}')").fetchall()[i][:2]
                 for i in range(22))
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE" and types["order_id"] == "VARCHAR"
    assert types["amount"] == "DOUBLE"


# --- Parquet at scale: streamed through DuckDB, same accounting as CSV ------------------------

def _orders_parquet(path, order_ids, created_at, amount=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(order_ids)
    pl.DataFrame({"order_id": order_ids, "shop_id": ["s1"] * n, "buyer_id": ["b1"] * n, "created_at": created_at,
                  "amount": amount if amount is not None else [1.0] * n}).write_parquet(path)
    return path


def test_parquet_is_never_read_whole_into_memory(tmp_path, monkeypatch):
    """Canonical Parquet goes through DuckDB (read where it is, COPY into the part file): a
    loader that fell back to reading whole files into Polars would fail here."""
    def whole_file(*a, **k):
        raise AssertionError("canonical ingest read a whole Parquet file into memory")
    monkeypatch.setattr(pl, "read_parquet", whole_file)
    monkeypatch.setattr(pl, "scan_parquet", whole_file)
    src = _orders_parquet(tmp_path / "in" / "orders.parquet", ["1", "2"],
                          pl.Series([dt.datetime(2026, 1, 1, 10), dt.datetime(2026, 1, 2, 10)]).dt.replace_time_zone("UTC"))
    summary = ingest([src], tmp_path / "data")
    assert summary.select("rows_read", "rows_written", "rows_rejected").row(0) == (2, 2, 0)
    monkeypatch.undo()
    assert rows(tmp_path / "data", "orders")["order_id"].to_list() == ["1", "2"]


def test_parquet_bad_values_are_rejected_with_file_row_and_column(tmp_path):
    """A Parquet column of the wrong type (text timestamps): the rows that do not cast are kept in
    _rejected/ with their 1-based row in their file, the file and the reason; the others load."""
    folder = tmp_path / "in" / "orders"
    _orders_parquet(folder / "part-0.parquet", ["1", "2", "3"], ["2026-01-01 10:00:00", "soon", "2026-01-03 00:00:00"])
    _orders_parquet(folder / "part-1.parquet", ["4", "5"], ["never", "2026-01-05 00:00:00"], amount=["1", "x"])
    summary = ingest([folder], tmp_path / "data")
    assert summary.select("rows_read", "rows_written", "rows_rejected").row(0) == (5, 2, 3)
    assert "column 'created_at': expected timestamp: 2" in summary["reasons"][0]
    assert "column 'amount': expected float: 1" in summary["reasons"][0]
    rejected = pl.read_parquet(next((tmp_path / "data" / "_rejected").glob("*.parquet")))
    assert rejected.select("_file", "_row", "order_id", "created_at", "_reason").rows() == [
        ("orders/part-0.parquet", 2, "2", "soon", "column 'created_at': expected timestamp"),
        ("orders/part-1.parquet", 1, "4", "never", "column 'created_at': expected timestamp"),
        ("orders/part-1.parquet", 2, "5", "2026-01-05 00:00:00", "column 'amount': expected float"),
    ]
    assert sorted(rows(tmp_path / "data", "orders")["order_id"]) == ["1", "3"]


def test_parquet_duplicate_keys_across_parts_keep_the_last_file_and_keep_row_order(tmp_path):
    folder = tmp_path / "in" / "orders"
    ts = pl.Series([dt.datetime(2026, 1, d, 10) for d in (1, 2, 3)]).dt.replace_time_zone("UTC")
    _orders_parquet(folder / "part-0.parquet", ["3", "1", "2"], ts, amount=[3.0, 1.0, 2.0])
    _orders_parquet(folder / "part-1.parquet", ["5", "1", "4"], ts, amount=[5.0, 10.0, 4.0])
    summary = ingest([folder], tmp_path / "data")
    assert summary.select("rows_read", "rows_written", "rows_rejected").row(0) == (6, 5, 1)
    rejected = pl.read_parquet(next((tmp_path / "data" / "_rejected").glob("*.parquet")))
    assert rejected.select("_file", "_row", "order_id", "_reason").rows() == [
        ("orders/part-0.parquet", 2, "1", "duplicate order_id in the input (the later row is kept)")]
    part = pl.read_parquet(next((tmp_path / "data" / "orders").glob("part-*.parquet")))
    # source order (file by file, row by row): validation's row numbers depend on it
    assert part.select("order_id", "amount").rows() == [("3", 3.0), ("2", 2.0), ("5", 5.0), ("1", 10.0), ("4", 4.0)]
    assert part.columns == [c.name for c in schema.table("orders").columns]


def test_folder_mixing_csv_and_parquet_parts(tmp_path):
    folder = tmp_path / "in" / "orders"
    _orders_parquet(folder / "a.parquet", ["1"], pl.Series([dt.datetime(2026, 1, 1)]).dt.replace_time_zone("UTC"))
    write(folder / "b.csv", "order_id,shop_id,buyer_id,created_at\n2,s1,b1,2026-01-02 00:00:00\n3,s1,b1,later\n")
    summary = ingest([folder], tmp_path / "data")
    assert summary.select("rows_read", "rows_written", "rows_rejected").row(0) == (3, 2, 1)
    rejected = pl.read_parquet(next((tmp_path / "data" / "_rejected").glob("*.parquet")))
    assert rejected.select("_file", "_row", "order_id").rows() == [("orders/b.csv", 3, "3")]
    assert rows(tmp_path / "data", "orders")["order_id"].to_list() == ["1", "2"]


def test_truncated_parquet_is_a_clear_error_naming_the_file(tmp_path):
    src = _orders_parquet(tmp_path / "in" / "orders.parquet", ["1"], ["2026-01-01 00:00:00"])
    src.write_bytes(src.read_bytes()[:40])
    with pytest.raises(InputError) as e:
        ingest([src], tmp_path / "data")
    assert "Parquet" in str(e.value) and e.value.file == str(src)
    assert not (tmp_path / "data" / "orders").exists()


def test_reingest_of_an_overlapping_parquet_export_replaces_rows_by_streaming(tmp_path):
    ts = pl.Series([dt.datetime(2026, 1, d) for d in (1, 2, 3, 4)]).dt.replace_time_zone("UTC")
    first = _orders_parquet(tmp_path / "in" / "a" / "orders.parquet", ["4", "1", "2", "3"], ts,
                            amount=[4.0, 1.0, 2.0, 3.0])
    second = _orders_parquet(tmp_path / "in" / "b" / "orders.parquet", ["2", "5"], ts[:2], amount=[20.0, 5.0])
    ingest([first], tmp_path / "data")
    old_part = next((tmp_path / "data" / "orders").glob("part-*.parquet"))
    summary = ingest([second], tmp_path / "data")
    assert summary["rows_replaced"].to_list() == [1]
    got = rows(tmp_path / "data", "orders")
    assert got.select("order_id", "amount").rows() == [("1", 1.0), ("2", 20.0), ("3", 3.0), ("4", 4.0), ("5", 5.0)]
    # the older part loses order 2 and keeps the others in their order
    assert pl.read_parquet(old_part)["order_id"].to_list() == ["4", "1", "3"]
