"""Validation without GX (the SQL pass): suites, quarantine counts and reasons, file-level errors.

Every input is written by the tests at run time; each case states its expected outcome exactly.
No run may modify its input folder (each run below hashes the folder before and after).
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tt_analytics import catalog, schema
from tt_analytics import validate as v
from tt_analytics.errors import InputError

ROOT = Path(__file__).resolve().parent.parent

SHOPS = """shop_id,platform,region,status
s1,tiktok,US,active
s2,douyin,CN,active
"""
ORDERS_HEADER = "order_id,shop_id,buyer_id,created_at,paid_at,shipped_at,delivered_at,fulfillment,amount"


def folder_hash(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        h.update(str(p.relative_to(d)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def write(d: Path, files: dict[str, str | bytes]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return d


def run(data: Path, out: Path | None = None, as_of=None):
    """validate_into on a fresh connection, checking the invariants every run must keep."""
    before = folder_hash(data)
    con = catalog.connect()
    try:
        report = v.validate_into(con, data, out, as_of=as_of, data_docs=False)
    finally:
        assert folder_hash(data) == before, "validation modified its input folder"
    s = report.summary
    assert (s["rows_in"] == s["rows_accepted"] + s["rows_quarantined"]).all()
    assert set(s["table"]) == set(schema.TABLES)
    for name, t in schema.TABLES.items():  # every canonical relation, exactly the schema's columns/types
        got = con.execute(f"DESCRIBE {name}").fetchall()
        assert [(r[0], r[1]) for r in got] == [(c.name, c.duckdb_type.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"))
                                               for c in t.columns], name
        accepted = int(s.filter(pl.col("table") == name)["rows_accepted"].sum())
        assert con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == accepted, name
    return report, con


def quarantine(out: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(out / "quarantine" / f"{table}.parquet")


def reasons_by_row(q: pl.DataFrame) -> dict[int, str]:
    return dict(zip(q["_row"].to_list(), q["_reason"].to_list()))


# ---------------------------------------------------------------------------------------------
# Suites


def test_committed_suites_are_what_the_schema_generates():
    for name in schema.TABLES:
        path = ROOT / "expectations" / f"{name}.json"
        assert path.exists(), f"{path} missing: run python -m tt_analytics.validate --write-suites"
        assert path.read_text(encoding="utf-8") == v.suite_json(name), \
            f"{path.name} differs from the schema: run python -m tt_analytics.validate --write-suites"
    assert {p.stem for p in (ROOT / "expectations").glob("*.json")} == set(schema.TABLES)


def test_every_schema_constraint_has_its_expectation():
    for name, t in schema.TABLES.items():
        exps = v.suite(name)["expectations"]

        def has(check, column, **kw):
            return any(e["meta"]["check"] == check and e["meta"].get("column") == column
                       and all(e["kwargs"].get(k) == val for k, val in kw.items()) for e in exps)

        for c in t.columns:
            assert any(e["meta"].get("column") == c.name for e in exps), f"{name}.{c.name} has no expectation"
            assert has("present", c.name), f"{name}.{c.name}"
            if c.dtype != "str":
                assert has("type", c.name), f"{name}.{c.name}: no parse check"
            if c.required:
                assert has("not_null", c.name), f"{name}.{c.name}: not checked for nulls"
            if c.allowed:
                assert has("enum", c.name, value_set=list(c.allowed)), f"{name}.{c.name}: enumeration unchecked"
            if c.min is not None or c.max is not None:
                assert has("range", c.name, min_value=c.min, max_value=c.max), f"{name}.{c.name}: range unchecked"
        if t.key:
            assert has("unique", t.key[0]), f"{name}: key {t.key} unchecked"
        for later, earlier in t.time_order:
            assert has("time_order", later, column_B=earlier), f"{name}: {later} >= {earlier} unchecked"
        for col, (rt, rc) in t.references.items():
            assert any(e["meta"]["check"] == "reference" and e["meta"]["column"] == col
                       and e["meta"]["references"] == [rt, rc] for e in exps), f"{name}.{col} -> {rt} unchecked"
        assert v.required_columns(v.suite(name)) == t.required


def test_suite_regeneration_command(tmp_path):
    paths = v.write_suites(tmp_path)
    assert len(paths) == len(schema.TABLES)
    assert json.loads((tmp_path / "orders.json").read_text())["name"] == "orders"


# ---------------------------------------------------------------------------------------------
# Row-level problems: exact quarantine counts and reasons


def test_clean_folder_accepts_every_row_and_missing_tables_are_empty(tmp_path):
    data = write(tmp_path / "data", {
        "shops.csv": SHOPS,
        "orders.csv": ORDERS_HEADER + "\n"
                      "o1,s1,b1,2026-11-01T10:00:00Z,2026-11-01T10:05:00Z,2026-11-02,2026-11-04,spot,12.5\n"
                      "o2,s2,b2,2026-11-03 08:00:00+08:00,,,,presale,0\n",
    })
    report, con = run(data, tmp_path / "out", as_of="2026-11-03")
    s = report.summary
    assert s.filter(pl.col("source").is_not_null()).select("table", "source", "rows_in", "rows_quarantined",
                                                          "status").rows() == [
        ("shops", "shops.csv", 2, 0, "ok"), ("orders", "orders.csv", 2, 0, "ok")]
    assert not report.failed and not report.warnings
    assert con.execute("SELECT count(*) FROM returns").fetchone()[0] == 0
    assert con.execute("SELECT created_at FROM orders WHERE order_id = 'o2'").fetchone()[0].isoformat() \
        == "2026-11-03T00:00:00+00:00"
    assert not (tmp_path / "out" / "quarantine" / "orders.parquet").exists()
    assert pl.read_parquet(tmp_path / "out" / "validation.parquet").equals(s)


BAD_ORDERS = ORDERS_HEADER + "\n" + "\n".join([
    "o1,s1,b1,2026-11-01T10:00:00Z,,,,spot,10",               # 2 good
    "o2,s1,b1,yesterday,,,,spot,10",                          # 3 unparseable timestamp
    "o3,s1,b1,2026-11-01,,,,teleport,10",                     # 4 unknown enumeration value
    "o1,s1,b1,2026-11-01T10:00:00Z,,,,spot,10",               # 5 exact duplicate of line 2
    "o4,s1,b1,2026-11-01,,,,spot,10",                         # 6 duplicate key, different content
    "o4,s1,b1,2026-11-01,,,,spot,11",                         # 7   (neither copy kept)
    "o5,s1,b1,2026-11-01,,,,spot,-1",                         # 8 negative amount
    "o6,s1,b1,2026-11-05,,2026-11-04,,spot,1",                # 9 shipped before created
    "o7,s1,b1,2026-11-05,,2026-11-06,2026-11-05,spot,1",      # 10 delivered before shipped
    "o8,s1,b1,2026-11-05,2026-11-04,,,spot,1",                # 11 paid before created
    "o9,s404,b1,2026-11-05,,,,spot,1",                        # 12 shop does not exist
    "o10,s1,,2026-11-05,,,,spot,1",                           # 13 required value missing
    "o11,s1,b1,2026-11-05,,,,spot,12 USD",                    # 14 amount not a number
    "o12,s404,b1,2026-02-30,,,,teleport,-3",                  # 15 several problems at once
    ",s1,b1,2026-11-05,,,,spot,1",                            # 16 missing key
    "o13,s1,b1,2026-11-05,,,,spot,1.5e2",                     # 17 good (a number)
]) + "\n"


def test_each_row_problem_is_quarantined_with_its_reason(tmp_path):
    data = write(tmp_path / "data", {"shops.csv": SHOPS, "orders.csv": BAD_ORDERS})
    out = tmp_path / "out"
    report, con = run(data, out)
    row = report.summary.filter(pl.col("table") == "orders").row(0, named=True)
    assert (row["rows_in"], row["rows_accepted"], row["rows_quarantined"], row["status"]) == (16, 2, 14, "fail")
    assert report.failed
    assert sorted(r[0] for r in con.execute("SELECT order_id FROM orders").fetchall()) == ["o1", "o13"]
    q = quarantine(out, "orders")
    assert q.columns == ORDERS_HEADER.split(",") + ["_row", "_reason", "_source"]
    assert all(dt == pl.Utf8 for c, dt in q.schema.items() if c != "_row")
    assert q.filter(pl.col("_row") == 3)["created_at"].item() == "yesterday"  # original text kept
    assert reasons_by_row(q) == {
        3: "created_at: not an ISO-8601 timestamp",
        4: "fulfillment: not one of spot, presale, tiered",
        5: "exact duplicate of line 2 (the first copy is kept)",
        6: "duplicate order_id with different content (no copy kept)",
        7: "duplicate order_id with different content (no copy kept)",
        8: "amount: below 0",
        9: "shipped_at before created_at",
        10: "delivered_at before shipped_at",
        11: "paid_at before created_at",
        12: "shop_id: no such shop_id in shops",
        13: "buyer_id: required value missing",
        14: "amount: not a number",
        15: "created_at: not an ISO-8601 timestamp; fulfillment: not one of spot, presale, tiered; "
            "amount: below 0; shop_id: no such shop_id in shops",
        16: "order_id: required value missing",
    }
    assert row["notes"].startswith("amount: below 0 (2); created_at: not an ISO-8601 timestamp (2); ")


def test_other_tables_ranges_keys_booleans_dates_and_references(tmp_path):
    data = write(tmp_path / "data", {
        "shops.csv": "shop_id,platform,region,status,opened_at,documents_complete\n"
                     "s1,tiktok,US,active,2025-01-01,true\n"
                     "s2,douyin,CN,active,2025-01-01 10:00,TRUE\n"     # 3 a timestamp is not a date
                     "s3,douyin,CN,active,,yes\n",                     # 4 'yes' is not a bool
        "orders.csv": ORDERS_HEADER + "\no1,s1,b1,2026-11-01,,,,spot,1\no2,s3,b1,2026-11-01,,,,spot,1\n",
        "reviews.csv": "review_id,order_id,shop_id,rating,created_at,text\n"
                       "r1,o1,s1,5,2026-11-05,\"great\nproduct, would buy\"\n"  # 2 good (quoted newline)
                       "r2,o1,s1,6,2026-11-05,ok\n"                        # 4 rating above 5
                       "r3,o1,s1,0,2026-11-05,ok\n"                        # 5 rating below 1
                       "r4,o1,s1,4.5,2026-11-05,ok\n"                      # 6 rating not whole
                       "r5,o2,s1,4,2026-11-05,ok\n"                        # 7 order quarantined -> missing
                       "r6,o99,s1,4,2026-11-05,ok\n",                      # 8 order does not exist
        "returns.csv": "return_id,order_id,shop_id,requested_at,resolved_at,return_type,reason,seller_fault\n"
                       "t1,o1,s1,2026-11-05,2026-11-04,refund,damaged,true\n"   # 2 resolved before requested
                       "t2,o1,s1,2026-11-05,,refund,damaged,maybe\n"            # 3 bool does not parse
                       "t3,o1,s1,2026-11-05,,refund,damaged,false\n",           # 4 good
        "shop_ratings.csv": "shop_id,date,rating,positive_review_rate\n"
                            "s1,2026-11-01,4.8,0.9\n"        # 2 good
                            "s1,2026-11-02,5.1,0.9\n"        # 3 rating above 5
                            "s1,2026-11-03,4.0,1.5\n"        # 4 rate above 1
                            "s1,2026-11-04,4.0,0.5\n"        # 5 same key, different content
                            "s1,2026-11-04,4.1,0.5\n"        # 6
                            "s1,2026-11-01,4.8,0.9\n",       # 7 exact duplicate of line 2
        "violations.csv": "violation_id,shop_id,recorded_at,violation_type,points\n"
                          "v1,s1,2026-11-01,counterfeit,-2\nv2,s1,2026-11-01,counterfeit,6\n",
        "deposits.csv": "shop_id,event_at,event,amount\n"   # no key: exact duplicates only
                        "s1,2026-11-01,paid,100\ns1,2026-11-01,paid,100\ns1,2026-11-02,paid,100\n",
        "disputes.csv": "dispute_id,order_id,shop_id,opened_at,initiator\nd1,o1,s1,2026-11-02,lawyer\n",
    })
    out = tmp_path / "out"
    report, con = run(data, out)
    counts = {r["table"]: (r["rows_in"], r["rows_quarantined"]) for r in report.summary.iter_rows(named=True)
              if r["source"]}
    assert counts == {"shops": (3, 2), "orders": (2, 1), "reviews": (6, 5), "returns": (3, 2),
                      "shop_ratings": (6, 5), "violations": (2, 1), "deposits": (3, 1), "disputes": (1, 1)}
    assert reasons_by_row(quarantine(out, "shops")) == {3: "opened_at: not a date YYYY-MM-DD",
                                                        4: "documents_complete: not true or false"}
    assert reasons_by_row(quarantine(out, "orders")) == {3: "shop_id: no such shop_id in shops"}
    assert reasons_by_row(quarantine(out, "reviews")) == {
        4: "rating: outside 1..5", 5: "rating: outside 1..5", 6: "rating: not a whole number",
        7: "order_id: no such order_id in orders", 8: "order_id: no such order_id in orders"}
    assert con.execute("SELECT text FROM reviews").fetchone()[0] == "great\nproduct, would buy"
    assert reasons_by_row(quarantine(out, "returns")) == {2: "resolved_at before requested_at",
                                                          3: "seller_fault: not true or false"}
    assert reasons_by_row(quarantine(out, "shop_ratings")) == {
        3: "rating: outside 0..5", 4: "positive_review_rate: outside 0..1",
        5: "duplicate key (shop_id, date) with different content (no copy kept)",
        6: "duplicate key (shop_id, date) with different content (no copy kept)",
        7: "exact duplicate of line 2 (the first copy is kept)"}
    assert reasons_by_row(quarantine(out, "violations")) == {2: "points: below 0"}
    assert reasons_by_row(quarantine(out, "deposits")) == {3: "exact duplicate of line 2 (the first copy is kept)"}
    assert reasons_by_row(quarantine(out, "disputes")) == {2: "initiator: not one of buyer, seller"}
    assert con.execute("SELECT documents_complete FROM shops").fetchall() == [(True,)]


def test_unknown_extra_columns_are_kept_and_reported(tmp_path):
    data = write(tmp_path / "data", {"shops.csv": "shop_id,platform,region,status,Seller Notes\n"
                                                  "s1,tiktok,US,active,hello\ns2,tiktok,MARS,active,bye\n"})
    out = tmp_path / "out"
    report, con = run(data, out)
    row = report.summary.filter(pl.col("table") == "shops").row(0, named=True)
    assert row["rows_quarantined"] == 1 and "unknown columns: Seller Notes" in row["notes"]
    assert quarantine(out, "shops")["Seller Notes"].to_list() == ["bye"]
    assert any("Seller Notes" in w for w in report.warnings)
    data2 = write(tmp_path / "data2", {"shops.csv": "shop_id,platform,region,status,x\ns1,tiktok,US,active,1\n"})
    report2, _ = run(data2)
    assert report2.summary.filter(pl.col("table") == "shops")["status"].item() == "warn"
    assert not report2.failed


def test_freshness_warns_when_the_as_of_date_is_outside_the_data(tmp_path):
    data = write(tmp_path / "data", {"shops.csv": SHOPS, "orders.csv": ORDERS_HEADER + "\n"
                                     "o1,s1,b1,2026-10-01,,,,spot,1\no2,s1,b1,2026-11-19T23:00:00Z,,,,spot,1\n"})
    for as_of, status in [("2026-11-20", "ok"), ("2026-10-01", "ok"), ("2026-11-25", "warn"),
                          ("2026-09-30", "warn"), (None, "ok")]:
        report, _ = run(data, as_of=as_of)
        got = report.summary.filter(pl.col("table") == "orders")["status"].item()
        assert got == status, (as_of, report.warnings)
        assert bool(report.warnings) == (status == "warn")


# ---------------------------------------------------------------------------------------------
# Encodings, line endings, IDs, Parquet


def test_bom_crlf_quoted_newlines_and_ids_that_look_like_numbers(tmp_path):
    orders = ("\ufeff" + ORDERS_HEADER + "\r\n"
              "000000000000000123,s1,b1,2026-11-01,,,,spot,1\r\n"
              "123456789012345678,s1,b1,2026-11-01,,,,spot,1\r\n"
              "999999999999999999,s1,b1,2026-11-01,,,,teleport,1\r\n")
    reviews = ('review_id,order_id,shop_id,rating,created_at,text\r\n'
               'r1,000000000000000123,s1,5,2026-11-02,"line one\r\nline two\r\n""quoted"""\r\n'
               'r2,123456789012345678,s1,9,2026-11-02,plain\r\n')
    data = write(tmp_path / "data", {"shops.csv": SHOPS, "orders.csv": orders.encode("utf-8"),
                                     "reviews.csv": reviews})
    out = tmp_path / "out"
    report, con = run(data, out)
    ids = [r[0] for r in con.execute("SELECT order_id FROM orders ORDER BY order_id").fetchall()]
    assert ids == ["000000000000000123", "123456789012345678"]  # leading zeros and all 18 digits kept
    assert quarantine(out, "orders")["order_id"].to_list() == ["999999999999999999"]
    assert quarantine(out, "orders")["_row"].to_list() == [4]
    assert con.execute("SELECT text FROM reviews").fetchone()[0] == 'line one\r\nline two\r\n"quoted"'
    assert reasons_by_row(quarantine(out, "reviews")) == {5: "rating: outside 1..5"}  # r2 starts on line 5
    # The catalog (used when validation is skipped) reads the same file the same way.
    con2 = catalog.connect()
    catalog.attach(con2, data)
    assert con2.execute("SELECT count(*), min(order_id) FROM orders").fetchone() == (3, "000000000000000123")
    assert con2.execute("SELECT text FROM reviews WHERE review_id = 'r1'").fetchone()[0].startswith("line one\r\n")


