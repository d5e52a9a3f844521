"""Stress checks: many scenarios at once on the base position of a stored close.

Spec §1.11, §4.1 and §4.2 (the 3-month liquidity ratio, shorter and longer horizons, the
projected cashflows); the shocks' calibrations are in each scenario row (``stress_scenarios.csv``,
``reserva.io.scenarios``). Every scenario starts from the same ``StressBase`` (the close's grid,
reserves, balance sheet and assets, ``reserva.projection.stress_base``) and its shocks are
applied together, vectorised over the scenario axis: arrays ``[scenario, product, line, month]``
hold the *changes* to the base grid, so a scenario without shocks is the base exactly, and the
programme's change is the sum of its products' changes. Scenarios are computed in chunks of
``[stress] chunk_scenarios`` (memory ~ 8 x chunk x products x lines x months bytes); a scenario's
results do not depend on the chunk or on the other scenarios.

Notation. Products ``p``, months ``m = 1 .. M`` (index m - 1), a shock row of value ``k`` with
weight ``w_m`` in its months (``reserva.io.scenarios``: 1 for ``step``, rising or falling for
the linear profiles, 0 outside ``start .. start + duration - 1``), on the products of its
``product_kind``. Multipliers act as ``1 + (k - 1) w_m``, shares as ``x w_m``; rows of one type
combine by multiplying their factors (or adding their amounts).

Business volume (lapses). With the base monthly lapse ``u = 1 - (1 - lapse_rate)^(1/12)`` (the
grid's), a ``lapse_rate`` shock gives ``u'_m = min(1, u (1 + (k - 1) w_m))``, the step ``q_m =
(1 - u'_m) / (1 - u)`` and the in-force ratio ``r_m = prod_{j < m} q_j``; a ``mass_lapse`` of
share ``x`` at its start month ``s`` removes ``x w_s`` of the policies from month ``s`` on.
``vol_m = r_m x prod (1 - x w_s)[m >= s]`` scales premiums, commissions, death benefits,
maturities, the in-force claims occurred and the variable part of expenses: ``expenses' =
expenses (phi + (1 - phi) vol)`` with ``phi`` the ``expense_fixed_share`` (0 without one).
Refunds of lapses scale by ``vol_m u'_m / u``. The mass lapse pays ``x w_s (refund_factor x UPR
+ ALR)`` in month ``s`` (unearned premiums refunded, savings and life reserves surrendered at
their reserve value, both at the valuation date: DECISION, the conservative reading of
Delegated Regulation (EU) 2015/35 Art. 142(6)) and savings withdrawals fall by ``x w_s`` from
month ``s``; the extra lapses of a ``lapse_rate`` shock surrender their share of the ALR, ``ALR
(1 - u)^(m - 1) mass_m r_m max(0, 1 - q_m)`` in month m (fewer lapses surrender nothing).

Claims. ``occurred'_m = occurred_m vol_m f_m g_m + cat_m + addon_m`` (``f``, ``g`` the
``claims_frequency`` and ``claims_severity`` factors; ``cat`` the ``catastrophe_claims`` amount
spread over its months by weight (all in its start month without a duration), shared among the
products by their expected claims over the horizon; ``addon_m = pp / 100 / 12 x w_m x
sum_at_risk_m x vol_m`` for ``mortality_addon``), never below 0, and the change is paid by the
product's settlement pattern (``grid.settle``: lag 0 = the month of occurrence, what falls after
month M in month M). Death benefits take ``f``, ``g`` and the add-on too. New business:
premiums and outgo x ``new_business`` factor, its claims x the factor and ``f g``.

Payment timing. ``premium_shortfall``: premiums (and new business premiums) x ``(1 - x w_m)``;
``premium_delay`` of ``n`` months: ``w_m`` of month m's premiums are received in month ``m +
n`` (month M at the latest), after the shortfall. A premium shock naming a ``counterparty``
acts on the premiums that distribution partner collects (``StressBase.partner_premiums``, the
policies' ``partner``) only, not on new business. ``faster_settlement``: OCS and IBNR run-off
due in months ``>= s`` is paid ``n`` months sooner (not before ``s``), or share ``x`` of it in
month ``s``; ``reserve_deficiency``: the run-off from its start month on x ``(1 + x)`` (share)
or x ``k``. ``savings_withdrawals``: in each shocked month share ``x w_m`` of the savings still
to be withdrawn goes at once (the later withdrawals fall in proportion), or the month's
withdrawal x ``1 + (k - 1) w_m`` taken from the later months; either way the savings total is
kept. ``expenses``: x ``1 + (k - 1) w_m``, or ``+ amount w_m`` a month (shared among the
products by their base expenses). ``reinsurance_delay`` / ``reinsurer_default``: recoveries
moved ``n`` months or x ``(1 - x w_m)``; ``grant_stop``: grants x ``(1 - x w_m)`` or ``- amount
w_m`` (never below 0).

Assets (``AssetPositions``, by product, class and counterparty). From each shock's start month,
a group's value is multiplied by ``1 - h`` (``asset_haircut`` of its class: a sale price on top
of the set's own haircut of asset_map.csv), ``1 - x`` (``issuer_default`` of its counterparty
or class) and ``1 - D dy + C dy^2 / 2`` (``rate_shift``, ``dy = bp / 10,000``, ``D`` the
modified duration, ``C`` the convexity: Fabozzi, *Bond Markets, Analysis and Strategies*, the
duration-convexity approximation, held at its minimum beyond ``dy = D / C`` where the parabola
turns, and never below 0); an issuer's default also cuts its coupons and redemptions by ``x``
from the start month. The liquidity numerator at month m is ``cash - sum_g liquid_g (1 -
factor_g) + convertible - sum_g convertible_g (1 - factor_g)`` (the last two when ``[liquidity]
include_convertible``) with the factors of the shocks begun by month m. A holding counted in
the numerator is taken as sold at once: its coupons and redemptions are not inflows too
(counted twice otherwise); the other holdings' are.

Metrics per scenario and column (products, then the programme ``ALL``):

    liquidity_ratio(h)     = numerator'(h) / OUT'(h)   the handbook's projection method (the
                             liquidity table's ``projection`` rows: outflows only, E2 L3180-3186)
    factor_ratio(h)        = numerator'(h) / (base factor estimate + sum_i (R'_i min(1, a_i k) -
                             R_i a_i) + more(h) x add_on_months / 3 + payout(h))  with the set's
                             factors ``a_i`` for h, stressed reserves R' (UPR and ALR x vol_h,
                             OCS and IBNR with the deficiency begun by h), ``payout(h)`` the
                             lapses' refunds and surrenders in months 1 .. h, ``k`` the
                             ``short_term_factor`` multipliers begun by h and ``more(h) >= 0``
                             the increase of the grid's expenses over months 1 .. h (the
                             add-on never falls: expenses are sticky in the short term)
    net_liquidity_ratio(h) = (numerator'(h) + IN'(h)) / OUT'(h)   with the inflows (premiums,
                             new business premiums, asset income, reinsurance, grants)
    liquid_assets          = numerator'(1)
    survival_horizon, shortfall, shortfall_month   ``reserva.projection.stress_metrics.survival``
                             on numerator'(1), the inflows and the outflows plus the value lost
                             in each later month
    solvency_ratio         = (B01 - asset losses - reinsurer default x recoverable - cost -
                             payout) / (liabilities + strengthening - released)
    surplus                = the same numerator less the same denominator

Solvency is a one-year view (``[stress] solvency_months``, 12: Solvency II Art. 101(3)): what
the shocks cost in those months on the policies still in force, ``cost`` = the change of claims
(frequency, severity, catastrophe, mortality add-on) and death benefits, of expenses (multiplier
and amounts), less the premiums never collected (shortfalls) and the reinsurance recoveries and
grants lost; the asset losses and the reserve strengthening ``(deficiency - 1) (OCS + IBNR)`` of
the shocks begun in them; timing shocks (delays, faster settlement, withdrawals) move cash and
cost nothing. Lapses act through the balance sheet only: ``payout`` is what the lapses of those
months pay (refunds and surrenders) and ``released`` the UPR and ALR of the lapsed policies, so a
mass lapse changes the surplus by ``x UPR (1 - refund_factor)`` (the unearned premium not
refunded), and may raise a ratio above 1 while doing so. DECISION: the data sheet's balance
sheet is undiscounted and holds no future margins, so the margins lapsed policies or new
business would have earned do not move it (they move the liquidity figures), and a rate shift
moves the assets' value only.

A ratio of a column without assets is undefined (NaN), as in the liquidity table, and so are
its survival horizon and shortfall; a zero denominator too. Breaches: a liquidity ratio below
``[stress] liquidity_threshold``, a solvency ratio below ``[stress] solvency_threshold``, a
survival horizon within the longest liquidity horizon. A shock that changes nothing in the run
(a product kind, holding, issuer or partner it lacks, a start after the horizon) is named in
the result's notes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from reserva.errors import ArgumentError, AssumptionError, BadCell, InputError
from reserva.io.scenarios import (
    FILE,
    MAX_AMOUNT,
    MAX_BP,
    MAX_MONTHS,
    MAX_MULTIPLIER,
    Scenario,
    Shock,
)
from reserva.kpi.liquidity import short_term_liabilities_factor
from reserva.projection.grid import INFLOW, LINE, LINES
from reserva.projection.stress_base import StressBase
from reserva.projection.stress_metrics import survival
from reserva.vocab import PROGRAMME

__all__ = ["METRICS", "StressOptions", "StressResult", "run_stress", "scaled"]

# metrics per scenario and column; the first four are per horizon
METRICS = ("liquidity_ratio", "factor_ratio", "net_liquidity_ratio", "outflows",
           "liquid_assets", "survival_horizon", "shortfall", "shortfall_month",
           "solvency_ratio", "surplus")
PER_HORIZON = METRICS[:4]
FACTOR_ITEMS = ("upr", "ocs", "ibnr", "alr", "other_liabilities")
ASSET_SHOCKS = ("asset_haircut", "issuer_default", "rate_shift")
# shocks that may name a counterparty (the assets' issuer); others act by product kind only
COUNTERPARTY_SHOCKS = ("issuer_default",)
# shocks that may name a distribution partner (the policies' partner)
PARTNER_SHOCKS = ("premium_delay", "premium_shortfall")


@dataclass(frozen=True)
class StressOptions:
    """The settings a stress check reads (``[stress]`` and ``[liquidity]`` of the set)."""

    horizons: tuple[int, ...] = (1, 3, 12)
    liquidity_threshold: float = 1.0
    solvency_threshold: float = 1.0
    chunk_scenarios: int = 250
    solvency_months: int = 12
    include_convertible: bool = True
    factors_by_horizon: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    add_on_months: float = 3.0

    @classmethod
    def from_set(cls, a) -> StressOptions:
        """The options of an assumption set (``reserva.io.assumptions.AssumptionSet``)."""
        s, liq = a.settings.stress, a.settings.liquidity
        return cls(horizons=tuple(s.horizons), liquidity_threshold=s.liquidity_threshold,
                   solvency_threshold=s.solvency_threshold, chunk_scenarios=s.chunk_scenarios,
                   solvency_months=s.solvency_months,
                   include_convertible=liq.include_convertible,
                   factors_by_horizon=a.liquidity_factors_by_horizon,
                   add_on_months=liq.expense_add_on_months)


@dataclass(frozen=True)
class StressResult:
    """Metrics per [scenario, column] (and horizon), with the unshocked base's.

    ``values[name]``: [scenario, column, horizon] for ``PER_HORIZON`` metrics, else
    [scenario, column]; ``base[name]`` the same without the scenario axis.
    """

    scenarios: tuple[Scenario, ...]
    columns: tuple[str, ...]
    horizons: tuple[int, ...]
    months: int
    values: Mapping[str, np.ndarray]
    base: Mapping[str, np.ndarray]
    liquidity_threshold: float
    solvency_threshold: float
    allocated: tuple[bool, ...] = ()  # per column: it holds assets (its ratios are defined)
    notes: tuple[str, ...] = ()  # the shocks that change nothing in this run

    @property
    def scenario_ids(self) -> tuple[str, ...]:
        return tuple(s.scenario_id for s in self.scenarios)

    def metric(self, name: str, horizon: int | None = None) -> np.ndarray:
        """[scenario, column] of a metric (a per-horizon metric at ``horizon``)."""
        v = self.values[name]
        if name in PER_HORIZON:
            return v[:, :, self.horizons.index(int(3 if horizon is None else horizon))]
        return v

    def breaches(self) -> np.ndarray:
        """[scenario, column] of the breached tests, as text ('' when none)."""
        s, c = len(self.scenarios), len(self.columns)
        out = np.full((s, c), "", dtype=object)
        longest = max(self.horizons)
        for j, h in enumerate(self.horizons):
            bad = self.values["liquidity_ratio"][:, :, j] < self.liquidity_threshold
            out = np.where(bad, out + f"liquidity {h}m; ", out)
        out = np.where(self.values["solvency_ratio"] < self.solvency_threshold,
                       out + "solvency; ", out)
        out = np.where(self.values["survival_horizon"] <= longest,
                       out + "survival; ", out)
        return np.vectorize(lambda x: x.rstrip("; "), otypes=[object])(out)

    def frame(self):
        """Long rows: scenario_id, product_id, metric, horizon_months (0 when none), value,
        base, change, threshold, breach."""
        import pandas as pd

        rows = []
        n_s, n_c = len(self.scenarios), len(self.columns)
        sid = np.repeat(np.asarray(self.scenario_ids, dtype=object), n_c)
        col = np.tile(np.asarray(self.columns, dtype=object), n_s)
        for name in METRICS:
            hs = self.horizons if name in PER_HORIZON else (0,)
            for j, h in enumerate(hs):
                v = self.values[name]
                b = self.base[name]
                if name in PER_HORIZON:
                    v, b = v[:, :, j], b[:, j]
                v = np.asarray(v, dtype=np.float64).reshape(-1)
                bb = np.tile(np.asarray(b, dtype=np.float64), n_s)
                threshold, bad = _threshold(name, v, self.liquidity_threshold,
                                            self.solvency_threshold, max(self.horizons))
                with np.errstate(invalid="ignore"):
                    change = np.where(v == bb, 0.0, v - bb)
                rows.append(pd.DataFrame({
                    "scenario_id": sid, "product_id": col, "metric": name,
                    "horizon_months": np.int32(h), "value": v, "base": bb, "change": change,
                    "threshold": threshold, "breach": bad}))
        return pd.concat(rows, ignore_index=True)


def _threshold(name: str, v: np.ndarray, liq: float, solv: float, longest: int):
    nan = np.full(v.shape, np.nan)
    if name == "liquidity_ratio":
        return np.full(v.shape, liq), v < liq
    if name == "solvency_ratio":
        return np.full(v.shape, solv), v < solv
    if name == "survival_horizon":
        return np.full(v.shape, float(longest)), v <= longest
    return nan, np.zeros(v.shape, dtype=bool)


# --------------------------------------------------------------------------------------------
# the shocks of a chunk of scenarios, as arrays


@dataclass(frozen=True)
class _Rows:
    """The rows of one shock type in a chunk: scenario index, product mask [row, product],
    weights [row, month], value, the start month index (0-based), the unit."""

    scenario: np.ndarray
    products: np.ndarray
    weight: np.ndarray
    value: np.ndarray
    start: np.ndarray
    unit: tuple[str, ...]
    shocks: tuple[Shock, ...]

    @property
    def n(self) -> int:
        return int(self.scenario.size)

    def where(self, unit: str) -> _Rows:
        return self.subset(np.array([u == unit for u in self.unit], dtype=bool))

    def of(self, counterparty: str) -> _Rows:
        """The rows naming this counterparty ("" = the rows naming none)."""
        return self.subset(np.array([s.counterparty == counterparty for s in self.shocks],
                                    dtype=bool))

    def subset(self, keep: np.ndarray) -> _Rows:
        return _Rows(self.scenario[keep], self.products[keep], self.weight[keep],
                     self.value[keep], self.start[keep],
                     tuple(u for u, k in zip(self.unit, keep, strict=True) if k),
                     tuple(s for s, k in zip(self.shocks, keep, strict=True) if k))


def weights(shock: Shock, months: int) -> np.ndarray:
    """The shock's weight in months 1..M (``reserva.io.scenarios``: step, linear_in, linear_out;
    0 outside its months)."""
    m = np.arange(1, months + 1, dtype=np.float64)
    start = shock.start_month
    stop = months + 1 if shock.duration_months is None else start + shock.duration_months
    inside = (m >= start) & (m < stop)
    if shock.profile == "linear_in":
        w = (m - start + 1) / shock.duration_months
    elif shock.profile == "linear_out":
        w = 1.0 - (m - start) / shock.duration_months
    else:
        w = np.ones(months)
    return np.where(inside, w, 0.0)


def _group(scenarios: Sequence[Scenario], kinds: Sequence[str], months: int
           ) -> dict[str, _Rows]:
    """The rows of every scenario by shock type (``none`` rows left out)."""
    kinds_arr = np.asarray(kinds, dtype=object)
    acc: dict[str, list] = {}
    for i, sc in enumerate(scenarios):
        for sh in sc.shocks:
            if sh.shock_type == "none":
                continue
            mask = (np.ones(len(kinds), dtype=bool) if sh.product_kind == PROGRAMME
                    else kinds_arr == sh.product_kind)
            acc.setdefault(sh.shock_type, []).append(
                (i, mask, weights(sh, months), float(sh.value), sh.start_month - 1, sh.unit, sh))
    out = {}
    for t, rows in acc.items():
        i, mask, w, v, s, u, sh = zip(*rows, strict=True)
        out[t] = _Rows(np.asarray(i, np.int64), np.asarray(mask, bool).reshape(len(rows), -1),
                       np.asarray(w, np.float64).reshape(len(rows), months),
                       np.asarray(v, np.float64), np.asarray(s, np.int64), u, sh)
    return out


def _factor(rows: _Rows | None, shape: tuple[int, int, int], *, share: bool = False
            ) -> np.ndarray:
    """[scenario, product, month]: the product of ``1 + (k - 1) w`` (or ``1 - x w``) of rows."""
    f = np.ones(shape)
    if rows is None or rows.n == 0:
        return f
    term = (1.0 - rows.value[:, None] * rows.weight) if share else (
        1.0 + (rows.value[:, None] - 1.0) * rows.weight)
    term = np.where(rows.products[:, :, None], term[:, None, :], 1.0)
    np.multiply.at(f, rows.scenario, term)
    return f


def _at_start(rows: _Rows | None, n_s: int, n: int, *, share: bool = False) -> np.ndarray:
    """[scenario, product]: the product of ``1 + (k - 1) w_s`` (or ``1 - x w_s``) of rows, with
    the weight of each row's start month (shocks on a balance-sheet amount)."""
    f = np.ones((n_s, n))
    if rows is None or rows.n == 0:
        return f
    months = rows.weight.shape[1]
    w = np.where(rows.start < months,
                 rows.weight[np.arange(rows.n), np.minimum(rows.start, months - 1)], 0.0)
    term = (1.0 - rows.value * w) if share else (1.0 + (rows.value - 1.0) * w)
    np.multiply.at(f, rows.scenario, np.where(rows.products, term[:, None], 1.0))
    return f


