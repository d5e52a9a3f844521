"""What a KPI table shows (the report model of the close's and ``reserva kpi``'s table).

Rows are indicators in the edition's order (the stored ``position``), columns the products in
their order, then the programme (``ALL``). A cell is undefined (n/a) when its value is NaN or
the close computed no row for it (e.g. the health-fund indices of a credit-life product).

By default the table shows only what applies:

- a **family n/a for a product** (every row of the family undefined for that column) is folded:
  the family's first shown row says ``n/a`` in that column, its other rows are blank there, and
  one line under the table names the family, the products and the reason;
- an **indicator n/a in every column** is left out (unless it heads a family with other rows
  shown: a sub-indicator is never shown without its headline); one line per family and reason
  names them (so a family n/a everywhere is left out whole, in its fold line).

The reason is the part of the row's note that says why (the first ``;``-separated part, outside
parentheses, beginning ``undefined``, ``not applicable``, ``incomplete`` or ``no``; else the
whole note) of the family's first row that has a note; for a family without any row for the
product, ``catalogue.ABSENT``.

``full=True`` (``reserva kpi --all``) shows every indicator and every cell, folds nothing.
Nothing here formats a number: the renderer draws the cells (``terminal.kpi_table``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from reserva.kpi import catalogue

NA = (math.nan, "n/a")  # an undefined cell: value, flag
WHY = ("undefined", "not applicable", "incomplete", "no ")


@dataclass(frozen=True)
class KpiView:
    """The rows to draw: ``(indicator, cells)`` with a cell ``(value, flag)`` or ``None``
    (folded: drawn blank), and the fold lines to print under the table."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[tuple[float, str] | None, ...]], ...]
    folded: tuple[str, ...]
    hidden_rows: int  # indicators left out (n/a in every column)


def _undefined(cell: tuple[float, str] | None) -> bool:
    return cell is None or cell[0] is None or (isinstance(cell[0], float) and math.isnan(cell[0]))


def _text(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _parts(note: str) -> list[str]:
    """``note`` split at the ``; `` that are outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(note):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and note.startswith("; ", i):
            parts.append(note[start:i])
            start = i + 2
    return [*parts, note[start:]]


def reason_of(note: str) -> str:
    """The part of a KPI note that says why the value is undefined (module docstring)."""
    return next((p for p in _parts(note) if p.startswith(WHY)), note)


def kpi_view(kpis: pd.DataFrame, *, full: bool = False) -> KpiView:
    """The report model of one run's KPI table (see the module docstring).

    Parameters
    ----------
    kpis : DataFrame
        The run's KPI rows (``product_id, indicator, value, flag, note, position``).
    full : bool
        Every indicator and every cell, nothing folded (``reserva kpi --all``).
    """
    columns = tuple(dict.fromkeys(kpis["product_id"]))
    order = list(dict.fromkeys(kpis.sort_values("position")["indicator"]))
    cells = {(r.indicator, r.product_id): (r.value, r.flag) for r in kpis.itertuples()}
    notes = {(r.indicator, r.product_id): _text(getattr(r, "note", "")) for r in kpis.itertuples()}
    if full:
        rows = tuple((ind, tuple(cells.get((ind, c), NA) for c in columns)) for ind in order)
        return KpiView(columns, rows, (), 0)

    families = list(dict.fromkeys(catalogue.family(ind) for ind in order))
    members = {f: [ind for ind in order if catalogue.family(ind) == f] for f in families}
    na_family = {(f, c) for f in families for c in columns
                 if all(_undefined(cells.get((ind, c))) for ind in members[f])}

    def reason(inds: list[str], c: str, family: str) -> str:
        given = [notes[(ind, c)] for ind in inds if notes.get((ind, c))]
        if given:
            return reason_of(given[0])
        if not any((ind, c) in cells for ind in inds):
            return catalogue.ABSENT.get(family, "not computed for this column")
        return "no reason recorded"

    lines: dict[tuple[str, str], list[str]] = {}  # (what, reason) -> columns, in order
    for f in families:
        for c in columns:
            if (f, c) in na_family:
                lines.setdefault((catalogue.FAMILY_NAMES.get(f, f), reason(members[f], c, f)),
                                 []).append(c)
    folded = [f"n/a for {', '.join(cols)}: {what} ({why})" for (what, why), cols in lines.items()]

    def empty(ind: str) -> bool:
        return all(_undefined(cells.get((ind, c))) for c in columns)

    rows, hidden, started = [], 0, set()
    gone: dict[tuple[str, str], list[str]] = {}  # (family, reason) -> labels n/a everywhere
    for ind in order:
        f = catalogue.family(ind)
        if empty(ind):
            if not all((f, c) in na_family for c in columns):
                live = [c for c in columns if (f, c) not in na_family]
                gone.setdefault((f, reason([ind], live[0], f)), []).append(
                    catalogue.label(ind).strip())
            heads = ind == members[f][0] and not all(empty(x) for x in members[f])
            if not heads:
                hidden += 1
                continue
        shown = []
        for c in columns:
            if (f, c) not in na_family:
                shown.append(cells.get((ind, c), NA))
            elif (f, c) in started:
                shown.append(None)  # folded: the family's first shown row says n/a
            else:
                started.add((f, c))
                shown.append(NA)
        rows.append((ind, tuple(shown)))
    folded += [f"n/a in every column: {catalogue.FAMILY_NAMES.get(f, f)}: {', '.join(labels)} "
               f"({why})" for (f, why), labels in gone.items()]
    return KpiView(columns, tuple(rows), tuple(folded), hidden)
