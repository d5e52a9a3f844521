"""Savings roll-forward: accrued savings plus interest, credited vs guaranteed rates.

Spec §3.6 (E2 L4182-4192, glossary L4537-4543) and §3.7 (E2 Table 9, L4194-4272: "accumulated
savings with interest"); §4.3 (no unbacked interest guarantees). The hand examples are worked in
the comments; the property tests tie the kernel to a slow day-by-day reference.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ComputationError
from reserva.reserves.accrued.savings import (
    RateSchedule,
    accrued_savings,
    guarantee_exposure,
    roll_forward,
)

NEVER = 2**62
EPOCH = dt.date(1970, 1, 1)


def day(text: str) -> int:
    return (dt.date.fromisoformat(text) - EPOCH).days


def arr(*values, dtype=np.int64):
    return np.array(values, dtype=dtype)


def schedule(rows) -> RateSchedule:
    """rows: (product, from date or day, credited, guaranteed)."""
    p, f, c, g = zip(*rows, strict=True) if rows else ((), (), (), ())
    f = [day(x) if isinstance(x, str) else x for x in f]
    return RateSchedule(np.array(p, np.int64), np.array(f, np.int64), np.array(c, float),
                        np.array(g, float))


# The hand example (both compoundings): product 1 credits 6% until 2024-07-15 and 4% from
# 2024-07-16 on, and guarantees 3% throughout. Account 7 holds 1,000.00 at the end of
# 2023-12-31; contributions 200.00 on 2024-03-01 and 300.00 on 2024-09-01; a withdrawal of
# 150.00 on 2024-11-01. Positions are at the end of a day: a transaction earns from the next day.
HAND_RATES = schedule([(1, "2020-01-01", 0.06, 0.03), (1, "2024-07-16", 0.04, 0.03)])
HAND_TX = (arr(7, 7, 7), arr(day("2024-03-01"), day("2024-09-01"), day("2024-11-01")),
           arr(200.0, 300.0, -150.0, dtype=float))


def hand(v: str, compounding: str):
    return roll_forward(arr(7), arr(1), arr(day("2023-12-31")), arr(1000.0, dtype=float),
                        *HAND_TX, HAND_RATES, day(v), compounding=compounding)


def test_hand_example_daily_to_the_cent():
    # days accrued between events (end of day to end of day):
    #   2023-12-31 -> 2024-03-01: Jan 31 + Feb 29 + 1 = 61 days at 6%
    #     1000 x 1.06^(61/365) = 1009.7857; + 200 = 1209.7857
    #   2024-03-01 -> 2024-07-15: Mar 30 + Apr 30 + May 31 + Jun 30 + Jul 15 = 136 days at 6%
    #     1209.7857 x 1.06^(136/365) = 1236.3387
    #   2024-07-15 -> 2024-09-01: 16 + 31 + 1 = 48 days at 4%
    #     1236.3387 x 1.04^(48/365) = 1242.7320; + 300 = 1542.7320
    #   2024-09-01 -> 2024-11-01: 29 + 31 + 1 = 61 days at 4%
    #     1542.7320 x 1.04^(61/365) = 1552.8773; - 150 = 1402.8773
    #   2024-11-01 -> 2024-12-31: 29 + 31 = 60 days at 4%
    #     1402.8773 x 1.04^(60/365) = 1411.9512  -> 1,411.95
    # guaranteed, 3% throughout (366 days):
    #   1000 x 1.03^(366/365) + 200 x 1.03^(305/365) + 300 x 1.03^(121/365) - 150 x 1.03^(60/365)
    #   = 1030.0810 + 204.9905 + 302.9622 - 150.7253 = 1387.31
    r = hand("2024-12-31", "daily")
    assert r.account.tolist() == [7] and r.product.tolist() == [1]
    assert r.balance[0] == pytest.approx(1411.95, abs=0.005)
    assert r.guaranteed_balance[0] == pytest.approx(1387.31, abs=0.005)
    # interest = 1411.95 - (1000 + 200 + 300 - 150) = 61.95
    assert r.credited_interest[0] == pytest.approx(61.95, abs=0.005)
    assert (r.credited_rate[0], r.guaranteed_rate[0]) == (0.04, 0.03)


def test_hand_example_monthly_to_the_cent():
    # j6 = 1.06^(1/12) - 1 = 0.00486755, j4 = 1.04^(1/12) - 1 = 0.00327374; valuation 2024-12-15
    #   Jan, Feb (no events): 1000 x 1.00486755^2 = 1009.7588
    #   Mar (31 days; +200 at the end of Mar 1, earns for 30 days):
    #     1009.7588 x j6 x 1/31 + 1209.7588 x j6 x 30/31 = 5.8572 -> 1215.6160
    #   Apr, May, Jun: 1215.6160 x 1.00486755^3 = 1233.4537
    #   Jul (rate change on the 16th): 1233.4537 x (j6 x 15/31 + j4 x 16/31) = 4.9892 -> 1238.4430
    #   Aug: 1238.4430 x 1.00327374 = 1242.4973
    #   Sep (30 days; +300 on Sep 1): 1242.4973 x j4 x 1/30 + 1542.4973 x j4 x 29/30 = 5.0170
    #     -> 1547.5143
    #   Oct: 1547.5143 x 1.00327374 = 1552.5805
    #   Nov (-150 on Nov 1): 1552.5805 x j4 x 1/30 + 1402.5805 x j4 x 29/30 = 4.6081 -> 1407.1885
    #   Dec 1-15, accrued not yet credited: 1407.1885 x j4 x 15/31 = 2.2291
    #   balance at v = 1407.1885 + 2.2291 = 1409.4176 -> 1,409.42
    r = hand("2024-12-15", "monthly")
    assert r.balance[0] == pytest.approx(1409.42, abs=0.005)
    assert r.credited_interest[0] == pytest.approx(1409.42 - 1350.0, abs=0.005)


def test_monthly_full_surrender_mid_month_pays_the_accrued_interest():
    # 1,000 at 12% from the end of Jan 31: Feb 1-10 accrues 1000 x (1.12^(1/12) - 1) x 10/29;
    # withdrawing exactly that total empties the account (running balance first, then interest).
    rates = schedule([(1, "2020-01-01", 0.12, 0.0)])
    owed = 1000.0 * (1.12 ** (1 / 12) - 1) * 10 / 29 + 1000.0
    r = roll_forward(arr(1), arr(1), arr(day("2024-01-31")), arr(1000.0, dtype=float), arr(1),
                     arr(day("2024-02-10")), arr(-owed, dtype=float), rates, day("2024-03-31"),
                     compounding="monthly")
    assert r.balance[0] == pytest.approx(0.0, abs=1e-9)
    assert r.guaranteed_balance[0] == 0.0  # the floor never goes below zero


def test_start_point_rules():
    # account 1: snapshots on 2024-01-10 (100) and 2024-02-01 (500) and one after v; the latest
    #   on or before v (2024-02-01) is the start; the transaction of that day is in it already.
    # account 2: no snapshot by v; starts at its first transaction (2024-01-20, +50, counts).
    # account 3: snapshot and transactions after v only: no value at v.
    rates = schedule([(9, "2020-01-01", 0.0, 0.0)])  # 0%: balances are sums of cash flows
    r = roll_forward(
        arr(1, 1, 1, 2, 3), arr(9, 9, 9, 9, 9),
        arr(day("2024-01-10"), day("2024-02-01"), day("2024-04-01"), NEVER, day("2024-05-01")),
        arr(100.0, 500.0, 900.0, 0.0, 70.0, dtype=float),
        arr(1, 1, 1, 2, 2, 3),
        arr(day("2024-01-15"), day("2024-02-01"), day("2024-02-10"), day("2024-01-20"),
            day("2024-03-01"), day("2024-04-15")),
        arr(10.0, 20.0, 30.0, 50.0, -5.0, 40.0, dtype=float),
        rates, day("2024-03-31"))
    assert r.account.tolist() == [1, 2]
    assert r.balance.tolist() == [530.0, 45.0]
    assert r.credited_interest.tolist() == [0.0, 0.0]


def test_same_day_contribution_funds_withdrawal():
    rates = schedule([(1, "2020-01-01", 0.05, 0.02)])
    r = roll_forward(arr(1), arr(1), arr(day("2024-01-01")), arr(10.0, dtype=float), arr(1, 1),
                     arr(day("2024-01-01") + 1, day("2024-01-01") + 1),
                     arr(-30.0, 25.0, dtype=float), rates, day("2024-01-01") + 1)
    assert r.balance[0] == pytest.approx(10.0 * 1.05 ** (1 / 365) - 5.0)


def test_guarantee_exposure_hand():
    # balance 1,000 with a 4% guarantee, earned yield 2.5%: 1000 x (0.04 - 0.025) = 15.00
    # balance 2,000 with a 2% guarantee: covered by the yield, 0
    rates = schedule([(1, "2020-01-01", 0.05, 0.04), (2, "2020-01-01", 0.03, 0.02)])
    v = day("2024-06-30")
    r = roll_forward(arr(1, 2), arr(1, 2), arr(v, v), arr(1000.0, 2000.0, dtype=float),
                     arr(), arr(), arr(dtype=float), rates, v)
    assert guarantee_exposure(r, 0.025) == pytest.approx([15.0, 0.0], abs=0.005)
    assert guarantee_exposure(r, np.array([0.05, 0.0])) == pytest.approx([0.0, 40.0], abs=0.005)


# errors ------------------------------------------------------------------------------------

def test_overdrawn_withdrawal_names_account_and_day():
    rates = schedule([(1, "2020-01-01", 0.0, 0.0)])
    with pytest.raises(ComputationError, match=r"account 42 on 2024-02-01.*withdrawal 150\.00"):
        roll_forward(arr(42), arr(1), arr(day("2024-01-01")), arr(100.0, dtype=float), arr(42),
                     arr(day("2024-02-01")), arr(-150.0, dtype=float), rates, day("2024-03-01"))


def test_withdrawal_within_rounding_of_the_balance_is_accepted():
    rates = schedule([(1, "2020-01-01", 0.0, 0.0)])
    r = roll_forward(arr(42), arr(1), arr(day("2024-01-01")), arr(99.999, dtype=float), arr(42),
                     arr(day("2024-02-01")), arr(-100.0, dtype=float), rates, day("2024-03-01"))
    assert r.balance[0] == 0.0


def test_missing_rate_names_product_and_day():
    # the schedule of product 5 starts on 2024-03-01; the account accrues from 2024-01-02
    rates = schedule([(5, "2024-03-01", 0.05, 0.02)])
    with pytest.raises(ComputationError, match=r"product 5 on 2024-01-02"):
        roll_forward(arr(1), arr(5), arr(day("2024-01-01")), arr(10.0, dtype=float), arr(), arr(),
                     arr(dtype=float), rates, day("2024-06-30"))
    with pytest.raises(ComputationError, match=r"product 6 on 2024-01-02"):
        roll_forward(arr(1), arr(6), arr(day("2024-01-01")), arr(10.0, dtype=float), arr(), arr(),
                     arr(dtype=float), rates, day("2024-06-30"))


def test_other_input_errors():
    rates = schedule([(1, "2020-01-01", 0.05, 0.02)])
    one = (arr(1), arr(1), arr(day("2024-01-01")), arr(10.0, dtype=float))
    none = (arr(), arr(), arr(dtype=float))
    with pytest.raises(ComputationError, match="compounding 'yearly'"):
        roll_forward(*one, *none, rates, day("2024-06-30"), compounding="yearly")
    with pytest.raises(ComputationError, match="account 3"):
        roll_forward(*one, arr(3), arr(day("2024-02-01")), arr(5.0, dtype=float), rates,
                     day("2024-06-30"))
    with pytest.raises(ComputationError, match="two rate rows"):
        roll_forward(*one, *none, schedule([(1, "2020-01-01", 0.05, 0.02)] * 2), day("2024-06-30"))
    with pytest.raises(ComputationError, match="two balance snapshots"):
        roll_forward(arr(1, 1), arr(1, 1), arr(day("2024-01-01"), day("2024-01-01")),
                     arr(1.0, 2.0, dtype=float), *none, rates, day("2024-06-30"))


# slow reference and properties ----------------------------------------------------------------

def reference(start, balance, txs, rows, v, monthly, which):
    """Day by day: day d accrues at the rate in force on d, then d's transactions apply."""
    def rate(d):
        return [r for r in rows if r[0] <= d][-1][which]

    b, acc = balance, 0.0
    for d in range(start + 1, v + 1):
        i = rate(d)
        date = EPOCH + dt.timedelta(days=d)
        if monthly:
            dim = calendar.monthrange(date.year, date.month)[1]
            acc += b * ((1 + i) ** (1 / 12) - 1) / dim
            if date.day == dim:
                b, acc = b + acc, 0.0
        else:
            b *= (1 + i) ** (1 / 365)
        today = [a for t, a in txs if t == d]
        b += sum(a for a in today if a > 0)
        out = -sum(a for a in today if a < 0)
        if out <= b:
            b -= out
        else:
            b, acc = 0.0, max(acc - (out - b), 0.0)
    return b + acc


