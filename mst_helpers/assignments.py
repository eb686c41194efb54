"""Autograded coding assignments with otter-grader.

Each survival chapter and methods lab has a master notebook in ``notebooks/assignments/`` (jupytext
percent source, in Otter Assign's format: questions, reference solutions, public tests that students
run with ``grader.check`` and hidden tests only the teacher runs; the settings they share are in
``notebooks/assignments/assignment.yml``). :func:`build_assignments` turns every master into

* a **student notebook** (solutions replaced by ``...``, public tests embedded, so it works on its
  own in Jupyter, JupyterLab or Colab) — ``make student`` copies these to
  ``_build/student/assignments/``;
* an **autograder** (``autograder.zip``: public and hidden tests) and the **solution notebook**, in
  ``_build/course/<name>/``.

:func:`grade_submissions` grades a folder of submitted notebooks with ``otter run``'s engine
(:func:`otter.api.grade_submission`, no Docker) in this environment and returns one row per
submission, written as one CSV by ``make grade DIR=…``. The hidden tests compare students' answers
with the book's own helpers (which the test suite checks against R), so grading needs the book's
environment (``mst_helpers`` importable).

Nothing is written into ``data/`` or ``notebooks/``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .kernels import encrypted_grading_kernels

__all__ = ["ASSIGNMENTS_DIR", "COURSE_DIR", "DATA_FILES", "Assignment", "masters", "build_assignments",
           "grade_submissions", "assignment_of", "solution_lines", "write_student_assignments", "skip_iri_parser",
           "catalogue", "CodingQuestion", "questions"]

#: Master notebooks (jupytext sources), one per chapter, named like the chapter they accompany.
ASSIGNMENTS_DIR = Path("notebooks") / "assignments"
#: Where the autograders and solution notebooks go.
COURSE_DIR = Path("_build") / "course"
#: Data files a master may name in its ``files:`` list, and where the book keeps them.
DATA_FILES = {
    "patients.csv": Path("data") / "reconstructed" / "patients.csv",
    "courses.csv": Path("data") / "reconstructed" / "courses.csv",
}


@dataclass(frozen=True)
class Assignment:
    """One built assignment: its name (= the master's stem and otter's ``assignment_name``), the
    autograder zip, the solution notebook, the student notebook and the points per question."""

    name: str
    autograder: Path
    solution: Path
    student: Path
    points: dict[str, float]

    @property
    def total(self) -> float:
        return float(sum(self.points.values()))


def masters(root: Path) -> list[Path]:
    """The master notebooks' jupytext sources, in chapter order."""
    return sorted((Path(root) / ASSIGNMENTS_DIR).glob("*.py"))


#: Otter Assign settings shared by every master (each master's config cell adds name and files).
SHARED_CONFIG = ASSIGNMENTS_DIR / "assignment.yml"


def _is_marker(cell, marker: str) -> bool:
    """Whether ``cell`` is one of Otter Assign's raw boundary cells (``# BEGIN QUESTION``, …)."""
    return cell.cell_type == "raw" and cell.source.lstrip().upper().startswith(marker)


def _config_cell(nb):
    for cell in nb.cells:
        if _is_marker(cell, "# ASSIGNMENT CONFIG"):
            return cell
    raise ValueError("no '# ASSIGNMENT CONFIG' raw cell")


def _merge_config(nb, shared: dict) -> dict:
    """Write ``shared`` settings, overridden by the master's own, into its config cell; return them."""
    import yaml

    cell = _config_cell(nb)
    config = {**shared, **(yaml.safe_load(cell.source) or {})}
    cell.source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)
    return config


@dataclass(frozen=True)
class CodingQuestion:
    """One question of a master: otter's ``name``, the ``title`` of its prompt (``**Question N —
    title.**``), its ``points`` and its test cases as ``(test function, hidden)`` pairs."""

    name: str
    title: str
    points: float
    tests: tuple[tuple[str, bool], ...]


_QUESTION_TITLE = re.compile(r"\*\*Question \d+\s+[—-]\s+(?P<title>.+?)\.?\*\*")


def questions(nb) -> list[CodingQuestion]:
    """The questions of a master notebook, in order, read from its Otter Assign cells."""
    import yaml

    found: list[dict] = []
    in_tests = False
    for cell in nb.cells:
        text = cell.source.strip()
        if _is_marker(cell, "# BEGIN QUESTION"):
            meta = yaml.safe_load(text.split("\n", 1)[1])
            found.append({"name": meta["name"], "title": "", "points": float(meta["points"]), "tests": []})
        elif _is_marker(cell, "# BEGIN TESTS"):
            in_tests = True
        elif _is_marker(cell, "# END TESTS"):
            in_tests = False
        elif found and cell.cell_type == "markdown" and not found[-1]["title"]:
            title = _QUESTION_TITLE.search(text)
            found[-1]["title"] = title["title"] if title else ""
        elif found and in_tests and cell.cell_type == "code":
            test = re.search(r"^def (test_\w+)", text, re.M)
            found[-1]["tests"].append((test[1] if test else "", bool(re.search(r"^hidden:\s*true", text, re.M))))
    return [CodingQuestion(q["name"], q["title"], q["points"], tuple(q["tests"])) for q in found]


