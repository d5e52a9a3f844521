"""The report model: what a report shows, apart from how it is drawn.

A report is a title, sections and figure data::

    Report(title, sections=(Section(title, blocks, notes), ...), figures=(Figure, ...))

A section's blocks are, in the order shown:

- ``Table``: columns, each declaring the format of its values (``FORMATS``: an amount, a
  money amount, a fraction shown as a percentage, a whole number, text...) and its alignment,
  and rows of **plain values** (``str``, ``int``, ``float``, ``bool`` or ``None``; NaN is an
  undefined number), never pre-formatted strings;
- ``KpiTable``: indicators (rows, with their unit) by column (products, or valuation dates for
  a trend), each cell a value and its threshold flag, with the fold lines saying what is n/a
  (``reserva.report.kpi_view``);
- ``Flags``: the values outside their threshold, each naming its rule;
- ``Measures``: one line of labelled values (e.g. the programme's 3-month liquidity ratios);
- ``Pairs``: labelled values one a line (a spot check's results), each in its format;
- ``Lines``: sentences (text from data or from the engine, shown literally).

A section's ``notes`` are the run's notes. ``Figure``s hold series for a chart (x and y values
with their format); the terminal draws none of them, an HTML report may.

The model holds no pandas object and formats nothing: the builders (``reserva.report.builders``)
assemble it from a stored run, the renderers (``reserva.report.terminal``) draw it. Everything
is frozen; text from data is kept as is (a renderer escapes it for its medium).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Union

import numpy as np
import pandas as pd

Value = Union[str, int, float, bool, None]  # noqa: UP007 - a runtime alias

FORMATS = {
    "text": "shown as is; None and NaN blank",
    "amount": "thousands separators and no decimals; 4 decimals below 100 when not whole; NaN blank",
    "money": "thousands separators and no decimals",
    "integer": "a whole number as is (no separators)",
    "percent": "a fraction as a percentage, half-up to one decimal; NaN shown n/a",
    "fixed2": "two decimals; None blank",
    "money1": "thousands separators and one decimal (a statement's amounts)",
    "money2": "thousands separators and two decimals",
    "fixed6": "six decimals",
}
Align = Literal["left", "right"]


@dataclass(frozen=True)
class Column:
    """A table column: its header, the format of its values (a key of ``FORMATS``), alignment."""

    name: str
    format: str = "text"
    align: Align = "left"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"column {self.name!r}: unknown format {self.format!r}")


@dataclass(frozen=True)
class Table:
    """A table of plain values; ``header=False`` draws no header line (label / value pairs)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    header: bool = True

    def column(self, name: str) -> tuple[Value, ...]:
        """The values of one column (by header), top to bottom."""
        i = [c.name for c in self.columns].index(name)
        return tuple(r[i] for r in self.rows)


@dataclass(frozen=True)
class KpiCell:
    """A KPI value (NaN: undefined) and its flag (``below``, ``above``, ``n/a`` or empty)."""

    value: float
    flag: str


@dataclass(frozen=True)
class KpiRow:
    """One indicator: id, label (sub-indicators indented), unit (``catalogue.unit``), cells;
    a cell ``None`` is folded (drawn blank: the family's first row says n/a)."""

    indicator: str
    label: str
    unit: str
    cells: tuple[KpiCell | None, ...]


@dataclass(frozen=True)
class KpiTable:
    """Indicators by column. ``layout`` ``run``: one run's columns (products then the
    programme), the title a line of its own and the fold lines under the table; ``trend``: one
    column per valuation date, the title on the table."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[KpiRow, ...]
    folded: tuple[str, ...] = ()
    hidden_rows: int = 0
    layout: Literal["run", "trend"] = "run"


@dataclass(frozen=True)
class Flag:
    """A value outside its threshold: column, indicator label and unit, value, direction, rule."""

    column: str
    label: str
    unit: str
    value: float
    flag: Literal["below", "above"]
    rule: str


@dataclass(frozen=True)
class Flags:
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Measure:
    """A labelled value in a format of ``FORMATS``."""

    label: str
    value: Value
    format: str = "percent"


@dataclass(frozen=True)
class Measures:
    """One line: ``title: label value; label value ...`` then ``tail``."""

    title: str
    measures: tuple[Measure, ...]
    tail: str = ""


@dataclass(frozen=True)
class Pairs:
    """Labelled values, one a line under a title (e.g. a spot check's results)."""

    title: str
    pairs: tuple[Measure, ...]


@dataclass(frozen=True)
class Lines:
    """Sentences shown one per line, literally; ``wrap=False``: a line is never wrapped to the
    width of the screen (e.g. review lines a tool may read)."""

    lines: tuple[str, ...]
    wrap: bool = True


Block = Union[Table, KpiTable, Flags, Measures, Pairs, Lines]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class Section:
    """A titled part of a report: its blocks in order, then its notes."""

    title: str
    blocks: tuple[Block, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Series:
    """One line or bar series of a figure: its name, x and y values (y NaN: no point)."""

    name: str
    x: tuple[Value, ...]
    y: tuple[float, ...]


@dataclass(frozen=True)
class Figure:
    """Data for a chart: series over a common x axis, the y values in ``y_format``."""

    title: str
    x_label: str
    series: tuple[Series, ...]
    y_format: str = "amount"


@dataclass(frozen=True)
class Report:
    """What one report shows (module docstring); ``run_id`` the stored run it shows, if one."""

    title: str
    sections: tuple[Section, ...]
    figures: tuple[Figure, ...] = ()
    run_id: int | None = None
    meta: tuple[tuple[str, Value], ...] = field(default=())

    def section(self, title: str) -> Section:
        """The section of that title (KeyError when the report has none)."""
        for s in self.sections:
            if s.title == title:
                return s
        raise KeyError(title)

    def blocks(self) -> tuple[Block, ...]:
        """Every block of every section, in order."""
        return tuple(b for s in self.sections for b in s.blocks)


def plain(x) -> Value:
    """A cell as a plain Python value: numpy scalars unwrapped, missing values None (a float
    NaN stays NaN: an undefined number), dates as ISO text."""
    if isinstance(x, np.generic):
        x = x.item()
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, float | int | str | bool):
        return x
    if isinstance(x, pd.Timestamp | dt.date):
        return str(x)
    return str(x)


def table_from_frame(frame: pd.DataFrame, title: str,
                     columns: dict[str, Column] | None = None) -> Table:
    """A small frame as a table: float columns ``amount``, integer columns ``integer`` (both
    right-aligned), every other column text (left-aligned); ``columns`` declares others by
    name (e.g. a ratio shown as a percentage)."""
    declared = columns or {}
    columns = []
    for name in frame.columns:
        kind = frame[name].dtype.kind
        fmt = "amount" if kind == "f" else "integer" if kind in "iu" else "text"
        columns.append(declared.get(str(name)) or Column(
            str(name), fmt, "right" if kind in "if" else "left"))
    rows = tuple(tuple(plain(x) for x in row) for row in frame.itertuples(index=False))
    return Table(title, tuple(columns), rows)
