"""The command line on Spark: `validate --engine spark` and `evaluate --from/--to --engine spark`
(validation on Spark, then the series) give what the DuckDB engine gives. Skipped where PySpark
or Java is missing."""
from __future__ import annotations

import importlib.util
import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

import spark_parity
from test_validate import write
from tt_analytics.cli import app

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
    reason="the Spark engine needs PySpark (pip install '.[spark]') and Java 17 on the PATH")


@pytest.fixture(scope="module")
def spark_con():
    """The session the commands reuse (SparkConnection.start gets the running session)."""
    from tt_analytics.engines.spark import SparkConnection
    con = SparkConnection.start(master="local[2]", conf=spark_parity.TEST_CONF)
    yield con
    con.close()


def test_cli_validate_on_spark_quarantines_and_writes_data_docs(spark_con, tmp_path):
    data = write(tmp_path / "data", {"shops.csv": "shop_id,platform,region,status\ns1,tiktok,US,active\n"
                                                  "s2,tiktok,MARS,active\n"})
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["validate", str(data), "--out", str(out), "--engine", "spark"])
    assert r.exit_code == 1, r.output  # a row was quarantined
    assert "Rows in = accepted + quarantined" in r.output
    q = pl.read_parquet(out / "quarantine" / "shops.parquet")
    assert q.select("shop_id", "_row", "_reason").rows() == [("s2", 3, "region: not one of US, UK, SEA, CN")]
    assert (out / "data_docs" / "index.html").exists()


def test_cli_series_and_report_hand_the_engine_on(tmp_path, monkeypatch):
    """Plumbing only (no Spark run): that a series on Spark computes what DuckDB does is shown by
    tests/test_spark_golden.py, which evaluates every batch as a series of as-of dates."""
    import tt_analytics.report as report
    import tt_analytics.series as series
    calls = []
    monkeypatch.setattr(series, "evaluate_series", lambda *a, **k: calls.append(k) or {})
    data = write(tmp_path / "data", {"shops.csv": "shop_id,platform,region,status\ns1,tiktok,US,active\n"})
    r = CliRunner().invoke(app, ["evaluate", str(data), "--from", "2026-11-19", "--to", "2026-11-20",
                                 "--out", str(tmp_path / "o"), "--engine", "spark", "--spark-master", "local[1]"])
    assert r.exit_code == 0, r.output
    assert (calls[0]["engine"], calls[0]["spark_master"], calls[0]["validate"]) == ("spark", "local[1]", True)
    monkeypatch.setattr(report, "build_report", lambda *a, **k: calls.append(k) or tmp_path / "index.html")
    r = CliRunner().invoke(app, ["report", str(data), "--out", str(tmp_path / "r"), "--engine", "spark"])
    assert r.exit_code == 0, r.output
    assert calls[1]["engine"] == "spark"
    r = CliRunner().invoke(app, ["report", str(data), "--out", str(tmp_path / "r"), "--engine", "flink"])
    assert "unknown engine 'flink'" in str(r.exception)  # an InputError: main() prints it, exit 2
