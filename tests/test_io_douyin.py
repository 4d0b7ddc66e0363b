"""Douyin (抖店) order and after-sales exports: encodings, Chinese headers, Shanghai times."""
import csv
import io
from pathlib import Path

import polars as pl
import pytest

from tt_analytics.errors import InputError
from tt_analytics.io import ingest
from io_helpers import secret, table  # noqa: F401 (secret: autouse fixture)

SHOP = "7000000000000000003"
ORDER_HEADER = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "订单应付金额", "订单提交时间",
                "支付完成时间", "承诺发货时间", "发货时间", "订单完成时间", "订单状态", "售后状态", "取消原因",
                "收件人", "收件人手机号", "省", "市", "区", "详细地址", "快递单号", "快递公司"]
PHONE, ADDRESS, NAME = "13800000042", "幸福路88号3栋", "张测试"


def order(main, sub, product, qty, amount, created, status="已完成", **kw):
    row = {"主订单编号": "\t" + main, "子订单编号": "\t" + sub, "选购商品": "测试商品", "商品规格": "红色",
           "商品数量": str(qty), "商品ID": product, "订单应付金额": amount, "订单提交时间": created,
           "支付完成时间": created, "承诺发货时间": "2026-11-08 23:59:59", "订单状态": status, "售后状态": "无售后",
           "收件人": NAME, "收件人手机号": PHONE, "省": "浙江省", "市": "杭州市", "区": "西湖区", "详细地址": ADDRESS,
           "快递单号": "SF1000000001", "快递公司": "顺丰"}
    row.update(kw)
    return row


ORDERS = [
    order("6930000000000000001", "6930000000000000101", "3500000001", 2, "59.80", "2026-11-05 10:00:00",
          发货时间="2026-11-06 09:00:00", 订单完成时间="2026-11-10 12:00:00"),
    order("6930000000000000001", "6930000000000000102", "3500000002", 1, "19.90", "2026-11-05 10:00:00",
          发货时间="2026-11-06 09:00:00", 订单完成时间="2026-11-10 12:00:00"),
    order("6930000000000000002", "6930000000000000201", "3500000001", 1, "29.90", "2026-11-06 20:00:00",
          status="已关闭", 取消原因="商家：缺货", 订单完成时间="2026-11-07 08:00:00", 收件人手机号="13800000043"),
]
AFTERSALES_HEADER = ["售后单号", "订单编号", "售后类型", "售后申请时间", "售后原因", "仲裁状态", "纠纷责任方", "售后完结时间"]
AFTERSALES = [
    {"售后单号": "7100000000000000001", "订单编号": "\t6930000000000000001", "售后类型": "退货退款",
     "售后申请时间": "2026-11-11 10:00:00", "售后原因": "商品破损", "仲裁状态": "无", "纠纷责任方": "",
     "售后完结时间": "2026-11-13 10:00:00"},
    {"售后单号": "7100000000000000002", "订单编号": "\t6930000000000000001", "售后类型": "仅退款",
     "售后申请时间": "2026-11-12 10:00:00", "售后原因": "七天无理由退换", "仲裁状态": "仲裁完成", "纠纷责任方": "买家",
     "售后完结时间": "2026-11-15 10:00:00"},
    {"售后单号": "7100000000000000003", "订单编号": "\t6930000000000000002", "售后类型": "换货",
     "售后申请时间": "2026-11-12 11:00:00", "售后原因": "质量问题", "仲裁状态": "仲裁中", "纠纷责任方": "",
     "售后完结时间": ""},
]


