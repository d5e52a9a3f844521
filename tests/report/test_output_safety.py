"""Ids and free text from data are shown literally (terminal markup) and exported safely (CSV
formula injection, OWASP "CSV Injection": cells beginning = + - @ tab CR get a leading ').

The tiny pack's product ids are replaced by ids that rich would read as markup (``[/x]`` is a
closing tag without an opening one: a MarkupError, exit 70 before) or that a spreadsheet
would run as a formula (``=1+2``, ``@SUM(A1)``, ``-2+3``).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reserva.report.export import FORMULA_PREFIXES, csv_text, neutralise
from tests.conftest import TINY_PACK, write_pack
from tests.test_cli import run


def _renamed(cl: str, gl: str) -> dict[str, str]:
    """TINY_PACK with the product ids CL and GL replaced wherever they are a whole cell."""
    def sub(text: str) -> str:
        text = re.sub(r"(?m)(^|,)CL(?=,|$)", lambda m: m.group(1) + cl, text)
        return re.sub(r"(?m)(^|,)GL(?=,|$)", lambda m: m.group(1) + gl, text)
    return {name: sub(text) for name, text in TINY_PACK.items()}


@pytest.fixture(scope="module")
def markup_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("markup")
    pack = write_pack(folder / "pack", _renamed("[/x]", "[red]X[/red]"))
    return pack, folder / "s.duckdb"


def test_markup_ids_close_and_print_literally(markup_store, capsys):
    pack, store = markup_store
    code, out, err = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                         "--store", str(store))
    assert code == 0, err
    assert "[/x]" in out and "[red]X[/red]" in out  # reserves, roll-forward, KPI columns
    both, cl = ("[/x]", "[red]X[/red]"), ("[/x]",)
    shown = {("kpi",): both, ("kpi", "--all"): both, ("kpi", "--trend"): both, ("runs",): (),
             ("liquidity",): cl, ("alm",): cl,  # the assets are allocated to CL only
             ("kpi", "--product", "[/x]"): cl}
    for argv, ids in shown.items():
        code, out, err = run(capsys, *argv, "--store", str(store))
        assert code == 0, (argv, err)
        assert err == "" and "Traceback" not in out
        for product in ids:
            assert product in out, (argv, product)  # shown literally, not as markup


def test_markup_in_the_kpi_fold_lines_and_flags_is_literal(markup_store, capsys):
    _, store = markup_store
    code, out, _ = run(capsys, "kpi", "--store", str(store))
    assert code == 0
    # the credit-life product [/x] has no renewal ratio: its fold line names it literally
    assert re.search(r"n/a for \[/x\]\S*.*: renewal \(not applicable to credit_life", out)
    assert re.search(r"^▲ \[/x\] Incurred expense ratio", out, re.M)  # a flag line


@pytest.fixture(scope="module")
def formula_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formula")
    pack = write_pack(folder / "pack", _renamed("=1+2", "@SUM(A1)"))
    return pack, folder / "s.duckdb"


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_kpi_csv_neutralises_formula_ids_and_keeps_negative_numbers(formula_store, capsys):
    pack, store = formula_store
    code, _, err = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                       "--store", str(store), "--quiet")
    assert code == 0, err
    code, out, err = run(capsys, "kpi", "--format", "csv", "--store", str(store))
    assert code == 0, err
    rows = _rows(out)
    assert {r["product_id"] for r in rows} == {"'=1+2", "'@SUM(A1)", "ALL"}
    assert out.splitlines()[1].startswith("'=1+2,")  # the first cell of the export
    # numbers stay numbers: the tiny pack's net income ratios are negative
    net = [float(r["value"]) for r in rows if r["indicator"] == "net_income_ratio"]
    assert min(net) < 0
    assert any(r["value"].startswith("-") for r in rows)
    for r in rows:  # no text cell of the export can start a formula
        for key in ("product_id", "indicator", "flag", "note", "rule"):
            assert not (r[key] or " ").startswith(FORMULA_PREFIXES), (key, r[key])


@pytest.mark.parametrize("argv", [
    ["kpi", "--trend", "--format", "csv"],
    ["kpi", "--pending", "--format", "csv"],
    ["liquidity", "--format", "csv"],
])
def test_every_stored_csv_export_is_neutralised(formula_store, capsys, argv):
    pack, store = formula_store
    if not store.exists():
        assert run(capsys, "close", str(pack), "--valuation-date", "2024-12-31", "--store",
                   str(store), "--quiet")[0] == 0
    code, out, err = run(capsys, *argv, "--store", str(store))
    assert code == 0, err
    rows = _rows(out)
    assert "=1+2" not in {r.get("product_id") for r in rows}
    if "product_id" in (rows[0] if rows else {}):
        assert "'=1+2" in {r["product_id"] for r in rows} or argv[1] == "--pending"


def test_upr_csv_neutralises_policy_and_product_ids(tmp_path, capsys):
    tables = _renamed("=1+2", "GL")
    tables["policies"] = tables["policies"].replace("\nP1,", "\n-P1,").replace("\nP2,", "\n+P2,")
    tables["claims"] = tables["claims"].replace(",P1,", ",-P1,").replace(",P2,", ",+P2,")
    pack = write_pack(tmp_path / "pack", tables)
    code, out, err = run(capsys, "upr", str(pack), "--valuation-date", "2024-12-31",
                         "--by", "policy", "--format", "csv")
    assert code == 0, err
    rows = _rows(out)
    assert {r["policy_id"] for r in rows} >= {"'-P1", "'+P2", "P3"}
    assert {r["product_id"] for r in rows} == {"'=1+2", "GL"}
    code, out, _ = run(capsys, "upr", str(pack), "--valuation-date", "2024-12-31",
                       "--format", "csv")
    assert {r["product_id"] for r in _rows(out)} == {"'=1+2", "GL"}


text_cells = st.text(alphabet=st.sampled_from(list("=+-@\t\r'ab1 ,\"")), max_size=6)


@given(st.lists(st.tuples(text_cells, st.floats(allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=8))
def test_neutralise_prefixes_only_dangerous_text_cells(cells):
    frame = pd.DataFrame({"id": [c[0] for c in cells], "amount": [c[1] for c in cells]})
    out = neutralise(frame)
    assert out["amount"].tolist() == frame["amount"].tolist()  # numbers untouched
    for before, after in zip(frame["id"], out["id"], strict=True):
        if before.startswith(FORMULA_PREFIXES):
            assert after == "'" + before
        else:
            assert after == before
    parsed = list(csv.reader(io.StringIO(csv_text(frame), newline="")))[1:]
    assert [row[0] for row in parsed] == out["id"].tolist()


def test_neutralise_leaves_missing_and_string_dtype_cells():
    frame = pd.DataFrame({"a": pd.array(["=x", None, "y"], dtype="string"), "n": [-1, 2, -3]})
    out = neutralise(frame)
    assert out["a"].iloc[0] == "'=x" and pd.isna(out["a"].iloc[1]) and out["a"].iloc[2] == "y"
    assert out["n"].tolist() == [-1, 2, -3]
    assert frame["a"].iloc[0] == "=x"  # a copy: the caller's frame is unchanged
