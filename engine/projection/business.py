"""The cashflow grid of a close: every line of ``grid.LINES`` from the data pack's array bundles
(``reserva.io.bundles``) and the set.

Per product kind, ``projection.csv`` says how the business in force is projected: ``exposure``
(the policies table: claims on the unexpired cover, premiums due, commissions, expenses,
refunds), ``life`` (the life_policies table on the kind's mortality table of life_basis.csv:
premiums, expenses, death benefits, maturities) or ``none``. Whatever the basis, a product's
savings balances are withdrawn at its withdrawal rate, its OCS and IBNR run off by the claims
work's payment patterns, its liabilities are paid by their due dates, and new business is added
when new_business.csv names the product. The formulas are those of ``reserva.projection.grid``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reserva.calendar import days_per_year
from reserva.errors import AssumptionError, BadCell, InputError
from reserva.io.assumptions import AssumptionSet
from reserva.io.bundles import Inputs, latest_rows
from reserva.projection import grid as g
from reserva.projection.inforce import model_points, project_in_force
from reserva.reserves.accrued.alr import mortality_table
from reserva.reserves.upr.upr import PolicyArrays

REFUND_FACTORS = {"data": 1.0, "pro_rata": 1.0, "none": 0.0}


def _life_lines(inputs: Inputs, products, kinds, a: AssumptionSet, v: int, horizon: int,
                amount: np.ndarray, annual_premium: np.ndarray) -> None:
    """Premiums, expenses, death benefits and maturities of the life contracts in force.

    ``annual_premium``: per row of the life_policies bundle, the ALR's annual premium (NaN where
    it valued none), used where the contract's gross_premium is empty."""
    if not inputs.has("life_policies"):
        return
    life = [p for p, k in enumerate(kinds) if a.projection(k).basis == "life"]
    if not life:
        return
    lp = inputs.life_policies
    product = lp.product
    plan, mode = lp.plan.text(), lp.premium_mode.text()
    by_table: dict[str, list[int]] = {}
    for p in life:
        by_table.setdefault(a.life(kinds[p]).mortality_table, []).append(p)
    for name, group in by_table.items():
        table = mortality_table(a, name)
        rows = np.flatnonzero(np.isin(product, group))
        if rows.size == 0:
            continue
        try:
            pts = model_points(
                lp.issue_date[rows], lp.exit_date[rows], lp.issue_age[rows],
                lp.sum_insured[rows], lp.term_years[rows], lp.premium_years[rows],
                lp.gross_premium[rows], plan[rows], mode[rows], product[rows], v,
                max_age=table.max_age)
        except InputError as exc:  # line numbers of the file, not of the product's rows
            raise InputError([BadCell(c.file, None if c.row is None else int(rows[c.row - 2]) + 2,
                                      c.column, c.value, c.expected, c.fix)
                              for c in exc.cells]) from None
        if pts.age.size == 0:
            continue
        premium = np.where(np.isnan(pts.annual_premium), annual_premium[rows][pts.row],
                           pts.annual_premium)
        premium = np.nan_to_num(premium)  # no gross premium and no ALR premium: none projected
        for p in group:
            mine = pts.product == p
            if not mine.any():
                continue
            basis = a.life(kinds[p])
            lines = project_in_force(
                pts.age[mine], pts.term_months[mine], pts.sum_insured[mine], premium[mine],
                pts.interval[mine], pts.maturity_benefit[mine], pts.premium_months[mine],
                pts.first_premium_month[mine], pts.age_step_month[mine],
                np.full(int(mine.sum()), a.projection(kinds[p]).lapse_rate), table,
                float(basis.per_policy_expense), float(basis.renewal_expense), horizon,
                annuity=pts.annuity[mine])
            premiums, deaths, maturities, expenses, _, _, _, annuities = lines
            amount[p, g.LINE["premiums"]] += premiums
            amount[p, g.LINE["death_benefits"]] += deaths
            amount[p, g.LINE["maturities"]] += maturities
            amount[p, g.LINE["expenses"]] += expenses
            amount[p, g.LINE["annuities"]] += annuities


def exposure_parameters(kinds, a: AssumptionSet) -> dict[str, Any]:
    """The per-product keyword arguments of ``grid.policy_flows`` for the product ``kinds``
    (projection.csv, the bases' expected loss ratio and refund rule, [day_count] exposure):
    one place, so that every pass over the policies projects them alike."""
    proj = [a.projection(k) for k in kinds]
    return {
        "use": np.array([b.basis == "exposure" for b in proj], dtype=bool),
        "lapse_rate": np.array([b.lapse_rate for b in proj], np.float64),
        "claims_basis": [b.claims_basis for b in proj],
        "loss_ratio": np.array([b.loss_ratio if b.loss_ratio is not None
                                else a.basis(k).expected_loss_ratio
                                for b, k in zip(proj, kinds, strict=True)], np.float64),
        "frequency": np.array([b.frequency or 0.0 for b in proj], np.float64),
        "severity": np.array([b.severity or 0.0 for b in proj], np.float64),
        "expense_ratio": np.array([b.expense_ratio for b in proj], np.float64),
        "refund_factor": np.array([REFUND_FACTORS[a.basis(k).refund_rule] for k in kinds],
                                  np.float64),
        "days_per_year": days_per_year(a.settings.day_count.exposure,
                                       setting="settings.toml [day_count] exposure"),
    }


