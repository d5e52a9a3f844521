"""The KPI table shows what applies: families n/a for a product folded into one line with their
reason, indicators n/a everywhere left out, ``--all`` (full=True) shows every row and cell."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reserva.report.kpi_view import kpi_view, reason_of
from reserva.report.terminal import console, kpi_table
from tests.test_cli import run

NAN = math.nan
NOT_CL = "not applicable to credit_life (renewal depends on the loan; E2 L2018-2025)"
ROWS = [  # product, indicator, value, note (in position order)
    ("CL", "incurred_claims_ratio", 0.5, ""),
    ("HE", "incurred_claims_ratio", 0.8, ""),
    ("ALL", "incurred_claims_ratio", 0.6, ""),
    ("CL", "renewal_ratio", NAN, NOT_CL),
    ("HE", "renewal_ratio", 0.9, ""),
    ("ALL", "renewal_ratio", 0.9, ""),
    ("CL", "lapse_ratio", NAN, NOT_CL),
    ("HE", "lapse_ratio", 0.1, ""),
    ("ALL", "lapse_ratio", 0.1, ""),
    ("CL", "household_renewal_ratio", NAN, NOT_CL),
    ("HE", "household_renewal_ratio", NAN, "undefined: no household_id in the policies"),
    ("ALL", "household_renewal_ratio", NAN, "undefined: zero households that could renew"),
    ("CL", "solvency_ratio", NAN, "undefined: no assets allocated to the product (E2 L873)"),
    ("HE", "solvency_ratio", NAN, "undefined: no assets allocated to the product (E2 L873)"),
    ("ALL", "solvency_ratio", NAN, "undefined: zero liabilities; B01 0"),
    ("HE", "health_claims_index", 0.7, ""),
    ("ALL", "health_claims_index", 0.7, ""),
    ("HE", "health_financing_index", 0.6, ""),
    ("ALL", "health_financing_index", 0.6, ""),
]


@pytest.fixture
def kpis() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["product_id", "indicator", "value", "note"])
    frame["flag"] = ["n/a" if math.isnan(v) else "" for v in frame["value"]]
    frame["position"] = range(len(frame))
    return frame


def _cells(view) -> dict[str, tuple]:
    return dict(view.rows)


def test_full_view_shows_every_row_and_cell(kpis):
    view = kpi_view(kpis, full=True)
    assert view.columns == ("CL", "HE", "ALL")
    assert [ind for ind, _ in view.rows] == list(dict.fromkeys(kpis["indicator"]))
    assert view.folded == () and view.hidden_rows == 0
    health = _cells(view)["health_claims_index"]
    assert math.isnan(health[0][0]) and health[0][1] == "n/a"  # no CL row: shown as n/a


def test_family_na_for_a_product_is_folded_into_one_line_with_its_reason(kpis):
    view = kpi_view(kpis)
    cells = _cells(view)
    # renewal is n/a for CL: its first shown row says n/a, the rest of the family is blank
    assert cells["renewal_ratio"][0][1] == "n/a" and cells["lapse_ratio"][0] is None
    assert cells["renewal_ratio"][1] == (0.9, "")
    # health is not computed for CL: one n/a, then blank
    assert cells["health_claims_index"][0][1] == "n/a"
    assert cells["health_financing_index"][0] is None
    assert "n/a for CL: renewal (not applicable to credit_life (renewal depends on the loan; "\
           "E2 L2018-2025))" in view.folded
    assert ("n/a for CL: health-fund indices (computed for the product kinds of [health] "
            "kinds only)") in view.folded


def test_rows_and_families_na_everywhere_are_left_out_and_named(kpis):
    view = kpi_view(kpis)
    shown = [ind for ind, _ in view.rows]
    assert "household_renewal_ratio" not in shown and "solvency_ratio" not in shown
    assert view.hidden_rows == 2
    # the reason of a row comes from a column where its family applies (HE, not CL)
    assert ("n/a in every column: renewal: households renewed (undefined: no household_id in "
            "the policies)") in view.folded
    # a family n/a everywhere: its fold lines say why for each column, grouped by reason
    assert ("n/a for CL, HE: solvency (undefined: no assets allocated to the product "
            "(E2 L873))") in view.folded
    assert "n/a for ALL: solvency (undefined: zero liabilities)" in view.folded


def test_nothing_folded_when_everything_applies(kpis):
    full = kpis[kpis["product_id"] == "HE"].query("indicator != 'household_renewal_ratio' "
                                                  "and indicator != 'solvency_ratio'")
    view = kpi_view(full)
    assert view.folded == () and len(view.rows) == 5
    assert all(cell is not None and not math.isnan(cell[0]) for _, c in view.rows for cell in c)


@pytest.mark.parametrize(("note", "reason"), [
    ("undefined: zero claims", "undefined: zero claims"),
    ("grid outflows of months 1-3; no assets allocated (E2 L873-881); projection method: x",
     "no assets allocated (E2 L873-881)"),
    ("not applicable to x (a; b); more", "not applicable to x (a; b)"),
    ("incomplete: 1 of 2 undecided; 0 rejected", "incomplete: 1 of 2 undecided"),
    ("something else; and more", "something else; and more"),
])
def test_reason_of_a_note(note, reason):
    assert reason_of(note) == reason


def test_terminal_table_draws_the_view(kpis):
    out = console()
    with out.capture() as cap:
        out.print(kpi_table(kpis, "KPIs [run 1]"))
    text = cap.get()
    assert text.startswith("KPIs [run 1]\n")  # the title: its own line, shown literally
    table = text.split("└")[0]
    assert "households renewed" not in table and "Solvency ratio" not in table
    assert "│   lapse ratio" in table
    assert "`reserva kpi --all` shows every row and cell" in text
    with out.capture() as cap:
        out.print(kpi_table(kpis, "KPIs", full=True))
    full = cap.get()
    assert "households renewed" in full and "Solvency ratio" in full and "--all" not in full


@pytest.mark.slow
def test_sample_kpi_table_is_short_and_all_shows_everything(tmp_path, capsys):
    # the sample programme: five products; group life's employer groups are no rows of health
    data, store = tmp_path / "data", tmp_path / "s.duckdb"
    assert run(capsys, "sample", str(data), "--policies", "20000")[0] == 0
    code, _, err = run(capsys, "close", str(data), "--valuation-date", "2025-12-31",
                       "--store", str(store), "--quiet")
    assert code == 0, err
    code, folded, err = run(capsys, "kpi", "--store", str(store))
    assert code == 0, err
    code, full, _ = run(capsys, "kpi", "--store", str(store), "--all")
    assert "group G0" not in folded and "group G0" not in full
    assert "claims index, group north" in folded  # the health product's own groups
    assert "n/a for CL, LS, ILE, GL: health-fund indices" in folded
    assert len(folded.splitlines()) <= 100  # a screen or two (the flag lines included)
    rows = [line for line in folded.splitlines() if line.startswith("│")]
    assert len(rows) < len([line for line in full.splitlines() if line.startswith("│")])
    assert "households renewed" in full and "households renewed" not in folded.split("└")[0]
    code, one, _ = run(capsys, "kpi", "--store", str(store), "--product", "HE")
    header = one.splitlines()[2]
    assert "Indicator" in header and "HE" in header and "CL" not in header
    assert all(not line.startswith(("▲ CL", "▼ CL")) for line in one.splitlines())


def test_a_headline_na_everywhere_stays_above_its_shown_sub_rows():
    undecided = "incomplete: 7 of 59 claims undecided; 0 rejected"
    frame = pd.DataFrame([
        ("CL", "rejection_ratio", NAN, undecided), ("ALL", "rejection_ratio", NAN, undecided),
        ("CL", "rejection_ratio_provisional", 0.04, ""),
        ("ALL", "rejection_ratio_provisional", 0.04, ""),
        ("CL", "partial_rejection_ratio", NAN, undecided),
        ("ALL", "partial_rejection_ratio", NAN, undecided),
    ], columns=["product_id", "indicator", "value", "note"])
    frame["flag"], frame["position"] = "", range(len(frame))
    view = kpi_view(frame)
    assert [ind for ind, _ in view.rows] == ["rejection_ratio", "rejection_ratio_provisional"]
    assert view.hidden_rows == 1
    assert view.folded == ("n/a in every column: rejection: Claims rejection ratio, partial "
                           "rejections (incomplete: 7 of 59 claims undecided)",)
