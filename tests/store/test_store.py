"""The DuckDB store: migrations, append-only runs, atomic writes, rollback on failure."""

from __future__ import annotations

import duckdb
import pytest

from reserva import pipeline
from reserva.errors import ComputationError, StoreError
from reserva.pipeline import close
from reserva.store import runs as store_runs
from reserva.store.db import connect, migrate
from reserva.store.migrations import MIGRATIONS


def _runs_snapshot(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("runs", *store_runs.RESULT_TABLES)
        }
    finally:
        con.close()


def test_migrations_run_once_in_order(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    assert migrate(con) == []  # connect already applied them
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m[0] for m in MIGRATIONS]
    con.close()


def test_rerun_is_a_new_run_and_opening_comes_from_the_store(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    first = close(tiny_pack, "2024-09-30", store=store, write=True)
    second = close(tiny_pack, "2024-12-31", store=store, write=True)
    again = close(tiny_pack, "2024-12-31", store=store, write=True, rerun=True)
    assert (first.run_id, second.run_id, again.run_id) == (1, 2, 3)
    assert first.opening_source == "recomputed"
    assert second.opening_source == "store"
    runs = store_runs.list_runs(store)
    assert list(runs["run_id"]) == [1, 2, 3]
    assert list(runs["opening_run"].fillna(0).astype(int)) == [0, 1, 1]


def test_failure_in_a_late_stage_writes_nothing(tiny_pack, tmp_path, monkeypatch):
    store = tmp_path / "s.duckdb"
    close(tiny_pack, "2024-09-30", store=store, write=True)
    before = _runs_snapshot(store)
    for stage in ("upr", "claims", "statements", "kpi", "assemble"):
        monkeypatch.setattr(pipeline, "FAIL_AFTER", stage)  # the close's test hook
        with pytest.raises(ComputationError):
            close(tiny_pack, "2024-12-31", store=store, write=True)
        assert _runs_snapshot(store) == before


def test_failure_inside_the_write_transaction_rolls_back(tiny_pack, tmp_path, monkeypatch):
    store = tmp_path / "s.duckdb"
    close(tiny_pack, "2024-09-30", store=store, write=True)
    before = _runs_snapshot(store)
    real = pipeline.results_tables

    def corrupt(result):  # the last table inserted carries a column the store does not have
        tables = real(result)
        tables["kpis"] = tables["kpis"].assign(bogus=1.0)
        return tables

    monkeypatch.setattr(pipeline, "results_tables", corrupt)
    with pytest.raises(StoreError, match="cannot write run"):
        close(tiny_pack, "2024-12-31", store=store, write=True)
    assert _runs_snapshot(store) == before


def test_reading_a_missing_run_is_a_store_error(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    close(tiny_pack, "2024-12-31", store=store, write=True)
    with pytest.raises(StoreError, match="run 99 is not in the store"):
        store_runs.read_results(store, "kpis", 99)
    with pytest.raises(StoreError, match="no Reserva store at .*missing.duckdb"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_a_date_closed_with_the_same_data_is_not_stored_again(tiny_pack, tmp_path):
    from reserva.batch import Skipped, close_many
    from reserva.errors import AlreadyClosed

    store = tmp_path / "s.duckdb"
    first = close(tiny_pack, "2024-12-31", store=store, write=True)
    before = _runs_snapshot(store)
    with pytest.raises(AlreadyClosed) as info:
        close(tiny_pack, "2024-12-31", store=store, write=True)
    assert (info.value.run_id, str(info.value.valuation_date)) == (first.run_id, "2024-12-31")
    assert _runs_snapshot(store) == before
    # close_many: each date once, in date order; the closed one skipped, the new one stored
    out = close_many(tiny_pack, ["2025-03-31", "2024-12-31", "2025-03-31"], store=store,
                     write=True)
    assert [type(r).__name__ for r in out] == ["Skipped", "CloseResult"]
    assert out[0] == Skipped(first.valuation_date, first.run_id, str(info.value))
    assert (out[1].run_id, out[1].opening_source) == (2, "store")
    # without writing, nothing is checked or skipped
    again = close_many(tiny_pack, ["2024-12-31"], store=store, write=False)
    assert again[0].run_id is None
    assert list(store_runs.list_runs(store)["run_id"]) == [1, 2]


BUDGET_TABLES = ("budget_runs", "budget_scenarios", "budget_values")  # migration 17


def test_the_result_table_registry_agrees_with_the_migrations_and_the_close(tiny_pack, tmp_path):
    """One registry of result tables (reserva.store.results.TABLES, whose names are
    store.runs.RESULT_TABLES): the migrations create exactly those (besides runs, its notes
    run_notes and schema_migrations, and the social health budget's own tables, which are not a
    close's: ``BUDGET_TABLES``), and a close produces exactly those, each with the columns of
    its table (run_id and scenario added by the store)."""
    con = connect(tmp_path / "s.duckdb")
    created = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    columns = {t: [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [t]).fetchall()] for t in store_runs.RESULT_TABLES}
    con.close()
    assert created == {"runs", "run_notes", "schema_migrations", *BUDGET_TABLES,
                       *store_runs.RESULT_TABLES}
    tables = pipeline.results_tables(close(tiny_pack, "2024-12-31", write=False))
    assert set(tables) == set(store_runs.RESULT_TABLES)
    for name, frame in tables.items():
        assert set(frame.columns) <= set(columns[name]) - {"run_id"}, name
