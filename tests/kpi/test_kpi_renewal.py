"""Cohort renewal ratio, outcomes and households (spec §1.5, §5.2; E2 Table 6 L1802-1920,
E1 L990-1054, E2 Box 7 L1922-1943)."""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, ComputationError, InputError
from reserva.kpi.renewal import (
    AGE_OUT_BEFORE,
    DEATH_BEFORE,
    DROPPED,
    DROPPED_EXCLUDED,
    OUTCOMES,
    RENEWED,
    RENEWED_EXIT_AFTER,
    cohort_outcomes,
    household_renewal,
    renewal,
    summarise,
)
from reserva.vocab import EXIT_REASONS

WS, WE = 20_000, 20_364  # a one-year window (E2 L1789-1791)
GRACE = 30


def table6(deaths_after, dropouts, migration=0, seed=0):
    """Records reproducing the renewal example: 15,000 in force at WS, 40 deaths before the
    renewal date + ``deaths_after`` after, 490 + 10 age-outs, ``dropouts`` drop-outs (the first
    ``migration`` of them coded migration), 5,000 new entrants of whom 7 die and 50 age out."""
    rng = np.random.default_rng(seed)
    terms, exits = [], []  # (member, start, end), (member, day, reason)
    kinds = (["death_before"] * 40 + ["death_after"] * deaths_after + ["age_before"] * 490
             + ["age_after"] * 10 + ["drop"] * dropouts)
    kinds += ["stay"] * (15_000 - len(kinds))
    kinds = rng.permutation(np.array(kinds, dtype=object))
    other_reasons = ["lapse", "unknown", "other"]
    n_drop = 0
    for i, kind in enumerate(kinds):
        end = WS + i % 364  # in force at WS; renewal date end + 1 in (WS, WE]
        start, rd = end - 364, end + 1
        terms.append((i, start, end))
        if i % 7 == 0:  # an earlier term of the same member
            terms.append((i, start - 365, start - 1))
        middle = rd + (WE - rd) // 2  # a day between the renewal date and the window end
        if kind == "death_before":
            exits.append((i, max(WS, end - i % 50), "death"))
        elif kind == "age_before":
            exits.append((i, max(WS, end - i % 50), "max_age"))
        elif kind in ("death_after", "age_after"):
            terms.append((i, rd, rd + 364))
            exits.append((i, middle, "death" if kind == "death_after" else "max_age"))
        elif kind == "drop":
            if n_drop < migration:
                exits.append((i, rd, "migration"))
            elif n_drop % 40 != 0:  # every 40th drop-out has no exit record at all
                exits.append((i, rd + GRACE, other_reasons[n_drop % 3]))
            n_drop += 1
        else:  # renewed, some late within the grace period, some early
            new_start = min(rd + i % (GRACE + 1), WE) if i % 5 else max(WS + 1, rd - 10)
            terms.append((i, new_start, new_start + 364))
            if i % 11 == 0:  # an exit from an earlier spell of cover, before the window
                exits.append((i, WS - 400, "migration"))
    for j in range(5_000):  # cohort 2: new entrants
        member, start = 100_000 + j, WS + 1 + j % 364
        terms.append((member, start, start + 364))
        if j < 7:
            exits.append((member, min(start + 10, WE), "death"))
        elif j < 57:
            exits.append((member, min(start + 20, WE), "max_age"))
    for k in range(300):  # former members: covered and gone before the window
        terms.append((200_000 + k, WS - 700, WS - 336))
        exits.append((200_000 + k, WS - 335, "lapse"))
    t = np.array(terms, dtype=np.int64)
    order = rng.permutation(len(t))
    x_member = np.array([e[0] for e in exits], dtype=np.int64)
    x_day = np.array([e[1] for e in exits], dtype=np.int64)
    x_reason = np.array([e[2] for e in exits], dtype=object)
    return t[order, 0], t[order, 1], t[order, 2], x_member, x_day, x_reason


def run(data, **kw):
    kw = {"window_start": WS, "window_end": WE, "grace_days": GRACE, **kw}
    return renewal(*data, **kw)


def insured_at(data, d):
    """Members covered on day d with no exit on or before d (the fixture's year-end count)."""
    m, s, e, xm, xd, _ = data
    covered = set(m[(s <= d) & (e >= d)].tolist())
    gone = set(xm[(xd <= d) & (xd >= WS)].tolist())
    return len(covered - gone)


@pytest.fixture(scope="module")
def e2_data():
    return table6(deaths_after=10, dropouts=2_450, migration=300)