def test_parquet_sources_row_index_and_per_file_accounting(tmp_path):
    data = tmp_path / "data"
    write(data, {"shops.csv": SHOPS})
    (data / "orders").mkdir()
    tz = pa.timestamp("us", tz="UTC")
    import datetime as dt
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    pq.write_table(pa.table({"order_id": pa.array([123456789012345678, 2], pa.int64()),
                             "shop_id": ["s1", "s1"], "buyer_id": ["b", "b"],
                             "created_at": pa.array([t0, t0], tz), "amount": [1.0, -1.0]}),
                   data / "orders" / "part-0.parquet")
    pq.write_table(pa.table({"order_id": ["3", "4", "5"], "shop_id": ["s1", "s9", "s1"], "buyer_id": ["b"] * 3,
                             "created_at": pa.array([t0, t0, None], tz), "amount": [1.0, 2.0, 3.0]}),
                   data / "orders" / "part-1.parquet")
    out = tmp_path / "out"
    report, con = run(data, out)
    rows = report.summary.filter(pl.col("table") == "orders").select("source", "rows_in", "rows_accepted",
                                                                     "rows_quarantined").rows()
    assert rows == [("orders/part-0.parquet", 2, 1, 1), ("orders/part-1.parquet", 3, 1, 2)]
    q = quarantine(out, "orders")
    assert q.select("_source", "_row", "_reason").rows() == [
        ("orders/part-0.parquet", 2, "amount: below 0"),
        ("orders/part-1.parquet", 2, "shop_id: no such shop_id in shops"),
        ("orders/part-1.parquet", 3, "created_at: required value missing")]
    assert q["amount"].to_list() == ["-1.0", "2.0", "3.0"]  # original values as text
    assert sorted(r[0] for r in con.execute("SELECT order_id FROM orders").fetchall()) == ["123456789012345678", "3"]


