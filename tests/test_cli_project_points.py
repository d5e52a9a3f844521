"""`reserva project-points`: a model-point file and a basis folder (or a bundled basis) in, PVs
and cashflows out, under the base, shocked and stochastic scenarios; bad files refused with
`reserva:` lines and exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import run_cli as run

BASES = Path(__file__).resolve().parents[1] / "assumptions" / "bases"
MICRO = BASES / "microlife" / "sample" / "model_points.csv"
ME = BASES / "basicterm_me" / "sample" / "model_points.csv"
LIFELIB = Path(__file__).parent / "data" / "lifelib_basiclife"


def test_the_table_of_a_bundled_basis(capsys):
    code, out, err = run(capsys, "project-points", MICRO, "--basis", "microlife")
    assert code == 0, err
    assert "present values of the book by scenario" in out
    assert "lifelib result_pv layout" in out
    for product in ("micro_term", "micro_annuity", "micro_savings", "micro_credit"):
        assert product in out


def test_per_point_csv_reproduces_lifelib(capsys, tmp_path):
    """No glue: the file and the bundled basis give lifelib's result_pv per point."""
    out_file = tmp_path / "pv.csv"
    code, _, err = run(capsys, "project-points", ME, "--basis", "basicterm_me", "--by", "point",
                       "--format", "csv", "--output", out_file)
    assert code == 0, err
    ours = pd.read_csv(out_file)
    ref = pd.read_csv(LIFELIB / "BasicTerm_ME_result_pv.csv")
    assert list(ours.columns) == ["point_id", "scenario", "Premiums", "Claims", "Expenses",
                                  "Commissions", "Net Cashflow"]
    assert len(ours) == len(ref)
    np.testing.assert_allclose(ours["Premiums"], ref["PV Premiums"], rtol=1e-9)
    np.testing.assert_allclose(ours["Claims"], ref["PV Claims"], rtol=1e-9)


def test_shocks_file_and_cashflows_in_json(capsys, tmp_path):
    shocks = tmp_path / "shocks.csv"
    shocks.write_text("scenario,mortality,lapse,mass_lapse,expense,rate_shift\n"
                      "base,,,,,\nmort,1.5,,,,\nrates,,,,,0.01\n", encoding="utf-8")
    code, out, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--scenarios",
                         shocks, "--by", "kind", "--format", "json")
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out)["results"])
    assert set(rows["scenario"]) == {"base", "mort", "rates"}
    term = rows[rows["kind"] == "term"].set_index("scenario")
    assert term.loc["mort", "pv_claims"] > term.loc["base", "pv_claims"]
    assert term.loc["rates", "pv_premiums"] < term.loc["base", "pv_premiums"]  # discounted more
    code, out, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--scenarios",
                         shocks, "--cashflows", "--format", "csv", "--by", "all")
    assert code == 0, err
    cf = pd.read_csv(pd.io.common.StringIO(out))
    assert {"month", "premiums", "claims", "annuities", "account_value", "reserves"} <= set(
        cf.columns)


def test_stochastic_paths_with_a_seed_are_reproducible(capsys):
    args = ("project-points", MICRO, "--basis", "microlife", "--stochastic", "50", "--seed", "7")
    code, out1, err = run(capsys, *args)
    assert code == 0, err
    assert "net PV over 50 economic paths" in out1 and "p99.5" in out1
    assert "seed=7" in out1 or "seed 7" in out1
    code, out2, _ = run(capsys, *args)
    assert out1 == out2


def test_parquet_per_point_cashflows_written_in_chunks(capsys, tmp_path):
    out_file = tmp_path / "cf.parquet"
    code, _, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--by", "point",
                       "--cashflows", "--format", "parquet", "--output", out_file)
    assert code == 0, err
    table = pq.read_table(out_file).to_pandas()
    n_points = len(pd.read_csv(MICRO))
    assert table["point_id"].nunique() == n_points
    assert (table.groupby("point_id")["month"].count() == table["month"].max() + 1).all()


def test_compression_reports_its_error(capsys):
    code, out, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--compress",
                         "20")
    assert code == 0, err
    assert "compressed against the full run" in out


