"""Recompute the paper's printed cohort-level numbers from the four cohort tables.

This module knows nothing of how the cohort was built: it reads ``patients``, ``courses``,
``chimerism`` and ``labs`` and recomputes, claim id by claim id, what the paper prints (Table 1,
Table 2 and the text), using :mod:`mst_helpers.endpoints` for every endpoint. The reconstruction
chapter and the tests compare these values with the registry at the printed precision.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from . import endpoints

__all__ = ["recompute_claims", "sex_match_claims", "compare_with_printed", "meets_printed", "unmet_targets", "spss_quantiles", "WHOLE_MONTH_IDS"]

GROUPS = {"all": None, "60-70": "60-70", ">70": ">70"}
#: Printed OS durations that are whole months in the paper (compared at that precision).
WHOLE_MONTH_IDS = ("res.os.median", "res.os.min", "res.os.max", "abs.os.median", "abs.os.min", "abs.os.max")


def spss_quantiles(values, probs=(0.25, 0.5, 0.75)) -> list[float]:
    """Quantiles with the (n + 1)p definition used by SPSS (R type 6, NumPy 'weibull')."""
    return [float(q) for q in np.quantile(np.asarray(values, dtype=float), probs, method="weibull")]


def _subset(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    return frame if GROUPS[group] is None else frame[frame["age_group"] == group]


def _count_and_pct(out: dict, stem: str, mask: pd.Series, patients: pd.DataFrame) -> None:
    for group in GROUPS:
        sub = _subset(patients, group)
        k = int(mask.loc[sub.index].sum())
        out[f"{stem}.{group}.n"] = k
        out[f"{stem}.{group}.pct"] = 100 * k / len(sub)


def sex_match_claims(patients: pd.DataFrame) -> dict[str, float]:
    """Table 1's donor/patient sex combinations (counts and percentages per group), keyed by claim
    id: the part of :func:`recompute_claims` that the sex-match test needs, on its own."""
    p = patients.reset_index(drop=True)
    out: dict[str, float] = {}
    for slug, (donor, patient) in {"f_to_f": ("F", "F"), "f_to_m": ("F", "M"), "m_to_f": ("M", "F"), "m_to_m": ("M", "M")}.items():
        _count_and_pct(out, f"t1.sex_match.{slug}", (p["donor_sex"] == donor) & (p["sex"] == patient), p)
    return out


def recompute_claims(patients: pd.DataFrame, courses: pd.DataFrame, chimerism: pd.DataFrame, labs: pd.DataFrame) -> dict[str, float]:
    """Every printed cohort-level number this cohort can recompute, keyed by claim id."""
    p = patients.reset_index(drop=True)
    out: dict[str, float] = {}
    for tag in ("t1", "t2"):
        for group in GROUPS:
            out[f"{tag}.header.{group}.n"] = len(_subset(p, group))
    # ---- Table 1
    _count_and_pct(out, "t1.patient_sex.male", p["sex"] == "M", p)
    _count_and_pct(out, "t1.patient_sex.female", p["sex"] == "F", p)
    _count_and_pct(out, "t1.donor_sex.male", p["donor_sex"] == "M", p)
    _count_and_pct(out, "t1.donor_sex.female", p["donor_sex"] == "F", p)
    out.update(sex_match_claims(p))
    _count_and_pct(out, "t1.relation.unrelated", p["donor_relation"] == "unrelated", p)
    _count_and_pct(out, "t1.relation.related", p["donor_relation"] == "related", p)
    _count_and_pct(out, "t1.hla.5of10", p["hla_mismatch"] == "5/10", p)
    _count_and_pct(out, "t1.hla.6of10", p["hla_mismatch"] == "6/10", p)
    _count_and_pct(out, "t1.courses.gt3", p["mst_courses"] > 3, p)
    _count_and_pct(out, "t1.courses.1to3", p["mst_courses"].between(1, 3), p)
    years = pd.to_datetime(p["diagnosis_date"]).dt.year
    for group in GROUPS:
        sub = _subset(p, group)
        out[f"t1.donor_age.{group}.mean"] = float(sub["donor_age"].mean())
        out[f"t1.donor_age.{group}.sd"] = float(sub["donor_age"].std(ddof=1))
        y = years.loc[sub.index]
        out[f"t1.diagnosis_year.{group}.median"] = float(y.median())
        out[f"t1.diagnosis_year.{group}.min"] = float(y.min())
        out[f"t1.diagnosis_year.{group}.max"] = float(y.max())
    # ---- Table 2
    for column, stem, kind in (("mnc_1e8_per_kg", "mnc", "quartiles"), ("cd34_1e6_per_kg", "cd34", "range"),
                               ("cd3_1e8_per_kg", "cd3", "quartiles")):
        for group in GROUPS:
            values = _subset(p, group)[column]
            q1, median, q3 = spss_quantiles(values)
            out[f"t2.{stem}.{group}.median"] = median
            out[f"t2.{stem}.{group}.q1"] = float(values.min()) if kind == "range" else q1
            out[f"t2.{stem}.{group}.q3"] = float(values.max()) if kind == "range" else q3
    _count_and_pct(out, "t2.induction", p["induction_regimen"].isin(["MA", "IA"]), p)
    _count_and_pct(out, "t2.cr", p["cr"] == 1, p)
    _count_and_pct(out, "t2.death", p["death"] == 1, p)
    early = endpoints.early_deaths(p, courses)
    _count_and_pct(out, "t2.early_death", early == 1, p)
    for cause in ("relapse", "infection", "organ_failure"):
        _count_and_pct(out, f"t2.death_cause.{cause}", p["death_cause"].fillna("") == cause, p)
    for years_, label in ((1, "1y"), (3, "3y"), (5, "5y")):
        _count_and_pct(out, f"t2.os.{label}", endpoints.alive_at(p, 12 * years_) == 1, p)
        _count_and_pct(out, f"t2.lfs.{label}", endpoints.leukaemia_free_at(p, 12 * years_) == 1, p)
    # ---- text
    n = len(p)
    by = {g: _subset(p, g) for g in ("60-70", ">70")}
    out.update({
        "abs.n_patients": n, "meth.n_patients": n, "res.n_patients": n,
        "abs.n.60-70": len(by["60-70"]), "abs.n.>70": len(by[">70"]),
        "res.n.60-70": len(by["60-70"]), "res.n.>70": len(by[">70"]),
        "abs.age_min": float(p["age"].min()), "meth.age_min": float(p["age"].min()),
        "disc.age.min": float(p["age"].min()), "disc.age.max": float(p["age"].max()),
        "abs.age_group_lo.lower": float(by["60-70"]["age"].min()), "abs.age_group_lo.upper": float(by["60-70"]["age"].max()),
        "abs.age_group_hi.lower": float(by[">70"]["age"].min()),
    })
    for prefix in ("abs", "res"):
        out[f"{prefix}.cr.all.n"] = out["t2.cr.all.n"]
        out[f"{prefix}.cr.all.pct"] = out["t2.cr.all.pct"]
        for g in ("60-70", ">70"):
            out[f"{prefix}.cr.{g}.pct"] = out[f"t2.cr.{g}.pct"]
    out["abs.cr.all.den"] = n
    for g in ("60-70", ">70"):
        out[f"res.cr.{g}.n"] = out[f"t2.cr.{g}.n"]
        out[f"res.courses.{g}.n"] = out[f"t1.courses.gt3.{g}.n"]
        out[f"res.courses.{g}.pct"] = out[f"t1.courses.gt3.{g}.pct"]
        out[f"res.death.{g}.n"] = out[f"t2.death.{g}.n"]
        out[f"res.death.{g}.pct"] = out[f"t2.death.{g}.pct"]
        out[f"res.os1y.{g}.n"] = out[f"t2.os.1y.{g}.n"]
        out[f"res.os1y.{g}.pct"] = out[f"t2.os.1y.{g}.pct"]
    out["res.cr.second_induction.n"] = int(((p["cr"] == 1) & (p["induction_cycles"] == 2)).sum())
    out["res.cr.second_induction.cycles"] = float(p.loc[(p["cr"] == 1) & (p["induction_cycles"] > 1), "induction_cycles"].max())
    out["res.death.all.n"], out["res.death.all.pct"] = out["t2.death.all.n"], out["t2.death.all.pct"]
    out["res.early_death.all.n"], out["res.early_death.all.pct"] = out["t2.early_death.all.n"], out["t2.early_death.all.pct"]
    for cause in ("relapse", "infection", "organ_failure"):
        out[f"res.death_cause.{cause}.n"] = out[f"t2.death_cause.{cause}.all.n"]
        out[f"res.death_cause.{cause}.pct"] = out[f"t2.death_cause.{cause}.all.pct"]
    out["res.donor_age.min"], out["res.donor_age.max"] = float(p["donor_age"].min()), float(p["donor_age"].max())
    out["res.donor_age.mean"], out["res.donor_age.sd"] = out["t1.donor_age.all.mean"], out["t1.donor_age.all.sd"]
    out["res.related.n"], out["res.related.pct"] = out["t1.relation.related.all.n"], out["t1.relation.related.all.pct"]
    out["res.diagnosis_year.median"] = out["t1.diagnosis_year.all.median"]
    # Follow-up (potential, diagnosis to cut-off) and OS.
    follow = endpoints.potential_follow_up(p)
    for prefix in ("res", "abs"):
        out[f"{prefix}.followup.median"] = float(follow.median())
        out[f"{prefix}.followup.min"] = float(follow.min())
        out[f"{prefix}.followup.max"] = float(follow.max())
    os_ = endpoints.overall_survival(p)
    for prefix in ("res", "abs"):
        out[f"{prefix}.os.median"] = float(os_["time"].median())
        out[f"{prefix}.os.min"] = float(os_["time"].min())
        out[f"{prefix}.os.max"] = float(os_["time"].max())
    # Relapse and NRM among all patients of each group (the framework the printed fractions use).
    competing = endpoints.competing_events_from_diagnosis(p)
    for g in ("60-70", ">70"):
        sub = competing[competing["age_group"] == g]
        relapses = int((sub["event"] == endpoints.RELAPSE).sum())
        nrm_by_156 = int(((sub["event"] == endpoints.NON_RELAPSE_DEATH) & (sub["time"] <= 156)).sum())
        for prefix in ("res", "abs"):
            out[f"{prefix}.relapse.{g}.pct"] = 100 * relapses / len(sub)
        out[f"res.relapse.{g}.n"] = relapses
        out[f"res.nrm.{g}.n"] = nrm_by_156
        out[f"res.nrm.{g}.pct"] = 100 * nrm_by_156 / len(sub)
    out["res.nrm.time"] = 156.0 if (competing.loc[competing["event"] == endpoints.NON_RELAPSE_DEATH, "time"] <= 156).all() else float("nan")
    # Recovery after the first induction cycle.
    recovery = endpoints.recovery_times(labs)
    first = recovery[recovery["course"] == 1]
    for prefix in ("res", "disc"):
        out[f"{prefix}.recovery.anc.median"] = float(first["neutrophil_days"].median())
        out[f"{prefix}.recovery.plt.median"] = float(first["platelet_days"].median())
    for column in [c for c in p.columns if c.startswith("ae_")]:
        slug = column[len("ae_"):]
        out[f"res.ae.{slug}.n"] = int(p[column].sum())
        out[f"res.ae.{slug}.pct"] = 100 * int(p[column].sum()) / n
    # Chimerism and the GVHD patient.
    detected = chimerism[chimerism["below_detection"] == 0]
    negative = n - detected["patient_id"].nunique()
    out["res.chimerism_negative.pct"] = 100 * negative / n
    gvhd = p[p["gvhd"] == 1]
    out["res.gvhd.n"] = out["abs.gvhd.n"] = len(gvhd)
    out["abs.gvhd.pct"] = 100 * len(gvhd) / n
    if len(gvhd) == 1:
        g = gvhd.iloc[0]
        out["res.gvhd.age"] = float(g["age"])
        out["res.gvhd.donor_age"] = float(g["donor_age"])
        out["res.gvhd.courses"] = float(g["mst_courses"])
        out["res.gvhd.death_after_course"] = float(g["mst_courses"])
        mine = courses[courses["patient_id"] == g["patient_id"]]
        out["res.gvhd.mnc"] = float(mine["mnc_1e8_per_kg"].unique()[0])
        out["res.gvhd.cd34"] = float(mine["cd34_1e6_per_kg"].unique()[0])
        out["res.gvhd.cd3"] = float(mine["cd3_1e8_per_kg"].unique()[0])
        last_infusion = pd.to_datetime(mine["infusion_date"]).max()
        out["res.gvhd.death_day"] = float((pd.to_datetime(g["death_date"]) - last_infusion).days)
        values = detected[detected["patient_id"] == g["patient_id"]].sort_values("date")
        if len(values) >= 2:
            out["res.gvhd.chimerism1"] = float(values["donor_chimerism_pct"].iloc[0])
            out["res.gvhd.chimerism2"] = float(values["donor_chimerism_pct"].iloc[1])
            gap = (pd.to_datetime(values["date"].iloc[1]) - pd.to_datetime(values["date"].iloc[0])).days
            out["res.gvhd.chimerism_interval"] = gap / 7
    return out


_ORDER = {">": lambda v, t: v > t, "<": lambda v, t: v < t, ">=": lambda v, t: v >= t, "≥": lambda v, t: v >= t,
          "<=": lambda v, t: v <= t, "≤": lambda v, t: v <= t}


def meets_printed(claim: pd.Series, value: float) -> bool:
    """Whether ``value`` equals a claim's printed number at its printed precision.

    p-values follow :func:`mst_helpers.pvalues.matches_printed`; OS times in
    :data:`WHOLE_MONTH_IDS` are compared in whole months; a printed bound (">70") is a bound.
    """
    from .audit import rounds_to
    from .pvalues import matches_printed

    if pd.isna(value):
        return False
    printed = str(claim["printed"])
    if claim["kind"] == "p_value":
        return matches_printed(value, printed)
    if claim["id"] in WHOLE_MONTH_IDS:
        return round(value) == round(float(printed))
    comparator = str(claim.get("comparator", "="))
    if comparator in _ORDER:
        return bool(_ORDER[comparator](value, float(printed.replace(",", "").lstrip("<>≥≤="))))
    return rounds_to(value, printed)


def compare_with_printed(claims: pd.DataFrame, recomputed: dict[str, float]) -> pd.DataFrame:
    """Printed vs recomputed for every claim with a recomputed value (``meets``: :func:`meets_printed`)."""
    rows = []
    indexed = claims.set_index("id", drop=False)
    for claim_id, value in recomputed.items():
        if claim_id not in indexed.index:
            continue
        row = indexed.loc[claim_id]
        rows.append({"id": claim_id, "section": row["section"], "quantity": row["quantity"], "group": row["group"],
                     "printed": str(row["printed"]), "recomputed": value, "meets": meets_printed(row, value),
                     "role": row["role"] if "role" in row.index else ""})
    return pd.DataFrame(rows)


def unmet_targets(claims: pd.DataFrame, cohort) -> list[str]:
    """Ids of the reconstruction targets ``cohort`` misses (RNA-seq targets belong to the counts).

    Raises ``ValueError`` naming any target this module cannot recompute.
    """
    table = compare_with_printed(claims, recompute_claims(cohort.patients, cohort.courses, cohort.chimerism, cohort.labs))
    targets = set(claims.loc[(claims["role"] == "target") & (claims["group"] != "rnaseq"), "id"])
    missing = targets - set(table["id"])
    if missing:
        raise ValueError(f"targets without a recomputation: {sorted(missing)}")
    return sorted(table.loc[table["id"].isin(targets) & ~table["meets"], "id"])
