"""Command line: `tt-analytics --help`. Typer gives us parsing, help text and shell completion;
Rich gives tables and progress bars."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

from .errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Know before the platform does: TikTok Shop and Douyin rules from your own exports.")
console = Console()
err = Console(stderr=True)


def _date(value: Optional[str], name: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None


def print_frame(df, title: str | None = None, limit: int = 50) -> None:
    """Print a Polars DataFrame as a Rich table."""
    t = RichTable(title=title, show_lines=False)
    for c in df.columns:
        t.add_column(c, overflow="fold")
    for row in df.head(limit).iter_rows():
        t.add_row(*["" if v is None else str(v) for v in row])
    console.print(t)
    if df.height > limit:
        console.print(f"… {df.height - limit} more rows")


@app.command()
def ingest(paths: List[Path] = typer.Argument(..., help="Export files or folders to load."),
           into: Path = typer.Option(..., "--into", help="Data folder to write canonical Parquet into."),
           shop_id: Optional[str] = typer.Option(None, help="Shop the exports belong to (raw exports lack it)."),
           region: Optional[str] = typer.Option(None, help="Region of that shop: US, UK, SEA or CN."),
           platform: Optional[str] = typer.Option(None, help="tiktok or douyin.")):
    """Detect each file's format and write canonical tables into a data folder."""
    from .io import ingest as do_ingest
    summary = do_ingest(paths, into, shop_id=shop_id, region=region, platform=platform)
    print_frame(summary, title=f"Ingested into {into}")


@app.command()
def validate(data_dir: Path = typer.Argument(..., help="Data folder of canonical tables."),
             out: Path = typer.Option(..., "--out", help="Where validation.parquet, quarantine/ and data_docs/ go."),
             as_of: Optional[str] = typer.Option(None, help="As-of date for the freshness check (YYYY-MM-DD)."),
             engine: str = typer.Option("duckdb", help="duckdb (one machine) or spark (docs/spark.md)."),
             spark_master: Optional[str] = typer.Option(None, help="Spark master URL; default local[*] "
                                                        "(or the Spark Connect endpoint in SPARK_REMOTE).")):
    """Check every table with its Great Expectations suite; quarantine bad rows."""
    from .engines import check_engine
    if check_engine(engine) == "spark":
        from .engines.spark_validate import validate as do_validate
        report = do_validate(data_dir, out, as_of=_date(as_of, "--as-of"), spark_master=spark_master)
    else:
        from .validate import validate as do_validate
        report = do_validate(data_dir, out, as_of=_date(as_of, "--as-of"))
    print_frame(report.summary, title="Rows in = accepted + quarantined")
    console.print(f"Data Docs: {report.data_docs}")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def evaluate(data_dir: Path = typer.Argument(..., help="Data folder of canonical tables."),
             as_of: Optional[str] = typer.Option(None, help="As-of date (YYYY-MM-DD); default today."),
             out: Path = typer.Option(..., "--out", help="Folder for one Parquet file per output table."),
             date_from: Optional[str] = typer.Option(None, "--from", help="Series mode: first as-of date."),
             date_to: Optional[str] = typer.Option(None, "--to", help="Series mode: last as-of date."),
             every: str = typer.Option("day", help="Series step: day or week."),
             rules: Optional[Path] = typer.Option(None, help="Folder of parameter files overriding the bundled ones."),
             database: Path = typer.Option(Path("data/warehouse.duckdb"), help="DuckDB file to refresh."),
             skip_validation: bool = typer.Option(False, help="Data already validated: skip the checks."),
             engine: str = typer.Option("duckdb", help="duckdb (one machine) or spark (docs/spark.md)."),
             spark_master: Optional[str] = typer.Option(None, help="Spark master URL; default local[*] "
                                                        "(or the Spark Connect endpoint in SPARK_REMOTE).")):
    """Compute every output table for all shops as of a date (or a series of dates)."""
    from .engines import check_engine
    check_engine(engine)
    if date_from or date_to:
        from .series import evaluate_series
        start, end = _date(date_from, "--from"), _date(date_to, "--to")
        if not (start and end):
            raise InputError("series mode needs both --from and --to")
        res = evaluate_series(data_dir, start, end, every=every, out=out, rules_dir=rules,
                              validate=not skip_validation, database=database, engine=engine,
                              spark_master=spark_master)
    else:
        from .evaluate import evaluate as do_evaluate
        day = _date(as_of, "--as-of") or dt.date.today()
        with console.status("evaluating…"):
            res = do_evaluate(data_dir, day, out=out, rules_dir=rules, validate=not skip_validation,
                              database=database, engine=engine, spark_master=spark_master)
    for name, df in res.items():
        console.print(f"  {name:<20} {df.height:>8} rows")
    console.print(f"Outputs in {out}/ and as views in {database}")


