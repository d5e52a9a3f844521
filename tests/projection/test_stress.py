"""Stress kernel (reserva.projection.stress): one test per shock type of the registry, each
stressed figure worked by hand from a small hand-made base (the arithmetic in a comment), TV-21
under a short-term factor shock, and identities and metamorphic properties (the empty scenario
is the base, a stronger shock never improves liquidity, chunking and order change nothing, the
survival horizon is the first negative month of the stressed gap, the programme sums its
products, ``scaled``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.projection.grid import LINES
from reserva.projection.stress import METRICS, PER_HORIZON, StressOptions, run_stress, scaled
from reserva.vocab import SHOCK_TYPES
from tests.projection.stress_fixtures import (
    catalog,
    hand_base,
    holdings,
    rich_base,
    rich_sum_at_risk,
    scenario,
)

H = (1, 3, 12)
M = 12
# TV-21's 3-month factors (spec TV-21, E2 L3242-3300)
TV21 = {"upr": 0.25, "ocs": 1.0, "ibnr": 0.5, "alr": 0.05, "other_liabilities": 0.75}


def flat(*amounts: float) -> np.ndarray:
    """[product, month]: one amount a month per product."""
    return np.array([[float(a)] * M for a in amounts])


def months(*amounts: float) -> np.ndarray:
    """[1, month]: the first months' amounts given, 0 after."""
    out = np.zeros((1, M))
    out[0, :len(amounts)] = amounts
    return out


def row(shock_type: str, value: float, unit: str, **kw) -> dict:
    return {"shock_type": shock_type, "value": value, "unit": unit, **kw}


def run(base, *scenarios, factors=None, sum_at_risk=None, **kw):
    options = StressOptions(horizons=H, factors_by_horizon=factors or {}, **kw)
    return run_stress(base, scenarios, options, sum_at_risk=sum_at_risk)


def one(base, *rows, **kw):
    """The result of one scenario made of ``rows``."""
    return run(base, scenario(*rows), **kw)


def at(r, name, h=None, s=0) -> np.ndarray:
    """[column] of a metric of scenario ``s`` (a per-horizon one at ``h``)."""
    return r.metric(name, h)[s]


def base_at(r, name, h=None) -> np.ndarray:
    b = r.base[name]
    return b[:, r.horizons.index(h)] if name in PER_HORIZON else b


def approx(*x):
    return pytest.approx(np.array(x, dtype=np.float64), rel=1e-12)


# ------------------------------------------------------------------------------ claims


def test_claims_frequency_settled_by_the_pattern():
    # occurred 100 a month paid half in the month, half the next; expenses 50 a month; cash 950.
    # Base claims paid 50, 100, 100, ... (month 12: 100 + the 50 falling after it).
    # Frequency x1.5 in months 2-3: occurred 100, 150, 150, 100 -> paid 50, 125, 150, 125, 100.
    b = hand_base(lines={"expenses": flat(50)}, claims_occurred=flat(100),
                  settlement=((0.5, 0.5),), cash=(950.0,), admitted_assets=(2000.0,),
                  liabilities=(1000.0,))
    r = one(b, row("claims_frequency", 1.5, "multiplier", start_month=2, duration_months=2))
    # OUT(1) = 50 + 50 = 100 (unchanged); OUT(3) = (50 + 125 + 150) + 150 = 475, base 400
    assert at(r, "outflows", 3) == approx(475.0, 475.0)
    assert at(r, "liquidity_ratio", 1) == approx(9.5, 9.5)
    assert at(r, "liquidity_ratio", 3) == approx(2.0, 2.0)  # 950 / 475
    assert base_at(r, "liquidity_ratio", 3) == approx(2.375, 2.375)  # 950 / 400
    # no inflows: the net ratio is the ratio
    assert at(r, "net_liquidity_ratio", 3) == approx(2.0, 2.0)
    # cumulative outflows 100, 275, 475, 650, 800, 950, 1100: gap(6) = 0 covered, gap(7) < 0;
    # to month 12: claims 1200 + 100, expenses 600 -> gap 950 - 1900 = -950 (base -850)
    assert at(r, "survival_horizon").tolist() == [7.0, 7.0]
    assert at(r, "shortfall") == approx(950.0, 950.0)
    assert base_at(r, "shortfall") == approx(850.0, 850.0)
    assert at(r, "shortfall_month").tolist() == [12.0, 12.0]
    # solvency: (2000 - 100 more claims) / 1000
    assert at(r, "solvency_ratio") == approx(1.9, 1.9)
    assert base_at(r, "solvency_ratio") == approx(2.0, 2.0)


def test_claims_severity_with_a_linear_profile_times_the_frequency():
    # occurred 100 a month, paid at once; cash 980, B01 1000, liabilities 500.
    # Severity 2 rising over 2 months (linear_in: w = 1/2, 1): factors 1.5, 2; frequency 1.2 in
    # month 2 only: 2 x 1.2 = 2.4. Claims 150, 240, 100.
    b = hand_base(claims_occurred=flat(100), cash=(980.0,), admitted_assets=(1000.0,),
                  liabilities=(500.0,))
    r = one(b, row("claims_severity", 2.0, "multiplier", profile="linear_in",
                   duration_months=2),
            row("claims_frequency", 1.2, "multiplier", start_month=2, duration_months=1))
    assert at(r, "outflows", 1) == approx(150.0, 150.0)
    assert at(r, "outflows", 3) == approx(490.0, 490.0)  # 150 + 240 + 100
    assert at(r, "liquidity_ratio", 3) == approx(2.0, 2.0)  # 980 / 490
    # solvency: (1000 - (50 + 140)) / 500 = 1.62
    assert at(r, "solvency_ratio") == approx(1.62, 1.62)


def _two_health(**kw):
    # P1 occurs 100 a month, P2 300, both paid half in the month and half the next
    return hand_base(products=("P1", "P2"), kinds=("health", "health"),
                     claims_occurred=flat(100, 300), settlement=((0.5, 0.5), (0.5, 0.5)),
                     cash=(700.0, 2100.0), admitted_assets=(1000.0, 3000.0),
                     liabilities=(500.0, 1500.0), **kw)


