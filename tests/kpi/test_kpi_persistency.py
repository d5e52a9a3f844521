"""Persistency ratio (spec §1.5; E1 L1056-1061, E2 L1959-1967, glossary E2 L4417-4427)."""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, ComputationError, InputError
from reserva.kpi.persistency import persistency
from reserva.vocab import EXIT_REASONS


def d(iso: str) -> int:
    """Day number of an ISO date."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def arrays(terms, exits=()):
    m, s, e = (np.array([t[i] for t in terms], dtype=np.int64) for i in range(3))
    xm = np.array([x[0] for x in exits], dtype=np.int64)
    xd = np.array([x[1] for x in exits], dtype=np.int64)
    xr = np.array([x[2] for x in exits], dtype=object)
    return m, s, e, xm, xd, xr


def run(data, **kw):
    m, s, e, xm, xd, xr = data
    return persistency(m, s, e, exit_member=xm, exit_day=xd, exit_reason=xr, **kw)


def glossary_data():
    """100 members buy a one-year term in January 2010; at 15 Feb 2011, 75 are still covered.

    Still covered (75): 65 renew on the day after their term ends, 5 renew late but before
    15 Feb 2011 (active status, not renewal, counts), 5 bought a three-year term.
    Not covered (25): 10 lapse (half with an exit record), 5 die in 2010 (their term end is not
    cut: the exit ends cover), 3 renew and die in early February 2011, 4 renew on 16 Feb 2011, 3
    migrate in 2010. Around them: 30 buyers of December 2009 and 20 of February 2010, all
    renewing on time (not in the cohort).
    """
    terms, exits = [], []
    plan = (["renew"] * 65 + ["late"] * 5 + ["long"] * 5 + ["lapse"] * 10 + ["death_2010"] * 5
            + ["death_2011"] * 3 + ["after_15_feb"] * 4 + ["migration"] * 3)
    for i, what in enumerate(plan):
        start = d("2010-01-01") + i % 31
        end = start + 364 if what != "long" else start + 3 * 365
        terms.append((i, start, end))
        if what in ("renew", "death_2011"):
            terms.append((i, end + 1, end + 365))
        elif what == "late":
            terms.append((i, d("2011-02-10"), d("2012-02-09")))
        elif what == "after_15_feb":
            terms.append((i, d("2011-02-16"), d("2012-02-15")))
        if what == "lapse" and i % 2:
            exits.append((i, end + 1, "lapse"))
        elif what == "death_2010":
            exits.append((i, start + 100, "death"))
        elif what == "death_2011":
            exits.append((i, d("2011-02-05") + i % 5, "death"))
        elif what == "migration":
            exits.append((i, start + 200, "migration"))
    for j in range(50):  # bought in December 2009 or February 2010, renewing on time
        start = d("2009-12-01") + j % 31 if j < 30 else d("2010-02-01") + j % 28
        terms += [(1000 + j, start, start + 364), (1000 + j, start + 365, start + 729)]
    return arrays(terms, exits)


def test_glossary_example_january_2010_cohort():
    # E2 glossary L4417-4427: cohort = all who bought cover in January 2010; persistency 75% at
    # 15 Feb 2011 = 75 of each 100 still covered. L4426 prints the date as 15 Feb "2010" in the
    # explanation: erratum (spec §9), the measurement date is 15 Feb 2011.
    p = run(glossary_data(), cohort_from=d("2010-01-01"), cohort_to=d("2010-01-31"),
            at_day=d("2011-02-15"))
    assert (p.cohort, p.persisting) == (100, 75)
    assert p.ratio.value == pytest.approx(0.75, abs=5e-3)
    # Deaths among the non-persisting: 5 in 2010 + 3 in February 2011; the option excluding
    # them: 75 / (100 - 8).
    assert p.deaths == 8
    assert p.excluding_deaths.denominator == 92
    assert p.excluding_deaths.value == pytest.approx(75 / 92)


def test_glossary_cohort_remaining_at_15_feb_2011():
    # E2 L4426-4427: persistency can be computed the same way for the cohort still insured at
    # 15 Feb 2011 (75 of the January cohort + the 50 December / February buyers).
    data = glossary_data()
    p = run(data, reference_day=d("2011-02-15"), at_day=d("2011-02-16"))
    assert (p.cohort, p.persisting, p.deaths) == (125, 125, 0)
    # One year on, the terms renewed once have run out: only the three-year terms remain.
    p = run(data, reference_day=d("2011-02-15"), at_day=d("2012-03-01"))
    assert (p.cohort, p.persisting) == (125, 5)


def test_long_term_contract_with_a_lapse_and_a_death():
    # E1 L1988-1989: long-term products use persistency. One 20-year row per member; the lapse
    # and the death are exits inside the term (its end date not cut), member 5's cover was
    # cut by its end date, member 6's death falls on the measurement day (covered that day);
    # member 7's cover was cut in 2009 and its death on the measurement day comes after the
    # measurement (events up to the day before decide the status): not a death.
    start, end = d("2000-01-01"), d("2019-12-31")
    terms = [(k, start, end) for k in range(5)] + [(5, start, d("2006-12-31")), (6, start, end),
                                                   (7, start, d("2009-06-30"))]
    exits = [(0, d("2005-06-30"), "lapse"), (1, d("2007-03-01"), "death"),
             (6, d("2010-01-01"), "death"), (7, d("2010-01-01"), "death")]
    p = run(arrays(terms, exits), reference_day=d("2001-01-01"), at_day=d("2010-01-01"))
    assert (p.cohort, p.persisting, p.deaths) == (8, 4, 1)
    assert p.ratio.value == pytest.approx(4 / 8)
    assert p.excluding_deaths.value == pytest.approx(4 / 7)
    # The same contracts written as yearly renewals without gaps (none after an exit: an exit
    # ends the spell of cover, a later term would be a new one) give the same persistency.
    last_begin = {member: day for member, day, _ in exits}
    yearly = [(member, begin, min(begin + 364, e))
              for member, s, e in terms for begin in range(s, e + 1, 365)
              if begin <= last_begin.get(member, e)]
    assert len(yearly) > len(terms)
    assert run(arrays(yearly, exits), reference_day=d("2001-01-01"), at_day=d("2010-01-01")) == p


def test_deaths_count_the_first_exit_after_the_members_own_purchase():
    # Member 1 left an earlier spell (lapse) on 3 Jan 2010, bought again on 10 Jan and died in
    # June: a death. Member 2 died and lapsed on the same day: death first. Member 3's first
    # exit after purchase is a lapse, a later death does not make it a death.
    terms = [(1, d("2009-01-03"), d("2010-01-02")), (1, d("2010-01-10"), d("2011-01-09")),
             (2, d("2010-01-05"), d("2011-01-04")), (3, d("2010-01-05"), d("2011-01-04"))]
    exits = [(1, d("2010-01-03"), "lapse"), (1, d("2010-06-01"), "death"),
             (2, d("2010-06-01"), "lapse"), (2, d("2010-06-01"), "death"),
             (3, d("2010-03-01"), "lapse"), (3, d("2010-09-01"), "death")]
    p = run(arrays(terms, exits), cohort_from=d("2010-01-01"), cohort_to=d("2010-01-31"),
            at_day=d("2010-12-31"))
    assert (p.cohort, p.persisting, p.deaths) == (3, 0, 2)


def test_exits_are_optional():
    # Without exits, cover is the terms alone and no deaths are reported.
    m, s, e, *_ = arrays([(1, 0, 400), (2, 0, 100), (2, 101, 400), (3, 0, 200)])
    p = persistency(m, s, e, reference_day=50, at_day=300)
    assert (p.cohort, p.persisting, p.deaths) == (3, 2, 0)
    assert p.excluding_deaths == p.ratio


def test_empty_cohort_is_undefined():
    empty = np.array([], dtype=np.int64)
    p = persistency(empty, empty, empty, cohort_from=0, cohort_to=30, at_day=400)
    assert (p.cohort, p.persisting) == (0, 0)
    assert not p.ratio.defined and p.ratio.reason == "undefined: zero cohort"
    assert not p.excluding_deaths.defined and p.excluding_deaths.reason
    m, s, e, *_ = arrays([(1, 100, 200)])
    assert persistency(m, s, e, reference_day=50, at_day=150).ratio.reason == (
        "undefined: zero cohort")


def test_bad_parameters():
    m, s, e, *_ = arrays([(1, 0, 400)])
    with pytest.raises(AssumptionError, match="exactly one"):
        persistency(m, s, e, at_day=300)
    with pytest.raises(AssumptionError, match="exactly one"):
        persistency(m, s, e, reference_day=10, cohort_from=0, cohort_to=30, at_day=300)
    with pytest.raises(AssumptionError, match="both"):
        persistency(m, s, e, cohort_from=0, at_day=300)
    with pytest.raises(AssumptionError):
        persistency(m, s, e, cohort_from=30, cohort_to=0, at_day=300)
    with pytest.raises(AssumptionError):
        persistency(m, s, e, cohort_from=0, cohort_to=30, at_day=30)
    with pytest.raises(AssumptionError):
        persistency(m, s, e, reference_day=300, at_day=300)
    with pytest.raises(ComputationError):
        persistency(m, s, e, reference_day=10, at_day=300, exit_member=m)
    with pytest.raises(ComputationError):
        persistency(m, s, e[:0], reference_day=10, at_day=300)
    with pytest.raises(ComputationError):
        persistency(m, s.astype(float), e, reference_day=10, at_day=300)
    with pytest.raises(InputError):
        persistency(m, s, e, reference_day=10, at_day=300, exit_member=m,
                    exit_day=np.array([20]), exit_reason=np.array(["left"]))


# ---------------------------------------------------------------- slow reference + property


def reference(m, s, e, xm, xd, xr, *, at_day, reference_day=None, cohort_from=None,
              cohort_to=None):
    """Per-member loops, straight from the module rules: (cohort, persisting, deaths)."""
    terms, exits = defaultdict(list), defaultdict(list)
    for member, start, end in zip(m.tolist(), s.tolist(), e.tolist(), strict=True):
        terms[member].append((start, end))
    for member, day, reason in zip(xm.tolist(), xd.tolist(), xr.tolist(), strict=True):
        exits[member].append((day, EXIT_REASONS.index(reason)))

    def covered(member, day):
        return any(start <= day <= end and not any(start <= x < day for x, _ in exits[member])
                   for start, end in terms[member])

    cohort = persisting = deaths = 0
    for member, ts in terms.items():
        if reference_day is not None:
            if not covered(member, reference_day):
                continue
            ref = reference_day
        else:
            bought = [start for start, _ in ts if cohort_from <= start <= cohort_to]
            if not bought:
                continue
            ref = min(bought)
        cohort += 1
        if covered(member, at_day):
            persisting += 1
            continue
        later = sorted(x for x in exits[member] if ref <= x[0] < at_day)
        deaths += bool(later) and EXIT_REASONS[later[0][1]] == "death"
    return cohort, persisting, deaths


@st.composite
def portfolios(draw):
    """Random terms and exits of members 0..10, with many days on the rules' boundaries."""
    day, width, gap = draw(st.integers(0, 300)), draw(st.integers(0, 60)), draw(st.integers(1, 300))
    if draw(st.booleans()):
        kw = {"reference_day": day, "at_day": day + gap}
    else:
        kw = {"cohort_from": day, "cohort_to": day + width, "at_day": day + width + gap}
    edges = sorted({x + k for x in kw.values() for k in (-1, 0, 1)})
    when = st.one_of(st.integers(0, 600), st.sampled_from(edges))
    member = st.integers(0, 10)
    terms = draw(st.lists(st.tuples(member, when, st.integers(0, 200)), max_size=40))
    exits = draw(st.lists(st.tuples(member, when, st.sampled_from(EXIT_REASONS)), max_size=15))
    return arrays([(mm, ss, ss + ll) for mm, ss, ll in terms], exits), kw


@settings(max_examples=400, deadline=None)
@given(portfolios())
def test_matches_reference_on_random_portfolios(portfolio):
    data, kw = portfolio
    p = run(data, **kw)
    assert (p.cohort, p.persisting, p.deaths) == reference(*data, **kw)
    assert p.persisting + p.deaths <= p.cohort
    if p.cohort:
        assert p.ratio.value == pytest.approx(p.persisting / p.cohort)
    if p.excluding_deaths.defined and p.ratio.defined:
        assert p.excluding_deaths.value >= p.ratio.value
