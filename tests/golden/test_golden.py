"""Golden equivalence (issue 14): every stored table of three closes is what main stored before.

The golden files in ``tests/golden/data`` were stored by the commit before issue 14 (see
``build.py`` for how and when to rebuild them). Each case is closed here with the current code
into a fresh store and every table is compared exactly (``compare.py``: same tables, columns,
types and rows, floats bit for bit or within 1e-12 of one another (``compare.FLOAT_RTOL``: the
last bits of a sum may differ from one CPU to another), after run ids become run ordinals and the columns of
``VOLATILE`` are dropped). The only differences that pass are those of ``INTENDED``, each with
its reason, and a ``scenario`` column holding only ``'base'``.

The comparison itself is tested on small tables, so that it is seen to fail where it should.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from tests.golden.cases import CASES, pack_hashes, run_case
from tests.golden.compare import (
    INTENDED,
    MANIFEST,
    PACK_ADDITIONS,
    PACK_CHANGE,
    VOLATILE,
    Intended,
    Snapshot,
    compare,
    read_golden,
    read_store,
    write_golden,
)
from tests.golden.trees import import_name_of

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_stored_table_is_the_golden_one(case, tmp_path):
    golden = DATA / case
    manifest = json.loads((golden / MANIFEST).read_text())
    pack, store = run_case(CASES[case], tmp_path, "reserva")
    assert pack_hashes(pack, PACK_ADDITIONS) == manifest["pack_sha256"], (
        f"the {case} pack differs from the one the golden files were built from (beyond the "
        f"columns of PACK_ADDITIONS)")
    intended = (*INTENDED, *((PACK_CHANGE,) if CASES[case].generated else ()))
    outcome = compare(read_golden(golden), read_store(store), intended)
    print(outcome.report())  # the intended differences, shown with -rA or -s
    assert outcome.ok, f"case {case} (golden from {manifest['source_commit'][:10]}):\n" + (
        outcome.report())


def test_the_golden_files_cover_every_case_and_the_list_of_intended_differences_is_explained():
    assert sorted(p.name for p in DATA.iterdir() if p.is_dir()) == sorted(CASES)
    for case in CASES.values():
        manifest = json.loads((DATA / case.name / MANIFEST).read_text())
        assert manifest["dates"] == list(case.dates)
        assert "runs" in manifest["keys"] and len(manifest["keys"]) > 10
    assert all(i.reason.strip() for i in INTENDED)
    assert set(VOLATILE) == {"runs"}
    assert sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file()) < 3 * 2**20


# --- the comparison on small tables ---------------------------------------------------------


def snap(**tables: pa.Table) -> Snapshot:
    return Snapshot(tables, {t: ("run_id", "product_id") for t in tables})


def results(values, products=("A", "B"), **extra) -> pa.Table:
    columns = {"run_id": pa.array([1] * len(products), pa.int64()),
               "product_id": list(products), "value": pa.array(values, pa.float64())}
    return pa.table({**columns, **extra})


def only(old: Snapshot, new: Snapshot, intended=()) -> list[str]:
    outcome = compare(old, new, intended)
    return [d.line() for d in outcome.failing]


def test_identical_tables_compare_equal_with_nan_equal_to_nan():
    a = snap(kpis=results([1.5, float("nan")]))
    outcome = compare(a, snap(kpis=results([1.5, float("nan")])), ())
    assert outcome.ok and outcome.report() == "identical"


@pytest.mark.parametrize("old, new, expected", [
    (1.5, 1.500000000003, "1.5 -> 1.500000000003"),  # just beyond FLOAT_RTOL
    (1e-300, -1e-300, "1e-300 -> -1e-300"),  # close, but of the other sign
    (0.0, 1e-300, "0.0 -> 1e-300"),  # a zero is equal to zero only
    (0.0, -0.0, "0.0 -> -0.0"),
    (float("nan"), None, "nan -> None"),  # SQL NULL is not NaN
    (None, 0.0, "None -> 0.0"),
])
def test_floats_are_compared_bit_for_bit_or_within_the_tolerance(old, new, expected):
    lines = only(snap(kpis=results([1.0, old])), snap(kpis=results([1.0, new])))
    assert lines == [f"kpis [run_id=1, product_id=B] value: {expected}"]


@pytest.mark.parametrize("old, new", [
    (1932.3948435829946, 1932.3948435829943),  # one grid cell on two CPUs
    (1.5, 1.5 + 2.0**-52),  # one unit in the last place
    (-2.0, -2.0 * (1 + 5e-13)),
])
def test_floats_within_the_tolerance_are_equal(old, new):
    assert only(snap(kpis=results([1.0, old])), snap(kpis=results([1.0, new]))) == []


def test_missing_and_extra_rows_tables_and_columns_are_differences():
    old = snap(kpis=results([1.0, 2.0]), reserves=results([3.0, 4.0]))
    new = snap(kpis=results([1.0, 2.0, 9.0], products=("A", "B", "C"),
                            note=["x", "y", "z"]))
    assert only(old, new) == [
        "kpis note: column missing -> column present",
        "kpis [run_id=1, product_id=C] *row*: missing -> present",
        "reserves *table*: present -> missing",
    ]


def test_a_changed_type_is_a_difference():
    old = snap(kpis=results([1.0, 2.0], n=pa.array([1, 2], pa.int64())))
    new = snap(kpis=results([1.0, 2.0], n=pa.array([1, 2], pa.int32())))
    assert only(old, new) == ["kpis n: type int64 -> type int32"]


def test_a_base_scenario_column_is_the_one_allowed_extra():
    old = snap(kpis=results([1.0, 2.0]))
    base = compare(old, snap(kpis=results([1.0, 2.0], scenario=["base", "base"])), ())
    assert base.ok and "scenario column" in base.report()
    other = only(old, snap(kpis=results([1.0, 2.0], scenario=["base", "shock"])))
    assert other == ["kpis scenario: column missing -> column present"]


def test_intended_differences_are_reported_and_must_all_occur():
    old = snap(runs=results([1.0, 2.0]))
    new = snap(runs=results([1.0, 3.0]))
    entry = Intended("runs", "value", "a new setting changes the set's hash")
    outcome = compare(old, new, (entry,))
    assert outcome.ok and not outcome.failing
    assert "(a new setting changes the set's hash)" in outcome.report()
    stale = compare(old, old, (entry,))
    assert not stale.ok and stale.unused == (entry,)


def test_a_store_reads_back_normalised_and_round_trips_through_the_golden_files(tmp_path):
    import duckdb

    path = tmp_path / "s.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE runs (run_id BIGINT PRIMARY KEY, created_at TIMESTAMP, "
                "opening_run_id BIGINT, data_dir VARCHAR, notes VARCHAR)")
    con.execute("INSERT INTO runs VALUES (7, now(), NULL, 'x', 'a'), (9, now(), 7, 'y', 'b')")
    con.execute("CREATE TABLE upr_policy (run_id BIGINT, policy_id VARCHAR, upr DOUBLE)")
    con.execute("INSERT INTO upr_policy VALUES (9, 'P2', 1.0), (7, 'P1', NULL), (9, 'P2', 0.5)")
    con.close()
    got = read_store(path)
    assert got.tables["runs"].to_pydict() == {
        "run_id": [1, 2], "opening_run_id": [None, 1], "notes": ["a", "b"]}
    assert got.keys["upr_policy"] == ("run_id", "policy_id")
    assert got.tables["upr_policy"].to_pydict() == {
        "run_id": [1, 2, 2], "policy_id": ["P1", "P2", "P2"], "upr": [None, 0.5, 1.0]}
    write_golden(got, tmp_path / "golden", {"case": "x"})
    assert compare(read_golden(tmp_path / "golden"), got, ()).ok


def test_the_import_name_of_a_tree(tmp_path):
    assert import_name_of(ROOT) == "reserva"
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "close.py").write_text("from engine.io import readers\n")
    assert import_name_of(tmp_path) == "engine"
