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
# # Chimerism and GVHD
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
# paper's published aggregates (see {doc}`02_data`). No row is a real patient; the dates of
# chimerism tests are assumed, the GVHD patient's values are the paper's.
# ```
#
# Microtransplantation infuses HLA-mismatched donor cells *without* GVHD prophylaxis, betting
# that the recipient's immune system rejects them. Did donor cells persist, and how often did
# they attack the recipient? This chapter follows donor chimerism across courses, retraces the
# one fatal case of GVHD, and asks what {glue:text}`paper.t2.header.all.n` patients can say
# about a rare, catastrophic event. The statistical idea: **confidence intervals for rare
# events**, and the **rule of three**.

# %% tags=["parameters", "remove-cell"]
claims_path = "../data/published/claims.csv"
cohort_path = "../data/reconstructed"
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
import pandas as pd

from mst_helpers import bottom_line
from mst_helpers.chimerism import chimerism_status, detected_measurements
from mst_helpers.claims import load_claims
from mst_helpers.cohort import load_cohort
from mst_helpers.plotting import chimerism_plot, gvhd_timeline, use_house_style
from mst_helpers.proportions import clopper_pearson, rule_of_three
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.tables import numbered_table

use_house_style()

# %% tags=["hide-input"]
claims = load_claims(claims_path)
cohort = load_cohort(cohort_path)
glue_claims(claims)
out = ChapterResults("05_chimerism", results_dir)
status = chimerism_status(cohort.patients, cohort.chimerism)
n = len(status)
never = int((status["detected"] == 0).sum())
untested = int((status["tested"] == 0).sum())
out.record("n_patients", n)
out.record("n_measurements", len(cohort.chimerism))
out.record("n_never_detected", never)
out.record("n_untested", untested)
out.record("detection_limit", float(cohort.chimerism["detection_limit_pct"].max()))
ci = clopper_pearson(never, n)
out.record("never_pct", 100 * ci.estimate)
out.record("never_lower", 100 * ci.lower)
out.record("never_upper", 100 * ci.upper)
out.record("recomputed.res.chimerism_negative.pct", 100 * ci.estimate)
# The untested (early deaths) cannot have been detected: among those tested, the share differs.
tested = int((status["tested"] > 0).sum())
tested_ci = clopper_pearson(never - untested, tested)
out.record("n_tested", tested)
out.record("n_tested_never_detected", never - untested)
out.record("tested_never_pct", 100 * tested_ci.estimate)
out.record("tested_never_lower", 100 * tested_ci.lower)
out.record("tested_never_upper", 100 * tested_ci.upper)
fig = chimerism_plot(cohort.chimerism, cohort.courses, alert_pct=float(claims.set_index("id").at["disc.chimerism_alert", "value"]))
out.figure("fig_chimerism_all", fig)

# %% [markdown]
# ## Donor chimerism across courses
#
# Donor cells were sought with an InDel assay that detects them down to
# {glue:text}`paper.meth.indel_lod.upper`%–{glue:text}`paper.meth.indel_lod.lower`%, at white-cell
# recovery before each new course. A result below the limit is not zero: it is recorded as
# *below {glue:text}`detection_limit:g`%* and drawn at the limit, never on the axis.
#
# ```{glue:figure} fig_chimerism_all
# :name: fig-chimerism-all
# :alt: Scatter plot of donor chimerism in percent on a logarithmic axis against days after each patient's first infusion. Almost all measurements are open grey triangles at the detection limit of 0.01 percent. One patient's two measurements, 7.973 and 25.809 percent, rise far above a dashed line at the 1 percent alert level.
#
# Every chimerism measurement of the reconstructed cohort ({glue:text}`n_measurements` tests).
# Open triangles: below the detection limit; purple: the one patient with detectable donor cells;
# dashed line: the 1% level the Discussion names as an alert.
# ```
#
# {glue:text}`n_never_detected` of {glue:text}`n_patients` patients never had detectable donor
# chimerism — {glue:text}`never_pct:.1f`% (exact 95% CI {glue:text}`never_lower:.1f`–{glue:text}`never_upper:.1f`%),
# the paper's {glue:text}`paper.res.chimerism_negative.pct`%, which also counts every patient.
# But {glue:text}`n_untested` of them, early deaths, died before a first test could be taken, and
# an untested patient cannot have had donor cells detected: among the {glue:text}`n_tested`
# patients tested, {glue:text}`n_tested_never_detected` never had detectable donor chimerism —
# {glue:text}`tested_never_pct:.1f`% (exact 95% CI {glue:text}`tested_never_lower:.1f`–{glue:text}`tested_never_upper:.1f`%).
#
# ## The one patient with GVHD
#
# A {glue:text}`paper.res.gvhd.age`-year-old woman whose donor was her
# {glue:text}`paper.res.gvhd.donor_age`-year-old daughter received
# MNC {glue:text}`paper.res.gvhd.mnc` × 10⁸/kg, CD34⁺ {glue:text}`paper.res.gvhd.cd34` × 10⁶/kg and
# CD3⁺ {glue:text}`paper.res.gvhd.cd3` × 10⁸/kg with each course. Chimerism was negative after her
# first three courses; after the fourth it rose to {glue:text}`paper.res.gvhd.chimerism1`% and,
# one week later, {glue:text}`paper.res.gvhd.chimerism2`%. She developed severe acute GVHD
# (fever, rash, diarrhoea, hyperbilirubinaemia), did not respond to treatment, and died of
# multi-organ failure {glue:text}`paper.res.gvhd.death_day` days after the fourth infusion.

