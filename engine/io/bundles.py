"""Typed, frozen array bundles of a valid data pack: the seam between ``io`` and the stages.

``bundle(pack)`` turns every table of a pack read by ``reserva.io.readers.read_pack`` (valid:
every cell checked there) into a frozen dataclass of numpy arrays, once per pack (the result is
cached for as long as the pack lives). No stage reads the pack or a frame of raw inputs: they
take these bundles. One rule per column type of the schema (``reserva.io.schema``):

    date                   int64 day number (days since 1970-01-01); an empty date -> NEVER
    money, float           float64; an empty cell -> NaN
    int                    int64; float64 with NaN when the column may be empty
    text with choices      ``Coded``: int8 codes indexing the vocabulary tuple of
                           ``reserva.vocab`` (the one encoding: a rejected claim is
                           CLAIM_STATUSES.index("rejected") = 2 in every stage); -1 = empty
    product_id             ``product``: int32 index into ``Products.product_id``; -1 = empty or
                           not a product of the pack
    member_id              ``member``: int64 index into ``Inputs.members`` (the sorted member
                           ids of the policies); -1 = empty or no policy of that member
    account_id             ``account``: int64 index into ``Inputs.accounts`` (the sorted account
                           ids of the savings accounts and transactions)
    claim_payments.claim_id ``claim``: int64 row of the claim in ``Claims``
    the table's own key    object array of str (``policy_id``, ``claim_id``, ``asset_id``, ...)
    other text             ``Coded`` over its sorted distinct values (households, groups,
                           causes, ...); columns outside the schema too (``Table.extra``)

A column keeps its schema name (``start_date`` holds day numbers). Every array is read-only
and every bundle frozen: a stage writing into its inputs fails at once. A table absent from
the pack is an empty bundle of its columns (``Inputs.has`` tells whether the pack holds it).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

import numpy as np
import pandas as pd

from reserva.io.arrays import days
from reserva.io.readers import DataPack
from reserva.io.schema import TABLES_BY_NAME, TableSpec

__all__ = [
    "Assets", "ClaimPayments", "Claims", "Coded", "Exits", "Funding", "Inputs", "Ledger",
    "Liabilities", "LifePolicies", "OpeningBalances", "Plans", "Policies", "Products",
    "SavingsAccounts", "SavingsTransactions", "Table", "Targets", "bundle", "frozen_array", "latest_rows",
    "table_bundle",
]

# text columns that reference another table (coded into its vocabulary, renamed)
REFERENCES = {"product_id": "product", "member_id": "member", "account_id": "account"}


def frozen_array(values, dtype=None) -> np.ndarray:
    """A read-only copy of ``values`` (never a view of the pack's frames)."""
    arr = np.array(values, dtype=dtype, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Coded:
    """A text column of a vocabulary: ``codes`` index ``categories`` (-1 = empty)."""

    codes: np.ndarray  # int8 for the vocabularies of reserva.vocab, int32 otherwise
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def code(self, name: str) -> int:
        """The code of one category (-1 when it is not one: no row holds it)."""
        return self.categories.index(name) if name in self.categories else -1

    def isin(self, names) -> np.ndarray:
        """Rows whose value is one of ``names``."""
        wanted = [self.categories.index(x) for x in names if x in self.categories]
        return np.isin(self.codes, wanted)

    def categories_array(self) -> np.ndarray:
        """The categories as an object array of str."""
        return np.asarray(self.categories, dtype=object)

    def text(self) -> np.ndarray:
        """The values as an object array of str ("" where empty)."""
        cats = np.asarray((*self.categories, ""), dtype=object)
        return cats[np.where(self.codes < 0, len(self.categories), self.codes)]


class Table:
    """Base of the table bundles: ``n`` rows, ``extra`` columns outside the schema (Coded)."""

    table: ClassVar[str]  # the data-pack table it holds

    def __len__(self) -> int:
        return self.n  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Products(Table):
    table: ClassVar[str] = "products"
    n: int
    product_id: np.ndarray  # object
    name: Coded
    kind: Coded
    participation: Coded
    extra: Mapping[str, Coded]

    @property
    def kinds(self) -> np.ndarray:
        """The product kinds as an object array of str, in product order."""
        return self.kind.text()


@dataclass(frozen=True)
class Policies(Table):
    table: ClassVar[str] = "policies"
    n: int
    policy_id: np.ndarray  # object
    member: np.ndarray  # int64 into Inputs.members
    household_id: Coded
    relationship: Coded
    member_group: Coded
    partner: Coded  # the distribution partner; -1 = paid directly
    product: np.ndarray  # int32 into Products.product_id
    start_date: np.ndarray
    end_date: np.ndarray
    issue_date: np.ndarray  # NEVER where empty
    written_premium: np.ndarray
    premium_frequency: Coded
    commission: np.ndarray  # NaN where empty
    sum_insured: np.ndarray
    birth_date: np.ndarray
    sex: Coded
    status: Coded
    cancel_date: np.ndarray
    refund: np.ndarray  # NaN where empty
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class ClaimPayments(Table):
    table: ClassVar[str] = "claim_payments"
    n: int
    claim: np.ndarray  # int64: row of the claim in Claims (-1: no such claim)
    payment_date: np.ndarray
    amount: np.ndarray
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Claims(Table):
    table: ClassVar[str] = "claims"
    n: int
    claim_id: np.ndarray  # object
    policy_id: Coded
    member: np.ndarray  # int64 into Inputs.members
    product: np.ndarray  # int32
    event_date: np.ndarray
    report_date: np.ndarray
    decision_date: np.ndarray  # NEVER where empty
    receipt_date: np.ndarray  # NEVER where empty
    status: Coded  # vocab.CLAIM_STATUSES
    claimed_amount: np.ndarray
    paid_amount: np.ndarray
    case_reserve: np.ndarray  # NaN where empty
    cause: Coded
    benefit_category: Coded
    limit_reached: Coded
    extra: Mapping[str, Coded]

    def labels(self, column: str) -> np.ndarray:
        """A text column's values as an object array of str, "" where empty (e.g. the
        ``[ibnr] segment_by`` columns)."""
        if column in self.extra:
            return self.extra[column].text()
        value = getattr(self, REFERENCES.get(column, column), None)
        if isinstance(value, Coded):
            return value.text()
        if column == "claim_id":
            return self.claim_id
        raise KeyError(f"claims column {column!r} is not a text column")


@dataclass(frozen=True)
class Exits(Table):
    table: ClassVar[str] = "exits"
    n: int
    member: np.ndarray  # int64 into Inputs.members (-1: no policy of that member)
    product: np.ndarray
    exit_date: np.ndarray
    reason: Coded  # vocab.EXIT_REASONS
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Ledger(Table):
    table: ClassVar[str] = "ledger"
    n: int
    product: np.ndarray
    period_end: np.ndarray
    line: Coded  # vocab.LEDGER_LINES
    amount: np.ndarray
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Assets(Table):
    table: ClassVar[str] = "assets"
    n: int
    as_of_date: np.ndarray
    asset_id: np.ndarray  # object
    asset_class: Coded  # vocab.ASSET_CLASSES
    admitted_fraction: np.ndarray
    book_value: np.ndarray
    market_value: np.ndarray
    face: np.ndarray
    coupon_rate: np.ndarray
    coupon_frequency: np.ndarray  # float64, NaN where empty
    maturity_date: np.ndarray
    rating: Coded
    product: np.ndarray  # -1 = not allocated to a product
    issuer: Coded
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Liabilities(Table):
    table: ClassVar[str] = "liabilities"
    n: int
    as_of_date: np.ndarray
    liability_id: np.ndarray  # object
    kind: Coded  # vocab.LIABILITY_KINDS
    amount: np.ndarray
    due_date: np.ndarray
    product: np.ndarray  # -1 = not allocated to a product
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Targets(Table):
    table: ClassVar[str] = "targets"
    n: int
    product: np.ndarray
    period_end: np.ndarray
    target_population: np.ndarray  # int64
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class SavingsAccounts(Table):
    table: ClassVar[str] = "savings_accounts"
    n: int
    account: np.ndarray  # int64 into Inputs.accounts
    member: np.ndarray
    product: np.ndarray
    balance_date: np.ndarray
    balance: np.ndarray
    credited_rate: np.ndarray
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class SavingsTransactions(Table):
    table: ClassVar[str] = "savings_transactions"
    n: int
    account: np.ndarray  # int64 into Inputs.accounts
    product: np.ndarray
    transaction_date: np.ndarray
    type: Coded  # vocab.TRANSACTION_TYPES
    amount: np.ndarray
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class LifePolicies(Table):
    table: ClassVar[str] = "life_policies"
    n: int
    policy_id: np.ndarray  # object
    member: np.ndarray  # -1 where empty
    product: np.ndarray
    plan: Coded  # vocab.LIFE_PLANS
    issue_date: np.ndarray
    issue_age: np.ndarray  # int64
    sum_insured: np.ndarray
    term_years: np.ndarray  # float64, NaN where empty
    premium_years: np.ndarray  # float64, NaN where empty
    premium_mode: Coded  # vocab.PREMIUM_FREQUENCIES
    gross_premium: np.ndarray  # NaN where empty
    exit_date: np.ndarray  # NEVER where empty
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Funding(Table):
    table: ClassVar[str] = "funding"
    n: int
    product: np.ndarray
    funding_date: np.ndarray
    amount: np.ndarray
    source: Coded
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class Plans(Table):
    table: ClassVar[str] = "plans"
    n: int
    product: np.ndarray
    period_start: np.ndarray
    period_end: np.ndarray
    planned_claims: np.ndarray
    extra: Mapping[str, Coded]


@dataclass(frozen=True)
class OpeningBalances(Table):
    table: ClassVar[str] = "opening_balances"
    n: int
    product: np.ndarray
    valuation_date: np.ndarray
    reserve: Coded  # vocab.RESERVES
    amount: np.ndarray
    extra: Mapping[str, Coded]


BUNDLES: dict[str, type[Table]] = {
    cls.table: cls for cls in (
        Products, Policies, Claims, ClaimPayments, Exits, Ledger, Assets, Liabilities, Targets,
        SavingsAccounts, SavingsTransactions, LifePolicies, Funding, Plans, OpeningBalances)
}
KEYS = {"policies": "policy_id", "claims": "claim_id", "assets": "asset_id",
        "liabilities": "liability_id", "life_policies": "policy_id", "products": "product_id"}


@dataclass(frozen=True)
class Inputs:
    """Every table of a data pack as arrays (``bundle``), with the shared vocabularies."""

    products: Products
    members: np.ndarray  # object: the sorted distinct member ids of the policies
    accounts: np.ndarray  # object: the sorted distinct savings account ids
    policies: Policies
    claims: Claims
    claim_payments: ClaimPayments
    exits: Exits
    ledger: Ledger
    assets: Assets
    liabilities: Liabilities
    targets: Targets
    savings_accounts: SavingsAccounts
    savings_transactions: SavingsTransactions
    life_policies: LifePolicies
    funding: Funding
    plans: Plans
    opening_balances: OpeningBalances
    present: frozenset[str]  # the tables the pack holds

    def has(self, table: str) -> bool:
        """Whether the pack holds ``table`` (an absent table is an empty bundle)."""
        return table in self.present

    @property
    def n_products(self) -> int:
        return self.products.n


def latest_rows(as_of: np.ndarray, v: int) -> np.ndarray:
    """The rows (indices, in table order) of the latest snapshot date on or before day ``v``
    (none when no snapshot is that old)."""
    known = as_of[as_of <= v]
    if not known.size:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(as_of == known.max())


# ---------------------------------------------------------------- building


_CACHE: dict[int, tuple[weakref.ref, Inputs]] = {}


def bundle(pack: DataPack) -> Inputs:
    """The array bundles of every table of ``pack`` (built once per pack, then cached).

    Parameters
    ----------
    pack : a data pack read and validated by ``reserva.io.readers.read_pack``.

    Returns
    -------
    ``Inputs``: frozen bundles with read-only arrays (see the module docstring).
    """
    hit = _CACHE.get(id(pack))
    if hit is not None and hit[0]() is pack:
        return hit[1]
    inputs = _build(pack)
    key = id(pack)
    _CACHE[key] = (weakref.ref(pack), inputs)
    weakref.finalize(pack, _CACHE.pop, key, None)
    return inputs


def _build(pack: DataPack) -> Inputs:
    frames = {name: pack[name] for name in BUNDLES if pack.has(name)}
    products = _text(frames["products"]["product_id"]) if "products" in frames \
        else np.zeros(0, dtype=object)
    members = _sorted_ids(frames.get("policies"), "member_id")
    accounts = np.union1d(_sorted_ids(frames.get("savings_accounts"), "account_id"),
                          _sorted_ids(frames.get("savings_transactions"), "account_id"))
    refs = {"product_id": products, "member_id": frozen_array(members, object),
            "account_id": frozen_array(accounts, object)}
    claim_ids = _text(frames["claims"]["claim_id"]) if "claims" in frames else np.zeros(0, object)
    tables = {name: table_bundle(name, frames.get(name), refs, claim_ids=claim_ids)
              for name in BUNDLES}
    return Inputs(members=refs["member_id"], accounts=refs["account_id"],
                  present=frozenset(frames), **tables)


def table_bundle(name: str, frame: pd.DataFrame | None, refs: Mapping[str, np.ndarray],
                 *, claim_ids: np.ndarray | None = None) -> Table:
    """The bundle of one table of the schema from its typed frame (``None``: no rows).

    ``refs``: the vocabularies the references are coded into (``product_id``: the product ids,
    ``member_id``, ``account_id``); ``claim_ids`` the claims' ids (for ``claim_payments``).
    """
    spec = TABLES_BY_NAME[name]
    if frame is None:
        frame = _empty(spec)
    values: dict[str, object] = {"n": len(frame)}
    known = set()
    for col in spec.columns:
        known.add(col.name)
        data = frame[col.name] if col.name in frame else pd.Series(pd.NA, index=frame.index,
                                                                     dtype="string")
        if name == "claim_payments" and col.name == "claim_id":
            values["claim"] = _reference(data, claim_ids, np.int64)
        elif col.name == KEYS.get(name):
            values[col.name] = _text(data)
        elif col.name in REFERENCES and col.type == "str":
            values[REFERENCES[col.name]] = _reference(
                data, refs[col.name], np.int32 if col.name == "product_id" else np.int64)
        else:
            values[col.name] = _convert(col, data)
    values["extra"] = MappingProxyType({c: _coded(frame[c], None) for c in frame.columns
                                        if c not in known})
    cls = BUNDLES[name]
    return cls(**values)


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype="string") for c in spec.columns})


