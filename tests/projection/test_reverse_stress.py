"""Reverse stress search (reserva.projection.reverse_stress): analytic cases worked by hand,
the outcomes at the bounds, the threshold property by hypothesis over monotone piecewise-linear
metrics, the non-monotonicity report and the argument errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ArgumentError, ComputationError
from reserva.projection.reverse_stress import smallest_breaking_multiplier

TOL = 1e-6


def search(metric, threshold=1.0, **kw):
    options = {"low": 1.0, "high": 10.0, "tolerance": TOL, "max_iterations": 200} | kw
    return smallest_breaking_multiplier(metric, threshold, **options)


# ---------------------------------------------------------------------------- analytic cases

@pytest.mark.parametrize("points", [1, 3, 8])
def test_linear_metric_breaks_just_above_one(points):
    # metric(k) = 2 - k, threshold 1: metric < 1 <=> k > 1, so k* = 1 (the infimum).
    r = search(lambda k: 2.0 - k, low=0.0, high=4.0, points=points)
    assert r.reached and not r.breached_at_low and r.converged and r.monotone
    assert 1.0 < r.multiplier <= 1.0 + TOL
    assert r.metric == pytest.approx(2.0 - r.multiplier)
    a, b = r.bracket
    assert b == r.multiplier and b - a <= TOL and 2.0 - a >= 1.0
    # steps: ceil(log_{n+1}(4 / 1e-6))
    assert r.iterations == math.ceil(math.log(4.0 / TOL, points + 1) - 1e-12)
    assert r.evaluations == 2 + points * r.iterations


def test_step_function():
    # metric 1.5 up to k = 3.25 inclusive, 0.5 beyond: k* = 3.25, found in (3.25, 3.25 + tol].
    r = search(lambda k: np.where(k <= 3.25, 1.5, 0.5))
    assert r.reached and r.monotone and r.metric == 0.5
    assert 3.25 < r.multiplier <= 3.25 + TOL


def test_liquidity_ratio_worked_by_hand():
    # 3-month ratio = (cash 300 + premiums 150) / (claims 200 k + expenses 100): with k the claims
    # multiplier, ratio < 1 <=> 200 k + 100 > 450 <=> k > 1.75; at k = 1 the ratio is 1.5.
    def ratio(k):
        return (300.0 + 150.0) / (200.0 * k + 100.0)

    r = search(ratio, low=1.0, high=5.0, points=4)
    assert ratio(np.array([1.0]))[0] == 1.5
    assert 1.75 < r.multiplier <= 1.75 + TOL
    assert r.metric == pytest.approx(1.0, abs=TOL)  # the ratio at 100% within tolerance
    assert r.metric < 1.0


def test_not_reached_within_the_search_bound():
    r = search(lambda k: 3.0 - 0.1 * k, high=10.0)  # 2.0 at the bound
    assert not r.reached and r.multiplier is None and not r.breached_at_low
    assert r.metric == pytest.approx(2.0) and r.bracket == (1.0, 10.0)
    assert r.iterations == 0 and r.evaluations == 2
    assert r.status == "not reached within the search bound"


def test_threshold_exactly_at_high_is_not_reached():
    r = search(lambda k: 11.0 - k, high=10.0)  # metric(10) = 1 = threshold: not below it
    assert not r.reached and r.multiplier is None


def test_breached_at_low():
    r = search(lambda k: 0.8 / k)
    assert r.reached and r.breached_at_low and r.multiplier == 1.0 and r.metric == 0.8
    assert r.bracket == (1.0, 1.0) and r.iterations == 0 and r.status == "breached_at_low"


def test_max_iterations_runs_out():
    r = search(lambda k: 2.0 - k, low=0.0, high=4.0, max_iterations=3)
    assert r.reached and not r.converged and r.iterations == 3
    a, b = r.bracket
    assert b - a == pytest.approx(0.5) and 2.0 - a >= 1.0 > 2.0 - b


def test_metric_is_called_with_batches():
    sizes = []

    def metric(k):
        sizes.append(k.shape)
        return 2.0 - k

    search(metric, low=0.0, high=4.0, points=5, max_iterations=2)
    assert sizes == [(2,), (5,), (5,)]


# ---------------------------------------------------------------------------- property

@st.composite
def monotone_piecewise_linear(draw):
    """Knots on [0, 12], non-increasing values: a non-increasing piecewise-linear metric."""
    n = draw(st.integers(2, 6))
    xs = sorted(draw(st.lists(st.floats(0.0, 12.0), min_size=n, max_size=n, unique=True)))
    drops = draw(st.lists(st.floats(0.0, 2.0), min_size=n, max_size=n))
    start = draw(st.floats(0.0, 4.0))
    ys = start - np.cumsum(drops)
    return np.array(xs), ys


@settings(max_examples=150, deadline=None)
@given(curve=monotone_piecewise_linear(), threshold=st.floats(-6.0, 4.0),
       points=st.integers(1, 6), low=st.floats(0.0, 5.0), width=st.floats(0.5, 7.0))
def test_found_multiplier_puts_the_metric_at_the_threshold(curve, threshold, points, low,
                                                           width):
    xs, ys = curve

    def metric(k):
        return np.interp(k, xs, ys)  # constant beyond the end knots: still non-increasing

    high = low + width
    r = search(metric, threshold, low=low, high=high, tolerance=TOL, points=points)
    assert r.monotone
    m_low, m_high = metric(np.array([low, high]))
    if m_low < threshold:
        assert r.breached_at_low and r.multiplier == low
    elif m_high >= threshold:
        assert not r.reached and r.multiplier is None
    else:
        k = r.multiplier
        assert r.converged and low < k <= high
        assert metric(np.array([k]))[0] < threshold <= metric(np.array([k - TOL]))[0]


# ---------------------------------------------------------------------------- non-monotone

def test_non_monotone_metric_is_reported():
    # 1.5 up to 2, rising to 2.0 on (2, 6], 0.5 beyond: bisection on [1, 9] evaluates 5 first
    # (2.0 > metric(1) = 1.5: contradicts the bracket) and still ends at the crossing at 6.
    def metric(k):
        return np.where(k <= 2.0, 1.5, np.where(k <= 6.0, 2.0, 0.5))

    r = search(metric, high=9.0)
    assert r.reached and not r.monotone and r.violation == (1.0, 5.0)
    assert 6.0 < r.multiplier <= 6.0 + TOL


def test_a_dip_seen_in_a_batch_is_reported_and_the_first_crossing_kept():
    # Broken on (2.5, 3.5) only, then for good above 6. With 3 points on [1, 9] the first step
    # sees 3 (broken), 5 (not), 7 (broken): reported, and the bracket keeps the first crossing.
    def metric(k):
        return np.where((k > 2.5) & (k < 3.5), 0.5, np.where(k <= 6.0, 1.5, 0.5))

    r = search(metric, high=9.0, points=3)
    assert not r.monotone and r.violation == (3.0, 5.0)
    assert 2.5 < r.multiplier <= 2.5 + TOL


def test_a_dip_between_evaluations_is_not_seen():
    # The limit of any search that samples: bisection on [1, 9] never evaluates inside (2, 3)
    # after its first step (metric(5) = 1.5 moves the bracket to [5, 9]): the crossing at 6.
    def metric(k):
        return np.where((k > 2.0) & (k < 3.0), 0.5, np.where(k <= 6.0, 1.5, 0.5))

    r = search(metric, high=9.0)
    assert r.monotone and 6.0 < r.multiplier <= 6.0 + TOL


def test_non_monotone_bounds_are_reported():
    r = search(lambda k: np.where(k < 5.0, 0.5, 1.5))  # broken at low, fine at high
    assert r.breached_at_low and not r.monotone and r.violation == (1.0, 10.0)


def test_monotone_metric_has_no_violation():
    r = search(lambda k: 5.0 - k)
    assert r.monotone and r.violation is None


# ---------------------------------------------------------------------------- errors

@pytest.mark.parametrize("kw, match", [
    ({"low": 2.0, "high": 2.0}, "high 2.0: expected a bound above low"),
    ({"low": 3.0, "high": 2.0}, "high 2.0: expected a bound above low"),
    ({"tolerance": 0.0}, "tolerance 0.0: expected a positive width"),
    ({"tolerance": -1e-3}, "tolerance -0.001: expected a positive width"),
    ({"high": math.inf}, "high inf: expected a finite number"),
    ({"low": math.nan}, "low nan: expected a finite number"),
    ({"max_iterations": 0}, "max_iterations 0: expected a whole number >= 1"),
    ({"points": 2.5}, "points 2.5: expected a whole number >= 1"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ArgumentError, match=match):
        search(lambda k: 2.0 - k, **kw)


def test_bad_threshold_and_every_bad_argument_at_once():
    with pytest.raises(ArgumentError, match="threshold nan"):
        search(lambda k: 2.0 - k, math.nan)
    with pytest.raises(ArgumentError) as info:
        search(lambda k: 2.0 - k, low=5.0, high=1.0, tolerance=0.0, max_iterations=-1)
    assert [c.column for c in info.value.cells] == ["high", "tolerance", "max_iterations"]
    with pytest.raises(ArgumentError, match="metric"):
        search("not callable")


def test_metric_of_the_wrong_shape_or_not_finite():
    with pytest.raises(ArgumentError, match="metric returned shape"):
        search(lambda k: 1.0)
    with pytest.raises(ComputationError, match="not finite at multiplier 10.0"):
        search(lambda k: np.where(k > 9.0, np.nan, 2.0 - k))
