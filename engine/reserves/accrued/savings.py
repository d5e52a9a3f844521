"""Accrued liabilities reserve, simplest form: savings balances plus interest accrued (spec §3.6).

ALR(v) = sum over accounts of B_a x (1 + i_a)^((v - t_a) / 365), where (t_a, B_a, i_a) is the
account's latest balance row on or before v (balance date, balance, annual credited rate).
Accounts with no balance by v hold nothing yet.
"""

from __future__ import annotations

import numpy as np

DAYS_PER_YEAR = 365.0  # actual/365 accrual of an annual effective rate


def accrued_savings(
    account: np.ndarray,
    balance_day: np.ndarray,
    balance: np.ndarray,
    credited_rate: np.ndarray,
    valuation_day: int,
) -> np.ndarray:
    """ALR per balance row (zero except each account's latest row on or before v)."""
    out = np.zeros(len(account))
    known = np.flatnonzero(balance_day <= valuation_day)
    if known.size == 0:
        return out
    order = known[np.lexsort((balance_day[known], account[known]))]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = account[order][1:] != account[order][:-1]
    rows = order[last]
    t = (valuation_day - balance_day[rows]) / DAYS_PER_YEAR
    out[rows] = balance[rows] * (1.0 + credited_rate[rows]) ** t
    return out
