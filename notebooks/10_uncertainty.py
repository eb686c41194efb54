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
# # How much does the reconstruction matter, and what could any cohort give?
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
# This page runs on **many reconstructed cohorts**: each meets every target of {doc}`02_data`,
# none is a real patient.
# ```
#
# Every chapter so far ran on one reconstructed cohort (seed 0). Two different questions follow.
# **How much does *our* reconstruction matter?** Rebuilding {glue:text}`n_cohorts` cohorts with
# other seeds of the same generator measures the generator's variability — nothing more: its
# fixed choices (when chemotherapy starts, where relapses fall) decide what its samples can show.
# **What could *any* cohort consistent with the paper give?** That needs the attainable range of
# each printed test over every cohort the printed numbers allow, with a real cohort (a
# *witness*) at each end. The second half of this chapter computes it.

# %% tags=["parameters", "remove-cell"]
claims_path = "../data/published/claims.csv"
results_dir = "../_build/results"
seed = 1
n_cohorts = 200
n_jobs = 2
witness_dir = "../_build/attainability"

# %% tags=["hide-cell"]

from mst_helpers import bottom_line
from mst_helpers.claims import load_claims
from mst_helpers import attainability
from mst_helpers.formatting import format_magnitude, format_p_range
from mst_helpers.plotting import attainability_plot, uncertainty_plot, use_house_style
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.tables import numbered_table
from mst_helpers.uncertainty import LANDMARKS, run, summarise

use_house_style()
LABELS = {
    "logrank_os_age": "OS by age (log-rank)", "logrank_lfs_age": "LFS by age (log-rank)",
    "logrank_os_courses": "OS by courses (log-rank)", "logrank_lfs_courses": "LFS by courses (log-rank)",
    "gray_relapse_dx": "relapse by age, from diagnosis (Gray)", "gray_nrm_dx": "NRM by age, from diagnosis (Gray)",
    "gray_relapse_cr": "relapse by age, from CR (Gray)", "gray_nrm_cr": "NRM by age, from CR (Gray)",
    "gray_relapse_dx_all": "relapse by age, from diagnosis, all deaths competing (Gray)",
    "gray_nrm_dx_all": "NRM by age, from diagnosis, all deaths competing (Gray)",
    "mannwhitney_mnc": "MNC dose by age (Mann–Whitney)", "mannwhitney_cd34": "CD34⁺ dose by age (Mann–Whitney)",
    "mannwhitney_cd3": "CD3⁺ dose by age (Mann–Whitney)", "pearson_sex_match": "donor/patient sex (chi-square)",
    "landmark_os_courses_p": "OS by courses, landmark after the last fourth course",
    "cox_os_age_hr": "OS: age > 70", "cox_os_donor_age_hr": "OS: donor age (per year)",
    "cox_os_courses_hr": "OS: > 3 courses (naive)", "td_cox_os_courses_hr": "OS: > 3 courses (time-dependent)",
}

# %% tags=["hide-input"]
claims = load_claims(claims_path)
glue_claims(claims)
out = ChapterResults("10_uncertainty", results_dir)
out.record("n_cohorts", n_cohorts)
table = run(range(seed, seed + n_cohorts), n_jobs=n_jobs, progress=False)
summary = summarise(table, claims)
for _, row in summary.iterrows():
    out.record(f"{row['check']}.median", row["median"])
    out.record(f"{row['check']}.low", row["low"])
    out.record(f"{row['check']}.high", row["high"])
    if row["kind"] == "p":
        out.show(f"{row['check']}.range", format_p_range(row["low"], row["high"]))
        out.record(f"{row['check']}.share_significant", 100 * row["share_significant"])
        if row["share_matching_printed"] == row["share_matching_printed"]:
            out.record(f"{row['check']}.share_matching", 100 * row["share_matching_printed"])
fig = uncertainty_plot(table, summary, LABELS)
out.figure("fig_uncertainty", fig)

