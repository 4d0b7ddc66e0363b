"""Seller Center order export (CSV and XLSX): every quirk on small fixtures written here."""
import csv
import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tt_analytics.errors import InputError
from tt_analytics.io import ingest
from io_helpers import secret, table  # noqa: F401 (secret: autouse fixture)

SHOP = "7000000000000000001"
HEADER = ["Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID",
          "Seller SKU", "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price",
          "SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount",
          "SKU Subtotal After Discount", "Shipping Fee After Discount", "Original Shipping Fee",
          "Shipping Fee Seller Discount", "Shipping Fee Platform Discount", "Payment platform discount", "Taxes",
          "Small Order Fee", "Order Amount", "Order Refund Amount", "Created Time", "Paid Time", "RTS Time",
          "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By", "Cancel Reason", "Fulfillment Type",
          "Warehouse Name", "Tracking ID", "Delivery Option", "Shipping Provider Name", "Buyer Message",
          "Buyer Username", "Recipient", "Phone #", "Zipcode", "Country", "Province", "District", "Commune",
          "Detail Address", "Additional address information", "Payment Method", "Weight(kg)", "Product Category",
          "Package ID", "Seller Note", "Checked Status", "Checked Marked by"]
DESCRIPTION = {h: f"Description of {h}." for h in HEADER}
DESCRIPTION["Order ID"] = "Platform unique order ID."

PHONE, ADDRESS, NAME = "+1 555-0142", "12 Fakeway Lane", "Jane Placeholder"


def line(order_id, sku, qty, amount, created, status="Completed", **kw):
    row = {"Order ID": order_id, "Order Status": status, "SKU ID": sku, "Quantity": str(qty),
           "Normal or Pre-order": "Normal", "SKU Unit Original Price": "USD 10.00",
           "SKU Subtotal Before Discount": f"USD {10 * qty:.2f}", "SKU Seller Discount": "USD 1.00",
           "Order Amount": amount, "Created Time": created + "\t", "Paid Time": created + "\t",
           "Buyer Username": "buyer_one", "Recipient": NAME, "Phone #": PHONE, "Zipcode": "90210",
           "Country": "United States", "Province": "California", "Detail Address": ADDRESS,
           "Tracking ID": "9400100000000000000001", "Shipping Provider Name": "USPS"}
    row.update(kw)
    return row


US_ROWS = [
    line("576461413038785752", "1729000001", 2, "USD 25.00", "11/02/2026 1:05:09 PM"),
    line("576461413038785752", "1729000002", 1, "USD 25.00", "11/02/2026 1:05:09 PM"),
    line("576461413038785753", "1729000001", 1, "USD 9.00", "11/03/2026 9:00:00 AM", status="Cancelled",
         **{"Cancelled Time": "11/03/2026 10:00:00 AM", "Cancel By": "Seller", "Cancel Reason": "Out of stock",
            "Buyer Username": "buyer_two", "Phone #": "+1 555-0143"}),
    line("576461413038785754", "1729000003", 1, "USD 5.00", "11/04/2026 11:59:59 PM", status="Cancelled",
         **{"Cancelled Time": "11/07/2026 12:00:00 AM", "Cancel By": "System",
            "Cancel Reason": "Package wasn't shipped within the time limit"}),
]


def write_csv(path: Path, rows, header=HEADER, description=True) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    if description:
        w.writerow(DESCRIPTION)
    for r in rows:
        w.writerow(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))  # real exports carry a BOM
    return path


