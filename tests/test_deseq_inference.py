"""FastInference against pydeseq2's DefaultInference, and the batched L-BFGS-B driver against SciPy.

The claim of ``mst_helpers.deseq_inference`` is "the same estimators, without the overhead":
each method is compared with pydeseq2's own on the same inputs, and the driver with
``scipy.optimize.minimize(method="L-BFGS-B")`` on the same losses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from mst_helpers import transcriptomics as tx
from mst_helpers.deseq_inference import FastInference, minimize_lbfgsb

from .conftest import ROOT

DATA = ROOT / "data" / "transcriptomics"


def _scipy(fun, grad, x0, bounds=None, **options):
    return minimize(fun, x0, jac=grad, method="L-BFGS-B", bounds=bounds, options=options or None)


def test_driver_follows_scipy_exactly_on_rosenbrock():
    """Unbounded 2-D problems from several starts: the same iterates, so the same answer to the bit."""
    starts = np.array([[-1.2, 1.0], [0.0, 0.0], [2.0, -1.5], [1.1, 1.2]])

    def batch(rows, X):
        a, b = X[:, 0], X[:, 1]
        f = 100 * (b - a ** 2) ** 2 + (1 - a) ** 2
        g = np.c_[-400 * a * (b - a ** 2) - 2 * (1 - a), 200 * (b - a ** 2)]
        return f, g

    x, ok = minimize_lbfgsb(batch, starts)
    for start, mine, converged in zip(starts, x, ok):
        res = _scipy(lambda v: batch(None, v[None])[0][0], lambda v: batch(None, v[None])[1][0], start)
        np.testing.assert_array_equal(mine, res.x)
        assert converged == res.success


def test_driver_respects_bounds_and_tolerances_like_scipy():
    """One-dimensional bounded problems, some with the optimum outside the bounds, tight tolerances."""
    targets = np.array([-3.0, 0.5, 4.0, 9.0])
    lower, upper = np.array([-1.0]), np.array([5.0])

    def batch(rows, X):
        t = targets[rows]
        return np.cosh(X[:, 0] - t), np.sinh(X[:, 0] - t)[:, None]

    x, ok = minimize_lbfgsb(batch, np.zeros((4, 1)), lower, upper, ftol=1e-10, gtol=1e-9)
    for i, t in enumerate(targets):
        res = _scipy(lambda v: np.cosh(v[0] - t), lambda v: np.array([np.sinh(v[0] - t)]), [0.0],
                     bounds=[(-1.0, 5.0)], ftol=1e-10, gtol=1e-9)
        np.testing.assert_array_equal(x[i], res.x)
        assert ok[i] == res.success
    np.testing.assert_allclose(x[:, 0], np.clip(targets, -1, 5), atol=1e-6)


def test_driver_reports_an_iteration_limit_as_failure():
    x, ok = minimize_lbfgsb(lambda rows, X: ((X ** 4).sum(axis=1), 4 * X ** 3), np.array([[3.0, -2.0]]), maxiter=2)
    res = _scipy(lambda v: (v ** 4).sum(), lambda v: 4 * v ** 3, [3.0, -2.0], maxiter=2)
    np.testing.assert_array_equal(x[0], res.x)
    assert not ok[0] and not res.success


@pytest.fixture(scope="module")
def small_problem():
    """400 genes of the committed counts (every 40th, so all expression levels), with the
    size factors and design pydeseq2 uses."""
    counts, samples = tx.load_counts(DATA / "counts.csv.gz", DATA / "samples.csv")
    matrix = counts.loc[counts.sum(axis=1) >= 10, samples["sample"]].iloc[::40]
    y = matrix.to_numpy(dtype=float).T
    design = np.c_[np.ones(len(samples)), (samples["condition"] == "AML").to_numpy(dtype=float)]
    with np.errstate(divide="ignore"):
        log_geomeans = np.log(y).mean(axis=0)
    usable = np.isfinite(log_geomeans)
    size_factors = np.exp(np.median(np.log(y[:, usable]) - log_geomeans[usable], axis=1))
    return y, design, size_factors


def _default():
    from pydeseq2.default_inference import DefaultInference

    return DefaultInference(n_cpus=1)


def test_starting_means_equal_pydeseq2(small_problem):
    y, design, sf = small_problem
    np.testing.assert_allclose(FastInference().lin_reg_mu(y, sf, design, 0.5), _default().lin_reg_mu(y, sf, design, 0.5),
                               rtol=1e-12)


@pytest.mark.parametrize("prior", [False, True], ids=["genewise", "MAP"])
def test_dispersions_equal_pydeseq2(small_problem, prior):
    y, design, sf = small_problem
    mu = _default().lin_reg_mu(y, sf, design, 0.5)
    alpha_hat = np.clip((y.var(axis=0) - y.mean(axis=0)) / y.mean(axis=0) ** 2, 0.01, 5)
    kwargs = dict(counts=y, design_matrix=design, mu=mu, alpha_hat=alpha_hat, min_disp=1e-8, max_disp=10.0,
                  prior_disp_var=0.4 if prior else None, prior_reg=prior)
    fast, fast_ok = FastInference().alpha_mle(**kwargs)
    slow, slow_ok = _default().alpha_mle(**kwargs)
    np.testing.assert_allclose(fast, slow, rtol=1e-6)
    np.testing.assert_array_equal(fast_ok, slow_ok)


@pytest.mark.parametrize("maxiter", [250, 3], ids=["converging", "falling-back"])
def test_irls_and_wald_equal_pydeseq2(small_problem, maxiter):
    """With pydeseq2's iteration limit, and with one so low that most genes hit it and fall back
    to irls_solver's L-BFGS-B."""
    y, design, sf = small_problem
    disp = np.full(y.shape[1], 0.1)
    fast = FastInference().irls(y, sf, design, disp, 0.5, 1e-8, maxiter=maxiter)
    slow = _default().irls(y, sf, design, disp, 0.5, 1e-8, maxiter=maxiter)
    for mine, theirs in zip(fast, slow):
        np.testing.assert_allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float), rtol=1e-6,
                                   atol=1e-9)
    lfc, mu = fast[0], fast[1]
    ridge = np.diag([1e-6, 1e-6])
    contrast = np.array([0.0, 1.0])
    for mine, theirs in zip(FastInference().wald_test(design, disp, lfc, mu, ridge, contrast, 0.0),
                            _default().wald_test(design, disp, lfc, mu, ridge, contrast, 0.0)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9)


