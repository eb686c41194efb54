"""The book's one figure style: a colour-blind-safe palette, readable fonts, labelled axes.

Every chapter calls :func:`use_house_style` once and draws with one helper per figure kind.
Colours come from the Okabe–Ito palette, safe for the common colour-vision deficiencies,
and each group keeps its colour across the whole book (:data:`GROUP_COLOURS`).
"""

from __future__ import annotations

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["OKABE_ITO", "GROUP_COLOURS", "TEST_COLOURS", "use_house_style", "pvalue_attribution_plot", "follow_up_timeline"]

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


def pvalue_attribution_plot(checks: pd.DataFrame) -> plt.Figure:
    """Printed p-values against every recomputed candidate, on a log scale.

    Parameters
    ----------
    checks
        Output of :func:`mst_helpers.audit.pvalue_checks`; rows needing patient-level data
        and neighbouring-table rows are left out.

    Returns
    -------
    matplotlib.figure.Figure
        One row per printed p-value: a black bar at the printed value (its rounding
        interval) and one marker per test.
    """
    from .claims import printed_decimals

    data = checks[(~checks["neighbour"]) & checks["p_value"].notna() & (checks["test"] != "(patient-level data)")]
    labels = list(dict.fromkeys(data["label"]))
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(labels) + 1.4))
    for y, label in enumerate(labels):
        rows = data[data["label"] == label]
        printed = rows["printed"].iloc[0]
        value = float(printed.lstrip("<>"))
        if printed.startswith("<"):
            lo, hi = 1e-5, value
        else:
            half = 0.5 * 10 ** (-printed_decimals(printed))
            lo, hi = max(value - half, 1e-5), value + half
        ax.plot([lo, hi], [y, y], color="black", lw=6, alpha=0.25, solid_capstyle="butt")
        ax.plot([value], [y], marker="|", color="black", ms=14, mew=2)
        for _, row in rows.iterrows():
            colour, marker = TEST_COLOURS[row["test"]]
            ax.plot(max(row["p_value"], 1e-5), y, marker=marker, color=colour, ms=7, ls="none",
                    mec="black", mew=0.5 if row["matches"] else 0)
    ax.set_xscale("log")
    ax.set_xlim(1e-4, 1.5)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("p-value (log scale)")
    handles = [plt.Line2D([], [], color="black", lw=6, alpha=0.25, label="printed p (rounding interval)")]
    handles += [plt.Line2D([], [], color=c, marker=m, ls="none", ms=7, label=name) for name, (c, m) in TEST_COLOURS.items()]
    # The region below p = 0.01 is empty for most rows: the legend sits there.
    ax.legend(handles=handles, loc="lower left", fontsize=9)
    ax.grid(axis="x", which="major", alpha=0.3)
    fig.tight_layout()
    return fig


def follow_up_timeline(patients: pd.DataFrame, enrol_start: pd.Timestamp, enrol_end: pd.Timestamp,
                       cutoff: pd.Timestamp) -> plt.Figure:
    """Each patient's time on study: a line from diagnosis to last contact, by age group.

    A cross marks a death, an open circle a patient alive at the cut-off; the grey band is the
    enrollment window the paper states and the dashed line the follow-up cut-off.
    """
    data = patients.sort_values(["age_group", "diagnosis_date"], ascending=[True, False]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(data) + 1.6))
    ax.axvspan(enrol_start, enrol_end, color="0.9", zorder=0, label="enrollment window (Methods)")
    ax.axvline(cutoff, color="black", ls="--", lw=1, label="follow-up cut-off")
    for y, row in data.iterrows():
        colour = GROUP_COLOURS[row["age_group"]]
        ax.plot([row["diagnosis_date"], row["last_contact_date"]], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
        if row["death"] == 1:
            ax.plot(row["last_contact_date"], y, marker="x", color=colour, ms=7, mew=2)
        else:
            ax.plot(row["last_contact_date"], y, marker="o", mfc="white", color=colour, ms=6, mew=1.5)
    ax.set_yticks(range(len(data)), data["patient_id"], fontsize=8)
    ax.set_xlabel("calendar date")
    handles = [plt.Line2D([], [], color=GROUP_COLOURS[g], lw=2.2, label=f"aged {g}") for g in ("60-70", ">70")]
    handles += [plt.Line2D([], [], color="0.3", marker="x", ls="none", mew=2, label="death"),
                plt.Line2D([], [], color="0.3", marker="o", mfc="white", ls="none", label="alive at cut-off"),
                matplotlib.patches.Patch(color="0.9", label="enrollment window (Methods)"),
                plt.Line2D([], [], color="black", ls="--", lw=1, label="follow-up cut-off")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=9)
    fig.tight_layout()
    return fig