def project_business(
    inputs: Inputs,
    products: np.ndarray,
    kinds: np.ndarray,
    a: AssumptionSet,
    v: int,
    *,
    policies: PolicyArrays,
    commission: np.ndarray | None = None,
    unpaid: np.ndarray,
    ocs: np.ndarray,
    savings_balance: np.ndarray,
    horizon_months: int,
    life_premium: np.ndarray | None = None,
) -> g.CashflowGrid:
    """The grid at the end of day v. ``unpaid``: [product, month] OCS + IBNR cashflows of the
    claims work (month 1 first); ``ocs``: OCS per product; ``savings_balance``: per product;
    ``commission``: per policy, in the order of ``policies``; ``life_premium``: per row of the
    life_policies bundle, the annual premium the ALR valued the contract with (NaN where it
    valued none: ``AlrResult.life_premium``), projected where the contract has no
    gross_premium. ``inputs``: the data pack's array bundles (``reserva.io.bundles.bundle``);
    ``commission`` defaults to the policies' (0 where empty). The grid keeps the claims of the
    policies in force and of the new business by month of occurrence, before settlement
    (``claims_occurred``, ``new_business_occurred``)."""
    if commission is None:
        commission = np.nan_to_num(inputs.policies.commission)
    n, h = len(products), int(horizon_months)
    edges = g.month_edges(v, h)
    amount = np.zeros((n, len(g.LINES), h))
    proj = [a.projection(k) for k in kinds]
    params = exposure_parameters(kinds, a)
    loss_ratio = params["loss_ratio"]
    pf = g.policy_flows(
        policies.start, policies.end, policies.cancel, policies.issue, policies.written_premium,
        commission, policies.interval_months, policies.n_instalments, policies.product,
        n_products=n, valuation_day=v, horizon_months=h, **params,
    )
    patterns = [b.settlement_pattern for b in proj]
    amount[:, g.LINE["premiums"]] += pf.premiums
    amount[:, g.LINE["commissions"]] += pf.commissions
    amount[:, g.LINE["claims"]] += g.settle(pf.claims_occurred, patterns)
    amount[:, g.LINE["expenses"]] += pf.expenses
    amount[:, g.LINE["refunds"]] += pf.refunds
    _life_lines(inputs, products, kinds, a, v, h, amount,
                np.full(inputs.life_policies.n, np.nan) if life_premium is None
                else np.asarray(life_premium, np.float64))

    amount[:, g.LINE["savings_withdrawals"]] = g.savings_runoff(
        savings_balance, [b.withdrawal_rate for b in proj], [b.interest_rate for b in proj], h)
    unpaid = np.asarray(unpaid, np.float64)
    if unpaid.shape[1] != h:
        raise AssumptionError(f"the unpaid claims cashflows have {unpaid.shape[1]} months, the "
                              f"grid {h}: both take [cashflows] horizon_months")
    ocs_part, ibnr_part = g.split_runoff(unpaid, ocs)
    amount[:, g.LINE["ocs_runoff"]] = ocs_part
    amount[:, g.LINE["ibnr_runoff"]] = ibnr_part

    unallocated = np.zeros((len(g.LINES), h))
    li = inputs.liabilities
    snap = latest_rows(li.as_of_date, v)
    if len(snap):
        idx = li.product[snap]
        month = g.month_of(li.due_date[snap], edges)
        value = np.nan_to_num(li.amount[snap])
        line = g.LINE["other_liabilities"]
        own = idx >= 0
        np.add.at(amount, (idx[own], line, month[own]), value[own])
        np.add.at(unallocated[line], month[~own], value[~own])

    nb = a.new_business
    if len(nb):
        index = {p: i for i, p in enumerate(products)}
        unknown = sorted(set(nb["product_id"]) - set(index))
        if unknown:
            raise AssumptionError(
                f"assumption set {a.set_id}: new_business.csv names product(s) "
                f"{', '.join(unknown)} not in the data pack; fix: remove the rows or the product ids")
        prem = np.zeros(n)
        months = np.zeros(n, np.int64)
        term = np.ones(n, np.int64)
        comm = np.zeros(n)
        for row in nb.itertuples(index=False):
            i = index[row.product_id]
            prem[i], months[i], term[i], comm[i] = (row.monthly_premium, row.months,
                                                    row.term_months, row.commission_rate)
        nb_prem, nb_occ, nb_outgo = g.new_business(
            prem, months, term, loss_ratio, [b.expense_ratio for b in proj], comm, h)
        amount[:, g.LINE["new_business_premiums"]] += nb_prem
        amount[:, g.LINE["new_business_outgo"]] += nb_outgo + g.settle(nb_occ, patterns)
    else:
        nb_occ = np.zeros((n, h))
    return g.CashflowGrid(tuple(str(p) for p in products), int(v), edges, amount, unallocated,
                          claims_occurred=pf.claims_occurred, new_business_occurred=nb_occ,
                          earned_premium=pf.earned, expiring_premium=pf.expiring)
