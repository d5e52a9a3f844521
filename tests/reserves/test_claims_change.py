"""IBNR analysis of change between two closes (hand example; the steps close to the cent)."""

from __future__ import annotations

import numpy as np
import pytest

from reserva.reserves.claims.change import ibnr_change

Q = np.array(["2025-01-01", "2025-04-01", "2025-07-01"], dtype="datetime64[D]")


def test_steps_worked_by_hand():
    # previous close (Q1, Q2): reported 100, 50; CDF 1.0, 1.5 -> IBNR 0, 25
    # expected in the period: Q2 one period older develops by 1.5 / 1.0: 50 x 0.5 = 25
    # now (Q1..Q3): reported 100, 80, 40; IBNR 0, 0, 20 -> actual 30 = expected 25 + 5
    c = ibnr_change(
        Q[None, :2], np.array([[100.0, 50.0]]), np.array([[1.0, 1.5]]), np.array([[0.0, 25.0]]),
        Q, np.array([[100.0, 80.0, 40.0]]), np.array([[0.0, 0.0, 20.0]]), np.array(["HE"]),
    )
    assert c.opening[0] == 25 and c.expected_emergence[0] == 25
    assert c.actual_reported[0] == 30 and c.actual_minus_expected[0] == 5
    assert c.new_origins[0] == 20 and c.closing[0] == 20
    assert c.remeasurement[0] == pytest.approx(0.0)


def test_steps_add_up_for_any_inputs():
    rng = np.random.default_rng(3)
    prev_latest = rng.gamma(2, 50, (2, 2))
    c = ibnr_change(np.tile(Q[:2], (2, 1)), prev_latest, 1 + rng.random((2, 2)),
                    rng.gamma(2, 10, (2, 2)), Q, rng.gamma(2, 50, (2, 3)),
                    rng.gamma(2, 10, (2, 3)), np.array(["A", "B"]))
    s = c.steps()
    np.testing.assert_allclose(
        s["opening"] + s["expected_emergence"] + s["new_origins"] + s["remeasurement"],
        s["closing"])
