"""The cashflow-grid kernels (reserva.projection.grid): monthly buckets, the exposure lines of the
policies in force, settlement, the OCS/IBNR split of the unpaid claims, savings withdrawals and new
business.

The module docstring is the specification. Every kernel is tied under hypothesis to the slow
reference (tests/projection/grid_reference.py: ``datetime.date`` arithmetic, plain loops) at 1e-9
relative; hand-worked cases carry their arithmetic in comments; the accounting identities
(claims occurred = loss ratio x W x unexpired share, the split adds to OCS and IBNR, settlement
keeps totals, a split portfolio keeps its totals) are tests of their own.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.calendar import add_months as kernel_add_months
from reserva.calendar import whole_months as kernel_whole_months
from reserva.errors import ComputationError
from reserva.projection import grid as g
from tests.projection import grid_reference as ref
from tests.projection.grid_reference import ONE_DAY, Policy, Product, day_number

NEVER = 2**62  # the day number of an empty date
RTOL = 1e-9
ATOL = 1e-9
PF_LINES = ("premiums", "commissions", "claims_occurred", "expenses", "refunds")

# ---------------------------------------------------------------------------------------------
# calling the kernel on reference objects


def _flows(policies, products, v, horizon, days_per_year=365.25):
    """policy_flows on reference Policy/Product objects (dates -> day numbers)."""
    k = len(products)
    return g.policy_flows(
        [day_number(p.start) for p in policies], [day_number(p.end) for p in policies],
        [NEVER if p.cancel is None else day_number(p.cancel) for p in policies],
        [day_number(p.issue) for p in policies],
        [p.written_premium for p in policies], [p.commission for p in policies],
        [p.interval_months for p in policies], [p.n_instalments for p in policies],
        [p.product for p in policies],
        n_products=k, use=[q.use for q in products], lapse_rate=[q.lapse_rate for q in products],
        claims_basis=[q.claims_basis for q in products],
        loss_ratio=[q.loss_ratio for q in products], frequency=[q.frequency for q in products],
        severity=[q.severity for q in products], expense_ratio=[q.expense_ratio for q in products],
        refund_factor=[q.refund_factor for q in products],
        valuation_day=day_number(v), horizon_months=horizon, days_per_year=days_per_year)


def _product(basis="loss_ratio", *, use=True, lapse=0.0, loss_ratio=0.6, frequency=math.nan,
             severity=math.nan, expense_ratio=0.1, refund_factor=1.0):
    return Product(use, lapse, basis, loss_ratio, frequency, severity, expense_ratio,
                   refund_factor)


def _policy(start, end, *, issue=None, cancel=None, written=1200.0, commission=0.0, interval=0,
            n=1, product=0):
    return Policy(start, end, cancel, start if issue is None else issue, written, commission,
                  interval, n, product)


def _close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64),
                               rtol=RTOL, atol=atol)


# ---------------------------------------------------------------------------------------------
# strategies

SPECIAL_VALUATIONS = [
    date(2021, 3, 31), date(2021, 12, 31), date(2021, 1, 31), date(2021, 4, 30),
    date(2021, 2, 28), date(2024, 2, 29),  # month ends, Feb of a common and of a leap year
    date(2024, 2, 28), date(2021, 1, 30), date(2021, 1, 29), date(2021, 1, 15),  # mid-month
    date(2023, 3, 30), date(2020, 1, 30), date(2023, 11, 29),
]
valuations = st.one_of(st.sampled_from(SPECIAL_VALUATIONS),
                       st.dates(date(2018, 1, 1), date(2027, 12, 31)))


@st.composite
def products_st(draw, max_products=3):
    out = []
    for _ in range(draw(st.integers(1, max_products))):
        basis = draw(st.sampled_from(g.CLAIMS_BASES))
        lapse = draw(st.one_of(st.sampled_from([0.0, 0.05, 0.3, 1.0]), st.floats(1e-3, 0.999)))
        if basis == "loss_ratio":  # the other basis' parameters are absent (NaN) and unused
            lr, freq, sev = draw(st.floats(0.0, 1.5)), math.nan, math.nan
        else:
            lr, freq, sev = math.nan, draw(st.floats(0.0, 2.0)), draw(st.floats(0.0, 5000.0))
        out.append(Product(draw(st.integers(0, 5)) > 0, lapse, basis, lr,
                           freq, sev, draw(st.floats(0.0, 0.5)),
                           draw(st.sampled_from([0.0, 1.0]))))
    return out


@st.composite
def policy_st(draw, v, n_products):
    in_force = draw(st.integers(0, 3)) > 0  # most policies are in force at v, the others may be
    if draw(st.integers(0, 3)) == 0:  # k months before v: instalments may fall due on v itself
        start = ref.add_months(v, -draw(st.integers(0, 36)))
    else:
        start = v + timedelta(days=draw(st.integers(-800, 200)))
    months = [m for m in (1, 3, 6, 12, 24, 36, 60)
              if not in_force or ref.add_months(start, m) - ONE_DAY > v]
    if months and draw(st.booleans()):  # a term of whole months, from a month to five years
        end = ref.add_months(start, draw(st.sampled_from(months))) - ONE_DAY
    elif in_force:  # ending after v, from the next day to four years on
        end = max(start, v + ONE_DAY) + timedelta(days=draw(st.integers(0, 1500)))
    else:  # any term from one day to several years
        end = start + timedelta(days=draw(st.one_of(st.integers(0, 40), st.integers(0, 2000))))
    issue = start + timedelta(days=draw(st.integers(-60, 40)))  # before or after start and v
    if in_force:
        issue = min(issue, v)
    cancel = None  # most policies are never cancelled; the others before or after v
    if draw(st.integers(0, 3)) == 0:
        cancel = v + timedelta(days=draw(st.integers(1 if in_force else -200, 200)))
    interval = draw(st.sampled_from([0, 1, 3, 6, 12]))
    if interval == 0:
        n = 1
    else:  # the count the data pack derives from the term, or any count
        n = draw(st.one_of(st.just(-(-ref.term_months(start, end) // interval)),
                           st.integers(1, 40)))
    written = draw(st.integers(0, 500_000)) / 100.0
    commission = draw(st.integers(0, 100_000)) / 100.0
    product = draw(st.integers(0, 5 * n_products))  # one in 5n a product the grid does not know
    return Policy(start, end, cancel, issue, written, commission, interval, n,
                  -1 if product == 5 * n_products else product % n_products)


@st.composite
def books(draw, max_policies=8, lapse_free=False):
    v = draw(valuations)
    products = draw(products_st())
    if lapse_free:
        products = [replace(q, lapse_rate=0.0) for q in products]
    policies = draw(st.lists(policy_st(v, len(products)), min_size=0, max_size=max_policies))
    horizon = draw(st.integers(1, 30))
    return v, products, policies, horizon


def _scale(policies, products):
    """An absolute tolerance for a book: 1e-9 of the largest amounts it can produce."""
    money = sum(abs(p.written_premium) + abs(p.commission) for p in policies)
    fs = sum(q.frequency * q.severity for q in products if q.claims_basis == "frequency_severity")
    return ATOL * (1.0 + money + 10.0 * fs * max(len(policies), 1))


# ---------------------------------------------------------------------------------------------
# the reference's calendar against the project's kernels (the grid is built on them)


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2019, 1, 1), date(2026, 12, 31)), st.integers(0, 40),
       st.integers(-40, 800))
def test_calendar_helpers_agree_with_the_reference(a, k, gap):
    t = a + timedelta(days=gap)
    assert kernel_add_months(day_number(a), k) == day_number(ref.add_months(a, k))
    assert kernel_whole_months(day_number(a), day_number(t)) == ref.whole_months(a, t)


def test_reference_calendar_by_hand():
    assert ref.add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert ref.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert ref.whole_months(date(2021, 1, 31), date(2021, 2, 28)) == 1  # Feb 28: a full month
    assert ref.whole_months(date(2021, 1, 31), date(2021, 3, 30)) == 1
    assert ref.whole_months(date(2021, 1, 31), date(2021, 3, 31)) == 2
    assert ref.whole_months(date(2024, 1, 29), date(2024, 2, 28)) == 0  # Feb 29 exists in 2024
    assert ref.month_edges(date(2021, 9, 30), 2) == [date(2021, 9, 30), date(2021, 10, 31),
                                                     date(2021, 11, 30)]


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2019, 1, 1), date(2026, 12, 31)), st.integers(1, 12),
       st.integers(0, 800))
def test_written_by_whole_months_counts_the_instalments_due(s, interval, gap):
    # the reference's two readings agree:
    # min(n, whole_months(s, t) // interval + 1) = #{k < n : add_months(s, k x interval) <= t}
    n = 20
    pol = _policy(s, ref.add_months(s, 10 * 12), interval=interval, n=n, written=float(n))
    t = s + timedelta(days=gap)
    direct = sum(1 for k in range(n) if ref.add_months(s, k * interval) <= t)
    assert ref.written_by(pol, t) == pytest.approx(direct)


# ---------------------------------------------------------------------------------------------
# month_edges, month_of


@settings(max_examples=200, deadline=None)
@given(valuations, st.integers(1, 30), st.lists(st.integers(-100, 1000), max_size=30))
def test_month_of_agrees_with_month_edges_and_the_reference(v, horizon, offsets):
    edges = g.month_edges(day_number(v), horizon)
    assert edges.tolist() == [day_number(d) for d in ref.month_edges(v, horizon)]
    days = [v + timedelta(days=x) for x in offsets]
    got = g.month_of(np.array([day_number(d) for d in days], np.int64), edges)
    want = [min(ref.month_index(v, d), horizon - 1) for d in days]
    assert got.tolist() == want
    for d, m in zip(days, got.tolist(), strict=True):  # month m holds the days (e_m, e_{m+1}]
        x = day_number(d)
        assert x <= edges[m + 1] or m == horizon - 1
        assert x > edges[m] or m == 0


def test_month_edges_keep_month_ends():
    # Sep 30 -> Oct 31 -> Nov 30 -> Dec 31 -> Jan 31 -> Feb 29 (2024) -> Mar 31
    got = g.month_edges(day_number(date(2023, 9, 30)), 6)
    assert got.tolist() == [day_number(date(*x)) for x in [
        (2023, 9, 30), (2023, 10, 31), (2023, 11, 30), (2023, 12, 31), (2024, 1, 31),
        (2024, 2, 29), (2024, 3, 31)]]
    # mid-month: v = Jan 30 -> v + 1 = Jan 31 -> Feb 28 - 1 = Feb 27 -> Mar 31 - 1 = Mar 30
    got = g.month_edges(day_number(date(2021, 1, 30)), 2)
    assert got.tolist() == [day_number(date(2021, 1, 30)), day_number(date(2021, 2, 27)),
                            day_number(date(2021, 3, 30))]


# ---------------------------------------------------------------------------------------------
# policy_flows against the reference


@settings(max_examples=150, deadline=None)
@given(books())
def test_policy_flows_match_the_reference(book):
    v, products, policies, horizon = book
    got = _flows(policies, products, v, horizon)
    want = ref.policy_flows(policies, products, v, horizon)
    atol = _scale(policies, products)
    for name in PF_LINES:
        assert getattr(got, name).shape == (len(products), horizon)
        _close(getattr(got, name), want[name], atol)


@settings(max_examples=40, deadline=None)
@given(books(), st.sampled_from([360.0, 365.0, 366.0]))
def test_policy_flows_days_per_year(book, days_per_year):
    v, products, policies, horizon = book
    got = _flows(policies, products, v, horizon, days_per_year)
    want = ref.policy_flows(policies, products, v, horizon, days_per_year)
    _close(got.claims_occurred, want["claims_occurred"], _scale(policies, products))


@settings(max_examples=60, deadline=None)
@given(books(max_policies=10), st.data())
def test_splitting_the_portfolio_keeps_the_totals(book, data):
    v, products, policies, horizon = book
    mask = data.draw(st.lists(st.booleans(), min_size=len(policies), max_size=len(policies)))
    a = [p for p, m in zip(policies, mask, strict=True) if m]
    b = [p for p, m in zip(policies, mask, strict=True) if not m]
    whole, pa, pb = (_flows(x, products, v, horizon) for x in (policies, a, b))
    for name in PF_LINES:
        _close(getattr(whole, name), getattr(pa, name) + getattr(pb, name),
               _scale(policies, products))


# ---------------------------------------------------------------------------------------------
# identities


@settings(max_examples=100, deadline=None)
@given(books(lapse_free=True))
def test_without_lapses_lines_total_the_unexpired_share(book):
    # no lapse: sum_m claims occurred = loss_ratio x W x (days of cover after v) / T, the
    # expenses likewise, the premiums W / n per instalment due in (v, end], no refunds
    v, products, policies, horizon = book
    got = _flows(policies, products, v, horizon)
    k = len(products)
    occ, exp_, prem = np.zeros(k), np.zeros(k), np.zeros(k)
    for p in policies:
        q = products[p.product] if p.product >= 0 else None
        if q is None or not q.use or p.issue > v or p.end <= v:
            continue
        if p.cancel is not None and p.cancel <= v:
            continue
        cover = (p.end - p.start).days + 1
        unexpired = (p.end - max(p.start, v + ONE_DAY)).days + 1
        if q.claims_basis == "loss_ratio":
            occ[p.product] += q.loss_ratio * p.written_premium * unexpired / cover
        else:
            occ[p.product] += q.frequency * q.severity * unexpired / 365.25
        exp_[p.product] += q.expense_ratio * p.written_premium * unexpired / cover
        if p.interval_months:
            due = [ref.add_months(p.start, j * p.interval_months) for j in range(1, p.n_instalments)]
            prem[p.product] += p.written_premium / p.n_instalments * sum(
                1 for d in due if v < d <= p.end)
    atol = _scale(policies, products)
    _close(got.claims_occurred.sum(axis=1), occ, atol)
    _close(got.expenses.sum(axis=1), exp_, atol)
    _close(got.premiums.sum(axis=1), prem, atol)
    assert not got.refunds.any()


# ---------------------------------------------------------------------------------------------
# hand-worked cases

V = date(2021, 3, 31)


def test_hand_annual_single_premium():
    # single premium 1,200, cover 2021-01-01..2021-12-31 (T = 365 days), v = 2021-03-31,
    # loss ratio 60%, expense ratio 10%, no lapse. Months Apr..Dec have 30,31,30,31,31,30,31,30,31
    # days of cover (275 in all); claims occurred = 0.6 x 1200 x days / 365 = 720 x days / 365.
    pol = _policy(date(2021, 1, 1), date(2021, 12, 31), commission=120.0)
    days = [30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0]
    r = _flows([pol], [_product()], V, 12)
    _close(r.claims_occurred[0], [720.0 * d / 365.0 for d in days])
    assert r.claims_occurred.sum() == pytest.approx(720.0 * 275.0 / 365.0, rel=RTOL)  # 542.4658
    _close(r.expenses[0], [120.0 * d / 365.0 for d in days])  # 0.1 x 1200 = 120 a year
    assert r.expenses.sum() == pytest.approx(120.0 * 275.0 / 365.0, rel=RTOL)  # 90.4110
    assert not r.premiums.any() and not r.commissions.any()  # written at issue, nothing due
    assert not r.refunds.any()  # no lapse
    # horizon 3: Apr, May, then June holds June..December (214 days) at or after the horizon
    r3 = _flows([pol], [_product()], V, 3)
    _close(r3.claims_occurred[0], [720.0 * 30 / 365, 720.0 * 31 / 365, 720.0 * 214 / 365])


def test_hand_monthly_instalments_which_are_future():
    # W = 1,200 in 12 monthly instalments of 100 (commission 120: 10 each), cover
    # 2021-01-15..2022-01-14, v = 2021-03-31: instalments k = 0 (Jan 15, at issue), 1 (Feb 15),
    # 2 (Mar 15) are written; k = 3..11 (Apr 15 .. Dec 15) are future, one in each month 0..8.
    pol = _policy(date(2021, 1, 15), date(2022, 1, 14), commission=120.0, interval=1, n=12)
    r = _flows([pol], [_product()], V, 12)
    _close(r.premiums[0], [100.0] * 9 + [0.0] * 3)
    _close(r.commissions[0], [10.0] * 9 + [0.0] * 3)
    # horizon 6: Apr..Aug, then September holds Sep, Oct, Nov and Dec: 400
    r6 = _flows([pol], [_product()], V, 6)
    _close(r6.premiums[0], [100.0] * 5 + [400.0])
    # issued after v: not known at v, nothing projected
    late = _policy(date(2021, 1, 15), date(2022, 1, 14), issue=date(2021, 4, 1), interval=1, n=12)
    assert not any(getattr(_flows([late], [_product()], V, 12), x).any() for x in PF_LINES)


def test_hand_lapse_with_pro_rata_refund():
    # the annual single-premium policy, lapse rate 1 - 0.99^12 a year: w = 0.01 a month,
    # S_m = 0.99^m; refund factor 1 (pro rata).
    pol = _policy(date(2021, 1, 1), date(2021, 12, 31))
    lapse = 1.0 - 0.99**12
    r = _flows([pol], [_product(lapse=lapse)], V, 12)
    # month 0 (April): lapses S_0 - S_1 = 0.01 at Apr 30; paid 1,200, earned 1,200 x 120 / 365
    # (Jan 1..Apr 30 = 31 + 28 + 31 + 30 = 120 days): refund 0.01 x 1200 x 245 / 365 = 8.0548
    assert r.refunds[0, 0] == pytest.approx(0.01 * 1200.0 * 245.0 / 365.0, rel=1e-12)
    # month 1 (May): 0.99 - 0.99^2 = 0.0099 lapse at May 31, 151 days earned
    assert r.refunds[0, 1] == pytest.approx(0.0099 * 1200.0 * 214.0 / 365.0, rel=1e-12)
    # month 7 (November): 0.99^7 x 0.01, earned 334 days, 31 unearned
    assert r.refunds[0, 7] == pytest.approx(0.99**7 * 0.01 * 1200.0 * 31.0 / 365.0, rel=1e-12)
    # December ends with the cover: no refund; nothing after it
    assert not r.refunds[0, 8:].any()
    # claims occurred by the survivors: April 720 x 30/365, May 0.99 x 720 x 31/365
    _close(r.claims_occurred[0, :2], [720.0 * 30 / 365, 0.99 * 720.0 * 31 / 365])
    # refund factor 0 (no refund rule): no refunds, the rest unchanged
    r0 = _flows([pol], [_product(lapse=lapse, refund_factor=0.0)], V, 12)
    assert not r0.refunds.any()
    _close(r0.claims_occurred, r.claims_occurred)


def test_hand_lapse_refund_of_instalments_paid_ahead():
    # monthly instalments of 100 on 2021-01-15..2022-01-14 (T = 365), w = 0.01 a month.
    pol = _policy(date(2021, 1, 15), date(2022, 1, 14), interval=1, n=12)
    r = _flows([pol], [_product(lapse=1.0 - 0.99**12)], V, 12)
    # Apr 30: 4 instalments written (Jan 15 .. Apr 15) = 400; earned 1200 x 106 / 365 = 348.49
    # (Jan 15 .. Apr 30 = 17 + 28 + 31 + 30 = 106 days): refund 0.01 x 51.51
    assert r.refunds[0, 0] == pytest.approx(0.01 * (400.0 - 1200.0 * 106 / 365), rel=1e-12)
    # May 31: 500 written, earned 1200 x 137 / 365 = 450.41: refund 0.0099 x 49.59
    assert r.refunds[0, 1] == pytest.approx(0.0099 * (500.0 - 1200.0 * 137 / 365), rel=1e-12)
    # the future instalments are paid by the survivors: 100 x 0.99^m
    _close(r.premiums[0, :3], [100.0, 99.0, 98.01])


def test_hand_month_end_clipping_of_instalments():
    # start Jan 31 2021, monthly, v = Jan 31: instalment 1 is due add_months(Jan 31, 1) = Feb 28,
    # in month 0 (Feb 1..Feb 28); Feb 28 is a whole month from Jan 31, so at the end of month 0
    # two instalments are written: 200; earned 1200 x 29 / 365 (Jan 31 .. Feb 28 = 29 days).
    pol = _policy(date(2021, 1, 31), date(2022, 1, 30), interval=1, n=12)
    r = _flows([pol], [_product(lapse=1.0 - 0.99**12)], date(2021, 1, 31), 12)
    _close(r.premiums[0, :3], [100.0, 99.0, 98.01])  # Feb 28, Mar 31, Apr 30
    assert r.refunds[0, 0] == pytest.approx(0.01 * (200.0 - 1200.0 * 29 / 365), rel=1e-12)
    # v = Mar 31: the instalment due on v itself (k = 2) is written, the first future one is
    # k = 3 on Apr 30 (month 0), then May 31 (month 1)
    r = _flows([pol], [_product()], V, 3)
    _close(r.premiums[0], [100.0, 100.0, 700.0])  # June holds k = 5..11: Jun 30 .. Dec 31


def test_hand_lapse_before_the_start_refunds_what_was_paid():
    # issued and paid (single premium 1,200) on Mar 1, cover from Jun 1 2021 for a year; lapses
    # at Apr 30 (w = 0.01) and at May 31 (0.0099) get all they paid back: nothing is earned yet
    pol = _policy(date(2021, 6, 1), date(2022, 5, 31), issue=date(2021, 3, 1))
    r = _flows([pol], [_product(lapse=1.0 - 0.99**12)], V, 12)
    _close(r.refunds[0, :2], [0.01 * 1200.0, 0.0099 * 1200.0])
    assert r.claims_occurred[0, 0] == 0.0 and r.claims_occurred[0, 2] > 0.0  # cover from June


def test_hand_frequency_severity_basis():
    # frequency 0.1 a year x severity 1,000 = 100 a year of claims cost: 100 x 30 / 365.25 in April
    prod = _product("frequency_severity", loss_ratio=math.nan, frequency=0.1, severity=1000.0)
    pol = _policy(date(2021, 1, 1), date(2021, 12, 31))
    r = _flows([pol], [prod], V, 2)
    _close(r.claims_occurred[0], [100.0 * 30 / 365.25, 100.0 * 245 / 365.25])


def test_policies_not_in_force_or_of_unused_products_add_nothing():
    pols = [
        _policy(date(2021, 1, 1), date(2021, 12, 31), cancel=date(2021, 3, 31)),  # cancelled at v
        _policy(date(2020, 1, 1), date(2021, 3, 31)),  # ended at v
        _policy(date(2021, 1, 1), date(2021, 12, 31), issue=date(2021, 4, 1)),  # issued after v
        _policy(date(2021, 1, 1), date(2021, 12, 31), product=-1),  # unknown product
        _policy(date(2021, 1, 1), date(2021, 12, 31), product=1),  # product not used
    ]
    r = _flows(pols, [_product(lapse=0.2), _product(use=False)], V, 6)
    assert not any(getattr(r, x).any() for x in PF_LINES)
    # a cancellation after v does not stop the projection (the policy is in force at v)
    later = _policy(date(2021, 1, 1), date(2021, 12, 31), cancel=date(2021, 6, 30))
    _close(_flows([later], [_product()], V, 12).claims_occurred,
           _flows([_policy(date(2021, 1, 1), date(2021, 12, 31))], [_product()], V, 12)
           .claims_occurred)


# ---------------------------------------------------------------------------------------------
# settle, split_runoff, savings_runoff, new_business


@st.composite
def patterns_st(draw, k):
    out = []
    for _ in range(k):
        raw = draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40).filter(
            lambda x: sum(x) > 1e-3))
        out.append([x / sum(raw) for x in raw])
    return out


@st.composite
def occurred_st(draw):
    k, h = draw(st.integers(1, 3)), draw(st.integers(1, 30))
    rows = draw(st.lists(st.lists(st.floats(0.0, 1e5), min_size=h, max_size=h),
                         min_size=k, max_size=k))
    return rows, draw(patterns_st(k))


@settings(max_examples=150, deadline=None)
@given(occurred_st())
def test_settle_matches_the_reference_and_keeps_totals(case):
    occurred, patterns = case
    got = g.settle(np.array(occurred), patterns)
    atol = ATOL * (1.0 + sum(map(sum, occurred)))
    _close(got, ref.settle(occurred, patterns), atol)
    _close(got.sum(axis=1), [sum(r) for r in occurred], atol)  # patterns add to 1


def test_settle_by_hand():
    # 100 occurred in month 0, paid 50% / 30% / 20% at lags 0, 1, 2; horizon 2: 50, 30 + 20
    _close(g.settle(np.array([[100.0, 0.0]]), [[0.5, 0.3, 0.2]]), [[50.0, 50.0]])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3).flatmap(lambda k: st.tuples(
    st.lists(st.lists(st.floats(0.0, 1e5), min_size=1, max_size=30), min_size=k, max_size=k)
    .map(lambda rows: [r + [0.0] * (max(map(len, rows)) - len(r)) for r in rows]),
    st.lists(st.floats(0.0, 1e6), min_size=k, max_size=k))))
def test_split_runoff_matches_the_reference(case):
    amount, ocs = case
    o, i = g.split_runoff(np.array(amount), np.array(ocs))
    ro, ri = ref.split_runoff(amount, ocs)
    atol = ATOL * (1.0 + sum(map(sum, amount)) + sum(ocs))
    _close(o, ro, atol)
    _close(i, ri, atol)
    _close(o + i, amount, atol)
    assert (o >= -atol).all() and (i >= -atol).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1e5), min_size=1, max_size=30), st.floats(0.0, 2.0))
def test_split_runoff_adds_to_ocs_and_ibnr_exactly_when_the_amounts_do(row, share):
    # OCS = share x total: share <= 1 -> the OCS part totals OCS and the IBNR part the rest;
    # share > 1 (the amounts fall short of OCS) -> the OCS part is all there is, IBNR 0
    total = sum(row)
    ocs = share * total
    o, i = g.split_runoff(np.array([row]), np.array([ocs]))
    atol = ATOL * (1.0 + total)
    if share <= 1.0:
        assert o.sum() == pytest.approx(ocs, rel=RTOL, abs=atol)
        assert i.sum() == pytest.approx(total - ocs, rel=RTOL, abs=atol)
    else:
        assert o.sum() == pytest.approx(total, rel=RTOL, abs=atol)
        assert i.sum() == pytest.approx(0.0, abs=atol)


def test_split_runoff_by_hand():
    # payments 30, 50, 20 with OCS 60: cumulative 30, 80, 100 -> OCS 30, 30, 0; IBNR 0, 20, 20
    o, i = g.split_runoff(np.array([[30.0, 50.0, 20.0]]), np.array([60.0]))
    _close(o, [[30.0, 30.0, 0.0]])
    _close(i, [[0.0, 20.0, 20.0]])


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # withdrawal rate 1: log(0)
@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3).flatmap(lambda k: st.tuples(
    st.lists(st.floats(0.0, 1e6), min_size=k, max_size=k),
    st.lists(st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 0.99)), min_size=k,
             max_size=k),
    st.lists(st.floats(0.0, 0.2), min_size=k, max_size=k))), st.integers(1, 30))
def test_savings_runoff_matches_the_reference(case, horizon):
    balance, rate, interest = case
    got = g.savings_runoff(np.array(balance), np.array(rate), np.array(interest), horizon)
    _close(got, ref.savings_runoff(balance, rate, interest, horizon), ATOL * (1.0 + sum(balance)))
    # no interest: the balance is paid out in full by the horizon
    flat = g.savings_runoff(np.array(balance), np.array(rate), np.zeros(len(balance)), horizon)
    _close(flat.sum(axis=1), balance, ATOL * (1.0 + sum(balance)))


def test_savings_runoff_by_hand():
    # 1,200 at w = 1 - 0.99^12 a year -> u = 0.01 a month, no interest, horizon 2:
    # month 0 withdraws 12, leaving 1,188; month 1 withdraws 11.88 and holds the 1,176.12 left
    got = g.savings_runoff(np.array([1200.0]), np.array([1.0 - 0.99**12]), np.array([0.0]), 2)
    _close(got, [[12.0, 11.88 + 1176.12]])


@st.composite
def new_business_st(draw, max_months_over=0):
    k, h = draw(st.integers(1, 3)), draw(st.integers(1, 30))

    def per_product(strategy):
        return draw(st.lists(strategy, min_size=k, max_size=k))

    return (per_product(st.one_of(st.just(0.0), st.floats(0.0, 1e5))),
            per_product(st.integers(0, h + max_months_over)), per_product(st.integers(1, 40)),
            per_product(st.floats(0.0, 1.5)), per_product(st.floats(0.0, 0.5)),
            per_product(st.floats(0.0, 0.3)), h)


@settings(max_examples=150, deadline=None)
@given(new_business_st())
def test_new_business_matches_the_reference(case):
    *args, h = case
    got = g.new_business(*args, h)
    want = ref.new_business(*args, h)
    atol = ATOL * (1.0 + sum(args[0]) * 40)
    for a, b in zip(got, want, strict=True):
        _close(a, b, atol)
    # totals (months <= H): premiums P x months, claims loss_ratio x P x months, outgo
    # (expense_ratio + commission_rate) x P x months
    p, months, _, lr, er, cr = args
    sold = np.array(p) * np.array(months)
    _close(got[0].sum(axis=1), sold, atol)
    _close(got[1].sum(axis=1), np.array(lr) * sold, atol)
    _close(got[2].sum(axis=1), (np.array(er) + np.array(cr)) * sold, atol)


def test_new_business_sales_after_the_horizon_keep_their_total():
    # 12 monthly sales of 100 with a horizon of 6: the docstring's rule piles the sales of
    # months 6..11 (600) into month 5: [100]*5 + [700]
    got = g.new_business([100.0], [12], [1], [0.5], [0.1], [0.0], 6)
    want = ref.new_business([100.0], [12], [1], [0.5], [0.1], [0.0], 6)
    _close(got[0], want[0])
    assert got[0][0].tolist() == [100.0] * 5 + [700.0]
    for k in range(3):
        _close(got[k], want[k])


def test_new_business_by_hand():
    # sales of 100 in months 0 and 1, claims 50% and expenses 10% spread over 3 months, 5%
    # commission at the sale; horizon 4:
    # claims: sale 0 -> 50/3 in months 0, 1, 2; sale 1 -> 50/3 in months 1, 2, 3
    # outgo: expenses 10/3 the same way, plus 5 in months 0 and 1
    prem, occ, outgo = g.new_business([100.0], [2], [3], [0.5], [0.1], [0.05], 4)
    _close(prem, [[100.0, 100.0, 0.0, 0.0]])
    _close(occ, [[50 / 3, 100 / 3, 100 / 3, 50 / 3]])
    _close(outgo, [[10 / 3 + 5, 20 / 3 + 5, 20 / 3, 10 / 3]])
    # the last month holds the claims beyond the horizon: horizon 2 -> 50/3, 50/3 + 50/3 + 50
    _, occ2, _ = g.new_business([100.0], [2], [3], [0.5], [0.1], [0.05], 2)
    _close(occ2, [[50 / 3, 100 - 50 / 3]])


# ---------------------------------------------------------------------------------------------
# errors


def _one_policy(**kw):
    args = {"n_products": 1, "use": [True], "lapse_rate": [0.0], "claims_basis": ["loss_ratio"],
            "loss_ratio": [0.6], "frequency": [0.0], "severity": [0.0], "expense_ratio": [0.1],
            "refund_factor": [1.0], "valuation_day": day_number(V), "horizon_months": 12, **kw}
    start, end = day_number(date(2021, 1, 1)), day_number(date(2021, 12, 31))
    return g.policy_flows([start], [end], [NEVER], [start], [1200.0], [0.0], [0], [1], [0], **args)


def test_error_unknown_claims_basis():
    with pytest.raises(ComputationError, match="claims basis 'burning_cost'"):
        _one_policy(claims_basis=["burning_cost"])


@pytest.mark.parametrize("rate", [-0.01, 1.01, math.nan])
def test_error_lapse_rate_outside_0_1(rate):
    with pytest.raises(ComputationError, match=r"lapse rates must lie in \[0, 1\]"):
        _one_policy(lapse_rate=[rate])


@pytest.mark.parametrize("horizon", [0, -1, 1.5])
def test_error_horizon(horizon):
    with pytest.raises(ComputationError, match="horizon_months"):
        _one_policy(horizon_months=horizon)
    with pytest.raises(ComputationError, match="horizon_months"):
        g.month_edges(day_number(V), horizon)


def test_error_new_business_term():
    with pytest.raises(ComputationError, match="term_months 0"):
        g.new_business([100.0], [2], [0], [0.5], [0.1], [0.0], 4)
    # no sales: the term is not read
    prem, _, _ = g.new_business([0.0], [2], [0], [0.5], [0.1], [0.0], 4)
    assert not prem.any()
