"""The pandas peer: SFCR, LDR and NRR per shop as of a date, written the way an analyst would by hand.

This is the benchmark's comparison point (how long does the obvious pandas notebook take?) and a
cross-check of the SQL (tests/test_benchmarks_smoke.py compares the two on small data). It reads
canonical Parquet with pandas, converts timestamps to each region's reporting time zone, filters
the window and groups by shop. Definitions (RULES.md §2 and the rule queries):

- Only TikTok shops in the cross-border regions (US, SEA, UK) get these metrics.
- A window of N days as of D is the N local calendar days ending on D (region time zone).
- SFCR (7 days): orders created in the window that were cancelled by D's end for a seller-fault
  reason (seller: out_of_stock or pricing_error; system: sla_timeout) / orders created.
- LDR (7 days): orders created in the window not dispatched by their deadline (ship_by plus any
  SLA extension for the region, zip and local creation date), counting orders still not dispatched
  once the deadline has passed by D's end / orders created.
- NRR (30 days): 1-2 star reviews posted in the window / orders created in the window that were
  not cancelled by D's end.
A zero denominator gives a missing value, never 0.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.dataset

ZONES = {"US": "America/Los_Angeles", "UK": "Europe/London", "SEA": "Asia/Singapore", "CN": "Asia/Shanghai"}
SFCR_DAYS, LDR_DAYS, NRR_DAYS = 7, 7, 30
SELLER_FAULT = {("seller", "out_of_stock"), ("seller", "pricing_error"), ("system", "sla_timeout")}
CROSS_BORDER = ("US", "SEA", "UK")


def _read(data_dir: Path, table: str, columns: list[str]) -> pd.DataFrame | None:
    """The table's columns (optional ones it lacks are left out), or None if there is no table."""
    for path in (data_dir / f"{table}.parquet", data_dir / table):
        if path.exists():
            have = set(pyarrow.dataset.dataset(path, format="parquet").schema.names)
            df = pd.read_parquet(path, columns=[c for c in columns if c in have])
            return df.assign(**{c: None for c in columns if c not in have})[columns]
    return None


def _local(ts: pd.Series, region: pd.Series) -> pd.Series:
    """Timestamp in each row's regional time zone, as naive local wall-clock time."""
    ts = pd.to_datetime(ts, utc=True)
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[us]")
    for r, zone in ZONES.items():
        m = region == r
        if m.any():
            out[m] = ts[m].dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[us]")
    return out


def metrics(data_dir: str | Path, as_of: dt.date | str) -> pd.DataFrame:
    """One row per (shop_id, metric) for SFCR, LDR, NRR: numerator, denominator, value."""
    data_dir = Path(data_dir)
    as_of = pd.Timestamp(str(as_of))
    day_end = as_of + pd.Timedelta(days=1)  # local midnight after D

    shops = _read(data_dir, "shops", ["shop_id", "platform", "region"])
    shops = shops[(shops.platform == "tiktok") & shops.region.isin(CROSS_BORDER)]

    orders = _read(data_dir, "orders", ["order_id", "shop_id", "created_at", "ship_by", "shipped_at",
                                        "cancelled_at", "cancel_initiator", "cancel_reason", "ship_from_zip"])
    orders = orders.merge(shops[["shop_id", "region"]], on="shop_id")
    orders["created_local"] = _local(orders.created_at, orders.region)
    orders["created_day"] = orders.created_local.dt.normalize()
    orders = orders[(orders.created_day > as_of - pd.Timedelta(days=NRR_DAYS)) & (orders.created_day <= as_of)]
    for col in ("ship_by", "shipped_at", "cancelled_at"):
        orders[col + "_local"] = _local(orders[col], orders.region)
    cancelled = orders.cancelled_at_local < day_end

    # SFCR
    in7 = orders.created_day > as_of - pd.Timedelta(days=SFCR_DAYS)
    fault = pd.Series(list(zip(orders.cancel_initiator, orders.cancel_reason)), index=orders.index).isin(SELLER_FAULT)
    sfcr = (orders[in7].assign(fault=(fault & cancelled)[in7])
            .groupby("shop_id").agg(numerator=("fault", "sum"), denominator=("fault", "size")))

    # LDR: the deadline moves by the SLA extension of the region (and zip, if given) and creation day
    deadline = orders.ship_by_local
    ext = _read(data_dir, "sla_extensions", ["region", "ship_from_zip", "created_from", "created_to", "extra_days"])
    if ext is not None and len(ext):
        cand = orders[["region", "ship_from_zip", "created_day"]].reset_index().merge(
            ext.rename(columns={"ship_from_zip": "ext_zip"}), on="region")
        cand = cand[(cand.created_day >= pd.to_datetime(cand.created_from))
                    & (cand.created_day <= pd.to_datetime(cand.created_to))
                    & (cand.ext_zip.isna() | (cand.ext_zip == cand.ship_from_zip))]
        extra = cand.groupby("index").extra_days.max().reindex(orders.index).fillna(0)
        deadline = deadline + pd.to_timedelta(extra, unit="D")
    in7l = orders.created_day > as_of - pd.Timedelta(days=LDR_DAYS)
    shipped = orders.shipped_at_local < day_end
    late = (shipped & (orders.shipped_at_local > deadline)) | (~shipped & ~cancelled & (deadline < day_end))
    ldr = (orders[in7l].assign(late=late[in7l])
           .groupby("shop_id").agg(numerator=("late", "sum"), denominator=("late", "size")))

    # NRR
    reviews = _read(data_dir, "reviews", ["shop_id", "rating", "created_at"])
    reviews = reviews.merge(shops[["shop_id", "region"]], on="shop_id")
    reviews["day"] = _local(reviews.created_at, reviews.region).dt.normalize()
    reviews = reviews[(reviews.day > as_of - pd.Timedelta(days=NRR_DAYS)) & (reviews.day <= as_of)]
    negative = reviews[reviews.rating <= 2].groupby("shop_id").size()
    not_cancelled = orders[~cancelled].groupby("shop_id").size()
    nrr = pd.DataFrame({"numerator": negative, "denominator": not_cancelled})

    frames = []
    for name, df in (("SFCR", sfcr), ("LDR", ldr), ("NRR", nrr)):
        df = df.reindex(shops.shop_id).fillna(0).astype("int64")
        df["value"] = df.numerator / df.denominator.where(df.denominator > 0)
        frames.append(df.reset_index().assign(metric=name))
    out = pd.concat(frames, ignore_index=True)
    return out[["shop_id", "metric", "numerator", "denominator", "value"]]