def _only(rows: _Rows | None, unit: str) -> _Rows | None:
    return None if rows is None else rows.where(unit)


def _of(rows: _Rows | None, counterparty: str) -> _Rows | None:
    return None if rows is None else rows.of(counterparty)


def _settlement_matrix(pattern: np.ndarray, months: int) -> np.ndarray:
    """T[j, m]: share of a claim occurring in month j paid in month m (the rest piled into the
    last month), so that ``paid = occurred @ T`` is ``grid.settle``."""
    t = np.zeros((months, months))
    share = np.asarray(pattern, np.float64)
    for j in range(months):
        for lag, x in enumerate(share):
            if x == 0.0:
                continue
            t[j, min(j + lag, months - 1)] += x
    return t


def _shift_later(amount: np.ndarray, rows: _Rows, *, line_mask=None) -> np.ndarray:
    """Move ``w_m`` of month m's amounts ``n`` months later (month M at the latest):
    ``amount`` [scenario, product, month] (a copy is returned)."""
    out = amount.copy()
    months = amount.shape[2]
    for r in range(rows.n):
        s, n = rows.scenario[r], int(rows.value[r])
        if n == 0:
            continue
        mask = rows.products[r]
        moved = amount[s][mask] * rows.weight[r][None, :]
        target = np.minimum(np.arange(months) + n, months - 1)
        out[s, mask] -= moved
        dest = np.zeros_like(moved)
        for m in range(months):
            dest[:, target[m]] += moved[:, m]
        out[s, mask] += dest
    return out


