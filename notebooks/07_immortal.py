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
# # Immortal time: does a fourth course help?
#
# ```{admonition} Reconstructed data
# :class: warning
#
# This page runs on a **reconstructed cohort** (see {doc}`02_data`). No row is a real patient.
# The paper prints how many patients had more than three courses, not *when* they had them;
# the course dates here follow the protocol (about three months apart) and are an assumption.
# ```
#
# The paper's highlight is that more than three MST courses "provide much better clinical
# outcomes" (log-rank p {glue:text}`paper.res.courses.os.p` for OS). Its own limitations section
# names the problem: a patient must **survive, and stay in remission, long enough to receive a
# fourth course**. Counting that time in the ">3 courses" group credits the treatment with
# survival that made the treatment possible — *immortal time bias*. This chapter measures the
# association several ways, from the naive comparison to methods that remove the bias, and then
# asks what else stands between the association and an effect of a fourth course.

# %% tags=["parameters"]
claims_path = "../data/published/claims.csv"
cohort_path = "../data/reconstructed"
results_dir = "../_build/results"
seed = 0
landmarks = [5, 6, 7, 8, 9, 12]

# %% tags=["hide-cell"]
import math

import matplotlib.pyplot as plt
import pandas as pd
from myst_nb import glue

from mst_helpers import immortal, survival
from mst_helpers.claims import load_claims
from mst_helpers.cohort import load_cohort
from mst_helpers.plotting import immortal_time_plot, use_house_style
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.tables import numbered_table

use_house_style()

# %%
claims = load_claims(claims_path)
cohort = load_cohort(cohort_path)
glue_claims(claims)
out = ChapterResults("07_immortal", results_dir)
switch = immortal.switch_times(cohort.patients, cohort.courses)
out.record("n_gt3", int(switch.notna().sum()))
out.record("switch_median", float(switch.median()))
out.record("switch_min", float(switch.min()))
out.record("switch_max", float(switch.max()))
fig = immortal_time_plot(cohort.patients, switch, n=10)
glue("fig_immortal_timelines", fig, display=False)
plt.close(fig)

# %% [markdown]
# ## The bias in one picture
#
# ```{glue:figure} fig_immortal_timelines
# :name: fig-immortal-timelines
# :alt: Horizontal timelines from diagnosis for several synthetic patients. Patients with one to three courses are orange bars ending in death within months. Patients with more than three courses have a hatched segment from diagnosis to their fourth infusion, labelled immortal time, followed by a solid blue segment; deaths are marked with crosses.
#
# Timelines of patients with 1–3 courses (orange) and of the shortest-lived patients with more
# than three courses (blue). The hatched part — diagnosis to the fourth infusion, a median of
# {glue:text}`switch_median:.1f` months here — is time in which a ">3 courses" patient could not
# have died *and* remained in that group. The naive analysis counts it as ">3 courses" time.
# ```
#
# The {glue:text}`n_gt3` patients with more than three courses received their fourth infusion
# between {glue:text}`switch_min:.1f` and {glue:text}`switch_max:.1f` months after diagnosis. Every
# patient who died before that — the early deaths, the refractory, the early relapses — is
# counted in the 1–3 group whatever the treatment would have done for them.
#
# ## Four analyses of the same data

# %%
rows = []
for endpoint in ("os", "lfs"):
    frame = survival.analysis_frame(cohort.patients, endpoint)
    naive = survival.cox_univariate(frame).set_index("covariate").loc["courses_gt3"]
    naive_p = survival.log_rank(frame, "courses_gt3").p_value
    rows.append({"endpoint": endpoint.upper(), "method": "(a) naive: >3 vs 1–3 from time zero (biased)", "n": len(frame),
                 "HR": naive["hr"], "lower": naive["lower"], "upper": naive["upper"], "p": naive_p, "p from": "log-rank"})
    cp = immortal.counting_process(cohort.patients, cohort.courses, endpoint)
    td = immortal.time_dependent_cox(cp)
    rows.append({"endpoint": endpoint.upper(), "method": "(c) Cox, courses as time-dependent covariate", "n": len(frame),
                 "HR": td.hr, "lower": td.lower, "upper": td.upper, "p": td.p_value, "p from": "Wald"})
    mb = immortal.mantel_byar(cp)
    rows.append({"endpoint": endpoint.upper(), "method": "(d) Mantel–Byar test", "n": len(frame),
                 "HR": math.nan, "lower": math.nan, "upper": math.nan, "p": mb.p_value, "p from": f"χ² = {mb.statistic:.2f}"})
    out.record(f"naive.{endpoint}.hr", naive["hr"])
    out.record(f"naive.{endpoint}.p", naive_p)
    for key, value in (("hr", td.hr), ("lower", td.lower), ("upper", td.upper), ("p", td.p_value)):
        out.record(f"td.{endpoint}.{key}", value)
    for key in ("statistic", "p_value", "observed", "expected"):
        out.record(f"mantel_byar.{endpoint}.{key.replace('p_value', 'p')}", getattr(mb, key))

