"""Donor chimerism after MST: who was ever detectable, and one patient's trajectory."""

from __future__ import annotations

import pandas as pd

__all__ = ["chimerism_status", "detected_measurements"]


def chimerism_status(patients: pd.DataFrame, chimerism: pd.DataFrame) -> pd.DataFrame:
    """Per patient: number of measurements, whether donor cells were ever detected.

    Patients never tested (e.g. early deaths before white-cell recovery) count as without
    detectable chimerism, as the paper's 28 of 29 does; ``tested`` tells them apart.
    """
    counts = chimerism.groupby("patient_id").agg(measurements=("date", "size"),
                                                 detected=("below_detection", lambda s: int((s == 0).any())))
    status = patients[["patient_id", "age_group"]].merge(counts, on="patient_id", how="left")
    status["measurements"] = status["measurements"].fillna(0).astype(int)
    status["detected"] = status["detected"].fillna(0).astype(int)
    status["tested"] = (status["measurements"] > 0).astype(int)
    return status


def detected_measurements(chimerism: pd.DataFrame) -> pd.DataFrame:
    """Measurements above the detection limit, in date order, with days since the previous one."""
    detected = chimerism[chimerism["below_detection"] == 0].sort_values(["patient_id", "date"]).copy()
    detected["days_since_previous"] = detected.groupby("patient_id")["date"].diff().dt.days
    return detected.reset_index(drop=True)
