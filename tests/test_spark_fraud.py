"""Fake-transaction detection on Spark (engines/spark_fraud.py: SQL signals through the
transpiler, FRAUDAR per shop with applyInPandas) gives DuckDB's fake_transactions, fraud_groups
and fraud_shops on a planted set with every check firing (the cases of test_fraud_signals.py in
one input, two shops). Skipped where PySpark or Java is missing."""
from __future__ import annotations

import importlib
import importlib.util
import shutil

import pytest

import golden
import spark_parity
from test_fraud_signals import AS_OF, base, build, order, ts
from tt_analytics import catalog, params, schema

evaluate = importlib.import_module("tt_analytics.evaluate")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
    reason="the Spark engine needs PySpark (pip install '.[spark]') and Java 17 on the PATH")


def planted() -> dict:
    ring = [order(f"r{i}", f"ring{i % 3}", 100 + i * 12, buyer_device_hash="dev-ring") for i in range(6)]
    dense = [order(f"d{i}", f"acct{i}", 100 + i * 30, shop="s2") for i in range(6)]
    scattered = [order(f"sc{i}", f"shopper{i}", 110 + i * 30, shop="s2") for i in range(6)]
    brusher = [order(f"x{i}", "brusher", 200 + i / 8) for i in range(5)]
    farm = [order(f"f{i}", f"farm{i}", 130 + i * 3) for i in range(4)]
    odd = [order("o20", "x1", 60, buyer_device_hash="seller-dev"),  # self purchase
           order("o21", "x2", 61, ship_from_zip="55555"),  # shipped elsewhere
           order("o22", "x3", 62, carrier="ups", tracking_number="1Z999AA10123456785"),  # bad check digit
           order("o23", "x4", 63, tracking_number="YT9999999999999999"),  # one number, two addresses
           order("o24", "x5", 64, tracking_number="YT9999999999999999"),
           order("q1", "big", 50, products=None)]
    products = {o["order_id"]: [("p2", 1)] for o in ring}
    products.update({o["order_id"]: [(p, 1) for p in ("p3", "p4", "p5", "p6")] for o in dense})
    products.update({f"sc{i}": [(f"q{i}", 1), (f"q{(i + 1) % 6}", 1)] for i in range(6)})
    products["q1"] = [("p1", 40)]
    texts = ["Amazing quality, fast delivery, will buy again!!", "amazing quality fast delivery will buy again",
             "Amazing quality - fast delivery - will buy again", "Honestly... amazing quality, fast delivery, will buy again"]
    reviews = [{"review_id": f"rv{i}", "order_id": f"f{i}", "shop_id": "s1", "rating": 5, "created_at": ts(400),
                "text": t} for i, t in enumerate(texts)]
    reviews += [{"review_id": "rv9", "order_id": "o1", "shop_id": "s1", "rating": 5, "created_at": ts(500), "text": "good"}]
    ids = [{"shop_id": "s1", "kind": "device_hash", "value": "seller-dev"}]
    for o in odd:
        o.pop("products", None)
    return build(base() + ring + dense + scattered + brusher + farm + odd, products=products, reviews=reviews,
                 identities=ids)


@pytest.fixture(scope="module")
def spark_con():
    from tt_analytics.engines.spark import SparkConnection
    con = SparkConnection.start(master="local[2]", conf=spark_parity.TEST_CONF)
    yield con
    con.close()


def test_fake_transactions_on_spark_equal_duckdb(spark_con):
    from tt_analytics import fraud
    tables = planted()
    prm = params.load(AS_OF)
    con = catalog.connect()
    golden.load_input(con, tables)
    duck = evaluate.run(con, AS_OF, prm, outputs=["fake_transactions"])
    checks = {c for cs in duck["fake_transactions"]["checks"].to_list() for c in cs} \
        if "checks" in duck["fake_transactions"].columns else set()
    assert duck["fake_transactions"].filter("suspected").height >= 20, duck["fake_transactions"]
    for name in schema.TABLES:
        spark_con.register(name, golden.frame(name, tables.get(name) or []))
    evaluate.prepare(spark_con, [AS_OF], prm)
    # the output function evaluate calls hands a Spark connection to engines/spark_fraud.py
    spark = fraud.fake_transactions(evaluate.Context(spark_con, AS_OF, prm, [AS_OF]))
    assert sorted(spark) == sorted(duck) == ["fake_transactions", "fraud_groups", "fraud_shops"]
    problems = [p for t in duck for p in spark_parity.differences(duck[t], spark[t], t)]
    assert not problems, "\n".join(problems)
    signals = {s for ss in duck["fake_transactions"]["signals"].to_list() for s in ss}
    assert signals == {"FT-SELF", "FT-LOGISTICS", "FT-TRACKING", "FT-BULK", "FT-REVIEW"}, (signals, checks)
    assert any("dense block" in e for e in duck["fake_transactions"]["explanation"].to_list())


def test_date_diff_counts_boundaries_on_spark_as_in_duckdb(spark_con):
    """10:59:30 -> 11:00:10 crosses one hour and one minute boundary (DuckDB's date_diff);
    Spark's own DATEDIFF(HOUR, ...) would say 0 whole hours elapsed."""
    q = ("SELECT date_diff('hour', a, b) AS h, date_diff('minute', a, b) AS m, date_diff('day', a, b) AS d "
         "FROM (SELECT TIMESTAMPTZ '2026-11-01 10:59:30+00' AS a, TIMESTAMPTZ '2026-11-01 11:00:10+00' AS b)")
    duck = catalog.connect().execute(q).fetchone()
    assert duck == (1, 1, 0)
    assert spark_con.execute(q).fetchone() == duck
