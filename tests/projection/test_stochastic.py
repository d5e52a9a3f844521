"""Stochastic claims (reserva.projection.stochastic): the kernel tied to the slow reference on the
same seed (tests/projection/stochastic_reference.py), the Monte Carlo moments against the compound
distribution's formulas within stated standard errors, seeds and blocks, VaR/TVaR worked by hand.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError
from reserva.io.assumptions import ProjectionBasis
from reserva.io.settings import parse_settings
from reserva.projection import stochastic as sc
from tests.projection import stochastic_reference as ref

MODELS = [("poisson", "lognormal"), ("poisson", "gamma"), ("negbin", "lognormal"),
          ("negbin", "gamma")]


# ---------------------------------------------------------------------------- the reference

@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 3), h=st.integers(1, 4), n_sims=st.integers(1, 6),
       seed=st.integers(1, 2**32 - 2), models=st.sampled_from(MODELS),
       dispersion=st.sampled_from([0.0, 0.2, 1.5]), cv=st.sampled_from([0.0, 0.3, 1.0, 2.5]),
       shock=st.sampled_from([None, 0.0, 0.4]), data=st.data())
def test_the_kernel_agrees_with_the_slow_reference_on_the_same_seed(
        k, h, n_sims, seed, models, dispersion, cv, shock, data):
    mu = data.draw(st.lists(st.lists(st.floats(0, 8), min_size=h, max_size=h), min_size=k,
                            max_size=k))
    x = data.draw(st.lists(st.floats(1, 1000), min_size=k, max_size=k))
    kw = dict(n_sims=n_sims, seed=seed, count_model=models[0], dispersion=dispersion,
              severity_model=models[1], severity_cv=cv, common_shock=shock)
    fast = sc.simulate_claims(mu, x, **kw)
    slow = np.array(ref.simulate(mu, x, **kw))
    assert fast.shape == (n_sims, k, h)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-9)


def test_a_fixed_seed_gives_identical_results_and_another_seed_others():
    mu, x = np.full((5, 12), 3.0), np.full(5, 100.0)
    kw = dict(n_sims=200, count_model="negbin", dispersion=0.1, common_shock=0.3)
    a = sc.simulate_claims(mu, x, seed=7, **kw)
    assert np.array_equal(a, sc.simulate_claims(mu, x, seed=7, **kw))
    assert not np.array_equal(a, sc.simulate_claims(mu, x, seed=8, **kw))


@pytest.mark.parametrize("block", [1, 5, 64, sc.CHUNK_CLAIMS])
def test_the_block_size_of_the_lognormal_draws_does_not_change_results(block):
    mu, x = np.array([[4.0, 0.0, 9.0], [2.5, 6.0, 1.0]]), np.array([50.0, 400.0])
    kw = dict(n_sims=300, seed=11, count_model="negbin", dispersion=0.5, severity_cv=1.2)
    whole = sc.simulate_claims(mu, x, chunk_claims=10**9, **kw)
    assert np.array_equal(sc.simulate_claims(mu, x, chunk_claims=block, **kw), whole)


def test_months_takes_the_first_months_and_a_product_without_claims_has_none():
    mu = np.array([[2.0, 3.0, 4.0], [0.0, 0.0, 0.0]])
    out = sc.simulate_claims(mu, [10.0, 20.0], n_sims=50, seed=1, months=2)
    assert out.shape == (50, 2, 2)
    assert np.all(out[:, 1, :] == 0)
    # a fixed claim amount (cv 0): S = N x, a whole multiple of 10
    fixed = sc.simulate_claims(mu, [10.0, 20.0], n_sims=50, seed=1, severity_cv=0)
    assert np.array_equal(fixed % 10, np.zeros_like(fixed))


@pytest.mark.parametrize("bad", [
    dict(expected_count=[1.0, 2.0]), dict(expected_count=[[-1.0]]), dict(severity_mean=[0.0]),
    dict(n_sims=0), dict(count_model="binomial"), dict(severity_model="pareto"),
    dict(dispersion=-0.1), dict(severity_cv=-1.0), dict(common_shock=-0.2)])
def test_bad_arguments_are_refused(bad):
    kw = dict(expected_count=[[1.0]], severity_mean=[5.0], n_sims=3, seed=1) | bad
    with pytest.raises(ValueError):
        sc.simulate_claims(**kw)


# ---------------------------------------------------------------------------- moments
# E S = mu x; Var S = mu x^2 (1 + c^2) + d (mu x)^2 (negbin) + v (mu x)^2 (common shock,
# Poisson counts: Var S = E[mu G E X^2] + Var(mu G x) = mu E X^2 + v (mu x)^2).

N_SIMS = 40_000
MU = np.array([[0.5, 3.0, 12.0], [6.0, 1.0, 25.0]])
X = np.array([120.0, 40.0])


def _theory(count_model, cv, dispersion, shock):
    mean = MU * X[:, None]
    var = MU * X[:, None] ** 2 * (1 + cv * cv)
    if count_model == "negbin":
        var = var + dispersion * mean**2
    return mean, var + (shock or 0.0) ** 2 * mean**2


CASES = [("poisson", "lognormal", 0.8, 0.0, None), ("poisson", "gamma", 1.5, 0.0, None),
         ("negbin", "lognormal", 0.5, 0.3, None), ("negbin", "gamma", 1.0, 0.05, None),
         ("poisson", "lognormal", 0.7, 0.0, 0.5), ("poisson", "gamma", 0.0, 0.0, None)]


@pytest.mark.parametrize(("count_model", "severity_model", "cv", "dispersion", "shock"), CASES)
def test_the_monte_carlo_mean_converges_to_the_expected_claims(count_model, severity_model, cv,
                                                               dispersion, shock):
    """|mean - mu x| <= 4 standard errors sqrt(Var S / n) per cell, at n = 40,000 (a fixed
    seed: the check is deterministic; 4 SE would fail by chance with probability 6e-5)."""
    s = sc.simulate_claims(MU, X, n_sims=N_SIMS, seed=2024, count_model=count_model,
                           dispersion=dispersion, severity_model=severity_model,
                           severity_cv=cv, common_shock=shock)
    mean, var = _theory(count_model, cv, dispersion, shock)
    assert np.all(np.abs(s.mean(axis=0) - mean) <= 4 * np.sqrt(var / N_SIMS))


@pytest.mark.parametrize(("count_model", "severity_model", "cv", "dispersion", "shock"), CASES)
def test_the_variance_matches_the_compound_distribution(count_model, severity_model, cv,
                                                        dispersion, shock):
    """The sample variance within 4 of its standard errors, sqrt((m4 - s^4) / n) with the
    sample's own fourth central moment m4, of Var S from the formula."""
    s = sc.simulate_claims(MU, X, n_sims=N_SIMS, seed=99, count_model=count_model,
                           dispersion=dispersion, severity_model=severity_model,
                           severity_cv=cv, common_shock=shock)
    _, var = _theory(count_model, cv, dispersion, shock)
    centred = s - s.mean(axis=0)
    s2 = centred.var(axis=0, ddof=1)
    se = np.sqrt(np.maximum((centred**4).mean(axis=0) - s2**2, 0) / N_SIMS)
    assert np.all(np.abs(s2 - var) <= 4 * se)
    assert np.all(se <= 0.1 * var)  # the check has teeth: a 10% error would be seen