def test_catastrophe_claims_shared_by_expected_claims_and_settled_over_two_months():
    b = _two_health()
    r = run(b, scenario(row("catastrophe_claims", 800.0, "amount", start_month=3,
                            duration_months=1), scenario_id="m3"),
            scenario(row("catastrophe_claims", 800.0, "amount", start_month=3,
                         duration_months=2), scenario_id="m3_4"),
            scenario(row("catastrophe_claims", 800.0, "amount", start_month=12,
                         duration_months=1), scenario_id="m12"))
    # shares by expected claims over the horizon: P1 1200 / 4800 = 1/4 -> 200, P2 600.
    # m3: P1 occurs 200 more in month 3, paid 100 in month 3, 100 in month 4.
    # Base paid to month 3: P1 50 + 100 + 100 = 250, P2 750, ALL 1000.
    # OUT(3): P1 250 + 100 = 350, P2 750 + 300 = 1050, ALL 1400
    assert at(r, "outflows", 3, 0) == approx(350.0, 1050.0, 1400.0)
    assert at(r, "liquidity_ratio", 3, 0) == approx(2.0, 2.0, 2.0)  # 700/350, 2100/1050
    assert base_at(r, "liquidity_ratio", 3) == approx(2.8, 2.8, 2.8)  # 700/250, ...
    # to month 12 the whole catastrophe is paid: OUT(12) base 1200, 3600 -> 1400, 4200
    assert at(r, "outflows", 12, 0) == approx(1400.0, 4200.0, 5600.0)
    # m3_4: P1's 200 occur 100 in month 3 and 100 in month 4: paid 50 in month 3 ->
    # OUT(3) = 250 + 50 = 300; P2: 750 + 150 = 900
    assert at(r, "outflows", 3, 1) == approx(300.0, 900.0, 1200.0)
    # m12: occurred in month 12, its lag-1 half falls after the horizon -> all in month 12
    assert at(r, "outflows", 3, 2) == approx(250.0, 750.0, 1000.0)
    assert at(r, "outflows", 12, 2) == approx(1400.0, 4200.0, 5600.0)
    # solvency: P1 (1000 - 200) / 500 = 1.6, P2 (3000 - 600) / 1500 = 1.6, ALL 3200 / 2000
    assert at(r, "solvency_ratio", s=0) == approx(1.6, 1.6, 1.6)


def test_mortality_addon_on_death_benefits_and_on_claims_occurred():
    # L1 group life: death benefits 50 a month, sum at risk 1,200,000; H1 health: occurred 100
    # a month paid half and half, sum at risk 240,000 (a non-life add-on is settled).
    b = hand_base(products=("L1", "H1"), kinds=("group_life", "health"),
                  lines={"death_benefits": np.vstack([flat(50), np.zeros((1, M))])},
                  claims_occurred=np.vstack([np.zeros((1, M)), flat(100)]),
                  settlement=((1.0,), (0.5, 0.5)), cash=(3300.0, 1000.0))
    sar = np.vstack([np.full(M, 1.2e6), np.full(M, 2.4e5), np.full(M, 1.44e6)])
    r = run(b, scenario(row("mortality_addon", 0.5, "pp", product_kind="group_life"),
                        scenario_id="life"),
            scenario(row("mortality_addon", 0.5, "pp"), scenario_id="all"), sum_at_risk=sar)
    # L1: + 0.5 / 100 / 12 x 1,200,000 = 500 a month: OUT(3) = 3 x (50 + 500) = 1650
    # H1 untouched by "life": 50 + 100 + 100 = 250; ALL 1900
    assert at(r, "outflows", 3, 0) == approx(1650.0, 250.0, 1900.0)
    assert at(r, "liquidity_ratio", 3, 0) == approx(2.0, 4.0, 4300.0 / 1900.0)
    # "all": H1 occurs 0.5 / 100 / 12 x 240,000 = 100 more a month, paid 50, 100, 100 ->
    # OUT(3) = 250 + 250 = 500
    assert at(r, "outflows", 3, 1) == approx(1650.0, 500.0, 2150.0)
    assert at(r, "liquidity_ratio", 3, 1) == approx(2.0, 2.0, 4300.0 / 2150.0)


# ------------------------------------------------------------------------------ reserves


def _runoff_base():
    # OCS 300 run off 100 a month in months 6-8; expenses 50 a month; cash 600, B01 900
    return hand_base(lines={"ocs_runoff": months(0, 0, 0, 0, 0, 100, 100, 100),
                            "expenses": flat(50)},
                     ocs=(300.0,), cash=(600.0,), admitted_assets=(900.0,))


def test_faster_settlement_by_months_and_by_share():
    b = _runoff_base()
    r = run(b, scenario(row("faster_settlement", 3, "months"), scenario_id="3m"),
            scenario(row("faster_settlement", 0.5, "share", start_month=2), scenario_id="half"),
            scenario(row("faster_settlement", 3, "months", start_month=7), scenario_id="from7"))
    # 3m: run-off paid 3 months sooner, in months 3-5: OUT(3) = 150 + 100 = 250, base 150
    assert at(r, "outflows", 3, 0) == approx(250.0, 250.0)
    assert at(r, "liquidity_ratio", 3, 0) == approx(2.4, 2.4)  # 600 / 250
    assert base_at(r, "liquidity_ratio", 3) == approx(4.0, 4.0)  # 600 / 150
    assert at(r, "outflows", 12, 0) == approx(900.0, 900.0)  # 600 + 300 kept
    # cumulative outflows 50, 100, 250, 400, 550, 600, 650: gap(7) = -50 -> 7 (base: 50 x 7 +
    # 200 = 550 at month 7, 700 at month 8 -> 8); deepest at month 12: 600 - 900
    assert at(r, "survival_horizon", s=0).tolist() == [7.0, 7.0]
    assert base_at(r, "survival_horizon").tolist() == [8.0, 8.0]
    assert at(r, "shortfall", s=0) == approx(300.0, 300.0)
    # half: half of the 300 due from month 2 is paid in month 2, the rest 50 in months 6-8:
    # OUT(3) = 150 + 150 = 300
    assert at(r, "outflows", 3, 1) == approx(300.0, 300.0)
    assert at(r, "liquidity_ratio", 3, 1) == approx(2.0, 2.0)
    # from7: sooner but not before month 7: month 6 keeps 100, month 7 takes 100 + 100.
    # OUT(3) unchanged; cumulative to month 7: 350 + 100 + 200 = 650 > 600 -> survival 7
    assert at(r, "outflows", 3, 2) == approx(150.0, 150.0)
    assert at(r, "survival_horizon", s=2).tolist() == [7.0, 7.0]
    # timing only: no cost, the solvency ratio is the base's 900 / 300
    assert r.metric("solvency_ratio") == approx(*[[3.0, 3.0]] * 3)


