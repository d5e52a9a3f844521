"""UPR kernels: pure numba loops over policy arrays (day numbers, money), no pandas, no IO.

Conventions (one vocabulary with the rest of the engine):
- a term covers the days ``start .. end`` inclusive; a valuation at day ``v`` is at the END of v;
- ``written_premium`` ``W`` is the premium of the whole term, paid in ``n`` instalments of
  ``W / n`` due at ``start + k * interval`` months (``interval = 0``: single premium, ``n = 1``);
- earned fraction ``f(v)``: daily basis ``clip((v + 1 - start) / (end - start + 1), 0, 1)``;
  monthly basis ``clip(m(start, v + 1) / m(start, end + 1), 0, 1)`` with ``m`` = whole months
  elapsed (reproduces E1 L642-645: 1,200 -> 1,000, E2 L4023-4025: 1,200 -> 500);
- before cancellation: ``written = W/n * #instalments due by v``, ``earned = min(W f(v), written)``;
- from the cancel day ``c`` on: instalments stop at c, ``refunded = refund``, ``earned = written -
  refunded`` (the cover has ended, nothing is unearned);
- ``upr = written - refunded - earned``; so over a period ``opening upr + written - refunded -
  earned = closing upr`` policy by policy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DAILY = 0
MONTHLY = 1
BASIS_CODES = {"daily": DAILY, "monthly": MONTHLY}
NEVER = np.int64(2**62)


@njit(cache=True, inline="always")
def civil(day):
    """(year, month, day-of-month) of a day number (days since 1970-01-01); Hinnant's algorithm."""
    z = day + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return y, m, d


@njit(cache=True, inline="always")
def _is_month_end(y, m, d):
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or (y % 400 == 0)
        return d == (29 if leap else 28)
    if m == 4 or m == 6 or m == 9 or m == 11:
        return d == 30
    return d == 31


@njit(cache=True, inline="always")
def days_from_civil(y, m, d):
    """Day number of a civil date (inverse of ``civil``)."""
    y = y - 1 if m <= 2 else y
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True, inline="always")
def add_months(day, k):
    """``day`` plus ``k`` calendar months, clipped to the month end (Jan 31 + 1 = Feb 28/29)."""
    y, m, d = civil(day)
    mm = m - 1 + k
    y2 = y + mm // 12
    m2 = mm % 12 + 1
    last = 31
    if m2 == 2:
        last = 29 if ((y2 % 4 == 0 and y2 % 100 != 0) or (y2 % 400 == 0)) else 28
    elif m2 == 4 or m2 == 6 or m2 == 9 or m2 == 11:
        last = 30
    return days_from_civil(y2, m2, d if d < last else last)


@njit(cache=True, inline="always")
def whole_months(start, t):
    """Whole months from day ``start`` to day ``t`` (0 if t <= start); Jan 31 + 1 month = Feb 28."""
    if t <= start:
        return 0
    ys, ms, ds = civil(start)
    yt, mt, dt = civil(t)
    k = (yt - ys) * 12 + (mt - ms)
    if dt < ds and not _is_month_end(yt, mt, dt):
        k -= 1
    return k


@njit(cache=True)
def upr_at(start, end, cancel, written_premium, refund, interval_months, basis, v):
    """Per policy at the end of day ``v``: (written, refunded, earned, upr) to date."""
    n = start.shape[0]
    written = np.empty(n)
    refunded = np.empty(n)
    earned = np.empty(n)
    upr = np.empty(n)
    for i in range(n):
        s = start[i]
        e = end[i]
        c = cancel[i]
        w = written_premium[i]
        t = v if v < c else c  # instalments and earning stop at cancellation
        # instalments due by t
        iv = interval_months[i]
        if t < s:
            due_frac = 0.0
        elif iv <= 0:
            due_frac = 1.0
        else:
            term_m = whole_months(s, e + 1)
            if add_months(s, term_m) < e + 1:  # a part month counts as a month
                term_m += 1
            n_inst = (term_m + iv - 1) // iv
            if n_inst < 1:
                n_inst = 1
            k = whole_months(s, t) // iv + 1
            if k > n_inst:
                k = n_inst
            due_frac = k / n_inst
        wr = w * due_frac
        if v >= c:
            rf = refund[i]
            er = wr - rf
            written[i] = wr
            refunded[i] = rf
            earned[i] = er
            upr[i] = 0.0
            continue
        # earned fraction at v
        if v < s:
            f = 0.0
        elif v >= e:
            f = 1.0
        elif basis[i] == MONTHLY and whole_months(s, e + 1) > 0:
            f = whole_months(s, v + 1) / whole_months(s, e + 1)
            if f > 1.0:
                f = 1.0
        else:
            f = (v + 1 - s) / (e - s + 1)
        er = w * f
        if er > wr:
            er = wr
        written[i] = wr
        refunded[i] = 0.0
        earned[i] = er
        upr[i] = wr - er
    return written, refunded, earned, upr
