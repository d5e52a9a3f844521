"""The KPI table of a close: the ten indicators with their sub-indicators, per product and for
the programme (``ALL``), and the health-fund indices of the health products.

An edge module: it takes the array bundles of the data pack (``reserva.io.bundles``) and the
close's statements, selects the arrays each pure KPI function needs (as known at the valuation
date: terms started, exits, decisions and receipts after it are not yet known) and returns one
tidy table
(product_id, indicator, value, numerator, denominator, lower, upper, flag, rule, note, position)
with the claims the timeliness schedule is still waiting for and the data-quality warnings.

Each family of the catalogue has a kernel here (``KERNELS``): a per-product step that adds the
product's rows and returns its additive parts, and a programme step. The programme column is
built by the rule the catalogue declares for the family (``catalogue.programme_rule``), one
generic step per rule kind (``COMBINE``): the parts summed over the products (sum, ratio of
sums, and the ratios derived from the programme's own: renewal, persistency, coverage,
growth, exposure and claims, timeliness; the value ratios from the income statement's input
lines summed, its derived lines then derived as the statement does), the records pooled
(rejection: every claim; health indices: the products of the health kinds), or the programme
column (solvency, liquidity: the statements and assets hold what no product is allocated).
A flag names the rule it applied (edition, bound, source).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from reserva.calendar import NEVER, add_months, days_per_year
from reserva.errors import AssumptionError, ComputationError
from reserva.io.arrays import to_date
from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import Inputs
from reserva.kpi import catalogue
from reserva.kpi.coverage import coverage
from reserva.kpi.growth import (
    annualise,
    compound_growth,
    growth,
    multi_period_growth,
    simple_average_growth,
)
from reserva.kpi.health import fund_indices, plan_adjustment
from reserva.kpi.persistency import persistency
from reserva.kpi.ratio import Ratio, flag, ratio, undefined
from reserva.kpi.rejection import rejection
from reserva.kpi.renewal import cohort_outcomes, household_renewal, summarise
from reserva.kpi.solvency import solvency
from reserva.kpi.timeliness import (
    EDITION_DEFAULTS,
    SCHEDULED,
    bucket_labels,
    select_claims,
    timeliness,
)
from reserva.kpi.value import claim_experience, exposure_years, value_ratios
from reserva.statements import Statement
from reserva.statements.balance import liabilities_total
from reserva.statements.income import INPUT_CODES, income_statement
from reserva.vocab import CLAIM_OPEN, CLAIM_REJECTED, PROGRAMME

SELECTIONS = ("reported_in_period", "processed_in_period", "paid_in_period")


@dataclass(frozen=True)
class KpiInputs:
    inputs: Inputs  # the data pack as arrays (reserva.io.bundles.bundle)
    assumptions: AssumptionSet
    edition: int
    products: np.ndarray
    kinds: np.ndarray
    participation: np.ndarray
    period_start_day: int
    valuation_day: int
    period_months: int
    income: Statement
    balance: Statement
    closing: object
    assets_allocated: np.ndarray  # per column: assets allocated to that product
    # per column: the liquidity ratio of the set's kpi_method at 3 months and its note (the
    # close's liquidity table, reserva.projection.liquidity_table.kpi_rows)
    liquidity: Mapping[str, tuple[Ratio, str]]


@dataclass(frozen=True)
class KpiResults:
    table: pd.DataFrame  # the tidy indicator table
    pending: pd.DataFrame  # product_id, claim_id, report_date, reason: not yet in the schedule
    warnings: tuple[str, ...]  # data-quality warnings (undecided claims, provisional schedule)


@dataclass(frozen=True)
class _Options:
    selection: str
    start: str
    include_rejected: bool
    buckets: tuple[int, ...]
    growth_periods: int
    days_per_year: float
    dependants: tuple[str, ...]
    persistency_kinds: tuple[str, ...]
    health_kinds: tuple[str, ...]
    emergency: tuple[str, ...]
    annualise: bool


def _edition_or(value, default, allowed, what):
    text = str(value).strip().lower()
    if text == "edition":
        return default
    if text not in allowed:
        raise AssumptionError(
            f"settings.toml [timeliness] {what} = {value!r}; expected edition or one of "
            + ", ".join(allowed)
        )
    return text


def _options(a: AssumptionSet, edition: int) -> _Options:
    d = EDITION_DEFAULTS[edition]
    selection = _edition_or(a.settings.timeliness.selection, d["selection"], SELECTIONS,
                            "selection")
    start = _edition_or(a.settings.timeliness.start, d["start"], ("event", "report"), "start")
    inc = a.settings.timeliness.include_rejected  # a TOML boolean or "edition"
    include_rejected = inc if isinstance(inc, bool) else _edition_or(
        inc, d["include_rejected"], ("true", "false"), "include_rejected") in (True, "true")
    periods = a.settings.growth.periods
    if not isinstance(periods, int) or periods < 1:
        raise AssumptionError(f"settings.toml [growth] periods = {periods!r}; expected an integer >= 1")
    dpy = days_per_year(a.settings.day_count.exposure,
                        setting="settings.toml [day_count] exposure")
    return _Options(
        selection=selection, start=start, include_rejected=bool(include_rejected),
        buckets=tuple(int(b) for b in a.settings.timeliness.buckets),
        growth_periods=periods, days_per_year=dpy,
        dependants=tuple(a.settings.renewal.dependant_relationships),
        persistency_kinds=tuple(a.settings.renewal.persistency_kinds),
        health_kinds=tuple(a.settings.health.kinds),
        emergency=tuple(a.settings.health.emergency_categories),
        annualise=a.settings.health.annualise,
    )


def _rule(edition: int, t, unit: str) -> str:
    def show(x: float) -> str:
        return f"{100 * x:g}%" if unit == "ratio" else f"{x:g}"

    parts = []
    if t.lower is not None:
        parts.append((">= " if t.lower_inclusive else "> ") + show(t.lower))
    if t.upper is not None:
        parts.append(("<= " if t.upper_inclusive else "< ") + show(t.upper))
    text = f"E{edition}: " + " and ".join(parts)
    return f"{text} ({t.source})" if t.source else text


class _Rows:
    def __init__(self, inp: KpiInputs):
        self.rows: list[dict] = []
        self.edition = inp.edition
        self.thresholds = inp.assumptions.thresholds.get(inp.edition, {})
        self.order = catalogue.ORDER[inp.edition]

    def add(self, product: str, indicator: str, r: Ratio | float, note: str = "",
            numerator=math.nan, denominator=math.nan) -> None:
        if isinstance(r, Ratio):
            value, numerator, denominator = r.value, r.numerator, r.denominator
            note = "; ".join(x for x in (r.reason, note) if x)
        else:
            value = float(r)
        t = self.thresholds.get(indicator)
        lower = t.lower if t else None
        upper = t.upper if t else None
        if t:
            f = flag(value, lower, upper, t.lower_inclusive, t.upper_inclusive)
            rule = _rule(self.edition, t, catalogue.unit(indicator))
        else:
            f, rule = ("n/a" if math.isnan(value) else ""), ""
        self.rows.append({
            "product_id": product, "indicator": indicator, "value": value,
            "numerator": float(numerator), "denominator": float(denominator),
            "lower": math.nan if lower is None else lower,
            "upper": math.nan if upper is None else upper,
            "flag": f, "rule": rule, "note": note,
        })

    def frame(self, columns: tuple[str, ...]) -> pd.DataFrame:
        """The rows indicator by indicator (families in the edition's order, indicators of a
        family in the order first met), each indicator's columns in product order."""
        frame = pd.DataFrame(self.rows)
        fam = frame["indicator"].map(catalogue.family).map(self.order.index)
        col = frame["product_id"].map(columns.index)
        first = {name: i for i, name in enumerate(dict.fromkeys(frame["indicator"]))}
        seq = frame["indicator"].map(first)
        frame = frame.assign(_f=fam, _c=col, _s=seq).sort_values(["_f", "_s", "_c"])
        frame["position"] = np.arange(len(frame), dtype=np.int32)
        return frame.drop(columns=["_f", "_c", "_s"]).reset_index(drop=True)


