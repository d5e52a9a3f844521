"""The liquidity stage of the close: the inputs of ``liquidity_table`` from the other stages.

Per product and for the programme (``reserva.projection.liquidity_table`` for the formulas):

- cash, convertible investments and which columns hold assets: the balance-sheet mapping;
- outflows by month: the cashflow grid; liabilities due within 3 months: the grid's other
  liabilities of months 0 .. 2;
- claims paid in the 12 months up to v and in the 12 months before (the rule of thumb's
  growth margin): the claims' payments;
- reserves: UPR B14, OCS B20, IBNR B17, ALR B23, other liabilities B21 + B25 + B29;
- expenses per month: P16 / the period's months; static liabilities: B20 + those due in 3
  months.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from reserva.calendar import add_months
from reserva.io.assumptions import AssumptionSet
from reserva.projection.grid import LINE, CashflowGrid
from reserva.projection.liquidity_table import LiquidityInputs, liquidity_table
from reserva.reserves.claims.stage import ClaimArrays, by_product
from reserva.statements import Statement
from reserva.statements.mapping import BalanceInputs, with_programme

__all__ = ["liquidity_stage"]


def liquidity_stage(claims: ClaimArrays, grid: CashflowGrid, balance: Statement,
                    income: Statement, assets: BalanceInputs, a: AssumptionSet, v: int,
                    months: int, columns: Sequence[str]) -> pd.DataFrame:
    """The liquidity table of the products and the programme (``columns``) at day v.

    ``assets``: the balance-sheet inputs (cash, convertible, allocated columns); ``months``:
    the period's length (the income statement's expenses are of that many months).
    """
    n = len(grid.products)
    n_claims = len(claims.product)

    def paid_between(lo: int, hi: int) -> np.ndarray:
        if not n_claims:
            return np.zeros(n + 1)
        return with_programme(by_product(
            claims.product, claims.payments.in_period(n_claims, lo, hi), n))

    year_ago = int(add_months(v + 1, -12)) - 1
    two_years = int(add_months(v + 1, -24)) - 1
    outflows = np.vstack([grid.outflows(p) for p in grid.products] + [grid.outflows()])
    due_3m = np.append(grid.amount[:, LINE["other_liabilities"], :3].sum(axis=1),
                       grid.programme()[LINE["other_liabilities"], :3].sum())
    reserves = {"upr": balance["B14"], "ocs": balance["B20"], "ibnr": balance["B17"],
                "alr": balance["B23"],
                "other_liabilities": balance["B21"] + balance["B25"] + balance["B29"]}
    inputs = LiquidityInputs(
        columns=columns, allocated=assets.allocated, cash=assets.liquid,
        convertible=assets.convertible,
        outflows=outflows, claims_12m=paid_between(year_ago, v),
        claims_prior_12m=paid_between(two_years, year_ago), reserves=reserves,
        expenses_per_month=income["P16"] / months,
        static_liabilities=balance["B20"] + due_3m,
    )
    return liquidity_table(
        inputs, horizons=a.settings.liquidity.horizons,
        kpi_method=a.settings.liquidity.kpi_method,
        include_convertible=a.settings.liquidity.include_convertible,
        share=a.settings.liquidity.rule_of_thumb_share,
        margin_setting=a.settings.liquidity.growth_margin,
        factors_by_horizon=a.liquidity_factors_by_horizon,
        add_on_months=a.settings.liquidity.expense_add_on_months,
    )