# %% [markdown]
# ```{glue:figure} fig_uncertainty
# :name: fig-uncertainty
# :alt: Two dot plots on logarithmic axes. Left, one row per p-value check with a cloud of blue dots for the reconstructed cohorts, a vermillion bar at the printed value and a dashed line at 0.05: the printed log-rank and Gray p-values for age lie far to the right of their clouds. Right, hazard ratios across cohorts for age, donor age and courses, naive and time-dependent.
#
# Each check across {glue:text}`n_cohorts` reconstructed cohorts (blue dots), against the value
# printed in the paper (vermillion). Left: p-values, with the 0.05 line; right: hazard ratios.
# ```

# %% tags=["hide-input"]
shown = summary.assign(
    check=summary["check"].map(LABELS),
    **{"median (2.5–97.5%)": [f"{format_magnitude(m)} ({format_magnitude(lo)}–{format_magnitude(hi)})" for m, lo, hi in zip(summary["median"], summary["low"], summary["high"])],
       "significant in": [("–" if s != s else f"{100 * s:.0f}%") for s in summary["share_significant"]],
       "matches printed in": [("–" if s != s else f"{100 * s:.0f}%") for s in summary["share_matching_printed"]]})
numbered_table(shown[["check", "printed", "median (2.5–97.5%)", "significant in", "matches printed in"]],
               "Checks across reconstructed cohorts: median and 95% range, share of cohorts with p < 0.05, share reproducing the printed value.",
               "tab-uncertainty")
out.record("landmarks", ", ".join(map(str, LANDMARKS[:-1])) + f" and {LANDMARKS[-1]}")
low, high = int(table["landmark_months"].min()), int(table["landmark_months"].max())
out.record("landmark_months.text", f"{low} months in every seed" if low == high else f"from {low} to {high} months")

# %% [markdown]
# The landmark check uses, in each cohort, the first of the landmarks {glue:text}`landmarks`
# months that falls after its last fourth course, as chapter 7 does (across the seeds:
# {glue:text}`landmark_months.text`), so no patient whose fourth course comes later is counted as
# having had three or fewer.
#
# ## How much does our reconstruction matter?
#
# Across the {glue:text}`n_cohorts` seeds the log-rank p for OS by age has 2.5–97.5% quantiles
# {glue:text}`logrank_os_age.range` (the printed
# {glue:text}`paper.abs.os.p` is matched in {glue:text}`logrank_os_age.share_matching:.0f`% of
# them), LFS by age {glue:text}`logrank_lfs_age.range`
# ({glue:text}`logrank_lfs_age.share_matching:.0f`% match {glue:text}`paper.abs.lfs.p`). These are
# quantiles of one generator's output, not limits of what the paper allows: the next section
# shows cohorts that meet every target and lie far outside them.
#
# - Patients over 70 fare worse: OS p < 0.05 in {glue:text}`logrank_os_age.share_significant:.0f`% of
#   the seeds, and — below — in every cohort the printed counts allow that we examined: over all
#   tie-free orderings (enumerated exactly) p is at most
#   {glue:text}`attainable.abs.os.p.from_diagnosis.relaxed.tie_free.max:.4f`, and the search over
#   orderings with tied death days reached {glue:text}`attainable.abs.os.p.from_diagnosis.max:.4f`
#   (a search, so a lower bound on what ties allow).
# - The naive ">3 courses" association is significant in {glue:text}`logrank_os_courses.share_significant:.0f`%
#   of seeds and the time-dependent hazard ratio has median {glue:text}`td_cox_os_courses_hr.median:.2f`
#   (quantiles {glue:text}`td_cox_os_courses_hr.low:.2f`–{glue:text}`td_cox_os_courses_hr.high:.2f`).
#   A hazard ratio below 1 in every seed is partly built into the generator (it stops courses at
#   relapse and places the younger group's early relapse after the fourth course), so it is no
#   evidence that a fourth course helps; {doc}`07_immortal` discusses what the data can say.
# - No dose difference between age groups appears often (Mann–Whitney significant in
#   {glue:text}`mannwhitney_cd34.share_significant:.0f`% of seeds for CD34⁺, the closest).
#
# ## What could any cohort consistent with the paper give?
#
# Log-rank and Gray's tests depend on the survival times only through their order: which
# group's event comes first, and which fall on the same day. The printed counts fix how many
# events of each kind each group has inside each landmark interval (early deaths, deaths and
# relapses before 1, 3 and 5 years, the median OS of 20 months); they leave the order *inside* an
# interval free. `mst_helpers.attainability` turns this into three nested search spaces:
#
# - **landmark**: each group's events anywhere inside their landmark intervals — every cohort that
#   meets the targets lies in it, so a printed value outside its exact range would be proven
#   unattainable;
# - **relaxed**: the orders a cohort in the book's data model can realise while meeting every
#   target, with the loosest timing (chemotherapy up to {glue:text}`rules.relaxed.delay` days
#   after diagnosis, consolidation courses {glue:text}`rules.relaxed.gap` days apart);
# - **protocol**: the same with the paper's Methods (chemotherapy within
#   {glue:text}`rules.protocol.delay` days, courses about three months — at least
#   {glue:text}`rules.protocol.gap` days — apart).
#
# For the log-rank tests every order without tied days is enumerated (dynamic programming over
# the events left in each class: {glue:text}`attainable.abs.os.p.from_diagnosis.landmark.orderings`
# orders in the landmark space for OS), so those ranges are exact over tie-free orders. Tied days
# matter too — they are ordinary when times are recorded in months, as the paper reports them — but
# enumerating them exhaustively costs minutes, so a seeded local search that merges and splits ties,
# started from the exact ends, widens each range; an end it moves is a search bound. Gray's test and
# the Cox model do not decompose; their ranges come from the same search, so a searched maximum is a
# *lower bound* on the maximum. Every end of every range in the relaxed and protocol spaces is
# realised as a cohort (its four files under `_build/attainability/`), read back through the cohort
# schema and checked against every target; a witness that missed one would stop the build.
# Because the spaces are nested, the range reported for the loosest timing holds every cohort
# found in any space: where the protocol's search (or a reconstruction seed) reached further than
# the relaxed search, that end is reported and the method says so.

