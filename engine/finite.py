"""Checks that a stage's results are finite numbers before anything is stored.

A NaN or an infinity in a result is a defect of the data or of the engine, never a value to
store: the close stops with a ComputationError (exit 4) naming the stage, the product (or the
programme column) and, for per-record results, the policy, claim or account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from reserva.errors import ComputationError

__all__ = ["finite_lines", "finite_records", "is_finite_number"]


def is_finite_number(value: object) -> bool:
    """Whether an argument is a finite real number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return False
    return bool(np.isfinite(value))


def finite_records(stage: str, values: np.ndarray, product: np.ndarray, products: Sequence,
                   ids, what: str) -> None:
    """ComputationError naming the product and the record of the first non-finite value.

    Parameters
    ----------
    stage : the stage named in the message (``upr``, ``claims``, ``accrued``).
    values : one result per record.
    product : the product index of each record (-1: none).
    products : the product ids.
    ids : the record ids (policy, claim, account), one per record.
    what : what a record is (``policy``, ``claim``, ``policy or account``).
    """
    bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        p = int(product[k])
        raise ComputationError(
            f"stage {stage}: a result is not finite ({values[k]}) for product "
            f"{products[p] if p >= 0 else '?'}, {what} {np.asarray(ids)[k]} "
            f"({int(bad.sum())} in all); nothing was stored (fix: check that {what}'s amounts "
            "and dates)")


def finite_lines(stage: str, lines: Mapping[str, np.ndarray], columns: Sequence) -> None:
    """ComputationError naming the line and the product (or ALL) of a non-finite result.

    ``lines``: label -> array whose first axis runs over ``columns``.
    """
    for label, values in lines.items():
        bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
        if bad.any():
            k = np.argwhere(bad)[0]
            raise ComputationError(
                f"stage {stage}: {label} is not finite ({np.asarray(values)[tuple(k)]}) for "
                f"product {columns[int(k[0])]}; nothing was stored (fix: check that product's "
                "amounts and dates in the data pack)")