@pytest.fixture(scope="module")
def e1_data():
    return table6(deaths_after=5, dropouts=2_455, migration=300, seed=1)


def test_fixture_reproduces_table6_year_end(e2_data, e1_data):
    # E2 Table 6 / E1 L990-1027: insured at year end 12,000 + 4,943 = 16,943 (both editions).
    assert insured_at(e2_data, WE) == 16_943
    assert insured_at(e1_data, WE) == 16_943


def test_tv09_e2_table6(e2_data):
    # TV-09 (E2 Table 6, L1802-1904; result L1872, L1901-1904): 12,020 / 14,470 = 0.8307.
    r = run(e2_data)
    assert (r.cohort, r.new_entrants, r.not_due) == (15_000, 5_000, 0)
    assert (r.deaths_before, r.deaths_after) == (40, 10)
    assert (r.age_outs_before, r.age_outs_after) == (490, 10)
    assert (r.potential, r.renewals, r.dropouts) == (14_470, 12_020, 2_450)
    assert r.ratio.value == pytest.approx(0.8307, abs=5e-5)
    assert r.renewals + r.dropouts == r.potential
    # Lapse ratio = complement (E2 L1778-1779).
    assert r.lapse.value == pytest.approx(1 - 0.8307, abs=5e-5)


def test_tv09_tv10_outcomes_per_member(e2_data):
    # TV-09/TV-10 per member (E2 Table 6 L1802-1904, L1917-1920): 12,000 still covered at year
    # end + 10 died + 10 aged out after renewing; 2,450 drop-outs of which 300 migration.
    o = cohort_outcomes(*e2_data, window_start=WS, window_end=WE, grace_days=GRACE)
    counts = dict(zip(OUTCOMES, np.bincount(o.outcome, minlength=len(OUTCOMES)).tolist(),
                      strict=True))
    assert counts == {"death_before": 40, "age_out_before": 490, "renewed": 12_000,
                      "renewed_exit_after": 20, "dropped": 2_150, "dropped_excluded": 300}
    assert o.member.size == 15_000 and np.all(np.diff(o.member) > 0)
    assert (o.not_due, o.new_entrants) == (0, 5_000)


def test_tv10_e2_modified_ratio(e2_data):
    # TV-10 (E2 L1917-1920): 12,020 / (15,000 - 40 - 490 - 300) = 0.8483.
    r = run(e2_data)
    assert r.excluded_dropouts == 300 and r.dropouts_by_reason["migration"] == 300
    assert r.modified.denominator == 14_170
    assert r.modified.value == pytest.approx(0.8483, abs=5e-5)
    # Without exclusions the modified ratio is the base ratio.
    assert run(e2_data, excluded_reasons=()).modified.value == r.ratio.value


def test_deaths_only_variant(e2_data):
    # E1 L1053-1054 most conservative: only deaths leave the denominator (DERIVED from
    # Table 6: 12,020 / (15,000 - 40)); it is the lowest of the three ratios.
    r = run(e2_data)
    assert r.deaths_only.value == pytest.approx(12_020 / 14_960, abs=5e-5)
    assert r.deaths_only.value < r.ratio.value < r.modified.value


def test_tv11_tv12_e1_data(e1_data):
    # TV-11 (E1 L997-998): 12,015 / 14,470 = 83.03%; TV-12 (E1 L1039-1042): 12,015 / 14,170 = 0.848.
    r = run(e1_data)
    assert (r.potential, r.renewals, r.dropouts, r.deaths_after) == (14_470, 12_015, 2_455, 5)
    assert r.ratio.value == pytest.approx(0.8303, abs=5e-5)
    assert r.modified.value == pytest.approx(0.848, abs=5e-4)


def test_reason_codes_equal_text(e2_data):
    m, s, e, xm, xd, xr = e2_data
    coded = np.array([EXIT_REASONS.index(x) for x in xr], dtype=np.int64)
    assert run((m, s, e, xm, xd, coded)) == run(e2_data)


def test_not_due_and_grace():
    # Member 1: term ends after the window -> not due, left out. Member 2: renews 5 days late.
    m = np.array([1, 2, 2, 3])
    s = np.array([WS - 10, WS - 100, WS + 270, WS + 5])
    e = np.array([WS + 400, WS + 264, WS + 600, WS + 300])
    empty = np.array([], dtype=np.int64)
    r = run((m, s, e, empty, empty, empty), grace_days=5)
    assert (r.cohort, r.not_due, r.new_entrants, r.renewals) == (1, 1, 1, 1)
    r = run((m, s, e, empty, empty, empty), grace_days=4)
    assert (r.renewals, r.dropouts, r.dropouts_by_reason["none"]) == (0, 1, 1)


