"""The budget kernel (``reserva.budget.model``) on hand-worked cases: one age band, one service,
two years, every line of the module docstring computed by hand; TV-I1's identities on the
model's own output; the reserve recursion; the general average premium against a direct
present value; metamorphic checks (populations doubled, a scenario equal to the base)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from reserva.budget.model import BudgetInputs, general_average_premium, project_budget


def inputs(k: int = 1, **over) -> BudgetInputs:
    """One age band, one service (costed by the day), two years, two categories: salaried
    (wage base) and pensioners (population base, contributing on their pensions)."""
    y, a, c, j = 2, 1, 2, 1

    def full(shape, value):
        return np.full((k, y, *shape), value, dtype=np.float64)

    pop = np.zeros((k, y, a, 2))
    pop[:, 0, 0] = (1000.0, 1200.0)  # men, women in year 1
    pop[:, 1, 0] = (1100.0, 1300.0)
    x = dict(
        years=np.array([2003, 2004]), categories=("salaried", "pensioners"),
        category_base=np.array([0, 2]), contributes=np.array([True, True]),
        eligible=np.array([[True], [True]]), services=("hospital",),
        population=pop, participation=full((a, 2), 0.5), salaried_share=full((a, 2), 0.6),
        coverage=np.stack([np.full((k, y, 2), 0.5), np.full((k, y, 2), 0.1)], axis=2),
        dependants_per_titular=np.stack([np.full((k, y), 1.0), np.full((k, y), 0.0)], axis=2),
        dependant_distribution=np.broadcast_to(np.array([[0.4, 0.6]]), (k, y, a, 2)).copy(),
        utilisation=full((j, a, 2), 0.1), volume=full((j,), 5.0),
        relative_cost=full((j, a, 2), 1.0), unit_cost=np.stack(
            [np.full((k,), 100.0), np.full((k,), 110.0)], axis=1)[:, :, None],
        wage=np.stack([np.full((k, y, 2), 2000.0), np.full((k, y, 2), 500.0)], axis=2),
        density=full((c,), 1.0), contribution_rate=np.stack(
            [np.full((k, y), 0.09), np.full((k, y), 0.04)], axis=2),
        flat_contribution=full((c,), 0.0), cash_benefit_rate=full((), 0.006),
        admin_rate=full((), 0.05), capital_rate=full((), 0.01), pension_outgo=full((), 300.0),
        other_income=full((), 100.0), reserve_return=full((), 0.05),
        reserve_opening=np.full(k, 1000.0))
    x.update(over)
    return BudgetInputs(**x)


def test_two_years_by_hand():
    r = project_budget(inputs())
    v = {name: r.item(name)[0] for name in ("pea", "titulars", "dependants", "protected",
                                            "wage_bill", "contributions", "health_care",
                                            "cash_benefits", "administration", "capital",
                                            "investment", "income", "global_expenditure",
                                            "reserve", "total_cost", "per_capita_cost")}
    # year 1: PEA = 0.5 x (1000, 1200) = (500, 600); salaried = 0.6 PEA = (300, 360);
    # salaried titulars 0.5 x = (150, 180) = 330; their dependants 330 x 1 = 330;
    # pensioners: 0.1 x population = (100, 120) = 220, no dependants
    assert v["pea"][0] == pytest.approx(1100.0)
    assert v["titulars"][0] == pytest.approx(330.0 + 220.0)
    assert v["dependants"][0] == pytest.approx(330.0)
    assert v["protected"][0] == pytest.approx(880.0)
    # cases 0.1 x 880 = 88 stays of 5 days at 100 a day
    assert v["health_care"][0] == pytest.approx(88 * 5 * 100.0)
    # wage bill: 330 x 2000 + 220 x 500 = 770,000; contributions 9% and 4%
    assert v["wage_bill"][0] == pytest.approx(770_000.0)
    assert v["contributions"][0] == pytest.approx(0.09 * 660_000 + 0.04 * 110_000)
    cash = 0.006 * 770_000
    admin = 0.05 * (44_000 + cash)
    assert v["cash_benefits"][0] == pytest.approx(cash)
    assert v["administration"][0] == pytest.approx(admin)
    assert v["capital"][0] == pytest.approx(440.0)
    glob1 = 44_000 + cash + admin + 300 + 440
    assert v["global_expenditure"][0] == pytest.approx(glob1)
    income1 = 0.09 * 660_000 + 0.04 * 110_000 + 0.05 * 1000 + 100
    assert v["income"][0] == pytest.approx(income1)
    r1 = 1000 + income1 - glob1
    assert v["reserve"][0] == pytest.approx(r1)
    # year 2: population (1100, 1300): salaried titulars (165, 195) = 360, pensioners 240;
    # protected 360 + 360 + 240 = 960; care 96 stays x 5 days x 110
    assert v["protected"][1] == pytest.approx(960.0)
    assert v["health_care"][1] == pytest.approx(96 * 5 * 110.0)
    assert v["investment"][1] == pytest.approx(0.05 * r1)
    assert v["total_cost"][0] == pytest.approx(glob1 / 770_000)
    assert v["per_capita_cost"][0] == pytest.approx(glob1 / 880.0)


def test_the_statement_identities_hold_every_year_and_scenario():
    x = inputs(k=3)
    x = dataclasses.replace(x, utilisation=x.utilisation * np.array([1.0, 1.3, 0.7])[:, None,
                                                                                    None, None,
                                                                                    None])
    r = project_budget(x)
    it = r.item
    np.testing.assert_allclose(it("income"), it("contributions") + it("investment")
                               + it("other_income"))
    np.testing.assert_allclose(it("expenses"), it("health_care") + it("cash_benefits")
                               + it("administration") + it("pensions"))
    np.testing.assert_allclose(it("operating_result"), it("income") - it("expenses"))
    np.testing.assert_allclose(it("global_expenditure"), it("expenses") + it("capital"))
    np.testing.assert_allclose(it("economic_result"), it("income") - it("global_expenditure"))
    np.testing.assert_allclose(it("expenditure_income_ratio"),
                               it("global_expenditure") / it("income"))
    np.testing.assert_allclose(it("total_cost"), it("global_expenditure") / it("wage_bill"))
    # the total cost exceeds the components' sum by the capital's share (no row of its own)
    parts = (it("health_care_cost") + it("cash_benefit_cost") + it("administration_cost")
             + it("pension_cost"))
    np.testing.assert_allclose(it("total_cost") - parts, it("capital") / it("wage_bill"))
    # the reserve rolls forward
    opening = np.concatenate([np.full((3, 1), 1000.0), it("reserve")[:, :-1]], axis=1)
    np.testing.assert_allclose(it("reserve"), opening + it("economic_result"))
    np.testing.assert_allclose(it("investment"), opening * 0.05)


def test_doubling_every_population_doubles_amounts_and_keeps_rates():
    base = project_budget(inputs(pension_outgo=np.zeros((1, 2)), other_income=np.zeros((1, 2)),
                                 reserve_opening=np.zeros(1)))
    x2 = inputs(pension_outgo=np.zeros((1, 2)), other_income=np.zeros((1, 2)),
                reserve_opening=np.zeros(1))
    x2 = dataclasses.replace(x2, population=x2.population * 2)
    two = project_budget(x2)
    for name in ("protected", "wage_bill", "contributions", "health_care", "income",
                 "global_expenditure", "reserve"):
        np.testing.assert_allclose(two.item(name), 2 * base.item(name), err_msg=name)
    for name in ("total_cost", "per_capita_cost", "expenditure_income_ratio", "reserve_ratio"):
        np.testing.assert_allclose(two.item(name), base.item(name), err_msg=name)


def test_a_scenario_equal_to_the_base_gives_the_base():
    r = project_budget(inputs(k=2))
    np.testing.assert_array_equal(r.values[0], r.values[1])


@pytest.mark.parametrize("target", [0.0, 0.5])
def test_the_general_average_premium_balances_the_reserve_to_its_target(target):
    """Contributions at the GAP (every category at the same rate, nothing flat) leave exactly
    ``target`` years of the last year's outgo in reserve: the recursion run directly."""
    x = inputs()
    r = project_budget(x)
    gap = general_average_premium(r, x.reserve_return, x.reserve_opening, target)
    x2 = dataclasses.replace(x, contribution_rate=np.full_like(x.contribution_rate, gap[0]))
    r2 = project_budget(x2)
    assert r2.item("reserve")[0, -1] == pytest.approx(
        target * r2.item("global_expenditure")[0, -1], abs=1e-6)


