"""The registry of result tables, the scenario key, and the migration that brought it.

Every result table is keyed by (run_id, scenario, *its keys); a close stores scenario ``base``;
more scenarios of a stored run are added by ``save_scenario``; readers read ``base`` unless
asked for another; a store written before the scenario key (schema version 11) is migrated
by its first reader, its rows becoming scenario ``base``, every reader returning what it did.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reserva.errors import StoreError
from reserva.pipeline import close
from reserva.sample.generate import write_sample
from reserva.store import runs as store_runs
from reserva.store.db import connect
from reserva.store.migrations import _TABLES_V11 as TABLES_V11
from reserva.store.migrations import MIGRATIONS
from reserva.store.results import BASE, RESULT_TABLES, TABLES, results_tables
from reserva.vocab import PROGRAMME, RESERVES

GRAINS = ("product", "product+programme", "programme")


def _schema(path: Path) -> dict[str, tuple]:
    """Per table: its (column, type, nullable) in order and its primary key."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE database_name = current_database() ORDER BY table_name, column_index"
        ).fetchall()
        keys = dict(con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'"
        ).fetchall())
    finally:
        con.close()
    out: dict[str, tuple] = {}
    for table, *col in cols:
        out.setdefault(table, ([], tuple(keys.get(table, ()))))[0].append(tuple(col))
    return {t: (tuple(c), k) for t, (c, k) in out.items()}


def _rows(path: Path, table: str, where: str = "") -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} {where} ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory):
    """A close of a small sample pack (every kind of row: life contracts, savings, assets)."""
    data = tmp_path_factory.mktemp("sample")
    write_sample(data, policies=2000, seed=7)
    result = close(data, "2025-12-31", write=False)
    return result, results_tables(result)


def test_every_result_table_is_keyed_by_run_scenario_and_its_registered_keys(tmp_path):
    connect(tmp_path / "s.duckdb").close()  # a new store: every migration applied
    schema = _schema(tmp_path / "s.duckdb")
    assert [t.name for t in TABLES] == list(RESULT_TABLES)
    assert len(set(RESULT_TABLES)) == len(RESULT_TABLES)
    for t in TABLES:
        columns, key = schema[t.name]
        assert [c[0] for c in columns[:2]] == ["run_id", "scenario"], t.name
        assert columns[1] == ("scenario", "VARCHAR", False), t.name
        assert set(t.keys) <= {c[0] for c in columns}, t.name
        assert key == (("run_id", "scenario", *t.keys) if t.indexed else ()), t.name
        assert t.grain in GRAINS and t.description and "\n" not in t.description, t.name


def test_the_keys_identify_the_rows_of_a_close_and_the_grain_is_kept(sample_tables):
    result, tables = sample_tables
    assert list(tables) == list(RESULT_TABLES)
    products = set(result.products)
    assert len(tables["upr_policy"]) and len(tables["alr_policy"]) and len(tables["alm_checks"])
    for t in TABLES:
        frame = tables[t.name]
        if not t.by_close:  # a stress check's: a close writes none of its rows
            assert frame.empty, t.name
            continue
        assert not frame.duplicated(list(t.keys)).any(), t.name
        assert not frame[list(t.keys)].isna().any().any(), t.name
        ids = set(frame["product_id"]) if "product_id" in frame else set()
        if t.grain == "product":
            assert ids <= products, t.name
        elif t.grain == "product+programme":
            assert PROGRAMME in ids and ids - {PROGRAMME} <= products, t.name
        else:
            assert ids <= {PROGRAMME}, t.name


