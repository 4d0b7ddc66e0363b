"""TikTok Shop Partner API JSON: responses, bare arrays, JSON lines, Unix-second times, returns."""
import json

import polars as pl
import pytest

from tt_analytics.errors import InputError
from tt_analytics.io import ingest
from io_helpers import secret, table, write_text as write  # noqa: F401 (secret: autouse fixture)

SHOP = "7000000000000000004"
PHONE, ADDRESS, NAME = "(+1)555-0177", "742 Imaginary Terrace, Springfield", "Pat Example"


def api_order(oid, status="COMPLETED", created=1_793_000_000, **kw):
    o = {"id": oid, "status": status, "create_time": created, "paid_time": created + 60,
         "rts_sla_time": created + 3 * 86400, "rts_time": created + 86400, "delivery_time": created + 4 * 86400,
         "user_id": "7494000000000000001", "tracking_number": "1Z999AA10000000001", "shipping_provider": "UPS",
         "payment": {"currency": "USD", "total_amount": "31.50"},
         "recipient_address": {"name": NAME, "phone_number": PHONE, "full_address": ADDRESS,
                               "postal_code": "97401", "region_code": "US"},
         "line_items": [{"id": f"{oid}1", "sku_id": "1729000001", "product_id": "1729500001",
                         "original_price": "20.00", "seller_discount": "2.00", "sale_price": "17.00",
                         "platform_discount": "1.00"},
                        {"id": f"{oid}2", "sku_id": "1729000002", "product_id": "1729500002",
                         "original_price": "15.00", "seller_discount": "0", "sale_price": "14.50",
                         "platform_discount": "0.50"}]}
    o.update(kw)
    return o


ORDERS = [api_order("576461413038790001"),
          api_order("576461413038790002", status="CANCELLED", cancel_time=1_793_003_600,
                    cancellation_initiator="SELLER", cancel_reason="Pricing error", rts_time=0, delivery_time=0)]
RETURNS = [{"return_id": "4035000000000000001", "order_id": "576461413038790001", "return_type": "RETURN_AND_REFUND",
            "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE", "role": "BUYER",
            "return_reason": "ecom_order_delivered_refund_and_return_reason_damaged",
            "create_time": 1_793_400_000, "update_time": 1_793_500_000},
           {"return_id": "4035000000000000002", "order_id": "576461413038790001", "return_type": "REFUND",
            "return_status": "AWAITING_BUYER_SHIP", "role": "BUYER", "return_reason_text": "No longer needed",
            "create_time": 1_793_400_100, "update_time": 1_793_400_200}]


def test_search_response_orders_and_lines(tmp_path):
    src = write(tmp_path / "in" / "orders.json",
                json.dumps({"code": 0, "message": "Success", "data": {"orders": ORDERS, "total_count": 2}}))
    summary = ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    assert {r["table"]: r["rows_written"] for r in summary.iter_rows(named=True)} == {
        "orders": 2, "order_lines": 4, "shops": 1}
    o = table(tmp_path / "data", "orders")
    first = o.row(0, named=True)
    assert str(first["created_at"]) == "2026-10-26 07:33:20+00:00"  # Unix seconds are UTC
    assert str(first["ship_by"]) == "2026-10-29 07:33:20+00:00"
    assert (first["amount"], first["currency"], first["carrier"], first["ship_to_zip"]) == (31.5, "USD", "ups", "97401")
    second = o.row(1, named=True)
    assert (second["cancel_initiator"], second["cancel_reason"]) == ("seller", "pricing_error")
    assert second["shipped_at"] is None  # rts_time 0 means not yet
    lines = table(tmp_path / "data", "order_lines")
    assert lines.filter(pl.col("order_id") == "576461413038790001").select("sku_id", "quantity", "unit_price").rows() \
        == [("1729000001", 1, 18.0), ("1729000002", 1, 15.0)]
    for f in (tmp_path / "data").rglob("*.parquet"):
        for secret in [PHONE, "555-0177", "Imaginary", NAME]:
            assert secret.encode() not in f.read_bytes(), (f, secret)


def test_json_lines_and_bare_array_give_the_same_rows(tmp_path):
    a = write(tmp_path / "in" / "a.jsonl", "\n".join(json.dumps(o) for o in ORDERS) + "\n")
    b = write(tmp_path / "in" / "b.json", json.dumps(ORDERS))
    ingest([a], tmp_path / "da", shop_id=SHOP)
    ingest([b], tmp_path / "db", shop_id=SHOP)
    assert table(tmp_path / "da", "orders").equals(table(tmp_path / "db", "orders"))
    # the same orders again (another export of them) replace, not duplicate
    ingest([b], tmp_path / "da", shop_id=SHOP)
    assert table(tmp_path / "da", "orders").height == 2 and table(tmp_path / "da", "order_lines").height == 4


def test_returns_response(tmp_path):
    src = write(tmp_path / "in" / "returns.json", json.dumps({"code": 0, "data": {"return_orders": RETURNS}}))
    ingest([src], tmp_path / "data", shop_id=SHOP, region="US")
    r = table(tmp_path / "data", "returns")
    assert r.select("return_id", "return_type", "reason", "seller_fault").rows() == [
        ("4035000000000000001", "return_and_refund", "damaged", True),
        ("4035000000000000002", "refund", "changed_mind", False)]
    assert r["resolved_at"][0] is not None and r["resolved_at"][1] is None


def test_bad_records_are_rejected_and_bad_json_names_the_line(tmp_path):
    bad = api_order("576461413038790003", status="TELEPORTED")
    bad2 = api_order("576461413038790004", create_time="yesterday")
    src = write(tmp_path / "in" / "o.jsonl", "\n".join(json.dumps(o) for o in ORDERS + [bad, bad2]))
    summary = ingest([src], tmp_path / "data", shop_id=SHOP)
    o = summary.filter(pl.col("table") == "orders").row(0, named=True)
    assert (o["rows_read"], o["rows_written"], o["rows_rejected"]) == (4, 2, 2)
    assert "column 'status'" in o["reasons"] and "column 'create_time'" in o["reasons"]
    rejected = pl.read_parquet(next((tmp_path / "data" / "_rejected").glob("*.parquet")))
    assert sorted(set(rejected["_row"].to_list())) == [3, 4]
    assert not any(PHONE in str(v) for row in rejected.rows() for v in row)
    broken = write(tmp_path / "in" / "broken.jsonl", json.dumps(ORDERS[0]) + "\n{not json\n")
    with pytest.raises(InputError) as e:
        ingest([broken], tmp_path / "data", shop_id=SHOP)
    assert e.value.row == 2 and "broken.jsonl" in str(e.value)
