"""The scheduled report: layout of REPORT_DIR/<as_of>/, the index page, hidden code, the kernel,
and a failing cell failing the run while keeping the notebook."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from report_run import ROOT
from tt_analytics import report
from tt_analytics.errors import InputError

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def test_report_folder_is_per_as_of_date(report_run):
    assert report_run.run_dir.name == report_run.as_of.isoformat()
    assert (report_run.run_dir / "outputs" / "metrics.parquet").exists()
    assert (report_run.run_dir / "warehouse.duckdb").exists()


def test_index_links_every_notebook_and_its_html(report_run):
    page = report_run.index.read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', page))
    for nb in NOTEBOOKS:
        assert f"{nb.stem}.html" in links, f"index does not link {nb.stem}.html"
        assert f"{nb.name}" in links
        assert (report_run.run_dir / f"{nb.stem}.html").exists()
        title, question = report.title_and_question(nb)
        assert title in page and question and question in page
    assert "failed" not in page


def test_html_hides_code_but_keeps_outputs(report_run):
    html = (report_run.run_dir / "00-shop-health.html").read_text(encoding="utf-8")
    assert "nd.load(" not in html  # the report was built with show_code=False
    assert "vega-embed" in html  # the charts are there
    assert "Shop health" in html


def test_kernel_is_this_environment():
    cmd = report.check_kernel()
    assert Path(cmd[0]) == Path(sys.executable)  # the venv's own python, not the interpreter it links to


def test_failing_cell_fails_the_report_and_keeps_the_notebook(report_run, tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    nb = new_notebook(cells=[new_markdown_cell("# 99 · Broken\n\n**Question:** does a failure show?"),
                             new_code_cell('data_dir = ""\nas_of = ""\nresults_dir = None\ndatabase = None',
                                           metadata={"tags": ["parameters"]}),
                             new_code_cell("x = 1"),
                             new_code_cell("raise ValueError('the deposit table has no balance column')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, nbs / "99-broken.ipynb")
    with pytest.raises(report.NotebookFailed) as e:
        report.build_report(report_run.data, report_run.as_of, tmp_path / "out",
                            outputs=report_run.run_dir / "outputs", notebooks_dir=nbs)
    msg = str(e.value)
    assert isinstance(e.value, InputError)  # the CLI prints it as one paragraph and exits with 2
    assert "99-broken.ipynb" in msg and "ValueError" in msg and "no balance column" in msg and "cell" in msg
    kept = tmp_path / "out" / report_run.as_of.isoformat() / "99-broken.ipynb"
    assert kept.exists() and "ValueError" in kept.read_text(encoding="utf-8")
    index = (kept.parent / "index.html").read_text(encoding="utf-8")
    assert "failed" in index


def test_missing_data_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        report.build_report(tmp_path / "nope", "2026-11-20", tmp_path / "out")


def test_a_python3_kernel_of_another_interpreter_is_refused(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text('{"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", '
                                      '"{connection_file}"], "display_name": "Python 3", "language": "python"}')
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(InputError, match="ipykernel install --sys-prefix"):
        report.check_kernel()