def test_bad_cells_are_listed_and_nothing_written(capsys, tmp_path):
    bad = tmp_path / "points.csv"
    bad.write_text("point_id,product,sex,age_at_entry,policy_term,sum_assured,premium\n"
                   "1,micro_term,X,30,10,1000,5\n2,nope,M,abc,10,1000,5\n", encoding="utf-8")
    out_file = tmp_path / "out.csv"
    code, out, err = run(capsys, "project-points", bad, "--basis", "microlife", "--format",
                         "csv", "--output", out_file)
    assert code == 2
    assert "Traceback" not in err and "internal error" not in err
    lines = err.strip().splitlines()
    assert all(line.startswith("reserva: ") for line in lines)
    assert any("sex" in line for line in lines) and any("age_at_entry" in line for line in lines)
    assert any("product" in line for line in lines)
    assert not out_file.exists()


@pytest.mark.parametrize("argv, expected", [
    (("--basis", "no-such-basis"), "basis"),
    (("--basis", "microlife", "--stochastic", "10"), "seed"),
    (("--basis", "microlife", "--by", "nowhere"), "by"),
    (("--basis", "microlife", "--format", "parquet"), "--output"),
])
def test_bad_arguments(capsys, argv, expected):
    code, _, err = run(capsys, "project-points", MICRO, *argv)
    assert code == 2, err
    assert err.startswith("reserva: ") and expected in err and "Traceback" not in err


def test_a_point_id_is_escaped_in_csv(capsys, tmp_path):
    pts = tmp_path / "points.csv"
    pts.write_text("point_id,product,sex,age_at_entry,policy_term,sum_assured,premium\n"
                   "=1+2,micro_endowment,M,30,10,1000,10\n", encoding="utf-8")
    code, out, err = run(capsys, "project-points", pts, "--basis", "microlife", "--by", "point",
                         "--format", "csv")
    assert code == 0, err
    assert "'=1+2" in out


def _points(tmp_path, header: str, *rows: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_point_of_no_policies_leaves_the_rated_premiums_whole(capsys, tmp_path):
    """A rated premium is a policy's: a point of 0 policies gets the same premium as 1."""
    pts = _points(tmp_path, "point_id,product,age_at_entry,policy_term,sum_assured,policy_count",
                  "1,term,47,10,622000,0", "2,term,47,10,622000,1")
    code, out, err = run(capsys, "project-points", pts, "--basis", "basicterm_s", "--by",
                         "point", "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(pd.io.common.StringIO(out))
    assert frame["Premiums"].notna().all() and frame.loc[0, "Premiums"] == 0.0
    # lifelib BasicTerm_S point 1 (the same contract, one policy): PV Premiums 8252.085856
    assert frame.loc[1, "Premiums"] == pytest.approx(8252.085856, rel=1e-9)


@pytest.mark.parametrize("row, column", [
    ("1,term,47,1e30,1000", "policy_term"),
    ("1,term,47,10,1000,-100000000000", "duration_mth"),
    ("1,term,200,10,1000", "age_at_entry"),
])
def test_out_of_range_numbers_are_refused(capsys, tmp_path, row, column):
    pts = _points(tmp_path, "point_id,product,age_at_entry,policy_term,sum_assured,duration_mth",
                  row)
    code, _, err = run(capsys, "project-points", pts, "--basis", "basicterm_s")
    assert code == 2 and column in err and "internal error" not in err


def test_control_characters_and_reserved_columns_are_refused(capsys, tmp_path):
    pts = _points(tmp_path, "point_id,product,age_at_entry,policy_term,sum_assured",
                  "\x1b[31mred,term,47,10,1000")
    code, _, err = run(capsys, "project-points", pts, "--basis", "basicterm_s")
    assert code == 2 and "control characters" in err and "\x1b" not in err.replace("\\x1b", "")
    pts = _points(tmp_path, "point_id,product,age_at_entry,policy_term,sum_assured,scenario",
                  "1,term,47,10,1000,A")
    code, _, err = run(capsys, "project-points", pts, "--basis", "basicterm_s")
    assert code == 2 and "rename the column" in err


def test_output_folder_must_exist_and_paths_are_not_per_point(capsys, tmp_path):
    code, _, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--format",
                       "csv", "--output", tmp_path / "no" / "x.csv")
    assert code == 2 and "existing folder" in err
    code, _, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--stochastic",
                       "5", "--seed", "1", "--by", "point")
    assert code == 2 and "grouped results under economic paths" in err
    code, _, err = run(capsys, "project-points", MICRO, "--basis", "microlife", "--compress",
                       "10", "--by", "channel")
    assert code == 2 and "--compress" in err
