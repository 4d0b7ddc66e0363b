"""Synthetic data generator: determinism, schema, chunking, planted situations and fake-order truth."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from tt_analytics import catalog, schema
from tt_analytics.synth import CN_FORMATS, is_wellformed, synthesize, texts
from tt_analytics.synth.generate import PL_TYPES, STREAMED

AS_OF = dt.date(2026, 11, 20)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "canonical"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    return synthesize(tmp_path_factory.mktemp("synth") / "data", shops=60, orders=24_000, seed=11, as_of=AS_OF,
                      progress=False)


@pytest.fixture(scope="module")
def con(synth_dir):
    c = catalog.connect()
    catalog.attach(c, synth_dir)
    c.execute(f"CREATE TABLE sit AS SELECT * FROM read_parquet('{synth_dir}/_truth/situations.parquet')")
    c.execute(f"CREATE TABLE fake AS SELECT * FROM read_parquet('{synth_dir}/_truth/fake_orders.parquet')")
    c.execute("""CREATE TABLE tz AS SELECT shop_id, CASE region WHEN 'US' THEN 'America/Los_Angeles'
                 WHEN 'UK' THEN 'Europe/London' WHEN 'SEA' THEN 'Asia/Singapore' ELSE 'Asia/Shanghai' END AS tz,
                 origin_zip FROM shops""")
    return c


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _read(folder: Path, table: str) -> pl.DataFrame:
    parts = sorted((folder / table).glob("*.parquet")) if (folder / table).is_dir() else [folder / f"{table}.parquet"]
    return pl.concat([pl.read_parquet(p) for p in parts])


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    a = synthesize(tmp_path / "a", shops=12, orders=3_000, seed=5, as_of=AS_OF, progress=False)
    b = synthesize(tmp_path / "b", shops=12, orders=3_000, seed=5, as_of=AS_OF, progress=False)
    c = synthesize(tmp_path / "c", shops=12, orders=3_000, seed=6, as_of=AS_OF, progress=False)
    assert _digest(a) == _digest(b)
    assert _digest(a)["orders/part-00000.parquet"] != _digest(c)["orders/part-00000.parquet"]


def test_chunk_size_changes_the_part_files_not_the_rows(tmp_path):
    one = synthesize(tmp_path / "one", shops=12, orders=40_000, seed=5, as_of=AS_OF, chunk_orders=65_536, progress=False)
    many = synthesize(tmp_path / "many", shops=12, orders=40_000, seed=5, as_of=AS_OF, chunk_orders=16_384, progress=False)
    assert len(list((many / "orders").glob("part-0*.parquet"))) == 3
    assert len(list((one / "orders").glob("part-0*.parquet"))) == 1
    for table in STREAMED:
        assert _read(one, table).equals(_read(many, table)), table
    assert pl.read_parquet(one / "_truth/fake_orders.parquet").equals(pl.read_parquet(many / "_truth/fake_orders.parquet"))


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="multiple of 16384"):
        synthesize(tmp_path / "x", shops=4, orders=1_000, chunk_orders=1_000, progress=False)
    with pytest.raises(ValueError, match="too few"):
        synthesize(tmp_path / "x", shops=60, orders=500, progress=False)


@pytest.mark.parametrize("folder", ["synth", "sample"])
def test_every_canonical_table_is_present_with_the_schema_dtypes(folder, synth_dir):
    folder = synth_dir if folder == "synth" else SAMPLE
    sources, unknown = catalog.discover(folder)
    assert set(sources) == set(schema.TABLES) and not unknown
    for name, t in schema.TABLES.items():
        df = _read(folder, name)
        assert df.height > 0, name
        assert df.schema == pl.Schema({c.name: PL_TYPES[c.dtype] for c in t.columns}), name
        for c in t.columns:
            if c.required:
                assert df[c.name].null_count() == 0, (name, c.name)
            if c.allowed:
                bad = set(df[c.name].drop_nulls().unique()) - set(c.allowed)
                assert not bad, (name, c.name, bad)
        if t.key:
            assert df.select(t.key).is_duplicated().sum() == 0, name


def test_references_time_order_and_ids(con):
    for name, t in schema.TABLES.items():
        for col, (rt, rc) in t.references.items():
            orphans = con.execute(f"SELECT count(*) FROM {name} WHERE {col} IS NOT NULL AND {col} NOT IN (SELECT {rc} FROM {rt})").fetchone()[0]
            assert orphans == 0, (name, col)
        for later, earlier in t.time_order:
            bad = con.execute(f"SELECT count(*) FROM {name} WHERE {later} < {earlier}").fetchone()[0]
            assert bad == 0, (name, later, earlier)
    assert con.execute("SELECT count(*) FROM orders WHERE NOT regexp_full_match(order_id, '[0-9]{18}')").fetchone()[0] == 0
    # nothing happens after the as-of day ends (in the shop's own time zone)
    late = con.execute("""SELECT count(*) FROM orders JOIN tz USING (shop_id) WHERE greatest(created_at, paid_at, shipped_at,
                      delivered_at, completed_at, cancelled_at) >= timezone(tz, TIMESTAMP '2026-11-21 00:00:00')""").fetchone()[0]
    assert late == 0
    platforms = dict(con.execute("SELECT region, any_value(platform) FROM shops GROUP BY ALL").fetchall())
    assert platforms == {"US": "tiktok", "UK": "tiktok", "SEA": "tiktok", "CN": "douyin"}
    langs = con.execute("""SELECT platform, avg(CASE WHEN regexp_matches(text, '[\\x{4e00}-\\x{9fff}]') THEN 1 ELSE 0 END)
                       FROM reviews JOIN shops USING (shop_id) GROUP BY ALL""").fetchall()
    langs = dict(langs)  # a content-free farm review ("👍") has no Chinese characters
    assert langs["douyin"] > 0.99 and langs["tiktok"] == 0.0


def test_honest_tracking_numbers_are_wellformed_and_scanned(con):
    honest = con.execute("""SELECT o.carrier, o.tracking_number FROM orders o ANTI JOIN fake f USING (order_id)
                        WHERE o.tracking_number IS NOT NULL ORDER BY hash(o.order_id) LIMIT 400""").fetchall()
    assert len(honest) == 400
    assert all(is_wellformed(c, n) for c, n in honest), [x for x in honest if not is_wellformed(*x)][:5]
    import tracking_numbers
    us = [n for c, n in honest if c in ("ups", "usps", "fedex", "dhl", "royal_mail", "singpost", "ems")]
    assert us and all(not tracking_numbers.get_tracking_number(n).validation_errors for n in us)
    carriers = {c for c, _ in con.execute("SELECT DISTINCT carrier, 1 FROM orders WHERE carrier IS NOT NULL").fetchall()}
    assert carriers >= set(CN_FORMATS) | {"ups", "usps", "fedex"}
    # honest background is clean for every logistics signal
    dirty = con.execute("""
        WITH h AS (SELECT o.* FROM orders o ANTI JOIN fake f USING (order_id)
                   WHERE o.shipped_at < TIMESTAMPTZ '2026-11-20 00:00:00+00'),  -- a day to be scanned by as_of
        first_scan AS (SELECT tracking_number, min(event_at) AS t FROM tracking_events GROUP BY ALL),
        dz AS (SELECT tracking_number, any_value(zip) AS zip FROM tracking_events WHERE status = 'delivered' GROUP BY ALL)
        SELECT count(*) FILTER (WHERE h.ship_from_zip <> tz.origin_zip),
               count(*) FILTER (WHERE fs.t IS NULL OR fs.t > h.shipped_at + INTERVAL 24 HOUR),
               count(*) FILTER (WHERE dz.zip IS NOT NULL AND dz.zip <> h.ship_to_zip)
        FROM h JOIN tz USING (shop_id) LEFT JOIN first_scan fs USING (tracking_number) LEFT JOIN dz USING (tracking_number)""").fetchone()
    assert dirty == (0, 0, 0)
    dup = con.execute("SELECT count(*) FROM (SELECT tracking_number FROM orders o ANTI JOIN fake f USING (order_id) "
                  "WHERE tracking_number IS NOT NULL GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    assert dup == 0


def test_fake_order_truth_is_consistent_with_the_orders(con):
    rows = dict(con.execute("SELECT pattern, count(*) FROM fake GROUP BY ALL").fetchall())
    for pattern in ("self_purchase", "logistics_mismatch", "tracking_invalid", "tracking_reused", "tracking_no_scan",
                    "bulk_buyer", "brushing_ring", "review_farm", "household", "loyal_buyer", "viral_burst", "ring_camouflage"):
        assert rows.get(pattern, 0) > 0, pattern
    total = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    fake = con.execute("SELECT count(*) FROM fake WHERE is_fake").fetchone()[0]
    assert 0.005 < fake / total < 0.03
    assert con.execute("SELECT count(*) FROM fake ANTI JOIN orders USING (order_id)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM fake f JOIN orders o USING (order_id) WHERE f.shop_id <> o.shop_id").fetchone()[0] == 0
    assert con.execute("SELECT bool_and(is_fake = (pattern NOT IN ('household', 'loyal_buyer', 'viral_burst', 'ring_camouflage'))) FROM fake").fetchone()[0]
    # each fake pattern carries its signal
    selfp = con.execute("""SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM seller_identities i WHERE i.shop_id = o.shop_id AND
                       i.value IN (o.buyer_id, o.buyer_phone_hash, o.ship_to_address_hash, o.buyer_device_hash))), count(*)
                       FROM fake f JOIN orders o USING (order_id) WHERE pattern = 'self_purchase'""").fetchone()
    assert selfp[0] == selfp[1]
    honest_self = con.execute("""SELECT count(*) FROM orders o ANTI JOIN fake f USING (order_id) JOIN seller_identities i
                             ON i.value IN (o.buyer_id, o.buyer_phone_hash, o.ship_to_address_hash, o.buyer_device_hash)""").fetchone()[0]
    assert honest_self == 0
    invalid = con.execute("SELECT carrier, tracking_number FROM fake JOIN orders USING (order_id) WHERE pattern = 'tracking_invalid' "
                      "AND tracking_number IS NOT NULL").fetchall()
    assert invalid and not any(is_wellformed(c, n) for c, n in invalid)
    reused = con.execute("""SELECT count(DISTINCT ship_to_address_hash) FROM fake JOIN orders USING (order_id)
                        WHERE pattern = 'tracking_reused' AND tracking_number IS NOT NULL GROUP BY tracking_number""").fetchall()
    assert reused and all(n >= 2 for (n,) in reused)
    no_scan = con.execute("""SELECT count(*) FILTER (WHERE t IS NULL OR t > shipped_at + INTERVAL 24 HOUR), count(*) FROM fake
                         JOIN orders USING (order_id) LEFT JOIN (SELECT tracking_number, min(event_at) t FROM tracking_events GROUP BY ALL)
                         USING (tracking_number) WHERE pattern = 'tracking_no_scan' AND shipped_at IS NOT NULL""").fetchone()
    assert no_scan[1] > 0 and no_scan[0] == no_scan[1]
    ring = con.execute("""SELECT count(DISTINCT buyer_id), count(DISTINCT ship_to_address_hash), count(DISTINCT product_id)
                      FROM fake JOIN orders USING (order_id) JOIN order_lines USING (order_id)
                      JOIN tz ON tz.shop_id = fake.shop_id
                      WHERE pattern = 'brushing_ring' GROUP BY fake.shop_id, timezone(tz, created_at)::DATE""").fetchall()
    assert all(b >= 2 and a < b and p <= 3 for b, a, p in ring)
    bulk = con.execute("""SELECT avg(quantity) FILTER (WHERE pattern = 'bulk_buyer'), avg(quantity) FILTER (WHERE pattern IS NULL)
                      FROM order_lines LEFT JOIN fake USING (order_id)""").fetchone()
    assert bulk[0] > 3 * bulk[1]
    farm = [t for (t,) in con.execute("SELECT text FROM fake JOIN reviews USING (order_id) WHERE pattern = 'review_farm'").fetchall()]
    stock = [x for lang in ("en", "zh") for x in texts.FARM[lang]]
    empty = {x for lang in ("en", "zh") for x in texts.EMPTY[lang]}
    assert farm and all(t in empty or any(b in t for b in stock) for t in farm)
    honest = [t for (t,) in con.execute("SELECT text FROM reviews ANTI JOIN fake USING (order_id) LIMIT 2000").fetchall()]
    assert not any(t in empty or any(b in t for b in stock) for t in honest)


def test_look_alikes_look_alike(con):
    household = con.execute("""SELECT count(DISTINCT buyer_id) FROM fake JOIN orders USING (order_id) WHERE pattern = 'household'
                           GROUP BY ship_to_address_hash""").fetchall()
    assert household and max(n for (n,) in household) >= 2
    viral = con.execute("""SELECT count(*), count(DISTINCT buyer_id) FROM fake JOIN orders USING (order_id)
                       JOIN tz ON tz.shop_id = fake.shop_id WHERE pattern = 'viral_burst'
                       GROUP BY fake.shop_id, timezone(tz, created_at)::DATE""").fetchall()
    assert viral and all(n == b and n >= 40 for n, b in viral)
    camo = con.execute("""SELECT count(*) FROM fake c JOIN orders o USING (order_id) WHERE c.pattern = 'ring_camouflage'
                      AND o.buyer_id IN (SELECT buyer_id FROM fake JOIN orders USING (order_id) WHERE pattern = 'brushing_ring')""").fetchone()[0]
    assert camo > 0


def _metric(con, rule: str) -> dict[str, tuple[int, int]]:
    """A plain re-computation of a rate's numerator and denominator for the planted shops."""
    win = {"SFCR": 7, "LDR": 7, "TIERED-SHIPPING": 60}.get(rule, 30)
    local = "timezone(tz, {})::DATE BETWEEN DATE '2026-11-20' - " + str(win - 1) + " AND DATE '2026-11-20'"
    end = "timezone(tz, TIMESTAMP '2026-11-21 00:00:00')"
    q = {
        "SFCR": f"""SELECT shop_id, count(*) FILTER (WHERE (cancel_initiator = 'seller' AND cancel_reason IN ('out_of_stock', 'pricing_error'))
                    OR cancel_reason = 'sla_timeout'), count(*) FROM orders JOIN tz USING (shop_id) WHERE {local.format('created_at')} GROUP BY ALL""",
        "LDR": f"""SELECT shop_id, count(*) FILTER (WHERE coalesce(shipped_at, CASE WHEN cancelled_at IS NULL THEN {end} END)
                   > ship_by + coalesce(to_days(e.extra_days), INTERVAL 0 DAY)), count(*)
                   FROM orders o JOIN tz USING (shop_id) LEFT JOIN sla_extensions e ON e.ship_from_zip = o.ship_from_zip
                   AND timezone(tz, o.created_at)::DATE BETWEEN e.created_from AND e.created_to
                   WHERE {local.format('o.created_at')} GROUP BY ALL""",
        "NRR": f"""SELECT shop_id, (SELECT count(*) FROM reviews r JOIN tz t USING (shop_id) WHERE r.shop_id = o.shop_id AND rating <= 2
                   AND timezone(t.tz, r.created_at)::DATE > DATE '2026-11-20' - 30), count(*) FILTER (WHERE cancelled_at IS NULL)
                   FROM orders o JOIN tz USING (shop_id) WHERE {local.format('created_at')} GROUP BY ALL""",
        "DLR": f"""SELECT shop_id, count(*) FILTER (WHERE liable_party = 'seller'), count(*) FROM disputes JOIN tz USING (shop_id)
                   WHERE initiator = 'buyer' AND {local.format('opened_at')} GROUP BY ALL""",
        "RRR": f"""SELECT shop_id, count(*) FILTER (WHERE resolved_at <= requested_at + INTERVAL 30 DAY), count(*) FROM returns
                   JOIN tz USING (shop_id) WHERE seller_fault AND {local.format('requested_at')} GROUP BY ALL""",
        "DRR": f"""SELECT shop_id, (SELECT count(*) FROM returns r JOIN tz t USING (shop_id) WHERE r.shop_id = o.shop_id AND seller_fault
                   AND reason <> 'late_dispatch' AND timezone(t.tz, r.requested_at)::DATE > DATE '2026-11-20' - 30), count(*)
                   FROM orders o JOIN tz USING (shop_id) WHERE {local.format('created_at')} GROUP BY ALL""",
        "TIERED-SHIPPING": f"""SELECT shop_id, count(*) FILTER (WHERE fulfillment = 'spot'), count(*) FROM orders JOIN tz USING (shop_id)
                   WHERE {local.format('created_at')} GROUP BY ALL""",
        "CS-RR24": """SELECT b.shop_id, count(*) FILTER (WHERE r.t <= b.sent_at + INTERVAL 24 HOUR), count(*) FROM messages b
                   LEFT JOIN (SELECT conversation_id, min(sent_at) t FROM messages WHERE sender = 'seller' GROUP BY ALL) r USING (conversation_id)
                   WHERE b.sender = 'buyer' GROUP BY ALL""",
        "CS-FRT": """SELECT b.shop_id, round(avg(epoch(r.t - b.sent_at)) / 60 * 100), count(*) FROM messages b
                   JOIN (SELECT conversation_id, min(sent_at) t FROM messages WHERE sender = 'seller' GROUP BY ALL) r USING (conversation_id)
                   WHERE b.sender = 'buyer' GROUP BY ALL""",
    }
    q["CS-RR48"] = q["CS-RR24"].replace("24 HOUR", "48 HOUR")
    q["AL-POSITIVE"] = f"""SELECT shop_id, count(*) FILTER (WHERE rating >= 4), count(*) FROM reviews JOIN tz USING (shop_id)
                   WHERE timezone(tz, created_at)::DATE > DATE '2026-11-20' - 60 GROUP BY ALL"""
    q["AL-FORMAL"] = "SELECT shop_id, count(*) FILTER (WHERE rating >= 4), count(*) FROM reviews GROUP BY ALL"
    return {s: (int(n), int(d)) for s, n, d in con.execute(q[rule]).fetchall()}


