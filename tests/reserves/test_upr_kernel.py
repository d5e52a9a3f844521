"""UPR kernel against the handbook examples, hand-worked cases and a slow per-policy reference.

Conventions under test are those of the kernel module docstring (engine.reserves.upr._kernels):
a term covers ``start .. end`` inclusive, a valuation is at the end of its day, ``written`` is the
instalments due by ``min(v, cancel)``, ``earned = min(W f(v), written)`` before cancellation and
``written - refund`` from the cancel day on, ``upr = written - refunded - earned``.
Sources: E1 L642-645 (TV-05), E2 L4023-4025 (TV-06), E1 L599-602 (TV-01, TV-02), spec §3.3.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.reserves.upr._kernels import (
    DAILY,
    MONTHLY,
    NEVER,
    add_months,
    civil,
    upr_at,
    whole_months,
)
from engine.reserves.upr.upr import INTERVAL_MONTHS, PolicyArrays, compute_upr, policy_arrays

EPOCH = date(1970, 1, 1)
FIELDS = ("written", "refunded", "earned", "upr")


def dn(d: date) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return (d - EPOCH).days


def ds(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


# ---------------------------------------------------------------------------------------------
# The slow, obvious reference: datetime arithmetic, one policy at a time.


def ref_add_months(d: date, k: int) -> date:
    """``d`` plus ``k`` calendar months, the day clipped to the target month's length."""
    y, m0 = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def ref_whole_months(s: date, t: date) -> int:
    """The largest k with ``s + k months <= t`` (0 when t <= s)."""
    if t <= s:
        return 0
    # s + (month difference - 1) months lies in the month before t's, so it is <= t
    k = max(0, (t.year - s.year) * 12 + t.month - s.month - 1)
    while ref_add_months(s, k + 1) <= t:
        k += 1
    return k


def ref_policy(s, e, c, w, refund, interval, basis, v):
    """(written, refunded, earned, upr) of one policy at the end of day v; dates, c may be None."""
    cancelled = c is not None and v >= c
    t = c if cancelled else v  # instalments stop at the cancel day
    if t < s:
        written = 0.0
    elif interval == 0:
        written = w
    else:
        due_dates = []  # instalment k falls due at s + k*interval months, while inside the term
        k = 0
        while ref_add_months(s, k * interval) <= e:
            due_dates.append(ref_add_months(s, k * interval))
            k += 1
        written = w * sum(1 for d in due_dates if d <= t) / len(due_dates)
    if cancelled:
        return written, refund, written - refund, 0.0
    one = timedelta(days=1)
    term_months = ref_whole_months(s, e + one)
    if basis == MONTHLY and term_months > 0:
        f = ref_whole_months(s, v + one) / term_months
    else:  # daily basis (and the monthly basis of a term shorter than a month)
        f = ((v - s).days + 1) / ((e - s).days + 1)
    f = min(max(f, 0.0), 1.0)
    earned = min(w * f, written)
    return written, 0.0, earned, written - earned


# ---------------------------------------------------------------------------------------------
# Helpers to run the kernel on policies given as dicts of dates.


def policy(start, end, premium, *, freq="single", basis=DAILY, cancel=None, refund=0.0, product=0):
    return dict(start=start, end=end, premium=float(premium), interval=INTERVAL_MONTHS[freq],
                basis=basis, cancel=cancel, refund=float(refund), product=product)


def arrays(pols, n_products=1) -> PolicyArrays:
    return PolicyArrays(
        policy_id=np.array([f"P{i}" for i in range(len(pols))], dtype=object),
        product=np.array([p["product"] for p in pols], dtype=np.int32),
        products=np.array([f"PR{j}" for j in range(n_products)], dtype=object),
        start=np.array([dn(p["start"]) for p in pols], dtype=np.int64),
        end=np.array([dn(p["end"]) for p in pols], dtype=np.int64),
        cancel=np.array([NEVER if p["cancel"] is None else dn(p["cancel"]) for p in pols],
                        dtype=np.int64),
        written_premium=np.array([p["premium"] for p in pols], dtype=np.float64),
        refund=np.array([p["refund"] for p in pols], dtype=np.float64),
        interval_months=np.array([p["interval"] for p in pols], dtype=np.int64),
        basis=np.array([p["basis"] for p in pols], dtype=np.int8),
    )


