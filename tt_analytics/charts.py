"""Altair charts for the curated notebooks, built from output tables (Polars DataFrames).

Every function takes output tables as the contract defines them and returns an Altair chart; no
chart computes a rule. Data is aggregated before charting where it would otherwise embed
thousands of rows into the HTML report (score histograms, for example).
"""
from __future__ import annotations

import altair as alt
import polars as pl

POINT_BANDS = [  # (from, to, label, colour): the VP-T12/24/36/48 thresholds of RULES.md §1
    (0, 12, "below 12", "#e6f4ea"),
    (12, 24, "12+: no campaigns", "#fff4ce"),
    (24, 36, "24+: affiliate, listing, campaign bans", "#ffe0b2"),
    (36, 48, "36+: shop access suspended", "#ffccbc"),
    (48, 60, "48+: terminated", "#ef9a9a"),
]
PASS_FAIL = alt.Scale(domain=["pass", "at risk", "fail", "n/a"], range=["#2e7d32", "#f9a825", "#c62828", "#bdbdbd"])


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Drop list and struct columns (Vega-Lite data is flat) and make decimals floats (JSON)."""
    return df.select([pl.col(c).cast(pl.Float64) if isinstance(t, pl.Decimal) else pl.col(c)
                      for c, t in df.schema.items() if not isinstance(t, (pl.List, pl.Struct, pl.Array))])


def metric_vs_target(metrics: pl.DataFrame) -> alt.Chart:
    """Each shop's value of each metric as of the date, against the metric's target (red rule)."""
    df = _plain(metrics).filter(pl.col("value").is_not_null()).with_columns(
        status=pl.when(pl.col("meets_target").is_null()).then(pl.lit("n/a"))
        .when(pl.col("meets_target")).then(pl.lit("pass")).otherwise(pl.lit("fail")))
    base = alt.Chart(df)
    bars = base.mark_bar().encode(
        x=alt.X("shop_id:N", sort="ascending", title=None, axis=alt.Axis(labels=df["shop_id"].n_unique() <= 30)),
        y=alt.Y("value:Q", title="value"),
        color=alt.Color("status:N", scale=PASS_FAIL, title="target"),
        tooltip=["shop_id", "metric", "value", "numerator", "denominator", "target", "meets_target"])
    target = base.mark_rule(color="#c62828", strokeDash=[4, 3]).encode(y="mean(target):Q")
    return (alt.layer(bars, target).properties(width=260, height=140)
            .facet(facet=alt.Facet("metric:N", title=None), columns=3)
            .resolve_scale(y="independent")
            .properties(title="Every metric of every shop against its target (dashed line)"))


def metric_trend(series_metrics: pl.DataFrame, pairs: pl.DataFrame | None = None, limit: int = 24) -> alt.Chart:
    """Metric values over the as-of dates of a series run, one line per shop, with the target line.
    `pairs` (`shop_id`, `metric`): only those shop-metric lines (e.g. the targets missed today),
    at most `limit` of them."""
    df = _plain(series_metrics)
    if pairs is not None:
        df = df.join(pairs.select("shop_id", "metric").unique().sort("metric", "shop_id").head(limit),
                     on=["shop_id", "metric"], how="semi")
    base = alt.Chart(df)
    lines = base.mark_line(point=True).encode(
        x=alt.X("as_of:T", title="as of", axis=alt.Axis(format="%b %d")), y=alt.Y("value:Q", title="value"),
        color=alt.Color("shop_id:N", title="shop"),
        tooltip=["shop_id", "metric", "as_of", "value", "numerator", "denominator", "target"])
    target = base.mark_rule(color="#c62828", strokeDash=[4, 3]).encode(y="mean(target):Q")
    return (alt.layer(lines, target).properties(width=300, height=160)
            .facet(facet=alt.Facet("metric:N", title=None), columns=2)
            .resolve_scale(y="independent")
            .properties(title="Metric trends of the targets missed today, against the target (dashed line)"))


def _bands(top: float) -> alt.Chart:
    bands = pl.DataFrame([{"from": a, "to": min(b, max(top, 50)), "band": label, "colour": c}
                          for a, b, label, c in POINT_BANDS if a < max(top, 50)])
    return alt.Chart(bands).mark_rect(opacity=0.6).encode(
        y=alt.Y("from:Q", title="violation points"), y2="to:Q",
        color=alt.Color("band:N", scale=alt.Scale(domain=[b[2] for b in POINT_BANDS],
                                                  range=[b[3] for b in POINT_BANDS]),
                        title="threshold band"))


def points_over_time(series_points: pl.DataFrame, shop_ids: list[str] | None = None) -> alt.Chart:
    """Active violation points per shop over the as-of dates, over the 12/24/36/48 bands."""
    df = _plain(series_points)
    if shop_ids:
        df = df.filter(pl.col("shop_id").is_in(shop_ids))
    top = float(df["active_points"].max() or 0) + 4
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("as_of:T", title="as of", axis=alt.Axis(format="%b %d")), y="active_points:Q",
        color=alt.Color("shop_id:N", title="shop", scale=alt.Scale(scheme="dark2")),
        tooltip=["shop_id", "as_of", "active_points", "projected_points", "threshold"])
    bands = _bands(top).encode(x=alt.value(0), x2=alt.value(600))
    return alt.layer(bands, lines).resolve_scale(color="independent").properties(
        width=600, height=260, title="Active violation points over time, with the threshold bands")


def points_now(points: pl.DataFrame) -> alt.Chart:
    """Active and projected points per shop as of the date, over the 12/24/36/48 bands."""
    df = _plain(points).select("shop_id", "active_points", "projected_points").unpivot(
        index="shop_id", variable_name="kind", value_name="points")
    top = float(df["points"].max() or 0) + 4
    shops = sorted(df["shop_id"].unique().to_list())
    bands = _bands(top).encode(x=alt.value(0), x2=alt.value("width"))
    marks = alt.Chart(df).mark_tick(thickness=3, size=14).encode(
        x=alt.X("shop_id:N", sort=shops, title=None, axis=alt.Axis(labels=len(shops) <= 40)),
        y=alt.Y("points:Q"),
        shape=alt.Shape("kind:N"), color=alt.Color("kind:N", scale=alt.Scale(range=["black", "#6a1b9a"])),
        tooltip=["shop_id", "kind", "points"])
    return (alt.layer(bands, marks).resolve_scale(color="independent")
            .properties(width=max(300, 14 * len(shops)), height=260,
                        title="Active points (now) and projected points (if the current metrics are scored)"))


def eligibility_heatmap(criteria: pl.DataFrame) -> alt.Chart:
    """Shops × criteria, pass or fail, with the measured value in the tooltip.

    `criteria`: one row per shop and criterion with `shop_id`, `criterion`, `status` (pass/fail),
    `value` (text) — see `narrative.star_shop_criteria`."""
    shops = criteria.group_by("shop_id").agg((pl.col("status") == "fail").sum().alias("n")) \
        .sort(["n", "shop_id"], descending=[True, False])["shop_id"].to_list()
    return alt.Chart(_plain(criteria)).mark_rect(stroke="white").encode(
        x=alt.X("criterion:N", title=None, sort=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("shop_id:N", sort=shops, title=None),
        color=alt.Color("status:N", scale=PASS_FAIL, title=None),
        tooltip=["shop_id", "criterion", "status", "value"],
    ).properties(width=420, height=max(120, 14 * len(shops)),
                 title="Star Shop criteria per shop (most failures first)")


def refund_timeline(timeline: pl.DataFrame, as_of) -> alt.Chart:
    """Closed shops: closure, refund due date and re-opening date on one line each; today marked.

    `timeline`: `shop_id`, `event` (closed, refund due, may reopen), `date`, `status`
    — see `narrative.refund_timeline`."""
    shops = timeline.sort("date")["shop_id"].unique(maintain_order=True).to_list()
    base = alt.Chart(_plain(timeline))
    span = base.mark_rule(color="#9e9e9e").encode(
        y=alt.Y("shop_id:N", sort=shops, title=None), x="min(date):T", x2="max(date):T")
    points = base.mark_point(filled=True, size=90).encode(
        y=alt.Y("shop_id:N", sort=shops), x=alt.X("date:T", title=None),
        shape=alt.Shape("event:N", title=None),
        color=alt.Color("status:N", title="refund", scale=alt.Scale(
            domain=["due", "overdue", "blocked", "nothing held"], range=["#2e7d32", "#c62828", "#ef6c00", "#9e9e9e"])),
        tooltip=["shop_id", "event", "date", "status"])
    today = alt.Chart(pl.DataFrame({"as_of": [as_of]})).mark_rule(color="#1565c0", strokeDash=[2, 2]) \
        .encode(x="as_of:T")
    return alt.layer(span, points, today).properties(
        width=600, height=max(100, 22 * len(shops)),
        title="Deposit refunds of closed shops: closed → refund due (DEP-REFUND-DUE) → may reopen (DEP-REOPEN); blue: today")


def ring_graph(edges: pl.DataFrame, title: str = "Buyers and products of a suspected ring") -> alt.Chart:
    """A buyer × product bipartite graph: buyers on the left, products on the right, a line per
    (buyer, product) pair weighted by orders; suspected edges in red.

    `edges`: `buyer_id`, `product_id`, `orders`, `suspected` (bool)."""
    buyers = edges.group_by("buyer_id").agg(pl.col("orders").sum()).sort(["orders", "buyer_id"], descending=[True, False])
    products = edges.group_by("product_id").agg(pl.col("orders").sum()).sort(["orders", "product_id"], descending=[True, False])
    n = max(buyers.height, products.height, 1)

    def spread(df: pl.DataFrame) -> pl.Expr:  # even vertical spacing over the taller column
        return (pl.int_range(pl.len()) + 0.5) * (n / max(df.height, 1))

    bpos = buyers.with_columns(by=spread(buyers)).select("buyer_id", "by")
    ppos = products.with_columns(py=spread(products)).select("product_id", "py")
    e = edges.join(bpos, on="buyer_id").join(ppos, on="product_id").with_columns(
        bx=pl.lit(0.0), px=pl.lit(1.0), link=pl.when(pl.col("suspected")).then(pl.lit("suspected"))
        .otherwise(pl.lit("other")))
    nodes = pl.concat([
        bpos.select(node=pl.col("buyer_id"), x=pl.lit(0.0), y=pl.col("by"), kind=pl.lit("buyer")),
        ppos.select(node=pl.col("product_id"), x=pl.lit(1.0), y=pl.col("py"), kind=pl.lit("product"))])
    x = alt.X("bx:Q", axis=None, scale=alt.Scale(domain=[-0.35, 1.35]))
    y = alt.Y("by:Q", axis=None, scale=alt.Scale(reverse=True))
    links = alt.Chart(_plain(e)).mark_rule().encode(
        x=x, y=y, x2="px:Q", y2="py:Q",
        strokeWidth=alt.StrokeWidth("orders:Q", scale=alt.Scale(range=[0.5, 5]), title="orders on the edge"),
        color=alt.Color("link:N", scale=alt.Scale(domain=["suspected", "other"], range=["#c62828", "#bdbdbd"]),
                        title="edge"),
        tooltip=["buyer_id", "product_id", "orders", "suspected"])
    nx = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.35, 1.35]))
    ny = alt.Y("y:Q", axis=None, scale=alt.Scale(reverse=True))
    dots = alt.Chart(_plain(nodes)).mark_circle(size=120).encode(
        x=nx, y=ny, shape=alt.Shape("kind:N", title=None),
        tooltip=["kind", "node"])
    labels = alt.Chart(_plain(nodes)).mark_text(fontSize=10, dx=-8, align="right").encode(
        x=nx, y=ny, text="node:N").transform_filter(alt.datum.kind == "buyer")
    plabels = alt.Chart(_plain(nodes)).mark_text(fontSize=10, dx=8, align="left").encode(
        x=nx, y=ny, text="node:N").transform_filter(alt.datum.kind == "product")
    return alt.layer(links, dots, labels, plabels).properties(
        width=520, height=max(160, 18 * n), title=title)


def score_distribution(scores: pl.DataFrame, threshold: float | None = None, bins: int = 40,
                       unscored: int = 0) -> alt.Chart:
    """How many orders got each score (log scale), suspected ones in red; the threshold as a rule.
    `unscored`: examined orders without a row (score 0, no signal). Binned here so a million
    orders still make a small chart."""
    width = 1.0 / bins
    zero = pl.DataFrame({"bin_start": [0.0], "suspected": [False], "orders": [unscored]},
                        schema={"bin_start": pl.Float64, "suspected": pl.Boolean, "orders": pl.UInt32})
    df = (pl.concat([
              scores.select(pl.col("score").cast(pl.Float64).clip(0, 1), "suspected")
              .with_columns(bin_start=(pl.col("score") / width).floor().clip(0, bins - 1) * width)
              .group_by("bin_start", "suspected").agg(orders=pl.len()),
              zero.filter(pl.col("orders") > 0)])
          .group_by("bin_start", "suspected").agg(pl.col("orders").sum())
          .with_columns(bin_end=pl.col("bin_start") + width,
                        label=pl.when(pl.col("suspected")).then(pl.lit("suspected")).otherwise(pl.lit("not suspected")))
          .sort("bin_start"))
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("bin_start:Q", title="score", scale=alt.Scale(domain=[0, 1])), x2="bin_end:Q",
        y=alt.Y("orders:Q", scale=alt.Scale(type="symlog"), title="orders (log-like scale)",
                axis=alt.Axis(values=[1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000])), y2=alt.datum(0),
        color=alt.Color("label:N", scale=alt.Scale(domain=["suspected", "not suspected"], range=["#c62828", "#90a4ae"]),
                        title=None),
        tooltip=["bin_start", "bin_end", "label", "orders"])
    layers = [bars]
    if threshold is not None:
        layers.append(alt.Chart(pl.DataFrame({"threshold": [threshold]})).mark_rule(strokeDash=[4, 3])
                      .encode(x="threshold:Q"))
    return alt.layer(*layers).properties(width=560, height=220, title="Fake-transaction score of every order")


def signal_counts(signals: pl.DataFrame) -> alt.Chart:
    """Suspected orders per signal. `signals`: `signal`, `orders`."""
    return alt.Chart(_plain(signals)).mark_bar(color="#c62828").encode(
        x=alt.X("orders:Q", title="suspected orders with this signal"),
        y=alt.Y("signal:N", sort="-x", title=None), tooltip=["signal", "orders"]
    ).properties(width=420, height=max(80, 24 * signals.height), title="Evidence behind the suspected orders")


def exposure(per_shop: pl.DataFrame) -> alt.Chart:
    """Suspected orders (and their share) per shop. `per_shop`: `shop_id`, `suspected_orders`,
    `orders`, `share`."""
    return alt.Chart(_plain(per_shop)).mark_bar(color="#ef6c00").encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of the shop's orders suspected"),
        y=alt.Y("shop_id:N", sort="-x", title=None),
        tooltip=["shop_id", "suspected_orders", "orders", alt.Tooltip("share:Q", format=".1%")]
    ).properties(width=420, height=max(80, 18 * per_shop.height), title="Exposure per shop")


def balance_vs_required(deposit: pl.DataFrame) -> alt.Chart:
    """Deposit balance against the required amount per shop (shortfalls in red)."""
    df = _plain(deposit).filter(pl.col("required_deposit").is_not_null()).with_columns(
        status=pl.when(pl.col("balance") < pl.col("required_deposit")).then(pl.lit("short"))
        .otherwise(pl.lit("covered")))
    shops = df.sort("shop_id")["shop_id"].to_list()
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("shop_id:N", sort=shops, title=None), x=alt.X("balance:Q", title="CNY"),
        color=alt.Color("status:N", scale=alt.Scale(domain=["covered", "short"], range=["#2e7d32", "#c62828"]),
                        title="balance"),
        tooltip=["shop_id", "balance", "required_deposit"])
    ticks = alt.Chart(df).mark_tick(color="black", thickness=2, size=16).encode(
        y=alt.Y("shop_id:N", sort=shops), x="required_deposit:Q")
    return alt.layer(bars, ticks).properties(width=480, height=max(80, 18 * len(shops)),
                                             title="Deposit balance against the required deposit (black tick)")


def star_criteria_trend(series_star: pl.DataFrame, shop_ids: list[str], min_orders: float,
                        max_points: float) -> alt.Chart:
    """Completed orders and active points over the as-of dates of a series run, against the Star
    Shop limits (SS-ORDERS, SS-POINTS)."""
    df = _plain(series_star).filter(pl.col("shop_id").is_in(shop_ids))
    long = pl.concat([
        df.select("shop_id", "as_of", measure=pl.lit("completed orders (SS-ORDERS)"),
                  value=pl.col("completed_orders").cast(pl.Float64), limit=pl.lit(float(min_orders))),
        df.select("shop_id", "as_of", measure=pl.lit("active points (SS-POINTS)"),
                  value=pl.col("active_points").cast(pl.Float64), limit=pl.lit(float(max_points))),
    ])
    base = alt.Chart(_plain(long))
    lines = base.mark_line(point=True).encode(
        x=alt.X("as_of:T", title="as of", axis=alt.Axis(format="%b %d")), y=alt.Y("value:Q", title=None),
        color=alt.Color("shop_id:N", title="shop"), tooltip=["shop_id", "as_of", "measure", "value", "limit"])
    limit = base.mark_rule(color="#c62828", strokeDash=[4, 3]).encode(y="mean(limit):Q")
    return (alt.layer(lines, limit).properties(width=320, height=180)
            .facet(facet=alt.Facet("measure:N", title=None), columns=2).resolve_scale(y="independent")
            .properties(title="Star Shop criteria over time against their limits (dashed)"))
