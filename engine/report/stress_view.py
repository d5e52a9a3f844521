"""What ``reserva stress`` shows: the report model of a stress check (no calculations).

- the compact table: one row per scenario, the programme's stressed liquidity ratios (the
  handbook's projection method at each horizon), the factor method at 3 months, the survival
  horizon, the shortfall and its month, the solvency ratio and surplus, and the breached tests
  by name (``liquidity 3m``, ``solvency``, ``survival``);
- with ``per_product``: the same per scenario and product;
- reverse stress: per target and metric, the smallest breaking multiplier;
- stochastic claims: per column, the mean, VaR and TVaR of the 3- and 12-month outflows and
  P(3-month liquidity ratio < threshold).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reserva.report.model import Column, Lines, Report, Section, table_from_frame
from reserva.store.stress import read_stress
from reserva.vocab import PROGRAMME

__all__ = ["compact_rows", "reverse_rows", "stochastic_rows", "stored_stress_report",
           "stress_report", "stress_rows"]

PERCENT = "percent"


def compact_rows(frame: pd.DataFrame, months: int, columns: list[str],
                 scenario_ids: list[str], *, per_product: bool) -> pd.DataFrame:
    """The compact table from long metric rows (``StressResult.frame()``, or the stored
    ``stress_metrics`` with a ``scenario_id``): one row per scenario (in ``scenario_ids``'
    order) and column of ``columns``; the breached tests named liquidity by horizon, then
    solvency, then survival (as ``StressResult.breaches``)."""
    mine = frame[frame["product_id"].isin(columns)]
    cell = mine.set_index(["scenario_id", "product_id", "metric", "horizon_months"])
    value = cell["value"].astype(float).to_dict()
    bad = cell["breach"].astype(bool).to_dict()
    horizons = sorted({int(h) for h in mine.loc[mine["metric"] == "liquidity_ratio",
                                                 "horizon_months"]})
    out = []
    for sid in scenario_ids:
        for col in columns:
            def v(metric: str, h: int = 0, key=(sid, col)) -> float:
                return value.get((*key, metric, h), float("nan"))

            row = {"scenario": sid}
            if per_product:
                row["product"] = col
            for h in horizons:
                row[f"liquidity {h}m"] = v("liquidity_ratio", h)
            if 3 in horizons:
                row["factor 3m"] = v("factor_ratio", 3)
                row["net 3m"] = v("net_liquidity_ratio", 3)
            hz = v("survival_horizon")
            row["survival"] = ("n/a" if np.isnan(hz) else f"> {months}" if hz > months
                               else str(int(hz)))
            row["shortfall"] = v("shortfall")
            month = v("shortfall_month")
            row["month"] = str(int(month)) if month > 0 else ""
            row["solvency"] = v("solvency_ratio")
            row["surplus"] = v("surplus")
            names = [f"liquidity {h}m" for h in horizons
                     if bad.get((sid, col, "liquidity_ratio", h))]
            names += [name for metric, name in (("solvency_ratio", "solvency"),
                                                ("survival_horizon", "survival"))
                      if bad.get((sid, col, metric, 0))]
            row["breaches"] = "; ".join(names)
            out.append(row)
    return pd.DataFrame(out)


def stress_rows(check, *, per_product: bool = False) -> pd.DataFrame:
    """One row per scenario (the programme) or per scenario and column with assets
    (``per_product``)."""
    r = check.result
    held = r.allocated or (True,) * len(r.columns)
    cols = ([c for c, h in zip(r.columns, held, strict=True) if h] if per_product
            else [PROGRAMME])
    return compact_rows(r.frame(), r.months, cols, list(r.scenario_ids),
                        per_product=per_product)


def reverse_rows(check) -> pd.DataFrame:
    """Per reverse-stress target and metric: the multiplier found (or why none)."""
    rows = []
    for rr in check.reverse:
        res = rr.search
        if res.breached_at_low:
            outcome = "already breached without the shock"
        elif not res.reached:
            outcome = "not reached within the search bound"
        else:
            outcome = "reached" + ("" if res.monotone else " (metric not monotone: a crossing, "
                                                         "not necessarily the smallest)")
        rows.append({"target": rr.target, "kind": rr.kind, "metric": rr.metric,
                     "threshold": rr.threshold,
                     "multiplier": np.nan if res.multiplier is None else res.multiplier,
                     "metric at it": res.metric, "outcome": outcome})
    return pd.DataFrame(rows, columns=["target", "kind", "metric", "threshold", "multiplier",
                                       "metric at it", "outcome"])


def stochastic_rows(st) -> pd.DataFrame:
    """One row per column: the mean, VaR and TVaR of the simulated outflows at each horizon and
    P(3-month liquidity ratio < threshold)."""
    rows = []
    for c, col in enumerate(st.columns):
        row = {"product": col}
        for j, h in enumerate(st.horizons):
            row[f"mean {h}m"] = float(st.mean_outflows[c, j])
            row[f"VaR {h}m"] = float(st.var_outflows[c, j])
            row[f"TVaR {h}m"] = float(st.tvar_outflows[c, j])
        row["P(liquidity 3m < threshold)"] = float(st.p_below[c])
        rows.append(row)
    return pd.DataFrame(rows)


def stress_report(check, *, per_product: bool = False) -> Report:
    """The terminal report of a stress check (module docstring)."""
    r = check.result
    percent = {name: Column(name, PERCENT, "right") for name in
               [f"liquidity {h}m" for h in r.horizons] + ["factor 3m", "net 3m", "solvency"]}
    head = (f"run {check.run_id}: stress check of {len(r.scenarios)} scenario(s) from "
            f"{check.scenarios_file}, assumption set {check.assumption_set}")
    sections = [Section("stress", (
        Lines((head,)),
        table_from_frame(stress_rows(check), "programme: stressed liquidity and solvency",
                         percent),
    ) + ((table_from_frame(stress_rows(check, per_product=True),
                           "per product (columns with assets)", percent),)
         if per_product else ()), notes=(
        f"liquidity = (cash + convertible after haircuts) / outflows of the months "
        f"(threshold {r.liquidity_threshold:.0%}); net adds the inflows; survival = first "
        f"month the cumulative gap is negative; solvency threshold {r.solvency_threshold:.0%}",
        *(f"stored as {len(check.stored)} scenario(s) of run {check.run_id}"
          for _ in [0] if check.stored),
        *check.notes))]
    if check.reverse:
        sections.append(Section("reverse stress", (table_from_frame(
            reverse_rows(check), "reverse stress: smallest multiplier of each shock that "
            "breaks the programme", {"threshold": Column("threshold", PERCENT, "right")}),),))
    if check.stochastic is not None:
        st = check.stochastic
        sections.append(Section("stochastic claims", (table_from_frame(
            stochastic_rows(st), f"simulated claims: {st.simulations:,} simulations, seed "
            f"{st.seed}, VaR/TVaR at {st.level:.1%}",
            {"P(liquidity 3m < threshold)": Column("P(liquidity 3m < threshold)", PERCENT,
                                                   "right")}),),
            notes=((st.note,) if st.note else ())))
    return Report(f"run {check.run_id}: stress check", tuple(sections), run_id=check.run_id)


def stored_stress_report(store, run_id: int | None = None) -> Report:
    """``reserva stress --show``: the stress scenarios stored under a run, from the store only
    (one row per stored scenario, the programme's figures, as the compact table of a check;
    a note per check stored: when, the scenario file and its sha256, the assumption set)."""
    rid, months, metrics, lineage = read_stress(store, run_id)
    # keyed by the stored name (one scenario id may be stored twice, changed), shown by its id
    frame = compact_rows(metrics.rename(columns={"scenario": "scenario_id"}), months,
                         [PROGRAMME], list(lineage["scenario"]), per_product=False)
    frame["scenario"] = list(lineage["scenario_id"])
    percent = {c: Column(c, PERCENT, "right") for c in frame.columns
               if c.startswith(("liquidity ", "factor ", "net ")) or c == "solvency"}
    return Report(f"run {rid}: stored stress checks", (Section("stress", (
        table_from_frame(frame, f"run {rid}: stored stress scenarios (programme)", percent),),
        notes=tuple(
            f"stored {str(g.created_at)[:19]}: {g.n} scenario(s) of {g.scenarios_file} (sha256 "
            f"{str(g.file_hash)[:12]}), assumption set {g.assumption_set}"
            for g in lineage.groupby(["created_at", "scenarios_file", "file_hash",
                                      "assumption_set"], sort=False).size()
            .rename("n").reset_index().itertuples(index=False))),), run_id=rid)
