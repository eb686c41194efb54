"""The cohort files (``data/reconstructed/``): schemas, loaders and cross-file rules.

Every chapter that needs patient-level data calls :func:`load_cohort`. Each file is validated
against its schema (types, allowed values, dates in order) and the files against each other
(every course belongs to a known patient, course numbers run 1, 2, 3…). A malformed file stops
the build with a :class:`~mst_helpers.schema.DataValidationError` naming file, row and column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .schema import DataValidationError, listed_failures, read_validated_csv, row_label

__all__ = ["Cohort", "CUTOFF", "REQUIRED_PATIENT_COLUMNS", "OPTIONAL_FILES", "load_cohort", "censor_at", "patients_schema",
           "courses_schema", "chimerism_schema", "labs_schema", "RECONSTRUCTED_NOTICE", "is_reconstruction",
           "analysis_groups", "with_groups", "group_order", "group_bounds", "missing_inputs", "section_plan"]

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
    #: Optional files: None when the cohort does not have them.
    courses: pd.DataFrame | None = None
    chimerism: pd.DataFrame | None = None
    labs: pd.DataFrame | None = None
    seed: int | None = None
    #: Reconstruction slot (row of ``reconstruct.PROFILES``) -> patient id; None for files read from disk.
    slots: dict | None = None


def _flag(name: str, required: bool = True) -> pa.Column:
    return pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1]), nullable=False, required=required)


def _date(nullable: bool = False, required: bool = True) -> pa.Column:
    return pa.Column("datetime64[ns]", coerce=True, nullable=nullable, required=required)


#: The columns every cohort must have (the contract in ``data/README.md``); all others are optional.
REQUIRED_PATIENT_COLUMNS = ("patient_id", "age", "sex", "diagnosis_date", "cr", "cr_date", "relapse",
                            "relapse_date", "death", "death_date", "last_contact_date")
#: The files beside ``patients.csv`` that a cohort may have; a chapter skips the sections that need an absent one.
OPTIONAL_FILES = ("courses", "chimerism", "labs")


def patients_schema() -> pa.DataFrameSchema:
    """``patients.csv``: the required columns, and the optional ones validated when present.

    Values are generic (any age 0–120, any group labels, HLA and regimens as free text); the
    paper's own categories are not required of a reader's cohort.
    """
    def optional_text() -> pa.Column:
        return pa.Column(str, nullable=True, required=False)

    def optional_dose() -> pa.Column:
        return pa.Column(float, coerce=True, nullable=True, required=False, checks=pa.Check.gt(0))

    columns = {
        "patient_id": pa.Column(str, unique=True, checks=pa.Check.str_matches(r"^[A-Za-z0-9_.-]+$")),
        "age": pa.Column(int, coerce=True, checks=pa.Check.in_range(0, 120)),
        "sex": pa.Column(str, checks=pa.Check.isin(["F", "M"])),
        "diagnosis_date": _date(),
        "cr": _flag("cr"),
        "cr_date": _date(nullable=True),
        "relapse": _flag("relapse"),
        "relapse_date": _date(nullable=True),
        "death": _flag("death"),
        "death_date": _date(nullable=True),
        "last_contact_date": _date(),
        # Optional: validated when present.
        "age_group": pa.Column(str, required=False),
        "donor_sex": pa.Column(str, nullable=True, required=False, checks=pa.Check.isin(["F", "M"])),
        "donor_age": pa.Column(int, coerce=True, nullable=True, required=False, checks=pa.Check.in_range(0, 120)),
        "donor_relation": optional_text(),
        "hla_mismatch": optional_text(),
        "induction_regimen": optional_text(),
        "induction_cycles": pa.Column(int, coerce=True, required=False, checks=pa.Check.ge(1)),
        "death_cause": optional_text(),
        "mst_courses": pa.Column(int, coerce=True, required=False, checks=pa.Check.in_range(0, 100)),
        "mnc_1e8_per_kg": optional_dose(),
        "cd34_1e6_per_kg": optional_dose(),
        "cd3_1e8_per_kg": optional_dose(),
        "gvhd": _flag("gvhd", required=False),
    }
    columns.update({ae: _flag(ae, required=False) for ae in AE_COLUMNS})
    return pa.DataFrameSchema(columns, strict=False, ordered=False)


def group_bounds(label: str) -> tuple[float, float] | None:
    """The age range a group label states (``"60-70"`` → [60, 70], ``">70"`` → (70, ∞)), as
    inclusive bounds on whole years; None when the label states no range (``"arm A"``)."""
    text = str(label).strip().replace("–", "-").replace("≥", ">=").replace("≤", "<=").replace(" ", "")
    for pattern, bounds in ((r"^(\d+)-(\d+)$", lambda a, b: (a, b)), (r"^>=(\d+)$", lambda a: (a, math.inf)),
                            (r"^>(\d+)$", lambda a: (a + 1, math.inf)), (r"^<=(\d+)$", lambda a: (-math.inf, a)),
                            (r"^<(\d+)$", lambda a: (-math.inf, a - 1))):
        match = re.match(pattern, text)
        if match:
            return bounds(*(int(g) for g in match.groups()))
    return None


def _patient_rules(p: pd.DataFrame) -> list[str]:
    """Row rules: flags agree with dates; diagnosis ≤ CR ≤ relapse ≤ death; every event on or
    before the last contact; an age group that states an age range contains the age."""
    problems = []

    def where(i: int, column: str) -> str:
        return f"{row_label(i)}, patient_id {p['patient_id'].iloc[i]!r}, column {column!r}"

    has_group = "age_group" in p.columns
    has_cause = "death_cause" in p.columns
    for i, r in enumerate(p.itertuples(index=False)):
        if has_group:
            bounds = group_bounds(r.age_group)
            if bounds is not None and not bounds[0] <= r.age <= bounds[1]:
                problems.append(f"{where(i, 'age_group')}: age {r.age} is outside the group {r.age_group!r}")
        for flag, date in (("cr", "cr_date"), ("relapse", "relapse_date"), ("death", "death_date")):
            has = not pd.isna(getattr(r, date))
            if getattr(r, flag) == 1 and not has:
                problems.append(f"{where(i, date)}: {flag} = 1 needs a date")
            if getattr(r, flag) == 0 and has:
                problems.append(f"{where(i, date)}: a date is given but {flag} = 0")
        if r.relapse == 1 and r.cr == 0:
            problems.append(f"{where(i, 'relapse')}: relapse without complete remission")
        if has_cause and r.death == 0 and not pd.isna(r.death_cause):
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
            if value > r.last_contact_date:
                problems.append(f"{where(i, name)}: {value:%Y-%m-%d} is after last_contact_date {r.last_contact_date:%Y-%m-%d}")
            previous_name, previous = name, value
        if r.last_contact_date < r.diagnosis_date:
            problems.append(f"{where(i, 'last_contact_date')}: {r.last_contact_date:%Y-%m-%d} is before diagnosis_date")
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


#: Per-infusion doses: per course in ``courses.csv``, their mean per patient in ``patients.csv``.
DOSE_COLUMNS = ("mnc_1e8_per_kg", "cd34_1e6_per_kg", "cd3_1e8_per_kg")


def _lab_dates(labs: pd.DataFrame, courses: pd.DataFrame) -> pd.Series:
    """The calendar date of each lab row: its course's ``chemo_start_date`` plus ``day`` (NaT for a
    course ``courses.csv`` does not list)."""
    start = labs.merge(courses[["patient_id", "course", "chemo_start_date"]], on=["patient_id", "course"], how="left")
    return start["chemo_start_date"] + pd.to_timedelta(labs["day"].to_numpy(), unit="D")


def _cross_file(folder: Path, patients: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Rules between files: known patients; courses, chimerism and lab days inside each patient's
    follow-up (diagnosis … last contact); chimerism and lab courses that exist in ``courses.csv``;
    one chimerism value per patient, course and date; ``mst_courses`` and the per-infusion doses
    of ``patients.csv`` equal to what ``courses.csv`` lists."""
    problems: list[str] = []
    known = set(patients["patient_id"])
    info = patients.set_index("patient_id")

    def at(name: str, i: int, column: str, table: pd.DataFrame) -> str:
        return f"{folder / (name + '.csv')}: {row_label(i)}, patient_id {table['patient_id'].iloc[i]!r}, column {column!r}"

    for name, table in tables.items():
        unknown = np.flatnonzero(~table["patient_id"].isin(known).to_numpy())
        for i in unknown[:3]:
            problems.append(f"{at(name, int(i), 'patient_id', table)}: {table['patient_id'].iloc[int(i)]!r} is not in patients.csv")
    if problems:
        return problems
    courses = tables.get("courses")
    dated = []
    if courses is not None:
        dated += [("courses", courses, column) for column in ("chemo_start_date", "infusion_date")]
    if tables.get("chimerism") is not None:
        dated.append(("chimerism", tables["chimerism"], "date"))
    for name, table, column in dated:
        first = table["patient_id"].map(info["diagnosis_date"]).to_numpy()
        last = table["patient_id"].map(info["last_contact_date"]).to_numpy()
        values = table[column].to_numpy()
        for i in np.flatnonzero(values < first)[:3]:
            problems.append(f"{at(name, int(i), column, table)}: {pd.Timestamp(values[i]):%Y-%m-%d} is before the patient's diagnosis_date")
        for i in np.flatnonzero(values > last)[:3]:
            problems.append(f"{at(name, int(i), column, table)}: {pd.Timestamp(values[i]):%Y-%m-%d} is after the patient's last_contact_date")
    chimerism = tables.get("chimerism")
    if chimerism is not None:
        for i in np.flatnonzero(chimerism.duplicated(["patient_id", "course", "date"]).to_numpy())[:3]:
            problems.append(f"{at('chimerism', int(i), 'date', chimerism)}: a second value for the same patient, course and date")
    if courses is not None:
        listed = pd.MultiIndex.from_frame(courses[["patient_id", "course"]])
        for name in ("chimerism", "labs"):
            table = tables.get(name)
            if table is None:
                continue
            missing = np.flatnonzero(~pd.MultiIndex.from_frame(table[["patient_id", "course"]]).isin(listed))
            for i in missing[:3]:
                problems.append(f"{at(name, int(i), 'course', table)}: course {table['course'].iloc[i]} is not in courses.csv")
        labs = tables.get("labs")
        if labs is not None and not len(problems):
            date = _lab_dates(labs, courses)
            for i in np.flatnonzero((date > labs["patient_id"].map(info["last_contact_date"])).to_numpy())[:3]:
                problems.append(f"{at('labs', int(i), 'day', labs)}: day {labs['day'].iloc[i]} of course {labs['course'].iloc[i]} "
                                "falls after the patient's last_contact_date")
        counts = courses.groupby("patient_id")["course"].size()
        if "mst_courses" in patients.columns:
            listed_counts = patients["patient_id"].map(counts).fillna(0).astype(int)
            for i in np.flatnonzero((listed_counts != patients["mst_courses"]).to_numpy())[:3]:
                problems.append(f"{folder / 'patients.csv'}: {row_label(int(i))}, patient_id {patients['patient_id'].iloc[i]!r}, "
                                f"column 'mst_courses': {patients['mst_courses'].iloc[i]} but courses.csv lists {listed_counts.iloc[i]}")
        means = courses.groupby("patient_id")[list(DOSE_COLUMNS)].mean()
        for column in DOSE_COLUMNS:
            if column not in patients.columns:
                continue
            expected = patients["patient_id"].map(means[column])
            off = ~np.isclose(patients[column], expected, rtol=0, atol=0.005) & expected.notna() & patients[column].notna()
            for i in np.flatnonzero(off.to_numpy())[:3]:
                problems.append(f"{folder / 'patients.csv'}: {row_label(int(i))}, patient_id {patients['patient_id'].iloc[i]!r}, "
                                f"column {column!r}: {patients[column].iloc[i]} but the mean of its courses in courses.csv is "
                                f"{expected.iloc[i]:.2f} (the per-infusion dose)")
    return problems


