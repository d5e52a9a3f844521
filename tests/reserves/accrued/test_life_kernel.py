"""The fast net/gross premium reserve kernel (reserva.reserves.accrued.life).

Golden values: SOA Standard Ultimate Life Table (SULT) at i = 5%, printed in Dickson, Hardy &
Waters, Actuarial Mathematics for Life Contingent Risks, 2nd ed. (2013), Appendix D (ä_x to 4
decimals, A_x to 5); tolerance = half a unit of the last printed digit. The kernel is tied to the
slow first-principles reference (tests/reserves/accrued/life_reference.py) under hypothesis.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ComputationError
from reserva.reserves.accrued.life import (
    Expenses,
    alpha_beta,
    commutation,
    policy_values,
    spot_check,
    whole_life_term,
)
from tests.reserves.accrued.life_reference import reference_policy

AGES = np.arange(121)
A_, B_, C_ = 0.00022, 2.7e-6, 1.124  # SULT Makeham parameters (AMLCR 2nd ed. §4.3)
Q = 1.0 - np.exp(-A_ - B_ * C_**AGES * (C_ - 1.0) / np.log(C_))
Q[-1] = 1.0
CM = commutation(Q, 0, 0.05)

# (age, ä_x, A_x) as printed in the SULT at 5% (AMLCR Appendix D)
PRINTED = [(20, 19.9664, 0.04922), (30, 19.3834, 0.07698), (40, 18.4578, 0.12106),
           (50, 17.0245, 0.18931), (60, 14.9041, 0.29028), (70, 12.0083, 0.42818)]


@pytest.mark.parametrize(("age", "a_due", "a_ins"), PRINTED)
def test_sult_whole_life_annuity_and_assurance(age, a_due, a_ins):
    r = spot_check(CM, "whole_life", age, None, 0.0)
    assert r.annuity_at_issue == pytest.approx(a_due, abs=0.5e-4)
    assert r.assurance_at_issue == pytest.approx(a_ins, abs=0.5e-5)


def test_sult_20_year_endowment_at_45_premium_and_reserve():
    # Printed: A_{45:20} = 0.38385, ä_{45:20} = 12.9391, ä_{55:10} = 8.0192 (AMLCR Appendix D).
    # P = S A/ä; 10V = S (1 - ä_{55:10} / ä_{45:20}); the tolerance is what the printed digits allow.
    s = 100_000.0
    r = spot_check(CM, "endowment", 45, 20, 10.0, s)
    assert r.annuity_at_issue == pytest.approx(12.9391, abs=0.5e-4)
    assert r.assurance_at_issue == pytest.approx(0.38385, abs=0.5e-5)
    assert r.annuity_at_duration == pytest.approx(8.0192, abs=0.5e-4)
    p_printed = s * 0.38385 / 12.9391
    tol_p = p_printed * (0.5e-5 / 0.38385 + 0.5e-4 / 12.9391)
    assert r.annual_premium == pytest.approx(p_printed, abs=tol_p)
    v_printed = s * (1 - 8.0192 / 12.9391)
    tol_v = s * (0.5e-4 / 12.9391 + 8.0192 * 0.5e-4 / 12.9391**2)
    assert r.reserve == pytest.approx(v_printed, abs=tol_v)
    assert round(r.annual_premium, 2) == pytest.approx(2966.59, abs=0.006)


@pytest.mark.parametrize("plan", ["whole_life", "endowment", "term"])
def test_recursion_identity_every_duration(plan):
    # (tV + P)(1 + i) = q_{x+t} S + p_{x+t} (t+1)V  (AMLCR §7.5, annual premiums)
    x, s, i = 35, 50_000.0, 0.05
    n = int(whole_life_term(CM, np.array([x]))[0]) if plan == "whole_life" else 25
    se = s if plan == "endowment" else 0.0
    t = np.arange(n + 1, dtype=float)
    vals = policy_values(CM, np.full(t.size, x), n, n, s, se, 1, t)
    p = vals.premium[0]
    V = vals.reserve
    q = Q[x + np.arange(n)]
    lhs = (V[:-1] + p) * (1 + i)
    rhs = q * s + (1 - q) * V[1:]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-6)
    assert V[0] == pytest.approx(0.0, abs=1e-6)
    assert V[-1] == pytest.approx(se, abs=1e-9)  # nV = S_e: the sum insured at maturity


def test_single_premium_and_limited_premiums():
    one = policy_values(CM, [40], [20], [1], [1.0], [1.0], [1], [0.0])
    r = spot_check(CM, "endowment", 40, 20, 0.0)
    assert one.premium[0] == pytest.approx(r.assurance_at_issue, rel=1e-12)  # single premium = A


def test_monthly_premium_uses_udd_alpha_beta():
    # ä^(12)_{x:n} = alpha(12) ä_{x:n} - beta(12) (1 - nE_x), exact under UDD (AMLCR §5.11)
    al, be = alpha_beta(0.05, 12)
    annual = spot_check(CM, "endowment", 45, 20, 0.0)
    monthly = spot_check(CM, "endowment", 45, 20, 0.0, premiums_per_year=12)
    e = CM.d[65] / CM.d[45]
    assert monthly.annuity_at_issue == pytest.approx(al * annual.annuity_at_issue - be * (1 - e), rel=1e-12)


def test_gross_reserve_is_minus_initial_expense_at_issue():
    ex = Expenses(initial=0.5, renewal=0.05, per_policy=10.0, claim=0.01)
    g = policy_values(CM, [45], [20], [20], [1e4], [1e4], [12], [0.0], basis="gross", expenses=ex)
    assert g.reserve[0] == pytest.approx(-0.5 * g.premium[0], rel=1e-12)
    z = policy_values(CM, [45], [20], [20], [1e4], [1e4], [12], [3.3], basis="gross")
    n = policy_values(CM, [45], [20], [20], [1e4], [1e4], [12], [3.3])
    assert z.reserve[0] == pytest.approx(n.reserve[0], rel=1e-12)


def test_bad_contracts_are_refused():
    with pytest.raises(ComputationError, match="issue ages"):
        policy_values(CM, [130], [1], [1], [1.0], [0.0], [1], [0.0])
    with pytest.raises(ComputationError, match="premium term"):
        policy_values(CM, [40], [10], [11], [1.0], [0.0], [1], [0.0])
    with pytest.raises(ComputationError, match="premiums per year"):
        policy_values(CM, [40], [10], [10], [1.0], [0.0], [3], [0.0])


@settings(max_examples=150, deadline=None)
@given(
    x=st.integers(18, 70),
    n_choice=st.integers(1, 40),
    plan=st.sampled_from(["whole_life", "endowment", "term", "pure_endowment"]),
    m_share=st.floats(0.05, 1.0),
    k=st.sampled_from([1, 2, 4, 12]),
    t_share=st.floats(0.0, 1.0),
    rate=st.sampled_from([0.0, 0.03, 0.05, 0.1]),
    gross=st.booleans(),
    given_g=st.one_of(st.none(), st.floats(1.0, 5_000.0)),
)
def test_kernel_equals_slow_reference(x, n_choice, plan, m_share, k, t_share, rate, gross, given_g):
    cm = commutation(Q, 0, rate)
    n = 121 - x if plan == "whole_life" else min(n_choice, 121 - x)
    m = max(1, int(round(m_share * n)))
    t = round(t_share * n * 365) / 365  # durations on a day grid, as a close produces them
    sd = 0.0 if plan == "pure_endowment" else 1_000.0
    se = 1_000.0 if plan in ("endowment", "pure_endowment") else 0.0
    ex = Expenses(0.4, 0.03, 5.0, 0.02) if gross else Expenses()
    kw = dict(initial_expense=ex.initial, renewal_expense=ex.renewal, per_policy_expense=ex.per_policy,
              claim_expense=ex.claim, basis="gross", gross_premium=given_g) if gross else {}
    p_ref, v_ref = reference_policy(list(Q), 0, rate, x, n, m, sd, se, k, t, **kw)
    vals = policy_values(cm, [x], [n], [m], [sd], [se], [k], [t], basis="gross" if gross else "net",
                         expenses=ex, gross_premium=[given_g] if (gross and given_g) else None)
    assert vals.premium[0] == pytest.approx(p_ref, rel=1e-8, abs=1e-9)
    assert vals.reserve[0] == pytest.approx(v_ref, rel=1e-7, abs=1e-6)
