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
# name: 06_survival
# files:
#   - patients.csv

# %% [markdown]
# # Assignment 6: Kaplan–Meier, log-rank and restricted mean survival by hand
#
# Companion to the chapter *Overall and leukaemia-free survival*. You write three small pieces of
# survival code yourself and check them against the tests in this notebook (`grader.check`); your
# teacher grades them with further, hidden tests.
#
# > **Note.** `patients.csv` is the book's **reconstructed cohort**: 29 synthetic patients built to
# > satisfy the paper's published aggregates, not the trial's patient-level data (which are not public).

# %%
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

five = pd.DataFrame({"time": [2.0, 3.0, 3.0, 5.0, 8.0], "event": [1, 1, 0, 1, 0], "arm": ["a", "a", "b", "b", "b"]})
patients = pd.read_csv("patients.csv", parse_dates=["diagnosis_date", "death_date", "last_contact_date"])
five

# %% [raw]
# # BEGIN QUESTION
# name: km_by_hand
# points: 3

# %% [markdown]
# **Question 1 — a Kaplan–Meier estimate from scratch.** Write `km_by_hand(time, event)` (each a
# pandas Series or a NumPy array: handle both, e.g. with `np.asarray`) that returns a DataFrame with one row per distinct death time and the columns `time`, `at_risk` (patients
# with follow-up ≥ that time), `deaths` and `survival` (the product-limit estimate just after that
# time). A patient censored at a death time is still at risk at that time. Do not use lifelines.

# %% [raw]
# # BEGIN SOLUTION

# %%
def km_by_hand(time, event):
    # BEGIN SOLUTION
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    rows, survival = [], 1.0
    for t in np.unique(time[event == 1]):
        at_risk = int((time >= t).sum())
        deaths = int(((time == t) & (event == 1)).sum())
        survival *= 1 - deaths / at_risk
        rows.append((t, at_risk, deaths, survival))
    return pd.DataFrame(rows, columns=["time", "at_risk", "deaths", "survival"])
    # END SOLUTION


km_by_hand(five["time"], five["event"])

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_km_columns_and_rows(km_by_hand, five):
    table = km_by_hand(five["time"].to_numpy(), five["event"].to_numpy())   # arrays as well as Series
    assert list(table.columns) == ["time", "at_risk", "deaths", "survival"], "columns: time, at_risk, deaths, survival"
    assert list(table["time"]) == [2.0, 3.0, 5.0], "one row per distinct death time: 2, 3 and 5 months"


# %%
def test_km_five_patients(km_by_hand, five, np):
    table = km_by_hand(five["time"], five["event"])
    assert list(table["at_risk"]) == [5, 4, 2], "the patient censored at 3 months is at risk at 3 months"
    assert np.allclose(table["survival"], [4 / 5, 4 / 5 * 3 / 4, 4 / 5 * 3 / 4 * 1 / 2]), \
        "S = 4/5, then 4/5 x 3/4, then 4/5 x 3/4 x 1/2"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_km_matches_lifelines_with_ties(km_by_hand, np):
    from lifelines import KaplanMeierFitter
    rng = np.random.default_rng(6)
    time = rng.integers(1, 15, size=60).astype(float)   # many tied times
    event = rng.integers(0, 2, size=60)
    table = km_by_hand(time, event)
    fitted = KaplanMeierFitter().fit(time, event).survival_function_.iloc[:, 0]
    assert np.allclose(table["survival"].to_numpy(), fitted.loc[table["time"]].to_numpy(), atol=1e-12)
    assert len(table) == len(np.unique(time[event == 1]))


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: logrank_by_hand
# points: 3

# %% [markdown]
# **Question 2 — the log-rank test as an O − E table.** Write `logrank_table(time, event, in_group)`
# (Series or arrays, as in question 1) that returns one row per distinct death time with `n` (at risk), `n_group` (at risk in the group
# marked by the boolean `in_group`), `d` (deaths), `d_group`, `expected` (= d × n_group / n) and
# `variance` (the hypergeometric variance d × (n_group/n) × (1 − n_group/n) × (n − d)/(n − 1),
# zero when n = 1). Then set `chi2_five` to (Σ(d_group − expected))² / Σ variance for arm `"a"`
# of the five patients.

# %% [raw]
# # BEGIN SOLUTION

# %%
def logrank_table(time, event, in_group):
    # BEGIN SOLUTION
    time, event, in_group = np.asarray(time, dtype=float), np.asarray(event, dtype=int), np.asarray(in_group, dtype=bool)
    rows = []
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        dead = (time == t) & (event == 1)
        n, n_group = int(at_risk.sum()), int((at_risk & in_group).sum())
        d, d_group = int(dead.sum()), int((dead & in_group).sum())
        expected = d * n_group / n
        variance = d * (n_group / n) * (1 - n_group / n) * (n - d) / (n - 1) if n > 1 else 0.0
        rows.append((t, n, n_group, d, d_group, expected, variance))
    return pd.DataFrame(rows, columns=["time", "n", "n_group", "d", "d_group", "expected", "variance"])
    # END SOLUTION