#: The book's own reconstructed cohort, as shipped in the repository.
SHIPPED_RECONSTRUCTION = Path(__file__).resolve().parents[1] / "data" / "reconstructed"


def is_reconstruction(folder: str | Path) -> bool:
    """Whether ``folder`` is the book's shipped reconstruction. Only then may a page compare its
    numbers with the paper's printed targets; with a reader's own cohort it describes that cohort."""
    return Path(folder).resolve() == SHIPPED_RECONSTRUCTION


def load_cohort(folder: str | Path, cutoff_date: str | pd.Timestamp | None = None) -> Cohort:
    """Read and validate a cohort: ``patients.csv`` and, where present, ``courses.csv``,
    ``chimerism.csv`` and ``labs.csv``.

    Parameters
    ----------
    folder
        The cohort's folder.
    cutoff_date
        Administrative end of follow-up: events after it are not counted and every patient seen
        later is censored there (see :func:`censor_at`). None keeps each patient's own last contact.

    Raises
    ------
    mst_helpers.schema.DataValidationError
        Naming the file, the row and the column of the first problems found.
    """
    folder = Path(folder)
    if not (folder / "patients.csv").is_file():
        raise DataValidationError(f"{folder / 'patients.csv'}: file not found (a cohort needs at least patients.csv; "
                                  "see 'The cohort contract' in data/README.md)")
    patients = read_validated_csv(folder / "patients.csv", patients_schema(), id_column="patient_id", extra_checks=_patient_rules)
    readers = {"courses": (courses_schema, _course_rules), "chimerism": (chimerism_schema, _chimerism_rules),
               "labs": (labs_schema, None)}
    tables = {}
    for name, (schema, rules) in readers.items():
        path = folder / f"{name}.csv"
        if path.is_file():
            tables[name] = read_validated_csv(path, schema(), id_column="patient_id", extra_checks=rules)
    problems = _cross_file(folder, patients, tables)
    if problems:
        raise DataValidationError("the cohort's files disagree with each other:\n" + "\n".join(listed_failures(problems)))
    cohort = Cohort(patients=patients, courses=tables.get("courses"), chimerism=tables.get("chimerism"), labs=tables.get("labs"))
    return cohort if cutoff_date is None else censor_at(cohort, cutoff_date)