def test_term_starting_on_window_start_is_the_in_force_term():
    # Member 1's only term starts on WS: in the cohort, and that term is not its renewal.
    m, s, e = np.array([1]), np.array([WS]), np.array([WS + 200])
    empty = np.array([], dtype=np.int64)
    r = run((m, s, e, empty, empty, empty))
    assert (r.cohort, r.new_entrants, r.renewals, r.dropouts) == (1, 0, 0, 1)


def test_exit_on_or_after_renewal_date_counts_as_renewal_outcomes():
    # Same rule per member: outcome codes and the first exit kept per member.
    m = np.arange(5)
    s = np.full(5, WS - 100)
    e = np.full(5, WS + 99)
    xm = np.array([0, 1, 2, 3, 4, 4])
    xd = np.array([WS + 100, WS + 100, WS + 99, WS + 99, WS + 100, WS + 120])
    xr = np.array(["death", "max_age", "death", "max_age", "migration", "death"], dtype=object)
    o = cohort_outcomes(m, s, e, xm, xd, xr, window_start=WS, window_end=WE, grace_days=GRACE)
    assert o.outcome.tolist() == [RENEWED_EXIT_AFTER, RENEWED_EXIT_AFTER, DEATH_BEFORE,
                                  AGE_OUT_BEFORE, DROPPED_EXCLUDED]
    assert o.exit_code.tolist() == [EXIT_REASONS.index(r) for r in
                                    ("death", "max_age", "death", "max_age", "migration")]
    assert o.exit_day.tolist() == [WS + 100, WS + 100, WS + 99, WS + 99, WS + 100]
    assert o.renewal_day.tolist() == [WS + 100] * 5


def test_exit_on_or_after_renewal_date_counts_as_renewal():
    # E2 Table 6: deaths and age-outs after the renewal date are renewals, deaths and age-outs
    # strictly before it leave the denominator; a lapse is a drop-out.
    m = np.arange(5)
    s = np.full(5, WS - 100)
    e = np.full(5, WS + 99)  # renewal date WS + 100, no renewal terms on file
    xm = np.arange(5)
    xd = np.array([WS + 100, WS + 100, WS + 99, WS + 99, WS + 100])
    xr = np.array(["death", "max_age", "death", "max_age", "lapse"], dtype=object)
    r = run((m, s, e, xm, xd, xr))
    assert (r.deaths_after, r.age_outs_after, r.renewals) == (1, 1, 2)
    assert (r.deaths_before, r.age_outs_before, r.potential, r.dropouts) == (1, 1, 3, 1)


def test_empty_cohort_is_undefined():
    empty = np.array([], dtype=np.int64)
    r = run((empty, empty, empty, empty, empty, empty))
    assert r.cohort == 0 and r.ratio.reason == "undefined: zero potential renewals"


def test_bad_parameters():
    one = np.array([1])
    data = (one, np.array([WS]), np.array([WS + 10]), one, np.array([WS]), np.array(["leave"]))
    with pytest.raises(InputError):
        run(data)
    ok = (*data[:5], np.array(["lapse"]))
    with pytest.raises(InputError):
        run(ok, excluded_reasons=("relocation",))
    with pytest.raises(AssumptionError):
        run(ok, grace_days=-1)




# ---------------------------------------------------------------- households (E2 Box 7)

# E2 Box 7 (L1922-1943): the household decides to renew; (a) count households renewed, (b) where
# dependant cover is optional also count dependants renewing. Hand-built example: every cohort
# term runs WS-100 .. WS+99 (renewal date WS+100); a renewal term starts on WS+100.
#   member: (household, dependant, what happens)
BOX7 = {
    1: (10, False, "lapse"),          # H10: principal drops out ...
    2: (10, True, "renew"),           # ... spouse renews -> household renewed
    3: (11, False, "death_before"),   # H11: both die before the renewal date
    4: (11, True, "death_before"),    # -> household leaves the denominator
    5: (12, False, "renew"),          # H12: principal renews, child drops -> renewed
    6: (12, True, "none"),
    7: (13, False, "lapse"),          # H13: both drop -> dropped (member 16, a new
    8: (13, True, "migration"),       #      entrant, does not make it renew)
    9: (14, False, "death_before"),   # H14: principal dies before renewal, spouse drops
    10: (14, True, "lapse"),          #      -> potential household, dropped
    11: (15, False, "death_before"),  # H15: principal dies before renewal, spouse renews
    12: (15, True, "renew"),          #      -> renewed
    13: (-1, False, "renew"),         # no household: its own household, renewed
    14: (-1, False, "max_age_before"),  # no household: its own household, leaves
}


