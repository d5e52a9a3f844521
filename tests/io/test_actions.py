"""Management action files: a good file is typed, every bad cell is named at once (file, line,
column), an action's identity ignores row order and follows every value, the default library
is a required file of every set, and the README lists every trigger and action of the
registries with their units."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, InputError
from reserva.io.actions import COLUMNS, Action, parse_actions, read_actions
from reserva.io.assumptions import default_root, load_assumptions, write_manifest
from reserva.vocab import ACTION_TRIGGERS, ACTION_TYPES, PROGRAMME

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = default_root() / "default" / "management_actions.csv"

HEADER = ",".join(COLUMNS)
GOOD = [
    "tariff,Tariff up,loss_ratio_above,health,0.85,2,tariff_change,0.10,share,1,,true,"
    "illustrative,renewals repriced",
    "capital,Capital,solvency_below,,1.0,1,capital_injection,1,ratio,0,1,FALSE,spec §1.10,",
    "plan,Planned stop,always,ALL,,1,new_business_stop,1,share,2,4.0,True,illustrative,",
    "cut,Tariff down,always,credit_life,,1,tariff_change,-0.2,share,0,,false,illustrative,",
]
ROW = ("a1,A,{trigger},ALL,{threshold},{periods},{action},{value},{unit},{lag},{duration},"
       "{once},{source},")
FIELDS = dict(trigger="loss_ratio_above", threshold="0.85", periods="2", action="expense_cut",
              value="0.1", unit="share", lag="1", duration="", once="true",
              source="illustrative")


def _row(**changes: str) -> str:
    return ROW.format(**{**FIELDS, **changes})


def _write(tmp_path: Path, rows: list[str], name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _cells(tmp_path: Path, rows: list[str]) -> list[tuple]:
    with pytest.raises(InputError) as err:
        read_actions(_write(tmp_path, rows))
    assert all(c.expected and c.fix for c in err.value.cells)
    return [(c.file, c.row, c.column) for c in err.value.cells]


def test_a_good_file_is_typed(tmp_path):
    tariff, capital, plan, cut = read_actions(_write(tmp_path, GOOD))
    assert tariff == Action(
        action_id="tariff", name="Tariff up", trigger="loss_ratio_above", product_kind="health",
        threshold=0.85, periods=2, action="tariff_change", value=0.10, unit="share",
        lag_periods=1, duration_periods=None, once=True, source="illustrative",
        note="renewals repriced")
    assert (tariff.line, capital.line, plan.line, cut.line) == (2, 3, 4, 5)
    assert capital.product_kind == PROGRAMME and capital.once is False
    assert (capital.unit, capital.value, capital.duration_periods) == ("ratio", 1.0, 1)
    assert plan.threshold is None and plan.once is True
    assert (plan.lag_periods, plan.duration_periods) == (2, 4)
    assert cut.value == -0.2  # a tariff may fall
    assert all(isinstance(a.periods, int) and isinstance(a.lag_periods, int)
               for a in (tariff, capital, plan, cut))


def test_optional_columns_may_be_left_out_and_no_rows_is_no_action(tmp_path):
    short = [c for c in COLUMNS if c not in ("product_kind", "duration_periods", "note")]
    path = tmp_path / "short.csv"
    path.write_text(",".join(short) + "\n"
                    "a1,A,always,,1,grant_injection,5000,amount,0,false,illustrative\n")
    (action,) = read_actions(path)
    assert (action.product_kind, action.duration_periods, action.note) == (PROGRAMME, None, "")
    assert read_actions(_write(tmp_path, [])) == ()


@pytest.mark.parametrize("changes, column", [
    (dict(trigger="loss_ratio_high"), "trigger"),
    (dict(action="price_war"), "action"),
    (dict(unit="amount"), "unit"),  # expense_cut takes a share
    (dict(action="grant_injection", unit="ratio", value="1"), "unit"),
    (dict(threshold=""), "threshold"),  # required unless always
    (dict(threshold="high"), "threshold"),
    (dict(threshold="-0.1"), "threshold"),  # a ratio is >= 0
    (dict(threshold="101"), "threshold"),
    (dict(trigger="surplus_below", threshold="2e15"), "threshold"),
    (dict(trigger="always", threshold="0.5", periods="1"), "threshold"),  # always: empty
    (dict(trigger="always", threshold="", periods="2"), "periods"),  # always: 1
    (dict(periods="0"), "periods"),
    (dict(periods="1.5"), "periods"),
    (dict(periods="121"), "periods"),
    (dict(lag="-1"), "lag_periods"),
    (dict(lag="121"), "lag_periods"),
    (dict(lag=""), "lag_periods"),
    (dict(duration="0"), "duration_periods"),
    (dict(duration="121"), "duration_periods"),
    (dict(value="1.1"), "value"),  # a share above 1
    (dict(value="-0.1"), "value"),  # only a tariff may fall
    (dict(action="tariff_change", value="-1.5"), "value"),
    (dict(action="capital_injection", unit="amount", value="-5"), "value"),
    (dict(action="capital_injection", unit="amount", value="1e16"), "value"),
    (dict(action="capital_injection", unit="ratio", value="100.5"), "value"),
    (dict(value="nan"), "value"),
    (dict(value="ten"), "value"),
    (dict(once="yes"), "once"),
    (dict(once=""), "once"),
    (dict(source=""), "source"),
])
def test_each_rule_names_its_bad_cell(tmp_path, changes, column):
    assert _cells(tmp_path, [_row(**changes)]) == [("mine.csv", 2, column)]


@pytest.mark.parametrize("row, column", [
    (_row().replace("a1,", "a 1,", 1), "action_id"),
    (_row().replace(",A,", ",,", 1), "name"),
    (_row().replace(",ALL,", ",funeral,", 1), "product_kind"),
])
def test_ids_names_and_product_kinds(tmp_path, row, column):
    assert _cells(tmp_path, [row]) == [("mine.csv", 2, column)]


@pytest.mark.parametrize("changes", [
    dict(threshold="0", periods="120", lag="0", duration="120"),
    dict(threshold="100", periods="1", lag="120", duration="1"),
    dict(trigger="surplus_below", threshold="-1e15"),
    dict(trigger="surplus_below", threshold="1e15"),
    dict(action="tariff_change", value="-1"), dict(action="tariff_change", value="1"),
    dict(value="0"), dict(value="1"),
    dict(action="capital_injection", unit="amount", value="1e15"),
    dict(action="capital_injection", unit="ratio", value="100"),
    dict(periods="2.0", once="TRUE"),  # a spreadsheet's whole numbers and booleans
])
def test_the_bounds_themselves_are_allowed(tmp_path, changes):
    (action,) = read_actions(_write(tmp_path, [_row(**changes)]))
    assert action.action_id == "a1"


def test_every_bad_cell_of_a_file_is_reported_at_once_with_its_line(tmp_path):
    rows = [
        GOOD[0],
        _row(trigger="solvency_above", periods="0", value="2"),  # line 3: three cells
        GOOD[1],
        _row(source="", once="maybe").replace("a1,", "a2,", 1),  # line 5: two cells
        _row(action="capital_injection", unit="share").replace("a1,", "a3,", 1),  # line 6
        GOOD[0],  # line 7: tariff again
    ]
    assert _cells(tmp_path, rows) == [
        ("mine.csv", 3, "trigger"), ("mine.csv", 3, "periods"), ("mine.csv", 3, "value"),
        ("mine.csv", 5, "once"), ("mine.csv", 5, "source"),  # in the order of the columns
        ("mine.csv", 6, "unit"),
        ("mine.csv", 7, "action_id"),
    ]
    with pytest.raises(InputError) as err:
        read_actions(_write(tmp_path, rows))
    text = "\n".join(err.value.lines())
    assert "mine.csv row 7 column action_id: value 'tariff', expected one row per action " \
           "(line 2 has it)" in text
    assert "mine.csv row 3 column trigger: value 'solvency_above', expected one of " \
           "loss_ratio_above, combined_ratio_above" in text
    assert "fix:" in err.value.lines()[1]


def test_a_file_that_is_not_a_table_is_one_bad_cell(tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04 a workbook")
    with pytest.raises(InputError) as err:
        read_actions(path)
    assert [(c.file, c.row) for c in err.value.cells] == [("book.csv", None)]
    missing = tmp_path / "short.csv"
    missing.write_text("action_id,name\na1,A\n")
    with pytest.raises(InputError) as err:
        read_actions(missing)
    assert {c.column for c in err.value.cells} >= {"trigger", "action", "value", "source"}
    ragged = _write(tmp_path, [GOOD[0] + ",extra"], "ragged.csv")
    with pytest.raises(InputError) as err:
        read_actions(ragged)
    assert [(c.row, c.column) for c in err.value.cells] == [(2, None)]


def test_product_kinds_are_checked_against_those_given():
    frame = pd.DataFrame([dict(zip(COLUMNS, GOOD[0].split(","), strict=True))])
    assert parse_actions(frame, product_kinds=("health",))[0].product_kind == "health"
    with pytest.raises(InputError) as err:
        parse_actions(frame, file="f.csv", product_kinds=("credit_life",))
    assert [(c.file, c.row, c.column) for c in err.value.cells] == [("f.csv", 2, "product_kind")]


# ---------------------------------------------------------------- the default library


def _library() -> pd.DataFrame:
    return pd.read_csv(LIBRARY, dtype=str, keep_default_na=False)


def test_the_default_library_loads_with_the_set():
    a = load_assumptions("default")
    assert a.management_actions == read_actions(LIBRARY)
    by_id = {x.action_id: x for x in a.management_actions}
    assert 3 <= len(by_id) <= 5
    tariff = by_id["tariff_up_10"]
    assert (tariff.trigger, tariff.threshold, tariff.periods, tariff.action, tariff.value,
            tariff.lag_periods) == ("loss_ratio_above", 0.85, 2, "tariff_change", 0.10, 1)
    capital = by_id["capital_to_solvency_1"]
    assert (capital.trigger, capital.threshold, capital.action) == (
        "solvency_below", 1.0, "capital_injection")
    cut = by_id["expense_cut_10"]
    assert (cut.trigger, cut.threshold, cut.action, cut.value) == (
        "combined_ratio_above", 1.0, "expense_cut", 0.10)
    share = by_id["quota_share_30"]
    assert (share.trigger, share.threshold, share.action, share.value) == (
        "solvency_below", 1.2, "reinsurance_share", 0.30)


def test_every_row_of_the_library_cites_a_source_or_says_illustrative():
    for source in _library()["source"]:
        assert source == "illustrative" or re.search(r"Art\. \d+|spec §", source), source


def test_a_set_without_the_file_is_told_to_copy_it_from_the_default_set(tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(default_root() / "default", mine)
    (mine / "management_actions.csv").unlink()
    write_manifest(mine)
    with pytest.raises(AssumptionError) as err:
        load_assumptions("mine", root=tmp_path)
    text = str(err.value)
    assert "management_actions.csv missing (every set needs it)" in text
    assert str(default_root() / "default") in text and "assumptions hash" in text


def test_the_loader_reports_the_library_s_bad_cells_with_the_set_s_other_problems(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    frame = _library()
    frame.loc[0, "unit"] = "amount"
    frame.loc[1, "product_kind"] = "pet_insurance"
    frame.to_csv(folder / "management_actions.csv", index=False)
    reserving = pd.read_csv(folder / "reserving.csv", dtype=str, keep_default_na=False)
    reserving.loc[0, "ibnr_method"] = "magic"
    reserving.to_csv(folder / "reserving.csv", index=False)
    write_manifest(folder)
    with pytest.raises(AssumptionError) as err:
        load_assumptions(str(folder))
    cells = {(c.file, c.row, c.column) for c in err.value.cells}
    assert {("management_actions.csv", 2, "unit"), ("reserving.csv", 2, "ibnr_method")} <= cells
    # reserving.csv has a problem: the product kinds are checked against the vocabulary
    assert ("management_actions.csv", 3, "product_kind") in cells


def test_a_product_kind_the_set_lacks_is_refused(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    reserving = pd.read_csv(folder / "reserving.csv", dtype=str, keep_default_na=False)
    absent = reserving["product_kind"].iloc[-1]
    reserving.iloc[:-1].to_csv(folder / "reserving.csv", index=False)
    frame = _library()
    frame.loc[2, "product_kind"] = absent
    frame.to_csv(folder / "management_actions.csv", index=False)
    write_manifest(folder)
    with pytest.raises(AssumptionError) as err:
        load_assumptions(str(folder))
    assert ("management_actions.csv", 4, "product_kind") in {
        (c.file, c.row, c.column) for c in err.value.cells}


# ---------------------------------------------------------------- identity


def _examples() -> pd.DataFrame:
    mine = pd.DataFrame([dict(zip(COLUMNS, r.split(","), strict=True)) for r in GOOD])
    return pd.concat([_library(), mine], ignore_index=True)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_identity_does_not_depend_on_row_order(rng):
    frame = _examples()
    order = list(range(len(frame)))
    rng.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    before = {x.action_id: x.identity for x in parse_actions(frame)}
    after = {x.action_id: x.identity for x in parse_actions(shuffled)}
    assert before == after and len(before) == len(frame)


@pytest.mark.parametrize("column, value, changes", [
    ("value", "0.11", True), ("threshold", "0.9", True), ("periods", "3", True),
    ("lag_periods", "0", True), ("duration_periods", "4", True), ("once", "false", True),
    ("product_kind", "health", True), ("name", "Another name", True),
    ("value", "0.1000", False),  # the same number written otherwise
    ("once", "TRUE", False), ("product_kind", "", False),  # empty = ALL
    ("note", "another note", False), ("source", "Art. 23", False),
])
def test_identity_changes_with_a_value_but_not_with_a_note(column, value, changes):
    frame = _library()
    row = frame.index[frame["action_id"] == "tariff_up_10"][0]
    base = {x.action_id: x.identity for x in parse_actions(frame)}
    frame.loc[row, column] = value
    after = {x.action_id: x.identity for x in parse_actions(frame)}
    assert (after["tariff_up_10"] != base["tariff_up_10"]) is changes
    assert {k: v for k, v in after.items() if k != "tariff_up_10"} == {
        k: v for k, v in base.items() if k != "tariff_up_10"}


# ---------------------------------------------------------------- the README


def _readme_table(header: str) -> dict[str, list[str]]:
    """The README's Management actions table under ``header``: code -> units listed."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Management actions", 1)[1].split("\n## ", 1)[0]
    table = section.split(header, 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \|([^|]*)\|", table, flags=re.M)
    return {code: [u.strip(" `") for u in units.split(",") if u.strip()]
            for code, units in rows}


def test_the_readme_lists_every_trigger_and_its_unit():
    listed = _readme_table("| trigger | unit |")
    assert set(listed) == set(ACTION_TRIGGERS), "the README and ACTION_TRIGGERS differ"
    for trigger, (unit, meaning) in ACTION_TRIGGERS.items():
        assert listed[trigger] == ([unit] if unit else []), trigger
        assert meaning, trigger


def test_the_readme_lists_every_action_and_its_units():
    listed = _readme_table("| action | units |")
    assert set(listed) == set(ACTION_TYPES), "the README and ACTION_TYPES differ"
    for action, units in ACTION_TYPES.items():
        assert listed[action] == list(units), action
