"""The cashflow grid: projected monthly inflows and outflows of the business in force.

Spec §4.1 method 1 and §4.2 (E2 L3178-3206; Box 3, L713-751): "project expected claims and
expenses from in-force business, add projected cash flow from new business, and derive expected
cash outflows"; the same projection feeds the 3-month liquidity ratio and the ALM ladder.

Buckets. Month ``m = 0 .. H-1`` holds the days ``(e_m, e_{m+1}]`` with
``e_m = add_months(v + 1, m) - 1`` (``e_0 = v``, the valuation day; month ends stay month
ends: Sep 30 -> Oct 31 -> Nov 30). A line's amounts falling after ``e_H`` are put in month
``H - 1`` (the last month holds "at or after"), so every line keeps its total, except the life
contracts' deaths and maturities, which are projected to the horizon only.

Lines (``LINES``; inflows and outflows are kept apart, never netted):

policies in force (``policies`` table, products whose kind projects on ``exposure``): a policy
is in force when ``issue <= v`` (known at v), ``cancel > v`` and ``end > v``; cover runs over
the days ``s .. e`` (``T = e - s + 1``); the insured stay in force to month ``m`` with
``S_m = (1 - w)^m``, ``w = 1 - (1 - lapse_rate)^(1/12)`` (lapses at the months' ends).
With ``d_m`` = days of cover after v in month m:

    premiums          W / n x S_m   per instalment k >= 1 due on add_months(s, k x interval) in
                      (v, e] (k < n; instalment 0 is written at issue; a single premium is paid)
    commissions       commission / n x S_m   with each of those instalments
    claims occurred   S_m x loss_ratio x W x d_m / T                  (loss-ratio basis)
                      S_m x frequency x severity x d_m / days_per_year (frequency x severity)
    claims            claims occurred, paid by the settlement pattern (shares by month of lag,
                      lag 0 = the month of occurrence)
    expenses          S_m x expense_ratio x W x d_m / T  (expenses as the premium is earned)
    refunds           (S_m - S_{m+1}) x r x max(paid_m - W max(e_{m+1} + 1 - s, 0) / T, 0)  for the
                      months before the cover ends; ``paid_m`` = premium written by e_{m+1},
                      ``r`` = 1 for the pro-rata and data refund rules, 0 for ``none``

life contracts (``life_policies``, kinds projecting on ``life``): premiums, expenses, death
benefits and maturities of ``inforce.project_life`` on the contract's mortality table, and the
annuities of the pensions in payment (plan annuity: sum_insured a year in instalments at
premium_mode, in advance on their due dates, to the survivors);

    savings_withdrawals  B_m x u,  B_{m+1} = (B_m - B_m u)(1 + i)^(1/12),  u = 1 - (1 - withdrawal_rate)^(1/12)
                         from the savings balances at v (the ALR's accounts); what is left at
                         the horizon is in the last month
    ocs_runoff, ibnr_runoff  the unpaid-claims cashflows of the claims work, the OCS paid first
                         (reported claims settle before unreported ones): with ``U_m`` their
                         cumulative sum, ``ocs_m = min(U_m, OCS) - min(U_{m-1}, OCS)``,
                         ``ibnr_m = amount_m - ocs_m``; they add up to OCS and IBNR
    other_liabilities    the liabilities of the latest snapshot on or before v, by due date (a
                         due date on or before v is due now: month 0)
    new_business_premiums, new_business_outgo   optional sales of ``monthly_premium`` in each of
                         the first ``months`` months (single premiums), with claims
                         ``loss_ratio x P`` and expenses ``expense_ratio x P`` spread evenly over
                         ``term_months`` from the sale (claims then paid by the settlement
                         pattern) and commission ``commission_rate x P`` at the sale

Kept beside the lines (not cashflows; for the stress checks and the forward projection):
``claims_occurred`` and ``new_business_occurred`` (the claims before settlement),
``earned_premium`` ``S_m x W x d_m / T`` (the premium the survivors earn in month m) and
``expiring_premium`` ``S_m x W`` in the month m holding the cover's last day e (the premium of
the policies whose cover runs out then, the base of their renewals), both for every product,
those projected on ``life`` too (their terms in the policies table carry their UPR).

Memory: the kernels add every policy into totals by product, line and month; nothing is kept
per policy, so memory beyond the inputs is O(products x lines x H).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from reserva.calendar import DAY_COUNTS, add_months, whole_months
from reserva.errors import ComputationError
from reserva.vocab import PROGRAMME

LINES: tuple[tuple[str, str], ...] = (
    ("premiums", "in"),
    ("new_business_premiums", "in"),
    ("claims", "out"),
    ("expenses", "out"),
    ("commissions", "out"),
    ("refunds", "out"),
    ("death_benefits", "out"),
    ("maturities", "out"),
    ("annuities", "out"),
    ("savings_withdrawals", "out"),
    ("ocs_runoff", "out"),
    ("ibnr_runoff", "out"),
    ("other_liabilities", "out"),
    ("new_business_outgo", "out"),
)
LINE_NAMES = tuple(name for name, _ in LINES)
LINE = {name: k for k, name in enumerate(LINE_NAMES)}
INFLOW = np.array([d == "in" for _, d in LINES])
CLAIMS_BASES = ("loss_ratio", "frequency_severity")


@njit(cache=True)
def _edges(v, horizon):
    out = np.empty(horizon + 1, np.int64)
    for m in range(horizon + 1):
        out[m] = add_months(v + 1, m) - 1
    return out


def month_edges(valuation_day: int, horizon_months: int) -> np.ndarray:
    """``e_m = add_months(v + 1, m) - 1`` for m = 0..H: month m holds the days (e_m, e_{m+1}]."""
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise ComputationError(f"horizon_months {horizon_months!r}, expected an integer >= 1")
    return _edges(np.int64(valuation_day), int(horizon_months))


def month_of(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The month of each day (0 for days on or before v, H - 1 for days after the horizon)."""
    m = np.searchsorted(edges, np.asarray(days, np.int64), side="left") - 1
    return np.clip(m, 0, edges.size - 2)


