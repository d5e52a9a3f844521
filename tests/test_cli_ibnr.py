"""`reserva ibnr`: a triangle CSV (long or wide) -> IBNR by origin, against published figures."""

from __future__ import annotations

import json

import pytest

from reserva.cli import main

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


# ---------------------------------------------------------------------------------------------
# Missing cells, zeros, shape checks, options, diagnostics (issue 13 item 6)


def _strict(text: str):
    """json.loads that refuses NaN and Infinity (not JSON)."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def _wide(path, rows, ages=None):
    ages = ages or list(range(1, len(rows) + 1))
    lines = ["origin," + ",".join(str(a) for a in ages)]
    for label, row in rows:
        lines.append(f"{label}," + ",".join("" if v is None else str(v) for v in row))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_missing_cells_in_a_csv_give_chainladders_mack(tmp_path, capsys):
    # chainladder sample xyz, Incurred: the oldest origin lacks its first two ages (missing);
    # MackChainladder(Development(sigma_interpolation="mack")): IBNR 2,226,232 (rounded),
    # total Mack S.E. 34,765.4
    import warnings

    import chainladder as cl
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tri = cl.load_sample("xyz")["Incurred"]
        ref = cl.MackChainladder().fit(cl.Development(sigma_interpolation="mack").fit_transform(tri))
    C = np.asarray(tri.values, dtype=float)[0, 0]
    rows = [(str(o)[:4], [None if np.isnan(v) else v for v in C[i][: C.shape[1] - i]])
            for i, o in enumerate(tri.origin)]
    wide = _wide(tmp_path / "xyz.csv", rows)
    code, out, err = _run(capsys, "ibnr", wide, "--method", "mack", "--format", "json")
    assert code == 0, err
    d = _strict(out)
    assert d["totals"]["ibnr"] == pytest.approx(float(np.nansum(ref.ibnr_.values)), rel=1e-6)
    assert d["totals"]["std_err"] == pytest.approx(
        float(ref.total_mack_std_err_.values.ravel()[0]), rel=1e-6)
    assert d["origins"][0]["flags"][0] == "missing_cells"
    assert d["diagnostics"]["missing"][:2] == [{"origin": "1998", "development": 1.0},
                                               {"origin": "1998", "development": 2.0}]


def test_a_zero_in_the_last_column_never_collapses_silently(raa_files, tmp_path, capsys):
    text = (raa_files / "wide.csv").read_text().replace(",18834", ",0")
    (tmp_path / "zero.csv").write_text(text)
    code, out, _ = _run(capsys, "ibnr", str(tmp_path / "zero.csv"), "--format", "json")
    d = _strict(out)
    assert code == 0 and d["ldf"][-1] == 1.0
    assert d["diagnostics"]["lags_without_factor"] == [{"from": 9.0, "to": 10.0}]
    assert not d["diagnostics"]["collapsed"] and d["totals"]["ultimate"] > 150_000
    code, out, _ = _run(capsys, "ibnr", str(tmp_path / "zero.csv"), "--zeros", "data",
                        "--format", "json")
    d = _strict(out)
    assert d["totals"]["ultimate"] == 0.0
    assert d["diagnostics"]["collapsed"] == [str(y) for y in range(1982, 1991)]
    assert d["diagnostics"]["zero_factors"] == [{"from": 9.0, "to": 10.0}]
    assert all("collapsed" in o["flags"] for o in d["origins"][1:])
    code, out, _ = _run(capsys, "ibnr", str(tmp_path / "zero.csv"), "--zeros", "data")
    review = [line for line in out.splitlines() if line.startswith("review:")]
    assert "review: 9 origins with a collapsed projection (ultimate 0): 1982, 1983, 1984, 1985, " \
           "1986, ... 4 more" in review
    assert review[-1].startswith("review: 1 factors of 0") and "--zeros missing" in review[-1]


def test_negative_cumulative_values_are_flagged(raa_files, tmp_path, capsys):
    text = (raa_files / "wide.csv").read_text().replace("1983,3410,8992", "1983,-3410,-8992")
    (tmp_path / "neg.csv").write_text(text)
    code, out, _ = _run(capsys, "ibnr", str(tmp_path / "neg.csv"), "--method", "mack",
                        "--format", "json")
    d = _strict(out)
    assert code == 0
    assert d["origins"][2]["flags"][0] == "negative_cumulative"
    assert d["diagnostics"]["negative_cumulative"] == [
        {"origin": "1983", "development": 1.0}, {"origin": "1983", "development": 2.0}]
    assert d["totals"]["std_err"] >= max(o["std_err"] for o in d["origins"])


def test_repeated_origins_and_cells_are_refused_with_their_lines(raa_files, tmp_path, capsys):
    text = (raa_files / "wide.csv").read_text()
    (tmp_path / "dup.csv").write_text(text.replace("1984,", "1983,", 1))
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "dup.csv"))
    assert code == 2
    assert err.splitlines()[1] == ("reserva: dup.csv row 5 column origin: value '1983', expected "
                                   "one row per origin (fix: remove the repeated row or merge it "
                                   "with line 4)")
    long = (raa_files / "long.csv").read_text() + "1985,3,15836\n"
    (tmp_path / "dup_long.csv").write_text(long)
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "dup_long.csv"))
    assert code == 2
    assert err.splitlines()[1] == (
        "reserva: dup_long.csv row 57 column development: value '3', expected one value per "
        "origin and development (fix: remove the repeated row (origin 1985 is on line 38 too))")


def test_a_blank_latest_cell_is_refused_and_a_blank_earlier_cell_is_missing(raa_files, tmp_path,
                                                                           capsys):
    text = (raa_files / "wide.csv").read_text()
    (tmp_path / "short.csv").write_text(text.replace(",26083,27067,", ",26083,,"))
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "short.csv"))
    assert code == 2
    assert err.splitlines() == [
        "reserva: invalid input: 1 bad cell in short.csv",
        "reserva: short.csv row 5 column 7: value '', expected origin 1984's latest cumulative "
        "value at development 7 (the diagonal; an empty latest cell would make the row shorter) "
        "(fix: fill in the cell (0 if nothing was reported to date))"]
    long = "\n".join(line for line in (raa_files / "long.csv").read_text().splitlines()
                     if line != "1984,7,27067") + "\n"
    (tmp_path / "short_long.csv").write_text(long)
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "short_long.csv"))
    assert code == 2 and "short_long.csv row 34 column value: value ''" in err  # age 6
    (tmp_path / "hole.csv").write_text(text.replace(",26083,27067,", ",,27067,"))
    code, out, _ = _run(capsys, "ibnr", str(tmp_path / "hole.csv"), "--format", "json")
    assert code == 0
    assert _strict(out)["diagnostics"]["missing"] == [{"origin": "1984", "development": 6.0}]


@pytest.mark.parametrize("cell", ["inf", "nan", "1e400", "-inf"])
def test_non_finite_cells_are_bad_cells(raa_files, tmp_path, capsys, cell):
    (tmp_path / "bad.csv").write_text((raa_files / "wide.csv").read_text().replace("5012", cell))
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "bad.csv"))
    assert code == 2
    assert err.splitlines()[1] == (f"reserva: bad.csv row 2 column 1: value '{cell}', expected a "
                                   "number (fix: write the value as a plain number or leave it "
                                   "empty)")


def test_development_ages_must_increase_once_each(tmp_path, capsys):
    path = _wide(tmp_path / "ages.csv", [("2020", [1, 2, 3]), ("2021", [1, 2]), ("2022", [1])],
                 ages=[12, 36, 24])
    code, _, err = _run(capsys, "ibnr", path)
    assert code == 2 and "ages.csv row 1 column 24: value '24', expected each development age " \
                         "once, increasing from left to right (fix: move the column before age 36)" in err
    path = _wide(tmp_path / "ages.csv", [("2020", [1, 2, 3]), ("2021", [1, 2]), ("2022", [1])],
                 ages=[12, 24, 24])
    code, _, err = _run(capsys, "ibnr", path)
    assert code == 2 and "(fix: remove the repeated column)" in err


def test_json_is_strict_and_totals_count_undefined_origins(tmp_path, capsys):
    path = _wide(tmp_path / "t.csv", [("2001", [10, 20, 30]), ("2002", [15, 25, None]),
                                      ("2003", [None, None, None])])
    code, out, _ = _run(capsys, "ibnr", path, "--method", "mack", "--format", "json")
    d = _strict(out)
    assert code == 0
    assert d["totals"] == {"latest": 55.0, "ultimate": 67.5, "ibnr": 12.5, "std_err": None,
                           "origins": 3, "undefined_origins": 1}
    assert d["origins"][2] == {"origin": "2003", "latest": None, "cdf": None, "ultimate": None,
                               "ibnr": None, "std_err": None, "flags": ["no_data"]}
    code, out, _ = _run(capsys, "ibnr", path, "--method", "mack")
    assert "│ total of 2 (of 3) │" in out
    assert "review: 1 origins undefined (no value): totals over the other 2" in out


@pytest.mark.parametrize("apriori", ["nan", "inf", "-0.5", "0"])
def test_apriori_is_validated(raa_files, capsys, apriori):
    code, out, err = _run(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "bf",
                          "--exposure", str(raa_files / "exposure.csv"), "--apriori", apriori)
    assert code == 2 and out == ""
    assert err.startswith("reserva: Invalid value for '--apriori'")
    assert "expected a finite expected loss ratio > 0" in err


def test_every_bad_exposure_cell_at_once(raa_files, tmp_path, capsys):
    (tmp_path / "exp.csv").write_text("origin,exposure\n1981,0\n1982,abc\n1982,5\n1999,3\n"
                                      + "".join(f"{y},40000\n" for y in range(1983, 1990)))
    code, _, err = _run(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "capecod",
                        "--exposure", str(tmp_path / "exp.csv"))
    assert code == 2
    assert err.splitlines() == [
        "reserva: invalid input: 5 bad cells in exp.csv",
        "reserva: exp.csv row 2 column exposure: value '0', expected an exposure > 0 (e.g. the "
        "earned premium of the origin) (fix: write the origin's exposure; a zero exposure gives "
        "no IBNR)",
        "reserva: exp.csv row 3 column exposure: value 'abc', expected a number (fix: write the "
        "value as a plain number)",
        "reserva: exp.csv row 4 column origin: value '1982', expected one row per origin (fix: "
        "remove the repeated row (line 3))",
        "reserva: exp.csv row 5 column origin: value '1999', expected an origin of the triangle "
        "(fix: spell the origin as in the triangle, or remove the row)",
        "reserva: exp.csv column origin: value '1990', expected a row for every origin of the "
        "triangle (fix: add the origin's exposure)"]


def test_diagnostics_follow_the_table_and_are_in_the_json(raa_files, capsys):
    wide = str(raa_files / "wide.csv")
    code, out, _ = _run(capsys, "ibnr", wide)
    lines = out.splitlines()
    assert lines[-2:] == ["review: 1 negative incremental cells: 1982 at 7",
                          "review: 1 link ratios above the limit 10: 1982 1-2"]
    d = _json(capsys, "ibnr", wide, "--format", "json")
    assert d["diagnostics"]["messages"] == [x[len("review: "):] for x in lines[-2:]]
    assert d["diagnostics"]["high_link_ratio"] == [{"origin": "1982", "from": 1.0, "to": 2.0}]
    assert d["origins"][1]["flags"] == ["negative_incremental", "high_link_ratio"]


def test_tail_and_sigma_rule_options_match_chainladder(raa_files, capsys):
    import warnings

    import chainladder as cl
    import numpy as np

    wide = str(raa_files / "wide.csv")
    d = _json(capsys, "ibnr", wide, "--tail", "1.05", "--format", "json")
    assert d["tail"] == 1.05 and d["origins"][0]["cdf"] == pytest.approx(1.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raa = cl.load_sample("raa")
        curve = cl.Chainladder().fit(cl.TailCurve().fit_transform(raa))
        loglin = cl.MackChainladder().fit(
            cl.Development(sigma_interpolation="log-linear").fit_transform(raa))
    d = _json(capsys, "ibnr", wide, "--tail", "exponential", "--format", "json")
    assert d["totals"]["ibnr"] == pytest.approx(float(np.nansum(curve.ibnr_.values)), rel=1e-6)
    d = _json(capsys, "ibnr", wide, "--method", "mack", "--sigma-extrapolation", "log-linear",
              "--format", "json")
    assert d["totals"]["std_err"] == pytest.approx(
        float(loglin.total_mack_std_err_.values.ravel()[0]), rel=1e-6)
    for bad in ("0.9", "nan", "curve"):
        code, _, err = _run(capsys, "ibnr", wide, "--tail", bad)
        assert code == 2 and err == (f"reserva: Invalid value for '--tail': '{bad}': expected a "
                                     "factor >= 1 or 'exponential'\n")


# ---------------------------------------------------------------------------------------------
# Inputs a user can get wrong: option bounds, overflows, row order, column names


def test_the_bootstrap_size_is_bounded(raa_files, capsys):
    # 1e11 simulations used to end in "internal error: MemoryError" (exit 70)
    for n in ("100000000000", "100001"):
        code, out, err = _run(capsys, "ibnr", str(raa_files / "wide.csv"), "--bootstrap", n)
        assert code == 2 and out == ""
        assert err.startswith("reserva: Invalid value for '--bootstrap'") and "100000" in err


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_an_overflowing_tail_is_an_error_naming_the_origin(raa_files, capsys, fmt):
    # the ultimates used to be inf: every origin flagged "no_data, collapsed", left out of the
    # totals (total of 0 of 10), exit 0
    code, out, err = _run(capsys, "ibnr", str(raa_files / "wide.csv"), "--tail", "1e308",
                          "--format", fmt)
    assert code == 4 and out == ""
    assert err.startswith("reserva: origin 1981 (and 9 more origins): the chain_ladder ultimate "
                          "is inf, not a finite number (latest 18834, CDF 1e+308, tail 1e+308)")
    d = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--tail", "1e100", "--format", "json")
    assert d["totals"]["undefined_origins"] == 0
    assert not any("no_data" in o["flags"] for o in d["origins"])


def test_an_overflowing_link_ratio_is_an_error_naming_the_factor(tmp_path, capsys):
    path = _wide(tmp_path / "tiny.csv", [("2019", ["1e-300", "1e15", "1e15"]),
                                         ("2020", ["1e-300", "1e15"]), ("2021", [1])])
    code, _, err = _run(capsys, "ibnr", path)
    assert code == 4
    assert err == ("reserva: origin 2021: the chain_ladder CDF is inf, not a finite number "
                   "(latest 1, CDF inf): the factor from age 1 to 2 is inf (its link ratios "
                   "overflow the float range); fix: check the triangle's values, the tail "
                   "factor and the exposure\n")


def test_money_above_the_sets_limit_is_refused(raa_files, tmp_path, capsys):
    # [input] max_money of the default set is 1e15: exposures of 1e308 used to give BF
    # ultimates of 1e307 (or a Cape Cod IBNR of 0), a cell of 1e300 an undefined origin
    (tmp_path / "exp.csv").write_text(
        (raa_files / "exposure.csv").read_text().replace("1983,40000", "1983,1e308"))
    code, _, err = _run(capsys, "ibnr", str(raa_files / "wide.csv"), "--method", "bf",
                        "--apriori", "0.6", "--exposure", str(tmp_path / "exp.csv"))
    assert code == 2
    assert err.splitlines()[1] == (
        "reserva: exp.csv row 4 column exposure: value '1e308', expected a value of at most "
        "1e+15 in absolute value ([input] max_money of the assumption set) (fix: check the "
        "value and its unit (a mistyped or misplaced digit?))")
    (tmp_path / "big.csv").write_text(
        (raa_files / "wide.csv").read_text().replace("5012", "-1e300"))
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "big.csv"))
    assert code == 2 and "big.csv row 2 column 1: value '-1e300', expected a value of at most " \
                         "1e+15 in absolute value" in err


def test_long_rows_may_list_the_origins_in_any_order(raa_files, tmp_path, capsys):
    (tmp_path / "a.csv").write_text("origin,development,value\n2021,12,110\n2020,12,100\n"
                                    "2020,24,150\n")
    d = _json(capsys, "ibnr", str(tmp_path / "a.csv"), "--format", "json")
    assert [(o["origin"], o["ultimate"]) for o in d["origins"]] == [("2020", 150), ("2021", 165)]
    header, *rows = (raa_files / "long.csv").read_text().splitlines()
    (tmp_path / "rev.csv").write_text("\n".join([header, *reversed(rows)]) + "\n")
    wide = _json(capsys, "ibnr", str(raa_files / "wide.csv"), "--format", "json")
    assert _json(capsys, "ibnr", str(tmp_path / "rev.csv"), "--format", "json") == wide
    # ISO dates sort as dates; labels that are neither keep the file's order, and say so
    (tmp_path / "iso.csv").write_text("origin,development,value\n2021-01,12,110\n"
                                      "2020-01,12,100\n2020-01,24,150\n")
    d = _json(capsys, "ibnr", str(tmp_path / "iso.csv"), "--format", "json")
    assert [o["origin"] for o in d["origins"]] == ["2020-01", "2021-01"]
    (tmp_path / "ay.csv").write_text("origin,development,value\nAY21,12,110\nAY20,12,100\n"
                                     "AY20,24,150\n")
    code, _, err = _run(capsys, "ibnr", str(tmp_path / "ay.csv"))
    assert code == 2 and err.rstrip().endswith("the rows must list the origins oldest first)")
    # a wide CSV keeps its rows' order: newest first is refused with that advice
    path = _wide(tmp_path / "rev_wide.csv", [("2021", [120]), ("2020", [110, 160]),
                                             ("2019", [100, 150, 160])])
    code, _, err = _run(capsys, "ibnr", path)
    assert code == 2 and err.rstrip().endswith("the rows must list the origins oldest first)")


def test_a_named_column_missing_from_the_header_is_named(raa_files, capsys):
    # --development devv used to be ignored: the long CSV was read as a wide one
    long = str(raa_files / "long.csv")
    code, _, err = _run(capsys, "ibnr", long, "--development", "devv")
    assert code == 2
    assert err.splitlines() == [
        "reserva: invalid input: 1 bad cell in long.csv",
        "reserva: long.csv row 1 column devv: value 'origin,development,value', expected a "
        "column 'devv' in the header (given by --development) (fix: spell the column as the "
        "header line does, or leave --development out)"]
    code, _, err = _run(capsys, "ibnr", long, "--origin", "year", "--value", "paid")
    assert code == 2 and "column year:" in err and "column paid:" in err
    assert _json(capsys, "ibnr", long, "--development", "development", "--format", "json")
