"""FT-* signals, each on a tiny hand-made case that triggers it next to a look-alike that must not.

Every case starts from the same honest background (`base()`): one shop shipping from its origin
zip, ten buyers with their own addresses, phones and devices, each parcel scanned within hours
and delivered to the order's zip. A case changes a few rows and checks fake_transactions.
"""
from __future__ import annotations

import copy
import datetime as dt
import os

import pytest

import importlib
import zlib

import golden
from tt_analytics import catalog, params

# `tt_analytics.evaluate` is also the name of the package's evaluate() function: import the module
evaluate = importlib.import_module("tt_analytics.evaluate")

# the tracking-number verdict cache is tested on its own; elsewhere it stays off (no files in ~/.cache)
os.environ["TT_ANALYTICS_CACHE_DIR"] = "off"
AS_OF = dt.date(2026, 11, 20)
T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.timezone.utc)


def ts(hours: float) -> str:
    return (T0 + dt.timedelta(hours=hours)).isoformat()


def order(oid: str, buyer: str, hours: float, *, shop="s1", product="p1", qty=1, zip_to=None, **kw) -> dict:
    """An honest order row, its line and its scans (kw overrides order columns)."""
    n = zlib.crc32(oid.encode())
    row = {"order_id": oid, "shop_id": shop, "buyer_id": buyer, "created_at": ts(hours),
           "shipped_at": ts(hours + 20), "delivered_at": ts(hours + 72), "amount": 20.0, "currency": "USD",
           "tracking_number": f"YT{n:016d}", "carrier": "yunexpress", "ship_from_zip": "10001",
           "ship_to_zip": zip_to or f"9{zlib.crc32(buyer.encode()) % 10000:04d}", "ship_to_address_hash": f"addr-{buyer}",
           "buyer_phone_hash": f"phone-{buyer}", "buyer_device_hash": f"dev-{buyer}"}
    row.update(kw)
    return row


def build(orders: list[dict], *, products: dict[str, list[tuple[str, int]]] | None = None,
          reviews: list[dict] | None = None, identities: list[dict] | None = None,
          events: list[dict] | None = None, shops: list[dict] | None = None) -> dict:
    lines, scans = [], []
    for o in orders:
        for k, (pid, q) in enumerate((products or {}).get(o["order_id"], [("p1", 1)])):
            lines.append({"order_id": o["order_id"], "line_id": str(k), "product_id": pid, "sku_id": pid,
                          "quantity": q, "unit_price": 10.0})
        if events is None and o.get("tracking_number") and o.get("shipped_at"):
            shipped = dt.datetime.fromisoformat(o["shipped_at"])
            scans += [{"tracking_number": o["tracking_number"], "event_at": (shipped + dt.timedelta(hours=2)).isoformat(),
                       "status": "picked_up", "zip": o["ship_from_zip"]},
                      {"tracking_number": o["tracking_number"], "event_at": (shipped + dt.timedelta(hours=50)).isoformat(),
                       "status": "delivered", "zip": o["ship_to_zip"]}]
    return {"shops": shops or [{"shop_id": "s1", "platform": "tiktok", "region": "US", "status": "active",
                                "origin_zip": "10001"},
                               {"shop_id": "s2", "platform": "tiktok", "region": "US", "status": "active",
                                "origin_zip": "10001"}],
            "orders": orders, "order_lines": lines, "tracking_events": scans if events is None else events,
            "reviews": reviews or [], "seller_identities": identities or []}


def base(n: int = 10) -> list[dict]:
    return [order(f"o{i}", f"b{i}", hours=i * 5) for i in range(n)]


def run(tables: dict, overrides: dict | None = None, con=None) -> evaluate.Results:
    prm = params.load(AS_OF)
    for path, value in (overrides or {}).items():
        golden._set(prm["fraud"], path, value)
    con = con or catalog.connect()
    golden.load_input(con, tables)
    return evaluate.run(con, AS_OF, prm, outputs=["fake_transactions"])


def flagged(res, suspected_only: bool = True) -> dict[str, dict]:
    rows = res["fake_transactions"].to_dicts()
    return {r["order_id"]: r for r in rows if r["suspected"] or not suspected_only}


def test_honest_background_is_clean():
    res = run(build(base()))
    assert res["fake_transactions"].height == 0
    shops = res["fraud_shops"].to_dicts()
    assert [(s["shop_id"], s["orders"], s["suspected_orders"]) for s in shops] == [("s1", 10, 0)]


