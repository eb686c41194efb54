# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 14_lab_km

# %% [markdown]
# # Lab assignment 14: the 6-MP trial by hand and by code
#
# Companion to the lab chapter on Kaplan–Meier, log-rank and Cox. The data are real: Freireich et al.
# (1963), remission durations (weeks) of 42 children with acute leukaemia given 6-mercaptopurine or
# placebo, as shipped with lifelines (`Rx` = 0 for 6-MP, 1 for placebo; `status` = 1 for relapse).

# %%
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.datasets import load_leukemia

leukemia = load_leukemia()
six_mp, placebo = leukemia[leukemia["Rx"] == 0], leukemia[leukemia["Rx"] == 1]
leukemia.head()

# %% [raw]
# # BEGIN QUESTION
# name: lab_km_at_10_weeks
# points: 2

# %% [markdown]
# **Question 1 — a Kaplan–Meier estimate by hand.** Without lifelines, compute the probability of
# remaining in remission beyond 10 weeks in the 6-MP arm (the product, over relapse times ≤ 10, of
# 1 − relapses / number at risk) and store it in `s_10`.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
s_10 = 1.0
for t in np.unique(six_mp.loc[six_mp["status"] == 1, "t"]):
    if t <= 10:
        at_risk = (six_mp["t"] >= t).sum()
        s_10 *= 1 - ((six_mp["t"] == t) & (six_mp["status"] == 1)).sum() / at_risk
# END SOLUTION
s_10

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_s_10_is_a_probability(s_10):
    assert 0.5 < s_10 < 1, "most children on 6-MP are still in remission at 10 weeks"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_s_10_matches_lifelines(s_10, six_mp, np):
    from lifelines import KaplanMeierFitter
    assert np.isclose(s_10, KaplanMeierFitter().fit(six_mp["t"], six_mp["status"]).predict(10.0), atol=1e-12)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: lab_logrank_placebo
# points: 3

# %% [markdown]
# **Question 2 — the log-rank test by hand.** Over every distinct relapse time (both arms), sum the
# relapses observed in the placebo arm (`observed`), those expected if both arms shared one hazard
# (`expected`: relapses × placebo share of the risk set) and the hypergeometric variances
# (`variance`). Set `chi2` to (observed − expected)² / variance.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
observed = expected = variance = 0.0
time, status, in_placebo = leukemia["t"].to_numpy(), leukemia["status"].to_numpy(), (leukemia["Rx"] == 1).to_numpy()
for t in np.unique(time[status == 1]):
    at_risk, dead = time >= t, (time == t) & (status == 1)
    n, n1, d = at_risk.sum(), (at_risk & in_placebo).sum(), dead.sum()
    observed += (dead & in_placebo).sum()
    expected += d * n1 / n
    variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0.0
chi2 = (observed - expected) ** 2 / variance
# END SOLUTION
observed, expected, chi2

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_placebo_relapses_more_than_expected(observed, expected, placebo):
    assert observed == placebo["status"].sum(), "observed: every relapse in the placebo arm"
    assert expected < observed, "placebo children relapse more than a shared hazard would predict"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_chi2_matches_lifelines(chi2, expected, six_mp, placebo, np):
    from lifelines.statistics import logrank_test
    result = logrank_test(placebo["t"], six_mp["t"], placebo["status"], six_mp["status"])
    assert np.isclose(chi2, result.test_statistic, atol=1e-10)
    assert round(float(expected), 2) == 10.75, "Kleinbaum & Klein print E = 10.75 for the placebo arm"


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: lab_cox_log_wbc
# points: 2

# %% [markdown]
# **Question 3 — Cox models with and without log WBC.** Fit two Cox models: placebo vs 6-MP alone
# (`hr_placebo`) and adjusted for `logWBC` (`hr_placebo_adjusted`), each the hazard ratio of `Rx`.
# Does adjusting for the white-cell count move the treatment effect, and why might it?

# %% [raw]
# # BEGIN SOLUTION

# %%
hr_placebo = float(CoxPHFitter().fit(leukemia[["t", "status", "Rx"]], "t", "status").hazard_ratios_["Rx"])  # SOLUTION
hr_placebo_adjusted = float(CoxPHFitter().fit(leukemia[["t", "status", "Rx", "logWBC"]], "t", "status").hazard_ratios_["Rx"])  # SOLUTION
hr_placebo, hr_placebo_adjusted

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_both_hazard_ratios_favour_6mp(hr_placebo, hr_placebo_adjusted):
    assert hr_placebo > 1 and hr_placebo_adjusted > 1, "placebo children relapse sooner in both models"
    assert hr_placebo != hr_placebo_adjusted, "two different models"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_hazard_ratios_match_lifelines(hr_placebo, hr_placebo_adjusted, leukemia, np):
    from lifelines import CoxPHFitter
    crude = CoxPHFitter().fit(leukemia[["t", "status", "Rx"]], "t", "status").hazard_ratios_["Rx"]
    adjusted = CoxPHFitter().fit(leukemia[["t", "status", "Rx", "logWBC"]], "t", "status").hazard_ratios_["Rx"]
    assert np.isclose(hr_placebo, crude, rtol=1e-6) and np.isclose(hr_placebo_adjusted, adjusted, rtol=1e-6)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
