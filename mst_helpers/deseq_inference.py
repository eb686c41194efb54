"""A faster inference backend for pydeseq2: the same estimators, without the per-gene overhead.

pydeseq2 fits each gene in its own Python call (scikit-learn's ``LinearRegression`` for the
starting means, ``scipy.optimize.minimize`` for every dispersion and shrunken fold change, a
loop of small solves for IRLS and the Wald test), spread over processes with joblib. On the
book's 16,661 genes × 6 samples that costs about 55 s on two cores, against 6 s for R's DESeq2:
the time goes to call overhead, not arithmetic.

:class:`FastInference` is a drop-in ``pydeseq2.inference.Inference`` (pydeseq2's documented
extension point) that computes the same quantities with the same algorithms:

* starting means, IRLS and the Wald test are vectorised over genes (one least-squares solve,
  one batched Newton iteration, one batched inverse): the arithmetic of pydeseq2's loops, applied
  to all genes at once;
* dispersions (Cox–Reid-adjusted likelihood, with and without the prior) and apeglm-style
  shrunken fold changes keep pydeseq2's optimiser — SciPy's L-BFGS-B, same start, bounds and
  tolerances — but drive it through :func:`minimize_lbfgsb`, which runs L-BFGS-B's step routine
  for every gene in lock-step and evaluates the loss and gradient (pydeseq2's formulas) of all
  genes that need them in one vectorised call, instead of one ``minimize`` per gene.

Results agree with pydeseq2's ``DefaultInference`` to rounding (``tests/test_deseq_inference.py``
checks dispersions, fold changes and p-values gene by gene), and the DE calls on the book's
counts are the same. Starting means, IRLS, dispersions and the Wald test take any design;
shrinkage with other than two coefficients, one-sided Wald tests and non-default optimisers are
passed to ``DefaultInference`` unchanged.
"""

from __future__ import annotations

import warnings
from typing import Callable, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, psi
from scipy.stats import norm

from pydeseq2 import utils
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference

__all__ = ["FastInference", "FastDeseqDataSet", "minimize_lbfgsb"]

try:  # SciPy >= 1.15 exposes the C translation of L-BFGS-B's step routine with this signature.
    from scipy.optimize import _lbfgsb

    _SETULB = _lbfgsb.setulb
except ImportError:  # pragma: no cover - older or newer SciPy: fall back to scipy.optimize.minimize
    _SETULB = None

_FTOL = 2.2204460492503131e-09   # scipy.optimize.minimize's L-BFGS-B defaults
_GTOL = 1e-5