def _runoff_sooner(amount: np.ndarray, rows: _Rows) -> np.ndarray:
    """``faster_settlement`` on the OCS/IBNR run-off [scenario, product, month] (a copy)."""
    out = amount.copy()
    months = amount.shape[2]
    for r in range(rows.n):
        s, start, mask = rows.scenario[r], int(rows.start[r]), rows.products[r]
        if start >= months:
            continue
        cur = out[s][mask]
        tail = cur[:, start:]
        if rows.unit[r] == "months":
            n = int(rows.value[r])
            new = np.zeros_like(tail)
            for j in range(tail.shape[1]):
                new[:, max(j - n, 0)] += tail[:, j]
        else:  # share paid at once in the start month
            x = rows.value[r]
            new = tail * (1.0 - x)
            new[:, 0] += x * tail.sum(axis=1)
        cur[:, start:] = new
        out[s, mask] = cur
    return out


def _withdrawals(amount: np.ndarray, rows: _Rows) -> np.ndarray:
    """``savings_withdrawals`` on [scenario, product, month] (a copy; totals kept)."""
    out = amount.copy()
    months = amount.shape[2]
    for r in range(rows.n):
        s, mask, w, k = rows.scenario[r], rows.products[r], rows.weight[r], rows.value[r]
        cur = out[s][mask]
        for m in range(months):
            if w[m] == 0.0:
                continue
            rest = cur[:, m:].sum(axis=1)
            if rows.unit[r] == "share":
                x = k * w[m]
                cur[:, m:] *= (1.0 - x)
                cur[:, m] += x * rest
            else:
                extra = np.minimum(cur[:, m] * (k - 1.0) * w[m], rest - cur[:, m])
                later = cur[:, m + 1:].sum(axis=1)
                scale = np.divide(later - extra, later, out=np.ones_like(later),
                                  where=later > 0)
                cur[:, m] += extra
                cur[:, m + 1:] *= np.maximum(scale, 0.0)[:, None]
        out[s, mask] = cur
    return out


