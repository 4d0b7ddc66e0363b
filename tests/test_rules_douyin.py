"""Douyin deposit / settlement / alliance / tiered shipping and TikTok flash-sale golden cases
(tests/rules/douyin, tests/rules/flash_sales), plus the mainland-China working-day calendar."""
from __future__ import annotations

import datetime as dt
import importlib

import golden
import pytest
from golden import check, load_cases, run_case

from tt_analytics import calendars, catalog, douyin, params
from tt_analytics import evaluate as evaluate_data_folder  # the package's evaluate() function
from tt_analytics.errors import InputError

CASES = load_cases("douyin/*.yaml") + load_cases("flash_sales/*.yaml")


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_golden(case):
    check(case, run_case(case))


# --- the mainland-China working-day calendar (chinesecalendar) ---------------------------------


def test_calendar_knows_holidays_and_adjusted_working_weekends():
    cal = calendars.cn_workday_frame(dt.date(2025, 9, 25), dt.date(2025, 10, 12))
    work = dict(zip(cal["date"].to_list(), cal["is_workday"].to_list()))
    assert work[dt.date(2025, 9, 28)] is True  # Sunday, adjusted working day before National Day
    assert not any(work[dt.date(2025, 10, d)] for d in range(1, 9))  # National Day + Mid-Autumn
    assert work[dt.date(2025, 10, 11)] is True  # Saturday, adjusted working day
    assert work[dt.date(2025, 10, 12)] is False  # an ordinary Sunday
    assert cal.height == 18


def test_calendar_range_is_the_library_range():
    first, last = calendars.cn_known_range()
    assert first == dt.date(2004, 1, 1) and last.year >= 2026 and (last.month, last.day) == (12, 31)
    with pytest.raises(InputError, match=f"{first.year}-{last.year}"):
        calendars.check_cn_range(dt.date(last.year + 1, 1, 4), "test")


def _closed_shop_case(closed_at: str, as_of: str) -> dict:
    return {"name": "out of range", "rule": "DEP-REFUND-DUE", "as_of": as_of,
            "input": {"shops": [{"shop_id": "late_shop", "platform": "douyin", "region": "CN", "status": "closed",
                                 "documents_complete": True, "closed_at": closed_at}]},
            "expect": {"deposit": []}}


def test_refund_due_beyond_the_calendar_fails_clearly():
    # 2026-12-23 + 7 working days falls in 2027, a year chinesecalendar 1.11 does not know
    last = calendars.cn_known_range()[1]
    closed = dt.date(last.year, 12, 23)
    with pytest.raises(InputError) as err:
        run_case(_closed_shop_case(str(closed), str(closed)))
    msg = str(err.value)
    assert "late_shop" in msg and str(closed) in msg and f"2004-{last.year}" in msg and "closed_at" in msg


def test_closure_before_the_calendar_fails_clearly():
    with pytest.raises(InputError, match="late_shop.*2003-06-30.*2004-"):
        run_case(_closed_shop_case("2003-06-30", "2025-01-01"))


def test_refund_due_just_inside_the_calendar():
    last = calendars.cn_known_range()[1]
    if last.year != 2026:
        pytest.skip("expected dates are for the 2026 schedule")
    case = _closed_shop_case("2026-12-21", "2026-12-21")
    case["expect"] = {"deposit": [{"shop_id": "late_shop", "refund_due_by": "2026-12-30"}]}
    check(case, run_case(case))


def test_deposit_table_rejects_a_word_that_is_not_a_status():
    with pytest.raises(InputError, match="enterprise.apparel"):
        douyin.deposit_amounts_frame({"enterprise": {"apparel": "four thousand"}})


