"""Tests of the slow life-reserve reference itself (the fast kernel is tied to it elsewhere).

Golden values: SOA Standard Ultimate Life Table (SULT) at i = 5%, as printed in Dickson, Hardy &
Waters, AMLCR 2nd ed. (2013), Appendix D; tolerance = half a unit of the printed last digit.
Identities (recursion, fractional durations, UDD monthly annuity) hold to float precision.
"""

from __future__ import annotations

import math

import pytest

from reserva.errors import ComputationError
from tests.reserves.accrued.life_reference import reference_policy, survival

# SULT (AMLCR 2nd ed., §4.3 and Appendix D): Makeham mu_x = A + B c^x, so
# p_x = exp(-A - B c^x (c - 1) / ln c); the table is closed here with q_120 = 1.
MAKEHAM_A, MAKEHAM_B, MAKEHAM_C = 0.00022, 2.7e-6, 1.124
SULT = [1.0 - math.exp(-MAKEHAM_A - MAKEHAM_B * MAKEHAM_C**age * (MAKEHAM_C - 1.0)
                       / math.log(MAKEHAM_C)) for age in range(120)] + [1.0]
OMEGA = 120
RATE = 0.05
V = 1.0 / (1.0 + RATE)


# --- independent helpers: annual sums that call only the reference's `survival` ---------------

def _n(x, n):
    return OMEGA + 1 - x if n is None else n


def a_due(x, n=None, q=SULT, i=RATE):
    """ä_{x:n} = sum_{j<n} v^j j_p_x (whole life when n is None)."""
    return sum((1.0 + i) ** -j * survival(q, 0, x, j) for j in range(_n(x, n)))


def a_death(x, n=None, q=SULT, i=RATE):
    """A1_{x:n} = sum_{j<n} v^(j+1) (j_p_x - (j+1)_p_x), benefit at the end of the year of death."""
    return sum((1.0 + i) ** -(j + 1) * (survival(q, 0, x, j) - survival(q, 0, x, j + 1))
               for j in range(_n(x, n)))


def pure_endowment(x, n, q=SULT, i=RATE):
    """nE_x = v^n n_p_x."""
    return (1.0 + i) ** -n * survival(q, 0, x, n)


def policy(x, n, m, s_d, s_e, k, t, **kw):
    return reference_policy(SULT, 0, RATE, x, n, m, s_d, s_e, k, t, **kw)


# --- survival ---------------------------------------------------------------------------------

def test_survival_whole_years_and_udd_fraction():
    # t_p_x = prod (1 - q) over whole years, then 1 - s q over the fraction (UDD, AMLCR §3.3.1)
    q = [0.1, 0.2, 0.5, 1.0]
    assert survival(q, 60, 60, 0) == 1.0
    assert survival(q, 60, 60, 2) == pytest.approx(0.9 * 0.8, abs=1e-15)
    assert survival(q, 60, 61, 1.25) == pytest.approx(0.8 * (1 - 0.25 * 0.5), abs=1e-15)
    assert survival(q, 60, 62, 1.5) == pytest.approx(0.5 * 0.5, abs=1e-15)
    assert survival(q, 60, 60, 4) == 0.0  # q = 1 at the last age
    assert survival(q, 60, 62, 7.5) == 0.0  # past the table


def test_survival_multiplies_over_integer_ages():
    # (a+b)_p_x = a_p_x * b_p_{x+a} for integer a (AMLCR §2.2)
    for x, a, b in [(30, 5, 2.75), (70, 12, 0.5), (100, 3, 17.0)]:
        assert survival(SULT, 0, x, a + b) == pytest.approx(
            survival(SULT, 0, x, a) * survival(SULT, 0, x + a, b), rel=1e-12)


# --- golden: SULT at 5% (AMLCR 2nd ed., Appendix D) -------------------------------------------

@pytest.mark.parametrize("x, big_a, a_dot", [
    (40, 0.12106, 18.4578), (50, 0.18931, 17.0245), (60, 0.29028, 14.9041), (70, 0.42818, 12.0083),
])
def test_sult_whole_life(x, big_a, a_dot):
    assert a_death(x) == pytest.approx(big_a, abs=0.5e-5)
    assert a_due(x) == pytest.approx(a_dot, abs=0.5e-4)