def test_reserve_deficiency_share_and_multiplier_strengthen_the_reserves():
    # OCS 300 paid 100 a month in months 1-3, IBNR 100 in month 4; other liabilities 600
    # (liabilities 1000); B01 1500, cash 720.
    b = hand_base(lines={"ocs_runoff": months(100, 100, 100), "ibnr_runoff": months(0, 0, 0, 100)},
                  ocs=(300.0,), ibnr=(100.0,), liabilities=(1000.0,), cash=(720.0,),
                  admitted_assets=(1500.0,))
    r = run(b, scenario(row("reserve_deficiency", 0.2, "share"), scenario_id="share"),
            scenario(row("reserve_deficiency", 1.5, "multiplier"), scenario_id="mult"),
            factors={3: TV21})
    # share 0.2: run-off x 1.2: OUT(3) = 360 -> 720 / 360 = 2; base 720 / 300 = 2.4
    assert at(r, "liquidity_ratio", 3, 0) == approx(2.0, 2.0)
    assert base_at(r, "liquidity_ratio", 3) == approx(2.4, 2.4)
    # multiplier 1.5: OUT(3) = 450 -> 1.6
    assert at(r, "liquidity_ratio", 3, 1) == approx(1.6, 1.6)
    # solvency: B01 / (liabilities + strengthening of OCS + IBNR = 400):
    # 1500 / (1000 + 0.2 x 400) = 1500 / 1080; 1500 / (1000 + 0.5 x 400) = 1.25; base 1.5
    assert at(r, "solvency_ratio", s=0) == approx(1500 / 1080, 1500 / 1080)
    assert at(r, "solvency_ratio", s=1) == approx(1.25, 1.25)
    assert base_at(r, "solvency_ratio") == approx(1.5, 1.5)
    # factor method (TV-21 factors): base OCS 300 x 1 + IBNR 100 x 0.5 + other 600 x 0.75 =
    # 800 -> 0.9; share: 360 + 60 + 450 = 870; multiplier: 450 + 75 + 450 = 975
    assert base_at(r, "factor_ratio", 3) == approx(0.9, 0.9)
    assert at(r, "factor_ratio", 3, 0) == approx(720 / 870, 720 / 870)
    assert at(r, "factor_ratio", 3, 1) == approx(720 / 975, 720 / 975)


# ------------------------------------------------------------------------------ lapses


def _lapse_base(**kw):
    # premiums 100, commissions 10, claims 60 (paid at once), expenses 20, withdrawals 50 a
    # month; UPR 600 refunded at half, ALR 400 (liabilities 1000); B01 3000, cash 1176
    return hand_base(lines={"premiums": flat(100), "commissions": flat(10),
                            "expenses": flat(20), "savings_withdrawals": flat(50)},
                     claims_occurred=flat(60), upr=(600.0,), alr=(400.0,),
                     refund_factor=(0.5,), cash=(1176.0,), admitted_assets=(3000.0,), **kw)


def test_mass_lapse_refunds_and_later_flows():
    b = _lapse_base()
    r = one(b, row("mass_lapse", 0.4, "share", start_month=2), factors={3: TV21})
    # month 1: 60 + 20 + 10 + 50 = 140. From month 2 the flows x 0.6: 36 + 12 + 6 + 30 = 84,
    # and month 2 pays 0.4 x (0.5 x 600 + 400) = 280: OUT(3) = 140 + 364 + 84 = 588 (base 420)
    assert at(r, "outflows", 3) == approx(588.0, 588.0)
    # to month 12: 140 + 364 + 10 x 84 = 1344
    assert at(r, "outflows", 12) == approx(1344.0, 1344.0)
    assert at(r, "liquidity_ratio", 3) == approx(2.0, 2.0)
    assert base_at(r, "liquidity_ratio", 3) == approx(2.8, 2.8)
    # premiums 100, 60, 60: net = (1176 + 220) / 588
    assert at(r, "net_liquidity_ratio", 3) == approx(1396 / 588, 1396 / 588)
    # solvency: a lapse acts through the balance sheet only (no future margins in it): the
    # payout 280 leaves the assets, the lapsed UPR and ALR 0.4 x (600 + 400) = 400 leave the
    # liabilities: (3000 - 280) / (1000 - 400) = 2720 / 600; the surplus gains the unearned
    # premium not refunded, 0.4 x 600 x (1 - 0.5) = 120: 2000 -> 2120
    assert at(r, "solvency_ratio") == approx(2720 / 600, 2720 / 600)
    assert at(r, "surplus") == approx(2120.0, 2120.0)
    assert base_at(r, "surplus") == approx(2000.0, 2000.0)
    # factor method: base UPR 600 x 0.25 + ALR 400 x 0.05 = 170; stressed UPR 360 x 0.25 +
    # ALR 240 x 0.05 + the payout within 3 months 280 = 382
    assert base_at(r, "factor_ratio", 3) == approx(1176 / 170, 1176 / 170)
    assert at(r, "factor_ratio", 3) == approx(1176 / 382, 1176 / 382)


def test_mass_lapse_after_the_horizon_leaves_its_short_term_liabilities():
    # a lapse in month 6 has neither paid out nor removed any reserve by month 3: the 3-month
    # factor estimate is the base's (170); by month 12 it has: 382 as above
    b = _lapse_base()
    r = run(b, scenario(row("mass_lapse", 0.4, "share", start_month=6)),
            factors={3: TV21, 12: TV21})
    assert at(r, "factor_ratio", 3) == approx(1176 / 170, 1176 / 170)
    assert at(r, "factor_ratio", 12) == approx(1176 / 382, 1176 / 382)


def test_expense_fixed_share_keeps_the_fixed_part_after_a_mass_lapse():
    # expenses 100 a month, a lapse of 0.4 in month 1: variable expenses x 0.6
    b = hand_base(lines={"expenses": flat(100)}, cash=(420.0,))
    r = run(b, scenario(row("mass_lapse", 0.4, "share"), scenario_id="lapse"),
            scenario(row("mass_lapse", 0.4, "share"), row("expense_fixed_share", 0.25, "share"),
                     scenario_id="fixed"),
            scenario(row("expense_fixed_share", 0.25, "share"), scenario_id="alone"))
    # all variable: 60 a month -> OUT(3) = 180; fixed 1/4: 100 x (0.25 + 0.75 x 0.6) = 70 ->
    # 210 -> 420 / 210 = 2; a fixed share alone changes nothing (300)
    assert r.metric("outflows", 3) == approx([180.0, 180.0], [210.0, 210.0], [300.0, 300.0])
    assert at(r, "liquidity_ratio", 3, 1) == approx(2.0, 2.0)


