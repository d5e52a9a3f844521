"""Product-value ratios P16/P02, P11/P02, P28/P02 (spec §1.2-1.4)."""

import math

import pytest

from engine.kpi.value import value_ratios


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
