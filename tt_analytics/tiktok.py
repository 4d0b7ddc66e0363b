"""TikTok Shop rule engine: performance metrics, metric points, violation points, appeals, Star Shop.

Every function here is an output of `evaluate.OUTPUTS`. Each one composes SQL files from
`queries/tiktok/` over the canonical tables for all shops and all as-of dates at once (the
`as_of_dates` table holds one date for `evaluate`, many for `series`); Python only turns the
dated parameter files (`rules/tiktok_*.yaml`, `rules/star_shop_us.yaml`) into small lookup tables
and bind values. Rule IDs are those of RULES.md; docs/rules-tiktok.md explains every column.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable

import polars as pl

from . import catalog
from .errors import InputError
from .evaluate import Context, QueryError, sql_text

METRIC_POINT_FILES = "tiktok_metric_points_"  # one rulebook per region group: <prefix><markets>.yaml


def _rules_checked(func: Callable) -> Callable:
    """A custom rules file that lacks a parameter is a user error naming it, not a traceback."""
    @functools.wraps(func)
    def wrapper(ctx: Context):
        try:
            return func(ctx)
        except KeyError as e:
            raise InputError(f"output {func.__name__}: the rules files lack the parameter {e.args[0]!r} "
                             f"(bundled files: tt_analytics/rules/; list: docs/rules-reference.md)") from None
    return wrapper


def _bind(sql: str, values: dict[str, Any]) -> dict[str, Any]:
    code = re.sub(r"--[^\n]*", "", sql)  # parameters named in comments are not bound
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", code))
    missing = used - set(values)
    if missing:
        raise QueryError(f"query needs parameters {sorted(missing)}")
    return {k: values[k] for k in used}


def _materialize(ctx: Context, query: str, table: str, **values: Any) -> None:
    """Run queries/<query>.sql once into a temp table other queries read."""
    sql = sql_text(query)
    catalog.drop(ctx.con, table)
    ctx.con.execute(f"CREATE TEMP TABLE {table} AS\n{sql}", _bind(sql, values) or None)


def _frame(ctx: Context, query: str, **values: Any) -> pl.DataFrame:
    sql = sql_text(query)
    return ctx.con.sql(sql, params=_bind(sql, values) or None).pl()


def _register(ctx: Context, table: str, df: pl.DataFrame) -> None:
    catalog.drop(ctx.con, table)
    ctx.con.register(f"_{table}_df", df)
    ctx.con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM _{table}_df")
    ctx.con.unregister(f"_{table}_df")


# --------------------------------------------------------------------------------------- metrics

def _metric_targets(m: dict[str, Any]) -> pl.DataFrame:
    rows = []
    for metric, p in m["metrics"].items():
        rows.append({"metric": metric, "window_days": int(p["window_days"]),
                     "lag_days": int(p.get("outcome_lag_days", 0) or 0),
                     "target": float(p["target"]), "comparison": str(p["comparison"]),
                     "min_denominator_exclusive": p.get("min_orders_exclusive")})
    return pl.DataFrame(rows, schema={"metric": pl.Utf8, "window_days": pl.Int32, "lag_days": pl.Int32,
                                      "target": pl.Float64, "comparison": pl.Utf8,
                                      "min_denominator_exclusive": pl.Float64})


# canonical table -> the metrics whose daily facts are anchored on its event time (created_at,
# requested_at, opened_at, sent_at): those windows bound how far back the table is read
FACT_SOURCES = {"orders": ["SFCR", "LDR", "NRR", "DRR"], "reviews": ["NRR"], "returns": ["RRR"],
                "disputes": ["DLR"], "messages": ["CS-FRT", "CS-RR24", "CS-RR48"]}


def metric_lookback(prm: dict[str, Any], table: str) -> int:
    """Days before the first as-of date of the earliest local day whose events `table` feeds into
    a metric: a fact anchored on day A counts for as-of date D when A + lag <= D <= A + lag +
    window - 1, so A >= D - (window + lag - 1). Orders also feed the OVL average of the metric
    points (the avg_days local days ending on D)."""
    mm = prm["tiktok_metrics"]["metrics"]
    days = [int(mm[k]["window_days"]) + int(mm[k].get("outcome_lag_days", 0) or 0) - 1 for k in FACT_SOURCES[table]]
    if table == "orders":
        days += [int(book["ovl_average_days"]) - 1 for name, book in prm.items() if name.startswith(METRIC_POINT_FILES)]
    return max(days)


def _sla_days(ctx: Context) -> pl.DataFrame:
    """sla_extensions spread over the local creation days they cover: the largest extension per
    region, ship-from zip (null: the whole region) and day, so that each order finds its own with
    two equality joins (RULES.md §6)."""
    ext = ctx.con.sql("SELECT region, ship_from_zip, created_from, created_to, extra_days FROM sla_extensions").pl()
    return (ext.with_columns(pl.date_ranges("created_from", "created_to").alias("day"))
            .explode("day").filter(pl.col("day").is_not_null())
            .group_by("region", "ship_from_zip", "day").agg(pl.col("extra_days").max())
            .select("region", "ship_from_zip", "day", pl.col("extra_days").cast(pl.Int64)))


def prepare_orders(ctx: Context) -> None:
    """tt_order_facts: orders of measured TikTok shops counted per shop, local creation day and
    outcome (cancellation, seller fault, late, defect return), created from the earliest day a
    metric window (or the OVL average) of an as-of date reaches."""
    m = ctx.params["tiktok_metrics"]
    mm = m["metrics"]
    _register(ctx, "tt_sla_days", _sla_days(ctx))
    _materialize(ctx, "tiktok/order_facts", "tt_order_facts", regions=m["regions"],
                 since=ctx.since(metric_lookback(ctx.params, "orders")),
                 sla_from=m["sla"]["default_from"], sla_hours=m["sla"]["default_hours"],
                 seller_reasons=mm["SFCR"]["seller_reasons"], system_reasons=mm["SFCR"]["system_reasons"],
                 defect_reasons=mm["DRR"]["defect_reasons"],
                 exclude_late=bool(mm["DRR"]["exclude_late_dispatched_orders"]))


@_rules_checked
def metrics(ctx: Context) -> pl.DataFrame:
    """`metrics`: CS-FRT, CS-RR24, CS-RR48, NRR, DLR, RRR, SFCR, LDR, DRR per TikTok shop and date."""
    m = ctx.params["tiktok_metrics"]
    mm = m["metrics"]
    regions = m["regions"]
    prepare_orders(ctx)
    _materialize(ctx, "tiktok/buyer_messages", "tt_buyer_messages", regions=regions,
                 since=ctx.since(metric_lookback(ctx.params, "messages")),
                 reply_senders=m["messages"]["reply_senders"])
    facts = ["tiktok/sfcr", "tiktok/ldr", "tiktok/nrr", "tiktok/dlr", "tiktok/rrr", "tiktok/drr",
             "tiktok/cs_frt", "tiktok/cs_reply_rate"]
    values = {"regions": regions, "max_stars": mm["NRR"]["max_negative_stars"],
              "resolve_days": mm["RRR"]["resolve_days"], "defect_reasons": mm["DRR"]["defect_reasons"],
              "exclude_late": bool(mm["DRR"]["exclude_late_dispatched_orders"]),
              "rr24_hours": mm["CS-RR24"]["reply_hours"], "rr48_hours": mm["CS-RR48"]["reply_hours"],
              "reviews_since": ctx.since(metric_lookback(ctx.params, "reviews")),
              "returns_since": ctx.since(metric_lookback(ctx.params, "returns")),
              "disputes_since": ctx.since(metric_lookback(ctx.params, "disputes"))}
    # one statement: the fact queries side by side, aggregated once per shop, metric and day pair
    union = "\nUNION ALL\n".join(f"SELECT shop_id, metric, anchor_day, known_day, num, den FROM (\n{sql_text(q)}\n)"
                                  for q in facts)
    sql = ("SELECT shop_id, metric, anchor_day, known_day, sum(num) AS num, sum(den) AS den FROM (\n"
           f"{union}\n) GROUP BY ALL")
    catalog.drop(ctx.con, "tt_metric_facts")
    ctx.con.execute(f"CREATE TEMP TABLE tt_metric_facts AS\n{sql}", _bind(sql, values) or None)
    _register(ctx, "tt_metric_targets", _metric_targets(m))
    return _frame(ctx, "tiktok/metrics", regions=regions)


# --------------------------------------------------------------------------------- metric points

def _brackets(prm: dict[str, Any]) -> pl.DataFrame:
    rows = []
    for name, book in prm.items():
        if not name.startswith(METRIC_POINT_FILES):
            continue
        for metric in ("SFCR", "LDR"):
            for b in book.get(metric) or []:
                for region in book["regions"]:
                    rows.append({"region": region, "metric": metric, "avg_days": int(book["ovl_average_days"]),
                                 **{k: b.get(k) for k in ("min_rate", "max_rate", "min_count", "max_count",
                                                          "points", "warning", "ovl_days", "ovl_cap_ratio")}})
    return pl.DataFrame(rows, schema={"region": pl.Utf8, "metric": pl.Utf8, "avg_days": pl.Int32,
                                      "min_rate": pl.Float64, "max_rate": pl.Float64, "min_count": pl.Float64,
                                      "max_count": pl.Float64, "points": pl.Int64, "warning": pl.Boolean,
                                      "ovl_days": pl.Int64, "ovl_cap_ratio": pl.Float64})


@_rules_checked
def metric_points(ctx: Context) -> pl.DataFrame:
    """`metric_points`: SFCR and LDR tiers (points, warning, order volume limit) per shop and date."""
    _register(ctx, "tt_metric_point_brackets", _brackets(ctx.params))
    return _frame(ctx, "tiktok/metric_points")


# ------------------------------------------------------------------------ appeals, holds, points

@_rules_checked
def violation_appeals(ctx: Context) -> pl.DataFrame:
    """`violation_appeals`: appeal deadlines, appealability and balance holds per violation."""
    a = ctx.params["tiktok_appeals_holds"]
    holds = pl.DataFrame([{"rule": h["rule"], "violation_types": list(h["violation_types"]),
                           "min_days": int(h["min_days"])} for h in a["holds"]],
                         schema={"rule": pl.Utf8, "violation_types": pl.List(pl.Utf8), "min_days": pl.Int32})
    _register(ctx, "tt_hold_rules", holds)
    return _frame(ctx, "tiktok/violation_appeals", first_days=a["first_appeal_days"],
                  second_days=a["second_appeal_days"], payout_days=a["appeal_payout_days"])


def _threshold_tables(vp: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame]:
    levels = [{"threshold": int(t["threshold"]), "rule": t["rule"]} for t in vp["thresholds"]]
    pens = [{"threshold": int(t["threshold"]), "penalty": p["penalty"],
             "days": None if p.get("days") is None else int(p["days"])}
            for t in vp["thresholds"] for p in t["penalties"]]
    return (pl.DataFrame(levels, schema={"threshold": pl.Int64, "rule": pl.Utf8}),
            pl.DataFrame(pens, schema={"threshold": pl.Int64, "penalty": pl.Utf8, "days": pl.Int32}))


@_rules_checked
def penalty_periods(ctx: Context) -> pl.DataFrame:
    """`penalty_periods`: the violation-point ledger (active points on every day that matters,
    termination, threshold crossings) and each threshold penalty with its start and end dates."""
    vp = ctx.params["tiktok_violation_points"]
    levels, pens = _threshold_tables(vp)
    _register(ctx, "tt_vp_thresholds", levels)
    _register(ctx, "tt_vp_penalties", pens)
    _materialize(ctx, "tiktok/points_daily", "tt_points_daily")
    _materialize(ctx, "tiktok/termination", "tt_termination", expiry_days=vp["expiry_days"],
                 terminate_at=vp["terminate_at"], terminated_statuses=vp["terminated_statuses"])
    _materialize(ctx, "tiktok/active_points", "tt_active_points", expiry_days=vp["expiry_days"],
                 no_reset_scope=vp["no_reset_scope"])
    _materialize(ctx, "tiktok/threshold_crossings", "tt_threshold_crossings")
    return _frame(ctx, "tiktok/penalty_periods")


@_rules_checked
def points(ctx: Context) -> pl.DataFrame:
    """`points`: one row per TikTok shop and date (reads the ledger built by penalty_periods)."""
    vp = ctx.params["tiktok_violation_points"]
    return _frame(ctx, "tiktok/points", warn_within=vp["warn_within"], linked_by=vp["linked_by"] or "")


# ------------------------------------------------------------------------------------ Star Shop

@_rules_checked
def star_shop(ctx: Context) -> pl.DataFrame:
    """`star_shop`: the US Star Shop criteria for the monthly period containing each as-of date."""
    s = ctx.params["star_shop_us"]
    w = s["early_warning"]
    return _frame(ctx, "tiktok/star_shop", regions=s["regions"], start_day=s["period_start_day"],
                  orders_since=ctx.since(int(s["orders_window_days"]) - 1),
                  active_statuses=s["active_statuses"], orders_days=s["orders_window_days"],
                  orders_window_end=s["orders_window_end"], completion_column=s["completion_column"],
                  min_orders=s["min_completed_orders"], min_rating=s["min_rating"],
                  max_points=s["max_points_exclusive"], fake_types=s["fake_violation_types"],
                  fake_scope=s["fake_scope"], expiry_days=ctx.params["tiktok_violation_points"]["expiry_days"],
                  orders_margin=w["orders_margin_ratio"], rating_margin=w["rating_margin"],
                  points_margin=w["points_margin"])


# -------------------------------------------------------------------------------------- summary

def shop_summary(results: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One line per TikTok shop and as-of date for a console or notebook overview: metrics that
    miss their target, metric points, violation points and Star Shop status (null outside the US)."""
    missed = (results["metrics"].filter(pl.col("meets_target") == False)  # noqa: E712 - null stays out
              .group_by("shop_id", "as_of").agg(pl.col("metric").sort().alias("metrics_missed")))
    mpts = (results["metric_points"].group_by("shop_id", "as_of")
            .agg(pl.col("points").sum().alias("metric_points"),
                 pl.col("metric").filter(pl.col("ovl_days").is_not_null()).sort().alias("order_volume_limits")))
    star = results.get("star_shop")
    out = (results["points"].select("shop_id", "as_of", "active_points", "projected_points", "threshold",
                                    "warning", "terminated")
           .join(missed, on=["shop_id", "as_of"], how="left")
           .join(mpts, on=["shop_id", "as_of"], how="left"))
    if star is not None:
        out = out.join(star.select("shop_id", "as_of", pl.col("eligible").alias("star_shop"),
                                   pl.col("failed").alias("star_shop_failed"), "early_warning"),
                       on=["shop_id", "as_of"], how="left")
    return out.with_columns(pl.col("metrics_missed").fill_null([]),
                            pl.col("metric_points").fill_null(0)).sort("shop_id", "as_of")
