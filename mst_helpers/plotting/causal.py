"""Figures of the causal chapter: state occupation over time and the emulated trial's arms."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import GROUP_COLOURS, OKABE_ITO

__all__ = ["STATE_COLOURS", "state_occupation_plot", "emulated_trial_plot"]

#: One colour per disease state (Okabe–Ito), the same in every figure.
STATE_COLOURS = {"induction": OKABE_ITO["yellow"], "CR": OKABE_ITO["bluish_green"], "relapse": OKABE_ITO["orange"],
                 "death": "0.55"}


def state_occupation_plot(aj: pd.DataFrame, groups: dict[str, str], xmax: float | None = None) -> plt.Figure:
    """Stacked state-occupation probabilities (Aalen–Johansen), one panel per group.

    ``groups`` maps each group value of ``aj`` to its panel title; ``xmax`` defaults to each
    group's last transition, so no panel runs past its data.
    """
    fig, axes = plt.subplots(1, len(groups), figsize=(min(6.8, 3.4 * len(groups)), 3.8), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (group, title) in zip(axes, groups.items()):
        wide = aj[aj["group"] == group].pivot_table(index="time", columns="state", values="probability")
        states = [s for s in STATE_COLOURS if s in wide.columns]
        times = wide.index.to_numpy()
        end = xmax if xmax is not None else float(times.max()) * 1.05 + 1
        times = np.append(times, end)
        values = np.vstack([np.append(wide[s].to_numpy(), wide[s].to_numpy()[-1]) for s in states])
        ax.stackplot(times, values, step="post", colors=[STATE_COLOURS[s] for s in states], labels=states, alpha=0.9)
        ax.set_xlim(0, end)
        ax.set_ylim(0, 1)
        ax.set_title(title, fontsize=11, color=GROUP_COLOURS.get(group, "black"))
        ax.set_xlabel("Months since diagnosis")
    axes[0].set_ylabel("Probability of being in each state")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5), title="state")
    fig.tight_layout()
    return fig


def emulated_trial_plot(km: pd.DataFrame, horizon: float, labels: dict[str, str]) -> plt.Figure:
    """Weighted Kaplan–Meier curves of the emulated trial's arms from time zero, each drawn only as
    far as the arm has a clone followed (or its curve has reached 0), with the horizon marked."""
    colours = {"start": OKABE_ITO["sky_blue"], "never": OKABE_ITO["orange"]}
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for arm, sub in km.groupby("arm", sort=False):
        sub = sub.sort_values("time")
        end = float(sub["last_followed"].iloc[0])
        times = np.concatenate([[0.0], sub["time"].to_numpy(), [end]])
        surv = np.concatenate([[1.0], sub["survival"].to_numpy(), [sub["survival"].iloc[-1]]])
        keep = times <= end
        ax.step(times[keep], surv[keep], where="post", lw=2, color=colours[arm], label=labels[arm])
    ax.axvline(horizon, color="black", ls=":", lw=1)
    ax.text(horizon, 1.01, f" {horizon:g} months", va="bottom", fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    ax.set_xlabel("Months since the third course (time zero)")
    ax.set_ylabel("Overall survival (weighted)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig
