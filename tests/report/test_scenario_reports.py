"""Reports of a scenario (``--scenario NAME`` of the commands that read stored results), the
report model as the public way to get a report (``reserva.stored_report``,
``reserva.scenarios``), and ``reserva ibnr`` as one library call."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import reserva
from reserva import api
from reserva.errors import ArgumentError, StoreError
from reserva.pipeline import close
from reserva.report import builders, terminal
from reserva.report.model import Report
from reserva.report.spot import triangle_ibnr_document
from reserva.store import runs as store_runs
from reserva.store.results import results_tables
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stressed_store(tiny_pack, tmp_path):
    """A store with one close (scenario base) and a scenario ``stress`` of it: statements and
    KPIs doubled, liquidity as is (a stand-in for a stress check's results)."""
    store = tmp_path / "s.duckdb"
    r = close(tiny_pack, "2024-12-31", store=store, write=True)
    t = results_tables(r)
    store_runs.save_scenario(store, r.run_id, "stress", {
        "statements": t["statements"].assign(value=t["statements"]["value"] * 2.0),
        "kpis": t["kpis"].assign(value=t["kpis"]["value"] * 2.0),
        "liquidity": t["liquidity"]})
    return store, r


def _drawn(report: Report) -> str:
    out = terminal.console()
    with out.capture() as cap:
        terminal.show(report, out)
    return cap.get()


def _tables(report: Report) -> list:
    """Every block of the report without its titles (NaN cells as text, to compare)."""
    out = []
    for b in report.blocks():
        rows = getattr(b, "rows", None) or getattr(b, "measures", None) or getattr(b, "lines", ())
        out.append((type(b).__name__, repr(rows)))
    return out


def test_kpi_reads_the_scenario_asked_for(stressed_store, capsys):
    store, r = stressed_store
    code, out, err = run(capsys, "kpi", "--store", str(store), "--format", "json",
                         "--scenario", "stress")
    assert code == 0, err
    stressed = json.loads(out)
    code, out, _ = run(capsys, "kpi", "--store", str(store), "--format", "json")
    base = json.loads(out)
    assert (stressed["run_id"], stressed["scenario"]) == (r.run_id, "stress")
    assert "scenario" not in base  # the base output is the one printed before the option
    pairs = [(a["value"], b["value"]) for a, b in zip(stressed["kpis"], base["kpis"], strict=True)]
    assert pairs and all((s is None) == (b is None) for s, b in pairs)
    assert [s for s, b in pairs if b is not None] == pytest.approx(
        [2.0 * b for _, b in pairs if b is not None], rel=1e-9)
    # the default is base: the same output as without the option
    assert run(capsys, "kpi", "--store", str(store), "--scenario", "base")[1] == run(
        capsys, "kpi", "--store", str(store))[1]
    code, out, _ = run(capsys, "kpi", "--store", str(store), "--scenario", "stress")
    assert code == 0 and f"(run {r.run_id}, scenario stress, edition" in out
    code, out, _ = run(capsys, "kpi", "--trend", "--store", str(store), "--scenario", "stress",
                       "--format", "csv")
    assert code == 0 and out.count("\n") == len(stressed["kpis"]) + 1


@pytest.mark.parametrize("argv", [
    ["kpi"], ["kpi", "--pending"], ["kpi", "--format", "csv"], ["liquidity"],
    ["liquidity", "--format", "json"], ["alm"], ["alm", "--format", "json"],
    ["kpi", "--run", "1"], ["liquidity", "--run", "1"],
])
def test_an_unknown_scenario_is_a_store_error_listing_the_scenarios(stressed_store, capsys,
                                                                    argv):
    store, _ = stressed_store
    code, out, err = run(capsys, *argv, "--store", str(store), "--scenario", "strss")
    assert (code, out) == (3, "")
    assert err.startswith("reserva: ") and "Traceback" not in err and err.count("\n") == 1
    assert "'strss'" in err and "base, stress" in err, err


def test_an_unknown_scenario_of_the_trend_lists_the_stores(stressed_store, capsys):
    store, _ = stressed_store
    code, _, err = run(capsys, "kpi", "--trend", "--store", str(store), "--scenario", "x")
    assert code == 3
    assert err == f"reserva: no run of store {store} has scenario 'x'; its scenarios: base, stress\n"


def test_liquidity_and_alm_of_a_scenario_name_it(stressed_store, capsys):
    store, r = stressed_store
    code, out, _ = run(capsys, "liquidity", "--store", str(store), "--scenario", "stress")
    assert code == 0 and f"Run {r.run_id}, scenario stress: liquidity, ALL" in out
    stressed = api.stored_report(store, "liquidity", scenario="stress")
    base = api.stored_report(store, "liquidity")
    assert _tables(stressed) == _tables(base)  # the stress scenario kept the liquidity
    code, out, _ = run(capsys, "alm", "--store", str(store), "--scenario", "stress")
    assert code == 0  # the scenario stored no ALM table: only the checks' heading
    assert out.strip() == f"Investment-policy checks (run {r.run_id}, scenario stress):"


def test_runs_has_no_scenario_option(stressed_store, capsys):
    store, _ = stressed_store
    code, _, err = run(capsys, "runs", "--store", str(store), "--scenario", "stress")
    assert (code, err) == (2, "reserva: No such option '--scenario'.\n")


def test_the_api_gives_every_report_of_the_store_as_the_model(stressed_store, capsys):
    store, r = stressed_store
    assert reserva.stored_report is api.stored_report and reserva.scenarios is api.scenarios
    assert api.scenarios(store) == ["base", "stress"] == api.scenarios(str(store), r.run_id)
    close_report = api.stored_report(store)
    assert isinstance(close_report, Report) and close_report.run_id == r.run_id
    assert close_report.section("notes").notes == r.notes
    assert _drawn(close_report) == _drawn(builders.close_summary(store, r.run_id))
    for kind, argv in (("kpi", ["kpi"]), ("trend", ["kpi", "--trend"]),
                       ("pending", ["kpi", "--pending"]), ("liquidity", ["liquidity"]),
                       ("alm", ["alm"]), ("runs", ["runs"])):
        code, out, _ = run(capsys, *argv, "--store", str(store))
        assert code == 0 and _drawn(api.stored_report(store, kind)) == out, kind
    stressed = api.stored_report(store, "kpi", scenario="stress", product="ALL", full=True)
    code, out, _ = run(capsys, "kpi", "--store", str(store), "--scenario", "stress",
                       "--product", "ALL", "--all")
    assert _drawn(stressed) == out
    with pytest.raises(ArgumentError, match="kind 'html'"):
        api.stored_report(store, "html")
    with pytest.raises(ArgumentError, match="no run_id for report 'trend'"):
        api.stored_report(store, "trend", run_id=1)
    with pytest.raises(ArgumentError, match="no product for report 'close'"):
        api.stored_report(store, "close", product="CL")
    with pytest.raises(StoreError, match="its scenarios: base, stress"):
        api.stored_report(store, "liquidity", run_id=r.run_id, scenario="nope")
    with pytest.raises(StoreError, match="no completed run with scenario 'nope'"):
        api.stored_report(store, scenario="nope")


def test_the_close_report_of_a_scenario_that_stored_the_close_tables(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    r = close(tiny_pack, "2024-12-31", store=store, write=True)
    store_runs.save_scenario(store, r.run_id, "copy", results_tables(r))
    base, copy = api.stored_report(store), api.stored_report(store, scenario="copy")
    assert copy.title == base.title.replace(f"(run {r.run_id})",
                                            f"(run {r.run_id}, scenario copy)")
    assert _tables(copy) == _tables(base) and copy.figures == base.figures
    assert copy.section("liquidity").blocks[0].tail == (
        f" -- `reserva liquidity --run {r.run_id} --scenario copy`, "
        f"`reserva alm --run {r.run_id} --scenario copy`")
    assert copy.section("notes").notes == r.notes  # the run's notes, whatever the scenario


def test_ibnr_is_one_library_call_whose_document_the_command_prints(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text("origin,1,2,3\n2023,100,150,165\n2024,110,165,\n2025,120,,\n")
    doc = triangle_ibnr_document(path, "mack", tail=1.05)
    code, out, err = run(capsys, "ibnr", str(path), "--method", "mack", "--tail", "1.05",
                         "--format", "json")
    assert code == 0, err
    assert json.loads(out) == doc and doc["tail"] == 1.05
    code, out, _ = run(capsys, "ibnr", str(path), "--method", "mack", "--tail", "1.05")
    assert out.splitlines()[0].strip() == "IBNR of wide.csv (mack, zeros missing, tail 1.05)"
    # the command parses, calls, renders: its body reads no file and computes nothing itself
    tree = ast.parse((ROOT / "engine/cli.py").read_text(encoding="utf-8"))
    body = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "ibnr")
    imported = {n.module for n in ast.walk(body) if isinstance(n, ast.ImportFrom)}
    assert imported == {"reserva.report", "reserva.report.spot"}, imported