def test_the_common_shock_correlates_the_products_and_nothing_else_does():
    """Cov(S_p, S_q) = v mu_p x_p mu_q x_q with the shock (Var G = v), 0 without it."""
    mu, x = np.array([[10.0], [20.0]]), np.array([5.0, 2.0])
    for shock, expected in ((None, 0.0), (0.6, 0.36 * 50 * 40)):
        s = sc.simulate_claims(mu, x, n_sims=N_SIMS, seed=5, common_shock=shock)[:, :, 0]
        cov = np.cov(s[:, 0], s[:, 1])[0, 1]
        # SE of a covariance <= sd_p sd_q / sqrt(n) x sqrt(1 + rho^2) <= 2 sd_p sd_q / sqrt(n)
        assert abs(cov - expected) <= 4 * 2 * s[:, 0].std() * s[:, 1].std() / math.sqrt(N_SIMS)


# ---------------------------------------------------------------------------- risk measures

def test_var_and_tvar_of_the_losses_1_to_1000_by_hand():
    # n alpha = 1000 x 0.995 = 995: VaR = L_(995) = 995; TVaR = (995 + ... + 1000) / 6 = 997.5
    r = sc.risk_measures(np.arange(1, 1001)[::-1].astype(float), 0.995)
    assert r.var == 995 and r.tvar == 997.5 and r.level == 0.995


