"""Read a claims triangle given as CSV: long (origin, development, value) or wide.

Long: one row per cell, cumulative values, ``development`` a number (age in any unit; the
distinct ages, sorted, become the development columns). Wide: the first column holds the
origins, every other column header is a development age and the cells are cumulative values
(empty beyond the diagonal). Origins keep their order of first appearance. Every bad cell is
reported at once (file, line, column, value, expected).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import BadCell, InputError


@dataclass(frozen=True)
class CsvTriangle:
    origins: tuple[str, ...]
    ages: tuple[float, ...]
    cumulative: np.ndarray  # [origin, age], NaN where unknown


def _read(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(BadCell(path.name, None, None, type(exc).__name__,
                                 "a CSV text file with a header line",
                                 "export the triangle as CSV UTF-8")) from None
    if frame.empty:
        raise InputError(BadCell(path.name, None, None, "no rows", "a header and data rows",
                                 "export the triangle again"))
    return frame


def _numbers(frame: pd.DataFrame, column: str, file: str, cells: list, *, blank_ok: bool):
    text = frame[column].astype(str).str.strip()
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    bad = values.isna() & ~(blank_ok & (text == ""))
    for i in np.flatnonzero(bad.to_numpy()):
        cells.append(BadCell(file, int(i) + 2, column, text.iloc[i], "a number",
                             "write the value as a plain number" + (" or leave it empty" if blank_ok else "")))
    return values.to_numpy(float)


def read_triangle_csv(path: Path | str, *, origin: str | None = None,
                      development: str | None = None, value: str | None = None) -> CsvTriangle:
    """The cumulative triangle of a long or wide CSV (long when the three columns exist)."""
    path = Path(path)
    frame = _read(path)
    cols = list(frame.columns)
    names = (origin or "origin", development or "development", value or "value")
    cells: list[BadCell] = []
    if all(n in cols for n in names):
        o_col, d_col, v_col = names
        ages = _numbers(frame, d_col, path.name, cells, blank_ok=False)
        vals = _numbers(frame, v_col, path.name, cells, blank_ok=True)  # empty = unknown
        if cells:
            raise InputError(cells)
        labels = frame[o_col].astype(str).str.strip()
        origins = tuple(dict.fromkeys(labels))
        age_list = tuple(sorted(set(ages.tolist())))
        tri = np.full((len(origins), len(age_list)), np.nan)
        oi = pd.Index(origins).get_indexer(labels)
        ai = pd.Index(age_list).get_indexer(ages)
        seen = set()
        for row, (o, a) in enumerate(zip(oi, ai, strict=True)):
            if (o, a) in seen:
                cells.append(BadCell(path.name, row + 2, d_col, str(age_list[a]),
                                     "one value per origin and development",
                                     "remove the repeated row"))
            seen.add((o, a))
        if cells:
            raise InputError(cells)
        tri[oi, ai] = vals
        return CsvTriangle(origins, age_list, tri)
    if any(n in cols for n in (origin, development, value) if n):
        missing = [n for n in names if n not in cols]
        raise InputError([BadCell(path.name, 1, n, "", "column present",
                                  "name the column with --origin/--development/--value")
                          for n in missing])
    # wide: first column origins, the others development ages
    age_cols = cols[1:]
    ages = []
    for c in age_cols:
        try:
            ages.append(float(str(c).strip()))
        except ValueError:
            cells.append(BadCell(path.name, 1, str(c), str(c), "a development age (number)",
                                 "head the columns with development ages, or give a long CSV "
                                 "with origin, development, value columns"))
    if not age_cols:
        cells.append(BadCell(path.name, 1, None, ",".join(cols),
                             "origin column then one column per development age", ""))
    tri = np.column_stack([_numbers(frame, c, path.name, cells, blank_ok=True) for c in age_cols]) \
        if age_cols else np.zeros((len(frame), 0))
    if cells:
        raise InputError(cells)
    return CsvTriangle(tuple(frame[cols[0]].astype(str).str.strip()), tuple(ages), tri)


def read_exposure_csv(path: Path | str, origins: tuple[str, ...]) -> np.ndarray:
    """Exposure (e.g. earned premium) per origin from a CSV with columns origin, exposure."""
    path = Path(path)
    frame = _read(path)
    cells: list[BadCell] = []
    for col in ("origin", "exposure"):
        if col not in frame.columns:
            cells.append(BadCell(path.name, 1, col, "", "column present", f"add a column {col}"))
    if cells:
        raise InputError(cells)
    values = _numbers(frame, "exposure", path.name, cells, blank_ok=False)
    if cells:
        raise InputError(cells)
    by_origin = dict(zip(frame["origin"].astype(str).str.strip(), values, strict=True))
    missing = [o for o in origins if o not in by_origin]
    if missing:
        raise InputError([BadCell(path.name, None, "origin", o, "a row for every origin of the triangle",
                                  "add the origin's exposure") for o in missing])
    return np.array([by_origin[o] for o in origins])
