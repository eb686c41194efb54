"""A reconstructed cohort: 29 synthetic patients that satisfy the paper's published aggregates.

**No row is a real patient.** The paper publishes aggregates only; :func:`reconstruct` builds,
for any seed, a cohort whose recomputed aggregates equal the printed ones wherever the printed
numbers can hold together (the *targets*). Where they contradict each other, one reading is
chosen and the other printed value is recorded as *relaxed* (see :data:`READINGS`). Survival
and competing-risk test results (log-rank and Gray p-values, hazard ratios) are never targets:
they are what the book's later chapters *check*.

How it is built (all steps seeded, each exact rather than trial and error):

1. **Outcome skeleton** — each group's patients get an outcome profile (early death, refractory
   disease, relapse in a given window, non-relapse death, long-term remission…). The profile
   counts are the unique solution of the printed CR, death, early-death, cause-of-death,
   relapse, NRM and 1/3/5-year OS and LFS counts; the derivation is in :data:`PROFILES`.
2. **Event times** are drawn inside the windows the landmarks allow (a death between 12 and
   36 months, the median OS exactly at 20 months, …), in whole days.
3. **Diagnosis dates** place the printed follow-up minimum, median and maximum exactly
   (potential follow-up, one month = 365/12 days) and the years of diagnosis per group.
4. **Baseline categories** (sex, donor sex, relation, HLA, courses) are assigned as exact
   counts per group; the 2 x 2 donor/patient sex cells come from an integer program
   (``scipy.optimize.milp``) that keeps the printed margins and stays closest to the printed cells.
5. **Donor ages** are whole numbers built SPRITE-style (pairwise moves that keep the sum)
   until each group's mean and SD round to the printed ones.
6. **Cell doses**: an integer program over the pooled, sorted doses (in 0.01 units) with group
   labels places every printed median, quartile and range end exactly (SPSS quantiles, R type
   6); each seed then redraws the values no quantile depends on.
7. **Courses, chimerism, daily blood counts, adverse events** follow the protocol and the
   printed counts.
"""

from __future__ import annotations

import argparse
import sys
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .cohort import CUTOFF, Cohort
from .endpoints import DAYS_PER_MONTH

__all__ = ["Cohort", "reconstruct", "write_cohort", "CUTOFF", "GROUP_SIZES", "READINGS", "PROFILES"]

GROUP_SIZES = {"60-70": 20, ">70": 9}
#: Detection limit of the InDel chimerism assay (the least sensitive end of 0.01 %–0.001 %).
DETECTION_LIMIT_PCT = 0.01

#: The reading chosen where printed numbers contradict each other (claim id → reading).
READINGS = {
    "t2.cr.all.n": "Overall CR is 24 (18 + 6); the printed 25 belongs to a 30-patient version of the cohort.",
    "t2.induction.all.n": "All 29 patients received MA or IA induction; 30 is the 30-patient version's count.",
    "t2.death_cause": "Relapse and infection deaths as printed (6 + 2 and 5 + 2); organ-failure deaths are the rest "
                      "of the 12 and 9 deaths (4 and 2), since the printed causes add up to 29 patients, not 21 deaths.",
    "t1.sex_match.60-70": "The 60-70 donor-sex row (9 female donors) is kept; the cross-tabulation cells are the "
                          "closest ones to the printed 3/4/8/5 that agree with both sex rows (an integer program).",
    "t1.diagnosis_year.max": "The shortest follow-up (52.96 months) puts the last diagnosis in June 2021, the end of "
                             "enrollment; Table 1's last year (2020) is relaxed.",
    "meth.enrol_start": "The longest follow-up (219.12 months) puts the first diagnosis in August 2007, as Table 1's "
                        "first year (2007) says; the April 2008 enrollment start is relaxed.",
    "res.donor_age.min": "No 18-year-old donor: with the GVHD patient's 28-year-old donor in the 60-70 group, an "
                         "18-year-old donor fits neither group's mean and SD; 18–55 is read as the eligibility range.",
    "relapse_nrm": "Relapse (9/20, 6/9) and NRM (2/20, 2/9) are counted among all patients from diagnosis; relapse "
                   "needs CR, NRM is a death without relapse from a cause other than leukaemia.",
    "res.relapse.time": "'At 2 months' cannot hold (6 of 9 relapses by 2 months would leave no 1-year leukaemia-free "
                        "survivor in CR); the fractions are cumulative to the end of follow-up.",
    "os_months": "OS times are whole months in the paper (1.00, 20.00, 205.00); they are met at whole-month precision.",
    "disc": "The Discussion's 30-patient numbers (25/30, 70.0%, 40.0%, 66.7%, 36.7%, median OS 10 months) are not targets.",
}

#: Outcome profiles per group: (name, count). Derived in the module docstring's step 1 and in
#: the reconstruction chapter; :func:`_profile_table` gives each profile's event windows.
PROFILES = {
    "60-70": [("early_death", 1), ("refractory", 1), ("gvhd", 1), ("relapse_before_12", 1),
              ("relapse_12_36_death_12_36", 3), ("relapse_12_36_death_36_60", 3), ("relapse_36_60", 1),
              ("relapse_after_60_alive", 1), ("nrm_after_60", 1), ("remission_alive", 7)],
    ">70": [("early_death_nrm", 2), ("early_death", 1), ("relapse_before_12", 3),
            ("relapse_before_12_death_12_36", 2), ("relapse_12_36_death_12_36", 1)],
}

ADVERSE_EVENTS = {"ae_cardiac_failure": 13, "ae_arrhythmia": 6, "ae_liver_enzymes": 23, "ae_nausea": 19,
                  "ae_vomiting": 17, "ae_diarrhea": 13, "ae_sepsis": 5}
