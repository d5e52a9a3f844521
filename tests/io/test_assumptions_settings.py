"""Settings of an assumption set are checked against the types of the bundled default set."""

from __future__ import annotations

import pytest

from reserva.errors import AssumptionError
from reserva.io.assumptions import load_assumptions
from tests.conftest import edited_set


@pytest.mark.parametrize(("old", "new", "said"), [
    ("months = 3 ", 'months = "three" ', "[period] months = 'three', expected a whole number"),
    ("months = 3 ", "months = 2.5 ", "[period] months = 2.5, expected a whole number"),
    ("discount_rate = 0.05", 'discount_rate = "5%"', "[alm] discount_rate = '5%', expected a number"),
    ("horizons = [1, 3, 12]", 'horizons = [1, "3"]', "[liquidity] horizons = [1, '3'], expected a list"),
    ("annualise = true", "annualise = 1", "[health] annualise = 1, expected true or false"),
    ('kpi_method = "projection"', "kpi_method = 3", "[liquidity] kpi_method = 3, expected a quoted text"),
])
def test_a_setting_of_the_wrong_type_is_refused_naming_it(tmp_path, old, new, said):
    path = edited_set(tmp_path / "s", settings=lambda t: t.replace(old, new, 1))
    with pytest.raises(AssumptionError) as err:
        load_assumptions(path)
    assert said in str(err.value)
    assert "fix: correct the value" in str(err.value)


def test_numbers_and_words_where_both_are_allowed(tmp_path):
    # an integer where the default has a float; growth_margin as a number instead of "observed"
    path = edited_set(tmp_path / "s", settings=lambda t: t.replace(
        "discount_rate = 0.05", "discount_rate = 0").replace(
        'growth_margin = "observed"', "growth_margin = 0.1"))
    a = load_assumptions(path)
    assert a.settings.alm.discount_rate == 0
    assert a.settings.liquidity.growth_margin == 0.1


def test_broken_toml_is_an_assumption_error(tmp_path):
    path = edited_set(tmp_path / "s", settings=lambda t: t.replace("[period]", "[period"))
    with pytest.raises(AssumptionError, match="settings.toml cannot be read"):
        load_assumptions(path)


@pytest.mark.parametrize(("column", "value"), [
    ("expected_loss_ratio", "abc"), ("min_claims_for_chain_ladder", "ten"),
])
def test_an_unreadable_number_of_a_table_is_an_assumption_error(tmp_path, column, value):
    def edit(frame):
        frame.loc[0, column] = value

    path = edited_set(tmp_path / "s", reserving=edit)
    with pytest.raises(AssumptionError) as err:
        load_assumptions(path)
    assert "a value of its files cannot be read (ValueError: " in str(err.value)
    assert repr(value) in str(err.value)
