"""Douyin shop (抖店) outputs: deposit and refund, settlement cycle, Selected Alliance entry,
tiered shipping (RULES.md §5). Each function composes one SQL file of queries/douyin/ over all
Douyin shops at once; parameters come from rules/douyin_*_cn.yaml. See docs/rules-douyin.md.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from . import calendars, schema
from .errors import InputError
from .evaluate import Context

AMOUNT_STATUSES = ("not_open", "unknown")
POSITIVE_RATE_SOURCES = ("reviews", "shop_ratings", "shop_ratings_then_reviews")


def register_day_starts(ctx: Context, days: list[dt.date]) -> None:
    """tt_day_starts(tz, day, starts_at): the first instant of each of `days` in every reporting
    time zone (regions.timezone). "Local day of ts <= D" is then "ts < starts_at of D + 1", and
    "local day >= D" is "ts >= starts_at of D": window edges are converted once per zone instead of
    every event once per row. (A local midnight skipped by a DST change maps to the change itself,
    the first instant of that day.)"""
    zones = sorted(set(ctx.params["regions"]["timezone"].values()))
    rows = [{"tz": z, "day": d,
             "starts_at": dt.datetime.combine(d, dt.time(), tzinfo=ZoneInfo(z)).astimezone(dt.timezone.utc)}
            for z in zones for d in sorted(set(days))]
    ctx.register("tt_day_starts", pl.DataFrame(rows, schema={"tz": pl.Utf8, "day": pl.Date,
                                                             "starts_at": pl.Datetime("us", "UTC")}))


def settlement(ctx: Context) -> pl.DataFrame:
    """SETTLE: payout date of every confirmed Douyin order without an after-sales request."""
    p = ctx.params["douyin_lifecycle_cn"]
    register_day_starts(ctx, [ctx.as_of + dt.timedelta(days=1)])
    return ctx.frame("douyin/settlement", as_of=ctx.as_of, split_day=int(p["settlement_split_day"]))


def deposit_amounts_frame(amounts: dict) -> pl.DataFrame:
    """DEP-TABLE as rows (entity_type, category, amount, status) for every entity type and every
    category of the schema; categories a type does not list take its `unlisted` value."""
    rows = []
    for entity_type in schema.TABLES["shops"].column("entity_type").allowed:
        table = amounts.get(entity_type, {})
        for category in schema.CATEGORIES:
            v = table.get(category, table.get("unlisted", "unknown"))
            if isinstance(v, str) and v not in AMOUNT_STATUSES:
                raise InputError(f"douyin_deposit_cn.amounts.{entity_type}.{category}: {v!r} is not a number, "
                                 f"'not_open' or 'unknown'")
            rows.append({"entity_type": entity_type, "category": category,
                         "amount": None if isinstance(v, str) else float(v),
                         "status": v if isinstance(v, str) else "amount"})
    return pl.DataFrame(rows, schema={"entity_type": pl.Utf8, "category": pl.Utf8, "amount": pl.Float64,
                                      "status": pl.Utf8})


def _register_cn_calendar(ctx: Context) -> None:
    """cn_calendar(date, is_workday) from the earliest closure up to the library's last known day."""
    first_closure = ctx.con.execute(
        "SELECT min(closed_at), arg_min(shop_id, closed_at) FROM shops "
        "WHERE platform = 'douyin' AND closed_at <= ?", [ctx.as_of]).fetchone()
    start, shop = first_closure
    if start is None:
        start = calendars.cn_known_range()[1]  # nobody closed: a one-day calendar is enough
    calendars.check_cn_range(start, f"shop {shop} closed_at")
    ctx.register("cn_calendar", calendars.cn_workday_frame(start))


def deposit(ctx: Context) -> pl.DataFrame:
    """DEP-*: required deposit, balance, refund eligibility and blockers, refund_due_by, reopen_from."""
    p = ctx.params["douyin_lifecycle_cn"]
    ctx.register("deposit_amounts", deposit_amounts_frame(ctx.params["douyin_deposit_cn"]["amounts"]))
    _register_cn_calendar(ctx)
    df = ctx.frame("douyin/deposit", as_of=ctx.as_of, refund_working_days=int(p["refund_working_days"]),
                   reopen_months=int(p["reopen_months"]),
                   delay_for_payouts=bool(p["pending_payouts_delay_refund"]),
                   ignore_overturned=bool(p["ignore_overturned_penalties"]))
    unknown = df.filter(pl.col("refund_clock_from").is_not_null() & pl.col("refund_due_by").is_null())
    if unknown.height:
        r = unknown.row(0, named=True)
        raise InputError(
            f"shop {r['shop_id']}: refund_due_by is {p['refund_working_days']} mainland-China working days "
            f"after {r['refund_clock_from']}, beyond the working-day calendar ({calendars.cn_range_text()}); "
            f"{unknown.height} shop(s) affected. Update chinesecalendar or check shops.closed_at",
            column="closed_at")
    return df


def alliance(ctx: Context) -> pl.DataFrame:
    """AL-*: Selected Alliance entry criteria with their measured values."""
    p = ctx.params["douyin_alliance_cn"]
    if p["positive_rate_source"] not in POSITIVE_RATE_SOURCES:
        raise InputError(f"douyin_alliance_cn.positive_rate_source is {p['positive_rate_source']!r}; "
                         f"expected one of {', '.join(POSITIVE_RATE_SOURCES)}")
    review_days = [int(p["positive_window_days"]), int(p["valid_review_window_days"])]
    windows = [int(p["gmv_window_days"]), *review_days]
    register_day_starts(ctx, [ctx.as_of + dt.timedelta(days=1 - n) for n in windows] + [ctx.as_of + dt.timedelta(days=1)])
    return ctx.frame("douyin/alliance", as_of=ctx.as_of,
                     orders_since=ctx.since(int(p["gmv_window_days"]) - 1),
                     # valid_review_window_days 0 = every review up to the date: no lower bound
                     reviews_since=None if 0 in review_days else ctx.since(max(review_days) - 1),
                     gmv_window_days=int(p["gmv_window_days"]),
                     min_rating=float(p["min_rating"]),
                     min_positive_rate=float(p["min_positive_rate"]),
                     positive_window_days=int(p["positive_window_days"]),
                     positive_rate_source=str(p["positive_rate_source"]),
                     positive_min_stars=int(p["positive_min_stars"]),
                     min_valid_reviews_exclusive=int(p["min_valid_reviews_exclusive"]),
                     valid_review_window_days=int(p["valid_review_window_days"]),
                     evasion_window_days=int(p["evasion_window_days"]),
                     serious_violation_types=list(p["serious_violation_types"]))


def tiered_shipping(ctx: Context) -> pl.DataFrame:
    """Tiered shipping (RULES.md §5.2): spot-order share over the window, eligibility, warning band."""
    p = ctx.params["douyin_tiered_shipping_cn"]
    register_day_starts(ctx, [ctx.as_of + dt.timedelta(days=1 - int(p["window_days"])), ctx.as_of + dt.timedelta(days=1)])
    return ctx.frame("douyin/tiered_shipping", as_of=ctx.as_of, window_days=int(p["window_days"]),
                     orders_since=ctx.since(int(p["window_days"]) - 1),
                     min_spot_share=float(p["min_spot_share"]), warning_below=float(p["warning_below"]),
                     exclude_cancelled=bool(p["exclude_cancelled_orders"]))
