"""The plan: shops, the order count of every (day, shop) cell, planted situations and fake-order blocks.

Everything that is not per order is decided here, up front and small (shops x days), from one
random stream. The per-order generator (orders.py) then only reads the plan, so any order's data
depends only on the seed, the plan and its global index: chunks can be cut anywhere on a block
boundary and give the same rows.

Orders are numbered day-major: all orders of day 0 (shop 0, shop 1, ...), then day 1, ... so a
chunk of consecutive order indices is a slice of time. Within a (day, shop) cell, a planted block
(fake orders or an honest look-alike) takes the first ranks, background orders follow.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np


REGION_NAMES = ("US", "UK", "SEA", "CN")
TZ = {"US": "America/Los_Angeles", "UK": "Europe/London", "SEA": "Asia/Singapore", "CN": "Asia/Shanghai"}
CURRENCY = ("USD", "GBP", "SGD", "CNY")
PRICE_SCALE = np.array([1.0, 0.8, 1.35, 7.0])  # local price per USD of list price
SLA_HOURS = np.array([72, 48, 72, 48])  # dispatch SLA after payment, spot orders
TRANSIT_DAYS = np.array([[2.0, 6.0], [1.0, 3.0], [1.0, 4.0], [1.0, 4.0]])
REGION_SHARE = {"US": 0.30, "UK": 0.15, "SEA": 0.20, "CN": 0.35}
CATEGORY_NAMES = ("apparel", "underwear", "jewelry_collectibles", "mother_baby", "sports_outdoor", "shoes",
                  "kitchenware", "beauty", "electronics", "food", "home", "other")
INDIVIDUAL_OK = (0, 1, 4, 5, 6)  # categories open to individual (个人) Douyin shops (DEP-TABLE)
CAT_PRICE = np.array([25, 15, 40, 30, 35, 55, 30, 20, 45, 12, 28, 18], dtype=float)  # median USD price

PATTERNS = ("self_purchase", "logistics_mismatch", "tracking_invalid", "tracking_reused", "tracking_no_scan",
            "bulk_buyer", "brushing_ring", "review_farm", "household", "loyal_buyer", "viral_burst",
            "ring_camouflage")
P = {name: i for i, name in enumerate(PATTERNS)}
FAKE_PATTERNS = PATTERNS[:8]
# share of all orders per pattern (fake ~1.3%, look-alikes ~1.6%)
PATTERN_SHARE = {"self_purchase": 0.0010, "logistics_mismatch": 0.0010, "tracking_invalid": 0.0008,
                 "tracking_reused": 0.0010, "tracking_no_scan": 0.0010, "bulk_buyer": 0.0015,
                 "brushing_ring": 0.0040, "review_farm": 0.0020,
                 "household": 0.0040, "loyal_buyer": 0.0040, "viral_burst": 0.0080}

MARKS = ("sfc", "late", "late_ext", "negrev", "defect", "ldret", "dispute", "ret_sf", "spot", "review")
# order-id space: honest buyers below 5e11, special accounts above (all < 1e12 so ids stay distinct)
SPECIAL_GID = 500_000_000_000
SELLER_GID = 900_000_000_000


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64 (distinct inputs give distinct hashes)."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass
class Situation:
    shop: int
    situation: str
    rule_id: str
    expected: str
    note: str = ""
    numerator: int | None = None    # planted numerator and denominator of the rule's rate, where there is one
    denominator: int | None = None


@dataclass
class Plan:
    seed: int
    as_of: dt.date
    start: dt.date
    days: int
    n_shops: int
    salt: int
    # shops
    region: np.ndarray = None          # int 0..3
    weight: np.ndarray = None
    opened_day: np.ndarray = None      # first day index with orders (may be negative: opened before history)
    closed_day: np.ndarray = None      # day index of closure (days if open)
    status: np.ndarray = None
    entity: np.ndarray = None          # str
    categories: list = None            # list of tuples of category indices
    nprod: np.ndarray = None
    carriers: np.ndarray = None        # (S, 2) carrier indices into REGION_CARRIERS[region]
    origin_zip: np.ndarray = None      # object
    origin_zi: np.ndarray = None       # index of origin_zip in the region's zip list
    controller: np.ndarray = None      # int
    graduated: np.ndarray = None       # bool: has graduated_at
    documents_complete: np.ndarray = None
    arrears: np.ndarray = None
    clean: np.ndarray = None           # bool: no background incidents (metric-situation shops)
    cs_clean: np.ndarray = None        # bool: no background conversations (CS-situation shops)
    rating_mean: np.ndarray = None
    rating_override: dict = field(default_factory=dict)   # shop -> (from_day, rating, positive_rate)
    own_reviews: np.ndarray = None     # bool: the shop's only reviews are the planted ones
    happy: np.ndarray = None           # bool: every review has 4 or 5 stars (the AL-POSITIVE criterion holds)
    # time
    day_start: np.ndarray = None       # (4, days + 1) UTC epoch seconds of local midnight per region
    # cells
    counts: np.ndarray = None          # (days, S) int64
    cell_start: np.ndarray = None      # (days * S + 1,) exclusive cumulative
    cumshop: np.ndarray = None         # (S, days + 1) orders of the shop before each day
    # plants: one block per cell at most (arrays sorted by cell)
    pl_cell: np.ndarray = None
    pl_n: np.ndarray = None
    pl_pattern: np.ndarray = None
    pl_group: np.ndarray = None
    pl_product: np.ndarray = None
    pl_hour: np.ndarray = None
    pl_qty: np.ndarray = None
    pl_first: np.ndarray = None        # index of the block's first member within its group (ranks continue)
    groups: dict = field(default_factory=dict)  # pattern -> dict of per-group arrays
    marks: dict = field(default_factory=dict)   # mark -> dict(k, k2, d0, d1, n) arrays over shops
    situations: list = field(default_factory=list)
    extras: dict = field(default_factory=dict)  # planted non-order rows (violations, messages, ...)

    @property
    def total_orders(self) -> int:
        return int(self.cell_start[-1])

    def day_of(self, d: int) -> dt.date:
        return self.start + dt.timedelta(days=int(d))

    def dd(self, days_before: int) -> int:
        """Day index of as_of minus `days_before`."""
        return self.days - 1 - days_before


def _day_starts(start: dt.date, days: int) -> np.ndarray:
    out = np.zeros((4, days + 1), dtype=np.int64)
    for r, name in enumerate(REGION_NAMES):
        tz = ZoneInfo(TZ[name])
        for d in range(days + 1):
            day = start + dt.timedelta(days=d)
            out[r, d] = int(dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
    return out


def base_price(salt: int, shop: np.ndarray, product: np.ndarray, category: np.ndarray, region: np.ndarray) -> np.ndarray:
    """List price of a product in local currency (deterministic per shop and product; ends in .99)."""
    h = _mix(np.uint64(salt) * np.uint64(1 << 20) + shop.astype(np.uint64) * np.uint64(1 << 24) + product.astype(np.uint64))
    u = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    from scipy.special import ndtri
    usd = CAT_PRICE[category] * np.exp(0.6 * ndtri(np.clip(u, 1e-6, 1 - 1e-6)))
    return np.floor(usd * PRICE_SCALE[region]) + 0.99


LNY = {2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
       2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26), 2029: dt.date(2029, 2, 13)}


def _alloc_regions(n: int, rng) -> np.ndarray:
    shares = np.array([REGION_SHARE[r] for r in REGION_NAMES])
    raw = shares * n
    cnt = np.floor(raw).astype(int)
    if n >= 4:
        cnt = np.maximum(cnt, 1)
    while cnt.sum() < n:
        cnt[np.argmax(raw - cnt)] += 1
    while cnt.sum() > n:
        cnt[np.argmax(cnt)] -= 1
    return rng.permutation(np.repeat(np.arange(4), cnt))


class _Builder:
    """Collects situation set-ups while shops are assigned to them."""

    def __init__(self, p: Plan, rng):
        self.p, self.rng = p, rng
        S = p.n_shops
        self.ovr: list[tuple[int, int, int, int]] = []  # (shop, d0, d1, n) override of window counts
        self.used: dict[str, set] = {}
        self.exclusive: set[int] = set()
        self.sealed: set[int] = set()
        self.no_plants = np.zeros(S, dtype=bool)
        for m in MARKS:
            p.marks[m] = {"k": np.zeros(S, np.int64), "k2": np.zeros(S, np.int64),
                          "d0": np.zeros(S, np.int64), "d1": np.full(S, -1, np.int64)}
        p.extras = {"violations": [], "deposits": [], "flash_sales": [], "sla_extensions": [], "conversations": []}

    # -- helpers used by the situation set-ups --
    def window(self, s: int, days: int, n: int, upto_before: int = 0) -> tuple[int, int]:
        p = self.p
        d0, d1 = p.dd(days - 1 + upto_before), p.dd(upto_before)
        self.ovr.append((s, d0, d1, n))
        return d0, d1

    def mark(self, m: str, s: int, k: int, from_before: int, to_before: int, k2: int = 0):
        mk = self.p.marks[m]
        mk["k"][s], mk["k2"][s], mk["d0"][s], mk["d1"][s] = k, k2, self.p.dd(from_before), self.p.dd(to_before)

    def violation(self, s: int, days_before: int, points: float, vtype: str, appeal: str = "none",
                  rejected_days_before: int | None = None):
        self.p.extras["violations"].append((s, days_before, float(points), vtype, appeal, rejected_days_before))

    def close(self, s: int, day: dt.date, quiet_days: int = 32, documents: bool = True, arrears: float = 0.0):
        """Close the shop on `day`; no orders in the `quiet_days` before, so every payout has settled."""
        p = self.p
        p.categories[s] = (CATEGORY_NAMES.index("apparel"),)  # a category with a DEP-TABLE amount
        d = (day - p.start).days
        p.closed_day[s] = d
        p.status[s] = "closed"
        p.documents_complete[s] = documents
        p.arrears[s] = arrears
        self.ovr.append((s, max(d - quiet_days, 0), p.days - 1, 0))

    def pick(self, channel: str, regions: tuple[str, ...], exclusive: bool, reserve: int, seal: bool = False) -> int | None:
        """A free shop for the channel: exclusive channels take shops no other exclusive channel has; shared
        channels (messages, violations, ratings, flash sales) may reuse them unless the shop is sealed."""
        p = self.p
        used = self.used.setdefault(channel, set())
        for r in regions:
            ri = REGION_NAMES.index(r)
            taken = self.exclusive if exclusive else self.sealed
            pool = [s for s in range(p.n_shops) if p.region[s] == ri and s not in used and s not in taken]
            n_region = int((p.region == ri).sum())
            taken = sum(1 for s in self.exclusive if p.region[s] == ri)
            if not pool or (exclusive and taken >= n_region - reserve):
                continue
            s = pool[0]
            used.add(s)
            if exclusive:
                self.exclusive.add(s)
            if seal:
                self.sealed.add(s)
            return s
        return None


def make_plan(n_shops: int, n_orders: int, seed: int, as_of: dt.date, history_days: int = 365) -> Plan:
    rng = np.random.default_rng([seed, 0])
    S, D = n_shops, history_days
    start = as_of - dt.timedelta(days=D - 1)
    p = Plan(seed=seed, as_of=as_of, start=start, days=D, n_shops=S, salt=int(rng.integers(1, 10 ** 9)))
    p.region = _alloc_regions(S, rng)
    p.weight = rng.lognormal(0.0, 0.8, S)
    age = rng.integers(30, 900, S)  # days open before as_of
    p.opened_day = (D - 1) - age
    p.closed_day = np.full(S, D, dtype=np.int64)
    p.status = np.array(["active"] * S, dtype=object)
    cn = p.region == 3
    u = rng.random(S)
    p.entity = np.where(cn, np.where(u < 0.5, "enterprise", np.where(u < 0.9, "individual_business", "individual")),
                        np.where(u < 0.6, "enterprise", "individual_business")).astype(object)
    cats = []
    for s in range(S):
        k = 1 + int(rng.random() < 0.3)
        pool = INDIVIDUAL_OK if p.entity[s] == "individual" else tuple(range(len(CATEGORY_NAMES) - 1))
        cats.append(tuple(sorted(rng.choice(pool, size=k, replace=False).tolist())))
    p.categories = cats
    p.nprod = (12 + np.minimum(p.weight * 15, 250)).astype(np.int64)
    p.carriers = np.stack([rng.integers(0, 8, S), rng.integers(0, 8, S)], axis=1)
    zips = zip_lists(p.salt)
    p.origin_zi = rng.integers(0, 40, S)  # origins are the first 40 zips of the region's list
    p.origin_zip = np.array([zips[REGION_NAMES[r]][i] for r, i in zip(p.region, p.origin_zi)], dtype=object)
    p.controller = np.arange(S)
    shared = rng.random(S) < 0.15  # some controllers run two shops (AL-RELATED)
    for s in np.nonzero(shared)[0]:
        p.controller[s] = p.controller[max(s - 1, 0)]
    p.graduated = age > 90
    p.documents_complete = np.where(cn, True, False)
    p.arrears = np.zeros(S)
    p.clean = np.zeros(S, dtype=bool)
    p.cs_clean = np.zeros(S, dtype=bool)
    p.rating_mean = np.where(cn, rng.uniform(4.55, 4.9, S), rng.uniform(4.5, 4.9, S))
    p.own_reviews = np.zeros(S, dtype=bool)
    p.happy = np.zeros(S, dtype=bool)
    p.day_start = _day_starts(start, D)

    b = _Builder(p, rng)
    for spec in situation_specs(p):
        s = b.pick(spec["channel"], spec["regions"], spec.get("exclusive", False), spec.get("reserve", 2), spec.get("seal", False))
        if s is None:
            continue
        ok = spec["setup"](b, s)
        if ok is False:
            continue
        p.situations.append(Situation(s, spec["name"], spec["rule"], spec["expected"], spec.get("note", ""),
                                      spec.get("num"), spec.get("den")))
    for s in b.exclusive:
        b.no_plants[s] = True

    _counts(p, n_orders, b, rng)
    _plants(p, n_orders, b, rng)
    _finish_marks(p)
    return p


def zip_lists(salt: int) -> dict[str, np.ndarray]:
    """1,000 distinct plausible postal codes per region (deterministic)."""
    r = np.random.default_rng([salt, 99])
    us = np.char.zfill(r.choice(np.arange(10001, 99950), 1000, replace=False).astype(str), 5)
    outward = np.array(["SW1A", "EC1A", "M1", "B1", "LS1", "G1", "CF10", "BS1", "L1", "NE1", "EH1", "OX1",
                        "CB1", "NG1", "S1", "LE1", "BN1", "RG1", "SO14", "PL1"])
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    code = r.choice(20 * 9 * 20 * 20, 1000, replace=False)
    uk = np.char.add(np.char.add(np.char.add(outward[code // 3600], " "), (1 + code // 400 % 9).astype(str)),
                     np.char.add(letters[code // 20 % 20], letters[code % 20]))
    sea = np.char.zfill(r.choice(np.arange(10000, 829999), 1000, replace=False).astype(str), 6)
    prefix = np.array(["100", "200", "510", "518", "310", "610", "430", "210", "300", "523"])
    code = r.choice(10_000, 1000, replace=False)
    cnz = np.char.add(prefix[code // 1000], np.char.zfill((code % 1000).astype(str), 3))
    return {"US": us.astype(object), "UK": uk.astype(object), "SEA": sea.astype(object), "CN": cnz.astype(object)}


def _counts(p: Plan, n_orders: int, b: _Builder, rng) -> None:
    """Orders per (day, shop): planted windows exactly, the rest multinomial over activity x seasonality."""
    S, D = p.n_shops, p.days
    days = np.arange(D)
    dates = [p.start + dt.timedelta(days=int(d)) for d in days]
    weekly = np.array([1.0, 0.95, 0.95, 1.0, 1.1, 1.2, 1.15])[[d.weekday() for d in dates]]
    spike = np.array([2.5 if (d.month, d.day) == (11, 11) else 1.8 if (d.month, d.day) == (6, 18) else 1.0 for d in dates])
    inten = (0.6 + 0.4 * days / D) * weekly * spike
    active = (days[:, None] >= p.opened_day[None, :]) & (days[:, None] < p.closed_day[None, :])
    lam = inten[:, None] * p.weight[None, :] * active
    fixed = np.zeros((D, S), dtype=bool)
    fixed_counts = np.zeros((D, S), dtype=np.int64)
    for s, d0, d1, n in b.ovr:
        w = d1 - d0 + 1
        per = np.full(w, n // w, dtype=np.int64)
        per[: n % w] += 1
        fixed[d0:d1 + 1, s] = True
        fixed_counts[d0:d1 + 1, s] = per
    lam[fixed] = 0.0
    p._fixed = fixed
    p._planned_extra = int(fixed_counts.sum())
    p.counts = fixed_counts  # background added in _plants once the planted block sizes are known
    p._lam = lam


def _finish_marks(p: Plan) -> None:
    p.cell_start = np.zeros(p.days * p.n_shops + 1, dtype=np.int64)
    np.cumsum(p.counts.reshape(-1), out=p.cell_start[1:])
    p.cumshop = np.zeros((p.n_shops, p.days + 1), dtype=np.int64)
    np.cumsum(p.counts.T, axis=1, out=p.cumshop[:, 1:])
    for m, mk in p.marks.items():
        s = np.arange(p.n_shops)
        d0 = np.clip(mk["d0"], 0, p.days)
        d1 = np.clip(mk["d1"] + 1, 0, p.days)
        mk["n"] = np.where(mk["k"] > 0, p.cumshop[s, d1] - p.cumshop[s, d0], 0)
        short = (mk["k"] > mk["n"])
        mk["k"] = np.where(short, mk["n"], mk["k"])


def _plants(p: Plan, n_orders: int, b: _Builder, rng) -> None:
    """Fake-order blocks and honest look-alikes, sized in proportion to the order count."""
    S, D = p.n_shops, p.days
    eligible = np.nonzero(~b.no_plants & (p.status == "active"))[0]
    last_day = p.dd(20)  # planted orders are old enough to be delivered and reviewed by as_of
    blocks = []  # (day, shop, n, pattern, group, product, hour, qty, first)
    groups: dict[str, dict] = {}

    def shop_days(s, span):
        lo = max(int(p.opened_day[s]), 0)
        hi = min(int(p.closed_day[s]) - 1, last_day) - span
        return (lo, hi) if hi > lo else None

    def tail_product(s, u):  # a product from the less popular half of the shop's range
        n = int(p.nprod[s])
        return n // 2 + int(u * (n - n // 2))

    for name in PATTERN_SHARE:
        budget = PATTERN_SHARE[name] * n_orders
        pi = P[name]
        g = 0
        made = 0
        info = {"shop": [], "size": [], "products": [], "n_addr": [], "n_phone": [], "n_dev": []}
        while made < budget and len(eligible):
            s = int(eligible[rng.integers(0, len(eligible))])
            if name == "brushing_ring":
                A = int(rng.integers(5, 31))
                ndays = int(rng.integers(1, 4))
                per_day = max(2, int(round(A * rng.uniform(1.0, 1.6) / ndays)))
                rng_days = shop_days(s, ndays)
                if rng_days is None:
                    budget -= 1
                    continue
                d0 = int(rng.integers(*rng_days))
                prods = [tail_product(s, rng.random()) for _ in range(int(rng.integers(1, 4)))]
                hour = int(rng.integers(0, 20))
                for k in range(ndays):
                    blocks.append((d0 + k, s, per_day, pi, g, -1, hour, 1, k * per_day))
                made += per_day * ndays
                info["size"].append(A)
                info["products"].append(prods + [prods[0]] * (3 - len(prods)))
                info["n_addr"].append(int(rng.integers(1, 4)))
                info["n_phone"].append(int(rng.integers(1, 3)))
                info["n_dev"].append(int(rng.integers(1, 3)))
                info["shop"].append(s)
                # camouflage: every ring account also buys normally from other shops of the region
                same = eligible[(p.region[eligible] == p.region[s]) & (eligible != s)]
                cam = groups.setdefault("ring_camouflage", {"ring": [], "account": []})
                if len(same):
                    for a in range(A):
                        for _ in range(int(rng.integers(1, 3))):
                            t = int(same[rng.integers(0, len(same))])
                            rd = shop_days(t, 0)
                            if rd is None:
                                continue
                            blocks.append((int(rng.integers(*rd)), t, 1, P["ring_camouflage"], len(cam["ring"]),
                                           -2, int(rng.integers(8, 23)), 1, 0))
                            cam["ring"].append(g)
                            cam["account"].append(a)
            elif name in ("bulk_buyer", "household", "loyal_buyer"):
                if name == "bulk_buyer":
                    gaps, n_block, qty = np.cumsum([0] + list(rng.integers(1, 4, int(rng.integers(2, 4))))), int(rng.integers(3, 6)), int(rng.integers(4, 13))
                elif name == "household":
                    gaps, n_block, qty = np.cumsum([0] + list(rng.integers(10, 26, int(rng.integers(4, 8))))), 1, 1
                else:
                    gaps, n_block, qty = np.cumsum([0] + list(rng.integers(7, 13, int(rng.integers(8, 14))))), 1, 1
                rd = shop_days(s, int(gaps[-1]))
                if rd is None:
                    budget -= 1
                    continue
                d0 = int(rng.integers(*rd))
                prod = tail_product(s, rng.random()) if name == "bulk_buyer" else -1
                for k, gap in enumerate(gaps):
                    blocks.append((d0 + int(gap), s, n_block, pi, g, prod, int(rng.integers(8, 22)), qty, k * n_block))
                made += n_block * len(gaps)
                info["shop"].append(s)
                info["size"].append(int(rng.integers(2, 5)) if name == "household" else 1)
            else:
                n_block = {"self_purchase": int(rng.integers(1, 3)), "tracking_reused": int(rng.integers(2, 4)),
                           "review_farm": int(rng.integers(6, 16)), "viral_burst": int(rng.integers(40, 121))}.get(name, 1)
                rd = shop_days(s, 0)
                if rd is None:
                    budget -= 1
                    continue
                prod = int(rng.integers(0, min(3, int(p.nprod[s])))) if name == "viral_burst" else (
                    tail_product(s, rng.random()) if name == "review_farm" else -1)
                blocks.append((int(rng.integers(*rd)), s, n_block, pi, g, prod, int(rng.integers(8, 20)), 1, 0))
                made += n_block
                info["shop"].append(s)
            g += 1
        groups[name] = {k: np.array(v) for k, v in info.items() if len(v)}
        groups[name]["count"] = g
    if "ring_camouflage" in groups:
        groups["ring_camouflage"] = {k: np.array(v, dtype=np.int64) for k, v in groups["ring_camouflage"].items()}

    arr = np.array(blocks, dtype=np.int64).reshape(-1, 9)
    cell = arr[:, 0] * S + arr[:, 1]
    _, first = np.unique(cell, return_index=True)  # one block per cell: the first planned wins
    keep = np.sort(first)
    arr, cell = arr[keep], cell[keep]
    order = np.argsort(cell, kind="stable")
    arr, cell = arr[order], cell[order]
    p.pl_cell, p.pl_n, p.pl_pattern, p.pl_group = cell, arr[:, 2], arr[:, 3], arr[:, 4]
    p.pl_product, p.pl_hour, p.pl_qty, p.pl_first = arr[:, 5], arr[:, 6], arr[:, 7], arr[:, 8]
    p.groups = groups

    planted = int(arr[:, 2].sum())
    n_bg = n_orders - p._planned_extra - planted
    if n_bg < 0:
        raise ValueError(f"{n_orders} orders are too few for {S} shops' planted situations "
                         f"({p._planned_extra + planted} planted); use more orders or fewer shops")
    lam = p._lam.reshape(-1)
    bg = rng.multinomial(n_bg, lam / lam.sum()).reshape(D, S)
    counts = p.counts + bg
    np.add.at(counts.reshape(-1), cell, arr[:, 2])
    p.counts = counts


# ----------------------------------------------------------------------------------------------
# Planted situations. Each spec names the channel it occupies (a shop hosts at most one situation
# per channel; `exclusive` channels take the shop away from every other channel and from the fake-
# order plants, so their counts stay exact), the regions it may use (first with a free shop wins)
# and a set-up. Listed in priority order: with few shops, the later ones are left out.
# ----------------------------------------------------------------------------------------------
def situation_specs(p: Plan) -> list[dict]:
    specs: list[dict] = []
    TT = ("SEA", "US")  # SEA first: the US shops are also needed by the Star Shop situations

    def metric(name, rule, regions, expected, win, n, mark, k, mfrom, mto, k2=0, note="", extra=None):
        def setup(b, s):  # noqa: ANN001
            b.p.clean[s] = True
            b.window(s, win, n)
            b.mark(mark, s, k, mfrom, mto, k2)
            if extra:
                extra(b, s)
        num, den = {"dispute": (k2, k), "ret_sf": (k - k2, k)}.get(mark, (k, n))
        if mark == "late_ext":
            num = 0
        specs.append(dict(name=name, rule=rule, regions=regions, expected=expected, channel="tt_orders",
                          exclusive=True, setup=setup, note=note, num=num, den=den))

    def ss(name, expected, rating=4.7, per_day=6, status="active", graduated=True, viol=(), note=""):
        def setup(b, s):
            b.p.clean[s] = True
            b.window(s, 45, 45 * per_day)
            b.p.rating_override[s] = (b.p.dd(59), rating, 0.95)
            b.p.status[s] = status
            b.p.graduated[s] = graduated
            if not graduated:
                b.p.opened_day[s] = b.p.dd(70)
            for v in viol:
                b.violation(s, *v)
        specs.append(dict(name=name, rule="SS-" + name.split("_")[-1].upper() if "fail" in name else "SS",
                          regions=("US",), expected=expected, channel="tt_orders", exclusive=True, seal=True, setup=setup, note=note))

    sf = "seller-fault cancellations (out_of_stock, pricing_error, system sla_timeout) among orders created in the last 7 days"
    lt = "orders created in the last 7 days shipped after ship_by (or still unshipped past it)"
    # --- highest priority: one of each family -------------------------------------------------
    metric("sfcr_just_inside", "SFCR", TT, "SFCR 5/209 = 2.39% < 2.5%: target met, 0 points", 7, 209, "sfc", 5, 6, 1, note=sf)
    metric("sfcr_at_threshold", "SFCR", TT, "SFCR 5/200 = 2.50% (not < 2.5%): target missed, 2 points (tier 2.5-10%, cnt 5 >= 5)", 7, 200, "sfc", 5, 6, 1, note=sf)
    metric("ldr_just_inside", "LDR", TT, "LDR 8/210 = 3.81% < 4%: target met, no warning", 7, 210, "late", 8, 6, 3, note=lt)
    metric("ldr_at_4pct", "LDR", TT, "LDR 8/200 = 4.00%: target missed, warning tier (0 points in US/SEA)", 7, 200, "late", 8, 6, 3, note=lt)
    ss("ss_eligible", "Star Shop eligible: active, graduated, ~180 orders completed in 30 days, rating 4.7, 0 active points; "
       "its only fake_transaction violation (2 pts, 200 days ago) has expired", viol=[(200, 2, "fake_transaction")])
    metric("nrr_just_inside", "NRR", TT, "NRR 3/430 = 0.698% <= 0.7%: target met", 30, 430, "negrev", 3, 29, 12,
           note="negative (1-2 star) reviews of orders created in the window; no cancellations in the window")
    metric("nrr_just_outside", "NRR", TT, "NRR 3/425 = 0.706% > 0.7%: target missed", 30, 425, "negrev", 3, 29, 12)
    metric("dlr_just_inside", "DLR", TT, "DLR 1/26 = 3.85% <= 4%: target met", 30, 300, "dispute", 26, 29, 12, k2=1,
           note="26 buyer-initiated disputes in the window, 1 with the seller liable")
    metric("dlr_just_outside", "DLR", TT, "DLR 2/45 = 4.44% > 4%: target missed", 30, 300, "dispute", 45, 29, 12, k2=2)
    metric("rrr_at_98", "RRR", TT, "RRR 49/50 = 98.0% >= 98%: target met (1 seller-fault request still unresolved)", 30, 300, "ret_sf", 50, 29, 14, k2=1,
           note="seller-fault return requests in the last 30 days; unresolved ones count as not resolved within 30 days")
    metric("rrr_just_outside", "RRR", TT, "RRR 48/49 = 97.96% < 98%: target missed", 30, 300, "ret_sf", 49, 29, 14, k2=1)
    metric("drr_just_inside", "DRR", TT, "DRR 2/200 = 1.0% < 1.5% with 200 > 100 orders: target met", 30, 200, "defect", 2, 29, 12)
    metric("drr_at_1_5pct", "DRR", TT, "DRR 3/200 = 1.5% (not < 1.5%), 200 > 100 orders: target missed", 30, 200, "defect", 3, 29, 12)
    metric("drr_100_orders", "DRR", TT, "DRR 5/100 = 5% but only 100 orders (not > 100): DRR not applicable, meets_target null", 30, 100, "defect", 5, 29, 12)
    metric("drr_101_orders", "DRR", TT, "DRR 5/101 = 4.95% with 101 > 100 orders: applies, target missed", 30, 101, "defect", 5, 29, 12)

    def ldr_ret(b, s):  # on other days than the defect returns, so the two never fall on one order
        b.mark("ldret", s, 3, 29, 21)
    metric("drr_late_dispatch_excluded", "DRR", TT, "DRR 2/200 = 1.0%: target met; 3 more seller-fault returns with reason "
           "late_dispatch are excluded (2.5% if they were counted)", 30, 200, "defect", 2, 20, 12, extra=ldr_ret)
    # Star Shop criteria
    ss("ss_fail_active", "Star Shop not eligible: status frozen (SS-ACTIVE); every other criterion passes", status="frozen")
    ss("ss_fail_grad", "Star Shop not eligible: not graduated, graduated_at null (SS-GRAD)", graduated=False)
    ss("ss_fail_orders", "Star Shop not eligible: ~60 orders completed in the past 30 days < 100 (SS-ORDERS)", per_day=2)
    ss("ss_fail_rating", "Star Shop not eligible: rating 4.4 < 4.5 (SS-RATING)", rating=4.4)
    ss("ss_rating_at_4_5", "Star Shop eligible: rating exactly 4.5 (>= 4.5)", rating=4.5)
    ss("ss_fail_points", "Star Shop not eligible: 12 active points, not < 12 (SS-POINTS)",
       viol=[(20, 6, "late_dispatch"), (50, 6, "seller_fault_cancellation")])
    ss("ss_points_11", "Star Shop eligible: 11 active points < 12", viol=[(20, 5, "late_dispatch"), (50, 6, "not_as_described")])
    ss("ss_fail_fake", "Star Shop not eligible: an active counterfeit violation (SS-FAKE), 2 points 20 days ago",
       viol=[(20, 2, "counterfeit")])
    # SFCR / LDR point tiers
    metric("sfcr_count_4", "SFCR", TT, "SFCR 4/100 = 4%: target missed but cnt 4 < 5: 0 points", 7, 100, "sfc", 4, 6, 1, note=sf)
    metric("sfcr_tier_10", "SFCR", TT, "SFCR 10/100 = 10%: 4 points", 7, 100, "sfc", 10, 6, 1)
    metric("sfcr_tier_25", "SFCR", TT, "SFCR 25/100 = 25%: 5 points", 7, 100, "sfc", 25, 6, 1)
    metric("sfcr_tier_50", "SFCR", TT, "SFCR 20/40 = 50%, cnt 20 < 30: 6 points and a 7-day order volume limit at 10% of average daily orders", 7, 40, "sfc", 20, 6, 1)
    metric("sfcr_tier_50_count_30", "SFCR", TT, "SFCR 30/60 = 50%, cnt 30: 7 points and a 7-day order volume limit at 10%", 7, 60, "sfc", 30, 6, 1)
    metric("sfcr_uk_at_threshold", "SFCR", ("UK",), "UK SFCR 5/200 = 2.5%: 1 point", 7, 200, "sfc", 5, 6, 1)
    metric("ldr_tier_10", "LDR", TT, "LDR 10/100 = 10%, cnt 10: 3 points", 7, 100, "late", 10, 6, 3)
    metric("ldr_tier_10_count_4", "LDR", TT, "LDR 4/40 = 10% but cnt 4 < 5: no points tier (warning at most)", 7, 40, "late", 4, 6, 3)
    metric("ldr_tier_25", "LDR", TT, "LDR 25/100 = 25%: 5 points", 7, 100, "late", 25, 6, 3)
    metric("ldr_tier_50", "LDR", TT, "LDR 20/40 = 50%, cnt 20 < 30: 6 points and OVL 10%", 7, 40, "late", 20, 6, 3)
    metric("ldr_tier_50_count_30", "LDR", TT, "LDR 30/60 = 50%, cnt 30: 7 points and OVL 10%", 7, 60, "late", 30, 6, 3)
    metric("ldr_uk_at_4pct", "LDR", ("UK",), "UK LDR 8/200 = 4%: warning + 2 points", 7, 200, "late", 8, 6,2)
    metric("ldr_uk_tier_10", "LDR", ("UK",), "UK LDR 10/100 = 10%: 4 points, OVL 7 days at 80%", 7, 100, "late", 10, 6,2)
    metric("ldr_uk_tier_50", "LDR", ("UK",), "UK LDR 50/100 = 50%: 8 points, OVL at 30%", 7, 100, "late", 50, 6,2)
    metric("ldr_uk_tier_60", "LDR", ("UK",), "UK LDR 60/100 = 60%: 8 points, OVL at 10%", 7, 100, "late", 60, 6,2)

    def ext(b, s):
        p = b.p
        p.extras["sla_extensions"].append(("US", s, p.dd(6), p.dd(3), 3))
    metric("ldr_sla_extension", "LDR", ("US",), "10/100 orders shipped 1-2 days after the base ship_by but within a +3 day "
           "sla_extensions row for the shop's ship_from_zip: LDR 0% (10% if the extension were ignored)",
           7, 100, "late_ext", 10, 6, 3, extra=ext)
    # customer service
    for name, rule, exp, num in [
        ("cs_frt_just_inside", "CS-FRT", "average first response 29.5 min <= 30 min: target met (100 conversations)", 2950),
        ("cs_frt_just_outside", "CS-FRT", "average first response 31.0 min > 30 min: target missed", 3100),
        ("cs_rr24_just_inside", "CS-RR24", "86/100 buyer messages answered within 24 h = 86% >= 85% (the rest at 30 h)", 86),
        ("cs_rr24_just_outside", "CS-RR24", "84/100 answered within 24 h = 84% < 85%", 84),
        ("cs_rr48_just_inside", "CS-RR48", "96/100 answered within 48 h = 96% >= 95% (4 never answered)", 96),
        ("cs_rr48_just_outside", "CS-RR48", "94/100 answered within 48 h = 94% < 95% (6 never answered)", 94),
    ]:
        def cs(b, s, name=name):
            b.p.cs_clean[s] = True
            b.p.extras["conversations"].append((s, name))
        specs.append(dict(name=name, rule=rule, regions=("US", "SEA", "UK"), expected=exp, channel="tt_cs", setup=cs,
                          num=num, den=100,
                          note="planted conversations in the last 30 days (one buyer message, one seller reply); "
                               "the shop has no other conversations"))
    # violation points
    VP = [
        ("vp_warning_7", "VP-WARN", "7 active points: formal warning (5 before 12)", [(30, 4, "late_dispatch"), (60, 3, "seller_fault_cancellation")]),
        ("vp_11", "VP-WARN", "11 active points: below 12, warning", [(20, 5, "late_dispatch"), (70, 6, "not_as_described")]),
        ("vp_12", "VP-T12", "12 active points: 12-point penalties (7 days no campaigns)", [(10, 6, "late_dispatch"), (40, 6, "late_dispatch")]),
        ("vp_24", "VP-T24", "24 active points: 24-point penalties", [(5, 8, "late_dispatch"), (35, 8, "not_as_described"), (90, 8, "seller_fault_cancellation")]),
        ("vp_36", "VP-T36", "36 active points: 36-point penalties", [(3, 12, "late_dispatch"), (33, 12, "fake_fulfillment"), (63, 12, "late_dispatch")]),
        ("vp_43_warning", "VP-WARN", "43 active points: warning before 48", [(15, 20, "counterfeit"), (45, 23, "ip_infringement")]),
        ("vp_expiring_tomorrow", "VP-EXPIRE", "12 active points today; 4 of them were scored 179 days ago and expire tomorrow (then 8)",
         [(179, 4, "late_dispatch"), (10, 8, "late_dispatch")]),
        ("vp_expired_at_180", "VP-EXPIRE", "8 active points: 4 points scored exactly 180 days ago have expired",
         [(180, 4, "late_dispatch"), (10, 8, "late_dispatch")]),
        ("vp_overturned", "VP-APPEAL", "10 active points: 14 scored, 4 overturned on appeal",
         [(20, 6, "late_dispatch"), (40, 4, "counterfeit", "overturned"), (50, 4, "late_dispatch")]),
        ("vp_second_appeal_open", "APPEAL-2", "first appeal rejected 5 days ago: a second appeal is possible for 10 more days",
         [(12, 3, "not_as_described", "rejected", 5)]),
        ("vp_appeal_window_closed", "APPEAL-1", "3 points scored 40 days ago, never appealed: the 30-day appeal window has closed",
         [(40, 3, "late_dispatch")]),
        ("vp_appeal_pending", "VP-APPEAL", "4 points under a pending appeal (still counted)", [(8, 4, "counterfeit", "pending")]),
    ]
    for name, rule, exp, viol in VP:
        def vp(b, s, viol=viol):
            for v in viol:
                b.violation(s, *v)
        specs.append(dict(name=name, rule=rule, regions=("US", "SEA", "UK"), expected=exp, channel="tt_vp", setup=vp))

    def terminated(b, s):
        b.violation(s, 250, 20, "counterfeit")
        b.violation(s, 100, 28, "fake_transaction")
        b.p.status[s] = "deactivated"
        b.p.closed_day[s] = b.p.dd(99)
    specs.append(dict(name="vp_terminated", rule="VP-PERMANENT", regions=("UK", "SEA", "US"), channel="tt_vp",
                      exclusive=True, seal=True, priority=-1,
                      expected="terminated at 48 points 100 days ago; the 20 points scored 250 days ago still count (VP-NO-RESET): 48 active",
                      setup=terminated, note="status deactivated; no orders after termination"))
    # flash sales (all on one busy TikTok shop, one product each)
    FS = [
        ("fs_price_at_lowest", "FS-PRICE-HIST", 0, "price", 1.0, 72, "flash price = lowest price paid in 30 days (the earlier flash-sale "
         "lines at 70% do not count): ok, max_allowed_price = list price"),
        ("fs_price_cent_above", "FS-PRICE-HIST", 1, "price", 1.0, 24, "flash price one cent above the lowest 30-day price: FS-PRICE-HIST fails"),
        ("fs_duration_72h", "FS-DURATION", 3, "price", 0.9, 72, "lasts exactly 72 h: ok"),
        ("fs_duration_72h_plus_1s", "FS-DURATION", 4, "price", 0.9, 72, "lasts 72 h + 1 s: FS-DURATION fails"),
        ("fs_overlap", "FS-ONE", 6, "price", 0.9, 48, "two flash sales of one product overlap by 24 h: FS-ONE fails for both"),
        ("fs_new_product_below_original", "FS-PRICE-NEW", 9990, "orig", 0.8, 24, "no orders in 30 days; price 80% of original: ok"),
        ("fs_new_product_at_original", "FS-PRICE-NEW", 9991, "orig", 1.0, 24, "no orders in 30 days; price = original (not below): fails"),
    ]
    for name, rule, prod, basis, factor, hours, exp in FS:
        def fs(b, s, name=name, prod=prod, factor=factor, hours=hours):
            b.p.weight[s] = max(b.p.weight[s], 3.0)
            b.p.extras["flash_sales"].append((s, name, prod, factor, hours))
        specs.append(dict(name=name, rule=rule, regions=("US",), expected=exp, channel="tt_fs_" + name, setup=fs,
                          note="planned sale starting 3 days after as_of" if prod != 0 else
                          "planned sale starting 3 days after as_of; a past 24 h sale at 70% ran 10 days before as_of"))
    # --- Douyin ---------------------------------------------------------------------------------
    as_of = p.as_of

    def latest(cands, lo_days=60):
        ok = [d for d in cands if p.start + dt.timedelta(days=lo_days) <= d <= as_of - dt.timedelta(days=1)]
        return max(ok) if ok else None
    import chinese_calendar as cc

    def before_holiday(first_day):  # the last working day before a holiday's first day
        d = first_day - dt.timedelta(days=1)
        try:
            while not cc.is_workday(d):
                d -= dt.timedelta(days=1)
        except NotImplementedError:  # a year the calendar does not know yet
            return None
        return d

    def known(days):
        return [d for d in days if d is not None]
    sf_close = latest(known([before_holiday(d - dt.timedelta(days=2)) for d in LNY.values()]))
    nd_close = latest(known([before_holiday(dt.date(y, 10, 1)) for y in range(2024, 2030)]))
    # 31 August + 6 months is the end of February: the month-end case of DEP-REOPEN
    month_end = latest([dt.date(y, 8, 31) for y in range(2024, 2030)], 60) or \
        latest([dt.date(y, m, 31) for y in range(2024, 2030) for m in (1, 3, 5, 7, 10, 12)], 60)

    def dep(name, rule, expected, day, **kw):
        def setup(b, s):
            if day is None:
                return False
            b.close(s, day, **{k: v for k, v in kw.items() if k in ("quiet_days", "documents", "arrears")})
            if kw.get("refunded"):  # the platform already paid the deposit back (amount: the balance)
                b.p.extras["deposits"].append((s, "refunded", (as_of - day).days - 6, None))
            if kw.get("penalty"):
                b.violation(s, (as_of - day).days + 60, 2, "other")
                b.p.extras["deposits"].append((s, "deducted", (as_of - day).days + 55, 500.0))
        specs.append(dict(name=name, rule=rule, regions=("CN",), expected=expected, channel="cn_dep", exclusive=True, seal=True,
                          reserve=3, setup=setup, note=f"closed on {day}" if day else ""))
    dep("dep_refund_eligible", "DEP-REFUND-DUE", "closed 31 days before as_of, documents complete, no penalties, no arrears, "
        "all payouts settled: refund eligible, due 7 CN working days after closure", as_of - dt.timedelta(days=31))
    dep("dep_closed_before_spring_festival", "DEP-REFUND-DUE", f"closed {sf_close}, just before the Spring Festival holiday: "
        "the 7 working days skip the holiday (and count the adjusted working weekend days)", sf_close)
    dep("dep_closed_before_national_day", "DEP-REFUND-DUE", f"closed {nd_close}, just before National Day: due date after the "
        "Golden Week holiday", nd_close)
    dep("dep_refunded", "DEP-REFUND-DUE", "closed 90 days before as_of and refunded 6 days after closure: balance 0, "
        "nothing left to refund", as_of - dt.timedelta(days=90), refunded=True)
    dep("dep_documents_incomplete", "DEP-REFUND-COND", "closed, but documents_complete = false: refund blocked",
        as_of - dt.timedelta(days=40), documents=False)
    dep("dep_arrears", "DEP-REFUND-COND", "closed, arrears 350 CNY: refund blocked", as_of - dt.timedelta(days=50), arrears=350.0)
    dep("dep_penalty_record", "DEP-REFUND-COND", "closed, a penalty record (2 points 'other', 500 CNY deducted from the deposit): "
        "refund blocked; balance = paid - 500", as_of - dt.timedelta(days=45), penalty=True)
    dep("dep_pending_payouts", "SETTLE", "closed 2 days before as_of with orders completed in the last half-month: payouts "
        "still pending (settled on the next 1st/16th), refund delayed", as_of - dt.timedelta(days=2), quiet_days=6)
    dep("dep_reopen_month_end", "DEP-REOPEN", f"closed on {month_end} (a 31st): may reopen from the last day of the month 6 months "
        "later (31 August -> end of February)", month_end)

    def ts(name, expected, k, n=200):
        def setup(b, s):
            b.p.clean[s] = True  # no cancellations: the share is exact whether or not they count
            b.window(s, 60, n)
            b.mark("spot", s, k, 59, 0)
        specs.append(dict(name=name, rule="TIERED-SHIPPING", regions=("CN",), expected=expected, num=k, den=n,
                          channel="cn_ts", exclusive=True, reserve=3, setup=setup,
                          note="orders of the last 60 days: spot-stock share exact, the rest presale/tiered"))
    ts("ts_spot_49", "spot share 98/200 = 49% < 50%: tiered shipping not eligible", 98)
    ts("ts_spot_at_50", "spot share 100/200 = 50%: eligible, warning (50-55%)", 100)
    ts("ts_spot_54", "spot share 108/200 = 54%: eligible, warning", 108)
    ts("ts_spot_at_55", "spot share 110/200 = 55%: eligible, no warning", 110)

    def no_gmv(b, s):
        b.ovr.append((s, b.p.dd(29), b.p.dd(0), 0))
    specs.append(dict(name="al_no_gmv", rule="AL-GMV", regions=("CN",), channel="cn_ts", exclusive=True, seal=True, reserve=3,
                      expected="no orders in the last 30 days: GMV 0, not eligible", setup=no_gmv))

    def few(b, s):
        b.window(s, 60, 40)
        b.p.own_reviews[s] = True
        b.p.clean[s] = True
        b.mark("review", s, 12, 59, 12)
        b.p.rating_override[s] = (b.p.dd(89), 4.8, 0.95)
    specs.append(dict(name="al_few_reviews", rule="AL-FORMAL", regions=("CN",), channel="cn_ts", exclusive=True, seal=True, reserve=3,
                      expected="DSR 4.8, 12 reviews in all (<= 20), all positive: eligible, not formal-only",
                      num=12, den=12, setup=few, note="the shop's only reviews: 12 planted 4-5 star reviews in the last 60 days"))

    def positive(k, k2, rate):
        def setup(b, s):
            b.window(s, 60, 150)
            b.p.own_reviews[s] = True
            b.p.clean[s] = True  # no cancellations: every planted review's order is delivered
            b.mark("review", s, k, 59, 12, k2)
            b.p.rating_override[s] = (b.p.dd(89), 4.8, rate)
        return setup
    specs.append(dict(name="al_positive_at_80", rule="AL-POSITIVE", regions=("CN",), channel="cn_ts", exclusive=True, seal=True,
                      reserve=3, expected="positive review rate exactly 40/50 = 80% over 60 days: eligible", num=40, den=50,
                      setup=positive(50, 10, 0.80), note="the shop's only reviews: 50 planted in the last 60 days, 10 of them 3 stars; "
                      "shop_ratings.positive_review_rate 0.80 too"))
    specs.append(dict(name="al_positive_79", rule="AL-POSITIVE", regions=("CN",), channel="cn_ts", exclusive=True, seal=True,
                      reserve=3, expected="positive review rate 79/100 = 79% < 80%: not eligible, warning", num=79, den=100,
                      setup=positive(100, 21, 0.79), note="the shop's only reviews: 100 planted in the last 60 days, 21 of them 3 stars; "
                      "shop_ratings.positive_review_rate 0.79 too"))

    def al(name, rule, expected, dsr=4.8, pos=0.95, viol=(), related=False):
        def setup(b, s):
            # only the criterion under test may fail: reviews all positive, enough orders for GMV
            b.p.happy[s] = True
            b.p.weight[s] = max(b.p.weight[s], 2.0)
            b.p.rating_override[s] = (b.p.dd(89), dsr, pos)
            for v in viol:
                b.violation(s, *v)
            if related:
                others = [t for t in range(b.p.n_shops) if b.p.region[t] == 3 and t != s and t not in b.exclusive
                          and t not in b.sealed and b.p.controller[t] == t]
                if not others:
                    return False
                t = others[-1]
                b.p.controller[t] = b.p.controller[s]
                b.violation(t, 30, 12, "serious_violation")
        specs.append(dict(name=name, rule=rule, regions=("CN",), expected=expected, channel="cn_al", setup=setup,
                          note="DSR and positive_review_rate constant over the last 90 days in shop_ratings"))
    al("al_eligible_formal", "AL-FORMAL", "DSR 4.8, positive rate 95%, > 20 reviews: eligible, formal version only")
    al("al_dsr_at_4_5", "AL-RATING", "DSR exactly 4.5: eligible", dsr=4.5)
    al("al_dsr_4_49", "AL-RATING", "DSR 4.49 < 4.5: not eligible, daily warning", dsr=4.49)
    al("al_evasion_recent", "AL-EVASION", "evasive_information penalty 200 days ago (within 365): not eligible",
       viol=[(200, 2, "evasive_information")])
    al("al_evasion_old", "AL-EVASION", "evasive_information penalty 400 days ago (outside 365): eligible",
       viol=[(400, 2, "evasive_information")])
    al("al_related_serious", "AL-RELATED", "another shop of the same controller has a serious_violation penalty: not eligible",
       related=True)

    def attr(name, rule, expected, entity, cats, payments):
        def setup(b, s):
            b.p.entity[s] = entity
            b.p.categories[s] = tuple(CATEGORY_NAMES.index(c) for c in cats)
            b.p.extras["deposits"].extend((s, ev, days, amt) for ev, days, amt in payments)
        specs.append(dict(name=name, rule=rule, regions=("CN",), expected=expected, channel="cn_attr", setup=setup))
    attr("dep_multi_category", "DEP-AMOUNT", "enterprise in apparel (4,000) and jewelry_collectibles (20,000): 20,000 required",
         "enterprise", ("apparel", "jewelry_collectibles"), [])
    attr("dep_individual_open", "DEP-TABLE", "individual in apparel and shoes: 500 required", "individual", ("apparel", "shoes"), [])
    attr("dep_individual_not_open", "DEP-TABLE", "individual in food: category not open to individuals, required deposit null",
         "individual", ("food",), [])
    attr("dep_topped_up", "DEP-AMOUNT", "individual business in mother_baby (5,000): paid 2,000 then topped up 3,000 (balance 5,000)",
         "individual_business", ("mother_baby",), [("topped_up", 100, 3000.0)])
    attr("dep_active_not_closed", "DEP-REFUND-WHEN", "active shop: deposit not refundable (not closed)", "enterprise", ("apparel",), [])
    return sorted(specs, key=lambda x: x.get("priority", 0))
