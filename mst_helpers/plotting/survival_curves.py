"""Time-to-event figures: Kaplan–Meier and cumulative-incidence curves with risk tables, forest
plots, Schoenfeld residuals and the immortal-time picture."""

from __future__ import annotations

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import OKABE_ITO

__all__ = ['km_panel', 'forest_plot', 'schoenfeld_plot', 'immortal_time_plot', 'cif_panel', 'km_vs_aj_plot']


def km_panel(ax, frame: pd.DataFrame, group: str, labels: dict, colours: dict, title: str, p_text: str,
             at_risk_times=(0, 12, 36, 60, 120, 180), xmax: float = 210) -> None:
    """One Kaplan–Meier panel: step curves with 95% bands and censoring ticks, a number-at-risk
    table under the axis, and the log-rank p in the corner."""
    from lifelines import KaplanMeierFitter

    rows = []
    for value in sorted(frame[group].unique()):
        sub = frame[frame[group] == value]
        kmf = KaplanMeierFitter().fit(sub["time"], sub["event"])
        colour = colours[value]
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        ax.step(sf.index, sf.to_numpy(), where="post", color=colour, lw=2, label=f"{labels[value]} (n={len(sub)})")
        ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=colour, alpha=0.15, lw=0)
        censored = sub[sub["event"] == 0]["time"]
        ax.plot(censored, kmf.survival_function_at_times(censored).to_numpy(), "|", color=colour, ms=9, mew=1.5)
        rows.append((labels[value], colour, [int((sub["time"] >= t).sum()) for t in at_risk_times]))
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(at_risk_times)
    ax.set_xlabel("months")
    ax.set_ylabel("probability")
    ax.set_title(title, fontsize=11)
    ax.text(0.97, 0.95, p_text, transform=ax.transAxes, ha="right", va="top", fontsize=10)
    ax.legend(loc="lower left", fontsize=8.5, bbox_to_anchor=(0.0, 0.0))
    # Number at risk, under the x-axis label.
    ax.text(0.0, -0.21, "number at risk", transform=ax.transAxes, ha="left", fontsize=8, style="italic")
    for i, (label, colour, counts) in enumerate(rows):
        for t, count in zip(at_risk_times, counts):
            ax.text(t, -0.28 - 0.07 * i, str(count), transform=ax.get_xaxis_transform(), ha="center", fontsize=8.5, color=colour)


