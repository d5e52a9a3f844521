"""Benchmark: claims reserving, one section per part.

    python benchmarks/bench_claims.py [--parts a b c] [--n 10000000] [--verify-n 200000]
                                      [--segments 200] [--big-segments 1000] [--size 120]
                                      [--seed 20251231] [--repeat 5] [--cap 600] [--cpu K]

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

Part (b), Mack chain ladder on ``--segments`` (200) synthetic monthly cumulative triangles of
``--size`` x ``--size`` (120: ten years of origins valued at 2025-12-31; see
``synthetic_triangles``):

- ours: ``development_factors`` (volume) + ``mack`` (sigma extrapolated log-linearly, as
  chainladder does by default) on the dense array, warm-up then median of ``--repeat``;
- chainladder: ``chainladder.Triangle`` with one index value per segment, built from the long
  table before the clock; timed: ``MackChainladder().fit`` + the total standard error + ``ibnr_``,
  median of 3 when a fit takes under 20 s, else once; stopped at ``--cap`` seconds;
- total IBNR and total Mack standard error compared segment by segment (1e-6 relative).

Part (c), the same on ``--big-segments`` (1,000) triangles: ours must take under 1 s and stay
under 1 GiB of peak memory (the whole process); chainladder once, stopped at ``--cap``.

Every process is fresh, pinned to one core with numba on one thread. Prints the sizes, the
times, the peak resident memory of each process (VmHWM: data generation, inputs and the call),
the totals (to catch drift), the ratio and PASS/MISS against the targets (ours >= 10x faster
than chainladder in parts (a) and (b)). Parts (b) and (c) say "pending" until
``reserva.reserves.claims.methods`` provides ``mack``.
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


def day(date: str) -> int:
    """The engine's day number of an ISO date (imported here: the module loads pandas, which
    the Mack workers of parts (b) and (c) do not need)."""
    from reserva.io.arrays import day as engine_day

    return engine_day(date)


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
    from reserva.reserves.claims.triangles import reporting_triangle

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


def _peak_bytes() -> int:
    """Peak resident memory of this process image (VmHWM). Not ru_maxrss: Linux carries it over
    fork + exec, so a fresh worker would report at least the parent's resident size."""
    return _status_kib("self", "VmHWM") * 1024


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
    r["peak_bytes"] = _peak_bytes()
    r["total"] = float(np.nansum(_latest(cum)))
    r["shape"] = list(cum.shape)
    np.save(out_path, cum)
    return r


def _latest(cum: np.ndarray) -> np.ndarray:
    """The latest diagonal [segment, origin] of a cumulative triangle on our grid."""
    n = cum.shape[1]
    return cum[:, np.arange(n), n - 1 - np.arange(n)]


def _spawn(worker_args: list[str], out_path: str, cap: float | None, cpu: int | None) -> dict:
    """This script as a worker (``--worker ...``) in a fresh process pinned to one core; the
    clock for ``cap`` (None: no cap) starts once the worker's inputs exist ("ready"). Returns
    the worker's figures, or ``seconds = None`` and the peak memory it had reached (None if
    unreadable) when it was stopped at the cap."""
    cmd = [sys.executable, SCRIPT, "--worker", *worker_args, "--out", out_path]
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
            return {"seconds": None, "peak_bytes": peak, "cap": cap}
        out = proc.stdout.read()
        proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{worker_args[0]} worker failed:\n{err.read()}")
    return json.loads(out.strip().splitlines()[-1])


def run_side(side: str, n: int, seed: int, repeat: int, cap: float | None, cpu: int | None,
             folder: str) -> dict:
    """``worker`` in a fresh pinned process (see ``_spawn``), with its cumulative triangle."""
    out_path = str(Path(folder) / f"{side}_{n}.npy")
    r = _spawn([side, "--n", str(n), "--seed", str(seed), "--repeat", str(repeat)], out_path,
               cap, cpu)
    if r["seconds"] is None:
        return {"side": side, "n": n, **r}
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
        f"  peak memory (VmHWM)           ours {gib(o['peak_bytes'])}, chainladder "
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
# Parts (b) and (c): Mack chain ladder on many monthly triangles

