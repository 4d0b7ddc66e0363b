"""Great Expectations on DuckDB: the one compatibility fix the SQL path needs (GX 1.24).

`SqlAlchemyExecutionEngine.execute_query` returns the cursor result after the `with` block that
owns its connection has closed. DuckDB drops unfetched rows when a connection closes, so every
metric then fails with `MetricResolutionError: list index out of range` (GX issues #10738,
#11579). Buffering the rows (`result.freeze()()`, SQLAlchemy's buffered copy) before the
connection closes fixes it. Remove `install()` once GX fetches inside the block upstream
(the canary test in tests/test_validate_gx.py fails once it is no longer needed).

`engine_kwargs(con)` lets a GX SQL data source run on an existing DuckDB connection (the one
validation staged the rows in) instead of opening its own database.
"""
from __future__ import annotations

from typing import Any

import duckdb

_installed = False
original_execute_query = None  # GX's own method, kept so a test can show the bug is still there


def _buffered_execute_query(self, query):  # noqa: ANN001 - signature of the method it replaces
    with self.get_connection() as connection:
        result = self._execute_query_with_recovery(connection, query)
        # Only results that return rows can be buffered (DDL returns none).
        return result.freeze()() if result.returns_rows else result


def install() -> None:
    """Replace SqlAlchemyExecutionEngine.execute_query with the buffering version (idempotent)."""
    global _installed, original_execute_query
    if _installed:
        return
    from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine
    original_execute_query = SqlAlchemyExecutionEngine.execute_query
    SqlAlchemyExecutionEngine.execute_query = _buffered_execute_query
    _installed = True


def engine_kwargs(con: duckdb.DuckDBPyConnection, setup: list[str] | None = None) -> dict[str, Any]:
    """SQLAlchemy `create_engine` kwargs that hand out cursors of `con` (same database, so GX sees
    its non-temporary tables and views). `setup`: statements run on each new cursor (temporary
    views there are seen by GX's queries only, not by `con`)."""
    from duckdb_engine import ConnectionWrapper

    def cursor():
        c = con.cursor()
        for statement in setup or []:
            c.execute(statement)
        return ConnectionWrapper(c)

    return {"creator": cursor}
