"""Slow, per-policy reference for level-premium life reserves (net and gross), from first principles.

Every quantity is a plain sum over cash-flow dates of amount x probability x discount; no commutation
columns, no vectorisation. Survival between integer ages follows a uniform distribution of deaths
(UDD): s_p_y = 1 - s q_y for 0 <= s <= 1 (Dickson, Hardy & Waters, AMLCR 2nd ed. (2013), §3.3.1).

Contract (the fast kernel follows the same definitions):

- a life aged ``x`` (integer) at issue (time 0); term ``n`` (whole life: ``n = omega + 1 - x``, where
  ``omega`` is the table's last age, whose q is 1); premium term ``m <= n``; ``k`` instalments of
  P/k a year at times j/k, j = 0 .. m k - 1, while alive;
- death benefit S_d paid at the END of the policy year of death (deaths in (0, n]); survival
  benefit S_e paid at n if alive; v = 1 / (1 + i);
- the reserve at duration t (real, 0 <= t <= n) is prospective, for a life in force at t: APV at t
  of future outgo minus APV at t of the premiums due at times >= t (on a due date the premium is
  still to come: the reserve "just before the premium"); V(n) = S_e, V = 0 for t > n; conditional
  survival from t to u is survival(x, u) / survival(x, t); deaths in (t, h + 1], h = floor(t), are
  paid at h + 1.
"""

from __future__ import annotations

import math

from reserva.errors import ComputationError


def survival(q, min_age, x, t) -> float:
    """t_p_x = prod_{j < floor(t)} (1 - q_{x+j}) x (1 - s q_{x+floor(t)}), s = t - floor(t) (UDD).

    ``q[a]`` is q at age ``min_age + a``; ages past the table have died (its last q is 1).
    """
    if t < 0 or x < min_age:
        raise ComputationError(f"survival of age {x} over {t} years: need t >= 0, x >= {min_age}")
    whole = math.floor(t)
    s = t - whole
    p = 1.0
    for j in range(whole):
        a = x + j - min_age
        if a >= len(q):
            return 0.0
        p *= 1.0 - q[a]
    if s > 0.0:
        a = x + whole - min_age
        if a >= len(q):
            return 0.0
        p *= 1.0 - s * q[a]
    return p


def _in_force(q, min_age, x, t, u) -> float:
    """u-t_p_{x+t} = survival(x, u) / survival(x, t) for u >= t (a life in force at t)."""
    return survival(q, min_age, x, u) / survival(q, min_age, x, t)


def _pv_deaths(q, min_age, interest, x, n, t) -> float:
    """Sum over policy years h' >= floor(t) of v^(h'+1-t) x P(death in (max(t, h'), h'+1] | alive at t)."""
    total = 0.0
    for year in range(math.floor(t), n):
        start = max(t, year)
        died = _in_force(q, min_age, x, t, start) - _in_force(q, min_age, x, t, year + 1)
        total += died * (1.0 + interest) ** -(year + 1 - t)
    return total


def _pv_survival(q, min_age, interest, x, n, t) -> float:
    """v^(n-t) x (n-t)_p_{x+t}: 1 paid at n if alive."""
    return _in_force(q, min_age, x, t, n) * (1.0 + interest) ** -(n - t)


def _pv_instalments(q, min_age, interest, x, m, k, t) -> float:
    """Sum over due dates u = j/k >= t, j < m k, of (1/k) v^(u-t) (u-t)_p_{x+t}: 1 a year in k parts."""
    total = 0.0
    for j in range(m * k):
        u = j / k
        if u >= t:
            total += _in_force(q, min_age, x, t, u) * (1.0 + interest) ** -(u - t) / k
    return total


def _pv_anniversaries(q, min_age, interest, x, n, t) -> float:
    """Sum over integer times h' in [t, n) of v^(h'-t) (h'-t)_p_{x+t}: 1 at each policy-year start."""
    total = 0.0
    for year in range(n):
        if year >= t:
            total += _in_force(q, min_age, x, t, year) * (1.0 + interest) ** -(year - t)
    return total


