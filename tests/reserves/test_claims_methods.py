"""Batched reserving methods on dense cumulative triangles (reserva.reserves.claims.methods).

Golden figures: Mack (1993) on the Taylor-Ashe triangle (chainladder sample "genins"): total
reserve 18,680,856 and total standard error 2,447,095; Mack (1994) / R ChainLadder
``MackChainLadder(RAA)``: total IBNR 52,135 and Mack S.E. 26,909. The chainladder package is
the reference for every option (factors, tails, Mack, BF, Cape Cod, Benktander) to 1e-6
relative. Slow pure-Python references (Mack 1993 closed formulas, factor averages with
exclusions) are tied to the batched code by hypothesis, on triangles holding zero cells that
chainladder would read as missing.
"""

from __future__ import annotations

import math
import os
import warnings

import chainladder as cl  # the reference implementation, in tests only
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, InputError
from reserva.reserves.claims.methods import (
    benktander,
    bornhuetter_ferguson,
    cape_cod,
    chain_ladder,
    development_factors,
    diagnostics,
    link_ratios,
    mack,
    zero_pairs,
)

RTOL = 1e-6


def quiet(fn, *args, **kwargs):
    """Call into chainladder with its own deprecation and exclusion notices silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def sample(name: str):
    """(chainladder Triangle, cumulative array [1, origin, lag]) of a single-triangle sample."""
    tri = quiet(cl.load_sample, name)
    return tri, np.asarray(tri.values, dtype=float)[0]


def upper_left(n_origins: int, n_lags: int) -> np.ndarray:
    return np.add.outer(np.arange(n_origins), np.arange(n_lags)) < n_lags


# ---------------------------------------------------------------------------------------------
# Mack: published figures and chainladder


def test_genins_mack_matches_mack_1993():
    # Mack (1993), Taylor-Ashe data: total reserve 18,680,856, s.e. 2,447,095 (13%), with
    # sigma^2 of the last lag from Mack's rule (p. 217). Printed to the unit.
    _, C = sample("genins")
    r = mack(C, development_factors(C), sigma_extrapolation="mack")
    assert abs(r.ibnr.sum() - 18_680_856) <= 0.5
    assert abs(r.total_se[0] - 2_447_095) <= 0.5
    assert round(100 * r.total_se[0] / r.ibnr.sum()) == 13
    assert r.sigma2_extrapolated[0].tolist() == [False] * 8 + [True]


def test_raa_mack_matches_r_chainladder():
    # Mack (1994) / R ChainLadder MackChainLadder(RAA): total IBNR 52,135, Mack S.E. 26,909.
    _, C = sample("raa")
    r = mack(C, development_factors(C), sigma_extrapolation="mack")
    assert abs(r.ibnr.sum() - 52_135) <= 0.5
    assert abs(r.total_se[0] - 26_909) <= 0.5


@pytest.mark.parametrize("name", ["genins", "raa"])
@pytest.mark.parametrize("average", ["volume", "simple", "regression"])
@pytest.mark.parametrize("rule", ["mack", "log-linear"])
def test_mack_matches_chainladder(name, average, rule):
    # chainladder MackChainladder on Development(average, sigma_interpolation=rule).
    tri, C = sample(name)
    dev = quiet(cl.Development(average=average, sigma_interpolation=rule).fit_transform, tri)
    ref = quiet(cl.MackChainladder().fit, dev)
    r = mack(C, development_factors(C, average=average), sigma_extrapolation=rule)
    np.testing.assert_allclose(r.total_se, ref.total_mack_std_err_.values.ravel(), rtol=RTOL)
    np.testing.assert_allclose(np.sqrt(r.sigma2[0]), dev.sigma_.values.ravel(), rtol=RTOL)
    # per origin; chainladder leaves the fully developed origin NaN, here it is 0
    per_origin = ref.mack_std_err_.values[0, 0, :, -1]
    np.testing.assert_allclose(r.mack_se[0, 1:], per_origin[1:], rtol=RTOL)
    np.testing.assert_allclose(r.process_se[0, 1:], ref.process_risk_.values[0, 0, 1:, -1], rtol=RTOL)
    np.testing.assert_allclose(r.parameter_se[0, 1:], ref.parameter_risk_.values[0, 0, 1:, -1],
                               rtol=RTOL)
    assert r.mack_se[0, 0] == 0.0
    np.testing.assert_allclose(r.ibnr[0, 1:], ref.ibnr_.values[0, 0, 1:, 0], rtol=RTOL)


def test_mack_with_last_n_diagonals_matches_chainladder():
    tri, C = sample("raa")
    dev = quiet(cl.Development(n_periods=5).fit_transform, tri)
    ref = quiet(cl.MackChainladder().fit, dev)
    r = mack(C, development_factors(C, n_periods=5), sigma_extrapolation="log-linear")
    np.testing.assert_allclose(r.total_se, ref.total_mack_std_err_.values.ravel(), rtol=RTOL)
    np.testing.assert_allclose(r.mack_se[0, 1:], ref.mack_std_err_.values[0, 0, 1:, -1], rtol=RTOL)


# ---------------------------------------------------------------------------------------------
# Development factors and tails against chainladder


FACTOR_OPTIONS = [
    {"average": "simple"},
    {"average": "regression"},
    {"n_periods": 4},
    {"n_periods": 3, "average": "simple"},
    {"drop_high": 1},
    {"drop_high": 1, "drop_low": 2},
    {"n_periods": 5, "drop_high": 1},
    {"exclude": [(1, 0), (3, 2)]},  # (origin row, lag) of link ratios to leave out
]


@pytest.mark.parametrize("options", FACTOR_OPTIONS)
@pytest.mark.parametrize("name", ["raa", "genins"])
def test_development_factors_match_chainladder(name, options):
    # chainladder Development(n_periods, average, drop_high, drop_low, drop=(origin, age))
    tri, C = sample(name)
    ours, theirs = dict(options), dict(options)
    if "exclude" in options:
        ours["exclude"] = np.zeros(C[:, :, 1:].shape, dtype=bool)
        for o, d in options["exclude"]:
            ours["exclude"][0, o, d] = True
        theirs = {"drop": [(str(tri.origin[o]), int(tri.development[d]))
                           for o, d in options["exclude"]]}
    ref = quiet(cl.Development(**theirs).fit, tri)
    f = development_factors(C, **ours)
    np.testing.assert_allclose(f.ldf[0], ref.ldf_.values[0, 0, 0], rtol=RTOL)
    ult = quiet(cl.Chainladder().fit, quiet(cl.Development(**theirs).fit_transform, tri)).ibnr_
    np.testing.assert_allclose(chain_ladder(C, f).ibnr[0, 1:], ult.values[0, 0, 1:, 0], rtol=RTOL)


@pytest.mark.parametrize("name", ["genins", "raa"])
def test_exponential_tail_matches_chainladder_tailcurve(name):
    # chainladder TailCurve(curve='exponential', extrap_periods=100) on volume factors.
    tri, C = sample(name)
    ref = quiet(cl.TailCurve().fit, tri)
    f = development_factors(C, tail="exponential", tail_periods=100)
    assert f.tail_fit_ok.all() and f.tail[0] > 1
    np.testing.assert_allclose(f.tail, ref.tail_.values.ravel(), rtol=RTOL)
    np.testing.assert_allclose(f.cdf[0], ref.cdf_.values[0, 0, 0, : C.shape[2]], rtol=RTOL)
    ibnr = quiet(cl.Chainladder().fit, quiet(cl.TailCurve().fit_transform, tri)).ibnr_
    np.testing.assert_allclose(chain_ladder(C, f).ibnr.sum(), np.nansum(ibnr.values), rtol=RTOL)


def test_constant_tail_and_selected_factors():
    _, C = sample("raa")
    base = development_factors(C)
    sel = np.full(base.ldf.shape, np.nan)
    sel[0, 0] = 2.5
    f = development_factors(C, selected=sel, tail=1.05)
    assert f.ldf[0, 0] == 2.5 and np.array_equal(f.ldf[0, 1:], base.ldf[0, 1:])
    assert f.cdf[0, -1] == 1.05
    np.testing.assert_allclose(f.cdf[0, 0], 2.5 * np.prod(base.ldf[0, 1:]) * 1.05, rtol=1e-12)


def test_tail_without_decay_is_flagged_not_extrapolated():
    # increasing factors: ln(f - 1) has a positive slope, the curve would not converge
    C = np.array([[[100.0, 110.0, 130.0, 170.0],
                   [100.0, 110.0, 130.0, np.nan],
                   [100.0, 110.0, np.nan, np.nan],
                   [100.0, np.nan, np.nan, np.nan]]])
    f = development_factors(C, tail="exponential")
    assert not f.tail_fit_ok[0] and f.tail[0] == 1.0


# ---------------------------------------------------------------------------------------------
# Expected-loss methods against chainladder (clrd by line of business)


@pytest.fixture(scope="module")
def clrd():
    tri = quiet(lambda: cl.load_sample("clrd").groupby("LOB").sum())
    paid, premium = tri["CumPaidLoss"], tri["EarnedPremDIR"].latest_diagonal
    C = np.asarray(paid.values, dtype=float)[:, 0]
    exposure = np.asarray(premium.values, dtype=float)[:, 0, :, 0]
    assert C.shape == (6, 10, 10) and not (C == 0).any()  # no zero chainladder would drop
    return paid, premium, C, exposure


def ultimates(model) -> np.ndarray:
    return np.asarray(model.ultimate_.values, dtype=float)[:, 0, :, 0]


def test_bornhuetter_ferguson_matches_chainladder(clrd):
    paid, premium, C, exposure = clrd
    f = development_factors(C)
    ref = quiet(cl.BornhuetterFerguson(apriori=0.7).fit, paid, sample_weight=premium)
    r = bornhuetter_ferguson(C, f, exposure, 0.7)
    np.testing.assert_allclose(r.ultimate, ultimates(ref), rtol=RTOL)
    np.testing.assert_allclose(r.ultimate, r.latest + r.ibnr, rtol=1e-12)
    # one a-priori loss ratio per segment = chainladder with the exposure scaled by it
    ap = np.array([0.6, 0.65, 0.7, 0.75, 0.8, 0.85])
    ref = quiet(cl.BornhuetterFerguson(apriori=1.0).fit, paid,
                sample_weight=premium * ap[:, None, None, None])
    np.testing.assert_allclose(bornhuetter_ferguson(C, f, exposure, ap).ultimate, ultimates(ref),
                               rtol=RTOL)


@pytest.mark.parametrize("n_iters", [0, 1, 2, 5])
def test_benktander_matches_chainladder(clrd, n_iters):
    paid, premium, C, exposure = clrd
    ref = quiet(cl.Benktander(apriori=0.7, n_iters=n_iters).fit, paid, sample_weight=premium)
    r = benktander(C, development_factors(C), exposure, 0.7, n_iters=n_iters)
    np.testing.assert_allclose(r.ultimate, ultimates(ref), rtol=RTOL)


def test_benktander_runs_from_expected_loss_to_chain_ladder(clrd):
    # n_iters = 0 is the expected loss, 1 is BF, and the iteration converges to the chain ladder
    _, _, C, exposure = clrd
    f = development_factors(C)
    np.testing.assert_allclose(benktander(C, f, exposure, 0.7, n_iters=0).ultimate,
                               exposure * 0.7, rtol=1e-12)
    np.testing.assert_array_equal(benktander(C, f, exposure, 0.7, n_iters=1).ultimate,
                                  bornhuetter_ferguson(C, f, exposure, 0.7).ultimate)
    np.testing.assert_allclose(benktander(C, f, exposure, 0.7, n_iters=400).ultimate,
                               chain_ladder(C, f).ultimate, rtol=1e-6)


@pytest.mark.parametrize(("decay", "trend"), [(1.0, 0.0), (0.75, 0.0), (1.0, 0.05), (0.6, 0.03)])
def test_cape_cod_matches_chainladder(clrd, decay, trend):
    paid, premium, C, exposure = clrd
    ref = quiet(cl.CapeCod(decay=decay, trend=trend).fit, paid, sample_weight=premium)
    r = cape_cod(C, development_factors(C), exposure, decay=decay, trend=trend)
    np.testing.assert_allclose(r.ultimate, ultimates(ref), rtol=RTOL)
    np.testing.assert_allclose(r.apriori, np.asarray(ref.detrended_apriori_.values)[:, 0, :, 0],
                               rtol=RTOL)


def test_cape_cod_elr_is_latest_over_used_up_premium(clrd):
    # Stanard (1985): ELR = sum latest / sum (exposure / CDF) with decay 1 and no trend
    _, _, C, exposure = clrd
    f = development_factors(C)
    p = chain_ladder(C, f)
    elr = p.latest.sum(axis=1) / (exposure / p.cdf_applied).sum(axis=1)
    r = cape_cod(C, f, exposure)
    np.testing.assert_allclose(r.apriori, np.broadcast_to(elr[:, None], r.apriori.shape), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Property: every positive single cumulative triangle chainladder ships
#
# Each (index, column) slice of every sample is a candidate. Skipped: samples that fail to load
# by name (friedland_ch7_xyz_paid, friedland_ch7_xyz_reported); incremental samples (prism and
# the prism_o* family); origin and development grains that differ or are not square
# (quarterly, friedland_gl_self_insurer); and slices whose known cells are not the upper-left
# triangle or are not all positive (clrd2025 whose known region is ragged, xyz whose oldest
# origin lacks its first lags, and some slices of clrd, auto and the friedland_* samples).


def sample_names() -> list[str]:
    folder = os.path.join(os.path.dirname(cl.__file__), "utils", "data")
    return sorted({os.path.splitext(f)[0] for f in os.listdir(folder)
                   if f.endswith((".csv", ".json"))})


def test_chain_ladder_matches_chainladder_on_every_positive_sample_triangle():
    checked = 0
    for name in sample_names():
        try:
            tri = quiet(cl.load_sample, name)
        except Exception:
            continue
        if not tri.is_cumulative or tri.origin_grain != tri.development_grain:
            continue
        k, c, n_o, n_d = tri.shape
        if n_o != n_d:
            continue
        C = np.asarray(tri.values, dtype=float).reshape(k * c, n_o, n_d)
        mask = upper_left(n_o, n_d)
        keep = np.all(~np.isnan(C) == mask, axis=(1, 2)) & np.all(np.where(mask, C > 0, True),
                                                                    axis=(1, 2))
        if not keep.any():
            continue
        ref = np.asarray(quiet(cl.Chainladder().fit, tri).ibnr_.values, dtype=float)
        ref = np.nan_to_num(ref.reshape(k * c, n_o)[keep])  # fully developed origin: NaN there
        mine = chain_ladder(C[keep], development_factors(C[keep])).ibnr
        np.testing.assert_allclose(mine, ref, rtol=RTOL, err_msg=name)
        checked += int(keep.sum())
    assert checked > 2000  # clrd alone gives about two thousand


# ---------------------------------------------------------------------------------------------
# Slow references


def slow_factors(C, average, n_periods, exclude, drop_high, drop_low):
    """One triangle (list of rows, NaN = unknown): factor, used pairs and no-data flag per lag."""
    n_o, n_d = len(C), len(C[0])
    latest = [max((d for d in range(n_d) if not math.isnan(C[o][d])), default=-1)
              for o in range(n_o)]
    top = max(o + latest[o] for o in range(n_o) if latest[o] >= 0)
    ldf, used, no_data = [], set(), []
    for d in range(n_d - 1):
        pairs = []
        for o in range(n_o):
            if latest[o] < d + 1 or exclude[o][d]:
                continue
            if n_periods is not None and o + d + 1 <= top - n_periods:
                continue
            x, y = C[o][d], C[o][d + 1]
            if average == "simple" and x == 0:
                continue
            pairs.append((o, x, y))

        def ratio(p):
            _, x, y = p
            return y / x if x != 0 else math.copysign(math.inf, y)

        ranked = sorted((p for p in pairs if not (p[1] == 0 and p[2] == 0)),
                        key=lambda p: (ratio(p), p[1], p[0]))
        m = len(ranked)
        if (drop_high or drop_low) and m - drop_high - drop_low >= 1:
            dropped = {p[0] for p in ranked[:drop_low] + ranked[m - drop_high:]}
            pairs = [p for p in pairs if p[0] not in dropped]
        used |= {(o, d) for o, _, _ in pairs}
        if average == "volume":
            num, den = sum(p[2] for p in pairs), sum(p[1] for p in pairs)
        elif average == "regression":
            num, den = sum(p[1] * p[2] for p in pairs), sum(p[1] ** 2 for p in pairs)
        else:
            num, den = sum(p[2] / p[1] for p in pairs), len(pairs)
        no_data.append(den == 0)
        ldf.append(num / den if den != 0 else 1.0)
    ult = []
    for o in range(n_o):
        ult.append(C[o][latest[o]] * math.prod(ldf[latest[o]:]))
    return ldf, used, no_data, ult


def slow_mack(C):
    """Mack (1993) closed formulas on one positive square triangle (list of rows, volume).

    f_k = sum_j C_j,k+1 / sum_j C_jk; alpha_k^2 = 1/(I-k-1) sum_j C_jk (C_j,k+1/C_jk - f_k)^2,
    the last by min(a_{I-2}^4/a_{I-3}^2, a_{I-3}^2, a_{I-2}^2); Theorem 3:
    mse(R_i) = C_iI^2 sum_k alpha_k^2/f_k^2 (1/C_ik + 1/S_k); Corollary: mse(R) = sum_i mse(R_i)
    + 2 sum_{i<j} C_iI C_jI sum_{k >= lat_i} alpha_k^2/f_k^2 / S_k (older origin i).
    """
    n = len(C)
    f, alpha2, S = [], [], []
    for k in range(n - 1):
        rows = range(n - 1 - k)
        S.append(sum(C[j][k] for j in rows))
        f.append(sum(C[j][k + 1] for j in rows) / S[k])
        if len(rows) >= 2:
            alpha2.append(sum(C[j][k] * (C[j][k + 1] / C[j][k] - f[k]) ** 2 for j in rows)
                          / (len(rows) - 1))
        else:
            a1, a2 = alpha2[k - 1], alpha2[k - 2]
            alpha2.append(min(a1**2 / a2 if a2 > 0 else math.inf, a2, a1))
    full = [list(row[: n - o]) for o, row in enumerate(C)]
    for o in range(n):
        for k in range(n - o - 1, n - 1):
            full[o].append(full[o][k] * f[k])
    process, parameter = [], []
    for i in range(n):
        lat = n - 1 - i
        ks = range(lat, n - 1)
        process.append(full[i][-1] ** 2 * sum(alpha2[k] / f[k] ** 2 / full[i][k] for k in ks))
        parameter.append(full[i][-1] ** 2 * sum(alpha2[k] / f[k] ** 2 / S[k] for k in ks))
    total = sum(process) + sum(parameter)
    for i in range(n):
        for j in range(i + 1, n):
            ks = range(n - 1 - i, n - 1)
            total += 2 * full[i][-1] * full[j][-1] * sum(alpha2[k] / f[k] ** 2 / S[k] for k in ks)
    return process, parameter, total


@st.composite
def triangles_with_zeros(draw, min_n=2, max_n=7):
    n_seg = draw(st.integers(1, 3))
    n = draw(st.integers(min_n, max_n))
    cells = st.sampled_from([0.0, 0.0, 0.0, 1.0, 2.0, 5.0, 10.0, 40.0, 250.0])
    inc = np.array(draw(st.lists(cells, min_size=n_seg * n * n, max_size=n_seg * n * n)))
    C = np.cumsum(inc.reshape(n_seg, n, n), axis=2)
    C[:, ~upper_left(n, n)] = np.nan
    return C


@settings(max_examples=150, deadline=None)
@given(C=triangles_with_zeros(), data=st.data())
def test_factors_match_slow_reference_with_zero_cells(C, data):
    n_seg, n, _ = C.shape
    average = data.draw(st.sampled_from(["volume", "simple", "regression"]))
    n_periods = data.draw(st.one_of(st.none(), st.integers(1, n)))
    exclude = np.array(data.draw(st.lists(st.booleans(), min_size=n_seg * n * (n - 1),
                                          max_size=n_seg * n * (n - 1)))).reshape(n_seg, n, n - 1)
    exclude &= data.draw(st.booleans())  # half the time no exclusions at all
    drop_high, drop_low = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
    f = development_factors(C, average=average, n_periods=n_periods, exclude=exclude,
                            drop_high=drop_high, drop_low=drop_low)
    ult = chain_ladder(C, f).ultimate
    for s in range(n_seg):
        ldf, used, no_data, ref_ult = slow_factors(C[s].tolist(), average, n_periods,
                                                   exclude[s].tolist(), drop_high, drop_low)
        np.testing.assert_allclose(f.ldf[s], ldf, rtol=1e-12)
        assert {tuple(ix) for ix in np.argwhere(f.used_mask[s])} == used
        assert f.no_data[s].tolist() == no_data
        np.testing.assert_allclose(ult[s], ref_ult, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_mack_matches_mack_1993_closed_formulas(data):
    n = data.draw(st.integers(4, 8))
    inc = np.array(data.draw(st.lists(st.floats(1.0, 1e4), min_size=n * n, max_size=n * n)))
    C = np.cumsum(inc.reshape(1, n, n), axis=2)
    C[:, ~upper_left(n, n)] = np.nan
    r = mack(C, development_factors(C), sigma_extrapolation="mack")
    process, parameter, total = slow_mack(C[0].tolist())
    np.testing.assert_allclose(r.process_se[0] ** 2, process, rtol=1e-9, atol=1e-9 * max(process))
    np.testing.assert_allclose(r.parameter_se[0] ** 2, parameter, rtol=1e-9,
                               atol=1e-9 * max(parameter))
    np.testing.assert_allclose(r.total_se[0] ** 2, total, rtol=1e-9)


def test_a_zero_is_data_not_missing():
    # volume average (Mack 1993): f_0 = (10 + 10) / (0 + 5) -- the zero base counts, where
    # chainladder (reading 0 as missing) would give 10 / 5
    C = np.array([[[0.0, 10.0, 10.0], [5.0, 10.0, np.nan], [0.0, np.nan, np.nan]]])
    f = development_factors(C)
    assert f.ldf[0].tolist() == [4.0, 1.0]
    assert chain_ladder(C, f).ultimate[0].tolist() == [10.0, 10.0, 0.0]
    simple = development_factors(C, average="simple")  # only the defined ratio 10 / 5
    assert simple.ldf[0, 0] == 2.0
    assert simple.used_mask[0, :, 0].tolist() == [False, True, False]


def test_zero_base_pairs_and_mack_sigma():
    # lag 0 pairs (x, y): (0, 0), (2, 4), (4, 6). Volume (Var = sigma^2 x): f = 10/6, and the
    # zero-base pair carries no variance, so n = 2 and
    # sigma^2 = (4 - 2f)^2 / 2 + (6 - 4f)^2 / 4 = 1/3. Regression (Var = sigma^2): f = 32/20,
    # all three pairs count: sigma^2 = (0 + 0.8^2 + 0.4^2) / 2 = 0.4.
    nan = np.nan
    C = np.array([[[0.0, 0.0, 0.0, 0.0], [2.0, 4.0, 4.0, nan], [4.0, 6.0, nan, nan],
                   [1.0, nan, nan, nan]]])
    volume = mack(C, development_factors(C))
    assert volume.sigma2[0, 0] == pytest.approx(1 / 3, rel=1e-12)
    regression = mack(C, development_factors(C, average="regression"))
    assert regression.sigma2[0, 0] == pytest.approx(0.4, rel=1e-12)


def test_log_linear_sigma_skips_zero_sigmas():
    # lag 2 ratios are 2 and 2 (sigma_2 = 0, no log); the last lag is filled from the line
    # through ln sigma_0 and ln sigma_1: sigma_3^2 = sigma_0^2 (sigma_1^2 / sigma_0^2)^3.
    nan = np.nan
    C = np.array([[[1.0, 2.0, 4.0, 8.0, 9.0], [1.0, 3.0, 5.0, 10.0, nan],
                   [2.0, 5.0, 8.0, nan, nan], [1.0, 2.0, nan, nan, nan],
                   [1.0, nan, nan, nan, nan]]])
    s = mack(C, development_factors(C), sigma_extrapolation="log-linear").sigma2[0]
    assert s[2] == 0.0 and s[0] > 0 and s[1] > 0
    assert s[3] == pytest.approx(s[0] * (s[1] / s[0]) ** 3, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Metamorphic


def sample_stack() -> np.ndarray:
    return np.concatenate([sample("raa")[1], sample("genins")[1], sample("mack_1997")[1]])


@pytest.mark.parametrize("average", ["volume", "simple", "regression"])
def test_scaling_claims_scales_ibnr_and_standard_errors(average):
    C = sample_stack()
    k = 7.25
    r = mack(C, development_factors(C, average=average))
    rk = mack(k * C, development_factors(k * C, average=average))
    np.testing.assert_allclose(rk.ibnr, k * r.ibnr, rtol=1e-12)
    np.testing.assert_allclose(rk.mack_se, k * r.mack_se, rtol=1e-12)
    np.testing.assert_allclose(rk.total_se, k * r.total_se, rtol=1e-12)


def test_permuting_segments_permutes_results():
    C = sample_stack()
    perm = np.array([2, 0, 1])
    f, fp = development_factors(C, drop_high=1), development_factors(C[perm], drop_high=1)
    r, rp = mack(C, f), mack(C[perm], fp)
    for a, b in [(f.ldf, fp.ldf), (r.ibnr, rp.ibnr), (r.mack_se, rp.mack_se),
                 (r.total_se, rp.total_se), (r.sigma2, rp.sigma2)]:
        np.testing.assert_array_equal(a[perm], b)
    alone = mack(C[1:2], development_factors(C[1:2], drop_high=1))
    np.testing.assert_array_equal(alone.total_se, r.total_se[1:2])


def test_projection_identities():
    C = sample_stack()
    f = development_factors(C)
    p, m = chain_ladder(C, f), mack(C, f)
    np.testing.assert_array_equal(p.ultimate, m.ultimate)
    np.testing.assert_allclose(p.ultimate, p.latest + p.ibnr, rtol=1e-12)
    np.testing.assert_allclose(m.mack_se**2, m.process_se**2 + m.parameter_se**2, rtol=1e-12)
    # the covariance term makes the total exceed the root sum of squares of the origins
    assert (m.total_se > np.sqrt((m.mack_se**2).sum(axis=1))).all()
    ratios = link_ratios(C)
    np.testing.assert_array_equal(ratios, C[..., 1:] / C[..., :-1])


# ---------------------------------------------------------------------------------------------
# Diagnostics and errors


def test_diagnostics_flag_every_problem_cell():
    nan = np.nan
    C = np.array([
        [[10.0, 20.0, 15.0, 15.0],   # 20 -> 15: negative incremental at lag 2
         [0.0, 8.0, 9.0, nan],       # 0 -> 8: infinite link ratio at lag 0
         [4.0, 40.0, nan, nan],      # 10x: above the threshold
         [0.0, nan, nan, nan]],      # nothing reported yet
        [[0.0, 0.0, 0.0, 0.0],       # a segment with no claims at all
         [0.0, 0.0, 0.0, nan],
         [0.0, 0.0, nan, nan],
         [0.0, nan, nan, nan]],
    ])
    f = development_factors(C)
    d = diagnostics(C, f, max_link_ratio=5.0)
    assert [tuple(ix) for ix in np.argwhere(d.negative_incremental)] == [(0, 0, 2)]
    assert [tuple(ix) for ix in np.argwhere(d.high_link_ratio)] == [(0, 1, 0), (0, 2, 0)]
    assert d.undefined_link_ratio[1].sum() == 6 and not d.undefined_link_ratio[0].any()
    assert d.origin_no_data.tolist() == [[False, False, False, True], [True] * 4]
    assert d.lag_no_data.tolist() == [[False] * 3, [True] * 3]
    # the no-data segment gets factors of 1 and a zero reserve, not NaN
    assert f.ldf[1].tolist() == [1.0] * 3
    m = mack(C, f)
    assert m.ibnr[1].tolist() == [0.0] * 4 and m.total_se[1] == 0.0


def test_drop_that_would_leave_nothing_is_ignored_and_flagged():
    _, C = sample("raa")
    f = development_factors(C, drop_high=1)
    assert f.drop_ignored[0].tolist() == [False] * 8 + [True]  # the last lag has one ratio
    assert f.used_mask[0, 0, 8]


def test_errors():
    _, C = sample("raa")
    infinite = C.copy()  # a missing cell (NaN) is allowed; an infinite one is not
    infinite[0, 2, 3] = np.inf
    with pytest.raises(InputError, match="triangle"):
        development_factors(infinite)
    with pytest.raises(AssumptionError, match="geometric"):
        development_factors(C, average="geometric")
    f = development_factors(C)
    with pytest.raises(AssumptionError, match="sigma_extrapolation"):
        mack(C, f, sigma_extrapolation="linear")
    with pytest.raises(InputError, match="exposure"):
        bornhuetter_ferguson(C, f, np.ones(3), 0.7)
    with pytest.raises(InputError, match="factors"):
        chain_ladder(np.concatenate([C, C]), f)


def test_compute_ibnr_bf_uses_the_earned_premium_of_each_origin():
    # one product, quarterly origins 2025Q1..Q3; BF: ult = latest + EP x ELR x (1 - 1/CDF)
    from datetime import date as _date

    from reserva.io.arrays import day as _day
    from reserva.reserves.claims.ibnr import compute_ibnr

    ev = [_date(2025, 2, 1), _date(2025, 2, 1), _date(2025, 5, 1), _date(2025, 8, 1)]
    rp = [_date(2025, 2, 10), _date(2025, 5, 10), _date(2025, 5, 10), _date(2025, 8, 10)]
    r = compute_ibnr(
        np.zeros(4, np.int32), np.array(["GL"]), np.array([_day(d) for d in ev]),
        np.array([_day(d) for d in rp]), np.array([100.0, 50.0, 80.0, 60.0]), _day("2025-09-30"),
        grain_months=3, methods=["bf"], min_claims=[1], fallback=["none"],
        expected_loss_ratio=np.array([0.5]), exposure=np.array([[400.0, 400.0, 400.0]]),
        first_day=_day("2025-01-01"))
    # cumulative: Q1 100, 150, 150; Q2 80, 80; Q3 60 -> f0 = 230/180, f1 = 1
    f0 = 230 / 180
    expected = [0.0, 0.0, 400 * 0.5 * (1 - 1 / f0)]
    np.testing.assert_allclose(r.by_origin_ibnr[0], expected, rtol=1e-12, atol=1e-12)
    assert r.method == ("bf",)


def test_compute_ibnr_applies_each_products_options_and_flags_the_triangle():
    from datetime import date as _date

    from reserva.io.arrays import day as _day
    from reserva.io.assumptions import IbnrOptions
    from reserva.reserves.claims.ibnr import compute_ibnr

    # two identical products; B uses only the last diagonal for its factors
    ev = [_date(2025, 2, 1)] * 3 + [_date(2025, 5, 1)] * 2 + [_date(2025, 8, 1)]
    rp = [_date(2025, 2, 10), _date(2025, 5, 10), _date(2025, 8, 10),
          _date(2025, 5, 10), _date(2025, 8, 10), _date(2025, 8, 10)]
    amt = [100.0, 50.0, 10.0, 80.0, 400.0, 60.0]  # Q2 develops x6: a link ratio above 5
    prod = np.array([0] * 6 + [1] * 6, np.int32)
    days_ = lambda ds: np.array([_day(d) for d in ds] * 2)  # noqa: E731
    all_ = IbnrOptions("volume", None, 0, 0, 1.0, "mack", 5.0)
    last1 = IbnrOptions("volume", 1, 0, 0, 1.0, "mack", 5.0)
    r = compute_ibnr(prod, np.array(["A", "B"]), days_(ev), days_(rp), np.array(amt * 2),
                     _day("2025-09-30"), grain_months=3, methods=["chain_ladder"] * 2,
                     min_claims=[1, 1], first_day=_day("2025-01-01"), options=[all_, last1])
    # f0: all diagonals (150 + 480) / (100 + 80) = 3.5; last diagonal only 480 / 80 = 6
    assert r.ldf[0, 0] == pytest.approx(3.5) and r.ldf[1, 0] == pytest.approx(6.0)
    # IBNR: Q2 480 x 160/150 - 480 = 32; Q3 60 x 3.5 x 160/150 - 60 = 164
    assert r.ibnr[0] == pytest.approx(32 + 164)
    assert "1 link ratios above the limit" in r.warnings[0]


def test_compute_ibnr_count_times_severity():
    from datetime import date as _date

    from reserva.io.arrays import day as _day
    from reserva.reserves.claims.ibnr import compute_ibnr

    # counts: Q1 2, 4 (2 more at lag 1); Q2 3 at lag 0 -> f0 = 4/2 = 2, ultimate Q2 = 6
    # average cost = (40 + 30) / (4 + 3) = 10 -> IBNR Q2 = (6 - 3) x 10 = 30
    ev = [_date(2025, 2, 1)] * 4 + [_date(2025, 5, 1)] * 3
    rp = [_date(2025, 2, 5)] * 2 + [_date(2025, 5, 5)] * 2 + [_date(2025, 5, 5)] * 3
    amt = [10.0] * 4 + [10.0] * 3
    r = compute_ibnr(np.zeros(7, np.int32), np.array(["HE"]), np.array([_day(d) for d in ev]),
                     np.array([_day(d) for d in rp]), np.array(amt), _day("2025-06-30"),
                     grain_months=3, methods=["count_severity"], min_claims=[1],
                     first_day=_day("2025-01-01"))
    np.testing.assert_allclose(r.by_origin_ibnr[0], [0.0, 30.0])


def test_reserving_the_sum_of_segments_differs_from_the_sum_of_reserves():
    """Documented difference: the chain ladder is not additive across segments. Reserving the
    aggregate triangle weights each segment's development by its volume at each lag, so unless
    the segments share one pattern (or one mix by origin) the two totals differ; with identical
    patterns and proportional volumes they agree."""
    fast = np.array([[100.0, 110, 111], [100, 110, np.nan], [100, np.nan, np.nan]])
    slow = np.array([[10.0, 50, 100], [30, 150, np.nan], [60, np.nan, np.nan]])
    pair = np.stack([fast, slow])
    f = development_factors(pair)
    per_segment = chain_ladder(pair, f).ibnr.sum()
    total = pair.sum(axis=0)[None]
    aggregate = chain_ladder(total, development_factors(total)).ibnr.sum()
    assert abs(aggregate - per_segment) > 1.0  # the mix shifts towards the slow segment
    same = np.stack([fast, 2 * fast])  # one pattern, proportional volumes: additive
    f2 = development_factors(same)
    t2 = same.sum(axis=0)[None]
    assert chain_ladder(same, f2).ibnr.sum() == pytest.approx(
        chain_ladder(t2, development_factors(t2)).ibnr.sum())


def test_compute_ibnr_applies_selected_factors_and_exclusions():
    from datetime import date as _date

    import pandas as pd

    from reserva.io.arrays import day as _day
    from reserva.reserves.claims.ibnr import compute_ibnr

    ev = [_date(2025, 2, 1)] * 3 + [_date(2025, 5, 1)] * 2 + [_date(2025, 8, 1)]
    rp = [_date(2025, 2, 10), _date(2025, 5, 10), _date(2025, 8, 10),
          _date(2025, 5, 10), _date(2025, 8, 10), _date(2025, 8, 10)]
    amt = [100.0, 50.0, 10.0, 80.0, 400.0, 60.0]
    prod = np.array([0] * 6 + [1] * 6, np.int32)
    days_ = lambda ds: np.array([_day(d) for d in ds] * 2)  # noqa: E731
    selections = pd.DataFrame({
        "product_id": ["A", "B"], "kind": ["exclude", "factor"],
        "origin_start": ["2025-04-01", ""], "from_lag": ["1", "1"], "factor": ["", "2.0"]})
    r = compute_ibnr(prod, np.array(["A", "B"]), days_(ev), days_(rp), np.array(amt * 2),
                     _day("2025-09-30"), grain_months=3, methods=["chain_ladder"] * 2,
                     min_claims=[1, 1], first_day=_day("2025-01-01"), selections=selections)
    # A: Q2's 480/80 left out -> f0 = 150/100 = 1.5; B: f0 selected = 2.0
    assert r.ldf[0, 0] == pytest.approx(1.5) and r.ldf[1, 0] == pytest.approx(2.0)
    assert "selected factors / exclusions applied" in r.note[0]


def test_compute_ibnr_notes_negative_cumulative_cells_and_negative_ibnr():
    # Q1: -100 reported at lag 0 (a recovery booked first), +30 at lag 1 -> cumulative -100, -70;
    # Q2: 50 at lag 0 -> f0 = -70 / -100 = 0.7, ultimate 35, IBNR -15
    from datetime import date as _date

    from reserva.io.arrays import day as _day
    from reserva.reserves.claims.ibnr import compute_ibnr

    ev = [_date(2025, 2, 1), _date(2025, 2, 1), _date(2025, 5, 1)]
    rp = [_date(2025, 2, 10), _date(2025, 5, 10), _date(2025, 5, 10)]
    r = compute_ibnr(np.zeros(3, np.int32), np.array(["HE"]), np.array([_day(d) for d in ev]),
                     np.array([_day(d) for d in rp]), np.array([-100.0, 30.0, 50.0]),
                     _day("2025-06-30"), grain_months=3, methods=["chain_ladder"],
                     min_claims=[1], first_day=_day("2025-01-01"))
    np.testing.assert_allclose(r.by_origin_ibnr[0], [0.0, -15.0])
    assert r.diagnostics.negative_cumulative[0].sum() == 2
    assert r.diagnostics.negative_ibnr[0].tolist() == [False, True]
    assert "2 negative cumulative cells (Mack: absolute variance weights)" in r.warnings[0]
    assert "1 origins with negative IBNR" in r.warnings[0]


def test_diagnostics_flag_a_collapsed_projection():
    # a 0 in the last column read as data: f = 0, every younger origin projects to 0
    C = np.array([[[10.0, 20.0, 0.0], [5.0, 10.0, np.nan], [4.0, np.nan, np.nan]]])
    f = development_factors(C)
    d = diagnostics(C, f, max_link_ratio=10.0)
    assert f.ldf[0, 1] == 0.0
    assert d.collapsed[0].tolist() == [False, True, True]
    assert d.negative_ibnr[0].tolist() == [False, True, True]
    # read as missing (chainladder), the pair is left out: factor 1, nothing collapses
    fm = development_factors(C, exclude=zero_pairs(C))
    assert fm.ldf[0, 1] == 1.0 and fm.no_data[0, 1]
    assert not diagnostics(C, fm, max_link_ratio=10.0).collapsed.any()
