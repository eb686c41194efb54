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
# name: 07_immortal
# files:
#   - patients.csv
#   - courses.csv

# %% [markdown]
# # Assignment 7: the ">3 courses" comparison, with and without immortal time
#
# Companion to the chapter *Immortal time: the ">3 courses" headline*. A patient can only receive a
# fourth course by being alive when it is due, so comparing patients by the number of courses they
# *eventually* received credits the waiting time to the ">3" group. You compute the naive hazard
# ratio, then split each patient's follow-up at the fourth infusion and fit the time-dependent
# model, then a landmark analysis with a landmark chosen after the exposure window.
#
# > **Note.** `patients.csv` and `courses.csv` are the book's **reconstructed cohort**: 29 synthetic
# > patients built to satisfy the paper's published aggregates, not the trial's patient-level data.

# %%
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter

MONTH = 365 / 12   # days
patients = pd.read_csv("patients.csv", parse_dates=["diagnosis_date", "death_date", "last_contact_date"])
courses = pd.read_csv("courses.csv", parse_dates=["infusion_date"])
end = patients["death_date"].where(patients["death"] == 1, patients["last_contact_date"])
os_frame = pd.DataFrame({"patient_id": patients["patient_id"],
                         "time": (end - patients["diagnosis_date"]).dt.days / MONTH,
                         "event": patients["death"].astype(int),
                         "gt3": (patients["mst_courses"] > 3).astype(int)})
os_frame.head()

# %% [raw]
# # BEGIN QUESTION
# name: naive_hazard_ratio
# points: 2

# %% [markdown]
# **Question 1 — the naive comparison.** Fit a Cox model of overall survival (`os_frame`) with `gt3`
# (more than three courses, as eventually received) as a baseline covariate and set `naive_hr` to
# its hazard ratio. This is the analysis that carries immortal-time bias.

# %% [raw]
# # BEGIN SOLUTION

# %%
naive = CoxPHFitter().fit(os_frame[["time", "event", "gt3"]], duration_col="time", event_col="event")  # SOLUTION
naive_hr = float(naive.hazard_ratios_["gt3"])  # SOLUTION
naive_hr

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_naive_hr_is_a_ratio(naive_hr):
    assert 0 < naive_hr < 1, "patients who lived long enough for a fourth course die less: the naive HR is below 1"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_naive_hr_value(naive_hr, os_frame, np):
    from lifelines import CoxPHFitter
    fitted = CoxPHFitter().fit(os_frame[["time", "event", "gt3"]], duration_col="time", event_col="event")
    assert np.isclose(naive_hr, fitted.hazard_ratios_["gt3"], rtol=1e-6)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: counting_process_split
# points: 3

# %% [markdown]
# **Question 2 — split the follow-up at the fourth infusion.** Build `intervals`, the counting-process
# rows: `patient_id`, `start`, `stop` (months from diagnosis), `event` and `gt3` (0 before the
# infusion of course 4, 1 from it on). A patient who never receives course 4 (or receives it after
# the end of follow-up) keeps one row (0, time] with `gt3 = 0`; one who does gets (0, switch] with
# no event and (switch, time] with `gt3 = 1` and the patient's event.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
fourth = courses[courses["course"] == 4].set_index("patient_id")["infusion_date"]
diagnosis = patients.set_index("patient_id")["diagnosis_date"]
switch = ((fourth.reindex(diagnosis.index) - diagnosis).dt.days / MONTH)
rows = []
for pid, time, event in zip(os_frame["patient_id"], os_frame["time"], os_frame["event"]):
    s = switch[pid]
    if np.isnan(s) or s >= time:
        rows.append((pid, 0.0, time, event, 0))
    else:
        rows += [(pid, 0.0, s, 0, 0), (pid, s, time, event, 1)]
