"""Figures of the audit: printed p-values against their candidate tests, values across
reconstructed cohorts and attainable ranges."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import MAX_WIDTH_IN, OKABE_ITO, TEST_COLOURS

__all__ = ['pvalue_attribution_plot', 'uncertainty_plot', 'attainability_plot']


def pvalue_attribution_plot(checks: pd.DataFrame) -> plt.Figure:
    """Printed p-values against every recomputed candidate, on a log scale.

    Parameters
    ----------
    checks
        Output of :func:`mst_helpers.audit.pvalue_checks`; rows needing patient-level data
        and origin-search rows are left out.

    Returns
    -------
    matplotlib.figure.Figure
        One row per printed p-value: a black bar at the printed value (its rounding
        interval) and one marker per test.
    """
    from ..claims import printed_decimals

    data = checks[(~checks["origin"]) & checks["p_value"].notna() & (checks["test"] != "(patient-level data)")]
    labels = list(dict.fromkeys(data["label"]))
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.42 * len(labels) + 1.6))
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


def uncertainty_plot(table: pd.DataFrame, summary: pd.DataFrame, labels: dict[str, str]) -> plt.Figure:
    """Each check's distribution over the reconstructed cohorts (dots), with the printed value
    (vermillion bar) and, for p-values, the 0.05 line. Log scales throughout."""
    p_checks = [c for c in summary["check"] if summary.set_index("check").at[c, "kind"] == "p"]
    hr_checks = [c for c in summary["check"] if summary.set_index("check").at[c, "kind"] == "hr"]
    # Stacked, not side by side: each panel keeps the full width for its labels.
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(MAX_WIDTH_IN, 0.4 * (len(p_checks) + len(hr_checks)) + 2.6),
                                   gridspec_kw={"height_ratios": [max(len(p_checks), 1), max(len(hr_checks), 1)]})
    rng = np.random.default_rng(0)  # vertical jitter only, fixed for identical figures
    info = summary.set_index("check")
    for ax, checks in ((ax1, p_checks), (ax2, hr_checks)):
        for y, check in enumerate(checks):
            values = table[check].dropna().to_numpy(float)
            ax.plot(np.clip(values, 1e-12, None), y + rng.uniform(-0.22, 0.22, len(values)), "o", ms=2.5,
                    color=OKABE_ITO["blue"], alpha=0.35)
            printed = info.at[check, "printed"]
            if printed:
                value = float(str(printed).lstrip("<>"))
                ax.plot([value, value], [y - 0.35, y + 0.35], color=OKABE_ITO["vermillion"], lw=3)
        ax.set_xscale("log")
        ax.set_yticks(range(len(checks)), [labels.get(c, c) for c in checks])
        ax.invert_yaxis()
    ax1.axvline(0.05, color="black", ls="--", lw=1)
    ax1.set_xlabel("p-value across reconstructed cohorts (log scale)")
    ax2.axvline(1, color="black", lw=1)
    ax2.set_xlabel("hazard ratio across reconstructed cohorts (log scale)")
    handles = [plt.Line2D([], [], color=OKABE_ITO["blue"], marker="o", ls="none", alpha=0.6, label="one reconstructed cohort"),
               plt.Line2D([], [], color=OKABE_ITO["vermillion"], lw=3, label="printed in the paper"),
               plt.Line2D([], [], color="black", ls="--", lw=1, label="p = 0.05")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def attainability_plot(summary: pd.DataFrame, seeds: pd.DataFrame, seed_columns: dict[str, str],
                       labels: dict[str, str]) -> plt.Figure:
    """Per printed test: the attainable interval (relaxed timing, grey; protocol timing, blue),
    the reconstruction seeds inside it (dots) and the printed value (vermillion). Log scale."""
    rows = summary[summary["printed"].astype(str) != ""].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.55 * len(rows) + 1.8))
    rng = np.random.default_rng(0)  # vertical jitter only, fixed for identical figures
    for y, row in rows.iterrows():
        lo, hi = max(row["min"], 1e-12), max(row["max"], 1e-12)
        ax.plot([lo, hi], [y, y], color="#BBBBBB", lw=9, solid_capstyle="butt")
        ax.plot([max(row["protocol_min"], 1e-12), max(row["protocol_max"], 1e-12)], [y, y], color=OKABE_ITO["blue"], lw=3)
        column = seed_columns.get(row["statistic"])
        if column in seeds:
            values = np.clip(seeds[column].dropna().to_numpy(float), 1e-12, None)
            ax.plot(values, y + rng.uniform(-0.3, -0.18, len(values)), "o", ms=2, color=OKABE_ITO["black"], alpha=0.35)
        value = float(str(row["printed"]).lstrip("<>"))
        ax.plot([value, value], [y - 0.32, y + 0.32], color=OKABE_ITO["vermillion"], lw=3)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [labels.get(s, s) for s in rows["statistic"]])
    ax.invert_yaxis()
    ax.set_xlabel("p-value (log scale)")
    handles = [plt.Line2D([], [], color="#BBBBBB", lw=9, label="attainable, loosest timing"),
               plt.Line2D([], [], color=OKABE_ITO["blue"], lw=3, label="attainable, protocol timing"),
               plt.Line2D([], [], color=OKABE_ITO["black"], marker="o", ls="none", ms=3, label="one reconstruction seed"),
               plt.Line2D([], [], color=OKABE_ITO["vermillion"], lw=3, label="printed in the paper")]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
