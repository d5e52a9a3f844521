"""A budget set read into ``BudgetInputs`` (``reserva.budget.inputs``): a hand-made set whose
first year is worked by hand, every bad cell of several files reported at once, a file that
no longer matches its manifest refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reserva.budget.inputs import load_budget_set
from reserva.budget.model import project_budget
from reserva.errors import InputError
from reserva.io.assumptions import write_manifest

TINY = Path(__file__).parents[1] / "data" / "budget" / "tiny"


def test_the_tiny_set_by_hand():
    b = load_budget_set(TINY)
    assert b.age_bands == ((0, 17), (18, 64))
    x = b.inputs
    assert x.categories == ("salaried", "pensioners") and x.services == ("hospital",
                                                                          "consultation")
    r = project_budget(x)
    # 2003: salaried titulars 0.5 x 0.6 x 0.5 x (1000, 1200) = 330, their dependants 330,
    # pensioners 0.1 x (1000, 1200) = 220 (ages 18-64 of this hand-made set)
    assert r.item("protected")[0, 0] == pytest.approx(880.0)
    # dependants: 330 spread 0.3 / 0.1 / 0.3 / 0.3 over (male 0-17, male 18-64, female ...)
    # hospital: adults 0.1 (men) and 0.12 (women) stays, children 0.05 at relative cost 0.8,
    # 5 days at 100; consultations 2 (men) and 3 (women) at 20
    men_adult = 150 + 33 + 100
    women_adult = 180 + 99 + 120
    children = (99, 99)
    hospital = 500 * (0.1 * men_adult + 0.12 * women_adult + 0.05 * 0.8 * sum(children))
    consult = 20 * (2 * (men_adult + children[0]) + 3 * (women_adult + children[1]))
    assert r.health_care_by_service[0, 0, 0] == pytest.approx(hospital)
    assert r.health_care_by_service[0, 0, 1] == pytest.approx(consult)
    # 2004: unit costs x (1.02 x 1.01) and, for consultations, x 1.01 real growth
    assert x.unit_cost[0, 1] == pytest.approx([100 * 1.02 * 1.01, 20 * 1.02 * 1.01 * 1.01])
    assert x.wage[0, 1, 0, 0] == pytest.approx(2000 * 1.02)
    assert x.pension_outgo[0] == pytest.approx([300.0, 309.0])
    assert r.item("wage_bill")[0, 0] == pytest.approx(330 * 2000 + 220 * 500)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    shutil.copytree(TINY, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_bad_cell_of_the_set_is_reported_at_once(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "scheme.csv", "cpi,0.02", "cpi,abc")
    _edit(folder / "categories.csv", "salaried,salaried,18", "salaried,employees,18")
    _edit(folder / "coverage.csv", "pensioners,male,0.1", "pensioners,male,1.5")
    _edit(folder / "services.csv", "hospital,day", "hospital,night")
    _edit(folder / "utilisation.csv", "consultation,female,0,64,3", "consultation,female,0,40,3")
    write_manifest(folder)
    with pytest.raises(InputError) as err:
        load_budget_set(folder)
    cells = {(c.file, c.row, c.column) for c in err.value.cells}
    assert {("scheme.csv", 4, "value"), ("categories.csv", 2, "base"),
            ("coverage.csv", 4, "rate"), ("services.csv", 2, "unit")} <= cells
    # consultations of women aged 0-40 hold the band 0-17 only: 18-64 is not covered
    assert any(c.file == "utilisation.csv" and "female 18-64" in c.value
               for c in err.value.cells)
    assert all(c.expected for c in err.value.cells)


def test_a_file_changed_after_its_manifest_is_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "scheme.csv", "admin_rate,0.05", "admin_rate,0.06")
    with pytest.raises(InputError, match="bad cell") as err:
        load_budget_set(folder)
    assert [(c.file, c.column) for c in err.value.cells] == [("scheme.csv", None)]
    assert "assumptions hash" in err.value.cells[0].fix


def test_a_missing_file_is_named(tmp_path):
    folder = _copy(tmp_path)
    (folder / "dependants.csv").unlink()
    write_manifest(folder)
    with pytest.raises(InputError) as err:
        load_budget_set(folder)
    assert ("dependants.csv", "missing") in {(c.file, c.value) for c in err.value.cells}


def test_a_premium_scheme_with_a_reserve_target(tmp_path):
    """A mutual health fund's set: a premium a protected person (categories.csv's optional
    premium column, at the first year's prices, growing with the CPI), financed by premiums
    (premium_base 1) with half a year of outgo wanted in reserve (reserve_target 0.5)."""
    from reserva.budgeting import run_budget

    folder = _copy(tmp_path)
    cats = (folder / "categories.csv").read_text().splitlines()
    cats[0] += ",premium"
    cats[1] += ",50"
    cats[2] += ","
    (folder / "categories.csv").write_text("\n".join(cats) + "\n")
    with open(folder / "scheme.csv", "a") as fh:
        fh.write("premium_base,1,hand-made,\nreserve_target,0.5,hand-made,\n")
    write_manifest(folder)
    bs = load_budget_set(folder)
    assert bs.premium_base and bs.reserve_target == 0.5
    assert bs.inputs.premium[0, :, 0] == pytest.approx([50.0, 51.0])  # x 1.02 in 2004
    assert bs.inputs.premium[0, :, 1] == pytest.approx([0.0, 0.0])
    run = run_budget(bs)
    # the scaled tariff leaves half a year of outgo in reserve: above the plain one
    assert run.scaled_premium[0] > run.general_average_premium[0] > 0


PROJECTED = Path(__file__).parents[1] / "data" / "budget" / "projected"


def test_a_population_projected_from_its_first_year():
    """population.csv gives 2003 only, at single ages 0-4 (4 the open group), with mortality,
    fertility and migration: 2004 by hand (the cohort-component step of
    reserva.budget.population)."""
    b = load_budget_set(PROJECTED)
    pop = b.inputs.population[0]
    assert pop.shape == (3, 5, 2)
    # men aged 1 in 2004: the 100 boys aged 0 x (1 - 0.02)
    assert pop[1, 1, 0] == pytest.approx(98.0)
    # men aged 2: 90 x 0.99 + 2 immigrants (4 over ages 2-3)
    assert pop[1, 2, 0] == pytest.approx(91.1)
    # the open group: 70 x 0.99 + 200 x 0.9
    assert pop[1, 4, 0] == pytest.approx(249.3)
    # births: 0.4 x the women of 2 and 3 averaged over the year (start 85, 75; end 88.1,
    # 83.15 after the emigration of 1 a year at each age), 1.05 boys a girl, half a year of
    # infant deaths (q0 = 0.02)
    births = 0.4 * ((85 + 88.1) / 2 + (75 + 83.15) / 2)
    assert pop[1, 0, 0] == pytest.approx(births * 1.05 / 2.05 * 0.99)
    assert project_budget(b.inputs).item("protected").shape == (1, 3)


def test_a_population_with_years_missing_and_no_mortality_is_refused(tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(PROJECTED, folder)
    (folder / "mortality.csv").unlink()
    write_manifest(folder)
    with pytest.raises(InputError) as err:
        load_budget_set(folder)
    assert any(c.file == "population.csv" and c.column == "year" and "mortality.csv" in c.fix
               for c in err.value.cells)
