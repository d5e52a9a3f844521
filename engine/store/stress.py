"""Storing a stress check under the run it stressed: one transaction, append-only, with lineage.

Each scenario's metrics are a scenario of the run named ``stress:<scenario_id>@<tag>``, with
``tag`` the first 10 hex digits of sha256(scenario identity | assumption set hash | engine
version): the same scenario under the same set and the same engine version is the same stored
scenario (a rerun stores nothing new, the results being identical), a changed scenario, set or
engine version is a new one (a new release recomputes rather than keeping results its fixes
may have changed), and nothing stored is ever replaced. The reverse-stress results are the
scenario ``stress-reverse@<tag>`` (tag of the scenario file's hash, the set's hash, which
holds the search settings, and the engine version), the stochastic claims
``stress-stochastic@<tag>`` (tag of the set's hash, simulations, seed and the engine
version). Every stored scenario has one ``stress_lineage`` row: the scenario's id, name,
family, severity and identity, the scenario file and its sha256, the assumption set and its
hash, the engine version, the simulations and seed where used, and when it was stored.

The write is linear in the scenarios: each table is one ``INSERT ... SELECT`` of one frame
holding every new scenario's rows with their stored name in a ``scenario`` column, all tables
in one transaction (committed whole or not at all); scenarios already stored are left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd

from reserva.errors import StoreError
from reserva.store.db import reading, writing
from reserva.store.results import RESULT_TABLES, STRESS_COLUMNS
from reserva.store.runs import _in_transaction, _scenarios, resolve_run

__all__ = ["LINEAGE_COLUMNS", "insert_scenarios", "read_stress", "save_stress", "stress_tag"]

LINEAGE_COLUMNS = STRESS_COLUMNS["stress_lineage"]


def stress_tag(*parts: object) -> str:
    """The first 10 hex digits of sha256 of the parts joined by ``|``."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def insert_scenarios(con, rid: int, tables: dict[str, pd.DataFrame], failure: str, *,
                     key: str = "run_id") -> None:
    """Append each frame's rows (a scenario's with its stored name in a ``scenario`` column)
    to its table under ``key`` = ``rid`` (a run; ``budget_id`` for a budget run), every table in
    one transaction (``failure`` names what could not be written); empty frames are left out,
    and nothing is written when all are."""
    tables = {t: f for t, f in tables.items() if not f.empty}

    def work() -> None:
        for table, frame in tables.items():
            con.register("_scenario_frame", frame)
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(f"INSERT INTO {table} ({key}, {cols}) "
                        f"SELECT ?, {cols} FROM _scenario_frame", [rid])
            con.unregister("_scenario_frame")

    if tables:
        _in_transaction(con, failure, work)


def _lineage_row(check, scenario_id: str, name: str, family: str, severity: str,
                 identity: str, created, version: str, simulations=None, seed=None) -> dict:
    return {"scenario_id": scenario_id, "name": name, "family": family, "severity": severity,
            "scenario_identity": identity, "scenarios_file": check.scenarios_file,
            "file_hash": check.file_hash, "assumption_set": check.assumption_set,
            "assumption_hash": check.assumption_hash, "engine_version": version,
            "simulations": simulations, "seed": seed, "created_at": created}


