"""The book's one figure style: a colour-blind-safe palette, readable fonts, labelled axes.

Every chapter calls :func:`use_house_style` once and draws with one helper per figure kind.
Colours come from the Okabe–Ito palette, safe for the common colour-vision deficiencies,
and each group keeps its colour across the whole book (:data:`GROUP_COLOURS`).
"""

from __future__ import annotations

import matplotlib

__all__ = ['OKABE_ITO', 'GROUP_COLOURS', 'TEST_COLOURS', 'use_house_style']


#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}


#: One colour per patient group, used by every chapter.
GROUP_COLOURS = {"60-70": OKABE_ITO["blue"], ">70": OKABE_ITO["vermillion"], "all": OKABE_ITO["black"]}


#: One colour (and marker) per recomputed test.
TEST_COLOURS = {
    "Pearson chi-square": (OKABE_ITO["sky_blue"], "o"),
    "Yates chi-square": (OKABE_ITO["orange"], "s"),
    "Fisher exact": (OKABE_ITO["bluish_green"], "^"),
    "Student t": (OKABE_ITO["reddish_purple"], "D"),
    "Welch t": (OKABE_ITO["yellow"], "v"),
}


def use_house_style() -> None:
    """Set matplotlib defaults: sizes for slides, no top/right spines, Okabe–Ito cycle."""
    matplotlib.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:] + ["#000000"]),
        "legend.frameon": False,
        "svg.hashsalt": "mst-aml-book",  # deterministic SVG ids
    })
