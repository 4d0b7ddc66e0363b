"""`synthesize`: plan, stream the order-driven tables chunk by chunk, write the small tables and truth."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from .. import schema
from .orders import BLOCK, DAY, HOUR, NULL, Ctx, buyer_ids, generate, ident_hash, shop_ids, ts
from .plan import CATEGORY_NAMES, REGION_NAMES, SELLER_GID, Plan, base_price, make_plan

PL_TYPES = {"str": pl.String, "timestamp": pl.Datetime("us", "UTC"), "date": pl.Date, "bool": pl.Boolean,
            "int": pl.Int64, "float": pl.Float64}
STREAMED = ("orders", "order_lines", "tracking_events", "returns", "reviews", "disputes", "messages")
DEFAULT_CHUNK = 64 * BLOCK  # 1,048,576 orders per part file
SUBCHUNK = 8 * BLOCK  # orders generated at once inside a chunk
DEP_TABLE = {  # CNY deposit paid at opening by entity type and category (RULES.md DEP-TABLE; others: the type's floor)
    "individual_business": {"apparel": 2000, "jewelry_collectibles": 20000, "mother_baby": 5000, None: 2000},
    "enterprise": {"apparel": 4000, "jewelry_collectibles": 20000, "mother_baby": 10000, None: 4000},
    "individual": {None: 500},
}


def conform(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Columns in schema order with exactly the schema's dtypes (absent optional columns are null)."""
    t = schema.table(table)
    return df.select([(pl.col(c.name) if c.name in df.columns else pl.lit(None)).cast(PL_TYPES[c.dtype]).alias(c.name)
                      for c in t.columns])


def _write(df: pl.DataFrame, path: Path, level: int = 3) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path, compression="zstd", compression_level=level, statistics=True)