MACK_SEGMENTS = 200  # part (b)
MACK_BIG_SEGMENTS = 1_000  # part (c)
MACK_SIZE = 120  # origins = development lags (monthly, ten years)
MACK_REPEAT_CL = 3  # chainladder's median of 3 in part (b) when its first fit is quick ...
MACK_QUICK_SECONDS = 20.0  # ... under this many seconds
TARGET_SECONDS = 1.0  # part (c), ours on 1,000 segments
TARGET_PEAK_BYTES = 2**30  # part (c), ours: the whole process's peak resident memory
# synthetic development (see ``synthetic_triangles``)
LAG_MEDIAN_MONTHS = (1.0, 12.0)
LAG_LOG_SIGMA = (0.6, 1.4)
TAIL_WEIGHT = (0.05, 0.15)
TAIL_MEAN_MONTHS = (36.0, 84.0)
VOLUME_LOG10 = (5.0, 7.0)
VOLUME_GROWTH = 0.005  # per origin month
VOLUME_SIGMA, NOISE_SIGMA = 0.1, 0.25


def methods_module(name: str = "reserva.reserves.claims.methods"):
    """The batched methods module when it can be imported and provides ``mack``, else None."""
    import importlib

    try:
        methods = importlib.import_module(name)
    except Exception:  # noqa: BLE001 (a module being written may fail in any way)
        return None
    return methods if hasattr(methods, "mack") else None


def _pending(label: str) -> str:
    return f"({label}) pending: reserva.reserves.claims.methods not available"


def development_pattern(median: float, sigma: float, tail_weight: float, tail_mean: float,
                        n_lags: int) -> np.ndarray:
    """p_d = P(d <= T < d + 1), d = 0..n_lags-1, T in months a mixture: lognormal(ln median,
    sigma) with weight 1 - w, exponential(mean) with weight w (a slow tail, so that the last
    lags still develop and their sigma_d are not rounding noise)."""
    import math

    t = np.arange(1, n_lags + 1, dtype=np.float64)
    z = (np.log(t) - math.log(median)) / (sigma * math.sqrt(2.0))
    lognormal = 0.5 * (1.0 + np.array([math.erf(v) for v in z]))
    exponential = -np.expm1(-t / tail_mean)
    cdf = np.concatenate([[0.0], (1.0 - tail_weight) * lognormal + tail_weight * exponential])
    return np.diff(cdf)


