"""Runs: append-only, with lineage; all results of a run are written in ONE transaction.

A run is one row of ``runs`` and its notes, one a row of ``run_notes`` (``seq`` from 0, in
the close's order; ``runs.notes`` keeps them joined by ``"; "`` as before, for older readers);
its results are the tables of ``reserva.store.results``, keyed by (run_id, scenario). A close
writes scenario ``base`` with its run (``save_run``); a stress check or a projection adds its
scenarios to a stored run afterwards (``save_scenario``: one transaction per scenario, never
replacing one). Readers take scenario ``base`` unless asked for another; a scenario a run (or
the store) lacks is a ``StoreError`` listing the scenarios there are.

The notes are the run's lineage, not a result of a scenario: ``run_notes`` is keyed by run
only and is not a table of the result registry (``reserva.store.results``), whose tables are
keyed by (run, scenario), made from a close's result and stored by ``save_scenario`` too.

Identifiers from data (and scenario names) are only ever passed as query parameters or
through registered frames, never spliced into SQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from reserva.errors import StoreError
from reserva.store.db import first_line, reading, writing
from reserva.store.results import BASE, BY_NAME, RESULT_TABLES

__all__ = [
    "BASE", "RESULT_TABLES", "RunRecord", "kpi_trend", "latest_run", "list_runs",
    "opening_reserves", "read_results", "resolve_run", "run_notes", "run_record", "same_run",
    "save_run", "save_scenario", "scenarios", "store_scenarios",
]


@dataclass(frozen=True)
class RunRecord:
    """The lineage of one run (a row of ``runs``, without its id)."""

    valuation_date: dt.date
    period_start: dt.date
    edition: int
    assumption_set: str
    assumption_hash: str
    data_dir: str
    input_hashes: dict
    engine_version: str
    opening_source: str
    opening_run_id: int | None
    timings: dict
    status: str = "completed"
    # the run's notes, each stored as a row of run_notes (and joined in runs.notes); a str is
    # a text of notes already joined, as read back from runs.notes: stored in runs.notes only
    notes: tuple[str, ...] | str = ()
    assumption_parent_hash: str | None = None  # a variant set: its parent's set hash
    assumption_overrides: str | None = None  # a variant set: the canonical JSON of its overrides


def _has_runs(con) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
        ).fetchone()[0]
    )


def opening_reserves(store: Path, period_start: dt.date,
                     scenario: str = BASE) -> tuple[int, pd.DataFrame] | None:
    """Closing reserves (of ``scenario``) of the latest completed run valued at
    ``period_start``, if any."""
    with reading(store, missing_ok=True) as con:
        if con is None or not _has_runs(con):
            return None
        row = con.execute(
            "SELECT max(run_id) FROM runs WHERE valuation_date = ? AND status = 'completed'",
            [period_start],
        ).fetchone()
        if row[0] is None:
            return None
        frame = con.execute(
            "SELECT product_id, reserve, closing AS amount FROM reserves "
            "WHERE run_id = ? AND scenario = ?",
            [row[0], scenario],
        ).df()
        return int(row[0]), frame


def same_run(store: Path, valuation_date: dt.date, input_hashes: dict, assumption_hash: str,
             edition: int) -> int | None:
    """The latest completed run of ``valuation_date`` when it was closed with the same input
    files (sha256 by file name), assumption set hash and edition; None otherwise.

    Only the latest completed run of the date counts: it is the one readers take for the date,
    so a date whose latest run used other data is closed again.
    """
    with reading(store, missing_ok=True) as con:
        if con is None or not _has_runs(con):
            return None
        row = con.execute(
            "SELECT run_id, input_hashes, assumption_hash, edition FROM runs "
            "WHERE valuation_date = ? AND status = 'completed' ORDER BY run_id DESC LIMIT 1",
            [valuation_date],
        ).fetchone()
    if row is None:
        return None
    run_id, hashes, a_hash, stored_edition = row
    same = (json.loads(hashes) == dict(input_hashes) and a_hash == assumption_hash
            and int(stored_edition) == int(edition))
    return int(run_id) if same else None


def save_run(store: Path, record: RunRecord, results: dict[str, pd.DataFrame],
             scenario: str = BASE) -> int:
    """Insert the run and every results table (as ``scenario``) atomically; returns the run id.

    Parameters
    ----------
    store : Path
        The DuckDB store (created when missing).
    record : RunRecord
        The run's lineage.
    results : dict of str to DataFrame
        Every table of ``reserva.store.results.TABLES``, without ``run_id`` and ``scenario``.
    scenario : str
        The scenario the results are (``base`` for a close).
    """
    _check_tables(results, every=True)
    _check_name(scenario)
    with writing(store) as con:
        return _insert_run(con, store, record, results, scenario)


def save_scenario(store: Path, run_id: int, scenario: str,
                  results: dict[str, pd.DataFrame]) -> None:
    """Add one scenario's results to a stored run, atomically (all its tables or none).

    A stress check or a projection stores each of its scenarios under the run it starts
    from: one run record, many scenarios of results. A scenario holds any of the result
    tables (a stress check may store only the statements and the liquidity); a scenario
    already stored for the run is never replaced.

    Parameters
    ----------
    store : Path
        The DuckDB store holding the run.
    run_id : int
        The run the scenario belongs to.
    scenario : str
        The scenario's name (a non-empty name; ``base`` is the close's own).
    results : dict of str to DataFrame
        Result tables of ``reserva.store.results.TABLES`` (at least one), without ``run_id``
        and ``scenario``.

    Raises
    ------
    StoreError
        The store has no such run, the run already has the scenario, a table is not a result
        table or its columns are not the table's.
    """
    _check_tables(results, every=False)
    _check_name(scenario)
    if not Path(store).exists():
        raise StoreError(f"run {run_id} is not in the store; fix: see `reserva runs`")
    with writing(store) as con:
        rid = resolve_run(con, run_id)
        if scenario in _scenarios(con, rid):
            raise StoreError(f"run {rid} already has scenario {scenario!r} in store {store}; "
                             "fix: store it under another name (a stored scenario is never "
                             "replaced)")
        _in_transaction(con, f"cannot write scenario {scenario!r} of run {rid} to store {store}",
                        lambda: _insert_tables(con, rid, scenario, results))


def _check_tables(results: dict[str, pd.DataFrame], *, every: bool) -> None:
    unknown = set(results) - set(RESULT_TABLES)
    if unknown:
        raise StoreError(f"unknown results table(s) {', '.join(sorted(unknown))}; the result "
                         f"tables are {', '.join(RESULT_TABLES)}")
    missing = set(RESULT_TABLES) - set(results)
    if every and missing:
        raise StoreError(f"run results lack table(s) {', '.join(sorted(missing))}")
    if not results:
        raise StoreError("no results table to store")


def _check_name(scenario: str) -> None:
    if not isinstance(scenario, str) or not scenario.strip() or scenario != scenario.strip():
        raise StoreError(f"scenario name {scenario!r} is not a name; fix: pass a non-empty "
                         "name without leading or trailing spaces (the close's is 'base')")


def _insert_run(con, store: Path, record: RunRecord, results: dict[str, pd.DataFrame],
                scenario: str) -> int:
    def insert() -> int:
        run_id = con.execute(
            "INSERT INTO runs (created_at, valuation_date, period_start, edition, "
            "assumption_set, assumption_hash, data_dir, input_hashes, engine_version, "
            "opening_source, opening_run_id, timings, status, notes, "
            "assumption_parent_hash, assumption_overrides) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id",
            [
                dt.datetime.now(dt.UTC).replace(tzinfo=None), record.valuation_date,
                record.period_start, record.edition, record.assumption_set,
                record.assumption_hash, record.data_dir, json.dumps(record.input_hashes),
                record.engine_version, record.opening_source, record.opening_run_id,
                json.dumps(record.timings), record.status, _joined(record.notes),
                record.assumption_parent_hash, record.assumption_overrides,
            ],
        ).fetchone()[0]
        if not isinstance(record.notes, str) and record.notes:
            con.executemany("INSERT INTO run_notes (run_id, seq, note) VALUES (?, ?, ?)",
                            [[run_id, i, str(n)] for i, n in enumerate(record.notes)])
        _insert_tables(con, run_id, scenario, results)
        return int(run_id)

    return _in_transaction(con, f"cannot write run to store {store}", insert)


def _joined(notes: tuple[str, ...] | str) -> str:
    """The notes as ``runs.notes`` holds them: one text, joined by ``"; "``."""
    return notes if isinstance(notes, str) else "; ".join(notes)


def _insert_tables(con, run_id: int, scenario: str, results: dict[str, pd.DataFrame]) -> None:
    """Insert the frames (registry order) under (run_id, scenario); inside a transaction."""
    for name in RESULT_TABLES:
        if name not in results:
            continue
        frame = results[name]
        con.register("_result_frame", frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)  # our own column names
        con.execute(f'INSERT INTO {name} (run_id, scenario, {cols}) '
                    f"SELECT ?, ?, {cols} FROM _result_frame", [run_id, scenario])
        con.unregister("_result_frame")


def _in_transaction(con, failure: str, work):
    """``work()`` in one transaction: committed whole, or rolled back (a DuckDB failure is a
    StoreError: ``failure``, then DuckDB's first line)."""
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            out = work()
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # a failed COMMIT has rolled back already
                con.execute("ROLLBACK")
            raise
    except duckdb.Error as exc:
        raise StoreError(f"{failure}: {first_line(exc)}") from exc
    return out


def _scenarios(con, run_id: int) -> list[str]:
    """The scenarios stored for a run (in any result table), ``base`` first then by name."""
    union = " UNION ".join(f"SELECT DISTINCT scenario FROM {name} WHERE run_id = $1"
                           for name in RESULT_TABLES)
    found = {r[0] for r in con.execute(union, [run_id]).fetchall()}
    return sorted(found, key=lambda s: (s != BASE, s))


def scenarios(store: Path, run_id: int | None = None) -> list[str]:
    """The scenarios stored for a run (the latest completed run by default), ``base`` first.

    Parameters
    ----------
    store : Path
        The DuckDB store.
    run_id : int, optional
        The run (default: the latest completed run).
    """
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        return _scenarios(con, resolve_run(con, run_id))


def store_scenarios(store: Path) -> list[str]:
    """Every scenario stored for any run of the store, ``base`` first then by name."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        return _all_scenarios(con)


def _all_scenarios(con) -> list[str]:
    union = " UNION ".join(f"SELECT DISTINCT scenario FROM {name}" for name in RESULT_TABLES)
    found = {r[0] for r in con.execute(union).fetchall()}
    return sorted(found, key=lambda s: (s != BASE, s))


def latest_run(store: Path, run_id: int | None = None, scenario: str = BASE) -> int:
    """``run_id`` when the store has it and it has ``scenario``; by default the latest completed
    run having ``scenario`` (StoreError otherwise, listing the scenarios there are)."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        rid = resolve_run(con, run_id, scenario)
        _check_scenario(con, rid, scenario)
        return rid


def _check_scenario(con, run_id: int, scenario: str) -> None:
    have = _scenarios(con, run_id)
    if scenario not in have:
        raise StoreError(f"run {run_id} has no scenario {scenario!r}; its scenarios: "
                         f"{', '.join(have) or 'none'}")


def run_notes(store: Path, run_id: int) -> tuple[str, ...] | None:
    """A run's notes in order, as the close gave them; None for a run whose notes are stored
    as one joined text only (``runs.notes`` of a run stored before ``run_notes`` existed, or
    given as a text): its reader splits that text."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        row = con.execute("SELECT notes FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            raise StoreError(f"run {run_id} is not in the store; fix: see `reserva runs`")
        notes = tuple(r[0] for r in con.execute(
            "SELECT note FROM run_notes WHERE run_id = ? ORDER BY seq", [run_id]).fetchall())
    return None if not notes and row[0] else notes


def list_runs(store: Path) -> pd.DataFrame:
    """Every run, oldest first."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        return con.execute(
            "SELECT run_id, CAST(valuation_date AS VARCHAR) AS valuation_date, "
            "CAST(period_start AS VARCHAR) AS period_start, status, edition, "
            "assumption_set || ':' || left(assumption_hash, 8) AS assumptions, "
            "opening_source AS opening, opening_run_id AS opening_run, engine_version AS engine, "
            "strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_utc, "
            "CAST(json_extract(timings, '$.total') AS DOUBLE) AS seconds "
            "FROM runs ORDER BY run_id"
        ).df()


