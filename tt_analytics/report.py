"""The scheduled report: validate and evaluate once, then run every curated notebook with papermill.

`build_report(data_dir, as_of, out)` writes into `out/<as_of>/`:

- `outputs/`: the evaluate run (Parquet per output table, validation results, Data Docs), computed
  once and read by every notebook (unless an existing outputs folder is passed in);
- `warehouse.duckdb`: views over the canonical tables and the outputs, for ad-hoc SQL;
- `<notebook>.ipynb`: each executed notebook (kept even when a cell fails, for debugging);
- `<notebook>.html`: its HTML rendering (code cells hidden with `show_code=False`);
- `index.html`: a page linking them all.

A failing cell fails the whole report (`NotebookFailed`, exit code 2 from the CLI) after the
other notebooks have run, naming the notebook and the cell.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import catalog, params
from .errors import InputError

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "python3"
TREND_DAYS = 56  # how far back the trend charts of the report go
SERIES_OUTPUTS = ["metrics", "points", "star_shop"]  # what the notebooks' trend charts read


class NotebookFailed(InputError):
    """One or more notebooks stopped on an error; the executed notebooks are kept."""


@dataclass
class NotebookRun:
    name: str  # file stem, e.g. 00-shop-health
    title: str
    question: str
    notebook: Path  # executed notebook
    html: Path | None
    error: str | None = None  # "cell N: Error: message" when a cell failed


def notebooks(folder: Path | None = None) -> list[Path]:
    """The curated notebooks, in their numbered order."""
    folder = Path(folder) if folder else NOTEBOOKS_DIR
    found = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if not found:
        raise InputError(f"no notebooks NN-topic.ipynb in {folder}", file=str(folder))
    return found


def title_and_question(nb_path: Path) -> tuple[str, str]:
    """The notebook's `# Title` and its `**Question:** …` line, from its first markdown cell."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    first = next((c for c in nb["cells"] if c["cell_type"] == "markdown"), None)
    text = "".join(first["source"]) if first else ""
    title = re.search(r"^#\s+(.+)$", text, re.M)
    question = re.search(r"\*\*Question:\*\*\s*(.+)$", text, re.M)
    return (title.group(1).strip() if title else nb_path.stem,
            question.group(1).strip() if question else "")


def check_kernel(kernel_name: str = KERNEL) -> list[str]:
    """The command papermill will start the kernel with; it must be this environment's Python
    (a `python3` kernel registered elsewhere would run the notebooks without this package)."""
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import KernelManager

    try:
        km = KernelManager(kernel_name=kernel_name)
        cmd = km.format_kernel_cmd()
    except NoSuchKernel:
        raise InputError(f"no Jupyter kernel named {kernel_name!r}; install one for this environment "
                         f"with `{sys.executable} -m ipykernel install --sys-prefix`") from None
    # compare the paths as given, not resolved: a venv's python is a symlink to the base interpreter,
    # which runs without the venv's packages
    exe = Path(os.path.abspath(cmd[0]))
    if exe != Path(os.path.abspath(sys.executable)):
        raise InputError(f"the Jupyter kernel {kernel_name!r} runs {exe}, not this environment's "
                         f"{sys.executable}; register the environment's kernel with "
                         f"`{sys.executable} -m ipykernel install --sys-prefix`")
    return cmd


def render_html(nb_path: Path, show_code: bool = True) -> Path:
    """The executed notebook as a standalone HTML page next to it."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=not show_code,
                            exclude_output_prompt=not show_code)
    body, _ = exporter.from_notebook_node(nbformat.read(nb_path, as_version=4))
    out = nb_path.with_suffix(".html")
    out.write_text(body, encoding="utf-8")
    return out


def run_notebook(src: Path, dst: Path, parameters: dict, kernel_name: str = KERNEL) -> str | None:
    """Execute one notebook with papermill; the error (cell and message) if a cell failed."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    try:
        pm.execute_notebook(str(src), str(dst), parameters=parameters, kernel_name=kernel_name,
                            cwd=str(dst.parent), progress_bar=False, log_output=False)
    except PapermillExecutionError as e:
        first = next((ln for ln in (e.source or "").splitlines() if ln.strip()), "")
        return f"cell [{e.exec_count}] `{first.strip()[:80]}` ({e.ename}: {e.evalue})"
    return None


