"""Every failed check in one table, each with the cause and evidence its own check computed."""

from __future__ import annotations

import re

import pandas as pd

COLUMNS = ["family", "check", "claim_ids", "printed", "recomputed", "cause", "evidence"]


def inconsistencies(*check_tables: pd.DataFrame, pvalue_attribution: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every failed check, one row each, with ``cause`` and ``evidence`` as its check wrote them.

    Parameters
    ----------
    *check_tables
        Outputs of :func:`percent_checks`, :func:`sum_checks`, :func:`repeated_number_checks`,
        :func:`date_checks`, :func:`donor_age_checks` (rows whose ``detail`` starts with
        "informative" are not inconsistencies).
    pvalue_attribution
        Output of :func:`test_attribution`: every p-value whose check wrote a cause (no test
        reproduces it at the printed precision, or the test is not valid for its table).

    Raises
    ------
    ValueError
        When a failed check carries no cause, or evidence without a number: an explanation that
        is not computed must not reach a reader.
    """
    rows = []
    for table in check_tables:
        failed = table[~table["consistent"] & ~table["detail"].fillna("").str.startswith("informative")]
        for _, r in failed.iterrows():
            rows.append({k: r[k] for k in ("family", "check", "claim_ids", "printed", "recomputed", "cause", "evidence")})
    if pvalue_attribution is not None:
        for _, r in pvalue_attribution[pvalue_attribution["cause"] != ""].iterrows():
            rows.append({"family": "p-value", "check": f"{r['label']}: p = {r['printed']}", "claim_ids": r["p_id"],
                         "printed": r["printed"], "recomputed": r["recomputed"], "cause": r["cause"], "evidence": r["evidence"]})
    found = pd.DataFrame(rows, columns=COLUMNS)
    for r in found.itertuples():
        if not r.cause or not re.search(r"\d", str(r.evidence)):
            raise ValueError(f"the check {r.check!r} failed without a computed cause and numeric evidence")
    return found
