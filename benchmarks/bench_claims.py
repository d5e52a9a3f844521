"""Benchmark: claims reserving, one section per part.

    python benchmarks/bench_claims.py [--parts a b c] [--n 10000000] [--verify-n 200000]
                                      [--seed 20251231] [--cap 600] [--cpu K]

Part (a), triangle construction. N synthetic claim records (10 segments, event dates uniform
over the ten years 2016-2025, report lags in days geometric (even segments) or lognormal (odd
segments) with medians from 7 days to about a year, capped at 10 years; lognormal claimed
amounts), valued at 2025-12-31 on a monthly grain: a 10 x 120 x 120 triangle.

- ours: ``reporting_triangle`` on the int64 day-number arrays the engine holds (amounts AND
  counts in one call), warm-up then median of 5, in a fresh process;
- chainladder: ``chainladder.Triangle`` from the long table (segment, event_date as origin,
  report_date as development, amount; ``cumulative=False``, ``.grain("OMDM")`` if it inferred
  another grain), after dropping the claims not yet reported at the valuation date; timed once
  in a fresh process, stopped at ``--cap`` seconds (then reported as "> cap");
- both cumulative triangles compared cell by cell (1e-6 relative) at ``--verify-n`` records and,
  when chainladder finished, at N.

Every process is pinned to one core with numba on one thread. Prints the sizes, the times, the
peak resident memory of each process (ru_maxrss: data generation, inputs and the call), the
triangle totals (to catch drift), the ratio and PASS/MISS against the target (ours >= 10x
faster). Parts (b) and (c), the batched reserving methods, say "pending" until
``engine.reserves.claims.methods`` provides ``mack``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from engine.io.arrays import day

VALUATION = "2025-12-31"
FIRST_EVENT = "2016-01-01"  # ten years of event dates: 120 monthly origins
GRAIN = 1  # months
N_SEGMENTS = 10
SEED = 20251231
CHUNK = 1_000_000  # records generated per draw (keeps generation temporaries small)
MAX_LAG_DAYS = 3652  # 10 years
LAG_MEDIAN_DAYS = 7.0 * 1.55 ** np.arange(N_SEGMENTS)  # 7 .. 361 days
LAG_SIGMA = 1.2  # lognormal lags (odd segments)
AMOUNT_MEDIAN, AMOUNT_SIGMA = 500.0, 1.0
TARGET_RATIO = 10.0  # chainladder / ours >= 10
TOLERANCE = 1e-6  # relative, cell by cell
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}
SCRIPT = str(Path(__file__).resolve())


# ---------------------------------------------------------------------------------------------
# Part (a): synthetic claims and the two triangle builders


@dataclass(frozen=True)
class ClaimArrays:
    """Claim records as the engine holds them (day numbers int64, money float64)."""

    segment: np.ndarray
    event_day: np.ndarray
    report_day: np.ndarray
    amount: np.ndarray

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def synthetic_claims(n: int, seed: int = SEED) -> ClaimArrays:
    """N claims: segment uniform in 0..9, event day uniform over 2016-2025, report lag in days
    geometric with the segment's median (even segments) or lognormal (odd segments, sigma
    1.2), capped at 10 years; claimed amount lognormal (median 500, sigma 1), in cents."""
    rng = np.random.default_rng(seed)
    first, last = day(FIRST_EVENT), day(VALUATION)
    out = ClaimArrays(np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64),
                      np.empty(n, np.float64))
    geometric_p = 1.0 - 0.5 ** (1.0 / LAG_MEDIAN_DAYS)  # P(lag <= median) = 1/2
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        m = hi - lo
        seg = rng.integers(0, N_SEGMENTS, m)
        event = rng.integers(first, last + 1, m, dtype=np.int64)
        geometric = rng.geometric(geometric_p[seg]) - 1
        lognormal = np.floor(rng.lognormal(np.log(LAG_MEDIAN_DAYS[seg]), LAG_SIGMA))
        lag = np.where(seg % 2 == 0, geometric, lognormal)
        out.segment[lo:hi] = seg
        out.event_day[lo:hi] = event
        out.report_day[lo:hi] = event + np.minimum(lag, MAX_LAG_DAYS).astype(np.int64)
        out.amount[lo:hi] = np.round(rng.lognormal(np.log(AMOUNT_MEDIAN), AMOUNT_SIGMA, m), 2)
    return out


def claims_frame(c: ClaimArrays):
    """The same claims as a long table: segment, event_date, report_date, amount."""
    import pandas as pd

    return pd.DataFrame({
        "segment": c.segment,
        "event_date": c.event_day.astype("datetime64[D]"),
        "report_date": c.report_day.astype("datetime64[D]"),
        "amount": c.amount,
    })


def ours(c: ClaimArrays, valuation_day: int):
    """The engine's triangle (the one place that knows ``reporting_triangle``'s signature)."""
    from engine.reserves.claims.triangles import reporting_triangle

    return reporting_triangle(c.segment, np.arange(N_SEGMENTS), c.event_day, c.report_day,
                              c.amount, valuation_day, GRAIN, first_day=day(FIRST_EVENT))


def theirs(frame, valuation: str):
    """``chainladder.Triangle`` of the claims known at the valuation date (incremental)."""
    import warnings

    import chainladder as cl
    import pandas as pd

    v = pd.Timestamp(valuation)
    known = frame[(frame["report_date"] <= v) & (frame["event_date"] <= v)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tri = cl.Triangle(known, origin="event_date", development="report_date",
                          columns="amount", index="segment", cumulative=False)
        if tri.origin_grain != "M" or tri.development_grain != "M":
            tri = tri.grain("OMDM")
    return tri


def our_cumulative(tri) -> np.ndarray:
    """Cumulative amounts [segment, origin, lag] of our triangle, NaN outside."""
    return tri.cumulative(tri.amount)


def their_cumulative(tri, n_origins: int, first_month: int) -> np.ndarray:
    """chainladder's cumulative amounts placed on our grid [segment, origin, lag].

    chainladder keeps only the origins and development ages it saw and stores a cumulative 0
    as NaN, so: rows and columns are placed by origin month and age (lag = age - 1), ages past
    its last one carry its last column forward up to the valuation, and NaN stays NaN here (the
    caller reads NaN inside our triangle as 0).
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cum = tri.incr_to_cum().set_backend("numpy")
        values = np.asarray(cum.values, dtype=float)[:, 0]  # [segment, origin, age]
        origin = cum.origin
        ages = np.asarray(cum.development, dtype=np.int64)
        segments = np.asarray(cum.index["segment"], dtype=np.int64)
    out = np.full((N_SEGMENTS, n_origins, n_origins), np.nan)
    month = (np.asarray(origin.year) - 1970) * 12 + np.asarray(origin.month) - 1  # as datetime64[M]
    rows = month - first_month
    lags = ages - 1
    ok_r = (rows >= 0) & (rows < n_origins)
    ok_c = (lags >= 0) & (lags < n_origins)
    if ok_r.sum() < len(rows) or ok_c.sum() < len(lags):
        raise AssertionError("chainladder's triangle has origins or ages outside our grid")
    out[np.ix_(segments, rows, lags)] = values
    last = int(lags.max())
    out[:, :, last + 1:] = out[:, :, last:last + 1]
    after = np.add.outer(np.arange(n_origins), np.arange(n_origins)) >= n_origins
    out[:, after & (np.arange(n_origins) > last)] = np.nan  # carried past the valuation
    return out


