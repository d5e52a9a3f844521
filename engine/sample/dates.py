"""Day-number calendar of the sample generator: month arithmetic and the quarter grid.

Dates are ``int64`` day numbers (days since 1970-01-01), as in ``reserva.io.arrays``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.calendar import DAY_COUNTS

DAYS_PER_YEAR = DAY_COUNTS["actual/365.2425"]  # mean Gregorian year, for ages and year fractions


def add_months(day: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """``day`` + ``months`` calendar months; the day of month is kept, clamped to the month's length."""
    d = np.asarray(day, dtype=np.int64).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]").astype(np.int64) + np.minimum(dom, length - 1)


def age_years(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Completed years of age at ``day``: floor((day - birth) / 365.2425)."""
    return np.floor((np.asarray(day) - np.asarray(birth)) / DAYS_PER_YEAR).astype(np.int64)


def to_day(text: str) -> int:
    """The day number of an ISO date."""
    return int(np.datetime64(text, "D").astype(np.int64))


def iso(day: int) -> str:
    """The ISO text of a day number."""
    return str(np.datetime64(int(day), "D"))


@dataclass(frozen=True)
class Calendar:
    """The history grid: periods are calendar quarters cut at ``start`` and ``valuation``.

    ``period_start[i]``..``period_end[i]`` (inclusive) is period i; the last period ends at the
    valuation date (a partial quarter when the valuation date is not a quarter end).
    ``quarter_starts`` are the first days of the calendar quarters in (start, valuation].
    """

    start: int
    valuation: int
    period_start: np.ndarray
    period_end: np.ndarray
    quarter_starts: np.ndarray

    @property
    def n_periods(self) -> int:
        return int(self.period_end.size)

    @property
    def period_days(self) -> np.ndarray:
        return self.period_end - self.period_start + 1

    def year_of(self, day: np.ndarray) -> np.ndarray:
        """Calendar year of day numbers."""
        return np.asarray(day).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def make_calendar(start: int, valuation: int) -> Calendar:
    """Quarter grid from ``start`` to ``valuation`` (both day numbers, start <= valuation)."""
    first_q = np.datetime64(int(start), "D").astype("datetime64[M]")
    first_q = first_q - (first_q.astype(np.int64) % 3)  # the month that opens start's quarter
    last = np.datetime64(int(valuation), "D").astype("datetime64[M]")
    n = (last.astype(np.int64) - first_q.astype(np.int64)) // 3 + 1
    q_months = first_q + 3 * np.arange(n + 1)
    q_days = q_months.astype("datetime64[D]").astype(np.int64)  # quarter starts, one past the end
    starts = np.maximum(q_days[:-1], start)
    ends = np.minimum(q_days[1:] - 1, valuation)
    keep = starts <= ends
    qs = q_days[(q_days > start) & (q_days <= valuation)]
    return Calendar(int(start), int(valuation), starts[keep], ends[keep], qs)


def whole_months(start: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole calendar months from ``start`` to ``day`` (0 when day <= start); a month ends on
    the same day of month, or on the last day of a shorter month (Jan 31 + 1 month = Feb 28)."""
    s = np.asarray(start, dtype=np.int64).astype("datetime64[D]")
    t = np.asarray(day, dtype=np.int64).astype("datetime64[D]")
    ms, mt = s.astype("datetime64[M]"), t.astype("datetime64[M]")
    k = (mt - ms).astype(np.int64)
    ds = (s - ms.astype("datetime64[D]")).astype(np.int64)
    dt = (t - mt.astype("datetime64[D]")).astype(np.int64)
    month_end = (t + 1).astype("datetime64[M]") != mt
    k = k - ((dt < ds) & ~month_end)
    return np.where(t > s, np.maximum(k, 0), 0)


def instalments(start: np.ndarray, end: np.ndarray, interval: np.ndarray,
                day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(instalments due by ``day``, instalments of the term) of premiums paid every ``interval``
    months from ``start`` (interval 0 = single premium: 1 of 1); ``day`` >= start."""
    interval = np.asarray(interval, dtype=np.int64)
    step = np.maximum(interval, 1)
    term = whole_months(start, end + 1)
    term = term + (add_months(start, term) < end + 1)  # a part month counts as a month
    n = np.where(interval > 0, np.maximum((term + step - 1) // step, 1), 1)
    due = np.where(interval > 0, np.minimum(whole_months(start, day) // step + 1, n), 1)
    return due, n
