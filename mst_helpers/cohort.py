"""The cohort files (``data/reconstructed/``): schemas, loaders and cross-file rules.

Every chapter that needs patient-level data calls :func:`load_cohort`. Each file is validated
against its schema (types, allowed values, dates in order) and the files against each other
(every course belongs to a known patient, course numbers run 1, 2, 3…). A malformed file stops
the build with a :class:`~mst_helpers.schema.DataValidationError` naming file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .schema import DataValidationError, read_validated_csv, row_label

__all__ = ["Cohort", "CUTOFF", "load_cohort", "patients_schema", "courses_schema", "chimerism_schema", "labs_schema",
           "RECONSTRUCTED_NOTICE", "is_reconstruction"]

CUTOFF = pd.Timestamp("2025-10-31")
AE_COLUMNS = ("ae_cardiac_failure", "ae_arrhythmia", "ae_liver_enzymes", "ae_nausea", "ae_vomiting", "ae_diarrhea", "ae_sepsis")
#: The sentence every page that uses these data shows at its top.
RECONSTRUCTED_NOTICE = (
    "This page runs on a **reconstructed cohort**: 29 synthetic patients built to satisfy the "
    "paper's published aggregates. No row is a real patient; individual-level patterns beyond "
    "the published numbers are assumptions (see *Where the data come from*)."
)


@dataclass(frozen=True)
class Cohort:
    """The four tables of a cohort (reconstructed, or real data in the same format)."""

    patients: pd.DataFrame
    courses: pd.DataFrame
    chimerism: pd.DataFrame
    labs: pd.DataFrame
    seed: int | None = None
    #: Reconstruction slot (row of ``reconstruct.PROFILES``) -> patient id; None for files read from disk.
    slots: dict | None = None


def _flag(name: str) -> pa.Column:
    return pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1]), nullable=False)


def _date(nullable: bool = False) -> pa.Column:
    return pa.Column("datetime64[ns]", coerce=True, nullable=nullable)


def patients_schema() -> pa.DataFrameSchema:
    columns = {
        "patient_id": pa.Column(str, unique=True, checks=pa.Check.str_matches(r"^[A-Za-z0-9_-]+$")),
        "age": pa.Column(int, coerce=True, checks=pa.Check.in_range(18, 110)),
        "age_group": pa.Column(str, checks=pa.Check.isin(["60-70", ">70"])),
        "sex": pa.Column(str, checks=pa.Check.isin(["F", "M"])),
        "donor_sex": pa.Column(str, checks=pa.Check.isin(["F", "M"])),
        "donor_age": pa.Column(int, coerce=True, checks=pa.Check.in_range(10, 90)),
        "donor_relation": pa.Column(str, checks=pa.Check.isin(["related", "unrelated"])),
        "hla_mismatch": pa.Column(str, checks=pa.Check.isin(["5/10", "6/10"])),
        "diagnosis_date": _date(),
        "induction_regimen": pa.Column(str, checks=pa.Check.isin(["IA", "MA"])),
        "induction_cycles": pa.Column(int, coerce=True, checks=pa.Check.in_range(1, 3)),
        "cr": _flag("cr"),
        "cr_date": _date(nullable=True),
        "relapse": _flag("relapse"),
        "relapse_date": _date(nullable=True),
        "death": _flag("death"),
        "death_date": _date(nullable=True),
        "death_cause": pa.Column(str, nullable=True, checks=pa.Check.isin(["relapse", "infection", "organ_failure"])),
        "last_contact_date": _date(),
        "mst_courses": pa.Column(int, coerce=True, checks=pa.Check.in_range(1, 20)),
        "mnc_1e8_per_kg": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "cd34_1e6_per_kg": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "cd3_1e8_per_kg": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "gvhd": _flag("gvhd"),
    }
    columns.update({ae: _flag(ae) for ae in AE_COLUMNS})
    return pa.DataFrameSchema(columns, strict=True, ordered=False)


def _patient_rules(p: pd.DataFrame) -> list[str]:
    """Row rules: flags agree with dates; diagnosis ≤ CR ≤ relapse ≤ death ≤ cut-off."""
    problems = []

    def where(i: int, column: str) -> str:
        return f"{row_label(i)}, patient_id {p['patient_id'].iloc[i]!r}, column {column!r}"

    for i, r in enumerate(p.itertuples(index=False)):
        expected_group = "60-70" if r.age <= 70 else ">70"
        if r.age_group != expected_group:
            problems.append(f"{where(i, 'age_group')}: age {r.age} belongs to group {expected_group!r}")
        for flag, date in (("cr", "cr_date"), ("relapse", "relapse_date"), ("death", "death_date")):
            has = not pd.isna(getattr(r, date))
            if getattr(r, flag) == 1 and not has:
                problems.append(f"{where(i, date)}: {flag} = 1 needs a date")
            if getattr(r, flag) == 0 and has:
                problems.append(f"{where(i, date)}: a date is given but {flag} = 0")
        if r.relapse == 1 and r.cr == 0:
            problems.append(f"{where(i, 'relapse')}: relapse without complete remission")
        if r.death == 1 and pd.isna(r.death_cause):
            problems.append(f"{where(i, 'death_cause')}: a death needs its cause")
        if r.death == 0 and not pd.isna(r.death_cause):
            problems.append(f"{where(i, 'death_cause')}: a cause of death for a patient alive")
        events = [("cr_date", r.cr_date), ("relapse_date", r.relapse_date), ("death_date", r.death_date)]
        for name, value in events:
            if not pd.isna(value) and value < r.diagnosis_date:
                problems.append(f"{where(i, name)}: {value:%Y-%m-%d} is before diagnosis_date {r.diagnosis_date:%Y-%m-%d}")
        previous_name, previous = None, None
        for name, value in events:
            if pd.isna(value):
                continue
            if previous is not None and value < previous and value >= r.diagnosis_date:
                problems.append(f"{where(i, name)}: {value:%Y-%m-%d} is before {previous_name} {previous:%Y-%m-%d}")
            previous_name, previous = name, value
        if previous is not None and previous > CUTOFF:
            problems.append(f"{where(i, previous_name)}: {previous:%Y-%m-%d} is after the follow-up cut-off {CUTOFF:%Y-%m-%d}")
        if r.last_contact_date > CUTOFF or r.last_contact_date < r.diagnosis_date:
            problems.append(f"{where(i, 'last_contact_date')}: outside diagnosis..cut-off")
        if r.death == 1 and not pd.isna(r.death_date) and r.last_contact_date != r.death_date:
            problems.append(f"{where(i, 'last_contact_date')}: a patient who died was last seen at death")
    return problems


def courses_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "patient_id": pa.Column(str),
        "course": pa.Column(int, coerce=True, checks=pa.Check.ge(1)),
        "phase": pa.Column(str, checks=pa.Check.isin(["induction", "consolidation"])),
        "chemo_start_date": _date(),
        "infusion_date": _date(),
        "mnc_1e8_per_kg": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "cd34_1e6_per_kg": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "cd3_1e8_per_kg": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
    }, strict=True, ordered=False)


def _course_rules(c: pd.DataFrame) -> list[str]:
    problems = []
    for position, (pid, group) in enumerate(c.groupby("patient_id", sort=False)):
        numbers = group["course"].tolist()
        if numbers != list(range(1, len(numbers) + 1)):
            first = group.index[0]
            problems.append(f"{row_label(first)}, patient_id {pid!r}, column 'course': "
                            f"courses {numbers} are not numbered 1, 2, 3… in order")
        bad = group[group["infusion_date"] < group["chemo_start_date"]]
        for i in bad.index:
            problems.append(f"{row_label(i)}, patient_id {pid!r}, column 'infusion_date': before chemotherapy")
    return problems


def chimerism_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "patient_id": pa.Column(str),
        "course": pa.Column(int, coerce=True, checks=pa.Check.ge(1)),
        "date": _date(),
        "donor_chimerism_pct": pa.Column(float, coerce=True, nullable=True, checks=pa.Check.in_range(0, 100)),
        "below_detection": _flag("below_detection"),
        "detection_limit_pct": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
    }, strict=True, ordered=False)


def _chimerism_rules(c: pd.DataFrame) -> list[str]:
    problems = []
    for i, r in enumerate(c.itertuples(index=False)):
        if r.below_detection == 1 and not pd.isna(r.donor_chimerism_pct):
            problems.append(f"{row_label(i)}, column 'donor_chimerism_pct': below detection, so leave it empty (not zero)")
        if r.below_detection == 0 and pd.isna(r.donor_chimerism_pct):
            problems.append(f"{row_label(i)}, column 'donor_chimerism_pct': detected, so a value is needed")
    return problems


def labs_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "patient_id": pa.Column(str),
        "course": pa.Column(int, coerce=True, checks=pa.Check.ge(1)),
        "day": pa.Column(int, coerce=True, checks=pa.Check.ge(0)),
        "anc_1e9_per_l": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
        "platelets_1e9_per_l": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
    }, strict=True, ordered=False, unique=["patient_id", "course", "day"])


def _cross_file(folder: Path, patients: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    known = set(patients["patient_id"])
    for name, table in tables.items():
        unknown = table.index[~table["patient_id"].isin(known)]
        if len(unknown):
            i = int(unknown[0])
            raise DataValidationError(f"{folder / (name + '.csv')}: {row_label(i)}, column 'patient_id': "
                                      f"{table['patient_id'].iloc[i]!r} is not in patients.csv")
    counts = tables["courses"].groupby("patient_id")["course"].max()
    mismatch = patients[patients["patient_id"].map(counts).fillna(0).astype(int) != patients["mst_courses"]]
    if len(mismatch):
        i = int(mismatch.index[0])
        raise DataValidationError(f"{folder / 'patients.csv'}: {row_label(i)}, column 'mst_courses': "
                                  f"{mismatch['mst_courses'].iloc[0]} but courses.csv lists {counts.get(mismatch['patient_id'].iloc[0], 0)}")


#: The book's own reconstructed cohort, as shipped in the repository.
SHIPPED_RECONSTRUCTION = Path(__file__).resolve().parents[1] / "data" / "reconstructed"


def is_reconstruction(folder: str | Path) -> bool:
    """Whether ``folder`` is the book's shipped reconstruction. Only then may a page compare its
    numbers with the paper's printed targets; with a reader's own cohort it describes that cohort."""
    return Path(folder).resolve() == SHIPPED_RECONSTRUCTION


def load_cohort(folder: str | Path) -> Cohort:
    """Read and validate ``patients.csv``, ``courses.csv``, ``chimerism.csv`` and ``labs.csv``.

    Raises
    ------
    mst_helpers.schema.DataValidationError
        Naming the file, the row and the column of the first problems found.
    """
    folder = Path(folder)
    patients = read_validated_csv(folder / "patients.csv", patients_schema(), id_column="patient_id", extra_checks=_patient_rules)
    courses = read_validated_csv(folder / "courses.csv", courses_schema(), id_column="patient_id", extra_checks=_course_rules)
    chimerism = read_validated_csv(folder / "chimerism.csv", chimerism_schema(), id_column="patient_id", extra_checks=_chimerism_rules)
    labs = read_validated_csv(folder / "labs.csv", labs_schema(), id_column="patient_id")
    _cross_file(folder, patients, {"courses": courses, "chimerism": chimerism, "labs": labs})
    return Cohort(patients=patients, courses=courses, chimerism=chimerism, labs=labs)