@njit(cache=True)
def _policies_into(start, end, cancel, issue, written, commission, interval, n_inst, product,
                   use, lapse_m, freq_sev, loss_ratio, claim_cost_per_day, expense_ratio,
                   refund_factor, edges, premiums, commissions, occurred, expenses, refunds,
                   earned_out, expiring):
    """Add each policy in force at v = edges[0] into the [product, month] totals."""
    v = edges[0]
    h = edges.size - 1
    for i in range(start.size):
        p = product[i]
        if p < 0:
            continue
        lines = use[p]  # else (a kind projected on ``life``): its earned and expiring premium only
        s, e, c = start[i], end[i], cancel[i]
        if issue[i] > v or c <= v or e <= v or e < s:
            continue
        w = written[i]
        t_days = e - s + 1.0
        iv = interval[i]
        n = n_inst[i]
        keep = 1.0 - lapse_m[p]
        # months from v until the cover ends (months after the horizon are piled into H - 1)
        m = 0
        lo_e = v
        while lo_e < e:
            hi_e = add_months(v + 1, m + 1) - 1
            col = m if m < h else h - 1
            surv = keep ** m
            a = lo_e + 1 if lo_e + 1 > s else s
            b = hi_e if hi_e < e else e
            d = b - a + 1.0
            if d > 0.0:
                earned_out[p, col] += surv * w * d / t_days
                if lines:
                    if freq_sev[p]:
                        occurred[p, col] += surv * claim_cost_per_day[p] * d
                    else:
                        occurred[p, col] += surv * loss_ratio[p] * w * d / t_days
                    expenses[p, col] += surv * expense_ratio[p] * w * d / t_days
            if hi_e < e and lines:  # lapses at the month's end while cover remains
                paid = w
                if iv > 0:
                    k = 1
                    if hi_e >= s:
                        k = whole_months(s, hi_e) // iv + 1
                        if k > n:
                            k = n
                    paid = w * k / n
                earned = w * (hi_e + 1.0 - s) / t_days
                if earned < 0.0:
                    earned = 0.0
                if paid > earned:
                    refunds[p, col] += surv * (1.0 - keep) * refund_factor[p] * (paid - earned)
            elif hi_e >= e:  # the cover ends in this month: the survivors' premium expires
                expiring[p, col] += surv * w
            lo_e = hi_e
            m += 1
        if iv > 0 and lines:  # instalments k >= 1 due after v (instalment 0 is written at issue)
            for k in range(1, n):
                due = add_months(s, k * iv)
                if due > e:
                    break
                if due <= v:
                    continue
                m = whole_months(v + 1, due)
                col = m if m < h else h - 1
                surv = keep ** m
                premiums[p, col] += surv * w / n
                commissions[p, col] += surv * commission[i] / n


@dataclass(frozen=True)
class PolicyFlows:
    """[product, month] totals of the policies in force (the exposure lines)."""

    premiums: np.ndarray
    commissions: np.ndarray
    claims_occurred: np.ndarray
    expenses: np.ndarray
    refunds: np.ndarray
    earned: np.ndarray  # premium earned by the survivors: W x d_m / T x S_m
    expiring: np.ndarray  # premium of the survivors whose cover ends in the month: W x S_m


