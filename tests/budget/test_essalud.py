"""The shipped EsSalud budget set (``budgets/essalud``, issue 17 item 4, base scenario) against
seed 003 (the ILO's EsSalud financial-actuarial study; spec §1C and §5.9).

The set's units: amounts in millions of nuevos soles at 2003 prices, persons in thousands (so a
per-capita cost comes out in thousands of soles). The expected figures below are the seed's
printed ones, copied from the seed (line numbers of ``003_…``), never from the code's output.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from reserva.budget.inputs import FILES, load_budget_set
from reserva.budget.model import project_budget

SET = Path(__file__).parents[2] / "budgets" / "essalud"


@pytest.fixture(scope="module")
def essalud():
    b = load_budget_set(SET)
    return b, project_budget(b.inputs)


def _col(r, name: str, year: int = 2003) -> float:
    return float(r.item(name)[0, list(r.years).index(year)])


def test_every_file_carries_its_sources_and_notes():
    """Every CSV of the set has ``source`` and ``note`` columns (the reader ignores them), and
    no row leaves either empty: a value the seed does not give says ``assumed``."""
    for name in FILES:
        with open(SET / name, newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows, name
        for i, row in enumerate(rows, start=2):
            assert row.get("source", "").strip(), (name, i)
            assert row.get("note", "").strip(), (name, i)
            if row["source"].startswith("assumed"):
                assert "assumed" in row["note"], (name, i)


def test_the_2003_base_column_of_tv_i1(essalud):
    """TV-I1 (seed 003 L635-771, spec §5.9): the 2003 column, millions of nuevos soles, to
    the printed precision (0.1: within 0.05; 2-decimal percentages within 0.005 points,
    1-decimal ones within 0.05)."""
    _b, r = essalud
    printed = {
        "income": 2753.7, "contributions": 2679.7, "investment": 38.6, "other_income": 35.5,
        "expenses": 2663.2, "health_care": 1980.8, "cash_benefits": 214.6,
        "administration": 129.2, "pensions": 338.5, "operating_result": 90.5, "capital": 12.1,
        "global_expenditure": 2675.2, "economic_result": 78.5, "wage_bill": 36797.3,
    }
    for name, value in printed.items():
        assert abs(_col(r, name) - value) < 0.05, (name, _col(r, name), value)
    # percentages: 2 decimals
    for name, value in {"health_care_cost": 5.38, "administration_cost": 0.35,
                        "pension_cost": 0.92, "total_cost": 7.27}.items():
        assert abs(100 * _col(r, name) - value) < 0.005, (name, 100 * _col(r, name), value)
    # 1 decimal: operating result / income 3.3%; expenditure / income 97.1% (global
    # expenditure / income, the seed's verified definition: 2,675.2 / 2,753.7 = 97.149%)
    assert abs(100 * _col(r, "operating_result_ratio") - 3.3) < 0.05
    assert abs(100 * _col(r, "expenditure_income_ratio") - 97.1) < 0.05
    # Known seed inconsistency, recorded, not asserted: the cash-benefit cost row prints 0.70%
    # while its own amounts give 214.6 / 36,797.3 = 0.583% (spec §5.9 TV-I1; the footnote of
    # the asterisk is missing). The set reproduces the amount 214.6, so its cash-benefit cost
    # is 0.583%, not the printed 0.70%.


def test_the_2003_per_capita_cost_of_tv_i3(essalud):
    """TV-I3 (seed 003 L843-911): the per-capita annual cost per insured of 2003 is 377.1 soles
    in every scenario I-VIII; global expenditure / protected persons (thousands of soles per
    person in the set's units)."""
    _b, r = essalud
    assert abs(_col(r, "per_capita_cost") - 377.1) < 0.05  # per_capita_scale 1,000
    # about 7.09 million protected: 26% of Peru's population (seed 003 L169)
    assert 7.0e3 < _col(r, "protected") < 7.2e3
    assert abs(_col(r, "protected") / _col(r, "population") - 0.26) < 0.005


def test_the_identities_of_tv_i1_on_every_year(essalud):
    """TV-I1's identities (spec §1C.2, §5.9), on each projected year: income and expenses as
    sums of their components, operating and economic results, global expenditure with
    capital, expenditure / income and the total cost rate on global expenditure, the reserve
    recursion (each year's investment income = the opening reserve x its return)."""
    b, r = essalud
    g = {name: r.item(name)[0] for name in (
        "income", "contributions", "investment", "other_income", "expenses", "health_care",
        "cash_benefits", "administration", "pensions", "operating_result", "capital",
        "global_expenditure", "economic_result", "wage_bill", "operating_result_ratio",
        "expenditure_income_ratio", "total_cost", "health_care_cost", "pension_cost",
        "reserve")}
    assert len(r.years) == 13 and r.years[0] == 2003 and r.years[-1] == 2015
    np.testing.assert_allclose(g["income"],
                               g["contributions"] + g["investment"] + g["other_income"])
    np.testing.assert_allclose(g["expenses"], g["health_care"] + g["cash_benefits"]
                               + g["administration"] + g["pensions"])
    np.testing.assert_allclose(g["operating_result"], g["income"] - g["expenses"])
    np.testing.assert_allclose(g["global_expenditure"], g["expenses"] + g["capital"])
    np.testing.assert_allclose(g["economic_result"], g["income"] - g["global_expenditure"])
    np.testing.assert_allclose(g["operating_result_ratio"], g["operating_result"] / g["income"])
    np.testing.assert_allclose(g["expenditure_income_ratio"],
                               g["global_expenditure"] / g["income"])
    np.testing.assert_allclose(g["total_cost"], g["global_expenditure"] / g["wage_bill"])
    np.testing.assert_allclose(g["health_care_cost"], g["health_care"] / g["wage_bill"])
    np.testing.assert_allclose(g["pension_cost"], g["pensions"] / g["wage_bill"])
    opening = np.concatenate([[b.inputs.reserve_opening[0]], g["reserve"][:-1]])
    np.testing.assert_allclose(g["investment"], opening * b.inputs.reserve_return[0])
    np.testing.assert_allclose(g["reserve"], opening + g["economic_result"])


def test_coverage_by_occupational_category_of_tv_i7(essalud):
    """TV-I7 (seed 003 L15-45, ENAHO 2003): employed PEA and EsSalud titulars by category, the
    coverage titulars / the category's PEA: salaried 34.7%, employer 16.6%, non-salaried
    7.4%, other 12.1%, total 16.8% (printed 17%). The set's salaried titulars are its regular
    and agrarian categories; its employer, own-account and other categories count on the one
    non-salaried PEA of the model, whose parts are the seed's (668,052 + 8,199,689 + 74,111)."""
    b, r = essalud
    x = b.inputs
    pea = x.population[0, 0] * x.participation[0, 0]  # [A, 2], thousands
    salaried_pea = float((pea * x.salaried_share[0, 0]).sum())
    non_salaried_pea = float((pea * (1.0 - x.salaried_share[0, 0])).sum())
    assert salaried_pea == pytest.approx(4363.717, abs=0.001)
    assert non_salaried_pea == pytest.approx(668.052 + 8199.689 + 74.111, abs=0.001)
    # titulars of a category: its protected / (1 + its dependants per titular)
    cats = list(x.categories)
    tit = {c: float(r.protected_by_category[0, 0, i] / (1.0 + x.dependants_per_titular[0, 0, i]))
           for i, c in enumerate(cats)}
    salaried = tit["salaried"] + tit["agrarian"]
    assert salaried == pytest.approx(1515.550, abs=0.001)
    assert tit["employer"] == pytest.approx(111.196, abs=0.001)
    assert tit["independent"] == pytest.approx(602.914, abs=0.001)
    assert tit["other"] == pytest.approx(8.956, abs=0.001)
    coverage = {"salaried": salaried / salaried_pea, "employer": tit["employer"] / 668.052,
                "independent": tit["independent"] / 8199.689, "other": tit["other"] / 74.111}
    for name, printed in {"salaried": 34.7, "employer": 16.6, "independent": 7.4,
                          "other": 12.1}.items():
        assert abs(100 * coverage[name] - printed) < 0.05, (name, coverage[name])
    active = salaried + tit["employer"] + tit["independent"] + tit["other"]
    assert active == pytest.approx(2238.616, abs=0.001)
    assert abs(100 * active / (salaried_pea + non_salaried_pea) - 16.8) < 0.05
    # Recorded, not asserted: scenario VI (seed 003 L624-629) puts the 2005 coverage of the
    # salaried PEA at 46% (men) / 37.7% (women) and of the non-salaried at 0.9% / 0.5%;
    # ENAHO's 34.7% and 8.1% (TV-I7) disagree with those levels. The set follows ENAHO and
    # takes only scenario VI's women / men ratios.


def test_the_premium_rates_of_tv_i5(essalud):
    """TV-I5 (seed 003 L548-575): the common-risk rates, salaried 9% - 0.42% EPS - 0.57%
    occupational risk = 8.01%, agrarian 4% - 0.57% = 3.43%, pensioners 4%; their average on
    the wage bill is the seed's 'average common-risk rate' 7.27% (L574) up to the seed's own
    rounding (TV-I1: 2,679.7 / 36,797.3 = 7.282%)."""
    b, r = essalud
    rate = dict(zip(b.inputs.categories, b.inputs.contribution_rate[0, 0], strict=True))
    assert rate["salaried"] == pytest.approx(0.09 - 0.0042 - 0.0057)
    assert rate["agrarian"] == pytest.approx(0.04 - 0.0057)
    assert rate["pensioners"] == pytest.approx(0.04)
    average = _col(r, "contributions") / _col(r, "wage_bill")
    assert abs(100 * average - 7.27) < 0.02


def test_administrative_cost_shares_of_tv_i6(essalud):
    """TV-I6 (seed 003 L247-273): 2003 administrative items as amount / the wage bill
    (spec DECISION): general expenses 0.234%, SUNAT commission 0.159%, pensions 1.028%, total
    1.420%, printed 0.2 / 0.2 / 1.0 / 1.4%."""
    _b, r = essalud
    wage_bill = _col(r, "wage_bill")
    items = {"general": (86_040_000, 0.234, 0.2), "sunat": (58_360_933, 0.159, 0.2),
             "pensions": (378_263_675, 1.028, 1.0), "total": (522_664_608, 1.420, 1.4)}
    for name, (amount, worked, printed) in items.items():
        share = 100 * amount / 1e6 / wage_bill
        assert abs(share - worked) < 0.0005, name
        assert round(share, 1) == printed, name
    # Recorded seed inconsistencies, not asserted: TV-I6's pension item 378.3 million is not
    # TV-I1's 2003 pensions 338.5; general expenses + SUNAT commission (144.4) exceed TV-I1's
    # whole administration line (129.2). The set follows TV-I1.


def test_the_base_path_stays_near_tv_i1(essalud):
    """TV-I1's later columns (seed 003 L635-771) are not calibrated, only approached by the
    set's growth rates: the total cost rate within 0.3 points of 7.37 / 7.67 / 7.98 / 8.34%
    and the wage bill within 5% of 37,028.9 / 36,513.4 / 41,318.4 / 46,331.4 (the seed's
    2005 dip in the wage bill is not followed: the set's growth rates are constant)."""
    _b, r = essalud
    for year, cost, wages in ((2004, 7.37, 37028.9), (2005, 7.67, 36513.4),
                              (2010, 7.98, 41318.4), (2015, 8.34, 46331.4)):
        assert abs(100 * _col(r, "total_cost", year) - cost) < 0.3, year
        assert abs(_col(r, "wage_bill", year) / wages - 1.0) < 0.05, year
    total = r.item("total_cost")[0]
    assert np.all(np.diff(total) > 0)  # the seed's cost rate rises every printed year


def test_the_premium_structure_of_tv_i4(essalud):
    """TV-I4 (seed 003 L576-604; spec §5.9), the part the model produces: the net average
    premium without accidents is the 2003 total cost, 7.27% of the wage bill; less the pension
    liability, 0.92%, the net average health premium, 6.35%. Above it, the statutory 9.00%
    less EPS financing 0.42% and the agrarian and pensioner subsidy 0.83% is the net average
    premium with accidents, 7.75%, and less occupational accidents 0.48% the same 7.27%: the
    shares of 9% of each line (4.7, 9.2, 5.3, 80.8, 10.2, 70.6%) follow; the seed's printed
    90.00% for the 7.75% line is an erratum (7.75 / 9 = 86.11%)."""
    _b, r = essalud
    total, pension = _col(r, "total_cost"), _col(r, "pension_cost")
    assert round(100 * total, 2) == 7.27
    assert round(100 * pension, 2) == 0.92
    assert round(100 * (total - pension), 2) == 6.35
    # the statutory rate's decomposition down to the model's total
    assert round(9.00 - 0.42 - 0.83 - 0.48, 2) == round(100 * total, 2)
    shares = [round(100 * x / 9.00, 1) for x in (0.42, 0.83, 0.48, 100 * total, 100 * pension,
                                                  100 * (total - pension))]
    assert shares == [4.7, 9.2, 5.3, 80.8, 10.2, 70.6]
