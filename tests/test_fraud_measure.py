"""The evaluation harness on a small planted set: every fake pattern of RULES.md §8 next to honest
look-alikes, written as a data folder with `_truth/fake_orders.parquet`, then detected and scored
with tt_analytics.fraud.measure. Precision and recall are asserted, overall and per pattern."""
from __future__ import annotations

import datetime as dt
import os
import random

import polars as pl
import pytest

from tt_analytics.fraud import measure

# the tracking-number verdict cache is tested on its own; elsewhere it stays off (no files in ~/.cache)
os.environ["TT_ANALYTICS_CACHE_DIR"] = "off"
AS_OF = dt.date(2026, 11, 20)
END = dt.datetime(2026, 11, 20, 12, tzinfo=dt.timezone.utc)
VOCAB = ("soft warm cozy bright sturdy light fits runs small large colour fabric stitching zipper pocket "
         "gift daughter son husband wife winter summer office travel washing machine shrink fade smell").split()


class Planter:
    """Builds canonical rows; every order gets honest logistics unless a pattern changes them."""

    def __init__(self, seed: int = 3, shops: int = 12):
        self.rng = random.Random(seed)
        self.shops = [{"shop_id": f"s{i}", "platform": "tiktok", "region": "US", "status": "active",
                       "origin_zip": f"1{i:04d}"} for i in range(shops)]
        self.orders, self.lines, self.events, self.reviews, self.identities, self.truth = [], [], [], [], [], []
        self.n = 0

    def buyer(self, name: str) -> dict:
        return {"buyer_id": name, "ship_to_address_hash": f"a-{name}", "buyer_phone_hash": f"p-{name}",
                "buyer_device_hash": f"d-{name}", "ship_to_zip": f"9{self.rng.randrange(10000):04d}"}

    def order(self, shop: str, who: dict, at: dt.datetime, products=None, pattern=None, fake=False,
              review: str | None = None, scans: bool = True, **kw) -> dict:
        self.n += 1
        oid = f"{700000000000000000 + self.n}"
        shipped = at + dt.timedelta(hours=18)
        o = {"order_id": oid, "shop_id": shop, "created_at": at, "shipped_at": shipped,
             "tracking_number": f"YT{self.n:016d}", "carrier": "yunexpress", "amount": 25.0,
             "ship_from_zip": self.shops[int(shop[1:])]["origin_zip"], **who, **kw}
        self.orders.append(o)
        for k, (pid, q) in enumerate(products or [(f"{shop}-p{self.rng.randrange(25)}", 1)]):
            self.lines.append({"order_id": oid, "line_id": str(k), "product_id": pid, "sku_id": pid, "quantity": q,
                               "unit_price": 12.5})
        if scans:
            self.events += [{"tracking_number": o["tracking_number"], "event_at": shipped + dt.timedelta(hours=4),
                             "status": "picked_up", "zip": o["ship_from_zip"]},
                            {"tracking_number": o["tracking_number"], "event_at": shipped + dt.timedelta(hours=70),
                             "status": "delivered", "zip": o["ship_to_zip"]}]
        if review is not None:
            self.reviews.append({"review_id": f"r{oid}", "order_id": oid, "shop_id": shop, "rating": 5,
                                 "created_at": shipped + dt.timedelta(days=4), "text": review})
        if pattern:
            self.truth.append({"order_id": oid, "shop_id": shop, "pattern": pattern, "is_fake": fake})
        return o

    def when(self, days_back: float = 60) -> dt.datetime:
        return END - dt.timedelta(days=self.rng.uniform(4, days_back))

    def honest_text(self) -> str:
        return " ".join(self.rng.sample(VOCAB, 6))

    def shop(self) -> str:
        return self.rng.choice(self.shops)["shop_id"]

    def plant(self) -> None:
        r = self.rng
        honest = [self.buyer(f"h{i}") for i in range(900)]
        for _ in range(1800):  # honest background
            self.order(self.shop(), r.choice(honest), self.when(),
                       review=self.honest_text() if r.random() < 0.3 else ("good" if r.random() < 0.1 else None))
        for i in range(12):  # FT-SELF: the seller's staff phone
            shop = self.shop()
            self.identities.append({"shop_id": shop, "kind": "phone_hash", "value": f"staff{i}"})
            self.order(shop, {**self.buyer(f"st{i}"), "buyer_phone_hash": f"staff{i}"}, self.when(), pattern="self_purchase", fake=True)
        for i in range(12):  # FT-LOGISTICS: shipped from another warehouse
            self.order(self.shop(), self.buyer(f"lg{i}"), self.when(), ship_from_zip="55555",
                       pattern="logistics_mismatch", fake=True)
        for i in range(12):  # FT-TRACKING: malformed number
            self.order(self.shop(), self.buyer(f"ti{i}"), self.when(), tracking_number=f"YT{i:05d}",
                       pattern="tracking_invalid", fake=True, scans=False)
        for i in range(4):  # FT-TRACKING: one number on three parcels to three addresses
            shop, tn = self.shop(), f"YT99{i:014d}"
            for j in range(3):
                self.order(shop, self.buyer(f"tr{i}-{j}"), self.when(), tracking_number=tn, pattern="tracking_reused",
                           fake=True, scans=j == 0)
        for i in range(12):  # FT-TRACKING: never scanned
            self.order(self.shop(), self.buyer(f"ns{i}"), self.when(), pattern="tracking_no_scan", fake=True, scans=False)
        for i in range(3):  # FT-BULK: three accounts on one device buy one product over and over
            shop, start = self.shop(), self.when(40)
            accounts = [{**self.buyer(f"bk{i}-{j}"), "buyer_device_hash": f"bulkdev{i}"} for j in range(3)]
            for k in range(7):
                self.order(shop, accounts[k % 3], start + dt.timedelta(hours=9 * k), products=[(f"{shop}-p1", 2)],
                           pattern="bulk_buyer", fake=True)
        ring = [self.buyer(f"ring{j}") for j in range(8)]  # FT-BULK: a ring on 4 products, camouflaged
        start = self.when(40)
        for j, acct in enumerate(ring):
            self.order("s0", acct, start + dt.timedelta(hours=5 * j), products=[(f"s0-q{k}", 1) for k in range(4)],
                       pattern="brushing_ring", fake=True)
            for _ in range(3):  # camouflage: honest-looking orders in other shops
                self.order(f"s{r.randrange(1, len(self.shops))}", acct, self.when())
        farm_text = "Absolutely love it, great quality and super fast shipping, highly recommend!"
        for j in range(6):  # FT-REVIEW: the same glowing text from six accounts
            self.order("s1", self.buyer(f"rf{j}"), start + dt.timedelta(hours=2 * j), review=farm_text,
                       pattern="review_farm", fake=True)
        for i in range(4):  # look-alike: households share an address (and write alike)
            shop = self.shop()
            for j in range(4):
                self.order(shop, {**self.buyer(f"hh{i}-{j}"), "ship_to_address_hash": f"home{i}"}, self.when(),
                           pattern="household", review="the kids love it, fits well and washes nicely")
        for i in range(4):  # look-alike: a loyal buyer orders the same thing every week
            shop, who = self.shop(), self.buyer(f"loyal{i}")
            for k in range(8):
                self.order(shop, who, END - dt.timedelta(days=4 + 7 * k), products=[(f"{shop}-p2", 1)],
                           pattern="loyal_buyer")
        burst = END - dt.timedelta(days=10)  # look-alike: a product goes viral
        for j in range(60):
            self.order("s2", self.buyer(f"fan{j}"), burst + dt.timedelta(minutes=2 * j), products=[("s2-hit", 1)],
                       pattern="viral_burst")

    def write(self, folder) -> None:
        (folder / "_truth").mkdir(parents=True)
        tables = {"shops": self.shops, "orders": self.orders, "order_lines": self.lines,
                  "tracking_events": self.events, "reviews": self.reviews, "seller_identities": self.identities}
        for name, rows in tables.items():
            pl.DataFrame(rows, infer_schema_length=None).write_parquet(folder / f"{name}.parquet")
        pl.DataFrame(self.truth).write_parquet(folder / "_truth" / "fake_orders.parquet")


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    p = Planter()
    p.plant()
    p.write(folder)
    return measure.evaluate_folder(folder, AS_OF)


