"""What a data pack is checked against besides its schema: the limits of an assumption set.

``InputLimits`` is built from an assumption set (``InputLimits.of``) and passed to
``read_pack(..., limits=...)``; without it the default set's limits apply. It holds

- the plausible-date window ``[input] earliest_date .. latest_date``: a date cell outside it is
  an input error (a mistyped year such as 1000-01-01, or 9999-12-31 written for "no end");
- ``[input] max_money``: a money cell above it is an input error (1e20 premiums, 1e308 claims);
- ``[input] claim_cover_grace_days``: how far a claim's event may fall outside its policy's
  cover before the pack is flagged (a warning);
- the vocabularies the close looks up in the set: product kinds with a reserving, IBNR and
  projection row; ledger lines of ``ledger_map.csv``; asset classes of ``asset_map.csv``;
  liability kinds of ``liability_map.csv``; the claim columns ``[ibnr] segment_by`` splits the
  triangles by;
- per product kind whose ALR or projection values life contracts, the mortality table and its
  ages (an issue age whose cover runs past the table's end cannot be valued). A Makeham table's
  ages are in the set; a table read from a file or a package is built by the reserves layer,
  which registers its builder here (``register_table_ages``; io never imports the layers above).

Validation uses these so that ``reserva validate --assumptions SET`` runs every check on input
data that a close on that set runs.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from reserva.errors import AssumptionError
from reserva.io.assumptions import AssumptionSet, load_assumptions


@dataclass(frozen=True)
class LifeTable:
    """The mortality table a product kind values its life contracts on, and its ages."""

    table: str
    min_age: int
    max_age: int  # q = 1 here: the cover must end by max_age + 1


@dataclass(frozen=True)
class InputLimits:
    """Limits and vocabularies of an assumption set that input data must respect."""

    set_id: str
    earliest_date: dt.date
    latest_date: dt.date
    max_money: float
    claim_cover_grace_days: int
    product_kinds: frozenset[str] | None = None  # None: not checked
    ledger_lines: frozenset[str] | None = None
    asset_classes: frozenset[str] | None = None
    liability_kinds: frozenset[str] | None = None
    claim_columns: tuple[str, ...] = ()  # columns the claims file must hold ([ibnr] segment_by)
    life_tables: Mapping[str, LifeTable] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def earliest_day(self) -> np.datetime64:
        return np.datetime64(self.earliest_date, "s")

    @property
    def latest_day(self) -> np.datetime64:
        return np.datetime64(self.latest_date, "s")

    def window_text(self) -> str:
        return (f"a date from {self.earliest_date} to {self.latest_date} ([input] earliest_date "
                f"and latest_date of assumption set {self.set_id})")

    def money_text(self) -> str:
        return (f"a number from 0 to {self.max_money:g} ([input] max_money of assumption set "
                f"{self.set_id})")

    @classmethod
    def of(cls, assumptions: str | AssumptionSet = "default") -> InputLimits:
        """The limits of an assumption set (a set id or folder, or a loaded set)."""
        if isinstance(assumptions, AssumptionSet):
            return _from_set(assumptions)
        return _from_set(load_assumptions(assumptions))


TableAges = Callable[[AssumptionSet, str], tuple[int, int]]
_TABLE_AGES: list[TableAges] = []  # the reserves layer's table builder, once registered


def register_table_ages(ages: TableAges) -> None:
    """Register how to find the (first, last) ages of a mortality table of a set."""
    _TABLE_AGES[:] = [ages]


def _table_ages(a: AssumptionSet, name: str) -> tuple[int, int] | None:
    """The table's first and last ages; None when unknown without the reserves layer."""
    if _TABLE_AGES:
        return _TABLE_AGES[0](a, name)
    spec = a.mortality.get(name)
    if spec is not None and spec.source == "makeham":
        return spec.min_age, spec.max_age
    return None


@functools.cache
def default_limits() -> InputLimits:
    """The default assumption set's limits (read once per process)."""
    return InputLimits.of("default")


def _from_set(a: AssumptionSet) -> InputLimits:
    # types and ranges were checked when the set was read (reserva.io.settings)
    earliest, latest = a.settings.input.earliest_date, a.settings.input.latest_date
    if latest < earliest:
        raise AssumptionError(
            f"assumption set {a.set_id}: settings.toml [input] latest_date {latest} is before "
            f"earliest_date {earliest}; fix: correct them")
    grace = a.settings.input.claim_cover_grace_days
    kinds = set(a.reserving) & set(a.ibnr_options) & set(a.projection_bases)
    return InputLimits(
        set_id=a.set_id,
        earliest_date=earliest,
        latest_date=latest,
        max_money=a.settings.input.max_money,
        claim_cover_grace_days=int(grace),
        product_kinds=frozenset(kinds),
        ledger_lines=frozenset(a.ledger_map["line"].astype(str)),
        asset_classes=frozenset(a.asset_map["asset_class"].astype(str)),
        liability_kinds=frozenset(a.liability_map["kind"].astype(str)),
        claim_columns=tuple(str(c) for c in a.settings.ibnr.segment_by),
        life_tables=MappingProxyType(_life_tables(a, kinds)),
    )


def _life_tables(a: AssumptionSet, kinds) -> dict[str, LifeTable]:
    """Kinds whose ALR (a premium method) or projection (basis life) values life contracts."""
    out: dict[str, LifeTable] = {}
    built: dict[str, LifeTable | None] = {}
    for kind in sorted(kinds):
        uses = (a.reserving[kind].alr_method.endswith("_premium")
                or a.projection_bases[kind].basis == "life")
        if not uses or kind not in a.life_basis:
            continue
        name = a.life_basis[kind].mortality_table
        if name not in built:
            ages = _table_ages(a, name)
            built[name] = None if ages is None else LifeTable(name, int(ages[0]), int(ages[1]))
        if built[name] is not None:
            out[kind] = built[name]
    return out
