"""The Spark engine: the DuckDB SQL files run on Apache Spark through sqlglot.

`SparkConnection` looks, to the output functions, like the DuckDB connection they were written
for. Each statement is parsed as DuckDB SQL, its parameters (`$name`, `?`) are replaced by
literal nodes of the parsed tree (so a value can never change the statement's shape: quoting and
escaping are sqlglot's Spark generator's), and the tree is written as Spark SQL:

- `SELECT …` / `WITH …`            -> `spark.sql(...)`, a lazy `SparkResult` (`.pl()` via Arrow)
- `CREATE [TEMP] TABLE t AS q`     -> q as a DataFrame, cached, registered as temp view `t`
- `CREATE [TEMP] TABLE t (cols)`   -> an empty temp view with those columns
- `CREATE [TEMP] VIEW t AS q`      -> temp view `t` (not cached)
- `INSERT INTO t q` / `VALUES`      -> temp view `t` replaced by `t UNION ALL q` (cast to t's types)
- `DROP TABLE|VIEW [IF EXISTS] t`  -> the temp view is dropped
- `register(name, frame)`          -> a Polars/pandas/Arrow frame as temp view `name`

Temp views live in the session, so one SparkConnection is one evaluation, like one DuckDB
connection. Nothing here knows about any rule: a construct that does not transpile raises
(sqlglot's unsupported level is RAISE) instead of running something else.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import polars as pl
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from .. import schema
from ..errors import InputError

# canonical logical dtype -> Spark SQL type
SPARK_TYPES = {"str": "STRING", "timestamp": "TIMESTAMP", "date": "DATE", "bool": "BOOLEAN",
               "int": "BIGINT", "float": "DOUBLE"}

# Small, predictable defaults for local mode; anything can be overridden by `conf`.
DEFAULT_CONF = {
    "spark.sql.session.timeZone": "UTC",  # timestamps are UTC instants, as in DuckDB (catalog.connect)
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
}


class SparkQueryError(RuntimeError):
    """A statement that could not be transpiled or run on Spark (the message names it)."""


def transpile(sql: str, bind: dict[str, Any] | Sequence[Any] | None = None) -> str:
    """DuckDB SQL (one statement) -> Spark SQL with parameters bound as literals."""
    return _spark_sql(_bound_tree(sql, bind))


def _spark_sql(tree: exp.Expression) -> str:
    return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)


def _bound_tree(sql: str, bind: dict[str, Any] | Sequence[Any] | None) -> exp.Expression:
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except sqlglot.errors.ParseError as e:
        raise SparkQueryError(f"sqlglot could not parse the statement as DuckDB SQL: {e}") from e
    if len(trees) != 1:
        raise SparkQueryError(f"expected one SQL statement, got {len(trees)}")
    tree = trees[0]
    holes = [p for p in tree.find_all(exp.Placeholder)]
    named = [p for p in holes if p.this]
    positional = [p for p in holes if not p.this]
    if positional:
        values = list(bind or [])
        if isinstance(bind, dict) or len(values) != len(positional):
            raise SparkQueryError(f"statement has {len(positional)} positional parameters, got {bind!r}")
        for hole, value in zip(positional, values):
            hole.replace(literal(value))
    if named:
        values = dict(bind or {})
        missing = {p.name for p in named} - set(values)
        if missing:
            raise SparkQueryError(f"statement needs parameters {sorted(missing)}")
        for hole in named:
            hole.replace(literal(values[hole.name]))
    return portable(tree)  # after binding: a bound count can become an interval literal


# DuckDB functions sqlglot passes through unchanged (Spark has none of them): an interval of n units
INTERVAL_FUNCTIONS = {"to_microseconds": "MICROSECOND", "to_milliseconds": "MILLISECOND", "to_seconds": "SECOND",
                      "to_minutes": "MINUTE", "to_hours": "HOUR", "to_days": "DAY", "to_weeks": "WEEK",
                      "to_months": "MONTH", "to_years": "YEAR"}
# date_diff units whose boundaries are a fixed number of microseconds apart in UTC
BOUNDARY_MICROS = {"MICROSECOND": 1, "MILLISECOND": 1000, "SECOND": 1_000_000, "MINUTE": 60_000_000,
                   "HOUR": 3_600_000_000, "DAY": 86_400_000_000}


def portable(tree: exp.Expression) -> exp.Expression:
    """DuckDB constructs that sqlglot would write as something Spark lacks or computes differently,
    rewritten in the parsed tree to what gives DuckDB's result on Spark (the session is UTC, like
    DuckDB's, so unit boundaries are UTC's):

    - `to_hours(n)` (and to_seconds/minutes/days/…): `INTERVAL 'n' HOUR` when n is a (bound) literal,
      else `n * INTERVAL 1 HOUR`;
    - `date_diff('hour', a, b)` counts hour *boundaries crossed* in DuckDB (10:59 -> 11:01 is 1);
      Spark's DATEDIFF(HOUR, …) counts whole hours elapsed (0): written as the difference of
      floor(unix_micros / unit) for units of fixed length (microsecond … day);
    - `epoch(t)`: seconds with their fraction (Spark's UNIX_TIMESTAMP drops it);
    - `list_intersect(a, b)`: `array_intersect(a, b)` (both without duplicates);
    - `list_has_all(a, b)`: `size(array_except(b, a)) = 0`;
    - `WITH x AS MATERIALIZED (…)`: a planner hint Spark cannot parse, dropped (same rows)."""
    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
            node.set("materialized", None)
            return node
        unit = None
        if isinstance(node, exp.Anonymous) and node.name.lower() in INTERVAL_FUNCTIONS and len(node.expressions) == 1:
            unit, n = INTERVAL_FUNCTIONS[node.name.lower()], node.expressions[0]
        elif isinstance(node, exp.ToDays):
            unit, n = "DAY", node.this
        if unit:
            k = n
            while isinstance(k, (exp.Cast, exp.Paren)):
                k = k.this
            if isinstance(k, exp.Literal) and not k.is_string and float(k.this).is_integer():
                # a literal interval: Spark takes nothing else as a window frame bound (RANGE … FOLLOWING)
                return exp.Interval(this=exp.Literal.string(str(int(float(k.this)))), unit=exp.Var(this=unit))
            return exp.Paren(this=exp.Mul(this=exp.Paren(this=n.copy()),
                                          expression=exp.Interval(this=exp.Literal.string("1"), unit=exp.Var(this=unit))))
        if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
            u = (node.unit.name if node.args.get("unit") else "DAY").upper()
            if u in BOUNDARY_MICROS:
                def units(e: exp.Expression) -> exp.Expression:
                    micros = exp.Anonymous(this="unix_micros", expressions=[exp.cast(e.copy(), "TIMESTAMP")])
                    return exp.cast(exp.Floor(this=exp.Div(this=micros, expression=exp.Literal.number(BOUNDARY_MICROS[u]))),
                                    "BIGINT")
                return exp.Paren(this=exp.Sub(this=units(node.this), expression=units(node.expression)))
        if isinstance(node, exp.TimeToUnix):
            micros = exp.Anonymous(this="unix_micros", expressions=[exp.cast(node.this.copy(), "TIMESTAMP")])
            return exp.Paren(this=exp.Div(this=exp.cast(micros, "DOUBLE"), expression=exp.Literal.number("1000000.0")))
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_intersect":
            return exp.Anonymous(this="array_intersect", expressions=[e.copy() for e in node.expressions])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_has_all" and len(node.expressions) == 2:
            a, b = node.expressions
            return exp.Paren(this=exp.EQ(this=exp.Anonymous(this="size", expressions=[
                exp.Anonymous(this="array_except", expressions=[b.copy(), a.copy()])]), expression=exp.Literal.number(0)))
        return node
    return tree.transform(fix)


def literal(value: Any) -> exp.Expression:
    """A Python value as a Spark SQL literal node, typed as DuckDB types a bound parameter."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SparkQueryError(f"cannot bind {value!r} as a SQL literal")
        # DuckDB binds a Python float as DOUBLE; a bare 0.025 would be DECIMAL on Spark
        return exp.cast(exp.Literal.number(repr(value)), exp.DataType.build("DOUBLE"))
    if isinstance(value, decimal.Decimal):
        return exp.cast(exp.Literal.number(str(value)), exp.DataType.build("DOUBLE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # an instant: written in UTC, the session time zone
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP"))
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, (list, tuple)):
        if not value:  # DuckDB types an empty bound list from its use; Spark needs a type: text
            return exp.cast(exp.Array(expressions=[]), exp.DataType.build("ARRAY<STRING>", dialect="spark"))
        if any(isinstance(v, str) for v in value):  # a YAML list like [good, 5]: text, as DuckDB's VARCHAR[] makes it
            value = [v if v is None or isinstance(v, str) else str(v) for v in value]
        return exp.Array(expressions=[literal(v) for v in value])
    if hasattr(value, "item"):  # numpy scalars
        return literal(value.item())
    raise SparkQueryError(f"cannot bind a {type(value).__name__} ({value!r}) as a SQL literal")


def _table_name(node: exp.Expression) -> str:
    table = node.this if isinstance(node, exp.Schema) else node
    return table.name


def _arrow_for_spark(table: pa.Table) -> pa.Table:
    """Arrow types Spark's createDataFrame takes (view/large types down, null columns to text)."""
    def fix(t: pa.DataType) -> pa.DataType:
        if pa.types.is_string_view(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
            return pa.string()
        if pa.types.is_large_list(t) or pa.types.is_list_view(t) or pa.types.is_list(t):
            return pa.list_(fix(t.value_type))
        return t
    target = pa.schema([pa.field(f.name, fix(f.type)) for f in table.schema])
    return table.cast(target) if target != table.schema else table


class SparkResult:
    """A lazy Spark query with the result methods of a DuckDB relation the package uses."""

    def __init__(self, df):
        self.df_ = df

    @property
    def spark_frame(self):
        return self.df_

    def arrow(self) -> pa.Table:
        return self.df_.toArrow()

    def pl(self) -> pl.DataFrame:
        return pl.from_arrow(self.arrow())

    def df(self):
        return self.pl().to_pandas()

    def fetchall(self) -> list[tuple]:
        return [tuple(r) for r in self.df_.collect()]

    def fetchone(self) -> tuple | None:
        rows = self.df_.take(1)
        return tuple(rows[0]) if rows else None


class SparkConnection:
    """A SparkSession behind the subset of DuckDB's connection API that evaluate.py uses."""

    def __init__(self, spark):
        self.spark = spark
        self._cached: dict[str, Any] = {}  # temp view -> cached DataFrame (unpersisted on drop)

    # ---------------------------------------------------------------- session

    @classmethod
    def start(cls, master: str | None = None, conf: dict[str, str] | None = None,
              app_name: str = "tt_analytics") -> "SparkConnection":
        """local[*] by default; `master` (--spark-master) or SPARK_REMOTE (Spark Connect) if given."""
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:
            raise InputError("the Spark engine needs PySpark: pip install 'tt_analytics[spark]' "
                             "(and Java 17 on the PATH)") from e
        settings = {**DEFAULT_CONF, **(conf or {})}
        # Python workers (applyInPandas) run this interpreter locally, which has the package and
        # its dependencies; on a cluster the executors' Python needs `pip install tt_analytics`
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = SparkSession.builder.appName(app_name)
        if master:
            builder = builder.master(master)
        elif not os.environ.get("SPARK_REMOTE"):
            builder = builder.master("local[*]")
        for k, v in settings.items():
            builder = builder.config(k, v)
        spark = builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")  # also on a reused or remote session
        return cls(spark)

    def close(self) -> None:
        for name in list(self._cached):
            self.drop_relation(name)

    # ---------------------------------------------------------------- DuckDB-like API

    def sql(self, query: str, params: dict[str, Any] | Sequence[Any] | None = None) -> SparkResult:
        return self.execute(query, params)

    def execute(self, query: str, parameters: dict[str, Any] | Sequence[Any] | None = None) -> SparkResult:
        tree = _bound_tree(query, parameters)
        return self._run(tree, query)

    def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        """INSERT … VALUES (?, …) for many rows: one INSERT with every row bound."""
        rows = [list(r) for r in rows]
        if not rows:
            return
        tree = _bound_tree(query, None) if "?" not in query else sqlglot.parse_one(query, read="duckdb")
        values = tree.expression if isinstance(tree, exp.Insert) else None
        if not isinstance(values, exp.Values) or len(values.expressions) != 1:
            for r in rows:
                self.execute(query, r)
            return
        template = values.expressions[0]
        tuples = []
        for r in rows:
            t = template.copy()
            holes = list(t.find_all(exp.Placeholder))
            if len(holes) != len(r):
                raise SparkQueryError(f"row {r!r} does not fit {template.sql('duckdb')}")
            for hole, v in zip(holes, r):
                hole.replace(literal(v))
            tuples.append(t)
        values.set("expressions", tuples)
        self._run(tree, query)

    def register(self, name: str, frame: Any) -> None:
        """A Polars/pandas/Arrow frame as temp view `name` (as DuckDB's register)."""
        self.drop_relation(name)
        df = self.spark_frame_of(frame)
        df.createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.drop_relation(name)

    def table(self, name: str) -> SparkResult:
        return SparkResult(self.spark.table(name))

    def drop_relation(self, name: str) -> None:
        """Drop temp view `name` if it exists (catalog.drop's counterpart)."""
        for key in [k for k in self._cached if k == name or k.startswith(f"{name}#")]:
            cached = self._cached.pop(key)
            if cached is not None:
                cached.unpersist()
        self.spark.catalog.dropTempView(name)

    def spark_frame_of(self, frame: Any):
        if isinstance(frame, pl.DataFrame):
            table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
        elif isinstance(frame, pa.Table):
            table = frame
        else:  # pandas
            table = pa.Table.from_pandas(frame, preserve_index=False)
        table = _arrow_for_spark(table)
        if table.num_rows == 0:  # createDataFrame(arrow) needs rows to infer nothing: give the schema
            from pyspark.sql.pandas.types import from_arrow_schema
            return self.spark.createDataFrame([], schema=from_arrow_schema(table.schema))
        return self.spark.createDataFrame(table)

    # ---------------------------------------------------------------- canonical tables

    def attach(self, data_dir: str | Path) -> None:
        """Every canonical table as a typed temp view: `<table>.parquet` or `<table>/` of Parquet
        parts (CSV too) in `data_dir`, which may be any path Spark reads (s3a://, hdfs://, …).
        Missing tables are empty; missing optional columns are NULL."""
        from .. import catalog
        local = "://" not in str(data_dir)
        sources = catalog.discover(data_dir)[0] if local else {}
        for name, t in schema.TABLES.items():
            raw = None
            if local and name in sources:
                src = sources[name]
                paths = [str(f) for f in src.files]
                raw = (self.spark.read.option("mergeSchema", "true").parquet(*paths) if src.fmt == "parquet"
                       else self.spark.read.option("header", "true").csv(paths))
            elif not local:
                raw = self._read_remote(str(data_dir).rstrip("/"), name)
            self.drop_relation(name)
            if raw is None:
                self.execute(t.ddl())
                continue
            present = set(raw.columns)
            cols = ", ".join(f"CAST({('`' + c.name + '`') if c.name in present else 'NULL'} AS "
                             f"{SPARK_TYPES[c.dtype]}) AS {c.name}" for c in t.columns)
            raw.createOrReplaceTempView(f"raw_{name}")
            self.spark.sql(f"SELECT {cols} FROM raw_{name}").createOrReplaceTempView(name)

    def _read_remote(self, base: str, name: str):
        for path in (f"{base}/{name}.parquet", f"{base}/{name}"):
            try:
                return self.spark.read.option("mergeSchema", "true").parquet(path)
            except Exception as e:  # noqa: BLE001 - Spark raises AnalysisException for a missing path
                if "PATH_NOT_FOUND" not in str(e) and "does not exist" not in str(e).lower():
                    raise
        return None

    # ---------------------------------------------------------------- statements

    def _run(self, tree: exp.Expression, original: str) -> SparkResult:
        if os.environ.get("TT_SPARK_TRACE"):  # which statement runs, and how long its planning takes
            import time
            t = time.perf_counter()
            res = self._run_statement(tree, original)
            head = [l for l in original.splitlines() if l.startswith("-- name:")][:1] or [original.strip()[:60]]
            print(f"[spark] {time.perf_counter() - t:6.2f}s {head[0]}", flush=True)
            return res
        return self._run_statement(tree, original)

    def _run_statement(self, tree: exp.Expression, original: str) -> SparkResult:
        try:
            if isinstance(tree, exp.Create):
                return self._create(tree)
            if isinstance(tree, exp.Insert):
                return self._insert(tree)
            if isinstance(tree, exp.Drop):
                self.drop_relation(_table_name(tree.this))
                return SparkResult(self.spark.createDataFrame([], "ok BOOLEAN"))
            if isinstance(tree, (exp.Command, exp.Set)):
                raise SparkQueryError(f"statement not supported on Spark: {original.strip()[:80]}")
            return SparkResult(self.spark.sql(_spark_sql(tree)))
        except SparkQueryError:
            raise
        except Exception as e:
            head = " ".join(l for l in original.splitlines() if l.startswith("-- name:"))[:80]
            raise SparkQueryError(f"{head or original.strip()[:120]!r} failed on Spark: "
                                  f"{type(e).__name__}: {str(e)[:2000]}") from e

    def _create(self, tree: exp.Create) -> SparkResult:
        kind = (tree.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW"):
            raise SparkQueryError(f"CREATE {kind} is not supported on Spark")
        name = _table_name(tree.this)
        query = tree.expression
        if query is None:  # CREATE TABLE t (col type, ...): an empty table
            cols = ", ".join(c.sql(dialect="spark") for c in tree.this.expressions)
            df = self.spark.createDataFrame([], cols)
        else:
            df = self.spark.sql(_spark_sql(query))
        self.drop_relation(name)
        if kind == "TABLE":  # a table is a snapshot: computed once, whatever reads it later
            df = df.cache()
            self._cached[name] = df
        df.createOrReplaceTempView(name)
        return SparkResult(df)

    def _insert(self, tree: exp.Insert) -> SparkResult:
        name = _table_name(tree.this)
        target = self.spark.table(name)
        query = tree.expression
        if isinstance(query, exp.Values):
            query = exp.select("*").from_(exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("v"))))
        new = self.spark.sql(_spark_sql(query))
        if len(new.columns) != len(target.columns):
            raise SparkQueryError(f"INSERT INTO {name}: {len(new.columns)} columns for {len(target.columns)}")
        from pyspark.sql import functions as F
        new = new.toDF(*target.columns)  # by position, as INSERT does
        new = new.select([F.col(f.name).cast(f.dataType) for f in target.schema.fields])
        # the old version stays cached (the new one reads it) until the table is dropped
        combined = target.unionByName(new).cache()
        self._cached.setdefault(f"{name}#{len(self._cached)}", self._cached.pop(name, None))
        combined.createOrReplaceTempView(name)
        self._cached[name] = combined
        return SparkResult(combined)
