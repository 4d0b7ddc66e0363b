"""The curated notebooks: stored clean, parameterised with literals, and every one runs green with
at least one chart on the sample data (executed once, by the report fixture)."""
from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest

from report_run import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXPECTED = ["00-shop-health", "01-star-shop-eligibility", "02-deposit-refunds", "03-fake-transaction-detection"]


def _nb(path):
    return nbformat.read(path, as_version=4)


def _outputs(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def test_the_four_curated_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_has_no_outputs(path):
    for cell in _nb(path).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has stored outputs (clear them before committing)"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exactly_one_parameters_cell_of_literals(path):
    cells = [c for c in _nb(path).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged `parameters`"
    tree = ast.parse(cells[0].source)
    names = []
    for stmt in tree.body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name), \
            f"{path.name}: the parameters cell may only assign literals to names, got {ast.dump(stmt)[:80]}"
        ast.literal_eval(stmt.value)  # raises on anything but a literal
        names.append(stmt.targets[0].id)
    for required in ["data_dir", "as_of", "region", "shop_ids", "results_dir", "database"]:
        assert required in names, f"{path.name}: parameter {required} missing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_structure_title_question_todo_and_no_logic_in_cells(path):
    nb = _nb(path)
    first = next(c for c in nb.cells if c.cell_type == "markdown").source
    assert re.search(r"^# .+", first, re.M) and "**Question:**" in first
    assert any(c.cell_type == "markdown" and re.search(r"^## What to do", c.source, re.M) for c in nb.cells)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*(def|class) ", code, re.M), f"{path.name}: logic belongs in tt_analytics, not cells"
    assert "from tt_analytics" in code


def test_ad_hoc_sql_is_shown():
    code = "\n".join(c.source for p in NOTEBOOKS for c in _nb(p).cells if c.cell_type == "code")
    assert "duckdb.connect(str(run.database), read_only=True)" in code


# --- executed by the report ------------------------------------------------------------------

@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_without_errors(report_run, name):
    nb = _nb(report_run.run_dir / f"{name}.ipynb")
    errors = [o for o in _outputs(nb) if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
    streams = "".join(o.get("text", "") for o in _outputs(nb) if o.output_type == "stream" and o.name == "stderr")
    assert "Traceback" not in streams


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_shows_at_least_one_chart(report_run, name):
    nb = _nb(report_run.run_dir / f"{name}.ipynb")
    charts = [o for o in _outputs(nb) if o.output_type in ("display_data", "execute_result")
              and (any(k.startswith("application/vnd.vegalite") for k in o.data)
                   or "vega-embed" in str(o.data.get("text/html", "")))]
    assert charts, f"{name}: no Altair chart in the outputs"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_got_the_report_outputs(report_run, name):
    """The report evaluates once and hands the outputs folder to every notebook."""
    nb = _nb(report_run.run_dir / f"{name}.ipynb")
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert str(report_run.run_dir / "outputs") in injected.source


def _markdown_outputs(nb) -> str:
    return "\n".join(o.data.get("text/markdown", "") for o in _outputs(nb) if o.output_type in ("display_data", "execute_result"))


def test_shop_health_narrative_is_computed_from_the_outputs(report_run):
    import polars as pl
    points = pl.read_parquet(report_run.run_dir / "outputs" / "points.parquet")
    text = _markdown_outputs(_nb(report_run.run_dir / "00-shop-health.ipynb"))
    n = points["shop_id"].n_unique()
    assert f"{n} TikTok shop" in text
    assert f"As of **{report_run.as_of}**" in text


def test_sql_cell_returned_rows(report_run):
    nb = _nb(report_run.run_dir / "02-deposit-refunds.ipynb")
    sql_cell = next(c for c in nb.cells if c.cell_type == "code" and "orders_waiting" in c.source)
    html = json.dumps([o.get("data", {}) for o in sql_cell.outputs])
    assert "<table" in html and "orders_waiting" in html and "payout_on" in html
