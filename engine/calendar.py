"""The calendar of the engine: day numbers and month arithmetic, the bottom layer.

Every module that counts days or months (io, the kernels, the stages, the sample generator)
takes them from here. A day is an ``int64`` day number, days since 1970-01-01 (``datetime64[D]``
as an integer); ``NEVER`` stands for an empty date, later than any real date, so that
``event <= v`` is false for an event that has not happened. Month arithmetic clips to the month
end: ``add_months(Jan 31, 1) = Feb 28/29``; ``whole_months`` counts a month as complete when
the same day of the month (or the month end) is reached. Civil-date conversion: Hinnant's
algorithms (``days_from_civil`` and its inverse ``civil``), exact over the proleptic Gregorian
calendar. The functions are numba-compiled so that kernels call them inline.

Day counts: a year fraction is ``t = (actual days from d1 to d2) / B`` with the basis ``B`` of a
named convention (``DAY_COUNTS``); the assumption set chooses the convention of each use
(``[day_count]`` in settings.toml) and the caller passes ``B`` to the kernel as a float.

- ``actual/365``: Actual/365 (Fixed), 2006 ISDA Definitions, Section 4.16(d) — B = 365 whatever
  the year (savings interest ``(1 + i)^(days/365)``, interest accrued on deposits);
- ``actual/360``: Actual/360, 2006 ISDA Definitions, Section 4.16(e) — B = 360;
- ``actual/365.25``: the actuarial exposure year, the mean Julian year of 365.25 days, so that
  four consecutive years of cover are four exposure-years (E1 footnote 15: insured-years; a full
  non-leap year is 365 / 365.25 = 0.99932 of one);
- ``actual/365.2425``: the mean Gregorian year (146,097 days in 400 years), for ages and year
  fractions of the sample generator.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from numba import njit

from reserva.errors import AssumptionError  # the bottom layer: errors, calendar, vocab

NEVER = np.int64(2**62)  # the day number of an empty date: later than any real date

# day-count convention -> days of its year (the basis B of t = actual days / B)
DAY_COUNTS = MappingProxyType({
    "actual/365": 365.0,  # Actual/365 (Fixed): 2006 ISDA Definitions 4.16(d)
    "actual/360": 360.0,  # Actual/360: 2006 ISDA Definitions 4.16(e)
    "actual/365.25": 365.25,  # the actuarial exposure year (mean Julian year)
    "actual/365.2425": 365.2425,  # the mean Gregorian year: 146097 days / 400 years
})


def days_per_year(convention: str, *, setting: str = "day count") -> float:
    """The basis B (days a year) of a day-count convention of ``DAY_COUNTS``.

    Parameters
    ----------
    convention
        A name of ``DAY_COUNTS``, e.g. ``"actual/365"``.
    setting
        Where the name comes from, for the error (e.g. ``"settings.toml [day_count] exposure"``).

    Raises ``AssumptionError`` (exit 2) naming the known conventions for any other name.
    """
    if isinstance(convention, str) and convention in DAY_COUNTS:
        return DAY_COUNTS[convention]
    raise AssumptionError(f"{setting} = {convention!r}: expected one of {', '.join(DAY_COUNTS)}")


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
