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

# %% [markdown] tags=["paper"]
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
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

# %% [markdown] tags=["own-data"]
# A patient must survive, and stay in remission, long enough to receive a fourth course.
# Comparing ">3 courses" with "1–3 courses" from diagnosis counts that time as if the courses
# had bought it: **immortal time bias**. With `courses.csv` this chapter compares the naive
# analysis with a time-dependent Cox model and the Mantel–Byar test on your cohort; with
# `patients.csv` alone it shows where your patients are over time (a multi-state model).

# %% tags=["parameters", "remove-cell"]
claims_path = "../data/published/claims.csv"
cohort_path = "../data/reconstructed"
results_dir = "../_build/results"
seed = 0
landmarks = [5, 6, 7, 8, 9, 12]
grace = None          # months after the third course to start a fourth; None: the next half month above the largest observed gap
trial_horizon = 12    # months after the third course at which the emulated arms are compared
n_boot = 500
# Your own cohort (see "The cohort contract" in data/README.md): the patients.csv column that
# defines the groups (when it is absent, ages are split at age_cut), and an optional end of
# follow-up ("YYYY-MM-DD": later events are censored there). edition is set by the runner.
group_column = "age_group"
age_cut = 70
cutoff_date = ""
edition = "paper"

# %% tags=["hide-cell"]
import math

import pandas as pd
from IPython.display import Markdown, display

from mst_helpers import bottom_line, immortal, multistate, survival, target_trial
from mst_helpers.claims import load_claims
from mst_helpers.cohort import group_order, load_cohort, section_plan, with_groups
from mst_helpers.editions import check_edition
from mst_helpers.formatting import format_count, format_hr_ci, format_p
from mst_helpers.plotting import group_styles, immortal_time_plot, use_house_style
from mst_helpers.plotting.causal import emulated_trial_plot, state_occupation_plot
from mst_helpers.results import ChapterResults, glue_claims
from mst_helpers.tables import numbered_table, plain_table

use_house_style()

# %% tags=["hide-input"]
check_edition(edition, cohort_path, "07_immortal")
cohort = with_groups(load_cohort(cohort_path, cutoff_date or None), group_column, age_cut)
out = ChapterResults("07_immortal", results_dir, display=edition == "own")
order = group_order(cohort.patients[group_column])
group_labels, group_colours = group_styles(order)

# %% tags=["own-data", "hide-input"]
runs, skipped = section_plan(cohort, {"Four analyses of \"> 3 courses\"": ("courses",)})
display(Markdown(f"**Your cohort** (`{cohort_path}`): {len(cohort.patients)} patients in {len(order)} groups of "
                 f"`{group_column}` ({', '.join(group_labels[g] for g in order)}). {skipped}"))

# %% tags=["own-data", "hide-input"]
if runs["Four analyses of \"> 3 courses\""]:
    rows = []
    for endpoint in ("os", "lfs"):
        frame = survival.analysis_frame(cohort.patients, endpoint, group_column)
        frame["courses_gt3"] = frame["patient_id"].map(cohort.courses.groupby("patient_id").size()).fillna(0).gt(3).astype(int)
        if frame["courses_gt3"].nunique() < 2:
            continue
        naive = survival.cox_univariate(frame, {"courses_gt3": "> 3 courses"}).iloc[0]
        naive_p = survival.log_rank(frame, "courses_gt3").p_value
        cp = immortal.counting_process(cohort.patients, cohort.courses, endpoint)
        td = immortal.time_dependent_cox(cp)
        mb = immortal.mantel_byar(cp)
        out.record(f"naive.{endpoint}.hr", naive["hr"])
        out.record(f"naive.{endpoint}.p", naive_p)
        for key, value in (("hr", td.hr), ("lower", td.lower), ("upper", td.upper), ("p", td.p_value)):
            out.record(f"td.{endpoint}.{key}", value)
        out.record(f"mantel_byar.{endpoint}.statistic", mb.statistic)
        out.record(f"mantel_byar.{endpoint}.p", mb.p_value)
        rows += [{"endpoint": endpoint.upper(), "method": "naive: > 3 vs 1–3 courses from time zero (biased)",
                  "HR (95% CI)": f"{naive['hr']:.2f} ({naive['lower']:.2f}–{naive['upper']:.2f})", "p": format_p(naive_p) + " (log-rank)"},
                 {"endpoint": endpoint.upper(), "method": "Cox, courses as a time-dependent covariate (from the fourth infusion)",
                  "HR (95% CI)": f"{td.hr:.2f} ({td.lower:.2f}–{td.upper:.2f})", "p": format_p(td.p_value) + " (Wald)"},
                 {"endpoint": endpoint.upper(), "method": "Mantel–Byar test", "HR (95% CI)": "–",
                  "p": f"{format_p(mb.p_value)} (χ² = {mb.statistic:.2f})"}]
    display(plain_table(pd.DataFrame(rows), "The \"> 3 courses\" comparison with and without immortal time "
                        "(R: coxph(Surv(tstart, tstop, event) ~ gt3)). The time-dependent model removes the immortal time, not "
                        "the confounding by fitness or the reverse causation of relapse (courses stop at relapse)."))

