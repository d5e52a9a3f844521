"""The terminal renderer (rich) of the report model (``reserva.report.model``): it only draws.

``show(report)`` prints a report's sections in order: each block (tables, the KPI table with
its fold lines, flag lines, measure lines, label/value pairs, sentences), then the section's
notes as ``note: ...`` lines; section titles and figures are not drawn on a terminal.

Formats (``model.FORMATS``): ratios are stored as fractions and shown as percentages rounded
half-up to one decimal (spec §0.4); an undefined value shows as ``n/a`` (a KPI, a percentage)
or blank (an amount), an infinite one as ``inf`` or ``-inf`` in every format (never an
error); a KPI value outside its edition's threshold is marked ``▼`` (below) or ``▲`` (above),
in red.

Text from data (ids, notes, rules) is shown literally: every title, header and cell is a rich
``Text`` (never parsed as markup or emoji codes), and ``console()`` prints strings without
markup, emoji or highlighting, so an id such as ``[/x]`` or ``[red]X[/red]`` is printed as is.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from reserva.kpi import catalogue
from reserva.report import model
from reserva.report.spot import day_text, upr_by_policy, upr_by_product  # noqa: F401 - API

if TYPE_CHECKING:
    import pandas as pd

MARK = {"below": " ▼", "above": " ▲"}


def half_up(value: float, places: int) -> str:
    """``value`` rounded half-up to ``places`` decimals, as text (``inf`` / ``-inf`` for an
    infinite value)."""
    if _infinite(value):
        return _inf(value)
    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def _undefined(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _infinite(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isinf(x)


def _inf(x) -> str:
    return "inf" if x > 0 else "-inf"


def _percent(x) -> str:
    """A fraction as a percentage (``n/a`` undefined, ``inf`` / ``-inf`` infinite)."""
    if _undefined(x):
        return "n/a"
    return _inf(x) if _infinite(x) else half_up(100 * x, 1) + "%"


def fmt_unit(unit: str, value) -> str:
    """A KPI value in its unit: ratios as percentages, indices with two decimals, days with
    one, counts whole, money with thousands separators (half-up rounding throughout)."""
    if _undefined(value):
        return "n/a"
    if _infinite(value):
        return _inf(value)
    if unit == "ratio":
        return _percent(value)
    if unit == "index":
        return half_up(value, 2)
    if unit in ("days", "years"):
        return f"{Decimal(half_up(value, 1)):,}"
    if unit == "rate":
        return half_up(value, 4)
    if unit == "count":
        return f"{int(round(value)):,}"
    return f"{Decimal(half_up(value, 2)):,}"


def fmt_value(indicator: str, value: float) -> str:
    """A KPI value in its indicator's unit (``fmt_unit``)."""
    return fmt_unit(catalogue.unit(indicator), value)


def _amount(x: float) -> str:
    return f"{x:,.4f}" if abs(x) < 100 and x != int(x) else f"{x:,.0f}"


def cell_text(fmt: str, x) -> str:
    """A plain value drawn in its format (``model.FORMATS``)."""
    if fmt == "percent":
        return _percent(x)
    if _undefined(x):
        return ""
    if _infinite(x):
        return _inf(x)
    if fmt in ("text", "amount"):
        return _amount(x) if isinstance(x, float) else str(x)
    if fmt == "money":
        return f"{x:,.0f}"
    if fmt == "money1":
        return f"{x:,.1f}"
    if fmt == "money2":
        return f"{x:,.2f}"
    if fmt == "fixed2":
        return f"{x:.2f}" if isinstance(x, float) else str(x)
    if fmt == "fixed6":
        return f"{x:.6f}"
    return str(x)  # integer


def _table(title: str, **kwargs) -> Table:
    return Table(title=Text(str(title)), title_justify="left", **kwargs)


def table(t: model.Table) -> Table:
    """A model table as a rich table (every header and cell literal text)."""
    out = _table(t.title, show_header=t.header)
    for c in t.columns:
        out.add_column(Text(c.name), justify=c.align)
    for row in t.rows:
        out.add_row(*[Text(cell_text(c.format, x)) for c, x in zip(t.columns, row, strict=True)])
    return out


