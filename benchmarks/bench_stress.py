"""Benchmark: 1,000 stress scenarios on a 1,000,000-policy close, from the stored run.

    python benchmarks/bench_stress.py [--policies 1000000] [--scenarios 1000] [--repeat 3]
                                      [--loop 100] [--simulations 10000]

The sample pack of ``--policies`` policies is generated (or reused, ``bench_close.sample_pack``)
and closed once into a store (not timed). Then, each in a fresh process pinned to one core:

1. **together**: ``reserva.stress_check.stress(store, scenarios=FILE, save=False)``, the public
   path of ``reserva stress --no-save``: the run's base read from the store, the ``--scenarios``
   scenarios (drawn once with a fixed seed from the shock types of the default library, 1 to 4
   shocks each, sizes scaled at random) computed together; then the same stored under the run
   (``reserva stress``, on a copy of the store);
2. **one at a time**: the same public path called once per scenario, for the first ``--loop``
   scenarios (each call reads the base and runs its one scenario); the time per scenario x the
   scenario count is the loop's time, and the ratio loop / together is printed;
3. **Monte Carlo**: ``--simulations`` simulated years of next-year claims of the sample's
   products (``reserva.stress_check.stochastic_claims``, the step ``--simulations`` adds, on
   the run's base read from the store).

Printed: sizes, median times, peak memory (the process's maximum resident set), a result
total (the sum of the programme's 3-month liquidity ratios over the scenarios, to catch
drift), and the ratio to the issue's target (1,000 scenarios in 5 s and 4 GiB on one core).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_SECONDS = 5.0
TARGET_GIB = 4.0
VALUATION = "2025-12-31"


def scenario_file(path: Path, n: int, seed: int = 20261205) -> Path:
    """``n`` scenarios drawn from the default library's rows: 1 to 4 rows each (of different
    shock types), every size scaled by a factor in [0.5, 2]."""
    import numpy as np
    import pandas as pd

    from reserva.io.assumptions import default_root

    lib = pd.read_csv(default_root() / "default" / "stress_scenarios.csv", dtype=str,
                      keep_default_na=False)
    lib = lib[lib["shock_type"] != "none"].drop_duplicates("shock_type").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        pick = rng.choice(len(lib), size=int(rng.integers(1, 5)), replace=False)
        for j in pick:
            r = lib.iloc[int(j)].copy()
            v, unit, k = float(r["value"]), r["unit"], float(rng.uniform(0.5, 2.0))
            if unit == "multiplier":
                v = max(1.0 + (v - 1.0) * k, 0.0)
            elif unit == "share":
                v = min(v * k, 1.0)
            elif unit == "months":
                v = float(max(round(v * k), 0))
            else:
                v = v * k
            r["value"] = f"{v:.6g}" if unit != "months" else str(int(v))
            r["scenario_id"], r["name"] = f"bench{i:05d}", f"bench scenario {i}"
            r["family"], r["severity"] = "both", "severe"
            rows.append(r)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def close_store(pack: Path, store: Path) -> None:
    """Close the pack once into ``store`` (not timed)."""
    if store.exists():
        return
    from reserva.pipeline import close

    close(pack, VALUATION, store=store)


def ratio_total(result) -> float:
    """The sum of the programme's 3-month liquidity ratios over the scenarios (exact)."""
    import math

    return math.fsum(float(x) for x in result.metric("liquidity_ratio", 3)[:, -1]
                     if math.isfinite(x))


