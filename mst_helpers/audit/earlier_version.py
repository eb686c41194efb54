"""Does one more patient explain the numbers that fit 30 (or 10) patients rather than 29 (or 9)?

Several printed numbers are proportions of one patient more than the cohort analysed. The
hypothesis that they survive from an earlier version of the cohort with one more patient is
testable: that version's count must be the analysed count or one more (the extra patient
either has the characteristic or not), and one patient can add at most one to each count.
:func:`one_more_patient` lists every such number with both counts and says whether the
hypothesis explains it.
"""

from __future__ import annotations

import pandas as pd

from .counts import REPEATED
from .records import _index, _printed, _val, fractions_for, group_size

__all__ = ["one_more_patient", "one_more_patient_verdict"]


def one_more_patient(claims: pd.DataFrame, pairs=tuple(REPEATED)) -> pd.DataFrame:
    """Every printed number that fits one more patient than analysed, with the analysed count.

    Sources: numbers printed twice where one place is a proportion of n + 1 only; and overall
    counts that exceed the sum of their groups. Returns ``claim_id``, ``quantity``, ``group``,
    ``printed``, ``analysed`` ("k/n"), ``one_more`` ("k'/(n + 1)"), ``change`` (k' − k) and
    ``explained`` (0 ≤ change ≤ 1).
    """
    c = _index(claims)
    rows = []
    for a, b in pairs:
        if a not in c.index or b not in c.index or c.at[a, "kind"] != "percent" or c.at[b, "kind"] != "percent":
            continue
        group = str(c.at[a, "group"])
        n = group_size(c, group)
        if n is None:
            continue
        for odd, other in ((a, b), (b, a)):
            more = fractions_for(_printed(c, odd), [n + 1])
            here = fractions_for(_printed(c, other), [n])
            if more and here and not fractions_for(_printed(c, odd), [n]):
                k_more, k = more[0][0], here[0][0]
                # An overall count printed with its groups is the groups' sum, not a printed total.
                stem = other.rsplit(".", 2)[0]
                if group == "all" and all(f"{stem}.{g}.n" in c.index for g in ("60-70", ">70")):
                    k = int(sum(_val(c, f"{stem}.{g}.n") for g in ("60-70", ">70")))
                rows.append({"claim_id": odd, "quantity": c.at[odd, "quantity"], "group": group, "printed": _printed(c, odd),
                             "analysed": f"{k}/{n}", "one_more": f"{k_more}/{n + 1}", "change": k_more - k,
                             "explained": 0 <= k_more - k <= 1})
    for stem in sorted({cid[: -len(".all.n")] for cid in c.index if cid.endswith(".all.n") and ".header." not in cid}):
        parts = [f"{stem}.60-70.n", f"{stem}.>70.n"]
        if not all(p in c.index for p in parts):
            continue
        analysed = sum(_val(c, p) for p in parts)
        printed = _val(c, f"{stem}.all.n")
        n = group_size(c, "all")
        if n is not None and printed == analysed + 1:
            rows.append({"claim_id": f"{stem}.all.n", "quantity": c.at[f"{stem}.all.n", "quantity"], "group": "all",
                         "printed": _printed(c, f"{stem}.all.n"), "analysed": f"{analysed:g}/{n}",
                         "one_more": f"{printed:g}/{n + 1}", "change": int(printed - analysed), "explained": True})
    table = pd.DataFrame(rows, columns=["claim_id", "quantity", "group", "printed", "analysed", "one_more", "change", "explained"])
    # One number printed in several places counts once.
    return table.drop_duplicates(["group", "analysed", "one_more"]).reset_index(drop=True)


def one_more_patient_verdict(table: pd.DataFrame) -> str:
    """One sentence: how many of the numbers one more patient explains, and which it cannot."""
    if table.empty:
        return "no printed number fits one more patient than analysed"
    explained = int(table["explained"].sum())
    sentence = f"one more patient explains {explained} of the {len(table)} numbers that fit a larger cohort"
    failed = table[~table["explained"]]
    if len(failed):
        sentence += "; it cannot explain " + "; ".join(
            f"{r.quantity} ({r.group}) of {r.printed}, which is {r.one_more} where the analysed cohort already has "
            f"{r.analysed} (a change of {r.change:+d})" for r in failed.itertuples())
    return sentence