def test_lapse_rate_multiplier():
    # annual lapse 1 - 0.9^12: monthly u = 0.1; x 2 -> u' = 0.2, in force r = 1, 0.8 / 0.9,
    # (0.8 / 0.9)^2. Premiums 81 -> 81, 72, 64; refunds 9 x r x u' / u = 18, 16, 128 / 9.
    b = hand_base(lines={"premiums": flat(81), "refunds": flat(9)}, lapse_rate=(1 - 0.9**12,),
                  cash=(434.0,))
    r = one(b, row("lapse_rate", 2.0, "multiplier"))
    # OUT(3) = 18 + 16 + 128 / 9 = 434 / 9 -> 434 / (434 / 9) = 9; base 434 / 27
    assert at(r, "outflows", 3) == pytest.approx([434 / 9] * 2, rel=1e-12)
    assert at(r, "liquidity_ratio", 3) == pytest.approx([9.0] * 2, rel=1e-12)
    assert at(r, "liquidity_ratio", 1) == pytest.approx([434 / 18] * 2, rel=1e-12)
    # net: (434 + 81 + 72 + 64) / (434 / 9) = 651 x 9 / 434 = 13.5
    assert at(r, "net_liquidity_ratio", 3) == pytest.approx([13.5] * 2, rel=1e-12)


def test_savings_withdrawals_share_and_multiplier_keep_the_total():
    b = hand_base(lines={"savings_withdrawals": flat(100)}, cash=(1050.0,))
    r = run(b, scenario(row("savings_withdrawals", 0.25, "share", start_month=2,
                            duration_months=1), scenario_id="share"),
            scenario(row("savings_withdrawals", 3.0, "multiplier", start_month=2,
                         duration_months=1), scenario_id="mult"))
    # share: month 2 pays 1/4 of the 1100 still to go at once, the rest x 3/4:
    # 100, 75 + 275 = 350, 75, ... -> OUT(3) = 525, OUT(12) = 100 + 350 + 10 x 75 = 1200
    assert at(r, "outflows", 3, 0) == approx(525.0, 525.0)
    assert at(r, "liquidity_ratio", 3, 0) == approx(2.0, 2.0)
    # multiplier 3: month 2 takes 200 more from the 1000 of months 3-12 (x 0.8):
    # 100, 300, 80, ... -> OUT(3) = 480, OUT(12) = 100 + 300 + 800 = 1200
    assert at(r, "outflows", 3, 1) == approx(480.0, 480.0)
    assert at(r, "liquidity_ratio", 3, 1) == approx(1050 / 480, 1050 / 480)
    assert r.metric("outflows", 12) == approx([1200.0, 1200.0], [1200.0, 1200.0])


# ------------------------------------------------------------------------------ premiums


def _premium_base():
    # premiums of 100 a month, expenses 60 a month, cash 100; B01 1000, liabilities 500
    return hand_base(lines={"premiums": flat(100), "expenses": flat(60)}, cash=(100.0,),
                     admitted_assets=(1000.0,), liabilities=(500.0,))


def test_premium_delay_the_issues_example():
    r = one(_premium_base(), row("premium_delay", 2, "months"))
    # premiums received 0, 0, 100, ... (month 12: its own and those of months 10 and 11).
    # gap: month 1 100 - 60 = 40, month 2 100 - 120 = -20, month 3 200 - 180 = 20, then up
    assert at(r, "survival_horizon").tolist() == [2.0, 2.0]
    assert at(r, "shortfall") == approx(20.0, 20.0)
    assert at(r, "shortfall_month").tolist() == [2.0, 2.0]
    # base gap 100 + 40 m: never negative
    assert base_at(r, "survival_horizon").tolist() == [13.0, 13.0]
    assert base_at(r, "shortfall") == approx(0.0, 0.0)
    # outflows only: unchanged 100 / 180; net (100 + 100) / 180 (base (100 + 300) / 180)
    assert at(r, "liquidity_ratio", 3) == approx(100 / 180, 100 / 180)
    assert at(r, "net_liquidity_ratio", 3) == approx(200 / 180, 200 / 180)
    assert base_at(r, "net_liquidity_ratio", 3) == approx(400 / 180, 400 / 180)
    # every premium still comes in within the projection: no cost
    assert at(r, "solvency_ratio") == approx(2.0, 2.0)
    # breaches: 3 and 12 months (100 / 180, 100 / 720 < 1; 1 month 100 / 60 is not), and the
    # survival horizon 2 within the longest horizon 12
    assert r.breaches()[0].tolist() == ["liquidity 3m; liquidity 12m; survival"] * 2


def test_premium_shortfall():
    r = one(_premium_base(), row("premium_shortfall", 1.0, "share", duration_months=3))
    # no premiums in months 1-3: gap 40, -20, -80, then -40, 0 (covered), 40, ...
    assert at(r, "survival_horizon").tolist() == [2.0, 2.0]
    assert at(r, "shortfall") == approx(80.0, 80.0)
    assert at(r, "shortfall_month").tolist() == [3.0, 3.0]
    # net: (100 + 0) / 180; to month 12 (100 + 900) / 720
    assert at(r, "net_liquidity_ratio", 3) == approx(100 / 180, 100 / 180)
    assert at(r, "net_liquidity_ratio", 12) == approx(1000 / 720, 1000 / 720)
    assert at(r, "liquidity_ratio", 3) == approx(100 / 180, 100 / 180)
    # 300 of premiums lost: (1000 - 300) / 500
    assert at(r, "solvency_ratio") == approx(1.4, 1.4)


def test_new_business_with_the_claims_frequency():
    # new business premiums 50 a month; its claims occur 20 a month paid half and half, plus
    # 5 a month of commissions: outgo 15, 25, 25, ..., 35 (month 12). Cash 360.
    from reserva.projection.grid import settle

    nb = flat(20)
    b = hand_base(lines={"new_business_premiums": flat(50),
                         "new_business_outgo": settle(nb, [(0.5, 0.5)]) + 5.0},
                  new_business_occurred=nb, settlement=((0.5, 0.5),), cash=(360.0,),
                  admitted_assets=(1000.0,), liabilities=(500.0,))
    r = one(b, row("new_business", 2.0, "multiplier"),
            row("claims_frequency", 1.5, "multiplier"))
    # claims x 2 x 1.5 = 3: paid 30, 60, 60; commissions x 2: 10 -> 40, 70, 70: OUT(3) = 180
    assert at(r, "outflows", 3) == approx(180.0, 180.0)
    assert base_at(r, "outflows", 3) == approx(65.0, 65.0)
    assert at(r, "liquidity_ratio", 3) == approx(2.0, 2.0)
    # premiums x 2 = 100 a month: net (360 + 300) / 180
    assert at(r, "net_liquidity_ratio", 3) == approx(660 / 180, 660 / 180)
    # solvency: new business's margin is not on the balance sheet (module docstring), so
    # neither the doubled sales nor their claims move it: 1000 / 500
    assert at(r, "solvency_ratio") == approx(2.0, 2.0)