def test_header_only_file_is_an_empty_table(tmp_path):
    data = write(tmp_path / "data", {"shops.csv": SHOPS, "orders.csv": ORDERS_HEADER + "\n"})
    report, con = run(data)
    assert report.summary.filter(pl.col("table") == "orders").select("source", "rows_in", "status").row(0) == \
        ("orders.csv", 0, "ok")


# ---------------------------------------------------------------------------------------------
# File-level problems: a clear error naming the file (and column), nothing written to the input


def _truncated_parquet(path: Path) -> bytes:
    pq.write_table(pa.table({"shop_id": ["s1"] * 100, "platform": ["tiktok"] * 100, "region": ["US"] * 100,
                             "status": ["active"] * 100}), path)
    data = path.read_bytes()
    path.unlink()
    return data[: len(data) // 2]


FILE_ERRORS = {
    "binary garbage csv": ({"shops.csv": bytes(range(256)) * 20}, "shops.csv", "not"),
    "binary garbage parquet": ({"shops.parquet": b"\x00\x01garbage" * 100}, "shops.parquet", "not a readable Parquet"),
    "empty file": ({"shops.csv": b""}, "shops.csv", "file is empty"),
    "missing required column": ({"shops.csv": "shop_id,platform,status\ns1,tiktok,active\n"}, "shops.csv",
                                "required column region missing"),
    "unknown table file": ({"shops.csv": SHOPS, "customers.csv": "id\n1\n"}, "customers.csv",
                           "not a canonical table file"),
    "gb18030 bytes": ({"shops.csv": SHOPS, "reviews.csv": "review_id,order_id,shop_id,rating,created_at,text\n"
                       "r1,o1,s1,5,2026-11-01,很好的商品\n".encode("gb18030")}, "reviews.csv", "is not UTF-8 text"),
    "reserved column name": ({"shops.csv": "shop_id,platform,region,status,_row\ns1,tiktok,US,active,1\n"},
                             "shops.csv", "reserved"),
}


@pytest.mark.parametrize("case", sorted(FILE_ERRORS))
def test_file_level_problems_stop_the_run_with_a_clear_error(tmp_path, case):
    files, bad_file, message = FILE_ERRORS[case]
    data = write(tmp_path / "data", files)
    before = folder_hash(data)
    with pytest.raises(InputError) as e:
        v.validate_into(catalog.connect(), data, tmp_path / "out", data_docs=False)
    assert folder_hash(data) == before
    assert bad_file in str(e.value) and message in str(e.value), str(e.value)
    assert "\n" not in str(e.value).strip() or case.startswith("binary")  # one paragraph
    if case == "missing required column":
        assert e.value.column == "region"


def test_truncated_parquet_is_a_file_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "shops.parquet").write_bytes(_truncated_parquet(tmp_path / "x.parquet"))
    with pytest.raises(InputError, match="shops.parquet.*not a readable Parquet file"):
        v.validate_into(catalog.connect(), data, None, data_docs=False)


