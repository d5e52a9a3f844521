"""Export lifelib's basiclife models BasicTerm_S and BasicTerm_ME: inputs, assumptions, results.

    make bench-env
    .venv-bench/bin/python benchmarks/lifelib_export.py [--out tests/data/lifelib_basiclife]

Runs in the separate benchmark environment (lifelib and modelx beside Reserva, built by
``make bench-env``), never in the project's own. It creates lifelib's ``basiclife`` library in a
temporary folder (``lifelib.create("basiclife", path)``), reads the two models with
``modelx.read_model`` and writes, into ``--out``:

- the model point tables of both models, every column, as lifelib holds them;
- the mortality table (attained age x select duration 0..5), the annual discount rates by year,
  and BasicTerm_ME's premium rate table (age at entry x policy term);
- every scalar assumption (a TOML file), read by calling the models' own cells, and the
  constants of the lapse formula, checked against the formula's source text so that a lifelib
  whose formula changed stops the export instead of writing a stale constant;
- lifelib's results: ``result_pv()`` per point (BasicTerm_S: the ``PV`` row of
  ``Projection[point_id].result_pv()`` for every point; BasicTerm_ME: ``Projection.result_pv()``),
  the per-point premium per policy, the monthly cashflows aggregated over the points
  (BasicTerm_ME: its own ``result_cf()`` and ``result_pols()``; BasicTerm_S, which projects one
  point at a time and has no aggregate: the sum over the points of ``Projection[i].result_cf()``
  aligned at ``t``), and the month-by-month detail of BasicTerm_S's points 1 and 2;
- ``PROVENANCE.md``: versions, date, the command, what each file is, and how long lifelib took
  to compute ``result_pv`` of each model.

Floats are written with pandas' default formatting, which is Python's shortest round-trip
``repr``; every CSV is read back and compared bit for bit with what was written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "lifelib_basiclife"
COMMAND = ".venv-bench/bin/python benchmarks/lifelib_export.py"

# The lapse formula of both models, as their source writes it (BasicTerm_S uses Python's max,
# BasicTerm_ME numpy's maximum); the constants below are checked against this text.
LAPSE_SOURCE = {"BasicTerm_S": "max(0.1 - 0.02 * duration(t), 0.02)",
                "BasicTerm_ME": "np.maximum(0.1 - 0.02 * duration(t), 0.02)"}
LAPSE_CONSTANTS = {"lapse_rate_initial": 0.1, "lapse_rate_step": 0.02, "lapse_rate_floor": 0.02}

CF_COLUMNS = ["Premiums", "Claims", "Expenses", "Commissions", "Net Cashflow"]


def write_csv(frame: pd.DataFrame, path: Path, *, index: bool = True) -> None:
    """Write ``frame`` as CSV and check that reading it back gives every value bit for bit."""
    frame.to_csv(path, index=index)
    back = pd.read_csv(path, index_col=list(range(frame.index.nlevels)) if index else None)
    if back.shape != frame.shape:
        raise RuntimeError(f"{path.name}: read back as {back.shape}, wrote {frame.shape}")
    if index and [str(x) for x in back.index] != [str(x) for x in frame.index]:
        raise RuntimeError(f"{path.name}: the index does not read back as written")
    for col in frame.columns:
        a = frame[col].to_numpy()
        b = back[str(col)].to_numpy()
        if a.dtype.kind == "f":
            same = np.array_equal(a.view(np.uint64), b.astype(np.float64).view(np.uint64))
        else:
            same = [str(x) for x in a] == [str(x) for x in b]
        if not same:
            raise RuntimeError(f"{path.name}: column {col!r} does not read back as written")


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def check_lapse_source(model_name: str, space) -> None:
    src = space.lapse_rate.formula.source
    code = [ln.strip() for ln in src.splitlines() if ln.strip().startswith("return ")]
    if code != ["return " + LAPSE_SOURCE[model_name]]:
        raise RuntimeError(f"{model_name}.lapse_rate changed: {code!r}; update the export")


def scalar_assumptions(model_name: str, space) -> dict[str, object]:
    check_lapse_source(model_name, space)
    out: dict[str, object] = {
        "expense_acq": space.expense_acq(),
        "expense_maint": space.expense_maint(),
        "inflation_rate": space.inflation_rate(),
        "loading_prem": space.loading_prem(),
        **LAPSE_CONSTANTS,
        "lapse_rate_formula": LAPSE_SOURCE[model_name],
        "mort_select_period_max": int(max(int(c) for c in space.mort_table.columns)),
    }
    if model_name == "BasicTerm_S":
        out["pols_if_init"] = space.pols_if_init()
        out["proj_len_formula"] = "12 * policy_term() + 1"
    else:
        out["max_proj_len"] = int(space.max_proj_len())
        out["proj_len_formula"] = "np.maximum(12 * policy_term() - duration_mth(0) + 1, 0)"
    return out


def s_point_detail(p, point_id: int) -> list[dict[str, object]]:
    """Month by month of one BasicTerm_S point (an ItemSpace ``Projection[point_id]``)."""
    disc = p.disc_factors()
    return [{"point_id": point_id, "t": t, "pols_if": float(p.pols_if(t)),
             "pols_death": float(p.pols_death(t)), "pols_lapse": float(p.pols_lapse(t)),
             "pols_maturity": float(p.pols_maturity(t)), "mort_rate": float(p.mort_rate(t)),
             "lapse_rate": float(p.lapse_rate(t)), "premiums": float(p.premiums(t)),
             "claims": float(p.claims(t)), "expenses": float(p.expenses(t)),
             "commissions": float(p.commissions(t)), "net_cf": float(p.net_cf(t)),
             "disc_factor": float(disc[t])}
            for t in range(int(p.proj_len()))]


def export_s(model, out: Path) -> dict[str, object]:
    """BasicTerm_S, one point at a time: ``Projection[i]`` is an ItemSpace of its own.

    Each point's ItemSpace is deleted once read: kept, the 10,000 of them hold over 24 GiB.
    The time reported is the sum over the points of the ``result_pv()`` call alone.
    """
    proj = model.Projection
    ids = list(proj.model_point_table.index)
    seconds = 0.0
    pv_rows, prem_rows, cfs, detail = [], [], [], []
    for i in ids:
        start = time.perf_counter()
        pv = proj[i].result_pv()
        seconds += time.perf_counter() - start
        p = proj[i]
        pv_rows.append(pv.loc["PV", CF_COLUMNS].to_numpy(dtype=np.float64))
        prem_rows.append((float(p.premium_pp()), float(p.net_premium_pp()), int(p.proj_len())))
        cfs.append(p.result_cf()[CF_COLUMNS].to_numpy(dtype=np.float64))
        if i in (1, 2):
            detail.extend(s_point_detail(p, i))
        del proj[i]

    index = pd.Index(ids, name="point_id")
    write_csv(pd.DataFrame(np.array(pv_rows), index=index, columns=CF_COLUMNS),
              out / "BasicTerm_S_result_pv.csv")
    prem = pd.DataFrame(prem_rows, index=index,
                        columns=["premium_pp", "net_premium_pp", "proj_len"])
    write_csv(prem, out / "BasicTerm_S_premium_pp.csv")

    # aggregate: the points' result_cf summed in point order, aligned at t
    length = int(prem["proj_len"].max())
    total = np.zeros((length, len(CF_COLUMNS)))
    for cf in cfs:
        total[: cf.shape[0]] += cf
    agg = pd.DataFrame(total, columns=CF_COLUMNS, index=pd.RangeIndex(length, name="t"))
    write_csv(agg, out / "BasicTerm_S_result_cf.csv")
    write_csv(pd.DataFrame(detail), out / "BasicTerm_S_monthly_points_1_2.csv", index=False)
    return {"points": len(ids), "seconds": seconds, "proj_len_max": length}


def export_me(model, out: Path) -> dict[str, object]:
    proj = model.Projection

    start = time.perf_counter()
    pv = proj.result_pv()
    seconds = time.perf_counter() - start
    write_csv(pv, out / "BasicTerm_ME_result_pv.csv")

    prem = pd.DataFrame({"premium_pp": proj.premium_pp().astype(np.float64),
                         "proj_len": proj.proj_len().astype(np.int64)})
    prem.index.name = proj.model_point().index.name
    write_csv(prem, out / "BasicTerm_ME_premium_pp.csv")

    cf = proj.result_cf()
    cf.index.name = "t"
    write_csv(cf, out / "BasicTerm_ME_result_cf.csv")
    pols = proj.result_pols()
    pols.index.name = "t"
    write_csv(pols.astype(np.float64), out / "BasicTerm_ME_result_pols.csv")
    return {"points": len(pv), "seconds": seconds, "proj_len_max": int(proj.max_proj_len())}


def write_inputs(s_proj, me_proj, out: Path) -> None:
    for name, proj in (("BasicTerm_S", s_proj), ("BasicTerm_ME", me_proj)):
        write_csv(proj.model_point_table, out / f"{name}_model_points.csv")
    # both models ship the same mortality table and discount rates: one file each, checked
    for attr in ("mort_table", "disc_rate_ann"):
        a, b = getattr(s_proj, attr), getattr(me_proj, attr)
        if not a.equals(b):
            raise RuntimeError(f"{attr} differs between BasicTerm_S and BasicTerm_ME")
    write_csv(s_proj.mort_table, out / "mort_table.csv")
    write_csv(s_proj.disc_rate_ann.to_frame(), out / "disc_rate_ann.csv")
    write_csv(me_proj.premium_table.to_frame(), out / "BasicTerm_ME_premium_table.csv")


def write_assumptions(s_proj, me_proj, out: Path) -> None:
    lines = ["# Scalar assumptions of lifelib's basiclife models, read from their cells.",
             "# lapse_rate(t) = max(lapse_rate_initial - lapse_rate_step * duration(t),"
             " lapse_rate_floor)", ""]
    for name, proj in (("BasicTerm_S", s_proj), ("BasicTerm_ME", me_proj)):
        lines.append(f"[{name}]")
        for key, value in scalar_assumptions(name, proj).items():
            lines.append(f"{key} = {toml_value(value)}")
        lines.append("")
    (out / "assumptions.toml").write_text("\n".join(lines))


PROVENANCE = """\
# lifelib basiclife: BasicTerm_S and BasicTerm_ME

