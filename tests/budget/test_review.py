"""Budget inputs and runs a review found mishandled, each now refused with a `reserva:` line
(every bad cell at once) or computed as documented; each test failed before its fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from reserva.budget.inputs import load_budget_set
from reserva.budgeting import run_budget
from reserva.errors import InputError
from reserva.io.assumptions import write_manifest
from tests.conftest import run_cli as run

DATA = Path(__file__).parents[1] / "data" / "budget"
TINY, PROJECTED = DATA / "tiny", DATA / "projected"
HEADER = ("scenario_id,name,parameter,selector,year_from,year_to,start_value,end_value,mode,"
          "interpolation,source,note")


def copy(tmp_path: Path, src: Path = TINY) -> Path:
    folder = tmp_path / "set"
    shutil.copytree(src, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str, *, rehash: bool = True) -> None:
    text = (folder / name).read_text()
    assert old in text, old
    (folder / name).write_text(text.replace(old, new, 1))
    if rehash:
        write_manifest(folder)


def cells(folder: Path) -> set[tuple]:
    with pytest.raises(InputError) as err:
        load_budget_set(folder)
    return {(c.file, c.row, c.column) for c in err.value.cells}


def test_years_the_set_lacks_are_refused_before_anything_is_stored(tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    for fmt in ("table", "csv", "json"):
        code, _out, err = run(capsys, "budget", TINY, "--store", store, "--years", "1990-1995",
                              "--format", fmt)
        assert code == 2 and "years within 2003-2004" in err
    assert not store.exists()
    for text in ("2003-", "2003 - 2004", "03"):
        code, _out, err = run(capsys, "budget", TINY, "--no-save", "--years", text)
        assert code == 2 and "Traceback" not in err


def test_a_zero_wage_bill_gives_no_premium_not_an_infinite_one(tmp_path):
    folder = copy(tmp_path)
    for name in ("coverage.csv",):
        text = (folder / name).read_text().splitlines()
        (folder / name).write_text("\n".join([text[0]] + [",".join(r.split(",")[:2] + ["0"])
                                                          for r in text[1:]]) + "\n")
    write_manifest(folder)
    r = run_budget(load_budget_set(folder))
    assert np.isnan(r.general_average_premium).all()


def test_a_broken_manifest_and_a_listed_file_missing_are_bad_cells(tmp_path):
    folder = copy(tmp_path)
    (folder / "manifest.toml").write_text((folder / "manifest.toml").read_text() + "[[[\n")
    assert ("manifest.toml", None, None) in cells(folder)
    folder2 = tmp_path / "two"
    shutil.copytree(TINY, folder2)
    (folder2 / "dependants.csv").unlink()  # the manifest still lists it
    found = cells(folder2)
    assert ("dependants.csv", None, None) in found


def test_a_population_year_given_in_part_or_twice_is_refused(tmp_path):
    folder = copy(tmp_path)
    edit(folder, "population.csv", "2004,female,18,64,1300\n", "")
    assert ("population.csv", None, "persons") in cells(folder)
    folder = tmp_path / "dup"
    shutil.copytree(TINY, folder)
    edit(folder, "population.csv", "2004,female,18,64,1300\n",
         "2004,female,18,64,1300\n2004,female,18,64,0\n")
    assert ("population.csv", 10, "persons") in cells(folder)


def test_labour_shares_and_scheme_keys_are_checked(tmp_path):
    folder = copy(tmp_path)
    edit(folder, "labour.csv", "male,18,64,0.5,0.6", "male,18,64,3,1.5", rehash=False)
    edit(folder, "scheme.csv", "first_year,2003", "first_year,2003.5", rehash=False)
    edit(folder, "scheme.csv", "cpi,0.02,hand-made,", "cpi,0.02,hand-made,\ncpi,0.5,x,",
         rehash=False)
    edit(folder, "scheme.csv", "admin_rate,0.05,hand-made,\n", "")  # missing, said too
    found = cells(folder)
    assert {("labour.csv", 3, "participation"), ("labour.csv", 3, "salaried_share"),
            ("scheme.csv", 2, "value"), ("scheme.csv", 5, "key"),
            ("scheme.csv", None, "key")} <= found


def test_a_premium_base_is_0_or_1(tmp_path):
    folder = copy(tmp_path)
    with open(folder / "scheme.csv", "a") as fh:
        fh.write("premium_base,0.5,x,\n")
    write_manifest(folder)
    assert ("scheme.csv", 15, "value") in cells(folder)


def test_mortality_without_fertility_is_refused(tmp_path):
    folder = copy(tmp_path, PROJECTED)
    (folder / "fertility.csv").unlink()
    write_manifest(folder)
    assert ("fertility.csv", None, None) in cells(folder)


def test_scenario_paths_out_of_range_are_refused_naming_the_user_s_file(tmp_path, capsys):
    f = tmp_path / "mine.csv"
    f.write_text("\n".join([
        HEADER,
        "neg,Negative coverage,coverage,category=salaried,2003,2004,-0.5,-0.5,set,linear,x,",
        "big,Add people,population,,2003,2004,-5000,-5000,add,linear,x,",
        "age,Bad age,utilisation,age=70-80,2003,2004,2,2,multiply,linear,x,"]) + "\n")
    code, _out, err = run(capsys, "budget", TINY, "--no-save", "--scenarios", f)
    assert code == 2 and "Traceback" not in err
    assert err.count("mine.csv") >= 3 and "budget_scenarios.csv" not in err


def test_a_base_with_paths_is_refused(tmp_path, capsys):
    f = tmp_path / "b.csv"
    f.write_text(HEADER + "\nbase,My base,capital_rate,,2003,2004,0.02,0.02,set,linear,x,\n")
    code, _out, err = run(capsys, "budget", TINY, "--no-save", "--scenarios", f)
    assert code == 2 and "an id other than base" in err


def test_a_tariff_is_stored_and_printed_in_currency_with_its_settings(tmp_path, capsys):
    folder = copy(tmp_path)
    cats = (folder / "categories.csv").read_text().splitlines()
    cats = [cats[0] + ",premium", cats[1] + ",50", cats[2] + ","]
    (folder / "categories.csv").write_text("\n".join(cats) + "\n")
    with open(folder / "scheme.csv", "a") as fh:
        fh.write("premium_base,1,x,\nper_capita_scale,1000,x,\n")
    write_manifest(folder)
    store = tmp_path / "s.duckdb"
    code, out, err = run(capsys, "budget", folder, "--store", store, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    bs = load_budget_set(folder)
    raw = run_budget(bs)
    assert doc["general_average_premium"]["base"] == pytest.approx(
        raw.general_average_premium[0])
    import duckdb
    con = duckdb.connect(str(store), read_only=True)
    try:
        row = con.execute("SELECT premium_base, per_capita_scale FROM budget_runs").fetchone()
        stored = con.execute("SELECT general_average_premium FROM budget_scenarios").fetchone()
    finally:
        con.close()
    assert row == ("protected", 1000.0)
    assert stored[0] == pytest.approx(doc["general_average_premium"]["base"])


def test_a_volume_path_on_a_service_costed_by_the_case_is_refused(tmp_path, capsys):
    f = tmp_path / "v.csv"
    f.write_text(HEADER + "\nv,Longer consultations,volume,service=consultation,2003,2004,3,3,"
                 "set,linear,x,\nok,Shorter stays,volume,service=hospital,2003,2004,4,4,set,"
                 "linear,x,\n")
    code, _out, err = run(capsys, "budget", TINY, "--no-save", "--scenarios", f)
    assert code == 2 and "costed by the day" in err and "v.csv" in err
    assert err.count("\n") == 2  # the summary and the one bad row: the hospital path is fine


def test_a_scenario_folder_is_named_as_such(tmp_path, capsys):
    code, _out, err = run(capsys, "budget", TINY, "--no-save", "--scenarios", tmp_path)
    assert code == 2 and "is a folder" in err
