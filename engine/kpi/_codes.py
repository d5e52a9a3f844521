"""Category codes for the KPI kernels: text or integer codes into a vocabulary tuple.

The vocabularies themselves are defined in ``reserva.vocab`` (the bottom layer, shared with the
data-pack schema and the array edge) and imported from there.

Categories may be given as text (``"paid"``) or as integer codes indexing a vocabulary tuple
(``1`` = ``CLAIM_STATUSES[1]`` = ``"paid"``); ``as_codes`` turns either into int codes.
"""

from __future__ import annotations

import numpy as np

from reserva.errors import BadCell, ComputationError, InputError

__all__ = ["as_codes", "code_of", "int_array", "locate"]


def as_codes(values, vocabulary: tuple[str, ...], *, table: str, column: str) -> np.ndarray:
    """Int codes (int64, index into ``vocabulary``) of a text or integer-code array.

    Raises ``InputError`` listing every distinct value that is not in the vocabulary.
    """
    arr = np.asarray(values)
    expected = "one of " + ", ".join(vocabulary)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind in "iu":
        codes = arr.astype(np.int64, copy=False)
        bad = np.unique(codes[(codes < 0) | (codes >= len(vocabulary))])
        if bad.size:
            raise InputError(
                [BadCell(table, None, column, str(int(b)), f"a code 0..{len(vocabulary) - 1}")
                 for b in bad],
                summary=f"{table}.{column}: {bad.size} unknown code(s); expected {expected}",
            )
        return codes
    names, inverse = np.unique(arr.astype(str), return_inverse=True)
    lookup = {name: i for i, name in enumerate(vocabulary)}
    bad = [n for n in names.tolist() if n not in lookup]
    if bad:
        raise InputError(
            [BadCell(table, None, column, n, expected) for n in bad],
            summary=f"{table}.{column}: {len(bad)} unknown value(s); expected {expected}",
        )
    name_codes = np.array([lookup[n] for n in names.tolist()], dtype=np.int64)
    return name_codes[inverse.reshape(-1)]


def code_of(name: str, vocabulary: tuple[str, ...], *, what: str) -> int:
    """The code of one category name; an ``InputError`` if the name is not in the vocabulary."""
    if name not in vocabulary:
        raise InputError(
            BadCell(what, None, None, name, "one of " + ", ".join(vocabulary)),
            summary=f"{what}: unknown category {name!r}",
        )
    return vocabulary.index(name)


def int_array(x, what: str, name: str) -> np.ndarray:
    """A flat int64 array of day numbers or codes; ``ComputationError`` naming ``what`` and
    ``name`` if the values are not integers."""
    arr = np.asarray(x)
    if arr.size and arr.dtype.kind not in "iu":
        raise ComputationError(f"{what}: {name} must be integer day numbers or codes")
    return arr.astype(np.int64, copy=False).reshape(-1)


def locate(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each value in the sorted unique ``keys`` and whether it is there."""
    if keys.size == 0:
        return np.zeros(values.size, np.int64), np.zeros(values.size, bool)
    pos = np.minimum(np.searchsorted(keys, values), keys.size - 1)
    return pos, keys[pos] == values
