"""The in-force projection benchmark runs end to end on a small book, so it cannot rot.

Not a timing test: what is asserted is what makes its numbers meaningful — the kernel agrees with
the slow per-point reference on the subset, and the synthetic book exercises every premium mode,
terms past the horizon and the SULT of the default assumption set.
"""

from __future__ import annotations

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
