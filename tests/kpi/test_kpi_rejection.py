"""Claims rejection ratio (spec §1.9, §5.5; E2 L2705-2764)."""

import math

import numpy as np
import pytest

from reserva.kpi.rejection import rejection

# TV-20 (E2 L2728-2764): claims reported in 2008 by quarter: (reported, rejected, printed ratio).
QUARTERS = [(50, 5, 0.100), (55, 4, 0.073), (65, 7, 0.108), (60, 10, 0.167)]


def quarter_claims(reported, rejected, partial=0):
    status = np.array(["rejected"] * rejected + ["partial"] * partial
                      + ["paid"] * (reported - rejected - partial), dtype=object)
    return status, np.ones(reported, dtype=bool)


def test_tv20_quarters_and_year():
    statuses = []
    for reported, rejected, printed in QUARTERS:
        status, decided = quarter_claims(reported, rejected)
        r = rejection(status, decided)
        assert r.ratio.value == pytest.approx(printed, abs=5e-4)
        assert r.complete
        statuses.append(status)
    year = rejection(np.concatenate(statuses), np.ones(230, dtype=bool))
    assert (year.reported, year.rejected) == (230, 26)
    assert year.ratio.value == pytest.approx(0.113, abs=5e-4)
    # Not the mean of the quarterly ratios (11.18%).
    mean_of_quarters = np.mean([rej / rep for rep, rej, _ in QUARTERS])
    assert abs(year.ratio.value - mean_of_quarters) > 5e-4


def test_tv08_meaning_example():
    # TV-08 (E2 L2698-2699): 10 rejected of 100 reported = 10% (90 paid).
    status, decided = quarter_claims(100, 10)
    assert rejection(status, decided).ratio.value == pytest.approx(0.10, abs=0.005)


def test_partial_rejections_are_not_rejections():
    # E2 L2721-2726: partial rejections are monitored separately.
    status, decided = quarter_claims(100, 10, partial=15)
    r = rejection(status, decided)
    assert (r.rejected, r.partial) == (10, 15)
    assert r.ratio.value == pytest.approx(0.10, abs=1e-12)
    assert r.partial_ratio.value == pytest.approx(0.15, abs=1e-12)


def test_undecided_claims_make_the_ratio_incomplete():
    # TV-20 at 31 Dec 2008: 36 of the 230 claims were only settled in 2009 (E1 L1330-1334,
    # E2 L2715-2719: computing on a partly processed set is biased).
    q4_status, _ = quarter_claims(60, 10)
    decided = np.ones(60, dtype=bool)
    decided[-25:] = False  # 25 of Q4 settled in 2009, all among the paid ones here
    r = rejection(q4_status, decided)
    assert math.isnan(r.ratio.value) and not r.complete
    assert r.ratio.reason == "incomplete: 25 of 60 claims undecided"
    assert math.isnan(r.partial_ratio.value)
    assert (r.decided, r.undecided) == (35, 25)
    assert r.provisional.value == pytest.approx(10 / 35, abs=1e-12)


def test_open_status_is_undecided_and_codes_equal_text():
    status = np.array(["open", "rejected", "paid", "paid"], dtype=object)
    r = rejection(status, np.ones(4, dtype=bool))
    assert r.undecided == 1 and r.ratio.reason == "incomplete: 1 of 4 claims undecided"
    coded = rejection(np.array([0, 2, 1, 1]), np.ones(4, dtype=bool))
    assert (coded.decided, coded.rejected, coded.partial) == (r.decided, r.rejected, r.partial)
    assert coded.ratio.reason == r.ratio.reason
    assert coded.provisional.value == r.provisional.value == pytest.approx(1 / 3, abs=1e-12)


def test_no_claims_is_undefined():
    r = rejection(np.array([], dtype=object), np.array([], dtype=bool))
    assert math.isnan(r.ratio.value) and r.ratio.reason == "undefined: zero claims reported"
