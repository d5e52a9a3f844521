"""Income statement P01..P37 of the data sheet (E2 tab BRS02; spec §2.1).

P02 = P03 - P04 (E2 L1105-1106); P05 = P06 + P07 + P08 + P09; P01 = P02 + P05;
P11 = P12 + P13 + P14 + P15 (E2 L1403-1404); P16 = P17 + ... + P21 (E2 L1108-1111);
P10 = P11 + P16; P28 = P02 + P05 - P11 - P16 (E2 L1621-1622); P31 = P28 + P29 - P30;
P34 = P31 + P32 - P33; P37 = P34 + P35 - P36. P22-P27 are not printed in the handbook.
"""

from __future__ import annotations

from reserva.statements import Statement, build

INPUT_CODES = (
    "P03", "P04", "P06", "P07", "P08", "P09", "P12", "P13", "P14", "P15",
    "P17", "P18", "P19", "P20", "P21", "P29", "P30", "P32", "P33", "P35", "P36",
)
DERIVED = (
    ("P02", [(1, "P03"), (-1, "P04")]),
    ("P05", [(1, "P06"), (1, "P07"), (1, "P08"), (1, "P09")]),
    ("P01", [(1, "P02"), (1, "P05")]),
    ("P11", [(1, "P12"), (1, "P13"), (1, "P14"), (1, "P15")]),
    ("P16", [(1, "P17"), (1, "P18"), (1, "P19"), (1, "P20"), (1, "P21")]),
    ("P10", [(1, "P11"), (1, "P16")]),
    ("P28", [(1, "P02"), (1, "P05"), (-1, "P11"), (-1, "P16")]),
    ("P31", [(1, "P28"), (1, "P29"), (-1, "P30")]),
    ("P34", [(1, "P31"), (1, "P32"), (-1, "P33")]),
    ("P37", [(1, "P34"), (1, "P35"), (-1, "P36")]),
)
CODES = tuple(f"P{i:02d}" for i in range(1, 38) if not 22 <= i <= 27)
NAMES = {
    "P01": "Operating income", "P02": "Earned premium", "P03": "Gross written premium",
    "P04": "Change in unearned premium reserve", "P05": "Other operating income",
    "P06": "Membership fees", "P07": "Commissions received", "P08": "Gross investment income",
    "P09": "Other operating income (non-extraordinary)", "P10": "Expenses",
    "P11": "Incurred claims", "P12": "Gross claims paid", "P13": "Change in IBNR reserve",
    "P14": "Change in outstanding claims reserve", "P15": "Change in accrued liabilities reserve",
    "P16": "Operating expenses", "P17": "Personnel", "P18": "Administration",
    "P19": "Distribution and communication", "P20": "Other operating expenses",
    "P21": "Reinsurance expenses (net cost)", "P28": "Net income", "P29": "Non-operating income",
    "P30": "Non-operating expenses", "P31": "Net income (non-extraordinary)",
    "P32": "Extraordinary income", "P33": "Extraordinary expenses",
    "P34": "Net income before donations and taxes", "P35": "Donations",
    "P36": "Taxes", "P37": "Net income after donations and taxes",
}


def income_statement(inputs, columns) -> Statement:
    """The statement from input lines (code -> array over ``columns``; absent lines are 0)."""
    return build(inputs, INPUT_CODES, DERIVED, CODES, columns)
