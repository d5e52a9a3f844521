"""APV against the handbook's worked example (E2 Box 2, L521-527; spec TV-07)."""

import pytest

from reserva.reserves.accrued.apv import apv


def test_tv07_apv_681_82():
    # 1,000 payable in exactly one year with probability 75% at a 10% rate: 681.82
    assert round(apv([1.0], [1000.0], [0.75], 0.10), 2) == pytest.approx(681.82, abs=0.005)


def test_apv_is_linear_and_discounts():
    one = apv([1.0, 2.0], [100.0, 200.0], [1.0, 0.5], 0.05)
    assert one == pytest.approx(100 / 1.05 + 100 / 1.05**2)
    assert apv([0.0], [1.0], [1.0], 0.2) == pytest.approx(1.0)
