"""Engines that run the rule SQL: DuckDB (the default, one machine) and Apache Spark.

The SQL files in `tt_analytics/queries/` are written once, in DuckDB SQL. Every output function
talks to a *connection* with the small part of DuckDB's Python API it needs (`sql`, `execute`,
`executemany`, `register`, `unregister`, results with `.pl()` / `.fetchone()`):

- `duckdb`: the DuckDB connection itself (`catalog.connect()`), exactly as before;
- `spark`: `engines.spark.SparkConnection`, which transpiles each statement with sqlglot
  (read="duckdb", write="spark") at run time, binds `$name` / `?` parameters as literals in the
  parsed tree (never by pasting text), keeps temp tables as cached Spark temp views and returns
  Polars frames through Arrow. See docs/spark.md.

`connect(engine)` gives a connection, `attach(con, data_dir)` makes the canonical tables
available on it; `evaluate.run(con, ...)` is then the same for both engines.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

ENGINES = ("duckdb", "spark")


def check_engine(engine: str) -> str:
    from ..errors import InputError
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    return engine


def connect(engine: str = "duckdb", *, spark_master: str | None = None,
            spark_conf: dict[str, str] | None = None) -> Any:
    """A connection of `engine`: a DuckDB connection, or a SparkConnection (local[*] unless
    `spark_master` or the SPARK_REMOTE environment variable says otherwise)."""
    check_engine(engine)
    if engine == "duckdb":
        from .. import catalog
        return catalog.connect()
    from .spark import SparkConnection
    return SparkConnection.start(master=spark_master, conf=spark_conf)


def attach(con: Any, data_dir: str | Path) -> None:
    """Canonical tables of `data_dir` as typed relations on `con` (missing tables are empty)."""
    if is_spark(con):
        con.attach(data_dir)
    else:
        from .. import catalog
        catalog.attach(con, data_dir)


def is_spark(con: Any) -> bool:
    return type(con).__name__ == "SparkConnection"


def ready(engine: str, data_dir: str | Path, *, out: str | Path | None = None, as_of=None,
          validate: bool = True, spark_master: str | None = None) -> Any:
    """A connection of `engine` whose canonical tables are ready: validated into it (the quarantine,
    validation.parquet and Data Docs written to `out`), or, with `validate=False`, the files read
    as they are. DuckDB: `validate.validate_into` / `catalog.attach`; Spark: the same suites run on
    Spark (`engines.spark_validate`) / `SparkConnection.attach`."""
    con = connect(engine, spark_master=spark_master)
    if validate:
        if is_spark(con):
            from .spark_validate import validate_into
        else:
            from ..validate import validate_into
        validate_into(con, data_dir, out, as_of=as_of)
    else:
        attach(con, data_dir)
    return con
