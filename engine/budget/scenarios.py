"""Budget scenarios as parameter paths: ``budget_scenarios.csv``, one row per path of one
parameter, read into frozen values and applied to a base ``BudgetInputs`` (issue 17, item 3).

A scenario is the set of its rows; each row moves one per-year parameter of ``BudgetInputs``
(``reserva.budget.model``) along a path::

    scenario_id, name, parameter, selector, year_from, year_to, start_value, end_value, mode,
    interpolation, source, note

Paths. With ``f = year_from``, ``t = year_to`` (``t >= f``), ``s = start_value``,
``e = end_value``, the path's value in year ``y`` is::

    linear   p(y) = s + (e - s) (y - f) / (t - f)     f <= y <= t   (t = f: s = e required)
    step     p(y) = s                                  f <= y < t
             p(y) = e                                  y >= t
    both     p(y) = e                                  y > t        (the last value holds)

and years before ``f`` are left as they are. On each selected cell ``x[y]`` of a year
``y >= f``: ``set`` replaces it, ``x <- p(y)``; ``multiply`` scales it, ``x <- x p(y)``;
``add`` shifts it, ``x <- x + p(y)``. A path's years need not lie inside the base's years: the
part inside applies.

Cells:

- ``parameter`` a key of ``PARAMETERS`` (the per-year fields of ``BudgetInputs`` and the axes
  each has after ``[K, Y]``), or ``combine``, or ``none``. ``dependant_distribution`` is left
  out: it adds to 1 over ages and sexes, which a path on some of its cells would break.
- ``selector`` empty (every cell of the parameter) or ``key=value`` pairs separated by ``;``,
  each key an axis of the parameter and at most once, a value one name or several separated by
  ``|``: ``service=consultations``, ``sex=male|female``, ``category=salaried``,
  ``age=15-64``. Sexes are ``male`` and ``female``; services and categories are the base's
  (checked when read if the reader is given them, always when applied); an age value ``a-b``
  (or ``a`` for ``a-a``) selects the age bands ``[from, to]`` that lie inside ``[a, b]``
  (``a <= from`` and ``to <= b``) and must select at least one band of the base.
- ``year_from``, ``year_to`` whole years in ``MIN_YEAR .. MAX_YEAR``, ``year_to >= year_from``.
- ``start_value``, ``end_value`` finite numbers within +-``MAX_VALUE`` (1e15, the default
  ``[input] max_money``: a figure above it is a typing slip); a ``multiply`` path's values are
  at least 0 (a negative factor would turn a population, a rate or a cost negative).
- ``mode`` ``set | multiply | add``; ``interpolation`` ``linear | step``.
- ``source`` never empty on a path row: the source of the path, or ``illustrative``.
- A scenario without paths (the base, e.g. ``base``) is one row of parameter ``none``, every
  other cell but the id, name, source and note empty, the only row of its scenario.
- A row of parameter ``combine`` makes its scenario the union of other scenarios:
  ``selector`` = their ids separated by ``;``, applied in that order (each one's own
  combinations first, recursively), then the scenario's own path rows; the year, value, mode
  and interpolation cells are empty. One combine row per scenario; it names known scenarios,
  not itself, none twice (directly or through another), with no cycle.

Order of a scenario's own paths. So that a scenario does not depend on the order of its rows,
its own paths apply in a canonical order: the ``set`` paths, then ``multiply``, then ``add``
(the base replaced, then scaled, then shifted); within a mode by ``year_from`` (a later-starting
``set`` overrides an earlier one from its first year: paths chain), then by their values.
Multiplications commute and so do additions; two ``set`` paths of one parameter starting the
same year on cells that may overlap (their selectors do not keep them apart) are refused, as
is a row repeated within a scenario.

Every bad cell of the file is reported at once (``BadCell``: file, line, column, value,
expected, fix; line 1 = the header), as for ``reserva.io.scenarios``. A scenario's identity
(``BudgetScenario.identity``) is the sha256 of its id, name, the ids it combines (in their
order) and its applied paths' canonical values in application order (``source``, ``note`` and
lines left out; ``1`` and ``1.0`` alike; a selector's keys and values sorted), so it does not
depend on the order of the rows and changes with any value, including a combined scenario's.

Sources: spec §1C.3 (scenarios of the ILO Health Budget model as parameter paths, seed 003:
EsSalud's projections with coverage, utilisation and unit costs moving over the years). The
interpolation, the order of application and the combination are house definitions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.budget.model import BudgetInputs
from reserva.errors import BadCell, ComputationError, InputError
from reserva.io.textcsv import missing_columns, read_checked

FILE = "budget_scenarios.csv"
COLUMNS = (
    "scenario_id", "name", "parameter", "selector", "year_from", "year_to", "start_value",
    "end_value", "mode", "interpolation", "source", "note",
)
# columns a file may leave out (read as empty)
OPTIONAL = ("selector", "note")
# the per-year fields of BudgetInputs: name -> the axes after [K, Y]
PARAMETERS: dict[str, tuple[str, ...]] = {
    "population": ("age", "sex"),
    "participation": ("age", "sex"),
    "salaried_share": ("age", "sex"),
    "coverage": ("category", "sex"),
    "dependants_per_titular": ("category",),
    "utilisation": ("service", "age", "sex"),
    "volume": ("service",),
    "relative_cost": ("service", "age", "sex"),
    "unit_cost": ("service",),
    "wage": ("category", "sex"),
    "density": ("category",),
    "contribution_rate": ("category",),
    "flat_contribution": ("category",),
    "cash_benefit_rate": (),
    "admin_rate": (),
    "capital_rate": (),
    "pension_outgo": (),
    "other_income": (),
    "reserve_return": (),
}
COMBINE = "combine"  # the parameter of a row that combines other scenarios
NO_PATH = "none"  # the parameter of a scenario without paths (the base)
MODES = ("set", "multiply", "add")  # also the order in which a scenario's own paths apply
INTERPOLATIONS = ("linear", "step")
SEXES = ("male", "female")  # index 0 and 1 of the sex axis
SCENARIO_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
AGE = re.compile(r"^(\d+)(?:-(\d+))?$")
# a whole number written as a decimal (a spreadsheet's 2006.0) is taken as that number
WHOLE = re.compile(r"^\+?\d+(\.0*)?$")
MIN_YEAR, MAX_YEAR = 1900, 2300
MAX_VALUE = 1e15  # the default [input] max_money


@dataclass(frozen=True)
class BudgetPath:
    """One row: a parameter's selected cells moved along a path from ``year_from``."""

    parameter: str  # a key of PARAMETERS
    selector: tuple[tuple[str, tuple[str, ...]], ...]  # (axis, names) sorted; () = every cell
    year_from: int
    year_to: int  # >= year_from
    start_value: float
    end_value: float
    mode: str  # set | multiply | add
    interpolation: str  # linear | step
    source: str = ""
    note: str = ""
    line: int = field(default=0, compare=False)  # the row's line in its file (header = 1)

    def canonical(self) -> tuple:
        """The typed values that define the path (not its source, note or line)."""
        return (self.parameter, [[k, list(v)] for k, v in self.selector], self.year_from,
                self.year_to, float(self.start_value), float(self.end_value), self.mode,
                self.interpolation)

    def values(self, years: np.ndarray) -> np.ndarray:
        """The path's value in each of ``years`` (NaN before ``year_from``; module docstring)."""
        y = np.asarray(years, dtype=np.float64)
        f, t, s, e = self.year_from, self.year_to, self.start_value, self.end_value
        if self.interpolation == "linear":
            inside = s + (e - s) * (y - f) / (t - f) if t > f else np.full_like(y, e)
        else:
            inside = np.where(y < t, s, e)
        return np.where(y < f, np.nan, np.where(y > t, e, inside))


