"""The data-sheet statements (E2 BRS02 income statement, BRS01 balance sheet), spec §2."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Statement:
    """Line codes x columns (products, then the programme ``ALL``)."""

    codes: tuple[str, ...]
    columns: tuple[str, ...]
    values: np.ndarray  # [code, column]

    def __getitem__(self, code: str) -> np.ndarray:
        return self.values[self.codes.index(code)]

    def value(self, code: str, column: str) -> float:
        return float(self.values[self.codes.index(code), self.columns.index(column)])


def build(inputs, input_codes, derived, order, columns) -> Statement:
    """Fill ``derived`` codes (code -> list of (sign, code)) in order from the inputs."""
    n = len(columns)
    lines = {c: np.asarray(inputs.get(c, np.zeros(n)), dtype=float) for c in input_codes}
    for code, terms in derived:
        lines[code] = sum((sign * lines[c] for sign, c in terms), np.zeros(n))
    return Statement(tuple(order), tuple(columns), np.vstack([lines[c] for c in order]))
