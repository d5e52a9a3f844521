"""The period-end close: data pack -> stages -> one stored run (orchestration only).

::

    read: the pack (read, validated), the valuation date checked, the opening loaded once
      -> upr          reserva.reserves.upr             UPR per policy
      -> claims       reserva.reserves.claims.stage    OCS, paid, IBNR and its analysis of
                                                       change, unpaid cashflows, triangles
      -> accrued      reserva.reserves.accrued.alr     ALR per account and contract
      -> projection   reserva.projection.business      the cashflow grid of the business in force
      -> statements   reserva.statements.mapping       P- and B-lines -> income, balance sheet
      -> liquidity    reserva.projection.liquidity_stage, alm   liquidity table, ALM report
                      reserva.projection.stress_base            what a stress check reads
      -> kpi          reserva.kpi.assemble             the indicators
      -> assemble     reserva.store.results            the result tables
      -> store        reserva.store.runs               one transaction

Everything is computed in memory first; the run and all its results are then written to the
store in one transaction, so a failure at any stage leaves the store exactly as it was. Each
stage's time is recorded under its name (``read`` includes reading and validating the pack).

Opening reserves come from the latest completed run valued at the period start in the store,
the ``opening_balances`` table of the data pack, or, failing both, the reserves recomputed at
the period start by the stages (``reserva.store.opening``; ``opening_source`` records which).
Several dates in one call, the pack read once: ``reserva.batch.close_many``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

import reserva
from reserva.errors import AlreadyClosed, ArgumentError, ComputationError, EngineError
from reserva.finite import finite_lines, finite_records
from reserva.io.arrays import codes, to_date
from reserva.io.assumptions import AssumptionSet, load_assumptions
from reserva.io.bundles import Inputs, bundle
from reserva.io.readers import DataPack, read_pack
from reserva.kpi.assemble import KpiInputs, kpi_results
from reserva.period import check_started, first_day, period_start_of, snapshot_notes, valuation_day
from reserva.projection.alm import AlmReport, alm_report
from reserva.projection.business import project_business
from reserva.projection.grid import CashflowGrid
from reserva.projection.liquidity_stage import liquidity_stage
from reserva.projection.liquidity_table import kpi_rows
from reserva.projection.stress_base import StressInputs, stress_base_from_close, stress_inputs
from reserva.reserves.accrued.alr import AlrResult, compute_alr
from reserva.reserves.claims.cashflows import UnpaidCashflows
from reserva.reserves.claims.change import IbnrChange
from reserva.reserves.claims.ibnr import IbnrResult
from reserva.reserves.claims.stage import ClaimsStage, claim_arrays, claims_stage
from reserva.reserves.totals import Reserves
from reserva.reserves.upr.upr import UprResult, compute_upr, policy_arrays
from reserva.statements import Statement
from reserva.statements.balance import balance_sheet
from reserva.statements.income import income_statement
from reserva.statements.mapping import balance_lines, income_lines, ledger_lines
from reserva.store import db as store_db
from reserva.store import runs as store_runs
from reserva.store.lock import close_lock
from reserva.store.opening import Opening, load_opening
from reserva.store.results import results_tables
from reserva.store.stress import save_stress
from reserva.stress_check import run_check
from reserva.vocab import PROGRAMME

__all__ = ["CloseResult", "Reserves", "check_date", "close", "period_start_of", "spot_upr"]
# several dates in one call: reserva.batch (close_many), which calls this module's close

# the stages, in order, whose unexpected failures become a ComputationError (exit 4)
COMPUTATION_STAGES = ("upr", "claims", "accrued", "projection", "statements", "liquidity", "kpi")
# A test hook: the name of a stage after which every close raises a ComputationError (the
# tests set it with monkeypatch to prove that a failure stores nothing); None otherwise.
FAIL_AFTER: str | None = None


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
    stress_inputs: StressInputs  # what a stress check reads besides the tables above
    timings: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class _Clock:
    """Stage timings from ``started`` (a ``time.perf_counter()`` value; default: now), and the
    last stage done (to name the stage that fails)."""

    def __init__(self, progress: Callable[[str], None] | None, started: float | None = None):
        self.timings: dict[str, float] = {}
        self.done = ""
        self._t = time.perf_counter() if started is None else started
        self._start = self._t
        self._progress = progress

    def lap(self, stage: str) -> None:
        """``stage`` is done: record its time, tell the progress callback."""
        now = time.perf_counter()
        self.timings[stage] = round(now - self._t, 4)
        self._t = now
        self.done = stage
        if self._progress:
            self._progress(stage)
        if FAIL_AFTER == stage:
            raise ComputationError(f"stage {stage} failed on purpose (test)")

    def total(self) -> float:
        return round(time.perf_counter() - self._start, 4)

    def failing_stage(self) -> str | None:
        """The computation stage after the last one done (None outside the computation:
        reading the pack, assembling and storing the results)."""
        if self.done == "read":
            return COMPUTATION_STAGES[0]
        if self.done in COMPUTATION_STAGES[:-1]:
            return COMPUTATION_STAGES[COMPUTATION_STAGES.index(self.done) + 1]
        return None


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
    rerun: bool = False,
    wait: float = 0.0,
    started: float | None = None,
) -> CloseResult:
    """Close one period ending at ``valuation_date`` and store it (when ``write``).

    When writing, the store is checked, then its close lock is taken before the pack is read
    and held until the run is stored: another close on the same store waits up to ``wait``
    seconds, else StoreError (exit 3). A date whose latest completed run used the same input
    files, assumption set and edition raises ``AlreadyClosed`` (nothing stored) unless
    ``rerun``.

    Any valuation date from the first policy start on closes (the first quarter, a period
    without claims, a product without business); a date before the data, outside the input
    window or too long after the latest asset/liability snapshot is refused (InputError, exit
    2). An unexpected failure of a stage, or a result that is not finite, is a ComputationError
    (exit 4) naming the valuation date and the stage (and the product, policy or claim);
    errors the engine raises on purpose pass unchanged, and with ``RESERVA_DEBUG`` set the
    original exception is raised, for its traceback. Triangles start at most
    ``[ibnr] max_origin_years`` before the valuation date.

    ``pack``: the pack already read (else read from ``data_dir``). ``started``: the
    ``time.perf_counter()`` at which this run's work began, when the pack was read before the
    call (``reserva.batch.close_many`` passes it to the first date, so that its ``read`` and
    ``total`` timings include reading and validating the pack).
    """
    data_dir = Path(data_dir)
    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    store = Path(store) if store is not None else data_dir / store_db.DEFAULT_NAME
    lock = contextlib.nullcontext()
    if write:
        store_db.check(store)
        lock = close_lock(store, wait=float(wait))
    with lock:
        clock = _Clock(progress, started)
        try:
            return _close(clock, data_dir, valuation_date, a, store, edition=edition, pack=pack,
                          write=write, rerun=rerun)
        except EngineError:
            raise
        except Exception as exc:
            stage = clock.failing_stage()
            if stage is None or os.environ.get("RESERVA_DEBUG"):
                raise
            what = ("ran out of memory" if isinstance(exc, MemoryError)
                    else f"failed: {type(exc).__name__}: {exc}")
            raise ComputationError(
                f"close of {valuation_date}: stage {stage} {what}; nothing was stored (fix: "
                "check the pack with `reserva validate`; if it is valid, report this defect "
                "with the traceback shown by RESERVA_DEBUG=1)"
            ) from exc


def _close(clock: _Clock, data_dir: Path, valuation_date, a: AssumptionSet, store: Path, *,
           edition: int | None, pack: DataPack | None, write: bool, rerun: bool) -> CloseResult:
    """The close's stages in order (``close``), under the store's lock when writing."""
    edition = int(a.settings.kpi.default_edition if edition is None else edition)
    if edition not in (1, 2):
        raise ArgumentError.bad("edition", edition, "1 or 2",
                                summary=f"edition {edition} unknown; expected 1 or 2")
    pack = pack or read_pack(data_dir, limits=a)
    inputs = bundle(pack)  # the pack as typed arrays, built once per pack
    v = valuation_day(valuation_date, a)
    if write and not rerun:  # under the close lock: no other close can land now
        done = store_runs.same_run(store, to_date(v), pack.file_hashes, a.set_hash, edition)
        if done is not None:
            raise AlreadyClosed(to_date(v), done)
    months = a.settings.period.months
    ps = period_start_of(v, months)
    products, kinds = inputs.products.product_id, inputs.products.kinds
    snapshots = check_date(inputs, v, a)
    first = first_day(inputs.policies.start_date, v, a)
    opening = load_opening(store, inputs.opening_balances, products, ps, a)
    clock.lap("read")

    parr = policy_arrays(inputs.policies, inputs.products, a)
    upr = compute_upr(parr, ps, v)
    finite_records("upr", upr.upr + upr.upr_opening + upr.written + upr.cancelled + upr.earned,
                   upr.product, products, upr.policy_id, "policy")
    upr_by = upr.by_product()
    clock.lap("upr")

    claims = claims_stage(
        claim_arrays(inputs.claims, inputs.claim_payments if inputs.has("claim_payments")
                     else None, kinds, a),
        products, kinds, a, ps, v, first, parr,
        prior_ibnr=opening.ibnr_origin, prior_set=opening.prior_set,
        prior_set_note=opening.prior_set_note,
        prior_policies=lambda prior: policy_arrays(inputs.policies, inputs.products, prior))
    clock.lap("claims")

    alr = compute_alr(inputs, products, kinds, a, v)
    if len(alr.detail):
        finite_records("accrued", alr.detail["reserve"].to_numpy(np.float64),
                       codes(alr.detail["product_id"], categories=products)[0], products,
                       alr.detail["policy_id"].to_numpy(), "policy or account")
    finite_lines("accrued", {"the ALR": alr.alr}, products)
    alr_opening = compute_alr(inputs, products, kinds, a, ps).alr if opening.recomputed else None
    clock.lap("accrued")

    grid = project_business(
        inputs, products, kinds, a, v, policies=parr,
        unpaid=claims.cashflows.amount, ocs=claims.ocs, savings_balance=alr.savings,
        horizon_months=a.settings.cashflows.horizon_months,
        life_premium=alr.life_premium,
    )
    finite_lines("projection", {"the cashflow grid": grid.amount}, products)
    clock.lap("projection")

    closing = Reserves(upr_by["upr"].to_numpy(), claims.ibnr.ibnr, claims.ocs, alr.alr)
    start_reserves = opening.reserves if not opening.recomputed else Reserves(
        upr_by["upr_opening"].to_numpy(), claims.ibnr_opening.ibnr, claims.ocs_opening,
        alr_opening)
    columns = (*products, PROGRAMME)
    income = income_statement(income_lines(
        ledger_lines(inputs.ledger, products, a, ps, v), upr_by["written"].to_numpy(),
        upr_by["cancelled"].to_numpy(), claims.paid, start_reserves, closing), columns)
    assets = balance_lines(inputs.assets, inputs.liabilities, products, a, v, closing,
                           income["P37"])
    balance = balance_sheet(assets.lines, columns)
    finite_lines("statements", {
        f"{name} line {code}": st[code]
        for name, st in (("income", income), ("balance", balance)) for code in st.codes
    }, columns)
    clock.lap("statements")

    liq = liquidity_stage(claims.claims, grid, balance, income, assets, a, v, months, columns)
    alm = alm_report(grid, inputs.assets, a, assets.allocated, PROGRAMME)
    stress = stress_inputs(inputs, a, ps, v, period_months=months, horizon_months=grid.months,
                           policies=parr)
    clock.lap("liquidity")

    kpi = kpi_results(KpiInputs(
        inputs=inputs, assumptions=a, edition=edition, products=products, kinds=kinds,
        participation=inputs.products.participation.text(),
        period_start_day=ps, valuation_day=v, period_months=months,
        income=income, balance=balance, closing=closing,
        assets_allocated=assets.allocated,
        liquidity=kpi_rows(liq),
    ))
    clock.lap("kpi")

    notes = _notes(claims, products) + kpi.warnings + pack.warning_notes + snapshots + tuple(
        x for x in (claims.left_out_note, claims.change_note) if x) + opening.notes()
    result = CloseResult(
        run_id=None, store=store if write else None, valuation_date=to_date(v),
        period_start=to_date(ps), products=tuple(products), opening=start_reserves,
        closing=closing, opening_source=opening.source, upr=upr, ibnr=claims.ibnr,
        cashflows=claims.cashflows, ibnr_change=claims.change, triangles=dict(claims.triangles),
        ibnr_distribution=claims.distribution, alr=alr, income=income, balance=balance,
        kpis=kpi.table, kpi_pending=kpi.pending, grid=grid, liquidity=liq, alm=alm,
        stress_inputs=stress, timings=clock.timings, notes=notes,
    )
    if not write:
        return CloseResult(**{**result.__dict__, "timings": {**clock.timings,
                                                              "total": clock.total()}})
    return _store(clock, result, store, data_dir, pack, a, edition, opening)


def _store(clock: _Clock, result: CloseResult, store: Path, data_dir: Path, pack: DataPack,
           a: AssumptionSet, edition: int, opening: Opening) -> CloseResult:
    """Write the run and its result tables in one transaction; the result with its run id.

    With ``[stress] at_close``, the set's stress scenarios are run on the close's base before
    anything is written (a failing check writes nothing) and stored under the new run just
    after it (``reserva.store.stress.save_stress``)."""
    check = None
    if a.settings.stress.at_close:
        check = run_check(stress_base_from_close(result), a)
    tables = results_tables(result)
    clock.lap("assemble")
    timings = dict(clock.timings)
    timings["total"] = clock.total()
    record = store_runs.RunRecord(
        valuation_date=result.valuation_date, period_start=result.period_start, edition=edition,
        assumption_set=a.set_id, assumption_hash=a.set_hash, data_dir=str(data_dir.resolve()),
        input_hashes=dict(pack.file_hashes), engine_version=reserva.__version__,
        opening_source=opening.source, opening_run_id=opening.run_id, timings=timings,
        notes=result.notes, assumption_parent_hash=a.parent_hash,
        assumption_overrides=a.overrides,
    )
    run_id = store_runs.save_run(store, record, tables)
    if check is not None:
        save_stress(store, replace(check, run_id=run_id))
    clock.lap("store")
    timings["store"] = clock.timings["store"]
    timings["total"] = clock.total()
    return CloseResult(**{**result.__dict__, "run_id": run_id, "timings": timings})


def _notes(claims: ClaimsStage, products) -> tuple[str, ...]:
    """The IBNR's notes and the triangles to review, by product."""
    ibnr = claims.ibnr
    return tuple(
        f"{p}: {ibnr.note[i]}" for i, p in enumerate(products) if ibnr.note[i]
    ) + tuple(
        f"{p}: IBNR triangle to review: {ibnr.warnings[i]}"
        for i, p in enumerate(products) if ibnr.warnings[i]
    )


def check_date(inputs: Inputs, v: int, a: AssumptionSet) -> tuple[str, ...]:
    """Refuse a valuation day before the first policy start or too long after the latest
    asset or liability snapshot (InputError, exit 2); the notes on snapshots older than it."""
    check_started(inputs.policies.start_date, inputs.policies.policy_id, v,
                  a.settings.period.months)
    return snapshot_notes(
        {"assets": inputs.assets.as_of_date, "liabilities": inputs.liabilities.as_of_date}, v, a)


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
    v = valuation_day(valuation_date, a)
    ps = period_start_of(v, a.settings.period.months)
    inputs = bundle(pack)
    arrays = policy_arrays(inputs.policies, inputs.products, a, basis=basis,
                           perspective=perspective)
    return compute_upr(arrays, ps, v), arrays.earning.names
