"""Benchmark: model-point projections against lifelib, at scale, and under stochastic paths.

    python benchmarks/bench_model_points.py [--repeat 3] [--points 1000000]
        [--paths 1000 --savings 100000 --months 240] [--skip-lifelib] [--skip-stochastic]

Side by side in one run, each in a fresh process pinned to one core:

1. lifelib's BasicTerm_ME (10,000 points x 277 months: ``Projection.result_pv()`` on a freshly
   read model) when lifelib is installed (``make bench-env`` builds ``.venv-bench`` with it:
   the comparison runs there), against the engine on the same points and basis (the bundled
   ``basicterm_me``, per-point PVs kept); the ratio lifelib / engine.
2. The engine on ``--points`` points (BasicTerm_ME's points repeated, ids made unique),
   PVs and monthly cashflows by product.
3. ``--paths`` Hull-White paths x ``--savings`` savings points x ``--months`` months (the
   bundled ``microlife`` basis' savings product), every path at once.

Printed: sizes, median time of ``--repeat`` (the first, compiling, run left out; the stochastic
case: ``--stochastic-repeat`` runs after a compiling run on 10 points), peak memory
(the process's maximum resident set, less the interpreter's and the libraries' before the run),
a result total (to catch drift), and the ratios the issue names (targets: >= 20x lifelib at
10,000 points, 1,000,000 points under 2 s and 1 GiB, the stochastic run under 60 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ME_POINTS = ROOT / "assumptions" / "bases" / "basicterm_me" / "sample" / "model_points.csv"


def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(job: str, args: dict) -> dict:
    """Run ``job`` in a fresh process pinned to core 0 and return what it printed (JSON)."""
    python = args.pop("python", sys.executable)
    cmd = [python, __file__, "--child", job, json.dumps(args)]
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run(["taskset", "-c", "0", *cmd], capture_output=True, text=True, env=env,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"{job} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(fn, repeat: int) -> tuple[float, object]:
    fn()  # compile / warm
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def job_lifelib(args: dict) -> dict:
    import tempfile

    import lifelib
    import modelx as mx

    times, total = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        lifelib.create("basiclife", Path(tmp) / "basiclife")
        base = _rss_mib()
        for _ in range(args["repeat"]):
            m = mx.read_model(str(Path(tmp) / "basiclife" / "BasicTerm_ME"))
            t0 = time.perf_counter()
            pv = m.Projection.result_pv()
            times.append(time.perf_counter() - t0)
            total = float(pv.iloc[:, -1].sum())
            m.close()
    return {"seconds": statistics.median(times), "peak_mib": _rss_mib() - base,
            "net_pv": total, "points": 10_000}


def job_engine_me(args: dict) -> dict:
    from reserva.points import load_basis, project_points
    from reserva.projection.points.points_file import read_points

    b = load_basis("basicterm_me")
    pts = read_points(ME_POINTS, b)
    base = _rss_mib()
    sec, run = _median(lambda: project_points(pts, b, point_values=True, by="all"),
                       args["repeat"])
    return {"seconds": sec, "peak_mib": _rss_mib() - base,
            "net_pv": float(run.result_pv(0)["Net Cashflow"].sum()), "points": pts.size}


def job_engine_large(args: dict) -> dict:
    import numpy as np

    from reserva.points import load_basis
    from reserva.projection.points.engine import project
    from reserva.projection.points.points_file import read_points

    b = load_basis("basicterm_me")
    pts = read_points(ME_POINTS, b)
    k = -(-args["points"] // pts.size)
    big = pts.take(np.tile(np.arange(pts.size), k)[:args["points"]])
    big = big.with_values(point_id=np.array([str(i) for i in range(big.size)], dtype=object))
    base = _rss_mib()
    sec, res = _median(lambda: project(big, b, by="product"), args["repeat"])
    return {"seconds": sec, "peak_mib": _rss_mib() - base,
            "net_pv": float(res.total_pv()[0, -1]), "points": big.size,
            "months": res.months}


def job_stochastic(args: dict) -> dict:
    import numpy as np

    from reserva.points import load_basis
    from reserva.projection.points.economic import hull_white_scenarios
    from reserva.projection.points.engine import project
    from reserva.projection.points.model_points import make_points

    b = load_basis("microlife")
    product = next(p for p, pb in b.products.items() if pb.kind == "savings")
    n, months = args["savings"], args["months"]
    rng = np.random.default_rng(7)
    pts = make_points(n, product=product, sex=np.where(rng.random(n) < 0.5, "M", "F"),
                      age_at_entry=rng.integers(25, 55, n), duration=rng.integers(0, 60, n),
                      term=np.full(n, months + 60), premium=rng.uniform(10, 60, n).round(2),
                      sum_assured=rng.uniform(500, 5000, n).round(0),
                      account=rng.uniform(0, 3000, n).round(2))
    a, sigma = b.hull_white
    paths = hull_white_scenarios(b.curve, months, args["paths"], seed=1, a=a, sigma=sigma)
    project(pts.take(slice(0, 10)), b, economic=paths, by="product", months=months)  # compile
    base = _rss_mib()
    times = []
    for _ in range(args["stochastic_repeat"]):
        t0 = time.perf_counter()
        res = project(pts, b, economic=paths, by="product", months=months)
        times.append(time.perf_counter() - t0)
    sec = statistics.median(times)
    return {"seconds": sec, "peak_mib": _rss_mib() - base,
            "net_pv_mean": float(res.total_pv()[1:, -1].mean()), "points": n,
            "paths": args["paths"], "months": months}


JOBS = {"lifelib": job_lifelib, "engine_me": job_engine_me, "engine_large": job_engine_large,
        "stochastic": job_stochastic}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(JOBS[sys.argv[2]](json.loads(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--savings", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=240)
    ap.add_argument("--stochastic-repeat", type=int, default=1,
                    help="runs of the stochastic case (each about 20 s at full size)")
    ap.add_argument("--skip-lifelib", action="store_true")
    ap.add_argument("--skip-stochastic", action="store_true")
    a = ap.parse_args()
    bench_python = ROOT / ".venv-bench" / "bin" / "python"
    rows = []
    me = _child("engine_me", {"repeat": a.repeat})
    rows.append(("engine, BasicTerm_ME points (per-point PVs)", me))
    if not a.skip_lifelib and bench_python.exists():
        ll = _child("lifelib", {"repeat": a.repeat, "python": str(bench_python)})
        rows.append(("lifelib BasicTerm_ME result_pv()", ll))
        print(f"ratio lifelib / engine at 10,000 points: {ll['seconds'] / me['seconds']:.1f}x "
              f"(net PV lifelib {ll['net_pv']:.6f}, engine {me['net_pv']:.6f})")
    elif not a.skip_lifelib:
        print("lifelib: not installed (make bench-env): comparison skipped")
    rows.append((f"engine, {a.points:,} points", _child("engine_large", {
        "repeat": a.repeat, "points": a.points})))
    if not a.skip_stochastic:
        rows.append((f"engine, {a.paths} paths x {a.savings:,} savings points x {a.months} "
                     "months", _child("stochastic", {"stochastic_repeat": a.stochastic_repeat,
                                                     "paths": a.paths,
                                                     "savings": a.savings,
                                                     "months": a.months})))
    for name, r in rows:
        extra = {k: v for k, v in r.items() if k not in ("seconds", "peak_mib")}
        print(f"{name}: median {r['seconds']:.3f} s, peak {r['peak_mib']:.0f} MiB, {extra}")


if __name__ == "__main__":
    main()
