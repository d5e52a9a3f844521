"""Outstanding claims (claims in course of settlement) and claims paid, as known at a date.

OCS(v) = sum over claims reported by v and not settled by v (E2 L4140-4179, spec §3.5):
- undecided at v (no decision, or decided after v): ``p x amount`` with ``amount`` the claimed
  amount (conservative: "all reported claims will be paid", TV-07b), the case reserve, or the
  larger of the two, and ``p`` the probability of payment (default 1.0) of the assumption set;
- decided by v to pay (paid, partial): the unpaid remainder ``paid_amount - paid to date(v)``;
- rejected by v: nothing.
Payments come from ``claim_payments`` when given, else one payment of ``paid_amount`` on the
receipt date (D), or the decision date (C) when D is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.vocab import CLAIM_REJECTED
from reserva.vocab import CLAIM_STATUS_CODES as STATUS_CODES  # the codes ocs_at's status reads

__all__ = ["OCS_BASES", "STATUS_CODES", "Payments", "ocs_at"]

OCS_BASES = {"claimed": 0, "case_reserve": 1, "max": 2}


@dataclass(frozen=True)
class Payments:
    """Claim payments as arrays: index into the claims arrays, day, amount."""

    claim: np.ndarray
    day: np.ndarray
    amount: np.ndarray

    def to_date(self, n_claims: int, v: int) -> np.ndarray:
        """Paid to date per claim: sum of payments on or before day v."""
        mask = self.day <= v
        return np.bincount(self.claim[mask], weights=self.amount[mask], minlength=n_claims)

    def in_period(self, n_claims: int, start: int, v: int) -> np.ndarray:
        """Paid per claim in the period (start, v]."""
        mask = (self.day > start) & (self.day <= v)
        return np.bincount(self.claim[mask], weights=self.amount[mask], minlength=n_claims)


def single_payments(paid_amount, decision_day, receipt_day, never) -> Payments:
    """One payment per paid claim, on D (or C when D is empty)."""
    pay_day = np.where(receipt_day < never, receipt_day, decision_day)
    idx = np.flatnonzero((paid_amount > 0) & (pay_day < never))
    return Payments(idx.astype(np.int64), pay_day[idx], paid_amount[idx])


def ocs_at(
    report_day: np.ndarray,
    decision_day: np.ndarray,
    status: np.ndarray,
    claimed_amount: np.ndarray,
    case_reserve: np.ndarray,
    paid_amount: np.ndarray,
    paid_to_date: np.ndarray,
    v: int,
    *,
    basis: np.ndarray,
    probability: np.ndarray,
) -> np.ndarray:
    """OCS per claim at the end of day v (``basis``/``probability`` per claim, from its product)."""
    case = np.where(np.isnan(case_reserve), claimed_amount, case_reserve)
    undecided_amount = np.select(
        [basis == OCS_BASES["claimed"], basis == OCS_BASES["case_reserve"]],
        [claimed_amount, case],
        np.maximum(claimed_amount, case),
    ) * probability
    reported = report_day <= v
    decided = decision_day <= v
    remainder = np.where(status == CLAIM_REJECTED, 0.0, np.maximum(paid_amount - paid_to_date, 0.0))
    return np.where(reported, np.where(decided, remainder, undecided_amount), 0.0)
