"""Profile-likelihood intervals for a one-covariate Cox model, finite even under separation.

When one group has no events the Cox estimate runs off to ±∞ and its Wald interval is
meaningless. The likelihood still says which values are compatible with the data: the 95%
profile-likelihood interval is every β with ``2 (ℓ_max − ℓ(β)) ≤ χ²₁(0.95)``, where ``ℓ`` is the
log partial likelihood (Efron ties) and ``ℓ_max`` its maximum — under separation its supremum,
reached as β → ±∞, so the interval is open on that side.
R equivalent: ``coxph(..., init = b, control = coxph.control(iter.max = 0))$loglik[2]`` for ``ℓ(b)``
and ``uniroot`` for the bounds (``tests/fixtures/survival/cox_extras_reference.R``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

__all__ = ["log_partial_likelihood", "ProfileInterval", "profile_interval"]


def log_partial_likelihood(beta: float, time, event, x) -> float:
    """Efron log partial likelihood of a one-covariate Cox model at ``beta``."""
    time, event, x = (np.asarray(a, dtype=float) for a in (time, event, x))
    eta = beta * x
    # Shift by the maximum for numerical stability; the shift cancels in the likelihood.
    shift = eta.max()
    risk = np.exp(eta - shift)
    total = 0.0
    for t in np.unique(time[event == 1]):
        dead = (time == t) & (event == 1)
        d = int(dead.sum())
        at_risk = risk[time >= t].sum()
        tied = risk[dead].sum()
        total += (eta[dead] - shift).sum() - sum(math.log(at_risk - k / d * tied) for k in range(d))
    return float(total)


@dataclass(frozen=True)
class ProfileInterval:
    """The maximum (or supremum) of the log partial likelihood, the estimate (``nan`` when
    separated) and the 95% profile-likelihood bounds on the coefficient scale (±inf when open)."""

    coef: float
    loglik_max: float
    lower: float
    upper: float
    separated: bool


def profile_interval(time, event, x, level: float = 0.95, far: float = 50.0) -> ProfileInterval:
    """Profile-likelihood interval for the coefficient of ``x``.

    ``far`` is the coefficient at which the likelihood is taken as flat when the data are
    separated (a covariate on a 0/1 scale; at ``|β| = 50`` the remaining change is ~1e-20).
    """
    def ll(b):
        return log_partial_likelihood(b, time, event, x)

    crit = stats.chi2.ppf(level, 1) / 2
    best = optimize.minimize_scalar(lambda b: -ll(b), bounds=(-far, far), method="bounded",
                                    options={"xatol": 1e-12})
    coef, top = float(best.x), -float(best.fun)
    # Separated: the likelihood is still (within 1e-6) at its top far out on one side.
    edge = max(ll(far), ll(-far))
    if edge >= top - 1e-6:
        side = 1.0 if ll(far) > ll(-far) else -1.0
        coef, top = math.nan, edge
        finite = optimize.brentq(lambda b: top - ll(b) - crit, -side * far, side * far * 0.999, xtol=1e-12)
        lower, upper = (finite, math.inf) if side > 0 else (-math.inf, finite)
        return ProfileInterval(coef, top, lower, upper, True)
    def gap(b):
        return top - ll(b) - crit

    step = 1.0
    while gap(coef - step) < 0:
        step *= 2
    lower = optimize.brentq(gap, coef - step, coef, xtol=1e-12)
    step = 1.0
    while gap(coef + step) < 0:
        step *= 2
    upper = optimize.brentq(gap, coef, coef + step, xtol=1e-12)
    return ProfileInterval(coef, top, float(lower), float(upper), False)
