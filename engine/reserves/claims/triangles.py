"""Reporting-lag triangles from claim records; chain ladder and the ODP bootstrap through chainladder.

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

The oldest origin is the period holding ``first_day`` (the earliest date the reserving needs,
see ``first_origin_day``: the earliest business, at most ``max_origins`` periods back); claims
with an event before it are left out, so the arrays (and the day -> period table) grow with the
origins kept, never with the date span of the records.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from reserva.errors import AssumptionError, BadCell, ComputationError, InputError

ZERO_GUARD = 1e-9  # relative stand-in for a cumulative 0 inside the triangle (see chain_ladder)
LEVERAGE_ONE = 1e-9  # |1 - h| at or below this is a leverage-1 cell (see _hat_adjustment)


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


def period_start_day(day_number: int, grain: int) -> int:
    """First day of the calendar period of ``grain`` months holding the day."""
    month = int(month_index(np.array([day_number]))[0]) // grain * grain
    return int(np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64))


def first_origin_day(earliest_day: int, valuation_day: int, grain: int, max_origins: int) -> int:
    """First day of the oldest origin period the reserving needs at ``valuation_day``.

    The period holding ``earliest_day`` (the earliest business of the pack), but at most
    ``max_origins`` periods including the one holding the valuation date, and never after it:
    ``p_first = max(min(p(earliest), p(v)), p(v) - max_origins + 1)`` with ``p(x) =
    month_index(x) // grain``. A single absurd early date thus cannot widen the triangles.
    """
    if max_origins < 1:
        raise AssumptionError(f"the triangles need at least one origin period, not {max_origins}; "
                              "fix: set [ibnr] max_origin_years to 1 or more")
    anchor = int(month_index(np.array([valuation_day]))[0]) // grain
    earliest = int(month_index(np.array([min(earliest_day, valuation_day)]))[0]) // grain
    first = max(earliest, anchor - max_origins + 1)
    return int(np.datetime64(first * grain, "M").astype("datetime64[D]").astype(np.int64))


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


@njit(cache=True)
def _fill_triangle(segment, event_day, report_day, amount, v, lo, table, anchor, amt, cnt):
    """Add each claim known at v to its (segment, origin, lag) cell; older origins dropped."""
    n_o = amt.shape[1]
    for i in range(event_day.shape[0]):
        e = event_day[i]
        r = report_day[i]
        if e > v or r > v or e < lo or r < e or segment[i] < 0:
            continue  # unknown at v, before the first origin, or invalid (validation refuses)
        pe = anchor - table[e - lo]
        if pe >= n_o:
            continue
        pr = anchor - table[r - lo]
        o = n_o - 1 - pe
        d = pe - pr
        amt[segment[i], o, d] += amount[i]
        cnt[segment[i], o, d] += 1.0


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
    """Event period x report lag triangles per segment: one numba pass over the records.

    The origins run from the period holding ``first_day`` (default: the earliest event known
    at the valuation date; a ``first_day`` after the valuation date is read as the valuation
    date) to the period holding the valuation date; earlier events are left out.
    """
    segment = np.asarray(segment)
    event_day = np.asarray(event_day, dtype=np.int64)
    report_day = np.asarray(report_day, dtype=np.int64)
    valuation_day = int(valuation_day)
    if first_day is None:
        known = (report_day <= valuation_day) & (event_day <= valuation_day)
        first_day = int(event_day[known].min()) if known.any() else valuation_day
    lo = period_start_day(min(int(first_day), valuation_day), grain)
    table = month_index(np.arange(lo, valuation_day + 1, dtype=np.int64)) // grain
    anchor = int(table[-1])
    n_origins = anchor - int(table[0]) + 1
    n_seg = len(segments)
    amt = np.zeros((n_seg, n_origins, n_origins))
    cnt = np.zeros((n_seg, n_origins, n_origins))
    _fill_triangle(segment.astype(np.int64, copy=False), event_day, report_day,
                   np.asarray(amount, dtype=np.float64), int(valuation_day), lo, table, anchor,
                   amt, cnt)
    outside = (np.arange(n_origins)[None, :] + np.arange(n_origins)[:, None]) >= n_origins
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


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap distribution of the total IBNR per segment (arrays ``[s]`` unless said otherwise).

    ``mean``, ``std`` (ddof 1) and ``total_quantiles[s, k]`` (the ``percentiles[k]``-th
    percentile, linear interpolation) of the simulated total IBNR; ``by_origin_mean[s, o]`` the
    mean simulated IBNR of each origin.
    """

    mean: np.ndarray
    std: np.ndarray
    percentiles: tuple[float, ...]
    total_quantiles: np.ndarray
    by_origin_mean: np.ndarray
    n_sims: int
    seed: int


