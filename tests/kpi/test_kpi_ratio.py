"""Ratio with an undefined state and threshold flags (spec §0.4, decisions 2 and 13)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reserva.kpi.ratio import Ratio, flag, ratio


def test_plain_ratio_keeps_its_inputs():
    # TV-08 (E2 L987-988): expenses 25 per 100 of earned premium = 25%.
    r = ratio(25, 100, what="earned premium")
    assert r == Ratio(0.25, 25.0, 100.0, "")
    assert r.defined and float(r) == 0.25


def test_zero_denominator_is_undefined_with_a_reason():
    # spec §0.4 / decision 13: never 0, never infinity.
    r = ratio(5, 0, what="earned premium")
    assert math.isnan(r.value) and not r.defined
    assert r.reason == "undefined: zero earned premium"
    assert r.numerator == 5.0 and r.denominator == 0.0


@pytest.mark.parametrize("den", [math.nan, math.inf, None])
def test_missing_denominator_is_undefined(den):
    r = ratio(5, den, what="target population")
    assert math.isnan(r.value)
    assert r.reason.startswith("undefined: target population")


def test_missing_numerator_is_undefined():
    r = ratio(math.nan, 10, what="earned premium")
    assert math.isnan(r.value) and r.reason.startswith("undefined:")


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_never_infinite_and_undefined_iff_reason(num, den):
    r = ratio(num, den)
    assert not math.isinf(r.value)
    assert r.defined == (r.reason == "")
    if math.isfinite(num) and math.isfinite(den) and den != 0 and math.isfinite(num / den):
        assert r.value == num / den


def test_flag_bounds_and_inclusiveness():
    # NI ratio benchmark 0%..10% (E1 L683, E2 L1667-1668); TV-08 +5% / -5%.
    assert flag(0.05, 0.0, 0.10) == "ok"
    assert flag(-0.05, 0.0, 0.10) == "below"
    assert flag(0.12, 0.0, 0.10) == "above"
    assert flag(0.10, 0.0, 0.10) == "ok"
    assert flag(0.10, 0.0, 0.10, upper_inclusive=False) == "above"
    # Solvency exactly 1: E2 ">= 1" solvent (L2884), E1 "> 1" not (L1700-1701).
    assert flag(1.0, 1.0, None) == "ok"
    assert flag(1.0, 1.0, None, lower_inclusive=False) == "below"
    # Expense ratio <= 20% (E2 L1148-1150): one-sided.
    assert flag(ratio(25, 100), None, 0.20) == "above"


def test_flag_undefined_is_na():
    assert flag(math.nan, 0.0, 1.0) == "n/a"
    assert flag(ratio(1, 0), 0.0, 1.0) == "n/a"