BASE = day("2023-01-01")
rate_st = st.integers(0, 2000).map(lambda k: k / 10000)


@st.composite
def books(draw, guaranteed_below=True):
    """Up to 4 accounts on 2 products with safe withdrawals, a schedule, and a valuation day."""
    rows = []
    for p in (1, 2):
        n = draw(st.integers(1, 3))
        froms = sorted(draw(st.lists(st.integers(-60, 700), min_size=n - 1, max_size=n - 1,
                                     unique=True)))
        for f in [-400, *froms]:
            c = draw(rate_st)
            g = draw(st.integers(0, int(c * 10000)).map(lambda k: k / 10000)) if guaranteed_below else c
            rows.append((p, BASE + f, c, g))
    v = BASE + draw(st.integers(0, 800))
    accounts = []
    for a in range(draw(st.integers(1, 4))):
        snap = draw(st.one_of(st.none(), st.integers(-50, 800)))
        s = NEVER if snap is None else BASE + snap
        b0 = 0.0 if snap is None else draw(st.integers(0, 100000)) / 100
        days = sorted(draw(st.lists(st.integers(-50, 850), max_size=6)))
        txs, prefix = [], b0
        for t in days:
            t += BASE
            amount = draw(st.integers(-100000, 100000)) / 100
            counts = t > s if snap is not None else True
            if not counts:  # may count after all when the snapshot is after v: no withdrawal
                amount = abs(amount)
            elif amount < 0:
                amount = -min(-amount, 0.9 * prefix)
            if counts:
                prefix += amount
            txs.append((t, amount))
        accounts.append((10 * a + 3, draw(st.sampled_from((1, 2))), s, b0, txs))
    return accounts, rows, v