def test_self_purchase_by_device_and_lookalike_in_other_shop():
    orders = base() + [order("o20", "x1", 60, buyer_device_hash="seller-dev"),
                       order("o21", "x2", 61, shop="s2", buyer_device_hash="seller-dev")]
    ids = [{"shop_id": "s1", "kind": "device_hash", "value": "seller-dev"}]
    got = flagged(run(build(orders, identities=ids)))
    assert set(got) == {"o20"}  # the same device buying in another shop is not a self-purchase
    assert got["o20"]["signals"] == ["FT-SELF"]
    assert "seller's or staff's device" in got["o20"]["explanation"]
    assert got["o20"]["score"] >= 0.9


def test_self_purchase_by_account():
    orders = base() + [order("o20", "owner", 60)]
    ids = [{"shop_id": "s1", "kind": "buyer_id", "value": "owner"}]
    got = flagged(run(build(orders, identities=ids)))
    assert set(got) == {"o20"} and "seller's own accounts" in got["o20"]["explanation"]


def test_delivered_elsewhere_and_shipped_elsewhere():
    orders = base() + [order("o20", "x1", 60, ship_to_zip="20001"), order("o21", "x2", 61, ship_from_zip="55555")]
    tables = build(orders)
    for e in tables["tracking_events"]:
        if e["tracking_number"] == orders[-2]["tracking_number"] and e["status"] == "delivered":
            e["zip"] = "30303"
    got = flagged(run(tables))
    assert set(got) == {"o20", "o21"}
    assert "delivered to zip 30303, not the order's zip 20001" in got["o20"]["explanation"]
    assert "shipped from zip 55555, not the shop's origin 10001" in got["o21"]["explanation"]
    assert got["o20"]["signals"] == ["FT-LOGISTICS"]


def test_shop_without_origin_zip_is_not_judged_on_origin():
    orders = base() + [order("o21", "x2", 61, ship_from_zip="55555")]
    tables = build(orders)
    tables["shops"][0]["origin_zip"] = None
    assert flagged(run(tables)) == {}


def test_tracking_invalid_for_carrier_package_and_regex():
    orders = base() + [order("o20", "x1", 60, carrier="ups", tracking_number="1Z999AA10123456785"),  # bad check digit
                       order("o21", "x2", 61, carrier="ups", tracking_number="1Z999AA10123456784"),  # valid UPS
                       order("o22", "x3", 62, tracking_number="YT12345"),  # too short for yunexpress
                       order("o23", "x4", 63, carrier="unknowncarrier", tracking_number="??")]  # not judged
    got = flagged(run(build(orders)))
    assert set(got) == {"o20", "o22"}
    assert "is not a valid ups number (check digit fails)" in got["o20"]["explanation"]
    assert "not a valid yunexpress number" in got["o22"]["explanation"]


def test_tracking_reused_to_different_addresses_but_not_same_address():
    orders = base() + [order("o20", "x1", 60, tracking_number="YT9999999999999999"),
                       order("o21", "x2", 61, tracking_number="YT9999999999999999"),
                       # a household's two orders shipped together to one address: not a reuse
                       order("o22", "h1", 62, tracking_number="YT8888888888888888", ship_to_address_hash="home", zip_to="90210"),
                       order("o23", "h2", 62.5, tracking_number="YT8888888888888888", ship_to_address_hash="home", zip_to="90210")]
    got = flagged(run(build(orders)))
    assert set(got) == {"o20", "o21"}
    assert "is on 2 parcels to 2 different addresses" in got["o20"]["explanation"]


def test_no_scan_within_24_hours():
    orders = base() + [order("o20", "x1", 60), order("o21", "x2", 61), order("o22", "x3", 62)]
    tables = build(orders)
    late = {orders[-2]["tracking_number"]: 30, orders[-1]["tracking_number"]: 23}  # hours after shipping
    tables["tracking_events"] = [e for e in tables["tracking_events"] if e["tracking_number"] != orders[-3]["tracking_number"]]
    for e in tables["tracking_events"]:
        if e["tracking_number"] in late and e["status"] == "picked_up":
            shipped = dt.datetime.fromisoformat([o for o in orders if o["tracking_number"] == e["tracking_number"]][0]["shipped_at"])
            e["event_at"] = (shipped + dt.timedelta(hours=late[e["tracking_number"]])).isoformat()
    # a label-only event is not a carrier scan
    tables["tracking_events"].append({"tracking_number": orders[-3]["tracking_number"], "event_at": orders[-3]["shipped_at"],
                                      "status": "info_received", "zip": None})
    got = flagged(run(tables))
    assert set(got) == {"o20", "o21"}  # o22 was scanned 23 h after shipping
    assert "no carrier scan since shipping" in got["o20"]["explanation"]
    assert "first carrier scan 30 h after shipping" in got["o21"]["explanation"]


