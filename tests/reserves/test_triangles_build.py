"""Reporting triangles built from claim records (reserva.reserves.claims.triangles).

Source: spec §3.4 (IBNR from historical reporting lags: origin = event period, development =
report lag) and the conventions of ``reporting_triangle``: cell ``[origin o, lag d]`` holds the
claims whose event lies in origin period ``o`` and whose report lies ``d`` periods later; a
claim reported after the valuation date is not known; cells inside the triangle are 0 when
empty, cells outside (after the valuation) are NaN. Expected triangles below are written out
by hand; the metamorphic tests (DESIGN.md: splitting a portfolio leaves totals unchanged,
scaling claims scales the result) compare the code with itself under a known transformation.
Amounts are in cents, so sums agree to 1e-12 relative (order of summation only).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.reserves.claims.triangles import reporting_triangle

EPOCH = date(1970, 1, 1)
nan = np.nan


def dn(d: str | date) -> int:
    """Day number of an ISO date."""
    return ((date.fromisoformat(d) if isinstance(d, str) else d) - EPOCH).days


def build(rows, valuation: str, grain: int, first: str | None = None, n_seg: int = 2):
    """Triangle of ``rows`` = (segment, event_date, report_date, amount) valued at ``valuation``."""
    seg = np.array([r[0] for r in rows], dtype=np.int64)
    event = np.array([dn(r[1]) for r in rows], dtype=np.int64)
    report = np.array([dn(r[2]) for r in rows], dtype=np.int64)
    amount = np.array([r[3] for r in rows], dtype=np.float64)
    return reporting_triangle(seg, np.array([f"S{k}" for k in range(n_seg)], dtype=object), event,
                              report, amount, dn(valuation), grain,
                              first_day=None if first is None else dn(first))


def outside(n: int) -> np.ndarray:
    """Cells after the valuation: origin o (0 = oldest) at lag d with o + d >= n."""
    return np.add.outer(np.arange(n), np.arange(n)) >= n


# ---------------------------------------------------------------------------------------------
# By hand: valuation 31 Dec 2024, quarterly grain, first origin Q1 2024 -> origins Q1..Q4 2024

HAND = [
    # segment 0
    (0, "2024-01-10", "2024-01-20", 100.0),  # Q1, lag 0
    (0, "2024-02-28", "2024-03-31", 50.0),   # Q1, lag 0 (31 Mar is still Q1)
    (0, "2024-03-31", "2024-04-01", 30.0),   # Q1, lag 1 (one day later, next quarter)
    (0, "2024-01-01", "2024-12-31", 7.0),    # Q1, lag 3 (reported on the valuation day: known)
    (0, "2024-05-15", "2024-09-30", 20.0),   # Q2, lag 1
    (0, "2024-06-30", "2024-10-01", 11.0),   # Q2, lag 2
    (0, "2024-12-31", "2024-12-31", 5.0),    # Q4, lag 0
    (0, "2024-11-30", "2025-01-01", 999.0),  # reported after the valuation: not counted
    (0, "2023-12-31", "2024-01-02", 888.0),  # event before the first origin: not in the triangle
    # segment 1 (nothing in Q1 at all)
    (1, "2024-08-01", "2024-08-01", 40.0),   # Q3, lag 0
    (1, "2024-08-02", "2024-11-15", 60.0),   # Q3, lag 1
    (1, "2024-04-01", "2024-04-02", 10.0),   # Q2, lag 0
    (1, "2024-06-30", "2024-06-30", 15.0),   # Q2, lag 0 (same cell: 2 claims, 25)
    (1, "2024-10-05", "2025-02-01", 70.0),   # reported after the valuation: not counted
]

HAND_AMOUNT = np.array([
    [[150, 30, 0, 7],
     [0, 20, 11, nan],
     [0, 0, nan, nan],     # Q3 of segment 0: no claims -> zeros inside, not missing
     [5, nan, nan, nan]],
    [[0, 0, 0, 0],         # Q1 of segment 1: no claims at all -> all zeros inside
     [25, 0, 0, nan],
     [40, 60, nan, nan],
     [0, nan, nan, nan]],
])
HAND_COUNT = np.array([
    [[2, 1, 0, 1],
     [0, 1, 1, nan],
     [0, 0, nan, nan],
     [1, nan, nan, nan]],
    [[0, 0, 0, 0],
     [2, 0, 0, nan],
     [1, 1, nan, nan],
     [0, nan, nan, nan]],
])


def test_hand_built_triangle_cell_by_cell():
    tri = build(HAND, "2024-12-31", 3, first="2024-01-01")
    np.testing.assert_array_equal(tri.amount, HAND_AMOUNT)
    np.testing.assert_array_equal(tri.count, HAND_COUNT)
    assert [str(x) for x in tri.origin_start] == ["2024-01-01", "2024-04-01", "2024-07-01",
                                                  "2024-10-01"]
    assert tri.grain_months == 3 and tri.n_origins == 4
    # cumulative by lag and the latest diagonal (reported to date), by hand
    np.testing.assert_array_equal(tri.cumulative(tri.amount)[0], [
        [150, 180, 180, 187], [0, 20, 31, nan], [0, 0, nan, nan], [5, nan, nan, nan]])
    np.testing.assert_array_equal(tri.latest(tri.amount), [[187, 31, 0, 5], [0, 25, 100, 0]])
    np.testing.assert_array_equal(tri.latest(tri.count), [[4, 2, 0, 1], [0, 2, 2, 0]])


def test_zero_inside_nan_outside():
    tri = build(HAND, "2024-12-31", 3, first="2024-01-01")
    for values in (tri.amount, tri.count):
        np.testing.assert_array_equal(np.isnan(values), np.broadcast_to(outside(4), values.shape))
    assert np.all(tri.amount[0, 2, :2] == 0)  # known cells of an origin without claims
    assert np.all(tri.amount[1, 0] == 0)  # an origin of a segment without any claim
    # a segment with no claims at all: zeros everywhere inside the triangle
    tri3 = build(HAND, "2024-12-31", 3, first="2024-01-01", n_seg=3)
    np.testing.assert_array_equal(tri3.amount[2], np.where(outside(4), nan, 0.0))
    np.testing.assert_array_equal(tri3.count[2], np.where(outside(4), nan, 0.0))
    np.testing.assert_array_equal(tri3.amount[:2], tri.amount)


def test_without_a_first_day_the_oldest_known_event_opens_the_triangle():
    # the 888 claim (event Dec 2023) now opens the triangle: origins Q4 2023 .. Q4 2024
    tri = build(HAND, "2024-12-31", 3)
    assert tri.n_origins == 5 and str(tri.origin_start[0]) == "2023-10-01"
    np.testing.assert_array_equal(tri.amount[0, 0], [0, 888, 0, 0, 0])
    np.testing.assert_array_equal(tri.amount[:, 1:, :4], HAND_AMOUNT)
    # nothing known at all: one origin, an empty (zero) cell, not a missing one
    empty = build([(0, "2024-11-30", "2025-01-01", 999.0)], "2024-12-31", 3, n_seg=1)
    np.testing.assert_array_equal(empty.amount, [[[0.0]]])
    np.testing.assert_array_equal(empty.count, [[[0.0]]])


# ---------------------------------------------------------------------------------------------
# A mid-quarter valuation: 15 Aug 2025, quarterly grain

MID = [
    (0, "2025-08-01", "2025-08-15", 1.0),  # reported on the valuation day: known, latest, lag 0
    (0, "2025-07-01", "2025-07-02", 2.0),  # known, latest origin, lag 0
    (0, "2025-08-10", "2025-08-16", 4.0),  # reported one day after the valuation: not counted
    (0, "2025-07-20", "2025-09-01", 8.0),  # reported after the valuation: not counted
    (0, "2025-08-16", "2025-08-16", 16.0),  # event after the valuation: not counted
    (0, "2025-06-15", "2025-07-05", 32.0),  # June event reported in July
    (0, "2025-02-10", "2025-02-11", 64.0),  # early in the year
]


def test_mid_quarter_valuation_counts_only_claims_reported_by_then():
    tri = build(MID, "2025-08-15", 3, n_seg=1)
    assert np.nansum(tri.count) == 4  # 1, 2, 32 and 64: the three others are not known
    assert np.nansum(tri.amount) == 1 + 2 + 32 + 64
    # the latest origin is partial: it holds the valuation month and ends with it
    latest_start = tri.origin_start[-1].astype("datetime64[M]")
    assert latest_start <= np.datetime64("2025-08") < latest_start + 3
    # the two claims with events 1 Jul .. 15 Aug sit in the latest origin at lag 0, and its
    # only known cell holds nothing else reported after 15 Aug
    assert tri.count[0, -1, 0] >= 2
    assert np.isnan(tri.amount[0, -1, 1:]).all()


def test_mid_quarter_valuation_latest_origin_is_the_calendar_quarter_to_date():
    tri = build(MID, "2025-08-15", 3, n_seg=1)
    assert str(tri.origin_start[-1]) == "2025-07-01"  # partial quarter 1 Jul .. 15 Aug
    assert tri.amount[0, -1, 0] == 1 + 2  # the latest origin has only lag 0 known
    assert np.isnan(tri.amount[0, -1, 1:]).all()
    np.testing.assert_array_equal(tri.amount[0, -2, :2], [0, 32])  # Q2 event, reported in Q3


# ---------------------------------------------------------------------------------------------
# Grains 1, 3, 6, 12 months


def random_claims(n: int, seed: int, first: str, last: str, max_lag: int, n_seg: int = 2):
    rng = np.random.default_rng(seed)
    event = rng.integers(dn(first), dn(last) + 1, n)
    report = event + rng.integers(0, max_lag + 1, n)
    amount = rng.integers(1, 100_000, n) / 100.0
    return rng.integers(0, n_seg, n), event, report, amount


def regroup(monthly: np.ndarray, g: int) -> np.ndarray:
    """The g-month triangle from the 1-month one: month-origin o (0 = oldest, the oldest month
    starting a g-block) at lag d reports in month o + d, so it goes to origin o // g at lag
    (o + d) // g - o // g. Slow and obvious."""
    n_seg, n1, _ = monthly.shape
    n = n1 // g
    out = np.where(outside(n), nan, 0.0)[None].repeat(n_seg, axis=0)
    for s in range(n_seg):
        for o in range(n1):
            for d in range(n1 - o):
                out[s, o // g, (o + d) // g - o // g] += monthly[s, o, d]
    return out


@pytest.mark.parametrize("grain", [1, 3, 6, 12])
def test_grains_keep_totals_and_aggregate_the_monthly_triangle(grain):
    seg, event, report, amount = random_claims(3000, 11, "2021-01-01", "2024-12-31", 800)
    v, first = dn("2024-12-31"), dn("2021-01-01")
    segments = np.array(["A", "B"], dtype=object)
    monthly = reporting_triangle(seg, segments, event, report, amount, v, 1, first_day=first)
    tri = reporting_triangle(seg, segments, event, report, amount, v, grain, first_day=first)
    known = report <= v
    assert tri.n_origins == 48 // grain
    # same totals as the claim list, segment by segment
    for s in range(2):
        np.testing.assert_allclose(np.nansum(tri.amount[s]), amount[known & (seg == s)].sum(),
                                   rtol=1e-12)
        assert np.nansum(tri.count[s]) == np.count_nonzero(known & (seg == s))
    # every cell is the sum of the monthly cells it covers
    np.testing.assert_allclose(tri.amount, regroup(monthly.amount, grain), rtol=1e-12)
    np.testing.assert_array_equal(tri.count, regroup(monthly.count, grain))
    # year-end valuation: the latest diagonal of a g-month triangle is the monthly reported to
    # date summed over the months of each origin period
    by_block = monthly.latest(monthly.amount).reshape(2, -1, grain).sum(axis=2)
    np.testing.assert_allclose(tri.latest(tri.amount), by_block, rtol=1e-12)
    np.testing.assert_array_equal(tri.latest(tri.count),
                                  monthly.latest(monthly.count).reshape(2, -1, grain).sum(axis=2))


def test_annual_latest_diagonal_equals_monthly_reported_to_date_by_origin_year():
    seg, event, report, amount = random_claims(2000, 5, "2022-01-01", "2024-12-31", 1000)
    v, first = dn("2024-12-31"), dn("2022-01-01")
    segments = np.array(["A", "B"], dtype=object)
    annual = reporting_triangle(seg, segments, event, report, amount, v, 12, first_day=first)
    known = report <= v
    event_year = np.asarray(event, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    expected = [[amount[known & (seg == s) & (event_year == y)].sum() for y in (2022, 2023, 2024)]
                for s in range(2)]
    np.testing.assert_allclose(annual.latest(annual.amount), expected, rtol=1e-12)
    assert [str(x) for x in annual.origin_start] == ["2022-01-01", "2023-01-01", "2024-01-01"]


# ---------------------------------------------------------------------------------------------
# Metamorphic


@st.composite
def claim_lists(draw):
    n = draw(st.integers(1, 80))
    events = draw(st.lists(st.dates(date(2022, 1, 1), date(2024, 12, 31)), min_size=n, max_size=n))
    lags = draw(st.lists(st.integers(0, 700), min_size=n, max_size=n))
    return dict(
        seg=np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=np.int64),
        event=np.array([dn(e) for e in events], dtype=np.int64),
        report=np.array([dn(e + timedelta(days=k)) for e, k in zip(events, lags, strict=True)],
                        dtype=np.int64),
        amount=np.array(draw(st.lists(st.integers(0, 10**7), min_size=n, max_size=n))) / 100.0,
    )


def _tri(c, v, grain, seg=None, segments=("A", "B"), amount=None, order=None):
    idx = np.arange(len(c["event"])) if order is None else np.asarray(order)
    s = c["seg"] if seg is None else seg
    a = c["amount"] if amount is None else amount
    return reporting_triangle(s[idx], np.array(segments, dtype=object), c["event"][idx],
                              c["report"][idx], a[idx], dn(v), grain, first_day=dn("2022-01-01"))


VALUATIONS = st.sampled_from(["2023-06-30", "2024-03-31", "2024-12-31", "2025-08-15"])
GRAINS = st.sampled_from([1, 3, 6, 12])


@settings(max_examples=40, deadline=None)
@given(claim_lists(), VALUATIONS, GRAINS, st.randoms(use_true_random=False))
def test_permuting_claim_rows_changes_nothing(c, v, grain, rnd):
    order = list(range(len(c["event"])))
    rnd.shuffle(order)
    base, shuffled = _tri(c, v, grain), _tri(c, v, grain, order=order)
    np.testing.assert_allclose(shuffled.amount, base.amount, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(np.isnan(shuffled.amount), np.isnan(base.amount))
    np.testing.assert_array_equal(shuffled.count, base.count)
    np.testing.assert_array_equal(shuffled.origin_start, base.origin_start)


@settings(max_examples=40, deadline=None)
@given(claim_lists(), VALUATIONS, GRAINS, st.sampled_from([0.001, 0.5, 3.7, 1000.0]))
def test_scaling_amounts_scales_the_amount_triangle_and_keeps_counts(c, v, grain, k):
    base, scaled = _tri(c, v, grain), _tri(c, v, grain, amount=c["amount"] * k)
    np.testing.assert_allclose(scaled.amount, k * base.amount, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(np.isnan(scaled.amount), np.isnan(base.amount))
    np.testing.assert_array_equal(scaled.count, base.count)


@settings(max_examples=40, deadline=None)
@given(claim_lists(), VALUATIONS, GRAINS)
def test_two_segments_sum_to_the_triangle_of_their_union(c, v, grain):
    both = _tri(c, v, grain)
    union = _tri(c, v, grain, seg=np.zeros_like(c["seg"]), segments=("A+B",))
    np.testing.assert_allclose(union.amount[0], both.amount[0] + both.amount[1], rtol=1e-12,
                               atol=1e-9)
    np.testing.assert_array_equal(union.count[0], both.count[0] + both.count[1])
    # and each segment alone gives its own slice of the joint triangle
    for s in (0, 1):
        mine = c["seg"] == s
        alone = reporting_triangle(
            np.zeros(mine.sum(), dtype=np.int64), np.array(["X"], dtype=object), c["event"][mine],
            c["report"][mine], c["amount"][mine], dn(v), grain, first_day=dn("2022-01-01"))
        np.testing.assert_allclose(alone.amount[0], both.amount[s], rtol=1e-12, atol=1e-9)
        np.testing.assert_array_equal(alone.count[0], both.count[s])
