"""The scenario side of the model-point projection (``reserva.projection.points.economic``).

Figures worked by hand in the comments; the Monte Carlo checks use the standard error of the
mean (antithetic pairs: of the pairs' means, Glasserman 2004 §4.2), at 3 standard errors. The
end-to-end savings test compares the engine's present values with a direct computation from the
paths: with no mortality before the table's last age, no lapses and no charges, one account of
1000 in force for 120 months pays at maturity

    PV_s = 1000 x D_s(0, 120) x prod_{m < 120} (1 + max(f_{s,m}, g_m)),   g_m = (1 + g)^(1/12) - 1

(the kernel's savings recursion), and with g far below the rates every factor is 1 + f_{s,m} =
D_s(m) / D_s(m + 1), so PV_s = 1000 on every path.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from reserva.errors import ArgumentError, InputError
from reserva.io.assumptions import default_root
from reserva.projection.points import economic as ec
from reserva.projection.points.basis import Basis, DiscountCurve, ProductBasis, SelectTable
from reserva.projection.points.engine import BASE, PV_LINES, Shock, project
from reserva.projection.points.model_points import make_points

ZERO = DiscountCurve("zero", [0.02, 0.025, 0.03, 0.035])
FORWARD = DiscountCurve("forward", [0.03, 0.01, 0.04])
A, SIGMA = 0.1, 0.01
N_MC = 2000  # antithetic: 1000 pairs
MONTHS = 120


@pytest.fixture(scope="module")
def paths():
    return ec.hull_white_scenarios(ZERO, MONTHS, N_MC, seed=20240601, a=A, sigma=SIGMA,
                                   antithetic=True)


def _cells(error: InputError) -> set[tuple]:
    return {(c.row, c.column) for c in error.cells}


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------- Hull–White paths

def test_the_mean_discount_factor_recovers_the_curve_at_every_month(paths):
    assert paths.discount.shape == (N_MC, MONTHS + 1)
    assert paths.fund_return.shape == (N_MC, MONTHS)
    v = ZERO.at(np.arange(MONTHS + 1, dtype=float))
    assert np.all(paths.discount[:, 0] == 1.0)
    pairs = paths.discount.reshape(N_MC // 2, 2, MONTHS + 1).mean(axis=1)  # antithetic pairs
    se = pairs.std(axis=0, ddof=1) / math.sqrt(pairs.shape[0])
    assert np.all(se[1:] > 0)
    gap = np.abs(pairs.mean(axis=0) - v)
    assert np.all(gap[1:] < 3 * se[1:]), np.max(gap[1:] / se[1:])
    # the paths do move: ten years out the discount factors spread by several per cent
    assert paths.discount[:, -1].std() > 0.02 * v[-1]


def test_a_fund_earning_the_short_rate_is_a_martingale_after_discounting(paths):
    # F_s(m) = prod_{j < m} (1 + f_{s,j}) and D_s(m) F_s(m) = 1 on every path, so its mean is 1
    fund = np.concatenate((np.ones((N_MC, 1)), np.cumprod(1.0 + paths.fund_return, axis=1)),
                          axis=1)
    discounted = paths.discount * fund
    np.testing.assert_allclose(discounted, 1.0, rtol=1e-12)
    np.testing.assert_allclose(discounted.mean(axis=0), 1.0, rtol=1e-12)
    # the returns are those of a random short rate, not one curve
    assert paths.fund_return[:, -1].std() > 1e-4


def test_the_same_seed_gives_the_same_paths_and_another_seed_others():
    one = ec.hull_white_scenarios(FORWARD, 24, 10, seed=3, a=A, sigma=SIGMA)
    two = ec.hull_white_scenarios(FORWARD, 24, 10, seed=3, a=A, sigma=SIGMA)
    other = ec.hull_white_scenarios(FORWARD, 24, 10, seed=4, a=A, sigma=SIGMA)
    np.testing.assert_array_equal(one.discount, two.discount)
    np.testing.assert_array_equal(one.fund_return, two.fund_return)
    assert one.source == two.source
    assert not np.allclose(one.discount[:, 1:], other.discount[:, 1:])
    assert not np.allclose(one.fund_return, other.fund_return)


@pytest.mark.parametrize("curve", [ZERO, FORWARD])
@pytest.mark.parametrize("shift", [0.0, 0.01])
def test_zero_volatility_is_the_deterministic_curve(curve, shift):
    out = ec.hull_white_scenarios(curve, 60, 3, seed=1, a=0.2, sigma=0.0, rate_shift=shift)
    v = curve.at(np.arange(61, dtype=float), shift)
    np.testing.assert_allclose(out.discount, np.broadcast_to(v, (3, 61)), rtol=1e-12, atol=0)
    np.testing.assert_allclose(out.fund_return,
                               np.broadcast_to(curve.forward_monthly(60, shift), (3, 60)),
                               rtol=1e-12, atol=1e-15)


def test_the_source_records_the_generator():
    out = ec.hull_white_scenarios(ZERO, 12, 10, seed=5, a=0.15, sigma=0.02, antithetic=True)
    for part in ("Hull-White", "a=0.15", "sigma=0.02", "seed=5", "n=10", "antithetic=True",
                 "zero curve"):
        assert part in out.source
    assert out.names[0] == "path 1" and len(out.names) == 10


def test_bad_generator_arguments_are_named_at_once():
    with pytest.raises(ArgumentError) as caught:
        ec.hull_white_scenarios("curve", 0, 3, seed=-1, a=0.0, sigma=-0.01, antithetic=True)
    assert {c.column for c in caught.value.cells} == {"curve", "months", "n", "seed", "a",
                                                      "sigma"}
    with pytest.raises(ArgumentError) as caught:
        ec.hull_white_scenarios(ZERO, 12, 4, seed=1, a=A, sigma=SIGMA, rate_shift=-1.025)
    assert {c.column for c in caught.value.cells} == {"rate_shift"}


# ---------------------------------------------------------------- scenario file

def test_a_scenario_file_by_hand(tmp_path):
    # rows in any order; fund_return empty = the rate
    text = ("scenario,month,rate,fund_return\n"
            "low,2,-0.5,\n"
            "up,0,0.05,\n"
            "low,0,0.0,\n"
            "up,1,0.05,\n"
            "low,1,0.1,0.2\n"
            "up,2,0.05,0.08\n")
    path = _write(tmp_path, "paths.csv", text)
    out = ec.read_economic_scenarios(path, 3)
    assert out.names == ("low", "up")
    assert out.months == 3
    # low: v(1) = 1, v(2) = 1.1^(-1/12), v(3) = 1.1^(-1/12) 0.5^(-1/12)
    np.testing.assert_allclose(out.discount[0], [1.0, 1.0, 1.1 ** (-1 / 12),
                                                 1.1 ** (-1 / 12) * 0.5 ** (-1 / 12)], rtol=1e-14)
    # up: v(m) = 1.05^(-m/12)
    np.testing.assert_allclose(out.discount[1], 1.05 ** (-np.arange(4) / 12), rtol=1e-14)
    np.testing.assert_allclose(out.fund_return[0], [0.0, 1.2 ** (1 / 12) - 1,
                                                    0.5 ** (1 / 12) - 1], rtol=1e-13, atol=0)
    np.testing.assert_allclose(out.fund_return[1], [1.05 ** (1 / 12) - 1] * 2
                               + [1.08 ** (1 / 12) - 1], rtol=1e-13)
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert "paths.csv" in out.source and digest in out.source
    # without the fund column the fund earns the rate; fewer months needed is fine
    path = _write(tmp_path, "rates.csv", "scenario,month,rate\nflat,0,0.03\nflat,1,0.03\n")
    out = ec.read_economic_scenarios(path, 1)
    np.testing.assert_allclose(out.fund_return, [[1.03 ** (1 / 12) - 1] * 2], rtol=1e-13)
    np.testing.assert_allclose(out.discount[0, -1], 1.03 ** (-2 / 12), rtol=1e-14)


def test_every_bad_cell_of_a_scenario_file_at_once(tmp_path):
    text = ("scenario,month,rate,fund_return,comment\n"  # 1: comment is not a column
            "up,0,0.03,,\n"                             # 2
            "up,1,abc,,\n"                              # 3: rate not a number
            "up,2,0.03,-2,\n"                           # 4: fund_return <= -1
            "up,3,0.03,,\n"                             # 5
            "down,0,-1,,\n"                             # 6: rate -100%
            "down,1,0.02,,\n"                           # 7
            "down,1,0.02,,\n"                           # 8: month 1 again
            "down,3,0.02,,\n"                           # 9: month 2 missing
            "flat,0,inf,,\n"                            # 10: rate infinite
            "flat,1,0.01,,\n"                           # 11: 2 months < the 3 needed
            "short,0,0.01,,\n"                          # 12
            "short,1,0.01,,\n"                          # 13
            "short,2,0.01,,\n"                          # 14: 3 months, up has 4
            ",0,0.01,,\n"                               # 15: no scenario
            "odd,x,0.01,,\n"                            # 16: month not a number
            "huge,0,50,,\n")                            # 17: 5000% a year, and 1 month
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as caught:
        ec.read_economic_scenarios(path, 3)
    cells = caught.value.cells
    assert _cells(caught.value) == {(1, "comment"), (3, "rate"), (4, "fund_return"),
                                    (6, "rate"), (8, "month"), (9, "month"), (10, "rate"),
                                    (11, "month"), (14, "month"), (15, "scenario"),
                                    (16, "month"), (17, "rate"), (17, "month")}
    assert len(cells) == 13
    assert all(c.file == "bad.csv" and c.expected and c.fix for c in cells)
    by = {(c.row, c.column): c for c in cells}
    assert "month 2 is missing" in by[(9, "month")].expected
    assert "line 7" in by[(8, "month")].expected
    assert "3 months" in by[(11, "month")].expected  # the projection's horizon
    assert "'up'" in by[(14, "month")].expected  # the same months as the longest
    assert by[(3, "rate")].value == "abc"


def test_a_scenario_file_without_its_columns_or_rows(tmp_path):
    with pytest.raises(InputError) as caught:
        ec.read_economic_scenarios(_write(tmp_path, "a.csv", "scenario,month\nx,0\n"), 1)
    assert _cells(caught.value) == {(1, "rate")}
    with pytest.raises(InputError) as caught:
        ec.read_economic_scenarios(_write(tmp_path, "b.csv", "scenario,month,rate\n"), 1)
    assert _cells(caught.value) == {(None, None)}
    with pytest.raises(ArgumentError):
        ec.read_economic_scenarios(_write(tmp_path, "c.csv", "scenario,month,rate\nx,0,0\n"),
                                   -1)


# ---------------------------------------------------------------- shocks file

SHOCKS_HEADER = "scenario,mortality,lapse,mass_lapse,expense,rate_shift\n"


def test_a_shocks_file_base_first(tmp_path):
    path = _write(tmp_path, "shocks.csv", SHOCKS_HEADER + "up,1.2,,,,\n" "base,,,,,\n"
                  "mass,,,0.4,,\n" "all,0.9,1.5,0.1,1.1,-0.01\n")
    out = ec.read_shocks(path)
    assert out.kind == "shocks" and out.skipped == ()
    assert list(out) == [Shock("base"), Shock("up", mortality=1.2), Shock("mass", mass_lapse=0.4),
                         Shock("all", mortality=0.9, lapse=1.5, mass_lapse=0.1, expense=1.1,
                               rate_shift=-0.01)]
    # no base named: one in front; only some columns
    out = ec.read_shocks(_write(tmp_path, "lapse.csv", "scenario,lapse\nlapse_up,1.5\n"))
    assert list(out) == [BASE, Shock("lapse_up", lapse=1.5)]
    # a base with neutral values is a base
    out = ec.read_shocks(_write(tmp_path, "n.csv", SHOCKS_HEADER + "x,2,,,,\nbase,1,1,0,1,0\n"))
    assert [s.name for s in out] == ["base", "x"]


def test_every_bad_cell_of_a_shocks_file_at_once(tmp_path):
    text = ("scenario,mortalty,lapse,mass_lapse,expense,rate_shift\n"  # 1: mortalty
            "a,1,-0.5,1.5,abc,100\n"                                    # 2: four bad cells
            "a,1,,,,\n"                                                 # 3: a again
            ",,1.1,,,\n"                                                # 4: no name
            "base,,2,,,\n"                                              # 5: a shocked base
            "b,,1e4,,,0.05\n")                                          # 6: lapse > 1000
    with pytest.raises(InputError) as caught:
        ec.read_shocks(_write(tmp_path, "s.csv", text))
    assert _cells(caught.value) == {(1, "mortalty"), (2, "lapse"), (2, "mass_lapse"),
                                    (2, "expense"), (2, "rate_shift"), (3, "scenario"),
                                    (4, "scenario"), (5, "lapse"), (6, "lapse")}
    by = {(c.row, c.column): c for c in caught.value.cells}
    assert "0.01 = +100bp" in by[(2, "rate_shift")].expected
    assert "base" in by[(5, "lapse")].expected


def test_a_file_of_neither_format(tmp_path):
    with pytest.raises(InputError) as caught:
        ec.read_shocks(_write(tmp_path, "x.csv", "id,value\na,1\n"))
    assert _cells(caught.value) == {(1, None)}
    assert "shock_type" in caught.value.cells[0].expected


# ---------------------------------------------------------------- stress scenario file

STRESS_HEADER = ("scenario_id,name,family,severity,shock_type,product_kind,asset_class,"
                 "counterparty,start_month,duration_months,value,unit,profile,source,note\n")


def _stress_row(scenario, shock_type, value="", unit="", start="1", duration="", kind="ALL",
                asset="", profile=""):
    if shock_type == "none":
        start = ""
    return (f"{scenario},{scenario} name,solvency,severe,{shock_type},{kind},{asset},,{start},"
            f"{duration},{value},{unit},{profile},illustrative,\n")


def test_the_stress_file_mapped_to_a_life_book(tmp_path):
    text = STRESS_HEADER + "".join([
        _stress_row("mix", "claims_frequency", "1.2", "multiplier"),        # 2: mortality
        _stress_row("mix", "lapse_rate", "1.5", "multiplier"),              # 3: lapse
        _stress_row("mix", "mass_lapse", "0.3", "share"),                   # 4: mass lapse
        _stress_row("mix", "expenses", "1.1", "multiplier"),                # 5: expense
        _stress_row("mix", "rate_shift", "-50", "bp"),                      # 6: -0.005
        _stress_row("mix", "expenses", "1000", "amount"),                   # 7: an amount
        _stress_row("mix", "mortality_addon", "0.15", "pp"),                # 8: +0.0015 to q
        _stress_row("mix", "claims_frequency", "1.15", "multiplier",
                    kind="credit_life"),                                    # 9: one kind
        _stress_row("mix", "lapse_rate", "2", "multiplier", start="2"),     # 10: later
        _stress_row("mix", "asset_haircut", "0.3", "share", asset="equity"),  # 11: assets
        _stress_row("calm", "none"),                                        # 12: the base
        _stress_row("short", "claims_frequency", "2", "multiplier",
                    duration="6"),                                          # 13: temporary
        _stress_row("short", "rate_shift", "100", "bp", asset="corporate_bond"),  # 14
        _stress_row("late", "mass_lapse", "0.4", "share", start="3"),       # 15: not at start
        _stress_row("late", "mass_lapse", "0.2", "share", duration="4",
                    profile="linear_in"),                                   # 16: a quarter
    ])
    out = ec.read_shocks(_write(tmp_path, "stress.csv", text))
    assert out.kind == "stress"
    assert [s.name for s in out] == ["calm", "mix", "short", "late"]
    assert out[0] == Shock("calm")
    assert out[1] == Shock("mix", mortality=1.2, mortality_add=0.0015, lapse=1.5,
                           mass_lapse=0.3, expense=1.1, rate_shift=-0.005)
    assert out[2] == Shock("short") and out[3] == Shock("late")
    assert [(s.scenario, s.shock_type, s.line) for s in out.skipped] == [
        ("mix", "expenses", 7), ("mix", "claims_frequency", 9),
        ("mix", "lapse_rate", 10), ("mix", "asset_haircut", 11),
        ("short", "claims_frequency", 13), ("short", "rate_shift", 14),
        ("late", "mass_lapse", 15), ("late", "mass_lapse", 16)]
    reasons = {s.line: s.reason for s in out.skipped}
    assert "amount" in reasons[7] and "credit_life" in reasons[9]
    assert "month 2" in reasons[10] and "month 6" in reasons[13]
    assert "corporate_bond" in reasons[14] and "at the start" in reasons[15]
    assert out.skipped_types == ("expenses", "claims_frequency",
                                 "lapse_rate", "asset_haircut", "rate_shift", "mass_lapse")
    assert "line 9" in out.skipped[1].text()


def test_the_default_stress_library():
    out = ec.read_shocks(default_root() / "default" / "stress_scenarios.csv")
    assert out[0] == Shock("base")
    by = {s.name: s for s in out}
    # the rows of the CSV: lapse_rate 1.5, expenses 1.1, rate_shift 100bp from month 1, for ALL
    assert by["solvency_severe"] == Shock("solvency_severe", lapse=1.5, expense=1.1,
                                          rate_shift=0.01)
    assert by["liquidity_severe"] == Shock("liquidity_severe", mass_lapse=0.4)
    assert by["both_severe"] == Shock("both_severe", mass_lapse=0.4, expense=1.1)
    assert by["group_partner_exit"] == Shock("group_partner_exit")  # group_life only
    assert {"mortality_addon", "premium_delay", "asset_haircut"} <= set(out.skipped_types)


def test_stress_files_without_a_base_or_with_a_shocked_one(tmp_path):
    text = STRESS_HEADER + _stress_row("up", "lapse_rate", "1.5", "multiplier")
    out = ec.read_shocks(_write(tmp_path, "a.csv", text))
    assert list(out) == [BASE, Shock("up", lapse=1.5)]
    text = STRESS_HEADER + _stress_row("base", "lapse_rate", "1.5", "multiplier")
    with pytest.raises(InputError) as caught:
        ec.read_shocks(_write(tmp_path, "b.csv", text))
    assert _cells(caught.value) == {(2, "scenario_id")}
    # a bad stress file: the stress reader's cells, every one
    text = STRESS_HEADER + _stress_row("x", "lapse_boom", "1.5", "multiplier") + \
        _stress_row("y", "lapse_rate", "-1", "multiplier")
    with pytest.raises(InputError) as caught:
        ec.read_shocks(_write(tmp_path, "c.csv", text))
    assert {(2, "shock_type"), (3, "value")} <= _cells(caught.value)


# ---------------------------------------------------------------- statistics

def test_percentiles_by_hand():
    values = np.random.default_rng(1).permutation(np.arange(1.0, 1001.0))
    # L_(ceil(1000 q)): 500, 750, 900, 950, 990, 995
    assert ec.percentiles(values) == {0.5: 500.0, 0.75: 750.0, 0.9: 900.0, 0.95: 950.0,
                                      0.99: 990.0, 0.995: 995.0}
    assert ec.percentiles(np.array([3.0, 1.0, 2.0]), qs=(0.1, 0.5, 0.7, 1.0)) == {
        0.1: 1.0, 0.5: 2.0, 0.7: 3.0, 1.0: 3.0}  # k = 1, 2 (1.5), 3 (2.1), 3
    both = ec.percentiles(np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]]), qs=(0.5,))
    np.testing.assert_array_equal(both[0.5], [2.0, 20.0])
    with pytest.raises(ArgumentError) as caught:
        ec.percentiles(np.array([1.0, np.nan]), qs=(0.0, 1.5))
    assert {c.column for c in caught.value.cells} == {"values", "qs"}


def test_guarantee_value_by_hand():
    # PVs 10, 12, 14, 16, certainty equivalent 11: mean 13, TV 2;
    # sd = sqrt((9 + 1 + 1 + 9) / 3), SE = sd / 2
    out = ec.guarantee_value(np.array([10.0, 12.0, 14.0, 16.0]), 11.0)
    assert out.value == pytest.approx(2.0, rel=1e-15)
    assert out.stochastic == pytest.approx(13.0, rel=1e-15) and out.deterministic == 11.0
    assert out.standard_error == pytest.approx(math.sqrt(20 / 3) / 2, rel=1e-14)
    assert out.paths == 4
    lo, hi = out.interval()
    assert (lo, hi) == pytest.approx((2 - 1.96 * out.standard_error,
                                      2 + 1.96 * out.standard_error))
    # antithetic pairs (10, 12), (14, 16): means 11, 15, sd sqrt(8), SE sqrt(8) / sqrt(2) = 2
    anti = ec.guarantee_value(np.array([10.0, 12.0, 14.0, 16.0]), 11.0, antithetic=True)
    assert anti.value == pytest.approx(2.0) and anti.standard_error == pytest.approx(2.0)
    with pytest.raises(ArgumentError) as caught:
        ec.guarantee_value(np.array([1.0, 2.0, 3.0]), float("nan"), antithetic=True)
    assert {c.column for c in caught.value.cells} == {"stochastic_pv", "deterministic_pv"}


# ---------------------------------------------------------------- end to end

FLAT = DiscountCurve("zero", [0.06])
TERM_MONTHS = 121  # duration 1: 120 months to maturity, the maturity month included
BENEFITS = [PV_LINES.index(f) for f in ("claims", "maturities", "surrenders", "withdrawals")]


def _basis(guarantee: float) -> Basis:
    ages = np.arange(20, 121)
    none = SelectTable("none", 20, np.where(ages == 120, 1.0, 0.0), "test: no deaths")
    some = SelectTable("some", 20, np.where(ages == 120, 1.0, 0.01), "test: 1% a year")
    savings = ProductBasis("sav", "savings", {"M": "none", "F": "none"}, lapse=[0.0],
                           commission=[0.0], surrender_charge=[0.0], guaranteed_rate=guarantee)
    term = ProductBasis("term", "term", {"M": "some", "F": "some"}, lapse=[0.05],
                        commission=[0.1], surrender_charge=[0.0], maintenance=12.0)
    return Basis(name="test", set_hash="0" * 64, products={"sav": savings, "term": term},
                 tables={"none": none, "some": some}, curve=FLAT,
                 timing={"premiums": "start", "expenses": "mid", "benefits": "mid"})


def _savings_point():
    return make_points(1, product="sav", age_at_entry=40, duration=1, term=TERM_MONTHS,
                       interval=0, account=1000.0)


def _paths(sigma: float, n: int = 500):
    return ec.hull_white_scenarios(FLAT, TERM_MONTHS + 1, n, seed=77, a=0.1, sigma=sigma,
                                   antithetic=True)


def _reference(paths, guarantee: float) -> np.ndarray:
    """PV_s of the module docstring, straight from the paths."""
    g = (1.0 + guarantee) ** (1 / 12) - 1.0
    growth = np.prod(1.0 + np.maximum(paths.fund_return[:, :120], g), axis=1)
    return 1000.0 * paths.discount[:, 120] * growth


def _time_value(guarantee: float, paths):
    result = project(_savings_point(), _basis(guarantee), economic=paths, by="all")
    benefits = result.pv[0][:, BENEFITS].sum(axis=1)  # [scenario]: base, then the paths
    assert result.scenarios == ("base", *paths.names)
    assert result.sources == (paths.source,)
    np.testing.assert_allclose(benefits[1:], _reference(paths, guarantee), rtol=1e-10)
    return ec.guarantee_value(benefits[1:], benefits[0], antithetic=True)


def test_a_guarantee_at_the_forward_rate_has_a_time_value():
    paths = _paths(0.005)
    tv = _time_value(0.06, paths)
    # on the curve the fund earns 6% = the guarantee: the certainty equivalent is the account
    assert tv.deterministic == pytest.approx(1000.0, rel=1e-12)
    assert tv.value > 3 * tv.standard_error > 0
    assert 1.0 < tv.value < 200.0  # a floor on 120 monthly returns, not a fortune


def test_a_guarantee_far_below_the_rates_has_no_time_value():
    paths = _paths(0.005)
    assert paths.fund_return.min() > 0.0  # the 0% floor is never reached
    tv = _time_value(0.0, paths)
    assert tv.deterministic == pytest.approx(1000.0, rel=1e-12)
    assert abs(tv.value) < 1e-8
    assert tv.standard_error < 1e-8


def test_zero_volatility_paths_value_like_the_curve():
    # a savings point and a term point (deaths, lapses, mid-month timing): on paths without
    # volatility every PV equals the base scenario's on the flat curve
    points = make_points(2, product=np.array(["sav", "term"], dtype=object),
                         age_at_entry=40, duration=np.array([1, 0]), term=TERM_MONTHS,
                         interval=np.array([0, 1]), premium=np.array([0.0, 5.0]),
                         sum_assured=np.array([0.0, 10_000.0]), account=np.array([1000.0, 0.0]))
    paths = _paths(0.0, n=4)
    result = project(points, _basis(0.03), economic=paths, shocks=(BASE, Shock("up", 1.5)),
                     by="product")
    assert result.scenarios == ("base", "up", *paths.names)
    pv = result.pv  # [product, scenario, line]
    assert np.all(np.abs(pv[:, 0, :]).sum(axis=1) > 0)
    for s in range(2, 6):
        np.testing.assert_allclose(pv[:, s], pv[:, 0], rtol=1e-10, atol=1e-9)
    assert not np.allclose(pv[1, 1], pv[1, 0])  # the mortality shock moves the term point
