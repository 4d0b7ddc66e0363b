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


def num(col: str | pl.Expr) -> pl.Expr:
    """A number as text: whole numbers without decimals (points are stored as floats)."""
    c = pl.col(col) if isinstance(col, str) else col
    return (pl.when(c.is_null()).then(pl.lit("none"))
            .when(c == c.round(0)).then(c.round(0).cast(pl.Int64).cast(pl.Utf8))
            .otherwise(c.round(1).cast(pl.Utf8)))


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
        action=pl.lit("Appeal the termination before the first-appeal deadline (APPEAL-1) or wind the shop down"),
        why=pl.format("{} active points: e-commerce permission revoked (VP-PERMANENT)", num("active_points")))
    penalised = points.filter(~pl.col("terminated") & (pl.col("threshold") >= 12)).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Plan around the {}-point penalties and avoid any new violation", num("threshold")),
        why=pl.format("{} active points; {}", num("active_points"),
                      pl.when(pl.col("penalties").list.len() > 0)
                      .then(pl.lit("in force: ") + pl.col("penalties").list.join(", "))
                      .otherwise(pl.lit("the threshold's penalty periods have ended"))))
    crossing = points.filter(~pl.col("terminated") & pl.col("next_threshold").is_not_null()
                             & (pl.col("projected_points") >= pl.col("next_threshold"))).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Fix SFCR/LDR now: the next scoring takes the shop to {} points", num("projected_points")),
        why=pl.format("projected {} ≥ next threshold {}", num("projected_points"), num("next_threshold")))
    targets = metrics.select("shop_id", "metric", "target")
    mp = metric_points.join(targets, on=["shop_id", "metric"], how="left")
    scored = mp.filter(pl.col("points") > 0).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Bring {} below {}", "metric", fmt_metric("metric", "target")),
        why=pl.format("{} at {} with {} orders: +{} points", "metric", fmt_metric("metric", "value"),
                      "count", num("points")))
    ovl = mp.filter(pl.col("ovl_days").fill_null(0) > 0).select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("Expect an order volume limit: at most {} orders a day for {} days",
                         pl.col("ovl_cap_orders_per_day").round(1), "ovl_days"),
        why=pl.format("{} cap {}% of the average daily orders", "metric",
                      (pl.col("ovl_cap_ratio") * 100).round(0)))
    warned = points.filter(pl.col("warning") & ~pl.col("terminated")).select(
        "shop_id", priority=pl.lit(2),
        action=pl.format("Stay clear of new violations: {} points to the {}-point threshold",
                         num(pl.col("next_threshold") - pl.col("active_points")), num("next_threshold")),
        why=pl.format("{} active points (VP-WARN)", num("active_points")))
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
        why=pl.format("{}/{} over the last {} days", num("numerator"), num("denominator"), "window_days"))
    return _actions(terminated, penalised, crossing, scored, ovl, warned, mp_warned, missed)


# --- 02 deposit refunds ---------------------------------------------------------------------

BLOCKER_ACTIONS = {  # deposit.blocker_reasons -> what the seller does about it (DEP-REFUND-COND)
    "documents_incomplete": "complete and correct the refund paperwork",
    "penalty_record": "resolve or appeal the penalty records",
    "arrears": "pay the arrears",
    "payouts_pending": "wait for the pending settlement payouts",
    "not_closed": "close the shop first",
}


def _cny(col: str | pl.Expr) -> pl.Expr:
    c = pl.col(col) if isinstance(col, str) else col
    return c.round(0).cast(pl.Int64).cast(pl.Utf8) + " CNY"


