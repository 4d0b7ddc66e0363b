"""Loaders: raw platform exports and canonical files -> canonical Parquet tables in a data folder.

`ingest(paths, into, ...)` detects each file's format (see `detect`), maps it with that
format's loader (`canonical`, `seller_center`, `douyin`, `partner_api`), hashes personal data
(`pii`) and writes one part file per table and source (`store`, which also documents the
dedupe semantics). It returns a summary frame with one row per input file and table.
`ingest_manifest(manifest, into)` ingests every file listed in a manifest (the bundled sample's
`data/sample/exports/manifest.yaml`) and writes its shops. Details: docs/loaders.md.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import polars as pl
import yaml

from .. import schema
from ..errors import InputError
from . import canonical, detect, pii, store
from .base import Context, Loaded
from .parse import conform

__all__ = ["ingest", "ingest_manifest", "SUMMARY_COLUMNS", "DEFAULT_SHOP_STATUS"]

SUMMARY_COLUMNS = ["file", "format", "table", "rows_read", "rows_written", "rows_replaced", "rows_rejected",
                   "reasons", "notes"]
# A shop named on the command line (--shop-id) but not yet in the data folder is written with
# this status: its exports show it trading. An existing shop row keeps its status.
DEFAULT_SHOP_STATUS = "active"
DEFAULT_PLATFORM = {"seller_center": "tiktok", "partner_api": "tiktok", "douyin_orders": "douyin",
                    "douyin_aftersales": "douyin"}


def _expand(path: Path, into: Path) -> list[Path]:
    """Files and canonical table folders under `path` (hidden and `_` entries skipped)."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    if path.resolve() == into.resolve() or into.resolve() in path.resolve().parents:
        raise InputError(f"this is inside the output folder {into}; ingest reads exports from elsewhere "
                         "and never rewrites its own input", file=str(path))
    if path.is_file() or detect.table_name(path):
        return [path]
    out: list[Path] = []
    for child in sorted(path.iterdir()):
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir():
            out += _expand(child, into)
        elif child.suffix.lower() in detect.KNOWN_EXT:
            out.append(child)
    return out


def _load(det: detect.Detected, ctx: Context) -> Loaded:
    if det.format == "canonical":
        return canonical.load(det.path, det.table, ctx)
    if det.format == "seller_center":
        from . import seller_center
        return seller_center.load(det.path, ctx)
    if det.format in ("douyin_orders", "douyin_aftersales"):
        from . import douyin
        return (douyin.load_orders if det.format == "douyin_orders" else douyin.load_aftersales)(det.path, ctx)
    from . import partner_api
    return partner_api.load(det.path, ctx)


def _reason_counts(rej: pl.DataFrame | None, table: str) -> tuple[int, str]:
    if rej is None:
        return 0, ""
    r = rej.filter(pl.col("_table") == table)
    if r.height == 0:
        return 0, ""
    counts = (r.select(pl.col("_reason").str.split("; ")).explode("_reason")
              .group_by("_reason").len().sort(["len", "_reason"], descending=[True, False]))
    return r.height, "; ".join(f"{a}: {n}" for a, n in counts.iter_rows())


