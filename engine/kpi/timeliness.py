"""Promptness (timeliness) of claims settlement: a bucket schedule and per-step means.

    A event, B report, C decision, D receipt of the benefit or notice of the denial
    AB = B - A (reporting), BC = C - B (processing), CD = D - C (sending), AD = D - A
    edition 2 clock = AD over paid, partial AND rejected claims  (E2 L2434-2447, L2479-2498)
    edition 1 clock = BD over paid and partial claims only       (E1 L1129-1148, L1172-1174)
    schedule: counts and shares of claims in [0, 7], [8, 30], [31, 90], [91, inf) days
              (upper edges are parameters; spec §1.8, E1 L1150-1156, E2 L2552-2566)

Spec §1.8, §5.4 and decision 7. The schedule is the indicator; the means help find the slow
step (E2 per-step table, L2587-2632: means 10.0 / 35.8 / 3.2 / 49.0, TV-18a).

- D missing (``NEVER``): a rejected claim gets D := C (denial notified on the decision day,
  CD = 0, still in the means: reproduces the printed 3.2 and 49.0); a paid or partial claim
  gets D := C too, the receipt estimated from the settlement date (E2 L2490-2492). Both are
  counted in ``receipt_estimated``.
- Claims not fully processed (status "open", or no decision date) are left out of the
  schedule and counted in ``unprocessed``: E2 L2494-2498 says wait until the whole sample is
  processed, so a non-zero count means the schedule is provisional.
- Processed claims outside the edition's population (rejected claims under edition 1) are
  counted in ``excluded``. Every input claim is in exactly one of included / unprocessed /
  excluded.

``status`` is text ("open", "paid", "rejected", "partial") or int codes indexing
``CLAIM_STATUSES`` (the order of the claims schema). Dates are int64 day numbers; an empty
date is ``NEVER`` (2**62). The caller selects the claims (reported / processed in the period).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import AssumptionError, ComputationError
from engine.kpi._codes import CLAIM_STATUSES, NEVER, as_codes
from engine.kpi.ratio import Ratio, ratio

_OPEN, _PAID, _REJECTED, _PARTIAL = (CLAIM_STATUSES.index(s) for s in
                                     ("open", "paid", "rejected", "partial"))


@dataclass(frozen=True)
class Timeliness:
    edition: int
    claims: int  # claims passed in
    included: int  # claims in the schedule
    unprocessed: int  # no decision yet: not in the schedule, never silently dropped
    excluded: int  # processed but outside the edition's population (edition 1: rejected)
    receipt_estimated: int  # included claims whose D was taken from C
    bucket_labels: tuple[str, ...]
    counts: tuple[int, ...]
    shares: tuple[Ratio, ...]  # count / included
    mean_ab: Ratio  # mean reporting time, days
    mean_bc: Ratio  # mean processing time
    mean_cd: Ratio  # mean time to deliver the benefit or the denial
    mean_ad: Ratio  # mean event-to-receipt time
    mean_clock: Ratio  # mean of the schedule's clock: AD (edition 2) or BD (edition 1)

    @property
    def complete(self) -> bool:
        return self.unprocessed == 0


def bucket_labels(buckets: tuple[int, ...]) -> tuple[str, ...]:
    """"0-7", "8-30", "31-90", "91+" for upper edges (7, 30, 90)."""
    labels, lo = [], 0
    for hi in buckets:
        labels.append(f"{lo}-{hi}")
        lo = hi + 1
    labels.append(f"{lo}+")
    return tuple(labels)


def _check_buckets(buckets) -> tuple[int, ...]:
    edges = tuple(int(b) for b in buckets)
    if not edges or edges[0] < 0 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise AssumptionError(
            f"timeliness buckets {tuple(buckets)!r}: give strictly increasing upper edges "
            "in days, >= 0, e.g. (7, 30, 90)"
        )
    if any(e != b for e, b in zip(edges, buckets, strict=True)):
        raise AssumptionError(f"timeliness buckets {tuple(buckets)!r}: edges must be whole days")
    return edges


def timeliness(
    event_day,
    report_day,
    decision_day,
    receipt_day,
    status,
    *,
    edition: int = 2,
    buckets: tuple[int, ...] = (7, 30, 90),
) -> Timeliness:
    """Schedule of settlement times in buckets with inclusive upper ``buckets`` edges."""
    if edition not in (1, 2):
        raise AssumptionError(f"timeliness: edition {edition!r} unknown; use 1 or 2")
    edges = _check_buckets(buckets)
    a = np.asarray(event_day, dtype=np.int64).reshape(-1)
    b = np.asarray(report_day, dtype=np.int64).reshape(-1)
    c = np.asarray(decision_day, dtype=np.int64).reshape(-1)
    d = np.asarray(receipt_day, dtype=np.int64).reshape(-1)
    code = as_codes(status, CLAIM_STATUSES, table="claims", column="status")
    n = a.size
    if not (b.size == c.size == d.size == code.size == n):
        raise ComputationError(
            f"timeliness: array lengths differ (event {a.size}, report {b.size}, decision "
            f"{c.size}, receipt {d.size}, status {code.size}); pass one value of each per claim"
        )

    processed = (code != _OPEN) & (c < NEVER)
    if edition == 2:
        population = processed & np.isin(code, (_PAID, _REJECTED, _PARTIAL))
    else:
        population = processed & np.isin(code, (_PAID, _PARTIAL))
    estimated = population & (d >= NEVER)
    a, b, c, d = a[population], b[population], c[population], d[population]
    d = np.where(d >= NEVER, c, d)

    ab, bc, cd = b - a, c - b, d - c
    ad = d - a
    clock = ad if edition == 2 else d - b
    backwards = (ab < 0) | (bc < 0) | (cd < 0) | (a >= NEVER) | (b >= NEVER)
    if backwards.any():
        k = int(np.count_nonzero(backwards))
        raise ComputationError(
            f"timeliness: {k} claim(s) with a missing event/report date or dates out of order "
            "(expected event <= report <= decision <= receipt); validate the claims table"
        )

    m = int(population.sum())
    bucket = np.searchsorted(np.asarray(edges, dtype=np.int64), clock, side="left")
    counts = np.bincount(bucket, minlength=len(edges) + 1)
    what = "fully processed claims"

    def mean(x: np.ndarray) -> Ratio:
        return ratio(float(x.sum()), m, what=what)

    return Timeliness(
        edition=edition,
        claims=n,
        included=m,
        unprocessed=int(np.count_nonzero(~processed)),
        excluded=int(np.count_nonzero(processed & ~population)),
        receipt_estimated=int(np.count_nonzero(estimated)),
        bucket_labels=bucket_labels(edges),
        counts=tuple(int(k) for k in counts),
        shares=tuple(ratio(int(k), m, what=what) for k in counts),
        mean_ab=mean(ab),
        mean_bc=mean(bc),
        mean_cd=mean(cd),
        mean_ad=mean(ad),
        mean_clock=mean(clock),
    )