def deposit_status(deposit: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The deposit table with a `refund_status` per shop: open (not closed), nothing held (closed,
    balance 0: refunded already or never paid), blocked, due (eligible, before its due date),
    overdue (eligible, past it)."""
    closed = pl.col("closed_at").is_not_null()
    return deposit.with_columns(refund_status=(
        pl.when(~closed).then(pl.lit("open"))
        .when(pl.col("balance") <= 0).then(pl.lit("nothing held"))
        .when(~pl.col("refund_eligible")).then(pl.lit("blocked"))
        .when(pl.col("refund_due_by") < as_of).then(pl.lit("overdue"))
        .otherwise(pl.lit("due"))))


def deposit_story(deposit: pl.DataFrame, settlement: pl.DataFrame | None, as_of: dt.date, lifecycle: dict) -> str:
    """`lifecycle`: the resolved `douyin_lifecycle_cn` parameters (refund working days, re-opening)."""
    d = deposit_status(deposit, as_of)
    if d.height == 0:
        return f"As of {as_of} there is no Douyin shop in this selection: the deposit rules do not apply."
    open_ = d.filter(pl.col("refund_status") == "open")
    short = open_.filter(pl.col("shortfall") > 0)
    unknown = open_.filter(pl.col("required_deposit").is_null())
    closed = d.filter(pl.col("refund_status") != "open")
    by_status = closed.group_by("refund_status").len().sort("refund_status")
    parts = [f"As of **{as_of}**, {plural(d.height, 'Douyin shop')} hold {int(d['balance'].sum()):,} CNY of "
             f"deposits in all; {open_.height} open and {closed.height} closed."]
    if short.height:
        parts.append(f"**{plural(short.height, 'open shop')}** hold less than the required deposit "
                     f"(short by {int(short['shortfall'].sum()):,} CNY in all: {listing(short['shop_id'].sort().to_list())}).")
    elif open_.height:
        parts.append("Every open shop holds at least its required deposit.")
    if unknown.height:
        parts.append(f"For {plural(unknown.height, 'shop')} no required amount can be given "
                     f"({listing(unknown['required_deposit_reason'].unique().sort().to_list(), 3)}).")
    if closed.height:
        parts.append("Of the closed shops: " + listing([f"{n} {s}" for s, n in by_status.iter_rows()]) + ".")
        overdue = closed.filter(pl.col("refund_status") == "overdue")
        if overdue.height:
            parts.append(f"**{int(overdue['balance'].sum()):,} CNY** of refunds are past their due date "
                         f"({lifecycle['refund_working_days']} mainland-China working days after closure).")
        due = closed.filter(pl.col("refund_status") == "due")
        if due.height:
            parts.append(f"{int(due['balance'].sum()):,} CNY are due back by {due['refund_due_by'].max()}.")
    if settlement is not None and settlement.height:
        pending = settlement.filter(pl.col("pending"))
        if pending.height:
            parts.append(f"{plural(pending.height, 'order')} of {plural(pending['shop_id'].n_unique(), 'shop')} "
                         f"still wait for their settlement payout (next on {pending['payout_on'].min()}).")
    parts.append("The deposit amounts follow the 001 table (DEP-TABLE), not the \"600 a year\" mentioned "
                 "elsewhere in the same text.")
    return " ".join(parts)


def deposit_actions(deposit: pl.DataFrame, as_of: dt.date, lifecycle: dict) -> pl.DataFrame:
    d = deposit_status(deposit, as_of)
    top_up = d.filter((pl.col("refund_status") == "open") & (pl.col("shortfall") > 0)).select(
        "shop_id", priority=pl.lit(1), action=pl.format("Top up the deposit by {}", _cny("shortfall")),
        why=pl.format("balance {} < required {} ({}); DEP-OPEN", _cny("balance"), _cny("required_deposit"),
                      "required_deposit_reason"))
    unknown = d.filter((pl.col("refund_status") == "open") & pl.col("required_deposit").is_null()).select(
        "shop_id", priority=pl.lit(2), action=pl.lit("Check the shop's entity type and categories"),
        why=pl.format("no required deposit: {}", "required_deposit_reason"))
    overdue = d.filter(pl.col("refund_status") == "overdue").select(
        "shop_id", priority=pl.lit(1), action=pl.format("Chase the refund of {}", _cny("balance")),
        why=pl.format("due by {} (DEP-REFUND-DUE), {} days ago", "refund_due_by",
                      (pl.lit(as_of) - pl.col("refund_due_by")).dt.total_days()))
    blocked = d.filter(pl.col("refund_status") == "blocked").select(
        "shop_id", priority=pl.lit(1),
        action=pl.format("To get {} back: {}", _cny("balance"),
                         pl.col("blocker_reasons").list.eval(
                             pl.element().replace(BLOCKER_ACTIONS)).list.join(", ")),
        why=pl.format("blocked by {} (penalty records {}, arrears {}, pending payouts {})",
                      pl.col("blockers").list.join(", "), "penalty_records", "arrears", "pending_payouts"))
    due = d.filter(pl.col("refund_status") == "due").select(
        "shop_id", priority=pl.lit(3), action=pl.format("Expect {} back by {}", _cny("balance"), "refund_due_by"),
        why=pl.format("closed on {}; {} working days (DEP-REFUND-DUE)", "closed_at",
                      pl.lit(str(lifecycle["refund_working_days"]))))
    reopen = d.filter(pl.col("closed_at").is_not_null()).select(
        "shop_id", priority=pl.lit(3),
        action=pl.when(pl.col("reopen_from") <= as_of).then(pl.lit("May reopen now with the original account"))
        .otherwise(pl.format("May reopen from {} with the original account", "reopen_from")),
        why=pl.format("closed on {} (DEP-REOPEN: {} months)", "closed_at", pl.lit(str(lifecycle["reopen_months"]))))
    return _actions(top_up, unknown, overdue, blocked, due, reopen)


def refund_timeline(deposit: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Closed shops' dates as rows (`shop_id`, `event`, `date`, `status`) for charts.refund_timeline."""
    d = deposit_status(deposit, as_of).filter(pl.col("closed_at").is_not_null())
    return (d.select("shop_id", pl.col("refund_status").alias("status"),
                     pl.col("closed_at").cast(pl.Date).alias("closed"),
                     pl.col("refund_due_by").cast(pl.Date).alias("refund due"),
                     pl.col("reopen_from").cast(pl.Date).alias("may reopen"))
            .unpivot(index=["shop_id", "status"], variable_name="event", value_name="date")
            .filter(pl.col("date").is_not_null()).sort(["shop_id", "date"]))


# --- 03 fake transactions -------------------------------------------------------------------

def signal_counts(fake: pl.DataFrame) -> pl.DataFrame:
    """Suspected orders per FT-* signal (`signal`, `orders`)."""
    return (fake.filter(pl.col("suspected")).select("order_id", "signals").explode("signals")
            .group_by(pl.col("signals").alias("signal")).agg(orders=pl.col("order_id").n_unique())
            .sort(["orders", "signal"], descending=[True, False]))


def exposure(fake: pl.DataFrame, orders_per_shop: pl.DataFrame) -> pl.DataFrame:
    """Per shop: examined orders, suspected orders and their share (`orders_per_shop`: shop_id,
    orders)."""
    s = fake.filter(pl.col("suspected")).group_by("shop_id").agg(suspected_orders=pl.len())
    return (orders_per_shop.select("shop_id", "orders").join(s, on="shop_id", how="left")
            .with_columns(pl.col("suspected_orders").fill_null(0))
            .with_columns(share=pl.col("suspected_orders") / pl.col("orders"))
            .sort(["share", "shop_id"], descending=[True, False]))


def fraud_story(fake: pl.DataFrame, per_shop: pl.DataFrame, groups: pl.DataFrame | None,
                threshold: float, as_of: dt.date, window_days: int) -> str:
    examined = int(per_shop["orders"].sum()) if per_shop.height else 0
    suspected = fake.filter(pl.col("suspected"))
    parts = [f"Over the {window_days} days up to **{as_of}**, {examined:,} orders of "
             f"{plural(per_shop.height, 'shop')} were examined; {fake.height:,} triggered at least one "
             f"signal and **{suspected.height:,}** score at least {threshold} (suspected)."]
    if suspected.height:
        hit = per_shop.filter(pl.col("suspected_orders") > 0)
        worst = hit.row(0, named=True)
        parts.append(f"They sit in {plural(hit.height, 'shop')}; the most exposed is {worst['shop_id']} "
                     f"with {worst['suspected_orders']} suspected of {worst['orders']} orders "
                     f"({worst['share']:.1%}).")
        counts = signal_counts(fake)
        parts.append("Evidence: " + listing([f"{s} on {n} orders" for s, n in counts.iter_rows()]) + ".")
        if groups is not None and groups.height:
            parts.append(f"Buyer groups (accounts linked by a shared address, phone or device) holding suspected "
                         f"orders: {groups.height}; the largest holds {groups['suspected_orders'].max()}.")
        parts.append("A shop found with fake transactions risks its proceeds being withheld for the longer of "
                     "the hold period and the investigation (HOLD-FAKE).")
    else:
        parts.append("No order reaches the threshold.")
    return " ".join(parts)


def fraud_actions(per_shop: pl.DataFrame, groups: pl.DataFrame | None) -> pl.DataFrame:
    shops = per_shop.filter(pl.col("suspected_orders") > 0).select(
        "shop_id", priority=pl.when(pl.col("share") >= 0.05).then(1).otherwise(2),
        action=pl.format("Review the {} suspected orders and stop the accounts behind them", "suspected_orders"),
        why=pl.format("{}% of the shop's {} orders; proceeds may be withheld (HOLD-FAKE)",
                      (pl.col("share") * 100).round(1), "orders"))
    frames = [shops]
    if groups is not None and groups.height:
        # rings of several linked accounts, the three largest per shop (single accounts are
        # covered by the order review above)
        rings = (groups.filter(pl.col("accounts") >= 2)
                 .sort(["suspected_orders", "group_id"], descending=[True, False])
                 .group_by("shop_id", maintain_order=True).head(3))
        frames.append(rings.select(
            "shop_id", priority=pl.lit(2),
            action=pl.format("Stop buyer group {} ({} linked accounts, {} suspected orders)", "group_id",
                             "accounts", "suspected_orders"),
            why=pl.col("explanation").str.slice(0, 160)))
    return _actions(*frames)


def ring_edges(fake: pl.DataFrame, group_orders: pl.DataFrame) -> pl.DataFrame:
    """Buyer × product edges of a buyer group (`group_orders`: order_id, buyer_id, product_id of
    every order of the group's accounts in the shop); an edge is `suspected` when any of its
    orders is."""
    sus = fake.filter(pl.col("suspected")).select("order_id", flag=pl.lit(True))
    return (group_orders.join(sus, on="order_id", how="left")
            .group_by("buyer_id", "product_id")
            .agg(orders=pl.col("order_id").n_unique(), suspected=pl.col("flag").fill_null(False).any())
            .sort("buyer_id", "product_id"))


def detector_quality_story(quality: pl.DataFrame) -> str:
    """What `fraud.measure.scores` says, in words: overall precision/recall, the weakest planted
    pattern and the false alarms on honest look-alikes."""
    overall = quality.filter(pl.col("pattern") == "overall")
    if overall.height == 0 or overall["orders"][0] == 0:
        return "No examined order carries a planted label: nothing to measure."
    o = overall.row(0, named=True)

    def pct(v):
        return "n/a" if v is None else f"{v:.1%}"

    parts = [f"On this synthetic data, with its planted labels, the detector reaches **precision {pct(o['precision'])}** "
             f"and **recall {pct(o['recall'])}** (F1 {pct(o['f1'])}) over {o['orders']:,} examined orders "
             f"({o['false_positives']} false alarms)."]
    fakes = quality.filter(pl.col("is_fake") == True).sort("recall", nulls_last=True)  # noqa: E712
    if fakes.height:
        w = fakes.row(0, named=True)
        if w["recall"] is not None and w["recall"] >= 1:
            parts.append(f"Every planted pattern ({plural(fakes.height, 'pattern')}) is found in full.")
        else:
            parts.append(f"The hardest planted pattern is *{w['pattern']}* (recall {pct(w['recall'])} "
                         f"of {w['orders']} orders).")
    honest = quality.filter(pl.col("is_fake") == False)  # noqa: E712
    if honest.height:
        parts.append("Honest look-alikes flagged: "
                     + listing([f"{p} {fp} of {n}" for p, fp, n in
                                honest.select("pattern", "false_positives", "orders").iter_rows()]) + ".")
    return " ".join(parts)


# --- 01 Star Shop ---------------------------------------------------------------------------

STAR_CRITERIA = ["SS-ACTIVE", "SS-GRAD", "SS-ORDERS", "SS-RATING", "SS-POINTS", "SS-FAKE"]


def star_shop_criteria(star: pl.DataFrame) -> pl.DataFrame:
    """One row per shop and criterion: `status` (pass, at risk, fail) and the measured `value`."""
    def one(criterion: str, ok: str, value: pl.Expr) -> pl.DataFrame:
        return star.select(
            "shop_id", criterion=pl.lit(criterion),
            status=pl.when(~pl.col(ok)).then(pl.lit("fail"))
            .when(pl.col("at_risk").list.contains(criterion)).then(pl.lit("at risk"))
            .otherwise(pl.lit("pass")),
            value=value.cast(pl.Utf8).fill_null("none"))
    return pl.concat([
        one("SS-ACTIVE", "active_ok", pl.col("status")),
        one("SS-GRAD", "graduated_ok", pl.format("graduated {}", pl.col("graduated_at"))),
        one("SS-ORDERS", "orders_ok", pl.format("{} orders completed", "completed_orders")),
        one("SS-RATING", "rating_ok", pl.format("rating {}", pl.col("rating").round(2))),
        one("SS-POINTS", "points_ok", pl.format("{} active points", num("active_points"))),
        one("SS-FAKE", "fake_ok", pl.format("{} fake/counterfeit violations", "fake_violations")),
    ])


def star_shop_story(star: pl.DataFrame, as_of: dt.date) -> str:
    if star.height == 0:
        return (f"As of {as_of} there is no TikTok shop of a Star Shop region (US) in this selection: "
                f"the programme does not apply.")
    period_start, period_end = star["period_start"].min(), star["period_end"].max()
    eligible = star.filter(pl.col("eligible"))
    risk = star.filter(pl.col("early_warning"))
    failed = star.filter(~pl.col("eligible"))
    by_criterion = (failed.select("shop_id", "failed").explode("failed").group_by("failed").len()
                    .sort(["len", "failed"], descending=[True, False]))
    one_short = failed.filter(pl.col("failed").list.len() == 1)
    days_left = (period_end - as_of).days
    parts = [f"Evaluation period **{period_start} to {period_end}** ({plural(days_left, 'day')} left after "
             f"{as_of}). Of {plural(star.height, 'shop')}, **{eligible.height} meet every criterion** and "
             f"{failed.height} do not."]
    if failed.height:
        parts.append("Criteria missed: " + listing([f"{c} by {n}" for c, n in by_criterion.iter_rows()]) + ".")
    if risk.height:
        parts.append(f"Eligible but close to losing the badge: **{risk.height}** "
                     f"({listing(risk['shop_id'].sort().to_list())}).")
    if one_short.height:
        parts.append(f"{plural(one_short.height, 'shop')} miss a single criterion and could gain the badge "
                     f"this period: {listing(one_short['shop_id'].sort().to_list())}.")
    return " ".join(parts)


def star_shop_actions(star: pl.DataFrame, rules: dict) -> pl.DataFrame:
    """What each shop must change, and by when (the period's last day), criterion by criterion.
    `rules`: the resolved `star_shop_us` parameters."""
    min_orders, min_rating = rules["min_completed_orders"], rules["min_rating"]
    max_points = rules["max_points_exclusive"]
    failing = (star.filter(~pl.col("eligible")).with_columns(failed_count=pl.col("failed").list.len())
               .explode("failed").rename({"failed": "criterion"}))
    risky = star.filter(pl.col("early_warning")).explode("at_risk").rename({"at_risk": "criterion"})

    def what(c: pl.Expr) -> pl.Expr:
        return (pl.when(c == "SS-ACTIVE").then(pl.format("Bring the shop back to active (now {})", "status"))
                .when(c == "SS-GRAD").then(pl.lit("Graduate from the new-seller stage"))
                .when(c == "SS-ORDERS").then(pl.format("Complete at least {} more orders by {}",
                                                       (pl.lit(min_orders) - pl.col("completed_orders")).clip(0),
                                                       "period_end"))
                .when(c == "SS-RATING").then(pl.format("Raise the shop rating to {} by {}", pl.lit(min_rating), "period_end"))
                .when(c == "SS-POINTS").then(pl.format(
                    "Get below {} active points: appeal, or wait for points to expire (VP-EXPIRE)", pl.lit(max_points)))
                .when(c == "SS-FAKE").then(pl.lit("Appeal the fake/counterfeit violations (APPEAL-1/2) or wait for them to expire"))
                .otherwise(pl.lit("Check the criterion")))

    def why(c: pl.Expr) -> pl.Expr:
        return (pl.when(c == "SS-ORDERS").then(pl.format("{} completed orders, {} needed", "completed_orders", pl.lit(min_orders)))
                .when(c == "SS-RATING").then(pl.format("rating {}, {} needed", pl.col("rating").round(2).cast(pl.Utf8).fill_null("none"),
                                                       pl.lit(min_rating)))
                .when(c == "SS-POINTS").then(pl.format("{} active points", num("active_points")))
                .when(c == "SS-FAKE").then(pl.format("{} active fake/counterfeit violations", "fake_violations"))
                .when(c == "SS-GRAD").then(pl.lit("not graduated"))
                .otherwise(pl.format("status {}", "status")))

    fail_rows = failing.select("shop_id", priority=pl.when(pl.col("failed_count") <= 1).then(1).otherwise(2),
                               action=what(pl.col("criterion")),
                               why=pl.lit("fails ") + pl.col("criterion") + ": " + why(pl.col("criterion")))
    risk_rows = risky.select("shop_id", priority=pl.lit(2),
                             action=pl.lit("Keep the badge: watch ") + pl.col("criterion"),
                             why=pl.lit("close to the limit: ") + why(pl.col("criterion")))
    return _actions(fail_rows, risk_rows)


def star_shop_rules_text(rules: dict) -> str:
    """The Star Shop criteria in force, from the resolved `star_shop_us` parameters."""
    fake = ", ".join(str(t).replace("_", " ") for t in rules["fake_violation_types"])
    return (f"Criteria in force: status {' or '.join(rules['active_statuses'])} (SS-ACTIVE); graduated from the "
            f"new-seller stage (SS-GRAD); at least {rules['min_completed_orders']} completed orders in "
            f"{rules['orders_window_days']} days (SS-ORDERS); shop rating at least {rules['min_rating']} "
            f"(SS-RATING); fewer than {rules['max_points_exclusive']} active violation points (SS-POINTS); no "
            f"{rules['fake_scope']} {fake} violation (SS-FAKE).")
