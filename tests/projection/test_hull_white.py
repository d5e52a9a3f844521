"""Hull–White one-factor scenarios (reserva.projection.hull_white): the martingale test (the Monte
Carlo mean of the pathwise discount factor recovers the initial curve within 3 standard errors),
the exact transition moments against their closed forms, the deterministic limit, seeds and
antithetic pairs, the bond price against the x-form of Brigo & Mercurio, every bad argument named
at once, and a slow plain-Python Euler–Maruyama reference on a fine grid.

Curves used, worked by hand:

* QUADRATIC: ln P(0,t) = -(0.02 t + 0.001 t^2), so f(0,t) = 0.02 + 0.002 t and f'(0,t) = 0.002;
  the central difference of a quadratic is exact, so the module's f equals this at 0 < m < M.
* ZEROS: annually compounded zero rates 2% (1y), 3% (5y), 3.5% (10y), 4% (30y).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reserva.errors import ArgumentError
from reserva.projection import hull_white as hw

A, SIGMA = 0.1, 0.01
MONTHS = 360
N = 20_000
SEED = 20240518


def quadratic_curve(months: int = MONTHS) -> np.ndarray:
    t = np.arange(months + 1) / 12
    return np.exp(-(0.02 * t + 0.001 * t * t))


def zero_curve(months: int = MONTHS) -> np.ndarray:
    return hw.discount_factors_from_zero_rates([1, 5, 10, 30], [0.02, 0.03, 0.035, 0.04], months)


@pytest.fixture(scope="module")
def paths():
    return hw.simulate(hw.HullWhite(A, SIGMA), zero_curve(), N, seed=SEED)


@pytest.fixture(scope="module")
def quadratic_paths():
    return hw.simulate(hw.HullWhite(A, SIGMA), quadratic_curve(), N, seed=SEED + 1)


# ---------------------------------------------------------------------------- the curve

def test_discount_factors_from_zero_rates_worked_by_hand():
    p0 = hw.discount_factors_from_zero_rates([1, 5], [0.02, 0.03], 72)
    assert p0[0] == 1.0
    assert p0[12] == pytest.approx(1.02 ** -1, rel=1e-14)
    assert p0[60] == pytest.approx(1.03 ** -5, rel=1e-14)
    # half a year: ln P linear from (0, 0) to (1, -ln 1.02)
    assert p0[6] == pytest.approx(1.02 ** -0.5, rel=1e-14)
    # 3 years: halfway between the knots at 1 and 5 years in ln P
    assert p0[36] == pytest.approx(math.sqrt(1.02 ** -1 * 1.03 ** -5), rel=1e-14)
    # 6 years: the last segment's forward, (5 ln 1.03 - ln 1.02) / 4, held for one more year
    fwd = (5 * math.log(1.03) - math.log(1.02)) / 4
    assert p0[72] == pytest.approx(1.03 ** -5 * math.exp(-fwd), rel=1e-14)


def test_forward_rates_are_the_finite_difference_of_minus_ln_p():
    f = hw.forward_rates(quadratic_curve())
    t = np.arange(MONTHS + 1) / 12
    np.testing.assert_allclose(f[1:-1], 0.02 + 0.002 * t[1:-1], rtol=1e-12)
    assert f[0] == pytest.approx(0.02 + 0.001 / 12, rel=1e-12)  # forward difference
    assert f[-1] == pytest.approx(0.02 + 0.002 * 30 - 0.001 / 12, rel=1e-12)  # backward


# ---------------------------------------------------------------------------- martingale

@pytest.mark.parametrize("years", [1, 5, 10, 30])
def test_the_mean_discount_factor_recovers_the_curve(paths, years):
    m = 12 * years
    d = paths.discount[:, m]
    p = zero_curve()[m]
    se = d.std(ddof=1) / math.sqrt(N)
    assert se > 0
    assert abs(d.mean() - p) < 3 * se, (d.mean(), p, se)


@pytest.mark.parametrize("years", [10, 30])
def test_discounted_bond_prices_at_five_years_recover_the_curve(paths, years):
    t, T = 60, 12 * years
    model, p0 = hw.HullWhite(A, SIGMA), zero_curve()
    values = paths.discount[:, t] * hw.bond_price(model, p0, t, paths.short_rate[:, t], T)
    se = values.std(ddof=1) / math.sqrt(N)
    assert abs(values.mean() - p0[T]) < 3 * se, (values.mean(), p0[T], se)


def test_antithetic_martingale_with_pair_means():
    p0 = zero_curve()
    out = hw.simulate(hw.HullWhite(A, SIGMA), p0, 4000, seed=7, antithetic=True)
    for m in (60, 360):
        pairs = out.discount[:, m].reshape(-1, 2).mean(axis=1)
        se = pairs.std(ddof=1) / math.sqrt(pairs.size)
        assert abs(pairs.mean() - p0[m]) < 3 * se


def test_sigma_zero_is_the_curve_exactly():
    p0 = zero_curve()  # not flat
    assert np.ptp(np.diff(np.log(p0))) > 1e-4
    out = hw.simulate(hw.HullWhite(0.2, 0.0), p0, 5, seed=1)
    np.testing.assert_allclose(out.discount, np.broadcast_to(p0, out.discount.shape), rtol=1e-13)
    np.testing.assert_allclose(out.short_rate,
                               np.broadcast_to(hw.forward_rates(p0), out.short_rate.shape),
                               rtol=1e-13)
    # and the bond price is the forward discount factor
    f = hw.forward_rates(p0)
    assert hw.bond_price(hw.HullWhite(0.2, 0.0), p0, 60, f[60], 120) == pytest.approx(
        p0[120] / p0[60], rel=1e-13)


# ---------------------------------------------------------------------------- exact moments

def _simpson(values: np.ndarray, h: float) -> float:
    n = values.size - 1
    return h / (3 * n) * (values[0] + values[-1] + 4 * values[1:-1:2].sum()
                          + 2 * values[2:-1:2].sum())


@pytest.mark.parametrize("a, sigma, h", [(A, SIGMA, 1 / 12), (A, SIGMA, 5.0), (2.0, 0.03, 1.5),
                                                (1e-4, 0.01, 1 / 12), (5e-3, 0.01, 0.19)])
def test_the_one_step_transition_by_the_ito_isometry(a, sigma, h):
    # x(t+h) - e^{-ah} x(t) = sigma int_0^h e^{-a(h-u)} dW_u,
    # Y(t+h) - Y(t) - B(h) x(t) = sigma int_0^h (1 - e^{-a(h-u)}) / a dW_u:
    # variances and covariance are sigma^2 times the integrals of the products (Simpson's rule)
    u = np.linspace(0.0, h, 4001)
    kx = np.exp(-a * (h - u))
    ky = (1 - kx) / a
    step = hw.transition(hw.HullWhite(a, sigma), h)
    assert step.decay == pytest.approx(math.exp(-a * h), rel=1e-15)
    assert step.b == pytest.approx(_simpson(kx, h), rel=1e-11)  # int_0^h e^{-as} ds
    assert step.var_x == pytest.approx(sigma ** 2 * _simpson(kx * kx, h), rel=1e-11)
    assert step.var_y == pytest.approx(sigma ** 2 * _simpson(ky * ky, h), rel=1e-11)
    assert step.cov == pytest.approx(sigma ** 2 * _simpson(kx * ky, h), rel=1e-11)



def test_short_rate_moments_at_ten_years(quadratic_paths):
    t, m = 10.0, 120
    r = quadratic_paths.short_rate[:, m]
    alpha = 0.02 + 0.002 * t + SIGMA ** 2 / (2 * A * A) * (1 - math.exp(-A * t)) ** 2
    var = SIGMA ** 2 / (2 * A) * (1 - math.exp(-2 * A * t))
    assert quadratic_paths.alpha[m] == pytest.approx(alpha, rel=1e-12)
    assert abs(r.mean() - alpha) < 3 * math.sqrt(var / N)
    # sample variance of a Gaussian: standard error var sqrt(2 / (N - 1))
    assert abs(r.var(ddof=1) - var) < 3 * var * math.sqrt(2 / (N - 1))


@pytest.mark.parametrize("years", [1, 10, 30])
def test_the_integral_of_r_has_its_closed_form_mean_and_variance(quadratic_paths, years):
    t = float(years)
    y = -np.log(quadratic_paths.discount[:, 12 * years])  # int_0^t r ~ Normal
    g = t - 2 * (1 - math.exp(-A * t)) / A + (1 - math.exp(-2 * A * t)) / (2 * A)
    var = SIGMA ** 2 / A ** 2 * g
    mean = 0.02 * t + 0.001 * t * t + SIGMA ** 2 / (2 * A * A) * g
    assert abs(y.mean() - mean) < 3 * math.sqrt(var / N)
    assert abs(y.var(ddof=1) - var) < 3 * var * math.sqrt(2 / (N - 1))


def test_short_rate_and_integral_covariance_over_one_year(quadratic_paths):
    # Cov(x(t), Y(t)) = sigma^2 / (2 a^2) (1 - e^{-at})^2 (the one-step covariance with h = t)
    t = 1.0
    x = quadratic_paths.short_rate[:, 12] - quadratic_paths.alpha[12]
    y = -np.log(quadratic_paths.discount[:, 12])
    cov = SIGMA ** 2 / (2 * A * A) * (1 - math.exp(-A * t)) ** 2
    vx = SIGMA ** 2 / (2 * A) * (1 - math.exp(-2 * A * t))
    vy = SIGMA ** 2 / A ** 2 * (t - 2 * (1 - math.exp(-A * t)) / A
                                + (1 - math.exp(-2 * A * t)) / (2 * A))
    # standard error of a sample covariance of a bivariate normal: sqrt((vx vy + cov^2) / N)
    assert abs(np.cov(x, y)[0, 1] - cov) < 3 * math.sqrt((vx * vy + cov * cov) / N)


def test_bond_price_equals_the_x_form():
    # B&M eq. 3.41: P(t,T) = P(0,T)/P(0,t) exp(1/2 [V(t,T) - V(0,T) + V(0,t)] - B(t,T) x(t)),
    # V(t,T) = sigma^2/a^2 G(T - t), with r = x + alpha and f the finite-difference forward
    a, s = 0.15, 0.012
    p0 = zero_curve()
    f = hw.forward_rates(p0)
    for ti, Ti in ((0, 12), (60, 120), (60, 360), (200, 200)):
        t, T = ti / 12, Ti / 12

        def v(u, w):
            tau = w - u
            return s * s / (a * a) * (tau - 2 * (1 - math.exp(-a * tau)) / a
                                      + (1 - math.exp(-2 * a * tau)) / (2 * a))
        b = (1 - math.exp(-a * (T - t))) / a
        alpha = f[ti] + s * s / (2 * a * a) * (1 - math.exp(-a * t)) ** 2
        x = np.array([-0.03, 0.0, 0.01])
        expected = p0[Ti] / p0[ti] * np.exp(0.5 * (v(t, T) - v(0, T) + v(0, t)) - b * x)
        got = hw.bond_price(hw.HullWhite(a, s), p0, ti, x + alpha, Ti)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert isinstance(hw.bond_price(hw.HullWhite(a, s), p0, 12, 0.03, 24), float)


# ---------------------------------------------------------------------------- seeds

def test_same_seed_same_paths_different_seed_different_paths():
    model, p0 = hw.HullWhite(A, SIGMA), zero_curve(60)
    one = hw.simulate(model, p0, 50, seed=3)
    two = hw.simulate(model, p0, 50, seed=3)
    other = hw.simulate(model, p0, 50, seed=4)
    np.testing.assert_array_equal(one.short_rate, two.short_rate)
    np.testing.assert_array_equal(one.discount, two.discount)
    assert not np.allclose(one.short_rate[:, 1:], other.short_rate[:, 1:])
    assert not np.allclose(one.discount[:, 1:], other.discount[:, 1:])


@pytest.mark.parametrize("antithetic", [False, True])
def test_results_do_not_depend_on_the_block_size(antithetic):
    model, p0 = hw.HullWhite(A, SIGMA), zero_curve(24)
    whole = hw.simulate(model, p0, 30, seed=9, antithetic=antithetic)
    blocks = hw.simulate(model, p0, 30, seed=9, antithetic=antithetic, chunk_scenarios=4)
    np.testing.assert_array_equal(whole.short_rate, blocks.short_rate)
    np.testing.assert_array_equal(whole.discount, blocks.discount)


def test_antithetic_pairs_have_negated_normals_and_mirrored_paths():
    z = np.concatenate(list(hw.draw_normals(10, 24, seed=5, antithetic=True, chunk_scenarios=4)))
    assert z.shape == (10, 24, 2)
    np.testing.assert_array_equal(z[1::2], -z[0::2])
    assert np.all(z[0::2] != 0)
    # the first of each pair is the plain stream's draw
    plain = np.random.Generator(np.random.PCG64(5)).standard_normal((5, 24, 2))
    np.testing.assert_array_equal(z[0::2], plain)
    out = hw.simulate(hw.HullWhite(A, SIGMA), quadratic_curve(24), 10, seed=5, antithetic=True)
    x = out.short_rate - out.alpha
    np.testing.assert_allclose(x[1::2], -x[0::2], atol=1e-15)
    # ln D = -Y - int_0^t alpha with Y odd in the normals: a pair's ln D sum is -2 int alpha,
    # int_0^t alpha = 0.02 t + 0.001 t^2 + sigma^2/(2a^2) G(t) for the QUADRATIC curve
    t = np.arange(25) / 12
    g = t - 2 * (1 - np.exp(-A * t)) / A + (1 - np.exp(-2 * A * t)) / (2 * A)
    int_alpha = 0.02 * t + 0.001 * t * t + SIGMA ** 2 / (2 * A * A) * g
    ld = np.log(out.discount)
    np.testing.assert_allclose(ld[0::2] + ld[1::2], np.broadcast_to(-2 * int_alpha, (5, 25)),
                               rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------- bad arguments

def _columns(error: ArgumentError) -> set[str]:
    return {c.column for c in error.cells}


def test_bad_parameters_are_named_at_once():
    with pytest.raises(ArgumentError) as caught:
        hw.HullWhite(0.0, -0.01)
    assert _columns(caught.value) == {"a", "sigma"}
    with pytest.raises(ArgumentError) as caught:
        hw.HullWhite(float("nan"), 0.01)
    assert _columns(caught.value) == {"a"}
    assert caught.value.lines()[0].startswith("a nan")
    with pytest.raises(ArgumentError):
        hw.HullWhite(True, 0.01)


def test_bad_simulation_arguments_are_named_at_once():
    with pytest.raises(ArgumentError) as caught:
        hw.simulate("model", [0.9, 0.8], 0, seed=-1, antithetic="yes", chunk_scenarios=0)
    assert _columns(caught.value) == {"model", "p0", "n_scenarios", "seed", "antithetic",
                                      "chunk_scenarios"}
    assert len(caught.value.lines()) == 7
    with pytest.raises(ArgumentError) as caught:
        hw.simulate(hw.HullWhite(A, SIGMA), [1.0, 0.99, -0.5], 3, seed=1, antithetic=True)
    assert _columns(caught.value) == {"p0", "n_scenarios"}
    with pytest.raises(ArgumentError) as caught:
        hw.simulate(hw.HullWhite(A, SIGMA), [1.0], 3, seed=1.5)
    assert _columns(caught.value) == {"p0", "seed"}


def test_bad_bond_price_and_curve_arguments_are_named_at_once():
    model, p0 = hw.HullWhite(A, SIGMA), zero_curve(24)
    with pytest.raises(ArgumentError) as caught:
        hw.bond_price(model, p0, 25, "r", 30)
    assert _columns(caught.value) == {"t_index", "r_t"}
    with pytest.raises(ArgumentError) as caught:
        hw.bond_price(model, p0, 12, 0.02, 6)
    assert _columns(caught.value) == {"maturity_index"}
    with pytest.raises(ArgumentError) as caught:
        hw.discount_factors_from_zero_rates([5, 1], [0.02, -1.5], 0)
    assert _columns(caught.value) == {"times", "rates", "months"}
    with pytest.raises(ArgumentError) as caught:
        hw.discount_factors_from_zero_rates([1, 5], [0.02], 12)
    assert _columns(caught.value) == {"rates"}


# ---------------------------------------------------------------------------- slow reference

def _euler_discounts(a: float, sigma: float, years: int, n: int, seed: int,
                     steps_per_year: int = 360) -> tuple[list[float], list[float]]:
    """Plain-Python Euler–Maruyama on dr = (theta(t) - a r) dt + sigma dW for the QUADRATIC curve,
    theta(t) = f'(0,t) + a f(0,t) + sigma^2/(2a) (1 - e^{-2at}) (B&M eq. 3.34), r(0) = f(0,0);
    the integral of r by the trapezoidal rule. Returns D(0, years) and r(years) per scenario."""
    dt = 1.0 / steps_per_year
    steps = years * steps_per_year
    sq = sigma * math.sqrt(dt)
    theta = [0.002 + a * (0.02 + 0.002 * k * dt)
             + sigma * sigma / (2 * a) * (1 - math.exp(-2 * a * k * dt)) for k in range(steps)]
    normals = np.random.Generator(np.random.PCG64(seed)).standard_normal((n, steps)).tolist()
    discounts, rates = [], []
    for row in normals:
        r, integral = 0.02, 0.0
        for k in range(steps):
            r_next = r + (theta[k] - a * r) * dt + sq * row[k]
            integral += 0.5 * (r + r_next) * dt
            r = r_next
        discounts.append(math.exp(-integral))
        rates.append(r)
    return discounts, rates


def test_euler_reference_agrees_in_distribution_with_the_exact_scheme():
    a, sigma, years, n = 0.3, 0.03, 5, 3000
    d_ref, r_ref = map(np.asarray, _euler_discounts(a, sigma, years, n, seed=11))
    exact = hw.simulate(hw.HullWhite(a, sigma), quadratic_curve(12 * years), N, seed=12)
    d_ex, r_ex = exact.discount[:, -1], exact.short_rate[:, -1]

    def close(u, v):
        se = math.sqrt(u.var(ddof=1) / u.size + v.var(ddof=1) / v.size)
        return abs(u.mean() - v.mean()) < 4 * se

    assert close(d_ref, d_ex)
    assert close(r_ref, r_ex)
    assert close(np.log(d_ref) ** 2, np.log(d_ex) ** 2)  # second moments of int r
    # and the reference itself is a martingale on the curve
    p = quadratic_curve(12 * years)[-1]
    assert abs(d_ref.mean() - p) < 4 * d_ref.std(ddof=1) / math.sqrt(n)
    # the standard deviations agree within 6% (sampling error of 3000 draws is about 1.3%)
    assert d_ref.std() == pytest.approx(d_ex.std(), rel=0.06)
    assert r_ref.std() == pytest.approx(r_ex.std(), rel=0.06)