def policy_flows(start, end, cancel, issue, written_premium, commission, interval_months,
                 n_instalments, product, *, n_products: int, use, lapse_rate, claims_basis,
                 loss_ratio, frequency, severity, expense_ratio, refund_factor,
                 valuation_day: int, horizon_months: int,
                 days_per_year: float = DAY_COUNTS["actual/365.25"]) -> PolicyFlows:
    """The exposure lines of the module docstring, per product and month (before settlement).

    Per-product parameters are arrays over products: ``use`` (bool), ``lapse_rate`` (annual),
    ``claims_basis`` (``loss_ratio`` | ``frequency_severity``), ``loss_ratio``, ``frequency``
    (claims per insured-year), ``severity``, ``expense_ratio`` and ``refund_factor`` (0..1).
    """
    k = int(n_products)
    edges = month_edges(valuation_day, horizon_months)
    product = np.ascontiguousarray(product, np.int64)
    if product.size and product.max() >= k:
        raise ComputationError(f"product code {int(product.max())} outside 0..{k - 1}")
    for name, values in (("expense_ratio", expense_ratio), ("refund_factor", refund_factor)):
        if not np.all(np.isfinite(np.asarray(values, np.float64))):
            raise ComputationError(f"{name} must be finite numbers, one per product")
    lapse = np.asarray(lapse_rate, np.float64).reshape(k)
    if not np.all((lapse >= 0) & (lapse <= 1)):
        raise ComputationError("lapse rates must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        lapse_m = -np.expm1(np.log1p(-lapse) / 12.0)
    basis = np.asarray(claims_basis, dtype=object).reshape(k)
    unknown = sorted({str(b) for b in basis} - set(CLAIMS_BASES))
    if unknown:
        raise ComputationError(f"claims basis {unknown[0]!r}, expected one of {', '.join(CLAIMS_BASES)}")
    freq_sev = basis == "frequency_severity"
    per_day = (np.nan_to_num(np.asarray(frequency, np.float64).reshape(k))
               * np.nan_to_num(np.asarray(severity, np.float64).reshape(k)) / float(days_per_year))
    out = [np.zeros((k, int(horizon_months))) for _ in range(7)]
    _policies_into(
        np.ascontiguousarray(start, np.int64), np.ascontiguousarray(end, np.int64),
        np.ascontiguousarray(cancel, np.int64), np.ascontiguousarray(issue, np.int64),
        np.ascontiguousarray(written_premium, np.float64),
        np.nan_to_num(np.ascontiguousarray(commission, np.float64)),
        np.ascontiguousarray(interval_months, np.int64),
        np.ascontiguousarray(n_instalments, np.int64), product,
        np.asarray(use, np.bool_).reshape(k), lapse_m, freq_sev,
        np.nan_to_num(np.asarray(loss_ratio, np.float64).reshape(k)), per_day,
        np.asarray(expense_ratio, np.float64).reshape(k),
        np.asarray(refund_factor, np.float64).reshape(k), edges, *out)
    return PolicyFlows(*out)


def settle(occurred: np.ndarray, patterns) -> np.ndarray:
    """Claims paid per month: ``paid_m = sum_l occurred_{m-l} x share_l`` per product, with
    what falls after the last month added to it (``patterns[p]``: shares by lag, adding to 1)."""
    occ = np.asarray(occurred, np.float64)
    for p in range(occ.shape[0]):
        share = np.asarray(patterns[p], np.float64)
        if share.size == 0 or not np.all(share >= 0) or abs(share.sum() - 1.0) > 1e-9:
            raise ComputationError(f"settlement pattern {tuple(share)} of product {p}: "
                                   "shares >= 0 adding up to 1 expected")
    out = np.zeros_like(occ)
    h = occ.shape[1]
    for p in range(occ.shape[0]):
        share = np.asarray(patterns[p], np.float64)
        full = np.convolve(occ[p], share)
        out[p] = full[:h]
        out[p, h - 1] += full[h:].sum()
    return out


def split_runoff(amount: np.ndarray, ocs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OCS first: ``ocs_m = min(U_m, OCS) - min(U_{m-1}, OCS)``, the rest IBNR (``U`` the
    cumulative unpaid cashflows); both [product, month]."""
    amount = np.asarray(amount, np.float64)
    cap = np.asarray(ocs, np.float64)[:, None]
    cum = np.minimum(np.cumsum(amount, axis=1), cap)
    ocs_part = np.diff(np.concatenate([np.zeros_like(cap), cum], axis=1), axis=1)
    return ocs_part, amount - ocs_part


def savings_runoff(balance: np.ndarray, withdrawal_rate, interest_rate, horizon_months: int
                   ) -> np.ndarray:
    """Withdrawals of the savings balances per product and month (module docstring); the
    balance left at the horizon is added to the last month."""
    b = np.asarray(balance, np.float64).copy()
    with np.errstate(divide="ignore"):  # a rate of 1: log1p(-1) = -inf, everything withdrawn
        u = -np.expm1(np.log1p(-np.asarray(withdrawal_rate, np.float64)) / 12.0)
    g = (1.0 + np.asarray(interest_rate, np.float64)) ** (1.0 / 12.0)
    out = np.zeros((b.size, int(horizon_months)))
    for m in range(int(horizon_months)):
        out[:, m] = b * u
        b = (b - out[:, m]) * g
    out[:, -1] += b
    return out


def new_business(monthly_premium, months, term_months, loss_ratio, expense_ratio,
                 commission_rate, horizon_months: int):
    """(premiums, claims occurred, expenses + commissions) [product, month] of the new sales."""
    h = int(horizon_months)
    k = len(monthly_premium)
    prem, occ, outgo = (np.zeros((k, h)) for _ in range(3))
    for p in range(k):
        n_sales, term = int(months[p]), int(term_months[p])
        if n_sales <= 0 or monthly_premium[p] == 0:
            continue
        if term < 1:
            raise ComputationError(f"new business term_months {term}, expected >= 1")
        sales = np.zeros(max(n_sales, h))
        sales[:n_sales] = monthly_premium[p]
        spread = _pile(np.convolve(sales, np.full(term, 1.0 / term)), h)
        sales = _pile(sales, h)
        prem[p] = sales
        occ[p] = loss_ratio[p] * spread
        outgo[p] = expense_ratio[p] * spread + commission_rate[p] * sales
    return prem, occ, outgo


def _pile(monthly: np.ndarray, h: int) -> np.ndarray:
    """The first h months, with what follows added to month h - 1."""
    out = monthly[:h].copy()
    out[h - 1] += monthly[h:].sum()
    return out


# [product, month] arrays a grid keeps beside its lines (module docstring)
KEPT = ("claims_occurred", "new_business_occurred", "earned_premium", "expiring_premium")


@dataclass(frozen=True)
class CashflowGrid:
    """Projected cashflows [product, line, month] (lines of ``LINES``, amounts >= 0, the line's
    direction saying in or out) and the lines of no product (``unallocated``, [line, month]:
    liabilities without a product, in the programme only).

    ``claims_occurred`` and ``new_business_occurred`` ([product, month]): the claims of the
    policies in force and of the new business by month of occurrence, before the settlement
    pattern pays them into ``claims`` and ``new_business_outgo`` (zeros when not given). They
    are kept for the stress checks (``reserva.projection.stress_base``); ``frame`` leaves them
    out.
    """

    products: tuple[str, ...]
    valuation_day: int
    edges: np.ndarray  # (H + 1,) month m = days (edges[m], edges[m + 1]]
    amount: np.ndarray
    unallocated: np.ndarray
    claims_occurred: np.ndarray | None = None  # [product, month]; None -> zeros
    new_business_occurred: np.ndarray | None = None  # [product, month]; None -> zeros
    earned_premium: np.ndarray | None = None  # [product, month]; None -> zeros
    expiring_premium: np.ndarray | None = None  # [product, month]; None -> zeros

    def __post_init__(self) -> None:
        shape = (len(self.products), int(self.edges.size - 1))
        for name in KEPT:
            value = getattr(self, name)
            value = np.zeros(shape) if value is None else np.asarray(value, np.float64)
            if value.shape != shape:
                raise ComputationError(f"{name} has shape {value.shape}, the grid {shape} "
                                       "(products x months)")
            object.__setattr__(self, name, value)

    @property
    def months(self) -> int:
        return int(self.edges.size - 1)

    def programme(self) -> np.ndarray:
        """[line, month] of the programme: the products plus the unallocated lines."""
        return self.amount.sum(axis=0) + self.unallocated

    def column(self, product: str | None) -> np.ndarray:
        """[line, month] of one product, or of the programme (``None``)."""
        if product is None:
            return self.programme()
        return self.amount[self.products.index(product)]

    def outflows(self, product: str | None = None) -> np.ndarray:
        """Total outflow per month of a product or of the programme."""
        return self.column(product)[~INFLOW].sum(axis=0)

    def inflows(self, product: str | None = None) -> np.ndarray:
        return self.column(product)[INFLOW].sum(axis=0)

    def frame(self, programme_id: str = PROGRAMME) -> pd.DataFrame:
        """Long rows (product_id, line, direction, month 1..H, month_end, amount), the
        programme under ``programme_id``; zero cells are left out."""
        cols = [*self.products, programme_id]
        data = np.concatenate([self.amount, self.programme()[None]], axis=0)
        c, l_, m = np.nonzero(data)
        ends = self.edges[1:].astype("datetime64[D]")
        return pd.DataFrame({
            "product_id": np.asarray(cols, dtype=object)[c],
            "line": np.asarray(LINE_NAMES, dtype=object)[l_],
            "direction": np.where(INFLOW[l_], "in", "out"),
            "month": (m + 1).astype(np.int32),
            "month_end": ends[m],
            "amount": data[c, l_, m],
        })
