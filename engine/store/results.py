"""The result tables of a run: one registry (name, key, grain, what a row is, how it is made).

Every result table is keyed by ``(run_id, scenario, *keys)``: a run is one record of
``runs`` (its lineage), and each scenario of it (``base`` for the close; a stress check or a
projection stores more under the same run) is a full or partial set of these tables. The
store adds ``run_id`` and ``scenario``; a table's frame holds the other columns.

``TABLES`` is the one list of them: the store writes and reads these tables and no other, the
migrations create exactly these (a test checks both against the migrations and against what a
close produces), and each entry's ``convert`` turns a close's result into its frame. Adding a
result table touches a migration, its entry here and its converter, nothing else.

The conversion reads a close's result by the attributes it uses (``CloseResultLike``), so the
store does not import the close: the result's stages give arrays over products (``products``),
origins, development lags, months; the tables are their long form, one row per cell, in a
fixed order (products in their order, then the programme ``ALL`` where the table has it).

Grain of a table: ``product`` (rows per product, or per policy/claim of a product),
``product+programme`` (also rows of the programme ``ALL``), ``programme`` (the programme only).
In ``asset_positions`` and ``asset_flows`` the rows of ``ALL`` are the assets held by the
programme only (allocated to no product), not the programme's total: the programme's
positions are all their rows (``reserva.projection.stress_base``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from reserva.projection import stress_base as sb
from reserva.vocab import PROGRAMME, RESERVES

if TYPE_CHECKING:  # the stages' result types, for the annotations only
    from reserva.projection.alm import AlmReport
    from reserva.projection.grid import CashflowGrid
    from reserva.reserves.accrued.alr import AlrResult
    from reserva.reserves.claims.cashflows import UnpaidCashflows
    from reserva.reserves.claims.change import IbnrChange
    from reserva.reserves.claims.ibnr import IbnrResult
    from reserva.reserves.totals import Reserves
    from reserva.reserves.upr.upr import UprResult
    from reserva.statements import Statement

BASE = "base"  # the scenario of a close: the assumption set as given


class CloseResultLike(Protocol):
    """What the conversion reads of a close's result (``reserva.pipeline.CloseResult``)."""

    products: tuple[str, ...]
    opening: Reserves  # by product at the period start
    closing: Reserves  # by product at the valuation date
    upr: UprResult
    ibnr: IbnrResult
    cashflows: UnpaidCashflows
    ibnr_change: IbnrChange
    triangles: dict  # kind (reported, paid, incurred) -> SnapshotTriangle
    ibnr_distribution: pd.DataFrame
    alr: AlrResult
    income: Statement
    balance: Statement
    kpis: pd.DataFrame
    kpi_pending: pd.DataFrame
    grid: CashflowGrid
    liquidity: pd.DataFrame
    alm: AlmReport
    stress_inputs: sb.StressInputs  # what a stress check reads besides the other tables


@dataclass(frozen=True)
class ResultTable:
    """One result table: its name, its key (besides ``run_id``, ``scenario``), its grain, a
    one-line description, the order its rows are read in and how a close's result makes it.

    ``by_close``: a close writes its rows (False: a stress check does, the close none).
    ``indexed``: the key is the table's primary key in the store (False for the per-policy and
    per-origin tables, kept without an index for the write speed; the key still identifies a
    row).
    """

    name: str
    keys: tuple[str, ...]
    grain: str  # product | product+programme | programme
    description: str
    convert: Callable[[CloseResultLike], pd.DataFrame]
    order: str = "ALL"  # ORDER BY of a reader (our own SQL text, never data)
    indexed: bool = True
    by_close: bool = True  # False: a close writes no rows (a stress check does)


def _reserves(r: CloseResultLike) -> pd.DataFrame:
    products = np.asarray(r.products)
    return pd.DataFrame([
        {
            "product_id": products[i], "reserve": name,
            "opening": float(r.opening.get(name)[i]), "closing": float(r.closing.get(name)[i]),
            "change": float(r.closing.get(name)[i] - r.opening.get(name)[i]),
            "method": r.ibnr.method[i] if name == "ibnr" else None,
            "note": "; ".join(x for x in (r.ibnr.note[i], r.ibnr.warnings[i]) if x)
            if name == "ibnr" else None,
            "std_err": float(r.ibnr.std_err[i]) if name == "ibnr" else float("nan"),
        }
        for i in range(len(products)) for name in RESERVES
    ])