def box7_data():
    terms, exits = [], []  # (member, start, end), (member, day, reason)
    for member, (_, _, what) in BOX7.items():
        terms.append((member, WS - 100, WS + 99))
        if what == "renew":
            terms.append((member, WS + 100, WS + 464))
        elif what in ("lapse", "migration"):
            exits.append((member, WS + 100, what))
        elif what in ("death_before", "max_age_before"):
            exits.append((member, WS + member, what.removesuffix("_before")))
    terms.append((16, WS + 150, WS + 514))  # new entrant of household 13
    household = np.full(17, -1, dtype=np.int64)
    for member, (h, _, _) in BOX7.items():
        household[member] = h
    household[16] = 13
    m, s, e = (np.array(col, dtype=np.int64) for col in zip(*terms, strict=True))
    xm, xd = (np.array(col, dtype=np.int64) for col in list(zip(*exits, strict=True))[:2])
    xr = np.array([x[2] for x in exits], dtype=object)
    return (m, s, e, xm, xd, xr), household


def test_box7_households_renewed():
    data, household = box7_data()
    o = cohort_outcomes(*data, window_start=WS, window_end=WE, grace_days=GRACE)
    r = summarise(o)
    assert (r.cohort, r.new_entrants, r.deaths_before, r.age_outs_before) == (14, 1, 4, 1)
    assert (r.potential, r.renewals, r.dropouts, r.excluded_dropouts) == (9, 4, 5, 1)
    h = household_renewal(o, household)
    # 8 households (H10..H15 + two single members); H11 and member 14 leave; H10, H12, H15
    # and member 13 renewed; H13 and H14 dropped out.
    assert (h.households, h.potential, h.renewals, h.dropouts) == (8, 6, 4, 2)
    assert h.ratio.value == pytest.approx(4 / 6)
    assert h.lapse.value == pytest.approx(2 / 6)
    # Household renewal is not member renewal: 4 / 6 households vs 4 / 9 members.
    assert r.ratio.value == pytest.approx(4 / 9)


def test_box7_dependants_and_principals():
    # Box 7 (b): renewals of dependants (spouses, children) tracked on their own.
    data, _ = box7_data()
    o = cohort_outcomes(*data, window_start=WS, window_end=WE, grace_days=GRACE)
    dependant = np.array([BOX7[int(x)][1] for x in o.member])
    dep, princ = summarise(o, dependant), summarise(o, ~dependant)
    # dependants 2, 4, 6, 8, 10, 12: 4 died before renewal; 2 and 12 renewed; 6, 8, 10 dropped
    assert (dep.cohort, dep.potential, dep.renewals, dep.dropouts) == (6, 5, 2, 3)
    assert dep.excluded_dropouts == 1 and dep.modified.value == pytest.approx(2 / 4)
    # principals 1, 3, 5, 7, 9, 11, 13, 14: 3, 9, 11 died, 14 aged out; 5 and 13 renewed
    assert (princ.cohort, princ.potential, princ.renewals, princ.dropouts) == (8, 4, 2, 2)
    assert (dep.new_entrants, dep.not_due) == (0, 0)  # only meaningful for the whole cohort


def test_household_renewal_empty_cohort_and_bad_inputs():
    empty = np.array([], dtype=np.int64)
    o = cohort_outcomes(empty, empty, empty, empty, empty, empty,
                        window_start=WS, window_end=WE, grace_days=GRACE)
    h = household_renewal(o, empty)
    assert (h.households, h.potential) == (0, 0)
    assert h.ratio.reason == "undefined: zero potential households"
    data, household = box7_data()
    o = cohort_outcomes(*data, window_start=WS, window_end=WE, grace_days=GRACE)
    with pytest.raises(ComputationError, match="member code 14"):
        household_renewal(o, household[:14])
    with pytest.raises(ComputationError):
        household_renewal(o, household.astype(float))
    with pytest.raises(ComputationError):
        household_renewal(o, np.where(household < 0, -2, household))
    with pytest.raises(ComputationError):
        summarise(o, np.ones(o.member.size, dtype=int))
    with pytest.raises(ComputationError):
        summarise(o, np.ones(o.member.size + 1, dtype=bool))


