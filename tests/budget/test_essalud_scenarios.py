"""The EsSalud sample's scenarios II-VIII (``budgets/essalud/budget_scenarios.csv``: the seed's
definitions, seed 003 L605-634, spec §1C.3) against the seed's scenario tables.

TV-I2 (total cost as % of the wage bill, L772-842) and TV-I3 (per-capita annual cost, L843-911):
every scenario I-VIII has the base's 2003 value, and each scenario moves away from the base in
2010 and 2015 in the seed's direction: II (primary care), IV (capital spending) and V (less
demand diverted) above it, III (shorter stays), VI (wider coverage) and VII (pensions moved
out) below. The seed's values for comparison (2010 / 2015, cost %): base 8.0 / 8.3, II 8.9 /
9.4, III 7.6 / 8.0, IV 8.4 / 8.9, V 8.3 / 9.2, VI 7.1 / 7.2, VII 6.9 / 7.3; the sample gives
7.86 / 8.31, 8.72 / 9.22, 7.60 / 8.04, 8.41 / 8.89, 8.44 / 8.93, 7.52 / 7.76, 6.86 / 7.24. The
combination VIII is 7.8 / 8.1 in the seed, below the base; in the sample it is above it (8.64 /
9.13): the scenarios' timings, which the seed does not give (assumed in the file's notes), and
the sample's coverage levels, which differ from the seed's scenario VI start (its TV-I7 gives
other levels), decide the sign of a sum of opposite moves, so VIII's direction is not asserted.
Scenario VII's 2015 value above its 2010 one in the seed is an unexplained oddity (spec §5.9),
recorded in the file, not followed.
"""

from __future__ import annotations

import numpy as np
import pytest

from reserva.budgeting import budget

ABOVE = ("II", "IV", "V")
BELOW = ("III", "VI", "VII")


@pytest.fixture(scope="module")
def run():
    return budget("essalud")


def test_the_sample_has_the_seed_s_scenarios(run):
    assert run.scenario_ids == ("base", "II", "III", "IV", "V", "VI", "VII", "VIII")
    assert run.scenarios_file == "essalud/budget_scenarios.csv"


@pytest.mark.parametrize("item", ["total_cost", "per_capita_cost", "global_expenditure"])
def test_2003_is_the_base_in_every_scenario(run, item):
    v = run.result.item(item)
    years = list(run.result.years)
    np.testing.assert_allclose(v[:, years.index(2003)], v[0, years.index(2003)], rtol=1e-12)


@pytest.mark.parametrize("item", ["total_cost", "per_capita_cost"])
@pytest.mark.parametrize("year", [2010, 2015])
def test_each_scenario_moves_in_the_seed_s_direction(run, item, year):
    v = run.by_scenario(item)[str(year)]
    for s in ABOVE:
        assert v[s] > v["base"], (s, item, year)
    for s in BELOW:
        assert v[s] < v["base"], (s, item, year)


def test_the_combination_is_its_parts_together(run):
    """VIII applies II to VII in turn: its health care exceeds the base's by at least what
    II and V add (the increases), and it pays no pensions from VII's year on."""
    care = run.by_scenario("health_care")
    pensions = run.by_scenario("pensions")
    assert pensions.loc["VIII", "2010"] == 0.0 and pensions.loc["VII", "2010"] == 0.0
    assert pensions.loc["VIII", "2005"] == pytest.approx(pensions.loc["base", "2005"])
    assert care.loc["VIII", "2015"] > care.loc["II", "2015"]
