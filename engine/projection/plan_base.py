"""What a forward projection starts from: a close's position, its in-force run-off and the
plan's rates, as typed arrays (``reserva.projection.plan``).

Built from the close's stress base (``reserva.projection.stress_base.StressBase``: the grid,
the reserves, the assets and their positions, the earned and expiring premium of the policies
in force), its statements (the P and B codes by column) and the assumption set (projection.csv,
plan.csv, new_business.csv, asset_yields.csv). Columns ``c = 0 .. n``: the products, then what
no product holds (the programme's column less the products' sum: assets, liabilities and
overheads of no product).

- in-force lines [product, month] from the grid: ``premiums`` (instalments; life kinds:
  premiums due), ``earned``, ``occurred``, ``expenses``, ``commissions``, ``refunds``,
  ``deaths``, ``maturities``, ``withdrawals``, ``ocs_paid``, ``ibnr_paid`` and ``expiring``;
  ``other_paid`` and ``grants`` [column, month];
- opening balances [column]: ``admitted`` (B01), ``upr``, ``ocs``, ``ibnr``, ``alr`` (B14,
  B20, B17, B23), ``other`` (B21 + B25 + B29) and ``other_split`` (their shares),
  ``non_admitted_other`` = B05 (held as it is), ``upr_scale`` [product] ``c = (UPR + the
  instalments to come) / (the earned premium + refunds to come)`` of the grid (0 when none is
  to come: then the UPR runs off over a year), ``cash_share`` and ``convertible_share`` (B02 / B01,
  B03 / B01), ``liquid_share`` (the liquidity table's cash + convertible / B01), ``yields``
  (asset_yields.csv weighted by the column's positions; a column without positions: the
  programme's mix), ``fixed_month`` (plan.csv's fixed share of P17 + P18 + P20 / the period's
  months; all of it for the column of no product);
- per product: the settlement (projection.csv) and reporting (plan.csv) patterns, the loss
  ratio of the business written (projection.csv on the loss-ratio basis, else the in-force's
  claims / earned premium over the first year), expense ratio, lapse rate, refund factor,
  interest and withdrawal rates, and plan.csv's rates; ``nb_month`` = new_business_rate x P03 /
  the period's months, ``nb_fixed`` [product, month] new_business.csv's monthly premium in its
  first ``months`` months, ``nb_term`` and ``nb_commission`` that file's term and commission
  rate (plan.csv's term and 0 for a product it does not name);
- ``close_flows``: the close's P codes by column (the projection's period 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from reserva.errors import ArgumentError, AssumptionError
from reserva.io.assumptions import AssumptionSet
from reserva.projection.grid import LINE
from reserva.projection.stress import _rate_factor
from reserva.projection.stress_base import StressBase
from reserva.vocab import PROGRAMME

__all__ = ["CLOSE_CODES", "PlanBase", "plan_base"]

# the close's income lines kept as the projection's period 0
CLOSE_CODES = ("P03", "P04", "P02", "P08", "P05", "P12", "P13", "P14", "P15", "P11", "P18",
               "P19", "P21", "P16", "P28", "P35", "P37")
BALANCE = ("B01", "B02", "B03", "B05", "B14", "B17", "B20", "B21", "B23", "B25", "B29")


@dataclass(frozen=True)
class PlanBase:
    """The projection's starting point (module docstring); arrays read-only."""

    run_id: int | None
    products: tuple[str, ...]
    kinds: tuple[str, ...]
    period_months: int  # the close's period
    life: np.ndarray
    premiums: np.ndarray
    earned: np.ndarray
    occurred: np.ndarray
    expenses: np.ndarray
    commissions: np.ndarray
    refunds: np.ndarray
    deaths: np.ndarray
    maturities: np.ndarray
    withdrawals: np.ndarray
    ocs_paid: np.ndarray
    ibnr_paid: np.ndarray
    expiring: np.ndarray
    other_paid: np.ndarray
    grants: np.ndarray
    sum_at_risk: np.ndarray | None
    admitted: np.ndarray
    upr: np.ndarray
    ocs: np.ndarray
    ibnr: np.ndarray
    alr: np.ndarray
    other: np.ndarray
    other_split: np.ndarray  # [3, column]: B21, B25, B29 shares of ``other``
    non_admitted_other: np.ndarray
    cash_share: np.ndarray
    convertible_share: np.ndarray
    liquid_share: np.ndarray
    yields: np.ndarray
    fixed_month: np.ndarray
    settlement: np.ndarray  # [product, lag]
    reporting: np.ndarray  # [product, lag]
    loss_ratio: np.ndarray
    expense_ratio: np.ndarray
    lapse_rate: np.ndarray
    refund_factor: np.ndarray
    interest_rate: np.ndarray
    withdrawal_rate: np.ndarray
    renewal_rate: np.ndarray
    nb_month: np.ndarray
    nb_fixed: np.ndarray
    nb_term: np.ndarray  # [product] term of new_business.csv's sales (plan.csv's when none)
    nb_commission: np.ndarray  # [product] their commission rate
    instalments: np.ndarray  # [product] premiums per term of the plan's business (plan.csv)
    savings_share: np.ndarray  # [product] share of the premium earned credited to the ALR
    upr_scale: np.ndarray  # [product] the in-force UPR released per unit of earned + refunds
    growth_rate: np.ndarray
    term: np.ndarray
    commission_rate: np.ndarray
    ceded_share: np.ndarray
    close_flows: Mapping[str, np.ndarray]
    group_column: np.ndarray  # [asset group]: its column
    group_admitted: np.ndarray
    group_kind: tuple[str | None, ...]
    group_class: tuple[str, ...]
    group_counterparty: tuple[str, ...]
    group_duration: np.ndarray
    group_convexity: np.ndarray

    @property
    def months(self) -> int:
        return int(self.premiums.shape[1])

    def asset_share(self, shock_type: str, shock) -> tuple[np.ndarray, np.ndarray]:
        """([column] the share of each column's assets an asset shock takes, [column] the
        share of them it hits): the hit groups' value lost (and value) / the column's assets at
        the close. A column that held no asset at the close (its pot is what its business
        brings in) takes the programme's shares, when the shock's product kind is its own or
        ``ALL``."""
        hit = np.ones(self.group_column.size, bool)
        if shock.product_kind != PROGRAMME:
            hit &= np.array([k == shock.product_kind for k in self.group_kind], bool)
        if shock.asset_class:
            hit &= np.array([c == shock.asset_class for c in self.group_class], bool)
        if shock.counterparty:
            hit &= np.array([c == shock.counterparty for c in self.group_counterparty], bool)
        if shock_type == "rate_shift":
            lost = 1.0 - _rate_factor(self.group_duration, self.group_convexity,
                                      float(shock.value))
        else:
            lost = np.full(self.group_column.size, float(shock.value))
        nc = self.admitted.size
        value = np.where(hit, self.group_admitted, 0.0)
        held = np.bincount(self.group_column, weights=self.group_admitted, minlength=nc)
        loss = np.bincount(self.group_column, weights=value * lost, minlength=nc)
        touched = np.bincount(self.group_column, weights=value, minlength=nc)
        total = held.sum()
        whole_loss = loss.sum() / total if total > 0 else 0.0
        whole_hit = touched.sum() / total if total > 0 else 0.0
        kinds = np.array([*self.kinds, None], dtype=object)
        mine = (kinds == shock.product_kind) | (shock.product_kind == PROGRAMME)
        with np.errstate(divide="ignore", invalid="ignore"):
            own_loss = np.where(held > 0, loss / held, 0.0)
            own_hit = np.where(held > 0, touched / held, 0.0)
        empty = (held <= 0) & mine
        return (np.minimum(np.where(empty, whole_loss, own_loss), 1.0),
                np.minimum(np.where(empty, whole_hit, own_hit), 1.0))


