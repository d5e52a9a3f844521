"""Cohort renewal ratio (spec §1.5, §5.2; E2 Table 6 L1802-1920, E1 L990-1054)."""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import AssumptionError, InputError
from engine.kpi._codes import EXIT_REASONS
from engine.kpi.renewal import renewal

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
    r = run(e2_data)
    assert (r.cohort, r.new_entrants, r.not_due) == (15_000, 5_000, 0)
    assert (r.deaths_before, r.deaths_after) == (40, 10)
    assert (r.age_outs_before, r.age_outs_after) == (490, 10)
    assert (r.potential, r.renewals, r.dropouts) == (14_470, 12_020, 2_450)
    assert r.ratio.value == pytest.approx(0.8307, abs=5e-5)
    assert r.renewals + r.dropouts == r.potential
    # Lapse ratio = complement (E2 L1778-1779).
    assert r.lapse.value == pytest.approx(1 - 0.8307, abs=5e-5)


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


# ---------------------------------------------------------------- slow reference + property


def reference(m, s, e, xm, xd, xr, ws, we, grace, excluded):
    """Per-member loops, straight from the cohort rules of spec §1.5."""
    terms, exits = defaultdict(list), defaultdict(list)
    for member, start, end in zip(m.tolist(), s.tolist(), e.tolist(), strict=True):
        terms[member].append((start, end))
    for member, d, reason in zip(xm.tolist(), xd.tolist(), xr.tolist(), strict=True):
        if d >= ws:
            exits[member].append((d, EXIT_REASONS.index(reason)))
    out = defaultdict(int)
    for member, ts in terms.items():
        ends = [end for start, end in ts if start <= ws <= end]
        if not ends:
            out["new_entrants"] += any(ws < start <= we for start, _ in ts)
            continue
        if max(ends) > we:
            out["not_due"] += 1
            continue
        out["cohort"] += 1
        rd = max(ends) + 1
        first = min(exits[member]) if exits[member] else None
        reason = EXIT_REASONS[first[1]] if first else None
        if first and reason in ("death", "max_age") and first[0] < rd:
            out["deaths_before" if reason == "death" else "age_outs_before"] += 1
        elif any(ws < start <= rd + grace for start, _ in ts) or reason in ("death", "max_age"):
            out["renewals"] += 1
        else:
            out["dropouts"] += 1
            out["excluded_dropouts"] += reason in excluded
    return out


FIELDS = ("cohort", "not_due", "new_entrants", "deaths_before", "age_outs_before",
          "renewals", "dropouts", "excluded_dropouts")

near_ws = st.sampled_from([99, 100, 101])  # boundary days around the window start (100)
term = st.tuples(st.integers(0, 12), st.one_of(st.integers(0, 250), near_ws), st.integers(0, 200))
exit_ = st.tuples(st.integers(0, 12), st.one_of(st.integers(0, 450), near_ws),
                  st.sampled_from(EXIT_REASONS))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(term, max_size=40),
    st.lists(exit_, max_size=20),
    st.integers(0, 200),
    st.integers(0, 40),
    st.sets(st.sampled_from(("lapse", "migration", "other", "unknown"))),
)
def test_matches_reference_on_random_portfolios(terms, exits, length, grace, excluded):
    ws, we = 100, 100 + length
    m = np.array([t[0] for t in terms], dtype=np.int64)
    s = np.array([t[1] for t in terms], dtype=np.int64)
    e = s + np.array([t[2] for t in terms], dtype=np.int64)
    xm = np.array([x[0] for x in exits], dtype=np.int64)
    xd = np.array([x[1] for x in exits], dtype=np.int64)
    xr = np.array([x[2] for x in exits], dtype=object)
    r = renewal(m, s, e, xm, xd, xr, window_start=ws, window_end=we, grace_days=grace,
                excluded_reasons=tuple(sorted(excluded)))
    ref = reference(m, s, e, xm, xd, xr, ws, we, grace, excluded)
    assert {f: getattr(r, f) for f in FIELDS} == {f: ref[f] for f in FIELDS}
    assert r.renewals + r.dropouts == r.potential
    assert r.potential == r.cohort - r.deaths_before - r.age_outs_before
    assert sum(r.dropouts_by_reason.values()) == r.dropouts
    if r.potential:
        assert r.ratio.value + r.lapse.value == pytest.approx(1.0)