def _upr_rollforward(r: CloseResultLike) -> pd.DataFrame:
    return r.upr.by_product()


def _upr_policy(r: CloseResultLike) -> pd.DataFrame:
    return pd.DataFrame({
        "policy_id": r.upr.policy_id, "product_id": np.asarray(r.products)[r.upr.product],
        "upr": r.upr.upr, "earned": r.upr.earned, "written": r.upr.written,
        "cancelled": r.upr.cancelled,
    })


def _ibnr_origin(r: CloseResultLike) -> pd.DataFrame:
    ib, products = r.ibnr, np.asarray(r.products)
    tri = ib.triangle
    return pd.DataFrame({
        "product_id": np.repeat(products, tri.n_origins),
        "origin_start": np.tile(tri.origin_start, len(products)),
        "reported": ib.by_origin_latest.ravel(),
        "reported_count": np.nansum(tri.count, axis=2).ravel(),
        "cdf": np.divide(ib.by_origin_ultimate, ib.by_origin_latest,
                         out=np.ones_like(ib.by_origin_latest),
                         where=ib.by_origin_latest > 0).ravel(),
        "ultimate": ib.by_origin_ultimate.ravel(),
        "ibnr": ib.by_origin_ibnr.ravel(),
        "std_err": ib.by_origin_std_err.ravel(),
    })


def _ibnr_change(r: CloseResultLike) -> pd.DataFrame:
    products = np.asarray(r.products)
    steps = r.ibnr_change.steps()
    n = len(products)
    return pd.DataFrame({
        "product_id": np.tile(products, len(steps)),
        "step": np.repeat(list(steps), n),
        "position": np.repeat(np.arange(len(steps), dtype=np.int32), n),
        "amount": np.concatenate([steps[k] for k in steps]),
    })


def _triangles(r: CloseResultLike) -> pd.DataFrame:
    products = np.asarray(r.products)
    rows = []
    for kind, t in r.triangles.items():
        s_, o_, d_ = np.nonzero(~np.isnan(t.cumulative))
        rows.append(pd.DataFrame({
            "product_id": products[s_], "triangle": kind, "origin_start": t.origin_start[o_],
            "development": (d_ + 1) * t.dev_grain, "value": t.cumulative[s_, o_, d_],
        }))
    return pd.concat(rows, ignore_index=True)


def _link_ratios(r: CloseResultLike) -> pd.DataFrame:
    ib, products = r.ibnr, np.asarray(r.products)
    s_, o_, d_ = np.nonzero(~np.isnan(ib.link_ratios))
    return pd.DataFrame({
        "product_id": products[s_], "origin_start": ib.triangle.origin_start[o_],
        "from_lag": (d_ + 1).astype(np.int32), "ratio": ib.link_ratios[s_, o_, d_],
        "used": ib.link_used[s_, o_, d_],
        "high": ib.diagnostics.high_link_ratio[s_, o_, d_],
    })


def _statements(r: CloseResultLike) -> pd.DataFrame:
    return pd.concat([
        pd.DataFrame({
            "statement": name,
            "code": np.repeat(st.codes, len(st.columns)),
            "product_id": np.tile(st.columns, len(st.codes)),
            "value": st.values.ravel(),
        })
        for name, st in (("income", r.income), ("balance", r.balance))
    ], ignore_index=True)


def _claims_cashflows(r: CloseResultLike) -> pd.DataFrame:
    products, cf = np.asarray(r.products), r.cashflows
    return pd.DataFrame({
        "product_id": np.repeat(products, cf.months),
        "month": np.tile(np.arange(1, cf.months + 1, dtype=np.int32), len(products)),
        "amount": cf.amount.ravel(),
    })


