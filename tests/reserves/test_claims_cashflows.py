"""Unpaid claims cashflows: payment timing from the paid triangle, amounts from the reserves."""

from __future__ import annotations

import numpy as np
import pytest

from reserva.io.arrays import day
from reserva.reserves.claims.cashflows import future_increments, unpaid_cashflows


def _records():
    # product 0, quarterly origins 2025Q1..Q3, valuation 2025-09-30; cumulative paid by hand:
    #   Q1: 100, 150, 160     Q2: 80, 120     Q3: 50
    rows = [("2025-02-01", "2025-02-15", 100), ("2025-02-01", "2025-05-15", 50),
            ("2025-02-01", "2025-08-15", 10), ("2025-05-01", "2025-05-20", 80),
            ("2025-05-01", "2025-08-20", 40), ("2025-08-01", "2025-08-25", 50),
            ("2025-08-01", "2025-10-05", 999)]  # paid after the valuation date: not known
    event = np.array([day(r[0]) for r in rows])
    pay = np.array([day(r[1]) for r in rows])
    amount = np.array([float(r[2]) for r in rows])
    return np.zeros(len(rows), np.int32), event, pay, amount


def test_pattern_and_amounts_worked_by_hand():
    # f0 = (150 + 120) / (100 + 80) = 1.5; f1 = 160 / 150
    # next quarter: Q2 120 -> 128 (+8), Q3 50 -> 75 (+25): 33; the one after: Q3 75 -> 80 (+5)
    # reserves 380 are paid 380 x 33/38 = 330 then 380 x 5/38 = 50, a third in each month
    product, event, pay, amount = _records()
    cf = unpaid_cashflows(product, np.array(["HE"]), event, pay, amount, day("2025-09-30"),
                          np.array([380.0]), grain_months=3, first_day=day("2025-01-01"),
                          fallback_periods=1, horizon_months=12)
    np.testing.assert_allclose(cf.pattern[0], [33 / 38, 5 / 38])
    np.testing.assert_allclose(cf.amount[0, :6], [110, 110, 110, 50 / 3, 50 / 3, 50 / 3])
    assert cf.amount[0].sum() == pytest.approx(380.0, abs=1e-9)
    assert cf.source == ("paid triangle",)


def test_fallback_and_horizon_keep_the_total():
    product, event, pay, amount = _records()
    products = np.array(["HE", "GL"])  # GL has no payments at all
    cf = unpaid_cashflows(product, products, event, pay, amount, day("2025-09-30"),
                          np.array([380.0, 90.0]), grain_months=3, first_day=day("2025-01-01"),
                          fallback_periods=1, horizon_months=4)
    assert cf.source == ("paid triangle", "fallback")
    np.testing.assert_allclose(cf.amount[1], [30, 30, 30, 0])
    # month 4 carries everything after it (horizon 4 months)
    np.testing.assert_allclose(cf.amount[0], [110, 110, 110, 50])
    np.testing.assert_allclose(cf.amount.sum(axis=1), [380, 90])


def test_future_increments_of_a_flat_pattern_are_zero():
    latest = np.array([[10.0, 20.0, 30.0]])
    assert np.allclose(future_increments(latest, np.ones((1, 2))), 0.0)


def test_scaling_reserves_scales_cashflows():
    product, event, pay, amount = _records()
    args = dict(grain_months=3, first_day=day("2025-01-01"), fallback_periods=2, horizon_months=24)
    a = unpaid_cashflows(product, np.array(["HE"]), event, pay, amount, day("2025-09-30"),
                         np.array([100.0]), **args)
    b = unpaid_cashflows(product, np.array(["HE"]), event, pay, amount * 7, day("2025-09-30"),
                         np.array([300.0]), **args)
    np.testing.assert_allclose(b.amount, 3 * a.amount)  # timing unchanged by the paid scale


def test_a_pattern_from_the_assumption_set_replaces_the_paid_triangle():
    product, event, pay, amount = _records()
    cf = unpaid_cashflows(product, np.array(["HE"]), event, pay, amount, day("2025-09-30"),
                          np.array([300.0]), grain_months=3, first_day=day("2025-01-01"),
                          fallback_periods=1, horizon_months=9, patterns={0: (0.5, 0.3, 0.2)})
    assert cf.source == ("assumption set",)
    np.testing.assert_allclose(cf.amount[0], [50, 50, 50, 30, 30, 30, 20, 20, 20])
