"""The stress base of a stored run: its result tables read back into a ``StressBase``.

A stress check starts from a stored close without recomputing it: the tables of ``TABLES``
(the cashflow grid, reserves, statements, liquidity and the four the close keeps for stress:
``stress_products``, ``stress_flows``, ``asset_positions``, ``asset_flows``) are read with the
store's readers for one run and scenario, made dense again (zero cells are not stored) and
assembled by ``reserva.projection.stress_base.stress_base``; the result equals
``stress_base_from_close`` of the close in memory, array for array (the module docstring of
``reserva.projection.stress_base`` says where each figure comes from).

- ``grid``: ``cashflow_grid`` by (product, line, month 1 .. H), ``H`` the ``horizon_months``
  of ``stress_products``, the programme's column its ``ALL`` rows;
- the products in the order of ``stress_products.position``; per product ``flow`` of
  ``stress_flows`` by month (counterparty ""); the settlement pattern of a product is its
  ``settlement_share`` rows (month = lag + 1); the run-rate ``reinsurance_recoveries`` and
  ``grants`` count in months 1 .. 12 only (``RUN_RATE_MONTHS``: the run rate of the year after
  the valuation date): the close stores no later month, and a run stored before that rule,
  which holds them for the whole horizon, has its later months dropped by the assembly;
- ``partners``: the counterparties of the ``partner_premiums`` rows, sorted (each keeps month
  1 of every product it distributes); ``partner_premiums`` by (partner, product, month), the
  programme's row their sum; none: ``()`` and None;
- ``asset_positions`` and ``asset_flows`` by (product, class, counterparty), ``ALL`` = held by
  the programme only.

A run stored before the close kept the stress inputs (before migration 14) has none: it is
refused with an ``ArgumentError`` that says to re-run its close.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import ArgumentError, StoreError
from reserva.projection.grid import LINE
from reserva.projection.stress_base import (
    BALANCE_CODES,
    PARTNER_FLOW,
    UNALLOCATED,
    AssetPositions,
    StressBase,
    liquidity_parts,
    stress_base,
)
from reserva.store.results import BASE
from reserva.store.runs import read_results
from reserva.vocab import PROGRAMME, RESERVES

__all__ = ["TABLES", "load_stress_base", "load_stress_tables", "stress_base_from_tables"]

# the result tables a stress base is read from (the first says whether the run has them)
TABLES = ("stress_products", "stress_flows", "asset_positions", "asset_flows", "cashflow_grid",
          "reserves", "statements", "liquidity")


def load_stress_base(store: Path | str, run_id: int | None = None,
                     scenario: str = BASE) -> StressBase:
    """The base position of a stored close, read from its result tables only.

    Parameters
    ----------
    store : Path
        The DuckDB store.
    run_id : int, optional
        The run (default: the latest completed run having ``scenario``).
    scenario : str
        The scenario of the run to start from (default ``base``, the close's).

    Returns
    -------
    StressBase
        Products then the programme ``ALL``; months 1 .. the grid's horizon.

    Raises
    ------
    ArgumentError
        The run predates the stress inputs (stored before the close kept them).
    StoreError
        No store, no such run or scenario, or tables that disagree.
    """
    rid, tables = load_stress_tables(store, run_id, scenario)
    return stress_base_from_tables(tables, rid)


def load_stress_tables(store: Path | str, run_id: int | None = None,
                       scenario: str = BASE) -> tuple[int, dict[str, pd.DataFrame]]:
    """(the run, the ``TABLES`` a stress base is read from), each table read once; only the
    first when the run predates the stress inputs (``stress_base_from_tables`` says so)."""
    store = Path(store)
    rid, first = read_results(store, TABLES[0], run_id, scenario)
    tables = {TABLES[0]: first}
    if not first.empty:  # else the run predates the stress inputs: said by the assembly
        tables |= {name: read_results(store, name, rid, scenario)[1] for name in TABLES[1:]}
    return rid, tables


def stress_base_from_tables(tables: Mapping[str, pd.DataFrame],
                            run_id: int | None = None) -> StressBase:
    """The stress base from the stored tables of one run and scenario (``TABLES``, each as
    ``reserva.store.runs.read_results`` returns it, without run and scenario).

    Raises
    ------
    ArgumentError
        The run predates the stress inputs (``stress_products`` empty: a run stored before the
        close kept them); the fix is to re-run its close.
    StoreError
        The tables disagree (a product or a column missing).
    """
    what = f"run {run_id}" if run_id is not None else "the stored tables"
    sp = tables["stress_products"].sort_values("position", kind="stable")
    if sp.empty:
        raise ArgumentError.bad(
            "run", run_id, "a run whose close kept the stress inputs",
            summary=f"{what} predates the stress inputs (a close stored before the close kept "
                    "stress_products, stress_flows, asset_positions and asset_flows): a "
                    "stress check cannot start from it; fix: re-run the close of its date (`reserva "
                    "close DATA_DIR --valuation-date DATE --rerun`) and check the new run")
    products = tuple(str(p) for p in sp["product_id"])
    n, h = len(products), int(sp["horizon_months"].iloc[0])
    pidx = {p: i for i, p in enumerate(products)}
    cidx = {**pidx, PROGRAMME: n}
    cf = tables["cashflow_grid"]
    _check_ids(what, "cashflow_grid", cf["product_id"], cidx)
    grid = _dense(cf, (n + 1, len(LINE), h), (("product_id", cidx), ("line", LINE), ("month", None)))
    fl = tables["stress_flows"]
    _check_ids(what, "stress_flows", fl["product_id"], pidx)

    def flow(name: str, width: int) -> np.ndarray:
        rows = fl[(fl["flow"] == name) & (fl["counterparty"] == "")]
        return _dense(rows, (n, width), (("product_id", pidx), ("month", None)))

    share = fl[fl["flow"] == "settlement_share"]
    lags = share.groupby("product_id")["month"].max().reindex(list(products)).fillna(0)
    pattern = flow("settlement_share", int(lags.max()) if len(lags) else 0)
    rs = tables["reserves"].set_index(["reserve", "product_id"])["closing"]
    st = tables["statements"]
    lines = {(s, c): grp.set_index("product_id")["value"]
             for (s, c), grp in st.groupby(["statement", "code"], sort=False)}
    columns = [*products, PROGRAMME]

    def line(statement: str, code: str) -> np.ndarray:
        values = lines.get((statement, code), pd.Series(dtype=float)).reindex(columns)
        if values.isna().any():
            raise StoreError(f"{what}: the statements lack {statement} line {code} of a column")
        return values.to_numpy(np.float64)

    liq = tables["liquidity"]
    cash, convertible = liquidity_parts(
        columns, liq["product_id"].to_numpy(), liq["method"].to_numpy(),
        liq["horizon_months"].to_numpy(), liq["cash"].to_numpy(), liq["convertible"].to_numpy(),
        what)
    return stress_base(
        run_id=run_id, products=products, kinds=tuple(str(k) for k in sp["kind"]), grid=grid,
        claims_occurred=flow("claims_occurred", h),
        new_business_occurred=flow("new_business_occurred", h),
        settlement=[pattern[p, :int(lags.iloc[p])] for p in range(n)],
        lapse_rate=sp["lapse_rate"].to_numpy(np.float64),
        refund_factor=sp["refund_factor"].to_numpy(np.float64),
        withdrawal_rate=sp["withdrawal_rate"].to_numpy(np.float64),
        reinsurance=flow("reinsurance_recoveries", h), grants=flow("grants", h),
        closing={name: rs.loc[name].reindex(list(products)).to_numpy(np.float64)
                 for name in RESERVES},
        balance={code: line("balance", code) for code in BALANCE_CODES},
        p16=line("income", "P16"), period_months=int(sp["period_months"].iloc[0]),
        cash=cash, convertible=convertible,
        positions=_positions(tables["asset_positions"], tables["asset_flows"], pidx, h, what),
        sum_at_risk=flow("sum_at_risk", h),
        **_partner_premiums(fl, pidx, h),
        **_earning(fl, flow, h),
    )


def _earning(flows: pd.DataFrame, flow, h: int) -> dict:
    """``earned_premium`` and ``expiring_premium`` [product, month] of ``stress_flows``; both
    None for a run stored before the close kept them (no row of either, while the run has
    claims occurring on its policies in force)."""
    kept = flows["flow"].isin(("earned_premium", "expiring_premium")).any()
    if not kept and (flows["flow"] == "claims_occurred").any():
        return {"earned_premium": None, "expiring_premium": None}
    return {"earned_premium": flow("earned_premium", h),
            "expiring_premium": flow("expiring_premium", h)}


def _partner_premiums(flows: pd.DataFrame, pidx: Mapping[str, int], h: int) -> dict:
    """``partners`` (sorted) and ``partner_premiums`` [partner, product, month] of the
    ``partner_premiums`` rows of ``stress_flows`` (the partner is the row's counterparty)."""
    rows = flows[flows["flow"] == PARTNER_FLOW]
    partners = tuple(sorted({str(k) for k in rows["counterparty"]}))
    if not partners:
        return {"partners": (), "partner_premiums": None}
    kidx = {k: i for i, k in enumerate(partners)}
    return {"partners": partners, "partner_premiums": _dense(
        rows, (len(partners), len(pidx), h),
        (("counterparty", kidx), ("product_id", pidx), ("month", None)))}


def _dense(frame: pd.DataFrame, shape: tuple[int, ...],
           axes: Sequence[tuple[str, Mapping | None]]) -> np.ndarray:
    """A dense array of a long frame's ``amount``: ``axes`` (column, mapping to an index, or
    None for a month 1..) place each row."""
    out = np.zeros(shape)
    if frame.empty:
        return out
    where = tuple(frame[column].to_numpy(np.int64) - 1 if mapping is None
                  else frame[column].map(mapping).to_numpy(np.int64)
                  for column, mapping in axes)
    out[where] = frame["amount"].to_numpy(np.float64)
    return out


def _check_ids(what: str, table: str, ids: pd.Series, known: Mapping[str, int]) -> None:
    unknown = sorted(set(ids) - set(known))
    if unknown:
        raise StoreError(f"{what}: {table} names product(s) {', '.join(map(str, unknown))} "
                         "that stress_products lacks")


def _positions(positions: pd.DataFrame, flows: pd.DataFrame, pidx: Mapping[str, int], h: int,
               what: str) -> AssetPositions:
    """The stored positions (in their rows' order) with their flows [group, month 1 .. h]."""
    _check_ids(what, "asset_positions", positions["product_id"], {**pidx, PROGRAMME: -1})

    def keys(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
        return [(pidx.get(str(p), UNALLOCATED), str(c), str(i)) for p, c, i in zip(
            frame["product_id"], frame["asset_class"], frame["counterparty"], strict=True)]

    groups = keys(positions)
    index = {k: g for g, k in enumerate(groups)}
    dense = np.zeros((len(groups), h))
    if len(flows):
        missing = sorted(set(keys(flows)) - set(index))
        if missing:
            raise StoreError(f"{what}: asset_flows holds groups asset_positions lacks: "
                             f"{missing[:3]}")
        g = np.array([index[k] for k in keys(flows)], np.int64)
        dense[g, flows["month"].to_numpy(np.int64) - 1] = flows["amount"].to_numpy(np.float64)

    def column(name: str) -> np.ndarray:
        return positions[name].to_numpy(np.float64)

    return AssetPositions(
        product=np.array([k[0] for k in groups], np.int64),
        asset_class=tuple(k[1] for k in groups), counterparty=tuple(k[2] for k in groups),
        admitted=column("admitted"), liquid=column("liquid"), convertible=column("convertible"),
        modified_duration=column("modified_duration"), convexity=column("convexity"),
        flows=dense)
