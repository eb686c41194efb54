"""The scorecard's figure: statuses per section of the paper as stacked bars."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .style import OKABE_ITO

__all__ = ["STATUS_COLOURS", "status_bar_plot"]

#: One colour per status, from strongest support (blue) to none (grey).
STATUS_COLOURS = {
    "reproduced from printed numbers": OKABE_ITO["blue"],
    "consistent": OKABE_ITO["sky_blue"],
    "met by the reconstruction": OKABE_ITO["bluish_green"],
    "attainable only at the extreme": OKABE_ITO["yellow"],
    "undetermined": "#BBBBBB",
    "unattainable": OKABE_ITO["vermillion"],
    "contradicts the paper": OKABE_ITO["reddish_purple"],
    "not met by the reconstruction": OKABE_ITO["orange"],
    "differs on the reconstruction": OKABE_ITO["orange"],
    "not reproducible": "#E5E5E5",
}


def status_bar_plot(counts: pd.DataFrame) -> plt.Figure:
    """Horizontal stacked bars: for each section of the paper, how many printed numbers have
    each status (``counts`` from :func:`mst_helpers.scorecard.status_counts`, without "all")."""
    table = counts[counts["section"] != "all"].set_index("section")
    table = table.loc[:, (table.sum() > 0)]
    fig, ax = plt.subplots(figsize=(8.0, 0.55 * len(table) + 2.2))
    left = pd.Series(0, index=table.index, dtype=float)
    for status in table.columns:
        ax.barh(table.index, table[status], left=left, color=STATUS_COLOURS.get(status, "0.5"), label=status,
                edgecolor="white", linewidth=0.6)
        left += table[status]
    ax.invert_yaxis()
    ax.set_xlabel("Printed numbers")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=9, frameon=False)
    fig.tight_layout()
    return fig
