"""Terminal tables (rich): KPIs, reserves, runs. No calculations here, only presentation.

Ratios are stored as fractions and shown as percentages rounded half-up to one decimal
(spec §0.4); an undefined value shows as ``n/a``; a value outside its edition's threshold is
marked ``▼`` (below) or ``▲`` (above).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from engine.kpi import catalogue

MARK = {"below": " ▼", "above": " ▲"}


def half_up(value: float, places: int) -> str:
    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


def fmt_value(indicator: str, value: float) -> str:
    """A KPI value in its unit: ratios as percentages, indices with two decimals, days with
    one, counts whole, money with thousands separators (half-up rounding throughout)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    kind = catalogue.unit(indicator)
    if kind == "ratio":
        return half_up(100 * value, 1) + "%"
    if kind == "index":
        return half_up(value, 2)
    if kind in ("days", "years"):
        return f"{Decimal(half_up(value, 1)):,}"
    if kind == "rate":
        return half_up(value, 4)
    if kind == "count":
        return f"{int(round(value)):,}"
    return f"{Decimal(half_up(value, 2)):,}"


def _label(indicator: str) -> str:
    return catalogue.label(indicator)


def kpi_table(kpis: pd.DataFrame, title: str) -> Table:
    """Indicators as rows (edition order), products then the programme as columns."""
    columns = list(dict.fromkeys(kpis["product_id"]))
    order = list(dict.fromkeys(kpis.sort_values("position")["indicator"]))
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Indicator", no_wrap=True)
    for c in columns:
        table.add_column(c, justify="right", no_wrap=True)
    cells = {(r.indicator, r.product_id): (r.value, r.flag) for r in kpis.itertuples()}
    for ind in order:
        table.add_row(_label(ind), *[_flagged(ind, cells.get((ind, c))) for c in columns])
    return table


def flag_lines(kpis: pd.DataFrame) -> list[str]:
    """One line per value outside its threshold, naming the rule applied (edition, bound, source)."""
    out = []
    for r in kpis[kpis["flag"].isin(tuple(MARK))].itertuples():
        rule = getattr(r, "rule", "") or ""
        out.append(f"{MARK[r.flag].strip()} {r.product_id} {catalogue.label(r.indicator).strip()} "
                   f"{fmt_value(r.indicator, r.value)}: {r.flag} the rule {rule}")
    return out


def _flagged(indicator: str, cell) -> str:
    """A KPI value as text with its threshold mark, red when outside the threshold."""
    value, fl = cell if cell is not None else (math.nan, "n/a")
    text = fmt_value(indicator, value) + MARK.get(fl, "")
    return f"[red]{text}[/red]" if fl in MARK else text


def trend_table(trend: pd.DataFrame, product: str, title: str) -> Table:
    """One product's indicators (rows, edition order) across valuation dates (columns)."""
    rows = trend[trend["product_id"] == product]
    dates = list(dict.fromkeys(rows["valuation_date"]))
    order = list(dict.fromkeys(rows.sort_values("position")["indicator"]))
    table = Table(title=title, title_justify="left")
    table.add_column("Indicator", no_wrap=True)
    for d in dates:
        table.add_column(d, justify="right", no_wrap=True)
    cells = {(r.indicator, r.valuation_date): (r.value, r.flag) for r in rows.itertuples()}
    for ind in order:
        table.add_row(_label(ind), *[_flagged(ind, cells.get((ind, d))) for d in dates])
    return table


