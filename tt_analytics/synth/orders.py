"""Per-order generation: one chunk of consecutive order indices -> rows of every order-driven table.

All randomness of an order comes from a fixed-width row of uniforms drawn per block of BLOCK
orders (`np.random.default_rng([seed, 1, block])`), so an order's data does not depend on how the
run was cut into chunks. Everything is vectorised over the chunk; loops run over carriers,
patterns or marks, never over rows.
"""
from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import ndtri

from . import texts
from .plan import (CURRENCY, FAKE_PATTERNS, P, PATTERNS, SELLER_GID, SLA_HOURS, SPECIAL_GID,
                   TRANSIT_DAYS, Plan, _mix, base_price, zip_lists)
from .tracking import REGION_CARRIERS, malformed, numbers

BLOCK = 16_384
NU = 40
NULL = np.iinfo(np.int64).min
HOUR, DAY = 3600, 86400
DIURNAL = np.array([2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 7, 6, 6, 6, 7, 8, 10, 11, 10, 7, 4], dtype=float)
DIURNAL_CDF = np.cumsum(DIURNAL) / DIURNAL.sum()
INITIATORS = ("seller", "buyer", "system")
REASONS = ("out_of_stock", "pricing_error", "sla_timeout", "buyer_request", "address_issue", "other")
RETURN_REASONS = np.array(["changed_mind", "not_as_described", "defective", "damaged", "wrong_item", "missing_item",
                           "lost_in_transit", "late_dispatch", "empty_package", "other"])
RETURN_P = np.cumsum([0.45, 0.12, 0.12, 0.06, 0.06, 0.03, 0.03, 0.02, 0.01, 0.10])
SELLER_FAULT = {"not_as_described", "defective", "damaged", "wrong_item", "missing_item", "lost_in_transit",
                "late_dispatch", "empty_package"}
DEFECT = np.array(["defective", "damaged", "wrong_item", "missing_item", "not_as_described", "empty_package"])
SF_CODE = np.isin(RETURN_REASONS, list(SELLER_FAULT))
DEFECT_CODE = np.nonzero(np.isin(RETURN_REASONS, DEFECT))[0]
LATE_CODE = int(np.nonzero(RETURN_REASONS == "late_dispatch")[0][0])
_HEX = pl.Series([f"{i:04x}" for i in range(65536)])


