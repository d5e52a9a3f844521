"""Growth ratio: one-period, multi-period, simple average, compound and annualised.

    growth_n          = (N_n - N_{n-1}) / N_{n-1}          (spec §1.7; E2 L2201)
    multi-period      = (N_n - N_{n-x}) / N_{n-x}          (E2 L2233)
    simple average    = multi-period growth / x            (E2 L2235-2238; overstates CAGR)
    compound (CAGR)   = (N_n / N_{n-x})^(1/x) - 1          (E2 Box 8, L2268-2285)
    annualise(g, m)   = (1 + g)^(12/m) - 1                 (DECISION, spec §1.7 and §10.10)

N = active insured with valid cover at the END of the period (count of insured persons,
not premiums or policies). Zero base count -> undefined (decision 13). Worked examples
TV-13..TV-17 (E2 L2207-2285): 0.111, 0.556, 18.5%, 0.159.
"""

from __future__ import annotations

import math

from reserva.kpi.ratio import Ratio, ratio, undefined


def growth(n_now: float, n_prev: float) -> Ratio:
    """(N_n - N_{n-1}) / N_{n-1}: growth over one period."""
    if n_now is None or n_prev is None:
        return undefined(n_now, n_prev, "undefined: insured count is missing")
    return ratio(float(n_now) - float(n_prev), n_prev, what="prior-period insured")


def multi_period_growth(n_now: float, n_then: float) -> Ratio:
    """(N_n - N_{n-x}) / N_{n-x}: total growth since x periods ago (not annualised)."""
    if n_now is None or n_then is None:
        return undefined(n_now, n_then, "undefined: insured count is missing")
    return ratio(float(n_now) - float(n_then), n_then, what="base-period insured")


def _value(g: float | Ratio) -> tuple[float, str]:
    if isinstance(g, Ratio):
        return g.value, g.reason
    return float(g), ""


def simple_average_growth(total_growth: float | Ratio, periods: float) -> Ratio:
    """total growth / x: the simple average growth per period (above the compound rate)."""
    g, why = _value(total_growth)
    if math.isnan(g):
        return undefined(g, periods, why or "undefined: total growth is missing")
    return ratio(g, periods, what="number of periods")


def compound_growth(n_now: float, n_then: float, periods: float) -> Ratio:
    """(N_n / N_{n-x})^(1/x) - 1: the compound ("weighted average") growth per period.

    ``numerator`` and ``denominator`` of the result are N_n and N_{n-x}.
    """
    if n_now is None or n_then is None:
        return undefined(n_now, n_then, "undefined: insured count is missing")
    growth_factor = ratio(n_now, n_then, what="base-period insured")
    if not growth_factor.defined:
        return growth_factor
    if periods is None or not math.isfinite(periods) or periods <= 0:
        return undefined(n_now, n_then, f"undefined: number of periods {periods!r} is not > 0")
    if growth_factor.value < 0:
        return undefined(n_now, n_then, "undefined: negative insured count")
    return Ratio(growth_factor.value ** (1.0 / periods) - 1.0, float(n_now), float(n_then))


def annualise(g: float | Ratio, months: float) -> Ratio:
    """(1 + g)^(12/m) - 1: the annual rate of a growth g measured over m months.

    ``numerator`` of the result is g, ``denominator`` the period length in years (m / 12).
    """
    value, why = _value(g)
    if math.isnan(value):
        return undefined(value, months, why or "undefined: growth is missing")
    if months is None or not math.isfinite(months) or months <= 0:
        return undefined(value, math.nan, f"undefined: period of {months!r} months is not > 0")
    years = months / 12.0
    if value < -1.0:
        return undefined(value, years, "undefined: growth below -100%")
    return Ratio((1.0 + value) ** (1.0 / years) - 1.0, value, years)