def test_shrinkage_equals_pydeseq2(small_problem):
    y, design, sf = small_problem
    size = 1 / np.linspace(0.02, 0.6, y.shape[1])
    kwargs = dict(design_matrix=design, counts=y, size=size, offset=np.log(sf), prior_no_shrink_scale=15.0,
                  prior_scale=0.4, optimizer="L-BFGS-B", shrink_index=1)
    for mine, theirs in zip(FastInference().lfc_shrink_nbinom_glm(**kwargs), _default().lfc_shrink_nbinom_glm(**kwargs)):
        np.testing.assert_allclose(np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float), rtol=1e-7,
                                   atol=1e-12)


def test_a_three_group_design_gives_pydeseq2s_answers(small_problem):
    """The vectorised IRLS and dispersions are not limited to two coefficients."""
    y, _, sf = small_problem
    design = np.c_[np.ones(6), [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1]].astype(float)
    disp = np.full(y.shape[1], 0.2)
    fast = FastInference().irls(y, sf, design, disp, 0.5, 1e-8)
    slow = _default().irls(y, sf, design, disp, 0.5, 1e-8)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-6, atol=1e-9)
    kwargs = dict(counts=y, design_matrix=design, mu=fast[1], alpha_hat=disp, min_disp=1e-8, max_disp=10.0)
    np.testing.assert_allclose(FastInference().alpha_mle(**kwargs)[0], _default().alpha_mle(**kwargs)[0], rtol=1e-6)


def test_the_whole_fit_matches_pydeseq2_on_the_sample(small_problem):
    """DeseqDataSet + DeseqStats end to end, both backends: the same calls and near-equal numbers."""
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.ds import DeseqStats

    y, design, _ = small_problem
    metadata = pd.DataFrame({"condition": np.where(design[:, 1] == 1, "AML", "Control")},
                            index=[f"s{i}" for i in range(6)])
    counts = pd.DataFrame(y, index=metadata.index, columns=[f"g{j}" for j in range(y.shape[1])])
    tables = []
    for inference in (FastInference(), _default()):
        dds = DeseqDataSet(counts=counts, metadata=metadata, design="~condition", inference=inference, quiet=True)
        dds.deseq2()
        stats = DeseqStats(dds, contrast=["condition", "AML", "Control"], inference=inference, quiet=True)
        stats.summary()
        tables.append(stats.results_df)
    fast, slow = tables
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-5)
    assert (tx.call_degs(fast) == tx.call_degs(slow)).all()


def test_the_vectorised_dispersion_trend_is_pydeseq2s():
    """FastDeseqDataSet's parametric trend (one mask instead of a loop over genes) gives pydeseq2's
    coefficients and fitted dispersions exactly, on all genes that pass the filter, one of them
    all-zero (which pydeseq2 leaves out of the trend)."""
    from pydeseq2.dds import DeseqDataSet

    from mst_helpers.deseq_inference import FastDeseqDataSet

    counts, samples = tx.load_counts(DATA / "counts.csv.gz", DATA / "samples.csv")
    matrix = counts.loc[counts.sum(axis=1) >= 10, samples["sample"]].iloc[::8].T.copy()
    matrix.iloc[:, 0] = 0
    metadata = samples.set_index("sample")[["condition"]]
    fits = []
    for cls in (FastDeseqDataSet, DeseqDataSet):
        dds = cls(counts=matrix, metadata=metadata, design="~condition", inference=FastInference(), quiet=True)
        dds.fit_size_factors()
        dds.fit_genewise_dispersions()
        dds.fit_dispersion_trend()
        fits.append(dds)
    fast, slow = fits
    pd.testing.assert_series_equal(fast.uns["trend_coeffs"], slow.uns["trend_coeffs"], check_exact=True)
    np.testing.assert_array_equal(fast.var["fitted_dispersions"].to_numpy(), slow.var["fitted_dispersions"].to_numpy())
    assert fast.uns["disp_function_type"] == "parametric"
