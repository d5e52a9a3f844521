"""The period-end close: data pack -> reserves -> statements -> KPIs -> one stored run.

Everything is computed in memory first; the run and all its results are then written to the
store in one transaction, so a failure at any stage leaves the store exactly as it was.

Opening reserves (for the reserve changes P04, P13, P14, P15) come from, in order: the latest
completed run valued at the period start in the store; the ``opening_balances`` table of the
data pack; or, failing both, the reserves recomputed at the period start from the same data
(``opening_source`` in the run records which).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import inspect
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import reserva
from reserva.calendar import add_months
from reserva.errors import (
    AlreadyClosed,
    AssumptionError,
    BadCell,
    ComputationError,
    EngineError,
    InputError,
)
from reserva.io.arrays import NEVER, codes, day, days, money, to_date
from reserva.io.assumptions import AssumptionSet, load_assumptions
from reserva.io.readers import DataPack, read_pack
from reserva.kpi.assemble import KpiInputs, kpi_results
from reserva.projection.alm import AlmReport, alm_report
from reserva.projection.business import latest_snapshot, project_business
from reserva.projection.grid import LINE, CashflowGrid
from reserva.projection.liquidity_table import LiquidityInputs, kpi_rows, liquidity_table
from reserva.reserves.accrued.alr import AlrResult, compute_alr
from reserva.reserves.claims.cashflows import UnpaidCashflows, unpaid_cashflows
from reserva.reserves.claims.change import IbnrChange, ibnr_change
from reserva.reserves.claims.ibnr import (
    NEEDS_EXPOSURE,
    IbnrResult,
    aggregate_segments,
    compute_ibnr,
)
from reserva.reserves.claims.ocs import (
    OCS_BASES,
    STATUS_CODES,
    Payments,
    ocs_at,
    single_payments,
)
from reserva.reserves.claims.snapshots import SnapshotTriangle, snapshot_triangle
from reserva.reserves.claims.triangles import (
    first_origin_day,
    month_index,
    period_index,
    period_start_day,
)
from reserva.reserves.upr.upr import (
    PolicyArrays,
    UprResult,
    compute_upr,
    earned_to_dates,
    policy_arrays,
)
from reserva.statements import Statement
from reserva.statements.balance import balance_sheet
from reserva.statements.income import income_statement
from reserva.store import db as store_db
from reserva.store import runs as store_runs
from reserva.store.lock import close_lock

PROGRAMME = "ALL"
RESERVES = ("upr", "ibnr", "ocs", "alr")


@dataclass(frozen=True)
class Reserves:
    """Reserves by product at one date (arrays over products)."""

    upr: np.ndarray
    ibnr: np.ndarray
    ocs: np.ndarray
    alr: np.ndarray

    def get(self, name: str) -> np.ndarray:
        return getattr(self, name)


@dataclass(frozen=True)
class CloseResult:
    run_id: int | None
    store: Path | None
    valuation_date: dt.date
    period_start: dt.date
    products: tuple[str, ...]
    opening: Reserves
    closing: Reserves
    opening_source: str
    upr: UprResult
    ibnr: IbnrResult
    cashflows: UnpaidCashflows
    ibnr_change: IbnrChange
    triangles: dict  # kind (reported, paid, incurred) -> SnapshotTriangle
    ibnr_distribution: pd.DataFrame  # bootstrap of the chain-ladder IBNR (empty when off)
    alr: AlrResult
    income: Statement
    balance: Statement
    kpis: pd.DataFrame
    kpi_pending: pd.DataFrame  # claims selected for the timeliness schedule, not yet processed
    grid: CashflowGrid  # projected cashflows of the business in force
    liquidity: pd.DataFrame  # liquidity ratios by column, method and horizon (liquidity_table)
    alm: AlmReport  # maturity ladder, PV surplus measures, investment-policy checks
    timings: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


# the last stage a close completed (for naming the failing stage in a ComputationError)
_STAGE_DONE: contextvars.ContextVar[str] = contextvars.ContextVar("close_stage", default="")
# the stages, in order, whose unexpected failures become a ComputationError (exit 4)
COMPUTATION_STAGES = ("upr", "claims", "accrued", "projection", "statements", "liquidity", "kpi")


def period_start_of(valuation_day: int, months: int) -> int:
    """The day before the period: v + 1 day - ``months`` months - 1 day (Dec 31 -> Sep 30)."""
    return int(add_months(valuation_day + 1, -months)) - 1


class _Clock:
    """Stage timings from ``started`` (a ``time.perf_counter()`` value; default: now)."""

    def __init__(self, progress: Callable[[str], None] | None, started: float | None = None):
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter() if started is None else started
        self._start = self._t
        self._progress = progress

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self._t, 4)
        self._t = now
        _STAGE_DONE.set(stage)
        if self._progress:
            self._progress(stage)

    def total(self) -> float:
        return round(time.perf_counter() - self._start, 4)


@dataclass(frozen=True)
class _Claims:
    product: np.ndarray
    event: np.ndarray
    report: np.ndarray
    decision: np.ndarray
    receipt: np.ndarray
    status: np.ndarray  # codes of STATUS_CODES as at the extract
    claimed: np.ndarray
    paid: np.ndarray
    case: np.ndarray
    payments: Payments
    basis: np.ndarray
    probability: np.ndarray
    columns: pd.DataFrame  # the claims table as read (for segmentation by other columns)

    def payment_probability(self, v: int, n_products: int, lookback_days: int) -> np.ndarray:
        """Per claim: the set's probability, or 1 - the rejection rate of the product's claims
        decided in the ``lookback_days`` up to v (1 when none was decided)."""
        window = (self.decision <= v) & (self.decision > v - lookback_days)
        decided = np.bincount(self.product[window], minlength=n_products)[:n_products]
        rejected = np.bincount(self.product[window & (self.status == STATUS_CODES["rejected"])],
                               minlength=n_products)[:n_products]
        experience = 1.0 - np.divide(rejected, decided, out=np.zeros(n_products),
                                     where=decided > 0)
        return np.where(np.isnan(self.probability), experience[self.product], self.probability)

    def ocs(self, v: int, n_products: int, lookback_days: int) -> np.ndarray:
        return ocs_at(
            self.report, self.decision, self.status, self.claimed, self.case, self.paid,
            self.payments.to_date(len(self.product), v), v,
            basis=self.basis,
            probability=self.payment_probability(v, n_products, lookback_days),
        )


def _claim_arrays(pack: DataPack, products: np.ndarray, kinds: np.ndarray, a: AssumptionSet) -> _Claims:
    claims = pack["claims"]
    product, _ = codes(claims["product_id"], categories=products)
    decision, receipt = days(claims["decision_date"]), days(claims["receipt_date"])
    paid = money(claims["paid_amount"])
    if pack.has("claim_payments"):
        cp = pack["claim_payments"]
        index = pd.Index(claims["claim_id"].astype(str))
        payments = Payments(
            index.get_indexer(cp["claim_id"].astype(str)).astype(np.int64),
            days(cp["payment_date"]),
            money(cp["amount"]),
        )
    else:
        payments = single_payments(paid, decision, receipt, NEVER)
    bases = np.array([OCS_BASES[a.basis(k).ocs_basis] for k in kinds], dtype=np.int8)
    probs = np.array([a.basis(k).ocs_payment_probability for k in kinds])
    case = pd.to_numeric(claims["case_reserve"], errors="coerce").to_numpy(np.float64)
    return _Claims(
        product=product,
        event=days(claims["event_date"]),
        report=days(claims["report_date"]),
        decision=decision,
        receipt=receipt,
        status=claims["status"].astype(str).map(STATUS_CODES).to_numpy(np.int8),
        claimed=money(claims["claimed_amount"]),
        paid=paid,
        case=case,
        payments=payments,
        basis=bases[product] if len(product) else np.empty(0, np.int8),
        probability=probs[product] if len(product) else np.empty(0),
        columns=claims,
    )


def _by_product(product: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(product, weights=values, minlength=n)[:n].astype(np.float64)


def _ibnr(claims: _Claims, products, kinds, a: AssumptionSet, v: int, first_day: int,
          parr: PolicyArrays) -> IbnrResult:
    bases = [a.basis(k) for k in kinds]
    grain = int(a.setting("ibnr", "origin_grain_months"))

    def exposure() -> np.ndarray:
        """Earned premium of each origin period (calendar periods of `grain` months up to v)."""
        first = int(period_index(np.array([min(first_day, v)]), v, grain)[0])
        starts = (
            (month_index(np.array([v]))[0] // grain - np.arange(first, -1, -1)) * grain
        ).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        edges = np.append(starts - 1, v)
        return np.diff(earned_to_dates(parr, edges), axis=1)

    common = dict(grain_months=grain, first_day=first_day, selections=a.ibnr_selections)
    by_product = compute_ibnr(
        claims.product, products, claims.event, claims.report, claims.claimed, v,
        methods=[b.ibnr_method for b in bases],
        min_claims=[b.min_claims_for_chain_ladder for b in bases],
        fallback=[b.thin_fallback for b in bases],
        expected_loss_ratio=np.array([b.expected_loss_ratio for b in bases]),
        exposure=exposure,
        options=[a.ibnr(k) for k in kinds],
        **common,
    )
    columns = list(a.setting("ibnr", "segment_by"))
    if not columns:
        return by_product
    # segments = product x the values of the claim columns; reserved one by one, added up
    needs = [b for b in bases if b.ibnr_method in NEEDS_EXPOSURE]
    if needs:
        raise AssumptionError(
            f"assumption set {a.set_id}: [ibnr] segment_by needs methods without exposure "
            f"(chain_ladder, mack, count_severity); {needs[0].product_kind} uses "
            f"{needs[0].ibnr_method}"
        )
    key = pd.Series(products[claims.product]).astype(str)
    for c in columns:
        key = key + "|" + pd.Series(claims.columns[c]).fillna("").astype(str).to_numpy()
    seg, seg_names = codes(key)
    seg_product = pd.Index(products).get_indexer([k.split("|")[0] for k in seg_names])
    sb = [bases[j] for j in seg_product]
    by_segment = compute_ibnr(
        seg, seg_names, claims.event, claims.report, claims.claimed, v,
        methods=[b.ibnr_method for b in sb],
        min_claims=[b.min_claims_for_chain_ladder for b in sb],
        fallback=[b.thin_fallback if b.thin_fallback not in NEEDS_EXPOSURE else "none" for b in sb],
        expected_loss_ratio=np.array([b.expected_loss_ratio for b in sb]),
        options=[a.ibnr(kinds[j]) for j in seg_product],
        **common,
    )
    return aggregate_segments(by_product, by_segment, seg_product, columns)


def _opening(pack: DataPack, store: Path | None, products: np.ndarray, ps: int,
             recomputed: Callable[[], Reserves]):
    """Opening reserves by product and where they came from (``recomputed`` called last)."""
    n = len(products)
    index = {p: i for i, p in enumerate(products)}
    ps_date = to_date(ps)
    found = store_runs.opening_reserves(store, ps_date) if store is not None else None
    if found is not None:
        run_id, frame = found
        source = "store"
    elif pack.has("opening_balances"):
        ob = pack["opening_balances"]
        frame = ob[pd.to_datetime(ob["valuation_date"]).dt.date == ps_date].rename(
            columns={"reserve": "reserve", "amount": "amount"}
        )
        run_id, source = None, "opening_balances"
        if frame.empty:
            frame, source = None, "recomputed"
    else:
        frame, run_id, source = None, None, "recomputed"
    if frame is None:
        return recomputed(), source, None
    values = {r: np.zeros(n) for r in RESERVES}
    for row in frame.itertuples(index=False):
        if row.product_id in index and row.reserve in values:
            values[row.reserve][index[row.product_id]] += float(row.amount)
    return Reserves(**values), source, run_id


def _ibnr_distribution(ibnr: IbnrResult, a: AssumptionSet) -> pd.DataFrame:
    """Seeded ODP bootstrap of each product's chain-ladder IBNR ([ibnr] bootstrap_sims > 0)."""
    from reserva.reserves.claims.ibnr import cumulative
    from reserva.reserves.claims.triangles import bootstrap_odp

    n_sims = int(a.setting("ibnr", "bootstrap_sims"))
    columns = ["product_id", "n_sims", "seed", "mean", "std", "p75", "p95", "p995", "note"]
    if n_sims <= 0:
        return pd.DataFrame(columns=columns)
    seed = int(a.setting("ibnr", "bootstrap_seed"))
    C = cumulative(ibnr.triangle.amount)
    rows = []
    for i, p in enumerate(ibnr.products):
        known = int(np.nansum(ibnr.triangle.count[i]))
        if ibnr.method[i] not in ("chain_ladder", "mack") or known == 0:
            continue  # the ODP bootstrap is of the chain ladder only
        try:
            b = bootstrap_odp(C[i : i + 1], n_sims=n_sims, seed=seed,
                              grain_months=ibnr.triangle.grain_months)
        except EngineError as exc:  # too small or degenerate a triangle: say so, go on
            rows.append({"product_id": p, "n_sims": n_sims, "seed": seed, "note": str(exc)})
            continue
        q = b.total_quantiles[0]
        rows.append({"product_id": p, "n_sims": n_sims, "seed": seed, "mean": b.mean[0],
                     "std": b.std[0], "p75": q[0], "p95": q[1], "p995": q[2], "note": ""})
    return pd.DataFrame(rows, columns=columns)