def _flagged(unit: str, cell: model.KpiCell | None) -> Text:
    """A KPI value as text with its threshold mark, red when outside the threshold."""
    value, fl = (cell.value, cell.flag) if cell is not None else (math.nan, "n/a")
    return Text(fmt_unit(unit, value) + MARK.get(fl, ""), style="red" if fl in MARK else "")


def kpis(t: model.KpiTable) -> RenderableType:
    """Indicators as rows, columns (products then the programme, or valuation dates); for one
    run the title is a line of its own (never wrapped to the table) and the fold lines follow."""
    trend = t.layout == "trend"
    out = _table(t.title) if trend else Table(show_lines=False)
    out.add_column("Indicator", no_wrap=True)
    for c in t.columns:
        out.add_column(Text(str(c)), justify="right", no_wrap=True)
    for r in t.rows:
        out.add_row(Text(r.label), *[
            Text("") if cell is None and not trend else _flagged(r.unit, cell)
            for cell in r.cells])
    if trend:
        return out
    lines = [Text(line) for line in t.folded]
    if t.folded:
        lines.append(Text("(folded: each n/a family shown once per product, "
                          f"{t.hidden_rows} indicator(s) n/a everywhere left out; "
                          "`reserva kpi --all` shows every row and cell)"))
    return Group(Text(str(t.title)), out, *lines)


def flag_text(f: model.Flag) -> str:
    """One value outside its threshold, naming the rule applied (edition, bound, source)."""
    return (f"{MARK[f.flag].strip()} {f.column} {f.label} {fmt_unit(f.unit, f.value)}: "
            f"{f.flag} the rule {f.rule}")


def measures_text(m: model.Measures) -> str:
    return (f"{m.title}: " + "; ".join(f"{x.label} {cell_text(x.format, x.value)}"
                                       for x in m.measures) + m.tail)


def pairs(p: model.Pairs) -> Table:
    out = _table(p.title, show_header=False)
    out.add_column("", justify="left")
    out.add_column("", justify="right")
    for x in p.pairs:
        out.add_row(Text(str(x.label)), Text(cell_text(x.format, x.value)))
    return out


def show(report: model.Report, out: Console | None = None) -> None:
    """Print ``report`` (module docstring) on ``out`` (default: ``console()``)."""
    out = out or console()
    for section in report.sections:
        for block in section.blocks:
            _show(block, out)
        for note in section.notes:
            out.print(f"note: {note}")


def _show(block: model.Block, out: Console) -> None:
    if isinstance(block, model.Table):
        out.print(table(block))
    elif isinstance(block, model.KpiTable):
        out.print(kpis(block))
    elif isinstance(block, model.Flags):
        for f in block.flags:
            out.print(flag_text(f))
    elif isinstance(block, model.Measures):
        out.print(measures_text(block))
    elif isinstance(block, model.Pairs):
        out.print(pairs(block))
    elif isinstance(block, model.Lines):
        for line in block.lines:
            out.print(line, soft_wrap=not block.wrap)
    else:
        raise TypeError(f"no terminal drawing for {type(block).__name__}")


# --- frames drawn directly (callers holding a frame rather than a stored run) ---------------

def frame_table(frame: pd.DataFrame, title: str) -> Table:
    """Any small frame as a table; money with thousands separators and no decimals."""
    return table(model.table_from_frame(frame, title))


def kpi_table(kpis_frame: pd.DataFrame, title: str, *, full: bool = False) -> RenderableType:
    """A run's KPI rows as the KPI table (``reserva.report.kpi_view``: n/a folded unless
    ``full``)."""
    from reserva.report.builders import kpi_table as build

    return kpis(build(kpis_frame, title, full=full))


def flag_lines(kpis_frame: pd.DataFrame) -> list[str]:
    """One line per value outside its threshold, naming the rule applied."""
    from reserva.report.builders import flags

    return [flag_text(f) for f in flags(kpis_frame).flags]


def console(stderr: bool = False) -> Console:
    """The project's console: strings are printed literally (no markup, emoji or highlighting:
    ids and notes from data may hold ``[...]`` or ``:name:``); 160 columns when not a terminal."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False,
                   width=160 if not Console().is_terminal else None)