Exported from lifelib's `basiclife` library (created with `lifelib.create("basiclife", path)`),
models read with `modelx.read_model`. Reference figures for reproducing the two models.

- lifelib {lifelib}, modelx {modelx}, pandas {pandas}, numpy {numpy}, Python {python}
- exported on {date} (UTC)
- regenerate: `make bench-env`, then `{command}`

## Files

| file | what it is |
| --- | --- |
| `BasicTerm_S_model_points.csv` | BasicTerm_S `model_point_table`, every column, index `point_id` |
| `BasicTerm_ME_model_points.csv` | BasicTerm_ME `model_point_table`, every column (with `duration_mth`, months in force at t=0; <= 0 is new business issued at t = -duration_mth), index `policy_id` |
| `mort_table.csv` | `mort_table` (the same in both models): annual mortality rate by attained age (`Age`, 18..120) and select duration in years (columns `0`..`5`, 5 = ultimate) |
| `disc_rate_ann.csv` | `disc_rate_ann` (the same in both models): annual spot rate `zero_spot` by `year` 0..150 |
| `BasicTerm_ME_premium_table.csv` | BasicTerm_ME `premium_table`: monthly premium rate per unit sum assured by `age_at_entry` x `policy_term` |
| `assumptions.toml` | scalar assumptions of each model, read from the cells (expense_acq, expense_maint, inflation_rate, loading_prem, pols_if_init / max_proj_len), the lapse formula's constants (checked against its source) and the projection length formula |
| `BasicTerm_S_result_pv.csv` | the `PV` row of `Projection[point_id].result_pv()` for every point |
| `BasicTerm_S_premium_pp.csv` | per point: `premium_pp()` (rounded to cents), `net_premium_pp()` (unrounded), `proj_len()` |
| `BasicTerm_S_result_cf.csv` | monthly cashflows summed over the points: the sum of `Projection[i].result_cf()` in point order, aligned at `t` (BasicTerm_S has no aggregate of its own) |
| `BasicTerm_S_monthly_points_1_2.csv` | month by month for points 1 and 2: decrements, rates, cashflows and `disc_factors()[t]` |
| `BasicTerm_ME_result_pv.csv` | `Projection.result_pv()`, index `policy_id` |
| `BasicTerm_ME_premium_pp.csv` | per point: `premium_pp()` (rounded to cents) and `proj_len()` |
| `BasicTerm_ME_result_cf.csv` | `Projection.result_cf()`: monthly cashflows summed over the points, t = 0..max_proj_len-1 |
| `BasicTerm_ME_result_pols.csv` | `Projection.result_pols()`: monthly policy counts summed over the points |