def _snapshot_triangles(claims: _Claims, products, a: AssumptionSet, v: int, first_day: int,
                        lookback: int) -> dict[str, SnapshotTriangle]:
    """Reported, paid and incurred (paid + outstanding) cumulative triangles for the report."""
    n, n_claims = len(products), len(claims.product)
    grains = {"origin_grain": int(a.setting("ibnr", "origin_grain_months")),
              "dev_grain": int(a.setting("ibnr", "development_grain_months"))}
    values = {
        "reported": lambda t: np.where(claims.report <= t, claims.claimed, 0.0),
        "paid": lambda t: claims.payments.to_date(n_claims, t),
        "incurred": lambda t: claims.payments.to_date(n_claims, t) + claims.ocs(t, n, lookback),
    }
    return {kind: snapshot_triangle(claims.product, products, claims.event, f, v,
                                    first_day=first_day, **grains)
            for kind, f in values.items()}


def _assumption_changes(store, opening_run, a: AssumptionSet, claims: _Claims, prod, policies,
                        kinds, v: int, first_day: int, ibnr_v: IbnrResult):
    """Closing IBNR on the current set minus on the opening run's set, by product.

    0 when the sets are the same (same hash) or there is no opening run; when the previous set
    is no longer available with its hash, NaN-free zeros and a note saying so.
    """
    n = len(ibnr_v.products)
    if opening_run is None:
        return np.zeros(n), ""
    rec = store_runs.run_record(store, opening_run)
    if rec["assumption_hash"] == a.set_hash:
        return np.zeros(n), ""
    try:
        prev = load_assumptions(rec["assumption_set"], root=a.path.parent)
    except EngineError:
        prev = None
    if prev is None or prev.set_hash != rec["assumption_hash"]:
        return np.zeros(n), (
            f"the opening run's assumption set {rec['assumption_set']} "
            f"({rec['assumption_hash'][:8]}) is not available: assumption changes are "
            "included in the remeasurement")
    old = _ibnr(claims, ibnr_v.products, kinds, prev, v, first_day,
                policy_arrays(policies, prod, prev))
    return ibnr_v.ibnr - old.ibnr, ""


