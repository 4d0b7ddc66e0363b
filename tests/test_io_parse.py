"""Parsing helpers of the loaders: amounts, time layouts, reason codes."""
import polars as pl
import pytest

from tt_analytics.io import parse
from tt_analytics.io.seller_center import CANCEL_REASONS


def test_amounts_with_currency_prefix_and_separators():
    df = pl.DataFrame({"a": ["MYR 25.00", "BRL 35,91", "USD 1,234.50", "1.234,50", "25", "£3", "abc", None]})
    cur, val = parse.amount("a")
    got = df.select(cur.alias("c"), val.alias("v"))
    assert got["c"].to_list() == ["MYR", "BRL", "USD", None, None, None, "ABC", None]
    assert got["v"].to_list() == [25.0, 35.91, 1234.5, 1234.5, 25.0, 3.0, None, None]


@pytest.mark.parametrize("values,month_first,expected", [
    (["13/11/2026 10:00:00", "01/11/2026 10:00:00"], True, "%d/%m/%Y %H:%M:%S"),  # 13 can only be a day
    (["11/02/2026 1:05:09 PM"], False, "%m/%d/%Y %I:%M:%S %p"),  # AM/PM only reads month first
    (["01/02/2026 10:00:00"], True, "%m/%d/%Y %H:%M:%S"),  # ambiguous: the region's habit decides
    (["01/02/2026 10:00:00"], False, "%d/%m/%Y %H:%M:%S"),
    (["2026-11-05 10:00:00"], False, "%Y-%m-%d %H:%M:%S"),
])
def test_time_layout_is_chosen_per_file(values, month_first, expected):
    df = pl.DataFrame({"t": values})
    assert parse.choose_time_format(df, ["t"], month_first) == expected


def test_local_time_to_utc_and_dst_gap():
    df = pl.DataFrame({"t": ["03/08/2026 2:30:00 AM", "03/08/2026 3:30:00 AM"]})  # US spring-forward gap
    got = df.select(parse.local_time("t", "America/Los_Angeles", "%m/%d/%Y %I:%M:%S %p"))["t"]
    assert got[0] is None and str(got[1]) == "2026-03-08 10:30:00+00:00"


@pytest.mark.parametrize("text,code", [
    ("Out of stock", "out_of_stock"), ("Pricing error", "pricing_error"),
    ("Package wasn't shipped within the time limit", "sla_timeout"), ("No longer needed", "buyer_request"),
    ("Need to change shipping address", "address_issue"), ("Unpaid order automatically cancelled", "other"),
    ("商家：缺货", "out_of_stock"), ("系统：超时未发货自动取消", "sla_timeout"), ("买家：不想要了", "buyer_request"),
    ("Something else", "other"),
])
def test_cancel_reason_codes(text, code):
    got = pl.DataFrame({"r": [text]}).select(parse.classify(pl.col("r"), CANCEL_REASONS, "other").alias("r"))["r"][0]
    assert got == code