def reserves_table(reserves: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("Product")
    for name in ("upr", "ibnr", "ocs", "alr"):
        table.add_column(name.upper(), justify="right")
    wide = reserves.pivot_table(index="product_id", columns="reserve", values="closing", sort=False)
    for product, row in wide.iterrows():
        table.add_row(str(product), *[f"{row.get(n, 0.0):,.0f}" for n in ("upr", "ibnr", "ocs", "alr")])
    total = wide.sum()
    table.add_row("ALL", *[f"{total.get(n, 0.0):,.0f}" for n in ("upr", "ibnr", "ocs", "alr")])
    return table


def day_text(day_number: int) -> str:
    return str(pd.Timestamp(int(day_number), unit="D").date())


def upr_by_policy(result) -> pd.DataFrame:
    """policy_id, product_id, upr, earned, written (period flows)."""
    return pd.DataFrame({
        "policy_id": result.policy_id, "product_id": result.products[result.product],
        "upr": result.upr, "earned": result.earned, "written": result.written,
    })


def upr_by_product(result, names) -> pd.DataFrame:
    """Totals by product with the earning basis (and its components) used."""
    frame = result.by_product()
    frame.insert(1, "earning_basis", [n[0] for n in names])
    frame.insert(2, "components", [" + ".join(n[1:]) for n in names])
    return frame


def rollforward_frame(roll: pd.DataFrame) -> pd.DataFrame:
    total = roll.drop(columns=["product_id"]).sum()
    return pd.concat([roll, pd.DataFrame([{"product_id": "ALL", **total.to_dict()}])],
                     ignore_index=True)


def change_frame(change: pd.DataFrame) -> pd.DataFrame:
    """Products as rows, the steps of the IBNR analysis of change as columns (in order)."""
    order = list(dict.fromkeys(change.sort_values("position")["step"]))
    wide = change.pivot(index="product_id", columns="step", values="amount")[order]
    wide.loc["ALL"] = wide.sum()
    return wide.reset_index()


def triangle_ibnr_frame(origins, r) -> pd.DataFrame:
    frame = pd.DataFrame({"origin": list(origins), "latest": r.latest, "cdf": r.cdf,
                          "ultimate": r.ultimate, "ibnr": r.ibnr})
    if r.std_err is not None:
        frame["std_err"] = r.std_err
    return frame


def alr_frame(products, alr) -> pd.DataFrame:
    """ALR by product and part (products with an ALR only): savings (with the guaranteed value
    and the guarantee exposure), life contracts, how many accounts and contracts."""
    d = alr.detail
    count = d.groupby(["product_id", "source"]).size()
    rows = [
        {"product": p, "savings": float(alr.savings[i]), "guaranteed": float(alr.guaranteed[i]),
         "guarantee exposure": float(alr.guarantee_exposure[i]), "life": float(alr.life[i]),
         "alr": float(alr.alr[i]), "accounts": int(count.get((p, "savings"), 0)),
         "contracts": int(count.get((p, "life"), 0))}
        for i, p in enumerate(products) if alr.alr[i] != 0 or (d["product_id"] == p).any()
    ]
    return pd.DataFrame(rows, columns=["product", "savings", "guaranteed", "guarantee exposure",
                                       "life", "alr", "accounts", "contracts"])


def frame_table(frame: pd.DataFrame, title: str) -> Table:
    """Any small frame as a table; money with thousands separators and no decimals."""
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if frame[col].dtype.kind in "if" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(x) for x in row])
    return table


def pairs_table(rows: list[tuple[str, str]], title: str) -> Table:
    """Label / value lines already formatted (e.g. the ``reserva life`` spot check)."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("", justify="left")
    table.add_column("", justify="right")
    for label, value in rows:
        table.add_row(label, value)
    return table


def _cell(x) -> str:
    if isinstance(x, float):
        if math.isnan(x):
            return ""
        return f"{x:,.4f}" if abs(x) < 100 and x != int(x) else f"{x:,.0f}"
    return str(x)


def runs_table(runs: pd.DataFrame) -> Table:
    table = Table(title="Runs", title_justify="left")
    for col in runs.columns:
        table.add_column(col, justify="right" if runs[col].dtype.kind in "if" else "left")
    for row in runs.itertuples(index=False):
        table.add_row(*["" if pd.isna(x) else (f"{x:.2f}" if isinstance(x, float) else str(x)) for x in row])
    return table


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, width=160 if not Console().is_terminal else None)


def liquidity_frame(liq: pd.DataFrame, product: str) -> pd.DataFrame:
    """One column's liquidity rows: method, horizon, numerator, short-term, ratio as %, note."""
    order = {"projection": 0, "rule_of_thumb": 1, "factor": 2, "static": 3}
    rows = liq[liq["product_id"] == product]
    rows = rows.iloc[np.lexsort((rows["horizon_months"].to_numpy(),
                                 rows["method"].map(order).fillna(9).to_numpy()))]
    return pd.DataFrame({
        "method": rows["method"] + np.where(rows["kpi"], " (KPI)", ""),
        "months": rows["horizon_months"].astype(int),
        "cash + equivalents": rows["numerator"].astype(float),
        "short-term liabilities": rows["short_term"].astype(float),
        "ratio": [half_up(100 * x, 1) + "%" if not math.isnan(x) else "n/a"
                  for x in rows["ratio"].astype(float)],
        "note": rows["note"].fillna(""),
    })


def ladder_frame(ladder: pd.DataFrame, product: str) -> pd.DataFrame:
    rows = ladder[ladder["product_id"] == product].sort_values("position")
    return pd.DataFrame({
        "bucket": rows["bucket"], "asset inflows": rows["inflows"].astype(float),
        "liability outflows": rows["outflows"].astype(float), "gap": rows["gap"].astype(float),
        "cumulative gap": rows["cumulative_gap"].astype(float),
        "matching": [half_up(100 * x, 1) + "%" if not math.isnan(x) else "n/a"
                     for x in rows["matching_ratio"].astype(float)],
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
