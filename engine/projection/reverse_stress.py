"""Reverse stress: the smallest shock multiplier that breaks a metric, by a monotone search.

Problem. ``f(k)`` is a metric (e.g. the 3-month liquidity ratio) under a shock scaled by the
multiplier ``k``, assumed non-increasing in ``k`` (a stronger shock never improves it), and
``t`` its threshold (e.g. 100%). Wanted on the search bound ``[low, high]``::

    k* = inf { k in [low, high] : f(k) < t }

Method: bracketing, the bisection method generalised to ``n`` points per step (Burden & Faires,
*Numerical Analysis*, 9th ed., §2.1 "The Bisection Method"; with ``n = 1`` it is that method on
``g(k) = f(k) - t``, whose sign change is the bracket). The invariant is a bracket ``[a, b]``
with ``f(a) >= t > f(b)``; every step evaluates ``f`` at the ``n`` interior points
``a + j (b - a) / (n + 1)``, ``j = 1 .. n``, **in one call** (``f`` takes an array of
multipliers and returns an array: the stress kernels evaluate many scenarios at once), and keeps
the sub-interval between the last point not broken and the first point broken::

    a_0 = low, b_0 = high                          (when f(low) >= t > f(high))
    b_i - a_i = (high - low) / (n + 1)^i
    stop when b_i - a_i <= tolerance (or after max_iterations steps)
    result k = b_i :  f(k) < t <= f(a_i),  a_i >= k - tolerance

so that, for a non-increasing ``f``, ``f(k) < t <= f(k - tolerance)``: the metric at the
returned multiplier is past the threshold and within ``tolerance`` of the multiplier where it
reaches it (Burden & Faires, Theorem 2.1: ``|k - k*| <= (b_0 - a_0) / 2^i`` for ``n = 1``).
Steps needed: ``ceil(log_{n+1}((high - low) / tolerance))``.

Outcomes:

- ``f(low) < t``: already breached at ``low`` (multiplier ``low``, no search);
- ``f(high) >= t``: not reached within the search bound (no multiplier);
- otherwise reached, with the bracket that proves it.

Monotonicity is assumed, not trusted: every evaluation is checked against the bracket (the
values ``f(a), f(a + h), ..., f(b)`` of a step must be non-increasing, up to rounding: a rise
of at most ``ROUNDING = 1e-12`` relative to the larger value is not a contradiction). A
contradiction is recorded in the result (``monotone = False`` and the first pair of multipliers
that showed it); the search still ends at a crossing ``f(a) >= t > f(b)`` within tolerance, but
it need not be the smallest one, and the result says so rather than passing it off as ``k*``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reserva.errors import ARGUMENT, ArgumentError, BadCell, ComputationError
from reserva.finite import is_finite_number

__all__ = ["ReverseStressResult", "smallest_breaking_multiplier"]

Metric = Callable[[np.ndarray], np.ndarray]
ROUNDING = 1e-12  # a relative rise this small is rounding, not a non-monotone metric


@dataclass(frozen=True)
class ReverseStressResult:
    """The outcome of a reverse-stress search.

    ``multiplier``: the smallest multiplier found with ``metric < threshold`` (``None`` when
    not reached within the search bound); ``metric``: the metric at it (at ``high`` when not
    reached); ``reached``: a breaking multiplier exists in ``[low, high]``; ``breached_at_low``:
    the metric is already below the threshold at ``low``; ``converged``: the bracket is within
    the tolerance (False only when ``max_iterations`` ran out first); ``iterations``: refinement
    steps; ``evaluations``: multipliers evaluated; ``bracket``: ``(a, b)`` with
    ``metric(a) >= threshold > metric(b)`` (``(low, low)`` when breached at low, ``(low,
    high)`` when not reached); ``monotone``: no evaluation contradicted a non-increasing metric;
    ``violation``: the first pair ``(k1, k2)``, ``k1 < k2``, with ``metric(k1) < metric(k2)``.
    """

    multiplier: float | None
    metric: float
    reached: bool
    breached_at_low: bool
    converged: bool
    iterations: int
    evaluations: int
    bracket: tuple[float, float]
    monotone: bool
    violation: tuple[float, float] | None = None

    @property
    def status(self) -> str:
        """``breached_at_low``, ``reached`` or ``not reached within the search bound``."""
        if self.breached_at_low:
            return "breached_at_low"
        return "reached" if self.reached else "not reached within the search bound"


def smallest_breaking_multiplier(metric: Metric, threshold: float, *, low: float = 1.0,
                                 high: float, tolerance: float, max_iterations: int,
                                 points: int = 1) -> ReverseStressResult:
    """The smallest multiplier ``k`` in ``[low, high]`` with ``metric(k) < threshold``.

    Parameters
    ----------
    metric
        Vectorised metric: a 1-D float array of multipliers in, an array of the same shape of
        metric values out (finite). Assumed non-increasing in the multiplier.
    threshold
        The metric breaks when strictly below it (e.g. 1.0 for a liquidity ratio of 100%).
    low, high
        The search bound, ``low < high``, finite.
    tolerance
        Width of the final bracket in multiplier units, ``> 0``.
    max_iterations
        Refinement steps at most, ``>= 1``; ``converged`` is False when they run out first.
    points
        Multipliers evaluated per step in one call of ``metric`` (``1`` = bisection); each step
        shrinks the bracket by ``points + 1``.

    Returns
    -------
    ReverseStressResult
        See the module docstring for the outcomes and the monotonicity check.

    Raises
    ------
    ArgumentError
        A bad argument (every one at once), or ``metric`` returning the wrong shape.
    ComputationError
        ``metric`` returned a non-finite value.
    """
    _check_arguments(metric, threshold, low, high, tolerance, max_iterations, points)
    search = _Search(metric, float(threshold))
    m_low, m_high = search.evaluate(np.array([low, high], dtype=float))
    search.check_order([low, high], [m_low, m_high])
    if m_low < threshold:
        return search.result(low, m_low, reached=True, at_low=True, converged=True,
                             bracket=(low, low))
    if m_high >= threshold:
        return search.result(None, m_high, reached=False, at_low=False, converged=True,
                             bracket=(low, high))
    a, b, m_b = float(low), float(high), float(m_high)
    m_a = float(m_low)
    while b - a > tolerance and search.iterations < max_iterations:
        a, m_a, b, m_b = search.refine(a, m_a, b, m_b, points)
    return search.result(b, m_b, reached=True, at_low=False, converged=b - a <= tolerance,
                         bracket=(a, b))


class _Search:
    """The state of one search: evaluations made, steps taken, the first contradiction."""

    def __init__(self, metric: Metric, threshold: float):
        self.metric = metric
        self.threshold = threshold
        self.iterations = 0
        self.evaluations = 0
        self.violation: tuple[float, float] | None = None

    def evaluate(self, multipliers: np.ndarray) -> np.ndarray:
        values = np.asarray(self.metric(multipliers), dtype=float)
        if values.shape != multipliers.shape:
            raise ArgumentError.bad("metric", f"returning shape {values.shape}",
                                    f"an array of shape {multipliers.shape}, one value per "
                                    "multiplier", "make the metric vectorised over multipliers",
                                    summary=f"metric returned shape {values.shape} for "
                                    f"{multipliers.shape} multipliers: expected one value each")
        if not np.all(np.isfinite(values)):
            bad = float(multipliers[~np.isfinite(values)][0])
            raise ComputationError(f"reverse stress: the metric is not finite at multiplier "
                                   f"{bad!r}")
        self.evaluations += multipliers.size
        return values

    def check_order(self, ks: list[float] | np.ndarray, values: list[float] | np.ndarray):
        """Record the first adjacent pair (in increasing k) whose metric increases."""
        if self.violation is not None:
            return
        for i in range(len(ks) - 1):
            lo, hi = float(values[i]), float(values[i + 1])
            if hi - lo > ROUNDING * max(abs(lo), abs(hi)):
                self.violation = (float(ks[i]), float(ks[i + 1]))
                return

    def refine(self, a: float, m_a: float, b: float, m_b: float, points: int):
        """One step: ``points`` interior multipliers, the bracket of the first broken one."""
        self.iterations += 1
        interior = a + (b - a) * np.arange(1, points + 1) / (points + 1)
        values = self.evaluate(interior)
        ks = [a, *interior.tolist(), b]
        ms = [m_a, *values.tolist(), m_b]
        self.check_order(ks, ms)
        first = next(j for j, m in enumerate(ms) if m < self.threshold)  # j >= 1: m_a >= t
        return ks[first - 1], ms[first - 1], ks[first], ms[first]

    def result(self, multiplier: float | None, value: float, *, reached: bool, at_low: bool,
               converged: bool, bracket: tuple[float, float]) -> ReverseStressResult:
        return ReverseStressResult(
            multiplier=None if multiplier is None else float(multiplier), metric=float(value),
            reached=reached, breached_at_low=at_low, converged=converged,
            iterations=self.iterations, evaluations=self.evaluations,
            bracket=(float(bracket[0]), float(bracket[1])), monotone=self.violation is None,
            violation=self.violation)


def _check_arguments(metric: object, threshold: float, low: float, high: float,
                     tolerance: float, max_iterations: int, points: int) -> None:
    """Every bad argument at once (ArgumentError); one bad argument prints one line."""
    cells: list[BadCell] = []

    def bad(name: str, value: object, expected: str, fix: str = "") -> None:
        cells.append(BadCell(ARGUMENT, None, name, repr(value), expected, fix))

    if not callable(metric):
        bad("metric", metric, "a callable of an array of multipliers")
    for name, value in (("threshold", threshold), ("low", low), ("high", high),
                        ("tolerance", tolerance)):
        if not is_finite_number(value):
            bad(name, value, "a finite number")
    if is_finite_number(low) and is_finite_number(high) and low >= high:
        bad("high", high, f"a bound above low ({low!r})", "widen the search bound")
    if is_finite_number(tolerance) and tolerance <= 0:
        bad("tolerance", tolerance, "a positive width of multiplier")
    for name, value in (("max_iterations", max_iterations), ("points", points)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            bad(name, value, "a whole number >= 1")
    ArgumentError.raise_all(cells, "reverse stress")
