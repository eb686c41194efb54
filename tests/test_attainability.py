"""Attainable ranges: the order enumeration on hand-sized cases, witnesses, clear errors.

The log-rank p of each enumerated ordering is checked against lifelines (itself checked
against R ``survival::survdiff`` in ``test_survival.py``) on times placed at the block days.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test

from mst_helpers import attainability as a
from mst_helpers.claims import load_claims
from mst_helpers.cohort import load_cohort
from mst_helpers.reconstruct import reconstruct, write_cohort
from mst_helpers.targets import unmet_targets

from .conftest import ROOT

CLAIMS = ROOT / "data" / "published" / "claims.csv"


def _small_space() -> a.Space:
    """3 patients in group 0 and 2 in group 1, all dying inside one window (days 1-10)."""
    return a.Space("hand", (a.ItemClass("A deaths", 0, 1, 3, 1, 10), a.ItemClass("B deaths", 1, 1, 2, 1, 10)), (3, 2))


def _lifelines_p(space: a.Space, blocks) -> float:
    days = a.feasible(space, blocks)
    t, e, g = [], [], []
    for block, day in zip(blocks, days):
        for i, k in enumerate(block):
            t += [day] * k
            e += [space.classes[i].kind == 1] * k
            g += [space.classes[i].group] * k
    t, e, g = np.array(t), np.array(e), np.array(g)
    return logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1]).p_value


def test_hand_case_lists_every_ordering():
    space = _small_space()
    without_ties = list(a.iter_orderings(space, ties=False))
    # 5!/(3!2!) = 10 arrangements of AAABB without ties.
    assert len(without_ties) == 10 == a.count_orderings(space, ties=False)
    labels = {"".join("A" if b[0] else "B" for b in o) for o in without_ties}
    assert labels == {"".join(p) for p in set(itertools.permutations("AAABB"))}
    with_ties = list(a.iter_orderings(space))
    assert len(with_ties) == a.count_orderings(space) > 10
    for o in with_ties:
        assert a.logrank_from_blocks(space, o) == pytest.approx(_lifelines_p(space, o), rel=1e-9)


def test_hand_case_extremes_by_hand():
    space = _small_space()
    r = a.logrank_range(space)
    # Smallest p: both B deaths first (BBAAA); largest without ties: B deaths last.
    assert r.argmin == ((0, 1), (0, 1), (1, 0), (1, 0), (1, 0))
    assert r.minimum == pytest.approx(min(_lifelines_p(space, o) for o in a.iter_orderings(space, ties=False)))
    assert r.maximum == pytest.approx(max(_lifelines_p(space, o) for o in a.iter_orderings(space, ties=False)))
    tied = a.logrank_range(space, ties=True)
    everything = [a.logrank_from_blocks(space, o) for o in a.iter_orderings(space)]
    assert (tied.minimum, tied.maximum) == (pytest.approx(min(everything)), pytest.approx(max(everything)))
    assert tied.method == "exhaustive"


def test_windows_constrain_orderings():
    # B deaths must come by day 2, A deaths from day 3: one ordering only.
    space = a.Space("w", (a.ItemClass("A", 0, 1, 2, 3, 9), a.ItemClass("B", 1, 1, 2, 1, 2)), (2, 2))
    assert list(a.iter_orderings(space, ties=False)) == [((0, 1), (0, 1), (1, 0), (1, 0))]
    assert a.feasible(space, ((1, 0), (0, 1), (1, 0), (0, 1))) is None


def test_search_stays_inside_the_exhaustive_range():
    space = _small_space()
    exact = a.logrank_range(space, ties=True)
    found = a.search_range(space, lambda o: a.logrank_from_blocks(space, o), restarts=5, steps=30)
    assert exact.minimum - 1e-12 <= found.minimum <= found.maximum <= exact.maximum + 1e-12
    assert found.method == "search"


def test_unmeetable_targets_name_the_target():
    with pytest.raises(a.InfeasibleTargets, match="B deaths"):
        a.ItemClass("B deaths", 1, 1, 2, 20, 10)
    with pytest.raises(a.InfeasibleTargets, match="only 2 patients"):
        a.Space("too many", (a.ItemClass("deaths", 0, 1, 3, 1, 10),), (2, 2))
    space = a.Space("narrow", (a.ItemClass("A", 0, 1, 3, 5, 5), a.ItemClass("B", 1, 1, 1, 5, 5)), (3, 1))
    with pytest.raises(a.InfeasibleTargets, match="narrow"):
        a.logrank_range(space)


@pytest.fixture(scope="module")
def slots():
    return a.base_slots()


@pytest.fixture(scope="module")
def registry():
    return load_claims(CLAIMS)


def test_seed_zero_lies_in_the_protocol_space(slots):
    """The book's cohort (seed 0) is one ordering of the protocol space: its p is inside the range."""
    from mst_helpers import survival

    p = reconstruct(0).patients
    for kind, endpoint in (("logrank_os", "os"), ("logrank_lfs", "lfs")):
        space = a.build_spaces(kind, slots)["protocol"]
        r = a.logrank_range(space)
        value = survival.log_rank(survival.analysis_frame(p, endpoint), "age_group").p_value
        assert r.minimum * (1 - 1e-9) <= value <= r.maximum * (1 + 1e-9)


