"""Edges between pandas tables and the numpy arrays the kernels read.

Dates become ``int64`` day numbers (days since 1970-01-01); an empty date becomes ``NEVER``
(a day after any real date), so "not yet happened" compares correctly without masks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from reserva.calendar import NEVER


def days(values) -> np.ndarray:
    """Day numbers (int64, days since 1970-01-01) of a date column; empty dates -> NEVER."""
    arr = pd.to_datetime(pd.Series(values), errors="raise").to_numpy("datetime64[D]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = NEVER
    return out


def day(date: str | dt.date | pd.Timestamp | np.datetime64) -> int:
    """The day number of one date."""
    return int(np.datetime64(pd.Timestamp(date).date(), "D").astype(np.int64))


def to_date(day_number: int) -> dt.date:
    """The calendar date of a day number."""
    return (np.datetime64(int(day_number), "D")).astype(object)


def codes(values, categories=None) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (int32) of a text column and the categories they index.

    Without ``categories`` they are the sorted distinct values; with them, a value not among
    the categories gets code -1.
    """
    text = pd.Series(values).astype(str)
    if categories is None:
        cat = pd.Categorical(text)
        return cat.codes.astype(np.int32), np.asarray(cat.categories, dtype=object)
    cats = np.asarray(categories, dtype=object)
    return pd.Index(cats).get_indexer(text).astype(np.int32), cats


def money(values) -> np.ndarray:
    """A money column as float64, empty cells as 0.0."""
    return pd.to_numeric(pd.Series(values), errors="raise").fillna(0.0).to_numpy(np.float64)