def _check_choice(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    if value is not None and value not in allowed:
        raise InputError(f"{option} must be one of {', '.join(allowed)}, got {value!r}")


def ingest(paths: Iterable[str | Path], into: str | Path, shop_id: str | None = None, region: str | None = None,
           platform: str | None = None) -> pl.DataFrame:
    """Load every file under `paths` into canonical Parquet under `into`; return the summary."""
    into = Path(into)
    _check_choice(region, schema.REGIONS, "--region")
    _check_choice(platform, schema.PLATFORMS, "--platform")
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise InputError("no file to ingest")
    into.mkdir(parents=True, exist_ok=True)
    key = pii.secret_key(into)
    ctx = Context(shop_id=str(shop_id) if shop_id is not None else None, region=region, platform=platform, key=key)

    # Read and map everything first: an unusable file stops the run before anything is written.
    targets = [t for p in paths for t in _expand(p, into)]
    if not targets:
        raise InputError("no CSV, XLSX, JSON or Parquet file found", file=", ".join(map(str, paths)))
    loaded: list[tuple[Path, Loaded, str]] = []
    for target in targets:
        det = detect.detect(target)
        result = _load(det, ctx)
        files = canonical.files_of(target) if target.is_dir() else [target]
        loaded.append((target, result, store.source_hash(files, target if target.is_dir() else None)))

    rows = []
    for target, result, h in loaded:
        rej = result.rejected_frame()
        # a fixed version of the same file replaces the earlier version's rejected rows
        for stale in (into / store.REJECTED_DIR).glob(f"{store.safe_name(target)}-*.parquet"):
            stale.unlink()
        store.write_side(into, store.REJECTED_DIR, f"{store.safe_name(target)}-{h[:8]}", rej)
        texts = None if result.texts is None else result.texts.with_columns(pl.lit(target.name).alias("source"))
        store.write_side(into, store.TEXT_DIR, f"part-{h}", texts)
        tables = list(result.tables) + sorted(set(rej["_table"].unique()) - set(result.tables) if rej is not None
                                              else [])
        for table in tables:
            df = result.tables.get(table)
            replaced = store.write_table(into, table, df, f"part-{h}") if df is not None and df.height else 0
            n_rej, reasons = _reason_counts(rej, table)
            rows.append({"file": str(target), "format": result.format, "table": table,
                         "rows_read": result.rows_read, "rows_written": 0 if df is None else df.height,
                         "rows_replaced": replaced, "rows_rejected": n_rej, "reasons": reasons,
                         "notes": " ".join(result.notes)})

    if ctx.shop_id is not None:
        raw = [r for _, r, _ in loaded if r.format != "canonical"]
        plat = platform or next((r.platform for r in raw if r.platform), None)
        reg = region or next((r.region for r in raw if r.region), None)
        if plat and reg:
            rows.append(_shop_summary(upsert_shops(into, [{"shop_id": ctx.shop_id, "platform": plat, "region": reg,
                                                           "status": DEFAULT_SHOP_STATUS}], override=False)))
        else:
            rows.append({"file": "(--shop-id)", "format": "shops", "table": "shops", "rows_read": 0,
                         "rows_written": 0, "rows_replaced": 0, "rows_rejected": 0, "reasons": "",
                         "notes": f"no shops row written for {ctx.shop_id}: pass --region and --platform"})
    return pl.DataFrame(rows, schema={c: (pl.Int64 if c.startswith("rows_") else pl.String)
                                      for c in SUMMARY_COLUMNS})


def _shop_summary(result: tuple[int, int]) -> dict:
    written, replaced = result
    return {"file": "(shops)", "format": "shops", "table": "shops", "rows_read": written,
            "rows_written": written, "rows_replaced": replaced, "rows_rejected": 0, "reasons": "", "notes": ""}


def upsert_shops(into: str | Path, shops: list[dict], override: bool) -> tuple[int, int]:
    """Write or merge shop rows. `override=False` (ingest --shop-id): an existing row keeps its
    values and only gains what it lacked. `override=True` (manifest): given values win, the
    rest is kept. Returns (rows written, existing rows replaced)."""
    into = Path(into)
    t = schema.table("shops")
    for s in shops:
        unknown = set(s) - set(t.names)
        if unknown:
            raise InputError(f"shops entry {s.get('shop_id')!r} has unknown field(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(t.names)}")
    new = conform(pl.DataFrame([{k: (str(v) if k == "shop_id" else v) for k, v in s.items()} for s in shops],
                               infer_schema_length=None), "shops")
    old = store.existing_rows(into, "shops")
    known = 0
    if old is not None and old.height:
        old = conform(old, "shops").filter(pl.col("shop_id").is_in(new["shop_id"].implode()))
        known = old["shop_id"].n_unique()
        merged = new.join(old, on="shop_id", how="left", suffix="__old")
        first, second = ("", "__old") if override else ("__old", "")
        merged = merged.select(["shop_id"] + [pl.coalesce(pl.col(f"{c}{first}"), pl.col(f"{c}{second}")).alias(c)
                                              for c in t.names if c != "shop_id"])
    else:
        merged = new
    part = into / "shops" / "part-ingested-shops.parquet"
    if part.exists():
        merged = pl.concat([conform(pl.read_parquet(part), "shops"), merged]).unique("shop_id", keep="last",
                                                                                      maintain_order=True)
    store.write_table(into, "shops", merged, "part-ingested-shops")
    return len(shops), known


def ingest_manifest(manifest_path: str | Path, into: str | Path) -> pl.DataFrame:
    """Ingest every file of a manifest (paths relative to it) and write its shops.

        shops:  [{shop_id: "7000000000000000001", platform: tiktok, region: US, status: active, ...}]
        files:  [{path: us_orders.csv, shop_id: "7000000000000000001", region: US, platform: tiktok}]
    """
    manifest_path = Path(manifest_path)
    try:
        m = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise InputError(f"cannot read the manifest ({e})", file=str(manifest_path)) from None
    frames = []
    for i, entry in enumerate(m.get("files") or []):
        if "path" not in entry:
            raise InputError(f"files[{i}] has no path", file=str(manifest_path))
        frames.append(ingest([manifest_path.parent / entry["path"]], into,
                             shop_id=None if entry.get("shop_id") is None else str(entry["shop_id"]),
                             region=entry.get("region"), platform=entry.get("platform")))
    if m.get("shops"):
        frames.append(pl.DataFrame([_shop_summary(upsert_shops(into, m["shops"], override=True))],
                                   schema={c: (pl.Int64 if c.startswith("rows_") else pl.String)
                                           for c in SUMMARY_COLUMNS}))
    if not frames:
        raise InputError("the manifest lists no files and no shops", file=str(manifest_path))
    return pl.concat(frames)
