"""``triangle_ibnr`` (``reserva ibnr``'s library call) on triangles with missing cells, zeros
and negative values, against chainladder.

chainladder stores a cumulative 0 as missing and leaves missing cells out of every link
ratio; ``zeros="missing"`` (the default) reproduces that. Samples of chainladder 0.10 with
missing cells inside the known triangle (surveyed over every (index, column) slice): xyz,
auto, friedland_auto_bi_insurer, friedland_auto_freq_sev, friedland_gl_insurer,
friedland_wc_self_insurer, friedland_xol, friedland_xyz_auto_bi (all tested below, chain
ladder and Mack) and clrd (its 2,243 slices with missing cells and no negative value, chain
ladder). Where a latest (diagonal) cell is missing in chainladder's sample it was a 0: here it
stays the origin's latest value 0 (ultimate 0), where chainladder gives no value.
"""

from __future__ import annotations

import warnings

import chainladder as cl  # the reference implementation, in tests only
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ComputationError, InputError
from reserva.io.assumptions import IbnrOptions
from reserva.io.triangle_csv import diagonal_lags, ordered_origins
from reserva.reserves.claims import methods
from reserva.reserves.claims.triangle_ibnr import triangle_ibnr

RTOL = 1e-6
# sample -> (origins whose chain ladder ultimate is compared, Mack totals compared); the
# totals chainladder leaves undefined (NaN: every origin but the oldest has a single cell, or a
# triangle of zeros as auto's) are not compared
COMPARED = {"xyz": (55, 7), "auto": (0, 0), "friedland_auto_bi_insurer": (18, 0),
            "friedland_auto_freq_sev": (10, 0), "friedland_gl_insurer": (8, 0),
            "friedland_wc_self_insurer": (8, 0), "friedland_xol": (2, 0),
            "friedland_xyz_auto_bi": (73, 9)}
MISSING_SAMPLES = sorted(COMPARED)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def as_user_triangle(tri) -> np.ndarray:
    """[slice, origin, lag] as a user's CSV holds it: chainladder's missing latest cells are 0."""
    k, c, n_o, n_d = tri.shape
    C = np.asarray(tri.values, dtype=float).reshape(k * c, n_o, n_d)
    inside = ~np.isnan(np.asarray(tri.nan_triangle, dtype=float))
    diagonal = inside & ~np.pad(inside, ((0, 0), (0, 1)))[:, 1:]
    return np.where(diagonal[None] & np.isnan(C), 0.0, C), inside


def slices_with_missing_cells(name: str):
    tri = quiet(cl.load_sample, name)
    C, inside = as_user_triangle(tri)
    for i in range(tri.shape[0]):
        for j, col in enumerate(tri.columns):
            s = i * tri.shape[1] + j
            if (np.isnan(C[s]) & inside).any():
                yield f"{name}[{i}, {col}]", tri.iloc[i][col], C[s]


@pytest.mark.parametrize("name", MISSING_SAMPLES)
def test_missing_cells_give_chainladders_chain_ladder_and_mack(name):
    compared = {"ultimate": 0, "total": 0}
    for label, tri, C in slices_with_missing_cells(name):
        latest = np.asarray(tri.latest_diagonal.values, dtype=float).ravel()
        defined = ~np.isnan(latest)
        r = triangle_ibnr(C, "chainladder")
        ref = quiet(cl.Chainladder().fit, tri)
        np.testing.assert_allclose(r.ultimate[defined], ref.ultimate_.values.ravel()[defined],
                                   rtol=RTOL, err_msg=label)
        assert (r.ultimate[~defined] == 0).all(), label  # a latest 0: nothing to project
        compared["ultimate"] += int(defined.sum())
        for rule in ("mack", "log-linear"):
            options = IbnrOptions("volume", None, 0, 0, 1.0, rule, np.inf)
            m = triangle_ibnr(C, "mack", options=options)
            dev = quiet(cl.Development(sigma_interpolation=rule).fit_transform, tri)
            mk = quiet(cl.MackChainladder().fit, dev)
            sigma = np.asarray(dev.sigma_.values, dtype=float)
            if rule == "log-linear" and not (np.nan_to_num(sigma, nan=0.0) > 1e-100).all():
                continue  # chainladder fits log(1e-320) for a zero sigma; here it is skipped
            total = float(mk.total_mack_std_err_.values.ravel()[0])
            if np.isfinite(total):
                assert m.total_std_err == pytest.approx(total, rel=RTOL), (label, rule)
                compared["total"] += 1
            per_origin = np.asarray(mk.mack_std_err_.values, dtype=float)[0, 0, :, -1]
            ok = np.isfinite(per_origin)
            np.testing.assert_allclose(m.std_err[ok], per_origin[ok], rtol=RTOL, err_msg=label)
    assert (compared["ultimate"], compared["total"]) == COMPARED[name]


