"""The KPI table of a close: the ten indicators per product and for the programme (``ALL``).

An edge module: it takes the data pack and the close's statements, pulls the arrays each pure
KPI function needs (as known at the valuation date: terms started, exits, decisions and
receipts after it are not yet known) and returns one tidy table
(product_id, indicator, value, numerator, denominator, lower, upper, flag, note, position).

Programme figures add the products' numerators and denominators (renewal, coverage, growth)
or use the programme column of the statements (value ratios, solvency, liquidity); claims
KPIs pool every claim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.io.arrays import NEVER, codes, days
from engine.io.assumptions import AssumptionSet
from engine.kpi.coverage import coverage
from engine.kpi.growth import annualise, growth
from engine.kpi.liquidity import liquidity, short_term_liabilities_factor
from engine.kpi.ratio import Ratio, flag, ratio, undefined
from engine.kpi.rejection import rejection
from engine.kpi.renewal import renewal
from engine.kpi.solvency import solvency
from engine.kpi.timeliness import timeliness
from engine.kpi.value import value_ratios
from engine.reserves.upr._kernels import add_months
from engine.statements import Statement
from engine.statements.balance import liabilities_total

PROGRAMME = "ALL"
# The families of indicators in each edition's order (spec §1.0).
ORDER = {
    1: ("net_income", "expense", "claims", "renewal", "timeliness", "rejection", "growth",
        "coverage", "solvency", "liquidity"),
    2: ("expense", "claims", "net_income", "renewal", "coverage", "growth", "timeliness",
        "rejection", "solvency", "liquidity"),
}
FAMILY = {
    "incurred_expense_ratio": "expense", "incurred_claims_ratio": "claims",
    "net_income_ratio": "net_income", "renewal_ratio": "renewal",
    "renewal_ratio_modified": "renewal", "renewal_ratio_deaths_only": "renewal",
    "coverage_ratio": "coverage", "growth_ratio": "growth", "growth_ratio_annualised": "growth",
    "rejection_ratio": "rejection", "rejection_ratio_provisional": "rejection",
    "partial_rejection_ratio": "rejection", "solvency_ratio": "solvency",
    "liquidity_ratio": "liquidity",
}
HEADLINE = (
    "incurred_expense_ratio", "incurred_claims_ratio", "net_income_ratio", "renewal_ratio",
    "coverage_ratio", "growth_ratio", "timeliness_mean_days", "rejection_ratio",
    "solvency_ratio", "liquidity_ratio",
)


@dataclass(frozen=True)
class KpiInputs:
    pack: object
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
    liquid_assets: np.ndarray  # per column (products + programme)
    assets_allocated: np.ndarray  # per column: assets allocated to that product
    claims_status_codes: dict


def _family(indicator: str) -> str:
    return "timeliness" if indicator.startswith("timeliness") else FAMILY[indicator]


class _Rows:
    def __init__(self, inp: KpiInputs):
        self.rows: list[dict] = []
        self.thresholds = inp.assumptions.thresholds.get(inp.edition, {})
        self.order = ORDER[inp.edition]

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
        f = flag(value, lower, upper, t.lower_inclusive, t.upper_inclusive) if t else (
            "n/a" if math.isnan(value) else "")
        self.rows.append({
            "product_id": product, "indicator": indicator, "value": value,
            "numerator": float(numerator), "denominator": float(denominator),
            "lower": math.nan if lower is None else lower,
            "upper": math.nan if upper is None else upper,
            "flag": f, "note": note,
        })

    def frame(self, columns: tuple[str, ...]) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows)
        fam = frame["indicator"].map(_family).map(self.order.index)
        col = frame["product_id"].map(columns.index)
        seq = pd.Series(np.arange(len(frame)), index=frame.index)
        frame = frame.assign(_f=fam, _c=col, _s=seq).sort_values(["_c", "_f", "_s"])
        frame["position"] = np.arange(len(frame), dtype=np.int32)
        return frame.drop(columns=["_f", "_c", "_s"]).reset_index(drop=True)


def _active_members(member, product, start, end, cancel, day_, n):
    """Distinct members per product with a term in force at the end of ``day_``."""
    live = (start <= day_) & (end >= day_) & (cancel > day_)
    out = np.zeros(n, dtype=np.int64)
    if live.any():
        pairs = np.unique(np.stack([product[live], member[live]]), axis=1)
        out = np.bincount(pairs[0], minlength=n)[:n]
    return out


def kpi_table(inp: KpiInputs) -> pd.DataFrame:
    """The tidy KPI table of one close."""
    a, pack = inp.assumptions, inp.pack
    products, n = inp.products, len(inp.products)
    columns = (*products, PROGRAMME)
    v, ps = inp.valuation_day, inp.period_start_day
    rows = _Rows(inp)

    # --- value: expense, claims, net income ratios from the data-sheet statements
    inc = inp.income
    for j, col in enumerate(columns):
        vr = value_ratios(inc["P02"][j], inc["P11"][j], inc["P16"][j], inc["P28"][j])
        rows.add(col, "incurred_expense_ratio", vr.expense)
        rows.add(col, "incurred_claims_ratio", vr.claims)
        rows.add(col, "net_income_ratio", vr.net_income)

    # --- renewal, coverage, growth from policies and exits known at v
    pol = pack["policies"]
    start = days(pol["start_date"])
    known = start <= v
    member, member_ids = codes(pol["member_id"])
    product, _ = codes(pol["product_id"], categories=products)
    end, cancel = days(pol["end_date"]), days(pol["cancel_date"])
    ex = pack["exits"]
    ex_day = days(ex["exit_date"])
    ex_known = ex_day <= v
    ex_member = pd.Index(member_ids).get_indexer(ex["member_id"].astype(str))
    ex_product, _ = codes(ex["product_id"], categories=products)
    window_months = int(a.setting("renewal", "window_months"))
    ws = int(add_months(v + 1, -window_months))
    grace = int(a.setting("renewal", "grace_days"))
    excluded = tuple(a.setting("renewal", "modified_exclusions"))
    tot = {"renewals": 0, "potential": 0, "mod_den": 0, "do_den": 0}
    for i, p in enumerate(products):
        if not a.basis(inp.kinds[i]).renewal_applicable:
            na = f"not applicable to {inp.kinds[i]} (renewal depends on the loan, employer or institution; E2 L2018-2025)"
            for ind in ("renewal_ratio", "renewal_ratio_modified", "renewal_ratio_deaths_only"):
                rows.add(p, ind, undefined(math.nan, math.nan, na))
            continue
        sel = known & (product == i)
        xs = ex_known & (ex_product == i) & (ex_member >= 0)
        r = renewal(
            member[sel], start[sel], np.minimum(end[sel], cancel[sel] - 1),
            ex_member[xs], ex_day[xs], ex["reason"].astype(str).to_numpy()[xs],
            window_start=ws, window_end=v, grace_days=grace, excluded_reasons=excluded,
        )
        note = (f"cohort {r.cohort}, deaths before renewal {r.deaths_before}, "
                f"age-outs before {r.age_outs_before}, drop-outs {r.dropouts}")
        rows.add(p, "renewal_ratio", r.ratio, note)
        rows.add(p, "renewal_ratio_modified", r.modified, f"excludes {', '.join(excluded)}")
        rows.add(p, "renewal_ratio_deaths_only", r.deaths_only)
        tot["renewals"] += r.renewals
        tot["potential"] += r.potential
        tot["mod_den"] += r.modified.denominator if r.modified.defined else 0
        tot["do_den"] += r.deaths_only.denominator if r.deaths_only.defined else 0
    rows.add(PROGRAMME, "renewal_ratio", ratio(tot["renewals"], tot["potential"], what="potential renewals"),
             "products where renewal applies")
    rows.add(PROGRAMME, "renewal_ratio_modified", ratio(tot["renewals"], tot["mod_den"], what="potential renewals"))
    rows.add(PROGRAMME, "renewal_ratio_deaths_only", ratio(tot["renewals"], tot["do_den"], what="potential renewals"))

    active_v = _active_members(member, product, start, end, cancel, v, n)
    active_ps = _active_members(member, product, start, end, cancel, ps, n)
    tg = pack["targets"]
    tg_day = days(tg["period_end"])
    tg_product, _ = codes(tg["product_id"], categories=products)
    target = np.full(n, np.nan)
    for i in range(n):
        m = (tg_product == i) & (tg_day <= v)
        if m.any():
            latest = tg_day[m].max()
            target[i] = tg["target_population"].to_numpy(float)[m & (tg_day == latest)].sum()
    for i, p in enumerate(products):
        rows.add(p, "coverage_ratio", coverage(active_v[i], target[i]) if not math.isnan(target[i])
                 else undefined(active_v[i], math.nan, "undefined: no target population on or before the valuation date"))
    rows.add(PROGRAMME, "coverage_ratio", coverage(active_v.sum(), np.nansum(target)),
             "sum over products")
    for j, col in enumerate(columns):
        now = active_v.sum() if col == PROGRAMME else active_v[j]
        prev = active_ps.sum() if col == PROGRAMME else active_ps[j]
        g = growth(now, prev)
        rows.add(col, "growth_ratio", g, f"active insured {int(now)} vs {int(prev)} at the period start")
        rows.add(col, "growth_ratio_annualised", annualise(g, inp.period_months))

    # --- claims: timeliness (processed in the period) and rejection (reported in the period)
    cl = pack["claims"]
    c_product, _ = codes(cl["product_id"], categories=products)
    ev, rp = days(cl["event_date"]), days(cl["report_date"])
    dc, rc = days(cl["decision_date"]), days(cl["receipt_date"])
    status = cl["status"].astype(str).to_numpy()
    status_v = np.where(dc <= v, status, "open")  # as known at v
    dc_v = np.where(dc <= v, dc, NEVER)
    rc_v = np.where(rc <= v, rc, NEVER)
    buckets = tuple(int(b) for b in a.setting("timeliness", "buckets"))
    processed = (dc > ps) & (dc <= v)
    reported = (rp > ps) & (rp <= v)
    for j, col in enumerate(columns):
        own = np.ones(len(cl), bool) if col == PROGRAMME else (c_product == j)
        sel = own & processed
        t = timeliness(ev[sel], rp[sel], dc_v[sel], rc_v[sel], status_v[sel],
                       edition=inp.edition, buckets=buckets)
        clock = "event to receipt or denial" if inp.edition == 2 else "report to receipt, paid claims"
        for label, count, share in zip(t.bucket_labels, t.counts, t.shares, strict=True):
            rows.add(col, f"timeliness_{label.replace('-', '_').replace('+', '_plus')}", share,
                     f"{count} claims")
        extra = f"{clock}; {t.included} claims processed in the period"
        if t.receipt_estimated:
            extra += f", {t.receipt_estimated} receipt dates estimated from the decision date"
        rows.add(col, "timeliness_mean_days", t.mean_clock, extra)
        sel = own & reported
        rj = rejection(status_v[sel], dc[sel] <= v)
        rows.add(col, "rejection_ratio", rj.ratio, f"{rj.rejected} rejected of {rj.reported} reported")
        rows.add(col, "rejection_ratio_provisional", rj.provisional,
                 f"over {rj.decided} decided claims" + (" (complete)" if rj.complete else ""))
        rows.add(col, "partial_rejection_ratio", rj.partial_ratio, f"{rj.partial} partial rejections")

    # --- financial prudence: solvency and liquidity (per product only if assets are allocated)
    bs = inp.balance
    reserves, other = liabilities_total(bs)
    factors = dict(a.liquidity_factors)
    add_on_months = float(a.setting("liquidity", "expense_add_on_months"))
    for j, col in enumerate(columns):
        if not inp.assets_allocated[j]:
            na = "undefined: no assets allocated to the product (E2 L873-881)"
            rows.add(col, "solvency_ratio", undefined(math.nan, reserves[j] + other[j], na))
            rows.add(col, "liquidity_ratio", undefined(math.nan, math.nan, na))
            continue
        rows.add(col, "solvency_ratio", solvency(bs["B01"][j], reserves[j], other[j]))
        amounts = {
            "upr": bs["B14"][j], "ocs": bs["B20"][j], "ibnr": bs["B17"][j], "alr": bs["B23"][j],
            "other_liabilities": bs["B21"][j] + bs["B25"][j] + bs["B29"][j],
        }
        expenses = inc["P16"][j] * add_on_months / inp.period_months
        st = short_term_liabilities_factor(amounts, factors, expense_add_on=max(expenses, 0.0))
        rows.add(col, "liquidity_ratio", liquidity(inp.liquid_assets[j], st),
                 f"balance-sheet factor method, {st.total:,.0f} payable in 3 months incl. "
                 f"{st.expense_add_on:,.0f} expenses")
    return rows.frame(columns)