def write_index(run_dir: Path, as_of: dt.date, runs: list[NotebookRun], data_dir: Path,
                results_dir: Path) -> Path:
    """index.html: one entry per notebook with its question, and links to the run's artefacts."""
    def rel(p: Path) -> str:
        try:
            return html.escape(str(p.resolve().relative_to(run_dir.resolve())))
        except ValueError:
            return html.escape(p.resolve().as_uri())

    items = []
    for r in runs:
        status = (f'<span class="fail">failed: {html.escape(r.error)}</span>' if r.error
                  else '<span class="ok">ok</span>')
        page = f'<a href="{rel(r.html)}">{html.escape(r.title)}</a>' if r.html else html.escape(r.title)
        items.append(f'<li>{page} {status}<br><em>{html.escape(r.question)}</em><br>'
                     f'<small><a href="{rel(r.notebook)}">{html.escape(r.notebook.name)}</a></small></li>')
    docs = results_dir / "data_docs" / "index.html"
    extra = [f'<li><a href="{rel(results_dir)}">outputs (Parquet)</a></li>']
    validation = results_dir / "validation.parquet"
    if validation.exists():
        import polars as pl
        v = pl.read_parquet(validation)
        extra.append(f"<li>validation: {int(v['rows_in'].sum()):,} rows in, {int(v['rows_accepted'].sum()):,} "
                     f"accepted, {int(v['rows_quarantined'].sum()):,} quarantined "
                     f"({(v['status'] != 'ok').sum()} of {v.height} tables not ok)</li>")
    if docs.exists():
        extra.append(f'<li><a href="{rel(docs)}">validation: Great Expectations Data Docs</a></li>')
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>tt_analytics report {as_of}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5}}
li{{margin-bottom:1rem}} .ok{{color:#1a7f37}} .fail{{color:#cf222e;font-weight:bold}}</style>
</head><body>
<h1>Shop report as of {as_of}</h1>
<p>Data: <code>{html.escape(str(data_dir))}</code>. Generated {generated}.</p>
<h2>Notebooks</h2>
<ul>
{chr(10).join(items)}
</ul>
<h2>Behind the notebooks</h2>
<ul>
{chr(10).join(extra)}
</ul>
</body></html>
"""
    index = run_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def trend_series(data_dir: Path, as_of: dt.date, out: Path, days: int = TREND_DAYS,
                 every: str = "week", engine: str = "duckdb", spark_master: str | None = None) -> Path | None:
    """The series run behind the notebooks' trend charts, computed once for all of them; None when
    this installation has no series mode (the notebooks then say the trends are not shown)."""
    try:
        from .series import evaluate_series
    except ImportError:
        return None
    import duckdb

    from .engines.spark import SparkQueryError

    start = as_of - dt.timedelta(days=days)
    on = {"engine": engine, "spark_master": spark_master}
    try:  # the single-date run has just validated this folder: skip the checks when the rows cast
        evaluate_series(data_dir, start, as_of, every=every, out=out, validate=False, outputs=SERIES_OUTPUTS, **on)
    except (duckdb.Error, SparkQueryError):  # a row that does not cast: validate, so quarantined rows stay out
        evaluate_series(data_dir, start, as_of, every=every, out=out, validate=True, outputs=SERIES_OUTPUTS, **on)
    return out


def build_report(data_dir: str | Path, as_of: dt.date | str, out: str | Path, *,
                 outputs: str | Path | None = None, show_code: bool = True,
                 notebooks_dir: str | Path | None = None, only: list[str] | None = None,
                 kernel_name: str = KERNEL, engine: str = "duckdb", spark_master: str | None = None) -> Path:
    """Validate and evaluate `data_dir` as of `as_of` (or use the evaluate run in `outputs`), run
    every notebook into `out/<as_of>/` with an HTML rendering each; return the index page."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .evaluate import evaluate

    data_dir = Path(data_dir).resolve()
    as_of = params._as_date(as_of)
    if not data_dir.is_dir():
        raise InputError(f"data folder {data_dir} does not exist", file=str(data_dir))
    sources = notebooks(Path(notebooks_dir) if notebooks_dir else None)
    if only:
        sources = [s for s in sources if s.stem in only or s.name in only]
    check_kernel(kernel_name)

    run_dir = Path(out).resolve() / as_of.isoformat()
    run_dir.mkdir(parents=True, exist_ok=True)
    database = run_dir / "warehouse.duckdb"
    if outputs is None:
        results_dir = run_dir / "outputs"
        evaluate(data_dir, as_of, out=results_dir, database=database, engine=engine, spark_master=spark_master)
    else:
        results_dir = Path(outputs).resolve()
        if not any(results_dir.glob("*.parquet")):
            raise InputError(f"no evaluate outputs (*.parquet) in {results_dir}", file=str(results_dir))
        catalog.write_warehouse(database, data_dir, results_dir)

    series_dir = trend_series(data_dir, as_of, run_dir / "series", engine=engine, spark_master=spark_master)
    parameters = {"data_dir": str(data_dir), "as_of": as_of.isoformat(), "results_dir": str(results_dir),
                  "database": str(database), "series_dir": str(series_dir) if series_dir else None}
    runs: list[NotebookRun] = []
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn()) as progress:
        task = progress.add_task("notebooks", total=len(sources))
        for src in sources:
            progress.update(task, description=f"running {src.name}")
            dst = run_dir / src.name
            error = run_notebook(src, dst, parameters, kernel_name)
            page = render_html(dst, show_code) if dst.exists() else None
            runs.append(NotebookRun(src.stem, *title_and_question(src), dst, page, error))
            progress.advance(task)
        progress.update(task, description="notebooks done")

    index = write_index(run_dir, as_of, runs, data_dir, results_dir)
    failed = [r for r in runs if r.error]
    if failed:
        raise NotebookFailed("; ".join(f"notebook {r.notebook.name} failed at {r.error}; the partly "
                                       f"executed notebook is kept at {r.notebook}" for r in failed)
                             + f". Report index: {index}")
    return index
