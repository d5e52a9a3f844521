"""Pensions in payment in the close (plan annuity of life_policies): their accrued liability is
the annuity-due of the remaining payments on the kind's basis, and the cashflow grid pays them.

Figures recomputed here: the SOA Standard Ultimate Life Table at 5% (the default set's pension
basis), ä_x by direct sums, ä^(12)_x = alpha(12) ä_x - beta(12) under uniform deaths between
ages (Dickson, Hardy & Waters, AMLCR 2nd ed. 2013, §5.11; ä_65 = 13.5498 printed in Appendix D),
and a temporary pension at a fractional duration with the slow per-policy reference
(tests/reserves/accrued/life_reference.py): a pension of S a year is a contract of level premium
S and no benefit with the sign turned.
"""

from __future__ import annotations

import pytest

from reserva.errors import InputError
from reserva.pipeline import close
from tests.conftest import TINY_PACK, write_pack
from tests.reserves.accrued.life_reference import reference_policy
from tests.reserves.accrued.test_alr_close import SULT, duration

VALUATION = "2024-12-31"
RATE = 0.05
PACK = dict(TINY_PACK)
PACK["products"] = TINY_PACK["products"] + "PE,Pension,pension,voluntary\n"
PACK["life_policies"] = """\
policy_id,member_id,product_id,plan,issue_date,issue_age,sum_insured,term_years,premium_years,premium_mode,gross_premium,exit_date
R1,M30,PE,annuity,2024-01-01,65,1200,,,monthly,,
R2,M31,PE,annuity,2022-08-15,60,3000,10,,quarterly,,
R3,M32,PE,annuity,2020-01-01,70,999,,,annual,,2023-06-30
"""


def annuity_due(x: int) -> float:
    """ä_x = sum_k v^k kp_x on the SULT (closed at 120)."""
    total, p, v = 0.0, 1.0, 1.0 / (1.0 + RATE)
    for k in range(0, 121 - x):
        total += v ** k * p
        p *= 1.0 - SULT[x + k]
    return total


def alpha_beta(m: int) -> tuple[float, float]:
    d = RATE / (1.0 + RATE)
    im = m * ((1.0 + RATE) ** (1.0 / m) - 1.0)
    dm = m * (1.0 - (1.0 + RATE) ** (-1.0 / m))
    return RATE * d / (im * dm), (RATE - im) / (im * dm)


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    pack = write_pack(tmp_path_factory.mktemp("pensions") / "pack", PACK)
    return close(pack, VALUATION, write=False)


def test_the_sult_annuity_the_check_rests_on():
    assert annuity_due(65) == pytest.approx(13.5498, abs=0.5e-4)  # AMLCR Appendix D


def test_the_accrued_liability_of_pensions_in_payment(closed):
    r = closed
    detail = r.alr.detail.set_index("policy_id")
    # R1: 1,200 a year monthly from 2024-01-01 at 65, valued at the end of 2024-12-31: duration
    # exactly 1 year, the payment of 2025-01-01 still due: 1,200 ä^(12)_66 (UDD)
    a12, b12 = alpha_beta(12)
    assert duration("2024-01-01", VALUATION) == 1.0
    r1 = 1200.0 * (a12 * annuity_due(66) - b12)
    assert detail.loc["R1", "reserve"] == pytest.approx(r1, abs=0.005)
    assert detail.loc["R1", "basis"] == "annuity" and detail.loc["R1", "annual_premium"] == 0.0
    # R2: 3,000 a year quarterly for 10 years from 60, at the fractional duration t: minus the
    # reserve of a 10-year contract of premium 3,000 quarterly and no benefit (slow reference)
    t = duration("2022-08-15", VALUATION)
    r2 = -reference_policy(SULT, 0, RATE, 60, 10, 10, 0.0, 0.0, 4, t, basis="gross",
                           gross_premium=3000.0)[1]
    assert r2 > 0 and detail.loc["R2", "reserve"] == pytest.approx(r2, abs=0.005)
    assert "R3" not in detail.index  # exited before the valuation
    alr = dict(zip(r.products, r.closing.alr, strict=True))
    assert alr["PE"] == pytest.approx(r1 + r2, abs=0.01)


def test_the_grid_pays_the_pensions(closed):
    r = closed
    from reserva.projection.grid import LINE

    p = list(r.products).index("PE")
    paid = r.grid.amount[p, LINE["annuities"]]
    # month 0 (January 2025): R1's 100 due on 2025-01-01 to a life alive at the valuation;
    # R2's quarterly 750 fall due on Feb 15, May 15, ...: February is month 1
    assert paid[0] == pytest.approx(100.0, rel=1e-12)
    # to those alive at its start: one month of survival at 66 (R1) and at 62 (R2, 62 since
    # 2024-08-15), a month's survival being (1 - q)^(1/12)
    assert paid[1] == pytest.approx(100.0 * (1.0 - SULT[66]) ** (1.0 / 12.0)
                                    + 750.0 * (1.0 - SULT[62]) ** (1.0 / 12.0), rel=1e-12)
    # no premium, death benefit or maturity for a pension; the outflow is in the liquidity
    for line in ("premiums", "death_benefits", "maturities"):
        assert not r.grid.amount[p, LINE[line]].any(), line


def test_a_pension_paid_once_is_refused(tmp_path):
    pack = dict(PACK)
    pack["life_policies"] = PACK["life_policies"].replace("1200,,,monthly", "1200,,,single")
    with pytest.raises(InputError) as err:
        close(write_pack(tmp_path / "pack", pack), VALUATION, write=False)
    assert any("premium_mode" in line and "how often the pension is paid" in line
               for line in err.value.lines())
