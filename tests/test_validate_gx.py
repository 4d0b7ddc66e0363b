"""Great Expectations runs the same suites on DuckDB (SQL data source + gx_compat) and writes
Data Docs; its unexpected counts must equal the SQL pass's, expectation by expectation.

GX takes ~10 s to import, so the whole module shares one validation run.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from test_validate import BAD_ORDERS, SHOPS, folder_hash, write
from tt_analytics import validate as v

ROOT = Path(__file__).resolve().parent.parent

CORPUS = {
    "shops.csv": SHOPS + "s3,tiktok,MARS,active\n",
    "orders.csv": BAD_ORDERS,
    "reviews.csv": "review_id,order_id,shop_id,rating,created_at,text\n"
                   "r1,o1,s1,5,2026-11-05,\"two\nlines\"\nr2,o1,s1,6,2026-11-05,ok\nr3,o1,s1,4.5,2026-11-05,ok\n"
                   "r4,o99,s1,4,2026-11-05,ok\nr5,o13,s1,,2026-11-05,ok\n",
    "shop_ratings.csv": "shop_id,date,rating,positive_review_rate\n"
                        "s1,2026-11-01,4.8,0.9\ns1,2026-11-02,5.1,1.5\ns1,2026-11-04,4.0,0.5\ns1,2026-11-04,4.1,0.5\n"
                        "s1,2026-11-01,4.8,0.9\ns1,2026-11-05,4.8,\n",
    "returns.csv": "return_id,order_id,shop_id,requested_at,resolved_at,return_type,reason,seller_fault\n"
                   "t1,o1,s1,2026-11-05,2026-11-04,refund,damaged,true\nt2,o1,s1,2026-11-05,,refund,damaged,maybe\n",
    "deposits.csv": "shop_id,event_at,event,amount\ns1,2026-11-01,paid,100\ns1,2026-11-01,paid,100\n",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("gx")
    data = write(base / "data", CORPUS)
    before = folder_hash(data)
    out = base / "out"
    import os
    cwd = os.getcwd()
    os.chdir(base)  # GX must not create a gx/ project folder wherever it runs
    try:
        report = v.validate(data, out, as_of="2026-12-31")
    finally:
        os.chdir(cwd)
    assert folder_hash(data) == before
    return base, data, out, report


def test_data_docs_are_written_in_out_and_nowhere_else(run):
    base, data, out, report = run
    assert report.data_docs == (out / "data_docs" / "index.html").resolve()
    html = report.data_docs.read_text(encoding="utf-8")
    for table in ["orders", "shops", "reviews", "shop_ratings", "returns", "deposits"]:
        assert table in html
    assert list((out / "data_docs" / "validations").rglob("*.html")), "no validation page rendered"
    assert sorted(p.name for p in out.iterdir()) == ["data_docs", "quarantine", "validation.parquet"]
    assert not (base / "gx").exists() and not (ROOT / "gx").exists() and not (data / "gx").exists()


def test_gx_counts_equal_the_sql_pass_for_every_row_level_expectation(run):
    _, _, _, report = run
    checked_types = set()
    for table, sql_counts in report.sql_counts.items():
        gx = {i: (typ, n, ok) for i, typ, _, n, ok in report.gx_counts[table]}
        for i, typ, col, n in sql_counts:
            assert i in gx, (table, i, typ)
            assert gx[i][1] == n, f"{table} #{i} {typ} {col}: GX {gx[i][1]} unexpected, SQL pass {n}"
            assert gx[i][2] == (n == 0), (table, i, typ, col)
            if n:
                checked_types.add(typ)
    # The corpus makes every kind of row-level expectation fail at least once.
    assert checked_types == {"expect_column_values_to_not_be_null", "expect_column_values_to_be_in_set",
                             "expect_column_values_to_be_between", "expect_column_values_to_be_unique",
                             "expect_compound_columns_to_be_unique", "expect_column_pair_values_a_to_be_greater_than_b",
                             "unexpected_rows_expectation"}


def test_gx_freshness_agrees_with_the_warning(run):
    _, _, _, report = run
    suite = v.load_suite("orders")["expectations"]
    fresh = {i: ok for i, typ, _, _, ok in report.gx_counts["orders"] if suite[i]["meta"]["check"] == "freshness"}
    assert sorted(fresh.values()) == [False, True]  # 2026-12-31 is after the last order
    assert report.summary.filter(pl.col("table") == "orders")["notes"].item().count("outside the range") == 1
    assert any("2026-12-31" in w for w in report.warnings)


def test_quarantine_and_accounting_through_the_public_api(run):
    _, _, out, report = run
    s = pl.read_parquet(out / "validation.parquet")
    assert s.equals(report.summary)
    assert (s["rows_in"] == s["rows_accepted"] + s["rows_quarantined"]).all()
    got = {r["table"]: r["rows_quarantined"] for r in s.iter_rows(named=True) if r["source"]}
    # shops: MARS. orders: 14 (see test_validate). reviews: r2 r3 r4 r5, plus r1 whose order o1 is
    # accepted -> kept. ratings: 5.1/1.5, the 2026-11-04 pair, the exact duplicate.
    assert got == {"shops": 1, "orders": 14, "reviews": 4, "shop_ratings": 4, "returns": 2, "deposits": 1}


def test_cli_validate_on_a_large_table_gx_sees_failing_rows_plus_a_sample(run, tmp_path, monkeypatch):
    """The CLI prints the accounting table and the Data Docs link. Above GX_MAX_ROWS, GX validates
    every failing row plus a sample, and its counts still equal the SQL pass's."""
    from tt_analytics.cli import app
    _, data, _, _ = run
    monkeypatch.setattr(v, "GX_MAX_ROWS", 14)  # orders: 15 rows checked, 14 failing
    reports = []
    real = v.validate
    monkeypatch.setattr(v, "validate", lambda *a, **k: reports.append(real(*a, **k)) or reports[-1])
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["validate", str(data), "--out", str(out), "--as-of", "2026-11-05"])
    assert r.exit_code == 1, r.output  # rows were quarantined
    text = r.output.replace("\n", "")  # Rich wraps long lines
    assert "Data Docs:" in text and "data_docs/index.html" in text and "Rows in = accepted + quarantined" in text
    assert (out / "data_docs" / "index.html").exists()
    (report,) = reports
    for table, sql_counts in report.sql_counts.items():
        gx = {i: n for i, _, _, n, _ in report.gx_counts[table]}
        assert all(gx[i] == n for i, _, _, n in sql_counts), table
    suite_page = next((out / "data_docs" / "expectations").rglob("orders.html")).read_text()
    assert "of 15 rows" in suite_page


