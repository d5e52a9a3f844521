"""Benchmark: full period-end close of sample packs, time per stage, peak memory.

    python benchmarks/bench_close.py [--sizes 100000 1000000] [--repeat 3] [--against DIR]

``--against DIR`` names the source tree of another version of the engine (e.g. a checkout of
the previous commit): each repeat then runs both versions one after the other on the same pack,
and the ratio of the medians (this version / the other) is printed beside the totals of both.
The other tree runs under its own import name (``engine`` before issue 14, ``reserva`` after)
from a temporary folder holding a symlink to its ``engine/`` first on the path, so this tree's
editable install is never picked up by accident; the engine folder each worker imported is
printed and checked. ``--keep-stores DIR`` keeps the two stores of the last repeat, to be
compared table by table with ``benchmarks/compare_stores.py``.

For each size a sample pack is generated once (not timed), then each repeat runs in a fresh
process pinned to one core: read + validate, UPR, claims (OCS, IBNR at both dates), accrued,
statements, KPIs, and the store write (a new DuckDB file per repeat). Prints the median time
per stage, the total, the peak resident memory of the process, the result totals (to catch
drift) and the ratio to the issue's target (1,000,000 policies in 30 s and 4 GiB on one core).
A pack kept in ``--keep`` is reused only while the sample generator is unchanged (a stamp of
its source beside the pack); otherwise it is written anew.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SECONDS = 30.0  # issue target for 1,000,000 policies
TARGET_GIB = 4.0
VALUATION = "2025-12-31"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def generator_stamp(size: int) -> str:
    """sha256 of the sample generator's source and data files, and of the size: a pack kept
    from an earlier run is reused only when the generator that wrote it is the same."""
    import hashlib

    import reserva.sample

    folder = Path(reserva.sample.__file__).parent
    h = hashlib.sha256(f"policies={size}\n".encode())
    for f in sorted(folder.glob("*.py")) + sorted(folder.glob("*.toml")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def sample_pack(folder: Path, size: int) -> Path:
    """The sample pack of ``size`` policies in ``folder``, written anew unless the stamp beside
    it says the same generator wrote it."""
    from reserva.sample.generate import write_sample

    stamp, want = folder / ".generator", generator_stamp(size)
    if not (stamp.is_file() and stamp.read_text() == want):
        shutil.rmtree(folder, ignore_errors=True)
        write_sample(folder, policies=size)
        stamp.write_text(want)
    return folder


def run_worker(pack: Path, env: dict, source: Path | None, keep: Path | None = None) -> dict:
    """One close in a fresh process with the engine of ``source`` (default: this tree) under
    that tree's own import name: a symlink to its ``engine/`` first on the path (see
    ``tests/golden/trees.py``), so no installed engine is picked up by accident."""
    source = (source or ROOT).resolve()
    with tempfile.TemporaryDirectory() as tmp, _tree_path(source) as (name, entry):
        store = Path(tmp) / "s.duckdb"
        out = subprocess.run(
            [sys.executable, "-P", __file__, "--worker", name, str(pack), str(store)],
            env={**env, "PYTHONPATH": entry}, capture_output=True, text=True,
        )
        if out.returncode != 0:
            raise RuntimeError(f"worker ({source}) failed:\n{out.stderr}")
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store, keep)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(result["engine"]) != source / "engine":
        raise RuntimeError(f"the worker ran the engine in {result['engine']}, not {source}")
    return result


def _tree_path(source: Path):
    """``tests.golden.trees.tree_path`` (this tree's top folder appended to the path, so that
    it shadows nothing)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from tests.golden.trees import tree_path

    return tree_path(source)


