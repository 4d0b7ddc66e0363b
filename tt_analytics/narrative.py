"""The sentences and "what to do" lists of the curated notebooks, computed from output tables.

A notebook cell only calls these and displays the result: every number in a notebook's text comes
from the data through here, and the same wording is testable without running a notebook. Each
`*_story` returns Markdown; each `*_actions` returns a DataFrame (`shop_id`, `priority` 1 = today,
2 = this week, 3 = keep an eye on it, `action`, `why`) and `todo_markdown` turns it into a list.
All of it is column expressions over whole tables (no loops over shops or rows).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

MINUTE_METRICS = {"CS-FRT"}  # metrics measured in minutes; every other metric is a ratio
ACTIONS_SCHEMA = {"shop_id": pl.Utf8, "priority": pl.Int64, "action": pl.Utf8, "why": pl.Utf8}


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def listing(items: list[str], limit: int = 8) -> str:
    """'a, b and c' (and 'and N more' past `limit`)."""
    items = [str(i) for i in items]
    if len(items) > limit:
        items = items[:limit] + [f"{len(items) - limit} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "none"


def fmt_metric(metric: pl.Expr | str, value: pl.Expr | str) -> pl.Expr:
    """A metric value as text: minutes for response times, a percentage for rates."""
    metric = pl.col(metric) if isinstance(metric, str) else metric
    value = pl.col(value) if isinstance(value, str) else value
    return (pl.when(value.is_null()).then(pl.lit("n/a"))
            .when(metric.is_in(list(MINUTE_METRICS))).then(value.round(0).cast(pl.Int64).cast(pl.Utf8) + " min")
            .otherwise((value * 100).round(2).cast(pl.Utf8) + "%"))


def _actions(*frames: pl.DataFrame) -> pl.DataFrame:
    frames = [f.select(list(ACTIONS_SCHEMA)).cast(ACTIONS_SCHEMA) for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=ACTIONS_SCHEMA)
    return pl.concat(frames).sort(["priority", "shop_id", "action"])


def todo_markdown(actions: pl.DataFrame, limit_shops: int = 15) -> str:
    """A Markdown list: one bullet per shop (most urgent first) with its actions and reasons."""
    if actions.height == 0:
        return "Nothing to do: no shop in this selection needs action."
    per_shop = (actions.sort(["priority", "shop_id"])
                .with_columns(item=pl.col("action") + " (" + pl.col("why") + ")")
                .group_by("shop_id", maintain_order=True)
                .agg(pl.col("priority").min(), pl.col("item")))
    per_shop = per_shop.with_columns(
        line=pl.format("- **{}** ({}): {}", "shop_id",
                       pl.col("priority").replace_strict({1: "today", 2: "this week", 3: "watch"}, default="watch"),
                       pl.col("item").list.join("; ")))
    lines = per_shop["line"].head(limit_shops).to_list()
    more = per_shop.height - len(lines)
    if more > 0:
        lines.append(f"- … and {plural(more, 'more shop')}: see the full table above.")
    return "\n".join(lines)


# --- 00 shop health -------------------------------------------------------------------------

def metric_table(metrics: pl.DataFrame) -> pl.DataFrame:
    """One row per shop, one column per metric: the value as text, with ✗ where the target is missed."""
    df = metrics.with_columns(
        cell=fmt_metric("metric", "value") + pl.when(pl.col("meets_target") == False).then(pl.lit(" ✗"))  # noqa: E712
        .otherwise(pl.lit("")))
    order = [m for m in ["CS-FRT", "CS-RR24", "CS-RR48", "NRR", "DLR", "RRR", "SFCR", "LDR", "DRR"]
             if m in set(df["metric"].to_list())]
    order += sorted(set(df["metric"].to_list()) - set(order))
    wide = df.pivot(on="metric", index="shop_id", values="cell", aggregate_function="first")
    missed = metrics.group_by("shop_id").agg(missed=(pl.col("meets_target") == False).sum())  # noqa: E712
    return wide.join(missed, on="shop_id").select("shop_id", "missed", *[m for m in order if m in wide.columns]) \
        .sort(["missed", "shop_id"], descending=[True, False])


def shop_health_story(as_of: dt.date, shops: pl.DataFrame, metrics: pl.DataFrame,
                      metric_points: pl.DataFrame, points: pl.DataFrame) -> str:
    """The opening paragraph of the shop-health notebook."""
    n = points["shop_id"].n_unique() if points.height else metrics["shop_id"].n_unique()
    if n == 0:
        return (f"As of {as_of} there is no TikTok shop in this selection "
                f"({plural(shops.height, 'shop')} selected in all), so no TikTok metric applies.")
    failing = metrics.filter(pl.col("meets_target") == False)  # noqa: E712
    by_metric = failing.group_by("metric").agg(pl.col("shop_id").n_unique().alias("n")).sort(["n", "metric"], descending=[True, False])
    scored = metric_points.filter(pl.col("points") > 0)
    ovl = metric_points.filter(pl.col("ovl_days").fill_null(0) > 0)
    reached = points.filter(pl.col("threshold") >= 12)
    by_threshold = reached.group_by("threshold").len().sort("threshold")
    terminated = points.filter(pl.col("terminated"))
    warned = points.filter(pl.col("warning") & ~pl.col("terminated"))
    crossing = points.filter(~pl.col("terminated") & pl.col("next_threshold").is_not_null()
                             & (pl.col("projected_points") >= pl.col("next_threshold")))
    parts = [f"As of **{as_of}**, {plural(n, 'TikTok shop')} were evaluated."]
    if failing.height:
        parts.append(f"**{plural(failing['shop_id'].n_unique(), 'shop')}** miss at least one metric target "
                     f"({listing([f'{m} {k}' for m, k in by_metric.iter_rows()])}).")
    else:
        parts.append("Every shop meets every metric target that applies to it.")
    if scored.height:
        parts.append(f"Their current SFCR and LDR would add **{int(scored['points'].sum())} violation points** "
                     f"to {plural(scored['shop_id'].n_unique(), 'shop')}.")
    if ovl.height:
        parts.append(f"{plural(ovl['shop_id'].n_unique(), 'shop')} would be put under an order volume limit.")
    if reached.height:
        parts.append(f"{plural(reached.height, 'shop')} have reached a penalty threshold "
                     f"({listing([f'{k} at {t}' for t, k in by_threshold.iter_rows()])})"
                     + (f", {len(terminated)} of them terminated." if terminated.height else "."))
    else:
        parts.append("No shop has reached 12 active violation points.")
    if warned.height:
        parts.append(f"{plural(warned.height, 'shop')} are within 5 points of the next threshold (formal warning).")
    if crossing.height:
        parts.append(f"**{plural(crossing.height, 'shop')}** would cross the next threshold if the current "
                     f"metrics were scored: {listing(crossing['shop_id'].sort().to_list())}.")
    return " ".join(parts)


def shop_health_actions(metrics: pl.DataFrame, metric_points: pl.DataFrame,
                        points: pl.DataFrame) -> pl.DataFrame:
    """What each shop should do, most urgent first, with the numbers behind it."""
    terminated = points.filter(pl.col("terminated")).select(
        "shop_id", priority=pl.lit(1),
        action=pl.lit("Appeal the termination within 30 days of the notice (APPEAL-1) or wind the shop down"),
        why=pl.format("{} active points: e-commerce permission revoked (VP-PERMANENT)", "active_points"))
    penalised = points.filter(~pl.col("terminated") & (pl.col("threshold") >= 12)).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Plan around the {}-point penalties and avoid any new violation", "threshold"),
        why=pl.format("{} active points; in force: {}", "active_points",
                      pl.col("penalties").list.join(", ")))
    crossing = points.filter(~pl.col("terminated") & pl.col("next_threshold").is_not_null()
                             & (pl.col("projected_points") >= pl.col("next_threshold"))).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Fix SFCR/LDR now: the next scoring takes the shop to {} points", "projected_points"),
        why=pl.format("projected {} ≥ next threshold {}", "projected_points", "next_threshold"))
    targets = metrics.select("shop_id", "metric", "target")
    mp = metric_points.join(targets, on=["shop_id", "metric"], how="left")
    scored = mp.filter(pl.col("points") > 0).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Bring {} below {}", "metric", fmt_metric("metric", "target")),
        why=pl.format("{} at {} with {} orders: +{} points", "metric", fmt_metric("metric", "value"),
                      "count", "points"))
    ovl = mp.filter(pl.col("ovl_days").fill_null(0) > 0).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Expect an order volume limit: at most {} orders a day for {} days",
                         pl.col("ovl_cap_orders_per_day").round(1), "ovl_days"),
        why=pl.format("{} cap {}% of the average daily orders", "metric",
                      (pl.col("ovl_cap_ratio") * 100).round(0)))
    warned = points.filter(pl.col("warning") & ~pl.col("terminated")).select(
        "shop_id", priority=pl.lit(2),
        action=pl.format("Stay clear of new violations: {} points to the {}-point threshold",
                         pl.col("next_threshold") - pl.col("active_points"), "next_threshold"),
        why=pl.format("{} active points (VP-WARN)", "active_points"))
    mp_warned = mp.filter(pl.col("warning") & (pl.col("points").fill_null(0) == 0)).select(
        "shop_id", priority=pl.lit(2),
        action=pl.format("Bring {} back under {}", "metric", fmt_metric("metric", "target")),
        why=pl.format("{} at {}: warning band", "metric", fmt_metric("metric", "value")))
    scored_keys = mp.filter((pl.col("points") > 0) | pl.col("warning")).select("shop_id", "metric")
    missed = metrics.filter(pl.col("meets_target") == False).join(  # noqa: E712
        scored_keys, on=["shop_id", "metric"], how="anti").select(
        "shop_id", priority=pl.when(pl.col("metric").is_in(["SFCR", "LDR"])).then(2).otherwise(3),
        action=pl.format("Bring {} from {} to {} ({})", "metric", fmt_metric("metric", "value"),
                         fmt_metric("metric", "target"),
                         pl.when(pl.col("value") > pl.col("target")).then(pl.lit("lower")).otherwise(pl.lit("higher"))),
        why=pl.format("{}/{} over the last {} days", "numerator", "denominator", "window_days"))
    return _actions(terminated, penalised, crossing, scored, ovl, warned, mp_warned, missed)
