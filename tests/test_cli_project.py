"""`reserva project` on a closed sample: its outputs, the stored rows and lineage, a store
untouched by ``--no-save`` or a failure, a rerun storing nothing, and period 0 equal to the
close (``reserva.forecast``; the kernel's own tests are in tests/projection/test_plan.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from reserva import api
from reserva.io.scenarios import COLUMNS
from reserva.projection.plan import IX
from reserva.store.runs import read_results
from tests.conftest import run_cli as run

HEADER = ",".join(COLUMNS)
PROJECTION_TABLES = ("projection_values", "projection_events", "projection_lineage")


def _count(path: Path, table: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def store(stress_store, tmp_path) -> Path:
    """A copy of the session's closed sample store (run 1)."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(stress_store, path)
    return path


def test_no_save_prints_the_table_and_writes_nothing(store, capsys):
    code, out, err = run(capsys, "project", "--store", store, "--years", "1", "--no-save")
    assert code == 0, err
    assert "programme by period" in out and "verdict per scenario" in out
    assert "base" in out
    for t in PROJECTION_TABLES:
        assert _count(store, t) == 0


def test_a_projection_is_stored_once_with_its_lineage(store, capsys):
    code, out, err = run(capsys, "project", "--store", store, "--years", "1", "--format",
                         "json")
    assert code == 0, err
    doc = json.loads(out)
    stored = doc["stored"]
    assert stored and all(s.startswith("project:") for s in stored)
    assert stored[0].startswith("project:base@")
    assert set(doc["verdicts"]) >= {"base"}
    lineage = duckdb.connect(str(store), read_only=True).execute(
        "SELECT scenario, scenario_id, periods, period_months, verdict FROM projection_lineage"
    ).fetchdf()
    assert sorted(lineage["scenario"]) == sorted(stored)
    assert set(lineage["periods"]) == {4} and set(lineage["period_months"]) == {3}
    assert set(lineage["verdict"]) <= {"pass", "fail", "n/a"}
    rows = _count(store, "projection_values")
    # the same projection again stores nothing new
    code, out, err = run(capsys, "project", "--store", store, "--years", "1", "--format",
                         "json")
    assert code == 0, err
    assert json.loads(out)["stored"] == []
    assert _count(store, "projection_values") == rows


def test_period_zero_is_the_close(stress_store):
    p = api.project(stress_store, years=0)
    rid = p.run_id
    _, st = read_results(Path(stress_store), "statements", rid)
    bs = st.set_index(["code", "product_id"])["value"]
    v = p.result.values[0]  # the plan
    for c, col in enumerate(p.result.columns):
        for code in ("B01", "B14", "B17", "B20", "B23", "P03", "P02", "P11", "P28"):
            assert v[c, 0, IX[code]] == pytest.approx(bs[(code, col)], rel=1e-12, abs=1e-6), (
                code, col)
    assert p.result.values.shape[2] == 1


def test_identities_hold_for_every_scenario_of_the_library(stress_store):
    p = api.project(stress_store, years=2)
    v = p.result.values
    it = lambda k: v[:, :, :, IX[k]]  # noqa: E731
    assert np.allclose(it("P02"), it("P03") - it("P04"), atol=1e-6)
    assert np.allclose(it("P28"), it("P02") + it("P05") - it("P11") - it("P16"), atol=1e-6)
    assert np.allclose(it("B01"), it("B02") + it("B03") + it("B04"), atol=1e-6)
    cap = it("capital")
    assert np.allclose(cap[:, :, 1:] - cap[:, :, :-1],
                       it("P37")[:, :, 1:] + it("injections")[:, :, 1:], atol=1e-5)
    for b, f in (("B14", "P04"), ("B17", "P13"), ("B20", "P14"), ("B23", "P15")):
        assert np.allclose(it(b)[:, :, 1:] - it(b)[:, :, :-1], it(f)[:, :, 1:], atol=1e-6)
    # the programme column is the products' sum plus what no product holds: its reserves
    # are the products' (the sample holds no reserve outside a product)
    assert np.allclose(it("B14")[:, -1], it("B14")[:, :-1].sum(1), atol=1e-6)


def test_a_scenario_equal_to_the_plan_gives_the_plan(store, tmp_path):
    f = tmp_path / "same.csv"
    f.write_text(HEADER + "\nsame,same as the plan,both,going_concern,claims_frequency,ALL,,,"
                 "1,,1.0,multiplier,step,illustrative,\n", encoding="utf-8")
    p = api.project(store, years=1, scenarios=f)
    assert p.result.scenario_ids == ("base", "same")
    np.testing.assert_array_equal(p.result.values[0], p.result.values[1])


def test_a_bad_scenario_file_is_refused_and_stores_nothing(store, tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "\nx,x,both,going_concern,claims_frequency,ALL,,,0,,-1,multiplier,"
                 "step,illustrative,\n", encoding="utf-8")
    code, out, err = run(capsys, "project", "--store", store, "--scenarios", f)
    assert code == 2
    assert err.startswith("reserva: ") and "Traceback" not in err
    assert "bad.csv" in err
    for t in PROJECTION_TABLES:
        assert _count(store, t) == 0


