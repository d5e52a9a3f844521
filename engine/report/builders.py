"""Report builders: one per report, each assembling the report model (``reserva.report.model``)
from a stored run through the store's readers (of one scenario: ``base``, the close's, unless
asked for another; a report of another scenario names it in its titles), or from a spot
check's result. The ``*_rows`` functions give the same reports' rows for an export (CSV, JSON).

Reports of the store:

- ``close_summary(store, run_id)``: what ``reserva close`` shows of the run it stored — the
  reserves by product, the UPR roll-forward, the IBNR analysis of change, the ALR by product
  and part, the KPI table and its flags, the programme's 3-month liquidity ratios, the claims
  the timeliness schedule waits for, and the run's notes;
- ``kpi_report`` (``reserva kpi``), ``trend_report`` (``--trend``), ``pending_report``
  (``--pending``), ``runs_report`` (``reserva runs``), ``liquidity_report``, ``alm_report``.

Reports of a spot check (nothing stored): ``upr_report``, ``ibnr_report``, ``life_report``,
``match_report``.

A run's notes are stored one a row (``run_notes``) and read back as they are. A run stored
before that table existed has them as one text only, joined by ``"; "`` (which a note may hold
itself): ``split_notes`` cuts it where a note begins (a column of the run or a known opening,
``NOTE_HEADS``), which gives back the close's notes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import ArgumentError
from reserva.kpi import catalogue
from reserva.report.kpi_view import kpi_view
from reserva.report.model import (
    Column,
    Figure,
    Flag,
    Flags,
    KpiCell,
    KpiRow,
    KpiTable,
    Lines,
    Measure,
    Measures,
    Report,
    Section,
    Series,
    Table,
    table_from_frame,
)
from reserva.report.stress_view import stored_stress_report
from reserva.store.results import BASE
from reserva.store.runs import (
    kpi_trend,
    latest_run,
    list_runs,
    read_results,
    run_notes,
    run_record,
)
from reserva.vocab import PROGRAMME, RESERVES

LIQUIDITY_ORDER = {"projection": 0, "rule_of_thumb": 1, "factor": 2, "static": 3}
# how a note of a close begins when it does not begin with a column of the run ("CL: ...")
NOTE_HEADS = ("assets: ", "liabilities: ", "data warning: ", "opening reserves recomputed",
              "the opening run's assumption set ")
NOTE_HEAD_PATTERNS = (re.compile(r"\d+ claims with an event before the first origin period "),)


# --- the close ------------------------------------------------------------------------------

def close_summary(store: Path, run_id: int | None = None, scenario: str = BASE) -> Report:
    """What ``reserva close`` shows of a stored run (module docstring).

    Parameters
    ----------
    store : Path
        The DuckDB store.
    run_id : int, optional
        The stored run (default: the latest completed run having ``scenario``).
    scenario : str
        The scenario of the run's results (default ``base``, the close's).
    """
    run_id = latest_run(store, run_id, scenario)
    rec = run_record(store, run_id)
    vd, ps = rec["valuation_date"].date(), rec["period_start"].date()
    read = {t: read_results(store, t, run_id, scenario)[1] for t in (
        "reserves", "upr_rollforward", "ibnr_change", "kpis", "alr_policy", "liquidity",
        "kpi_pending_claims")}
    columns = run_columns(read["kpis"], read["reserves"])
    sections = [
        Section("reserves", (reserves_table(read["reserves"], f"Reserves at {vd}"),)),
        Section("upr_rollforward", (table_from_frame(
            rollforward_frame(read["upr_rollforward"]),
            f"UPR roll-forward {ps} .. {vd}: opening + written - cancelled - earned = closing"),)),
        Section("ibnr_change", (table_from_frame(
            change_frame(read["ibnr_change"]), f"IBNR analysis of change {ps} .. {vd}"),)),
    ]
    alr = alr_frame(columns, read["reserves"], read["alr_policy"])
    if len(alr):
        sections.append(Section("alr", (table_from_frame(
            alr, f"ALR at {vd}: savings accounts and life contracts"),)))
    kpis = read["kpis"]
    sections.append(Section("kpis", (
        kpi_table(kpis, f"KPIs, period {ps} .. {vd} ({_run(run_id, scenario)})"),
        flags(kpis))))
    liquidity: list = [programme_liquidity(read["liquidity"], run_id, scenario)]
    pending = len(read["kpi_pending_claims"])
    if pending:
        liquidity.append(Lines((
            f"{pending} claims selected for the timeliness schedule are not yet processed: "
            f"`reserva kpi --pending {_options(run_id, scenario)}` lists them",)))
    sections.append(Section("liquidity", tuple(liquidity)))
    sections.append(Section("notes", notes=notes_of(store, run_id, rec["notes"], columns)))
    return Report(f"Close of {ps} .. {vd} ({_run(run_id, scenario)})", tuple(sections),
                  figures=(reserves_figure(read["reserves"]),), run_id=run_id,
                  meta=(("valuation_date", str(vd)), ("period_start", str(ps)),
                        ("scenario", scenario)))


def _run(run_id: int, scenario: str, head: str = "run") -> str:
    """``run 3``, or ``run 3, scenario stress`` for a scenario other than ``base``."""
    return f"{head} {run_id}" + ("" if scenario == BASE else f", scenario {scenario}")


def _options(run_id: int, scenario: str) -> str:
    """The options of a command reading the run (and its scenario when not ``base``)."""
    return f"--run {run_id}" + ("" if scenario == BASE else f" --scenario {scenario}")


def notes_of(store: Path, run_id: int, text, columns: Iterable[str]) -> tuple[str, ...]:
    """A run's notes: as stored one a row, or split from ``text`` (its ``runs.notes``) for a run
    stored before the notes had their own table (``split_notes``)."""
    notes = run_notes(store, run_id)
    return split_notes(text, columns) if notes is None else notes


def run_columns(kpis: pd.DataFrame, reserves: pd.DataFrame) -> tuple[str, ...]:
    """The run's products in the close's order (the order of the KPI table's columns), without
    the programme; the reserves' products when the run has no KPI row."""
    if len(kpis):
        cols = dict.fromkeys(kpis.sort_values("position", kind="stable")["product_id"])
    else:
        cols = dict.fromkeys(reserves["product_id"])
    return tuple(str(c) for c in cols if c != PROGRAMME)


def split_notes(text, columns: Iterable[str]) -> tuple[str, ...]:
    """The notes of a run from their stored text (module docstring)."""
    if not isinstance(text, str) or not text:
        return ()
    heads = tuple(f"{c}: " for c in (*columns, PROGRAMME)) + NOTE_HEADS
    parts = text.split("; ")
    notes = [parts[0]]
    for part in parts[1:]:
        if part.startswith(heads) or any(p.match(part) for p in NOTE_HEAD_PATTERNS):
            notes.append(part)
        else:
            notes[-1] += "; " + part
    return tuple(notes)


def reserves_table(reserves: pd.DataFrame, title: str) -> Table:
    """Closing reserves by product (rows) and reserve (columns), then the programme's total."""
    wide = reserves.pivot_table(index="product_id", columns="reserve", values="closing",
                                sort=False)
    rows = [(str(p), *(float(row.get(n, 0.0)) for n in RESERVES)) for p, row in wide.iterrows()]
    total = wide.sum()
    rows.append((PROGRAMME, *(float(total.get(n, 0.0)) for n in RESERVES)))
    columns = (Column("Product"), *(Column(n.upper(), "money", "right") for n in RESERVES))
    return Table(title, columns, tuple(rows))


def reserves_figure(reserves: pd.DataFrame) -> Figure:
    """Closing reserves by product, one series per reserve (a stacked bar chart)."""
    wide = reserves.pivot_table(index="product_id", columns="reserve", values="closing",
                                sort=False)
    x = tuple(str(p) for p in wide.index)
    return Figure("Closing reserves by product", "product", tuple(
        Series(n, x, tuple(float(v) for v in wide.get(n, pd.Series(0.0, wide.index))))
        for n in RESERVES))


def rollforward_frame(roll: pd.DataFrame) -> pd.DataFrame:
    """The UPR roll-forward by product, then the programme's total."""
    total = roll.drop(columns=["product_id"]).sum()
    return pd.concat([roll, pd.DataFrame([{"product_id": PROGRAMME, **total.to_dict()}])],
                     ignore_index=True)


def change_frame(change: pd.DataFrame) -> pd.DataFrame:
    """Products as rows, the steps of the IBNR analysis of change as columns (in order)."""
    order = list(dict.fromkeys(change.sort_values("position")["step"]))
    wide = change.pivot(index="product_id", columns="step", values="amount")[order]
    wide.loc[PROGRAMME] = wide.sum()
    return wide.reset_index()


def alr_frame(columns: tuple[str, ...], reserves: pd.DataFrame,
              detail: pd.DataFrame) -> pd.DataFrame:
    """ALR by product and part (products with an ALR or ALR rows only): savings (with the
    guaranteed value and the guarantee exposure), life contracts, how many accounts and
    contracts; the ALR is the stored closing reserve."""
    closing = reserves[reserves["reserve"] == "alr"].set_index("product_id")["closing"]
    rows = []
    for p in columns:
        mine = detail[detail["product_id"] == p]
        alr = float(closing.get(p, 0.0))
        if alr == 0 and not len(mine):
            continue
        sav, life = mine[mine["source"] == "savings"], mine[mine["source"] == "life"]
        rows.append({
            "product": p, "savings": _sum(sav["reserve"]),
            "guaranteed": _sum(sav["guaranteed_value"]),
            "guarantee exposure": _sum(sav["guarantee_exposure"]), "life": _sum(life["reserve"]),
            "alr": alr, "accounts": len(sav), "contracts": len(life)})
    return pd.DataFrame(rows, columns=["product", "savings", "guaranteed", "guarantee exposure",
                                       "life", "alr", "accounts", "contracts"])


def _sum(values: pd.Series) -> float:
    return float(np.nansum(values.to_numpy(dtype=np.float64)))


def programme_liquidity(liq: pd.DataFrame, run_id: int, scenario: str = BASE) -> Measures:
    """The programme's 3-month liquidity ratios by method (the KPI's method marked)."""
    rows = liq[(liq["product_id"] == PROGRAMME) & (liq["horizon_months"] == 3)]
    rows = rows.iloc[np.argsort(rows["method"].map(LIQUIDITY_ORDER).fillna(9).to_numpy(),
                                kind="stable")]
    return Measures("Liquidity, programme, 3 months", tuple(
        Measure(f"{r.method}{' (KPI)' if r.kpi else ''}", float(r.ratio), "percent")
        for r in rows.itertuples(index=False)),
        f" -- `reserva liquidity {_options(run_id, scenario)}`, "
        f"`reserva alm {_options(run_id, scenario)}`")


# --- KPIs -----------------------------------------------------------------------------------

def kpi_table(kpis: pd.DataFrame, title: str, *, full: bool = False) -> KpiTable:
    """One run's KPI table (``reserva.report.kpi_view``: what is n/a folded unless ``full``)."""
    view = kpi_view(kpis, full=full)
    rows = tuple(KpiRow(ind, catalogue.label(ind), catalogue.unit(ind), tuple(
        None if cell is None else KpiCell(_float(cell[0]), str(cell[1])) for cell in cells))
        for ind, cells in view.rows)
    return KpiTable(title, tuple(str(c) for c in view.columns), rows, view.folded,
                    view.hidden_rows)


def _float(x) -> float:
    return math.nan if x is None else float(x)


def flags(kpis: pd.DataFrame) -> Flags:
    """The values outside their threshold, in the table's row order, each naming its rule."""
    out = []
    for r in kpis[kpis["flag"].isin(("below", "above"))].itertuples():
        rule = getattr(r, "rule", "") or ""
        out.append(Flag(str(r.product_id), catalogue.label(r.indicator).strip(),
                        catalogue.unit(r.indicator), _float(r.value), r.flag, str(rule)))
    return Flags(tuple(out))


def kpi_rows(store: Path, run_id: int | None = None, product: str | None = None,
             scenario: str = BASE) -> tuple[int, pd.DataFrame]:
    """A run's KPI rows (one column, or every column) for an export: run id and rows."""
    rid, kpis = read_results(store, "kpis", run_id, scenario)
    kpis = kpis[kpis["product_id"].isin(pick_columns(kpis, product))]
    return rid, kpis.drop(columns=["position"])


def kpi_report(store: Path, run_id: int | None = None, *, product: str | None = None,
               full: bool = False, scenario: str = BASE) -> Report:
    """``reserva kpi``: a run's KPI table (one column or every column) and its flags."""
    rid, kpis = read_results(store, "kpis", run_id, scenario)
    kpis = kpis[kpis["product_id"].isin(pick_columns(kpis, product))]
    rec = run_record(store, rid)
    title = (f"KPIs, period {rec['period_start'].date()} .. {rec['valuation_date'].date()} "
             f"({_run(rid, scenario)}, edition {rec['edition']})")
    return Report(title, (Section("kpis", (kpi_table(kpis, title, full=full), flags(kpis))),),
                  run_id=rid)


def pick_columns(frame: pd.DataFrame, product: str | None) -> list[str]:
    """The columns (products, the programme) of a run's table: all, or ``product`` alone
    (ArgumentError, exit 2, when the run has no such column)."""
    cols = list(dict.fromkeys(frame["product_id"]))
    if product is None:
        return cols
    if product not in cols:
        raise ArgumentError.bad("--product", product, "a column of the run", summary=(
            f"--product {product}: the run has {', '.join(map(str, cols)) or 'no rows'}"))
    return [product]


def trend_rows(store: Path, product: str | None = None, scenario: str = BASE) -> pd.DataFrame:
    """Each indicator across the stored valuation dates (latest run of each date), for an
    export."""
    return kpi_trend(store, product, scenario).drop(columns=["position"])


def trend_report(store: Path, product: str | None = None, scenario: str = BASE) -> Report:
    """``reserva kpi --trend``: per column, its indicators across the stored valuation dates
    (latest run of each date); figure data: one series per column and indicator."""
    t = kpi_trend(store, product, scenario)
    tables, figures = [], []
    which = "" if scenario == BASE else f", scenario {scenario}"
    for p in dict.fromkeys(t["product_id"]):
        table = trend_table(t, p, f"KPI trend, {p} (latest run of each valuation date{which})")
        tables.append(table)
        figures.append(Figure(f"KPI trend, {p}", "valuation date", tuple(
            Series(r.label.strip(), table.columns, tuple(c.value for c in r.cells))
            for r in table.rows), "kpi"))
    return Report("KPI trend", (Section("trend", tuple(tables)),), tuple(figures))


def trend_table(trend: pd.DataFrame, product: str, title: str) -> KpiTable:
    """One column's indicators (rows, edition order) across valuation dates (columns)."""
    rows = trend[trend["product_id"] == product]
    dates = tuple(str(d) for d in dict.fromkeys(rows["valuation_date"]))
    order = list(dict.fromkeys(rows.sort_values("position")["indicator"]))
    cells = {(r.indicator, str(r.valuation_date)): KpiCell(_float(r.value), str(r.flag))
             for r in rows.itertuples()}
    na = KpiCell(math.nan, "n/a")
    return KpiTable(title, dates, tuple(
        KpiRow(ind, catalogue.label(ind), catalogue.unit(ind),
               tuple(cells.get((ind, d), na) for d in dates)) for ind in order), layout="trend")


def pending_rows(store: Path, run_id: int | None = None,
                 scenario: str = BASE) -> tuple[int, pd.DataFrame]:
    """The claims a run's timeliness schedule waits for (report date as text): id and rows."""
    rid, frame = read_results(store, "kpi_pending_claims", run_id, scenario)
    frame["report_date"] = frame["report_date"].astype(str)
    return rid, frame


def pending_report(store: Path, run_id: int | None = None, scenario: str = BASE) -> Report:
    """``reserva kpi --pending``: the claims selected for the timeliness schedule, not yet
    processed."""
    rid, frame = pending_rows(store, run_id, scenario)
    run = _run(rid, scenario, "Run")
    return Report(f"{run}: pending claims", (Section("pending", (table_from_frame(
        frame, f"{run}: {len(frame)} claims selected for the timeliness schedule, "
               "not yet processed"),)),), run_id=rid)


# --- runs, liquidity, ALM -------------------------------------------------------------------

def runs_report(store: Path) -> Report:
    """``reserva runs``: every run of the store, oldest first, with its lineage."""
    runs = list_runs(store)
    columns = []
    for name in runs.columns:
        kind = runs[name].dtype.kind
        columns.append(Column(str(name), "fixed2" if kind == "f" else "integer" if kind == "i"
                              else "text", "right" if kind in "if" else "left"))
    rows = table_from_frame(runs, "Runs").rows
    return Report("Runs", (Section("runs", (Table("Runs", tuple(columns), rows),)),))


def liquidity_rows(store: Path, run_id: int | None = None, product: str | None = None,
                   scenario: str = BASE) -> tuple[int, list[str], pd.DataFrame]:
    """A run's liquidity rows (one column or every column): run id, columns, rows."""
    rid, liq = read_results(store, "liquidity", run_id, scenario)
    cols = pick_columns(liq, product)
    return rid, cols, liq[liq["product_id"].isin(cols)]


def liquidity_report(store: Path, run_id: int | None = None, product: str | None = None,
                     scenario: str = BASE) -> Report:
    """``reserva liquidity``: per column, its ratios by method and horizon."""
    rid, cols, liq = liquidity_rows(store, run_id, product, scenario)
    percent = {"ratio": Column("ratio", "percent")}
    run = _run(rid, scenario, "Run")
    return Report(f"{run}: liquidity", (Section("liquidity", tuple(
        table_from_frame(liquidity_frame(liq, p), f"{run}: liquidity, {p}", percent)
        for p in cols)),), run_id=rid)


def liquidity_frame(liq: pd.DataFrame, product: str) -> pd.DataFrame:
    """One column's liquidity rows: method, horizon, numerator, short-term, ratio, note."""
    rows = liq[liq["product_id"] == product]
    rows = rows.iloc[np.lexsort((rows["horizon_months"].to_numpy(),
                                 rows["method"].map(LIQUIDITY_ORDER).fillna(9).to_numpy()))]
    return pd.DataFrame({
        "method": rows["method"] + np.where(rows["kpi"], " (KPI)", ""),
        "months": rows["horizon_months"].astype(int),
        "cash + equivalents": rows["numerator"].astype(float),
        "short-term liabilities": rows["short_term"].astype(float),
        "ratio": rows["ratio"].astype(float),
        "note": rows["note"].fillna(""),
    })


def alm_rows(store: Path, run_id: int | None = None, product: str | None = None,
             scenario: str = BASE) -> tuple[int, list[str], dict[str, pd.DataFrame]]:
    """A run's ALM rows: run id, columns shown, and the ladder and PV measures of those
    columns with the investment-policy checks."""
    rid, ladder = read_results(store, "alm_ladder", run_id, scenario)
    _, measures = read_results(store, "alm_measures", rid, scenario)
    _, checks = read_results(store, "alm_checks", rid, scenario)
    cols = pick_columns(ladder, product) if len(ladder) or product else []
    return rid, cols, {"ladder": ladder[ladder["product_id"].isin(cols)],
                       "measures": measures[measures["product_id"].isin(cols)],
                       "checks": checks}


def alm_report(store: Path, run_id: int | None = None, product: str | None = None,
               scenario: str = BASE) -> Report:
    """``reserva alm``: per column the maturity ladder and the PV surplus with its shocks,
    then the investment-policy checks."""
    rid, cols, rows = alm_rows(store, run_id, product, scenario)
    matching = {"matching": Column("matching", "percent")}
    run = _run(rid, scenario, "Run")
    blocks: list = []
    for p in cols:
        blocks.append(table_from_frame(ladder_frame(rows["ladder"], p),
                                       f"{run}: maturity ladder, {p}", matching))
        blocks.append(table_from_frame(measures_frame(rows["measures"], p),
                                       f"{run}: PV surplus and shocks, {p}"))
    blocks.append(Lines((f"Investment-policy checks ({_run(rid, scenario)}):",
                         *check_lines(rows["checks"]))))
    return Report(f"{run}: asset-liability matching", (Section("alm", tuple(blocks)),),
                  run_id=rid)


def ladder_frame(ladder: pd.DataFrame, product: str) -> pd.DataFrame:
    rows = ladder[ladder["product_id"] == product].sort_values("position")
    return pd.DataFrame({
        "bucket": rows["bucket"], "asset inflows": rows["inflows"].astype(float),
        "liability outflows": rows["outflows"].astype(float), "gap": rows["gap"].astype(float),
        "cumulative gap": rows["cumulative_gap"].astype(float),
        "matching": rows["matching_ratio"].astype(float),
    })


def measures_frame(measures: pd.DataFrame, product: str) -> pd.DataFrame:
    rows = measures[measures["product_id"] == product].sort_values("position")
    return pd.DataFrame({"measure": rows["measure"], "value": rows["value"].astype(float),
                         "note": rows["note"].fillna("")})


def check_lines(checks: pd.DataFrame) -> list[str]:
    """One pass/fail line per investment-policy check; the passing per-holding and per-issuer
    checks of one rule are summed up in one line (every failure keeps its own)."""
    lines, passed = [], {}
    for c in checks.sort_values("position").itertuples(index=False):
        rule = str(c.name).split("[")[0]
        if c.passed and "[" in str(c.name) and not rule.startswith("class_share"):
            passed.setdefault(rule, []).append(c)
            continue
        lines.append(f"{'PASS' if c.passed else 'FAIL'} {c.name}: {c.value or 'n/a'} "
                     f"(limit {c.limit}; {c.rule})")
    for rule, rows in passed.items():
        lines.append(f"PASS {rule}: {len(rows)} within the limit {rows[0].limit} "
                     f"({rows[0].rule})" if len(rows) > 1 else
                     f"PASS {rows[0].name}: {rows[0].value} (limit {rows[0].limit}; {rows[0].rule})")
    return lines


# --- one entry for every report of the store ------------------------------------------------

STORED_REPORTS = ("close", "kpi", "trend", "pending", "liquidity", "alm", "stress", "runs")
_TAKES = {  # the options each report reads besides the store
    "close": ("run_id", "scenario"), "kpi": ("run_id", "scenario", "product", "full"),
    "trend": ("scenario", "product"), "pending": ("run_id", "scenario"),
    "liquidity": ("run_id", "scenario", "product"), "alm": ("run_id", "scenario", "product"),
    "stress": ("run_id",), "runs": (),
}


def stored_report(store: Path, kind: str = "close", *, run_id: int | None = None,
                  scenario: str = BASE, product: str | None = None,
                  full: bool = False) -> Report:
    """The report ``kind`` of a stored run (or of the store: ``trend``, ``runs``).

    Parameters
    ----------
    store : Path
        The DuckDB store.
    kind : str
        One of ``STORED_REPORTS``: ``close`` (what ``reserva close`` shows), ``kpi``,
        ``trend``, ``pending``, ``liquidity``, ``alm``, ``stress`` (the stress scenarios stored
        under the run), ``runs``.
    run_id : int, optional
        The run (default: the latest completed run having ``scenario``).
    scenario : str
        The scenario of the run's results (default ``base``, the close's).
    product : str, optional
        One column (a product, or ``ALL``) of ``kpi``, ``trend``, ``liquidity``, ``alm``.
    full : bool
        ``kpi``: every indicator and cell (nothing folded).

    Raises
    ------
    ArgumentError
        An unknown ``kind``, or an option the report does not read.
    """
    if kind not in STORED_REPORTS:
        raise ArgumentError.bad("kind", kind, f"one of {', '.join(STORED_REPORTS)}")
    values = {"run_id": run_id, "scenario": scenario, "product": product, "full": full}
    defaults = {"run_id": None, "scenario": BASE, "product": None, "full": False}
    extra = [k for k in values if values[k] != defaults[k] and k not in _TAKES[kind]]
    if extra:
        reads = ", ".join(_TAKES[kind]) or "the store only"
        raise ArgumentError.bad(extra[0], values[extra[0]],
                                f"no {extra[0]} for report {kind!r} (it reads {reads})")
    if kind == "close":
        return close_summary(store, run_id, scenario)
    if kind == "kpi":
        return kpi_report(store, run_id, product=product, full=full, scenario=scenario)
    if kind == "trend":
        return trend_report(store, product, scenario)
    if kind == "pending":
        return pending_report(store, run_id, scenario)
    if kind == "liquidity":
        return liquidity_report(store, run_id, product, scenario)
    if kind == "alm":
        return alm_report(store, run_id, product, scenario)
    if kind == "stress":
        return stored_stress_report(store, run_id)
    return runs_report(store)
