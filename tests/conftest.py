"""Shared fixtures: the project root, the registry, and a helper to build a corrupted copy."""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Same reason as in mst_helpers.build.main: an IRI parser nothing here needs, 2-4 s to build at import.
sys.modules.setdefault("rfc3987_syntax", None)

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


@functools.lru_cache(maxsize=None)
def _r_packages() -> frozenset[str]:
    """The R packages installed, read once: the skip conditions of ~20 tests ask, at collection,
    and loading DESeq2 or GO.db to answer each took seconds."""
    exe = rscript()
    if exe is None:
        return frozenset()
    listed = subprocess.run([exe, "-e", "cat(rownames(installed.packages()), sep = '\\n')"], capture_output=True, text=True)
    return frozenset(listed.stdout.split())


def r_has(package: str) -> bool:
    return package in _r_packages()


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_in(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mst_helpers.build", *args], cwd=project, capture_output=True, text=True)


class _BookBuild:
    """A clean build of the whole book in a copy of the project, running in a subprocess."""

    def __init__(self, folder: Path):
        self.project = copy_project(folder / "project")
        # Files a developer's checkout has after `make test` must not leak into the book.
        (self.project / ".pytest_cache").mkdir()
        (self.project / ".pytest_cache" / "README.md").write_text("# pytest cache directory\n")
        self.before = {name: tree_hash(self.project / name) for name in ("data", "notebooks")}
        self.out, self.err = folder / "build.stdout", folder / "build.stderr"
        command = [sys.executable, "-m", "mst_helpers.build", "book"]
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(command, cwd=self.project, stdout=out, stderr=err, text=True)

    def result(self) -> subprocess.CompletedProcess:
        self.process.wait()
        return subprocess.CompletedProcess(self.process.args, self.process.returncode,
                                           self.out.read_text(), self.err.read_text())


_BACKGROUND: dict[str, _BookBuild] = {}
#: Test modules whose fixtures keep two processes busy (see pytest_collection_modifyitems).
TWO_PROCESS_MODULES = ("test_own_cohort", "test_assignments")


def pytest_collection_modifyitems(session, config, items):
    """When tests need the built book, start its build now and run those tests last.

    The build executes one chapter at a time, mostly on one core; the machine has two, so the
    tests that do not need the book run beside it instead of after it.
    """
    needs_book = [item for item in items if "built" in getattr(item, "fixturenames", ())]
    if not needs_book or config.option.collectonly:
        return
    waiting = set(needs_book)
    # Tests whose fixtures run two processes at once go after the other one-core tests: by then
    # the build is (nearly) done and the second core free, instead of three processes sharing two.
    both_cores = [item for item in items if item not in waiting and item.module.__name__.rsplit(".", 1)[-1] in TWO_PROCESS_MODULES]
    later = set(both_cores)
    items[:] = [item for item in items if item not in waiting and item not in later] + both_cores + needs_book
    _BACKGROUND["book"] = _BookBuild(Path(tempfile.mkdtemp(prefix="mst-book-")))


def pytest_sessionfinish(session, exitstatus):
    build = _BACKGROUND.pop("book", None)
    if build is not None:
        if build.process.poll() is None:   # the session stopped early (-x, Ctrl-C)
            build.process.kill()
            build.process.wait()
        shutil.rmtree(build.project.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """A clean build of the whole book in a copy of the project, built twice (the second a no-op).

    The first build starts at collection (see :func:`pytest_collection_modifyitems`) and is
    waited for here. Returns (project folder, hashes of data/ and notebooks/ before, first run,
    second run).
    """
    build = _BACKGROUND.get("book") or _BACKGROUND.setdefault("book", _BookBuild(tmp_path_factory.mktemp("book")))
    first = build.result()
    second = build_in(build.project, "book")
    return build.project, build.before, first, second


def assert_r_fixtures_regenerate(script: Path, names: tuple[str, ...], out: Path) -> None:
    """Run an R fixture script on the reconstructed cohort into ``out`` and compare each named
    output with the committed fixture beside the script (to 1e-10)."""
    import pandas as pd

    subprocess.run([rscript(), str(script), str(ROOT / "data" / "reconstructed"), str(out)], check=True, capture_output=True)
    for name in names:
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(script.parent / name), rtol=1e-10)
