"""Unearned premium reserve per policy: ``upr = written - refunded - earned`` (E2 L3949-3953).

The policies table becomes arrays once (``PolicyArrays``); ``compute_upr`` evaluates the kernel at
the period start and at the valuation date and returns per-policy UPR, the period's written,
cancelled (refunded) and earned premium, and totals by product, with the roll-forward
``opening upr + written - cancelled - earned = closing upr``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.io.arrays import codes, days, money
from engine.io.assumptions import AssumptionSet
from engine.reserves.upr._kernels import BASIS_CODES, upr_at

INTERVAL_MONTHS = {"single": 0, "annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}


@dataclass(frozen=True)
class PolicyArrays:
    """The policy columns the UPR kernel reads, as arrays (built once per run)."""

    policy_id: np.ndarray
    product: np.ndarray  # int32 code into ``products``
    products: np.ndarray  # product ids
    start: np.ndarray
    end: np.ndarray
    cancel: np.ndarray
    written_premium: np.ndarray
    refund: np.ndarray
    interval_months: np.ndarray
    basis: np.ndarray


def policy_arrays(
    policies: pd.DataFrame,
    products: pd.DataFrame,
    assumptions: AssumptionSet,
    *,
    basis: str | None = None,
) -> PolicyArrays:
    """Arrays of the policies table; the earning basis comes per product kind (or ``basis``)."""
    product_ids = products["product_id"].astype(str).to_numpy()
    product, _ = codes(policies["product_id"], categories=product_ids)
    if basis is None:
        kinds = products["kind"].astype(str).to_numpy()
        per_product = np.array(
            [BASIS_CODES[assumptions.basis(k).earning_basis] for k in kinds], dtype=np.int8
        )
        basis_codes = per_product[product] if len(product) else np.empty(0, np.int8)
    else:
        basis_codes = np.full(len(policies), BASIS_CODES[basis], dtype=np.int8)
    interval = (
        policies["premium_frequency"].astype(str).map(INTERVAL_MONTHS).to_numpy(np.int64)
    )
    return PolicyArrays(
        policy_id=policies["policy_id"].astype(str).to_numpy(),
        product=product,
        products=product_ids,
        start=days(policies["start_date"]),
        end=days(policies["end_date"]),
        cancel=days(policies["cancel_date"]),
        written_premium=money(policies["written_premium"]),
        refund=money(policies["refund"]),
        interval_months=interval,
        basis=basis_codes,
    )


@dataclass(frozen=True)
class UprResult:
    """UPR per policy at the valuation date and the period's premium flows."""

    period_start_day: int  # the period is (period_start_day, valuation_day]
    valuation_day: int
    policy_id: np.ndarray
    product: np.ndarray
    products: np.ndarray
    upr: np.ndarray  # closing, per policy
    upr_opening: np.ndarray  # at the period start, per policy (recomputed)
    written: np.ndarray  # gross written in the period (instalments due)
    cancelled: np.ndarray  # refunds in the period
    earned: np.ndarray  # earned in the period

    def by_product(self) -> pd.DataFrame:
        """Totals by product: upr_opening, written, cancelled, earned, upr (sums in policy order)."""
        n = len(self.products)
        cols = {
            name: np.bincount(self.product, weights=getattr(self, name), minlength=n)
            for name in ("upr_opening", "written", "cancelled", "earned", "upr")
        }
        return pd.DataFrame({"product_id": self.products, **cols})


def compute_upr(arrays: PolicyArrays, period_start_day: int, valuation_day: int) -> UprResult:
    """UPR at ``valuation_day`` and flows over ``(period_start_day, valuation_day]``."""
    args = (
        arrays.start, arrays.end, arrays.cancel, arrays.written_premium, arrays.refund,
        arrays.interval_months, arrays.basis,
    )
    w0, r0, e0, u0 = upr_at(*args, np.int64(period_start_day))
    w1, r1, e1, u1 = upr_at(*args, np.int64(valuation_day))
    return UprResult(
        period_start_day=int(period_start_day),
        valuation_day=int(valuation_day),
        policy_id=arrays.policy_id,
        product=arrays.product,
        products=arrays.products,
        upr=u1,
        upr_opening=u0,
        written=w1 - w0,
        cancelled=r1 - r0,
        earned=e1 - e0,
    )
