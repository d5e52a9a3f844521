"""ALM maturity ladder, PV surplus with duration gap, and investment-policy checks.

Spec §4.2 (E2 Box 3, L713-751) DECISION: a cash-flow gap report by time bucket,
``gap = asset inflows - liability outflows`` per bucket, with the cumulative gap; the
matching ratio ``inflows / outflows`` per bucket is "undefined" (NaN + reason) on zero outflows.

Spec §4.3 (E1 L402-437, E2 L671-712): real estate must not exceed 10% of invested assets
(E1 L434-435, E2 L702-703), asset-class share limits, single-issuer limits, a minimum grade.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from reserva.errors import AssumptionError, ComputationError
from reserva.kpi.ratio import Ratio, ratio
from reserva.projection.assets import modified_duration, pv

DEFAULT_BUCKETS = ("0-1m", "1-3m", "3-6m", "6-12m", "1-2y", "2-3y", "3-5y", "5-10y", "10y+")
OPEN = -1  # month_to of an open-ended last bucket

_RANGE = re.compile(r"^(\d+)-(\d+)([my])$")
_PLUS = re.compile(r"^(\d+)([my])\+$")


def bucket_months(labels) -> tuple[np.ndarray, np.ndarray]:
    """(month_from, month_to) of bucket labels: ``"a-bm"`` = months a+1..b, ``"a-by"`` = months
    12a+1..12b, ``"ay+"`` / ``"am+"`` = from month 12a+1 / a+1 on (month_to = OPEN).

    The buckets must start at month 1, follow each other without gap or overlap, and only the
    last may be open-ended.
    """
    lo, hi = [], []
    for label in labels:
        r, p = _RANGE.match(label), _PLUS.match(label)
        if r:
            unit = 12 if r.group(3) == "y" else 1
            a, b = int(r.group(1)) * unit, int(r.group(2)) * unit
            if b <= a:
                raise AssumptionError(f"bucket {label!r}: the end must be after the start")
            lo.append(a + 1)
            hi.append(b)
        elif p:
            unit = 12 if p.group(2) == "y" else 1
            lo.append(int(p.group(1)) * unit + 1)
            hi.append(OPEN)
        else:
            raise AssumptionError(
                f"bucket {label!r}: expected 'a-bm', 'a-by', 'am+' or 'ay+' (e.g. '1-3m', '10y+')")
    if not lo:
        raise AssumptionError("give at least one bucket")
    for k in range(len(lo)):
        start_ok = lo[k] == (1 if k == 0 else hi[k - 1] + 1)
        if not start_ok or (hi[k] == OPEN and k != len(lo) - 1):
            raise AssumptionError(
                f"bucket {labels[k]!r}: buckets must run from month 1 without gaps or overlaps, "
                "only the last may be open-ended")
    return np.asarray(lo, np.int64), np.asarray(hi, np.int64)


@dataclass(frozen=True)
class Ladder:
    """Per bucket: inflows, outflows, gap = in - out, cumulative gap, matching ratio in/out."""

    labels: tuple[str, ...]
    month_from: np.ndarray
    month_to: np.ndarray  # OPEN (-1) for an open-ended last bucket
    inflows: np.ndarray
    outflows: np.ndarray
    gap: np.ndarray
    cumulative_gap: np.ndarray
    matching_ratio: tuple[Ratio, ...]

    @property
    def matching_values(self) -> np.ndarray:
        return np.array([r.value for r in self.matching_ratio])

    def rows(self) -> list[dict]:
        """One plain dict per bucket (for the store and reports)."""
        return [
            {"bucket": lab, "month_from": int(a), "month_to": None if b == OPEN else int(b),
             "inflows": float(i), "outflows": float(o), "gap": float(g),
             "cumulative_gap": float(c), "matching_ratio": r.value, "reason": r.reason}
            for lab, a, b, i, o, g, c, r in zip(
                self.labels, self.month_from, self.month_to, self.inflows, self.outflows,
                self.gap, self.cumulative_gap, self.matching_ratio, strict=True)
        ]


def _aggregate(monthly: np.ndarray, lo: np.ndarray, hi: np.ndarray, what: str) -> np.ndarray:
    if hi[-1] != OPEN and monthly.size > hi[-1] and np.any(monthly[hi[-1]:] != 0):
        raise AssumptionError(
            f"{what} has flows after month {hi[-1]}, beyond the last bucket; end the buckets "
            "with an open-ended one such as '10y+'")
    csum = np.concatenate(([0.0], np.cumsum(monthly)))
    end = np.where(hi == OPEN, monthly.size, np.minimum(hi, monthly.size))
    start = np.minimum(lo - 1, monthly.size)
    return csum[end] - csum[start]


def maturity_ladder(asset_inflows_by_month, liability_outflows_by_month, *,
                    buckets=DEFAULT_BUCKETS) -> Ladder:
    """Gap ladder: monthly arrays (index 0 = month 1) summed into the buckets' month ranges
    (default 1, 2-3, 4-6, 7-12, 13-24, 25-36, 37-60, 61-120, 121+); spec §4.2 DECISION.

    Cash available now is not a monthly flow: add it to month 1 of the inflows if the ladder
    should count it.
    """
    inflow = np.asarray(asset_inflows_by_month, np.float64)
    outflow = np.asarray(liability_outflows_by_month, np.float64)
    if inflow.ndim != 1 or outflow.ndim != 1:
        raise ComputationError("the ladder takes one monthly array of inflows and one of outflows")
    if not (np.all(np.isfinite(inflow)) and np.all(np.isfinite(outflow))):
        raise ComputationError("the monthly inflows and outflows must be finite numbers")
    labels = tuple(buckets)
    lo, hi = bucket_months(labels)
    i_b = _aggregate(inflow, lo, hi, "the asset inflows")
    o_b = _aggregate(outflow, lo, hi, "the liability outflows")
    gap = i_b - o_b
    ratios = tuple(ratio(i, o, what=f"liability outflows in bucket {lab}")
                   for i, o, lab in zip(i_b, o_b, labels, strict=True))
    return Ladder(labels, lo, hi, i_b, o_b, gap, np.cumsum(gap), ratios)


# ------------------------------------------------------------------------------ surplus


@dataclass(frozen=True)
class Shock:
    """PVs after a parallel shift of ``shock_bp`` basis points, and the first-order estimate
    ``-duration_gap * pv_assets * shock`` of the surplus change."""

    shock_bp: float
    pv_assets: float
    pv_liabilities: float
    surplus: float
    surplus_change: float
    first_order_change: float


@dataclass(frozen=True)
class Surplus:
    """PV of both sides, modified durations, duration gap and the +-shock results."""

    pv_assets: float
    pv_liabilities: float
    surplus: float
    duration_assets: float
    duration_liabilities: float  # NaN when pv_liabilities is zero
    duration_gap: float
    shocks: tuple[Shock, ...]


def _shifted(rate, curve, dy):
    if curve is None:
        return (None if rate is None else float(rate) + dy), None
    t, z = curve
    return None, (np.asarray(t, np.float64), np.asarray(z, np.float64) + dy)


def pv_surplus(asset_flows, liability_flows, *, rate=None, curve=None, times_years=None,
               shock_bp: float = 100.0) -> Surplus:
    """``S = PV_A - PV_L``; duration gap ``D_gap = D_A - (PV_L / PV_A) D_L`` with modified
    durations, so that ``dS ~ -D_gap PV_A dy`` for a parallel shift ``dy`` (spec §4.2).

    Flows are monthly arrays (month m at ``m / 12`` years unless ``times_years`` is given),
    discounted at a flat annual effective ``rate`` or a ``curve`` (times, zero rates); the
    shocks shift the rate or every zero rate by ``+shock_bp`` and ``-shock_bp`` basis points.
    Zero PV of assets: the duration gap is undefined (ComputationError); zero PV of
    liabilities: ``D_L`` is NaN and the gap is ``D_A``.
    """
    a = np.asarray(asset_flows, np.float64)
    liab = np.asarray(liability_flows, np.float64)
    n = max(a.size, liab.size)
    a = np.pad(a, (0, n - a.size))
    liab = np.pad(liab, (0, n - liab.size))
    t = (np.arange(1, n + 1) / 12.0 if times_years is None
         else np.asarray(times_years, np.float64))
    if t.shape != (n,):
        raise ComputationError(f"times_years has {t.size} entries for {n} flows")
    pa, pl = float(pv(a, t, rate, curve)), float(pv(liab, t, rate, curve))
    if pa == 0:
        raise ComputationError(
            "the duration gap is undefined: the present value of the asset flows is zero")
    da = float(modified_duration(a, t, rate, curve))
    dl = float(modified_duration(liab, t, rate, curve)) if pl != 0 else math.nan
    dgap = da - (pl / pa) * dl if pl != 0 else da
    shocks = []
    for bp in (float(shock_bp), -float(shock_bp)):
        r2, c2 = _shifted(rate, curve, bp / 1e4)
        sa, sl = float(pv(a, t, r2, c2)), float(pv(liab, t, r2, c2))
        shocks.append(Shock(bp, sa, sl, sa - sl, (sa - sl) - (pa - pl), -dgap * pa * bp / 1e4))
    return Surplus(pa, pl, pa - pl, da, dl, dgap, tuple(shocks))


# ------------------------------------------------------------------------ policy checks

RATING_SCALE = (
    "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-",
    "B+", "B", "B-", "CCC+", "CCC", "CCC-", "CC", "C", "D",
)


@dataclass(frozen=True)
class InvestmentLimits:
    """Investment-policy limits (from the assumption set; spec §4.3 DECISION).

    ``real_estate_share``: max real estate / invested assets (the handbook's 10%, E1 L434-435,
    E2 L702-703); ``class_shares``: max share per asset class; ``single_issuer_share``: max
    share of one issuer; ``min_rating``: minimum rating per asset class. Shares are of
    invested assets = all assets except ``non_invested_classes`` (cash and fixed assets: cash
    is liquidity, not an investment, and furniture and equipment are used, not invested); a
    share limit on a non-invested class is measured against total assets.
    """

    real_estate_share: float | None = None
    class_shares: Mapping[str, float] = field(default_factory=dict)
    single_issuer_share: float | None = None
    min_rating: Mapping[str, str] = field(default_factory=dict)
    non_invested_classes: tuple[str, ...] = ("cash", "fixed_assets")
    rating_scale: tuple[str, ...] = RATING_SCALE


@dataclass(frozen=True)
class Check:
    """One policy check: ``passed`` iff ``value`` is within ``limit``; ``rule`` says which
    rule and, when it fails for want of data, why."""

    name: str
    value: float | str
    limit: float | str
    passed: bool
    rule: str


def _share_check(name, num, den, limit, what, rule) -> Check:
    r = ratio(num, den, what=what)
    if not r.defined:  # nothing invested: nothing can exceed the limit
        return Check(name, math.nan, limit, True, f"{rule}; {r.reason}")
    return Check(name, r.value, limit, bool(r.value <= limit), rule)


def policy_checks(asset_class, value, issuer, rating, *, limits: InvestmentLimits,
                  asset_id=None) -> list[Check]:
    """Rows of the investment-policy checker (spec §4.3): real estate share, class shares,
    single-issuer shares (one row per issuer, invested holdings only), minimum ratings (one
    row per holding of a class with a minimum; an empty or unknown rating fails)."""
    cls = np.asarray(asset_class, dtype=object).astype(str)
    val = np.nan_to_num(np.asarray(value, np.float64).reshape(cls.size), nan=0.0)
    iss = ["" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
           for x in (issuer if issuer is not None else [None] * cls.size)]
    rat = ["" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x).strip()
           for x in (rating if rating is not None else [None] * cls.size)]
    ids = [str(i) for i in (asset_id if asset_id is not None else range(cls.size))]
    invested_mask = ~np.isin(cls, limits.non_invested_classes)
    invested = float(val[invested_mask].sum())
    total = float(val.sum())
    out: list[Check] = []

    if limits.real_estate_share is not None:
        out.append(_share_check(
            "real_estate_share", float(val[cls == "real_estate"].sum()), invested,
            limits.real_estate_share, "invested assets",
            "real estate must not exceed the limit share of invested assets "
            "(E1 L434-435, E2 L702-703)"))
    for c in sorted(limits.class_shares):
        inv = c not in limits.non_invested_classes
        out.append(_share_check(
            f"class_share[{c}]", float(val[cls == c].sum()), invested if inv else total,
            limits.class_shares[c], "invested assets" if inv else "total assets",
            f"{c} at most the limit share of {'invested' if inv else 'total'} assets (spec §4.3)"))
    if limits.single_issuer_share is not None:
        for name in sorted({s for s, m in zip(iss, invested_mask, strict=True) if s and m}):
            held = float(sum(x for x, s, m in zip(val, iss, invested_mask, strict=True)
                             if s == name and m))
            out.append(_share_check(
                f"single_issuer[{name}]", held, invested, limits.single_issuer_share,
                "invested assets", "one issuer at most the limit share of invested assets "
                "(spec §4.3)"))
    rank = {r: k for k, r in enumerate(limits.rating_scale)}
    for c in sorted(limits.min_rating):
        floor = limits.min_rating[c]
        if floor not in rank:
            raise AssumptionError(
                f"minimum rating {floor!r} for {c} is not on the scale "
                f"{' > '.join(limits.rating_scale)}")
        for i in np.flatnonzero(cls == c):
            rule = f"{c} rated {floor} or better (spec §4.3)"
            r = rat[i]
            if r not in rank:
                why = "no rating" if not r else f"rating {r!r} is not on the scale " \
                    f"{limits.rating_scale[0]} > ... > {limits.rating_scale[-1]}"
                out.append(Check(f"min_rating[{ids[i]}]", r, floor, False, f"{rule}; {why}"))
            else:
                out.append(Check(f"min_rating[{ids[i]}]", r, floor, rank[r] <= rank[floor], rule))
    return out
