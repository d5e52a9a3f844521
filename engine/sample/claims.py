"""Claims of the sample programme, with the four dates A (event) <= B (report) <= C (decision)
<= D (receipt or denial notification) of the timeliness clock (E2 L2434-2447).

Life products claim on death: the claimed amount is the sum insured, or the outstanding loan
balance for decreasing (credit life) cover. Products with a ``claim_frequency`` (health) also
have Poisson claims over the exposure of each term, with lognormal amounts capped at the benefit
limit. A claim reported after the valuation date is not yet known (it is IBNR): it is returned
with ``report > valuation`` and the writer drops it. Undecided claims are open with a case
reserve; a decision or receipt after the valuation date is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.calendar import NEVER
from reserva.vocab import CLAIM_OPEN as OPEN
from reserva.vocab import CLAIM_PAID as PAID
from reserva.vocab import CLAIM_PARTIAL as PARTIAL
from reserva.vocab import CLAIM_REJECTED as REJECTED

from .dates import DAYS_PER_YEAR, Calendar
from .draws import lag, lognormal, pick, uniform
from .members import CLAIMED, Book
from .programme import Product

MONTH_DAYS = DAYS_PER_YEAR / 12.0


@dataclass(frozen=True)
class Claims:
    """Claims of one product; ``term`` indexes the book's terms, dates are day numbers (NEVER = empty)."""

    term: np.ndarray
    event: np.ndarray
    report: np.ndarray
    decision: np.ndarray
    receipt: np.ndarray
    status: np.ndarray  # index into CLAIM_STATUSES
    claimed: np.ndarray
    paid: np.ndarray
    case_reserve: np.ndarray  # NaN unless open
    cause: np.ndarray  # index into cause_names
    cause_names: tuple[str, ...]

    def take(self, rows: np.ndarray) -> Claims:
        fields = {f: getattr(self, f) for f in self.__dataclass_fields__}
        return Claims(**{k: (v if k == "cause_names" else v[rows]) for k, v in fields.items()})


def outstanding_share(elapsed_days: np.ndarray, months: np.ndarray, loan_rate: float) -> np.ndarray:
    """Outstanding balance / loan of a level monthly-instalment loan after t whole instalments:
    (1 - v^(n - t)) / (1 - v^n), v = 1 / (1 + loan_rate / 12); linear when the rate is 0.
    t = whole months elapsed, at most n - 1 (the last instalment falls on the end date)."""
    t = np.minimum(np.floor(elapsed_days / MONTH_DAYS), months - 1)
    i = loan_rate / 12.0
    if i == 0:
        return 1.0 - t / months
    v = 1.0 / (1.0 + i)
    return (1.0 - v ** (months - t)) / (1.0 - v**months)


def _settle(rng: np.random.Generator, prod: Product, cal: Calendar, term: np.ndarray,
            event: np.ndarray, report: np.ndarray, claimed: np.ndarray) -> Claims:
    """Decision, receipt, outcome and amounts of claims with known event, report and claim."""
    n = term.size
    V = cal.valuation
    decision = report + lag(rng, prod["decision_lag"], n)
    receipt = decision + lag(rng, prod["receipt_lag"], n)
    u = rng.random(n)
    rejected = u < prod["reject_rate"]
    partial = ~rejected & (u < prod["reject_rate"] + prod["partial_rate"])
    share = np.where(rejected, 0.0, np.where(partial, uniform(rng, prod["partial_paid"], n), 1.0))
    undecided = decision > V
    status = np.where(rejected, REJECTED, np.where(partial, PARTIAL, PAID))
    status = np.where(undecided, OPEN, status)
    claimed = np.round(claimed, 2)
    paid = np.where(undecided, 0.0, np.round(claimed * share, 2))
    case = np.where(undecided, np.round(claimed * prod["case_reserve_factor"], 2), np.nan)
    names, probs = prod.choice("causes")
    cause = pick(rng, probs, n)
    return Claims(
        term, event, report, np.where(undecided, NEVER, decision),
        np.where(receipt > V, NEVER, receipt), status, claimed, paid, case, cause, names,
    )


def death_claims(rng: np.random.Generator, book: Book, cal: Calendar) -> Claims:
    """One claim per known death of an insured member (terms whose outcome is CLAIMED)."""
    prod, t = book.product, book.terms
    rows = np.flatnonzero(t.outcome == CLAIMED)
    event = t.event_day[rows]
    report = event + t.report_lag[rows]
    claimed = t.sum_insured[rows].astype(np.float64)
    if prod.get("decreasing_cover", False):
        share = outstanding_share(event - t.start[rows], t.months[rows], prod["loan_rate"])
        claimed = claimed * share
    return _settle(rng, prod, cal, rows, event, report, claimed)


def frequency_claims(rng: np.random.Generator, book: Book, cal: Calendar) -> Claims:
    """Poisson(claim_frequency x exposure years) claims per term, events uniform over the exposure
    (start .. the day before a death, cancellation or lapse, at most the valuation date)."""
    prod, t = book.product, book.terms
    last = np.minimum(np.minimum(t.end, t.event_day - 1), cal.valuation)
    days = np.maximum(last - t.start + 1, 0)
    count = rng.poisson(prod["claim_frequency"] * days / DAYS_PER_YEAR)
    rows = np.repeat(np.arange(t.start.size), count)
    event = t.start[rows] + np.floor(rng.random(rows.size) * days[rows]).astype(np.int64)
    report = event + lag(rng, prod["report_lag"], rows.size)
    claimed = np.minimum(lognormal(rng, prod["claim_amount"], rows.size), t.sum_insured[rows])
    return _settle(rng, prod, cal, rows, event, report, claimed)


def product_claims(rng: np.random.Generator, book: Book, cal: Calendar) -> Claims:
    """All claims of a product (death claims, then frequency claims), in a fixed order."""
    parts = []
    if book.product["death_benefit"]:
        parts.append(death_claims(rng, book, cal))
    if "claim_frequency" in book.product.params:
        parts.append(frequency_claims(rng, book, cal))
    if not parts:
        e = np.empty(0, np.int64)
        names = tuple(book.product.get("causes", {"other": 1.0}))
        return Claims(e, e, e, e, e, e, np.empty(0), np.empty(0), np.empty(0), e, names)
    if len(parts) == 1:
        return parts[0]
    fields = [f for f in Claims.__dataclass_fields__ if f != "cause_names"]
    return Claims(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields},
                  cause_names=parts[0].cause_names)
