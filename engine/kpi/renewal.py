"""Cohort renewal ratio, its modified and deaths-only variants, and the lapse ratio.

    potential = cohort - deaths before renewal date - age-outs before renewal date
    renewal ratio   = renewals / potential                          (E2 L1774, E1 L977)
    modified ratio  = renewals / (potential - dropouts with an excluded reason, e.g. migration)
                                                                    (E2 L1917-1920, L1945-1951)
    deaths-only     = renewals / (cohort - deaths before renewal date)   (E1 L1053-1054)
    lapse ratio     = dropouts / potential = 1 - renewal ratio     (E2 L1778-1779)
    invariant       renewals + dropouts = potential

Spec §1.5 "Cohort rules" and §5.2 (E2 Table 6, L1802-1904: 12,020 / 14,470 = 0.8307;
modified 12,020 / 14,170 = 0.8483; E1 L990-1042: 0.8303 / 0.848).

Rules, for the terms (one row per coverage term) and exits of ONE product:

- Cohort: members with a term in force at ``window_start`` (start <= ws <= end). With several
  such terms the latest-ending one counts. The member's renewal date is the day after that
  term ends. A member whose in-force term ends after ``window_end`` is not due to renew in the
  window and is left out of the cohort (counted in ``not_due``).
- New entrants (a term starting in (ws, we] and no term in force at ws) are not in the cohort
  (cohort 2 of E2 Table 6 is "n/a"); they are only counted.
- Exit of a cohort member: its earliest exit on or after ``window_start`` (earlier exits
  belong to earlier spells of cover).
- A death ("death") or age-out ("max_age") exit strictly before the renewal date removes the
  member from the denominator. One on or after the renewal date means the member was still
  covered then: a renewal ("died after renewing", E2 Table 6), even if the renewal term is
  missing from the records.
- Renewed: the member has a term starting in (ws, renewal date + ``grace_days``].
- Dropouts: the rest of the potential renewals. The modified ratio removes from the
  DENOMINATOR the dropouts whose exit reason is in ``excluded_reasons`` (the spec: the
  denominator shrinks; E1 L1046 "numerator" is an erratum). A dropout without an exit record
  is never excluded.

Members are int64 codes; days are int64 day numbers; reasons are text or int codes indexing
``reason_codes``. Vectorised with sort / searchsorted (no loop over members).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from engine.errors import AssumptionError, ComputationError
from engine.kpi._codes import EXIT_REASONS, NEVER, as_codes, code_of
from engine.kpi.ratio import Ratio, ratio

DEATH = "death"
MAX_AGE = "max_age"
NO_EXIT = "none"  # key in ``dropouts_by_reason`` for dropouts without an exit record


@dataclass(frozen=True)
class RenewalResult:
    cohort: int  # in force at window start and due to renew in the window
    not_due: int  # in force at window start, term ends after window end (left out)
    new_entrants: int  # first term starts in the window (left out)
    deaths_before: int
    age_outs_before: int
    deaths_after: int  # counted in renewals
    age_outs_after: int  # counted in renewals
    potential: int  # cohort - deaths_before - age_outs_before
    renewals: int
    dropouts: int
    excluded_dropouts: int  # dropouts with a reason in excluded_reasons
    dropouts_by_reason: Mapping[str, int]
    ratio: Ratio  # renewals / potential
    modified: Ratio  # renewals / (potential - excluded_dropouts)
    deaths_only: Ratio  # renewals / (cohort - deaths_before)
    lapse: Ratio  # dropouts / potential


def _int_days(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.size and arr.dtype.kind not in "iu":
        raise ComputationError(f"renewal: {name} must be integer day numbers or codes")
    return arr.astype(np.int64, copy=False).reshape(-1)


def renewal(
    member,
    start_day,
    end_day,
    exit_member,
    exit_day,
    exit_reason,
    *,
    window_start: int,
    window_end: int,
    grace_days: int,
    excluded_reasons: tuple[str, ...] = ("migration",),
    reason_codes: tuple[str, ...] = EXIT_REASONS,
) -> RenewalResult:
    """Renewal ratio of the cohort in force at ``window_start`` (see the module rules)."""
    m = _int_days(member, "member")
    s = _int_days(start_day, "start_day")
    e = _int_days(end_day, "end_day")
    xm = _int_days(exit_member, "exit_member")
    xd = _int_days(exit_day, "exit_day")
    xr = as_codes(exit_reason, reason_codes, table="exits", column="reason").reshape(-1)
    if not (m.size == s.size == e.size):
        raise ComputationError(
            f"renewal: terms arrays differ in length (member {m.size}, start {s.size}, "
            f"end {e.size}); pass one value of each per term"
        )
    if not (xm.size == xd.size == xr.size):
        raise ComputationError(
            f"renewal: exits arrays differ in length (member {xm.size}, day {xd.size}, "
            f"reason {xr.size}); pass one value of each per exit"
        )
    ws, we, grace = int(window_start), int(window_end), int(grace_days)
    if we < ws:
        raise AssumptionError(f"renewal: window end {we} is before window start {ws}")
    if grace < 0:
        raise AssumptionError(f"renewal: grace_days {grace} must be >= 0")
    death = code_of(DEATH, reason_codes, what="renewal reason codes")
    max_age = code_of(MAX_AGE, reason_codes, what="renewal reason codes")
    excluded = [code_of(r, reason_codes, what="renewal excluded_reasons") for r in excluded_reasons]

    # In force at ws: one row per member, the latest-ending in-force term.
    inforce = (s <= ws) & (e >= ws)
    m_in, e_in = m[inforce], e[inforce]
    order = np.lexsort((e_in, m_in))
    m_in, e_in = m_in[order], e_in[order]
    last = np.ones(m_in.size, dtype=bool)
    last[:-1] = m_in[1:] != m_in[:-1]
    in_force_members, in_force_end = m_in[last], e_in[last]  # sorted by member
    due = in_force_end <= we
    cohort = in_force_members[due]
    renewal_day = in_force_end[due] + 1
    n = cohort.size

    def locate(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position of each value in the sorted ``keys`` and whether it is there."""
        if keys.size == 0:
            return np.zeros(values.size, np.int64), np.zeros(values.size, bool)
        pos = np.minimum(np.searchsorted(keys, values), keys.size - 1)
        return pos, keys[pos] == values

    # Terms starting after ws: renewals of cohort members, or new entrants.
    later = s > ws
    m_l, s_l = m[later], s[later]
    pos, hit = locate(cohort, m_l)
    pos, s_c = pos[hit], s_l[hit]
    renewed = np.zeros(n, dtype=bool)
    renewed[pos[s_c <= renewal_day[pos] + grace]] = True
    entrants = np.unique(m_l[s_l <= we])
    _, was_in_force = locate(in_force_members, entrants)
    new_entrants = int(np.count_nonzero(~was_in_force))

    # First exit on or after ws of each cohort member (ties: lowest reason code).
    keep = xd >= ws
    xpos, xhit = locate(cohort, xm[keep])
    xpos, xday, xcode = xpos[xhit], xd[keep][xhit], xr[keep][xhit]
    order = np.lexsort((xcode, xday, xpos))
    xpos, xday, xcode = xpos[order], xday[order], xcode[order]
    first = np.ones(xpos.size, dtype=bool)
    first[1:] = xpos[1:] != xpos[:-1]
    exit_day_of = np.full(n, NEVER, dtype=np.int64)
    exit_code_of = np.full(n, -1, dtype=np.int64)
    exit_day_of[xpos[first]] = xday[first]
    exit_code_of[xpos[first]] = xcode[first]

    before = exit_day_of < renewal_day
    is_death, is_age = exit_code_of == death, exit_code_of == max_age
    death_before, age_before = is_death & before, is_age & before
    removed = death_before | age_before
    exit_after = (is_death | is_age) & ~before
    renews = ~removed & (renewed | exit_after)
    drops = ~removed & ~renewed & ~exit_after
    drops_excluded = drops & np.isin(exit_code_of, excluded)

    by_reason = np.bincount(exit_code_of[drops] + 1, minlength=len(reason_codes) + 1)
    dropouts_by_reason = {NO_EXIT: int(by_reason[0])}
    dropouts_by_reason.update({r: int(by_reason[i + 1]) for i, r in enumerate(reason_codes)})

    n_deaths_before = int(np.count_nonzero(death_before))
    n_age_before = int(np.count_nonzero(age_before))
    potential = n - n_deaths_before - n_age_before
    renewals = int(np.count_nonzero(renews))
    dropouts = int(np.count_nonzero(drops))
    n_excluded = int(np.count_nonzero(drops_excluded))
    what = "potential renewals"
    return RenewalResult(
        cohort=n,
        not_due=int(np.count_nonzero(~due)),
        new_entrants=new_entrants,
        deaths_before=n_deaths_before,
        age_outs_before=n_age_before,
        deaths_after=int(np.count_nonzero(is_death & renews)),
        age_outs_after=int(np.count_nonzero(is_age & renews)),
        potential=potential,
        renewals=renewals,
        dropouts=dropouts,
        excluded_dropouts=n_excluded,
        dropouts_by_reason=MappingProxyType(dropouts_by_reason),
        ratio=ratio(renewals, potential, what=what),
        modified=ratio(renewals, potential - n_excluded, what="potential renewals after exclusions"),
        deaths_only=ratio(renewals, n - n_deaths_before, what="cohort less deaths"),
        lapse=ratio(dropouts, potential, what=what),
    )