def test_a_premium_a_protected_person_is_contributed():
    x = inputs(premium=np.stack([np.full((1, 2), 10.0), np.full((1, 2), 0.0)], axis=2))
    base = project_budget(inputs())
    r = project_budget(x)
    # the salaried category's 330 titulars and 330 dependants pay 10 each in 2003
    assert r.item("contributions")[0, 0] == pytest.approx(
        base.item("contributions")[0, 0] + 10.0 * 660)


@pytest.mark.parametrize("target", [0.0, 0.5])
def test_the_required_tariff_of_a_premium_scheme_balances_its_reserve(target):
    """On the protected persons x the price index, the premium found is a tariff: charged to
    every protected person (and no wage contribution), it leaves ``target`` years of outgo."""
    price = np.array([[1.0, 1.03]])
    x = inputs(contribution_rate=np.zeros((1, 2, 2)), price_index=price)
    r = project_budget(x)
    tariff = general_average_premium(r, x.reserve_return, x.reserve_opening, target,
                                     base=r.item("protected") * price)
    x2 = dataclasses.replace(x, premium=np.repeat((tariff[0] * price)[:, :, None], 2, axis=2))
    r2 = project_budget(x2)
    assert r2.item("reserve")[0, -1] == pytest.approx(
        target * r2.item("global_expenditure")[0, -1], abs=1e-6)
