"""`reserva stress` on a closed sample: its outputs, the exact error lines, a store untouched by
a failure or by ``--no-save``, and appended to (never rewritten) by a stress check.

The store is a copy of the session's closed sample (``stress_store`` in conftest); a stress
check of the set's library stores each scenario as ``stress:<id>@<tag>`` of the run, with one
``stress_lineage`` row naming the scenario file's sha256 and the scenario's identity.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reserva import __version__, api
from reserva.io.assumptions import default_root, load_assumptions
from reserva.io.scenarios import COLUMNS, FILE, read_scenarios
from reserva.projection.stress import METRICS, PER_HORIZON
from reserva.store.stress import stress_tag
from reserva.stress_check import REVERSE_METRICS, reverse_targets, stress
from tests.conftest import run_cli as run

HEADER = ",".join(COLUMNS)
CSV_HEADER = ["scenario_id", "product_id", "metric", "horizon_months", "value", "base",
              "change", "threshold", "breach"]
STRESS_TABLES = ("stress_metrics", "stress_lineage", "stress_reverse", "stress_stochastic")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(path: Path) -> dict[str, list[str]]:
    """Every table's rows (as text, sorted): what a failure must leave as it was."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {n: sorted(repr(r) for r in con.execute(f"SELECT * FROM {n}").fetchall())
                for n in names}
    finally:
        con.close()


