"""The inputs of the statements: ledger, assets, liabilities and reserves mapped to P- and B-codes.

Income statement lines (E2 BRS02, spec §2.1), per product, then the programme = their sum:

- ledger lines of the period (ps, v]: ``amount x sign`` summed by the P-code of
  ``ledger_map.csv`` (E2 L1008-1019);
- P03 = written - cancelled premium; P04, P13, P14, P15 = closing - opening UPR, IBNR, OCS,
  ALR; P12 = claims paid in the period.

Balance sheet lines (E2 BRS01, spec §2.2) from the latest snapshots on or before v:

- assets at the lower of book and market value (E2 L2895-2899), admitted share
  ``value x admitted_fraction`` to the class's ``admitted_code``, the rest to its
  ``non_admitted_code`` (``asset_map.csv``); cash and equivalents are the admitted value of
  B02 classes plus ``liquid_share`` of the others; immediately convertible investments the
  admitted value x (1 - haircut) of the classes with a haircut;
- liabilities to the ``short_code`` of their kind when due within ``[liquidity]
  horizon_months`` of v, else to its ``long_code`` (``liability_map.csv``);
- reserves B14, B17, B20, B23 = closing UPR, IBNR, OCS, ALR; B35 = the period's result P37.

An asset or liability without a product (empty ``product_id``) counts in the programme
column only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reserva.calendar import add_months
from reserva.errors import AssumptionError, ComputationError
from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import Assets, Ledger, Liabilities, latest_rows
from reserva.reserves.totals import Reserves

__all__ = ["BalanceInputs", "balance_lines", "income_lines", "ledger_lines", "with_programme"]

# the balance-sheet lines that hold the closing reserves (code, reserve)
RESERVE_LINES = (("B14", "upr"), ("B17", "ibnr"), ("B20", "ocs"), ("B23", "alr"))


def with_programme(per_product: np.ndarray, unallocated: float = 0.0) -> np.ndarray:
    """The values by product followed by the programme column (their sum + ``unallocated``)."""
    return np.append(per_product, per_product.sum() + unallocated)


def _by_product(product: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(product, weights=values, minlength=n)[:n].astype(np.float64)


def ledger_lines(ledger: Ledger, products: np.ndarray, a: AssumptionSet, ps: int,
                 v: int) -> dict[str, np.ndarray]:
    """P-code -> signed ledger amounts of the period (ps, v] by product (``ledger_map.csv``)."""
    n = len(products)
    in_period = (ledger.period_end > ps) & (ledger.period_end <= v)
    product = ledger.product[in_period]
    line = pd.Series(ledger.line.text()[in_period], dtype=object)
    lmap = a.ledger_map.set_index("line")
    unknown = sorted(set(line) - set(lmap.index))
    if unknown:
        raise ComputationError(
            f"ledger lines {', '.join(unknown)} have no P-code in ledger_map.csv of assumption "
            f"set {a.set_id}; fix: add them"
        )
    p_code = line.map(lmap["p_code"]).to_numpy()
    signed = np.nan_to_num(ledger.amount[in_period]) * line.map(lmap["sign"]).to_numpy(float)
    out: dict[str, np.ndarray] = {}
    for code in np.unique(p_code):
        mask = p_code == code
        out[str(code)] = _by_product(product[mask], signed[mask], n)
    return out


def income_lines(ledger: dict[str, np.ndarray], written: np.ndarray, cancelled: np.ndarray,
                 paid: np.ndarray, opening: Reserves, closing: Reserves) -> dict[str, np.ndarray]:
    """The input lines of the income statement, products then the programme (module doc)."""
    inc = {code: with_programme(vals) for code, vals in ledger.items()}
    inc["P03"] = with_programme(written - cancelled)
    inc["P04"] = with_programme(closing.upr - opening.upr)
    inc["P12"] = with_programme(paid)
    inc["P13"] = with_programme(closing.ibnr - opening.ibnr)
    inc["P14"] = with_programme(closing.ocs - opening.ocs)
    inc["P15"] = with_programme(closing.alr - opening.alr)
    return inc


@dataclass(frozen=True)
class BalanceInputs:
    """The input lines of the balance sheet and the liquidity figures of the same assets."""

    lines: dict[str, np.ndarray]  # B-code -> products then the programme
    liquid: np.ndarray  # cash and equivalents
    convertible: np.ndarray  # immediately convertible investments, less their haircut
    allocated: np.ndarray  # bool per column: holds assets of its own (the programme always)


class _Lines:
    """B-code -> amounts by product + programme (an unallocated amount: programme only)."""

    def __init__(self, n: int):
        self.n = n
        self.lines: dict[str, np.ndarray] = {}

    def add(self, code: str, idx: np.ndarray, amount: np.ndarray) -> None:
        n = self.n
        col = np.where(idx < 0, n, idx)  # unallocated -> programme column only
        acc = np.bincount(col, weights=amount, minlength=n + 1)
        acc[n] += acc[:n].sum()
        self.lines[code] = self.lines.get(code, np.zeros(n + 1)) + acc


def _assets(out: _Lines, assets: Assets, rows: np.ndarray, a: AssumptionSet) -> np.ndarray:
    """Add the lines of the asset ``rows`` (and ``_liquid``, ``_convertible``); their product
    indexes."""
    if not len(rows):
        return np.zeros(0, dtype=np.int32)
    amap = a.asset_map.set_index("asset_class")
    idx = assets.product[rows]
    # conservative value: lower of book and market (E2 L2895-2899)
    value = np.minimum(np.nan_to_num(assets.book_value[rows]),
                       np.nan_to_num(assets.market_value[rows]))
    admitted = value * np.nan_to_num(assets.admitted_fraction[rows])
    cls = pd.Series(assets.asset_class.text()[rows], dtype=object)
    adm_code = cls.map(amap["admitted_code"]).to_numpy()
    non_code = cls.map(amap["non_admitted_code"]).to_numpy()
    liquid = cls.map(amap["liquid_share"]).to_numpy(float)
    for code in np.unique(np.concatenate([adm_code, non_code])):
        out.add(str(code), idx, np.where(adm_code == code, admitted, 0.0)
                + np.where(non_code == code, value - admitted, 0.0))
    out.add("_liquid", idx, np.where(adm_code == "B02", admitted, admitted * liquid))
    haircut = cls.map(amap["haircut"]).to_numpy(float)
    out.add("_convertible", idx, np.where((adm_code != "B02") & ~np.isnan(haircut),
                                          admitted * (1.0 - np.nan_to_num(haircut)), 0.0))
    return idx


def _liabilities(out: _Lines, liabilities: Liabilities, rows: np.ndarray, a: AssumptionSet,
                 v: int) -> None:
    """Add the lines of the liability ``rows``: each kind's short or long code of
    ``liability_map.csv``."""
    if not len(rows):
        return
    lmap = a.liability_map.set_index("kind")
    kind = pd.Series(liabilities.kind.text()[rows], dtype=object)
    unknown = sorted(set(kind) - set(lmap.index))
    if unknown:
        raise AssumptionError(
            f"assumption set {a.set_id}: liability kind(s) {', '.join(unknown)} of the "
            "liabilities snapshot have no row of liability_map.csv; fix: add a row for each")
    horizon = int(add_months(v, a.settings.liquidity.horizon_months))
    idx = liabilities.product[rows]
    amount = np.nan_to_num(liabilities.amount[rows])
    short = liabilities.due_date[rows] <= horizon
    code = np.where(short, kind.map(lmap["short_code"]).to_numpy(),
                    kind.map(lmap["long_code"]).to_numpy())
    # one sum per code over the rows in their order (codes of the map absent here add 0)
    for c in dict.fromkeys((*lmap["short_code"], *lmap["long_code"])):
        out.add(str(c), idx, np.where(code == c, amount, 0.0))


def balance_lines(assets: Assets, liabilities: Liabilities, products: np.ndarray,
                  a: AssumptionSet, v: int, closing: Reserves, p37: np.ndarray) -> BalanceInputs:
    """The balance sheet's input lines (module doc): the latest asset and liability snapshots
    on or before v (none: no lines), ``closing`` the closing reserves by product, ``p37`` the
    period's result, products then the programme.
    """
    n = len(products)
    out = _Lines(n)
    asset_idx = _assets(out, assets, latest_rows(assets.as_of_date, v), a)
    _liabilities(out, liabilities, latest_rows(liabilities.as_of_date, v), a, v)
    lines = out.lines
    for code, name in RESERVE_LINES:
        lines[code] = with_programme(closing.get(name))
    lines["B35"] = np.asarray(p37, dtype=float)
    liquid = lines.pop("_liquid", np.zeros(n + 1))
    convertible = lines.pop("_convertible", np.zeros(n + 1))
    allocated = np.zeros(n + 1, dtype=bool)
    allocated[n] = True  # the programme holds every asset
    allocated[asset_idx[asset_idx >= 0]] = True
    return BalanceInputs(lines, liquid, convertible, allocated)
