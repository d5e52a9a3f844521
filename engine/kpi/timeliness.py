"""Promptness (timeliness) of claims settlement: a bucket schedule and per-step means.

    A event, B report, C decision, D receipt of the benefit or notice of the denial
    AB = B - A (reporting), BC = C - B (processing), CD = D - C (sending), AD = D - A
    clock = D - start, start in {A "event", B "report"}        (spec §1.8 DECISION)
    edition 2: clock AD over paid, partial AND rejected claims  (E2 L2434-2447, L2479-2498)
    edition 1: clock BD over paid and partial claims only       (E1 L1129-1148, L1172-1174)
    schedule: counts and shares of claims in [0, 7], [8, 30], [31, 90], [91, inf) days
              (upper edges are parameters; spec §1.8, E1 L1150-1156, E2 L2552-2566)

Spec §1.8, §5.4 and decision 7. The schedule is the indicator; the means help find the slow
step (E2 per-step table, L2587-2632: means 10.0 / 35.8 / 3.2 / 49.0, TV-18a). ``start`` and
``include_rejected`` default to the edition's choice (``EDITION_DEFAULTS``); either may be set
on its own, e.g. the edition 2 clock over paid claims only.

- D missing (``NEVER``): a rejected claim gets D := C (denial notified on the decision day,
  CD = 0, still in the means: reproduces the printed 3.2 and 49.0); a paid or partial claim
  gets D := C too, the receipt estimated from the settlement date (E2 L2490-2492). Both are
  counted in ``receipt_estimated``.
- Claims not fully processed (status "open", or no decision date) are left out of the
  schedule and listed in ``unprocessed_index``: E2 L2494-2498 says wait until the whole sample
  is processed, so a non-empty list means the schedule is provisional.
- Processed claims outside the population (rejected claims when ``include_rejected`` is
  false) are listed in ``excluded_index``. Every input claim is in exactly one of included /
  unprocessed / excluded.

``select_claims`` picks the claims of a period by one of the three selection modes of the
spec §1.8 DECISION (E1 L1143-1148: reported, or alternatively paid, in the period; E2
L2474-2480: processed in the period).

``status`` is text ("open", "paid", "rejected", "partial") or int codes indexing
``CLAIM_STATUSES`` (the order of the claims schema). Dates are int64 day numbers; an empty
date is ``NEVER`` (2**62).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

from reserva.calendar import NEVER
from reserva.errors import AssumptionError, ComputationError
from reserva.kpi._codes import as_codes
from reserva.kpi.ratio import Ratio, ratio
from reserva.vocab import CLAIM_OPEN as _OPEN
from reserva.vocab import CLAIM_PAID as _PAID
from reserva.vocab import CLAIM_PARTIAL as _PARTIAL
from reserva.vocab import CLAIM_REJECTED as _REJECTED
from reserva.vocab import CLAIM_STATUSES

STARTS = ("event", "report")
SCHEDULED = "fully processed claims"  # the population of the schedule (the ratios' "what")
SELECTION_MODES = ("reported_in_period", "processed_in_period", "paid_in_period")

# Each edition's clock start, population and claim selection (spec §1.8 table and DECISION).
# E1 L1129-1148: report date -> receipt, claims reported in the period (alternatively paid in
# the period), processed AND paid only. E2 L2434-2498: event -> receipt or denial, every
# fully processed claim (paid and rejected), claims processed in the period (the E2 diagram,
# L2500-2534, selects by report date instead: use "reported_in_period" for that reading).
EDITION_DEFAULTS = MappingProxyType({
    1: MappingProxyType(dict(start="report", include_rejected=False,
                             selection="reported_in_period")),
    2: MappingProxyType(dict(start="event", include_rejected=True,
                             selection="processed_in_period")),
})


@dataclass(frozen=True, eq=False)
class Timeliness:
    edition: int
    start: str  # clock start: "event" (A) or "report" (B); the clock ends at D
    include_rejected: bool  # rejected claims in the population
    claims: int  # claims passed in
    included: int  # claims in the schedule
    unprocessed: int  # no decision yet: not in the schedule, never silently dropped
    excluded: int  # processed but outside the population (rejected, include_rejected false)
    receipt_estimated: int  # included claims whose D was taken from C
    bucket_labels: tuple[str, ...]
    counts: tuple[int, ...]
    shares: tuple[Ratio, ...]  # count / included
    mean_ab: Ratio  # mean reporting time, days
    mean_bc: Ratio  # mean processing time
    mean_cd: Ratio  # mean time to deliver the benefit or the denial
    mean_ad: Ratio  # mean event-to-receipt time
    mean_clock: Ratio  # mean of the schedule's clock, start -> D
    unprocessed_index: np.ndarray  # int64 positions (into the inputs) of unprocessed claims
    excluded_index: np.ndarray  # int64 positions of processed claims outside the population

    @property
    def complete(self) -> bool:
        return self.unprocessed == 0

    def __eq__(self, other) -> bool:
        if not isinstance(other, Timeliness):
            return NotImplemented
        for f in fields(self):
            x, y = getattr(self, f.name), getattr(other, f.name)
            if isinstance(x, np.ndarray):
                if not np.array_equal(x, y):
                    return False
            elif x != y:
                return False
        return True

    __hash__ = object.__hash__


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


def _options(edition, start, include_rejected) -> tuple[str, bool]:
    if edition not in EDITION_DEFAULTS:
        raise AssumptionError(f"timeliness: edition {edition!r} unknown; use 1 or 2")
    default = EDITION_DEFAULTS[edition]
    start = default["start"] if start is None else start
    if start not in STARTS:
        raise AssumptionError(
            f"timeliness: clock start {start!r} unknown; use one of {', '.join(STARTS)} "
            "(or None for the edition's default)"
        )
    if include_rejected is None:
        include_rejected = default["include_rejected"]
    if not isinstance(include_rejected, bool | np.bool_):
        raise AssumptionError(
            f"timeliness: include_rejected {include_rejected!r} must be true or false "
            "(or None for the edition's default)"
        )
    return start, bool(include_rejected)


def _day_arrays(name: str, **arrays) -> list[np.ndarray]:
    out = [np.asarray(x, dtype=np.int64).reshape(-1) for x in arrays.values()]
    if len({x.size for x in out}) > 1:
        sizes = ", ".join(f"{k} {x.size}" for k, x in zip(arrays, out, strict=True))
        raise ComputationError(
            f"{name}: array lengths differ ({sizes}); pass one value of each per claim"
        )
    return out


def timeliness(
    event_day,
    report_day,
    decision_day,
    receipt_day,
    status,
    *,
    edition: int = 2,
    start: str | None = None,
    include_rejected: bool | None = None,
    buckets: tuple[int, ...] = (7, 30, 90),
) -> Timeliness:
    """Schedule of clock = D - start (days) in buckets with inclusive upper ``buckets`` edges.

    ``start`` ("event" | "report") and ``include_rejected`` default (None) to the edition's
    choice in ``EDITION_DEFAULTS`` (spec §1.8 DECISION; E1 L1129-1148, E2 L2434-2498).
    """
    start, include_rejected = _options(edition, start, include_rejected)
    edges = _check_buckets(buckets)
    code = as_codes(status, CLAIM_STATUSES, table="claims", column="status")
    a, b, c, d, code = _day_arrays(
        "timeliness", event=event_day, report=report_day, decision=decision_day,
        receipt=receipt_day, status=code,
    )
    n = a.size

    processed = (code != _OPEN) & (c < NEVER)
    kept = (_PAID, _REJECTED, _PARTIAL) if include_rejected else (_PAID, _PARTIAL)
    population = processed & np.isin(code, kept)
    estimated = population & (d >= NEVER)
    where = np.flatnonzero(population)
    a, b, c, d = a[population], b[population], c[population], d[population]
    d = np.where(d >= NEVER, c, d)

    ab, bc, cd = b - a, c - b, d - c
    ad = d - a
    clock = ad if start == "event" else d - b
    backwards = (ab < 0) | (bc < 0) | (cd < 0) | (a >= NEVER) | (b >= NEVER)
    if backwards.any():
        bad = where[backwards]
        shown = ", ".join(str(int(i)) for i in bad[:10]) + (", ..." if bad.size > 10 else "")
        raise ComputationError(
            f"timeliness: {bad.size} claim(s) (positions {shown}) with a missing event/report "
            "date or dates out of order (expected event <= report <= decision <= receipt); "
            "validate the claims table"
        )

    m = int(population.sum())
    bucket = np.searchsorted(np.asarray(edges, dtype=np.int64), clock, side="left")
    counts = np.bincount(bucket, minlength=len(edges) + 1)
    what = SCHEDULED

    def mean(x: np.ndarray) -> Ratio:
        return ratio(float(x.sum()), m, what=what)

    def index(mask: np.ndarray) -> np.ndarray:
        out = np.flatnonzero(mask).astype(np.int64)
        out.flags.writeable = False
        return out

    unprocessed_index = index(~processed)
    excluded_index = index(processed & ~population)
    return Timeliness(
        edition=edition,
        start=start,
        include_rejected=include_rejected,
        claims=n,
        included=m,
        unprocessed=int(unprocessed_index.size),
        excluded=int(excluded_index.size),
        receipt_estimated=int(np.count_nonzero(estimated)),
        bucket_labels=bucket_labels(edges),
        counts=tuple(int(k) for k in counts),
        shares=tuple(ratio(int(k), m, what=what) for k in counts),
        mean_ab=mean(ab),
        mean_bc=mean(bc),
        mean_cd=mean(cd),
        mean_ad=mean(ad),
        mean_clock=mean(clock),
        unprocessed_index=unprocessed_index,
        excluded_index=excluded_index,
    )


def select_claims(
    report_day,
    decision_day,
    receipt_day,
    status,
    *,
    mode: str,
    period_start: int,
    period_end: int,
) -> np.ndarray:
    """Claims of the period (period_start, period_end] (day numbers; the start is the last day
    of the previous period) by ``mode`` (spec §1.8 DECISION):

        reported_in_period   period_start < B <= period_end            (E1 L1143-1145)
        processed_in_period  status != open, C set, period_start < C <= period_end  (E2 L2476)
        paid_in_period       status paid or partial, period_start < D' <= period_end,
                             D' = D, or C when the receipt is unknown   (E1 L1145; E2 L2490-2492)

    Returns a boolean mask over the claims.
    """
    if mode not in SELECTION_MODES:
        raise AssumptionError(
            f"select_claims: mode {mode!r} unknown; use one of {', '.join(SELECTION_MODES)}"
        )
    lo, hi = int(period_start), int(period_end)
    if not lo < hi < NEVER:
        raise AssumptionError(
            f"select_claims: period ({lo}, {hi}] is empty or open-ended; give day numbers "
            "with period_start (last day of the previous period) < period_end"
        )
    code = as_codes(status, CLAIM_STATUSES, table="claims", column="status")
    b, c, d, code = _day_arrays(
        "select_claims", report=report_day, decision=decision_day, receipt=receipt_day,
        status=code,
    )
    if mode == "reported_in_period":
        day, eligible = b, np.ones(b.size, dtype=bool)
    elif mode == "processed_in_period":
        day, eligible = c, code != _OPEN
    else:
        day, eligible = np.where(d < NEVER, d, c), np.isin(code, (_PAID, _PARTIAL))
    return eligible & (day > lo) & (day <= hi)  # hi < NEVER: an empty date is never in
