"""What a stress check starts from: the base position of one stored close, as typed arrays.

A stress check never recomputes the close. Everything it shocks is kept with the run (the
result tables ``cashflow_grid``, ``reserves``, ``statements``, ``liquidity`` and the four the
close writes for stress, ``stress_products``, ``stress_flows``, ``asset_positions`` and
``asset_flows``) and read back into one frozen ``StressBase``:

Columns ``c = 0 .. n`` are the products in their order, then the programme ``ALL`` (column n),
which holds what no product holds (liabilities and assets allocated to no product) besides the
sum of the products. Months ``m = 1 .. M`` are the grid's months (month 1 first, index m - 1).

- ``grid[c, line, m]``: the cashflow grid of the close (``reserva.projection.grid.LINES``);
- ``claims_occurred[c, m]``: the in-force claims by month of occurrence, before settlement
  (``grid.claims`` = their settlement by ``settlement[c]``), and
  ``new_business_occurred[c, m]`` the new business's (settled into ``new_business_outgo``);
- ``earned_premium[c, m]`` and ``expiring_premium[c, m]``: the premium the policies in force
  earn in month m and the premium of those whose cover runs out in month m (the grid's, for the
  forward projection's earning and renewals: ``reserva.forecast``); None for a run stored
  before the close kept them;
- ``settlement[c, lag]``: the product's settlement pattern (share paid at lag 0, 1, ...);
- ``lapse_rate``, ``refund_factor``, ``withdrawal_rate``: the product's annual lapse rate, the
  share of the unearned premium refunded on a lapse (1, or 0 under the ``none`` refund rule) and
  annual savings withdrawal rate the grid used;
- ``reinsurance[c, m]`` and ``grants[c, m]``: expected reinsurance recoveries and donor or grant
  income per month, at the run rate of the period (the period's amount / its months) in months
  1 .. 12 and 0 after (``RUN_RATE_MONTHS``: the run rate of the year after the valuation date;
  the in-force business they come with runs off within about a year, and nothing says a grant
  or a reinsurance treaty continues beyond it);
- ``upr``, ``ocs``, ``ibnr``, ``alr``: the closing reserves; ``admitted_assets`` (B01),
  ``liabilities`` (reserves and other liabilities, the solvency ratio's denominator), ``cash``
  and ``convertible`` (the liquidity table's numerator parts), ``expenses_per_month`` (P16 / the
  period's months), ``reinsurance_recoverable`` (the reinsurers' share of the reserves held as an
  asset; 0 when the data sheet has none), ``allocated`` (the column holds assets);
- ``positions``: the assets grouped by product, class and counterparty (``AssetPositions``);
- ``partners``: the distribution partners (the policies' ``partner``: an MFI, an employer, a
  mobile network operator collecting and remitting the premiums) of the policies in force at
  v, sorted; ``partner_premiums[k, c, m]``: the grid's ``premiums`` of partner k's policies
  (the programme's row the products' sum; None when no policy in force has a partner).

Where each figure comes from (the close computes them; ``stress_inputs`` keeps what the other
result tables do not hold):

- ``grid``: the ``cashflow_grid`` table, dense again (its zero cells are not stored), month
  ``1 .. H`` with ``H = stress_products.horizon_months``; the programme's column is its ``ALL``
  rows (the products plus the liabilities of no product);
- ``stress_products`` (one row per product; ``position`` keeps the products' order): ``kind``,
  ``lapse_rate`` and ``withdrawal_rate`` of projection.csv for the kind, ``refund_factor`` of
  the kind's refund rule (``reserva.projection.business.REFUND_FACTORS``), ``period_months``
  ([period] months) and ``horizon_months`` ([cashflows] horizon_months);
- ``stress_flows`` (product, flow, month): ``claims_occurred`` and ``new_business_occurred``
  (the grid's, month 1 .. H), ``settlement_share`` (projection.csv's settlement pattern, the
  share paid at lag l in month l + 1; every share kept, zeros too), ``reinsurance_recoveries``
  and ``grants`` (month 1 .. H: the ledger lines ``reinsurance_recoveries`` and ``donations``
  of the period (ps, v] by product, summed as the income statement sums them
  (``reserva.statements.mapping.ledger_lines``) but as the ledger gives them, recoveries and
  donations received as positive amounts, then / ``period_months``: the period's run rate in
  months 1 .. min(12, H), the year after v, none after; ``stress_base`` also drops any stored
  month after 12, so a run stored before this rule reads the same),
  ``sum_at_risk`` (month 1 .. H: the sums insured in force of
  the kinds of ``DEATH_COVER_KINDS``, ``SA_m = sum_i SA_i (1 - u)^(m - 1)`` over the policies
  (products projected on ``exposure``) or life contracts (on ``life``) in force at v whose
  cover or term ends after month m starts, ``u`` the grid's monthly lapse; deaths are not
  taken out: the ``mortality_addon`` shock's base; a policy is in force when issued by v,
  ``min(issue_date, start_date) <= v`` as in ``policy_arrays``, so an empty issue date is the
  start date, and neither cancelled nor ended by v), ``partner_premiums`` (counterparty = the
  partner, month 1 .. H: ``grid.policy_flows`` once more over the in-force policies naming a
  partner, on the code ``product x K + partner`` with each product's parameters
  (``business.exposure_parameters``) repeated K times, so that the partners' premiums of a
  product add up to its grid premiums when every policy has a partner and never exceed them;
  the life contracts have no partner). Every other flow has counterparty "". Zero amounts
  are left out except the settlement shares and month 1 of every (partner, product) with
  policies in force, so the stored partners are the close's. The
  programme's claims occurred, recoveries and grants are the sums of the products' (every
  ledger row names a product); its settlement pattern and rates are zeros (unused);
- ``asset_positions`` (product, asset class, counterparty): the holdings of the latest asset
  snapshot on or before v, grouped; the values of ``reserva.statements.mapping`` (admitted
  ``min(book, market) x admitted_fraction``; liquid: all of it for the classes of B02, else
  ``x liquid_share``; convertible: ``x (1 - haircut)`` for the other classes with a haircut of
  asset_map.csv); counterparty the assets' ``issuer`` ("" when empty); every group is kept,
  zero values too (a group makes its column a column holding assets). Product ``ALL`` here
  means *held by the programme only* (allocated to no product), not the programme's total as
  in the other tables: the programme's positions are all the rows. Modified duration and
  convexity (``reserva.projection.assets``) are those of the group's scheduled flows to
  maturity (not cut at the horizon) at [alm] discount_rate, 0 where the group has no flows;
- ``asset_flows`` (product, asset class, counterparty, month): the group's coupons, interest
  and redemptions in month 1 .. H (``reserva.projection.assets.asset_cashflows``; zeros left
  out);
- ``upr``, ``ocs``, ``ibnr``, ``alr``: the ``reserves`` table's closing values, the programme
  their sum (as B14, B20, B17, B23); ``admitted_assets``: ``statements`` B01; ``liabilities``:
  ``(B14 + B17 + B20 + B21 + B23) + (B25 + B29)`` (``reserva.kpi.solvency``);
  ``expenses_per_month``: P16 / ``period_months``;
- ``cash``, ``convertible``: the ``liquidity`` table's rows of method ``projection`` at 3
  months (so an unstressed check reproduces that table; ``convertible`` is 0 there when
  [liquidity] include_convertible is false, while ``positions.convertible`` keeps the assets'
  values);
- ``allocated``: the column holds assets: it has a position (the programme always), exactly
  the rule of the liquidity table and of the ALM;
- ``reinsurance_recoverable``: 0 in every column: the data sheet's balance sheet (B01 .. B37)
  has no line for the reinsurers' share of the reserves.

``stress_base`` assembles the base from these parts; ``stress_base_from_close`` takes them
from a close's result in memory, ``reserva.store.stress_base.load_stress_base`` from the
stored tables of a run (the store is a layer above this module); both give identical arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from reserva.calendar import NEVER, add_months, days_per_year
from reserva.errors import StoreError
from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import Assets, Inputs, Ledger, latest_rows
from reserva.projection.assets import asset_cashflows, convexity, modified_duration
from reserva.projection.business import REFUND_FACTORS, exposure_parameters
from reserva.projection.grid import CashflowGrid, month_edges, policy_flows
from reserva.reserves.upr.upr import PolicyArrays, policy_arrays
from reserva.statements.balance import RESERVE_CODES
from reserva.vocab import PROGRAMME, RESERVES, SCHEDULED_ASSETS

__all__ = [
    "BALANCE_CODES", "FLOWS", "RUN_RATE_MONTHS", "AssetPositions", "StressBase", "StressInputs",
    "asset_flows_frame", "asset_positions", "asset_positions_frame", "liquidity_parts",
    "partner_premiums", "stress_base", "stress_base_from_close", "stress_flows_frame", "stress_inputs",
    "stress_products_frame",
]

# the flows of the stress_flows table
FLOWS = ("claims_occurred", "new_business_occurred", "settlement_share",
         "reinsurance_recoveries", "grants", "sum_at_risk", "partner_premiums",
         "earned_premium", "expiring_premium")
# the flow kept per distribution partner (its counterparty); the others have counterparty ""
PARTNER_FLOW = "partner_premiums"
# the kinds whose cover pays on death (the mortality add-on's sum at risk): not health, not
# other, not pensions (more deaths lower a pension's outgo)
DEATH_COVER_KINDS = ("credit_life", "group_life", "individual_life", "endowment", "whole_life",
                     "savings_life")
# the ledger lines of the recoveries and of the grants (vocab.LEDGER_LINES)
RECOVERIES_LINE, GRANTS_LINE = "reinsurance_recoveries", "donations"
# the months the run-rate flows (reinsurance recoveries, grants) are kept: the year after v
RUN_RATE_MONTHS = 12
# the liquidity table's rows that give cash and convertible: method and horizon (months)
LIQUIDITY_METHOD, LIQUIDITY_HORIZON = "projection", 3
UNALLOCATED = -1  # AssetPositions.product of the holdings of no product


@dataclass(frozen=True)
class AssetPositions:
    """Assets grouped by (product, asset class, counterparty), one entry per group ``g``.

    ``product[g]``: the product's index, -1 for assets allocated to no product (held by the
    programme only); ``admitted``: admitted value (B01's part); ``liquid``: its cash and
    equivalents part; ``convertible``: its immediately convertible part after the set's haircut;
    ``modified_duration`` (years) and ``convexity`` (years^2) of the group's value, 0 where the
    class has no schedule; ``flows[g, m]``: coupons, interest and redemptions received in month
    m + 1.
    """

    product: np.ndarray  # int64
    asset_class: tuple[str, ...]
    counterparty: tuple[str, ...]  # "" where the data names none
    admitted: np.ndarray
    liquid: np.ndarray
    convertible: np.ndarray
    modified_duration: np.ndarray
    convexity: np.ndarray
    flows: np.ndarray  # [group, month]

    @property
    def n(self) -> int:
        return int(self.product.size)


@dataclass(frozen=True)
class StressBase:
    """The base position of one stored close (module docstring); arrays are read-only."""

    run_id: int | None
    products: tuple[str, ...]
    kinds: tuple[str, ...]  # product kind per product
    grid: np.ndarray  # [column, line, month]
    claims_occurred: np.ndarray  # [column, month]
    new_business_occurred: np.ndarray  # [column, month]
    settlement: np.ndarray  # [column, lag]; the programme's row is unused (zeros)
    lapse_rate: np.ndarray  # [column]
    refund_factor: np.ndarray  # [column]
    withdrawal_rate: np.ndarray  # [column]
    reinsurance: np.ndarray  # [column, month]
    grants: np.ndarray  # [column, month]
    upr: np.ndarray  # [column]
    ocs: np.ndarray
    ibnr: np.ndarray
    alr: np.ndarray
    admitted_assets: np.ndarray
    liabilities: np.ndarray
    cash: np.ndarray
    convertible: np.ndarray
    expenses_per_month: np.ndarray
    reinsurance_recoverable: np.ndarray
    allocated: np.ndarray  # bool [column]
    positions: AssetPositions
    sum_at_risk: np.ndarray | None = None  # [column, month]; None: not known (no add-on)
    partners: tuple[str, ...] = ()  # the distribution partners, sorted
    partner_premiums: np.ndarray | None = None  # [partner, column, month]
    earned_premium: np.ndarray | None = None  # [column, month]; None: a run stored before
    expiring_premium: np.ndarray | None = None  # [column, month]; None: a run stored before

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.products, PROGRAMME)

    @property
    def months(self) -> int:
        return int(self.grid.shape[2])


# --- what the close keeps for stress ---------------------------------------------------------


@dataclass(frozen=True)
class StressInputs:
    """What a close keeps for a stress check besides its other results (module docstring).

    Per product ``p``: ``kinds``, ``lapse_rate``, ``refund_factor``, ``withdrawal_rate`` (the
    grid's), ``settlement[p]`` (shares by lag, adding to 1), ``reinsurance`` and ``grants`` (the
    period's amounts); ``period_months`` and ``horizon_months`` of the close; ``positions``:
    the assets grouped, flows over the horizon; ``partners`` (sorted) and
    ``partner_premiums[k, p, m]`` the grid's premiums of partner k's policies,
    ``partner_products[k, p]`` whether partner k has policies of product p in force.
    """

    kinds: tuple[str, ...]
    lapse_rate: np.ndarray
    refund_factor: np.ndarray
    withdrawal_rate: np.ndarray
    settlement: tuple[np.ndarray, ...]
    reinsurance: np.ndarray
    grants: np.ndarray
    period_months: int
    horizon_months: int
    positions: AssetPositions
    sum_at_risk: np.ndarray | None = None  # [product, month]
    partners: tuple[str, ...] = ()
    partner_premiums: np.ndarray | None = None  # [partner, product, month]
    partner_products: np.ndarray | None = None  # bool [partner, product]


@njit(cache=True)
def _add_months_each(day, k):
    out = np.empty(day.size, np.int64)
    for i in range(day.size):
        out[i] = add_months(day[i], k[i])
    return out


def _in_force_sums(product: np.ndarray, ends: np.ndarray, sums: np.ndarray, keep: np.ndarray,
                   n: int, edges: np.ndarray) -> np.ndarray:
    """``SA[p, m] = sum_i SA_i keep_p^m`` over the rows ending after month m starts (m = 0..)."""
    h = edges.size - 1
    last = np.clip(np.searchsorted(edges, ends, side="left") - 1, 0, h - 1)
    acc = np.zeros((n, h))
    np.add.at(acc, (product, last), sums)
    in_force = np.cumsum(acc[:, ::-1], axis=1)[:, ::-1]
    return in_force * keep[:, None] ** np.arange(h)[None, :]


def sum_at_risk(inputs: Inputs, a: AssumptionSet, kinds: Sequence[str], valuation_day: int,
                horizon_months: int) -> np.ndarray:
    """[product, month] sums insured in force of the death covers (module docstring)."""
    n, v, h = len(kinds), int(valuation_day), int(horizon_months)
    edges = month_edges(v, h)
    proj = [a.projection(k) for k in kinds]
    lapse = np.clip(np.array([b.lapse_rate for b in proj], np.float64), 0.0, 1.0)
    keep = np.exp(np.log1p(-np.minimum(lapse, 1.0 - 1e-15)) / 12.0)
    death = np.array([k in DEATH_COVER_KINDS for k in kinds])
    out = np.zeros((n, h))
    pol = inputs.policies
    use = np.array([b.basis == "exposure" for b in proj]) & death
    if pol.n and use.any():
        # issued by v: an empty issue date (NEVER) means issued at the start, as policy_arrays
        rows = ((pol.product >= 0) & (np.minimum(pol.issue_date, pol.start_date) <= v)
                & (pol.cancel_date > v) & (pol.end_date > v))
        rows &= use[np.maximum(pol.product, 0)]
        out += _in_force_sums(pol.product[rows].astype(np.int64), pol.end_date[rows],
                              np.nan_to_num(pol.sum_insured[rows]), keep, n, edges)
    use = np.array([b.basis == "life" for b in proj]) & death
    if inputs.has("life_policies") and use.any():
        lp = inputs.life_policies
        rows = (lp.product >= 0) & (lp.issue_date <= v) & (lp.exit_date > v)
        rows &= use[np.maximum(lp.product, 0)]
        term = lp.term_years[rows]
        months = np.where(np.isnan(term), 0, np.round(np.nan_to_num(term) * 12)).astype(np.int64)
        maturity = np.where(np.isnan(term), NEVER,
                            _add_months_each(lp.issue_date[rows].astype(np.int64), months))
        out += _in_force_sums(lp.product[rows].astype(np.int64),
                              np.minimum(maturity, lp.exit_date[rows]),
                              np.nan_to_num(lp.sum_insured[rows]), keep, n, edges)
    return out


def partner_premiums(inputs: Inputs, a: AssumptionSet, valuation_day: int, horizon_months: int,
                     policies: PolicyArrays | None = None
                     ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The distribution partners of the policies in force and their premiums (module docstring).

    One more pass of ``grid.policy_flows`` over the in-force policies that name a partner, on
    the combined code ``c = product x K + partner`` (K partners) with each product's parameters
    (``business.exposure_parameters``) repeated K times: the grid's premiums line of exactly
    those policies, so ``sum_k premiums[k, p] <= grid premiums[p]`` (equal when every policy
    of p in force has a partner; the life contracts have none).

    Parameters
    ----------
    inputs : Inputs
        The data pack's array bundles (the policies' ``partner``).
    a : AssumptionSet
        The set of the close (the grid's projection parameters).
    valuation_day, horizon_months : int
        ``v`` and the grid's months.
    policies : PolicyArrays, optional
        The close's policy arrays (default: built here, only when some policy has a partner).

    Returns
    -------
    tuple
        ``(partners, premiums, pairs)``: the sorted partners, premiums [partner, product,
        month] and ``pairs`` bool [partner, product] (the partner has policies of the product
        in force); no partner: ``()`` and empty arrays, without a pass.
    """
    pol = inputs.policies
    n, v, h = inputs.n_products, int(valuation_day), int(horizon_months)
    code = pol.partner.codes.astype(np.int64)
    rows = np.flatnonzero((code >= 0) & (pol.product >= 0)
                          & (np.minimum(pol.issue_date, pol.start_date) <= v)
                          & (pol.cancel_date > v) & (pol.end_date > v)
                          & (pol.end_date >= pol.start_date))
    if rows.size == 0:
        return (), np.zeros((0, n, h)), np.zeros((0, n), dtype=bool)
    names = np.asarray([str(x) for x in pol.partner.categories], dtype=object)[code[rows]]
    partners_array, partner = np.unique(names.astype(str), return_inverse=True)
    partners = tuple(str(x) for x in partners_array)  # code-point order, as Python sorts
    k = len(partners)
    product = pol.product[rows].astype(np.int64)
    pairs = np.zeros((k, n), dtype=bool)
    pairs[partner, product] = True
    if policies is None:
        policies = policy_arrays(pol, inputs.products, a)
    params = exposure_parameters(tuple(str(x) for x in inputs.products.kinds), a)
    params = {name: value if name == "days_per_year" else np.repeat(np.asarray(value), k)
              for name, value in params.items()}
    flows = policy_flows(
        policies.start[rows], policies.end[rows], policies.cancel[rows], policies.issue[rows],
        policies.written_premium[rows], np.nan_to_num(pol.commission[rows]),
        policies.interval_months[rows], policies.n_instalments[rows], product * k + partner,
        n_products=n * k, valuation_day=v, horizon_months=h, **params)
    premiums = flows.premiums.reshape(n, k, h).transpose(1, 0, 2).copy()
    return partners, premiums, pairs


def _period_amount(ledger: Ledger, line: str, n: int, ps: int, v: int) -> np.ndarray:
    """The ledger line's amounts of the period (ps, v] by product (as given, NaN as 0)."""
    mask = ((ledger.period_end > ps) & (ledger.period_end <= v) & (ledger.line.text() == line)
            & (ledger.product >= 0))
    return np.bincount(ledger.product[mask], weights=np.nan_to_num(ledger.amount[mask]),
                       minlength=n)[:n].astype(np.float64)


def stress_inputs(inputs: Inputs, a: AssumptionSet, period_start_day: int, valuation_day: int,
                  *, period_months: int, horizon_months: int,
                  policies: PolicyArrays | None = None) -> StressInputs:
    """What the close keeps for stress (module docstring), from the pack's array bundles.

    Parameters
    ----------
    inputs : Inputs
        The data pack's array bundles (products, ledger, assets).
    a : AssumptionSet
        The set of the close (projection.csv, the reserving bases' refund rule, asset_map.csv,
        [alm] discount_rate, [day_count] asset_interest).
    period_start_day, valuation_day : int
        Day numbers of the period's start ``ps`` and of the valuation date ``v``.
    period_months, horizon_months : int
        The period's length and the cashflow grid's months.
    policies : PolicyArrays, optional
        The close's policy arrays (``partner_premiums``; built when needed if not given).
    """
    kinds = tuple(str(k) for k in inputs.products.kinds)
    n = len(kinds)
    proj = [a.projection(k) for k in kinds]
    partners, premiums, pairs = partner_premiums(inputs, a, valuation_day, horizon_months,
                                                 policies)
    return StressInputs(
        kinds=kinds,
        lapse_rate=np.array([b.lapse_rate for b in proj], np.float64),
        refund_factor=np.array([REFUND_FACTORS[a.basis(k).refund_rule] for k in kinds],
                               np.float64),
        withdrawal_rate=np.array([b.withdrawal_rate for b in proj], np.float64),
        settlement=tuple(np.asarray(b.settlement_pattern, np.float64) for b in proj),
        reinsurance=_period_amount(inputs.ledger, RECOVERIES_LINE, n, period_start_day,
                                   valuation_day),
        grants=_period_amount(inputs.ledger, GRANTS_LINE, n, period_start_day, valuation_day),
        period_months=int(period_months), horizon_months=int(horizon_months),
        positions=asset_positions(inputs.assets, a, valuation_day, int(horizon_months)),
        sum_at_risk=sum_at_risk(inputs, a, kinds, valuation_day, horizon_months),
        partners=partners, partner_premiums=premiums, partner_products=pairs,
    )


def _months_to_maturity(asset_class: np.ndarray, maturity: np.ndarray, v: int) -> int:
    """Months of a grid from v that hold every scheduled maturity after v (1 when none)."""
    live = np.isin(asset_class, SCHEDULED_ASSETS) & (maturity < NEVER) & (maturity > v)
    if not live.any():
        return 1
    month = np.asarray(maturity[live], np.int64).astype("datetime64[D]").astype("datetime64[M]")
    start = np.datetime64(int(v), "D").astype("datetime64[M]")
    return int((month - start).astype(np.int64).max()) + 2


def asset_positions(assets: Assets, a: AssumptionSet, valuation_day: int,
                    horizon_months: int) -> AssetPositions:
    """The holdings of the latest snapshot on or before v grouped by (product, class, issuer).

    Values as the balance sheet maps them (module docstring); groups ordered by product (those
    of no product last), class, counterparty; ``flows`` [group, month 1 .. horizon]; the
    duration and convexity from the group's flows to maturity at [alm] discount_rate.
    """
    v, h = int(valuation_day), int(horizon_months)
    rows = latest_rows(assets.as_of_date, v)
    cls = np.asarray(assets.asset_class.text()[rows], dtype=object)
    issuer = np.asarray(assets.issuer.text()[rows], dtype=object)
    product = np.asarray(assets.product[rows], np.int64)
    value = np.minimum(np.nan_to_num(assets.book_value[rows]),
                       np.nan_to_num(assets.market_value[rows]))
    admitted = value * np.nan_to_num(assets.admitted_fraction[rows])
    amap = a.asset_map.set_index("asset_class")
    series = pd.Series(cls, dtype=object)
    adm_code = series.map(amap["admitted_code"]).to_numpy()
    haircut = series.map(amap["haircut"]).to_numpy(float)
    liquid = np.where(adm_code == "B02", admitted,
                      admitted * series.map(amap["liquid_share"]).to_numpy(float))
    convertible = np.where((adm_code != "B02") & ~np.isnan(haircut),
                           admitted * (1.0 - np.nan_to_num(haircut)), 0.0)
    maturity = np.asarray(assets.maturity_date[rows], np.int64)
    long = max(h, _months_to_maturity(cls, maturity, v))
    flows = np.zeros((rows.size, long))
    if rows.size:
        flows = asset_cashflows(
            cls, np.nan_to_num(assets.face[rows]), np.nan_to_num(assets.coupon_rate[rows]),
            np.nan_to_num(assets.coupon_frequency[rows]), maturity,
            np.nan_to_num(assets.book_value[rows]), valuation_day=v, horizon_months=long,
            day_count_basis=days_per_year(a.settings.day_count.asset_interest,
                                          setting="settings.toml [day_count] asset_interest"),
        ).grid
    keys = sorted({_group_key(int(p), str(c), str(i)) for p, c, i in zip(
        product, cls, issuer, strict=True)})
    index = {k: g for g, k in enumerate(keys)}
    group = np.array([index[_group_key(int(p), str(c), str(i))]
                      for p, c, i in zip(product, cls, issuer, strict=True)], np.int64)
    n_groups = len(keys)

    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=x, minlength=n_groups).astype(np.float64)

    grouped = np.zeros((n_groups, long))
    np.add.at(grouped, group, flows)
    duration, convex = _rate_measures(grouped, a.settings.alm.discount_rate)
    return AssetPositions(
        product=np.array([_product_of(k) for k in keys], np.int64),
        asset_class=tuple(k[1] for k in keys), counterparty=tuple(k[2] for k in keys),
        admitted=total(admitted), liquid=total(liquid), convertible=total(convertible),
        modified_duration=duration, convexity=convex, flows=grouped[:, :h].copy(),
    )


def _group_key(product: int, asset_class: str, counterparty: str) -> tuple[int, str, str]:
    """The order of the groups: products in their order, the holdings of no product last."""
    return (product if product >= 0 else np.iinfo(np.int64).max, asset_class, counterparty)


def _product_of(key: tuple[int, str, str]) -> int:
    return UNALLOCATED if key[0] == np.iinfo(np.int64).max else key[0]


def _rate_measures(flows: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Modified duration and convexity of each row of flows (month m at column m - 1), 0 for a
    row without flows."""
    duration, convex = np.zeros(flows.shape[0]), np.zeros(flows.shape[0])
    some = flows.sum(axis=1) > 0
    if some.any():
        times = np.arange(1, flows.shape[1] + 1, dtype=np.float64) / 12.0
        duration[some] = modified_duration(flows[some], times, rate=rate)
        convex[some] = convexity(flows[some], times, rate=rate)
    return duration, convex


# --- the stored tables -----------------------------------------------------------------------


def _column_ids(products: Sequence[str], product: np.ndarray) -> np.ndarray:
    """Product ids of product indexes, ``ALL`` for the holdings of no product."""
    ids = np.asarray((*products, PROGRAMME), dtype=object)
    return ids[np.where(np.asarray(product) < 0, len(products), product)]


def stress_products_frame(products: Sequence[str], si: StressInputs) -> pd.DataFrame:
    """The ``stress_products`` table: one row per product, in their order."""
    n = len(products)
    return pd.DataFrame({
        "product_id": np.asarray(products, dtype=object),
        "position": np.arange(n, dtype=np.int32), "kind": np.asarray(si.kinds, dtype=object),
        "lapse_rate": si.lapse_rate, "refund_factor": si.refund_factor,
        "withdrawal_rate": si.withdrawal_rate,
        "period_months": np.full(n, si.period_months, np.int32),
        "horizon_months": np.full(n, si.horizon_months, np.int32),
    })


def _long(products: Sequence[str], flow: str, data: np.ndarray, *, zeros: bool = False
          ) -> pd.DataFrame:
    """Rows (product_id, flow, counterparty "", month 1.., amount) of [product, month]
    ``data``."""
    p, m = np.nonzero(np.ones(data.shape, bool) if zeros else data)
    return pd.DataFrame({"product_id": np.asarray(products, dtype=object)[p], "flow": flow,
                         "counterparty": "", "month": (m + 1).astype(np.int32),
                         "amount": data[p, m]})


def _partner_long(products: Sequence[str], si: StressInputs) -> pd.DataFrame:
    """Rows of ``partner_premiums`` per (partner, product): its nonzero months, and month 1
    of every pair with policies in force (so the stored partners are the close's)."""
    data = np.asarray(si.partner_premiums, np.float64)
    keep = data != 0
    keep[:, :, 0] |= np.asarray(si.partner_products, bool)
    k, p, m = np.nonzero(keep)
    return pd.DataFrame({"product_id": np.asarray(products, dtype=object)[p],
                         "flow": PARTNER_FLOW,
                         "counterparty": np.asarray(si.partners, dtype=object)[k],
                         "month": (m + 1).astype(np.int32), "amount": data[k, p, m]})


def stress_flows_frame(products: Sequence[str], grid: CashflowGrid,
                       si: StressInputs) -> pd.DataFrame:
    """The ``stress_flows`` table (module docstring): zero amounts left out, except the
    settlement shares and month 1 of each partner's products; counterparty "" but for the
    partners' premiums."""
    h = si.horizon_months
    lags = max((s.size for s in si.settlement), default=0)
    shares = np.full((len(products), lags), np.nan)
    for p, s in enumerate(si.settlement):
        shares[p, :s.size] = s
    settlement = _long(products, "settlement_share", np.nan_to_num(shares), zeros=True)
    settlement = settlement[~np.isnan(shares).ravel()]
    frames = [
        _long(products, "claims_occurred", grid.claims_occurred),
        _long(products, "new_business_occurred", grid.new_business_occurred),
        _long(products, "earned_premium", grid.earned_premium),
        _long(products, "expiring_premium", grid.expiring_premium),
        settlement,
        _long(products, "reinsurance_recoveries", _run_rate(si.reinsurance, si, h)),
        _long(products, "grants", _run_rate(si.grants, si, h)),
        *(() if si.sum_at_risk is None else (_long(products, "sum_at_risk", si.sum_at_risk),)),
        *((_partner_long(products, si),) if si.partners else ()),
    ]
    return pd.concat(frames, ignore_index=True)


def _run_rate(period_amount: np.ndarray, si: StressInputs, h: int) -> np.ndarray:
    """[product, month]: the period's amount / its months in months 1 .. ``RUN_RATE_MONTHS``
    (the year after the valuation date), 0 after."""
    out = np.zeros((np.asarray(period_amount).size, h))
    out[:, :min(RUN_RATE_MONTHS, h)] = (np.asarray(period_amount, np.float64)
                                        / si.period_months)[:, None]
    return out


def _first_year(flows: np.ndarray) -> np.ndarray:
    """[product, month] with the months after ``RUN_RATE_MONTHS`` set to 0 (a copy)."""
    out = np.array(flows, np.float64, copy=True)
    out[:, RUN_RATE_MONTHS:] = 0.0
    return out


def asset_positions_frame(products: Sequence[str], si: StressInputs) -> pd.DataFrame:
    """The ``asset_positions`` table: one row per group (product ``ALL``: of no product)."""
    pos = si.positions
    return pd.DataFrame({
        "product_id": _column_ids(products, pos.product),
        "asset_class": np.asarray(pos.asset_class, dtype=object),
        "counterparty": np.asarray(pos.counterparty, dtype=object),
        "admitted": pos.admitted, "liquid": pos.liquid, "convertible": pos.convertible,
        "modified_duration": pos.modified_duration, "convexity": pos.convexity,
    })


def asset_flows_frame(products: Sequence[str], si: StressInputs) -> pd.DataFrame:
    """The ``asset_flows`` table: each group's inflows by month 1 .. H, zeros left out."""
    pos = si.positions
    g, m = np.nonzero(pos.flows)
    return pd.DataFrame({
        "product_id": _column_ids(products, pos.product[g]),
        "asset_class": np.asarray(pos.asset_class, dtype=object)[g],
        "counterparty": np.asarray(pos.counterparty, dtype=object)[g],
        "month": (m + 1).astype(np.int32), "amount": pos.flows[g, m],
    })


# --- the base, from a close in memory or from its stored tables -------------------------------


def _ro(x, dtype=np.float64) -> np.ndarray:
    """A read-only copy."""
    out = np.array(x, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def _with_total(per_product: np.ndarray) -> np.ndarray:
    """[product, ...] followed by the programme's row: the products' sum."""
    per_product = np.asarray(per_product, np.float64)
    return np.concatenate([per_product, per_product.sum(axis=0, keepdims=True)], axis=0)


def liquidity_parts(columns: Sequence[str], product_id: np.ndarray, method: np.ndarray,
                    horizon_months: np.ndarray, cash: np.ndarray, convertible: np.ndarray,
                    what: str = "the close") -> tuple[np.ndarray, np.ndarray]:
    """Cash and convertible per column (``columns``): the liquidity table's rows of method
    ``projection`` at 3 months (the table's columns as arrays, one entry per row).

    Raises
    ------
    StoreError
        A column has no such row (``what`` names the run in the message).
    """
    mine = (np.asarray(method) == LIQUIDITY_METHOD) & (
        np.asarray(horizon_months) == LIQUIDITY_HORIZON)
    row = {str(p): k for k, p in zip(np.flatnonzero(mine), np.asarray(product_id)[mine],
                                     strict=True)}
    missing = [c for c in columns if c not in row]
    if missing:
        raise StoreError(f"{what}: the liquidity table has no {LIQUIDITY_METHOD} row at "
                         f"{LIQUIDITY_HORIZON} months for {', '.join(missing)}")
    take = np.array([row[c] for c in columns], np.int64)
    return (np.asarray(cash, np.float64)[take].copy(),
            np.asarray(convertible, np.float64)[take].copy())


def _canonical(pos: AssetPositions) -> AssetPositions:
    """The positions in the order of their groups (products in order, no product last)."""
    keys = [_group_key(int(p), str(c), str(i)) for p, c, i in zip(
        pos.product, pos.asset_class, pos.counterparty, strict=True)]
    order = np.array(sorted(range(len(keys)), key=keys.__getitem__), np.int64)

    def take(x) -> np.ndarray:
        return _ro(np.asarray(x)[order], np.asarray(x).dtype)

    return AssetPositions(
        product=take(np.asarray(pos.product, np.int64)),
        asset_class=tuple(str(pos.asset_class[g]) for g in order),
        counterparty=tuple(str(pos.counterparty[g]) for g in order),
        admitted=take(pos.admitted), liquid=take(pos.liquid), convertible=take(pos.convertible),
        modified_duration=take(pos.modified_duration), convexity=take(pos.convexity),
        flows=take(np.asarray(pos.flows, np.float64)))


# the balance-sheet lines the base reads: B01 and the solvency ratio's liabilities
BALANCE_CODES = ("B01", *RESERVE_CODES, "B25", "B29")


def stress_base(*, run_id: int | None, products: Sequence[str], kinds: Sequence[str],
                grid: np.ndarray, claims_occurred: np.ndarray, new_business_occurred: np.ndarray,
                settlement: Sequence[np.ndarray], lapse_rate: np.ndarray,
                refund_factor: np.ndarray, withdrawal_rate: np.ndarray, reinsurance: np.ndarray,
                grants: np.ndarray, closing: Mapping[str, np.ndarray],
                balance: Mapping[str, np.ndarray], p16: np.ndarray, period_months: int,
                cash: np.ndarray, convertible: np.ndarray,
                positions: AssetPositions, sum_at_risk: np.ndarray | None = None,
                partners: Sequence[str] = (),
                partner_premiums: np.ndarray | None = None,
                earned_premium: np.ndarray | None = None,
                expiring_premium: np.ndarray | None = None) -> StressBase:
    """The base from its parts (module docstring); every array is copied, read-only.

    Parameters
    ----------
    run_id : int or None
        The stored run (None for a close not stored).
    products, kinds : sequence of str
        The products in their order and their kinds.
    grid : ndarray
        [column, line, month]: the products' grids then the programme's.
    claims_occurred, new_business_occurred, reinsurance, grants : ndarray
        [product, month]; the programme's row is their sum. ``reinsurance`` and ``grants`` are
        kept in months 1 .. ``RUN_RATE_MONTHS`` only (the run rate of the year after v).
    settlement : sequence of ndarray
        Per product, the shares paid by lag.
    lapse_rate, refund_factor, withdrawal_rate : ndarray
        Per product; the programme's entry is 0 (unused).
    closing : mapping of str to ndarray
        Per reserve (``vocab.RESERVES``), the closing amounts by product.
    balance : mapping of str to ndarray
        The balance-sheet lines of ``BALANCE_CODES`` by column.
    p16 : ndarray
        The income statement's P16 by column; ``period_months`` the period's months.
    cash, convertible : ndarray
        By column: the liquidity table's (``liquidity_parts``).
    positions : AssetPositions
        The groups in any order (the base orders them).
    sum_at_risk : ndarray, optional
        [product, month] sums insured in force of the death covers.
    partners : sequence of str, optional
        The distribution partners, sorted.
    partner_premiums : ndarray, optional
        [partner, product, month] premiums due through each partner (None: no partner).
    earned_premium, expiring_premium : ndarray, optional
        [product, month] of the grid (None: a run stored before the close kept them).
    """
    n = len(products)
    lags = max((len(s) for s in settlement), default=0)
    pattern = np.zeros((n + 1, lags))
    for p, s in enumerate(settlement):
        pattern[p, :len(s)] = s
    positions = _canonical(positions)
    allocated = np.zeros(n + 1, dtype=bool)
    allocated[n] = True  # the programme holds every asset
    allocated[positions.product[positions.product >= 0]] = True
    liabilities = sum(balance[c] for c in RESERVE_CODES) + (balance["B25"] + balance["B29"])
    reserves = {name: _ro(_with_total(np.asarray(closing[name], np.float64))) for name in RESERVES}
    return StressBase(
        run_id=run_id, products=tuple(products), kinds=tuple(kinds), grid=_ro(grid),
        claims_occurred=_ro(_with_total(claims_occurred)),
        new_business_occurred=_ro(_with_total(new_business_occurred)),
        settlement=_ro(pattern),
        lapse_rate=_ro(np.append(lapse_rate, 0.0)),
        refund_factor=_ro(np.append(refund_factor, 0.0)),
        withdrawal_rate=_ro(np.append(withdrawal_rate, 0.0)),
        reinsurance=_ro(_with_total(_first_year(reinsurance))),
        grants=_ro(_with_total(_first_year(grants))),
        upr=reserves["upr"], ocs=reserves["ocs"], ibnr=reserves["ibnr"], alr=reserves["alr"],
        admitted_assets=_ro(balance["B01"]), liabilities=_ro(liabilities),
        cash=_ro(cash), convertible=_ro(convertible),
        expenses_per_month=_ro(np.asarray(p16, np.float64) / period_months),
        reinsurance_recoverable=_ro(np.zeros(n + 1)), allocated=_ro(allocated, bool),
        positions=positions,
        sum_at_risk=None if sum_at_risk is None else _ro(_with_total(sum_at_risk)),
        **_partner_fields(partners, partner_premiums, n, grid.shape[2]),
        earned_premium=None if earned_premium is None else _ro(_with_total(earned_premium)),
        expiring_premium=None if expiring_premium is None else _ro(_with_total(expiring_premium)),
    )


def _partner_fields(partners: Sequence[str], premiums: np.ndarray | None, n: int,
                    h: int) -> dict[str, Any]:
    """``partners`` and ``partner_premiums`` [partner, column, month] (the programme's row the
    products' sum) of the base; no partner: ``()`` and None."""
    if not len(partners):
        return {"partners": (), "partner_premiums": None}
    data = np.asarray(premiums, np.float64).reshape(len(partners), n, h)
    return {"partners": tuple(str(k) for k in partners),
            "partner_premiums": _ro(np.concatenate([data, data.sum(axis=1, keepdims=True)],
                                                   axis=1))}


def stress_base_from_close(result: Any) -> StressBase:
    """The stress base of a close's result in memory (``reserva.pipeline.CloseResult``).

    Parameters
    ----------
    result : CloseResult
        A close's result (stored or not): its grid, ``stress_inputs``, closing reserves,
        statements and liquidity table.

    Returns
    -------
    StressBase
        The same arrays as ``reserva.store.stress_base.load_stress_base`` reads from the
        tables the close stores.
    """
    si: StressInputs = result.stress_inputs
    g = result.grid
    h = si.horizon_months
    columns = (*result.products, PROGRAMME)
    liq = result.liquidity
    cash, convertible = liquidity_parts(
        columns, liq["product_id"].to_numpy(), liq["method"].to_numpy(),
        liq["horizon_months"].to_numpy(), liq["cash"].to_numpy(), liq["convertible"].to_numpy())
    return stress_base(
        run_id=result.run_id, products=result.products, kinds=si.kinds,
        grid=np.concatenate([g.amount, g.programme()[None]], axis=0),
        claims_occurred=g.claims_occurred, new_business_occurred=g.new_business_occurred,
        settlement=si.settlement, lapse_rate=si.lapse_rate, refund_factor=si.refund_factor,
        withdrawal_rate=si.withdrawal_rate, reinsurance=_run_rate(si.reinsurance, si, h),
        grants=_run_rate(si.grants, si, h),
        closing={name: result.closing.get(name) for name in RESERVES},
        balance={code: result.balance[code] for code in BALANCE_CODES},
        p16=result.income["P16"], period_months=si.period_months, cash=cash,
        convertible=convertible, positions=si.positions, sum_at_risk=si.sum_at_risk,
        partners=si.partners, partner_premiums=si.partner_premiums,
        earned_premium=g.earned_premium, expiring_premium=g.expiring_premium,
    )
