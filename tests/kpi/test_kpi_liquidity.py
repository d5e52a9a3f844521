"""Liquidity ratio and 3-month short-term liabilities (spec §1.11, §4.1, §5.6)."""

import math

import pytest

from reserva.errors import AssumptionError
from reserva.kpi.liquidity import (
    ShortTerm,
    liquidity,
    rule_of_thumb,
    short_term_liabilities_factor,
)

# TV-21, E2 L3242-3300 (illustrative factor table).
AMOUNTS = {"upr": 1_000_000, "ocs": 300_000, "ibnr": 500_000, "alr": 2_000_000, "other": 1_000_000}
FACTORS = {"upr": 0.25, "ocs": 1.00, "ibnr": 0.50, "alr": 0.05, "other": 0.75}


def test_tv21_factor_table():
    st = short_term_liabilities_factor(AMOUNTS, FACTORS)
    assert st.reserves_total == 4_800_000
    assert st.total == 1_650_000
    assert dict(st.by_item) == {
        "upr": 250_000, "ocs": 300_000, "ibnr": 250_000, "alr": 100_000, "other": 750_000,
    }
    # Weighted factor 34.375% (DERIVED, spec §5.6).
    assert st.weighted_factor.value == pytest.approx(0.34375, abs=5e-6)


def test_expense_add_on_is_added_outside_the_factors():
    # E2 L3205-3206: the factor estimates do not cover all future expenses.
    st = short_term_liabilities_factor(AMOUNTS, FACTORS, expense_add_on=50_000)
    assert st.total == 1_700_000
    assert st.weighted_factor.value == pytest.approx(0.34375, abs=5e-6)


def test_factor_assumptions_are_checked():
    with pytest.raises(AssumptionError, match="ibnr"):
        short_term_liabilities_factor(AMOUNTS, {k: v for k, v in FACTORS.items() if k != "ibnr"})
    with pytest.raises(AssumptionError):
        short_term_liabilities_factor(AMOUNTS, {**FACTORS, "ocs": 1.5})
    with pytest.raises(AssumptionError):
        short_term_liabilities_factor(AMOUNTS, FACTORS, expense_add_on=-1.0)


def test_rule_of_thumb_derived_example():
    # DERIVED (spec §5.6): 25% of 12-month claims of 1,200,000 = 300,000 (E2 L3178-3206).
    assert rule_of_thumb(1_200_000, 0.25, 0.0) == pytest.approx(300_000, abs=0.5)
    # A 10% growth margin: 300,000 x 1.1 = 330,000.
    assert rule_of_thumb(1_200_000, 0.25, 0.10) == pytest.approx(330_000, abs=0.5)
    with pytest.raises(AssumptionError):
        rule_of_thumb(1_200_000, 1.25, 0.0)


def test_tv08_liquidity_meaning_example():
    # TV-08 (E2 L3163-3164): cash 120 per 100 of short-term liabilities = 120%.
    assert liquidity(120, 100).value == pytest.approx(1.20, abs=0.005)
    st = ShortTerm(total=100.0, by_item={}, reserves_total=0.0)
    assert liquidity(120, st).value == pytest.approx(1.20, abs=0.005)


def test_liquidity_against_the_factor_estimate_and_zero_liabilities():
    st = short_term_liabilities_factor(AMOUNTS, FACTORS)
    r = liquidity(1_980_000, st)
    assert (r.numerator, r.denominator) == (1_980_000, 1_650_000)
    zero = liquidity(100, 0)
    assert math.isnan(zero.value) and zero.reason == "undefined: zero short-term liabilities"
