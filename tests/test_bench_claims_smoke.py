"""The claims benchmark runs end to end at small sizes, so it cannot rot: part (a) on 20,000
claims, parts (b) and (c) on 5 triangles of 24 x 24.

Not a timing test: no target is asserted. What is asserted is what makes the numbers
meaningful: ``reporting_triangle`` and ``chainladder.Triangle`` built from the same long table
give the same cumulative triangle (cell by cell to 1e-6 relative, nothing outside the known
triangle; spec §3.4: origin = event period, development = report lag); ``mack`` and
chainladder's ``MackChainladder`` give the same total IBNR and total Mack standard error per
segment (1e-6 relative; Mack 1993 Corollary to Theorem 3, chainladder's default log-linear
sigma extrapolation); the synthetic claims and triangles are what the script says, and the
comparisons would notice a difference.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from reserva.io.arrays import day

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_claims.py"
N = 20_000


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_claims", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_claims"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_claims", None)


def test_part_a_ours_equals_chainladder(bench):
    r = bench.run_a(N, repeat=1, verify_n=None)
    full = r["full"]
    assert full["cells"] == 10 * 120 * 121 // 2  # 10 segments x the 120 x 120 known triangle
    assert full["max_rel"] <= 1e-6 and full["stray_outside"] == 0
    ours, theirs = r["ours"], r["chainladder"]
    assert ours["shape"] == theirs["shape"] == [10, 120, 120]
    assert round(ours["total"], 2) == round(theirs["total"], 2) > 0
    assert ours["count"] == ours["known"] == theirs["known"] < N  # some not reported yet
    assert ours["seconds"] > 0 and theirs["seconds"] > 0
    assert ours["peak_bytes"] > 0 and theirs["peak_bytes"] > 0
    text = bench.report_a(r)
    line = next(x for x in text.splitlines() if "chainladder / ours" in x)
    assert "PASS" in line or "MISS" in line
    assert f"same cumulative triangle at {N:,}" in text and "PASS" in text


def test_synthetic_claims_are_as_described(bench):
    a = bench.synthetic_claims(N, seed=7)
    b = bench.synthetic_claims(N, seed=7)
    assert all(np.array_equal(getattr(a, f), getattr(b, f))
               for f in ("segment", "event_day", "report_day", "amount"))
    assert set(np.unique(a.segment)) == set(range(10))
    assert a.event_day.min() >= day("2016-01-01") and a.event_day.max() <= day("2025-12-31")
    lag = a.report_day - a.event_day
    assert lag.min() >= 0 and lag.max() <= 3652
    assert np.all(a.amount > 0) and np.allclose(a.amount, np.round(a.amount, 2))
    # lags lengthen from segment 0 to segment 9 (median 7 days .. about a year)
    medians = [np.median(lag[a.segment == s]) for s in range(10)]
    assert medians[0] < 14 and 300 < medians[9] < 700
    assert all(x < y for x, y in zip(medians, medians[1:], strict=False))


def test_comparison_notices_a_difference(bench):
    n = 4
    mine = np.where(np.add.outer(np.arange(n), np.arange(n)) >= n, np.nan, 1.0)[None]
    assert bench.compare(mine, mine.copy())["max_rel"] == 0
    other = mine.copy()
    other[0, 0, 0] = np.nan  # chainladder's empty cell inside the triangle reads as 0
    assert bench.compare(mine, other)["max_rel"] == 1.0
    other = mine.copy()
    other[0, 0, 0] = 1.0 + 2e-6
    assert bench.compare(mine, other)["max_rel"] > 1e-6
    other = mine.copy()
    other[0, 3, 3] = 5.0  # a value after the valuation
    assert bench.compare(mine, other)["stray_outside"] == 1


def test_methods_parts_are_pending_without_mack(bench, monkeypatch):
    assert bench.methods_module("reserva.reserves.claims.no_such_module") is None
    assert bench.methods_module("reserva.errors") is None  # importable, no mack
    monkeypatch.setattr(bench, "methods_module", lambda: None)
    for label, part in (("b", bench.part_b), ("c", bench.part_c)):
        assert part(None) == f"({label}) pending: reserva.reserves.claims.methods not available"


class _FakeTriangle:
    """What ``their_cumulative`` reads of a chainladder triangle: 2 origins seen of 3, ages 1-2
    of 3 (chainladder keeps only what it saw and stores a cumulative 0 as NaN)."""

    def __init__(self):
        import pandas as pd

        self.values = np.array([[[[5.0, 7.0], [np.nan, np.nan]]]])  # [segment, column, origin, age]
        self.origin = pd.PeriodIndex(["2016-01", "2016-03"], freq="M")
        self.development = pd.Series([1, 2])
        self.index = pd.DataFrame({"segment": [1]})

    def incr_to_cum(self):
        return self

    def set_backend(self, backend):
        return self


def test_chainladder_triangle_is_placed_on_our_grid(bench, monkeypatch):
    monkeypatch.setattr(bench, "N_SEGMENTS", 2)
    first_month = int(np.datetime64("2016-01", "M").astype(np.int64))
    got = bench.their_cumulative(_FakeTriangle(), 3, first_month)
    nan = np.nan
    # origin Jan 2016 -> row 0, Mar 2016 -> row 2 (Feb unseen); age 3 unseen: carried forward
    # inside the triangle only; segment 0 unseen
    np.testing.assert_array_equal(got[1], [[5, 7, 7], [nan, nan, nan], [nan, nan, nan]])
    assert np.isnan(got[0]).all()
    ours = np.array([[[nan] * 3] * 3, [[5, 7, 7], [0, 0, nan], [0, nan, nan]]])
    c = bench.compare(ours, got)
    assert c["max_rel"] == 0 and c["stray_outside"] == 0


# ---------------------------------------------------------------------------------------------
# Parts (b) and (c): Mack on many triangles

SEGMENTS, SIZE = 5, 24


def test_mack_parts_ours_equal_chainladder(bench):
    r = bench.run_mack(SEGMENTS, SIZE, repeat=1)
    check = r["check"]
    assert check["segments"] == SEGMENTS
    assert check["ibnr_rel"] <= 1e-6 and check["se_rel"] <= 1e-6
    ours, theirs = r["ours"], r["chainladder"]
    assert ours["cells"] == theirs["cells"] == theirs["rows"] == SEGMENTS * SIZE * (SIZE + 1) // 2
    assert round(ours["ibnr"], 2) == round(theirs["ibnr"], 2) > 0
    assert round(ours["se"], 2) == round(theirs["se"], 2) > 0
    assert ours["runs"] == 1 and theirs["runs"] == 1
    assert ours["seconds"] > 0 and theirs["seconds"] > 0
    assert ours["peak_bytes"] >= ours["rss_before"] > 0 and theirs["peak_bytes"] > 0
    for text, labels in ((bench.report_b(r), ["chainladder / ours", "same per segment"]),
                         (bench.report_c(r), ["ours time", "ours peak memory",
                                              "same per segment"])):
        for label in labels:
            line = next(x for x in text.splitlines() if label in x)
            assert "PASS" in line or "MISS" in line, line


def test_synthetic_triangles_are_as_described(bench):
    C = bench.synthetic_triangles(SEGMENTS, SIZE, seed=7)
    assert np.array_equal(C, bench.synthetic_triangles(SEGMENTS, SIZE, seed=7), equal_nan=True)
    # the first segments do not depend on how many follow
    assert np.array_equal(C[:2], bench.synthetic_triangles(2, SIZE, seed=7), equal_nan=True)
    after = np.add.outer(np.arange(SIZE), np.arange(SIZE)) >= SIZE
    assert np.isnan(C[:, after]).all() and not np.isnan(C[:, ~after]).any()
    incremental = np.diff(C, axis=2, prepend=0.0)[:, ~after]
    assert incremental.min() >= 0.01 and np.allclose(incremental, np.round(incremental, 2))
    # development: lag 0 holds on average well under half of the 24-month amount, with speeds
    # differing by segment (median lag 1 to 12 months), and the last lags still grow
    first_share = C[:, 0, 0] / C[:, 0, SIZE - 1]
    assert first_share.mean() < 0.3 and first_share.max() > 2 * first_share.min()
    assert (C[:, 0, SIZE - 1] > C[:, 0, SIZE - 2]).all()


def test_development_pattern_is_a_distribution(bench):
    p = bench.development_pattern(3.0, 1.0, 0.1, 60.0, 2000)
    assert (p > 0).all() and abs(p.sum() - 1.0) < 1e-9
    # median of the lognormal part: P(T < 3) = 0.9 * 0.5 + 0.1 * (1 - exp(-3 / 60))
    assert abs(p[:3].sum() - (0.45 + 0.1 * -np.expm1(-3 / 60))) < 1e-12


def test_long_table_places_cells_by_month(bench):
    C = bench.synthetic_triangles(2, 3, seed=1)
    frame = bench.triangles_frame(C)
    assert len(frame) == 2 * 6
    row = frame[(frame["segment"] == 1) & (frame["origin"] == np.datetime64("2025-10-01"))]
    assert row["development"].tolist() == [np.datetime64("2025-10-31"), np.datetime64("2025-11-30"),
                                           np.datetime64("2025-12-31")]
    np.testing.assert_array_equal(row["amount"].to_numpy(), C[1, 0])


def test_totals_comparison_notices_a_difference(bench):
    mine = np.array([[100.0, 200.0], [10.0, 20.0]])
    assert bench.compare_totals(mine, mine.copy()) == {"segments": 2, "ibnr_rel": 0.0,
                                                       "se_rel": 0.0}
    other = mine.copy()
    other[1, 1] = 20.0 * (1 + 2e-6)
    got = bench.compare_totals(mine, other)
    assert got["ibnr_rel"] == 0.0 and got["se_rel"] > 1e-6
    other[0, 0] = np.nan  # a NaN from either side never passes
    assert bench.compare_totals(mine, other)["ibnr_rel"] == np.inf
