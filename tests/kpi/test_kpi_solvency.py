"""Solvency = B01 / (reserves + other liabilities) (spec §1.10, §2.2)."""

import math

import pytest

from reserva.kpi.ratio import flag
from reserva.kpi.solvency import solvency


def test_tv08_meaning_example():
    # TV-08 (E2 L2874-2875): admitted assets 130 per 100 of liabilities = 130%.
    assert solvency(130, 60, 40).value == pytest.approx(1.30, abs=0.005)


def test_liabilities_are_reserves_plus_other_lines():
    # B14 + B17 + B20 + B21 + B23 reserves, B25 + B29 other liabilities (spec §2.2).
    r = solvency(1_300, [500, 200, 150, 0, 50], [60, 40])
    assert r.denominator == 1_000
    assert r.value == pytest.approx(1.30, abs=0.005)


def test_thresholds_by_edition():
    # E2 recommended minimum >= 120% (L3073-3074), E1 >= 115% (L1762).
    r = solvency(118, 100, 0)
    assert flag(r, 1.20, None) == "below"
    assert flag(r, 1.15, None) == "ok"


def test_zero_liabilities_is_undefined():
    r = solvency(100, 0, 0)
    assert math.isnan(r.value) and r.reason == "undefined: zero liabilities"
