"""The monthly in-force projection kernel of life model points (reserva.projection.inforce).

Sources: the constant-force fractional-age assumption s_p_x = p_x^s (Dickson, Hardy & Waters, AMLCR
2nd ed. 2013, §3.3.2) for the monthly rates, the SULT Makeham law (AMLCR §4.3, Appendix D) for a
realistic table; the cashflow definitions are those of the module docstring (premiums and expenses
at the month's start, death benefits and maturities at its end, deaths before lapses).
Hand-checked cases carry their arithmetic in comments; the kernel is tied to the slow per-point
reference (tests/projection/inforce_reference.py) under hypothesis to 1e-9 relative, for term
life and for the general contract (maturity benefits, premium terms shorter than the cover, a
first premium month, an age step month, every mode).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ComputationError
from reserva.projection.inforce import PREMIUM_MODES, project_life, project_term_life
from reserva.reserves.accrued.mortality import makeham
from tests.projection.inforce_reference import reference_pv_net, reference_totals

MODES = list(PREMIUM_MODES)
# SULT Makeham law (AMLCR §4.3) on ages 60..70, closed at 70: a short table whose end is reachable
SHORT = makeham("SULT 60-70", 0.00022, 2.7e-6, 1.124, 60, 70, "AMLCR 2nd ed. Appendix D law")
NO_COST = {"expense_per_policy_annual": 0.0, "expense_pct_premium": 0.0}


def _one(age=40, term=2, si=10_000.0, premium=1_200.0, mode="monthly", *, q, min_age=40,
         lapse=0.0, horizon=2, **kw):
    kw = {**NO_COST, **kw}
    return project_term_life([age], [term], [si], [premium], [mode], q_annual=q, min_age=min_age,
                             lapse_annual=lapse, horizon_months=horizon, **kw)


def test_hand_checked_one_point_two_months():
    # Age 40, monthly premiums of 1,200 a year, sum insured 10,000, per-policy expense 24 a year,
    # 10% of premium; q_40 = 1 - 0.99^12 so the monthly q = 1 - (0.99^12)^(1/12) = 0.01;
    # lapse 1 - 0.98^12 a year so the monthly lapse = 0.02.
    q = np.array([1.0 - 0.99**12, 1.0])
    r = _one(q=q, lapse=1.0 - 0.98**12, expense_per_policy_annual=24.0, expense_pct_premium=0.10)
    # month 0: l = 1; premium 1 x 100 = 100; expenses 1 x 2 + 10% x 100 = 12;
    #          deaths 1 x 0.01 = 0.01 -> benefit 0.01 x 10,000 = 100; net 100 - 100 - 12 = -12;
    #          lapses (1 - 0.01) x 0.02 = 0.0198; l_1 = 1 - 0.01 - 0.0198 = 0.9702
    # month 1: premium 0.9702 x 100 = 97.02; expenses 0.9702 x 2 + 9.702 = 11.6424;
    #          deaths 0.009702 -> benefit 97.02; net -11.6424; lapses 0.960498 x 0.02 = 0.01920996
    tol = 1e-9
    np.testing.assert_allclose(r.in_force_count, [1.0, 0.9702], rtol=tol)
    np.testing.assert_allclose(r.premiums, [100.0, 97.02], rtol=tol)
    np.testing.assert_allclose(r.expenses, [12.0, 11.6424], rtol=tol)
    np.testing.assert_allclose(r.deaths_benefit, [100.0, 97.02], rtol=tol)
    np.testing.assert_allclose(r.net, [-12.0, -11.6424], rtol=tol)
    np.testing.assert_allclose(r.deaths, [0.01, 0.009702], rtol=tol)
    np.testing.assert_allclose(r.lapses, [0.0198, 0.01920996], rtol=tol)
    # PV at 5%, v = 1.05^(-1/12): (100 - 12) - 100 v + (97.02 - 11.6424) v - 97.02 v^2
    v = 1.05 ** (-1.0 / 12.0)
    assert r.pv_net(0.05) == pytest.approx(88.0 - 100.0 * v + 85.3776 * v - 97.02 * v * v, rel=tol)
    assert r.pv_net(0.0) == pytest.approx(-12.0 - 11.6424, rel=tol)  # no discount: sum of net


@pytest.mark.parametrize(("mode", "months", "instalment"), [
    ("monthly", list(range(25)), 100.0),
    ("quarterly", [0, 3, 6, 9, 12, 15, 18, 21, 24], 300.0),
    ("semiannual", [0, 6, 12, 18, 24], 600.0),
    ("annual", [0, 12, 24], 1_200.0),
    ("single", [0], 1_200.0),  # a single premium of 1,200 at the start
])
def test_premium_months_of_each_mode(mode, months, instalment):
    # no decrements (q = 0 before the table's last age, no lapse): l = 1 on all 25 months, so the
    # premium is the instalment annual_premium x k / 12 on the due months m = 0, k, 2k, ...
    q = np.array([0.0, 0.0, 0.0, 1.0])  # ages 40, 41, 42 survive; 43 closes the table
    r = _one(mode=mode, term=25, horizon=25, q=q, expense_pct_premium=0.05)
    expected = np.zeros(25)
    expected[months] = instalment
    np.testing.assert_array_equal(r.premiums, expected)
    np.testing.assert_allclose(r.expenses, 0.05 * expected, rtol=1e-12)
    assert r.deaths_benefit.sum() == 0.0 and (r.in_force_count == 1.0).all()


def test_integer_mode_codes_equal_names():
    q = SHORT
    names = project_term_life([61] * 5, [30] * 5, [1e4] * 5, [900.0] * 5, MODES, q_annual=q,
                              lapse_annual=0.1, horizon_months=30, **NO_COST)
    codes = project_term_life([61] * 5, [30] * 5, [1e4] * 5, [900.0] * 5,
                              [PREMIUM_MODES[m] for m in MODES], q_annual=q, lapse_annual=0.1,
                              horizon_months=30, **NO_COST)
    np.testing.assert_array_equal(names.premiums, codes.premiums)


def test_age_advances_every_twelve_months():
    # q_40 = 0, q_41 = 1: nobody dies in months 0..11 (age 40); at month 12 the age is 41 and the
    # monthly q is 1 - 0^(1/12) = 1: the whole in force dies, the full sum insured paid at once
    q = np.array([0.0, 1.0])
    r = _one(term=24, horizon=24, q=q)
    assert (r.deaths_benefit[:12] == 0.0).all()
    assert r.deaths_benefit[12] == 10_000.0
    assert (r.in_force_count[:13] == 1.0).all() and (r.in_force_count[13:] == 0.0).all()
    assert (r.premiums[13:] == 0.0).all()


def test_ages_past_the_table_die_in_the_first_month():
    r = _one(age=75, term=12, horizon=12, q=SHORT, min_age=60)  # table ends at 70 with q = 1
    assert r.deaths[0] == 1.0 and r.in_force_count[1:].sum() == 0.0


def test_point_stops_at_its_term_and_the_horizon_cuts_longer_terms():
    q = np.array([0.0, 0.0, 1.0])
    r = _one(term=5, horizon=10, q=q)
    assert (r.in_force_count[:5] == 1.0).all() and (r.in_force_count[5:] == 0.0).all()
    assert (r.premiums[5:] == 0.0).all() and (r.expenses[5:] == 0.0).all()
    long = _one(term=500, horizon=10, q=q)
    assert long.months.tolist() == list(range(10)) and (long.in_force_count == 1.0).all()


def test_constant_force_month_compounds_to_the_annual_rate():
    # AMLCR §3.3.2: under constant force 12 months of p^(1/12) give p_x over the year of age
    q40 = 0.05
    r = _one(term=12, horizon=12, q=np.array([q40, 1.0]), lapse=0.0)
    l12 = r.in_force_count[-1] - r.deaths[-1]  # in force at the end of month 11
    assert l12 == pytest.approx(1.0 - q40, rel=1e-12)
    assert r.deaths.sum() == pytest.approx(q40, rel=1e-12)


def test_decrements_account_for_the_in_force():
    # with every term beyond the horizon: l_{m+1} = l_m - deaths_m - lapses_m, summed over points
    rng = np.random.default_rng(7)
    n = 50
    r = project_term_life(rng.integers(60, 72, n), np.full(n, 40), rng.uniform(1e3, 1e4, n),
                          rng.uniform(10, 500, n), rng.choice(MODES, n), q_annual=SHORT,
                          lapse_annual=rng.uniform(0, 0.3, n), horizon_months=40, **NO_COST)
    lhs = r.in_force_count[1:]
    rhs = r.in_force_count[:-1] - r.deaths[:-1] - r.lapses[:-1]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def _random_book(rng, n):
    return (rng.integers(60, 72, n), rng.integers(0, 60, n), rng.uniform(0, 1e5, n),
            rng.uniform(0, 3e3, n), rng.choice(MODES, n))


def test_chunks_leave_the_totals_bitwise_unchanged():
    rng = np.random.default_rng(11)
    book = _random_book(rng, 257)
    kw = dict(q_annual=SHORT, lapse_annual=0.07, expense_per_policy_annual=12.0,
              expense_pct_premium=0.04, horizon_months=48)
    whole = project_term_life(*book, **kw)
    for chunk in (1, 10, 256, 10_000):
        part = project_term_life(*book, chunk=chunk, **kw)
        for name in ("premiums", "deaths_benefit", "expenses", "in_force_count", "lapses"):
            np.testing.assert_array_equal(getattr(part, name), getattr(whole, name))


def test_splitting_the_book_and_scaling_amounts():
    # metamorphic: two halves add up to the whole; doubling sums insured doubles death benefits
    rng = np.random.default_rng(12)
    age, term, si, prem, mode = _random_book(rng, 120)
    kw = dict(q_annual=SHORT, lapse_annual=0.05, expense_per_policy_annual=6.0,
              expense_pct_premium=0.1, horizon_months=60)
    whole = project_term_life(age, term, si, prem, mode, **kw)
    a = project_term_life(age[:70], term[:70], si[:70], prem[:70], mode[:70], **kw)
    b = project_term_life(age[70:], term[70:], si[70:], prem[70:], mode[70:], **kw)
    np.testing.assert_allclose(a.net + b.net, whole.net, rtol=1e-12, atol=1e-9)
    assert a.pv_net(0.05) + b.pv_net(0.05) == pytest.approx(whole.pv_net(0.05), rel=1e-12)
    double = project_term_life(age, term, 2 * si, prem, mode, **kw)
    np.testing.assert_allclose(double.deaths_benefit, 2 * whole.deaths_benefit, rtol=1e-14)
    np.testing.assert_array_equal(double.premiums, whole.premiums)


def test_table_object_and_array_with_min_age_agree():
    book = _random_book(np.random.default_rng(3), 30)
    kw = dict(lapse_annual=0.05, horizon_months=30, **NO_COST)
    r1 = project_term_life(*book, q_annual=SHORT, **kw)
    r2 = project_term_life(*book, q_annual=np.asarray(SHORT.q), min_age=60, **kw)
    np.testing.assert_array_equal(r1.net, r2.net)


point = st.tuples(
    st.integers(60, 72),  # ages around the table's end (70, q = 1) and past it
    st.integers(0, 40),
    st.floats(0.0, 1e5),
    st.floats(0.0, 5e3),
    st.sampled_from(MODES),
)
rate = st.one_of(st.just(0.0), st.floats(1e-3, 0.6), st.just(1.0))


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(point, min_size=0, max_size=6),
    lapse=st.one_of(rate, st.lists(rate, min_size=6, max_size=6)),
    per_policy=st.floats(0.0, 100.0),
    pct=st.floats(0.0, 0.5),
    horizon=st.integers(0, 40),
    chunk=st.integers(1, 4),
    discount=st.floats(0.0, 0.2),
)
def test_kernel_matches_the_slow_reference(points, lapse, per_policy, pct, horizon, chunk,
                                           discount):
    if isinstance(lapse, list):
        lapse = lapse[: len(points)]
    cols = list(zip(*points, strict=True)) if points else [[], [], [], [], []]
    r = project_term_life(
        np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64), cols[2], cols[3],
        np.array(cols[4], dtype=object), q_annual=SHORT,
        lapse_annual=np.array(lapse) if isinstance(lapse, list) else lapse,
        expense_per_policy_annual=per_policy, expense_pct_premium=pct,
        horizon_months=horizon, chunk=chunk,
    )
    ref = reference_totals(SHORT.q.tolist(), SHORT.min_age, points, lapse, per_policy, pct,
                           horizon)
    pairs = [("premiums", "premium"), ("deaths_benefit", "benefit"), ("expenses", "expense"),
             ("in_force_count", "in_force"), ("deaths", "deaths"), ("lapses", "lapses")]
    for ours, theirs in pairs:
        np.testing.assert_allclose(getattr(r, ours), ref[theirs], rtol=1e-9, atol=0, err_msg=ours)
    scale = max([1.0, *(abs(x) for x in ref["premium"] + ref["benefit"] + ref["expense"])])
    assert abs(r.pv_net(discount) - reference_pv_net(ref, discount)) <= 1e-9 * scale


@pytest.mark.parametrize(("change", "match"), [
    ({"premium_mode": ["weekly"]}, "premium mode 'weekly'"),
    ({"premium_mode": [5]}, "premium mode 5"),
    ({"age": [30]}, "below the table's first age 60"),
    ({"age": [61.5]}, "age 61.5, expected a whole number"),
    ({"term_months": [-1]}, "term_months < 0"),
    ({"sum_insured": [np.nan]}, "sum_insured nan"),
    ({"annual_premium": [-1.0]}, "annual_premium -1.0"),
    ({"lapse_annual": 1.5}, "lapse_annual must lie in"),
    ({"lapse_annual": [0.1, 0.2]}, "lapse_annual has shape"),
    ({"term_months": [1, 2]}, "term_months has shape"),
    ({"horizon_months": -3}, "horizon_months -3"),
    ({"chunk": 0}, "chunk 0"),
    ({"expense_pct_premium": -0.1}, "expense_pct_premium"),
    ({"q_annual": np.array([0.1, 0.2])}, "closing with q = 1"),
])
def test_bad_inputs_raise_computation_error(change, match):
    kw = dict(age=[61], term_months=[12], sum_insured=[1e4], annual_premium=[500.0],
              premium_mode=["annual"], q_annual=SHORT, lapse_annual=0.05,
              expense_per_policy_annual=0.0, expense_pct_premium=0.0, horizon_months=12)
    kw.update(change)
    args = [kw.pop(k) for k in ("age", "term_months", "sum_insured", "annual_premium",
                                "premium_mode")]
    with pytest.raises(ComputationError, match=match):
        project_term_life(*args, **kw)


def test_pv_net_refuses_a_rate_at_or_below_minus_one():
    r = _one(q=np.array([0.0, 1.0]))
    with pytest.raises(ComputationError, match="above -100%"):
        r.pv_net(-1.0)


def test_result_is_frozen():
    r = _one(q=np.array([0.0, 1.0]))
    with pytest.raises(AttributeError):
        r.premiums = None


# ---- the general contract: project_life ----------------------------------------------------

def _life(age=40, term=3, si=1_000.0, premium=1_200.0, mode="monthly", *, q, min_age=40,
          lapse=0.0, horizon=4, **kw):
    kw = {**NO_COST, **kw}
    return project_life([age], [term], [si], [premium], [mode], q_annual=q, min_age=min_age,
                        lapse_annual=lapse, horizon_months=horizon, **kw)


def test_hand_checked_endowment_point_three_months_and_a_maturity():
    # Endowment: age 40, 3 months left, death benefit 1,000, maturity benefit 1,500, monthly
    # premiums of 1,200 a year for the next 2 months only, the age steps to 41 at the start of
    # month 2; monthly q 0.01 at 40 (q_40 = 1 - 0.99^12) and 0.02 at 41 (q_41 = 1 - 0.98^12),
    # monthly lapse 0.02; expenses 24 a year per policy (2 a month) and 10% of premium.
    q = np.array([1.0 - 0.99**12, 1.0 - 0.98**12, 1.0])
    r = _life(q=q, maturity_benefit=1_500.0, premium_months=2, age_step_month=2,
              lapse=1.0 - 0.98**12, expense_per_policy_annual=24.0, expense_pct_premium=0.10)
    # month 0 (age 40): l = 1; premium 100; expenses 2 + 10 = 12; deaths 0.01 -> benefit 10;
    #          lapses 0.99 x 0.02 = 0.0198; l_1 = 1 - 0.01 - 0.0198 = 0.9702
    # month 1 (age 40): premium 97.02; expenses 1.9404 + 9.702 = 11.6424; deaths 0.009702 ->
    #          benefit 9.702; lapses 0.960498 x 0.02 = 0.01920996; l_2 = 0.94128804
    # month 2 (age 41, premiums over): premium 0; expenses 0.94128804 x 2 = 1.88257608;
    #          deaths 0.94128804 x 0.02 = 0.0188257608 -> benefit 18.825760800;
    #          lapses 0.9224622792 x 0.02 = 0.018449245584; l_3 = 0.904013033616
    #          maturity at the month's end: 0.904013033616 x 1,500 = 1,356.019550424
    # month 3: past the term, nothing
    tol = 1e-9
    np.testing.assert_allclose(r.in_force_count, [1.0, 0.9702, 0.94128804, 0.0], rtol=tol)
    np.testing.assert_allclose(r.premiums, [100.0, 97.02, 0.0, 0.0], rtol=tol)
    np.testing.assert_allclose(r.expenses, [12.0, 11.6424, 1.88257608, 0.0], rtol=tol)
    np.testing.assert_allclose(r.deaths_benefit, [10.0, 9.702, 18.8257608, 0.0], rtol=tol)
    np.testing.assert_allclose(r.maturities, [0.0, 0.0, 1_356.019550424, 0.0], rtol=tol)
    np.testing.assert_allclose(r.lapses, [0.0198, 0.01920996, 0.018449245584, 0.0], rtol=tol)
    # net = premiums - benefits - maturities - expenses:
    #   78, 97.02 - 9.702 - 11.6424 = 75.6756, -18.8257608 - 1,356.019550424 - 1.88257608
    np.testing.assert_allclose(r.net, [78.0, 75.6756, -1_376.727887304, 0.0], rtol=tol)
    # PV at 5%, v = 1.05^(-1/12): benefits and the maturity one month after their month's start
    v = 1.05 ** (-1.0 / 12.0)
    pv = (88.0 - 10.0 * v + (97.02 - 11.6424) * v - 9.702 * v**2 - 1.88257608 * v**2
          - (18.8257608 + 1_356.019550424) * v**3)
    assert r.pv_net(0.05) == pytest.approx(pv, rel=tol)


def test_term_life_is_project_life_with_its_defaults():
    rng = np.random.default_rng(5)
    book = _random_book(rng, 200)
    kw = dict(q_annual=SHORT, lapse_annual=0.06, expense_per_policy_annual=9.0,
              expense_pct_premium=0.03, horizon_months=45)
    term = project_term_life(*book, **kw)
    life = project_life(*book, maturity_benefit=0.0, premium_months=None, first_premium_month=0,
                        age_step_month=12, **kw)
    for name in ("premiums", "deaths_benefit", "maturities", "expenses", "net", "in_force_count",
                 "deaths", "lapses"):
        np.testing.assert_array_equal(getattr(life, name), getattr(term, name), err_msg=name)
    assert (term.maturities == 0.0).all()


@pytest.mark.parametrize(("mode", "first", "premium_months", "months", "instalment"), [
    ("monthly", 2, 6, [2, 3, 4, 5], 100.0),
    ("quarterly", 1, 11, [1, 4, 7, 10], 300.0),
    ("quarterly", 3, 9, [3, 6], 300.0),  # a first month equal to the interval (a clipped month end)
    ("semiannual", 5, 17, [5, 11], 600.0),  # 17 is not below 17
    ("annual", 11, 24, [11, 23], 1_200.0),
    ("annual", 3, 3, [], 1_200.0),  # the first premium month is not below premium_months
    ("single", 4, 5, [4], 1_200.0),
    ("single", 4, 4, [], 1_200.0),
    ("single", 0, 0, [], 1_200.0),  # a single premium already paid
])
def test_premiums_from_the_first_month_to_premium_months(mode, first, premium_months, months,
                                                          instalment):
    # no decrements (q = 0 before the table's end, no lapse): l = 1 on all 25 months, so the
    # premium is the instalment on the months first, first + k, ... below premium_months
    q = np.array([0.0, 0.0, 0.0, 1.0])
    r = _life(mode=mode, term=25, horizon=25, q=q, first_premium_month=first,
              premium_months=premium_months, expense_pct_premium=0.05)
    expected = np.zeros(25)
    expected[months] = instalment
    np.testing.assert_array_equal(r.premiums, expected)
    np.testing.assert_allclose(r.expenses, 0.05 * expected, rtol=1e-12)


def test_an_age_step_month_above_twelve_steps_at_twelve():
    # the engine's age is age_at_entry + duration // 12: a next anniversary 13 months away (a
    # contract of Feb 29 whose next anniversary falls on a Feb 29) steps a month early, at 12
    r = _life(term=30, horizon=30, q=np.array([0.0, 1.0]), age_step_month=13)
    assert (r.deaths[:12] == 0.0).all() and r.deaths[12] == 1.0


@pytest.mark.parametrize("step", [1, 5, 12])
def test_age_steps_at_the_age_step_month_then_every_twelve(step):
    # q_40 = 0, q_41 = 1: nobody dies before the age step month; at its start the age is 41
    # and the monthly q is 1 - 0^(1/12) = 1: the whole in force dies then
    r = _life(term=30, horizon=30, q=np.array([0.0, 1.0]), age_step_month=step)
    assert (r.deaths[:step] == 0.0).all() and r.deaths[step] == 1.0
    assert r.deaths_benefit[step] == 1_000.0


def test_age_keeps_stepping_every_twelve_months_after_the_first_step():
    # q = 0 at 40 and 41, 1 at 42: with the first step at month 4 the age is 42 from month 16
    r = _life(term=30, horizon=30, q=np.array([0.0, 0.0, 1.0]), age_step_month=4)
    assert (r.deaths[:16] == 0.0).all() and r.deaths[16] == 1.0


def test_maturity_is_paid_only_when_the_term_ends_within_the_horizon():
    q = np.array([0.0, 0.0, 1.0])  # no deaths at 40 and 41
    within = _life(term=10, horizon=10, q=q, maturity_benefit=2_000.0)
    expected = np.zeros(10)
    expected[9] = 2_000.0  # l_10 = 1, paid at the end of month 9
    np.testing.assert_array_equal(within.maturities, expected)
    beyond = _life(term=10, horizon=9, q=q, maturity_benefit=2_000.0)
    assert (beyond.maturities == 0.0).all()


def test_whole_life_runs_to_the_tables_end_and_pays_every_death():
    # whole life from 65 on SULT 60-70 (q = 1 at 70): term (70 + 1 - 65) x 12 = 72 months; with
    # no lapse every life dies within the term, so deaths add up to 1 and nothing matures
    r = _life(age=65, term=72, horizon=72, q=SHORT, min_age=60, maturity_benefit=500.0,
              age_step_month=7)
    assert r.deaths.sum() == pytest.approx(1.0, rel=1e-12)
    assert r.deaths_benefit.sum() == pytest.approx(1_000.0, rel=1e-12)
    assert r.maturities.sum() == 0.0


def test_endowment_lives_leave_by_death_lapse_or_maturity():
    # every life in force at the start dies, lapses or survives to the maturity: with a unit
    # maturity benefit, sum deaths + sum lapses + maturity = 1
    r = _life(age=62, term=30, horizon=30, q=SHORT, min_age=60, lapse=0.2, maturity_benefit=1.0,
              premium_months=12, first_premium_month=2, age_step_month=5)
    assert r.deaths.sum() + r.lapses.sum() + r.maturities[-1] == pytest.approx(1.0, rel=1e-12)


def test_scalars_are_repeated_for_every_point():
    ages = np.array([61, 64, 66])
    kw = dict(q_annual=SHORT, lapse_annual=0.05, expense_per_policy_annual=12.0,
              expense_pct_premium=0.05, horizon_months=30)
    scalars = project_life(ages, 24, 1e4, 600.0, "quarterly", maturity_benefit=5e3,
                           premium_months=18, first_premium_month=1, age_step_month=4, **kw)
    arrays = project_life(ages, [24] * 3, [1e4] * 3, [600.0] * 3, ["quarterly"] * 3,
                          maturity_benefit=[5e3] * 3, premium_months=[18] * 3,
                          first_premium_month=[1] * 3, age_step_month=[4] * 3, **kw)
    for name in ("premiums", "deaths_benefit", "maturities", "expenses", "in_force_count"):
        np.testing.assert_array_equal(getattr(scalars, name), getattr(arrays, name))
    assert scalars.in_force_count[0] == 3.0


life_point = st.tuples(
    st.integers(60, 72),  # ages around the table's end (70, q = 1) and past it
    st.integers(0, 40),
    st.floats(0.0, 1e5),
    st.floats(0.0, 5e3),
    st.sampled_from(MODES),
    st.floats(0.0, 1e5),  # maturity benefit
    st.integers(0, 45),  # premium months (shorter and longer than the term)
    st.integers(0, 14),  # first premium month (up to past the interval)
    st.integers(1, 12),  # age step month (a year has 12: above 12, see the test below)
)


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(life_point, min_size=0, max_size=6),
    lapse=st.one_of(rate, st.lists(rate, min_size=6, max_size=6)),
    per_policy=st.floats(0.0, 100.0),
    pct=st.floats(0.0, 0.5),
    horizon=st.integers(0, 40),
    chunk=st.integers(1, 4),
    discount=st.floats(0.0, 0.2),
    to_the_term=st.booleans(),
)
def test_general_kernel_matches_the_slow_reference(points, lapse, per_policy, pct, horizon,
                                                   chunk, discount, to_the_term):
    if isinstance(lapse, list):
        lapse = lapse[: len(points)]
    if to_the_term:  # premium_months None: premiums up to the term
        points = [(*p[:6], None, *p[7:]) for p in points]
    cols = list(zip(*points, strict=True)) if points else [[]] * 9
    ints = {k: np.array(cols[k], dtype=np.int64) for k in (0, 1, 7, 8)}
    r = project_life(
        ints[0], ints[1], cols[2], cols[3], np.array(cols[4], dtype=object),
        maturity_benefit=cols[5],
        premium_months=None if to_the_term else np.array(cols[6], dtype=np.int64),
        first_premium_month=ints[7],
        age_step_month=ints[8], q_annual=SHORT,
        lapse_annual=np.array(lapse) if isinstance(lapse, list) else lapse,
        expense_per_policy_annual=per_policy, expense_pct_premium=pct,
        horizon_months=horizon, chunk=chunk,
    )
    ref = reference_totals(SHORT.q.tolist(), SHORT.min_age, points, lapse, per_policy, pct,
                           horizon)
    pairs = [("premiums", "premium"), ("deaths_benefit", "benefit"), ("maturities", "maturity"),
             ("expenses", "expense"), ("in_force_count", "in_force"), ("deaths", "deaths"),
             ("lapses", "lapses")]
    for ours, theirs in pairs:
        np.testing.assert_allclose(getattr(r, ours), ref[theirs], rtol=1e-9, atol=0, err_msg=ours)
    money = ref["premium"] + ref["benefit"] + ref["maturity"] + ref["expense"]
    scale = max([1.0, *(abs(x) for x in money)])
    assert abs(r.pv_net(discount) - reference_pv_net(ref, discount)) <= 1e-9 * scale


@pytest.mark.parametrize(("change", "match"), [
    ({"premium_months": [-1]}, "premium_months < 0"),
    ({"first_premium_month": -2}, "first_premium_month < 0"),
    ({"age_step_month": [0]}, "age_step_month < 1"),
    ({"age_step_month": [2.5]}, "age_step_month 2.5, expected a whole number"),
    ({"maturity_benefit": [np.inf]}, "maturity_benefit inf"),
    ({"premium_months": [3, 4]}, "premium_months has shape"),
])
def test_bad_contract_inputs_raise_computation_error(change, match):
    kw = dict(maturity_benefit=0.0, premium_months=None, first_premium_month=0,
              age_step_month=12, q_annual=SHORT, lapse_annual=0.05,
              expense_per_policy_annual=0.0, expense_pct_premium=0.0, horizon_months=12)
    kw.update(change)
    with pytest.raises(ComputationError, match=match):
        project_life([61], [12], [1e4], [500.0], ["annual"], **kw)
