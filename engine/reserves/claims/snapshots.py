"""Cumulative claims triangles from records at any grains: reported, paid and incurred.

A cumulative triangle is a set of snapshots: the value of each claim as known at the end of
each development period, added up by segment and origin period,

    C[s, o, d] = sum over claims i of segment s with event in origin o of  x_i(t_{o,d}),

where ``t_{o,d}`` is the last day of the ``d``-th development period of origin ``o`` (capped at
the valuation date) and ``x_i(t)`` the claim's value at t: claimed amount once reported
(reported triangle), paid to date (paid), paid to date + outstanding (incurred = paid + case).
Origin periods are calendar blocks of ``origin_grain`` months, development periods calendar
blocks of ``dev_grain`` months (``origin_grain`` must be a multiple of ``dev_grain``) counted
from the origin's start; at a mid-period valuation the last period is partial. Cells after the
valuation date are NaN; cells inside are sums, 0 when no claim contributes (never missing).
The oldest origin is the period holding ``first_day`` (read as the valuation date when later);
claims with an event before it are left out, so the size and the number of snapshots grow with
the origins kept (``triangles.first_origin_day``), never with the records' date span.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reserva.errors import AssumptionError
from reserva.reserves.claims.triangles import month_index


@dataclass(frozen=True)
class SnapshotTriangle:
    segments: np.ndarray
    origin_start: np.ndarray  # datetime64[D], oldest first
    origin_grain: int
    dev_grain: int
    cumulative: np.ndarray  # [segment, origin, development period], NaN after the valuation


def _month_start_day(month: np.ndarray) -> np.ndarray:
    return np.asarray(month).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def snapshot_triangle(
    segment: np.ndarray,
    segments: np.ndarray,
    event_day: np.ndarray,
    value_at: Callable[[int], np.ndarray],
    valuation_day: int,
    *,
    origin_grain: int,
    dev_grain: int,
    first_day: int,
) -> SnapshotTriangle:
    """The cumulative triangle of ``value_at(t)`` (one value per claim at the end of day t)."""
    if origin_grain % dev_grain:
        raise AssumptionError(
            f"origin grain {origin_grain} months is not a multiple of the development grain "
            f"{dev_grain}; fix: choose grains such as 12 and 3, or 3 and 1"
        )
    v_month = int(month_index(np.array([valuation_day]))[0])
    first_day = min(int(first_day), int(valuation_day))
    first_origin = int(month_index(np.array([first_day]))[0]) // origin_grain
    last_origin = v_month // origin_grain
    origin_month = np.arange(first_origin, last_origin + 1) * origin_grain  # first months
    n_o = len(origin_month)
    n_d = (v_month - origin_month[0]) // dev_grain + 1
    # the distinct snapshot days: ends of the calendar development periods, then v
    first_dev = origin_month[0] // dev_grain
    dev_period = np.arange(first_dev, v_month // dev_grain + 1)
    ends = _month_start_day((dev_period + 1) * dev_grain) - 1
    ends[-1] = min(ends[-1], valuation_day)
    known = event_day <= valuation_day
    o_idx = (month_index(np.where(known, event_day, valuation_day)) // origin_grain) - first_origin
    keep = known & (o_idx >= 0)
    flat_base = segment.astype(np.int64) * n_o + o_idx
    n_seg = len(segments)
    snap = np.zeros((n_seg * n_o, len(ends)))
    for k, t in enumerate(ends):
        x = np.where(keep & (event_day <= t), value_at(int(t)), 0.0)
        snap[:, k] = np.bincount(flat_base[keep], weights=x[keep], minlength=n_seg * n_o)
    snap = snap.reshape(n_seg, n_o, len(ends))
    cum = np.full((n_seg, n_o, n_d), np.nan)
    for o in range(n_o):
        start = origin_month[o] // dev_grain - first_dev  # snapshot index of the origin's 1st period
        count = len(ends) - start
        cum[:, o, :count] = snap[:, o, start:]
    return SnapshotTriangle(
        segments=np.asarray(segments),
        origin_start=_month_start_day(origin_month).astype("datetime64[D]"),
        origin_grain=origin_grain,
        dev_grain=dev_grain,
        cumulative=cum,
    )
