"""Properties of the KPI table of a close on generated programmes (spec §1, §10.12): the
programme column recombines the products where the handbook defines the indicator as a ratio
of counts or amounts; bucket counts add up to the claims in the schedule; renewals plus
drop-outs make the potential renewals."""

from __future__ import annotations

import numpy as np
import pytest

from reserva.pipeline import close
from reserva.sample.generate import write_sample

# Indicators whose programme numerator and denominator are the sums over the products that
# have them (the value ratios through the statements' programme column).
ADDITIVE = (
    "incurred_expense_ratio", "incurred_claims_ratio", "net_income_ratio",
    "exposure_years", "claim_frequency", "claim_severity", "burning_cost",
    "renewal_ratio", "renewal_ratio_modified", "renewal_ratio_deaths_only", "lapse_ratio",
    "household_renewal_ratio", "dependant_renewal_ratio", "persistency_ratio",
    "coverage_ratio", "growth_ratio", "growth_multi_period", "growth_compound_annual",
    "timeliness_mean_days", "timeliness_mean_ab", "timeliness_mean_bc", "timeliness_mean_cd",
    "timeliness_mean_ad", "rejection_ratio_provisional",
)


@pytest.fixture(scope="module", params=[11, 23])
def closed(request, tmp_path_factory):
    data = tmp_path_factory.mktemp(f"sample{request.param}")
    write_sample(data, policies=6_000, seed=request.param)
    return close(data, "2025-12-31", write=False)


def _sums(k, indicator):
    own = k[(k.indicator == indicator) & (k.product_id != "ALL")]
    defined = own[~own.value.isna()]  # n/a rows (not applicable, no target) do not contribute
    programme = k[(k.indicator == indicator) & (k.product_id == "ALL")].iloc[0]
    return defined, programme


@pytest.mark.parametrize("indicator", ADDITIVE)
def test_programme_recombines_the_products(closed, indicator):
    defined, programme = _sums(closed.kpis, indicator)
    if defined.empty:
        assert np.isnan(programme.value) or programme.numerator == 0
        return
    if np.isnan(programme.numerator):  # a plain amount (exposure): the values add up
        assert programme.value == pytest.approx(defined.value.sum(), rel=1e-9)
        return
    assert programme.numerator == pytest.approx(defined.numerator.sum(), rel=1e-9, abs=1e-9)
    assert programme.denominator == pytest.approx(defined.denominator.sum(), rel=1e-9, abs=1e-9)
    if not np.isnan(programme.value) and indicator != "growth_compound_annual":
        assert programme.value == pytest.approx(programme.numerator / programme.denominator,
                                                rel=1e-12)


def test_bucket_counts_add_up_to_the_schedule(closed):
    k = closed.kpis
    buckets = k[k.indicator.str.match(r"timeliness_\d")]
    for col, rows in buckets.groupby("product_id"):
        included = rows.denominator.iloc[0]
        assert (rows.denominator == included).all()
        if included > 0:
            assert rows.numerator.sum() == included, col
            assert rows.value.sum() == pytest.approx(1.0, abs=1e-12)
    for label in buckets.indicator.unique():
        defined, programme = _sums(k, label)
        assert programme.numerator == defined.numerator.sum()


def test_renewals_plus_dropouts_make_the_potential(closed):
    k = closed.kpis
    for col in k.product_id.unique():
        ren = k[(k.product_id == col) & (k.indicator == "renewal_ratio")].iloc[0]
        lapse = k[(k.product_id == col) & (k.indicator == "lapse_ratio")].iloc[0]
        if np.isnan(ren.value):
            continue
        assert ren.denominator == lapse.denominator
        assert ren.numerator + lapse.numerator == ren.denominator


def test_every_undefined_value_has_a_reason(closed):
    k = closed.kpis
    missing = k[k.value.isna() & (k.note.str.len() == 0)]
    assert missing.empty, missing[["product_id", "indicator"]]