def bootstrap_odp(
    cumulative: np.ndarray,
    *,
    n_sims: int,
    seed: int,
    percentiles=(75, 95, 99.5),
    grain_months: int = 12,
) -> Bootstrap:
    """Over-dispersed Poisson bootstrap of the chain ladder IBNR (chainladder BootstrapODPSample).

    England & Verrall (2002) "Stochastic claims reserving in general insurance", BAJ 8(3), §8
    and Appendix 3, as chainladder implements it, on each segment's cumulative triangle
    ``C[s, o, d]`` (NaN outside), X the incrementals:
    m[o, d] = the expected incrementals of the volume-weighted chain ladder;
    r[o, d] = (X[o, d] - m[o, d]) / sqrt(m[o, d]), the unscaled Pearson residuals;
    phi = sum r^2 / (N - p), N known cells, p = n_origins + n_lags - 1 parameters.
    Per simulation: pseudo incrementals X*[o, d] = m[o, d] + r* sqrt(m[o, d]), r* drawn with
    replacement from the residual pool; the chain ladder of the pseudo triangle projects its
    future incrementals mu from its own latest diagonal; each mu is replaced by a gamma draw
    of mean |mu| and variance phi |mu|, sign of mu kept (the process error); the IBNR is the
    sum of these future incrementals, by origin and in total.
    ``mean``, ``std`` (ddof 1) and numpy's linear ``percentile`` of the ``n_sims`` totals.

    chainladder's defaults are kept: all origins in the factors (``n_periods=-1``), no drops,
    ``hat_adj=True``: residuals standardised by 1 / sqrt(1 - h_ii), h the hat matrix of the
    ODP GLM (Shapland 2016, "Using the ODP bootstrap model: a practitioner's guide", eq.
    3.23; England & Verrall's degrees-of-freedom factor sqrt(N / (N - p)) is not applied, and
    chainladder uses unstandardised residuals if the hat matrix is singular; the cells of
    leverage 1 get 0, see ``_odp_sampler``); its residual pool leaves out zero residuals (the
    corner cells) and is re-centred to mean 0. Residuals
    are drawn with ``numpy.random.RandomState(seed)``, the process error with
    ``RandomState(seed + 1)``: the same seed gives identical results. Every segment is
    bootstrapped on its own with the same seed, so its result does not depend on the other
    segments of the batch (the draws of different segments are therefore not independent: do
    not combine their distributions).

    Zeros: chainladder reads a cumulative 0 as missing; as in ``chain_ladder`` a known cell
    equal to 0 is passed as ``ZERO_GUARD`` x the segment's largest absolute value (see
    ``_cl_triangle``), so it stays data (its residual, its pair in the factors). The triangle
    must be square with at least 3 origins (so that N > p) and known exactly on and above the
    latest diagonal (origin o at lags 0..n_origins - 1 - o); trailing lags unknown for every
    origin are dropped.
    """
    import chainladder as cl  # heavy import kept local to this module

    if int(n_sims) != n_sims or n_sims < 2:
        raise AssumptionError(f"bootstrap n_sims must be a whole number >= 2, not {n_sims!r}")
    # chainladder seeds the process error with seed + 1 and leaves it unseeded when seed is 0
    if int(seed) != seed or not 1 <= seed <= 2**32 - 2:
        raise AssumptionError(f"bootstrap seed must be a whole number 1 .. {2**32 - 2}, not {seed!r}")
    q = tuple(float(p) for p in percentiles)
    if not all(0.0 <= p <= 100.0 for p in q):
        raise AssumptionError(f"bootstrap percentiles must lie in 0 .. 100, not {percentiles!r}")
    C = _odp_triangle(cumulative)
    n_seg, n_o, _ = C.shape
    known = ~np.isnan(C[0])
    totals = np.empty((n_seg, int(n_sims)))
    by_origin = np.empty((n_seg, n_o))
    for s in range(n_seg):  # chainladder bootstraps one triangle at a time
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tri = _cl_triangle(C[s:s + 1], known, grain_months)
            sampler = _odp_sampler()(n_sims=int(n_sims), random_state=int(seed))
            try:
                sims = sampler.fit_transform(tri)
                ibnr = np.asarray(cl.Chainladder().fit(sims).ibnr_.values, dtype=float)[:, 0, :, 0]
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                raise ComputationError(
                    f"ODP bootstrap of segment {s} failed ({type(exc).__name__}: {exc}); note "
                    "that a triangle the chain ladder fits exactly leaves no residual to resample"
                ) from exc
            if not getattr(sampler, "reserva_hat_", False):  # this fit never called the hook
                raise _unsupported("its BootstrapODPSample.fit does not call _get_hat")
        # [sim, origin]; chainladder shows an IBNR of exactly 0 as NaN (the oldest origin, or a
        # gamma draw of tiny shape that rounds the ultimate to the latest): read it as 0
        ibnr = np.nan_to_num(ibnr)
        totals[s] = ibnr.sum(axis=1)
        by_origin[s] = ibnr.mean(axis=0)
    quantiles = np.percentile(totals, q, axis=1).T if q else np.empty((n_seg, 0))
    return Bootstrap(mean=totals.mean(axis=1), std=totals.std(axis=1, ddof=1), percentiles=q,
                     total_quantiles=quantiles, by_origin_mean=by_origin, n_sims=int(n_sims),
                     seed=int(seed))


