"""Snapshot triangles (reported, paid, incurred) at independent origin and development grains."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError
from reserva.io.arrays import day
from reserva.reserves.claims.ibnr import cumulative
from reserva.reserves.claims.snapshots import snapshot_triangle
from reserva.reserves.claims.triangles import reporting_triangle


def _reported(report, amount):
    return lambda t: np.where(report <= t, amount, 0.0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_reported_snapshots_equal_the_reporting_triangle(data):
    n = data.draw(st.integers(1, 40))
    base = date(2022, 1, 1)
    ev = np.array([day(base + timedelta(days=data.draw(st.integers(0, 900)))) for _ in range(n)])
    rp = ev + np.array([data.draw(st.integers(0, 400)) for _ in range(n)])
    amt = np.array([float(data.draw(st.integers(1, 100))) for _ in range(n)])
    seg = np.array([data.draw(st.integers(0, 1)) for _ in range(n)], np.int32)
    v = day(base + timedelta(days=data.draw(st.integers(0, 1200))))
    grain = data.draw(st.sampled_from([1, 3, 12]))
    tri = reporting_triangle(seg, np.array(["A", "B"]), ev, rp, amt, v, grain, first_day=day(base))
    snap = snapshot_triangle(seg, np.array(["A", "B"]), ev, _reported(rp, amt), v,
                             origin_grain=grain, dev_grain=grain, first_day=day(base))
    np.testing.assert_allclose(snap.cumulative, cumulative(tri.amount), equal_nan=True)
    np.testing.assert_array_equal(snap.origin_start, tri.origin_start)


def test_annual_origins_by_quarter_worked_by_hand():
    # origin years 2024, 2025; quarterly development; valuation 2025-08-15 (Q3 partial)
    ev = np.array([day("2024-02-01"), day("2024-11-01"), day("2025-03-01")])
    rp = np.array([day("2024-02-10"), day("2025-01-10"), day("2025-08-20")])  # last: after v
    amt = np.array([10.0, 20.0, 40.0])
    s = snapshot_triangle(np.zeros(3, np.int32), np.array(["A"]), ev, _reported(rp, amt),
                          day("2025-08-15"), origin_grain=12, dev_grain=3,
                          first_day=day("2024-01-01"))
    # 2024: Q1..Q4 2024 then Q1..Q3 2025 -> 7 known periods: 10, 10, 10, 10, 30, 30, 30
    # 2025: Q1..Q3 2025 -> 0, 0, 0 (its claim is reported after the valuation date)
    np.testing.assert_array_equal(s.cumulative[0, 0], [10, 10, 10, 10, 30, 30, 30])
    np.testing.assert_array_equal(s.cumulative[0, 1, :3], [0, 0, 0])
    assert np.isnan(s.cumulative[0, 1, 3:]).all()
    assert [str(x) for x in s.origin_start] == ["2024-01-01", "2025-01-01"]


def test_paid_and_incurred_snapshots():
    # one claim: event Jan, reported Feb (claimed 100), paid 60 in April, 40 in July
    ev, rp = np.array([day("2025-01-10")]), np.array([day("2025-02-10")])
    pays = [(day("2025-04-10"), 60.0), (day("2025-07-10"), 40.0)]
    paid = lambda t: np.array([sum(a for d, a in pays if d <= t)])  # noqa: E731
    outstanding = lambda t: np.where(rp <= t, 100.0 - paid(t), 0.0)  # noqa: E731
    args = dict(origin_grain=3, dev_grain=3, first_day=day("2025-01-01"))
    p = snapshot_triangle(np.zeros(1, np.int32), np.array(["A"]), ev, paid, day("2025-09-30"), **args)
    i = snapshot_triangle(np.zeros(1, np.int32), np.array(["A"]), ev,
                          lambda t: paid(t) + outstanding(t), day("2025-09-30"), **args)
    np.testing.assert_array_equal(p.cumulative[0, 0], [0, 60, 100])
    np.testing.assert_array_equal(i.cumulative[0, 0], [100, 100, 100])


def test_grains_must_nest():
    with pytest.raises(AssumptionError, match="multiple"):
        snapshot_triangle(np.zeros(0, np.int32), np.array(["A"]), np.zeros(0, np.int64),
                          lambda t: np.zeros(0), day("2025-06-30"), origin_grain=3, dev_grain=2,
                          first_day=day("2025-01-01"))
