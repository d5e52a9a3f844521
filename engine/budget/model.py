"""The social health budget's projection: protected persons -> cases -> expenditure, against the
wage bill and contributions, year by year, for many scenarios at once.

Spec §1C.1-1C.3 and §5.9 (ILO Health Budget model as used in seed 003 for EsSalud). Every
parameter is held per year (a scenario is a path of parameters, ``reserva.budget`` scenario
files), so the arrays of ``BudgetInputs`` carry a leading scenario axis ``k`` and a year axis
``y``; ages are bands ``a`` (single ages or wider), sexes ``s`` (0 male, 1 female), insured
categories ``c`` (salaried, non-salaried, voluntary, pensioners, ...), services ``j``
(consultations, emergencies, hospital discharges, drugs, ...).

Persons (§1C.1: coverage relative to the economically active population, PEA)::

    PEA[y,a,s]          = N[y,a,s] x participation[y,a,s]
    base[y,c,a,s]       = PEA x salaried_share           (category base "salaried")
                          PEA x (1 - salaried_share)     ("non_salaried")
                          N                              ("population")
                          x eligible[c,a]                (the category's ages)
    titulars[y,c,a,s]   = base x coverage[y,c,s]
    dependants[y,c,a,s] = (sum_a,s titulars[y,c]) x dependants_per_titular[y,c] x dist[a,s]
    protected           = titulars + dependants

Expenditure::

    cases[y,j,c,a,s]    = protected x utilisation[y,j,a,s]
    health_care[y]      = sum cases x volume[y,j] x relative_cost[j,a,s] x unit_cost[y,j]
                          (volume: days per case for a service costed by the day, else 1)
    wage_bill[y]        = sum_c,a,s titulars x wage[y,c,s] x density[y,c] x contributes[c]
    cash_benefits[y]    = cash_benefit_rate[y] x wage_bill
    administration[y]   = admin_rate[y] x (health_care + cash_benefits)
    pensions[y]         = pension_outgo[y]
    expenses            = health_care + cash_benefits + administration + pensions
    capital[y]          = capital_rate[y] x health_care
    global_expenditure  = expenses + capital

Income (§1C.2)::

    contributions[y]    = sum_c contribution_rate[y,c] x wage_bill_c + flat[y,c] x titulars_c
                          + premium[y,c] x protected_c          (a premium base)
    investment[y]       = reserve_(y-1) x reserve_return[y]   (the opening reserve's return)
    income              = contributions + investment + other_income[y]
    operating_result    = income - expenses
    economic_result     = income - global_expenditure
    reserve_y           = reserve_(y-1) + economic_result_y   (reserve_(first-1) = the opening)

Indicators (§5.9 TV-I1's verified definitions): operating result / income; expenditure /
income = **global expenditure** / income; cost as % of the wage bill by component and in total,
the total being **global expenditure** / wage bill (capital included, with no row of its own);
per-capita annual cost = global expenditure / protected persons x ``per_capita_scale`` (the
currency units of an amount per person unit); reserve ratio = reserve /
global expenditure (years of outgo).

General average premium over the years (ILO practice; a house formulation checked against a
direct present value in the tests), at the reserve's return ``i_y`` (``v_y`` the discount
factor to the first year's start)::

    GAP = (sum_y v_y (global_y - other_y) + v_N target x global_N - reserve_0)
          / sum_y v_y wage_bill_y

``target`` the reserve wanted at the end in years of outgo (0: the plain GAP; else the scaled
premium of a reserve target). For a scheme financed by premiums (a mutual health fund, a
voluntary scheme) the base is the protected persons x the price index instead of the wage bill,
and the premium is the required tariff a person a year at the first year's prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.errors import ComputationError

__all__ = ["BASES", "ITEMS", "BudgetInputs", "BudgetResult", "general_average_premium",
           "project_budget"]

# the bases a category's titulars are counted on
BASES = ("salaried", "non_salaried", "population")
# the projection's items per scenario and year
ITEMS = ("population", "pea", "titulars", "dependants", "protected", "wage_bill",
         "contributions", "investment", "other_income", "income", "health_care",
         "cash_benefits", "administration", "pensions", "expenses", "operating_result",
         "capital", "global_expenditure", "economic_result", "reserve",
         "operating_result_ratio", "expenditure_income_ratio", "health_care_cost",
         "cash_benefit_cost", "administration_cost", "pension_cost", "total_cost",
         "per_capita_cost", "reserve_ratio")
IX = {k: i for i, k in enumerate(ITEMS)}


@dataclass(frozen=True)
class BudgetInputs:
    """Every parameter per scenario ``k`` and year ``y`` (module docstring for the symbols)."""

    years: np.ndarray  # [Y] int
    categories: tuple[str, ...]  # [C]
    category_base: np.ndarray  # [C] int: index of BASES
    contributes: np.ndarray  # [C] bool: its wages are in the wage bill
    eligible: np.ndarray  # [C, A] bool
    services: tuple[str, ...]  # [J]
    population: np.ndarray  # [K, Y, A, 2]
    participation: np.ndarray  # [K, Y, A, 2]
    salaried_share: np.ndarray  # [K, Y, A, 2]
    coverage: np.ndarray  # [K, Y, C, 2]
    dependants_per_titular: np.ndarray  # [K, Y, C]
    dependant_distribution: np.ndarray  # [K, Y, A, 2], adding to 1 over (A, 2)
    utilisation: np.ndarray  # [K, Y, J, A, 2] cases per protected person a year
    volume: np.ndarray  # [K, Y, J] days per case (1 for a service costed by the case)
    relative_cost: np.ndarray  # [K, Y, J, A, 2]
    unit_cost: np.ndarray  # [K, Y, J] nominal
    wage: np.ndarray  # [K, Y, C, 2] nominal average annual wage (or pension)
    density: np.ndarray  # [K, Y, C] share of the year contributed
    contribution_rate: np.ndarray  # [K, Y, C] on the category's wage bill
    flat_contribution: np.ndarray  # [K, Y, C] per titular a year
    cash_benefit_rate: np.ndarray  # [K, Y]
    admin_rate: np.ndarray  # [K, Y]
    capital_rate: np.ndarray  # [K, Y]
    pension_outgo: np.ndarray  # [K, Y]
    other_income: np.ndarray  # [K, Y]
    reserve_return: np.ndarray  # [K, Y]
    reserve_opening: np.ndarray  # [K]
    per_capita_scale: float = 1.0  # currency units of the amounts per person unit (e.g. 1,000
    # for amounts in millions and persons in thousands: the per-capita cost in currency)
    premium: np.ndarray | None = None  # [K, Y, C] a premium per protected person a year
    price_index: np.ndarray | None = None  # [K, Y] prices against the first year's (CPI)
    per_day: np.ndarray | None = None  # [J] bool: the service is costed by the day (volume)


@dataclass(frozen=True)
class BudgetResult:
    """``values[k, y, item]`` of ``ITEMS`` and the cost components by service."""

    years: np.ndarray
    values: np.ndarray
    health_care_by_service: np.ndarray  # [K, Y, J]
    protected_by_category: np.ndarray  # [K, Y, C]

    def item(self, name: str) -> np.ndarray:
        """[scenario, year] of one item."""
        return self.values[:, :, IX[name]]


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


def project_budget(x: BudgetInputs) -> BudgetResult:
    """The projection of every scenario and year (module docstring).

    Raises
    ------
    ComputationError
        Arrays of shapes that do not agree (a reader's error, not a user's).
    """
    k, y, a = x.population.shape[:3]
    c, j = len(x.categories), len(x.services)
    if x.eligible.shape != (c, a) or x.utilisation.shape != (k, y, j, a, 2):
        raise ComputationError(f"budget inputs disagree: {c} categories, {j} services, {a} "
                               f"age bands, eligible {x.eligible.shape}, utilisation "
                               f"{x.utilisation.shape}")
    n = x.population
    pea = n * x.participation
    bases = np.stack([pea * x.salaried_share, pea * (1.0 - x.salaried_share), n])  # [B,K,Y,A,2]
    base = np.ascontiguousarray(np.moveaxis(bases[x.category_base], 0, 2))  # [K, Y, C, A, 2]
    base = base * x.eligible[None, None, :, :, None]
    tit = base * x.coverage[:, :, :, None, :]  # [K, Y, C, A, 2]
    dep = (tit.sum(axis=(3, 4)) * x.dependants_per_titular)[:, :, :, None, None] * (
        x.dependant_distribution[:, :, None, :, :])
    prot = tit + dep
    cost = (x.utilisation * x.relative_cost * (x.volume * x.unit_cost)[:, :, :, None, None])
    # protected persons by age and sex (the categories summed first), times each service's
    # cost per person of that age and sex
    by_service = np.einsum("kyas,kyjas->kyj", prot.sum(axis=2), cost)
    care = by_service.sum(axis=2)
    wages_c = (tit * x.wage[:, :, :, None, :]).sum(axis=(3, 4)) * x.density * x.contributes
    wage_bill = wages_c.sum(axis=2)
    contributions = (x.contribution_rate * wages_c
                     + x.flat_contribution * tit.sum(axis=(3, 4))).sum(axis=2)
    if x.premium is not None:  # a premium base: so much a protected person
        contributions = contributions + (x.premium * prot.sum(axis=(3, 4))).sum(axis=2)
    cash = x.cash_benefit_rate * wage_bill
    admin = x.admin_rate * (care + cash)
    pensions = x.pension_outgo
    expenses = care + cash + admin + pensions
    capital = x.capital_rate * care
    glob = expenses + capital
    # the reserve: each year's investment income on the opening reserve
    reserve = np.empty((k, y))
    invest = np.empty((k, y))
    opening = np.asarray(x.reserve_opening, np.float64)
    for t in range(y):
        invest[:, t] = opening * x.reserve_return[:, t]
        income_t = contributions[:, t] + invest[:, t] + x.other_income[:, t]
        opening = opening + income_t - glob[:, t]
        reserve[:, t] = opening
    income = contributions + invest + x.other_income
    out = np.empty((k, y, len(ITEMS)))
    protected = prot.sum(axis=(2, 3, 4))
    cols = {
        "population": n.sum(axis=(2, 3)), "pea": pea.sum(axis=(2, 3)),
        "titulars": tit.sum(axis=(2, 3, 4)), "dependants": dep.sum(axis=(2, 3, 4)),
        "protected": protected, "wage_bill": wage_bill, "contributions": contributions,
        "investment": invest, "other_income": x.other_income, "income": income,
        "health_care": care, "cash_benefits": cash, "administration": admin,
        "pensions": pensions, "expenses": expenses, "operating_result": income - expenses,
        "capital": capital, "global_expenditure": glob, "economic_result": income - glob,
        "reserve": reserve,
        "operating_result_ratio": _div(income - expenses, income),
        "expenditure_income_ratio": _div(glob, income),
        "health_care_cost": _div(care, wage_bill), "cash_benefit_cost": _div(cash, wage_bill),
        "administration_cost": _div(admin, wage_bill),
        "pension_cost": _div(pensions, wage_bill), "total_cost": _div(glob, wage_bill),
        "per_capita_cost": _div(glob, protected) * x.per_capita_scale,
        "reserve_ratio": _div(reserve, glob),
    }
    for name, v in cols.items():
        out[:, :, IX[name]] = v
    return BudgetResult(np.asarray(x.years), out, by_service, prot.sum(axis=(3, 4)))


def general_average_premium(result: BudgetResult, reserve_return: np.ndarray,
                            reserve_opening: np.ndarray, target_years: float = 0.0, *,
                            base: np.ndarray | None = None) -> np.ndarray:
    """[scenario]: the general average premium over the result's years (module docstring):
    the constant rate on ``base`` (default the wage bill; a premium base: the protected persons
    x the price index, giving the tariff a person a year at the first year's prices) whose
    contributions, with the opening reserve and the other income, pay every year's global
    expenditure and leave ``target_years`` of the last year's outgo in reserve, at the
    reserve's return. The contributions the scenario already has are not counted: the premium
    replaces them."""
    r = np.asarray(reserve_return, np.float64)
    v = np.cumprod(1.0 / (1.0 + r), axis=1)  # to each year's end
    glob = result.item("global_expenditure")
    other = result.item("other_income")
    b = result.item("wage_bill") if base is None else np.asarray(base, np.float64)
    # flows at the year's end, as the reserve recursion credits the opening reserve's return
    need = (v * (glob - other)).sum(axis=1) + v[:, -1] * target_years * glob[:, -1]
    # a base of 0 (no wage bill, no protected person): no premium is defined (NaN)
    return _div(need - np.asarray(reserve_opening, np.float64), (v * b).sum(axis=1))
