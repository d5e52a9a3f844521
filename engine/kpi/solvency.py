"""Solvency ratio.

    solvency = admitted assets / (reserves + other liabilities)
             = B01 / ((B14 + B17 + B20 + B21 + B23) + (B25 + B29))

Spec §1.10 and §2.2 (E2 L2879, L2920-2932). Equity (B33-B37) is not a liability. Zero
liabilities -> undefined (decision 13). Thresholds (E1 > 1 and >= 115%; E2 >= 1 and >= 120%)
are assumptions: use ``reserva.kpi.ratio.flag``. Meaning example TV-08: 130 / 100 = 130%.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from reserva.kpi.ratio import Ratio, ratio


def _total(x: float | Iterable[float]) -> float:
    if isinstance(x, Iterable):
        return math.fsum(float(v) for v in x)
    return float(x)


def solvency(
    admitted_assets: float,
    reserves: float | Iterable[float],
    other_liabilities: float | Iterable[float],
) -> Ratio:
    """Admitted assets B01 / (reserves + other liabilities).

    ``reserves`` and ``other_liabilities`` are totals or iterables of lines (summed exactly).
    """
    liabilities = _total(reserves) + _total(other_liabilities)
    return ratio(admitted_assets, liabilities, what="liabilities")
