"""Cashflow matching LP and the Redington check (reserva.projection.matching)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ComputationError, InputError
from reserva.projection.matching import (
    cash_match,
    match_files,
    read_bonds_csv,
    read_liabilities_csv,
    redington,
    surplus_path,
)

DATA = Path(__file__).parent / "data"
LIAB = DATA / "luenberger_liabilities.csv"
BONDS = DATA / "luenberger_bonds.csv"

# Luenberger, Investment Science (1998), p. 108, cash-matching example: 10 bonds over 6 years
# (the same data as tests/projection/data/luenberger_*.csv). Rows = bonds, columns = years.
LU_FLOWS = np.array([
    [10, 10, 10, 10, 10, 110],
    [7, 7, 7, 7, 7, 107],
    [8, 8, 8, 8, 8, 108],
    [6, 6, 6, 6, 106, 0],
    [7, 7, 7, 7, 107, 0],
    [5, 5, 5, 105, 0, 0],
    [10, 10, 110, 0, 0, 0],
    [8, 8, 108, 0, 0, 0],
    [7, 107, 0, 0, 0, 0],
    [100, 0, 0, 0, 0, 0],
], dtype=float)
LU_PRICES = np.array([109, 94.8, 99.5, 93.1, 97.2, 92.9, 110, 104, 102, 95.2])
LU_LIAB = np.array([100, 200, 800, 100, 800, 1200], dtype=float)


def test_luenberger_cash_matching_cost_and_holdings():
    # Luenberger (1998) p. 108: optimal cost 2,381.14 (also the "Cash Matching Bond Portfolio"
    # case study of Uryasev's test problems, Problem 1, objective 2,381.14), holdings
    # x = (0, 11.2, 0, 6.81, 0, 0, 0, 6.3, 0.28, 0) — tolerance = printed precision.
    res = cash_match(LU_PRICES, LU_FLOWS, LU_LIAB)
    assert res.cost == pytest.approx(2381.14, abs=0.005)
    printed = [(0, 0.0, 0.05), (1, 11.2, 0.05), (2, 0.0, 0.05), (3, 6.81, 0.005),
               (4, 0.0, 0.05), (5, 0.0, 0.05), (6, 0.0, 0.05), (7, 6.3, 0.05),
               (8, 0.28, 0.005), (9, 0.0, 0.05)]
    for j, value, tol in printed:
        assert res.holdings[j] == pytest.approx(value, abs=tol), f"bond {j + 1}"
    assert (res.surplus >= -1e-7).all()
    assert res.reinvest_rate is None and not res.integer


def test_luenberger_with_surplus_carried_forward():
    # Uryasev's case study, Problem 3 ("extra cash is carried forward at interest r",
    # 16 variables = 10 bonds + 6 surpluses): objective 2,299.81. The page excerpt does not
    # show r; 6% reproduces the printed objective to its precision.
    no_carry = cash_match(LU_PRICES, LU_FLOWS, LU_LIAB)
    carried = cash_match(LU_PRICES, LU_FLOWS, LU_LIAB, reinvest_rate=0.06)
    assert carried.cost == pytest.approx(2299.81, abs=0.005)
    assert carried.cost <= no_carry.cost
    at_zero = cash_match(LU_PRICES, LU_FLOWS, LU_LIAB, reinvest_rate=0.0)
    assert at_zero.cost <= no_carry.cost + 1e-9
    assert carried.cost <= at_zero.cost + 1e-9  # a higher carry rate never costs more
    # the surplus path is the carried balance and ends (nearly) empty at the optimum
    assert (carried.surplus >= -1e-7).all()
    assert carried.surplus[-1] == pytest.approx(0.0, abs=1e-6)


def test_two_period_hand_check():
    # Liabilities (0, 100). Bond A pays 100 at t=1 for 90; bond B pays 100 at t=2 for 95.
    # No carry: only B covers t=2 -> x_B = 1, cost 95, surplus (0, 0).
    # Carry at r = 10%: A's cash at t=2 costs 90/110 = 0.8182 per unit < B's 0.95, so
    #   x_A = 100/110 = 0.909091, cost 81.8182, surplus (90.9091, 0).
    # Carry at r = 0: 0.90 < 0.95 -> x_A = 1, cost 90, surplus (100, 0).
    flows = np.array([[100.0, 0.0], [0.0, 100.0]])
    prices = np.array([90.0, 95.0])
    liab = np.array([0.0, 100.0])
    plain = cash_match(prices, flows, liab)
    assert plain.cost == pytest.approx(95.0, abs=1e-9)
    np.testing.assert_allclose(plain.holdings, [0.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(plain.surplus, [0.0, 0.0], atol=1e-9)
    ten = cash_match(prices, flows, liab, reinvest_rate=0.10)
    assert ten.cost == pytest.approx(81.8182, abs=5e-5)
    np.testing.assert_allclose(ten.holdings, [0.909091, 0.0], atol=5e-7)
    np.testing.assert_allclose(ten.surplus, [90.9091, 0.0], atol=5e-5)
    zero = cash_match(prices, flows, liab, reinvest_rate=0.0)
    assert zero.cost == pytest.approx(90.0, abs=1e-9)
    np.testing.assert_allclose(zero.surplus, [100.0, 0.0], atol=1e-9)


def test_uneven_times_compound_over_the_gap():
    # Times 0.5 and 2.0: cash of A at 0.5 grows by 1.1^1.5 = 1.153690 by time 2, so
    # x_A = 100 / 115.3690 = 0.866784 and cost = 90 x_A = 78.0106 (< 95 for bond B).
    flows = np.array([[100.0, 0.0], [0.0, 100.0]])
    res = cash_match([90.0, 95.0], flows, [0.0, 100.0], reinvest_rate=0.10, times=[0.5, 2.0])
    assert res.cost == pytest.approx(78.0106, abs=5e-5)
    assert res.holdings[0] == pytest.approx(0.866784, abs=5e-7)


def test_integer_holdings():
    lp = cash_match(LU_PRICES, LU_FLOWS, LU_LIAB)
    mip = cash_match(LU_PRICES, LU_FLOWS, LU_LIAB, integer=True)
    assert mip.integer
    np.testing.assert_array_equal(mip.holdings, np.round(mip.holdings))
    assert mip.cost >= lp.cost - 1e-9
    assert (LU_FLOWS.T @ mip.holdings >= LU_LIAB - 1e-9).all()
    assert mip.cost == pytest.approx(LU_PRICES @ mip.holdings)


def test_infeasible_names_the_first_uncovered_period():
    flows = np.array([[5.0, 5.0, 0.0, 105.0], [0.0, 100.0, 0.0, 0.0]])
    liab = np.array([10.0, 50.0, 30.0, 40.0])
    with pytest.raises(ComputationError, match="period 3"):
        cash_match([100.0, 95.0], flows, liab)
    # carrying surplus forward covers period 3 from period 2's cash
    assert cash_match([100.0, 95.0], flows, liab, reinvest_rate=0.0).cost > 0
    # a liability before any bond pays cannot be covered even with reinvestment
    late = np.array([[0.0, 0.0, 0.0, 105.0]])
    with pytest.raises(ComputationError, match=r"period 2 \(time 2\)"):
        cash_match([100.0], late, [0.0, 10.0, 0.0, 1.0], reinvest_rate=0.05,
                   times=[1.0, 2.0, 3.0, 4.0])


def test_bad_shapes_and_rates_raise_engine_errors():
    with pytest.raises(ComputationError, match="n_bonds"):
        cash_match([1.0, 2.0], np.ones((2, 3)), [1.0, 1.0])
    with pytest.raises(ComputationError, match="greater than -1"):
        cash_match([1.0], np.ones((1, 2)), [1.0, 1.0], reinvest_rate=-1.0)
    with pytest.raises(ComputationError, match="increasing"):
        cash_match([1.0], np.ones((1, 2)), [1.0, 1.0], reinvest_rate=0.0, times=[2.0, 1.0])


@st.composite
def problems(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n_bonds = draw(st.integers(1, 8))
    periods = draw(st.integers(1, 8))
    rng = np.random.default_rng(seed)
    flows = rng.integers(0, 12, size=(n_bonds, periods)).astype(float)
    flows[:, rng.random(periods) < 0.3] = 0.0  # some periods only the zeros below cover
    zeros = np.eye(periods) * 100.0  # one zero-coupon bond per period keeps it feasible
    flows = np.vstack([flows, zeros])
    prices = rng.uniform(50.0, 110.0, size=flows.shape[0])
    liab = rng.uniform(0.0, 500.0, size=periods) * (rng.random(periods) < 0.8)
    rate = draw(st.floats(0.0, 0.2))
    return prices, flows, liab, rate


@settings(max_examples=60, deadline=None)
@given(problems())
def test_solutions_cover_every_liability_and_carrying_never_costs_more(problem):
    prices, flows, liab, rate = problem
    plain = cash_match(prices, flows, liab)
    carried = cash_match(prices, flows, liab, reinvest_rate=rate)
    for res, r in ((plain, None), (carried, rate)):
        assert (res.holdings >= 0).all()
        assert res.cost == pytest.approx(prices @ res.holdings, rel=1e-12, abs=1e-12)
        # the surplus, recomputed independently of the solver, never goes negative
        slow = np.zeros(len(liab))
        balance = 0.0
        for t in range(len(liab)):
            cash = sum(flows[j, t] * res.holdings[j] for j in range(len(prices))) - liab[t]
            balance = (balance * (1 + r) if r is not None else 0.0) + cash
            slow[t] = balance
        np.testing.assert_allclose(res.surplus, slow, atol=1e-7)
        assert (res.surplus >= -1e-7).all()
    assert carried.cost <= plain.cost * (1 + 1e-9) + 1e-7


def test_surplus_path_without_carry_is_per_period():
    # x = (1, 2): inflows (1*3 + 2*1, 1*4 + 2*0) = (5, 4); minus L = (4, 1) -> (1, 3)
    flows = np.array([[3.0, 4.0], [1.0, 0.0]])
    np.testing.assert_allclose(surplus_path([1.0, 2.0], flows, [4.0, 1.0]), [1.0, 3.0])
    # carried at 50%: s1 = 1, s2 = 1.5 * 1 + 3 = 4.5
    np.testing.assert_allclose(surplus_path([1.0, 2.0], flows, [4.0, 1.0], reinvest_rate=0.5),
                               [1.0, 4.5])


# --------------------------------------------------------------------------- Redington


def test_redington_textbook_barbell_is_immunised():
    # Liability 100 due at 10; assets: zeros at 5 and 15 with equal PV (x = y = PV_L/2), so
    # PV_A = PV_L, D_A = (5 + 15)/2 = 10 = D_L, and C_A = (25 + 225)/2 = 125 > C_L = 100
    # (second moments of time, Redington 1952).
    pv = 100 / 1.05**10
    check = redington(pv, pv, 10.0, 10.0, 125.0, 100.0, duration_tolerance=0.01)
    assert check.pv_ok and check.duration_ok and check.convexity_ok and check.immunised
    assert check.duration_gap == 0.0


def test_redington_each_condition_fails_alone():
    base = dict(pv_assets=100.0, pv_liabilities=100.0, duration_assets=10.0,
                duration_liabilities=10.0, convexity_assets=125.0, convexity_liabilities=100.0)
    low_pv = redington(**{**base, "pv_assets": 99.0}, duration_tolerance=0.1)
    assert (low_pv.pv_ok, low_pv.duration_ok, low_pv.convexity_ok) == (False, True, True)
    long_d = redington(**{**base, "duration_assets": 10.2}, duration_tolerance=0.1)
    assert (long_d.pv_ok, long_d.duration_ok, long_d.convexity_ok) == (True, False, True)
    assert long_d.duration_gap == pytest.approx(0.2)
    within = redington(**{**base, "duration_assets": 10.2}, duration_tolerance=0.25)
    assert within.duration_ok
    bullet = redington(**{**base, "convexity_assets": 99.0}, duration_tolerance=0.1)
    assert (bullet.pv_ok, bullet.duration_ok, bullet.convexity_ok) == (True, True, False)
    assert not bullet.immunised
    with pytest.raises(ComputationError):
        redington(**base, duration_tolerance=-1.0)


# --------------------------------------------------------------------------- files


def test_readers_and_match_files_on_the_luenberger_files():
    liab = read_liabilities_csv(LIAB)
    np.testing.assert_array_equal(liab.times, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(liab.amounts, LU_LIAB)
    bonds = read_bonds_csv(BONDS, liab.times)
    assert bonds.bond_ids == tuple(f"B{k}" for k in range(1, 11))
    np.testing.assert_array_equal(bonds.prices, LU_PRICES)
    np.testing.assert_array_equal(bonds.flows, LU_FLOWS)  # empty cells read as 0
    out = match_files(LIAB, BONDS)
    assert out["cost"] == pytest.approx(2381.14, abs=0.005)  # Luenberger (1998) p. 108
    assert set(out["holdings"]) == {"B2", "B4", "B8", "B9"}
    assert out["holdings"]["B2"] == pytest.approx(11.2, abs=0.05)
    assert list(out["surplus"]) == ["1", "2", "3", "4", "5", "6"]
    import json

    assert json.loads(json.dumps(out))["cost"] == out["cost"]
    carried = match_files(LIAB, BONDS, reinvest_rate=0.06)
    assert carried["cost"] == pytest.approx(2299.81, abs=0.005)  # Uryasev case, Problem 3


def test_bonds_without_times_sorts_the_columns(tmp_path):
    path = tmp_path / "bonds.csv"
    path.write_text("bond_id,price,2,0.5\nZ,90,100,\nC,101,,3\n")
    bonds = read_bonds_csv(path)
    np.testing.assert_array_equal(bonds.times, [0.5, 2.0])
    np.testing.assert_array_equal(bonds.flows, [[0.0, 100.0], [3.0, 0.0]])


def test_bad_bond_cells_are_reported_at_once(tmp_path):
    path = tmp_path / "bonds.csv"
    path.write_text(
        "bond_id,price,1,2,7,soon\n"
        "A,100,5,105,,\n"
        "A,99,5,x,,\n"  # duplicate id, non-numeric flow
        "B,-3,4,104,,\n"  # negative price
        "C,abc,-1,,,\n"  # non-numeric price, negative flow
        ",98,1,2,,,9\n"  # missing id, extra cell
    )
    with pytest.raises(InputError) as info:
        read_bonds_csv(path, times=[1.0, 2.0])
    got = {(c.row, c.column, c.value) for c in info.value.cells}
    assert got == {
        (1, "7", "7"),  # a time the liabilities do not have
        (1, "soon", "soon"),  # not a time
        (3, "bond_id", "A"),
        (3, "2", "x"),
        (4, "price", "-3"),
        (5, "price", "abc"),
        (5, "1", "-1"),
        (6, "bond_id", ""),
        (6, None, "9"),
    }
    assert all(c.file == "bonds.csv" and c.expected and c.fix for c in info.value.cells)
    assert len(info.value.lines()) == 1 + len(got)


def test_bad_liability_cells_are_reported_at_once(tmp_path):
    path = tmp_path / "liabilities.csv"
    path.write_text("time,amount\n1,100\n1,50\nlater,20\n3,lots\n-2,5\n")
    with pytest.raises(InputError) as info:
        read_liabilities_csv(path)
    got = {(c.row, c.column, c.value) for c in info.value.cells}
    assert got == {(3, "time", "1"), (4, "time", "later"), (5, "amount", "lots"),
                   (6, "time", "-2")}


def test_missing_columns_and_empty_files(tmp_path):
    bonds = tmp_path / "bonds.csv"
    bonds.write_text("id,cost,1\nA,1,1\n")
    with pytest.raises(InputError) as info:
        read_bonds_csv(bonds)
    assert {c.column for c in info.value.cells} == {"bond_id", "price"}
    empty = tmp_path / "liabilities.csv"
    empty.write_text("time,amount\n")
    with pytest.raises(InputError, match="liabilities.csv"):
        read_liabilities_csv(empty)


def test_cli_alm_match_prints_and_writes_json(capsys):
    # `reserva alm match` on the textbook files: the JSON carries the cost and non-zero holdings.
    import json

    from tests.test_cli import run

    code, out, err = run(capsys, "alm", "match", "--liabilities", str(DATA / "luenberger_liabilities.csv"),
                         "--bonds", str(DATA / "luenberger_bonds.csv"), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert round(result["cost"], 2) == 2381.14 and set(result["holdings"]) == {"B2", "B4", "B8", "B9"}
    code, out, err = run(capsys, "alm", "match", "--liabilities", str(DATA / "luenberger_liabilities.csv"),
                         "--bonds", str(DATA / "luenberger_bonds.csv"), "--reinvest-rate", "0.06")
    assert code == 0 and "cost 2,299.81 (surplus carried at 6% a year)" in out
    code, out, err = run(capsys, "alm", "match", "--liabilities", str(DATA / "luenberger_bonds.csv"),
                         "--bonds", str(DATA / "luenberger_bonds.csv"))
    assert code == 2 and out == "" and err.startswith("reserva: ")
