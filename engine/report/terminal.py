"""Terminal tables (rich): KPIs, reserves, runs. No calculations here, only presentation.

Ratios are stored as fractions and shown as percentages rounded half-up to one decimal
(spec §0.4); an undefined value shows as ``n/a``; a value outside its edition's threshold is
marked ``▼`` (below) or ``▲`` (above).

Text from data (ids, notes, rules) is shown literally: every title, header and cell is a rich
``Text`` (never parsed as markup or emoji codes), and ``console()`` prints strings without
markup, emoji or highlighting, so an id such as ``[/x]`` or ``[red]X[/red]`` is printed as is.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from reserva.kpi import catalogue
from reserva.report.kpi_view import kpi_view

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


def _table(title: str, **kwargs) -> Table:
    return Table(title=Text(str(title)), title_justify="left", **kwargs)


def kpi_table(kpis: pd.DataFrame, title: str, *, full: bool = False) -> Group:
    """Indicators as rows (edition order), products then the programme as columns; what is
    n/a folded into lines under the table unless ``full`` (``reserva.report.kpi_view``)."""
    view = kpi_view(kpis, full=full)
    table = Table(show_lines=False)  # the title is a line of its own: never wrapped to the table
    table.add_column("Indicator", no_wrap=True)
    for c in view.columns:
        table.add_column(Text(str(c)), justify="right", no_wrap=True)
    for ind, cells in view.rows:
        table.add_row(Text(_label(ind)),
                      *[Text("") if cell is None else _flagged(ind, cell) for cell in cells])
    lines = [Text(line) for line in view.folded]
    if view.folded:
        lines.append(Text("(folded: each n/a family shown once per product, "
                          f"{view.hidden_rows} indicator(s) n/a everywhere left out; "
                          "`reserva kpi --all` shows every row and cell)"))
    return Group(Text(str(title)), table, *lines)


def flag_lines(kpis: pd.DataFrame) -> list[str]:
    """One line per value outside its threshold, naming the rule applied (edition, bound, source)."""
    out = []
    for r in kpis[kpis["flag"].isin(tuple(MARK))].itertuples():
        rule = getattr(r, "rule", "") or ""
        out.append(f"{MARK[r.flag].strip()} {r.product_id} {catalogue.label(r.indicator).strip()} "
                   f"{fmt_value(r.indicator, r.value)}: {r.flag} the rule {rule}")
    return out


def _flagged(indicator: str, cell) -> Text:
    """A KPI value as text with its threshold mark, red when outside the threshold."""
    value, fl = cell if cell is not None else (math.nan, "n/a")
    text = fmt_value(indicator, value) + MARK.get(fl, "")
    return Text(text, style="red" if fl in MARK else "")


def trend_table(trend: pd.DataFrame, product: str, title: str) -> Table:
    """One product's indicators (rows, edition order) across valuation dates (columns)."""
    rows = trend[trend["product_id"] == product]
    dates = list(dict.fromkeys(rows["valuation_date"]))
    order = list(dict.fromkeys(rows.sort_values("position")["indicator"]))
    table = _table(title)
    table.add_column("Indicator", no_wrap=True)
    for d in dates:
        table.add_column(Text(str(d)), justify="right", no_wrap=True)
    cells = {(r.indicator, r.valuation_date): (r.value, r.flag) for r in rows.itertuples()}
    for ind in order:
        table.add_row(Text(_label(ind)), *[_flagged(ind, cells.get((ind, d))) for d in dates])
    return table


def reserves_table(reserves: pd.DataFrame, title: str) -> Table:
    table = _table(title)
    table.add_column("Product")
    for name in ("upr", "ibnr", "ocs", "alr"):
        table.add_column(name.upper(), justify="right")
    wide = reserves.pivot_table(index="product_id", columns="reserve", values="closing", sort=False)
    for product, row in wide.iterrows():
        table.add_row(Text(str(product)),
                      *[f"{row.get(n, 0.0):,.0f}" for n in ("upr", "ibnr", "ocs", "alr")])
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


def triangle_ibnr_frame(doc: dict) -> pd.DataFrame:
    """``reserva ibnr``'s table from its document (``triangle_ibnr.document``): one row per
    origin (latest, cdf, ultimate, ibnr, std_err for mack, flags), the total over the origins
    with a result, then the bootstrap lines if any. Undefined values show empty."""
    numbers = ["latest", "cdf", "ultimate", "ibnr"] + (["std_err"] if doc["method"] == "mack" else [])
    rows = [{"origin": o["origin"], **{k: _number(o[k]) for k in numbers},
             "flags": ", ".join(o["flags"])} for o in doc["origins"]]
    t = doc["totals"]
    label = "total" if not t["undefined_origins"] else (
        f"total of {t['origins'] - t['undefined_origins']} (of {t['origins']})")
    rows.append({"origin": label, **{k: _number(t.get(k)) for k in numbers}, "cdf": float("nan"),
                 "flags": ""})
    boot = doc.get("bootstrap")
    if boot is not None:
        lines = [("bootstrap mean", boot["mean"]), ("bootstrap std", boot["std"])]
        lines += [(f"bootstrap p{p}", v) for p, v in boot["percentiles"].items()]
        rows += [{"origin": k, **{c: float("nan") for c in numbers}, "ibnr": _number(v),
                  "flags": ""} for k, v in lines]
    frame = pd.DataFrame(rows, columns=["origin", *numbers, "flags"])
    if not frame["flags"].astype(bool).any():
        frame = frame.drop(columns="flags")
    return frame


def _number(x) -> float:
    return float("nan") if x is None else float(x)


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
    table = _table(title)
    for col in frame.columns:
        table.add_column(Text(str(col)),
                         justify="right" if frame[col].dtype.kind in "if" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(x) for x in row])
    return table


def pairs_table(rows: list[tuple[str, str]], title: str) -> Table:
    """Label / value lines already formatted (e.g. the ``reserva life`` spot check)."""
    table = _table(title, show_header=False)
    table.add_column("", justify="left")
    table.add_column("", justify="right")
    for label, value in rows:
        table.add_row(Text(str(label)), Text(str(value)))
    return table


def _cell(x) -> Text:
    """A cell shown literally (rich ``Text``: never read as markup)."""
    if isinstance(x, float):
        if math.isnan(x):
            return Text("")
        return Text(f"{x:,.4f}" if abs(x) < 100 and x != int(x) else f"{x:,.0f}")
    return Text(str(x))


def runs_table(runs: pd.DataFrame) -> Table:
    table = _table("Runs")
    for col in runs.columns:
        table.add_column(Text(str(col)), justify="right" if runs[col].dtype.kind in "if" else "left")
    for row in runs.itertuples(index=False):
        table.add_row(*[Text("" if pd.isna(x) else (f"{x:.2f}" if isinstance(x, float) else str(x)))
                        for x in row])
    return table


def console(stderr: bool = False) -> Console:
    """The project's console: strings are printed literally (no markup, emoji or highlighting:
    ids and notes from data may hold ``[...]`` or ``:name:``); 160 columns when not a terminal."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False,
                   width=160 if not Console().is_terminal else None)


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
