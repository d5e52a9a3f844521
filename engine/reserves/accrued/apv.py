"""Actuarial present value (E2 Box 2, L512-527; spec §3.2).

APV = sum_k amount_k x probability_k x (1 + i)^(-t_k), t in years.
TV-07: 1,000 payable in one year with probability 0.75 at 10% -> 681.82.
"""

from __future__ import annotations

import numpy as np


def apv(t, amount, probability, rate: float) -> float:
    """APV of cashflows (times in years, amounts, payment probabilities) at annual ``rate``."""
    t = np.asarray(t, dtype=float)
    amount = np.asarray(amount, dtype=float)
    probability = np.asarray(probability, dtype=float)
    return float(np.sum(amount * probability * (1.0 + rate) ** (-t)))
