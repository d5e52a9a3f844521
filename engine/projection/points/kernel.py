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
                                      rate by constant force: q_m = 1 - (1 - min(1, k q + a))^(1/12),
                                      k the scenario's mortality multiplier and a its add-on
                                      (``engine.Shock``)
    w        = Wm[g, product, Y]      monthly lapse, 1 - (1 - min(1, k' lapse_Y))^(1/12)

The month, for l in force at its start (l = c when dur = 0: new business enters; l = c at m = 0
for a point already in force):

    maturity     dur = term - 1: the l in force at the end of the month (after its deaths and
                 lapses; annuities: the annuitants alive) are paid ``maturity_benefit`` each
                 (savings: the greater of it and the account after the month's withdrawals) at
                 the month's end, and the point ends (a point with dur >= term at the start
                 has nothing left but an annuity's last payment in arrears, below)
    mass lapse   m = 0 and dur > 0 (in force at the start), scenario g: u0 = ML_g l lapse at once
                 (surrender value paid; not for annuities), l <- l - u0
    premiums     P_m = l x premium   when first_premium <= dur < premium_term and
                 (dur - first_premium) % interval = 0 (first_premium 0 unless the premiums fall
                 due off the anniversaries, as a dated contract's may; interval 0 = single:
                 dur = first_premium only)
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
the start, ultimate column); the payment due at the start of month m, when (dur -
first_premium) % a_interval = 0 (in advance: from dur = first_premium, 0 unless the payments
fall due off the anniversaries; in arrears: from first_premium + a_interval, the end of the
period paid for, the last at dur = term), is

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
    deaths d = l q, claims d max(A, sum_assured); lapses u = (l - d) min(1, w x dynamic),
    dynamic = clip(1 + beta (market_{s,m} - ((1 + i)^12 - 1)), lo, hi) when beta != 0 (else
    1), market_{s,m} = (1 + f_{s,m})^12 - 1 the fund's return annualised
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
from numba import literally, njit

from reserva.vocab import POINT_FLOWS, POINT_KINDS, POINT_LINES

TERM, ENDOWMENT, WHOLE_LIFE, PURE_ENDOWMENT, CREDIT_LIFE, FUNERAL, ANNUITY, SAVINGS = range(8)
KIND_CODES = {kind: code for code, kind in enumerate(POINT_KINDS)}
assert KIND_CODES["savings"] == SAVINGS and KIND_CODES["annuity"] == ANNUITY
(PREMIUMS, CLAIMS, MATURITIES, SURRENDERS, WITHDRAWALS, ANNUITIES, EXPENSES, COMMISSIONS,
 POLICIES, DEATHS, LAPSES, ACCOUNT) = range(12)
N_FLOWS = len(POINT_FLOWS)
N_LINES = len(POINT_LINES)
START, MID, END = range(3)
# the savings kernel's flat rows over the scenarios of a tile: a point's (q, w, lives, account)
# and a month's (expense multiplier, fund return, market rate) (``project_savings``)
Q_ROW, W_ROW, LIVES_ROW, ACCOUNT_ROW = range(4)
EM_ROW, FUND_ROW, MARKET_ROW = range(3)
ST_ROWS, ENV_ROWS = 4, 3
# the savings kernel's tile widths (scenarios): a month's lines of a tile of 256, 24 KiB, and
# a point's rows, 8 KiB, stay in a core's first cache; the rows of a block of points, at most
# SAVINGS_WORK doubles (512 KiB), in its second
SAVINGS_TILES = (256, 64, 8)
SAVINGS_WORK = 65536
SAVINGS_TILE_COST = 32  # a point's month in a tile costs about this many lanes besides its own


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
                   premium_term, first_premium, interval, premium, sum_assured, maturity_benefit, count,
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
                    if dur == n and k == ANNUITY and arrears[p] and (
                            dur >= first_premium[p] + a_step
                            and (dur - first_premium[p]) % a_step == 0):
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
                        (step > 0 and dur >= first_premium[p]
                         and (dur - first_premium[p]) % step == 0)
                        or (step == 0 and dur == first_premium[p])):
                    prem = lv * premium[p]
                cf[m, PREMIUMS] += prem
                cf[m, COMMISSIONS] += prem * commission[pr, min(year, last_year)]
                cf[m, EXPENSES] += (lv * maintenance_m[pr] * inflation[pr, m]
                                    + expense_pct[pr] * prem) * expense_mult[g]
                if k == ANNUITY:
                    first = first_premium[p] + (a_step if arrears[p] else 0)
                    if dur >= first and (dur - first_premium[p]) % a_step == 0:
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
                    if dur == n - 1 and lv != 0.0:  # the annuitants at the end of the term
                        cf[m, MATURITIES] += lv * maturity_benefit[p]
                    if ax == 0.0 and ay == 0.0 and dur + 1 >= guarantee[p] + (
                            a_step if arrears[p] else 0):
                        break  # nobody left and nothing guaranteed
                    continue
                d = lv * q
                cf[m, DEATHS] += d
                cf[m, CLAIMS] += d * _death_benefit(k, sum_assured[p], loan_v, n, dur)
                u = (lv - d) * w
                cf[m, LAPSES] += u
                lv = lv - d - u
                if dur == n - 1 and lv != 0.0:  # the survivors at the end of the term
                    cf[m, MATURITIES] += lv * maturity_benefit[p]
            gi = grp[p]
            for m in range(m0, m1):
                for j in range(N_LINES):
                    cfa[gi, g, m, j] += cf[m, j]
            if keep_pv:
                for s in range(scen_g.size):
                    if scen_g[s] == g:
                        _discount_flows(cf, pvp[p, s], df, scen_e[s], timing, m0, m1)
            cf[m0:m1, :] = 0.0


@njit(cache=True, fastmath={"nnan", "ninf", "nsz", "arcp"})
def _savings_month(width, par, declared, dynamic, st, env, out):
    """One month of one savings point for the ``width`` scenarios s of a tile, in flat rows:
    ``st[r * width + s]`` the point's rows r (q, w, lives, account), ``env`` the month's rows
    (expense multiplier, fund return, market rate) and ``out[line * width + s]`` the month's
    lines. ``width`` is a compile-time constant (one compiled kernel per tile width): with the
    rows a known distance apart the compiler vectorises over s without checking the rows apart
    at run time on every call. The credited rate is max(credited, floor) for a declared rate,
    else max(fund - spread, floor) (compiled with fastmath: no NaN may enter, so ``declared``
    is decided by the caller)."""
    literally(width)
    pp, charge, fee, amc, sa, wd_rate, maint, pct, com, sc, credited, spread, floor, beta, lo, \
        hi = par
    for s in range(width):
        lv = st[LIVES_ROW * width + s]
        a = st[ACCOUNT_ROW * width + s]
        q = st[Q_ROW * width + s]
        i = max(credited if declared else env[FUND_ROW * width + s] - spread, floor)
        w = st[W_ROW * width + s]
        if dynamic:  # on the market's rate over the credited one ((1 + i)^12 by squarings)
            y2 = (1.0 + i) * (1.0 + i)
            y4 = y2 * y2
            x = 1.0 + beta * (env[MARKET_ROW * width + s] - (y4 * y4 * y4 - 1.0))
            w = min(w * min(max(x, lo), hi), 1.0)
        prem = lv * pp
        a += pp * (1.0 - charge) - fee
        a -= q * max(sa - a, 0.0)
        a = max(a * (1.0 - amc), 0.0)  # charges stop at an empty account
        a *= 1.0 + i
        d = lv * q
        u = (lv - d) * w
        stay = lv - d - u
        out[POLICIES * width + s] += lv
        out[PREMIUMS * width + s] += prem
        out[COMMISSIONS * width + s] += prem * com
        out[EXPENSES * width + s] += (lv * maint + pct * prem) * env[EM_ROW * width + s]
        out[CLAIMS * width + s] += d * max(a, sa)
        out[SURRENDERS * width + s] += u * a * (1.0 - sc)
        out[WITHDRAWALS * width + s] += stay * a * wd_rate
        out[DEATHS * width + s] += d
        out[LAPSES * width + s] += u
        a *= 1.0 - wd_rate
        out[ACCOUNT * width + s] += stay * a
        st[LIVES_ROW * width + s] = stay
        st[ACCOUNT_ROW * width + s] = a


def savings_lanes(n_s: int, spare: bool = True) -> int:
    """The lanes of the tiles of ``savings_tiles(n_s, spare)``: n_s and the spare lanes."""
    return sum(-(-(stop - first) // width) * width
               for first, stop, width in savings_tiles(n_s, spare))


def savings_tiles(n_s: int, spare: bool = True) -> list[tuple[int, int, int]]:
    """The tiles of ``project_savings`` over n_s scenarios, as runs (first, stop, width) of
    tiles of one width. For the scenarios left: of the widths w of ``SAVINGS_TILES`` (and 1
    for fewer than 8 scenarios) whose spare lanes ceil(left / w) w - left are fewer than
    max(left, 8), the one of least cost ceil(left / w) (w + SAVINGS_TILE_COST); as many whole
    tiles of it as fit, then the same for the rest. A last tile's spare lanes repeat its last
    scenario. Without ``spare`` (results per point, where spare lanes cost memory for every
    point) only whole tiles: of 256, 64, 8, then 1. At most four tile widths, so at most four
    compiled months."""
    runs, s0 = [], 0
    while s0 < n_s:
        width = _tile_width(n_s - s0, spare)
        stop = s0 + (n_s - s0) // width * width
        if stop == s0 or (stop < n_s and _tile_width(n_s - stop, spare) == width):
            stop = n_s  # the rest in a last tile of the same width
        runs.append((s0, stop, width))
        s0 = stop
    return runs


def _tile_width(left: int, spare: bool) -> int:
    if not spare:
        return next(w for w in (*SAVINGS_TILES, 1) if w <= left)
    widths = [w for w in SAVINGS_TILES + ((1,) if left < 8 else ())
              if -(-left // w) * w - left < max(left, 8)]  # at most doubled, past 8
    return min(widths, key=lambda w: (-(-left // w) * (w + SAVINGS_TILE_COST), w))


@njit(cache=True)
def project_savings(kind, product, table, age_at_entry, duration, term, premium_term,
                    first_premium, interval,
                    premium, sum_assured, maturity_benefit, count, account, grp,
                    qm, wm, commission, surrender_charge, acquisition, maintenance_m,
                    expense_pct, inflation, premium_charge, fee_m, amc_m, spread_m,
                    guarantee_m, credited_m, withdrawal_m, beta, dyn_lo, dyn_hi,
                    mass_lapse, expense_mult,
                    fund_m, market, df, timing, scen_g, scen_e, tiles, pvp, first, stop, width, apart):
    """Every savings point for the scenarios s = first..stop-1 (demographic row scen_g[s],
    economic row scen_e[s]), the innermost loop over the scenarios of a tile of ``width``:
    months into ``tiles[t, grp, m, line * width + j]`` for s = first + t width + j (a last
    tile's spare lanes repeat its last scenario); when ``pvp`` has one row per point, present
    values into ``pvp[p, s, flow]``. ``credited_m`` NaN: the fund's return less the spread is
    credited; ``fund_m[m, s]`` and ``market[m, s]`` by month then scenario.

    The loops are ordered for speed only (every sum is still added in the order of the points,
    so the result does not depend on them): the scenarios go in tiles of ``width`` (a
    compile-time constant; ``savings_tiles``), so that a month's lines of a tile, one flat
    row, stay in a core's first cache; within a tile the points go in blocks whose rows fill
    at most ``SAVINGS_WORK`` doubles, month by month and, within a month, point by point.
    With ``apart`` (every point its own group, whose lines share nothing with the others')
    the blocks are of one point: its months in order, its lines read in order."""
    keep_pv = pvp.shape[0] == kind.size
    horizon = tiles.shape[2]
    points = np.flatnonzero(kind == SAVINGS)
    if points.size == 0 or horizon == 0:
        return
    block = 1 if apart else min(points.size, max(1, SAVINGS_WORK // (ST_ROWS * width)))
    st = np.zeros((block, ST_ROWS * width))
    env = np.zeros((horizon, ENV_ROWS * width))
    before = np.zeros(N_FLOWS * width)  # the month's flows so far (for the PVs)
    lanes_g = np.zeros(width, np.int64)
    lanes_e = np.zeros(width, np.int64)
    q_g = np.zeros(qm.shape[0])
    w_g = np.zeros(qm.shape[0])
    filled = np.zeros(block, np.int64)  # the policy year whose rates a point's rows hold
    lives = LIVES_ROW * width
    acct = ACCOUNT_ROW * width
    for t0 in range(first, stop, width):
        n_t = min(width, stop - t0)  # the tile's scenarios; its other lanes repeat the last
        for j in range(width):
            s = t0 + min(j, n_t - 1)
            lanes_g[j] = scen_g[s]
            lanes_e[j] = scen_e[s]
            for m in range(horizon):
                env[m, EM_ROW * width + j] = expense_mult[scen_g[s]]
                env[m, FUND_ROW * width + j] = fund_m[m, s]
                env[m, MARKET_ROW * width + j] = market[m, s]
        out = tiles[(t0 - first) // width]
        for b0 in range(0, points.size, block):
            pts = points[b0:b0 + block]
            for k in range(pts.size):
                p = pts[k]
                filled[k] = -1
                for j in range(width):
                    st[k, LIVES_ROW * width + j] = count[p] if duration[p] > 0 else 0.0
                    st[k, ACCOUNT_ROW * width + j] = account[p] if duration[p] > 0 else 0.0
            left = pts.size
            for m in range(horizon):
                for k in range(pts.size):
                    p = pts[k]
                    if filled[k] == -2 or m < -duration[p]:
                        continue
                    pr = product[p]
                    n = term[p]
                    dur = duration[p] + m
                    if dur >= n:
                        filled[k] = -2
                        left -= 1
                        continue
                    year = dur // 12
                    yy = min(year, wm.shape[2] - 1)
                    step = interval[p]
                    due = dur < premium_term[p] and (
                        (step > 0 and dur >= first_premium[p]
                         and (dur - first_premium[p]) % step == 0)
                        or (step == 0 and dur == first_premium[p]))
                    sc = surrender_charge[pr, yy]
                    stk = st[k]
                    envm = env[m]
                    o = out[grp[p], m]
                    if keep_pv:  # the month's flows so far, to discount what this point adds
                        for i in range(N_FLOWS * width):
                            before[i] = o[i]
                    if dur == 0:  # new business: the policies enter, acquisition paid
                        c = count[p]
                        for j in range(width):
                            stk[lives + j] = c
                            stk[acct + j] = 0.0
                            o[EXPENSES * width + j] += (c * acquisition[pr]
                                                        * envm[EM_ROW * width + j])
                    if m == 0 and dur > 0:  # the mass lapse at the start, at the surrender value
                        for j in range(width):
                            ml = mass_lapse[lanes_g[j]]
                            if ml > 0.0:
                                lapsed = stk[lives + j] * ml
                                o[SURRENDERS * width + j] += lapsed * stk[acct + j] * (1.0 - sc)
                                o[LAPSES * width + j] += lapsed
                                stk[lives + j] -= lapsed
                    if year != filled[k]:  # the year's rates of each scenario
                        filled[k] = year
                        age = min(age_at_entry[p] + year, qm.shape[2] - 1)
                        ysel = min(year, qm.shape[3] - 1)
                        for g in range(q_g.size):
                            q_g[g] = qm[g, table[p], age, ysel]
                            w_g[g] = wm[g, pr, yy]
                        for j in range(width):
                            stk[Q_ROW * width + j] = q_g[lanes_g[j]]
                            stk[W_ROW * width + j] = w_g[lanes_g[j]]
                    declared = not np.isnan(credited_m[pr])
                    pp = premium[p] if due else 0.0
                    i_d = credited_m[pr] if declared else 0.0
                    maint = maintenance_m[pr] * inflation[pr, m]
                    dynamic = beta[pr] != 0.0
                    par = (pp, premium_charge[pr], fee_m[pr], amc_m[pr], sum_assured[p],
                           withdrawal_m[pr], maint, expense_pct[pr], commission[pr, yy], sc,
                           i_d, spread_m[pr], guarantee_m[pr], beta[pr], dyn_lo[pr],
                           dyn_hi[pr])
                    if width == 256:  # a constant width for each compiled month
                        _savings_month(256, par, declared, dynamic, stk, envm, o)
                    elif width == 64:
                        _savings_month(64, par, declared, dynamic, stk, envm, o)
                    elif width == 8:
                        _savings_month(8, par, declared, dynamic, stk, envm, o)
                    elif width == 1:
                        _savings_month(1, par, declared, dynamic, stk, envm, o)
                    else:
                        raise ValueError("a tile width without a compiled month")
                    if keep_pv:
                        for f in range(N_FLOWS):
                            if f == MATURITIES or f == ANNUITIES:
                                continue
                            tk = timing[f]
                            for j in range(n_t):
                                pvp[p, t0 + j, f] += ((o[f * width + j] - before[f * width + j])
                                                      * df[lanes_e[j], tk, m])
                    if dur == n - 1:  # the survivors at the end of the term: the account (or more)
                        for j in range(width):
                            paid = stk[lives + j] * max(stk[acct + j], maturity_benefit[p])
                            o[MATURITIES * width + j] += paid
                            if keep_pv and j < n_t:
                                pvp[p, t0 + j, MATURITIES] += (
                                    paid * df[lanes_e[j], timing[MATURITIES], m])
                            stk[lives + j] = 0.0
                        filled[k] = -2
                        left -= 1
                if left == 0:
                    break
