"""Balance sheet B01..B37 at period end (E2 tab BRS01; spec §2.2).

B01 = B02 + B03 + B04 (E2 L2920-2932); B05 = B06 + B07 + B09 + B10 + B11 + B12;
B25 = B26 + B28; B29 = B30 + B32; reserves = B14 + B17 + B20 + B21 + B23;
B37 (other capital accounts) is the balancing item: B01 + B05 - reserves - B25 - B29
- (B33 + B34 + B35 + B36). Codes the handbook does not print (B08, B13, ...) are absent.
"""

from __future__ import annotations

from reserva.statements import Statement, build

INPUT_CODES = (
    "B02", "B03", "B04", "B06", "B07", "B09", "B10", "B11", "B12",
    "B14", "B17", "B20", "B21", "B23", "B26", "B28", "B30", "B32",
    "B33", "B34", "B35", "B36",
)
RESERVE_CODES = ("B14", "B17", "B20", "B21", "B23")
DERIVED = (
    ("B01", [(1, "B02"), (1, "B03"), (1, "B04")]),
    ("B05", [(1, "B06"), (1, "B07"), (1, "B09"), (1, "B10"), (1, "B11"), (1, "B12")]),
    ("B25", [(1, "B26"), (1, "B28")]),
    ("B29", [(1, "B30"), (1, "B32")]),
    ("B37", [(1, "B01"), (1, "B05"), *[(-1, c) for c in RESERVE_CODES],
             (-1, "B25"), (-1, "B29"), (-1, "B33"), (-1, "B34"), (-1, "B35"), (-1, "B36")]),
)
CODES = (
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B09", "B10", "B11", "B12",
    "B14", "B17", "B20", "B21", "B23", "B25", "B26", "B28", "B29", "B30", "B32",
    "B33", "B34", "B35", "B36", "B37",
)
NAMES = {
    "B01": "Admitted assets", "B02": "Cash and cash equivalents",
    "B03": "Investments (easily convertible)", "B04": "Other admitted assets",
    "B05": "Non-admitted assets", "B06": "Premiums receivable", "B07": "Prepaid claims",
    "B09": "Accounts receivable", "B10": "Investments (not easily convertible)",
    "B11": "Net fixed assets", "B12": "Other non-admitted assets",
    "B14": "Unearned premium reserve", "B17": "IBNR reserve",
    "B20": "Outstanding claims reserve", "B21": "Reinsurance payable",
    "B23": "Accrued liabilities reserve", "B25": "Other liabilities < 3 months",
    "B26": "Insurance obligations < 3 months", "B28": "Other liabilities < 3 months (other)",
    "B29": "Other liabilities > 3 months", "B30": "Insurance obligations > 3 months",
    "B32": "Other liabilities > 3 months (other)", "B33": "Paid-in capital",
    "B34": "Donated capital", "B35": "Current-period profit/loss", "B36": "Retained earnings",
    "B37": "Other capital accounts (balancing item)",
}


def balance_sheet(inputs, columns) -> Statement:
    """The balance sheet from input lines (code -> array over ``columns``; absent lines are 0)."""
    return build(inputs, INPUT_CODES, DERIVED, CODES, columns)


def liabilities_total(bs: Statement):
    """Reserves + other liabilities: the solvency denominator (spec §2.2 KPI mapping)."""
    reserves = sum(bs[c] for c in RESERVE_CODES)
    return reserves, bs["B25"] + bs["B29"]