def test_no_scan_not_judged_before_24_hours_have_passed():
    late = order("o20", "x1", 0)
    late["shipped_at"] = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.timezone.utc).isoformat()
    tables = build(base() + [late])
    tables["tracking_events"] = [e for e in tables["tracking_events"] if e["tracking_number"] != late["tracking_number"]]
    assert flagged(run(tables)) == {}


def test_bulk_buying_by_a_group_sharing_a_device_not_by_a_household_or_loyal_buyer():
    ring = [order(f"r{i}", f"ring{i % 3}", 100 + i * 12, buyer_device_hash="dev-ring") for i in range(6)]
    household = [order(f"h{i}", f"hh{i}", 120 + i, ship_to_address_hash="addr-home", zip_to="90210") for i in range(3)]
    loyal = [order(f"l{i}", "loyal", -24 * 8 * i) for i in range(8)]  # one order every 8 days
    products = {o["order_id"]: [("p2", 1)] for o in ring}
    got = flagged(run(build(base() + ring + household + loyal, products=products)))
    assert set(got) == {f"r{i}" for i in range(6)}
    e = got["r0"]["explanation"]
    assert got["r0"]["signals"] == ["FT-BULK"]
    assert "6 orders (6 units) of product p2 in 3 days from 3 accounts sharing 3 addresses, 3 phones and 1 device" in e


def _identity_links(tables: dict, weak_hash: bool) -> list[tuple[str, str]]:
    """identity_links.sql's rows; with `weak_hash` its hash() replaced by length(), so that every
    account id and many identifiers of the same length collide."""
    from tt_analytics import fraud
    con = catalog.connect()
    golden.load_input(con, tables)
    prm = params.load(AS_OF)["fraud"]
    start, end = fraud.window(AS_OF, prm["window_days"])
    text = evaluate.sql_text("fraud/identity_links")
    if weak_hash:
        text = text.replace("hash(", "length(")
    return sorted(con.sql(text, params={"window_start": start, "window_end": end, **prm["groups"]}).fetchall())


def test_identity_links_are_exact_when_hashes_collide():
    """FT-BULK buyer groups: identity_links.sql narrows the shared identifiers down on hashes and then
    decides on the strings. With a hash under which every account id collides (`ac`, `ad`, `hx`: all
    of length 2) it must still find exactly the identifiers two accounts share: an identifier seen
    with one account hash is kept when two accounts have that hash (without that, no link at all)."""
    orders = base() + [order("x1", "ac", 60, ship_to_address_hash="flat-9"), order("x2", "ad", 61, ship_to_address_hash="flat-9"),
                       order("x3", "ac", 62, ship_to_address_hash="flat-8"),  # one account: not shared
                       order("x4", "hx", 63, buyer_phone_hash="phone-ac"),
                       order("x5", "hx", 64, buyer_phone_hash=None, buyer_device_hash=None)]
    strong = _identity_links(build(orders), weak_hash=False)
    assert strong == [("ac", "address:flat-9"), ("ac", "phone:phone-ac"), ("ad", "address:flat-9"),
                      ("hx", "phone:phone-ac")]
    assert _identity_links(build(orders), weak_hash=True) == strong


def _shop_norm_case(cancel_second: bool = False) -> dict:
    """The shop-norm cases' shop: 10 one-off buyers, a buyer whose 2 orders are 30 days apart, 10
    buyers two{i} with 2 orders in a day (the second cancelled before shipping if `cancel_second`)
    and a ring of 3 linked accounts buying p2 6 times in 3 days. Returns the flagged orders."""
    spread = [order("s0", "spread", -800), order("s1", "spread", -60)]
    pairs = [order(f"d{i}{k}", f"two{i}", 300 + 3 * i + 20 * k,
                   **({"shipped_at": None, "delivered_at": None, "cancelled_at": ts(300 + 3 * i + 21)}
                      if k and cancel_second else {}))
             for i in range(10) for k in range(2)]
    ring = [order(f"r{i}", f"ring{i % 3}", 100 + i * 12, buyer_device_hash="dev-ring") for i in range(6)]
    products = {o["order_id"]: [("p2", 1)] for o in ring}
    return flagged(run(build(base() + spread + pairs + ring, products=products)))


