"""CSV output of the sample pack: one file per table, columns in the schema's declared order.

Dates are ISO ``YYYY-MM-DD``, money has exactly two decimals, an empty cell is a missing value.
Columns are built as Arrow arrays from numpy (vectorised formatting) and written unquoted (the
writer refuses a value that would need quoting).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from reserva.calendar import NEVER
from reserva.errors import ComputationError
from reserva.io.schema import ColumnSpec, TableSpec


def _validity(missing: np.ndarray | None) -> pa.Buffer | None:
    if missing is None or not missing.any():
        return None
    return pa.py_buffer(np.packbits(~missing, bitorder="little").tobytes())


def ids(prefix: str, numbers: np.ndarray, width: int, missing: np.ndarray | None = None) -> pa.Array:
    """prefix + number zero-padded to width (e.g. P0000012); ``missing`` rows are empty cells."""
    numbers = np.asarray(numbers, dtype=np.int64)
    mask = missing if missing is not None and missing.any() else None
    text = pc.utf8_lpad(pc.cast(pa.array(numbers, mask=mask), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), text, "")


def text(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    """names[code]; a negative code is an empty cell."""
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    idx = pa.array(np.where(missing, 0, codes), mask=missing if missing.any() else None)
    return pc.take(pa.array(list(names), pa.string()), idx)


def dates(days: np.ndarray) -> pa.Array:
    """Day numbers as dates; NEVER (or beyond) is an empty cell."""
    days = np.asarray(days, dtype=np.int64)
    missing = days >= NEVER
    values = np.where(missing, 0, days).astype("datetime64[D]")
    return pa.array(values, mask=missing if missing.any() else None).cast(pa.date32())


def money(values: np.ndarray) -> pa.Array:
    """Amounts as decimals with two places (exact cents); NaN is an empty cell."""
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    cents = np.round(np.where(missing, 0.0, values) * 100.0).astype(np.int64)
    words = np.empty((cents.size, 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # two's complement sign extension to 128 bits
    return pa.Array.from_buffers(pa.decimal128(18, 2), cents.size,
                                 [_validity(missing), pa.py_buffer(words.tobytes())])


def floats(values: np.ndarray, decimals: int = 6) -> pa.Array:
    """Floats rounded to ``decimals``; NaN is an empty cell."""
    values = np.round(np.asarray(values, dtype=np.float64), decimals)
    missing = np.isnan(values)
    return pa.array(values, mask=missing if missing.any() else None)


def ints(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.int64)
    return pa.array(values, mask=missing if missing is not None and missing.any() else None)


def from_values(column: ColumnSpec, values: Sequence) -> pa.Array:
    """A column of a small table from Python values by the schema type (None = empty cell);
    dates are day numbers."""
    if column.type == "str":
        return pa.array(list(values), pa.string())
    numbers = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    missing = np.isnan(numbers)
    if column.type == "money":
        return money(numbers)
    if column.type == "float":
        return floats(numbers)
    whole = np.where(missing, 0, numbers).astype(np.int64)
    if column.type == "int":
        return ints(whole, missing)
    return dates(np.where(missing, NEVER, whole))


def write_table(directory: Path, spec: TableSpec, columns: Mapping[str, pa.Array]) -> tuple[Path, int]:
    """Write ``<table>.csv.part`` in ``directory`` (renamed by the caller); returns (path, rows)."""
    names = [c.name for c in spec.columns]
    if set(names) != set(columns):
        raise ComputationError(
            f"sample table {spec.name}: columns {sorted(columns)} differ from the schema {names}"
        )
    table = pa.table({name: columns[name] for name in names})
    path = directory / f"{spec.name}.csv.part"
    with open(path, "wb") as fh:
        fh.write((",".join(names) + "\n").encode("ascii"))
        if table.num_rows:
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return path, table.num_rows


def commit(parts: Sequence[Path]) -> None:
    """Rename every ``.csv.part`` to ``.csv`` (after all tables were written)."""
    for part in parts:
        os.replace(part, part.with_suffix(""))
