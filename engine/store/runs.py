"""Runs: append-only, with lineage; all results of a run are written in ONE transaction.

Identifiers from data are only ever passed as query parameters or through registered frames,
never spliced into SQL.
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

RESULT_TABLES = (
    "reserves", "upr_rollforward", "upr_policy", "ibnr_origin", "ibnr_change", "triangles",
    "ibnr_distribution", "link_ratios", "statements", "claims_cashflows", "kpis", "alr_policy",
    "kpi_pending_claims", "cashflow_grid", "liquidity", "alm_ladder", "alm_measures", "alm_checks",
)


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
    notes: str = ""
    assumption_parent_hash: str | None = None  # a variant set: its parent's set hash
    assumption_overrides: str | None = None  # a variant set: the canonical JSON of its overrides


def _has_runs(con) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
        ).fetchone()[0]
    )


def opening_reserves(store: Path, period_start: dt.date) -> tuple[int, pd.DataFrame] | None:
    """Closing reserves of the latest completed run valued at ``period_start``, if any."""
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
            "SELECT product_id, reserve, closing AS amount FROM reserves WHERE run_id = ?",
            [row[0]],
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


def save_run(store: Path, record: RunRecord, results: dict[str, pd.DataFrame]) -> int:
    """Insert the run and every results table atomically; returns the new run id."""
    missing = set(RESULT_TABLES) - set(results)
    if missing:
        raise StoreError(f"run results lack table(s) {', '.join(sorted(missing))}")
    with writing(store) as con:
        return _insert_run(con, store, record, results)


def _insert_run(con, store: Path, record: RunRecord, results: dict[str, pd.DataFrame]) -> int:
    try:
        con.execute("BEGIN TRANSACTION")
        try:
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
                    json.dumps(record.timings), record.status, record.notes,
                    record.assumption_parent_hash, record.assumption_overrides,
                ],
            ).fetchone()[0]
            for table in RESULT_TABLES:
                frame = results[table].copy()
                frame.insert(0, "run_id", run_id)
                con.register("_result_frame", frame)
                cols = ", ".join(f'"{c}"' for c in frame.columns)  # our own column names
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _result_frame")
                con.unregister("_result_frame")
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # a failed COMMIT has rolled back already
                con.execute("ROLLBACK")
            raise
    except duckdb.Error as exc:
        raise StoreError(f"cannot write run to store {store}: {first_line(exc)}") from exc
    return int(run_id)


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


def kpi_trend(store: Path, product: str | None = None) -> pd.DataFrame:
    """Each indicator across the stored valuation dates: per date the latest completed run
    (a rerun replaces the earlier run of its date), oldest date first."""
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        frame = con.execute(
            "WITH latest AS (SELECT valuation_date, max(run_id) AS run_id FROM runs "
            "WHERE status = 'completed' GROUP BY valuation_date) "
            "SELECT CAST(l.valuation_date AS VARCHAR) AS valuation_date, k.run_id, k.product_id, "
            "k.indicator, k.value, k.flag, k.position FROM kpis k JOIN latest l USING (run_id) "
            "WHERE ? IS NULL OR k.product_id = ? ORDER BY l.valuation_date, k.position, k.product_id",
            [product, product],
        ).df()
    if frame.empty:
        what = f" for product {product!r}" if product else ""
        raise StoreError(f"store {store} has no KPIs{what}; fix: check the product id or run "
                         "`reserva close`")
    return frame


def resolve_run(con, run_id: int | None) -> int:
    if run_id is None:
        row = con.execute("SELECT max(run_id) FROM runs WHERE status = 'completed'").fetchone()
        if row[0] is None:
            raise StoreError("the store has no completed run; fix: run `reserva close` first")
        return int(row[0])
    row = con.execute("SELECT run_id FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise StoreError(f"run {run_id} is not in the store; fix: see `reserva runs`")
    return int(row[0])


def read_results(store: Path, table: str, run_id: int | None = None) -> tuple[int, pd.DataFrame]:
    """One results table of a run (the latest completed run by default)."""
    if table not in RESULT_TABLES:
        raise StoreError(f"unknown results table {table!r}")
    with reading(store) as con:
        if not _has_runs(con):
            raise StoreError(f"store {store} has no runs; fix: run `reserva close` first")
        rid = resolve_run(con, run_id)
        order = "position, product_id" if table in ("kpis", "ibnr_change") else "ALL"
        frame = con.execute(
            f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ? ORDER BY {order}", [rid]
        ).df()
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
