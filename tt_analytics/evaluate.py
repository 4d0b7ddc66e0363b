"""Evaluation: every output table of the data contract, for all shops at once.

`evaluate(data_dir, as_of)` validates the data folder (unless told not to), runs every output's
SQL over the accepted rows in one DuckDB connection and returns a `Results` object with one
Polars DataFrame per output table. Each output is produced by a function registered in
`OUTPUTS`; those functions compose SQL files from `tt_analytics/queries/` and never loop over rows.
"""
from __future__ import annotations

import datetime as dt
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import duckdb
import polars as pl

from . import catalog, params

QUERIES_DIR = Path(__file__).parent / "queries"

# output table -> "module:function" (relative to tt_analytics). Order matters: later outputs may
# read earlier ones, which are registered in the connection as tables of the same name.
OUTPUTS: dict[str, str] = {
    "metrics": "tiktok:metrics",
    "metric_points": "tiktok:metric_points",
    "violation_appeals": "tiktok:violation_appeals",
    "penalty_periods": "tiktok:penalty_periods",
    "points": "tiktok:points",
    "star_shop": "tiktok:star_shop",
    "settlement": "douyin:settlement",  # before deposit, which reads it (payouts pending at closure)
    "deposit": "douyin:deposit",
    "alliance": "douyin:alliance",
    "tiered_shipping": "douyin:tiered_shipping",
    "flash_sale_checks": "flash_sales:flash_sale_checks",
    "fake_transactions": "fraud:fake_transactions",
}


# computed before the others (and returned in OUTPUTS order): fake transaction detection reads
# and reads again whole tables under a memory cap, so it runs before the other outputs' frames
# (~4 GiB at 100M orders, settlement alone ~30M rows) are held beside it; nothing reads it
RUN_FIRST = {"fake_transactions"}

# output -> outputs it reads (computed first when only some outputs are asked for).
DEPENDS: dict[str, list[str]] = {
    "metric_points": ["metrics"],
    "points": ["metric_points", "violation_appeals", "penalty_periods"],
    "star_shop": ["points"],
    "deposit": ["settlement"],
}


def with_dependencies(names: list[str]) -> list[str]:
    """`names` plus everything they depend on, in registry order."""
    need: set[str] = set()
    stack = list(names)
    while stack:
        n = stack.pop()
        if n not in OUTPUTS:
            raise KeyError(f"unknown output {n!r}; expected one of {', '.join(OUTPUTS)}")
        if n not in need:
            need.add(n)
            stack.extend(DEPENDS.get(n, []))
    return [n for n in OUTPUTS if n in need]


class QueryError(RuntimeError):
    pass


def sql_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"no query file {path.name} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


@dataclass
class Context:
    """What an output function gets: the connection, the as-of date(s) and the parameters."""
    con: duckdb.DuckDBPyConnection
    as_of: dt.date  # the (last) as-of date
    params: dict[str, Any]
    as_of_dates: list[dt.date] = field(default_factory=list)  # series mode: every date
    rules_dir: Path | None = None

    def query(self, name: str, **bind: Any) -> duckdb.DuckDBPyRelation:
        """Run queries/<name>.sql with `$name` parameters bound (only those the file uses)."""
        text = sql_text(name)
        used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))
        missing = used - set(bind)
        if missing:
            raise QueryError(f"{name}.sql needs parameters {sorted(missing)}")
        return self.con.sql(text, params={k: v for k, v in bind.items() if k in used}) if used \
            else self.con.sql(text)

    def frame(self, name: str, **bind: Any) -> pl.DataFrame:
        return self.query(name, **bind).pl()

    def since(self, lookback_days: int) -> dt.datetime:
        """Lower bound of event times for a read whose rule looks at local days back to
        `lookback_days` before the first as-of date: midnight UTC one day before that day (the
        day covers every time zone's offset). Bound as `ts >= $since`, it lets DuckDB skip Parquet
        row groups (docs/benchmarks.md, "Time-bounded reads")."""
        first = min(self.as_of_dates or [self.as_of]) - dt.timedelta(days=int(lookback_days) + 1)
        return dt.datetime.combine(first, dt.time(), tzinfo=dt.timezone.utc)

    def register(self, table: str, df: pl.DataFrame) -> None:
        """Make an output available to later queries under its own name: a view of the frame
        itself (DuckDB reads its Arrow data in place). Not a copy into DuckDB: `settlement` is every
        confirmed order (30M rows at 100M orders), and a copy would take memory from the capped
        passes of fake transaction detection that follow."""
        catalog.drop(self.con, table)
        self.con.register(table, df)


