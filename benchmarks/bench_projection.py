"""Benchmark: monthly in-force projection of term-life model points against the per-point reference.

    python benchmarks/bench_projection.py [--sizes 10000 1000000] [--sample 500] [--seed 20251231]
                                          [--repeat 5] [--horizon 277]
                                          [--parts inforce alm] [--alm-sizes 1000x120]
                                          [--alm-repeat 21] [--alm-reinvest-rate 0.03]

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

Second part (``--parts alm``): the ALM cash-matching LP on B candidate bonds x T monthly periods
(``--alm-sizes BxT``, default 1000x120). Liabilities: a run-off 1,000,000 exp(-t/48) with +-15%
uniform noise, rounded to cents. Bonds (face 100): maturities 1..T months (the first T bonds
take every month once, so each period has a redemption and the problem without reinvestment is
feasible), 20% zero-coupon, 40% semiannual and 40% annual coupons at 5% + N(0, 1%) paid back
from maturity, priced at a flat 5% yield plus a N(0, 25 bp) spread per bond (near par). Solved
by ``cash_match`` without and with a reinvestment rate (``--alm-reinvest-rate``, annual, carried
month to month through ``times`` in years), each timed side by side with the same LP handed to
``scipy.optimize.linprog(method="highs")`` as dense matrices (the naive formulation: -F^T, or
[F^T | carry] with the carry as a dense T x T matrix, built inside the clock), calls
interleaved, warm-up first, median of --alm-repeat. Prints size, median times, peak memory of
one call (traced and resident), the cost and the number of bonds held, the ratio dense / ours,
the relative difference of the two costs (limit 1e-6) and PASS/MISS against the 2 s target at
1000x120.
"""

from __future__ import annotations

import argparse
import ctypes
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
from scipy.optimize import linprog  # noqa: E402

from reserva.io.assumptions import load_assumptions  # noqa: E402
from reserva.projection.inforce import project_term_life  # noqa: E402
from reserva.projection.matching import cash_match  # noqa: E402
from reserva.reserves.accrued.alr import mortality_table  # noqa: E402
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


# --------------------------------------------------------------------------- ALM cash matching

ALM_SIZE = (1_000, 120)  # candidate bonds x monthly periods
ALM_TARGET = 2.0  # seconds, at ALM_SIZE, with and without reinvestment
ALM_YIELD = 0.05  # flat annual yield the bonds are priced from
ALM_REINVEST = 0.03  # annual reinvestment rate of the second solve
ALM_FACE = 100.0
ALM_KINDS = np.array([0, 2, 1])  # coupons a year: zero-coupon, semiannual, annual
ALM_KIND_SHARES = [0.20, 0.40, 0.40]


