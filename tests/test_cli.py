"""The command line: exit codes, the exact error lines for bad input, the store untouched."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

from tests.conftest import TINY_PACK, write_pack
from tests.conftest import run_cli as run


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _runs(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT * FROM runs ORDER BY run_id").fetchall()
    finally:
        con.close()


@pytest.fixture
def closed_pack(tmp_path, capsys):
    """A valid pack with one stored run, and its store."""
    pack = write_pack(tmp_path / "pack")
    store = tmp_path / "store.duckdb"
    code, _, err = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                       "--store", str(store), "--quiet")
    assert code == 0, err
    return pack, store


def _edit(table: str, old: str, new: str) -> dict[str, str]:
    assert old in TINY_PACK[table]
    return {**TINY_PACK, table: TINY_PACK[table].replace(old, new, 1)}


BAD_INPUTS = {
    "missing column": (
        {**TINY_PACK, "products": TINY_PACK["products"].replace(",participation", "").replace(",compulsory", "").replace(",voluntary", "")},
        "reserva: products.csv column participation: value '', expected column present "
        "(fix: add a column named participation to the header)",
    ),
    "unparsable date": (
        _edit("policies", "2024-03-15", "2024-13-15"),
        "reserva: policies.csv row 3 column start_date: value '2024-13-15', expected a date YYYY-MM-DD "
        "(fix: correct the date, written as YYYY-MM-DD)",
    ),
    "negative premium": (
        _edit("policies", "2024-12-31,120.00", "2024-12-31,-120.00"),
        "reserva: policies.csv row 2 column written_premium: value '-120.00', expected a number >= 0 "
        "(fix: correct the value; amounts are never negative)",
    ),
    "end before start": (
        _edit("policies", "2024-07-01,2025-06-30", "2024-07-01,2024-06-30"),
        "reserva: policies.csv row 7 column end_date: value '2024-06-30', expected end_date >= "
        "start_date (2024-07-01): a term ends on or after its start (fix: correct end_date or start_date)",
    ),
    "unknown product": (
        _edit("targets", "GL,2024-12-31", "XX,2024-12-31"),
        "reserva: targets.csv row 3 column product_id: value 'XX', expected a product_id listed in "
        "products.csv (fix: add the product to products.csv or correct the product_id)",
    ),
    "duplicate policy id": (
        _edit("policies", "P6,M6", "P5,M6"),
        "reserva: policies.csv row 7 column policy_id: value 'P5', expected a unique policy_id "
        "(P5 is already on line 6) (fix: remove the repeated row or give it its own policy_id)",
    ),
    "claim reported before its event": (
        _edit("claims", "2024-08-15,2024-08-30", "2024-08-15,2024-08-10"),
        "reserva: claims.csv row 5 column report_date: value '2024-08-10', expected report_date >= "
        "event_date (2024-08-15): a claim is reported on or after its event (fix: correct report_date or event_date)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_the_exact_line_exit_2_and_leaves_the_store(case, closed_pack, capsys):
    pack, store = closed_pack
    tables, expected = BAD_INPUTS[case]
    write_pack(pack, tables)
    before, runs_before = _digest(store), _runs(store)
    for argv in (["validate", str(pack)],
                 ["close", str(pack), "--valuation-date", "2025-03-31", "--store", str(store)]):
        code, out, err = run(capsys, *argv)
        assert code == 2
        lines = err.splitlines()
        assert lines[0].startswith(f"reserva: invalid data pack {pack}: ")
        assert expected in lines, "\n".join(lines)
        assert "Traceback" not in err
    assert _digest(store) == before
    assert _runs(store) == runs_before


def test_empty_and_non_csv_files(closed_pack, capsys):
    pack, store = closed_pack
    (pack / "exits.csv").write_text("")
    (pack / "ledger.csv").write_bytes(b"PK\x03\x04\x00\x00binary zip content\x00\x01")
    before = _digest(store)
    code, _, err = run(capsys, "close", str(pack), "--valuation-date", "2025-03-31", "--store", str(store))
    assert code == 2
    assert err.splitlines()[1:] == [
        "reserva: exits.csv: value 'empty file', expected a header line and at least one data row "
        "(fix: export the table again with its header line)",
        "reserva: ledger.csv: value 'not a CSV text file (a zip archive, e.g. an Excel .xlsx "
        "workbook)', expected a CSV text file encoded as UTF-8 (fix: export the table as 'CSV "
        "UTF-8' (comma delimited) and save it under this name)",
    ]
    assert _digest(store) == before


def test_many_bad_cells_are_capped_at_20_lines(tmp_path, capsys):
    rows = "".join(f"Q{i},M{i},,CL,2024-01-{i:02d},2023-01-01,-1,single,,5,,,active,,\n" for i in range(1, 16))
    tables = {**TINY_PACK, "policies": TINY_PACK["policies"] + rows}
    pack = write_pack(tmp_path / "pack", tables)
    code, _, err = run(capsys, "validate", str(pack))
    lines = err.splitlines()
    assert code == 2
    assert lines[0] == f"reserva: invalid data pack {pack}: 30 bad cells in policies.csv"
    assert len(lines) == 22 and lines[-1] == "reserva: ... and 10 more bad cells"


def test_close_prints_kpis_and_kpi_command_reads_them(closed_pack, capsys):
    pack, store = closed_pack
    code, out, _ = run(capsys, "close", str(pack), "--valuation-date", "2025-03-31", "--store", str(store))
    assert code == 0
    assert "run 2: closed 2024-12-31 .. 2025-03-31 (opening from store)" in out
    assert "Incurred claims ratio" in out and "Solvency ratio" in out
    code, out, _ = run(capsys, "kpi", "--store", str(store), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["run_id"] == 2
    assert {r["indicator"] for r in data["kpis"]} >= {"incurred_claims_ratio", "solvency_ratio"}
    code, out, _ = run(capsys, "kpi", "--store", str(store), "--run", "1", "--format", "csv")
    assert code == 0 and out.startswith("product_id,indicator,value")
    code, out, _ = run(capsys, "runs", "--store", str(store))
    assert code == 0 and "recomputed" in out and "store" in out


def test_store_and_usage_errors_are_one_line(tmp_path, closed_pack, capsys):
    _, store = closed_pack
    code, _, err = run(capsys, "kpi", "--store", str(store), "--run", "42")
    assert (code, err) == (3, "reserva: run 42 is not in the store; fix: see `reserva runs`\n")
    code, _, err = run(capsys, "runs", "--store", str(tmp_path / "none.duckdb"))
    assert code == 3 and len(err.splitlines()) == 1
    code, _, err = run(capsys, "close", str(tmp_path), "--valuation-date", "2024-02-30")
    assert code == 2 and len(err.splitlines()) == 1 and "not a date" in err


def test_altered_assumption_set_is_refused(tmp_path, tiny_pack, capsys):
    import shutil

    from reserva.io.assumptions import default_root

    set_dir = tmp_path / "mine"
    shutil.copytree(default_root() / "default", set_dir)
    (set_dir / "liquidity_factors.csv").write_text("item,factor\nupr,0.3\n")
    store = tmp_path / "s.duckdb"
    code, _, err = run(capsys, "close", str(tiny_pack), "--valuation-date", "2024-12-31",
                       "--assumptions", str(set_dir), "--store", str(store))
    assert code == 2 and "does not match its sha256" in err and len(err.splitlines()) == 1
    assert not store.exists()


def test_internal_error_is_one_line_exit_70(monkeypatch, tiny_pack, capsys):
    import reserva.batch

    def boom(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(reserva.batch, "close_many", boom)
    code, _, err = run(capsys, "close", str(tiny_pack), "--valuation-date", "2024-12-31")
    assert code == 70
    assert err == "reserva: internal error: ZeroDivisionError: boom (set RESERVA_DEBUG=1 for the traceback)\n"


def test_upr_spot_check_by_policy_and_product(tiny_pack, capsys):
    code, out, err = run(capsys, "upr", str(tiny_pack), "--valuation-date", "2024-12-31",
                         "--by", "policy", "--format", "csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "policy_id,product_id,upr,earned,written"
    assert len(lines) == 1 + 6
    code, out, _ = run(capsys, "upr", str(tiny_pack), "--valuation-date", "2024-12-31",
                       "--basis", "monthly", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["earning_basis"] for r in rows} == {"monthly"}
    np_upr = sum(r["upr"] for r in rows)
    code, out, _ = run(capsys, "upr", str(tiny_pack), "--valuation-date", "2024-12-31",
                       "--basis", "monthly", "--by", "policy", "--format", "json")
    assert sum(r["upr"] for r in json.loads(out)) == pytest.approx(np_upr)
    code, out, _ = run(capsys, "upr", str(tiny_pack), "--valuation-date", "2024-12-31")
    assert code == 0 and "credit_life_components" in out


def test_upr_unknown_basis_is_one_line(tiny_pack, capsys):
    code, _, err = run(capsys, "upr", str(tiny_pack), "--valuation-date", "2024-12-31",
                       "--basis", "weekly")
    assert code == 2 and len(err.splitlines()) == 1 and "weekly" in err


# -- the close's progress, reruns, repeated dates, interrupted multi-date closes ------------------

STAGE_LINE = r"reserva: {date} \({k}/{n}\): {stage} done in \d+\.\d\d s"
STORED_STAGES = ("upr", "claims", "accrued", "projection", "statements", "liquidity", "kpi",
                 "assemble", "store")


def test_close_progress_is_plain_lines_on_stderr_when_piped(tiny_pack, tmp_path, capsys):
    import re

    store = tmp_path / "s.duckdb"
    code, out, err = run(capsys, "close", str(tiny_pack), "--valuation-date", "2024-12-31",
                         "--valuation-date", "2024-09-30", "--store", str(store))
    assert code == 0, err
    lines = err.splitlines()
    assert re.fullmatch(r"reserva: data pack read in \d+\.\d\d s; closing 2 dates "
                        r"\(2024-09-30 \.\. 2024-12-31\)", lines[0]), lines[0]
    expected = [STAGE_LINE.format(date=d, k=k, n=2, stage=s)
                for k, d in ((1, "2024-09-30"), (2, "2024-12-31")) for s in STORED_STAGES]
    assert len(lines) == 1 + len(expected)
    for line, pattern in zip(lines[1:], expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    # each date's line on stdout, in date order, before the tables of the last one
    first, second = out.splitlines()[:2]
    assert first.startswith("run 1: closed 2024-06-30 .. 2024-09-30 (opening from recomputed)")
    assert second.startswith("run 2: closed 2024-09-30 .. 2024-12-31 (opening from store)")


def test_close_quiet_prints_nothing_on_stderr(tiny_pack, tmp_path, capsys):
    code, out, err = run(capsys, "close", str(tiny_pack), "--valuation-date", "2024-12-31",
                         "--store", str(tmp_path / "s.duckdb"), "--quiet")
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1 and out.startswith("run 1: closed 2024-09-30 .. 2024-12-31")


def test_pack_warnings_are_printed_on_stderr(tiny_pack, tmp_path, capsys, monkeypatch):
    import dataclasses

    import reserva.pipeline

    real = reserva.pipeline.read_pack

    def warned(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), warnings=(
            "claims.csv row 3 column event_date: a warning of the pack",))

    monkeypatch.setattr(reserva.pipeline, "read_pack", warned)
    code, _, err = run(capsys, "close", str(tiny_pack), "--valuation-date", "2024-12-31",
                       "--store", str(tmp_path / "s.duckdb"), "--quiet")
    assert (code, err) == (
        0, "reserva: warning: claims.csv row 3 column event_date: a warning of the pack\n")


def test_a_date_already_closed_stores_nothing_unless_rerun(closed_pack, capsys):
    pack, store = closed_pack
    before, runs_before = _digest(store), _runs(store)
    code, out, err = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                         "--store", str(store))
    assert (code, err) == (0, "reserva: data pack read in " + err.split(" in ")[1].split(";")[0]
                           + "; closing 1 date (2024-12-31)\n")
    assert out == ("2024-12-31 is already closed by run 1 with the same data and assumptions; "
                   "pass --rerun to close it again\n")
    assert _digest(store) == before and _runs(store) == runs_before
    # another edition is another close
    code, out, _ = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                       "--store", str(store), "--edition", "1", "--quiet")
    assert code == 0 and out.startswith("run 2: closed 2024-09-30 .. 2024-12-31")
    code, out, _ = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                       "--store", str(store), "--edition", "1", "--rerun", "--quiet")
    assert code == 0 and out.startswith("run 3: closed 2024-09-30 .. 2024-12-31")
    # other data: the date is closed again
    write_pack(pack, _edit("ledger", "150.00", "151.00"))
    code, out, _ = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                       "--store", str(store), "--edition", "1", "--quiet")
    assert code == 0 and out.startswith("run 4: closed")


def test_a_repeated_valuation_date_is_closed_once(tiny_pack, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    code, out, err = run(capsys, "close", str(tiny_pack), "--valuation-date", "2024-12-31",
                         "--valuation-date", "2024-12-31", "--store", str(store), "--quiet")
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1 and out.startswith("run 1: closed 2024-09-30 .. 2024-12-31")
    assert len(_runs(store)) == 1


QUARTERS = ("2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31")


def _fail_on_third_date(monkeypatch, exc):
    import reserva.pipeline

    real, calls = reserva.pipeline.close, []

    def third_fails(data_dir, valuation_date, **kwargs):
        calls.append(valuation_date)
        if len(calls) == 3:
            raise exc
        return real(data_dir, valuation_date, **kwargs)

    monkeypatch.setattr(reserva.pipeline, "close", third_fails)


@pytest.mark.parametrize("exc, code, last", [
    (None, 4, "reserva: stage kpi failed on purpose (test)"),
    (KeyboardInterrupt(), 130, "reserva: aborted"),
])
def test_an_interrupted_close_says_which_dates_landed(exc, code, last, tiny_pack, tmp_path,
                                                      capsys, monkeypatch):
    from reserva.errors import ComputationError

    _fail_on_third_date(monkeypatch, exc or ComputationError("stage kpi failed on purpose (test)"))
    store = tmp_path / "s.duckdb"
    got, out, err = run(capsys, "close", str(tiny_pack), *(
        a for q in QUARTERS for a in ("--valuation-date", q)), "--store", str(store), "--quiet")
    assert got == code
    lines = [line for line in err.splitlines() if line]
    assert lines == [
        "reserva: the close stopped after 2 of 4 dates: stored 2024-06-30 (run 1), 2024-09-30 "
        "(run 2); not closed 2024-12-31, 2025-03-31",
        last,
    ]
    assert [line.split(":")[0] for line in out.splitlines()] == ["run 1", "run 2"]
    assert [r[0] for r in _runs(store)] == [1, 2]