def test_missing_cells_on_every_clrd_slice_give_chainladders_ultimates():
    tri = quiet(cl.load_sample, "clrd")
    C, inside = as_user_triangle(tri)
    original = np.asarray(tri.values, dtype=float).reshape(C.shape)
    holed = (np.isnan(original) & inside[None]).any(axis=(1, 2)) & ~(C < 0).any(axis=(1, 2))
    assert holed.sum() == 2243
    ref = np.asarray(quiet(cl.Chainladder().fit, tri).ultimate_.values, dtype=float)
    ref = ref.reshape(C.shape[:2])[holed]
    latest = np.asarray(tri.latest_diagonal.values, dtype=float).reshape(C.shape[:2])[holed]
    Ch = C[holed]
    f = methods.development_factors(Ch, exclude=methods.zero_pairs(Ch))
    mine = methods.chain_ladder(Ch, f).ultimate
    defined = ~np.isnan(latest)
    np.testing.assert_allclose(mine[defined], ref[defined], rtol=RTOL)
    assert (mine[~defined] == 0).all()


def test_a_missing_cell_leaves_its_two_link_ratios_out():
    nan = np.nan
    C = np.array([[100.0, 150, 165, 170], [100, nan, 180, nan], [120, 170, nan, nan],
                  [90, nan, nan, nan]])
    r = triangle_ibnr(C)
    # f0 = (150 + 170) / (100 + 120); f1 = 165 / 150 (origin 1 has no pair at lag 1)
    np.testing.assert_allclose(r.ldf, [320 / 220, 165 / 150, 170 / 165], rtol=1e-12)
    assert r.flags[1] == ("missing_cells",)
    assert r.ultimate[1] == pytest.approx(180 * 170 / 165, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Zeros


RAA = np.asarray(quiet(cl.load_sample, "raa").values, dtype=float)[0, 0]


def test_a_zero_in_the_last_column_is_missing_by_default_and_flagged_as_data():
    C = RAA.copy()
    C[0, -1] = 0.0
    missing = triangle_ibnr(C)
    assert missing.ldf[-1] == 1.0 and missing.diagnostics.lag_no_data[0, -1]
    np.testing.assert_allclose(missing.ldf[:-1], triangle_ibnr(RAA).ldf[:-1], rtol=1e-12)
    assert missing.ultimate[1:].min() > 0 and not missing.diagnostics.collapsed.any()
    data = triangle_ibnr(C, zeros="data")
    assert data.ldf[-1] == 0.0
    assert (data.ultimate == 0).all()
    assert data.diagnostics.collapsed[0].tolist() == [False] + [True] * 9
    assert all("collapsed" in f and "negative_ibnr" in f for f in data.flags[1:])


def test_zeros_as_data_keep_mack_1993s_estimator():
    # a pair on a zero base adds its later value to the volume numerator (data) or is left out
    C = np.array([[0.0, 10.0, 10.0], [5.0, 10.0, np.nan], [4.0, np.nan, np.nan]])
    assert triangle_ibnr(C, zeros="data").ldf.tolist() == [4.0, 1.0]
    assert triangle_ibnr(C).ldf.tolist() == [2.0, 1.0]


# ---------------------------------------------------------------------------------------------
# Negative values and Mack's safeguards


def test_negative_cumulative_values_are_flagged_and_keep_every_variance_positive():
    C = RAA.copy()
    C[2, :5] = -C[2, :5]  # a run of negative cumulative values (e.g. recoveries)
    r = triangle_ibnr(C, "mack")
    assert r.flags[2][0] == "negative_cumulative"
    assert r.diagnostics.negative_cumulative[0, 2].sum() == 5
    m = methods.mack(C[None], methods.development_factors(C[None]))
    assert (m.sigma2 >= 0).all() and (m.ldf_se2 >= 0).all()
    assert r.total_std_err >= np.nanmax(r.std_err)


@st.composite
def signed_triangles(draw):
    n = draw(st.integers(3, 7))
    cells = st.floats(-500.0, 2000.0, allow_nan=False).map(lambda x: round(x, 1))
    inc = np.array(draw(st.lists(cells, min_size=n * n, max_size=n * n))).reshape(n, n)
    C = np.cumsum(inc, axis=1)
    C[np.add.outer(np.arange(n), np.arange(n)) >= n] = np.nan
    return C


@settings(max_examples=120, deadline=None)
@given(C=signed_triangles(), rule=st.sampled_from(["mack", "log-linear"]),
       average=st.sampled_from(["volume", "simple", "regression"]))
def test_mack_total_is_never_below_an_origins_own_error(C, rule, average):
    with np.errstate(all="ignore"):
        f = methods.development_factors(C[None], average=average)
        m = methods.mack(C[None], f, sigma_extrapolation=rule)
    s = m.sigma2[0]
    assert (s[np.isfinite(s)] >= 0).all()
    assert (m.ldf_se2[np.isfinite(m.ldf_se2)] >= 0).all()
    if np.isfinite(m.total_se[0]):
        own = m.mack_se[0][np.isfinite(m.mack_se[0])]
        assert (m.total_se[0] >= own * (1 - 1e-12) - 1e-9).all()


def test_positive_triangles_keep_mack_1993():
    # the safeguards change nothing without negative cells: Mack (1993) Taylor-Ashe figures
    C = np.asarray(quiet(cl.load_sample, "genins").values, dtype=float)[0, 0]
    r = triangle_ibnr(C, "mack")
    assert abs(r.ibnr.sum() - 18_680_856) <= 0.5 and abs(r.total_std_err - 2_447_095) <= 0.5


# ---------------------------------------------------------------------------------------------
# Shape checks, inputs, totals


def test_the_diagonal_is_the_staircase_of_latest_cells():
    nan = np.nan
    square = ~np.isnan(RAA)
    assert diagonal_lags(square).tolist() == list(range(9, -1, -1))
    short = RAA.copy()
    short[3, 6] = nan  # 1984's latest cell empty: the row would end at lag 5
    assert diagonal_lags(~np.isnan(short))[3] == 6
    with pytest.raises(InputError) as err:
        triangle_ibnr(short)
    assert err.value.cells[0].column == "origin 3, age 6"
    assert "latest value" in err.value.cells[0].expected
    # yearly origins by quarterly development: 4 lags per origin
    quarterly = np.add.outer(4 * np.arange(3), np.arange(12)) < 12
    assert diagonal_lags(quarterly).tolist() == [11, 7, 3]
    # a row that starts late (leading cells missing) still ends on the diagonal
    late = RAA.copy()
    late[0, :3] = nan
    assert triangle_ibnr(late).ultimate[0] == RAA[0, -1]


def test_totals_leave_undefined_origins_out_and_say_how_many():
    C = np.array([[10.0, 20.0, 30.0], [15.0, 25.0, np.nan], [np.nan, np.nan, np.nan]])
    r = triangle_ibnr(C, "mack")
    t = r.totals()
    assert t["undefined_origins"] == 1 and t["origins"] == 3
    assert t["ultimate"] == pytest.approx(30 + 25 * 1.5)
    assert t["std_err"] is None  # the second origin's sigma cannot be extrapolated (d < 2)
    assert r.flags[2] == ("no_data",) and r.flags[1] == ("std_err_undefined",)


@pytest.mark.parametrize("apriori", [float("nan"), float("inf"), 0.0, -0.5])
def test_apriori_must_be_a_finite_positive_ratio(apriori):
    with pytest.raises(InputError, match="apriori"):
        triangle_ibnr(RAA, "bf", exposure=np.full(10, 4e4), apriori=apriori)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_exposure_must_be_finite_and_positive(bad):
    exposure = np.full(10, 4e4)
    exposure[3] = bad
    with pytest.raises(InputError) as err:
        triangle_ibnr(RAA, "capecod", exposure=exposure)
    assert err.value.cells[0].column == "origin 3"


# ---------------------------------------------------------------------------------------------
# Results that are not finite, origin order


def test_an_origin_with_a_value_never_leaves_the_totals_silently():
    # a tail of 1e308 made every ultimate inf: flagged no_data and left out of the totals
    huge = IbnrOptions("volume", None, 0, 0, 1e308, "mack", np.inf)
    with pytest.raises(ComputationError) as err:
        triangle_ibnr(RAA, options=huge, origins=range(1981, 1991))
    assert str(err.value).startswith("origin 1981 (and 9 more origins): the chain_ladder "
                                     "ultimate is inf")
    assert "tail 1e+308" in str(err.value)
    with pytest.raises(ComputationError, match="origin 3: the bf ultimate is inf"):
        exposure = np.full(10, 4e4)
        exposure[3] = 1e308
        triangle_ibnr(RAA, "bf", exposure=exposure, apriori=1e10)
    # no_data comes from the cells only
    C = RAA.copy()
    C[4] = np.nan
    r = triangle_ibnr(C, options=IbnrOptions("volume", None, 0, 0, 1e100, "mack", np.inf))
    assert [o for o, f in enumerate(r.flags) if "no_data" in f] == [4]
    assert r.totals()["undefined_origins"] == 1 and np.isfinite(r.totals()["ultimate"])


def test_a_bootstrap_out_of_memory_is_a_computation_error(monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("reserva.reserves.claims.triangles.bootstrap_odp", no_memory)
    with pytest.raises(ComputationError, match="bootstrap of 50 simulations of a 10 x 10"):
        triangle_ibnr(RAA, bootstrap_sims=50)


@settings(max_examples=60, deadline=None)
@given(years=st.lists(st.integers(1900, 2200), min_size=1, max_size=12, unique=True),
       data=st.data())
def test_numeric_and_iso_origins_sort_oldest_first(years, data):
    shuffled = data.draw(st.permutations(years))
    assert ordered_origins([str(y) for y in shuffled]) == (tuple(map(str, sorted(years))), True)
    months = [f"{y}-{m:02d}" for y, m in zip(shuffled, range(1, 13), strict=False)]
    dates = sorted(months, key=lambda x: (int(x[:4]), int(x[5:])))
    assert ordered_origins(months) == (tuple(dates), True)


def test_other_origin_labels_keep_their_order():
    assert ordered_origins(["AY21", "AY20", "AY21"]) == (("AY21", "AY20"), False)
    assert ordered_origins(["2021", "2020-01"]) == (("2021", "2020-01"), False)  # mixed
    assert ordered_origins(["2021", "nan"]) == (("2021", "nan"), False)
    assert ordered_origins(["2021-13", "2020-01"]) == (("2021-13", "2020-01"), False)
    assert ordered_origins(["10", "9", "9.5"]) == (("9", "9.5", "10"), True)