def run(accounts, rows, v, compounding="daily"):
    codes, prods, starts, bals, txs = zip(*accounts, strict=True)
    tx = [(c, t, a) for c, x in zip(codes, txs, strict=True) for t, a in x]
    ta, td, tm = zip(*tx, strict=True) if tx else ((), (), ())
    return roll_forward(np.array(codes, np.int64), np.array(prods, np.int64),
                        np.array(starts, np.int64), np.array(bals, float), np.array(ta, np.int64),
                        np.array(td, np.int64), np.array(tm, float), schedule(rows), v,
                        compounding=compounding)


def expected(accounts, rows, v, compounding):
    """{account: (balance, guaranteed)} from the slow reference."""
    out = {}
    for code, prod, s, b0, txs in accounts:
        if s > v:
            due = [t for t, _ in txs if t <= v]
            if not due:
                continue
            s, b0 = min(due) - 1, 0.0  # no snapshot by v: from the first transaction
        mine = sorted((r[1], r[2], r[3]) for r in rows if r[0] == prod)
        counted = [(t, a) for t, a in txs if s < t <= v]
        out[code] = tuple(reference(s, b0, counted, mine, v, compounding == "monthly", k)
                          for k in (1, 2))
    return out


@settings(max_examples=60, deadline=None)
@given(books(), st.sampled_from(("daily", "monthly")))
def test_kernel_matches_day_by_day_reference(book, compounding):
    accounts, rows, v = book
    r = run(accounts, rows, v, compounding)
    want = expected(accounts, rows, v, compounding)
    assert r.account.tolist() == sorted(want)
    for k, code in enumerate(r.account):
        assert r.balance[k] == pytest.approx(want[code][0], rel=1e-9, abs=1e-7)
        assert r.guaranteed_balance[k] == pytest.approx(want[code][1], rel=1e-9, abs=1e-7)