def _spread(rows: _Rows, base: np.ndarray, n_s: int) -> np.ndarray:
    """Amount rows spread over months by their weights and shared among each row's products by
    ``base`` [product] (evenly when those are 0): [scenario, product, month]."""
    months = rows.weight.shape[1]
    out = np.zeros((n_s, base.size, months))
    for r in range(rows.n):
        mask = rows.products[r]
        share = np.where(mask, base, 0.0)
        tot = share.sum()
        share = share / tot if tot > 0 else mask / max(mask.sum(), 1)
        out[rows.scenario[r]] += share[:, None] * rows.value[r] * rows.weight[r][None, :]
    return out


def _check_rows(scenarios: Sequence[Scenario], partners: Sequence[str]) -> None:
    """Counterparties the run's cashflows can be split by: the assets' issuers
    (``issuer_default``) and the policies' distribution partners (premium shocks); refuse any
    other, naming every such row at once."""
    known = set(partners)
    some = ", ".join(list(partners)[:10]) + (f" and {len(partners) - 10} more"
                                             if len(partners) > 10 else "")
    bad = []
    for sh in (sh for sc in scenarios for sh in sc.shocks):
        t = sh.shock_type
        if t in COUNTERPARTY_SHOCKS or not sh.counterparty:
            continue
        if t in PARTNER_SHOCKS:
            if sh.counterparty not in known:
                bad.append(BadCell(
                    FILE, sh.line or None, "counterparty", sh.counterparty,
                    f"a distribution partner of the run's policies ({some or 'none'})",
                    "name a partner of the policies table's partner column, or leave it "
                    "empty for every partner"))
            continue
        bad.append(BadCell(FILE, sh.line or None, "counterparty", sh.counterparty,
                           f"empty for {t}: the run's cashflows of it are by product, not "
                           "by counterparty",
                           "leave counterparty empty and name the products in product_kind"))
    if bad:
        raise InputError(bad)


