"""Results files: what each chapter computed, as flat JSON, and glue for the prose.

Every chapter records its numbers with :class:`ChapterResults`: ``record`` glues a value
into the page (myst-nb ``glue``) *and* keeps it for ``_build/results/<notebook>.json``.
Later chapters and the scorecard read those files with :func:`collect_results`; nothing
reads numbers out of HTML.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

__all__ = ["plain", "glue", "GLUE_PREFIX", "ChapterResults", "write_results", "read_results", "collect_results", "glue_claims"]


def plain(value: Any) -> int | float | str:
    """Turn a NumPy or pandas scalar into a plain Python number or string.

    ``glue`` of a NumPy scalar fails to format under NumPy 2, and JSON needs plain types.

    Examples
    --------
    >>> import numpy as np
    >>> type(plain(np.float64(1.5))).__name__, type(plain(np.int64(2))).__name__
    ('float', 'int')
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        as_float = float(value)
        if math.isnan(as_float) or math.isinf(as_float):
            raise ValueError(f"cannot record a non-finite number ({as_float})")
        return as_float
    if isinstance(value, str):
        return value
    raise TypeError(f"results hold numbers and strings, not {type(value).__name__}")


#: The mime-type prefix under which myst-nb finds glued values (``myst_nb.ext.glue.GLUE_PREFIX``).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable: Any) -> None:
    """Glue ``variable`` under ``name`` for ``{glue:text}``/``{glue:figure}``, hidden: exactly the
    output of ``myst_nb.glue(name, variable, display=False)`` (tested), without importing myst-nb
    into the kernel. myst-nb imports nbformat and, through it, jsonschema's optional IRI checker,
    whose parser takes seconds to build; every chapter would pay that at start-up."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    mimebundle, metadata = format_display_data(variable)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)


def write_results(notebook: str, values: Mapping[str, Any], results_dir: str | Path) -> Path:
    """Write ``values`` (flat key → number or string) to ``results_dir/<notebook>.json``."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    payload = {str(k): plain(v) for k, v in sorted(values.items())}
    path = results_dir / f"{notebook}.json"
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_results(path: str | Path) -> dict[str, int | float | str]:
    """Read one results file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def collect_results(results_dir: str | Path) -> pd.DataFrame:
    """All results files in a folder as one long table: notebook, key, value."""
    rows = []
    for path in sorted(Path(results_dir).glob("*.json")):
        for key, value in read_results(path).items():
            rows.append({"notebook": path.stem, "key": key, "value": value})
    return pd.DataFrame(rows, columns=["notebook", "key", "value"])


@dataclass
class ChapterResults:
    """Collects a chapter's numbers, glues them, and writes the results file.

    Parameters
    ----------
    notebook
        The chapter's notebook stem, e.g. ``"01_audit"``.
    results_dir
        Where ``<notebook>.json`` is written.
    glue
        Glue each recorded value into the page (off in unit tests).
    display
        Also display each figure in the notebook (a chapter run on a reader's cohort).

    Examples
    --------
    >>> import tempfile
    >>> out = ChapterResults("00_demo", tempfile.mkdtemp(), glue=False)
    >>> out.record("n_patients", 29)
    >>> sorted(read_results(out.write()))
    ['n_patients']
    """

    notebook: str
    results_dir: str | Path
    glue: bool = True
    #: Also show each figure where it is made: a notebook run outside the book (a reader's own
    #: cohort) has no ``{glue:figure}`` to place it.
    display: bool = False
    values: dict[str, int | float | str] = field(default_factory=dict)

    def record(self, key: str, value: Any) -> None:
        """Keep ``value`` under ``key`` and glue it (hidden) for ``{glue:text}`` in the prose."""
        if key in self.values:
            raise KeyError(f"{key!r} is recorded twice in {self.notebook}")
        value = plain(value)
        self.values[key] = value
        if self.glue:
            glue(key, value)

    def show(self, key: str, text: str) -> None:
        """Glue a display string (a formatted p-value, a sentence) for the prose, without keeping
        it in the results file, which holds numbers only."""
        if self.glue:
            glue(key, str(text))

    def show_formatted(self, formatter, *keys: str) -> None:
        """Glue recorded numbers as ``<key>.text``, formatted for readers (e.g. by
        :func:`mst_helpers.formatting.format_p`), while the results file keeps the raw values."""
        for key in keys:
            self.show(f"{key}.text", formatter(self.values[key]))

    def figure(self, key: str, fig) -> None:
        """Glue ``fig`` as a PNG at the house resolution for ``{glue:figure}`` and write it, with
        an SVG, to ``<results_dir>/../figures/<key>.png|svg`` (the book links both under the
        figure: click to enlarge, SVG for slides). Closes the figure."""
        import matplotlib.pyplot as plt

        from .plotting.style import figure_png, figure_svg

        png = figure_png(fig)
        folder = Path(self.results_dir).parent / "figures"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.png").write_bytes(png)
        (folder / f"{key}.svg").write_bytes(figure_svg(fig))
        plt.close(fig)
        if self.glue:
            from IPython.display import Image

            glue(key, Image(data=png, format="png"))
        if self.display:
            from IPython.display import Image, display

            display(Image(data=png, format="png"))

    def record_tests(self, tested: pd.DataFrame) -> None:
        """Record a regenerated table's p-values: ``recomputed.<claim id>`` (the authors' test,
        read by the scorecard) and ``alternative.<claim id>`` (the other candidate test).

        ``tested`` has columns ``p_id``, ``p`` and ``p_alternative`` (``tables.regenerate_table``), and
        optionally ``needs_values``: a test on values the reconstruction invented is recorded as
        ``invented.<claim id>`` too, so the scorecard does not read it as a check.
        """
        for _, row in tested.iterrows():
            self.record(f"recomputed.{row['p_id']}", row["p"])
            self.record(f"alternative.{row['p_id']}", row["p_alternative"])
            if row.get("needs_values", False):
                self.record(f"invented.{row['p_id']}", 1)

    def write(self) -> Path:
        """Write the results file and return its path."""
        return write_results(self.notebook, self.values, self.results_dir)


def glue_claims(claims: pd.DataFrame, prefix: str = "paper.") -> None:
    """Glue every printed number of the registry as ``paper.<id>`` (its exact printed text).

    Prose quotes the paper through these keys instead of retyping a number. Returns nothing, so
    a cell that ends with this call shows no stray output.
    """
    for claim_id, printed in zip(claims["id"], claims["printed"]):
        glue(f"{prefix}{claim_id}", str(printed))