# ------------------------------------------------------------------------------ expenses


def test_expenses_multiplier_and_amount():
    # P1 expenses 80 a month, P2 240 (P16 per month the same); cash 600 and 1620
    b = hand_base(products=("P1", "P2"), kinds=("health", "other"),
                  lines={"expenses": flat(80, 240)}, cash=(600.0, 1620.0),
                  admitted_assets=(1000.0, 4000.0), liabilities=(200.0, 800.0),
                  expenses_per_month=(80.0, 240.0))
    r = run(b, scenario(row("expenses", 1.25, "multiplier"), scenario_id="mult"),
            scenario(row("expenses", 40.0, "amount"), scenario_id="amount"),
            factors={3: TV21})
    # mult: 100 and 300 a month: OUT(3) = 300, 900 -> 600 / 300 = 2, 1620 / 900 = 1.8
    assert at(r, "outflows", 3, 0) == approx(300.0, 900.0, 1200.0)
    assert at(r, "liquidity_ratio", 3, 0) == approx(2.0, 1.8, 2220 / 1200)
    # amount 40 a month shared by base expenses 1/4, 3/4: 10 and 30 more a month:
    # OUT(3) = 270, 810, 1080
    assert at(r, "outflows", 3, 1) == approx(270.0, 810.0, 1080.0)
    assert at(r, "liquidity_ratio", 3, 1) == approx(600 / 270, 2.0, 2220 / 1080)
    # solvency: P1 12 x 10 = 120 more -> (1000 - 120) / 200 = 4.4; P2 12 x 30 = 360 ->
    # (4000 - 360) / 800 = 4.55; ALL 480 -> (5000 - 480) / 1000 = 4.52
    assert at(r, "solvency_ratio", s=1) == approx(4.4, 4.55, 4.52)
    # factor method, other liabilities x 0.75 (150, 600) and the expense add-on 3 x P16 a
    # month (240, 720): base 390, 1320, ALL 750 + 960 = 1710
    assert base_at(r, "factor_ratio", 3) == approx(600 / 390, 1620 / 1320, 2220 / 1710)
    # mult: the add-on x the mean expense factor 1.25: 150 + 300 = 450, 600 + 900 = 1500,
    # ALL 1710 + 60 + 180 = 1950
    assert at(r, "factor_ratio", 3, 0) == approx(600 / 450, 1620 / 1500, 2220 / 1950)
    # amount: e = 270 / 240 = 810 / 720 = 1.125: 150 + 270 = 420, 600 + 810 = 1410,
    # ALL 1710 + 30 + 90 = 1830
    assert at(r, "factor_ratio", 3, 1) == approx(600 / 420, 1620 / 1410, 2220 / 1830)


# ------------------------------------------------------------------------------ assets


def _asset_base(**kw):
    # P1 holds cash 400 at BankA and 600 at BankB, a government bond (B01 500, convertible 450
    # after the set's haircut, D 4, C 20, coupons 10 a month); the programme alone holds 100
    # more cash at BankA. Expenses 200 a month; liabilities 1000.
    pos = holdings(
        M,
        {"product": 0, "asset_class": "cash", "counterparty": "BankA", "admitted": 400,
         "liquid": 400},
        {"product": 0, "asset_class": "cash", "counterparty": "BankB", "admitted": 600,
         "liquid": 600},
        {"product": 0, "asset_class": "government_bond", "counterparty": "Treasury",
         "admitted": 500, "convertible": 450, "duration": 4.0, "convexity": 20.0,
         "flows": 10.0},
        {"product": -1, "asset_class": "cash", "counterparty": "BankA", "admitted": 100,
         "liquid": 100},
    )
    return hand_base(lines={"expenses": flat(200)}, cash=(1000.0, 1100.0),
                     convertible=(450.0, 450.0), admitted_assets=(1500.0, 1600.0),
                     liabilities=(1000.0, 1000.0), positions=pos, **kw)


def test_issuer_default_of_a_bank_holding_40_percent_of_the_cash():
    r = one(_asset_base(), row("issuer_default", 1.0, "share", counterparty="BankA"))
    # P1 loses its 400 at BankA (40% of its cash): 1000 - 400 + 450 = 1050 over OUT(3) 600;
    # the programme also loses its own 100: 1100 - 500 + 450 = 1050
    assert at(r, "liquid_assets") == approx(1050.0, 1050.0)
    assert at(r, "liquidity_ratio", 3) == approx(1.75, 1.75)
    assert base_at(r, "liquidity_ratio", 3) == approx(1450 / 600, 1550 / 600)
    # solvency: (1500 - 400) / 1000, (1600 - 500) / 1000
    assert at(r, "solvency_ratio") == approx(1.1, 1.1)


def test_issuer_default_cuts_value_from_its_start_month():
    r = one(_asset_base(), row("issuer_default", 0.5, "share", counterparty="Treasury",
                               start_month=4))
    # the Treasury bonds are in the numerator (convertible 450, sold at once), so their
    # coupons are not inflows too. The default halves them from month 4: the numerator is
    # 1450 (1550) at months 1-3, then 1450 - 225 = 1225 (1325)
    assert at(r, "liquid_assets") == approx(1450.0, 1550.0)
    assert at(r, "liquidity_ratio", 3) == approx(1450 / 600, 1550 / 600)
    assert at(r, "liquidity_ratio", 12) == approx(1225 / 2400, 1325 / 2400)
    assert at(r, "net_liquidity_ratio", 3) == approx(1450 / 600, 1550 / 600)
    # survival: the gap 1450 - 200 m, less 225 from month 4, first negative at month 7
    # (1450 - 1400 - 225); the base's at month 8 (1450 - 1600); the programme's the same
    assert at(r, "survival_horizon").tolist() == [7.0, 7.0]
    assert base_at(r, "survival_horizon").tolist() == [8.0, 8.0]
    # within the one-year view: admitted 500 x 0.5 lost
    assert at(r, "solvency_ratio") == approx(1.25, 1.35)
    # a default after the year moves neither the year's solvency nor the first months
    late = one(_asset_base(), row("issuer_default", 0.5, "share", counterparty="Treasury",
                                  start_month=13))
    assert at(late, "solvency_ratio") == approx(1.5, 1.6)
    assert at(late, "liquidity_ratio", 12) == approx(1450 / 2400, 1550 / 2400)