def synthetic_triangles(n_segments: int, size: int = MACK_SIZE, seed: int = SEED) -> np.ndarray:
    """Cumulative monthly triangles C[segment, origin, lag], NaN after the valuation (o + d >=
    size). Per segment, drawn in turn from one generator (so the first k segments do not
    depend on how many follow): a development pattern (``development_pattern``, median lag
    U(1, 12) months, sigma U(0.6, 1.4), tail weight U(0.05, 0.15), tail mean U(36, 84)
    months); origin volumes 10^U(5, 7) x 1.005^origin x lognormal(0, 0.1); incremental amounts
    volume x p_d x lognormal noise (mean 1, sigma 0.25), rounded to cents, at least 0.01."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_segments, size, size))
    growth = (1.0 + VOLUME_GROWTH) ** np.arange(size)
    for s in range(n_segments):
        median, sigma, weight, mean, log10 = (rng.uniform(*bounds) for bounds in (
            LAG_MEDIAN_MONTHS, LAG_LOG_SIGMA, TAIL_WEIGHT, TAIL_MEAN_MONTHS, VOLUME_LOG10))
        pattern = development_pattern(median, sigma, weight, mean, size)
        volume = 10.0**log10 * growth * rng.lognormal(0.0, VOLUME_SIGMA, size)
        noise = rng.lognormal(-0.5 * NOISE_SIGMA**2, NOISE_SIGMA, (size, size))
        incremental = np.maximum(np.round(volume[:, None] * pattern[None, :] * noise, 2), 0.01)
        np.cumsum(incremental, axis=1, out=out[s])
    out[:, np.add.outer(np.arange(size), np.arange(size)) >= size] = np.nan
    return out


def triangles_frame(C: np.ndarray):
    """The known cells as a long table: segment, origin (first day of the origin month),
    development (last day of the valuation month), amount (cumulative); the last origin is
    the valuation month."""
    import pandas as pd

    n_seg, size, _ = C.shape
    origin, lag = np.nonzero(np.add.outer(np.arange(size), np.arange(size)) < size)
    first = np.datetime64(VALUATION, "M") - (size - 1)
    origin_month = first + origin
    valuation_month = origin_month + lag
    return pd.DataFrame({
        "segment": np.repeat(np.arange(n_seg), origin.size),
        "origin": np.tile(origin_month.astype("datetime64[D]"), n_seg),
        "development": np.tile((valuation_month + 1).astype("datetime64[D]") - 1, n_seg),
        "amount": C[:, origin, lag].ravel(),
    })


def their_triangle(frame):
    """``chainladder.Triangle`` (cumulative, one index value per segment) of the long table."""
    import warnings

    import chainladder as cl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tri = cl.Triangle(frame, origin="origin", development="development", columns="amount",
                          index="segment", cumulative=True)
    if tri.origin_grain != "M" or tri.development_grain != "M":
        raise AssertionError(f"chainladder read grain O{tri.origin_grain}D"
                             f"{tri.development_grain}, not monthly")
    return tri


def our_mack(C: np.ndarray) -> np.ndarray:
    """[total IBNR, total Mack standard error] per segment, [2, s]: volume-weighted factors,
    no tail, sigma_d^2 extrapolated log-linearly (chainladder's default, which
    ``MackChainladder().fit`` uses on an undeveloped triangle)."""
    from reserva.reserves.claims.methods import development_factors, mack

    r = mack(C, development_factors(C, average="volume"), sigma_extrapolation="log-linear")
    return np.stack([r.ibnr.sum(axis=1), r.total_se])


def their_mack(tri) -> np.ndarray:
    """``MackChainladder().fit(tri)``, then [total IBNR, total Mack standard error] per
    segment, [2, s].

    The total standard error is ``total_mack_std_err_``'s own computation, sqrt(total process
    risk^2 + total parameter risk^2) at the last development column: reading the property on
    a triangle with an index fails in its last step (a DataFrame indexed by the Triangle's
    index table) with this chainladder and pandas 3.
    """
    import warnings

    import chainladder as cl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cl.MackChainladder().fit(tri)
        total = model.total_process_risk_**2 + model.total_parameter_risk_**2
        if total.array_backend == "sparse":
            total = total.set_backend("numpy")
        se = np.asarray(total.sqrt().values, dtype=float)[:, 0, 0, -1]
        ibnr = model.ibnr_
        if ibnr.array_backend == "sparse":
            ibnr = ibnr.set_backend("numpy")
        ibnr = np.nansum(np.asarray(ibnr.values, dtype=float)[:, 0], axis=(1, 2))
    return np.stack([ibnr, se])


def _timed(call, n: int) -> tuple[np.ndarray, list[float], list[float]]:
    """``call()`` n times: (last result, wall seconds, kernel seconds of each run)."""
    import resource

    got, wall, kernel = None, [], []
    for _ in range(n):
        k0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime, time.perf_counter()
        got = call()
        wall.append(time.perf_counter() - t0)
        kernel.append(resource.getrusage(resource.RUSAGE_SELF).ru_stime - k0)
    return got, wall, kernel


def mack_worker(side: str, segments: int, size: int, seed: int, repeat: int,
                out_path: str) -> dict:
    """In this fresh process: generate the triangles, fit Mack on ``side`` (ours: warm-up +
    median of ``repeat`` of ``development_factors`` + ``mack``; chainladder: the Triangle built
    from the long table first, then the fit + reading the totals, once, or median of
    ``MACK_REPEAT_CL`` when ``repeat`` > 1 and the first fit took under
    ``MACK_QUICK_SECONDS``), save [total IBNR, total SE] per segment to ``out_path`` and return
    the figures, with the kernel time of each run (page faults). Prints "ready" once the
    inputs exist."""
    C = synthetic_triangles(segments, size, seed)
    r: dict = {"side": side, "segments": segments, "size": size,
               "cells": int(np.count_nonzero(~np.isnan(C)))}
    if side == "mack-ours":
        import reserva.reserves.claims.methods  # noqa: F401  (imported before the clock starts)

        r["input_bytes"] = C.nbytes
        r["rss_before"] = _status_kib("self", "VmRSS") * 1024
        print("ready", flush=True)
        our_mack(C)  # warm-up
        got, times, kernel = _timed(lambda: our_mack(C), repeat)
    else:
        import gc

        frame = triangles_frame(C)
        del C
        r["rows"] = len(frame)
        r["input_bytes"] = int(frame.memory_usage(index=False).sum())
        tri = their_triangle(frame)
        del frame
        gc.collect()
        r["rss_before"] = _status_kib("self", "VmRSS") * 1024
        print("ready", flush=True)
        got, times, kernel = _timed(lambda: their_mack(tri), 1)
        if repeat > 1 and times[0] < MACK_QUICK_SECONDS:  # the fit leaves ``tri`` as it was
            got, more, more_kernel = _timed(lambda: their_mack(tri), MACK_REPEAT_CL - 1)
            times += more
            kernel += more_kernel
    r["peak_bytes"] = _peak_bytes()
    r["seconds"] = statistics.median(times)
    r["kernel_seconds"] = statistics.median(kernel)
    r["range"] = [min(times), max(times)]
    r["runs"] = len(times)
    r["ibnr"], r["se"] = float(got[0].sum()), float(got[1].sum())
    np.save(out_path, got)
    return r


def run_mack_side(side: str, segments: int, size: int, seed: int, repeat: int,
                  cap: float | None, cpu: int | None, folder: str) -> dict:
    """``mack_worker`` in a fresh pinned process (see ``_spawn``), with its per-segment totals."""
    out_path = str(Path(folder) / f"{side}_{segments}_{size}.npy")
    r = _spawn([side, "--segments", str(segments), "--size", str(size), "--seed", str(seed),
                "--repeat", str(repeat)], out_path, cap, cpu)
    if r["seconds"] is None:
        return {"side": side, "segments": segments, "size": size, **r}
    r["totals"] = np.load(out_path)
    return r


def compare_totals(mine: np.ndarray, other: np.ndarray) -> dict:
    """Largest relative difference per quantity (total IBNR, total SE) over the segments."""
    diff = np.abs(mine - other)
    scale = np.maximum(np.abs(mine), np.abs(other))
    rel = np.divide(diff, scale, out=np.where(np.isnan(diff), np.inf, 0.0), where=scale > 0)
    return {"segments": int(mine.shape[1]), "ibnr_rel": float(np.max(rel[0])),
            "se_rel": float(np.max(rel[1]))}


def run_mack(segments: int, size: int = MACK_SIZE, seed: int = SEED, repeat: int = 5,
             cap: float | None = None, cpu: int | None = None) -> dict:
    """Ours and chainladder's Mack on the same triangles, side by side (parts (b) and (c))."""
    with tempfile.TemporaryDirectory() as folder:
        mine = run_mack_side("mack-ours", segments, size, seed, repeat, None, cpu, folder)
        other = run_mack_side("mack-chainladder", segments, size, seed, repeat, cap, cpu,
                              folder)
    r: dict = {"segments": segments, "size": size, "seed": seed, "repeat": repeat, "cap": cap,
               "ours": {k: v for k, v in mine.items() if k != "totals"},
               "chainladder": {k: v for k, v in other.items() if k != "totals"}}
    if other["seconds"] is not None:
        r["check"] = compare_totals(mine["totals"], other["totals"])
    return r


