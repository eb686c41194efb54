"""How much do the book's checks depend on the one reconstructed cohort it shows?

Every seed of :func:`mst_helpers.reconstruct.reconstruct` gives a cohort that meets every target.
:func:`check_statistics` recomputes the paper's checks (log-rank, Gray, Cox, the immortal-time
corrected estimate) on one cohort; :func:`run` does it for many seeds in parallel.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["CHECKS", "LANDMARKS", "check_statistics", "run", "summarise"]

#: Check statistic -> (printed claim id or None, kind) ; kind is "p" or "hr".
CHECKS = {
    "logrank_os_age": ("abs.os.p", "p"),
    "logrank_lfs_age": ("abs.lfs.p", "p"),
    "logrank_os_courses": ("res.courses.os.p", "p"),
    "logrank_lfs_courses": ("res.courses.lfs.p", "p"),
    "gray_relapse_dx": ("res.relapse.p", "p"),
    "gray_nrm_dx": ("res.nrm.p", "p"),
    "gray_relapse_cr": ("res.relapse.p", "p"),
    "gray_nrm_cr": ("res.nrm.p", "p"),
    "gray_relapse_dx_all": ("res.relapse.p", "p"),
    "gray_nrm_dx_all": ("res.nrm.p", "p"),
    "mannwhitney_mnc": ("t2.mnc.p", "p"),
    "mannwhitney_cd34": ("t2.cd34.p", "p"),
    "mannwhitney_cd3": ("t2.cd3.p", "p"),
    "pearson_sex_match": ("t1.sex_match.p", "p"),
    "cox_os_age_hr": (None, "hr"),
    "cox_os_donor_age_hr": (None, "hr"),
    "cox_os_courses_hr": (None, "hr"),
    "td_cox_os_courses_hr": (None, "hr"),
    "landmark_os_courses_p": (None, "p"),
}

#: Landmarks (months from diagnosis) the ">3 courses" check may use, as in chapter 7: each cohort
#: uses the first one after its last fourth course, so no later course is counted as unexposed.
LANDMARKS = (5, 6, 7, 8, 9, 12)


def check_statistics(seed: int) -> dict[str, float]:
    """Every check of :data:`CHECKS` on the cohort of one seed."""
    from . import competing, immortal, survival
    from .endpoints import competing_events_from_cr, competing_events_from_diagnosis
    from .reconstruct import reconstruct
    from .tables import TABLE1, TABLE2, clinical_table
    from .targets import sex_match_claims

    cohort = reconstruct(seed)
    p = cohort.patients
    out: dict[str, float] = {"seed": seed}
    os_, lfs = survival.analysis_frame(p, "os"), survival.analysis_frame(p, "lfs")
    out["logrank_os_age"] = survival.log_rank(os_, "age_group").p_value
    out["logrank_lfs_age"] = survival.log_rank(lfs, "age_group").p_value
    out["logrank_os_courses"] = survival.log_rank(os_, "courses_gt3").p_value
    out["logrank_lfs_courses"] = survival.log_rank(lfs, "courses_gt3").p_value
    for key, frame in (("dx", competing_events_from_diagnosis(p)), ("cr", competing_events_from_cr(p))):
        for cause, name in ((1, "relapse"), (2, "nrm")):
            try:
                out[f"gray_{name}_{key}"] = competing.gray_test(frame["time"], frame["event"], frame["age_group"], cause).p_value
            except ValueError:  # no event of that cause in this framework
                out[f"gray_{name}_{key}"] = math.nan
    # From diagnosis with every death without relapse competing (the attainability framework).
    from .attainability import from_diagnosis_all_deaths

    frame = from_diagnosis_all_deaths(p)
    for cause, name in ((1, "relapse"), (2, "nrm")):
        out[f"gray_{name}_dx_all"] = competing.gray_test(frame["time"], frame["event"], frame["age_group"], cause).p_value
    # The dose rows are continuous (tested on the patients frame); the sex-match row needs its counts only.
    t2 = clinical_table(TABLE2[:3], {}, p).set_index("p_id")["p"]
    out["mannwhitney_mnc"], out["mannwhitney_cd34"], out["mannwhitney_cd3"] = (float(t2[k]) for k in ("t2.mnc.p", "t2.cd34.p", "t2.cd3.p"))
    t1 = clinical_table([s for s in TABLE1 if s.p_id == "t1.sex_match.p"], sex_match_claims(p), p)
    out["pearson_sex_match"] = float(t1["p"].iloc[0])
    uni = survival.cox_univariate(os_, {"age_over_70": "", "donor_age": "", "courses_gt3": ""}).set_index("covariate")["hr"]
    out["cox_os_age_hr"], out["cox_os_donor_age_hr"], out["cox_os_courses_hr"] = (float(uni[k]) for k in ("age_over_70", "donor_age", "courses_gt3"))
    out["td_cox_os_courses_hr"] = immortal.time_dependent_cox(immortal.counting_process(p, cohort.courses, "os")).hr
    landmark = immortal.first_landmark_after_window(p, cohort.courses, LANDMARKS)
    out["landmark_months"] = landmark if landmark is not None else math.nan
    out["landmark_os_courses_p"] = (immortal.landmark_analysis(p, cohort.courses, landmark, "os")[1]["logrank_p"]
                                    if landmark is not None else math.nan)
    return out


def _chunk(seeds: list[int]) -> list[dict[str, float]]:
    return [check_statistics(s) for s in seeds]


def run(seeds, n_jobs: int = 2, progress: bool = True) -> pd.DataFrame:
    """:func:`check_statistics` for every seed, over ``n_jobs`` worker processes, with a progress bar."""
    from joblib import Parallel, delayed

    seeds = list(seeds)
    chunks = [seeds[i:i + 10] for i in range(0, len(seeds), 10)]
    iterator = chunks
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(chunks, desc=f"{len(seeds)} cohorts", unit="×10 cohorts")
    results = Parallel(n_jobs=n_jobs)(delayed(_chunk)(chunk) for chunk in iterator)
    return pd.DataFrame([row for chunk in results for row in chunk]).sort_values("seed").reset_index(drop=True)


def summarise(table: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Per check: median and 2.5–97.5% range over cohorts, the printed value, and the share of
    cohorts in which the result is significant at 0.05 and in which it matches the printed value."""
    from .pvalues import matches_printed

    printed = claims.set_index("id")["printed"]
    rows = []
    for check, (claim_id, kind) in CHECKS.items():
        if check not in table.columns:
            continue
        values = table[check].dropna().to_numpy(float)
        if len(values) == 0:
            continue
        row = {"check": check, "kind": kind, "cohorts": len(values), "median": float(np.median(values)),
               "low": float(np.quantile(values, 0.025)), "high": float(np.quantile(values, 0.975)),
               "printed": printed.get(claim_id, "") if claim_id else ""}
        if kind == "p":
            row["share_significant"] = float(np.mean(values < 0.05))
            row["share_matching_printed"] = float(np.mean([matches_printed(v, row["printed"]) for v in values])) if claim_id else math.nan
        else:
            row["share_significant"] = math.nan
            row["share_matching_printed"] = math.nan
        rows.append(row)
    return pd.DataFrame(rows)
