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
# # Scorecard: what of the paper holds up?
#
# Every number the paper prints, beside the value this book recomputes and a verdict. The
# table is built only from the claims registry and the results files the other chapters wrote;
# nothing on this page is typed.
#
# ```{admonition} Read the statuses with the data in mind
# :class: warning
#
# Patient-level results are recomputed on a **reconstructed cohort** ({doc}`02_data`).
# *Reproduced by construction* means the cohort was built to match the number — it shows the
# number is consistent with the rest of the paper, not that it is true. *Reproduced* and
# *differs* apply to checks: results the construction never looked at.
# ```

# %% tags=["parameters"]
claims_path = "../data/published/claims.csv"
results_path = "../_build/results"
results_dir = "../_build/results"
scorecard_csv = "../_build/scorecard.csv"
seed = 0

# %% tags=["hide-cell"]
from pathlib import Path

from IPython.display import display

from mst_helpers.claims import load_claims
from mst_helpers.results import ChapterResults, collect_results
from mst_helpers.scorecard import STATUSES, build_scorecard, status_counts
from mst_helpers.tables import numbered_table

# %%
claims = load_claims(claims_path)
results = collect_results(results_path)
results = results[results["notebook"] < "11_scorecard"]   # upstream chapters only
out = ChapterResults("11_scorecard", results_dir)
scorecard = build_scorecard(claims, results)
Path(scorecard_csv).parent.mkdir(parents=True, exist_ok=True)
scorecard.to_csv(scorecard_csv, index=False, lineterminator="\n")
out.record("n_claims", len(scorecard))
out.record("coverage_pct", 100 * scorecard["claim_id"].nunique() / len(claims))
for status in STATUSES:
    out.record(f"status.{status}", int((scorecard["status"] == status).sum()))
# The attainability verdicts of chapter 10 (upstream), quoted in the prose below.
for claim_id in ("abs.os.p", "abs.lfs.p", "abs.relapse.p", "abs.nrm.p"):
    out.record(f"verdict.{claim_id}", str(results.set_index("key").at[f"attainable.{claim_id}.verdict", "value"]))
counts = status_counts(scorecard)
numbered_table(counts, "Status of every printed number, by section of the paper.", "tab-scorecard-counts")

# %% [markdown]
# Of the {glue:text}`n_claims` printed numbers ({glue:text}`coverage_pct:.0f`% of the registry):
#
# - **{glue:text}`status.reproduced`** checks are reproduced by the data;
# - **{glue:text}`status.reproduced by construction`** are met by the reconstruction, which was built to meet them;
# - **{glue:text}`status.differs`** differ from what the book recomputes;
# - **{glue:text}`status.inconsistent in the paper`** contradict other numbers in the paper;
# - **{glue:text}`status.not reproducible`** cannot be recomputed: RNA-seq results, protocol values
#   and numbers from other studies.
#
# The whole table is downloadable as {download}`scorecard.csv <../../_build/scorecard.csv>`.
#
# ## What differs

# %%
differs = scorecard[scorecard["status"] == "differs"]
numbered_table(differs[["claim_id", "quantity", "printed", "recomputed", "source", "note"]],
               "Printed numbers the book recomputes differently.", "tab-scorecard-differs")

# %% [markdown]
# The differences are of two kinds. Some are tests on variables the reconstruction had to
# invent (doses, dates): their p-values vary from cohort to cohort.
# Others are tests whose printed value depends on the order of events the printed counts leave
# free. Over every order {doc}`10_uncertainty` can realise: the log-rank p for OS by age is
# *{glue:text}`verdict.abs.os.p`*, for LFS by age *{glue:text}`verdict.abs.lfs.p`*, Gray's test
# for relapse *{glue:text}`verdict.abs.relapse.p`* and for NRM *{glue:text}`verdict.abs.nrm.p`*.
#
# ## Every printed number

# %% tags=["hide-output"]
for section, rows in scorecard.groupby("section", sort=False):
    display(numbered_table(rows[["claim_id", "quantity", "group", "printed", "recomputed", "status", "note"]],
                           f"Scorecard: {section}.", f"tab-scorecard-{section}"))

# %%
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
