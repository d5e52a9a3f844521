"""`reserva budget` on the hand-made budget set: the seed's tables, a scenario file applied,
the run stored once with its lineage, a failure or ``--no-save`` writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import run_cli as run

TINY = Path(__file__).parent / "data" / "budget" / "tiny"
HEADER = ("scenario_id,name,parameter,selector,year_from,year_to,start_value,end_value,mode,"
          "interpolation,source,note")


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_tables_and_no_store_with_no_save(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "budget", TINY, "--no-save")
    assert code == 0, err
    assert "income and expenditure by year" in out and "% of the wage bill" in out
    assert "per-capita annual cost" in out and "general average premium" in out
    assert not list(tmp_path.iterdir())  # no store written


def test_a_scenario_file_is_applied_and_the_run_stored_with_its_lineage(tmp_path, capsys):
    f = _write(tmp_path / "s.csv",
               "more,Twice the hospital stays,utilisation,service=hospital,2003,2004,2,2,"
               "multiply,linear,illustrative,")
    store = tmp_path / "b.duckdb"
    code, out, err = run(capsys, "budget", TINY, "--scenarios", f, "--store", store,
                         "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["budget_id"] == 1 and doc["scenarios_file"] == "s.csv"
    frame = pd.DataFrame(doc["budget"])
    care = frame[frame["item"] == "health_care"].pivot(index="year", columns="scenario_id",
                                                       values="value")
    # hospital 42,050 of the 87,210 in 2003 (tests/budget/test_inputs.py): doubled
    assert care.loc[2003, "more"] == pytest.approx(care.loc[2003, "base"] + 42_050.0)
    con = duckdb.connect(str(store), read_only=True)
    try:
        runs = con.execute("SELECT set_id, scenarios_file, first_year, last_year FROM "
                           "budget_runs").fetchall()
        scen = con.execute("SELECT scenario FROM budget_scenarios ORDER BY scenario").fetchall()
        n = con.execute("SELECT count(*) FROM budget_values").fetchone()[0]
    finally:
        con.close()
    assert runs == [("tiny", "s.csv", 2003, 2004)]
    assert scen == [("base",), ("more",)]
    assert n == len(frame)


def test_a_bad_scenario_file_lists_its_cells_and_stores_nothing(tmp_path, capsys):
    f = _write(tmp_path / "bad.csv",
               "x,x,utilisation,service=dentistry,2003,2004,2,2,multiply,linear,illustrative,",
               "y,y,coverage,,2003,2004,1,1,double,linear,illustrative,")
    store = tmp_path / "b.duckdb"
    code, _out, err = run(capsys, "budget", TINY, "--scenarios", f, "--store", store)
    assert code == 2 and "Traceback" not in err
    assert "dentistry" in err and "double" in err
    assert not store.exists()


def test_years_and_their_errors(tmp_path, capsys):
    code, out, err = run(capsys, "budget", TINY, "--no-save", "--years", "2004",
                         "--format", "csv")
    assert code == 0, err
    assert set(pd.read_csv(__import__("io").StringIO(out))["year"]) == {2004}
    code, _out, err = run(capsys, "budget", TINY, "--no-save", "--years", "2010-2005")
    assert code == 2 and "reserva:" in err
    code, _out, err = run(capsys, "budget", TINY, "--no-save", "--years", "1990-1991")
    assert code == 2 and "years within 2003-2004" in err


def test_the_bundled_sample_prints_the_seed_s_2003_column(capsys):
    """`reserva budget essalud`: the seed's tables at its printed precision (TV-I1's 2003
    column, TV-I2's 7.27 for every scenario in 2003, TV-I3's 377.1)."""
    code, out, err = run(capsys, "budget", "essalud", "--no-save", "--years", "2003")
    assert code == 0, err
    for text in ("2,753.7", "2,679.7", "2,663.2", "1,980.8", "214.6", "129.2", "338.5",
                 "90.5", "12.1", "2,675.2", "78.5", "36,797.3", "3.29", "97.15", "5.38",
                 "0.92", "7.27", "377.1"):
        assert text in out, text
    table = out[out.index("TV-I2"):out.index("TV-I3")]
    assert table.count("7.27") == 8  # the base and II-VIII
