"""A forward projection of a stored close: the business plan and its scenarios, period by
period, with management actions, stored with lineage (``reserva project``).

Orchestration only (the formulas are in ``reserva.projection.plan``): read the run's position
from the store (the stress base's tables and its statements, each read once; the close is not
recomputed), build the ``PlanBase`` on the assumption set, read the scenarios (the set's ``stress_scenarios.csv``
or a user's file; a scenario without shocks is the business plan; the plan ``base`` is always
projected first) and the management actions (the set's ``management_actions.csv`` or a user's
file, ``--no-actions`` for none), project them together, judge each scenario and store
everything under the run in one transaction.

Verdict per scenario, on the programme's figures of periods 1 .. T (the FCT's rule, with the
corrective management actions applied): severity ``base`` passes when the solvency ratio stays
at or above ``[forecast] internal_target`` in every period; ``going_concern`` when it stays at or
above ``regulatory_minimum``; ``solvency`` and ``severe`` when the admitted assets stay at or
above the liabilities (ratio >= 1); ``reverse`` scenarios are not judged (``n/a``). Per scenario
the first period of breach of each threshold (internal target, regulatory minimum, assets below
liabilities, 3-month liquidity below ``liquidity_threshold``) and the capital needed to restore
the internal target, ``max_t max(0, target x L_t - B01_t)``, are reported.

Back-test (``backtest``): a stored close projected under the plan, quarter by quarter, to the
valuation date of a later stored close, and compared with it per product and for the
programme: the written and earned premium, incurred and paid claims, operating expenses and net
income of the later close's period (the last projected quarters it covers), and its closing
UPR, IBNR, OCS, ALR and admitted assets.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import ArgumentError
from reserva.io.actions import Action, action_identity, read_actions
from reserva.io.assumptions import AssumptionSet, load_assumptions
from reserva.io.scenarios import Scenario
from reserva.projection.plan import ITEMS, IX, PlanOptions, PlanResult, run_plan
from reserva.projection.plan_base import PlanBase, plan_base
from reserva.store.plan import save_projection, values_frame
from reserva.store.runs import read_results
from reserva.store.stress_base import load_stress_tables, stress_base_from_tables
from reserva.stress_check import scenarios_of
from reserva.vocab import PROGRAMME

__all__ = ["BASE_SCENARIO", "Backtest", "Projection", "backtest", "breaches", "load_plan_base",
           "project", "run_projection", "verdicts"]

# the business plan: a scenario without shocks, always projected first
BASE_SCENARIO = Scenario("base", "business plan", "both", "base", ())
STATEMENT_CODES = ("P03", "P04", "P02", "P08", "P05", "P12", "P13", "P14", "P15", "P11", "P17",
                   "P18", "P19", "P20", "P21", "P16", "P28", "P35", "P37", "B01", "B02", "B03",
                   "B05", "B14", "B17", "B20", "B21", "B23", "B25", "B29")


@dataclass(frozen=True)
class Projection:
    """What a projection computed and what it stored."""

    run_id: int | None
    result: PlanResult
    scenarios: tuple[Scenario, ...]
    scenarios_file: str
    file_hash: str
    actions: tuple[Action, ...]
    actions_hash: str
    assumption_set: str
    assumption_hash: str
    verdicts: Mapping[str, str]
    breaches: pd.DataFrame  # one row per scenario (``breaches``)
    stored: tuple[str, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        return self.result.notes

    def table(self) -> pd.DataFrame:
        """The compact table: scenario x period of the programme (net income, surplus,
        solvency and liquidity ratios, breach marks)."""
        r = self.result
        opt = r.options
        rows = []
        for s, sid in enumerate(r.scenario_ids):
            for t in range(r.values.shape[2]):
                v = r.values[s, -1, t]
                solv, liq = v[IX["solvency_ratio"]], v[IX["liquidity_ratio"]]
                marks = "".join((
                    "T" if solv < opt.internal_target else "",
                    "M" if solv < opt.regulatory_minimum else "",
                    "L" if liq < opt.liquidity_threshold else ""))
                rows.append({"scenario": sid, "period": t, "net_income": v[IX["P28"]],
                             "surplus": v[IX["surplus"]], "capital": v[IX["capital"]],
                             "solvency_ratio": solv, "liquidity_ratio": liq,
                             "injections": v[IX["injections"]], "breaches": marks})
        return pd.DataFrame(rows)

    def frame(self) -> pd.DataFrame:
        """Every item as long rows: scenario_id, product_id, period, item, value."""
        return values_frame(self.result)

    def statements(self, scenario: str, column: str = PROGRAMME) -> pd.DataFrame:
        """One scenario's statements, reserves and ratios by period (items x periods)."""
        r = self.result
        try:
            s = r.scenario_ids.index(scenario)
        except ValueError:
            raise ArgumentError.bad("--statements", scenario, "a scenario of this projection: "
                                    + ", ".join(r.scenario_ids)) from None
        c = r.columns.index(column)
        return pd.DataFrame(r.values[s, c].T, index=list(ITEMS),
                            columns=[f"t{t}" for t in range(r.values.shape[2])])


