"""Model points of the ``life_policies`` table (reserva.projection.inforce.life_model_points).

Sources: the definitions of the function's docstring. Month m of the projection holds the days
add_months(v + 1, m) .. add_months(v + 1, m + 1) - 1 after a valuation at the end of day v;
anniversaries add_months(issue, 12 h) and premium due days add_months(issue, j k) are clipped to
month ends (issue Feb 29: Feb 28 in common years), as in the ALR's policy durations
(reserva.reserves.accrued.alr.policy_durations). Benefits per unit of sum insured are the ALR's
PLAN_BENEFITS. Every expected value of the hand-made frames is worked out in a comment; a slow
calendar reference written with ``datetime`` ties the numba day arithmetic to the definitions
under hypothesis, with month ends and leap days drawn often.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import ComputationError, InputError
from reserva.io.arrays import day
from reserva.projection.inforce import LifeModelPoints, life_model_points, project_life

COLUMNS = ("plan", "issue_date", "issue_age", "sum_insured", "term_years", "premium_years",
           "premium_mode", "gross_premium", "exit_date")
FIELDS = ("row", "product", "age", "term_months", "premium_months", "first_premium_month",
          "age_step_month", "sum_insured", "maturity_benefit", "annual_premium", "interval")


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """A life_policies frame as read from text: every cell a string, "" when empty."""
    return pd.DataFrame([["" if c is None else str(c) for c in r] for r in rows],
                        columns=list(COLUMNS), dtype="string")


# valuation at the end of 2023-12-31: v + 1 = 2024-01-01, so month m is the calendar month
# January 2024 + m (month 1 = February 2024, 29 days; month 12 = January 2025)
DEC_31 = [
    # A endowment issued on a leap day, monthly premiums for the whole term
    ("endowment", "2020-02-29", 30, 1000, 10, None, "monthly", 120, None),
    # B term, quarterly premiums for 3 of 5 years, issued on a 31st
    ("term", "2023-01-31", 45, 5000, 5, 3, "quarterly", 60, None),
    # C whole life, premiums for 20 years (all paid), no gross premium given
    ("whole_life", "1990-03-01", 60, 2000, None, 20, "annual", None, None),
    # D pure endowment maturing on 2024-01-01 = v + 1: matured at the end of day v, not in force
    ("pure_endowment", "2014-01-01", 20, 3000, 10, None, "single", 1800, None),
    # E pure endowment maturing one day later, on 2024-01-02
    ("pure_endowment", "2014-01-02", 20, 3000, 10, None, "single", 1800, None),
    # F exited on the valuation day: not in force
    ("term", "2022-06-15", 50, 1000, 2, None, "semiannual", 30, "2023-12-31"),
    # G exits the day after: in force at the end of day v
    ("term", "2022-06-15", 50, 1000, 2, None, "semiannual", 30, "2024-01-01"),
    # H issued on v + 1: not yet in force
    ("term", "2024-01-01", 40, 1000, 5, None, "annual", 50, None),
    # I anniversary and premium due on v + 1 (the start of month 0)
    ("term", "2019-01-01", 35, 8000, 10, 6, "annual", 100, None),
]


def test_points_of_a_hand_made_frame_around_anniversaries_and_leap_days():
    p = life_model_points(_frame(DEC_31), np.arange(9) * 10, day("2023-12-31"), max_age=100)
    # A: anniversaries Feb 28 2021, Feb 28 2022, Feb 28 2023 (clipped), Feb 29 2024: 3 on or
    #    before v + 1 -> age 33; the next, Feb 29 2024, is in month 1 -> the first month
    #    starting on or after it is month 2 (Mar 1). Maturity add_months(Feb 29 2020, 120) =
    #    Feb 28 2030, in month 73 (Feb 2030) -> term 74 months. Premiums on the 29th (Feb 28/29):
    #    the next is premium 47, Jan 29 2024, month 0; 120 - 47 = 73 left -> months 0 .. 72,
    #    premium_months 0 + 73 = 73 (the month of Feb 28 2030, the end of the premium term).
    # B: first anniversary Jan 31 2024 > v + 1 -> age 45, next anniversary in month 0 -> step 1.
    #    Maturity Jan 31 2028 (month 48) -> 49. Quarterly premiums Jan 31, Apr 30, Jul 31,
    #    Oct 31: the next is premium 4, Jan 31 2024, month 0; 3 years = 12 premiums, 8 left ->
    #    premium_months 0 + 8 x 3 = 24 (Jan 31 2026, the end of the premium term, is in month 24).
    # C: anniversaries on Mar 1: 33 by v + 1 -> age 93; the next, Mar 1 2024, is the start of
    #    month 2 -> step 2. Whole life to max_age + 1 = 101: 41 years, maturity Mar 1 2031 = the
    #    start of month 86 (Jan 2031 is month 84) -> 86 months. Premiums ended Mar 1 2010 -> 0.
    # E: 9 anniversaries (Jan 2 2023 the last) -> age 29; Jan 2 2024 in month 0 -> step 1;
    #    maturity Jan 2 2024 -> term 1 month (paid at the end of month 0); single premium paid.
    # G: anniversary Jun 15 2023 -> age 51; Jun 15 2024 in month 5 -> step 6; maturity
    #    Jun 15 2024 -> 6 months; semiannual premiums: 4 in 2 years, Dec 15 2023 the last due
    #    (Jun 15 2024 is the end of the term) -> none left, premium_months 0.
    # I: 5 anniversaries, the fifth on Jan 1 2024 = v + 1 -> age 40; the next is Jan 1 2025 =
    #    the start of month 12 -> step 12; maturity Jan 1 2029 = the start of month 60 -> 60;
    #    6 annual premiums 2019 .. 2024: the last, Jan 1 2024, is due in month 0 -> 0 + 1 x 12.
    expected = {
        "row": [0, 1, 2, 4, 6, 8],
        "product": [0, 10, 20, 40, 60, 80],
        "age": [33, 45, 93, 29, 51, 40],
        "term_months": [74, 49, 86, 1, 6, 60],
        "premium_months": [73, 24, 0, 0, 0, 12],
        "first_premium_month": [0, 0, 0, 0, 0, 0],
        "age_step_month": [2, 1, 2, 1, 6, 12],
        "interval": [1, 3, 12, 0, 6, 12],
        # PLAN_BENEFITS: endowment (1, 1), term (1, 0), whole life (1, 0), pure endowment (0, 1)
        "sum_insured": [1000.0, 5000.0, 2000.0, 0.0, 1000.0, 8000.0],
        "maturity_benefit": [1000.0, 0.0, 0.0, 3000.0, 0.0, 0.0],
    }
    for name, values in expected.items():
        np.testing.assert_array_equal(getattr(p, name), values, err_msg=name)
    np.testing.assert_array_equal(p.annual_premium, [120.0, 60.0, np.nan, 1800.0, 30.0, 100.0])
    assert p.size == 6


def test_points_where_month_ends_clip_the_grid_and_the_dates():
    rows = [
        ("term", "2021-03-30", 40, 1000, 5, None, "monthly", 12, None),
        ("endowment", "2020-02-29", 30, 2000, 10, None, "annual", 100, None),
    ]
    # v = 2024-01-30: v + 1 = Jan 31 2024, months start Jan 31, Feb 29, Mar 31, Apr 30, ...
    p = life_model_points(_frame(rows), np.zeros(2, dtype=np.int64), day("2024-01-30"),
                          max_age=100)
    # row 0: anniversaries on Mar 30; Mar 30 2023 the last -> age 42; Mar 30 2024 lies in month 1
    #   (Feb 29 .. Mar 30) -> the first month starting on or after it is month 2 (Mar 31).
    #   Maturity Mar 30 2026: month 25 starts Feb 28 2026, month 26 Mar 31 2026 -> 26.
    #   Monthly premiums on the 30th: Jan 30 2024 is paid; the next, Feb 29 2024 (clipped), is
    #   the first day of month 1 -> first_premium_month 1 (the interval itself: a clipped month
    #   end); 60 - 35 = 25 premiums left -> premium_months 1 + 25 = 26.
    # row 1: anniversaries Feb 28 2021/22/23 -> age 33; Feb 29 2024 is the first day of month 1
    #   -> step 1; maturity Feb 28 2030 = add_months(Jan 31 2024, 73) -> 73; the next annual
    #   premium, Feb 29 2024, is in month 1; 10 - 4 = 6 left -> premium_months 1 + 72 = 73.
    np.testing.assert_array_equal(p.age, [42, 33])
    np.testing.assert_array_equal(p.age_step_month, [2, 1])
    np.testing.assert_array_equal(p.term_months, [26, 73])
    np.testing.assert_array_equal(p.first_premium_month, [1, 1])
    np.testing.assert_array_equal(p.premium_months, [26, 73])
    # v = 2023-02-27: v + 1 = Feb 28 2023, months start Feb 28, Mar 28, ..., Feb 28 2024, ...
    q = life_model_points(_frame(rows), np.zeros(2, dtype=np.int64), day("2023-02-27"),
                          max_age=100)
    # row 0: Mar 30 2022 the last anniversary -> age 41; Mar 30 2023 lies in month 1 (Mar 28 ..
    #   Apr 27) -> step 2; maturity Mar 30 2026 after the start of month 37 (Mar 28 2026) -> 38;
    #   the premium of Feb 28 2023 (clipped from the 30th) falls on v + 1 -> month 0, and
    #   60 - 23 = 37 are left -> premium_months 37 (the last, Feb 28 2026, starts month 36).
    # row 1: the anniversary Feb 28 2023 falls on v + 1 -> age 33; the next, Feb 29 2024, is a
    #   day after the start of month 12 (Feb 28 2024) -> step 13 (past 12: a leap-day contract);
    #   maturity Feb 28 2030 = the start of month 84 -> 84; the annual premium of Feb 28 2023 is
    #   due in month 0 with 10 - 3 = 7 left -> premium_months 0 + 7 x 12 = 84.
    np.testing.assert_array_equal(q.age, [41, 33])
    np.testing.assert_array_equal(q.age_step_month, [2, 13])
    np.testing.assert_array_equal(q.term_months, [38, 84])
    np.testing.assert_array_equal(q.first_premium_month, [0, 0])
    np.testing.assert_array_equal(q.premium_months, [37, 84])


def test_points_feed_project_life():
    # rows B, E and I of DEC_31 with no deaths and no lapses before the table's end, so every
    # premium and the maturity are paid in full: B pays 60 / 4 = 15 in months 0, 3, ..., 21
    # (8 premiums); I pays 100 in month 0; E matures in month 0 with 3,000
    frame = _frame([DEC_31[1], DEC_31[4], DEC_31[8]])
    p = life_model_points(frame, np.zeros(3, dtype=np.int64), day("2023-12-31"), max_age=100)
    q = np.zeros(102)
    q[-1] = 1.0  # ages 0..101, closing at 101
    r = project_life(p.age, p.term_months, p.sum_insured, p.annual_premium, p.interval,
                     maturity_benefit=p.maturity_benefit, premium_months=p.premium_months,
                     first_premium_month=p.first_premium_month, age_step_month=p.age_step_month,
                     q_annual=q, lapse_annual=0.0, expense_per_policy_annual=0.0,
                     expense_pct_premium=0.0, horizon_months=60)
    expected = np.zeros(60)
    expected[0:24:3] = 15.0
    expected[0] += 100.0
    np.testing.assert_array_equal(r.premiums, expected)
    assert r.maturities[0] == 3000.0 and r.maturities[1:].sum() == 0.0
    assert r.in_force_count[0] == 3.0 and r.in_force_count[1] == 2.0  # E has matured


def test_typed_frame_as_the_reader_returns_it_gives_the_same_points():
    text = _frame(DEC_31)
    typed = text.copy()
    for c in ("issue_date", "exit_date"):
        typed[c] = pd.to_datetime(text[c].replace("", pd.NA)).astype("datetime64[s]")
    for c in ("issue_age",):
        typed[c] = text[c].astype("int64")
    for c in ("term_years", "premium_years"):
        typed[c] = pd.to_numeric(text[c].replace("", pd.NA)).astype("Int64")
    for c in ("sum_insured", "gross_premium"):
        typed[c] = pd.to_numeric(text[c].replace("", pd.NA)).astype("float64")
    v = day("2023-12-31")
    a = life_model_points(text, np.arange(9), v, max_age=100)
    b = life_model_points(typed, np.arange(9), v, max_age=100)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_optional_columns_may_be_absent_and_an_empty_frame_has_no_points():
    frame = _frame(DEC_31[:2]).drop(columns=["premium_years", "gross_premium", "exit_date"])
    p = life_model_points(frame, np.array([7, 8]), day("2023-12-31"), max_age=100)
    # without premium_years, B pays for its whole term of 5 years: 20 quarterly premiums, 16 left
    np.testing.assert_array_equal(p.premium_months, [73, 48])
    assert np.isnan(p.annual_premium).all()
    empty = life_model_points(_frame([]), np.array([], dtype=np.int64), day("2023-12-31"),
                              max_age=100)
    assert isinstance(empty, LifeModelPoints) and empty.size == 0


def test_every_bad_cell_is_listed_at_once():
    rows = [
        ("tontine", "2020-01-01", 30, 1000, 10, None, "weekly", 10, None),  # line 2
        ("term", "2023-02-30", "forty", "abc", 5, None, "annual", -5, None),  # line 3
        ("endowment", "2020-01-01", 30, 1000, None, None, "annual", 10, "31/12/2023"),  # line 4
        ("term", "2020-01-01", -1, 1000, 5, 7, "annual", 10, None),  # line 5
        ("term", "2020-01-01", 95, 1000, 10, None, "annual", 10, None),  # line 6: ends at 105
        ("whole_life", "2020-01-01", 101, 1000, None, None, "annual", 10, None),  # line 7
        ("term", "2010-01-01", 95, 1000, 10, None, "annual", 10, "2015-01-01"),  # line 8: exited
        ("term", "2020-01-01", 30, 1000, 2.5, 0, "annual", 10, None),  # line 9
    ]
    with pytest.raises(InputError) as info:
        life_model_points(_frame(rows), np.zeros(len(rows), dtype=np.int64),
                          day("2023-12-31"), max_age=100)
    cells = [(c.file, c.row, c.column, c.value) for c in info.value.cells]
    assert cells == [
        ("life_policies.csv", 2, "plan", "tontine"),
        ("life_policies.csv", 2, "premium_mode", "weekly"),
        ("life_policies.csv", 3, "issue_date", "2023-02-30"),
        ("life_policies.csv", 3, "issue_age", "forty"),
        ("life_policies.csv", 3, "sum_insured", "abc"),
        ("life_policies.csv", 3, "gross_premium", "-5"),
        ("life_policies.csv", 4, "term_years", ""),
        ("life_policies.csv", 4, "exit_date", "31/12/2023"),
        ("life_policies.csv", 5, "issue_age", "-1"),
        ("life_policies.csv", 5, "premium_years", "7"),  # more than the 5-year term
        ("life_policies.csv", 6, "issue_age", "95"),  # 95 + 10 > 101: past the table's end
        ("life_policies.csv", 7, "issue_age", "101"),  # whole life from past the table's end
        ("life_policies.csv", 9, "term_years", "2.5"),
        ("life_policies.csv", 9, "premium_years", "0"),
    ]
    assert all(c.expected and c.fix for c in info.value.cells)
    assert info.value.lines()[0] == "invalid input: 14 bad cells in life_policies.csv"


def test_missing_columns_and_a_bad_product_array_are_refused():
    frame = _frame(DEC_31[:1]).drop(columns=["plan", "term_years"])
    with pytest.raises(InputError) as info:
        life_model_points(frame, np.zeros(1, dtype=np.int64), day("2023-12-31"), max_age=100)
    assert [(c.row, c.column, c.expected) for c in info.value.cells] == [
        (None, "plan", "column present"), (None, "term_years", "column present")]
    with pytest.raises(ComputationError, match="one integer code per row"):
        life_model_points(_frame(DEC_31[:2]), np.zeros(3, dtype=np.int64), day("2023-12-31"),
                          max_age=100)
    with pytest.raises(ComputationError, match="max_age"):
        life_model_points(_frame(DEC_31[:2]), np.zeros(2, dtype=np.int64), day("2023-12-31"),
                          max_age=-1)


# ---- a slow calendar reference (datetime, no numba) --------------------------------------

def _add_months(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _month_holding(base: dt.date, d: dt.date) -> int:
    m = 0
    while _add_months(base, m + 1) <= d:
        m += 1
    return m


def _first_month_from(base: dt.date, d: dt.date) -> int:
    m = 0
    while _add_months(base, m) < d:
        m += 1
    return m


INTERVAL = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "single": 0}


def _reference(issue, age, term_years, premium_years, mode, v, max_age):
    """(age, term_months, premium_months, first_premium_month, age_step_month), or None."""
    base = v + dt.timedelta(days=1)
    if term_years is None:
        term_years = max_age + 1 - age
    maturity = _add_months(issue, 12 * term_years)
    if issue > v or maturity <= base:
        return None
    h = 0
    while _add_months(issue, 12 * (h + 1)) <= base:
        h += 1
    k = INTERVAL[mode]
    first, left = 0, []
    if k:
        years = term_years if premium_years is None else premium_years
        dues = [_add_months(issue, j * k) for j in range(12 * years // k)]
        left = [d for d in dues if d >= base]
        first = _month_holding(base, left[0]) if left else 0
    return (age + h, _first_month_from(base, maturity), first + len(left) * k if left else 0,
            first, _first_month_from(base, _add_months(issue, 12 * (h + 1))))


@st.composite
def _dates(draw, first_year, last_year):
    year = draw(st.integers(first_year, last_year))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    dom = draw(st.one_of(st.integers(1, last), st.integers(last - 3, last)))  # month ends often
    return dt.date(year, month, dom)


@st.composite
def _contract(draw):
    plan = draw(st.sampled_from(["endowment", "term", "whole_life", "pure_endowment"]))
    age = draw(st.integers(20, 70))
    term = None if plan == "whole_life" else draw(st.integers(1, 12))
    cap = term if term is not None else 100 + 1 - age
    premium_years = draw(st.one_of(st.none(), st.integers(1, min(cap, 12))))
    mode = draw(st.sampled_from(list(INTERVAL)))
    return (plan, draw(_dates(2004, 2025)), age, 1000, term, premium_years, mode, 10, None)


@settings(max_examples=200, deadline=None)
@given(contracts=st.lists(_contract(), min_size=1, max_size=5), v=_dates(2014, 2026))
def test_calendar_matches_the_slow_reference(contracts, v):
    frame = _frame([(c[0], c[1].isoformat(), *c[2:]) for c in contracts])
    p = life_model_points(frame, np.zeros(len(contracts), dtype=np.int64), day(v), max_age=100)
    expected = {}
    for i, c in enumerate(contracts):
        ref = _reference(c[1], c[2], c[4], c[5], c[6], v, 100)
        if ref is not None:
            expected[i] = ref
    assert p.row.tolist() == sorted(expected)
    for k, i in enumerate(p.row):
        got = (p.age[k], p.term_months[k], p.premium_months[k], p.first_premium_month[k],
               p.age_step_month[k])
        assert tuple(int(x) for x in got) == expected[int(i)], contracts[int(i)]
