"""The claims stage of the close: OCS, claims paid, IBNR, the unpaid claims cashflows and triangles.

For the products of a close at valuation day v with period start ps (spec §3.4-§4.2):

- OCS(t) by product = sum over claims of ``ocs_at`` (reported, not settled by t: claimed amount,
  case reserve or the larger, x the probability of payment; decided claims at their unpaid
  remainder), at t = v and t = ps;
- paid = the payments in (ps, v];
- IBNR(v) by product from the reporting triangle of the set's origin grain
  (``compute_ibnr``; with ``[ibnr] segment_by`` by product x segment, added up); IBNR(ps) too
  when the opening does not come from a stored run (it is the opening IBNR, or its origins);
- the analysis of change of the IBNR (``reserva.reserves.claims.analysis``);
- the unpaid claims cashflows of OCS + IBNR by month after v;
- the reported, paid and incurred (paid + OCS) cumulative triangles, and the optional seeded ODP
  bootstrap of the chain-ladder IBNR (England & Verrall 2002).

The probability of payment of a claim is the set's ``ocs_payment_probability``, or, when it is
``experience``, 1 - the rejection rate of the product's claims decided in the
``[ocs] experience_days`` up to t (1 when none was decided).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reserva.calendar import NEVER
from reserva.errors import AssumptionError, EngineError
from reserva.finite import finite_lines, finite_records
from reserva.io.arrays import codes, to_date
from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import ClaimPayments, Claims
from reserva.reserves.claims.analysis import OriginIbnr, analysis_of_change
from reserva.reserves.claims.cashflows import UnpaidCashflows, unpaid_cashflows
from reserva.reserves.claims.change import IbnrChange
from reserva.reserves.claims.ibnr import (
    NEEDS_EXPOSURE,
    IbnrResult,
    aggregate_segments,
    compute_ibnr,
    cumulative,
)
from reserva.reserves.claims.ocs import (
    OCS_BASES,
    Payments,
    ocs_at,
    single_payments,
)
from reserva.reserves.claims.snapshots import SnapshotTriangle, snapshot_triangle
from reserva.reserves.claims.triangles import bootstrap_odp, month_index, period_index
from reserva.reserves.upr.upr import PolicyArrays, earned_to_dates
from reserva.vocab import CLAIM_REJECTED

__all__ = [
    "DISTRIBUTION_COLUMNS", "ClaimArrays", "ClaimsStage", "by_product", "claim_arrays", "claims_stage",
    "ibnr_at", "ibnr_distribution", "left_out_note", "snapshot_triangles",
]

DISTRIBUTION_COLUMNS = ("product_id", "n_sims", "seed", "mean", "std", "p75", "p95", "p995",
                        "note")


@dataclass(frozen=True)
class ClaimArrays:
    """The claims of the pack as arrays (one entry per claim, in the claims table's order)."""

    ids: np.ndarray  # claim_id
    product: np.ndarray  # index into the close's products
    event: np.ndarray
    report: np.ndarray
    decision: np.ndarray
    receipt: np.ndarray
    status: np.ndarray  # codes of vocab.CLAIM_STATUSES (vocab.CLAIM_STATUS_CODES) at the extract
    claimed: np.ndarray
    paid: np.ndarray
    case: np.ndarray
    payments: Payments
    basis: np.ndarray  # the OCS basis code of each claim's product kind
    probability: np.ndarray  # the set's probability of payment (NaN: experience)
    segments: Mapping[str, np.ndarray]  # the text of the claim columns of [ibnr] segment_by

    def __len__(self) -> int:
        return len(self.product)

    def payment_probability(self, v: int, n_products: int, lookback_days: int) -> np.ndarray:
        """Per claim: the set's probability, or 1 - the rejection rate of the product's claims
        decided in the ``lookback_days`` up to v (1 when none was decided)."""
        window = (self.decision <= v) & (self.decision > v - lookback_days)
        decided = np.bincount(self.product[window], minlength=n_products)[:n_products]
        rejected = np.bincount(self.product[window & (self.status == CLAIM_REJECTED)],
                               minlength=n_products)[:n_products]
        experience = 1.0 - np.divide(rejected, decided, out=np.zeros(n_products),
                                     where=decided > 0)
        return np.where(np.isnan(self.probability), experience[self.product], self.probability)

    def ocs(self, v: int, n_products: int, lookback_days: int) -> np.ndarray:
        """The OCS of each claim at the end of day v."""
        return ocs_at(
            self.report, self.decision, self.status, self.claimed, self.case, self.paid,
            self.payments.to_date(len(self.product), v), v,
            basis=self.basis,
            probability=self.payment_probability(v, n_products, lookback_days),
        )


def claim_arrays(claims: Claims, claim_payments: ClaimPayments | None, kinds: np.ndarray,
                 a: AssumptionSet) -> ClaimArrays:
    """The claims bundle (and its payments, when the pack has ``claim_payments``; else one
    payment of ``paid_amount`` on the receipt or decision date) as the stage's arrays; empty
    amounts are 0 and an empty case reserve NaN."""
    product = np.asarray(claims.product)
    decision, receipt = claims.decision_date, claims.receipt_date
    paid = np.nan_to_num(claims.paid_amount)
    if claim_payments is not None:
        payments = Payments(claim_payments.claim, claim_payments.payment_date,
                            np.nan_to_num(claim_payments.amount))
    else:
        payments = single_payments(paid, decision, receipt, NEVER)
    bases = np.array([OCS_BASES[a.basis(k).ocs_basis] for k in kinds], dtype=np.int8)
    probs = np.array([a.basis(k).ocs_payment_probability for k in kinds])
    return ClaimArrays(
        ids=claims.claim_id,
        product=product,
        event=claims.event_date,
        report=claims.report_date,
        decision=decision,
        receipt=receipt,
        status=claims.status.codes,
        claimed=np.nan_to_num(claims.claimed_amount),
        paid=paid,
        case=claims.case_reserve,
        payments=payments,
        basis=bases[product] if len(product) else np.empty(0, np.int8),
        probability=probs[product] if len(product) else np.empty(0),
        segments={c: claims.labels(c) for c in a.settings.ibnr.segment_by},
    )


def by_product(product: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """The sum of ``values`` by product index (0 .. n-1)."""
    return np.bincount(product, weights=values, minlength=n)[:n].astype(np.float64)


def ibnr_at(claims: ClaimArrays, products, kinds, a: AssumptionSet, v: int, first_day: int,
            parr: PolicyArrays) -> IbnrResult:
    """The IBNR of each product at the end of day v on the set ``a`` (segmented by the claim
    columns of ``[ibnr] segment_by`` when it names any)."""
    bases = [a.basis(k) for k in kinds]
    grain = a.settings.ibnr.origin_grain_months

    def exposure() -> np.ndarray:
        """Earned premium of each origin period (calendar periods of `grain` months up to v)."""
        first = int(period_index(np.array([min(first_day, v)]), v, grain)[0])
        starts = (
            (month_index(np.array([v]))[0] // grain - np.arange(first, -1, -1)) * grain
        ).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        edges = np.append(starts - 1, v)
        return np.diff(earned_to_dates(parr, edges), axis=1)

    common = dict(grain_months=grain, first_day=first_day, selections=a.ibnr_selections)
    by_product_ = compute_ibnr(
        claims.product, products, claims.event, claims.report, claims.claimed, v,
        methods=[b.ibnr_method for b in bases],
        min_claims=[b.min_claims_for_chain_ladder for b in bases],
        fallback=[b.thin_fallback for b in bases],
        expected_loss_ratio=np.array([b.expected_loss_ratio for b in bases]),
        exposure=exposure,
        options=[a.ibnr(k) for k in kinds],
        **common,
    )
    columns = list(a.settings.ibnr.segment_by)
    if not columns:
        return by_product_
    # segments = product x the values of the claim columns; reserved one by one, added up
    needs = [b for b in bases if b.ibnr_method in NEEDS_EXPOSURE]
    if needs:
        raise AssumptionError(
            f"assumption set {a.set_id}: [ibnr] segment_by needs methods without exposure "
            f"(chain_ladder, mack, count_severity); {needs[0].product_kind} uses "
            f"{needs[0].ibnr_method}"
        )
    key = pd.Series(products[claims.product]).astype(str)
    for c in columns:
        key = key + "|" + claims.segments[c]
    seg, seg_names = codes(key)
    seg_product = pd.Index(products).get_indexer([k.split("|")[0] for k in seg_names])
    sb = [bases[j] for j in seg_product]
    by_segment = compute_ibnr(
        seg, seg_names, claims.event, claims.report, claims.claimed, v,
        methods=[b.ibnr_method for b in sb],
        min_claims=[b.min_claims_for_chain_ladder for b in sb],
        fallback=[b.thin_fallback if b.thin_fallback not in NEEDS_EXPOSURE else "none" for b in sb],
        expected_loss_ratio=np.array([b.expected_loss_ratio for b in sb]),
        options=[a.ibnr(kinds[j]) for j in seg_product],
        **common,
    )
    return aggregate_segments(by_product_, by_segment, seg_product, columns)


def ibnr_distribution(ibnr: IbnrResult, a: AssumptionSet) -> pd.DataFrame:
    """Seeded ODP bootstrap of each product's chain-ladder IBNR ([ibnr] bootstrap_sims > 0)."""
    n_sims = a.settings.ibnr.bootstrap_sims
    columns = list(DISTRIBUTION_COLUMNS)
    if n_sims <= 0:
        return pd.DataFrame(columns=columns)
    seed = a.settings.ibnr.bootstrap_seed
    C = cumulative(ibnr.triangle.amount)
    rows = []
    for i, p in enumerate(ibnr.products):
        known = int(np.nansum(ibnr.triangle.count[i]))
        if ibnr.method[i] not in ("chain_ladder", "mack") or known == 0:
            continue  # the ODP bootstrap is of the chain ladder only
        try:
            b = bootstrap_odp(C[i : i + 1], n_sims=n_sims, seed=seed,
                              grain_months=ibnr.triangle.grain_months)
        except EngineError as exc:  # too small or degenerate a triangle: say so, go on
            rows.append({"product_id": p, "n_sims": n_sims, "seed": seed, "note": str(exc)})
            continue
        q = b.total_quantiles[0]
        rows.append({"product_id": p, "n_sims": n_sims, "seed": seed, "mean": b.mean[0],
                     "std": b.std[0], "p75": q[0], "p95": q[1], "p995": q[2], "note": ""})
    return pd.DataFrame(rows, columns=columns)


def snapshot_triangles(claims: ClaimArrays, products, a: AssumptionSet, v: int, first_day: int,
                       lookback: int) -> dict[str, SnapshotTriangle]:
    """Reported, paid and incurred (paid + outstanding) cumulative triangles for the report."""
    n, n_claims = len(products), len(claims.product)
    grains = {"origin_grain": a.settings.ibnr.origin_grain_months,
              "dev_grain": a.settings.ibnr.development_grain_months}
    values = {
        "reported": lambda t: np.where(claims.report <= t, claims.claimed, 0.0),
        "paid": lambda t: claims.payments.to_date(n_claims, t),
        "incurred": lambda t: claims.payments.to_date(n_claims, t) + claims.ocs(t, n, lookback),
    }
    return {kind: snapshot_triangle(claims.product, products, claims.event, f, v,
                                    first_day=first_day, **grains)
            for kind, f in values.items()}


def left_out_note(claims: ClaimArrays, products: np.ndarray, first_day: int, v: int,
                  a: AssumptionSet) -> str:
    """The note on claims known at v whose event precedes the first origin ("" when none)."""
    early = (claims.event < first_day) & (claims.report <= v) & (claims.product >= 0)
    if not early.any():
        return ""
    by = np.bincount(claims.product[early], minlength=len(products))
    parts = ", ".join(f"{products[i]} {int(by[i])}" for i in np.flatnonzero(by))
    return (f"{int(early.sum())} claims with an event before the first origin period "
            f"{to_date(first_day)} are left out of the IBNR and claims triangles ({parts}); "
            "the triangles start at the earliest policy, at most [ibnr] max_origin_years = "
            f"{a.settings.ibnr.max_origin_years} years back; their reported claims "
            "still count in the OCS")


@dataclass(frozen=True)
class ClaimsStage:
    """What the claims stage hands on: by product unless said otherwise."""

    claims: ClaimArrays
    ocs: np.ndarray  # at v
    ocs_opening: np.ndarray  # at ps
    paid: np.ndarray  # in (ps, v]
    ibnr: IbnrResult  # at v
    ibnr_opening: IbnrResult | None  # at ps (None when the opening comes from a stored run)
    change: IbnrChange  # the analysis of change of the IBNR
    change_note: str  # "" or why assumption changes are included in the remeasurement
    cashflows: UnpaidCashflows
    triangles: Mapping[str, SnapshotTriangle]  # reported, paid, incurred
    distribution: pd.DataFrame  # bootstrap of the chain-ladder IBNR (empty when off)
    left_out_note: str  # "" or the note on claims before the first origin period


def claims_stage(claims: ClaimArrays, products: np.ndarray, kinds: np.ndarray,
                 a: AssumptionSet, ps: int, v: int, first_day: int, parr: PolicyArrays, *,
                 prior_ibnr: OriginIbnr | None, prior_set: AssumptionSet | None,
                 prior_set_note: str,
                 prior_policies: Callable[[AssumptionSet], PolicyArrays]) -> ClaimsStage:
    """OCS, paid, IBNR, its analysis of change, unpaid cashflows and triangles (module doc).

    Parameters
    ----------
    claims : the claims as arrays (``claim_arrays``).
    products, kinds : the product ids and their kinds.
    a : the assumption set of the close.
    ps, v : the period start and valuation day numbers.
    first_day : the first day of the oldest origin period.
    parr : the policies as UPR arrays on ``a`` (the exposure of methods that need one).
    prior_ibnr : the opening run's IBNR by origin; None: recompute the IBNR at ps.
    prior_set : the opening run's assumption set when it differs from ``a`` and is available
        (its IBNR at v is the base of the assumption changes), else None.
    prior_set_note : "" or why the assumption changes cannot be split out.
    prior_policies : the policies as UPR arrays on another set (for ``prior_set``).
    """
    n = len(products)
    lookback = a.settings.ocs.experience_days
    ocs_claim = claims.ocs(v, n, lookback)
    finite_records("claims", ocs_claim, claims.product, products, claims.ids, "claim")
    ocs_v = by_product(claims.product, ocs_claim, n)
    ocs_ps = by_product(claims.product, claims.ocs(ps, n, lookback), n)
    paid = by_product(claims.product, claims.payments.in_period(len(claims.product), ps, v), n) \
        if len(claims.product) else np.zeros(n)
    ibnr_v = ibnr_at(claims, products, kinds, a, v, first_day, parr)
    ibnr_ps = None if prior_ibnr is not None else ibnr_at(claims, products, kinds, a, ps,
                                                          first_day, parr)
    on_prior_set = None if prior_set is None else ibnr_at(
        claims, products, kinds, prior_set, v, first_day, prior_policies(prior_set))
    opening = prior_ibnr if prior_ibnr is not None else OriginIbnr.of(ibnr_ps, n)
    change = analysis_of_change(opening, ibnr_v, products, on_prior_set)

    pay = claims.payments
    cashflows = unpaid_cashflows(
        claims.product[pay.claim], products, claims.event[pay.claim], pay.day, pay.amount, v,
        ocs_v + ibnr_v.ibnr, grain_months=a.settings.ibnr.origin_grain_months,
        first_day=first_day, fallback_periods=a.settings.cashflows.fallback_periods,
        horizon_months=a.settings.cashflows.horizon_months,
        patterns={i: a.payment_patterns[k] for i, k in enumerate(kinds) if k in a.payment_patterns},
    )
    triangles = snapshot_triangles(claims, products, a, v, first_day, lookback)
    distribution = ibnr_distribution(ibnr_v, a)
    finite_lines("claims", {"the IBNR": ibnr_v.ibnr, "the unpaid claims cashflows":
                            cashflows.amount}, products)
    return ClaimsStage(
        claims=claims, ocs=ocs_v, ocs_opening=ocs_ps, paid=paid, ibnr=ibnr_v,
        ibnr_opening=ibnr_ps, change=change, change_note=prior_set_note, cashflows=cashflows,
        triangles=triangles, distribution=distribution,
        left_out_note=left_out_note(claims, products, first_day, v, a),
    )

