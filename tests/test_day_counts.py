"""Day counts named in the calendar and chosen by the assumption set (issue 14, item 6).

Sources of the conventions: Actual/365 (Fixed), 2006 ISDA Definitions Section 4.16(d) (the
year fraction is the actual days / 365); Actual/360, Section 4.16(e); the actuarial exposure
year of 365.25 days (E1 footnote 15: insured-years; four consecutive years of cover, one of
them leap, are four exposure-years); the mean Gregorian year, 146,097 days per 400 years.
"""

from __future__ import annotations

import pytest

from reserva.calendar import DAY_COUNTS, days_from_civil, days_per_year
from reserva.errors import AssumptionError
from reserva.io.assumptions import load_assumptions


def _days(a, b) -> int:
    return int(days_from_civil(*b) - days_from_civil(*a))


def test_each_named_convention():
    # Actual/365 (Fixed): 2007-01-01 -> 2008-01-01 is 365 days, exactly one year; the leap year
    # 2008 -> 2009 is 366 / 365 (ISDA 2006 4.16(d): no adjustment for leap years)
    assert _days((2007, 1, 1), (2008, 1, 1)) / days_per_year("actual/365") == 1.0
    assert _days((2008, 1, 1), (2009, 1, 1)) / days_per_year("actual/365") == 366 / 365
    # Actual/360 (ISDA 2006 4.16(e)): 180 actual days are half a year
    assert 180 / days_per_year("actual/360") == 0.5
    # the exposure year: four calendar years (one leap) are four exposure-years
    assert _days((2005, 1, 1), (2009, 1, 1)) / days_per_year("actual/365.25") == 4.0
    # the mean Gregorian year: 400 calendar years are 400 years
    assert _days((1600, 1, 1), (2000, 1, 1)) / days_per_year("actual/365.2425") == 400.0
    assert dict(DAY_COUNTS) == {"actual/365": 365.0, "actual/360": 360.0,
                                "actual/365.25": 365.25, "actual/365.2425": 365.2425}


def test_an_unknown_convention_is_an_assumption_error_naming_the_known_ones():
    with pytest.raises(AssumptionError, match=r"settings.toml \[day_count\] exposure = "
                                              r"'actual/366': expected one of actual/365, "):
        days_per_year("actual/366", setting="settings.toml [day_count] exposure")
    with pytest.raises(AssumptionError):
        days_per_year(365.25)


def test_the_default_set_reproduces_the_bases_used_before_they_were_named():
    """Before the conventions were named the engine used 365.25 days for exposure years
    (settings [exposure] days_per_year, and the cashflow grid's frequency x severity claims),
    365 for savings interest and 365 for deposit interest: the default set chooses exactly
    these."""
    a = load_assumptions("default")
    chosen = {use: days_per_year(a.settings.day_count[use])
              for use in ("exposure", "savings_interest", "asset_interest")}
    assert chosen == {"exposure": 365.25, "savings_interest": 365.0, "asset_interest": 365.0}


def test_kernel_defaults_are_the_default_set_choices():
    import inspect

    from reserva.kpi.value import exposure_years
    from reserva.projection.assets import asset_cashflows
    from reserva.projection.grid import policy_flows
    from reserva.reserves.accrued.savings import accrued_savings, roll_forward

    def default(f, name):
        return inspect.signature(f).parameters[name].default

    assert default(exposure_years, "days_per_year") == DAY_COUNTS["actual/365.25"]
    assert default(policy_flows, "days_per_year") == DAY_COUNTS["actual/365.25"]
    assert default(asset_cashflows, "day_count_basis") == DAY_COUNTS["actual/365"]
    assert default(accrued_savings, "days_per_year") == DAY_COUNTS["actual/365"]
    assert default(roll_forward, "days_per_year") == DAY_COUNTS["actual/365"]


def test_the_savings_basis_is_the_one_passed():
    import numpy as np

    from reserva.reserves.accrued.savings import accrued_savings

    args = (np.array([1]), np.array([0]), np.array([1000.0]), np.array([0.05]), 365)
    assert accrued_savings(*args)[0] == pytest.approx(1050.0, rel=1e-15)  # actual/365: 1 year
    assert accrued_savings(*args, days_per_year=360.0)[0] == pytest.approx(
        1000.0 * 1.05 ** (365 / 360), rel=1e-15)
