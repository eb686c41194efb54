"""The reproduction scorecard: every printed number, what the book finds, and a status a clinician reads.

Built only from the claims registry and the chapters' results files; nothing is typed. The
statuses say *what kind of support* a number has, in this order of strength:

- **reproduced from printed numbers** — a test or sum recomputed from the paper's own printed
  counts gives the printed value (the audit chapter); independent of any reconstruction;
- **consistent** — the printed value lies inside what the printed aggregates allow: inside the
  attainable range of chapter 10, or given by the reconstructed cohort that was *not* built to
  give it, or shown consistent by an audit check;
- **met by the reconstruction** — a target the synthetic cohort (or the simulated counts) was
  built to meet: it shows the number fits the rest of the paper, and is no evidence that it is true;
- **attainable only at the extreme**, **undetermined**, **unattainable** — the attainability
  verdicts of chapter 10 for printed tests that depend on the order of events;
- **contradicts the paper** — the printed number conflicts with other printed numbers (the note
  names them and the audit computes the conflict);
- **not met by the reconstruction** / **differs on the reconstruction** — a target the cohort
  misses, or a check it computes differently (with no attainable range to settle it);
- **not reproducible** — nothing to recompute it from (RNA-seq not public, values the
  reconstruction had to invent, a protocol value or another study).
"""

from __future__ import annotations

import math

import pandas as pd

from .formatting import format_magnitude
from .targets import meets_printed

__all__ = ["STATUSES", "VERDICT_STATUS", "build_scorecard", "status_counts", "reader_table"]

STATUSES = ("reproduced from printed numbers", "consistent", "met by the reconstruction", "attainable only at the extreme",
            "undetermined", "unattainable", "contradicts the paper", "not met by the reconstruction",
            "differs on the reconstruction", "not reproducible")
#: Chapter 10's attainability verdicts as statuses.
VERDICT_STATUS = {"attainable": "consistent", "attainable only at the extreme": "attainable only at the extreme",
                  "undetermined": "undetermined", "unattainable": "unattainable"}
#: Chapters whose recomputations come from the cohort, preferred over the audit's (printed counts).
COHORT_CHAPTERS_FIRST = ("09_transcriptomics", "08_competing", "07_immortal", "06_survival", "05_chimerism", "04_response",
                         "03_cohort", "02_data", "01_audit")

#: Claims printed twice for the same test: the second takes the first's recomputation and verdict.
ALIASES = {
    "abs.cr.p": "t2.cr.p", "res.cr.p": "t2.cr.p", "res.death.p": "t2.death.p", "res.courses.p": "t1.courses.p",
    "abs.courses.os.p": "res.courses.os.p", "abs.courses.lfs.p": "res.courses.lfs.p",
    "abs.relapse.p": "res.relapse.p", "abs.nrm.p": "res.nrm.p", "res.diagnosis_year.p": "t1.diagnosis_year.p",
    "res.relapse.p": "abs.relapse.p", "res.nrm.p": "abs.nrm.p", "disc.cr.p": "t2.cr.p",
}