def worker(mode: str, store: str, scenarios: str, loop: int, simulations: int) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import math
    import resource
    import time

    import pandas as pd

    from reserva.stress_check import stress

    started = time.perf_counter()
    if mode == "together":
        check = stress(store, scenarios=scenarios, save=False)
        wall = time.perf_counter() - started
        r = check.result
        total, n = ratio_total(r), len(r.scenarios)
        extra = {"columns": len(r.columns), "months": r.months}
    elif mode == "saved":  # the same, stored under the run (a copy of the store)
        import shutil

        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.duckdb"
            shutil.copyfile(store, copy)
            started = time.perf_counter()
            check = stress(copy, scenarios=scenarios, save=True)
            wall = time.perf_counter() - started
        total, n, extra = ratio_total(check.result), len(check.stored), {}
    elif mode == "loop":
        frame = pd.read_csv(scenarios, dtype=str, keep_default_na=False)
        ids = list(dict.fromkeys(frame["scenario_id"]))[:loop]
        total = 0.0
        with tempfile.TemporaryDirectory() as tmp:
            for sid in ids:
                one = Path(tmp) / "one.csv"
                frame[frame["scenario_id"] == sid].to_csv(one, index=False)
                check = stress(store, scenarios=one, save=False)
                x = float(check.result.metric("liquidity_ratio", 3)[0, -1])
                total += x if math.isfinite(x) else 0.0
        wall = time.perf_counter() - started
        n = len(ids)
        extra = {}
    else:  # monte carlo: the simulation step of the check, on the run's base
        from reserva.io.assumptions import load_assumptions
        from reserva.projection.stress import StressOptions
        from reserva.store.stress_base import load_stress_base
        from reserva.stress_check import stochastic_claims

        a = load_assumptions()
        base = load_stress_base(Path(store))
        t0 = time.perf_counter()
        st = stochastic_claims(base, a, StressOptions.from_set(a), simulations=simulations,
                               seed=a.settings.stochastic.seed)
        wall = time.perf_counter() - t0
        total = float(st.mean_outflows[-1, -1])
        n = simulations
        extra = {"products": len(st.simulated), "p_below": float(st.p_below[-1])}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps({"wall": wall, "peak_gib": peak, "total": total, "n": n, **extra}))


def run(mode: str, store: Path, scenarios: Path, loop: int, simulations: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", mode, str(store),
                          str(scenarios), str(loop), str(simulations)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} worker failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop", type=int, default=100,
                        help="scenarios run one at a time (the rest extrapolated)")
    parser.add_argument("--simulations", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=HERE / "_data")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from bench_close import sample_pack

    pack = sample_pack(args.keep / f"sample_{args.policies}", args.policies)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "stress.duckdb"
        close_store(pack, store)
        scen = scenario_file(Path(tmp) / "scenarios.csv", args.scenarios)
        together = [run("together", store, scen, args.loop, args.simulations)
                    for _ in range(args.repeat)]
        saved = [run("saved", store, scen, args.loop, args.simulations)
                 for _ in range(args.repeat)]
        loop = run("loop", store, scen, args.loop, args.simulations)
        mc = [run("mc", store, scen, args.loop, args.simulations) for _ in range(args.repeat)]
    t = statistics.median(r["wall"] for r in together)
    peak = max(r["peak_gib"] for r in together)
    per = loop["wall"] / loop["n"]
    loop_all = per * args.scenarios
    print(f"policies {args.policies:,}; scenarios {args.scenarios:,}; columns "
          f"{together[0]['columns']}; months {together[0]['months']}; one core")
    walls = ", ".join(f"{r['wall']:.2f}" for r in together)
    print(f"together:      median {t:.2f} s of {args.repeat} ({walls}), "
          f"peak {peak:.2f} GiB; total of the programme's 3-month ratios {together[0]['total']:.6f}")
    ts = statistics.median(r["wall"] for r in saved)
    print(f"together and stored: median {ts:.2f} s of {args.repeat}, {saved[0]['n']:,} "
          f"scenarios stored, peak {max(r['peak_gib'] for r in saved):.2f} GiB")
    print(f"one at a time: {loop['n']} scenarios in {loop['wall']:.2f} s = {per:.3f} s each -> "
          f"{loop_all:.1f} s for {args.scenarios:,}; total of those {loop['n']}: "
          f"{loop['total']:.6f}")
    print(f"ratio one-at-a-time / together: {loop_all / t:.1f}x")
    print(f"target: {t / TARGET_SECONDS:.2f} of {TARGET_SECONDS:.0f} s, "
          f"{peak / TARGET_GIB:.2f} of {TARGET_GIB:.0f} GiB")
    m = statistics.median(r["wall"] for r in mc)
    print(f"monte carlo: {args.simulations:,} simulations x {mc[0]['products']} products: "
          f"median {m:.2f} s; peak {max(r['peak_gib'] for r in mc):.2f} GiB; mean 12-month "
          f"outflows of the programme {mc[0]['total']:,.0f}; P(3-month ratio < 100%) "
          f"{mc[0]['p_below']:.4f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        main()