def _notes(base: StressBase, scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    """The shocks that change nothing in this run, one line each (a typo in a bank's name or
    a product kind the run lacks would otherwise pass for "no breach")."""
    kinds = set(base.kinds)
    pos = base.positions
    owners = np.array([base.kinds[p] if p >= 0 else "" for p in pos.product], dtype=object)
    partners = base.partners
    by_partner = base.partner_premiums
    out = []
    for sc in scenarios:
        for sh in sc.shocks:
            t = sh.shock_type
            if t == "none":
                continue
            where = f"scenario {sc.scenario_id}" + (f" line {sh.line}" if sh.line else "")
            why = ""
            if sh.product_kind != PROGRAMME and sh.product_kind not in kinds:
                why = f"the run has no product of kind {sh.product_kind}"
            elif sh.start_month > base.months:
                why = f"it starts after the run's {base.months} projected months"
            elif t in ASSET_SHOCKS:
                hit = np.ones(pos.n, dtype=bool)
                if sh.product_kind != PROGRAMME:
                    hit &= owners == sh.product_kind
                if sh.asset_class:
                    hit &= np.asarray(pos.asset_class, dtype=object) == sh.asset_class
                if sh.counterparty:
                    hit &= np.asarray(pos.counterparty, dtype=object) == sh.counterparty
                if not hit.any():
                    what = " ".join(x for x in (sh.asset_class, sh.counterparty) if x)
                    why = f"the run holds no {what or 'asset'} asset"
            elif t in PARTNER_SHOCKS and sh.counterparty and by_partner is not None:
                k = partners.index(sh.counterparty)
                if not np.any(by_partner[k]):
                    why = f"partner {sh.counterparty} collects no premiums after the valuation date"
            elif t in ("reinsurance_delay", "reinsurer_default") and not (
                    np.any(base.reinsurance) or np.any(base.reinsurance_recoverable)):
                why = "the run has no reinsurance recoveries"
            elif t == "grant_stop" and not np.any(base.grants):
                why = "the run has no donor or grant income"
            if why:
                out.append(f"{where}: {t} changes nothing: {why}")
    return tuple(out)


def _premiums(amount: np.ndarray, vol: np.ndarray, rows: Mapping[str, _Rows | None],
              partners: Sequence[str], by_partner: np.ndarray | None, *,
              delays: bool = True) -> np.ndarray:
    """A premium line [product, month] under the volume, the shortfalls and (``delays``) the
    delays: those naming no partner act on all of it, those naming a partner on that
    partner's part (``by_partner`` [partner, product, month]) only."""
    shape = vol.shape
    short_rows = rows.get("premium_shortfall")
    delay_rows = rows.get("premium_delay") if delays else None
    every_short = None if short_rows is None else short_rows.of("")
    every_delay = None if delay_rows is None else delay_rows.of("")
    named = sorted({sh.counterparty for r in (short_rows, delay_rows) if r is not None
                    for sh in r.shocks if sh.counterparty})
    scale = vol * _factor(every_short, shape, share=True)
    parts = [amount[None] * scale]
    if named and by_partner is not None:
        index = {name: k for k, name in enumerate(partners)}
        for name in named:
            own = by_partner[index[name]][None] * scale
            cut = own * _factor(None if short_rows is None else short_rows.of(name), shape,
                                share=True)
            parts[0] = parts[0] - own
            mine = None if delay_rows is None else delay_rows.of(name)
            if mine is not None and mine.n:
                cut = _shift_later(cut, mine)
            parts.append(cut)
    if every_delay is not None and every_delay.n:
        parts = [_shift_later(p, every_delay) for p in parts]
    return sum(parts[1:], start=parts[0])


def _from_start(rows: _Rows, months: int) -> np.ndarray:
    """[row, month]: 1 from each row's start month on (a level that stays), 0 before."""
    return (np.arange(months)[None, :] >= rows.start[:, None]).astype(np.float64)


def _started(rows: _Rows | None, h: int) -> _Rows | None:
    """The rows whose start month is at most ``h`` (the shocks begun by month h)."""
    return None if rows is None else rows.subset(rows.start < h)


@dataclass(frozen=True)
class _AssetLosses:
    """[scenario, column, month]: the liquidity numerator (cash + convertible less the value
    lost by the shocks begun by that month), the admitted value lost by then, and the asset
    inflows (coupons, interest, redemptions of the holdings not in the numerator, less what
    defaulted issuers no longer pay)."""

    numerator: np.ndarray
    admitted: np.ndarray
    flows: np.ndarray


def _rate_factor(duration: np.ndarray, convexity: np.ndarray, bp: float) -> np.ndarray:
    """``1 - D dy + C dy^2 / 2`` (dy = bp / 10,000), held at its minimum beyond ``dy = D / C``
    (where the parabola turns) and never below 0: a larger rise never raises the value."""
    dy = bp / 10_000.0
    turn = np.divide(duration, convexity, out=np.full_like(duration, np.inf),
                     where=convexity > 0)
    dy_g = np.minimum(dy, turn) if dy > 0 else np.full_like(duration, dy)
    return np.maximum(1.0 - duration * dy_g + 0.5 * convexity * dy_g * dy_g, 0.0)


def _asset_losses(base: StressBase, rows: Mapping[str, _Rows | None], n_s: int, months: int,
                  include_convertible: bool) -> _AssetLosses:
    """The asset shocks (module docstring), each from its start month: computed once per
    distinct start month (the values change only then)."""
    pos = base.positions
    n = len(base.products)
    n_g = pos.n
    member = np.zeros((n_g, n + 1))
    own = pos.product >= 0
    member[np.flatnonzero(own), pos.product[own]] = 1.0
    member[:, n] = 1.0
    # holdings counted in the numerator are sold at once: their flows are not inflows too
    sold = (pos.liquid > 0) | ((pos.convertible > 0) if include_convertible else False)
    flows = np.where(sold[:, None], 0.0, pos.flows)
    kinds = np.asarray(base.kinds, dtype=object)
    gkind = np.array([kinds[p] if p >= 0 else None for p in pos.product], dtype=object)
    gclass = np.asarray(pos.asset_class, dtype=object)
    gcp = np.asarray(pos.counterparty, dtype=object)
    events = []  # (start, scenario, hit, value factor, flow factor)
    for t in ASSET_SHOCKS:
        ar = rows.get(t)
        if ar is None:
            continue
        for i, sh in enumerate(ar.shocks):
            hit = np.ones(n_g, dtype=bool)
            if sh.product_kind != PROGRAMME:
                hit &= gkind == sh.product_kind
            if sh.asset_class:
                hit &= gclass == sh.asset_class
            if sh.counterparty:
                hit &= gcp == sh.counterparty
            if t == "rate_shift":
                f = _rate_factor(pos.modified_duration, pos.convexity, float(sh.value))
                cut = np.ones(n_g)
            else:
                f = np.full(n_g, 1.0 - float(sh.value))
                cut = f if t == "issuer_default" else np.ones(n_g)
            events.append((int(ar.start[i]), int(ar.scenario[i]), hit, f, cut))
    value_f = np.ones((n_s, n_g))
    flow_f = np.ones((n_s, n_g))
    numerator = np.empty((n_s, n + 1, months))
    admitted = np.empty((n_s, n + 1, months))
    inflows = np.empty((n_s, n + 1, months))
    starts = sorted({0, *(e[0] for e in events if e[0] < months)})
    for k, lo in enumerate(starts):
        hi = starts[k + 1] if k + 1 < len(starts) else months
        for start, s, hit, f, cut in events:
            if start == lo:
                value_f[s] = np.where(hit, value_f[s] * f, value_f[s])
                flow_f[s] = np.where(hit, flow_f[s] * cut, flow_f[s])
        lost = 1.0 - value_f
        num = base.cash[None] - (lost * pos.liquid[None]) @ member
        if include_convertible:
            num = num + (base.convertible[None] - (lost * pos.convertible[None]) @ member)
        numerator[:, :, lo:hi] = num[:, :, None]
        admitted[:, :, lo:hi] = ((lost * pos.admitted[None]) @ member)[:, :, None]
        inflows[:, :, lo:hi] = np.einsum("sg,gm,gc->scm", flow_f, flows[:, lo:hi], member,
                                         optimize=True)
    return _AssetLosses(numerator, admitted, inflows)


# --------------------------------------------------------------------------------------------


def _chunk(base: StressBase, scenarios: Sequence[Scenario], opt: StressOptions,
           sum_at_risk: np.ndarray) -> dict[str, np.ndarray]:
    n, n_l, months = len(base.products), len(LINES), base.months
    n_s = len(scenarios)
    shape = (n_s, n, months)
    rows = _group(scenarios, base.kinds, months)
    partners = base.partners
    get = rows.get
    g = base.grid[:n]
    delta = np.zeros((n_s, n, n_l, months))

    # business volume: lapse rate multiplier and mass lapse
    u = -np.expm1(np.log1p(-np.clip(base.lapse_rate[:n], 0.0, 1.0)) / 12.0)
    u_s = np.minimum(1.0, u[None, :, None] * _factor(get("lapse_rate"), shape))
    keep = 1.0 - u
    step = np.divide(1.0 - u_s, keep[None, :, None], out=np.ones(shape),
                     where=keep[None, :, None] > 0)
    r = np.concatenate([np.ones((n_s, n, 1)), np.cumprod(step[:, :, :-1], axis=2)], axis=2)
    mass = np.ones(shape)
    payout = np.zeros(shape)  # refunds and surrenders of the lapses beyond the base's
    released_m = np.zeros(shape)  # the UPR and ALR those lapses take off the balance sheet
    ml = get("mass_lapse")
    if ml is not None:
        for i in range(ml.n):
            s, st, mask = ml.scenario[i], int(ml.start[i]), ml.products[i]
            if st >= months:
                continue
            x = ml.value[i] * ml.weight[i][st]
            remaining = mass[s][mask][:, st]
            pay = x * remaining * (base.refund_factor[:n] * base.upr[:n] + base.alr[:n])[mask]
            payout[s, mask, st] += pay
            released_m[s, mask, st] += x * remaining * (base.upr[:n] + base.alr[:n])[mask]
            part = mass[s][mask]
            part[:, st:] *= (1.0 - x)
            mass[s, mask] = part
    # the extra lapses of a lapse-rate shock surrender their share of the ALR (the reserve
    # per policy of the valuation date): ALR x S_m x mass_m x r_m x (1 - step_m), S_m = keep^m
    # the base's in force; fewer lapses than the base's surrender nothing
    survivors = keep[None, :, None] ** np.arange(months)[None, None, :] * mass * r
    surrender = base.alr[None, :n, None] * survivors * np.maximum(1.0 - step, 0.0)
    payout += surrender
    released_m += surrender
    vol = r * mass
    phi = np.zeros((n_s, n))
    fs = get("expense_fixed_share")
    if fs is not None:
        for i in range(fs.n):
            phi[fs.scenario[i], fs.products[i]] = np.maximum(
                phi[fs.scenario[i], fs.products[i]], fs.value[i])
    refund_scale = vol * np.divide(u_s, u[None, :, None], out=np.ones(shape),
                                   where=u[None, :, None] > 0)

    def scale(line: str, factor: np.ndarray) -> None:
        delta[:, :, LINE[line]] += g[None, :, LINE[line]] * (factor - 1.0)

    claims_f = _factor(get("claims_frequency"), shape) * _factor(get("claims_severity"), shape)
    exp_f = _factor(_only(get("expenses"), "multiplier"), shape)
    nb_f = _factor(get("new_business"), shape)
    scale("commissions", vol)
    scale("maturities", vol)
    scale("refunds", refund_scale)
    scale("expenses", (phi[:, :, None] + (1.0 - phi[:, :, None]) * vol) * exp_f)
    amounts = _only(get("expenses"), "amount")
    exp_added = np.zeros(shape)
    if amounts is not None and amounts.n:
        exp_added = _spread(amounts, g[:, LINE["expenses"]].sum(axis=1), n_s)
        delta[:, :, LINE["expenses"]] += exp_added
    addon = np.zeros(shape)
    mort = get("mortality_addon")
    if mort is not None:
        for i in range(mort.n):
            addon[mort.scenario[i], mort.products[i]] += (
                mort.value[i] / 100.0 / 12.0 * mort.weight[i][None, :]
                * sum_at_risk[:n][mort.products[i]])
    addon *= vol
    life_death = g[:, LINE["death_benefits"]]
    has_life = life_death.sum(axis=1) > 0
    # a negative add-on (lighter mortality) takes deaths down to 0 at most
    delta[:, :, LINE["death_benefits"]] += np.maximum(
        life_death[None] * (vol * claims_f - 1.0) + np.where(has_life[None, :, None], addon, 0.0),
        -life_death[None])
    # claims occurred -> settled
    occ = base.claims_occurred[:n]
    cat = get("catastrophe_claims")
    d_occ = np.maximum(occ[None] * (vol * claims_f - 1.0)
                       + np.where(has_life[None, :, None], 0.0, addon), -occ[None])
    if cat is not None:
        # over its months by weight; without a duration, all in its start month
        w = np.array([wr if sh.duration_months is not None
                      else (np.arange(months) == sh.start_month - 1).astype(float)
                      for wr, sh in zip(cat.weight, cat.shocks, strict=True)]).reshape(
                          cat.n, months)
        norm = w.sum(axis=1, keepdims=True)
        cat_n = replace(cat, weight=np.divide(w, norm, out=np.zeros_like(w), where=norm > 0))
        cat_amount = _spread(cat_n, (occ + base.new_business_occurred[:n]).sum(axis=1), n_s)
        d_occ = d_occ + cat_amount
    else:
        cat_amount = np.zeros(shape)
    nb_occ = base.new_business_occurred[:n]
    d_nb_occ = nb_occ[None] * (nb_f * claims_f - 1.0)
    for p in range(n):
        t = _settlement_matrix(base.settlement[p], months)
        delta[:, p, LINE["claims"]] += d_occ[:, p] @ t
        settled_nb = nb_occ[p] @ t
        nb_other = g[p, LINE["new_business_outgo"]] - settled_nb
        delta[:, p, LINE["new_business_outgo"]] += (nb_other[None] * (nb_f[:, p] - 1.0)
                                                    + d_nb_occ[:, p] @ t)
    # premiums: volume, shortfall, delay (those naming a partner on its premiums only)
    by_partner = None if base.partner_premiums is None else base.partner_premiums[:, :n]
    short = _factor(_of(get("premium_shortfall"), ""), shape, share=True)
    prem = _premiums(g[:, LINE["premiums"]], vol, rows, partners, by_partner)
    nb_prem = g[None, :, LINE["new_business_premiums"]] * nb_f * short
    if _of(get("premium_delay"), "") is not None:
        nb_prem = _shift_later(nb_prem, _of(get("premium_delay"), ""))
    delta[:, :, LINE["premiums"]] += prem - g[None, :, LINE["premiums"]]
    delta[:, :, LINE["new_business_premiums"]] += (nb_prem
                                                   - g[None, :, LINE["new_business_premiums"]])
    # OCS and IBNR run-off: the deficiency from its start month, then faster settlement
    rd = get("reserve_deficiency")
    deficiency = np.ones(shape)  # [scenario, product, month]
    if rd is not None:
        deficiency = _factor(replace(rd, value=np.where(np.asarray(rd.unit) == "share",
                                                        rd.value + 1.0, rd.value),
                                     weight=_from_start(rd, months)), shape)
    for line in ("ocs_runoff", "ibnr_runoff"):
        run = g[None, :, LINE[line]] * deficiency
        if get("faster_settlement") is not None:
            run = _runoff_sooner(run, get("faster_settlement"))
        delta[:, :, LINE[line]] += run - g[None, :, LINE[line]]
    # savings: mass lapse, then withdrawal shocks
    wd = g[None, :, LINE["savings_withdrawals"]] * mass
    if get("savings_withdrawals") is not None:
        wd = _withdrawals(wd, get("savings_withdrawals"))
    delta[:, :, LINE["savings_withdrawals"]] += wd - g[None, :, LINE["savings_withdrawals"]]
    delta[:, :, LINE["refunds"]] += payout

    # reinsurance and grants [scenario, product, month]
    reins_kept = base.reinsurance[None, :n] * _factor(get("reinsurer_default"), shape, share=True)
    reins = reins_kept
    if get("reinsurance_delay") is not None:
        reins = _shift_later(reins_kept, get("reinsurance_delay"))
    grants = np.broadcast_to(base.grants[None, :n], shape).copy()
    gs = get("grant_stop")
    if gs is not None:
        grants = grants * _factor(gs.where("share"), shape, share=True)
        amounts = gs.where("amount")
        if amounts.n:
            grants = np.maximum(grants - _spread(amounts, base.grants[:n].sum(axis=1), n_s), 0.0)
    d_reins = reins - base.reinsurance[None, :n]
    d_grants = grants - base.grants[None, :n]

    # assets: value lost from each shock's start month, issuers' flows cut from it
    losses = _asset_losses(base, rows, n_s, months, opt.include_convertible)

    # columns: products then the programme (the sum of the products' changes)
    def with_prog(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x, x.sum(axis=1, keepdims=True)], axis=1)

    d_grid = with_prog(delta)
    grid = base.grid[None] + d_grid
    outflows = grid[:, :, ~INFLOW].sum(axis=2)
    inflows = (grid[:, :, INFLOW].sum(axis=2) + losses.flows
               + base.reinsurance[None] + with_prog(d_reins) + base.grants[None]
               + with_prog(d_grants))
    horizons = np.asarray(opt.horizons, np.int64)
    if horizons.max() > months:
        raise AssumptionError(f"[stress] horizons {list(opt.horizons)} exceed the run's "
                              f"{months} projected months")
    # the numerator at each horizon: less the losses started by then
    numerator_h = losses.numerator[:, :, horizons - 1]
    cum_out = np.cumsum(outflows, axis=2)[:, :, horizons - 1]
    cum_in = np.cumsum(inflows, axis=2)[:, :, horizons - 1]
    allocated = base.allocated[None, :, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        liq = np.where(allocated & (cum_out != 0), numerator_h / cum_out, np.nan)
        net = np.where(allocated & (cum_out != 0), (numerator_h + cum_in) / cum_out, np.nan)
    # factor method: the products' changes, the programme's the sum of theirs
    pay_cum = np.cumsum(payout, axis=2)
    other = base.liabilities - base.upr - base.ocs - base.ibnr - base.alr
    reserves = {"upr": base.upr, "ocs": base.ocs, "ibnr": base.ibnr, "alr": base.alr,
                "other_liabilities": other}
    stf = get("short_term_factor")
    fac = np.full((n_s, n + 1, horizons.size), np.nan)
    for j, h in enumerate(horizons):
        factors = opt.factors_by_horizon.get(int(h))
        if factors is None:
            continue
        add_on = np.maximum(base.expenses_per_month * h * opt.add_on_months / 3.0, 0.0)
        base_st = np.array([
            short_term_liabilities_factor({k: float(reserves[k][c]) for k in FACTOR_ITEMS},
                                          factors, expense_add_on=float(add_on[c])).total
            for c in range(n + 1)])
        # the add-on grows by the stressed expenses' increase over the h months and never
        # falls (expenses are sticky in the short term)
        more = np.maximum(delta[:, :, LINE["expenses"], :h].sum(axis=2), 0.0)
        d_st = more * opt.add_on_months / 3.0 + pay_cum[:, :, h - 1]
        # UPR and ALR of the policies still in force in month h (the others' are paid in
        # pay_cum); OCS and IBNR with the deficiency; the factors of the shocks started by h
        k_st = _at_start(_started(stf, h), n_s, n)
        stressed = {"upr": base.upr[None, :n] * vol[:, :, h - 1],
                    "alr": base.alr[None, :n] * vol[:, :, h - 1],
                    "ocs": base.ocs[None, :n] * deficiency[:, :, h - 1],
                    "ibnr": base.ibnr[None, :n] * deficiency[:, :, h - 1],
                    "other_liabilities": np.broadcast_to(other[None, :n], (n_s, n))}
        for item in FACTOR_ITEMS:
            a_i = float(factors[item])
            d_st = d_st + (stressed[item] * np.minimum(1.0, a_i * k_st)
                           - reserves[item][None, :n] * a_i)
        st = base_st[None] + with_prog(d_st[:, :, None])[:, :, 0]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            fac[:, :, j] = np.where(base.allocated[None] & (st != 0),
                                    numerator_h[:, :, j] / st, np.nan)
    # survival: losses of value after month 1 leave the resources in their month
    start_numerator = losses.numerator[:, :, 0]
    later = np.zeros_like(losses.numerator)
    later[:, :, 1:] = losses.numerator[:, :, :-1] - losses.numerator[:, :, 1:]
    surv = survival(start_numerator, np.zeros_like(start_numerator), inflows, outflows + later)
    held = base.allocated[None]  # a column without assets has no survival horizon
    surv_horizon = np.where(held, surv.horizon, np.nan)
    surv_shortfall = np.where(held, surv.shortfall, np.nan)
    surv_month = np.where(held, surv.shortfall_month, np.nan)
    # solvency, a one-year view (module docstring)
    y = min(int(opt.solvency_months), months)
    vol_e = phi[:, :, None] + (1.0 - phi[:, :, None]) * vol
    kept_prem = _premiums(g[:, LINE["premiums"]], vol, rows, partners, by_partner, delays=False)
    cost_p = (
        (occ[None] * vol * (claims_f - 1.0) + np.where(has_life[None, :, None], 0.0, addon)
         + cat_amount)[:, :, :y].sum(axis=2)
        + (life_death[None] * vol * (claims_f - 1.0)
           + np.where(has_life[None, :, None], addon, 0.0))[:, :, :y].sum(axis=2)
        + (g[None, :, LINE["expenses"]] * vol_e * (exp_f - 1.0))[:, :, :y].sum(axis=2)
        + exp_added[:, :, :y].sum(axis=2)
        - (kept_prem - g[None, :, LINE["premiums"]] * vol)[:, :, :y].sum(axis=2)
        - (reins_kept - base.reinsurance[None, :n])[:, :, :y].sum(axis=2)
        - d_grants[:, :, :y].sum(axis=2))
    cost = with_prog(cost_p[:, :, None])[:, :, 0]
    paid = with_prog(payout[:, :, :y].sum(axis=2)[:, :, None])[:, :, 0]
    released = with_prog(released_m[:, :, :y].sum(axis=2)[:, :, None])[:, :, 0]
    kept = _at_start(_started(get("reinsurer_default"), y), n_s, n, share=True)
    reins_loss = with_prog(((1.0 - kept) * base.reinsurance_recoverable[None, :n])[:, :, None]
                           )[:, :, 0]
    strengthening = with_prog(((deficiency[:, :, y - 1] - 1.0)
                               * (base.ocs + base.ibnr)[None, :n])[:, :, None])[:, :, 0]
    assets = (base.admitted_assets[None] - losses.admitted[:, :, y - 1] - reins_loss - cost
              - paid)
    liabilities = base.liabilities[None] + strengthening - released
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        solv = np.where(base.allocated[None] & (liabilities != 0), assets / liabilities,
                        np.nan)
    return {
        "liquidity_ratio": liq, "factor_ratio": fac, "net_liquidity_ratio": net,
        "outflows": cum_out, "liquid_assets": start_numerator,
        "survival_horizon": surv_horizon, "shortfall": surv_shortfall,
        "shortfall_month": surv_month, "solvency_ratio": solv,
        "surplus": assets - liabilities,
    }


def run_stress(base: StressBase, scenarios: Sequence[Scenario], options: StressOptions,
               *, sum_at_risk: np.ndarray | None = None, progress=None,
               with_base: bool = True) -> StressResult:
    """Every scenario's metrics on the base position, in chunks of ``options.chunk_scenarios``.

    Parameters
    ----------
    base : StressBase
        The position of a stored close (``reserva.projection.stress_base``).
    scenarios : sequence of Scenario
        The scenarios (``reserva.io.scenarios``), in the order of the results.
    options : StressOptions
        Horizons, thresholds, chunk size and the liquidity factors.
    sum_at_risk : ndarray [column, month], optional
        Sums at risk in force by month for ``mortality_addon`` (default: the base's).
    progress : callable(done, total), optional
        Called after each chunk.
    with_base : bool
        Also compute the unshocked base (``StressResult.base``, which ``frame()`` compares
        with); False for a caller that reads only the metrics (the reverse-stress search, which
        evaluates many scaled scenarios), leaving ``base`` and the notes empty.

    Raises
    ------
    InputError
        A shock names a counterparty the run's cashflows cannot be split by.
    AssumptionError
        A horizon beyond the run's projected months.
    """
    scenarios = tuple(scenarios)
    _check_rows(scenarios, base.partners)
    if not scenarios:
        raise ArgumentError.bad("scenarios", 0, "at least one scenario",
                                summary="no scenarios to run: the scenario file has no rows")
    sar = base.sum_at_risk if sum_at_risk is None else sum_at_risk
    if sar is None:
        sar = np.zeros((len(base.products) + 1, base.months))
    size = max(int(options.chunk_scenarios), 1)
    parts = []
    for lo in range(0, len(scenarios), size):
        parts.append(_chunk(base, scenarios[lo:lo + size], options, sar))
        if progress is not None:
            progress(min(lo + size, len(scenarios)), len(scenarios))
    values = {k: np.concatenate([p[k] for p in parts], axis=0) for k in METRICS}
    unshocked, notes = {}, ()
    if with_base:
        unshocked = {k: v[0] for k, v in _chunk(
            base, (Scenario("base", "base", "both", "base", ()),), options, sar).items()}
        notes = _notes(base, scenarios)
    return StressResult(scenarios, base.columns, tuple(int(h) for h in options.horizons),
                        base.months, values, unshocked, options.liquidity_threshold,
                        options.solvency_threshold, tuple(bool(x) for x in base.allocated),
                        notes)


def scaled(scenario: Scenario, k: float) -> Scenario:
    """The scenario with every shock's size times ``k`` (reverse stress): a multiplier ``v`` ->
    ``1 + (v - 1) k``, a share -> ``min(1, v k)``, months -> ``round(v k)``, an amount, pp or bp
    -> ``v k``; each held within the bounds of a scenario file (``reserva.io.scenarios``)."""
    out = []
    for sh in scenario.shocks:
        if sh.shock_type == "none":
            out.append(sh)
            continue
        v = float(sh.value)
        if sh.unit == "multiplier":
            nv = min(max(1.0 + (v - 1.0) * k, 0.0), MAX_MULTIPLIER)
        elif sh.unit == "share":
            nv = min(v * k, 1.0)
        elif sh.unit == "months":
            nv = float(min(round(v * k), MAX_MONTHS))
        elif sh.unit == "bp":
            nv = min(max(v * k, -MAX_BP), MAX_BP)
        elif sh.unit == "amount":
            nv = min(v * k, MAX_AMOUNT)
        else:
            nv = v * k
        out.append(replace(sh, value=nv))
    return replace(scenario, scenario_id=f"{scenario.scenario_id}*{k:g}", shocks=tuple(out))