def test_cli_prints_file_errors_without_a_traceback(tmp_path, monkeypatch, capsys):
    from tt_analytics import cli
    data = write(tmp_path / "data", {"shops.csv": "shop_id,platform,status\ns1,tiktok,active\n"})
    before = folder_hash(data)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["tt-analytics", "validate", str(data), "--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as e:
        cli.main()
    assert e.value.code == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "Traceback" not in err and "region" in err and "shops.csv" in err
    assert folder_hash(data) == before
    assert not (tmp_path / "gx").exists()


def test_skip_validation_reads_the_folder_as_it_is(tmp_path):
    """evaluate(validate=False) attaches the folder without checks (the CLI's --skip-validation)."""
    data = write(tmp_path / "data", {"shops.csv": "shop_id,platform,region,status\ns1,tiktok,MARS,active\n"})
    con = catalog.connect()
    catalog.attach(con, data)
    assert con.execute("SELECT region FROM shops").fetchall() == [("MARS",)]
    run_report, con2 = run(data)
    assert con2.execute("SELECT count(*) FROM shops").fetchone()[0] == 0


def test_unexpected_predicates_cover_every_row_level_expectation_type():
    types = {e["type"] for name in schema.TABLES for e in v.suite(name)["expectations"]}
    table_level = {"expect_column_to_exist", "expect_column_min_to_be_between", "expect_column_max_to_be_between"}
    for name in schema.TABLES:
        for e in v.suite(name)["expectations"]:
            p = v.unexpected_predicate(e, "b")
            assert (p is None) == (e["type"] in table_level), e
    assert table_level <= types
    with pytest.raises(ValueError):
        v.unexpected_predicate({"type": "unexpected_rows_expectation",
                                "kwargs": {"unexpected_rows_query": "SELECT 1"}, "meta": {}}, "b")
    assert isinstance(duckdb.__version__, str)


# ---------------------------------------------------------------------------------------------
# Bounded memory

def test_keyless_table_exact_duplicates_with_nulls(tmp_path):
    """Keyless tables: exact duplicates are found among rows sharing a hash of every column, nulls
    included; a row differing in one column is not a duplicate."""
    data = write(tmp_path / "data", {"tracking_events.csv": "tracking_number,event_at,status,zip\n"
                                     "T1,2026-11-01,delivered,\n"          # 2
                                     "T1,2026-11-01,delivered,\n"          # 3 exact duplicate of 2 (null zip)
                                     "T1,2026-11-01,delivered,90210\n"     # 4 differs only in zip
                                     "T2,2026-11-01,in_transit,1\n"})      # 5
    out = tmp_path / "out"
    report, con = run(data, out)
    assert reasons_by_row(quarantine(out, "tracking_events")) == {3: "exact duplicate of line 2 (the first copy is kept)"}
    assert con.execute("SELECT count(*) FROM tracking_events").fetchone()[0] == 3


def test_memory_is_capped_during_validation_and_restored_after(tmp_path, monkeypatch):
    """Validation caps DuckDB's memory (spilling to a temp folder) and gives the caller's
    connection its own limit back; TT_ANALYTICS_MEMORY_LIMIT chooses the cap."""
    monkeypatch.setenv(catalog.MEMORY_LIMIT_ENV, "300MB")
    data = write(tmp_path / "data", {"shops.csv": SHOPS})
    con = catalog.connect()
    default = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    seen = []
    real = v._validate_into
    monkeypatch.setattr(v, "_validate_into", lambda c, *a: seen.append(
        c.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0])
        or real(c, *a))
    v.validate_into(con, data, None, data_docs=False)
    # every result fully fetched: the caller can use the connection's relational API right away
    assert con.sql("SELECT count(*) AS n FROM shops").pl()["n"].to_list() == [2]
    (limit, temp), = seen
    assert limit == "286.1 MiB" and temp.endswith("tt_analytics_duckdb")  # DuckDB shows 300 MB in MiB
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == default
    con.execute("SET memory_limit = '2GB'")
    v.validate_into(con, data, None, data_docs=False)
    # DuckDB shows a limit rounded to 0.1 of its unit, and that is what can be set back
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] in ("1.7 GiB", "1.8 GiB")
    assert catalog.memory_limit() == "300MB"
    monkeypatch.delenv(catalog.MEMORY_LIMIT_ENV)
    assert catalog.memory_limit().endswith("MB")


