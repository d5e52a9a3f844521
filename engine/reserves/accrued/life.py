"""Net and gross premium reserves of level-premium life contracts (spec §3.6-3.7, E2 Table 9).

A life aged ``x`` (integer) at issue buys cover for ``n`` years (whole life: ``n = omega + 1 - x``,
the table's last age ``omega`` having ``q = 1``); premiums are paid ``k`` times a year (1 or 12)
for ``m <= n`` years (a single premium is ``m = 1, k = 1``). The death benefit ``S_d`` is paid at
the end of the policy year of death, the survival benefit ``S_e`` at ``n`` (endowment). With
commutation columns ``D``, ``N``, ``M`` of the table at rate ``i`` (Dickson, Hardy & Waters, AMLCR
2nd ed., ch. 4-7):

    A1_{y:j} = (M_y - M_{y+j}) / D_y,   jE_y = D_{y+j} / D_y,   ä_{y:j} = (N_y - N_{y+j}) / D_y
    ä^(k)_{y:j} = alpha(k) ä_{y:j} - beta(k) (1 - jE_y)                      (UDD, AMLCR §5.11)
    net premium       P = (S_d A1_{x:n} + S_e nE_x) / ä^(k)_{x:m}
    gross premium     G = (S_d (1+c) A1_{x:n} + S_e nE_x + f ä_{x:n}) / ((1-r) ä^(k)_{x:m} - e0)
    reserve at integer duration h < n (just before the premium due at h):
        hV = S_d' A1_{x+h:n-h} + S_e (n-h)E_{x+h} + f ä_{x+h:n-h} - pi ä^(k)_{x+h:m-h}
    with (net) S_d' = S_d, f = 0, pi = P; (gross) S_d' = S_d (1 + c), pi = (1 - r) G;
    at t = h + s, 0 < s < 1, q = q_{x+h}, uniform deaths over the year (UDD):
        V(t) = v^(1-s) [S_d' (1-s) q + (1 - q) V(h+1)] / (1 - s q)
               - pi/k sum_{j >= s k}^{k-1} v^(j/k - s) (1 - (j/k) q) / (1 - s q)      [h < m]
    nV = S_e; V = 0 after n.

``c`` claim expense (share of the death benefit), ``r`` renewal expense (share of every gross
premium), ``f`` per-policy expense at each anniversary, ``e0`` initial expense (share of one
annual gross premium at issue; at t = 0 the gross reserve is ``-e0 G``, the unrecovered
acquisition cost). The gross premium is the one of the data when given, else the equivalence one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from reserva.errors import ComputationError


@dataclass(frozen=True)
class Commutation:
    """Commutation columns of one (table, rate): index ``a`` = age - ``min_age``, length L + 1."""

    min_age: int
    q: np.ndarray
    interest_rate: float
    d: np.ndarray
    n: np.ndarray
    m: np.ndarray

    @property
    def max_age(self) -> int:
        return self.min_age + len(self.q) - 1


def commutation(q: np.ndarray, min_age: int, interest_rate: float) -> Commutation:
    """D_a = v^a l_a, C_a = v^(a+1) d_a, N_a = sum_{b>=a} D_b, M_a = sum_{b>=a} C_b (l at min_age = 1)."""
    q = np.asarray(q, dtype=np.float64)
    if q.size == 0 or q[-1] != 1.0:
        raise ComputationError("a mortality table must close with q = 1 at its last age")
    if interest_rate <= -1.0:
        raise ComputationError(f"interest rate {interest_rate} must be above -100%")
    v = 1.0 / (1.0 + interest_rate)
    lx = np.concatenate(([1.0], np.cumprod(1.0 - q)))
    disc = v ** np.arange(lx.size, dtype=np.float64)
    d = disc * lx
    c = np.zeros(lx.size)
    c[:-1] = disc[1:] * (lx[:-1] - lx[1:])
    n = np.cumsum(d[::-1])[::-1].copy()
    m = np.cumsum(c[::-1])[::-1].copy()
    return Commutation(int(min_age), q, float(interest_rate), d, n, m)


def alpha_beta(interest_rate: float, k: int) -> tuple[float, float]:
    """alpha(k) = i d / (i^(k) d^(k)), beta(k) = (i - i^(k)) / (i^(k) d^(k)) (AMLCR §5.11)."""
    if k == 1:
        return 1.0, 0.0
    i = interest_rate
    if abs(i) < 1e-12:
        return 1.0, (k - 1) / (2.0 * k)
    d = i / (1.0 + i)
    ik = k * ((1.0 + i) ** (1.0 / k) - 1.0)
    dk = k * (1.0 - (1.0 + i) ** (-1.0 / k))
    return i * d / (ik * dk), (i - ik) / (ik * dk)


@njit(cache=True, inline="always")
def _annuity_k(cd, cn, a, j, alpha, beta):
    """ä^(k)_{y:j} (UDD) at table index a; 0 when j <= 0."""
    if j <= 0:
        return 0.0
    return alpha * (cn[a] - cn[a + j]) / cd[a] - beta * (1.0 - cd[a + j] / cd[a])


@njit(cache=True, inline="always")
def _value_at(cd, cn, cm, a, left, prem_left, sd, se, f, pi, alpha, beta):
    """Prospective value at an integer duration with ``left`` years of cover and ``prem_left`` of premium."""
    if left <= 0:
        return se
    inv = 1.0 / cd[a]
    a1 = (cm[a] - cm[a + left]) * inv
    e = cd[a + left] * inv
    ann = (cn[a] - cn[a + left]) * inv
    return sd * a1 + se * e + f * ann - pi * _annuity_k(cd, cn, a, prem_left, alpha, beta)


@njit(cache=True)
def _reserves(cd, cn, cm, q, v, alpha, beta, a0, n, m, k, sd, se, t, gross, f, c, r, e0, given,
              premium, reserve):
    """One group of policies sharing k premiums a year (alpha, beta = alpha(k), beta(k))."""
    for p in range(a0.size):
        a = a0[p]
        kk = k[p]
        inv = 1.0 / cd[a]
        a1 = (cm[a] - cm[a + n[p]]) * inv
        e = cd[a + n[p]] * inv
        ak = _annuity_k(cd, cn, a, m[p], alpha, beta)
        if gross:
            sdp = sd[p] * (1.0 + c)
            ff = f
            g = given[p]
            if not g > 0.0:
                ann = (cn[a] - cn[a + n[p]]) * inv
                g = (sdp * a1 + se[p] * e + ff * ann) / ((1.0 - r) * ak - e0)
            premium[p] = g
            pi = (1.0 - r) * g
        else:
            sdp = sd[p]
            ff = 0.0
            pi = (sd[p] * a1 + se[p] * e) / ak
            premium[p] = pi
        tp = t[p]
        if tp > n[p]:
            reserve[p] = 0.0
            continue
        h = int(np.floor(tp))
        s = tp - h
        if h >= n[p]:
            reserve[p] = se[p]
            continue
        if s < 1e-12:
            reserve[p] = _value_at(cd, cn, cm, a + h, n[p] - h, m[p] - h, sdp, se[p], ff, pi, alpha, beta)
            continue
        qq = q[a + h]
        nxt = _value_at(cd, cn, cm, a + h + 1, n[p] - h - 1, m[p] - h - 1, sdp, se[p], ff, pi, alpha, beta)
        den = 1.0 - s * qq
        val = v ** (1.0 - s) * (sdp * (1.0 - s) * qq + (1.0 - qq) * nxt) / den
        if h < m[p]:
            first = int(np.ceil(s * kk - 1e-9))
            acc = 0.0
            for j in range(first, kk):
                u = j / kk
                acc += v ** (u - s) * (1.0 - u * qq) / den
            val -= pi / kk * acc
        reserve[p] = val


@dataclass(frozen=True)
class LifeValues:
    """Per policy: annual premium (net P or gross G) and the reserve at the duration."""

    premium: np.ndarray
    reserve: np.ndarray


@dataclass(frozen=True)
class Expenses:
    """Gross-premium loadings (assumption set): initial e0, renewal r, per policy f, claim c."""

    initial: float = 0.0
    renewal: float = 0.0
    per_policy: float = 0.0
    claim: float = 0.0


def whole_life_term(cm: Commutation, issue_age: np.ndarray) -> np.ndarray:
    """n = omega + 1 - x: whole life runs to the end of the table."""
    return cm.max_age + 1 - np.asarray(issue_age, dtype=np.int64)


def policy_values(
    cm: Commutation,
    issue_age,
    term_years,
    premium_years,
    death_benefit,
    survival_benefit,
    premiums_per_year,
    duration,
    *,
    basis: str = "net",
    expenses: Expenses = Expenses(),
    gross_premium=None,
) -> LifeValues:
    """Premium and reserve of every policy at its duration (see the module docstring)."""
    x = np.atleast_1d(np.asarray(issue_age, dtype=np.int64))
    size = x.size
    n = np.broadcast_to(np.asarray(term_years, dtype=np.int64), size).copy()
    m = np.broadcast_to(np.asarray(premium_years, dtype=np.int64), size).copy()
    k = np.broadcast_to(np.asarray(premiums_per_year, dtype=np.int64), size).copy()
    sd = np.broadcast_to(np.asarray(death_benefit, dtype=np.float64), size).copy()
    se = np.broadcast_to(np.asarray(survival_benefit, dtype=np.float64), size).copy()
    t = np.broadcast_to(np.asarray(duration, dtype=np.float64), size).copy()
    a0 = x - cm.min_age
    length = len(cm.q)
    problems = []
    if np.any(a0 < 0) or np.any(a0 >= length):
        problems.append(f"issue ages must lie in the table's ages {cm.min_age}..{cm.max_age}")
    if np.any(n < 1) or np.any(a0 + n > length):
        problems.append("every term must be at least 1 year and end by the table's last age + 1")
    if np.any(m < 1) or np.any(m > n):
        problems.append("the premium term must be 1..term years")
    if not np.all(np.isin(k, (1, 2, 4, 12))):
        problems.append("premiums per year must be 1, 2, 4 or 12")
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        problems.append("durations must be >= 0")
    if basis not in ("net", "gross"):
        problems.append(f"basis {basis!r} must be 'net' or 'gross'")
    if problems:
        raise ComputationError("; ".join(problems))
    given = (np.full(size, np.nan) if gross_premium is None
             else np.broadcast_to(np.asarray(gross_premium, dtype=np.float64), size).copy())
    premium = np.empty(size)
    reserve = np.empty(size)
    v = 1.0 / (1.0 + cm.interest_rate)
    for kk in np.unique(k):
        sel = np.flatnonzero(k == kk)
        al, be = alpha_beta(cm.interest_rate, int(kk))
        p_out = np.empty(sel.size)
        r_out = np.empty(sel.size)
        _reserves(cm.d, cm.n, cm.m, cm.q, v, al, be, a0[sel], n[sel], m[sel], k[sel], sd[sel],
                  se[sel], t[sel], basis == "gross", expenses.per_policy, expenses.claim,
                  expenses.renewal, expenses.initial, given[sel], p_out, r_out)
        premium[sel] = p_out
        reserve[sel] = r_out
    return LifeValues(premium, reserve)


@dataclass(frozen=True)
class SpotCheck:
    """The figures an actuary checks by hand for one contract (``reserva life``)."""

    annual_premium: float
    reserve: float
    annuity_at_issue: float      # ä^(k)_{x:m}
    assurance_at_issue: float    # A_{x:n} of the benefits per unit of sum insured
    annuity_at_duration: float   # ä^(k)_{x+h:m-h} at the integer duration h = floor(T)
    assurance_at_duration: float


def spot_check(cm: Commutation, plan: str, age: int, term: int | None, duration: float,
               sum_insured: float = 1.0, premiums_per_year: int = 1,
               premium_years: int | None = None) -> SpotCheck:
    """Net premium, reserve, ä and A for a whole_life / endowment / term contract."""
    if plan == "whole_life":
        n = int(whole_life_term(cm, np.array([age]))[0])
    elif term is None:
        raise ComputationError(f"a {plan} contract needs a term")
    else:
        n = int(term)
    m = n if premium_years is None else int(premium_years)
    se = sum_insured if plan == "endowment" else 0.0
    vals = policy_values(cm, [age], [n], [m], [sum_insured], [se], [premiums_per_year], [duration])
    al, be = alpha_beta(cm.interest_rate, premiums_per_year)

    def figures(a: int, left: int, prem_left: int) -> tuple[float, float]:
        ann = float(_annuity_k(cm.d, cm.n, a, prem_left, al, be))
        ins = (cm.m[a] - cm.m[a + left]) / cm.d[a] + (cm.d[a + left] / cm.d[a] if se else 0.0)
        return ann, float(ins)

    a0 = age - cm.min_age
    h = min(int(np.floor(duration)), n)
    ann0, ins0 = figures(a0, n, m)
    ann_t, ins_t = figures(a0 + h, n - h, max(m - h, 0)) if h < n else (0.0, 1.0 if se else 0.0)
    return SpotCheck(float(vals.premium[0]), float(vals.reserve[0]), ann0, ins0, ann_t, ins_t)