def test_coupons_of_holdings_not_in_the_numerator_are_inflows_and_a_default_cuts_them():
    pos = holdings(M, {"product": 0, "asset_class": "corporate_bond", "counterparty": "Corp",
                       "admitted": 500, "duration": 4.0, "convexity": 20.0, "flows": 10.0})
    b = hand_base(lines={"expenses": flat(200)}, cash=(1000.0,), admitted_assets=(1500.0,),
                  liabilities=(1000.0,), positions=pos)
    r = one(b, row("issuer_default", 0.5, "share", counterparty="Corp", start_month=4))
    # not convertible: its coupons 10 a month are inflows; halved from month 4:
    # IN(12) = 30 + 9 x 5 = 75 (base 120); the numerator is cash only, 1000
    assert at(r, "net_liquidity_ratio", 12) == approx(1075 / 2400, 1075 / 2400)
    assert base_at(r, "net_liquidity_ratio", 12) == approx(1120 / 2400, 1120 / 2400)


def test_asset_haircut_on_convertible_bonds():
    b = _asset_base()
    r = one(b, row("asset_haircut", 0.2, "share", asset_class="government_bond"))
    # convertible 450 x 0.8 = 360: 1000 + 360 = 1360 over 600; admitted loses 100
    assert at(r, "liquid_assets") == approx(1360.0, 1460.0)
    assert at(r, "liquidity_ratio", 3) == approx(1360 / 600, 1460 / 600)
    assert at(r, "solvency_ratio") == approx(1.4, 1.5)
    # without the convertible assets in the numerator the haircut leaves the ratio alone
    r = one(b, row("asset_haircut", 0.2, "share", asset_class="government_bond"),
            include_convertible=False)
    assert at(r, "liquidity_ratio", 3) == approx(1000 / 600, 1100 / 600)
    assert at(r, "solvency_ratio") == approx(1.4, 1.5)


def test_rate_shift_duration_and_convexity():
    b = _asset_base()
    r = run(b, scenario(row("rate_shift", 100.0, "bp"), scenario_id="up"),
            scenario(row("rate_shift", -100.0, "bp"), scenario_id="down"))
    # dy = 0.01: 1 - 4 x 0.01 + 20 x 0.0001 / 2 = 0.961 (cash has no duration):
    # convertible 450 x 0.961 = 432.45, admitted 500 x 0.039 = 19.5 lost
    assert at(r, "liquid_assets", s=0) == approx(1432.45, 1532.45)
    assert at(r, "solvency_ratio", s=0) == approx(1.4805, 1.5805)
    # dy = -0.01: 1 + 0.04 + 0.001 = 1.041 -> 468.45
    assert at(r, "liquid_assets", s=1) == approx(1468.45, 1568.45)


# ------------------------------------------------------------------------------ reinsurance


def _reinsured(**kw):
    # recoveries 30 a month, expenses 100 a month; cash 150, B01 2000, liabilities 1000,
    # recoverable 400
    return hand_base(lines={"expenses": flat(100)}, reinsurance=flat(30), cash=(150.0,),
                     admitted_assets=(2000.0,), liabilities=(1000.0,),
                     reinsurance_recoverable=(400.0,), **kw)


def test_reinsurance_delay():
    r = one(_reinsured(), row("reinsurance_delay", 2, "months"))
    # recoveries 0, 0, 30, ...: net (150 + 30) / 300 (base (150 + 90) / 300)
    assert at(r, "net_liquidity_ratio", 3) == approx(0.6, 0.6)
    assert base_at(r, "net_liquidity_ratio", 3) == approx(0.8, 0.8)
    # gap: base 150 - 70 m -> 80, 10, -60: 3; stressed 50, -50: 2
    assert base_at(r, "survival_horizon").tolist() == [3.0, 3.0]
    assert at(r, "survival_horizon").tolist() == [2.0, 2.0]
    # all still received by month 12: same deepest gap 150 + 360 - 1200 = -690, no cost
    assert at(r, "shortfall") == approx(690.0, 690.0)
    assert at(r, "solvency_ratio") == approx(2.0, 2.0)


def test_reinsurer_default_on_recoveries_and_recoverable():
    r = one(_reinsured(), row("reinsurer_default", 0.5, "share"))
    # recoveries 15 a month: net (150 + 45) / 300
    assert at(r, "net_liquidity_ratio", 3) == approx(0.65, 0.65)
    # solvency: (2000 - 0.5 x 400 recoverable - 12 x 15 recoveries lost) / 1000 = 1.62
    assert at(r, "solvency_ratio") == approx(1.62, 1.62)


def test_grant_stop_share_and_amount():
    # grants 50 a month, expenses 100 a month; cash 300, B01 2000, liabilities 1000
    b = hand_base(lines={"expenses": flat(100)}, grants=flat(50), cash=(300.0,),
                  admitted_assets=(2000.0,), liabilities=(1000.0,))
    r = run(b, scenario(row("grant_stop", 1.0, "share", start_month=4), scenario_id="stop"),
            scenario(row("grant_stop", 20.0, "amount"), scenario_id="less"),
            scenario(row("grant_stop", 80.0, "amount"), scenario_id="more"))
    # stop from month 4: IN(12) = 150 -> (300 + 150) / 1200 (base (300 + 600) / 1200)
    assert at(r, "net_liquidity_ratio", 12, 0) == approx(0.375, 0.375)
    assert base_at(r, "net_liquidity_ratio", 12) == approx(0.75, 0.75)
    # gap 300 + 50 min(m, 3) - 100 m: 150 at month 3, 50, -50 at month 5 (base 300 - 50 m:
    # 0 at month 6 is covered, -50 at month 7)
    assert at(r, "survival_horizon", s=0).tolist() == [5.0, 5.0]
    assert base_at(r, "survival_horizon").tolist() == [7.0, 7.0]
    # 9 x 50 lost: (2000 - 450) / 1000
    assert at(r, "solvency_ratio", s=0) == approx(1.55, 1.55)
    # 20 less a month: 30 -> (300 + 90) / 300; 80 less: never below 0 -> 300 / 300
    assert at(r, "net_liquidity_ratio", 3, 1) == approx(1.3, 1.3)
    assert at(r, "net_liquidity_ratio", 3, 2) == approx(1.0, 1.0)
    assert at(r, "solvency_ratio", s=2) == approx(1.4, 1.4)  # all 600 lost


# ------------------------------------------------------------------------------ TV-21


