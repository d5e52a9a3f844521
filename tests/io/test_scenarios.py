"""Stress scenario files: the default library parses, every bad cell is named at once (file,
line, column), a scenario's identity ignores row order and follows every value, and the README
lists every shock type of the registry."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, InputError
from reserva.io.assumptions import default_root, load_assumptions, write_manifest
from reserva.io.scenarios import COLUMNS, parse_scenarios, read_scenarios
from reserva.vocab import PROGRAMME, SHOCK_TYPES, STRESS_FAMILIES

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = default_root() / "default" / "stress_scenarios.csv"

HEADER = ",".join(COLUMNS)
GOOD = [
    "s1,Delay,liquidity,going_concern,premium_delay,ALL,,,1,3,2,months,step,illustrative,",
    "s1,Delay,liquidity,going_concern,asset_haircut,ALL,deposit,,1,,0.4,share,,illustrative,",
    "s2,Base,both,base,none,,,,,,,,,illustrative,",
]


def _write(tmp_path: Path, rows: list[str], name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _cells(tmp_path: Path, rows: list[str]) -> set[tuple]:
    with pytest.raises(InputError) as err:
        read_scenarios(_write(tmp_path, rows))
    return {(c.file, c.row, c.column) for c in err.value.cells}


def test_the_default_library_parses_with_a_base_and_each_family_at_two_severities():
    a = load_assumptions("default")
    by_id = {s.scenario_id: s for s in a.stress_scenarios}
    assert by_id["base"].shocks == () and by_id["base"].severity == "base"
    for family in STRESS_FAMILIES:
        severities = {s.severity for s in a.stress_scenarios if s.family == family}
        assert {"going_concern", "severe"} <= severities, family
    combined = [s for s in a.stress_scenarios if len({x.shock_type for x in s.shocks}) >= 3
                and s.family == "both"]
    assert len(combined) >= 2
    assert read_scenarios(LIBRARY) == a.stress_scenarios


def test_every_row_of_the_library_cites_a_source_or_says_illustrative():
    frame = pd.read_csv(LIBRARY, dtype=str, keep_default_na=False)
    for source in frame["source"]:
        assert source == "illustrative" or re.search(r"Art\. \d+|BCBS|spec §", source), source


def test_a_good_file_is_typed(tmp_path):
    scenarios = read_scenarios(_write(tmp_path, GOOD))
    s1, s2 = scenarios
    delay, haircut = s1.shocks
    assert (delay.start_month, delay.duration_months, delay.value, delay.unit) == (1, 3, 2.0,
                                                                                  "months")
    assert haircut.duration_months is None and haircut.profile == "step"
    assert haircut.asset_class == "deposit" and haircut.product_kind == PROGRAMME
    assert delay.line == 2 and haircut.line == 3
    assert s2.shocks == ()


@pytest.mark.parametrize("row, column", [
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,3,0.5,share,step,illustrative,",
     "unit"),  # a unit premium_delay does not accept
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,3,1.5,months,step,illustrative,",
     "value"),  # months are whole
    ("s1,D,liquidity,going_concern,premium_shortfall,ALL,,,1,3,1.2,share,step,illustrative,",
     "value"),  # a share above 1
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,0,3,2,months,step,illustrative,",
     "start_month"),
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,0,2,months,step,illustrative,",
     "duration_months"),
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,,2,months,linear_in,illustrative,",
     "duration_months"),  # a linear profile needs a duration
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,3,2,months,zigzag,illustrative,",
     "profile"),
    ("s1,D,liquidity,going_concern,hurricane,ALL,,,1,3,2,months,step,illustrative,",
     "shock_type"),
    ("s1,D,liquid,going_concern,premium_delay,ALL,,,1,3,2,months,step,illustrative,", "family"),
    ("s1,D,liquidity,mild,premium_delay,ALL,,,1,3,2,months,step,illustrative,", "severity"),
    ("s1,D,liquidity,going_concern,premium_delay,funeral,,,1,3,2,months,step,illustrative,",
     "product_kind"),
    ("s1,D,liquidity,going_concern,asset_haircut,ALL,gold,,1,,0.1,share,step,illustrative,",
     "asset_class"),
    ("s1,D,liquidity,going_concern,asset_haircut,ALL,,,1,,0.1,share,step,illustrative,",
     "asset_class"),  # a haircut names its asset class
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,3,two,months,step,illustrative,",
     "value"),
    ("s1,D,liquidity,going_concern,premium_delay,ALL,,,1,3,2,months,step,,", "source"),
    ("s 1,D,liquidity,going_concern,premium_delay,ALL,,,1,3,2,months,step,illustrative,",
     "scenario_id"),
    ("s2,B,both,base,none,,,,1,,,,,illustrative,", "start_month"),  # none shocks nothing
])
def test_each_rule_names_its_bad_cell(tmp_path, row, column):
    assert _cells(tmp_path, [row]) == {("mine.csv", 2, column)}


BOUNDS = "s1,D,both,severe,{type},ALL,,,{start},{duration},{value},{unit},step,illustrative,"


@pytest.mark.parametrize("type_, start, duration, value, unit, column, expected", [
    ("claims_frequency", "1", "", "1000.5", "multiplier", "value", "a multiplier in [0, 1000]"),
    ("claims_frequency", "1", "", "1e308", "multiplier", "value", "a multiplier in [0, 1000]"),
    ("catastrophe_claims", "1", "", "1e308", "amount", "value", "an amount in [0, 1e+15]"),
    ("expenses", "1", "", "2e15", "amount", "value", "an amount in [0, 1e+15]"),
    ("reinsurance_delay", "1", "", "1e20", "months", "value",
     "a whole number of months in [0, 1200]"),
    ("premium_delay", "1", "", "1201", "months", "value",
     "a whole number of months in [0, 1200]"),
    ("rate_shift", "1", "", "2000.5", "bp", "value", "basis points in [-2000, 2000]"),
    ("rate_shift", "1", "", "-10000", "bp", "value", "basis points in [-2000, 2000]"),
    ("claims_frequency", "1201", "", "1.2", "multiplier", "start_month",
     "a whole month from 1 to 1200"),
    ("claims_frequency", "100000000000000000000000", "", "1.2", "multiplier", "start_month",
     "a whole month from 1 to 1200"),
    ("claims_frequency", "1", "1201", "1.2", "multiplier", "duration_months",
     "whole number of months from 1 to 1200"),
])
def test_values_that_could_overflow_are_refused_with_the_bound(tmp_path, type_, start, duration,
                                                               value, unit, column, expected):
    row = BOUNDS.format(type=type_, start=start, duration=duration, value=value, unit=unit)
    with pytest.raises(InputError) as err:
        read_scenarios(_write(tmp_path, [row]))
    (cell,) = err.value.cells
    assert (cell.row, cell.column, cell.value) == (2, column, {"value": value,
                                                               "start_month": start,
                                                               "duration_months": duration}[column])
    assert expected in cell.expected and cell.fix


@pytest.mark.parametrize("type_, value, unit", [
    ("claims_frequency", "1000", "multiplier"), ("expenses", "1e15", "amount"),
    ("reinsurance_delay", "1200", "months"), ("rate_shift", "2000", "bp"),
    ("rate_shift", "-2000", "bp"), ("mortality_addon", "-100", "pp"),
])
def test_the_bounds_themselves_are_allowed(tmp_path, type_, value, unit):
    row = BOUNDS.format(type=type_, start="1200", duration="1200", value=value, unit=unit)
    (scenario,) = read_scenarios(_write(tmp_path, [row]))
    (shock,) = scenario.shocks
    assert (shock.start_month, shock.duration_months, shock.value) == (1200, 1200, float(value))


def test_every_value_out_of_bounds_is_reported_at_once_with_expected_and_fix(tmp_path):
    rows = [BOUNDS.format(type="claims_frequency", start="1201", duration="5000", value="1e308",
                          unit="multiplier"),
            BOUNDS.replace("s1,", "s2,").format(type="rate_shift", start="1", duration="",
                                                value="5000", unit="bp"),
            BOUNDS.replace("s1,", "s3,").format(type="grant_stop", start="1", duration="",
                                                value="1e16", unit="amount")]
    with pytest.raises(InputError) as err:
        read_scenarios(_write(tmp_path, rows))
    assert [(c.row, c.column) for c in err.value.cells] == [
        (2, "start_month"), (2, "duration_months"), (2, "value"), (3, "value"), (4, "value")]
    assert all(c.expected and c.fix for c in err.value.cells)
    assert "fix: write a value within that range" in "\n".join(err.value.lines())


def test_rows_of_a_scenario_agree_and_are_not_repeated(tmp_path):
    rows = [
        GOOD[0],
        "s1,Other name,solvency,going_concern,claims_frequency,ALL,,,1,3,1.2,multiplier,,"
        "illustrative,",
        "s1,Delay,liquidity,going_concern,premium_delay,ALL,,,1,6,3,months,step,illustrative,",
        GOOD[2],
        "s2,Base,both,base,claims_frequency,ALL,,,1,3,1.2,multiplier,,illustrative,",
    ]
    assert _cells(tmp_path, rows) == {
        ("mine.csv", 3, "name"), ("mine.csv", 3, "family"),
        ("mine.csv", 4, "shock_type"),  # the same shock, target, unit and start as line 2
        ("mine.csv", 5, "shock_type"),  # none is a scenario's only row
    }


def test_several_bad_cells_in_one_file_are_all_reported(tmp_path):
    rows = [
        "s1,Delay,liquidity,going_concern,premium_delay,ALL,,,0,3,2,share,step,illustrative,",
        GOOD[1],
        "s3,X,wrong,going_concern,mass_lapse,ALL,,,1,,1.4,share,step,,",
    ]
    with pytest.raises(InputError) as err:
        read_scenarios(_write(tmp_path, rows))
    got = {(c.row, c.column) for c in err.value.cells}
    assert got == {(2, "start_month"), (2, "unit"), (4, "family"), (4, "value"), (4, "source")}
    line = err.value.lines()[1]
    assert line.startswith("mine.csv row 2 column ") and "expected" in line and "fix:" in line


def test_a_file_that_is_not_a_table_is_one_bad_cell(tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04 a workbook")
    with pytest.raises(InputError) as err:
        read_scenarios(path)
    assert [(c.file, c.row) for c in err.value.cells] == [("book.csv", None)]
    missing = tmp_path / "short.csv"
    missing.write_text("scenario_id,name\ns1,D\n")
    with pytest.raises(InputError) as err:
        read_scenarios(missing)
    assert {c.column for c in err.value.cells} >= {"family", "shock_type", "value", "source"}
    twice = tmp_path / "twice.csv"
    twice.write_text(HEADER + ",value\n" + GOOD[0] + ",3\n")
    with pytest.raises(InputError) as err:
        read_scenarios(twice)
    assert [(c.row, c.column) for c in err.value.cells] == [(1, "value")]


def test_kinds_and_classes_are_checked_against_those_given():
    frame = pd.DataFrame([dict(zip(COLUMNS, GOOD[1].split(","), strict=True))])
    with pytest.raises(InputError) as err:
        parse_scenarios(frame, file="f.csv", asset_classes=("cash",), product_kinds=("health",))
    assert [(c.file, c.row, c.column) for c in err.value.cells] == [("f.csv", 2, "asset_class")]


def test_the_loader_reports_the_library_s_bad_cells_with_the_set_s_other_problems(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    frame = pd.read_csv(folder / "stress_scenarios.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "unit"] = "bp"
    frame.loc[2, "product_kind"] = "pet_insurance"
    frame.to_csv(folder / "stress_scenarios.csv", index=False)
    reserving = pd.read_csv(folder / "reserving.csv", dtype=str, keep_default_na=False)
    reserving.loc[0, "ibnr_method"] = "magic"
    reserving.to_csv(folder / "reserving.csv", index=False)
    write_manifest(folder)
    with pytest.raises(AssumptionError) as err:
        load_assumptions(str(folder))
    cells = {(c.file, c.row, c.column) for c in err.value.cells}
    assert {("stress_scenarios.csv", 3, "unit"), ("stress_scenarios.csv", 4, "product_kind"),
            ("reserving.csv", 2, "ibnr_method")} <= cells


def _library() -> pd.DataFrame:
    return pd.read_csv(LIBRARY, dtype=str, keep_default_na=False)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_identity_does_not_depend_on_row_order(rng):
    frame = _library()
    order = list(range(len(frame)))
    rng.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    before = {s.scenario_id: s.identity for s in parse_scenarios(frame)}
    after = {s.scenario_id: s.identity for s in parse_scenarios(shuffled)}
    assert before == after


@pytest.mark.parametrize("column, value, changes", [
    ("value", "0.41", True), ("start_month", "2", True), ("duration_months", "3", True),
    ("counterparty", "Bank A", True),
    ("value", "0.4000", False),  # the same number written otherwise
    ("note", "another note", False), ("source", "illustrative", False),
])
def test_identity_changes_with_a_value_but_not_with_a_note(column, value, changes):
    frame = _library()
    row = frame.index[(frame["scenario_id"] == "liquidity_severe")
                      & (frame["shock_type"] == "mass_lapse")][0]
    base = {s.scenario_id: s.identity for s in parse_scenarios(frame)}
    frame.loc[row, column] = value
    after = {s.scenario_id: s.identity for s in parse_scenarios(frame)}
    assert (after["liquidity_severe"] != base["liquidity_severe"]) is changes
    assert {k: v for k, v in after.items() if k != "liquidity_severe"} == {
        k: v for k, v in base.items() if k != "liquidity_severe"}


def test_the_readme_lists_every_shock_type_and_its_units():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Stress scenarios", 1)[1].split("\n## ", 1)[0]
    section = section.split("| shock type | units |", 1)[1].split("\n\n", 1)[0]
    for shock_type, units in SHOCK_TYPES.items():
        row = next((line for line in section.splitlines()
                    if line.startswith(f"| `{shock_type}` |")), None)
        assert row is not None, f"shock type {shock_type} is not in the README"
        cell = row.split("|")[2]
        assert [u.strip(" `") for u in cell.split(",") if u.strip()] == list(units), shock_type
    listed = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
    assert set(listed) == set(SHOCK_TYPES), "the README lists a shock type the registry lacks"
