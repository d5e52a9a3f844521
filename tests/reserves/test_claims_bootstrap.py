"""ODP bootstrap of the chain ladder IBNR (reserva.reserves.claims.triangles.bootstrap_odp).

Golden figures: chainladder 0.10's own BootstrapODPSample example on RAA (n_sims=100,
random_state=42: total IBNR mean 51,301.13, population std 16,149.47); R ChainLadder
``MackChainLadder(RAA)``: IBNR 52,135, Mack S.E. 26,909; the analytic ODP prediction error of
England & Verrall (2002) §7 computed below by a slow reference. Metamorphic: same seed gives
identical results, scaling the triangle by k scales every figure by k, a batch of segments
gives each segment's figures alone. The hat-matrix adjustment is chainladder's own, except at
the cells of leverage 1, where chainladder 0.10 reads uninitialised memory.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from reserva.errors import AssumptionError, InputError
from reserva.reserves.claims.triangles import _cl_triangle, _hat_adjustment, bootstrap_odp
from tests.test_cli_ibnr import RAA

RAA_CL_IBNR = 52135.0  # R ChainLadder MackChainLadder(RAA), printed to the unit
RAA_MACK_SE = 26909.0


def dense(rows) -> np.ndarray:
    n = len(rows)
    C = np.full((1, n, n), np.nan)
    for o, row in enumerate(rows):
        C[0, o, : len(row)] = row
    return C


def taylor_ashe() -> np.ndarray:
    import chainladder as cl  # only to load the published sample triangle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(cl.load_sample("genins").values, dtype=float)[0, 0][None]


def odp_prediction_error(C: np.ndarray) -> tuple[float, float]:
    """(sqrt(phi R + g' Cov(beta) g), phi): the analytic prediction error of the ODP chain ladder.

    England & Verrall (2002) §7.2 (Renshaw 1994): log m[o, d] = c + a_o + b_d on the known
    incrementals, fitted values = the chain ladder's expected incrementals; phi = Pearson
    chi^2 / (N - p); Cov(beta) = phi (X' diag(m) X)^-1; R = sum of the future m;
    g = X_future' m_future (delta method). Written out cell by cell, no code under test.
    """
    n = C.shape[0]
    inc = np.diff(np.concatenate([np.zeros((n, 1)), C], axis=1), axis=1)
    f = [np.nansum(C[: n - 1 - d, d + 1]) / np.nansum(C[: n - 1 - d, d]) for d in range(n - 1)]
    cdf = np.append(np.cumprod(f[::-1])[::-1], 1.0)
    latest = np.array([C[o, n - 1 - o] for o in range(n)])
    ultimate = latest * cdf[n - 1 - np.arange(n)]
    share = np.diff(np.concatenate([[0.0], 1.0 / cdf]))
    m = ultimate[:, None] * share[None, :]

    def design(cells):
        X = np.zeros((len(cells), 2 * n - 1))
        for k, (o, d) in enumerate(cells):
            X[k, 0] = 1.0
            if o > 0:
                X[k, o] = 1.0
            if d > 0:
                X[k, n - 1 + d] = 1.0
        return X

    past = [(o, d) for o in range(n) for d in range(n) if o + d < n]
    future = [(o, d) for o in range(n) for d in range(n) if o + d >= n]
    X, Xf = design(past), design(future)
    mp = np.array([m[c] for c in past])
    y = np.array([inc[c] for c in past])
    phi = np.sum((y - mp) ** 2 / mp) / (len(past) - X.shape[1])
    cov = phi * np.linalg.inv(X.T @ (mp[:, None] * X))
    mf = np.array([m[c] for c in future])
    g = Xf.T @ mf
    return float(np.sqrt(phi * mf.sum() + g @ cov @ g)), float(phi)


def test_raa_mean_matches_chainladders_documented_run():
    # chainladder 0.10 BootstrapODPSample docstring: RAA, n_sims=100, random_state=42, then
    # Chainladder().ibnr_.sum('origin'): mean 51301.13, std 16149.47 (population, ddof 0);
    # its scale_ (phi) 983.64 checks the analytic reference below
    b = bootstrap_odp(dense(RAA), n_sims=100, seed=42)
    assert b.mean[0] == pytest.approx(51301.13, abs=0.01)
    assert b.std[0] * np.sqrt(99 / 100) == pytest.approx(16149.47, abs=0.01)


def test_raa_distribution_against_chain_ladder_mack_and_analytic_odp():
    b = bootstrap_odp(dense(RAA), n_sims=1000, seed=42)
    # Mean: Monte Carlo error ~ std / sqrt(1000) ~ 1.2 %, plus the bootstrap's small upward
    # bias (chain ladder factors of resampled triangles are ratios); over seeds 1..30 the mean
    # was 1.006 .. 1.058 x 52,135. Band +-8 %.
    assert abs(b.mean[0] / RAA_CL_IBNR - 1) < 0.08
    # Std: the ODP model has one scale parameter for all lags, while Mack's sigma_d follows
    # RAA's very volatile early development, so the ODP error is smaller than Mack's: the
    # analytic ODP prediction error is 17,613 = 0.65 x 26,909. Over seeds 1..30 the bootstrap
    # std was 0.66 .. 0.72 x Mack and 1.01 .. 1.09 x the analytic ODP figure (the hat-matrix
    # standardised residuals and the gamma process error add a little). Bands: 0.55 .. 0.85 x
    # Mack; 0.95 .. 1.2 x analytic ODP (unstandardised residuals give 0.90 .. 0.94 x,
    # process error alone ~0.41 x, a Mack-sized error 1.5 x: all outside).
    ratio_mack = b.std[0] / RAA_MACK_SE
    assert 0.55 < ratio_mack < 0.85
    analytic, phi = odp_prediction_error(dense(RAA)[0])
    assert phi == pytest.approx(983.64, abs=0.005)  # the reference's phi = chainladder's scale_
    assert 0.95 < b.std[0] / analytic < 1.2
    p75, p95, p995 = b.total_quantiles[0]
    assert b.percentiles == (75.0, 95.0, 99.5)
    assert p75 < p95 < p995
    assert b.mean[0] < p95  # right-skewed: the 95th percentile lies well above the mean
    # the origins' mean IBNR adds up to the total's mean; the oldest origin is fully developed
    assert b.by_origin_mean[0].sum() == pytest.approx(b.mean[0], rel=1e-12)
    assert b.by_origin_mean[0, 0] == 0.0


def test_same_seed_identical_other_seed_different():
    C = dense(RAA)
    a = bootstrap_odp(C, n_sims=200, seed=7)
    b = bootstrap_odp(C, n_sims=200, seed=7)
    c = bootstrap_odp(C, n_sims=200, seed=8)
    for field in ("mean", "std", "total_quantiles", "by_origin_mean"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
        assert not np.array_equal(getattr(a, field), getattr(c, field))
    assert (a.n_sims, a.seed, c.seed) == (200, 7, 8)


def test_batched_segments_give_each_segment_alone():
    both = np.concatenate([dense(RAA), taylor_ashe()])
    batch = bootstrap_odp(both, n_sims=200, seed=3)
    for s in range(2):
        alone = bootstrap_odp(both[s : s + 1], n_sims=200, seed=3)
        for field in ("mean", "std", "total_quantiles", "by_origin_mean"):
            assert np.array_equal(getattr(batch, field)[s], getattr(alone, field)[0])
    assert batch.mean[1] > 10 * batch.mean[0]  # Taylor-Ashe's IBNR is ~18.7 million


@pytest.mark.parametrize("k", [1000.0, 0.37])
def test_scaling_the_triangle_scales_every_figure(k):
    C = dense(RAA)
    a = bootstrap_odp(C, n_sims=200, seed=11)
    b = bootstrap_odp(C * k, n_sims=200, seed=11)
    for field in ("mean", "std", "total_quantiles", "by_origin_mean"):
        np.testing.assert_allclose(getattr(b, field), k * getattr(a, field), rtol=1e-9, atol=1e-9)


def test_a_zero_cumulative_cell_is_kept_as_data():
    # chainladder would read the 0 as missing and drop the cell (its residual, its pair in the
    # factors): the zero guard keeps it, so the result is continuous in the cell's value (a
    # tiny positive value gives the same figures; dropping the cell moves them by 2-6 %)
    zero, tiny = dense(RAA), dense(RAA)
    zero[0, 1, 0], tiny[0, 1, 0] = 0.0, 1e-4
    a = bootstrap_odp(zero, n_sims=300, seed=5)
    b = bootstrap_odp(tiny, n_sims=300, seed=5)
    for field in ("mean", "std", "total_quantiles"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-6)


def test_hat_adjustment_is_chainladders_with_the_leverage_one_cells_at_zero():
    # Shapland (2016) eq. 3.23: a = 1 / sqrt(1 - h_ii) >= 1 on the known cells; the two corner
    # cells (the only cell of the latest origin and of the last lag) have h = 1: a = 0 there,
    # where chainladder's np.divide(where=...) without out= leaves whatever was in memory
    import chainladder as cl

    for C in (dense(RAA), taylor_ashe()):
        tri = _cl_triangle(C, ~np.isnan(C[0]), 12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = cl.BootstrapODPSample(n_sims=2, random_state=1).fit(tri)
        expected = np.where(np.isnan(C[0]), np.nan, 1.0)  # only its NaN pattern is used here
        ours = _hat_adjustment(theirs.design_matrix_, _expected_incrementals(C[0]) * expected)
        corners = np.zeros((10, 10), dtype=bool)
        corners[0, 9] = corners[9, 0] = True
        assert np.array_equal(np.isnan(ours), np.isnan(C[0]))
        assert (ours[corners] == 0).all()
        inside = ~np.isnan(C[0]) & ~corners
        assert (ours[inside] >= 1).all()
        np.testing.assert_allclose(ours[inside], theirs.hat_[inside], rtol=1e-12)


def _expected_incrementals(C: np.ndarray) -> np.ndarray:
    """m[o, d] = ultimate_o x (1 / CDF_d - 1 / CDF_(d-1)), the chain ladder's fitted incrementals."""
    n = C.shape[0]
    f = [np.nansum(C[: n - 1 - d, d + 1]) / np.nansum(C[: n - 1 - d, d]) for d in range(n - 1)]
    cdf = np.append(np.cumprod(f[::-1])[::-1], 1.0)
    ultimate = np.array([C[o, n - 1 - o] for o in range(n)]) * cdf[n - 1 - np.arange(n)]
    return ultimate[:, None] * np.diff(np.concatenate([[0.0], 1.0 / cdf]))[None, :]


def refused(C, error=InputError, **kw) -> str:
    with pytest.raises(error) as err:
        bootstrap_odp(C, **{"n_sims": 10, "seed": 1, **kw})
    return "\n".join(err.value.lines())


def test_bad_triangles_and_parameters_are_refused():
    C = dense(RAA)
    assert "10 origins x 6 lags', expected a square triangle" in refused(C[:, :, :6])
    hole = C.copy()
    hole[0, 2, 3] = np.nan
    assert "[0, 2, 3] = nan'" in refused(hole) and "(fix: a cell inside the triangle" in refused(hole)
    below = np.where(np.isnan(C), 0.0, C)
    assert "[0, 1, 9] = 0.0'" in refused(below)
    assert "expected at least 3 origins" in refused(dense([[1.0, 2.0], [1.0]]))
    # chainladder leaves the process error unseeded at seed 0
    assert "seed must be a whole number 1 .." in refused(C, AssumptionError, seed=0)
    assert "n_sims must be a whole number >= 2" in refused(C, AssumptionError, n_sims=1)
