"""``[stress] at_close``: the set's scenarios run at the end of a stored close, stored under the
new run; a check that fails writes nothing (computed before the run is written)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import reserva
from reserva.errors import InputError
from reserva.io.assumptions import default_root
from reserva.stress_check import stress

VALUATION = "2025-12-31"


def _library() -> str:
    return (default_root() / "default" / "stress_scenarios.csv").read_text()


def test_a_close_with_at_close_stores_the_set_s_scenarios_under_its_run(tiny_pack, tmp_path):
    a = reserva.derive(settings={("stress", "at_close"): True})
    store = tmp_path / "s.duckdb"
    r = reserva.close(tiny_pack, VALUATION, assumptions=a, store=store, write=True)
    stored = [s for s in reserva.scenarios(store, r.run_id) if s.startswith("stress:")]
    assert sorted(s.split("@")[0] for s in stored) == sorted(
        f"stress:{sc.scenario_id}" for sc in a.stress_scenarios)
    # what was stored is what a check of the stored run computes
    check = stress(store, r.run_id, assumptions=a, save=False)
    keys = ["product_id", "metric", "horizon_months"]
    for sc in a.stress_scenarios:
        name = next(s for s in stored if s.split("@")[0] == f"stress:{sc.scenario_id}")
        got = reserva.results(store, "stress_metrics", r.run_id, scenario=name)
        frame = check.result.frame()
        want = frame[frame["scenario_id"] == sc.scenario_id].drop(columns="scenario_id")
        pd.testing.assert_frame_equal(got.sort_values(keys).reset_index(drop=True),
                                      want.sort_values(keys).reset_index(drop=True),
                                      check_dtype=False)
    # without the setting, a close stores no stress scenario
    plain = reserva.close(tiny_pack, VALUATION, store=tmp_path / "p.duckdb", write=True)
    assert reserva.scenarios(tmp_path / "p.duckdb", plain.run_id) == ["base"]


def test_a_failing_check_at_close_writes_nothing(tiny_pack, tmp_path):
    # a library row naming a partner the run does not know: the check fails before the write
    bad = _library().rstrip("\n") + (
        "\nbad_partner,Unknown partner,liquidity,severe,premium_delay,ALL,,NoSuchPartner,1,3,1,"
        "months,step,illustrative,\n")
    a = reserva.derive(settings={("stress", "at_close"): True},
                       files={"stress_scenarios.csv": bad})
    store = tmp_path / "s.duckdb"
    with pytest.raises(InputError) as err:
        reserva.close(tiny_pack, VALUATION, assumptions=a, store=store, write=True)
    assert any(c.column == "counterparty" and c.value == "NoSuchPartner" for c in err.value.cells)
    if store.exists():  # the store may have been created empty: it holds no run
        con = duckdb.connect(str(store), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        finally:
            con.close()
