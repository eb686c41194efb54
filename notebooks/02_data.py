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
# # Where the data come from
#
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# ```{admonition} Reconstructed data
# :class: warning
#
# This page runs on a **reconstructed cohort**: synthetic patients built to satisfy the
# paper's published aggregates. No row is a real patient; individual-level patterns beyond the
# published numbers are assumptions.
# ```
#
# The paper {cite:p}`liu2026` publishes aggregates only: counts, percentages, medians, a few
# dates. Every later chapter needs patient-level data — a Kaplan–Meier curve is drawn from
# individual times, not from a percentage. This chapter explains how the book builds a cohort
# of synthetic patients whose aggregates equal the printed ones, which printed numbers it was
# *built* to match (**targets**), which it could not match because the paper contradicts itself
# (**relaxed**), and which it leaves for the analysis chapters to *test* (**checks**).
#
# The idea is old: survival analyses are routinely re-done on individual data reconstructed
# from published Kaplan–Meier curves {cite:p}`guyot2012`, and whole samples can be recovered
# from means and SDs {cite:p}`heathers2018sprite`. Here there is no curve to digitise; the
# constraints are the paper's tables and sentences.

# %% tags=["parameters", "remove-cell"]
claims_path = "../data/published/claims.csv"
cohort_path = "../data/reconstructed"
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
import pandas as pd

from mst_helpers import bottom_line
from mst_helpers.claims import load_claims, section_name
from mst_helpers.cohort import CUTOFF, load_cohort
from mst_helpers.plotting import follow_up_timeline, use_house_style
from mst_helpers.reconstruct import PROFILES, reconstruct
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.tables import numbered_table
from mst_helpers.targets import compare_with_printed, recompute_claims

use_house_style()

# %% tags=["hide-input"]
claims = load_claims(claims_path)
cohort = load_cohort(cohort_path)
out = ChapterResults("02_data", results_dir)
glue_claims(claims)
patients = cohort.patients
out.record("n_patients", len(patients))
out.record("n_courses", len(cohort.courses))
out.record("n_chimerism", len(cohort.chimerism))
out.record("n_lab_days", len(cohort.labs))
out.record("first_diagnosis", f"{patients['diagnosis_date'].min():%d %B %Y}")
out.record("last_diagnosis", f"{patients['diagnosis_date'].max():%d %B %Y}")

# %% [markdown]
# The cohort is four files in `data/reconstructed/`, each validated against a schema when it
# is loaded: {glue:text}`n_patients` patients, {glue:text}`n_courses` MST courses,
# {glue:text}`n_chimerism` chimerism measurements and {glue:text}`n_lab_days` days of blood
# counts. Dates are stored, never durations: every time in the book is computed from them,
# with one month = 365/12 days. The datasheet `data/README.md` gives each column's provenance.
#
# ## How the cohort is built
#
# The construction is a sequence of exact steps, each seeded (seed 0 is the book's cohort;
# every other seed gives another cohort that meets the same targets):
#
# 1. **Outcome skeleton.** The printed counts of CR, deaths, early deaths, causes of death,
#    relapse and NRM, and of patients alive and leukaemia-free at 1, 3 and 5 years, leave very
#    little freedom: they determine how many patients of each group follow each *outcome
#    profile* ({numref}`tab-data-profiles`).
# 2. **Event times** are drawn inside the windows the landmarks allow, in whole days, with the
#    median OS in the printed month: the Kaplan–Meier median is
#    {glue:text}`recomputed.res.os.median:.1f` months, which rounds to the paper's
#    {glue:text}`paper.res.os.median` (the paper's OS times read as whole months, so they are
#    compared in whole months).
# 3. **Diagnosis dates** place the printed shortest, median and longest follow-up exactly.
# 4. **Baseline categories** are exact counts per group; where Table 1's cross-tabulation
#    disagrees with its margins an integer program finds the closest consistent cells.
# 5. **Donor ages** are whole numbers moved pairwise (keeping their sum) until each group's SD
#    rounds to the printed one — the SPRITE idea {cite:p}`heathers2018sprite`.
# 6. **Cell doses**: an integer program over the sorted doses places every printed median and
#    quartile exactly (SPSS's quantile definition).
# 7. **Courses, chimerism, blood counts and adverse events** follow the protocol and the
#    printed counts.