def _ibnr_change(store, opening_run, products, ibnr_ps: Callable[[], IbnrResult],
                 ibnr_v: IbnrResult, assumption_changes=None) -> IbnrChange:
    """Previous IBNR by origin from the opening run when there is one, else recomputed."""
    n = len(products)
    if opening_run is not None:
        _, prev = store_runs.read_results(store, "ibnr_origin", opening_run)
        width = max(int(prev.groupby("product_id").size().max()), 1) if len(prev) else 1
        starts = np.full((n, width), np.datetime64("NaT"), dtype="datetime64[D]")
        latest, cdf, ibnr = (np.zeros((n, width)) for _ in range(3))
        index = {p: i for i, p in enumerate(products)}
        for p, rows in prev.groupby("product_id", sort=False):
            if p not in index:
                continue
            i, k = index[p], len(rows)
            starts[i, :k] = rows["origin_start"].to_numpy().astype("datetime64[D]")
            latest[i, :k] = rows["reported"].to_numpy()
            cdf[i, :k] = rows["cdf"].to_numpy()
            ibnr[i, :k] = rows["ibnr"].to_numpy()
    else:
        prev = ibnr_ps()
        starts = np.tile(prev.triangle.origin_start, (n, 1))
        latest = prev.by_origin_latest
        cdf = np.divide(prev.by_origin_ultimate, latest, out=np.ones_like(latest),
                        where=latest > 0)
        ibnr = prev.by_origin_ibnr
    return ibnr_change(starts, latest, cdf, ibnr, ibnr_v.triangle.origin_start,
                       ibnr_v.by_origin_latest, ibnr_v.by_origin_ibnr, products,
                       assumption_changes)


def _ledger_lines(pack: DataPack, products, a: AssumptionSet, ps: int, v: int) -> dict[str, np.ndarray]:
    n = len(products)
    ledger = pack["ledger"]
    when = days(ledger["period_end"])
    in_period = (when > ps) & (when <= v)
    led = ledger[in_period]
    product, _ = codes(led["product_id"], categories=products)
    lmap = a.ledger_map.set_index("line")
    unknown = sorted(set(led["line"].astype(str)) - set(lmap.index))
    if unknown:
        raise ComputationError(
            f"ledger lines {', '.join(unknown)} have no P-code in ledger_map.csv of assumption "
            f"set {a.set_id}; fix: add them"
        )
    p_code = led["line"].astype(str).map(lmap["p_code"]).to_numpy()
    signed = money(led["amount"]) * led["line"].astype(str).map(lmap["sign"]).to_numpy(float)
    out: dict[str, np.ndarray] = {}
    for code in np.unique(p_code):
        mask = p_code == code
        out[str(code)] = _by_product(product[mask], signed[mask], n)
    return out


def _with_programme(per_product: np.ndarray, unallocated: float = 0.0) -> np.ndarray:
    return np.append(per_product, per_product.sum() + unallocated)


def _balance_inputs(pack: DataPack, products, a: AssumptionSet, v: int, closing: Reserves, p37):
    """Asset and liability lines from the latest snapshots on or before v (plus the reserves)."""
    n = len(products)
    lines: dict[str, np.ndarray] = {}

    def add(code: str, idx: np.ndarray, amount: np.ndarray) -> None:
        col = np.where(idx < 0, n, idx)  # unallocated -> programme column only
        acc = np.bincount(col, weights=amount, minlength=n + 1)
        acc[n] += acc[:n].sum()
        lines[code] = lines.get(code, np.zeros(n + 1)) + acc

    asset_idx = np.zeros(0, dtype=np.int32)
    snap = latest_snapshot(pack["assets"], v)
    if len(snap):
        amap = a.asset_map.set_index("asset_class")
        idx, _ = codes(snap["product_id"].fillna("").astype(str), categories=products)
        asset_idx = idx
        # conservative value: lower of book and market (E2 L2895-2899)
        value = np.minimum(money(snap["book_value"]), money(snap["market_value"]))
        admitted = value * money(snap["admitted_fraction"])
        cls = snap["asset_class"].astype(str)
        adm_code = cls.map(amap["admitted_code"]).to_numpy()
        non_code = cls.map(amap["non_admitted_code"]).to_numpy()
        liquid = cls.map(amap["liquid_share"]).to_numpy(float)
        for code in np.unique(np.concatenate([adm_code, non_code])):
            add(str(code), idx, np.where(adm_code == code, admitted, 0.0)
                + np.where(non_code == code, value - admitted, 0.0))
        add("_liquid", idx, np.where(adm_code == "B02", admitted, admitted * liquid))
        haircut = cls.map(amap["haircut"]).to_numpy(float)
        add("_convertible", idx, np.where((adm_code != "B02") & ~np.isnan(haircut),
                                          admitted * (1.0 - np.nan_to_num(haircut)), 0.0))
    horizon = int(add_months(v, int(a.setting("liquidity", "horizon_months"))))
    snap = latest_snapshot(pack["liabilities"], v)
    if len(snap):
        idx, _ = codes(snap["product_id"].fillna("").astype(str), categories=products)
        amount = money(snap["amount"])
        short = days(snap["due_date"]) <= horizon
        kind = snap["kind"].astype(str).to_numpy()
        insurance = kind == "insurance_obligation"
        reins = kind == "reinsurance_payable"
        other = ~insurance & ~reins
        add("B21", idx, np.where(reins, amount, 0.0))
        add("B26", idx, np.where(insurance & short, amount, 0.0))
        add("B30", idx, np.where(insurance & ~short, amount, 0.0))
        add("B28", idx, np.where(other & short, amount, 0.0))
        add("B32", idx, np.where(other & ~short, amount, 0.0))
    for code, name in (("B14", "upr"), ("B17", "ibnr"), ("B20", "ocs"), ("B23", "alr")):
        lines[code] = _with_programme(closing.get(name))
    lines["B35"] = np.asarray(p37, dtype=float)
    liquid = lines.pop("_liquid", np.zeros(n + 1))
    convertible = lines.pop("_convertible", np.zeros(n + 1))
    allocated = np.zeros(n + 1, dtype=bool)
    allocated[n] = True  # the programme holds every asset
    allocated[asset_idx[asset_idx >= 0]] = True
    return lines, liquid, convertible, allocated


