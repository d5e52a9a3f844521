"""The budget benchmark's inputs are what its docstring says, so its numbers mean something:
single ages 0-100 whose populations add up to the sample's bands, the sample's first year
unchanged in total, every scenario applied; projected together or one at a time alike."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from reserva.budget.inputs import load_budget_set
from reserva.budget.model import project_budget
from reserva.budget.scenarios import apply_scenarios

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_budget.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_budget", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_budget"] = module
    spec.loader.exec_module(module)
    return module


def test_the_blown_up_inputs_keep_the_sample_s_population(bench):
    inputs, scen, ages = bench.blown_up(2030)
    sample = load_budget_set("essalud").inputs
    assert len(ages) == 101 and inputs.years[0] == 2003 and inputs.years[-1] == 2030
    assert len(inputs.categories) == 4 and len(inputs.services) == 6 and len(scen) == 8
    # the bands' persons spread over their single ages: the totals of the sample's years kept
    # (ages past the last band, if any, hold the last band's persons per age)
    kept = inputs.population[0, :13].sum(axis=(1, 2))
    np.testing.assert_allclose(kept[0], sample.population[0, 0].sum(), rtol=0.02)
    r = project_budget(apply_scenarios(inputs, scen, age_bands=ages))
    assert r.values.shape[:2] == (8, 28)
    assert np.isfinite(r.item("total_cost")).all()


def test_together_and_one_at_a_time_agree(bench):
    inputs, scen, ages = bench.blown_up(2008)
    together = project_budget(apply_scenarios(inputs, scen, age_bands=ages))
    for k, s in enumerate(scen):
        one = project_budget(apply_scenarios(inputs, (s,), age_bands=ages))
        np.testing.assert_allclose(one.values[0], together.values[k], rtol=1e-12)
