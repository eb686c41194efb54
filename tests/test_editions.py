"""The two editions of a clinical chapter: which cells each keeps, and who may run which."""

from __future__ import annotations

import nbformat
import pytest

from mst_helpers.cohort import SHIPPED_RECONSTRUCTION
from mst_helpers.editions import EditionError, check_edition, select_cells

from .conftest import FIXTURES, ROOT


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("generic"),
                nbformat.v4.new_markdown_cell("paper", metadata={"tags": ["paper"]}),
                nbformat.v4.new_code_cell("own = 1", metadata={"tags": ["own-data", "hide-input"]}),
                nbformat.v4.new_code_cell("shared = 1", metadata={"tags": ["hide-input"]})]
    return nb


def test_each_edition_drops_the_other_editions_cells():
    nb = _notebook()
    assert [c.source for c in select_cells(nb, "paper").cells] == ["generic", "paper", "shared = 1"]
    assert [c.source for c in select_cells(nb, "own").cells] == ["generic", "own = 1", "shared = 1"]
    assert len(nb.cells) == 4   # the input is not changed
    with pytest.raises(EditionError):
        select_cells(nb, "student")


def test_the_paper_edition_runs_only_on_the_shipped_reconstruction():
    check_edition("paper", SHIPPED_RECONSTRUCTION, "06_survival")
    check_edition("paper", ROOT / "notebooks" / ".." / "data" / "reconstructed", "06_survival")   # same folder
    check_edition("own", FIXTURES / "own_cohort", "06_survival")
    with pytest.raises(EditionError, match="python -m mst_helpers.build run 06_survival --cohort"):
        check_edition("paper", FIXTURES / "own_cohort", "06_survival")


@pytest.mark.parametrize("chapter", ["03_cohort", "04_response", "06_survival", "07_immortal", "08_competing"])
def test_every_own_data_chapter_checks_its_edition_and_tags_its_cells(chapter):
    """The own-data chapters take the cohort parameters, stop early in the wrong edition, and open
    with their title in both editions (the paper's Bottom line and banner are paper cells)."""
    import jupytext

    nb = jupytext.read(ROOT / "notebooks" / f"{chapter}.py")
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    for name in ("cohort_path", "group_column", "age_cut", "cutoff_date", "edition"):
        assert f"\n{name} = " in "\n" + parameters.source, name
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'check_edition(edition, cohort_path, "{chapter}")' in source
    assert nb.cells[0].source.startswith("# ") and not nb.cells[0].metadata.get("tags")
    own = select_cells(nb, "own")
    prose = "\n".join(c.source for c in own.cells if c.cell_type == "markdown").lower()
    assert "reconstructed cohort" not in prose and "by construction" not in prose
    assert any("own-data" in c.metadata.get("tags", []) for c in nb.cells)
