"""The basis of a model-point projection: products, select mortality, schedules by policy year,
the discount curve and the cashflow timing — frozen values, read from a basis folder by
``reserva.projection.points.basis_files``.

Discount curve (annual rates by policy-year step ``y = floor(tau / 12)``, tau in months from the
start, the last rate holding on):

    zero      v(tau) = (1 + z_y)^(-tau / 12)                 (lifelib basiclife's disc_factors:
                                                              the spot rate of year y applied
                                                              over the whole time)
    forward   v(tau) = prod_{j < y} (1 + f_j)^(-1) x (1 + f_y)^(-(tau - 12 y) / 12)

A flow of month m paid at its start, middle or end is discounted by v(m), v(m + 1/2), v(m + 1)
(``CASHFLOW_TIMINGS``); a rate shift adds to every rate. Monthly rates from annual ones are
compounded: r_m = (1 + r)^(1/12) - 1; monthly decrements use constant force over the year:
q_m = 1 - (1 - q)^(1/12) (Dickson, Hardy & Waters, AMLCR 2nd ed. 2013, §3.3.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from reserva.errors import AssumptionError
from reserva.vocab import CASHFLOW_TIMINGS, POINT_KINDS

PREMIUM_RULES = ("given", "table", "rated")
CURVE_KINDS = ("zero", "forward")
SEXES = ("M", "F")
TIMED_LINES = ("premiums", "expenses", "benefits")  # benefits: claims, surrenders, withdrawals


def _frozen(a, dtype=np.float64) -> np.ndarray:
    out = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class SelectTable:
    """Annual mortality q[age - min_age, d] by attained age and policy year d = 0 .. select - 1,
    the last column ultimate (an ultimate table has one column); the last age's rates are 1."""

    name: str
    min_age: int
    q: np.ndarray  # float64 [ages, durations]
    provenance: str

    def __post_init__(self):
        q = _frozen(self.q)
        if q.ndim == 1:
            q = _frozen(q.reshape(-1, 1))
        where = f"mortality table {self.name!r}"
        if q.ndim != 2 or q.size == 0:
            raise AssumptionError(f"{where}: expected rates by age and policy year")
        if not np.all((q >= 0.0) & (q <= 1.0)):
            raise AssumptionError(f"{where}: rates must lie in [0, 1]")
        if not np.all(q[-1] == 1.0):
            raise AssumptionError(f"{where}: the last age {self.min_age + q.shape[0] - 1} must "
                                  "have q = 1 (a table must close)")
        object.__setattr__(self, "q", q)

    @property
    def max_age(self) -> int:
        return self.min_age + self.q.shape[0] - 1

    @property
    def select(self) -> int:
        return int(self.q.shape[1])


@dataclass(frozen=True)
class ProductBasis:
    """One product of the basis. Schedules are annual rates by policy year 0, 1, ... (the last
    holding on); amounts per policy; rates annual."""

    product: str
    kind: str  # POINT_KINDS
    mortality: Mapping[str, str]  # sex ("M", "F") -> table name (the same for a unisex basis)
    lapse: np.ndarray
    commission: np.ndarray  # share of the premiums paid in the policy year
    surrender_charge: np.ndarray  # savings: share of the account kept on surrender
    acquisition: float = 0.0  # per new policy, at issue
    maintenance: float = 0.0  # per policy in force, per year, inflated
    expense_pct: float = 0.0  # share of premiums
    inflation: float = 0.0  # v of maintenance: (1 + inflation)^(m / 12) at month m
    premium_rule: str = "given"  # PREMIUM_RULES
    loading: float = 0.0  # rated: premium = (1 + loading) x net premium
    premium_decimals: int | None = None  # rated: rounded to these decimals (None: not rounded)
    premium_table: Mapping[tuple[int, int], float] = field(default_factory=dict)
    # (age_at_entry, policy term in years) -> premium per unit sum assured per instalment
    # savings
    premium_charge: float = 0.0
    policy_fee: float = 0.0  # per policy per year, from the account
    management_charge: float = 0.0  # annual share of the account
    fund_spread: float = 0.0  # credited = fund return - spread, floored at the guarantee
    guaranteed_rate: float = 0.0
    credited_rate: float = float("nan")  # a declared rate instead of the fund's return
    withdrawal_rate: float = 0.0  # annual share of the account withdrawn by those who stay
    dynamic_beta: float = 0.0  # lapse x clip(1 + beta (market - credited), lo, hi)
    dynamic_min: float = 0.0
    dynamic_max: float = 10.0

    def __post_init__(self):
        if self.kind not in POINT_KINDS:
            raise AssumptionError(f"product {self.product!r}: kind {self.kind!r}, expected one of "
                                  f"{', '.join(POINT_KINDS)}")
        if self.premium_rule == "rated" and self.kind in ("annuity", "savings"):
            raise AssumptionError(f"product {self.product!r}: a {self.kind} has no premium "
                                  "rated on its claims; fix: give the premium (rule given)")
        if self.premium_rule not in PREMIUM_RULES:
            raise AssumptionError(f"product {self.product!r}: premium rule "
                                  f"{self.premium_rule!r}, expected one of "
                                  f"{', '.join(PREMIUM_RULES)}")
        for name in ("lapse", "commission", "surrender_charge"):
            arr = _frozen(np.atleast_1d(getattr(self, name)))
            if arr.ndim != 1 or arr.size == 0 or not np.all((arr >= 0) & np.isfinite(arr)):
                raise AssumptionError(f"product {self.product!r}: {name} must be a non-empty "
                                      "schedule of rates >= 0 by policy year")
            object.__setattr__(self, name, arr)
        if set(self.mortality) != set(SEXES):
            raise AssumptionError(f"product {self.product!r}: a mortality table for each of "
                                  f"{', '.join(SEXES)}")