class Results(dict):
    """Output tables by name; also reachable as attributes (`results.metrics`)."""

    def __getattr__(self, name: str) -> pl.DataFrame:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def output_function(name: str) -> Callable[[Context], pl.DataFrame | dict[str, pl.DataFrame]]:
    module, func = OUTPUTS[name].split(":")
    return getattr(importlib.import_module(f"tt_analytics.{module}"), func)


def prepare(con: duckdb.DuckDBPyConnection, as_of_dates: list[dt.date], prm: dict[str, Any]) -> None:
    """Helper tables every query may use: `as_of_dates(as_of)` and `shop_zones(shop_id, platform,
    region, tz)` with each shop's reporting time zone (parameters `regions.timezone`)."""
    con.execute("CREATE OR REPLACE TEMP TABLE as_of_dates (as_of DATE)")
    con.executemany("INSERT INTO as_of_dates VALUES (?)", [[d] for d in as_of_dates])
    zones = prm["regions"]["timezone"]
    con.execute("CREATE OR REPLACE TEMP TABLE region_zones (region VARCHAR, tz VARCHAR)")
    con.executemany("INSERT INTO region_zones VALUES (?, ?)", [[r, z] for r, z in zones.items()])
    con.execute("""CREATE OR REPLACE TEMP VIEW shop_zones AS
                   SELECT s.shop_id, s.platform, s.region, z.tz
                   FROM shops s JOIN region_zones z USING (region)""")


def run(con: duckdb.DuckDBPyConnection, as_of: dt.date, prm: dict[str, Any],
        outputs: list[str] | None = None, as_of_dates: list[dt.date] | None = None,
        rules_dir: Path | None = None, progress: Callable[[str], None] | None = None) -> Results:
    """Compute `outputs` (default: all) on a connection whose canonical tables are ready."""
    dates = as_of_dates or [as_of]
    prepare(con, dates, prm)
    ctx = Context(con, as_of, prm, dates, rules_dir)
    names = with_dependencies(outputs) if outputs else list(OUTPUTS)
    made: dict[str, dict[str, pl.DataFrame]] = {}
    for name in sorted(names, key=lambda n: n not in RUN_FIRST):  # stable: the rest keep their order
        if progress:
            progress(name)
        out = output_function(name)(ctx)
        made[name] = out if isinstance(out, dict) else {name: out}
        for table, df in made[name].items():
            ctx.register(table, df)
    return Results({table: df for name in names for table, df in made[name].items()})


def write(results: Results, out_dir: str | Path, database: str | Path | None = None,
          data_dir: str | Path | None = None) -> Path:
    """Write every output as `<out_dir>/<table>.parquet` and refresh the database's views."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for table, df in results.items():
        df.write_parquet(out / f"{table}.parquet")
    if database is not None and data_dir is not None:
        catalog.write_warehouse(database, data_dir, out)
    return out


def evaluate(data_dir: str | Path, as_of: dt.date | str, *, out: str | Path | None = None,
             rules_dir: str | Path | None = None, validate: bool = True,
             outputs: list[str] | None = None, database: str | Path | None = None,
             engine: str = "duckdb", spark_master: str | None = None) -> Results:
    """Validate `data_dir` and compute every output table as of `as_of` (a date), on `engine`
    (duckdb, or spark: see docs/spark.md)."""
    from . import engines
    as_of = params._as_date(as_of)
    prm = params.load(as_of, rules_dir)
    # validated on the engine itself (the same suites on Spark), or the files read as they are
    con = engines.ready(engine, data_dir, out=out, as_of=as_of, validate=validate, spark_master=spark_master)
    results = run(con, as_of, prm, outputs, rules_dir=Path(rules_dir) if rules_dir else None)
    if out is not None:
        write(results, out, database, data_dir)
    return results
