"""The forward projection of a programme: its business plan, period by period, under many
scenarios at once, with management actions.

Spec §1.3-1.11 (the data sheet's statements and ratios); the FCT / ORSA practice of the issue
(base = the business plan, adverse scenarios, corrective management actions). Every scenario
starts from one ``PlanBase`` (the close's position and its in-force run-off,
``reserva.projection.plan_base``) and is projected month by month, vectorised over the scenario
axis; months are summed into periods of ``period_months`` (3 or 12). Columns ``c = 0 .. n``:
the products, then what no product holds (``n``: assets and liabilities of no product, the
overheads); the programme ``ALL`` is their sum.

Notation: month ``m = 0 .. M - 1`` (month 1 of the close's grid is m = 0), product ``p``,
``x w_m`` a shock's share in month m (``reserva.projection.stress.weights``).

Business written. In month m a product writes, at the base tariff,

    renewals   B^R_m = rho'_m (E^IF_m a_m + E^N_m)      rho' = clip(1 - k (1 - rho), 0, 1)
    new        B^N_m = nu P0 (1 + g)^(m / 12) f^NB_m (1 - stop)
    sales      B^S_m = new_business.csv's monthly_premium in its first ``months`` months
               x f^NB_m (1 - stop), written for that file's term_months with its
               commission_rate (the other two for plan.csv's term and commission)

``E^IF`` the premium of the policies in force whose cover runs out in month m (the grid's
``expiring_premium``), ``E^N`` that of the business the projection wrote (a cohort written in
month j with term n expires into month j + n with its survivors' premium ``S_(n-1) B``),
``a_m`` the share not lost to a mass lapse, ``rho`` plan.csv's renewal rate and ``k`` a
``lapse_rate`` multiplier, ``nu`` plan.csv's new-business rate, ``P0`` the close period's
written premium a month (P03 / period months), ``g`` the growth rate, ``f^NB`` a
``new_business`` multiplier and ``stop`` a ``new_business_stop`` action's share. The premium
written is ``W_m = (B^R_m + B^N_m) tau_m (1 - x^sf_m)``: ``tau`` the tariff factor of the
actions, ``x^sf`` a ``premium_shortfall`` (premium never collected: cover kept, premium lost).

Cohorts. A premium W written in month j for ``n`` = plan.csv's term earns over months j ..
j + n - 1 with the survivors ``S_k = (1 - u)^k`` (``u = 1 - (1 - lapse)^(1/12)``, the grid's):
earned ``W S_k / n``; at the end of month k < n - 1 the lapses' unearned premium ``W (S_k -
S_(k+1)) (n - k - 1) / n`` is refunded (share ``r``, the refund rule's factor) or earned at once
(the rest). Claims occur at ``L B S_k / n x kept`` (``L`` the projection.csv loss ratio, or the
in-force's own ratio of claims to earned premium on the frequency x severity basis; ``kept`` a
``benefit_cap``), variable expenses at ``e W S_k / n`` (projection.csv's expense ratio),
commission ``c W`` when written (plan.csv).

Business in force (the close's grid, x ``a_m``): instalments of premiums already written
(``premiums``: collected from the receivable; life kinds: written as they fall due), the UPR
released in proportion to the grid's earned premium and refunds (``UPR^IF_(m+1) = UPR^IF_m (1
- (earned_m + refunds_m) / R_m)``, ``R_m`` what remains of both from m; the refunds paid), the
claims occurred, expenses, commissions, deaths, maturities and savings withdrawals; the OCS and
IBNR of the close paid by the grid's run-off; the other liabilities by their due dates.

Claims. The month's claims occurred (in force and cohorts, x the ``claims_frequency`` and
``claims_severity`` factors, plus ``catastrophe_claims``, plus the death benefits of the life
contracts in force, which leave the ALR when they occur) are reported by plan.csv's reporting
pattern and paid by projection.csv's settlement pattern (lag 0 = the month of occurrence):
IBNR += occurred - reported, OCS += reported - paid. A ``reserve_deficiency`` raises the
close's OCS and IBNR from its start month (the increase incurred then, paid with their
run-off); ``mortality_addon`` adds ``pp / 100 / 12 x w_m x`` the sum at risk to the death
benefits.

ALR. ``ALR_(m+1) = max(0, (ALR_m + P^life_m - X^life_m - D_m - Mat_m - Wd_m) (1 + i)^(1/12))``
per product (``i`` projection.csv's interest rate; ``P^life`` the premium earned and
``X^life`` the grid's expenses of the kinds projected on ``life``, whose premiums, due as the
grid says, are written when due and earned over plan.csv's term like a cohort, with no claims
or expenses of their own): the reserve's own recursion on the projected cashflows (Dickson, Hardy &
Waters, AMLCR §7.5), equal to the prospective reserve when premium and projection bases agree.
A ``mass_lapse`` surrenders ``x`` of the ALR at its start, a ``savings_withdrawals`` factor
scales the withdrawals.

Reinsurance. Quota share ``q = min(1, plan.csv's ceded_share + the actions' shares)``: ``q``
of the month's earned premium ceded (paid), ``q`` of the month's claims occurred recoverable
(an admitted asset) and received as they are paid; P21 = ceded - recoverable occurred (+ what
a ``reinsurer_default`` writes off: from its start month, a permanent step, ``x`` of the
recoverable and of the recoveries still due, and ``x`` of the claims ceded after it are not
booked as recoverable).

Expenses. P18 = (the in-force's and cohorts' variable expenses + the fixed expenses ``phi X0
(1 + infl)^(m/12)``) x the ``expenses`` factor x (1 - the actions' cut), ``X0`` the close
period's P17 + P18 + P20 a month, ``phi`` plan.csv's fixed share (all of it for the overheads of
no product). P19: commissions.

Assets. One pot per column, at its opening mix (rebalanced each month): income ``A_m ((1 +
y)^(1/12) - 1)`` on the pot at the month's end, after its cashflows, with ``y`` the column's yield (asset_yields.csv by class, weighted by the
close's positions; + a ``rate_shift`` times the share of the column's assets it hits, from its
start); an ``asset_haircut`` or ``issuer_default`` at its start takes ``x`` times the hit
groups' share of the column's assets (a ``rate_shift`` its duration loss) into P08, never from
a pot in debt. A column that held no asset at the close (its pot is what its business brings
in) is held at the programme's mix: its cash, convertible and liquid shares, its yield and the
share of it an asset shock on its kind (or ``ALL``) hits are the programme's. Cash in: premiums collected, instalments,
recoveries, grants (the close's run rate in months 1 .. 12, x a ``grant_stop``), injections,
income; out: claims, benefits, refunds, expenses, commissions, ceded premium, other
liabilities.

Statements per period (sums of its months; balances at its end): P03 = W - refunds - the
instalments never collected, P04 = the change of the UPR, P02 = P03 - P04, P08 investment
income, P05 = P08, P12 = claims, deaths, maturities, withdrawals and surrenders paid, P13, P14,
P15 the changes of IBNR, OCS and ALR, P11 = P12 + P13 + P14 + P15, P18, P19, P21, P16 = P18 +
P19 + P21, P28 = P02 + P05 - P11 - P16, P35 grants, P37 = P28 + P35; B01 = the pot + the
recoverable, B05 = the receivable + the close's other non-admitted assets, B14, B17, B20, B23,
B21 + B25 + B29 the other liabilities (kept in their opening proportions), capital = B01 + B05
- liabilities; then ``capital_t = capital_(t-1) + P37_t + injections_t`` and every reserve
rolls forward (opening + flows = closing) by construction, checked by the tests.

Ratios: solvency B01 / L (L = reserves + other liabilities), surplus B01 - L, the 3-month
liquidity ratio (cash and convertible at the opening share of the pot) / (the position's
outflows due in the next 3 months: claims of the claims occurred so far and of those the
business in force will have in those months, benefits, refunds, expenses, commissions and
other liabilities, no new business), claims P11 / P02, expenses P16 / P02, net income P28 /
P02, growth P03_t / P03_(t-1) - 1 (t = 1: against the close), renewal B^R / (the premium
expiring).

Management actions: ``reserva.io.actions`` (triggers at each period's end, t = 0 the close;
effects in the months of the periods they apply to). A ``capital_injection`` by ratio brings the
scope's solvency ratio at the end of period a - 1 to ``x``.

Shock types without an effect here (``premium_delay``, ``faster_settlement``,
``reinsurance_delay``, ``short_term_factor``, ``expense_fixed_share``): timing within a period
or the stress check's own methods; ``run_plan`` names them in its notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from reserva.errors import ArgumentError
from reserva.io.actions import Action
from reserva.io.scenarios import Scenario
from reserva.projection.plan_base import PlanBase
from reserva.projection.stress import weights
from reserva.vocab import PROGRAMME

__all__ = ["BALANCE_ITEMS", "FLOW_ITEMS", "ITEMS", "RATIO_ITEMS", "PlanOptions", "PlanResult",
           "run_plan"]

# summed over a period's months
FLOW_ITEMS = ("P03", "P04", "P02", "P08", "P05", "P12", "P13", "P14", "P15", "P11", "P18",
              "P19", "P21", "P16", "P28", "P35", "P37", "injections", "claims_occurred",
              "renewed_premium", "expiring_premium")
# at the period's end
BALANCE_ITEMS = ("B01", "B02", "B03", "B04", "B05", "B14", "B17", "B20", "B21", "B23", "B25",
                 "B29", "liabilities", "surplus", "capital", "short_outflows", "liquid")
RATIO_ITEMS = ("solvency_ratio", "liquidity_ratio", "incurred_claims_ratio",
               "incurred_expense_ratio", "net_income_ratio", "growth_ratio", "renewal_ratio")
ITEMS = FLOW_ITEMS + BALANCE_ITEMS + RATIO_ITEMS
IX = {k: i for i, k in enumerate(ITEMS)}
NO_EFFECT = ("premium_delay", "faster_settlement", "reinsurance_delay", "short_term_factor",
             "expense_fixed_share")
LIQUIDITY_MONTHS = 3  # the handbook's horizon (E2 L3168)


@dataclass(frozen=True)
class PlanOptions:
    """How far and by what step; the thresholds of the verdict; the chunk size."""

    period_months: int = 3
    periods: int = 20
    internal_target: float = 1.2
    regulatory_minimum: float = 1.0
    liquidity_threshold: float = 1.0
    expense_inflation: float = 0.0
    chunk_scenarios: int = 250

    @classmethod
    def from_set(cls, a, *, years: int | None = None, period_months: int | None = None
                 ) -> PlanOptions:
        f = a.settings.forecast
        pm = int(period_months or f.period_months)
        if pm not in (3, 12):
            raise ArgumentError.bad("period", pm, "quarter (3 months) or year (12 months)")
        y = f.years if years is None else int(years)
        if not 0 <= y <= 10:
            raise ArgumentError.bad("years", y, "a whole number of years from 0 to 10")
        return cls(period_months=pm, periods=y * 12 // pm,
                   internal_target=f.internal_target, regulatory_minimum=f.regulatory_minimum,
                   liquidity_threshold=f.liquidity_threshold,
                   expense_inflation=f.expense_inflation, chunk_scenarios=f.chunk_scenarios)


@dataclass(frozen=True)
class PlanResult:
    """Per scenario, column (products then ``ALL``), period t = 0 .. T (0 = the close) and item
    of ``ITEMS``: ``values``; the action events; the notes."""

    products: tuple[str, ...]
    scenario_ids: tuple[str, ...]
    severities: tuple[str, ...]
    period_months: int
    values: np.ndarray  # [scenario, column, period, item]
    events: tuple[tuple[str, str, str, int, int, int, float], ...]
    # (scenario, action_id, product_kind, fired at t, first period, last period, injected):
    # one row when an action fires (injected 0) and one per injection it makes (fired -1,
    # first = last = the period of the injection, injected the amount)
    options: PlanOptions
    notes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.products, PROGRAMME)

    def item(self, name: str) -> np.ndarray:
        """[scenario, column, period] of one item."""
        return self.values[:, :, :, IX[name]]


# ---------------------------------------------------------------------------------------------
# the shocks of a chunk as [scenario, product, month] arrays


class _Shocks:
    """Factors and amounts of a chunk's scenarios by shock type."""

    def __init__(self, scenarios: Sequence[Scenario], kinds: Sequence[str], months: int):
        self.n_s, self.n, self.months = len(scenarios), len(kinds), months
        self.kinds = np.asarray(kinds, dtype=object)
        self.rows: dict[str, list[tuple[int, np.ndarray, np.ndarray, object]]] = {}
        for i, sc in enumerate(scenarios):
            for sh in sc.shocks:
                if sh.shock_type == "none":
                    continue
                mask = (np.ones(self.n, bool) if sh.product_kind == PROGRAMME
                        else self.kinds == sh.product_kind)
                self.rows.setdefault(sh.shock_type, []).append(
                    (i, mask, weights(sh, months), sh))

    def factor(self, t: str, *, share: bool = False, unit: str | None = None) -> np.ndarray:
        """[s, p, m]: the product of ``1 + (k - 1) w`` (``1 - x w`` for shares)."""
        f = np.ones((self.n_s, self.n, self.months))
        for i, mask, w, sh in self.rows.get(t, ()):
            if unit is not None and sh.unit != unit:
                continue
            term = (1.0 - sh.value * w) if share else (1.0 + (sh.value - 1.0) * w)
            f[i, mask] *= np.clip(term, 0.0, None)[None, :]
        return f

    def programme_factor(self, t: str, unit: str, *, share: bool = True) -> np.ndarray:
        """[s, m]: ``1 - x w`` (or ``1 + (k - 1) w``) of the rows on every product (``ALL``),
        for what no product holds."""
        f = np.ones((self.n_s, self.months))
        for i, _mask, w, sh in self.rows.get(t, ()):
            if sh.product_kind == PROGRAMME and sh.unit == unit:
                term = (1.0 - sh.value * w) if share else (1.0 + (sh.value - 1.0) * w)
                f[i] *= np.clip(term, 0.0, None)
        return f

    def amount(self, t: str, base: np.ndarray, unit: str = "amount", *,
               total: bool = False) -> np.ndarray:
        """[s, p, m]: amounts by weight, shared by ``base`` [p]: ``value x w_m`` a month, or
        (``total``) the value spread over the months by the weights (all in the start month
        without a duration)."""
        out = np.zeros((self.n_s, self.n, self.months))
        for i, mask, w, sh in self.rows.get(t, ()):
            if sh.unit != unit:
                continue
            share = np.where(mask, base, 0.0)
            tot = share.sum()
            share = share / tot if tot > 0 else mask / max(mask.sum(), 1)
            ww = w
            if total:
                ww = (w / w.sum() if sh.duration_months is not None and w.sum() > 0 else
                      np.where(np.arange(self.months) == sh.start_month - 1, 1.0, 0.0))
            out[i] += share[:, None] * sh.value * ww[None, :]
        return out

    def at_start(self, t: str) -> list[tuple[int, np.ndarray, int, object]]:
        """(scenario, product mask, start month index, shock) of each row of a type."""
        return [(i, mask, sh.start_month - 1, sh) for i, mask, _w, sh in self.rows.get(t, ())]


# ---------------------------------------------------------------------------------------------
# actions


@dataclass
class _ActionState:
    armed: np.ndarray  # [s] bool
    count: np.ndarray  # [s] consecutive periods held
    first: np.ndarray  # [s] first period of application (-1: none)
    last: np.ndarray  # [s] last period of application
    fired: np.ndarray  # [s] bool: fired before (``once``)


def _scope(action: Action, kinds: Sequence[str]) -> np.ndarray:
    """[column] bool: the products of the action's kind (ALL: every column)."""
    n = len(kinds)
    if action.product_kind == PROGRAMME:
        return np.ones(n + 1, bool)
    return np.append(np.asarray(kinds, dtype=object) == action.product_kind, False)


def _condition(action: Action, fig: dict[str, np.ndarray], scope: np.ndarray) -> np.ndarray:
    """C_t per scenario on the scope's figures of the period (``fig``: item -> [s, c])."""
    def tot(k):
        return fig[k][:, scope].sum(axis=1)

    with np.errstate(divide="ignore", invalid="ignore"):
        th = action.threshold
        if action.trigger == "always":
            return np.ones(fig["P02"].shape[0], bool)
        if action.trigger == "loss_ratio_above":
            v = tot("P11") / tot("P02")
            return np.where(tot("P02") != 0, v > th, False)
        if action.trigger == "combined_ratio_above":
            v = (tot("P11") + tot("P16")) / tot("P02")
            return np.where(tot("P02") != 0, v > th, False)
        if action.trigger == "solvency_below":
            v = tot("B01") / tot("liabilities")
            return np.where(tot("liabilities") != 0, v < th, False)
        if action.trigger == "liquidity_below":
            v = tot("liquid") / tot("short_outflows")
            return np.where(tot("short_outflows") != 0, v < th, False)
        if action.trigger == "surplus_below":
            return tot("surplus") < th
    raise ArgumentError.bad("trigger", action.trigger, "a trigger of the actions' registry")


