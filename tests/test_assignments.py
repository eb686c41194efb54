"""Autograded assignments (``mst_helpers.assignments``, ``make course``, ``make grade``).

The grading tests run the real command (``python -m mst_helpers.build grade``, what ``make grade``
runs) on one folder holding every reference solution, a deliberately wrong submission and a
notebook of no known assignment, and read the CSV it writes.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

import jupytext
import nbformat
import pandas as pd
import pytest

from mst_helpers.assignments import ASSIGNMENTS_DIR, build_assignments, catalogue, masters, questions, solution_lines

from .conftest import ROOT

#: The survival chapters and methods labs that must each have an autograded assignment.
CHAPTERS = ["06_survival", "07_immortal", "08_competing", "14_lab_km", "15_lab_immortal", "16_lab_competing"]


def test_every_survival_chapter_and_lab_has_three_coding_questions_with_public_and_hidden_tests():
    found = {path.stem: path for path in masters(ROOT)}
    assert set(CHAPTERS) <= set(found), f"missing assignments: {sorted(set(CHAPTERS) - set(found))}"
    chapters = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    names = []
    for stem, path in found.items():
        assert stem in chapters, f"{path}: named after no chapter"
        found_questions = questions(jupytext.read(path))
        assert len(found_questions) >= 3, f"{stem}: {len(found_questions)} questions"
        for question in found_questions:
            assert all(name for name, _ in question.tests), f"{stem}/{question.name}: a test cell defines no test_ function"
            hidden = [flag for _, flag in question.tests]
            assert False in hidden, f"{stem}/{question.name}: no public test (students could not check their work)"
            assert True in hidden, f"{stem}/{question.name}: no hidden test"
        names += [question.name for question in found_questions]
    # The grades CSV has one column per question: names must not collide across assignments.
    assert len(names) == len(set(names)), "question names repeat across assignments"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build_assignments(ROOT, tmp_path_factory.mktemp("course"))


def test_student_notebooks_keep_no_solution_and_carry_their_public_tests(course):
    assert [a.name for a in course] == [p.stem for p in masters(ROOT)]
    listed = catalogue(ROOT / ASSIGNMENTS_DIR)   # what the teaching page shows
    for assignment in course:
        mine = listed[listed["assignment"] == assignment.name]
        assert dict(zip(mine["question"], mine["points"])) == assignment.points
        assert mine["title"].str.len().gt(0).all(), f"{assignment.name}: a question prompt lacks its '**Question N — title.**'"
    for assignment in course:
        master = ROOT / ASSIGNMENTS_DIR / f"{assignment.name}.py"
        hidden_solution = solution_lines(master)
        assert len(hidden_solution) >= 3, f"{master}: solution lines not found"
        student = nbformat.read(assignment.student, as_version=4)
        code = "\n".join(cell.source for cell in student.cells if cell.cell_type == "code")
        for cell in student.cells:
            if cell.cell_type == "code":
                # A solution spread over lines must be blanked whole: a half-blanked statement is a
                # syntax error the student did not write.
                ast.parse(cell.source, filename=f"{assignment.name} student notebook")
        left = sorted(line for line in hidden_solution if line in {l.strip() for l in code.splitlines()})
        assert not left, f"{assignment.name}: solution lines left in the student notebook: {left[:3]}"
        assert "BEGIN SOLUTION" not in code, assignment.name
        hidden_tests = [name for q in questions(jupytext.read(master)) for name, hidden in q.tests if hidden]
        shipped = str(student.metadata) + code
        assert not [name for name in hidden_tests if name in shipped], f"{assignment.name}: a hidden test reached students"
        public = student.metadata["otter"]["tests"]
        assert set(public) == set(assignment.points), f"{assignment.name}: every question ships its public tests"
        for question in assignment.points:
            assert f'grader.check("{question}")' in code
        # The solution notebook (teacher's) keeps the solutions.
        solution = "\n".join(c.source for c in nbformat.read(assignment.solution, as_version=4).cells)
        assert all(line in solution for line in hidden_solution)


def _replace_in_cell(nb, marker: str, new_source: str) -> None:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    cell.source = new_source


#: A wrong submission to assignment 6: its Kaplan–Meier drops patients censored at a death time
#: from the risk set (caught by a public test); its log-rank variance forgets the (n − d)/(n − 1)
#: correction for ties (passes the public tests, caught by a hidden one); its RMST is right.
WRONG_KM = '''def km_by_hand(time, event):
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    rows, survival = [], 1.0
    for t in np.unique(time[event == 1]):
        at_risk = int(((time > t) | ((time == t) & (event == 1))).sum())
        deaths = int(((time == t) & (event == 1)).sum())
        survival *= 1 - deaths / at_risk
        rows.append((t, at_risk, deaths, survival))
    return pd.DataFrame(rows, columns=["time", "at_risk", "deaths", "survival"])
'''
WRONG_LOGRANK = '''def logrank_table(time, event, in_group):
    time, event, in_group = np.asarray(time, dtype=float), np.asarray(event, dtype=int), np.asarray(in_group, dtype=bool)
    rows = []
    for t in np.unique(time[event == 1]):
        at_risk, dead = time >= t, (time == t) & (event == 1)
        n, n_group, d, d_group = int(at_risk.sum()), int((at_risk & in_group).sum()), int(dead.sum()), int((dead & in_group).sum())
        rows.append((t, n, n_group, d, d_group, d * n_group / n, d * (n_group / n) * (1 - n_group / n)))
    return pd.DataFrame(rows, columns=["time", "n", "n_group", "d", "d_group", "expected", "variance"])


table = logrank_table(five["time"], five["event"], five["arm"] == "a")
chi2_five = (table["d_group"].sum() - table["expected"].sum()) ** 2 / table["variance"].sum()
'''


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """``python -m mst_helpers.build grade`` on every reference solution, the wrong submission and a
    stray notebook; returns the CSV as a frame indexed by file name."""
    folder = tmp_path_factory.mktemp("submissions")
    for assignment in course:
        shutil.copyfile(assignment.solution, folder / f"reference_{assignment.name}.ipynb")
    (survival,) = [a for a in course if a.name == "06_survival"]
    wrong = nbformat.read(survival.solution, as_version=4)
    _replace_in_cell(wrong, "def km_by_hand", WRONG_KM)
    _replace_in_cell(wrong, "def logrank_table", WRONG_LOGRANK)
    nbformat.write(wrong, folder / "wrong_06_survival.ipynb")
    stray = nbformat.v4.new_notebook(metadata={"otter": {"assignment_name": "99_unknown"}})
    nbformat.write(stray, folder / "stray.ipynb")
    output = folder / "out" / "grades.csv"
    run = subprocess.run([sys.executable, "-m", "mst_helpers.build", "grade", str(folder), "--output", str(output)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return pd.read_csv(output).set_index("submission"), run.stdout


def test_reference_solutions_get_full_marks(graded, course):
    grades, stdout = graded
    for assignment in course:
        row = grades.loc[f"reference_{assignment.name}.ipynb"]
        assert row["assignment"] == assignment.name
        assert row["total"] == row["possible"] == assignment.total, f"{assignment.name}: {row.dropna().to_dict()}"
        for question, points in assignment.points.items():
            assert row[question] == points, f"{assignment.name}/{question}"
        assert f"reference_{assignment.name}.ipynb ({assignment.name}): {assignment.total:g}/{assignment.total:g}" in stdout


def test_wrong_submission_fails_exactly_the_wrong_answers(graded):
    grades, _ = graded
    row = grades.loc["wrong_06_survival.ipynb"]
    # KM: the public risk-set test and the hidden lifelines comparison fail; only the columns test passes.
    assert row["km_by_hand"] == 1.0
    # Log-rank: both public tests pass, the hidden comparison with lifelines fails.
    assert row["logrank_by_hand"] == 2.0
    assert row["rmst_by_age"] == 3.0
    assert row["total"] == 6.0 and row["possible"] == 9.0 and row["percent"] == pytest.approx(66.7)
    # Questions of other assignments are blank, not zero.
    assert pd.isna(row["naive_hazard_ratio"]) and pd.isna(row["lab_fine_gray"])


def test_a_notebook_of_no_known_assignment_is_reported_not_graded(graded):
    grades, stdout = graded
    row = grades.loc["stray.ipynb"]
    assert pd.isna(row["total"]) and "no autograder for assignment '99_unknown'" in row["note"]
    assert "grade: stray.ipynb (99_unknown): no autograder" in stdout


def test_grade_needs_a_folder_of_notebooks(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mst_helpers.build", "grade", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and f"grade: {tmp_path} holds no .ipynb files" in run.stderr
    assert not (tmp_path / "grades.csv").exists()
