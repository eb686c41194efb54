"""Which test did the authors use? Every categorical p-value rebuilt from its printed counts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..claims import section_name
from ..pvalues import categorical_tests, matches_printed, t_test_from_summary
from .arithmetic import rounds_to
from .records import GROUPS, _index, _printed, _val


# --------------------------------------------------------------------------- p-values
@dataclass(frozen=True)
class PValueSpec:
    """How to rebuild the table behind one printed p-value from the registry.

    ``categories`` are claim-id stems ``t1.patient_sex.male`` whose ``.<group>.n`` counts
    form the rows; a single category means a yes/no outcome whose "no" row is the group
    size minus the count. ``kind`` is ``"categorical"``, ``"t"`` (donor age) or
    ``"needs data"`` (a test that needs patient-level data: rank tests, survival tests).
    """

    p_id: str
    label: str
    kind: str = "categorical"
    categories: tuple[str, ...] = ()
    group_ids: tuple[str, str] | None = None  # explicit (count id 60-70, count id >70)
    n_ids: tuple[str, str] = ("t1.header.60-70.n", "t1.header.>70.n")
    note: str = ""
    #: The rows count nested sets (1-, 3-, 5-year survivors): a chi-square over them is no test.
    nested: bool = False


def _t1(*cats: str) -> tuple[str, ...]:
    return tuple(f"t1.{x}" for x in cats)


def _t2(*cats: str) -> tuple[str, ...]:
    return tuple(f"t2.{x}" for x in cats)


PVALUE_SPECS: tuple[PValueSpec, ...] = (
    PValueSpec("t1.patient_sex.p", "Table 1: patient sex", categories=_t1("patient_sex.male", "patient_sex.female")),
    PValueSpec("t1.donor_sex.p", "Table 1: donor sex", categories=_t1("donor_sex.male", "donor_sex.female")),
    PValueSpec("t1.sex_match.p", "Table 1: donor/patient sex (4 x 2)",
               categories=_t1("sex_match.f_to_f", "sex_match.f_to_m", "sex_match.m_to_f", "sex_match.m_to_m")),
    PValueSpec("t1.relation.p", "Table 1: donor relation", categories=_t1("relation.unrelated", "relation.related")),
    PValueSpec("t1.hla.p", "Table 1: HLA mismatch", categories=_t1("hla.5of10", "hla.6of10")),
    PValueSpec("t1.courses.p", "Table 1: courses of MST", categories=_t1("courses.gt3", "courses.1to3")),
    PValueSpec("res.courses.p", "Results: >3 courses by age group", group_ids=("res.courses.60-70.n", "res.courses.>70.n")),
    PValueSpec("t1.donor_age.p", "Table 1: donor age", kind="t"),
    PValueSpec("t1.diagnosis_year.p", "Table 1: year of diagnosis", kind="needs data",
               note="a rank test on years of diagnosis needs patient-level data"),
    PValueSpec("t2.mnc.p", "Table 2: MNC dose", kind="needs data", note="Mann–Whitney on doses needs patient-level data"),
    PValueSpec("t2.cd34.p", "Table 2: CD34+ dose", kind="needs data", note="Mann–Whitney on doses needs patient-level data"),
    PValueSpec("t2.cd3.p", "Table 2: CD3+ dose", kind="needs data", note="Mann–Whitney on doses needs patient-level data"),
    PValueSpec("t2.induction.p", "Table 2: induction regimen", categories=_t2("induction"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.cr.p", "Table 2: overall CR", categories=_t2("cr"), n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.death.p", "Table 2: total deaths", categories=_t2("death"), n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.early_death.p", "Table 2: early deaths", categories=_t2("early_death"), n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.death_cause.p", "Table 2: causes of death (3 x 2)",
               categories=_t2("death_cause.relapse", "death_cause.infection", "death_cause.organ_failure"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n")),
    PValueSpec("t2.os.p", "Table 2: OS at 1, 3, 5 years (3 x 2)", categories=_t2("os.1y", "os.3y", "os.5y"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n"), nested=True),
    PValueSpec("t2.lfs.p", "Table 2: LFS at 1, 3, 5 years (3 x 2)", categories=_t2("lfs.1y", "lfs.3y", "lfs.5y"),
               n_ids=("t2.header.60-70.n", "t2.header.>70.n"), nested=True),
    PValueSpec("res.cr.p", "Results: CR by age group", group_ids=("res.cr.60-70.n", "res.cr.>70.n")),
    PValueSpec("res.death.p", "Results: mortality by age group", group_ids=("res.death.60-70.n", "res.death.>70.n")),
    PValueSpec("res.os1y.p", "Results: 1-year OS by age group", group_ids=("res.os1y.60-70.n", "res.os1y.>70.n")),
    PValueSpec("abs.cr.p", "Abstract: CR by age group", group_ids=("res.cr.60-70.n", "res.cr.>70.n")),
)

#: Survival and competing-risk p-values: checked by later chapters on patient-level data.
SURVIVAL_P_IDS = (
    "abs.os.p", "abs.lfs.p", "abs.courses.os.p", "abs.courses.lfs.p", "abs.relapse.p", "abs.nrm.p",
    "res.courses.os.p", "res.courses.lfs.p", "res.relapse.p", "res.nrm.p", "res.diagnosis_year.p",
)


def table_for(spec: PValueSpec, c: pd.DataFrame) -> np.ndarray:
    n1, n2 = (int(_val(c, i)) for i in spec.n_ids)
    if spec.group_ids:
        k1, k2 = (int(_val(c, i)) for i in spec.group_ids)
        return np.array([[k1, k2], [n1 - k1, n2 - k2]])
    rows = [[int(_val(c, f"{cat}.{g}.n")) for g in GROUPS] for cat in spec.categories]
    if len(rows) == 1:
        rows.append([n1 - rows[0][0], n2 - rows[0][1]])
    return np.array(rows)


def _readings(printed: str) -> list[tuple[str, str]]:
    """The printed p itself and, when it ends in a zero, the shorter number it may pad
    ("0.290" may be "0.29" printed to three places): (reading, label)."""
    text = printed.strip()
    out = [(text, f"at the printed precision ({text})")]
    if "." in text and text.endswith("0") and not text.startswith(("<", ">")):
        shorter = text[:-1]
        out.append((shorter, f"as {shorter} padded with a zero"))
    return out


def pvalue_origins(table: np.ndarray, printed: str, extra_patients: int = 1) -> pd.DataFrame:
    """Every yes/no table that reproduces a printed 2 x 2 p-value no test gives on its printed counts.

    Searches *all* tables whose group sizes are the printed ones, or those with up to
    ``extra_patients`` more patients in one group (an earlier version of the cohort), with
    Pearson, Yates and Fisher, at the printed precision and — when the printed value ends in a
    zero — one place fewer. Returns ``table`` ("k1/n1 vs k2/n2"), ``k1``, ``n1``, ``k2``, ``n2``,
    ``test``, ``p_value``, ``reading``; empty when nothing reproduces it.
    """
    if table.shape != (2, 2):
        return pd.DataFrame(columns=["table", "k1", "n1", "k2", "n2", "test", "p_value", "reading"])
    (k1, k2), (r1, r2) = table
    n1, n2 = int(k1 + r1), int(k2 + r2)
    sizes = [(n1, n2)] + [(n1 + e, n2) for e in range(1, extra_patients + 1)] + [(n1, n2 + e) for e in range(1, extra_patients + 1)]
    rows = []
    for m1, m2 in sizes:
        for a in range(m1 + 1):
            for b in range(m2 + 1):
                candidate = np.array([[a, b], [m1 - a, m2 - b]])
                # A table and its complement (the other outcome counted) give the same tests: keep
                # the one whose counts are nearer the printed ones.
                if candidate.sum(axis=1).min() == 0 or abs(m1 - a - k1) + abs(m2 - b - k2) < abs(a - k1) + abs(b - k2):
                    continue
                for res in categorical_tests(candidate):
                    for reading, label in _readings(printed):
                        if matches_printed(res.p_value, reading):
                            rows.append({"table": f"{a}/{m1} vs {b}/{m2}", "k1": a, "n1": m1, "k2": b, "n2": m2,
                                         "test": res.test, "p_value": res.p_value, "reading": label})
                            break
    found = pd.DataFrame(rows, columns=["table", "k1", "n1", "k2", "n2", "test", "p_value", "reading"])
    distance = (found["n1"] + found["n2"] - n1 - n2) + (found["k1"] - k1).abs() + (found["k2"] - k2).abs()
    return found.assign(distance=distance).sort_values(["distance", "table", "test"], kind="stable").reset_index(drop=True)


def origin_ties(origins: pd.DataFrame, claims: pd.DataFrame) -> pd.Series:
    """For each origin table, the printed percentages it would explain: a quantity printed for both
    age groups whose two percentages are the table's proportions (or their complements).
    Returns one string per origin row ("" when none)."""
    pct = claims[claims["kind"] == "percent"]
    by_group = {g: pct[pct["group"] == g] for g in GROUPS}
    ties = []
    for r in origins.itertuples():
        found = []
        for quantity in sorted(set(by_group["60-70"]["quantity"]) & set(by_group[">70"]["quantity"])):
            young = by_group["60-70"][by_group["60-70"]["quantity"] == quantity].iloc[0]
            old = by_group[">70"][by_group[">70"]["quantity"] == quantity].iloc[0]
            for flip in (False, True):
                a, b = (r.n1 - r.k1, r.n2 - r.k2) if flip else (r.k1, r.k2)
                if rounds_to(100 * a / r.n1, young["printed"]) and rounds_to(100 * b / r.n2, old["printed"]):
                    found.append(f"{quantity}: {young['printed']}% = {a}/{r.n1} and {old['printed']}% = {b}/{r.n2} "
                                 f"({section_name(young['section'])})")
        ties.append("; ".join(found))
    return pd.Series(ties, index=origins.index, dtype=object)


def describe_origins(origins: pd.DataFrame, printed_table: np.ndarray) -> str:
    """One sentence listing each table that gives the printed p, with how far it is from the
    printed counts (patients added, counts changed)."""
    if origins.empty:
        return "no table with these group sizes (or one patient more in either group) gives it under any candidate test"
    (k1, k2), (r1, r2) = printed_table
    ties = origins["ties"] if "ties" in origins else pd.Series("", index=origins.index)
    shown = origins[(origins["distance"] == origins["distance"].min()) | (ties != "")]
    parts = []
    for r in shown.itertuples():
        tie = getattr(r, "ties", "")
        changes = []
        if r.n1 != k1 + r1 or r.n2 != k2 + r2:
            changes.append(f"{r.n1 + r.n2 - (k1 + r1 + k2 + r2):+d} patient")
        if r.k1 != k1:
            changes.append(f"{r.k1 - k1:+d} in 60-70")
        if r.k2 != k2:
            changes.append(f"{r.k2 - k2:+d} in >70")
        parts.append(f"{r.test} on {r.table} gives {r.p_value:.4f} ({r.reading}; {', '.join(changes) or 'the printed counts'})"
                     + (f", the table behind {tie}" if tie else ""))
    rest = len(origins) - len(shown)
    return "; ".join(parts) + (f"; and {rest} more table(s) further from the printed counts" if rest else "")


def _fmt_table(table: np.ndarray) -> str:
    return " / ".join(",".join(str(int(x)) for x in col) for col in table.T)


def pvalue_checks(claims: pd.DataFrame, specs: Sequence[PValueSpec] = PVALUE_SPECS) -> pd.DataFrame:
    """Recompute each printed p-value with every candidate test; say which ones reproduce it.

    Returns one row per (p-value, test) with columns ``p_id``, ``label``, ``printed``,
    ``table`` (counts per group, groups separated by "/"), ``test``, ``p_value``,
    ``matches``, ``origin`` (False), ``origins`` and ``note``; plus, for a 2 x 2 p-value no test
    reproduces on its printed counts, one row (``origin`` True) for each table of
    :func:`pvalue_origins` that does, and in ``origins`` the sentence describing them.
    """
    c = _index(claims)
    rows = []
    for spec in specs:
        printed = _printed(c, spec.p_id)
        base = {"p_id": spec.p_id, "label": spec.label, "printed": printed, "note": spec.note, "origin": False, "origins": ""}
        if spec.kind == "needs data":
            rows.append({**base, "table": "", "test": "(patient-level data)", "p_value": float("nan"), "matches": False})
            continue
        if spec.kind == "t":
            args = []
            for g in GROUPS:
                args += [_val(c, f"t1.donor_age.{g}.mean"), _val(c, f"t1.donor_age.{g}.sd"), int(_val(c, f"t1.header.{g}.n"))]
            for welch in (False, True):
                res = t_test_from_summary(*args, welch=welch)
                rows.append({**base, "table": "mean, SD, n", "test": res.test, "p_value": res.p_value,
                             "matches": matches_printed(res.p_value, printed)})
            continue
        table = table_for(spec, c)
        results = categorical_tests(table)
        start = len(rows)
        for res in results:
            rows.append({**base, "table": _fmt_table(table), "test": res.test, "p_value": res.p_value,
                         "matches": matches_printed(res.p_value, printed)})
        cause, evidence, text, found = _reading(spec, table, printed, results, claims)
        for row in rows[start:]:
            row.update(origins=text, cause=cause, evidence=evidence)
        for r in found.itertuples():
            rows.append({**base, "origins": text, "cause": cause, "evidence": evidence, "table": r.table, "test": r.test,
                         "p_value": r.p_value, "matches": True, "origin": True, "distance": r.distance})
    frame = pd.DataFrame(rows)
    for column in ("cause", "evidence"):
        frame[column] = frame[column].fillna("") if column in frame else ""
    return frame


def _reading(spec: PValueSpec, table: np.ndarray, printed: str, results, claims: pd.DataFrame):
    """What a printed categorical p-value that is no valid test on its counts means, with the
    numbers: (cause, evidence, origins sentence, origin tables)."""
    empty = pd.DataFrame(columns=["table", "test", "p_value"])
    counts = "; ".join(f"{g}: {', '.join(str(int(x)) for x in table[:, i])}" for i, g in enumerate(GROUPS))
    if spec.nested:
        return ("the rows count nested sets of patients (every 5-year survivor is also a 3- and a 1-year survivor), "
                "so a chi-square over them tests nothing", f"rows per group, largest first: {counts}", "", empty)
    if (table.sum(axis=1) == 0).any():
        fisher = next(r.p_value for r in results if r.test == "Fisher exact")
        return ("every patient is in one category, so no association can be tested", f"{counts}; Fisher's exact p = {fisher:g}",
                "", empty)
    if any(matches_printed(r.p_value, printed) for r in results) or table.shape != (2, 2):
        return "", "", "", empty
    found = pvalue_origins(table, printed)
    found["ties"] = origin_ties(found, claims)
    text = describe_origins(found, table)
    best = found.iloc[0] if len(found) else None
    if best is None:
        cause = "no candidate test reproduces it on any table of these group sizes"
    elif best["distance"] == 0:
        cause = (f"{best['test']} on the printed counts gives {best['p_value']:.4f}: the p-value was rounded to "
                 f"{len(printed.split('.')[-1]) - 1} places and printed with a trailing zero")
    else:
        cause = (f"no test on the printed counts gives it; {best['test']} on {best['table']} does"
                 + (f" — the table behind {best['ties']}" if best["ties"] else ""))
    return cause, text, text, found


def test_attribution(pchecks: pd.DataFrame) -> pd.DataFrame:
    """One row per printed p-value: which test(s) reproduce it on the printed counts, and for a
    p-value none does, the tables that give it (``origins``)."""
    out = []
    for p_id, grp in pchecks.groupby("p_id", sort=False):
        direct = grp[(~grp["origin"]) & grp["matches"]]
        found = grp[grp["origin"]]
        first = grp.iloc[0]
        if first["test"] == "(patient-level data)":
            verdict = "needs patient-level data"
        elif not direct.empty:
            verdict = " and ".join(direct["test"])
        elif not found.empty and (found["distance"] == 0).any():
            verdict = f"{found.loc[found['distance'] == 0, 'test'].iloc[0]}, rounded to fewer places than printed"
        elif not found.empty:
            verdict = "no test on the printed counts; reproduced on another table"
        else:
            verdict = "not reproduced by any candidate test"
        candidates = "; ".join(f"{t}: {p:.4f}" for t, p in zip(grp.loc[~grp["origin"], "test"], grp.loc[~grp["origin"], "p_value"])
                               if not math.isnan(p))
        out.append({"p_id": p_id, "label": first["label"], "printed": first["printed"], "table": first["table"],
                    "recomputed": candidates, "reproduced_by": verdict, "origins": first["origins"], "note": first["note"],
                    "cause": first["cause"], "evidence": first["evidence"]})
    return pd.DataFrame(out)


def test_pattern(attribution: pd.DataFrame) -> str:
    """Which test alone reproduces which printed p-values, as one sentence per test (computed
    from :func:`test_attribution`), e.g. "Fisher exact alone: patient sex, donor sex (2)"."""
    direct = attribution[~attribution["reproduced_by"].str.startswith(("no test", "not reproduced", "needs"))
                         & ~attribution["reproduced_by"].str.contains("rounded to fewer")]
    parts = []
    for test, rows in direct.groupby("reproduced_by", sort=False):
        labels = [label.split(": ", 1)[-1] for label in rows["label"]]
        alone = "alone" if " and " not in test else "(each of them)"
        parts.append(f"{test} {alone}: {', '.join(labels)} ({len(labels)})")
    return "; ".join(parts) if parts else "no printed p-value is reproduced by a candidate test"