def _life_premiums(detail: pd.DataFrame) -> pd.Series:
    """Annual premium of each life contract valued by the ALR, by policy_id."""
    life = detail[detail["source"] == "life"]
    return pd.Series(life["annual_premium"].to_numpy(np.float64),
                     index=life["policy_id"].astype(str).to_numpy()).groupby(level=0).first()


def _liquidity(claims: _Claims, grid: CashflowGrid, balance: Statement, income: Statement,
               a: AssumptionSet, v: int, months: int, cash, convertible, allocated, columns
               ) -> pd.DataFrame:
    """The liquidity table (reserva.projection.liquidity_table) of the products and programme."""
    n = len(grid.products)
    n_claims = len(claims.product)

    def paid_between(lo: int, hi: int) -> np.ndarray:
        if not n_claims:
            return np.zeros(n + 1)
        return _with_programme(_by_product(
            claims.product, claims.payments.in_period(n_claims, lo, hi), n))

    year_ago = int(add_months(v + 1, -12)) - 1
    two_years = int(add_months(v + 1, -24)) - 1
    outflows = np.vstack([grid.outflows(p) for p in grid.products] + [grid.outflows()])
    due_3m = np.append(grid.amount[:, LINE["other_liabilities"], :3].sum(axis=1),
                       grid.programme()[LINE["other_liabilities"], :3].sum())
    reserves = {"upr": balance["B14"], "ocs": balance["B20"], "ibnr": balance["B17"],
                "alr": balance["B23"],
                "other_liabilities": balance["B21"] + balance["B25"] + balance["B29"]}
    inputs = LiquidityInputs(
        columns=columns, allocated=allocated, cash=cash, convertible=convertible,
        outflows=outflows, claims_12m=paid_between(year_ago, v),
        claims_prior_12m=paid_between(two_years, year_ago), reserves=reserves,
        expenses_per_month=income["P16"] / months,
        static_liabilities=balance["B20"] + due_3m,
    )
    return liquidity_table(
        inputs, horizons=a.setting("liquidity", "horizons"),
        kpi_method=str(a.setting("liquidity", "kpi_method")),
        include_convertible=bool(a.setting("liquidity", "include_convertible")),
        share=float(a.setting("liquidity", "rule_of_thumb_share")),
        margin_setting=a.setting("liquidity", "growth_margin"),
        factors_by_horizon=a.liquidity_factors_by_horizon,
        add_on_months=float(a.setting("liquidity", "expense_add_on_months")),
    )


def _failing_stage(done: str) -> str | None:
    """The computation stage after ``done`` (None outside the computation: reading, storing)."""
    if done == "read":
        return COMPUTATION_STAGES[0]
    if done in COMPUTATION_STAGES[:-1]:
        return COMPUTATION_STAGES[COMPUTATION_STAGES.index(done) + 1]
    return None


def _stage_errors(func):
    """Turn an unexpected failure inside a computation stage into a ComputationError (exit 4).

    The message names the valuation date and the stage (nothing is stored: the close writes
    only after every stage). Errors the engine raises on purpose pass unchanged, and so does a
    failure while reading the pack or writing the store (their modules say what went wrong);
    with ``RESERVA_DEBUG`` set the original exception is raised, for its traceback.
    """

    @functools.wraps(func)
    def wrapper(data_dir, valuation_date, *args, **kwargs):
        token = _STAGE_DONE.set("")
        try:
            return func(data_dir, valuation_date, *args, **kwargs)
        except EngineError:
            raise
        except Exception as exc:
            stage = _failing_stage(_STAGE_DONE.get())
            if stage is None or os.environ.get("RESERVA_DEBUG"):
                raise
            what = ("ran out of memory" if isinstance(exc, MemoryError)
                    else f"failed: {type(exc).__name__}: {exc}")
            raise ComputationError(
                f"close of {valuation_date}: stage {stage} {what}; nothing was stored (fix: "
                "check the pack with `reserva validate`; if it is valid, report this defect "
                "with the traceback shown by RESERVA_DEBUG=1)"
            ) from exc
        finally:
            _STAGE_DONE.reset(token)

    return wrapper


def _valuation_day(valuation_date, a: AssumptionSet) -> int:
    """The valuation date's day number, or InputError when it is no date of the input window."""
    lo, hi = (str(a.setting("input", k)) for k in ("earliest_date", "latest_date"))
    try:
        v = day(valuation_date)
    except (ValueError, TypeError, OverflowError) as exc:
        v, reason = None, str(exc)
    else:
        reason = ""
    if v is None or not day(lo) <= v <= day(hi):
        raise InputError(BadCell(
            file="valuation date", row=None, column=None, value=str(valuation_date),
            expected=f"a date YYYY-MM-DD from {lo} to {hi} ([input] earliest_date, latest_date)",
            fix=reason or "choose the end of the period to close"))
    return v


