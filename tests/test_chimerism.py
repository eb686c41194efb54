"""Chimerism summaries and the figures that show them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from mst_helpers.chimerism import chimerism_status, detected_measurements
from mst_helpers.cohort import load_cohort
from mst_helpers.plotting import chimerism_plot, swimmer_plot

from .conftest import ROOT


def _hand():
    patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "age_group": ["60-70", "60-70", ">70"]})
    chimerism = pd.DataFrame({
        "patient_id": ["a", "a", "b", "b", "b"],
        "course": [1, 2, 1, 4, 4],
        "date": pd.to_datetime(["2010-01-01", "2010-04-01", "2010-01-01", "2010-09-01", "2010-09-08"]),
        "donor_chimerism_pct": [None, None, None, 7.973, 25.809],
        "below_detection": [1, 1, 1, 0, 0],
        "detection_limit_pct": 0.01,
    })
    return patients, chimerism


def test_status_counts_untested_as_not_detected():
    patients, chimerism = _hand()
    status = chimerism_status(patients, chimerism).set_index("patient_id")
    assert status["detected"].tolist() == [0, 1, 0]
    assert status.at["c", "tested"] == 0 and status.at["a", "measurements"] == 2


def test_detected_measurements_interval():
    _, chimerism = _hand()
    detected = detected_measurements(chimerism)
    assert detected["donor_chimerism_pct"].tolist() == [7.973, 25.809]
    assert detected["days_since_previous"].iloc[1] == 7


def test_committed_cohort_has_one_detectable_patient():
    cohort = load_cohort(ROOT / "data" / "reconstructed")
    status = chimerism_status(cohort.patients, cohort.chimerism)
    assert int(status["detected"].sum()) == 1 and len(status) == 29


def test_figures_show_every_patient_and_measurement():
    cohort = load_cohort(ROOT / "data" / "reconstructed")
    fig = swimmer_plot(cohort.patients, cohort.courses)
    assert len(fig.axes[0].get_yticklabels()) == 29
    fig = chimerism_plot(cohort.chimerism, cohort.courses)
    plotted = sum(len(line.get_xdata()) for line in fig.axes[0].get_lines() if line.get_linestyle() in ("None", "-") and line.get_marker() in ("v", "o"))
    assert plotted == len(cohort.chimerism)