def kernel(pols, v: date):
    a = arrays(pols)
    return upr_at(a.start, a.end, a.cancel, a.written_premium, a.refund, a.interval_months,
                  a.basis, np.int64(dn(v)))


def kernel_one(p, v: date) -> dict:
    return {name: float(x[0]) for name, x in zip(FIELDS, kernel([p], v), strict=True)}


def close(a, b) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# ---------------------------------------------------------------------------------------------
# Handbook examples


def test_tv05_monthly_basis_upr_is_ten_twelfths():
    # TV-05 (E1 L642-645): premium 1,200 a year, cover from 1 November, valuation 31 December of
    # the same year: 10 of 12 months remain, UPR = 10/12 x 1,200 = 1,000 (printed exactly).
    p = policy(date(2024, 11, 1), date(2025, 10, 31), 1200, basis=MONTHLY)
    r = kernel_one(p, date(2024, 12, 31))
    assert r["upr"] == pytest.approx(1000.0, abs=1e-9)
    assert r["earned"] == pytest.approx(200.0, abs=1e-9)  # DERIVED in the spec: EP = 200


def test_tv05_daily_basis_gives_304_of_365_days():
    # TV-05, day basis (spec §5 table): 1 Nov 2024 .. 31 Oct 2025 is 365 days (no 29 Feb);
    # Nov 30 + Dec 31 = 61 days elapsed, 304 remain: 1,200 x 304/365 = 999.452... -> 999.45.
    p = policy(date(2024, 11, 1), date(2025, 10, 31), 1200, basis=DAILY)
    r = kernel_one(p, date(2024, 12, 31))
    assert r["upr"] == pytest.approx(999.45, abs=0.005)


def test_tv06_seven_of_twelve_months_elapsed():
    # TV-06 (E2 L4023-4025): premium 1,200, 7 months of 12 elapsed at period end:
    # unearned 5/12 x 1,200 = 500, earned 7/12 x 1,200 = 700.
    p = policy(date(2024, 6, 1), date(2025, 5, 31), 1200, basis=MONTHLY)
    r = kernel_one(p, date(2024, 12, 31))
    assert r["upr"] == pytest.approx(500.0, abs=1e-9)
    assert r["earned"] == pytest.approx(700.0, abs=1e-9)


def _period(pols, ps: date, v: date):
    res = compute_upr(arrays(pols), dn(ps), dn(v))
    tot = res.by_product().iloc[0]
    return res, tot


def test_tv01_earned_is_written_less_increase_in_upr():
    # TV-01 (E1 L599-600): premium income 1,000, change in UPR +100 -> earned 900.
    # A 10-month cover of 1,000 from 1 Apr 2024 (monthly basis): at 31 Dec 9 of 10 months
    # elapsed, so closing UPR = 100, opening UPR = 0 and written in 2024 = 1,000.
    pols = [policy(date(2024, 4, 1), date(2025, 1, 31), 1000, basis=MONTHLY)]
    res, tot = _period(pols, date(2023, 12, 31), date(2024, 12, 31))
    assert tot["written"] == pytest.approx(1000.0, abs=1e-9)
    assert tot["upr"] - tot["upr_opening"] == pytest.approx(100.0, abs=1e-9)
    assert tot["earned"] == pytest.approx(900.0, abs=1e-9)
    # the policy-level identity: earned = written - cancelled - (closing - opening UPR)
    np.testing.assert_allclose(
        res.earned, res.written - res.cancelled - (res.upr - res.upr_opening), atol=1e-9
    )


def test_tv02_earned_is_written_less_decrease_in_upr():
    # TV-02 (E1 L600-602): premium income 1,000, change in UPR -50 -> earned 1,050.
    # 600 written on 1 Feb 2023 for 12 months: at 31 Dec 2023 one month of 12 remains, opening
    # UPR = 50, fully earned by 31 Dec 2024; plus 1,000 written and earned within 2024.
    pols = [
        policy(date(2023, 2, 1), date(2024, 1, 31), 600, basis=MONTHLY),
        policy(date(2024, 1, 1), date(2024, 12, 31), 1000, basis=MONTHLY),
    ]
    res, tot = _period(pols, date(2023, 12, 31), date(2024, 12, 31))
    assert tot["written"] == pytest.approx(1000.0, abs=1e-9)
    assert tot["upr"] - tot["upr_opening"] == pytest.approx(-50.0, abs=1e-9)
    assert tot["earned"] == pytest.approx(1050.0, abs=1e-9)
    np.testing.assert_allclose(
        res.earned, res.written - res.cancelled - (res.upr - res.upr_opening), atol=1e-9
    )


