"""Batched reserving methods on dense cumulative triangles ``C[segment, origin, lag]``.

Every function takes float64 cumulative triangles ``C[s, o, d]`` for many segments at once (no
loop over segments). A cell is known when it is not NaN. ``L_o``, the latest lag of origin o, is
its last known cell (its diagonal); everything after it is the future. An unknown cell before
``L_o`` is missing (the chainladder convention): it enters no link ratio, so only pairs of two
known cells count. A zero inside the triangle is data, never missing: it enters sums and counts
like any other value (a zero base makes a link ratio infinite or undefined, see
``link_ratios``); to read zeros as missing, as chainladder does, leave out the pairs that touch
a zero with ``exclude`` (``zero_pairs``). Results are frozen dataclasses of plain arrays.

Notation: ``x = C[o, d]``, ``y = C[o, d+1]`` (a known pair), ``f_d`` the factor from lag d to d+1,
``CDF_d = prod_{k>=d} f_k * tail`` the factor from lag d to ultimate, ``L_o`` the latest lag of
origin o. Sources: Mack (1993) "Distribution-free calculation of the standard error of chain
ladder reserve estimates", ASTIN Bulletin 23(2); Mack (1999) "The standard error of chain ladder
reserve estimates: recursive calculation and inclusion of a tail factor", ASTIN Bulletin 29(2);
the chainladder package documentation (Development, TailCurve, MackChainladder,
BornhuetterFerguson, Benktander, CapeCod), which these functions reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.errors import AssumptionError, BadCell, InputError

AVERAGES = ("volume", "simple", "regression")
SIGMA_EXTRAPOLATIONS = ("mack", "log-linear")
# Var(C[o, d+1] | C[o, d]) = sigma_d^2 * C[o, d]^EXPONENT (Mack 1999 §2; chainladder's
# WeightedRegression: regression 0, volume 1, simple 2)
EXPONENT = {"regression": 0, "volume": 1, "simple": 2}


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Factors:
    """Development factors per segment (arrays ``[s, d]`` unless said otherwise).

    ``ldf[s, d]`` from lag d to d+1 (n_lags - 1 columns, selections applied); ``cdf[s, d]`` from
    lag d to ultimate (n_lags columns, ``cdf[:, -1] = tail``); ``used_mask[s, o, d]`` the link
    ratios that entered the computed average; ``no_data[s, d]`` lags whose average could not be
    computed (factor set to 1); ``drop_ignored[s, d]`` lags where drop_high/drop_low would have
    left no link ratio, so nothing was dropped there; ``tail_fit_ok[s]`` False where an
    exponential tail could not be fitted (tail set to 1).
    """

    ldf: np.ndarray
    cdf: np.ndarray
    used_mask: np.ndarray
    tail: np.ndarray
    no_data: np.ndarray
    drop_ignored: np.ndarray
    tail_fit_ok: np.ndarray
    average: str


@dataclass(frozen=True)
class Projection:
    """Ultimates per segment and origin (arrays ``[s, o]``).

    ultimate = latest + ibnr; ``cdf_applied`` is CDF at the origin's latest lag; ``apriori`` is
    the expected loss ratio used per origin (None for the chain ladder).
    """

    latest: np.ndarray
    ultimate: np.ndarray
    ibnr: np.ndarray
    cdf_applied: np.ndarray
    apriori: np.ndarray | None = None


@dataclass(frozen=True)
class Mack:
    """Chain ladder with Mack's standard errors.

    ``[s, o]``: latest, ultimate, ibnr, cdf_applied, process_se, parameter_se, mack_se;
    ``[s]``: total_se (the total reserve, with the covariance across origins);
    ``[s, d]``: sigma2 (sigma_d^2 after extrapolation), sigma2_extrapolated (True where sigma_d^2
    was not estimable from the data and was filled by the extrapolation rule), ldf_se2 (the
    squared standard error of f_d, sigma_d^2 / sum_o x^(2 - exponent)).
    """

    latest: np.ndarray
    ultimate: np.ndarray
    ibnr: np.ndarray
    cdf_applied: np.ndarray
    process_se: np.ndarray
    parameter_se: np.ndarray
    mack_se: np.ndarray
    total_se: np.ndarray
    sigma2: np.ndarray
    sigma2_extrapolated: np.ndarray
    ldf_se2: np.ndarray


@dataclass(frozen=True)
class Diagnostics:
    """Flags to review, never dropped silently.

    ``negative_incremental[s, o, d]`` known cells with C[o, d] - C[o, d-1] < 0 (C[o, 0] < 0 at
    lag 0); ``high_link_ratio[s, o, d]`` known pairs with y / x > max_link_ratio (an infinite
    ratio, a positive y on a zero base, counts); ``undefined_link_ratio[s, o, d]`` known pairs
    0 / 0; ``origin_no_data[s, o]`` origins with no known cell or only zeros;
    ``lag_no_data[s, d]`` lags whose factor could not be estimated (set to 1);
    ``negative_cumulative[s, o, d]`` known cells below 0 (outside Mack's model, see ``mack``);
    ``missing[s, o, d]`` unknown cells before the origin's latest lag; ``collapsed[s, o]``
    origins with a latest value other than 0 whose ultimate is 0 or not finite (e.g. a factor
    of 0 from a 0 in the last column); ``negative_ibnr[s, o]`` origins whose ultimate is below
    their latest value.
    """

    negative_incremental: np.ndarray
    high_link_ratio: np.ndarray
    undefined_link_ratio: np.ndarray
    origin_no_data: np.ndarray
    lag_no_data: np.ndarray
    negative_cumulative: np.ndarray
    missing: np.ndarray
    collapsed: np.ndarray
    negative_ibnr: np.ndarray


# ---------------------------------------------------------------------------------------------
# Validation


def _bad(name: str, value, expected: str, fix: str = "") -> InputError:
    return InputError(BadCell(file=name, row=None, column=None, value=str(value),
                              expected=expected, fix=fix))


def _triangle(C) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(C as float64 [s, o, d], known mask, latest lag L[s, o]; -1 = no known cell)."""
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 3 or C.shape[2] < 1:
        raise _bad("triangle", f"shape {C.shape}", "a 3-d array [segment, origin, lag]")
    if np.isinf(C).any():
        s, o, d = np.argwhere(np.isinf(C))[0]
        raise _bad("triangle", f"[{s}, {o}, {d}] = {C[s, o, d]}", "a finite number or NaN")
    known = ~np.isnan(C)
    last = C.shape[2] - 1 - np.argmax(known[..., ::-1], axis=2)
    return C, known, np.where(known.any(axis=2), last, -1)


def zero_pairs(C) -> np.ndarray:
    """``exclude[s, o, d]``: the pairs (lag d, d + 1) with a zero cell, to read zeros as missing.

    chainladder stores a cumulative 0 as missing, so such a pair enters no average there.
    """
    C = np.asarray(C, dtype=np.float64)
    zero = C == 0
    return zero[..., :-1] | zero[..., 1:]


def _at_lag(values: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """values[s, o, lag[s, o]] (NaN where lag is -1)."""
    got = np.take_along_axis(values, np.maximum(lag, 0)[..., None], axis=2)[..., 0]
    return np.where(lag >= 0, got, np.nan)


def _by_origin(name: str, value, shape: tuple[int, int]) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1 and name == "apriori":
        arr = arr[:, None]
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise _bad(name, f"shape {arr.shape}", f"an array broadcastable to {shape}") from None


# ---------------------------------------------------------------------------------------------
# Development factors


def link_ratios(C) -> np.ndarray:
    """r[s, o, d] = C[o, d+1] / C[o, d] for d = 0..n_lags-2.

    NaN where either cell is unknown; a zero base gives +inf / -inf (y > 0 / y < 0) and 0 / 0
    gives NaN, so test ``np.isnan(C[..., 1:])`` to tell "unknown" from "undefined".
    """
    C, _, _ = _triangle(C)
    with np.errstate(divide="ignore", invalid="ignore"):
        return C[..., 1:] / C[..., :-1]


def development_factors(
    C,
    *,
    average: str = "volume",
    n_periods: int | None = None,
    exclude=None,
    drop_high: int = 0,
    drop_low: int = 0,
    selected=None,
    tail: float | str | np.ndarray = 1.0,
    tail_periods: int = 100,
) -> Factors:
    """Age-to-age factors f_d per segment, then CDF_d = prod_{k>=d} f_k * tail.

    Averages over the used pairs (chainladder Development ``average``; Mack 1999 §2):
    volume f_d = sum y / sum x (Mack 1993 chain ladder estimator, the only one where a pair
    with a zero base counts: its y adds to the numerator); simple f_d = mean of y / x over
    pairs with x != 0; regression (through the origin) f_d = sum x y / sum x^2.
    Used pairs, in this order: known pairs; on the last ``n_periods`` diagonals (a pair's
    later cell o + d + 1 > V - n_periods, V the segment's latest diagonal, as chainladder's
    ``n_periods``); not ``exclude[s, o, d]`` (bool, broadcast to [s, o, n_lags-1]); then the
    ``drop_high`` highest and ``drop_low`` lowest ratios of each lag are dropped (ties ranked
    by x, then origin; 0 / 0 ratios are never ranked; if fewer than one ratio would remain
    nothing is dropped and ``drop_ignored`` says so). A lag with no usable data (zero
    denominator or no defined ratio) gets f_d = 1 and ``no_data``. ``selected[s, d]`` replaces
    f_d where not NaN.

    ``tail``: a number (or one per segment), or "exponential": ordinary least squares of
    ln(f_d - 1) = a + b (d + 1) over the factors f_d > 1, then
    tail = prod_{k=n}^{n-1+tail_periods} (1 + exp(a + b k)), n = n_lags (chainladder TailCurve
    curve='exponential', extrap_periods=tail_periods). With fewer than two factors above 1
    or b >= 0 (no decay) the tail is 1 and ``tail_fit_ok`` is False.
    """
    C, known, latest_lag = _triangle(C)
    if average not in AVERAGES:
        raise AssumptionError(f"development average {average!r} is not one of {AVERAGES}")
    n_seg, n_o, n_d = C.shape
    x, y = C[..., :-1], C[..., 1:]
    cand = known[..., :-1] & known[..., 1:]
    if n_periods is not None:
        if int(n_periods) != n_periods or n_periods < 1:
            raise AssumptionError(f"n_periods must be a whole number >= 1, not {n_periods!r}")
        latest_diag = np.max(np.where(latest_lag >= 0, latest_lag + np.arange(n_o), -1), axis=1)
        end_diag = np.arange(n_o)[:, None] + np.arange(1, n_d)[None, :]
        cand &= end_diag[None] > latest_diag[:, None, None] - n_periods
    if exclude is not None:
        ex = np.asarray(exclude, dtype=bool)
        try:
            cand &= ~np.broadcast_to(ex, cand.shape)
        except ValueError:
            raise _bad("exclude", f"shape {ex.shape}",
                       f"a bool array broadcastable to {cand.shape}") from None
    for name, k in (("drop_high", drop_high), ("drop_low", drop_low)):
        if int(k) != k or k < 0:
            raise AssumptionError(f"{name} must be a whole number >= 0, not {k!r}")

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = y / x
    usable = cand & (x != 0) if average == "simple" else cand
    ranked = usable & ~np.isnan(ratio)
    used, drop_ignored = _drop_extremes(ratio, x, usable, ranked, int(drop_high), int(drop_low))

    ldf, no_data = _average(x, y, ratio, used, average)
    if selected is not None:
        sel = np.asarray(selected, dtype=np.float64)
        try:
            sel = np.broadcast_to(sel, ldf.shape)
        except ValueError:
            raise _bad("selected", f"shape {sel.shape}",
                       f"an array broadcastable to {ldf.shape}") from None
        ldf = np.where(np.isnan(sel), ldf, sel)

    tail_fit_ok = np.ones(n_seg, dtype=bool)
    if isinstance(tail, str):
        if tail != "exponential":
            raise AssumptionError(f"tail {tail!r} is not a number or 'exponential'")
        tail_factor, tail_fit_ok = _exponential_tail(ldf, n_d, tail_periods)
    else:
        tail_factor = np.broadcast_to(np.asarray(tail, dtype=np.float64), (n_seg,)).copy()
    cdf = _cdf(ldf, tail_factor)
    return Factors(ldf=ldf, cdf=cdf, used_mask=used, tail=tail_factor, no_data=no_data,
                   drop_ignored=drop_ignored, tail_fit_ok=tail_fit_ok, average=average)


def _drop_extremes(ratio, x, usable, ranked, high: int, low: int):
    """Drop the ``high`` highest and ``low`` lowest ranked ratios of each (segment, lag)."""
    ignored = np.zeros((ratio.shape[0], ratio.shape[2]), dtype=bool)
    if high == 0 and low == 0:
        return usable, ignored
    origin = np.broadcast_to(np.arange(ratio.shape[1])[None, :, None], ratio.shape)
    keys = (origin, np.where(ranked, x, 0.0), np.where(ranked, ratio, 0.0), ~ranked)
    order = np.lexsort(keys, axis=1)  # last key first: ranked ones first, by ratio, x, origin
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(ratio.shape[1])[None, :, None],
                                                   order.shape), axis=1)
    m = ranked.sum(axis=1)
    ignored = (m > 0) & (m - high - low < 1)
    drop = ranked & ((rank < low) | (rank >= (m - high)[:, None, :])) & ~ignored[:, None, :]
    return usable & ~drop, ignored