def kpi_trend(store: Path, product: str | None = None, scenario: str = BASE) -> pd.DataFrame:
    """Each indicator (of ``scenario``) across the stored valuation dates: per date the latest
    completed run (a rerun replaces the earlier run of its date), oldest date first."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        frame = con.execute(
            "WITH latest AS (SELECT valuation_date, max(run_id) AS run_id FROM runs "
            "WHERE status = 'completed' GROUP BY valuation_date) "
            "SELECT CAST(l.valuation_date AS VARCHAR) AS valuation_date, k.run_id, k.product_id, "
            "k.indicator, k.value, k.flag, k.position FROM kpis k JOIN latest l USING (run_id) "
            "WHERE k.scenario = ? AND (? IS NULL OR k.product_id = ?) "
            "ORDER BY l.valuation_date, k.position, k.product_id",
            [scenario, product, product],
        ).df()
        if frame.empty and scenario not in _all_scenarios(con):
            raise StoreError(f"no run of store {store} has scenario {scenario!r}; its "
                             f"scenarios: {', '.join(_all_scenarios(con)) or 'none'}")
    if frame.empty:
        what = f" for product {product!r}" if product else ""
        what += f" in scenario {scenario!r}" if scenario != BASE else ""
        raise StoreError(f"store {store} has no KPIs{what}; fix: check the product id or run "
                         "`reserva close`")
    return frame


def resolve_run(con, run_id: int | None, scenario: str = BASE) -> int:
    """``run_id`` when the store has it; by default the latest completed run (of those that
    have ``scenario``: every close has ``base``). StoreError otherwise."""
    if run_id is None:
        if scenario == BASE:
            row = con.execute("SELECT max(run_id) FROM runs WHERE status = 'completed'").fetchone()
        else:
            having = " UNION ".join(f"SELECT run_id FROM {name} WHERE scenario = $1"
                                    for name in RESULT_TABLES)
            row = con.execute("SELECT max(run_id) FROM runs WHERE status = 'completed' "
                              f"AND run_id IN ({having})", [scenario]).fetchone()
        if row[0] is None:
            if scenario == BASE:
                raise StoreError("the store has no completed run; fix: run `reserva close` "
                                 "first")
            raise StoreError(f"the store has no completed run with scenario {scenario!r}; "
                             f"{_latest_scenarios(con)}")
        return int(row[0])
    row = con.execute("SELECT run_id FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise StoreError(f"run {run_id} is not in the store; fix: see `reserva runs`")
    return int(row[0])


def _latest_scenarios(con) -> str:
    """What the latest completed run has, for an error about a scenario no run has."""
    row = con.execute("SELECT max(run_id) FROM runs WHERE status = 'completed'").fetchone()
    if row[0] is None:
        return "fix: run `reserva close` first"
    return (f"the latest completed run, {int(row[0])}, has scenarios "
            f"{', '.join(_scenarios(con, int(row[0]))) or 'none'}; the store's scenarios: "
            f"{', '.join(_all_scenarios(con)) or 'none'}")


def read_results(store: Path, table: str, run_id: int | None = None,
                 scenario: str = BASE) -> tuple[int, pd.DataFrame]:
    """One results table of a run (the latest completed run by default), of one scenario.

    Parameters
    ----------
    store : Path
        The DuckDB store.
    table : str
        A result table (``reserva.store.results.RESULT_TABLES``).
    run_id : int, optional
        The run (default: the latest completed run having ``scenario``).
    scenario : str
        The scenario (default ``base``, the close's).

    Returns
    -------
    tuple of int and DataFrame
        The run id and the table's rows, without ``run_id`` and ``scenario``.
    """
    if table not in BY_NAME:
        raise StoreError(f"unknown results table {table!r}")
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        rid = resolve_run(con, run_id, scenario)
        frame = con.execute(
            f"SELECT * EXCLUDE (run_id, scenario) FROM {table} WHERE run_id = ? AND scenario = ? "
            f"ORDER BY {BY_NAME[table].order}", [rid, scenario]
        ).df()
        if frame.empty and scenario not in _scenarios(con, rid):
            raise StoreError(f"run {rid} has no scenario {scenario!r}; its scenarios: "
                             f"{', '.join(_scenarios(con, rid)) or 'none'}")
        if frame.empty and scenario != BASE and BY_NAME[table].by_close:
            # a stress check's scenario holds only its own tables: say so, not "no rows"
            held = [t for t in RESULT_TABLES if con.execute(
                f"SELECT count(*) FROM {t} WHERE run_id = ? AND scenario = ?",  # noqa: S608
                [rid, scenario]).fetchone()[0]]
            if held and not any(BY_NAME[t].by_close for t in held):
                raise StoreError(f"scenario {scenario!r} of run {rid} holds no {table} rows, "
                                 f"only {', '.join(held)}; fix: read one of those (e.g. "
                                 f"`reserva.results(store, {held[0]!r}, scenario=...)`)")
        return rid, frame


def run_record(store: Path, run_id: int) -> dict:
    """The ``runs`` row of ``run_id`` as a dict."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        frame = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).df()
    if frame.empty:
        raise StoreError(f"run {run_id} is not in the store; fix: see `reserva runs`")
    return frame.iloc[0].to_dict()
