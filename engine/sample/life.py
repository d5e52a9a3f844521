"""Level-premium life contracts of the sample programme (``life_policies``) and their reserves.

A product with a ``[products.X.life]`` table writes one contract per coverage term: issued on the
term's start at the member's completed age x, for n = term months / 12 years, level premiums at
the term's frequency for the whole term (a single premium: one at issue), annual gross premium
G = written premium / n. The contract ends early on the term's event day (death, cancellation,
lapse) when that falls before the term's end.

The generator sizes its books with the reserve the close computes for these contracts (spec
§3.6-3.7, E2 Table 9): the net premium reserve on the programme's Makeham table and rate,

    ALR(d) = sum over contracts with issue <= d < exit and t < n of  tV(x, n, S),

t = policy duration at the end of day d (``policy_durations``), tV from ``life.policy_values``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.calendar import NEVER
from reserva.reserves.accrued.alr import PLAN_BENEFITS, policy_durations
from reserva.reserves.accrued.life import Commutation, commutation, policy_values
from reserva.reserves.accrued.mortality import makeham
from reserva.vocab import PREMIUM_FREQUENCIES, PREMIUMS_PER_YEAR

from .dates import age_years
from .members import Book
from .programme import Product


@dataclass(frozen=True)
class LifeBasis:
    """The valuation basis of a product's contracts: plan, benefits per 1 of sum insured, table."""

    plan: str
    death_benefit: float
    survival_benefit: float
    cm: Commutation


def valuation_basis(prod: Product) -> LifeBasis:
    """Commutation columns of the product's Makeham table (q at max_age = 1) at its interest rate."""
    life = prod["life"]
    law_a, law_b, law_c = life["makeham"]
    table = makeham(f"{prod.id} life basis", law_a, law_b, law_c, life["min_age"], life["max_age"],
                    f"sample programme, products.{prod.id}.life")
    death, survival = PLAN_BENEFITS[life["plan"]]
    return LifeBasis(life["plan"], death, survival,
                     commutation(table.q, table.min_age, life["interest_rate"]))


@dataclass(frozen=True)
class LifeBook:
    """One contract per term of a product's book (same order as ``book.terms``)."""

    basis: LifeBasis
    issue: np.ndarray  # day number = the term's start
    issue_age: np.ndarray
    term_years: np.ndarray
    premium_years: np.ndarray
    frequency: np.ndarray  # index into PREMIUM_FREQUENCIES (premium_mode)
    sum_insured: np.ndarray
    gross_premium: np.ndarray  # annual, rounded to cents
    exit: np.ndarray  # the day the cover ended early, NEVER if it did not

    def reserves(self, period_end: np.ndarray) -> np.ndarray:
        """ALR(d) for every period end d: the net premium reserves of the contracts in force."""
        b = self.basis
        k = np.array([PREMIUMS_PER_YEAR[f] for f in PREMIUM_FREQUENCIES])[self.frequency]
        alr = np.zeros(period_end.size)
        for i, d in enumerate(period_end.tolist()):
            live = np.flatnonzero((self.issue <= d) & (self.exit > d))
            t = policy_durations(self.issue[live], d)
            running = t < self.term_years[live]  # a matured contract holds no reserve
            live, t = live[running], t[running]
            if live.size == 0:
                continue
            si = self.sum_insured[live]
            values = policy_values(
                b.cm, self.issue_age[live], self.term_years[live], self.premium_years[live],
                si * b.death_benefit, si * b.survival_benefit, k[live], t,
            )
            alr[i] = values.reserve.sum()
        return alr


def life_book(book: Book, birth: np.ndarray) -> LifeBook:
    """The contracts of a product with a life table; ``birth`` = birth day of every person."""
    t = book.terms
    freq = book.frequency[t.chain]
    single = freq == PREMIUM_FREQUENCIES.index("single")
    years = t.months // 12
    return LifeBook(
        basis=valuation_basis(book.product),
        issue=t.start,
        issue_age=age_years(birth[book.person[t.chain]], t.start),
        term_years=years,
        premium_years=np.where(single, 1, years),
        frequency=freq,
        sum_insured=t.sum_insured,
        gross_premium=np.round(np.where(single, t.written, t.written / years), 2),
        exit=np.where(t.event_day < t.end, t.event_day, NEVER),
    )