def breaches(result: PlanResult) -> pd.DataFrame:
    """Per scenario (programme): the first period of breach of each threshold (None: never),
    the lowest solvency and liquidity ratios and the capital needed to restore the internal
    target (module docstring)."""
    opt = result.options
    solv = result.item("solvency_ratio")[:, -1, 1:]
    liq = result.item("liquidity_ratio")[:, -1, 1:]
    b01 = result.item("B01")[:, -1, 1:]
    li = result.item("liabilities")[:, -1, 1:]

    def first(mask: np.ndarray) -> list:
        return [int(np.argmax(m)) + 1 if m.any() else None for m in mask]

    with np.errstate(invalid="ignore"):
        need = np.maximum(opt.internal_target * li - b01, 0.0)
        return pd.DataFrame({
            "scenario": result.scenario_ids, "severity": result.severities,
            "first_below_target": first(solv < opt.internal_target),
            "first_below_minimum": first(solv < opt.regulatory_minimum),
            "first_assets_below_liabilities": first(b01 < li),
            "first_liquidity_breach": first(liq < opt.liquidity_threshold),
            "min_solvency_ratio": np.nanmin(solv, axis=1) if solv.shape[1] else np.nan,
            "min_liquidity_ratio": (np.nanmin(np.where(np.isnan(liq), np.inf, liq), axis=1)
                                    if liq.shape[1] else np.nan),
            "capital_needed": need.max(axis=1) if need.shape[1] else 0.0,
        })


def verdicts(result: PlanResult) -> dict[str, str]:
    """The FCT-style verdict of each scenario (module docstring): pass | fail | n/a."""
    b = breaches(result)
    out = {}
    for row in b.itertuples(index=False):
        if row.severity == "base":
            bad = row.first_below_target
        elif row.severity == "going_concern":
            bad = row.first_below_minimum
        elif row.severity in ("solvency", "severe"):
            bad = row.first_assets_below_liabilities
        else:
            out[row.scenario] = "n/a"
            continue
        out[row.scenario] = "pass" if bad is None or pd.isna(bad) else "fail"
    return out


def load_plan_base(store: str | Path, run_id: int | None, a: AssumptionSet) -> PlanBase:
    """The projection's base of a stored close (its stress base and statements)."""
    rid, tables = load_stress_tables(store, run_id)  # each table read once
    try:
        sb = stress_base_from_tables(tables, rid)
    except ArgumentError as exc:  # said for a stress check: say it for a projection
        raise ArgumentError.bad(
            "run", run_id, "a run whose close kept what a projection reads",
            summary=exc.summary.replace("a stress check cannot", "a projection cannot")
            .replace("and check the new run", "and project the new run")) from None
    st = tables["statements"]
    columns = [*sb.products, PROGRAMME]
    lines = {}
    for code in STATEMENT_CODES:
        rows = st[st["code"] == code]
        lines[code] = (rows.groupby("product_id")["value"].sum().reindex(columns)
                       .fillna(0.0).to_numpy(np.float64))
    sp = tables["stress_products"]
    return plan_base(sb, lines, a, int(sp["period_months"].iloc[0]))


