"""Stress scenarios as data: ``stress_scenarios.csv``, one row per shock, read into frozen values.

A scenario is the set of its rows (rows combine); each row is one shock::

    scenario_id, name, family, severity, shock_type, product_kind, asset_class, counterparty,
    start_month, duration_months, value, unit, profile, source, note

- ``family`` in ``STRESS_FAMILIES``, ``severity`` in ``STRESS_SEVERITIES``; every row of a
  scenario gives the same ``name``, ``family`` and ``severity``.
- ``shock_type`` a key of ``SHOCK_TYPES`` (the registry, ``reserva.vocab``), ``unit`` one of the
  units that type accepts. A scenario without shocks (the base) is one row of type ``none``
  with ``value``, ``unit``, ``start_month``, ``duration_months`` and ``profile`` empty; ``none``
  never shares its scenario with another row.
- ``product_kind`` empty or ``ALL`` = every product (held as ``ALL``); ``asset_class`` empty =
  every class the shock concerns; ``counterparty`` a distribution partner, bank, issuer,
  reinsurer or donor as named in the data, empty = all. ``asset_haircut`` names its asset
  class; ``issuer_default`` names a counterparty or an asset class.
- Shock month m (month 1 = the first month after the valuation date) is shocked when
  ``start_month <= m < start_month + duration_months`` (empty duration: to the horizon). Its
  weight is 1 (``step``, empty = step), ``(m - start_month + 1) / duration_months``
  (``linear_in``) or ``1 - (m - start_month) / duration_months`` (``linear_out``); a linear
  profile needs a duration.
- ``value`` by unit: ``multiplier`` in [0, 1000] (x value); ``share`` in [0, 1]; ``pp``
  percentage points in [-100, 100] added to an annual rate (0.15 = +0.0015); ``months`` a whole
  number in [0, 1200]; ``bp`` basis points in [-2000, 2000]; ``amount`` in [0, 1e15] in the
  programme currency.
- Upper bounds, so that no shocked figure can overflow (a 1e308 multiplier or amount would
  make the stressed cashflows infinite; 1e23 months cannot be a month index):

  - ``start_month``, ``duration_months`` and a ``months`` value at most ``MAX_MONTHS`` = 1200
    (100 years: beyond any projection horizon and any cover's term, so a month a shock names
    is always a month of the horizon or past its end, never an overflow);
  - ``multiplier`` at most ``MAX_MULTIPLIER`` = 1000 (a thousand times the claims, expenses or
    lapse rate is beyond any stress; the products of multipliers and amounts stay finite);
  - ``amount`` at most ``MAX_AMOUNT`` = 1e15, the default ``[input] max_money`` (a money cell
    above it is a typing slip; 1200 months of it stay finite);
  - ``bp`` within +-``MAX_BP`` = 2000 (20 percentage points: far beyond the interest rate
    shocks of the Solvency II standard formula, Delegated Regulation (EU) 2015/35 Art.
    166-167; a revaluation by duration and convexity is a second-order approximation, not
    meant for larger shifts);
  - ``pp`` within +-100 (the whole range of a probability).
- ``source`` is never empty: the calibration source, or ``illustrative``.
- One row per (scenario, shock type, product kind, asset class, counterparty, unit, start
  month): a repeat is refused (its rows would combine ambiguously).

Every bad cell of the file is reported at once (``BadCell``: file, line, column, value,
expected, fix; line 1 = the header), as for the data pack. A scenario's identity
(``Scenario.identity``) is the sha256 of its canonical rows: its id, name, family and severity
and its shocks' typed values sorted (``source`` and ``note`` left out; ``1`` and ``1.0`` alike;
an empty profile is ``step``, an empty product kind ``ALL``), so it does not depend on the
order of the rows and changes with any value.

Sources of the default library's calibrations: Commission Delegated Regulation (EU) 2015/35
(Solvency II standard formula) and BCBS (2013) "Basel III: The Liquidity Coverage Ratio";
each row of ``assumptions/default/stress_scenarios.csv`` cites its own.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from reserva.errors import BadCell, InputError
from reserva.io.textcsv import missing_columns, read_checked
from reserva.vocab import (
    ASSET_CLASSES,
    PRODUCT_KINDS,
    PROGRAMME,
    SHOCK_PROFILES,
    SHOCK_TYPES,
    SHOCK_UNITS,
    STRESS_FAMILIES,
    STRESS_SEVERITIES,
)

FILE = "stress_scenarios.csv"
COLUMNS = (
    "scenario_id", "name", "family", "severity", "shock_type", "product_kind", "asset_class",
    "counterparty", "start_month", "duration_months", "value", "unit", "profile", "source",
    "note",
)
# columns a file may leave out (read as empty)
OPTIONAL = ("product_kind", "asset_class", "counterparty", "duration_months", "profile", "note")
NO_SHOCK = "none"  # the shock type of a scenario without shocks
SCENARIO_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
# the shock types that must name their target: type -> the columns of which one is needed
TARGETS = {"asset_haircut": ("asset_class",), "issuer_default": ("counterparty", "asset_class")}
# a whole number written as a decimal (a spreadsheet's 2.0) is taken as that number
WHOLE = re.compile(r"^\+?\d+(\.0*)?$")
# upper bounds that keep every shocked figure finite (module docstring)
MAX_MONTHS = 1200  # start_month, duration_months, a months value: 100 years
MAX_MULTIPLIER = 1000.0
MAX_AMOUNT = 1e15  # the default [input] max_money
MAX_BP = 2000.0  # +-20 percentage points


@dataclass(frozen=True)
class Shock:
    """One row of a scenario: what is shocked, from when, for how long, by how much."""

    shock_type: str  # a key of SHOCK_TYPES
    product_kind: str  # a product kind, or PROGRAMME (ALL) = every product
    asset_class: str  # "" = every class the shock concerns
    counterparty: str  # "" = every counterparty
    start_month: int  # >= 1: month 1 = the first month after the valuation date
    duration_months: int | None  # >= 1; None = to the horizon
    value: float
    unit: str  # one of SHOCK_TYPES[shock_type]
    profile: str  # step | linear_in | linear_out
    source: str  # the calibration source, or "illustrative"
    note: str = ""
    line: int = field(default=0, compare=False)  # the row's line in its file (header = 1)

    def canonical(self) -> tuple:
        """The typed values that define the shock (not its source, note or line)."""
        return (self.shock_type, self.product_kind, self.asset_class, self.counterparty,
                self.start_month, self.duration_months, float(self.value), self.unit,
                self.profile)


@dataclass(frozen=True)
class Scenario:
    """A stress scenario: the shocks of its rows, applied together (none: the base)."""

    scenario_id: str
    name: str
    family: str  # liquidity | solvency | both
    severity: str  # one of STRESS_SEVERITIES
    shocks: tuple[Shock, ...]

    @property
    def identity(self) -> str:
        """sha256 of the canonical rows: independent of their order, changed by any value."""
        return scenario_identity(self)


def scenario_identity(scenario: Scenario) -> str:
    """sha256 (hex) of a scenario's canonical JSON: id, name, family, severity, sorted shocks."""
    shocks = sorted(json.dumps(s.canonical()) for s in scenario.shocks)
    text = json.dumps([scenario.scenario_id, scenario.name, scenario.family, scenario.severity,
                       shocks], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- reading


def read_scenarios(path: str | Path, *, product_kinds: Iterable[str] | None = None,
                   asset_classes: Iterable[str] | None = None) -> tuple[Scenario, ...]:
    """A user's scenario file (CSV), every bad cell reported at once.

    Parameters
    ----------
    path
        The CSV file, with the columns of ``stress_scenarios.csv``.
    product_kinds, asset_classes
        The codes a row may name (default: the vocabularies ``PRODUCT_KINDS`` and
        ``ASSET_CLASSES``; pass an assumption set's to check against it).

    Raises
    ------
    InputError
        Naming every bad cell (file, line, column, value, expected, fix).
    """
    return read_checked(path, columns=COLUMNS, what="--scenarios", check=partial(
        check_scenarios, product_kinds=product_kinds, asset_classes=asset_classes))


def parse_scenarios(frame: pd.DataFrame, *, file: str = FILE, lines: Iterable[int] | None = None,
                    product_kinds: Iterable[str] | None = None,
                    asset_classes: Iterable[str] | None = None) -> tuple[Scenario, ...]:
    """The scenarios of a table of text cells; raises ``InputError`` naming every bad cell.

    ``lines`` are the rows' line numbers in the file (default: row index + 2, header = 1);
    ``product_kinds``, ``asset_classes`` as in ``read_scenarios``.
    """
    scenarios, cells = check_scenarios(frame, file=file, lines=lines,
                                       product_kinds=product_kinds, asset_classes=asset_classes)
    if cells:
        raise InputError(cells)
    return scenarios


def check_scenarios(frame: pd.DataFrame, *, file: str = FILE, lines: Iterable[int] | None = None,
                    product_kinds: Iterable[str] | None = None,
                    asset_classes: Iterable[str] | None = None,
                    ) -> tuple[tuple[Scenario, ...], list[BadCell]]:
    """(the scenarios, every bad cell); the scenarios are empty when any cell is bad."""
    missing = missing_columns(frame, file, COLUMNS, OPTIONAL)
    if missing:
        return (), missing
    if frame.empty:
        return (), [BadCell(file, None, None, "no data rows", "at least one scenario row",
                            f"add a row; a scenario without shocks has shock_type {NO_SHOCK}")]
    kinds = frozenset(PRODUCT_KINDS if product_kinds is None else product_kinds)
    classes = frozenset(ASSET_CLASSES if asset_classes is None else asset_classes)
    numbers = list(lines) if lines is not None else list(range(2, len(frame) + 2))
    check = _Rows(file, kinds, classes)
    rows = [check.row(line, _texts(raw)) for line, raw in
            zip(numbers, frame.to_dict("records"), strict=True)]
    scenarios = check.scenarios(rows)
    return (() if check.cells else scenarios), check.cells


def _texts(raw: dict) -> dict[str, str]:
    return {c: "" if pd.isna(raw.get(c, "")) else str(raw.get(c, "")).strip() for c in COLUMNS}


def _words(values: Iterable[str]) -> str:
    return ", ".join(values)


class _Rows:
    """The checks of one file: each row's cells, then the scenarios' consistency."""

    def __init__(self, file: str, kinds: frozenset[str], classes: frozenset[str]):
        self.file, self.kinds, self.classes = file, kinds, classes
        self.cells: list[BadCell] = []

    def bad(self, line: int, column: str | None, value: str, expected: str, fix: str) -> None:
        self.cells.append(BadCell(self.file, line, column, value, expected, fix))

    def row(self, line: int, r: dict[str, str]) -> tuple[int, dict[str, str], Shock | None]:
        """One row's cells checked; its Shock when they are all good (None for ``none``)."""
        before = len(self.cells)
        self._codes(line, r)
        kind = r["shock_type"]
        if kind == NO_SHOCK:
            self._no_shock(line, r)
            return line, r, None
        start = self._whole(line, r, "start_month", f"a whole month from 1 to {MAX_MONTHS} "
                            "(1 = the first month after the valuation date)")
        duration = (None if r["duration_months"] == "" else
                    self._whole(line, r, "duration_months", "empty (to the horizon) or a "
                                f"whole number of months from 1 to {MAX_MONTHS}"))
        value = self._value(line, r)
        self._targets(line, r)
        if r["profile"] in ("linear_in", "linear_out") and r["duration_months"] == "":
            self.bad(line, "duration_months", "", f"a duration for the {r['profile']} profile",
                     "give duration_months, or use the step profile")
        if len(self.cells) > before:
            return line, r, None
        return line, r, Shock(
            shock_type=kind, product_kind=r["product_kind"] or PROGRAMME,
            asset_class=r["asset_class"], counterparty=r["counterparty"], start_month=start,
            duration_months=duration, value=value, unit=r["unit"], profile=r["profile"] or "step",
            source=r["source"], note=r["note"], line=line)

    def _codes(self, line: int, r: dict[str, str]) -> None:
        if not SCENARIO_ID.match(r["scenario_id"]):
            self.bad(line, "scenario_id", r["scenario_id"], "an id of letters, digits, _ . -",
                     "name the scenario, e.g. severe_disaster")
        if not r["name"]:
            self.bad(line, "name", "", "the scenario's name", "describe the scenario in a few words")
        for column, allowed in (("family", STRESS_FAMILIES), ("severity", STRESS_SEVERITIES),
                                ("shock_type", tuple(SHOCK_TYPES))):
            if r[column] not in allowed:
                self.bad(line, column, r[column], f"one of {_words(allowed)}",
                         "use a code the README lists under Stress scenarios")
        if r["profile"] and r["profile"] not in SHOCK_PROFILES:
            self.bad(line, "profile", r["profile"], f"empty (step) or one of "
                     f"{_words(SHOCK_PROFILES)}", "use a profile the README lists")
        if r["product_kind"] not in ("", PROGRAMME, *sorted(self.kinds)):
            self.bad(line, "product_kind", r["product_kind"],
                     f"empty, {PROGRAMME} or a product kind of the set "
                     f"({_words(sorted(self.kinds))})", "use a product kind of reserving.csv")
        if r["asset_class"] and r["asset_class"] not in self.classes:
            self.bad(line, "asset_class", r["asset_class"],
                     f"empty or an asset class of the set ({_words(sorted(self.classes))})",
                     "use an asset class of asset_map.csv")
        if not r["source"]:
            self.bad(line, "source", "", "the calibration source, or illustrative",
                     "cite where the number comes from, or write illustrative")

    def _no_shock(self, line: int, r: dict[str, str]) -> None:
        for column in ("start_month", "duration_months", "value", "unit", "profile"):
            if r[column]:
                self.bad(line, column, r[column], f"empty for shock_type {NO_SHOCK}",
                         f"leave it empty: a {NO_SHOCK} row shocks nothing")

    def _whole(self, line: int, r: dict[str, str], column: str, expected: str) -> int:
        """A whole number of months in 1 .. MAX_MONTHS (1 and a bad cell otherwise)."""
        text = r[column]
        if not WHOLE.match(text) or not 1 <= float(text) <= MAX_MONTHS:
            self.bad(line, column, text, expected,
                     f"write a whole number from 1 to {MAX_MONTHS}")
            return 1
        return int(float(text))

    def _value(self, line: int, r: dict[str, str]) -> float:
        """The value, checked against the unit's range (the unit against the shock type's)."""
        units = SHOCK_TYPES.get(r["shock_type"], SHOCK_UNITS)
        if r["unit"] not in units:
            self.bad(line, "unit", r["unit"], f"one of {_words(units)} for {r['shock_type']}",
                     "use a unit the shock type accepts (README, Stress scenarios)")
        try:
            value = float(r["value"])
        except ValueError:
            value = math.nan
        # the range of a unit the type does not take is not checked (the unit is the fault)
        ok, expected = _in_range(r["unit"] if r["unit"] in units else "", value)
        if not ok:
            self.bad(line, "value", r["value"], expected,
                     "write a plain decimal number" if not math.isfinite(value) else
                     "write a value within that range")
        return value

    def _targets(self, line: int, r: dict[str, str]) -> None:
        needed = TARGETS.get(r["shock_type"], ())
        if needed and not any(r[c] for c in needed):
            self.bad(line, needed[0], "", f"{' or '.join(needed)} for {r['shock_type']}",
                     f"name the {' or '.join(c.replace('_', ' ') for c in needed)} it hits")

    def scenarios(self, rows: list[tuple[int, dict[str, str], Shock | None]]
                  ) -> tuple[Scenario, ...]:
        """Rows grouped by scenario (file order); disagreements, repeats, lone ``none``."""
        groups: dict[str, list[tuple[int, dict[str, str], Shock | None]]] = {}
        for item in rows:
            groups.setdefault(item[1]["scenario_id"], []).append(item)
        out = []
        for scenario_id, items in groups.items():
            first = items[0][1]
            for line, r, _ in items[1:]:
                for column in ("name", "family", "severity"):
                    if r[column] != first[column]:
                        self.bad(line, column, r[column],
                                 f"{first[column]!r} as on line {items[0][0]} of scenario "
                                 f"{scenario_id}", "give every row of a scenario the same "
                                 f"{column}")
            self._repeats(scenario_id, items)
            shocks = tuple(s for _, _, s in items if s is not None)
            out.append(Scenario(scenario_id, first["name"], first["family"], first["severity"],
                                shocks))
        return tuple(out)

    def _repeats(self, scenario_id: str, items) -> None:
        seen: dict[tuple, int] = {}
        for line, r, _ in items:
            if r["shock_type"] == NO_SHOCK and len(items) > 1:
                self.bad(line, "shock_type", NO_SHOCK, f"the only row of scenario {scenario_id}",
                         f"remove the {NO_SHOCK} row, or the scenario's other rows")
                continue
            key = (r["shock_type"], r["product_kind"] or PROGRAMME, r["asset_class"],
                   r["counterparty"], r["unit"], r["start_month"])
            if key in seen:
                self.bad(line, "shock_type", r["shock_type"],
                         f"one row per shock type, target, unit and start month (line "
                         f"{seen[key]} has it) in scenario {scenario_id}",
                         "merge the two rows into one")
            else:
                seen[key] = line


def _in_range(unit: str, value: float) -> tuple[bool, str]:
    """Whether a finite ``value`` is in its unit's range, and the range in words."""
    ranges = {
        "multiplier": (0.0, MAX_MULTIPLIER, f"a multiplier in [0, {MAX_MULTIPLIER:g}]"),
        "share": (0.0, 1.0, "a share in [0, 1]"),
        "pp": (-100.0, 100.0, "percentage points in [-100, 100]"),
        "months": (0.0, float(MAX_MONTHS), f"a whole number of months in [0, {MAX_MONTHS}]"),
        "bp": (-MAX_BP, MAX_BP, f"basis points in [{-MAX_BP:g}, {MAX_BP:g}]"),
        "amount": (0.0, MAX_AMOUNT, f"an amount in [0, {MAX_AMOUNT:g}]"),
    }
    low, high, words = ranges.get(unit, (-math.inf, math.inf, "a number"))
    ok = math.isfinite(value) and low <= value <= high
    if unit == "months":
        ok = ok and value == int(value)
    return ok, words


__all__ = [
    "COLUMNS", "FILE", "MAX_AMOUNT", "MAX_BP", "MAX_MONTHS", "MAX_MULTIPLIER", "NO_SHOCK",
    "Scenario", "Shock", "check_scenarios", "parse_scenarios",
    "read_scenarios", "scenario_identity",
]