def alm_problem(n_bonds: int, n_periods: int, seed: int = SEED) -> dict:
    """Liabilities L_t = 1e6 exp(-t/48) (1 + U(-0.15, 0.15)) and n_bonds bonds of face 100 paying
    coupons back from maturity; price_j = Σ_t flow[j,t] (1 + 5% + spread_j)^(-t/12)."""
    if n_bonds < n_periods or n_periods < 1:
        raise ValueError(f"need at least one bond per period; got {n_bonds} bonds for "
                         f"{n_periods} periods")
    rng = np.random.default_rng(seed)
    t = np.arange(1, n_periods + 1)
    liabilities = np.round(1e6 * np.exp(-t / 48.0) * (1.0 + rng.uniform(-0.15, 0.15, n_periods)), 2)
    maturity = np.concatenate([rng.permutation(n_periods) + 1,
                               rng.integers(1, n_periods + 1, n_bonds - n_periods)])
    rng.shuffle(maturity)
    per_year = ALM_KINDS[rng.choice(ALM_KINDS.size, size=n_bonds, p=ALM_KIND_SHARES)]
    coupon_rate = np.where(per_year == 0, 0.0,
                           np.maximum(np.round(ALM_YIELD + rng.normal(0.0, 0.01, n_bonds), 4), 0.005))
    flows = np.zeros((n_bonds, n_periods))
    rows = np.arange(n_bonds)
    flows[rows, maturity - 1] = ALM_FACE
    coupon = ALM_FACE * coupon_rate / np.maximum(per_year, 1)
    step = 12 // np.maximum(per_year, 1)
    for k in range(n_periods // 6 + 1):  # the k-th coupon back from maturity
        month = maturity - k * step
        paid = (per_year > 0) & (month >= 1)
        flows[rows[paid], month[paid] - 1] += coupon[paid]
    spread = rng.normal(0.0, 0.0025, n_bonds)
    discount = (1.0 + ALM_YIELD + spread[:, None]) ** (-t[None, :] / 12.0)
    prices = np.round((flows * discount).sum(axis=1), 4)
    return {"prices": prices, "flows": flows, "liabilities": liabilities,
            "times": t / 12.0, "maturity": maturity, "per_year": per_year}


def dense_linprog(prices, flows, liabilities, reinvest_rate=None, times=None):
    """The naive formulation, dense: min p·x s.t. -Fᵀx <= -L; or, reinvested, with surplus
    variables s: [Fᵀ | C] (x, s) = L, C = -I + subdiagonal (1+r)^(Δtime)."""
    m = liabilities.size
    if reinvest_rate is None:
        return linprog(prices, A_ub=-flows.T, b_ub=-liabilities, bounds=(0, None),
                       method="highs")
    carry = -np.eye(m)
    carry[np.arange(1, m), np.arange(m - 1)] = (1.0 + reinvest_rate) ** np.diff(times)
    return linprog(np.concatenate([prices, np.zeros(m)]), A_eq=np.hstack([flows.T, carry]),
                   b_eq=liabilities, bounds=(0, None), method="highs")


def _resident_kib(name: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _call_memory(fn) -> tuple[int, int | None]:
    """(peak traced bytes, peak resident bytes above the start) of fn(), from two calls. The
    resident peak (VmHWM, reset through /proc/self/clear_refs after freed heap memory is handed
    back) also sees the solver's C++ memory, which tracemalloc does not; None without Linux's
    /proc."""
    resident = None
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = _resident_kib("VmRSS")
    except OSError:
        before = None
    fn()
    hwm = _resident_kib("VmHWM")
    if before is not None and hwm is not None:
        resident = max(hwm - before, 0) * 1024
    tracemalloc.start()
    fn()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return traced, resident


def run_alm(n_bonds: int = ALM_SIZE[0], n_periods: int = ALM_SIZE[1], repeat: int = 21,
            seed: int = SEED, reinvest_rate: float = ALM_REINVEST) -> dict:
    """Times cash_match against dense linprog, without and with reinvestment, side by side."""
    prob = alm_problem(n_bonds, n_periods, seed)
    p, f, liab, t = prob["prices"], prob["flows"], prob["liabilities"], prob["times"]
    out = {"part": "alm_cash_match", "n_bonds": n_bonds, "n_periods": n_periods,
           "flow_nonzeros": int(np.count_nonzero(f)), "liabilities_total": float(liab.sum()),
           "zero_coupon_bonds": int((prob["per_year"] == 0).sum()), "cases": []}
    for rate in (None, reinvest_rate):
        def ours(rate=rate):
            return cash_match(p, f, liab, reinvest_rate=rate, times=t)

        def dense(rate=rate):
            return dense_linprog(p, f, liab, rate, t)

        ours(), dense()  # warm-up
        ours_times, dense_times = [], []
        for _ in range(repeat):  # interleaved, so both sides see the same machine state
            t0 = time.perf_counter()
            res = ours()
            ours_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref = dense()
            dense_times.append(time.perf_counter() - t0)
        if ref.status != 0:
            raise RuntimeError(f"dense linprog failed: {ref.message}")
        ours_traced, ours_resident = _call_memory(ours)
        dense_traced, dense_resident = _call_memory(dense)
        ours_median = statistics.median(ours_times)
        dense_median = statistics.median(dense_times)
        out["cases"].append({
            "reinvest_rate": rate, "median_seconds": ours_median, "times": ours_times,
            "dense_median_seconds": dense_median, "dense_times": dense_times,
            "ratio": dense_median / ours_median,
            "cost": res.cost, "dense_cost": float(ref.fun),
            "cost_rel_diff": abs(res.cost - float(ref.fun)) / abs(float(ref.fun)),
            "bonds_held": int((res.holdings > 0).sum()),
            "dense_bonds_held": int((np.asarray(ref.x[:n_bonds]) > 0).sum()),
            "min_surplus": float(res.surplus.min()),
            "peak_traced_bytes": ours_traced, "peak_resident_bytes": ours_resident,
            "dense_peak_traced_bytes": dense_traced, "dense_peak_resident_bytes": dense_resident,
        })
    return out


def _mib(b: int | None) -> str:
    return "n/a" if b is None else f"{b / 2**20:,.1f} MiB"


def print_alm(r: dict, repeat: int) -> None:
    size = (r["n_bonds"], r["n_periods"])
    target = ALM_TARGET if size == ALM_SIZE else None
    print(f"ALM cash matching         {r['n_bonds']:,} candidate bonds x {r['n_periods']} monthly "
          f"periods ({r['zero_coupon_bonds']:,} zero-coupon; {r['flow_nonzeros']:,} non-zero flows)")
    print(f"liabilities total         {r['liabilities_total']:,.2f}")
    for c in r["cases"]:
        what = "no reinvestment" if c["reinvest_rate"] is None else \
            f"reinvested at {c['reinvest_rate']:.2%} a year"
        verdict = "(no target)" if target is None else \
            f"(target {target:g} s): {'PASS' if c['median_seconds'] <= target else 'MISS'}"
        agree = "PASS" if c["cost_rel_diff"] <= 1e-6 else "MISS"
        print(f"  {what}")
        print(f"  cash_match median       {c['median_seconds']:.4f} s over {repeat} runs {verdict}")
        print(f"  dense linprog median    {c['dense_median_seconds']:.4f} s over {repeat} runs")
        print(f"  ratio dense / ours      {c['ratio']:.2f}x")
        print(f"  peak memory of one call ours {_mib(c['peak_traced_bytes'])} traced, "
              f"{_mib(c['peak_resident_bytes'])} resident; dense "
              f"{_mib(c['dense_peak_traced_bytes'])} traced, "
              f"{_mib(c['dense_peak_resident_bytes'])} resident")
        print(f"  cost                    {c['cost']:,.2f} (dense {c['dense_cost']:,.2f})")
        print(f"  bonds held              {c['bonds_held']} (dense {c['dense_bonds_held']})")
        print(f"  cost relative diff.     {c['cost_rel_diff']:.2e} (limit 1e-6): {agree}")
        print(f"  smallest surplus        {c['min_surplus']:.2e} (>= 0 up to rounding)")
    print()


def _alm_size(text: str) -> tuple[int, int]:
    try:
        bonds, periods = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected BONDSxPERIODS, e.g. 1000x120") from None
    if periods < 1 or bonds < periods:
        raise argparse.ArgumentTypeError(f"{text!r}: need periods >= 1 and bonds >= periods")
    return bonds, periods


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--horizon", type=int, default=HORIZON)
    ap.add_argument("--json", action="store_true", help="Print the raw results as JSON too.")
    ap.add_argument("--parts", nargs="+", choices=["inforce", "alm"], default=["inforce", "alm"])
    ap.add_argument("--alm-sizes", type=_alm_size, nargs="+", default=[ALM_SIZE],
                    metavar="BONDSxPERIODS")
    ap.add_argument("--alm-repeat", type=int, default=21)
    ap.add_argument("--alm-reinvest-rate", type=float, default=ALM_REINVEST)
    args = ap.parse_args()
    results = []
    for n in (args.sizes if "inforce" in args.parts else []):
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
    for bonds, periods in (args.alm_sizes if "alm" in args.parts else []):
        r = run_alm(bonds, periods, args.alm_repeat, args.seed, args.alm_reinvest_rate)
        results.append(r)
        print_alm(r, args.alm_repeat)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
