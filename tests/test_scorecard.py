"""The scorecard: every registry row, one status each, from registry and results only."""

from __future__ import annotations

import pandas as pd

from mst_helpers.scorecard import STATUSES, build_scorecard, status_counts


def _claims():
    base = {"section": "results", "quantity": "q", "group": "all", "comparator": "=", "kind": "count", "note": None}
    return pd.DataFrame([
        {**base, "id": "a", "printed": "12", "role": "target"},
        {**base, "id": "b", "printed": "0.049", "role": "check", "kind": "p_value"},
        {**base, "id": "c", "printed": "0.412", "role": "check", "kind": "p_value"},
        {**base, "id": "d", "printed": "25", "role": "relaxed", "note": "30-patient version"},
        {**base, "id": "e", "printed": "883", "role": "context", "group": "rnaseq"},
        {**base, "id": "f", "printed": "0.3", "role": "check", "kind": "p_value"},
        {**base, "id": "g", "printed": "13", "role": "target"},
    ])


def _results():
    return pd.DataFrame([
        {"notebook": "02_data", "key": "recomputed.a", "value": 12},
        {"notebook": "04_response", "key": "recomputed.b", "value": 0.0332},
        {"notebook": "01_audit", "key": "recomputed.c", "value": 0.4118},    # printed counts: exact, preferred
        {"notebook": "03_cohort", "key": "recomputed.c", "value": 0.999},    # reconstructed cross-tab
        {"notebook": "01_audit", "key": "recomputed.g", "value": 13},        # not a p-value: the cohort wins
        {"notebook": "02_data", "key": "recomputed.g", "value": 12},
        {"notebook": "02_data", "key": "n_claims", "value": 7},
    ])


def test_statuses_by_hand():
    card = build_scorecard(_claims(), _results()).set_index("claim_id")
    assert card.at["a", "status"] == "reproduced by construction"
    assert card.at["b", "status"] == "differs" and "0.0332" in card.at["b", "note"]
    # A p-value the audit recomputes from the paper's printed counts is exact: it wins over a cohort
    # chapter's test on reconstructed counts (t1.sex_match.p, t2.death_cause.p in the book).
    assert card.at["c", "status"] == "reproduced" and card.at["c", "source"] == "01_audit"
    assert card.at["d", "status"] == "inconsistent in the paper" and card.at["d", "note"] == "30-patient version"
    assert card.at["e", "status"] == "not reproducible" and "RNA-seq" in card.at["e", "note"]
    assert card.at["f", "status"] == "not reproducible"
    assert card.at["g", "status"] == "differs"       # a target the cohort misses is flagged, never hidden


def test_every_row_once_and_counts_add_up():
    claims = _claims()
    card = build_scorecard(claims, _results())
    assert list(card["claim_id"]) == list(claims["id"]) and set(card["status"]) <= set(STATUSES)
    counts = status_counts(card).set_index("section")
    assert counts.loc["all"].sum() == len(claims)