def _ro(x, dtype=np.float64) -> np.ndarray:
    out = np.array(x, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def _columns(x: np.ndarray) -> np.ndarray:
    """[products + ALL, ...] -> [products + the rest of ALL, ...]."""
    x = np.asarray(x, np.float64)
    out = x.copy()
    out[-1] = x[-1] - x[:-1].sum(axis=0)
    return out


def _pattern(rows) -> np.ndarray:
    width = max((len(r) for r in rows), default=1)
    out = np.zeros((len(rows), width))
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def plan_base(sb: StressBase, lines: Mapping[str, np.ndarray], a: AssumptionSet,
              period_months: int) -> PlanBase:
    """The base of a projection from a close's stress base and statements.

    Parameters
    ----------
    sb : StressBase
        The close's stress base (``load_stress_base`` or ``stress_base_from_close``).
    lines : mapping of str to ndarray
        The close's statement lines by code (``CLOSE_CODES``, ``BALANCE``, P17, P20), each
        over the products then ``ALL``.
    a : AssumptionSet
        The set the projection runs on.
    period_months : int
        The close's period.

    Raises
    ------
    ArgumentError
        A run stored before the close kept the earned and expiring premium.
    AssumptionError
        plan.csv lacks a product kind of the run.
    """
    if sb.earned_premium is None or sb.expiring_premium is None:
        raise ArgumentError.bad(
            "run", sb.run_id, "a run whose close kept the earned and expiring premium",
            summary=f"run {sb.run_id} predates the forward projection (its close did not keep "
                    "the earned and expiring premium of the policies in force): a projection "
                    "cannot start from it; fix: re-run the close of its date (`reserva close "
                    "DATA_DIR --valuation-date DATE --rerun`) and project the new run")
    n = len(sb.products)
    kinds = sb.kinds
    proj = [a.projection(k) for k in kinds]
    plan = [a.plan(k) for k in kinds]
    g = sb.grid

    def gl(name: str) -> np.ndarray:
        return g[:n, LINE[name]]

    life = np.array([b.basis == "life" for b in proj], bool)
    premiums = gl("premiums")
    # the in-force UPR: the instalments still due are written as they fall due (as the close
    # writes them) and the UPR runs off with the grid's earned premium and refunds, scaled so
    # that it is used up: c = (UPR + instalments to come) / (earned + refunds to come)
    to_earn = sb.earned_premium[:n].sum(axis=1) + g[:n, LINE["refunds"]].sum(axis=1)
    # (a life kind whose terms the policies table holds too; else its premiums, due as the
    # life contracts say, are earned over their interval: ``reserva.projection.plan``)
    inst_to_come = np.where(to_earn > 0, premiums.sum(axis=1), 0.0)
    upr0 = _columns(lines["B14"])[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        upr_scale = np.where(to_earn > 0, (upr0 + inst_to_come) / to_earn, 0.0)
    bal = {c: _columns(lines[c]) for c in BALANCE}
    other = bal["B21"] + bal["B25"] + bal["B29"]
    with np.errstate(divide="ignore", invalid="ignore"):
        split = np.where(other > 0, np.stack([bal["B21"], bal["B25"], bal["B29"]]) / other,
                         np.array([[0.0], [1.0], [0.0]]))
        adm = bal["B01"]
        share = {k: np.where(adm > 0, bal[c] / adm, 0.0) for k, c in
                 (("cash", "B02"), ("conv", "B03"))}
        liquid = np.where(adm > 0, _columns(sb.cash + sb.convertible) / adm, 0.0)
    # a column that held no asset at the close keeps what its business brings in at the
    # programme's mix (its cash and liquid shares; its yield below)
    tot = adm.sum()
    if tot > 0:
        empty = adm <= 0
        share["cash"] = np.where(empty, bal["B02"].sum() / tot, share["cash"])
        share["conv"] = np.where(empty, bal["B03"].sum() / tot, share["conv"])
        liquid = np.where(empty, (sb.cash[-1] + sb.convertible[-1]) / tot, liquid)
    # yields by the column's positions (a column without positions: the programme's mix)
    pos = sb.positions
    gcol = np.where(pos.product >= 0, pos.product, n).astype(np.int64)
    try:
        gy = np.array([a.asset_yields[c] for c in pos.asset_class], np.float64)
    except KeyError as exc:
        raise AssumptionError(f"assumption set {a.set_id}: asset_yields.csv has no yield for "
                              f"asset class {exc.args[0]!r}; fix: add a row for it") from None
    w = np.bincount(gcol, weights=pos.admitted, minlength=n + 1)
    wy = np.bincount(gcol, weights=pos.admitted * gy, minlength=n + 1)
    mix = wy.sum() / w.sum() if w.sum() > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        yields = np.where(w > 0, wy / w, mix)
    occurred = sb.claims_occurred[:n]
    earned = sb.earned_premium[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        own = occurred[:, :12].sum(1) / earned[:, :12].sum(1)
    loss_ratio = np.array([
        (b.loss_ratio if b.loss_ratio is not None else a.basis(k).expected_loss_ratio)
        if b.claims_basis == "loss_ratio" else (own[i] if np.isfinite(own[i]) else 0.0)
        for i, (b, k) in enumerate(zip(proj, kinds, strict=True))], np.float64)
    opex = {c: _columns(lines[c]) for c in ("P17", "P18", "P20")}
    x0 = (opex["P17"] + opex["P18"] + opex["P20"]) / period_months
    phi = np.append([b.fixed_expense_share for b in plan], 1.0)
    p03 = lines["P03"][:n]
    nb = a.new_business
    nb_fixed = np.zeros((n, 1))
    nb_term = np.array([b.term_months for b in plan], np.int64)
    nb_comm = np.zeros(n)
    if len(nb):
        index = {p: i for i, p in enumerate(sb.products)}
        width = int(max(nb["months"].max(), 1))
        nb_fixed = np.zeros((n, width))
        for row in nb.itertuples(index=False):
            if row.product_id not in index:
                raise AssumptionError(
                    f"assumption set {a.set_id}: new_business.csv names product "
                    f"{row.product_id} not in run {sb.run_id}; fix: remove the row or its id")
            i = index[row.product_id]
            nb_fixed[i, :int(row.months)] = row.monthly_premium
            nb_term[i], nb_comm[i] = int(row.term_months), float(row.commission_rate)
    closes = {c: _ro(_columns(lines[c])) for c in (
        "P03", "P04", "P02", "P08", "P05", "P12", "P13", "P14", "P15", "P11", "P18", "P19",
        "P21", "P16", "P28", "P35", "P37")}
    return PlanBase(
        run_id=sb.run_id, products=sb.products, kinds=kinds, period_months=int(period_months),
        life=_ro(life, bool), premiums=_ro(premiums), earned=_ro(earned),
        occurred=_ro(occurred), expenses=_ro(gl("expenses")), commissions=_ro(gl("commissions")),
        refunds=_ro(gl("refunds")), deaths=_ro(gl("death_benefits")),
        maturities=_ro(gl("maturities")), withdrawals=_ro(gl("savings_withdrawals")),
        ocs_paid=_ro(gl("ocs_runoff")), ibnr_paid=_ro(gl("ibnr_runoff")),
        expiring=_ro(sb.expiring_premium[:n]),
        other_paid=_ro(_columns(g[:, LINE["other_liabilities"]])),
        grants=_ro(_columns(sb.grants)),
        sum_at_risk=None if sb.sum_at_risk is None else _ro(sb.sum_at_risk[:n]),
        admitted=_ro(adm), upr=_ro(bal["B14"]), ocs=_ro(bal["B20"]), ibnr=_ro(bal["B17"]),
        alr=_ro(bal["B23"]), other=_ro(other), other_split=_ro(split),
        non_admitted_other=_ro(bal["B05"]), upr_scale=_ro(upr_scale),
        cash_share=_ro(share["cash"]), convertible_share=_ro(share["conv"]),
        liquid_share=_ro(liquid), yields=_ro(yields), fixed_month=_ro(phi * x0),
        settlement=_ro(_pattern([b.settlement_pattern for b in proj])),
        reporting=_ro(_pattern([b.reporting_pattern for b in plan])),
        loss_ratio=_ro(loss_ratio), expense_ratio=_ro([b.expense_ratio for b in proj]),
        lapse_rate=_ro([b.lapse_rate for b in proj]),
        refund_factor=_ro(sb.refund_factor[:n]),
        interest_rate=_ro([b.interest_rate for b in proj]),
        withdrawal_rate=_ro([b.withdrawal_rate for b in proj]),
        renewal_rate=_ro([b.renewal_rate for b in plan]),
        nb_month=_ro(np.array([b.new_business_rate for b in plan]) * np.maximum(p03, 0)
                     / period_months),
        nb_fixed=_ro(nb_fixed), nb_term=_ro(nb_term, np.int64), nb_commission=_ro(nb_comm),
        instalments=_ro([b.instalments for b in plan], np.int64),
        savings_share=_ro([b.savings_share for b in plan]),
        growth_rate=_ro([b.growth_rate for b in plan]),
        term=_ro([b.term_months for b in plan], np.int64),
        commission_rate=_ro([b.commission_rate for b in plan]),
        ceded_share=_ro([b.ceded_share for b in plan]), close_flows=closes,
        group_column=_ro(gcol, np.int64), group_admitted=_ro(pos.admitted),
        group_kind=tuple(kinds[p] if p >= 0 else None for p in pos.product),
        group_class=tuple(pos.asset_class), group_counterparty=tuple(pos.counterparty),
        group_duration=_ro(pos.modified_duration), group_convexity=_ro(pos.convexity),
    )