def _tv21_base():
    # one product: UPR 1,000,000, OCS 300,000, IBNR 500,000, ALR 2,000,000 and 1,000,000 of
    # other liabilities (4,800,000); cash 960,000; no expense add-on
    return hand_base(upr=(1e6,), ocs=(3e5,), ibnr=(5e5,), alr=(2e6,), liabilities=(4.8e6,),
                     cash=(960_000.0,), admitted_assets=(5e6,), lines={"expenses": flat(0)},
                     expenses_per_month=(0.0,))


def test_short_term_factor_tv21():
    r = one(_tv21_base(), row("short_term_factor", 1.2, "multiplier"), factors={3: TV21})
    # base: 250,000 + 300,000 + 250,000 + 100,000 + 750,000 = 1,650,000 (TV-21)
    assert base_at(r, "factor_ratio", 3) == approx(960_000 / 1_650_000, 960_000 / 1_650_000)
    # x 1.2: factors 30 / 100 (capped) / 60 / 6 / 90%: 300,000 + 300,000 + 300,000 + 120,000
    # + 900,000 = 1,920,000
    assert at(r, "factor_ratio", 3) == approx(0.5, 0.5)  # 960,000 / 1,920,000
    # horizons without factors: undefined
    assert np.isnan(at(r, "factor_ratio", 1)).all()
    # the factor shock moves nothing else
    for name in ("liquid_assets", "solvency_ratio", "survival_horizon", "shortfall"):
        np.testing.assert_array_equal(at(r, name), base_at(r, name))


# ------------------------------------------------------------------------------ identities


def test_every_shock_type_has_a_test_here():
    # (``none``: test_a_scenario_without_shocks_is_the_base)
    names = [n for n in globals() if n.startswith("test_")]
    for t in SHOCK_TYPES:
        assert t == "none" or any(t in n for n in names), t
    assert {s.shocks[0].shock_type for s in catalog() if s.shocks} == set(SHOCK_TYPES)


def _rich(scenarios, **kw):
    return run(rich_base(), *scenarios, factors={3: TV21, 12: TV21},
               sum_at_risk=rich_sum_at_risk(), **kw)


def test_a_scenario_without_shocks_is_the_base():
    sc = catalog()
    ids = [s.scenario_id for s in sc]
    r = _rich(sc)
    for k in (ids.index("only_none"), ids.index("empty")):
        for name in METRICS:
            np.testing.assert_array_equal(r.values[name][k], r.base[name], err_msg=name)
    # and the base is the close's position: cash + convertible over the base's outflows
    b = rich_base()
    out = np.cumsum(b.grid[:, ~np.array([d == "in" for _, d in LINES])].sum(axis=1), axis=1)
    np.testing.assert_allclose(r.base["liquidity_ratio"][:, 1],
                               (b.cash + b.convertible) / out[:, 2], rtol=1e-12)
    assert np.isfinite(r.base["factor_ratio"][:, 1]).all()
    assert np.isfinite(r.base["solvency_ratio"]).all()


def test_chunking_and_order_do_not_change_a_scenarios_results():
    sc = catalog()
    ref = _rich(sc, chunk_scenarios=len(sc))
    order = np.random.default_rng(7).permutation(len(sc))
    for chunk in (1, 2, 7, 1000):
        r = _rich([sc[i] for i in order], chunk_scenarios=chunk)
        assert r.scenario_ids == tuple(sc[i].scenario_id for i in order)
        for name in METRICS:
            np.testing.assert_array_equal(r.values[name], ref.values[name][order],
                                          err_msg=f"{name}, chunk {chunk}")
            np.testing.assert_array_equal(r.base[name], ref.base[name])


def test_every_shock_type_moves_something():
    r = _rich(catalog())
    for k, sc in enumerate(r.scenarios):
        # a fixed expense share acts only with a change of volume (a lapse)
        if not sc.shocks or sc.shocks[0].shock_type in ("none", "expense_fixed_share"):
            continue
        moved = any(not np.array_equal(r.values[n][k], r.base[n], equal_nan=True)
                    for n in METRICS)
        assert moved, sc.scenario_id


def test_the_programme_outflows_are_the_sum_of_the_products():
    r = _rich(catalog())
    out = r.values["outflows"]
    np.testing.assert_allclose(out[:, -1], out[:, :-1].sum(axis=1), rtol=1e-12)


def test_scaled_by_zero_is_the_base_and_by_one_the_scenario():
    sc = catalog()
    zero = _rich([scaled(s, 0.0) for s in sc])
    for name in METRICS:
        for k in range(len(sc)):
            np.testing.assert_array_equal(zero.values[name][k], zero.base[name],
                                          err_msg=f"{sc[k].scenario_id} {name}")
    once = [scaled(s, 1.0) for s in sc]
    for a, b in zip(sc, once, strict=True):
        assert [x.value for x in b.shocks] == pytest.approx([x.value for x in a.shocks])
        assert [x.canonical()[:6] for x in b.shocks] == [x.canonical()[:6] for x in a.shocks]
    r0, r1 = _rich(sc), _rich(once)
    for name in METRICS:
        np.testing.assert_allclose(r1.values[name], r0.values[name], rtol=1e-12, atol=1e-12)


@settings(max_examples=60)
@given(cash=st.floats(0.0, 2000.0), k=st.floats(0.5, 4.0), start=st.integers(1, M),
       short=st.floats(0.0, 1.0), delay=st.integers(0, 4))
def test_survival_is_the_first_negative_month_of_the_stressed_gap(cash, k, start, short, delay):
    # premiums 100, claims 80 paid at once, expenses 30; claims x k from ``start``, premiums
    # x (1 - short), then received ``delay`` months later (month 12 at the latest)
    b = hand_base(lines={"premiums": flat(100), "expenses": flat(30)}, claims_occurred=flat(80),
                  cash=(cash,))
    rows = [row("claims_frequency", k, "multiplier", start_month=start),
            row("premium_shortfall", short, "share")]
    if delay:
        rows.append(row("premium_delay", delay, "months"))
    r = one(b, *rows)
    claims = [80.0 * (k if m + 1 >= start else 1.0) for m in range(M)]
    received = [0.0] * M
    for m in range(M):
        received[min(m + delay, M - 1)] += 100.0 * (1.0 - short)
    # gap(m) = cash + IN(m) - OUT(m), month by month
    gaps, cum_in, cum_out = [], 0.0, 0.0
    for m in range(M):
        cum_in += received[m]
        cum_out += claims[m] + 30.0
        gaps.append(cash + cum_in - cum_out)
    first = next((m + 1 for m, g in enumerate(gaps) if g < 0), M + 1)
    deepest = min(gaps)
    if all(abs(g) > 1e-9 for g in gaps):  # a gap within rounding of 0 may fall either side
        assert at(r, "survival_horizon")[0] == first
        if deepest < 0:
            assert at(r, "shortfall_month")[0] == gaps.index(deepest) + 1
    assert at(r, "shortfall")[0] == pytest.approx(max(0.0, -deepest), abs=1e-9)


