"""The period a close covers, and the dates it refuses, from day numbers of the validated pack.

- The valuation date v is a date of the input window ``[input] earliest_date .. latest_date``
  (else InputError, exit 2).
- The period start ps = v + 1 day - ``[period] months`` months - 1 day (Dec 31 -> Sep 30).
- A close needs business: v on or after the earliest policy start (else InputError naming the
  earliest policy and the end of the data's first period).
- The balance sheet takes the latest asset and liability snapshots on or before v: older than
  ``[snapshots] note_age_days`` the run notes their age, older than ``max_age_days`` the close
  is refused (InputError), none on or before v is noted.
- The triangles' first origin period holds the earliest policy start, at most
  ``[ibnr] max_origin_years`` of origin periods back from v (``triangles.first_origin_day``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from reserva.calendar import add_months
from reserva.errors import ArgumentError, BadCell, InputError
from reserva.io.arrays import day, to_date
from reserva.io.assumptions import AssumptionSet
from reserva.reserves.claims.triangles import first_origin_day, period_start_day

__all__ = ["check_started", "first_day", "period_start_of", "snapshot_notes", "valuation_day"]


def period_start_of(valuation_day: int, months: int) -> int:
    """The day before the period: v + 1 day - ``months`` months - 1 day (Dec 31 -> Sep 30)."""
    return int(add_months(valuation_day + 1, -months)) - 1


def valuation_day(valuation_date, a: AssumptionSet) -> int:
    """The valuation date's day number, or InputError when it is no date of the input window."""
    lo, hi = a.settings.input.earliest_date, a.settings.input.latest_date
    try:
        v = day(valuation_date)
    except (ValueError, TypeError, OverflowError) as exc:
        v, reason = None, str(exc)
    else:
        reason = ""
    if v is None or not day(lo) <= v <= day(hi):
        raise ArgumentError(BadCell(
            file="valuation date", row=None, column=None, value=str(valuation_date),
            expected=f"a date YYYY-MM-DD from {lo} to {hi} ([input] earliest_date, latest_date)",
            fix=reason or "choose the end of the period to close"))
    return v


def check_started(start: np.ndarray, policy_ids: Sequence, v: int, months: int) -> None:
    """Refuse (exit 2) a valuation date before the first policy of the pack starts.

    ``start``: the policies' start days; ``policy_ids`` their ids. Nothing would be closed: no
    premium, no cover, no claim. The message names the earliest policy and the first period
    end on or after its start.
    """
    if not len(start):
        return
    k = int(np.argmin(start))
    if int(start[k]) <= v:
        return
    first_end = to_date(int(add_months(period_start_day(int(start[k]), months), months)) - 1)
    raise ArgumentError.bad("valuation_date", str(to_date(v)),
                            f"a date on or after {to_date(start[k])}", summary=(
        f"valuation date {to_date(v)} is before the data: the earliest policy "
        f"({policy_ids[k]}) starts on {to_date(start[k])}, so there is nothing "
        f"to close (fix: close a date on or after {to_date(start[k])}, e.g. {first_end}, "
        "the end of the data's first period)"))


def snapshot_notes(as_of: Mapping[str, np.ndarray], v: int, a: AssumptionSet) -> tuple[str, ...]:
    """Notes on the age of the asset and liability snapshots the close uses; refusal beyond a limit.

    ``as_of``: table name (``assets``, ``liabilities``) -> the ``as_of_date`` day of each row
    (a table the pack lacks or that has no rows: absent or empty).
    """
    note_days = a.settings.snapshots.note_age_days
    max_days = a.settings.snapshots.max_age_days
    notes = []
    for name in ("assets", "liabilities"):
        days_ = as_of.get(name)
        if days_ is None or not len(days_):
            continue
        known = days_[days_ <= v]
        if not known.size:
            notes.append(f"{name}: no snapshot on or before the valuation date (the first is as of "
                         f"{to_date(days_.min())}): none in the balance sheet")
            continue
        latest = to_date(known.max())
        age = v - int(known.max())
        if age > max_days:
            raise InputError(BadCell(
                file=name, row=None, column="as_of_date", value=str(latest),
                expected=f"a snapshot at most {max_days} days ([snapshots] max_age_days) before "
                         f"the valuation date {to_date(v)}; the latest is {age} days before",
                fix=f"add a snapshot as of the valuation date to {name}, or close an earlier date"),
                summary=f"{name}: the latest snapshot is too old for a close at {to_date(v)}")
        if age > note_days:
            notes.append(f"{name}: the latest snapshot is as of {latest}, {age} days before the "
                         f"valuation date (more than [snapshots] note_age_days = {note_days})")
    return tuple(notes)


def first_day(start: np.ndarray, v: int, a: AssumptionSet) -> int:
    """First day of the oldest origin period of the triangles, exposure and claims cashflows.

    ``start``: the policies' start days. The period holding the earliest start, but at most
    ``[ibnr] max_origin_years`` of origin periods back from v.
    """
    grain = a.settings.ibnr.origin_grain_months
    years = a.settings.ibnr.max_origin_years
    earliest = int(start.min()) if len(start) else v
    return first_origin_day(earliest, v, grain, years * 12 // grain)
