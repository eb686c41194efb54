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
# name: 16_lab_competing

# %% [markdown]
# # Lab assignment 16: relapse and transplant-related death after a stem-cell transplant
#
# Companion to the lab chapter on competing risks. The data are real: 35 adults with acute leukaemia
# after a stem-cell transplant (Scrucca, Santucci & Aversa 2007), as shipped with scikit-survival:
# `months` to the first event or last contact, `event` 1 = transplant-related death (TRM),
# 2 = relapse, 0 = censored, and the disease (ALL or AML).

# %%
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from sksurv.datasets import load_bmt

TRM, RELAPSE = 1, 2
x, y = load_bmt()
bmt = pd.DataFrame({"months": y["ftime"], "event": y["status"].astype(int),
                    "aml": x["dis"].astype(int).to_numpy()})
bmt["disease"] = bmt["aml"].map({0: "ALL", 1: "AML"})
bmt.groupby(["disease", "event"]).size().unstack()

# %% [raw]
# # BEGIN QUESTION
# name: lab_cif_by_disease
# points: 3

# %% [markdown]
# **Question 1 — cumulative incidence of relapse by disease.** With your own Aalen–Johansen estimator
# (as in assignment 8: the incidence grows by S(t−) × d_relapse / n at each event time, S the
# probability of being free of both events), set `cif_36` to a dict mapping `"ALL"` and `"AML"` to the
# cumulative incidence of relapse at 36 months.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
def cif_at(time, event, cause, when):
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    event_free, cif = 1.0, 0.0
    for t in np.unique(time[event > 0]):
        if t > when:
            break
        at_risk = (time >= t).sum()
        cif += event_free * ((time == t) & (event == cause)).sum() / at_risk
        event_free *= 1 - ((time == t) & (event > 0)).sum() / at_risk
    return cif


cif_36 = {disease: float(cif_at(frame["months"], frame["event"], RELAPSE, 36.0)) for disease, frame in bmt.groupby("disease")}
# END SOLUTION
cif_36

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_cif_36_range(cif_36):
    assert set(cif_36) == {"ALL", "AML"}, "one value per disease, keys 'ALL' and 'AML'"
    assert all(0 <= v <= 1 for v in cif_36.values()), "a cumulative incidence is a probability"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_cif_36_matches_the_book(cif_36, bmt, np):
    from mst_helpers.competing import cif_at, cumulative_incidence
    book = cif_at(cumulative_incidence(bmt["months"], bmt["event"], bmt["disease"], cause=2), [36.0]).set_index("group")
    for disease in ("ALL", "AML"):
        assert np.isclose(cif_36[disease], book.loc[disease, "estimate"], atol=1e-12)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: lab_cause_specific_cox
# points: 2

# %% [markdown]
# **Question 2 — cause-specific hazards.** Fit a Cox model of the hazard of relapse (TRM treated as
# censoring) with `aml` as the covariate and set `cs_hr_relapse` to its hazard ratio; do the same for
# TRM (`cs_hr_trm`). A cause-specific hazard ratio answers "among those still event-free, who
# relapses faster?" — not "who ends up relapsing more?".

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
def cause_specific_hr(cause):
    frame = bmt.assign(status=(bmt["event"] == cause).astype(int))[["months", "status", "aml"]]
    return float(CoxPHFitter().fit(frame, "months", "status").hazard_ratios_["aml"])


cs_hr_relapse, cs_hr_trm = cause_specific_hr(RELAPSE), cause_specific_hr(TRM)
# END SOLUTION
cs_hr_relapse, cs_hr_trm

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_cause_specific_hrs_positive(cs_hr_relapse, cs_hr_trm):
    assert cs_hr_relapse > 0 and cs_hr_trm > 0, "hazard ratios are positive"
    assert cs_hr_relapse != cs_hr_trm, "two causes, two models: relapse with TRM censored, TRM with relapse censored"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_cause_specific_hrs_match_lifelines(cs_hr_relapse, cs_hr_trm, bmt, np):
    from lifelines import CoxPHFitter
    for cause, mine in ((2, cs_hr_relapse), (1, cs_hr_trm)):
        frame = bmt.assign(status=(bmt["event"] == cause).astype(int))[["months", "status", "aml"]]
        assert np.isclose(mine, CoxPHFitter().fit(frame, "months", "status").hazard_ratios_["aml"], rtol=1e-6)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: lab_fine_gray
# points: 2

# %% [markdown]
# **Question 3 — the subdistribution hazard (Fine–Gray).** Fit a Fine–Gray model of relapse with
# `aml` as the covariate using `comprisk.FineGrayRegression(cause=2)` (its `fit(X, time=, event=)`
# takes a 2-D covariate array) and set `sdhr_relapse` to exp of its coefficient. Unlike the
# cause-specific ratio it is tied to the cumulative incidence: under the model, a subdistribution
# hazard ratio above 1 means a higher cumulative incidence of relapse at every time.

# %% [raw]
# # BEGIN SOLUTION

# %%
from comprisk import FineGrayRegression

# BEGIN SOLUTION
fine_gray = FineGrayRegression(cause=RELAPSE).fit(bmt[["aml"]].to_numpy(dtype=float), time=bmt["months"].to_numpy(),
                                                  event=bmt["event"].to_numpy())
sdhr_relapse = float(np.exp(fine_gray.coef_[0]))
# END SOLUTION
sdhr_relapse

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_sdhr_is_not_the_cause_specific_ratio(sdhr_relapse, cs_hr_relapse):
    assert sdhr_relapse > 0, "a hazard ratio is positive"
    assert sdhr_relapse != cs_hr_relapse, "the Fine-Gray model keeps those who died of TRM in the risk set: another ratio"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_sdhr_matches_the_book(sdhr_relapse, bmt, np):
    from mst_helpers.competing import fine_gray
    book = fine_gray(bmt, "months", "event", ["aml"], cause=2)
    assert np.isclose(sdhr_relapse, book["hr"].iloc[0], rtol=1e-6), "the book's Fine-Gray equals R's cmprsk::crr"


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
