"""Fake-transaction (虚假交易) and fake-fulfilment detection: RULES.md §8.

`fake_transactions(ctx)` is the `fake_transactions` output of evaluate.run. Every signal is a
whole-table SQL file in queries/fraud/ that returns one row per (order, check) it fires on with a
weight and a plain-language piece of evidence:

| check | signal | SQL |
|---|---|---|
| self_purchase | FT-SELF | self_purchase.sql |
| delivered_elsewhere, shipped_elsewhere | FT-LOGISTICS | logistics_mismatch.sql |
| tracking_invalid, tracking_reused, tracking_no_scan | FT-TRACKING | tracking_anomalies.sql (+ reused_tracking_numbers.sql) |
| bulk_buying | FT-BULK | bulk_buying.sql (+ group_products.sql) |
| order_brushing | FT-BULK | brushing_concentration.sql |
| dense_block | FT-BULK | dense_block_edges.sql (+ group_products.sql) + fraudar.py (per shop) |
| review_duplicate, review_generic | FT-REVIEW | review_duplicates.sql, review_generic.sql |

Python only does what SQL cannot do well: connected components of the shared-identifier graph
(buyer groups, groups.py), the per-number tracking validator on the distinct numbers SQL cannot
prove valid (tracking.py) and FRAUDAR's greedy peeling on each candidate shop's buyer-group x
product graph (fraudar.py, fed one shop at a time).
The hits are combined by fake_transactions.sql (noisy-OR score) and rolled up by
fraud_groups.sql and fraud_shops.sql. Only orders with at least one hit (score > 0) get a row:
an order without a row has score 0 and is not suspected.

Every check compares an order with its own shop's orders; what crosses shops (buyer groups,
reused tracking numbers) is made once per run (prepare_run). So an export with more than
PASS_ORDERS examined orders is examined in passes over disjoint sets of shops (_prepare_orders and
_detect per pass): one pass's work tables stay near DuckDB's memory cap instead of spilling tens
of GB to disk. Within a pass the tables only some checks read (review texts, parcel scans, the
(shop, group, product) pairs of bulk buying and FRAUDAR) are made just before those checks and
dropped after them (STAGES); prepare_pass makes them all at once (the Spark engine and the tests).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

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


def prepare(ctx, shop_part: int = 0, shop_parts: int = 1) -> dict[str, Any]:
    """Temp tables the FT queries read: the run's (prepare_run) and one pass's (prepare_pass)."""
    w = prepare_run(ctx)
    prepare_pass(ctx, shop_part, shop_parts)
    return w


def prepare_run(ctx) -> dict[str, Any]:
    """Temp tables made once per run, over all shops: fraud_buyer_groups (accounts linked to
    another account; groups cross shops) and fraud_reused_tracking (numbers on parcels to two or
    more addresses, in any shop). Returns the examined window."""
    p = ctx.params["fraud"]
    start, end = window(ctx.as_of, p["window_days"])
    w = {"window_start": start, "window_end": end}
    # linked accounts only: a buyer without a row is a group of its own (orders_in_window.sql)
    _temp_table(ctx, "fraud_buyer_groups", groups.linked_groups(ctx.frame("fraud/identity_links", **w, **p["groups"])))
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE fraud_reused_tracking AS " + _sql(ctx, "reused_tracking_numbers"),
                    {"window_end": end})
    return {"start": start, "end": end}


def prepare_pass(ctx, shop_part: int = 0, shop_parts: int = 1) -> None:
    """Temp tables of one pass over the shops with hash(shop_id) % shop_parts = shop_part:
    fraud_orders (with each order's group_id) and fraud_order_products (order x product), then
    every stage's tables (STAGES)."""
    _prepare_orders(ctx, shop_part, shop_parts)
    for make, _ in STAGES:
        make(ctx)


def _prepare_orders(ctx, shop_part: int = 0, shop_parts: int = 1) -> None:
    """fraud_orders and fraud_order_products of one pass: what most checks read."""
    p = ctx.params["fraud"]
    start, end = window(ctx.as_of, p["window_days"])
    con = ctx.con
    orders = _sql(ctx, "orders_in_window")
    if shop_parts > 1:  # this pass's shops (DuckDB pushes the filter down into the scan)
        orders = f"SELECT * FROM ({orders}) WHERE hash(shop_id) % {int(shop_parts)} = {int(shop_part)}"
    con.execute("CREATE OR REPLACE TEMP TABLE fraud_orders AS " + orders, {"window_start": start, "window_end": end})
    # the order lines order_products.sql groups: with several passes only this pass's orders' lines
    # (else every pass would group all of them: ~126M lines per pass at 100M orders); in one pass
    # nearly every line is examined and the semi-join would only cost (~12M probes at 10M)
    con.execute("CREATE OR REPLACE TEMP VIEW fraud_order_lines AS "
                + ("SELECT * FROM order_lines" if shop_parts == 1 else
                   "SELECT l.* FROM order_lines l SEMI JOIN fraud_orders o ON o.order_id = l.order_id"))
    con.execute("CREATE OR REPLACE TEMP TABLE fraud_order_products AS " + _sql(ctx, "order_products"))


def _prepare_reviews(ctx) -> list[str]:
    """fraud_reviews: the examined orders' review texts, normalised once for both review checks."""
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE fraud_reviews AS " + _sql(ctx, "reviews_in_window"))
    return ["fraud_reviews"]


def _prepare_group_products(ctx) -> list[str]:
    """fraud_group_products: one row per (shop, buyer group, product), for bulk buying and FRAUDAR."""
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE fraud_group_products AS " + _sql(ctx, "group_products"))
    return ["fraud_group_products"]


def _prepare_parcels(ctx) -> list[str]:
    """fraud_parcel_scans (first scan and delivered zip per tracking number) and
    fraud_tracking_validity (the malformed numbers of the examined orders)."""
    p = ctx.params["fraud"]
    _, end = window(ctx.as_of, p["window_days"])
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE fraud_parcel_scans AS " + _sql(ctx, "parcel_scans"),
                    {"scan_statuses": p["tracking"]["scan_statuses"], "window_end": end})
    patterns = p["tracking"].get("unknown_carrier_patterns") or {}
    verdicts = tracking.validity(_unproven_tracking_numbers(ctx, patterns), patterns)
    # only the malformed numbers are looked up again (tracking_anomalies.sql)
    _temp_table(ctx, "fraud_tracking_validity", verdicts.filter(~pl.col("valid")))
    return ["fraud_parcel_scans", "fraud_tracking_validity"]


