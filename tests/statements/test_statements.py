"""Accounting identities of the data-sheet statements on random inputs (spec §2.1, §2.2).

Income statement (E2 BRS02): P02 = P03 - P04 (E2 L1105-1106), P11 = P12 + ... + P15
(E2 L1403-1404), P16 = P17 + ... + P21 (E2 L1108-1111), P28 = P02 + P05 - P11 - P16
(E2 L1621-1622), and the inferred chain P31, P34, P37. Balance sheet (E2 BRS01): B01 = B02 + B03
+ B04 (E2 L2920-2932) and the balancing item B37.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.statements.balance import CODES as B_CODES
from reserva.statements.balance import INPUT_CODES as B_INPUTS
from reserva.statements.balance import balance_sheet, liabilities_total
from reserva.statements.income import CODES as P_CODES
from reserva.statements.income import INPUT_CODES as P_INPUTS
from reserva.statements.income import income_statement

COLUMNS = ("CL", "GL", "ALL")
money = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


@st.composite
def lines(draw, input_codes):
    """Some of the input lines (absent ones are 0), each an array over the columns."""
    present = draw(st.lists(st.sampled_from(input_codes), unique=True))
    return {
        c: np.array(draw(st.lists(money, min_size=len(COLUMNS), max_size=len(COLUMNS))))
        for c in present
    }


def _eq(a, b, *parts):
    scale = max([1.0, *(float(np.abs(p).max()) for p in parts)])
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * scale * 8)


def _in(inputs, code):
    return inputs.get(code, np.zeros(len(COLUMNS)))


@settings(max_examples=100, deadline=None)
@given(lines(P_INPUTS))
def test_income_statement_identities(inputs):
    s = income_statement(inputs, COLUMNS)
    assert s.codes == P_CODES and s.columns == COLUMNS
    assert not any(f"P{i}" in s.codes for i in range(22, 28))  # not printed in the handbook
    x = {c: s[c] for c in s.codes}
    vals = list(inputs.values())
    for c in P_INPUTS:  # inputs pass through, absent lines are 0
        np.testing.assert_array_equal(x[c], _in(inputs, c))
    _eq(x["P02"], x["P03"] - x["P04"], *vals)
    _eq(x["P05"], x["P06"] + x["P07"] + x["P08"] + x["P09"], *vals)
    _eq(x["P01"], x["P02"] + x["P05"], *vals)
    _eq(x["P11"], x["P12"] + x["P13"] + x["P14"] + x["P15"], *vals)
    _eq(x["P16"], x["P17"] + x["P18"] + x["P19"] + x["P20"] + x["P21"], *vals)
    _eq(x["P10"], x["P11"] + x["P16"], *vals)
    _eq(x["P28"], x["P02"] + x["P05"] - x["P11"] - x["P16"], *vals)
    _eq(x["P28"], x["P01"] - x["P10"], *vals)
    _eq(x["P31"], x["P28"] + x["P29"] - x["P30"], *vals)
    _eq(x["P34"], x["P31"] + x["P32"] - x["P33"], *vals)
    _eq(x["P37"], x["P34"] + x["P35"] - x["P36"], *vals)
    assert s.value("P28", "GL") == float(x["P28"][1])


@settings(max_examples=100, deadline=None)
@given(lines(B_INPUTS))
def test_balance_sheet_identities_and_balance(inputs):
    b = balance_sheet(inputs, COLUMNS)
    assert b.codes == B_CODES and b.columns == COLUMNS
    x = {c: b[c] for c in b.codes}
    vals = list(inputs.values())
    for c in B_INPUTS:
        np.testing.assert_array_equal(x[c], _in(inputs, c))
    _eq(x["B01"], x["B02"] + x["B03"] + x["B04"], *vals)
    _eq(x["B05"], x["B06"] + x["B07"] + x["B09"] + x["B10"] + x["B11"] + x["B12"], *vals)
    _eq(x["B25"], x["B26"] + x["B28"], *vals)
    _eq(x["B29"], x["B30"] + x["B32"], *vals)
    reserves = x["B14"] + x["B17"] + x["B20"] + x["B21"] + x["B23"]
    equity = x["B33"] + x["B34"] + x["B35"] + x["B36"] + x["B37"]
    # B37 balances the sheet: assets = reserves + other liabilities + equity
    _eq(x["B01"] + x["B05"], reserves + x["B25"] + x["B29"] + equity, *vals)
    r, other = liabilities_total(b)
    _eq(r, reserves, *vals)
    _eq(other, x["B25"] + x["B29"], *vals)


def test_a_small_statement_by_hand():
    # written 1,000, UPR up 100 -> earned 900 (TV-01, E1 L599-600); claims paid 300, IBNR up 50,
    # OCS down 20 -> incurred 330; personnel 100, administration 70 -> 170;
    # net income 900 - 330 - 170 = 400; taxes 40 -> 360 after donations and taxes.
    def one(v):
        return np.array([float(v)])

    s = income_statement(
        {"P03": one(1000), "P04": one(100), "P12": one(300), "P13": one(50), "P14": one(-20),
         "P17": one(100), "P18": one(70), "P36": one(40)},
        ("ALL",),
    )
    assert s.value("P02", "ALL") == 900.0
    assert s.value("P11", "ALL") == 330.0
    assert s.value("P16", "ALL") == 170.0
    assert s.value("P28", "ALL") == 400.0
    assert s.value("P37", "ALL") == 360.0