def minimize_lbfgsb(fun_and_grad: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
                    x0: np.ndarray, lower: np.ndarray | None = None, upper: np.ndarray | None = None, *,
                    ftol: float = _FTOL, gtol: float = _GTOL, maxiter: int = 15000, maxfun: int = 15000,
                    maxls: int = 20, maxcor: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Minimise many independent problems with L-BFGS-B, each exactly as
    ``scipy.optimize.minimize(method="L-BFGS-B")`` would.

    Every problem gets its own L-BFGS-B state and runs SciPy's driver loop (same step routine,
    start, bounds, tolerances and stopping rules), so each follows the iterates it would follow
    alone. The problems advance in lock-step: whenever some of them need the loss at a new point,
    one call of ``fun_and_grad`` evaluates all of those at once. That vectorised evaluation is
    where the time goes, instead of one Python call per problem and step.

    Parameters
    ----------
    fun_and_grad
        ``fun_and_grad(rows, X)`` returns the losses, shape ``(k,)``, and gradients, shape
        ``(k, n)``, of problems ``rows`` (indices) at points ``X``, shape ``(k, n)``.
    x0
        Starting points, shape ``(problems, n)`` (clipped to the bounds, as SciPy does).
    lower, upper
        Bounds per coordinate, shape ``(n,)``, shared by all problems (``±inf`` or ``None``: none).

    Returns
    -------
    x : ndarray
        The minimisers, shape ``(problems, n)``.
    success : ndarray of bool
        Whether L-BFGS-B reported convergence, per problem.

    Examples
    --------
    >>> quadratic = lambda rows, X: (((X - 2) ** 2).sum(axis=1), 2 * (X - 2))
    >>> x, ok = minimize_lbfgsb(quadratic, np.zeros((3, 1)))
    >>> np.round(x.ravel(), 6).tolist(), ok.tolist()
    ([2.0, 2.0, 2.0], [True, True, True])
    """
    x = np.array(x0, dtype=np.float64, ndmin=2)
    problems, n = x.shape
    lower = np.full(n, -np.inf) if lower is None else np.asarray(lower, dtype=np.float64)
    upper = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=np.float64)
    x = np.clip(x, lower, upper)
    if _SETULB is None:  # pragma: no cover - one scipy.optimize.minimize per problem
        success = np.zeros(problems, dtype=bool)
        for i in range(problems):
            res = minimize(lambda v: float(fun_and_grad(np.array([i]), v[None])[0][0]), x[i],
                           jac=lambda v: fun_and_grad(np.array([i]), v[None])[1][0], method="L-BFGS-B",
                           bounds=list(zip(lower, upper)), options={"ftol": ftol, "gtol": gtol, "maxiter": maxiter,
                                                                     "maxfun": maxfun, "maxls": maxls, "maxcor": maxcor})
            x[i], success[i] = res.x, res.success
        return x, success
    has_lower, has_upper = np.isfinite(lower), np.isfinite(upper)
    # L-BFGS-B's bound codes: 0 none, 1 lower only, 2 both, 3 upper only.
    nbd = np.where(has_lower & has_upper, 2, np.where(has_lower, 1, np.where(has_upper, 3, 0))).astype(np.int32)
    low_bnd = np.where(has_lower, lower, 0.0)
    upper_bnd = np.where(has_upper, upper, 0.0)
    m = maxcor
    factr = ftol / np.finfo(float).eps
    # One row of L-BFGS-B workspace per problem; the step routine updates the rows in place.
    wa = np.zeros((problems, 2 * m * n + 5 * n + 11 * m * m + 8 * m))
    iwa = np.zeros((problems, 3 * n), dtype=np.int32)
    task = np.zeros((problems, 2), dtype=np.int32)
    ln_task = np.zeros((problems, 2), dtype=np.int32)
    lsave = np.zeros((problems, 4), dtype=np.int32)
    isave = np.zeros((problems, 44), dtype=np.int32)
    dsave = np.zeros((problems, 29))
    # SciPy evaluates every problem once at its start when it sets it up, then re-uses that value.
    everyone = np.arange(problems)
    f, g = fun_and_grad(everyone, x.copy())
    f = np.asarray(f, dtype=np.float64).copy()
    g = np.array(g, dtype=np.float64, ndmin=2).reshape(problems, n).copy()
    evaluated_at = x.copy()
    nfev = np.ones(problems, dtype=np.int64)
    n_iterations = np.zeros(problems, dtype=np.int64)
    # Row views made once: the loop below runs a few hundred thousand times.
    rows_of = [(x[i], g[i], wa[i], iwa[i], task[i], lsave[i], isave[i], dsave[i], ln_task[i], evaluated_at[i])
               for i in range(problems)]
    running = list(everyone)
    while running:
        waiting = []
        for i in running:
            x_i, g_i, wa_i, iwa_i, task_i, lsave_i, isave_i, dsave_i, ln_task_i, at_i = rows_of[i]
            while True:
                _SETULB(m, x_i, low_bnd, upper_bnd, nbd, f[i], g_i, factr, gtol, wa_i, iwa_i, task_i, lsave_i,
                        isave_i, dsave_i, maxls, ln_task_i)
                state = task_i[0]
                if state == 3:        # the loss and gradient at x are wanted
                    if x_i.tobytes() == at_i.tobytes():
                        continue      # already known (SciPy re-uses it too)
                    waiting.append(i)
                    break
                if state == 1:        # a new iterate
                    n_iterations[i] += 1
                    if n_iterations[i] >= maxiter:
                        task_i[:] = 5, 504
                    elif nfev[i] > maxfun:
                        task_i[:] = 5, 502
                    continue
                break                 # converged, stopped or failed
        if waiting:
            rows = np.asarray(waiting)
            points = x[rows].copy()
            f[rows], g[rows] = fun_and_grad(rows, points)
            evaluated_at[rows] = points
            nfev[rows] += 1
        running = waiting
    return x, task[:, 0] == 4


def _nb_nll_by_gene(counts: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``utils.nb_nll`` for one gene (scalar dispersion), evaluated column by column."""
    n = counts.shape[0]
    alpha_neg1 = 1 / alpha
    logbinom = gammaln(counts + alpha_neg1) - gammaln(counts + 1) - gammaln(alpha_neg1)
    return n * alpha_neg1 * np.log(alpha) + (
        -logbinom + (counts + alpha_neg1) * np.log(alpha_neg1 + mu) - counts * np.log(mu)).sum(axis=0)


