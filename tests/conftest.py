"""Shared fixtures: the project root, the registry, and a helper to build a corrupted copy."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
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


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_in(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mst_helpers.build", *args], cwd=project, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """A clean build of the whole book in a copy of the project, built twice (the second a no-op).

    Returns (project folder, hashes of data/ and notebooks/ before, first run, second run).
    """
    project = copy_project(tmp_path_factory.mktemp("book") / "project")
    # Files a developer's checkout has after `make test` must not leak into the book.
    (project / ".pytest_cache").mkdir()
    (project / ".pytest_cache" / "README.md").write_text("# pytest cache directory\n")
    before = {name: tree_hash(project / name) for name in ("data", "notebooks")}
    first = build_in(project, "book")
    second = build_in(project, "book")
    return project, before, first, second


def assert_r_fixtures_regenerate(script: Path, names: tuple[str, ...], out: Path) -> None:
    """Run an R fixture script on the reconstructed cohort into ``out`` and compare each named
    output with the committed fixture beside the script (to 1e-10)."""
    import pandas as pd

    subprocess.run([rscript(), str(script), str(ROOT / "data" / "reconstructed"), str(out)], check=True, capture_output=True)
    for name in names:
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(script.parent / name), rtol=1e-10)