def _step_actions(actions, states, scopes, fig, t: int, periods: int, events, sids):
    """End of period t: arm again, count, fire (``reserva.io.actions``)."""
    for a, (act, st) in enumerate(zip(actions, states, strict=True)):
        # an action whose last period of application ended at t is armed again (not once)
        ended = (st.first >= 0) & (st.last == t)
        again = ended & ~np.asarray(act.once)
        st.armed |= again
        st.count[again] = 0
        st.first[ended] = -1
        cond = _condition(act, fig, scopes[a])
        st.count = np.where(st.armed & cond, st.count + 1, 0)
        fire = st.armed & (st.count >= act.periods)
        if not fire.any():
            continue
        lo = t + act.lag_periods + 1
        hi = periods if act.duration_periods is None else t + act.lag_periods + act.duration_periods
        for s in np.flatnonzero(fire):
            if lo <= periods:
                events.append([sids[s], act.action_id, act.product_kind, t, lo,
                               min(hi, periods), 0.0])
        st.first[fire] = lo if lo <= periods else -1
        st.last[fire] = hi if act.duration_periods is not None else 10**9
        st.armed[fire] = False
        st.fired |= fire
        st.count[fire] = 0


# ---------------------------------------------------------------------------------------------


def _profiles(base: PlanBase, terms: np.ndarray, instalments: np.ndarray) -> tuple:
    """Per product, for a unit premium written for ``terms[p]`` months in ``instalments[p]``
    equal premiums paid in advance: earned-by-exposure [k], forfeited-earned [k], refunded [k]
    (k = 0 .. n-1), the months and shares of the premiums written (the survivors pay) and the
    survivors' share at expiry. A lapse at the end of month k leaves unearned what was paid
    beyond month k: ``paid_k - (k + 1) / n`` of the premium."""
    earn, forf, ref, when, paid, surv_end = [], [], [], [], [], np.zeros(len(base.products))
    for p in range(len(base.products)):
        n, k = int(terms[p]), max(int(instalments[p]), 1)
        u = 1.0 - (1.0 - base.lapse_rate[p]) ** (1.0 / 12.0)
        s = (1.0 - u) ** np.arange(n + 1)
        due = (np.arange(k) * n) // k
        share_paid = np.searchsorted(due, np.arange(n), side="right") / k  # paid by month t
        lapse_unearned = np.zeros(n)
        t = np.arange(n - 1)
        lapse_unearned[:n - 1] = (s[:n - 1] - s[1:n]) * np.maximum(
            share_paid[:n - 1] - (t + 1) / n, 0.0)
        r = base.refund_factor[p]
        earn.append(s[:n] / n)
        forf.append((1.0 - r) * lapse_unearned)
        ref.append(r * lapse_unearned)
        when.append(due)
        paid.append(s[due] / k)
        surv_end[p] = s[n - 1]
    return earn, forf, ref, when, paid, surv_end


