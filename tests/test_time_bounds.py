"""Time-bounded reads (docs/benchmarks.md, "Time-bounded reads"): the lower bound each read gets
comes from the rule parameters and the as-of dates, and in series mode it reaches back from the
first date of the series (golden cases for single dates: tests/rules/*/time_bounds.yaml)."""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from golden import load_input
from tt_analytics import catalog, params
from tt_analytics.evaluate import Context
from tt_analytics.series import run_series, series_dates
from tt_analytics.tiktok import metric_lookback

UTC = dt.timezone.utc


def test_since_is_midnight_utc_a_day_before_the_first_local_day():
    ctx = Context(duckdb.connect(), dt.date(2026, 11, 20), {}, [dt.date(2026, 11, 5), dt.date(2026, 11, 20)])
    # a 30-day window of 11-05 starts on 10-07 local; one day of margin covers any time zone
    assert ctx.since(29) == dt.datetime(2026, 10, 6, tzinfo=UTC)


def test_lookback_follows_the_parameter_files():
    prm = params.load(dt.date(2026, 11, 20))
    assert metric_lookback(prm, "orders") == 29  # NRR and DRR: 30 days (the OVL average: 28)
    assert metric_lookback(prm, "messages") == 29
    prm["tiktok_metrics"]["metrics"]["RRR"]["outcome_lag_days"] = 30
    assert metric_lookback(prm, "returns") == 59
    prm["tiktok_metrics"]["metrics"]["SFCR"]["window_days"] = 90
    assert metric_lookback(prm, "orders") == 89


def test_series_reads_back_from_its_first_date():
    """An order at 00:00 SGT on the first day of the 30-day NRR window of the series' first date
    (11-01 -> 10-03 local = 10-02T16:00Z) counts on 11-01 only; one a second earlier never does."""
    con = catalog.connect()
    load_input(con, {
        "shops": [{"shop_id": "s1", "platform": "tiktok", "region": "SEA", "status": "active"}],
        "orders": [{"order_id": "000000000000000001", "shop_id": "s1", "buyer_id": "b", "created_at": "2026-10-02T16:00:00Z"},
                   {"order_id": "000000000000000002", "shop_id": "s1", "buyer_id": "b", "created_at": "2026-10-02T15:59:59Z"}]})
    res = run_series(con, series_dates(dt.date(2026, 11, 1), dt.date(2026, 11, 20)), outputs=["metrics"])
    nrr = res["metrics"].filter(pl.col("metric") == "NRR").sort("as_of")
    by_date = dict(zip(nrr["as_of"].to_list(), nrr["denominator"].to_list()))
    assert by_date[dt.date(2026, 11, 1)] == 1
    assert by_date[dt.date(2026, 11, 2)] == 0
