"""environment.yml (conda users) must list the same dependencies as pyproject.toml."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent


def _norm(req: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_norm(r) for r in project["dependencies"]}
    for extra in ("test", "spark"):
        wanted |= {_norm(r) for r in project["optional-dependencies"].get(extra, [])}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    listed, pip = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip = dep["pip"]
        elif not dep.startswith(("python=", "pip")):
            listed.add(_norm(dep))
    assert "python=3.11" in env["dependencies"]
    assert "-e ." in pip
    listed |= {_norm(r) for r in pip if r != "-e ."}
    assert listed == wanted, f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}"


def test_lock_file_pins_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text().lower()
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        name = _norm(req)[0]
        assert re.search(rf"^{re.escape(name)}==", lock, re.M), f"{name} is not pinned in requirements.lock"