def test_bulk_buying_shop_norm_counts_peaks_in_one_window_and_interpolates_the_median():
    # the shop's 22 (group, product) pairs: 11 with a peak of 1 order (10 one-off buyers and a buyer
    # whose 2 orders are 30 days apart: one per 7-day window), 10 with 2 orders in a day, and the
    # ring: median (1 + 2) / 2 = 1.5, MAD 0.5. Counting the spread buyer's 2 orders as one peak
    # would make the median 2.0.
    got = _shop_norm_case()
    assert set(got) == {f"r{i}" for i in range(6)}
    assert "6 orders (6 units) of product p2 in 3 days from 3 accounts sharing 3 addresses, 3 phones and 1 device " \
           "(the shop's usual buyer: 1.5 order, 1.5 units)" in got["r0"]["explanation"]


def test_bulk_buying_shop_norm_leaves_out_orders_cancelled_before_shipping():
    # as above, but each two{i}'s second order is cancelled before shipping: not counted, so those
    # pairs have a peak of 1 and the median is 1.0 (counting the cancelled orders gives 1.5)
    got = _shop_norm_case(cancel_second=True)
    assert set(got) == {f"r{i}" for i in range(6)}
    assert "(the shop's usual buyer: 1.0 order, 1.0 units)" in got["r0"]["explanation"]


def test_bulk_buying_by_quantity():
    orders = base() + [order("q1", "big", 50)]
    got = flagged(run(build(orders, products={"q1": [("p1", 40)]})))
    assert set(got) == {"q1"} and "1 order (40 units) of product p1" in got["q1"]["explanation"]
    assert "from one account" in got["q1"]["explanation"]


def test_order_brushing_concentration_but_not_a_viral_burst():
    brusher = [order(f"x{i}", "brusher", 200 + i / 8) for i in range(5)]  # 5 orders in 30 minutes
    other = [order("y1", "someone", 200.2)]
    viral = [order(f"v{i}", f"fan{i}", 300 + i / 40) for i in range(30)] + \
            [order(f"w{i}", "fan0", 300.1 + i / 40) for i in range(2)]  # a fan ordering 3 times in the rush
    got = flagged(run(build(base() + brusher + other + viral)))
    assert set(got) == {f"x{i}" for i in range(5)}
    assert "order brushing: the buyer placed 5 of the shop's 6 orders within 60 minutes (2 buyer groups, concentration 3.0)" \
        in got["x0"]["explanation"]


def test_duplicate_reviews_from_different_buyers_not_from_one_household():
    farm = [order(f"f{i}", f"farm{i}", 100 + i * 3) for i in range(4)]
    house = [order(f"h{i}", f"hh{i}", 150 + i, ship_to_address_hash="addr-home", zip_to="90210") for i in range(3)]
    texts = {"f0": "Amazing quality, fast delivery, will buy again!!", "f1": "amazing quality fast delivery will buy again",
             "f2": "Amazing quality - fast delivery - will buy again", "f3": "Honestly... amazing quality, fast delivery, will buy again 👍",
             "h0": "Lovely soft fabric fits my kids well", "h1": "Lovely soft fabric fits my kids well",
             "h2": "Lovely soft fabric fits my kids well",
             "o1": "good", "o2": "Good!", "o3": "good", "o4": "ok"}
    # honest content-free reviews, days apart (not a burst)
    reviews = [{"review_id": f"rv{k}", "order_id": k, "shop_id": "s1", "rating": 5,
                "created_at": ts(400 + (100 * int(k[1:]) if k.startswith("o") else 0)), "text": t}
               for k, t in texts.items()]
    res = run(build(base() + farm + house, reviews=reviews))
    got = flagged(res)
    assert set(got) == {"f0", "f1", "f2", "f3"}
    assert 'identical 5-star review text "amazing quality fast delivery will buy again" from 3 different buyers ordering within 24 h' \
        in got["f0"]["explanation"]
    assert "near-identical" in got["f3"]["explanation"]
    weak = flagged(res, suspected_only=False)
    assert weak["o1"]["signals"] == ["FT-REVIEW"] and not weak["o1"]["suspected"]
    assert 'review says nothing about the product ("good")' in weak["o1"]["explanation"]


