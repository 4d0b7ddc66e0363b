"""Ad-hoc SQL over a data folder through the embedded DuckDB database (read-only)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from . import catalog
from .errors import InputError


def run_sql(data_dir: str | Path, query: str, database: str | Path = catalog.DEFAULT_DB) -> pl.DataFrame:
    """Refresh the database's views over `data_dir`, then run `query` on a read-only connection.

    The views point at the Parquet/CSV files where they are, and the connection that runs the
    query is read-only, so an ad-hoc query can never change the data or the database."""
    catalog.write_warehouse(database, data_dir)
    con = catalog.connect(database, read_only=True)
    try:
        return con.sql(query).pl()
    except duckdb.Error as e:
        raise InputError(f"the query failed: {e}") from None
    finally:
        con.close()
