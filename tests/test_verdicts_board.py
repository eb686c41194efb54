"""The verdict board: built from the scorecard and results only, and the same rows on the landing page."""

from __future__ import annotations

import pandas as pd

from mst_helpers.verdicts_board import HEADLINES, Headline, verdict_board

from .conftest import ROOT


def test_board_reads_ranges_statuses_and_caveats():
    card = pd.DataFrame([
        {"claim_id": "p1", "printed": "0.002", "recomputed": "3.7e-05", "source": "06_survival", "status": "consistent",
         "note": "attainable"},
        {"claim_id": "n1", "printed": "25", "recomputed": "24", "source": "02_data", "status": "contradicts the paper",
         "note": "18 + 6 = 24"},
    ])
    results = pd.DataFrame({"key": ["attainable.p1.from_diagnosis.min", "attainable.p1.from_diagnosis.max", "why.p1"],
                            "value": [1.8e-6, 0.0075, "the interval includes 1 once age is adjusted for"]})
    heads = (Headline("a", "A", "p1", "tab-x", "why.p1", "it is biased"), Headline("b", "B", "n1", "tab-y"))
    board = verdict_board(card, results, heads).set_index("key")
    assert board.at["a", "finds"] == "attainable range: 1.8 × 10⁻⁶ to 0.0075 (from diagnosis; )"
    assert board.at["a", "why"] == "attainable; but it is biased, the interval includes 1 once age is adjusted for"
    assert board.at["a", "status"] == "consistent (a biased comparison)"
    assert board.at["b", "finds"] == "24 (02_data)" and board.at["b", "status"] == "contradicts the paper"


def test_a_range_names_the_framework_it_was_computed_in():
    """Relapse and NRM from diagnosis are ranges with every death without relapse competing, not
    chapter 8's framework of the same name: the board says which."""
    from mst_helpers.attainability import framework_label

    assert framework_label("abs.nrm.p", "from_diagnosis") == "from diagnosis, all deaths competing"
    assert framework_label("abs.relapse.p", "from_cr") == "from CR"
    assert framework_label("abs.os.p", "from_diagnosis") == "from diagnosis"


def test_landing_page_shows_every_headline():
    text = (ROOT / "book" / "intro.md").read_text()
    for h in HEADLINES:
        assert f"::board.{h.key}.status:s`" in text and f"{{numref}}`{h.shown_in}`" in text, h.key
