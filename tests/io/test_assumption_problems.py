"""The assumption loader reports every problem of every file at once, like the data pack: one
AssumptionError whose ``cells`` name the file, line and column of each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from reserva.errors import AssumptionError
from reserva.io.assumptions import default_root, load_assumptions, write_manifest


def _edit(folder: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one cell (``row``: the line in the file, header = 1) of a CSV file of the set."""
    frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value
    frame.to_csv(folder / name, index=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    return folder


def _problems(folder: Path) -> AssumptionError:
    write_manifest(folder)
    with pytest.raises(AssumptionError) as err:
        load_assumptions(str(folder))
    return err.value


def test_bad_cells_in_several_files_are_all_reported(folder):
    _edit(folder, "reserving.csv", 3, "ibnr_method", "magic")
    _edit(folder, "reserving.csv", 4, "expected_loss_ratio", "lots")
    _edit(folder, "life_basis.csv", 2, "interest_rate", "five")
    _edit(folder, "projection.csv", 3, "lapse_rate", "1.5")
    _edit(folder, "asset_map.csv", 2, "haircut", "-1")
    _edit(folder, "kpi_thresholds.csv", 2, "edition", "second")
    _edit(folder, "investment_limits.csv", 2, "rule", "anything_goes")
    toml = folder / "settings.toml"
    toml.write_text(toml.read_text().replace("months = 3 ", 'months = "three" ', 1))
    err = _problems(folder)
    found = {(c.file, c.row, c.column) for c in err.cells}
    assert found == {
        ("reserving.csv", 3, "ibnr_method"), ("reserving.csv", 4, "expected_loss_ratio"),
        ("life_basis.csv", 2, "interest_rate"), ("projection.csv", 3, "lapse_rate"),
        ("asset_map.csv", 2, "haircut"), ("kpi_thresholds.csv", 2, "edition"),
        ("investment_limits.csv", 2, "rule"), ("settings.toml", 5, "[period] months"),
    }
    text = str(err)
    assert text.startswith(f"assumption set set: {len(found)} problems in asset_map.csv, ")
    assert "projection.csv line 3 lapse_rate = '1.5', expected an annual rate in [0, 1]" in text
    assert "investment_limits.csv line 2 rule = 'anything_goes', expected one of" in text
    assert "[period] months = 'three', expected a whole number" in text
    assert {c.value for c in err.cells} >= {"magic", "lots", "five", "1.5", "-1", "second"}


def test_problems_of_earning_profiles_and_curves_come_together(folder):
    curves = (folder / "earning_curves.csv").read_text()
    assert "health_seasonal,1.00,1.00" in curves
    (folder / "earning_curves.csv").write_text(
        curves.replace("health_seasonal,1.00,1.00", "health_seasonal,1.00,0.95"))
    profiles = (folder / "earning_profiles.csv").read_text()
    (folder / "earning_profiles.csv").write_text(profiles.replace("loan,0.24", "loan,24%"))
    err = _problems(folder)
    assert {c.file for c in err.cells} == {"earning_curves.csv", "earning_profiles.csv"}
    assert "curve 'health_seasonal' must have elapsed fractions rising" in str(err)
    assert "uses the loan basis with param '24%'" in str(err)


def test_a_file_without_its_columns_does_not_hide_the_others(folder):
    (folder / "payment_patterns.csv").write_text("kind,period\n")
    _edit(folder, "ibnr_options.csv", 2, "average", "median")
    err = _problems(folder)
    assert ("payment_patterns.csv lacks column(s) product_kind, share" in str(err))
    assert ("ibnr_options.csv", 2) in {(c.file, c.row) for c in err.cells}


def test_a_mortality_row_with_a_bad_number_and_another_bad_row_are_both_reported(folder):
    text = (folder / "mortality_tables.csv").read_text()
    text += "BAD1,makeham,,,x,1,1.1,0,120,a bad law\nBAD2,gompertz,,,,,,,,x\n"
    (folder / "mortality_tables.csv").write_text(text)
    err = _problems(folder)
    assert {(c.row, c.column) for c in err.cells} == {(3, "law_a"), (4, "source")}


def test_one_problem_stays_one_sentence(folder):
    _edit(folder, "reserving.csv", 2, "refund_rule", "always")
    err = _problems(folder)
    assert str(err).startswith("assumption set set: reserving.csv ")
    assert len(err.cells) == 1 and err.cells[0].value == "always"


def test_the_cli_prints_every_problem_one_a_line(folder, tiny_pack, capsys):
    from reserva.cli import main

    _edit(folder, "reserving.csv", 2, "refund_rule", "always")
    _edit(folder, "projection.csv", 2, "basis", "guess")
    write_manifest(folder)
    for argv in (["assumptions", "check", str(folder)],
                 ["validate", str(tiny_pack), "--assumptions", str(folder)]):
        code = main(argv)
        err = capsys.readouterr().err.splitlines()
        assert code == 2
        assert err == [
            "reserva: assumption set set: 2 problems in projection.csv, reserving.csv",
            "reserva: reserving.csv credit_life refund_rule = 'always', expected one of data, "
            "pro_rata, none",
            "reserva: projection.csv line 2 basis = 'guess', expected one of exposure, life, none",
        ]


def test_a_set_without_a_file_added_later_is_told_where_to_copy_it_from(tmp_path):
    """A set copied before liability_map.csv / stress_scenarios.csv were required: hashing it
    again cannot help, so the fix names the bundled default set to copy them from."""
    mine = tmp_path / "mine"
    shutil.copytree(default_root() / "default", mine)
    for name in ("liability_map.csv", "stress_scenarios.csv"):
        (mine / name).unlink()
    write_manifest(mine)
    with pytest.raises(AssumptionError) as err:
        load_assumptions("mine", root=tmp_path)
    text = str(err.value)
    assert "liability_map.csv, stress_scenarios.csv missing" in text
    assert str(default_root() / "default") in text and "assumptions hash" in text
