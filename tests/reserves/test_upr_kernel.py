"""UPR kernel against the handbook examples, hand-worked cases and a slow per-policy reference.

Conventions under test are those of the kernel module docstring (reserva.reserves.upr._kernels):
a term covers ``start .. end`` inclusive, a valuation is at the end of its day, ``written`` is the
instalments due by ``min(v, cancel)``, ``earned = min(W f(v), written)`` before cancellation and
``written - refund`` from the cancel day on, ``upr = written - refunded - earned``; the earned
fraction ``f = sum_k share_k f_k`` runs over the earning components of the policy's product.
Sources: E1 L642-645 (TV-05), E2 L4023-4025 (TV-06), E1 L599-602 (TV-01, TV-02), E1 L645-649 and
footnote 11 (loan cover), E2 Table 8 L3955-4101 (components and perspectives), E2 L4062-4063
(grouping by month of expiry), spec §3.3.
"""

from __future__ import annotations

import calendar
import math
import shutil
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from reserva.calendar import NEVER, add_months, civil, whole_months
from reserva.errors import AssumptionError
from reserva.io.assumptions import default_root, load_assumptions, write_manifest
from reserva.reserves.upr._kernels import (
    AT_EXPIRY,
    BASIS_CODES,
    CURVE,
    DAILY,
    EXPIRY,
    IMMEDIATE,
    LOAN,
    M8,
    M12,
    M24,
    MONTHLY,
    REFUND_RULES,
    instalments,
    upr_at,
)
from reserva.reserves.upr.upr import (
    INTERVAL_MONTHS,
    EarningTables,
    PolicyArrays,
    compute_upr,
    earning_tables,
    policy_arrays,
)
from tests.bundled import table_of

EPOCH = date(1970, 1, 1)
FIELDS = ("written", "refunded", "earned", "upr")
ONE_DAY = timedelta(days=1)


def dn(d: date) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return (d - EPOCH).days