def _convert(col, data: pd.Series):
    if col.type == "date":
        return frozen_array(days(data))
    if col.type in ("money", "float") or (col.type == "int" and col.nullable):
        return frozen_array(_floats(data))
    if col.type == "int":
        return frozen_array(_floats(data), np.int64)
    return _coded(data, col.choices)


def _floats(data: pd.Series) -> np.ndarray:
    return pd.to_numeric(pd.Series(data), errors="raise").to_numpy(np.float64, na_value=np.nan)


def _text(data: pd.Series) -> np.ndarray:
    """Ids as a read-only object array of str ("" where empty)."""
    return frozen_array(pd.Series(data).fillna("").astype(str).to_numpy(dtype=object))


def _sorted_ids(frame: pd.DataFrame | None, column: str) -> np.ndarray:
    if frame is None or column not in frame:
        return np.zeros(0, dtype=object)
    return _coded(frame[column], None).categories_array()


def _reference(data: pd.Series, vocabulary: np.ndarray, dtype) -> np.ndarray:
    """Codes of a reference column into the ids it names (-1: empty or not among them)."""
    codes, uniques = pd.factorize(pd.Series(data))
    lookup = pd.Index(vocabulary).get_indexer(np.asarray(uniques, dtype=object))
    return frozen_array(_through(codes, lookup), dtype)


def _through(codes: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """``lookup[codes]``, -1 where the code is -1 (a missing value)."""
    return np.append(lookup, -1)[np.where(codes < 0, lookup.size, codes)]


def _coded(data: pd.Series, choices) -> Coded:
    """Codes into ``choices`` (a vocabulary of reserva.vocab), else into the sorted distinct
    values; an empty cell is -1."""
    series = pd.Series(data)
    if series.dtype.kind in "iuf":  # numbers in a text column outside the schema
        series = series.astype("Int64")
    codes, uniques = pd.factorize(series.astype("string"), sort=True)
    found = np.asarray(uniques, dtype=object)
    cats = tuple(str(c) for c in choices) if choices is not None else \
        tuple(str(u) for u in found if u != "")
    lookup = pd.Index(cats, dtype=object).get_indexer(found) if found.size else \
        np.zeros(0, np.int64)
    dtype = np.int8 if len(cats) < 127 else np.int32
    return Coded(frozen_array(_through(codes, lookup), dtype), cats)
