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


def test_the_course_has_three_ninety_minute_sessions_with_checks():
    from mst_helpers.teaching import COURSE, CONCEPT_PRACTICE, DATASETS

    found = exercises(ROOT / "notebooks")
    labels = set(found["label"])
    stems = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    assert len(COURSE) == 3
    for session in COURSE:
        assert sum(block.minutes for block in session.blocks) == 90, session.title
        assert session.blocks[0].activity.startswith("Set-up") and len(session.objectives) >= 3
        assert set(session.pre_reading) <= stems
        assert {c for block in session.blocks for c in block.chapters} <= stems
        used = {label for block in session.blocks for label in block.exercises}
        assert used and used <= labels, used - labels
        assert len(session.check) == 5
        # Each session sets the autograded assignments of the chapters it teaches.
        assert session.assignments and all((ROOT / "notebooks" / "assignments" / f"{a}.py").exists() for a in session.assignments)
        assert set(session.assignments) <= {c for block in session.blocks for c in block.chapters} | set(session.pre_reading)
        for question in session.check:
            assert 0 <= question.answer < len(question.options) and len(set(question.options)) == len(question.options)
    assert set(CONCEPT_PRACTICE) == set(CONCEPTS)
    for concept, (practice, datasets) in CONCEPT_PRACTICE.items():
        assert practice and set(practice) <= labels, (concept, set(practice) - labels)
        assert datasets and set(datasets) <= set(DATASETS), concept


def test_a_check_renders_every_question_with_its_answer_collapsed():
    import re

    from mst_helpers.teaching import COURSE, check_markdown

    letters = []
    for number, session in enumerate(COURSE, start=1):
        text = check_markdown(session, number)
        assert text.count(":class: dropdown") == 5 and text.count("```{admonition} Answer") == 5
        blocks = re.split(r"^\d+\. ", text, flags=re.M)[1:]
        assert len(blocks) == 5
        for question, block in zip(session.check, blocks):
            assert block.startswith(question.text)
            listed = dict(re.findall(r"^   - \(([a-d])\) (.+)$", block, flags=re.M))
            assert sorted(listed.values()) == sorted(question.options)
            key = re.search(r"tip\n\n   \(([a-d])\) ", block).group(1)
            # The key names the right option, at the letter where it is listed.
            assert listed[key] == question.options[question.answer]
            letters.append(key)
    # and the right option is not always at the same letter
    assert len(set(letters)) >= 3


def test_every_assignment_is_set_in_a_session():
    from mst_helpers.assignments import catalogue
    from mst_helpers.teaching import COURSE

    listed = catalogue(ROOT / "notebooks" / "assignments")
    assert sorted({a for session in COURSE for a in session.assignments}) == sorted(set(listed["assignment"]))
