"""Registries instead of parallel lists (issue 14, item 5): the IBNR methods and the KPI
families. Each test fails when a list drifts from its registry."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from reserva.errors import ArgumentError
from reserva.kpi import catalogue
from reserva.reserves.claims import methods as m
from reserva.reserves.claims.registry import ALIASES, METHODS, MethodInputs, canonical
from reserva.reserves.claims.triangle_ibnr import triangle_ibnr
from reserva.vocab import IBNR_METHODS, PROGRAMME

# Mack (1993) / chainladder's RAA triangle, cumulative, origins 1981..1990
RAA = np.array([
    [5012, 8269, 10907, 11805, 13539, 16181, 18009, 18608, 18662, 18834],
    [106, 4285, 5396, 10666, 13782, 15599, 15496, 16169, 16704, np.nan],
    [3410, 8992, 13873, 16141, 18735, 22214, 22863, 23466, np.nan, np.nan],
    [5655, 11555, 15766, 21266, 23425, 26083, 27067, np.nan, np.nan, np.nan],
    [1092, 9565, 15836, 22169, 25955, 26180, np.nan, np.nan, np.nan, np.nan],
    [1513, 6445, 11702, 12935, 15852, np.nan, np.nan, np.nan, np.nan, np.nan],
    [557, 4020, 10946, 12314, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
    [1351, 6947, 13112, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
    [3133, 5395, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
    [2063, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
], dtype=float)


def test_every_method_of_the_set_vocabulary_is_registered_in_its_order():
    assert tuple(METHODS) == IBNR_METHODS
    for name, entry in METHODS.items():
        assert entry.name == name and entry.summary
    assert set(ALIASES.values()) <= set(METHODS)
    assert not set(ALIASES) & set(METHODS)


def test_the_loader_checks_methods_against_the_same_vocabulary():
    from reserva.io import assumptions

    assert assumptions.IBNR_METHODS is IBNR_METHODS


def test_capabilities_agree_with_what_each_method_reads():
    """A method reads the exposure (or the a priori ratio) exactly when the registry says it
    needs it: changing it changes the ultimates; a method with standard errors returns them."""
    C = RAA[None]
    factors = m.development_factors(C)
    exposure = np.full((1, 10), 40_000.0)
    apriori = np.array([0.5])

    def project(entry, ex, ap):
        return entry.project(MethodInputs(C, factors, ex, ap, counts=lambda: (C, factors)))

    def ultimate(entry, ex, ap):
        return project(entry, ex, ap).ultimate

    for name, entry in METHODS.items():
        base = ultimate(entry, exposure, apriori)
        assert base.shape == (1, 10), name
        assert hasattr(project(entry, exposure, apriori), "mack_se") == entry.std_errors, name
        more_exposure = ultimate(entry, exposure * np.arange(1.0, 11.0), apriori)  # uneven
        more_apriori = ultimate(entry, exposure, 3 * apriori)
        assert (not np.allclose(more_exposure, base)) == entry.needs_exposure, name
        assert (not np.allclose(more_apriori, base)) == entry.needs_apriori, name


def test_one_spelling_and_the_aliases_give_the_same_figures():
    exposure = np.full(10, 40_000.0)
    for alias, name in ALIASES.items():
        a = triangle_ibnr(RAA, alias, exposure=exposure)
        b = triangle_ibnr(RAA, name, exposure=exposure)
        assert a.method == b.method == name == canonical(alias)
        np.testing.assert_array_equal(a.ibnr, b.ibnr)


def test_methods_for_a_close_only_are_refused_on_a_triangle():
    for name, entry in METHODS.items():
        if not entry.on_triangle:
            with pytest.raises(ArgumentError, match="unknown"):
                triangle_ibnr(RAA, name)


def test_the_cli_help_lists_the_registry():
    import re

    from reserva.cli import cli

    out = CliRunner().invoke(cli, ["ibnr", "--help"], terminal_width=400).output
    choices = re.search(r"--method \[([^\]]+)\]", out).group(1).split("|")
    assert choices == [n for n, e in METHODS.items() if e.on_triangle] + list(ALIASES)
    text = " ".join(out.split())
    for name, entry in METHODS.items():
        assert (f"{name}: {entry.summary}" in text) == entry.on_triangle, name


def test_every_kpi_family_is_registered_with_a_programme_rule():
    assert set(catalogue.FAMILIES) == set(catalogue.ORDER[1]) == set(catalogue.ORDER[2])
    for name, fam in catalogue.FAMILIES.items():
        assert fam.name == name and fam.programme in catalogue.PROGRAMME_RULES
        assert set(fam.otherwise.values()) <= set(catalogue.PROGRAMME_RULES)
        assert all(catalogue.family(i) == name for i in fam.otherwise), name
    for indicator in catalogue.INDICATORS:
        assert catalogue.programme_rule(indicator) in catalogue.PROGRAMME_RULES
    assert catalogue.FAMILY_NAMES["health"] == "health-fund indices"
    assert set(catalogue.ABSENT) == {"health"}


def test_the_additive_indicators_of_the_recombination_test_are_declared_additive():
    """tests/kpi/test_kpi_recombine.py checks on closes that these indicators' programme
    column recombines the products; the registry must declare exactly that of them."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "kpi" / "test_kpi_recombine.py"
    spec = importlib.util.spec_from_file_location("kpi_recombine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ADDITIVE = module.ADDITIVE  # noqa: N806

    for indicator in ADDITIVE:
        assert catalogue.programme_rule(indicator) in ("sum", "ratio_of_sums"), indicator
    assert catalogue.programme_rule("growth_ratio_annualised") == "of_programme_ratios"
    assert PROGRAMME == "ALL"