@contextlib.contextmanager
def _quiet():
    """Otter prints a banner and progress; the build prints one line per assignment instead."""
    sink = io.StringIO()
    otter_log = logging.getLogger("otter")
    level = otter_log.level
    otter_log.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            # nbconvert's traitlets declarations, raised inside otter assign: not ours to fix.
            warnings.filterwarnings("ignore", message="Traits should be given as instances", category=DeprecationWarning)
            yield sink
    finally:
        otter_log.setLevel(level)


def build_assignments(root: Path, out_dir: Path | None = None) -> list[Assignment]:
    """Run Otter Assign on every master in ``notebooks/assignments/``.

    Writes, for each master, ``<out_dir>/<name>/autograder.zip`` (public and hidden tests),
    ``autograder/<name>.ipynb`` (the solution notebook) and ``student/<name>.ipynb`` (beside the data
    files it reads); ``out_dir`` defaults to ``_build/course``.
    Otter's own check of the tests against the solutions is skipped here: the test suite grades
    the solution notebooks with the autograders (full marks) instead.
    """
    import jupytext
    import nbformat
    import yaml

    with _quiet():   # importing otter's nbconvert exporters warns about traitlets declarations
        from otter.assign import main as otter_assign

    root = Path(root)
    out_dir = Path(out_dir) if out_dir is not None else root / COURSE_DIR
    shared = yaml.safe_load((root / SHARED_CONFIG).read_text(encoding="utf-8")) or {}
    built = []
    for source in masters(root):
        nb = jupytext.read(source)
        config = _merge_config(nb, shared)
        name = config.get("name")
        if name != source.stem:
            raise ValueError(f"{source}: ASSIGNMENT CONFIG name is {name!r}, expected the file's stem {source.stem!r}")
        stage = out_dir / "_masters" / name
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        for file in config.get("files", []):
            if file not in DATA_FILES:
                raise ValueError(f"{source}: files lists {file!r}; known data files are {sorted(DATA_FILES)}")
            shutil.copyfile(root / DATA_FILES[file], stage / file)
        master = stage / f"{name}.ipynb"
        nbformat.write(nb, master)
        result = out_dir / name
        shutil.rmtree(result, ignore_errors=True)
        with _quiet():
            otter_assign(str(master), str(result), no_pdfs=True, no_run_tests=True)
        # Otter names the zip with a timestamp; one fixed name is what `make grade` and teachers look for.
        (zipped,) = sorted((result / "autograder").glob(f"{name}-autograder_*.zip"))
        zipped.replace(result / "autograder.zip")
        built.append(Assignment(name=name, autograder=result / "autograder.zip",
                                solution=result / "autograder" / f"{name}.ipynb",
                                student=result / "student" / f"{name}.ipynb",
                                points={q.name: q.points for q in questions(nb)}))
    return built


def catalogue(folder: Path) -> pd.DataFrame:
    """Every question of every master in ``folder``: ``assignment``, ``question`` (otter's name),
    ``title`` (from its prompt), ``points``, ``public`` and ``hidden`` (numbers of test cases).
    Read from the masters themselves, so the teaching page cannot drift from them."""
    import jupytext

    rows = [{"assignment": master.stem, "question": q.name, "title": q.title, "points": q.points,
             "public": sum(not hidden for _, hidden in q.tests), "hidden": sum(hidden for _, hidden in q.tests)}
            for master in sorted(Path(folder).glob("*.py")) for q in questions(jupytext.read(master))]
    return pd.DataFrame(rows, columns=["assignment", "question", "title", "points", "public", "hidden"])


def solution_lines(master: Path) -> set[str]:
    """The code lines of a master's reference solutions (between ``# BEGIN SOLUTION`` and
    ``# END SOLUTION`` inside a code cell, or ending in ``# SOLUTION``), stripped: what a student
    notebook must not contain."""
    import jupytext

    lines: set[str] = set()
    for cell in jupytext.read(master).cells:
        if cell.cell_type != "code":
            continue
        inside = False
        for line in cell.source.splitlines():
            marker = line.strip().upper()
            if marker.startswith("# BEGIN SOLUTION"):
                inside = True
            elif marker.startswith("# END SOLUTION"):
                inside = False
            elif inside or marker.endswith("# SOLUTION"):
                code = line.split("# SOLUTION")[0].strip() if not inside else line.strip()
                if code and not code.startswith("#"):
                    lines.add(code)
    return lines


