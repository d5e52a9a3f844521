"""Claims rejection ratio, with partial rejections as a separate sub-ratio.

    rejection ratio = rejected claims / all claims reported in the period
    partial ratio   = partially rejected claims / all claims reported in the period

Spec §1.9 and §5.5 (E1 L1323-1334; E2 L2705-2726, L2728-2764). The caller passes the claims
REPORTED in the period (or an unbiased sample); event and settlement dates may fall outside it.
A partly paid, partly denied claim is not a rejection (E2 L2721-2726). Every claim needs a
pay/no-pay decision: with k of n undecided the ratios are "incomplete" (value NaN, decision 8),
and the ratios over the decided claims are reported separately as provisional figures.
TV-20: quarters 10.0%, 7.3%, 10.8%, 16.7%; year 26/230 = 11.3% (not the mean of quarters).

``status`` is text ("open", "paid", "rejected", "partial") or int codes indexing
``CLAIM_STATUSES`` (the order of the claims schema). A claim counts as decided when
``decided`` is true AND its status is not "open".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.errors import ComputationError
from reserva.kpi._codes import as_codes
from reserva.kpi.ratio import Ratio, ratio, undefined
from reserva.vocab import CLAIM_STATUSES


@dataclass(frozen=True)
class Rejection:
    reported: int
    decided: int
    undecided: int
    rejected: int  # decided and fully rejected
    partial: int  # decided and partially rejected (not a rejection)
    ratio: Ratio  # rejected / reported; NaN "incomplete: ..." while claims are undecided
    partial_ratio: Ratio  # partial / reported; same completeness rule
    provisional: Ratio  # rejected / decided: usable while incomplete, biased low
    provisional_partial: Ratio  # partial / decided

    @property
    def complete(self) -> bool:
        return self.undecided == 0


def rejection(status, decided) -> Rejection:
    """Rejected / reported over the claims reported in the period.

    ``decided``: bool per claim, a pay/no-pay decision is on file (e.g. decision date set).
    """
    codes = as_codes(status, CLAIM_STATUSES, table="claims", column="status")
    decided_arr = np.asarray(decided, dtype=bool).reshape(-1)
    if decided_arr.shape != codes.shape:
        raise ComputationError(
            f"rejection: {codes.size} statuses but {decided_arr.size} decided flags; "
            "pass one of each per claim"
        )
    is_decided = decided_arr & (codes != CLAIM_STATUSES.index("open"))
    n = int(codes.size)
    n_decided = int(np.count_nonzero(is_decided))
    n_rejected = int(np.count_nonzero(is_decided & (codes == CLAIM_STATUSES.index("rejected"))))
    n_partial = int(np.count_nonzero(is_decided & (codes == CLAIM_STATUSES.index("partial"))))
    undecided = n - n_decided

    def final(k: int) -> Ratio:
        if undecided and n:
            return undefined(k, n, f"incomplete: {undecided} of {n} claims undecided")
        return ratio(k, n, what="claims reported")

    return Rejection(
        reported=n,
        decided=n_decided,
        undecided=undecided,
        rejected=n_rejected,
        partial=n_partial,
        ratio=final(n_rejected),
        partial_ratio=final(n_partial),
        provisional=ratio(n_rejected, n_decided, what="decided claims"),
        provisional_partial=ratio(n_partial, n_decided, what="decided claims"),
    )