def test_sult_endowment_45_20():
    # A_{45:20} = 0.38385, ä_{45:20} = 12.9391, 20E45 = 0.35994, ä_{55:10} = 8.0192
    assert a_death(45, 20) + pure_endowment(45, 20) == pytest.approx(0.38385, abs=0.5e-5)
    assert a_due(45, 20) == pytest.approx(12.9391, abs=0.5e-4)
    assert pure_endowment(45, 20) == pytest.approx(0.35994, abs=0.5e-5)
    assert a_due(55, 10) == pytest.approx(8.0192, abs=0.5e-4)


def test_net_premium_and_reserve_endowment_45_20():
    # P = 100,000 A_{45:20} / ä_{45:20}; 10V = 100,000 (1 - ä_{55:10} / ä_{45:20}) (AMLCR Ch. 6-7,
    # Appendix D values); tolerance propagated from the printed precision of the inputs.
    premium, reserve = policy(45, 20, 20, 100_000.0, 100_000.0, 1, 10)
    rel = 0.5e-5 / 0.38385 + 0.5e-4 / 12.9391
    assert premium == pytest.approx(100_000 * 0.38385 / 12.9391, rel=rel)
    ratio = 8.0192 / 12.9391
    abs_tol = 100_000 * ratio * (0.5e-4 / 8.0192 + 0.5e-4 / 12.9391)
    assert reserve == pytest.approx(100_000 * (1 - ratio), abs=abs_tol)


# --- identities of the net reserve -------------------------------------------------------------

@pytest.mark.parametrize("x, n, m, s_d, s_e", [
    (45, 12, 12, 1000.0, 1000.0),   # endowment
    (50, 10, 6, 2000.0, 500.0),     # endowment, limited premiums
    (30, 15, 15, 5000.0, 0.0),      # term
    (108, None, 8, 100.0, 0.0),     # whole life to the table end, limited premiums
])
def test_net_recursion_at_integer_durations(x, n, m, s_d, s_e):
    # (tV + P)(1 + i) = q_{x+t} S_d + p_{x+t} (t+1)V, P only while t < m (AMLCR Ch. 7, recursion)
    n_years = _n(x, n)
    premium, _ = policy(x, n, m, s_d, s_e, 1, 0)
    values = [policy(x, n, m, s_d, s_e, 1, t)[1] for t in range(n_years + 1)]
    assert values[-1] == s_e
    for t in range(n_years):
        q = SULT[x + t]
        lhs = (values[t] + (premium if t < m else 0.0)) * (1.0 + RATE)
        rhs = q * s_d + (1.0 - q) * values[t + 1]
        assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10 * s_d)


@pytest.mark.parametrize("k", [1, 12])
def test_net_reserve_at_issue_zero_at_term_endowment_after_term_zero(k):
    # equivalence at issue: 0V = 0; nV = S_e; no liability after the term
    assert policy(45, 10, 10, 1000.0, 800.0, k, 0)[1] == pytest.approx(0.0, abs=1e-9)
    assert policy(30, 10, 7, 1000.0, 0.0, k, 0)[1] == pytest.approx(0.0, abs=1e-9)
    assert policy(45, 10, 10, 1000.0, 800.0, k, 10)[1] == 800.0
    assert policy(45, 10, 10, 1000.0, 800.0, k, 10.5)[1] == 0.0


def test_whole_life_reserve_tends_to_the_death_benefit_at_the_table_end():
    # at age omega q = 1: with premiums over, (n-1)V = v S_d exactly; V(t) -> S_d as t -> n
    x, s_d = 100, 1000.0
    n = OMEGA + 1 - x
    premium, at_last_age = policy(x, None, 15, s_d, 0.0, 1, n - 1)
    assert at_last_age == pytest.approx(V * s_d, rel=1e-12)
    assert policy(x, None, 15, s_d, 0.0, 1, n - 1e-9)[1] == pytest.approx(s_d, rel=1e-9)
    # monthly premiums to the end: one month before n the last instalment is still due
    premium, reserve = policy(x, None, None, s_d, 0.0, 12, (12 * n - 1) / 12)
    assert reserve == pytest.approx(s_d * V ** (1 / 12) - premium / 12, rel=1e-12)


