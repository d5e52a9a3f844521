"""Product-value KPIs: expense, claims and net income ratios over earned premium.

    expense ratio    = IE / EP = P16 / P02   (spec §1.3; E2 L992, L1113-1114)
    claims ratio     = IC / EP = P11 / P02   (spec §1.4; E2 L1284, L1406)
    net income ratio = NI / EP = P28 / P02   (spec §1.2; E2 L1519, L1624)

P02 earned premium = P03 - P04; P11 = P12 + P13 + P14 + P15; P16 = P17 + ... + P21;
P28 = P02 + P05 - P11 - P16 (spec §1.1). Zero earned premium -> every ratio undefined
(decision 13). Meaning examples (TV-08): 25 / 100 = 25%, 70 / 100 = 70%, +-5 / 100 = +-5%.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.kpi.ratio import Ratio, ratio

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