def _active_members(member, product, start, end, day_, n):
    """Distinct members per product with a term in force at the end of ``day_``."""
    live = (start <= day_) & (end >= day_)
    out = np.zeros(n, dtype=np.int64)
    if live.any():
        width = int(member.max()) + 1
        pairs = np.unique(product[live] * width + member[live])  # distinct (product, member)
        out = np.bincount(pairs // width, minlength=n)[:n]
    return out


def _month_index(day_: int) -> float:
    """Calendar months elapsed at the end of ``day_`` (year * 12 + month - 1 + fraction)."""
    d = to_date(day_)
    last = (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).day
    return d.year * 12 + d.month - 1 + d.day / last


def _latest_per_member(member: np.ndarray, start: np.ndarray, values: np.ndarray, n_members: int,
                       fill) -> np.ndarray:
    """The value of each member's latest-starting row (``fill`` for members without rows)."""
    out = np.full(n_members, fill, dtype=values.dtype)
    order = np.lexsort((start, member))
    out[member[order]] = values[order]  # later rows overwrite earlier ones
    return out


class _Policies:
    """The policy terms known at the valuation date, as arrays (members coded among the members
    of these terms, in member-id order)."""

    def __init__(self, inputs: Inputs, v: int):
        pol = inputs.policies
        keep = np.flatnonzero(pol.start_date <= v)
        used = np.zeros(len(inputs.members), dtype=bool)
        used[pol.member[keep]] = True
        # member code among the known members, by the pack's member code (-1: none known)
        self.local = np.where(used, np.cumsum(used) - 1, -1).astype(np.int64)
        self.member = self.local[pol.member[keep]]
        self.product = pol.product[keep].astype(np.int64)
        self.start = pol.start_date[keep]
        self.end = np.minimum(pol.end_date[keep], pol.cancel_date[keep] - 1)  # last day covered
        self.premium = pol.written_premium[keep]
        self.n_members = int(used.sum())
        self._policies, self._keep = pol, keep

    def of_members(self, pack_member: np.ndarray) -> np.ndarray:
        """The known-member codes of pack member codes (-1: no known term, or none)."""
        if not self.local.size:
            return np.full(len(pack_member), -1, dtype=np.int64)
        return np.where(pack_member >= 0, self.local[np.maximum(pack_member, 0)], -1)

    def text_of_member(self, column: str, among: np.ndarray | None = None) -> np.ndarray:
        """The column's text on each member's latest term that gives it ("" if none), by
        member code (a member's terms of another product may leave the column empty);
        ``among``: only the terms where this mask is true (e.g. one product's terms)."""
        coded = getattr(self._policies, column)
        values = coded.codes[self._keep]
        given = values >= 0
        if among is not None:
            given &= among
        latest = _latest_per_member(self.member[given], self.start[given],
                                    values[given].astype(np.int64), self.n_members, -1)
        names = np.asarray((*coded.categories, ""), dtype=object)
        return names[np.where(latest < 0, len(coded.categories), latest)]


def _claims(inp: KpiInputs, pol: _Policies) -> dict:
    """The claims as known at the valuation date, as arrays (statuses as vocab codes)."""
    cl = inp.inputs.claims
    v, ps = inp.valuation_day, inp.period_start_day
    ev, rp = cl.event_date, cl.report_date
    dc, rc = cl.decision_date, cl.receipt_date
    known = rp <= v
    status_v = np.where(dc <= v, cl.status.codes, CLAIM_OPEN).astype(np.int8)  # as known at v
    estimate = np.where(np.isnan(cl.case_reserve), cl.claimed_amount, cl.case_reserve)
    cost = np.where(status_v == CLAIM_OPEN, estimate,
                    np.where(status_v == CLAIM_REJECTED, 0.0, cl.paid_amount))
    return dict(
        id=cl.claim_id, member=pol.of_members(cl.member),
        product=cl.product.astype(np.int64), event=ev, report=rp,
        decision=np.where(dc <= v, dc, NEVER),
        receipt=np.where(rc <= v, rc, NEVER), status=status_v, known=known,
        occurred=known & (ev > ps) & (ev <= v), covered=status_v != CLAIM_REJECTED, cost=cost,
        category=cl.benefit_category, exhausted=cl.limit_reached.codes == cl.limit_reached.code("yes"),
    )


def _member_codes(text: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """The chosen members' codes into the sorted groups (or kinships) they name, -1 = none.

    Only the groups of these members are listed: a group of another product's members is no
    row of this product (its index would be n/a for want of premium)."""
    mine = text[members]
    names = tuple(sorted(set(mine.tolist()) - {""}))
    return pd.Index(names).get_indexer(mine).astype(np.int64), names


# --- the families: a kernel each; the programme column by the rule the catalogue declares ---


@dataclass
class _Ctx:
    """What every family kernel of one close reads, and where it adds its rows."""

    inp: KpiInputs
    opt: _Options
    rows: _Rows
    pol: _Policies
    claims: dict
    columns: tuple[str, ...]
    pending: list  # DataFrames of the claims the timeliness schedule waits for, product order
    warnings: list  # (column index, text)
    cache: dict  # what two families share (active insured at a day)


@dataclass(frozen=True)
class Kernel:
    """How the assembler computes one family.

    ``prepare(ctx)`` computes once what every column needs (arrays over all products);
    ``product(ctx, state, i)`` adds product i's rows and returns its parts (a mapping of
    additive numbers), ``None`` when the product has none; ``programme(ctx, state, x)`` adds
    the programme rows from what the family's rule (``catalogue.programme_rule``) gives: the
    summed parts, the pooled records (``None`` = every record, or the product indexes pooled)
    or the index of the programme column. ``takes``: the kind of that input (``TAKES``).
    """

    family: str
    takes: str  # "parts" | "records" | "column"
    product: Callable
    programme: Callable
    prepare: Callable = lambda ctx: None


def _summed(ctx: _Ctx, parts: Mapping[int, Mapping]) -> dict:
    """Each part added up over the products that return it (in product order)."""
    names = dict.fromkeys(k for p in parts.values() for k in p)
    return {k: np.array([p[k] for p in parts.values() if k in p]).sum() for k in names}


def _every_record(ctx: _Ctx, parts: Mapping[int, Mapping]) -> None:
    return None


def _products_with_rows(ctx: _Ctx, parts: Mapping[int, Mapping]) -> tuple[int, ...]:
    return tuple(parts)


def _programme_column(ctx: _Ctx, parts: Mapping[int, Mapping]) -> int:
    return len(ctx.inp.products)


# programme rule -> (the kind of input, how it is built from the products' parts)
COMBINE = MappingProxyType({
    "sum": ("parts", _summed),
    "ratio_of_sums": ("parts", _summed),
    "of_programme_ratios": ("parts", _summed),
    "pooled_records": ("records", _every_record),
    "health_kinds_pooled": ("records", _products_with_rows),
    "programme_column": ("column", _programme_column),
})


def _family_rows(ctx: _Ctx, kernel: Kernel) -> None:
    """The family's rows: each product by its kernel, then the programme by the family's rule."""
    rule = catalogue.FAMILIES[kernel.family].programme
    takes, combine = COMBINE[rule]
    if takes != kernel.takes:
        raise ComputationError(
            f"KPI family {kernel.family}: the catalogue's programme rule {rule!r} needs "
            f"{takes}, but its kernel combines {kernel.takes}; fix: declare a rule of "
            + ", ".join(r for r, (t, _) in COMBINE.items() if t == kernel.takes))
    state = kernel.prepare(ctx)
    parts = {}
    for i in range(len(ctx.inp.products)):
        out = kernel.product(ctx, state, i)
        if out is not None:
            parts[i] = out
    if rule == "health_kinds_pooled" and not parts:
        return  # no product of the kinds: no programme column either
    kernel.programme(ctx, state, combine(ctx, parts))


# -- value families: ratios of income-statement lines (summed at the input lines) and claims


def _lines(ctx: _Ctx, i: int) -> dict[str, float]:
    """The income statement's input lines of product i (the programme's are their sums)."""
    inc = ctx.inp.income
    return {code: inc[code][i] for code in INPUT_CODES}


def _value_ratios(lines: Mapping[str, float]):
    """Expense, claims and net income ratios of a column of input lines (derived lines as the
    income statement derives them)."""
    st = income_statement({k: np.array([x]) for k, x in lines.items()}, (PROGRAMME,))
    return value_ratios(st["P02"][0], st["P11"][0], st["P16"][0], st["P28"][0])


def _value_product(ctx: _Ctx, i: int, indicator: str, field_: str) -> dict[str, float]:
    """Add product i's ratio of income-statement lines; return its input lines."""
    inc = ctx.inp.income
    vr = value_ratios(inc["P02"][i], inc["P11"][i], inc["P16"][i], inc["P28"][i])
    ctx.rows.add(ctx.columns[i], indicator, getattr(vr, field_))
    return _lines(ctx, i)


def _value_kernel(family: str, indicator: str, field_: str) -> Kernel:
    def product(ctx, state, i):
        return _value_product(ctx, i, indicator, field_)

    def programme(ctx, state, parts):
        ctx.rows.add(PROGRAMME, indicator, getattr(_value_ratios(parts), field_))

    return Kernel(family, "parts", product, programme)


_EXPERIENCE = ("claims occurred in the period, reported by the valuation date, rejections "
               "excluded; cost = paid, or the case estimate of open claims")


def _experience_prepare(ctx: _Ctx):
    pol, claims, n = ctx.pol, ctx.claims, len(ctx.inp.products)
    expo = exposure_years(pol.start, pol.end, period_start=ctx.inp.period_start_day,
                          period_end=ctx.inp.valuation_day, days_per_year=ctx.opt.days_per_year)
    exposure = np.bincount(pol.product[pol.product >= 0], weights=expo[pol.product >= 0],
                           minlength=n)[:n]
    occurred = claims["occurred"] & claims["covered"]
    count = np.bincount(claims["product"][occurred], minlength=n)[:n].astype(float)
    cost = np.bincount(claims["product"][occurred], weights=claims["cost"][occurred],
                       minlength=n)[:n]
    return exposure, count, cost


def _experience_rows(ctx: _Ctx, col: str, e, k, c) -> None:
    ce = claim_experience(k, c, e)
    rows = ctx.rows
    rows.add(col, "exposure_years", e,
             f"insured-years in the period ({ctx.opt.days_per_year:g} days)")
    rows.add(col, "claim_count", k, _EXPERIENCE)
    rows.add(col, "claim_frequency", ce.frequency)
    rows.add(col, "claim_severity", ce.severity)
    rows.add(col, "burning_cost", ce.burning_cost)


def _claims_product(ctx, state, i):
    parts = _value_product(ctx, i, "incurred_claims_ratio", "claims")
    exposure, count, cost = state
    _experience_rows(ctx, ctx.columns[i], exposure[i], count[i], cost[i])
    return {**parts, "exposure": exposure[i], "count": count[i], "cost": cost[i]}


def _claims_programme(ctx, state, parts):
    ctx.rows.add(PROGRAMME, "incurred_claims_ratio", _value_ratios(parts).claims)
    _experience_rows(ctx, PROGRAMME, parts["exposure"], parts["count"], parts["cost"])


# -- renewal: cohort outcomes per product, the programme from the summed counts


def _renewal_prepare(ctx: _Ctx):
    a, pol, v = ctx.inp.assumptions, ctx.pol, ctx.inp.valuation_day
    ex = ctx.inp.inputs.exits
    ex_member = pol.of_members(ex.member)
    household = pol.text_of_member("household_id")
    hh_codes, _ = pd.factorize(household)
    hh_codes = np.where(household == "", -1, hh_codes).astype(np.int64)
    relationship = pol.text_of_member("relationship")
    grace = a.settings.renewal.grace_days
    return dict(
        ex_day=ex.exit_date, ex_member=ex_member, ex_product=ex.product,
        ex_reason=ex.reason.codes,  # codes of vocab.EXIT_REASONS
        ex_ok=(ex.exit_date <= v) & (ex_member >= 0),
        ws=int(add_months(v + 1, -a.settings.renewal.window_months)), grace=grace,
        # a member is due when the renewal is decided by v: the term ended and the grace passed
        decided_by=v - grace - 1, excluded=tuple(a.settings.renewal.modified_exclusions),
        hh_codes=hh_codes, relationship=relationship,
        has_households=bool((hh_codes >= 0).any()),
        has_relationships=bool((relationship != "").any()),
    )


_NOT_RENEWABLE = ("renewal_ratio", "renewal_ratio_modified", "renewal_ratio_deaths_only",
                  "lapse_ratio", "household_renewal_ratio", "dependant_renewal_ratio")


def _renewal_product(ctx: _Ctx, s: dict, i: int) -> dict:
    inp, pol, opt, rows = ctx.inp, ctx.pol, ctx.opt, ctx.rows
    v, p, parts = inp.valuation_day, ctx.columns[i], {}
    sel = pol.product == i
    xs = s["ex_ok"] & (s["ex_product"] == i)
    ex_member, ex_day, ex_reason = s["ex_member"][xs], s["ex_day"][xs], s["ex_reason"][xs]
    ws, grace, excluded = s["ws"], s["grace"], s["excluded"]
    if inp.kinds[i] in opt.persistency_kinds:
        ps_ = persistency(pol.member[sel], pol.start[sel], pol.end[sel], at_day=v,
                          reference_day=ws, exit_member=ex_member, exit_day=ex_day,
                          exit_reason=ex_reason)
        rows.add(p, "persistency_ratio", ps_.ratio,
                 f"members covered at {to_date(ws)} still covered at {to_date(v)}; "
                 f"{ps_.deaths} died; excluding deaths "
                 + ("n/a" if not ps_.excluding_deaths.defined
                    else f"{100 * ps_.excluding_deaths.value:.1f}%"))
        parts.update(pers=ps_.persisting, coh=ps_.cohort)
    if not inp.assumptions.basis(inp.kinds[i]).renewal_applicable:
        na = (f"not applicable to {inp.kinds[i]} (renewal depends on the loan, employer or "
              "institution; E2 L2018-2025)")
        for ind in _NOT_RENEWABLE:
            rows.add(p, ind, undefined(math.nan, math.nan, na))
        return parts
    out = cohort_outcomes(
        pol.member[sel], pol.start[sel], pol.end[sel], ex_member, ex_day, ex_reason,
        window_start=ws, window_end=s["decided_by"], grace_days=grace,
        excluded_reasons=excluded,
    )
    r = summarise(out)
    rows.add(p, "renewal_ratio", r.ratio,
             f"cohort {r.cohort}, deaths before renewal {r.deaths_before}, age-outs before "
             f"{r.age_outs_before}, drop-outs {r.dropouts}; left out: new entrants "
             f"{r.new_entrants}, still in force or within the {grace} grace days {r.not_due}")
    rows.add(p, "renewal_ratio_modified", r.modified, f"excludes {', '.join(excluded)}")
    rows.add(p, "renewal_ratio_deaths_only", r.deaths_only)
    rows.add(p, "lapse_ratio", r.lapse, "drop-outs / potential renewals")
    parts.update(renewals=r.renewals, potential=r.potential, dropouts=r.dropouts,
                 mod_den=r.potential - r.excluded_dropouts, do_den=r.cohort - r.deaths_before)
    hh_codes = s["hh_codes"]
    if s["has_households"] and (hh_codes[out.member] >= 0).any():
        h = household_renewal(out, hh_codes)
        rows.add(p, "household_renewal_ratio", h.ratio,
                 f"{h.households} households, {h.potential} could renew (E2 Box 7 (a))")
        parts.update(hh_ren=h.renewals, hh_pot=h.potential)
    else:
        rows.add(p, "household_renewal_ratio",
                 undefined(math.nan, math.nan, "undefined: no household_id in the policies"))
    dep = np.isin(s["relationship"][out.member], opt.dependants)
    if s["has_relationships"] and dep.any():
        d = summarise(out, dep)
        rows.add(p, "dependant_renewal_ratio", d.ratio,
                 f"{', '.join(opt.dependants)}: {d.renewals} of {d.potential} (E2 Box 7 (b))")
        parts.update(dep_ren=d.renewals, dep_pot=d.potential)
    else:
        rows.add(p, "dependant_renewal_ratio", undefined(
            math.nan, math.nan, "undefined: no dependants (relationship) in the cohort"))
    return parts


def _renewal_programme(ctx: _Ctx, s: dict, parts: Mapping) -> None:
    rows, t = ctx.rows, (lambda k: parts.get(k, 0))
    what = "potential renewals"
    rows.add(PROGRAMME, "renewal_ratio", ratio(t("renewals"), t("potential"), what=what),
             "products where renewal applies")
    rows.add(PROGRAMME, "renewal_ratio_modified", ratio(t("renewals"), t("mod_den"), what=what))
    rows.add(PROGRAMME, "renewal_ratio_deaths_only",
             ratio(t("renewals"), t("do_den"), what=what))
    rows.add(PROGRAMME, "lapse_ratio", ratio(t("dropouts"), t("potential"), what=what))
    rows.add(PROGRAMME, "household_renewal_ratio",
             ratio(t("hh_ren"), t("hh_pot"), what="households that could renew"))
    rows.add(PROGRAMME, "dependant_renewal_ratio",
             ratio(t("dep_ren"), t("dep_pot"), what="dependants who could renew"))
    rows.add(PROGRAMME, "persistency_ratio", ratio(t("pers"), t("coh"), what="cohort"),
             f"products of kinds {', '.join(ctx.opt.persistency_kinds)}")


# -- coverage and growth: active insured per product, the programme from their sums


def _active(ctx: _Ctx, day_: int) -> np.ndarray:
    """Active insured per product at the end of ``day_`` (computed once per close)."""
    key = ("active", day_)
    if key not in ctx.cache:
        pol = ctx.pol
        ctx.cache[key] = _active_members(pol.member, pol.product, pol.start, pol.end, day_,
                                         len(ctx.inp.products))
    return ctx.cache[key]


def _growth_prepare(ctx: _Ctx) -> dict:
    inp = ctx.inp
    v, months = inp.valuation_day, inp.period_months
    base_day = int(add_months(v + 1, -ctx.opt.growth_periods * months)) - 1
    return dict(now=_active(ctx, v), prev=_active(ctx, inp.period_start_day),
                base=_active(ctx, base_day), base_day=base_day)


def _coverage_prepare(ctx: _Ctx) -> dict:
    tg, v, n = ctx.inp.inputs.targets, ctx.inp.valuation_day, len(ctx.inp.products)
    tg_day, tg_population = tg.period_end, tg.target_population.astype(float)
    target = np.full(n, np.nan)
    for i in range(n):
        m = (tg.product == i) & (tg_day <= v)
        if m.any():
            latest = tg_day[m].max()
            target[i] = tg_population[m & (tg_day == latest)].sum()
    return {"now": _active(ctx, v), "target": target}


def _coverage_product(ctx: _Ctx, s: dict, i: int) -> dict | None:
    active, target = s["now"][i], s["target"][i]
    if math.isnan(target):
        ctx.rows.add(ctx.columns[i], "coverage_ratio", undefined(
            active, math.nan, "undefined: no target population on or before the valuation date"))
        return None  # no part in the programme's sums
    ctx.rows.add(ctx.columns[i], "coverage_ratio", coverage(active, target))
    return {"active": active, "target": target}


def _coverage_programme(ctx: _Ctx, s: dict, parts: Mapping) -> None:
    ctx.rows.add(PROGRAMME, "coverage_ratio",
                 coverage(parts.get("active", 0), parts.get("target", 0)),
                 "sum over the products with a target population")


def _growth_rows(ctx: _Ctx, s: dict, col: str, now, prev, base) -> None:
    rows, x, months = ctx.rows, ctx.opt.growth_periods, ctx.inp.period_months
    g = growth(now, prev)
    rows.add(col, "growth_ratio", g, f"active insured {int(now)} vs {int(prev)} at the period start")
    rows.add(col, "growth_ratio_annualised", annualise(g, months))
    total = multi_period_growth(now, base)
    rows.add(col, "growth_multi_period", total,
             f"{x} periods: active insured {int(now)} vs {int(base)} on {to_date(s['base_day'])}")
    rows.add(col, "growth_simple_average", simple_average_growth(total, x),
             "overstates the compound rate (E2 L2235-2238)")
    rows.add(col, "growth_compound_annual", compound_growth(now, base, x * months / 12.0),
             f"(N_n / N_n-{x})^(12 / {x * months}) - 1 (E2 Box 8)")


def _growth_product(ctx: _Ctx, s: dict, i: int) -> dict:
    parts = {"now": s["now"][i], "prev": s["prev"][i], "base": s["base"][i]}
    _growth_rows(ctx, s, ctx.columns[i], **parts)
    return parts


def _growth_programme(ctx: _Ctx, s: dict, parts: Mapping) -> None:
    _growth_rows(ctx, s, PROGRAMME, parts["now"], parts["prev"], parts["base"])


# -- timeliness: the schedule of each product; the programme's from the summed counts and days

_MEANS = ("clock", "ab", "bc", "cd", "ad")


def _timeliness_prepare(ctx: _Ctx):
    c, opt, v, ps = ctx.claims, ctx.opt, ctx.inp.valuation_day, ctx.inp.period_start_day
    chosen = c["known"] & select_claims(c["report"], c["decision"], c["receipt"], c["status"],
                                        mode=opt.selection, period_start=ps, period_end=v)
    clock = (f"{'event' if opt.start == 'event' else 'report'} to receipt"
             f"{' or denial' if opt.include_rejected else ''}, "
             f"{'paid, partial and rejected' if opt.include_rejected else 'paid and partial'} "
             f"claims {opt.selection.replace('_', ' ')}")
    return chosen, clock


def _timeliness_rows(ctx: _Ctx, col: str, clock: str, parts: Mapping) -> None:
    rows, m = ctx.rows, parts["included"]
    labels = bucket_labels(ctx.opt.buckets)
    for b, lab in enumerate(labels):
        count = parts[f"bucket_{b}"]
        rows.add(col, catalogue.bucket_indicator(lab), ratio(int(count), m, what=SCHEDULED),
                 f"{int(count)} claims")
    mean = {k: ratio(float(parts[k]), m, what=SCHEDULED) for k in _MEANS}
    unprocessed, estimated = int(parts["unprocessed"]), int(parts["receipt_estimated"])
    extra = f"{clock}; {int(m)} claims in the schedule"
    if estimated:
        extra += f", {estimated} receipt dates estimated from the decision date"
    if unprocessed:
        extra += f"; provisional: {unprocessed} selected claims not yet processed"
    rows.add(col, "timeliness_mean_days", mean["clock"], extra)
    for k in _MEANS[1:]:
        rows.add(col, f"timeliness_mean_{k}", mean[k])
    rows.add(col, "timeliness_unprocessed", float(unprocessed),
             "selected claims without a decision: listed with the run, never dropped")


def _timeliness_product(ctx: _Ctx, s, i: int) -> dict:
    chosen, clock = s
    c, opt, col = ctx.claims, ctx.opt, ctx.columns[i]
    sel = np.flatnonzero((c["product"] == i) & chosen)
    t = timeliness(c["event"][sel], c["report"][sel], c["decision"][sel], c["receipt"][sel],
                   c["status"][sel], edition=ctx.inp.edition, start=opt.start,
                   include_rejected=opt.include_rejected, buckets=opt.buckets)
    parts = {"included": t.included, "unprocessed": t.unprocessed,
             "receipt_estimated": t.receipt_estimated,
             **{f"bucket_{b}": k for b, k in enumerate(t.counts)},
             **{k: getattr(t, f"mean_{k}").numerator for k in _MEANS}}
    _timeliness_rows(ctx, col, clock, parts)
    if t.unprocessed:
        idx = sel[np.asarray(t.unprocessed_index, dtype=np.int64)]
        ctx.pending.append(pd.DataFrame({
            "product_id": col, "claim_id": c["id"][idx],
            "report_date": pd.to_datetime(c["report"][idx].astype("datetime64[D]")
                                          .astype("datetime64[s]")),
            "reason": "no decision by the valuation date",
        }))
        ctx.warnings.append((i, f"{col}: timeliness schedule provisional, {t.unprocessed} "
                                "selected claims not yet processed (E2 L2494-2498; listed with "
                                "the run)"))
    return parts


def _timeliness_programme(ctx: _Ctx, s, parts: Mapping) -> None:
    _timeliness_rows(ctx, PROGRAMME, s[1], parts)


# -- rejection: pooled claims records


def _rejection_rows(ctx: _Ctx, reported, i: int | None, chosen) -> None:
    c, v = ctx.claims, ctx.inp.valuation_day
    col = PROGRAMME if i is None else ctx.columns[i]
    own = np.ones(len(c["id"]), bool) if chosen is None else np.isin(c["product"], chosen)
    sel = own & reported
    rj = rejection(c["status"][sel], c["decision"][sel] <= v)
    rows = ctx.rows
    rows.add(col, "rejection_ratio", rj.ratio, f"{rj.rejected} rejected of {rj.reported} reported")
    rows.add(col, "rejection_ratio_provisional", rj.provisional,
             f"over {rj.decided} decided claims" + (" (complete)" if rj.complete else ""))
    rows.add(col, "partial_rejection_ratio", rj.partial_ratio, f"{rj.partial} partial rejections")
    if i is not None and rj.undecided:
        ctx.warnings.append((i, f"{col}: {rj.undecided} of {rj.reported} claims reported in the "
                                "period have no pay/no-pay decision: the rejection ratio is "
                                "incomplete (E2 L2715-2719)"))


def _rejection_prepare(ctx: _Ctx):
    c, v, ps = ctx.claims, ctx.inp.valuation_day, ctx.inp.period_start_day
    return c["known"] & (c["report"] > ps) & (c["report"] <= v)


def _rejection_product(ctx: _Ctx, reported, i: int) -> dict:
    _rejection_rows(ctx, reported, i, i)
    return {}


def _rejection_programme(ctx: _Ctx, reported, chosen) -> None:
    _rejection_rows(ctx, reported, None, chosen)


# -- solvency and liquidity: a column each, the programme's from the programme column


def _solvency_column(ctx: _Ctx, state, j: int) -> dict:
    """Solvency from the balance sheet (the programme column holds what no product is
    allocated)."""
    bs, col = ctx.inp.balance, ctx.columns[j]
    reserves, other = liabilities_total(bs)
    if ctx.inp.assets_allocated[j]:
        ctx.rows.add(col, "solvency_ratio", solvency(bs["B01"][j], reserves[j], other[j]))
    else:
        na = "undefined: no assets allocated to the product (E2 L873-881)"
        ctx.rows.add(col, "solvency_ratio", undefined(math.nan, reserves[j] + other[j], na))
    return {}


def _liquidity_column(ctx: _Ctx, state, j: int) -> dict:
    """Liquidity as the close's liquidity table gives it (the set's method at 3 months,
    reserva.projection.liquidity_table)."""
    col = ctx.columns[j]
    r, note = ctx.inp.liquidity[col]
    ctx.rows.add(col, "liquidity_ratio", r, note)
    return {}


def _health_prepare(ctx: _Ctx):
    """The health-fund indices (spec §1B) of a selection of products, as a function of the
    column label and the product indexes pooled (None when no product is of a health kind)."""
    rows, inp, pol, claims, opt = ctx.rows, ctx.inp, ctx.pol, ctx.claims, ctx.opt
    data = inp.inputs
    v, ps, months = inp.valuation_day, inp.period_start_day, inp.period_months
    health = [i for i, k in enumerate(inp.kinds) if k in opt.health_kinds]
    if not health:
        return None
    sex = pd.Series(pol.text_of_member("sex"))
    covered = (pol.start <= v) & (pol.end > ps)
    overlap = np.clip(np.minimum(pol.end, v) - np.maximum(pol.start, ps + 1) + 1, 0, None)
    term_days = np.maximum(pol.end - pol.start + 1, 1)
    nominal = pol.premium * overlap / term_days  # the period's share of each term's premium
    claim_member = claims["member"]
    occurred = claims["occurred"] & claims["covered"]
    emergency = claims["category"].isin(opt.emergency)
    has_funding, has_plans = data.has("funding"), data.has("plans")
    if has_funding:
        fu = data.funding
        fu_day, fu_product, fu_amount = fu.funding_date, fu.product, fu.amount
    if has_plans:
        pl = data.plans
        pl_start, pl_end = pl.period_start, pl.period_end
        pl_product, pl_amount = pl.product, pl.planned_claims

    def one(label: str, chosen: list[int]) -> None:
        in_products = np.isin(pol.product, chosen)
        c_sel = occurred & np.isin(claims["product"], chosen)
        chosen_members = np.zeros(pol.n_members, dtype=bool)  # sorted distinct, as np.unique
        chosen_members[pol.member[in_products & covered]] = True
        chosen_members[claim_member[c_sel & (claim_member >= 0)]] = True
        members = np.flatnonzero(chosen_members)
        group_code, groups = _member_codes(pol.text_of_member("member_group", in_products),
                                           members)
        relationship = pd.Series(pol.text_of_member("relationship", in_products))
        kinship_code, kinships = _member_codes(
            (relationship + "_" + sex).where(relationship != "", "").to_numpy(dtype=object),
            members)
        local = np.full(pol.n_members, -1, dtype=np.int64)
        local[members] = np.arange(members.size)
        live = in_products & covered
        premium = np.bincount(local[pol.member[live]], weights=nominal[live],
                              minlength=members.size)[:members.size]
        c_idx = np.flatnonzero(c_sel & (claim_member >= 0))
        lost = int(np.count_nonzero(c_sel & (claim_member < 0)))
        if has_funding:
            f_sel = np.isin(fu_product, chosen) & (fu_day > ps) & (fu_day <= v)
            financing = float(fu_amount[f_sel].sum())
        else:
            financing = math.nan
        planned, plan_note, actual_total, elapsed = math.nan, "no plan covers the valuation date", 0.0, 0.0
        if has_plans:
            p_sel = np.isin(pl_product, chosen) & (pl_start <= v) & (pl_end >= v)
            if p_sel.any():
                p0, p1 = int(pl_start[p_sel].min()), int(pl_end[p_sel].max())
                plan_months = _month_index(p1) - _month_index(p0 - 1)
                planned = float(pl_amount[p_sel].sum()) / plan_months
                elapsed = _month_index(v) - _month_index(p0 - 1)
                ytd = claims["known"] & claims["covered"] & np.isin(claims["product"], chosen) & \
                    (claims["event"] >= p0) & (claims["event"] <= v)
                actual_total = float(claims["cost"][ytd].sum())
                plan_note = (f"plan {to_date(p0)} .. {to_date(p1)}: actual {actual_total / elapsed:,.0f}"
                             f" a month over {elapsed:g} months vs planned {planned:,.0f}")
        f = fund_indices(
            claim_member=local[claim_member[c_idx]], claim_cost=claims["cost"][c_idx],
            claim_emergency=emergency[c_idx],
            claim_exhausted=claims["exhausted"][c_idx],
            member_group=group_code, member_kinship=kinship_code,
            member_premium=premium, financing=financing,
            planned_monthly=math.nan,  # the plan index is year to date: computed below
            period_months=months, groups=groups, kinships=kinships,
        )
        base = f"{f.cases} cases, {f.affiliates} affiliates, claims cost {f.claims_cost:,.2f}"
        if lost:
            base += f"; {lost} claims of members without a policy row left out"
        rows.add(label, "health_claims_index", f.claims_index,
                 "covered claims occurred / nominal premium of the period")
        rows.add(label, "health_financing_index", f.financing_index,
                 "no funding table in the data pack" if not has_funding else "")
        for g, r in f.claims_index_by_group.items():
            rows.add(label, catalogue.GROUP_PREFIX + g, r)
        rows.add(label, "health_emergency_cost_index", f.emergency_cost_index,
                 f"benefit categories {', '.join(opt.emergency)}")
        rows.add(label, "health_emergency_count_index", f.emergency_count_index,
                 f"{f.emergency_cases} emergency cases")
        rows.add(label, "health_user_index", f.user_index, f"{f.users} users")
        for k, r in f.user_index_by_kinship.items():
            rows.add(label, catalogue.KINSHIP_PREFIX + k, r)
        rows.add(label, "health_cost_per_case", f.cost_per_case, base)
        rows.add(label, "health_cost_per_affiliate", f.cost_per_affiliate)
        if opt.annualise:
            rows.add(label, "health_cost_per_affiliate_annualised", f.cost_per_affiliate_annualised,
                     f"x 12/{months}")
        rows.add(label, "health_coverage_consumption", f.coverage_consumption,
                 f"{f.exhausted_cases} cases exhausted the cover")
        if opt.annualise:
            rows.add(label, "health_coverage_consumption_annualised",
                     f.coverage_consumption_annualised, f"x 12/{months}")
        if math.isnan(planned):
            rows.add(label, "health_plan_adjustment", undefined(
                math.nan, math.nan, "undefined: " + ("no plans table in the data pack"
                                                     if not has_plans else plan_note)))
        else:
            rows.add(label, "health_plan_adjustment",
                     plan_adjustment(actual_total, elapsed, planned), plan_note)

    return one


def _health_product(ctx: _Ctx, one, i: int) -> dict | None:
    if ctx.inp.kinds[i] not in ctx.opt.health_kinds:
        return None  # computed for the product kinds of [health] kinds only
    one(str(ctx.inp.products[i]), [i])
    return {}


def _health_programme(ctx: _Ctx, one, chosen) -> None:
    if one is not None:
        one(PROGRAMME, list(range(len(ctx.inp.products)) if chosen is None else chosen))


# the kernel of every family, in the order they run (timeliness before rejection: the warnings
# of a product come in that order)
KERNELS: tuple[Kernel, ...] = (
    _value_kernel("expense", "incurred_expense_ratio", "expense"),
    Kernel("claims", "parts", _claims_product, _claims_programme, _experience_prepare),
    _value_kernel("net_income", "net_income_ratio", "net_income"),
    Kernel("renewal", "parts", _renewal_product, _renewal_programme, _renewal_prepare),
    Kernel("coverage", "parts", _coverage_product, _coverage_programme, _coverage_prepare),
    Kernel("growth", "parts", _growth_product, _growth_programme, _growth_prepare),
    Kernel("timeliness", "parts", _timeliness_product, _timeliness_programme,
           _timeliness_prepare),
    Kernel("rejection", "records", _rejection_product, _rejection_programme, _rejection_prepare),
    Kernel("solvency", "column", _solvency_column, _solvency_column),
    Kernel("liquidity", "column", _liquidity_column, _liquidity_column),
    Kernel("health", "records", _health_product, _health_programme, _health_prepare),
)


def kpi_results(inp: KpiInputs) -> KpiResults:
    """The tidy KPI table of one close, the claims it waits for and its warnings."""
    columns = (*inp.products, PROGRAMME)
    pol = _Policies(inp.inputs, inp.valuation_day)
    ctx = _Ctx(inp=inp, opt=_options(inp.assumptions, inp.edition), rows=_Rows(inp), pol=pol,
               claims=_claims(inp, pol), columns=columns, pending=[], warnings=[], cache={})
    for kernel in KERNELS:
        _family_rows(ctx, kernel)
    pending_frame = (pd.concat(ctx.pending, ignore_index=True) if ctx.pending else pd.DataFrame({
        "product_id": pd.Series(dtype=str), "claim_id": pd.Series(dtype=str),
        "report_date": pd.Series(dtype="datetime64[s]"), "reason": pd.Series(dtype=str)}))
    warnings = tuple(text for _, text in sorted(ctx.warnings, key=lambda w: w[0]))  # stable
    return KpiResults(ctx.rows.frame(columns), pending_frame, warnings)


def kpi_table(inp: KpiInputs) -> pd.DataFrame:
    """The tidy KPI table of one close."""
    return kpi_results(inp).table