# ------------------------------------------------------------------------------ monotone


def _mono_base():
    # a health product with savings: premiums 100, claims 60 (half and half), expenses 20,
    # commissions 10, withdrawals 30 a month; UPR 600 refunded in full and ALR 3000 (more than
    # the year's 1440 of flows a lapse saves, so a lapse always costs liquidity); cash 500 and
    # a government bond (convertible 400)
    pos = holdings(
        M,
        {"product": 0, "asset_class": "cash", "admitted": 500, "liquid": 500},
        {"product": 0, "asset_class": "government_bond", "admitted": 450, "convertible": 400,
         "duration": 3.0, "convexity": 12.0, "flows": 4.0},
    )
    return hand_base(lines={"premiums": flat(100), "expenses": flat(20),
                            "commissions": flat(10), "savings_withdrawals": flat(30)},
                     claims_occurred=flat(60), settlement=((0.5, 0.5),), upr=(600.0,),
                     alr=(3000.0,), cash=(500.0,), convertible=(400.0,),
                     admitted_assets=(950.0,), positions=pos)


MONOTONE = {
    "claims_frequency": (st.floats(0.5, 4.0), "multiplier", {}),
    "premium_shortfall": (st.floats(0.0, 1.0), "share", {}),
    "asset_haircut": (st.floats(0.0, 1.0), "share", {"asset_class": "government_bond"}),
    "mass_lapse": (st.floats(0.0, 1.0), "share", {}),
    "expenses": (st.floats(0.5, 4.0), "multiplier", {}),
    "expenses_amount": (st.floats(0.0, 500.0), "amount", {}),
    "rate_shift": (st.floats(0.0, 2000.0), "bp", {}),
    "issuer_default": (st.floats(0.0, 1.0), "share", {"asset_class": "government_bond"}),
    "premium_delay": (st.integers(0, 6), "months", {}),
    "faster_settlement": (st.integers(0, 6), "months", {}),
    "reserve_deficiency": (st.floats(0.0, 1.0), "share", {}),
    "savings_withdrawals": (st.floats(0.0, 1.0), "share", {}),
    "catastrophe_claims": (st.floats(0.0, 5000.0), "amount", {}),
    "claims_severity": (st.floats(0.5, 4.0), "multiplier", {}),
}
# left out on purpose: lapse_rate (lapsing a policy whose premium is paid saves its claims and
# expenses: more lapses may leave more cash, as they would), new_business (its outgo is a
# need but its premiums come first), grant_stop / reinsurance shocks (the base has none)


@pytest.mark.parametrize("kind", sorted(MONOTONE))
@settings(max_examples=15)
@given(data=st.data(), start=st.integers(1, M),
       profile=st.sampled_from(["step", "linear_in", "linear_out"]))
def test_a_stronger_shock_never_improves_liquidity(kind, data, start, profile):
    sizes, unit, extra = MONOTONE[kind]
    a, b = sorted((data.draw(sizes), data.draw(sizes)))
    shock_type = kind.removesuffix("_amount")
    timing = {"start_month": start, "profile": profile,
              "duration_months": None if profile == "step" else 4}
    r = run(_mono_base(),
            scenario(row(shock_type, a, unit, **extra, **timing), scenario_id="weak"),
            scenario(row(shock_type, b, unit, **extra, **timing), scenario_id="strong"))
    tol = 1e-12
    for name in ("liquidity_ratio", "net_liquidity_ratio"):
        weak, strong = r.values[name][0], r.values[name][1]
        assert (strong <= weak * (1 + tol) + tol).all(), (name, weak, strong)
    assert (r.values["survival_horizon"][1] <= r.values["survival_horizon"][0]).all()
    assert (r.values["shortfall"][1] >= r.values["shortfall"][0] * (1 - tol) - tol).all()
    # the surplus never rises either (timing shocks leave it as it is)
    weak, strong = r.values["surplus"][0], r.values["surplus"][1]
    assert (strong <= weak + tol * np.abs(weak) + tol).all(), (weak, strong)


# ------------------------------------------------------------------------ distribution partners


def _partner_base():
    # premiums 100 a month, 60 of them collected by the partner MFI; expenses 60; cash 100
    return hand_base(lines={"premiums": flat(100), "expenses": flat(60)}, cash=(100.0,),
                     partners=("MFI",), partner_premiums=[flat(60)])


def test_a_premium_delay_of_one_partner_moves_its_premiums_only():
    r = one(_partner_base(), row("premium_delay", 2, "months", counterparty="MFI"))
    # received: months 1-2: 40 (direct only); month 3: 40 + 60 (the MFI's of month 1); ...;
    # month 12: 40 + 60 x 3 (the MFI's of months 10, 11 and 12, piled into the last month)
    # gap: 100 + 40 - 60 = 80, then 60, then 60 + 100 - 60 = 100, ... never negative
    assert at(r, "survival_horizon").tolist() == [13.0, 13.0]
    # net 3-month ratio: (100 + 40 + 40 + 100) / 180; base (100 + 300) / 180
    assert at(r, "net_liquidity_ratio", 3) == approx(280 / 180, 280 / 180)
    assert base_at(r, "net_liquidity_ratio", 3) == approx(400 / 180, 400 / 180)
    # 12 months: every premium received by month 12 (nothing lost): (100 + 1200) / 720
    assert at(r, "net_liquidity_ratio", 12) == approx(1300 / 720, 1300 / 720)


def test_a_premium_shortfall_of_one_partner_cuts_its_premiums_only():
    r = one(_partner_base(), row("premium_shortfall", 0.5, "share", counterparty="MFI"))
    # 100 - 0.5 x 60 = 70 a month: 3 months (100 + 210) / 180
    assert at(r, "net_liquidity_ratio", 3) == approx(310 / 180, 310 / 180)
    # the premiums never collected cost the surplus: 12 x 30 = 360 (B01 = cash 100, no
    # liabilities: the ratio is undefined, the surplus 100 - 360)
    assert at(r, "surplus") == approx(-260.0, -260.0)


def test_a_partner_the_run_does_not_know_is_refused():
    from reserva.errors import InputError

    with pytest.raises(InputError) as err:
        one(_partner_base(), row("premium_delay", 1, "months", counterparty="MFI-X"))
    (cell,) = err.value.cells
    assert (cell.column, cell.value) == ("counterparty", "MFI-X")
    assert "MFI" in cell.expected