# %% [markdown] tags=["own-data"]
# ## Where the patients are: a multi-state model
#
# Every patient starts in induction at diagnosis, reaches complete remission (CR) or dies, and
# from CR relapses or dies; a relapsed patient can die. The Aalen–Johansen estimator gives the
# probability of being in each state at each time (R: `survfit(Surv(tstart, tstop, state) ~ group,
# id = patient_id)`).

# %% tags=["own-data", "hide-input"]
try:
    stays = multistate.transitions(cohort.patients, group_column)
except ValueError as err:   # two transitions on one day: no continuous-time estimator can place them
    display(Markdown(f"*The multi-state model is skipped:* {err}. Record the dates a day apart, or as one event."))
else:
    occupation = multistate.aalen_johansen(stays)
    table = multistate.occupation_at(occupation, [6, 12, 36])
    for r in table.itertuples():
        out.record(f"ms.{r.group}.{r.state}.{int(r.time)}", 100 * r.probability)
    out.figure("fig_immortal_states", state_occupation_plot(occupation, group_labels))
    shown = table.assign(probability=(100 * table["probability"]).round(1)).pivot_table(
        index=["group", "time"], columns="state", values="probability").reset_index()
    shown = shown[["group", "time", *[s for s in multistate.STATES if s in shown.columns]]].rename(columns={"time": "months"})
    shown["group"] = shown["group"].map(group_labels)
    display(plain_table(shown, "Probability (%) of being in each state 6, 12 and 36 months after diagnosis (Aalen–Johansen)."))

# %% tags=["own-data", "remove-cell"]
display(Markdown("**Bottom line.** " + bottom_line.immortal_own(out.values)))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")

# %% tags=["paper", "hide-input"]
claims = load_claims(claims_path)
glue_claims(claims)
switch = immortal.switch_times(cohort.patients, cohort.courses)
out.record("n_gt3", int(switch.notna().sum()))
out.record("switch_median", float(switch.median()))
out.record("switch_min", float(switch.min()))
out.record("switch_max", float(switch.max()))
fig = immortal_time_plot(cohort.patients, switch, n=10)
out.figure("fig_immortal_timelines", fig)

# %% [markdown] tags=["paper"]
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

# %% tags=["paper", "hide-input"]
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
    for key in ("statistic", "p_value", "observed", "expected", "variance"):
        out.record(f"mantel_byar.{endpoint}.{key.replace('p_value', 'p')}", getattr(mb, key))
    # A death shared evenly between the two states carries variance 1/4: the test's information in deaths.
    balanced = mb.variance / 0.25
    out.record(f"mantel_byar.{endpoint}.caveat",
               f"Its variance is {mb.variance:.2f}, the information of about {balanced:.0f} "
               f"{'death' if round(balanced) == 1 else 'deaths'} shared evenly between the states — at most deaths "
               "nearly everyone at risk was in the same state — so the χ² approximation, and this p, are unreliable."
               if balanced < 10 else f"Its variance is {mb.variance:.2f}.")

