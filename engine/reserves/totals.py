"""The reserves of every product at one date: UPR, IBNR, OCS and ALR (arrays over products).

The close holds two of them, the opening (at the period start) and the closing (at the
valuation date); the statements take their difference as the change in reserves (P04, P13,
P14, P15 = closing - opening, E2 BRS02) and the closing values as the balance-sheet reserves
(B14, B17, B20, B23).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.vocab import RESERVES

__all__ = ["RESERVES", "Reserves"]


@dataclass(frozen=True)
class Reserves:
    """Reserves by product at one date (arrays over products, in the products' order)."""

    upr: np.ndarray
    ibnr: np.ndarray
    ocs: np.ndarray
    alr: np.ndarray

    def get(self, name: str) -> np.ndarray:
        """The reserve ``name`` (one of ``RESERVES``) by product."""
        return getattr(self, name)