# ---------------------------------------------------------------- slow reference + property


def reference(m, s, e, xm, xd, xr, ws, we, grace, excluded):
    """Per-member loops, straight from the cohort rules of spec §1.5.

    Returns ({member: (outcome, exit code)}, not_due, new_entrants)."""
    terms, exits = defaultdict(list), defaultdict(list)
    for member, start, end in zip(m.tolist(), s.tolist(), e.tolist(), strict=True):
        terms[member].append((start, end))
    for member, d, reason in zip(xm.tolist(), xd.tolist(), xr.tolist(), strict=True):
        if d >= ws:
            exits[member].append((d, EXIT_REASONS.index(reason)))
    outcome, not_due, new_entrants = {}, 0, 0
    for member, ts in terms.items():
        ends = [end for start, end in ts if start <= ws <= end]
        if not ends:
            new_entrants += any(ws < start <= we for start, _ in ts)
            continue
        if max(ends) > we:
            not_due += 1
            continue
        rd = max(ends) + 1
        first = min(exits[member]) if exits[member] else None
        reason = EXIT_REASONS[first[1]] if first else None
        if reason in ("death", "max_age") and first[0] < rd:
            kind = DEATH_BEFORE if reason == "death" else AGE_OUT_BEFORE
        elif reason in ("death", "max_age"):
            kind = RENEWED_EXIT_AFTER
        elif any(ws < start <= rd + grace for start, _ in ts):
            kind = RENEWED
        elif reason in excluded:
            kind = DROPPED_EXCLUDED
        else:
            kind = DROPPED
        outcome[member] = (kind, first[1] if first else -1)
    return outcome, not_due, new_entrants


def reference_counts(outcome, not_due=0, new_entrants=0):
    """RenewalResult counts of {member: (outcome, exit code)} by plain counting."""
    kinds = [k for k, _ in outcome.values()]
    after = [EXIT_REASONS[c] for k, c in outcome.values() if k == RENEWED_EXIT_AFTER]
    dropped = [c for k, c in outcome.values() if k in (DROPPED, DROPPED_EXCLUDED)]
    out = {"cohort": len(kinds), "not_due": not_due, "new_entrants": new_entrants}
    out["deaths_before"] = kinds.count(DEATH_BEFORE)
    out["age_outs_before"] = kinds.count(AGE_OUT_BEFORE)
    out["deaths_after"] = after.count("death")
    out["age_outs_after"] = after.count("max_age")
    out["potential"] = len(kinds) - out["deaths_before"] - out["age_outs_before"]
    out["renewals"] = kinds.count(RENEWED) + kinds.count(RENEWED_EXIT_AFTER)
    out["dropouts"] = len(dropped)
    out["excluded_dropouts"] = kinds.count(DROPPED_EXCLUDED)
    out["dropouts_by_reason"] = {"none": dropped.count(-1)} | {
        r: dropped.count(i) for i, r in enumerate(EXIT_REASONS)}
    return out


def reference_households(outcome, household):
    """Households by a plain loop: (households, potential, renewals, dropouts)."""
    members_of = defaultdict(list)
    for member, (kind, _) in outcome.items():
        h = int(household[member])
        members_of[("h", h) if h >= 0 else ("m", member)].append(kind)
    potential = renewals = dropouts = 0
    for kinds in members_of.values():
        if all(k in (DEATH_BEFORE, AGE_OUT_BEFORE) for k in kinds):
            continue
        potential += 1
        if any(k in (RENEWED, RENEWED_EXIT_AFTER) for k in kinds):
            renewals += 1
        else:
            dropouts += 1
    return len(members_of), potential, renewals, dropouts


COUNTS = ("cohort", "deaths_before", "age_outs_before", "deaths_after", "age_outs_after",
          "potential", "renewals", "dropouts", "excluded_dropouts")

near_ws = st.sampled_from([99, 100, 101])  # boundary days around the window start (100)
term = st.tuples(st.integers(0, 12), st.one_of(st.integers(0, 250), near_ws), st.integers(0, 200))
exit_ = st.tuples(st.integers(0, 12), st.one_of(st.integers(0, 450), near_ws),
                  st.sampled_from(EXIT_REASONS))


