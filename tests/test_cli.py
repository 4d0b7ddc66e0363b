"""The command line: every command has help, the SQL command is read-only, docs are current."""
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tt_analytics import docs
from tt_analytics.cli import app

ROOT = Path(__file__).parent.parent
COMMANDS = ["ingest", "validate", "evaluate", "sql", "synth", "report", "docs", "demo"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for c in COMMANDS:
        assert c in result.output


@pytest.fixture
def tiny(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "shops.csv").write_text("shop_id,platform,region,status\n007,tiktok,US,active\n")
    pl.DataFrame({"order_id": ["100000000000000001"], "shop_id": ["007"], "buyer_id": ["b1"],
                  "created_at": ["2026-11-01T10:00:00Z"]}).write_parquet(data / "orders.parquet")
    return data


def test_sql_prints_and_writes(tiny, tmp_path):
    db = tmp_path / "w.duckdb"
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(app, ["sql", str(tiny), "SELECT o.order_id, s.shop_id FROM orders o JOIN shops s USING "
                                 "(shop_id)", "--database", str(db), "--out", str(out)])
    assert r.exit_code == 0, r.output
    # IDs stay text: leading zeros and 18 digits survive
    assert out.read_text().splitlines() == ["order_id,shop_id", "100000000000000001,007"]


def test_sql_cannot_change_anything(tiny, tmp_path):
    db = tmp_path / "w.duckdb"
    cmd = [sys.executable, "-m", "tt_analytics.cli", "sql", str(tiny), "CREATE TABLE x AS SELECT 1",
           "--database", str(db)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2
    assert "read-only" in r.stderr.lower() and "Traceback" not in r.stderr


def test_user_errors_are_one_paragraph_without_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tt_analytics.cli", "sql", str(tmp_path / "nope"), "SELECT 1",
                        "--database", str(tmp_path / "w.duckdb")], capture_output=True, text=True)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "does not exist" in r.stderr


def test_generated_docs_are_current(tmp_path):
    for page in docs.write_docs(tmp_path):
        committed = ROOT / "docs" / page.name
        assert committed.read_text(encoding="utf-8") == page.read_text(encoding="utf-8"), \
            f"docs/{page.name} is stale: run `make docs`"