def _gib(x) -> str:
    return "n/a" if x is None else f"{x / 2**30:.2f} GiB"


def _mack_lines(r: dict, header: str) -> list[str]:
    """The lines parts (b) and (c) share: sizes, times, memory, totals, the comparison."""
    o, c = r["ours"], r["chainladder"]
    stopped = c["seconds"] is None
    lines = [
        f"{header}: {r['segments']:,} segments of {r['size']} x {r['size']} monthly cumulative "
        f"triangles ({o['cells']:,} known cells), seed {r['seed']}; volume-weighted factors, no "
        f"tail, sigma extrapolated log-linearly (chainladder's default); one core "
        f"{r.get('cpu_list', '')}, numba threads {r.get('numba_threads', '?')}",
        f"  inputs: ours {o['input_bytes'] / 2**20:,.1f} MiB array [segment, origin, lag]; "
        "chainladder " + ("n/a" if stopped else
                          f"Triangle from a {c['rows']:,}-row long table "
                          f"({c['input_bytes'] / 2**20:,.1f} MiB), built before the clock"),
        "",
        f"  ours, development_factors + mack  {o['seconds']:9.3f} s  (median of {o['runs']}, "
        f"after a warm-up; runs {o['range'][0]:.3f}-{o['range'][1]:.3f} s; median kernel "
        f"time {o['kernel_seconds']:.3f} s)",
    ]
    if stopped:
        lines.append(f"  chainladder MackChainladder.fit   > {r['cap']:g} s  (once; stopped at "
                     "the cap)")
    else:
        runs = "once" if c["runs"] == 1 else (
            f"median of {c['runs']}, runs {c['range'][0]:.3f}-{c['range'][1]:.3f} s")
        lines.append(f"  chainladder MackChainladder.fit   {c['seconds']:9.3f} s  ({runs}; fit + "
                     "total standard error + ibnr_)")
    lines += [
        f"  peak memory (VmHWM)              ours {_gib(o['peak_bytes'])}, chainladder "
        f"{_gib(c['peak_bytes'])}{' (at the cap)' if stopped else ''}  (before the call: ours "
        f"{_gib(o['rss_before'])}, chainladder {_gib(c.get('rss_before'))})",
        f"  all segments: IBNR ours {o['ibnr']:,.2f}, chainladder "
        f"{'n/a' if stopped else format(c['ibnr'], ',.2f')}; sum of the segments' Mack SE ours "
        f"{o['se']:,.2f}, chainladder {'n/a' if stopped else format(c['se'], ',.2f')}",
    ]
    if "check" in r:
        k = r["check"]
        ok = k["ibnr_rel"] <= TOLERANCE and k["se_rel"] <= TOLERANCE
        lines.append(f"  same per segment: total IBNR max relative difference {k['ibnr_rel']:.1e}, "
                     f"Mack SE {k['se_rel']:.1e} (limit {TOLERANCE:g})  {_verdict(ok)}")
    else:
        lines.append("  same per segment: not compared (chainladder stopped at the cap)")
    return lines


