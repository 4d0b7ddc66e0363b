"""`make demo` end to end on the bundled sample: everything it promises exists, and no clear-text
personal data from the sample exports reaches any output, the database or the report."""
from pathlib import Path

import duckdb
import polars as pl
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "data" / "sample" / "exports" / "manifest.yaml"
CONTRACT_OUTPUTS = ["metrics", "metric_points", "points", "star_shop", "deposit", "alliance", "tiered_shipping",
                    "flash_sale_checks", "fake_transactions"]


def test_demo_produces_every_output_and_its_pointers(report_run):
    p = report_run.paths
    for name in CONTRACT_OUTPUTS:
        df = pl.read_parquet(p["outputs"] / f"{name}.parquet")
        assert df.height > 0, f"{name} is empty on the sample"
    assert p["validation"].exists() and p["data_docs"].exists() and p["report"].exists()
    v = pl.read_parquet(p["validation"])
    assert (v["rows_in"] == v["rows_accepted"] + v["rows_quarantined"]).all()


def test_demo_database_has_views_for_tables_and_outputs(report_run):
    con = duckdb.connect(str(report_run.paths["database"]), read_only=True)
    n_orders = con.execute("SELECT count(*) FROM orders").fetchall()[0][0]
    assert n_orders > 30_000  # canonical sample plus the ingested raw exports
    assert con.execute("SELECT count(*) FROM metrics").fetchall()[0][0] > 0
    # the raw exports' shops made it through ingest into the evaluation
    shops = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    ids = [str(s["shop_id"]) for s in shops["shops"]]
    got = {r[0] for r in con.execute("SELECT DISTINCT shop_id FROM orders WHERE shop_id IN "
                                      f"({', '.join(repr(i) for i in ids)})").fetchall()}
    assert got == set(ids)


def test_no_clear_text_personal_data_anywhere_in_the_demo(report_run):
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    needles = {v for values in manifest["pii"].values() for v in values if len(str(v)) >= 6}
    assert len(needles) > 50  # the sample really has phones, addresses, names, usernames
    files = [f for f in report_run.base.rglob("*") if f.is_file()]
    assert any(f.suffix == ".html" for f in files) and any(f.suffix == ".parquet" for f in files)
    leaks = []
    con = duckdb.connect()  # its own connection: the module-level default one is shared by every test
    for f in files:
        blob = f.read_bytes()
        if f.suffix == ".parquet":  # compressed pages: search the decoded values too
            text = con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), chr(10)) FROM read_parquet('{f}') t").fetchall()[0][0]
            blob += (text or "").encode("utf-8")
        for n in needles:
            for enc in ("utf-8", "gb18030"):
                if str(n).encode(enc) in blob:
                    leaks.append((f.relative_to(report_run.base), n))
    con.close()
    assert not leaks, f"clear-text personal data found: {leaks[:10]}"
