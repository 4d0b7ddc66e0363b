"""Fake-transaction (虚假交易) and fake-fulfilment detection: RULES.md §8.

`fake_transactions(ctx)` is the `fake_transactions` output of evaluate.run. Every signal is a
whole-table SQL file in queries/fraud/ that returns one row per (order, check) it fires on with a
weight and a plain-language piece of evidence:

| check | signal | SQL |
|---|---|---|
| self_purchase | FT-SELF | self_purchase.sql |
| delivered_elsewhere, shipped_elsewhere | FT-LOGISTICS | logistics_mismatch.sql |
| tracking_invalid, tracking_reused, tracking_no_scan | FT-TRACKING | tracking_anomalies.sql |
| bulk_buying | FT-BULK | bulk_buying.sql |
| order_brushing | FT-BULK | brushing_concentration.sql |
| dense_block | FT-BULK | dense_block_edges.sql + fraudar.py (per shop) |
| review_duplicate, review_generic | FT-REVIEW | review_duplicates.sql, review_generic.sql |

Python only does what SQL cannot do well: connected components of the shared-identifier graph
(buyer groups, groups.py), the per-number tracking validator on distinct numbers (tracking.py)
and FRAUDAR's greedy peeling on each candidate shop's buyer-group x product graph (fraudar.py).
The hits are combined by fake_transactions.sql (noisy-OR score) and rolled up by
fraud_groups.sql and fraud_shops.sql. Only orders with at least one hit (score > 0) get a row:
an order without a row has score 0 and is not suspected.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from . import fraudar, groups, tracking

HIT_SCHEMA = {"order_id": pl.Utf8, "shop_id": pl.Utf8, "signal": pl.Utf8, "check_name": pl.Utf8,
              "weight": pl.Float64, "evidence": pl.Utf8}

SIGNAL_QUERIES = ["self_purchase", "logistics_mismatch", "tracking_anomalies", "bulk_buying",
                  "brushing_concentration", "review_duplicates", "review_generic"]


def window(as_of: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the examined orders: the `days` days up to and including as_of."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    return end - dt.timedelta(days=int(days)), end


def _temp_table(ctx, name: str, df: pl.DataFrame) -> None:
    ctx.con.register(f"_{name}_df", df)
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}_df")
    ctx.con.unregister(f"_{name}_df")


def _bindings(p: dict[str, Any], start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, Any]]:
    """Parameters of each SQL file (only those it uses are bound)."""
    w = {"window_start": start, "window_end": end}
    return {
        "self_purchase": {"weight": p["self_purchase"]["weight"]},
        "logistics_mismatch": {**w, **p["logistics"]},
        "tracking_anomalies": {**w, **{k: v for k, v in p["tracking"].items() if k != "unknown_carrier_patterns"}},
        "bulk_buying": dict(p["bulk"]),
        "brushing_concentration": dict(p["brushing"]),
        "review_duplicates": dict(p["review"]),
        "review_generic": dict(p["review"]),
    }


def prepare(ctx) -> dict[str, Any]:
    """Temp tables every FT query reads: fraud_orders, fraud_buyer_groups, fraud_tracking_validity."""
    p = ctx.params["fraud"]
    start, end = window(ctx.as_of, p["window_days"])
    con = ctx.con
    con.execute("CREATE OR REPLACE TEMP TABLE fraud_orders AS " + _sql(ctx, "orders_in_window"),
                {"window_start": start, "window_end": end})
    links = ctx.frame("fraud/identity_links", **p["groups"])
    buyers = con.sql("SELECT DISTINCT buyer_id FROM fraud_orders").pl()["buyer_id"]
    _temp_table(ctx, "fraud_buyer_groups", groups.buyer_groups(buyers, links))
    pairs = ctx.frame("fraud/tracking_numbers")
    _temp_table(ctx, "fraud_tracking_validity",
                tracking.validity(pairs, p["tracking"].get("unknown_carrier_patterns") or {}))
    return {"start": start, "end": end}


def _sql(ctx, name: str) -> str:
    from ..evaluate import sql_text
    return sql_text(f"fraud/{name}")


def dense_block_hits(ctx) -> pl.DataFrame:
    """FRAUDAR per candidate shop; orders of the accepted blocks' groups on the blocks' products."""
    p = ctx.params["fraud"]["dense_block"]
    edges = ctx.frame("fraud/dense_block_edges", min_products_per_group=p["min_products_per_group"],
                      min_groups=p["min_groups"])
    found = []
    if len(edges):
        accept = lambda b: (len(b.rows) >= p["min_groups"] and len(b.cols) >= p["min_products"]  # noqa: E731
                            and b.density >= p["min_density"])
        for (shop_id,), shop_edges in edges.group_by(["shop_id"], maintain_order=True):
            gs, g_codes = _codes(shop_edges["group_id"])
            ps, p_codes = _codes(shop_edges["product_id"])
            for k, b in enumerate(fraudar.blocks(g_codes, p_codes, shop_edges["product_groups"].to_numpy(),
                                                 len(gs), len(ps), c=p["log_c"],
                                                 max_blocks=p["max_blocks_per_shop"], accept=accept)):
                found.append(pl.DataFrame({"shop_id": shop_id, "block": k, "group_id": gs.gather(b.rows)})
                             .join(pl.DataFrame({"product_id": ps.gather(b.cols)}), how="cross")
                             .with_columns(pl.lit(len(b.rows)).alias("n_groups"),
                                           pl.lit(len(b.cols)).alias("n_products"),
                                           pl.lit(round(b.density, 2)).alias("density")))
    cells = pl.concat(found) if found else pl.DataFrame(
        schema={"shop_id": pl.Utf8, "block": pl.Int64, "group_id": pl.Utf8, "product_id": pl.Utf8,
                "n_groups": pl.Int64, "n_products": pl.Int64, "density": pl.Float64})
    _temp_table(ctx, "fraud_block_cells", cells)
    return ctx.con.sql(f"""
        WITH block_orders AS (
            SELECT DISTINCT c.shop_id, c.block, o.order_id, o.buyer_id, o.created_at
            FROM fraud_block_cells c
            JOIN fraud_buyer_groups g ON g.group_id = c.group_id
            JOIN fraud_orders o ON o.buyer_id = g.buyer_id AND o.shop_id = c.shop_id
            JOIN order_lines l ON l.order_id = o.order_id AND l.product_id = c.product_id
        ),
        block_stats AS (
            SELECT b.shop_id, b.block, COUNT(DISTINCT b.order_id) AS n_orders, COUNT(DISTINCT b.buyer_id) AS n_accounts,
                   greatest(1, CAST(ceil(date_diff('hour', MIN(b.created_at), MAX(b.created_at)) / 24.0) AS BIGINT)) AS n_days,
                   any_value(c.n_groups) AS n_groups, any_value(c.n_products) AS n_products, any_value(c.density) AS density
            FROM block_orders b JOIN fraud_block_cells c USING (shop_id, block)
            GROUP BY b.shop_id, b.block
        )
        SELECT b.order_id, b.shop_id, 'FT-BULK' AS signal, 'dense_block' AS check_name,
               CAST({float(p['weight'])} AS DOUBLE) AS weight,
               'dense block: ' || CAST(s.n_orders AS VARCHAR) || ' orders in ' || CAST(s.n_days AS VARCHAR)
                   || ' days from ' || CAST(s.n_accounts AS VARCHAR) || ' accounts (' || CAST(s.n_groups AS VARCHAR)
                   || ' buyer groups) on the same ' || CAST(s.n_products AS VARCHAR) || ' products (density '
                   || CAST(s.density AS VARCHAR) || ')' AS evidence
        FROM block_orders b JOIN block_stats s USING (shop_id, block)
    """).pl()


def _codes(values: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Distinct values (sorted) and each value's index among them."""
    distinct = values.unique().sort()
    return distinct, distinct.search_sorted(values).to_numpy()


def fake_transactions(ctx) -> dict[str, pl.DataFrame]:
    """fake_transactions (CONTRACT.md) plus the roll-ups fraud_groups and fraud_shops."""
    p = ctx.params["fraud"]
    w = prepare(ctx)
    binds = _bindings(p, w["start"], w["end"])
    hits = [ctx.frame(f"fraud/{q}", **binds[q]).select(list(HIT_SCHEMA)) for q in SIGNAL_QUERIES]
    hits.append(dense_block_hits(ctx).select(list(HIT_SCHEMA)))
    _temp_table(ctx, "fraud_hits", pl.concat([h.cast(HIT_SCHEMA) for h in hits]))
    ft = ctx.frame("fraud/fake_transactions", suspected_score=p["suspected_score"])
    ctx.register("fake_transactions", ft)
    fraud_groups = ctx.frame("fraud/fraud_groups")
    fraud_shops = ctx.frame("fraud/fraud_shops")
    return {"fake_transactions": ft, "fraud_groups": fraud_groups, "fraud_shops": fraud_shops}