def write(path: Path, header, rows, encoding) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_orders_in_every_encoding(tmp_path, encoding):
    src = write(tmp_path / "in" / "订单.csv", ORDER_HEADER, ORDERS, encoding)
    summary = ingest([src], tmp_path / "data", shop_id=SHOP)
    assert summary.filter(pl.col("table") == "orders")["rows_written"][0] == 2
    orders = table(tmp_path / "data", "orders")
    o1 = orders.row(0, named=True)
    assert o1["order_id"] == "6930000000000000001"  # the leading tab is gone, the ID is text
    assert str(o1["created_at"]) == "2026-11-05 02:00:00+00:00"  # Asia/Shanghai -> UTC
    assert str(o1["ship_by"]) == "2026-11-08 15:59:59+00:00"
    assert o1["amount"] == pytest.approx(79.7) and o1["currency"] == "CNY"
    assert o1["completed_at"] is not None and o1["cancelled_at"] is None and o1["carrier"] == "顺丰"
    o2 = orders.row(1, named=True)
    assert (o2["cancel_initiator"], o2["cancel_reason"]) == ("seller", "out_of_stock")
    assert str(o2["cancelled_at"]) == "2026-11-07 00:00:00+00:00"
    lines = table(tmp_path / "data", "order_lines")
    assert lines.select("line_id", "product_id", "quantity", "unit_price").rows()[0] == (
        "6930000000000000101", "3500000001", 2, pytest.approx(29.9))
    shops = table(tmp_path / "data", "shops")
    assert shops.select("platform", "region", "status").rows() == [("douyin", "CN", "active")]
    for f in (tmp_path / "data").rglob("*.parquet"):
        blob = f.read_bytes()
        for secret in [PHONE, ADDRESS, NAME]:
            assert secret.encode() not in blob, (f, secret)


def test_aftersales_returns_and_disputes(tmp_path):
    src = write(tmp_path / "in" / "售后.csv", AFTERSALES_HEADER, AFTERSALES, "gb18030")
    summary = ingest([src], tmp_path / "data", shop_id=SHOP)
    assert sorted(summary["table"].to_list()) == ["disputes", "returns", "shops"]
    returns = table(tmp_path / "data", "returns")
    assert returns.select("return_id", "order_id", "return_type", "reason", "seller_fault").rows() == [
        ("7100000000000000001", "6930000000000000001", "return_and_refund", "damaged", True),
        ("7100000000000000002", "6930000000000000001", "refund", "changed_mind", False),
        ("7100000000000000003", "6930000000000000002", "replacement", "defective", True),
    ]
    assert str(returns["requested_at"][0]) == "2026-11-11 02:00:00+00:00"
    disputes = table(tmp_path / "data", "disputes")
    assert disputes.select("dispute_id", "initiator", "liable_party").rows() == [
        ("7100000000000000002", "buyer", "buyer"), ("7100000000000000003", "buyer", None)]
    assert disputes["resolved_at"][0] is not None and disputes["resolved_at"][1] is None
    texts = pl.read_parquet(next((tmp_path / "data" / "_original_text").glob("*.parquet")))
    assert "商品破损" in texts["text"].to_list()


def test_undecodable_file_is_a_clear_error(tmp_path):
    src = tmp_path / "in" / "orders_export.csv"
    src.parent.mkdir()
    src.write_bytes(",".join(ORDER_HEADER).encode("utf-8") + b"\n\xff\xfe\xfa\x80\x81,2\n")
    with pytest.raises(InputError, match="UTF-8 or GB18030") as e:
        ingest([src], tmp_path / "data", shop_id=SHOP)
    assert e.value.row == 2


def test_unknown_status_and_bad_time_are_rejected_with_reasons(tmp_path):
    rows = ORDERS + [order("6930000000000000003", "6930000000000000301", "1", 1, "1", "昨天"),
                     order("6930000000000000004", "6930000000000000401", "1", 1, "1", "2026-11-06 20:00:00",
                           status="外星")]
    src = write(tmp_path / "in" / "订单.csv", ORDER_HEADER, rows, "utf-8-sig")
    summary = ingest([src], tmp_path / "data", shop_id=SHOP)
    o = summary.filter(pl.col("table") == "orders").row(0, named=True)
    assert (o["rows_read"], o["rows_written"], o["rows_rejected"]) == (5, 2, 2)
    assert "column '订单提交时间'" in o["reasons"] and "column '订单状态'" in o["reasons"]