def test_daily_basis_against_a_hand_day_count_and_the_24ths_method():
    # An annual policy written mid-month: 2,400 from 16 Jul 2025 to 15 Jul 2026 (365 days, no
    # 29 Feb). Days elapsed by 31 Dec 2025: Jul 16-31 = 16, Aug 31, Sep 30, Oct 31, Nov 30,
    # Dec 31 -> 169; remaining 365 - 169 = 196. Daily UPR = 2,400 x 196/365 = 1,288.767 -> 1,288.77.
    # The 1/24ths method (mid-month writing) gives 13/24 x 2,400 = 1,300; the exact count differs
    # by less than half a month's premium (2,400/24 = 100): H2 has 184 days, not 182.5.
    p = policy(date(2025, 7, 16), date(2026, 7, 15), 2400, basis=DAILY)
    r = kernel_one(p, date(2025, 12, 31))
    assert r["upr"] == pytest.approx(1288.77, abs=0.005)
    assert abs(r["upr"] - 13 / 24 * 2400) < 2400 / 24


# Hand-worked cases of the conventions: (policy, valuation date, expected field values).
HAND_CASES = [
    pytest.param(  # one-day term, valuation the day before: nothing written yet
        policy(date(2024, 3, 10), date(2024, 3, 10), 100), date(2024, 3, 9),
        dict(written=0, refunded=0, earned=0, upr=0), id="one-day-before"),
    pytest.param(  # one-day term at the end of its only day: fully earned
        policy(date(2024, 3, 10), date(2024, 3, 10), 100), date(2024, 3, 10),
        dict(written=100, refunded=0, earned=100, upr=0), id="one-day-on"),
    pytest.param(  # leap year: 1 Jan..29 Feb = 60 of 366 days; 366 x 60/366 = 60
        policy(date(2024, 1, 1), date(2024, 12, 31), 366), date(2024, 2, 29),
        dict(written=366, refunded=0, earned=60, upr=306), id="leap-day"),
    pytest.param(  # quarterly: 4 x 300 due 15 Jan/Apr/Jul/Oct; by 14 Apr only the first;
        # 17 + 28 + 31 + 14 = 90 days earned: 1,200 x 90/365 = 295.89 < 300 written
        policy(date(2025, 1, 15), date(2026, 1, 14), 1200, freq="quarterly"), date(2025, 4, 14),
        dict(written=300, refunded=0, earned=1200 * 90 / 365, upr=300 - 1200 * 90 / 365),
        id="quarterly-before-2nd"),
    pytest.param(  # 15 Apr: 600 written; 17 + 28 + 31 + 15 = 91 days earned: 1,200 x 91/365
        policy(date(2025, 1, 15), date(2026, 1, 14), 1200, freq="quarterly"), date(2025, 4, 15),
        dict(written=600, refunded=0, earned=1200 * 91 / 365, upr=600 - 1200 * 91 / 365),
        id="quarterly-on-2nd"),
    pytest.param(  # 31 Jan + 1 month = 28 Feb: one of 12 months elapsed at the end of 27 Feb
        policy(date(2025, 1, 31), date(2026, 1, 30), 1200, basis=MONTHLY), date(2025, 2, 27),
        dict(written=1200, refunded=0, earned=100, upr=1100), id="month-end-start"),
    pytest.param(  # ... and none at the end of 26 Feb
        policy(date(2025, 1, 31), date(2026, 1, 30), 1200, basis=MONTHLY), date(2025, 2, 26),
        dict(written=1200, refunded=0, earned=0, upr=1200), id="month-end-start-before"),
    pytest.param(  # 1 Jan..15 Feb with monthly premiums: due 1 Jan and 1 Feb, the part month counts
        policy(date(2025, 1, 1), date(2025, 2, 15), 100, freq="monthly"), date(2025, 1, 31),
        dict(written=50, refunded=0, earned=50, upr=0), id="part-month-instalment"),
    pytest.param(
        policy(date(2025, 1, 1), date(2025, 2, 15), 100, freq="monthly"), date(2025, 2, 1),
        dict(written=100, refunded=0, earned=100 * 32 / 46, upr=100 - 100 * 32 / 46),
        id="part-month-instalment-2"),
    pytest.param(  # the day before cancellation: 90 days of 365 earned
        policy(date(2025, 1, 1), date(2025, 12, 31), 1200, cancel=date(2025, 4, 1), refund=800),
        date(2025, 3, 31),
        dict(written=1200, refunded=0, earned=1200 * 90 / 365, upr=1200 - 1200 * 90 / 365),
        id="before-cancel"),
    pytest.param(  # from the cancel day on: refund 800, the rest earned, no UPR
        policy(date(2025, 1, 1), date(2025, 12, 31), 1200, cancel=date(2025, 4, 1), refund=800),
        date(2025, 4, 1), dict(written=1200, refunded=800, earned=400, upr=0), id="on-cancel"),
    pytest.param(  # three years, annual premiums 1,000 each, monthly basis: 18 of 36 months
        policy(date(2024, 1, 1), date(2026, 12, 31), 3000, freq="annual", basis=MONTHLY),
        date(2025, 6, 30), dict(written=2000, refunded=0, earned=1500, upr=500),
        id="three-year-term"),
    pytest.param(  # monthly premiums, monthly basis: 3 instalments due, 2 months elapsed
        policy(date(2025, 1, 1), date(2025, 12, 31), 1200, freq="monthly", basis=MONTHLY),
        date(2025, 3, 15), dict(written=300, refunded=0, earned=200, upr=100),
        id="monthly-instalments"),
    pytest.param(  # 12 months from 29 Feb 2024 (29 Feb + 12 months = 28 Feb 2025, so the term
        # ends 27 Feb 2025: 365 days); semiannual premiums due 29 Feb and 29 Aug 2024. By 29 Aug:
        # 1 + 31 + 30 + 31 + 30 + 31 + 29 = 183 days elapsed, 730 x 183/365 = 366 earned.
        policy(date(2024, 2, 29), date(2025, 2, 27), 730, freq="semiannual"), date(2024, 8, 29),
        dict(written=730, refunded=0, earned=366, upr=364), id="leap-start-semiannual"),
    pytest.param(  # the day before the second instalment: one of two due, 182 days earned
        policy(date(2024, 2, 29), date(2025, 2, 27), 730, freq="semiannual"), date(2024, 8, 28),
        dict(written=365, refunded=0, earned=364, upr=1), id="leap-start-semiannual-before"),
    pytest.param(  # valuation before the start: nothing
        policy(date(2026, 1, 1), date(2026, 12, 31), 500), date(2025, 12, 31),
        dict(written=0, refunded=0, earned=0, upr=0), id="not-started"),
    pytest.param(  # long expired: written = earned
        policy(date(2019, 1, 1), date(2019, 12, 31), 500, freq="quarterly"), date(2025, 12, 31),
        dict(written=500, refunded=0, earned=500, upr=0), id="expired"),
]