def _check_started(policies: pd.DataFrame, v: int, months: int) -> None:
    """Refuse (exit 2) a valuation date before the first policy of the pack starts.

    Nothing would be closed: no premium, no cover, no claim. The message names the earliest
    policy and the first period end on or after its start.
    """
    if not len(policies):
        return
    start = days(policies["start_date"])
    k = int(np.argmin(start))
    if int(start[k]) <= v:
        return
    first_end = to_date(int(add_months(period_start_day(int(start[k]), months), months)) - 1)
    raise InputError([], summary=(
        f"valuation date {to_date(v)} is before the data: the earliest policy "
        f"({policies['policy_id'].iloc[k]}) starts on {to_date(start[k])}, so there is nothing "
        f"to close (fix: close a date on or after {to_date(start[k])}, e.g. {first_end}, "
        "the end of the data's first period)"))


def _snapshot_notes(pack: DataPack, v: int, a: AssumptionSet) -> tuple[str, ...]:
    """Notes on the age of the asset and liability snapshots the close uses; refusal beyond a limit.

    The balance sheet takes the latest snapshot on or before the valuation date: older than
    ``[snapshots] note_age_days`` the run notes its age, older than ``max_age_days`` the close
    is refused (InputError, exit 2); no snapshot on or before the date is noted.
    """
    note_days = int(a.setting("snapshots", "note_age_days"))
    max_days = int(a.setting("snapshots", "max_age_days"))
    notes = []
    for name in ("assets", "liabilities"):
        if not pack.has(name) or not len(pack[name]):
            continue
        as_of = days(pack[name]["as_of_date"])
        known = as_of[as_of <= v]
        if not known.size:
            notes.append(f"{name}: no snapshot on or before the valuation date (the first is as of "
                         f"{to_date(as_of.min())}): none in the balance sheet")
            continue
        latest = to_date(known.max())
        age = v - int(known.max())
        if age > max_days:
            raise InputError(BadCell(
                file=name, row=None, column="as_of_date", value=str(latest),
                expected=f"a snapshot at most {max_days} days ([snapshots] max_age_days) before "
                         f"the valuation date {to_date(v)}; the latest is {age} days before",
                fix=f"add a snapshot as of the valuation date to {name}, or close an earlier date"),
                summary=f"{name}: the latest snapshot is too old for a close at {to_date(v)}")
        if age > note_days:
            notes.append(f"{name}: the latest snapshot is as of {latest}, {age} days before the "
                         f"valuation date (more than [snapshots] note_age_days = {note_days})")
    return tuple(notes)


