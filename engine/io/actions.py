"""Management actions as data: ``management_actions.csv``, one row per action, read into frozen values.

Each row is one action: what triggers it, what it does to the projected periods, when and for
how long::

    action_id, name, trigger, product_kind, threshold, periods, action, value, unit,
    lag_periods, duration_periods, once, source, note

This is the specification the projection implements.

Periods. A projection runs periods t = 1 .. T (its period, a quarter or a year: ``periods``,
``lag_periods`` and ``duration_periods`` count them, so a lag of 1 is a quarter in a quarterly
projection and a year in a yearly one); t = 0 is the close it starts from.

Scope. ``product_kind`` empty or ``ALL`` = every product (held as ``ALL``). The trigger is
measured on the products of the kind combined (their P and B codes summed, then the ratio;
``ALL``: the programme column, which also holds what no product is allocated) and the action
applies to those products.

Triggers (``ACTION_TRIGGERS`` of ``reserva.vocab``): the condition ``C_t`` of each period t = 0
.. T, on the figures at its end (t = 0: the close's balance sheet and its claims and expense
ratios)::

    loss_ratio_above      C_t:  P11_t / P02_t > threshold            claims ratio (spec §1.4)
    combined_ratio_above  C_t:  (P11_t + P16_t) / P02_t > threshold  claims + expense ratios
                                                                     (spec §1.3-1.4)
    solvency_below        C_t:  B01_t / L_t < threshold              solvency ratio (spec §1.10)
    liquidity_below       C_t:  liquid_t / short_t < threshold       3-month liquidity ratio
                                                                     (spec §1.11)
    surplus_below         C_t:  B01_t - L_t < threshold              an amount (a threshold
                                                                     below 0 is a deficit)
    always                C_t true for every t                       a planned action

with ``L = (B14 + B17 + B20 + B21 + B23) + (B25 + B29)`` the reserves and other liabilities
(``reserva.kpi.solvency``), ``liquid`` the cash and cash equivalents and ``short`` the
liabilities payable within the next 3 months (``reserva.kpi.liquidity``). Comparisons are strict;
an undefined ratio (a zero denominator, decision 13) is no breach: ``C_t`` is false.

Firing. An armed action fires at the end of the first period t at which ``C_s`` held in each of
the last ``periods`` = n consecutive periods ``s = t - n + 1 .. t`` (all of them periods since
it was armed; at first s >= 0). It then applies in the periods ``a = t + L + 1 .. t + L + D``
that lie in 1 .. T (``L = lag_periods`` >= 0, ``D = duration_periods`` >= 1, empty: to T): with
lag 0 it acts in the period after the one whose figures triggered it, so that no period's
figures depend on a decision taken on them. While it waits for its lag or applies, an action is
not evaluated (it never stacks on itself). After its last period of application, an action with
``once`` true never fires again; any other is armed again, its n periods counted from that last
period (``s >= t + L + D``: figures that hold its effect). ``always`` needs ``periods`` 1: it
fires at t = 0 and applies from period ``1 + L`` (``once`` false and a duration: again every
``L + D`` periods).

Actions (``ACTION_TYPES``): in each period a of application, on the products in scope, with
``x = value``:

- ``tariff_change`` (share in [-1, 1]): the written premium of the renewals and the new
  business written in period a is multiplied by ``1 + x`` (+0.10 = 10% up); policies written
  before keep their premiums (a tariff applies at renewal); the earned premium follows by the
  earning basis. Claims do not change: on the loss-ratio basis they stay the loss ratio times
  the premium at the base tariff.
- ``benefit_cap`` (share in [0, 1], the share of claims kept): the claims of the renewals and
  the new business written in period a, over their whole term, are multiplied by ``x``;
  policies written before keep their benefits to their end.
- ``expense_cut`` (share in [0, 1]): the operating expenses of period a (P17-P20, fixed and
  variable) are multiplied by ``1 - x``; commissions (set by the distribution agreements) and
  the net cost of reinsurance P21 do not change.
- ``reinsurance_share`` (share in [0, 1]): a quota share on the losses-occurring basis, with no
  ceding commission: ``x P02_a`` is ceded (paid in period a) and ``x P11_a`` recovered (received
  as those claims are paid, also after the last period of application), both in P21 (premium
  ceded less recoveries); on top of the base projection's cessions, the share of the gross
  ceded at most 1.
- ``new_business_stop`` (share in [0, 1]): the new business written in period a
  (``new_business.csv``) is multiplied by ``1 - x``, with its claims, expenses and commissions
  over its whole run-off; renewals do not change.
- ``capital_injection``: paid in as capital at the start of period a, cash (B01) and equity up,
  no income; ``amount``: ``x``; ``ratio``: the capital that brings the solvency ratio of the
  scope, on the position at the end of period a - 1, to ``x``:
  ``C_a = max(0, x L_(a-1) - B01_(a-1))``, after the injections of the same period before it
  in the file's order.
- ``grant_injection`` (amount): a grant of ``x`` received at the start of period a, cash up, the
  period's income in donations and subsidies (P35).

Injections into a scope of one product kind go to the assets of its products in proportion to
their liabilities at the end of period a - 1 (in equal parts when these are all 0); ``ALL``: to
the programme's assets no product is allocated. Several actions applying to one product in one
period combine: the tariff factors ``1 + x`` multiply, and so do the shares of claims kept and
the factors ``1 - x`` of expense cuts and of new-business stops; reinsurance shares add (the
total at most 1); injections add.

Cells:

- ``trigger`` a key of ``ACTION_TRIGGERS``, ``action`` a key of ``ACTION_TYPES`` and ``unit``
  one of the units that action accepts (README "Management actions").
- ``threshold`` empty for ``always``, otherwise a number in the unit of the trigger: a ratio in
  [0, ``MAX_RATIO``], an amount in [-``MAX_AMOUNT``, ``MAX_AMOUNT``].
- ``value`` by unit: ``share`` in [-1, 1] for ``tariff_change``, in [0, 1] for the others;
  ``amount`` in [0, ``MAX_AMOUNT``] in the programme currency; ``ratio`` in [0, ``MAX_RATIO``].
- ``periods`` a whole number in 1 .. ``MAX_PERIODS`` (1 for ``always``); ``lag_periods`` in 0
  .. ``MAX_PERIODS``; ``duration_periods`` empty (to the end) or in 1 .. ``MAX_PERIODS``.
- ``once`` ``true`` or ``false`` (any case: a spreadsheet writes TRUE).
- ``source`` never empty: the source of the action and its size, or ``illustrative``.
- ``action_id`` letters, digits, ``_ . -`` (as a scenario id); one row per action.
- Upper bounds keep every figure finite and every period an index: ``MAX_PERIODS`` = 120 (30
  years of quarters, beyond the 10 years a projection covers), ``MAX_RATIO`` = 100 (a loss
  ratio of 10,000% or a solvency ratio of 100 is beyond any trigger or target), ``MAX_AMOUNT``
  = 1e15 (the default ``[input] max_money``).

Every bad cell of the file is reported at once (``BadCell``: file, line, column, value,
expected, fix; line 1 = the header), as for the data pack. An action's identity
(``Action.identity``) is the sha256 of its canonical values (id, name and the typed values of
its cells; ``source`` and ``note`` left out; ``1`` and ``1.0`` alike, an empty product kind
``ALL``, ``TRUE`` and ``true`` alike), so it does not depend on the order of the rows and changes
with any value.

Sources: Commission Delegated Regulation (EU) 2015/35 Art. 23 (future management actions
realistic, consistent with the business strategy, allowing for the time needed to implement
them: the lag); Directive 2009/138/EC Art. 45 (the ORSA: the overall solvency needs over the
business planning period) and Art. 138 (a recovery plan restoring the capital when the
requirement is breached: ``capital_injection`` by ratio); the Canadian Institute of Actuaries'
Standards of Practice, section 2500, Financial Condition Testing (formerly DCAT: the base and
adverse scenarios with management's corrective actions); spec §1.3, §1.4, §1.10 and §1.11 for the
metrics. The timing convention and the effect of each action on a period are house definitions.
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
from reserva.io.scenarios import MAX_AMOUNT  # the default [input] max_money, as for shocks
from reserva.io.textcsv import missing_columns, read_checked
from reserva.vocab import ACTION_TRIGGERS, ACTION_TYPES, ACTION_UNITS, PRODUCT_KINDS, PROGRAMME

FILE = "management_actions.csv"
COLUMNS = (
    "action_id", "name", "trigger", "product_kind", "threshold", "periods", "action", "value",
    "unit", "lag_periods", "duration_periods", "once", "source", "note",
)
# columns a file may leave out (read as empty)
OPTIONAL = ("product_kind", "duration_periods", "note")
PLANNED = "always"  # the trigger of a planned action: no threshold, fires at t = 0
ACTION_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
# a whole number written as a decimal (a spreadsheet's 2.0) is taken as that number
WHOLE = re.compile(r"^\+?\d+(\.0*)?$")
# upper bounds that keep every figure finite and every period an index (module docstring)
MAX_PERIODS = 120  # 30 years of quarters
MAX_RATIO = 100.0
TRUTH = {"true": True, "false": False}


@dataclass(frozen=True)
class Action:
    """A management action: its trigger, what it does, when and for how long."""

    action_id: str
    name: str
    trigger: str  # a key of ACTION_TRIGGERS
    product_kind: str  # a product kind, or PROGRAMME (ALL) = every product
    threshold: float | None  # in the trigger's unit; None for ``always``
    periods: int  # >= 1: consecutive periods the trigger must hold
    action: str  # a key of ACTION_TYPES
    value: float
    unit: str  # one of ACTION_TYPES[action]
    lag_periods: int  # >= 0: periods between the trigger and the first period of application
    duration_periods: int | None  # >= 1; None = to the end of the projection
    once: bool  # fires at most once
    source: str  # the source of the action and its size, or "illustrative"
    note: str = ""
    line: int = field(default=0, compare=False)  # the row's line in its file (header = 1)

    def canonical(self) -> tuple:
        """The typed values that define the action (not its source, note or line)."""
        return (self.action_id, self.name, self.trigger, self.product_kind,
                None if self.threshold is None else float(self.threshold), self.periods,
                self.action, float(self.value), self.unit, self.lag_periods,
                self.duration_periods, self.once)

    @property
    def identity(self) -> str:
        """sha256 of the canonical values: independent of the row's place, changed by any value."""
        return action_identity(self)