@pytest.mark.parametrize("p, v, expected", HAND_CASES)
def test_hand_worked_cases(p, v, expected):
    got = kernel_one(p, v)
    ref = dict(zip(FIELDS, ref_policy(p["start"], p["end"], p["cancel"], p["premium"],
                                      p["refund"], p["interval"], p["basis"], v), strict=True))
    for name in FIELDS:
        assert got[name] == pytest.approx(expected[name], abs=1e-9), name
        assert ref[name] == pytest.approx(expected[name], abs=1e-9), name  # the reference too


# ---------------------------------------------------------------------------------------------
# Month arithmetic against datetime


@given(st.dates(date(1600, 1, 1), date(2400, 12, 31)))
def test_civil_matches_datetime(d):
    assert tuple(int(x) for x in civil(dn(d))) == (d.year, d.month, d.day)


@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), st.integers(0, 600))
def test_add_months_matches_datetime(d, k):
    assert ds(add_months(dn(d), k)) == ref_add_months(d, k)


@given(st.dates(date(1990, 1, 1), date(2040, 12, 31)), st.dates(date(1990, 1, 1), date(2040, 12, 31)))
def test_whole_months_matches_datetime(s, t):
    assert int(whole_months(dn(s), dn(t))) == ref_whole_months(s, t)


