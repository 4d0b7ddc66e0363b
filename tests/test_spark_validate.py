"""Validation on Spark (`validate --engine spark`) writes what the DuckDB path writes: the same
rows quarantined with the same reasons, line numbers and original text, the same
validation.parquet, the same accepted rows; Great Expectations' Spark data source finds the same
unexpected counts. Inputs are the bad-input corpus of tests/test_validate*.py (CSV with quoted
newlines, BOM and CRLF, Parquet parts with typed columns). Skipped where PySpark or Java is missing.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import shutil

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import spark_parity
from test_validate import FILE_ERRORS, ORDERS_HEADER, SHOPS, folder_hash, write
from test_validate_gx import CORPUS
from tt_analytics import catalog, schema
from tt_analytics import validate as v
from tt_analytics.errors import InputError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
    reason="the Spark engine needs PySpark (pip install '.[spark]') and Java 17 on the PATH")

# Everything test_validate.py checks table by table, in one folder (one Spark run).
OTHER_TABLES = {
    "shops.csv": "shop_id,platform,region,status,opened_at,documents_complete,Seller Notes\n"
                 "s1,tiktok,US,active,2025-01-01,true,hi\n"
                 "s2,douyin,CN,active,2025-01-01 10:00,TRUE,\n"
                 "s3,douyin,CN,active,,yes,x\n",
    "orders.csv": ("\ufeff" + ORDERS_HEADER + "\r\n"
                   "000000000000000123,s1,b1,2026-11-01,,,,spot,1\r\n"
                   "123456789012345678,s1,b1,2026-11-01,,,,spot,1\r\n"
                   "999999999999999999,s1,b1,2026-11-01,,,,teleport,1\r\n"
                   "o2,s3,b1,2026-11-01,,,,spot,1\r\n"
                   "o3,s1,b1,2026,,,,spot,1.5e2\r\n"),
    "reviews.csv": 'review_id,order_id,shop_id,rating,created_at,text\r\n'
                   'r1,000000000000000123,s1,5,2026-11-02,"line one\r\nline two\r\n""quoted"""\r\n'
                   'r2,123456789012345678,s1,9,2026-11-02,plain\r\n'
                   'r3,000000000000000123,s1,0,2026-11-05,ok\r\n'
                   'r4,000000000000000123,s1,4.5,2026-11-05,"two\nlines"\r\n'
                   'r5,o2,s1,4,2026-11-05,ok\r\n',
    "returns.csv": "return_id,order_id,shop_id,requested_at,resolved_at,return_type,reason,seller_fault\n"
                   "t1,000000000000000123,s1,2026-11-05,2026-11-04,refund,damaged,true\n"
                   "t2,000000000000000123,s1,2026-11-05,,refund,damaged,maybe\n"
                   "t3,000000000000000123,s1,2026-11-05,,refund,damaged,false\n",
    "shop_ratings.csv": "shop_id,date,rating,positive_review_rate\n"
                        "s1,2026-11-01,4.8,0.9\ns1,2026-11-02,5.1,0.9\ns1,2026-11-03,4.0,1.5\n"
                        "s1,2026-11-04,4.0,0.5\ns1,2026-11-04,4.1,0.5\ns1,2026-11-01,4.8,0.9\n",
    "violations.csv": "violation_id,shop_id,recorded_at,violation_type,points\n"
                      "v1,s1,2026-11-01,counterfeit,-2\nv2,s1,2026-11-01,counterfeit,6\n",
    "deposits.csv": "shop_id,event_at,event,amount\ns1,2026-11-01,paid,100\ns1,2026-11-01,paid,100\n"
                    "s1,2026-11-02,paid,100\n",
    "disputes.csv": "dispute_id,order_id,shop_id,opened_at,initiator\nd1,o1,s1,2026-11-02,lawyer\n",
}


def _parquet_parts(data):
    """orders/ as two Parquet parts: an int64 key, instants, a negative amount, a missing time."""
    write(data, {"shops.csv": SHOPS})
    (data / "orders").mkdir()
    tz = pa.timestamp("us", tz="UTC")
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    t1 = dt.datetime(2026, 11, 1, 10, 30, 0, 250000, tzinfo=dt.timezone.utc)
    pq.write_table(pa.table({"order_id": pa.array([123456789012345678, 2], pa.int64()),
                             "shop_id": ["s1", "s1"], "buyer_id": ["b", "b"],
                             "created_at": pa.array([t0, t1], tz), "amount": [1.0, -1.0]}),
                   data / "orders" / "part-0.parquet")
    pq.write_table(pa.table({"order_id": ["3", "4", "5", "3"], "shop_id": ["s1", "s9", "s1", "s1"],
                             "buyer_id": ["b"] * 4, "created_at": pa.array([t0, t0, None, t0], tz),
                             "amount": [1.0, 2.0, 3.0, 1.0]}),
                   data / "orders" / "part-1.parquet")
    return data


@pytest.fixture(scope="module")
def spark_con():
    from tt_analytics.engines.spark import SparkConnection
    con = SparkConnection.start(master="local[2]", conf=spark_parity.TEST_CONF)
    yield con
    con.close()


