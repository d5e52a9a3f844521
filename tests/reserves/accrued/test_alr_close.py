"""The ALR in the close: every product kind of E2 Table 9 (L4194-4272), B23 and its change P15.

Expected values are recomputed here independently: savings by hand (actual/365 compounding of
the credited rate, spec §3.6), life contracts with the slow per-policy reference
(tests/reserves/accrued/life_reference.py) on the SOA Standard Ultimate Life Table at 5% (the
default set's basis), with policy years counted by calendar anniversaries in plain datetime.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reserva.errors import InputError
from reserva.pipeline import close
from reserva.store import runs as store_runs
from tests.conftest import TINY_PACK, edited_set, write_pack
from tests.reserves.accrued.life_reference import reference_policy

VALUATION = "2024-12-31"
A_, B_, C_ = 0.00022, 2.7e-6, 1.124
SULT = [1.0 - math.exp(-A_ - B_ * C_**x * (C_ - 1.0) / math.log(C_)) for x in range(120)] + [1.0]

PACK = dict(TINY_PACK)
PACK["products"] = TINY_PACK["products"] + """\
LS,Life savings,savings_life,voluntary
WL,Whole life,whole_life,voluntary
EN,Endowment,endowment,voluntary
PE,Pension,pension,voluntary
HE,Health,health,voluntary
"""
PACK["savings_accounts"] = """\
account_id,member_id,product_id,balance_date,balance,credited_rate
S1,M10,LS,2024-03-31,900.00,0.04
S1,M10,LS,2024-06-30,1000.00,0.04
S2,M11,PE,2024-06-30,2500.00,0.06
S3,M12,LS,2025-03-31,50.00,0.04
"""
PACK["savings_transactions"] = """\
account_id,product_id,transaction_date,type,amount
S1,LS,2024-10-31,contribution,100.00
S2,PE,2024-09-30,withdrawal,300.00
S1,LS,2025-01-31,contribution,100.00
"""
PACK["life_policies"] = """\
policy_id,member_id,product_id,plan,issue_date,issue_age,sum_insured,term_years,premium_years,premium_mode,gross_premium,exit_date
W1,M20,WL,whole_life,2020-01-01,30,5000,,,annual,,
W2,M21,WL,whole_life,2022-07-01,45,8000,,,monthly,240.00,
W3,M22,WL,whole_life,2019-05-20,50,4000,,10,annual,,2024-11-15
E1,M23,EN,endowment,2023-04-15,35,3000,10,,annual,,
E2,M24,EN,endowment,2014-06-01,40,2000,10,,annual,,
E3,M25,EN,term,2024-02-29,28,10000,5,,quarterly,,
P1,M26,PE,pure_endowment,2015-01-01,40,10000,25,,annual,,
H1,M27,HE,endowment,2020-01-01,40,1000,10,,annual,,
"""


def anniversary(issue: dt.date, h: int) -> dt.date:
    y = issue.year + h
    try:
        return issue.replace(year=y)
    except ValueError:  # 29 February in a common year
        return dt.date(y, 2, 28)


def duration(issue: str, valuation: str) -> float:
    """Policy years at the end of the valuation day: whole years + share of the current year."""
    i, end = dt.date.fromisoformat(issue), dt.date.fromisoformat(valuation) + dt.timedelta(days=1)
    h = 0
    while anniversary(i, h + 1) <= end:
        h += 1
    a, b = anniversary(i, h), anniversary(i, h + 1)
    return h + (end - a).days / (b - a).days


def life_reserve(issue, age, n, m, sd, se, k, valuation, **kw):
    t = duration(issue, valuation)
    if t >= n:
        return 0.0
    return reference_policy(SULT, 0, 0.05, age, n, m, sd, se, k, t, **kw)[1]


def expected(valuation: str) -> dict[str, float]:
    v = dt.date.fromisoformat(valuation)
    d = lambda a: (v - dt.date.fromisoformat(a)).days  # noqa: E731
    out = {"CL": 0.0, "GL": 0.0, "HE": 0.0}
    # S1: last balance 1,000.00 on 2024-06-30 at 4%, +100 on 2024-10-31 (later rows not known yet)
    out["LS"] = 1000 * 1.04 ** (d("2024-06-30") / 365)
    if v >= dt.date(2024, 10, 31):
        out["LS"] += 100 * 1.04 ** (d("2024-10-31") / 365)
    # S2: 2,500.00 on 2024-06-30 at 6%, -300 on 2024-09-30
    out["PE"] = 2500 * 1.06 ** (d("2024-06-30") / 365)
    if v >= dt.date(2024, 9, 30):
        out["PE"] -= 300 * 1.06 ** (d("2024-09-30") / 365)
    out["PE"] += life_reserve("2015-01-01", 40, 25, 25, 0.0, 10000, 1, valuation)
    out["WL"] = (life_reserve("2020-01-01", 30, 91, 91, 5000, 0.0, 1, valuation)
                 + life_reserve("2022-07-01", 45, 76, 76, 8000, 0.0, 12, valuation)
                 + (life_reserve("2019-05-20", 50, 71, 10, 4000, 0.0, 1, valuation)
                    if v < dt.date(2024, 11, 15) else 0.0))
    out["EN"] = (life_reserve("2023-04-15", 35, 10, 10, 3000, 3000, 1, valuation)
                 + life_reserve("2014-06-01", 40, 10, 10, 2000, 2000, 1, valuation)
                 + life_reserve("2024-02-29", 28, 5, 5, 10000, 0.0, 4, valuation))
    return out


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alr")
    pack = write_pack(folder / "pack", PACK)
    store = folder / "store.duckdb"
    r = close(pack, VALUATION, store=store)
    return r, store


def test_alr_of_every_table_9_kind(closed):
    r, _ = closed
    want = expected(VALUATION)
    got = dict(zip(r.products, r.closing.alr, strict=True))
    for product, value in want.items():
        assert got[product] == pytest.approx(value, abs=0.005), product
    assert got["EN"] > 0 and got["WL"] > 0  # the matured, exited and health contracts add nothing


def test_opening_alr_and_p15_b23(closed):
    r, _ = closed
    opening = expected("2024-09-30")
    got = dict(zip(r.products, r.opening.alr, strict=True))
    for product, value in opening.items():
        assert got[product] == pytest.approx(value, abs=0.005), product
    cols = list(r.income.columns)
    b23 = r.balance.values[list(r.balance.codes).index("B23")]
    p15 = r.income.values[list(r.income.codes).index("P15")]
    for i, product in enumerate(r.products):
        j = cols.index(product)
        assert b23[j] == pytest.approx(r.closing.alr[i], abs=1e-6)
        assert p15[j] == pytest.approx(r.closing.alr[i] - r.opening.alr[i], abs=1e-6)


def test_detail_per_account_and_contract_is_stored(closed):
    r, store = closed
    _, detail = store_runs.read_results(Path(store), "alr_policy")
    assert set(detail["policy_id"]) == {"S1", "S2", "W1", "W2", "E1", "E3", "P1"}
    by_product = detail.groupby("product_id")["reserve"].sum()
    for i, product in enumerate(r.products):
        assert by_product.get(product, 0.0) == pytest.approx(r.closing.alr[i], abs=1e-6)
    s1 = detail.set_index("policy_id").loc["S1"]
    guaranteed = 1000 * 1.03 ** (184 / 365) + 100 * 1.03 ** (61 / 365)  # crediting_rates.csv: 3%
    assert s1["guaranteed_value"] == pytest.approx(guaranteed, abs=0.005)
    assert s1["guarantee_exposure"] == 0.0  # 3% guaranteed < 5% earned yield
    w1 = detail.set_index("policy_id").loc["W1"]
    assert w1["duration_years"] == pytest.approx(5.0, abs=1e-12)
    assert w1["basis"] == "net"


def test_gross_premium_basis_uses_the_data_premium_and_loadings(tmp_path):
    def to_gross(frame: pd.DataFrame) -> None:
        frame.loc[frame["product_kind"] == "whole_life", "alr_method"] = "gross_premium"

    a = edited_set(tmp_path / "set", reserving=to_gross)
    pack = write_pack(tmp_path / "pack", PACK)
    r = close(pack, VALUATION, assumptions=a, write=False)
    loads = dict(initial_expense=0.5, renewal_expense=0.05, per_policy_expense=0.0,
                 claim_expense=0.01, basis="gross")  # life_basis.csv, whole_life
    want = (life_reserve("2020-01-01", 30, 91, 91, 5000, 0.0, 1, VALUATION, **loads)
            + life_reserve("2022-07-01", 45, 76, 76, 8000, 0.0, 12, VALUATION,
                           gross_premium=240.0, **loads))
    got = r.closing.alr[list(r.products).index("WL")]
    assert got == pytest.approx(want, abs=0.005)
    assert r.alr.detail.set_index("policy_id").loc["W2", "annual_premium"] == 240.0


def test_contract_outside_the_table_is_a_clear_input_error(tmp_path):
    pack = dict(PACK)
    pack["life_policies"] = PACK["life_policies"].replace(
        "P1,M26,PE,pure_endowment,2015-01-01,40", "P1,M26,PE,pure_endowment,2015-01-01,100").replace(
        "E1,M23,EN,endowment,2023-04-15,35,3000,10", "E1,M23,EN,endowment,2023-04-15,115,3000,10")
    folder = write_pack(tmp_path / "pack", pack)
    with pytest.raises(InputError) as err:
        close(folder, VALUATION, write=False)
    lines = err.value.lines()
    # every contract whose cover runs past the table's last age (120), at once
    assert any("life_policies.csv row 5 column issue_age: value '115'" in line for line in lines)
    assert any("life_policies.csv row 8 column issue_age: value '100'" in line for line in lines)


def test_policy_durations_match_calendar_anniversaries():
    from reserva.io.arrays import day
    from reserva.reserves.accrued.alr import policy_durations

    issues = ["2020-01-01", "2022-07-01", "2024-02-29", "2019-12-31", "2000-03-01", "2024-12-31"]
    got = policy_durations(np.array([day(i) for i in issues], dtype=np.int64), day(VALUATION))
    for g, i in zip(got, issues, strict=True):
        assert g == pytest.approx(duration(i, VALUATION), abs=1e-12), i
