"""Storing a forward projection under the run it starts from: one transaction, append-only,
with lineage.

Each projected scenario is a scenario of the run named ``project:<scenario_id>@<tag>``, with
``tag`` the first 10 hex digits of sha256(scenario identity | actions' hash | assumption set
hash | period months | periods | engine version): the same projection stores nothing new, any
change is a new stored scenario, and nothing stored is replaced. Tables (migration 16):
``projection_values`` (product, period, item, value; period 0 = the close),
``projection_events`` (the actions fired and the capital injected) and one
``projection_lineage`` row per scenario (its id, name, severity, identity, the scenario file and
its sha256, the actions' hash, the set and its hash, the engine version, the period, the
periods and the scenario's verdict).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import StoreError
from reserva.projection.plan import ITEMS
from reserva.store.db import writing
from reserva.store.results import STRESS_COLUMNS
from reserva.store.runs import _scenarios, resolve_run
from reserva.store.stress import insert_scenarios, stress_tag

__all__ = ["save_projection", "values_frame"]


def values_frame(result, keep: set[str] | None = None) -> pd.DataFrame:
    """Long rows (scenario_id, product_id, period, item, value) of a ``PlanResult``."""
    v = result.values
    n_s, n_c, n_t, n_i = v.shape
    frame = pd.DataFrame({
        "scenario_id": np.repeat(np.asarray(result.scenario_ids, dtype=object), n_c * n_t * n_i),
        "product_id": np.tile(np.repeat(np.asarray(result.columns, dtype=object), n_t * n_i),
                              n_s),
        "period": np.tile(np.repeat(np.arange(n_t, dtype=np.int32), n_i), n_s * n_c),
        "item": np.tile(np.asarray(ITEMS, dtype=object), n_s * n_c * n_t),
        "value": v.ravel(),
    })
    if keep is not None:
        frame = frame[frame["scenario_id"].isin(keep)]
    return frame.reset_index(drop=True)


def save_projection(store: Path, run):
    """Store ``run`` (a ``reserva.forecast.Projection``) under its close; return it with
    ``stored`` = the scenario names written (those already stored are skipped).

    Raises
    ------
    StoreError
        The write failed (nothing is written then).
    """
    from reserva import __version__

    if run.run_id is None:
        raise StoreError("this projection has no stored run to store it under")
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    r = run.result
    opt = r.options
    names = {sc.scenario_id: f"project:{sc.scenario_id}@" + stress_tag(
        sc.identity, run.actions_hash, run.assumption_hash, opt.period_months, opt.periods,
        __version__) for sc in run.scenarios}
    with writing(store) as con:
        rid = resolve_run(con, run.run_id)
        have = set(_scenarios(con, rid))
        new = [sc for sc in run.scenarios if names[sc.scenario_id] not in have]
        ids = {sc.scenario_id for sc in new}
        values = values_frame(r, ids)
        values = values.assign(scenario=values.pop("scenario_id").map(names))
        ev = pd.DataFrame([e for e in r.events if e[0] in ids],
                          columns=["scenario_id", *STRESS_COLUMNS["projection_events"]])
        ev = ev.assign(scenario=ev.pop("scenario_id").map(names))
        ev["fired_period"] = ev["fired_period"].where(ev["fired_period"] >= 0, None)
        lineage = pd.DataFrame([{
            "scenario": names[sc.scenario_id], "scenario_id": sc.scenario_id, "name": sc.name,
            "severity": sc.severity, "scenario_identity": sc.identity,
            "scenarios_file": run.scenarios_file, "file_hash": run.file_hash,
            "actions_hash": run.actions_hash, "assumption_set": run.assumption_set,
            "assumption_hash": run.assumption_hash, "engine_version": __version__,
            "period_months": opt.period_months, "periods": opt.periods,
            "verdict": run.verdicts[sc.scenario_id], "created_at": created} for sc in new])
        tables = {"projection_values": values, "projection_events": ev,
                  "projection_lineage": lineage}
        insert_scenarios(con, rid, tables,
                         f"cannot write the projection of run {rid} to store {store}")
    return dataclasses.replace(run, stored=tuple(names[sc.scenario_id] for sc in new))
