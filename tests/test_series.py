"""Series mode: every TikTok output on every date of a range in one pass equals single-date runs."""
from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from golden import load_input
from tt_analytics import catalog, params
from tt_analytics.errors import InputError
from tt_analytics.evaluate import run
from tt_analytics.series import SERIES_OUTPUTS, evaluate_series, run_series, segments, series_dates

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 20)


def dataset(seed: int = 3) -> dict[str, list[dict]]:
    """A small mixed data set: 4 TikTok shops (US, UK, SEA, US), one Douyin shop, 60 days."""
    rnd = random.Random(seed)
    shops = [{"shop_id": s, "platform": "tiktok", "region": r, "status": "active", "graduated_at": "2026-01-01",
              "controller_id": c}
             for s, r, c in [("us1", "US", "c1"), ("uk1", "UK", "c1"), ("sea1", "SEA", "c2"), ("us2", "US", "c3")]]
    shops.append({"shop_id": "dy1", "platform": "douyin", "region": "CN", "status": "active"})
    orders, returns, reviews, messages, violations, ratings = [], [], [], [], [], []
    t0 = dt.datetime(2026, 9, 20, tzinfo=dt.timezone.utc)
    for i in range(900):
        shop = rnd.choice(["us1", "uk1", "sea1", "us2"])
        created = t0 + dt.timedelta(minutes=rnd.randrange(60 * 24 * 62))
        o = {"order_id": f"{i:018d}", "shop_id": shop, "buyer_id": f"b{i % 50}", "created_at": created}
        u = rnd.random()
        if u < 0.1:
            o.update(cancelled_at=created + dt.timedelta(hours=rnd.randrange(1, 90)),
                     cancel_initiator=rnd.choice(["seller", "buyer", "system"]),
                     cancel_reason=rnd.choice(["out_of_stock", "buyer_request", "sla_timeout", "pricing_error"]))
        elif u < 0.9:
            o["shipped_at"] = created + dt.timedelta(hours=rnd.randrange(1, 80))
            o["completed_at"] = o["shipped_at"] + dt.timedelta(days=rnd.randrange(2, 9))
        orders.append(o)
        if rnd.random() < 0.05:
            req = created + dt.timedelta(days=rnd.randrange(1, 10))
            returns.append({"return_id": f"r{i}", "order_id": o["order_id"], "shop_id": shop, "requested_at": req,
                            "resolved_at": req + dt.timedelta(days=rnd.randrange(1, 40)) if rnd.random() < 0.8 else None,
                            "return_type": "refund", "reason": rnd.choice(["defective", "changed_mind", "late_dispatch"]),
                            "seller_fault": rnd.random() < 0.7})
        if rnd.random() < 0.2:
            reviews.append({"review_id": f"rv{i}", "order_id": o["order_id"], "shop_id": shop, "rating": rnd.randint(1, 5),
                            "created_at": created + dt.timedelta(days=rnd.randrange(3, 12))})
        if rnd.random() < 0.1:
            sent = created + dt.timedelta(hours=rnd.randrange(1, 48))
            messages.append({"message_id": f"m{i}", "conversation_id": f"c{i}", "shop_id": shop, "sender": "buyer",
                             "sent_at": sent})
            if rnd.random() < 0.8:
                messages.append({"message_id": f"m{i}r", "conversation_id": f"c{i}", "shop_id": shop,
                                 "sender": "seller", "sent_at": sent + dt.timedelta(minutes=rnd.randrange(1, 3000))})
    for j in range(12):
        violations.append({"violation_id": f"v{j}", "shop_id": rnd.choice(["us1", "uk1", "sea1"]),
                           "recorded_at": t0 + dt.timedelta(days=rnd.randrange(60)),
                           "violation_type": rnd.choice(["other", "fake_transaction", "not_as_described"]),
                           "points": rnd.choice([2, 4, 6, 12]), "appeal_status": rnd.choice(["none", "overturned"])})
    for d in range(0, 62, 5):
        for s in ("us1", "us2"):
            ratings.append({"shop_id": s, "date": (t0 + dt.timedelta(days=d)).date(), "rating": round(4.3 + rnd.random() / 2, 2)})
    return {"shops": shops, "orders": orders, "returns": returns, "reviews": reviews, "messages": messages,
            "violations": violations, "shop_ratings": ratings}


@pytest.fixture(scope="module")
def con():
    c = catalog.connect()
    load_input(c, dataset())
    return c


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    keys = [k for k in ("shop_id", "as_of", "metric", "violation_id", "threshold", "penalty") if k in df.columns]
    return df.sort(keys)


def test_series_equals_single_date_runs(con):
    dates = series_dates(START, END)
    series = run_series(con, dates)
    assert set(SERIES_OUTPUTS) <= set(series)
    assert sorted(series.metrics["as_of"].unique().to_list()) == dates
    assert series.metrics.height == 4 * len(dates) * 9  # 4 TikTok shops x dates x 9 metrics
    for day in (START, dt.date(2026, 11, 7), END):
        single = run(con, day, params.load(day), SERIES_OUTPUTS)
        for table in SERIES_OUTPUTS:
            got = _sorted(series[table].filter(pl.col("as_of") == day))
            want = _sorted(single[table])
            assert got.height == want.height, (table, day)
            assert got.equals(want), (table, day)