def write_student_assignments(assignments: list[Assignment], out_dir: Path) -> list[Path]:
    """Copy each assignment's student folder (notebook with its public tests, and data files) to
    ``out_dir/<name>/``; returns the notebooks."""
    written = []
    for assignment in assignments:
        target = Path(out_dir) / assignment.name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(assignment.student.parent, target)
        written.append(target / assignment.student.name)
    return written


@contextlib.contextmanager
def skip_iri_parser():
    """Kernels started inside this block do not import ``rfc3987_syntax``.

    ``import otter`` (the first cell of every assignment) imports nbformat -> jsonschema, whose
    format checker imports ``rfc3987_syntax`` when it is installed (here via jupyter-events), and
    that builds an Earley parser for IRIs: ~4 s of every graded notebook's ~9 s. Nothing in grading
    validates IRIs; jsonschema treats a missing ``rfc3987_syntax`` as optional. An IPython startup
    file in a temporary ``IPYTHONDIR`` marks the module absent before the notebook's first cell.
    """
    previous = os.environ.get("IPYTHONDIR")
    with tempfile.TemporaryDirectory(prefix="mst-grade-ipython-") as folder:
        startup = Path(folder) / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-skip-iri-parser.py").write_text(
            "import sys\nsys.modules.setdefault('rfc3987_syntax', None)\n", encoding="utf-8")
        os.environ["IPYTHONDIR"] = folder
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("IPYTHONDIR", None)
            else:
                os.environ["IPYTHONDIR"] = previous


def assignment_of(notebook: Path) -> str | None:
    """The otter assignment a submitted notebook belongs to (its metadata), or None."""
    import json

    try:
        meta = json.loads(Path(notebook).read_text(encoding="utf-8")).get("metadata", {})
    except (ValueError, UnicodeDecodeError):
        return None
    return meta.get("otter", {}).get("assignment_name")


def _grade_one(notebook: Path, assignment: Assignment) -> dict[str, object]:
    """One submission's row (see :func:`grade_submissions`); runs in a worker process."""
    with _quiet():
        from otter.api import grade_submission

    row: dict[str, object] = {"submission": notebook.name, "assignment": assignment.name}
    try:
        with _quiet(), encrypted_grading_kernels():
            results = grade_submission(str(notebook.resolve()), str(assignment.autograder.resolve()), quiet=True)
    except Exception as err:   # otter raises bare Exceptions for unrunnable notebooks; report, go on
        row["note"] = f"could not be graded: {type(err).__name__}: {err}"
        return row
    for question in assignment.points:
        row[question] = float(results.get_score(question))
    row["total"] = float(results.total)
    row["possible"] = float(results.possible)
    row["percent"] = round(100 * row["total"] / row["possible"], 1)
    return row


def grade_submissions(folder: Path, assignments: list[Assignment], workers: int = 2) -> pd.DataFrame:
    """Grade every ``*.ipynb`` in ``folder`` (not recursive) with its assignment's autograder.

    Submissions are graded ``workers`` at a time, each in its own process (otter changes the
    working directory while it grades, so threads would not do). Returns one row per submission,
    in file-name order: ``submission`` (file name), ``assignment``, one column per question (points
    scored), ``total``, ``possible``, ``percent`` and ``note`` (why a submission could not be
    graded: unknown assignment or a notebook otter could not run).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    by_name = {a.name: a for a in assignments}
    rows: dict[Path, dict[str, object]] = {}
    gradable = []
    for notebook in sorted(Path(folder).glob("*.ipynb")):
        name = assignment_of(notebook)
        if name in by_name:
            gradable.append((notebook, by_name[name]))
        else:
            known = ", ".join(sorted(by_name))
            rows[notebook] = {"submission": notebook.name, "assignment": name,
                              "note": f"no autograder for assignment {name!r} (known: {known})"}
    with skip_iri_parser():   # the workers' kernels inherit the environment it sets
        if workers > 1 and len(gradable) > 1:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                graded = list(pool.map(_grade_one, *zip(*gradable)))
        else:
            graded = [_grade_one(notebook, assignment) for notebook, assignment in gradable]
    rows.update({notebook: row for (notebook, _), row in zip(gradable, graded)})
    columns = ["submission", "assignment"]
    for a in assignments:
        columns += [q for q in a.points if q not in columns]
    columns += ["total", "possible", "percent", "note"]
    return pd.DataFrame([rows[k] for k in sorted(rows)]).reindex(columns=columns)
