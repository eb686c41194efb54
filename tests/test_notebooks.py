"""Chapter notebooks: pairs in sync, outputs stripped, parameters cell, listed in the toc."""

from __future__ import annotations

import jupytext
import nbformat
import pytest
from jupytext.compare import compare_notebooks

from mst_helpers.build import chapters, notebook_parameters, toc_entries

from .conftest import ROOT

SOURCES = sorted((ROOT / "notebooks").glob("*.py"))


def test_there_are_chapters():
    assert SOURCES, "no notebooks/*.py"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync(source):
    paired = source.with_suffix(".ipynb")
    assert paired.is_file(), f"{paired.name} missing: run `make pair`"
    from_py = jupytext.read(source)
    from_ipynb = jupytext.read(paired)
    compare_notebooks(from_ipynb, from_py, fmt="py:percent", allow_expected_differences=False)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_ipynb_has_no_outputs(source):
    nb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{source.stem}.ipynb cell {index} has outputs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_parameters_cell(source):
    params = notebook_parameters(source)
    assert params.get("results_dir") == "../_build/results"
    assert "seed" in params
    for name, value in params.items():
        if name.endswith("_path"):
            # Data inputs must be committed; an input under _build/ is an upstream chapter's output.
            if value.startswith("../_build/"):
                continue
            assert (ROOT / "notebooks" / value).exists(), f"{source.stem}: {name} = {value} does not exist"
            assert value.startswith(("../data/", "../notebooks")), f"{source.stem}: {name} = {value} reads outside data/ and notebooks/"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_kernelspec_is_set(source):
    # papermill refuses a notebook without a kernelspec ("No language found in notebook").
    nb = jupytext.read(source)
    assert nb.metadata["kernelspec"]["language"] == "python"


def test_every_notebook_is_in_the_toc_and_back():
    in_toc = {c.stem for c in chapters(ROOT)}
    on_disk = {p.stem for p in SOURCES}
    assert in_toc == on_disk
    assert toc_entries(ROOT)[0] == "book/intro"


#: A glued p-value with a fixed number of decimals ("{glue:text}`ph_min_p:.3f`") bypasses the book's
#: formatter (0.000, 0.0034 vs 0.003). Allowed only where the prose compares with a value the paper
#: prints, at the paper's own precision: the audit's test attributions, the attainable ranges
#: against the printed p, and Table 1's relation p "as printed".
FIXED_P = r"\{glue:text\}`([^`:]+):\.\d+f`"
PRINTED_PRECISION = ("origin.", "attainable.", "relation_p_")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_prose_p_values_go_through_the_formatter(source):
    import re

    keys = [k for k in re.findall(FIXED_P, source.read_text()) if re.search(r"(^|[._])(\w*_)?p$", k)]
    assert [k for k in keys if not k.startswith(PRINTED_PRECISION)] == [], \
        f"{source.name}: glue these p-values as <key>.text via format_p"
