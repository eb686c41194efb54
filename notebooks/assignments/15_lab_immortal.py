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
# name: 15_lab_immortal

# %% [markdown]
# # Lab assignment 15: immortal time in the Stanford heart-transplant programme
#
# Companion to the lab chapter on immortal-time bias. The data are real: 103 patients accepted for a
# heart transplant at Stanford (1967–74), 69 of whom received one — the data on which Mantel and
# Byar made their case. lifelines ships them in counting-process form: one row per patient and
# interval (`start`, `stop` in days since acceptance), `transplant` = 0 while waiting and 1 after.

# %%
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_stanford_heart_transplants

heart = load_stanford_heart_transplants()
heart.head()

# %% [raw]
# # BEGIN QUESTION
# name: lab_ever_transplanted
# points: 2

# %% [markdown]
# **Question 1 — the naive "ever transplanted" comparison.** Collapse `heart` to one row per patient
# (`per_patient`: `id`, `time` = end of follow-up, `event` at that end, `ever` = 1 if the patient was
# ever transplanted) and set `naive_hr` to the Cox hazard ratio of `ever`.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
ordered = heart.sort_values(["id", "start"]).groupby("id")
per_patient = pd.DataFrame({"time": ordered["stop"].max(), "event": ordered["event"].last(),
                            "ever": ordered["transplant"].max()}).reset_index()
naive_hr = float(CoxPHFitter().fit(per_patient[["time", "event", "ever"]], "time", "event").hazard_ratios_["ever"])
# END SOLUTION
naive_hr

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_per_patient_rows(per_patient):
    assert len(per_patient) == 103 and per_patient["ever"].sum() == 69, "103 patients, 69 transplanted"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_naive_hr_matches_the_book(naive_hr, heart, np):
    from lifelines import CoxPHFitter
    from mst_helpers.immortal import ever_exposed
    book = ever_exposed(heart, exposure="transplant", id_col="id")
    reference = CoxPHFitter().fit(book[["time", "event", "ever"]], "time", "event").hazard_ratios_["ever"]
    assert np.isclose(naive_hr, reference, rtol=1e-6)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: lab_time_dependent_transplant
# points: 2

# %% [markdown]
# **Question 2 — transplant as a time-dependent covariate.** Fit `CoxTimeVaryingFitter` to `heart`
# with `transplant` as the only covariate and set `td_hr` to its hazard ratio. Compare it with
# `naive_hr`: where did the naive benefit come from?

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
td_hr = float(CoxTimeVaryingFitter().fit(heart[["id", "start", "stop", "event", "transplant"]], id_col="id", event_col="event",
                                         start_col="start", stop_col="stop").hazard_ratios_["transplant"])
# END SOLUTION
td_hr

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_td_hr_is_larger_than_naive(td_hr, naive_hr):
    assert td_hr > naive_hr, "once waiting time counts as untransplanted time, most of the 'benefit' goes"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_td_hr_matches_the_book(td_hr, heart, np):
    from mst_helpers.immortal import time_dependent_cox
    assert np.isclose(td_hr, time_dependent_cox(heart, exposure="transplant", id_col="id").hr, rtol=1e-5)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: lab_landmark_30_days
# points: 3

# %% [markdown]
# **Question 3 — a landmark at 30 days.** Keep the patients still under follow-up beyond day 30,
# classify them by whether they had been transplanted by day 30, restart the clock at the landmark,
# and set `landmark_frame` (`id`, `time` since day 30, `event`, `exposed`) and `landmark_hr` (Cox
# hazard ratio of `exposed`). What does this landmark ignore about the patients transplanted later?

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
LANDMARK = 30.0
transplant_day = heart[heart["transplant"] == 1].groupby("id")["start"].min()
kept = per_patient[per_patient["time"] > LANDMARK]
landmark_frame = pd.DataFrame({"id": kept["id"], "time": kept["time"] - LANDMARK, "event": kept["event"],
                               "exposed": (transplant_day.reindex(kept["id"]).to_numpy() <= LANDMARK).astype(int)})
landmark_hr = float(CoxPHFitter().fit(landmark_frame[["time", "event", "exposed"]], "time", "event").hazard_ratios_["exposed"])
# END SOLUTION
len(landmark_frame), landmark_hr

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_landmark_frame(landmark_frame):
    assert list(landmark_frame.columns[:4]) == ["id", "time", "event", "exposed"], "columns id, time, event, exposed"
    assert (landmark_frame["time"] > 0).all(), "only patients followed beyond the landmark, clock restarted there"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_landmark_matches_the_book(landmark_frame, landmark_hr, heart, np):
    from lifelines import CoxPHFitter
    from mst_helpers.immortal import landmark_intervals
    book = landmark_intervals(heart, 30.0, exposure="transplant", id_col="id").sort_values("id")
    mine = landmark_frame.sort_values("id")
    assert list(mine["id"]) == list(book["id"]) and (mine["exposed"].to_numpy() == book["exposed"].to_numpy()).all()
    reference = CoxPHFitter().fit(book[["time", "event", "exposed"]], "time", "event").hazard_ratios_["exposed"]
    assert np.isclose(landmark_hr, reference, rtol=1e-6)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