STRESS_COLUMNS = {
    "stress_metrics": ("product_id", "metric", "horizon_months", "value", "base", "change",
                       "threshold", "breach"),
    "stress_reverse": ("target", "metric", "kind", "threshold", "multiplier", "metric_value",
                       "reached", "breached_at_low", "converged", "monotone", "bracket_low",
                       "bracket_high"),
    "stress_stochastic": ("product_id", "measure", "horizon_months", "value"),
    "stress_lineage": ("scenario_id", "name", "family", "severity", "scenario_identity",
                       "scenarios_file", "file_hash", "assumption_set", "assumption_hash",
                       "engine_version", "simulations", "seed", "created_at"),
    "projection_values": ("product_id", "period", "item", "value"),
    "projection_events": ("action_id", "product_kind", "fired_period", "first_period",
                          "last_period", "injected"),
    "projection_lineage": ("scenario_id", "name", "severity", "scenario_identity",
                           "scenarios_file", "file_hash", "actions_hash", "assumption_set",
                           "assumption_hash", "engine_version", "period_months", "periods",
                           "verdict", "created_at"),
}


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


TABLES: tuple[ResultTable, ...] = (
    ResultTable("reserves", ("product_id", "reserve"), "product",
                "opening, closing and change of each reserve (upr, ibnr, ocs, alr); the IBNR "
                "method, notes and standard error", _reserves),
    ResultTable("upr_rollforward", ("product_id",), "product",
                "UPR roll-forward: opening, written, cancelled, earned, closing",
                _upr_rollforward),
    ResultTable("upr_policy", ("policy_id",), "product",
                "per policy: UPR, earned, written and cancelled premium", _upr_policy,
                indexed=False),
    ResultTable("ibnr_origin", ("product_id", "origin_start"), "product",
                "per origin period: reported, count, CDF, ultimate, IBNR, standard error",
                _ibnr_origin, indexed=False),
    ResultTable("ibnr_change", ("product_id", "step"), "product",
                "analysis of change of the IBNR, step by step", _ibnr_change,
                order="position, product_id"),
    ResultTable("triangles", ("product_id", "triangle", "origin_start", "development"),
                "product", "cumulative reported, paid and incurred triangles", _triangles),
    ResultTable("ibnr_distribution", ("product_id",), "product",
                "bootstrap distribution of the chain-ladder IBNR (empty when off)",
                lambda r: r.ibnr_distribution),
    ResultTable("link_ratios", ("product_id", "origin_start", "from_lag"), "product",
                "age-to-age link ratios: used in the average, flagged high", _link_ratios),
    ResultTable("statements", ("statement", "code", "product_id"), "product+programme",
                "income statement P01..P37 and balance sheet B01..B37", _statements),
    ResultTable("claims_cashflows", ("product_id", "month"), "product",
                "expected payments of the unpaid claims by month", _claims_cashflows),
    ResultTable("kpis", ("product_id", "indicator"), "product+programme",
                "the key performance indicators with numerator, denominator, band, flag, rule",
                lambda r: r.kpis, order="position, product_id"),
    ResultTable("alr_policy", ("source", "policy_id"), "product",
                "accrued liability per savings account and life contract",
                lambda r: r.alr.detail),
    ResultTable("kpi_pending_claims", ("claim_id",), "product",
                "claims the timeliness schedule selected that are not yet processed",
                lambda r: r.kpi_pending),
    ResultTable("cashflow_grid", ("product_id", "line", "month"), "product+programme",
                "projected cashflows of the business in force by line and month (no zeros)",
                lambda r: r.grid.frame(PROGRAMME)),
    ResultTable("liquidity", ("product_id", "method", "horizon_months"), "product+programme",
                "liquidity ratios by method and horizon", lambda r: r.liquidity),
    ResultTable("alm_ladder", ("product_id", "bucket"), "product+programme",
                "maturity ladder: inflows, outflows and gaps by time bucket",
                lambda r: r.alm.ladder),
    ResultTable("alm_measures", ("product_id", "measure"), "product+programme",
                "present-value surplus, durations and other ALM measures",
                lambda r: r.alm.measures),
    ResultTable("alm_checks", ("position",), "programme",
                "investment-policy checks: value, limit, passed", lambda r: r.alm.checks),
    # what a stress check reads (reserva.projection.stress_base; migration 14)
    ResultTable("stress_products", ("product_id",), "product",
                "per product: kind, lapse, refund and withdrawal rates, period and horizon "
                "months of the grid", lambda r: sb.stress_products_frame(r.products,
                                                                         r.stress_inputs),
                order="position"),
    ResultTable("stress_flows", ("product_id", "flow", "counterparty", "month"), "product",
                "claims and new business claims by month of occurrence, settlement shares by "
                "lag, reinsurance recoveries, grants and sums at risk per month, premiums due "
                "per distribution partner (counterparty; '' for the other flows); no zeros but "
                "the shares and each partner's month 1",
                lambda r: sb.stress_flows_frame(r.products, r.grid, r.stress_inputs)),
    ResultTable("asset_positions", ("product_id", "asset_class", "counterparty"),
                "product+programme",
                "assets by product, class and issuer: admitted, liquid, convertible, modified "
                "duration, convexity; product ALL = held by the programme only",
                lambda r: sb.asset_positions_frame(r.products, r.stress_inputs)),
    ResultTable("asset_flows", ("product_id", "asset_class", "counterparty", "month"),
                "product+programme",
                "coupons, interest and redemptions by month of each asset position (no zeros)",
                lambda r: sb.asset_flows_frame(r.products, r.stress_inputs)),
    # what a stress check stores under the run (reserva.store.stress; migration 15): a close
    # writes none of these rows, each stress scenario is a scenario of the run
    ResultTable("stress_metrics", ("product_id", "metric", "horizon_months"),
                "product+programme", "stressed liquidity, survival, shortfall and solvency of "
                "a stress scenario, with the base, the change and the breach",
                lambda r: _empty(STRESS_COLUMNS["stress_metrics"]), by_close=False),
    ResultTable("stress_reverse", ("target", "metric"), "programme",
                "reverse stress: the smallest breaking multiplier of each shock type and "
                "combined scenario", lambda r: _empty(STRESS_COLUMNS["stress_reverse"]), by_close=False),
    ResultTable("stress_stochastic", ("product_id", "measure", "horizon_months"),
                "product+programme", "simulated next-year claims: mean, VaR and TVaR of the "
                "outflows, P(liquidity below threshold)",
                lambda r: _empty(STRESS_COLUMNS["stress_stochastic"]), by_close=False),
    ResultTable("stress_lineage", (), "programme",
                "what a stored stress scenario was: its id, identity, scenario file and hash, "
                "assumption set and hash, engine version, simulations and seed",
                lambda r: _empty(STRESS_COLUMNS["stress_lineage"]), by_close=False),
    # what a forward projection stores under the run (reserva.store.plan; migration 16)
    ResultTable("projection_values", ("product_id", "period", "item"), "product+programme",
                "a projected scenario's statements, reserves, ratios and KPIs by period "
                "(0 = the close); no primary key (its index would cost more than the write: "
                "a projection's scenarios are stored once, by their tagged name)",
                lambda r: _empty(STRESS_COLUMNS["projection_values"]), by_close=False,
                indexed=False),
    ResultTable("projection_events", (), "programme",
                "the management actions a projected scenario fired and the capital injected",
                lambda r: _empty(STRESS_COLUMNS["projection_events"]), by_close=False,
                indexed=False),
    ResultTable("projection_lineage", (), "programme",
                "what a stored projected scenario was: its id, identity, scenario file, "
                "actions, set, engine version, period, periods and its verdict",
                lambda r: _empty(STRESS_COLUMNS["projection_lineage"]), by_close=False),
)
BY_NAME: dict[str, ResultTable] = {t.name: t for t in TABLES}
RESULT_TABLES: tuple[str, ...] = tuple(BY_NAME)  # the names, in writing order


def results_tables(result: CloseResultLike) -> dict[str, pd.DataFrame]:
    """A close's results as the store's tables (without ``run_id`` and ``scenario``).

    Parameters
    ----------
    result : CloseResultLike
        The result of ``reserva.pipeline.close`` (any object with the attributes it reads).

    Returns
    -------
    dict of str to DataFrame
        One frame per registered table, in the order of ``TABLES``.
    """
    return {t.name: t.convert(result) for t in TABLES}