def censor_at(cohort: Cohort, cutoff_date: str | pd.Timestamp) -> Cohort:
    """The cohort as known on ``cutoff_date``: events after it undone, follow-up censored there,
    and courses, chimerism and lab days after it dropped. A cut-off after every last contact
    changes nothing."""
    cutoff = pd.Timestamp(cutoff_date)
    p = cohort.patients.copy()
    for flag, date in (("cr", "cr_date"), ("relapse", "relapse_date"), ("death", "death_date")):
        late = p[date] > cutoff
        p.loc[late, flag] = 0
        p.loc[late, date] = pd.NaT
        if flag == "death" and "death_cause" in p.columns:
            p.loc[late, "death_cause"] = None
    p["last_contact_date"] = p["last_contact_date"].clip(upper=cutoff)
    p = p[p["diagnosis_date"] <= cutoff].reset_index(drop=True)
    keep = set(p["patient_id"])
    courses = chimerism = labs = None
    if cohort.courses is not None:
        courses = cohort.courses[cohort.courses["patient_id"].isin(keep) & (cohort.courses["infusion_date"] <= cutoff)].reset_index(drop=True)
        if "mst_courses" in p.columns:
            p["mst_courses"] = p["patient_id"].map(courses.groupby("patient_id").size()).fillna(0).astype(int)
    if cohort.chimerism is not None:
        chimerism = cohort.chimerism[cohort.chimerism["patient_id"].isin(keep) & (cohort.chimerism["date"] <= cutoff)].reset_index(drop=True)
    if cohort.labs is not None and courses is not None:
        labs = cohort.labs[(_lab_dates(cohort.labs, courses) <= cutoff).to_numpy()].reset_index(drop=True)
    return Cohort(patients=p, courses=courses, chimerism=chimerism, labs=labs, seed=cohort.seed, slots=cohort.slots)


