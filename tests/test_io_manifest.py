"""The bundled sample exports, their manifest, the CLI, and where the hashing secret may live."""
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

from tt_analytics import catalog
from tt_analytics.errors import InputError
from tt_analytics.io import ingest, ingest_manifest, pii
from io_helpers import secret  # noqa: F401 (secret: autouse fixture)

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "sample" / "exports"
MANIFEST = EXPORTS / "manifest.yaml"


def clear_text_pii() -> list[str]:
    m = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return [v for values in m["pii"].values() for v in values]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    # module-scoped: one ingest of the whole sample serves several tests
    mp = pytest.MonkeyPatch()
    mp.setenv("TT_ANALYTICS_SECRET", str(tmp_path_factory.mktemp("s") / "secret.key"))
    data = tmp_path_factory.mktemp("data")
    summary = ingest_manifest(MANIFEST, data)
    yield data, summary
    mp.undo()


def test_sample_is_small_and_listed(loaded):
    files = [p for p in EXPORTS.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 300_000
    m = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert {f["path"] for f in m["files"]} == {p.name for p in files} - {"manifest.yaml", "generate.py"}
    assert all(isinstance(f["shop_id"], str) for f in m["files"])


def test_every_sample_file_loads_cleanly(loaded):
    data, summary = loaded
    assert summary["rows_rejected"].sum() == 0
    assert set(summary["format"]) == {"seller_center", "douyin_orders", "douyin_aftersales", "partner_api", "shops"}
    con = catalog.connect()
    catalog.attach(con, data)
    counts = dict(con.sql("SELECT shop_id, count(*) FROM orders GROUP BY 1").fetchall())
    assert counts == {"7000000000000000001": 60, "7000000000000000002": 40, "7000000000000000003": 50,
                      "7000000000000000004": 40}
    shops = con.sql("SELECT shop_id, platform, region, status FROM shops ORDER BY 1").fetchall()
    assert [s[1:] for s in shops] == [("tiktok", "US", "active"), ("tiktok", "SEA", "active"),
                                      ("douyin", "CN", "active"), ("tiktok", "UK", "active")]
    # every line belongs to an order and every order has a line
    orphans = con.sql("SELECT count(*) FROM order_lines l ANTI JOIN orders o USING (order_id)").fetchall()[0][0]
    empty = con.sql("SELECT count(*) FROM orders o ANTI JOIN order_lines l USING (order_id)").fetchall()[0][0]
    assert (orphans, empty) == (0, 0)
    assert con.sql("SELECT count(*) FROM returns").fetchall()[0][0] == 20


def test_no_clear_text_personal_data_in_any_written_file(loaded):
    data, _ = loaded
    values = clear_text_pii()
    assert len(values) > 100
    written = [p for p in data.rglob("*") if p.is_file()]
    assert written
    leaks = [(p.name, v) for p in written for v in values if v.encode() in p.read_bytes()]
    assert leaks == []


def test_manifest_ingest_twice_does_not_duplicate(loaded, tmp_path):
    data, first = loaded
    again = ingest_manifest(MANIFEST, data)
    con = catalog.connect()
    catalog.attach(con, data)
    assert con.sql("SELECT count(*) FROM orders").fetchall()[0][0] == 190
    assert con.sql("SELECT count(*) FROM shops").fetchall()[0][0] == 4
    written = again.filter(pl.col("format") != "shops")
    assert (written["rows_replaced"] == written["rows_written"]).all()


def test_cli_ingest_and_clear_error(tmp_path):
    env = dict(os.environ, COLUMNS="300")  # wide enough that Rich does not fold words
    cli = [sys.executable, "-m", "tt_analytics.cli", "ingest"]
    ok = subprocess.run(cli + [str(EXPORTS / "douyin_orders.csv"), "--into", str(tmp_path / "d"),
                               "--shop-id", "7000000000000000003"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "douyin_orders" in ok.stdout and "order_lines" in ok.stdout
    bad = subprocess.run(cli + [str(EXPORTS / "us_seller_center_orders.csv"), "--into", str(tmp_path / "d"),
                                "--shop-id", "7000000000000000001"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "--region" in bad.stderr and "Traceback" not in bad.stderr


def test_secret_is_created_private_and_refused_inside_data_or_git(tmp_path, monkeypatch):
    key_path = tmp_path / "conf" / "secret.key"
    monkeypatch.setenv("TT_ANALYTICS_SECRET", str(key_path))
    key = pii.secret_key(tmp_path / "data")
    assert len(key) == 32 and oct(key_path.stat().st_mode & 0o777) == "0o600"
    assert pii.secret_key(tmp_path / "data") == key  # stable once created
    monkeypatch.setenv("TT_ANALYTICS_SECRET", str(tmp_path / "data" / "secret.key"))
    with pytest.raises(InputError, match="inside the data folder"):
        pii.secret_key(tmp_path / "data")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    monkeypatch.setenv("TT_ANALYTICS_SECRET", str(tmp_path / "repo" / "secret.key"))
    with pytest.raises(InputError, match="git work tree"):
        pii.secret_key(tmp_path / "data")


def test_hmac_matches_the_standard_library(tmp_path):
    import hashlib
    import hmac
    key = b"k" * 32
    got = pii.hmac_series(pl.Series(["15550101", None, "15550101"]), "phone", key).to_list()
    want = hmac.new(key, b"phone:15550101", hashlib.sha256).hexdigest()
    assert got == [want, None, want]


def test_shop_row_keeps_existing_status(tmp_path):
    data = tmp_path / "data"
    src = tmp_path / "in" / "shops.csv"
    src.parent.mkdir()
    src.write_text("shop_id,platform,region,status\n7000000000000000003,douyin,CN,frozen\n", encoding="utf-8")
    ingest([src], data)
    ingest([EXPORTS / "douyin_orders.csv"], data, shop_id="7000000000000000003")
    con = catalog.connect()
    catalog.attach(con, data)
    assert con.sql("SELECT status FROM shops").fetchall() == [("frozen",)]


def test_secret_in_a_git_tree_is_fine_when_git_ignores_it(tmp_path, monkeypatch):
    repo = tmp_path / "home"
    repo.mkdir()
    if subprocess.run(["git", "init", "-q", str(repo)], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    (repo / ".gitignore").write_text("secret.key\n")
    monkeypatch.setenv("TT_ANALYTICS_SECRET", str(repo / "secret.key"))
    assert len(pii.secret_key(tmp_path / "data")) == 32
