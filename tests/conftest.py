"""Shared fixtures: the project root, the registry, and a helper to build a corrupted copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "data" / "published" / "claims.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What a copy of the project needs to build (git-ignored outputs are left behind).
_SKIP = {".venv", "_build", ".git", ".pytest_cache", "test-artifacts"}


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def claims():
    from mst_helpers.claims import load_claims

    return load_claims(CLAIMS)


def copy_project(destination: Path) -> Path:
    """Copy the working tree (without outputs and the virtual environment) to ``destination``."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in _SKIP or n == "__pycache__" or n.endswith(".egg-info")}
        if Path(folder).resolve() == (ROOT / "book").resolve():
            skipped.add("executed")
        return skipped

    shutil.copytree(ROOT, destination, ignore=ignore)
    return destination


def rscript() -> str | None:
    return shutil.which("Rscript")


def r_has(package: str) -> bool:
    exe = rscript()
    if exe is None:
        return False
    return subprocess.run([exe, "-e", f"library({package})"], capture_output=True).returncode == 0
