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
# # Lab: Kaplan–Meier, log-rank and Cox on the 6-MP trial
#
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# The MST cohort is reconstructed, so its answers are unknown. This lab runs the methods of
# {doc}`06_survival` on **real trial data whose answers are published**: the remission times of
# 42 children with acute leukaemia in Freireich's 1963 trial of 6-mercaptopurine (6-MP) against
# placebo {cite:p}`freireich1963`, as Kleinbaum and Klein's textbook uses them
# {cite:p}`kleinbaum2012`. The data ship with lifelines (`lifelines.datasets.load_leukemia`):
# nothing is downloaded, and R's `survival` gives the reference values beside the book's
# (`tests/fixtures/lab/`).

# %% tags=["parameters", "remove-cell"]
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
import pandas as pd

from mst_helpers import bottom_line, survival
from mst_helpers.formatting import format_p, p_statement
from mst_helpers.lab_data import leukemia
from mst_helpers.plotting import OKABE_ITO, km_figure, use_house_style
from mst_helpers.results import ChapterResults
from mst_helpers.tables import numbered_table

use_house_style()

# %% tags=["hide-input"]
out = ChapterResults("14_lab_km", results_dir)
trial = leukemia()
frame = trial.rename(columns={"weeks": "time", "relapse": "event"})
for arm, sub in frame.groupby("arm"):
    out.record(f"n.{arm}", len(sub))
    out.record(f"relapses.{arm}", int(sub["event"].sum()))
test = survival.log_rank(frame, "arm")
out.record("logrank.statistic", test.statistic)
out.record("logrank.p", test.p_value)
medians = survival.median_survival(frame, "arm").set_index("group")
for arm in ("6-MP", "placebo"):
    out.record(f"median.{arm}", float(medians.at[arm, "median"]))
title = "Remission, 6-MP against placebo"
fig = km_figure({title: frame}, "arm", {"6-MP": "6-MP", "placebo": "placebo"},
                {"6-MP": OKABE_ITO["bluish_green"], "placebo": OKABE_ITO["vermillion"]},
                {title: "log-rank " + p_statement(test.p_value)}, {title: "Still in remission (%)"},
                xlabel="Weeks since remission began")
out.figure("fig_lab_km", fig)

# %% [markdown]
# ## Kaplan–Meier curves and the log-rank test
#
# ```{glue:figure} fig_lab_km
# :name: fig-lab-km
# :alt: Two Kaplan–Meier step curves of the proportion of children still in remission against weeks: the 6-MP group in green stays higher throughout, with many censoring ticks, while the placebo group in vermillion falls to zero by 23 weeks. A risk table below the axis gives the children at risk in each group.
#
# Remission by arm in the 6-MP trial, with 95% bands, censoring ticks, the log-rank test and
# the children at risk (censored so far) below.
# ```
#
# Of {glue:text}`n.6-MP` children on 6-MP, {glue:text}`relapses.6-MP` relapsed; all
# {glue:text}`n.placebo` on placebo did ({glue:text}`relapses.placebo`). Median remission was
# {glue:text}`median.6-MP:.0f` weeks on 6-MP and {glue:text}`median.placebo:.0f` on placebo. The
# log-rank statistic is {glue:text}`logrank.statistic:.2f` on one degree of freedom
# ({glue:text}`logrank.p.text`): the textbook's 16.79.
#
# ## The log-rank test by hand
#
# At every relapse time, the relapses *expected* in the 6-MP arm if both arms shared one hazard
# are the relapses at that time times the 6-MP share of the children at risk. Summing observed
# minus expected over the relapse times, and the hypergeometric variances, gives the statistic
# (ΣO − ΣE)² / ΣV.

# %% tags=["hide-input"]
oe = survival.observed_expected(frame, "arm")
observed, expected, variance = oe["observed_1"].sum(), oe["expected_1"].sum(), oe["variance"].sum()
out.record("by_hand.observed", float(observed))
out.record("by_hand.expected", float(expected))
out.record("by_hand.variance", float(variance))
out.record("by_hand.statistic", float((observed - expected) ** 2 / variance))
shown = oe.head(8).assign(expected_1=oe["expected_1"].head(8).round(3), variance=oe["variance"].head(8).round(3))
numbered_table(shown.rename(columns={"time": "week", "at_risk": "at risk (both)", "events": "relapses (both)",
                                     "at_risk_1": "at risk, 6-MP", "observed_1": "O, 6-MP", "expected_1": "E, 6-MP",
                                     "variance": "V"}),
               "The first eight relapse times of the log-rank computation (R: survdiff gives the sums).", "tab-lab-oe")