def _first_day(policies: pd.DataFrame, v: int, a: AssumptionSet) -> int:
    """First day of the oldest origin period of the triangles, exposure and claims cashflows.

    The period holding the earliest policy start, but at most ``[ibnr] max_origin_years`` of
    origin periods back from the valuation date (``triangles.first_origin_day``).
    """
    grain = int(a.setting("ibnr", "origin_grain_months"))
    years = int(a.setting("ibnr", "max_origin_years"))
    earliest = int(days(policies["start_date"]).min()) if len(policies) else v
    return first_origin_day(earliest, v, grain, years * 12 // grain)


def _left_out_note(claims: _Claims, products: np.ndarray, first_day: int, v: int,
                   a: AssumptionSet) -> str:
    """The note on claims known at v whose event precedes the first origin ("" when none)."""
    early = (claims.event < first_day) & (claims.report <= v) & (claims.product >= 0)
    if not early.any():
        return ""
    by = np.bincount(claims.product[early], minlength=len(products))
    parts = ", ".join(f"{products[i]} {int(by[i])}" for i in np.flatnonzero(by))
    return (f"{int(early.sum())} claims with an event before the first origin period "
            f"{to_date(first_day)} are left out of the IBNR and claims triangles ({parts}); "
            "the triangles start at the earliest policy, at most [ibnr] max_origin_years = "
            f"{int(a.setting('ibnr', 'max_origin_years'))} years back; their reported claims "
            "still count in the OCS")


def _finite_records(stage: str, values: np.ndarray, product: np.ndarray, products,
                    ids, what: str) -> None:
    """ComputationError naming the product and the record (policy, claim) of a non-finite result."""
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        p = int(product[k])
        raise ComputationError(
            f"stage {stage}: a result is not finite ({values[k]}) for product "
            f"{products[p] if p >= 0 else '?'}, {what} {np.asarray(ids)[k]} "
            f"({int(bad.sum())} in all); nothing was stored (fix: check that {what}'s amounts "
            "and dates)")


def _finite_lines(stage: str, lines: dict[str, np.ndarray], columns) -> None:
    """ComputationError naming the line and the product (or ALL) of a non-finite result."""
    for label, values in lines.items():
        bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
        if bad.any():
            k = np.argwhere(bad)[0]
            raise ComputationError(
                f"stage {stage}: {label} is not finite ({np.asarray(values)[tuple(k)]}) for "
                f"product {columns[int(k[0])]}; nothing was stored (fix: check that product's "
                "amounts and dates in the data pack)")


def _store_guard(compute):
    """Around ``close``: with ``write``, the store is checked, then its close lock is taken
    before the data pack is read or anything computed (``reserva.store.lock``; a second close
    waits ``wait`` seconds or fails at once). ``close`` then reads the pack, refuses a date
    whose latest completed run used the same input files, assumption set and edition
    (``AlreadyClosed``, unless ``rerun``) and looks up its opening reserves, all under the
    lock."""
    signature = inspect.signature(compute)

    @functools.wraps(compute)
    def guarded(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        p = bound.arguments
        if not p["write"]:
            return compute(*args, **kwargs)
        data_dir = Path(p["data_dir"])
        a = p["assumptions"]
        a = a if isinstance(a, AssumptionSet) else load_assumptions(a)
        store = Path(p["store"]) if p["store"] is not None else data_dir / store_db.DEFAULT_NAME
        store_db.check(store)
        with close_lock(store, wait=float(p["wait"])):
            p.update(assumptions=a, store=store)
            return compute(*bound.args, **bound.kwargs)

    return guarded


def _same_run(store: Path, valuation_date, pack: DataPack, a: AssumptionSet,
              edition: int | None) -> int | None:
    """The run that already closed this date with the same data, set and edition, if any (a
    date the close refuses is refused here, InputError)."""
    date = to_date(_valuation_day(valuation_date, a))
    edition = int(edition or a.setting("kpi", "default_edition"))
    return store_runs.same_run(store, date, pack.file_hashes, a.set_hash, edition)


@_store_guard
@_stage_errors
def close(
    data_dir: Path | str,
    valuation_date: str | dt.date,
    *,
    assumptions: str | AssumptionSet = "default",
    store: Path | str | None = None,
    edition: int | None = None,
    pack: DataPack | None = None,
    write: bool = True,
    progress: Callable[[str], None] | None = None,
    fail_after: str | None = None,
    rerun: bool = False,
    wait: float = 0.0,
    started: float | None = None,
) -> CloseResult:
    """Close one period ending at ``valuation_date`` and store it (when ``write``).

    When writing, the store's close lock is held from before the pack is read until the run
    is stored: another close on the same store waits up to ``wait`` seconds, else StoreError
    (exit 3). A date whose latest completed run used the same input files, assumption set and
    edition raises ``AlreadyClosed`` (nothing stored) unless ``rerun``.

    Any valuation date from the first policy start on closes (the first quarter, a period
    without claims, a product without business); a date before the data, outside the input
    window or too long after the latest asset/liability snapshot is refused (InputError, exit
    2). An unexpected failure of a stage, or a result that is not finite, is a ComputationError
    (exit 4) naming the stage and the product (and policy or claim). Triangles start at most
    ``[ibnr] max_origin_years`` before the valuation date.

    ``fail_after`` names a stage after which to raise (used by the tests to prove rollback).
    ``started``: the ``time.perf_counter()`` at which this run's work began, when the pack was
    read before the call (``close_many`` passes it to the first date, so that its ``read`` and
    ``total`` timings include reading and validating the pack).
    """
    clock = _Clock(progress, started)
    data_dir = Path(data_dir)
    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    edition = int(edition or a.setting("kpi", "default_edition"))
    if edition not in (1, 2):
        raise InputError([], summary=f"edition {edition} unknown; expected 1 or 2")
    pack = pack or read_pack(data_dir, limits=a)
    store = Path(store) if store is not None else data_dir / store_db.DEFAULT_NAME
    if write and not rerun:  # under the close lock (_store_guard): no other close can land now
        done = _same_run(store, valuation_date, pack, a, edition)
        if done is not None:
            raise AlreadyClosed(to_date(_valuation_day(valuation_date, a)), done)
    clock.lap("read")

    v = _valuation_day(valuation_date, a)
    months = int(a.setting("period", "months"))
    ps = period_start_of(v, months)
    prod = pack["products"]
    products = prod["product_id"].astype(str).to_numpy()
    kinds = prod["kind"].astype(str).to_numpy()
    n = len(products)
    policies = pack["policies"]
    _check_started(policies, v, months)
    snapshot_notes = _snapshot_notes(pack, v, a)
    first_day = _first_day(policies, v, a)

    def stage_done(stage: str) -> None:
        clock.lap(stage)
        if fail_after == stage:
            raise ComputationError(f"stage {stage} failed on purpose (test)")

    # UPR
    parr = policy_arrays(policies, prod, a)
    upr = compute_upr(parr, ps, v)
    _finite_records("upr", upr.upr + upr.upr_opening + upr.written + upr.cancelled + upr.earned,
                    upr.product, products, upr.policy_id, "policy")
    upr_by = upr.by_product()
    stage_done("upr")

    # claims: OCS, IBNR, paid
    claims = _claim_arrays(pack, products, kinds, a)
    lookback = int(a.setting("ocs", "experience_days"))
    ocs_claim = claims.ocs(v, n, lookback)
    _finite_records("claims", ocs_claim, claims.product, products, claims.columns["claim_id"],
                    "claim")
    ocs_v = _by_product(claims.product, ocs_claim, n)
    ocs_ps = _by_product(claims.product, claims.ocs(ps, n, lookback), n)
    paid = _by_product(claims.product, claims.payments.in_period(len(claims.product), ps, v), n) \
        if len(claims.product) else np.zeros(n)
    ibnr_v = _ibnr(claims, products, kinds, a, v, first_day, parr)

    @functools.cache
    def ibnr_ps() -> IbnrResult:  # only when the opening does not come from a stored run
        return _ibnr(claims, products, kinds, a, ps, first_day, parr)

    pay = claims.payments
    cashflows = unpaid_cashflows(
        claims.product[pay.claim], products, claims.event[pay.claim], pay.day, pay.amount, v,
        ocs_v + ibnr_v.ibnr, grain_months=int(a.setting("ibnr", "origin_grain_months")),
        first_day=first_day, fallback_periods=int(a.setting("cashflows", "fallback_periods")),
        horizon_months=int(a.setting("cashflows", "horizon_months")),
        patterns={i: a.payment_patterns[k] for i, k in enumerate(kinds) if k in a.payment_patterns},
    )
    triangles = _snapshot_triangles(claims, products, a, v, first_day, lookback)
    distribution = _ibnr_distribution(ibnr_v, a)
    _finite_lines("claims", {"the IBNR": ibnr_v.ibnr, "the unpaid claims cashflows":
                             cashflows.amount}, products)
    stage_done("claims")

    alr = compute_alr(pack, products, kinds, a, v)
    alr_v = alr.alr
    if len(alr.detail):
        _finite_records("accrued", alr.detail["reserve"].to_numpy(np.float64),
                        codes(alr.detail["product_id"], categories=products)[0], products,
                        alr.detail["policy_id"].to_numpy(), "policy or account")
    _finite_lines("accrued", {"the ALR": alr_v}, products)
    stage_done("accrued")

    grid = project_business(
        pack, products, kinds, a, v, policies=parr, commission=money(policies["commission"]),
        unpaid=cashflows.amount, ocs=ocs_v, savings_balance=alr.savings,
        horizon_months=int(a.setting("cashflows", "horizon_months")),
        life_premium=_life_premiums(alr.detail),
    )
    _finite_lines("projection", {"the cashflow grid": grid.amount}, products)
    stage_done("projection")

    closing = Reserves(upr_by["upr"].to_numpy(), ibnr_v.ibnr, ocs_v, alr_v)
    opening, opening_source, opening_run = _opening(
        pack, store, products, ps,
        lambda: Reserves(upr_by["upr_opening"].to_numpy(), ibnr_ps().ibnr, ocs_ps,
                         compute_alr(pack, products, kinds, a, ps).alr))
    changes, change_note = _assumption_changes(store, opening_run, a, claims, prod, policies,
                                               kinds, v, first_day, ibnr_v)
    change = _ibnr_change(store, opening_run, products, ibnr_ps, ibnr_v, changes)

    # statements
    columns = (*products, PROGRAMME)
    ledger = _ledger_lines(pack, products, a, ps, v)
    inc = {code: _with_programme(vals) for code, vals in ledger.items()}
    inc["P03"] = _with_programme(upr_by["written"].to_numpy() - upr_by["cancelled"].to_numpy())
    inc["P04"] = _with_programme(closing.upr - opening.upr)
    inc["P12"] = _with_programme(paid)
    inc["P13"] = _with_programme(closing.ibnr - opening.ibnr)
    inc["P14"] = _with_programme(closing.ocs - opening.ocs)
    inc["P15"] = _with_programme(closing.alr - opening.alr)
    income = income_statement(inc, columns)
    bal_lines, liquid, convertible, allocated = _balance_inputs(pack, products, a, v, closing,
                                                                income["P37"])
    balance = balance_sheet(bal_lines, columns)
    _finite_lines("statements", {
        f"{name} line {code}": st[code]
        for name, st in (("income", income), ("balance", balance)) for code in st.codes
    }, columns)
    stage_done("statements")

    liq = _liquidity(claims, grid, balance, income, a, v, months, liquid, convertible, allocated,
                     columns)
    alm = alm_report(grid, latest_snapshot(pack["assets"], v), a, allocated, PROGRAMME)
    stage_done("liquidity")

    kpi = kpi_results(KpiInputs(
        pack=pack, assumptions=a, edition=edition, products=products, kinds=kinds,
        participation=prod["participation"].astype(str).to_numpy(),
        period_start_day=ps, valuation_day=v, period_months=months,
        income=income, balance=balance, closing=closing,
        assets_allocated=allocated, claims_status_codes=STATUS_CODES,
        liquidity=kpi_rows(liq),
    ))
    stage_done("kpi")

    notes = tuple(
        f"{products[i]}: {ibnr_v.note[i]}" for i in range(n) if ibnr_v.note[i]
    ) + tuple(
        f"{products[i]}: IBNR triangle to review: {ibnr_v.warnings[i]}"
        for i in range(n) if ibnr_v.warnings[i]
    )
    notes += kpi.warnings
    notes += pack.warning_notes
    notes += snapshot_notes
    left_out = _left_out_note(claims, products, first_day, v, a)
    if left_out:
        notes += (left_out,)
    if change_note:
        notes += (change_note,)
    if opening_source == "recomputed":
        notes += ("opening reserves recomputed at the period start from this data pack "
                  "(no stored run at that date and no opening_balances rows)",)
    result = CloseResult(
        run_id=None, store=store if write else None, valuation_date=to_date(v),
        period_start=to_date(ps), products=tuple(products), opening=opening, closing=closing,
        opening_source=opening_source, upr=upr, ibnr=ibnr_v, cashflows=cashflows,
        ibnr_change=change, triangles=triangles, ibnr_distribution=distribution, alr=alr,
        income=income, balance=balance,
        kpis=kpi.table, kpi_pending=kpi.pending, grid=grid, liquidity=liq, alm=alm,
        timings=clock.timings, notes=notes,
    )
    if not write:
        return CloseResult(**{**result.__dict__, "timings": {**clock.timings,
                                                              "total": clock.total()}})
    tables = results_tables(result)
    stage_done("assemble")
    timings = dict(clock.timings)
    timings["total"] = clock.total()
    record = store_runs.RunRecord(
        valuation_date=to_date(v), period_start=to_date(ps), edition=edition,
        assumption_set=a.set_id, assumption_hash=a.set_hash, data_dir=str(data_dir.resolve()),
        input_hashes=dict(pack.file_hashes), engine_version=reserva.__version__,
        opening_source=opening_source, opening_run_id=opening_run, timings=timings,
        notes="; ".join(notes), assumption_parent_hash=a.parent_hash,
        assumption_overrides=a.overrides,
    )
    run_id = store_runs.save_run(store, record, tables)
    clock.lap("store")
    timings["store"] = clock.timings["store"]
    timings["total"] = clock.total()
    return CloseResult(**{**result.__dict__, "run_id": run_id, "timings": timings})


def results_tables(r: CloseResult) -> dict[str, pd.DataFrame]:
    """The run's results as the store's tables (without run_id)."""
    products = np.asarray(r.products)
    n = len(products)
    reserves = pd.DataFrame([
        {
            "product_id": products[i], "reserve": name,
            "opening": float(r.opening.get(name)[i]), "closing": float(r.closing.get(name)[i]),
            "change": float(r.closing.get(name)[i] - r.opening.get(name)[i]),
            "method": r.ibnr.method[i] if name == "ibnr" else None,
            "note": "; ".join(x for x in (r.ibnr.note[i], r.ibnr.warnings[i]) if x)
            if name == "ibnr" else None,
            "std_err": float(r.ibnr.std_err[i]) if name == "ibnr" else float("nan"),
        }
        for i in range(n) for name in RESERVES
    ])
    roll = r.upr.by_product()
    upr_policy = pd.DataFrame({
        "policy_id": r.upr.policy_id, "product_id": products[r.upr.product],
        "upr": r.upr.upr, "earned": r.upr.earned, "written": r.upr.written,
        "cancelled": r.upr.cancelled,
    })
    tri = r.ibnr.triangle
    n_o = tri.n_origins
    ibnr_origin = pd.DataFrame({
        "product_id": np.repeat(products, n_o),
        "origin_start": np.tile(tri.origin_start, n),
        "reported": r.ibnr.by_origin_latest.ravel(),
        "reported_count": np.nansum(tri.count, axis=2).ravel(),
        "cdf": np.divide(r.ibnr.by_origin_ultimate, r.ibnr.by_origin_latest,
                         out=np.ones_like(r.ibnr.by_origin_latest),
                         where=r.ibnr.by_origin_latest > 0).ravel(),
        "ultimate": r.ibnr.by_origin_ultimate.ravel(),
        "ibnr": r.ibnr.by_origin_ibnr.ravel(),
        "std_err": r.ibnr.by_origin_std_err.ravel(),
    })
    statements = pd.concat([
        pd.DataFrame({
            "statement": name,
            "code": np.repeat(st.codes, len(st.columns)),
            "product_id": np.tile(st.columns, len(st.codes)),
            "value": st.values.ravel(),
        })
        for name, st in (("income", r.income), ("balance", r.balance))
    ], ignore_index=True)
    cf = r.cashflows
    claims_cashflows = pd.DataFrame({
        "product_id": np.repeat(products, cf.months),
        "month": np.tile(np.arange(1, cf.months + 1, dtype=np.int32), n),
        "amount": cf.amount.ravel(),
    })
    tri_rows = []
    for kind, t in r.triangles.items():
        s_, o_, d_ = np.nonzero(~np.isnan(t.cumulative))
        tri_rows.append(pd.DataFrame({
            "product_id": products[s_], "triangle": kind, "origin_start": t.origin_start[o_],
            "development": (d_ + 1) * t.dev_grain, "value": t.cumulative[s_, o_, d_],
        }))
    triangles = pd.concat(tri_rows, ignore_index=True)
    ib = r.ibnr
    s_, o_, d_ = np.nonzero(~np.isnan(ib.link_ratios))
    link_ratios = pd.DataFrame({
        "product_id": products[s_], "origin_start": ib.triangle.origin_start[o_],
        "from_lag": (d_ + 1).astype(np.int32), "ratio": ib.link_ratios[s_, o_, d_],
        "used": ib.link_used[s_, o_, d_],
        "high": ib.diagnostics.high_link_ratio[s_, o_, d_],
    })
    steps = r.ibnr_change.steps()
    ibnr_change_frame = pd.DataFrame({
        "product_id": np.tile(products, len(steps)),
        "step": np.repeat(list(steps), n),
        "position": np.repeat(np.arange(len(steps), dtype=np.int32), n),
        "amount": np.concatenate([steps[k] for k in steps]),
    })
    return {
        "reserves": reserves, "upr_rollforward": roll, "upr_policy": upr_policy,
        "ibnr_origin": ibnr_origin, "ibnr_change": ibnr_change_frame, "statements": statements,
        "kpis": r.kpis, "claims_cashflows": claims_cashflows, "triangles": triangles,
        "ibnr_distribution": r.ibnr_distribution, "link_ratios": link_ratios,
        "alr_policy": r.alr.detail, "kpi_pending_claims": r.kpi_pending,
        "cashflow_grid": r.grid.frame(PROGRAMME),
        "liquidity": r.liquidity,
        "alm_ladder": r.alm.ladder, "alm_measures": r.alm.measures, "alm_checks": r.alm.checks,
    }


_CLOSE_WRITES = inspect.signature(close).parameters["write"].default  # close()'s default


@dataclass(frozen=True)
class Skipped:
    """A date ``close_many`` did not close again: its latest completed run (``run_id``) used
    the same data, assumptions and edition; ``message`` says so."""

    valuation_date: dt.date
    run_id: int
    message: str


class CloseListener:
    """What ``close_many`` reports as it goes. Each method does nothing here; a front end
    (the CLI's progress display) overrides the ones it shows."""

    def waiting(self, holder: dict) -> None:
        """Another close holds the store; waiting for it (``holder``: its pid, host, start)."""

    def read(self, pack: DataPack, dates: list) -> None:
        """The data pack is read and valid; ``dates`` will be closed in this order."""

    def stage(self, position: int, valuation_date, stage: str) -> None:
        """A stage of the close of ``dates[position]`` is done."""

    def stored(self, position: int, result: CloseResult) -> None:
        """The close of ``dates[position]`` is done (and stored, when writing)."""

    def skipped(self, position: int, skip: Skipped) -> None:
        """``dates[position]`` is already closed with the same data and assumptions."""


def close_many(data_dir: Path | str, valuation_dates, *, rerun: bool = False, wait: float = 0.0,
               listener: CloseListener | None = None, **kwargs) -> list[CloseResult | Skipped]:
    """Close several valuation dates in date order, each once, reading the pack once.

    When writing (``close``'s ``write``), the store's close lock is held across all the dates
    (taken before the pack is read), and a date already closed with the same data,
    assumptions and edition is skipped (a ``Skipped`` in the list) unless ``rerun``.

    Parameters
    ----------
    data_dir : the data pack's folder.
    valuation_dates : dates (``YYYY-MM-DD`` or ``datetime.date``); a repeated date is closed once.
    rerun : close a date again even when its latest run used the same data and assumptions.
    wait : seconds to wait for another close of the same store; 0 fails at once (StoreError).
    listener : told of the waiting, the pack read, each stage, each date stored or skipped.
    **kwargs : passed to ``close`` (``assumptions``, ``store``, ``edition``, ``write``, ...).

    Returns
    -------
    One ``CloseResult`` or ``Skipped`` per distinct date, in date order. A date the close
    would refuse (input window, before the data, snapshot too old) is refused before any date
    is closed; when a later stage of a date fails, the error propagates and the dates before
    it are stored (``listener.stored`` said which).
    """
    listener = listener or CloseListener()
    data_dir = Path(data_dir)
    dates = _distinct_dates(valuation_dates)
    a = kwargs.pop("assumptions", "default")
    a = a if isinstance(a, AssumptionSet) else load_assumptions(a)
    write = kwargs.get("write", _CLOSE_WRITES)
    store = kwargs.pop("store", None)
    store = Path(store) if store is not None else data_dir / store_db.DEFAULT_NAME
    lock = contextlib.nullcontext()
    if write:
        store_db.check(store)
        lock = close_lock(store, wait=wait, on_wait=listener.waiting)
    user_progress = kwargs.pop("progress", None)
    out: list[CloseResult | Skipped] = []
    with lock:
        started = time.perf_counter()  # the first date's timings include the pack's reading
        pack = kwargs.pop("pack", None) or read_pack(data_dir, limits=a)
        _check_dates(pack, dates, a)
        listener.read(pack, dates)
        for i, d in enumerate(dates):
            def progress(stage: str, i=i, d=d) -> None:
                listener.stage(i, d, stage)
                if user_progress is not None:
                    user_progress(stage)

            try:
                r = close(data_dir, d, assumptions=a, store=store, pack=pack, rerun=rerun,
                          progress=progress, started=started if i == 0 else None, **kwargs)
            except AlreadyClosed as exc:
                skip = Skipped(exc.valuation_date, exc.run_id, str(exc))
                listener.skipped(i, skip)
                out.append(skip)
                continue
            listener.stored(i, r)
            out.append(r)
    return out


def _check_dates(pack: DataPack, dates, a: AssumptionSet) -> None:
    """Refuse, before any date is closed, a date the close would refuse on its own: outside
    the input window, before the data, or too long after the latest snapshot (InputError)."""
    months = int(a.setting("period", "months"))
    for d in dates:
        v = _valuation_day(d, a)
        _check_started(pack["policies"], v, months)
        _snapshot_notes(pack, v, a)


def _distinct_dates(valuation_dates) -> list:
    """The dates in date order, each once (a text the close will refuse kept, at the end)."""
    def key(d):
        try:
            return (0, day(d))
        except (ValueError, TypeError, OverflowError):
            return (1, str(d))

    seen: set = set()
    out = []
    for d in sorted(valuation_dates, key=key):
        if key(d) not in seen:
            seen.add(key(d))
            out.append(d)
    return out


def spot_upr(
    data_dir: Path | str,
    valuation_date: str | dt.date,
    *,
    assumptions: str | AssumptionSet = "default",
    basis: str | None = None,
    perspective: str | None = None,
    pack: DataPack | None = None,
) -> tuple[UprResult, tuple[tuple[str, ...], ...]]:
    """UPR per policy at a date (nothing stored), on the set's bases or one ``basis`` for all.

    Returns the result and, per product, the earning basis and its components. ``pack``: a
    pack already read (else its products and policies are read from ``data_dir``).
    """
    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    pack = pack or read_pack(Path(data_dir), tables=["products", "policies"], limits=a)
    v = _valuation_day(valuation_date, a)
    ps = period_start_of(v, int(a.setting("period", "months")))
    arrays = policy_arrays(pack["policies"], pack["products"], a, basis=basis,
                           perspective=perspective)
    return compute_upr(arrays, ps, v), arrays.earning.names
