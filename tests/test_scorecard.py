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
        {**base, "id": "d", "printed": "25", "role": "relaxed", "note": "contradicts 18 + 6"},
        {**base, "id": "e", "printed": "883", "role": "context", "group": "rnaseq"},
        {**base, "id": "f", "printed": "0.3", "role": "check", "kind": "p_value"},
        {**base, "id": "g", "printed": "13", "role": "target"},
        {**base, "id": "h", "printed": "0.002", "role": "check", "kind": "p_value"},
        {**base, "id": "i", "printed": "0.887", "role": "check", "kind": "p_value"},
        {**base, "id": "j", "printed": "10", "role": "check"},
        {**base, "id": "k", "printed": "0.50", "role": "check"},
        {**base, "id": "l", "printed": "0.50", "role": "check"},
    ])


def _results():
    return pd.DataFrame([
        {"notebook": "02_data", "key": "recomputed.a", "value": 12},
        {"notebook": "01_audit", "key": "pvalue.b.reproduced_by", "value": "no test on the printed counts; reproduced on another table"},
        {"notebook": "01_audit", "key": "pvalue.b.cause", "value": "Fisher exact on 10/20 vs 9/10 gives it"},
        {"notebook": "04_response", "key": "recomputed.b", "value": 0.0332},
        {"notebook": "01_audit", "key": "pvalue.c.reproduced_by", "value": "Pearson chi-square"},
        {"notebook": "01_audit", "key": "recomputed.c", "value": 0.4118},    # printed counts: exact, preferred
        {"notebook": "03_cohort", "key": "recomputed.c", "value": 0.999},    # reconstructed cross-tab
        {"notebook": "01_audit", "key": "recomputed.g", "value": 13},        # not a p-value: the cohort wins
        {"notebook": "02_data", "key": "recomputed.g", "value": 12},
        {"notebook": "06_survival", "key": "recomputed.h", "value": 3.7e-5},
        {"notebook": "10_uncertainty", "key": "attainable.h.verdict", "value": "attainable"},
        {"notebook": "04_response", "key": "recomputed.i", "value": 0.943},
        {"notebook": "04_response", "key": "invented.i", "value": 1},
        {"notebook": "01_audit", "key": "consistent.j", "value": "median below 12 months with 3 of 9 alive then"},
        {"notebook": "06_survival", "key": "recomputed.k", "value": 0.5},
        {"notebook": "06_survival", "key": "recomputed.l", "value": 0.7},
        {"notebook": "02_data", "key": "n_claims", "value": 7},
    ])


def test_statuses_by_hand():
    card = build_scorecard(_claims(), _results()).set_index("claim_id")
    assert card.at["a", "status"] == "met by the reconstruction" and "no evidence" in card.at["a", "note"]
    # No test on the printed counts gives it: the audit's cause, not the cohort's number, is the verdict.
    assert card.at["b", "status"] == "contradicts the paper" and "10/20 vs 9/10" in card.at["b", "note"]
    # A p-value the audit recomputes from the paper's printed counts is exact: it wins over a cohort
    # chapter's test on reconstructed counts (t1.sex_match.p, t2.death_cause.p in the book).
    assert card.at["c", "status"] == "reproduced from printed numbers" and card.at["c", "source"] == "01_audit"
    assert card.at["d", "status"] == "contradicts the paper" and card.at["d", "note"] == "contradicts 18 + 6"
    assert card.at["e", "status"] == "not reproducible" and "RNA-seq" in card.at["e", "note"]
    assert card.at["f", "status"] == "not reproducible"
    assert card.at["g", "status"] == "not met by the reconstruction"   # a missed target is flagged, never hidden
    # A printed test with an attainable range takes chapter 10's verdict, not one cohort's p.
    assert card.at["h", "status"] == "consistent" and "attainable" in card.at["h", "note"]
    assert card.at["i", "status"] == "not reproducible" and "invented" in card.at["i", "note"]
    assert card.at["j", "status"] == "consistent" and "3 of 9" in card.at["j", "note"]
    assert card.at["k", "status"] == "consistent"
    assert card.at["l", "status"] == "differs on the reconstruction"


def test_statuses_of_the_printed_tests_follow_attainability():
    """abs.os.p and abs.lfs.p carry chapter 10's verdicts; aliases (printed again) take the original's."""
    claims = _claims().assign(id=["a", "b", "c", "d", "e", "f", "g", "abs.os.p", "abs.lfs.p", "j", "k", "l"])
    results = pd.concat([_results(), pd.DataFrame([
        {"notebook": "10_uncertainty", "key": "attainable.abs.os.p.verdict", "value": "attainable"},
        {"notebook": "10_uncertainty", "key": "attainable.abs.lfs.p.verdict", "value": "undetermined"},
    ])])
    card = build_scorecard(claims, results).set_index("claim_id")
    assert card.at["abs.os.p", "status"] == "consistent"
    assert card.at["abs.lfs.p", "status"] == "undetermined"


def test_every_row_once_and_counts_add_up():
    claims = _claims()
    card = build_scorecard(claims, _results())
    assert list(card["claim_id"]) == list(claims["id"]) and set(card["status"]) <= set(STATUSES)
    counts = status_counts(card).set_index("section")
    assert counts.loc["all"].sum() == len(claims)