intervals = pd.DataFrame(rows, columns=["patient_id", "start", "stop", "event", "gt3"])
# END SOLUTION
intervals.head()

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_intervals_tile_follow_up(intervals, os_frame, np):
    assert list(intervals.columns[:5]) == ["patient_id", "start", "stop", "event", "gt3"], \
        "columns patient_id, start, stop, event, gt3 (in that order)"
    assert (intervals["start"] < intervals["stop"]).all(), "every interval has positive length"
    per_patient = intervals.groupby("patient_id").agg(first=("start", "min"), last=("stop", "max"),
                                                      length=("stop", "sum"), events=("event", "sum"))
    per_patient["length"] -= intervals.groupby("patient_id")["start"].sum()
    follow = os_frame.set_index("patient_id").loc[per_patient.index]
    assert (per_patient["first"] == 0).all(), "each patient's first interval starts at diagnosis"
    assert np.allclose(per_patient["length"], follow["time"]), "the intervals add up to the follow-up, without gaps"
    assert (per_patient["events"] == follow["event"]).all(), "one event at most, on the last interval"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_intervals_match_the_book(intervals, patients, courses, np):
    from mst_helpers.immortal import counting_process
    book = counting_process(patients, courses).sort_values(["patient_id", "start"]).reset_index(drop=True)
    mine = intervals.sort_values(["patient_id", "start"]).reset_index(drop=True)
    assert len(mine) == len(book), f"{len(book)} rows expected"
    assert (mine["patient_id"] == book["patient_id"]).all()
    assert np.allclose(mine[["start", "stop"]], book[["start", "stop"]], atol=1e-9)
    assert (mine["event"].to_numpy() == book["event"].to_numpy()).all() and (mine["gt3"].to_numpy() == book["gt3"].to_numpy()).all()


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: time_dependent_cox
# points: 2

# %% [markdown]
# **Question 3 — the time-dependent Cox model.** Fit `CoxTimeVaryingFitter` to `intervals` with `gt3`
# as the only covariate and set `td_hr` to its hazard ratio. (On these data lifelines' default
# Newton step overshoots; pass `fit_options={"step_size": 0.5}` — a half step converges.) Is the
# hazard ratio still below 1? The reconstructed cohort was built to match the paper's aggregates,
# so its answer says nothing about the real trial: it shows the method.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
td = CoxTimeVaryingFitter().fit(intervals[["patient_id", "start", "stop", "event", "gt3"]], id_col="patient_id",
                                event_col="event", start_col="start", stop_col="stop", fit_options={"step_size": 0.5})
td_hr = float(td.hazard_ratios_["gt3"])
# END SOLUTION
td_hr

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_td_hr_is_not_the_naive_one(td_hr, naive_hr):
    assert td_hr > naive_hr, "counting the waiting time as time without a fourth course moves the ratio up from the naive one"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_td_hr_matches_the_book(td_hr, intervals, np):
    # Fitted on the student's own intervals: a mistake in question 2 is not charged twice.
    from mst_helpers.immortal import time_dependent_cox
    assert np.isclose(td_hr, time_dependent_cox(intervals).hr, rtol=1e-5)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: landmark_after_exposure
# points: 3

# %% [markdown]
# **Question 4 — choose a landmark, then compare.** A landmark analysis classifies patients by their
# exposure *at* the landmark and follows only those still under follow-up then. Set `landmark` to
# the smallest whole number of months by which every fourth course in `courses` had been infused
# (so no patient changes group after it), then build `landmark_frame` (patients with follow-up
# beyond the landmark: `patient_id`, `time` from the landmark, `event`, `exposed` = course 4
# infused by the landmark) and set `landmark_hr` to the Cox hazard ratio of `exposed`.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
landmark = int(np.ceil(switch.max()))
kept = os_frame[os_frame["time"] > landmark]
landmark_frame = pd.DataFrame({"patient_id": kept["patient_id"], "time": kept["time"] - landmark,
                               "event": kept["event"],
                               "exposed": (switch.reindex(kept["patient_id"]).to_numpy() <= landmark).astype(int)})
landmark_hr = float(CoxPHFitter().fit(landmark_frame[["time", "event", "exposed"]], "time", "event").hazard_ratios_["exposed"])
# END SOLUTION
landmark, landmark_hr

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_landmark_is_after_every_switch(landmark, courses, patients):
    fourth = courses[courses["course"] == 4].merge(patients[["patient_id", "diagnosis_date"]], on="patient_id")
    latest = ((fourth["infusion_date"] - fourth["diagnosis_date"]).dt.days / (365 / 12)).max()
    assert landmark == int(landmark) and latest <= landmark < latest + 1, \
        "the smallest whole number of months at or after the last fourth infusion"


# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_landmark_analysis_matches_the_book(landmark_frame, landmark_hr, landmark, patients, courses, np):
    from lifelines import CoxPHFitter
    from mst_helpers.immortal import counting_process, landmark_intervals
    book = landmark_intervals(counting_process(patients, courses), landmark).sort_values("patient_id")
    mine = landmark_frame.sort_values("patient_id")
    assert list(mine["patient_id"]) == list(book["patient_id"]), "the patients under follow-up beyond the landmark"
    assert (mine["exposed"].to_numpy() == book["exposed"].to_numpy()).all()
    assert np.allclose(mine["time"], book["time"], atol=1e-9)
    reference = CoxPHFitter().fit(book[["time", "event", "exposed"]], "time", "event").hazard_ratios_["exposed"]
    assert np.isclose(landmark_hr, reference, rtol=1e-6)


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