def test_near_identical_reviews_at_the_similarity_boundary():
    """FT-REVIEW near-duplicates: trigram Jaccard >= duplicate_similarity is inside, just below is not.
    f1 and f2 post the same text B, f0 a variant A: with A ~ B, f1 has 3 groups (itself, f2, f0)."""
    a, b = "thisfabricissoftandthecolourislovely", "thisfabricissoftandthecolorislovely"

    def trigrams(t: str) -> set[str]:
        return {t[i:i + 3] for i in range(len(t) - 2)}
    jaccard = len(trigrams(a) & trigrams(b)) / len(trigrams(a) | trigrams(b))
    assert 0.5 < jaccard < 0.9
    farm = [order(f"f{i}", f"farm{i}", 100 + i * 3) for i in range(3)]
    reviews = [{"review_id": f"rv{i}", "order_id": f"f{i}", "shop_id": "s1", "rating": 5, "created_at": ts(200 + i),
                "text": t} for i, t in enumerate([a, b, b])]
    tables = build(base() + farm, reviews=reviews)
    inside = flagged(run(tables, {"review.duplicate_similarity": jaccard}))
    assert set(inside) == {"f0", "f1", "f2"} and "near-identical" in inside["f0"]["explanation"]
    assert flagged(run(tables, {"review.duplicate_similarity": jaccard + 1e-6})) == {}


def test_burst_of_content_free_reviews_from_different_buyers():
    farm = [order(f"f{i}", f"farm{i}", 100 + i) for i in range(5)]
    texts = ["Good", "five stars!!", "👍👍👍", "good good good", "A+++"]
    reviews = [{"review_id": f"rv{i}", "order_id": f"f{i}", "shop_id": "s1", "rating": 5, "created_at": ts(200 + i),
                "text": t} for i, t in enumerate(texts)]
    got = flagged(run(build(base() + farm, reviews=reviews)))
    assert set(got) == {f"f{i}" for i in range(5)}
    assert 'review says nothing about the product ("good good good"), one of 5 such reviews from different buyers ' \
           'on product p1 within 72 h' in got["f3"]["explanation"]
    # the same reviews a week apart each are only weak evidence
    for i, r in enumerate(reviews):
        r["created_at"] = ts(200 + 24 * 7 * i)
    assert flagged(run(build(base() + farm, reviews=reviews))) == {}


def test_dense_block_of_accounts_buying_the_same_products_not_scattered_buyers():
    ring = [order(f"d{i}", f"acct{i}", 100 + i * 30) for i in range(6)]
    scattered = [order(f"s{i}", f"shopper{i}", 110 + i * 30) for i in range(6)]
    products = {o["order_id"]: [(p, 1) for p in ("p3", "p4", "p5", "p6")] for o in ring}
    products.update({f"s{i}": [(f"q{i}", 1), (f"q{(i + 1) % 6}", 1)] for i in range(6)})
    got = flagged(run(build(base() + ring + scattered, products=products)))
    assert set(got) == {f"d{i}" for i in range(6)}
    assert "dense block: 6 orders in 7 days from 6 accounts (6 buyer groups) on the same 4 products (density 1.0)" \
        in got["d0"]["explanation"]


def test_dense_blocks_are_found_shop_by_shop_when_the_edges_stream_in_small_batches(monkeypatch):
    """The candidate edges reach FRAUDAR in batches (fraud.shop_edges); a shop cut by a batch
    boundary is held back until it is whole, so each shop's graph is peeled once and entire."""
    from tt_analytics import fraud
    from tt_analytics.fraud import fraudar
    rings, products = [], {}
    for shop in ("s1", "s2"):
        ring = [order(f"{shop}d{i}", f"{shop}acct{i}", 100 + i * 30, shop=shop) for i in range(6)]
        rings += ring
        products.update({o["order_id"]: [(f"{shop}p{k}", 1) for k in range(4)] for o in ring})
    tables = build(base() + rings, products=products)
    whole = flagged(run(tables))
    peeled = []
    real = fraudar.shop_block_codes
    monkeypatch.setattr(fraudar, "shop_block_codes", lambda gc, pc, *a, **k: peeled.append(len(gc)) or real(gc, pc, *a, **k))
    monkeypatch.setattr(fraud, "EDGE_BATCH_ROWS", 5)
    streamed = flagged(run(tables))
    assert set(streamed) == set(whole) == {o["order_id"] for o in rings}
    assert peeled == [24, 24]  # two shops, 6 groups x 4 products each, never a part of a shop