def _actions_of(a: AssumptionSet, path: str | Path | None, use: bool
                ) -> tuple[tuple[Action, ...], str]:
    if not use:
        return (), hashlib.sha256(b"[]").hexdigest()
    if path is None:
        acts = a.management_actions
    else:
        p = Path(path)
        if not p.is_file():
            raise ArgumentError.bad(
                "--actions", str(path), "a CSV file with the columns of management_actions.csv",
                summary=f"action file {path} not found; fix: give the path of a CSV with the "
                        "columns of management_actions.csv (README \"Management actions\")")
        acts = read_actions(p, product_kinds=tuple(a.reserving))
    ident = json.dumps(sorted(action_identity(x) for x in acts))
    return tuple(acts), hashlib.sha256(ident.encode()).hexdigest()


def run_projection(base: PlanBase, a: AssumptionSet, *, years: int | None = None,
                   period: str | None = None, scenarios: str | Path | None = None,
                   actions: str | Path | None = None, use_actions: bool = True,
                   progress: Callable[[int], None] | None = None) -> Projection:
    """Project ``base`` under the plan and the scenarios (module docstring), not stored."""
    pm = {None: None, "quarter": 3, "year": 12}.get(period, -1)
    if pm == -1:
        raise ArgumentError.bad("--period", period, "quarter or year")
    opt = PlanOptions.from_set(a, years=years, period_months=pm)
    scen, label, fhash = scenarios_of(a, scenarios)
    scen = tuple(s for s in scen if s.scenario_id != BASE_SCENARIO.scenario_id)
    scen = (BASE_SCENARIO, *scen)
    acts, ahash = _actions_of(a, actions, use_actions)
    result = run_plan(base, scen, acts, opt, progress=progress)
    return Projection(
        run_id=base.run_id, result=result, scenarios=scen, scenarios_file=label,
        file_hash=fhash, actions=acts, actions_hash=ahash, assumption_set=a.set_id,
        assumption_hash=a.set_hash, verdicts=verdicts(result), breaches=breaches(result))


def project(store: str | Path, run_id: int | None = None, *,
            assumptions: str | Path | AssumptionSet = "default", years: int | None = None,
            period: str | None = None, scenarios: str | Path | None = None,
            actions: str | Path | None = None, use_actions: bool = True, save: bool = True,
            statements: str | None = None,
            progress: Callable[[int], None] | None = None) -> Projection:
    """Project a stored close forward (``reserva project``); stored under the run unless
    ``save`` is False.

    Parameters
    ----------
    store : path
        The DuckDB store holding the run.
    run_id : int, optional
        The run (default: the latest completed run).
    assumptions : set id, folder or AssumptionSet
        The set of the plan (plan.csv, new_business.csv, asset_yields.csv, projection.csv),
        the ``[forecast]`` settings, the scenario and action libraries.
    years, period : optional
        1 .. 10 years (default ``[forecast] years``; 0 = the close only), ``quarter`` or
        ``year`` (default ``[forecast] period_months``).
    scenarios, actions : path, optional
        A user's scenario file (columns of stress_scenarios.csv) or action file (columns of
        management_actions.csv); default: the set's.
    use_actions : bool
        False: no management action.
    statements : str, optional
        A scenario whose statements will be shown: refused before anything is stored when the
        projection has no such scenario.

    Raises
    ------
    ArgumentError
        A bad option, a missing file, or a run stored before the close kept what a projection
        reads.
    InputError
        A bad scenario or action file (every bad cell at once).
    StoreError
        No such store or run.
    """
    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    base = load_plan_base(store, run_id, a)
    run = run_projection(base, a, years=years, period=period, scenarios=scenarios,
                         actions=actions, use_actions=use_actions, progress=progress)
    if statements is not None:
        run.statements(statements)
    return save_projection(Path(store), run) if save else run


# ---------------------------------------------------------------------------------------------
# back-test: a stored close projected to the date of a later stored close, compared with it

# the figures compared: the flows of the later close's period, its closing balances
BACKTEST_FLOWS = ("P03", "P02", "P11", "P12", "P16", "P28")
BACKTEST_BALANCES = ("B14", "B17", "B20", "B23", "B01")