@settings(max_examples=60, deadline=None)
@given(books(), st.sampled_from(("daily", "monthly")))
def test_guaranteed_balance_is_the_floor(book, compounding):
    accounts, rows, v = book
    r = run(accounts, rows, v, compounding)
    assert np.all(r.guaranteed_balance <= r.balance + 1e-9)
    assert np.all(r.credited_rate >= r.guaranteed_rate)
    equal = [(p, f, c, c) for p, f, c, _ in rows]
    e = run(accounts, equal, v, compounding)
    np.testing.assert_array_equal(e.guaranteed_balance, e.balance)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-500, 400), st.integers(0, 10**7)),
                min_size=1, max_size=8, unique_by=lambda x: x[:2]),
       st.lists(rate_st, min_size=4, max_size=4), st.integers(0, 400))
def test_no_transactions_constant_rate_is_accrued_savings(rows, rates, v):
    # one product per account with one rate: the simple path and the roll-forward agree
    account = np.array([a for a, _, _ in rows], np.int64)
    bday = np.array([BASE + d for _, d, _ in rows], np.int64)
    bal = np.array([b / 100 for _, _, b in rows])
    rate = np.array(rates)[account]
    simple = accrued_savings(account, bday, bal, rate, BASE + v)
    r = roll_forward(account, account, bday, bal, np.array([], np.int64), np.array([], np.int64),
                     np.array([]), schedule([(p, BASE - 1000, rates[p], 0.0) for p in range(4)]),
                     BASE + v)
    by_account = np.bincount(account, weights=simple, minlength=4)
    assert r.account.tolist() == sorted(set(account[bday <= BASE + v].tolist()))
    np.testing.assert_allclose(r.balance, by_account[r.account], rtol=1e-12)


