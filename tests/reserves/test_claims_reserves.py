"""Claims reserves: reporting triangles, chain-ladder IBNR, OCS and accrued savings.

Golden figures: Mack (1994) / R ChainLadder ``MackChainLadder(RAA)`` and Mack (1993) on the
Taylor-Ashe triangle (chainladder's samples "raa" and "genins"); handbook TV-03, TV-04
(E2 L1296-1299), TV-07b (E2 L4155-4172); spec §3.4-3.6. Slow per-claim and per-cell references
are tied to the vectorised code by hypothesis.
"""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.reserves.accrued.savings import accrued_savings
from reserva.reserves.claims.ibnr import compute_ibnr
from reserva.reserves.claims.ocs import (
    OCS_BASES,
    STATUS_CODES,
    Payments,
    ocs_at,
    single_payments,
)
from reserva.reserves.claims.triangles import chain_ladder, reporting_triangle

EPOCH = date(1970, 1, 1)
NEVER = np.int64(2**62)


def dn(d: date) -> int:
    return (d - EPOCH).days


def ds(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def sample_incremental(name: str) -> np.ndarray:
    """A chainladder sample triangle as an incremental array, NaN below the diagonal."""
    import chainladder as cl  # only to load the published sample triangles

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own deprecation notices
        cum = np.asarray(cl.load_sample(name).values, dtype=float)[0, 0]
    first = cum[:, :1]
    return np.concatenate([first, np.diff(cum, axis=1)], axis=1)


def below_diagonal(n: int) -> np.ndarray:
    return np.add.outer(np.arange(n), np.arange(n)) >= n


# ---------------------------------------------------------------------------------------------
# Chain ladder: published figures


def test_raa_chain_ladder_matches_mack_1994():
    # Mack (1994) / R ChainLadder MackChainLadder(RAA): IBNR by origin 1981..1990 and total
    # 52,135; age-to-age factors 2.999 1.624 1.271 1.172 1.113 1.042 1.033 1.017 1.009.
    inc = sample_incremental("raa")
    assert np.isnan(inc[below_diagonal(10)]).all() and not np.isnan(inc[~below_diagonal(10)]).any()
    r = chain_ladder(inc[None], 12)
    assert round(float(r.ibnr.sum())) == 52135
    assert np.round(r.ibnr[0]).tolist() == [0, 154, 617, 1636, 2747, 3649, 5435, 10907, 10650, 16339]
    assert np.round(r.ldf[0], 3).tolist() == [2.999, 1.624, 1.271, 1.172, 1.113, 1.042, 1.033,
                                              1.017, 1.009]
    assert r.latest[0, 0] == 18834 and r.latest[0, -1] == 2063  # the latest diagonal
    np.testing.assert_allclose(r.ultimate, r.latest + r.ibnr, rtol=1e-12)


def test_taylor_ashe_chain_ladder_matches_mack_1993():
    # Mack (1993), Taylor-Ashe triangle: chain-ladder reserves by origin and total 18,680,856;
    # factors 3.491 1.747 1.457 1.174 1.104 1.086 1.054 1.077 1.018.
    r = chain_ladder(sample_incremental("genins")[None], 12)
    assert round(float(r.ibnr.sum())) == 18680856
    assert np.round(r.ibnr[0]).tolist() == [
        0, 94634, 469511, 709638, 984889, 1419459, 2177641, 3920301, 4278972, 4625811,
    ]
    assert np.round(r.ldf[0], 3).tolist() == [3.491, 1.747, 1.457, 1.174, 1.104, 1.086, 1.054,
                                              1.077, 1.018]


def test_two_segments_are_developed_independently():
    raa, ta = sample_incremental("raa"), sample_incremental("genins")
    both = chain_ladder(np.stack([raa, ta]), 12)
    assert round(float(both.ibnr[0].sum())) == 52135
    assert round(float(both.ibnr[1].sum())) == 18680856


# ---------------------------------------------------------------------------------------------
# Chain ladder: slow reference


def ref_chain_ladder(inc):
    """Volume-weighted chain ladder (Mack 1993 eq. 1) on one incremental triangle (list of rows).

    f_d = sum_o C[o][d+1] / sum_o C[o][d] over the origins o observed at lag d+1
    (1 when the denominator is 0); ult_o = C[o][latest] x prod_{d >= latest} f_d.
    """
    n = len(inc)
    cum = []
    for o in range(n):
        row, total = [], 0.0
        for d in range(n - o):
            total += inc[o][d]
            row.append(total)
        cum.append(row)
    f = []
    for d in range(n - 1):
        origins = [o for o in range(n) if d + 1 <= n - 1 - o]
        num = sum(cum[o][d + 1] for o in origins)
        den = sum(cum[o][d] for o in origins)
        f.append(num / den if den > 0 else 1.0)
    latest, ultimate, ibnr = [], [], []
    for o in range(n):
        cdf = math.prod(f[n - 1 - o:])
        latest.append(cum[o][-1])
        ultimate.append(cum[o][-1] * cdf)
        ibnr.append(cum[o][-1] * cdf - cum[o][-1])
    return f, latest, ultimate, ibnr


def _triangle(draw, n, low=1.0):
    values = draw(st.lists(st.floats(low, 1e6), min_size=n * n, max_size=n * n))
    inc = np.array(values).reshape(n, n)
    inc[below_diagonal(n)] = np.nan
    return inc


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_chain_ladder_matches_slow_reference(data):
    n = data.draw(st.integers(5, 10))
    n_seg = data.draw(st.integers(1, 3))
    grain = data.draw(st.sampled_from([1, 3, 12]))
    tri = np.stack([_triangle(data.draw, n) for _ in range(n_seg)])
    r = chain_ladder(tri, grain)
    for s in range(n_seg):
        f, latest, ultimate, ibnr = ref_chain_ladder(tri[s].tolist())
        np.testing.assert_allclose(r.ldf[s], f, rtol=1e-9)
        np.testing.assert_allclose(r.latest[s], latest, rtol=1e-12)
        np.testing.assert_allclose(r.ultimate[s], ultimate, rtol=1e-9)
        np.testing.assert_allclose(r.ibnr[s], ibnr, rtol=1e-9, atol=1e-6)


def test_chain_ladder_keeps_origins_with_a_zero_cumulative_cell():
    # By hand: C = [[10, 20, 30], [0, 10, .], [5, ., .]] (cumulative).
    # f_0 = (20 + 10) / (10 + 0) = 3.0; f_1 = 30 / 20 = 1.5 (Mack 1993 eq. 1).
    inc = np.array([[10.0, 10.0, 10.0], [0.0, 10.0, np.nan], [5.0, np.nan, np.nan]])
    r = chain_ladder(inc[None], 12)
    # exact to the zero guard's 1e-9 relative (see chain_ladder's docstring)
    np.testing.assert_allclose(r.ldf[0], [3.0, 1.5], rtol=1e-8)
    # ultimates: 30; 10 x 1.5 = 15; 5 x 3 x 1.5 = 22.5
    np.testing.assert_allclose(r.ultimate[0], [30.0, 15.0, 22.5], rtol=1e-8)


def test_chain_ladder_matches_the_reference_on_triangles_with_empty_cells():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(4, 9))
        inc = rng.gamma(1.0, 100.0, size=(n, n)) * (rng.random((n, n)) > 0.35)
        inc[0, 0] = 50.0  # a factor needs some volume at every lag
        inc[0, :] += 1.0
        inc[np.add.outer(np.arange(n), np.arange(n)) >= n] = np.nan
        r = chain_ladder(inc[None], 3)
        f, latest, ultimate, _ = ref_chain_ladder(inc.tolist())
        np.testing.assert_allclose(r.ldf[0], f, rtol=1e-7)
        np.testing.assert_allclose(r.ultimate[0], ultimate, rtol=1e-7)


