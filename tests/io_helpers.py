"""Shared by the loader tests: a throw-away hashing secret, writing a fixture file, reading a
canonical table back through the catalog."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tt_analytics import catalog


@pytest.fixture(autouse=True)
def secret(tmp_path_factory, monkeypatch):
    """Every loader test hashes with a secret of its own, never the user's."""
    monkeypatch.setenv("TT_ANALYTICS_SECRET", str(tmp_path_factory.mktemp("secret") / "secret.key"))


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def table(data: Path, name: str) -> pl.DataFrame:
    """A canonical table of a data folder, typed and sorted, as the rules would read it."""
    con = catalog.connect()
    catalog.attach(con, data)
    return con.sql(f"SELECT * FROM {name} ORDER BY ALL").pl()
