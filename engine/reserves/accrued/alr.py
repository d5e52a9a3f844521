"""Accrued liabilities reserve of a close, per product and per policy (spec §3.6-3.7, E2 Table 9).

ALR_p(v) = sum over the product's savings accounts of the balance rolled forward to v
           (``savings.roll_forward``: last balance + contributions - withdrawals + interest)
         + sum over its life contracts in force at v of the net or gross premium reserve
           (``life.policy_values`` on the kind's mortality table and interest rate),
each part taken when the product kind's ``alr_method`` names it (``savings``, ``net_premium``,
``gross_premium``, or ``savings+net_premium`` / ``savings+gross_premium``).

Savings: the credited rate is the assumption set's (``crediting_rates.csv``) where it gives one,
else the rate declared on the account's last balance row; the guaranteed rate is always the
assumption set's (0 where the kind has no row: no guarantee). The guarantee exposure is
``balance x max(guaranteed - earned_yield, 0)``: a year's interest promised that the assumed yield
does not earn (E2 L4182-4192 warns against unbacked guarantees).

Life contracts: duration ``t = h + s`` at the end of day v, ``h`` whole policy years since the
issue date (anniversaries by calendar month), ``s`` the elapsed share of the current policy year
in days. A contract is in force from its issue date until its exit date (exclusive) and until its
maturity (issue + term years; whole life: the end of the table).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reserva.calendar import NEVER, days_per_year
from reserva.errors import AssumptionError, BadCell, InputError
from reserva.io.assumptions import AssumptionSet, MortalitySpec
from reserva.io.bundles import Inputs, frozen_array
from reserva.io.limits import register_table_ages
from reserva.vocab import OPEN_PLANS, PREMIUMS_PER_YEAR

from .life import Commutation, Expenses, commutation, policy_values
from .mortality import MortalityTable, from_package, makeham, read_csv_table, read_xtbml
from .savings import RateSchedule, guarantee_exposure, roll_forward

PLAN_BENEFITS = {  # plan -> (death benefit, survival benefit) per unit of sum insured
    "whole_life": (1.0, 0.0),
    "endowment": (1.0, 1.0),
    "term": (1.0, 0.0),
    "pure_endowment": (0.0, 1.0),
    "annuity": (0.0, 0.0),  # a pension in payment: sum_insured a year, paid at premium_mode
}
DETAIL_COLUMNS = (
    "product_id", "policy_id", "source", "basis", "duration_years", "annual_premium", "reserve",
    "guaranteed_value", "guarantee_exposure",
)


@dataclass(frozen=True)
class AlrResult:
    """ALR per product (in product order) with its parts, and the detail per account / contract."""

    alr: np.ndarray
    savings: np.ndarray
    life: np.ndarray
    guaranteed: np.ndarray  # savings balances at the guaranteed rates
    guarantee_exposure: np.ndarray
    detail: pd.DataFrame  # DETAIL_COLUMNS
    life_premium: np.ndarray  # per row of the life_policies bundle: the annual premium the
    # ALR valued the contract with (NaN where it valued none); the projection's premium where
    # the contract has no gross_premium


_TABLES: dict[int, tuple[weakref.ref, dict[str, MortalityTable]]] = {}


def mortality_table(a: AssumptionSet, name: str) -> MortalityTable:
    """The named table of the set, built from its source (makeham, csv, xtbml, package) once
    per assumption set (later calls return the same table)."""
    hit = _TABLES.get(id(a))
    if hit is None or hit[0]() is not a:
        hit = (weakref.ref(a), {})
        _TABLES[id(a)] = hit
        weakref.finalize(a, _TABLES.pop, id(a), None)
    built = hit[1]
    if name not in built:
        built[name] = _build_table(a, name)
    return built[name]


def _build_table(a: AssumptionSet, name: str) -> MortalityTable:
    try:
        spec: MortalitySpec = a.mortality[name]
    except KeyError:
        raise AssumptionError(
            f"assumption set {a.set_id}: mortality table {name!r} is not in mortality_tables.csv; "
            "fix: add it"
        ) from None
    if spec.source == "makeham":
        law_a, law_b, law_c = spec.law
        return makeham(spec.table, law_a, law_b, law_c, spec.min_age, spec.max_age, spec.provenance)
    if spec.source == "csv":
        return read_csv_table(a.path / spec.file, spec.table)
    if spec.source == "xtbml":
        return read_xtbml(a.path / spec.file, spec.table)
    return from_package(int(spec.package_id), name=spec.table)


def _table_ages(a: AssumptionSet, name: str) -> tuple[int, int]:
    table = mortality_table(a, name)
    return int(table.min_age), int(table.max_age)


register_table_ages(_table_ages)  # validation checks issue ages against the tables built here


def _sum(product: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(product, weights=values, minlength=n)[:n].astype(np.float64)


def _empty_detail() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str" if c in ("product_id", "policy_id", "source",
                                                           "basis") else "float64")
                         for c in DETAIL_COLUMNS})


def _savings(inputs: Inputs, products, kinds, a: AssumptionSet, v: int, use: np.ndarray):
    n = len(products)
    zeros = np.zeros(n)
    if not (inputs.has("savings_accounts") or inputs.has("savings_transactions")) \
            or not use.any():
        return zeros, zeros, zeros, _empty_detail()
    sa, tx = inputs.savings_accounts, inputs.savings_transactions
    sa_rows = np.flatnonzero(sa.balance_date <= v)
    tx_rows = np.flatnonzero(tx.transaction_date <= v)
    sa_day, tx_day = sa.balance_date[sa_rows], tx.transaction_date[tx_rows]
    # the accounts known at v, in order of first appearance (balance rows, then transactions)
    seen = pd.unique(np.concatenate([sa.account[sa_rows], tx.account[tx_rows]]))
    if seen.size == 0:
        return zeros, zeros, zeros, _empty_detail()
    ids = inputs.accounts[seen]
    local = np.full(len(inputs.accounts), -1, dtype=np.int64)
    local[seen] = np.arange(seen.size)
    acc_sa, acc_tx = local[sa.account[sa_rows]], local[tx.account[tx_rows]]
    m = ids.size
    # the last balance row on or before v of every account
    order = np.lexsort((sa_day, acc_sa))
    last = np.ones(order.size, dtype=bool)
    last[:-1] = acc_sa[order][1:] != acc_sa[order][:-1]
    rows = order[last]
    start_day = np.full(m, NEVER, dtype=np.int64)
    start_balance = np.zeros(m)
    declared = np.full(m, np.nan)
    start_day[acc_sa[rows]] = sa_day[rows]
    start_balance[acc_sa[rows]] = np.nan_to_num(sa.balance[sa_rows])[rows]
    declared[acc_sa[rows]] = np.nan_to_num(sa.credited_rate[sa_rows])[rows]
    product_of = np.full(m, -1, dtype=np.int64)
    p_tx, p_sa = tx.product[tx_rows], sa.product[sa_rows]
    product_of[acc_tx] = p_tx
    product_of[acc_sa[rows]] = p_sa[rows]
    no_start = start_day == NEVER
    if no_start.any():  # accounts opened by their first transaction
        first = np.full(m, NEVER, dtype=np.int64)
        np.minimum.at(first, acc_tx, tx_day)
        start_day[no_start] = first[no_start]
    withdrawal = tx.type.codes[tx_rows] == tx.type.code("withdrawal")
    signed = np.nan_to_num(tx.amount[tx_rows]) * np.where(withdrawal, -1.0, 1.0)

    keep = use[product_of]
    schedule = _account_schedule(a, kinds[product_of], start_day, declared, ids, keep)
    account = np.arange(m, dtype=np.int64)
    tx_keep = keep[acc_tx]
    roll_start = np.where(no_start, NEVER, start_day)  # no balance row: from the first transaction
    values = roll_forward(
        account[keep], account[keep], roll_start[keep], start_balance[keep],
        acc_tx[tx_keep], tx_day[tx_keep], signed[tx_keep], schedule, v,
        compounding=a.settings.alr.compounding,
        days_per_year=days_per_year(a.settings.day_count.savings_interest,
                                    setting="settings.toml [day_count] savings_interest"),
    )
    exposure = guarantee_exposure(values, a.settings.alr.earned_yield)
    prod = product_of[values.account]
    detail = pd.DataFrame({
        "product_id": np.asarray(products, dtype=object)[prod],
        "policy_id": ids[values.account],
        "source": "savings",
        "basis": "savings",
        "duration_years": np.nan,
        "annual_premium": np.nan,
        "reserve": values.balance,
        "guaranteed_value": values.guaranteed_balance,
        "guarantee_exposure": exposure,
    })
    return (_sum(prod, values.balance, n), _sum(prod, values.guaranteed_balance, n),
            _sum(prod, exposure, n), detail)


def _account_schedule(a: AssumptionSet, kind_of, start_day, declared, ids, keep) -> RateSchedule:
    """One schedule per account: from its start, the set's rates of its kind (credited rate of the
    data where the set leaves it blank)."""
    cr = a.crediting_rates
    acc_idx, from_day, credited, guaranteed = [], [], [], []
    missing = []
    for kind in np.unique(kind_of[keep]):
        accounts = np.flatnonzero(keep & (kind_of == kind))
        rows = cr[cr["product_kind"] == kind]
        ch_day = rows["from_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        ch_cred = rows["credited_rate"].to_numpy(dtype=np.float64)
        ch_guar = rows["guaranteed_rate"].to_numpy(dtype=np.float64)
        s = start_day[accounts]
        # the change in force at each account's start, then every later change
        k0 = np.searchsorted(ch_day, s, side="right") - 1
        cred0 = np.where(k0 >= 0, ch_cred[np.maximum(k0, 0)] if ch_day.size else np.nan, np.nan)
        guar0 = np.where(k0 >= 0, ch_guar[np.maximum(k0, 0)] if ch_day.size else 0.0, 0.0)
        cred0 = np.where(np.isnan(cred0), declared[accounts], cred0)
        acc_idx.append(accounts)
        from_day.append(s)
        credited.append(cred0)
        guaranteed.append(guar0)
        for d, c, g in zip(ch_day, ch_cred, ch_guar, strict=True):
            later = accounts[s < d]
            acc_idx.append(later)
            from_day.append(np.full(later.size, d))
            credited.append(declared[later] if np.isnan(c) else np.full(later.size, c))
            guaranteed.append(np.full(later.size, g))
        bad = accounts[np.isnan(cred0)]
        missing += [f"{ids[i]} ({kind})" for i in bad[:5]]
    if missing:
        raise AssumptionError(
            f"assumption set {a.set_id}: no credited rate for savings account(s) "
            f"{', '.join(missing)}: the account has no balance row declaring one and "
            "crediting_rates.csv gives none for its kind; fix: add a credited_rate to "
            "crediting_rates.csv or a balance row to savings_accounts"
        )
    return RateSchedule(
        product=np.concatenate(acc_idx).astype(np.int64),
        from_day=np.concatenate(from_day).astype(np.int64),
        credited_rate=np.concatenate(credited).astype(np.float64),
        guaranteed_rate=np.concatenate(guaranteed).astype(np.float64),
    )


def policy_durations(issue_day: np.ndarray, v: int) -> np.ndarray:
    """t = h + s at the end of day v: h whole policy years (calendar anniversaries), s the
    elapsed share of the current policy year in days."""
    issue = issue_day.astype("datetime64[D]")
    months = issue.astype("datetime64[M]")
    dom = (issue - months.astype("datetime64[D]")).astype(np.int64)

    def anniversary(h: np.ndarray) -> np.ndarray:
        m = months + (12 * h).astype("timedelta64[M]")
        last = ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(np.int64) - 1
        return (m.astype("datetime64[D]") + np.minimum(dom, last)).astype(np.int64)

    end = v + 1  # the valuation is at the end of day v
    h = np.maximum((end - issue_day) // 366, 0)
    for _ in range(3):  # at most two steps from the estimate to the exact count
        h = np.where(anniversary(h + 1) <= end, h + 1, h)
    start, nxt = anniversary(h), anniversary(h + 1)
    return h + (end - start) / (nxt - start)


def _by_code(coded, mapping: dict) -> np.ndarray:
    """``mapping[value]`` of each row of a Coded column (its categories all in ``mapping``)."""
    table = np.array([mapping[c] for c in coded.categories])
    return table[coded.codes]


def _life(inputs: Inputs, products, kinds, a: AssumptionSet, v: int, methods: list[str]):
    n = len(products)
    lp = inputs.life_policies
    premium = np.full(lp.n, np.nan)
    if not inputs.has("life_policies"):
        return np.zeros(n), _empty_detail(), premium
    product, issue, exit_day = lp.product, lp.issue_date, lp.exit_date
    per_year = _by_code(lp.premium_mode, PREMIUMS_PER_YEAR).astype(np.int64)
    benefits = np.array([PLAN_BENEFITS[c] for c in lp.plan.categories]).reshape(-1, 2)
    open_codes = [lp.plan.code(c) for c in OPEN_PLANS if c in lp.plan.categories]
    annuity_code = (lp.plan.code("annuity") if "annuity" in lp.plan.categories else -1)
    single_code = lp.premium_mode.code("single")
    out = np.zeros(n)
    frames = [_empty_detail()]
    bases: dict[tuple[str, float], Commutation] = {}
    bad: list[BadCell] = []
    for p in range(n):
        method = methods[p]
        if not method.endswith("_premium"):
            continue
        rows = np.flatnonzero((product == p) & (issue <= v) & (exit_day > v))
        if rows.size == 0:
            continue
        lb = a.life(kinds[p])
        key = (lb.mortality_table, lb.interest_rate)
        if key not in bases:
            t = mortality_table(a, lb.mortality_table)
            bases[key] = commutation(t.q, t.min_age, lb.interest_rate)
        cm = bases[key]
        x = lp.issue_age[rows].astype(np.int64)
        plan = lp.plan.codes[rows]
        whole = np.isin(plan, open_codes) & np.isnan(lp.term_years[rows])
        term = np.where(whole, cm.max_age + 1 - x,
                        np.nan_to_num(lp.term_years[rows], nan=0.0).astype(np.int64))
        single = lp.premium_mode.codes[rows] == single_code
        k = per_year[rows]
        m = np.where(single, 1, np.nan_to_num(lp.premium_years[rows], nan=-1.0).astype(np.int64))
        m = np.where(m < 0, term, m)
        # validation (reserva.io.validate, the set's life tables) refuses these rows; this guard
        # holds when the pack was read against another assumption set
        ids = lp.policy_id[rows]
        for i in np.flatnonzero((x < cm.min_age) | (x + term > cm.max_age + 1) | (term < 1)):
            bad.append(BadCell(
                "life_policies.csv", None, "issue_age", str(x[i]),
                f"an issue age whose cover ends within the table {lb.mortality_table} "
                f"(ages {cm.min_age}..{cm.max_age}) for policy {ids[i]}",
                "correct issue_age or term_years, or give the kind a table covering these ages"))
        if bad:
            continue
        t = policy_durations(issue[rows], v)
        live = t < term  # a matured contract's benefit is a claim, not a reserve
        if not live.all():
            rows, x, plan, term, k, m, t = (arr[live] for arr in (rows, x, plan, term, k, m, t))
            if rows.size == 0:
                continue
        benefit = benefits[plan]
        si = np.nan_to_num(lp.sum_insured[rows])
        gross = method.endswith("gross_premium")
        pension = plan == annuity_code
        reserve = np.zeros(rows.size)
        annual = np.zeros(rows.size)
        if (~pension).any():
            c = ~pension
            vals = policy_values(
                cm, x[c], term[c], m[c], (si * benefit[:, 0])[c], (si * benefit[:, 1])[c], k[c],
                t[c], basis="gross" if gross else "net",
                expenses=(Expenses(lb.initial_expense, lb.renewal_expense,
                                   lb.per_policy_expense, lb.claim_expense)
                          if gross else Expenses()),
                gross_premium=np.nan_to_num(lp.gross_premium[rows][c]) if gross else None,
            )
            reserve[c], annual[c] = vals.reserve, vals.premium
        if pension.any():
            # a pension in payment: sum_insured a year in k instalments in advance for the
            # term (for life: to the table's end) is what a level premium of sum_insured with
            # no benefit is with the sign turned: its reserve, sum_insured x the annuity-due
            # ä^(k)_{x+t} (to the term's end) at the duration t, is minus that contract's, by
            # the other plans' formulas (AMLCR §5.11; UDD between anniversaries)
            vals = policy_values(cm, x[pension], term[pension], term[pension], 0.0, 0.0,
                                 k[pension], t[pension], basis="gross",
                                 gross_premium=si[pension])
            reserve[pension] = -vals.reserve
        out[p] = reserve.sum()
        premium[rows] = annual
        frames.append(pd.DataFrame({
            "product_id": products[p],
            "policy_id": lp.policy_id[rows],
            "source": "life",
            "basis": np.where(pension, "annuity", "gross" if gross else "net"),
            "duration_years": t,
            "annual_premium": annual,
            "reserve": reserve,
            "guaranteed_value": np.nan,
            "guarantee_exposure": np.nan,
        }))
    if bad:
        raise InputError(bad)
    return out, pd.concat(frames, ignore_index=True), premium


def compute_alr(inputs: Inputs, products, kinds, a: AssumptionSet, v: int) -> AlrResult:
    """ALR per product at the end of day ``v`` (see the module docstring).

    ``inputs``: the data pack's array bundles (``reserva.io.bundles.bundle``); ``products``,
    ``kinds``: the product ids and kinds, in product order."""
    products = np.asarray(products, dtype=object)
    kinds = np.asarray(kinds, dtype=object)
    methods = [a.basis(k).alr_method for k in kinds]
    use_savings = np.array([m.startswith("savings") for m in methods], dtype=bool)
    savings, guaranteed, exposure, s_detail = _savings(inputs, products, kinds, a, v,
                                                       use_savings)
    life, l_detail, life_premium = _life(inputs, products, kinds, a, v, methods)
    detail = pd.concat([s_detail, l_detail], ignore_index=True)
    return AlrResult(savings + life, savings, life, guaranteed, exposure, detail,
                     frozen_array(life_premium))