def worker(name: str, data_dir: str, store: str) -> None:
    """One close in this process (pinned to one core) with the engine imported as ``name``;
    prints a JSON line. Result totals and the policy count are read back from the store, whose
    tables every version of the engine shares."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import importlib
    import math
    import resource
    import time

    import duckdb

    try:  # the pipeline module: ``pipeline``, or ``close`` in trees before issue 14
        close = importlib.import_module(f"{name}.pipeline").close
    except ModuleNotFoundError:
        close = importlib.import_module(f"{name}.close").close
    started = time.perf_counter()
    r = close(data_dir, VALUATION, store=store)
    wall = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    con = duckdb.connect(store, read_only=True)
    rows = con.execute("SELECT reserve, closing FROM reserves").fetchall()
    policies = con.execute("SELECT count(*) FROM upr_policy").fetchone()[0]
    timings = getattr(r, "timings", None)
    if timings is None:  # from the run's record
        timings = json.loads(con.execute("SELECT timings FROM runs").fetchone()[0])
    con.close()
    # fsum: exact, so the totals of two versions agree whenever their stored rows do
    totals = {k: math.fsum(v for name, v in rows if name == k) for k in ("upr", "ibnr", "ocs", "alr")}
    engine = Path(importlib.import_module(name).__file__).resolve().parent
    print(json.dumps({"timings": dict(timings), "wall": wall, "peak_gib": peak_gib,
                      "totals": totals, "policies": int(policies), "engine": str(engine)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=HERE / "_data",
                        help="folder for the generated packs (reused when present)")
    parser.add_argument("--against", type=Path, default=None,
                        help="source tree of another engine version, run side by side")
    parser.add_argument("--keep-stores", type=Path, default=None,
                        help="folder for the stores of the last repeat (this_N, other_N)")
    args = parser.parse_args()
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for size in args.sizes:
        pack = sample_pack(args.keep / f"sample_{size}", size)
        runs, other = [], []
        for i in range(args.repeat):
            last = args.keep_stores if i == args.repeat - 1 else None
            runs.append(run_worker(pack, env, None, last and last / f"this_{size}.duckdb"))
            if args.against is not None:
                other.append(run_worker(pack, env, args.against.resolve(),
                                        last and last / f"other_{size}.duckdb"))
        stages = [k for k in runs[0]["timings"] if k != "total"]
        med = {k: statistics.median(r["timings"][k] for r in runs) for k in stages}
        total = statistics.median(r["timings"]["total"] for r in runs)
        peak = max(r["peak_gib"] for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        print(f"\npolicies {runs[0]['policies']:,} (pack {pack.name}), {args.repeat} runs, one core")
        print(f"  engine       {runs[0]['engine']}")
        for k in stages:
            print(f"  {k:<12} {med[k]:8.3f} s")
        print(f"  {'total':<12} {total:8.3f} s   (target {TARGET_SECONDS:.0f} s at 1M: "
              f"ratio {total / TARGET_SECONDS:.2f})")
        print(f"  peak memory  {peak:8.3f} GiB (target {TARGET_GIB:.0f} GiB: ratio {peak / TARGET_GIB:.2f})")
        print(f"  close call   {wall:8.3f} s   (wall time of the call, pack reading included)")
        print("  totals       " + ", ".join(f"{k} {v:,.2f}" for k, v in runs[0]["totals"].items()))
        if other:
            o_total = statistics.median(r["timings"]["total"] for r in other)
            o_wall = statistics.median(r["wall"] for r in other)
            o_peak = max(r["peak_gib"] for r in other)
            print(f"  against {other[0]['engine']}: total {o_total:8.3f} s, close call "
                  f"{o_wall:.3f} s, peak {o_peak:.3f} GiB")
            print("  totals       " + ", ".join(
                f"{k} {v:,.2f}" for k, v in other[0]["totals"].items()))
            same = runs[0]["totals"] == other[0]["totals"]
            print(f"  totals agree: {'yes' if same else 'NO'}")
            print(f"  ratio this/other: time {total / o_total:.3f} (close call "
                  f"{wall / o_wall:.3f}), memory {peak / o_peak:.3f}")
        if args.keep_stores is not None:
            print(f"  stores kept in {args.keep_stores} (compare: python "
                  f"benchmarks/compare_stores.py OTHER THIS)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