def write_xlsx(path: Path, rows, header=HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    ws.append([DESCRIPTION.get(h) for h in header])
    for r in rows:
        ws.append([r.get(h) for h in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_us_csv_orders_and_lines(tmp_path):
    src = write_csv(tmp_path / "in" / "us.csv", US_ROWS)
    summary = ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    by_table = {r["table"]: r for r in summary.iter_rows(named=True)}
    assert by_table["orders"]["rows_read"] == 4  # the description row is not data
    assert by_table["orders"]["rows_written"] == 3 and by_table["order_lines"]["rows_written"] == 4
    orders = table(tmp_path / "data", "orders")
    first = orders.row(0, named=True)
    assert first["order_id"] == "576461413038785752" and first["shop_id"] == SHOP
    assert first["amount"] == 25.0 and first["currency"] == "USD"  # repeated amount counted once
    assert sum(orders["amount"]) == 39.0
    # 11/02/2026 1:05:09 PM in Los Angeles (PST after 1 Nov) -> 21:05:09 UTC
    assert str(first["created_at"]) == "2026-11-02 21:05:09+00:00"
    assert first["carrier"] == "usps" and first["ship_to_zip"] == "90210" and first["fulfillment"] == "spot"
    cancelled = orders.filter(pl.col("cancelled_at").is_not_null()).select("cancel_initiator", "cancel_reason")
    assert cancelled.rows() == [("seller", "out_of_stock"), ("system", "sla_timeout")]
    lines = table(tmp_path / "data", "order_lines")
    assert lines.filter(pl.col("order_id") == "576461413038785752").select(
        "sku_id", "quantity", "unit_price").rows() == [("1729000001", 2, 9.5), ("1729000002", 1, 9.0)]
    assert (tmp_path / "data" / "shops").is_dir()
    shops = table(tmp_path / "data", "shops")
    assert shops.select("shop_id", "platform", "region", "status").rows() == [(SHOP, "tiktok", "US", "active")]


def test_cancel_reason_text_is_kept(tmp_path):
    src = write_csv(tmp_path / "in" / "us.csv", US_ROWS)
    ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    texts = pl.read_parquet(next((tmp_path / "data" / "_original_text").glob("*.parquet")))
    assert texts.filter(pl.col("id") == "576461413038785754").select("text", "code").rows() == [
        ("Package wasn't shipped within the time limit", "sla_timeout")]


def test_pii_is_hashed_and_matching_still_works(tmp_path):
    src = write_csv(tmp_path / "in" / "us.csv", US_ROWS)
    ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    orders = table(tmp_path / "data", "orders")
    by_id = {r["order_id"]: r for r in orders.iter_rows(named=True)}
    a, b, c = by_id["576461413038785752"], by_id["576461413038785753"], by_id["576461413038785754"]
    assert a["buyer_id"] == c["buyer_id"] != b["buyer_id"]
    assert a["buyer_phone_hash"] == c["buyer_phone_hash"] != b["buyer_phone_hash"]
    assert len(a["buyer_id"]) == 64 and a["ship_to_address_hash"] == b["ship_to_address_hash"]
    for f in (tmp_path / "data").rglob("*.parquet"):
        blob = f.read_bytes()
        for secret in [PHONE, "555-0142", ADDRESS, NAME, "buyer_one", "Fakeway"]:
            assert secret.encode() not in blob, (f, secret)


def test_hash_depends_on_the_secret(tmp_path, monkeypatch):
    src = write_csv(tmp_path / "in" / "us.csv", US_ROWS)
    ingest([src], tmp_path / "a", shop_id=SHOP, region="US")
    monkeypatch.setenv("TT_ANALYTICS_SECRET", str(tmp_path / "other.key"))
    ingest([src], tmp_path / "b", shop_id=SHOP, region="US")
    ids = [table(tmp_path / d, "orders")["buyer_id"][0] for d in "ab"]
    assert ids[0] != ids[1]
    assert oct((tmp_path / "other.key").stat().st_mode & 0o777) == "0o600"


def test_sea_xlsx_day_first_myr_and_chinese_status_and_missing_columns(tmp_path):
    header = [h for h in HEADER if h not in ("Commune", "Checked Status", "Checked Marked by", "Delivered Time")]
    rows = [
        line("576461413038785801", "SKU-A", 1, "MYR 25.00", "05/11/2026 10:00:00", status="已完成",
             **{"SKU Unit Original Price": "MYR 30.00", "SKU Subtotal Before Discount": "MYR 30.00",
                "SKU Seller Discount": "MYR 5.00"}),
        line("576461413038785802", "SKU-B", 3, "BRL 35,91", "13/11/2026 23:30:00", status="已取消",
             **{"Cancelled Time": "14/11/2026 08:00:00", "Cancel By": "User", "Cancel Reason": "No longer needed",
                "SKU Subtotal Before Discount": "BRL 1.234,50", "SKU Seller Discount": None}),
    ]
    src = write_xlsx(tmp_path / "in" / "my.xlsx", rows, header)
    summary = ingest([src], tmp_path / "data", shop_id="7000000000000000002", region="SEA")
    assert summary.filter(pl.col("table") == "orders")["rows_written"][0] == 2
    orders = table(tmp_path / "data", "orders")
    assert orders.select("amount", "currency").rows() == [(25.0, "MYR"), (35.91, "BRL")]
    # 05/11/2026 10:00 in Singapore (UTC+8), day first
    assert str(orders["created_at"][0]) == "2026-11-05 02:00:00+00:00"
    assert orders.select("cancel_initiator", "cancel_reason").rows()[1] == ("buyer", "buyer_request")
    assert orders["delivered_at"].is_null().all()
    lines = table(tmp_path / "data", "order_lines")
    assert lines.select("unit_price").to_series().to_list() == [25.0, pytest.approx(411.5)]


def test_excel_number_order_id_is_rejected_not_rounded(tmp_path):
    rows = [line("576461413038785801", "A", 1, "MYR 1.00", "05/11/2026 10:00:00"),
            line(576461413038785802, "B", 1, "MYR 1.00", "05/11/2026 10:00:00")]
    src = write_xlsx(tmp_path / "in" / "my.xlsx", rows)
    summary = ingest([src], tmp_path / "data", shop_id=SHOP, region="SEA")
    o = summary.filter(pl.col("table") == "orders").row(0, named=True)
    assert (o["rows_written"], o["rows_rejected"]) == (1, 1)
    assert "expected digits" in o["reasons"]
    rejected = pl.read_parquet(next((tmp_path / "data" / "_rejected").glob("*.parquet")))
    assert set(rejected["_table"]) == {"orders", "order_lines"} and set(rejected["_row"]) == {4}
    # personal data hashed in rejected rows too. The raw values are looked for, not a fragment like
    # "555": hashes are keyed with a per-installation random secret, and the row's three hashes
    # (16 hex digits each) hold "555" on about 1 % of installations (a fresh-clone run failed so)
    for secret in [PHONE, "555-0142", "5550142", ADDRESS, NAME, "Fakeway"]:
        assert not any(secret in str(v) for v in rejected.row(0)), secret


def test_bad_rows_are_counted_with_reasons(tmp_path):
    rows = US_ROWS + [
        line("576461413038785760", "X", 1, "USD 1.00", "31/31/2026 99:00:00"),
        line("576461413038785761", "X", 1, "USD 1.00", "11/05/2026 1:00:00 PM", status="Teleported"),
        line("576461413038785762", "X", 1, "USD 1.00", "11/05/2026 1:00:00 PM", Quantity="two"),
    ]
    src = write_csv(tmp_path / "in" / "us.csv", rows)
    summary = ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    o = {r["table"]: r for r in summary.iter_rows(named=True)}
    assert o["orders"]["rows_rejected"] == 2 and o["orders"]["rows_written"] == 4
    assert "column 'Created Time'" in o["orders"]["reasons"] and "column 'Order Status'" in o["orders"]["reasons"]
    assert o["order_lines"]["rows_rejected"] == 3 and "column 'Quantity'" in o["order_lines"]["reasons"]
    assert o["order_lines"]["rows_written"] + o["order_lines"]["rows_rejected"] == o["order_lines"]["rows_read"]


def test_overlapping_exports_do_not_duplicate(tmp_path):
    a = write_csv(tmp_path / "in" / "a.csv", US_ROWS[:3])
    later = dict(US_ROWS[2], **{"Order Status": "Completed", "Cancelled Time": None, "Cancel By": None,
                                "Cancel Reason": None})
    b = write_csv(tmp_path / "in" / "b.csv", [later, US_ROWS[3]])
    ingest([a], tmp_path / "data", shop_id=SHOP, region="US")
    ingest([b], tmp_path / "data", shop_id=SHOP, region="US")
    ingest([b], tmp_path / "data", shop_id=SHOP, region="US")
    orders = table(tmp_path / "data", "orders")
    assert orders.height == 3
    assert orders.filter(pl.col("order_id") == "576461413038785753")["cancelled_at"].is_null().all()
    assert table(tmp_path / "data", "order_lines").height == 4


def test_region_and_shop_are_required(tmp_path):
    src = write_csv(tmp_path / "in" / "us.csv", US_ROWS)
    with pytest.raises(InputError, match="--region"):
        ingest([src], tmp_path / "data", shop_id=SHOP)
    with pytest.raises(InputError, match="--shop-id"):
        ingest([src], tmp_path / "data", region="US")


def test_missing_required_header_names_the_column(tmp_path):
    src = write_csv(tmp_path / "in" / "us.csv", US_ROWS, header=[h for h in HEADER if h != "SKU ID"])
    with pytest.raises(InputError) as e:
        ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    assert e.value.column == "SKU ID" and e.value.row == 1 and "us.csv" in str(e.value)


def test_excel_date_cells_and_fixed_file_replaces_rejected_rows(tmp_path):
    import datetime as dt
    rows = [line("576461413038785901", "A", 1, "MYR 1.00", "05/11/2026 10:00:00"),
            line("576461413038785902", "B", 1, "MYR 1.00", "05/11/2026 10:00:00")]
    rows[1]["Created Time"] = dt.datetime(2026, 11, 6, 9, 30)  # a real date cell, not text
    rows[1]["Paid Time"] = "not a time"
    src = write_xlsx(tmp_path / "in" / "my.xlsx", rows)
    summary = ingest([src], tmp_path / "data", shop_id=SHOP, region="SEA")
    assert summary.filter(pl.col("table") == "orders")["rows_rejected"][0] == 1
    assert len(list((tmp_path / "data" / "_rejected").glob("*.parquet"))) == 1
    rows[1]["Paid Time"] = None
    write_xlsx(src, rows)
    ingest([src], tmp_path / "data", shop_id=SHOP, region="SEA")
    assert not list((tmp_path / "data" / "_rejected").glob("*.parquet"))
    orders = table(tmp_path / "data", "orders")
    assert str(orders["created_at"][1]) == "2026-11-06 01:30:00+00:00"
