"""Growth ratios (spec §1.7, §5.3; E2 L2207-2285)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reserva.kpi.growth import (
    annualise,
    compound_growth,
    growth,
    multi_period_growth,
    simple_average_growth,
)
from reserva.kpi.ratio import ratio

# E2 L2207-2220: total insured at year end, 2005..2009.
INSURED = {2005: 70_000, 2006: 90_000, 2007: 100_000, 2008: 125_000, 2009: 140_000}


def test_tv13_one_year():
    # TV-13: (100,000 - 90,000) / 90,000 = 0.111; the denominator is 2006 (L2224 erratum).
    g = growth(INSURED[2007], INSURED[2006])
    assert g.value == pytest.approx(0.111, abs=5e-4)
    assert g.denominator == INSURED[2006]


def test_tv14_tv15_multi_period_and_simple_average():
    # TV-14: (140,000 - 90,000) / 90,000 = 0.556; TV-15: 55.6% / 3 = 18.5%.
    total = multi_period_growth(INSURED[2009], INSURED[2006])
    assert total.value == pytest.approx(0.556, abs=5e-4)
    avg = simple_average_growth(total, 3)
    assert avg.value == pytest.approx(0.185, abs=5e-4)
    assert simple_average_growth(total.value, 3).value == avg.value


def test_tv16_compound_and_simple_average_overstates_it():
    # TV-16 (E2 Box 8): (140,000 / 90,000)^(1/3) - 1 = 0.159; L2238: the simple average is higher.
    cagr = compound_growth(INSURED[2009], INSURED[2006], 3)
    assert cagr.value == pytest.approx(0.159, abs=5e-4)
    total = multi_period_growth(INSURED[2009], INSURED[2006])
    assert simple_average_growth(total, 3).value > cagr.value


def test_tv17_derived_annual_growth_and_four_year_cagr():
    # TV-17 (DERIVED): 0.285714 / 0.111111 / 0.25 / 0.12; CAGR 2005-2009 = 2^(1/4) - 1 = 0.189207.
    got = [growth(INSURED[y], INSURED[y - 1]).value for y in (2006, 2007, 2008, 2009)]
    assert got == pytest.approx([0.285714, 0.111111, 0.25, 0.12], abs=5e-7)
    assert compound_growth(INSURED[2009], INSURED[2005], 4).value == pytest.approx(0.189207, abs=5e-7)
    # The same rate from the 48-month total growth, annualised (decision, spec §1.7).
    total = multi_period_growth(INSURED[2009], INSURED[2005])
    assert annualise(total, 48).value == pytest.approx(0.189207, abs=5e-7)


def test_tv17c_renewals_over_prior_year_insured():
    # TV-17c (DERIVED, spec §5.3): renewals / prior-year insured 2006..2009 = 0.348571 /
    # 0.388889 / 0.5 / 0.56, a crude retention proxy the handbook does not present: the engine
    # has no indicator for it (the renewal ratio follows a cohort, spec §1.5); it is a plain ratio.
    renewals = {2006: 24_400, 2007: 35_000, 2008: 50_000, 2009: 70_000}
    got = [ratio(renewals[y], INSURED[y - 1]).value for y in (2006, 2007, 2008, 2009)]
    assert got == pytest.approx([0.348571, 0.388889, 0.5, 0.56], abs=5e-7)


def test_annualise_sub_annual_period():
    # Decision (spec §1.7): (1 + g)^(12/m) - 1. A quarter of 2% growth: 1.02^4 - 1 = 0.08243216.
    assert annualise(0.02, 3).value == pytest.approx(0.08243216, abs=1e-10)
    assert annualise(0.25, 12).value == pytest.approx(0.25, abs=1e-15)


@given(st.floats(-0.9, 5.0), st.integers(1, 60))
def test_annualise_inverts_compounding(a, months):
    g = (1 + a) ** (months / 12) - 1
    assert annualise(g, months).value == pytest.approx(a, rel=1e-9, abs=1e-12)


def test_undefined_cases():
    assert growth(10, 0).reason == "undefined: zero prior-period insured"
    assert math.isnan(multi_period_growth(10, 0).value)
    assert math.isnan(compound_growth(10, 0, 3).value)
    assert math.isnan(compound_growth(10, 5, 0).value)
    assert math.isnan(simple_average_growth(growth(10, 0), 3).value)
    assert simple_average_growth(growth(10, 0), 3).reason == "undefined: zero prior-period insured"
    assert math.isnan(annualise(growth(10, 0), 3).value)
    assert math.isnan(annualise(0.1, 0).value)