def run_plan(base: PlanBase, scenarios: Sequence[Scenario], actions: Sequence[Action],
             options: PlanOptions, *, progress: Callable[[int], None] | None = None
             ) -> PlanResult:
    """Project every scenario (module docstring), chunk by chunk.

    Parameters
    ----------
    base : PlanBase
        The close's position and run-off and the plan's rates.
    scenarios : sequence of Scenario
        The scenarios (a scenario without shocks is the business plan itself).
    actions : sequence of Action
        The management actions applied in every scenario.
    options : PlanOptions
        Period, number of periods, thresholds, chunk size.
    progress : callable, optional
        Called with the number of scenarios done after each chunk.
    """
    if not scenarios:
        raise ArgumentError.bad("scenarios", "", "at least one scenario")
    k = max(1, int(options.chunk_scenarios))
    parts, events = [], []
    for lo in range(0, len(scenarios), k):
        chunk = scenarios[lo:lo + k]
        v, ev = _chunk(base, chunk, actions, options)
        parts.append(v)
        events.extend(ev)
        if progress is not None:
            progress(len(chunk))
    notes = sorted({f"shock {sh.shock_type} of scenario {sc.scenario_id} has no effect on a "
                    "projection by periods (timing within a period, or the stress check's own "
                    "method): left out" for sc in scenarios for sh in sc.shocks
                    if sh.shock_type in NO_EFFECT})
    return PlanResult(
        products=base.products, scenario_ids=tuple(s.scenario_id for s in scenarios),
        severities=tuple(s.severity for s in scenarios), period_months=options.period_months,
        values=np.concatenate(parts, axis=0),
        events=tuple(tuple(e) for e in events), options=options, notes=tuple(notes))