@pytest.mark.parametrize("end", ["min", "max"])
def test_os_witness_meets_every_target_and_round_trips(slots, registry, end, tmp_path):
    from mst_helpers import survival

    space = a.build_spaces("logrank_os", slots)["relaxed"]
    r = a.logrank_range(space)
    blocks = r.argmin if end == "min" else r.argmax
    cohort, _ = a.realise(space, blocks, "logrank_os", slots, a.RELAXED)
    assert unmet_targets(registry, cohort) == []
    write_cohort(cohort, tmp_path)
    again = load_cohort(tmp_path)
    write_cohort(again, tmp_path / "again")
    twice = load_cohort(tmp_path / "again")
    for name in ("patients", "courses", "chimerism", "labs"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(twice, name))
    assert list(again.patients["death_date"]) == list(pd.to_datetime(cohort.patients["death_date"]))
    p = survival.log_rank(survival.analysis_frame(again.patients, "os"), "age_group").p_value
    assert p == pytest.approx(r.minimum if end == "min" else r.maximum, rel=1e-6)


def test_verdicts():
    bound = a.Range("landmark", 1e-6, 0.003, "exhaustive", (), (), 1)
    assert a.verdict({"protocol": True}, bound, 0.002) == "attainable"
    assert a.verdict({"protocol": False, "relaxed": True}, bound, 0.002) == "attainable only at the extreme"
    assert a.verdict({}, bound, 0.01) == "unattainable"
    assert a.verdict({}, bound, 0.002) == "undetermined"
    assert a.verdict({}, None, 0.01) == "undetermined"


def test_search_with_ties_widens_the_tie_free_range_inside_the_tied_one():
    """The log-rank range the book reports: exact without ties, widened by a search with ties; on the
    hand case both must lie inside the exhaustive range with ties (listed by ``iter_orderings``)."""
    from mst_helpers.attainability.verdicts import _with_ties

    space = _small_space()
    tie_free = a.logrank_range(space, targets=[0.5])
    combined = _with_ties(space, tie_free, [0.5], restarts=5, steps=40, seed=0)
    everything = [a.logrank_from_blocks(space, o) for o in a.iter_orderings(space)]
    assert min(everything) - 1e-12 <= combined.minimum <= tie_free.minimum
    assert tie_free.maximum <= combined.maximum <= max(everything) + 1e-12
    # Ties raise the largest p here (one tied pair of B deaths shares the risk set): the search finds it.
    assert combined.maximum == pytest.approx(max(everything))
    assert combined.method == "exhaustive without ties + search with ties"
    assert a.logrank_from_blocks(space, combined.argmax) == pytest.approx(combined.maximum)


