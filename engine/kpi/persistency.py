"""Persistency ratio: share of a cohort still covered at a later date.

    persistency       = cohort members covered at ``at_day`` / cohort members
                                   (E1 L1056-1061, glossary L2559-2564; E2 L1959-1967, L4417-4427)
    excluding deaths  = persisting / (cohort - deaths among the non-persisting members)

Spec §1.5 "Persistency ratio". Unlike the renewal ratio it tracks active status, not renewals,
so it suits continuous and long-term covers (pensions, E1 L1988-1989) as well as yearly terms.
The glossary definition removes nobody from the denominator; ``excluding_deaths`` is an
option an actuary may prefer when deaths are not a commercial loss (DECISION, reported next
to the glossary ratio, never instead of it).

Cohort, exactly one of:

- ``reference_day``: members covered on that day (the glossary's "cohort of insured remaining
  at 15 Feb 2011", E2 L4426-4427);
- ``cohort_from``..``cohort_to``: members who bought cover, i.e. have a term starting in
  [cohort_from, cohort_to] (the glossary's "everyone who bought cover in January 2010";
  E2 L4426 prints the measurement date as 15 Feb "2010": erratum, 2011).

Covered on day d: a term with start <= d <= end and no exit of the member on a day in
[start, d - 1]. An exit ends the spell of cover it falls in even if the term's end date was not
cut (a lapse or death inside a long-term contract); an exit on day d leaves the member covered
on d, as an exit on the renewal date does in the renewal rules; a term starting after an exit
is a new spell (the member rejoined). A renewal keeps a member covered if the next term starts
by the day after the previous one ends; there is no grace period.

Deaths: non-persisting cohort members whose first exit on or after their reference day
(``reference_day``, or their first purchase in the window) and before ``at_day`` has reason
"death" (same-day exits: the lowest reason code; with the default codes death comes first).

Members are int64 codes; days are int64 day numbers; reasons are text or int codes indexing
``reason_codes``. Vectorised with sort / searchsorted (no loop over members).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.errors import AssumptionError, ComputationError
from reserva.kpi._codes import as_codes, code_of, int_array, locate
from reserva.kpi.ratio import Ratio, ratio
from reserva.vocab import DEATH, EXIT_REASONS

_BEFORE_ANY = np.iinfo(np.int64).min  # "no exit": earlier than any day


@dataclass(frozen=True)
class Persistency:
    """Persistency of one cohort at ``at_day``; persisting + deaths <= cohort."""

    cohort: int  # members in the cohort (covered at the reference day, or bought in the window)
    persisting: int  # cohort members covered at at_day
    deaths: int  # non-persisting cohort members whose first exit is a death
    ratio: Ratio  # persisting / cohort (glossary definition)
    excluding_deaths: Ratio  # persisting / (cohort - deaths)






def _covered(m, s, e, xm, xd, d: int) -> np.ndarray:
    """Sorted unique members covered on day d: a term in force, no exit in [start, d - 1]."""
    early = xd < d
    xm_e, xd_e = xm[early], xd[early]
    order = np.lexsort((xd_e, xm_e))
    xm_e, xd_e = xm_e[order], xd_e[order]
    last = np.ones(xm_e.size, dtype=bool)
    last[:-1] = xm_e[1:] != xm_e[:-1]
    exited, last_exit = xm_e[last], xd_e[last]  # latest exit before d, per member
    inforce = (s <= d) & (e >= d)
    m_in, s_in = m[inforce], s[inforce]
    latest = np.full(m_in.size, _BEFORE_ANY, dtype=np.int64)
    if exited.size:
        pos, hit = locate(exited, m_in)
        latest[hit] = last_exit[pos[hit]]
    return np.unique(m_in[s_in > latest])


def persistency(
    member,
    start_day,
    end_day,
    *,
    at_day: int,
    reference_day: int | None = None,
    cohort_from: int | None = None,
    cohort_to: int | None = None,
    exit_member=None,
    exit_day=None,
    exit_reason=None,
    reason_codes: tuple[str, ...] = EXIT_REASONS,
) -> Persistency:
    """Cohort members covered at ``at_day`` / cohort members (see the module rules)."""
    m = int_array(member, "persistency", "member")
    s = int_array(start_day, "persistency", "start_day")
    e = int_array(end_day, "persistency", "end_day")
    if not (m.size == s.size == e.size):
        raise ComputationError(
            f"persistency: terms arrays differ in length (member {m.size}, start {s.size}, "
            f"end {e.size}); pass one value of each per term"
        )
    given = [x is not None for x in (exit_member, exit_day, exit_reason)]
    if any(given) and not all(given):
        raise ComputationError(
            "persistency: pass exit_member, exit_day and exit_reason together, or none of them"
        )
    if all(given):
        xm = int_array(exit_member, "persistency", "exit_member")
        xd = int_array(exit_day, "persistency", "exit_day")
        xr = as_codes(exit_reason, reason_codes, table="exits", column="reason").reshape(-1)
    else:
        xm = xd = xr = np.zeros(0, dtype=np.int64)
    if not (xm.size == xd.size == xr.size):
        raise ComputationError(
            f"persistency: exits arrays differ in length (member {xm.size}, day {xd.size}, "
            f"reason {xr.size}); pass one value of each per exit"
        )
    death = code_of(DEATH, reason_codes, what="persistency reason codes")

    by_purchase = cohort_from is not None or cohort_to is not None
    if (reference_day is None) == (not by_purchase):
        raise AssumptionError(
            "persistency: give exactly one cohort definition, either reference_day (covered "
            "on that day) or cohort_from and cohort_to (bought cover in that window)"
        )
    at = int(at_day)
    if by_purchase:
        if cohort_from is None or cohort_to is None:
            raise AssumptionError(
                "persistency: a purchase cohort needs both cohort_from and cohort_to"
            )
        lo, hi = int(cohort_from), int(cohort_to)
        if hi < lo:
            raise AssumptionError(f"persistency: cohort_to {hi} is before cohort_from {lo}")
        if at <= hi:
            raise AssumptionError(
                f"persistency: at_day {at} must be after the purchase window end {hi}"
            )
        bought = (s >= lo) & (s <= hi)
        m_b, s_b = m[bought], s[bought]
        order = np.lexsort((s_b, m_b))
        cohort, first = np.unique(m_b[order], return_index=True)
        reference = s_b[order][first]  # each member's first purchase in the window
    else:
        ref = int(reference_day)
        if at <= ref:
            raise AssumptionError(
                f"persistency: at_day {at} must be after reference_day {ref}"
            )
        cohort = _covered(m, s, e, xm, xd, ref)
        reference = np.full(cohort.size, ref, dtype=np.int64)

    _, persists = locate(_covered(m, s, e, xm, xd, at), cohort)

    # First exit in [reference, at_day) of each cohort member (ties: lowest reason code).
    xpos, xhit = locate(cohort, xm)
    xpos, xday, xcode = xpos[xhit], xd[xhit], xr[xhit]
    inside = (xday >= reference[xpos]) & (xday < at)
    xpos, xday, xcode = xpos[inside], xday[inside], xcode[inside]
    order = np.lexsort((xcode, xday, xpos))
    xpos, xcode = xpos[order], xcode[order]
    first = np.ones(xpos.size, dtype=bool)
    first[1:] = xpos[1:] != xpos[:-1]
    died = np.zeros(cohort.size, dtype=bool)
    died[xpos[first & (xcode == death)]] = True

    n = int(cohort.size)
    persisting = int(np.count_nonzero(persists))
    deaths = int(np.count_nonzero(died & ~persists))
    return Persistency(
        cohort=n,
        persisting=persisting,
        deaths=deaths,
        ratio=ratio(persisting, n, what="cohort"),
        excluding_deaths=ratio(persisting, n - deaths, what="cohort less deaths"),
    )
