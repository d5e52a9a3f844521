"""Liquidity ratio and two estimators of the 3-month short-term liabilities.

    liquidity            = (cash + cash equivalents) / short-term liabilities (next 3 months)
                                                   (spec §1.11; E1 L1812-1813, E2 L3168)
    balance-sheet factor = sum_i reserve_i * factor_i + expense add-on
                                                   (spec §4.1 method 3; E2 L3242-3300, L3205-3206)
    rule of thumb        = claims of the last 12 months * share * (1 + growth margin)
                                                   (spec §4.1 method 2; E2 L3178-3206)

The factors, the share (E2 quotes 25%) and the margins are assumptions, passed in by the
caller; E2 calls its factor table artificial. TV-21: 4,800,000 of reserves and liabilities with
factors 25/100/50/5/75% -> 1,650,000 (weighted factor 34.375%). Zero short-term liabilities ->
undefined (decision 13). Meaning example TV-08: 120 / 100 = 120%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from reserva.errors import AssumptionError
from reserva.kpi.ratio import Ratio, ratio


@dataclass(frozen=True)
class ShortTerm:
    """Short-term (3-month) liabilities estimated with balance-sheet factors.

    ``total`` = sum of ``by_item`` + ``expense_add_on``; ``reserves_total`` = sum of the
    reserve and liability amounts the factors were applied to; ``weighted_factor`` = the
    factor part of ``total`` / ``reserves_total``.
    """

    total: float
    by_item: Mapping[str, float]
    reserves_total: float
    expense_add_on: float = 0.0
    weighted_factor: Ratio | None = None


def short_term_liabilities_factor(
    amounts: Mapping[str, float],
    factors: Mapping[str, float],
    expense_add_on: float = 0.0,
) -> ShortTerm:
    """sum_i amounts[i] * factors[i] + expense_add_on (items in the order of ``amounts``).

    Every item of ``amounts`` needs a factor in [0, 1]; factors of absent items are ignored.
    """
    missing = [k for k in amounts if k not in factors]
    if missing:
        raise AssumptionError(
            f"liquidity factors: no short-term factor for {', '.join(map(repr, missing))}; "
            "add a factor (share payable within 3 months, 0..1) for each liability item"
        )
    bad = {k: factors[k] for k in amounts if not 0.0 <= float(factors[k]) <= 1.0}
    if bad:
        raise AssumptionError(
            f"liquidity factors: {bad} outside [0, 1]; a factor is the share of the item "
            "payable within 3 months"
        )
    if not math.isfinite(expense_add_on) or expense_add_on < 0:
        raise AssumptionError(
            f"liquidity: expense add-on {expense_add_on!r} must be a finite amount >= 0"
        )
    by_item = {k: float(amounts[k]) * float(factors[k]) for k in amounts}
    factor_part = math.fsum(by_item.values())
    reserves_total = math.fsum(float(v) for v in amounts.values())
    return ShortTerm(
        total=factor_part + float(expense_add_on),
        by_item=MappingProxyType(by_item),
        reserves_total=reserves_total,
        expense_add_on=float(expense_add_on),
        weighted_factor=ratio(factor_part, reserves_total, what="reserves and liabilities"),
    )


def rule_of_thumb(claims_last_12m: float, share: float, growth_margin: float) -> float:
    """claims of the last 12 months * share * (1 + growth_margin).

    E2 suggests share = 25% and an extra margin after rapid recent growth (spec §4.1).
    """
    if not 0.0 <= share <= 1.0:
        raise AssumptionError(f"liquidity rule of thumb: share {share!r} must be in [0, 1]")
    if not math.isfinite(growth_margin) or growth_margin < 0:
        raise AssumptionError(
            f"liquidity rule of thumb: growth margin {growth_margin!r} must be >= 0"
        )
    return float(claims_last_12m) * share * (1.0 + growth_margin)


def liquidity(cash: float, short_term: float | ShortTerm) -> Ratio:
    """(cash + cash equivalents) / short-term liabilities of the next 3 months."""
    total = short_term.total if isinstance(short_term, ShortTerm) else short_term
    return ratio(cash, total, what="short-term liabilities")
