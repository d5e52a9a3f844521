"""Coverage ratio = active insured / target population (spec §1.6)."""

import math

import pytest

from reserva.kpi.coverage import coverage

# E2 growth table (L2207-2220), 2005..2009: target population and insured at year end.
TARGET = [350_000, 450_000, 550_000, 700_000, 750_000]
INSURED = [70_000, 90_000, 100_000, 125_000, 140_000]


def test_tv17b_coverage_by_year():
    # TV-17b (DERIVED, spec §5.3): 0.200000 / 0.200000 / 0.181818 / 0.178571 / 0.186667.
    expected = [0.200000, 0.200000, 0.181818, 0.178571, 0.186667]
    got = [coverage(n, t).value for n, t in zip(INSURED, TARGET, strict=True)]
    assert got == pytest.approx(expected, abs=5e-7)


@pytest.mark.parametrize(
    "insured, target, printed, tol",
    [
        (3045, 4165, 0.7311, 5e-5),  # TV-22 THETA (E1 L1640-1692)
        (190_000, 260_000, 0.7308, 5e-5),  # TV-22 KAPPA
        (3189, 91_648, 0.034796, 5e-7),  # TV-22 LAMBDA
        (364, 4648, 0.0783, 5e-5),  # TV-22 NU: numerator 364, not the OCR'd 549 (spec §9)
        (16_051, 18_000, 0.892, 5e-4),  # TV-22 TAU: "9%" is OCR for 89% (spec §9)
    ],
)
def test_tv22_e1_organisations(insured, target, printed, tol):
    assert coverage(insured, target).value == pytest.approx(printed, abs=tol)


def test_zero_target_population_is_undefined():
    r = coverage(100, 0)
    assert math.isnan(r.value) and r.reason == "undefined: zero target population"
