"""Clinical endpoints derived from the cohort files, exactly per the paper's definitions.

One month is :data:`DAYS_PER_MONTH` = 365/12 days, everywhere in the book. It is the only
common convention under which the printed follow-up figures (52.96, 148.47 and 219.12
months) are durations of whole days (the audit chapter shows the search); the printed OS
figures (1.00, 20.00, 205.00) are whole months and are compared at that precision.
"""

from __future__ import annotations

#: Days in one month (365/12), used for every conversion in the book.
DAYS_PER_MONTH = 365 / 12
#: Conventions the audit compares when asking which one the paper used.
MONTH_CONVENTIONS = {"365/12": 365 / 12, "365.25/12": 365.25 / 12, "30": 30.0, "30.44": 30.44}

import numpy as np
import pandas as pd

__all__ = [
    "DAYS_PER_MONTH",
    "MONTH_CONVENTIONS",
    "months_between",
    "overall_survival",
    "leukaemia_free_survival",
    "competing_events_from_cr",
    "competing_events_from_diagnosis",
    "early_deaths",
    "potential_follow_up",
    "alive_at",
    "leukaemia_free_at",
    "recovery_times",
]

#: Event codes for competing risks (as in R's cmprsk: 0 = censored).
CENSORED, RELAPSE, NON_RELAPSE_DEATH = 0, 1, 2


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days between two date columns, in months of 365/12 days."""
    return (pd.to_datetime(end) - pd.to_datetime(start)).dt.days / DAYS_PER_MONTH


def _check_columns(patients: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in patients.columns]
    if missing:
        raise ValueError(f"patients table lacks column(s) {missing}")


def overall_survival(patients: pd.DataFrame) -> pd.DataFrame:
    """OS: diagnosis to death from any cause; alive patients censored at last contact.

    Returns ``patient_id``, ``time`` (months) and ``event`` (1 = death).
    """
    _check_columns(patients, ["patient_id", "diagnosis_date", "death", "death_date", "last_contact_date"])
    end = patients["death_date"].where(patients["death"] == 1, patients["last_contact_date"])
    return pd.DataFrame({"patient_id": patients["patient_id"], "time": months_between(patients["diagnosis_date"], end),
                         "event": patients["death"].astype(int)})


def leukaemia_free_survival(patients: pd.DataFrame) -> pd.DataFrame:
    """LFS: from CR to relapse or death from any cause, whichever comes first (CR patients only).

    A death on the CR date gives time 0 with an event; relapse and death on the same day count
    once. Patients alive without relapse are censored at last contact.
    """
    _check_columns(patients, ["cr", "cr_date", "relapse", "relapse_date"])
    cr = patients[patients["cr"] == 1]
    relapse = cr["relapse_date"].where(cr["relapse"] == 1)
    death = cr["death_date"].where(cr["death"] == 1)
    first_event = pd.concat([relapse, death], axis=1).min(axis=1)
    end = first_event.fillna(cr["last_contact_date"])
    return pd.DataFrame({"patient_id": cr["patient_id"], "time": months_between(cr["cr_date"], end),
                         "event": first_event.notna().astype(int)}).reset_index(drop=True)


def competing_events_from_cr(patients: pd.DataFrame, group_column: str = "age_group") -> pd.DataFrame:
    """Relapse vs death without relapse, timed from the CR date (the paper's Methods).

    ``event``: 1 relapse, 2 death without relapse (NRM), 0 censored. Relapse and death on the
    same day count as relapse (the death follows the relapse). ``group_column`` is carried along
    when the table has it.
    """
    cr = patients[patients["cr"] == 1]
    relapsed = cr["relapse"] == 1
    died = cr["death"] == 1
    end = cr["relapse_date"].where(relapsed, cr["death_date"].where(died, cr["last_contact_date"]))
    event = np.where(relapsed, RELAPSE, np.where(died, NON_RELAPSE_DEATH, CENSORED))
    return pd.DataFrame({"patient_id": cr["patient_id"], **_carried(cr, group_column),
                         "time": months_between(cr["cr_date"], end), "event": event}).reset_index(drop=True)


def _carried(patients: pd.DataFrame, group_column: str) -> dict:
    return {group_column: patients[group_column]} if group_column in patients.columns else {}


def competing_events_from_diagnosis(patients: pd.DataFrame, paper_definition: bool = False,
                                    group_column: str = "age_group") -> pd.DataFrame:
    """Relapse vs non-relapse mortality among all patients, timed from diagnosis.

    By default the framework the printed fractions (9/20, 6/9; 2/20, 2/9) imply. ``event``:
    1 relapse, 2 NRM (death without relapse from a cause other than leukaemia), 3 death from
    leukaemia without remission (neither), 0 censored. That third event type contradicts the
    paper's own definition ("NRM included any death not due to relapse"); with
    ``paper_definition=True`` every death without relapse is NRM (event 2) and there is no event 3;
    only the default needs the ``death_cause`` column.
    """
    relapsed = patients["relapse"] == 1
    died = patients["death"] == 1
    if paper_definition:
        leukaemic = pd.Series(False, index=patients.index)
    else:
        _check_columns(patients, ["death_cause"])
        leukaemic = patients["death_cause"].fillna("") == "relapse"
    end = patients["relapse_date"].where(relapsed, patients["death_date"].where(died, patients["last_contact_date"]))
    refractory = NON_RELAPSE_DEATH if paper_definition else 3
    event = np.select([relapsed, died & ~leukaemic, died & leukaemic], [RELAPSE, NON_RELAPSE_DEATH, refractory], CENSORED)
    return pd.DataFrame({"patient_id": patients["patient_id"], **_carried(patients, group_column),
                         "time": months_between(patients["diagnosis_date"], end), "event": event})


def early_deaths(patients: pd.DataFrame, courses: pd.DataFrame, weeks: int = 4) -> pd.Series:
    """1 where a patient died within ``weeks`` weeks (28 days) of starting chemotherapy."""
    first = courses.sort_values("course").groupby("patient_id")["chemo_start_date"].first()
    start = patients["patient_id"].map(first)
    days = (pd.to_datetime(patients["death_date"]) - pd.to_datetime(start)).dt.days
    return ((patients["death"] == 1) & (days <= 7 * weeks)).astype(int)


def potential_follow_up(patients: pd.DataFrame, cutoff: str | pd.Timestamp = "2025-10-31") -> pd.Series:
    """Months from diagnosis to the follow-up cut-off, whatever happened (potential follow-up)."""
    return (pd.Timestamp(cutoff) - pd.to_datetime(patients["diagnosis_date"])).dt.days / DAYS_PER_MONTH


def alive_at(patients: pd.DataFrame, months: float) -> pd.Series:
    """1 where the patient is known alive ``months`` after diagnosis."""
    os_ = overall_survival(patients)
    return (os_["time"] >= months).astype(int).set_axis(patients.index)


def leukaemia_free_at(patients: pd.DataFrame, months: float) -> pd.Series:
    """1 where the patient is alive, in CR and without relapse ``months`` after diagnosis."""
    t = pd.Timedelta(days=months * DAYS_PER_MONTH)
    horizon = pd.to_datetime(patients["diagnosis_date"]) + t
    in_cr = (patients["cr"] == 1) & (pd.to_datetime(patients["cr_date"]) <= horizon)
    no_relapse = (patients["relapse"] == 0) | (pd.to_datetime(patients["relapse_date"]) > horizon)
    return (in_cr & no_relapse & (alive_at(patients, months) == 1)).astype(int)


def _first_run(flags: np.ndarray, length: int = 3, start: int = 0) -> int | None:
    """Index of the first of ``length`` consecutive True values at or after ``start``."""
    run = 0
    for i in range(start, len(flags)):
        run = run + 1 if flags[i] else 0
        if run == length:
            return i - length + 1
    return None


def recovery_times(labs: pd.DataFrame) -> pd.DataFrame:
    """Haematopoietic recovery per patient and course, by the paper's rule.

    *Start*: the first of three consecutive days with ANC < 2 × 10⁹/L **and** platelets
    < 100 × 10⁹/L after chemotherapy. Neutrophil recovery ends on the first of three
    consecutive days with ANC > 0.5 × 10⁹/L, platelet recovery on the first of three with
    platelets > 30 × 10⁹/L, each searched from the start day; the recovery *time* is end − start
    in days. The paper states one endpoint with both thresholds; timing the two lineages
    separately is what its two medians (12 and 14 days) require. Days must be consecutive
    calendar days: a missing day breaks a run. A series that never meets a rule gives NaN.

    Returns ``patient_id``, ``course``, ``start_day``, ``neutrophil_days``, ``platelet_days``.
    """
    rows = []
    for (pid, course), series in labs.sort_values("day").groupby(["patient_id", "course"], sort=True):
        days = series["day"].to_numpy()
        full = np.arange(days.min(), days.max() + 1)
        anc = pd.Series(series["anc_1e9_per_l"].to_numpy(), index=days).reindex(full)
        plt = pd.Series(series["platelets_1e9_per_l"].to_numpy(), index=days).reindex(full)
        low = ((anc < 2) & (plt < 100)).to_numpy()
        start = _first_run(low)
        out = {"patient_id": pid, "course": course, "start_day": np.nan, "neutrophil_days": np.nan, "platelet_days": np.nan}
        if start is not None:
            out["start_day"] = int(full[start])
            n_end = _first_run((anc > 0.5).to_numpy(), start=start)
            p_end = _first_run((plt > 30).to_numpy(), start=start)
            if n_end is not None:
                out["neutrophil_days"] = int(full[n_end] - full[start])
            if p_end is not None:
                out["platelet_days"] = int(full[p_end] - full[start])
        rows.append(out)
    return pd.DataFrame(rows)