@app.command()
def sql(data_dir: Path = typer.Argument(..., help="Data folder (its tables become views)."),
        query: str = typer.Argument(..., help="SQL to run, e.g. \"SELECT count(*) FROM orders\"."),
        out: Optional[Path] = typer.Option(None, "--out", help="Write the result to .csv or .parquet."),
        database: Path = typer.Option(Path("data/warehouse.duckdb"), help="DuckDB file (opened read-only)."),
        limit: int = typer.Option(50, help="Rows to print.")):
    """Ad-hoc SQL over the data folder, read-only."""
    from .sql import run_sql
    df = run_sql(data_dir, query, database=database)
    if out is None:
        print_frame(df, limit=limit)
    elif out.suffix == ".csv":
        df.write_csv(out)
    elif out.suffix == ".parquet":
        df.write_parquet(out)
    else:
        raise InputError(f"--out must end in .csv or .parquet, got {out.name}")


@app.command()
def synth(out: Path = typer.Option(..., "--out", help="Data folder to write."),
          shops: int = typer.Option(40, help="Number of shops."),
          orders: int = typer.Option(20_000, help="Number of orders."),
          seed: int = typer.Option(7, help="Random seed (same seed, same data)."),
          as_of: str = typer.Option("2026-11-20", help="Last day of the generated history.")):
    """Generate realistic synthetic canonical data with planted, labelled situations."""
    from .synth import synthesize
    synthesize(out, shops=shops, orders=orders, seed=seed, as_of=_date(as_of, "--as-of"))
    console.print(f"Synthetic data in {out}")


@app.command()
def report(data_dir: Path = typer.Argument(..., help="Data folder of canonical tables."),
           as_of: Optional[str] = typer.Option(None, help="As-of date; default today."),
           out: Path = typer.Option(..., "--out", help="Report folder; each run goes to OUT/<as_of>/."),
           code: bool = typer.Option(True, "--code/--no-code", help="Show or hide the code cells in the HTML pages."),
           engine: str = typer.Option("duckdb", help="Engine of the validate and evaluate steps: duckdb or spark "
                                      "(docs/spark.md); the notebooks read the outputs with DuckDB."),
           spark_master: Optional[str] = typer.Option(None, help="Spark master URL; default local[*] "
                                                      "(or the Spark Connect endpoint in SPARK_REMOTE).")):
    """Validate, evaluate and run every notebook with papermill into an HTML report."""
    from .engines import check_engine
    from .report import build_report
    index = build_report(data_dir, _date(as_of, "--as-of") or dt.date.today(), out, show_code=code,
                         engine=check_engine(engine), spark_master=spark_master)
    console.print(f"Report: {index}")


@app.command()
def docs(out: Path = typer.Option(Path("docs"), help="Docs folder.")):
    """Regenerate the data dictionary and the rules reference from the code."""
    from .docs import write_docs
    for p in write_docs(out):
        console.print(f"wrote {p}")


@app.command()
def demo(sample: Path = typer.Option(Path("data/sample"), help="Bundled sample data."),
         work: Path = typer.Option(Path("data/demo"), help="Where the demo writes."),
         as_of: str = typer.Option("2026-11-20", help="As-of date of the demo.")):
    """Load the bundled sample, validate, evaluate, run the notebooks; print where results are."""
    from .demo import run_demo
    run_demo(sample, work, _date(as_of, "--as-of"))


def main() -> None:
    try:
        app()
    except InputError as e:
        err.print(f"[bold red]error:[/] {e}")
        sys.exit(2)


if __name__ == "__main__":
    main()
