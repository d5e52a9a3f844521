"""The forward-projection benchmark runs end to end on a small close, so it cannot rot.

Not a timing test: no target is asserted. What is asserted is what makes the benchmark's numbers
meaningful: every measurement goes through ``reserva.forecast.project`` on the stored run; the
scenarios projected one at a time give the same final capital as the same scenarios projected
together (the batch is the loop done at once, not a different computation); the result total is
the sum over the scenarios, the plan left out; the stored measurement writes the plan and every
scenario; and the report's arithmetic (median, extrapolated loop, ratios) is what it says.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_project.py"
N_SCENARIOS = 5
YEARS = 1


@pytest.fixture(scope="module")
def bench():
    path, modules = list(sys.path), set(sys.modules)
    spec = importlib.util.spec_from_file_location("bench_project", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_project"] = module
    spec.loader.exec_module(module)
    yield module
    for name in ("bench_project", "bench_stress", "bench_close"):
        if name not in modules:
            sys.modules.pop(name, None)
    sys.path[:] = path


@pytest.fixture(scope="module")
def scenarios(bench, tmp_path_factory) -> Path:
    return bench.scenario_file(tmp_path_factory.mktemp("bench_project") / "s.csv", N_SCENARIOS)


def test_scenario_file_is_the_stress_benchmarks(bench, scenarios):
    frame = pd.read_csv(scenarios, dtype=str, keep_default_na=False)
    ids = list(dict.fromkeys(frame["scenario_id"]))
    assert ids == [f"bench{i:05d}" for i in range(N_SCENARIOS)]
    shocks = frame.groupby("scenario_id")["shock_type"]
    assert shocks.size().between(1, 4).all() and shocks.nunique().equals(shocks.size())


def test_loop_agrees_with_together_and_totals_add_up(bench, stress_store, scenarios):
    loop_n = 2
    together = bench.run("together", stress_store, scenarios, loop_n, YEARS)
    loop = bench.run("loop", stress_store, scenarios, loop_n, YEARS)
    # one year of quarters; the plan and the scenarios, the plan left out of the total
    assert (together["periods"], together["period_months"]) == (4 * YEARS, 3)
    assert together["n"] == N_SCENARIOS and loop["n"] == loop_n
    assert list(loop["head"]) == list(together["head"]) == ["bench00000", "bench00001"]
    for sid, x in loop["head"].items():
        assert math.isfinite(x) and x == pytest.approx(together["head"][sid], rel=1e-9)
    assert loop["total"] == pytest.approx(math.fsum(loop["head"].values()), rel=1e-12)
    assert together["wall"] > 0 and together["peak_gib"] > 0 and loop["wall"] > 0


def test_stored_measurement_writes_the_plan_and_every_scenario(bench, stress_store, scenarios):
    before = stress_store.stat().st_mtime_ns
    saved = bench.run("saved", stress_store, scenarios, 1, YEARS)
    assert saved["stored"] == N_SCENARIOS + 1 and saved["n"] == N_SCENARIOS
    assert stress_store.stat().st_mtime_ns == before  # stored on a copy


def test_summary_arithmetic_by_hand(bench):
    together = [{"wall": w, "peak_gib": g, "total": 7.5, "n": 10, "columns": 6, "periods": 20,
                 "period_months": 3, "items": 45, "chunk": 250, "actions": 4, "events": 0,
                 "fail": 0, "head": {"a": 2.0, "b": 4.0}}
                for w, g in ((2.0, 1.0), (4.0, 3.0), (3.0, 2.0))]
    loop = {"wall": 1.0, "peak_gib": 0.5, "total": 6.0, "n": 2, "head": {"a": 2.0, "b": 5.0}}
    text = bench.summary(100, 10, 5, together, [], loop)
    # median 3 s; 0.5 s a scenario x 10 = 5 s; 5 / 3 = 1.7x; 3 / 10 s = 0.30; 3 / 4 GiB = 0.75;
    # scenario b differs by |5 - 4| / 4 = 0.25
    assert "median 3.00 s of 3 (2.00, 4.00, 3.00), peak 3.00 GiB" in text
    assert "0.500 s each -> 5.0 s for 10" in text
    assert "difference from the same 2 together: 2.5e-01" in text
    assert "ratio one-at-a-time / together: 1.7x" in text
    assert "target: 0.30 of 10 s, 0.75 of 4 GiB" in text


def test_main_runs_from_the_command_line(bench, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "argv", [
        "bench_project.py", "--policies", "1000", "--scenarios", "3", "--years", "1",
        "--loop", "5", "--repeat", "1", "--no-stored", "--keep", str(tmp_path)])
    bench.main()
    out = capsys.readouterr().out
    assert "policies 1,000; scenarios 3 and the plan; 1 years = 4 periods of 3 months" in out
    assert "one at a time: 3 scenarios in" in out  # --loop above --scenarios: all of them
    assert "difference from the same 3 together: 0.0e+00" in out
    assert "together and stored" not in out and "target: " in out
