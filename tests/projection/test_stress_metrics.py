"""Stressed liquidity metrics (reserva.projection.stress_metrics): hand-worked cases, a slow
month-by-month reference tied by hypothesis, and metamorphic properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reserva.errors import AssumptionError
from reserva.projection.stress_metrics import (
    change_vs_base,
    cumulative_gap,
    liquidity_ratio,
    survival,
)

# --- the slow reference: plain loops over scenarios, columns and months -----------------------


def reference(cash, sellable, inflows, outflows, horizons):
    """Per (s, p): ratios by horizon, survival horizon, shortfall, shortfall month."""
    n_s, n_p, n_m = inflows.shape
    out = {}
    for s in range(n_s):
        for p in range(n_p):
            liquid = float(cash[s, p]) + float(sellable[s, p])
            cum_in = cum_out = 0.0
            gaps, ratios = [], {}
            for m in range(n_m):
                cum_in += float(inflows[s, p, m])
                cum_out += float(outflows[s, p, m])
                gaps.append((liquid + cum_in) - cum_out)
                if m + 1 in horizons:
                    ratios[m + 1] = math.inf if cum_out == 0 else (liquid + cum_in) / cum_out
            first = next((m + 1 for m, g in enumerate(gaps) if g < 0), n_m + 1)
            deepest, month = 0.0, 0
            for m, g in enumerate(gaps):
                if g < 0 and -g > deepest:
                    deepest, month = -g, m + 1
            out[s, p] = ([ratios[h] for h in horizons], first, deepest, month)
    return out


# --- hand-worked cases ----------------------------------------------------------------------


def _one(cash, sellable, inflows, outflows):
    """One column, scenarios stacked: arrays [S, 1, M] and [S, 1]."""
    return (np.array(cash, float)[:, None], np.array(sellable, float)[:, None],
            np.array(inflows, float)[:, None, :], np.array(outflows, float)[:, None, :])


def test_premiums_delayed_two_months():
    # Premiums of 100 a month over 12 months, outflows of 80 a month, cash 100, nothing sellable.
    # Base: gap(m) = 100 + 100m - 80m = 100 + 20m > 0 -> survives (13 = beyond the 12 months).
    # Delayed 2 months (due in m arrives in m+2; months 11-12 fall past the projection):
    #   inflows 0, 0, 100, ..., 100; gap(1) = 100 - 80 = 20; gap(2) = 100 - 160 = -60;
    #   for m >= 2 gap(m) = 100 + 100(m-2) - 80m = 20m - 100: -40, -20, 0 (covered), 20, ...
    #   -> survival month 2, deepest shortfall 60 in month 2.
    # Ratios: base 1m 200/80, 3m 400/240, 12m 1300/960; delayed 1m 100/80, 3m 200/240,
    #   12m (100 + 1000)/960.
    base_in = [100.0] * 12
    delayed = [0.0, 0.0] + [100.0] * 10
    args = _one([100, 100], [0, 0], [base_in, delayed], [[80.0] * 12] * 2)
    ratio = liquidity_ratio(*args, horizons=(1, 3, 12))
    np.testing.assert_allclose(ratio[:, 0], [[200 / 80, 400 / 240, 1300 / 960],
                                             [100 / 80, 200 / 240, 1100 / 960]])
    np.testing.assert_array_equal(cumulative_gap(*args)[1, 0, :6], [20, -60, -40, -20, 0, 20])
    surv = survival(*args)
    assert surv.horizon[:, 0].tolist() == [13, 2]
    assert surv.shortfall[:, 0].tolist() == [0.0, 60.0]
    assert surv.shortfall_month[:, 0].tolist() == [0, 2]
    assert surv.survives[:, 0].tolist() == [True, False]
    np.testing.assert_allclose(change_vs_base(ratio, 0)[1, 0, 1], 200 / 240 - 400 / 240)
    assert change_vs_base(surv.horizon, 0)[:, 0].tolist() == [0, -11]


def test_bank_holding_40_percent_of_cash_fails():
    # Cash 1000 of which 40% sits in the failed bank -> 1000 x 0.6 = 600; sellable 200;
    # no inflows; outflows 300 a month over 6 months.
    # Base: gap(m) = 1200 - 300m: 0 in month 4 (covered), -300 in month 5 -> survival 5,
    #   deepest -600 in month 6. Stressed: 800 - 300m: -100 in month 3 -> survival 3,
    #   deepest 800 - 1800 = -1000 in month 6. 3-month ratio: 1200/900 -> 800/900.
    args = _one([1000.0, 1000.0 * 0.6], [200, 200], [[0.0] * 6] * 2, [[300.0] * 6] * 2)
    ratio = liquidity_ratio(*args, horizons=(3,))
    np.testing.assert_allclose(ratio[:, 0, 0], [1200 / 900, 800 / 900])
    np.testing.assert_allclose(change_vs_base(ratio, 0)[1, 0, 0], -400 / 900)
    surv = survival(*args)
    assert surv.horizon[:, 0].tolist() == [5, 3]
    assert surv.shortfall[:, 0].tolist() == [600.0, 1000.0]
    assert surv.shortfall_month[:, 0].tolist() == [6, 6]
    assert change_vs_base(surv.horizon, 0)[:, 0].tolist() == [0, -2]


def test_no_outflows_is_an_infinite_ratio_and_no_change():
    args = _one([0.0, 5.0], [0, 0], [[0.0, 0.0]] * 2, [[0.0, 0.0], [0.0, 1.0]])
    ratio = liquidity_ratio(*args, horizons=(1, 2))
    assert ratio[:, 0].tolist() == [[math.inf, math.inf], [math.inf, 5.0]]
    assert change_vs_base(ratio, 0)[:, 0].tolist() == [[0.0, 0.0], [0.0, -math.inf]]
    assert survival(*args).horizon[:, 0].tolist() == [3, 3]


@pytest.mark.parametrize("horizons", [(0,), (4,), (1, 3, 12)])
def test_horizon_beyond_the_projection_is_refused(horizons):
    args = _one([1.0], [0.0], [[0.0] * 3], [[1.0] * 3])
    with pytest.raises(AssumptionError, match="1 .. 3"):
        liquidity_ratio(*args, horizons=horizons)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="shapes"):
        survival(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((2, 1, 3)), np.zeros((2, 1, 4)))


# --- the reference, by hypothesis --------------------------------------------------------------

# Whole numbers in small ranges make exact-zero gaps and zero outflows frequent.
_amount = st.one_of(st.integers(0, 20).map(float), st.floats(0.0, 1e6, allow_nan=False))


@st.composite
def programmes(draw):
    n_s, n_p, n_m = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 14))
    grid = hnp.arrays(np.float64, (n_s, n_p, n_m), elements=_amount)
    money = hnp.arrays(np.float64, (n_s, n_p), elements=_amount)
    horizons = draw(st.lists(st.integers(1, n_m), min_size=1, max_size=3, unique=True))
    return draw(money), draw(money), draw(grid), draw(grid), tuple(horizons)


@settings(max_examples=150, deadline=None)
@given(programmes())
def test_kernels_equal_the_month_by_month_reference(case):
    cash, sellable, inflows, outflows, horizons = case
    ratio = liquidity_ratio(cash, sellable, inflows, outflows, horizons)
    surv = survival(cash, sellable, inflows, outflows)
    for (s, p), (ratios, first, deepest, month) in reference(*case).items():
        assert ratio[s, p].tolist() == ratios
        assert (surv.horizon[s, p], surv.shortfall[s, p], surv.shortfall_month[s, p]) == (
            first, deepest, month)


@settings(max_examples=100, deadline=None)
@given(programmes())
def test_survival_is_the_first_negative_month_of_the_cumulative_gap(case):
    cash, sellable, inflows, outflows, _ = case
    gap = cumulative_gap(cash, sellable, inflows, outflows)
    surv = survival(cash, sellable, inflows, outflows)
    n_m = gap.shape[2]
    for (s, p), h in np.ndenumerate(surv.horizon):
        assert (gap[s, p, :h - 1] >= 0).all()
        assert h == n_m + 1 or gap[s, p, h - 1] < 0


@settings(max_examples=100, deadline=None)
@given(programmes(), st.data())
def test_more_outflows_never_improve_any_metric(case, data):
    cash, sellable, inflows, outflows, horizons = case
    extra = data.draw(hnp.arrays(np.float64, outflows.shape, elements=_amount))
    before = (liquidity_ratio(cash, sellable, inflows, outflows, horizons),
              survival(cash, sellable, inflows, outflows))
    after = (liquidity_ratio(cash, sellable, inflows, outflows + extra, horizons),
             survival(cash, sellable, inflows, outflows + extra))
    assert (after[0] <= before[0]).all()
    assert (after[1].horizon <= before[1].horizon).all()
    assert (after[1].shortfall >= before[1].shortfall).all()


@settings(max_examples=60, deadline=None)
@given(programmes(), st.randoms(use_true_random=False))
def test_scenario_order_and_chunking_do_not_change_results(case, rnd):
    cash, sellable, inflows, outflows, horizons = case
    order = list(range(cash.shape[0]))
    rnd.shuffle(order)
    ratio = liquidity_ratio(cash, sellable, inflows, outflows, horizons)
    surv = survival(cash, sellable, inflows, outflows)
    shuffled = [a[order] for a in (cash, sellable, inflows, outflows)]
    np.testing.assert_array_equal(liquidity_ratio(*shuffled, horizons), ratio[order])
    surv_shuffled = survival(*shuffled)
    for field in ("horizon", "shortfall", "shortfall_month"):
        np.testing.assert_array_equal(getattr(surv_shuffled, field), getattr(surv, field)[order])
    # one scenario at a time (a chunk of 1) gives the same rows
    for s in range(cash.shape[0]):
        one = [a[s:s + 1] for a in (cash, sellable, inflows, outflows)]
        np.testing.assert_array_equal(liquidity_ratio(*one, horizons)[0], ratio[s])
        np.testing.assert_array_equal(survival(*one).horizon[0], surv.horizon[s])


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.one_of(_amount, st.just(math.inf))), st.data())
def test_change_vs_base_is_the_difference_with_the_base_row(metric, data):
    base = data.draw(st.integers(0, metric.shape[0] - 1))
    change = change_vs_base(metric, base)
    assert (change[base] == 0).all()
    finite = np.isfinite(metric) & np.isfinite(metric[base])
    with np.errstate(invalid="ignore"):
        expected = metric - metric[base]
    np.testing.assert_array_equal(change[finite], expected[finite])
    assert not np.isnan(change).any()