# Confounding and reverse causation (OS): adjust for the age group, then add relapse as a
# time-dependent covariate (courses stop at relapse).
cp_relapse = immortal.counting_process(cohort.patients, cohort.courses, "os", relapse=True)
for label, adjust in (("age", ("older",)), ("age_relapse", ("older", "relapsed"))):
    fit = immortal.time_dependent_cox(cp_relapse, adjust)
    what = "age group" if label == "age" else "age group and relapse (time-dependent)"
    rows.append({"endpoint": "OS", "method": f"(c′) time-dependent Cox adjusted for {what}", "n": len(frame),
                 "HR": fit.hr, "lower": fit.lower, "upper": fit.upper, "p": fit.p_value, "p from": "Wald"})
    for key, value in (("hr", fit.hr), ("lower", fit.lower), ("upper", fit.upper), ("p", fit.p_value)):
        out.record(f"td.os.{label}.{key}", value)
cr = cohort.patients[cohort.patients["cr"] == 1]
few = cr[cr["mst_courses"] <= 3]
out.record("cr.n_le3", len(few))
out.record("cr.n_le3_older", int((few["age_group"] == ">70").sum()))
out.record("cr.n_le3_relapsed", int((few["relapse"] == 1).sum()))
methods = pd.DataFrame(rows).sort_values(["endpoint", "method"], ascending=[False, True], kind="stable")


def fmt_hr(r):
    if r["method"].startswith("(d)"):
        return "– (a test, no HR)"
    return "not estimable" if math.isnan(r["HR"]) else f"{r['HR']:.2f} ({r['lower']:.2f}–{r['upper']:.2f})"


methods_shown = methods.assign(**{"HR (95% CI)": methods.apply(fmt_hr, axis=1), "p": methods["p"].map(lambda p: "–" if math.isnan(p) else f"{p:.2g}")})
numbered_table(methods_shown[["endpoint", "method", "n", "HR (95% CI)", "p", "p from"]],
               "The '>3 courses' association by several methods (HR < 1: lower hazard with >3 courses). "
               "(a) is the paper's analysis and is biased by immortal time.", "tab-immortal-methods")

# %%
landmark_table = immortal.sequential_landmarks(cohort.patients, cohort.courses, landmarks, "os")
for r in landmark_table.itertuples():
    for key in ("n", "n_exposed", "n_unexposed", "events_exposed", "events_unexposed"):
        out.record(f"landmark.os.{r.landmark}.{key}", int(getattr(r, key)))
    for key in ("hr", "lower", "upper", "logrank_p", "exact_p"):
        if not math.isnan(getattr(r, key)):
            out.record(f"landmark.os.{r.landmark}.{key}", float(getattr(r, key)))
first_after = int(landmark_table.loc[landmark_table["after_window"], "landmark"].min())
out.record("landmark.first_after_window", first_after)
landmark_shown = pd.DataFrame({
    "landmark (months)": landmark_table["landmark"],
    "after the last fourth course": landmark_table["after_window"].map({True: "yes", False: "no — inside the window"}),
    "> 3 courses by then: n (deaths)": [f"{a} ({b})" for a, b in zip(landmark_table["n_exposed"], landmark_table["events_exposed"])],
    "≤ 3 courses: n (deaths)": [f"{a} ({b})" for a, b in zip(landmark_table["n_unexposed"], landmark_table["events_unexposed"])],
    "HR (95% CI)": [("—" if math.isnan(h) else f"{h:.2f} ({lo:.2f}–{hi:.2f})") for h, lo, hi in
                    zip(landmark_table["hr"], landmark_table["lower"], landmark_table["upper"])],
    "log-rank p (asymptotic)": landmark_table["logrank_p"].map(lambda p: "—" if math.isnan(p) else f"{p:.2g}"),
    "exact permutation p": [("—" if math.isnan(p) else f"{p:.3g} (of {n} labellings)") for p, n in
                            zip(landmark_table["exact_p"], landmark_table["labellings"])],
})
numbered_table(landmark_shown, "Landmark analyses of OS by '>3 courses' across and after the window in which fourth "
               "courses are given. '—': no HR when a group has no death or fewer than two patients; an exact "
               "p only when a group has fewer than 5 patients.", "tab-immortal-landmarks")