def uniforms(seed: int, a: int, b: int) -> np.ndarray:
    """The (b - a, NU) uniforms of orders a..b-1: one SFC64 stream per block of BLOCK orders."""
    out = np.empty((b - a, NU), dtype=np.float32)
    for blk in range(a // BLOCK, (b - 1) // BLOCK + 1):
        lo, hi = max(a, blk * BLOCK), min(b, (blk + 1) * BLOCK)
        gen = np.random.Generator(np.random.SFC64([seed, 1, blk]))
        if lo == blk * BLOCK and hi == (blk + 1) * BLOCK:
            gen.random(out=out[lo - a:hi - a], dtype=np.float32)
        else:  # a partial block: draw it whole so the numbers do not depend on where the cut is
            out[lo - a:hi - a] = gen.random((BLOCK, NU), dtype=np.float32)[lo - blk * BLOCK:hi - blk * BLOCK]
    return out


def hexhash(x: np.ndarray) -> pl.Series:
    """16 hex characters of a 64-bit keyed hash (distinct inputs give distinct strings)."""
    h = _mix(x)
    parts = {f"p{i}": _HEX.gather(((h >> np.uint64(s)) & np.uint64(0xFFFF)).astype(np.int64)) for i, s in enumerate((48, 32, 16, 0))}
    return pl.DataFrame(parts).select(pl.concat_str(list(parts))).to_series()


def ident_hash(gid: np.ndarray, kind: int, salt: int) -> pl.Series:
    return hexhash((gid.astype(np.uint64) * np.uint64(8) + np.uint64(kind)) ^ _mix(np.array([salt], dtype=np.uint64)))


def buyer_ids(gid: np.ndarray, salt: int) -> pl.Series:
    n = ((gid.astype(np.uint64) % np.uint64(10 ** 12)) * np.uint64(7919) + np.uint64(salt)) % np.uint64(10 ** 12)
    return _prefix("u", pl.Series(n).cast(pl.String).str.zfill(12))


def _prefix(text: str, s: pl.Series) -> pl.Series:
    return pl.select(pl.concat_str([pl.lit(text), pl.lit(s)])).to_series()


def order_ids(idx: np.ndarray, region: np.ndarray, salt: int) -> pl.Series:
    """18-digit order numbers: 57... on TikTok, 69... on Douyin (distinct for distinct indices)."""
    body = (idx.astype(np.uint64) * np.uint64(7919) + np.uint64(salt)) % np.uint64(10 ** 16)
    prefix = np.where(region == 3, 69, 57).astype(np.uint64) * np.uint64(10 ** 16)
    return pl.Series(prefix + body).cast(pl.String)


def ts(sec: np.ndarray) -> pl.Series:
    """Epoch seconds (NULL sentinel allowed) -> UTC timestamps."""
    s = pl.Series(np.where(sec == NULL, 0, sec) * 1_000_000).cast(pl.Datetime("us", "UTC"))
    return s.scatter(np.nonzero(sec == NULL)[0], None) if (sec == NULL).any() else s


def cat(options, codes: np.ndarray) -> pl.Series:
    """Enumeration codes (-1: null) -> a String series, by gathering from the options."""
    lut = pl.Series(list(options) + [None], dtype=pl.String)
    return lut.gather(np.where(codes < 0, len(options), codes))


def _cut(x: np.ndarray, end: np.ndarray) -> np.ndarray:
    return np.where((x != NULL) & (x <= end), x, NULL)


class Ctx:
    """Per-run constants derived once from the plan."""

    def __init__(self, p: Plan):
        self.p = p
        self.zips = zip_lists(p.salt)
        self.zip_arr = np.stack([self.zips[r] for r in ("US", "UK", "SEA", "CN")])  # (4, 1000) object
        self.cat0 = np.array([c[0] for c in p.categories])
        self.end = p.day_start[:, p.days]  # as_of end per region (UTC epoch seconds)
        reg_orders = np.bincount(np.repeat(p.region, p.counts.sum(axis=0)), minlength=4) if p.counts.size else np.zeros(4)
        self.pool = np.maximum(300, (0.45 * reg_orders).astype(np.int64))
        carriers = [REGION_CARRIERS[r] for r in ("US", "UK", "SEA", "CN")]
        self.carrier_names = sorted({c for cs in carriers for c in cs})
        self.shop_carrier = np.zeros((p.n_shops, 2), dtype=np.int64)  # index into carrier_names
        for s in range(p.n_shops):
            cs = carriers[p.region[s]]
            self.shop_carrier[s] = [self.carrier_names.index(cs[p.carriers[s, k] % len(cs)]) for k in range(2)]
        self.shop_ids = shop_ids(p)
        self.sid = pl.Series(self.shop_ids.tolist(), dtype=pl.String)
        self.zip_lut = pl.Series(np.concatenate([self.zip_arr.reshape(-1), [None]]).tolist(), dtype=pl.String)
        self.flash = None  # past flash sales, set by generate.small_tables


def shop_ids(p: Plan) -> np.ndarray:
    names = np.array(["US", "UK", "SEA", "CN"])[p.region]
    return np.array([f"{n}{i + 1:05d}" for n, i in zip(names, range(p.n_shops))], dtype=object)


def _spread(rank, k, n):
    """Exactly k of the ranks 0..n-1 are hit, evenly; also the hit's index 0..k-1."""
    n = np.maximum(n, 1)
    hi = ((rank + 1) * k) // n
    lo = (rank * k) // n
    return hi > lo, hi - 1


def generate(ctx: Ctx, a: int, b: int) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    p = ctx.p
    S = p.n_shops
    idx = np.arange(a, b, dtype=np.int64)
    n = len(idx)
    U = uniforms(p.seed, a, b)
    cell = np.searchsorted(p.cell_start, idx, side="right") - 1
    day, shop = cell // S, cell % S
    rank = idx - p.cell_start[cell]
    region = p.region[shop]
    cn = region == 3
    end = ctx.end[region]

    # planted blocks
    pi = np.searchsorted(p.pl_cell, cell)
    pi_c = np.minimum(pi, max(len(p.pl_cell) - 1, 0))
    planted = (pi < len(p.pl_cell)) & (p.pl_cell[pi_c] == cell) & (rank < p.pl_n[pi_c]) if len(p.pl_cell) else np.zeros(n, bool)
    pat = np.where(planted, p.pl_pattern[pi_c] if len(p.pl_cell) else -1, -1)
    grp = np.where(planted, p.pl_group[pi_c] if len(p.pl_cell) else 0, 0)
    member = np.where(planted, (p.pl_first[pi_c] if len(p.pl_cell) else 0) + rank, 0)
    blk_n = np.where(planted, p.pl_n[pi_c] if len(p.pl_cell) else 1, 1)

    def is_(name):
        return pat == P[name]

    # marks (exact planted counts for situation shops)
    hits, hit_j = {}, {}
    for m, mk in p.marks.items():
        k = mk["k"][shop]
        act = (k > 0) & (day >= mk["d0"][shop]) & (day <= mk["d1"][shop])
        hit_j[m + "_k2"] = mk["k2"][shop]
        if not act.any():
            hits[m], hit_j[m] = np.zeros(n, bool), np.zeros(n, np.int64)
            continue
        r = p.cumshop[shop, day] - p.cumshop[shop, np.clip(mk["d0"][shop], 0, p.days)] + rank
        h, j = _spread(r, k, mk["n"][shop])
        hits[m], hit_j[m] = act & h, np.where(act & h, j, 0)

    # --- created_at -----------------------------------------------------------------------
    day0 = p.day_start[region, day]
    day_len = p.day_start[region, day + 1] - day0
    hr = np.searchsorted(DIURNAL_CDF, U[:, 0], side="right").clip(0, 23)
    lo_cdf = np.where(hr > 0, DIURNAL_CDF[np.maximum(hr - 1, 0)], 0.0)
    frac = (U[:, 0] - lo_cdf) / (DIURNAL[hr] / DIURNAL.sum())
    tod = (hr + np.clip(frac, 0, 0.9999)) * HOUR
    hour0 = np.where(planted, p.pl_hour[pi_c] if len(p.pl_cell) else 0, 0) * HOUR
    tod = np.where(is_("brushing_ring"), hour0 + rank * 400 + U[:, 37] * 300, tod)
    tod = np.where(is_("viral_burst"), hour0 + rank * (3 * HOUR / np.maximum(blk_n, 1)) + U[:, 37] * 60, tod)
    tod = np.where(is_("review_farm") | is_("tracking_reused"), hour0 + rank * 600 + U[:, 37] * 300, tod)
    created = day0 + np.minimum(tod.astype(np.int64), day_len - 1)

    # --- buyers and identities ------------------------------------------------------------
    local = np.floor(ctx.pool[region] * U[:, 1] ** 1.25).astype(np.int64)
    gid = region.astype(np.int64) * 100_000_000_000 + local
    buyer_g, addr_g, phone_g, dev_g = gid.copy(), gid.copy(), gid.copy(), gid.copy()
    base = SPECIAL_GID + pat.astype(np.int64) * 20_000_000_000 + grp * 256
    g = p.groups
    ring = is_("brushing_ring") | is_("ring_camouflage")
    if ring.any():
        cam = g.get("ring_camouflage", {})
        ring_g = np.where(is_("ring_camouflage"), cam["ring"][np.where(is_("ring_camouflage"), grp, 0)] if len(cam.get("ring", [])) else 0,
                          np.where(is_("brushing_ring"), grp, 0))
        rg = g["brushing_ring"]
        size = rg["size"][ring_g]
        acct = np.where(is_("ring_camouflage"), cam["account"][np.where(is_("ring_camouflage"), grp, 0)] if len(cam.get("account", [])) else 0,
                        member) % size
        rbase = SPECIAL_GID + P["brushing_ring"] * 20_000_000_000 + ring_g * 256
        buyer_g = np.where(ring, rbase + acct, buyer_g)
        addr_g = np.where(ring, rbase + 200 + acct % rg["n_addr"][ring_g], addr_g)
        phone_g = np.where(ring, rbase + 220 + acct % rg["n_phone"][ring_g], phone_g)
        dev_g = np.where(ring, rbase + 240 + acct % rg["n_dev"][ring_g], dev_g)
    one = is_("bulk_buyer") | is_("loyal_buyer")
    fresh = planted & ~ring & ~one & ~is_("household")
    for m, v in ((one, base), (fresh, base + rank)):
        buyer_g, addr_g, phone_g, dev_g = (np.where(m, v, x) for x in (buyer_g, addr_g, phone_g, dev_g))
    hh = is_("household")
    if hh.any():
        hsize = g["household"]["size"][np.where(hh, grp, 0)]
        mem = base + member % hsize
        buyer_g, phone_g, dev_g = (np.where(hh, mem, x) for x in (buyer_g, phone_g, dev_g))
        addr_g = np.where(hh, base, addr_g)
    selfp = is_("self_purchase")
    if selfp.any():
        seller = SELLER_GID + shop.astype(np.int64) * 8 + (rank % 2)
        kind = np.floor(U[:, 37] * 4).astype(int)
        buyer_g = np.where(selfp & (kind == 0), seller, buyer_g)
        addr_g = np.where(selfp & ((kind == 0) | (kind == 2)), seller, addr_g)
        phone_g = np.where(selfp & ((kind == 0) | (kind == 1)), seller, phone_g)
        dev_g = np.where(selfp & ((kind == 0) | (kind == 3)), seller, dev_g)

    # zips as codes into ctx.zip_lut (region * 1000 + index); strings are gathered at the end
    zi = (_mix(addr_g.astype(np.uint64) * np.uint64(8) + np.uint64(5)) % np.uint64(1000)).astype(np.int64)
    origin = region * 1000 + p.origin_zi[shop]
    ship_to = region * 1000 + zi
    seller_home = selfp & (addr_g >= SELLER_GID)
    ship_to = np.where(seller_home, origin, ship_to)
    lm = is_("logistics_mismatch")
    lm_from = lm & (U[:, 37] < 0.5)
    lm_to = lm & ~lm_from
    other = region * 1000 + 40 + (zi + 1 + (U[:, 36] * 500).astype(np.int64)) % 960  # never an origin (indices < 40)
    other = np.where(other == ship_to, region * 1000 + 40 + (zi + 481) % 960, other)
    ship_from = np.where(lm_from, other, origin)
    deliver_zip = np.where(lm_to, other, ship_to)

    # --- lines ----------------------------------------------------------------------------
    nl = np.where(planted, 1, 1 + (U[:, 27] < 0.22) + (U[:, 27] < 0.05)).astype(np.int64)
    li_order = np.repeat(np.arange(n), nl)
    li_no = np.arange(len(li_order)) - np.repeat(np.cumsum(nl) - nl, nl)
    lu = U[li_order, 28 + li_no]
    lshop = shop[li_order]
    prod = np.floor(p.nprod[lshop] * lu ** 2.2).astype(np.int64)
    pp = np.where(planted, p.pl_product[pi_c] if len(p.pl_cell) else -1, -1)[li_order]
    if ring.any():
        rprod = g["brushing_ring"]["products"][ring_g]
        prod = np.where(is_("brushing_ring")[li_order], rprod[li_order, (member % 3)[li_order]], prod)
    prod = np.where(pp >= 0, pp, prod)
    loyal = is_("loyal_buyer")[li_order] & (U[li_order, 37] < 0.6)
    prod = np.where(loyal, (grp[li_order] * 7) % p.nprod[lshop], prod)
    qty = np.where(planted[li_order], np.where(is_("bulk_buyer")[li_order], p.pl_qty[pi_c][li_order] + np.floor(lu * 3).astype(np.int64), 1),
                   1 + (U[li_order, 31 + li_no] < 0.15) + (U[li_order, 31 + li_no] < 0.03)).astype(np.int64)
    price = base_price(p.salt, lshop, prod, ctx.cat0[lshop], region[li_order])
    disc = (prod % 3 == 2) & (U[li_order, 34] < 0.3)
    unit = np.round(np.where(disc, price * 0.9, price), 2)
    is_flash = np.zeros(len(li_order), dtype=bool)
    if ctx.flash is not None and len(ctx.flash["shop"]):
        key = lshop * 100_000 + prod
        fk = ctx.flash["shop"] * 100_000 + ctx.flash["product"]
        order_k = np.argsort(fk)
        pos = np.searchsorted(fk[order_k], key)
        pos_c = np.minimum(pos, len(fk) - 1)
        fi = order_k[pos_c]
        lc = created[li_order]
        is_flash = (pos < len(fk)) & (fk[fi] == key) & (lc >= ctx.flash["start"][fi]) & (lc < ctx.flash["end"][fi])
        unit = np.where(is_flash, ctx.flash["price"][fi], unit)
    variant = 1 + np.floor(U[li_order, 34] * 7 % 1 * (1 + prod % 4)).astype(np.int64)
    amount = np.round(np.bincount(li_order, weights=qty * unit, minlength=n), 2)

    # --- fulfilment, payment, cancellation, dispatch ---------------------------------------
    SPOT, PRESALE, TIERED = 0, 1, 2
    fulfil = np.where(cn, np.where(U[:, 26] < 0.9, SPOT, np.where(U[:, 26] < 0.95, PRESALE, TIERED)),
                      np.where(U[:, 26] < 0.95, SPOT, PRESALE))
    clean = p.clean[shop] | planted
    fulfil = np.where(clean, SPOT, fulfil)
    spot_act = (p.marks["spot"]["k"][shop] > 0) & (day >= p.marks["spot"]["d0"][shop]) & (day <= p.marks["spot"]["d1"][shop])
    fulfil = np.where(spot_act, np.where(hits["spot"], SPOT, np.where(U[:, 26] < 0.5, PRESALE, TIERED)), fulfil)
    paid = created + 10 + (-np.log1p(-U[:, 4] * 0.999) * 180).astype(np.int64)
    sla = np.where(fulfil == PRESALE, 7 * DAY, np.where(fulfil == TIERED, 5 * DAY, SLA_HOURS[region] * HOUR))
    ship_by = paid + sla
    u2 = U[:, 2]
    unpaid = ~clean & (u2 < 0.01)
    buyer_c = ~clean & (u2 >= 0.01) & (u2 < 0.045)
    seller_c = (~clean & (u2 >= 0.045) & (u2 < 0.049)) | hits["sfc"]
    addr_c = ~clean & (u2 >= 0.049) & (u2 < 0.050)
    sla_c = (~clean & (u2 >= 0.050) & (u2 < 0.052)) | (hits["sfc"] & (U[:, 3] < 0.25) & (day <= p.dd(4)))
    seller_c &= ~sla_c
    cancelled = np.full(n, NULL)
    initiator = np.full(n, -1)
    reason = np.full(n, -1)
    for m, t, who, why in (
            (unpaid, created + 1800, INITIATORS.index("system"), REASONS.index("other")),
            (buyer_c, paid + (U[:, 3] * 6 * HOUR).astype(np.int64), INITIATORS.index("buyer"), REASONS.index("buyer_request")),
            (seller_c, paid + (2 * HOUR + U[:, 3] * 20 * HOUR).astype(np.int64), INITIATORS.index("seller"),
             np.where(U[:, 3] < 0.7, REASONS.index("out_of_stock"), REASONS.index("pricing_error"))),
            (addr_c, paid + 3 * HOUR, INITIATORS.index("seller"), REASONS.index("address_issue")),
            (sla_c, ship_by + HOUR, INITIATORS.index("system"), REASONS.index("sla_timeout"))):
        cancelled = np.where(m, t, cancelled)
        initiator = np.where(m, who, initiator)
        reason = np.where(m, why, reason)
    paid = np.where(unpaid, NULL, paid)
    ship_by = np.where(unpaid, NULL, ship_by)
    # a cancellation that happens after as_of has not happened yet
    pending_cancel = (cancelled != NULL) & (cancelled > end)
    cancelled = np.where(pending_cancel, NULL, cancelled)
    initiator = np.where(pending_cancel, -1, initiator)
    reason = np.where(pending_cancel, -1, reason)
    will_cancel = (unpaid | buyer_c | seller_c | addr_c | sla_c)

    window = np.where(ship_by == NULL, 0, ship_by - paid)
    shipped = paid + (window * (0.05 + 0.85 * U[:, 5] ** 1.3)).astype(np.int64)
    late_bg = ~clean & (U[:, 6] < 0.01)
    shipped = np.where(late_bg, ship_by + ((1 + 30 * U[:, 7]) * HOUR).astype(np.int64), shipped)
    shipped = np.where(hits["late"], ship_by + ((2 + 40 * U[:, 7]) * HOUR).astype(np.int64), shipped)
    shipped = np.where(hits["late_ext"], ship_by + ((24 + 24 * U[:, 7]) * HOUR).astype(np.int64), shipped)
    shipped = np.where(will_cancel, NULL, shipped)
    transit = TRANSIT_DAYS[region, 0] + (TRANSIT_DAYS[region, 1] - TRANSIT_DAYS[region, 0]) * U[:, 8]
    delivered = np.where(shipped == NULL, NULL, shipped + (transit * DAY).astype(np.int64))
    no_scan = is_("tracking_no_scan")
    first_scan = shipped + ((0.5 + 6 * U[:, 35]) * HOUR).astype(np.int64)
    first_scan = np.where(no_scan, shipped + ((30 + 30 * U[:, 35]) * HOUR).astype(np.int64), first_scan)
    delivered = np.where(no_scan & (delivered != NULL), np.maximum(delivered, first_scan + DAY), delivered)
    completed = np.where(delivered == NULL, NULL,
                         delivered + np.where(U[:, 9] < 0.6, U[:, 9] / 0.6 * 3 * DAY, 7 * DAY).astype(np.int64))
    shipped, delivered, completed = _cut(shipped, end), _cut(delivered, end), _cut(completed, end)
    delivered = np.where(shipped == NULL, NULL, delivered)
    completed = np.where(delivered == NULL, NULL, completed)
    paid = _cut(paid, end)

    # --- carrier and tracking ---------------------------------------------------------------
    ci = np.where(planted | (U[:, 10] < 0.7), ctx.shop_carrier[shop, 0], ctx.shop_carrier[shop, 1])
    has_trk = shipped != NULL
    trk_index = np.where(is_("tracking_reused"), idx - rank, idx)  # a reused number is the block's first one
    tracking = pl.repeat(None, n, dtype=pl.String, eager=True)
    for c, name in enumerate(ctx.carrier_names):
        m = has_trk & (ci == c)
        if not m.any():
            continue
        nums = numbers(name, trk_index[m], shop[m], p.salt)
        bad = is_("tracking_invalid")[m]
        if bad.any():
            nums = pl.select(pl.when(pl.lit(pl.Series(bad))).then(pl.lit(malformed(name, nums, U[m, 36])))
                             .otherwise(pl.lit(nums))).to_series()
        tracking = tracking.scatter(np.nonzero(m)[0], nums)
    carrier = np.where(has_trk, ci, -1)

    oid = order_ids(idx, region, p.salt)
    sid = ctx.sid.gather(shop)
    orders = pl.DataFrame({
        "order_id": oid, "shop_id": sid, "buyer_id": buyer_ids(buyer_g, p.salt),
        "created_at": ts(created), "paid_at": ts(paid), "ship_by": ts(ship_by), "shipped_at": ts(shipped),
        "delivered_at": ts(delivered), "completed_at": ts(completed), "cancelled_at": ts(cancelled),
        "cancel_initiator": cat(INITIATORS, initiator), "cancel_reason": cat(REASONS, reason),
        "fulfillment": cat(("spot", "presale", "tiered"), fulfil), "amount": amount,
        "currency": cat(CURRENCY, region),
        "tracking_number": tracking, "carrier": cat(ctx.carrier_names, carrier),
        "ship_from_zip": ctx.zip_lut.gather(ship_from), "ship_to_zip": ctx.zip_lut.gather(ship_to),
        "ship_to_address_hash": ident_hash(addr_g, 1, p.salt), "buyer_phone_hash": ident_hash(phone_g, 2, p.salt),
        "buyer_device_hash": ident_hash(dev_g, 3, p.salt),
    })
    prod_id = pl.DataFrame({"s": sid.gather(li_order), "k": prod}).select(
        pl.format("{}-P{}", "s", pl.col("k").cast(pl.String).str.zfill(4))).to_series()
    lines = pl.DataFrame({
        "order_id": oid.gather(li_order), "line_id": pl.Series(li_no + 1).cast(pl.String), "product_id": prod_id,
        "sku_id": pl.DataFrame({"p": prod_id, "v": variant}).select(pl.format("{}-{}", "p", "v")).to_series(),
        "quantity": qty, "unit_price": unit, "is_flash_sale": is_flash,
    })

    # --- tracking events ---------------------------------------------------------------------
    t = np.nonzero(has_trk)[0]
    skip = no_scan[t] & (U[t, 37] < 0.3)  # fake shipping: no scan at all
    t = t[~skip]
    dl = delivered[t]
    arrive = np.where(dl == NULL, NULL, dl)
    mid = np.where(arrive == NULL, first_scan[t] + 12 * HOUR, first_scan[t] + (arrive - first_scan[t]) // 2)
    ofd = np.where(arrive == NULL, NULL, np.maximum(arrive - ((2 + 4 * U[t, 36]) * HOUR).astype(np.int64), mid + 1))
    ev_t = np.concatenate([first_scan[t], mid, ofd, arrive])
    ev_s = np.repeat(np.arange(4), len(t))
    ev_z = np.concatenate([ship_from[t], np.full(len(t), -1), deliver_zip[t], deliver_zip[t]])
    ev_o = np.tile(t, 4)
    keep = (ev_t != NULL) & (ev_t <= end[ev_o])
    ordr = np.lexsort((ev_t[keep], ev_o[keep]))
    events = pl.DataFrame({
        "tracking_number": tracking.gather(ev_o[keep][ordr]), "event_at": ts(ev_t[keep][ordr]),
        "status": cat(("picked_up", "in_transit", "out_for_delivery", "delivered"), ev_s[keep][ordr]),
        "zip": ctx.zip_lut.gather(np.where(ev_z[keep][ordr] < 0, len(ctx.zip_lut) - 1, ev_z[keep][ordr]))})

    # --- returns -------------------------------------------------------------------------------
    dlv = delivered != NULL
    ri = np.searchsorted(RETURN_P, U[:, 12], side="right").clip(0, len(RETURN_REASONS) - 1)
    rreason = ri
    sf = SF_CODE[rreason]
    ret = dlv & ~planted & (U[:, 11] < 0.025) & ~(p.clean[shop] & sf)
    requested = delivered + ((1 + 6 * U[:, 13]) * DAY).astype(np.int64)
    resolved = requested + ((1 + 9 * U[:, 14]) * DAY).astype(np.int64)
    resolved = np.where(~p.clean[shop] & (U[:, 14] > 0.99), requested + ((31 + 9 * U[:, 14]) * DAY).astype(np.int64), resolved)
    planted_ret = (hits["ret_sf"] | hits["defect"] | hits["ldret"]) & dlv
    requested = np.where(planted_ret, delivered + ((1 + U[:, 13]) * DAY).astype(np.int64), requested)
    resolved = np.where(planted_ret, requested + ((1 + 3 * U[:, 14]) * DAY).astype(np.int64), resolved)
    resolved = np.where(hits["ret_sf"] & (hit_j["ret_sf"] < hit_j["ret_sf_k2"]), NULL, resolved)
    rreason = np.where(hits["ret_sf"] | hits["defect"], DEFECT_CODE[(U[:, 12] * len(DEFECT_CODE)).astype(int) % len(DEFECT_CODE)], rreason)
    rreason = np.where(hits["ldret"], LATE_CODE, rreason)
    ret = (ret | planted_ret) & (requested <= end)
    r = np.nonzero(ret)[0]
    returns = pl.DataFrame({
        "return_id": _prefix("R", oid.gather(r)), "order_id": oid.gather(r), "shop_id": sid.gather(r),
        "requested_at": ts(requested[r]), "resolved_at": ts(_cut(resolved[r], end[r])),
        "return_type": cat(("refund", "return_and_refund", "replacement"), np.searchsorted([0.4, 0.9], U[r, 38], side="right")),
        "reason": cat(RETURN_REASONS.tolist(), rreason[r]),
        "seller_fault": SF_CODE[rreason[r]],
    })

    # --- reviews -------------------------------------------------------------------------------
    rp = np.where(cn, 0.30, 0.22)
    farm = is_("review_farm")
    own = p.own_reviews[shop]  # shops whose only reviews are planted
    rv = dlv & (((U[:, 15] < rp) & ~own) | farm | hits["negrev"] | hits["review"])
    rv &= ~(is_("brushing_ring") & (U[:, 15] > 0.5))
    stars = 5 - np.searchsorted(np.cumsum([0.70, 0.22, 0.054, 0.013]), U[:, 16], side="right")
    stars = np.where(p.clean[shop] & (stars <= 2), 4, stars)
    stars = np.where(planted | p.happy[shop], np.maximum(stars, 4), stars)
    stars = np.where(farm | is_("brushing_ring"), 5, stars)
    stars = np.where(hits["negrev"], 1 + (U[:, 16] < 0.5), stars)
    stars = np.where(hits["review"], np.where(hit_j["review"] < hit_j["review_k2"], 3, np.where(U[:, 16] < 0.3, 4, 5)), stars)
    posted = delivered + ((0.5 + 9 * U[:, 19]) * DAY).astype(np.int64)
    posted = np.where(hits["negrev"] | hits["review"], delivered + ((0.2 + 2 * U[:, 19]) * DAY).astype(np.int64), posted)
    # a farm posts its reviews in one burst, minutes apart, once every parcel of the block has arrived
    posted = np.where(farm, day0 + hour0 + 10 * DAY + rank * 600 + (U[:, 19] * 120).astype(np.int64), posted)
    rv &= posted <= end
    v = np.nonzero(rv)[0]
    first_line = np.cumsum(nl) - nl
    vprod = prod[first_line[v]]
    text = texts.honest(ctx.cat0[shop[v]], vprod, stars[v], cn[v], U[v, 17], U[v, 18])
    if farm[v].any():
        fv = farm[v]
        ft = texts.farmed(cn[v][fv], grp[v][fv], (grp[v][fv] % 3) == 2, U[v, 17][fv])
        text = text.scatter(np.nonzero(fv)[0], ft)
    reviews = pl.DataFrame({
        "review_id": _prefix("V", oid.gather(v)), "order_id": oid.gather(v), "shop_id": sid.gather(v),
        "product_id": prod_id.gather(first_line[v]), "rating": stars[v].astype(np.int64), "created_at": ts(posted[v]),
        "text": text})

    # --- disputes -------------------------------------------------------------------------------
    dsp = (~clean & (U[:, 20] < 0.006) & (dlv | ((cancelled != NULL) & (paid != NULL)))) | (hits["dispute"] & dlv)
    opened = np.where(dlv, delivered, np.where(cancelled != NULL, cancelled, created)) + ((1 + 6 * U[:, 22]) * DAY).astype(np.int64)
    opened = np.where(hits["dispute"], delivered + ((1 + 2 * U[:, 22]) * DAY).astype(np.int64), opened)
    dres = opened + ((2 + 10 * U[:, 21]) * DAY).astype(np.int64)
    dres = np.where(hits["dispute"], opened + 2 * DAY, dres)
    dinit = np.where(hits["dispute"] | (U[:, 21] < 0.9), 0, 1)
    LIABLE = ("seller", "buyer", "platform", "carrier", "none")
    liable = np.searchsorted([0.03, 0.4, 0.5, 0.7], (U[:, 21] * 10) % 1, side="right")
    liable = np.where(hits["dispute"], np.where(hit_j["dispute"] < hit_j["dispute_k2"], 0,
                                                np.where(U[:, 22] < 0.5, 1, 4)), liable)
    dsp &= opened <= end
    dq = np.nonzero(dsp)[0]
    dres_c = _cut(dres[dq], end[dq])
    disputes = pl.DataFrame({
        "dispute_id": _prefix("D", oid.gather(dq)), "order_id": oid.gather(dq), "shop_id": sid.gather(dq),
        "opened_at": ts(opened[dq]), "initiator": cat(("buyer", "seller"), dinit[dq]),
        "liable_party": cat(LIABLE, np.where(dres_c == NULL, -1, liable[dq])), "resolved_at": ts(dres_c)})

    # --- customer-service conversations ------------------------------------------------------------
    conv = ~p.cs_clean[shop] & (U[:, 23] < np.where(cn, 0.08, 0.12))
    cq = np.nonzero(conv)[0]
    b1 = created[cq] + ((-2 + 8 * 24 * U[cq, 24]) * HOUR).astype(np.int64)
    d1 = np.exp(np.log(360) + 1.2 * ndtri(np.clip(U[cq, 25], 1e-9, 1 - 1e-9))).astype(np.int64)
    r1 = b1 + d1
    two = (U[cq, 24] * 10) % 1 < 0.3
    b2 = r1 + ((0.2 + 3 * U[cq, 39]) * HOUR).astype(np.int64)
    r2 = b2 + np.exp(np.log(300) + 1.0 * ndtri(np.clip((U[cq, 25] * 10) % 1, 1e-9, 1 - 1e-9))).astype(np.int64)
    bot = U[cq, 39] < 0.2
    cols = [(b1, 0, np.ones(len(cq), bool)), (b1 + 5, 2, bot), (r1, 1, np.ones(len(cq), bool)),
            (b2, 0, two), (r2, 1, two)]
    m_t = np.concatenate([c[0] for c in cols])
    m_s = np.concatenate([np.full(len(cq), c[1]) for c in cols])
    m_keep = np.concatenate([c[2] for c in cols])
    m_seq = np.repeat(np.arange(len(cols)), len(cq))
    m_o = np.tile(cq, len(cols))
    m_keep &= m_t <= end[m_o]
    ordm = np.lexsort((m_seq[m_keep], m_o[m_keep]))
    mo, mseq = m_o[m_keep][ordm], m_seq[m_keep][ordm]
    conv_id = _prefix("C", oid.gather(mo))
    messages = pl.DataFrame({
        "message_id": pl.DataFrame({"c": conv_id, "q": mseq + 1}).select(pl.format("{}-{}", "c", "q")).to_series(),
        "conversation_id": conv_id, "shop_id": sid.gather(mo),
        "sender": cat(("buyer", "seller", "bot"), m_s[m_keep][ordm]), "sent_at": ts(m_t[m_keep][ordm])})

    # --- ground truth of the planted orders ---------------------------------------------------------
    tq = np.nonzero(planted)[0]
    truth = pl.DataFrame({
        "order_id": oid.gather(tq), "shop_id": sid.gather(tq),
        "pattern": cat(PATTERNS, pat[tq]),
        "is_fake": np.isin(pat[tq], [P[x] for x in FAKE_PATTERNS])})
    return {"orders": orders, "order_lines": lines, "tracking_events": events, "returns": returns,
            "reviews": reviews, "disputes": disputes, "messages": messages}, truth