def test_capped_connections_leave_the_process_able_to_fork():
    """bound_memory at its default cap (a quarter of the machine) on several connections must not
    reserve memory the process keeps: DuckDB's block allocator (tried for speed) reserves ~4x its
    setting per connection until it closes, and then fork() fails (Spark's gateway is launched
    with a preexec_fn, so it forks)."""
    import signal
    import subprocess
    cons = [catalog.connect() for _ in range(4)]
    for con in cons:
        catalog.bound_memory(con)
        con.execute("CREATE TEMP TABLE t AS SELECT range AS i FROM range(2000000)")
    subprocess.run(["true"], check=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))


def test_accepted_rows_are_views_over_the_source_files(tmp_path):
    """At scale nothing is copied: each canonical relation is a view (over the Parquet files, with
    the quarantine as an anti-join), and the failing rows alone are kept in tables."""
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pa.table({"shop_id": ["s1", "s2", "s3"], "platform": ["tiktok", "douyin", "mars"],
                             "region": ["US", "CN", "US"], "status": ["active"] * 3}), data / "shops.parquet")
    report, con = run(data)
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    assert kinds["shops"] == "VIEW" and kinds["_v_shops"] == "VIEW"
    assert con.execute("SELECT count(*) FROM _v_shops_bad").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM _v_shops_quarantine").fetchone()[0] == 1