@dataclass(frozen=True)
class DiscountCurve:
    """Annual rates by year from the start (the last holding on), ``kind`` zero or forward."""

    kind: str
    rates: np.ndarray

    def __post_init__(self):
        if self.kind not in CURVE_KINDS:
            raise AssumptionError(f"discount curve kind {self.kind!r}, expected one of "
                                  f"{', '.join(CURVE_KINDS)}")
        r = _frozen(np.atleast_1d(self.rates))
        if r.ndim != 1 or r.size == 0 or not np.all(np.isfinite(r) & (r > -1.0)):
            raise AssumptionError("discount rates must be finite rates above -100%")
        object.__setattr__(self, "rates", r)

    def factors(self, months: int, shift: float = 0.0) -> np.ndarray:
        """v(tau) at tau = m + k / 2 months, k = 0, 1, 2 (start, mid, end): [3, months + 1]."""
        tau = np.arange(months + 1, dtype=np.float64)[None, :] + np.array([[0.0], [0.5], [1.0]])
        return self.at(tau, shift)

    def at(self, tau: np.ndarray, shift: float = 0.0) -> np.ndarray:
        """v(tau), tau in months (the module docstring)."""
        rates = self.rates + shift
        if np.any(rates <= -1.0):
            raise AssumptionError(f"a rate shift of {shift!r} takes a discount rate to -100% "
                                  "or below")
        y = np.minimum((tau // 12).astype(np.int64), rates.size - 1)
        if self.kind == "zero":
            return (1.0 + rates[y]) ** (-tau / 12.0)
        # forward: the whole years before y at their own rates, then the part of year y
        whole = np.concatenate(([0.0], np.cumsum(np.log1p(rates))))
        years = tau // 12
        full = np.where(years <= rates.size, whole[np.minimum(years, rates.size).astype(np.int64)],
                        whole[-1] + (years - rates.size) * np.log1p(rates[-1]))
        return np.exp(-full - (tau - 12.0 * years) / 12.0 * np.log1p(rates[y]))

    def forward_monthly(self, months: int, shift: float = 0.0) -> np.ndarray:
        """The one-month forward return of month m, v(m) / v(m + 1) - 1 (the fund's return on
        the curve: a risk-neutral fund)."""
        v = self.at(np.arange(months + 1, dtype=np.float64), shift)
        return v[:-1] / v[1:] - 1.0


@dataclass(frozen=True)
class Basis:
    """A whole basis: its products, tables, curve and timing, and its identity (folder name and
    the sha256 of its files, recorded by every run)."""

    name: str
    set_hash: str
    products: Mapping[str, ProductBasis]
    tables: Mapping[str, SelectTable]
    curve: DiscountCurve
    timing: Mapping[str, str]  # TIMED_LINES -> CASHFLOW_TIMINGS
    horizon_months: int | None = None  # None: to the end of the longest point
    fund_return: float | None = None  # None: the curve's forwards; else an annual return
    hull_white: tuple[float, float] | None = None  # (a, sigma) of the stochastic generator

    def __post_init__(self):
        for line in TIMED_LINES:
            if self.timing.get(line) not in CASHFLOW_TIMINGS:
                raise AssumptionError(f"timing of {line}: {self.timing.get(line)!r}, expected "
                                      f"one of {', '.join(CASHFLOW_TIMINGS)}")
        for prod in self.products.values():
            for sex, name in prod.mortality.items():
                if name not in self.tables:
                    raise AssumptionError(f"product {prod.product!r}: mortality table {name!r} "
                                          f"({sex}) is not in the basis")
