"""A social health budget run: a budget set, its scenarios, all projected at once, stored with
lineage (``reserva budget``).

Orchestration only (the formulas are in ``reserva.budget.model``): read the budget set
(``reserva.budget.inputs``, every bad cell at once), read the scenarios (a file given, else the
set's own ``budget_scenarios.csv`` when it has one; the base ``I`` without paths is always
projected first), apply them (``reserva.budget.scenarios``), project every scenario and year
together, and store the run in the store's budget tables in one transaction with its lineage:
the set and its hash, the scenario file and its sha256, each scenario's identity, the engine
version.

The tables the command prints are the seed's (spec §5.9): the base scenario's income and
expenditure statement by year (TV-I1), total cost as % of the wage bill by scenario and year
(TV-I2) and the per-capita annual cost per protected person by scenario and year (TV-I3).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.budget.inputs import BudgetSet, load_budget_set
from reserva.budget.model import ITEMS, BudgetResult, general_average_premium, project_budget
from reserva.budget.scenarios import FILE, BudgetScenario, apply_scenarios, read_scenarios
from reserva.errors import ArgumentError, BadCell, InputError

__all__ = ["BASE", "STATEMENT", "BudgetRun", "budget", "run_budget"]

BASE = BudgetScenario("base", "base: no change", ())
# the rows of the income and expenditure statement (TV-I1), in the seed's order
STATEMENT = ("income", "contributions", "investment", "other_income", "expenses",
             "health_care", "cash_benefits", "administration", "pensions", "operating_result",
             "capital", "global_expenditure", "economic_result", "wage_bill",
             "operating_result_ratio", "expenditure_income_ratio", "health_care_cost",
             "cash_benefit_cost", "administration_cost", "pension_cost", "total_cost",
             "reserve", "reserve_ratio", "protected", "per_capita_cost")
RATIOS = ("operating_result_ratio", "expenditure_income_ratio", "health_care_cost",
          "cash_benefit_cost", "administration_cost", "pension_cost", "total_cost")


@dataclass(frozen=True)
class BudgetRun:
    """What a budget run computed (and, once stored, its id)."""

    budget_set: BudgetSet
    scenarios: tuple[BudgetScenario, ...]
    scenarios_file: str
    file_hash: str
    result: BudgetResult
    general_average_premium: np.ndarray  # [scenario]: the premium balancing the reserve to 0
    scaled_premium: np.ndarray  # [scenario]: ... to the set's reserve_target years of outgo
    budget_id: int | None = None

    @property
    def scenario_ids(self) -> tuple[str, ...]:
        return tuple(s.scenario_id for s in self.scenarios)

    def frame(self) -> pd.DataFrame:
        """Every item as long rows: scenario_id, year, item, value."""
        v = self.result.values
        k, y, n = v.shape
        return pd.DataFrame({
            "scenario_id": np.repeat(np.asarray(self.scenario_ids, dtype=object), y * n),
            "year": np.tile(np.repeat(self.result.years.astype(np.int32), n), k),
            "item": np.tile(np.asarray(ITEMS, dtype=object), k * y),
            "value": v.ravel()})

    def statement(self, scenario: str = "base", years: tuple[int, int] | None = None
                  ) -> pd.DataFrame:
        """The income and expenditure statement of one scenario: items x years."""
        k = self.scenario_ids.index(scenario)
        cols = self._years(years)
        r = self.result
        data = {str(yr): [r.item(item)[k, i] for item in STATEMENT] for i, yr in cols}
        return pd.DataFrame(data, index=list(STATEMENT))

    def by_scenario(self, item: str, years: tuple[int, int] | None = None) -> pd.DataFrame:
        """One item: scenarios x years."""
        cols = self._years(years)
        v = self.result.item(item)
        return pd.DataFrame({str(yr): v[:, i] for i, yr in cols},
                            index=list(self.scenario_ids))

    def _years(self, years: tuple[int, int] | None) -> list[tuple[int, int]]:
        ys = [int(y) for y in self.result.years]
        if years is None:
            return list(enumerate(ys))
        lo, hi = years
        keep = [(i, y) for i, y in enumerate(ys) if lo <= y <= hi]
        if not keep:
            raise ArgumentError.bad("--years", f"{lo}-{hi}", f"years within {ys[0]}-{ys[-1]}")
        return keep


def _scenarios_of(bs: BudgetSet, path: str | Path | None
                  ) -> tuple[tuple[BudgetScenario, ...], str, str]:
    """(scenarios with the base first, file label, sha256)."""
    x = bs.inputs
    if path is None:
        own = bs.path / FILE
        if not own.is_file():
            return (BASE,), "", ""
        p, label = own, f"{bs.set_id}/{FILE}"
    else:
        p = Path(path)
        if p.is_dir():
            raise ArgumentError.bad(
                "--scenarios", str(path), f"a CSV file with the columns of {FILE}",
                summary=f"scenario file {path} is a folder; fix: give the path of the CSV "
                        f"file itself (the columns of {FILE})")
        if not p.is_file():
            raise ArgumentError.bad(
                "--scenarios", str(path), f"a CSV file with the columns of {FILE}",
                summary=f"scenario file {path} not found; fix: give the path of a CSV with the "
                        f"columns of {FILE} (README \"Social health budget\")")
        label = p.name
    scen = read_scenarios(p, services=x.services, categories=x.categories)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    own_base = next((s for s in scen if s.scenario_id == BASE.scenario_id), None)
    if own_base is not None and own_base.all_paths:
        line = own_base.all_paths[0].line
        raise InputError([BadCell(p.name, line or None, "scenario_id", "base",
                                  "an id other than base, the scenario without change",
                                  "name the scenario otherwise: base is always projected "
                                  "first, unchanged")])
    rest = tuple(s for s in scen if s.scenario_id != BASE.scenario_id)
    return (own_base or BASE, *rest), label, digest


def run_budget(bs: BudgetSet, scenarios: str | Path | None = None) -> BudgetRun:
    """Project a budget set under its scenarios (module docstring); nothing stored."""
    scen, label, digest = _scenarios_of(bs, scenarios)
    x = apply_scenarios(bs.inputs, scen, age_bands=bs.age_bands,
                        file=Path(label).name if label else FILE)
    result = project_budget(x)
    base = None
    if bs.premium_base:  # the required tariff a protected person at the first year's prices
        base = result.item("protected") * (1.0 if x.price_index is None else x.price_index)
    gap = general_average_premium(result, x.reserve_return, x.reserve_opening, base=base)
    scaled = general_average_premium(result, x.reserve_return, x.reserve_opening,
                                     bs.reserve_target, base=base)
    if bs.premium_base:  # a tariff in currency a person (amounts per person unit x the scale)
        gap, scaled = gap * x.per_capita_scale, scaled * x.per_capita_scale
    return BudgetRun(bs, scen, label, digest, result, gap, scaled)


def budget(set_path: str | Path, *, scenarios: str | Path | None = None,
           store: str | Path | None = None, years: tuple[int, int] | None = None) -> BudgetRun:
    """Read, project and (with ``store``) store a budget run (``reserva budget``).

    Raises
    ------
    InputError
        A bad budget set or scenario file (every bad cell at once).
    StoreError
        The store cannot be written (nothing is written then).
    """
    run = run_budget(load_budget_set(set_path), scenarios)
    if years is not None:
        run._years(years)  # years the set lacks are refused before anything is stored
    if store is None:
        return run
    from reserva.store.budget import save_budget

    return save_budget(Path(store), run)