def _both(spark_con, data, tmp_path, as_of=None, data_docs=False):
    from tt_analytics.engines import spark_validate
    before = folder_hash(data)
    duck_con = catalog.connect()
    duck = v.validate_into(duck_con, data, tmp_path / "duck", as_of=as_of, data_docs=False)
    spark = spark_validate.validate_into(spark_con, data, tmp_path / "spark", as_of=as_of, data_docs=data_docs)
    assert folder_hash(data) == before, "validation modified its input folder"
    return duck, duck_con, spark


def _same_outputs(tmp_path, duck, duck_con, spark, spark_con):
    assert spark.summary.equals(duck.summary), f"\n{duck.summary}\n{spark.summary}"
    assert pl.read_parquet(tmp_path / "spark" / "validation.parquet").equals(spark.summary)
    assert spark.warnings == duck.warnings
    assert spark.sql_counts == duck.sql_counts  # every expectation's unexpected count
    qd, qs = tmp_path / "duck" / "quarantine", tmp_path / "spark" / "quarantine"
    assert sorted(p.name for p in qs.iterdir()) == sorted(p.name for p in qd.iterdir())
    for p in qd.iterdir():
        a, b = pl.read_parquet(p), pl.read_parquet(qs / p.name)
        assert b.equals(a), f"{p.name}\n{a}\n{b}"
    for name, t in schema.TABLES.items():  # accepted rows: same rows, the schema's columns
        d = duck_con.sql(f"SELECT * FROM {name}").pl()
        s = spark_con.table(name).pl()
        assert s.columns == t.names
        assert not spark_parity.differences(d, s, name)


def test_bad_input_corpus_same_quarantine_and_accounting(spark_con, tmp_path):
    data = write(tmp_path / "data", CORPUS)
    duck, duck_con, spark = _both(spark_con, data, tmp_path, as_of="2026-12-31")
    _same_outputs(tmp_path, duck, duck_con, spark, spark_con)
    assert duck.summary["rows_quarantined"].sum() == 26  # the corpus does quarantine rows
    assert any("2026-12-31" in w for w in spark.warnings)  # freshness


def test_great_expectations_spark_data_source_finds_the_same_counts(spark_con, tmp_path):
    """GX on Spark takes seconds per expectation here: three tables of the corpus, which between
    them fail a set membership, a range, a compound key, a time order, a reference and a type."""
    data = write(tmp_path / "data", {k: CORPUS[k] for k in ("shops.csv", "shop_ratings.csv", "returns.csv")})
    duck, duck_con, spark = _both(spark_con, data, tmp_path, data_docs=True)
    _same_outputs(tmp_path, duck, duck_con, spark, spark_con)
    failing = set()
    for table, counts in spark.sql_counts.items():
        gx = {i: (n, ok) for i, typ, _, n, ok in spark.gx_counts[table]}
        assert all(gx[i] == (n, n == 0) for i, _, _, n in counts), (table, counts, spark.gx_counts[table])
        failing |= {typ for _, typ, _, n in counts if n}
    assert failing == {"expect_column_values_to_be_in_set", "expect_column_values_to_be_between",
                       "expect_compound_columns_to_be_unique", "expect_column_pair_values_a_to_be_greater_than_b",
                       "unexpected_rows_expectation"}
    assert spark.data_docs.exists() and list((tmp_path / "spark" / "data_docs" / "validations").rglob("*.html"))


def test_other_tables_bom_crlf_quoted_newlines_same_as_duckdb(spark_con, tmp_path):
    data = write(tmp_path / "data", OTHER_TABLES)
    duck, duck_con, spark = _both(spark_con, data, tmp_path, as_of="2026-11-05")
    _same_outputs(tmp_path, duck, duck_con, spark, spark_con)
    q = pl.read_parquet(tmp_path / "spark" / "quarantine" / "reviews.parquet")
    assert dict(zip(q["_row"], q["_reason"]))[5] == "rating: outside 1..5"  # r2 starts on line 5
    assert q.filter(pl.col("_row") == 7)["text"].item() == "two\nlines"


def test_parquet_parts_row_index_and_original_text_same_as_duckdb(spark_con, tmp_path):
    data = _parquet_parts(tmp_path / "data")
    duck, duck_con, spark = _both(spark_con, data, tmp_path)
    _same_outputs(tmp_path, duck, duck_con, spark, spark_con)
    q = pl.read_parquet(tmp_path / "spark" / "quarantine" / "orders.parquet")
    assert q.select("_source", "_row").rows() == [
        ("orders/part-0.parquet", 2), ("orders/part-1.parquet", 2), ("orders/part-1.parquet", 3),
        ("orders/part-1.parquet", 4)]
    assert q["created_at"][0] == "2026-11-01 10:30:00.25+00"  # an instant's text as DuckDB writes it


@pytest.mark.parametrize("case", ["empty file", "missing required column", "gb18030 bytes", "reserved column name",
                                  "binary garbage parquet", "unknown table file"])
def test_file_level_problems_stop_the_run_as_on_duckdb(spark_con, tmp_path, case):
    from tt_analytics.engines import spark_validate
    files, bad_file, message = FILE_ERRORS[case]
    data = write(tmp_path / "data", files)
    with pytest.raises(InputError) as e:
        spark_validate.validate_into(spark_con, data, tmp_path / "out", data_docs=False)
    assert bad_file in str(e.value) and message in str(e.value), str(e.value)
