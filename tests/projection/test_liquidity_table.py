"""Liquidity by method and horizon (spec §1.11, §4.1, §5.6; E2 L3163-3300)."""

import math

import numpy as np
import pytest

from reserva.errors import AssumptionError
from reserva.io.assumptions import load_assumptions
from reserva.projection.liquidity_table import (
    LiquidityInputs,
    growth_margin,
    kpi_rows,
    liquidity_table,
)

# TV-21 (E2 L3242-3300): reserves and liabilities 4,800,000 with the illustrative 3-month
# factors 25/100/50/5/75% -> 1,650,000 payable within 3 months.
TV21 = {"upr": 1_000_000.0, "ocs": 300_000.0, "ibnr": 500_000.0, "alr": 2_000_000.0,
        "other_liabilities": 1_000_000.0}


def inputs(*, allocated=(True,), cash=(1_980_000.0,), convertible=(0.0,), outflows=None,
           claims_12m=(1_200_000.0,), prior=(0.0,), expenses=(0.0,), static=(0.0,)):
    outflows = np.full((1, 12), 100_000.0) if outflows is None else outflows
    return LiquidityInputs(
        columns=["ALL"], allocated=np.array(allocated), cash=np.array(cash),
        convertible=np.array(convertible), outflows=np.asarray(outflows, float),
        claims_12m=np.array(claims_12m), claims_prior_12m=np.array(prior),
        reserves={k: np.array([v]) for k, v in TV21.items()},
        expenses_per_month=np.array(expenses), static_liabilities=np.array(static),
    )


def table(inp, **kw):
    a = load_assumptions("default")
    opts = dict(horizons=[1, 3, 12], kpi_method="factor", include_convertible=True, share=0.25,
                margin_setting=0.0, factors_by_horizon=a.liquidity_factors_by_horizon,
                add_on_months=3.0)
    opts.update(kw)
    t = liquidity_table(inp, **opts)
    return t, {(r.method, r.horizon_months): r for r in t.itertuples(index=False)}


def test_tv21_factor_method_at_three_months():
    _, rows = table(inputs())
    r = rows[("factor", 3)]
    assert r.short_term == pytest.approx(1_650_000, abs=0.5)  # printed to the unit
    # the meaning example (E2 L3163-3164): 120 of cash per 100 of short-term liabilities
    assert r.ratio == pytest.approx(1.20, abs=5e-5)
    assert r.kpi


def test_expense_add_on_scales_with_the_horizon():
    # E2 L3205-3206: expenses are added; 10,000 a month, 3 add-on months per 3-month horizon
    _, rows = table(inputs(expenses=(10_000.0,)))
    assert rows[("factor", 3)].short_term == pytest.approx(1_650_000 + 30_000)
    f1 = load_assumptions("default").liquidity_factors_by_horizon[1]
    one = sum(TV21[k] * f1[k] for k in TV21) + 10_000
    assert rows[("factor", 1)].short_term == pytest.approx(one)


def test_rule_of_thumb_on_hand_figures():
    # spec §5.6 DERIVED: 12-month claims 1,200,000 -> 25% = 300,000 for 3 months; the share
    # scales with the horizon: 1 month 100,000, 12 months 1,200,000
    _, rows = table(inputs())
    assert rows[("rule_of_thumb", 3)].short_term == pytest.approx(300_000)
    assert rows[("rule_of_thumb", 1)].short_term == pytest.approx(100_000)
    assert rows[("rule_of_thumb", 12)].short_term == pytest.approx(1_200_000)
    assert rows[("rule_of_thumb", 3)].ratio == pytest.approx(1_980_000 / 300_000)


def test_observed_growth_margin():
    # claims grew from 1,000,000 to 1,200,000: a 20% margin (E2 L3192-3193) -> 360,000
    _, rows = table(inputs(prior=(1_000_000.0,)), margin_setting="observed")
    assert rows[("rule_of_thumb", 3)].short_term == pytest.approx(360_000)
    assert "20.0%" in rows[("rule_of_thumb", 3)].note
    # no growth (claims fell): no margin; no history: no margin, said so
    assert growth_margin("observed", 900.0, 1_000.0)[0] == 0.0
    g, why = growth_margin("observed", 900.0, 0.0)
    assert g == 0.0 and "unknown" in why
    assert growth_margin(0.1, 1.0, 1.0)[0] == 0.1
    with pytest.raises(AssumptionError, match="growth_margin"):
        growth_margin("fast", 1.0, 1.0)
    with pytest.raises(AssumptionError, match="growth_margin"):
        growth_margin(-0.1, 1.0, 1.0)


def test_projection_method_sums_the_grid_outflows():
    out = np.arange(1.0, 13.0)[None, :] * 1_000.0  # 1,000, 2,000, ... 12,000
    _, rows = table(inputs(outflows=out))
    assert rows[("projection", 1)].short_term == 1_000.0
    assert rows[("projection", 3)].short_term == 6_000.0
    assert rows[("projection", 12)].short_term == 78_000.0


def test_numerator_with_and_without_convertible_investments():
    t, rows = table(inputs(cash=(100.0,), convertible=(50.0,)))
    assert rows[("factor", 3)].numerator == 150.0
    t, rows = table(inputs(cash=(100.0,), convertible=(50.0,)), include_convertible=False)
    assert rows[("factor", 3)].numerator == 100.0 and rows[("factor", 3)].convertible == 0.0


def test_static_ratio_and_the_kpi_row():
    t, rows = table(inputs(cash=(500.0,), static=(400.0,)), kpi_method="projection")
    s = rows[("static", 3)]
    assert s.ratio == pytest.approx(500 / 400) and not s.kpi
    assert [(r.method, r.horizon_months) for r in t.itertuples() if r.kpi] == [("projection", 3)]
    r, note = kpi_rows(t)["ALL"]
    assert r.value == pytest.approx(500 / 300_000) and note.startswith("projection method")


def test_no_assets_and_no_factors_are_na_with_a_reason():
    _, rows = table(inputs(allocated=(False,)))
    assert math.isnan(rows[("factor", 3)].ratio)
    assert "no assets allocated" in rows[("factor", 3)].note
    _, rows = table(inputs(), factors_by_horizon={3: dict(
        load_assumptions("default").liquidity_factors_by_horizon[3])})
    assert math.isnan(rows[("factor", 12)].ratio)
    assert "no factors for 12 months" in rows[("factor", 12)].note


def test_bad_settings_are_refused():
    with pytest.raises(AssumptionError, match="kpi_method"):
        table(inputs(), kpi_method="guess")
    with pytest.raises(AssumptionError, match="horizons"):
        table(inputs(), horizons=[1, 12])
    with pytest.raises(AssumptionError, match="exceed"):
        table(inputs(), horizons=[3, 24])