GVHD_DOSES = {"mnc_1e8_per_kg": 3.84, "cd34_1e6_per_kg": 3.21, "cd3_1e8_per_kg": 0.76}


def _days(months: float) -> int:
    return int(round(months * DAYS_PER_MONTH))


def _uniform_days(rng: np.random.Generator, lo_months: float, hi_months: float) -> int:
    lo, hi = int(np.ceil(lo_months * DAYS_PER_MONTH)), int(np.floor(hi_months * DAYS_PER_MONTH))
    return int(rng.integers(lo, hi + 1))


# ------------------------------------------------------------------------ event times
def _event_times(rng: np.random.Generator, timing: Mapping[int, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """One row per patient: group, profile, CR, relapse/death times in days from diagnosis.

    ``timing`` overrides, after every draw is made (so the random stream never shifts), the
    ``chemo_offset``, ``relapse_day`` or ``death_day`` of a patient slot (row index).
    """
    rows = []
    for group, profiles in PROFILES.items():
        for profile, count in profiles:
            for _ in range(count):
                rows.append({"age_group": group, "profile": profile})
    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["cr"] = (~frame["profile"].isin(["early_death", "early_death_nrm", "refractory"])).astype(int)
    frame["relapse_day"] = np.nan
    frame["death_day"] = np.nan
    frame["chemo_offset"] = rng.integers(2, 6, size=n)  # diagnosis → first chemotherapy, days
    # The six deaths between 12 and 36 months hold ranks 11–16 of all 29 OS times; the 5th of
    # them is the median (15th) and must be 20 months at whole-month precision.
    mid = frame.index[frame["profile"].isin(["relapse_12_36_death_12_36", "relapse_before_12_death_12_36"])].to_numpy()
    assert len(mid) == 6
    order = rng.permutation(mid)
    mid_deaths = np.sort(np.concatenate([
        [_uniform_days(rng, 12.6, 19.4) for _ in range(4)], [_uniform_days(rng, 19.6, 20.4)], [_uniform_days(rng, 20.6, 35.5)],
    ]))
    for idx, day in zip(order, mid_deaths):
        frame.loc[idx, "death_day"] = day
    for idx, row in frame.iterrows():
        p = row["profile"]
        if p in ("early_death", "early_death_nrm"):
            # Within 4 weeks of starting chemotherapy, and at least half a month after diagnosis.
            frame.loc[idx, "death_day"] = row["chemo_offset"] + int(rng.integers(max(16 - row["chemo_offset"], 10), 28))
        elif p == "refractory":
            frame.loc[idx, "death_day"] = _uniform_days(rng, 3.0, 11.0)
        elif p == "relapse_before_12":
            if row["age_group"] == "60-70":  # after at least four courses (about 9 months)
                relapse = _uniform_days(rng, 9.6, 10.6)
            else:
                relapse = _uniform_days(rng, 3.5, 9.0)
            frame.loc[idx, ["relapse_day", "death_day"]] = [relapse, relapse + int(rng.integers(15, 40))]
        elif p == "relapse_12_36_death_12_36":
            death = frame.loc[idx, "death_day"]
            frame.loc[idx, "relapse_day"] = int(rng.integers(_days(12.05), death - 9))
        elif p == "relapse_before_12_death_12_36":
            frame.loc[idx, "relapse_day"] = _uniform_days(rng, 9.7, 11.8)
        elif p == "relapse_12_36_death_36_60":
            relapse = _uniform_days(rng, 13.0, 35.0)
            frame.loc[idx, ["relapse_day", "death_day"]] = [relapse, _uniform_days(rng, 36.5, 52.0)]
        elif p == "relapse_36_60":
            relapse = _uniform_days(rng, 37.0, 48.0)
            frame.loc[idx, ["relapse_day", "death_day"]] = [relapse, relapse + _uniform_days(rng, 1.0, 4.0)]
        elif p == "nrm_after_60":
            frame.loc[idx, "death_day"] = _uniform_days(rng, 61.0, 140.0)
        elif p == "gvhd":
            # Provisional (about 9 months); fixed to 44 days after the fourth infusion later.
            frame.loc[idx, "death_day"] = _days(9.0)
    for idx, values in (timing or {}).items():
        for column in ("chemo_offset", "relapse_day", "death_day"):
            if column in values:
                frame.loc[idx, column] = values[column]
    return frame


# ------------------------------------------------------------------------ diagnosis dates
def _diagnosis_slots(rng: np.random.Generator) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """Sorted diagnosis dates for each group, placing the printed follow-up figures exactly."""
    def day(y, m, d):
        return pd.Timestamp(year=y, month=m, day=d)

    def between(start, end):
        return start + pd.Timedelta(days=int(rng.integers(0, (end - start).days + 1)))

    first = CUTOFF - pd.Timedelta(days=6665)     # 219.12 months of follow-up
    last = CUTOFF - pd.Timedelta(days=1611)      # 52.96 months
    median = CUTOFF - pd.Timedelta(days=4516)    # 148.47 months: the 15th of 29
    longest_alive = CUTOFF - pd.Timedelta(days=int(rng.integers(_days(204.6), _days(205.4) + 1)))  # OS max 205
    # 60-70: A1 = first, A2 = the longest-followed survivor, A10 < median < A11 (both in 2013), A20 = last.
    a = [first, longest_alive]
    a += sorted(between(longest_alive + pd.Timedelta(days=1), day(2012, 12, 31)) for _ in range(7))
    a += [between(day(2013, 1, 1), median - pd.Timedelta(days=1)), between(median + pd.Timedelta(days=1), day(2013, 12, 31))]
    latest_survivor = CUTOFF - pd.Timedelta(days=_days(61.0))
    a += sorted(between(day(2014, 1, 1), latest_survivor) for _ in range(8))
    a += [last]
    # >70: B1 in 2008, B5 = the pooled median, B9 in 2016.
    b = [between(max(day(2008, 1, 1), longest_alive + pd.Timedelta(days=1)), day(2008, 12, 31))]
    b += sorted(between(b[0], median - pd.Timedelta(days=1)) for _ in range(3))
    b += [median]
    b += sorted(between(median + pd.Timedelta(days=1), day(2016, 12, 31)) for _ in range(3))
    b += [between(day(2016, 1, 1), day(2016, 12, 31))]
    return a, sorted(b)


def _assign_dates(rng: np.random.Generator, events: pd.DataFrame) -> pd.Series:
    slots_a, slots_b = _diagnosis_slots(rng)
    dates = pd.Series(pd.NaT, index=events.index, dtype="datetime64[ns]")
    alive = events["death_day"].isna()
    for group, slots in (("60-70", slots_a), (">70", slots_b)):
        idx = events.index[events["age_group"] == group]
        for _ in range(1000):
            perm = rng.permutation(idx)
            ok = True
            for slot, patient in zip(slots, perm):
                follow = (CUTOFF - slot).days
                need = events.loc[patient, "death_day"] if not alive[patient] else _days(61.0)
                if events.loc[patient, "profile"] == "relapse_after_60_alive":
                    need = _days(66.0)
                if need >= follow:
                    ok = False
                    break
            # The longest follow-up belongs to a patient who died; the second slot to a survivor.
            if ok and group == "60-70":
                ok = (not alive[perm[0]]) and alive[perm[1]]
            if ok:
                break
        else:  # pragma: no cover - the windows above always admit an assignment
            raise RuntimeError("no diagnosis-date assignment found")
        for slot, patient in zip(slots, perm):
            dates[patient] = slot
    return dates


# ------------------------------------------------------------------------ baseline categories
def _exact_labels(rng: np.random.Generator, counts: dict[str, int]) -> list[str]:
    labels = [label for label, k in counts.items() for _ in range(k)]
    return list(rng.permutation(labels))


@lru_cache(maxsize=None)
def _sex_crosstab_60_70() -> dict[tuple[str, str], int]:
    """Donor→patient sex cells for 60-70: margins as printed, closest (L1) to the printed cells."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    printed = np.array([3, 4, 8, 5])  # F→F, F→M, M→F, M→M
    # Variables: 4 cells, 4 deviations d >= |cell - printed|.
    a = np.array([
        [1, 1, 0, 0, 0, 0, 0, 0],   # female donors = 9
        [0, 0, 1, 1, 0, 0, 0, 0],   # male donors = 11
        [1, 0, 1, 0, 0, 0, 0, 0],   # female patients = 11
        [0, 1, 0, 1, 0, 0, 0, 0],   # male patients = 9
    ] + [[*(np.eye(4)[i]), *(-np.eye(4)[i])] for i in range(4)] + [[*(-np.eye(4)[i]), *(-np.eye(4)[i])] for i in range(4)])
    lb = np.array([9, 11, 11, 9] + [-np.inf] * 8)
    ub = np.array([9, 11, 11, 9] + list(printed) + list(-printed))
    # Tiny tie-break weights make the optimum unique (prefer changing later cells).
    cost = np.array([0, 0, 0, 0, 1.0, 1.001, 1.002, 1.003])
    res = milp(cost, constraints=LinearConstraint(a, lb, ub), integrality=np.ones(8), bounds=Bounds(0, 20))
    cells = np.round(res.x[:4]).astype(int)
    return dict(zip([("F", "F"), ("F", "M"), ("M", "F"), ("M", "M")], cells.tolist()))


SEX_CROSSTAB = {">70": {("F", "F"): 5, ("F", "M"): 0, ("M", "F"): 2, ("M", "M"): 2}}


def _baseline(rng: np.random.Generator, events: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=events.index)
    for group in GROUP_SIZES:
        idx = events.index[events["age_group"] == group].to_numpy()
        gvhd = events.index[(events["age_group"] == group) & (events["profile"] == "gvhd")].to_numpy()
        cells = _sex_crosstab_60_70() if group == "60-70" else SEX_CROSSTAB[group]
        pairs = [pair for pair, k in cells.items() for _ in range(k)]
        if len(gvhd):  # the GVHD patient: a woman whose donor is her daughter
            pairs.remove(("F", "F"))
            rest = [i for i in idx if i != gvhd[0]]
            order = [gvhd[0]] + list(rng.permutation(rest))
            pairs = [("F", "F")] + list(rng.permutation(np.array(pairs, dtype=object)).tolist())
        else:
            order = list(rng.permutation(idx))
            pairs = list(rng.permutation(np.array(pairs, dtype=object)).tolist())
        for patient, (donor_sex, sex) in zip(order, pairs):
            out.loc[patient, "donor_sex"] = donor_sex
            out.loc[patient, "sex"] = sex
        relation = {"60-70": {"unrelated": 5, "related": 15}, ">70": {"unrelated": 0, "related": 9}}[group]
        hla = {"60-70": {"5/10": 14, "6/10": 6}, ">70": {"5/10": 8, "6/10": 1}}[group]
        rel_labels = _exact_labels(rng, relation)
        if len(gvhd):  # her daughter is a related donor
            j = rel_labels.index("related")
            k = list(idx).index(gvhd[0])
            rel_labels[j], rel_labels[k] = rel_labels[k], rel_labels[j]
        out.loc[idx, "donor_relation"] = rel_labels
        out.loc[idx, "hla_mismatch"] = _exact_labels(rng, hla)
        # Ages: 60-70 in [60, 70] (the GVHD patient 62), >70 in [71, 85]; 60, 70 and 85 appear.
        others = [i for i in idx if not (len(gvhd) and i == gvhd[0])]
        if group == "60-70":
            ages = rng.integers(60, 71, size=len(others))
            ages[:2] = 60, 70
            out.loc[gvhd[0], "age"] = 62
        else:
            ages = rng.integers(71, 86, size=len(others))
            ages[0] = 85
        out.loc[others, "age"] = rng.permutation(ages)
    out["age"] = out["age"].astype(int)
    return out


# ------------------------------------------------------------------------ donor ages
def _sd_rounds(values: np.ndarray, sd: float) -> bool:
    return round(float(np.std(values, ddof=1)) + 1e-12, 2) == sd


def _integer_sample(rng: np.random.Generator, n: int, total: int, sd: float, lo: int, hi: int, fixed: list[int]) -> np.ndarray:
    """Whole numbers in [lo, hi] with this sum and SD (to 2 decimals), including ``fixed`` (SPRITE)."""
    free = n - len(fixed)
    remaining = total - sum(fixed)
    base = np.full(free, remaining // free)
    base[: remaining - base.sum()] += 1
    values = np.concatenate([fixed, base]).astype(int)
    movable = np.arange(len(fixed), n)
    for _ in range(20000):
        current = float(np.std(values, ddof=1))
        if round(current + 1e-12, 2) == sd:
            return values
        i, j = rng.choice(movable, size=2, replace=False)
        if current < sd:  # spread: move the smaller down and the larger up
            if values[i] > values[j]:
                i, j = j, i
            if values[i] - 1 >= lo and values[j] + 1 <= hi:
                values[i] -= 1
                values[j] += 1
        else:             # tighten
            if values[i] < values[j]:
                i, j = j, i
            if values[i] - values[j] >= 2:
                values[i] -= 1
                values[j] += 1
    raise RuntimeError(f"no integer sample with n={n}, sum={total}, sd={sd}")


def _donor_ages(rng: np.random.Generator, events: pd.DataFrame) -> pd.Series:
    ages = pd.Series(0, index=events.index)
    for _ in range(50):
        a = _integer_sample(rng, 20, 715, 4.52, 18, 55, fixed=[28])      # mean 35.75; the GVHD donor is 28
        b = _integer_sample(rng, 9, 394, 5.85, 18, 55, fixed=[55])       # mean 43.78; the oldest donor is 55
        if _sd_rounds(np.concatenate([a, b]), 6.16):
            break
    else:  # pragma: no cover
        raise RuntimeError("donor ages: pooled SD not reached")
    for group, values in (("60-70", a), (">70", b)):
        idx = events.index[events["age_group"] == group].to_numpy()
        gvhd = events.index[(events["age_group"] == group) & (events["profile"] == "gvhd")].to_numpy()
        if len(gvhd):
            rest = [i for i in idx if i != gvhd[0]]
            ages[gvhd[0]] = values[0]
            ages[rest] = rng.permutation(values[1:])
        else:
            ages[idx] = rng.permutation(values)
    return ages


# ------------------------------------------------------------------------ cell doses
#: Printed dose summaries in 0.01 units: per group and pooled, ("quartiles" | "range", low, median, high).
DOSE_TARGETS = {
    "mnc_1e8_per_kg": {"60-70": ("quartiles", 265, 348, 423), ">70": ("quartiles", 292, 373, 398),
                       "all": ("quartiles", 266, 357, 423), "bounds": (100, 800)},
    "cd34_1e6_per_kg": {"60-70": ("range", 93, 240, 429), ">70": ("range", 74, 154, 316),
                        "all": ("range", 74, 197, 429), "bounds": (74, 429)},
    "cd3_1e8_per_kg": {"60-70": ("quartiles", 80, 99, 174), ">70": ("quartiles", 89, 98, 144),
                       "all": ("quartiles", 80, 98, 160), "bounds": (30, 300)},
}


def _quantile_terms(n: int, kind: str) -> list[list[tuple[int, float]]]:
    """Order statistics (1-based rank, weight) behind low / median / high, SPSS definition (R type 6)."""
    if kind == "range":
        positions = [None, 0.5, None]
    else:
        positions = [0.25, 0.5, 0.75]
    terms = []
    for which, p in zip(("low", "median", "high"), positions):
        if p is None:
            terms.append([(1, 1.0)] if which == "low" else [(n, 1.0)])
            continue
        h = (n + 1) * p
        k = int(np.floor(h))
        frac = h - k
        terms.append([(k, 1.0)] if frac == 0 else [(k, 1 - frac), (k + 1, frac)])
    return terms


def _guess_labels(variable: str) -> np.ndarray:
    """A likely group-label pattern of the pooled sorted doses (1 = 60-70).

    Each group's printed summary defines a piecewise-linear quantile function; evaluating it at
    the group's plotting positions i/(n+1) and merging the two groups gives the order in which
    their values would interleave.
    """
    spec = DOSE_TARGETS[variable]
    lo, hi = spec["bounds"]
    points = []
    for group, label in (("60-70", 1), (">70", 0)):
        n = GROUP_SIZES[group]
        kind, low, median, high = spec[group]
        if kind == "range":
            knots_p, knots_v = [1 / (n + 1), 0.5, n / (n + 1)], [low, median, high]
        else:
            knots_p, knots_v = [0.0, 0.25, 0.5, 0.75, 1.0], [max(lo, 2 * low - median), low, median, high, min(hi, 2 * high - median)]
        p = np.arange(1, n + 1) / (n + 1)
        points += [(float(v), label) for v in np.interp(p, knots_p, knots_v)]
    points.sort(key=lambda t: (t[0], -t[1]))
    return np.array([label for _, label in points])


@lru_cache(maxsize=None)
def _dose_structure(variable: str) -> tuple[tuple[int, ...], tuple[int, ...], frozenset[int]]:
    """Solve once: pooled sorted doses (0.01 units), group label per rank, and the pinned ranks.

    First with the group labels fixed by :func:`_guess_labels` (a small pure-integer program,
    milliseconds); if that has no solution, with the labels free (the full program).
    """
    try:
        return _dose_program(variable, _guess_labels(variable))
    except RuntimeError:
        return _dose_program(variable, None)


def _dose_program(variable: str, fixed_labels: np.ndarray | None) -> tuple[tuple[int, ...], tuple[int, ...], frozenset[int]]:
    """The integer program behind :func:`_dose_structure`; ``fixed_labels`` pins the z variables."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    spec = DOSE_TARGETS[variable]
    n_a, n_b = GROUP_SIZES["60-70"], GROUP_SIZES[">70"]
    n = n_a + n_b
    lo, hi = spec["bounds"]
    big = hi - lo + 1
    fixed = int(round(GVHD_DOSES[variable] * 100))
    anchors = {g: _quantile_terms(size, spec[g][0]) for g, size in (("60-70", n_a), (">70", n_b))}
    ranks = {g: sorted({k for terms in anchors[g] for k, _ in terms}) for g in anchors}
    # Variable layout.
    layout, size = {}, 0

    def alloc(name: str, count: int) -> None:
        nonlocal size
        layout[name] = size
        size += count

    alloc("x", n)
    alloc("z", n)
    for g in ranks:
        for k in ranks[g]:
            alloc(f"v{g}{k}", 1)
            alloc(f"w{g}{k}", n)
    alloc("h", n)
    rows, cols, vals, lbs, ubs = [], [], [], [], []

    def add(coefs: dict[int, float], lower: float, upper: float) -> None:
        r = len(lbs)
        for c, v in coefs.items():
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lbs.append(lower)
        ubs.append(upper)

    x, z = layout["x"], layout["z"]
    for i in range(n - 1):
        add({x + i: -1, x + i + 1: 1}, 0, np.inf)
    add({z + i: 1 for i in range(n)}, n_a, n_a)
    if fixed_labels is not None:
        for i, label in enumerate(fixed_labels):
            add({z + i: 1}, int(label), int(label))
    for g in ranks:
        in_a = g == "60-70"
        for k in ranks[g]:
            v, w = layout[f"v{g}{k}"], layout[f"w{g}{k}"]
            add({w + i: 1 for i in range(n)}, 1, 1)
            for i in range(n):
                if in_a:
                    add({w + i: 1, z + i: -1}, -np.inf, 0)
                    c = {z + j: 1 for j in range(i + 1)}
                    c[w + i] = -k
                    add(c, 0, np.inf)                      # at least k A's in ranks 1..i
                    c = {z + j: 1 for j in range(i)}
                    c[w + i] = n
                    add(c, -np.inf, k - 1 + n)             # at most k-1 A's before rank i
                else:
                    add({w + i: 1, z + i: 1}, -np.inf, 1)
                    c = {z + j: -1 for j in range(i + 1)}
                    c[w + i] = -k
                    add(c, -(i + 1), np.inf)
                    c = {z + j: -1 for j in range(i)}
                    c[w + i] = n
                    add(c, -np.inf, k - 1 + n - i)
                add({v: 1, x + i: -1, w + i: big}, -np.inf, big)
                add({v: 1, x + i: -1, w + i: -big}, -big, np.inf)
        for terms, target in zip(anchors[g], spec[g][1:]):
            c: dict[int, float] = {}
            for k, weight in terms:
                c[layout[f"v{g}{k}"]] = c.get(layout[f"v{g}{k}"], 0) + weight
            add(c, target - 0.49, target + 0.49)
    for terms, target in zip(_quantile_terms(n, spec["all"][0]), spec["all"][1:]):
        c = {}
        for k, weight in terms:
            c[x + k - 1] = c.get(x + k - 1, 0) + weight
        add(c, target - 0.49, target + 0.49)
    h = layout["h"]
    add({h + i: 1 for i in range(n)}, 1, 1)
    for i in range(n):
        add({h + i: 1, z + i: -1}, -np.inf, 0)
        add({x + i: 1, h + i: big}, -np.inf, fixed + big)
        add({x + i: 1, h + i: -big}, fixed - big, np.inf)
    matrix = coo_matrix((vals, (rows, cols)), shape=(len(lbs), size)).tocsr()
    integrality = np.ones(size)
    lower, upper = np.zeros(size), np.ones(size)
    lower[x:x + n], upper[x:x + n] = lo, hi
    for g in ranks:
        for k in ranks[g]:
            j = layout[f"v{g}{k}"]
            lower[j], upper[j], integrality[j] = lo, hi, 0
    res = milp(np.zeros(size), constraints=LinearConstraint(matrix, lbs, ubs), integrality=integrality,
               bounds=Bounds(lower, upper), options={"time_limit": 30})
    if res.x is None:
        raise RuntimeError(f"{variable}: the printed quantiles admit no dose vector"
                           + (" with these group labels" if fixed_labels is not None else ""))
    values = np.round(res.x[x:x + n]).astype(int)
    labels = np.round(res.x[z:z + n]).astype(int)
    pinned = set()
    for g in ranks:
        for k in ranks[g]:
            pinned.add(int(np.argmax(res.x[layout[f"w{g}{k}"]:layout[f"w{g}{k}"] + n])))
    for terms in _quantile_terms(n, spec["all"][0]):
        pinned.update(k - 1 for k, _ in terms)
    pinned.add(int(np.argmax(res.x[h:h + n])))
    return tuple(values.tolist()), tuple(labels.tolist()), frozenset(pinned)


def _doses(rng: np.random.Generator, events: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=events.index)
    gvhd = events.index[events["profile"] == "gvhd"][0]
    for variable in DOSE_TARGETS:
        values, labels, pinned = _dose_structure(variable)
        values = np.array(values)
        lo, hi = DOSE_TARGETS[variable]["bounds"]
        # Redraw every value no printed quantile depends on, inside its order gap.
        for i in range(len(values)):
            if i in pinned:
                continue
            left = values[i - 1] if i > 0 else lo
            right = values[i + 1] if i + 1 < len(values) else hi
            values[i] = int(rng.integers(left, right + 1))
        fixed = int(round(GVHD_DOSES[variable] * 100))
        for group, label in (("60-70", 1), (">70", 0)):
            idx = events.index[events["age_group"] == group].to_numpy()
            group_values = list(values[np.array(labels) == label])
            if group == "60-70":
                group_values.remove(fixed)
                rest = [i for i in idx if i != gvhd]
                out.loc[gvhd, variable] = fixed / 100
                out.loc[rest, variable] = rng.permutation(group_values) / 100
            else:
                out.loc[idx, variable] = rng.permutation(group_values) / 100
    return out


# ------------------------------------------------------------------------ courses and the rest
def _courses(rng: np.random.Generator, events: pd.DataFrame, diagnosis: pd.Series,
             timing: Mapping[int, Mapping[str, float]] | None = None) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """MST courses per patient; returns courses, CR dates and the number of induction cycles.

    ``timing`` may override a slot's ``cr_delay`` (days from the last induction start to CR)
    and ``consolidation_gap`` (days between consolidation courses); the draws are still made.
    """
    timing = timing or {}
    rows = []
    cr_day = pd.Series(np.nan, index=events.index)
    cycles = pd.Series(1, index=events.index)
    # Two patients in CR needed a second induction cycle; one refractory patient had two cycles.
    late_cr = rng.choice(events.index[(events["cr"] == 1) & ~events["profile"].isin(["gvhd", "relapse_before_12"])], size=2, replace=False)
    b_long = events.index[(events["age_group"] == ">70") & events["profile"].isin(
        ["relapse_before_12_death_12_36", "relapse_12_36_death_12_36"])].to_numpy()
    b_four = set(rng.choice(b_long, size=2, replace=False).tolist())
    for patient, row in events.iterrows():
        p = row["profile"]
        start = int(row["chemo_offset"])
        stop = row["relapse_day"] if not np.isnan(row["relapse_day"]) else row["death_day"]
        stop = (CUTOFF - diagnosis[patient]).days if np.isnan(stop) else stop
        days = [start]
        phases = ["induction"]
        if p == "refractory" or patient in late_cr:
            days.append(start + int(rng.integers(28, 36)))
            phases.append("induction")
            cycles[patient] = 2
        if row["cr"] == 1:
            cr_day[patient] = days[-1] + int(rng.integers(24, 32))
            if "cr_delay" in timing.get(patient, {}):
                cr_day[patient] = days[-1] + int(timing[patient]["cr_delay"])
        # Planned consolidations: the GVHD patient stops after 4 courses; others continue to
        # relapse or to a planned total; >70 patients mostly stop early.
        if p == "gvhd":
            planned = 4
        elif row["age_group"] == ">70":
            planned = 5 if patient in b_four else 3
        elif row["cr"] == 1:
            planned = int(rng.integers(4, 8))
        else:
            planned = len(days)
        if p == "relapse_before_12" and row["age_group"] == ">70":
            planned = int(rng.integers(1, 4))
        while len(days) < planned and row["cr"] == 1:
            gap = int(rng.integers(80, 95))
            gap = int(timing.get(patient, {}).get("consolidation_gap", gap))
            nxt = days[-1] + (int(rng.integers(28, 35)) if len(days) == len([d for d in phases if d == "induction"]) else gap)
            if nxt + 7 >= stop - 10:
                break
            days.append(nxt)
            phases.append("consolidation")
        for number, (day, phase) in enumerate(zip(days, phases), start=1):
            rows.append({"patient_index": patient, "course": number, "phase": phase,
                         "chemo_start_date": diagnosis[patient] + pd.Timedelta(days=day),
                         "infusion_date": diagnosis[patient] + pd.Timedelta(days=day + 7)})
    return pd.DataFrame(rows), cr_day, cycles


def _adverse_events(rng: np.random.Generator, index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(0, index=index, columns=list(ADVERSE_EVENTS))
    nausea = rng.choice(index, size=ADVERSE_EVENTS["ae_nausea"], replace=False)
    out.loc[nausea, "ae_nausea"] = 1
    out.loc[rng.choice(nausea, size=ADVERSE_EVENTS["ae_vomiting"], replace=False), "ae_vomiting"] = 1  # vomiting ⊂ nausea
    for column, count in ADVERSE_EVENTS.items():
        if column not in ("ae_nausea", "ae_vomiting"):
            out.loc[rng.choice(index, size=count, replace=False), column] = 1
    return out


def _labs(rng: np.random.Generator, patients: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """Daily ANC and platelets after each induction cycle, built so the paper's recovery rule
    gives neutrophil and platelet recovery times with medians 12 and 14 days."""
    first = courses[(courses["course"] == 1)]
    evaluable = [pid for pid in first["patient_id"]
                 if patients.set_index("patient_id").at[pid, "early_death"] == 0]
    n = len(evaluable)
    half = n // 2

    def with_median(low: tuple[int, int], median: int, high: tuple[int, int]) -> np.ndarray:
        below = rng.integers(low[0], low[1] + 1, size=half)
        above = rng.integers(high[0], high[1] + 1, size=n - half - 1)
        return rng.permutation(np.concatenate([below, [median], above]))

    neut = dict(zip(evaluable, with_median((8, 11), 12, (12, 19))))
    plate = dict(zip(evaluable, with_median((9, 13), 14, (14, 23))))
    info = patients.set_index("patient_id")
    rows = []
    for _, course in courses[courses["phase"] == "induction"].iterrows():
        pid = course["patient_id"]
        start_date = course["chemo_start_date"]
        death = info.at[pid, "death_date"]
        drop = int(rng.integers(2, 5))   # counts fall below ANC 2 and platelets 100 from this day
        if course["course"] == 1 and pid in neut:
            r_n, r_p = int(neut[pid]), int(plate[pid])
        elif course["course"] == 1:  # an early death: aplastic until death, never recovers
            r_n, r_p = 60, 60
        else:
            r_n, r_p = int(rng.integers(10, 16)), int(rng.integers(12, 19))
        horizon = drop + max(r_n, r_p) + 8
        for day in range(0, horizon):
            date = start_date + pd.Timedelta(days=day)
            if pd.notna(death) and date >= death:
                break
            if day < drop:
                anc, plt = rng.uniform(2.2, 3.5), rng.uniform(105, 160)
            else:
                anc = rng.uniform(0.05, 0.45) if day < drop + r_n else rng.uniform(0.6, 1.2) + 0.15 * (day - drop - r_n)
                plt = rng.uniform(8, 28) if day < drop + r_p else rng.uniform(32, 45) + 6 * (day - drop - r_p)
                anc, plt = min(anc, 1.95), min(plt, 99)
            rows.append({"patient_id": pid, "course": int(course["course"]), "day": day,
                         "anc_1e9_per_l": round(float(anc), 2), "platelets_1e9_per_l": int(round(plt))})
    return pd.DataFrame(rows)


def _chimerism(rng: np.random.Generator, patients: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    rows = []
    info = patients.set_index("patient_id")
    for pid, group in courses.groupby("patient_id"):
        death = info.at[pid, "death_date"]
        gvhd = info.at[pid, "gvhd"] == 1
        infusions = list(group["infusion_date"])
        for number, infusion in zip(group["course"], infusions):
            if gvhd and number == 4:
                for offset, value in ((14, 7.973), (21, 25.809)):
                    rows.append({"patient_id": pid, "course": number, "date": infusion + pd.Timedelta(days=offset),
                                 "donor_chimerism_pct": value, "below_detection": 0, "detection_limit_pct": DETECTION_LIMIT_PCT})
                continue
            # Measured at white-cell recovery before the next cycle.
            date = infusion + pd.Timedelta(days=int(rng.integers(18, 26)))
            if pd.notna(death) and date >= death:
                continue
            if number < len(infusions) and date >= infusions[number] - pd.Timedelta(days=1):
                continue
            rows.append({"patient_id": pid, "course": number, "date": date, "donor_chimerism_pct": np.nan,
                         "below_detection": 1, "detection_limit_pct": DETECTION_LIMIT_PCT})
    return pd.DataFrame(rows)


def reconstruct(seed: int = 0, timing: Mapping[int, Mapping[str, float]] | None = None) -> Cohort:
    """Build a reconstructed cohort. Seed 0 is the book's cohort; every seed meets every target.

    Parameters
    ----------
    seed
        Seeds NumPy's PCG64 generator; the same seed always gives the same cohort.
    timing
        Optional event-time overrides per patient slot (the row order of :data:`PROFILES`):
        ``chemo_offset``, ``relapse_day``, ``death_day`` (days from diagnosis), ``cr_delay``
        (days from the last induction start) and ``consolidation_gap`` (days). Used by
        :mod:`mst_helpers.attainability` to build witness cohorts; such a cohort meets the
        targets only if the overrides respect them, which :mod:`mst_helpers.targets` checks.

    Returns
    -------
    Cohort
        ``patients`` (one row per patient), ``courses``, ``chimerism`` and ``labs``.

    Examples
    --------
    >>> cohort = reconstruct(0)
    >>> len(cohort.patients), int(cohort.patients["cr"].sum())
    (29, 24)
    """
    rng = np.random.default_rng(np.random.PCG64(seed))
    events = _event_times(rng, timing)
    diagnosis = _assign_dates(rng, events)
    base = _baseline(rng, events)
    donor_age = _donor_ages(rng, events)
    doses = _doses(rng, events)
    # The late relapse of the long-term survivor falls between 5 years and the cut-off.
    late = events.index[events["profile"] == "relapse_after_60_alive"]
    for i in late:
        follow = (CUTOFF - diagnosis[i]).days
        events.loc[i, "relapse_day"] = int(rng.integers(_days(61.0), follow - _days(2.0)))
    courses, cr_day, cycles = _courses(rng, events, diagnosis, timing)
    # The GVHD patient dies 44 days after her fourth infusion.
    g = events.index[events["profile"] == "gvhd"][0]
    fourth = courses[(courses["patient_index"] == g) & (courses["course"] == 4)]["infusion_date"].iloc[0]
    events.loc[g, "death_day"] = (fourth + pd.Timedelta(days=44) - diagnosis[g]).days

    # Patient ids in order of diagnosis (MST-01 is the earliest).
    order = diagnosis.sort_values(kind="stable").index
    ids = {patient: f"MST-{rank:02d}" for rank, patient in enumerate(order, start=1)}
    relapse = events["relapse_day"].notna().astype(int)
    death = events["death_day"].notna().astype(int)

    def to_date(days: pd.Series) -> pd.Series:
        return pd.Series([diagnosis[i] + pd.Timedelta(days=int(d)) if pd.notna(d) else pd.NaT for i, d in days.items()],
                         index=days.index, dtype="datetime64[ns]")

    cause = pd.Series("", index=events.index, dtype=object)
    leukaemic = {"60-70": 6, ">70": 5}
    infection = {"60-70": 2, ">70": 2}
    for group in GROUP_SIZES:
        in_group = events["age_group"] == group
        dead = events.index[in_group & events["death_day"].notna()]
        nrm = [i for i in dead if events.at[i, "profile"] in ("gvhd", "nrm_after_60", "early_death_nrm")]
        non_cr_leuk = [i for i in dead if events.at[i, "profile"] in ("early_death", "refractory")]
        relapsed = [i for i in dead if pd.notna(events.at[i, "relapse_day"])]
        # NRM deaths: GVHD → organ failure; the others → infection.
        for i in nrm:
            cause[i] = "organ_failure" if events.at[i, "profile"] == "gvhd" else "infection"
        for i in non_cr_leuk:
            cause[i] = "relapse"
        k_relapse = leukaemic[group] - len(non_cr_leuk)
        k_infection = infection[group] - sum(cause[i] == "infection" for i in nrm)
        labels = ["relapse"] * k_relapse + ["infection"] * k_infection
        labels += ["organ_failure"] * (len(relapsed) - len(labels))
        for i, label in zip(rng.permutation(relapsed), labels):
            cause[i] = label
    patients = pd.DataFrame({
        "patient_id": [ids[i] for i in events.index],
        "age": base["age"],
        "age_group": events["age_group"],
        "sex": base["sex"],
        "donor_sex": base["donor_sex"],
        "donor_age": donor_age.astype(int),
        "donor_relation": base["donor_relation"],
        "hla_mismatch": base["hla_mismatch"],
        "diagnosis_date": diagnosis,
        "induction_regimen": rng.choice(["IA", "MA"], size=len(events)),
        "induction_cycles": cycles,
        "cr": events["cr"],
        "cr_date": to_date(cr_day),
        "relapse": relapse,
        "relapse_date": to_date(events["relapse_day"]),
        "death": death,
        "death_date": to_date(events["death_day"]),
        "death_cause": cause,
    }, index=events.index)
    patients["last_contact_date"] = patients["death_date"].fillna(CUTOFF)
    patients["early_death"] = 0
    first_chemo = diagnosis + pd.to_timedelta(events["chemo_offset"], unit="D")
    patients.loc[(patients["death_date"] - first_chemo).dt.days <= 28, "early_death"] = 1
    counts = courses.groupby("patient_index")["course"].max()
    patients["mst_courses"] = counts.reindex(events.index).astype(int)
    for column in DOSE_TARGETS:
        patients[column] = doses[column].round(2)
    patients["gvhd"] = (events["profile"] == "gvhd").astype(int)
    patients = pd.concat([patients, _adverse_events(rng, events.index)], axis=1)
    courses["patient_id"] = courses["patient_index"].map(ids)
    for column in DOSE_TARGETS:
        courses[column] = courses["patient_index"].map(patients[column])
    courses = courses.drop(columns="patient_index")
    patients = patients.sort_values("patient_id").reset_index(drop=True)
    courses = courses.sort_values(["patient_id", "course"]).reset_index(drop=True)
    courses = courses[["patient_id", "course", "phase", "chemo_start_date", "infusion_date", *DOSE_TARGETS]]
    labs = _labs(rng, patients, courses)
    chimerism = _chimerism(rng, patients, courses)
    return Cohort(patients=patients.drop(columns=["early_death"]), courses=courses, chimerism=chimerism, labs=labs, seed=seed,
                  slots={int(i): ids[i] for i in events.index})


def _fmt_dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    return out


def write_cohort(cohort: Cohort, folder: str | Path) -> list[Path]:
    """Write the four CSV files (dates as ISO dates) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ("patients", "courses", "chimerism", "labs"):
        path = folder / f"{name}.csv"
        _fmt_dates(getattr(cohort, name)).to_csv(path, index=False, lineterminator="\n", float_format="%.3f" if name == "chimerism" else None)
        paths.append(path)
    return paths


def _run_seeds(seeds: list[int]) -> int:
    for seed in seeds:
        reconstruct(seed)
    return len(seeds)


def benchmark(n_seeds: int = 200, n_jobs: int = 2) -> dict[str, float]:
    """Time the reconstruction: a cold first call in a fresh process, a warm call, and
    ``n_seeds`` seeds over ``n_jobs`` worker processes (each worker pays its own cold start)."""
    import subprocess
    import time

    from joblib import Parallel, delayed

    code = ("import time; t = time.perf_counter(); from mst_helpers.reconstruct import reconstruct; reconstruct(0); "
            "print(time.perf_counter() - t)")
    cold = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    reconstruct(0)
    started = time.perf_counter()
    reconstruct(1)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    chunks = [list(range(i, n_seeds, n_jobs)) for i in range(n_jobs)]
    Parallel(n_jobs=n_jobs)(delayed(_run_seeds)(chunk) for chunk in chunks)
    return {"reconstruct_cold_s": cold, "reconstruct_warm_s": warm, f"reconstruct_{n_seeds}_seeds_{n_jobs}_jobs_s": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mst_helpers.reconstruct", description="Write the reconstructed cohort.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("data") / "reconstructed")
    args = parser.parse_args(argv)
    for path in write_cohort(reconstruct(args.seed), args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
