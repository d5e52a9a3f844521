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

from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import Policies, Products
from reserva.reserves.upr._kernels import BASIS_CODES, REFUND_RULES, instalments, upr_at
from reserva.vocab import INTERVAL_MONTHS


@dataclass(frozen=True)
class EarningTables:
    """Earning components per product: ``code/share/param[product, k]`` (code -1 = unused),
    and the custom curves padded to one length (``curve_n`` points each)."""

    names: tuple[tuple[str, ...], ...]  # per product: the basis (or profile) and its components
    code: np.ndarray
    share: np.ndarray
    param: np.ndarray
    curve_x: np.ndarray
    curve_y: np.ndarray
    curve_n: np.ndarray

    @classmethod
    def single(cls, codes_per_product, params=None) -> EarningTables:
        """One component per product with the given basis codes (for tests and spot checks)."""
        n = len(codes_per_product)
        param = np.zeros((n, 1)) if params is None else np.asarray(params, float).reshape(n, 1)
        return cls(
            names=tuple(("",) for _ in range(n)),
            code=np.asarray(codes_per_product, np.int8).reshape(n, 1),
            share=np.ones((n, 1)), param=param,
            curve_x=np.ones((1, 1)), curve_y=np.ones((1, 1)), curve_n=np.ones(1, np.int64),
        )


def earning_tables(
    kinds, assumptions: AssumptionSet, *, basis: str | None = None,
    perspective: str | None = None,
) -> EarningTables:
    """The components of each product kind's earning basis (or of ``basis`` for all)."""
    perspective = perspective or assumptions.settings.upr.perspective
    curve_names = sorted(assumptions.earning_curves)
    n_pts = max([len(assumptions.earning_curves[c][0]) for c in curve_names] or [1])
    cx = np.ones((max(len(curve_names), 1), n_pts))
    cy = np.ones_like(cx)
    cn = np.ones(cx.shape[0], np.int64)
    for j, name in enumerate(curve_names):
        x, y = assumptions.earning_curves[name]
        cx[j, : len(x)], cy[j, : len(y)], cn[j] = x, y, len(x)
    comps = [assumptions.earning(basis or assumptions.basis(k).earning_basis, perspective)
             for k in kinds]
    width = max([len(c) for c in comps] or [1])
    code = np.full((len(comps), width), -1, np.int8)
    share = np.zeros((len(comps), width))
    param = np.zeros((len(comps), width))
    for i, cs in enumerate(comps):
        for k, c in enumerate(cs):
            code[i, k] = BASIS_CODES[c.basis]
            share[i, k] = c.share
            if c.basis == "curve":
                param[i, k] = curve_names.index(c.param)
            elif c.param:
                param[i, k] = float(c.param)
    names = tuple(
        (basis or assumptions.basis(k).earning_basis, *[f"{c.component}:{c.basis}" for c in cs])
        for k, cs in zip(kinds, comps, strict=True)
    )
    return EarningTables(names, code, share, param, cx, cy, cn)


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
    n_instalments: np.ndarray
    issue: np.ndarray
    earning: EarningTables
    refund_rule: np.ndarray  # per product: 0 data, 1 pro rata, 2 none


def policy_arrays(
    policies: Policies,
    products: Products,
    assumptions: AssumptionSet,
    *,
    basis: str | None = None,
    perspective: str | None = None,
) -> PolicyArrays:
    """Arrays of the policies table; the earning basis comes per product kind (or ``basis``).

    Parameters
    ----------
    policies, products : the data pack's bundles (``reserva.io.bundles``).
    assumptions : the set giving each product kind's earning basis and refund rule.
    basis : one earning basis (or profile) for every product instead of the kinds' own.
    perspective : the earning perspective (default: the set's ``[upr] perspective``).
    """
    kinds = products.kinds
    earning = earning_tables(kinds, assumptions, basis=basis, perspective=perspective)
    frequency = policies.premium_frequency
    interval = np.array([INTERVAL_MONTHS[f] for f in frequency.categories],
                        dtype=np.int64)[frequency.codes]
    start, end = policies.start_date, policies.end_date
    rules = np.array([REFUND_RULES[assumptions.basis(k).refund_rule] for k in kinds],
                     dtype=np.int8)
    return PolicyArrays(
        policy_id=policies.policy_id,
        product=policies.product,
        products=products.product_id,
        start=start,
        end=end,
        cancel=policies.cancel_date,
        written_premium=np.nan_to_num(policies.written_premium),
        refund=np.nan_to_num(policies.refund),
        interval_months=interval,
        n_instalments=instalments(start, end, interval),
        issue=np.minimum(policies.issue_date, start),  # an empty issue date (NEVER): the start
        earning=earning,
        refund_rule=rules,
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


def _at(arrays: PolicyArrays, day_number: int):
    """The kernel at the end of one day: (written, refunded, earned, upr) per policy."""
    e = arrays.earning
    return upr_at(
        arrays.start, arrays.end, arrays.cancel, arrays.written_premium, arrays.refund,
        arrays.interval_months, arrays.product, e.code, e.share, e.param, e.curve_x, e.curve_y,
        e.curve_n, np.int64(day_number), n_instalments=arrays.n_instalments, issue=arrays.issue,
        refund_rule=arrays.refund_rule,
    )


def compute_upr(arrays: PolicyArrays, period_start_day: int, valuation_day: int) -> UprResult:
    """UPR at ``valuation_day`` and flows over ``(period_start_day, valuation_day]``."""
    w0, r0, e0, u0 = _at(arrays, period_start_day)
    w1, r1, e1, u1 = _at(arrays, valuation_day)
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


def earned_to_dates(arrays: PolicyArrays, day_numbers) -> np.ndarray:
    """Premium earned from inception to the end of each day, by product: ``[product, day]``.

    earned to date = written - refunded - upr; the difference of two columns is the premium
    earned between the two days (the exposure of IBNR methods that need earned premium).
    """
    n = len(arrays.products)
    out = np.zeros((n, len(day_numbers)))
    for j, d in enumerate(day_numbers):
        _, _, earned, _ = _at(arrays, d)
        out[:, j] = np.bincount(arrays.product, weights=earned, minlength=n)[:n]
    return out
