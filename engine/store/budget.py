"""Storing a social health budget run: one transaction, append-only, with lineage.

A budget run is not a close's run: it has its own id in ``budget_runs`` (the set and its hash,
the scenario file and its sha256, the years, the engine version, when), one row per scenario in
``budget_scenarios`` (its id, name, identity and general average premium) and every item of
every scenario and year in ``budget_values`` (migration 17).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from reserva.store.db import reading, writing
from reserva.store.stress import insert_scenarios

__all__ = ["list_budgets", "save_budget"]


def save_budget(store: Path, run):
    """Store ``run`` (a ``reserva.budgeting.BudgetRun``); return it with its ``budget_id``."""
    from reserva import __version__

    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    bs = run.budget_set
    years = run.result.years
    tables = {
        "budget_runs": pd.DataFrame([{
            "set_id": bs.set_id, "set_hash": bs.set_hash,
            "scenarios_file": run.scenarios_file, "file_hash": run.file_hash,
            "first_year": int(years[0]), "last_year": int(years[-1]),
            "premium_base": "protected" if bs.premium_base else "wage_bill",
            "reserve_target": float(bs.reserve_target),
            "per_capita_scale": float(bs.inputs.per_capita_scale),
            "engine_version": __version__, "created_at": created}]),
        "budget_scenarios": pd.DataFrame([{
            "scenario": s.scenario_id, "name": s.name, "scenario_identity": s.identity,
            "general_average_premium": float(g), "scaled_premium": float(sp)}
            for s, g, sp in zip(run.scenarios, run.general_average_premium, run.scaled_premium,
                                strict=True)]),
        "budget_values": run.frame().rename(columns={"scenario_id": "scenario"}),
    }
    with writing(store) as con:
        bid = int(con.execute("SELECT coalesce(max(budget_id), 0) + 1 FROM budget_runs")
                  .fetchone()[0])
        insert_scenarios(con, bid, tables, f"cannot write the budget run to store {store}",
                         key="budget_id")
    return dataclasses.replace(run, budget_id=bid)


def list_budgets(store: Path) -> pd.DataFrame:
    """The stored budget runs, oldest first."""
    with reading(store) as con:
        return con.execute("SELECT budget_id, set_id, left(set_hash, 8) AS set_hash, "
                           "scenarios_file, first_year, last_year, engine_version, "
                           "created_at FROM budget_runs ORDER BY budget_id").df()