def action_identity(action: Action) -> str:
    """sha256 (hex) of an action's canonical JSON (``Action.canonical``)."""
    text = json.dumps(list(action.canonical()), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- reading


def read_actions(path: str | Path, *, product_kinds: Iterable[str] | None = None
                 ) -> tuple[Action, ...]:
    """A management action file (CSV), every bad cell reported at once.

    Parameters
    ----------
    path
        The CSV file, with the columns of ``management_actions.csv``.
    product_kinds
        The product kinds a row may name (default: the vocabulary ``PRODUCT_KINDS``; pass an
        assumption set's to check against it).

    Returns
    -------
    The actions in the file's order.

    Raises
    ------
    InputError
        Naming every bad cell (file, line, column, value, expected, fix).
    """
    return read_checked(path, columns=COLUMNS, what="the actions file",
                        check=partial(check_actions, product_kinds=product_kinds))


def parse_actions(frame: pd.DataFrame, *, file: str = FILE, lines: Iterable[int] | None = None,
                  product_kinds: Iterable[str] | None = None) -> tuple[Action, ...]:
    """The actions of a table of text cells; raises ``InputError`` naming every bad cell.

    ``lines`` are the rows' line numbers in the file (default: row index + 2, header = 1);
    ``product_kinds`` as in ``read_actions``.
    """
    actions, cells = check_actions(frame, file=file, lines=lines, product_kinds=product_kinds)
    if cells:
        raise InputError(cells)
    return actions


def check_actions(frame: pd.DataFrame, *, file: str = FILE, lines: Iterable[int] | None = None,
                  product_kinds: Iterable[str] | None = None,
                  ) -> tuple[tuple[Action, ...], list[BadCell]]:
    """(the actions, every bad cell); the actions are empty when any cell is bad.

    A file with the header and no rows is a library without actions (none applied).
    """
    missing = missing_columns(frame, file, COLUMNS, OPTIONAL)
    if missing:
        return (), missing
    kinds = frozenset(PRODUCT_KINDS if product_kinds is None else product_kinds)
    numbers = list(lines) if lines is not None else list(range(2, len(frame) + 2))
    check = _Rows(file, kinds)
    actions = []
    seen: dict[str, int] = {}
    for line, raw in zip(numbers, frame.to_dict("records"), strict=True):
        r = _texts(raw)
        action = check.row(line, r)
        if r["action_id"] in seen:
            check.bad(line, "action_id", r["action_id"],
                      f"one row per action (line {seen[r['action_id']]} has it)",
                      "give the action another id, or remove one of the two rows")
        else:
            seen[r["action_id"]] = line
        if action is not None:
            actions.append(action)
    return (() if check.cells else tuple(actions)), check.cells


def _texts(raw: dict) -> dict[str, str]:
    return {c: "" if pd.isna(raw.get(c, "")) else str(raw.get(c, "")).strip() for c in COLUMNS}


def _words(values: Iterable[str]) -> str:
    return ", ".join(values)


class _Rows:
    """The checks of one file's rows, each bad cell collected."""

    def __init__(self, file: str, kinds: frozenset[str]):
        self.file, self.kinds = file, kinds
        self.cells: list[BadCell] = []

    def bad(self, line: int, column: str | None, value: str, expected: str, fix: str) -> None:
        self.cells.append(BadCell(self.file, line, column, value, expected, fix))

    def row(self, line: int, r: dict[str, str]) -> Action | None:
        """One row's cells checked; its Action when they are all good."""
        before = len(self.cells)
        self._codes(line, r)
        threshold = self._threshold(line, r)
        periods = self._whole(line, r, "periods", 1, "consecutive periods the trigger holds")
        if r["trigger"] == PLANNED and periods != 1:
            self.bad(line, "periods", r["periods"], f"1 for trigger {PLANNED}",
                     "write 1 and set the first period of the action with lag_periods")
        lag = self._whole(line, r, "lag_periods", 0, "periods between the trigger and the action")
        duration = (None if r["duration_periods"] == "" else
                    self._whole(line, r, "duration_periods", 1, "periods the action lasts, "
                                "or empty (to the end)"))
        value = self._value(line, r)
        once = TRUTH.get(r["once"].lower())
        if once is None:
            self.bad(line, "once", r["once"], "true or false",
                     "write true (the action fires at most once) or false")
        if len(self.cells) > before:  # the row's bad cells in the order of the columns
            self.cells[before:] = sorted(self.cells[before:],
                                         key=lambda c: COLUMNS.index(c.column))
            return None
        return Action(
            action_id=r["action_id"], name=r["name"], trigger=r["trigger"],
            product_kind=r["product_kind"] or PROGRAMME, threshold=threshold, periods=periods,
            action=r["action"], value=value, unit=r["unit"], lag_periods=lag,
            duration_periods=duration, once=bool(once), source=r["source"], note=r["note"],
            line=line)

    def _codes(self, line: int, r: dict[str, str]) -> None:
        if not ACTION_ID.match(r["action_id"]):
            self.bad(line, "action_id", r["action_id"], "an id of letters, digits, _ . -",
                     "name the action, e.g. tariff_up_10")
        if not r["name"]:
            self.bad(line, "name", "", "the action's name", "describe the action in a few words")
        for column, allowed in (("trigger", tuple(ACTION_TRIGGERS)),
                                ("action", tuple(ACTION_TYPES))):
            if r[column] not in allowed:
                self.bad(line, column, r[column], f"one of {_words(allowed)}",
                         "use a code the README lists under Management actions")
        if r["product_kind"] not in ("", PROGRAMME, *sorted(self.kinds)):
            self.bad(line, "product_kind", r["product_kind"],
                     f"empty, {PROGRAMME} or a product kind of the set "
                     f"({_words(sorted(self.kinds))})", "use a product kind of reserving.csv")
        if not r["source"]:
            self.bad(line, "source", "", "the source of the action, or illustrative",
                     "cite where the action and its size come from, or write illustrative")

    def _threshold(self, line: int, r: dict[str, str]) -> float | None:
        """The threshold in the trigger's unit; None for ``always`` (and a bad cell if given)."""
        text, trigger = r["threshold"], r["trigger"]
        if trigger == PLANNED:
            if text:
                self.bad(line, "threshold", text, f"empty for trigger {PLANNED}",
                         f"leave it empty: a {PLANNED} action waits for no threshold")
            return None
        if trigger not in ACTION_TRIGGERS:  # the trigger is the fault; its unit is unknown
            return None
        unit = ACTION_TRIGGERS[trigger][0]
        low, high, words = ((-MAX_AMOUNT, MAX_AMOUNT,
                             f"an amount in [{-MAX_AMOUNT:g}, {MAX_AMOUNT:g}]") if unit == "amount"
                            else (0.0, MAX_RATIO, f"a ratio in [0, {MAX_RATIO:g}]"))
        value = _number(text)
        if not low <= value <= high:  # NaN fails too
            self.bad(line, "threshold", text, f"{words} for {trigger}",
                     "write the threshold as a plain decimal number (0.85 = 85%)" if not text
                     or not math.isfinite(value) else "write a threshold within that range")
            return None
        return value

    def _whole(self, line: int, r: dict[str, str], column: str, low: int, what: str) -> int:
        """A whole number in ``low`` .. MAX_PERIODS (``low`` and a bad cell otherwise)."""
        text = r[column]
        if not WHOLE.match(text) or not low <= float(text) <= MAX_PERIODS:
            self.bad(line, column, text,
                     f"a whole number from {low} to {MAX_PERIODS} ({what})",
                     f"write a whole number of projection periods from {low} to {MAX_PERIODS}")
            return low
        return int(float(text))

    def _value(self, line: int, r: dict[str, str]) -> float:
        """The value, checked against its unit's range (the unit against the action's)."""
        units = ACTION_TYPES.get(r["action"], ACTION_UNITS)
        if r["unit"] not in units:
            self.bad(line, "unit", r["unit"], f"one of {_words(units)} for {r['action']}",
                     "use a unit the action accepts (README, Management actions)")
        value = _number(r["value"])
        # the range of a unit the action does not take is not checked (the unit is the fault)
        ok, expected = _in_range(r["action"], r["unit"] if r["unit"] in units else "", value)
        if not ok:
            self.bad(line, "value", r["value"], expected,
                     "write a plain decimal number" if not math.isfinite(value) else
                     "write a value within that range")
        return value


def _number(text: str) -> float:
    """A decimal number; NaN when the text is none."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _in_range(action: str, unit: str, value: float) -> tuple[bool, str]:
    """Whether a finite ``value`` is in its unit's range for ``action``, and the range in words."""
    low_share = -1.0 if action == "tariff_change" else 0.0
    ranges = {
        "share": (low_share, 1.0, f"a share in [{low_share:g}, 1]"),
        "amount": (0.0, MAX_AMOUNT, f"an amount in [0, {MAX_AMOUNT:g}]"),
        "ratio": (0.0, MAX_RATIO, f"a ratio in [0, {MAX_RATIO:g}]"),
    }
    low, high, words = ranges.get(unit, (-math.inf, math.inf, "a number"))
    return math.isfinite(value) and low <= value <= high, words


__all__ = [
    "COLUMNS", "FILE", "MAX_AMOUNT", "MAX_PERIODS", "MAX_RATIO", "PLANNED", "Action",
    "action_identity", "check_actions", "parse_actions", "read_actions",
]
