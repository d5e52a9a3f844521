"""UPR kernels: pure numba loops over policy arrays (day numbers, money), no pandas, no IO.

Conventions (one vocabulary with the rest of the engine):
- a term covers the days ``start .. end`` inclusive; a valuation at day ``v`` is at the END of v;
- ``written_premium`` ``W`` is the premium of the whole term, paid in ``n`` instalments of
  ``W / n`` due at ``start + k * interval`` months (``interval = 0``: single premium, ``n = 1``);
- the premium is split into components ``k`` (share ``a_k``, earning basis ``b_k``) per product
  (E2 Table 8, L3955-4101); ``f(v) = sum_k a_k f_k(v)`` with, for ``start <= v < end`` and
  ``x = (v + 1 - start) / (end - start + 1)`` the elapsed share of the term in days:
  - ``daily``: ``x`` (the default: actual days);
  - ``monthly``: ``m(start, v + 1) / m(start, end + 1)``, ``m`` = whole months elapsed
    (reproduces E1 L642-645: 1,200 -> 1,000 and E2 L4023-4025: 1,200 -> 500);
  - ``24ths``: policies grouped by month of inception, all written mid-month: elapsed months
    ``M(v) - M(start) + d(v) - 1/2`` over the term T in months, ``M`` the month index and
    ``d(v)`` the share of v's month elapsed (at a month end a policy of the valuation month has
    earned 1/24 of an annual premium);
  - ``12ths``: the same with all policies written on the 1st of their month (DECISION);
  - ``8ths``: grouped by quarter of inception, all written mid-quarter;
  - ``expiry_month``: grouped by month of expiry, all expiring mid-month (E2 L4062-4063):
    unearned ``(M(end) - M(v) + 1/2 - d(v)) / T``;
  - ``loan``: decreasing cover of a level-repayment loan at annual rate ``i`` (``param``): the sum
    at risk ``B(u) ~ 1 - exp(-a (1 - u))``, ``a = T/12 ln(1 + i)``, earned
    ``int_0^x B / int_0^1 B`` (``i = 0``: ``1 - (1 - x)^2``) (E1 L645-649 and footnote 11);
  - ``curve``: a custom cumulative earning curve, linear between its points (``param`` = curve);
  - ``immediate``: earned at inception (e.g. commission, insurer's perspective);
  - ``at_expiry``: earned at expiry (e.g. profit);
  every basis gives 0 before the start and 1 from the end day on;
- before cancellation: ``written = W/n * #instalments due by v``, ``earned = min(W f(v), written)``;
- from the cancel day ``c`` on (no cover on day c): instalments stop at c, ``refunded`` = the
  refund of the data, or pro rata ``written - W f(c - 1)``, or nothing (the product's refund
  rule), ``earned = written - refunded`` (the cover has ended, nothing is unearned);
- premium paid before the cover starts (``issue < start``): the first instalment is written from
  the issue day and stays fully unearned until the start;
- ``upr = written - refunded - earned``; so over a period ``opening upr + written - refunded -
  earned = closing upr`` policy by policy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from reserva.calendar import add_months, civil, whole_months

DAILY = 0
MONTHLY = 1
M24 = 2
M8 = 3
M12 = 4
EXPIRY = 5
LOAN = 6
CURVE = 7
IMMEDIATE = 8
AT_EXPIRY = 9
BASIS_CODES = {
    "daily": DAILY, "monthly": MONTHLY, "24ths": M24, "8ths": M8, "12ths": M12,
    "expiry_month": EXPIRY, "loan": LOAN, "curve": CURVE, "immediate": IMMEDIATE,
    "at_expiry": AT_EXPIRY,
}
@njit(cache=True, inline="always")
def _month_fraction(day):
    """(month index, fraction of the month elapsed at the END of ``day``)."""
    y, m, d = civil(day)
    last = 31
    if m == 2:
        last = 29 if ((y % 4 == 0 and y % 100 != 0) or (y % 400 == 0)) else 28
    elif m == 4 or m == 6 or m == 9 or m == 11:
        last = 30
    return y * 12 + m - 1, d / last


@njit(cache=True, inline="always")
def term_months(s, e):
    """Term in months, a part month counting as a month (at least 1)."""
    k = whole_months(s, e + 1)
    if add_months(s, k) < e + 1:
        k += 1
    return k if k > 0 else 1


@njit(cache=True, inline="always")
def _clip01(x):
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@njit(cache=True, inline="always")
def _h(z):
    """z - 1 + exp(-z), accurate for small z (series below 1e-2)."""
    if z < 1e-2:
        return z * z * (0.5 - z * (1.0 / 6.0 - z * (1.0 / 24.0 - z / 120.0)))
    return np.expm1(-z) + z


@njit(cache=True)
def earned_fraction(code, param, s, e, v, curve_x, curve_y, curve_n):
    """Share of a premium component earned by the end of day v, for s <= v < e (see docstring)."""
    if code == IMMEDIATE:
        return 1.0
    if code == AT_EXPIRY:
        return 0.0
    x = (v + 1 - s) / (e - s + 1)  # elapsed share of the term, in days
    if code == DAILY:
        return x
    if code == MONTHLY:
        t = whole_months(s, e + 1)
        if t <= 0:
            return x
        return _clip01(whole_months(s, v + 1) / t)
    if code == LOAN:
        # sum at risk of a level-repayment loan: B(u) ~ 1 - exp(-a (1 - u)), a = n ln(1 + i_m);
        # f = 1 - h(a (1 - x)) / h(a) with h(z) = z - 1 + exp(-z) (i = 0: 1 - (1 - x)^2)
        a = term_months(s, e) / 12.0 * np.log1p(param)
        if a <= 0.0:
            return 1.0 - (1.0 - x) * (1.0 - x)
        return 1.0 - _h(a * (1.0 - x)) / _h(a)
    if code == CURVE:
        c = int(param)
        n = curve_n[c]
        if x <= curve_x[c, 0]:
            return curve_y[c, 0] * x / curve_x[c, 0] if curve_x[c, 0] > 0 else curve_y[c, 0]
        for k in range(1, n):
            if x <= curve_x[c, k]:
                x0, x1 = curve_x[c, k - 1], curve_x[c, k]
                y0, y1 = curve_y[c, k - 1], curve_y[c, k]
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return curve_y[c, n - 1]
    t = float(term_months(s, e))
    mv, fv = _month_fraction(v)
    ms, _ = _month_fraction(s)
    if code == M24:  # grouped by month of inception, all written mid-month
        return _clip01((mv - ms + fv - 0.5) / t)
    if code == M12:  # grouped by month of inception, all written on the 1st
        return _clip01((mv - ms + fv) / t)
    if code == M8:  # grouped by quarter of inception, all written mid-quarter
        qv = (mv // 3) * 3
        qs = (ms // 3) * 3
        return _clip01(((qv - qs) + (mv - qv) + fv - 1.5) / t)
    if code == EXPIRY:  # grouped by month of expiry, all expiring mid-month
        me, _ = _month_fraction(e)
        return 1.0 - _clip01((me - mv + 0.5 - fv) / t)
    return x


@njit(cache=True)
def instalments(start, end, interval_months):
    """Number of instalments per policy: ceil(term months / interval), 1 for a single premium."""
    n = start.shape[0]
    out = np.empty(n, np.int32)
    for i in range(n):
        iv = interval_months[i]
        out[i] = 1 if iv <= 0 else (term_months(start[i], end[i]) + iv - 1) // iv
    return out


REFUND_RULES = {"data": 0, "pro_rata": 1, "none": 2}


@njit(cache=True)
def _upr_into(start, end, cancel, issue, written_premium, refund, interval_months, n_instalments,
              product, refund_rule, comp_code, comp_share, comp_param, curve_x, curve_y,
              curve_n, v, written, refunded, earned, upr):
    n = start.shape[0]
    n_comp = comp_code.shape[1]
    for i in range(n):
        s = start[i]
        e = end[i]
        c = cancel[i]
        w = written_premium[i]
        p = product[i]
        t = v if v < c else c  # instalments and earning stop at cancellation
        iv = interval_months[i]
        if t < s:
            # before cover starts: the first instalment is written from the issue date on
            due_frac = 1.0 / n_instalments[i] if t >= issue[i] else 0.0
        elif iv <= 0:
            due_frac = 1.0
        else:
            n_inst = n_instalments[i]
            k = whole_months(s, t) // iv + 1
            if k > n_inst:
                k = n_inst
            due_frac = k / n_inst
        wr = w * due_frac
        if v >= c:
            rule = refund_rule[p]
            if rule == 0:
                rf = refund[i]
            elif rule == 2:
                rf = 0.0
            else:  # pro rata: the unearned part of what is written at the end of day c - 1
                fc = _fraction(p, s, e, c - 1, comp_code, comp_share, comp_param, n_comp,
                               curve_x, curve_y, curve_n)
                ec = w * fc
                rf = wr - ec if ec < wr else 0.0
            written[i] = wr
            refunded[i] = rf
            earned[i] = wr - rf
            upr[i] = 0.0
            continue
        if v < s:
            f = 0.0
        elif v >= e:
            f = 1.0
        elif comp_code[p, 0] == DAILY and (n_comp == 1 or comp_code[p, 1] < 0):
            f = (v + 1 - s) / (e - s + 1)  # the common case, kept in the loop
        else:
            f = _fraction(p, s, e, v, comp_code, comp_share, comp_param, n_comp, curve_x,
                          curve_y, curve_n)
        er = w * f
        if er > wr:
            er = wr
        written[i] = wr
        refunded[i] = 0.0
        earned[i] = er
        upr[i] = wr - er


@njit(cache=True)
def _fraction(p, s, e, v, comp_code, comp_share, comp_param, n_comp, curve_x, curve_y, curve_n):
    """Earned share of policy (product p, term s..e) at the end of day v, all components."""
    if v < s:
        return 0.0
    if v >= e:
        return 1.0
    f = 0.0
    for k in range(n_comp):
        code = comp_code[p, k]
        if code < 0:
            break
        f += comp_share[p, k] * earned_fraction(
            code, comp_param[p, k], s, e, v, curve_x, curve_y, curve_n)
    return f


def upr_at(start, end, cancel, written_premium, refund, interval_months, product,
           comp_code, comp_share, comp_param, curve_x, curve_y, curve_n, v, *,
           n_instalments=None, issue=None, refund_rule=None):
    """Per policy at the end of day ``v``: (written, refunded, earned, upr) to date.

    ``comp_code/share/param[product, k]``: the earning components of each product (code -1 =
    unused slot); a policy earns ``W x sum_k share_k x f_k(v)``, capped at what is written.
    ``issue`` (default: the start) is the day the first instalment is written when it precedes
    the start (premium paid in advance: fully unearned until the cover starts).
    ``refund_rule[product]``: 0 the refund of the data, 1 pro rata (the unearned part at the end
    of the day before the cancel day), 2 none. The outputs are allocated here by numpy.
    """
    n = start.shape[0]
    if n_instalments is None:
        n_instalments = instalments(start, end, interval_months)
    if issue is None:
        issue = start
    if refund_rule is None:
        refund_rule = np.zeros(comp_code.shape[0], np.int8)
    out = [np.empty(n) for _ in range(4)]
    _upr_into(start, end, cancel, issue, written_premium, refund, interval_months,
              n_instalments, product, refund_rule, comp_code, comp_share, comp_param, curve_x,
              curve_y, curve_n, np.int64(v), *out)
    return tuple(out)