@given(st.dates(date(2000, 1, 1), date(2030, 12, 31)), st.integers(0, 120))
def test_whole_months_inverts_add_months(s, k):
    # s + k months is at least k whole months after s, and the day before is not (k >= 1)
    t = add_months(dn(s), k)
    assert whole_months(dn(s), t) == k
    if k >= 1:
        assert whole_months(dn(s), t - 1) == k - 1


# ---------------------------------------------------------------------------------------------
# Portfolios: kernel == reference


@st.composite
def a_policy(draw, n_products=1):
    start = draw(st.dates(date(2019, 1, 1), date(2026, 12, 31)))
    if draw(st.booleans()):  # a term of whole months (1 month .. 5 years)
        end = ref_add_months(start, draw(st.integers(1, 60))) - timedelta(days=1)
    else:  # any term of 1 day .. 5 years
        end = start + timedelta(days=draw(st.integers(0, 5 * 365)))
    premium = draw(st.one_of(st.just(0.0), st.floats(0.0, 1e6)))
    cancel, refund = None, 0.0
    if draw(st.booleans()):
        cancel = start + timedelta(days=draw(st.integers(0, (end - start).days)))
        refund = draw(st.floats(0.0, 1.0)) * premium
    return policy(
        start, end, premium,
        freq=draw(st.sampled_from(sorted(INTERVAL_MONTHS))),
        basis=draw(st.sampled_from([DAILY, MONTHLY])),
        cancel=cancel, refund=refund,
        product=draw(st.integers(0, n_products - 1)),
    )


@st.composite
def a_valuation(draw, pols):
    """Any day, or a day next to a policy's start, end or cancel date (the edges)."""
    if draw(st.booleans()):
        return draw(st.dates(date(2018, 1, 1), date(2033, 12, 31)))
    p = draw(st.sampled_from(pols))
    anchors = [p["start"], p["end"]] + ([p["cancel"]] if p["cancel"] else [])
    return draw(st.sampled_from(anchors)) + timedelta(days=draw(st.integers(-2, 2)))