def test_var_and_tvar_with_ties_and_per_column_by_hand():
    # column 0: 1 2 2 2 5 at 50%: k = ceil(2.5) = 3, VaR = 2, TVaR = (2 + 2 + 2 + 5) / 4 = 2.75
    # column 1: 10 20 30 40 50: VaR = 30, TVaR = (30 + 40 + 50) / 3 = 40
    losses = np.array([[2, 50], [1, 10], [5, 30], [2, 40], [2, 20]], dtype=float)
    r = sc.risk_measures(losses, 0.5)
    assert r.var.tolist() == [2, 30] and r.tvar.tolist() == [2.75, 40]
    assert sc.risk_measures([7.0], 0.995).tvar == 7.0  # one loss: VaR = TVaR = it


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-50, 50).map(float), min_size=1, max_size=80),
       st.floats(0.01, 0.99))
def test_risk_measures_agree_with_the_reference(losses, level):
    r = sc.risk_measures(losses, level)
    var, tvar = ref.var_tvar(losses, level)
    assert r.var == var and math.isclose(r.tvar, tvar, rel_tol=1e-12, abs_tol=1e-12)
    assert r.tvar >= r.var


def test_p_below_counts_the_ratios_strictly_below_the_threshold():
    assert sc.p_below([0.5, 0.99, 1.0, 1.2]) == 0.5
    assert sc.p_below([[0.5, 2.0], [1.5, 0.2]], 1.0).tolist() == [0.5, 0.5]


def test_cumulative_sums_the_first_months_of_each_horizon():
    claims = np.arange(24, dtype=float).reshape(1, 2, 12)
    out = sc.cumulative(claims, [1, 3, 12])
    assert out.tolist() == [[[0, 3, 66], [12, 39, 210]]]


@pytest.mark.parametrize("bad", [dict(losses=[]), dict(level=1.0), dict(level=0.0)])
def test_risk_measures_refuse_no_losses_and_levels_outside_0_1(bad):
    with pytest.raises(ValueError):
        sc.risk_measures(**({"losses": [1.0], "level": 0.9} | bad))


# ---------------------------------------------------------------------------- the set

ROOT = Path(__file__).resolve().parents[2]


def _basis(kind, claims_basis="frequency_severity", frequency=None, severity=None):
    return ProjectionBasis(kind, "exposure", claims_basis, None, frequency, severity, 0.1, 0.1,
                           0.0, 0.0, (1.0,))


def test_frequency_severity_bases_give_the_expected_counts():
    bases = [_basis("health", frequency=0.6, severity=80.0),
             _basis("group_life", frequency=0.004, severity=2000.0)]
    exposure = np.array([[100.0, 90.0], [1000.0, 1000.0]])  # insured-years per month
    count, severity = sc.frequency_severity_inputs(bases, exposure)
    np.testing.assert_allclose(count, [[60.0, 54.0], [4.0, 4.0]])
    assert severity.tolist() == [80.0, 2000.0]


def test_a_loss_ratio_basis_cannot_be_simulated():
    with pytest.raises(AssumptionError, match="health have no frequency and severity"):
        sc.frequency_severity_inputs([_basis("health", "loss_ratio")], [[1.0]])


@pytest.fixture(scope="module")
def default():
    text = (ROOT / "assumptions" / "default" / "settings.toml").read_text()
    parsed, problems = parse_settings(tomllib.loads(text), text=text)
    assert not problems
    return parsed


def test_the_default_settings_simulate_10000_years_of_five_products(default):
    s = default.stochastic
    assert (s.simulations, s.count_model, s.severity_model, s.level) == (10_000, "negbin",
                                                                       "lognormal", 0.995)
    mu = np.full((5, 12), 4.0)  # vectorised: one call, no loop over simulations
    claims = sc.simulate_claims(mu, np.full(5, 100.0), months=12, **sc.model_kwargs(s))
    assert claims.shape == (10_000, 5, 12)
    by_horizon = sc.cumulative(claims.sum(axis=1), [3, 12])
    r = sc.risk_measures(by_horizon, s.level)
    assert np.all(r.tvar >= r.var) and np.all(r.var > by_horizon.mean(axis=0))
