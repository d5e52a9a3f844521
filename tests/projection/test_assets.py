"""Asset cashflow schedules and bond analytics (reserva.projection.assets)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, ComputationError, InputError
from reserva.io.arrays import NEVER, day
from reserva.projection.assets import (
    asset_cashflows,
    convexity,
    macaulay_duration,
    modified_duration,
    pv,
    rate_measures,
)

# ------------------------------------------------------------------ published examples


def _bond_grid(settle, maturity, rate, freq, horizon):
    cf = asset_cashflows(["government_bond"], [100.0], [rate], [freq], [day(maturity)], [100.0],
                         valuation_day=day(settle), horizon_months=horizon)
    return cf.grid[0], cf.times_years


def test_excel_duration_example_through_the_schedule():
    # Microsoft Excel documentation, DURATION function, example: settlement 2018-07-01,
    # maturity 2048-01-01, coupon 8%, yield 9%, semiannual, actual/actual -> 10.9191453
    # (printed to 7 decimals). Both dates are coupon dates, so the month grid is exact.
    g, t = _bond_grid("2018-07-01", "2048-01-01", 0.08, 2, 355)
    assert np.count_nonzero(g) == 59  # the coupon of 2018-07-01 is already received
    assert macaulay_duration(g, t, 0.09, periods_per_year=2) == pytest.approx(10.9191453,
                                                                              abs=5e-8)


def test_excel_mduration_example_through_the_schedule():
    # Microsoft Excel documentation, MDURATION function, example: 2008-01-01 to 2016-01-01,
    # coupon 8%, yield 9%, semiannual, actual/actual -> 5.73567 (printed to 5 decimals).
    g, t = _bond_grid("2008-01-01", "2016-01-01", 0.08, 2, 96)
    assert modified_duration(g, t, 0.09, periods_per_year=2) == pytest.approx(5.73567, abs=5e-6)


def _sas_bond(a=1000.0, c=0.01, n=4, k=14, k0=0.33 / 2):
    # SAS function reference (DURP, CONVXP): t_k = n k0 + k - 1 periods, coupons c/n A and
    # (1 + c/n) A at the last one.
    periods = n * k0 + np.arange(k)
    flows = np.full(k, c / n * a)
    flows[-1] += a
    return flows, periods / n


def test_sas_durp_example():
    # SAS DURP(1000, 1/100, 4, 14, .33/2, .10) = 3.2649588109 (printed to 10 decimals);
    # DURP is the modified duration in years, per-period compounding.
    flows, t = _sas_bond()
    assert modified_duration(flows, t, 0.10, periods_per_year=4) == pytest.approx(
        3.2649588109, abs=5e-11)


def test_sas_convxp_example():
    # SAS CONVXP(1000, .01, 4, 14, .33/2, .08) = 11.729001987 (printed to 9 decimals), years^2
    flows, t = _sas_bond()
    assert convexity(flows, t, 0.08, periods_per_year=4) == pytest.approx(11.729001987,
                                                                          abs=5e-10)


def test_sas_dur_example_annual_effective():
    # SAS DUR(1/20, 1, .33, .44, .55, .49, .50, .22, .4, .8, .01, .36, .2, .4) = 5.284024988
    # (modified duration, effective yield 5% a period, one flow a period at t = 1..12).
    flows = [.33, .44, .55, .49, .50, .22, .4, .8, .01, .36, .2, .4]
    t = np.arange(1, 13)
    assert modified_duration(flows, t, 0.05) == pytest.approx(5.284024988, abs=5e-10)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 40.0), st.floats(0.0, 0.2))
def test_zero_coupon_measures(t, y):
    # a zero-coupon bond: Macaulay = maturity, modified = t / (1 + y),
    # convexity = t (t + 1) / (1 + y)^2 (annual effective compounding)
    m = rate_measures([250.0], [t], y)
    assert m.pv == pytest.approx(250.0 * (1 + y) ** -t, rel=1e-12)
    assert m.macaulay == pytest.approx(t, rel=1e-12)
    assert m.modified == pytest.approx(t / (1 + y), rel=1e-12)
    assert m.convexity == pytest.approx(t * (t + 1) / (1 + y) ** 2, rel=1e-12)


def test_zero_coupon_bond_through_the_schedule():
    # empty frequency = zero coupon: one redemption; Macaulay = 5 years at month 60
    g, t = _bond_grid("2020-03-31", "2025-03-31", 0.0, np.nan, 72)
    assert np.flatnonzero(g).tolist() == [59]
    assert macaulay_duration(g, t, 0.04) == pytest.approx(5.0, abs=1e-12)


def test_curve_equals_flat_rate_and_duration_is_the_curve_derivative():
    flows = np.array([5.0, 5.0, 105.0])
    t = np.array([1.0, 2.0, 3.0])
    flat = pv(flows, t, 0.05)
    assert pv(flows, t, curve=([1.0, 3.0], [0.05, 0.05])) == pytest.approx(flat, rel=1e-15)
    curve = ([0.5, 2.0, 5.0], [0.02, 0.035, 0.05])
    h = 1e-6
    up = pv(flows, t, curve=(curve[0], np.add(curve[1], h)))
    down = pv(flows, t, curve=(curve[0], np.subtract(curve[1], h)))
    p = pv(flows, t, curve=curve)
    assert modified_duration(flows, t, curve=curve) == pytest.approx(-(up - down) / (2 * h) / p,
                                                                     rel=1e-7)
    assert convexity(flows, t, curve=curve) == pytest.approx((up - 2 * p + down) / h**2 / p,
                                                             rel=1e-3)


def test_zero_pv_and_rate_errors():
    with pytest.raises(ComputationError, match="present value of the cashflows is zero"):
        macaulay_duration([0.0, 0.0], [1.0, 2.0], 0.05)
    with pytest.raises(ComputationError, match="zero"):
        convexity([100.0, -100.0 * 1.05], [1.0, 2.0], 0.05)
    with pytest.raises(AssumptionError, match="exactly one"):
        pv([1.0], [1.0])
    with pytest.raises(AssumptionError, match="exactly one"):
        pv([1.0], [1.0], 0.05, curve=([1.0], [0.05]))
    with pytest.raises(AssumptionError, match="strictly increasing"):
        pv([1.0], [1.0], curve=([2.0, 1.0], [0.05, 0.05]))


# ------------------------------------------------------------------ schedule reference


def _py_add_months(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _is_month_end(d: dt.date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def _reference(cls, face, rate, freq, maturity, book, v, horizon, basis=365.0):
    """Slow, obvious schedule: walk back from maturity one coupon at a time.

    Month m ends the day before v + 1 day + m months (the grid's edges: month ends stay month
    ends, Apr 30 -> May 31 -> Jun 30 -> Jul 31)."""
    one = dt.timedelta(days=1)
    ends = [_py_add_months(v + one, m) - one for m in range(1, horizon + 1)]
    coupons = np.zeros((len(cls), horizon))
    red = np.zeros((len(cls), horizon))

    def bucket(d):
        for m, e in enumerate(ends):
            if d <= e:
                return m
        return None

    for i in range(len(cls)):
        if cls[i] not in ("government_bond", "corporate_bond", "deposit"):
            continue
        mat = maturity[i]
        if v < mat <= ends[-1]:
            red[i, bucket(mat)] += face[i]
            if cls[i] == "deposit" and freq[i] == 0:
                coupons[i, bucket(mat)] += (max(book[i] - face[i], 0.0)
                                            + face[i] * rate[i] * (mat - v).days / basis)
        if freq[i] > 0:
            j = 0
            while True:
                d = _py_add_months(mat, -j * (12 // freq[i]))
                if _is_month_end(mat):
                    d = d.replace(day=calendar.monthrange(d.year, d.month)[1])
                if d <= v:
                    break
                if d <= ends[-1]:
                    coupons[i, bucket(d)] += face[i] * rate[i] / freq[i]
                j += 1
    return coupons, red


CLASSES = ["government_bond", "corporate_bond", "deposit", "cash", "equity", "real_estate"]


@st.composite
def _book(draw):
    n = draw(st.integers(1, 6))
    v = dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1500)))
    rows = []
    for _ in range(n):
        rows.append((
            draw(st.sampled_from(CLASSES)),
            draw(st.floats(1.0, 1e4)),
            draw(st.sampled_from([0.0, 0.03, 0.08])),
            draw(st.sampled_from([0, 1, 2, 3, 4, 6, 12])),
            v + dt.timedelta(days=draw(st.integers(-400, 4000))),
            draw(st.floats(0.0, 1.2e4)),
        ))
    return v, draw(st.integers(1, 60)), rows


@settings(max_examples=60, deadline=None)
@given(_book())
def test_schedule_matches_slow_reference(book):
    v, horizon, rows = book
    cls, face, rate, freq, mat, bv = (list(c) for c in zip(*rows, strict=True))
    got = asset_cashflows(cls, face, rate, freq, [day(m) for m in mat], bv,
                          valuation_day=day(v), horizon_months=horizon)
    coupons, red = _reference(cls, face, rate, freq, mat, bv, v, horizon)
    np.testing.assert_allclose(got.coupons, coupons, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got.redemptions, red, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got.grid, coupons + red, rtol=1e-12, atol=1e-9)
    cash = np.array([b if c == "cash" else 0.0 for c, b in zip(cls, bv, strict=True)])
    np.testing.assert_array_equal(got.cash_now, cash)
    assert not got.grid[np.asarray(cls) == "cash"].any()


# ------------------------------------------------------------------ schedule edge cases


def _one(maturity, v, horizon, freq=2, cls="government_bond", rate=0.06, book=0.0):
    return asset_cashflows([cls], [1000.0], [rate], [freq],
                           [day(maturity) if maturity else NEVER], [book],
                           valuation_day=day(v), horizon_months=horizon)


def test_maturity_inside_the_first_month():
    cf = _one("2024-01-20", "2024-01-10", 12)
    assert cf.redemptions[0].tolist() == [1000.0] + [0.0] * 11
    assert cf.coupons[0].tolist() == [30.0] + [0.0] * 11  # the last coupon, 1000 * 6% / 2


def test_maturity_on_or_before_the_valuation_date_gives_no_flows():
    assert not _one("2024-01-10", "2024-01-10", 12).grid.any()
    assert not _one("2023-06-30", "2024-01-10", 12).grid.any()


def test_month_end_maturity_keeps_coupons_on_month_ends():
    # maturity 2030-06-30 at month end: the coupon before it is 2029-12-31 (end-of-month rule),
    # not 2029-12-30, so valued at the end of 2029-12-30 it is still to come, in month 1
    cf = _one("2030-06-30", "2029-12-30", 1)
    assert cf.coupons[0].tolist() == [30.0]
    # valued at the end of 2029-12-31 it is received
    assert not _one("2030-06-30", "2029-12-31", 1).grid.any()


def test_leap_year_coupon_on_february_29():
    # maturity 2028-08-31 (month end), semiannual: a coupon on 2028-02-29
    assert _one("2028-08-31", "2028-02-28", 1).coupons[0].tolist() == [30.0]
    assert not _one("2028-08-31", "2028-02-29", 1).grid.any()
    # not a month end (Aug 30): the coupon is clipped to Feb 29 in a leap year, Feb 28 otherwise
    assert _one("2028-08-30", "2028-02-28", 1).coupons[0].tolist() == [30.0]
    assert not _one("2027-08-30", "2027-02-28", 1).grid.any()


def test_deposit_interest_at_maturity():
    # principal 1000 at 5% simple, carried at 1010 (10 accrued), 365 days to run:
    # interest = 10 + 1000 * 0.05 * 365/365 = 60, paid with the principal in month 12
    cf = _one("2025-01-01", "2024-01-02", 12, freq=0, cls="deposit", rate=0.05, book=1010.0)
    assert np.flatnonzero(cf.grid[0]).tolist() == [11]
    assert cf.coupons[0, 11] == pytest.approx(60.0, abs=1e-9)
    assert cf.redemptions[0, 11] == 1000.0


def test_cash_and_unscheduled_assets_stay_off_the_grid():
    cf = asset_cashflows(["cash", "equity", "fixed_assets", "receivable"], [0, 0, 0, 0],
                         [0, 0, 0, 0], [0, 0, 0, 0], [NEVER] * 4, [5.0, 7.0, 11.0, 13.0],
                         valuation_day=day("2024-01-01"), horizon_months=3)
    assert cf.cash_now.tolist() == [5.0, 0.0, 0.0, 0.0]
    assert cf.unscheduled.tolist() == [0.0, 7.0, 11.0, 13.0]
    assert not cf.grid.any()


def test_bad_cells_are_reported_at_once():
    with pytest.raises(InputError) as err:
        asset_cashflows(["bond", "government_bond", "deposit"], [1.0, 1.0, 0.0],
                        [0.1, 0.1, 0.1], [2, 5, 0], [day("2030-01-01"), day("2030-01-01"), NEVER],
                        [1.0, 1.0, 1.0], valuation_day=day("2024-01-01"), horizon_months=12)
    columns = sorted(c.column for c in err.value.cells)
    assert columns == ["asset_class", "coupon_frequency", "face", "maturity_date"]


def asset_cashflows_from_table(assets, *, valuation_day: int, horizon_months: int):
    """``asset_cashflows`` of the columns of a small ``assets`` frame (the engine's stage hands
    it the columns of the assets bundle)."""
    from reserva.io.arrays import days, money

    def col(name):
        return assets[name] if name in assets else [None] * len(assets)

    return asset_cashflows(
        assets["asset_class"].to_numpy(), money(col("face")),
        money(col("coupon_rate")), money(col("coupon_frequency")),
        days(col("maturity_date")), money(assets["book_value"]),
        valuation_day=valuation_day, horizon_months=horizon_months,
    )


def test_from_table_edge():
    import pandas as pd

    table = pd.DataFrame({
        "asset_class": ["government_bond", "cash"], "face": [100.0, None],
        "coupon_rate": [0.08, None], "coupon_frequency": [2, None],
        "maturity_date": ["2016-01-01", None], "book_value": [95.0, 40.0],
    })
    cf = asset_cashflows_from_table(table, valuation_day=day("2008-01-01"), horizon_months=96)
    assert cf.grid[0].sum() == pytest.approx(16 * 4.0 + 100.0)
    assert cf.cash_now.tolist() == [0.0, 40.0]
