"""The terminal report of a social health budget run (``reserva budget``): the seed's three
tables (spec §5.9): the base scenario's income and expenditure statement by year (TV-I1), total
cost as % of the wage bill by scenario and year (TV-I2), per-capita annual cost per protected
person by scenario and year (TV-I3), and the general average premium of each scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reserva.report.model import Column, Lines, Report, Section, table_from_frame
from reserva.report.stress_view import PERCENT

__all__ = ["budget_report"]

LABELS = {
    "income": "Income", "contributions": "  contributions", "investment": "  investment income",
    "other_income": "  other income", "expenses": "Expenses", "health_care": "  health care",
    "cash_benefits": "  cash benefits", "administration": "  administration",
    "pensions": "  pensions", "operating_result": "Operating result",
    "capital": "Capital expenditure", "global_expenditure": "Global expenditure",
    "economic_result": "Economic result", "wage_bill": "Wage bill",
    "operating_result_ratio": "Operating result / income",
    "expenditure_income_ratio": "Global expenditure / income",
    "health_care_cost": "Health care, % of the wage bill",
    "cash_benefit_cost": "Cash benefits, % of the wage bill",
    "administration_cost": "Administration, % of the wage bill",
    "pension_cost": "Pensions, % of the wage bill",
    "total_cost": "Total cost (global), % of the wage bill", "reserve": "Reserve at year end",
    "reserve_ratio": "Reserve / global expenditure (years)", "protected": "Protected persons",
    "per_capita_cost": "Per-capita cost",
}
PERCENT_ROWS = ("operating_result_ratio", "expenditure_income_ratio", "health_care_cost",
                "cash_benefit_cost", "administration_cost", "pension_cost", "total_cost")


def budget_report(run, *, years: tuple[int, int] | None = None) -> Report:
    """The report of a ``reserva.budgeting.BudgetRun``."""
    bs = run.budget_set
    head = (f"budget set {bs.set_id} ({bs.set_hash[:8]}), {len(run.scenarios)} scenario(s)"
            + (f" from {run.scenarios_file}" if run.scenarios_file else "")
            + (f", stored as budget run {run.budget_id}" if run.budget_id else ""))
    st = run.statement("base", years)
    money = st.drop(index=[*PERCENT_ROWS, "reserve_ratio"])
    money.index = [LABELS[i] for i in money.index]
    pct = st.loc[[*PERCENT_ROWS, "reserve_ratio"]] * np.array(
        [100.0] * len(PERCENT_ROWS) + [1.0])[:, None]
    pct.index = [LABELS[i] + ("" if "%" in LABELS[i] or i == "reserve_ratio" else " (%)")
                 for i in pct.index]
    cost = run.by_scenario("total_cost", years) * 100.0
    per_capita = run.by_scenario("per_capita_cost", years)
    year_cols = list(money.columns)

    def fmt(kind: str) -> dict[str, Column]:
        return {c: Column(c, kind, "right") for c in year_cols}
    tariff = bs.premium_base
    gap = pd.DataFrame({"scenario": list(run.scenario_ids),
                        "name": [s.name for s in run.scenarios],
                        "general average premium": run.general_average_premium,
                        f"scaled for {bs.reserve_target:g} years in reserve":
                            run.scaled_premium})

    sections = (Section("budget", (
        Lines((head,)),
        table_from_frame(money.reset_index(names="item"),
                         "base scenario: income and expenditure by year (TV-I1 layout)",
                         fmt("money1")),
        table_from_frame(pct.reset_index(names="ratio"),
                         "base scenario: results and costs as % (TV-I1 layout)", fmt("fixed2")),
        table_from_frame(cost.reset_index(names="scenario"),
                         "total cost (global expenditure) as % of the wage bill (TV-I2 layout)",
                         fmt("fixed2")),
        table_from_frame(per_capita.reset_index(names="scenario"),
                         "per-capita annual cost per protected person (TV-I3 layout)",
                         fmt("money1")),
        table_from_frame(gap, ("required tariff a protected person a year at the first "
                               "year's prices" if tariff else "general average premium over "
                               "the years (contribution rate on the wage bill)")
                         + " balancing the reserve at the reserve's return",
                         {c: Column(c, "money1" if tariff else PERCENT, "right")
                                          for c in gap.columns[2:]}),
    ), notes=("percentages: x 100; the total cost includes capital expenditure, which has no "
              "row of its own (spec §5.9 TV-I1)",)),)
    return Report(f"budget {bs.set_id}", sections)