def test_several_passes_over_disjoint_shops_give_the_same_outputs_as_one(monkeypatch):
    """Large exports are examined in passes over disjoint sets of shops (fraud.PASS_ORDERS); the
    outputs put together are the one-pass outputs, row for row and in order, including a tracking
    number reused across two shops (counted over every order once per run), each pass's parcel
    scans (first scan, delivered zip) and passes with no order at all."""
    from tt_analytics import fraud
    rings, products = [], {}
    for shop in ("s1", "s2"):
        ring = [order(f"{shop}d{i}", f"{shop}acct{i}", 100 + i * 30, shop=shop) for i in range(6)]
        rings += ring
        products.update({o["order_id"]: [(f"{shop}p{k}", 1) for k in range(4)] for o in ring})
    reused = [order("r1", "b1", 50, shop="s1", tracking_number="1Z999AA10123456784", carrier="ups"),
              order("r2", "b2", 55, shop="s2", tracking_number="1Z999AA10123456784", carrier="ups")]
    parcels = [order("e1", "b3", 60, shop="s2", ship_to_zip="20001"), order("e2", "b4", 65, shop="s1")]
    tables = build(base() + rings + reused + parcels, products=products)
    # parcels in passes of their own: e1 delivered elsewhere, e2 first scanned 30 h after shipping
    for e in tables["tracking_events"]:
        if e["tracking_number"] == parcels[0]["tracking_number"] and e["status"] == "delivered":
            e["zip"] = "30303"
        if e["tracking_number"] == parcels[1]["tracking_number"] and e["status"] == "picked_up":
            e["event_at"] = ts(65 + 20 + 30)
    one = run(tables)
    got = flagged(one, suspected_only=False)
    assert {"r1", "r2", "e1", "e2"} <= set(got)
    assert "delivered to zip 30303" in got["e1"]["explanation"] and "30 h after shipping" in got["e2"]["explanation"]
    passes = []
    real = fraud._prepare_orders
    monkeypatch.setattr(fraud, "_prepare_orders", lambda ctx, part, parts: passes.append(parts) or real(ctx, part, parts))
    monkeypatch.setattr(fraud, "PASS_ORDERS", 5)
    many = run(tables)
    assert len(passes) == passes[0] == 6  # 26 orders, 5 a pass; two shops: at least four passes have none
    for name in ("fake_transactions", "fraud_groups", "fraud_shops"):
        assert many[name].equals(one[name]), name


def test_stage_tables_are_dropped_after_their_checks_with_the_same_outputs():
    # the review and parcel tables live only for their own checks (less of DuckDB's capped memory
    # taken while bulk buying and FRAUDAR run); all tables made up front give the same outputs
    from tt_analytics import fraud
    reviews = [{"review_id": f"v{i}", "order_id": f"d{i}", "shop_id": "s1", "product_id": "p1", "rating": 5,
                "text": "Great product, fast shipping, would buy again!!", "created_at": "2026-10-02T10:00:00+00:00"}
               for i in range(6)]
    ring = [order(f"d{i}", f"acct{i}", 100 + i * 3, shop="s1", ship_from_zip="55555" if i == 0 else "10001")
            for i in range(6)]
    con = catalog.connect()
    staged = run(build(base() + ring, reviews=reviews), con=con)
    left = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert "fraud_orders" in left and not left & {"fraud_reviews", "fraud_parcel_scans", "fraud_tracking_validity"}
    assert {"review_duplicate", "shipped_elsewhere"} <= {c for cs in staged["fake_transactions"]["checks"] for c in cs}
    prm = params.load(AS_OF)
    evaluate.prepare(con, [AS_OF], prm)
    ctx = evaluate.Context(con, AS_OF, prm, [AS_OF])
    upfront = fraud._detect(ctx, fraud.prepare(ctx))
    for name in ("fake_transactions", "fraud_groups", "fraud_shops"):
        assert upfront[name].equals(staged[name]), name