def test_planted_rates_are_exact(con):
    sit = con.execute("SELECT shop_id, situation, rule_id, numerator, denominator FROM sit WHERE denominator IS NOT NULL").fetchall()
    assert len(sit) >= 30
    measured = {}
    for shop, name, rule, num, den in sit:
        if rule not in measured:
            measured[rule] = _metric(con, rule)
        got = measured[rule].get(shop)
        assert got == (num, den), (name, rule, got, (num, den))


def test_planted_situations_cover_every_family(con):
    names = {r[0] for r in con.execute("SELECT situation FROM sit").fetchall()}
    for prefix in ("sfcr_", "ldr_", "nrr_", "dlr_", "rrr_", "drr_", "cs_frt", "cs_rr24", "cs_rr48", "ss_eligible", "ss_fail_",
                   "vp_", "vp_terminated", "fs_", "dep_refund", "dep_closed_before_spring_festival", "dep_closed_before_national_day",
                   "dep_arrears", "ts_", "al_"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert con.execute("SELECT count(*) FROM sit ANTI JOIN shops USING (shop_id)").fetchone()[0] == 0
    # the violation ledger of two point-history situations
    # points scored on local day D are active until D + 179 (VP-EXPIRE)
    pts = dict(con.execute("""SELECT situation, sum(points) FILTER (WHERE appeal_status <> 'overturned'
                          AND timezone(tz, recorded_at)::DATE > DATE '2026-11-20' - 180)
                          FROM sit JOIN violations USING (shop_id) JOIN tz USING (shop_id) GROUP BY ALL""").fetchall())
    assert pts["vp_12"] == 12 and pts["vp_overturned"] == 10 and pts["vp_expired_at_180"] == 8
    status = dict(con.execute("SELECT situation, status FROM sit JOIN shops USING (shop_id)").fetchall())
    assert status["vp_terminated"] == "deactivated" and status["dep_arrears"] == "closed"
    events = {e for (e,) in con.execute("SELECT DISTINCT event FROM deposits").fetchall()}
    assert events == {"paid", "topped_up", "deducted", "refunded"}
    balance = dict(con.execute("""SELECT situation, sum(CASE WHEN event IN ('paid', 'topped_up') THEN amount ELSE -amount END)
                                  FROM sit JOIN deposits USING (shop_id) GROUP BY ALL""").fetchall())
    assert balance["dep_refunded"] == 0 and balance["dep_penalty_record"] > 0


def test_manifest_counts_match(synth_dir):
    m = json.loads((synth_dir / "_truth/manifest.json").read_text())
    assert m["orders"] == 24_000 == pl.read_parquet(synth_dir / "orders/*.parquet").height
    assert m["rows"]["messages"] == _read(synth_dir, "messages").height