def split_check(book, d1, compounding):
    accounts, rows, v = book
    direct = run(accounts, rows, v, compounding)
    at_d1 = run(accounts, rows, d1, compounding)
    mid = dict(zip(at_d1.account.tolist(), at_d1.balance.tolist(), strict=True))
    rolled = []
    for code, prod, s, b0, txs in accounts:
        rolled.append((code, prod, s, b0, txs))
        if code in mid and s != d1:  # the value at d1 becomes a second, later snapshot
            rolled.append((code, prod, d1, mid[code], []))
    again = run(rolled, rows, v, compounding)
    assert again.account.tolist() == direct.account.tolist()
    np.testing.assert_allclose(again.balance, direct.balance, rtol=1e-10, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(books(), st.integers(0, 800))
def test_splitting_the_valuation_daily(book, cut):
    # roll to d1, use the value as the snapshot, roll on to v: the same balance as in one go
    d1 = min(BASE + cut, book[2])
    split_check(book, d1, "daily")


@settings(max_examples=40, deadline=None)
@given(books(), st.integers(0, 26))
def test_splitting_at_a_month_end_monthly(book, k):
    # at a month end all accrued interest is credited, so the monthly roll splits there too
    ends = (np.arange("2022-12", "2025-03", dtype="datetime64[M]") + 1).astype("datetime64[D]")
    d1 = int(ends.astype(np.int64)[k]) - 1
    if d1 <= book[2]:
        split_check(book, d1, "monthly")