def test_bad_options_say_so(store, capsys):
    code, _out, err = run(capsys, "project", "--store", store, "--years", "11")
    assert code == 2 and "reserva:" in err
    code, _out, err = run(capsys, "project", "--store", store, "--no-actions", "--actions",
                          "x.csv")
    assert code == 2 and "exclude" in err
    code, _out, err = run(capsys, "project", "--store", store, "--statements", "nope",
                          "--no-save")
    assert code == 2 and "nope" in err


def test_statements_and_csv(store, capsys):
    code, out, err = run(capsys, "project", "--store", store, "--years", "1", "--no-save",
                         "--statements", "base")
    assert code == 0, err
    assert "scenario base: the programme" in out and "P28" in out
    code, out, err = run(capsys, "project", "--store", store, "--years", "1", "--no-save",
                         "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(__import__("io").StringIO(out))
    assert list(frame.columns) == ["scenario_id", "product_id", "period", "item", "value"]
    assert set(frame["period"]) == {0, 1, 2, 3, 4}


@pytest.fixture(scope="module")
def two_closes(stress_store, tmp_path_factory) -> Path:
    """The session's sample store with a second close a quarter earlier (run 2, 2025-09-30)."""
    from reserva.pipeline import close

    path = tmp_path_factory.mktemp("two_closes") / "store.duckdb"
    shutil.copyfile(stress_store, path)
    close(stress_store.parent, "2025-09-30", store=path)
    return path


def test_backtest_compares_a_projection_with_the_later_close(two_closes, capsys):
    code, out, err = run(capsys, "project", "--store", two_closes, "--backtest", "--from-run",
                         "2", "--to-run", "1", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["from_date"], doc["to_date"], doc["months"]) == ("2025-09-30", "2025-12-31", 3)
    frame = pd.DataFrame(doc["backtest"])
    # the actual figures are run 1's stored statements, the projected ones a quarter's
    # projection of run 2 (the API's, without the store's write)
    _, st = read_results(two_closes, "statements", 1)
    actual = st.set_index(["code", "product_id"])["value"]
    for row in frame.itertuples(index=False):
        assert row.actual == pytest.approx(actual[(row.item, row.product_id)])
        assert row.difference == pytest.approx(row.actual - row.projected)
    proj = api.project(two_closes, 2, years=1, period="quarter", use_actions=False)
    q1 = proj.result.values[0, -1, 1]
    got = frame[(frame["product_id"] == "ALL")].set_index("item")["projected"]
    assert got["P02"] == pytest.approx(q1[IX["P02"]])
    assert got["B14"] == pytest.approx(q1[IX["B14"]])
    for t in PROJECTION_TABLES:
        assert _count(two_closes, t) == 0


@pytest.mark.parametrize("argv, words", [
    (("--backtest", "--from-run", "1", "--to-run", "2"), "is not after run 1"),
    (("--backtest", "--from-run", "2"), "needs --from-run and --to-run"),
    (("--backtest", "--from-run", "2", "--to-run", "1", "--years", "2"), "leave out"),
    (("--backtest", "--from-run", "2", "--to-run", "9"), "9"),
])
def test_backtest_errors(two_closes, capsys, argv, words):
    code, _out, err = run(capsys, "project", "--store", two_closes, *argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_a_bad_statements_name_stores_nothing(store, capsys):
    code, _out, err = run(capsys, "project", "--store", store, "--years", "1", "--statements",
                          "nosuch")
    assert code == 2 and "nosuch" in err
    for t in PROJECTION_TABLES:
        assert _count(store, t) == 0


def test_claims_paid_by_products_without_assets_reduce_the_programmes_cash(store, tmp_path):
    """Every asset of the sample belongs to no product (but HE's claims cash and deposits), so
    the other products' pots start at 0: what they pay comes out of cash and liquid assets at
    the programme's mix (plan_base: a column without assets at the close takes it)."""
    f = tmp_path / "cat.csv"
    f.write_text(HEADER + "\ncat,catastrophe,both,severe,catastrophe_claims,credit_life,,,1,,"
                 "100000,amount,step,illustrative,\n", encoding="utf-8")
    p = api.project(store, years=1, scenarios=f, use_actions=False)
    v = p.result.values[:, -1, 1]  # the programme, period 1
    paid = v[1, IX["P12"]] - v[0, IX["P12"]]
    assert paid > 50_000
    assert v[1, IX["B02"]] < v[0, IX["B02"]] - 0.05 * paid
    assert v[1, IX["liquid"]] < v[0, IX["liquid"]] - 0.05 * paid


def test_runs_stored_before_what_a_projection_reads_are_refused_with_the_fix(store, capsys):
    """A run whose close kept no stress inputs (before migration 14), or no earned and
    expiring premium (before issue 16): one `reserva:` line each, naming the fix."""
    con = duckdb.connect(str(store))
    try:
        con.execute("DELETE FROM stress_flows WHERE flow IN ('earned_premium', "
                    "'expiring_premium')")
    finally:
        con.close()
    code, _out, err = run(capsys, "project", "--store", store, "--no-save")
    assert code == 2 and "predates the forward projection" in err and "--rerun" in err
    con = duckdb.connect(str(store))
    try:
        con.execute("DELETE FROM stress_products")
    finally:
        con.close()
    code, _out, err = run(capsys, "project", "--store", store, "--no-save")
    assert code == 2 and err.count("\n") == 1
    assert "a projection cannot start from it" in err and "project the new run" in err