@dataclass(frozen=True)
class Backtest:
    """A projection of run ``from_run`` to the valuation date of ``to_run`` beside that close:
    ``frame`` has one row per product (and ``ALL``) and item (``BACKTEST_FLOWS`` over the later
    close's period, ``BACKTEST_BALANCES`` at its date): projected, actual, difference (actual -
    projected) and relative difference (difference / |projected|, NaN when that is 0)."""

    from_run: int
    to_run: int
    from_date: str
    to_date: str
    months: int
    period_months: int  # the later close's period: the projected quarters summed
    frame: pd.DataFrame
    assumption_set: str


def _run_dates(store: Path, *runs: int) -> dict[int, tuple[str, str]]:
    from reserva.store.runs import list_runs

    listed = list_runs(store).set_index("run_id")
    out = {}
    for r in runs:
        if r not in listed.index:
            raise ArgumentError.bad("run", r, "a run of the store: " + ", ".join(
                str(i) for i in listed.index))
        out[r] = (str(listed.loc[r, "period_start"]), str(listed.loc[r, "valuation_date"]))
    return out


def backtest(store: str | Path, from_run: int, to_run: int, *,
             assumptions: str | Path | AssumptionSet = "default",
             use_actions: bool = False) -> Backtest:
    """Project the close of ``from_run`` forward, quarter by quarter, to the valuation date of
    ``to_run`` under the plan (no scenario; management actions only with ``use_actions``) and
    compare it with that close (``reserva project --backtest``).

    The months between the two valuation dates must be a whole number of quarters (3 to 120);
    the later close's period (its ``period_start`` .. valuation date, a whole number of
    quarters) sets how many of the last projected quarters are summed for the flows.

    Raises
    ------
    ArgumentError
        A run not in the store, runs in the wrong order or months that are not whole quarters.
    """
    import datetime as dt

    from reserva.calendar import whole_months

    store = Path(store)
    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    dates = _run_dates(store, from_run, to_run)
    (_ps_a, va), (ps_b, vb) = dates[from_run], dates[to_run]

    def day(text: str) -> int:
        return (dt.date.fromisoformat(text[:10]) - dt.date(1970, 1, 1)).days

    months = int(whole_months(day(va) + 1, day(vb) + 1))
    if day(vb) <= day(va):
        raise ArgumentError.bad(
            "--to-run", to_run, f"a close after run {from_run}'s valuation date {va[:10]}",
            summary=f"run {to_run} ({vb[:10]}) is not after run {from_run} ({va[:10]}); fix: "
                    "--from-run the earlier close, --to-run the later one")
    if months % 3 or not 3 <= months <= 120:
        raise ArgumentError.bad(
            "--to-run", to_run, "a later close, a whole number of quarters (3 to 120 months) "
            f"after run {from_run}'s valuation date {va[:10]}",
            summary=f"run {to_run} ({vb[:10]}) is not a whole number of quarters after run "
                    f"{from_run} ({va[:10]}); fix: back-test runs 3, 6, ... months apart")
    period = int(whole_months(day(ps_b) + 1, day(vb) + 1))  # the period is (ps, v]
    if period % 3 or not 3 <= period <= months:
        raise ArgumentError.bad("--to-run", to_run, "a close whose period is whole quarters "
                                f"within the {months} months back-tested")
    base = load_plan_base(store, from_run, a)
    opt = dataclasses.replace(PlanOptions.from_set(a, years=1, period_months=3),
                              periods=months // 3)
    acts = a.management_actions if use_actions else ()
    result = run_plan(base, (BASE_SCENARIO,), acts, opt)
    _rid, st = read_results(store, "statements", to_run)
    actual = st.set_index(["code", "product_id"])["value"]
    k = period // 3
    rows = []
    for c, col in enumerate(result.columns):
        v = result.values[0, c]
        for item in (*BACKTEST_FLOWS, *BACKTEST_BALANCES):
            proj = (v[-k:, IX[item]].sum() if item in BACKTEST_FLOWS else v[-1, IX[item]])
            act = float(actual.get((item, col), np.nan))
            diff = act - proj
            rows.append({"product_id": col, "item": item, "projected": float(proj),
                         "actual": act, "difference": diff,
                         "relative": diff / abs(proj) if proj != 0 else np.nan})
    return Backtest(from_run, to_run, va[:10], vb[:10], months, period, pd.DataFrame(rows),
                    a.set_id)
