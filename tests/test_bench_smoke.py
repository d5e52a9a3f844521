"""The UPR benchmark runs end to end on a small book, so it cannot rot.

Not a timing test: no target is asserted here. What is asserted is what makes the benchmark's
numbers meaningful: the kernel and the obvious pandas implementation agree on every policy
(daily pro rata, ``upr = W (1 - clip((v + 1 - start) / (end - start + 1), 0, 1))``, zero once
cancelled or before the start; E2 L3949-3953), and the synthetic book is what the script says.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from reserva.io.arrays import NEVER, day

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_upr.py"
N = 20_000


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_upr", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_upr"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_upr", None)


def test_run_agrees_with_pandas_and_reports_every_target(bench):
    r = bench.run(N, repeat=1, pandas_repeat=1)
    assert r["max_rel_diff"] <= 1e-9
    assert round(r["kernel_total"], 2) == round(r["pandas_total"], 2)
    assert r["kernel_total"] > 0
    assert 0 < r["memory"]["extra_bytes"] < 10 * r["memory"]["input_bytes"]
    text = bench.report(r)
    for label in ("pandas / kernel", "kernel / copy", "kernel per 10M", "peak extra memory",
                  "monthly basis", "annual instalments", "component method"):
        line = next(x for x in text.splitlines() if label in x)
        assert "PASS" in line or "MISS" in line or "pending" in line, line


def test_kernel_matches_pandas_on_hand_cases(bench):
    # valuation 2025-12-31: a term ending on v -> 0; 10 of 100 days -> 90% left;
    # not started -> 0 (nothing written); cancelled on or before v -> 0; cancelled after v -> pro rata
    s = np.array([day("2025-01-01"), day("2025-12-22"), day("2026-01-01"), day("2025-06-01"),
                  day("2025-12-22")])
    e = np.array([day("2025-12-31"), day("2026-03-31"), day("2026-12-31"), day("2026-05-31"),
                  day("2026-03-31")])
    c = np.array([NEVER, NEVER, NEVER, day("2025-12-31"), day("2026-01-05")])
    w = np.array([365.0, 100.0, 50.0, 120.0, 100.0])
    arrays = bench.BenchArrays(
        start=s, end=e, cancel=c, written_premium=w, refund=np.where(c < NEVER, 10.0, 0.0),
        interval_months=np.zeros(5, dtype=np.int64), basis=np.zeros(5, dtype=np.int64),
        n_instalments=np.ones(5, dtype=np.int32))
    expected = np.array([0.0, 90.0, 0.0, 0.0, 90.0])
    v = day(bench.VALUATION)
    np.testing.assert_allclose(bench.kernel_call(arrays, v), expected, rtol=1e-12)
    got = bench.pandas_upr(bench.policies_frame(arrays), bench.pd.Timestamp(bench.VALUATION))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_synthetic_book_is_as_described(bench):
    a = bench.synthetic_policies(N, seed=7)
    b = bench.synthetic_policies(N, seed=7)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("start", "cancel", "refund"))
    term = a.end - a.start + 1
    assert term.min() >= 1 and term.max() <= 1096
    assert a.start.min() >= day("2020-01-01") and a.start.max() <= day("2026-12-31")
    cancelled = a.cancel < NEVER
    assert 0.04 < cancelled.mean() < 0.06
    assert np.all((a.cancel[cancelled] >= a.start[cancelled])
                  & (a.cancel[cancelled] <= a.end[cancelled]))
    assert np.all((a.refund >= 0) & (a.refund <= a.written_premium))
    assert np.all(a.refund[~cancelled] == 0)


def test_three_year_terms_clip_to_the_month_end(bench):
    starts = np.array([day("2024-02-29"), day("2025-01-31"), day("2023-07-15")])
    got = [date.fromordinal(date(1970, 1, 1).toordinal() + int(x))
           for x in bench.plus_years(starts, 3)]
    assert got == [date(2027, 2, 28), date(2028, 1, 31), date(2026, 7, 15)]


def test_component_method_is_pending_or_returns_upr(bench):
    arrays = bench.synthetic_policies(100)
    try:
        upr = bench.kernel_call(arrays, day(bench.VALUATION), components=True)
    except NotImplementedError as exc:
        assert "pending" in str(exc)
    else:
        assert upr.shape == (100,)