Floats are written as Python's shortest round-trip `repr`; the export reads every file back and
checks each value bit for bit.

## Reproducing to the last bits

The two models do not compute their monthly rates `1 - (1 - rate)**(1/12)` the same way.
BasicTerm_S projects one point at a time on numpy scalars: each power is the C library's `pow`.
BasicTerm_ME works on pandas Series: each power is numpy's vectorised `power`, which on a CPU
with AVX-512 uses numpy's own SIMD routine, off from `pow` by an ulp for some arguments. For a
monthly mortality rate (an annual rate of about 1e-4 to 1e-2) the subtraction from 1 turns an
ulp of the power into about 1e-12 relative, and a point whose PV of net cashflows is a small
difference of large PVs carries that up to about 1e-7 relative. The discount factors
`(1 + i_mth)**(-t)`, with `i_mth = (1 + rate)**(1/12) - 1`, are scalar `pow` in both models.
BasicTerm_S's PVs are Python's `sum` over months, one after the other; BasicTerm_ME's are a
matrix-vector product (BLAS). The SIMD extensions numpy found are recorded below: figures
exported on a machine without AVX-512 can differ from these in the last bits of BasicTerm_ME.

## How long lifelib took

One run of the export, {cpus} logical CPUs ({machine}; numpy SIMD found: {simd}):

