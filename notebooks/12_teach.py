# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Teach with this book
#
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# The book is built to be taught from: each chapter teaches one idea on the same clinical
# question, every number comes from code a student can rerun, and every chapter ends with
# exercises whose solutions stay hidden until asked for. This page maps concepts to chapters,
# exercises and datasets, lays out a three-session course, and lists every exercise (read from
# the chapters themselves).

# %% tags=["parameters", "remove-cell"]
notebooks_path = "../notebooks"
assignments_path = "../notebooks/assignments"
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
from IPython.display import Markdown, display

from mst_helpers import bottom_line
from mst_helpers.assignments import catalogue
from mst_helpers.results import ChapterResults
from mst_helpers.tables import numbered_table
from mst_helpers.teaching import COURSE, check_markdown, concept_map, exercises, session_plan

# %% tags=["hide-input"]
out = ChapterResults("12_teach", results_dir)
found = exercises(notebooks_path)
concepts = concept_map(found)
out.record("n_concepts", len(concepts))
numbered_table(concepts, "Which chapter teaches what, which exercises practise it, and on which data.", "tab-teach-concepts")

# %% [markdown]
# ## A three-session course
#
# Three sessions of 90 minutes for students who know basic statistics (a t-test, a confidence
# interval, a 2 × 2 table) but not survival analysis. Every session names its learning
# objectives and pre-reading, starts with set-up time, sets exercises from the chapters (each
# with its solution collapsed below it) and ends with a five-question check whose answers are in
# collapsed boxes: plain pages, nothing to install, and they work offline. Each session pairs
# the MST question with a lab on real public data whose answers are known.

# %% tags=["hide-cell"]
titles = dict(zip(found["label"], found["title"]))


def show_session(number: int):
    session = COURSE[number - 1]
    out.record(f"course.{number}.minutes", sum(block.minutes for block in session.blocks))
    out.record(f"course.{number}.questions", len(session.check))
    display(Markdown("**Learning objectives.** By the end, students can:\n\n"
                     + "\n".join(f"- {objective[0].lower()}{objective[1:]}" for objective in session.objectives)
                     + "\n\n**Pre-reading.** " + ", ".join(f"{{doc}}`{c}`" for c in session.pre_reading)
                     + " (the text, not the code)."))
    display(numbered_table(session_plan(session, titles), f"{session.title}: blocks, minutes, material and exercises.",
                           f"tab-teach-session-{number}"))
    display(Markdown(f"**Check.** Five questions, answers collapsed.\n\n{check_markdown(session, number)}"))
    display(Markdown("**After the session.** The autograded assignments "
                     + " and ".join(f"`{name}` (for {{doc}}`{name}`)" for name in session.assignments)
                     + " (see {ref}`sec-teach-assignments`)."))


# %% [markdown]
# ### Session 1. Time to an event: Kaplan–Meier, log-rank and Cox

# %% tags=["hide-input"]
show_session(1)

# %% [markdown]
# ### Session 2. Immortal time: when the exposure comes during follow-up

# %% tags=["hide-input"]
show_session(2)

# %% [markdown]
# ### Session 3. Competing risks, and judging a paper

# %% tags=["hide-input"]
show_session(3)

# %% [markdown]
# The three sessions take {glue:text}`course.1.minutes`, {glue:text}`course.2.minutes` and
# {glue:text}`course.3.minutes` minutes.

# %% [markdown]
# ## Every exercise

# %% tags=["hide-input"]
# Chapters by their titles ({doc}), exercises by their own titles linked to them ({ref}).
listing = found.assign(exercise=[f"{{ref}}`{title} <{label}>`" for title, label in zip(found["title"], found["label"])],
                       chapter=[f"{{doc}}`{chapter}`" for chapter in found["chapter"]])
out.record("n_exercises", len(listing))
out.record("n_chapters_with_exercises", listing["chapter"].nunique())
numbered_table(listing[["chapter", "exercise"]], "Exercises with hidden solutions, by chapter.", "tab-teach-exercises")

# %% [markdown]
# {glue:text}`n_exercises` exercises in {glue:text}`n_chapters_with_exercises` chapters; each has its
# solution in a collapsed box below it.
#
# (sec-teach-assignments)=
# ## Autograded assignments
#
# The exercises above ask students to read and reason; the assignments ask them to **write the
# analysis code** — a Kaplan–Meier estimate and a log-rank table from scratch, the Aalen–Johansen
# estimator, counting-process rows and a time-dependent Cox model, a landmark chosen after the
# exposure window — and grade it with [otter-grader](https://otter-grader.readthedocs.io). Each
# question comes with **public tests** students run in the notebook (`grader.check(...)`) and
# **hidden tests** only the teacher runs; the hidden tests compare the students' numbers with the
# book's own functions, which the test suite checks against R.

# %% tags=["hide-input"]
assignments = catalogue(assignments_path)
per_assignment = assignments.groupby("assignment", sort=False).agg(
    questions=("question", "size"), titles=("title", lambda t: "; ".join(t)), points=("points", "sum"),
    public=("public", "sum"), hidden=("hidden", "sum")).reset_index()
per_assignment.insert(1, "chapter", [f"{{doc}}`{name}`" for name in per_assignment["assignment"]])
out.record("n_assignments", len(per_assignment))
out.record("n_assignment_questions", len(assignments))
out.record("min_questions_per_assignment", int(per_assignment["questions"].min()))
numbered_table(per_assignment.rename(columns={"titles": "what students write", "public": "public tests",
                                              "hidden": "hidden tests"}),
               "Autograded assignments: one per survival chapter and methods lab.", "tab-teach-assignments")

# %% [markdown]
# {glue:text}`n_assignments` assignments, {glue:text}`n_assignment_questions` questions (at least
# {glue:text}`min_questions_per_assignment` each). For the teacher:
#
# - `make course` writes, for each assignment, the autograder (`autograder.zip`), the solution
#   notebook and the student notebook to `_build/course/<assignment>/`;
# - `make grade DIR=submissions/` grades every notebook in that folder with its assignment's public
#   and hidden tests (otter's runner without Docker, in the book's environment) and writes one CSV,
#   `submissions/grades.csv`: a row per submission, a column per question, the total and the
#   percentage. A notebook of no known assignment is listed with a note, not graded.
#
# The masters (questions, reference solutions and both kinds of tests, in Otter Assign's format)
# are `notebooks/assignments/*.py`; edit them and rerun `make course`.
#
# ## Notebooks for students
#
# The notebooks these pages offer for download keep their solutions (in collapsed boxes, which
# JupyterLab renders through `jupyterlab-myst`, installed with the book). For a class, hand out
# the **student edition** instead: `make student` writes every chapter to `_build/student/`
# without its solutions, with the glued numbers and figures written into the text so that it
# reads the same in plain Jupyter, Colab or VS Code, and with a README for students. It also writes
# the student versions of the autograded assignments to `_build/student/assignments/` (each folder
# holds the notebook, with its public tests inside, and the data it reads).

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.teaching(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
