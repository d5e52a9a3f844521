"""Benchmark: monthly in-force projection of term-life model points against the per-point reference.

    python benchmarks/bench_projection.py [--sizes 10000 1000000] [--sample 500] [--seed 20251231]
                                          [--repeat 5] [--horizon 277]

On N synthetic term-life model points (issue ages 18-65; 12-360 months of cover left, so some
run past the horizon; sums insured lognormal, median 2,000; 40% monthly, 15% quarterly, 10%
semiannual, 25% annual, 10% single premiums; a risk premium with a loading), SULT mortality read
from the default assumption set, 5% lapse a year, 12 per policy a year and 5% of premium as
expenses, a 277-month horizon, in ONE run on one core (numba on one thread):

- the engine path: ``project_term_life`` from the model-point arrays (warm-up compile, median of
  --repeat);
- the slow per-point Python reference of the tests on a random subset of --sample points, timed
  per point and extrapolated to N; its per-month totals must agree with the kernel's on that
  subset to 1e-9 relative;
- the peak traced memory of one engine call (tracemalloc) and the process's peak resident size.

Prints, per size: median time, peak memory, the PV of net cashflows at 5% (to catch drift) and
the ratio reference / kernel, with PASS/MISS against the issue's targets (10,000 under 0.1 s,
1,000,000 under 10 s, peak under 4 GiB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

from engine.io.assumptions import load_assumptions  # noqa: E402
from engine.projection.inforce import project_term_life  # noqa: E402
from engine.reserves.accrued.alr import mortality_table  # noqa: E402
from tests.projection.inforce_reference import reference_totals  # noqa: E402

SEED = 20251231
HORIZON = 277
RATE = 0.05
LAPSE = 0.05
EXPENSE_PER_POLICY = 12.0
EXPENSE_PCT = 0.05
TARGETS = {10_000: 0.1, 1_000_000: 10.0}  # seconds
TARGET_PEAK = 4 * 2**30
MODES = np.array(["monthly", "quarterly", "semiannual", "annual", "single"])
MODE_SHARES = [0.40, 0.15, 0.10, 0.25, 0.10]


def sult():
    """The SULT of the default assumption set (Makeham A = 0.00022, B = 2.7e-6, c = 1.124)."""
    return mortality_table(load_assumptions("default"), "SULT")


def synthetic_points(n: int, table, seed: int = SEED) -> dict:
    """Term-life model points; premium = 1.3 x SI x q at the mid-term age + 20 (single: x years)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 66, n)
    term = rng.integers(12, 361, n)
    si = np.round(rng.lognormal(np.log(2_000.0), 0.6, n), 2)
    mode = MODES[rng.choice(MODES.size, size=n, p=MODE_SHARES)]
    mid_age = age + term // 24
    premium = 1.3 * si * table.qx(mid_age) + 20.0
    premium = np.round(np.where(mode == "single", premium * term / 12.0, premium), 2)
    return {"age": age.astype(np.int64), "term_months": term.astype(np.int64),
            "sum_insured": si, "annual_premium": premium, "premium_mode": mode}


def engine_call(p: dict, table, horizon: int = HORIZON):
    return project_term_life(
        p["age"], p["term_months"], p["sum_insured"], p["annual_premium"], p["premium_mode"],
        q_annual=table, lapse_annual=LAPSE, expense_per_policy_annual=EXPENSE_PER_POLICY,
        expense_pct_premium=EXPENSE_PCT, horizon_months=horizon,
    )


def run(n: int, sample: int = 500, repeat: int = 5, seed: int = SEED,
        horizon: int = HORIZON) -> dict:
    table = sult()
    p = synthetic_points(n, table, seed)
    input_bytes = sum(a.nbytes for a in p.values())
    engine_call({k: a[:10] for k, a in p.items()}, table, horizon)  # compile (or load the cache)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = engine_call(p, table, horizon)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    engine_call(p, table, horizon)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rng = np.random.default_rng(seed + 1)
    rows = np.sort(rng.choice(n, size=min(sample, n), replace=False))
    points = [(int(p["age"][i]), int(p["term_months"][i]), float(p["sum_insured"][i]),
               float(p["annual_premium"][i]), str(p["premium_mode"][i])) for i in rows]
    qlist = table.q.tolist()
    t0 = time.perf_counter()
    ref = reference_totals(qlist, table.min_age, points, LAPSE, EXPENSE_PER_POLICY, EXPENSE_PCT,
                           horizon)
    ref_seconds = time.perf_counter() - t0
    sub = engine_call({k: a[rows] for k, a in p.items()}, table, horizon)
    diff = 0.0
    for ours, theirs in (("premiums", "premium"), ("deaths_benefit", "benefit"),
                         ("expenses", "expense"), ("in_force_count", "in_force")):
        r = np.asarray(ref[theirs])
        d = np.abs(getattr(sub, ours) - r) / np.maximum(np.abs(r), 1e-300)
        diff = max(diff, float(np.where(r == 0.0, np.abs(getattr(sub, ours)), d).max(initial=0.0)))
    median = statistics.median(times)
    per_point_ref = ref_seconds / rows.size
    return {
        "n": n, "horizon_months": horizon, "median_seconds": median, "times": times,
        "peak_traced_bytes": peak, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "input_bytes": input_bytes, "pv_net": result.pv_net(RATE),
        "premiums_total": float(result.premiums.sum()),
        "deaths_benefit_total": float(result.deaths_benefit.sum()),
        "reference_sample": int(rows.size), "reference_seconds": ref_seconds,
        "reference_extrapolated_seconds": per_point_ref * n,
        "ratio": per_point_ref * n / median, "max_rel_diff": diff,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--horizon", type=int, default=HORIZON)
    ap.add_argument("--json", action="store_true", help="Print the raw results as JSON too.")
    args = ap.parse_args()
    results = []
    for n in args.sizes:
        r = run(n, args.sample, args.repeat, args.seed, args.horizon)
        results.append(r)
        target = TARGETS.get(n, 10.0 * n / 1_000_000)
        ok_time = r["median_seconds"] <= target
        ok_peak = r["peak_rss_bytes"] <= TARGET_PEAK
        print(f"model points              {r['n']:,} (term life, SULT, {r['horizon_months']} months)")
        print(f"engine median             {r['median_seconds']:.4f} s over {args.repeat} runs "
              f"(target {target:g} s): {'PASS' if ok_time else 'MISS'}")
        print(f"peak traced memory        {r['peak_traced_bytes'] / 2**20:,.1f} MiB in the call "
              f"({r['input_bytes'] / 2**20:,.1f} MiB of inputs)")
        print(f"peak resident (process)   {r['peak_rss_bytes'] / 2**30:,.2f} GiB "
              f"(target 4 GiB): {'PASS' if ok_peak else 'MISS'}")
        print(f"PV of net cashflows at 5% {r['pv_net']:,.2f}")
        print(f"reference                 {r['reference_seconds']:.2f} s for "
              f"{r['reference_sample']} points -> {r['reference_extrapolated_seconds']:,.1f} s "
              f"for {r['n']:,}")
        print(f"ratio reference / engine  {r['ratio']:,.0f}x")
        print(f"max relative difference   {r['max_rel_diff']:.2e} on the subset (limit 1e-9)")
        print()
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
