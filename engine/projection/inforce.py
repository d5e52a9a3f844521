"""Monthly in-force projection of term-life model points (one numba pass per point).

Each model point is one life (or a group of identical lives, scaled by its amounts) aged ``x``
(integer, at the projection start, month 0) with ``n`` months of cover left. Month ``m`` runs
from ``m`` to ``m + 1`` months after the start; the age during month ``m`` is ``x + m // 12``
(the age advances every 12 months). With ``l_0 = 1`` in force at the start:

    monthly mortality   q_m = 1 - (1 - q_{x + m//12})^(1/12)          (constant force over the year)
    monthly lapse       w   = 1 - (1 - lapse_annual)^(1/12)
    deaths              d_m = l_m q_m                        (first: deaths, then lapses)
    lapses              u_m = (l_m - d_m) w                  (lapse applies to the month's survivors)
    in force            l_{m+1} = l_m - d_m - u_m

Constant force: with mu constant over the year of age, s_p_x = p_x^s (Dickson, Hardy & Waters,
AMLCR 2nd ed. 2013, §3.3.2), so one month is ``p^(1/12)``; lapses are decremented after deaths,
in the same month. Ages past the table's last age take q = 1 (the table is closed).

Cashflows of month ``m`` (summed over the points; never kept per point):

    premium     l_m x instalment   on the premium months of the mode, m < n
                (monthly: every month, 1/12 of the annual premium; quarterly: m = 0, 3, 6, ..., 1/4;
                semiannual: m = 0, 6, ..., 1/2; annual: m = 0, 12, ..., the whole annual premium;
                single: m = 0 only, ``annual_premium`` holds the single premium)
    expenses    l_m x expense_per_policy_annual / 12 + expense_pct_premium x premium
    benefit     d_m x sum_insured    (deaths of the month, paid at the month's end)

Month 0 is taken as a premium due date (a point at its premium anniversary, or new business).
Premiums and expenses are inflows / outflows at the month's start, death benefits at its end;
a point stops at ``min(n, horizon_months)`` (no maturity benefit: term life).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from engine.errors import ComputationError
from engine.reserves.accrued.mortality import MortalityTable

# months between two premiums of a mode; 0 = one premium at month 0 (single)
PREMIUM_MODES: dict[str, int] = {
    "monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "single": 0,
}
DEFAULT_CHUNK = 131_072


@dataclass(frozen=True)
class Projection:
    """Per-month totals over the model points; month m covers [m, m + 1) months from the start.

    ``in_force_count`` is the expected number in force at the month's start, ``deaths`` and
    ``lapses`` the expected numbers leaving during it; money columns are the cashflows above.
    """

    months: np.ndarray  # int64, 0 .. horizon_months - 1
    premiums: np.ndarray  # inflow, at the month's start
    deaths_benefit: np.ndarray  # outflow, at the month's end
    expenses: np.ndarray  # outflow, at the month's start
    net: np.ndarray  # premiums - deaths_benefit - expenses
    in_force_count: np.ndarray
    deaths: np.ndarray
    lapses: np.ndarray

    def pv_net(self, rate: float) -> float:
        """PV at the start = sum_m (premiums_m - expenses_m) v^(m/12) - deaths_benefit_m v^((m+1)/12),
        v = 1 / (1 + rate), rate an annual effective rate."""
        if not np.isfinite(rate) or rate <= -1.0:
            raise ComputationError(f"discount rate {rate!r} must be a finite rate above -100%")
        v = (1.0 + rate) ** (-self.months.astype(np.float64) / 12.0)
        v_end = v * (1.0 + rate) ** (-1.0 / 12.0)
        return float(np.sum((self.premiums - self.expenses) * v) - np.sum(self.deaths_benefit * v_end))


@njit(cache=True)
def _project(age_index, term, sum_insured, premium, interval, lapse_m, q_m, per_policy_m, pct,
             horizon, premiums, benefits, expenses, in_force, deaths, lapses):
    """Add the months of every point to the totals, point after point (a fixed order of sums)."""
    last = q_m.size - 1
    for p in range(age_index.size):
        end = min(term[p], horizon)
        a = age_index[p]
        if a > last:
            a = last
        step = interval[p]
        instalment = premium[p] * step / 12.0 if step > 0 else premium[p]
        next_due = 0  # month of the next premium; -1 = none left (single premium paid)
        w = lapse_m[p]
        si = sum_insured[p]
        in_year = 0
        q = q_m[a]
        lm = 1.0
        for m in range(end):
            prem = 0.0
            if m == next_due:
                prem = lm * instalment
                next_due = m + step if step > 0 else -1
            premiums[m] += prem
            expenses[m] += lm * per_policy_m + pct * prem
            in_force[m] += lm
            d = lm * q
            benefits[m] += d * si
            deaths[m] += d
            s = lm - d
            u = s * w
            lapses[m] += u
            lm = s - u
            if lm == 0.0:
                break  # no one left (the table closed): the remaining months add nothing
            in_year += 1
            if in_year == 12:
                in_year = 0
                if a < last:
                    a += 1
                q = q_m[a]


def _modes(premium_mode) -> np.ndarray:
    """Months between premiums (int64) from mode names or from such integers."""
    mode = np.asarray(premium_mode)
    if mode.dtype.kind in "iu":
        out = mode.astype(np.int64)
        bad = ~np.isin(out, list(PREMIUM_MODES.values()))
    else:
        text = mode.astype(str)
        out = np.full(text.shape, -1, dtype=np.int64)
        for name, step in PREMIUM_MODES.items():
            out[text == name] = step
        bad = out < 0
    if bad.any():
        k = int(np.flatnonzero(np.ravel(bad))[0])
        raise ComputationError(
            f"model point {k}: premium mode {_plain(np.ravel(mode)[k])!r}, expected one of "
            f"{', '.join(PREMIUM_MODES)} (or months between premiums {sorted(PREMIUM_MODES.values())})"
        )
    return out


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _first_bad(mask: np.ndarray, offset: int) -> int:
    return offset + int(np.flatnonzero(mask)[0])


def project_term_life(
    age,
    term_months,
    sum_insured,
    annual_premium,
    premium_mode,
    *,
    q_annual,
    lapse_annual,
    expense_per_policy_annual: float,
    expense_pct_premium: float,
    horizon_months: int,
    min_age: int = 0,
    chunk: int = DEFAULT_CHUNK,
) -> Projection:
    """Monthly totals of premiums, death benefits and expenses of term-life model points.

    ``q_annual``: a MortalityTable, or q_x by age from ``min_age`` whose last rate is 1;
    ``lapse_annual``: one annual lapse rate, or one per point; ``premium_mode``: mode names
    (monthly, quarterly, semiannual, annual, single) or months between premiums (0 = single),
    one per point or one for all. Ages and terms are whole numbers (int or integral floats).
    Points are converted and projected ``chunk`` at a time, so memory beyond the inputs is
    O(chunk + horizon_months); totals do not depend on ``chunk`` (same order of sums).
    See the module docstring for the formulas.
    """
    if isinstance(q_annual, MortalityTable):
        q = np.asarray(q_annual.q, dtype=np.float64)
        min_age = q_annual.min_age
    else:
        q = np.asarray(q_annual, dtype=np.float64)
        if q.ndim != 1 or q.size == 0 or not np.all((q >= 0.0) & (q <= 1.0)) or q[-1] != 1.0:
            raise ComputationError(
                "q_annual must be a non-empty 1-D array of rates in [0, 1] closing with q = 1"
            )
    if int(horizon_months) != horizon_months or horizon_months < 0:
        raise ComputationError(f"horizon_months {horizon_months!r}, expected an integer >= 0")
    if int(chunk) != chunk or chunk < 1:
        raise ComputationError(f"chunk {chunk!r}, expected an integer >= 1")
    for name, value in (("expense_per_policy_annual", expense_per_policy_annual),
                        ("expense_pct_premium", expense_pct_premium)):
        if not np.isfinite(value) or value < 0.0:
            raise ComputationError(f"{name} {value!r}, expected a finite number >= 0")
    horizon = int(horizon_months)
    chunk = int(chunk)
    age = np.atleast_1d(np.asarray(age))
    size = age.size
    term = np.atleast_1d(np.asarray(term_months))
    si = np.atleast_1d(np.asarray(sum_insured))
    prem = np.atleast_1d(np.asarray(annual_premium))
    mode = np.asarray(premium_mode)
    mode = np.broadcast_to(mode, (size,)) if mode.ndim == 0 else mode  # one mode for all
    lapse = np.asarray(lapse_annual, dtype=np.float64)
    for name, arr in (("term_months", term), ("sum_insured", si), ("annual_premium", prem),
                      ("premium_mode", mode)):
        if arr.shape != (size,):
            raise ComputationError(f"{name} has shape {arr.shape}, expected ({size},) like age")
    if lapse.shape not in ((), (size,)):
        raise ComputationError(f"lapse_annual has shape {lapse.shape}, expected () or ({size},)")
    if not np.all((lapse >= 0.0) & (lapse <= 1.0)):
        raise ComputationError("lapse_annual must lie in [0, 1]")

    with np.errstate(divide="ignore"):  # q = 1: log1p(-1) = -inf, and the month's q is 1
        q_m = -np.expm1(np.log1p(-q) / 12.0)  # 1 - (1 - q)^(1/12), without cancellation
        lapse_m = -np.expm1(np.log1p(-lapse) / 12.0)
    per_policy_m = float(expense_per_policy_annual) / 12.0
    pct = float(expense_pct_premium)
    out = [np.zeros(horizon) for _ in range(6)]
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        a = age[start:stop]
        t = term[start:stop]
        if a.dtype.kind not in "iu" or t.dtype.kind not in "iu":
            a = _integers(a, "age", start)
            t = _integers(t, "term_months", start)
        a = np.ascontiguousarray(a, dtype=np.int64) - min_age
        t = np.ascontiguousarray(t, dtype=np.int64)
        s = np.ascontiguousarray(si[start:stop], dtype=np.float64)
        g = np.ascontiguousarray(prem[start:stop], dtype=np.float64)
        if (a < 0).any():
            raise ComputationError(
                f"model point {_first_bad(a < 0, start)}: age below the table's first age "
                f"{min_age}; fix: use a table that covers the ages of the model points"
            )
        if (t < 0).any():
            raise ComputationError(f"model point {_first_bad(t < 0, start)}: term_months < 0")
        for name, arr in (("sum_insured", s), ("annual_premium", g)):
            bad = ~(np.isfinite(arr) & (arr >= 0.0))
            if bad.any():
                raise ComputationError(
                    f"model point {_first_bad(bad, start)}: {name} {float(arr[bad][0])!r}, "
                    "expected a finite amount >= 0"
                )
        steps = _modes(mode[start:stop])
        w = (np.full(stop - start, float(lapse_m)) if lapse_m.ndim == 0
             else np.ascontiguousarray(lapse_m[start:stop]))
        _project(a, t, s, g, steps, w, q_m, per_policy_m, pct, horizon, *out)
    premiums, benefits, expenses, in_force, deaths, lapses = out
    return Projection(
        months=np.arange(horizon, dtype=np.int64), premiums=premiums, deaths_benefit=benefits,
        expenses=expenses, net=premiums - benefits - expenses, in_force_count=in_force,
        deaths=deaths, lapses=lapses,
    )


def _integers(values: np.ndarray, name: str, offset: int) -> np.ndarray:
    """Whole numbers given as floats become int64; anything else is refused."""
    v = np.asarray(values, dtype=np.float64)
    bad = ~(np.isfinite(v) & (v == np.floor(v)))
    if bad.any():
        k = _first_bad(bad, offset)
        raise ComputationError(f"model point {k}: {name} {float(v[bad][0])!r}, expected a whole number")
    return v.astype(np.int64)