# %% tags=["hide-input"]
attainable, attainable_summary = attainability.run(claims, witness_dir, table)
for key, value in attainable.items():
    out.record(key, value)
for name, rules in (("relaxed", attainability.RELAXED), ("protocol", attainability.PROTOCOL)):
    out.record(f"rules.{name}.delay", rules.max_chemo_delay)
    out.record(f"rules.{name}.gap", rules.min_consolidation_gap)
ATTAINABILITY_LABELS = {
    "abs.os.p": "OS by age (log-rank)", "abs.lfs.p": "LFS by age, from CR (log-rank)",
    "abs.lfs.p@from_diagnosis": "LFS by age, from diagnosis, all 29 (log-rank)",
    "abs.relapse.p@from_cr": "relapse by age, from CR (Gray)",
    "abs.relapse.p@from_diagnosis": "relapse by age, from diagnosis, all deaths competing (Gray)",
    "abs.nrm.p@from_cr": "NRM by age, from CR (Gray)", "abs.nrm.p@from_diagnosis": "NRM by age, from diagnosis, all deaths competing (Gray)",
    "abs.courses.os.p": "OS by > 3 courses (log-rank)", "abs.courses.lfs.p": "LFS by > 3 courses (log-rank)",
}
fig = attainability_plot(attainable_summary, table, {**attainability.SEED_COLUMNS,
                         "abs.courses.os.p": "logrank_os_courses", "abs.courses.lfs.p": "logrank_lfs_courses"},
                         ATTAINABILITY_LABELS)
out.figure("fig_attainability", fig)

# %% [markdown]
# ```{glue:figure} fig_attainability
# :name: fig-attainability
# :alt: One row per printed test on a logarithmic p-value axis. A wide grey bar shows the range attainable with the loosest timing, a thin blue bar the range under the protocol's timing, black dots the reconstruction seeds, and a vermillion tick the printed value. For OS by age the printed value lies inside the grey bar but beyond the blue one.
#
# Attainable p-values of each printed test over cohorts that meet every target: loosest timing
# (grey), protocol timing (blue), the reconstruction seeds (dots), the printed value (vermillion).
# ```

