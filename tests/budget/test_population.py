"""The cohort-component population projection (reserva.budget.population): figures worked by
hand, and the kernel tied to a slow reference of plain loops on random small inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.budget.population import project_population
from reserva.errors import ArgumentError, InputError

MALE, FEMALE = 0, 1


def reference(base, years, qx, fertility, srb, migration):
    """The projection by plain loops, person-cells one at a time (written apart from the kernel):
    each cell loses its deaths and moves one age on (staying in the open group at the top), the
    migrants arrive, a cell gone negative is emptied, then the year's births are counted on the
    women at the year's start and end, split by sex and thinned by half a year's infant deaths."""
    ages = len(base)
    pops = [[[float(base[a][s]) for s in range(2)] for a in range(ages)]]
    for t in range(years - 1):
        q = qx[t] if len(qx) > 1 else qx[0]
        f = fertility[t] if len(fertility) > 1 else fertility[0]
        m = migration[t] if len(migration) > 1 else migration[0]
        old = pops[-1]
        new = [[0.0, 0.0] for _ in range(ages)]
        for a in range(ages):
            for s in range(2):
                alive = old[a][s] - old[a][s] * q[a][s]
                to = a + 1 if a + 1 < ages else ages - 1
                new[to][s] += alive
        for a in range(1, ages):
            for s in range(2):
                new[a][s] += m[a][s]
                if new[a][s] < 0:
                    new[a][s] = 0.0
        births = 0.0
        for a in range(1, ages):
            women = (old[a][FEMALE] + new[a][FEMALE]) / 2
            births += f[a] * women
        boys = births * srb / (1 + srb)
        girls = births - boys
        for s, born in ((MALE, boys), (FEMALE, girls)):
            value = born * (1 - q[0][s] / 2) + m[0][s]
            new[0][s] = value if value > 0 else 0.0
        pops.append(new)
    return np.array(pops)


def run(base, years, *, q=0.0, f=None, srb=1.05, m=None):
    """The kernel with scalar or one-year defaults: q everywhere, no births, no migrants."""
    base = np.asarray(base, dtype=float)
    ages = base.shape[0]
    qx = np.broadcast_to(np.asarray(q, dtype=float), (1, ages, 2)).copy() \
        if np.ndim(q) < 3 else np.asarray(q, dtype=float)
    fx = np.zeros((1, ages)) if f is None else np.asarray(f, dtype=float)
    mx = np.zeros((1, ages, 2)) if m is None else np.asarray(m, dtype=float)
    return project_population(base, years, qx=qx, fertility=fx, sex_ratio_at_birth=srb,
                              migration=mx)


# --- worked by hand -------------------------------------------------------------------------

def test_three_ages_q_tenth_no_births_no_migrants_two_years():
    # males 100, 50, 20; females 200, 100, 40 at ages 0, 1, 2+; q = 0.1 everywhere
    # year 1: age 0 = 0 (no births); age 1 = 0.9 x age 0; age 2+ = 0.9 x (age 1 + age 2+)
    #   males 0, 90, 0.9 x 70 = 63; females 0, 180, 0.9 x 140 = 126
    # year 2: 0, 0, 0.9 x (90 + 63) = 137.7; females 0, 0, 0.9 x (180 + 126) = 275.4
    base = [[100, 200], [50, 100], [20, 40]]
    out = run(base, 3, q=0.1)
    assert out.shape == (3, 3, 2)
    np.testing.assert_array_equal(out[0], base)
    np.testing.assert_allclose(out[1], [[0, 0], [90, 180], [63, 126]], rtol=1e-12)
    np.testing.assert_allclose(out[2], [[0, 0], [0, 0], [137.7, 275.4]], rtol=1e-12)


def test_births_from_one_fertile_age_women_averaged_over_the_year():
    # A = 3, fertility 0.5 at age 1 only; q = 0.2 at age 0 (both sexes), 0 elsewhere; srb 1.5
    # women at age 1: 100 at the start; at the end 0.8 x 100 (the girls aged 0) = 80
    # births = 0.5 x (100 + 80) / 2 = 45: boys 45 x 1.5 / 2.5 = 27, girls 18
    # half a year of infant deaths: x (1 - 0.2 / 2) = 0.9 -> boys 24.3, girls 16.2
    base = [[0, 100], [0, 100], [0, 0]]
    q = np.zeros((1, 3, 2))
    q[0, 0] = 0.2
    f = [[0.0, 0.5, 0.0]]
    out = run(base, 2, q=q, f=f, srb=1.5)
    np.testing.assert_allclose(out[1], [[24.3, 16.2], [0, 80], [0, 100]], rtol=1e-12)


def test_births_need_women_not_men():
    base = [[0, 0], [1000, 0], [0, 0]]
    out = run(base, 2, f=[[0.0, 2.0, 0.0]])
    np.testing.assert_array_equal(out[1, 0], [0, 0])


def test_sex_ratio_splits_births():
    # A = 2: 40 women in the open group 1+ stay 40 there (q = 0) -> births = 0.25 x (40 + 40) / 2
    # = 10; srb 1.05: boys 10 x 1.05 / 2.05, girls 10 / 2.05
    base = [[0, 0], [0, 40]]
    out = run(base, 2, f=[[0.0, 0.25]], srb=1.05)
    np.testing.assert_allclose(out[1, 0], [10 * 1.05 / 2.05, 10 / 2.05], rtol=1e-12)
    assert out[1, 0].sum() == pytest.approx(10.0)


def test_migration_added_at_the_end_and_floored_at_zero():
    # q = 0, no births; males 10 at each age; net migrants 5, -3, -50 at ages 0, 1, 2+
    # age 0 = 0 births + 5; age 1 = 10 + (-3) = 7; age 2+ = 10 + 10 - 50 = -30 -> 0
    # females: 0 everywhere, migrants +4 at age 2+, -1 at age 0 -> 4 and 0 (floored)
    base = [[10, 0], [10, 0], [10, 0]]
    m = [[[5, -1], [-3, 0], [-50, 4]]]
    out = run(base, 2, m=m)
    np.testing.assert_allclose(out[1], [[5, 0], [7, 0], [0, 4]], rtol=1e-12)


def test_migrants_escape_the_years_deaths():
    # q = 0.5 at age 1; 100 males there, 20 migrants arrive at age 2+ (the open group):
    # age 2+ = 100 x 0.5 + 20 = 70 (the migrants are not thinned)
    base = [[0, 0], [100, 0], [0, 0]]
    q = np.zeros((1, 3, 2))
    q[0, 1] = 0.5
    out = run(base, 2, q=q, m=[[[0, 0], [0, 0], [20, 0]]])
    assert out[1, 2, MALE] == pytest.approx(70.0)


def test_migrant_women_count_in_the_year_end_half_of_exposure():
    # no women at the start; 10 migrant women at age 1 at the end; fertility 1 at age 1
    # births = 1 x (0 + 10) / 2 = 5; srb 1 -> 2.5 each; q = 0
    base = np.zeros((3, 2))
    m = np.zeros((1, 3, 2))
    m[0, 1, FEMALE] = 10
    out = run(base, 2, f=[[0.0, 1.0, 0.0]], srb=1.0, m=m)
    np.testing.assert_allclose(out[1, 0], [2.5, 2.5], rtol=1e-12)
    assert out[1, 1, FEMALE] == 10


def test_open_age_group_two_ages():
    # A = 2 (ages 0 and 1+): age 1+ at t+1 = 0.5 x age 0 + 0.75 x age 1+
    base = [[40, 8], [100, 20]]
    q = np.array([[[0.5, 0.5], [0.25, 0.25]]])
    out = run(base, 2, q=q)
    np.testing.assert_allclose(out[1], [[0, 0], [0.5 * 40 + 0.75 * 100, 0.5 * 8 + 0.75 * 20]])


def test_open_group_keeps_its_survivors_while_the_top_single_age_does_not():
    # A = 4 (0, 1, 2, 3+), q = 0: after one year age 2 holds only the former age 1, and the
    # open group the former ages 2 and 3+
    base = [[1, 10], [2, 20], [3, 30], [4, 40]]
    out = run(base, 2)
    np.testing.assert_array_equal(out[1], [[0, 0], [1, 10], [2, 20], [7, 70]])


def test_zero_everything_gives_zero():
    out = run(np.zeros((5, 2)), 4, q=0.3, f=[[0, 0, 0.8, 0.8, 0]], srb=1.05)
    np.testing.assert_array_equal(out, np.zeros((4, 5, 2)))


def test_totals_conserved_by_ageing_alone():
    rng = np.random.default_rng(3)
    base = rng.uniform(0, 1000, size=(6, 2))
    out = run(base, 9)
    np.testing.assert_allclose(out.sum(axis=(1, 2)), base.sum(), rtol=1e-13)
    np.testing.assert_allclose(out.sum(axis=1), np.broadcast_to(base.sum(axis=0), (9, 2)),
                               rtol=1e-13)
    # after A - 1 = 5 years everyone has reached the open group
    np.testing.assert_allclose(out[5:, -1], np.broadcast_to(base.sum(axis=0), (4, 2)),
                               rtol=1e-13)
    assert np.all(out[5:, :-1] == 0)


def test_rates_of_each_year_used_in_their_step():
    # q = 0 in step 0, 1 in step 1: everyone alive at year 1, nobody at year 2
    base = [[5, 5], [5, 5]]
    q = np.stack([np.zeros((2, 2)), np.ones((2, 2))])
    out = run(base, 3, q=q)
    np.testing.assert_array_equal(out[1], [[0, 0], [10, 10]])
    np.testing.assert_array_equal(out[2], np.zeros((2, 2)))


def test_one_row_is_the_same_as_a_row_per_step():
    rng = np.random.default_rng(11)
    ages, years = 5, 6
    base = rng.uniform(0, 100, size=(ages, 2))
    q = rng.uniform(0, 0.3, size=(1, ages, 2))
    f = np.concatenate([[[0.0]], rng.uniform(0, 0.5, size=(1, ages - 1))], axis=1)
    m = rng.uniform(-5, 5, size=(1, ages, 2))
    one = project_population(base, years, qx=q, fertility=f, sex_ratio_at_birth=1.05,
                             migration=m)
    each = project_population(base, years, qx=np.repeat(q, years - 1, axis=0),
                              fertility=np.repeat(f, years - 1, axis=0),
                              sex_ratio_at_birth=1.05, migration=np.repeat(m, years - 1, axis=0))
    np.testing.assert_array_equal(one, each)


def test_one_year_is_the_base():
    base = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = run(base, 1, q=0.5)
    assert out.shape == (1, 2, 2)
    np.testing.assert_array_equal(out[0], base)


# --- bad arguments ----------------------------------------------------------------------------

def test_every_bad_argument_at_once():
    with pytest.raises(ArgumentError) as err:
        project_population(np.full((3, 2), -1.0), 0, qx=np.full((1, 3, 2), 1.5),
                           fertility=np.ones((1, 3)), sex_ratio_at_birth=0.0,
                           migration=np.zeros((1, 3)))
    names = {c.column for c in err.value.cells}
    assert names == {"years", "base", "qx", "fertility", "sex_ratio_at_birth", "migration"}
    assert isinstance(err.value, InputError) and isinstance(err.value, ValueError)


@pytest.mark.parametrize("change, name", [
    (dict(base=np.zeros((1, 2))), "base"),
    (dict(base=np.zeros((3, 3))), "base"),
    (dict(base=np.array([[1.0, np.nan], [0, 0], [0, 0]])), "base"),
    (dict(qx=np.full((1, 3, 2), -0.1)), "qx"),
    (dict(qx=np.zeros((2, 3, 2))), "qx"),  # 4 years: 3 steps or 1, not 2
    (dict(fertility=np.array([[0.1, 0.0, 0.0]])), "fertility"),
    (dict(fertility=np.array([[0.0, -0.1, 0.0]])), "fertility"),
    (dict(migration=np.full((1, 3, 2), np.inf)), "migration"),
    (dict(sex_ratio_at_birth=float("nan")), "sex_ratio_at_birth"),
    (dict(years=2.0), "years"),
])
def test_one_bad_argument_named(change, name):
    args = dict(base=np.ones((3, 2)), years=4, qx=np.zeros((1, 3, 2)),
                fertility=np.zeros((1, 3)), sex_ratio_at_birth=1.05,
                migration=np.zeros((1, 3, 2)))
    args.update(change)
    with pytest.raises(ArgumentError) as err:
        project_population(args.pop("base"), args.pop("years"), **args)
    assert [c.column for c in err.value.cells] == [name]
    assert str(err.value).startswith(name)


# --- the kernel against the slow reference ----------------------------------------------------

@st.composite
def problems(draw):
    ages = draw(st.integers(2, 6))
    years = draw(st.integers(1, 6))
    steps = max(years - 1, 1)

    def rows():
        return draw(st.sampled_from(sorted({1, steps})))

    def values(shape, lo, hi):
        n = int(np.prod(shape))
        flat = draw(st.lists(st.floats(lo, hi, allow_nan=False, allow_infinity=False),
                             min_size=n, max_size=n))
        return np.array(flat, dtype=float).reshape(shape)

    base = values((ages, 2), 0, 1e4)
    qx = values((rows(), ages, 2), 0, 1)
    fertility = values((rows(), ages), 0, 3)
    fertility[:, 0] = 0.0
    migration = values((rows(), ages, 2), -2e3, 2e3)
    srb = draw(st.floats(0.5, 2.0))
    return base, years, qx, fertility, srb, migration


@settings(max_examples=80, deadline=None)
@given(problems())
def test_kernel_matches_the_slow_reference(problem):
    base, years, qx, fertility, srb, migration = problem
    out = project_population(base, years, qx=qx, fertility=fertility, sex_ratio_at_birth=srb,
                             migration=migration)
    ref = reference(base.tolist(), years, qx.tolist(), fertility.tolist(), srb,
                    migration.tolist())
    assert out.shape == (years, len(base), 2)
    assert np.all(out >= 0)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-6)
