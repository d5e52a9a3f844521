"""The projection benchmark runs end to end on a small book and a small ALM problem, so it cannot
rot.

Not a timing test: what is asserted is what makes its numbers meaningful — the kernel agrees with
the slow per-point reference on the subset, and the synthetic book exercises every premium mode,
terms past the horizon and the SULT of the default assumption set; ``cash_match`` and the dense
linprog formulation reach the same cost on a feasible, mixed bond universe priced near par.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_projection.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_projection", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_projection"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_projection", None)


def test_kernel_agrees_with_reference_on_the_subset(bench):
    r = bench.run(2_000, sample=20, repeat=1)
    assert r["max_rel_diff"] <= 1e-9
    assert r["horizon_months"] == 277 and math.isfinite(r["pv_net"])
    assert r["premiums_total"] > 0 and r["deaths_benefit_total"] > 0
    assert r["reference_sample"] == 20 and r["ratio"] > 0


def test_book_is_mixed_and_uses_the_assumption_set_table(bench):
    table = bench.sult()
    # SULT law of the default set: q_x = 1 - exp(-A - B c^x (c - 1) / ln c), AMLCR §4.3
    a, b, c = 0.00022, 2.7e-6, 1.124
    assert table.q[40] == pytest.approx(1 - math.exp(-a - b * c**40 * (c - 1) / math.log(c)),
                                        rel=1e-12)
    p = bench.synthetic_points(3_000, table)
    assert set(p["premium_mode"].tolist()) == set(bench.MODES.tolist())
    assert (p["term_months"] > bench.HORIZON).any() and (p["term_months"] < bench.HORIZON).any()
    assert (p["age"] >= table.min_age).all() and (p["age"] + 30 <= table.max_age).all()
    assert np.all(p["annual_premium"] > 0)


# --------------------------------------------------------------------------- ALM cash matching


def test_alm_cash_match_agrees_with_dense_linprog_on_a_small_problem(bench):
    r = bench.run_alm(60, 24, repeat=1)
    assert (r["n_bonds"], r["n_periods"]) == (60, 24)
    rates = [c["reinvest_rate"] for c in r["cases"]]
    assert rates == [None, bench.ALM_REINVEST]
    for c in r["cases"]:
        assert c["cost_rel_diff"] <= 1e-6
        assert 1 <= c["bonds_held"] <= 60 and c["ratio"] > 0
        assert c["min_surplus"] >= -1e-6 * r["liabilities_total"]
        assert c["peak_traced_bytes"] > 0 and c["dense_peak_traced_bytes"] > 0
    # carrying surplus forward can only make the cheapest portfolio cheaper
    plain, carried = r["cases"]
    assert carried["cost"] <= plain["cost"] * (1 + 1e-9)


def test_alm_problem_is_feasible_mixed_and_priced_near_par(bench):
    prob = bench.alm_problem(150, 36)
    flows, prices, maturity = prob["flows"], prob["prices"], prob["maturity"]
    assert flows.shape == (150, 36) and (flows >= 0).all()
    # every period has a redemption, so the problem without reinvestment is feasible
    assert set(maturity.tolist()) == set(range(1, 37))
    assert set(prob["per_year"].tolist()) == {0, 1, 2}
    zero = prob["per_year"] == 0
    assert (np.count_nonzero(flows[zero], axis=1) == 1).all()
    # a semiannual bond of 36 months pays 6 coupons, the last with the face
    semi = np.flatnonzero((prob["per_year"] == 2) & (maturity == 36))
    for j in semi:
        assert np.flatnonzero(flows[j]).tolist() == [5, 11, 17, 23, 29, 35]
    coupon_bonds = ~zero
    assert (prices[coupon_bonds] > 85).all() and (prices[coupon_bonds] < 115).all()
    assert (prices[zero] < 100).all()
    liab = prob["liabilities"]
    assert (liab > 0).all() and liab[:6].mean() > liab[-6:].mean()
    assert np.allclose(prob["times"], np.arange(1, 37) / 12)


def test_alm_part_runs_from_the_command_line_without_the_inforce_part(bench, monkeypatch,
                                                                     capsys):
    monkeypatch.setattr(sys, "argv", ["bench_projection.py", "--parts", "alm",
                                      "--alm-sizes", "40x12", "--alm-repeat", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert "40 candidate bonds x 12 monthly periods" in out
    assert "model points" not in out
    assert out.count("(limit 1e-6): PASS") == 2 and "(no target)" in out


def test_alm_size_option_rejects_too_few_bonds(bench):
    assert bench._alm_size("1000x120") == (1000, 120)
    with pytest.raises(argparse.ArgumentTypeError):
        bench._alm_size("10x120")
    with pytest.raises(argparse.ArgumentTypeError):
        bench._alm_size("1000")
