"""Benchmark: the UPR kernel against pandas, a plain copy of its inputs, and its own memory.

    python benchmarks/bench_upr.py [--n 10000000] [--seed 20251231] [--quick] [--cpu K]

On N synthetic single-premium policies (starts 2020-2026, terms 1 day to 3 years, 5% cancelled
with a refund; valuation 2025-12-31), in ONE run on one core with numba on one thread:

- the kernel on the daily pro rata basis (warm-up compile, then median of 5);
- the obvious pandas implementation on datetime64 columns (median of 3), which must agree with
  the kernel's UPR to 1e-9 relative;
- ``np.copy`` of every input array the kernel reads (median of 5): the memory-bandwidth floor;
- the peak extra resident memory of one kernel call, in a fresh process, over the input size;
- "all bases": the kernel with every policy on the monthly basis, and with annual instalments
  on 3-year terms (and the component method once the kernel has it).

Prints the medians, the UPR totals (to catch drift), the ratios and PASS/MISS against the
issue's targets. ``kernel_call`` below is the one place that knows the kernel's signature.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.calendar import NEVER
from reserva.io.arrays import day
from reserva.reserves.upr import _kernels

# ---------------------------------------------------------------------------------------------
# The kernel entry point: adapt this one function when the kernel's signature changes.


@functools.lru_cache(maxsize=1)
def _components_table() -> tuple:
    """Every policy on the default set's credit-life component profile (loan + daily +
    daily commission + daily profit, overall perspective)."""
    from reserva.io.assumptions import load_assumptions
    from reserva.reserves.upr.upr import earning_tables

    n_codes = max(_kernels.BASIS_CODES.values()) + 1
    t = earning_tables(["credit_life"] * n_codes, load_assumptions("default"))
    return t.code, t.share, t.param, t.curve_x, t.curve_y, t.curve_n


def kernel_call(arrays: BenchArrays, v: int, components: bool = False) -> np.ndarray:
    """UPR per policy at the end of day ``v`` from the kernel (``components``: component method).

    The policy's basis code is used as its product, each product having one component of
    that basis; ``components=True`` gives every product the credit-life component profile.
    """
    a = arrays
    if components:
        tables = _components_table()
    else:
        n_codes = max(_kernels.BASIS_CODES.values()) + 1
        tables = (np.arange(n_codes, dtype=np.int8).reshape(-1, 1), np.ones((n_codes, 1)),
                  np.zeros((n_codes, 1)), np.ones((1, 1)), np.ones((1, 1)),
                  np.ones(1, dtype=np.int64))
    return _kernels.upr_at(
        a.start, a.end, a.cancel, a.written_premium, a.refund, a.interval_months,
        a.basis.astype(np.int64, copy=False), *tables, np.int64(v),
        n_instalments=a.n_instalments)[3]


# ---------------------------------------------------------------------------------------------

VALUATION = "2025-12-31"
SEED = 20251231
FIRST_START, LAST_START = "2020-01-01", "2026-12-31"
MAX_TERM_DAYS = 1096  # 3 years
CANCEL_SHARE = 0.05
TARGET_PANDAS_RATIO = 10.0  # pandas / kernel >= 10
TARGET_COPY_RATIO = 5.0  # kernel / copy <= 5
TARGET_SECONDS_10M = 0.15  # daily kernel per 10M policies
TARGET_MEMORY_RATIO = 2.0  # peak extra memory / inputs <= 2
TARGET_ALL_BASES_10M = 1.0  # any basis per 10M policies
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class BenchArrays:
    """The per-policy arrays the kernel reads (day numbers int64, money float64)."""

    start: np.ndarray
    end: np.ndarray
    cancel: np.ndarray  # NEVER when not cancelled
    written_premium: np.ndarray
    refund: np.ndarray
    interval_months: np.ndarray  # 0 = single premium
    basis: np.ndarray  # earning-basis code (int64: the kernel's product index)
    n_instalments: np.ndarray  # int32, precomputed once per run as in compute_upr

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def synthetic_policies(n: int, seed: int = SEED) -> BenchArrays:
    """N single-premium policies on the daily basis: uniform starts 2020-2026, terms 1..1096
    days, lognormal premiums (median 50), 5% cancelled on a uniform day of the term with the
    pro rata unearned premium refunded."""
    rng = np.random.default_rng(seed)
    start = rng.integers(day(FIRST_START), day(LAST_START) + 1, n, dtype=np.int64)
    term = rng.integers(1, MAX_TERM_DAYS + 1, n, dtype=np.int64)
    end = start + term - 1
    written_premium = np.round(rng.lognormal(np.log(50.0), 0.8, n), 2) + 0.01
    cancelled = rng.random(n) < CANCEL_SHARE
    cancel_day = start + (rng.random(n) * term).astype(np.int64)  # in start .. end
    cancel = np.where(cancelled, cancel_day, NEVER)
    refund = np.where(cancelled, np.round(written_premium * (end - cancel_day) / term, 2), 0.0)
    return BenchArrays(
        start=start, end=end, cancel=cancel, written_premium=written_premium, refund=refund,
        interval_months=np.zeros(n, dtype=np.int64),
        basis=np.full(n, _kernels.DAILY, dtype=np.int64),
        n_instalments=np.ones(n, dtype=np.int32),
    )


def plus_years(days: np.ndarray, years: int) -> np.ndarray:
    """Day numbers ``years`` later, the day clipped to the month end (Feb 29 + 1 y = Feb 28)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + 12 * years
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    return (first.astype(np.int64) + np.minimum(day_of_month, length - 1)).astype(np.int64)