HAT_HOOK = ("self", "X", "exp_incr_triangle")  # chainladder 0.8 to 0.10: _get_hat(self, X, ...)
CHAINLADDER_PIN = "chainladder>=0.10,<0.11"  # as pyproject.toml pins it


def _odp_sampler():
    """chainladder's BootstrapODPSample with its hat-matrix adjustment made deterministic.

    chainladder 0.10 computes the adjustment sqrt(1 / |1 - h_ii|) with ``np.divide(...,
    where=1 - h != 0)`` and no ``out``, so at the cells of leverage 1 (the corner cells) it
    reads uninitialised memory: the residual pool, and so the simulations, could change from
    one run to the next with the same seed. Here those cells get 0, so their standardised
    residual is 0 and leaves the pool (chainladder's own rule for zero residuals); every other
    cell gets chainladder's value, computed with the same matrix products in the same order.

    The fix overrides ``BootstrapODPSample._get_hat(self, X, exp_incr_triangle)``, a private
    method of chainladder (the same from 0.8 to 0.10; pyproject.toml pins the releases read).
    A chainladder without it is found once, here, and refused with a ``ComputationError``
    saying which release to install (never an AttributeError, never the unfixed sampler);
    ``bootstrap_odp`` also refuses a fit that did not call the hook.
    """
    problem = _hook_problem()
    if problem is not None:
        raise _unsupported(problem)
    return _sampler_class()


@functools.cache
def _hook_problem() -> str | None:
    """Why the installed chainladder cannot take the fix (None: it can); checked once."""
    import inspect

    import chainladder as cl

    base = getattr(cl, "BootstrapODPSample", None)
    hat = getattr(base, "_get_hat", None)
    if base is None or not callable(hat):
        return "it has no BootstrapODPSample._get_hat"
    try:
        params = tuple(inspect.signature(hat).parameters)
    except (TypeError, ValueError):
        params = ()
    if params != HAT_HOOK:
        return f"its BootstrapODPSample._get_hat takes ({', '.join(params)}), not ({', '.join(HAT_HOOK)})"
    return None


