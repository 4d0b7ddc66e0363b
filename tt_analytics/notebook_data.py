"""What the curated notebooks read: the outputs of one evaluate run, the shops to look at, and the
canonical tables behind them.

A notebook either computes its outputs (`load(data_dir, as_of)` runs `evaluate` into a fresh
folder) or reads those of a run that already happened (`load(..., results_dir=OUT)` reads
`OUT/<table>.parquet`, which is what the scheduled report does so every notebook sees the same
numbers and nothing is computed twice). Either way the outputs are on disk afterwards, with a
DuckDB database over them, so a notebook can show ad-hoc SQL against the same data.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from . import catalog, params
from .errors import InputError
from .evaluate import Results

SERIES_DIR = "series"  # sub-folder of a results folder holding a series run (trend charts)


@dataclass
class Run:
    """One evaluate run as a notebook sees it."""
    data_dir: Path
    as_of: dt.date
    results: Results
    results_dir: Path
    database: Path
    series: Results | None = None
    notes: list[str] = field(default_factory=list)  # what could not be shown, in plain words

    def has(self, table: str) -> bool:
        return table in self.results

    def table(self, table: str) -> pl.DataFrame:
        """An output table; a clear error when the run did not produce it."""
        if table not in self.results:
            raise InputError(f"output table {table!r} is not among the outputs of this run "
                             f"({', '.join(sorted(self.results)) or 'none'}); "
                             f"expected {self.results_dir / (table + '.parquet')}")
        return self.results[table]

    def canonical(self, table: str) -> pl.DataFrame:
        """A canonical input table (typed), read through the run's database."""
        return self.sql(f"SELECT * FROM {table}")

    def sql(self, query: str, **bind) -> pl.DataFrame:
        """A read-only query on the run's database (canonical tables and outputs), `$name` bound."""
        con = catalog.connect(self.database, read_only=True)
        try:
            return con.sql(query, params=bind or None).pl()
        finally:
            con.close()


def read_outputs(results_dir: str | Path) -> Results:
    """Every `<table>.parquet` of an evaluate output folder, by table name."""
    results = Results()
    for p in sorted(Path(results_dir).glob("*.parquet")):
        results[p.stem] = pl.read_parquet(p)
    return results


def load(data_dir: str | Path, as_of: str | dt.date, results_dir: str | Path | None = None,
         database: str | Path | None = None, series_dir: str | Path | None = None) -> Run:
    """The outputs of `data_dir` as of `as_of`: read from `results_dir` when it holds an evaluate
    run, else computed now (validated and evaluated) into `results_dir` or a temporary folder."""
    from .evaluate import evaluate

    data_dir = Path(data_dir)
    as_of = params._as_date(as_of)
    if not data_dir.is_dir():
        raise InputError(f"data folder {data_dir} does not exist", file=str(data_dir))
    out = Path(results_dir) if results_dir else Path(tempfile.mkdtemp(prefix="tt_analytics_"))
    db = Path(database) if database else out / "warehouse.duckdb"
    if any(out.glob("*.parquet")):
        results = read_outputs(out)
        if not db.exists():
            catalog.write_warehouse(db, data_dir, out)
    else:
        results = evaluate(data_dir, as_of, out=out, database=db)
    run = Run(data_dir, as_of, results, out, db)
    series_dir = Path(series_dir) if series_dir else out / SERIES_DIR
    if any(series_dir.glob("*.parquet")):
        run.series = read_outputs(series_dir)
    return run


def series(run: Run, days: int = 56, every: str = "week") -> Results | None:
    """Outputs on every as-of date of the last `days` days (a series run, for trend charts): read
    from the run's series folder when the report computed it, else computed now. None, with a
    note in `run.notes`, when this installation has no series mode."""
    if run.series is not None:
        return run.series
    try:
        from .series import evaluate_series
    except ImportError:
        run.notes.append("trends are not shown: this installation has no series mode (tt_analytics.series)")
        return None
    out = run.results_dir / SERIES_DIR
    evaluate_series(run.data_dir, run.as_of - dt.timedelta(days=days), run.as_of, every=every, out=out,
                    validate=False)
    run.series = read_outputs(out)
    return run.series


def shops(run: Run, region: str | None = None, shop_ids: list[str] | None = None,
          platform: str | None = None) -> pl.DataFrame:
    """The shops a notebook looks at: all of them, or those of `region`, `platform`, `shop_ids`."""
    df = run.canonical("shops")
    if region:
        df = df.filter(pl.col("region") == region)
    if platform:
        df = df.filter(pl.col("platform") == platform)
    if shop_ids:
        unknown = sorted(set(shop_ids) - set(df["shop_id"].to_list()))
        if unknown:
            raise InputError(f"shop_ids {unknown} are not in the shops table of {run.data_dir}"
                             + (f" for region {region}" if region else ""), column="shop_id")
        df = df.filter(pl.col("shop_id").is_in(shop_ids))
    return df


def only(df: pl.DataFrame, selected: pl.DataFrame) -> pl.DataFrame:
    """Rows of an output table that belong to the selected shops."""
    return df.filter(pl.col("shop_id").is_in(selected["shop_id"].implode()))


def group_orders(run: Run, shop_id: str, buyer_ids: list[str]) -> pl.DataFrame:
    """Every order line (order_id, buyer_id, product_id) of the given buyers in one shop."""
    return run.sql("""SELECT o.order_id, o.buyer_id, l.product_id
                      FROM orders o JOIN order_lines l USING (order_id)
                      WHERE o.shop_id = $shop_id AND list_contains($buyer_ids, o.buyer_id)""",
                   shop_id=shop_id, buyer_ids=list(buyer_ids))


def planted_labels(run: Run) -> pl.DataFrame | None:
    """The synthetic generator's truth table (`<data_dir>/_truth/fake_orders.parquet`: order_id,
    shop_id, pattern, is_fake), or None when the data is not synthetic."""
    path = run.data_dir / "_truth" / "fake_orders.parquet"
    return pl.read_parquet(path) if path.exists() else None


def examined_orders(run: Run, window_days: int) -> pl.DataFrame:
    """order_id, shop_id of the orders fake-transaction detection looked at (its window)."""
    from .fraud import window

    start, end = window(run.as_of, window_days)
    return run.sql("SELECT order_id, shop_id FROM orders WHERE created_at >= $start AND created_at < $end",
                   start=start, end=end)