def test_compat_override_is_installed_once():
    from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

    from tt_analytics import gx_compat
    gx_compat.install()
    gx_compat.install()
    assert SqlAlchemyExecutionEngine.execute_query is gx_compat._buffered_execute_query
    assert gx_compat.original_execute_query is not gx_compat._buffered_execute_query


def _gx_null_count(con) -> tuple[bool, int | None]:
    import great_expectations as gx

    from tt_analytics import gx_compat
    ctx = gx.get_context(mode="ephemeral")
    ds = ctx.data_sources.add_sql("t", connection_string="duckdb:///:memory:", kwargs=gx_compat.engine_kwargs(con))
    batch = ds.add_table_asset("t", table_name="t").add_batch_definition_whole_table("t").get_batch()
    r = batch.validate(gx.expectations.ExpectColumnValuesToNotBeNull(column="x"))
    return r.success, r.result.get("unexpected_count")


def test_gx_on_duckdb_needs_the_compat_override(monkeypatch):
    """Canary: GX 1.24's own execute_query loses DuckDB's rows. When this test fails, GX has fixed
    it upstream: delete gx_compat.install() and this test."""
    from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

    from tt_analytics import catalog, gx_compat
    gx_compat.install()
    con = catalog.connect()
    con.execute("CREATE TABLE t AS SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS x FROM range(30) r(i)")
    assert _gx_null_count(con) == (False, 10)
    monkeypatch.setattr(SqlAlchemyExecutionEngine, "execute_query", gx_compat.original_execute_query)
    assert _gx_null_count(con) != (False, 10)


def test_gx_reference_checks_read_only_the_keys_its_batches_reference():
    """GX's cursors see `orders` as the accepted order ids that its batches reference (a temporary
    view on GX's cursors only): the reference counts stay exact (tested above) and the
    connection's own `orders` is untouched."""
    import duckdb
    from tt_analytics import catalog
    con = catalog.connect()
    con.execute("CREATE TABLE orders AS SELECT * FROM (VALUES ('o1'), ('o2'), ('o3')) t(order_id)")
    con.execute("CREATE TABLE _v_reviews_gx AS SELECT * FROM (VALUES ('o1', 's1'), ('o9', 's1'), (NULL, NULL)) "
                "t(order_id, shop_id)")
    con.execute("CREATE TABLE _v_orders_gx AS SELECT 's1' AS shop_id")
    con.execute("CREATE TABLE shops AS SELECT 's1' AS shop_id UNION ALL SELECT 's2'")
    setup = v._gx_reference_views(con, {"reviews": ('"_v_reviews_gx"', ""), "orders": ('"_v_orders_gx"', "")})
    gx_cursor = con.cursor()
    for statement in setup:
        gx_cursor.execute(statement)
    assert gx_cursor.execute("SELECT order_id FROM orders").fetchall() == [("o1",)]
    assert sorted(gx_cursor.execute("SELECT shop_id FROM shops").fetchall()) == [("s1",)]
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 3
    assert isinstance(con, duckdb.DuckDBPyConnection)
