"""Health-fund management indices (spec §1B, §5.8; USB L48-222).

    I_S   = S / P                    claims (loss) index                       USB L77-85
    I_F   = S / F                    financing index                           USB L87-91
    I_SG  = (S_G / S) / (P_G / P)    claims index of group G                   USB L48-73
    I_EC  = E / S,  I_EN = N_E / N   emergency cost and count indices          USB L116-126
    I_UG  = N_U / N_A                user index of (kinship) group G           USB L149-159
    cost per case      = S / cases                                             USB L176-180
    cost per affiliate = S / affiliates  (x 12/m when annualised)              USB L182-192
    Icc   = exhausted cases / affiliates  (x 12/m when annualised)             USB L198-212
    plan adjustment = (S / m - planned monthly) / planned monthly              USB L214-222

S = covered claims cost of the claims OCCURRED in the period (USB L271), P = nominal premium of
the affiliates, F = resources actually assigned to the fund, m = period length in months.
Ratio-of-flows indices (I_S, I_F, I_EC) are never annualised; the per-affiliate flows are
annualised linearly, x 12/m (DECISION, spec §1B and §10.10: reproduces the printed 12,400.05
and the Icc row of TV-U6). An undefined denominator gives an undefined ``Ratio`` with a reason,
never 0 or infinity (spec §0.4, decision 13).

The print helpers (``round_half_up``, ``truncate``, ``print_status``, ``inverse_print_status``)
classify a printed figure against a computed one exactly as spec TV-U1 does: the source mixes
half-up rounding, truncation and inverted ratios (spec §9, rows "USB").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType

import numpy as np

from reserva.errors import ComputationError
from reserva.kpi.ratio import Ratio, ratio, undefined

# --------------------------------------------------------------------------- scalar indices


def _given(x: float | None) -> bool:
    return x is not None and not math.isnan(float(x))


def _period_years(period_months: float) -> float | None:
    """m / 12, or None when m is not a finite number > 0."""
    if period_months is None or not math.isfinite(float(period_months)) or period_months <= 0:
        return None
    return float(period_months) / 12.0


def claims_index(claims_cost: float, premium: float) -> Ratio:
    """I_S = S / P: covered claims over nominal premium (USB L77-85; spec §1B, TV-U1)."""
    return ratio(claims_cost, premium, what="premium")


def financing_index(claims_cost: float, financing: float) -> Ratio:
    """I_F = S / F: covered claims over resources assigned to the fund (USB L87-91; TV-U1).

    F missing (None/NaN) means no financing was recorded: undefined, never S / 0.
    """
    if not _given(financing):
        return undefined(claims_cost, math.nan, "undefined: no financing recorded")
    return ratio(claims_cost, financing, what="financing")


def group_claims_index(
    claims_g: float, claims_total: float, premium_g: float, premium_total: float
) -> Ratio:
    """I_SG = (S_G / S) / (P_G / P): group G's claims share over its premium share (USB L48-73).

    ``numerator`` is the claims share S_G / S, ``denominator`` the premium share P_G / P.
    I_SG near 1 means the premium table is well structured (spec §1B, TV-U2).
    """
    claims_share = ratio(claims_g, claims_total, what="total claims cost")
    premium_share = ratio(premium_g, premium_total, what="total premium")
    if not claims_share.defined:
        return undefined(claims_share.value, premium_share.value, claims_share.reason)
    if not premium_share.defined:
        return undefined(claims_share.value, premium_share.value, premium_share.reason)
    return ratio(claims_share.value, premium_share.value, what="group premium share")


def emergency_cost_index(emergency_cost: float, claims_cost: float) -> Ratio:
    """I_EC = E / S: claims cost processed as emergencies over all claims cost (USB L116-126)."""
    return ratio(emergency_cost, claims_cost, what="claims cost")


def emergency_count_index(emergency_claims: float, claims: float) -> Ratio:
    """I_EN = N_E / N: claims processed as emergencies over all claims occurred (USB L116-126)."""
    return ratio(emergency_claims, claims, what="number of claims")


def user_index(users: float, affiliates: float) -> Ratio:
    """I_UG = N_U / N_A: affiliates who used the fund at least once over affiliates (USB L149-159)."""
    return ratio(users, affiliates, what="affiliates")


def cost_per_case(claims_cost: float, cases: float) -> Ratio:
    """S / cases: the average claim ("siniestro promedio", USB L176-180; TV-U5, TV-U8)."""
    return ratio(claims_cost, cases, what="cases")


def _per_affiliate(
    amount: float, affiliates: float, period_months: float, annualise: bool, what: str
) -> Ratio:
    plain = ratio(amount, affiliates, what=what)
    if not annualise or not plain.defined:
        return plain
    years = _period_years(period_months)
    if years is None:
        return undefined(
            amount, affiliates, f"undefined: period of {period_months!r} months is not > 0"
        )
    return Ratio(plain.value / years, plain.numerator, plain.denominator)


def cost_per_affiliate(
    claims_cost: float, affiliates: float, period_months: float, annualise: bool
) -> Ratio:
    """S / N_A, times 12 / m when ``annualise`` (USB L182-192; spec §10.10, TV-U5).

    ``numerator`` and ``denominator`` are S and N_A; the annualised value is not their quotient.
    """
    return _per_affiliate(claims_cost, affiliates, period_months, annualise, "affiliates")


def coverage_consumption(
    exhausted_cases: float, affiliates: float, period_months: float, annualise: bool
) -> Ratio:
    """Icc = cases that exhausted the cover / N_A, times 12 / m when ``annualise`` (USB L198-212).

    ``numerator`` and ``denominator`` are the two counts; a high value means insufficient cover.
    TV-U6: the source swaps the two row labels (spec §9).
    """
    return _per_affiliate(exhausted_cases, affiliates, period_months, annualise, "affiliates")


def plan_adjustment(actual_total: float, months_elapsed: float, planned_monthly: float) -> Ratio:
    """(actual_total / m - planned) / planned, sign kept (USB L214-222; TV-U7 = -0.040442).

    ``numerator`` is the actual monthly average, ``denominator`` the planned monthly average.
    A negative value means spending below plan (the source printed 4.04% without the sign).
    """
    if _period_years(months_elapsed) is None:
        return undefined(
            math.nan, planned_monthly, f"undefined: period of {months_elapsed!r} months is not > 0"
        )
    actual_monthly = ratio(actual_total, months_elapsed, what="months elapsed")
    if not actual_monthly.defined:
        return undefined(math.nan, planned_monthly, actual_monthly.reason)
    if not _given(planned_monthly):
        return undefined(actual_monthly.value, math.nan, "undefined: no plan recorded")
    deviation = ratio(actual_monthly.value - float(planned_monthly), planned_monthly,
                      what="planned monthly average")
    if not deviation.defined:
        return undefined(actual_monthly.value, planned_monthly, deviation.reason)
    return Ratio(deviation.value, actual_monthly.value, float(planned_monthly))


# --------------------------------------------------------------------------- one fund, arrays


@dataclass(frozen=True)
class FundIndices:
    """The USB indices of one fund (one product) over one period (spec §1B).

    Counts: ``cases`` = claims occurred, ``affiliates`` = insured persons covered, ``users`` =
    affiliates with at least one claim, ``emergency_cases``, ``exhausted_cases``; money:
    ``claims_cost`` (S) and ``premium`` (P). Keep the entity types apart (spec TV-U9 note).
    """

    claims_index: Ratio
    financing_index: Ratio
    claims_index_by_group: Mapping[str, Ratio]
    emergency_cost_index: Ratio
    emergency_count_index: Ratio
    user_index_by_kinship: Mapping[str, Ratio]
    user_index: Ratio
    cost_per_case: Ratio
    cost_per_affiliate: Ratio
    cost_per_affiliate_annualised: Ratio
    coverage_consumption: Ratio
    coverage_consumption_annualised: Ratio
    plan_adjustment: Ratio
    cases: int
    affiliates: int
    users: int
    emergency_cases: int
    exhausted_cases: int
    claims_cost: float
    premium: float


def _vector(name: str, x) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1:
        raise ComputationError(f"health indices: {name} must be one-dimensional, got shape {a.shape}")
    return a


def _codes(name: str, x, lowest: int, n: int, meaning: str) -> np.ndarray:
    a = _vector(name, x)
    if a.size == 0:
        return a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise ComputationError(
            f"health indices: {name} must hold integer codes, got dtype {a.dtype}"
        )
    a = a.astype(np.int64)
    bad = (a < lowest) | (a >= n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ComputationError(
            f"health indices: {name}[{i}] = {a[i]} is out of range; expected {lowest}..{n - 1} "
            f"({meaning}); {int(bad.sum())} bad value(s) in all"
        )
    return a


def _flags(name: str, x) -> np.ndarray:
    a = _vector(name, x)
    if a.size == 0:
        return a.astype(bool)
    if a.dtype.kind != "b":
        raise ComputationError(f"health indices: {name} must be boolean, got dtype {a.dtype}")
    return a


def _money(name: str, x) -> np.ndarray:
    a = _vector(name, x)
    if a.size == 0:
        return a.astype(np.float64)
    if a.dtype.kind not in "iuf":
        raise ComputationError(f"health indices: {name} must be numeric, got dtype {a.dtype}")
    a = a.astype(np.float64)
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ComputationError(
            f"health indices: {name}[{i}] = {a[i]} is not a finite amount; "
            f"{int(bad.sum())} bad value(s) in all"
        )
    return a


def _same_length(kind: str, arrays: dict[str, np.ndarray]) -> int:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ComputationError(
            f"health indices: the {kind} arrays must have one value per {kind[:-1]}; "
            f"lengths differ ({shown})"
        )
    return next(iter(lengths.values()))


def fund_indices(
    *,
    claim_member,
    claim_cost,
    claim_emergency,
    claim_exhausted,
    member_group,
    member_kinship,
    member_premium,
    financing: float,
    planned_monthly: float,
    period_months: float,
    groups: tuple[str, ...],
    kinships: tuple[str, ...],
) -> FundIndices:
    """All USB indices of one fund over one period of ``period_months`` months (spec §1B).

    Claims (one per claim occurred in the period): ``claim_member`` index into the member
    arrays, ``claim_cost`` covered cost, ``claim_emergency`` processed as an emergency,
    ``claim_exhausted`` the case exhausted the cover. Members (one per affiliate covered in
    the period): ``member_group`` index into ``groups`` (-1 none), ``member_kinship`` index
    into ``kinships`` (-1 unknown), ``member_premium`` nominal premium of the period.
    ``financing`` F and ``planned_monthly`` NaN = not given (I_F / plan index undefined).

    S_G sums the claims of group G's members; S, P and the user index (all) include members
    without a group or kinship. Raises ComputationError on ragged arrays or bad codes.
    """
    groups, kinships = tuple(groups), tuple(kinships)
    claims = {
        "claim_member": _vector("claim_member", claim_member),
        "claim_cost": _money("claim_cost", claim_cost),
        "claim_emergency": _flags("claim_emergency", claim_emergency),
        "claim_exhausted": _flags("claim_exhausted", claim_exhausted),
    }
    members = {
        "member_group": _vector("member_group", member_group),
        "member_kinship": _vector("member_kinship", member_kinship),
        "member_premium": _money("member_premium", member_premium),
    }
    _same_length("claims", claims)
    n_members = _same_length("members", members)
    if _period_years(period_months) is None:
        raise ComputationError(
            f"health indices: period_months = {period_months!r}; expected a number of months > 0"
        )
    member = _codes("claim_member", claim_member, 0, n_members, "an index into the member arrays")
    group = _codes("member_group", member_group, -1, len(groups), "an index into groups, -1 = none")
    kinship = _codes("member_kinship", member_kinship, -1, len(kinships),
                     "an index into kinships, -1 = unknown")
    cost, premium = claims["claim_cost"], members["member_premium"]
    emergency, exhausted = claims["claim_emergency"], claims["claim_exhausted"]

    s_total = float(cost.sum())
    p_total = float(premium.sum())
    n_cases = int(cost.size)
    n_emergency = int(emergency.sum())
    n_exhausted = int(exhausted.sum())
    e_cost = float(cost[emergency].sum())

    used = np.bincount(member, minlength=n_members) > 0
    n_users = int(used.sum())

    # claims and premium of each group (members with group -1 count only in the totals)
    claim_group = group[member]
    in_group = claim_group >= 0
    s_by_group = np.bincount(claim_group[in_group], weights=cost[in_group], minlength=len(groups))
    has_group = group >= 0
    p_by_group = np.bincount(group[has_group], weights=premium[has_group], minlength=len(groups))
    by_group = {
        name: group_claims_index(float(s_by_group[g]), s_total, float(p_by_group[g]), p_total)
        for g, name in enumerate(groups)
    }

    known = kinship >= 0
    a_by_kin = np.bincount(kinship[known], minlength=len(kinships))
    u_by_kin = np.bincount(kinship[known & used], minlength=len(kinships))
    by_kinship = {
        name: user_index(int(u_by_kin[k]), int(a_by_kin[k])) for k, name in enumerate(kinships)
    }

    return FundIndices(
        claims_index=claims_index(s_total, p_total),
        financing_index=financing_index(s_total, financing),
        claims_index_by_group=MappingProxyType(by_group),
        emergency_cost_index=emergency_cost_index(e_cost, s_total),
        emergency_count_index=emergency_count_index(n_emergency, n_cases),
        user_index_by_kinship=MappingProxyType(by_kinship),
        user_index=user_index(n_users, n_members),
        cost_per_case=cost_per_case(s_total, n_cases),
        cost_per_affiliate=cost_per_affiliate(s_total, n_members, period_months, False),
        cost_per_affiliate_annualised=cost_per_affiliate(s_total, n_members, period_months, True),
        coverage_consumption=coverage_consumption(n_exhausted, n_members, period_months, False),
        coverage_consumption_annualised=coverage_consumption(
            n_exhausted, n_members, period_months, True
        ),
        plan_adjustment=plan_adjustment(s_total, period_months, planned_monthly),
        cases=n_cases,
        affiliates=n_members,
        users=n_users,
        emergency_cases=n_emergency,
        exhausted_cases=n_exhausted,
        claims_cost=s_total,
        premium=p_total,
    )


# --------------------------------------------------------------------------- presentation


def _decimal(x: float | int | str | Decimal | Ratio) -> Decimal:
    """The exact decimal of x; a float is read as its shortest round-trip repr (0.285 -> 0.285)."""
    if isinstance(x, Ratio):
        x = x.value
    if isinstance(x, Decimal):
        d = x
    else:
        try:
            d = Decimal(repr(float(x)) if isinstance(x, float) else str(x).strip())
        except (InvalidOperation, ValueError) as exc:
            raise ComputationError(f"print check: {x!r} is not a number") from exc
    if not d.is_finite():
        raise ComputationError(f"print check: {x!r} is not a finite number")
    return d


def round_half_up(x: float | str | Decimal, places: int) -> Decimal:
    """x rounded half away from zero to ``places`` decimals, exactly (spec §0.4, decision 11)."""
    return _decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def truncate(x: float | str | Decimal, places: int) -> Decimal:
    """x cut (toward zero) to ``places`` decimals, exactly (the USB prints, spec TV-U1)."""
    return _decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def print_status(printed: float | str | Decimal, value: float | str | Decimal, places: int) -> str:
    """How a printed figure relates to a computed value at ``places`` decimals (spec TV-U1).

    "round+trunc" both half-up rounding and truncation give the print (spec's ✓ when they
    agree), "round" / "trunc" only one of them does, "mismatch" neither.
    """
    p = _decimal(printed)
    by_round = round_half_up(value, places) == p
    by_trunc = truncate(value, places) == p
    if by_round and by_trunc:
        return "round+trunc"
    if by_round:
        return "round"
    if by_trunc:
        return "trunc"
    return "mismatch"


def inverse_print_status(
    printed: float | str | Decimal, value: float | str | Decimal, places: int
) -> str:
    """``print_status`` of the print against 1 / value: an inverted ratio (TV-U1: F/S for S/F).

    Exact: 1 / value is taken in decimal arithmetic (28 significant digits).
    """
    d = _decimal(value)
    if d == 0:
        return "mismatch"
    return print_status(printed, Decimal(1) / d, places)
