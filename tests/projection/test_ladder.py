"""ALM maturity ladder, PV surplus and investment-policy checks (reserva.projection.ladder)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, ComputationError
from reserva.projection.assets import convexity
from reserva.projection.ladder import (
    DEFAULT_BUCKETS,
    OPEN,
    InvestmentLimits,
    bucket_months,
    maturity_ladder,
    policy_checks,
    pv_surplus,
)


def test_default_buckets_are_the_month_ranges_of_the_brief():
    lo, hi = bucket_months(DEFAULT_BUCKETS)
    assert list(zip(lo.tolist(), hi.tolist(), strict=True)) == [
        (1, 1), (2, 3), (4, 6), (7, 12), (13, 24), (25, 36), (37, 60), (61, 120), (121, OPEN)]


@pytest.mark.parametrize("labels", [("1-3m",), ("0-1m", "2-3m"), ("0-1m", "1y+", "1-2y"),
                                    ("0-1x",), ("3-1m",)])
def test_bad_bucket_labels(labels):
    with pytest.raises(AssumptionError):
        bucket_months(labels)


_money = st.floats(0.0, 1e6, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(st.lists(_money, max_size=200), st.lists(_money, max_size=200))
def test_ladder_buckets_sum_to_the_monthly_totals(inflows, outflows):
    lad = maturity_ladder(inflows, outflows)
    assert lad.inflows.sum() == pytest.approx(math.fsum(inflows), rel=1e-12, abs=1e-6)
    assert lad.outflows.sum() == pytest.approx(math.fsum(outflows), rel=1e-12, abs=1e-6)
    np.testing.assert_allclose(lad.cumulative_gap, np.cumsum(lad.inflows - lad.outflows),
                               rtol=1e-12, atol=1e-6)
    # each bucket holds exactly its months
    for k, (a, b) in enumerate(zip(lad.month_from, lad.month_to, strict=True)):
        stop = None if b == OPEN else b
        assert lad.inflows[k] == pytest.approx(math.fsum(inflows[a - 1:stop]), rel=1e-12,
                                               abs=1e-6)


def test_ladder_hand_example():
    # months 1..13; inflows 100 in month 1, 50 in month 3, 200 in month 13;
    # outflows 80 in month 1, 0 in months 2-3, 30 in month 5, 10 in month 13
    inflow = np.zeros(13)
    outflow = np.zeros(13)
    inflow[[0, 2, 12]] = [100.0, 50.0, 200.0]
    outflow[[0, 4, 12]] = [80.0, 30.0, 10.0]
    lad = maturity_ladder(inflow, outflow)
    assert lad.inflows.tolist() == [100.0, 50.0, 0.0, 0.0, 200.0, 0, 0, 0, 0]
    assert lad.outflows.tolist() == [80.0, 0.0, 30.0, 0.0, 10.0, 0, 0, 0, 0]
    assert lad.gap.tolist() == [20.0, 50.0, -30.0, 0.0, 190.0, 0, 0, 0, 0]
    assert lad.cumulative_gap.tolist() == [20.0, 70.0, 40.0, 40.0, 230.0, 230, 230, 230, 230]
    assert lad.matching_ratio[0].value == pytest.approx(1.25)
    assert lad.matching_ratio[2].value == 0.0
    assert math.isnan(lad.matching_ratio[1].value)
    assert lad.matching_ratio[1].reason == "undefined: zero liability outflows in bucket 1-3m"
    assert lad.rows()[8]["month_to"] is None


def test_closed_ladder_refuses_flows_beyond_its_last_bucket():
    with pytest.raises(AssumptionError, match="beyond the last bucket"):
        maturity_ladder([1.0, 0.0, 0.0, 5.0], [0.0], buckets=("0-1m", "1-3m"))
    lad = maturity_ladder([1.0, 2.0, 3.0], [0.0], buckets=("0-1m", "1-3m"))
    assert lad.inflows.tolist() == [1.0, 5.0]


def test_pv_surplus_hand_example():
    # assets pay 110 at 1 year (month 12), liabilities 121 at 2 years (month 24); at 10%:
    # PV_A = 110/1.1 = 100, PV_L = 121/1.21 = 100, surplus 0;
    # D_A = 1/1.1 = 0.909091, D_L = 2/1.1 = 1.818182 (modified);
    # duration gap = D_A - (PV_L/PV_A) D_L = -0.909091
    a = np.zeros(24)
    liab = np.zeros(24)
    a[11], liab[23] = 110.0, 121.0
    s = pv_surplus(a, liab, rate=0.10)
    assert s.pv_assets == pytest.approx(100.0, abs=5e-7)
    assert s.pv_liabilities == pytest.approx(100.0, abs=5e-7)
    assert s.surplus == pytest.approx(0.0, abs=5e-7)
    assert s.duration_assets == pytest.approx(0.909091, abs=5e-7)
    assert s.duration_liabilities == pytest.approx(1.818182, abs=5e-7)
    assert s.duration_gap == pytest.approx(-0.909091, abs=5e-7)
    up, down = s.shocks
    assert (up.shock_bp, down.shock_bp) == (100.0, -100.0)
    # negative gap: liabilities longer, a rise in rates raises the surplus
    assert up.surplus > 0 > down.surplus
    # at 11%: 110/1.11 - 121/1.11^2 = 0.899278 (by hand)
    assert up.surplus == pytest.approx(110 / 1.11 - 121 / 1.11**2, abs=5e-7)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1e4), min_size=1, max_size=120),
       st.lists(st.floats(0.0, 1e4), min_size=1, max_size=120),
       st.floats(0.0, 0.12), st.sampled_from([1.0, 25.0, 100.0]))
def test_shock_moves_the_surplus_as_the_duration_gap_says(assets, liabilities, y, bp):
    a = np.asarray(assets)
    liab = np.asarray(liabilities)
    if a.sum() < 1.0:
        return
    s = pv_surplus(a, liab, rate=y, shock_bp=bp)
    dy = bp / 1e4
    # first order: dS ~ -D_gap PV_A dy; the error is second order, bounded by the convexities
    n = max(a.size, liab.size)
    t = np.arange(1, n + 1) / 12
    ca = convexity(np.pad(a, (0, n - a.size)), t, y) * s.pv_assets
    cl = (convexity(np.pad(liab, (0, n - liab.size)), t, y) * s.pv_liabilities
          if s.pv_liabilities else 0.0)
    bound = 0.5 * (ca + cl) * dy**2 * 1.2 + 1e-9 * (s.pv_assets + s.pv_liabilities)
    for sh in s.shocks:
        assert abs(sh.surplus_change - sh.first_order_change) <= bound


def test_pv_surplus_edge_cases():
    s = pv_surplus([100.0], [0.0], rate=0.05)
    assert math.isnan(s.duration_liabilities) and s.duration_gap == s.duration_assets
    with pytest.raises(ComputationError, match="asset flows is zero"):
        pv_surplus([0.0], [10.0], rate=0.05)
    # a curve: the shocks shift every zero rate
    c = pv_surplus([0.0] * 11 + [110.0], [0.0] * 23 + [121.0], curve=([1.0, 2.0], [0.1, 0.1]))
    assert c.shocks[0].surplus == pytest.approx(110 / 1.11 - 121 / 1.11**2, abs=5e-7)


# ------------------------------------------------------------------------ policy checks


def _by_name(checks):
    return {c.name: c for c in checks}


def test_real_estate_ten_percent_boundary():
    # E1 L434-435, E2 L702-703: real estate <= 10% of invested assets; invested excludes cash
    # and fixed assets: 10 / (10 + 90) = 10% exactly passes, 10.01 / 100.01 fails.
    limits = InvestmentLimits(real_estate_share=0.10)
    cls = ["real_estate", "government_bond", "cash", "fixed_assets"]
    ok = _by_name(policy_checks(cls, [10.0, 90.0, 500.0, 300.0], None, None, limits=limits))
    assert ok["real_estate_share"].value == pytest.approx(0.10)
    assert ok["real_estate_share"].passed
    bad = _by_name(policy_checks(cls, [10.01, 90.0, 500.0, 300.0], None, None, limits=limits))
    assert not bad["real_estate_share"].passed
    assert "E2 L702-703" in bad["real_estate_share"].rule


def test_no_invested_assets_is_undefined_not_a_breach():
    checks = policy_checks(["cash"], [100.0], None, None,
                           limits=InvestmentLimits(real_estate_share=0.10))
    assert checks[0].passed and math.isnan(checks[0].value)
    assert "undefined: zero invested assets" in checks[0].rule


def test_class_and_issuer_limits():
    limits = InvestmentLimits(class_shares={"equity": 0.25, "cash": 0.5},
                              single_issuer_share=0.30)
    cls = ["equity", "corporate_bond", "corporate_bond", "government_bond", "cash"]
    val = [30.0, 20.0, 15.0, 35.0, 100.0]
    iss = ["Acme", "Acme", "Beta", "Treasury", "Bank"]
    c = _by_name(policy_checks(cls, val, iss, None, limits=limits))
    assert c["class_share[equity]"].value == pytest.approx(0.30)  # 30 / 100 invested
    assert not c["class_share[equity]"].passed
    assert c["class_share[cash]"].value == pytest.approx(0.5)  # 100 / 200 total: at the limit
    assert c["class_share[cash]"].passed
    assert c["single_issuer[Acme]"].value == pytest.approx(0.50)  # 30 + 20 of 100
    assert not c["single_issuer[Acme]"].passed
    assert c["single_issuer[Beta]"].passed
    assert "single_issuer[Bank]" not in c  # cash is not an invested holding


def test_minimum_ratings():
    limits = InvestmentLimits(min_rating={"corporate_bond": "A-"})
    cls = ["corporate_bond"] * 5 + ["equity"]
    rat = ["AA", "A-", "BBB+", "Baa1", None, None]
    c = _by_name(policy_checks(cls, [1.0] * 6, None, rat, limits=limits,
                               asset_id=["b1", "b2", "b3", "b4", "b5", "e1"]))
    assert c["min_rating[b1]"].passed and c["min_rating[b2]"].passed
    assert not c["min_rating[b3]"].passed
    assert not c["min_rating[b4]"].passed and "'Baa1' is not on the scale" in c["min_rating[b4]"].rule
    assert not c["min_rating[b5]"].passed and "no rating" in c["min_rating[b5]"].rule
    assert "min_rating[e1]" not in c
    with pytest.raises(AssumptionError, match="not on the scale"):
        policy_checks(cls, [1.0] * 6, None, rat, limits=InvestmentLimits(
            min_rating={"corporate_bond": "investment grade"}))