def ds(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


# ---------------------------------------------------------------------------------------------
# The slow, obvious reference: datetime arithmetic, one policy at a time.
# An earning component is ``(share, basis code, param)``; ``param`` is the annual rate of a loan
# and the points ``((x1, y1), ..., (1, 1))`` of a curve (the kernel gets the curve's index).


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


def ref_term_months(s: date, e: date) -> int:
    """Term in months, a part month counting as one: the least k >= 1 with s + k months > e."""
    k = 1
    while ref_add_months(s, k) <= e:
        k += 1
    return k


def month_number(d: date) -> int:
    """Months since January of year 0: consecutive months differ by 1."""
    return d.year * 12 + d.month - 1


def month_elapsed(d: date) -> float:
    """Share of d's month elapsed at the end of day d."""
    return d.day / calendar.monthrange(d.year, d.month)[1]


def clip01(f: float) -> float:
    return min(max(f, 0.0), 1.0)


def ref_loan(rate: float, x: float, months: int) -> float:
    """Loan cover (docstring closed form, 40 digits): ``int_0^x B / int_0^1 B`` with the sum at
    risk ``B(u) = 1 - exp(-a (1 - u))``, ``a = months/12 ln(1 + rate)``; rate 0: 1 - (1 - x)^2."""
    with localcontext() as ctx:
        ctx.prec = 40
        a = Decimal(months) / 12 * (1 + Decimal(rate)).ln()
        if a == 0:
            return 1.0 - (1.0 - x) ** 2

        def at_risk_integral(t: Decimal) -> Decimal:  # int_0^t 1 - exp(-a (1 - u)) du
            return t - ((-a * (1 - t)).exp() - (-a).exp()) / a

        return float(at_risk_integral(Decimal(x)) / at_risk_integral(Decimal(1)))


def ref_curve(points, x: float) -> float:
    """Linear interpolation of the cumulative curve through (0, 0) and its points."""
    px, py = 0.0, 0.0
    for cx, cy in points:
        if x <= cx:
            return py + (cy - py) * (x - px) / (cx - px)
        px, py = cx, cy
    return py


def ref_fraction(code: int, param, s: date, e: date, v: date) -> float:
    """Share of one component earned by the end of day v, for s <= v < e."""
    x = ((v - s).days + 1) / ((e - s).days + 1)  # elapsed share of the term in days
    if code == DAILY:
        return x
    if code == MONTHLY:
        months = ref_whole_months(s, e + ONE_DAY)
        if months == 0:  # a term shorter than a month is earned by the day
            return x
        return clip01(ref_whole_months(s, v + ONE_DAY) / months)
    if code == IMMEDIATE:
        return 1.0
    if code == AT_EXPIRY:
        return 0.0
    if code == CURVE:
        return ref_curve(param, x)
    months = ref_term_months(s, e)
    if code == LOAN:
        return ref_loan(param, x, months)
    # grouped methods: the months elapsed since the assumed date of writing, over the term
    if code == M24:  # every policy of the month of inception written in the middle of it
        elapsed = month_number(v) - month_number(s) + month_elapsed(v) - 0.5
    elif code == M12:  # ... written on its first day
        elapsed = month_number(v) - month_number(s) + month_elapsed(v)
    elif code == M8:  # every policy of the quarter of inception written in the middle of it
        quarter_start = s.year * 12 + 3 * ((s.month - 1) // 3)
        elapsed = month_number(v) - quarter_start + month_elapsed(v) - 1.5
    elif code == EXPIRY:  # grouped by month of expiry, all expiring in the middle of it
        unearned = month_number(e) - month_number(v) + 0.5 - month_elapsed(v)
        return 1.0 - clip01(unearned / months)
    else:
        raise AssertionError(f"no reference for basis code {code}")
    return clip01(elapsed / months)


def ref_policy(s, e, c, w, refund, interval, comps, v):
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
    if v < s:
        f = 0.0
    elif v >= e:
        f = 1.0
    else:
        f = 0.0
        for share, code, param in comps:
            f += share * ref_fraction(code, param, s, e, v)
    earned = min(w * f, written)
    return written, 0.0, earned, written - earned


def ref_of(p, v):
    return ref_policy(p["start"], p["end"], p["cancel"], p["premium"], p["refund"], p["interval"],
                      p["comps"], v)


# ---------------------------------------------------------------------------------------------
# Helpers to run the kernel on policies given as dicts of dates.


def policy(start, end, premium, *, freq="single", basis=DAILY, comps=None, cancel=None,
           refund=0.0, product=0):
    """A policy; its earning is ``comps`` or else one component of share 1 on ``basis``."""
    comps = tuple(comps) if comps is not None else ((1.0, basis, 0.0),)
    return dict(start=start, end=end, premium=float(premium), interval=INTERVAL_MONTHS[freq],
                comps=comps, cancel=cancel, refund=float(refund), product=product)


def tables(product_comps) -> EarningTables:
    """Kernel tables of the components of each product; unused slots and curve points hold NaN
    (code -1), so a kernel that read past them would show it."""
    curves = sorted({param for comps in product_comps for _, code, param in comps
                     if code == CURVE})
    width = max(len(c) for c in product_comps)
    n_products = len(product_comps)
    code = np.full((n_products, width), -1, np.int8)
    share = np.full((n_products, width), np.nan)
    param = np.full((n_products, width), np.nan)
    for j, comps in enumerate(product_comps):
        for k, (a, b, p) in enumerate(comps):
            code[j, k], share[j, k] = b, a
            param[j, k] = curves.index(p) if b == CURVE else p
    n_pts = max([len(c) for c in curves] or [1])
    curve_x = np.full((max(len(curves), 1), n_pts), np.nan)
    curve_y = np.full_like(curve_x, np.nan)
    curve_n = np.ones(curve_x.shape[0], np.int64)
    for j, points in enumerate(curves):
        curve_x[j, : len(points)] = [x for x, _ in points]
        curve_y[j, : len(points)] = [y for _, y in points]
        curve_n[j] = len(points)
    return EarningTables(tuple(("",) for _ in product_comps), code, share, param, curve_x,
                         curve_y, curve_n)


def arrays(pols, product_comps=None) -> PolicyArrays:
    """Kernel arrays of a portfolio. Without ``product_comps`` each distinct earning of the
    policies becomes a product; with them, a policy's product is its ``product`` field."""
    if product_comps is None:
        product_comps = list(dict.fromkeys(p["comps"] for p in pols))
        product = [product_comps.index(p["comps"]) for p in pols]
    else:
        product = [p["product"] for p in pols]
        assert all(p["comps"] == product_comps[p["product"]] for p in pols)
    start = np.array([dn(p["start"]) for p in pols], dtype=np.int64)
    end = np.array([dn(p["end"]) for p in pols], dtype=np.int64)
    interval = np.array([p["interval"] for p in pols], dtype=np.int64)
    return PolicyArrays(
        policy_id=np.array([f"P{i}" for i in range(len(pols))], dtype=object),
        product=np.array(product, dtype=np.int32),
        products=np.array([f"PR{j}" for j in range(len(product_comps))], dtype=object),
        start=start,
        end=end,
        cancel=np.array([NEVER if p["cancel"] is None else dn(p["cancel"]) for p in pols],
                        dtype=np.int64),
        written_premium=np.array([p["premium"] for p in pols], dtype=np.float64),
        refund=np.array([p["refund"] for p in pols], dtype=np.float64),
        interval_months=interval,
        n_instalments=instalments(start, end, interval),
        issue=start,  # premium written at the start of cover
        earning=tables(product_comps),
        refund_rule=np.full(len(product_comps), REFUND_RULES["data"], np.int8),
    )


def kernel_at(a: PolicyArrays, v: int):
    e = a.earning
    return upr_at(a.start, a.end, a.cancel, a.written_premium, a.refund, a.interval_months,
                  a.product.astype(np.int64), e.code, e.share, e.param, e.curve_x, e.curve_y,
                  e.curve_n, np.int64(v), n_instalments=a.n_instalments, issue=a.issue,
                  refund_rule=a.refund_rule)


def kernel(pols, v: date, product_comps=None):
    return kernel_at(arrays(pols, product_comps), dn(v))


def kernel_one(p, v: date) -> dict:
    return {name: float(x[0]) for name, x in zip(FIELDS, kernel([p], v), strict=True)}


def close(a, b, scale=0.0) -> bool:
    """Equal to 1e-9 relative to the value or to ``scale`` (the policy's premium)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=max(1e-6, 1e-9 * scale))


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


MONTHLY_ONLY = [((1.0, MONTHLY, 0.0),)]


def _period(pols, ps: date, v: date):
    res = compute_upr(arrays(pols, MONTHLY_ONLY), dn(ps), dn(v))
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


def replace_basis(p, code, param=0.0):
    """The policy earned by one component of share 1 on another basis."""
    return {**p, "comps": ((1.0, code, param),)}


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
    r24 = kernel_one(replace_basis(p, M24), date(2025, 12, 31))
    assert r24["upr"] == pytest.approx(1300.0, abs=1e-9)
    assert abs(r["upr"] - r24["upr"]) < 2400 / 24


def single(start, end, premium, comps):
    """A single-premium, uncancelled policy earned by ``comps``."""
    return policy(start, end, premium, comps=comps)


def unearned(w, u):
    """Expected fields of an uncancelled single-premium policy with UPR ``u`` of premium ``w``."""
    return dict(written=w, refunded=0, earned=w - u, upr=u)


LOAN_0, LOAN_24 = (1.0, LOAN, 0.0), (1.0, LOAN, 0.24)
THREE_COMPONENTS = ((0.55, LOAN, 0.0), (0.30, DAILY, 0.0), (0.15, IMMEDIATE, 0.0))
DEC31 = date(2025, 12, 31)

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
    # --- 1/24ths: annual policies, each month's written mid-month; valuation 31 Dec 2025 -------
    pytest.param(  # written in July: Jul 15 -> Dec 31 = 5.5 months = 11/24 of the year earned,
        # unearned 13/24 x 2,400 = 1,300
        policy(date(2025, 7, 10), date(2026, 7, 9), 2400, basis=M24), DEC31,
        unearned(2400, 1300), id="24ths-july"),
    pytest.param(  # written in December: half a month = 1/24 earned, unearned 23/24 x 2,400 = 2,300
        policy(date(2025, 12, 5), date(2026, 12, 4), 2400, basis=M24), DEC31,
        unearned(2400, 2300), id="24ths-december"),
    pytest.param(  # written in January: 11.5 months = 23/24 earned, unearned 1/24 x 2,400 = 100
        policy(date(2025, 1, 20), date(2026, 1, 19), 2400, basis=M24), DEC31,
        unearned(2400, 100), id="24ths-january"),
    # --- 1/8ths: each quarter's policies written mid-quarter; valuation 31 Dec 2025 -----------
    pytest.param(  # Q1 (mid-Feb): 10.5 months = 7/8 earned, unearned 1/8 x 800 = 100
        policy(date(2025, 2, 14), date(2026, 2, 13), 800, basis=M8), DEC31,
        unearned(800, 100), id="8ths-q1"),
    pytest.param(  # Q2 (mid-May): 7.5 months = 5/8 earned, unearned 3/8 x 800 = 300
        policy(date(2025, 4, 1), date(2026, 3, 31), 800, basis=M8), DEC31,
        unearned(800, 300), id="8ths-q2"),
    pytest.param(  # Q3 (mid-Aug): 4.5 months = 3/8 earned, unearned 5/8 x 800 = 500
        policy(date(2025, 9, 30), date(2026, 9, 29), 800, basis=M8), DEC31,
        unearned(800, 500), id="8ths-q3"),
    pytest.param(  # Q4 (mid-Nov): 1.5 months = 1/8 earned, unearned 7/8 x 800 = 700
        policy(date(2025, 10, 3), date(2026, 10, 2), 800, basis=M8), DEC31,
        unearned(800, 700), id="8ths-q4"),
    # --- 1/12ths: each month's policies written on its 1st --------------------------------------
    pytest.param(  # written in July: 1 Jul -> 31 Dec = 6 months, unearned 6/12 x 1,200 = 600
        policy(date(2025, 7, 22), date(2026, 7, 21), 1200, basis=M12), DEC31,
        unearned(1200, 600), id="12ths-july"),
    # --- expiry month: each month's expiries at mid-month (E2 L4062-4063) -----------------------
    pytest.param(  # annual, expiring in March 2026: 31 Dec -> 15 Mar = 2.5 months remain,
        # unearned 2.5/12 x 1,200 = 250
        policy(date(2025, 3, 10), date(2026, 3, 9), 1200, basis=EXPIRY), DEC31,
        unearned(1200, 250), id="expiry-month-march"),
    # --- loan cover (E1 footnote 11) ------------------------------------------------------------
    pytest.param(  # rate 0: the sum at risk falls linearly, earned 1 - (1 - x)^2. 2024 has 366
        # days; 1 Jan..1 Jul = 31+29+31+30+31+30+1 = 183 days, x = 1/2: earned 3/4 x 1,000 = 750
        single(date(2024, 1, 1), date(2024, 12, 31), 1000, [LOAN_0]), date(2024, 7, 1),
        unearned(1000, 250), id="loan-0-half-term"),
    pytest.param(  # rate 0 at x = 1/4 (1 Jan..31 Mar 2024 = 91 of 364 days to 29 Dec):
        # earned 1 - (3/4)^2 = 7/16 x 1,600 = 700
        single(date(2024, 1, 1), date(2024, 12, 29), 1600, [LOAN_0]), date(2024, 3, 31),
        unearned(1600, 900), id="loan-0-quarter-term"),
    pytest.param(  # 24% a year over 12 months at x = 1/2: a = ln 1.24 = 0.2151114,
        # e^-a = 1/1.24 = 0.8064516, e^-a/2 = 1.24^-1/2 = 0.8980265;
        # int_0^1/2 B = 1/2 - (0.8980265 - 0.8064516)/0.2151114 = 1/2 - 0.4257092 = 0.0742908,
        # int_0^1 B = 1 - (1 - 0.8064516)/0.2151114 = 1 - 0.8997589 = 0.1002411,
        # earned 0.0742908/0.1002411 = 0.741121 x 1,000 = 741.12, unearned 258.88
        single(date(2024, 1, 1), date(2024, 12, 31), 1000, [LOAN_24]), date(2024, 7, 1),
        dict(written=1000, refunded=0, earned=741.121, upr=258.879, tol=5e-4),
        id="loan-24-half-term"),
    # --- three components (E2 Table 8): 0.55 loan at 0% + 0.30 daily + 0.15 immediate -----------
    pytest.param(  # x = 1/2 (as above): 0.55 x 3/4 + 0.30 x 1/2 + 0.15 x 1 = 0.4125 + 0.15 + 0.15
        # = 0.7125 earned: 712.50 of 1,000, unearned 287.50
        single(date(2024, 1, 1), date(2024, 12, 31), 1000, THREE_COMPONENTS), date(2024, 7, 1),
        unearned(1000, 287.5), id="three-components-half-term"),
    pytest.param(  # first day, x = 1/366: 0.55 (1 - (365/366)^2) + 0.30/366 + 0.15
        single(date(2024, 1, 1), date(2024, 12, 31), 1000, THREE_COMPONENTS), date(2024, 1, 1),
        unearned(1000, 1000 * (1 - 0.55 * (1 - (365 / 366) ** 2) - 0.30 / 366 - 0.15)),
        id="three-components-first-day"),
    pytest.param(  # with quarterly premiums of 250 (1 Jan, 1 Apr, 1 Jul, 1 Oct), 750 is written
        # by 1 Jul; 712.50 earned (as above) < 750, so UPR = 750 - 712.50 = 37.50
        policy(date(2024, 1, 1), date(2024, 12, 31), 1000, freq="quarterly",
               comps=THREE_COMPONENTS), date(2024, 7, 1),
        dict(written=750, refunded=0, earned=712.5, upr=37.5), id="three-components-quarterly"),
    pytest.param(  # immediate: all earned on the first day, nothing unearned
        single(date(2025, 1, 1), date(2025, 12, 31), 500, [(1.0, IMMEDIATE, 0.0)]),
        date(2025, 1, 1), unearned(500, 0), id="immediate"),
    pytest.param(  # ... but no more than is written: quarterly, 1 of 4 instalments of 250 due
        policy(date(2025, 1, 1), date(2025, 12, 31), 1000, freq="quarterly",
               comps=[(1.0, IMMEDIATE, 0.0)]), date(2025, 1, 1),
        dict(written=250, refunded=0, earned=250, upr=0), id="immediate-quarterly"),
    pytest.param(  # at expiry: nothing earned the day before the end, all of it on the end day
        single(date(2025, 1, 1), date(2025, 12, 31), 500, [(1.0, AT_EXPIRY, 0.0)]),
        date(2025, 12, 30), unearned(500, 500), id="at-expiry-day-before"),
    pytest.param(
        single(date(2025, 1, 1), date(2025, 12, 31), 500, [(1.0, AT_EXPIRY, 0.0)]),
        date(2025, 12, 31), unearned(500, 0), id="at-expiry-end-day"),
    pytest.param(  # curve (0.25, 0.30), (0.5, 0.55), ...: x = 183/366 = 1/2 -> 0.55 earned of 1,000
        single(date(2024, 1, 1), date(2024, 12, 31), 1000,
               [(1.0, CURVE, ((0.25, 0.30), (0.5, 0.55), (0.75, 0.78), (1.0, 1.0)))]),
        date(2024, 7, 1), unearned(1000, 450), id="curve-on-a-point"),
    pytest.param(  # x = 61/366 = 1/6 < 0.25: from (0, 0) to (0.25, 0.30): 0.30 x (1/6)/0.25 = 0.2
        single(date(2024, 1, 1), date(2024, 12, 31), 1200,
               [(1.0, CURVE, ((0.25, 0.30), (0.5, 0.55), (0.75, 0.78), (1.0, 1.0)))]),
        date(2024, 3, 1), unearned(1200, 960), id="curve-first-segment"),
]


@pytest.mark.parametrize("p, v, expected", HAND_CASES)
def test_hand_worked_cases(p, v, expected):
    got = kernel_one(p, v)
    ref = dict(zip(FIELDS, ref_of(p, v), strict=True))
    tol = expected.get("tol", 1e-9)  # exact unless the case prints fewer decimals
    for name in FIELDS:
        assert got[name] == pytest.approx(expected[name], abs=tol), name
        assert ref[name] == pytest.approx(expected[name], abs=tol), name  # the reference too


# ---------------------------------------------------------------------------------------------
# Loan cover against the balance of a level-repayment loan (E1 L645-649, footnote 11)


def loan_balance(t: float, n: int, j: float) -> float:
    """Outstanding balance after t months (continuous) of a loan of 1 repaid by n level monthly
    payments at monthly rate j: the present value of the remaining payments P a_{n-t}."""
    if j == 0.0:
        return 1.0 - t / n
    return (1.0 - (1.0 + j) ** -(n - t)) / (1.0 - (1.0 + j) ** -n)


def loan_earned_by_quadrature(rate: float, x: float, n: int) -> float:
    """Share of the cover (integral of the balance) run off by x of the term, by quadrature."""
    j = (1.0 + rate) ** (1 / 12) - 1.0  # the monthly rate equivalent to the annual rate
    part, _ = quad(loan_balance, 0.0, n * x, args=(n, j), epsabs=1e-13, epsrel=1e-12)
    whole, _ = quad(loan_balance, 0.0, n, args=(n, j), epsabs=1e-13, epsrel=1e-12)
    return part / whole


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.24, 0.40])
@pytest.mark.parametrize("n", [1, 12, 36, 60])
def test_loan_closed_form_is_the_integral_of_the_loan_balance(rate, n):
    j = (1.0 + rate) ** (1 / 12) - 1.0
    balance, payment = 1.0, (j / (1 - (1 + j) ** -n) if j else 1.0 / n)
    for k in range(1, n + 1):  # the continuous balance is the amortisation schedule's at payments
        balance = balance * (1 + j) - payment
        assert loan_balance(k, n, j) == pytest.approx(balance, abs=1e-12)
    for x in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999):
        assert ref_loan(rate, x, n) == pytest.approx(loan_earned_by_quadrature(rate, x, n),
                                                     abs=1e-6)


def test_loan_kernel_is_the_integral_of_the_loan_balance():
    # a 24-month loan at 30% from 1 Mar 2025 (to 28 Feb 2027, 730 days), every 30th day
    s, e = date(2025, 3, 1), date(2027, 2, 28)
    p = single(s, e, 1.0, [(1.0, LOAN, 0.30)])
    for days in range(0, 730, 30):
        v = s + timedelta(days=days)
        x = (days + 1) / 730
        assert kernel_one(p, v)["earned"] == pytest.approx(
            loan_earned_by_quadrature(0.30, x, 24), abs=1e-6)


@pytest.mark.parametrize("rate", [1e-8, 1e-6, 1e-4])
def test_loan_earning_at_small_positive_rates(rate):
    # a 12-month loan through 2025 at every day: the kernel equals the 40-digit closed form to
    # 1e-9 and stays a non-decreasing fraction in [0, 1] (it does for rate 0 and rates >= 1%)
    s, e = date(2025, 1, 1), date(2025, 12, 31)
    a = arrays([single(s, e, 1.0, [(1.0, LOAN, rate)])])
    f = np.array([kernel_at(a, dn(s) + k)[2][0] for k in range(365)])
    ref = np.array([ref_loan(rate, (k + 1) / 365, 12) for k in range(364)] + [1.0])
    assert np.all((f >= 0.0) & (f <= 1.0))
    assert np.all(np.diff(f) >= 0.0)
    np.testing.assert_allclose(f, ref, rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Perspectives on the default set's credit life profile (E2 Table 8)


def _credit_life(perspective: str) -> EarningTables:
    return earning_tables(["credit_life"], load_assumptions("default"), perspective=perspective)


def test_default_credit_life_profile_tables():
    aset = load_assumptions("default")
    assert aset.basis("credit_life").earning_basis == "credit_life_components"
    overall, insurer = _credit_life("overall"), _credit_life("insurer")
    # net risk 0.55 on a 24% loan, expenses 0.20, commission 0.15, profit 0.10 (the CSV's rows)
    assert overall.code.tolist() == [[LOAN, DAILY, DAILY, DAILY]]
    assert insurer.code.tolist() == [[LOAN, DAILY, IMMEDIATE, DAILY]]
    for t in (overall, insurer):
        np.testing.assert_allclose(t.share, [[0.55, 0.20, 0.15, 0.10]], rtol=0, atol=1e-15)
        assert t.param[0, 0] == 0.24
    # the settings' perspective is the overall one (spec §3.3: KPIs use perspective 3)
    default = earning_tables(["credit_life"], aset)
    assert default.code.tolist() == overall.code.tolist()


def _upr_with(t: EarningTables, p, v: date) -> float:
    a = replace(arrays([p]), earning=t)
    return float(kernel_at(a, dn(v))[3][0])


def test_credit_life_overall_and_insurer_upr_by_hand():
    # 1,000 single premium over 2024 (366 days, 12 months), valuation 1 Jul 2024: x = 183/366 = 1/2.
    # Loan part at 24% and x = 1/2: 0.741121 (the loan-24-half-term case).
    # overall: earned 0.55 x 0.741121 + (0.20 + 0.15 + 0.10) x 1/2 = 0.407617 + 0.225 = 0.632617,
    #   UPR = 1,000 x 0.367383 = 367.38;
    # insurer: the commission is earned at once: 0.407617 + 0.30 x 1/2 + 0.15 = 0.707617,
    #   UPR = 292.38 = 367.38 - 0.15 x 1,000 x 1/2.
    p = single(date(2024, 1, 1), date(2024, 12, 31), 1000, [(1.0, DAILY, 0.0)])
    v = date(2024, 7, 1)
    assert _upr_with(_credit_life("overall"), p, v) == pytest.approx(367.38, abs=0.005)
    assert _upr_with(_credit_life("insurer"), p, v) == pytest.approx(292.38, abs=0.005)


def test_insurer_upr_is_lower_by_the_unearned_commission_every_day():
    # E2 Table 8: the insurer earns the 15% commission at inception, the overall view pro rata,
    # so UPR(overall) - UPR(insurer) = 0.15 W (1 - x) on every day of the term, 0 outside it.
    s, e, w = date(2025, 3, 15), date(2026, 9, 14), 840.0  # 549 days, 18 months
    p = single(s, e, w, [(1.0, DAILY, 0.0)])
    a = arrays([p])
    overall = replace(a, earning=_credit_life("overall"))
    insurer = replace(a, earning=_credit_life("insurer"))
    n_days = (e - s).days + 1
    for k in range(-3, n_days + 3):
        v = dn(s) + k
        diff = kernel_at(overall, v)[3][0] - kernel_at(insurer, v)[3][0]
        x = (k + 1) / n_days
        expected = 0.15 * w * (1 - x) if 0 <= k < n_days - 1 else 0.0
        assert diff == pytest.approx(expected, abs=1e-9), k


# ---------------------------------------------------------------------------------------------
# Month arithmetic against datetime (no deadline: the first call may compile the kernel)


@settings(deadline=None)
@given(st.dates(date(1600, 1, 1), date(2400, 12, 31)))
def test_civil_matches_datetime(d):
    assert tuple(int(x) for x in civil(dn(d))) == (d.year, d.month, d.day)


@settings(deadline=None)
@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), st.integers(0, 600))
def test_add_months_matches_datetime(d, k):
    assert ds(add_months(dn(d), k)) == ref_add_months(d, k)


@settings(deadline=None)
@given(st.dates(date(1990, 1, 1), date(2040, 12, 31)), st.dates(date(1990, 1, 1), date(2040, 12, 31)))
def test_whole_months_matches_datetime(s, t):
    assert int(whole_months(dn(s), dn(t))) == ref_whole_months(s, t)


@settings(deadline=None)
@given(st.dates(date(2000, 1, 1), date(2030, 12, 31)), st.integers(0, 120))
def test_whole_months_inverts_add_months(s, k):
    # s + k months is at least k whole months after s, and the day before is not (k >= 1)
    t = add_months(dn(s), k)
    assert whole_months(dn(s), t) == k
    if k >= 1:
        assert whole_months(dn(s), t - 1) == k - 1


# ---------------------------------------------------------------------------------------------
# Random earning tables and portfolios: kernel == reference

ALL_BASES = sorted(BASIS_CODES)
# loan rates 0 or 1%..40%; smaller positive rates: test_loan_earning_at_small_positive_rates
RATES = st.one_of(st.just(0.0), st.floats(0.01, 0.40))


@st.composite
def a_curve(draw):
    """A cumulative earning curve as the loader accepts it: x rising strictly to 1, y to 1."""
    xs = sorted(set(draw(st.lists(st.floats(0.01, 0.99), max_size=4)))) + [1.0]
    ys = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=len(xs) - 1,
                              max_size=len(xs) - 1))) + [1.0]
    return tuple(zip(xs, ys, strict=True))


@st.composite
def a_param(draw, code):
    if code == LOAN:
        return draw(RATES)
    if code == CURVE:
        return draw(a_curve())
    return 0.0


@st.composite
def an_earning(draw, code=None):
    """1-4 components with shares adding to 1 on random bases (or all on ``code``)."""
    n = draw(st.integers(1, 4))
    weights = draw(st.lists(st.integers(1, 100), min_size=n, max_size=n))
    comps = []
    for w in weights:
        b = code if code is not None else BASIS_CODES[draw(st.sampled_from(ALL_BASES))]
        comps.append((w / sum(weights), b, draw(a_param(b))))
    return tuple(comps)


@st.composite
def a_policy(draw, product_comps):
    start = draw(st.dates(date(2019, 1, 1), date(2026, 12, 31)))
    term = draw(st.sampled_from(["months", "months and a day", "days"]))
    if term == "days":  # any term of 1 day .. 5 years
        end = start + timedelta(days=draw(st.integers(0, 5 * 365)))
    else:  # whole months (1 month .. 5 years), or a day more: a part month counts as a month
        end = ref_add_months(start, draw(st.integers(1, 60))) - ONE_DAY
        end += ONE_DAY if term == "months and a day" else timedelta(0)
    premium = draw(st.one_of(st.just(0.0), st.floats(0.0, 1e6)))
    cancel, refund = None, 0.0
    if draw(st.booleans()):
        cancel = start + timedelta(days=draw(st.integers(0, (end - start).days)))
        refund = draw(st.floats(0.0, 1.0)) * premium
    product = draw(st.integers(0, len(product_comps) - 1))
    return policy(
        start, end, premium,
        freq=draw(st.sampled_from(sorted(INTERVAL_MONTHS))),
        comps=product_comps[product],
        cancel=cancel, refund=refund,
        product=product,
    )


@st.composite
def a_portfolio(draw, code=None, max_size=25):
    """(policies, earning per product) over 3 products."""
    product_comps = draw(st.lists(an_earning(code), min_size=3, max_size=3))
    pols = draw(st.lists(a_policy(product_comps), min_size=1, max_size=max_size))
    return pols, product_comps


@st.composite
def a_valuation(draw, pols):
    """Any day, or a day next to a policy's start, end or cancel date (the edges)."""
    if draw(st.booleans()):
        return draw(st.dates(date(2018, 1, 1), date(2033, 12, 31)))
    p = draw(st.sampled_from(pols))
    anchors = [p["start"], p["end"]] + ([p["cancel"]] if p["cancel"] else [])
    return draw(st.sampled_from(anchors)) + timedelta(days=draw(st.integers(-2, 2)))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_kernel_matches_slow_reference(data):
    pols, product_comps = data.draw(a_portfolio())
    v = data.draw(a_valuation(pols))
    out = kernel(pols, v, product_comps)
    for i, p in enumerate(pols):
        ref = ref_of(p, v)
        for name, k, r in zip(FIELDS, (x[i] for x in out), ref, strict=True):
            assert close(float(k), r, p["premium"]), (name, p, v, float(k), r)


@settings(max_examples=25, deadline=None)
@given(st.data())
@pytest.mark.parametrize("basis", ALL_BASES)
def test_kernel_matches_slow_reference_on_each_basis(basis, data):
    # every basis on its own (several components of it: loans at several rates, several curves)
    pols, product_comps = data.draw(a_portfolio(BASIS_CODES[basis], max_size=10))
    v = data.draw(a_valuation(pols))
    out = kernel(pols, v, product_comps)
    for i, p in enumerate(pols):
        for name, k, r in zip(FIELDS, (x[i] for x in out), ref_of(p, v), strict=True):
            assert close(float(k), r, p["premium"]), (name, p, v, float(k), r)


# ---------------------------------------------------------------------------------------------
# Properties of the earned fraction, per basis


@settings(max_examples=12, deadline=None)
@given(st.data())
@pytest.mark.parametrize("basis", [*ALL_BASES, "profile"])
def test_earned_fraction_is_a_cumulative_share(basis, data):
    # f(v) = earned / W of single-premium uncancelled policies, on every day around their terms:
    # 0 before the start, non-decreasing, within [0, 1], 1 from the end day on.
    earning = data.draw(an_earning(None if basis == "profile" else BASIS_CODES[basis]))
    pols = []
    for _ in range(4):
        start = data.draw(st.dates(date(2023, 1, 1), date(2025, 12, 31)))
        end = start + timedelta(days=data.draw(st.integers(0, 3 * 366)))
        pols.append(single(start, end, 1.0, earning))
    a = arrays(pols)
    first, last = int(a.start.min()) - 3, int(a.end.max()) + 3
    f = np.array([kernel_at(a, v)[2] for v in range(first, last + 1)])  # [day, policy]
    day = np.arange(first, last + 1)[:, None]
    assert np.all(f[day < a.start] == 0.0)
    assert np.all(f[day >= a.end] == 1.0)
    assert np.all((f >= 0.0) & (f <= 1.0 + 1e-12))
    assert np.all(np.diff(f, axis=0) >= -1e-12)


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
    pols, product_comps = data.draw(a_portfolio())
    ps, v = data.draw(period(pols))
    left = data.draw(st.lists(st.booleans(), min_size=len(pols), max_size=len(pols)))
    whole = compute_upr(arrays(pols, product_comps), dn(ps), dn(v)).by_product()
    parts = [
        compute_upr(arrays([p for p, k in zip(pols, left, strict=True) if k == side],
                           product_comps), dn(ps), dn(v)).by_product()
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
    pols, product_comps = data.draw(a_portfolio())
    ps, v = data.draw(period(pols))
    a = arrays(pols, product_comps)
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
    pols, product_comps = data.draw(a_portfolio())
    a = arrays(pols, product_comps)
    v = int(a.end.max()) + data.draw(st.integers(1, 4000))
    written, refunded, earned, upr = kernel_at(a, v)
    assert np.all(upr == 0.0)
    running = a.cancel == NEVER  # every instalment of an uncancelled policy has fallen due
    np.testing.assert_allclose(written[running], a.written_premium[running], rtol=1e-12)
    np.testing.assert_allclose(earned, written - refunded, rtol=1e-12, atol=1e-9)


def _check_roll_forward(pols, product_comps, ps, v):
    # opening UPR + written - cancelled - earned = closing UPR (DESIGN accounting identities)
    res = compute_upr(arrays(pols, product_comps), dn(ps), dn(v))
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
    at_start = kernel(pols, ps, product_comps)[3]
    np.testing.assert_allclose(res.upr_opening, at_start, rtol=0, atol=0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_roll_forward_per_policy_and_per_product(data):
    pols, product_comps = data.draw(a_portfolio())
    ps, v = data.draw(period(pols))
    _check_roll_forward(pols, product_comps, ps, v)


@settings(max_examples=10, deadline=None)
@given(st.data())
@pytest.mark.parametrize("basis", ALL_BASES)
def test_roll_forward_on_each_basis(basis, data):
    pols, product_comps = data.draw(a_portfolio(BASIS_CODES[basis], max_size=10))
    ps, v = data.draw(period(pols))
    _check_roll_forward(pols, product_comps, ps, v)


# ---------------------------------------------------------------------------------------------
# The table edge: policy_arrays and earning_tables


def _assumptions(**earning_basis):
    """The default set with the earning basis of some product kinds replaced."""
    aset = load_assumptions("default")
    reserving = {k: replace(b, earning_basis=earning_basis.get(k, b.earning_basis))
                 for k, b in aset.reserving.items()}
    return replace(aset, reserving=reserving)


def _policies():
    return table_of("policies", pd.DataFrame({
        "policy_id": ["A", "B", "C"],
        "product_id": ["GL", "CL", "GL"],
        "start_date": ["2024-11-01", "2024-11-01", "2024-01-01"],
        "end_date": ["2025-10-31", "2025-10-31", "2024-12-31"],
        "written_premium": [1200.0, 1200.0, 120.0],
        "premium_frequency": ["single", "single", "monthly"],
        "cancel_date": [None, None, "2024-07-01"],
        "refund": [None, None, 10.0],
    }), PRODUCTS_FRAME)


PRODUCTS_FRAME = pd.DataFrame({"product_id": ["CL", "GL"], "kind": ["credit_life", "group_life"]})
PRODUCTS = table_of("products", PRODUCTS_FRAME)


def test_policy_arrays_takes_the_basis_per_product_kind():
    a = policy_arrays(_policies(), PRODUCTS,
                      _assumptions(credit_life="monthly", group_life="daily"))
    assert list(a.products) == ["CL", "GL"]
    assert list(a.product) == [1, 0, 1]
    assert a.earning.code.shape == (2, 1)  # one component per product
    assert list(a.earning.code[a.product, 0]) == [DAILY, MONTHLY, DAILY]
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
    a = policy_arrays(_policies(), PRODUCTS, _assumptions(), basis="monthly")
    assert list(a.earning.code[a.product, 0]) == [MONTHLY] * 3


def test_policy_arrays_with_the_default_profiles():
    # CL earns by the credit life profile (4 components), GL daily (1 component, padded with -1)
    a = policy_arrays(_policies(), PRODUCTS, load_assumptions("default"))
    assert a.earning.code.tolist() == [[LOAN, DAILY, DAILY, DAILY], [DAILY, -1, -1, -1]]
    assert a.earning.names[0][0] == "credit_life_components"
    # B (CL) at 31 Dec 2024: 1 Nov 2024..31 Oct 2025, 61 of 365 days, 12 months
    res = compute_upr(a, dn(date(2023, 12, 31)), dn(date(2024, 12, 31)))
    x = 61 / 365
    f = 0.55 * ref_loan(0.24, x, 12) + 0.45 * x
    assert res.upr[1] == pytest.approx(1200 * (1 - f), rel=1e-9)


def test_earning_tables_for_a_curve_profile():
    # health_seasonal: one component on the set's curve; x = 1/2 of 2024 -> 0.55 earned
    aset = load_assumptions("default")
    t = earning_tables(["health"], aset, basis="health_seasonal")
    assert t.code.tolist() == [[CURVE]]
    c = int(t.param[0, 0])
    n = int(t.curve_n[c])
    assert list(zip(t.curve_x[c, :n], t.curve_y[c, :n], strict=True)) == [
        (0.25, 0.30), (0.5, 0.55), (0.75, 0.78), (1.0, 1.0)]
    p = single(date(2024, 1, 1), date(2024, 12, 31), 1000, [(1.0, DAILY, 0.0)])
    assert _upr_with(t, p, date(2024, 7, 1)) == pytest.approx(450.0, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Bad earning assumptions are rejected with a clear message


def _edited_set(tmp_path, file: str, old: str, new: str):
    """A copy of the default set with ``old`` replaced by ``new`` in ``file``, re-hashed."""
    d = tmp_path / "edited"
    shutil.copytree(default_root() / "default", d)
    text = (d / file).read_text()
    assert old in text, f"{file} no longer holds {old!r}"
    (d / file).write_text(text.replace(old, new))
    write_manifest(d)
    return d


BAD_SETS = [
    pytest.param("earning_profiles.csv", "credit_life_components,profit,0.10,",
                 "credit_life_components,profit,0.05,",
                 r"profile 'credit_life_components' shares add up to 0\.95 .*expected 1",
                 id="shares-not-1"),
    pytest.param("earning_profiles.csv", "premium,1.0,curve,health_seasonal",
                 "premium,1.0,weekly,health_seasonal",
                 r"profile 'health_seasonal' basis 'weekly', expected one of daily",
                 id="unknown-basis"),
    pytest.param("earning_curves.csv", "health_seasonal,1.00,1.00",
                 "health_seasonal,1.00,0.95",
                 r"curve 'health_seasonal' must have .* rising to 1", id="curve-ends-below-1"),
    pytest.param("earning_curves.csv", "health_seasonal,1.00,1.00",
                 "health_seasonal,0.90,1.00",
                 r"curve 'health_seasonal' must have elapsed fractions rising strictly to 1",
                 id="curve-ends-before-1"),
    pytest.param("earning_profiles.csv", "immediate,,insurer", "immediate,,insurr",
                 r"component 'commission' has no row for the insurer perspective",
                 id="perspective-missing"),
    pytest.param("earning_profiles.csv", "premium,1.0,curve,health_seasonal",
                 "premium,1.0,curve,health_sesonal",
                 r"uses curve 'health_sesonal', which earning_curves.csv does not define",
                 id="unknown-curve"),
    pytest.param("reserving.csv", "credit_life,credit_life_components,",
                 "credit_life,credit_life_profile,",
                 r"reserving\.csv credit_life earning_basis 'credit_life_profile' is neither a "
                 r"basis nor a profile", id="reserving-names-no-profile"),
]


@pytest.mark.parametrize("file, old, new, message", BAD_SETS)
def test_bad_earning_assumptions_raise(tmp_path, file, old, new, message):
    d = _edited_set(tmp_path, file, old, new)
    with pytest.raises(AssumptionError, match=message):
        load_assumptions(str(d))


def test_the_unedited_copy_loads(tmp_path):
    # the edit helper itself leaves a loadable set when nothing changes
    d = _edited_set(tmp_path, "earning_profiles.csv", "loan,0.24", "loan,0.24")
    assert load_assumptions(str(d)).earning_profiles == load_assumptions("default").earning_profiles


def test_earning_tables_rejects_an_unknown_basis_override():
    with pytest.raises(AssumptionError, match=r"earning basis 'weekly' is neither a basis"):
        earning_tables(["credit_life"], load_assumptions("default"), basis="weekly")


def test_a_non_numeric_loan_rate_raises_assumption_error(tmp_path):
    d = _edited_set(tmp_path, "earning_profiles.csv", "loan,0.24", "loan,24%")
    with pytest.raises(AssumptionError, match="loan"):
        earning_tables(["credit_life"], load_assumptions(str(d)))


def test_a_loan_without_a_rate_raises_assumption_error(tmp_path):
    d = _edited_set(tmp_path, "earning_profiles.csv", "loan,0.24", "loan,")
    with pytest.raises(AssumptionError, match="loan"):
        earning_tables(["credit_life"], load_assumptions(str(d)))


def test_a_negative_share_or_loan_rate_is_refused(tmp_path):
    d = _edited_set(tmp_path, "earning_profiles.csv", "loan,0.24", "loan,-0.05")
    with pytest.raises(AssumptionError, match="number >= 0"):
        load_assumptions(str(d))
    d2 = _edited_set(tmp_path / "b", "earning_profiles.csv",
                     "net_risk,0.55,loan", "net_risk,-0.55,loan")
    with pytest.raises(AssumptionError, match="share"):
        load_assumptions(str(d2))


def test_a_bare_loan_or_curve_basis_in_reserving_is_refused(tmp_path):
    d = _edited_set(tmp_path, "reserving.csv", "health,daily,", "health,loan,")
    with pytest.raises(AssumptionError, match="needs a parameter"):
        load_assumptions(str(d))
