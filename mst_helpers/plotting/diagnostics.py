"""Model-checking figures: log-minus-log survival curves for proportional hazards."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["log_minus_log_plot"]


def log_minus_log_plot(km: pd.DataFrame, labels: dict, colours: dict) -> plt.Figure:
    """log(−log S(t)) against log time per group, from a :func:`mst_helpers.survival.kaplan_meier`
    table. Under proportional hazards the curves are parallel (a constant vertical gap equal to
    the log hazard ratio); curves that converge, diverge or cross are evidence against it."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for group, sub in km.groupby("group", sort=True):
        sub = sub[(sub["events"] > 0) & (sub["survival"] > 0) & (sub["survival"] < 1)]
        ax.step(np.log(sub["time"]), np.log(-np.log(sub["survival"])), where="post", lw=2, color=colours[group],
                marker="o", ms=4, label=labels[group])
    ticks = [1, 3, 6, 12, 24, 60, 120]
    ax.set_xticks(np.log(ticks), [str(t) for t in ticks])
    ax.set_xlabel("Months since diagnosis (log scale)")
    ax.set_ylabel("log(−log overall survival)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
