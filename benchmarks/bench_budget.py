"""Benchmark: every scenario of the EsSalud sample budget over 2003-2030 at single ages.

    python benchmarks/bench_budget.py [--last-year 2030] [--repeat 5]

The sample set (``budgets/essalud``: 8 scenarios, age bands, 6 categories, 4 services, 2003-2015)
is blown up to the issue's size: single ages 0-100 (each band's population spread evenly over
its ages, every other input repeated over them), years 2003 .. ``--last-year`` (the population
grown on at the last year's growth by age and sex), 4 categories (the set's first four) and 6
services (the set's four and two copies of its consultations and emergencies at other unit
costs). In a fresh process pinned to one core: the scenarios applied to those inputs and
projected together (``apply_scenarios`` then ``project_budget``, the path of ``reserva
budget``), median of ``--repeat``; and one scenario at a time through the same two calls.

Printed: sizes, median times, peak memory (the process's maximum resident set), a result total
(the sum over scenarios and years of the total cost as % of the wage bill, to catch drift) and
the ratio one at a time / together. The issue's expectation: well under a second.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def blown_up(last_year: int):
    """(inputs at single ages, the scenarios, the single-age bands)."""
    import numpy as np

    from reserva.budget.inputs import load_budget_set
    from reserva.budgeting import _scenarios_of

    bs = load_budget_set(ROOT / "budgets" / "essalud")
    x = bs.inputs
    scen, _label, _hash = _scenarios_of(bs, None)
    bands = bs.age_bands
    ages = [(a, a) for a in range(0, 101)]
    # which band each single age belongs to (ages past the last band: the last band)
    owner = np.array([next((i for i, (lo, hi) in enumerate(bands) if lo <= a <= hi),
                           len(bands) - 1) for a in range(101)])
    width = np.array([hi - lo + 1 for lo, hi in bands], np.float64)
    y0 = int(x.years[0])
    years = np.arange(y0, last_year + 1)
    extra = years.size - x.years.size

    def ages_of(arr, axis, spread=False):
        out = np.take(arr, owner, axis=axis)
        if spread:
            shape = [1] * out.ndim
            shape[axis] = owner.size
            out = out / width[owner].reshape(shape)
        return out

    def years_of(arr):
        """[1, Y, ...] -> [1, Y', ...]: the last year repeated."""
        if extra <= 0:
            return arr[:, :years.size]
        return np.concatenate([arr, np.repeat(arr[:, -1:], extra, axis=1)], axis=1)

    pop = ages_of(x.population, 2, spread=True)
    growth = pop[:, -1] / np.where(pop[:, -2] > 0, pop[:, -2], 1.0)
    more = [pop[:, -1] * growth ** (k + 1) for k in range(max(extra, 0))]
    pop = (np.concatenate([pop, *[m[:, None] for m in more]], axis=1) if more
           else pop[:, :years.size])
    c4 = slice(0, 4)
    j6 = [0, 1, 2, 3, 1, 2]

    def grow(arr, rate=0.0):
        """The last year's values carried on at ``rate`` a year."""
        out = years_of(arr)
        t = np.arange(years.size) - (x.years.size - 1)
        f = np.where(t > 0, (1.0 + rate) ** np.maximum(t, 0), 1.0)
        return out * f.reshape((1, -1) + (1,) * (out.ndim - 2))

    util = ages_of(x.utilisation, 3)[:, :, j6]
    inputs = dataclasses.replace(
        x, years=years, categories=x.categories[:4], category_base=x.category_base[c4],
        contributes=x.contributes[c4], eligible=ages_of(x.eligible[c4], 1),
        services=(*x.services, "consultation_2", "emergency_2"),
        per_day=None if x.per_day is None else np.asarray(x.per_day)[j6],
        population=pop, participation=years_of(ages_of(x.participation, 2)),
        salaried_share=years_of(ages_of(x.salaried_share, 2)),
        coverage=years_of(x.coverage[:, :, c4]),
        dependants_per_titular=years_of(x.dependants_per_titular[:, :, c4]),
        dependant_distribution=years_of(ages_of(x.dependant_distribution, 2, spread=True)),
        utilisation=years_of(util), volume=years_of(x.volume[:, :, j6]),
        relative_cost=years_of(ages_of(x.relative_cost, 3)[:, :, j6]),
        unit_cost=grow(x.unit_cost[:, :, j6] * np.array([1, 1, 1, 1, 1.3, 0.8]), 0.0115),
        wage=grow(x.wage[:, :, c4]), density=years_of(x.density[:, :, c4]),
        contribution_rate=years_of(x.contribution_rate[:, :, c4]),
        flat_contribution=years_of(x.flat_contribution[:, :, c4]),
        cash_benefit_rate=years_of(x.cash_benefit_rate), admin_rate=years_of(x.admin_rate),
        capital_rate=years_of(x.capital_rate), pension_outgo=grow(x.pension_outgo, 0.0318),
        other_income=grow(x.other_income), reserve_return=years_of(x.reserve_return))
    keep = set(inputs.categories)
    def kept(p) -> bool:  # a path on a category left out of the four is dropped
        return all(set(names) <= keep for axis, names in p.selector if axis == "category")

    scen = tuple(dataclasses.replace(s, applied=tuple(p for p in s.all_paths if kept(p)))
                 for s in scen)
    return inputs, scen, tuple(ages)


def worker(mode: str, last_year: int, repeat: int) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import resource

    import numpy as np

    from reserva.budget.model import project_budget
    from reserva.budget.scenarios import apply_scenarios

    inputs, scen, ages = blown_up(last_year)

    def together():
        return project_budget(apply_scenarios(inputs, scen, age_bands=ages))

    def each():
        return [project_budget(apply_scenarios(inputs, (s,), age_bands=ages)) for s in scen]

    f = together if mode == "together" else each
    f()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    results = [out] if mode == "together" else out
    total = float(sum(np.nansum(r.item("total_cost")) for r in results))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps({"median": statistics.median(times), "times": times, "peak_gib": peak,
                      "total": total, "scenarios": len(scen), "years": int(inputs.years.size),
                      "ages": len(ages), "categories": len(inputs.categories),
                      "services": len(inputs.services)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--last-year", type=int, default=2030)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--worker", choices=["together", "each"])
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.last_year, args.repeat)
        return
    out = {}
    for mode in ("together", "each"):
        proc = subprocess.run([sys.executable, __file__, "--worker", mode, "--last-year",
                               str(args.last_year), "--repeat", str(args.repeat)],
                              capture_output=True, text=True, check=True)
        out[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    t, e = out["together"], out["each"]
    print(f"scenarios {t['scenarios']}; years {t['years']}; single ages {t['ages']}; sexes 2; "
          f"categories {t['categories']}; services {t['services']}; one core")
    print(f"together:      median {t['median'] * 1000:.1f} ms of {args.repeat}, peak "
          f"{t['peak_gib']:.2f} GiB; total of the cost rates {t['total']:.6f}")
    print(f"one at a time: median {e['median'] * 1000:.1f} ms of {args.repeat}, peak "
          f"{e['peak_gib']:.2f} GiB; total {e['total']:.6f}")
    print(f"ratio one-at-a-time / together: {e['median'] / t['median']:.2f}x; "
          f"target: well under 1 s ({t['median']:.3f} s)")


if __name__ == "__main__":
    main()