# Confounding and reverse causation (OS): adjust for the age group, then add relapse as a
# time-dependent covariate (courses stop at relapse).
cp_relapse = immortal.counting_process(cohort.patients, cohort.courses, "os", relapse=True)
for label, adjust in (("age", ("older",)), ("age_relapse", ("older", "relapsed"))):
    fit = immortal.time_dependent_cox(cp_relapse, adjust)
    what = "age group" if label == "age" else "age group and relapse (time-dependent)"
    rows.append({"endpoint": "OS", "method": f"(c′) time-dependent Cox adjusted for {what}", "n": cp_relapse["patient_id"].nunique(),
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
    return "not estimable" if math.isnan(r["HR"]) else format_hr_ci(r["HR"], r["lower"], r["upper"])


methods_shown = methods.assign(**{"HR (95% CI)": methods.apply(fmt_hr, axis=1), "p": methods["p"].map(format_p)})
numbered_table(methods_shown[["endpoint", "method", "n", "HR (95% CI)", "p", "p from"]],
               "The '>3 courses' association by several methods (HR < 1: lower hazard with >3 courses). "
               "(a) is the paper's analysis and is biased by immortal time.", "tab-immortal-methods")

# %% tags=["paper", "hide-input"]
landmark_table = immortal.sequential_landmarks(cohort.patients, cohort.courses, landmarks, "os")
for r in landmark_table.itertuples():
    for key in ("n", "n_exposed", "n_unexposed", "events_exposed", "events_unexposed"):
        out.record(f"landmark.os.{r.landmark}.{key}", int(getattr(r, key)))
    for key in ("hr", "lower", "upper", "logrank_p", "exact_p"):
        if not math.isnan(getattr(r, key)):
            out.record(f"landmark.os.{r.landmark}.{key}", float(getattr(r, key)))
out.show_formatted(format_p, "naive.os.p", "landmark.os.12.logrank_p", "mantel_byar.os.p")
first_after = int(landmark_table.loc[landmark_table["after_window"], "landmark"].min())
out.record("landmark.first_after_window", first_after)
landmark_shown = pd.DataFrame({
    "landmark (months)": landmark_table["landmark"],
    "after the last fourth course": landmark_table["after_window"].map({True: "yes", False: "no — inside the window"}),
    "> 3 courses by then: n (deaths)": [f"{a} ({b})" for a, b in zip(landmark_table["n_exposed"], landmark_table["events_exposed"])],
    "≤ 3 courses: n (deaths)": [f"{a} ({b})" for a, b in zip(landmark_table["n_unexposed"], landmark_table["events_unexposed"])],
    "HR (95% CI)": [("—" if math.isnan(h) else format_hr_ci(h, lo, hi)) for h, lo, hi in
                    zip(landmark_table["hr"], landmark_table["lower"], landmark_table["upper"])],
    "log-rank p (asymptotic)": landmark_table["logrank_p"].map(format_p),
    "exact permutation p": [("—" if math.isnan(p) else f"{format_p(p)} (of {n} labellings)") for p, n in
                            zip(landmark_table["exact_p"], landmark_table["labellings"])],
})
numbered_table(landmark_shown, "Landmark analyses of OS by '>3 courses' across and after the window in which fourth "
               "courses are given. '—': no HR when a group has no death or fewer than two patients; an exact "
               "p only when a group has fewer than 5 patients.", "tab-immortal-landmarks")

# %% [markdown] tags=["paper"]
# **(a) Naive.** Patients are classified by the courses they *eventually* received and followed
# from diagnosis: HR {glue:text}`naive.os.hr:.2f` for death (log-rank p {glue:text}`naive.os.p.text`),
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
# {glue:text}`landmark.os.8.exact_p.text`. Later landmarks leave a single comparator (at 12 months
# the asymptotic log-rank p is {glue:text}`landmark.os.12.logrank_p.text`, but the exact p is
# {glue:text}`landmark.os.12.exact_p.text`: with one patient in a group the asymptotic test means
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
# {glue:text}`mantel_byar.os.statistic:.1f` (p {glue:text}`mantel_byar.os.p.text`).
# {glue:text}`mantel_byar.os.caveat`
#
# ## The trial the question needs
#
# The question the paper asks — would a fourth course help a patient alive in remission after
# the third? — is a question about a trial. Written out as a protocol, the *target trial* is:
#
# | element | specification |
# | --- | --- |
# | eligibility | alive, in first CR and not relapsed, at the infusion of the third MST course |
# | time zero | that infusion — the same for both arms |
# | strategies | start a fourth course within a grace period of {glue:text}`trial.grace:.1f` months (the observed gaps between third and fourth infusions run from {glue:text}`trial.gap_min:.1f` to {glue:text}`trial.gap_max:.1f` months) vs never start one |
# | assignment | each eligible patient is *cloned* into both arms; a clone is censored when its patient deviates from its arm (at the fourth infusion in the "never" arm, at the end of the grace period without one in the "start" arm); a death inside the grace period counts in both |
# | weights | inverse probability of remaining uncensored, 1/K(t−), with K the Kaplan–Meier estimate of the time to artificial censoring in each arm *within each age group* (the censoring model) |
# | outcome | death, from time zero |
# | estimand | overall survival {glue:text}`trial.horizon:.0f` months after the third course had everyone vs no one started a fourth course (per-protocol effect), and its difference |

# %% tags=["paper", "hide-input"]
eligible = target_trial.eligible_patients(cohort.patients, cohort.courses)
gaps = eligible["switch"].dropna()
trial_grace = grace if grace is not None else math.ceil(2 * float(gaps.max())) / 2
out.record("trial.grace", trial_grace)
out.record("trial.gap_min", float(gaps.min()))
out.record("trial.gap_max", float(gaps.max()))
out.record("trial.horizon", float(trial_horizon))
out.record("trial.n_eligible", len(eligible))
support = target_trial.positivity(eligible, trial_grace, "age_group")
for r in support.itertuples():
    out.record(f"trial.positivity.{r.stratum}.eligible", int(r.eligible))
    out.record(f"trial.positivity.{r.stratum}.started", int(r.started))
    out.record(f"trial.positivity.{r.stratum}.never", int(r.never))
display(numbered_table(support.rename(columns={"stratum": "age group", "eligible": "eligible at the third course",
                                       "started": f"started a fourth within {trial_grace:g} months",
                                       "never": "never started one"}),
               "Who follows each strategy: positivity needs patients of every age group in both columns.",
               "tab-immortal-positivity"))
trial = target_trial.clone_censor_weight(eligible, trial_grace, trial_horizon, "age_group", n_boot=n_boot, seed=seed)
for key in ("survival_start", "survival_never", "difference", "lower", "upper", "boot_undefined", "n_boot", "max_weight",
            "never_followed"):
    out.record(f"trial.{key}", getattr(trial, key))
out.record("trial.boot_undefined_pct", 100 * trial.boot_undefined / trial.n_boot)
zero_strata = support.loc[support["never"] == 0, "stratum"].tolist()
out.record("trial.positivity_sentence",
           (f"no patient aged {' or '.join(zero_strata)} followed the 'never' strategy, so after the grace period that arm "
            "holds only other age groups and its curve says nothing about them" if zero_strata
            else "every age group has patients who followed each strategy"))
out.record("trial.runnable", "these data cannot run it" if trial.boot_undefined or zero_strata
           else "these data can run it")
trial_km = target_trial.weighted_kaplan_meier(target_trial.weighted_intervals(target_trial.clone(eligible, trial_grace), "age_group"))
fig = emulated_trial_plot(trial_km, trial_horizon, {"start": f"start a fourth course within {trial_grace:g} months",
                                                    "never": "never start a fourth course"})
out.figure("fig_immortal_trial", fig)

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_immortal_trial
# :name: fig-immortal-trial
# :alt: Two weighted survival step curves from the third MST course. The curve for starting a fourth course declines gradually over many years; the curve for never starting one stays at 1 and then drops to 0 at a single death, and a dotted vertical line marks the comparison horizon.
#
# The emulated trial: weighted overall survival of the clones in each arm from the third course,
# each curve drawn as far as a clone of that arm is followed. Reconstructed cohort.
# ```
#
# Of the {glue:text}`trial.n_eligible` eligible patients, {glue:text}`trial.never_followed` never
# started a fourth course ({numref}`tab-immortal-positivity`): the "never" arm after the grace
# period *is* that many patients, whatever the weights. At {glue:text}`trial.horizon:.0f` months
# the emulated survival is {glue:text}`trial.survival_start:.2f` with a fourth course and
# {glue:text}`trial.survival_never:.2f` without, a difference of {glue:text}`trial.difference:.2f`.
# No interval can be attached to it: in {glue:text}`trial.boot_undefined` of
# {glue:text}`trial.n_boot` bootstrap resamples ({glue:text}`trial.boot_undefined_pct:.0f`%) no
# clone of the "never" arm is followed to the horizon, so the estimate does not exist there, and
# the resamples where it does exist are those that contain the patients who never started. Positivity:
# {glue:text}`trial.positivity_sentence`. The emulation can be written down; {glue:text}`trial.runnable`.
#
# ## The whole disease course: a multi-state model
#
# Courses stop at relapse, and relapse leads to death. A multi-state model shows both at once:
# every patient starts in induction at diagnosis, reaches CR or dies, and from CR relapses or dies;
# a relapsed patient can die. The **Aalen–Johansen estimator** gives the probability of being in
# each state at each time (it multiplies, at every transition time, the matrix of transition
# probabilities d/n out of each state) — the multi-state version of Kaplan–Meier, which it
# reduces to with two states.

# %% tags=["paper", "hide-input"]
stays = multistate.transitions(cohort.patients)
occupation = multistate.aalen_johansen(stays)
state_times = [6, 12, 36]
table = multistate.occupation_at(occupation, state_times)
for r in table.itertuples():
    out.record(f"ms.{r.group}.{r.state}.{int(r.time)}", 100 * r.probability)
counts = multistate.transition_counts(stays)
for r in counts.itertuples():
    out.record(f"ms.count.{r.group}.{r.transition}", int(r.n))
fig = state_occupation_plot(occupation, {"60-70": "Aged 60–70", ">70": "Aged over 70"})
out.figure("fig_immortal_states", fig)
shown = table.assign(probability=(100 * table["probability"]).round(1)).pivot_table(
    index=["group", "time"], columns="state", values="probability").reset_index()
shown = shown[["group", "time", *multistate.STATES]].rename(columns={"group": "age group", "time": "months"})
display(numbered_table(shown, "Probability (%) of being in each state 6, 12 and 36 months after diagnosis (Aalen–Johansen; "
               "R: survfit(Surv(tstart, tstop, state) ~ age_group, id = patient_id)).", "tab-immortal-states"))
numbered_table(counts.pivot_table(index="transition", columns="group", values="n").reindex(
    [f"{a}->{b}" for a, b in multistate.TRANSITIONS]).reset_index(),
    "Patients making each transition, by age group.", "tab-immortal-transitions")

# %% [markdown] tags=["paper"]
# ```{glue:figure} fig_immortal_states
# :name: fig-immortal-states
# :alt: Two stacked-area plots of state probabilities against months since diagnosis, for patients aged 60 to 70 and over 70. Colours mark induction, complete remission, relapse and death. In the older group the death area grows to cover everything within about a year and a half; in the younger group remission remains the largest area for years.
#
# Where the patients are, over time: stacked probabilities of induction, CR, relapse and death
# by age group (Aalen–Johansen, reconstructed cohort).
# ```
#
# At 12 months {glue:text}`ms.>70.CR.12:.0f`% of the patients over 70 are alive in remission and
# {glue:text}`ms.>70.relapse.12:.0f`% alive after a relapse, against {glue:text}`ms.60-70.CR.12:.0f`%
# and {glue:text}`ms.60-70.relapse.12:.0f`% at 60–70 ({numref}`tab-immortal-states`); by 36 months
# the shares in remission are {glue:text}`ms.>70.CR.36:.0f`% and {glue:text}`ms.60-70.CR.36:.0f`%.
# Over 70, {glue:text}`ms.count.>70.relapse->death` of the {glue:text}`ms.count.>70.CR->relapse`
# patients who relapsed have died ({numref}`tab-immortal-transitions`). Fourth courses were given
# {glue:text}`switch_min:.1f` to {glue:text}`switch_max:.1f` months after diagnosis: the table shows
# how different the two age groups already are in those months. By the protocol a relapse ends the
# courses, so patients' prognosis changes over time with their courses: confounding that varies with
# time, which a baseline adjustment cannot remove.
#
# ## What the methods say together

# %% tags=["paper", "hide-input"]
by = {r["method"]: r for r in rows if r["endpoint"] == "OS"}
landmark_row = landmark_table.set_index("landmark").loc[first_after]
conclusion_rows = [
    {"method": "naive comparison (the paper)", "estimate": out.values["naive.os.hr"],
     "lower": by["(a) naive: >3 vs 1–3 from time zero (biased)"]["lower"], "upper": by["(a) naive: >3 vs 1–3 from time zero (biased)"]["upper"],
     "removes": "nothing", "leaves": "immortal time, confounding by age, time-varying confounding by prognosis"},
    {"method": f"landmark at {first_after} months", "estimate": landmark_row["hr"], "lower": landmark_row["lower"],
     "upper": landmark_row["upper"], "removes": "immortal time",
     "leaves": f"confounding by age, time-varying confounding by prognosis; {int(landmark_row['n_unexposed'])} comparator(s)"},
    {"method": "time-dependent Cox", "estimate": out.values["td.os.hr"], "lower": out.values["td.os.lower"],
     "upper": out.values["td.os.upper"], "removes": "immortal time", "leaves": "confounding by age, time-varying confounding by prognosis"},
    {"method": "time-dependent Cox adjusted for age group", "estimate": out.values["td.os.age.hr"],
     "lower": out.values["td.os.age.lower"], "upper": out.values["td.os.age.upper"],
     "removes": "immortal time, confounding by age group", "leaves": "time-varying confounding by prognosis, confounding within age groups"},
    {"method": "time-dependent Cox adjusted for age group and relapse", "estimate": out.values["td.os.age_relapse.hr"],
     "lower": out.values["td.os.age_relapse.lower"], "upper": out.values["td.os.age_relapse.upper"],
     "removes": "immortal time, confounding by age group, the path through relapse",
     "leaves": "a different question: an association beyond preventing relapse"},
    {"method": "clone–censor–weight (target trial)", "estimate": math.nan, "lower": math.nan, "upper": math.nan,
     "removes": "immortal time; confounding by age group only where both strategies are followed",
     "leaves": f"positivity: {format_count(trial.never_followed, 'comparator')}, no interval"},
]
conclusions = pd.DataFrame(conclusion_rows)
out.record("conclusion", immortal.conclusion(conclusions))
numbered_table(pd.DataFrame({
    "method": conclusions["method"],
    "estimate (95% CI)": [("survival difference " + f"{trial.difference:.2f} at {trial_horizon} months" if m.startswith("clone")
                           else f"HR {e:.2f} ({lo:.2f}–{up:.2f})") for m, e, lo, up in
                          zip(conclusions["method"], conclusions["estimate"], conclusions["lower"], conclusions["upper"])],
    "removes": conclusions["removes"], "leaves": conclusions["leaves"]}),
    "What each analysis of '> 3 courses' (OS) removes and what it leaves (Wald 95% intervals; chapter 6's bottom line "
    "gives the naive hazard ratio's profile-likelihood interval, the more accurate one with so few deaths in a group).",
    "tab-immortal-conclusion")

# %% [markdown] tags=["paper"]
# Read together ({numref}`tab-immortal-conclusion`): {glue:text}`conclusion`. The one design that
# asks the causal question directly has {glue:text}`trial.never_followed.text`. An
# association that survives only the removal of immortal time is not an effect of a fourth course:
# age and the patients' changing prognosis stand in between, and on this reconstructed cohort the
# course dates are themselves an assumption (see the box at the top).
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
# {glue:text}`landmark.os.12.n_unexposed.text`: the asymptotic p relies on large-sample
# theory that one patient cannot supply; the exact permutation p
# ({glue:text}`landmark.os.12.exact_p.text`) is what the data can say.
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

# %% tags=["paper", "remove-cell"]
# Reader-facing p-values and counts that agree with their noun.
out.show_formatted(format_p, "landmark.os.8.exact_p", "landmark.os.12.exact_p")
out.show("trial.never_followed.text", format_count(out.values["trial.never_followed"], "comparator"))
out.show("landmark.os.12.n_unexposed.text", format_count(out.values["landmark.os.12.n_unexposed"], "patient"))
out.show("bottom_line", bottom_line.immortal(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
