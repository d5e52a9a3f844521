"""`reserva kpi --trend`: each indicator across the stored valuation dates, per product."""

from __future__ import annotations

import io

import pandas as pd

from reserva.store.runs import kpi_trend, read_results
from tests.conftest import write_pack
from tests.test_cli import run


def test_trend_takes_the_latest_run_of_each_date(tmp_path, capsys):
    pack = write_pack(tmp_path / "pack")
    store = tmp_path / "s.duckdb"
    for d in ("2024-09-30", "2024-12-31", "2024-09-30"):  # the third is a rerun of the first date
        code, _, err = run(capsys, "close", str(pack), "--valuation-date", d, "--store", str(store),
                           "--quiet", "--rerun")
        assert code == 0, err
    trend = kpi_trend(store)
    assert list(dict.fromkeys(trend["valuation_date"])) == ["2024-09-30", "2024-12-31"]
    assert set(trend.loc[trend["valuation_date"] == "2024-09-30", "run_id"]) == {3}
    _, k2 = read_results(store, "kpis", 2)
    got = trend[trend["run_id"] == 2].set_index(["product_id", "indicator"])["value"]
    want = k2.set_index(["product_id", "indicator"])["value"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)

    code, out, err = run(capsys, "kpi", "--trend", "--product", "CL", "--format", "csv",
                         "--store", str(store))
    assert code == 0, err
    csv = pd.read_csv(io.StringIO(out))
    assert set(csv["product_id"]) == {"CL"} and set(csv["run_id"]) == {2, 3}

    code, out, err = run(capsys, "kpi", "--trend", "--store", str(store))
    assert code == 0, err
    assert "KPI trend, CL" in out and "KPI trend, ALL" in out and "2024-12-31" in out


def test_trend_errors_are_one_line(tmp_path, capsys):
    pack = write_pack(tmp_path / "pack")
    store = tmp_path / "s.duckdb"
    assert run(capsys, "close", str(pack), "--valuation-date", "2024-12-31", "--store", str(store),
               "--quiet")[0] == 0
    code, out, err = run(capsys, "kpi", "--trend", "--product", "XX", "--store", str(store))
    assert code == 3 and out == ""
    assert err == (f"reserva: store {store} has no KPIs for product 'XX'; fix: check the product "
                   "id or run `reserva close`\n")
    code, _, err = run(capsys, "kpi", "--trend", "--run", "1", "--store", str(store))
    assert code == 2 and err == "reserva: --trend reads every stored run; drop --run\n"
