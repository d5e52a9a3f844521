"""The KPI families registry as the assembler uses it: every indicator of a close has a declared
programme rule, every family a kernel whose input its rule gives, and the programme column of
each rule kind is what the rule says (the sum of the products; the ratio of their summed parts;
the programme's own ratios; the pooled records; the programme column). Changing a family's
rule changes the programme column, or is refused when the kernel cannot take that input."""

from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType

import numpy as np
import pytest

from reserva.errors import ComputationError
from reserva.kpi import assemble, catalogue
from reserva.kpi.growth import annualise
from reserva.kpi.value import value_ratios
from reserva.pipeline import close
from reserva.sample.generate import write_sample
from reserva.vocab import PROGRAMME

# Families whose programme column needs code of its own beyond a generic rule step: none.
OWN_PROGRAMME_CODE: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    data = tmp_path_factory.mktemp("families")
    write_sample(data, policies=4_000, seed=5)
    return data


@pytest.fixture(scope="module")
def closed(pack):
    return close(pack, "2025-12-31", write=False)


def _split(k, indicator):
    rows = k[k.indicator == indicator]
    return rows[rows.product_id != PROGRAMME], rows[rows.product_id == PROGRAMME].iloc[0]


def test_every_family_has_a_kernel_whose_input_its_rule_gives():
    assert set(assemble.COMBINE) == set(catalogue.PROGRAMME_RULES)
    kernels = {k.family: k for k in assemble.KERNELS}
    assert len(kernels) == len(assemble.KERNELS)  # one kernel a family
    assert set(kernels) == set(catalogue.FAMILIES)
    for name, fam in catalogue.FAMILIES.items():
        assert assemble.COMBINE[fam.programme][0] == kernels[name].takes, name
    assert OWN_PROGRAMME_CODE == ()  # no rule kind names code of one family


def test_every_indicator_of_a_close_has_a_declared_rule(closed):
    for indicator in closed.kpis.indicator.unique():
        assert catalogue.programme_rule(indicator) in catalogue.PROGRAMME_RULES, indicator
    assert (closed.kpis.product_id == PROGRAMME).any()


def _by_rule(k, rule):
    return [i for i in k.indicator.unique() if catalogue.programme_rule(i) == rule]


def test_a_sum_is_the_sum_of_the_products(closed):
    k = closed.kpis
    summed = _by_rule(k, "sum")
    assert {"exposure_years", "claim_count", "timeliness_unprocessed"} <= set(summed)
    for indicator in summed:
        own, programme = _split(k, indicator)
        assert programme.value == pytest.approx(own.value.sum(), rel=1e-12), indicator


def test_a_ratio_of_sums_is_the_ratio_of_the_summed_parts(closed):
    k = closed.kpis
    ratios = _by_rule(k, "ratio_of_sums")
    assert {"renewal_ratio", "coverage_ratio", "growth_ratio", "timeliness_mean_days",
            "claim_frequency", "incurred_claims_ratio", "timeliness_0_7"} <= set(ratios)
    for indicator in ratios:
        own, programme = _split(k, indicator)
        parts = own[np.isfinite(own.numerator) & np.isfinite(own.denominator)]
        if indicator == "coverage_ratio":
            parts = parts[parts.denominator > 0]  # only the products with a target
        num, den = parts.numerator.sum(), parts.denominator.sum()
        assert programme.numerator == pytest.approx(num, rel=1e-9, abs=1e-9), indicator
        assert programme.denominator == pytest.approx(den, rel=1e-9, abs=1e-9), indicator
        if den and indicator not in ("growth_ratio", "growth_multi_period",
                                     "growth_compound_annual"):
            assert programme.value == pytest.approx(num / den, rel=1e-9), indicator
        if indicator in ("growth_ratio", "growth_multi_period") and den:
            assert programme.value == pytest.approx(num / den, rel=1e-12)  # (N - N0) / N0


def test_the_value_ratios_sum_at_the_income_statements_input_lines(closed):
    """Their parts are the statement's input lines: the programme's derived lines from the
    summed input lines are exactly the statement's programme column."""
    inc, k = closed.income, closed.kpis
    j = inc.columns.index(PROGRAMME)
    vr = value_ratios(inc["P02"][j], inc["P11"][j], inc["P16"][j], inc["P28"][j])
    for indicator, r in (("incurred_expense_ratio", vr.expense),
                         ("incurred_claims_ratio", vr.claims),
                         ("net_income_ratio", vr.net_income)):
        _, programme = _split(k, indicator)
        assert programme.numerator == r.numerator and programme.denominator == r.denominator


def test_the_programmes_own_ratios_derive_from_its_ratios(closed):
    k = closed.kpis
    assert set(_by_rule(k, "of_programme_ratios")) == {"growth_ratio_annualised",
                                                       "growth_simple_average"}
    _, g = _split(k, "growth_ratio")
    _, ann = _split(k, "growth_ratio_annualised")
    months = 3  # the sample closes a quarter
    expected = annualise(g.value, months).value
    assert ann.value == expected or (math.isnan(ann.value) and math.isnan(expected))
    _, total = _split(k, "growth_multi_period")
    _, avg = _split(k, "growth_simple_average")
    periods = total.value / avg.value if avg.value else math.nan
    assert periods == pytest.approx(round(periods), rel=1e-12)


def test_pooled_records_pool_every_claim(closed):
    k = closed.kpis
    assert set(_by_rule(k, "pooled_records")) == {"rejection_ratio", "partial_rejection_ratio"}
    for indicator in _by_rule(k, "pooled_records"):
        own, programme = _split(k, indicator)
        # the claims of the products are disjoint: the pooled counts are their sums
        assert programme.numerator == own.numerator.sum(), indicator
        assert programme.denominator == own.denominator.sum(), indicator


def test_the_programme_column_rule_reads_the_programme_column(closed):
    k = closed.kpis
    assert set(_by_rule(k, "programme_column")) == {"solvency_ratio", "liquidity_ratio"}
    bs = closed.balance
    _, programme = _split(k, "solvency_ratio")
    assert programme.numerator == bs.value("B01", PROGRAMME)


def test_health_indices_pool_the_health_kinds_only(closed):
    k = closed.kpis
    health = k[k.indicator.map(catalogue.family) == "health"]
    assert set(health.product_id) == {"HE", PROGRAMME}  # the one health product of the sample
    own, programme = _split(k, "health_claims_index")
    assert programme.numerator == own.numerator.sum()


def _with_rule(monkeypatch, family: str, rule: str) -> None:
    families = dict(catalogue.FAMILIES)
    families[family] = dataclasses.replace(families[family], programme=rule)
    monkeypatch.setattr(catalogue, "FAMILIES", MappingProxyType(families))


def test_changing_a_rule_changes_the_programme_column(pack, closed, monkeypatch):
    """The health family's rule pooled over every product's records (not only the health
    kinds): its programme column is that of the whole programme, the products unchanged."""
    _with_rule(monkeypatch, "health", "pooled_records")
    changed = close(pack, "2025-12-31", write=False).kpis
    before, after = _split(closed.kpis, "health_claims_index"), _split(changed, "health_claims_index")
    assert before[0].value.tolist() == after[0].value.tolist()
    assert after[1].numerator > before[1].numerator  # every product's claims now pooled
    assert after[1].denominator > before[1].denominator


def test_a_rule_the_kernel_cannot_take_is_refused(pack, monkeypatch):
    _with_rule(monkeypatch, "coverage", "programme_column")
    with pytest.raises(ComputationError, match="coverage.*programme_column"):
        close(pack, "2025-12-31", write=False)