def analysis_groups(patients: pd.DataFrame, group_column: str = "age_group", age_cut: float = 70) -> pd.Series:
    """The comparison groups: ``group_column`` when the table has it; otherwise, for the default
    ``age_group``, ages split at ``age_cut`` (``"<=70"`` and ``">70"``)."""
    if group_column in patients.columns:
        groups = patients[group_column]
        if groups.isna().any():
            i = int(np.flatnonzero(groups.isna().to_numpy())[0])
            raise DataValidationError(f"patients.csv: {row_label(i)}, column {group_column!r}: empty (every patient needs a group)")
        return groups.astype(str).rename(group_column)
    if group_column != "age_group":
        raise DataValidationError(f"patients.csv: column {group_column!r} (the group_column parameter) is missing")
    cut = int(age_cut) if float(age_cut).is_integer() else age_cut
    return pd.Series(np.where(patients["age"] <= age_cut, f"<={cut}", f">{cut}"), index=patients.index, name=group_column)


def with_groups(cohort: Cohort, group_column: str = "age_group", age_cut: float = 70) -> Cohort:
    """The cohort with ``patients[group_column]`` present (see :func:`analysis_groups`)."""
    patients = cohort.patients.copy()
    patients[group_column] = analysis_groups(patients, group_column, age_cut)
    return replace(cohort, patients=patients)


def group_order(groups: pd.Series) -> list[str]:
    """Group labels in reading order: age ranges by their lower bound, other labels alphabetically."""
    labels = sorted(set(groups.astype(str)))
    return sorted(labels, key=lambda g: (group_bounds(g) is None, (group_bounds(g) or (0, 0))[0], g))


def missing_inputs(cohort: Cohort, needs: tuple[str, ...]) -> list[str]:
    """Which of ``needs`` (file names such as ``"courses"``, or ``patients.csv`` columns) the cohort lacks."""
    missing = []
    for need in needs:
        if need in OPTIONAL_FILES:
            if getattr(cohort, need) is None:
                missing.append(f"{need}.csv")
        elif need not in cohort.patients.columns:
            missing.append(f"column {need!r}")
    return missing


def section_plan(cohort: Cohort, sections: dict[str, tuple[str, ...]]) -> tuple[dict[str, bool], str]:
    """Which sections of a chapter can run on ``cohort``, and one short note naming the others.

    Parameters
    ----------
    sections
        Section title → the inputs it needs (optional files or ``patients.csv`` columns).

    Returns
    -------
    (runs, note)
        ``runs[title]`` is True when every input is present; ``note`` is empty when all run.
    """
    runs, skipped = {}, []
    for title, needs in sections.items():
        missing = missing_inputs(cohort, needs)
        runs[title] = not missing
        if missing:
            skipped.append(f"*{title}* (needs {', '.join(missing)})")
    note = ("Skipped on this cohort, for want of their inputs: " + "; ".join(skipped) + ".") if skipped else ""
    return runs, note
