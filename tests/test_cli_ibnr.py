"""`reserva ibnr`: a triangle CSV (long or wide) -> IBNR by origin, against published figures."""

from __future__ import annotations

import json

import pytest

from engine.cli import main

# RAA (Mack 1994; R ChainLadder's RAA data): cumulative incurred losses 1981-1990, ages 1-10
RAA = [
    [5012, 8269, 10907, 11805, 13539, 16181, 18009, 18608, 18662, 18834],
    [106, 4285, 5396, 10666, 13782, 15599, 15496, 16169, 16704],
    [3410, 8992, 13873, 16141, 18735, 22214, 22863, 23466],
    [5655, 11555, 15766, 21266, 23425, 26083, 27067],
    [1092, 9565, 15836, 22169, 25955, 26180],
    [1513, 6445, 11702, 12935, 15852],
    [557, 4020, 10946, 12314],
    [1351, 6947, 13112],
    [3133, 5395],
    [2063],
]


@pytest.fixture
def raa_files(tmp_path):
    wide = ["origin," + ",".join(str(a) for a in range(1, 11))]
    long = ["origin,development,value"]
    for i, row in enumerate(RAA):
        wide.append(f"{1981 + i}," + ",".join(str(v) for v in row) + "," * (10 - len(row)))
        long += [f"{1981 + i},{a + 1},{v}" for a, v in enumerate(row)]
    (tmp_path / "wide.csv").write_text("\n".join(wide) + "\n")
    (tmp_path / "long.csv").write_text("\n".join(long) + "\n")
    (tmp_path / "exposure.csv").write_text(
        "origin,exposure\n" + "".join(f"{1981 + i},40000\n" for i in range(10)))
    return tmp_path


def _json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_mack_on_raa_matches_the_published_totals(raa_files, capsys):
    # R ChainLadder MackChainLadder(RAA): IBNR 52,135; Mack S.E. 26,909 (Mack sigma rule)
    d = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "mack", "--format", "json")
    assert round(d["totals"]["ibnr"]) == 52135
    assert round(d["totals"]["std_err"]) == 26909
    assert round(d["totals"]["latest"]) == 160987 and round(d["totals"]["ultimate"]) == 213122


def test_long_and_wide_give_the_same_answer(raa_files, capsys):
    a = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--format", "json")
    b = _json(capsys, "ibnr", str(raa_files / "long.csv"), "--format", "json")
    assert a["origins"] == b["origins"]


def test_bf_capecod_benktander_match_chainladder_on_raa(raa_files, capsys):
    # chainladder 0.10 on RAA with exposure 40,000 per year: BF(0.5) 53,716.60,
    # CapeCod 59,115.89, Benktander(0.5, n_iters=2) 54,425.70
    args = ["--exposure", str(raa_files / "exposure.csv"), "--format", "json"]
    bf = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "bf", "--apriori", "0.5", *args)
    cc = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "capecod", *args)
    bk = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "benktander", "--apriori", "0.5", *args)
    assert bf["totals"]["ibnr"] == pytest.approx(53716.60, abs=0.01)
    assert cc["totals"]["ibnr"] == pytest.approx(59115.89, abs=0.01)
    assert bk["totals"]["ibnr"] == pytest.approx(54425.70, abs=0.01)


def test_bad_triangle_cells_and_missing_options_are_one_line_each(tmp_path, raa_files, capsys):
    bad = (raa_files / "wide.csv").read_text().replace("5012", "5O12").replace("2063", "n/a")
    (tmp_path / "bad.csv").write_text(bad)
    assert main(["ibnr", str(tmp_path / "bad.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "reserva: invalid input: 2 bad cells in bad.csv"
    assert err[1] == ("reserva: bad.csv row 2 column 1: value '5O12', expected a number "
                      "(fix: write the value as a plain number or leave it empty)")
    assert main(["ibnr", str(raa_files / "wide.csv"), "--method", "bf"]) == 2
    assert capsys.readouterr().err == "reserva: method bf needs --exposure (origin,exposure CSV)\n"


def test_bootstrap_adds_a_seeded_distribution_of_the_total(raa_files, capsys):
    # ODP bootstrap of the chain ladder (see tests/reserves/test_claims_bootstrap.py): mean
    # within 8 % of the chain ladder IBNR 52,135, std of the order of the analytic ODP 17,613
    wide = str(raa_files / "wide.csv")
    a = _json(capsys, "ibnr", wide, "--bootstrap", "300", "--format", "json")
    b = _json(capsys, "ibnr", wide, "--bootstrap", "300", "--seed", "42", "--format", "json")
    c = _json(capsys, "ibnr", wide, "--bootstrap", "300", "--seed", "43", "--format", "json")
    assert a == b and a["bootstrap"] != c["bootstrap"]  # default seed 42; reproducible
    boot = a["bootstrap"]
    assert (boot["n_sims"], boot["seed"]) == (300, 42)
    assert abs(boot["mean"] / a["totals"]["ibnr"] - 1) < 0.08
    assert 0.7 * 17613 < boot["std"] < 1.3 * 17613
    q = boot["percentiles"]
    assert list(q) == ["75", "95", "99.5"] and q["75"] < q["95"] < q["99.5"]
    assert sum(boot["by_origin_mean"]) == pytest.approx(boot["mean"], rel=1e-9)
    assert "bootstrap" not in _json(capsys, "ibnr", wide, "--format", "json")


def test_bootstrap_lines_under_the_table_totals(raa_files, capsys):
    wide = str(raa_files / "wide.csv")
    d = _json(capsys, "ibnr", wide, "--method", "mack", "--bootstrap", "200", "--format", "json")
    assert main(["ibnr", wide, "--method", "mack", "--bootstrap", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    labels = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    assert labels[-6:] == ["total", "bootstrap mean", "bootstrap std", "bootstrap p75",
                           "bootstrap p95", "bootstrap p99.5"]
    shown = {line.split("│")[1].strip(): line.split("│")[5].strip() for line in lines
             if line.startswith("│ bootstrap")}
    assert shown["bootstrap mean"] == f"{d['bootstrap']['mean']:,.0f}"
    assert shown["bootstrap p99.5"] == f"{d['bootstrap']['percentiles']['99.5']:,.0f}"
    assert main(["ibnr", wide, "--bootstrap", "200", "--seed", "0"]) == 2
    assert capsys.readouterr().err.startswith("reserva: bootstrap seed must be a whole number 1 ..")