def monthly_variant(arrays: BenchArrays) -> BenchArrays:
    """The same policies, all on the monthly earning basis."""
    return replace(arrays, basis=np.full(len(arrays.start), _kernels.MONTHLY, dtype=np.int64))


def instalment_variant(arrays: BenchArrays) -> BenchArrays:
    """The same starts on 3-year terms with annual instalments (interval 12 months)."""
    end = plus_years(arrays.start, 3) - 1
    interval = np.full(len(arrays.start), 12, dtype=np.int64)
    return replace(arrays, end=end, interval_months=interval,
                   n_instalments=_kernels.instalments(arrays.start, end, interval))


def policies_frame(arrays: BenchArrays) -> pd.DataFrame:
    """The policies as an analyst holds them: datetime64 columns, NaT = not cancelled."""
    cancel = arrays.cancel.copy()
    never = cancel == NEVER
    cancel[never] = 0
    cancel_date = cancel.astype("datetime64[D]")
    cancel_date[never] = np.datetime64("NaT")
    return pd.DataFrame({
        "start_date": arrays.start.astype("datetime64[D]"),
        "end_date": arrays.end.astype("datetime64[D]"),
        "cancel_date": cancel_date,
        "written_premium": arrays.written_premium,
        "refund": arrays.refund,
    })


def pandas_upr(df: pd.DataFrame, valuation: pd.Timestamp) -> np.ndarray:
    """UPR the obvious pandas way: ``premium * (1 - clip(elapsed days / term days, 0, 1))``."""
    elapsed = (valuation - df.start_date).dt.days + 1
    term = (df.end_date - df.start_date).dt.days + 1
    frac = (elapsed / term).clip(0, 1)
    upr = df.written_premium * (1 - frac)
    upr = np.where(df.start_date > valuation, 0.0, upr)  # not yet written
    upr = np.where(df.cancel_date <= valuation, 0.0, upr)  # cancelled: refunded, none unearned
    return upr


def copy_inputs(arrays: BenchArrays) -> list[np.ndarray]:
    """``np.copy`` of every input array the kernel reads (reads and writes each byte once)."""
    return [np.copy(getattr(arrays, f.name)) for f in fields(arrays)]


