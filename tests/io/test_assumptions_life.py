"""Assumption files of the accrued liabilities: mortality tables, life basis, crediting rates.

Every problem of a file is reported at once, naming the file, line, column, value and what was
expected; a table's file must be part of the set (hashed in its manifest).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from reserva.errors import AssumptionError
from reserva.io.assumptions import default_root, load_assumptions, write_manifest
from reserva.reserves.accrued.alr import mortality_table

DATA = Path(__file__).resolve().parents[1] / "reserves" / "accrued" / "data"


def _set(tmp_path: Path, **files: str) -> str:
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(text)
    write_manifest(folder)
    return str(folder)


def test_default_set_has_the_sult_and_a_basis_per_life_kind():
    a = load_assumptions("default")
    t = mortality_table(a, "SULT")
    assert (t.min_age, t.max_age) == (0, 120) and t.q[-1] == 1.0
    assert t.qx(np.array([50]))[0] == pytest.approx(0.001209, abs=0.5e-6)  # SULT q_50 printed
    for kind, b in a.reserving.items():
        if b.alr_method.endswith("_premium"):
            assert a.life(kind).mortality_table in a.mortality


def test_csv_and_xtbml_tables_of_the_set(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    shutil.copy(DATA / "mortality_closed.csv", folder / "mortality_closed.csv")
    shutil.copy(DATA / "mortality_ultimate.xml", folder / "mortality_ultimate.xml")
    with open(folder / "mortality_tables.csv", "a") as fh:
        fh.write("MYCSV,csv,mortality_closed.csv,,,,,,,a test table\n")
        fh.write("MYXML,xtbml,mortality_ultimate.xml,,,,,,,an SOA-format test table\n")
    write_manifest(folder)
    a = load_assumptions(str(folder))
    assert mortality_table(a, "MYCSV").q[-1] == 1.0
    assert mortality_table(a, "MYXML").q[-1] == 1.0


def test_every_bad_mortality_row_is_reported(tmp_path):
    text = (default_root() / "default" / "mortality_tables.csv").read_text()
    text += ("BAD1,gompertz,,,,,,,,x\n"
             "BAD2,csv,not_in_set.csv,,,,,,,x\n"
             "BAD3,makeham,,,0.1,,1.1,0,120,x\n"
             "BAD4,package,,,,,,,,\n")
    with pytest.raises(AssumptionError) as err:
        load_assumptions(_set(tmp_path, mortality_tables__csv=text))
    msg = str(err.value)
    assert "mortality_tables.csv line 3 source = 'gompertz'" in msg
    assert "line 4 file = 'not_in_set.csv'" in msg
    assert "line 5: a makeham table needs law_a, law_b, law_c" in msg
    assert "line 6: a package table needs package_id" in msg
    assert "line 6: provenance is empty" in msg


def test_life_basis_must_name_a_table_and_valid_numbers(tmp_path):
    text = ("product_kind,mortality_table,interest_rate,initial_expense,renewal_expense,"
            "per_policy_expense,claim_expense\n"
            "whole_life,NOPE,0.05,0,0,0,0\n"
            "endowment,SULT,five,0,1.5,0,0\n")
    with pytest.raises(AssumptionError) as err:
        load_assumptions(_set(tmp_path, life_basis__csv=text))
    msg = str(err.value)
    assert "life_basis.csv line 2 mortality_table = 'NOPE'" in msg
    assert "life_basis.csv line 3 interest_rate = 'five'" in msg
    assert "life_basis.csv line 3 renewal_expense = '1.5'" in msg


def test_a_premium_reserve_kind_needs_a_life_basis(tmp_path):
    text = ("product_kind,mortality_table,interest_rate,initial_expense,renewal_expense,"
            "per_policy_expense,claim_expense\n")
    with pytest.raises(AssumptionError, match="alr_method 'net_premium' needs a row of life_basis.csv"):
        load_assumptions(_set(tmp_path, life_basis__csv=text))


def test_crediting_rates_parsed_and_checked(tmp_path):
    a = load_assumptions("default")
    row = a.crediting_rates.set_index("product_kind").loc["savings_life"]
    assert np.isnan(row["credited_rate"]) and row["guaranteed_rate"] == 0.03
    bad = "product_kind,from_date,credited_rate,guaranteed_rate\nsavings_life,2024-13-01,x,0.03\n"
    with pytest.raises(AssumptionError) as err:
        load_assumptions(_set(tmp_path, crediting_rates__csv=bad))
    assert "from_date = '2024-13-01'" in str(err.value) and "credited_rate = 'x'" in str(err.value)
