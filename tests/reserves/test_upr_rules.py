"""UPR: premium booked before the cover starts, and the refund rule of cancelled policies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reserva.calendar import NEVER
from reserva.io.arrays import day
from reserva.io.assumptions import load_assumptions
from reserva.reserves.upr._kernels import DAILY, REFUND_RULES, upr_at
from reserva.reserves.upr.upr import EarningTables, compute_upr, policy_arrays
from tests.bundled import policy_bundles
from tests.conftest import edited_set


def one(start, end, premium, v, *, cancel=None, refund=0.0, interval=0, issue=None, rule="data"):
    tables = EarningTables.single([DAILY])
    a = lambda x, t=np.int64: np.array([x], dtype=t)  # noqa: E731
    return [float(x[0]) for x in upr_at(
        a(day(start)), a(day(end)), a(day(cancel) if cancel else NEVER), a(float(premium), float),
        a(float(refund), float), a(interval), a(0), tables.code, tables.share, tables.param,
        tables.curve_x, tables.curve_y, tables.curve_n, day(v),
        issue=a(day(issue)) if issue else None,
        refund_rule=np.array([REFUND_RULES[rule]], np.int8))]


def test_premium_paid_in_advance_is_fully_unearned_until_the_start():
    # sold 2025-12-15 for cover 2026-01-01 .. 2026-12-31, valued 2025-12-31: UPR = all of it
    written, refunded, earned, upr = one("2026-01-01", "2026-12-31", 1200, "2025-12-31",
                                         issue="2025-12-15")
    assert (written, refunded, earned, upr) == (1200.0, 0.0, 0.0, 1200.0)
    # without an issue date nothing is written before the start
    assert one("2026-01-01", "2026-12-31", 1200, "2025-12-31") == [0.0, 0.0, 0.0, 0.0]
    # monthly instalments: only the first one is written in advance
    assert one("2026-01-01", "2026-12-31", 1200, "2025-12-31", interval=1,
               issue="2025-12-20")[3] == pytest.approx(100.0)
    # before the issue date: nothing
    assert one("2026-01-01", "2026-12-31", 1200, "2025-12-01", issue="2025-12-15")[0] == 0.0


def test_refund_rules():
    # 365-day term from 2025-01-01, cancelled 2025-04-01: covered 90 days (to the end of Mar 31)
    kw = dict(cancel="2025-04-01", refund=100.0)
    pro = one("2025-01-01", "2025-12-31", 365, "2025-06-30", rule="pro_rata", **kw)
    assert pro[1] == pytest.approx(365 - 90)  # unearned part refunded
    assert pro[2] == pytest.approx(90)  # earned up to the cancel date
    data = one("2025-01-01", "2025-12-31", 365, "2025-06-30", rule="data", **kw)
    assert (data[1], data[2]) == (100.0, 265.0)
    none = one("2025-01-01", "2025-12-31", 365, "2025-06-30", rule="none", **kw)
    assert (none[1], none[2], none[3]) == (0.0, 365.0, 0.0)
    # before the cancel day the rule does not matter
    assert one("2025-01-01", "2025-12-31", 365, "2025-03-31", rule="none", **kw)[3] == pytest.approx(275)


def test_rules_come_from_the_assumption_set_and_keep_the_roll_forward(tmp_path):
    def pro_rata_for_health(f):
        f.loc[f.product_kind == "health", "refund_rule"] = "pro_rata"

    a = load_assumptions(edited_set(tmp_path / "mine", reserving=pro_rata_for_health))
    products = pd.DataFrame({"product_id": ["HE"], "kind": ["health"]})
    policies = pd.DataFrame({
        "policy_id": ["A", "B"], "product_id": ["HE", "HE"],
        "start_date": pd.to_datetime(["2025-01-01", "2025-01-01"]),
        "end_date": pd.to_datetime(["2025-12-31", "2025-12-31"]),
        "issue_date": pd.to_datetime([None, None]),
        "cancel_date": pd.to_datetime(["2025-04-01", None]),
        "written_premium": [365.0, 365.0], "refund": [0.0, np.nan],
        "premium_frequency": ["single", "single"],
    })
    arrays = policy_arrays(*policy_bundles(policies, products), a)
    r = compute_upr(arrays, day("2025-03-31"), day("2025-06-30"))
    assert r.cancelled[0] == pytest.approx(275.0)  # pro rata, not the data's 0
    np.testing.assert_allclose(r.upr_opening + r.written - r.cancelled - r.earned, r.upr)
