"""Fake-transaction detection (`fake_transactions`, RULES.md §8) on Spark.

The same pieces as `tt_analytics.fraud`, run where Spark runs them:

- **SQL signals as SQL.** Every signal file of queries/fraud/ (self purchase, logistics, tracking,
  bulk buying, brushing, reviews) and the combining files (fake_transactions, fraud_groups,
  fraud_shops) run on Spark through the transpiler (engines/spark.py), each a distributed query
  over all shops, computed once (localCheckpoint). Their hits (one row per flagged order and
  check) are combined on the driver into `fraud_hits`, as on DuckDB.
- **FRAUDAR per shop, on the executors.** The candidate buyer-group x product edges
  (dense_block_edges.sql) are grouped by shop and `applyInPandas` calls the existing per-shop
  function `fraudar.shop_blocks` on each shop's edges: one shop's graph is in one Python worker,
  never all shops' graphs on the driver.
- **Buyer groups and tracking-number verdicts** come from `fraud.prepare` unchanged: the groups
  are the connected components of the shared-identifier graph, which crosses shops (a ring buys
  in several shops), so it cannot be split by shop; its input is the identity links only (accounts
  that share an address, phone or device with another), collected to the driver. The tracking
  verdicts run on the distinct (carrier, number) pairs the checks cannot prove valid in SQL.

`fake_transactions(ctx)` has the signature of the `fraud:fake_transactions` output function and
returns the same three tables; tests/test_spark_fraud.py compares them with DuckDB's on a planted
set.
"""
from __future__ import annotations

from typing import Any

import polars as pl

from .spark import SparkConnection


def _cell_schema() -> str:
    from ..fraud import fraudar
    spark_types = {pl.Utf8: "STRING", pl.Int64: "BIGINT", pl.Float64: "DOUBLE", pl.Int32: "INT"}
    cols = {"shop_id": pl.Utf8, **fraudar.CELL_SCHEMA}
    return ", ".join(f"{c} {spark_types[t]}" for c, t in cols.items())


def dense_block_cells(con: SparkConnection, edges, p: dict[str, Any]):
    """Spark frame of the accepted dense blocks' cells (shop_id + fraudar.CELL_SCHEMA), FRAUDAR
    run per shop by `applyInPandas` on `edges` (dense_block_edges.sql's rows)."""
    from ..fraud import fraudar
    kw = {"c": float(p["log_c"]), "max_blocks": int(p["max_blocks_per_shop"]), "min_groups": int(p["min_groups"]),
          "min_products": int(p["min_products"]), "min_density": float(p["min_density"])}
    columns = ["shop_id", *fraudar.CELL_SCHEMA]

    def one_shop(edges_of_shop):  # pandas in, pandas out: runs in a Python worker, one shop at a time
        cells = fraudar.shop_blocks(edges_of_shop["group_id"].to_numpy(), edges_of_shop["product_id"].to_numpy(),
                                    edges_of_shop["product_groups"].to_numpy(), **kw)
        shop = str(edges_of_shop["shop_id"].iloc[0])
        return cells.with_columns(pl.lit(shop, dtype=pl.Utf8).alias("shop_id")).select(columns).to_pandas()

    return (edges.select("shop_id", "group_id", "product_id", "product_groups")
            .groupBy("shop_id").applyInPandas(one_shop, schema=_cell_schema()))


def dense_block_hits(ctx) -> Any:
    """FT-BULK dense-block hits as a Spark frame (fraud.dense_block_hits' counterpart)."""
    p = ctx.params["fraud"]["dense_block"]
    edges = ctx.query("fraud/dense_block_edges", min_products_per_group=p["min_products_per_group"],
                      min_groups=p["min_groups"]).spark_frame
    cells = dense_block_cells(ctx.con, edges, p).localCheckpoint()  # FRAUDAR runs once, here
    ctx.con.drop_relation("fraud_block_cells")
    cells.createOrReplaceTempView("fraud_block_cells")
    return ctx.query("fraud/dense_block_hits", weight=float(p["weight"])).spark_frame


def fake_transactions(ctx) -> dict[str, pl.DataFrame]:
    """fake_transactions, fraud_groups and fraud_shops computed on Spark (see the module docstring)."""
    from .. import fraud
    p = ctx.params["fraud"]
    w = fraud.prepare(ctx)
    binds = fraud._bindings(p, w["start"], w["end"])
    # each signal computed on its own and its plan cut (localCheckpoint): a union of the signals'
    # plans (their CTEs inlined by Spark) takes Catalyst minutes to optimise
    frames = [ctx.query(f"fraud/{q}", **binds[q]).spark_frame.localCheckpoint() for q in fraud.SIGNAL_QUERIES]
    frames.append(dense_block_hits(ctx).localCheckpoint())
    # the hits (one row per flagged order and check: few) are combined on the driver, as on DuckDB:
    # a union of the checkpointed frames trips Spark 4.3's optimizer (Union constraint rewriting)
    hits = pl.concat([pl.from_arrow(f.toArrow()).select(list(fraud.HIT_SCHEMA)).cast(fraud.HIT_SCHEMA) for f in frames])
    ctx.con.register("fraud_hits", hits)
    ft = ctx.frame("fraud/fake_transactions", suspected_score=p["suspected_score"])
    ctx.register("fake_transactions", ft)
    return {"fake_transactions": ft, "fraud_groups": ctx.frame("fraud/fraud_groups"),
            "fraud_shops": ctx.frame("fraud/fraud_shops")}
