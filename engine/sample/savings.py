"""Savings (accumulation) accounts of savings-linked products.

One account per member chain. Each premium paid puts ``savings_share`` of it into the account;
the balance is credited at the product's rate of the calendar year:

    B_i = B_(i-1) * (1 + r_i)^((t_i - t_(i-1)) / 365.2425) + C_i

Balance rows are dated at the account opening and at each quarter start after it (a row holds
the contributions due in its quarter and the crediting up to its date); when the member exits
the account is paid out: a last row on the exit day with balance 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.calendar import NEVER
from reserva.vocab import INTERVAL_MONTHS, PREMIUM_FREQUENCIES

from .dates import DAYS_PER_YEAR, Calendar, add_months
from .draws import uniform
from .members import Book

RATE_STEP = 0.0025  # credited rates are declared in steps of a quarter percent


@dataclass(frozen=True)
class Savings:
    chain: np.ndarray  # the account = the member's chain in the product
    day: np.ndarray
    balance: np.ndarray
    rate: np.ndarray


def credited_rates(rng: np.random.Generator, bounds, cal: Calendar) -> tuple[int, np.ndarray]:
    """(first year, rate per calendar year): uniform in bounds, rounded to RATE_STEP."""
    first, last = (int(y) for y in cal.year_of(np.array([cal.start, cal.valuation])))
    rates = np.round(uniform(rng, bounds, last - first + 1) / RATE_STEP) * RATE_STEP
    return first, rates


def contributions(book: Book, cal: Calendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chain, due day, amount) of every savings contribution paid by the valuation date."""
    prod, t = book.product, book.terms
    months_of = np.array([INTERVAL_MONTHS[f] for f in PREMIUM_FREQUENCIES])
    fm = months_of[book.frequency[t.chain]]
    n_due = np.where(fm > 0, t.months // np.maximum(fm, 1), 1)
    rows = np.repeat(np.arange(t.start.size), n_due)
    j = np.arange(rows.size) - np.repeat(np.cumsum(n_due) - n_due, n_due)
    due = add_months(t.start[rows], j * fm[rows])
    paid = (due <= cal.valuation) & (due <= t.event_day[rows])
    amount = prod["savings_share"] * t.written[rows] / n_due[rows]
    return t.chain[rows][paid], due[paid], amount[paid]


def savings_accounts(rng: np.random.Generator, book: Book, cal: Calendar) -> Savings:
    """Balance rows of every account of a savings-linked product (see the module docstring)."""
    first_year, rates = credited_rates(rng, book.product["credited_rate"], cal)
    n = book.n_chains
    opened = np.full(n, NEVER)
    np.minimum.at(opened, book.terms.chain, book.terms.start)
    close = np.full(n, NEVER)
    close[book.exits.chain] = book.exits.day
    closed = close <= cal.valuation
    qs = cal.quarter_starts
    has_open = (~(closed & (close <= opened))).astype(np.int64)
    limit = np.where(closed, close - 1, cal.valuation)
    lo = np.searchsorted(qs, opened, side="right")
    n_q = np.maximum(np.searchsorted(qs, limit, side="right") - lo, 0)
    n_rows = has_open + n_q + closed
    offset = np.cumsum(n_rows) - n_rows
    acc = np.repeat(np.arange(n), n_rows)
    pos = np.arange(acc.size) - offset[acc]
    qpos = pos - has_open[acc]
    is_q = (qpos >= 0) & (qpos < n_q[acc])
    is_close = closed[acc] & (pos == n_rows[acc] - 1)
    q_day = qs[np.clip(lo[acc] + qpos, 0, max(qs.size - 1, 0))] if qs.size else opened[acc]
    day = np.where(is_q, q_day, np.where(is_close, close[acc], opened[acc]))

    chain, due, amount = contributions(book, cal)
    row_in_acc = has_open[chain] - 1 + np.searchsorted(qs, due, side="right") - lo[chain]
    contrib = np.bincount(offset[chain] + np.maximum(row_in_acc, 0), weights=amount,
                          minlength=acc.size)

    rate = rates[np.clip(cal.year_of(day) - first_year, 0, rates.size - 1)]
    first = pos == 0
    gap = np.diff(day, prepend=day[:1] if day.size else day)
    log_growth = np.where(first, 0.0, np.log1p(rate) * gap / DAYS_PER_YEAR)
    cs = np.cumsum(log_growth)
    grown = cs - cs[offset[acc]] if acc.size else cs
    x = contrib * np.exp(-grown)
    cx = np.cumsum(x)
    start_cx = (cx - x)[offset[acc]] if acc.size else cx
    balance = np.exp(grown) * (cx - start_cx)
    balance = np.where(is_close, 0.0, np.round(balance, 2))
    return Savings(acc, day, balance, rate)
