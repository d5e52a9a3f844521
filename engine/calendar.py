"""The calendar of the engine: day numbers and month arithmetic, the bottom layer.

Every module that counts days or months (io, the kernels, the stages, the sample generator)
takes them from here. A day is an ``int64`` day number, days since 1970-01-01 (``datetime64[D]``
as an integer); ``NEVER`` stands for an empty date, later than any real date, so that
``event <= v`` is false for an event that has not happened. Month arithmetic clips to the month
end: ``add_months(Jan 31, 1) = Feb 28/29``; ``whole_months`` counts a month as complete when
the same day of the month (or the month end) is reached. Civil-date conversion: Hinnant's
algorithms (``days_from_civil`` and its inverse ``civil``), exact over the proleptic Gregorian
calendar. The functions are numba-compiled so that kernels call them inline.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NEVER = np.int64(2**62)  # the day number of an empty date: later than any real date


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
def is_month_end(y, m, d):
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
    if dt < ds and not is_month_end(yt, mt, dt):
        k -= 1
    return k
