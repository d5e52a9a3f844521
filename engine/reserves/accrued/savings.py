"""Accrued liabilities reserve, simplest form: savings balances plus interest accrued.

Spec §3.6 (E2 L4182-4192, glossary L4537-4543) and §3.7 (E2 Table 9, L4194-4272): the ALR of
life savings, credit life with savings and defined-contribution pensions is the accrued savings
with interest. Guaranteed and credited rates are kept apart and the guarantee exposure is
reported (spec §4.3: no long-term interest guarantee without assets that back it).

Simple path (no transactions, one rate per balance row), ``accrued_savings``:

    ALR(v) = sum over accounts of B_a x (1 + i_a)^((v - t_a) / B)

with (t_a, B_a, i_a) the account's latest balance row on or before v (balance date, balance,
annual credited rate) and B the days of a year of the set's day count (``[day_count]
savings_interest``, actual/365 by default: ``reserva.calendar.DAY_COUNTS``). Accounts with no
balance by v hold nothing yet.

Roll-forward, ``roll_forward``: from the start point (s, B_s) through the transactions (t_k, a_k)
(a_k > 0 contribution, a_k < 0 withdrawal) to the valuation day v,

    daily:    B(v) = B_s x G(s, v) + sum_k a_k x G(t_k, v),   G(x, y) = prod_{d = x+1..y} (1 + i_d)^(1/B)
    monthly:  each day d accrues B x j_d / n_d,  j_d = (1 + i_d)^(1/12) - 1,  n_d = days in d's month,
              on the running balance B; the accrued interest is added to B at each month end,
              and B(v) includes the interest accrued but not yet credited at v (it is owed)

with i_d the annual effective rate in force on day d. Rules:

- days are day numbers and every position is at the END of its day (as the valuation is): a
  snapshot on day s already includes that day's transactions and interest, so only transactions
  with s < t_k <= v count; a transaction earns interest from the next day; the rate of a day is
  the schedule row of the product with the latest ``from_day`` on or before that day (a rate
  change splits the accrual of the interval, or of the month, it falls in);
- start point: each account's latest snapshot row with ``start_day <= v``; an account without one
  (``start_day`` after v, e.g. an empty date) starts at its first transaction on or before v with
  balance 0 (that transaction counts); an account with neither has no value at v;
- transactions of one day are applied together, contributions first; a withdrawal larger than
  the balance (credited interest accrued included) by more than ``tolerance`` is an error; in
  monthly compounding a withdrawal is paid from the running balance first, then from the
  interest accrued in the month;
- ``guaranteed_balance`` accumulates the same start balance and cash flows at the guaranteed
  rates only (the floor the member is promised; never below 0 after a withdrawal);
  ``balance - guaranteed_balance`` is the discretionary part (credited above the guarantee);
- a product with no rate in force on a day an account needs one is an error.

Guarantee exposure: balance x max(guaranteed_rate - earned_yield, 0), the interest over the next
year that the guarantee promises and the assumed investment yield does not cover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from reserva.calendar import DAY_COUNTS
from reserva.errors import ComputationError

ACTUAL_365 = DAY_COUNTS["actual/365"]  # the default accrual basis of an annual effective rate
COMPOUNDING = ("daily", "monthly")
MAX_LISTED = 5  # accounts named in one error message


def accrued_savings(
    account: np.ndarray,
    balance_day: np.ndarray,
    balance: np.ndarray,
    credited_rate: np.ndarray,
    valuation_day: int,
    *,
    days_per_year: float = ACTUAL_365,
) -> np.ndarray:
    """ALR per balance row (zero except each account's latest row on or before v).

    ``days_per_year``: the basis of the year fraction (v - t_a) / B (``[day_count]
    savings_interest``; actual/365 by default)."""
    out = np.zeros(len(account))
    known = np.flatnonzero(balance_day <= valuation_day)
    if known.size == 0:
        return out
    order = known[np.lexsort((balance_day[known], account[known]))]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = account[order][1:] != account[order][:-1]
    rows = order[last]
    t = (valuation_day - balance_day[rows]) / float(days_per_year)
    out[rows] = balance[rows] * (1.0 + credited_rate[rows]) ** t
    return out


@dataclass(frozen=True)
class RateSchedule:
    """Piecewise-constant annual effective rates per product: the rate from `from_day` (inclusive) on."""

    product: np.ndarray  # int64 product code per row
    from_day: np.ndarray  # int64 day number (days since 1970-01-01)
    credited_rate: np.ndarray
    guaranteed_rate: np.ndarray


@dataclass(frozen=True)
class SavingsValues:
    """Savings accounts valued at v, one row per account with a value at v, sorted by account."""

    account: np.ndarray  # int64 account code
    product: np.ndarray  # int64 product code
    balance: np.ndarray  # credited-rate balance incl. interest accrued to v (the ALR)
    guaranteed_balance: np.ndarray  # the same cash flows accumulated at the guaranteed rates only
    credited_interest: np.ndarray  # interest accrued from the start point to v at credited rates
    guaranteed_rate: np.ndarray  # guaranteed rate in force at v
    credited_rate: np.ndarray  # credited rate in force at v


def _date(day) -> str:
    return str(np.datetime64(int(day), "D"))


def _ints(name: str, values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ComputationError(f"savings roll-forward: {name} must hold integer codes or day "
                               f"numbers, got {arr.dtype}")
    return arr.astype(np.int64, copy=False).ravel()


def _same_length(what: str, **arrays) -> None:
    sizes = {k: np.size(a) for k, a in arrays.items()}
    if len(set(sizes.values())) > 1:
        raise ComputationError(f"savings roll-forward: the {what} arrays differ in length {sizes}")


def _order(acc: np.ndarray, day: np.ndarray) -> np.ndarray | None:
    """Indices sorting by (acc, day), None if already sorted: one packed int64 key when it fits."""
    if acc.size == 0:
        return None
    a0, d0 = int(acc.min()), int(day.min())
    span_a, span_d = int(acc.max()) - a0 + 1, int(day.max()) - d0 + 1
    if span_a > (2**62) // span_d:
        return np.lexsort((day, acc))
    key = (acc - a0) * span_d + (day - d0)
    return None if np.all(key[1:] >= key[:-1]) else np.argsort(key)


def _start_points(account, product, start_day, start_balance, v):
    """Per account (sorted by code): (code, product, start day, start balance, has a snapshot by v)."""
    order = np.lexsort((start_day, account))
    acc, day = account[order], start_day[order]
    first = np.ones(acc.size, dtype=bool)
    first[1:] = acc[1:] != acc[:-1]
    lo = np.flatnonzero(first)
    hi = np.append(lo[1:], acc.size)
    cum = np.concatenate(([0], np.cumsum(day <= v)))
    n_known = cum[hi] - cum[lo]
    has = n_known > 0
    row = np.where(has, lo + n_known - 1, lo)
    tie = has & (row > lo)
    tie[tie] = day[row[tie] - 1] == day[row[tie]]
    if tie.any():
        k = np.flatnonzero(tie)[:MAX_LISTED]
        listed = ", ".join(f"account {acc[row[i]]} on {_date(day[row[i]])}" for i in k)
        raise ComputationError(f"savings roll-forward: two balance snapshots on the same day "
                               f"({listed}); keep one snapshot per account and day")
    src = order[row]
    return acc[row], product[src], day[row], start_balance[src].astype(np.float64), has


def _rates(schedule: RateSchedule, v: int):
    """Schedule rows in force on or before v, sorted by (product, from_day), checked."""
    product = _ints("schedule.product", schedule.product)
    from_day = _ints("schedule.from_day", schedule.from_day)
    ic = np.asarray(schedule.credited_rate, dtype=np.float64).ravel()
    ig = np.asarray(schedule.guaranteed_rate, dtype=np.float64).ravel()
    _same_length("rate schedule", product=product, from_day=from_day, credited_rate=ic,
                 guaranteed_rate=ig)
    keep = from_day <= v
    product, from_day, ic, ig = product[keep], from_day[keep], ic[keep], ig[keep]
    bad = ~(np.isfinite(ic) & np.isfinite(ig) & (ic > -1.0) & (ig > -1.0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ComputationError(
            f"savings roll-forward: product {product[k]} from {_date(from_day[k])} has rates "
            f"credited {ic[k]} / guaranteed {ig[k]}; expected annual effective rates above -1")
    order = np.lexsort((from_day, product))
    product, from_day, ic, ig = product[order], from_day[order], ic[order], ig[order]
    dup = (product[1:] == product[:-1]) & (from_day[1:] == from_day[:-1])
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise ComputationError(
            f"savings roll-forward: product {product[k]} has two rate rows from "
            f"{_date(from_day[k])}; keep one row per product and day")
    return product, from_day, ic, ig


def _in_force(s_product, s_from, product, day):
    """Row of the schedule (sorted by product, from_day) in force for (product, day); -1 if none."""
    if s_product.size == 0:
        return np.full(product.size, -1, dtype=np.int64)
    codes = np.unique(s_product)
    p = np.searchsorted(codes, product)
    known = codes[np.minimum(p, codes.size - 1)] == product
    base = min(int(s_from.min()), int(day.min())) if day.size else int(s_from.min())
    stride = max(int(s_from.max()), int(day.max()) if day.size else 0) - base + 1
    key = np.searchsorted(codes, s_product) * stride + (s_from - base)
    r = np.searchsorted(key, p * stride + (day - base), side="right") - 1
    ok = known & (r >= 0)
    ok[ok] = s_product[r[ok]] == product[ok]
    return np.where(ok, r, -1)


def _month_ends(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the last day of every month from the one before first_day's to last_day's."""
    m0 = np.datetime64(int(first_day), "D").astype("datetime64[M]") - 1
    m1 = np.datetime64(int(last_day), "D").astype("datetime64[M]") + 1
    starts = np.arange(m0, m1 + 1).astype("datetime64[D]").astype(np.int64)
    return starts - 1  # the day before each first of month


@njit(cache=True)
def _roll(start, balance0, skip, seg, seg_end, tx_lo, tx_hi, tx_day, tx_amount, seg_from,
          lc, lg, jc, jg, month_end, v, monthly, tolerance, out_b, out_bg, out_int, bad_day,
          bad_amount, bad_balance):
    """Walk each account's events in day order (see the module docstring); one account per slot."""
    for a in range(start.size):
        cur = start[a]
        b = balance0[a]
        bg = b
        acc = 0.0  # interest accrued in the month, not yet credited (monthly)
        accg = 0.0
        interest = 0.0
        r = seg[a]
        rend = seg_end[a]
        m = np.searchsorted(month_end, cur, side="right") if monthly else 0
        i = tx_lo[a]
        hi = tx_hi[a]
        while i < hi and tx_day[i] <= skip[a]:
            i += 1
        while True:
            d = tx_day[i] if i < hi else v
            while cur < d:
                nxt = d
                if r + 1 < rend and seg_from[r + 1] <= nxt:
                    nxt = seg_from[r + 1] - 1  # the last day of the old rate
                if monthly:
                    if month_end[m] < nxt:
                        nxt = month_end[m]
                    f = (nxt - cur) / (month_end[m] - month_end[m - 1])
                    da = b * jc[r] * f
                    acc += da
                    interest += da
                    accg += bg * jg[r] * f
                else:
                    da = b * np.expm1(lc[r] * (nxt - cur))
                    b += da
                    interest += da
                    bg += bg * np.expm1(lg[r] * (nxt - cur))
                cur = nxt
                if r + 1 < rend and seg_from[r + 1] == cur + 1:
                    r += 1
                if monthly and cur == month_end[m]:
                    b += acc
                    bg += accg
                    acc = 0.0
                    accg = 0.0
                    m += 1
            if i >= hi:
                break
            plus = 0.0
            minus = 0.0
            while i < hi and tx_day[i] == d:
                if tx_amount[i] >= 0.0:
                    plus += tx_amount[i]
                else:
                    minus -= tx_amount[i]
                i += 1
            b += plus
            bg += plus
            if minus > b + acc + tolerance and bad_day[a] < 0:
                bad_day[a] = d
                bad_amount[a] = minus
                bad_balance[a] = b + acc
            if minus <= b:
                b -= minus
            else:
                acc = max(acc - (minus - b), 0.0)
                b = 0.0
            if minus <= bg:
                bg -= minus
            else:
                accg = max(accg - (minus - bg), 0.0)
                bg = 0.0
        out_b[a] = b + acc
        out_bg[a] = bg + accg
        out_int[a] = interest


def roll_forward(
    account: np.ndarray,
    product: np.ndarray,
    start_day: np.ndarray,
    start_balance: np.ndarray,
    tx_account: np.ndarray,
    tx_day: np.ndarray,
    tx_amount: np.ndarray,
    schedule: RateSchedule,
    valuation_day: int,
    *,
    compounding: str = "daily",
    tolerance: float = 0.005,
    days_per_year: float = ACTUAL_365,
) -> SavingsValues:
    """B(v) = B_s G(s, v) + sum_k a_k G(t_k, v) at credited and at guaranteed rates (module docstring).

    One or more snapshot rows per account (account, product, start_day, start_balance): the latest
    on or before v is the start point; an account with none starts at its first transaction.
    ``tolerance``: how far (in money) a withdrawal may exceed the balance, for rounded balances.
    ``days_per_year``: the basis B of daily compounding (1 + i)^(1/B) (``[day_count]
    savings_interest``; actual/365 by default).
    """
    if compounding not in COMPOUNDING:
        raise ComputationError(f"savings roll-forward: compounding {compounding!r} is unknown; "
                               f"expected one of {', '.join(COMPOUNDING)}")
    v = int(valuation_day)
    account, product = _ints("account", account), _ints("product", product)
    start_day = _ints("start_day", start_day)
    start_balance = np.asarray(start_balance, dtype=np.float64).ravel()
    _same_length("account", account=account, product=product, start_day=start_day,
                 start_balance=start_balance)
    tx_account, tx_day = _ints("tx_account", tx_account), _ints("tx_day", tx_day)
    tx_amount = np.asarray(tx_amount, dtype=np.float64).ravel()
    _same_length("transaction", tx_account=tx_account, tx_day=tx_day, tx_amount=tx_amount)

    codes, prod, s, b0, has = _start_points(account, product, start_day, start_balance, v)

    due = tx_day <= v
    t_acc, t_day, t_amt = tx_account[due], tx_day[due], tx_amount[due]
    o = _order(t_acc, t_day)
    if o is not None:
        t_acc, t_day, t_amt = t_acc[o], t_day[o], t_amt[o]
    k = np.minimum(np.searchsorted(codes, t_acc), max(codes.size - 1, 0))
    orphan = codes[k] != t_acc if codes.size else np.ones(t_acc.size, dtype=bool)
    if orphan.any():
        listed = ", ".join(str(c) for c in np.unique(t_acc[orphan])[:MAX_LISTED])
        raise ComputationError(f"savings roll-forward: transactions of accounts without a product "
                               f"(account {listed}); give every account a row with its product")
    lo = np.searchsorted(t_acc, codes, side="left")
    hi = np.searchsorted(t_acc, codes, side="right")
    has_tx = hi > lo
    first_tx = np.full(codes.size, v, dtype=np.int64)
    first_tx[has_tx] = t_day[lo[has_tx]]
    start = np.where(has, s, first_tx)
    skip = np.where(has, s, first_tx - 1)
    b0 = np.where(has, b0, 0.0)
    live = np.flatnonzero(has | has_tx)
    codes, prod, start, skip, b0, lo, hi = (x[live] for x in (codes, prod, start, skip, b0, lo, hi))

    s_prod, s_from, ic, ig = _rates(schedule, v)
    need = np.minimum(start + 1, v)  # the first day that accrues (or v itself when start = v)
    seg = _in_force(s_prod, s_from, prod, need)
    if (seg < 0).any():
        miss = np.flatnonzero(seg < 0)
        pairs = sorted({(int(prod[j]), int(need[j])) for j in miss})[:MAX_LISTED]
        listed = ", ".join(f"product {p} on {_date(d)}" for p, d in pairs)
        raise ComputationError(
            f"savings roll-forward: no rate in force for {listed} ({miss.size} account(s)); "
            f"add a rate schedule row for the product from that day or earlier")
    at_v = _in_force(s_prod, s_from, prod, np.full(prod.size, v, dtype=np.int64))
    seg_end = np.searchsorted(s_prod, prod, side="right")

    n = codes.size
    out_b, out_bg, out_int = np.zeros(n), np.zeros(n), np.zeros(n)
    bad_day = np.full(n, -1, dtype=np.int64)
    bad_amount, bad_balance = np.zeros(n), np.zeros(n)
    monthly = compounding == "monthly"
    basis = float(days_per_year)
    months = _month_ends(int(start.min()), v) if (monthly and n) else np.zeros(1, dtype=np.int64)
    _roll(start, b0, skip, seg.astype(np.int64), seg_end.astype(np.int64), lo.astype(np.int64),
          hi.astype(np.int64), t_day, t_amt, s_from, np.log1p(ic) / basis,
          np.log1p(ig) / basis, np.expm1(np.log1p(ic) / 12.0),
          np.expm1(np.log1p(ig) / 12.0), months, v, monthly, float(tolerance),
          out_b, out_bg, out_int, bad_day, bad_amount, bad_balance)
    if (bad_day >= 0).any():
        over = np.flatnonzero(bad_day >= 0)
        listed = "; ".join(
            f"account {codes[j]} on {_date(bad_day[j])}: withdrawal {bad_amount[j]:.2f} > "
            f"balance {bad_balance[j]:.2f}" for j in over[:MAX_LISTED])
        raise ComputationError(f"savings roll-forward: {over.size} account(s) overdrawn ({listed}); "
                               f"check the withdrawals or the balance snapshots")
    return SavingsValues(
        account=codes, product=prod, balance=out_b, guaranteed_balance=out_bg,
        credited_interest=out_int, guaranteed_rate=ig[at_v], credited_rate=ic[at_v])


def guarantee_exposure(values: SavingsValues, earned_yield: float | np.ndarray) -> np.ndarray:
    """balance x max(guaranteed_rate - earned_yield, 0) per account.

    The interest over the next year that the guarantee promises and the assumed investment
    yield does not cover (spec §4.3; E1 L1996-2003, E2 L3438-3444: no unbacked interest
    guarantees). ``earned_yield``: one annual yield, or one per account of ``values``.
    """
    y = np.asarray(earned_yield, dtype=np.float64)
    return values.balance * np.maximum(values.guaranteed_rate - y, 0.0)
