"""The book's one figure style: a colour-blind-safe palette, readable fonts, labelled axes.

Every chapter calls :func:`use_house_style` once and draws with one helper per figure kind.
Colours come from the Okabe–Ito palette, safe for the common colour-vision deficiencies,
and each group keeps its colour across the whole book (:data:`GROUP_COLOURS`).
"""

from __future__ import annotations

import io

import matplotlib
import matplotlib.pyplot as plt

__all__ = ['OKABE_ITO', 'GROUP_COLOURS', 'TEST_COLOURS', 'use_house_style', 'DPI', 'MAX_WIDTH_IN', 'TICK_PT',
           'MIN_TEXT_PT', 'smallest_text_pt', 'figure_png', 'figure_svg', 'percent_axis', 'group_label', 'group_styles']

#: Resolution of every figure in the book (PNG): sharp on a high-density screen and when enlarged.
DPI = 200
#: Widest figure, in inches. The book's text column is 768 CSS px at desktop width; a figure of
#: this width at :data:`DPI` is shown at about half its pixel size, so text of :data:`TICK_PT`
#: points is displayed at about 10 pt.
MAX_WIDTH_IN = 8.0
#: Tick labels, legends and axis labels are at least this size (points, in the figure).
TICK_PT = 10
#: No text in a figure is smaller than this (risk-table numbers, annotations).
MIN_TEXT_PT = 9


#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}


#: One colour per patient group, used by every chapter.
GROUP_COLOURS = {"60-70": OKABE_ITO["blue"], ">70": OKABE_ITO["vermillion"], "all": OKABE_ITO["black"]}


#: Colours for a reader's own groups, in order (Okabe–Ito, black kept for "all").
_OTHER_GROUP_COLOURS = ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "yellow")


def group_label(value: object) -> str:
    """A group as readers read it: ``"60-70"`` → ``"60–70 years"``, ``">70"`` → ``">70 years"``,
    ``"<=65"`` → ``"≤65 years"``; any other label unchanged."""
    from ..cohort import group_bounds

    text = str(value)
    if group_bounds(text) is None:
        return text
    return text.replace(">=", "≥").replace("<=", "≤").replace("-", "–") + " years"


def group_styles(order: list) -> tuple[dict, dict]:
    """A label and a colour for each group, in ``order``: the paper's two age groups keep their
    colours in every chapter; other groups take the Okabe–Ito colours in turn."""
    labels = {g: group_label(g) for g in order}
    if set(map(str, order)) <= set(GROUP_COLOURS):
        return labels, {g: GROUP_COLOURS[str(g)] for g in order}
    colours = {g: OKABE_ITO[_OTHER_GROUP_COLOURS[i % len(_OTHER_GROUP_COLOURS)]] for i, g in enumerate(order)}
    return labels, colours


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
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "font.size": TICK_PT,
        "axes.titlesize": 11,
        "axes.titlelocation": "left",
        "axes.labelsize": TICK_PT + 0.5,
        "xtick.labelsize": TICK_PT,
        "ytick.labelsize": TICK_PT,
        "legend.fontsize": TICK_PT,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:] + ["#000000"]),
        "legend.frameon": False,
        "svg.hashsalt": "mst-aml-book",  # deterministic SVG ids
    })


def smallest_text_pt(fig: plt.Figure) -> tuple[float, float]:
    """The smallest tick-label size and the smallest size of any visible text in ``fig`` (points).

    Used by the tests (every figure helper stays at or above :data:`TICK_PT` / :data:`MIN_TEXT_PT`)
    and written into each PNG, so the browser test can tell how large the text is *as displayed*.
    """
    fig.draw_without_rendering()  # tick labels exist only after a draw (no pixels needed)
    ticks, texts = [], []
    for artist in fig.findobj(matplotlib.text.Text):
        if not artist.get_visible() or not artist.get_text().strip():
            continue
        texts.append(artist.get_fontsize())
    for ax in fig.get_axes():
        for label in ax.get_xticklabels() + ax.get_yticklabels():
            if label.get_visible() and label.get_text().strip():
                ticks.append(label.get_fontsize())
    return (min(ticks) if ticks else float("nan"), min(texts) if texts else float("nan"))


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as a PNG at :data:`DPI`, cropped to its content, with its smallest text sizes
    in the PNG's text chunk (``mst-tick-pt``, ``mst-min-text-pt``)."""
    tick_pt, text_pt = smallest_text_pt(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white",
                metadata={"Software": "mst-aml-book", "mst-tick-pt": f"{tick_pt:g}", "mst-min-text-pt": f"{text_pt:g}"})
    return buffer.getvalue()


def figure_svg(fig: plt.Figure) -> bytes:
    """The figure as SVG (vector, for slides and print), deterministic ids, no creation date."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", facecolor="white", metadata={"Date": None})
    return buffer.getvalue()


def percent_axis(ax, axis: str = "y") -> None:
    """Show probabilities (0–1) on ``axis`` as percentages 0–100."""
    formatter = matplotlib.ticker.FuncFormatter(lambda value, _: f"{100 * value:.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)
