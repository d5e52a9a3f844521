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
from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import Assets, latest_rows
from reserva.projection.assets import asset_cashflows
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


def alm_report(grid: CashflowGrid, assets: Assets, a: AssumptionSet,
               allocated: np.ndarray, programme_id: str = PROGRAMME) -> AlmReport:
    """The ladder and measures of each allocated column, the checks of the programme.

    Parameters
    ----------
    grid : the cashflow grid of the business in force (its products are the pack's, in order).
    assets : the assets bundle of the pack; the report uses its latest snapshot on or before
        the grid's valuation day.
    a : the assumption set ([alm], [day_count] asset_interest, investment_limits.csv).
    allocated : per product, then the programme (always True): whether the column has assets.
    programme_id : the name of the programme's column.
    """
    h = grid.months
    rate = a.settings.alm.discount_rate
    shock = float(a.settings.alm.shock_bp)
    with_cash = a.settings.alm.cash_in_first_bucket
    basis = days_per_year(a.settings.day_count.asset_interest,
                          setting="settings.toml [day_count] asset_interest")
    snap = _snapshot(assets, grid.valuation_day)
    flows = asset_cashflows(
        snap.asset_class, snap.face, snap.coupon_rate, snap.coupon_frequency,
        snap.maturity_date, snap.book_value, valuation_day=grid.valuation_day,
        horizon_months=h, day_count_basis=basis) if snap.n else None
    idx = snap.product
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
    if snap.n:
        for k, c in enumerate(policy_checks(
                snap.asset_class, np.minimum(snap.book_value, snap.market_value), snap.issuer,
                snap.rating, limits=investment_limits(a), asset_id=snap.asset_id)):
            checks.append({"position": k, "name": c.name, "value": _text(c.value),
                           "limit": _text(c.limit), "passed": bool(c.passed), "rule": c.rule})
    return AlmReport(
        pd.DataFrame(ladders, columns=list(LADDER_COLUMNS)),
        pd.DataFrame(measures, columns=list(MEASURE_COLUMNS)),
        pd.DataFrame(checks, columns=list(CHECK_COLUMNS)),
    )


@dataclass(frozen=True)
class _Snapshot:
    """The holdings of one asset snapshot as the ALM reads them (text as str, "" where empty;
    an empty amount 0; the issuer of a holding without one is the holding itself)."""

    n: int
    asset_id: np.ndarray
    asset_class: np.ndarray
    product: np.ndarray  # index of the product (of the grid's products), -1 = none
    face: np.ndarray
    coupon_rate: np.ndarray
    coupon_frequency: np.ndarray
    maturity_date: np.ndarray  # day numbers, NEVER where empty
    book_value: np.ndarray
    market_value: np.ndarray
    issuer: np.ndarray
    rating: np.ndarray


def _snapshot(assets: Assets, v: int) -> _Snapshot:
    """The rows of the latest snapshot on or before day ``v``."""
    rows = latest_rows(assets.as_of_date, v)

    def amount(x: np.ndarray) -> np.ndarray:
        return np.nan_to_num(x[rows], nan=0.0)

    issuer = assets.issuer.text()[rows]
    asset_id = assets.asset_id[rows]
    return _Snapshot(
        n=int(rows.size), asset_id=asset_id, asset_class=assets.asset_class.text()[rows],
        product=assets.product[rows], face=amount(assets.face),
        coupon_rate=amount(assets.coupon_rate), coupon_frequency=amount(assets.coupon_frequency),
        maturity_date=assets.maturity_date[rows], book_value=amount(assets.book_value),
        market_value=amount(assets.market_value),
        issuer=np.where(issuer != "", issuer, asset_id), rating=assets.rating.text()[rows])


def _text(x) -> str:
    if isinstance(x, float):
        return "" if np.isnan(x) else f"{x:.6g}"
    return str(x)