# %% tags=["hide-input"]
shown = attainable_summary.assign(
    test=attainable_summary["statistic"].map(ATTAINABILITY_LABELS),
    **{"attainable (loosest timing)": [attainability.format_range(lo, hi) for lo, hi in zip(attainable_summary["min"], attainable_summary["max"])],
       "attainable (protocol)": [attainability.format_range(lo, hi) for lo, hi in zip(attainable_summary["protocol_min"], attainable_summary["protocol_max"])]})
shown = shown[shown["test"].notna()]
numbered_table(shown[["test", "printed", "attainable (loosest timing)", "attainable (protocol)", "method", "verdict"]],
               "Attainable ranges of the printed tests over cohorts that meet every reconstruction target.",
               "tab-attainability")

# %% [markdown]
# **Verdicts.** A verdict is *attainable* when a witness under the protocol's timing prints the
# paper's value, *attainable only at the extreme* when only a witness with the loosest timing
# does, *unattainable* only when the value lies outside an exhaustive range of the landmark
# space, and *undetermined* otherwise.
#
# - **OS by age** ({glue:text}`paper.abs.os.p`): *{glue:text}`attainable.abs.os.p.verdict`*:
#   {glue:text}`attainable.abs.os.p.from_diagnosis.sentence`.
# - **LFS by age** ({glue:text}`paper.abs.lfs.p`), from CR over the patients in CR (the Methods):
#   *{glue:text}`attainable.abs.lfs.p.from_cr.verdict`*, {glue:text}`attainable.abs.lfs.p.from_cr.sentence`.
#   From diagnosis over all 29 patients (how Table 2 counts LFS):
#   *{glue:text}`attainable.abs.lfs.p.from_diagnosis.verdict`*, {glue:text}`attainable.abs.lfs.p.from_diagnosis.sentence`.
# - **Relapse by age** ({glue:text}`paper.abs.relapse.p`), timed from diagnosis over all patients
#   with every death without relapse as a competing event — the framework the printed fractions
#   imply: *{glue:text}`attainable.abs.relapse.p.from_diagnosis.verdict`*,
#   {glue:text}`attainable.abs.relapse.p.from_diagnosis.sentence`. Timed from CR (the Methods):
#   *{glue:text}`attainable.abs.relapse.p.from_cr.verdict`*, {glue:text}`attainable.abs.relapse.p.from_cr.sentence`.
# - **NRM by age** ({glue:text}`paper.abs.nrm.p`) from diagnosis:
#   *{glue:text}`attainable.abs.nrm.p.from_diagnosis.verdict`*, {glue:text}`attainable.abs.nrm.p.from_diagnosis.sentence`;
#   from CR: *{glue:text}`attainable.abs.nrm.p.from_cr.verdict`*, {glue:text}`attainable.abs.nrm.p.from_cr.sentence`.
# - **> 3 courses** ({glue:text}`paper.abs.courses.os.p`): *{glue:text}`attainable.abs.courses.os.p.verdict`*
#   for OS and *{glue:text}`attainable.abs.courses.lfs.p.verdict`* for LFS, by reconstruction seeds
#   (the order model above compares age groups only).
# - The univariate Cox hazard ratio for age over 70 (OS) ranges over at least
#   {glue:text}`attainable.cox.os.age.hr.from_diagnosis.min:.1f`–{glue:text}`attainable.cox.os.age.hr.from_diagnosis.max:.1f`
#   (search); the paper prints none.
#
# The space is conditional on stated choices: the outcome skeleton the printed counts imply
# ({doc}`02_data`), patients alive at last contact followed to the cut-off, and, for the
# realisable spaces, the generator's treatment of everything not listed above.
#
# ```{note}
# The {glue:text}`n_cohorts` cohorts are computed in parallel ({glue:text}`n_jobs` processes) and,
# like every chapter, re-executed only when the helpers, the registry or this notebook change.
# ```

# %% tags=["hide-cell"]
out.record("n_jobs", n_jobs)

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.uncertainty(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
