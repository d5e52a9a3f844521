"""Benchmark: net premium reserves of 1,000,000 life contracts against the per-policy reference.

    python benchmarks/bench_accrued.py [--n 1000000] [--sample 300] [--seed 20251231] [--repeat 5]

On N synthetic contracts (half 5-30 year endowments, half whole life; issue ages 18-65; annual or
monthly level premiums; issued 1990-2025; SULT at 5%) valued at 2025-12-31, in ONE run on one
core (numba on one thread):

- the engine path: policy durations from the issue dates (calendar anniversaries), commutation
  columns, and the numba kernel for premiums and reserves (warm-up compile, median of --repeat);
- the slow per-policy Python reference of the tests (first principles: a loop over every
  cash-flow date with UDD survival) on a random sample of --sample contracts, timed per policy
  and extrapolated to N; it must agree with the kernel on that sample to 1e-7 relative;
- the peak traced memory of one engine call (tracemalloc) over the input size.

Prints size, median time, peak memory, the reserve total and the ratio reference / kernel, with
PASS/MISS against the issue's targets (under 2 s; at least 50x the reference).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}
for _k, _v in THREAD_ENV.items():
    os.environ.setdefault(_k, _v)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from reserva.io.arrays import day  # noqa: E402
from reserva.reserves.accrued.alr import policy_durations  # noqa: E402
from reserva.reserves.accrued.life import commutation, policy_values  # noqa: E402
from tests.reserves.accrued.life_reference import reference_policy  # noqa: E402

VALUATION = "2025-12-31"
SEED = 20251231
TARGET_SECONDS = 2.0
TARGET_RATIO = 50.0
RATE = 0.05
MAKEHAM = (0.00022, 2.7e-6, 1.124)  # SOA Standard Ultimate Life Table


def sult() -> np.ndarray:
    a, b, c = MAKEHAM
    ages = np.arange(121)
    q = 1.0 - np.exp(-a - b * c**ages * (c - 1.0) / np.log(c))
    q[-1] = 1.0
    return q


def synthetic_contracts(n: int, seed: int = SEED) -> dict:
    """Half endowments (terms 5..30 years), half whole life; still in force at the valuation."""
    rng = np.random.default_rng(seed)
    v = day(VALUATION)
    age = rng.integers(18, 66, n)
    endow = rng.random(n) < 0.5
    term = np.where(endow, rng.integers(5, 31, n), 121 - age)
    years_in = rng.random(n) * np.minimum(term, 35)
    issue = (v - np.floor(years_in * 365.25)).astype(np.int64)
    monthly = rng.random(n) < 0.4
    si = np.round(rng.lognormal(np.log(2_000.0), 0.6, n), 2)
    return {
        "issue_day": issue, "issue_age": age.astype(np.int64), "term": term.astype(np.int64),
        "premium_years": term.astype(np.int64), "death": si,
        "survival": np.where(endow, si, 0.0), "k": np.where(monthly, 12, 1).astype(np.int64),
    }


def engine_call(c: dict, q: np.ndarray, v: int) -> tuple[np.ndarray, np.ndarray]:
    cm = commutation(q, 0, RATE)
    t = np.minimum(policy_durations(c["issue_day"], v), c["term"])
    vals = policy_values(cm, c["issue_age"], c["term"], c["premium_years"], c["death"],
                         c["survival"], c["k"], t)
    return vals.reserve, t


def run(n: int, sample: int = 300, repeat: int = 5, seed: int = SEED) -> dict:
    q = sult()
    v = day(VALUATION)
    c = synthetic_contracts(n, seed)
    input_bytes = sum(a.nbytes for a in c.values())
    engine_call({k: a[:10] for k, a in c.items()}, q, v)  # compile
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        reserve, t = engine_call(c, q, v)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    engine_call(c, q, v)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rng = np.random.default_rng(seed + 1)
    rows = rng.choice(n, size=min(sample, n), replace=False)
    qlist = q.tolist()
    t0 = time.perf_counter()
    ref = [reference_policy(qlist, 0, RATE, int(c["issue_age"][i]), int(c["term"][i]),
                            int(c["premium_years"][i]), float(c["death"][i]),
                            float(c["survival"][i]), int(c["k"][i]), float(t[i]))[1]
           for i in rows]
    ref_seconds = time.perf_counter() - t0
    ref = np.array(ref)
    diff = np.abs(ref - reserve[rows]) / np.maximum(np.abs(ref), 1.0)
    median = statistics.median(times)
    per_policy_ref = ref_seconds / rows.size
    return {
        "n": n, "median_seconds": median, "times": times, "peak_traced_bytes": peak,
        "input_bytes": input_bytes, "reserve_total": float(reserve.sum()),
        "reference_sample": int(rows.size), "reference_seconds": ref_seconds,
        "reference_extrapolated_seconds": per_policy_ref * n,
        "ratio": per_policy_ref * n / median, "max_rel_diff": float(diff.max()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", action="store_true", help="Print the raw results as JSON too.")
    args = ap.parse_args()
    r = run(args.n, args.sample, args.repeat, args.seed)
    ok_time = r["median_seconds"] <= TARGET_SECONDS * args.n / 1_000_000
    ok_ratio = r["ratio"] >= TARGET_RATIO
    print(f"contracts                 {r['n']:,} (endowment and whole life, SULT 5%)")
    print(f"engine median             {r['median_seconds']:.3f} s over {args.repeat} runs "
          f"(target {TARGET_SECONDS:g} s per 1M): {'PASS' if ok_time else 'MISS'}")
    print(f"peak traced memory        {r['peak_traced_bytes'] / 2**20:,.1f} MiB "
          f"({r['peak_traced_bytes'] / r['input_bytes']:.2f}x the inputs)")
    print(f"reserve total             {r['reserve_total']:,.2f}")
    print(f"reference                 {r['reference_seconds']:.2f} s for {r['reference_sample']} "
          f"contracts -> {r['reference_extrapolated_seconds']:,.0f} s for {r['n']:,}")
    print(f"ratio reference / engine  {r['ratio']:,.0f}x (target {TARGET_RATIO:g}x): "
          f"{'PASS' if ok_ratio else 'MISS'}")
    print(f"max relative difference   {r['max_rel_diff']:.2e} on the sample")
    if args.json:
        print(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
