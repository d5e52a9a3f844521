"""Slow, obvious reference of the cashflow-grid kernels (reserva.projection.grid), plain Python.

Same definitions as the module docstring of ``reserva.projection.grid``, written the long way:
dates are ``datetime.date``, months are added with ``calendar.monthrange`` (clipped to the month
end: Jan 31 + 1 month = Feb 28), every policy is walked month by month from the valuation day,
and every amount after the horizon is added to the last month. No numpy, no project kernels.

Buckets: month ``m`` holds the days ``(e_m, e_{m+1}]``, ``e_m = add_months(v + 1 day, m) - 1 day``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)
EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    """Days since 1970-01-01 (the engine's day numbers)."""
    return (d - EPOCH).days


def add_months(d: date, k: int) -> date:
    """``d`` plus ``k`` calendar months, the day clipped to the month's last day."""
    index = d.year * 12 + (d.month - 1) + k
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def whole_months(a: date, t: date) -> int:
    """Whole months from ``a`` to ``t``: the largest ``k >= 0`` with ``add_months(a, k) <= t``
    (so Feb 28 is one whole month after Jan 31)."""
    k = 0
    while add_months(a, k + 1) <= t:
        k += 1
    return k


def term_months(s: date, e: date) -> int:
    """Months of the cover ``s .. e``, a part month counting as a month (at least 1)."""
    k = 1
    while add_months(s, k) <= e:
        k += 1
    return k


def month_end(v: date, m: int) -> date:
    """``e_m = add_months(v + 1 day, m) - 1 day`` (``e_0 = v``)."""
    return add_months(v + ONE_DAY, m) - ONE_DAY


def month_edges(v: date, horizon: int) -> list[date]:
    return [month_end(v, m) for m in range(horizon + 1)]


def month_index(v: date, d: date) -> int:
    """The month ``m`` with ``e_m < d <= e_{m+1}`` (not capped at the horizon; 0 if ``d <= v``)."""
    m = 0
    while month_end(v, m + 1) < d:
        m += 1
    return m


@dataclass(frozen=True)
class Policy:
    start: date
    end: date
    cancel: date | None  # None: never cancelled
    issue: date
    written_premium: float
    commission: float
    interval_months: int  # 0 = single premium
    n_instalments: int
    product: int  # -1 = a product the grid does not know


@dataclass(frozen=True)
class Product:
    use: bool
    lapse_rate: float  # annual
    claims_basis: str  # "loss_ratio" | "frequency_severity"
    loss_ratio: float
    frequency: float
    severity: float
    expense_ratio: float
    refund_factor: float


def written_by(pol: Policy, t: date) -> float:
    """Premium written by the end of day ``t`` (``t`` after the issue day): a single premium is
    written whole at issue; instalment 0 at issue and, from the start on,
    ``min(n, whole_months(s, t) // interval + 1)`` instalments of ``W / n``."""
    w = pol.written_premium
    if pol.interval_months == 0:
        return w
    if t < pol.start:
        return w / pol.n_instalments  # instalment 0 only
    count = min(pol.n_instalments, whole_months(pol.start, t) // pol.interval_months + 1)
    return w * count / pol.n_instalments


def policy_flows(policies: list[Policy], products: list[Product], v: date, horizon: int,
                 days_per_year: float = 365.25) -> dict[str, list[list[float]]]:
    """{line: [product][month]} for the lines premiums, commissions, claims_occurred, expenses,
    refunds of the policies in force at ``v`` (module docstring, literally)."""
    lines = ("premiums", "commissions", "claims_occurred", "expenses", "refunds")
    out = {name: [[0.0] * horizon for _ in products] for name in lines}
    for pol in policies:
        p = pol.product
        if p < 0 or not products[p].use:
            continue
        prod = products[p]
        s, e = pol.start, pol.end
        in_force = pol.issue <= v and (pol.cancel is None or pol.cancel > v) and e > v
        if not in_force:
            continue
        w_prem = pol.written_premium
        cover_days = (e - s).days + 1  # T
        lapse_m = 1.0 - (1.0 - prod.lapse_rate) ** (1.0 / 12.0)

        def survival(m, lapse_m=lapse_m):
            return (1.0 - lapse_m) ** m

        # month by month from v until the month that holds the cover's last day
        m = 0
        while month_end(v, m) < e:
            lo, hi = month_end(v, m), month_end(v, m + 1)  # the days (lo, hi]
            col = min(m, horizon - 1)
            first = max(lo + ONE_DAY, s)
            last = min(hi, e)
            d_m = max((last - first).days + 1, 0)  # days of cover after v in month m
            if prod.claims_basis == "frequency_severity":
                occurred = survival(m) * prod.frequency * prod.severity * d_m / days_per_year
            else:
                occurred = survival(m) * prod.loss_ratio * w_prem * d_m / cover_days
            out["claims_occurred"][p][col] += occurred
            out["expenses"][p][col] += survival(m) * prod.expense_ratio * w_prem * d_m / cover_days
            if hi < e:  # the month ends before the cover does: lapses refund the unearned part
                paid = written_by(pol, hi)
                # earned share of the term by the end of hi; 0 before the start (the UPR
                # convention: every earning basis gives 0 before the start)
                earned = w_prem * max((hi + ONE_DAY - s).days, 0) / cover_days
                lapsed = survival(m) - survival(m + 1)
                out["refunds"][p][col] += lapsed * prod.refund_factor * max(paid - earned, 0.0)
            m += 1
        # instalments k >= 1 due after v and within the cover (instalment 0 was written at issue)
        if pol.interval_months > 0:
            n = pol.n_instalments
            for k in range(1, n):
                due = add_months(s, k * pol.interval_months)
                if due <= v or due > e:
                    continue
                m = month_index(v, due)
                col = min(m, horizon - 1)
                out["premiums"][p][col] += survival(m) * w_prem / n
                out["commissions"][p][col] += survival(m) * pol.commission / n
    return out


def settle(occurred: list[list[float]], patterns: list[list[float]]) -> list[list[float]]:
    """``paid_m = sum_l occurred_{m-l} x share_l``, what falls after the last month in it."""
    out = []
    for row, shares in zip(occurred, patterns, strict=True):
        h = len(row)
        paid = [0.0] * h
        for m, amount in enumerate(row):
            for lag, share in enumerate(shares):
                paid[min(m + lag, h - 1)] += amount * share
        out.append(paid)
    return out


def split_runoff(amount: list[list[float]], ocs: list[float]
                 ) -> tuple[list[list[float]], list[list[float]]]:
    """``ocs_m = min(U_m, OCS) - min(U_{m-1}, OCS)`` (``U`` cumulative, ``U_{-1} = 0``), the rest
    IBNR."""
    ocs_parts, ibnr_parts = [], []
    for row, cap in zip(amount, ocs, strict=True):
        u_prev, o_row, i_row = 0.0, [], []
        for a in row:
            u = u_prev + a
            part = min(u, cap) - min(u_prev, cap)
            o_row.append(part)
            i_row.append(a - part)
            u_prev = u
        ocs_parts.append(o_row)
        ibnr_parts.append(i_row)
    return ocs_parts, ibnr_parts


def savings_runoff(balance: list[float], withdrawal_rate: list[float],
                   interest_rate: list[float], horizon: int) -> list[list[float]]:
    """``B_m u`` per month, ``B_{m+1} = (B_m - B_m u)(1 + i)^(1/12)``,
    ``u = 1 - (1 - withdrawal_rate)^(1/12)``; the balance left at the horizon in the last month."""
    out = []
    for b, rate, i in zip(balance, withdrawal_rate, interest_rate, strict=True):
        u = 1.0 - (1.0 - rate) ** (1.0 / 12.0)
        row = []
        for _ in range(horizon):
            row.append(b * u)
            b = (b - b * u) * (1.0 + i) ** (1.0 / 12.0)
        row[-1] += b
        out.append(row)
    return out


def new_business(monthly_premium, months, term_months_, loss_ratio, expense_ratio,
                 commission_rate, horizon: int):
    """(premiums, claims occurred, expenses + commissions) [product][month]: a sale of ``P`` in
    each month ``j < months``; its claims ``loss_ratio x P`` and expenses ``expense_ratio x P``
    spread evenly over the months ``j .. j + term - 1``; commission ``commission_rate x P`` in
    month ``j``; every amount after the horizon in the last month (the docstring's rule: "every
    line keeps its total", so sales after the horizon too)."""
    k = len(monthly_premium)
    prem = [[0.0] * horizon for _ in range(k)]
    occ = [[0.0] * horizon for _ in range(k)]
    outgo = [[0.0] * horizon for _ in range(k)]
    for p in range(k):
        amount, term = monthly_premium[p], term_months_[p]
        for j in range(months[p]):
            col = min(j, horizon - 1)
            prem[p][col] += amount
            outgo[p][col] += commission_rate[p] * amount
            for lag in range(term):
                col = min(j + lag, horizon - 1)
                occ[p][col] += loss_ratio[p] * amount / term
                outgo[p][col] += expense_ratio[p] * amount / term
    return prem, occ, outgo
