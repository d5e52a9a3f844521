"""The accrued-liabilities benchmark runs end to end on a small book, so it cannot rot.

Not a timing test: what is asserted is what makes its numbers meaningful — the kernel agrees with
the slow per-policy reference on the sampled contracts, and the book is in force at the valuation.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_accrued.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_accrued", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_accrued"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_accrued", None)


def test_kernel_agrees_with_reference_on_the_sample(bench):
    r = bench.run(3_000, sample=15, repeat=1)
    assert r["max_rel_diff"] <= 1e-7
    assert r["reserve_total"] > 0
    assert r["reference_sample"] == 15 and r["ratio"] > 0


def test_contracts_are_in_force_and_mixed(bench):
    c = bench.synthetic_contracts(2_000)
    assert (c["survival"] > 0).any() and (c["survival"] == 0).any()  # endowment and whole life
    assert set(c["k"].tolist()) == {1, 12}
    assert (c["issue_age"] + c["term"] <= 121).all()
