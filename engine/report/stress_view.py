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

__all__ = ["reverse_rows", "stochastic_rows", "stored_stress_report", "stress_report",
           "stress_rows"]

PERCENT = "percent"


def stress_rows(check, *, per_product: bool = False) -> pd.DataFrame:
    """One row per scenario (the programme) or per scenario and column (``per_product``)."""
    r = check.result
    held = r.allocated or (True,) * len(r.columns)
    cols = ([c for c, h in zip(r.columns, held, strict=True) if h] if per_product
            else [PROGRAMME])
    idx = [r.columns.index(c) for c in cols]
    breaches = r.breaches()
    out = []
    for s, sc in enumerate(r.scenarios):
        for c, j in zip(cols, idx, strict=True):
            row = {"scenario": sc.scenario_id}
            if per_product:
                row["product"] = c
            for h in r.horizons:
                row[f"liquidity {h}m"] = float(r.metric("liquidity_ratio", h)[s, j])
            if 3 in r.horizons:
                row["factor 3m"] = float(r.metric("factor_ratio", 3)[s, j])
                row["net 3m"] = float(r.metric("net_liquidity_ratio", 3)[s, j])
            hz = float(r.values["survival_horizon"][s, j])
            row["survival"] = ("n/a" if np.isnan(hz) else f"> {r.months}" if hz > r.months
                               else str(int(hz)))
            row["shortfall"] = float(r.values["shortfall"][s, j])
            month = float(r.values["shortfall_month"][s, j])
            row["month"] = str(int(month)) if month > 0 else ""
            row["solvency"] = float(r.values["solvency_ratio"][s, j])
            row["surplus"] = float(r.values["surplus"][s, j])
            row["breaches"] = breaches[s, j]
            out.append(row)
    return pd.DataFrame(out)


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
    prog = metrics[metrics["product_id"] == PROGRAMME]
    rows = []
    for lin in lineage.itertuples(index=False):
        mine = prog[prog["scenario"] == lin.scenario]

        def value(metric: str, horizon: int = 0, mine=mine) -> float:
            hit = mine[(mine["metric"] == metric) & (mine["horizon_months"] == horizon)]
            return float(hit["value"].iloc[0]) if len(hit) else float("nan")

        horizons = sorted(int(h) for h in mine.loc[mine["metric"] == "liquidity_ratio",
                                                   "horizon_months"])
        row = {"scenario": lin.scenario_id}
        for h in horizons:
            row[f"liquidity {h}m"] = value("liquidity_ratio", h)
        row["factor 3m"] = value("factor_ratio", 3)
        row["net 3m"] = value("net_liquidity_ratio", 3)
        hz = value("survival_horizon")
        row["survival"] = ("n/a" if np.isnan(hz) else f"> {months}" if hz > months
                           else str(int(hz)))
        row["shortfall"] = value("shortfall")
        row["solvency"] = value("solvency_ratio")
        row["surplus"] = value("surplus")
        bad = mine[mine["breach"]]
        row["breaches"] = "; ".join(
            f"liquidity {int(b.horizon_months)}m" if b.metric == "liquidity_ratio"
            else "survival" if b.metric == "survival_horizon" else "solvency"
            for b in bad.itertuples(index=False))
        rows.append(row)
    frame = pd.DataFrame(rows)
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
