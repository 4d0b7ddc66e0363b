"""TikTok flash sale (秒杀) checks (RULES.md §7): price against the 30-day history or the original
price, one sale at a time per product, at most 72 hours; and the highest valid price of each
planned sale. One SQL file (queries/flash_sales/flash_sale_checks.sql) over every sale at once.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from .evaluate import Context


def flash_sale_checks(ctx: Context) -> pl.DataFrame:
    """FS-PRICE-HIST, FS-PRICE-NEW, FS-ONE, FS-DURATION for every flash sale of a TikTok shop."""
    p = ctx.params["tiktok_flash_sales"]
    days = int(p["price_history_days"])
    # the earliest history any sale needs (null: no sale, nothing is read)
    first_start = ctx.con.sql("SELECT min(start_at) FROM flash_sales").fetchall()[0][0]
    return ctx.frame("flash_sales/flash_sale_checks", price_history_days=days,
                     history_since=None if first_start is None else first_start - dt.timedelta(days=days),
                     max_duration_hours=float(p["max_duration_hours"]),
                     new_product_price_step=float(p["new_product_price_step"]))
