"""A stress check of a stored close: scenarios, reverse stress and stochastic claims, stored.

Orchestration only (the formulas are in ``reserva.projection.stress``, ``reverse_stress`` and
``stochastic``): read the run's base position from the store (``load_stress_base``; the close is
not recomputed), read the scenarios (the assumption set's ``stress_scenarios.csv`` or a user's
file, every bad cell at once), run them all together, optionally search the reverse-stress
multipliers and simulate next-year claims, then store every scenario's metrics under the run,
in one transaction, with the lineage (scenario file and its sha256, each scenario's identity,
the assumption set and its hash).

Reverse stress (``reverse=True``). Targets: each distinct shock of the scenario file on its own
(the first row of each shock type, product kind, asset class and counterparty, as a one-row
scenario) and each combined scenario (two or more rows). For a target ``T`` and multiplier
``k``, ``scaled(T, k)`` scales every shock's size (``reserva.projection.stress.scaled``: ``k =
0`` is the base, ``k = 1`` the scenario as written). Three searches per target on ``[0,
[stress] reverse_high]`` within ``[stress] reverse_tolerance``
(``reserva.projection.reverse_stress``): the smallest ``k`` making the programme's 3-month
liquidity ratio (outflows only) fall below ``[stress] liquidity_threshold``, the same for its
3-month ratio with the inflows (late or missing premiums, recoveries and grants move only
this one), and the smallest making its solvency ratio fall below ``[stress]
solvency_threshold``; "not reached" when even ``reverse_high`` does not.

Stochastic claims (``simulations=N``). For each product whose kind has a mean claim amount in
``projection.csv`` (``severity``), the expected claim counts of the next 12 months are the
grid's expected claims occurred / that mean; ``reserva.projection.stochastic`` simulates them
(``[stochastic]`` settings, the seed given or the set's), the simulated claims replace the
expected ones and are paid by the settlement pattern. Per product and the programme: the
distribution of the 3- and 12-month outflows (mean, VaR and TVaR at ``[stochastic] level``) and
P(3-month liquidity ratio < threshold).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import ArgumentError, InputError
from reserva.io.assumptions import AssumptionSet, load_assumptions
from reserva.io.scenarios import FILE, Scenario, read_scenarios
from reserva.projection.grid import INFLOW
from reserva.projection.reverse_stress import ReverseStressResult, smallest_breaking_multiplier
from reserva.projection.stochastic import risk_measures, simulate_claims
from reserva.projection.stress import StressOptions, StressResult, run_stress, scaled
from reserva.projection.stress_base import StressBase
from reserva.store.stress import save_stress
from reserva.store.stress_base import load_stress_base
from reserva.vocab import PROGRAMME

__all__ = ["ReverseRow", "StochasticSummary", "StressCheck", "reverse_targets", "run_check",
           "stochastic_claims"]

# the programme's 3-month liquidity ratio (outflows only, the handbook's), its ratio with the
# inflows (so that late or missing premiums, recoveries and grants can break it) and solvency
REVERSE_METRICS = ("liquidity_ratio", "net_liquidity_ratio", "solvency_ratio")
REVERSE_POINTS = 15  # multipliers evaluated together per refinement step


@dataclass(frozen=True)
class ReverseRow:
    """The reverse-stress result of one target and metric (programme column)."""

    target: str  # a shock type, or a combined scenario's id
    kind: str  # shock_type | scenario
    metric: str  # liquidity_ratio | net_liquidity_ratio (3 months) | solvency_ratio
    threshold: float
    search: ReverseStressResult


@dataclass(frozen=True)
class StochasticSummary:
    """Simulated next-year claims: per column (products then the programme) and horizon."""

    columns: tuple[str, ...]
    simulated: tuple[str, ...]  # the products simulated (the others keep expected claims)
    simulations: int
    seed: int
    level: float
    horizons: tuple[int, ...]  # 3, 12
    mean_outflows: np.ndarray  # [column, horizon]
    var_outflows: np.ndarray
    tvar_outflows: np.ndarray
    p_below: np.ndarray  # [column]: P(3-month liquidity ratio < threshold)
    note: str

    def frame(self) -> pd.DataFrame:
        rows = []
        for c, col in enumerate(self.columns):
            for j, h in enumerate(self.horizons):
                for measure, arr in (("mean_outflows", self.mean_outflows),
                                     ("var_outflows", self.var_outflows),
                                     ("tvar_outflows", self.tvar_outflows)):
                    rows.append({"product_id": col, "measure": measure, "horizon_months": h,
                                 "value": float(arr[c, j])})
            rows.append({"product_id": col, "measure": "p_liquidity_below_threshold",
                         "horizon_months": 3, "value": float(self.p_below[c])})
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class StressCheck:
    """What a stress check computed and what it stored."""

    run_id: int | None
    result: StressResult
    reverse: tuple[ReverseRow, ...]
    stochastic: StochasticSummary | None
    scenarios_file: str
    file_hash: str
    assumption_set: str
    assumption_hash: str
    stored: tuple[str, ...] = ()  # the store's scenario names written
    notes: tuple[str, ...] = ()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def scenarios_of(a: AssumptionSet, path: str | Path | None) -> tuple[tuple[Scenario, ...], str, str]:
    """(scenarios, file label, sha256): the user's file, or the set's library."""
    if path is None:
        return a.stress_scenarios, f"{a.set_id}/{FILE}", a.file_hashes.get(FILE, "")
    p = Path(path)
    if not p.is_file():
        raise ArgumentError.bad(
            "--scenarios", str(path), f"a CSV file with the columns of {FILE}",
            summary=f"scenario file {path} not found; fix: give the path of a CSV with the "
                    f"columns of {FILE} (README \"Stress scenarios\")")
    scen = read_scenarios(p, product_kinds=None,
                          asset_classes=tuple(a.asset_map["asset_class"]))
    return scen, p.name, file_sha256(p)


def reverse_targets(scenarios: Sequence[Scenario]) -> list[tuple[str, str, Scenario]]:
    """(target, kind, scenario): each distinct shock of the file on its own (its first row of
    each shock type, product kind, asset class and counterparty: an equity haircut and a
    government bond haircut are two targets), then each combined scenario."""
    seen: dict[tuple, tuple[str, Scenario]] = {}
    combined = []
    for sc in scenarios:
        rows = [s for s in sc.shocks if s.shock_type != "none"]
        for sh in rows:
            key = (sh.shock_type, sh.product_kind, sh.asset_class, sh.counterparty)
            if key not in seen:
                label = " ".join(x for x in (sh.shock_type, sh.asset_class, sh.counterparty,
                                             "" if sh.product_kind == PROGRAMME
                                             else sh.product_kind) if x)
                seen[key] = (label, Scenario(sh.shock_type, label, sc.family, "reverse", (sh,)))
        if len(rows) > 1:
            combined.append(sc)
    return ([(label, "shock", s) for label, s in seen.values()]
            + [(s.scenario_id, "scenario", s) for s in combined])


def reverse_search(base: StressBase, targets, options: StressOptions, *, high: float,
                   tolerance: float, progress: Callable[[int, int], None] | None = None
                   ) -> tuple[ReverseRow, ...]:
    """The smallest breaking multiplier of every target for each of ``REVERSE_METRICS``."""
    out = []
    total = len(targets) * len(REVERSE_METRICS)
    done = 0
    thresholds = {"liquidity_ratio": options.liquidity_threshold,
                  "net_liquidity_ratio": options.liquidity_threshold,
                  "solvency_ratio": options.solvency_threshold}
    for target, kind, sc in targets:
        for metric in REVERSE_METRICS:
            def f(ks: np.ndarray, sc=sc, metric=metric) -> np.ndarray:
                r = run_stress(base, [scaled(sc, float(k)) for k in ks], options,
                               with_base=False)
                v = r.metric(metric, 3)[:, -1]
                # an undefined ratio (no needs, no liabilities) never breaks
                return np.where(np.isnan(v), np.finfo(float).max, v)

            res = smallest_breaking_multiplier(
                f, thresholds[metric], low=0.0, high=high, tolerance=tolerance,
                max_iterations=60, points=REVERSE_POINTS)
            out.append(ReverseRow(target, kind, metric, thresholds[metric], res))
            done += 1
            if progress is not None:
                progress(done, total)
    return tuple(out)


def stochastic_claims(base: StressBase, a: AssumptionSet, options: StressOptions, *,
                      simulations: int, seed: int) -> StochasticSummary:
    """Simulated next-year claims and the liquidity they leave (module docstring)."""
    st = a.settings.stochastic
    n = len(base.products)
    months = min(12, base.months)
    severity = np.array([a.projection(k).severity or 0.0 for k in base.kinds])
    use = severity > 0
    occ = base.claims_occurred[:n, :months]
    out_base = base.grid[:, ~INFLOW].sum(axis=1)[:, :max(months, 3)]
    horizons = tuple(h for h in (3, 12) if h <= months)
    sims_paid = np.zeros((simulations, n + 1, months))
    note = ""
    if use.any():
        idx = np.flatnonzero(use)
        counts = occ[idx] / severity[idx, None]
        sim = simulate_claims(counts, severity[idx], n_sims=simulations, seed=seed,
                              count_model=st.count_model, dispersion=st.dispersion,
                              severity_model=st.severity_model, severity_cv=st.severity_cv,
                              common_shock=st.common_shock_cv)
        for j, p in enumerate(idx):
            share = base.settlement[p]
            diff = sim[:, j, :] - occ[p][None, :]
            paid = np.zeros((simulations, months))
            for lag, x in enumerate(share):
                if x and lag < months:
                    paid[:, lag:] += x * diff[:, :months - lag]
            sims_paid[:, p] = paid
        sims_paid[:, n] = sims_paid[:, :n].sum(axis=1)
    skipped = [k for k, u in zip(base.kinds, use, strict=True) if not u]
    if skipped:
        note = ("expected claims kept (no mean claim amount in projection.csv severity) for: "
                + ", ".join(sorted(set(skipped))))
    outflows = out_base[None, :, :months] + sims_paid
    cum = np.cumsum(outflows, axis=2)[:, :, [h - 1 for h in horizons]]
    rm = risk_measures(cum, st.level)
    numerator = base.cash + (base.convertible if options.include_convertible else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio3 = numerator[None] / cum[:, :, horizons.index(3)]
    below = np.mean(ratio3 < options.liquidity_threshold, axis=0)
    below = np.where(base.allocated, below, np.nan)
    return StochasticSummary(base.columns, tuple(p for p, u in zip(base.products, use,
                                                                   strict=True) if u),
                             simulations, seed, st.level, horizons, cum.mean(axis=0),
                             rm.var, rm.tvar, below, note)


def run_check(base: StressBase, a: AssumptionSet, *, scenarios: str | Path | None = None,
              reverse: bool = False, simulations: int | None = None, seed: int | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> StressCheck:
    """Run the scenarios (and optionally reverse stress and stochastic claims) on ``base``.

    Parameters
    ----------
    base : StressBase
        The run's base position (``reserva.projection.stress_base.load_stress_base``).
    a : AssumptionSet
        The set whose ``[stress]`` settings, liquidity factors and (without ``scenarios``)
        scenario library are used.
    scenarios : path, optional
        A scenario file of the user's (the set's ``stress_scenarios.csv`` when None).
    reverse : bool
        Also search the reverse-stress multipliers.
    simulations, seed : int, optional
        Simulate next-year claims this many times (None: no simulation); the seed defaults to
        the set's ``[stochastic] seed``.
    progress : callable(stage, done, total), optional
    """
    options = StressOptions.from_set(a)
    scen, label, digest = scenarios_of(a, scenarios)

    def step(stage: str):
        return None if progress is None else (lambda d, t: progress(stage, d, t))

    try:
        result = run_stress(base, scen, options, progress=step("scenarios"))
    except InputError as exc:  # the kernel's bad cells name the library; name the file read
        if not any(c.file == FILE for c in exc.cells):
            raise
        raise InputError([dataclasses.replace(c, file=Path(label).name) if c.file == FILE
                          else c for c in exc.cells]) from None
    rev: tuple[ReverseRow, ...] = ()
    if reverse:
        rev = reverse_search(base, reverse_targets(scen), options,
                             high=a.settings.stress.reverse_high,
                             tolerance=a.settings.stress.reverse_tolerance,
                             progress=step("reverse stress"))
    sto = None
    if simulations is not None:
        if int(simulations) < 1:
            raise ArgumentError.bad("--simulations", simulations, "a whole number >= 1")
        sto = stochastic_claims(base, a, options, simulations=int(simulations),
                                seed=int(a.settings.stochastic.seed if seed is None else seed))
    return StressCheck(base.run_id, result, rev, sto, label, digest, a.set_id,
                       a.set_hash, notes=(*result.notes,
                                          *((sto.note,) if sto and sto.note else ())))


def stress(store: str | Path, run_id: int | None = None, *,
           assumptions: str | Path | AssumptionSet = "default",
           scenarios: str | Path | None = None, reverse: bool = False,
           simulations: int | None = None, seed: int | None = None, save: bool = True,
           progress: Callable[[str, int, int], None] | None = None) -> StressCheck:
    """Stress a stored close: its base position from the store, the scenarios run together,
    optionally reverse stress and stochastic claims; stored under the run unless ``save`` is
    False (``reserva stress``).

    Parameters
    ----------
    store : path
        The DuckDB store holding the run.
    run_id : int, optional
        The run (default: the latest completed run).
    assumptions : set id, folder or AssumptionSet
        The set of the ``[stress]`` settings, liquidity factors and scenario library.
    scenarios, reverse, simulations, seed, progress
        As in ``run_check``.
    save : bool
        Store the results under the run (one transaction; an identical check already stored
        is not stored twice).

    Raises
    ------
    InputError
        A bad scenario file (every bad cell at once).
    StoreError
        No such store or run, or the run predates the stress inputs.
    """
    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    base = load_stress_base(Path(store), run_id)
    check = run_check(base, a, scenarios=scenarios, reverse=reverse, simulations=simulations,
                      seed=seed, progress=progress)
    if not save:
        return check
    return save_stress(Path(store), check)