def _ratio_line(r: dict, target: float | None) -> str:
    o, c = r["ours"], r["chainladder"]
    stopped = c["seconds"] is None
    ratio = (r["cap"] if stopped else c["seconds"]) / o["seconds"]
    text = f"  chainladder / ours  {'>' if stopped else ' '} {ratio:8.1f} x"
    if target is None:
        return text
    return f"{text}    target >= {target:g} x    {_verdict(ratio >= target)}"


def report_b(r: dict) -> str:
    """The printed result of part (b): ``run_mack`` on 200 segments."""
    return "\n".join([*_mack_lines(r, "(b) Mack chain ladder"), _ratio_line(r, TARGET_RATIO)])


def report_c(r: dict) -> str:
    """The printed result of part (c): ``run_mack`` on 1,000 segments, chainladder capped."""
    o = r["ours"]
    lines = _mack_lines(r, "(c) Mack chain ladder at scale")
    lines += [
        f"  ours time                {o['seconds']:9.3f} s      target < {TARGET_SECONDS:g} s"
        f"      {_verdict(o['seconds'] < TARGET_SECONDS)}",
        f"  ours peak memory         {o['peak_bytes'] / 2**30:9.3f} GiB    target < "
        f"{TARGET_PEAK_BYTES / 2**30:g} GiB    {_verdict(o['peak_bytes'] < TARGET_PEAK_BYTES)}"
        "  (the whole process: interpreter, numpy, inputs, the call)",
        _ratio_line(r, None) + "  (for information; no target at this size)",
    ]
    return "\n".join(lines)


def _mack_part(args, segments: int, report) -> str:
    import numba

    r = run_mack(segments, args.size, args.seed, args.repeat, args.cap, args.cpu)
    r.update(cpu_list=sorted(os.sched_getaffinity(0)), numba_threads=numba.config.NUMBA_NUM_THREADS)
    return report(r)


def part_b(args) -> str:
    return _pending("b") if methods_module() is None else _mack_part(args, args.segments,
                                                                     report_b)


def part_c(args) -> str:
    return _pending("c") if methods_module() is None else _mack_part(args, args.big_segments,
                                                                     report_c)


PARTS = {"a": part_a, "b": part_b, "c": part_c}


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=sorted(PARTS), default=sorted(PARTS))
    parser.add_argument("--n", type=int, default=10_000_000, help="claim records in part (a)")
    parser.add_argument("--verify-n", type=int, default=200_000,
                        help="records of part (a)'s comparison run (0: none)")
    parser.add_argument("--segments", type=int, default=MACK_SEGMENTS,
                        help="triangles in part (b)")
    parser.add_argument("--big-segments", type=int, default=MACK_BIG_SEGMENTS,
                        help="triangles in part (c)")
    parser.add_argument("--size", type=int, default=MACK_SIZE,
                        help="origins (= lags) per triangle in parts (b) and (c)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cap", type=float, default=600.0,
                        help="seconds after which chainladder is stopped")
    parser.add_argument("--cpu", type=int, default=None,
                        help="the core to pin to (default: the last one allowed)")
    parser.add_argument("--worker", choices=["ours", "chainladder", "mack-ours", "mack-chainladder"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if any(os.environ.get(k) != val for k, val in THREAD_ENV.items()):
        # numba reads its thread count at import: start again with the environment set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **THREAD_ENV})
    _pin(args.cpu)
    if args.worker in ("ours", "chainladder"):
        print(json.dumps(worker(args.worker, args.n, args.seed, args.repeat, args.out)))
        return
    if args.worker:
        print(json.dumps(mack_worker(args.worker, args.segments, args.size, args.seed,
                                     args.repeat, args.out)))
        return
    for i, name in enumerate(args.parts):
        print(("\n" if i else "") + PARTS[name](args), flush=True)


if __name__ == "__main__":
    main()