def _recomputed(results: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """claim id -> (value, chapter), the first chapter in :data:`COHORT_CHAPTERS_FIRST` order."""
    found: dict[str, tuple[float, str]] = {}
    rank = {name: i for i, name in enumerate(COHORT_CHAPTERS_FIRST)}
    rows = results[results["key"].str.startswith("recomputed.")].copy()
    rows["rank"] = rows["notebook"].map(rank).fillna(len(rank))
    for _, row in rows.sort_values("rank", kind="stable").iterrows():
        claim_id = row["key"][len("recomputed."):]
        if claim_id not in found:
            found[claim_id] = (float(row["value"]), row["notebook"])
    return found


def _lookup(values: dict, prefix: str, claim_id: str, suffix: str = ""):
    """``values[prefix + id + suffix]``, falling back to the claim's alias."""
    for cid in (claim_id, ALIASES.get(claim_id)):
        if cid and f"{prefix}{cid}{suffix}" in values:
            return values[f"{prefix}{cid}{suffix}"], cid
    return None, None


def _status(claim: pd.Series, values: dict, recomputed: dict) -> tuple[str, str, float, str]:
    """(status, note, recomputed value, source chapter) for one registry row."""
    cid = claim["id"]
    value, chapter = recomputed.get(cid, (math.nan, ""))
    if math.isnan(value) and cid in ALIASES and ALIASES[cid] in recomputed:
        value, chapter = recomputed[ALIASES[cid]]
    if claim["role"] == "context":
        if claim["group"] == "rnaseq":
            return "not reproducible", "RNA-seq reads are not public", value, chapter
        return "not reproducible", "not a result of this cohort (protocol value, definition, version or another study)", value, chapter
    if claim["role"] == "relaxed":
        return "contradicts the paper", str(claim["note"]), value, chapter
    if claim["role"] == "target":
        met = not math.isnan(value) and meets_printed(claim, value)
        if claim["group"] == "rnaseq":
            status, note = (("met by the reconstruction", "the simulated counts were calibrated to it") if met else
                            ("not met by the reconstruction", "a calibration target the simulated counts miss"))
        else:
            status, note = (("met by the reconstruction", "the synthetic cohort was built to meet it: no evidence that it is true")
                            if met else ("not met by the reconstruction", "a reconstruction target the cohort misses"))
        return status, note, value, chapter
    # role == "check"
    verdict, _ = _lookup(values, "attainable.", cid, ".verdict")
    if verdict in VERDICT_STATUS:
        return VERDICT_STATUS[verdict], f"attainability over every ordering of events the printed counts allow: {verdict}", value, chapter
    reproduced_by, source = _lookup(values, "pvalue.", cid, ".reproduced_by")
    if reproduced_by is not None and not str(reproduced_by).startswith("needs"):
        cause, _ = _lookup(values, "pvalue.", cid, ".cause")
        audit_value, _ = _lookup(values, "recomputed.", cid)
        if audit_value is not None:
            value, chapter = float(audit_value), "01_audit"
        if str(reproduced_by).startswith(("no test", "not reproduced")):
            return "contradicts the paper", str(cause or reproduced_by), value, chapter
        note = f"on the printed counts: {reproduced_by}" + ("" if source == cid else f" (the same test as {source})")
        return "reproduced from printed numbers", note + (f"; {cause}" if cause else ""), value, chapter
    consistent, _ = _lookup(values, "consistent.", cid)
    if consistent is not None:
        return "consistent", str(consistent), value, chapter
    if _lookup(values, "invented.", cid)[0] is not None:
        return ("not reproducible", "the test needs every value; the paper prints only summaries, so the reconstruction "
                "invented the rest", value, chapter)
    if math.isnan(value):
        return "not reproducible", "needs data or a test the book cannot rebuild", value, chapter
    if meets_printed(claim, value):
        return ("consistent", "the reconstructed cohort, not built to give this number, gives it: the printed aggregates "
                "allow it", value, chapter)
    return "differs on the reconstruction", f"recomputed {format_magnitude(value, 3)} vs printed {claim['printed']}", value, chapter


def build_scorecard(claims: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """One row per registry row: claim id, section, quantity, group, printed, recomputed, source, status, note."""
    recomputed = _recomputed(results)
    values = dict(zip(results["key"], results["value"]))
    rows = []
    for _, claim in claims.iterrows():
        status, note, value, chapter = _status(claim, values, recomputed)
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


def reader_value(text: str) -> str:
    """A recomputed value as readers see it: the CSV keeps six significant digits, the page
    writes magnitudes below 0.001 as ``3.65 × 10⁻⁶`` (never computer notation)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    return format_magnitude(value, 3) if value != 0 and abs(value) < 1e-3 else text


def reader_table(scorecard: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as readers browse it: every row with its source sentence and a link to the
    chapter that computes its value (HTML, for an interactive table on a page beside the chapters)."""
    quotes = claims.set_index("id")["quote"]
    # The chapter by its number, not its file stem ("chapter 1", not "01_audit").
    links = [f'<a href="{source}.html">chapter {int(source[:2])}</a>' if source[:2].isdigit() else "" for source in
             scorecard["source"].fillna("")]
    return pd.DataFrame({
        "section": scorecard["section"], "quantity": scorecard["quantity"], "group": scorecard["group"],
        "printed": scorecard["printed"], "recomputed": scorecard["recomputed"].map(reader_value), "status": scorecard["status"],
        "why": scorecard["note"].fillna(""), "source sentence": scorecard["claim_id"].map(quotes).fillna(""),
        "computed in": links,
    })  # registry ids stay in scorecard.csv; readers see names