# %% tags=["hide-input"]
profile_rows = [{"age group": g, "outcome profile": name.replace("_", " "), "patients": k}
                for g, profiles in PROFILES.items() for name, k in profiles]
profiles = pd.DataFrame(profile_rows)
out.record("n_profiles", len(profiles))
numbered_table(profiles, "Outcome profiles: how many patients of each group follow each course of disease.", "tab-data-profiles")

# %% [markdown]
# ## Targets: printed vs recomputed from the files
#
# Every target is recomputed from the four CSV files by code that knows nothing of the
# construction (`mst_helpers.targets`), and compared with the printed value at its printed
# precision.

# %% tags=["hide-input"]
comparison = compare_with_printed(claims, recompute_claims(patients, cohort.courses, cohort.chimerism, cohort.labs))
targets = comparison[comparison["role"] == "target"]
out.record("n_targets", len(targets))
out.record("n_targets_met", int(targets["meets"].sum()))
for _, row in comparison.iterrows():
    out.record(f"recomputed.{row['id']}", float(row["recomputed"]))
by_section = targets.assign(section=targets["section"].map(section_name)).groupby("section", sort=False)["meets"].agg(
    targets="size", met="sum").reset_index()
numbered_table(by_section, "Targets by section of the paper, and how many the cohort meets.", "tab-data-targets-summary")

# %% [markdown]
# The cohort meets {glue:text}`n_targets_met` of {glue:text}`n_targets` targets
# ({numref}`tab-data-targets-summary`). The full list follows (click to show).

# %% tags=["hide-input", "hide-output"]
shown = targets.assign(recomputed=targets["recomputed"].map(lambda v: f"{v:.4g}"),
                       where=targets["section"].map(section_name))
numbered_table(shown[["where", "quantity", "group", "printed", "recomputed", "meets"]], "Every target, printed and recomputed.", "tab-data-targets")

# %% [markdown]
# ## What could not be met, and the reading chosen
#
# The audit chapter found numbers that contradict each other. For each, the construction
# follows one reading and leaves the other printed value **relaxed**.

# %% tags=["hide-input"]
relaxed = claims[claims["role"] == "relaxed"].merge(comparison[["id", "recomputed"]], on="id", how="left")
relaxed["recomputed"] = relaxed["recomputed"].map(lambda v: "–" if pd.isna(v) else f"{v:.4g}")
out.record("n_relaxed", len(relaxed))
out.record("n_relaxed_recomputable", int((relaxed["recomputed"] != "–").sum()))
relaxed["printed → cohort"] = (relaxed["quantity"] + " (" + relaxed["group"] + ", " + relaxed["section"].map(section_name)
                               + "): " + relaxed["printed"]) + " → " + relaxed["recomputed"]
by_reading = relaxed.groupby("note", sort=False)["printed → cohort"].agg("; ".join).reset_index()
by_reading = by_reading.rename(columns={"note": "reading chosen"})[["printed → cohort", "reading chosen"]]
out.record("n_readings", len(by_reading))
numbered_table(by_reading, "Printed numbers relaxed (printed → value in the cohort), grouped by the reading the construction follows.", "tab-data-relaxed")

# %% [markdown]
# {glue:text}`n_relaxed` printed numbers are relaxed, under {glue:text}`n_readings` readings ({numref}`tab-data-relaxed`);
# {glue:text}`n_relaxed_recomputable` of them have a counterpart in the cohort, shown beside
# them. Most follow from three facts the audit established: the Discussion and some table cells
# describe an earlier {glue:text}`paper.disc.cr.den`-patient cohort; the causes of death add up to the patients, not to the
# deaths; and the follow-up range implies diagnoses from {glue:text}`first_diagnosis` to
# {glue:text}`last_diagnosis` rather than the stated enrollment window.
#
# ## What is assumed
#
# The paper is silent on: who had which adverse event (only totals are printed), the exact
# ages and induction drug of each patient, the calendar dates of courses and chimerism tests,
# the shape of the blood-count curves, and how doses, donors and outcomes go together. The
# construction makes these choices at random within the protocol and records them in the
# datasheet. **Associations between such variables in this cohort are artefacts of the
# construction**, not findings — the analysis chapters say so where it matters.
#
# ## What is left to test
#
# No p-value, hazard ratio or test result is a target. The construction never looks at
# survival curves or tests, so the log-rank, Cox, Gray and Fine–Gray results the later
# chapters compute from these data are **checks**, not echoes of a target. One cohort cannot
# say whether the printed aggregates imply the printed test results — another cohort meeting the
# same targets can give another p-value; {doc}`10_uncertainty` asks what *every* such cohort
# allows, and only that range can show a printed result to be impossible.

