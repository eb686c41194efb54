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
# proposes a lesson plan, and lists every exercise (read from the chapters themselves).

# %% tags=["parameters", "remove-cell"]
notebooks_path = "../notebooks"
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
import pandas as pd

from mst_helpers import bottom_line
from mst_helpers.results import ChapterResults
from mst_helpers.tables import numbered_table
from mst_helpers.teaching import CONCEPTS, exercises

# %% tags=["hide-input"]
out = ChapterResults("12_teach", results_dir)
concept_map = pd.DataFrame([{"concept": concept, "chapters": ", ".join(f"{{doc}}`{c}`" for c in chapters)}
                            for concept, chapters in CONCEPTS.items()])
out.record("n_concepts", len(concept_map))
numbered_table(concept_map, "Which chapter teaches what.", "tab-teach-concepts")

# %% [markdown]
# ## A 90-minute lesson on survival analysis
#
# One session, one question — *do more MST courses make older patients live longer?* — and
# four methods. Students download the notebooks (button at the top of each page) and run them.

# %% tags=["hide-input"]
plan = pd.DataFrame([
    {"minutes": 10, "activity": "The claim and the data", "material": "{doc}`03_cohort` swimmer plot; {doc}`02_data` honesty statement"},
    {"minutes": 20, "activity": "Kaplan–Meier and censoring by hand, then on the cohort", "material": "{doc}`06_survival`: five-patient table, Figure 2"},
    {"minutes": 15, "activity": "Log-rank and Cox; checking proportional hazards", "material": "{doc}`06_survival`: log-rank table, forest plot, Schoenfeld residuals"},
    {"minutes": 25, "activity": "Immortal time: find it, then remove it four ways", "material": "{doc}`07_immortal`: timelines, method table, exercises"},
    {"minutes": 10, "activity": "Competing risks: why 1 − KM overstates relapse", "material": "{doc}`08_competing`: 1 − KM vs Aalen–Johansen"},
    {"minutes": 10, "activity": "What holds up? Reading a scorecard", "material": "{doc}`11_scorecard`, {doc}`10_uncertainty`"},
])
out.record("lesson_minutes", int(plan["minutes"].sum()))
out.record("lesson_blocks", len(plan))
numbered_table(plan, "A lesson plan (minutes per block).", "tab-teach-plan")

# %% [markdown]
# The plan's {glue:text}`lesson_blocks` blocks add up to {glue:text}`lesson_minutes` minutes.
#
# ## Every exercise

# %% tags=["hide-input"]
found = exercises(notebooks_path)
# Chapters by their titles ({doc}), exercises by their own titles linked to them ({ref}).
found["exercise"] = [f"{{ref}}`{title} <{label}>`" for title, label in zip(found["title"], found["label"])]
found["chapter"] = [f"{{doc}}`{chapter}`" for chapter in found["chapter"]]
out.record("n_exercises", len(found))
out.record("n_chapters_with_exercises", found["chapter"].nunique())
numbered_table(found[["chapter", "exercise"]], "Exercises with hidden solutions, by chapter.", "tab-teach-exercises")

# %% [markdown]
# {glue:text}`n_exercises` exercises in {glue:text}`n_chapters_with_exercises` chapters; each has its
# solution in a collapsed box below it.
#
# ## Notebooks for students
#
# The notebooks these pages offer for download keep their solutions (in collapsed boxes, which
# JupyterLab renders through `jupyterlab-myst`, installed with the book). For a class, hand out
# the **student edition** instead: `make student` writes every chapter to `_build/student/`
# without its solutions, with the glued numbers and figures written into the text so that it
# reads the same in plain Jupyter, Colab or VS Code, and with a README for students.

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.teaching(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
