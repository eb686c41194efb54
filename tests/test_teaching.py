"""The teaching map lists every exercise of every chapter, and every chapter it names exists."""

from __future__ import annotations

from mst_helpers.teaching import CONCEPTS, exercises

from .conftest import ROOT


def test_every_exercise_is_found(tmp_path):
    (tmp_path / "01_x.py").write_text("# ```{exercise} First one\n# :label: ex-a\n#\n# text\n# ```\n"
                                      "# ```{exercise} Second\n# :label: ex-b\n# ```\n")
    found = exercises(tmp_path)
    assert found[["label", "title"]].values.tolist() == [["ex-a", "First one"], ["ex-b", "Second"]]


def test_book_has_exercises_in_every_teaching_chapter():
    found = exercises(ROOT / "notebooks")
    for chapter in ("01_audit", "02_data", "03_cohort", "04_response", "05_chimerism", "06_survival", "07_immortal", "08_competing"):
        assert (found["chapter"] == chapter).sum() >= 2, chapter
    stems = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    assert {c for chapters in CONCEPTS.values() for c in chapters} <= stems