def synthesize(out, shops: int = 40, orders: int = 20_000, seed: int = 7, as_of: dt.date = dt.date(2026, 11, 20),
               chunk_orders: int = DEFAULT_CHUNK, progress: bool = True) -> Path:
    """Write synthetic canonical tables (Parquet) and ground truth (`_truth/`) into `out`.

    Deterministic: the same arguments give byte-identical files. `chunk_orders` (a multiple of
    16,384) only changes how the streamed tables are cut into part files, not their rows.
    """
    out = Path(out)
    if chunk_orders <= 0 or chunk_orders % BLOCK:
        raise ValueError(f"chunk_orders must be a positive multiple of {BLOCK}, got {chunk_orders}")
    if shops < 1 or orders < 1:
        raise ValueError("shops and orders must be positive")
    plan = make_plan(shops, orders, seed, as_of)
    out.mkdir(parents=True, exist_ok=True)
    for name in list(schema.TABLES) + ["_truth"]:
        for entry in (out / name, out / f"{name}.parquet"):
            if entry.is_dir():
                shutil.rmtree(entry)
            elif entry.exists():
                entry.unlink()

    ctx = Ctx(plan)
    small, cs_messages = small_tables(plan, ctx)
    for name, df in small.items():
        _write(conform(name, df), out / f"{name}.parquet")

    total = plan.total_orders
    level = 3 if total <= 1_000_000 else 1  # big runs are disk- and CPU-bound: lighter compression
    starts = list(range(0, total, chunk_orders))
    truth_parts, counts = [], {t: 0 for t in STREAMED}
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    with Progress(TextColumn("synth {task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("orders"),
                  TimeElapsedColumn(), TimeRemainingColumn(), disable=not progress, transient=False) as bar:
        task = bar.add_task(f"{total:,} orders, {len(starts)} chunk(s)", total=total)
        for i, a in enumerate(starts):
            b = min(a + chunk_orders, total)
            pieces = []
            for s in range(a, b, SUBCHUNK):  # small pieces keep numpy's buffers in reused memory
                pieces.append(generate(ctx, s, min(s + SUBCHUNK, b)))
                bar.update(task, advance=min(s + SUBCHUNK, b) - s)
            for name in STREAMED:
                df = conform(name, pl.concat([t[name] for t, _ in pieces]))
                _write(df, out / name / f"part-{i:05d}.parquet", level)
                counts[name] += df.height
            truth_parts.append(pl.concat([t for _, t in pieces]))
    _write(conform("messages", cs_messages), out / "messages" / "part-cs-situations.parquet")
    counts["messages"] += cs_messages.height

    truth_dir = out / "_truth"
    fake = pl.concat(truth_parts) if truth_parts else pl.DataFrame(schema={"order_id": pl.String})
    _write(fake, truth_dir / "fake_orders.parquet")
    sid = shop_ids(plan)
    situations = pl.DataFrame({
        "shop_id": [sid[s.shop] for s in plan.situations], "situation": [s.situation for s in plan.situations],
        "rule_id": [s.rule_id for s in plan.situations], "expected": [s.expected for s in plan.situations],
        "note": [s.note for s in plan.situations], "numerator": [s.numerator for s in plan.situations],
        "denominator": [s.denominator for s in plan.situations]},
        schema={**{k: pl.String for k in ("shop_id", "situation", "rule_id", "expected", "note")},
                "numerator": pl.Int64, "denominator": pl.Int64})
    _write(situations, truth_dir / "situations.parquet")
    manifest = {
        "generator": "tt_analytics.synth", "seed": seed, "shops": shops, "orders": total, "as_of": as_of.isoformat(),
        "history_start": plan.start.isoformat(), "chunk_orders": chunk_orders,
        "rows": {**{k: v.height for k, v in small.items()}, **counts},
        "fake_orders_by_pattern": dict(sorted(fake.group_by("pattern").len().iter_rows())) if fake.height else {},
        "situations": situations.height,
    }
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out


# ----------------------------------------------------------------------------------------------
# Small tables (per shop, per shop-day, planted rows)
# ----------------------------------------------------------------------------------------------
def _local(p: Plan, region: np.ndarray, day: np.ndarray, hour: float) -> np.ndarray:
    """UTC epoch seconds of `hour` o'clock local on day index `day` (extrapolated outside the history)."""
    d = np.clip(day, 0, p.days)
    return p.day_start[region, d] + (day - d) * DAY + int(hour * HOUR)


def small_tables(p: Plan, ctx: Ctx) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    rng = np.random.default_rng([p.seed, 2])
    S = p.n_shops
    sid = ctx.shop_ids
    region_names = np.array(REGION_NAMES, dtype=object)[p.region]
    cn = p.region == 3
    situation_shops = {s.shop for s in p.situations}
    day = lambda d: p.start + dt.timedelta(days=int(d))  # noqa: E731

    opened = [day(d) for d in p.opened_day]
    closed = [day(d) if (p.status[s] == "closed") else None for s, d in enumerate(p.closed_day)]
    shops = pl.DataFrame({
        "shop_id": sid, "platform": np.where(cn, "douyin", "tiktok"), "region": region_names, "status": p.status,
        "graduated_at": [o + dt.timedelta(days=60) if g else None for o, g in zip(opened, p.graduated)],
        "entity_type": p.entity, "opened_at": opened, "closed_at": closed,
        "documents_complete": [bool(x) if c else None for x, c in zip(p.documents_complete, cn)],
        "controller_id": [f"CTRL{c + 1:05d}" for c in p.controller], "origin_zip": p.origin_zip,
        "arrears": [float(a) if c else None for a, c in zip(p.arrears, cn)],
    })
    cat_rows = [(sid[s], CATEGORY_NAMES[c]) for s in range(S) for c in p.categories[s]]
    shop_categories = pl.DataFrame(cat_rows, schema=["shop_id", "category"], orient="row")

    # daily ratings while the shop is open
    days = np.arange(p.days)
    act = (days[:, None] >= p.opened_day[None, :]) & (days[:, None] < p.closed_day[None, :])
    d_idx, s_idx = np.nonzero(act)
    noise = rng.normal(0, 1, len(d_idx))
    rating = np.clip(p.rating_mean[s_idx] + 0.05 * noise, 0, 5)
    pos = np.clip(0.93 + (p.rating_mean[s_idx] - 4.7) * 0.3 + 0.01 * noise, 0, 1)
    for s, (d0, r, pr) in p.rating_override.items():
        m = (s_idx == s) & (d_idx >= d0)
        rating[m], pos[m] = r, pr
    shop_ratings = pl.DataFrame({"shop_id": sid[s_idx], "date": [day(0)] * 0 or (pl.Series(d_idx).cast(pl.Int32) + (p.start - dt.date(1970, 1, 1)).days).cast(pl.Date),
                                 "rating": np.round(rating, 2), "positive_review_rate": np.round(pos, 3)})

    # violations: planted histories plus a light background on shops without a situation
    vrows = list(p.extras["violations"])
    bg_types = np.array(["late_dispatch", "seller_fault_cancellation", "not_as_described", "other", "ip_infringement"])
    for s in range(S):
        if s in situation_shops or p.status[s] != "active":
            continue
        k = rng.poisson(0.3 if cn[s] else 1.2)
        for _ in range(k):
            appeal = rng.choice(["none", "none", "none", "rejected", "overturned", "pending"])
            vrows.append((s, int(rng.integers(1, 400)), float(rng.integers(1, 4)),
                          "other" if cn[s] else str(rng.choice(bg_types)), str(appeal),
                          None))
    vs = np.array([r[0] for r in vrows], dtype=np.int64)
    vdb = np.array([r[1] for r in vrows], dtype=np.int64)
    vreg = p.region[vs] if len(vs) else np.zeros(0, np.int64)
    rec = _local(p, vreg, p.days - 1 - vdb, 10) if len(vs) else np.zeros(0, np.int64)
    vtype = np.array([r[3] for r in vrows], dtype=object)
    vapp = np.array([r[4] for r in vrows], dtype=object)
    rej = np.array([(_local(p, vreg[i:i + 1], np.array([p.days - 1 - r[5]]), 16)[0] if r[5] is not None
                     else rec[i] + int(rng.integers(5, 20)) * DAY) if r[4] == "rejected" else NULL
                    for i, r in enumerate(vrows)], dtype=np.int64)
    end = ctx.end[vreg] if len(vs) else np.zeros(0, np.int64)
    inv = np.where(np.isin(vtype, ["fake_transaction", "not_as_described", "counterfeit"]),
                   rec + rng.integers(30, 100, len(vs)) * DAY, NULL)
    inv = np.where((inv != NULL) & (inv <= end), inv, NULL)
    violations = pl.DataFrame({
        "violation_id": [f"VIO{sid[s]}-{i:04d}" for i, s in enumerate(vs)], "shop_id": sid[vs] if len(vs) else [],
        "recorded_at": ts(rec), "violation_type": vtype, "points": np.array([r[2] for r in vrows], dtype=float),
        "appeal_status": vapp, "appeal_rejected_at": ts(rej), "investigation_ended_at": ts(inv)})

    # deposits (Douyin): paid on opening at the DEP-TABLE amount; planted top-ups and deductions
    drows = []
    extra = {}
    for s, ev, days_before, amt in p.extras["deposits"]:
        extra.setdefault(s, []).append((ev, days_before, amt))
    for s in np.nonzero(cn)[0]:
        table = DEP_TABLE[p.entity[s]]
        cats = [CATEGORY_NAMES[c] for c in p.categories[s]]
        if p.entity[s] == "individual" and any(c not in ("apparel", "underwear", "sports_outdoor", "shoes", "kitchenware") for c in cats):
            continue  # category not open to individuals: nothing could be paid
        required = max(table.get(c, table[None]) for c in cats)
        top = sum(a for ev, _, a in extra.get(s, []) if ev == "topped_up")
        drows.append((s, "paid", (p.days - 1) - int(p.opened_day[s]), float(required - top)))
        for ev, db, a in extra.get(s, []):
            if a is None:  # a refund pays back the balance so far
                a = sum(x[3] if x[1] in ("paid", "topped_up") else -x[3] for x in drows if x[0] == s)
            drows.append((s, ev, db, float(a)))
        if s not in situation_shops and rng.random() < 0.15:
            db = int(rng.integers(30, 300))
            amt = float(rng.choice([200.0, 500.0, 1000.0]))
            drows += [(s, "deducted", db, amt), (s, "topped_up", db - 7, amt)]
    ds = np.array([r[0] for r in drows], dtype=np.int64)
    dd = np.array([r[2] for r in drows], dtype=np.int64)
    deposits = pl.DataFrame({"shop_id": sid[ds], "event_at": ts(_local(p, p.region[ds], p.days - 1 - dd, 9)),
                             "event": [r[1] for r in drows], "amount": [r[3] for r in drows]}).sort("shop_id", "event_at")

    # flash sales: planted checks, the past sale next to them, and a background of past sales
    frows, past = [], []
    fs_shop = None
    for s, name, prod, factor, hours in p.extras["flash_sales"]:
        fs_shop = s
        reg = p.region[s:s + 1]
        listp = float(base_price(p.salt, np.array([s]), np.array([prod]), ctx.cat0[s:s + 1], reg)[0])
        start = int(_local(p, reg, np.array([p.days - 1 + 3]), 10)[0])
        length = hours * HOUR + (1 if name.endswith("plus_1s") else 0)
        if prod >= 9990:
            frows.append((s, prod, round(listp * factor, 2), listp, start, start + length))
        elif name == "fs_overlap":
            frows.append((s, prod, round(listp * factor, 2), round(listp * 1.2, 2), start, start + length))
            frows.append((s, prod, round(listp * factor, 2), round(listp * 1.2, 2), start + 24 * HOUR, start + 24 * HOUR + length))
        else:
            price = round(listp + 0.01, 2) if name == "fs_price_cent_above" else round(listp * factor, 2)
            frows.append((s, prod, price, round(listp * 1.2, 2), start, start + length))
        if prod == 0:
            ps = int(_local(p, reg, np.array([p.dd(10)]), 10)[0])
            past.append((s, 0, round(listp * 0.7, 2), round(listp * 1.2, 2), ps, ps + 24 * HOUR))
    for s in range(S):
        if cn[s] or s == fs_shop or p.status[s] != "active" or rng.random() > 0.3:
            continue
        prod = int(rng.integers(0, 3))
        d = int(rng.integers(max(int(p.opened_day[s]), 0), p.dd(2)))
        reg = p.region[s:s + 1]
        listp = float(base_price(p.salt, np.array([s]), np.array([prod]), ctx.cat0[s:s + 1], reg)[0])
        st = int(_local(p, reg, np.array([d]), 12)[0])
        past.append((s, prod, round(listp * 0.75, 2), round(listp * 1.2, 2), st, st + int(rng.choice([24, 48])) * HOUR))
    allfs = past + frows
    flash_sales = pl.DataFrame({
        "flash_sale_id": [f"FS{i + 1:06d}" for i in range(len(allfs))], "shop_id": [sid[r[0]] for r in allfs],
        "product_id": [f"{sid[r[0]]}-P{r[1]:04d}" for r in allfs], "price": [r[2] for r in allfs],
        "original_price": [r[3] for r in allfs], "start_at": ts(np.array([r[4] for r in allfs], dtype=np.int64)),
        "end_at": ts(np.array([r[5] for r in allfs], dtype=np.int64))})
    ctx.flash = {"shop": np.array([r[0] for r in past], dtype=np.int64), "product": np.array([r[1] for r in past], dtype=np.int64),
                 "price": np.array([r[2] for r in past]), "start": np.array([r[4] for r in past], dtype=np.int64),
                 "end": np.array([r[5] for r in past], dtype=np.int64)}

    # SLA extensions: the planted one (LDR) and a region-wide first-mile switch in the past
    erows = [(REGION_NAMES[p.region[s]], p.origin_zip[s], day(d0), day(d1), x) for reg, s, d0, d1, x in p.extras["sla_extensions"]]
    erows.append(("CN", "523000", day(p.dd(80)), day(p.dd(79)), 3))
    sla_extensions = pl.DataFrame(erows, schema=["region", "ship_from_zip", "created_from", "created_to", "extra_days"], orient="row")

    # seller identities: the owner and one staff member per shop
    person = (SELLER_GID + np.repeat(np.arange(S), 2) * 8 + np.tile([0, 1], S)).astype(np.int64)
    owner_shop = np.repeat(np.arange(S), 2)
    ident = pl.concat([
        pl.DataFrame({"shop_id": sid[owner_shop], "kind": "buyer_id", "value": buyer_ids(person, p.salt)}),
        pl.DataFrame({"shop_id": sid[owner_shop], "kind": "phone_hash", "value": ident_hash(person, 2, p.salt)}),
        pl.DataFrame({"shop_id": sid[owner_shop], "kind": "address_hash", "value": ident_hash(person, 1, p.salt)}),
        pl.DataFrame({"shop_id": sid[owner_shop], "kind": "device_hash", "value": ident_hash(person, 3, p.salt)}),
    ]).sort("shop_id", "kind", "value")

    cs = cs_conversations(p, sid)
    return {"shops": shops, "shop_categories": shop_categories, "shop_ratings": shop_ratings, "violations": violations,
            "deposits": deposits, "flash_sales": flash_sales, "sla_extensions": sla_extensions,
            "seller_identities": ident}, cs


def cs_conversations(p: Plan, sid: np.ndarray) -> pl.DataFrame:
    """100 planted conversations per CS situation shop, days as_of-29 .. as_of-3, one reply each."""
    rows = []
    i = np.arange(100)
    for s, name in p.extras["conversations"]:
        d = p.dd(29) + i % 27
        b = _local(p, np.full(100, p.region[s]), d, 10) + (i * 37 % 480) * 60
        if name == "cs_frt_just_inside":
            delay = np.where(i % 2 == 0, 25, 34) * 60
        elif name == "cs_frt_just_outside":
            delay = np.where(i % 2 == 0, 26, 36) * 60
        else:
            fast = {"cs_rr24_just_inside": 86, "cs_rr24_just_outside": 84}.get(name, 86)
            slow_to = {"cs_rr48_just_inside": 96, "cs_rr48_just_outside": 94}.get(name, 100)
            delay = np.where(i < fast, 5 * 60, np.where(i < slow_to, 30 * HOUR, -1))
        conv = [f"CS{sid[s]}-{k:03d}" for k in i]
        for k in i:
            rows.append((f"{conv[k]}-1", conv[k], sid[s], "buyer", int(b[k])))
            if delay[k] >= 0:
                rows.append((f"{conv[k]}-2", conv[k], sid[s], "seller", int(b[k] + delay[k])))
    df = pl.DataFrame(rows, schema=["message_id", "conversation_id", "shop_id", "sender", "sent"], orient="row")
    return df.with_columns(ts(df["sent"].to_numpy()).alias("sent_at")).drop("sent") if df.height else df