def test_outputs_from_a_data_folder(tmp_path):
    """The Douyin and flash-sale outputs through evaluate() on CSV files (typed views, not golden frames)."""
    (tmp_path / "shops.csv").write_text(
        "shop_id,platform,region,status,entity_type,closed_at,documents_complete,arrears\n"
        "d1,douyin,CN,closed,enterprise,2025-09-26,true,0\n"
        "t1,tiktok,US,active,,,,\n", encoding="utf-8")
    (tmp_path / "shop_categories.csv").write_text("shop_id,category\nd1,apparel\nd1,mother_baby\n", encoding="utf-8")
    (tmp_path / "deposits.csv").write_text("shop_id,event_at,event,amount\nd1,2025-01-01T00:00:00Z,paid,10000\n",
                                           encoding="utf-8")
    (tmp_path / "flash_sales.csv").write_text(
        "flash_sale_id,shop_id,product_id,price,original_price,start_at,end_at\n"
        "f1,t1,p1,9.5,10,2025-11-01T00:00:00Z,2025-11-04T00:00:00Z\n", encoding="utf-8")
    res = evaluate_data_folder(tmp_path, "2025-12-31", validate=False,
                                     outputs=["deposit", "alliance", "tiered_shipping", "flash_sale_checks"])
    dep = res["deposit"].row(0, named=True)
    assert (dep["required_deposit"], dep["balance"], dep["refund_eligible"], str(dep["refund_due_by"])) == \
        (10000.0, 10000.0, True, "2025-10-13")
    assert res["flash_sale_checks"]["ok"].to_list() == [True]
    assert res["alliance"]["shop_id"].to_list() == ["d1"] and res["tiered_shipping"]["spot_share"].to_list() == [None]


def test_alliance_rejects_an_unknown_positive_rate_source():
    case = {"name": "bad source", "rule": "AL-POSITIVE", "as_of": "2026-11-20",
            "rules": {"douyin_alliance_cn": {"positive_rate_source": "platform"}},
            "input": {"shops": [{"shop_id": "d1", "platform": "douyin", "region": "CN", "status": "active"}]},
            "expect": {"alliance": []}}
    with pytest.raises(InputError, match="positive_rate_source.*'platform'.*shop_ratings_then_reviews"):
        run_case(case)


def test_a_new_deposit_amount_is_a_dated_value(tmp_path):
    """DEP-TABLE values are dated: a custom rules folder adds 5,000 for enterprise apparel from 2026."""
    import yaml

    from tt_analytics import params
    table = params.raw("douyin_deposit_cn")  # a copy: changing it leaves the bundled rules alone
    table["amounts"]["enterprise"]["apparel"]["values"][dt.date(2026, 1, 1)] = {"value": 5000}
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "douyin_deposit_cn.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "shops.csv").write_text("shop_id,platform,region,status,entity_type\nd1,douyin,CN,active,enterprise\n",
                                    encoding="utf-8")
    (data / "shop_categories.csv").write_text("shop_id,category\nd1,apparel\n", encoding="utf-8")
    required = {as_of: evaluate_data_folder(data, as_of, validate=False, rules_dir=rules,
                                            outputs=["deposit"])["deposit"]["required_deposit"].to_list()
                for as_of in ("2025-12-31", "2026-01-01")}
    assert required == {"2025-12-31": [4000.0], "2026-01-01": [5000.0]}


def test_outputs_later_queries_read_are_views_of_their_frames():
    """evaluate.Context.register: settlement (every confirmed order: 30M rows at 100M orders) is
    read by deposit through a view of its Polars frame, not copied into DuckDB, where the copy
    would take memory from the capped passes of fake transaction detection that follow."""
    evaluate = importlib.import_module("tt_analytics.evaluate")  # the module (the package exports a function)
    case = next(c for _, c in CASES if c["name"].startswith("a payout pending at closure"))
    con = catalog.connect()
    golden.load_input(con, case["input"])
    res = evaluate.run(con, params._as_date(case["as_of"]), params.load(params._as_date(case["as_of"])),
                       outputs=["deposit"])
    assert res["deposit"]["pending_payouts"].to_list() == [1]  # deposit read the settlement rows
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    assert not tables & {"settlement", "deposit"} and {"settlement", "deposit"} <= views
