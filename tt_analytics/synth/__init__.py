"""Synthetic canonical data with planted, labelled situations and fake-order patterns.

`synthesize(out, shops, orders, seed, as_of)` writes every canonical table as Parquet into `out`
(streamed tables as `<table>/part-NNNNN.parquet`, small ones as `<table>.parquet`) and the ground
truth into `out/_truth/` (situations.parquet, fake_orders.parquet, manifest.json).
See docs/synthetic-data.md.
"""
from .generate import synthesize
from .tracking import CN_FORMATS, REGION_CARRIERS, is_wellformed

__all__ = ["synthesize", "CN_FORMATS", "REGION_CARRIERS", "is_wellformed"]
