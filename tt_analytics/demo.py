"""`make demo`: the whole flow on the bundled sample, end to end.

ingest (canonical sample + raw exports) -> validate -> evaluate -> notebooks report, then a
summary of where everything is. The sample itself is never modified: all output goes to `work`.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from . import catalog

console = Console()


def run_demo(sample: Path, work: Path, as_of: dt.date, database: Path = catalog.DEFAULT_DB,
             report: bool = True, show_code: bool = True) -> dict[str, Path]:
    from .evaluate import Results, evaluate
    from .io import ingest, ingest_manifest

    sample, work = Path(sample), Path(work)
    if work.exists():
        shutil.rmtree(work)  # the demo's own output folder, rebuilt from the sample every time
    data, rep = work / "data", work / "report"

    console.rule("1. ingest")
    console.print(f"canonical sample {sample / 'canonical'} and raw exports {sample / 'exports'} -> {data}")
    summary = pl.concat([ingest([sample / "canonical"], data),
                         ingest_manifest(sample / "exports" / "manifest.yaml", data)], how="diagonal_relaxed")
    per_table = summary.group_by("table").agg(pl.col("rows_read").sum(), pl.col("rows_written").sum(),
                                              pl.col("rows_rejected").sum()).sort("table")
    t = Table("table", "rows read", "rows written", "rows rejected")
    for row in per_table.iter_rows():
        t.add_row(*[str(v) for v in row])
    console.print(t)

    if report:  # the report validates and evaluates once, then runs the notebooks on those outputs
        console.rule("2-4. validate, evaluate, run the notebooks")
        from .report import build_report
        index = build_report(data, as_of, rep, show_code=show_code)
        out = index.parent / "outputs"
        results = Results({p.stem: pl.read_parquet(p) for p in sorted(out.glob("*.parquet"))
                           if p.stem != "validation"})
        catalog.write_warehouse(database, data, out)
    else:
        console.rule("2-3. validate and evaluate")
        out = work / "out"
        results = evaluate(data, as_of, out=out, database=database)
    t = Table("output table", "rows", "file")
    for name, df in results.items():
        t.add_row(name, str(df.height), str(out / f"{name}.parquet"))
    console.print(t)

    from .cli import print_frame
    from .tiktok import shop_summary
    summary = shop_summary(results)
    action = (summary.filter((pl.col("metrics_missed").list.len() > 0) | pl.col("warning")
                             | (pl.col("projected_points") > pl.col("active_points")))
              .sort(["projected_points", "shop_id"], descending=[True, False])
              .with_columns(pl.col("metrics_missed").list.join(" "))
              .select("shop_id", "metrics_missed", pl.col("active_points").alias("points"),
                      pl.col("projected_points").alias("projected"), "threshold", "star_shop"))
    console.rule(f"TikTok shops that need action as of {as_of}: {action.height} of {summary.height}")
    print_frame(action, limit=15)

    paths = {"data": data, "outputs": out, "validation": out / "validation.parquet",
             "data_docs": out / "data_docs" / "index.html", "database": database}
    if report:
        paths["report"] = index

    console.rule("where the results are")
    for k, v in paths.items():
        console.print(f"  {k:<11} {v}")
    console.print(f"\nTry SQL:  .venv/bin/tt-analytics sql {data} \"SELECT shop_id, metric, value, meets_target "
                  f"FROM metrics WHERE NOT meets_target\"")
    return paths
