"""The cohort files' schemas: corrupt a copy in each way and expect a clear message."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mst_helpers.cohort import (OPTIONAL_FILES, REQUIRED_PATIENT_COLUMNS, analysis_groups, censor_at, group_order,
                                load_cohort, section_plan)
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


def test_missing_required_column(copy):
    _edit(copy / "patients.csv", lambda f: f.drop(columns=["diagnosis_date"]))
    with pytest.raises(DataValidationError, match=r"patients.csv: column 'diagnosis_date' is missing"):
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


# --- The cohort contract: what a reader's cohort must have, and what it may leave out ---------------

def test_a_minimal_cohort_loads(copy):
    """Only the required columns of patients.csv, none of the optional files."""
    _edit(copy / "patients.csv", lambda f: f[list(REQUIRED_PATIENT_COLUMNS)])
    for name in OPTIONAL_FILES:
        (copy / f"{name}.csv").unlink()
    cohort = load_cohort(copy)
    assert list(cohort.patients.columns) == list(REQUIRED_PATIENT_COLUMNS)
    assert cohort.courses is None and cohort.chimerism is None and cohort.labs is None


@pytest.mark.parametrize("name", OPTIONAL_FILES)
def test_each_optional_file_can_be_absent(copy, name):
    (copy / f"{name}.csv").unlink()
    if name == "courses":   # chimerism and labs name courses: without courses.csv they cannot be checked
        for other in ("chimerism", "labs"):
            (copy / f"{other}.csv").unlink()
    cohort = load_cohort(copy)
    assert getattr(cohort, name) is None and len(cohort.patients) == 29


def test_generic_values_are_accepted(copy):
    def change(f):
        f.loc[0, "age"] = "35"
        f.loc[0, "age_group"] = "adult"
        f.loc[1, "hla_mismatch"] = "haplo 5/10"
        f.loc[2, "donor_relation"] = "sibling"
        return f
    _edit(copy / "patients.csv", change)
    cohort = load_cohort(copy)
    assert cohort.patients.loc[0, "age"] == 35


def test_an_extra_column_is_kept_and_named(copy):
    from mst_helpers.schema import extra_columns_note

    _edit(copy / "patients.csv", lambda f: f.assign(centre="B"))
    cohort = load_cohort(copy)
    assert (cohort.patients["centre"] == "B").all()
    assert "column 'centre' not used by the book" in extra_columns_note("patients.csv", cohort.patients)


def test_an_age_outside_its_stated_group_is_refused(copy):
    def change(f):
        f.loc[0, "age"] = "30"
        return f
    _edit(copy / "patients.csv", change)
    with pytest.raises(DataValidationError, match=r"row 1 .*column 'age_group': age 30 is outside the group '60-70'"):
        load_cohort(copy)


def _first(f, column="patient_id"):
    return f.loc[0, column]


@pytest.mark.parametrize("file, change, message", [
    ("courses.csv", lambda f: f.assign(chemo_start_date=["1990-01-01"] + list(f["chemo_start_date"][1:])),
     r"courses.csv: row 1 .*column 'chemo_start_date': 1990-01-01 is before the patient's diagnosis_date"),
    ("chimerism.csv", lambda f: f.assign(date=["2030-01-01"] + list(f["date"][1:])),
     r"chimerism.csv: row 1 .*column 'date': 2030-01-01 is after the patient's last_contact_date"),
    ("chimerism.csv", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True),
     r"chimerism.csv: row \d+ .*a second value for the same patient, course and date"),
    ("chimerism.csv", lambda f: f.assign(course=["9"] + list(f["course"][1:])),
     r"chimerism.csv: row 1 .*column 'course': course 9 is not in courses.csv"),
    ("labs.csv", lambda f: f.assign(course=["7"] * 1 + list(f["course"][1:])),
     r"labs.csv: row 1 .*course 7 is not in courses.csv"),
    ("labs.csv", lambda f: f.assign(day=["4000"] + list(f["day"][1:])),
     r"labs.csv: row 1 .*day 4000 of course 1 falls after the patient's last_contact_date"),
    ("patients.csv", lambda f: f.assign(mnc_1e8_per_kg=["9.99"] + list(f["mnc_1e8_per_kg"][1:])),
     r"patients.csv: row 1 .*column 'mnc_1e8_per_kg': 9.99 but the mean of its courses"),
])
def test_cross_file_rules(copy, file, change, message):
    _edit(copy / file, change)
    with pytest.raises(DataValidationError, match=message):
        load_cohort(copy)


def test_a_cutoff_censors_follow_up():
    full = load_cohort(FOLDER)
    cut = censor_at(full, "2015-01-01")
    p = cut.patients
    assert (p["last_contact_date"] <= pd.Timestamp("2015-01-01")).all()
    assert p["death_date"].dropna().le(pd.Timestamp("2015-01-01")).all()
    assert len(p) == (full.patients["diagnosis_date"] <= pd.Timestamp("2015-01-01")).sum()
    assert (cut.courses["infusion_date"] <= pd.Timestamp("2015-01-01")).all()
    # A cut-off after every last contact changes nothing.
    same = censor_at(full, "2030-01-01")
    pd.testing.assert_frame_equal(same.patients, full.patients)


def test_groups_come_from_the_column_or_from_age():
    p = load_cohort(FOLDER).patients
    assert analysis_groups(p).equals(p["age_group"].astype(str))
    derived = analysis_groups(p.drop(columns=["age_group"]), age_cut=65)
    assert set(derived) == {"<=65", ">65"} and (derived == ">65").sum() == (p["age"] > 65).sum()
    assert group_order(pd.Series(["arm B", ">70", "60-70", "arm A"])) == ["60-70", ">70", "arm A", "arm B"]
    with pytest.raises(DataValidationError, match="column 'centre' .*is missing"):
        analysis_groups(p, "centre")


def test_a_section_plan_names_what_is_skipped_and_why(copy):
    (copy / "labs.csv").unlink()
    runs, note = section_plan(load_cohort(copy), {"Recovery": ("labs",), "Donor age": ("donor_age",)})
    assert runs == {"Recovery": False, "Donor age": True}
    assert note == "Skipped on this cohort, for want of their inputs: *Recovery* (needs labs.csv)."
