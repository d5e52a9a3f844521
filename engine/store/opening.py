"""The opening of a close: its opening reserves and the previous run, loaded once, at the start.

Opening reserves (for the reserve changes P04, P13, P14, P15 = closing - opening) come from,
in order:

1. ``store``: the latest completed run valued at the period start in the store (its closing
   reserves); its IBNR by origin is then the opening of the IBNR's analysis of change, and
   its assumption set, when it differs from the close's and is still available with its hash
   (a variant set: derived again from its parent, which still has the stored parent hash, and
   the stored overrides), the base of the assumption changes;
2. ``opening_balances``: the rows of the data pack's ``opening_balances`` table valued at the
   period start;
3. ``recomputed``: the stages recompute them at the period start from the same data (UPR,
   OCS and IBNR at the period start, ALR at the period start).

``Opening.source`` is what the run records as ``opening_source``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import EngineError
from reserva.io import variants
from reserva.io.arrays import to_date
from reserva.io.assumptions import AssumptionSet, load_assumptions
from reserva.io.bundles import OpeningBalances
from reserva.reserves.claims.analysis import OriginIbnr
from reserva.reserves.totals import Reserves
from reserva.store import runs as store_runs
from reserva.vocab import RESERVES

__all__ = ["Opening", "load_opening"]

RECOMPUTED_NOTE = ("opening reserves recomputed at the period start from this data pack "
                   "(no stored run at that date and no opening_balances rows)")


@dataclass(frozen=True)
class Opening:
    """Where a close's opening comes from, and what is known of it before the stages run."""

    source: str  # store, opening_balances or recomputed
    run_id: int | None  # the opening run (source store)
    reserves: Reserves | None  # by product; None when recomputed (by the stages)
    ibnr_origin: OriginIbnr | None  # the opening run's IBNR by origin (source store)
    prior_set: AssumptionSet | None  # the opening run's set when it differs and is available
    prior_set_note: str = ""  # why the assumption changes cannot be split out ("" when they can)

    @property
    def recomputed(self) -> bool:
        """The stages recompute the opening reserves at the period start."""
        return self.reserves is None

    def notes(self) -> tuple[str, ...]:
        """The run notes on the opening."""
        return (RECOMPUTED_NOTE,) if self.recomputed else ()


def load_opening(store: Path | None, opening_balances: OpeningBalances, products: np.ndarray,
                 period_start: int, a: AssumptionSet) -> Opening:
    """The opening of a close of ``products`` whose period starts after day ``period_start``.

    Parameters
    ----------
    store : the store (None or a missing file: no stored run).
    opening_balances : the data pack's ``opening_balances`` (empty when it has none).
    products : the product ids of the close, in its order.
    period_start : the day number of the period start (the opening's valuation date).
    a : the close's assumption set (the opening run's set is compared with it).
    """
    found = store_runs.opening_reserves(store, to_date(period_start)) \
        if store is not None else None
    if found is not None:
        run_id, frame = found
        prior_set, note = _prior_set(store, run_id, a)
        return Opening("store", run_id, _reserves(frame, products),
                       _origin_ibnr(store, run_id, products), prior_set, note)
    rows = np.flatnonzero(opening_balances.valuation_date == period_start)
    if rows.size:
        return Opening("opening_balances", None, _balances(opening_balances, rows, len(products)),
                       None, None)
    return Opening("recomputed", None, None, None, None)


def _balances(ob: OpeningBalances, rows: np.ndarray, n: int) -> Reserves:
    """Reserves by product from the opening-balance ``rows`` (rows of other products or
    reserves are ignored), added in row order."""
    values = {r: np.zeros(n) for r in RESERVES}
    for reserve, product, amount in zip(ob.reserve.codes[rows], ob.product[rows],
                                        ob.amount[rows], strict=True):
        if product >= 0 and reserve >= 0:
            values[ob.reserve.categories[reserve]][product] += float(amount)
    return Reserves(**values)


def _reserves(frame: pd.DataFrame, products: np.ndarray) -> Reserves:
    """Reserves by product from rows of product_id, reserve, amount (others ignored)."""
    n = len(products)
    index = {p: i for i, p in enumerate(products)}
    values = {r: np.zeros(n) for r in RESERVES}
    for row in frame.itertuples(index=False):
        if row.product_id in index and row.reserve in values:
            values[row.reserve][index[row.product_id]] += float(row.amount)
    return Reserves(**values)


def _origin_ibnr(store: Path, run_id: int, products: np.ndarray) -> OriginIbnr:
    """The IBNR by origin the run stored, as [product, origin] arrays in ``products``' order."""
    n = len(products)
    _, prev = store_runs.read_results(store, "ibnr_origin", run_id)
    width = max(int(prev.groupby("product_id").size().max()), 1) if len(prev) else 1
    starts = np.full((n, width), np.datetime64("NaT"), dtype="datetime64[D]")
    latest, cdf, ibnr = (np.zeros((n, width)) for _ in range(3))
    index = {p: i for i, p in enumerate(products)}
    for p, rows in prev.groupby("product_id", sort=False):
        if p not in index:
            continue
        i, k = index[p], len(rows)
        starts[i, :k] = rows["origin_start"].to_numpy().astype("datetime64[D]")
        latest[i, :k] = rows["reported"].to_numpy()
        cdf[i, :k] = rows["cdf"].to_numpy()
        ibnr[i, :k] = rows["ibnr"].to_numpy()
    return OriginIbnr(starts, latest, cdf, ibnr)


def _prior_set(store: Path, run_id: int, a: AssumptionSet) -> tuple[AssumptionSet | None, str]:
    """The run's assumption set when it is not ``a`` (same hash: None) and is still available
    with its hash; else None and the note saying the assumption changes stay in the
    remeasurement.

    The set is looked up beside ``a``'s folder (a variant's: beside its parent's). A variant
    (the run stored its parent's hash and its overrides) is derived again from its parent,
    which must still have the stored parent hash."""
    rec = store_runs.run_record(store, run_id)
    if rec["assumption_hash"] == a.set_hash:
        return None, ""
    root = Path(a.parent_path or a.path).parent
    parent_hash, overrides = rec.get("assumption_parent_hash"), rec.get("assumption_overrides")
    try:
        if isinstance(parent_hash, str) and isinstance(overrides, str):
            parent = load_assumptions(variants.parent_id(rec["assumption_set"]), root=root)
            prev = variants.rebuild(parent, rec["assumption_hash"], parent_hash, overrides)
        else:
            prev = load_assumptions(rec["assumption_set"], root=root)
    except EngineError:
        prev = None
    if prev is None or prev.set_hash != rec["assumption_hash"]:
        return None, (
            f"the opening run's assumption set {rec['assumption_set']} "
            f"({rec['assumption_hash'][:8]}) is not available: assumption changes are "
            "included in the remeasurement")
    return prev, ""
