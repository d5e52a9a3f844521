"""The ALM report of a close: maturity ladder, PV surplus and shocks, investment-policy checks.

Spec §4.2 DECISION: per column (a product with allocated assets, and the programme), the
asset inflows of its holdings (coupons, redemptions, deposits; ``assets.py``), plus the cash held
now in month 0 when ``[alm] cash_in_first_bucket``, set against the outflows of the cashflow
grid, in the ladder's buckets (gap, cumulative gap, matching ratio). The PVs at ``[alm]
discount_rate`` give the surplus, the durations and their gap, and the ``+-shock_bp`` parallel
shocks. Assets without a schedule (equity, real estate, fixed assets) are not flows: their value
is reported as a measure. The investment-policy checks (spec §4.3) run on the programme's
holdings against investment_limits.csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reserva.calendar import days_per_year
from reserva.io.arrays import codes, money
from reserva.io.assumptions import AssumptionSet
from reserva.projection.assets import asset_cashflows_from_table
from reserva.projection.grid import CashflowGrid
from reserva.projection.ladder import InvestmentLimits, maturity_ladder, policy_checks, pv_surplus
from reserva.vocab import PROGRAMME

LADDER_COLUMNS = ("product_id", "bucket", "position", "month_from", "month_to", "inflows",
                  "outflows", "gap", "cumulative_gap", "matching_ratio", "reason")
MEASURE_COLUMNS = ("product_id", "measure", "position", "value", "note")
CHECK_COLUMNS = ("position", "name", "value", "limit", "passed", "rule")


@dataclass(frozen=True)
class AlmReport:
    ladder: pd.DataFrame  # LADDER_COLUMNS
    measures: pd.DataFrame  # MEASURE_COLUMNS
    checks: pd.DataFrame  # CHECK_COLUMNS


def investment_limits(a: AssumptionSet) -> InvestmentLimits:
    """InvestmentLimits of investment_limits.csv."""
    lim = a.investment_limits
    shares = {r.asset_class: float(r.limit) for r in lim.itertuples() if r.rule == "class_share"}
    ratings = {r.asset_class: str(r.limit).strip() for r in lim.itertuples()
               if r.rule == "min_rating"}

    def one(rule):
        x = lim.loc[lim["rule"] == rule, "limit"]
        return float(x.iloc[-1]) if len(x) else None

    return InvestmentLimits(real_estate_share=one("real_estate_share"), class_shares=shares,
                            single_issuer_share=one("single_issuer_share"), min_rating=ratings)


def alm_report(grid: CashflowGrid, assets: pd.DataFrame, a: AssumptionSet,
               allocated: np.ndarray, programme_id: str = PROGRAMME) -> AlmReport:
    """The ladder and measures of each allocated column, the checks of the programme.

    ``assets``: the asset snapshot at the valuation date; ``allocated``: per product, then the
    programme (always True).
    """
    h = grid.months
    rate = float(a.setting("alm", "discount_rate"))
    shock = float(a.setting("alm", "shock_bp"))
    with_cash = bool(a.setting("alm", "cash_in_first_bucket"))
    basis = days_per_year(a.setting("day_count", "asset_interest"),
                          setting="settings.toml [day_count] asset_interest")
    flows = asset_cashflows_from_table(assets, valuation_day=grid.valuation_day,
                                       horizon_months=h, day_count_basis=basis
                                       ) if len(assets) else None
    idx = (codes(assets["product_id"].fillna("").astype(str),
                 categories=np.asarray(grid.products))[0] if len(assets) else np.zeros(0, int))
    ladders, measures = [], []
    columns = [*grid.products, programme_id]
    for j, col in enumerate(columns):
        if not allocated[j]:
            continue
        mine = np.ones(len(idx), bool) if col == programme_id else idx == j
        inflow = np.zeros(h)
        cash = unscheduled = 0.0
        if flows is not None and mine.any():
            inflow = flows.grid[mine].sum(axis=0)
            cash = float(flows.cash_now[mine].sum())
            unscheduled = float(flows.unscheduled[mine].sum())
        if with_cash:
            inflow = inflow.copy()
            inflow[0] += cash
        outflow = grid.outflows(None if col == programme_id else col)
        lad = maturity_ladder(inflow, outflow)
        for k, row in enumerate(lad.rows()):
            ladders.append({"product_id": col, "position": k, **row})
        m = [("cash_now", cash, "cash held at the valuation date"
              + (" (in the 0-1m inflows)" if with_cash else "")),
             ("unscheduled_assets", unscheduled, "equity, real estate, fixed assets and other "
                                                 "holdings without a schedule: not in the flows"),
             ("asset_inflows", float(inflow.sum()), f"scheduled inflows over {h} months"),
             ("liability_outflows", float(outflow.sum()), f"grid outflows over {h} months")]
        if inflow.any():
            s = pv_surplus(inflow, outflow, rate=rate, shock_bp=shock)
            m += [("pv_assets", s.pv_assets, f"at {rate:.2%}"),
                  ("pv_liabilities", s.pv_liabilities, f"at {rate:.2%}"),
                  ("surplus", s.surplus, "PV assets - PV liabilities"),
                  ("duration_assets", s.duration_assets, "modified duration, years"),
                  ("duration_liabilities", s.duration_liabilities, "modified duration, years"),
                  ("duration_gap", s.duration_gap, "D_A - (PV_L / PV_A) D_L")]
            for sh in s.shocks:
                tag = f"{sh.shock_bp:+.0f}bp"
                m += [(f"surplus_{tag}", sh.surplus, f"after a parallel shift of {tag}"),
                      (f"surplus_change_{tag}", sh.surplus_change,
                       f"first-order estimate {sh.first_order_change:,.0f}")]
        else:
            m.append(("pv_assets", 0.0, "no scheduled asset inflows: no PV surplus or durations"))
        measures += [{"product_id": col, "measure": name, "position": k, "value": float(v),
                      "note": note} for k, (name, v, note) in enumerate(m)]
    checks = []
    if len(assets):
        value = np.minimum(money(assets["book_value"]), money(assets["market_value"]))
        issuer = (assets["issuer"].where(assets["issuer"].fillna("") != "", assets["asset_id"])
                  if "issuer" in assets else assets["asset_id"])
        for k, c in enumerate(policy_checks(
                assets["asset_class"].to_numpy(), value, issuer.to_numpy(dtype=object),
                assets["rating"].to_numpy(dtype=object) if "rating" in assets else None,
                limits=investment_limits(a), asset_id=assets["asset_id"].to_numpy())):
            checks.append({"position": k, "name": c.name, "value": _text(c.value),
                           "limit": _text(c.limit), "passed": bool(c.passed), "rule": c.rule})
    return AlmReport(
        pd.DataFrame(ladders, columns=list(LADDER_COLUMNS)),
        pd.DataFrame(measures, columns=list(MEASURE_COLUMNS)),
        pd.DataFrame(checks, columns=list(CHECK_COLUMNS)),
    )


def _text(x) -> str:
    if isinstance(x, float):
        return "" if np.isnan(x) else f"{x:.6g}"
    return str(x)
