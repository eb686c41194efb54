"""Two editions of every clinical chapter: the paper's, and a reader's own cohort.

A chapter notebook holds three kinds of cells. Most are *generic*: they analyse whatever cohort
``cohort_path`` points at, within the cohort contract (``data/README.md``). Cells tagged
``paper`` compare with the paper's printed numbers or explain the reconstruction; they run only
on the shipped reconstruction. Cells tagged ``own-data`` describe a reader's cohort; they run
only on it. The book builds the paper edition; ``python -m mst_helpers.build run CHAPTER
--cohort FOLDER`` (:func:`mst_helpers.build.run_chapter`) builds the own-data edition of one chapter, so that nothing a reader gets
back says "by construction" or compares their patients with the paper's.
"""

from __future__ import annotations

import copy
from pathlib import Path

from .cohort import is_reconstruction

__all__ = ["PAPER_TAG", "OWN_DATA_TAG", "EDITIONS", "COUNTS_CHAPTER", "EditionError", "select_cells", "check_edition"]

PAPER_TAG = "paper"
OWN_DATA_TAG = "own-data"
EDITIONS = ("paper", "own")
#: The chapter that runs on count matrices (``--counts``); every other own-data chapter takes ``--cohort``.
COUNTS_CHAPTER = "09_transcriptomics"


class EditionError(ValueError):
    """A notebook run in an edition its parameters do not allow."""


def select_cells(nb, edition: str):
    """The notebook with the cells of the other edition removed (a copy; ``nb`` is unchanged)."""
    if edition not in EDITIONS:
        raise EditionError(f"edition is one of {EDITIONS}, not {edition!r}")
    drop = OWN_DATA_TAG if edition == "paper" else PAPER_TAG
    selected = copy.deepcopy(nb)
    selected.cells = [cell for cell in nb.cells if drop not in cell.get("metadata", {}).get("tags", [])]
    return selected


def check_edition(edition: str, data_path: str | Path, chapter: str, shipped: bool | None = None) -> None:
    """Stop with one clear sentence when the paper's cells would run on a reader's data.

    The paper edition compares every number with the paper's and explains the reconstruction (or
    the simulation): on other data that would be wrong, not merely odd. ``shipped`` says whether
    ``data_path`` is the book's own data (default: whether it is the shipped reconstruction).
    """
    if edition not in EDITIONS:
        raise EditionError(f"edition is one of {EDITIONS}, not {edition!r}")
    shipped = is_reconstruction(data_path) if shipped is None else shipped
    if edition == "paper" and not shipped:
        option = "--counts" if chapter == COUNTS_CHAPTER else "--cohort"
        raise EditionError(
            f"{data_path} is not the book's own data, and this notebook still holds the cells that compare "
            f"with the paper. Run your data with: python -m mst_helpers.build run {chapter} {option} {data_path} "
            "(it removes those cells and writes the executed notebook and its results).")