def _rows(path: Path, sql: str, params=()) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchdf()
    finally:
        con.close()


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(stress_store, tmp_path) -> Path:
    """A copy of the session's closed sample store (run 1)."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(stress_store, path)
    return path


@pytest.fixture(scope="module")
def library():
    """The default set and its scenario library."""
    return load_assumptions()


def _stored_name(scenario, a) -> str:
    return f"stress:{scenario.scenario_id}@{stress_tag(scenario.identity, a.set_hash, __version__)}"


# ---------------------------------------------------------------- outputs


def test_the_table_shows_every_scenario_of_the_library_and_stores_them(store, capsys, library):
    code, out, err = run(capsys, "stress", "--store", store)
    assert code == 0, err
    assert err == ""
    n = len(library.stress_scenarios)
    assert f"run 1: stress check of {n} scenario(s) from default/{FILE}, assumption set default" in out
    assert "programme: stressed liquidity and solvency" in out
    body = [line for line in out.splitlines() if line.startswith("│")]
    for sc in library.stress_scenarios:
        assert any(line.split("│")[1].strip() == sc.scenario_id for line in body), sc.scenario_id
    assert f"stored as {n} scenario(s) of run 1" in out


def test_json_names_the_scenarios_metrics_and_what_was_stored(store, capsys, library):
    code, out, err = run(capsys, "stress", "--store", store, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    path = default_root() / "default" / FILE
    assert doc["run_id"] == 1 and doc["assumption_set"] == "default"
    assert doc["scenarios_file"] == f"default/{FILE}"
    assert doc["scenarios_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc["stored"] == [_stored_name(s, library) for s in library.stress_scenarios]
    frame = pd.DataFrame(doc["stress"])
    assert list(dict.fromkeys(frame["scenario_id"])) == [s.scenario_id
                                                         for s in library.stress_scenarios]
    assert set(frame["metric"]) == set(METRICS)
    horizons = frame.groupby("metric")["horizon_months"].agg(lambda h: sorted(set(h)))
    for metric in METRICS:
        assert horizons[metric] == ([1, 3, 12] if metric in PER_HORIZON else [0])
    # the figures are those of the check (NaN written as null, 10 decimals)
    expected = stress(store, save=False).result.frame()
    assert len(frame) == len(expected)
    pd.testing.assert_series_equal(frame["value"].astype(float), expected["value"],
                                   check_names=False, rtol=1e-9, atol=1e-10)


def test_csv_one_row_per_scenario_product_metric_and_horizon(store, capsys, library):
    before = _digest(store)
    code, out, err = run(capsys, "stress", "--store", store, "--format", "csv", "--no-save")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == CSV_HEADER
    n_columns = len({r[1] for r in rows[1:]})
    per = len(PER_HORIZON) * 3 + len(METRICS) - len(PER_HORIZON)
    assert n_columns == 6  # five products and the programme
    assert len(rows) - 1 == len(library.stress_scenarios) * n_columns * per
    assert len({tuple(r[:4]) for r in rows[1:]}) == len(rows) - 1
    assert _digest(store) == before


def test_csv_neutralises_a_scenario_id_a_spreadsheet_would_run(store, tmp_path, capsys):
    # an id may begin with "-" (letters, digits, _ . -): written with a leading '
    mine = _write(tmp_path / "mine.csv",
                  "-cmd,Claims up,both,severe,claims_frequency,ALL,,,1,,1.5,multiplier,,illustrative,")
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", mine,
                         "--format", "csv", "--no-save")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert {r[0] for r in rows[1:]} == {"'-cmd"}
    # "=" is no letter of an id: refused before anything is written
    _write(mine, "=cmd,Claims up,both,severe,claims_frequency,ALL,,,1,,1.5,multiplier,,illustrative,")
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", mine, "--format", "csv")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "reserva: invalid input: 1 bad cell in mine.csv",
        "reserva: mine.csv row 2 column scenario_id: value '=cmd', expected an id of letters, "
        "digits, _ . - (fix: name the scenario, e.g. severe_disaster)",
    ]


def test_by_product_adds_each_product_s_rows(store, capsys):
    code, out, err = run(capsys, "stress", "--store", store, "--by-product", "--no-save")
    assert code == 0, err
    assert "per product (columns with assets)" in out
    table = out.split("per product (columns with assets)")[1]
    cells = [[c.strip() for c in line.split("│")[1:3]] for line in table.splitlines()
             if line.startswith("│")]
    assert ["base", "HE"] in cells and ["base", "ALL"] in cells


def test_reverse_stress_is_searched_for_each_target_and_stored(store, capsys, library):
    code, out, err = run(capsys, "stress", "--store", store, "--reverse", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    targets = reverse_targets(library.stress_scenarios)
    assert [(r["target"], r["kind"]) for r in doc["reverse"]] == [
        (t, k) for t, k, _ in targets for _ in REVERSE_METRICS]
    # a mass lapse can raise the solvency ratio: "reached" may say the metric is not monotone
    assert all(r["outcome"].startswith(("reached", "not reached within the search bound",
                                        "already breached without the shock"))
               for r in doc["reverse"])
    tag = stress_tag(doc["scenarios_sha256"], library.set_hash, "reverse", __version__)
    assert f"stress-reverse@{tag}" in doc["stored"]
    stored = _rows(store, "SELECT * FROM stress_reverse WHERE scenario = ?",
                   [f"stress-reverse@{tag}"])
    assert len(stored) == len(REVERSE_METRICS) * len(targets)
    reached = stored[stored["reached"] & ~stored["breached_at_low"]]
    # a multiplier found puts the metric below its threshold
    assert (reached["metric_value"] < reached["threshold"]).all()


def test_simulations_with_a_seed_are_shown_and_stored_with_their_seed(store, capsys, library):
    code, out, err = run(capsys, "stress", "--store", store, "--reverse", "--simulations", 500,
                         "--seed", 7, "--no-save")
    assert code == 0, err
    assert "reverse stress: smallest multiplier of each shock that breaks the programme" in out
    assert "simulated claims: 500 simulations, seed 7, VaR/TVaR at 99.5%" in out
    code, out, err = run(capsys, "stress", "--store", store, "--simulations", 500, "--seed", 7,
                         "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    name = f"stress-stochastic@{stress_tag(library.set_hash, 500, 7, __version__)}"
    assert name in doc["stored"]
    sto = pd.DataFrame(doc["stochastic"])
    assert set(sto["measure"]) == {"mean_outflows", "var_outflows", "tvar_outflows",
                                   "p_liquidity_below_threshold"}
    assert sto["product_id"].iloc[-1] == "ALL"
    lineage = _rows(store, "SELECT simulations, seed FROM stress_lineage WHERE scenario = ?",
                    [name])
    assert lineage.values.tolist() == [[500, 7]]
    # the same seed again: the same simulated claims, nothing new stored
    code, out, _ = run(capsys, "stress", "--store", store, "--simulations", 500, "--seed", 7,
                       "--format", "json")
    again = json.loads(out)
    assert again["stored"] == [] and again["stochastic"] == doc["stochastic"]


# ---------------------------------------------------------------- errors: exit code, line, store


def _unchanged(store: Path):
    """(digest, tables) now, to compare after a failure."""
    return _digest(store), _tables(store)


def test_bad_cells_of_a_user_s_file_each_get_their_line(store, tmp_path, capsys):
    mine = _write(
        tmp_path / "mine.csv",
        "a,A,both,severe,claims_frequncy,ALL,,,1,,1.5,multiplier,step,illustrative,",
        "b,B,both,severe,mass_lapse,ALL,,,1,,1.5,share,step,illustrative,",
        "c,C,both,severe,expenses,ALL,,,1,,1.1,multiplier,step,,",
    )
    before = _unchanged(store)
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", mine)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == "reserva: invalid input: 3 bad cells in mine.csv"
    assert len(lines) == 4
    assert lines[1].startswith("reserva: mine.csv row 2 column shock_type: value "
                               "'claims_frequncy', expected one of none, claims_frequency, ")
    assert lines[1].endswith("(fix: use a code the README lists under Stress scenarios)")
    assert lines[2] == ("reserva: mine.csv row 3 column value: value '1.5', expected a share in "
                        "[0, 1] (fix: write a value within that range)")
    assert lines[3] == ("reserva: mine.csv row 4 column source: value '', expected the "
                        "calibration source, or illustrative (fix: cite where the number comes "
                        "from, or write illustrative)")
    assert "Traceback" not in err
    assert _unchanged(store) == before


def test_a_missing_scenario_file_is_exit_2_with_one_line(store, tmp_path, capsys):
    before = _unchanged(store)
    missing = tmp_path / "nope.csv"
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", missing)
    assert (code, out) == (2, "")
    assert err == (f"reserva: scenario file {missing} not found; fix: give the path of a CSV "
                   f"with the columns of {FILE} (README \"Stress scenarios\")\n")
    assert _unchanged(store) == before


def test_no_store_or_no_such_run_is_exit_3(store, tmp_path, capsys):
    nowhere = tmp_path / "none.duckdb"
    code, out, err = run(capsys, "stress", "--store", nowhere)
    assert (code, out) == (3, "")
    assert err.startswith(f"reserva: no Reserva store at {nowhere}; fix: ")
    assert not nowhere.exists()
    before = _unchanged(store)
    code, out, err = run(capsys, "stress", "--store", store, "--run", 9)
    assert (code, out) == (3, "")
    assert err == "reserva: run 9 is not in the store; fix: see `reserva runs`\n"
    assert _unchanged(store) == before


def test_a_counterparty_the_run_cannot_split_by_names_its_line_and_column(store, tmp_path,
                                                                         capsys):
    # the sample's policies name no distribution partner: a premium_delay of partner MFI-1
    # cannot be applied, nor can claims be split by counterparty
    mine = _write(
        tmp_path / "partners.csv",
        "a,A,both,severe,claims_frequency,ALL,,MFI-1,1,,1.5,multiplier,step,illustrative,",
        "b,B,liquidity,severe,premium_delay,ALL,,MFI-1,1,3,2,months,step,illustrative,",
    )
    before = _unchanged(store)
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", mine, "--reverse")
    assert (code, out) == (2, "")
    lines = sorted(err.splitlines())
    assert lines[0] == "reserva: invalid input: 2 bad cells in partners.csv"
    for line, row in zip(lines[1:], (2, 3), strict=True):
        assert line.startswith(f"reserva: partners.csv row {row} column counterparty: value "
                               "'MFI-1', expected "), line
        assert "(fix: " in line
    assert "Traceback" not in err
    assert _unchanged(store) == before


# ---------------------------------------------------------------- the store


def test_stored_scenarios_are_listed_and_hold_the_check_s_metrics(store, capsys, library):
    check = stress(store, save=False)
    code, out, err = run(capsys, "stress", "--store", store, "--format", "json")
    assert code == 0, err
    stored = json.loads(out)["stored"]
    assert api.scenarios(store, 1) == ["base", *sorted(stored)]
    # an unknown scenario's error lists the stored ones
    code, _, err = run(capsys, "kpi", "--store", store, "--scenario", "nope")
    assert code == 3 and all(name in err for name in stored)
    # a stress scenario holds no KPIs: said so, not an empty table
    name = sorted(stored)[0]
    code, out, err = run(capsys, "kpi", "--store", store, "--scenario", name)
    assert (code, out) == (3, "")
    assert err == (f"reserva: scenario {name!r} of run 1 holds no kpis rows, only "
                   "stress_metrics, stress_lineage; fix: read one of those (e.g. "
                   "`reserva.results(store, 'stress_metrics', scenario=...)`)\n")
    frame = check.result.frame()
    keys = ["product_id", "metric", "horizon_months"]
    path = default_root() / "default" / FILE
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for sc in library.stress_scenarios:
        name = _stored_name(sc, library)
        got = _rows(store, "SELECT * FROM stress_metrics WHERE run_id = 1 AND scenario = ?",
                    [name]).drop(columns=["run_id", "scenario"])
        want = frame[frame["scenario_id"] == sc.scenario_id].drop(columns="scenario_id")
        pd.testing.assert_frame_equal(got.sort_values(keys).reset_index(drop=True),
                                      want.sort_values(keys).reset_index(drop=True),
                                      check_dtype=False)
        lineage = _rows(store, "SELECT * FROM stress_lineage WHERE scenario = ?", [name])
        assert len(lineage) == 1
        row = lineage.iloc[0]
        assert (row.scenario_id, row.scenario_identity) == (sc.scenario_id, sc.identity)
        assert (row.scenarios_file, row.file_hash) == (f"default/{FILE}", digest)
        assert (row.assumption_set, row.assumption_hash) == ("default", library.set_hash)


def test_a_second_identical_check_stores_nothing(store, capsys):
    code, out, _ = run(capsys, "stress", "--store", store, "--format", "json")
    assert code == 0 and json.loads(out)["stored"]
    tables = _tables(store)
    code, out, err = run(capsys, "stress", "--store", store, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["stored"] == []
    assert _tables(store) == tables


def test_a_changed_scenario_file_is_stored_next_to_the_old_one(store, tmp_path, capsys):
    mine = _write(tmp_path / "mine.csv",
                  "claims_up,Claims up,both,severe,claims_frequency,ALL,,,1,,1.5,multiplier,,"
                  "illustrative,")
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", mine, "--format", "json")
    assert code == 0, err
    (old,) = json.loads(out)["stored"]
    before = {t: rows for t, rows in _tables(store).items() if t in STRESS_TABLES}
    mine.write_text(mine.read_text().replace(",1.5,", ",1.6,"))
    code, out, err = run(capsys, "stress", "--store", store, "--scenarios", mine, "--format", "json")
    assert code == 0, err
    (new,) = json.loads(out)["stored"]
    (scenario,) = read_scenarios(mine)
    a = load_assumptions()
    assert new == _stored_name(scenario, a) != old
    assert old.startswith("stress:claims_up@") and new.startswith("stress:claims_up@")
    assert {old, new} <= set(api.scenarios(store, 1))
    after = _tables(store)
    for table, rows in before.items():  # append-only: the old rows are all still there
        assert set(rows) <= set(after[table])
    lineage = _rows(store, "SELECT * FROM stress_lineage WHERE scenario = ?", [new]).iloc[0]
    assert lineage.scenarios_file == "mine.csv"
    assert lineage.file_hash == hashlib.sha256(mine.read_bytes()).hexdigest()
    assert lineage.scenario_identity == scenario.identity


def test_no_save_writes_nothing(store, capsys):
    before = _unchanged(store)
    code, out, err = run(capsys, "stress", "--store", store, "--no-save", "--simulations", 100,
                         "--format", "json")
    assert code == 0, err
    assert json.loads(out)["stored"] == []
    assert _unchanged(store) == before


def test_the_readme_s_example_file_runs_and_every_row_acts_on_the_sample(store, tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("An example file of your own:", 1)[1]
    block = section.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "flood.csv"
    path.write_text(block)
    check = stress(store, scenarios=path, save=False)
    assert check.result.scenario_ids == ("flood",)
    assert check.notes == ()  # every row finds something to act on in the sample
    r = check.result
    net = r.metric("net_liquidity_ratio", 3)[0, -1]
    assert net < r.base["net_liquidity_ratio"][-1, r.horizons.index(3)]


def test_show_prints_the_stored_checks_from_the_store_only(store, capsys, library):
    code, _, err = run(capsys, "stress", "--store", store, "--show")
    assert (code, err) == (3, "reserva: run 1 has no stress check stored; fix: run "
                              "`reserva stress --run 1`\n")
    code, out, err = run(capsys, "stress", "--store", store, "--format", "json")
    assert code == 0, err
    stored = json.loads(out)["stress"]
    code, out, err = run(capsys, "stress", "--store", store, "--show")
    assert code == 0, err
    for sc in library.stress_scenarios:
        assert sc.scenario_id in out
    digest = hashlib.sha256((default_root() / "default" / FILE).read_bytes()).hexdigest()
    assert f"10 scenario(s) of default/{FILE} (sha256 {digest[:12]})" in out
    # the model holds the stored values (the terminal only formats them)
    report = api.stored_report(store, "stress", run_id=1)
    table = report.section("stress").blocks[0]
    names = [c.name for c in table.columns]
    base_row = next(r for r in table.rows if r[0] == "base")
    want = next(r["value"] for r in stored if r["scenario_id"] == "base"
                and r["product_id"] == "ALL" and r["metric"] == "solvency_ratio")
    assert base_row[names.index("solvency")] == pytest.approx(want, rel=1e-9)  # json: 10 digits
    # --show computes nothing and takes no other option
    code, _, err = run(capsys, "stress", "--store", store, "--show", "--reverse")
    assert code == 2 and "--show" in err
