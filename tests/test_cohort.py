"""The cohort files' schemas: corrupt a copy in each way and expect a clear message."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mst_helpers.cohort import load_cohort
from mst_helpers.schema import DataValidationError

from .conftest import ROOT

FOLDER = ROOT / "data" / "reconstructed"


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "reconstructed"
    shutil.copytree(FOLDER, target)
    return target


def _edit(path, change):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


def test_committed_cohort_is_valid():
    cohort = load_cohort(FOLDER)
    assert len(cohort.patients) == 29 and cohort.patients["patient_id"].is_unique


def test_missing_column(copy):
    _edit(copy / "patients.csv", lambda f: f.drop(columns=["donor_age"]))
    with pytest.raises(DataValidationError, match=r"patients.csv: column 'donor_age' is missing"):
        load_cohort(copy)


def test_unknown_category(copy):
    def change(f):
        f.loc[3, "sex"] = "X"
        return f
    _edit(copy / "patients.csv", change)
    with pytest.raises(DataValidationError) as err:
        load_cohort(copy)
    assert "patients.csv: row 4" in str(err.value) and "column 'sex'" in str(err.value) and "'X'" in str(err.value)


def test_death_before_diagnosis(copy):
    def change(f):
        dead = f.index[f["death"] == "1"][0]
        f.loc[dead, "death_date"] = f.loc[dead, "last_contact_date"] = "2000-01-01"
        return f
    _edit(copy / "patients.csv", change)
    with pytest.raises(DataValidationError, match=r"patients.csv: row \d+ .*column 'death_date': 2000-01-01 is before"):
        load_cohort(copy)


def test_duplicate_id(copy):
    def change(f):
        f.loc[1, "patient_id"] = f.loc[0, "patient_id"]
        return f
    _edit(copy / "patients.csv", change)
    with pytest.raises(DataValidationError, match=r"row 2 .*column 'patient_id': duplicate value"):
        load_cohort(copy)


def test_courses_out_of_order(copy):
    def change(f):
        f.loc[1, "course"] = "5"
        return f
    _edit(copy / "courses.csv", change)
    with pytest.raises(DataValidationError, match=r"courses.csv: row 1 .*column 'course': courses \[1, 5"):
        load_cohort(copy)


def test_below_detection_stored_as_zero_is_refused(copy):
    def change(f):
        f.loc[0, "donor_chimerism_pct"] = "0"
        return f
    _edit(copy / "chimerism.csv", change)
    with pytest.raises(DataValidationError, match="below detection, so leave it empty"):
        load_cohort(copy)


def test_unknown_patient_in_labs(copy):
    def change(f):
        f.loc[5, "patient_id"] = "MST-99"
        return f
    _edit(copy / "labs.csv", change)
    with pytest.raises(DataValidationError, match=r"labs.csv: row 6 .*'MST-99' is not in patients.csv"):
        load_cohort(copy)
