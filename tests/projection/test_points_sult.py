"""Textbook acceptance of the model-point engine: the SOA Standard Ultimate Life Table at 5%.

Printed values: Dickson, Hardy & Waters, Actuarial Mathematics for Life Contingent Risks, 2nd ed.
2013 (AMLCR), Appendix D, the SULT tables at i = 5% (columns ä_x, A_x, 5E_x, 10E_x, 20E_x,
ä_{x:10}, ä_{x:20}, A_{x:20}; l_x of the life table); the same figures are the SOA's FAM-L/LTAM
exam tables.
Tolerance against a printed value: half a unit of its last printed digit (propagated when several
printed values are combined). Where a figure is computed rather than printed, it is computed here
from the Makeham law by plain sums (``Q``, ``survival`` ... below), never with the engine.

What is exact and why. The engine works in months with constant force of mortality inside each
year of age, q_m = 1 - (1 - q_x)^(1/12) (AMLCR §3.3.2), so the survival to whole policy years is
prod (1 - q) exactly: 12 monthly survivals (1 - q)^(1/12) multiply to p_x under any fractional
assumption. Hence flows paid at policy anniversaries on the survivors (annual annuities in advance
or arrears, maturities, pure endowments, annual premiums) reproduce the annual textbook values
exactly. Flows inside the year (monthly annuities, deaths paid at the end of the month of death)
are exact under constant force and are checked against an independent constant-force sum; the
textbook's printed values are whole-year (A_x: benefit at the end of the year of death) or UDD
(ä^(12)_x = alpha(12) ä_x - beta(12), AMLCR §5.11), compared with the bound of the known gap:

    UDD - CF gap  g(s) = (1 - s q) - (1 - q)^s,  0 <= g(s) <= s (1 - s) (ln p)^2 / 2
                  (g is concave with g(0) = g(1) = 0 and |g''| <= (ln p)^2), so
    0 <= ä^(12)_UDD - ä^(12)_CF <= G = sum_j v^j j_p_x sum_{k=1}^{11} g_bound(k / 12) / 12
    A^(12) = 1 - d^(12) ä^(12) (whole life, or endowment with the maturity at n: any fractional
    assumption), and under UDD A^(12) = (i / i^(12)) A (AMLCR §4.5, §5.11), so
    0 <= A^(12)_CF - (i / i^(12)) A <= d^(12) G.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reserva.api import life_reserve
from reserva.projection.points.engine import PV_LINES, RESULT_LINES, project
from reserva.projection.points.model_points import make_points
from reserva.reserves.accrued.life import commutation, policy_values
from tests.projection.sult_basis import (
    MAKEHAM_A,
    MAKEHAM_B,
    MAKEHAM_C,
    RATE,
    sult_basis,
    sult_table,
)

# --- independent reference: the Makeham law and plain sums ----------------------------------------

V = 1.0 / (1.0 + RATE)
D = RATE / (1.0 + RATE)
I12 = 12.0 * ((1.0 + RATE) ** (1.0 / 12.0) - 1.0)
D12 = 12.0 * (1.0 - (1.0 + RATE) ** (-1.0 / 12.0))
ALPHA12 = RATE * D / (I12 * D12)  # AMLCR §5.11: alpha(12) = 1.000197 at 5%
BETA12 = (RATE - I12) / (I12 * D12)  # beta(12) = 0.466508 at 5%
OMEGA = 120
Q = [1.0 - math.exp(-MAKEHAM_A - MAKEHAM_B * MAKEHAM_C ** x * (MAKEHAM_C - 1.0)
                    / math.log(MAKEHAM_C)) for x in range(OMEGA)] + [1.0]


def survival(x: int, t: int) -> float:
    """t_p_x over whole years."""
    p = 1.0
    for j in range(t):
        p *= 1.0 - Q[x + j]
    return p


def _years(x, n):
    return OMEGA + 1 - x if n is None else n


def a_due(x, n=None):
    """ä_{x:n} = sum_{j<n} v^j j_p_x."""
    return sum(V ** j * survival(x, j) for j in range(_years(x, n)))


def a_due_12(x, n=None):
    """ä^(12)_{x:n} under constant force: sum_j sum_{k<12} v^(j + k/12) j_p_x p^(k/12) / 12."""
    total = 0.0
    for j in range(_years(x, n)):
        p = 1.0 - Q[x + j]
        total += sum(V ** (j + k / 12) * survival(x, j) * p ** (k / 12) for k in range(12)) / 12
    return total


def term_annual(x, n=None):
    """A1_{x:n}, benefit at the end of the year of death: sum_j v^(j+1) j_p_x q_{x+j}."""
    return sum(V ** (j + 1) * survival(x, j) * Q[x + j] for j in range(_years(x, n)))


def term_monthly(x, n=None):
    """A1^(12)_{x:n} under constant force, benefit at the end of the month of death:
    sum_j sum_k v^(j + (k+1)/12) j_p_x (p^(k/12) - p^((k+1)/12))."""
    total = 0.0
    for j in range(_years(x, n)):
        p = 1.0 - Q[x + j]
        total += sum(V ** (j + (k + 1) / 12) * survival(x, j)
                     * (p ** (k / 12) - p ** ((k + 1) / 12)) for k in range(12))
    return total


def endow(x, n):
    """nE_x = v^n n_p_x."""
    return V ** n * survival(x, n)


def udd_gap_bound(x, n=None):
    """G >= ä^(12)_UDD - ä^(12)_CF over n years (module docstring)."""
    total = 0.0
    for j in range(_years(x, n)):
        q = Q[x + j]
        log_p = math.inf if q == 1.0 else -math.log1p(-q)
        for k in range(1, 12):
            s = k / 12
            g = min(s * (1.0 - s) * log_p ** 2 / 2.0, 1.0 - s * q)
            total += V ** j * survival(x, j) * g / 12
    return total


# --- the engine -----------------------------------------------------------------------------------

BASIS = sult_basis()
FLOAT = 1e-10  # float summation over up to ~1000 months


def whole_life_months(x: int) -> int:
    return (OMEGA + 1 - x) * 12


def run(**fields):
    """One point per row of ``fields`` (make_points), projected by point on the SULT basis."""
    n = max(np.size(v) for v in fields.values())
    return project(make_points(n, **fields), BASIS, by="point")


def pv(result, flow: str) -> np.ndarray:
    return result.pv[:, 0, PV_LINES.index(flow)]


def line(result, name: str) -> np.ndarray:
    return result.cashflows[:, 0, :, RESULT_LINES.index(name)]


def per_year(values: np.ndarray, years: int) -> np.ndarray:
    return values[: 12 * years].reshape(years, 12).sum(axis=1)


def test_basis_table_is_the_makeham_sult():
    table = sult_table()
    assert (table.min_age, table.max_age, table.select) == (0, OMEGA, 1)
    assert np.allclose(table.q[:, 0], Q, rtol=0.0, atol=1e-15)


# --- ä_x: annual annuity-due, exact ---------------------------------------------------------------

@pytest.mark.parametrize("x, printed", [
    (40, 18.4578), (45, 17.8162), (50, 17.0245), (60, 14.9041), (65, 13.5498), (70, 12.0083),
])
def test_whole_life_annuity_due_annual(x, printed):
    # AMLCR App. D, column ä_x. An annuity point paying 1 a year in advance (annuity_interval
    # 12): payments at dur = 0, 12, 24 ... on the survivors to whole years, v^j j_p_x exactly
    r = run(product="annuity", age_at_entry=x, term=whole_life_months(x), annuity=1.0,
            annuity_interval=12)
    assert pv(r, "annuities")[0] == pytest.approx(a_due(x), rel=FLOAT)
    assert pv(r, "annuities")[0] == pytest.approx(printed, abs=0.5e-4)


@pytest.mark.parametrize("x, n, printed", [(40, 20, 12.9935), (45, 20, 12.9391), (55, 10, 8.0192)])
def test_temporary_annuity_due_annual(x, n, printed):
    # AMLCR App. D, column ä_{x:n}: the same point ended at the term (n years)
    r = run(product="annuity", age_at_entry=x, term=12 * n, annuity=1.0, annuity_interval=12)
    assert pv(r, "annuities")[0] == pytest.approx(a_due(x, n), rel=FLOAT)
    assert pv(r, "annuities")[0] == pytest.approx(printed, abs=0.5e-4)


def test_annual_annuity_in_arrears():
    # a_x = ä_x - 1 (AMLCR Ch. 5): in arrears the first payment is at dur = 12 on 1_p_x
    x = 60
    r = run(product="annuity", age_at_entry=x, term=whole_life_months(x), annuity=1.0,
            annuity_interval=12, arrears=True)
    assert pv(r, "annuities")[0] == pytest.approx(a_due(x) - 1.0, rel=FLOAT)
    assert pv(r, "annuities")[0] == pytest.approx(14.9041 - 1.0, abs=0.5e-4)


# --- ä^(12)_x: monthly annuity-due, exact under constant force ------------------------------------

@pytest.mark.parametrize("x, printed", [(40, 18.4578), (50, 17.0245), (60, 14.9041),
                                        (70, 12.0083)])
def test_monthly_annuity_due(x, printed):
    # annuity 1 a year paid monthly in advance: 1/12 at dur = 0, 1, 2 ... on k/12_p_x
    r = run(product="annuity", age_at_entry=x, term=whole_life_months(x), annuity=1.0,
            annuity_interval=1)
    engine = pv(r, "annuities")[0]
    assert engine == pytest.approx(a_due_12(x), rel=FLOAT)
    # the textbook's UDD value from the printed ä_x (AMLCR §5.11): CF lies below it, by at most G
    udd = ALPHA12 * printed - BETA12
    rounding = ALPHA12 * 0.5e-4
    gap = udd - engine
    assert -rounding <= gap <= udd_gap_bound(x) + rounding
    assert gap > 0.0  # constant force kills earlier in the year than UDD: strictly below
    # Woolhouse with two terms, ä_x - 11/24 (AMLCR Ch. 5, Woolhouse's formula), overstates both
    assert printed - 11.0 / 24.0 > udd - rounding > engine


# --- A_x: whole life ------------------------------------------------------------------------------

@pytest.mark.parametrize("x, printed_a, printed_ann", [
    (40, 0.12106, 18.4578), (50, 0.18931, 17.0245), (60, 0.29028, 14.9041),
    (70, 0.42818, 12.0083),
])
def test_whole_life_assurance(x, printed_a, printed_ann):
    # AMLCR App. D, columns A_x and ä_x
    months = whole_life_months(x)
    r = run(product=np.array(["whole_life", "annuity", "annuity"], dtype=object),
            age_at_entry=x, term=months, sum_assured=np.array([1.0, 0.0, 0.0]),
            annuity=np.array([0.0, 1.0, 1.0]), annuity_interval=np.array([1, 1, 12]))
    claims = pv(r, "claims")[0]
    monthly, annual = pv(r, "annuities")[1:]
    # exact: the engine pays at the end of the month of death (timing "end"): A^(12)_x under CF
    assert claims == pytest.approx(term_monthly(x), rel=FLOAT)
    # exact for any fractional assumption: A^(12) = 1 - d^(12) ä^(12), A = 1 - d ä (AMLCR §4.5)
    assert claims == pytest.approx(1.0 - D12 * monthly, abs=1e-12)
    assert 1.0 - D * annual == pytest.approx(printed_a, abs=0.5e-5)
    # against the printed A_x through the UDD relation A^(12) = (i / i^(12)) A_x
    rounding = RATE / I12 * 0.5e-5
    gap = claims - RATE / I12 * printed_a
    assert -rounding <= gap <= D12 * udd_gap_bound(x) + rounding


# --- nE_x, A^1_{x:n}, A_{x:n} ---------------------------------------------------------------------

@pytest.mark.parametrize("x, n, printed", [
    (40, 5, 0.78113), (40, 10, 0.60920), (40, 20, 0.36663), (45, 20, 0.35994), (65, 5, 0.75455),
])
def test_pure_endowment(x, n, printed):
    # AMLCR App. D, columns 5E_x, 10E_x, 20E_x: the maturity at dur = 12 n, paid at the start of
    # the month to the survivors to whole years: exact
    r = run(product="pure_endowment", age_at_entry=x, term=12 * n, maturity_benefit=1.0)
    assert pv(r, "maturities")[0] == pytest.approx(endow(x, n), rel=FLOAT)
    assert pv(r, "maturities")[0] == pytest.approx(printed, abs=0.5e-5)
    assert pv(r, "claims")[0] == 0.0


@pytest.mark.parametrize("x, n, printed_endowment, printed_e", [
    (40, 20, 0.38126, 0.36663), (45, 20, 0.38385, 0.35994),
])
def test_term_and_endowment_assurance(x, n, printed_endowment, printed_e):
    # AMLCR App. D, columns A_{x:20} and 20E_x; A1_{x:n} = A_{x:n} - nE_x
    r = run(product=np.array(["term", "endowment"], dtype=object), age_at_entry=x, term=12 * n,
            sum_assured=1.0, maturity_benefit=np.array([0.0, 1.0]))
    term = pv(r, "claims")[0]
    endowment = pv(r, "claims")[1] + pv(r, "maturities")[1]
    assert term == pytest.approx(term_monthly(x, n), rel=FLOAT)
    assert pv(r, "claims")[1] == pytest.approx(term, rel=1e-13)
    assert pv(r, "maturities")[1] == pytest.approx(printed_e, abs=0.5e-5)
    # any fractional assumption: each death of year j is paid in (j, j + 1], at most 11 months
    # earlier than at the year's end: A1 <= A1^(12) <= (1 + i)^(11/12) A1
    annual = term_annual(x, n)
    assert annual < term < (1.0 + RATE) ** (11 / 12) * annual
    # the printed values through the UDD relation, the gap bounded by d^(12) G over n years
    printed_term = printed_endowment - printed_e
    rounding = RATE / I12 * 1e-5  # two printed values
    gap = term - RATE / I12 * printed_term
    assert -rounding <= gap <= D12 * udd_gap_bound(x, n) + rounding
    gap = endowment - (RATE / I12 * printed_term + printed_e)
    assert -rounding - 0.5e-5 <= gap <= D12 * udd_gap_bound(x, n) + rounding + 0.5e-5


# --- guaranteed annuity ---------------------------------------------------------------------------

def test_guaranteed_annuity_due_5_years():
    # ä_{x:5 certain then life} = ä_5 + 5E_x ä_{x+5} (AMLCR Ch. 5, guaranteed annuities), x = 65:
    # 5E_65 = 0.75455 and ä_70 = 12.0083 printed (App. D), ä_5 = (1 - v^5) / d at 5%
    x = 65
    r = run(product="annuity", age_at_entry=x, term=whole_life_months(x), annuity=1.0,
            annuity_interval=12, guarantee=np.array([60, 0]))
    guaranteed, life = pv(r, "annuities")
    certain = (1.0 - V ** 5) / D
    assert guaranteed == pytest.approx(certain + endow(x, 5) * a_due(x + 5), rel=FLOAT)
    tol = 0.5e-5 * 12.0083 + 0.75455 * 0.5e-4
    assert guaranteed == pytest.approx(certain + 0.75455 * 12.0083, abs=tol)
    assert life == pytest.approx(13.5498, abs=0.5e-4)
    assert guaranteed > life


def test_guaranteed_annuity_in_arrears_5_years():
    # in arrears: a_5 + 5E_x a_{x+5}, the 5th payment (time 5) guaranteed, the 6th on 6_p_x
    x = 65
    r = run(product="annuity", age_at_entry=x, term=whole_life_months(x), annuity=1.0,
            annuity_interval=12, arrears=True, guarantee=60)
    certain = (1.0 - V ** 5) / RATE
    assert pv(r, "annuities")[0] == pytest.approx(
        certain + endow(x, 5) * (a_due(x + 5) - 1.0), rel=FLOAT)


# --- cashflows summed per year --------------------------------------------------------------------

def test_term_and_annuity_cashflows_per_year():
    # a 10-year term at 60, sum assured 10,000, 5 a month in advance; an annuity at 65 of 1,200 a
    # year paid monthly in advance. By hand, policy year j, p = p_{x+j}, constant force inside
    # the year: in force at the start of month k is j_p_x p^(k/12), deaths in the year
    # j_p_x q_{x+j} (whole-year survival is exact)
    years, s, prem, ann = 10, 10_000.0, 5.0, 1_200.0
    r = run(product=np.array(["term", "annuity"], dtype=object), age_at_entry=np.array([60, 65]),
            term=np.array([12 * years, whole_life_months(65)]), interval=1,
            premium=np.array([prem, 0.0]), sum_assured=np.array([s, 0.0]),
            annuity=np.array([0.0, ann]), annuity_interval=1)
    for point, x in ((0, 60), (1, 65)):
        in_force = np.array([survival(x, j) * sum((1.0 - Q[x + j]) ** (k / 12) for k in range(12))
                             for j in range(years)])
        deaths = np.array([survival(x, j) * Q[x + j] for j in range(years)])
        assert per_year(line(r, "policies")[point], years) == pytest.approx(in_force, rel=1e-12)
        assert per_year(line(r, "deaths")[point], years) == pytest.approx(deaths, rel=1e-12)
    assert per_year(line(r, "premiums")[0], years) == pytest.approx(
        prem * per_year(line(r, "policies")[0], years), rel=1e-13)
    assert per_year(line(r, "premiums")[0], years)[3] == pytest.approx(
        prem * survival(60, 3) * sum((1.0 - Q[63]) ** (k / 12) for k in range(12)), rel=1e-12)
    claims = per_year(line(r, "claims")[0], years)
    assert claims == pytest.approx([s * survival(60, j) * Q[60 + j] for j in range(years)],
                                   rel=1e-12)
    annuities = per_year(line(r, "annuities")[1], years)
    assert annuities == pytest.approx(
        [ann / 12 * survival(65, j) * sum((1.0 - Q[65 + j]) ** (k / 12) for k in range(12))
         for j in range(years)], rel=1e-12)
    # printed l_x (AMLCR App. D, radix l_20 = 100,000, one decimal): 10_q_60 = 1 - l_70 / l_60
    l60, l70 = 96634.1, 91082.4
    tol = s * l70 / l60 * (0.05 / l70 + 0.05 / l60)
    assert claims.sum() == pytest.approx(s * (1.0 - l70 / l60), abs=tol)
    assert line(r, "lapses").sum() == 0.0 and line(r, "expenses").sum() == 0.0


# --- reserves against `reserva life` --------------------------------------------------------------

def _reserve_per_policy(result, point: int, month: int) -> float:
    return line(result, "reserves")[point, month] / line(result, "policies")[point, month]


def test_pure_endowment_reserve_equals_reserva_life_exactly():
    """Aligned conventions, exact. ``reserva life`` (reserves/accrued/life.py): k = 1 premium a
    year in advance at integer durations, the survival benefit at n, the reserve at an integer
    duration h "just before the premium due at h". The engine: premiums with interval 12 at
    dur = 12 h at the start of the month, the maturity at dur = 12 n at the month's start, the
    reserve of month m the PV of the flows of months u >= m (that month's premium included) over
    v(m), per policy divided by the policies at m's start. With no death benefit, every flow is
    at a policy anniversary on the survivors to whole years, so both are exact: P = S nE_x /
    ä_{x:m} (the engine's ``rated`` rule, no loading) and hV = S (n-h)E_{x+h} - P ä_{x+h:m-h}."""
    x, n, m, s = 50, 15, 10, 1_000.0
    r = run(product="rated_pure_endowment", age_at_entry=x, term=12 * n, premium_term=12 * m,
            interval=12, premium=np.nan, maturity_benefit=s)
    cm = commutation(np.array(Q), 0, RATE)
    hs = np.arange(n)
    life = policy_values(cm, np.full(n, x), n, m, 0.0, s, 1, hs)
    assert r.premium[0] == pytest.approx(life.premium[0], rel=1e-12)
    assert r.premium[0] == pytest.approx(s * endow(x, n) / a_due(x, m), rel=1e-12)
    engine = [_reserve_per_policy(r, 0, 12 * h) for h in hs]
    assert engine == pytest.approx(life.reserve, rel=1e-9, abs=1e-9)
    assert engine[0] == pytest.approx(0.0, abs=1e-9)  # the equivalence premium


@pytest.mark.parametrize("h", [1, 5, 10, 15, 19])
def test_endowment_reserve_at_anniversaries_against_reserva_life(h):
    """Endowment 45/20, sum 100,000, net annual premium (AMLCR Ch. 6-7; ä_{45:20} = 12.9391,
    A_{45:20} = 0.38385, ä_{55:10} = 8.0192 printed). Aligned: annual premiums in advance
    (interval 12, timing start), maturity at n, reserves at anniversaries just before the
    premium, level net premium by the equivalence principle (``rated``). Not alignable: the
    engine pays a death at the end of its MONTH (claims timing end, monthly decrements), ``reserva
    life`` at the end of the policy YEAR. With A1' the engine's monthly term assurance (constant
    force) and A1 the annual one, P' = S (A1'_{x:n} + nE_x) / ä_{x:n} and

        hV' - hV = S [(A1'_{x+h:n-h} - A1_{x+h:n-h})
                      - (A1'_{x:n} - A1_{x:n}) ä_{x+h:n-h} / ä_{x:n}]

    With A1' = (i / i^(12)) A1 + e, 0 <= e <= d^(12) G (module docstring), the engine's reserve
    is ``reserva life``'s plus S (i / i^(12) - 1) (A1_{x+h} - A1_x ä_{x+h} / ä_x), to within
    S d^(12) (G_{x+h:n-h} + G_{x:n} ä_{x+h} / ä_x); A1 and ä are taken from ``reserva life``."""
    x, n, s = 45, 20, 100_000.0
    r = run(product="rated_endowment", age_at_entry=x, term=12 * n, interval=12, premium=np.nan,
            sum_assured=s, maturity_benefit=s)
    at_issue = life_reserve("term", x, term=n, duration=0)
    later = life_reserve("term", x, term=n, duration=h)
    a0, a1_0 = at_issue["annuity_at_issue"], at_issue["assurance_at_issue"]
    ah, a1_h = later["annuity_at_duration"], later["assurance_at_duration"]
    assert a0 == pytest.approx(12.9391, abs=0.5e-4)
    life = life_reserve("endowment", x, term=n, duration=h, sum_insured=s)
    shift = s * (RATE / I12 - 1.0) * (a1_h - a1_0 * ah / a0)
    tol = s * D12 * (udd_gap_bound(x + h, n - h) + udd_gap_bound(x, n) * ah / a0) + 1e-6
    assert _reserve_per_policy(r, 0, 12 * h) == pytest.approx(life["reserve"] + shift, abs=tol)
    premium_shift = s * (RATE / I12 - 1.0) * a1_0 / a0
    assert r.premium[0] == pytest.approx(life["annual_premium"] + premium_shift,
                                         abs=s * D12 * udd_gap_bound(x, n) / a0 + 1e-9)


def test_in_force_point_reserve_equals_the_new_business_reserve_at_its_duration():
    # the same endowment 45/20 in force for 10 years (duration 120 months) at the start, with the
    # issue premium given: its reserve at month 0 is the new-business point's reserve at month
    # 120 per policy in force (the projection depends only on dur and the policies in force)
    x, n, s = 45, 20, 100_000.0
    new = run(product="rated_endowment", age_at_entry=x, term=12 * n, interval=12,
              premium=np.nan, sum_assured=s, maturity_benefit=s)
    old = run(product="endowment", age_at_entry=x, term=12 * n, duration=120, interval=12,
              premium=new.premium[0], sum_assured=s, maturity_benefit=s)
    assert line(old, "policies")[0, 0] == 1.0
    assert _reserve_per_policy(old, 0, 0) == pytest.approx(_reserve_per_policy(new, 0, 120),
                                                           rel=1e-12)
    # and 10V ~ S (1 - ä_{55:10} / ä_{45:20}) (AMLCR Ch. 7, net premium reserve of an endowment)
    # up to the monthly claims (the shift of the previous test, below 0.1% of the value here)
    assert _reserve_per_policy(old, 0, 0) == pytest.approx(s * (1.0 - 8.0192 / 12.9391), rel=1e-3)


def test_rated_premium_of_an_in_force_point_is_the_issue_premium():
    # a level premium set by the equivalence principle at issue (AMLCR Ch. 6) does not change
    # with the policy's duration: the same contract 10 years in force pays the same premium
    r = run(product="rated_endowment", age_at_entry=45, term=240, duration=np.array([0, 120]),
            interval=12, premium=np.nan, sum_assured=100_000.0, maturity_benefit=100_000.0)
    assert r.premium[1] == pytest.approx(r.premium[0], rel=1e-12)


def test_rated_premium_does_not_depend_on_the_projection_horizon():
    # the equivalence premium of the endowment 45/20 is a property of the contract: projecting
    # only its first 5 years (months = 60) must not change it
    points = make_points(1, product="rated_endowment", age_at_entry=45, term=240, interval=12,
                         premium=np.nan, sum_assured=100_000.0, maturity_benefit=100_000.0)
    full = project(points, BASIS).premium[0]
    assert project(points, BASIS, months=60).premium[0] == pytest.approx(full, rel=1e-12)
