"""Liabilities reach the balance sheet through the set's liability_map.csv (like assets through
asset_map.csv): each kind has a B-code for what falls due within [liquidity] horizon_months of
the valuation date and one for the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reserva.errors import AssumptionError, InputError
from reserva.io.assumptions import default_root, load_assumptions, write_manifest
from reserva.io.readers import read_pack
from reserva.pipeline import close

HANDMADE = Path(__file__).resolve().parents[1] / "data" / "handmade"


def _set_with_map(folder: Path, text: str) -> str:
    shutil.copytree(default_root() / "default", folder)
    (folder / "liability_map.csv").write_text(text)
    write_manifest(folder)
    return str(folder)


DEFAULT_MAP = (default_root() / "default" / "liability_map.csv").read_text()


def test_the_default_map_is_the_handbook_split():
    m = load_assumptions("default").liability_map.set_index("kind")
    assert m.loc["insurance_obligation", ["short_code", "long_code"]].tolist() == ["B26", "B30"]
    assert m.loc["reinsurance_payable", ["short_code", "long_code"]].tolist() == ["B21", "B21"]
    assert m.loc["payable", ["short_code", "long_code"]].tolist() == ["B28", "B32"]
    assert m.loc["other", ["short_code", "long_code"]].tolist() == ["B28", "B32"]


def test_liabilities_go_to_the_codes_of_the_map(tmp_path):
    # handmade 2024-06-30: one payable of 180.00 due 2024-07-31 (within 3 months), unallocated
    moved = _set_with_map(tmp_path / "set", DEFAULT_MAP.replace("payable,B28,B32",
                                                                "payable,B21,B21"))
    base = close(HANDMADE, "2024-06-30", write=False).balance
    other = close(HANDMADE, "2024-06-30", assumptions=moved, write=False).balance
    assert base.value("B28", "ALL") == pytest.approx(180.0)
    assert other.value("B28", "ALL") == 0.0
    assert other.value("B21", "ALL") == pytest.approx(base.value("B21", "ALL") + 180.0)
    assert other.value("B37", "ALL") == pytest.approx(base.value("B37", "ALL"))


def test_a_code_outside_the_liability_lines_is_refused(tmp_path):
    bad = _set_with_map(tmp_path / "set", DEFAULT_MAP.replace("payable,B28,B32",
                                                              "payable,B99,B02"))
    with pytest.raises(AssumptionError) as exc:
        load_assumptions(bad)
    assert "liability_map.csv line 4 short_code = 'B99'" in str(exc.value)
    assert "liability_map.csv line 4 long_code = 'B02'" in str(exc.value)


def test_a_kind_given_twice_is_refused(tmp_path):
    bad = _set_with_map(tmp_path / "set", DEFAULT_MAP + "payable,B28,B32,again\n")
    with pytest.raises(AssumptionError, match="liability_map.csv line 6 kind = 'payable'"):
        load_assumptions(bad)


def test_a_kind_of_the_snapshot_without_a_row_is_refused(tmp_path):
    lines = [x for x in DEFAULT_MAP.splitlines(keepends=True) if not x.startswith("payable,")]
    missing = _set_with_map(tmp_path / "set", "".join(lines))
    # the pack checked against the default set (a close on the set refuses it when reading it,
    # test_the_close_refuses_a_kind_the_map_lacks_before_any_stage): the mapping refuses too
    pack = read_pack(HANDMADE)
    with pytest.raises(AssumptionError, match="liability kind.s. payable of the liabilities "
                                              "snapshot have no row of liability_map.csv"):
        close(HANDMADE, "2024-06-30", assumptions=missing, write=False, pack=pack)


def test_the_close_refuses_a_kind_the_map_lacks_before_any_stage(tmp_path):
    lines = [x for x in DEFAULT_MAP.splitlines(keepends=True) if not x.startswith("payable,")]
    missing = _set_with_map(tmp_path / "set", "".join(lines))
    stages: list[str] = []
    with pytest.raises(InputError) as exc:
        close(HANDMADE, "2024-06-30", assumptions=missing, write=False, progress=stages.append)
    assert stages == []  # refused when the pack is read and checked
    assert {(c.file, c.column, c.value) for c in exc.value.cells} == {
        ("liabilities.csv", "kind", "payable")}
    assert all(c.expected.startswith("a liability kind of liability_map.csv of assumption set")
               for c in exc.value.cells)