def compare(mine: np.ndarray, other: np.ndarray) -> dict:
    """Cell-by-cell difference inside our triangle (their NaN = 0 there); outside ours, they
    must hold nothing."""
    inside = ~np.isnan(mine)
    a = mine[inside]
    b = np.nan_to_num(other[inside])
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    stray = np.isfinite(other[~inside]) & (other[~inside] != 0)
    return {"cells": int(inside.sum()), "max_abs": float(diff.max()), "max_rel": float(rel.max()),
            "stray_outside": int(stray.sum())}


# ---------------------------------------------------------------------------------------------
# Part (a): one side per fresh process


def _pin(cpu: int | None) -> None:
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0)) if cpu is None else cpu})


def _status_kib(pid: int | str, name: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise KeyError(name)


def _maxrss_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker(side: str, n: int, seed: int, repeat: int, out_path: str) -> dict:
    """In this fresh process: generate the claims, build the triangle on ``side`` (ours:
    warm-up + median of ``repeat``; chainladder: once), save its cumulative triangle to
    ``out_path`` and return the figures. Prints "ready" once the inputs exist."""
    v = day(VALUATION)
    claims = synthetic_claims(n, seed)
    n_known = int(np.count_nonzero(claims.report_day <= v))
    first_month = int(np.datetime64(FIRST_EVENT, "M").astype(np.int64))
    r: dict = {"side": side, "n": n, "known": n_known}
    if side == "ours":
        r["input_bytes"] = claims.nbytes
        r["rss_before"] = _status_kib("self", "VmRSS") * 1024
        print("ready", flush=True)
        tri = ours(claims, v)  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            tri = ours(claims, v)
            times.append(time.perf_counter() - t0)
        r["seconds"] = statistics.median(times)
        r["count"] = float(np.nansum(tri.count))
        cum = our_cumulative(tri)
    else:
        import chainladder  # noqa: F401  (imported before the clock starts)

        frame = claims_frame(claims)
        del claims
        r["input_bytes"] = int(frame.memory_usage(index=False).sum())
        r["rss_before"] = _status_kib("self", "VmRSS") * 1024
        print("ready", flush=True)
        t0 = time.perf_counter()
        tri = theirs(frame, VALUATION)
        r["seconds"] = time.perf_counter() - t0
        n_origins = int(np.datetime64(VALUATION, "M").astype(np.int64)) - first_month + 1
        cum = their_cumulative(tri, n_origins, first_month)
    r["peak_bytes"] = _maxrss_bytes()
    r["total"] = float(np.nansum(_latest(cum)))
    r["shape"] = list(cum.shape)
    np.save(out_path, cum)
    return r


def _latest(cum: np.ndarray) -> np.ndarray:
    """The latest diagonal [segment, origin] of a cumulative triangle on our grid."""
    n = cum.shape[1]
    return cum[:, np.arange(n), n - 1 - np.arange(n)]


def run_side(side: str, n: int, seed: int, repeat: int, cap: float | None, cpu: int | None,
             folder: str) -> dict:
    """``worker`` in a fresh process pinned to one core; the clock for ``cap`` (None: no cap)
    starts once the worker's inputs exist. A worker stopped at the cap returns
    ``seconds = None`` and the peak memory it had reached (None if unreadable)."""
    out_path = str(Path(folder) / f"{side}_{n}.npy")
    cmd = [sys.executable, SCRIPT, "--worker", side, "--n", str(n), "--seed", str(seed),
           "--repeat", str(repeat), "--out", out_path]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, env={**os.environ, **THREAD_ENV}, stdout=subprocess.PIPE,
                                stderr=err, text=True)
        ready = proc.stdout.readline().strip()
        try:
            proc.wait(timeout=cap if ready == "ready" else None)
        except subprocess.TimeoutExpired:
            try:
                peak = _status_kib(proc.pid, "VmHWM") * 1024
            except (OSError, KeyError):  # already exiting
                peak = None
            proc.kill()
            proc.wait()
            return {"side": side, "n": n, "seconds": None, "peak_bytes": peak, "cap": cap}
        out = proc.stdout.read()
        proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{side} worker failed:\n{err.read()}")
    r = json.loads(out.strip().splitlines()[-1])
    r["triangle"] = np.load(out_path)
    return r


