"""Liquidity ratios by method and horizon (spec §1.11 and §4.1; E2 L3163-3211).

    liquidity(h)  = numerator / short-term liabilities of the next h months
    numerator     = cash and equivalents [+ immediately convertible investments x (1 - haircut)]

Short-term liabilities of the next ``h`` months (h = 1, 3 -- the handbook's -- and 12):

1. ``projection``: the outflows of the cashflow grid in months 0 .. h-1 (claims, expenses,
   commissions, refunds, benefits, withdrawals, OCS and IBNR run-off, other liabilities, new
   business outgo; premiums are inflows and are not netted), E2 L3180-3186;
2. ``rule_of_thumb``: ``claims paid in the last 12 months x share x h / 3 x (1 + margin)``
   (E2 L3187-3193: 25% for 3 months, more after rapid growth); the margin is a number of the
   set or ``observed``: ``max(0, claims of the last 12 months / claims of the 12 before - 1)``;
3. ``factor``: ``sum_i reserve_i x factor_i(h)`` + expenses of ``h x add_on_months / 3``
   months (E2 L3194-3206, TV-21 -> 1,650,000), with the factors of liquidity_factors.csv for
   the horizon (a horizon without factors is n/a with its reason).

Also the ``static`` ratio: cash / (OCS + liabilities due within 3 months) at the balance-sheet
date. A column without allocated assets has no ratio (E2 L873-881). The KPI takes the set's
``kpi_method`` at 3 months.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reserva.errors import AssumptionError
from reserva.kpi.liquidity import liquidity, rule_of_thumb, short_term_liabilities_factor
from reserva.kpi.ratio import Ratio, undefined

METHODS = ("projection", "rule_of_thumb", "factor")
COLUMNS = ("product_id", "method", "horizon_months", "cash", "convertible", "numerator",
           "short_term", "ratio", "kpi", "note")


@dataclass(frozen=True)
class LiquidityInputs:
    """Per column (products then the programme), arrays of equal length."""

    columns: Sequence[str]
    allocated: np.ndarray  # bool: the column holds assets
    cash: np.ndarray  # cash and equivalents
    convertible: np.ndarray  # immediately convertible investments after their haircut
    outflows: np.ndarray  # [column, month] outflows of the grid
    claims_12m: np.ndarray  # claims paid in the 12 months to v
    claims_prior_12m: np.ndarray  # claims paid in the 12 months before those
    reserves: Mapping[str, np.ndarray]  # factor items (upr, ocs, ibnr, alr, other_liabilities)
    expenses_per_month: np.ndarray
    static_liabilities: np.ndarray  # OCS + liabilities due within 3 months


def growth_margin(setting, claims_12m: float, claims_prior_12m: float) -> tuple[float, str]:
    """The rule of thumb's margin: a number of the set, or ``observed`` claims growth."""
    if isinstance(setting, (int, float)) and not isinstance(setting, bool):
        if not (math.isfinite(setting) and setting >= 0):
            raise AssumptionError(f"[liquidity] growth_margin {setting!r} must be >= 0")
        return float(setting), f"margin {setting:.0%} (set)"
    if setting != "observed":
        raise AssumptionError(
            f"[liquidity] growth_margin {setting!r}: expected a number >= 0 or \"observed\"")
    if claims_prior_12m <= 0:
        return 0.0, "margin 0: no claims in the 12 months before, growth unknown"
    g = max(claims_12m / claims_prior_12m - 1.0, 0.0)
    return g, f"margin {g:.1%} (claims growth over 12 months)"


def liquidity_table(inp: LiquidityInputs, *, horizons: Sequence[int], kpi_method: str,
                    include_convertible: bool, share: float, margin_setting,
                    factors_by_horizon: Mapping[int, Mapping[str, float]],
                    add_on_months: float) -> pd.DataFrame:
    """Rows (COLUMNS) per column x method x horizon, then the static ratio per column."""
    if kpi_method not in METHODS:
        raise AssumptionError(
            f"[liquidity] kpi_method {kpi_method!r}, expected one of {', '.join(METHODS)}")
    horizons = [int(h) for h in horizons]
    if 3 not in horizons or any(h < 1 for h in horizons):
        raise AssumptionError(f"[liquidity] horizons {horizons}: whole months >= 1, with 3 "
                              "(the handbook's horizon, used by the KPI)")
    if any(h > inp.outflows.shape[1] for h in horizons):
        raise AssumptionError(f"[liquidity] horizons {horizons} exceed the grid's "
                              f"{inp.outflows.shape[1]} months ([cashflows] horizon_months)")
    rows = []
    cum = np.cumsum(inp.outflows, axis=1)
    for j, col in enumerate(inp.columns):
        cash = float(inp.cash[j])
        conv = float(inp.convertible[j]) if include_convertible else 0.0
        num = cash + conv
        base = {"product_id": col, "cash": cash, "convertible": conv, "numerator": num}
        no_assets = not inp.allocated[j]
        margin, why = growth_margin(margin_setting, float(inp.claims_12m[j]),
                                    float(inp.claims_prior_12m[j]))
        for h in horizons:
            estimates: dict[str, tuple[float, str]] = {}
            estimates["projection"] = (float(cum[j, h - 1]), f"grid outflows of months 1-{h}")
            estimates["rule_of_thumb"] = (
                rule_of_thumb(float(inp.claims_12m[j]), share * h / 3.0, margin),
                f"{share * h / 3.0:.1%} of {inp.claims_12m[j]:,.0f} claims of the last 12 "
                f"months, {why}")
            factors = factors_by_horizon.get(h)
            if factors is None:
                estimates["factor"] = (math.nan, f"n/a: liquidity_factors.csv has no factors "
                                                 f"for {h} months")
            else:
                amounts = {k: float(v[j]) for k, v in inp.reserves.items()}
                add_on = max(float(inp.expenses_per_month[j]) * h * add_on_months / 3.0, 0.0)
                st = short_term_liabilities_factor(amounts, factors, expense_add_on=add_on)
                estimates["factor"] = (st.total, f"balance-sheet factors, incl. {add_on:,.0f} "
                                                 "expenses")
            for method in METHODS:
                total, note = estimates[method]
                if no_assets:
                    r = undefined(math.nan, total, "no assets allocated to the product "
                                                    "(E2 L873-881)")
                elif math.isnan(total):
                    r = undefined(math.nan, math.nan, note)
                else:
                    r = liquidity(num, total)
                rows.append({**base, "method": method, "horizon_months": h, "short_term": total,
                             "ratio": r.value, "kpi": method == kpi_method and h == 3,
                             "note": note if r.defined else f"{note}; {r.reason}"})
        static = float(inp.static_liabilities[j])
        r = (undefined(math.nan, static, "no assets allocated to the product (E2 L873-881)")
             if no_assets else liquidity(cash, static))
        rows.append({"product_id": col, "method": "static", "horizon_months": 3, "cash": cash,
                     "convertible": 0.0, "numerator": cash, "short_term": static,
                     "ratio": r.value, "kpi": False,
                     "note": "cash / (OCS + liabilities due within 3 months)"
                     + ("" if r.defined else f"; {r.reason}")})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def kpi_rows(table: pd.DataFrame) -> dict[str, tuple[Ratio, str]]:
    """Per column: the KPI's ratio and its note (the rows marked ``kpi``)."""
    out = {}
    for r in table[table["kpi"]].itertuples(index=False):
        value = float(r.ratio)
        out[r.product_id] = (Ratio(value, float(r.numerator), float(r.short_term),
                                   "" if not math.isnan(value) else str(r.note)),
                             f"{r.method} method: {r.note}")
    return out