| model | points | longest projection (months) | `result_pv` |
| --- | --- | --- | --- |
| BasicTerm_S | {s_points} | {s_len} | {s_seconds:.1f} s (`Projection[i].result_pv()` for every point, one after the other, from a freshly read model: the sum of the calls' times; each point's ItemSpace is deleted after it is read, as the 10,000 of them kept exhaust 24 GiB) |
| BasicTerm_ME | {me_points} | {me_len} | {me_seconds:.2f} s (`Projection.result_pv()` once, from a freshly read model) |
"""


def numpy_simd() -> str:
    """The SIMD extensions numpy found on this CPU (its dispatch decides the vectorised power)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # a numpy without these private names
        return "unknown"
    found = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    return ", ".join(found) or "none beyond the baseline"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    import lifelib
    import modelx as mx

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "basiclife"
        lifelib.create("basiclife", str(lib))
        s_model = mx.read_model(str(lib / "BasicTerm_S"), name="BasicTerm_S")
        me_model = mx.read_model(str(lib / "BasicTerm_ME"), name="BasicTerm_ME")

        # the results first, so that each model's result_pv is timed from a freshly read model
        me = export_me(me_model, out)
        print(f"BasicTerm_ME: {me['points']} points, result_pv {me['seconds']:.2f} s", flush=True)
        s = export_s(s_model, out)
        print(f"BasicTerm_S: {s['points']} points, result_pv {s['seconds']:.1f} s", flush=True)
        write_inputs(s_model.Projection, me_model.Projection, out)
        write_assumptions(s_model.Projection, me_model.Projection, out)
        s_model.close()
        me_model.close()

    (out / "PROVENANCE.md").write_text(PROVENANCE.format(
        lifelib=lifelib.__version__, modelx=mx.__version__, pandas=pd.__version__,
        numpy=np.__version__, python=platform.python_version(),
        date=dt.datetime.now(dt.UTC).date().isoformat(), command=COMMAND,
        cpus=os.cpu_count(), machine=f"{platform.system()} {platform.machine()}",
        simd=numpy_simd(),
        s_points=s["points"], s_len=s["proj_len_max"], s_seconds=s["seconds"],
        me_points=me["points"], me_len=me["proj_len_max"], me_seconds=me["seconds"]))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