# %% tags=["hide-input"]
checks = claims[claims["role"] == "check"]
out.record("n_checks", len(checks))
fig = follow_up_timeline(patients, pd.Timestamp("2008-04-01"), pd.Timestamp("2021-06-30"), CUTOFF)
out.figure("fig_data_timeline", fig)

# %% [markdown]
# The registry holds {glue:text}`n_checks` such checks.
#
# ```{glue:figure} fig_data_timeline
# :name: fig-data-timeline
# :alt: Horizontal lines, one per synthetic patient, from diagnosis to last contact, coloured by age group (blue 60 to 70, vermillion over 70); crosses mark deaths and open circles patients alive at the cut-off. A grey band shows the enrollment window from April 2008 to June 2021 and a dashed line the cut-off of 31 October 2025. One patient's line starts in 2007, before the window.
#
# Time on study for each synthetic patient of the reconstructed cohort (diagnosis to death or
# to the cut-off). The first patient is diagnosed before the stated enrollment window: the
# printed longest follow-up requires it.
# ```
#
# ## Another seed, another cohort
#
# The seed chooses among the many cohorts that satisfy the targets. Chapters that want to know
# how much their conclusions depend on the one cohort shown here can rerun on others.

# %% tags=["hide-input"]
other = reconstruct(seed + 1)
other_comparison = compare_with_printed(claims, recompute_claims(other.patients, other.courses, other.chimerism, other.labs))
other_targets = other_comparison[other_comparison["role"] == "target"]
out.record("other_seed", seed + 1)
out.record("other_seed_targets_met", int(other_targets["meets"].sum()))
merged = patients[["patient_id", "donor_age", "death_date"]].merge(other.patients[["patient_id", "donor_age", "death_date"]], on="patient_id")
out.record("other_seed_donor_ages_differing", int((merged["donor_age_x"] != merged["donor_age_y"]).sum()))

# %% [markdown]
# With seed {glue:text}`other_seed` the construction meets {glue:text}`other_seed_targets_met` of
# the {glue:text}`n_targets` targets too, while {glue:text}`other_seed_donor_ages_differing`
# patients (matched by their order of diagnosis) have a different donor age.
#
# ## Exercises
#
# ```{exercise} Why every relapse in the older group came after CR
# :label: ex-data-relapse
#
# The paper reports relapse in {glue:text}`paper.res.relapse.>70.n` of the {glue:text}`paper.t2.header.>70.n`
# patients over 70 and CR in {glue:text}`paper.t2.cr.>70.n`. What does that force about the patients
# in CR? Combine it with the {glue:text}`paper.t2.early_death.>70.n` early deaths in that group: who,
# then, are the {glue:text}`paper.res.nrm.>70.n` non-relapse deaths?
# ```
#
# ```{solution} ex-data-relapse
# :class: dropdown
#
# Relapse needs a remission, so every patient in CR relapsed. The others never reached CR —
# they are exactly the early deaths. The non-relapse deaths must therefore be early deaths
# (dying of infection), and the remaining early death died of the leukaemia itself. {numref}`tab-data-profiles` shows these profiles.
# ```
#
# ```{exercise} Targets and checks
# :label: ex-data-checks
#
# Why would it be a mistake to make the log-rank p-value of {glue:text}`paper.abs.os.p` a target
# of the reconstruction?
# ```
#
# ```{solution} ex-data-checks
# :class: dropdown
#
# The book's question is whether the printed aggregates *imply* the printed test results. A
# cohort tuned to reproduce the p-value would answer that question by construction and could
# no longer test it.
# ```

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.data(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
