"""Monthly in-force projection of life model points: term, endowment, whole life, pure endowment.

Each model point is one life (or a group of identical lives, scaled by its amounts) aged ``x``
(integer, age last birthday at the projection start, month 0) with ``n`` months of cover left.
Month ``m`` runs from ``m`` to ``m + 1`` months after the start. The age first increases at the
start of month ``s`` (``age_step_month``, the next birthday or policy anniversary), then every 12
months: the age during month ``m`` is ``x`` for ``m < s`` and ``x + 1 + (m - s) // 12`` after
(term life: ``s = 12``, the age ``x + m // 12``). With ``l_0 = 1`` in force at the start:

    monthly mortality   q_m = 1 - (1 - q_{age in month m})^(1/12)   (constant force over the year)
    monthly lapse       w   = 1 - (1 - lapse_annual)^(1/12)
    deaths              d_m = l_m q_m                        (first: deaths, then lapses)
    lapses              u_m = (l_m - d_m) w                  (lapse applies to the month's survivors)
    in force            l_{m+1} = l_m - d_m - u_m

Constant force: with mu constant over the year of age, s_p_x = p_x^s (Dickson, Hardy & Waters,
AMLCR 2nd ed. 2013, §3.3.2), so one month is ``p^(1/12)``; lapses are decremented after deaths,
in the same month. Ages past the table's last age take q = 1 (the table is closed).

Cashflows of month ``m`` (summed over the points; never kept per point):

    premium     l_m x instalment   on the premium months f, f + k, f + 2k, ... below P
                (``f`` = first_premium_month, ``k`` the months between premiums of the mode,
                ``P`` = premium_months; monthly: 1/12 of the annual premium; quarterly: k = 3,
                1/4; semiannual: k = 6, 1/2; annual: k = 12, the whole annual premium; single:
                month f only, ``annual_premium`` holds the single premium)
    expenses    l_m x expense_per_policy_annual / 12 + expense_pct_premium x premium
    benefit     d_m x sum_insured            (deaths of the month, paid at the month's end)
    maturity    l_n x maturity_benefit       (survivors at the end of the term, paid at the end
                                              of month n - 1, when n <= horizon_months)

Premiums and expenses are inflows / outflows at the month's start, death benefits and
maturities at its end; a point stops at ``min(n, horizon_months)``. Term life (no maturity,
premiums from month 0 to the term, the age stepping every 12 months from month 0) is the
special case ``project_term_life``. Whole life is a term to the table's end.

Model points from ``life_policies`` (``life_model_points``): month ``m`` covers the days
``(add_months(v + 1, m) - 1, add_months(v + 1, m + 1) - 1]`` after a valuation at the end of day
``v``; anniversaries and premium due days are ``add_months(issue, 12 h)`` and
``add_months(issue, j k)`` (clipped to month ends, so Feb 29 gives Feb 28 in common years). A
premium due on a day of month m is paid at the start of month m; the age of a month is the age
last birthday at its start, and the cover runs to the first month starting on or after the
maturity day. The kernel's schedule is regular (every k months from the first premium month,
every 12 from the age step month); near clipped month ends a calendar due day can fall a month
off that schedule, and ``premium_months`` is set so that the number of premiums stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from reserva.calendar import NEVER, add_months, whole_months
from reserva.errors import BadCell, ComputationError, InputError
from reserva.projection.points.engine import RESULT_LINES
from reserva.reserves.accrued.alr import PLAN_BENEFITS
from reserva.reserves.accrued.mortality import MortalityTable
from reserva.vocab import INTERVAL_MONTHS, OPEN_PLANS, PREMIUM_FREQUENCIES, PREMIUMS_PER_YEAR

# months between two premiums of a mode; 0 = one premium only (single); monthly first
PREMIUM_MODES: dict[str, int] = {f: INTERVAL_MONTHS[f] for f in reversed(PREMIUM_FREQUENCIES)}
DEFAULT_CHUNK = 131_072
FILE = "life_policies.csv"


@dataclass(frozen=True)
class Projection:
    """Per-month totals over the model points; month m covers [m, m + 1) months from the start.

    ``in_force_count`` is the expected number in force at the month's start, ``deaths`` and
    ``lapses`` the expected numbers leaving during it; money columns are the cashflows above.
    """

    months: np.ndarray  # int64, 0 .. horizon_months - 1
    premiums: np.ndarray  # inflow, at the month's start
    deaths_benefit: np.ndarray  # outflow, at the month's end
    maturities: np.ndarray  # outflow, at the month's end
    expenses: np.ndarray  # outflow, at the month's start
    net: np.ndarray  # premiums - deaths_benefit - maturities - expenses
    in_force_count: np.ndarray
    deaths: np.ndarray
    lapses: np.ndarray
    annuities: np.ndarray | None = None  # outflow at the payment months' start (pensions)

    def pv_net(self, rate: float) -> float:
        """PV at the start = sum_m (premiums_m - expenses_m) v^(m/12)
        - (deaths_benefit_m + maturities_m) v^((m+1)/12), v = 1 / (1 + rate), rate annual."""
        if not np.isfinite(rate) or rate <= -1.0:
            raise ComputationError(f"discount rate {rate!r} must be a finite rate above -100%")
        v = (1.0 + rate) ** (-self.months.astype(np.float64) / 12.0)
        v_end = v * (1.0 + rate) ** (-1.0 / 12.0)
        return float(np.sum((self.premiums - self.expenses) * v)
                     - np.sum((self.deaths_benefit + self.maturities) * v_end))


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


def _integers(values: np.ndarray, name: str, offset: int) -> np.ndarray:
    """Whole numbers given as floats become int64; anything else is refused."""
    v = np.asarray(values, dtype=np.float64)
    bad = ~(np.isfinite(v) & (v == np.floor(v)))
    if bad.any():
        k = _first_bad(bad, offset)
        raise ComputationError(f"model point {k}: {name} {float(v[bad][0])!r}, expected a whole number")
    return v.astype(np.int64)


def _floats(arr: np.ndarray, name: str, start: int, stop: int) -> np.ndarray:
    """Points start..stop-1 of an amount (a scalar is repeated), checked finite and >= 0."""
    out = (np.full(stop - start, arr, dtype=np.float64) if arr.ndim == 0
           else np.ascontiguousarray(arr[start:stop], dtype=np.float64))
    bad = ~(np.isfinite(out) & (out >= 0.0))
    if bad.any():
        raise ComputationError(
            f"model point {_first_bad(bad, start)}: {name} {float(out[bad][0])!r}, "
            "expected a finite amount >= 0"
        )
    return out


def _ints(arr: np.ndarray, name: str, start: int, stop: int, low: int | None) -> np.ndarray:
    """Points start..stop-1 of a whole number (a scalar is repeated) as int64, checked >= low."""
    part = np.full(stop - start, arr) if arr.ndim == 0 else arr[start:stop]
    if part.dtype.kind not in "iu":
        part = _integers(part, name, start)
    out = np.ascontiguousarray(part, dtype=np.int64)
    if low is not None and (out < low).any():
        raise ComputationError(f"model point {_first_bad(out < low, start)}: {name} < {low}")
    return out


def project_life(
    age,
    term_months,
    sum_insured,
    annual_premium,
    premium_mode,
    *,
    maturity_benefit=0.0,
    premium_months=None,
    first_premium_month=0,
    age_step_month=12,
    q_annual,
    lapse_annual,
    expense_per_policy_annual: float,
    expense_pct_premium: float,
    horizon_months: int,
    min_age: int = 0,
    chunk: int = DEFAULT_CHUNK,
) -> Projection:
    """Monthly totals of premiums, death benefits, maturities and expenses of life model points.

    Per point (each a scalar for all points or one value per point): ``age`` (age last birthday
    at month 0), ``term_months`` left, ``sum_insured`` (death benefit), ``annual_premium``,
    ``premium_mode`` (monthly, quarterly, semiannual, annual, single, or the months between
    premiums, 0 = single), ``maturity_benefit`` (paid to the survivors at the end of the term),
    ``premium_months`` (premiums only in the months m < premium_months; None = the term; 0 = paid
    up), ``first_premium_month`` (the next premium due, then one every interval months; a single
    premium falls there only if it is < premium_months), ``age_step_month`` (>= 1: the month at
    whose start the age first increases, then every 12 months).
    ``q_annual``: a MortalityTable, or q_x by age from ``min_age`` whose last rate is 1;
    ``lapse_annual``: one annual lapse rate, or one per point. Ages, terms and months are whole
    numbers (int or integral floats). Points are converted and projected ``chunk`` at a time, so
    memory beyond the inputs is O(chunk + horizon_months); totals do not depend on ``chunk``
    (same order of sums). See the module docstring for the formulas.
    """
    return _run(age, term_months, sum_insured, annual_premium, premium_mode, maturity_benefit,
                premium_months, first_premium_month, age_step_month, q_annual=q_annual,
                lapse_annual=lapse_annual, expense_per_policy_annual=expense_per_policy_annual,
                expense_pct_premium=expense_pct_premium, horizon_months=horizon_months,
                min_age=min_age, chunk=chunk)


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
    """Term life: ``project_life`` with no maturity benefit, premiums due from month 0 to the
    term (month 0 taken as a premium due date: a point at its premium anniversary, or new
    business) and the age stepping every 12 months from month 0 (age ``x + m // 12``)."""
    return _run(age, term_months, sum_insured, annual_premium, premium_mode, 0.0, None, 0, 12,
                q_annual=q_annual, lapse_annual=lapse_annual,
                expense_per_policy_annual=expense_per_policy_annual,
                expense_pct_premium=expense_pct_premium, horizon_months=horizon_months,
                min_age=min_age, chunk=chunk)


def _run(age, term_months, sum_insured, annual_premium, premium_mode, maturity_benefit,
         premium_months, first_premium_month, age_step_month, *, q_annual, lapse_annual,
         expense_per_policy_annual, expense_pct_premium, horizon_months, min_age,
         chunk) -> Projection:
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
    inputs = {
        "age": np.asarray(age), "term_months": np.asarray(term_months),
        "sum_insured": np.asarray(sum_insured), "annual_premium": np.asarray(annual_premium),
        "premium_mode": np.asarray(premium_mode), "maturity_benefit": np.asarray(maturity_benefit),
        "premium_months": None if premium_months is None else np.asarray(premium_months),
        "first_premium_month": np.asarray(first_premium_month),
        "age_step_month": np.asarray(age_step_month),
    }
    # the number of points: age's, else the first input given per point, else one
    sizes = [arr.size for arr in inputs.values() if arr is not None and arr.ndim == 1]
    size = inputs["age"].size if inputs["age"].ndim == 1 else (sizes[0] if sizes else 1)
    for name, arr in inputs.items():
        if arr is not None and arr.shape not in ((), (size,)):
            raise ComputationError(f"{name} has shape {arr.shape}, expected ({size},) like age "
                                   "or one value for all points")
    lapse = np.asarray(lapse_annual, dtype=np.float64)
    if lapse.shape not in ((), (size,)):
        raise ComputationError(f"lapse_annual has shape {lapse.shape}, expected () or ({size},)")
    if not np.all((lapse >= 0.0) & (lapse <= 1.0)):
        raise ComputationError("lapse_annual must lie in [0, 1]")
    mode = inputs["premium_mode"]
    if mode.ndim == 0:  # one mode for all: converted once
        mode = np.asarray(_modes(mode.reshape(1))[0])

    table = q_annual if isinstance(q_annual, MortalityTable) else MortalityTable(
        "q_annual", min_age, q, "the rates given to project_life")
    lapses = np.atleast_1d(lapse)
    parts = []
    for start in range(0, size, chunk):  # checked and converted a chunk at a time
        stop = min(start + chunk, size)
        a = _ints(inputs["age"], "age", start, stop, None)
        t = _ints(inputs["term_months"], "term_months", start, stop, None)
        if (a < min_age).any():
            raise ComputationError(
                f"model point {_first_bad(a < min_age, start)}: age below the table's first age "
                f"{min_age}; fix: use a table that covers the ages of the model points"
            )
        if (t < 0).any():
            raise ComputationError(f"model point {_first_bad(t < 0, start)}: term_months < 0")
        s = _floats(inputs["sum_insured"], "sum_insured", start, stop)
        g = _floats(inputs["annual_premium"], "annual_premium", start, stop)
        mat = _floats(inputs["maturity_benefit"], "maturity_benefit", start, stop)
        pm = (t if inputs["premium_months"] is None
              else _ints(inputs["premium_months"], "premium_months", start, stop, 0))
        first = _ints(inputs["first_premium_month"], "first_premium_month", start, stop, 0)
        step_at = _ints(inputs["age_step_month"], "age_step_month", start, stop, 1)
        steps = (np.full(stop - start, mode, dtype=np.int64) if mode.ndim == 0
                 else _modes(mode[start:stop]))
        w = (np.full(stop - start, lapses[0]) if lapses.size == 1
             else np.ascontiguousarray(lapses[start:stop]))
        parts.append((a, t, s, g, steps, mat, pm, first, step_at, w))
    arrays = [np.concatenate(col) if parts else np.zeros(0) for col in zip(*parts, strict=True)]
    if not arrays:
        arrays = [np.zeros(0, np.int64)] * 10
    premiums, benefits, maturities, expenses, in_force, deaths, lapses_out, _ = project_in_force(
        *arrays, table, float(expense_per_policy_annual), float(expense_pct_premium), horizon,
        chunk=chunk)
    return Projection(
        months=np.arange(horizon, dtype=np.int64), premiums=premiums, deaths_benefit=benefits,
        maturities=maturities, expenses=expenses, net=premiums - benefits - maturities - expenses,
        in_force_count=in_force, deaths=deaths, lapses=lapses_out,
    )


def project_in_force(age, term_months, sum_insured, annual_premium, interval, maturity_benefit,
                     premium_months, first_premium_month, age_step_month, lapse_annual,
                     table: MortalityTable, per_policy: float, pct: float, horizon: int,
                     chunk: int = DEFAULT_CHUNK, annuity=None):
    """The months of in-force points on the model-point engine (``reserva.projection.points``:
    one code path for the close and ``reserva project-points``): (premiums, death benefits,
    maturities, expenses, in force, deaths, lapses, annuities), each [horizon], points added in
    order.

    A point with an ``annuity`` above 0 (a pension in payment, that amount a year) is a model
    point of kind annuity paying ``annuity x interval / 12`` at its due dates (as a premium's
    below) to the survivors, no premium; the others as follows.

    A point becomes a model point of kind endowment (its death and survival benefits as given)
    whose duration at the start, d = 12 - age_step_month, makes the age step at that month and
    every 12 after (the engine's age is age_at_entry + duration // 12); its term and premium term
    are d + term_months and d + premium_months, its first premium falls at duration d +
    first_premium_month, then one every interval; an instalment is the annual premium x interval
    / 12 (single: the premium). An age step month above 12 (a contract of Feb 29 whose next
    anniversary is more than 12 months away) steps at month 12, a month early. Points of each
    distinct lapse rate form one product of the basis (expenses per policy and per premium, no
    inflation, no commission)."""
    from reserva.projection.points.basis import Basis, DiscountCurve, ProductBasis, SelectTable
    from reserva.projection.points.engine import project
    from reserva.projection.points.model_points import make_points

    if annuity is None:
        annuity = np.zeros(np.asarray(age).size)
    keep = np.asarray(term_months) > 0  # no cover left: nothing to project
    if not keep.all():
        age, term_months, sum_insured, annual_premium, interval, maturity_benefit, \
            premium_months, first_premium_month, age_step_month, lapse_annual, annuity = (
                np.asarray(x)[keep] for x in (
                    age, term_months, sum_insured, annual_premium, interval, maturity_benefit,
                    premium_months, first_premium_month, age_step_month, lapse_annual,
                    annuity))
    n = np.asarray(age).size
    if n == 0 or horizon == 0:
        return [np.zeros(horizon) for _ in range(8)]
    pension = np.asarray(annuity, np.float64) > 0.0
    d0 = 12 - np.minimum(np.asarray(age_step_month, np.int64), 12)
    k = np.asarray(interval, np.int64)
    g = np.asarray(annual_premium, np.float64)
    instalment = np.where(k > 0, g * k / 12.0, g)
    rates, product = np.unique(np.asarray(lapse_annual, np.float64), return_inverse=True)
    names = [f"lapse {i}" for i in range(rates.size)]
    sel = SelectTable(table.name, table.min_age, table.q, table.provenance)
    products = {name: ProductBasis(name, "endowment", {"M": sel.name, "F": sel.name},
                                   lapse=np.array([r]), commission=np.array([0.0]),
                                   surrender_charge=np.array([0.0]), maintenance=per_policy,
                                   expense_pct=pct)
                for name, r in zip(names, rates, strict=True)}
    products["pension"] = ProductBasis("pension", "annuity", {"M": sel.name, "F": sel.name},
                                       lapse=np.array([0.0]), commission=np.array([0.0]),
                                       surrender_charge=np.array([0.0]), maintenance=per_policy)
    point_product = np.where(pension, "pension", np.array(names, dtype=object)[product])
    basis = Basis("in force", "", products, {sel.name: sel}, DiscountCurve("zero", [0.0]),
                  {"premiums": "start", "expenses": "start", "benefits": "end"})
    points = make_points(
        n, product=point_product.astype(object), age_at_entry=age, duration=d0,
        term=d0 + np.asarray(term_months, np.int64),
        premium_term=d0 + np.asarray(premium_months, np.int64),
        first_premium=d0 + np.asarray(first_premium_month, np.int64), interval=k,
        premium=np.where(pension, 0.0, instalment), sum_assured=sum_insured,
        maturity_benefit=maturity_benefit, annuity=np.where(pension, annuity, 0.0),
        annuity_interval=np.where(pension, np.maximum(k, 1), 1))
    res = project(points, basis, by="all", months=horizon, chunk=chunk)
    cf = res.cashflows[0, 0]
    col = {name: i for i, name in enumerate(RESULT_LINES)}
    return [np.ascontiguousarray(cf[:, col[name]]) for name in (
        "premiums", "claims", "maturities", "expenses", "policies", "deaths", "lapses",
        "annuities")]


@dataclass(frozen=True)
class LifeModelPoints:
    """One model point per contract of ``life_policies`` in force at the end of the valuation day,
    in the order of the frame; the fields feed ``project_life`` (``interval`` as its mode)."""

    row: np.ndarray  # int64, position of the contract in the frame
    product: np.ndarray  # int64, the product code given for the row
    age: np.ndarray  # int64, issue_age + whole policy years elapsed
    term_months: np.ndarray  # int64, months of cover left (>= 1)
    premium_months: np.ndarray  # int64, premiums only in the months m < premium_months
    first_premium_month: np.ndarray  # int64, the month of the next premium due
    age_step_month: np.ndarray  # int64, the first month starting at the next anniversary or later
    sum_insured: np.ndarray  # float64, death benefit
    maturity_benefit: np.ndarray  # float64, survival benefit at the end of the term
    annual_premium: np.ndarray  # float64, gross_premium of the frame; NaN where it is empty
    interval: np.ndarray  # int64, months between premiums (a pension's payments), 0 = single
    annuity: np.ndarray | None = None  # float64, a pension's amount a year (plan annuity), else 0

    @property
    def size(self) -> int:
        return int(self.row.size)


@njit(cache=True)
def _add_months(day, k):
    """``add_months`` compiled once here (not inlined into every caller: a faster compile)."""
    return add_months(day, k)


@njit(cache=True)
def _whole_months(start, t):
    """``whole_months``, compiled once here."""
    return whole_months(start, t)


@njit(cache=True)
def _month_of(base, day):
    """The month holding ``day`` >= base: the largest m with add_months(base, m) <= day."""
    m = _whole_months(base, day)
    while m > 0 and _add_months(base, m) > day:
        m -= 1
    while _add_months(base, m + 1) <= day:
        m += 1
    return m


@njit(cache=True)
def _months_to(base, day):
    """The first month starting on or after ``day``: the smallest m >= 0 with
    add_months(base, m) >= day."""
    if day <= base:
        return 0
    m = _month_of(base, day)
    return m if _add_months(base, m) == day else m + 1


@njit(cache=True)
def _calendar(issue, term_years, premium_years, interval, v, years, term_months, premium_months,
              first_due, age_step):
    """Policy years elapsed and the months of the grid of each contract (``life_model_points``)."""
    base = v + 1  # month m starts at the start of day add_months(base, m)
    for i in range(issue.size):
        s = issue[i]
        h = _whole_months(s, base) // 12
        while h > 0 and _add_months(s, 12 * h) > base:
            h -= 1
        while _add_months(s, 12 * (h + 1)) <= base:
            h += 1
        years[i] = h
        age_step[i] = _months_to(base, _add_months(s, 12 * (h + 1)))
        term_months[i] = _months_to(base, _add_months(s, 12 * term_years[i]))
        k = interval[i]
        first_due[i] = 0
        premium_months[i] = 0
        if k > 0:
            n = 12 * premium_years[i] // k  # premiums due at add_months(s, j k), j = 0 .. n - 1
            j = _whole_months(s, base) // k
            while j > 0 and _add_months(s, (j - 1) * k) >= base:
                j -= 1
            while _add_months(s, j * k) < base:
                j += 1
            if j < n:  # premium j is the next one due
                first_due[i] = _month_of(base, _add_months(s, j * k))
                premium_months[i] = first_due[i] + (n - j) * k


REQUIRED_COLUMNS = ("plan", "issue_date", "issue_age", "sum_insured", "term_years",
                    "premium_mode")
COLUMN_ORDER = (*REQUIRED_COLUMNS, "premium_years", "gross_premium", "exit_date")


def _cells(col: pd.Series) -> np.ndarray:
    """Each cell as stripped text, "" when empty (for the checks and the messages)."""
    return col.astype("string").str.strip().fillna("").to_numpy(dtype=object)


def _numbers(col: pd.Series, text: np.ndarray) -> np.ndarray:
    """The cells as float64; NaN where empty or not a number."""
    num = pd.to_numeric(col.where(text != ""), errors="coerce")
    return np.asarray(pd.Series(num).astype("Float64").to_numpy(np.float64, na_value=np.nan))


def _dates(col: pd.Series, text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(day numbers, bad): empty cells -> NEVER; cells that are not dates are bad."""
    if col.dtype.kind == "M":
        arr = col.to_numpy("datetime64[D]")
    else:
        arr = pd.to_datetime(col.where(text != ""), errors="coerce",
                             format="%Y-%m-%d").to_numpy("datetime64[D]")
    nat = np.isnat(arr)
    out = arr.astype(np.int64)
    out[nat] = NEVER
    return out, nat & (text != "")


def life_model_points(life_policies: pd.DataFrame, product: np.ndarray, valuation_day: int, *,
                      max_age: int) -> LifeModelPoints:
    """Model points of the ``life_policies`` contracts in force at the end of day ``v``.

    In force: issue_date <= v, exit_date empty or > v, and the maturity day
    ``E = add_months(issue, 12 term_years)`` after v + 1 (whole life: term_years = max_age + 1 -
    issue_age, the table's end). Month m of the projection holds the days
    ``add_months(v + 1, m) .. add_months(v + 1, m + 1) - 1``; per contract:

        age                  issue_age + h, h whole policy years at the end of day v
                             (anniversaries add_months(issue, 12 h) <= v + 1, as the ALR's)
        age_step_month       the first month starting on or after the next anniversary (the age
                             of a month is the age last birthday at its start)
        term_months          the first month starting on or after E (the cover runs in the
                             months before it; the maturity is paid at its start)
        first_premium_month  the month holding the next due day add_months(issue, j k) >= v + 1
                             (k = interval; usually 0 .. k - 1, k itself when a month end clips)
        premium_months       first_premium_month + k x (premiums still due), so that the
                             kernel pays exactly the premiums due before the end of the premium
                             term add_months(issue, 12 premium_years) (premium_years empty: the
                             term); 0 when none is due (a single premium is paid at issue)
        sum_insured, maturity_benefit   the row's sum_insured x PLAN_BENEFITS[plan]
                             (death and survival benefits; term_years is ignored for whole life)
        annual_premium       gross_premium (annual; a single premium for mode single), NaN
                             where empty: the caller supplies the basis premium.

    ``product`` holds one integer code per row of the frame. Every bad cell is reported at once
    in one ``InputError`` (row = position + 2, the file's line with a header and no blank rows).
    """
    lp = life_policies.reset_index(drop=True)
    n = len(lp)
    product = np.asarray(product)
    if product.shape != (n,) or (n > 0 and product.dtype.kind not in "iu"):
        raise ComputationError(
            f"product must hold one integer code per row of life_policies ({n}), got an array "
            f"of shape {product.shape} and type {product.dtype}"
        )
    if int(max_age) != max_age or max_age < 0:
        raise ComputationError(f"max_age {max_age!r}, expected a whole number >= 0")
    v = int(valuation_day)
    max_age = int(max_age)
    missing = [c for c in REQUIRED_COLUMNS if c not in lp.columns]
    if missing:
        raise InputError([BadCell(FILE, None, c, "", "column present", f"add the column {c}")
                          for c in missing])

    bad: list[BadCell] = []
    text = {c: _cells(lp[c]) for c in COLUMN_ORDER if c in lp.columns}
    ok = np.ones(n, dtype=bool)

    def report(column: str, mask: np.ndarray, expected: str, fix: str) -> None:
        nonlocal ok
        for i in np.flatnonzero(mask):
            bad.append(BadCell(FILE, int(i) + 2, column, str(text[column][i]), expected, fix))
        ok &= ~mask

    plan = text["plan"]
    report("plan", ~np.isin(plan, list(PLAN_BENEFITS)),
           f"one of {', '.join(PLAN_BENEFITS)}", "correct the plan")
    mode = text["premium_mode"]
    report("premium_mode", ~np.isin(mode, list(PREMIUMS_PER_YEAR)),
           f"one of {', '.join(PREMIUMS_PER_YEAR)}", "correct the premium mode")
    issue, issue_bad = _dates(lp["issue_date"], text["issue_date"])
    report("issue_date", issue_bad | (text["issue_date"] == ""), "a date YYYY-MM-DD",
           "give the issue date")
    if "exit_date" in lp.columns:
        exit_day, exit_bad = _dates(lp["exit_date"], text["exit_date"])
        report("exit_date", exit_bad, "a date YYYY-MM-DD, or empty", "correct the exit date")
    else:
        exit_day = np.full(n, NEVER, dtype=np.int64)
    age = _numbers(lp["issue_age"], text["issue_age"])
    report("issue_age", ~((age >= 0.0) & (age == np.floor(age)) & np.isfinite(age)),
           "a whole number >= 0", "give the age at issue in whole years")
    si = _numbers(lp["sum_insured"], text["sum_insured"])
    report("sum_insured", ~(np.isfinite(si) & (si >= 0.0)), "a number >= 0",
           "correct the sum insured")
    term = _numbers(lp["term_years"], text["term_years"])
    whole = (plan == "whole_life") | ((plan == "annuity") & (text["term_years"] == ""))
    term_ok = np.isfinite(term) & (term >= 1.0) & (term == np.floor(term))
    report("term_years", ~whole & ~term_ok,
           "a whole number >= 1 (empty only for whole_life and a pension for life)",
           "give the term in whole years")
    if "premium_years" in lp.columns:
        prem_years = _numbers(lp["premium_years"], text["premium_years"])
        given = text["premium_years"] != ""
        py_ok = np.isfinite(prem_years) & (prem_years >= 1.0) & (prem_years == np.floor(prem_years))
        report("premium_years", given & ~(py_ok & (whole | ~term_ok | (prem_years <= term))),
               "empty, or a whole number from 1 to term_years",
               "premiums are paid within the term: correct premium_years")
    else:
        prem_years = np.full(n, np.nan)
    if "gross_premium" in lp.columns:
        gross = _numbers(lp["gross_premium"], text["gross_premium"])
        report("gross_premium", (text["gross_premium"] != "") & ~(np.isfinite(gross) & (gross >= 0)),
               "empty, or a number >= 0", "correct the annual gross premium")
    else:
        gross = np.full(n, np.nan)

    term = np.where(whole, max_age + 1.0 - age, term)
    live = ok & (issue <= v) & (exit_day > v)
    report("issue_age", live & ((age + term > max_age + 1.0) | (term < 1.0)),
           f"an issue age whose cover ends by age {max_age + 1} (the table's end)",
           "correct issue_age or term_years, or project on a table covering these ages")
    if bad:
        order = {c: k for k, c in enumerate(COLUMN_ORDER)}
        raise InputError(sorted(bad, key=lambda c: (c.row, order[c.column])))

    return _points(np.flatnonzero(live), issue, term, prem_years, mode, plan, age, si, gross,
                   product, v)


def model_points(issue_day: np.ndarray, exit_day: np.ndarray, issue_age: np.ndarray,
                 sum_insured: np.ndarray, term_years: np.ndarray, premium_years: np.ndarray,
                 gross_premium: np.ndarray, plan: np.ndarray, premium_mode: np.ndarray,
                 product: np.ndarray, valuation_day: int, *, max_age: int) -> LifeModelPoints:
    """``life_model_points`` of contracts given as arrays whose cells are valid (the data
    pack's bundle, ``reserva.io.bundles``): day numbers (exit NEVER when empty), whole-number
    ages, ``term_years`` and ``premium_years`` NaN when empty, ``gross_premium`` NaN when
    empty, ``plan`` and ``premium_mode`` as text. Only the table's end is checked here: an
    ``InputError`` lists the contracts in force whose cover ends after ``max_age`` (row =
    position + 2)."""
    v, max_age = int(valuation_day), int(max_age)
    age = np.asarray(issue_age, dtype=np.float64)
    plan = np.asarray(plan, dtype=object)
    term_years = np.asarray(term_years, dtype=np.float64)
    term = np.where(np.isin(plan, OPEN_PLANS) & np.isnan(term_years), max_age + 1.0 - age,
                    term_years)
    live = (issue_day <= v) & (exit_day > v)
    bad = np.flatnonzero(live & ((age + term > max_age + 1.0) | (term < 1.0)))
    if bad.size:
        raise InputError([BadCell(
            FILE, int(i) + 2, "issue_age", str(int(age[i])),
            f"an issue age whose cover ends by age {max_age + 1} (the table's end)",
            "correct issue_age or term_years, or project on a table covering these ages")
            for i in bad])
    return _points(np.flatnonzero(live), np.asarray(issue_day, np.int64), term,
                   np.asarray(premium_years, np.float64), np.asarray(premium_mode, dtype=object),
                   plan, age, np.asarray(sum_insured, np.float64),
                   np.asarray(gross_premium, np.float64), np.asarray(product), v)


def _points(rows, issue, term, prem_years, mode, plan, age, si, gross, product,
            v: int) -> LifeModelPoints:
    """The model points of the contracts ``rows`` (in force at v, cells valid)."""
    term_years = term[rows].astype(np.int64)
    py = prem_years[rows]
    py = np.where(np.isnan(py), term_years, np.minimum(py, term_years)).astype(np.int64)
    interval = np.zeros(rows.size, dtype=np.int64)
    for name, per_year in PREMIUMS_PER_YEAR.items():
        interval[mode[rows] == name] = 0 if name == "single" else 12 // per_year
    out = [np.empty(rows.size, dtype=np.int64) for _ in range(5)]
    _calendar(np.ascontiguousarray(issue[rows]), term_years, py, interval, np.int64(v), *out)
    years, term_months, premium_months, first_due, age_step = out
    keep = term_months > 0  # a contract maturing at the end of day v has left
    rows = rows[keep]
    death, survival = np.zeros(rows.size), np.zeros(rows.size)
    for name, (on_death, on_survival) in PLAN_BENEFITS.items():
        death[plan[rows] == name] = on_death
        survival[plan[rows] == name] = on_survival
    return LifeModelPoints(
        row=rows.astype(np.int64),
        product=product[rows].astype(np.int64),
        age=age[rows].astype(np.int64) + years[keep],
        term_months=term_months[keep],
        premium_months=premium_months[keep],
        first_premium_month=first_due[keep],
        age_step_month=age_step[keep],
        sum_insured=si[rows] * death,
        maturity_benefit=si[rows] * survival,
        annual_premium=np.where(plan[rows] == "annuity", 0.0, gross[rows]),
        interval=interval[keep],
        annuity=np.where(plan[rows] == "annuity", si[rows], 0.0),
    )
