"""Benchmark: a 5-year forward projection of 1,000 scenarios of a 1,000,000-policy close.

    python benchmarks/bench_project.py [--policies 1000000] [--scenarios 1000] [--years 5]
                                       [--repeat 3] [--loop 20]

The sample pack of ``--policies`` policies is generated (or reused, ``bench_close.sample_pack``)
and closed once into a store (not timed; ``bench_stress.close_store``). The ``--scenarios``
scenarios are those of the stress benchmark (``bench_stress.scenario_file``: drawn once with a
fixed seed from the shock types of the default library, 1 to 4 shocks each, sizes scaled at
random). Then, each in a fresh process pinned to one core:

1. **together**: ``reserva.forecast.project(store, years=Y, period="quarter", scenarios=FILE,
   save=False)``, the public path of ``reserva project --no-save``: the run's position read
   from the store, the business plan and the scenarios projected together (in chunks of
   ``[forecast] chunk_scenarios``) over ``4 Y`` quarters with the default management actions,
   each judged; then the same stored under the run (``reserva project``, on a copy of the
   store);
2. **one at a time**: the same public path called once per scenario (a scenario file of one
   scenario; the plan ``base`` is projected beside it, as in every call), for the first
   ``--loop`` scenarios; the time per scenario x the scenario count is the loop's time, and the
   ratio loop / together is printed.

Printed: sizes, median times, peak memory (the process's maximum resident set), a result total
(the sum over the scenarios, the plan left out, of the programme's capital at the end of the
last period, to catch drift; the loop's scenarios are checked against the same scenarios
projected together) and the ratio to the issue's target (1,000 scenarios x 5 years in 10 s and
4 GiB on one core).
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
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_stress import close_store, scenario_file  # noqa: E402

TARGET_SECONDS = 10.0
TARGET_GIB = 4.0
PERIOD = "quarter"

__all__ = ["close_store", "final_capital", "run", "scenario_file", "summary", "worker"]


def final_capital(result) -> dict[str, float]:
    """Scenario id -> the programme's capital at the end of the last period (the plan left
    out)."""
    cap = result.item("capital")[:, -1, -1]
    return {sid: float(cap[s]) for s, sid in enumerate(result.scenario_ids) if sid != "base"}


def worker(mode: str, store: str, scenarios: str, loop: int, years: int) -> dict:
    """One measurement in this process, pinned to one core; returns (and, run as a worker,
    prints) a JSON-able dict."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import math
    import resource
    import time

    import pandas as pd

    from reserva.forecast import project

    started = time.perf_counter()
    if mode == "together":
        p = project(store, years=years, period=PERIOD, scenarios=scenarios, save=False)
        wall = time.perf_counter() - started
        r = p.result
        caps = final_capital(r)
        extra = {"columns": len(r.columns), "periods": r.values.shape[2] - 1,
                 "period_months": r.period_months, "items": r.values.shape[3],
                 "chunk": r.options.chunk_scenarios, "actions": len(p.actions),
                 "events": len(r.events), "fail": sum(v == "fail" for v in p.verdicts.values()),
                 "head": dict(list(caps.items())[:loop])}
    elif mode == "saved":  # the same, stored under the run (a copy of the store)
        import shutil

        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "copy.duckdb"
            shutil.copyfile(store, copy)
            started = time.perf_counter()
            p = project(copy, years=years, period=PERIOD, scenarios=scenarios, save=True)
            wall = time.perf_counter() - started
        caps = final_capital(p.result)
        extra = {"stored": len(p.stored)}
    elif mode == "loop":
        frame = pd.read_csv(scenarios, dtype=str, keep_default_na=False)
        ids = list(dict.fromkeys(frame["scenario_id"]))[:loop]
        caps = {}
        with tempfile.TemporaryDirectory() as tmp:
            for sid in ids:
                one = Path(tmp) / "one.csv"
                frame[frame["scenario_id"] == sid].to_csv(one, index=False)
                p = project(store, years=years, period=PERIOD, scenarios=one, save=False)
                caps.update(final_capital(p.result))
        wall = time.perf_counter() - started
        extra = {"head": caps}
    else:
        raise ValueError(f"unknown mode {mode!r}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    total = math.fsum(x for x in caps.values() if math.isfinite(x))
    return {"wall": wall, "peak_gib": peak, "total": total, "n": len(caps), **extra}


def run(mode: str, store: Path, scenarios: Path, loop: int, years: int) -> dict:
    """``worker`` in a fresh process (one thread per numerical library)."""
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--worker", mode, str(store),
                          str(scenarios), str(loop), str(years)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} worker failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(policies: int, scenarios: int, years: int, together: list[dict],
            saved: list[dict], loop: dict) -> str:
    """The printed report (module docstring)."""
    t = statistics.median(r["wall"] for r in together)
    peak = max(r["peak_gib"] for r in together)
    per = loop["wall"] / loop["n"]
    loop_all = per * scenarios
    first = together[0]
    # the loop's scenarios against the same scenarios projected together
    diff = max((abs(x - first["head"][sid]) / max(abs(first["head"][sid]), 1.0)
                for sid, x in loop["head"].items()), default=0.0)
    walls = ", ".join(f"{r['wall']:.2f}" for r in together)
    lines = [
        f"policies {policies:,}; scenarios {scenarios:,} and the plan; {years} years = "
        f"{first['periods']} periods of {first['period_months']} months; columns "
        f"{first['columns']}; items {first['items']}; chunk {first['chunk']}; actions "
        f"{first['actions']}; one core",
        f"together:      median {t:.2f} s of {len(together)} ({walls}), peak {peak:.2f} GiB; "
        f"total of the programme's final capital {first['total']:,.2f}; {first['events']:,} "
        f"action events; {first['fail']:,} scenarios fail",
    ]
    if saved:
        ts = statistics.median(r["wall"] for r in saved)
        lines.append(f"together and stored: median {ts:.2f} s of {len(saved)}, "
                     f"{saved[0]['stored']:,} scenarios stored (the plan included), peak "
                     f"{max(r['peak_gib'] for r in saved):.2f} GiB; total {saved[0]['total']:,.2f}")
    lines += [
        f"one at a time: {loop['n']} scenarios in {loop['wall']:.2f} s = {per:.3f} s each -> "
        f"{loop_all:.1f} s for {scenarios:,}; total of those {loop['n']}: {loop['total']:,.2f}; "
        f"largest relative difference from the same {loop['n']} together: {diff:.1e}",
        f"ratio one-at-a-time / together: {loop_all / t:.1f}x",
        f"target: {t / TARGET_SECONDS:.2f} of {TARGET_SECONDS:.0f} s, "
        f"{peak / TARGET_GIB:.2f} of {TARGET_GIB:.0f} GiB",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop", type=int, default=20,
                        help="scenarios run one at a time (the rest extrapolated)")
    parser.add_argument("--no-stored", action="store_true",
                        help="skip the measurement that stores the projection")
    parser.add_argument("--keep", type=Path, default=HERE / "_data")
    args = parser.parse_args()

    from bench_close import sample_pack

    loop_n = min(args.loop, args.scenarios)
    pack = sample_pack(args.keep / f"sample_{args.policies}", args.policies)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "project.duckdb"
        close_store(pack, store)
        scen = scenario_file(Path(tmp) / "scenarios.csv", args.scenarios)
        together = [run("together", store, scen, loop_n, args.years) for _ in range(args.repeat)]
        saved = [] if args.no_stored else [run("saved", store, scen, loop_n, args.years)
                                           for _ in range(args.repeat)]
        loop = run("loop", store, scen, loop_n, args.years)
    print(summary(args.policies, args.scenarios, args.years, together, saved, loop))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
                                int(sys.argv[6]))))
    else:
        main()