def _two_by_two(design_matrix: np.ndarray) -> bool:
    return design_matrix.ndim == 2 and design_matrix.shape[1] == 2


class FastInference(DefaultInference):
    """pydeseq2's default inference with the per-gene overhead removed (see the module docstring).

    Parameters are those of ``pydeseq2.default_inference.DefaultInference``; ``n_cpus`` only
    matters for the cases passed through to it (see the module docstring): the rest runs in
    one process, which on small designs is faster than spreading genes over several.

    Examples
    --------
    >>> from pydeseq2.dds import DeseqDataSet                       # doctest: +SKIP
    >>> dds = DeseqDataSet(counts=..., metadata=..., design="~condition",
    ...                    inference=FastInference())               # doctest: +SKIP
    """

    # ------------------------------------------------------------------ starting means
    def lin_reg_mu(self, counts: np.ndarray, size_factors: np.ndarray, design_matrix: np.ndarray,
                   min_mu: float) -> np.ndarray:
        """Least-squares means of the normalised counts on the design, all genes in one solve
        (pydeseq2: scikit-learn's ``LinearRegression(fit_intercept=False)`` gene by gene)."""
        from scipy.linalg import lstsq

        coefficients = lstsq(design_matrix, counts / size_factors[:, None])[0]
        return np.maximum(size_factors[:, None] * (design_matrix @ coefficients), min_mu)

    # ------------------------------------------------------------------ IRLS
    def irls(self, counts: np.ndarray, size_factors: np.ndarray, design_matrix: np.ndarray, disp: np.ndarray,
             min_mu: float, beta_tol: float, min_beta: float = -30, max_beta: float = 30,
             optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B", maxiter: int = 250):
        """pydeseq2's IRLS (``utils.irls_solver``) iterated for all genes at once; a gene that
        diverges or hits ``maxiter`` is refitted by ``irls_solver`` itself (its L-BFGS-B fallback)."""
        X = design_matrix
        n, p = X.shape
        if np.linalg.matrix_rank(X) != p:
            return super().irls(counts, size_factors, design_matrix, disp, min_mu, beta_tol, min_beta, max_beta,
                                optimizer, maxiter)
        G = counts.shape[1]
        sf = size_factors[:, None]
        q, r = np.linalg.qr(X)
        beta = np.linalg.solve(r, q.T @ np.log(counts / sf + 0.1)).T          # (G, p)
        ridge = np.diag(np.repeat(1e-6, p))
        mu = np.maximum(sf * np.exp(X @ beta.T), min_mu)                     # (n, G)
        dev = np.full(G, 1000.0)
        active = np.ones(G, dtype=bool)
        fallback = np.zeros(G, dtype=bool)
        iteration = 0
        while active.any():
            idx = np.flatnonzero(active)
            mu_a, y, d = mu[:, idx], counts[:, idx], disp[idx]
            W = mu_a / (1.0 + mu_a * d)
            z = np.log(mu_a / sf) + (y - mu_a) / mu_a
            H = np.einsum("ig,ij,ik->gjk", W, X, X) + ridge
            beta_hat = np.linalg.solve(H, np.einsum("ig,ij->gj", W * z, X)[:, :, None])[:, :, 0]
            iteration += 1
            diverged = (np.abs(beta_hat) > max_beta).any(axis=1) | (iteration >= maxiter)
            fallback[idx[diverged]] = True
            ok = idx[~diverged]
            beta[ok] = beta_hat[~diverged]
            mu[:, ok] = np.maximum(sf * np.exp(X @ beta[ok].T), min_mu)
            old_dev = dev[ok]
            dev[ok] = -2 * _nb_nll_by_gene(counts[:, ok], mu[:, ok], disp[ok])
            dev_ratio = np.abs(dev[ok] - old_dev) / (np.abs(dev[ok]) + 0.1)
            active[idx[diverged]] = False
            active[ok[dev_ratio <= beta_tol]] = False
        converged = np.ones(G, dtype=bool)
        W = mu / (1.0 + mu * disp)
        inverse = np.linalg.inv(np.einsum("ig,ij,ik->gjk", W, X, X) + ridge)
        hat = np.einsum("ij,gjk,ik->ig", X, inverse, X) * W
        mu_unthresholded = sf * np.exp(X @ beta.T)
        for i in np.flatnonzero(fallback):
            beta[i], mu_unthresholded[:, i], hat[:, i], converged[i] = utils.irls_solver(
                counts=counts[:, i], size_factors=size_factors, design_matrix=X, disp=disp[i], min_mu=min_mu,
                beta_tol=beta_tol, min_beta=min_beta, max_beta=max_beta, optimizer=optimizer, maxiter=maxiter)
        return beta, mu_unthresholded, hat, converged

    # ------------------------------------------------------------------ dispersions
    def alpha_mle(self, counts: np.ndarray, design_matrix: np.ndarray, mu: np.ndarray, alpha_hat: np.ndarray,
                  min_disp: float, max_disp: float, prior_disp_var: float | None = None, cr_reg: bool = True,
                  prior_reg: bool = False, optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B"):
        """Each gene's dispersion by L-BFGS-B on pydeseq2's loss (``utils.fit_alpha_mle``): the
        negative-binomial likelihood, Cox–Reid adjustment and (for MAP) the log-normal prior."""
        if optimizer != "L-BFGS-B" or not cr_reg:
            return super().alpha_mle(counts, design_matrix, mu, alpha_hat, min_disp, max_disp, prior_disp_var,
                                     cr_reg, prior_reg, optimizer)
        if prior_reg and prior_disp_var is None:
            raise ValueError("Sigma_prior is required for prior regularization")
        X = design_matrix
        n_samples = counts.shape[0]
        lgamma_y1 = gammaln(counts + 1)
        log_alpha_hat = np.log(alpha_hat)

        def loss_and_grad(rows: np.ndarray, log_alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            y, m, la = counts[:, rows], mu[:, rows], log_alpha[:, 0]
            alpha = np.exp(la)
            a_inv = 1 / alpha
            # utils.nb_nll, term for term
            logbinom = gammaln(y + a_inv) - lgamma_y1[:, rows] - gammaln(a_inv)
            nll = n_samples * a_inv * np.log(alpha) + (
                -logbinom + (y + a_inv) * np.log(a_inv + m) - y * np.log(m)).sum(axis=0)
            # utils.dnb_nll
            dnll = -(a_inv ** 2 * (psi(a_inv) - psi(y + a_inv) + np.log(1 + m * alpha)
                                   + (y - m) / (m + a_inv)).sum(axis=0))
            # Cox–Reid: 0.5 log det(X' W X), and its derivative 0.5 tr((X' W X)^-1 X' dW X)
            W = (m / (1 + m * alpha)).T                                   # (k, n)
            XtW = X.T[None, :, :] * W[:, None, :]                         # (k, p, n)
            information = XtW @ X
            loss = nll + 0.5 * np.linalg.slogdet(information)[1]
            d_information = (X.T[None, :, :] * -(W * W)[:, None, :]) @ X
            grad = alpha * dnll + 0.5 * (np.linalg.inv(information) * d_information).sum(axis=(1, 2)) * alpha
            if prior_reg:
                loss = loss + (la - log_alpha_hat[rows]) ** 2 / (2 * prior_disp_var)
                grad = grad + (la - log_alpha_hat[rows]) / prior_disp_var
            return loss, grad[:, None]

        x, converged = minimize_lbfgsb(loss_and_grad, log_alpha_hat[:, None], np.array([np.log(min_disp)]),
                                       np.array([np.log(max_disp)]))
        dispersions = np.exp(x[:, 0])
        for i in np.flatnonzero(~converged):   # pydeseq2's fallback: a grid search
            dispersions[i] = np.exp(utils.grid_fit_alpha(counts[:, i], X, mu[:, i], alpha_hat[i], min_disp,
                                                         max_disp))
        return dispersions, converged

    # ------------------------------------------------------------------ Wald test
    def wald_test(self, design_matrix: np.ndarray, disp: np.ndarray, lfc: np.ndarray, mu: np.ndarray,
                  ridge_factor: np.ndarray, contrast: np.ndarray, lfc_null: np.ndarray,
                  alt_hypothesis=None):
        """pydeseq2's Wald test (``utils.wald_test``) for all genes at once (two-sided only)."""
        if alt_hypothesis is not None:
            return super().wald_test(design_matrix, disp, lfc, mu, ridge_factor, contrast, lfc_null,
                                     alt_hypothesis)
        X = design_matrix
        contrast = np.asarray(contrast, dtype=float)
        W = mu / (1 + mu * disp)
        M = np.einsum("ig,ij,ik->gjk", W, X, X)
        Hc = np.linalg.inv(M + ridge_factor) @ contrast                       # (G, p)
        se = np.sqrt(np.einsum("gj,gjk,gk->g", Hc, M, Hc))
        stat = (lfc - lfc_null) @ contrast / se
        return 2 * norm.sf(np.abs(stat)), stat, se

    # ------------------------------------------------------------------ apeglm-style shrinkage
    def lfc_shrink_nbinom_glm(self, design_matrix: np.ndarray, counts: np.ndarray, size: np.ndarray,
                              offset: np.ndarray, prior_no_shrink_scale: float, prior_scale: float,
                              optimizer: str, shrink_index: int):
        """Each gene's shrunken coefficients by L-BFGS-B on pydeseq2's apeglm-style posterior
        (``utils.nbinomGLM``: same start, scaling, tolerances and grid fallback)."""
        if optimizer != "L-BFGS-B" or not _two_by_two(design_matrix):
            return super().lfc_shrink_nbinom_glm(design_matrix, counts, size, offset, prior_no_shrink_scale,
                                                 prior_scale, optimizer, shrink_index)
        X = design_matrix
        p = X.shape[1]
        shrink_mask = np.zeros(p)
        shrink_mask[shrink_index] = 1
        no_shrink_mask = 1 - shrink_mask
        beta_init = np.ones(p) * 0.1 * (-1) ** np.arange(p)
        log_size = np.log(size)
        off = offset[:, None]

        def value(rows: np.ndarray, B: np.ndarray, xbeta: np.ndarray) -> np.ndarray:   # utils.nbinomFn
            y, s = counts[:, rows], size[rows]
            prior = ((B * no_shrink_mask) ** 2 / (2 * prior_no_shrink_scale ** 2)).sum(axis=1) + np.log1p(
                (B[:, shrink_index] / prior_scale) ** 2)
            nll = (y * xbeta - (y + s) * np.logaddexp(xbeta + off, log_size[rows])).sum(axis=0)
            return prior - nll

        everyone = np.arange(counts.shape[1])
        scale = np.maximum(value(everyone, np.zeros((len(everyone), p)), np.zeros((len(X), len(everyone)))), 1)

        def loss_and_grad(rows: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            y, s = counts[:, rows], size[rows]
            xbeta = X @ B.T
            d_neg_prior = (B * no_shrink_mask / prior_no_shrink_scale ** 2
                           + 2 * B * shrink_mask / (prior_scale ** 2 + B[:, [shrink_index]] ** 2))
            d_nll = (y - (y + s) / (1 + s * np.exp(-xbeta - off))).T @ X
            return value(rows, B, xbeta) / scale[rows], (d_neg_prior - d_nll) / scale[rows, None]

        lfcs, converged = minimize_lbfgsb(loss_and_grad, np.tile(beta_init, (len(everyone), 1)), ftol=1e-8,
                                          gtol=1e-8)
        for i in np.flatnonzero(~converged):   # pydeseq2's fallback: a grid search
            lfcs[i] = utils.grid_fit_shrink_beta(counts[:, i], offset, X, size[i], prior_no_shrink_scale,
                                                 prior_scale, scale[i], grid_length=60, min_beta=-30, max_beta=30)
        # utils.nbinomGLM's Hessian at the optimum (unscaled), inverted
        exp_xbeta_off = np.exp(X @ lfcs.T + off)
        frac = (counts + size) * size * exp_xbeta_off / (size + exp_xbeta_off) ** 2
        h22 = 2 * (prior_scale ** 2 - lfcs[:, shrink_index] ** 2) / (prior_scale ** 2 + lfcs[:, shrink_index] ** 2) ** 2
        # nbinomGLM adds the prior's diagonal as a row vector (np.diag of np.diag): kept as it is.
        prior_diagonal = no_shrink_mask * (1 / prior_no_shrink_scale ** 2) + shrink_mask * h22[:, None]
        hessians = np.einsum("ig,ij,ik->gjk", frac, X, X) + prior_diagonal[:, None, :]
        return lfcs, np.linalg.inv(hessians), converged


class FastDeseqDataSet(DeseqDataSet):
    """pydeseq2's ``DeseqDataSet`` with its parametric dispersion trend fitted without a Python
    loop over genes.

    pydeseq2 drops genes whose trend covariate 1/mean is infinite or missing one ``.loc`` at a
    time (1.7 s of a 5 s fit on 16,661 genes); here one mask does it. The gamma-GLM iterations,
    the outlier filter between them, the convergence rule and the fallback to a mean trend are
    pydeseq2's (0.5.x, MIT licence), unchanged; the fitted trend is identical (tested).
    """

    def _fit_parametric_dispersion_trend(self, vst: bool = False):
        disp_param_name = "vst_genewise_dispersions" if vst else "genewise_dispersions"
        if disp_param_name not in self.var:
            self.fit_genewise_dispersions(vst)
        targets = pd.Series(self.var.loc[self.non_zero_genes, disp_param_name].copy(), index=self.non_zero_genes)
        covariates = pd.Series(1 / self.var.loc[self.non_zero_genes, "_normed_means"], index=self.non_zero_genes)
        finite = np.isfinite(covariates.to_numpy(dtype=float))   # pydeseq2: isinf or isnan, gene by gene
        targets, covariates = targets[finite], covariates[finite]

        old_coeffs: np.ndarray | pd.Series = pd.Series([0.1, 0.1])
        coeffs: np.ndarray | pd.Series = pd.Series([1.0, 1.0])
        while (coeffs > 1e-10).all() and (np.log(np.abs(coeffs / old_coeffs)) ** 2).sum() >= 1e-6:
            old_coeffs = coeffs
            coeffs, predictions, converged = self.inference.dispersion_trend_gamma_glm(covariates, targets)
            if not converged or (coeffs <= 1e-10).any():
                warnings.warn("The dispersion trend curve fitting did not converge. Switching to a mean-based "
                              "dispersion trend.", UserWarning, stacklevel=2)
                self._fit_mean_dispersion_trend(vst)
                return
            # Filter out genes that are too far away from the curve before refitting
            pred_ratios = self.var.loc[covariates.index, disp_param_name] / predictions
            far = (pred_ratios < 1e-4) | (pred_ratios >= 15)
            targets = targets.drop(targets[far].index)
            covariates = covariates.drop(covariates[far].index)

        if vst:
            self.uns["vst_trend_coeffs"] = pd.Series(coeffs, index=["a0", "a1"])
        else:
            self.uns["trend_coeffs"] = pd.Series(coeffs, index=["a0", "a1"])
            self.var["fitted_dispersions"] = np.full(self.n_vars, np.nan)
            self.uns["disp_function_type"] = "parametric"
            self.var.loc[self.var["non_zero"], "fitted_dispersions"] = self.disp_function(
                self.var.loc[self.var["non_zero"], "_normed_means"])