@dataclass(frozen=True)
class BudgetScenario:
    """A scenario: the scenarios it combines, its own paths (canonical order) and every path
    it applies, in the order applied (the combined scenarios' in turn, then its own)."""

    scenario_id: str
    name: str
    paths: tuple[BudgetPath, ...]  # its own rows, in the order they apply
    combines: tuple[str, ...] = ()
    applied: tuple[BudgetPath, ...] | None = None  # None: its own paths (combines nothing)

    @property
    def all_paths(self) -> tuple[BudgetPath, ...]:
        """Every path the scenario applies, in order."""
        return self.paths if self.applied is None else self.applied

    @property
    def identity(self) -> str:
        """sha256 of the canonical values: independent of row order, changed by any value."""
        return budget_scenario_identity(self)


def budget_scenario_identity(scenario: BudgetScenario) -> str:
    """sha256 (hex) of a scenario's canonical JSON: id, name, combined ids, applied paths."""
    text = json.dumps([scenario.scenario_id, scenario.name, list(scenario.combines),
                       [p.canonical() for p in scenario.all_paths]], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _order(path: BudgetPath) -> tuple:
    return (MODES.index(path.mode), path.year_from, json.dumps(path.canonical()))


# ---------------------------------------------------------------- reading


def read_scenarios(path: str | Path, *, services: Iterable[str] | None = None,
                   categories: Iterable[str] | None = None) -> tuple[BudgetScenario, ...]:
    """A budget scenario file (CSV), every bad cell reported at once.

    Parameters
    ----------
    path
        The CSV file, with the columns of ``budget_scenarios.csv``.
    services, categories
        The names a selector may give (default: not checked when read; ``apply_scenarios``
        checks them against its base).

    Returns
    -------
    The scenarios in the order of their first rows.

    Raises
    ------
    InputError
        Naming every bad cell (file, line, column, value, expected, fix).
    """
    return read_checked(path, columns=COLUMNS, what="the budget scenarios file",
                        check=partial(check_scenarios, services=services,
                                      categories=categories))


def parse_scenarios(frame: pd.DataFrame, *, file: str = FILE, lines: Iterable[int] | None = None,
                    services: Iterable[str] | None = None,
                    categories: Iterable[str] | None = None) -> tuple[BudgetScenario, ...]:
    """The scenarios of a table of text cells; raises ``InputError`` naming every bad cell.

    ``lines`` are the rows' line numbers in the file (default: row index + 2, header = 1).
    """
    scenarios, cells = check_scenarios(frame, file=file, lines=lines, services=services,
                                       categories=categories)
    if cells:
        raise InputError(cells)
    return scenarios


def check_scenarios(frame: pd.DataFrame, *, file: str = FILE, lines: Iterable[int] | None = None,
                    services: Iterable[str] | None = None,
                    categories: Iterable[str] | None = None,
                    ) -> tuple[tuple[BudgetScenario, ...], list[BadCell]]:
    """(the scenarios, every bad cell); the scenarios are empty when any cell is bad."""
    missing = missing_columns(frame, file, COLUMNS, OPTIONAL)
    if missing:
        return (), missing
    if frame.empty:
        return (), [BadCell(file, None, None, "no data rows", "at least one scenario row",
                            f"add a row; a scenario without paths has parameter {NO_PATH}")]
    names = {"sex": frozenset(SEXES),
             "service": None if services is None else frozenset(services),
             "category": None if categories is None else frozenset(categories)}
    numbers = list(lines) if lines is not None else list(range(2, len(frame) + 2))
    check = _Rows(file, names)
    rows = [check.row(line, _texts(raw)) for line, raw in
            zip(numbers, frame.to_dict("records"), strict=True)]
    scenarios = check.scenarios(rows)
    return (() if check.cells else scenarios), check.cells


def _texts(raw: dict) -> dict[str, str]:
    return {c: "" if pd.isna(raw.get(c, "")) else str(raw.get(c, "")).strip() for c in COLUMNS}


def _words(values: Iterable[str]) -> str:
    return ", ".join(values)


def _number(text: str) -> float:
    """A decimal number; NaN when the text is none."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_selector(text: str, axes: Sequence[str],
                   names: dict[str, frozenset[str] | None] | None = None
                   ) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], list[str]]:
    """(the selector, canonical: keys and names sorted, ages as ``a-b``; the problems in
    words). ``names`` the known names by axis (None: not checked)."""
    names = names or {"sex": frozenset(SEXES)}
    if not text:
        return (), []
    out: dict[str, tuple[str, ...]] = {}
    problems = []
    for part in (p.strip() for p in text.split(";")):
        key, eq, value = (s.strip() for s in part.partition("="))
        if not eq or not key:
            problems.append(f"{part!r} is not key=value")
            continue
        if key not in axes:
            problems.append(f"{key!r} is not an axis of the parameter "
                            f"({_words(axes) or 'it has none'})")
            continue
        if key in out:
            problems.append(f"{key!r} given twice")
            continue
        values = [v.strip() for v in value.split("|")]
        if not all(values):
            problems.append(f"{key}= names nothing")
            continue
        if key == "age":
            ages = []
            for v in values:
                m = AGE.match(v)
                if m is None or int(m[1]) > int(m[2] or m[1]):
                    problems.append(f"age {v!r} is not a range a-b of whole ages with a <= b")
                else:
                    ages.append((int(m[1]), int(m[2] or m[1])))
            out[key] = tuple(f"{a}-{b}" for a, b in sorted(set(ages)))
            continue
        known = names.get(key)
        unknown = [v for v in values if known is not None and v not in known]
        if unknown:
            problems.append(f"{key} {_words(unknown)} unknown (known: {_words(sorted(known))})")
        out[key] = tuple(sorted(set(values)))
    return tuple(sorted(out.items())), problems


def _ages(value: str) -> tuple[int, int]:
    a, _, b = value.partition("-")
    return int(a), int(b)


def _may_overlap(a: BudgetPath, b: BudgetPath) -> bool:
    """Whether two paths' selectors may select a cell in common (ages: ranges that overlap)."""
    sa, sb = dict(a.selector), dict(b.selector)
    for key in set(sa) & set(sb):
        if key == "age":
            if not any(x0 <= y1 and y0 <= x1 for x0, x1 in map(_ages, sa[key])
                       for y0, y1 in map(_ages, sb[key])):
                return False
        elif not set(sa[key]) & set(sb[key]):
            return False
    return True


class _Rows:
    """The checks of one file: each row's cells, then the scenarios' consistency."""

    def __init__(self, file: str, names: dict[str, frozenset[str] | None]):
        self.file, self.names = file, names
        self.cells: list[BadCell] = []

    def bad(self, line: int, column: str | None, value: str, expected: str, fix: str) -> None:
        self.cells.append(BadCell(self.file, line, column, value, expected, fix))

    def row(self, line: int, r: dict[str, str]) -> tuple[int, dict[str, str], BudgetPath | None]:
        """One row's cells checked; its path when they are all good (None for combine, none)."""
        before = len(self.cells)
        self._codes(line, r)
        parameter = r["parameter"]
        if parameter in (NO_PATH, COMBINE):
            columns = ("year_from", "year_to", "start_value", "end_value", "mode",
                       "interpolation")
            if parameter == NO_PATH:
                columns = ("selector", *columns)
            elif not r["selector"]:
                self.bad(line, "selector", "", f"the ids of the scenarios to {COMBINE}, "
                         "separated by ;", "name the scenarios, e.g. utilisation_up;costs_up")
            for column in columns:
                if r[column]:
                    self.bad(line, column, r[column], f"empty for parameter {parameter}",
                             f"leave it empty: a {parameter} row has no path")
            return line, r, None
        if not r["source"]:
            self.bad(line, "source", "", "the source of the path, or illustrative",
                     "cite where the path comes from, or write illustrative")
        selector: tuple = ()
        if parameter in PARAMETERS:
            selector, problems = parse_selector(r["selector"], PARAMETERS[parameter], self.names)
            if problems:
                axes = PARAMETERS[parameter]
                self.bad(line, "selector", r["selector"],
                         f"empty or key=value pairs separated by ; with keys among "
                         f"{_words(axes) or '(none: leave it empty)'}",
                         "; ".join(problems))
        year_from = self._year(line, r, "year_from")
        year_to = self._year(line, r, "year_to")
        if year_from is not None and year_to is not None and year_to < year_from:
            self.bad(line, "year_to", r["year_to"], f"a year from year_from ({year_from}) on",
                     "swap the years, or give the path's last year")
        for column, allowed in (("mode", MODES), ("interpolation", INTERPOLATIONS)):
            if r[column] not in allowed:
                self.bad(line, column, r[column], f"one of {_words(allowed)}",
                         f"use a {column} the module docstring lists")
        start = self._value(line, r, "start_value")
        end = self._value(line, r, "end_value")
        if (r["interpolation"] == "linear" and year_from is not None and year_from == year_to
                and start is not None and end is not None and start != end):
            self.bad(line, "end_value", r["end_value"],
                     f"start_value ({r['start_value']}) for a linear path of one year",
                     "give the path more than one year, or equal values")
        if len(self.cells) > before:  # the row's bad cells in the order of the columns
            self.cells[before:] = sorted(self.cells[before:],
                                         key=lambda c: COLUMNS.index(c.column))
            return line, r, None
        return line, r, BudgetPath(
            parameter=parameter, selector=selector, year_from=int(year_from),
            year_to=int(year_to), start_value=float(start), end_value=float(end),
            mode=r["mode"], interpolation=r["interpolation"], source=r["source"],
            note=r["note"], line=line)

    def _codes(self, line: int, r: dict[str, str]) -> None:
        if not SCENARIO_ID.match(r["scenario_id"]):
            self.bad(line, "scenario_id", r["scenario_id"], "an id of letters, digits, _ . -",
                     "name the scenario, e.g. utilisation_up")
        if not r["name"]:
            self.bad(line, "name", "", "the scenario's name",
                     "describe the scenario in a few words")
        allowed = (*PARAMETERS, COMBINE, NO_PATH)
        if r["parameter"] not in allowed:
            self.bad(line, "parameter", r["parameter"], f"one of {_words(allowed)}",
                     "use a per-year field of the budget inputs, combine or none")

    def _year(self, line: int, r: dict[str, str], column: str) -> int | None:
        text = r[column]
        if not WHOLE.match(text) or not MIN_YEAR <= float(text) <= MAX_YEAR:
            self.bad(line, column, text, f"a whole year from {MIN_YEAR} to {MAX_YEAR}",
                     "write the year, e.g. 2006")
            return None
        return int(float(text))

    def _value(self, line: int, r: dict[str, str], column: str) -> float | None:
        value = _number(r[column])
        low = 0.0 if r["mode"] == "multiply" else -MAX_VALUE
        if not low <= value <= MAX_VALUE:  # NaN fails too
            words = (f"a factor in [0, {MAX_VALUE:g}]" if low == 0.0 else
                     f"a number in [{-MAX_VALUE:g}, {MAX_VALUE:g}]")
            self.bad(line, column, r[column], words,
                     "write a plain decimal number" if not math.isfinite(value) else
                     "write a value within that range")
            return None
        return value

    def scenarios(self, rows: list[tuple[int, dict[str, str], BudgetPath | None]]
                  ) -> tuple[BudgetScenario, ...]:
        """Rows grouped by scenario (file order); names, lone ``none``, repeats, combines."""
        groups: dict[str, list[tuple[int, dict[str, str], BudgetPath | None]]] = {}
        for item in rows:
            groups.setdefault(item[1]["scenario_id"], []).append(item)
        own: dict[str, BudgetScenario] = {}
        combine_line: dict[str, tuple[int, str]] = {}
        for scenario_id, items in groups.items():
            first = items[0][1]
            for line, r, _ in items[1:]:
                if r["name"] != first["name"]:
                    self.bad(line, "name", r["name"], f"{first['name']!r} as on line "
                             f"{items[0][0]} of scenario {scenario_id}",
                             "give every row of a scenario the same name")
            combines: tuple[str, ...] = ()
            for line, r, _ in items:
                if r["parameter"] == NO_PATH and len(items) > 1:
                    self.bad(line, "parameter", NO_PATH, f"the only row of scenario "
                             f"{scenario_id}", f"remove the {NO_PATH} row, or the others")
                if r["parameter"] == COMBINE and r["selector"]:
                    if scenario_id in combine_line:
                        self.bad(line, "parameter", COMBINE, f"one {COMBINE} row in scenario "
                                 f"{scenario_id} (line {combine_line[scenario_id][0]} has "
                                 "one)", "name every scenario it combines on one row")
                        continue
                    combine_line[scenario_id] = (line, r["selector"])
                    combines = tuple(s.strip() for s in r["selector"].split(";"))
            paths = [p for _, _, p in items if p is not None]
            self._conflicts(scenario_id, paths)
            own[scenario_id] = BudgetScenario(scenario_id, first["name"],
                                              tuple(sorted(paths, key=_order)), combines)
        self._check_combines(own, combine_line)
        if self.cells:
            return tuple(own.values())
        return tuple(_resolve(own, sid) for sid in own)

    def _conflicts(self, scenario_id: str, paths: list[BudgetPath]) -> None:
        """Repeated rows, and two sets that would decide the same cell by row order."""
        seen: dict[str, int] = {}
        for i, p in enumerate(paths):
            key = json.dumps(p.canonical())
            if key in seen:
                self.bad(p.line, "parameter", p.parameter, f"one such row in scenario "
                         f"{scenario_id} (line {seen[key]} has it)", "remove the repeat")
                continue
            seen[key] = p.line
            for q in paths[:i]:
                if (p.mode == q.mode == "set" and p.parameter == q.parameter
                        and p.year_from == q.year_from and _may_overlap(p, q)):
                    self.bad(p.line, "selector", ";".join(f"{k}={'|'.join(v)}"
                                                          for k, v in p.selector),
                             f"cells apart from those the set path of line {q.line} gives "
                             f"from {q.year_from}", "start one of the two paths another "
                             "year, or select other cells")

    def _check_combines(self, own: dict[str, BudgetScenario],
                        combine_line: dict[str, tuple[int, str]]) -> None:
        """Each combine names known scenarios, not itself, none twice, with no cycle."""
        for sid, (line, text) in combine_line.items():
            ids = own[sid].combines
            problems = []
            if not all(ids):
                problems.append("an empty id")
            unknown = [i for i in ids if i and i not in own]
            if unknown:
                problems.append(f"unknown {_words(unknown)}")
            if sid in ids:
                problems.append("itself")
            if len(set(ids)) < len(ids):
                problems.append("a scenario twice")
            if not problems:
                problems += self._walk(own, sid)
            if problems:
                self.bad(line, "selector", text, "the ids of other scenarios of the file, "
                         "each once, separated by ;, with no cycle (" + "; ".join(problems)
                         + ")", f"name only scenarios of the file other than {sid}")

    @staticmethod
    def _walk(own: dict[str, BudgetScenario], sid: str) -> list[str]:
        """The problems of a combine's reach: a cycle, or a scenario reached twice."""
        reached: list[str] = []
        problems: list[str] = []

        def visit(s: str, chain: list[str]) -> None:
            if problems or s not in own:  # an unknown id is its own row's bad cell
                return
            if s in chain:
                problems.append(f"a cycle {' -> '.join([*chain, s])}")
                return
            if s in reached:
                problems.append(f"{s} reached twice")
                return
            if chain:
                reached.append(s)
            for c in own[s].combines:
                visit(c, [*chain, s])

        visit(sid, [])
        return problems


def _resolve(own: dict[str, BudgetScenario], sid: str) -> BudgetScenario:
    """The scenario with every path it applies (its combined scenarios' first, in order)."""
    s = own[sid]
    if not s.combines:
        return s
    applied = [p for c in s.combines for p in _resolve(own, c).all_paths]
    return dataclasses.replace(s, applied=(*applied, *s.paths))


# ---------------------------------------------------------------- applying


# parameters that are shares (in [0, 1]) and those that may go below 0 (every other stays >= 0)
SHARES = ("participation", "salaried_share", "coverage", "density", "contribution_rate",
          "cash_benefit_rate", "admin_rate", "capital_rate")
SIGNED = ("reserve_return",)


def apply_scenarios(base: BudgetInputs, scenarios: Sequence[BudgetScenario], *,
                    age_bands: Sequence[tuple[int, int]], file: str = FILE) -> BudgetInputs:
    """The base's inputs under each scenario: ``K = len(scenarios)``, scenario ``k`` on
    ``[k]`` (module docstring for the paths).

    Parameters
    ----------
    base
        The inputs of one scenario (``K = 1``).
    scenarios
        The scenarios, each applying ``all_paths`` in order.
    age_bands
        ``(age_from, age_to)`` of each age band of the base, for the age selectors.

    Raises
    ------
    InputError
        A selector that names a service or category the base does not have, an age range with
        no band of the base inside it, or a path that takes a parameter out of its range (a
        share out of [0, 1], a count, rate or amount below 0): ``file`` (default ``FILE``) and
        the path's line.
    ComputationError
        A base of more than one scenario, or age bands that are not the base's.
    """
    if base.population.shape[0] != 1:
        raise ComputationError(f"apply_scenarios needs a base of one scenario, not "
                               f"{base.population.shape[0]}")
    n_age = base.population.shape[2]
    bands = [(int(a), int(b)) for a, b in age_bands]
    if len(bands) != n_age:
        raise ComputationError(f"{len(bands)} age bands given for the base's {n_age}")
    names = {"service": tuple(base.services), "category": tuple(base.categories),
             "sex": SEXES}
    k = len(scenarios)
    arrays = {p: np.repeat(np.asarray(getattr(base, p), dtype=np.float64), k, axis=0)
              for p in PARAMETERS}
    years = np.asarray(base.years)
    cells: list[BadCell] = []
    for i, scenario in enumerate(scenarios):
        for path in scenario.all_paths:
            mask = _cells(path, names, bands, cells, file)
            if mask is None:
                continue
            if path.parameter == "volume" and base.per_day is not None and (
                    mask & ~np.asarray(base.per_day, bool)).any():
                cells.append(BadCell(file, path.line, "selector", _shown_selector(path),
                                     "services costed by the day (a service costed by the "
                                     "case has a volume of 1)",
                                     "select the services of unit day in services.csv"))
                continue
            values = path.values(years)
            rows = np.flatnonzero(~np.isnan(values))  # the years from year_from
            if rows.size == 0:
                continue
            target = arrays[path.parameter]
            old = target[i, rows]  # [years in, *axes]
            p = values[rows].reshape((-1,) + (1,) * (old.ndim - 1))
            new = (np.broadcast_to(p, old.shape) if path.mode == "set" else
                   old * p if path.mode == "multiply" else old + p)
            target[i, rows] = np.where(mask, new, old)
            moved = target[i, rows]
            hi = 1.0 if path.parameter in SHARES else np.inf
            lo = -np.inf if path.parameter in SIGNED else 0.0
            # a cell the path takes out of its range (one out of it already is not its doing)
            out = ((moved < lo) | (moved > hi)) & (old >= lo) & (old <= hi)
            if out.any():
                bad = moved[out].flat[0]
                cells.append(BadCell(file, path.line, "end_value", f"{path.end_value:g}",
                                     f"a path keeping {path.parameter} "
                                     + ("in [0, 1]" if hi == 1.0 else ">= 0"),
                                     f"scenario {scenario.scenario_id} gives {bad:g}"))
    if cells:
        raise InputError(cells)
    return dataclasses.replace(
        base, **arrays,
        dependant_distribution=np.repeat(base.dependant_distribution, k, axis=0),
        reserve_opening=np.repeat(np.asarray(base.reserve_opening, np.float64), k, axis=0))


def _shown_selector(path: BudgetPath) -> str:
    return ";".join(f"{k}={'|'.join(v)}" for k, v in path.selector) or "(every cell)"


def _cells(path: BudgetPath, names: dict[str, tuple[str, ...]],
           bands: list[tuple[int, int]], cells: list[BadCell], file: str = FILE
           ) -> np.ndarray | None:
    """The boolean mask of the path's selected cells over its parameter's axes (None and a
    bad cell when a name or an age range selects nothing of the base)."""
    axes = PARAMETERS[path.parameter]
    chosen = dict(path.selector)
    masks, problems = [], []
    for axis in axes:
        size = len(bands) if axis == "age" else len(names[axis])
        if axis not in chosen:
            masks.append(np.ones(size, dtype=bool))
            continue
        m = np.zeros(size, dtype=bool)
        for value in chosen[axis]:
            if axis == "age":
                lo, hi = _ages(value)
                inside = [lo <= a and b <= hi for a, b in bands]
                if not any(inside):
                    problems.append(f"age {value} holds no band of the base")
                m |= np.array(inside, dtype=bool)
            elif value in names[axis]:
                m[names[axis].index(value)] = True
            else:
                problems.append(f"{axis} {value} unknown (the base's: "
                                f"{_words(names[axis])})")
        masks.append(m)
    if problems:
        text = ";".join(f"{k}={'|'.join(v)}" for k, v in path.selector)
        cells.append(BadCell(file, path.line, "selector", text,
                             "names and age ranges of the base's inputs", "; ".join(problems)))
        return None
    mask = np.ones((), dtype=bool)
    for m in masks:
        mask = np.multiply.outer(mask, m)
    return mask


__all__ = [
    "COLUMNS", "COMBINE", "FILE", "INTERPOLATIONS", "MAX_VALUE", "MAX_YEAR", "MIN_YEAR",
    "MODES", "NO_PATH", "PARAMETERS", "SEXES", "BudgetPath", "BudgetScenario",
    "apply_scenarios", "budget_scenario_identity", "check_scenarios", "parse_scenarios",
    "parse_selector", "read_scenarios",
]
