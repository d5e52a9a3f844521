"""The terminal report of a forward projection (``reserva project``).

Sections: the compact table (scenario x period of the programme: net income P28, surplus B01 -
L, capital, solvency and 3-month liquidity ratios, capital injected, breach marks ``T`` below
the internal target, ``M`` below the regulatory minimum, ``L`` liquidity below its threshold),
the verdict per scenario with the first period of each breach and the capital needed to restore
the target, the management actions fired, and on request one scenario's statements by period.
"""

from __future__ import annotations

import pandas as pd

from reserva.report.model import Column, Lines, Report, Section, table_from_frame
from reserva.report.stress_view import PERCENT

__all__ = ["backtest_report", "projection_report"]


def projection_report(run, *, statements: str | None = None) -> Report:
    """The report of a ``reserva.forecast.Projection``."""
    r = run.result
    opt = r.options
    step = "quarter" if opt.period_months == 3 else "year"
    head = (f"run {run.run_id}: {opt.periods} {step}(s) projected, {len(r.scenario_ids)} "
            f"scenario(s) from {run.scenarios_file}, {len(run.actions)} management action(s), "
            f"assumption set {run.assumption_set}")
    ratio = {c: Column(c, PERCENT, "right") for c in ("solvency_ratio", "liquidity_ratio")}
    verdict = run.breaches.assign(verdict=[run.verdicts[s] for s in run.breaches["scenario"]])
    verdict = verdict[["scenario", "severity", "verdict", "first_below_target",
                       "first_below_minimum", "first_assets_below_liabilities",
                       "first_liquidity_breach", "min_solvency_ratio", "capital_needed"]].rename(
        columns={"first_below_target": "below target", "first_below_minimum": "below minimum",
                 "first_assets_below_liabilities": "assets < liabilities",
                 "first_liquidity_breach": "liquidity < threshold",
                 "min_solvency_ratio": "min solvency", "capital_needed": "capital needed"})
    sections = [Section("projection", (
        Lines((head,)),
        table_from_frame(run.table(), "programme by period (period 0 = the close)", ratio),
        table_from_frame(verdict, "verdict per scenario (FCT: base at the internal target, "
                         "going concern at the regulatory minimum, severe: assets cover the "
                         "liabilities); the breach columns give the first period of each",
                         {"min solvency": Column("min solvency", PERCENT, "right")}),
    ), notes=(
        f"breaches: T solvency below the internal target {opt.internal_target:.0%}, M below "
        f"the regulatory minimum {opt.regulatory_minimum:.0%}, L 3-month liquidity below "
        f"{opt.liquidity_threshold:.0%}",
        *(f"stored as {len(run.stored)} scenario(s) of run {run.run_id}" for _ in [0]
          if run.stored),
        *run.notes))]
    if r.events:
        ev = pd.DataFrame(r.events, columns=["scenario", "action", "scope", "fired_period",
                                             "first_period", "last_period", "injected"])
        ev["fired_period"] = ev["fired_period"].where(ev["fired_period"] >= 0, None)
        sections.append(Section("management actions", (table_from_frame(
            ev, "actions fired (fired_period empty: an injection made in first_period)"),)))
    if statements is not None:
        frame = run.statements(statements).reset_index(names="item")
        sections.append(Section(f"statements of {statements}", (table_from_frame(
            frame, f"scenario {statements}: the programme's statements, reserves and ratios "
            "by period"),)))
    return Report(f"run {run.run_id}: projection", tuple(sections), run_id=run.run_id)


def backtest_report(bt) -> Report:
    """The report of a ``reserva.forecast.Backtest``: projected against actual per product and
    item."""
    head = (f"run {bt.from_run} ({bt.from_date}) projected {bt.months} months under the plan "
            f"of assumption set {bt.assumption_set}, against run {bt.to_run} ({bt.to_date}); "
            f"flows over the {bt.period_months} months of run {bt.to_run}'s period, balances "
            "at its date")
    frame = bt.frame.rename(columns={"relative": "difference %"})
    table = table_from_frame(
        frame, "projected and actual by product and item (difference = actual - projected)",
        {"difference %": Column("difference %", PERCENT, "right")})
    return Report(f"back-test of run {bt.from_run} against run {bt.to_run}",
                  (Section("back-test", (Lines((head,)), table)),), run_id=bt.to_run)
