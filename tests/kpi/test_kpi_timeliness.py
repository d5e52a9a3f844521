"""Timeliness of claims settlement (spec §1.8, §5.4; E2 per-step table L2587-2632)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError, ComputationError
from reserva.io.arrays import NEVER, day
from reserva.kpi.timeliness import EDITION_DEFAULTS, SELECTION_MODES, select_claims, timeliness
from reserva.vocab import CLAIM_STATUSES

# Printed per-claim durations (AB, BC, CD or None for the denied claim, status), E2 L2587-2632.
PRINTED = [
    (5, 14, 1, "paid"),
    (10, 90, None, "rejected"),
    (5, 45, 0, "paid"),
    (5, 15, 5, "paid"),
    (25, 15, 10, "paid"),
]

# Printed calendar dates (A, B, C, D), claim 1's event in December of the previous year.
DATES = [
    ("12-26", "01-01", "01-17", "01-19", "paid"),
    ("02-05", "02-15", "05-20", None, "rejected"),
    ("02-28", "03-04", "04-20", "04-20", "paid"),
    ("03-30", "04-11", "04-25", "04-30", "paid"),
    ("04-23", "05-17", "05-30", "06-07", "paid"),
]


def from_durations(rows, base=10_000):
    a = np.array([base + 40 * i for i in range(len(rows))], dtype=np.int64)
    b = a + np.array([r[0] for r in rows])
    c = b + np.array([r[1] for r in rows])
    d = np.array([NEVER if r[2] is None else cc + r[2] for r, cc in zip(rows, c, strict=True)])
    return a, b, c, d, np.array([r[3] for r in rows], dtype=object)


def from_dates(rows, year):
    def dd(md, first):
        if md is None:
            return NEVER
        return day(f"{year - 1 if first and md.startswith('12') else year}-{md}")

    cols = [np.array([dd(r[k], k == 0) for r in rows], dtype=np.int64) for k in range(4)]
    return (*cols, np.array([r[4] for r in rows], dtype=object))


def means(t):
    return [t.mean_ab.value, t.mean_bc.value, t.mean_cd.value, t.mean_ad.value]


def test_tv18a_printed_durations():
    # TV-18a: means 10.0 / 35.8 / 3.2 / 49.0; the denied claim has D := C (CD = 0, over 5).
    t = timeliness(*from_durations(PRINTED))
    assert means(t) == pytest.approx([10.0, 35.8, 3.2, 49.0], abs=0.05)
    assert t.mean_clock.value == t.mean_ad.value
    assert (t.included, t.unprocessed, t.excluded, t.receipt_estimated) == (5, 0, 0, 1)


def test_tv18b_calendar_dates_non_leap_year():
    # TV-18b (spec §5.4, erratum flag): calendar means 11.2 / 36.8 / 3.0 / 51.0 (2007).
    t = timeliness(*from_dates(DATES, 2007))
    assert means(t) == pytest.approx([11.2, 36.8, 3.0, 51.0], abs=0.05)


def test_tv18b_leap_year_variant():
    # Spec §5.4 leap-year values: claim 2 processing 95, claim 3 report 5 ->
    # means (6+10+5+12+24)/5 = 11.4, (16+95+47+14+13)/5 = 37.0, 3.0, (24+105+52+31+45)/5 = 51.4.
    t = timeliness(*from_dates(DATES, 2008))
    assert means(t) == pytest.approx([11.4, 37.0, 3.0, 51.4], abs=0.05)


def test_tv19_schedule_printed_basis():
    # TV-19: totals 20, 100, 50, 25, 50 -> 0-7: 0; 8-30: 2 (40%); 31-90: 2 (40%); >90: 1 (20%).
    t = timeliness(*from_durations(PRINTED))
    assert t.bucket_labels == ("0-7", "8-30", "31-90", "91+")
    assert t.counts == (0, 2, 2, 1)
    assert [s.value for s in t.shares] == pytest.approx([0.0, 0.4, 0.4, 0.2], abs=0.005)


def test_tv19_schedule_calendar_basis():
    # TV-19: 24, 104, 51, 31, 45 -> 8-30: 1 (20%); 31-90: 3 (60%); >90: 1 (20%); claim 4 moves.
    t = timeliness(*from_dates(DATES, 2007))
    assert t.counts == (0, 1, 3, 1)
    assert [s.value for s in t.shares] == pytest.approx([0.0, 0.2, 0.6, 0.2], abs=0.005)


def test_tv19_edition_1_definition():
    # TV-19, E1 (L1129-1148): report -> receipt, paid claims only: 15, 45, 20, 25 ->
    # 8-30: 3 (75%), 31-90: 1 (25%); the denied claim 2 is excluded.
    t = timeliness(*from_durations(PRINTED), edition=1)
    assert t.counts == (0, 3, 1, 0)
    assert [s.value for s in t.shares] == pytest.approx([0.0, 0.75, 0.25, 0.0], abs=0.005)
    assert (t.included, t.excluded, t.unprocessed) == (4, 1, 0)
    assert t.mean_clock.value == pytest.approx((15 + 45 + 20 + 25) / 4, abs=1e-12)


def test_bucket_edges_are_inclusive():
    # Decision 7: [0-7], [8-30], [31-90], [91+] (E1 L1150-1156, E2 L2552-2566).
    totals = [0, 7, 8, 30, 31, 90, 91, 400]
    rows = [(0, x, 0, "paid") for x in totals]
    t = timeliness(*from_durations(rows))
    assert t.counts == (2, 2, 2, 2)
    custom = timeliness(*from_durations(rows), buckets=(15, 60))
    assert custom.bucket_labels == ("0-15", "16-60", "61+")
    assert custom.counts == (3, 2, 3)


def test_unprocessed_claims_are_counted_not_dropped():
    # E2 L2494-2498: wait for every claim; an open claim stays out of the schedule, counted.
    a, b, c, d, s = from_durations(PRINTED)
    a = np.append(a, [a[0], a[0]])
    b = np.append(b, [b[0], b[0]])
    c = np.append(c, [NEVER, NEVER])
    d = np.append(d, [NEVER, NEVER])
    s = np.append(s, ["open", "paid"])  # the paid one has no decision date
    t = timeliness(a, b, c, d, s)
    assert (t.claims, t.included, t.unprocessed) == (7, 5, 2)
    assert t.unprocessed_index.tolist() == [5, 6]
    assert t.unprocessed_index.dtype == np.int64
    assert not t.complete
    assert t.counts == (0, 2, 2, 1)


def test_paid_claim_without_receipt_falls_back_to_decision_date():
    # E2 L2490-2492: estimate the receipt from the settlement date.
    rows = [(3, 10, None, "paid"), (3, 10, 4, "partial")]
    t = timeliness(*from_durations(rows))
    assert t.receipt_estimated == 1
    assert t.mean_ad.value == pytest.approx((13 + 17) / 2, abs=1e-12)


def test_status_codes_equal_text():
    a, b, c, d, s = from_durations(PRINTED)
    coded = np.array([CLAIM_STATUSES.index(x) for x in s])
    assert timeliness(a, b, c, d, coded) == timeliness(a, b, c, d, s)


def test_bad_parameters_and_inputs():
    args = from_durations(PRINTED)
    with pytest.raises(AssumptionError):
        timeliness(*args, buckets=(30, 7))
    with pytest.raises(AssumptionError):
        timeliness(*args, edition=3)
    a, b, c, d, s = args
    with pytest.raises(ComputationError):
        timeliness(a, b - 100, c, d, s)  # report before event


def test_nothing_processed_is_undefined():
    t = timeliness(*from_durations([(1, 1, 1, "open")]))
    assert t.included == 0 and t.unprocessed == 1
    assert t.mean_ad.reason == "undefined: zero fully processed claims"


claim = st.tuples(
    st.integers(0, 60), st.integers(0, 120), st.one_of(st.none(), st.integers(0, 30)),
    st.sampled_from(CLAIM_STATUSES), st.booleans(),
)


options = st.tuples(
    st.sampled_from([1, 2]), st.sampled_from([None, "event", "report"]),
    st.sampled_from([None, True, False]),
)


def drawn(rows):
    a, b, c, d, s = from_durations([r[:4] for r in rows])
    c = np.where([r[4] for r in rows], c, NEVER).astype(np.int64) if rows else c
    return a, b, c, d, s


@given(st.lists(claim, max_size=30), options)
def test_matches_a_per_claim_reference(rows, option):
    edition, start, include_rejected = option
    a, b, c, d, s = drawn(rows)
    t = timeliness(a, b, c, d, s, edition=edition, start=start,
                   include_rejected=include_rejected)
    # edition defaults, spec §1.8: E1 report -> D over paid claims, E2 event -> D over all
    start = start or ("event" if edition == 2 else "report")
    include_rejected = edition == 2 if include_rejected is None else include_rejected
    assert (t.start, t.include_rejected) == (start, include_rejected)
    counts, total, ab_cd, included, unprocessed, excluded = [0, 0, 0, 0], 0, 0, 0, [], []
    for i, (_, _, _, status, has_decision) in enumerate(rows):
        if status == "open" or not has_decision:
            unprocessed.append(i)
            continue
        if not include_rejected and status == "rejected":
            excluded.append(i)
            continue
        receipt = c[i] if d[i] == NEVER else d[i]
        clock = receipt - (a[i] if start == "event" else b[i])
        counts[0 if clock <= 7 else 1 if clock <= 30 else 2 if clock <= 90 else 3] += 1
        total += clock
        ab_cd += (b[i] - a[i]) + (c[i] - b[i]) + (receipt - c[i])
        included += 1
    assert t.counts == tuple(counts)
    assert (t.included, t.unprocessed, t.excluded) == (included, len(unprocessed), len(excluded))
    assert t.unprocessed_index.tolist() == unprocessed
    assert t.excluded_index.tolist() == excluded
    if included:
        assert t.mean_clock.value == pytest.approx(total / included)
        assert t.mean_ad.value == pytest.approx(ab_cd / included)
        assert sum(s.value for s in t.shares) == pytest.approx(1.0)


@given(st.lists(claim, max_size=40), options)
def test_every_claim_is_accounted_for_once(rows, option):
    # E2 L2494-2498: no claim silently dropped; the schedule covers exactly the included ones.
    edition, start, include_rejected = option
    a, b, c, d, s = drawn(rows)
    t = timeliness(a, b, c, d, s, edition=edition, start=start,
                   include_rejected=include_rejected)
    assert sum(t.counts) == t.included
    assert t.included + t.unprocessed + t.excluded == t.claims == len(rows)
    undecided = [i for i, r in enumerate(rows) if r[3] == "open" or not r[4]]
    assert t.unprocessed_index.tolist() == undecided
    assert not set(t.unprocessed_index.tolist()) & set(t.excluded_index.tolist())
    assert all(s[i] == "rejected" for i in t.excluded_index)
    assert t.complete == (not undecided)


def test_tv19_edition_1_schedule_by_options():
    # TV-19, E1 definition through the options (spec §1.8 DECISION): report -> receipt, paid
    # only: 15, 45, 20, 25 -> 8-30: 3 (75%), 31-90: 1 (25%); claim 2 (denied) excluded, listed.
    t = timeliness(*from_durations(PRINTED), start="report", include_rejected=False)
    assert (t.edition, t.start, t.include_rejected) == (2, "report", False)
    assert t.counts == (0, 3, 1, 0)
    assert [s.value for s in t.shares] == pytest.approx([0.0, 0.75, 0.25, 0.0], abs=0.005)
    assert t.excluded_index.tolist() == [1]
    assert t.unprocessed_index.tolist() == []
    e1 = timeliness(*from_durations(PRINTED), edition=1)
    assert (e1.start, e1.include_rejected) == ("report", False)
    assert (e1.counts, e1.excluded_index.tolist()) == (t.counts, [1])


def test_mixed_option_event_clock_without_rejected():
    # E2 clock (event -> receipt, E2 L2434-2447) over paid claims only (E1 population,
    # L1143-1148): printed totals 20, 50, 25, 50 -> 8-30: 2, 31-90: 2; mean (20+50+25+50)/4.
    t = timeliness(*from_durations(PRINTED), include_rejected=False)
    assert (t.start, t.include_rejected) == ("event", False)
    assert t.counts == (0, 2, 2, 0)
    assert t.mean_clock.value == pytest.approx(36.25, abs=0.005)
    assert t.excluded_index.tolist() == [1]
    assert t.receipt_estimated == 0  # the denied claim without D is no longer in


def test_mixed_option_report_clock_with_rejected():
    # E1 clock (report -> D, E1 L1129-1134) over every processed claim (E2 L2434-2437): the
    # denied claim's D := C (decision 7), so its clock is BC = 90: 15, 90, 45, 20, 25.
    t = timeliness(*from_durations(PRINTED), edition=1, start="report", include_rejected=True)
    assert t.counts == (0, 3, 2, 0)
    assert t.mean_clock.value == pytest.approx((15 + 90 + 45 + 20 + 25) / 5, abs=0.05)
    assert t.excluded == 0 and t.excluded_index.size == 0


def test_edition_defaults_cite_the_handbooks():
    # E1 L1129-1148: from the report, paid claims, claims reported in the period.
    # E2 L2434-2498: from the event, paid and rejected, claims processed in the period.
    assert dict(EDITION_DEFAULTS[1]) == dict(
        start="report", include_rejected=False, selection="reported_in_period")
    assert dict(EDITION_DEFAULTS[2]) == dict(
        start="event", include_rejected=True, selection="processed_in_period")
    assert {d["selection"] for d in EDITION_DEFAULTS.values()} <= set(SELECTION_MODES)


def test_bad_options():
    args = from_durations(PRINTED)
    with pytest.raises(AssumptionError, match="event, report"):
        timeliness(*args, start="decision")
    with pytest.raises(AssumptionError, match="include_rejected"):
        timeliness(*args, include_rejected="yes")


# --- selection modes, period (2023-12-31, 2024-12-31] -------------------------------------

PS, PE = day("2023-12-31"), day("2024-12-31")

# (report B, decision C, receipt D, status); expected (reported, processed, paid)
EDGE_CLAIMS = [
    (("2023-12-31", "2024-01-01", "2024-01-03", "paid"), (False, True, True)),
    (("2024-01-01", "2024-12-31", "2025-01-01", "paid"), (True, True, False)),
    (("2024-12-31", None, None, "open"), (True, False, False)),
    (("2024-06-01", "2024-06-10", None, "rejected"), (True, True, False)),
    (("2024-06-01", "2024-12-20", None, "partial"), (True, True, True)),  # D' := C
    (("2024-11-01", "2025-01-01", "2025-01-05", "paid"), (True, False, False)),
    (("2023-11-01", "2023-12-31", "2024-01-01", "paid"), (False, False, True)),
    (("2024-03-01", "2024-03-05", None, "open"), (True, False, False)),  # reopened
    (("2025-01-01", "2025-01-02", "2025-01-02", "paid"), (False, False, False)),
    (("2024-02-01", "2024-02-02", "2024-12-31", "partial"), (True, True, True)),
]


def edge_arrays():
    def dd(x):
        return NEVER if x is None else day(x)

    cols = [np.array([dd(r[0][k]) for r in EDGE_CLAIMS], dtype=np.int64) for k in range(3)]
    return (*cols, np.array([r[0][3] for r in EDGE_CLAIMS], dtype=object))


@pytest.mark.parametrize("k, mode", list(enumerate(SELECTION_MODES)))
def test_selection_modes_at_the_period_edges(k, mode):
    # Spec §1.8 DECISION; period start exclusive, end inclusive; paid falls back to C when
    # the receipt is unknown (E2 L2490-2492).
    b, c, d, s = edge_arrays()
    got = select_claims(b, c, d, s, mode=mode, period_start=PS, period_end=PE)
    assert got.dtype == bool
    assert got.tolist() == [r[1][k] for r in EDGE_CLAIMS]
    coded = np.array([CLAIM_STATUSES.index(x) for x in s])
    assert select_claims(b, c, d, coded, mode=mode, period_start=PS,
                         period_end=PE).tolist() == got.tolist()


def test_selection_feeds_timeliness():
    # A selection is a mask: the schedule of the claims processed in the period.
    b, c, d, s = edge_arrays()
    sel = select_claims(b, c, d, s, mode="processed_in_period", period_start=PS, period_end=PE)
    t = timeliness(b[sel] - 3, b[sel], c[sel], d[sel], s[sel])
    assert t.claims == 5 and t.unprocessed == 0


def test_selection_errors():
    b, c, d, s = edge_arrays()
    with pytest.raises(AssumptionError) as err:
        select_claims(b, c, d, s, mode="settled", period_start=PS, period_end=PE)
    assert all(m in str(err.value) for m in SELECTION_MODES)
    with pytest.raises(AssumptionError):
        select_claims(b, c, d, s, mode="reported_in_period", period_start=PE, period_end=PS)
    with pytest.raises(ComputationError):
        select_claims(b[:-1], c, d, s, mode="reported_in_period", period_start=PS,
                      period_end=PE)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(0, 40)),
                       st.one_of(st.none(), st.integers(0, 20)),
                       st.sampled_from(CLAIM_STATUSES)), max_size=25),
    st.integers(0, 50), st.integers(1, 30),
)
def test_selection_matches_a_per_claim_reference(rows, lo, width):
    hi = lo + width
    b = np.array([r[0] for r in rows], dtype=np.int64)
    c = np.array([NEVER if r[1] is None else r[0] + r[1] for r in rows], dtype=np.int64)
    d = np.array([NEVER if r[1] is None or r[2] is None else cc + r[2]
                  for r, cc in zip(rows, c, strict=True)], dtype=np.int64)
    s = np.array([r[3] for r in rows], dtype=object)

    def inside(x):
        return x != NEVER and lo < x <= hi

    want = {
        "reported_in_period": [inside(b[i]) for i in range(len(rows))],
        "processed_in_period": [s[i] != "open" and inside(c[i]) for i in range(len(rows))],
        "paid_in_period": [s[i] in ("paid", "partial") and inside(c[i] if d[i] == NEVER else d[i])
                           for i in range(len(rows))],
    }
    for mode, expected in want.items():
        got = select_claims(b, c, d, s, mode=mode, period_start=lo, period_end=hi)
        assert got.tolist() == expected