def _lineage(check, *args, **kwargs) -> pd.DataFrame:
    """One ``stress_lineage`` row (``_lineage_row``'s arguments)."""
    return pd.DataFrame([_lineage_row(check, *args, **kwargs)], columns=list(LINEAGE_COLUMNS))


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
    scenarios = check.result.scenarios
    # stored name of each scenario id (ids are unique within a check)
    names = {sc.scenario_id: f"stress:{sc.scenario_id}@"
             f"{stress_tag(sc.identity, check.assumption_hash, __version__)}"
             for sc in scenarios}
    extra: dict[str, dict[str, pd.DataFrame]] = {}  # the reverse and stochastic scenarios
    if check.reverse:
        tag = stress_tag(check.file_hash, check.assumption_hash, "reverse", __version__)
        extra[f"stress-reverse@{tag}"] = {
            "stress_reverse": _reverse_frame(check),
            "stress_lineage": _lineage(check, "reverse", "reverse stress", "both", "reverse",
                                       "", created, __version__)}
    if check.stochastic is not None:
        st = check.stochastic
        tag = stress_tag(check.assumption_hash, st.simulations, st.seed, __version__)
        extra[f"stress-stochastic@{tag}"] = {
            "stress_stochastic": st.frame(),
            "stress_lineage": _lineage(check, "stochastic", "stochastic claims", "both", "base",
                                       "", created, __version__, st.simulations, st.seed)}
    with writing(store) as con:
        rid = resolve_run(con, check.run_id)
        have = set(_scenarios(con, rid))
        new_ids = [sc.scenario_id for sc in scenarios if names[sc.scenario_id] not in have]
        new_extra = {k: v for k, v in extra.items() if k not in have}
        tables = _tables(check, scenarios, names, set(new_ids), new_extra, created,
                         __version__)
        stored = (*(names[i] for i in new_ids), *new_extra)

        insert_scenarios(con, rid, tables,
                         f"cannot write the stress check of run {rid} to store {store}")
    return dataclasses.replace(check, stored=stored)


def _tables(check, scenarios, names: dict[str, str], new_ids: set[str],
            extra: dict[str, dict[str, pd.DataFrame]], created, version: str
            ) -> dict[str, pd.DataFrame]:
    """Per result table (registry order), one frame of every new scenario's rows with its
    stored name in ``scenario``; tables with no new rows are left out."""
    parts: dict[str, list[pd.DataFrame]] = {}
    if new_ids:
        every = check.result.frame()  # one pass: no filter per scenario
        metrics = every[every["scenario_id"].isin(new_ids)]
        parts["stress_metrics"] = [
            metrics.drop(columns="scenario_id").assign(
                scenario=metrics["scenario_id"].map(names)).reset_index(drop=True)]
        lineage = pd.DataFrame(
            [{"scenario": names[sc.scenario_id],
              **_lineage_row(check, sc.scenario_id, sc.name, sc.family, sc.severity,
                             sc.identity, created, version)}
             for sc in scenarios if sc.scenario_id in new_ids],
            columns=["scenario", *LINEAGE_COLUMNS])
        parts["stress_lineage"] = [lineage]
    for name, tables in extra.items():
        for table, frame in tables.items():
            parts.setdefault(table, []).append(frame.assign(scenario=name))
    out = {}
    for table in RESULT_TABLES:
        pieces = [f for f in parts.get(table, ()) if len(f)]
        if pieces:
            out[table] = pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)
    return out


def read_stress(store: Path, run_id: int | None = None
                ) -> tuple[int, int, pd.DataFrame, pd.DataFrame]:
    """The stress scenarios stored under a run (default: the latest completed run): its id, its
    projected months, the ``stress_metrics`` rows with their ``scenario`` and the
    ``stress_lineage`` rows (one per stored scenario, oldest first).

    Raises
    ------
    StoreError
        No such store or run, or no stress check stored under the run.
    """
    with reading(store) as con:
        rid = resolve_run(con, run_id)
        lineage = con.execute(
            "SELECT * EXCLUDE (run_id) FROM stress_lineage WHERE run_id = ? "
            "AND scenario LIKE 'stress:%' ORDER BY created_at, scenario", [rid]).df()
        if lineage.empty:
            raise StoreError(f"run {rid} has no stress check stored; fix: run `reserva stress "
                             f"--run {rid}`")
        metrics = con.execute(
            "SELECT * EXCLUDE (run_id) FROM stress_metrics WHERE run_id = ? "
            "ORDER BY scenario, product_id, metric, horizon_months", [rid]).df()
        months = con.execute("SELECT max(horizon_months) FROM stress_products WHERE run_id = ?",
                             [rid]).fetchone()[0]
    return rid, int(months or 0), metrics, lineage