def _unproven_tracking_numbers(ctx, patterns: dict[str, str]) -> pl.DataFrame:
    """The distinct (carrier, number) pairs of tracking_numbers.sql that tracking.validity must
    judge. On DuckDB the numbers whose format and check digit SQL proves valid (tracking.proven_query,
    nearly all of them) stay in the database: only the rest reach Python (at 100M orders, ~95M
    pairs would not fit beside everything else). Other engines hand over every pair."""
    import duckdb
    if not isinstance(ctx.con, duckdb.DuckDBPyConnection):
        return ctx.frame("fraud/tracking_numbers")
    proven = tracking.proven_query(_sql(ctx, "tracking_numbers"), patterns)
    return ctx.con.sql(f"SELECT * EXCLUDE (proven) FROM ({proven}) WHERE NOT proven").pl()


def _sql(ctx, name: str) -> str:
    from ..evaluate import sql_text
    return sql_text(f"fraud/{name}")


EDGE_BATCH_ROWS = 1_000_000


def shop_edges(ctx, p: dict[str, Any]) -> Iterator[pl.DataFrame]:
    """dense_block_edges.sql's rows, one whole candidate shop at a time. Streamed from DuckDB in
    batches (the query sorts by shop), so only one batch is in Python at once: at 100M orders the
    candidate edges are ~47M rows. The reader is always read to its end or closed."""
    rel = ctx.query("fraud/dense_block_edges", min_products_per_group=p["min_products_per_group"],
                    min_groups=p["min_groups"])
    reader = rel.to_arrow_reader(EDGE_BATCH_ROWS)
    carry = None
    try:
        for batch in reader:
            df = pl.from_arrow(batch)
            if carry is not None:
                df = pl.concat([carry, df])
            if not df.height:
                continue
            # the batch's last shop may go on in the next batch: held back until it is whole
            last = pl.col("shop_index") == df["shop_index"][-1]
            carry = df.filter(last)
            yield from df.filter(~last).partition_by("shop_index", maintain_order=True)
        if carry is not None and carry.height:
            yield carry
    finally:
        reader.close()


def dense_block_hits(ctx) -> pl.DataFrame:
    """FRAUDAR per candidate shop; orders of the accepted blocks' groups on the blocks' products."""
    p = ctx.params["fraud"]["dense_block"]
    found = []
    for edges in shop_edges(ctx, p):  # one shop's candidate graph at a time
        gc, pc = edges["group_index"].to_numpy(), edges["product_index"].to_numpy()
        blocks = fraudar.shop_block_codes(gc, pc, edges["product_groups"].to_numpy(), int(gc.max()) + 1,
                                          int(pc.max()) + 1, c=p["log_c"], max_blocks=p["max_blocks_per_shop"],
                                          min_groups=p["min_groups"], min_products=p["min_products"],
                                          min_density=p["min_density"])
        if blocks:
            g_ids = edges.select("group_id", "group_index").unique().sort("group_index")["group_id"].to_numpy()
            p_ids = edges.select("product_id", "product_index").unique().sort("product_index")["product_id"].to_numpy()
            found.append(fraudar.block_cells([(k, b, g_ids, p_ids) for k, b in enumerate(blocks)])
                         .with_columns(pl.lit(edges["shop_id"][0]).alias("shop_id")))
    cells = pl.concat(found) if found else pl.DataFrame(schema=fraudar.CELL_SCHEMA).with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("shop_id"))
    _temp_table(ctx, "fraud_block_cells", cells.select("shop_id", *fraudar.CELL_SCHEMA))
    return ctx.frame("fraud/dense_block_hits", weight=float(p["weight"]))


