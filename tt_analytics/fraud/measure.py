"""Measured, not eyeballed: precision, recall and F1 of fake_transactions against a truth table.

The truth table (`<data>/_truth/fake_orders.parquet`, written by the synthetic generator) has
order_id, shop_id, pattern, is_fake. Fake patterns (self_purchase, logistics_mismatch,
tracking_invalid, tracking_reused, tracking_no_scan, bulk_buyer, brushing_ring, review_farm)
have is_fake = true; honest look-alikes (household, loyal_buyer, viral_burst) have is_fake =
false; an order that is not in the truth table is honest.

`scores(...)` returns one row per pattern plus an `overall` row:
- recall: share of the pattern's orders that are suspected (for a look-alike this is its false
  positive rate, and `false_positives` counts them);
- precision: of the suspected orders carrying the pattern's FT signal, the share that are fake
  (so a pattern is charged for the false alarms of the signal that is meant to catch it);
- f1 from those two. The `overall` row is the plain precision / recall / F1 over all orders.
"""
from __future__ import annotations

import datetime as dt
import importlib
import time
from pathlib import Path

import polars as pl

from .. import catalog, params

PATTERN_SIGNAL = {
    "self_purchase": "FT-SELF", "logistics_mismatch": "FT-LOGISTICS", "tracking_invalid": "FT-TRACKING",
    "tracking_reused": "FT-TRACKING", "tracking_no_scan": "FT-TRACKING", "bulk_buyer": "FT-BULK",
    "brushing_ring": "FT-BULK", "review_farm": "FT-REVIEW",
}


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or p + r == 0:
        return None
    return 2 * p * r / (p + r)


def scores(fake_transactions: pl.DataFrame, truth: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Per-pattern and overall precision, recall, F1 (see the module docstring)."""
    truth = truth.select("order_id", "pattern", pl.col("is_fake").cast(pl.Boolean)).unique("order_id")
    ft = fake_transactions.filter(pl.col("suspected")).select("order_id", "signals")
    all_orders = (orders.select("order_id")
                  .join(truth, on="order_id", how="left")
                  .with_columns(pl.col("pattern").fill_null("honest"), pl.col("is_fake").fill_null(False))
                  .join(ft.with_columns(pl.lit(True).alias("suspected")), on="order_id", how="left")
                  .with_columns(pl.col("suspected").fill_null(False)))
    rows = []
    for (pattern,), g in all_orders.group_by(["pattern"], maintain_order=True):
        is_fake = bool(g["is_fake"].any())
        n, hit = g.height, int(g["suspected"].sum())
        precision = None
        if is_fake and pattern in PATTERN_SIGNAL:
            sig = PATTERN_SIGNAL[pattern]
            flagged = all_orders.filter(pl.col("suspected") & pl.col("signals").list.contains(sig))
            precision = flagged["is_fake"].mean() if flagged.height else None
        recall = hit / n if n else None
        rows.append({"pattern": pattern, "is_fake": is_fake, "orders": n, "suspected": hit,
                     "false_positives": 0 if is_fake else hit,
                     "precision": precision, "recall": recall if is_fake else None,
                     "false_positive_rate": None if is_fake else recall,
                     "f1": _f1(precision, recall) if is_fake else None})
    tp = int((all_orders["suspected"] & all_orders["is_fake"]).sum())
    fp = int((all_orders["suspected"] & ~all_orders["is_fake"]).sum())
    fn = int((~all_orders["suspected"] & all_orders["is_fake"]).sum())
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    rows.append({"pattern": "overall", "is_fake": None, "orders": all_orders.height, "suspected": tp + fp,
                 "false_positives": fp, "precision": p, "recall": r,
                 "false_positive_rate": fp / max(1, int((~all_orders["is_fake"]).sum())), "f1": _f1(p, r)})
    out = pl.DataFrame(rows, schema={"pattern": pl.Utf8, "is_fake": pl.Boolean, "orders": pl.Int64,
                                     "suspected": pl.Int64, "false_positives": pl.Int64, "precision": pl.Float64,
                                     "recall": pl.Float64, "false_positive_rate": pl.Float64, "f1": pl.Float64})
    order = {"overall": 0}
    return out.sort(pl.col("pattern").replace_strict(order, default=1, return_dtype=pl.Int64),
                    pl.col("is_fake").not_(), "pattern")


def evaluate_folder(data_dir: str | Path, as_of: dt.date | str, overrides: dict | None = None) -> tuple[pl.DataFrame, dict]:
    """Run fake-transaction detection on a data folder (no validation step) and score it against
    `<data_dir>/_truth/fake_orders.parquet`. Returns (scores, info with timings and outputs): wall
    seconds and process CPU seconds (all threads; on a shared machine the wall time says more
    about the neighbours than about this code)."""
    ev = importlib.import_module("tt_analytics.evaluate")
    as_of = params._as_date(as_of)
    prm = params.load(as_of)
    for dotted, value in (overrides or {}).items():
        node = prm["fraud"]
        *head, last = dotted.split(".")
        for k in head:
            node = node[k]
        node[last] = value
    con = catalog.connect()
    catalog.attach(con, data_dir)
    t0, c0 = time.perf_counter(), time.process_time()
    res = ev.run(con, as_of, prm, outputs=["fake_transactions"])
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    truth_path = Path(data_dir) / "_truth" / "fake_orders.parquet"
    truth = pl.read_parquet(truth_path)
    orders = con.sql("SELECT order_id FROM fraud_orders").pl()
    return scores(res["fake_transactions"], truth, orders), {"seconds": seconds, "cpu_seconds": cpu_seconds,
                                                            "results": res, "orders": orders.height}