def test_series_covers_shops_and_dates_without_gaps(con):
    res = run_series(con, series_dates(START, END))
    per_date = res.points.group_by("as_of").len()
    assert per_date["len"].to_list() == [4] * per_date.height  # one row per TikTok shop and date
    assert "dy1" not in res.metrics["shop_id"].to_list()


def test_weekly_steps():
    assert series_dates(dt.date(2026, 11, 1), dt.date(2026, 11, 20), "week") == [
        dt.date(2026, 11, 1), dt.date(2026, 11, 8), dt.date(2026, 11, 15)]
    assert series_dates(dt.date(2026, 11, 1), dt.date(2026, 11, 1)) == [dt.date(2026, 11, 1)]


def test_bad_series_arguments_are_input_errors():
    with pytest.raises(InputError, match="every"):
        series_dates(START, END, "month")
    with pytest.raises(InputError, match="before its start"):
        series_dates(END, START)


def test_a_rule_change_inside_the_range_splits_it(tmp_path, con):
    text = (params.RULES_DIR / "tiktok_metrics.yaml").read_text(encoding="utf-8")
    newer = text.replace('must stay below this., reference: 002 §5 "店铺的商责取消率必须低于2.5%", '
                         'values: {2024-07-15: {value: 0.025}}}',
                         'must stay below this., reference: 002 §5 "店铺的商责取消率必须低于2.5%", '
                         'values: {2024-07-15: {value: 0.025}, 2026-11-10: {value: 0.05}}}')
    assert newer != text
    (tmp_path / "tiktok_metrics.yaml").write_text(newer, encoding="utf-8")
    dates = series_dates(START, END)
    assert [len(p) for p in segments(dates, tmp_path)] == [9, 11]
    res = run_series(con, dates, rules_dir=tmp_path, outputs=["metrics"])
    sfcr = res.metrics.filter(pl.col("metric") == "SFCR")
    assert set(sfcr.filter(pl.col("as_of") < dt.date(2026, 11, 10))["target"]) == {0.025}
    assert set(sfcr.filter(pl.col("as_of") >= dt.date(2026, 11, 10))["target"]) == {0.05}


def test_evaluate_series_reads_a_data_folder_and_writes_parquet(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    from golden import frame
    for table, rows in dataset().items():
        frame(table, rows).write_parquet(data / f"{table}.parquet")
    out = tmp_path / "out"
    res = evaluate_series(data, "2026-11-14", "2026-11-20", every="week", out=out, validate=False)
    assert res.metrics["as_of"].unique().to_list() == [dt.date(2026, 11, 14)]
    back = pl.read_parquet(out / "points.parquet")
    assert back.height == res.points.height == 4


def test_shop_summary_has_one_line_per_tiktok_shop_and_date(con):
    from tt_analytics.tiktok import shop_summary
    res = run_series(con, series_dates(END, END))
    s = shop_summary(res)
    assert s.height == 4 and s["shop_id"].n_unique() == 4
    us1 = s.filter(pl.col("shop_id") == "us1").to_dicts()[0]
    missed = res.metrics.filter((pl.col("shop_id") == "us1") & (pl.col("meets_target") == False))  # noqa: E712
    assert sorted(us1["metrics_missed"]) == sorted(missed["metric"].to_list())
    assert s.filter(pl.col("shop_id") == "uk1")["star_shop"].to_list() == [None]


def test_outcomes_count_from_the_day_they_become_known():
    """One order created 11-10 (local), deadline 11-12, never shipped, cancelled by the seller on
    11-15: late from 11-12, a seller-fault cancellation from 11-15, out of the 7-day window after 11-16."""
    c = catalog.connect()
    load_input(c, {"shops": [{"shop_id": "s", "platform": "tiktok", "region": "US", "status": "active"}],
                   "orders": [{"order_id": "1" * 18, "shop_id": "s", "buyer_id": "b",
                               "created_at": dt.datetime(2026, 11, 10, 20, tzinfo=dt.timezone.utc),
                               "cancelled_at": dt.datetime(2026, 11, 15, 20, tzinfo=dt.timezone.utc),
                               "cancel_initiator": "seller", "cancel_reason": "out_of_stock"}]})
    res = run_series(c, series_dates(dt.date(2026, 11, 9), dt.date(2026, 11, 17)), outputs=["metrics"])
    m = res.metrics.sort("as_of")
    ldr = m.filter(pl.col("metric") == "LDR")["numerator"].to_list()
    sfcr = m.filter(pl.col("metric") == "SFCR")["numerator"].to_list()
    den = m.filter(pl.col("metric") == "SFCR")["denominator"].to_list()
    #            11-09 10  11  12  13  14  15  16  17
    assert ldr == [0, 0, 0, 1, 1, 1, 1, 1, 0]
    assert sfcr == [0, 0, 0, 0, 0, 0, 1, 1, 0]
    assert den == [0, 1, 1, 1, 1, 1, 1, 1, 0]
