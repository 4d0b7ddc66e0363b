"""Rules are data: dated parameter files (OpenFisca style) resolved at an as-of date.

A parameter file is YAML in `tt_analytics/rules/` (or a custom folder that overrides files of
the same name). A leaf parameter looks like

    target:
      description: SFCR must stay below this.
      reference: 002 §5.2.1 "商责取消率必须低于2.5%"
      values:
        2024-07-15: {value: 0.025}

and resolves to the value with the latest date on or before the as-of date. Tiers are lists of
brackets whose fields are parameters or literals. Anything else is a plain mapping.
"""
from __future__ import annotations

import copy
import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).parent / "rules"
DOC_KEYS = {"description", "reference", "metadata", "rule_ids", "note", "unit"}


class ParameterError(ValueError):
    pass


def _as_date(d: Any) -> dt.date:
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    return dt.date.fromisoformat(str(d))


def is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "values" in node


def resolve(node: Any, as_of: dt.date, path: str = "") -> Any:
    """Resolve every dated leaf under `node` to its value in force on `as_of`."""
    if is_leaf(node):
        dated = sorted(((_as_date(k), v) for k, v in node["values"].items()), key=lambda kv: kv[0])
        in_force = [v for d, v in dated if d <= as_of]
        if not in_force:
            first = dated[0][0] if dated else "never"
            raise ParameterError(f"parameter {path or '<root>'} has no value in force on {as_of} "
                                 f"(first value from {first})")
        v = in_force[-1]
        return v["value"] if isinstance(v, dict) and "value" in v else v
    if isinstance(node, dict):
        return {k: resolve(v, as_of, f"{path}.{k}" if path else str(k))
                for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [resolve(v, as_of, f"{path}[{i}]") for i, v in enumerate(node)]
    return node


def rule_files(rules_dir: str | Path | None = None) -> dict[str, Path]:
    """Bundled parameter files, overridden by files of the same name in `rules_dir`."""
    files = {p.stem: p for p in sorted(RULES_DIR.glob("*.yaml"))}
    if rules_dir is not None:
        custom = Path(rules_dir)
        if not custom.is_dir():
            raise ParameterError(f"rules folder {custom} does not exist")
        files.update({p.stem: p for p in sorted(custom.glob("*.yaml"))})
    return files


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> Any:
    with open(path, encoding="utf-8") as f:  # libyaml's parser when PyYAML has it (~10x faster)
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def raw(name: str, rules_dir: str | Path | None = None) -> Any:
    """The unresolved content of one parameter file (for docs and references).

    A copy of the cached parse: callers (tests overriding a parameter, series swapping dated
    values) may change what they get without changing what the next caller reads."""
    files = rule_files(rules_dir)
    if name not in files:
        raise ParameterError(f"no parameter file {name}.yaml (have: {', '.join(files)})")
    p = files[name]
    return copy.deepcopy(_read(p, p.stat().st_mtime))


def load(as_of: dt.date | str, rules_dir: str | Path | None = None) -> dict[str, Any]:
    """Every parameter file, resolved at `as_of`: {file stem: resolved content}."""
    as_of = _as_date(as_of)
    return {name: resolve(raw(name, rules_dir), as_of, name) for name in rule_files(rules_dir)}


def dated_values(node: Any, path: str = ""):
    """Yield (path, description, reference, [(date, value)]) for every leaf (rules reference page)."""
    if is_leaf(node):
        vals = [(str(_as_date(k)), v["value"] if isinstance(v, dict) and "value" in v else v)
                for k, v in node["values"].items()]
        yield path, node.get("description", ""), node.get("reference", ""), vals
    elif isinstance(node, dict):
        for k, v in node.items():
            if k not in DOC_KEYS:
                yield from dated_values(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from dated_values(v, f"{path}[{i}]")