def test_a_close_stores_scenario_base_and_readers_read_it(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    run = close(tiny_pack, "2024-12-31", store=store, write=True)
    for name in RESULT_TABLES:
        assert {r[0] for r in _rows(store, name)} <= {run.run_id}
        assert {r[1] for r in _rows(store, name)} <= {BASE}, name
    assert store_runs.scenarios(store) == [BASE]
    rid, kpis = store_runs.read_results(store, "kpis")
    assert rid == run.run_id and "scenario" not in kpis and "run_id" not in kpis
    pd.testing.assert_frame_equal(kpis, store_runs.read_results(store, "kpis", rid, BASE)[1])


def _stressed(tables: dict[str, pd.DataFrame], factor: float) -> dict[str, pd.DataFrame]:
    """A stand-in for a stress scenario's results: statements, KPIs and liquidity scaled."""
    return {
        "statements": tables["statements"].assign(value=tables["statements"]["value"] * factor),
        "kpis": tables["kpis"].assign(value=tables["kpis"]["value"] * factor),
        "liquidity": tables["liquidity"],
    }


def test_scenarios_of_a_stored_run_are_added_and_read_apart(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    first = close(tiny_pack, "2024-09-30", store=store, write=True)
    base = results_tables(first)
    before = {name: _rows(store, name) for name in ("runs", *RESULT_TABLES)}
    store_runs.save_scenario(store, first.run_id, "stress", _stressed(base, 2.0))
    assert {name: _rows(store, name, f"WHERE scenario = '{BASE}'")
            for name in RESULT_TABLES} == {n: before[n] for n in RESULT_TABLES}
    assert _rows(store, "runs") == before["runs"]  # one run record, two scenarios of results
    assert store_runs.scenarios(store, first.run_id) == [BASE, "stress"]
    _, stressed = store_runs.read_results(store, "statements", first.run_id, "stress")
    _, plain = store_runs.read_results(store, "statements", first.run_id)
    pd.testing.assert_frame_equal(stressed.drop(columns="value"), plain.drop(columns="value"))
    assert (stressed["value"] == plain["value"] * 2.0).all()
    # a table the scenario does not hold reads empty; a scenario the run lacks is an error
    assert store_runs.read_results(store, "reserves", first.run_id, "stress")[1].empty
    with pytest.raises(StoreError, match=r"run 1 has no scenario 'other'; its scenarios: "
                                         r"base, stress"):
        store_runs.read_results(store, "kpis", first.run_id, "other")
    # the default run is the latest having the scenario; base is every close's
    second = close(tiny_pack, "2024-12-31", store=store, write=True)
    assert store_runs.read_results(store, "kpis")[0] == second.run_id
    assert store_runs.read_results(store, "kpis", scenario="stress")[0] == first.run_id
    trend = store_runs.kpi_trend(store, scenario="stress")
    assert set(trend["run_id"]) == {first.run_id}
    assert set(store_runs.kpi_trend(store)["run_id"]) == {first.run_id, second.run_id}
    with pytest.raises(StoreError, match="no completed run with scenario 'other'"):
        store_runs.read_results(store, "kpis", scenario="other")
    # the close's opening reserves are the base scenario's
    assert store_runs.opening_reserves(store, first.valuation_date)[0] == first.run_id


def test_a_scenario_is_stored_whole_or_not_at_all_and_never_replaced(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    run = close(tiny_pack, "2024-12-31", store=store, write=True)
    tables = _stressed(results_tables(run), 3.0)
    store_runs.save_scenario(store, run.run_id, "stress", tables)
    before = {name: _rows(store, name) for name in ("runs", *RESULT_TABLES)}
    bad = {**tables, "liquidity": tables["liquidity"].assign(bogus=1)}  # written last
    cases = [
        (run.run_id, "other", bad, r"cannot write scenario 'other' of run 1 to store .*bogus"),
        (run.run_id, "stress", tables, r"run 1 already has scenario 'stress' in store .*; fix: "
                                       r"store it under another name"),
        (9, "other", tables, r"run 9 is not in the store; fix: see `reserva runs`"),
        (run.run_id, "other", {"nope": tables["kpis"]}, r"unknown results table\(s\) nope"),
        (run.run_id, "other", {}, "no results table to store"),
        (run.run_id, " x", tables, r"scenario name ' x' is not a name"),
        (run.run_id, "", tables, r"scenario name '' is not a name"),
    ]
    for run_id, scenario, frames, message in cases:
        with pytest.raises(StoreError, match=message):
            store_runs.save_scenario(store, run_id, scenario, frames)
        assert {name: _rows(store, name) for name in ("runs", *RESULT_TABLES)} == before
    assert store_runs.scenarios(store) == [BASE, "stress"]
    with pytest.raises(StoreError, match="run 1 is not in the store"):
        store_runs.save_scenario(tmp_path / "none.duckdb", 1, "stress", tables)
    assert not (tmp_path / "none.duckdb").exists()


def test_save_run_stores_the_scenario_it_is_given(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    reference = close(tiny_pack, "2024-12-31", store=tmp_path / "ref.duckdb", write=True)
    record = store_runs.RunRecord(**{
        k: v for k, v in store_runs.run_record(tmp_path / "ref.duckdb", reference.run_id).items()
        if k in store_runs.RunRecord.__dataclass_fields__})
    tables = results_tables(reference)
    rid = store_runs.save_run(store, record, tables, scenario="projection")
    assert store_runs.scenarios(store, rid) == ["projection"]
    _, kpis = store_runs.read_results(store, "kpis", rid, "projection")
    pd.testing.assert_frame_equal(kpis, store_runs.read_results(tmp_path / "ref.duckdb",
                                                                "kpis")[1])
    with pytest.raises(StoreError, match="run results lack table"):
        store_runs.save_run(store, record, {"kpis": tables["kpis"]})


def _store_at_version_11(path: Path, source: Path) -> None:
    """A store as Reserva wrote it before the scenario key: migrations 1-11 as released, the
    runs and results of ``source`` (a current store) copied in without the scenario."""
    assert [m[0] for m in MIGRATIONS[:11]] == list(range(1, 12))
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                    "name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
        for version, name, sql in MIGRATIONS[:11]:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        con.execute("INSERT INTO runs BY NAME SELECT * EXCLUDE (run_id) FROM src.runs "
                    "ORDER BY run_id")  # ids from the sequence, as the writer took them
        for name in TABLES_V11:  # the result tables of schema 11
            con.execute(f"INSERT INTO main.{name} BY NAME "
                        f"SELECT * EXCLUDE (scenario) FROM src.{name}")
        con.execute("DETACH src")
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 11
        assert not con.execute("SELECT count(*) FROM duckdb_columns() "
                               "WHERE column_name = 'scenario'").fetchone()[0]
    finally:
        con.close()


def test_a_store_of_schema_11_is_migrated_its_rows_becoming_base(tiny_pack, tmp_path):
    ref, old = tmp_path / "ref.duckdb", tmp_path / "old.duckdb"
    for date in ("2024-09-30", "2024-12-31"):
        close(tiny_pack, date, store=ref, write=True)
    _store_at_version_11(old, ref)
    counts = {name: len(_rows(old, name)) for name in TABLES_V11}
    assert counts["reserves"] and counts["kpis"] and counts["cashflow_grid"]
    # the first reader migrates; every reader returns what it returns on the reference
    pd.testing.assert_frame_equal(store_runs.list_runs(old), store_runs.list_runs(ref))
    assert _schema(old) == _schema(ref)
    for name in set(RESULT_TABLES) - set(TABLES_V11):  # tables of later migrations: empty
        assert _rows(old, name) == [], name
    for name in TABLES_V11:
        assert {r[1] for r in _rows(old, name)} <= {BASE}, name
        assert len(_rows(old, name)) == counts[name], name
        assert _rows(old, name) == _rows(ref, name), name
        for run_id in (1, 2):
            pd.testing.assert_frame_equal(store_runs.read_results(old, name, run_id)[1],
                                          store_runs.read_results(ref, name, run_id)[1])
    pd.testing.assert_frame_equal(store_runs.kpi_trend(old), store_runs.kpi_trend(ref))
    assert store_runs.scenarios(old, 1) == [BASE]
    versions = [r[0] for r in _rows(old, "schema_migrations")]
    assert versions == [m[0] for m in MIGRATIONS]
    # the next close takes its opening reserves from the migrated store, as from the other
    nxt_old = close(tiny_pack, "2025-03-31", store=old, write=True)
    nxt_ref = close(tiny_pack, "2025-03-31", store=ref, write=True)
    assert (nxt_old.run_id, nxt_old.opening_source) == (nxt_ref.run_id, "store")
    for reserve in RESERVES:
        assert list(nxt_old.opening.get(reserve)) == list(nxt_ref.opening.get(reserve))
    for name in RESULT_TABLES:
        assert _rows(old, name, "WHERE run_id = 3") == _rows(ref, name, "WHERE run_id = 3")