# %% [markdown]
# Summed over all {glue:text}`n_event_times` relapse times, the 6-MP arm had
# {glue:text}`by_hand.observed:.0f` relapses where {glue:text}`by_hand.expected:.2f` were expected,
# with variance {glue:text}`by_hand.variance:.2f`: (O − E)² / V = {glue:text}`by_hand.statistic:.2f`,
# the statistic above.
#
# ## Cox models: treatment, and treatment adjusted for white-cell count

# %% tags=["hide-input"]
out.record("n_event_times", len(oe))
labels = {"placebo": "placebo (vs 6-MP)", "log_wbc": "log WBC (per unit)"}
rows = []
for name, covariates in (("alone", ["placebo"]), ("adjusted", ["placebo", "log_wbc"])):
    table, _, _ = survival.cox_multivariable(frame, covariates, labels)
    for r in table.itertuples():
        for key in ("coef", "se", "hr", "lower", "upper", "p"):
            out.record(f"cox.{name}.{r.covariate}.{key}", getattr(r, key))
        rows.append({"model": "treatment alone" if name == "alone" else "treatment + log WBC", "covariate": r.label,
                     "HR (95% CI)": f"{r.hr:.2f} ({r.lower:.2f}–{r.upper:.2f})", "p": format_p(r.p)})
numbered_table(pd.DataFrame(rows), "Cox models of relapse (Efron ties; R: coxph(Surv(t, status) ~ Rx + logWBC)).", "tab-lab-cox")

# %% [markdown]
# Alone, placebo multiplies the hazard of relapse by {glue:text}`cox.alone.placebo.hr:.2f`
# (95% CI {glue:text}`cox.alone.placebo.lower:.2f`–{glue:text}`cox.alone.placebo.upper:.2f`).
# The log white-cell count at entry, a strong prognostic factor in acute leukaemia (a hazard
# ratio of {glue:text}`cox.adjusted.log_wbc.hr:.2f` per unit here), averaged
# {glue:text}`log_wbc.mean.placebo:.2f` on placebo and {glue:text}`log_wbc.mean.6-MP:.2f` on 6-MP:
# {glue:text}`log_wbc.balance`. Adjusted for it, the ratio is
# {glue:text}`cox.adjusted.placebo.hr:.2f`
# ({glue:text}`cox.adjusted.placebo.lower:.2f`–{glue:text}`cox.adjusted.placebo.upper:.2f`), the
# comparison of children with the same white count. Every statistic and coefficient on this page
# equals R's within 10⁻⁶ (tested).
#
# ## Exercises
#
# ```{exercise} Expected relapses at the first relapse time
# :label: ex-lab-expected
#
# At week 1, {glue:text}`first_events` children relapsed among {glue:text}`first_at_risk` at risk,
# {glue:text}`first_at_risk_6mp` of them on 6-MP. How many relapses were expected on 6-MP?
# ```
#
# ```{solution} ex-lab-expected
# :class: dropdown
#
# {glue:text}`first_events` × {glue:text}`first_at_risk_6mp` / {glue:text}`first_at_risk` =
# {glue:text}`first_expected:.3f`: the relapses at that time times the 6-MP share of the risk set.
# ```

#
# ```{exercise} From coefficient to hazard ratio
# :label: ex-lab-cox
#
# The Cox model of treatment alone gives placebo a coefficient of
# {glue:text}`cox.alone.placebo.coef:.4f` with a standard error of
# {glue:text}`cox.alone.placebo.se:.4f`. Compute the hazard ratio and its 95% confidence interval.
# ```
#
# ```{solution} ex-lab-cox
# :class: dropdown
#
# The hazard ratio is exp({glue:text}`cox.alone.placebo.coef:.4f`) =
# {glue:text}`cox.alone.placebo.hr:.2f`; the interval is exp(coefficient ± 1.96 × SE) =
# {glue:text}`cox.alone.placebo.lower:.2f` to {glue:text}`cox.alone.placebo.upper:.2f`, as the
# table above gives. The interval is symmetric on the log scale, not around the ratio itself.
# ```

# %% tags=["hide-cell"]
log_wbc = frame.groupby("arm")["log_wbc"].mean()
for arm in ("6-MP", "placebo"):
    out.record(f"log_wbc.mean.{arm}", float(log_wbc[arm]))
higher = "placebo" if log_wbc["placebo"] > log_wbc["6-MP"] else "6-MP"
out.show("log_wbc.balance", f"the {higher} arm started with the higher counts, so part of the unadjusted ratio reflects "
         "the white count rather than the treatment" if log_wbc["placebo"] != log_wbc["6-MP"] else "the arms were balanced")
first = oe.iloc[0]
out.record("first_events", int(first["events"]))
out.record("first_at_risk", int(first["at_risk"]))
out.record("first_at_risk_6mp", int(first["at_risk_1"]))
out.record("first_expected", float(first["expected_1"]))

# %% tags=["remove-cell"]
out.show_formatted(format_p, "logrank.p")
out.show("bottom_line", bottom_line.lab_km(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
