"""Reporting-lag triangles from claim records, and chain ladder through chainladder.

The ONLY module that imports chainladder: it receives dense aggregated arrays and returns plain
arrays at once.

Periods are calendar blocks of ``grain`` months (calendar quarters, half-years, years); the
latest one is the block holding the valuation date, partial when the valuation falls inside it
(e.g. 1 Jul .. 15 Aug at a 15 August valuation with a quarterly grain). A date's period index
counts back from it: ``p(x) = month_index(v) // grain - month_index(x) // grain`` (0 = latest).
The reporting triangle cell ``[origin o, lag d]`` holds the claims whose event lies in origin
period ``o`` and whose report lies ``d`` periods later; a claim reported after the valuation
date is not known and not counted. Cells inside the triangle (``d <= latest lag of o``) are
0 when empty, never missing; cells outside are NaN.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import AssumptionError

NEVER = np.int64(2**62)
ZERO_GUARD = 1e-9  # relative stand-in for a cumulative 0 inside the triangle (see chain_ladder)


def month_index(day_numbers: np.ndarray) -> np.ndarray:
    """year * 12 + month - 1 of day numbers."""
    m = np.asarray(day_numbers, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return m


def period_index(day_numbers: np.ndarray, anchor_day: int, grain: int) -> np.ndarray:
    """Calendar period index of each day counted back from the anchor's period (0 = latest).

    Days are mapped through a day -> period table over their range (one small table instead
    of a calendar conversion per record).
    """
    day_numbers = np.asarray(day_numbers, dtype=np.int64)
    if day_numbers.size == 0:
        return np.zeros(0, np.int64)
    lo, hi = int(day_numbers.min()), int(max(day_numbers.max(), anchor_day))
    table_days = np.arange(lo, hi + 1, dtype=np.int64)
    table = month_index(table_days) // grain
    anchor = month_index(np.array([anchor_day]))[0] // grain
    return anchor - table[day_numbers - lo]


@dataclass(frozen=True)
class Triangle:
    """Dense incremental triangles ``values[segment, origin, lag]`` (origin 0 = oldest)."""

    segments: np.ndarray
    origin_start: np.ndarray  # first day of each origin period (datetime64[D])
    grain_months: int
    amount: np.ndarray  # incremental claimed amounts, NaN outside the known triangle
    count: np.ndarray  # incremental claim counts, NaN outside

    @property
    def n_origins(self) -> int:
        return self.amount.shape[1]

    def cumulative(self, values: np.ndarray) -> np.ndarray:
        return np.cumsum(np.nan_to_num(values), axis=2) + np.where(np.isnan(values), np.nan, 0)

    def latest(self, values: np.ndarray) -> np.ndarray:
        """The latest diagonal (cumulative to date) per segment and origin."""
        return np.nansum(values, axis=2)


def reporting_triangle(
    segment: np.ndarray,
    segments: np.ndarray,
    event_day: np.ndarray,
    report_day: np.ndarray,
    amount: np.ndarray,
    valuation_day: int,
    grain: int,
    first_day: int | None = None,
) -> Triangle:
    """Event period x report lag triangles per segment, by np.bincount (no groupby)."""
    known = (report_day <= valuation_day) & (event_day <= valuation_day)
    p_event = period_index(event_day[known], valuation_day, grain)
    p_report = period_index(report_day[known], valuation_day, grain)
    if first_day is not None:
        n_origins = int(period_index(np.array([first_day]), valuation_day, grain)[0]) + 1
    else:
        n_origins = int(p_event.max()) + 1 if p_event.size else 1
    n_origins = max(n_origins, 1)
    keep = p_event < n_origins
    origin = (n_origins - 1 - p_event[keep]).astype(np.int64)
    lag = (p_event[keep] - p_report[keep]).astype(np.int64)
    seg = segment[known][keep].astype(np.int64)
    n_seg = len(segments)
    flat = (seg * n_origins + origin) * n_origins + lag
    size = n_seg * n_origins * n_origins
    amt = np.bincount(flat, weights=amount[known][keep], minlength=size).astype(np.float64)
    cnt = np.bincount(flat, minlength=size).astype(np.float64)
    shape = (n_seg, n_origins, n_origins)
    outside = (np.arange(n_origins)[None, :] + np.arange(n_origins)[:, None]) >= n_origins
    amt = amt.reshape(shape)
    cnt = cnt.reshape(shape)
    amt[:, outside] = np.nan
    cnt[:, outside] = np.nan
    anchor_period = month_index(np.array([valuation_day]))[0] // grain
    first_month = (anchor_period - n_origins + 1) * grain
    starts = (np.arange(n_origins) * grain + first_month).astype("datetime64[M]")
    return Triangle(
        segments=np.asarray(segments),
        origin_start=starts.astype("datetime64[D]"),
        grain_months=grain,
        amount=amt,
        count=cnt,
    )


@dataclass(frozen=True)
class ChainLadderResult:
    """Chain ladder per segment and origin (arrays shaped [segment, origin])."""

    latest: np.ndarray
    ultimate: np.ndarray
    ibnr: np.ndarray
    cdf: np.ndarray  # cumulative development factor to ultimate applied to each origin
    ldf: np.ndarray  # [segment, lag] age-to-age factors


def chain_ladder(
    incremental: np.ndarray, grain_months: int, average: str = "volume"
) -> ChainLadderResult:
    """Chain ladder on each segment's triangle (chainladder.Development + Chainladder).

    f_d = sum_o C[o, d+1] / sum_o C[o, d] (volume-weighted), CDF_d = prod_{k>=d} f_k,
    ult_o = latest_o x CDF_(latest lag of o), IBNR_o = ult_o - latest_o.
    Factors that cannot be estimated (no data at a lag) are taken as 1.

    chainladder reads a cumulative 0 as missing and would drop that origin from both sums of
    f_d; cells inside the triangle whose cumulative value is 0 are therefore passed as
    ``ZERO_GUARD`` x the segment's largest absolute value (see ``_cl_triangle``), which
    restores the volume-weighted factor to within 1e-9 relative. The latest diagonal and the ultimates are computed here
    from the exact values. Only the volume-weighted average is exact under this guard.
    """
    import chainladder as cl  # heavy import kept local to this module

    if average != "volume":
        raise AssumptionError(
            f"chain ladder average {average!r} is not supported yet; use 'volume'"
        )

    n_seg, n_o, _ = incremental.shape
    cum = np.cumsum(np.nan_to_num(incremental), axis=2)
    latest = cum[:, np.arange(n_o), n_o - 1 - np.arange(n_o)]
    if n_o < 2:
        ones = np.ones((n_seg, n_o))
        return ChainLadderResult(latest, latest.copy(), np.zeros_like(latest), ones, np.ones((n_seg, 0)))
    staircase = np.add.outer(np.arange(n_o), np.arange(n_o)) < n_o
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tri = _cl_triangle(cum, staircase, grain_months)
        dev = cl.Development(average=average).fit(tri)
        ldf = np.asarray(dev.ldf_.values, dtype=float)[:, 0, 0, :]
    ldf = np.where(np.isfinite(ldf) & (ldf > 0), ldf, 1.0)
    # CDF from lag d to ultimate; the latest lag of origin o is n_o - 1 - o
    cdf_from = np.concatenate([np.cumprod(ldf[:, ::-1], axis=1)[:, ::-1], np.ones((n_seg, 1))], axis=1)
    cdf = cdf_from[:, n_o - 1 - np.arange(n_o)]
    ultimate = latest * cdf
    return ChainLadderResult(latest, ultimate, ultimate - latest, cdf, ldf)


def _cl_triangle(cumulative: np.ndarray, known: np.ndarray, grain_months: int):
    """A chainladder Triangle (index = segment) of the cells ``known[o, d]`` of ``C[s, o, d]``.

    Origin o starts ``o x grain_months`` months after an arbitrary January 2000 (only the
    spacing matters); lag d is valued at the end of the origin's (d + 1)-th period. chainladder
    reads a cumulative 0 as missing, so a known cell equal to 0 is passed as ``ZERO_GUARD`` x
    the largest absolute value of its segment (at least 1): each segment is guarded on its own
    scale, so a segment's numbers do not depend on the others in the batch.
    """
    import chainladder as cl  # heavy import kept local to this module

    n_seg, n_o, _ = cumulative.shape
    start = pd.Period("2000-01", freq="M")
    o_idx, d_idx = np.nonzero(known)
    origin = pd.PeriodIndex([start + int(k) * grain_months for k in range(n_o)])
    values = cumulative[:, o_idx, d_idx]
    scale = np.maximum(np.max(np.abs(values), axis=1, initial=0.0), 1.0)
    values = np.where(values == 0.0, ZERO_GUARD * scale[:, None], values)
    frame = pd.DataFrame({
        "segment": np.repeat(np.arange(n_seg), len(o_idx)),
        "origin": np.tile(origin[o_idx].to_timestamp(), n_seg),
        "development": np.tile(
            (origin[o_idx] + (d_idx + 1) * grain_months - 1).to_timestamp(how="end"), n_seg
        ),
        "value": values.ravel(),
    })
    return cl.Triangle(frame, origin="origin", development="development", columns="value",
                       index="segment", cumulative=True)