def test_net_reserve_between_anniversaries_udd():
    # annual premiums, t = h + s: V = v^(1-s) [(1-s) q S_d + (1-q) (h+1)V] / (1 - s q), q = q_{x+h},
    # because under UDD (1-s)q_{x+h+s} = (1-s) q / (1 - s q) (AMLCR Ch. 7, policy values between
    # premium dates)
    x, n, m, s_d, s_e = 50, 8, 5, 1000.0, 400.0
    for h in range(n):
        after = policy(x, n, m, s_d, s_e, 1, h + 1)[1]
        q = SULT[x + h]
        for s in (0.25, 0.5, 0.9):
            expected = V ** (1 - s) * ((1 - s) * q * s_d + (1 - q) * after) / (1 - s * q)
            assert policy(x, n, m, s_d, s_e, 1, h + s)[1] == pytest.approx(expected, rel=1e-11)


# --- monthly premiums --------------------------------------------------------------------------

def _i_d_m(m):
    i_m = m * ((1.0 + RATE) ** (1.0 / m) - 1.0)
    d_m = m * (1.0 - (1.0 + RATE) ** (-1.0 / m))
    return i_m, d_m


@pytest.mark.parametrize("x, n, m, s_d, s_e", [
    (45, 20, 20, 100_000.0, 100_000.0),  # endowment
    (35, 20, 10, 50_000.0, 0.0),         # term, premiums for 10 years
])
def test_monthly_net_premium_udd_annuity(x, n, m, s_d, s_e):
    # P^(12) = (S_d A1_{x:n} + S_e nE_x) / ä^(12)_{x:m}, ä^(12)_{x:m} = alpha(12) ä_{x:m}
    # - beta(12) (1 - mE_x), alpha = i d / (i^(12) d^(12)), beta = (i - i^(12)) / (i^(12) d^(12))
    # (AMLCR §5.11, exact under UDD)
    d = RATE / (1.0 + RATE)
    i12, d12 = _i_d_m(12)
    alpha, beta = RATE * d / (i12 * d12), (RATE - i12) / (i12 * d12)
    a12 = alpha * a_due(x, m) - beta * (1.0 - pure_endowment(x, m))
    expected = (s_d * a_death(x, n) + s_e * pure_endowment(x, n)) / a12
    assert policy(x, n, m, s_d, s_e, 12, 0)[0] == pytest.approx(expected, rel=1e-9)


def test_monthly_recursion_between_due_dates():
    # (V(t) + P/12)(1+i)^(1/12) = p V(t') + (1 - p) S_d v^(h+1-t'), t' = t + 1/12, h = floor(t),
    # p = survival to t' given alive at t: deaths within the month are paid at the year end
    x, n, m, s_d, s_e, k = 50, 5, 4, 1000.0, 500.0, 12
    premium, _ = policy(x, n, m, s_d, s_e, k, 0)
    values = [policy(x, n, m, s_d, s_e, k, j / k)[1] for j in range(n * k + 1)]
    for j in range(n * k):
        t, t_next, h = j / k, (j + 1) / k, j // k
        p = survival(SULT, 0, x, t_next) / survival(SULT, 0, x, t)
        lhs = (values[j] + (premium / k if j < m * k else 0.0)) * (1.0 + RATE) ** (1 / k)
        rhs = p * values[j + 1] + (1.0 - p) * s_d * V ** (h + 1 - t_next)
        assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10 * s_d)


def test_reserve_is_just_before_the_instalment_on_a_due_date():
    # on a due date the instalment is still to come, so collecting it raises the reserve:
    # V(u+) - V(u) = P/k
    x, n, s_d, k = 40, 6, 1000.0, 12
    premium, at_due = policy(x, n, n, s_d, s_d, k, 31 / 12)
    _, just_after = policy(x, n, n, s_d, s_d, k, 31 / 12 + 1e-10)
    assert just_after - at_due == pytest.approx(premium / k, rel=1e-6)


# --- gross premium basis -----------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 12])
def test_gross_without_expenses_equals_net(k):
    x, n, m, s_d, s_e = 45, 10, 8, 1000.0, 600.0
    for t in (0, 3, 4.5, 8 + 7 / 12, 10):
        net = policy(x, n, m, s_d, s_e, k, t)
        gross = policy(x, n, m, s_d, s_e, k, t, basis="gross")
        assert gross[0] == pytest.approx(net[0], rel=1e-12)
        assert gross[1] == pytest.approx(net[1], rel=1e-12, abs=1e-9)


