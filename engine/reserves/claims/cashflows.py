"""Unpaid claims cashflows: when the OCS + IBNR of each product is expected to be paid.

Timing comes from the product kind's payment pattern in the assumption set when it has one,
else from the paid triangle (event period x payment lag, claims paid by the valuation
date), developed by the volume-weighted chain ladder: with ``C[o, d]`` the projected cumulative
payments of origin ``o`` after ``d`` lags (``C[o, d] = latest_o x prod f`` beyond the diagonal),
the expected payments in the ``k``-th period after the valuation date are

    E_k = sum_o C[o, a_o + k] - C[o, a_o + k - 1],   a_o = latest lag of origin o.

The amounts come from the booked reserves: ``cashflow_k = (OCS + IBNR) x E_k / sum_j E_j``, so
the cashflows add up to the reserves to the cent. A product without usable payment history
(no future increments) pays its reserves evenly over ``fallback_periods`` periods. Periods are
blocks of ``grain`` months after the valuation date; each is spread evenly over its months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.reserves.claims import methods
from reserva.reserves.claims.triangles import reporting_triangle


@dataclass(frozen=True)
class UnpaidCashflows:
    products: np.ndarray
    months: int  # number of monthly buckets after the valuation date
    amount: np.ndarray  # [product, month]: expected payments in month 1, 2, ... after v
    pattern: np.ndarray  # [product, period]: share of the unpaid reserve paid in each period
    source: tuple[str, ...]  # per product: "paid triangle" or "fallback"


def future_increments(cumulative_latest: np.ndarray, ldf: np.ndarray) -> np.ndarray:
    """E[s, k]: expected payments k = 1..n_o - 1 periods after the diagonal, per segment."""
    n_seg, n_o = cumulative_latest.shape
    out = np.zeros((n_seg, n_o))
    lags = ldf.shape[1]
    for o in range(n_o):
        age = n_o - 1 - o
        level = cumulative_latest[:, o].copy()
        for k in range(1, n_o - age):
            d = age + k - 1  # factor from lag d to d + 1
            f = ldf[:, d] if d < lags else np.ones(n_seg)
            nxt = level * f
            out[:, k] += nxt - level
            level = nxt
    return out[:, 1:]


def unpaid_cashflows(
    product: np.ndarray,
    products: np.ndarray,
    event_day: np.ndarray,
    pay_day: np.ndarray,
    paid: np.ndarray,
    valuation_day: int,
    reserves: np.ndarray,
    *,
    grain_months: int,
    first_day: int,
    fallback_periods: int,
    horizon_months: int,
    patterns: dict[int, tuple[float, ...]] | None = None,
) -> UnpaidCashflows:
    """Monthly expected payments of ``reserves`` (OCS + IBNR per product) after the valuation.

    ``patterns[p]``: a payment pattern of the assumption set for product p (shares by period
    after the valuation date), used instead of the paid triangle.
    """
    tri = reporting_triangle(product, products, event_day, pay_day, paid, valuation_day,
                             grain_months, first_day=first_day)
    n_p = len(products)
    patterns = patterns or {}
    n_periods = max([tri.n_origins - 1, fallback_periods, 1] + [len(x) for x in patterns.values()])
    increments = np.zeros((n_p, n_periods))
    if tri.n_origins >= 2:
        C = np.where(np.isnan(tri.amount), np.nan, np.cumsum(np.nan_to_num(tri.amount), axis=2))
        factors = methods.development_factors(C)
        latest = np.nan_to_num(methods.chain_ladder(C, factors).latest)
        inc = future_increments(latest, factors.ldf)
        increments[:, : inc.shape[1]] = np.maximum(inc, 0.0)
    totals = increments.sum(axis=1)
    pattern = np.zeros_like(increments)
    source = []
    for i in range(n_p):
        if i in patterns:
            pattern[i, : len(patterns[i])] = patterns[i]
            source.append("assumption set")
        elif totals[i] > 0:
            pattern[i] = increments[i] / totals[i]
            source.append("paid triangle")
        else:
            pattern[i, :fallback_periods] = 1.0 / fallback_periods
            source.append("fallback")
    per_period = pattern * np.asarray(reserves, dtype=float)[:, None]
    months = np.repeat(per_period / grain_months, grain_months, axis=1)
    if months.shape[1] < horizon_months:
        months = np.pad(months, ((0, 0), (0, horizon_months - months.shape[1])))
    else:  # what falls beyond the horizon is paid in its last month
        months[:, horizon_months - 1] += months[:, horizon_months:].sum(axis=1)
        months = months[:, :horizon_months]
    return UnpaidCashflows(np.asarray(products), horizon_months, months, pattern, tuple(source))