# %% tags=["hide-input"]
gvhd = cohort.patients[cohort.patients["gvhd"] == 1].iloc[0]
detected = detected_measurements(cohort.chimerism)
mine = detected[detected["patient_id"] == gvhd["patient_id"]]
out.record("gvhd_patient", gvhd["patient_id"])
out.record("gvhd_first_pct", float(mine["donor_chimerism_pct"].iloc[0]))
out.record("gvhd_second_pct", float(mine["donor_chimerism_pct"].iloc[1]))
out.record("gvhd_days_between", int(mine["days_since_previous"].iloc[1]))
out.record("gvhd_fold", float(mine["donor_chimerism_pct"].iloc[1] / mine["donor_chimerism_pct"].iloc[0]))
last_infusion = cohort.courses.loc[cohort.courses["patient_id"] == gvhd["patient_id"], "infusion_date"].max()
out.record("gvhd_death_day", int((gvhd["death_date"] - last_infusion).days))
out.record("recomputed.res.gvhd.death_day", int((gvhd["death_date"] - last_infusion).days))
fig = gvhd_timeline(gvhd, cohort.courses, cohort.chimerism)
out.figure("fig_chimerism_gvhd", fig)

# %% [markdown]
# ```{glue:figure} fig_chimerism_gvhd
# :name: fig-chimerism-gvhd
# :alt: Timeline of one patient over about 260 days from diagnosis. Vertical lines mark four MST infusions with identical doses. Chimerism tests after the first three courses are below detection (open triangles); after the fourth, two tests a week apart show 7.973 and 25.809 percent donor cells (filled circles), followed by death from multi-organ failure.
#
# The GVHD patient ({glue:text}`gvhd_patient` in the reconstructed cohort): four infusions,
# chimerism below detection after each of the first three, then {glue:text}`gvhd_first_pct:.3f`% and
# {glue:text}`gvhd_second_pct:.3f`% {glue:text}`gvhd_days_between` days apart, and death
# {glue:text}`gvhd_death_day` days after the last infusion. Dates are reconstructed; doses and
# chimerism values are the paper's.
# ```
#
# Donor chimerism multiplied {glue:text}`gvhd_fold:.1f`-fold in a week, already far above the
# {glue:text}`paper.disc.chimerism_alert`% level the Discussion proposes as a warning sign at one
# week after an infusion. Nothing in her doses stands out: they sit inside the cohort's
# distribution ({doc}`04_response`).
#
# ## What a small series can say about GVHD
#
# ```{admonition} Concept: rare events and the rule of three
# :class: tip
#
# One case in {glue:text}`paper.t2.header.all.n` patients is an estimate of
# {glue:text}`gvhd_pct:.1f`%, but the exact 95% interval runs from {glue:text}`gvhd_lower:.1f`% to
# {glue:text}`gvhd_upper:.1f`%: the data are compatible with GVHD being very rare or affecting
# a sizeable minority. Had no case occurred, the *rule of three* gives a quick one-sided 95% upper bound
# of 3/n = {glue:text}`rule_three:.1f`%. Small series cannot show that a
# serious complication is rare; they can only show that it is not very common.
# ```

# %% tags=["hide-input"]
gvhd_ci = clopper_pearson(int(cohort.patients["gvhd"].sum()), n)
out.record("gvhd_n", int(cohort.patients["gvhd"].sum()))
out.record("gvhd_pct", 100 * gvhd_ci.estimate)
out.record("gvhd_lower", 100 * gvhd_ci.lower)
out.record("gvhd_upper", 100 * gvhd_ci.upper)
out.record("recomputed.abs.gvhd.pct", 100 * gvhd_ci.estimate)
out.record("rule_three", 100 * rule_of_three(n))
summary = [
    {"quantity": "No detectable donor chimerism", "k / n": f"{never}/{n}", "% (exact 95% CI)": ci.as_percent(), "paper": f"{claims.set_index('id').at['res.chimerism_negative.pct', 'printed']}%"},
    {"quantity": "GVHD", "k / n": f"{gvhd_ci.k}/{n}", "% (exact 95% CI)": gvhd_ci.as_percent(), "paper": f"{claims.set_index('id').at['abs.gvhd.pct', 'printed']}%"},
]
numbered_table(pd.DataFrame(summary), "Chimerism and GVHD with exact 95% confidence intervals.", "tab-chimerism-summary")

# %% [markdown]
# ## Exercises
#
# ```{exercise} Below the limit is not zero
# :label: ex-chimerism-zero
#
# Why does `chimerism.csv` leave `donor_chimerism_pct` empty for a result below detection
# instead of writing 0? What would go wrong if a later analysis averaged chimerism values?
# ```
#
# ```{solution} ex-chimerism-zero
# :class: dropdown
#
# Below the limit means "somewhere between 0 and {glue:text}`detection_limit:g`%", not "none".
# Storing 0 would bias any average or model downwards and hide the censoring; analyses of
# left-censored values need methods that treat them as intervals.
# ```
#
# ```{exercise} How many patients to see GVHD?
# :label: ex-chimerism-size
#
# If the true risk of GVHD after MST were {glue:text}`true_risk_pct`%, what is the probability that a series of
# {glue:text}`paper.t2.header.all.n` patients shows no case at all?
# ```
#
# ```{solution} ex-chimerism-size
# :class: dropdown
#
# (1 − {glue:text}`true_risk_pct:g`%) raised to the power {glue:text}`paper.t2.header.all.n` = {glue:text}`p_no_case:.2f`: roughly a {glue:text}`p_no_case_pct:.0f`% chance of
# seeing no GVHD at all.
# ```

# %% tags=["hide-cell"]
true_risk = 0.03
out.record("true_risk_pct", 100 * true_risk)
out.record("p_no_case", (1 - true_risk) ** n)
out.record("p_no_case_pct", 100 * (1 - true_risk) ** n)

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.chimerism(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
