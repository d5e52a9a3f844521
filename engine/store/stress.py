"""Storing a stress check under the run it stressed: one transaction, append-only, with lineage.

Each scenario's metrics are a scenario of the run named ``stress:<scenario_id>@<tag>``, with
``tag`` the first 10 hex digits of sha256(scenario identity | assumption set hash): the same
scenario under the same set is the same stored scenario (a rerun stores nothing new, the results
being identical), a changed scenario or set is a new one, and nothing stored is ever replaced.
The reverse-stress results are the scenario ``stress-reverse@<tag>`` (tag of the scenario
file's hash, the set's hash and the search settings), the stochastic claims
``stress-stochastic@<tag>`` (tag of the set's hash, simulations and seed). Every stored
scenario has one ``stress_lineage`` row: the scenario's id, name, family, severity and
identity, the scenario file and its sha256, the assumption set and its hash, the engine
version, the simulations and seed where used, and when it was stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd

from reserva.errors import StoreError
from reserva.store.db import writing
from reserva.store.results import STRESS_COLUMNS
from reserva.store.runs import _in_transaction, _insert_tables, _scenarios, resolve_run

__all__ = ["LINEAGE_COLUMNS", "save_stress", "stress_tag"]

LINEAGE_COLUMNS = STRESS_COLUMNS["stress_lineage"]


def stress_tag(*parts: object) -> str:
    """The first 10 hex digits of sha256 of the parts joined by ``|``."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def _lineage(check, scenario_id: str, name: str, family: str, severity: str, identity: str,
             created, version: str, simulations=None, seed=None) -> pd.DataFrame:
    return pd.DataFrame([{
        "scenario_id": scenario_id, "name": name, "family": family, "severity": severity,
        "scenario_identity": identity, "scenarios_file": check.scenarios_file,
        "file_hash": check.file_hash, "assumption_set": check.assumption_set,
        "assumption_hash": check.assumption_hash, "engine_version": version,
        "simulations": simulations, "seed": seed, "created_at": created}],
        columns=list(LINEAGE_COLUMNS))


def _reverse_frame(check) -> pd.DataFrame:
    rows = []
    for rr in check.reverse:
        res = rr.search
        rows.append({"target": rr.target, "metric": rr.metric, "kind": rr.kind,
                     "threshold": rr.threshold, "multiplier": res.multiplier,
                     "metric_value": res.metric, "reached": res.reached,
                     "breached_at_low": res.breached_at_low, "converged": res.converged,
                     "monotone": res.monotone, "bracket_low": res.bracket[0],
                     "bracket_high": res.bracket[1]})
    return pd.DataFrame(rows, columns=list(STRESS_COLUMNS["stress_reverse"]))


def save_stress(store: Path, check):
    """Store ``check`` (a ``reserva.stress_check.StressCheck``) under its run; return it with
    ``stored`` = the scenario names written (those already stored are skipped).

    Raises
    ------
    StoreError
        No run to store under (a check of an in-memory base), or the write failed (nothing is
        written then).
    """
    from reserva import __version__

    if check.run_id is None:
        raise StoreError("this stress check has no stored run to store it under")
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frames = check.result.frame()
    todo: dict[str, dict[str, pd.DataFrame]] = {}
    for sc in check.result.scenarios:
        name = f"stress:{sc.scenario_id}@{stress_tag(sc.identity, check.assumption_hash)}"
        todo[name] = {
            "stress_metrics": frames[frames["scenario_id"] == sc.scenario_id]
            .drop(columns="scenario_id").reset_index(drop=True),
            "stress_lineage": _lineage(check, sc.scenario_id, sc.name, sc.family, sc.severity,
                                       sc.identity, created, __version__)}
    if check.reverse:
        tag = stress_tag(check.file_hash, check.assumption_hash, "reverse")
        todo[f"stress-reverse@{tag}"] = {
            "stress_reverse": _reverse_frame(check),
            "stress_lineage": _lineage(check, "reverse", "reverse stress", "both", "reverse",
                                       "", created, __version__)}
    if check.stochastic is not None:
        st = check.stochastic
        tag = stress_tag(check.assumption_hash, st.simulations, st.seed)
        todo[f"stress-stochastic@{tag}"] = {
            "stress_stochastic": st.frame(),
            "stress_lineage": _lineage(check, "stochastic", "stochastic claims", "both", "base",
                                       "", created, __version__, st.simulations, st.seed)}
    with writing(store) as con:
        rid = resolve_run(con, check.run_id)
        have = set(_scenarios(con, rid))
        new = {k: v for k, v in todo.items() if k not in have}

        def work() -> None:
            for name, tables in new.items():
                _insert_tables(con, rid, name, tables)

        if new:
            _in_transaction(con, f"cannot write the stress check of run {rid} to store {store}",
                            work)
    return dataclasses.replace(check, stored=tuple(new))