def test_weak_signals_add_up_and_threshold_is_a_parameter():
    orders = base() + [order("o20", "x1", 60, ship_from_zip="55555")]
    assert "o20" in flagged(run(build(orders)))
    assert flagged(run(build(orders), {"suspected_score": 0.9})) == {}
    assert "o20" in flagged(run(build(orders), {"suspected_score": 0.9}), suspected_only=False)


def test_roll_ups_name_the_group_and_the_shop():
    # amounts whose float sum is 1.4000000000000001 in any order: the shop's amount is in cents
    amounts = [0.07, 1.1, 0.01, 0.01, 0.01, 0.2]
    ring = [order(f"r{i}", f"ring{i % 3}", 100 + i * 12, buyer_device_hash="dev-ring", amount=amounts[i])
            for i in range(6)]
    res = run(build(base() + ring, products={o["order_id"]: [("p2", 1)] for o in ring}))
    [g] = res["fraud_groups"].to_dicts()
    assert (g["shop_id"], g["group_id"], g["accounts"], g["devices"], g["suspected_orders"]) == ("s1", "ring0", 3, 1, 6)
    assert g["explanation"].startswith("6 orders in 3 days from 3 accounts sharing 3 addresses, 3 phones and 1 device")
    [s] = res["fraud_shops"].to_dicts()
    assert (s["orders"], s["suspected_orders"], s["ft_bulk"], s["suspected_groups"]) == (16, 6, 6, 1) and s["suspected_amount"] == 1.4


def test_tracking_verdicts_are_cached_on_disk(tmp_path, monkeypatch):
    import polars as pl
    from tt_analytics.fraud import tracking
    monkeypatch.setenv("TT_ANALYTICS_CACHE_DIR", str(tmp_path))
    pairs = pl.DataFrame({"carrier": ["ups", "ups", "royal_mail", "royal_mail", "yto"],
                          "tracking_number": ["1Z999AA10123456784", "1Z999AA10123456785", "RR123456785GB",
                                              "RR123456785SG", "YT1234567890123"]})
    v = {r["tracking_number"]: r for r in tracking.validity(pairs, {"yto": "^YT[0-9]{13}$"}).to_dicts()}
    assert [v[n]["valid"] for n in pairs["tracking_number"]] == [True, False, True, False, True]
    assert v["RR123456785SG"]["reason"] == "not a royal_mail number (no GB suffix)"
    cached = pl.read_parquet(tmp_path / "tracking_validity.parquet")
    # numbers whose check digit the fast path verifies never reach the package, so only the bad one is cached
    assert set(cached["tracking_number"]) == {"1Z999AA10123456785"}


def test_detection_caps_duckdb_memory_and_gives_the_callers_limit_back(monkeypatch):
    """Detection runs under catalog.memory_limit() (here $TT_ANALYTICS_MEMORY_LIMIT) and leaves the
    connection with the limit it had, so the outputs computed after it are not capped."""
    import tt_analytics.fraud as fraud
    monkeypatch.setenv(catalog.MEMORY_LIMIT_ENV, "1GB")
    con = catalog.connect()  # DuckDB's default limit, as evaluate's connection has
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    golden.load_input(con, build(base()))
    prm = params.load(AS_OF)
    seen = []
    real = fraud._fake_transactions
    monkeypatch.setattr(fraud, "_fake_transactions", lambda ctx, *a: (seen.append(
        con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]), real(ctx, *a))[1])
    evaluate.run(con, AS_OF, prm, outputs=["fake_transactions"])
    assert seen and seen[0] != before and seen[0].endswith("MiB")  # capped at 1GB while detecting
    assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == before


def test_detection_runs_before_the_other_outputs_which_come_back_in_their_order():
    """evaluate.run computes fake_transactions first (its passes then have the memory the other
    outputs' frames would take: ~4 GiB at 100M orders) and returns every table in OUTPUTS order."""
    con = catalog.connect()
    golden.load_input(con, build(base()))
    seen: list[str] = []
    res = evaluate.run(con, AS_OF, params.load(AS_OF), progress=seen.append)
    assert seen[0] == "fake_transactions" and sorted(seen) == sorted(evaluate.OUTPUTS)
    assert list(res) == [t for name in evaluate.OUTPUTS
                         for t in ([name, "fraud_groups", "fraud_shops"] if name == "fake_transactions" else [name])]
