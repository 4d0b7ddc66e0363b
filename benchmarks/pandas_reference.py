"""The pandas peer: SFCR, LDR and NRR per shop as of a date, written the way an analyst would by hand.

This is the benchmark's comparison point (how long does the obvious pandas notebook take?) and a
cross-check of the SQL (tests/test_benchmarks_smoke.py compares the two on synthetic data). It
reads canonical Parquet with pandas, finds each timestamp's local day in the region's reporting
time zone, filters the window and groups by shop. Definitions (RULES.md §2, with the readings of
tt_analytics/rules/tiktok_metrics.yaml written in as constants, as an analyst would):

- Only TikTok shops in the cross-border regions (US, SEA, UK) are measured; every measured shop
  gets a row per metric, with 0/0 (value missing) when it has no orders.
- A window of N days as of D holds the orders created on the N local calendar days ending on D.
- SFCR (7 days): orders created in the window that were cancelled for a seller fault (seller:
  out_of_stock or pricing_error; system: sla_timeout) on or before D / orders created.
- LDR (7 days): orders created in the window that were not dispatched by their deadline (ship_by,
  or 48 h after creation when missing, plus the largest SLA extension for the region, zip and
  local creation day), unless cancelled before the deadline, and whose deadline day is at most D
  / orders created.
- NRR (30 days): 1-2 star reviews posted in the window / orders created in the window minus those
  cancelled on or before D.
A zero denominator gives a missing value, never 0.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset

ZONES = {"US": "America/Los_Angeles", "UK": "Europe/London", "SEA": "Asia/Singapore", "CN": "Asia/Shanghai"}
SFCR_DAYS, LDR_DAYS, NRR_DAYS = 7, 7, 30
SLA_HOURS, NEGATIVE_STARS = 48, 2
SELLER_REASONS, SYSTEM_REASONS = ["out_of_stock", "pricing_error"], ["sla_timeout"]
CROSS_BORDER = ("US", "SEA", "UK")


def _read(data_dir: Path, table: str, columns: list[str]) -> pd.DataFrame | None:
    """The table's columns (optional ones it lacks are left out), or None if there is no table."""
    for path in (data_dir / f"{table}.parquet", data_dir / table):
        if path.exists():
            have = set(pyarrow.dataset.dataset(path, format="parquet").schema.names)
            df = pd.read_parquet(path, columns=[c for c in columns if c in have])
            return df.assign(**{c: None for c in columns if c not in have})[columns]
    return None


def _local_day(ts: pd.Series, region: pd.Series) -> pd.Series:
    """The local calendar day (midnight, naive) of each UTC timestamp in its region's time zone."""
    ts = pd.to_datetime(ts, utc=True)
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[us]")
    for r, zone in ZONES.items():  # one vectorised conversion per region
        m = region == r
        if m.any():
            out[m] = ts[m].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize().astype("datetime64[us]")
    return out


def metrics(data_dir: str | Path, as_of: dt.date | str) -> pd.DataFrame:
    """One row per (shop_id, metric) for SFCR, LDR, NRR: numerator, denominator, value."""
    data_dir = Path(data_dir)
    as_of = pd.Timestamp(str(as_of))
    first_day = {m: as_of - pd.Timedelta(days=n - 1) for m, n in
                 (("SFCR", SFCR_DAYS), ("LDR", LDR_DAYS), ("NRR", NRR_DAYS))}
    oldest = min(first_day.values())

    shops = _read(data_dir, "shops", ["shop_id", "platform", "region"])
    shops = shops[(shops.platform == "tiktok") & shops.region.isin(CROSS_BORDER)]

    orders = _read(data_dir, "orders", ["order_id", "shop_id", "created_at", "ship_by", "shipped_at",
                                        "cancelled_at", "cancel_initiator", "cancel_reason", "ship_from_zip"])
    orders = orders.merge(shops[["shop_id", "region"]], on="shop_id")
    orders["created_day"] = _local_day(orders.created_at, orders.region)
    orders = orders[(orders.created_day >= oldest) & (orders.created_day <= as_of)].copy()
    for col in ("created_at", "ship_by", "shipped_at", "cancelled_at"):
        orders[col] = pd.to_datetime(orders[col], utc=True)
    orders["cancel_day"] = _local_day(orders.cancelled_at, orders.region)
    cancelled_by_d = orders.cancel_day <= as_of

    # SFCR
    fault = (orders.cancelled_at.notna() & cancelled_by_d
             & (((orders.cancel_initiator == "seller") & orders.cancel_reason.isin(SELLER_REASONS))
                | ((orders.cancel_initiator == "system") & orders.cancel_reason.isin(SYSTEM_REASONS))))
    in_sfcr = orders.created_day >= first_day["SFCR"]
    sfcr = (pd.DataFrame({"shop_id": orders.shop_id, "hit": fault})[in_sfcr]
            .groupby("shop_id").agg(numerator=("hit", "sum"), denominator=("hit", "size")))

    # LDR: deadline = ship_by (or creation + 48 h) plus the largest matching SLA extension
    deadline = orders.ship_by.fillna(orders.created_at + pd.Timedelta(hours=SLA_HOURS))
    ext = _read(data_dir, "sla_extensions", ["region", "ship_from_zip", "created_from", "created_to", "extra_days"])
    if ext is not None and len(ext):
        cand = orders[["region", "ship_from_zip", "created_day"]].reset_index().merge(
            ext.rename(columns={"ship_from_zip": "ext_zip"}), on="region")
        cand = cand[(cand.created_day >= pd.to_datetime(cand.created_from))
                    & (cand.created_day <= pd.to_datetime(cand.created_to))
                    & (cand.ext_zip.isna() | (cand.ext_zip == cand.ship_from_zip))]
        extra = cand.groupby("index").extra_days.max().reindex(orders.index).fillna(0)
        deadline = deadline + pd.to_timedelta(extra, unit="D")
    deadline_day = np.maximum(orders.created_day, _local_day(deadline, orders.region))
    late = ((orders.shipped_at.isna() | (orders.shipped_at > deadline))
            & ~(orders.cancelled_at <= deadline).fillna(False)
            & (deadline_day <= as_of))
    in_ldr = orders.created_day >= first_day["LDR"]
    ldr = (pd.DataFrame({"shop_id": orders.shop_id, "hit": late})[in_ldr]
           .groupby("shop_id").agg(numerator=("hit", "sum"), denominator=("hit", "size")))

    # NRR
    reviews = _read(data_dir, "reviews", ["shop_id", "rating", "created_at"])
    reviews = reviews.merge(shops[["shop_id", "region"]], on="shop_id")
    reviews["day"] = _local_day(reviews.created_at, reviews.region)
    reviews = reviews[(reviews.day >= first_day["NRR"]) & (reviews.day <= as_of)]
    negative = reviews[reviews.rating <= NEGATIVE_STARS].groupby("shop_id").size()
    not_cancelled = orders[~cancelled_by_d].groupby("shop_id").size()
    nrr = pd.DataFrame({"numerator": negative, "denominator": not_cancelled})

    frames = []
    for name, df in (("SFCR", sfcr), ("LDR", ldr), ("NRR", nrr)):
        df = df.reindex(shops.shop_id).fillna(0).astype("int64")
        df["value"] = df.numerator / df.denominator.where(df.denominator > 0)
        frames.append(df.reset_index().assign(metric=name))
    out = pd.concat(frames, ignore_index=True)
    return out[["shop_id", "metric", "numerator", "denominator", "value"]]