EXPENSES = dict(initial_expense=0.4, renewal_expense=0.05, per_policy_expense=12.0,
                claim_expense=0.02)


def test_gross_premium_by_equivalence():
    # G ä = S_d (1+c) A1 + S_e nE + f ä_{x:n} + e0 G + r G ä (annual premiums; AMLCR Ch. 6,
    # gross premiums by the equivalence principle)
    x, n, m, s_d, s_e = 45, 10, 8, 1000.0, 600.0
    c, r, f, e0 = (EXPENSES[key] for key in ("claim_expense", "renewal_expense",
                                              "per_policy_expense", "initial_expense"))
    g, _ = policy(x, n, m, s_d, s_e, 1, 0, basis="gross", **EXPENSES)
    income = g * a_due(x, m)
    outgo = (s_d * (1 + c) * a_death(x, n) + s_e * pure_endowment(x, n) + f * a_due(x, n)
             + e0 * g + r * g * a_due(x, m))
    assert income == pytest.approx(outgo, rel=1e-12)


@pytest.mark.parametrize("k", [1, 12])
def test_gross_reserve_at_issue_is_minus_the_initial_expense(k):
    # e0 G is paid at time 0 and excluded from V(0): with the equivalence G, 0V = -e0 G
    g, reserve = policy(45, 10, 8, 1000.0, 600.0, k, 0, basis="gross", **EXPENSES)
    assert reserve == pytest.approx(-EXPENSES["initial_expense"] * g, rel=1e-10)
    no_e0 = {**EXPENSES, "initial_expense": 0.0}
    assert policy(45, 10, 8, 1000.0, 600.0, k, 0, basis="gross", **no_e0)[1] == pytest.approx(
        0.0, abs=1e-9)


def test_gross_recursion_at_integer_durations():
    # (tV + (1-r) G - f)(1 + i) = q S_d (1+c) + p (t+1)V, (1-r) G only while t < m (AMLCR Ch. 7)
    x, n, m, s_d, s_e = 55, 10, 6, 1000.0, 300.0
    c, r, f = (EXPENSES[key] for key in ("claim_expense", "renewal_expense", "per_policy_expense"))
    g, _ = policy(x, n, m, s_d, s_e, 1, 0, basis="gross", **EXPENSES)
    values = [policy(x, n, m, s_d, s_e, 1, t, basis="gross", **EXPENSES)[1] for t in range(n + 1)]
    assert values[-1] == s_e
    for t in range(n):
        q = SULT[x + t]
        lhs = (values[t] + ((1 - r) * g if t < m else 0.0) - f) * (1.0 + RATE)
        rhs = q * s_d * (1 + c) + (1 - q) * values[t + 1]
        assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10 * s_d)


def test_given_gross_premium_is_used_and_enters_linearly():
    # V(t; G) - V(t; G + 1) = (1 - r) ä_{x+t:m-t} (annual premiums, integer t < m)
    x, n, m = 45, 10, 8
    r = EXPENSES["renewal_expense"]
    for t in (0, 3, 7):
        low = policy(x, n, m, 1000.0, 600.0, 1, t, basis="gross", gross_premium=90.0, **EXPENSES)
        high = policy(x, n, m, 1000.0, 600.0, 1, t, basis="gross", gross_premium=91.0, **EXPENSES)
        assert (low[0], high[0]) == (90.0, 91.0)
        assert low[1] - high[1] == pytest.approx((1 - r) * a_due(x + t, m - t), rel=1e-10)


def test_bad_arguments_raise():
    with pytest.raises(ComputationError):
        policy(45, 10, 10, 1000.0, 0.0, 1, 0, renewal_expense=0.1)  # expenses on a net basis
    with pytest.raises(ComputationError):
        policy(45, 10, 11, 1000.0, 0.0, 1, 0)  # premium term beyond the policy term
    with pytest.raises(ComputationError):
        policy(45, 80, 10, 1000.0, 0.0, 1, 0)  # term beyond the table
    with pytest.raises(ComputationError):
        reference_policy([0.1, 0.5], 60, RATE, 60, 2, 2, 1.0, 0.0, 1, 0)  # table not closed
