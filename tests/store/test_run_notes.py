"""A run's notes stored as a list (``run_notes``, migration 13), read back as the close gave
them; a store written before the table keeps showing its notes (split from ``runs.notes``)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from reserva.errors import StoreError
from reserva.pipeline import close
from reserva.report import terminal
from reserva.report.builders import close_summary, split_notes
from reserva.store import runs as store_runs
from reserva.store.db import connect
from reserva.store.migrations import MIGRATIONS
from reserva.store.results import results_tables

# notes holding "; " where no note begins: the stored text alone cannot give them back
TRICKY = ("CL: thin: 5 claims known; expected used", "a note; with no head: of its own",
          "CL: IBNR triangle to review: 2 link ratios above the limit")


def _rows(path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _drawn(report) -> str:
    """The report as the terminal draws it (a model holding NaN is not equal to itself)."""
    out = terminal.console()
    with out.capture() as cap:
        terminal.show(report, out)
    return cap.get()


def _record(store, run_id: int, **changes) -> store_runs.RunRecord:
    fields = store_runs.RunRecord.__dataclass_fields__
    row = store_runs.run_record(store, run_id)
    return store_runs.RunRecord(**{**{k: v for k, v in row.items() if k in fields}, **changes})


def test_a_close_stores_its_notes_one_a_row_and_joined_as_before(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    run = close(tiny_pack, "2024-12-31", store=store, write=True)
    assert run.notes  # the tiny pack's close has notes
    rows = _rows(store, "SELECT run_id, seq, note FROM run_notes ORDER BY seq")
    assert rows == [(run.run_id, i, n) for i, n in enumerate(run.notes)]
    assert store_runs.run_record(store, run.run_id)["notes"] == "; ".join(run.notes)
    assert store_runs.run_notes(store, run.run_id) == run.notes
    assert close_summary(store, run.run_id).section("notes").notes == run.notes


def test_notes_holding_the_separator_come_back_whole(tiny_pack, tmp_path):
    ref, store = tmp_path / "ref.duckdb", tmp_path / "s.duckdb"
    run = close(tiny_pack, "2024-12-31", store=ref, write=True)
    tables = results_tables(run)
    rid = store_runs.save_run(store, _record(ref, run.run_id, notes=TRICKY), tables)
    assert split_notes("; ".join(TRICKY), ("CL",)) != TRICKY  # guessing would get them wrong
    assert store_runs.run_notes(store, rid) == TRICKY
    assert close_summary(store, rid).section("notes").notes == TRICKY
    assert store_runs.run_record(store, rid)["notes"] == "; ".join(TRICKY)
    # a run without notes: none, whether given as a list or an empty text
    for empty in ((), ""):
        other = store_runs.save_run(store, _record(ref, run.run_id, notes=empty), tables)
        assert store_runs.run_notes(store, other) == ()
        assert close_summary(store, other).section("notes").notes == ()
    # notes given as one text (as read back from runs.notes) are stored as that text only
    text = store_runs.save_run(store, _record(ref, run.run_id), tables)
    assert store_runs.run_notes(store, text) is None
    assert close_summary(store, text).section("notes").notes == run.notes  # split, as before
    with pytest.raises(StoreError, match="run 99 is not in the store"):
        store_runs.run_notes(store, 99)


def test_the_notes_are_written_in_the_run_transaction(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    run = close(tiny_pack, "2024-12-31", store=store, write=True)
    tables = results_tables(run)
    before = _rows(store, "SELECT * FROM run_notes ORDER BY ALL")
    bad = {**tables, "alm_checks": tables["alm_checks"].assign(bogus=1)}  # written last
    with pytest.raises(StoreError, match="cannot write run"):
        store_runs.save_run(store, _record(store, run.run_id, notes=TRICKY), bad)
    assert _rows(store, "SELECT * FROM run_notes ORDER BY ALL") == before
    assert len(store_runs.list_runs(store)) == 1


def test_a_store_written_before_the_notes_table_still_shows_its_notes(tiny_pack, tmp_path):
    ref, old = tmp_path / "ref.duckdb", tmp_path / "old.duckdb"
    run = close(tiny_pack, "2024-12-31", store=ref, write=True)
    shutil.copyfile(ref, old)
    con = duckdb.connect(str(old))  # the store as schema version 12 left it
    con.execute("DROP TABLE run_notes")
    con.execute("DELETE FROM schema_migrations WHERE version = 13")
    con.close()
    assert MIGRATIONS[12][0] == 13
    assert store_runs.run_notes(old, run.run_id) is None  # the reader migrated it: no rows
    assert _rows(old, "SELECT count(*) FROM run_notes") == [(0,)]
    assert _rows(old, "SELECT count(*) FROM schema_migrations WHERE version = 13") == [(1,)]
    assert close_summary(old, run.run_id).section("notes").notes == run.notes
    assert _drawn(close_summary(old, run.run_id)) == _drawn(close_summary(ref, run.run_id))
    # a run closed after the migration stores its list
    nxt = close(tiny_pack, "2025-03-31", store=old, write=True)
    assert store_runs.run_notes(old, nxt.run_id) == nxt.notes


def test_migration_13_leaves_an_existing_notes_table_as_it_is(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    run = close(tiny_pack, "2024-12-31", store=store, write=True)
    con = duckdb.connect(str(store))
    con.execute("DELETE FROM schema_migrations WHERE version = 13")  # bookkeeping lost
    con.close()
    connect(store).close()  # 13 applied again
    assert store_runs.run_notes(store, run.run_id) == run.notes
