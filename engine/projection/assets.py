"""Asset cashflows on the monthly grid, and bond analytics (PV, duration, convexity).

Spec §4.2 (E2 Box 3, L713-751): the asset inflows of the ALM are "projected interest,
dividends and other investment income, plus maturities of bonds and term deposits".

Grid: bucket ``m = 1..horizon`` holds the days in ``(e_{m-1}, e_m]``,
``e_m = add_months(v + 1, m) - 1``, after the valuation day ``v`` (valuation at the END of v: a
payment ON v is already received); month ends stay month ends (Sep 30 -> Oct 31), the buckets of
the cashflow grid (``grid.month_edges``).

Schedules by ``asset_class``:
- ``government_bond``, ``corporate_bond``: coupons ``face * coupon_rate / f`` on the dates
  ``add_months(maturity, -j * 12/f)``, ``j = 0, 1, ...`` (stepped back from maturity, never
  chained, so no drift); a maturity on a month end keeps every coupon on a month end (the
  end-of-month rule); ``f`` empty or 0 = zero-coupon bond; redemption of ``face`` at maturity;
- ``deposit``: principal ``face`` at maturity. With ``coupon_frequency`` given, interest is paid
  like a bond coupon. Without it (DECISION) the interest is paid with the principal: the
  interest accrued so far ``max(book_value - face, 0)`` (a deposit is carried at principal plus
  accrued interest) plus simple interest on the principal for the remaining days,
  ``face * coupon_rate * (maturity - v) / day_count_basis`` (the days of a year of the set's
  ``[day_count] asset_interest``, actual/365 by default: ``reserva.calendar.DAY_COUNTS``);
- ``cash``: available at once, ``cash_now`` (not in the grid);
- ``equity``, ``real_estate``, ``fixed_assets``, ``receivable``, ``other``: no schedule, listed
  in ``unscheduled`` with their value (``book_value``).
A maturity on or before ``v`` gives no flows; flows after the horizon are not in the grid.

Analytics (annual effective rate ``y``, times ``t`` in years, ``v_t = (1 + y)^-t``):
``PV = sum c_t v_t``; Macaulay ``D = sum t c_t v_t / PV``; modified ``D* = -(1/PV) dPV/dy =
sum t c_t v_t / (1 + y) / PV`` (= D / (1 + y) for a flat rate); convexity ``C = (1/PV) d2PV/dy2 =
sum t (t + 1) c_t v_t / (1 + y)^2 / PV``. A curve of zero rates ``z(t)`` (annual effective,
linear between its points, flat outside) replaces ``y`` by ``z(t)``; the derivatives are then
those of a parallel shift of the curve. ``periods_per_year = m`` gives the textbook per-period
form: ``v_t = (1 + y/m)^(-m t)``, Macaulay in years (= periods / m), modified ``= D / (1 + y/m)``,
convexity ``sum t (t + 1/m) c_t v_t / (1 + y/m)^2 / PV`` in years^2 (= periods^2 / m^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import vectorize

from reserva.calendar import DAY_COUNTS, NEVER, add_months
from reserva.errors import AssumptionError, BadCell, ComputationError, InputError
from reserva.vocab import CASH_ASSETS as CASH_CLASSES
from reserva.vocab import COUPON_FREQUENCIES
from reserva.vocab import SCHEDULED_ASSETS as SCHEDULED_CLASSES
from reserva.vocab import UNSCHEDULED_ASSETS as UNSCHEDULED_CLASSES


@vectorize(["int64(int64, int64)"], cache=True)
def _add_months(day, k):  # pragma: no cover - compiled
    return add_months(day, k)


def _month_index(day: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of day numbers."""
    return np.asarray(day, np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(
        np.int64)


def _month_end(day: np.ndarray) -> np.ndarray:
    """The last day of the month of each day number."""
    m = np.asarray(day, np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return (m + 1).astype("datetime64[D]").astype(np.int64) - 1


@dataclass(frozen=True)
class AssetCashflows:
    """Asset inflows: ``grid = coupons + redemptions`` (n_assets x horizon, month m at column
    m-1), ``cash_now`` and ``unscheduled`` (n_assets, value of cash / unscheduled classes)."""

    valuation_day: int
    bucket_end_days: np.ndarray  # (horizon,) add_months(v + 1, m) - 1, m = 1..horizon
    grid: np.ndarray
    coupons: np.ndarray
    redemptions: np.ndarray
    cash_now: np.ndarray
    unscheduled: np.ndarray

    @property
    def horizon_months(self) -> int:
        return int(self.bucket_end_days.size)

    @property
    def times_years(self) -> np.ndarray:
        """Time of bucket m in years, m / 12 (the flows of a bucket are taken at its end)."""
        return np.arange(1, self.horizon_months + 1, dtype=np.float64) / 12.0

    def inflows_by_month(self) -> np.ndarray:
        """Total scheduled inflow per month (sum over assets, fixed order)."""
        return self.grid.sum(axis=0)


def asset_cashflows(
    asset_class,
    face,
    coupon_rate,
    coupon_frequency,
    maturity_day,
    book_value,
    *,
    valuation_day: int,
    horizon_months: int,
    day_count_basis: float = DAY_COUNTS["actual/365"],
) -> AssetCashflows:
    """Monthly coupons and redemptions of each asset (module docstring; spec §4.2, E2 L713-751).

    ``maturity_day`` holds day numbers (empty = NEVER); ``coupon_frequency`` empty = 0.
    Bad cells (unknown class; bond or deposit without maturity or face; a frequency that does
    not divide 12) raise one ``InputError`` listing them all.
    """
    cls = np.asarray(asset_class, dtype=object).astype(str)
    n = cls.size
    face = np.nan_to_num(np.asarray(face, np.float64).reshape(n), nan=0.0)
    rate = np.nan_to_num(np.asarray(coupon_rate, np.float64).reshape(n), nan=0.0)
    freq_f = np.nan_to_num(np.asarray(coupon_frequency, np.float64).reshape(n), nan=0.0)
    mat = np.asarray(maturity_day, np.int64).reshape(n)
    book = np.nan_to_num(np.asarray(book_value, np.float64).reshape(n), nan=0.0)
    v = np.int64(valuation_day)
    if horizon_months < 1:
        raise ComputationError(f"horizon_months must be at least 1, got {horizon_months}")

    known = (*SCHEDULED_CLASSES, *CASH_CLASSES, *UNSCHEDULED_CLASSES)
    scheduled = np.isin(cls, SCHEDULED_CLASSES)
    bad: list[BadCell] = []
    for i in np.flatnonzero(~np.isin(cls, known)):
        bad.append(BadCell("assets", None, "asset_class", cls[i], f"one of {', '.join(known)}",
                           f"asset at position {i}"))
    for i in np.flatnonzero(scheduled & (mat >= NEVER)):
        bad.append(BadCell("assets", None, "maturity_date", "", "a date for a bond or deposit",
                           f"asset at position {i}: give its maturity date"))
    for i in np.flatnonzero(scheduled & ~(face > 0)):
        bad.append(BadCell("assets", None, "face", str(face[i]), "a positive face (principal)",
                           f"asset at position {i}"))
    bad_freq = scheduled & ~np.isin(freq_f, COUPON_FREQUENCIES)
    for i in np.flatnonzero(bad_freq):
        bad.append(BadCell("assets", None, "coupon_frequency", str(freq_f[i]),
                           "empty or one of 0, 1, 2, 3, 4, 6, 12 (payments a year)",
                           f"asset at position {i}"))
    if bad:
        raise InputError(bad)

    ends = _add_months(np.full(horizon_months, v + 1, np.int64),
                       np.arange(1, horizon_months + 1, dtype=np.int64)) - 1
    h_end = ends[-1]
    coupons = np.zeros((n, horizon_months))
    redemptions = np.zeros((n, horizon_months))
    rows = np.arange(n)
    mat = np.where(scheduled, mat, v)  # keep day arithmetic away from NEVER

    def put(target, days, amount, mask):
        inside = mask & (days > v) & (days <= h_end)
        np.add.at(target, (rows[inside], np.searchsorted(ends, days[inside], side="left")),
                  amount[inside])

    # redemptions, and the interest of deposits paid with the principal
    put(redemptions, mat, face, scheduled)
    freq = freq_f.astype(np.int64)
    at_maturity = (cls == "deposit") & (freq == 0)
    interest = np.maximum(book - face, 0.0) + face * rate * (mat - v) / day_count_basis
    put(coupons, mat, interest, at_maturity)

    # periodic coupons: step back from maturity, only the steps that can land in the grid
    periodic = scheduled & (freq > 0) & (rate > 0) & (mat > v)
    if periodic.any():
        step = np.where(periodic, 12 // np.maximum(freq, 1), 12)
        eom = mat == _month_end(mat)
        gap = _month_index(mat) - _month_index(np.full(n, h_end))
        j0 = np.maximum(gap // step - 1, 0)
        amount = face * rate / np.maximum(freq, 1)
        for k in range(horizon_months // int(step[periodic].min()) + 3):
            d = _add_months(mat, -(j0 + k) * step)
            d = np.where(eom, _month_end(d), d)
            put(coupons, d, amount, periodic)

    cash_now = np.where(np.isin(cls, CASH_CLASSES), book, 0.0)
    unscheduled = np.where(np.isin(cls, UNSCHEDULED_CLASSES), book, 0.0)
    return AssetCashflows(int(v), ends, coupons + redemptions, coupons, redemptions, cash_now,
                          unscheduled)


# ---------------------------------------------------------------------------- analytics


@dataclass(frozen=True)
class RateMeasures:
    """PV, Macaulay duration (years), modified duration (years), convexity (years^2)."""

    pv: float
    macaulay: float
    modified: float
    convexity: float


def _rates(times: np.ndarray, rate, curve) -> np.ndarray:
    if (rate is None) == (curve is None):
        raise AssumptionError("give exactly one of a flat annual rate or a curve of zero rates")
    if curve is None:
        return np.full(times.shape, float(rate))
    ct, cz = (np.asarray(x, np.float64) for x in curve)
    if ct.ndim != 1 or ct.shape != cz.shape or ct.size == 0 or np.any(np.diff(ct) <= 0):
        raise AssumptionError(
            "a curve is (times, zero rates): two equal-length lists, times strictly increasing")
    return np.interp(times, ct, cz)


def _terms(cashflows, times_years, rate, curve, periods_per_year):
    """(cf, t, v, dv/dy / -1, d2v/dy2) arrays of the discounting."""
    cf = np.asarray(cashflows, np.float64)
    t = np.broadcast_to(np.asarray(times_years, np.float64), cf.shape[-1:])
    z = _rates(t, rate, curve)
    if periods_per_year:
        m = float(periods_per_year)
        base = 1.0 + z / m
        v = base ** (-m * t)
        d1 = t * v / base
        d2 = t * (t + 1.0 / m) * v / base**2
    else:
        base = 1.0 + z
        v = base ** (-t)
        d1 = t * v / base
        d2 = t * (t + 1.0) * v / base**2
    if np.any(base <= 0):
        raise AssumptionError("a discount rate of -100% or below has no present value")
    return cf, t, v, d1, d2


def pv(cashflows, times_years, rate=None, curve=None, *, periods_per_year=None):
    """``PV = sum c_t v_t`` over the last axis (module docstring)."""
    cf, _, v, _, _ = _terms(cashflows, times_years, rate, curve, periods_per_year)
    return (cf * v).sum(axis=-1)


def _per_pv(weights, cashflows, times_years, rate, curve, periods_per_year, what):
    cf, t, v, d1, d2 = _terms(cashflows, times_years, rate, curve, periods_per_year)
    p = (cf * v).sum(axis=-1)
    if np.any(p == 0):
        raise ComputationError(
            f"{what} is undefined: the present value of the cashflows is zero (no flows, or "
            "flows that cancel); drop such streams or report them apart")
    w = {"macaulay": t * v, "modified": d1, "convexity": d2}[weights]
    return (cf * w).sum(axis=-1) / p


def macaulay_duration(cashflows, times_years, rate=None, curve=None, *, periods_per_year=None):
    """``D = sum t c_t v_t / PV`` in years."""
    return _per_pv("macaulay", cashflows, times_years, rate, curve, periods_per_year,
                   "the Macaulay duration")


def modified_duration(cashflows, times_years, rate=None, curve=None, *, periods_per_year=None):
    """``D* = -(1/PV) dPV/dy``; flat rate: ``D / (1 + y)`` (``D / (1 + y/m)`` per period)."""
    return _per_pv("modified", cashflows, times_years, rate, curve, periods_per_year,
                   "the modified duration")


def convexity(cashflows, times_years, rate=None, curve=None, *, periods_per_year=None):
    """``C = (1/PV) d2PV/dy2 = sum t (t + 1) c_t v_t / (1 + y)^2 / PV`` in years^2."""
    return _per_pv("convexity", cashflows, times_years, rate, curve, periods_per_year,
                   "the convexity")


def rate_measures(cashflows, times_years, rate=None, curve=None, *,
                  periods_per_year=None) -> RateMeasures:
    """All four measures of one cashflow stream."""
    args = (cashflows, times_years, rate, curve)
    kw = {"periods_per_year": periods_per_year}
    return RateMeasures(float(pv(*args, **kw)), float(macaulay_duration(*args, **kw)),
                        float(modified_duration(*args, **kw)), float(convexity(*args, **kw)))
