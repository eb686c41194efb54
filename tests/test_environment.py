"""pyproject.toml and environment.yml must list the same packages with the same ranges."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import ROOT


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    name, spec = match.group(1), match.group(2).replace(" ", "")
    return name.lower().replace("_", "-"), spec


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
    return dict(_split(r) for r in requirements)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if not pip_dep.startswith("-e"):
                    name, spec = _split(pip_dep)
                    out[name] = spec
            continue
        name, spec = _split(dep.replace("=", "==", 1) if re.match(r"^[\w\-]+=[^=<>]", dep) else dep)
        if name not in ("python", "pip"):
            out[name] = spec
    return out


def test_environment_matches_pyproject():
    pyproject, environment = _pyproject(), _environment()
    assert set(pyproject) == set(environment), (
        f"only in pyproject.toml: {sorted(set(pyproject) - set(environment))}; "
        f"only in environment.yml: {sorted(set(environment) - set(pyproject))}"
    )
    differing = {name: (pyproject[name], environment[name]) for name in pyproject if pyproject[name] != environment[name]}
    assert not differing, f"version ranges differ (pyproject, environment): {differing}"


def test_jupyter_book_is_pinned_below_2():
    assert _pyproject()["jupyter-book"] == ">=1.0.4,<2"


def test_installed_versions_satisfy_the_pins():
    from importlib.metadata import version

    from packaging.requirements import Requirement

    for name, spec in _pyproject().items():
        requirement = Requirement(f"{name}{spec}")
        assert requirement.specifier.contains(version(name), prereleases=True), f"{name} {version(name)} not in {spec}"


def test_repository_button_and_run_links_name_one_repository():
    """The theme's repository button (``repository.url``) and the "Run this chapter" links
    (``mst_repository_url``) point to the same repository and branch."""


    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config["sphinx"]["config"]
    assert config["html"]["use_repository_button"] is True
    assert config["repository"]["url"] == sphinx["mst_repository_url"]
    assert config["repository"]["branch"] == sphinx["mst_repository_branch"]


def test_the_package_list_names_each_package_once():
    """A leftover egg-info beside the installed metadata must not list the book twice."""
    from mst_helpers.environment import installed_packages

    class Dist:
        def __init__(self, name, version):
            self.metadata, self.version = {"Name": name}, version

    listed = installed_packages([Dist("mst-aml-book", "0.1.0"), Dist("pandas", "2.2.3"), Dist("mst_aml_book", "0.1.0"),
                                 Dist("Jupyter_Book", "1.0.4"), Dist("", "0")])
    assert listed == ["Jupyter_Book==1.0.4", "mst-aml-book==0.1.0", "pandas==2.2.3"]
    assert len(installed_packages()) == len({p.split("==")[0].lower().replace("_", "-") for p in installed_packages()})