# ---------------------------------------------------------------------------------------------
# Reporting triangle: slow per-claim reference


def month_no(d: date) -> int:
    return d.year * 12 + d.month - 1


def ref_reporting_triangle(seg, n_seg, event, report, amount, v, grain, first=None):
    """Per claim: origin = event period, lag = report period - event period (dates in)."""

    def period(d: date) -> int:  # calendar periods counted back from v's period, 0 = latest
        return month_no(v) // grain - month_no(d) // grain

    known = [i for i in range(len(event)) if report[i] <= v]
    if first is not None:
        n_o = period(first) + 1
    else:
        n_o = max([period(event[i]) for i in known], default=0) + 1
    amt = np.full((n_seg, n_o, n_o), np.nan)
    cnt = np.full((n_seg, n_o, n_o), np.nan)
    for o in range(n_o):
        for d in range(n_o - o):  # inside the known triangle: 0, not missing
            amt[:, o, d] = 0.0
            cnt[:, o, d] = 0.0
    for i in known:
        pe = period(event[i])
        if pe >= n_o:
            continue
        o, lag = n_o - 1 - pe, pe - period(report[i])
        amt[seg[i], o, lag] += amount[i]
        cnt[seg[i], o, lag] += 1
    return amt, cnt


@st.composite
def claim_sets(draw):
    n_seg = draw(st.integers(2, 3))
    n = draw(st.integers(0, 60))
    events = draw(st.lists(st.dates(date(2022, 1, 1), date(2024, 12, 31)), min_size=n, max_size=n))
    lags = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    return dict(
        n_seg=n_seg,
        seg=draw(st.lists(st.integers(0, n_seg - 1), min_size=n, max_size=n)),
        event=events,
        report=[e + timedelta(days=k) for e, k in zip(events, lags, strict=True)],
        amount=draw(st.lists(st.floats(0.0, 1e5), min_size=n, max_size=n)),
    )