def run_a(n: int = 10_000_000, seed: int = SEED, repeat: int = 5, verify_n: int | None = 200_000,
          cap: float = 600.0, cpu: int | None = None) -> dict:
    """Every measurement of part (a); returns the numbers ``report_a`` prints.

    ``verify_n = None`` skips the separate comparison run (the comparison at N still runs when
    chainladder finishes)."""
    r: dict = {"n": n, "seed": seed, "repeat": repeat, "cap": cap}
    with tempfile.TemporaryDirectory() as folder:
        if verify_n is not None:
            a = run_side("ours", verify_n, seed, 1, None, cpu, folder)
            b = run_side("chainladder", verify_n, seed, 1, cap, cpu, folder)
            r["verify"] = {"n": verify_n, "stopped": True} if b["seconds"] is None else {
                "n": verify_n, **compare(a["triangle"], b["triangle"])}
        mine = run_side("ours", n, seed, repeat, None, cpu, folder)
        other = run_side("chainladder", n, seed, 1, cap, cpu, folder)
    r["ours"] = {k: v for k, v in mine.items() if k != "triangle"}
    r["chainladder"] = {k: v for k, v in other.items() if k != "triangle"}
    if other["seconds"] is not None:
        r["full"] = {"n": n, **compare(mine["triangle"], other["triangle"])}
    return r


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _check_line(c: dict, label: str) -> str:
    ok = c["max_rel"] <= TOLERANCE and c["stray_outside"] == 0
    return (f"  {label}: {c['cells']:,} cells, max |difference| {c['max_abs']:.3g}, max relative "
            f"{c['max_rel']:.1e} (limit {TOLERANCE:g}), values outside our triangle "
            f"{c['stray_outside']}  {_verdict(ok)}")


