"""Cohort renewal ratio, its modified and deaths-only variants, the lapse ratio, households.

    potential = cohort - deaths before renewal date - age-outs before renewal date
    renewal ratio   = renewals / potential                          (E2 L1774, E1 L977)
    modified ratio  = renewals / (potential - dropouts with an excluded reason, e.g. migration)
                                                                    (E2 L1917-1920, L1945-1951)
    deaths-only     = renewals / (cohort - deaths before renewal date)   (E1 L1053-1054)
    lapse ratio     = dropouts / potential = 1 - renewal ratio     (E2 L1778-1779)
    invariant       renewals + dropouts = potential

Spec §1.5 "Cohort rules" and §5.2 (E2 Table 6, L1802-1904: 12,020 / 14,470 = 0.8307;
modified 12,020 / 14,170 = 0.8483; E1 L990-1042: 0.8303 / 0.848).

Two steps: ``cohort_outcomes`` classifies every cohort member once (one outcome code each),
``summarise`` counts the outcomes of the whole cohort or of a subset (e.g. dependants, E2 Box 7
(b)), ``household_renewal`` counts households (E2 Box 7 (a)); ``renewal`` = both steps.

Rules, for the terms (one row per coverage term) and exits of ONE product:

- Cohort: members with a term in force at ``window_start`` (start <= ws <= end). With several
  such terms the latest-ending one counts. The member's renewal date is the day after that
  term ends. A member whose in-force term ends after ``window_end`` is not due to renew in the
  window and is left out of the cohort (counted in ``not_due``).
- New entrants (a term starting in (ws, we] and no term in force at ws) are not in the cohort
  (cohort 2 of E2 Table 6 is "n/a"); they are only counted.
- Exit of a cohort member: its earliest exit on or after ``window_start`` (earlier exits
  belong to earlier spells of cover); same-day exits: the lowest reason code.
- A death ("death") or age-out ("max_age") exit strictly before the renewal date removes the
  member from the denominator (DEATH_BEFORE, AGE_OUT_BEFORE). One on or after the renewal
  date means the member was still covered then: a renewal ("died after renewing", E2 Table 6)
  even if the renewal term is missing from the records (RENEWED_EXIT_AFTER).
- Renewed (RENEWED): the member has a term starting in (ws, renewal date + ``grace_days``].
- Dropouts: the rest of the potential renewals (DROPPED). The modified ratio removes from the
  DENOMINATOR the dropouts whose exit reason is in ``excluded_reasons`` (DROPPED_EXCLUDED; the
  spec: the denominator shrinks; E1 L1046 "numerator" is an erratum). A dropout without an
  exit record is never excluded.

Households (E2 Box 7, L1922-1943; the renewal decision is taken by the household): a household
is in the cohort if any of its members is; it leaves the denominator only if ALL its cohort
members left it (death or age-out before their renewal date); it renewed if ANY of its cohort
members renewed; otherwise it dropped out. Members outside the cohort (new entrants, not due)
do not make a household renew.

Members are int64 codes; days are int64 day numbers; reasons are text or int codes indexing
``reason_codes``. Vectorised with sort / searchsorted / bincount (no loop over members).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from reserva.calendar import NEVER
from reserva.errors import AssumptionError, ComputationError
from reserva.kpi._codes import as_codes, code_of, int_array, locate
from reserva.kpi.ratio import Ratio, ratio
from reserva.vocab import DEATH, EXIT_REASONS, MAX_AGE

NO_EXIT = "none"  # key in ``dropouts_by_reason`` for dropouts without an exit record

# Outcome of a cohort member (``CohortOutcomes.outcome``).
DEATH_BEFORE = 0  # died before the renewal date: not a potential renewal
AGE_OUT_BEFORE = 1  # reached the maximum age before the renewal date: not a potential renewal
RENEWED = 2  # a term starting in (ws, renewal date + grace]
RENEWED_EXIT_AFTER = 3  # died or aged out on or after the renewal date: counted as renewed
DROPPED = 4  # potential renewal that did not renew
DROPPED_EXCLUDED = 5  # dropped with a reason in excluded_reasons (out of the modified denominator)
OUTCOMES = ("death_before", "age_out_before", "renewed", "renewed_exit_after", "dropped",
            "dropped_excluded")  # names of the codes above, in code order


@dataclass(frozen=True)
class CohortOutcomes:
    """One outcome per member of the renewal cohort, and the members left out of it."""

    member: np.ndarray  # int64, sorted member codes of the cohort
    outcome: np.ndarray  # int8 per cohort member: DEATH_BEFORE ... DROPPED_EXCLUDED
    exit_code: np.ndarray  # int64 per member: first exit on/after ws (index of reason_codes), -1 none
    exit_day: np.ndarray  # int64 per member: day of that exit, NEVER if none
    renewal_day: np.ndarray  # int64 per member: the day after its in-force term ends
    not_due: int  # in force at window start, term ends after window end (left out)
    new_entrants: int  # first term starts in the window (left out)
    reason_codes: tuple[str, ...] = EXIT_REASONS


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


@dataclass(frozen=True)
class HouseholdRenewal:
    """Household renewal (E2 Box 7 (a)); invariant renewals + dropouts = potential."""

    households: int  # households with at least one cohort member
    potential: int  # households - those whose cohort members all died / aged out before renewal
    renewals: int  # potential households with at least one member renewed
    dropouts: int  # potential households where no member renewed
    ratio: Ratio  # renewals / potential
    lapse: Ratio  # dropouts / potential






def cohort_outcomes(
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
) -> CohortOutcomes:
    """Outcome of every member of the cohort in force at ``window_start`` (the module rules)."""
    m = int_array(member, "renewal", "member")
    s = int_array(start_day, "renewal", "start_day")
    e = int_array(end_day, "renewal", "end_day")
    xm = int_array(exit_member, "renewal", "exit_member")
    xd = int_array(exit_day, "renewal", "exit_day")
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

    # Outcome codes, later assignments overriding earlier ones.
    before = exit_day_of < renewal_day
    is_death, is_age = exit_code_of == death, exit_code_of == max_age
    outcome = np.full(n, DROPPED, dtype=np.int8)
    outcome[np.isin(exit_code_of, excluded)] = DROPPED_EXCLUDED
    outcome[renewed] = RENEWED
    outcome[(is_death | is_age) & ~before] = RENEWED_EXIT_AFTER
    outcome[is_age & before] = AGE_OUT_BEFORE
    outcome[is_death & before] = DEATH_BEFORE
    return CohortOutcomes(
        member=cohort,
        outcome=outcome,
        exit_code=exit_code_of,
        exit_day=exit_day_of,
        renewal_day=renewal_day,
        not_due=int(np.count_nonzero(~due)),
        new_entrants=new_entrants,
        reason_codes=tuple(reason_codes),
    )


def summarise(outcomes: CohortOutcomes, select=None) -> RenewalResult:
    """Counts and ratios of the cohort, or of the members where ``select`` is True.

    ``select``: optional bool mask over ``outcomes.member`` (e.g. dependants, E2 Box 7 (b)).
    ``not_due`` and ``new_entrants`` describe members outside the cohort, whom a mask over the
    cohort cannot select: they are reported for the whole cohort only and are 0 for a subset,
    so the results of a partition of the cohort add up to the whole in every other count.
    """
    out = outcomes.outcome
    code = outcomes.exit_code
    if select is not None:
        mask = np.asarray(select)
        if mask.dtype != np.bool_ or mask.shape != out.shape:
            raise ComputationError(
                f"renewal: select must be a bool mask of {out.size} values (one per cohort "
                f"member), got dtype {mask.dtype} and shape {mask.shape}"
            )
        out, code = out[mask], code[mask]
    counts = np.bincount(out, minlength=len(OUTCOMES))
    reasons = outcomes.reason_codes
    death = code_of(DEATH, reasons, what="renewal reason codes")
    max_age = code_of(MAX_AGE, reasons, what="renewal reason codes")
    after = out == RENEWED_EXIT_AFTER
    drops = (out == DROPPED) | (out == DROPPED_EXCLUDED)
    by_reason = np.bincount(code[drops] + 1, minlength=len(reasons) + 1)
    dropouts_by_reason = {NO_EXIT: int(by_reason[0])}
    dropouts_by_reason.update({r: int(by_reason[i + 1]) for i, r in enumerate(reasons)})

    n = int(out.size)
    deaths_before, age_outs_before = int(counts[DEATH_BEFORE]), int(counts[AGE_OUT_BEFORE])
    potential = n - deaths_before - age_outs_before
    renewals = int(counts[RENEWED] + counts[RENEWED_EXIT_AFTER])
    excluded = int(counts[DROPPED_EXCLUDED])
    dropouts = int(counts[DROPPED]) + excluded
    what = "potential renewals"
    return RenewalResult(
        cohort=n,
        not_due=outcomes.not_due if select is None else 0,
        new_entrants=outcomes.new_entrants if select is None else 0,
        deaths_before=deaths_before,
        age_outs_before=age_outs_before,
        deaths_after=int(np.count_nonzero(after & (code == death))),
        age_outs_after=int(np.count_nonzero(after & (code == max_age))),
        potential=potential,
        renewals=renewals,
        dropouts=dropouts,
        excluded_dropouts=excluded,
        dropouts_by_reason=MappingProxyType(dropouts_by_reason),
        ratio=ratio(renewals, potential, what=what),
        modified=ratio(renewals, potential - excluded, what="potential renewals after exclusions"),
        deaths_only=ratio(renewals, n - deaths_before, what="cohort less deaths"),
        lapse=ratio(dropouts, potential, what=what),
    )


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
    """Renewal ratio of the cohort in force at ``window_start``: summarise(cohort_outcomes(...))."""
    return summarise(cohort_outcomes(
        member, start_day, end_day, exit_member, exit_day, exit_reason,
        window_start=window_start, window_end=window_end, grace_days=grace_days,
        excluded_reasons=excluded_reasons, reason_codes=reason_codes,
    ))


def household_renewal(outcomes: CohortOutcomes, household_of_member) -> HouseholdRenewal:
    """Households renewed / potential households (E2 Box 7 (a), L1922-1943; module rules).

    ``household_of_member``: int64 household code per member CODE (index = member code);
    -1 = no household, the member is a household of its own.
    """
    hh = np.asarray(household_of_member)
    if hh.ndim != 1 or (hh.size and hh.dtype.kind not in "iu"):
        raise ComputationError(
            "household_renewal: household_of_member must be a 1-d integer array indexed by "
            f"member code, got dtype {hh.dtype} and shape {hh.shape}"
        )
    hh = hh.astype(np.int64, copy=False)
    members = outcomes.member
    if members.size and members[-1] >= hh.size:
        raise ComputationError(
            f"household_renewal: household_of_member has {hh.size} entries but the cohort "
            f"holds member code {int(members[-1])}; give one entry per member code (-1 = none)"
        )
    if hh.size and hh.min() < -1:
        raise ComputationError(
            f"household_renewal: household code {int(hh.min())} is invalid; use codes >= 0, "
            "or -1 for a member without a household"
        )
    h = hh[members]
    key = np.where(h >= 0, h, -members - 1)  # a member without a household: its own key < 0
    _, hid = np.unique(key, return_inverse=True)
    n_households = int(hid.max()) + 1 if hid.size else 0
    out = outcomes.outcome
    left = (out == DEATH_BEFORE) | (out == AGE_OUT_BEFORE)
    renewed = (out == RENEWED) | (out == RENEWED_EXIT_AFTER)
    size = np.bincount(hid, minlength=n_households)
    n_left = np.bincount(hid[left], minlength=n_households)
    any_renewed = np.bincount(hid[renewed], minlength=n_households) > 0
    potential_h = n_left < size  # some cohort member did not leave before renewal
    potential = int(np.count_nonzero(potential_h))
    renewals = int(np.count_nonzero(any_renewed))
    dropouts = int(np.count_nonzero(potential_h & ~any_renewed))
    what = "potential households"
    return HouseholdRenewal(
        households=n_households,
        potential=potential,
        renewals=renewals,
        dropouts=dropouts,
        ratio=ratio(renewals, potential, what=what),
        lapse=ratio(dropouts, potential, what=what),
    )
