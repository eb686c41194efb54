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
# name: 08_competing
# files:
#   - patients.csv

# %% [markdown]
# # Assignment 8: relapse and death without relapse as competing risks
#
# Companion to the chapter *Relapse and non-relapse mortality*. After complete remission a patient
# can relapse, or die without relapsing; whichever comes first ends the wait for the other. You
# code the events, write the Aalen–Johansen estimator yourself, and measure how much 1 − Kaplan–Meier
# overstates the cumulative incidence of relapse when deaths are treated as censoring.
#
# > **Note.** `patients.csv` is the book's **reconstructed cohort**: 29 synthetic patients built to
# > satisfy the paper's published aggregates, not the trial's patient-level data.

# %%
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

MONTH = 365 / 12   # days
RELAPSE, DEATH_WITHOUT_RELAPSE = 1, 2
patients = pd.read_csv("patients.csv", parse_dates=["cr_date", "relapse_date", "death_date", "last_contact_date"])
patients[["patient_id", "cr", "cr_date", "relapse", "relapse_date", "death", "death_date", "last_contact_date"]].head()

# %% [raw]
# # BEGIN QUESTION
# name: competing_events
# points: 2

# %% [markdown]
# **Question 1 — code the competing events.** For the patients in complete remission (`cr == 1`)
# build `competing_frame` with `patient_id`, `time` (months from the CR date to relapse, to death, or
# to last contact; one month = 365/12 days, in whole days) and `event`: 1 relapse, 2 death without
# relapse, 0 alive without relapse (censored). A relapse ends the follow-up for this question even
# if the patient died later.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
cr = patients[patients["cr"] == 1]
relapsed, died = cr["relapse"] == 1, cr["death"] == 1
end = cr["relapse_date"].where(relapsed, cr["death_date"].where(died, cr["last_contact_date"]))
competing_frame = pd.DataFrame({"patient_id": cr["patient_id"], "time": (end - cr["cr_date"]).dt.days / MONTH,
                                "event": np.where(relapsed, RELAPSE, np.where(died, DEATH_WITHOUT_RELAPSE, 0))})
# END SOLUTION
competing_frame["event"].value_counts()

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_competing_frame_codes(competing_frame, patients):
    assert len(competing_frame) == int((patients["cr"] == 1).sum()), "one row per patient in remission"
    assert set(competing_frame["event"]) <= {0, 1, 2}, "event codes: 1 relapse, 2 death without relapse, 0 censored"
    assert (competing_frame["time"] >= 0).all(), "times run forward from the CR date"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_competing_frame_matches_the_book(competing_frame, patients, np):
    from mst_helpers.endpoints import competing_events_from_cr
    book = competing_events_from_cr(patients)
    mine = competing_frame.set_index("patient_id").loc[book["patient_id"]]
    assert np.allclose(mine["time"], book["time"], atol=1e-9)
    assert (mine["event"].to_numpy() == book["event"].to_numpy()).all()


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: aalen_johansen_by_hand
# points: 3

# %% [markdown]
# **Question 2 — the Aalen–Johansen estimator by hand.** Write `aalen_johansen(time, event, cause)`
# returning one row per distinct event time (of any cause) with `time` and `cif`, the cumulative
# incidence of `cause` just after that time. At each event time the incidence grows by
# S(t−) × d_cause / n, where S(t−) is the Kaplan–Meier probability of being free of *every* event
# just before t, d_cause the events of this cause at t and n the number at risk. Do not use a
# library estimator.

# %% [raw]
# # BEGIN SOLUTION

# %%
def aalen_johansen(time, event, cause):
    # BEGIN SOLUTION
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    rows, event_free, cif = [], 1.0, 0.0
    for t in np.unique(time[event > 0]):
        at_risk = (time >= t).sum()
        cif += event_free * ((time == t) & (event == cause)).sum() / at_risk
        event_free *= 1 - ((time == t) & (event > 0)).sum() / at_risk
        rows.append((t, cif))
    return pd.DataFrame(rows, columns=["time", "cif"])
    # END SOLUTION


aalen_johansen(competing_frame["time"], competing_frame["event"], RELAPSE).tail()

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_aj_without_competing_events_is_one_minus_km(aalen_johansen, np):
    time = np.array([1.0, 2.0, 2.0, 4.0, 5.0, 7.0])
    event = np.array([1, 1, 0, 1, 0, 1])
    expected = [1 / 6, 1 - 5 / 6 * 4 / 5, 1 - 5 / 6 * 4 / 5 * 2 / 3, 1.0]
    assert np.allclose(aalen_johansen(time, event, 1)["cif"], expected), "with one cause only, the CIF is 1 - KM"


# %%
def test_aj_causes_add_up(aalen_johansen, np):
    time = np.array([1.0, 2.0, 3.0, 3.0, 5.0, 6.0])
    event = np.array([1, 2, 1, 0, 2, 0])
    both = aalen_johansen(time, event, 1)["cif"].to_numpy() + aalen_johansen(time, event, 2)["cif"].to_numpy()
    km = [5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 3 / 4, 5 / 6 * 4 / 5 * 3 / 4 * 1 / 2]
    assert np.allclose(both, 1 - np.array(km)), "the two CIFs add up to 1 - KM of the first event of any cause"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_aj_matches_the_book(aalen_johansen, competing_frame, np):
    from mst_helpers.competing import aalen_johansen_steps
    for cause in (1, 2):
        book = aalen_johansen_steps(competing_frame["time"], competing_frame["event"], cause)
        mine = aalen_johansen(competing_frame["time"], competing_frame["event"], cause)
        assert np.allclose(mine["time"], book["time"]) and np.allclose(mine["cif"], book["cif"], atol=1e-12)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: one_minus_km_overstates
# points: 2

# %% [markdown]
# **Question 3 — what 1 − Kaplan–Meier gets wrong.** Set `cif_24` to the cumulative incidence of
# relapse at 24 months after CR (your Aalen–Johansen estimator) and `one_minus_km_24` to 1 − the
# Kaplan–Meier estimate at 24 months when deaths without relapse are treated as censored
# (lifelines allowed). Which is larger, and why can it never be the other way round?

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
steps = aalen_johansen(competing_frame["time"], competing_frame["event"], RELAPSE)
cif_24 = float(steps.loc[steps["time"] <= 24, "cif"].iloc[-1]) if (steps["time"] <= 24).any() else 0.0
kmf = KaplanMeierFitter().fit(competing_frame["time"], competing_frame["event"] == RELAPSE)
one_minus_km_24 = float(1 - kmf.predict(24.0))
# END SOLUTION
cif_24, one_minus_km_24

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_one_minus_km_is_not_smaller(cif_24, one_minus_km_24):
    assert 0 <= cif_24 <= one_minus_km_24 <= 1, \
        "1 - KM treats those who died as if they could still relapse later: it cannot be smaller than the CIF"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_values_match_the_book(cif_24, one_minus_km_24, competing_frame, np):
    from mst_helpers.competing import cif_at, cumulative_incidence, one_minus_km
    cif = cif_at(cumulative_incidence(competing_frame["time"], competing_frame["event"], cause=1), [24.0])
    assert np.isclose(cif_24, cif["estimate"].iloc[0], atol=1e-12)
    wrong = one_minus_km(competing_frame["time"], competing_frame["event"], cause=1)
    assert np.isclose(one_minus_km_24, wrong.loc[wrong["time"] <= 24, "estimate"].iloc[-1], atol=1e-12)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
