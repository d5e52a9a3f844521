"""Product-value ratios P16/P02, P11/P02, P28/P02 and the claims sub-indicators frequency,
severity and exposure (spec §1.2-1.4)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, ComputationError
from reserva.io.arrays import NEVER, day
from reserva.kpi.value import claim_experience, exposure_years, value_ratios


def test_tv08_meaning_examples():
    # TV-08: expense 25 / EP 100 = 25% (E2 L987-988); claims 70 / 100 = 70% (E2 L1279-1280);
    # NI +5 / 100 = 5% and -5 / 100 = -5% (E2 L1513-1515).
    r = value_ratios(p02=100, p11=70, p16=25, p28=5)
    assert r.expense.value == pytest.approx(0.25, abs=0.005)
    assert r.claims.value == pytest.approx(0.70, abs=0.005)
    assert r.net_income.value == pytest.approx(0.05, abs=0.005)
    loss = value_ratios(p02=100, p11=70, p16=25, p28=-5)
    assert loss.net_income.value == pytest.approx(-0.05, abs=0.005)


def test_ratios_use_the_right_lines():
    # Distinct values per line so that a swapped argument fails.
    r = value_ratios(p02=200, p11=150, p16=30, p28=40)
    assert (r.claims.numerator, r.expense.numerator, r.net_income.numerator) == (150, 30, 40)
    assert {r.claims.denominator, r.expense.denominator, r.net_income.denominator} == {200}


def test_zero_earned_premium_is_undefined():
    # Decision 13: zero earned premium -> N/A with a reason, never 0 or inf.
    r = value_ratios(p02=0, p11=10, p16=5, p28=-15)
    for x in (r.expense, r.claims, r.net_income):
        assert math.isnan(x.value)
        assert x.reason == "undefined: zero earned premium"


# --- claim experience: exposure, frequency, severity (spec §1.4) ----------------------------

P2007 = (day("2006-12-31"), day("2007-12-31"))  # (period_start, period_end]


def per_day_reference(start, end, period_start, period_end, days_per_year):
    # Slow and obvious: walk the period's days and count those inside the term.
    out = []
    for s, e in zip(start, end, strict=True):
        covered = sum(1 for t in range(period_start + 1, period_end + 1) if s <= t <= e)
        out.append(covered / days_per_year)
    return out


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(-20, 120), st.one_of(st.none(), st.integers(-5, 150))),
             max_size=20),
    st.integers(0, 60), st.integers(1, 60), st.sampled_from([365.25, 365.0, 30.0]),
)
def test_exposure_years_matches_a_per_day_reference(terms, lo, width, days_per_year):
    hi = lo + width
    start = np.array([s for s, _ in terms], dtype=np.int64)
    end = np.array([NEVER if n is None else s + n for s, n in terms], dtype=np.int64)
    got = exposure_years(start, end, period_start=lo, period_end=hi,
                         days_per_year=days_per_year)
    assert got.tolist() == pytest.approx(
        per_day_reference(start, end, lo, hi, days_per_year), abs=1e-12)


def test_exposure_years_hand_example():
    # One member covered all of 2007 (365 days, both ends covered): 365 / 365.25 = 0.99932
    # exposure-years with the default; exactly 1 with days_per_year = 365 (E1 footnote 15:
    # one person covered for one year). A term from 2007-07-01 covers 184 days of 2007.
    start = np.array([day("2007-01-01"), day("2007-07-01"), day("2005-03-01"),
                      day("2007-12-31"), day("2004-01-01")])
    end = np.array([day("2007-12-31"), day("2008-06-30"), day("2006-12-31"),
                    day("2008-12-30"), NEVER])
    ps, pe = P2007
    default = exposure_years(start, end, period_start=ps, period_end=pe)
    assert default.tolist() == pytest.approx([0.99932, 0.50376, 0.0, 0.00274, 0.99932],
                                             abs=5e-6)
    exact = exposure_years(start, end, period_start=ps, period_end=pe, days_per_year=365)
    assert exact.tolist() == pytest.approx([1.0, 184 / 365, 0.0, 1 / 365, 1.0], abs=1e-12)
    leap = exposure_years(np.array([day("2008-01-01")]), np.array([day("2008-12-31")]),
                          period_start=day("2007-12-31"), period_end=day("2008-12-31"))
    assert leap.tolist() == pytest.approx([1.00205], abs=5e-6)  # 366 / 365.25


def test_exposure_years_bad_parameters():
    ps, pe = P2007
    one = np.array([ps + 1])
    with pytest.raises(AssumptionError):
        exposure_years(one, one, period_start=ps, period_end=pe, days_per_year=0)
    with pytest.raises(AssumptionError):
        exposure_years(one, one, period_start=pe, period_end=ps)
    with pytest.raises(ComputationError):
        exposure_years(one, np.array([pe, pe]), period_start=ps, period_end=pe)


def test_frequency_is_claims_over_insured_in_the_period():
    # E2 glossary L4391-4396: frequency = claims / total insured, for a sample over a period.
    # 200 members each covered all of 2007 (one exposure-year each, E1 footnote 15), 3 claims
    # paying 1,500 -> frequency 3 / 200 = 1.5%, severity 500, burning cost 7.50 per member.
    ps, pe = P2007
    start = np.full(200, day("2007-01-01"))
    end = np.full(200, day("2007-12-31"))
    exposure = exposure_years(start, end, period_start=ps, period_end=pe, days_per_year=365)
    x = claim_experience(3, 1500.0, exposure.sum())
    assert x.exposure == pytest.approx(200.0, abs=1e-9)
    assert x.frequency.value == pytest.approx(0.015, abs=0.0005)
    assert x.severity.value == pytest.approx(500.0, abs=0.005)
    assert x.burning_cost.value == pytest.approx(7.50, abs=0.005)


@given(st.integers(1, 10_000), st.floats(0, 1e9), st.floats(0.01, 1e6))
def test_paid_is_frequency_times_exposure_times_severity(claims, paid, exposure):
    # Spec §1.4 DECISION: paid = frequency x exposures x severity; per exposure = f x s.
    x = claim_experience(claims, paid, exposure)
    assert x.frequency.value * x.exposure * x.severity.value == pytest.approx(paid, rel=1e-9,
                                                                              abs=1e-9)
    assert x.burning_cost.value == pytest.approx(x.frequency.value * x.severity.value,
                                                 rel=1e-9, abs=1e-12)
    assert (x.claims, x.paid, x.exposure) == (claims, paid, exposure)


def test_zero_exposure_or_zero_claims_is_undefined():
    # Decision 13: N/A with a reason, never 0 or infinity.
    x = claim_experience(2, 300.0, 0.0)
    assert math.isnan(x.frequency.value) and math.isnan(x.burning_cost.value)
    assert x.frequency.reason == "undefined: zero exposure-years"
    assert x.burning_cost.reason == "undefined: zero exposure-years"
    assert x.severity.value == pytest.approx(150.0, abs=1e-12)
    y = claim_experience(0, 0.0, 12.5)
    assert math.isnan(y.severity.value)
    assert y.severity.reason == "undefined: zero claims"
    assert y.frequency.value == 0.0 and y.burning_cost.value == 0.0


def test_negative_counts_are_refused():
    with pytest.raises(ComputationError):
        claim_experience(-1, 0.0, 1.0)
    with pytest.raises(ComputationError):
        claim_experience(1, 0.0, -1.0)