def forest_plot(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Hazard ratios with 95% CIs on a log axis, one panel per endpoint (Supplementary Figure 1)."""
    fig, axes = plt.subplots(1, len(tables), figsize=(5.2 * len(tables), 0.5 * max(len(t) for t in tables.values()) + 1.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (title, table) in zip(axes, tables.items()):
        table = table.reset_index(drop=True)
        for y, row in table.iterrows():
            if not row.get("converged", True) or not np.isfinite(row["hr"]):
                ax.text(1, y, "not estimable (no events in one level)", ha="center", va="center", fontsize=8, color="0.4")
                continue
            colour = OKABE_ITO["vermillion"] if row["p"] < 0.05 else OKABE_ITO["blue"]
            ax.plot([row["lower"], row["upper"]], [y, y], color=colour, lw=2)
            ax.plot(row["hr"], y, "s", color=colour, ms=7)
            ax.text(1.02, y, f"{row['hr']:.2f} ({row['lower']:.2f}–{row['upper']:.2f}), p={row['p']:.3f}",
                    transform=ax.get_yaxis_transform(), va="center", fontsize=8)
        ax.axvline(1, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(0.01, 100)
        ax.set_yticks(range(len(table)), table["label"])
        ax.invert_yaxis()
        ax.set_xlabel("hazard ratio (95% CI, log scale)")
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def schoenfeld_plot(fitter, frame: pd.DataFrame) -> plt.Figure:
    """Scaled Schoenfeld residuals against time, one panel per covariate, with a lowess line.

    A flat line is consistent with proportional hazards; a trend is not.
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    residuals = fitter.compute_residuals(frame, "scaled_schoenfeld")
    times = frame.loc[residuals.index, "time"]
    fig, axes = plt.subplots(1, residuals.shape[1], figsize=(4.6 * residuals.shape[1], 3.4))
    axes = np.atleast_1d(axes)
    for ax, column in zip(axes, residuals.columns):
        ax.plot(times, residuals[column], "o", color=OKABE_ITO["blue"], ms=5, alpha=0.8)
        smooth = lowess(residuals[column], times, frac=0.8)
        ax.plot(smooth[:, 0], smooth[:, 1], color=OKABE_ITO["vermillion"], lw=2)
        ax.axhline(fitter.params_[column], color="black", ls="--", lw=1)
        ax.set_xlabel("months")
        ax.set_ylabel("scaled Schoenfeld residual")
        ax.set_title(column, fontsize=10)
    fig.tight_layout()
    return fig


def immortal_time_plot(patients: pd.DataFrame, switch: pd.Series, n: int = 10) -> plt.Figure:
    """Timelines of patients in the ">3 courses" group: the time before their fourth infusion,
    during which they could not have died and still be in that group, is hatched."""
    from ..endpoints import overall_survival

    os_ = overall_survival(patients).set_index("patient_id")
    ids = [pid for pid in os_.sort_values("time").index if pid in switch.dropna().index][:n]
    short = [pid for pid in os_.sort_values("time").index if pid not in switch.dropna().index][: max(3, n // 3)]
    fig, ax = plt.subplots(figsize=(9, 0.42 * (len(ids) + len(short)) + 1.4))
    y = 0
    for pid in short:
        t = os_.at[pid, "time"]
        ax.barh(y, t, color=OKABE_ITO["orange"], alpha=0.6, height=0.6)
        ax.plot(t, y, "X" if os_.at[pid, "event"] else "o", color="black", ms=7)
        ax.text(-1, y, pid, ha="right", va="center", fontsize=8)
        y += 1
    for pid in ids:
        t, s = os_.at[pid, "time"], switch[pid]
        ax.barh(y, s, color="white", edgecolor=OKABE_ITO["blue"], hatch="///", height=0.6)
        ax.barh(y, t - s, left=s, color=OKABE_ITO["blue"], alpha=0.6, height=0.6)
        ax.plot(t, y, "X" if os_.at[pid, "event"] else "o", color="black", ms=7)
        ax.text(-1, y, pid, ha="right", va="center", fontsize=8)
        y += 1
    ax.set_yticks([])
    ax.set_xlim(left=0)
    ax.set_xlabel("months from diagnosis")
    handles = [matplotlib.patches.Patch(color=OKABE_ITO["orange"], alpha=0.6, label="1–3 courses: all time counted in that group"),
               matplotlib.patches.Patch(facecolor="white", edgecolor=OKABE_ITO["blue"], hatch="///", label="before the 4th infusion: 'immortal' time"),
               matplotlib.patches.Patch(color=OKABE_ITO["blue"], alpha=0.6, label="after the 4th infusion"),
               plt.Line2D([], [], color="black", marker="X", ls="none", label="death")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
    fig.tight_layout()
    return fig


def cif_panel(ax, curves: dict, colours: dict, title: str, p_text: str, xmax: float = 210) -> None:
    """Cumulative incidence step curves (one per group) with pointwise 95% bands."""
    for label, cif in curves.items():
        cif = cif.sort_values("time")
        colour = colours[label]
        ax.step(cif["time"], cif["estimate"], where="post", color=colour, lw=2, label=label)
        ax.fill_between(cif["time"], cif["lower"].fillna(cif["estimate"]), cif["upper"].fillna(cif["estimate"]),
                        step="post", color=colour, alpha=0.15, lw=0)
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months")
    ax.set_ylabel("cumulative incidence")
    ax.set_title(title, fontsize=11)
    ax.text(0.03, 0.95, p_text, transform=ax.transAxes, ha="left", va="top", fontsize=10)
    ax.legend(loc="lower right", fontsize=9)


def km_vs_aj_plot(aj: pd.DataFrame, one_minus_km: pd.DataFrame, xmax: float = 210) -> plt.Figure:
    """Aalen–Johansen cumulative incidence against 1 − Kaplan–Meier (competing events censored)."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.step(one_minus_km["time"], one_minus_km["estimate"], where="post", color=OKABE_ITO["vermillion"], lw=2,
            ls="--", label="1 − Kaplan–Meier (competing deaths censored)")
    aj = aj.sort_values("time")
    ax.step(aj["time"], aj["estimate"], where="post", color=OKABE_ITO["blue"], lw=2, label="Aalen–Johansen cumulative incidence")
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months from complete remission")
    ax.set_ylabel("probability of relapse")
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig
