"""read_pack / validate: typed frames of a valid pack; every bad cell of a bad pack, at once."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import MAX_CELL_LINES, BadCell, InputError
from reserva.io.readers import DataPack, _drop_empty_rows, _parse_fast, _parse_slow, read_pack
from reserva.io.schema import TABLES_BY_NAME

# ------------------------------------------------------------------ helpers


def edit(folder: Path, table: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``<table>.csv``."""
    path = folder / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def drop_column(folder: Path, table: str, column: str) -> None:
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.drop(columns=[column]).to_csv(path, index=False)


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def bad_cells(folder: Path, **kwargs) -> list[BadCell]:
    with pytest.raises(InputError) as exc:
        read_pack(folder, **kwargs)
    return exc.value.cells


def where(cells: list[BadCell]) -> list[tuple]:
    return [(c.file, c.row, c.column, c.value) for c in cells]


# ------------------------------------------------------------------ a valid pack


def test_valid_pack_reads_typed_frames(tiny_pack):
    pack = read_pack(tiny_pack)
    assert isinstance(pack, DataPack)
    assert [t for t in TABLES_BY_NAME if pack.has(t)] == [
        "products", "policies", "claims", "exits", "ledger", "assets", "liabilities", "targets"]
    pol = pack["policies"]
    assert len(pol) == 6
    assert pol["start_date"].dtype == np.dtype("datetime64[s]")
    assert pol["written_premium"].dtype == np.float64
    assert pol["policy_id"].dtype == pd.StringDtype()
    assert pol["start_date"].iloc[1] == pd.Timestamp("2024-03-15")
    assert pol["written_premium"].tolist() == [120.0, 120.0, 100.0, 60.0, 60.0, 60.0]
    # empty cells: NaT, NaN, NA
    assert pd.isna(pol["birth_date"].iloc[5]) and pd.isna(pol["sex"].iloc[5])
    assert np.isnan(pol["commission"].iloc[3])
    assert pol["household_id"].isna().tolist() == [False] * 5 + [True]
    assert pack["targets"]["target_population"].dtype == np.int64
    assert pack["targets"]["target_population"].tolist() == [10, 8]
    assert pack["assets"]["coupon_frequency"].dtype == pd.Int64Dtype()
    assert pack["assets"]["coupon_frequency"].isna().tolist() == [True, False]
    claims = pack["claims"]
    assert claims["decision_date"].isna().tolist() == [False, False, True, False]


def test_file_hashes_are_sha256_of_each_file(tiny_pack):
    pack = read_pack(tiny_pack)
    assert set(pack.file_hashes) == {p.name for p in tiny_pack.iterdir()}
    data = (tiny_pack / "claims.csv").read_bytes()
    assert pack.file_hashes["claims.csv"] == hashlib.sha256(data).hexdigest()


def test_optional_columns_added_empty_extra_columns_kept(tiny_pack):
    drop_column(tiny_pack, "claims", "cause")
    drop_column(tiny_pack, "assets", "coupon_frequency")
    edit(tiny_pack, "products", "participation\n", "participation,comment\n")
    edit(tiny_pack, "products", "compulsory\n", "compulsory,first product\n")
    edit(tiny_pack, "products", "voluntary\n", "voluntary,\n")
    pack = read_pack(tiny_pack)
    assert pack["claims"]["cause"].isna().all()
    assert pack["claims"]["cause"].dtype == pd.StringDtype()
    assert pack["assets"]["coupon_frequency"].dtype == pd.Int64Dtype()
    assert pack["assets"]["coupon_frequency"].isna().all()
    assert pack["products"]["comment"].tolist() == ["first product", pd.NA]


def test_optional_table_absent_or_present(tiny_pack):
    pack = read_pack(tiny_pack)
    assert not pack.has("claim_payments")
    with pytest.raises(KeyError):
        pack["claim_payments"]
    (tiny_pack / "claim_payments.csv").write_text(
        "claim_id,payment_date,amount\nC4,2024-09-25,1000\nC4,2024-10-25,500\n")
    assert read_pack(tiny_pack)["claim_payments"]["amount"].sum() == 1500.0


def test_bom_crlf_blanks_and_trailing_empty_rows(tiny_pack):
    text = (tiny_pack / "products.csv").read_text()
    text = text.replace("CL,Credit life", " CL , Credit life ").replace("\n", "\r\n") + ",,,\r\n\r\n"
    (tiny_pack / "products.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    products = read_pack(tiny_pack)["products"]
    assert products["product_id"].tolist() == ["CL", "GL"]
    assert products["name"].tolist() == ["Credit life", "Group life"]


def test_tables_subset(tiny_pack):
    (tiny_pack / "claims.csv").write_text("")
    pack = read_pack(tiny_pack, tables=["products", "policies"])
    assert [pack.has(t) for t in ("products", "policies", "claims")] == [True, True, False]
    with pytest.raises(InputError):
        read_pack(tiny_pack, tables=["polices"])


# ------------------------------------------------------------------ one problem at a time
# Each case: how to break the tiny pack, and the bad cells (file, row, column, value) it gives
# with a phrase of the expectation. Rows are file line numbers: header = 1, P1/C1 = 2.

CASES = {
    "missing column": (
        lambda d: drop_column(d, "policies", "sum_insured"),
        [("policies.csv", None, "sum_insured", "", "column present")],
    ),
    "unparsable date": (
        lambda d: edit(d, "policies", "P2,M2,H1,CL,2024-03-15", "P2,M2,H1,CL,15/03/2024"),
        [("policies.csv", 3, "start_date", "15/03/2024", "a date YYYY-MM-DD")],
    ),
    "negative premium": (
        lambda d: edit(d, "policies", "2024-06-30,100.00", "2024-06-30,-100.00"),
        [("policies.csv", 4, "written_premium", "-100.00", "a number >= 0")],
    ),
    "end before start": (
        lambda d: edit(d, "policies", "P1,M1,H1,CL,2024-01-01,2024-12-31",
                       "P1,M1,H1,CL,2024-01-01,2023-12-31"),
        [("policies.csv", 2, "end_date", "2023-12-31", "end_date >= start_date (2024-01-01)")],
    ),
    "unknown product id": (
        lambda d: edit(d, "policies", "P6,M6,,GL", "P6,M6,,XX"),
        [("policies.csv", 7, "product_id", "XX", "a product_id listed in products.csv")],
    ),
    "duplicate policy id": (
        lambda d: edit(d, "policies", "P3,M3", "P2,M3"),
        [("policies.csv", 4, "policy_id", "P2", "a unique policy_id (P2 is already on line 3)")],
    ),
    "claim reported before its event": (
        lambda d: edit(d, "claims", "2024-05-02,2024-05-10", "2024-05-02,2024-04-30"),
        [("claims.csv", 3, "report_date", "2024-04-30", "report_date >= event_date (2024-05-02)")],
    ),
    "empty file": (
        lambda d: (d / "exits.csv").write_text(""),
        [("exits.csv", None, None, "empty file", "a header line and at least one data row")],
    ),
    "non-CSV file": (
        lambda d: (d / "ledger.csv").write_bytes(zip_bytes()),
        [("ledger.csv", None, None,
          "not a CSV text file (a zip archive, e.g. an Excel .xlsx workbook)",
          "a CSV text file encoded as UTF-8")],
    ),
    "missing required file": (
        lambda d: (d / "targets.csv").unlink(),
        [("targets.csv", None, None, "file is missing", "targets.csv or targets.parquet")],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_gives_exactly_its_bad_cells(tiny_pack, case):
    breaks, expected = CASES[case]
    breaks(tiny_pack)
    cells = bad_cells(tiny_pack)
    assert where(cells) == [e[:4] for e in expected]
    for cell, e in zip(cells, expected, strict=True):
        assert e[4] in cell.expected
        assert cell.fix


def test_all_problems_at_once_in_file_row_column_order(tiny_pack):
    for breaks, _ in CASES.values():
        breaks(tiny_pack)
    with pytest.raises(InputError) as exc:
        read_pack(tiny_pack)
    cells = exc.value.cells
    assert where(cells) == [
        ("policies.csv", None, "sum_insured", ""),
        ("policies.csv", 2, "end_date", "2023-12-31"),
        ("policies.csv", 3, "start_date", "15/03/2024"),
        ("policies.csv", 4, "policy_id", "P2"),
        ("policies.csv", 4, "written_premium", "-100.00"),
        ("policies.csv", 7, "product_id", "XX"),
        ("claims.csv", 3, "report_date", "2024-04-30"),
        ("exits.csv", None, None, "empty file"),
        ("ledger.csv", None, None,
         "not a CSV text file (a zip archive, e.g. an Excel .xlsx workbook)"),
        ("targets.csv", None, None, "file is missing"),
    ]
    assert exc.value.summary == (
        f"invalid data pack {tiny_pack}: 10 bad cells in policies.csv, claims.csv, exits.csv, "
        "ledger.csv, targets.csv")
    assert exc.value.lines() == [exc.value.summary, *(c.line() for c in cells)]


def test_every_bad_cell_is_listed_not_just_the_first(tiny_pack):
    for day in ("2024-01-01", "2024-03-15", "2023-07-01", "2024-04-01", "2024-07-01"):
        text = (tiny_pack / "policies.csv").read_text()
        (tiny_pack / "policies.csv").write_text(text.replace(day, day.replace("-", ".")))
    cells = bad_cells(tiny_pack)
    assert [(c.row, c.column) for c in cells] == [(r, "start_date") for r in range(2, 8)]
    assert {c.expected for c in cells} == {"a date YYYY-MM-DD"}


def test_lines_are_capped_with_a_count_of_the_rest(tiny_pack):
    header, p1 = (tiny_pack / "policies.csv").read_text().splitlines()[:2]
    rows = [p1.replace("P1,", f"P{k},").replace(",120.00,", ",abc,") for k in range(1, 31)]
    (tiny_pack / "policies.csv").write_text("\n".join([header, *rows]) + "\n")
    claims = tiny_pack / "claims.csv"
    claims.write_text(claims.read_text().splitlines()[0] + "\n")  # no claims of other policies
    with pytest.raises(InputError) as exc:
        read_pack(tiny_pack)
    lines = exc.value.lines()
    assert len(exc.value.cells) == 30
    assert len(lines) == 1 + MAX_CELL_LINES + 1
    assert lines[1].startswith("policies.csv row 2 column written_premium: value 'abc'")
    assert lines[-1] == f"... and {30 - MAX_CELL_LINES} more bad cells"


# ------------------------------------------------------------------ more rules

STATUS_CASES = {
    "paid without decision": (
        "2024-03-20,2024-04-02,2024-04-05,paid", "2024-03-20,,2024-04-05,paid",
        (2, "decision_date", ""), "a decision_date when status is paid, partial or rejected (claim_id C1)"),
    "open with decision": (
        "2024-12-05,,,open", "2024-12-05,2024-12-10,,open",
        (4, "decision_date", "2024-12-10"), "an empty cell when status is open (claim_id C3)"),
    "open with receipt": (
        "2024-12-05,,,open", "2024-12-05,,2024-12-20,open",
        (4, "receipt_date", "2024-12-20"), "an empty cell when status is open (claim_id C3)"),
    "rejected but paid": (
        "rejected,2000,0", "rejected,2000,7", (3, "paid_amount", "7"), "0 when status is rejected (claim_id C2)"),
    "paid nothing": (
        "paid,5000,5000", "paid,5000,0",
        (2, "paid_amount", "0"), "a number > 0 when status is paid or partial (claim_id C1)"),
    "paid more than claimed": (
        "partial,2000,1500", "partial,2000,2500",
        (5, "paid_amount", "2500"), "at most claimed_amount (2000) when status is paid or partial (claim_id C4)"),
}


@pytest.mark.parametrize("case", list(STATUS_CASES))
def test_claim_status_rules(tiny_pack, case):
    old, new, (row, column, value), expected = STATUS_CASES[case]
    edit(tiny_pack, "claims", old, new)
    assert [(c.file, c.row, c.column, c.value, c.expected) for c in bad_cells(tiny_pack)] == [
        ("claims.csv", row, column, value, expected)]


@pytest.mark.parametrize(("old", "new", "column", "expected"), [
    (",monthly,", ",weekly,", "premium_frequency", "one of: single, annual, semiannual"),
    (",120.00,single", ',"1,120.00",single', "written_premium", "a number"),
    (",120.00,single", ",nan,single", "written_premium", "a number"),
    (",F,active", ",f,active", "sex", "one of: F, M"),
    ("P1,M1,", "P1, ,", "member_id", "a value (the cell is required)"),
])
def test_column_rules(tiny_pack, old, new, column, expected):
    text = (tiny_pack / "policies.csv").read_text()
    (tiny_pack / "policies.csv").write_text(text.replace(old, new, 1))
    cells = bad_cells(tiny_pack)
    assert [(c.file, c.column) for c in cells] == [("policies.csv", column)]
    assert cells[0].expected.startswith(expected)


def test_whole_numbers_and_ranges(tiny_pack):
    edit(tiny_pack, "targets", "CL,2024-12-31,10", "CL,2024-12-31,10.5")
    edit(tiny_pack, "assets", "cash,1,", "cash,1.2,")
    assert [(c.file, c.row, c.column, c.expected) for c in bad_cells(tiny_pack)] == [
        ("assets.csv", 2, "admitted_fraction", "a number between 0 and 1"),
        ("targets.csv", 2, "target_population", "a whole number"),
    ]


def test_references_skipped_when_the_other_table_is_missing(tiny_pack):
    (tiny_pack / "products.csv").unlink()
    assert where(bad_cells(tiny_pack)) == [("products.csv", None, None, "file is missing")]


def test_reference_into_optional_table(tiny_pack):
    (tiny_pack / "claim_payments.csv").write_text(
        "claim_id,payment_date,amount\nC4,2024-09-25,1000\nC9,2024-10-25,500\n")
    cells = bad_cells(tiny_pack)
    assert where(cells) == [("claim_payments.csv", 3, "claim_id", "C9")]
    assert cells[0].fix == "add the claim to claims.csv or correct the claim_id"


def test_header_only_file(tiny_pack):
    (tiny_pack / "targets.csv").write_text("product_id,period_end,target_population\n")
    assert where(bad_cells(tiny_pack)) == [("targets.csv", None, None, "no data rows")]


def test_header_only_file_is_fine_where_a_table_may_be_empty(tiny_pack):
    # a young programme may have no claims, exits or other liabilities yet
    for name in ("claims", "exits", "liabilities"):
        header = (tiny_pack / f"{name}.csv").read_text().splitlines()[0]
        (tiny_pack / f"{name}.csv").write_text(header + "\n")
    pack = read_pack(tiny_pack)
    assert len(pack["claims"]) == len(pack["exits"]) == len(pack["liabilities"]) == 0


def test_duplicate_header(tiny_pack):
    edit(tiny_pack, "ledger", "line,amount", "line,line")
    cells = bad_cells(tiny_pack)
    assert [(c.file, c.row, c.column, c.expected) for c in cells] == [
        ("ledger.csv", 1, "line", "each column name once in the header")]


def test_not_utf8_text(tiny_pack):
    text = (tiny_pack / "products.csv").read_text().replace("Group life", "Vie collective é")
    (tiny_pack / "products.csv").write_bytes(text.encode("latin-1"))
    cells = bad_cells(tiny_pack)
    assert where(cells) == [
        ("products.csv", None, None, "not a CSV text file (byte 0xe9 on line 3 is not UTF-8)")]


def test_line_numbers_exact_with_quoted_line_breaks_blank_lines_and_ragged_rows(tiny_pack):
    (tiny_pack / "products.csv").write_text(
        "product_id,name,kind,participation\n"
        'CL,"Credit\nlife",credit_life,compulsory\n'   # lines 2-3
        "\n"                                          # line 4, blank: ignored
        "GL,Group life,group_life,voluntary,extra\n"  # line 5: one cell too many
        "HX,Health,hospital,voluntary\n"              # line 6: bad kind
    )
    cells = bad_cells(tiny_pack)
    assert [(c.file, c.row, c.column) for c in cells] == [
        ("products.csv", 5, None), ("products.csv", 6, "kind")]
    assert cells[0].expected == "4 cells as in the header, found 5"


def test_mixed_problems_in_one_file_do_not_double_report(tiny_pack):
    # an unparsable required date is reported once (not also as empty or by the row rule)
    edit(tiny_pack, "claims", "C1,P1,M1,CL,2024-03-10,2024-03-20,2024-04-02",
         "C1,P1,M1,CL,2024-03-10,2024-03-20,2024-04-31")
    cells = bad_cells(tiny_pack)
    assert where(cells) == [("claims.csv", 2, "decision_date", "2024-04-31")]


# ------------------------------------------------------------------ parquet


def test_parquet_reads_the_same_as_csv(tiny_pack):
    from_csv = read_pack(tiny_pack)
    for name in ("policies", "targets", "assets"):
        from_csv[name].to_parquet(tiny_pack / f"{name}.parquet")
        (tiny_pack / f"{name}.csv").unlink()
    from_parquet = read_pack(tiny_pack)
    assert "policies.parquet" in from_parquet.file_hashes
    for name in ("policies", "targets", "assets"):
        pd.testing.assert_frame_equal(from_parquet[name], from_csv[name])


def test_parquet_bad_cell_row_is_record_number_plus_one(tiny_pack):
    frame = pd.read_csv(tiny_pack / "policies.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "written_premium"] = "-5"  # third record
    frame.to_parquet(tiny_pack / "policies.parquet")
    (tiny_pack / "policies.csv").unlink()
    assert where(bad_cells(tiny_pack)) == [("policies.parquet", 4, "written_premium", "-5")]


def test_two_files_for_one_table(tiny_pack):
    pd.read_csv(tiny_pack / "targets.csv").to_parquet(tiny_pack / "targets.parquet")
    cells = bad_cells(tiny_pack)
    assert [(c.file, c.row) for c in cells] == [("targets.csv", None)]
    assert "targets.csv, targets.parquet" in cells[0].value


def test_missing_folder(tmp_path):
    with pytest.raises(InputError) as exc:
        read_pack(tmp_path / "nowhere")
    assert exc.value.cells[0].value == "not a folder"


def test_csv_module_parses_the_header_like_the_fast_path(tiny_pack):
    # a quoted header name with a comma stays one column (either parser)
    edit(tiny_pack, "products", "participation\n", 'participation,"note, free"\n')
    edit(tiny_pack, "products", "compulsory\n", "compulsory,a\n")
    edit(tiny_pack, "products", "voluntary\n", 'voluntary,"b\nc"\n')
    pack = read_pack(tiny_pack)
    assert pack["products"]["note, free"].tolist() == ["a", "b\nc"]



def test_not_a_parquet_file(tiny_pack):
    (tiny_pack / "targets.csv").rename(tiny_pack / "targets.parquet")
    cells = bad_cells(tiny_pack)
    assert [(c.file, c.row, c.expected) for c in cells] == [("targets.parquet", None, "a Parquet file")]


def test_table_allowed_to_be_empty(tiny_pack, monkeypatch):
    monkeypatch.setitem(TABLES_BY_NAME["exits"].extra, "may_be_empty", True)
    (tiny_pack / "exits.csv").write_text("member_id,product_id,exit_date,reason\n")
    exits = read_pack(tiny_pack)["exits"]
    assert len(exits) == 0
    assert exits["exit_date"].dtype == np.dtype("datetime64[s]")


# ------------------------------------------------------------------ fast parser vs csv module

CELL = st.text(alphabet='ab ,"\t1-é', max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    header=st.lists(st.text(alphabet="abcxyz_", min_size=1, max_size=5), min_size=1, max_size=4,
                    unique=True),
    data=st.data(),
)
def test_fast_parser_matches_csv_module(header, data):
    """The pyarrow path and the ``csv``-module path give the same text cells and line numbers."""
    rows = data.draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)),
                              max_size=8))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if data.draw(st.booleans()):
            buf.write("\n")  # a blank line
    text = buf.getvalue()
    body = text.encode().split(b"\n", 1)[1]
    table = _parse_fast(body, header)
    assert table is not None  # one record per line: the fast parser must take it
    fast_frame, fast_lines = _drop_empty_rows(table, np.arange(2, table.num_rows + 2))
    slow, slow_problems = _parse_slow("t.csv", text)
    assert slow_problems == []
    pd.testing.assert_frame_equal(fast_frame, slow.frame)
    assert fast_lines.tolist() == slow.lines.tolist()