table = logrank_table(five["time"], five["event"], five["arm"] == "a")
chi2_five = (table["d_group"].sum() - table["expected"].sum()) ** 2 / table["variance"].sum()  # SOLUTION
table

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_logrank_observed_deaths(logrank_table, five):
    table = logrank_table(five["time"], five["event"], five["arm"] == "a")
    assert table["d_group"].sum() == 2, "arm a has two deaths (at 2 and 3 months)"
    assert table["d"].sum() == 3, "three deaths in all"


# %%
def test_chi2_five_by_hand(chi2_five, np):
    # Deaths at 2, 3, 5 months: arm a has 2 of 5, 1 of 4 and 0 of 2 at risk, one death each time.
    observed, expected = 2, 2 / 5 + 1 / 4 + 0
    variance = (2 / 5) * (3 / 5) + (1 / 4) * (3 / 4) + 0
    assert np.isclose(chi2_five, (observed - expected) ** 2 / variance), "(sum of O - E)^2 / sum of variances, for arm a"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_logrank_matches_lifelines(logrank_table, chi2_five, five, np):
    from lifelines.statistics import logrank_test
    a = five["arm"] == "a"
    reference = logrank_test(five["time"][a], five["time"][~a], five["event"][a], five["event"][~a]).test_statistic
    assert np.isclose(chi2_five, reference, atol=1e-10)
    rng = np.random.default_rng(7)
    time, event, group = rng.integers(1, 20, 80).astype(float), rng.integers(0, 2, 80), rng.integers(0, 2, 80) == 1
    table = logrank_table(time, event, group)
    chi2 = (table["d_group"].sum() - table["expected"].sum()) ** 2 / table["variance"].sum()
    reference = logrank_test(time[group], time[~group], event[group], event[~group]).test_statistic
    assert np.isclose(chi2, reference, atol=1e-10)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: rmst_by_age
# points: 3

# %% [markdown]
# **Question 3 — overall survival and its restricted mean.** Build `os_frame` from `patients`: one row
# per patient with `patient_id`, `age_group`, `time` (months from diagnosis to death, or to last
# contact for patients alive; one month = 365/12 days, counted in whole days) and `event` (1 = died).
# Then set `rmst` to a dict mapping each age group to the restricted mean survival time up to
# 60 months (the area under its Kaplan–Meier curve from 0 to 60; you may use lifelines).

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
end = patients["death_date"].where(patients["death"] == 1, patients["last_contact_date"])
os_frame = pd.DataFrame({"patient_id": patients["patient_id"], "age_group": patients["age_group"],
                         "time": (end - patients["diagnosis_date"]).dt.days / (365 / 12),
                         "event": patients["death"].astype(int)})


def area_under_km(frame, tau=60.0):
    from lifelines.utils import restricted_mean_survival_time
    return float(restricted_mean_survival_time(KaplanMeierFitter().fit(frame["time"], frame["event"]), t=tau))


rmst = {group: area_under_km(frame) for group, frame in os_frame.groupby("age_group")}
# END SOLUTION
rmst

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_os_frame_shape(os_frame):
    assert len(os_frame) == 29, "one row per patient"
    assert set(os_frame["event"]) <= {0, 1}, "event: 1 = died, 0 = alive at last contact"
    assert (os_frame["time"] > 0).all(), "every patient is followed for some time after diagnosis"


# %%
def test_rmst_range(rmst):
    assert set(rmst) == {"60-70", ">70"}, "one RMST per age group"
    assert all(0 < value <= 60 for value in rmst.values()), "an RMST up to 60 months lies in (0, 60]"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_os_and_rmst_match_the_book(os_frame, rmst, patients, np):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time
    from mst_helpers.endpoints import overall_survival
    book = overall_survival(patients)
    mine = os_frame.set_index("patient_id").loc[book["patient_id"]]
    assert np.allclose(mine["time"].to_numpy(), book["time"].to_numpy(), atol=1e-9)
    assert (mine["event"].to_numpy() == book["event"].to_numpy()).all()
    book = book.assign(age_group=patients["age_group"].to_numpy())
    for group, frame in book.groupby("age_group"):
        kmf = KaplanMeierFitter().fit(frame["time"], frame["event"])
        assert np.isclose(rmst[group], restricted_mean_survival_time(kmf, t=60.0), atol=1e-9)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