def report_a(r: dict) -> str:
    """The printed result of ``run_a``."""
    o, c = r["ours"], r["chainladder"]
    shape = " x ".join(str(k) for k in o["shape"])
    lines = [
        f"(a) triangle from claim records: N = {r['n']:,} claims ({o['known']:,} reported by "
        f"{VALUATION}), seed {r['seed']}, {N_SEGMENTS} segments, grain {GRAIN} month, "
        f"triangle {shape}; one core {r.get('cpu_list', '')}, numba threads "
        f"{r.get('numba_threads', '?')}",
        f"  inputs: ours {o['input_bytes'] / 2**20:,.1f} MiB of arrays, chainladder "
        + ("n/a" if "input_bytes" not in c else f"{c['input_bytes'] / 2**20:,.1f} MiB long table"),
        "",
        f"  ours, reporting_triangle      {o['seconds']:9.3f} s  (median of {r['repeat']}, "
        "after a warm-up; amounts and counts)",
    ]
    if c["seconds"] is None:
        lines.append(f"  chainladder.Triangle          > {r['cap']:g} s  (once; stopped at the cap)")
    else:
        lines.append(f"  chainladder.Triangle          {c['seconds']:9.3f} s  (once)")
    def gib(x) -> str:
        return "n/a" if x is None else f"{x / 2**30:.2f} GiB"

    stopped = c["seconds"] is None
    lines += [
        f"  peak memory (ru_maxrss)       ours {gib(o['peak_bytes'])}, chainladder "
        f"{gib(c['peak_bytes'])}{' (at the cap)' if stopped else ''}  (before the call: ours "
        f"{gib(o['rss_before'])}, chainladder {gib(c.get('rss_before'))})",
        f"  triangle total (latest diagonal): ours {o['total']:,.2f} ({o['count']:,.0f} claims), "
        f"chainladder {'n/a' if stopped else format(c['total'], ',.2f')}",
    ]
    if r.get("verify", {}).get("stopped"):
        lines.append(f"  same cumulative triangle at {r['verify']['n']:,}: not compared "
                     "(chainladder stopped at the cap)")
    elif "verify" in r:
        lines.append(_check_line(r["verify"], f"same cumulative triangle at {r['verify']['n']:,}"))
    if "full" in r:
        lines.append(_check_line(r["full"], f"same cumulative triangle at {r['n']:,}"))
    if c["seconds"] is None:
        ratio = r["cap"] / o["seconds"]
        lines.append(f"  chainladder / ours    > {ratio:8.1f} x    target >= {TARGET_RATIO:g} x    "
                     f"{_verdict(ratio >= TARGET_RATIO)}")
    else:
        ratio = c["seconds"] / o["seconds"]
        lines.append(f"  chainladder / ours      {ratio:8.1f} x    target >= {TARGET_RATIO:g} x    "
                     f"{_verdict(ratio >= TARGET_RATIO)}")
    return "\n".join(lines)


def part_a(args) -> str:
    import numba

    r = run_a(args.n, args.seed, args.repeat, None if args.verify_n <= 0 else args.verify_n,
              args.cap, args.cpu)
    r.update(cpu_list=sorted(os.sched_getaffinity(0)), numba_threads=numba.config.NUMBA_NUM_THREADS)
    return report_a(r)


# ---------------------------------------------------------------------------------------------
# Parts (b) and (c): batched reserving methods


def methods_module(name: str = "engine.reserves.claims.methods"):
    """The batched methods module when it can be imported and provides ``mack``, else None."""
    import importlib

    try:
        methods = importlib.import_module(name)
    except Exception:  # noqa: BLE001 (a module being written may fail in any way)
        return None
    return methods if hasattr(methods, "mack") else None


def _pending(label: str) -> str:
    if methods_module() is None:
        return f"({label}) pending: engine.reserves.claims.methods not available"
    return f"({label}) pending: engine.reserves.claims.methods.mack is available, part not written"


def part_b(args) -> str:
    return _pending("b")


def part_c(args) -> str:
    return _pending("c")


PARTS = {"a": part_a, "b": part_b, "c": part_c}


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=sorted(PARTS), default=sorted(PARTS))
    parser.add_argument("--n", type=int, default=10_000_000, help="claim records in part (a)")
    parser.add_argument("--verify-n", type=int, default=200_000,
                        help="records of part (a)'s comparison run (0: none)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cap", type=float, default=600.0,
                        help="seconds after which chainladder is stopped")
    parser.add_argument("--cpu", type=int, default=None,
                        help="the core to pin to (default: the last one allowed)")
    parser.add_argument("--worker", choices=["ours", "chainladder"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if any(os.environ.get(k) != val for k, val in THREAD_ENV.items()):
        # numba reads its thread count at import: start again with the environment set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **THREAD_ENV})
    _pin(args.cpu)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.seed, args.repeat, args.out)))
        return
    for i, name in enumerate(args.parts):
        print(("\n" if i else "") + PARTS[name](args), flush=True)


if __name__ == "__main__":
    main()