# examined orders per pass over shops (module docstring): 10M orders are one pass, 100M seven
PASS_ORDERS = 15_000_000
# the ORDER BY of fake_transactions.sql, fraud_groups.sql and fraud_shops.sql (column, descending),
# for the outputs of several passes put together
OUTPUT_ORDER = {"fake_transactions": [("score", True), ("order_id", False)],
                "fraud_groups": [("suspected_orders", True), ("shop_id", False), ("group_id", False)],
                "fraud_shops": [("suspected_orders", True), ("shop_id", False)]}


def shop_parts(ctx) -> int:
    """Passes for this run: one per PASS_ORDERS examined orders."""
    start, end = window(ctx.as_of, ctx.params["fraud"]["window_days"])
    n = ctx.con.execute("SELECT COUNT(*) FROM orders WHERE created_at >= CAST($s AS TIMESTAMPTZ) "
                        "AND created_at < CAST($e AS TIMESTAMPTZ)", {"s": start, "e": end}).fetchall()[0][0]
    return max(1, -(-int(n) // PASS_ORDERS))


def fake_transactions(ctx) -> dict[str, pl.DataFrame]:
    """fake_transactions (CONTRACT.md) plus the roll-ups fraud_groups and fraud_shops."""
    import duckdb
    from .. import catalog, engines
    if engines.is_spark(ctx.con):  # SQL signals on Spark, FRAUDAR per shop on the executors
        from ..engines import spark_fraud
        return spark_fraud.fake_transactions(ctx)
    if not isinstance(ctx.con, duckdb.DuckDBPyConnection):
        return _fake_transactions(ctx)
    # bounded memory: DuckDB spills instead of growing past its share (the default, 80 % of the
    # machine, plus the Python-side frames got a 10M-order run killed); restored afterwards
    previous = catalog.bound_memory(ctx.con)
    try:
        return _fake_transactions(ctx, shop_parts(ctx))
    finally:
        catalog.restore_memory(ctx.con, previous)


def _fake_transactions(ctx, parts: int = 1) -> dict[str, pl.DataFrame]:
    w = prepare_run(ctx)
    outs = []
    for part in range(parts):
        _prepare_orders(ctx, part, parts)
        outs.append(_detect(ctx, w, staged=True))
    if parts == 1:
        return outs[0]
    return {name: pl.concat([o[name] for o in outs]).sort([c for c, _ in order], descending=[d for _, d in order])
            for name, order in OUTPUT_ORDER.items()}


def _detect(ctx, w: dict[str, Any], staged: bool = False) -> dict[str, pl.DataFrame]:
    """The three outputs for the orders of the current pass (prepare_pass; or, `staged`, after
    _prepare_orders: then each stage makes its tables just before its checks and drops them after,
    so less of DuckDB's capped memory is taken by tables: at 10M orders one pass's tables fill most
    of it, and the checks spilled to disk)."""
    p = ctx.params["fraud"]
    binds = _bindings(p, w["start"], w["end"])
    hits = {}

    def check(q: str) -> pl.DataFrame:  # a SQL check, or FRAUDAR ("dense_block")
        frame = dense_block_hits(ctx) if q == "dense_block" else ctx.frame(f"fraud/{q}", **binds[q])
        return frame.select(list(HIT_SCHEMA)).cast(HIT_SCHEMA)

    for make, queries in STAGES:
        made = make(ctx) if staged else []
        hits.update({q: check(q) for q in queries})
        for table in made:
            ctx.con.execute(f"DROP TABLE {table}")
    hits.update({q: check(q) for q in SIGNAL_QUERIES if q not in hits})
    _temp_table(ctx, "fraud_hits", pl.concat([hits[q] for q in [*SIGNAL_QUERIES, "dense_block"]]))
    ft = ctx.frame("fraud/fake_transactions", suspected_score=p["suspected_score"])
    ctx.register("fake_transactions", ft)
    fraud_groups = ctx.frame("fraud/fraud_groups")
    fraud_shops = ctx.frame("fraud/fraud_shops")
    return {"fake_transactions": ft, "fraud_groups": fraud_groups, "fraud_shops": fraud_shops}


# the checks in stages, each after its own tables are made (a function returning their names;
# "dense_block" is FRAUDAR); brushing then reads only fraud_orders
STAGES = [(_prepare_reviews, ["review_duplicates", "review_generic"]),
          (_prepare_parcels, ["self_purchase", "logistics_mismatch", "tracking_anomalies"]),
          (_prepare_group_products, ["bulk_buying", "dense_block"])]
