"""The model-point kernels: monthly decrements and cashflows of every kind of point, per scenario.

Notation (one model point p of ``count`` policies c; month m = 0..H-1 of the projection runs from
m to m + 1 months after the start; every array is built once at the boundary, ``engine.py``):

    dur      = duration + m           months since issue at the start of month m (a point with
                                      duration < 0 is new business, issued at the start of month
                                      -duration; nothing happens before it)
    year     = dur // 12              the policy year (0 = the first), ``Y = min(year, last)``
                                      for the tables by policy year (the last entry holds on)
    age      = age_at_entry + year    attained age (age at entry plus whole policy years)
    q        = Qm[g, table, min(age, top), min(year, select - 1)]
                                      monthly mortality of a select-and-ultimate table by attained
                                      age and policy year (ultimate: one column), from the annual
                                      rate by constant force: q_m = 1 - (1 - min(1, k q))^(1/12),
                                      k the scenario's mortality multiplier (``basis.py``)
    w        = Wm[g, product, Y]      monthly lapse, 1 - (1 - min(1, k' lapse_Y))^(1/12)

The month, for l in force at its start (l = c when dur = 0: new business enters; l = c at m = 0
for a point already in force):

    maturity     dur = term: the l in force are paid ``maturity_benefit`` each (savings: the
                 greater of it and the account) at the month's start, and the point ends
    mass lapse   m = 0 and dur > 0 (in force at the start), scenario g: u0 = ML_g l lapse at once
                 (surrender value paid; not for annuities), l <- l - u0
    premiums     P_m = l x premium   when dur < premium_term and dur % interval = 0 (interval
                 0 = single: dur = 0 only)
    commissions  P_m x commission[product, Y]
    expenses     (acquisition c [dur = 0] + l x maintenance / 12 x inflation_m
                 + expense_pct x P_m) x expense multiplier of the scenario; inflation_m =
                 (1 + inflation)^(m / 12) (``basis.py``)
    deaths       d = l q;  claims = d x death_benefit(dur)
    lapses       u = (l - d) w;  surrenders = u x surrender value (savings only, below)
    in force     l <- l - d - u

Death benefit by kind: term, endowment, whole life, funeral: ``sum_assured``; pure endowment: 0;
credit life: the outstanding balance of a level-instalment loan of ``term`` months at the monthly
rate i at the month's start, ``sum_assured (1 - v^(term - dur)) / (1 - v^term)``, v = 1 / (1 + i)
(i = 0: ``sum_assured (term - dur) / term``); savings: max(account, sum_assured).

Annuities in payment (kind annuity; no lapses, no premiums): a_x the annuitant's survival from
the start (l = c a_x), a_y the spouse's (table ``spouse_table`` at age spouse_age + years since
the start, ultimate column); the payment due at the start of month m, when dur % a_interval = 0
(in advance: from dur = 0; in arrears: from dur = a_interval, the end of the period paid for), is

    annuities = c x amount x a_interval / 12 x (1 + indexation)^(year - year_0)
                x (1                               while dur < guarantee (+ a_interval in arrears)
                   a_x + rho (a_y - a_x a_y)        after: the annuitant, or the spouse after the
                                                   annuitant's death, at the reversion share rho)

(independent lives; year_0 the policy year at the start). Deaths count the annuitant's.

Savings (account value A per policy; month m, in force l, scenario s with fund return f_{s,m}):

    A <- A + P (1 - premium_charge) - fee_m          premium in, charges out (start of month)
    A <- A - q max(sum_assured - A, 0)               cost of insurance on the sum at risk
    A <- max(A (1 - amc_m), 0)                       annual management charge, monthly (the
                                                     charges stop at an empty account)
    A <- A (1 + i),  i = max(f_{s,m} - spread_m, guarantee_m), or max(credited_m, guarantee_m)
                                                     for a declared rate (end of month)
    deaths d = l q, claims d max(A, sum_assured); lapses u = (l - d) w x dynamic,
    dynamic = clip(1 + beta (market_{s,m} - credited rate (annual)), lo, hi)
    surrenders u A (1 - surrender_charge[Y]); withdrawals (l - d - u) A wd_m, A <- A (1 - wd_m)
    account_value = (l - d - u) A at the month's end

Lines (``reserva.vocab.POINT_LINES``): premiums, claims, maturities, surrenders, withdrawals,
annuities, expenses, commissions (money), policies (l at the month's start, after new business
and the mass lapse), deaths, lapses (numbers), account_value. The kernels add them into
aggregates by group (``grp[p]``) and, on request, keep each point's present values: a flow of
month m paid at timing k (start, mid, end) is discounted by DF[e, k, m] = v(m + k / 2).
Economic scenarios move only the discounting of the non-savings kinds, so those are projected
once per demographic scenario g (``project_points``) and discounted afterwards; savings points
depend on the fund path and are projected for every scenario, the scenarios in the innermost
loop (``project_savings``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from reserva.vocab import POINT_FLOWS, POINT_KINDS, POINT_LINES

TERM, ENDOWMENT, WHOLE_LIFE, PURE_ENDOWMENT, CREDIT_LIFE, FUNERAL, ANNUITY, SAVINGS = range(8)
KIND_CODES = {kind: code for code, kind in enumerate(POINT_KINDS)}
assert KIND_CODES["savings"] == SAVINGS and KIND_CODES["annuity"] == ANNUITY
(PREMIUMS, CLAIMS, MATURITIES, SURRENDERS, WITHDRAWALS, ANNUITIES, EXPENSES, COMMISSIONS,
 POLICIES, DEATHS, LAPSES, ACCOUNT) = range(12)
N_FLOWS = len(POINT_FLOWS)
N_LINES = len(POINT_LINES)
START, MID, END = range(3)


@njit(cache=True)
def _death_benefit(kind, sum_assured, loan_v, term, dur):
    if kind == PURE_ENDOWMENT or kind == ANNUITY:
        return 0.0
    if kind == CREDIT_LIFE:
        if loan_v == 1.0:
            return sum_assured * (term - dur) / term
        return sum_assured * (1.0 - loan_v ** (term - dur)) / (1.0 - loan_v ** term)
    return sum_assured


@njit(cache=True)
def _discount_flows(cf, pv, df, e, timing, m0, m1):
    """pv[k] += sum_m cf[m, k] DF[e, timing[k], m], m = m0 .. m1 - 1, for the money lines k."""
    for k in range(N_FLOWS):
        tk = timing[k]
        acc = 0.0
        for m in range(m0, m1):
            acc += cf[m, k] * df[e, tk, m]
        pv[k] += acc


@njit(cache=True)
def project_points(kind, product, table, spouse_table, age_at_entry, duration, term,
                   premium_term, interval, premium, sum_assured, maturity_benefit, count,
                   loan_rate_m, annuity, annuity_interval, arrears, guarantee, spouse_age,
                   reversion, indexation, grp,
                   qm, wm, commission, acquisition, maintenance_m, expense_pct, inflation,
                   mass_lapse, expense_mult,
                   df, timing, scen_g, scen_e, cfa, pvp):
    """Every non-savings point (``kind != SAVINGS``), once per demographic scenario g: its
    months into ``cfa[grp, g, m, line]``; when ``pvp`` has one row per point, its present
    values per scenario into ``pvp[p, s, flow]`` (scenario s uses g = scen_g[s], DF row
    scen_e[s]). Points of kind savings are skipped (``project_savings``)."""
    n_g = qm.shape[0]
    horizon = cfa.shape[2]
    top = qm.shape[2] - 1
    select = qm.shape[3]
    last_year = wm.shape[2] - 1
    keep_pv = pvp.shape[0] == kind.size
    cf = np.zeros((horizon, N_LINES))
    for p in range(kind.size):
        k = kind[p]
        if k == SAVINGS:
            continue
        pr = product[p]
        tab = table[p]
        c = count[p]
        n = term[p]
        d0 = duration[p]
        loan_v = 1.0 / (1.0 + loan_rate_m[p])
        a_step = annuity_interval[p]
        for g in range(n_g):
            lv = c if d0 > 0 else 0.0
            ax = 1.0
            ay = 1.0 if spouse_table[p] >= 0 else 0.0
            year0 = max(d0, 0) // 12
            m0 = max(0, -d0)
            m1 = m0  # the months m0 .. m1 - 1 of cf are written
            for m in range(m0, horizon):
                dur = d0 + m
                m1 = m + 1
                if dur >= n:
                    if dur == n and lv > 0.0:
                        cf[m, MATURITIES] += lv * maturity_benefit[p]
                    if dur == n and k == ANNUITY and arrears[p] and dur % a_step == 0:
                        # the last period's payment, in arrears at the end of the term
                        year = dur // 12
                        level = annuity[p] * a_step / 12.0 * (1.0 + indexation[p]) ** (
                            year - year0)
                        if dur < guarantee[p] + a_step:
                            share = 1.0
                        else:
                            share = ax + reversion[p] * (ay - ax * ay)
                        cf[m, ANNUITIES] += c * level * share
                    break
                if dur == 0:
                    lv = c
                    cf[m, EXPENSES] += c * acquisition[pr] * expense_mult[g]
                if m == 0 and dur > 0 and k != ANNUITY and mass_lapse[g] > 0.0:
                    u0 = lv * mass_lapse[g]
                    cf[m, LAPSES] += u0
                    lv -= u0
                year = dur // 12
                age = age_at_entry[p] + year
                if age > top:
                    age = top
                q = qm[g, tab, age, min(year, select - 1)]
                w = wm[g, pr, min(year, last_year)]
                cf[m, POLICIES] += lv
                prem = 0.0
                step = interval[p]
                if k != ANNUITY and dur < premium_term[p] and (
                        (step > 0 and dur % step == 0) or (step == 0 and dur == 0)):
                    prem = lv * premium[p]
                cf[m, PREMIUMS] += prem
                cf[m, COMMISSIONS] += prem * commission[pr, min(year, last_year)]
                cf[m, EXPENSES] += (lv * maintenance_m[pr] * inflation[pr, m]
                                    + expense_pct[pr] * prem) * expense_mult[g]
                if k == ANNUITY:
                    first = a_step if arrears[p] else 0
                    if dur >= first and dur % a_step == 0:
                        level = annuity[p] * a_step / 12.0 * (1.0 + indexation[p]) ** (year - year0)
                        if dur < guarantee[p] + (a_step if arrears[p] else 0):
                            share = 1.0
                        else:
                            share = ax + reversion[p] * (ay - ax * ay)
                        cf[m, ANNUITIES] += c * level * share
                    d = lv * q
                    cf[m, DEATHS] += d
                    ax *= 1.0 - q
                    lv = c * ax
                    if ay > 0.0:
                        sage = spouse_age[p] + year - year0
                        if sage > top:
                            sage = top
                        ay *= 1.0 - qm[g, spouse_table[p], sage, select - 1]
                    if ax == 0.0 and ay == 0.0 and dur + 1 >= guarantee[p]:
                        break
                    continue
                d = lv * q
                cf[m, DEATHS] += d
                cf[m, CLAIMS] += d * _death_benefit(k, sum_assured[p], loan_v, n, dur)
                u = (lv - d) * w
                cf[m, LAPSES] += u
                lv = lv - d - u
            gi = grp[p]
            for m in range(m0, m1):
                for j in range(N_LINES):
                    cfa[gi, g, m, j] += cf[m, j]
            if keep_pv:
                for s in range(scen_g.size):
                    if scen_g[s] == g:
                        _discount_flows(cf, pvp[p, s], df, scen_e[s], timing, m0, m1)
            cf[m0:m1, :] = 0.0


@njit(cache=True)
def project_savings(kind, product, table, age_at_entry, duration, term, premium_term, interval,
                    premium, sum_assured, maturity_benefit, count, account, grp,
                    qm, wm, commission, surrender_charge, acquisition, maintenance_m,
                    expense_pct, inflation, premium_charge, fee_m, amc_m, spread_m,
                    guarantee_m, credited_m, withdrawal_m, beta, dyn_lo, dyn_hi,
                    mass_lapse, expense_mult,
                    fund_m, market, df, timing, scen_g, scen_e, cfb, pvp):
    """Every savings point, for all scenarios at once (the innermost loop over scenarios s,
    demographic row scen_g[s], economic row scen_e[s]): months into ``cfb[grp, m, line, s]``;
    when ``pvp`` has one row per point, present values into ``pvp[p, s, flow]``.
    ``credited_m`` NaN: the fund's return less the spread is credited."""
    n_s = scen_g.size
    horizon = cfb.shape[1]
    top = qm.shape[2] - 1
    select = qm.shape[3]
    last_year = wm.shape[2] - 1
    keep_pv = pvp.shape[0] == kind.size
    lives = np.zeros(n_s)
    acct = np.zeros(n_s)
    for p in range(kind.size):
        if kind[p] != SAVINGS:
            continue
        pr = product[p]
        tab = table[p]
        c = count[p]
        n = term[p]
        d0 = duration[p]
        gi = grp[p]
        sa = sum_assured[p]
        declared = not np.isnan(credited_m[pr])
        for s in range(n_s):
            lives[s] = c if d0 > 0 else 0.0
            acct[s] = account[p] if d0 > 0 else 0.0
        for m in range(max(0, -d0), horizon):
            dur = d0 + m
            year = dur // 12
            yy = min(year, last_year)
            if dur >= n:
                if dur == n:
                    for s in range(n_s):
                        paid = lives[s] * max(acct[s], maturity_benefit[p])
                        cfb[gi, m, MATURITIES, s] += paid
                        if keep_pv:
                            pvp[p, s, MATURITIES] += paid * df[scen_e[s], START, m]
                break
            age = min(age_at_entry[p] + year, top)
            step = interval[p]
            due = dur < premium_term[p] and ((step > 0 and dur % step == 0)
                                              or (step == 0 and dur == 0))
            pp = premium[p] if due else 0.0
            sc = surrender_charge[pr, yy]
            com = commission[pr, yy]
            for s in range(n_s):
                g = scen_g[s]
                e = scen_e[s]
                lv = lives[s]
                a = acct[s]
                if dur == 0:
                    lv = c
                    a = 0.0
                lapsed = 0.0
                surr = 0.0
                if m == 0 and dur > 0 and mass_lapse[g] > 0.0:
                    lapsed = lv * mass_lapse[g]
                    surr = lapsed * a * (1.0 - sc)
                    lv -= lapsed
                q = qm[g, tab, age, min(year, select - 1)]
                prem = lv * pp
                a += pp * (1.0 - premium_charge[pr]) - fee_m[pr]
                a -= q * max(sa - a, 0.0)
                a = max(a * (1.0 - amc_m[pr]), 0.0)  # charges stop at an empty account
                i = credited_m[pr] if declared else fund_m[e, m] - spread_m[pr]
                i = max(i, guarantee_m[pr])
                a *= 1.0 + i
                d = lv * q
                claim = d * max(a, sa)
                w = wm[g, pr, yy]
                if beta[pr] != 0.0:
                    dyn = 1.0 + beta[pr] * (market[e, m] - ((1.0 + i) ** 12 - 1.0))
                    w = min(w * min(max(dyn, dyn_lo[pr]), dyn_hi[pr]), 1.0)
                u = (lv - d) * w
                surr += u * a * (1.0 - sc)
                stay = lv - d - u
                wd = stay * a * withdrawal_m[pr]
                a *= 1.0 - withdrawal_m[pr]
                expense = (lv * maintenance_m[pr] * inflation[pr, m]
                           + expense_pct[pr] * prem) * expense_mult[g]
                if dur == 0:
                    expense += c * acquisition[pr] * expense_mult[g]
                cfb[gi, m, POLICIES, s] += lv
                cfb[gi, m, PREMIUMS, s] += prem
                cfb[gi, m, COMMISSIONS, s] += prem * com
                cfb[gi, m, EXPENSES, s] += expense
                cfb[gi, m, CLAIMS, s] += claim
                cfb[gi, m, SURRENDERS, s] += surr
                cfb[gi, m, WITHDRAWALS, s] += wd
                cfb[gi, m, DEATHS, s] += d
                cfb[gi, m, LAPSES, s] += u + lapsed
                cfb[gi, m, ACCOUNT, s] += stay * a
                if keep_pv:
                    row = pvp[p, s]
                    row[PREMIUMS] += prem * df[e, timing[PREMIUMS], m]
                    row[COMMISSIONS] += prem * com * df[e, timing[COMMISSIONS], m]
                    row[EXPENSES] += expense * df[e, timing[EXPENSES], m]
                    row[CLAIMS] += claim * df[e, timing[CLAIMS], m]
                    row[SURRENDERS] += surr * df[e, timing[SURRENDERS], m]
                    row[WITHDRAWALS] += wd * df[e, timing[WITHDRAWALS], m]
                lives[s] = stay
                acct[s] = a
