"""Ratio with an explicit "undefined" state, and threshold flags.

    ratio = numerator / denominator;  denominator 0, NaN or infinite -> value NaN + reason

Spec §0.4 and decision 13: a ratio with a zero or undefined denominator (zero earned premium,
zero potential renewals, zero target population, zero prior-period insured, zero liabilities)
is "not applicable", never 0 and never infinity. Ratios are fractions (0.8307), shown as
percentages only at presentation (spec §0.4).

    flag(value, lower, upper) -> "below" | "ok" | "above" | "n/a" (value NaN)

Decision 2 (spec §10): KPIs carry status flags against thresholds; the thresholds themselves
(e.g. E2 renewal >= 85%, solvency >= 120% vs E1 115%) are assumptions passed in by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    """A ratio and the two numbers it came from; ``value`` is NaN when undefined.

    For compound forms (growth, annualised rates) ``value`` is not ``numerator /
    denominator``: the two fields then record the inputs the value was built from.
    """

    value: float
    numerator: float
    denominator: float
    reason: str = ""

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)

    def __float__(self) -> float:
        return float(self.value)


def _missing(x: float) -> bool:
    return x is None or not math.isfinite(float(x))


def undefined(numerator: float, denominator: float, reason: str) -> Ratio:
    """An undefined ratio (value NaN) that says why."""
    num = math.nan if numerator is None else float(numerator)
    den = math.nan if denominator is None else float(denominator)
    return Ratio(math.nan, num, den, reason)


def ratio(numerator: float, denominator: float, *, what: str = "") -> Ratio:
    """numerator / denominator; NaN with a reason ("undefined: zero <what>") when undefined.

    ``what`` names the denominator (e.g. "earned premium") for the reason text.
    """
    name = what or "denominator"
    if _missing(denominator):
        return undefined(numerator, denominator, f"undefined: {name} is missing or not finite")
    if float(denominator) == 0.0:
        return undefined(numerator, denominator, f"undefined: zero {name}")
    if _missing(numerator):
        return undefined(
            numerator, denominator, f"undefined: numerator over {name} is missing or not finite"
        )
    num, den = float(numerator), float(denominator)
    value = num / den
    if not math.isfinite(value):
        return undefined(num, den, f"undefined: ratio over {name} overflows")
    return Ratio(value, num, den)


def flag(
    value: float | Ratio,
    lower: float | None,
    upper: float | None,
    lower_inclusive: bool = True,
    upper_inclusive: bool = True,
) -> str:
    """"below" / "ok" / "above" against [lower, upper]; "n/a" for an undefined value.

    ``None`` for a bound means unbounded on that side; ``*_inclusive=False`` makes the bound
    itself fail (e.g. E1 "technically solvent if > 1": ``flag(r, 1.0, None, False)``).
    """
    v = value.value if isinstance(value, Ratio) else value
    if v is None or math.isnan(float(v)):
        return "n/a"
    v = float(v)
    if lower is not None and (v < lower or (v == lower and not lower_inclusive)):
        return "below"
    if upper is not None and (v > upper or (v == upper and not upper_inclusive)):
        return "above"
    return "ok"
