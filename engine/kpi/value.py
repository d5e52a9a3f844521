"""Product-value KPIs: expense, claims and net income ratios over earned premium, and the
claims ratio's sub-indicators (frequency, severity, burning cost over exposure-years).

    expense ratio    = IE / EP = P16 / P02   (spec §1.3; E2 L992, L1113-1114)
    claims ratio     = IC / EP = P11 / P02   (spec §1.4; E2 L1284, L1406)
    net income ratio = NI / EP = P28 / P02   (spec §1.2; E2 L1519, L1624)

P02 earned premium = P03 - P04; P11 = P12 + P13 + P14 + P15; P16 = P17 + ... + P21;
P28 = P02 + P05 - P11 - P16 (spec §1.1). Zero earned premium -> every ratio undefined
(decision 13). Meaning examples (TV-08): 25 / 100 = 25%, 70 / 100 = 70%, +-5 / 100 = +-5%.

    frequency    = claims / exposure-years   (E1 L900-903, footnote 15; E2 glossary L4391-4396)
    severity     = paid / claims             (the average claim; E1 L903-904)
    burning cost = paid / exposure-years = frequency x severity
    paid         = frequency x exposure-years x severity   (spec §1.4 DECISION)

One exposure-year is one person covered for one year (E1 footnote 15, L916-917; E2 glossary
L4386-4388).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reserva.calendar import DAY_COUNTS, NEVER
from reserva.errors import AssumptionError, ComputationError
from reserva.kpi.ratio import Ratio, ratio

_EP = "earned premium"


@dataclass(frozen=True)
class ValueRatios:
    expense: Ratio
    claims: Ratio
    net_income: Ratio


def value_ratios(p02: float, p11: float, p16: float, p28: float) -> ValueRatios:
    """P16/P02, P11/P02 and P28/P02 (earned premium P02, incurred claims P11, incurred
    expenses P16, net income P28; data sheet BRS02)."""
    return ValueRatios(
        expense=ratio(p16, p02, what=_EP),
        claims=ratio(p11, p02, what=_EP),
        net_income=ratio(p28, p02, what=_EP),
    )


def exposure_years(
    start_day,
    end_day,
    *,
    period_start: int,
    period_end: int,
    days_per_year: float = DAY_COUNTS["actual/365.25"],
) -> np.ndarray:
    """Exposure-years per term = days of [start, end] inside (period_start, period_end] /
    days_per_year.

    Both ends of a term are covered days (a term 2007-01-01..2007-12-31 covers 365 days); the
    period excludes its start (the last day of the previous period). With the default
    365.25 days a year a full non-leap year is 365 / 365.25 = 0.99932 exposure-years and a
    full leap year 366 / 365.25 = 1.00205; pass ``days_per_year=365`` to count a full
    non-leap year as exactly one. An empty end day (``NEVER``) is cover to the period end;
    an empty start day (term not started), or a term ending before it starts, gives 0.
    """
    dpy = float(days_per_year)
    if not (math.isfinite(dpy) and dpy > 0):
        raise AssumptionError(
            f"exposure_years: days_per_year {days_per_year!r} must be a positive number, "
            "e.g. 365.25"
        )
    lo, hi = int(period_start), int(period_end)
    if not lo < hi < NEVER:
        raise AssumptionError(
            f"exposure_years: period ({lo}, {hi}] is empty or open-ended; give day numbers "
            "with period_start (last day of the previous period) < period_end"
        )
    start = np.asarray(start_day, dtype=np.int64)
    end = np.asarray(end_day, dtype=np.int64)
    if start.shape != end.shape:
        raise ComputationError(
            f"exposure_years: {start.size} start days but {end.size} end days; pass one "
            "start and one end day per term"
        )
    first = np.maximum(start, lo + 1)
    last = np.minimum(end, hi)
    return np.maximum(last - first + 1, 0) / dpy


@dataclass(frozen=True)
class ClaimExperience:
    claims: float  # number of claims (or claimants) in the period
    paid: float  # amount paid on those claims
    exposure: float  # exposure-years of the insured in the period
    frequency: Ratio  # claims / exposure
    severity: Ratio  # paid / claims, the average claim
    burning_cost: Ratio  # paid / exposure = frequency x severity


def claim_experience(claims: float, paid: float, exposure: float) -> ClaimExperience:
    """frequency = claims / exposure, severity = paid / claims, burning cost = paid /
    exposure, so paid = frequency x exposure x severity (spec §1.4 DECISION; E1 L900-910,
    E2 L1443-1451). Zero exposure or zero claims -> the ratios over them are undefined."""
    for name, x in (("claims", claims), ("exposure", exposure)):
        if float(x) < 0:
            raise ComputationError(
                f"claim_experience: {name} {x!r} is negative; pass a count of claims and "
                "exposure-years >= 0"
            )
    return ClaimExperience(
        claims=float(claims),
        paid=float(paid),
        exposure=float(exposure),
        frequency=ratio(claims, exposure, what="exposure-years"),
        severity=ratio(paid, claims, what="claims"),
        burning_cost=ratio(paid, exposure, what="exposure-years"),
    )