# %% [markdown]
# **(a) Naive.** Patients are classified by the courses they *eventually* received and followed
# from diagnosis: HR {glue:text}`naive.os.hr:.2f` for death (log-rank p {glue:text}`naive.os.p:.1e`),
# the paper's analysis. It is biased: every ">3 courses" patient was, by definition, alive for
# the months before the fourth infusion.
#
# **(b) Landmarks.** Only patients still alive at the landmark are kept, classified by the courses
# received *by* the landmark, and followed from there ({numref}`tab-immortal-landmarks`). Where the
# landmark falls decides what is compared. Fourth courses were given between
# {glue:text}`switch_min:.1f` and {glue:text}`switch_max:.1f` months. A landmark inside that window
# compares *early* with *later* fourth courses: at 6 months only {glue:text}`landmark.os.6.n_exposed`
# of {glue:text}`landmark.os.6.n` survivors had one, most of the others received it within weeks, and
# the interval (HR {glue:text}`landmark.os.6.hr:.2f`, {glue:text}`landmark.os.6.lower:.2f`–{glue:text}`landmark.os.6.upper:.2f`)
# is too wide to say anything. The first landmark after the window,
# {glue:text}`landmark.first_after_window` months, compares patients who had a fourth course with the
# {glue:text}`landmark.os.8.n_unexposed` survivors who never did: HR {glue:text}`landmark.os.8.hr:.3f`
# ({glue:text}`landmark.os.8.lower:.3f`–{glue:text}`landmark.os.8.upper:.2f`), exact permutation p
# {glue:text}`landmark.os.8.exact_p:.4f`. Later landmarks leave a single comparator (at 12 months
# the asymptotic log-rank p is {glue:text}`landmark.os.12.logrank_p:.1e`, but the exact p is
# {glue:text}`landmark.os.12.exact_p:.3f`: with one patient in a group the asymptotic test means
# nothing). A landmark removes immortal time and nothing else.
#
# **(c) Time-dependent Cox.** Each patient contributes time to "≤3 courses" until the fourth
# infusion and to ">3 courses" afterwards; no time is misattributed. Unadjusted, the hazard ratio
# is {glue:text}`td.os.hr:.2f` ({glue:text}`td.os.lower:.2f`–{glue:text}`td.os.upper:.2f`). Adjusted
# for the age group it is {glue:text}`td.os.age.hr:.2f` ({glue:text}`td.os.age.lower:.2f`–{glue:text}`td.os.age.upper:.2f`):
# the older patients receive fewer courses *and* die sooner — among the patients in CR,
# {glue:text}`cr.n_le3_older` of the {glue:text}`cr.n_le3` with three courses or fewer are over 70.
# With relapse as a second time-dependent covariate it is {glue:text}`td.os.age_relapse.hr:.2f`
# ({glue:text}`td.os.age_relapse.lower:.2f`–{glue:text}`td.os.age_relapse.upper:.2f`).
#
# **(d) Mantel–Byar.** The log-rank test with the same time-dependent groups
# {cite:p}`mantel1974`: {glue:text}`mantel_byar.os.observed:.0f` deaths occurred in the ">3" state
# where {glue:text}`mantel_byar.os.expected:.1f` were expected under no association, χ² =
# {glue:text}`mantel_byar.os.statistic:.1f` (p {glue:text}`mantel_byar.os.p:.1e`).
#
# ## What survives, and why
#
# Removing immortal time leaves an association (the landmark after the window and the
# unadjusted time-dependent model). It does not leave a treatment effect. Two further biases act
# in the same direction, and the computed numbers show each:
#
# - **Confounding by age.** Adjusting for the age group moves the time-dependent hazard ratio from
#   {glue:text}`td.os.hr:.2f` to {glue:text}`td.os.age.hr:.2f`, with an interval that reaches
#   {glue:text}`td.os.age.upper:.2f`.
# - **Reverse causation.** In the protocol, relapse is "therapy failure": a patient who relapses
#   gets no further MST course, so deaths after relapse are recorded in the "≤3 courses" state
#   because the disease progressed. With relapse in the model the hazard ratio is
#   {glue:text}`td.os.age_relapse.hr:.2f`, its interval {glue:text}`td.os.age_relapse.lower:.2f`–{glue:text}`td.os.age_relapse.upper:.2f`
#   compatible with anything from a large benefit to a large harm. (Relapse is on the path
#   from courses to death if courses prevent relapse, so this model answers a different question:
#   is there an association *beyond* preventing relapse? It is shown as a bound on what the data
#   can separate, not as the answer.)
#
# On this reconstructed cohort, then, the data cannot separate an effect of a fourth course from
# the age of the patients who receive it and from relapse stopping the courses. The course dates
# are themselves an assumption of the reconstruction (see the box at the top).
#
# ## The trial the question needs
#
# The question the paper asks — would a fourth course help a patient alive in remission after
# the third? — is a question about a trial. Written out as a protocol and *emulated* with
# observational data, the target trial is:
#
# | element | specification |
# | --- | --- |
# | eligibility | alive, in first CR, after the third MST course |
# | time zero | the day eligibility is met (the third course) — the same for both arms |
# | strategies | start a fourth course within a grace period (covering the observed window of fourth courses) vs never start one |
# | assignment | each eligible patient is *cloned* into both arms; a clone is censored when its patient deviates from its arm |
# | outcome and follow-up | death (OS) from time zero to the cut-off |
# | analysis | inverse-probability-of-censoring weights for the artificial censoring, modelled on age group and relapse |
# | estimand | the difference in survival had everyone vs no one received a fourth course (per-protocol effect) |
#
# Its weak point here is **positivity**: among the patients in CR, only
# {glue:text}`cr.n_le3` never received a fourth course; {glue:text}`cr.n_le3_relapsed` of them relapsed
# and {glue:text}`cr.n_le3_older` are over 70. A comparator arm that small, and that different,
# leaves the weights to extrapolate: the emulation can be written down, but on these data its
# estimate would rest on a handful of patients.
#
# ```{admonition} Concept: immortal time
# :class: tip
#
# Immortal time is follow-up during which, by the definition of the exposure group, the outcome
# cannot occur. It arises whenever a group is defined by something that happens *after* time
# zero (receiving a fourth course, a transplant, a drug refill). A landmark placed after the
# exposure window, time-dependent covariates, or a target-trial emulation remove it; none of
# them removes confounding or reverse causation.
# ```
#
# ## Exercises
#
# ```{exercise} Spot the immortal time
# :label: ex-immortal-spot
#
# A study compares survival of AML patients who did and did not receive allogeneic
# transplantation, with survival measured from diagnosis. Where is the immortal time, and which
# group does it favour?
# ```
#
# ```{solution} ex-immortal-spot
# :class: dropdown
#
# The time from diagnosis to transplant is immortal for transplanted patients: they had to
# survive it to be transplanted. It favours the transplant group.
# ```
#
# ```{exercise} Place a landmark
# :label: ex-immortal-landmark
#
# Using {numref}`tab-immortal-landmarks`, explain why the 6-month landmark does not compare
# "a fourth course" with "no fourth course", which landmark does, and why the 12-month row's
# asymptotic p should not be reported.
# ```
#
# ```{solution} ex-immortal-landmark
# :class: dropdown
#
# Fourth courses were given up to {glue:text}`switch_max:.1f` months, so at 6 months most
# "≤ 3" patients are still waiting for theirs: the comparison is early vs later fourth course.
# The first landmark after the window, {glue:text}`landmark.first_after_window` months, compares
# patients who had one with those who never did. At 12 months the "≤ 3" group has
# {glue:text}`landmark.os.12.n_unexposed` patient(s): the asymptotic p relies on large-sample
# theory that one patient cannot supply; the exact permutation p
# ({glue:text}`landmark.os.12.exact_p:.3f`) is what the data can say.
# ```
#
# ```{exercise} Why the naive analysis favours the treatment
# :label: ex-immortal-naive
#
# Name three reasons, each visible in this chapter's numbers, why the naive comparison makes a
# fourth course look protective even if it did nothing.
# ```
#
# ```{solution} ex-immortal-naive
# :class: dropdown
#
# Immortal time (">3 courses" patients had to survive to their fourth infusion: the naive HR
# {glue:text}`naive.os.hr:.2f` becomes {glue:text}`td.os.hr:.2f` with courses as a time-dependent
# covariate); confounding by age (the older patients get fewer courses: adjusted HR
# {glue:text}`td.os.age.hr:.2f`); reverse causation (relapse stops courses and causes deaths:
# adjusted for relapse too, HR {glue:text}`td.os.age_relapse.hr:.2f` with a wide interval).
# ```
#
# ```{exercise} Read the target trial
# :label: ex-immortal-trial
#
# In the target-trial table, why must time zero be the same for both arms, and what goes wrong
# if the "no fourth course" arm starts at diagnosis instead?
# ```
#
# ```{solution} ex-immortal-trial
# :class: dropdown
#
# If the arms start at different times, one of them is credited with survival before its start:
# immortal time again. Starting the comparator at diagnosis would add the early deaths — patients
# who could never have been eligible for a fourth course — to the "no fourth course" arm.
# ```

# %%
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