def reference_policy(q, min_age, interest, issue_age, term_years, premium_years, death_benefit,
                     survival_benefit, premiums_per_year, duration, *,
                     gross_premium=None, initial_expense=0.0, renewal_expense=0.0,
                     per_policy_expense=0.0, claim_expense=0.0, basis="net") -> tuple[float, float]:
    """(annual premium, reserve at ``duration``) of one policy, by brute-force sums over dates.

    ``term_years=None`` is whole life (n = omega + 1 - x); ``premium_years=None`` is m = n.

    net:   P = [S_d A_death + S_e A_surv] / a_prem, all at time 0, with a_prem = APV of 1/k at each
           due date; V(t) = S_d A_death(t) + S_e A_surv(t) - P a_prem(t).
    gross: G given, or G = [S_d (1+c) A_death + S_e A_surv + f a_ann] / [(1-r) a_prem - e0] (the
           equivalence G a_prem = outgo + e0 G + r G a_prem, a_ann = APV of 1 at integer times
           0 .. n-1); V(t) = S_d (1+c) A_death(t) + S_e A_surv(t) + f a_ann(t) - (1-r) G a_prem(t).
           The initial expense e0 G is paid at time 0 and never enters V(t), not even V(0): with
           the equivalence G, V(0) = -e0 G (the unrecovered acquisition cost).
    """
    if basis not in ("net", "gross"):
        raise ComputationError(f"basis {basis!r} must be 'net' or 'gross'")
    expenses = (initial_expense, renewal_expense, per_policy_expense, claim_expense)
    if basis == "net" and (gross_premium is not None or any(e != 0.0 for e in expenses)):
        raise ComputationError("a net-basis reserve takes no gross premium and no expenses")
    if len(q) == 0 or q[-1] != 1.0:
        raise ComputationError("a mortality table must close with q = 1 at its last age")
    omega = min_age + len(q) - 1
    x = issue_age
    if x != int(x) or not min_age <= x <= omega:
        raise ComputationError(f"issue age {x} must be an integer age of the table")
    n = omega + 1 - x if term_years is None else term_years
    m = n if premium_years is None else premium_years
    k = premiums_per_year
    if n != int(n) or not 1 <= n <= omega + 1 - x:
        raise ComputationError(f"term {n} must be a whole number of years within the table")
    if m != int(m) or not 1 <= m <= n:
        raise ComputationError(f"premium term {m} must be a whole number of years in 1..{n}")
    if k != int(k) or k < 1:
        raise ComputationError(f"premiums per year {k} must be a positive integer")
    if duration < 0:
        raise ComputationError(f"duration {duration} must be >= 0")
    n, m, k = int(n), int(m), int(k)

    def pv(t):
        """(A_death, A_surv, a_prem, a_ann) at t for a life in force at t."""
        return (_pv_deaths(q, min_age, interest, x, n, t),
                _pv_survival(q, min_age, interest, x, n, t),
                _pv_instalments(q, min_age, interest, x, m, k, t),
                _pv_anniversaries(q, min_age, interest, x, n, t))

    a_death, a_surv, a_prem, a_ann = pv(0.0)
    if basis == "net":
        premium = (death_benefit * a_death + survival_benefit * a_surv) / a_prem
        benefit_load, expense, premium_net_of = 1.0, 0.0, premium
    else:
        c, r, f, e0 = claim_expense, renewal_expense, per_policy_expense, initial_expense
        if gross_premium is None:
            outgo = death_benefit * (1.0 + c) * a_death + survival_benefit * a_surv + f * a_ann
            premium = outgo / ((1.0 - r) * a_prem - e0)
        else:
            premium = float(gross_premium)
        benefit_load, expense, premium_net_of = 1.0 + c, f, (1.0 - r) * premium

    if duration > n:
        return premium, 0.0
    if duration == n:
        return premium, float(survival_benefit)
    a_death, a_surv, a_prem, a_ann = pv(float(duration))
    reserve = (death_benefit * benefit_load * a_death + survival_benefit * a_surv
               + expense * a_ann - premium_net_of * a_prem)
    return premium, reserve
