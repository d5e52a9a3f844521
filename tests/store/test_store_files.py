"""Store files that are not (or no longer) a store this engine can use: every command that opens
a store ends with exit 3 and one line saying what is wrong and how to fix it, and the file is
left byte for byte as it was. Also: the path looked at when there is no store, the upgrade of
an older store by a reader, and a store held open by another program."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys

import duckdb
import numpy as np
import pytest

from reserva.cli import main
from reserva.store import runs as store_runs
from reserva.store.db import LATEST, connect
from reserva.store.migrations import MIGRATIONS
from tests.conftest import write_pack

OTHER = ("fix: pass the path of a Reserva store with --store, or a new file name to start an "
         "empty store")
DAMAGED = ("fix: restore the file from a backup, or pass a new file name with --store to start "
           "an empty store")


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    """A pack and a store holding one run of it (2024-12-31)."""
    root = tmp_path_factory.mktemp("real")
    pack = write_pack(root / "pack")
    store = root / "real.duckdb"
    assert main(["close", str(pack), "--valuation-date", "2024-12-31", "--store", str(store),
                 "--quiet"]) == 0
    return pack, store


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _truncated(real, path):
    path.write_bytes(real.read_bytes()[:4096])  # the first 4 KiB of a real store


def _random(real, path):
    path.write_bytes(np.random.default_rng(13).bytes(20_000))


def _empty(real, path):
    path.write_bytes(b"")


def _corrupted(real, path):
    data = bytearray(real.read_bytes())
    data[4096:8192] = np.random.default_rng(13).bytes(4096)  # the first database header
    path.write_bytes(bytes(data))


def _sqlite(real, path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (a)")
    con.commit()
    con.close()


def _other_app(real, path):
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.execute("CREATE TABLE runs (id INTEGER)")
    con.close()


def _newer(real, path):
    shutil.copyfile(real, path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', now())", [LATEST + 1])
    con.close()


CASES = {
    "truncated": (_truncated, "is truncated (the file ends before its data); " + DAMAGED),
    "random bytes": (_random, "is not a DuckDB database (its first bytes are not a DuckDB "
                              "header), so not a Reserva store; " + OTHER),
    "empty file": (_empty, "is an empty file (0 bytes), not a Reserva store; " + OTHER
                   + " (or delete the empty file)"),
    "corrupted": (_corrupted, "is corrupted (a block fails its checksum); " + DAMAGED),
    "sqlite": (_sqlite, "is an SQLite database, not a Reserva store; " + OTHER),
    "another application": (_other_app, "is a DuckDB database of another application (tables "
                                        "customers, runs), not a Reserva store; " + OTHER),
    "newer schema": (_newer, f"was written by a newer Reserva (schema version {LATEST + 1}; this "
                             f"Reserva reads up to version {LATEST}); fix: upgrade Reserva (pip "
                             "install --upgrade reserva) or pass another --store"),
}
COMMANDS = {
    "close": ["close", "{pack}", "--valuation-date", "2025-03-31"],
    "runs": ["runs"],
    "kpi": ["kpi"],
    "liquidity": ["liquidity"],
    "alm": ["alm"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_store_file_is_exit_3_one_line_and_left_as_it_was(case, command, real_store,
                                                                tmp_path, capsys):
    pack, real = real_store
    make, expected = CASES[case]
    store = tmp_path / "store.duckdb"
    make(real, store)
    before = _digest(store)
    argv = [a.format(pack=pack) for a in COMMANDS[command]] + ["--store", str(store)]
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, err) == (3, f"reserva: store {store} {expected}\n"), err
    assert "Traceback" not in err and "SELECT" not in err and out == ""
    assert _digest(store) == before


@pytest.mark.parametrize("command", ["runs", "kpi", "liquidity", "alm"])
def test_readers_without_a_store_name_the_path_they_looked_at(command, tmp_path, monkeypatch,
                                                              capsys):
    monkeypatch.chdir(tmp_path)
    code = main([command])
    _, err = capsys.readouterr()
    assert code == 3
    assert err == (f"reserva: no Reserva store at reserva.duckdb ({tmp_path / 'reserva.duckdb'}); "
                   "fix: pass --store PATH of an existing store, or create one with "
                   "`reserva close DATA_DIR --valuation-date YYYY-MM-DD`\n")
    assert not (tmp_path / "reserva.duckdb").exists()


def test_a_store_in_a_missing_folder_is_refused_before_the_close(real_store, tmp_path, capsys):
    pack, _ = real_store
    store = tmp_path / "nowhere" / "s.duckdb"
    code = main(["close", str(pack), "--valuation-date", "2024-12-31", "--store", str(store)])
    _, err = capsys.readouterr()
    assert (code, err) == (3, f"reserva: cannot create store {store}: the folder {store.parent} "
                              "does not exist; fix: create the folder or pass another --store\n")


def test_an_empty_duckdb_file_becomes_a_store(real_store, tmp_path, capsys):
    pack, _ = real_store
    store = tmp_path / "blank.duckdb"
    duckdb.connect(str(store)).close()
    assert main(["runs", "--store", str(store)]) == 3
    assert "has no runs" in capsys.readouterr().err
    assert main(["close", str(pack), "--valuation-date", "2024-12-31", "--store", str(store),
                 "--quiet"]) == 0
    assert list(store_runs.list_runs(store)["run_id"]) == [1]


def test_a_reader_upgrades_an_older_store(real_store, tmp_path, capsys):
    _, real = real_store
    store = tmp_path / "old.duckdb"
    shutil.copyfile(real, store)
    con = duckdb.connect(str(store))
    for table in ("cashflow_grid", "liquidity", "alm_ladder", "alm_measures", "alm_checks"):
        con.execute(f"DROP TABLE {table}")  # migration 10
    for column in ("assumption_parent_hash", "assumption_overrides"):
        con.execute(f"ALTER TABLE runs DROP COLUMN {column}")  # migration 11
    con.execute("DELETE FROM schema_migrations WHERE version >= 10")
    con.close()
    code = main(["runs", "--store", str(store)])
    assert code == 0, capsys.readouterr().err
    con = connect(store, read_only=True)
    try:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1")
                    .fetchall()]
    finally:
        con.close()
    assert versions == [m[0] for m in MIGRATIONS]


@pytest.mark.slow
def test_a_store_held_open_by_another_program_is_named(real_store, tmp_path, capsys):
    _, real = real_store
    store = tmp_path / "held.duckdb"
    shutil.copyfile(real, store)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        for argv in (["runs"], ["kpi"]):
            code = main([*argv, "--store", str(store)])
            _, err = capsys.readouterr()
            assert (code, err) == (
                3, f"reserva: store {store} is open in another program (pid {holder.pid}); fix: "
                   "close that program's connection to it (a notebook, a DuckDB shell) and try "
                   "again\n")
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