def test_overall_precision_and_recall(scored):
    table, info = scored
    overall = table.filter(pl.col("pattern") == "overall").row(0, named=True)
    assert overall["precision"] >= 0.95 and overall["recall"] >= 0.95, table


def test_every_fake_pattern_is_found_and_no_lookalike_is_flagged(scored):
    table, _ = scored
    for row in table.filter(pl.col("is_fake") == True).iter_rows(named=True):  # noqa: E712
        assert row["recall"] >= 0.9, row
    for row in table.filter(pl.col("is_fake") == False).iter_rows(named=True):  # noqa: E712
        assert row["false_positive_rate"] <= 0.02, row
    assert set(table["pattern"]) >= set(measure.PATTERN_SIGNAL) | {"household", "loyal_buyer", "viral_burst", "honest"}


def test_scores_count_true_and_false_positives():
    ft = pl.DataFrame({"order_id": ["1", "2", "3"], "suspected": [True, True, False],
                       "signals": [["FT-SELF"], ["FT-SELF"], ["FT-REVIEW"]]})
    truth = pl.DataFrame({"order_id": ["1", "3", "4"], "shop_id": "s", "pattern": ["self_purchase", "review_farm", "household"],
                          "is_fake": [True, True, False]})
    t = measure.scores(ft, truth, pl.DataFrame({"order_id": ["1", "2", "3", "4", "5"]}))
    rows = {r["pattern"]: r for r in t.iter_rows(named=True)}
    assert rows["overall"]["precision"] == 0.5 and rows["overall"]["recall"] == 0.5
    assert rows["self_purchase"]["precision"] == 0.5 and rows["self_purchase"]["recall"] == 1.0
    assert rows["review_farm"]["recall"] == 0.0 and rows["household"]["false_positive_rate"] == 0.0
    assert rows["honest"]["false_positives"] == 1


def test_synthetic_generator_small_set(tmp_path_factory):
    """The project's synthetic generator (tt_analytics.synth) at a small size: its planted fake
    patterns are found and its honest look-alikes are left alone."""
    from tt_analytics.synth import synthesize
    folder = tmp_path_factory.mktemp("synth") / "data"
    synthesize(folder, shops=12, orders=4000, seed=7, as_of=AS_OF, progress=False)
    table, _ = measure.evaluate_folder(folder, AS_OF)
    overall = table.filter(pl.col("pattern") == "overall").row(0, named=True)
    assert overall["precision"] >= 0.95 and overall["recall"] >= 0.95, table
    for row in table.filter(pl.col("is_fake") == False).iter_rows(named=True):  # noqa: E712
        assert row["suspected"] == 0, row