@functools.cache
def _sampler_class():
    import chainladder as cl

    class OdpSample(cl.BootstrapODPSample):
        def _get_hat(self, X, exp_incr_triangle):
            self.reserva_hat_ = True  # the hook was called (bootstrap_odp checks it)
            design = getattr(self, "design_matrix_", None)
            if design is None:
                raise _unsupported("its BootstrapODPSample.fit sets no design_matrix_")
            return _hat_adjustment(design, exp_incr_triangle)

    return OdpSample


def _unsupported(problem: str) -> ComputationError:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("chainladder")
    except PackageNotFoundError:
        installed = "unknown"
    return ComputationError(
        f"the ODP bootstrap cannot use chainladder {installed}: {problem} (the private hook "
        f"its fix of the hat-matrix adjustment relies on); fix: pip install '{CHAINLADDER_PIN}'")


def _hat_adjustment(design: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """a[o, d] = sqrt(1 / |1 - h|), h the diagonal of H = D (D' W D)^-1 D' W; 0 where h = 1.

    D the ODP design matrix (rows: known cells lag by lag, origins in order within a lag),
    W = diag(expected incrementals of those cells); NaN outside the known cells (Shapland
    2016 eq. 3.23, as chainladder's ``_get_hat``). h = 1 is read to ``LEVERAGE_ONE``: rounding
    leaves 1 - h of order 1e-16 at the corner cells, which would scale their rounding-sized
    residuals by 1e8.
    """
    d_idx, o_idx = np.nonzero(~np.isnan(expected.T))  # lag-major, as the design rows
    weight = np.diag(expected[o_idx, d_idx])
    hat = design @ np.linalg.inv(design.T @ (weight @ design)) @ design.T @ weight
    one_minus = np.abs(1.0 - np.diagonal(hat))
    adj = np.zeros_like(one_minus)
    np.divide(1.0, one_minus, out=adj, where=one_minus > LEVERAGE_ONE)
    out = np.full(expected.shape, np.nan)
    out[o_idx, d_idx] = np.sqrt(adj)
    return out


def _odp_triangle(cumulative) -> np.ndarray:
    """C as float64 [s, o, d] known exactly on and above the latest diagonal, or InputError."""
    C = np.asarray(cumulative, dtype=np.float64)
    if C.ndim != 3 or C.shape[0] < 1:
        raise _bad_triangle(f"shape {C.shape}", "a 3-d array [segment, origin, lag]")
    n_o = C.shape[1]
    if C.shape[2] < n_o or (C.shape[2] > n_o and not np.isnan(C[:, :, n_o:]).all()):
        raise _bad_triangle(f"{n_o} origins x {C.shape[2]} lags",
                            "a square triangle: as many development lags as origins")
    C = C[:, :, :n_o]
    if np.isinf(C).any():
        s, o, d = np.argwhere(np.isinf(C))[0]
        raise _bad_triangle(f"[{s}, {o}, {d}] = {C[s, o, d]}", "a finite number or NaN")
    staircase = np.add.outer(np.arange(n_o), np.arange(n_o)) < n_o
    wrong = ~np.isnan(C) != staircase[None]
    if wrong.any():
        s, o, d = np.argwhere(wrong)[0]
        raise _bad_triangle(
            f"[{s}, {o}, {d}] = {C[s, o, d]}",
            "known cells exactly on and above the latest diagonal (lags 0..n_origins - 1 - o)",
            "a cell inside the triangle with no amount is 0, not NaN" if staircase[o, d]
            else "leave the cells after the latest diagonal empty (NaN)",
        )
    if n_o < 3:  # N = n(n + 1) / 2 known cells, p = 2n - 1 parameters: N > p needs n >= 3
        raise _bad_triangle(f"{n_o} origins", "at least 3 origins for the ODP bootstrap")
    return C


def _bad_triangle(value: str, expected: str, fix: str = "") -> InputError:
    return InputError(BadCell(file="triangle", row=None, column=None, value=value,
                              expected=expected, fix=fix))