def _tri_args(c, v: date, grain: int, first: date | None):
    return dict(
        segment=np.array(c["seg"], dtype=np.int64),
        segments=np.array([f"S{k}" for k in range(c["n_seg"])], dtype=object),
        event_day=np.array([dn(d) for d in c["event"]], dtype=np.int64),
        report_day=np.array([dn(d) for d in c["report"]], dtype=np.int64),
        amount=np.array(c["amount"], dtype=np.float64),
        valuation_day=dn(v),
        grain=grain,
        first_day=None if first is None else dn(first),
    )


@settings(max_examples=80, deadline=None)
@given(
    claim_sets(),
    st.dates(date(2022, 1, 1), date(2026, 6, 30)),
    st.sampled_from([1, 3, 12]),
    st.one_of(st.none(), st.dates(date(2021, 6, 1), date(2022, 12, 31))),
)
def test_reporting_triangle_matches_per_claim_reference(c, v, grain, first):
    if first is not None and first > v:
        first = None
    tri = reporting_triangle(**_tri_args(c, v, grain, first))
    amt, cnt = ref_reporting_triangle(c["seg"], c["n_seg"], c["event"], c["report"],
                                      c["amount"], v, grain, first)
    assert tri.amount.shape == amt.shape and tri.n_origins == amt.shape[1]
    np.testing.assert_array_equal(np.isnan(tri.amount), np.isnan(amt))  # NaN exactly outside
    np.testing.assert_array_equal(np.isnan(tri.count), np.isnan(cnt))
    np.testing.assert_allclose(tri.amount, amt, rtol=1e-9, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(tri.count, cnt)
    # claims reported after v are not counted; the others are, unless older than the first origin
    reported = [i for i in range(len(c["event"])) if c["report"][i] <= v]
    assert np.nansum(tri.count) <= len(reported)
    if first is None:
        assert np.nansum(tri.count) == len(reported)
    # each origin period is `grain` months; the newest one ends with the valuation month
    starts = [ds(int(x)) for x in tri.origin_start.astype(np.int64)]
    assert all(s.day == 1 for s in starts)
    # the latest origin is the calendar period holding v
    assert month_no(starts[-1]) == (month_no(v) // grain) * grain
    assert all(month_no(b) - month_no(a) == grain for a, b in zip(starts, starts[1:], strict=False))


def test_reporting_triangle_by_hand():
    # Valuation 30 Jun 2024, quarterly grain: origins Q3 2023 (0), Q4 2023 (1), Q1 2024 (2),
    # Q2 2024 (3) given the first day 1 Jul 2023.
    #   A: event 15 Aug 2023, reported 2 Oct 2023  -> origin 0, lag 1, 100
    #   B: event 20 Mar 2024, reported 20 Mar 2024 -> origin 2, lag 0, 50
    #   C: event 1 Jun 2024, reported 1 Jul 2024   -> reported after v: not counted
    #   D: event 30 Jun 2024, reported 30 Jun 2024 -> origin 3, lag 0, 7 (same day counts)
    c = dict(n_seg=1, seg=[0, 0, 0, 0],
             event=[date(2023, 8, 15), date(2024, 3, 20), date(2024, 6, 1), date(2024, 6, 30)],
             report=[date(2023, 10, 2), date(2024, 3, 20), date(2024, 7, 1), date(2024, 6, 30)],
             amount=[100.0, 50.0, 30.0, 7.0])
    tri = reporting_triangle(**_tri_args(c, date(2024, 6, 30), 3, date(2023, 7, 1)))
    nan = np.nan
    expected = np.array([
        [0, 100, 0, 0],
        [0, 0, 0, nan],
        [50, 0, nan, nan],
        [7, nan, nan, nan],
    ])
    np.testing.assert_array_equal(tri.amount[0], expected)
    np.testing.assert_array_equal(tri.count[0], np.where(np.isnan(expected), nan, expected > 0))
    assert [str(x) for x in tri.origin_start] == ["2023-07-01", "2023-10-01", "2024-01-01",
                                                  "2024-04-01"]
    np.testing.assert_array_equal(tri.latest(tri.amount)[0], [100, 0, 50, 7])


# ---------------------------------------------------------------------------------------------
# IBNR: metamorphic and fallbacks


def _ibnr(c, v, grain, amount=None, order=None, methods=None, min_claims=None):
    a = _tri_args(c, v, grain, date(2022, 1, 1))
    if amount is not None:
        a["amount"] = amount
    if order is not None:
        for k in ("segment", "event_day", "report_day", "amount"):
            a[k] = a[k][order]
    n = c["n_seg"]
    return compute_ibnr(
        a["segment"], a["segments"], a["event_day"], a["report_day"], a["amount"],
        a["valuation_day"], grain_months=grain, methods=methods or ["chain_ladder"] * n,
        min_claims=min_claims or [0] * n, first_day=a["first_day"],
    )


@st.composite
def positive_claims(draw):
    c = draw(claim_sets())
    c["amount"] = [a + 1.0 for a in c["amount"]]
    return c


@settings(max_examples=12, deadline=None)
@given(positive_claims(), st.dates(date(2024, 1, 1), date(2025, 6, 30)),
       st.sampled_from([3, 12]), st.floats(0.01, 1000.0), st.randoms(use_true_random=False))
def test_scaling_claims_scales_ibnr_and_order_does_not_matter(c, v, grain, k, rnd):
    base = _ibnr(c, v, grain)
    scaled = _ibnr(c, v, grain, amount=np.array(c["amount"]) * k)
    np.testing.assert_allclose(scaled.ibnr, k * base.ibnr, rtol=1e-9, atol=1e-6 * k)
    np.testing.assert_allclose(scaled.by_origin_ibnr, k * base.by_origin_ibnr, rtol=1e-9,
                               atol=1e-6 * k)
    order = list(range(len(c["amount"])))
    rnd.shuffle(order)
    shuffled = _ibnr(c, v, grain, order=np.array(order, dtype=np.int64))
    np.testing.assert_allclose(shuffled.ibnr, base.ibnr, rtol=1e-9, atol=1e-6)
    # ultimate = reported + IBNR, origin by origin; totals add up
    np.testing.assert_allclose(base.by_origin_ultimate,
                               base.by_origin_latest + base.by_origin_ibnr, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(base.ibnr, base.by_origin_ibnr.sum(axis=1), rtol=1e-12, atol=1e-9)


def test_ibnr_fallbacks_say_why():
    # S0: 3 known claims, chain ladder needs 5 -> thin; S1 method none; S2 estimated.
    ev = [date(2023, 1, 10), date(2023, 2, 10), date(2023, 3, 10)]
    rp = [date(2023, 3, 1), date(2023, 2, 20), date(2023, 6, 1)]
    c = dict(n_seg=3, seg=[0] * 3 + [1] * 3 + [2] * 3, event=ev * 3, report=rp * 3,
             amount=[10.0, 20.0, 30.0] * 3)
    r = _ibnr(c, date(2023, 6, 30), 1, methods=["chain_ladder", "none", "chain_ladder"],
              min_claims=[5, 0, 3])
    assert r.method == ("none", "none", "chain_ladder")
    assert r.note[0].startswith("thin: 3 claims known") and "needs 5" in r.note[0]
    assert "none" in r.note[1] and r.note[2] == ""
    assert r.ibnr[0] == 0.0 and r.ibnr[1] == 0.0
    np.testing.assert_array_equal(r.by_origin_ultimate[:2], r.by_origin_latest[:2])


# ---------------------------------------------------------------------------------------------
# OCS


def _ocs(claims, v, payments=None, basis="claimed", probability=1.0):
    n = len(claims)
    col = {k: [cl.get(k) for cl in claims] for k in claims[0]}
    report = np.array([dn(d) for d in col["report"]], dtype=np.int64)
    decision = np.array([NEVER if d is None else dn(d) for d in col["decision"]], dtype=np.int64)
    receipt = np.array([NEVER if d is None else dn(d) for d in col["receipt"]], dtype=np.int64)
    paid = np.array(col["paid"], dtype=float)
    if payments is None:
        payments = single_payments(paid, decision, receipt, NEVER)
    case = np.array([np.nan if x is None else x for x in col.get("case", [None] * n)], dtype=float)
    return ocs_at(
        report, decision, np.array([STATUS_CODES[s] for s in col["status"]], dtype=np.int8),
        np.array(col["claimed"], dtype=float), case, paid, payments.to_date(n, dn(v)), dn(v),
        basis=np.full(n, OCS_BASES[basis], dtype=np.int8), probability=np.full(n, probability),
    )


def claim(report, claimed, *, status="open", decision=None, receipt=None, paid=0.0, case=None):
    return dict(report=report, decision=decision, receipt=receipt, status=status,
                claimed=claimed, paid=paid, case=case)


def test_tv07b_reported_before_period_end_paid_after():
    # TV-07b (E2 L4155-4172): a claim of 1,000 reported before the period end and paid after it:
    # the liability at the accounting date is 1,000; once paid, nothing.
    c = [claim(date(2024, 12, 20), 1000.0, status="paid", decision=date(2025, 1, 10),
               receipt=date(2025, 1, 15), paid=1000.0)]
    assert _ocs(c, date(2024, 12, 31))[0] == 1000.0
    assert _ocs(c, date(2025, 1, 12))[0] == 1000.0  # decided to pay, not yet paid
    assert _ocs(c, date(2025, 1, 15))[0] == 0.0
    assert _ocs(c, date(2024, 12, 19))[0] == 0.0  # not reported yet: IBNR, not OCS


def test_rejected_claim_counts_until_decided_then_nothing():
    # spec §3.5: conservative - reported, undecided claims are counted in full, even if later
    # rejected; rejected by v gives nothing.
    c = [claim(date(2024, 12, 1), 800.0, status="rejected", decision=date(2025, 1, 10))]
    assert _ocs(c, date(2024, 12, 31))[0] == 800.0
    assert _ocs(c, date(2025, 1, 10))[0] == 0.0


def test_partial_payments_leave_the_unpaid_remainder():
    # claimed 1,200, decided 1 Feb to pay 1,000, paid 400 on 10 Feb and 600 on 10 Mar
    c = [claim(date(2025, 1, 5), 1200.0, status="paid", decision=date(2025, 2, 1), paid=1000.0)]
    pay = Payments(np.array([0, 0]), np.array([dn(date(2025, 2, 10)), dn(date(2025, 3, 10))]),
                   np.array([400.0, 600.0]))
    assert _ocs(c, date(2025, 1, 31), pay)[0] == 1200.0  # undecided: the claimed amount
    assert _ocs(c, date(2025, 2, 9), pay)[0] == 1000.0
    assert _ocs(c, date(2025, 2, 10), pay)[0] == 600.0
    assert _ocs(c, date(2025, 3, 10), pay)[0] == 0.0
    assert pay.in_period(1, dn(date(2025, 1, 31)), dn(date(2025, 2, 28)))[0] == 400.0
    assert pay.in_period(1, dn(date(2025, 2, 10)), dn(date(2025, 3, 31)))[0] == 600.0  # (s, v]
    assert pay.to_date(1, dn(date(2025, 3, 31)))[0] == 1000.0


def test_partial_status_pays_the_agreed_part_only():
    # claimed 1,000, decided 'partial' with 700 payable, paid on receipt 20 Feb
    c = [claim(date(2025, 1, 5), 1000.0, status="partial", decision=date(2025, 2, 1),
               receipt=date(2025, 2, 20), paid=700.0)]
    assert _ocs(c, date(2025, 1, 31))[0] == 1000.0
    assert _ocs(c, date(2025, 2, 1))[0] == 700.0
    assert _ocs(c, date(2025, 2, 20))[0] == 0.0


@pytest.mark.parametrize("basis, case, p, expected", [
    ("claimed", 1200.0, 1.0, 1000.0),
    ("case_reserve", 1200.0, 1.0, 1200.0),
    ("case_reserve", 800.0, 1.0, 800.0),
    ("case_reserve", None, 1.0, 1000.0),  # no case estimate: the claimed amount
    ("max", 1200.0, 1.0, 1200.0),
    ("max", 800.0, 1.0, 1000.0),
    ("claimed", None, 0.75, 750.0),  # probability of payment 75% (spec §3.5)
    ("max", 1200.0, 0.75, 900.0),
])
def test_undecided_claim_bases_and_probability(basis, case, p, expected):
    c = [claim(date(2025, 1, 5), 1000.0, case=case)]
    assert _ocs(c, date(2025, 1, 31), basis=basis, probability=p)[0] == pytest.approx(expected)
    # the basis and probability apply to undecided claims only
    decided = [claim(date(2025, 1, 5), 1000.0, status="paid", decision=date(2025, 1, 20),
                     receipt=date(2025, 2, 5), paid=900.0, case=case)]
    assert _ocs(decided, date(2025, 1, 31), basis=basis, probability=p)[0] == 900.0


def test_tv03_tv04_change_in_ocs_between_two_dates():
    # TV-03 (E2 L1296-1298): OCS current 1,000, previous 900 -> change +100;
    # TV-04 (E2 L1298-1299): OCS current 900, previous 1,000 -> change -100.
    v0, v1 = date(2023, 12, 31), date(2024, 12, 31)
    a = claim(date(2023, 11, 1), 900.0)  # open at both dates
    b_late = claim(date(2024, 3, 1), 100.0)  # reported in the period, open at v1
    b_paid = claim(date(2023, 12, 1), 100.0, status="paid", decision=date(2024, 2, 1),
                   receipt=date(2024, 2, 15), paid=100.0)  # open at v0, paid in the period
    for claims, change in (([a, b_late], 100.0), ([a, b_paid], -100.0)):
        o0, o1 = _ocs(claims, v0).sum(), _ocs(claims, v1).sum()
        assert (o0, o1) == ((900.0, 1000.0) if change > 0 else (1000.0, 900.0))
        assert o1 - o0 == change


def test_single_payments_on_receipt_or_decision_day():
    paid = np.array([100.0, 0.0, 50.0, 70.0])
    decision = np.array([10, 11, 12, NEVER], dtype=np.int64)
    receipt = np.array([15, NEVER, NEVER, NEVER], dtype=np.int64)
    p = single_payments(paid, decision, receipt, NEVER)
    # claim 0 paid on D, claim 2 on C (D empty); claim 1 paid nothing; claim 3 has no date
    assert p.claim.tolist() == [0, 2] and p.day.tolist() == [15, 12]
    assert p.amount.tolist() == [100.0, 50.0]


# ---------------------------------------------------------------------------------------------
# Accrued savings


def test_accrued_savings_by_hand():
    # spec §3.6: balance plus interest. 1,000 on 1 Jan 2025 at 5%: 73 days to 15 Mar 2025
    # (31 + 28 + 14), ALR = 1,000 x 1.05^(73/365) = 1,000 x 1.05^0.2 = 1,009.81.
    account = np.array([0, 0, 0, 1])
    day = np.array([dn(date(2024, 6, 30)), dn(date(2025, 1, 1)), dn(date(2025, 6, 30)),
                    dn(date(2025, 4, 1))])
    balance = np.array([800.0, 1000.0, 1500.0, 300.0])
    rate = np.array([0.04, 0.05, 0.05, 0.05])
    out = accrued_savings(account, day, balance, rate, dn(date(2025, 3, 15)))
    assert out[1] == pytest.approx(1009.81, abs=0.005)
    # only the latest row on or before v counts; account 1 has no balance yet
    assert out[0] == 0.0 and out[2] == 0.0 and out[3] == 0.0
    # on its own balance date a row holds exactly its balance
    at = accrued_savings(account, day, balance, rate, dn(date(2025, 4, 1)))
    assert at[3] == 300.0
    assert accrued_savings(account, day, balance, rate, dn(date(2024, 6, 29))).sum() == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2000), st.floats(0, 1e6),
                          st.floats(0, 0.2)), max_size=20, unique_by=lambda r: (r[0], r[1])),
       st.integers(-10, 2500))
def test_accrued_savings_matches_per_account_reference(rows, v):
    account = np.array([r[0] for r in rows], dtype=np.int64)
    day = np.array([r[1] for r in rows], dtype=np.int64)
    bal = np.array([r[2] for r in rows])
    rate = np.array([r[3] for r in rows])
    out = accrued_savings(account, day, bal, rate, v)
    expected = [0.0] * len(rows)
    for a in set(account.tolist()):
        mine = [i for i, r in enumerate(rows) if r[0] == a and r[1] <= v]
        if mine:
            i = max(mine, key=lambda j: rows[j][1])
            expected[i] = rows[i][2] * (1 + rows[i][3]) ** ((v - rows[i][1]) / 365)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-9)