portfolios = st.lists(a_policy(n_products=3), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_kernel_matches_slow_reference(data):
    pols = data.draw(portfolios)
    v = data.draw(a_valuation(pols))
    out = kernel(pols, v)
    for i, p in enumerate(pols):
        ref = ref_policy(p["start"], p["end"], p["cancel"], p["premium"], p["refund"],
                         p["interval"], p["basis"], v)
        for name, k, r in zip(FIELDS, (x[i] for x in out), ref, strict=True):
            assert close(float(k), r), (name, p, v, float(k), r)


# ---------------------------------------------------------------------------------------------
# Metamorphic properties of compute_upr


@st.composite
def period(draw, pols):
    """(period start, valuation date) with period start < valuation date."""
    a, b = sorted([draw(a_valuation(pols)), draw(a_valuation(pols))])
    return a, b if b > a else a + timedelta(days=draw(st.integers(1, 400)))


FLOWS = ["upr_opening", "written", "cancelled", "earned", "upr"]


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_splitting_a_portfolio_leaves_product_totals_unchanged(data):
    pols = data.draw(portfolios)
    ps, v = data.draw(period(pols))
    left = data.draw(st.lists(st.booleans(), min_size=len(pols), max_size=len(pols)))
    whole = compute_upr(arrays(pols, 3), dn(ps), dn(v)).by_product()
    parts = [
        compute_upr(arrays([p for p, k in zip(pols, left, strict=True) if k == side], 3),
                    dn(ps), dn(v)).by_product()
        for side in (True, False)
    ]
    assert list(whole["product_id"]) == ["PR0", "PR1", "PR2"]
    np.testing.assert_allclose(
        whole[FLOWS].to_numpy(), parts[0][FLOWS].to_numpy() + parts[1][FLOWS].to_numpy(),
        rtol=1e-9, atol=1e-6,
    )


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_doubling_premiums_and_refunds_doubles_every_flow(data):
    pols = data.draw(portfolios)
    ps, v = data.draw(period(pols))
    a = arrays(pols, 3)
    one = compute_upr(a, dn(ps), dn(v))
    two = compute_upr(
        replace(a, written_premium=2 * a.written_premium, refund=2 * a.refund), dn(ps), dn(v)
    )
    for name in ("upr", "upr_opening", "written", "cancelled", "earned"):
        np.testing.assert_allclose(getattr(two, name), 2 * getattr(one, name), rtol=1e-12,
                                   atol=1e-9, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_no_upr_after_every_cover_has_ended(data):
    pols = data.draw(portfolios)
    a = arrays(pols, 3)
    v = int(a.end.max()) + data.draw(st.integers(1, 4000))
    written, refunded, earned, upr = upr_at(a.start, a.end, a.cancel, a.written_premium, a.refund,
                                           a.interval_months, a.basis, np.int64(v))
    assert np.all(upr == 0.0)
    running = a.cancel == NEVER  # every instalment of an uncancelled policy has fallen due
    np.testing.assert_allclose(written[running], a.written_premium[running], rtol=1e-12)
    np.testing.assert_allclose(earned, written - refunded, rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_roll_forward_per_policy_and_per_product(data):
    # opening UPR + written - cancelled - earned = closing UPR (DESIGN accounting identities)
    pols = data.draw(portfolios)
    ps, v = data.draw(period(pols))
    res = compute_upr(arrays(pols, 3), dn(ps), dn(v))
    scale = max(1.0, float(np.abs(res.written).max()), float(np.abs(res.upr_opening).max()))
    np.testing.assert_allclose(
        res.upr_opening + res.written - res.cancelled - res.earned, res.upr,
        rtol=1e-9, atol=1e-9 * scale,
    )
    t = res.by_product()
    np.testing.assert_allclose(
        t["upr_opening"] + t["written"] - t["cancelled"] - t["earned"], t["upr"],
        rtol=1e-9, atol=1e-9 * scale * len(pols),
    )
    # opening UPR is the kernel at the period start (not carried from elsewhere)
    at_start = kernel(pols, ps)[3]
    np.testing.assert_allclose(res.upr_opening, at_start, rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# The table edge: policy_arrays


class _Basis:
    def __init__(self, earning_basis):
        self.earning_basis = earning_basis


class _Assumptions:
    """Only what policy_arrays reads: the earning basis per product kind."""

    def basis(self, kind):
        return _Basis({"credit_life": "monthly", "group_life": "daily"}[kind])


def _policies_frame():
    return pd.DataFrame({
        "policy_id": ["A", "B", "C"],
        "product_id": ["GL", "CL", "GL"],
        "start_date": ["2024-11-01", "2024-11-01", "2024-01-01"],
        "end_date": ["2025-10-31", "2025-10-31", "2024-12-31"],
        "written_premium": [1200.0, 1200.0, 120.0],
        "premium_frequency": ["single", "single", "monthly"],
        "cancel_date": [None, None, "2024-07-01"],
        "refund": [None, None, 10.0],
    })


def test_policy_arrays_takes_the_basis_per_product_kind():
    products = pd.DataFrame({"product_id": ["CL", "GL"], "kind": ["credit_life", "group_life"]})
    a = policy_arrays(_policies_frame(), products, _Assumptions())
    assert list(a.products) == ["CL", "GL"]
    assert list(a.product) == [1, 0, 1]
    assert list(a.basis) == [DAILY, MONTHLY, DAILY]
    assert list(a.interval_months) == [0, 0, 1]
    assert a.cancel[0] == NEVER and ds(a.cancel[2]) == date(2024, 7, 1)
    assert list(a.refund) == [0.0, 0.0, 10.0]
    # TV-05 on both bases at once: daily 999.45 (GL), monthly 1,000 (CL)
    res = compute_upr(a, dn(date(2023, 12, 31)), dn(date(2024, 12, 31)))
    assert res.upr[0] == pytest.approx(999.45, abs=0.005)
    assert res.upr[1] == pytest.approx(1000.0, abs=1e-9)
    # C: 120 monthly from 1 Jan, cancelled 1 Jul with 10 back: 7 instalments of 10 by 1 Jul
    assert res.written[2] == pytest.approx(70.0, abs=1e-9)
    assert res.cancelled[2] == pytest.approx(10.0, abs=1e-9)
    assert res.earned[2] == pytest.approx(60.0, abs=1e-9)
    assert res.upr[2] == 0.0


def test_policy_arrays_basis_override():
    products = pd.DataFrame({"product_id": ["CL", "GL"], "kind": ["credit_life", "group_life"]})
    a = policy_arrays(_policies_frame(), products, _Assumptions(), basis="monthly")
    assert list(a.basis) == [MONTHLY] * 3
