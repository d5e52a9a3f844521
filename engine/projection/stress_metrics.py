"""Stressed liquidity metrics per scenario and column: the pure kernels (spec §1.11, §4.1, §4.2).

Inputs for S scenarios x P columns (products, then the programme) x M months, month 1 first:
``inflows[s, p, m] >= 0`` and ``outflows[s, p, m] >= 0`` (the stressed cashflow grid),
``cash[s, p]`` (cash now) and ``sellable[s, p]`` (sellable assets after haircuts, available
from month 1). With the liquid resources ``L = cash + sellable`` and the cumulative sums to
month m ``IN(m) = sum_{k<=m} inflows[k]``, ``OUT(m) = sum_{k<=m} outflows[k]``:

    liquidity_ratio(h) = (L + IN(h)) / OUT(h)                         h = 1, 3, 12, ... <= M
    gap(m)             = L + IN(m) - OUT(m)                           the cumulative stressed gap
    survival_horizon   = min {m : gap(m) < 0}, else M + 1 ("beyond the horizon")
    shortfall          = max(0, -min_m gap(m)), at the first month of the minimum (0: none)

The ratio is the handbook's projection method (spec §4.1 approach 1, E2 L3180-3186: "project
expected claims and expenses ... and derive expected cash outflows for the next 3 months"),
liquid resources over needs, at the 3-month horizon of §1.11 (E1 L1812-1813, E2 L3168) and the
shorter and longer horizons of E1 L1820-1822, E2 L3208-3211; the projected inflows of the
horizon join the numerator as the cash-flow gap report of §4.2's DECISION does (with no inflows
it is the liquidity table's projection ratio). Conventions:

- no outflows in the horizon (``OUT(h) == 0``): the ratio is ``+inf`` (no needs, so no
  threshold is ever failed), whatever the resources;
- a gap of exactly 0 is covered (not negative); months are 1-based in every result;
- ``change_vs_base``: ``metric - metric[base]`` along the scenario axis, 0 where both are
  equal (so ``inf`` vs ``inf`` and ``M + 1`` vs ``M + 1`` are no change, not NaN).

Sums run along the month axis in month order (``cumsum``), so results are identical to a
month-by-month loop and do not depend on the scenario order or on chunking over scenarios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reserva.errors import AssumptionError

__all__ = ["Survival", "change_vs_base", "cumulative_gap", "liquidity_ratio", "survival"]


@dataclass(frozen=True)
class Survival:
    """Per [scenario, column]: the survival horizon and the deepest shortfall.

    ``horizon``: first month with a negative cumulative gap, ``months + 1`` when never;
    ``shortfall``: size (>= 0) of the gap at its deepest point; ``shortfall_month``: its first
    month, 0 when the gap never goes negative.
    """

    horizon: np.ndarray  # int64
    shortfall: np.ndarray  # float64
    shortfall_month: np.ndarray  # int64
    months: int

    @property
    def survives(self) -> np.ndarray:
        """True where the gap stays covered over the whole projection."""
        return self.horizon > self.months


def _check(cash: np.ndarray, sellable: np.ndarray, inflows: np.ndarray,
           outflows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    inflows = np.asarray(inflows, dtype=np.float64)
    outflows = np.asarray(outflows, dtype=np.float64)
    liquid = np.asarray(cash, dtype=np.float64) + np.asarray(sellable, dtype=np.float64)
    if inflows.ndim != 3 or inflows.shape != outflows.shape or liquid.shape != inflows.shape[:2]:
        raise ValueError(f"shapes: inflows {inflows.shape}, outflows {outflows.shape} must be "
                         f"[scenario, column, month] and cash + sellable {liquid.shape} "
                         "[scenario, column]")
    return liquid, inflows, outflows


def cumulative_gap(cash: np.ndarray, sellable: np.ndarray, inflows: np.ndarray,
                   outflows: np.ndarray) -> np.ndarray:
    """``gap[s, p, m-1] = cash + sellable + IN(m) - OUT(m)`` for months m = 1 .. M.

    Parameters
    ----------
    cash, sellable : ndarray [scenario, column]
    inflows, outflows : ndarray [scenario, column, month], month 1 first
    """
    liquid, inflows, outflows = _check(cash, sellable, inflows, outflows)
    return (liquid[..., None] + np.cumsum(inflows, axis=2)) - np.cumsum(outflows, axis=2)


def liquidity_ratio(cash: np.ndarray, sellable: np.ndarray, inflows: np.ndarray,
                    outflows: np.ndarray, horizons: Sequence[int]) -> np.ndarray:
    """``(cash + sellable + IN(h)) / OUT(h)`` per [scenario, column, horizon]; ``+inf`` where
    ``OUT(h) == 0``.

    Parameters
    ----------
    cash, sellable : ndarray [scenario, column]
    inflows, outflows : ndarray [scenario, column, month], month 1 first
    horizons : months, each in 1 .. M (e.g. the settings' 1, 3, 12)

    Raises
    ------
    AssumptionError
        A horizon outside 1 .. M (the set asks for more months than are projected).
    """
    liquid, inflows, outflows = _check(cash, sellable, inflows, outflows)
    months = inflows.shape[2]
    idx = np.asarray(horizons, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < 1 or idx.max() > months):
        raise AssumptionError(f"stress horizons {idx.tolist()}: each must be 1 .. {months} "
                              "(the projected months)")
    needs = np.cumsum(outflows, axis=2)[..., idx - 1]
    resources = liquid[..., None] + np.cumsum(inflows, axis=2)[..., idx - 1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = resources / needs
    return np.where(needs == 0.0, np.inf, ratio)


def survival(cash: np.ndarray, sellable: np.ndarray, inflows: np.ndarray,
             outflows: np.ndarray) -> Survival:
    """Survival horizon and shortfall per [scenario, column] (see the module's formulas).

    Parameters
    ----------
    cash, sellable : ndarray [scenario, column]
    inflows, outflows : ndarray [scenario, column, month], month 1 first
    """
    gap = cumulative_gap(cash, sellable, inflows, outflows)
    months = gap.shape[2]
    if not months:
        zeros = np.zeros(gap.shape[:2], dtype=np.int64)
        return Survival(zeros + 1, np.zeros(gap.shape[:2]), zeros, 0)
    negative = gap < 0.0
    ever = negative.any(axis=2)
    horizon = np.where(ever, np.argmax(negative, axis=2) + 1, months + 1)
    deepest = gap.min(axis=2)
    shortfall = np.where(ever, -deepest, 0.0)
    month = np.where(ever, np.argmin(gap, axis=2) + 1, 0)
    return Survival(horizon.astype(np.int64), shortfall, month.astype(np.int64), months)


def change_vs_base(metric: np.ndarray, base_index: int) -> np.ndarray:
    """``metric[s] - metric[base_index]`` along the scenario axis (axis 0); 0 where equal.

    Parameters
    ----------
    metric : ndarray [scenario, ...] (a ratio, a survival horizon, a shortfall)
    base_index : the base scenario's position on the scenario axis
    """
    metric = np.asarray(metric)
    base = metric[base_index]
    with np.errstate(invalid="ignore"):
        diff = metric - base
    return np.where(metric == base, np.zeros_like(diff), diff)
