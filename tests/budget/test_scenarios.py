"""Budget scenarios as parameter paths (``reserva.budget.scenarios``): paths worked by hand
(linear, step, the last value held, before the first year untouched), selectors by service,
sex, category and age range, combinations against applying their parts in turn, every bad cell
of a file at once, identities, the base, and the projection run on the applied inputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from reserva.budget.model import BudgetInputs, project_budget
from reserva.budget.scenarios import (
    COLUMNS,
    PARAMETERS,
    BudgetPath,
    BudgetScenario,
    apply_scenarios,
    read_scenarios,
)
from reserva.errors import InputError
from tests.budget.test_model import inputs

HEADER = ",".join(COLUMNS)
YEARS = np.arange(2005, 2013)  # 2005 .. 2012
BANDS = ((0, 14), (15, 64), (65, 120))
SIZES = {"age": len(BANDS), "sex": 2, "service": 2, "category": 2}


def wide() -> BudgetInputs:
    """Eight years, three age bands, two services, two categories; every cell of a per-year
    parameter distinct (1, 2, 3, ... in C order), so that a cell moved by mistake shows."""
    arrays = {}
    for name, axes in PARAMETERS.items():
        shape = (1, len(YEARS), *(SIZES[a] for a in axes))
        arrays[name] = np.arange(1.0, np.prod(shape) + 1.0).reshape(shape)
    a = len(BANDS)
    return dataclasses.replace(
        inputs(), years=YEARS, services=("consultations", "hospital"),
        eligible=np.ones((2, a), dtype=bool),
        dependant_distribution=np.full((1, len(YEARS), a, 2), 1.0 / (2 * a)), **arrays)


def _write(tmp_path: Path, rows: list[str], name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _read(tmp_path: Path, rows: list[str], **kw) -> dict[str, BudgetScenario]:
    return {s.scenario_id: s for s in read_scenarios(_write(tmp_path, rows), **kw)}


def _apply(tmp_path: Path, rows: list[str], base: BudgetInputs | None = None
           ) -> tuple[dict[str, int], BudgetInputs]:
    scenarios = read_scenarios(_write(tmp_path, rows))
    out = apply_scenarios(wide() if base is None else base, scenarios, age_bands=BANDS)
    return {s.scenario_id: i for i, s in enumerate(scenarios)}, out


def test_the_registry_is_every_per_year_field_but_the_dependants_distribution():
    # independent of the registry: a field of the model's tiny inputs (K = 1, Y = 2) is per
    # year when it starts [1, 2]; its other axes are sized age 1, sex 2, service 1, category 2
    x = inputs()
    per_year = {f.name for f in dataclasses.fields(x)
                if np.ndim(getattr(x, f.name)) >= 2 and np.shape(getattr(x, f.name))[:2] == (1, 2)}
    assert per_year - {"dependant_distribution"} == set(PARAMETERS)
    sizes = {"age": 1, "sex": 2, "service": 1, "category": 2}
    for name, axes in PARAMETERS.items():
        assert np.shape(getattr(x, name))[2:] == tuple(sizes[a] for a in axes), name


# ---------------------------------------------------------------- paths by hand


def test_a_linear_multiplier_from_19_5_to_30_7_over_2006_2010(tmp_path):
    ids, out = _apply(tmp_path, [
        "m,Multiplied,capital_rate,,2006,2010,19.5,30.7,multiply,linear,illustrative,",
        "s,Set,capital_rate,,2006,2010,19.5,30.7,set,linear,illustrative,"])
    base = wide().capital_rate[0]  # 1, 2, ..., 8 for 2005 .. 2012
    # (30.7 - 19.5) / 4 = 2.8 a year: 19.5, 22.3, 25.1, 27.9, 30.7; then 30.7 holds
    path = np.array([19.5, 22.3, 25.1, 27.9, 30.7, 30.7, 30.7])
    np.testing.assert_allclose(out.capital_rate[ids["m"]],
                               [1.0, *(np.arange(2.0, 9.0) * path)])
    np.testing.assert_allclose(out.capital_rate[ids["s"]], [1.0, *path])
    assert out.capital_rate.shape == (2, 8)
    np.testing.assert_array_equal(base, np.arange(1.0, 9.0))


def test_a_step_path_and_an_added_path(tmp_path):
    ids, out = _apply(tmp_path, [
        "st,Step,admin_rate,,2006,2010,19.5,30.7,set,step,illustrative,",
        "ad,Add,admin_rate,,2007,2009,1,-3,add,linear,illustrative,"])
    # step: 19.5 in 2006 .. 2009, 30.7 from 2010 on; 2005 untouched
    np.testing.assert_allclose(out.admin_rate[ids["st"]],
                               [1.0, 19.5, 19.5, 19.5, 19.5, 30.7, 30.7, 30.7])
    # add: +1 in 2007, -1 in 2008, -3 in 2009 and after (base 1 .. 8)
    np.testing.assert_allclose(out.admin_rate[ids["ad"]],
                               [1.0, 2.0, 3.0 + 1, 4.0 - 1, 5.0 - 3, 6.0 - 3, 7.0 - 3, 8.0 - 3])


def test_years_outside_the_base_apply_in_part(tmp_path):
    ids, out = _apply(tmp_path, [
        "early,Early,pension_outgo,,1990,2000,5,7,set,linear,illustrative,",
        "late,Late,pension_outgo,,2050,2060,5,7,set,linear,illustrative,",
        "across,Across,pension_outgo,,2011,2015,0,40,set,linear,illustrative,"])
    np.testing.assert_allclose(out.pension_outgo[ids["early"]], np.full(8, 7.0))
    np.testing.assert_allclose(out.pension_outgo[ids["late"]], np.arange(1.0, 9.0))
    # 0 in 2011, 10 in 2012 (40 / 4 a year)
    np.testing.assert_allclose(out.pension_outgo[ids["across"]], [1, 2, 3, 4, 5, 6, 0, 10])


def test_the_path_values_directly():
    p = BudgetPath("capital_rate", (), 2006, 2010, 19.5, 30.7, "set", "linear")
    v = p.values(np.arange(2004, 2013))
    assert np.isnan(v[:2]).all()
    np.testing.assert_allclose(v[2:], [19.5, 22.3, 25.1, 27.9, 30.7, 30.7, 30.7])
    one = BudgetPath("capital_rate", (), 2006, 2006, 3.0, 4.0, "set", "step")
    np.testing.assert_allclose(one.values(np.array([2005, 2006, 2007]))[1:], [4.0, 4.0])


# ---------------------------------------------------------------- selectors


def test_selectors_by_service_sex_category_and_age(tmp_path):
    base = wide()
    ids, out = _apply(tmp_path, [
        "svc,S,unit_cost,service=hospital,2005,2006,2,2,multiply,linear,illustrative,",
        "sex,S,coverage,sex=female,2005,2006,0.5,0.5,add,step,illustrative,",
        "cat,S,wage,category=pensioners;sex=male|female,2005,2006,0,0,set,linear,x,",
        "age,S,population,age=10-70,2005,2006,0,0,set,linear,illustrative,",
        "ages,S,population,age=0-64,2005,2006,0,0,set,linear,illustrative,",
        "two,S,population,age=65-120|0-14,2005,2006,0,0,set,linear,illustrative,",
        "cell,S,utilisation,service=consultations;age=65-120;sex=male,2005,2006,0,0,set,"
        "linear,illustrative,",
        "all,S,utilisation,,2005,2006,0,0,set,linear,illustrative,"])
    u = out.unit_cost[ids["svc"]]
    np.testing.assert_allclose(u[:, 1], 2 * base.unit_cost[0, :, 1])
    np.testing.assert_allclose(u[:, 0], base.unit_cost[0, :, 0])
    c = out.coverage[ids["sex"]]
    np.testing.assert_allclose(c[..., 1], base.coverage[0, ..., 1] + 0.5)
    np.testing.assert_allclose(c[..., 0], base.coverage[0, ..., 0])
    w = out.wage[ids["cat"]]
    assert (w[:, 1] == 0).all()
    np.testing.assert_allclose(w[:, 0], base.wage[0, :, 0])

    def zeroed(name: str) -> list[int]:  # the age bands set to 0 (every year, both sexes)
        p = out.population[ids[name]]
        return [b for b in range(3) if (p[:, b] == 0).all()]

    # 10-70 holds only 15-64 (0-14 starts before 10, 65-120 ends after 70)
    assert zeroed("age") == [1]
    assert zeroed("ages") == [0, 1]
    assert zeroed("two") == [0, 2]
    for name in ("age", "ages", "two"):
        kept = [b for b in range(3) if b not in zeroed(name)]
        np.testing.assert_allclose(out.population[ids[name]][:, kept],
                                   base.population[0][:, kept])
    cell = out.utilisation[ids["cell"]]
    zero = np.zeros(cell.shape, dtype=bool)
    zero[:, 0, 2, 0] = True
    assert (cell[zero] == 0).all()
    np.testing.assert_allclose(cell[~zero], base.utilisation[0][~zero])
    assert (out.utilisation[ids["all"]] == 0).all()


# ---------------------------------------------------------------- combine


ROWS_A = "a,A,utilisation,sex=male,2006,2009,1,1.5,multiply,linear,illustrative,"
ROWS_B = ["b,B,unit_cost,,2005,2008,10,20,add,step,illustrative,",
          "b,B,utilisation,age=15-64,2007,2007,0.3,0.3,add,linear,illustrative,"]


def test_a_combination_equals_its_parts_applied_in_turn(tmp_path):
    rows = [ROWS_A, *ROWS_B,
            "ab,A then B,combine,a;b,,,,,,,,",
            "ba,B then A,combine,b;a,,,,,,,,",
            "abc,A then B then own,combine,ab,,,,,,,,",
            "abc,A then B then own,capital_rate,,2005,2005,0,0,set,linear,illustrative,",
            "one,Both in one,utilisation,sex=male,2006,2009,1,1.5,multiply,linear,x,",
            "one,Both in one,unit_cost,,2005,2008,10,20,add,step,illustrative,",
            "one,Both in one,utilisation,age=15-64,2007,2007,0.3,0.3,add,linear,x,"]
    scenarios = {s.scenario_id: s for s in read_scenarios(_write(tmp_path, rows))}
    base = wide()

    def run(*names: str) -> BudgetInputs:
        return apply_scenarios(base, [scenarios[n] for n in names], age_bands=BANDS)

    a_then_b = apply_scenarios(run("a"), [scenarios["b"]], age_bands=BANDS)
    b_then_a = apply_scenarios(run("b"), [scenarios["a"]], age_bands=BANDS)
    for name in PARAMETERS:
        np.testing.assert_allclose(getattr(run("ab"), name), getattr(a_then_b, name))
        np.testing.assert_allclose(getattr(run("ba"), name), getattr(b_then_a, name))
        # within one scenario multiplications apply before additions: A then B
        np.testing.assert_allclose(getattr(run("one"), name), getattr(a_then_b, name))
    # the order matters where a multiplication and an addition meet (men of 15-64 in 2007+)
    assert not np.allclose(run("ab").utilisation, run("ba").utilisation)
    assert scenarios["ab"].identity != scenarios["ba"].identity
    abc = run("abc")
    np.testing.assert_allclose(abc.utilisation, a_then_b.utilisation)
    assert (abc.capital_rate == 0).all()
    assert [p.parameter for p in scenarios["abc"].all_paths] == [
        "utilisation", "unit_cost", "utilisation", "capital_rate"]


# ---------------------------------------------------------------- bad cells


def test_every_bad_cell_of_a_file_at_once(tmp_path):
    ok = "good,Good,unit_cost,service=hospital,2006,2010,1,2,multiply,linear,illustrative,"
    rows = [
        "p1,P,colour,,2006,2010,1,2,set,linear,illustrative,",  # 2: parameter
        "p2,P,utilisation,category=salaried,2006,2010,1,2,set,linear,illustrative,",  # 3
        "p3,P,unit_cost,service=dentistry,2010,2006,1,2,set,linear,illustrative,",  # 4
        "p4,P,unit_cost,,2006,2010,1,2,times,cubic,illustrative,",  # 5: mode, interpolation
        "p5,P,unit_cost,,2006.5,2010,abc,2,set,linear,illustrative,",  # 6
        "c1,C,combine,good;ghost,,,,,,,,",  # 7: unknown scenario
        "c2,C,combine,c2,,,,,,,,",  # 8: itself
        "x,X,combine,y,,,,,,,,",  # 9: a cycle x -> y -> x
        "y,Y,combine,x,,,,,,,,",  # 10
        "p6,P,unit_cost,,2006,2010,1,-2,multiply,linear,illustrative,",  # 11: negative factor
        ok,  # 12
        "p7,P,unit_cost,,2006,2010,1,2,set,linear,,",  # 13: no source
        "base,Base,none,,2006,,,,,,,",  # 14: a year on a none row
        "p8,P,capital_rate,,2006,2006,1,2,set,linear,illustrative,",  # 15: one-year linear
        "p9,P,coverage,sex=male,2006,2010,1,2,set,linear,illustrative,",  # 16
        "p9,P,coverage,sex=female,2006,2010,1,2,set,linear,illustrative,",  # 17: apart
        "p9,P,coverage,category=salaried,2006,2010,1,2,set,linear,illustrative,",  # 18
        "p9,P,coverage,sex=male,2006,2010,1,2,multiply,linear,illustrative,",  # 19: fine
        "p9,P,coverage,sex=male,2006,2010,1,2,multiply,linear,again,",  # 20: a repeat
        "p10,P,capital_rate,age=15-64,2006,2010,1,2,set,linear,illustrative,",  # 21
        "p11,P,utilisation,age=64-15,2006,2010,1,2,set,linear,illustrative,",  # 22
        "base2,Base,none,,,,,,,,,",  # 23
        "base2,Base,admin_rate,,2006,2010,1,2,set,linear,illustrative,",  # 24: not alone
        "p12,P,admin_rate,,2006,2010,1,2,set,linear,illustrative,",  # 25
        "p12,Other name,admin_rate,,2011,2012,1,2,set,linear,illustrative,",  # 26
    ]
    with pytest.raises(InputError) as err:
        read_scenarios(_write(tmp_path, rows), services=("consultations", "hospital"),
                       categories=("salaried", "pensioners"))
    cells = err.value.cells
    assert all(c.file == "mine.csv" and c.expected and c.fix for c in cells)
    assert {(c.row, c.column) for c in cells} == {
        (2, "parameter"), (3, "selector"), (4, "selector"), (4, "year_to"), (5, "mode"),
        (5, "interpolation"), (6, "year_from"), (6, "start_value"), (7, "selector"),
        (8, "selector"), (9, "selector"), (10, "selector"), (11, "end_value"),
        (13, "source"), (14, "year_from"), (15, "end_value"),
        # 18 (salaried, both sexes) meets 16 (both categories, men) the same year
        (18, "selector"), (20, "parameter"), (21, "selector"), (22, "selector"),
        (23, "parameter"), (26, "name")}
    by_line = {(c.row, c.column): c for c in cells}
    assert "cycle" in by_line[9, "selector"].expected
    assert "ghost" in by_line[7, "selector"].expected
    assert "dentistry" in by_line[4, "selector"].fix


def test_a_file_that_cannot_be_read_and_missing_columns(tmp_path):
    with pytest.raises(InputError) as err:
        read_scenarios(tmp_path / "absent.csv")
    assert [(c.file, c.row) for c in err.value.cells] == [("absent.csv", None)]
    path = tmp_path / "few.csv"
    path.write_text("scenario_id,name,parameter\nbase,Base,none\n")
    with pytest.raises(InputError) as err:
        read_scenarios(path)
    assert {c.column for c in err.value.cells} == set(COLUMNS) - {
        "scenario_id", "name", "parameter", "selector", "note"}
    with pytest.raises(InputError):
        read_scenarios(_write(tmp_path, []))


def test_names_unknown_to_the_base_are_bad_cells_when_applied(tmp_path):
    scenarios = read_scenarios(_write(tmp_path, [
        "a,A,coverage,category=voluntary,2006,2010,1,2,set,linear,illustrative,",
        "b,B,population,age=70-80,2006,2010,1,2,set,linear,illustrative,",
        "c,C,unit_cost,service=hospital,2006,2010,1,2,set,linear,illustrative,"]))
    with pytest.raises(InputError) as err:
        apply_scenarios(wide(), scenarios, age_bands=BANDS)
    assert {(c.file, c.row, c.column) for c in err.value.cells} == {
        ("budget_scenarios.csv", 2, "selector"), ("budget_scenarios.csv", 3, "selector")}


# ---------------------------------------------------------------- identity and the base


def test_identity_ignores_row_order_and_follows_every_value(tmp_path):
    rows = [ROWS_A, *ROWS_B, "ab,AB,combine,a;b,,,,,,,,"]
    first = _read(tmp_path, rows)
    again = _read(tmp_path, [rows[3], rows[2], rows[0], rows[1]])
    assert {k: s.identity for k, s in first.items()} == {k: s.identity for k, s in again.items()}
    assert first == again
    changed = _read(tmp_path, [ROWS_A.replace("1.5", "1.50001"), *rows[1:]])
    assert changed["a"].identity != first["a"].identity
    assert changed["ab"].identity != first["ab"].identity  # a combined scenario's value
    assert changed["b"].identity == first["b"].identity
    # 1 and 1.0 alike, the selector's names in any order, the source and note left out
    same = _read(tmp_path, [ROWS_A.replace(",1,1.5,", ",1.0,1.50,"), *rows[1:]])
    assert same["a"].identity == first["a"].identity
    sexes = _read(tmp_path, ["s,S,coverage,sex=male|female,2006,2010,1,2,set,linear,x,"])
    other = _read(tmp_path, ["s,S,coverage,sex=female|male,2006,2010,1,2,set,linear,y,z"])
    assert sexes["s"].identity == other["s"].identity


def test_a_scenario_without_paths_is_the_base(tmp_path):
    base = wide()
    ids, out = _apply(tmp_path, ["base,Base,none,,,,,,,,,",
                                 "m,M,admin_rate,,2006,2010,2,2,multiply,linear,x,"])
    assert out.population.shape[0] == 2
    for f in dataclasses.fields(base):
        got, want = getattr(out, f.name), getattr(base, f.name)
        if np.ndim(want) >= 1 and np.shape(want)[0] == 1 and f.name not in ("years",):
            np.testing.assert_array_equal(got[ids["base"]], want[0], err_msg=f.name)
        else:
            assert np.array_equal(got, want) if isinstance(want, np.ndarray) else got == want
    direct = apply_scenarios(base, [BudgetScenario("b", "Base", ())], age_bands=BANDS)
    for name in PARAMETERS:
        np.testing.assert_array_equal(getattr(direct, name), getattr(base, name))


# ---------------------------------------------------------------- the projection


def test_the_projection_runs_on_the_applied_inputs(tmp_path):
    x = inputs()  # years 2003, 2004; one age band 0-120
    scenarios = read_scenarios(_write(tmp_path, [
        "base,Base,none,,,,,,,,,",
        "use,Use up,utilisation,,2003,2004,1.1,1.1,multiply,linear,illustrative,",
        "pay,Contributions,contribution_rate,category=salaried,2004,2004,0.1,0.1,set,step,x,"]))
    applied = apply_scenarios(x, scenarios, age_bands=((0, 120),))
    r = project_budget(applied)
    care = r.item("health_care")
    # by hand (tests/budget/test_model.py): 88 stays x 5 days x 100 in 2003, 96 x 5 x 110
    np.testing.assert_allclose(care[0], [44_000.0, 52_800.0])
    np.testing.assert_allclose(care[1], [1.1 * 44_000.0, 1.1 * 52_800.0])
    np.testing.assert_allclose(care[2], care[0])
    # 2004: salaried titulars (165, 195) = 360 at 2000, pensioners 240 at 500 a year
    contributions = r.item("contributions")
    np.testing.assert_allclose(contributions[0, 1], 0.09 * 720_000 + 0.04 * 120_000)
    np.testing.assert_allclose(contributions[2, 1], 0.10 * 720_000 + 0.04 * 120_000)
    np.testing.assert_allclose(contributions[2, 0], contributions[0, 0])
    # the wide base projects too, every scenario finite
    wide_r = project_budget(apply_scenarios(wide(), scenarios[:1], age_bands=BANDS))
    assert np.isfinite(wide_r.item("global_expenditure")).all()