def test_twenty_seeds_lie_inside_the_protocol_range(slots):
    """The generator obeys the protocol's timing, so every seed's p is one point of that space."""
    from mst_helpers import survival
    from mst_helpers.attainability.verdicts import _with_ties

    for kind, endpoint in (("logrank_os", "os"), ("logrank_lfs", "lfs")):
        space = a.build_spaces(kind, slots)["protocol"]
        r = _with_ties(space, a.logrank_range(space), [], restarts=4, steps=40, seed=0)
        for seed in range(20):
            p = survival.log_rank(survival.analysis_frame(reconstruct(seed).patients, endpoint), "age_group").p_value
            assert r.minimum * (1 - 1e-9) <= p <= r.maximum * (1 + 1e-9), (kind, seed)


def _results(verdict: str) -> dict:
    stem = "attainable.abs.os.p.from_diagnosis"
    values = {"min": 1e-6, "max": 0.0075, "method": "exhaustive without ties + search with ties", "verdict": verdict,
              "protocol.min": 2e-6, "protocol.max": 0.0009, "protocol.method": "exhaustive without ties",
              "protocol.tie_free.min": 2e-6, "protocol.tie_free.max": 0.0009, "landmark.min": 1e-7,
              "landmark.max": 0.0011, "landmark.method": "exhaustive", "relaxed.witness.printed": 0.00199,
              "relaxed.needs": "chemotherapy starting up to 126 days after diagnosis",
              "protocol.witness.printed": 0.0021, "protocol.needs": "no timing beyond the protocol"}
    return {f"{stem}.{k}": v for k, v in values.items()}


@pytest.mark.parametrize("verdict, says", [
    ("attainable", ["p = 0.0021", "no timing beyond the protocol", "exact range under the protocol's timing is 2.0 × 10⁻⁶–9.0 × 10⁻⁴"]),
    ("attainable only at the extreme", ["only a cohort with the loosest timing", "p = 0.0020", "126 days", "2.0 × 10⁻⁶–9.0 × 10⁻⁴"]),
    ("unattainable", ["outside 1.0 × 10⁻⁷–0.0011", "no cohort that meets them"]),
    ("undetermined", ["none of the cohorts searched", "1.0 × 10⁻⁷–0.0011", "neither reached nor excluded"]),
])
def test_the_sentence_follows_the_verdict(verdict, says):
    text = a.describe(_results(verdict), "abs.os.p", "from_diagnosis", "0.002")
    for phrase in says:
        assert phrase in text, (verdict, phrase, text)
    # Only an unattainable verdict may read as an impossibility claim.
    assert bool(a.impossibility_sentences(f"<p>OS: {text}.</p>")) == (verdict == "unattainable")


def test_ranges_below_the_floor_print_as_a_bound():
    assert a.format_range(0.0, 0.28) == "< 1.0 × 10⁻¹² – 0.28"
    assert a.format_range(2.6e-6, 0.0025) == "2.6 × 10⁻⁶ – 0.0025"


def test_lfs_from_diagnosis_witness_meets_every_target(slots, registry):
    """The second LFS reading (all 29 patients from diagnosis, as Table 2 counts LFS): the witness of
    the largest tie-free p meets every target and gives the same p through the chapter helpers."""
    from mst_helpers.attainability.verdicts import _witness_value

    space = a.build_spaces("logrank_lfs_dx", slots)["relaxed"]
    r = a.logrank_range(space)
    cohort, _ = a.realise(space, r.argmax, "logrank_lfs_dx", slots, a.RELAXED)
    assert unmet_targets(registry, cohort) == []
    assert _witness_value("logrank_lfs_dx", cohort) == pytest.approx(r.maximum, rel=1e-6)


def test_impossibility_sentences_ignore_scripts():
    """An interactive table's rows arrive as JSON inside a script: no reader sentence, no match."""
    from mst_helpers.attainability import impossibility_sentences

    html = ("<p>x</p><script type='module'>const rows = [['OS', 'p = 0.002', '10.0% is impossible for 9']];</script>"
            "<p>The OS p = 0.002 is impossible.</p>")
    assert impossibility_sentences(html) == [("The OS p = 0.002 is impossible.", "abs.os.p")]
