"""The reproduction scorecard: every printed number, its recomputed value and a status.

Built only from the claims registry and the chapters' results files (keys ``recomputed.<id>``);
nothing is typed. Statuses:

- **reproduced** — a check recomputed from the data equals the printed value at its precision;
- **reproduced by construction** — a reconstruction target, met by the cohort (or, for the
  RNA-seq DEG counts, by the calibrated simulation);
- **differs** — recomputed, and not equal to the printed value (the difference is given);
- **inconsistent in the paper** — a relaxed claim: it contradicts other printed numbers;
- **not reproducible** — nothing to recompute it from (RNA-seq not public, a protocol value,
  another study, a test the data cannot support).
"""

from __future__ import annotations

import math

import pandas as pd

from .targets import meets_printed

__all__ = ["STATUSES", "build_scorecard", "status_counts"]

STATUSES = ("reproduced", "reproduced by construction", "differs", "inconsistent in the paper", "not reproducible")
#: Chapters whose recomputations come from the cohort, preferred over the audit's (printed counts).
COHORT_CHAPTERS_FIRST = ("09_transcriptomics", "08_competing", "07_immortal", "06_survival", "05_chimerism", "04_response", "03_cohort", "02_data", "01_audit")


#: Claims printed twice for the same test: the second takes the first's recomputation.
ALIASES = {
    "abs.cr.p": "t2.cr.p", "res.cr.p": "t2.cr.p", "res.death.p": "t2.death.p", "res.courses.p": "t1.courses.p",
    "abs.courses.os.p": "res.courses.os.p", "abs.courses.lfs.p": "res.courses.lfs.p",
    "abs.relapse.p": "res.relapse.p", "abs.nrm.p": "res.nrm.p", "res.diagnosis_year.p": "t1.diagnosis_year.p",
}


def _recomputed(results: pd.DataFrame, audit_first: frozenset[str] = frozenset()) -> dict[str, tuple[float, str]]:
    """claim id -> (value, chapter), taking the first chapter in :data:`COHORT_CHAPTERS_FIRST` order,
    except for the claims in ``audit_first`` (p-values): the audit's test on the paper's own printed
    counts is exact, while a cohort chapter's cross-tabulation may rest on reconstructed counts."""
    found: dict[str, tuple[float, str]] = {}
    rank = {name: i for i, name in enumerate(COHORT_CHAPTERS_FIRST)}
    rows = results[results["key"].str.startswith("recomputed.")].copy()
    rows["rank"] = rows["notebook"].map(rank).fillna(len(rank))
    claim_ids = rows["key"].str[len("recomputed."):]
    rows.loc[claim_ids.isin(audit_first) & (rows["notebook"] == "01_audit"), "rank"] = -1
    for _, row in rows.sort_values("rank", kind="stable").iterrows():
        claim_id = row["key"][len("recomputed."):]
        if claim_id not in found:
            found[claim_id] = (float(row["value"]), row["notebook"])
    for alias, original in ALIASES.items():
        if alias not in found and original in found:
            found[alias] = found[original]
    return found


def build_scorecard(claims: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """One row per registry row: claim id, section, quantity, group, printed, recomputed, status, note."""
    recomputed = _recomputed(results, frozenset(claims.loc[claims["kind"] == "p_value", "id"]))
    rows = []
    for _, claim in claims.iterrows():
        value, chapter = recomputed.get(claim["id"], (math.nan, ""))
        note = ""
        if claim["role"] == "relaxed":
            status, note = "inconsistent in the paper", str(claim["note"])
        elif claim["role"] == "target":
            status = "reproduced by construction" if not math.isnan(value) and meets_printed(claim, value) else "differs"
            if status == "differs":
                note = ("a calibration target the simulated counts do not meet" if claim["group"] == "rnaseq"
                        else "a reconstruction target the cohort does not meet")
        elif claim["role"] == "check" and not math.isnan(value):
            status = "reproduced" if meets_printed(claim, value) else "differs"
            if status == "differs":
                note = f"recomputed {value:.3g} vs printed {claim['printed']}"
        elif claim["role"] == "check":
            status, note = "not reproducible", "needs data or a test the book cannot rebuild"
        else:
            status = "not reproducible"
            note = ("RNA-seq reads are not public" if claim["group"] == "rnaseq"
                    else "not a result of this cohort (protocol value, definition, version or another study)")
        rows.append({"claim_id": claim["id"], "section": claim["section"], "quantity": claim["quantity"],
                     "group": claim["group"], "printed": claim["printed"],
                     "recomputed": "" if math.isnan(value) else f"{value:.6g}", "source": chapter,
                     "status": status, "note": note})
    return pd.DataFrame(rows)


def status_counts(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Counts of each status, overall and by section of the paper."""
    table = pd.crosstab(scorecard["section"], scorecard["status"]).reindex(columns=list(STATUSES), fill_value=0)
    table.loc["all"] = table.sum()
    return table.reset_index()