def _average(x, y, ratio, used, average: str):
    if average == "volume":
        num = np.sum(np.where(used, y, 0.0), axis=1)
        den = np.sum(np.where(used, x, 0.0), axis=1)
    elif average == "regression":
        num = np.sum(np.where(used, x * y, 0.0), axis=1)
        den = np.sum(np.where(used, x * x, 0.0), axis=1)
    else:
        num = np.sum(np.where(used, ratio, 0.0), axis=1)
        den = used.sum(axis=1).astype(np.float64)
    no_data = den == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ldf = np.where(no_data, 1.0, num / np.where(no_data, 1.0, den))
    return ldf, no_data


def _exponential_tail(ldf: np.ndarray, n_lags: int, periods: int):
    """Tail = prod_{k=n}^{n-1+periods} (1 + exp(a + b k)), OLS of ln(f_d - 1) on d + 1."""
    k = np.arange(1, ldf.shape[1] + 1, dtype=np.float64)
    w = ldf > 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.where(w, np.log(np.where(w, ldf - 1.0, 1.0)), 0.0)
    n = w.sum(axis=1)
    sx, sy = np.sum(w * k, axis=1), np.sum(ly, axis=1)
    sxx, sxy = np.sum(w * k * k, axis=1), np.sum(ly * k, axis=1)
    det = n * sxx - sx * sx
    ok = (n >= 2) & (det > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(ok, (n * sxy - sx * sy) / np.where(ok, det, 1.0), 0.0)
        a = np.where(ok, (sy - b * sx) / np.where(ok, n, 1), 0.0)
    ok &= b < 0
    a, b = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
    future = np.arange(n_lags, n_lags + periods, dtype=np.float64)
    log_tail = np.sum(np.log1p(np.exp(a[:, None] + b[:, None] * future[None, :])), axis=1)
    return np.where(ok, np.exp(log_tail), 1.0), ok


def _cdf(ldf: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """CDF[s, d] = prod_{k>=d} ldf[s, k] * tail[s], d = 0..n_lags-1."""
    rev = np.cumprod(ldf[:, ::-1], axis=1)[:, ::-1]
    ones = np.ones((ldf.shape[0], 1))
    return np.concatenate([rev, ones], axis=1) * tail[:, None]


def _check_factors(C: np.ndarray, factors: Factors) -> None:
    if factors.cdf.shape != (C.shape[0], C.shape[2]):
        raise _bad("factors", f"cdf shape {factors.cdf.shape}",
                   f"[segment, lag] = {(C.shape[0], C.shape[2])} to match the triangle")


# ---------------------------------------------------------------------------------------------
# Projections


def chain_ladder(C, factors: Factors) -> Projection:
    """ultimate_o = C[o, L_o] * CDF_{L_o}; ibnr_o = ultimate_o - C[o, L_o] (Mack 1993 §1).

    An origin with no known cell has NaN results (see ``diagnostics``).
    """
    C, _, latest_lag = _triangle(C)
    _check_factors(C, factors)
    latest = _at_lag(C, latest_lag)
    cdf_applied = _cdf_at(factors.cdf, latest_lag)
    ultimate = latest * cdf_applied
    return Projection(latest, ultimate, ultimate - latest, cdf_applied)


def _cdf_at(cdf: np.ndarray, latest_lag: np.ndarray) -> np.ndarray:
    got = np.take_along_axis(cdf, np.maximum(latest_lag, 0), axis=1)
    return np.where(latest_lag >= 0, got, np.nan)


def bornhuetter_ferguson(C, factors: Factors, exposure, apriori) -> Projection:
    """ultimate_o = latest_o + exposure_o * apriori_o * (1 - 1 / CDF_{L_o}).

    Bornhuetter & Ferguson (1972); chainladder BornhuetterFerguson(apriori) with
    sample_weight = exposure. ``apriori`` is one loss ratio per segment [s] or per origin [s, o].
    """
    return benktander(C, factors, exposure, apriori, n_iters=1)


def benktander(C, factors: Factors, exposure, apriori, n_iters: int = 1) -> Projection:
    """Iterated BF: ult = latest * sum_{k<n} q^k + q^n * E, q = 1 - 1 / CDF_{L_o}, E = exposure * apriori.

    chainladder's Benktander convention (``n_iters``): 0 gives the expected loss E, 1 the
    Bornhuetter-Ferguson ultimate, 2 Benktander's credibility mixture (Mack 2000, "Credible
    claims reserves: the Benktander method", ASTIN Bulletin 30(2)), and n -> infinity the chain
    ladder latest * CDF.
    """
    C, _, latest_lag = _triangle(C)
    _check_factors(C, factors)
    if int(n_iters) != n_iters or n_iters < 0:
        raise AssumptionError(f"n_iters must be a whole number >= 0, not {n_iters!r}")
    shape = C.shape[:2]
    ex = _by_origin("exposure", exposure, shape)
    ap = _by_origin("apriori", apriori, shape)
    latest = _at_lag(C, latest_lag)
    cdf_applied = _cdf_at(factors.cdf, latest_lag)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = 1.0 - 1.0 / cdf_applied
    n = int(n_iters)
    weight = np.sum(q[..., None] ** np.arange(n), axis=-1)  # sum_{k<n} q^k
    ultimate = latest * weight + q**n * ex * ap
    return Projection(latest, ultimate, ultimate - latest, cdf_applied, np.array(ap))


def cape_cod(C, factors: Factors, exposure, *, decay: float = 1.0, trend: float = 0.0) -> Projection:
    """Cape Cod: ELR_i = sum_j w_ij latest_j t_j / sum_j w_ij exposure_j / CDF_j, then BF.

    w_ij = decay^|i - j|, t_j = (1 + trend)^(n_o - 1 - j) trends origin j to the latest origin
    (``trend`` per origin period: an annual rate for annual origins); apriori_i = ELR_i / t_i.
    With decay = 1 and trend = 0: ELR = sum(latest) / sum(exposure / CDF), the used-up premium
    (Stanard 1985; chainladder CapeCod(decay, trend) with sample_weight = exposure). Origins
    with no known cell are left out of both sums.
    """
    C, _, latest_lag = _triangle(C)
    _check_factors(C, factors)
    n_o = C.shape[1]
    ex = _by_origin("exposure", exposure, C.shape[:2])
    latest = _at_lag(C, latest_lag)
    cdf_applied = _cdf_at(factors.cdf, latest_lag)
    t = (1.0 + trend) ** (n_o - 1 - np.arange(n_o, dtype=np.float64))
    w = float(decay) ** np.abs(np.subtract.outer(np.arange(n_o), np.arange(n_o)))
    ok = ~np.isnan(cdf_applied)
    with np.errstate(divide="ignore", invalid="ignore"):
        used_up = np.where(ok, ex / cdf_applied, 0.0)
        trended = np.where(ok, latest * t, 0.0)
        elr = (trended @ w.T) / (used_up @ w.T)
    apriori = elr / t
    return benktander(C, factors, ex, apriori, n_iters=1)


# ---------------------------------------------------------------------------------------------
# Mack


def mack(C, factors: Factors, *, sigma_extrapolation: str = "mack") -> Mack:
    """Chain ladder ultimates with Mack's process, parameter and total standard errors.

    sigma_d^2 = 1 / (n_d - 1) sum_o (y - f_d x)^2 / x^a over the used pairs, a the average's
    exponent (volume 1: Mack 1993's alpha_k^2 estimator; simple 2; regression 0 — Mack 1999 §2,
    chainladder Development.sigma_); pairs with x = 0 are left out when a > 0 (the model gives
    them zero variance). Where fewer than two pairs (n_d < 2), sigma_d^2 is filled by
    ``sigma_extrapolation``: "mack", Mack (1993) p. 217,
    sigma_d^2 = min(sigma_{d-1}^4 / sigma_{d-2}^2, sigma_{d-2}^2, sigma_{d-1}^2) (NaN for d < 2);
    or "log-linear", OLS of ln sigma_d on d over the estimated sigma_d > 0, extrapolated
    (chainladder's default ``sigma_interpolation``).
    se(f_d)^2 = sigma_d^2 / sum_o x^(2-a) over the used pairs.

    Safeguards, so that no variance is ever negative: (1) the variance weights are absolute,
    Var(C[o, d+1] | C[o, d]) = sigma_d^2 |C[o, d]|^a: every residual term of sigma_d^2, every
    se(f_d)^2 and every process term is >= 0 even where a cumulative value is negative (Mack's
    model assumes C >= 0; chainladder's weights 1 / x^a make sigma_d^2 negative, its sigma NaN,
    there); (2) where sigma_d^2 cannot be estimated it is extrapolated (Mack 1993 p. 217 or
    log-linear, both >= 0), never taken as a negative fill; (3) in the total, the covariance
    term uses sum_o |C_ok|, so the parameter errors of origins of opposite signs never cancel
    and total >= mack_o for every origin. On triangles without negative cells (Mack's model)
    the three are the plain formulas below. Negative cumulative cells are flagged by
    ``diagnostics``.

    Per origin, over the future steps k >= L_o, with C_ok the projected (or latest) value and
    G_k = CDF_{k+1} (Mack 1993 Theorem 3, written as the recursion of Mack 1999 that
    chainladder's MackChainladder evaluates; both give the same numbers):
    process_o^2 = sum_k sigma_k^2 C_ok^a G_k^2, parameter_o^2 = sum_k C_ok^2 se(f_k)^2 G_k^2,
    mack_o^2 = process_o^2 + parameter_o^2.
    Total reserve (Mack 1993 Corollary to Theorem 3, the covariance across origins included):
    total^2 = sum_o process_o^2 + sum_k (sum_{o: L_o <= k} |C_ok|)^2 se(f_k)^2 G_k^2.
    Missing cells before an origin's latest lag only leave their pairs out of f, sigma^2 and
    se(f)^2 (as chainladder's MackChainladder).
    The tail factor scales the errors but carries no variance of its own (chainladder adds a
    tail sigma from its tail estimators; with tail = 1 the two agree). A term whose C_ok is 0
    adds nothing (zero mean, zero variance under the model, a > 0). An origin with no known
    cell gives NaN for the origin and is left out of the total (it has no reserve to err on).
    """
    C, _, latest_lag = _triangle(C)
    _check_factors(C, factors)
    if sigma_extrapolation not in SIGMA_EXTRAPOLATIONS:
        raise AssumptionError(
            f"sigma_extrapolation {sigma_extrapolation!r} is not one of {SIGMA_EXTRAPOLATIONS}"
        )
    a = EXPONENT[factors.average]
    n_seg, n_o, n_d = C.shape
    x, y, used, f = C[..., :-1], C[..., 1:], factors.used_mask, factors.ldf

    # sigma_d^2 and se(f_d)^2, absolute variance weights |x|^a (safeguard 1)
    ax = np.abs(x)
    var_pairs = used & (x != 0) if a > 0 else used
    n = var_pairs.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        resid2 = np.where(var_pairs,
                          (y - f[:, None, :] * x) ** 2 / np.where(var_pairs, ax, 1.0) ** a, 0.0)
        sigma2 = np.where(n >= 2, resid2.sum(axis=1) / (n - 1), np.nan)
    extrapolated = n < 2
    if sigma_extrapolation == "mack":
        sigma2 = _mack_sigma_rule(sigma2, extrapolated)
    else:
        sigma2 = _loglinear_sigma(sigma2, extrapolated)
    den = np.sum(np.where(used, ax, 1.0) ** (2 - a) * used, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        se2 = np.where(den > 0, sigma2 / np.where(den > 0, den, 1.0), np.nan)

    # projected triangle: C_full[o, d] = C[o, L_o] * prod_{L_o <= k < d} f_k beyond the latest lag
    latest = _at_lag(C, latest_lag)
    lag = np.arange(n_d)
    step = lag[None, None, :-1] >= latest_lag[..., None]  # step k (lag k -> k+1): k >= L_o
    grow = np.concatenate([np.ones((n_seg, n_o, 1)), np.where(step, f[:, None, :], 1.0)], axis=2)
    full = np.where(lag <= latest_lag[..., None], C, latest[..., None] * np.cumprod(grow, axis=2))
    cdf_applied = _cdf_at(factors.cdf, latest_lag)
    ultimate = latest * cdf_applied

    has_data = latest_lag >= 0
    cx = np.where(step & has_data[..., None], full[..., :-1], 0.0)  # C_ok on the future steps
    acx = np.abs(cx)
    g2 = factors.cdf[:, 1:] ** 2
    weight = {0: step.astype(np.float64), 1: acx, 2: cx * cx}[a]
    process_var = _weighted_sum(weight, sigma2 * g2)
    parameter_var = _weighted_sum(cx * cx, se2 * g2)
    col = acx.sum(axis=1)  # sum over the origins with L_o <= k of |C_ok| (safeguard 3)
    with np.errstate(invalid="ignore"):
        total_par = np.where(col != 0, col**2 * se2 * g2, 0.0).sum(axis=1)
        total_se = np.sqrt(process_var.sum(axis=1) + total_par)
    none = np.where(has_data, 1.0, np.nan)  # no known cell: no result for the origin
    return Mack(
        latest=latest, ultimate=ultimate, ibnr=ultimate - latest, cdf_applied=cdf_applied,
        process_se=np.sqrt(process_var) * none, parameter_se=np.sqrt(parameter_var) * none,
        mack_se=np.sqrt(process_var + parameter_var) * none, total_se=total_se,
        sigma2=sigma2, sigma2_extrapolated=extrapolated, ldf_se2=se2,
    )


def _weighted_sum(weight: np.ndarray, term: np.ndarray) -> np.ndarray:
    """sum_k weight[s, o, k] * term[s, k]; a zero weight adds nothing even if the term is NaN."""
    bad = np.isnan(term)
    out = np.einsum("sok,sk->so", weight, np.where(bad, 0.0, term))
    if bad.any():
        hit = np.einsum("sok,sk->so", (weight != 0).astype(np.float64), bad.astype(np.float64))
        out = np.where(hit > 0, np.nan, out)
    return out


def _mack_sigma_rule(sigma2: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Fill sigma_d^2 = min(s_{d-1}^2 / s_{d-2}, s_{d-2}, s_{d-1}), s = sigma^2 (Mack 1993 p. 217)."""
    out = sigma2.copy()
    for d in range(out.shape[1]):
        if d < 2:
            out[:, d] = np.where(missing[:, d], np.nan, out[:, d])
            continue
        s1, s2 = out[:, d - 1], out[:, d - 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            rule = np.fmin(np.fmin(s1 * s1 / s2, s2), s1)
        rule = np.where(np.isnan(s1) | np.isnan(s2), np.nan, rule)
        out[:, d] = np.where(missing[:, d], rule, out[:, d])
    return out


def _loglinear_sigma(sigma2: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Fill ln sigma_d = a + b d, OLS over the estimated sigma_d > 0 (chainladder 'log-linear')."""
    d = np.arange(sigma2.shape[1], dtype=np.float64)
    w = ~missing & (sigma2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.where(w, 0.5 * np.log(np.where(w, sigma2, 1.0)), 0.0)
    n = w.sum(axis=1)
    sx, sy = np.sum(w * d, axis=1), ly.sum(axis=1)
    sxx, sxy = np.sum(w * d * d, axis=1), np.sum(ly * d, axis=1)
    det = n * sxx - sx * sx
    ok = (n >= 2) & (det > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = (n * sxy - sx * sy) / np.where(ok, det, 1.0)
        a = (sy - b * sx) / np.where(ok, n, 1)
    fill = np.where(ok[:, None], np.exp(2.0 * (a[:, None] + b[:, None] * d[None, :])), np.nan)
    return np.where(missing, fill, sigma2)


# ---------------------------------------------------------------------------------------------
# Diagnostics


def diagnostics(C, factors: Factors, *, max_link_ratio: float, ultimate=None) -> Diagnostics:
    """Cells, link ratios, origins and lags to review (see ``Diagnostics``).

    ``ultimate[s, o]``: the projection to check for a collapse (default: the chain ladder of
    ``factors``).
    """
    C, known, latest_lag = _triangle(C)
    _check_factors(C, factors)
    incremental = np.concatenate([C[..., :1], np.diff(C, axis=2)], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = C[..., 1:] / C[..., :-1]
    pair = known[..., :-1] & known[..., 1:]
    latest = _at_lag(C, latest_lag)
    if ultimate is None:
        ultimate = latest * _cdf_at(factors.cdf, latest_lag)
    ultimate = np.broadcast_to(np.asarray(ultimate, dtype=np.float64), latest.shape)
    reported = ~np.isnan(latest) & (latest != 0)
    with np.errstate(invalid="ignore"):
        return Diagnostics(
            negative_incremental=known & (incremental < 0),
            high_link_ratio=pair & (ratio > max_link_ratio),
            undefined_link_ratio=pair & np.isnan(ratio),
            origin_no_data=(latest_lag < 0) | np.all(np.where(known, C == 0, True), axis=2),
            lag_no_data=factors.no_data.copy(),
            negative_cumulative=known & (C < 0),
            missing=~known & (np.arange(C.shape[2]) < latest_lag[..., None]),
            collapsed=reported & ((ultimate == 0) | ~np.isfinite(ultimate)),
            negative_ibnr=reported & (ultimate - latest < 0),
        )
