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
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# Every number the paper prints, beside the value this book recomputes and a verdict. The
# table is built only from the claims registry and the results files the other chapters wrote;
# nothing on this page is typed.
#
# ```{admonition} Reconstructed data
# :class: warning
#
# Most recomputed values on this page come from the **reconstructed cohort**: synthetic patients
# built to satisfy the paper's published aggregates (see {doc}`02_data`), not the paper's
# patients. Only the rows *reproduced from printed numbers* are independent of it; the attainable
# ranges ({doc}`10_uncertainty`) are over every cohort the search found within those aggregates.
# ```
#
# ```{admonition} What the statuses mean
# :class: warning
#
# *Reproduced from printed numbers*: a test or sum recomputed from the paper's own counts gives
# the printed value — independent of any reconstruction. *Consistent*: the printed value is
# inside what the printed aggregates allow (an attainable range, or a cohort not built to give it).
# *Met by the reconstruction*: the synthetic cohort ({doc}`02_data`) was **built** to meet it — it
# shows the number fits the rest of the paper, not that it is true. *Attainable only at the
# extreme*, *undetermined*, *unattainable*: chapter 10's verdicts. *Contradicts the paper*: it
# conflicts with other printed numbers. *Not reproducible*: nothing to recompute it from.
# ```

# %% tags=["parameters", "remove-cell"]
claims_path = "../data/published/claims.csv"
results_path = "../_build/results"
results_dir = "../_build/results"
scorecard_csv = "../_build/scorecard.csv"
seed = 0

# %% tags=["hide-cell"]
from pathlib import Path


from itables import init_notebook_mode, show

from mst_helpers import bottom_line
from mst_helpers.claims import load_claims
from mst_helpers.results import ChapterResults, collect_results
from mst_helpers.plotting import use_house_style
from mst_helpers.plotting.scorecard import status_bar_plot
from mst_helpers.scorecard import STATUSES, build_scorecard, reader_table, reader_value, status_counts
from mst_helpers.tables import numbered_table
from mst_helpers.verdicts_board import verdict_board

use_house_style()

# %% tags=["hide-input"]
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
board = verdict_board(scorecard, results)
for r in board.itertuples():
    for column in ("printed", "finds", "status", "why"):
        out.record(f"board.{r.key}.{column}", getattr(r, column))
numbered_table(board.assign(shown=[f"{{numref}}`{label}`" for label in board["shown_in"]])[
    ["claim", "printed", "finds", "status", "why", "shown"]].rename(
    columns={"claim": "headline claim", "finds": "what the book finds", "status": "verdict", "why": "why", "shown": "shown in"}),
    "The verdict board: every headline claim of the abstract, what the book finds and why.", "tab-scorecard-board")

# %% [markdown]
# ## How much of the paper holds up
#
# Of the {glue:text}`n_claims` printed numbers ({glue:text}`coverage_pct:.0f`% of the registry)
# ({numref}`fig-scorecard-status`, {numref}`tab-scorecard-counts`):
#
# - **{glue:text}`status.reproduced from printed numbers`** are reproduced from the paper's own printed counts;
# - **{glue:text}`status.consistent`** are consistent with what the printed aggregates allow;
# - **{glue:text}`status.met by the reconstruction`** are met by the reconstruction, which was built to meet them;
# - **{glue:text}`status.attainable only at the extreme`** are attainable only at the extreme,
#   **{glue:text}`status.undetermined`** undetermined and **{glue:text}`status.unattainable`** unattainable
#   over every ordering of events;
# - **{glue:text}`status.contradicts the paper`** contradict other numbers in the paper;
# - **{glue:text}`status.not met by the reconstruction`** are targets the reconstruction misses and
#   **{glue:text}`status.differs on the reconstruction`** checks it computes differently;
# - **{glue:text}`status.not reproducible`** cannot be recomputed: RNA-seq results, values the
#   reconstruction had to invent, protocol values and numbers from other studies.

# %% tags=["hide-input"]
counts = status_counts(scorecard)
fig = status_bar_plot(counts)
out.figure("fig_scorecard_status", fig)
numbered_table(counts, "Status of every printed number, by section of the paper.", "tab-scorecard-counts")

# %% [markdown]
# ```{glue:figure} fig_scorecard_status
# :name: fig-scorecard-status
# :alt: Horizontal stacked bars, one per section of the paper (abstract, methods, results, tables, discussion), divided into the statuses of its printed numbers, from reproduced from printed numbers in dark blue to not reproducible in light grey.
#
# Statuses of the printed numbers, by section of the paper.
# ```
#
# The whole table is downloadable as {download}`scorecard.csv <../../_build/scorecard.csv>`.
#
# ## What the book cannot confirm

# %% tags=["hide-input"]
doubtful = scorecard[scorecard["status"].isin(["contradicts the paper", "unattainable", "attainable only at the extreme",
                                               "undetermined", "not met by the reconstruction", "differs on the reconstruction"])]
out.record("n_doubtful", len(doubtful))
numbered_table(doubtful[["quantity", "group", "printed", "recomputed", "status", "note"]].assign(
                   recomputed=doubtful["recomputed"].map(reader_value)),
               "Printed numbers that contradict the paper, or that the book cannot confirm.", "tab-scorecard-differs")

# %% [markdown]
# {glue:text}`n_doubtful` printed numbers contradict other numbers of the paper or cannot be
# confirmed ({numref}`tab-scorecard-differs`). For the printed tests whose value depends on the
# order of events the printed counts leave free, the verdict over every order {doc}`10_uncertainty`
# can realise: the log-rank p for OS by age is *{glue:text}`verdict.abs.os.p`*, for LFS by age
# *{glue:text}`verdict.abs.lfs.p`*, Gray's test for relapse *{glue:text}`verdict.abs.relapse.p`* and
# for NRM *{glue:text}`verdict.abs.nrm.p`*.
#
# ## Every printed number
#
# Search, sort and filter all {glue:text}`n_claims` rows: type a word ("NRM", "contradicts",
# "Table 2") into the search box. Each row gives the sentence of the paper it comes from and a
# link to the chapter that computes it.

# %% tags=["remove-input"]
# The table's JavaScript is embedded in the page (no download), so it works offline and from file://.
init_notebook_mode(all_interactive=False, connected=False)

# %% tags=["remove-input"]
show(reader_table(scorecard, claims), allow_html=True, paging=True, pageLength=25, classes="display compact",
     maxBytes=0, table_id="scorecard-table", caption="Every printed number of the paper, its status and where it is computed.")

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.scorecard(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