@st.composite
def portfolios(draw):
    """Random terms and exits of members 0..12 around a window starting on day 100."""
    terms = draw(st.lists(term, max_size=40))
    exits = draw(st.lists(exit_, max_size=20))
    ws, we = 100, 100 + draw(st.integers(0, 200))
    grace = draw(st.integers(0, 40))
    excluded = draw(st.sets(st.sampled_from(("lapse", "migration", "other", "unknown"))))
    m = np.array([t[0] for t in terms], dtype=np.int64)
    s = np.array([t[1] for t in terms], dtype=np.int64)
    e = s + np.array([t[2] for t in terms], dtype=np.int64)
    xm = np.array([x[0] for x in exits], dtype=np.int64)
    xd = np.array([x[1] for x in exits], dtype=np.int64)
    xr = np.array([x[2] for x in exits], dtype=object)
    return (m, s, e, xm, xd, xr), ws, we, grace, tuple(sorted(excluded))


def outcomes_of(p):
    data, ws, we, grace, excluded = p
    return cohort_outcomes(*data, window_start=ws, window_end=we, grace_days=grace,
                           excluded_reasons=excluded)


@settings(max_examples=300, deadline=None)
@given(portfolios())
def test_matches_reference_on_random_portfolios(p):
    data, ws, we, grace, excluded = p
    r = renewal(*data, window_start=ws, window_end=we, grace_days=grace,
                excluded_reasons=excluded)
    ref = reference_counts(*reference(*data, ws, we, grace, excluded))
    assert {f: getattr(r, f) for f in ref} == ref
    assert r.renewals + r.dropouts == r.potential
    assert r.potential == r.cohort - r.deaths_before - r.age_outs_before
    assert sum(r.dropouts_by_reason.values()) == r.dropouts
    if r.potential:
        assert r.ratio.value + r.lapse.value == pytest.approx(1.0)


@settings(max_examples=300, deadline=None)
@given(portfolios())
def test_outcomes_match_per_member_reference(p):
    data, ws, we, grace, excluded = p
    o = outcomes_of(p)
    outcome, not_due, new_entrants = reference(*data, ws, we, grace, excluded)
    assert o.member.tolist() == sorted(outcome)
    assert list(zip(o.outcome.tolist(), o.exit_code.tolist(), strict=True)) == [
        outcome[k] for k in sorted(outcome)]
    assert (o.not_due, o.new_entrants) == (not_due, new_entrants)
    assert o.outcome.dtype == np.int8


@settings(max_examples=200, deadline=None)
@given(portfolios(), st.data())
def test_summary_of_a_partition_adds_up_to_the_whole(p, draw):
    data, ws, we, grace, excluded = p
    o = outcomes_of(p)
    size = o.member.size
    mask = np.array(draw.draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool)
    whole, part, rest = summarise(o), summarise(o, mask), summarise(o, ~mask)
    outcome, _, _ = reference(*data, ws, we, grace, excluded)
    chosen = {k: v for k, v in outcome.items() if mask[np.searchsorted(o.member, k)]}
    ref = reference_counts(chosen)
    assert {f: getattr(part, f) for f in ref} == ref  # not_due, new_entrants: 0 for a subset
    for f in COUNTS:
        assert getattr(part, f) + getattr(rest, f) == getattr(whole, f), f
    for k, v in whole.dropouts_by_reason.items():
        assert part.dropouts_by_reason[k] + rest.dropouts_by_reason[k] == v
    for r in (part, rest):
        assert r.renewals + r.dropouts == r.potential
        assert r.potential == r.cohort - r.deaths_before - r.age_outs_before
        if r.potential:
            assert r.ratio.value + r.lapse.value == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(portfolios(), st.lists(st.integers(-1, 4), min_size=13, max_size=13))
def test_households_match_reference(p, household):
    data, ws, we, grace, excluded = p
    household = np.array(household, dtype=np.int64)
    o = outcomes_of(p)
    h = household_renewal(o, household)
    outcome, _, _ = reference(*data, ws, we, grace, excluded)
    assert (h.households, h.potential, h.renewals, h.dropouts) == reference_households(
        outcome, household)
    assert h.renewals + h.dropouts == h.potential <= h.households <= o.member.size
    if h.potential:
        assert h.ratio.value + h.lapse.value == pytest.approx(1.0)
    # Every member its own household: household renewal = member renewal.
    alone = household_renewal(o, np.full(13, -1, dtype=np.int64))
    r = summarise(o)
    assert (alone.households, alone.potential, alone.renewals, alone.dropouts) == (
        r.cohort, r.potential, r.renewals, r.dropouts)