def _chunk(base: PlanBase, scenarios: Sequence[Scenario], actions: Sequence[Action],
           opt: PlanOptions):
    n_s, n = len(scenarios), len(base.products)
    nc = n + 1
    dm, T = opt.period_months, opt.periods
    months = T * dm + LIQUIDITY_MONTHS
    H = base.months
    lags = max(base.settlement.shape[1], base.reporting.shape[1])
    terms = int(max(base.term.max(), base.nb_term.max())) if n else 1
    ones = np.ones(n, np.int64)
    pad = months + terms + lags + 2
    sids = [s.scenario_id for s in scenarios]

    def line(x: np.ndarray) -> np.ndarray:
        """[p or c, H] -> [p or c, months] (zeros after the grid's horizon)."""
        out = np.zeros((x.shape[0], months))
        w = min(H, months)
        out[:, :w] = x[:, :w]
        return out

    if_prem, if_occ = line(base.premiums), line(base.occurred)
    if_exp, if_comm, if_ref = line(base.expenses), line(base.commissions), line(base.refunds)
    if_death, if_mat, if_wd = line(base.deaths), line(base.maturities), line(base.withdrawals)
    if_ocs, if_ibnr, if_exp_prem = line(base.ocs_paid), line(base.ibnr_paid), line(base.expiring)
    other_paid, grants = line(base.other_paid), line(base.grants)
    # new_business.csv's sales: in their own first months, whatever the grid's horizon
    nb_fixed = np.zeros((n, months))
    k_nb = min(base.nb_fixed.shape[1], months)
    nb_fixed[:, :k_nb] = base.nb_fixed[:, :k_nb]
    sar = None if base.sum_at_risk is None else line(base.sum_at_risk)
    # the in-force UPR released with the grid's earned premium and refunds (x upr_scale); one
    # with nothing left to earn on the grid runs off evenly over a year
    c_upr = base.upr_scale
    none = c_upr <= 0
    if_ref_c = if_ref * c_upr[:, None]
    if_rel_c = (line(base.earned) + if_ref) * c_upr[:, None]
    life = base.life
    # life kinds whose terms are not on the grid: their premiums are earned as cohorts
    life_cohort = life & none
    life_ix = np.flatnonzero(life_cohort)
    has_life = bool(life_ix.size)

    sh = _Shocks(scenarios, base.kinds, months)
    f_claims = sh.factor("claims_frequency") * sh.factor("claims_severity")
    cat = sh.amount("catastrophe_claims", np.asarray(base.occurred)[:, :12].sum(axis=1),
                    total=True)
    f_nb = sh.factor("new_business")
    f_exp = sh.factor("expenses", unit="multiplier")
    f_exp_all = sh.programme_factor("expenses", "multiplier", share=False)
    exp_add = sh.amount("expenses", np.asarray(base.expenses)[:, :12].sum(axis=1))
    f_sf = sh.factor("premium_shortfall", share=True)
    f_wd = sh.factor("savings_withdrawals", unit="multiplier")
    f_grant = sh.factor("grant_stop", share=True, unit="share")
    f_grant_all = sh.programme_factor("grant_stop", unit="share")
    grant_cut = sh.amount("grant_stop", np.asarray(base.grants)[:n, :12].sum(axis=1))
    f_lapse = sh.factor("lapse_rate")
    mort = np.zeros((n_s, n, months))
    if sar is not None:
        for i, mask, _w, shk in sh.rows.get("mortality_addon", ()):
            mort[i, mask] += shk.value / 100.0 / 12.0 * _w[None, :] * sar[mask]
    starts: dict[int, list] = {}
    for t in ("mass_lapse", "reserve_deficiency", "asset_haircut", "issuer_default",
              "rate_shift", "reinsurer_default", "savings_withdrawals"):
        for i, mask, m0, shk in sh.at_start(t):
            if t == "savings_withdrawals" and shk.unit != "share":
                continue
            starts.setdefault(m0, []).append((t, i, mask, shk))
    renew = np.clip(1.0 - f_lapse * (1.0 - base.renewal_rate[None, :, None]), 0.0, 1.0)
    ry = np.zeros((n_s, nc))  # rate shift of the yield, from its start

    # the plan's business (plan.csv's term and instalments), new_business.csv's sales (single
    # premiums for their own term) and each premium of the life contracts in force (earned over
    # its interval: the term / instalments)
    streams = (_profiles(base, base.term, base.instalments), _profiles(base, base.nb_term, ones),
               _profiles(base, np.maximum(base.term // np.maximum(base.instalments, 1), 1),
                         ones))
    # state [s, p] or [s, c]
    z = np.zeros
    inv = np.repeat(base.admitted[None], n_s, 0).astype(np.float64)
    recov = z((n_s, n))
    upr_if = np.repeat(base.upr[None], n_s, 0).astype(np.float64)
    upr_new = z((n_s, n))
    ocs_o = np.repeat(base.ocs[None], n_s, 0).astype(np.float64)
    ibnr_o = np.repeat(base.ibnr[None], n_s, 0).astype(np.float64)
    ocs_n, ibnr_n = z((n_s, n)), z((n_s, n))
    alr = np.repeat(base.alr[None], n_s, 0).astype(np.float64)
    other = np.repeat(base.other[None], n_s, 0).astype(np.float64)
    alive = np.ones((n_s, n))
    scale_ocs, scale_ibnr = np.ones((n_s, n)), np.ones((n_s, n))
    ri_ok = np.ones((n_s, n))
    # the future of the business written and of the claims occurred [s, p, month]
    earn_f, forf_f, ref_f = z((n_s, n, pad)), z((n_s, n, pad)), z((n_s, n, pad))
    writ_f, comm_f = z((n_s, n, pad)), z((n_s, n, pad))  # premiums and commissions to come
    occ_f, exp_f, expire_f = z((n_s, n, pad)), z((n_s, n, pad)), z((n_s, n, pad))
    paid_f, rep_f, recov_f = z((n_s, n, pad)), z((n_s, n, pad)), z((n_s, n, pad))

    out = np.full((n_s, n + 1, T + 1, len(ITEMS)), np.nan)
    acc = {k: z((n_s, nc)) for k in FLOW_ITEMS}
    states = [_ActionState(np.ones(n_s, bool), z(n_s, np.int64), np.full(n_s, -1, np.int64),
                           np.full(n_s, -1, np.int64), z(n_s, bool)) for _ in actions]
    scopes = [_scope(a, base.kinds) for a in actions]
    events: list = []
    yield_m = (1.0 + base.yields) ** (1.0 / 12.0) - 1.0
    growth = (1.0 + base.growth_rate) ** (1.0 / 12.0)
    infl = (1.0 + opt.expense_inflation) ** (1.0 / 12.0)
    imonth = (1.0 + base.interest_rate) ** (1.0 / 12.0)
    P = np.arange(n)

    def balances() -> dict[str, np.ndarray]:
        """[s, c] balances now (product columns then the column of no product)."""
        b = {}
        pad1 = np.zeros((n_s, 1))
        rec = np.concatenate([recov, pad1], 1)
        b["B01"] = inv + rec
        b["B02"] = inv * base.cash_share
        b["B03"] = inv * base.convertible_share
        b["B04"] = inv * (1 - base.cash_share - base.convertible_share) + rec
        b["B05"] = np.repeat(base.non_admitted_other[None], n_s, 0).astype(np.float64)
        b["B14"] = np.concatenate([upr_if[:, :n] + upr_new, upr_if[:, n:]], 1)
        b["B17"] = np.concatenate([ibnr_o[:, :n] + ibnr_n, ibnr_o[:, n:]], 1)
        b["B20"] = np.concatenate([ocs_o[:, :n] + ocs_n, ocs_o[:, n:]], 1)
        b["B23"] = alr.copy()
        for code, share in zip(("B21", "B25", "B29"), base.other_split, strict=True):
            b[code] = other * share
        b["liabilities"] = b["B14"] + b["B17"] + b["B20"] + b["B23"] + other
        b["surplus"] = b["B01"] - b["liabilities"]
        b["capital"] = b["B01"] + b["B05"] - b["liabilities"]
        b["liquid"] = inv * base.liquid_share
        return b

    def short_outflows(m0: int) -> np.ndarray:
        """[s, c]: the position's outflows due in months m0 .. m0 + 2 (module docstring); at
        the close (m0 = 0) without the scenarios' shocks: period 0 is the close itself."""
        w = slice(m0, min(m0 + LIQUIDITY_MONTHS, months))
        tot = z((n_s, nc))
        # claims occurred so far, paid in the window
        tot[:, :n] += paid_f[:, :, w].sum(2)
        # claims the business in force will have in the window, paid in it
        occ_w = (if_occ[None, :, w] * alive[:, :, None] + occ_f[:, :, w]) * (
            f_claims[:, :, w] if m0 > 0 else 1.0)
        for lag in range(base.settlement.shape[1]):
            span = occ_w.shape[2] - lag
            if span > 0:
                tot[:, :n] += (occ_w[:, :, :span] * base.settlement[None, :, lag, None]).sum(2)
        inf = (if_exp[None, :, w] + if_comm[None, :, w] + if_ref[None, :, w]
               + if_death[None, :, w] + if_mat[None, :, w] + if_wd[None, :, w])
        tot[:, :n] += (inf * alive[:, :, None]).sum(2) + ref_f[:, :, w].sum(2) + exp_f[:, :, w].sum(2)
        tot[:, :n] += (if_ocs[None, :, w] * scale_ocs[:, :, None]).sum(2)
        tot[:, :n] += (if_ibnr[None, :, w] * scale_ibnr[:, :, None]).sum(2)
        tot += other_paid[None, :, w].sum(2)
        mm = np.arange(w.start, w.stop)
        tot += (base.fixed_month[None, :, None] * infl ** mm[None, None, :]).sum(2)
        return tot

    def record(t: int, b: dict, flows: dict, prev_p03: np.ndarray | None):
        """Write period t's row (products, ALL) of every item."""
        so = short_outflows(t * dm)
        vals = {**flows, **b, "short_outflows": so}
        for name in FLOW_ITEMS + BALANCE_ITEMS:
            x = vals[name]
            out[:, :n, t, IX[name]] = x[:, :n]
            out[:, n, t, IX[name]] = x.sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            def ratio(a, c):
                num, den = out[:, :, t, IX[a]], out[:, :, t, IX[c]]
                return np.where(den != 0, num / den, np.nan)
            out[:, :, t, IX["solvency_ratio"]] = ratio("B01", "liabilities")
            out[:, :, t, IX["liquidity_ratio"]] = ratio("liquid", "short_outflows")
            out[:, :, t, IX["incurred_claims_ratio"]] = ratio("P11", "P02")
            out[:, :, t, IX["incurred_expense_ratio"]] = ratio("P16", "P02")
            out[:, :, t, IX["net_income_ratio"]] = ratio("P28", "P02")
            out[:, :, t, IX["renewal_ratio"]] = ratio("renewed_premium", "expiring_premium")
            if prev_p03 is not None:
                cur = out[:, :, t, IX["P03"]]
                out[:, :, t, IX["growth_ratio"]] = np.where(prev_p03 != 0, cur / prev_p03 - 1,
                                                            np.nan)
        return vals

    # t = 0: the close
    b0 = balances()
    f0 = {k: np.repeat(base.close_flows[k][None], n_s, 0) if k in base.close_flows
          else z((n_s, nc)) for k in FLOW_ITEMS}
    fig = record(0, b0, f0, None)
    _step_actions(actions, states, scopes, fig, 0, T, events, sids)

    prev = b0
    for t in range(1, T + 1):
        acc = {k: z((n_s, nc)) for k in FLOW_ITEMS}
        tariff, kept, nbstop = (np.ones((n_s, n)) for _ in range(3))
        cut_c = np.ones((n_s, nc))
        ri = np.repeat(base.ceded_share[None], n_s, 0).astype(np.float64)
        # the actions applying in period t (injections at its start, on the position at t - 1)
        for a, (act, st) in enumerate(zip(actions, states, strict=True)):
            on = (st.first >= 0) & (st.first <= t) & (t <= st.last)
            if not on.any():
                continue
            sc = scopes[a]
            sel = on[:, None] & sc[None, :n]
            x = act.value
            if act.action == "tariff_change":
                tariff = np.where(sel, tariff * (1 + x), tariff)
            elif act.action == "benefit_cap":
                kept = np.where(sel, kept * x, kept)
            elif act.action == "expense_cut":
                cut_c = np.where(on[:, None] & sc[None, :], cut_c * (1 - x), cut_c)
            elif act.action == "new_business_stop":
                nbstop = np.where(sel, nbstop * (1 - x), nbstop)
            elif act.action == "reinsurance_share":
                ri = np.where(sel, np.minimum(ri + x, 1.0), ri)
            else:  # capital_injection, grant_injection
                if act.unit == "ratio":
                    need = np.maximum(0.0, x * fig["liabilities"][:, sc].sum(1)
                                      - fig["B01"][:, sc].sum(1)
                                      - acc["injections"][:, sc].sum(1))
                else:
                    need = np.full(n_s, float(x))
                need = np.where(on, need, 0.0)
                amt = need[:, None] * _split(act, sc, fig["liabilities"], n)
                acc["injections" if act.action == "capital_injection" else "P35"] += amt
                inv += amt
                for s_ in np.flatnonzero(need > 0):
                    events.append([sids[s_], act.action_id, act.product_kind, -1, t, t,
                                   float(need[s_])])
        for m in range((t - 1) * dm, t * dm):
            # shocks starting this month
            for kind, i, mask, shk in starts.get(m, ()):
                if kind == "mass_lapse":
                    x = shk.value
                    rel = upr_if[i, :n][mask] * x
                    r = base.refund_factor[mask]
                    acc["P03"][i, :n][mask] -= r * rel  # refunded: premium cancelled
                    inv[i, :n][mask] -= r * rel
                    upr_if[i, :n][mask] -= rel  # the rest earned at once
                    reln = upr_new[i][mask] * x
                    acc["P03"][i, :n][mask] -= r * reln
                    inv[i, :n][mask] -= r * reln
                    upr_new[i][mask] -= reln
                    for arr in (earn_f, forf_f, ref_f, occ_f, exp_f, expire_f, writ_f, comm_f):
                        arr[i][mask, m:] *= 1 - x
                    sur = alr[i, :n][mask] * x
                    acc["P12"][i, :n][mask] += sur
                    inv[i, :n][mask] -= sur
                    alr[i, :n][mask] -= sur
                    alive[i][mask] *= 1 - x
                elif kind == "savings_withdrawals":  # share of the savings taken at once
                    sav = base.withdrawal_rate > 0
                    hit = mask & sav
                    sur = alr[i, :n][hit] * shk.value
                    acc["P12"][i, :n][hit] += sur
                    inv[i, :n][hit] -= sur
                    alr[i, :n][hit] -= sur
                elif kind == "reserve_deficiency":
                    f = (1 + shk.value) if shk.unit == "share" else shk.value
                    ocs_o[i, :n][mask] *= f
                    ibnr_o[i, :n][mask] *= f
                    scale_ocs[i][mask] *= f
                    scale_ibnr[i][mask] *= f
                elif kind == "reinsurer_default":  # a permanent step from its start month
                    lost = recov[i][mask] * shk.value
                    recov[i][mask] -= lost
                    acc["P21"][i, :n][mask] += lost
                    recov_f[i][mask, m:] *= 1 - shk.value
                    ri_ok[i][mask] *= 1 - shk.value
                else:  # asset shocks: the hit groups' share of each column's assets
                    share, touched = base.asset_share(kind, shk)
                    if kind == "rate_shift":  # the hit assets' yield, from the start month
                        ry[i] += shk.value / 10_000.0 * touched
                    loss = np.maximum(inv[i], 0.0) * share  # a pot in debt holds no asset
                    acc["P08"][i] -= loss
                    inv[i] -= loss
            # business written this month
            g = growth ** m
            exp_if = if_exp_prem[None, :, m] * alive + expire_f[:, :, m]
            ren = renew[:, :, m] * exp_if
            vol = f_nb[:, :, m] * nbstop
            acc["renewed_premium"][:, :n] += ren
            acc["expiring_premium"][:, :n] += exp_if
            # two streams: the plan's (renewals and new business at its rate, plan.csv's term
            # and commission) and new_business.csv's sales (their own term and commission)
            for bw, terms_, rate, prof in (
                    (ren + base.nb_month[None, :] * g * vol, base.term, base.commission_rate,
                     streams[0]),
                    (nb_fixed[None, :, m] * vol, base.nb_term, base.nb_commission, streams[1])):
                if not bw.any():
                    continue
                w_ = bw * tariff * f_sf[:, :, m]
                earn_p, forf_p, ref_p, when, paid_p, surv_end = prof
                for p in P:
                    nt = int(terms_[p])
                    e = earn_p[p]
                    writ_f[:, p, m + when[p]] += w_[:, p, None] * paid_p[p]
                    comm_f[:, p, m + when[p]] += (w_[:, p] * rate[p])[:, None] * paid_p[p]
                    earn_f[:, p, m:m + nt] += w_[:, p, None] * e
                    forf_f[:, p, m:m + nt] += w_[:, p, None] * forf_p[p]
                    ref_f[:, p, m:m + nt] += w_[:, p, None] * ref_p[p]
                    occ_f[:, p, m:m + nt] += (bw[:, p] * base.loss_ratio[p]
                                              * kept[:, p])[:, None] * e
                    exp_f[:, p, m:m + nt] += (w_[:, p] * base.expense_ratio[p])[:, None] * e
                    expire_f[:, p, m + nt] += bw[:, p] * surv_end[p]
            # the premiums of the life contracts in force: written as they fall due and earned
            # over plan.csv's term like a cohort (no claims or expenses of their own: the
            # grid's deaths, maturities and expenses are theirs)
            inst = if_prem[None, :, m] * alive
            coll = inst * f_sf[:, :, m]
            if has_life:
                upr_new += np.where(life_cohort, coll, 0.0)
                earn_p, forf_p, ref_p, _w, _p, _s = streams[2]
                for p in life_ix:
                    nt = earn_p[p].size
                    earn_f[:, p, m:m + nt] += coll[:, p, None] * earn_p[p]
                    forf_f[:, p, m:m + nt] += coll[:, p, None] * forf_p[p]
                    ref_f[:, p, m:m + nt] += coll[:, p, None] * ref_p[p]
            # the premiums of the business written falling due now, and their commissions
            wn, cn = writ_f[:, :, m], comm_f[:, :, m]
            acc["P03"][:, :n] += wn
            upr_new += wn
            acc["P19"][:, :n] += cn
            inv[:, :n] += wn - cn
            # the instalments of the business in force, written as they fall due (life kinds:
            # above), then the UPR released with the grid's earned premium and refunds
            upr_if[:, :n] += np.where(life_cohort, 0.0, coll)
            if none.any() and m < 12:
                even = upr_if[:, :n] / (12 - m)
            else:
                even = 0.0
            rel = np.where(none, even, np.minimum(if_rel_c[None, :, m] * alive, upr_if[:, :n]))
            with np.errstate(divide="ignore", invalid="ignore"):
                rf_if = np.where(none, 0.0, np.where(
                    if_rel_c[None, :, m] > 0, rel * if_ref_c[None, :, m] / if_rel_c[None, :, m],
                    0.0))
            upr_if[:, :n] -= rel
            rf = ref_f[:, :, m]
            earned_new = earn_f[:, :, m] + forf_f[:, :, m]
            upr_new -= earned_new + rf
            acc["P03"][:, :n] -= rf_if + rf
            inv[:, :n] -= rf_if + rf
            earned = (rel - rf_if) + earned_new
            acc["P03"][:, :n] += coll
            inv[:, :n] += coll
            # claims occurred (the death benefits of the life contracts too), reported, paid
            deaths = (if_death[None, :, m] * f_claims[:, :, m] + mort[:, :, m]) * alive
            occ = ((if_occ[None, :, m] * alive + occ_f[:, :, m]) * f_claims[:, :, m]
                   + cat[:, :, m] + deaths)
            acc["claims_occurred"][:, :n] += occ
            for p in P:
                ls, lr = base.settlement[p], base.reporting[p]
                paid_f[:, p, m:m + ls.size] += occ[:, p, None] * ls
                rep_f[:, p, m:m + lr.size] += occ[:, p, None] * lr
                recov_f[:, p, m:m + ls.size] += (occ[:, p] * ri[:, p] * ri_ok[:, p])[:, None] * ls
            paid, rep = paid_f[:, :, m], rep_f[:, :, m]
            ibnr_n += occ - rep
            ocs_n += rep - paid
            op_o = if_ocs[None, :, m] * scale_ocs
            op_i = if_ibnr[None, :, m] * scale_ibnr
            op_o = np.minimum(op_o, np.maximum(ocs_o[:, :n], 0))
            op_i = np.minimum(op_i, np.maximum(ibnr_o[:, :n], 0))
            ocs_o[:, :n] -= op_o
            ibnr_o[:, :n] -= op_i
            mat = if_mat[None, :, m] * alive
            wd = if_wd[None, :, m] * alive * f_wd[:, :, m]
            cash_claims = paid + op_o + op_i + mat + wd
            acc["P12"][:, :n] += cash_claims
            inv[:, :n] -= cash_claims
            # ALR: the reserve's recursion on its own cashflows
            lp = np.where(life, earned, base.savings_share[None, :] * earned)
            lx = np.where(life, if_exp[None, :, m] * alive, 0.0)
            alr[:, :n] = np.maximum((alr[:, :n] + lp - lx - deaths - mat - wd) * imonth, 0.0)
            # reinsurance: ceded premium, recoverable, recoveries received
            ceded = ri * earned
            rec_occ = ri * occ * ri_ok  # what a defaulted reinsurer will not pay is not booked
            got = recov_f[:, :, m]
            recov += rec_occ - got
            acc["P21"][:, :n] += ceded - rec_occ
            inv[:, :n] += got - ceded
            # expenses and commissions of the business in force
            var = if_exp[None, :, m] * alive + exp_f[:, :, m]
            xp = z((n_s, nc))
            xp[:, :n] = (var * f_exp[:, :, m] + exp_add[:, :, m])
            xp += base.fixed_month[None, :] * infl ** m * np.concatenate(
                [f_exp[:, :, m], f_exp_all[:, None, m]], 1)
            xp *= cut_c
            acc["P18"] += xp
            inv -= xp
            cm = if_comm[None, :, m] * alive
            acc["P19"][:, :n] += cm
            inv[:, :n] -= cm
            # other liabilities, grants
            op = np.minimum(other_paid[None, :, m], np.maximum(other, 0.0))
            other -= op
            inv -= op
            gr = grants[None, :, m] * np.concatenate([f_grant[:, :, m], f_grant_all[:, None, m]], 1)
            gr[:, :n] = np.maximum(gr[:, :n] - grant_cut[:, :, m], 0.0)
            acc["P35"] += gr
            inv += gr
            # investment income on the pot at the month's end (after its cashflows)
            inc = inv * (yield_m[None, :] if not ry.any() else
                         (1.0 + base.yields[None, :] + ry) ** (1.0 / 12.0) - 1.0)
            acc["P08"] += inc
            inv += inc
        b = balances()
        flows = _period_flows(acc, prev, b)
        before = out[:, :, t - 1, IX["P03"]]
        if t == 1:  # the close's period may be shorter than a projected one
            before = before * dm / base.period_months
        fig = record(t, b, flows, before)
        _step_actions(actions, states, scopes, fig, t, T, events, sids)
        prev = b
    return out, events


def _split(action: Action, scope: np.ndarray, liabilities: np.ndarray, n: int) -> np.ndarray:
    """[s, c]: how an injection is shared (``reserva.io.actions``): ALL to the column of no
    product; a kind to its products by their liabilities (equal parts when all 0)."""
    n_s = liabilities.shape[0]
    if action.product_kind == PROGRAMME:
        out = np.zeros((n_s, n + 1))
        out[:, n] = 1.0
        return out
    li = liabilities * scope[None, :]
    tot = li.sum(1, keepdims=True)
    even = np.repeat((scope / max(scope.sum(), 1))[None, :], n_s, 0)
    return np.where(tot > 0, li / np.where(tot > 0, tot, 1.0), even)


def _period_flows(acc: dict, prev: dict, b: dict) -> dict:
    """The period's derived lines from its sums and the balances' changes."""
    f = dict(acc)
    f["P04"] = b["B14"] - prev["B14"]
    f["P02"] = f["P03"] - f["P04"]
    f["P13"] = b["B17"] - prev["B17"]
    f["P14"] = b["B20"] - prev["B20"]
    f["P15"] = b["B23"] - prev["B23"]
    f["P11"] = f["P12"] + f["P13"] + f["P14"] + f["P15"]
    f["P05"] = f["P08"]
    f["P16"] = f["P18"] + f["P19"] + f["P21"]
    f["P28"] = f["P02"] + f["P05"] - f["P11"] - f["P16"]
    f["P37"] = f["P28"] + f["P35"]
    return f
