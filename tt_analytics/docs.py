"""Generated documentation: the data dictionary and the rules reference come from the code."""
from __future__ import annotations

from pathlib import Path

from . import params, schema


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def rules_reference_markdown() -> str:
    """Every parameter of every rules file: path, meaning, dated values and the source clause."""
    out = ["# Rules reference", "",
           "Generated from `tt_analytics/rules/*.yaml` by `tt-analytics docs`; do not edit by hand.",
           "Each value applies from its date on; the value in force on the as-of date is used. Rule IDs",
           "and source wording are in `RULES.md` (shared) and the seed policy documents.", ""]
    for name, path in params.rule_files().items():
        doc = params.raw(name) or {}
        out += [f"## `{name}.yaml`", ""]
        if isinstance(doc, dict):
            if doc.get("description"):
                out += [str(doc["description"]).strip(), ""]
            if doc.get("reference"):
                out += [f"Source: {str(doc['reference']).strip()}", ""]
        out += ["| parameter | meaning | values (from date: value) | source |", "|---|---|---|---|"]
        for p, desc, ref, vals in params.dated_values(doc):
            values = "; ".join(f"{d}: `{_fmt(v)}`" for d, v in vals)
            cell = lambda s: " ".join(str(s).split()).replace("|", "\\|")  # noqa: E731
            out.append(f"| `{p}` | {cell(desc)} | {values} | {cell(ref)} |")
        out.append("")
    return "\n".join(out)


def write_docs(out: str | Path = "docs") -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = {"data-dictionary.md": schema.data_dictionary_markdown(),
             "rules-reference.md": rules_reference_markdown()}
    written = []
    for name, text in pages.items():
        (out / name).write_text(text + "\n", encoding="utf-8")
        written.append(out / name)
    return written
