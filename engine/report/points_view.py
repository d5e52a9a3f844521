"""The output of ``reserva project-points``: the terminal report (PVs by group and scenario, the
book's totals, percentiles over stochastic paths, a compression's error) (the csv, json and
parquet exports are ``reserva.points.run_command``'s)."""

from __future__ import annotations

import pandas as pd

from reserva.report.model import Column, Lines, Report, Section, table_from_frame

__all__ = ["points_report"]

SHOWN_GROUPS = 30  # rows of a per-point table shown in the terminal


def points_report(run, compression=None) -> Report:
    """The report of a ``reserva.points.PointsRun``."""
    r = run.result
    sc = run.scenarios
    head = [f"basis {r.basis} ({r.basis_hash[:8]}), {r.point_id.size} model points, "
            f"{r.months} months, {len(r.scenarios)} scenario(s)"]
    if sc.file:
        head.append(f"scenarios from {sc.file} (sha256 {sc.file_hash[:8]})")
    if r.sources:
        head.append("economic paths: " + "; ".join(r.sources))
    head += [f"skipped: {line}" for line in sc.skipped]
    totals = pd.DataFrame(r.total_pv(), columns=[
        "premiums", "claims", "maturities", "surrenders", "withdrawals", "annuities",
        "expenses", "commissions", "net"])
    totals.insert(0, "scenario", list(r.scenarios))
    n_paths = sc.economic.size if sc.economic else 0
    blocks = [Lines(tuple(head))]
    shown = totals if n_paths == 0 else totals.iloc[:len(r.scenarios) - n_paths]
    blocks.append(table_from_frame(shown, "present values of the book by scenario"))
    if n_paths:
        blocks.append(table_from_frame(run.percentiles(), f"net PV over {n_paths} economic "
                                       "paths (mean less base: what the rates' randomness "
                                       "costs the book, the time value of its guarantees "
                                       "included)"))
    base = run.result_pv(0).reset_index()
    title = f"present values by {r.by}, scenario {r.scenarios[0]} (lifelib result_pv layout)"
    if len(base) > SHOWN_GROUPS:
        title += f": the first {SHOWN_GROUPS} of {len(base)} (--format csv for all)"
        base = base.head(SHOWN_GROUPS)
    blocks.append(table_from_frame(base, title))
    if compression is not None:
        blocks.append(table_from_frame(compression, "compressed against the full run: total "
                                       "PVs and relative errors",
                                       {"relative_error": Column("relative_error", "percent",
                                                                 "right")}))
    return Report("model-point projection", (Section("projection", tuple(blocks)),))