def median_seconds(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``fn()``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def max_relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(|a|, |b|)`` over the elements (0 where both are 0)."""
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(rel.max()) if len(rel) else 0.0


def _status_kib(name: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise KeyError(name)


def _reset_peak() -> bool:
    """Reset the resident high-water mark to the current resident size (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def memory_worker(n: int, seed: int) -> dict:
    """In this (fresh) process: peak extra resident memory of one daily kernel call, inputs
    already allocated and the kernel already compiled."""
    v = day(VALUATION)
    arrays = synthetic_policies(n, seed)
    kernel_call(synthetic_policies(1000, seed), v)  # compile (or load the cache) first
    gc.collect()
    exact = _reset_peak()
    before_rss, before_peak = _status_kib("VmRSS"), _status_kib("VmHWM")
    upr = kernel_call(arrays, v)
    after_peak = _status_kib("VmHWM")
    del upr
    # without a reset the extra is exact if the call raised the peak, else an upper bound
    exact = exact or after_peak > before_peak
    return {"input_bytes": arrays.nbytes, "extra_bytes": (after_peak - before_rss) * 1024,
            "exact": exact}


def peak_extra_memory(n: int, seed: int) -> dict:
    """``memory_worker`` in a fresh process on one core, one thread."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--memory-worker", "--n", str(n),
         "--seed", str(seed)],
        env={**os.environ, **THREAD_ENV}, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n: int, seed: int = SEED, repeat: int = 5, pandas_repeat: int = 3) -> dict:
    """Every measurement of the benchmark on N policies; returns the numbers ``report`` prints."""
    v = day(VALUATION)
    valuation = pd.Timestamp(VALUATION)
    arrays = synthetic_policies(n, seed)
    r: dict = {"n": n, "seed": seed, "repeat": repeat, "pandas_repeat": pandas_repeat,
               "input_bytes": arrays.nbytes, "n_inputs": len(fields(arrays))}

    upr = kernel_call(arrays, v)  # warm-up: compile (or load the cache)
    r["kernel_s"] = median_seconds(partial(kernel_call, arrays, v), repeat)
    r["copy_s"] = median_seconds(partial(copy_inputs, arrays), repeat)

    df = policies_frame(arrays)
    expected = pandas_upr(df, valuation)
    r["pandas_s"] = median_seconds(partial(pandas_upr, df, valuation), pandas_repeat)
    del df
    r["kernel_total"] = float(upr.sum())
    r["pandas_total"] = float(expected.sum())
    r["max_rel_diff"] = max_relative_difference(upr, expected)
    del upr, expected
    gc.collect()

    monthly = monthly_variant(arrays)
    kernel_call(monthly, v)
    r["monthly_s"] = median_seconds(partial(kernel_call, monthly, v), repeat)
    del monthly
    instalments = instalment_variant(arrays)
    kernel_call(instalments, v)
    r["instalments_s"] = median_seconds(partial(kernel_call, instalments, v), repeat)
    del instalments
    try:
        kernel_call(arrays, v, components=True)
        r["components_s"] = median_seconds(partial(kernel_call, arrays, v, components=True),
                                           repeat)
    except NotImplementedError:
        r["components_s"] = None
    del arrays
    gc.collect()

    r["memory"] = peak_extra_memory(n, seed)
    return r


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(r: dict) -> str:
    """The printed result of ``run``: medians, totals, ratios and PASS/MISS per target."""
    n = r["n"]
    per10m = 1e7 / n
    k, p, c = r["kernel_s"], r["pandas_s"], r["copy_s"]
    mem = r["memory"]
    mem_ratio = mem["extra_bytes"] / mem["input_bytes"]
    lines = [
        f"UPR kernel, N = {n:,} policies, valuation {VALUATION}, seed {r['seed']}, "
        f"{r.get('cpus', '?')} core(s) {r.get('cpu_list', '')}, numba threads "
        f"{r.get('numba_threads', '?')}",
        f"  inputs the kernel reads: {r['n_inputs']} arrays, {r['input_bytes'] / 2**20:,.1f} MiB",
        "",
        f"  kernel, daily pro rata     {k:9.4f} s  (median of {r['repeat']}, after a warm-up)",
        f"  pandas, datetime64 columns {p:9.4f} s  (median of {r['pandas_repeat']})",
        f"  np.copy of the inputs      {c:9.4f} s  (median of {r['repeat']})",
        f"  UPR total: kernel {r['kernel_total']:,.2f}, pandas {r['pandas_total']:,.2f}; "
        f"max relative difference {r['max_rel_diff']:.1e} (limit 1e-9)",
        "",
        f"  pandas / kernel      {p / k:8.1f} x    target >= {TARGET_PANDAS_RATIO:g} x    "
        f"{_verdict(p / k >= TARGET_PANDAS_RATIO)}",
        f"  kernel / copy        {k / c:8.2f} x    target <= {TARGET_COPY_RATIO:g} x     "
        f"{_verdict(k / c <= TARGET_COPY_RATIO)}",
        f"  kernel per 10M       {k * per10m:8.3f} s    target <= {TARGET_SECONDS_10M:g} s  "
        f"{_verdict(k * per10m <= TARGET_SECONDS_10M)}",
        f"  peak extra memory    {mem_ratio:8.2f} x    target <= {TARGET_MEMORY_RATIO:g} x     "
        f"{_verdict(mem_ratio <= TARGET_MEMORY_RATIO)}   "
        f"({mem['extra_bytes'] / 2**20:,.1f} MiB over {mem['input_bytes'] / 2**20:,.1f} MiB of "
        f"inputs{'' if mem['exact'] else ', upper bound'})",
        "",
        f"  all bases, per 10M policies (target <= {TARGET_ALL_BASES_10M:g} s each):",
    ]
    for label, key in (("monthly basis", "monthly_s"),
                       ("annual instalments, 3-year terms", "instalments_s")):
        s = r[key] * per10m
        lines.append(f"    {label:<34} {s:7.3f} s  {_verdict(s <= TARGET_ALL_BASES_10M)}")
    if r["components_s"] is None:
        lines.append("    component method: pending")
    else:
        s = r["components_s"] * per10m
        lines.append(f"    {'component method':<34} {s:7.3f} s  "
                     f"{_verdict(s <= TARGET_ALL_BASES_10M)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of policies")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="N = 1,000,000 (a smoke check)")
    parser.add_argument("--cpu", type=int, default=None,
                        help="the core to pin to (default: the last one allowed)")
    parser.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = 1_000_000 if args.quick else args.n
    if any(os.environ.get(k) != val for k, val in THREAD_ENV.items()):
        # numba reads its thread count at import: start again with the environment set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **THREAD_ENV})
    cpu = max(os.sched_getaffinity(0)) if args.cpu is None else args.cpu
    os.sched_setaffinity(0, {cpu})
    if args.memory_worker:
        print(json.dumps(memory_worker(n, args.seed)))
        return
    import numba

    r = run(n, args.seed)
    r.update(cpus=len(os.sched_getaffinity(0)), cpu_list=sorted(os.sched_getaffinity(0)),
             numba_threads=numba.config.NUMBA_NUM_THREADS)
    print(report(r))
    assert r["max_rel_diff"] <= 1e-9, "kernel and pandas UPR disagree"


if __name__ == "__main__":
    main()
