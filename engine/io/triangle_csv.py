"""Read a claims triangle given as CSV: long (origin, development, value) or wide.

Long: one row per cell, cumulative values, ``development`` a number (age in any unit; the
distinct ages, sorted, become the development columns). Wide: the first column holds the
origins, every other column header is a development age (increasing from left to right) and
the cells are cumulative values (empty beyond the diagonal). Origins: a wide CSV keeps its
rows' order (oldest first); a long CSV may list its rows in any order when every origin label
is a number (2021) or every one an ISO date (2021-01, 2021-01-31): they are sorted, oldest
first; other labels (2021Q1, AY21) keep their order of first appearance, which must then be
oldest first. Every bad cell is reported at once (file, line, column, value, expected, fix).

Cells: a number (a finite one: ``nan``, ``inf`` and values beyond the float range are refused)
or empty. An empty cell after an origin's last value is beyond the diagonal; an empty cell
before it is missing (the chainladder convention, see ``methods``). The diagonal is the
staircase of the origins' last values: origin i ends ``s`` lags before origin i - 1 (or at the
last lag), ``s`` the whole step (1 for a triangle with as many lags as origins, 4 for yearly
origins by quarterly development, ...) that leaves the fewest rows short of it. A row whose
last value falls short of the diagonal (its latest cell empty while earlier cells hold values)
is refused: read as a shorter row, it would be projected from an earlier age. A repeated
origin (wide) or a repeated origin and age (long) is refused too.

Columns: a long CSV has the columns ``origin``, ``development`` and ``value`` (or the names
given for them); a name given that the header does not hold is refused (line 1), never read
as a wide CSV. Money: a cell or exposure above ``max_money`` (the assumption set's ``[input]
max_money``, when given) is refused, as a money cell of a data pack is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import BadCell, InputError


@dataclass(frozen=True)
class CsvTriangle:
    origins: tuple[str, ...]
    ages: tuple[float, ...]
    cumulative: np.ndarray  # [origin, age], NaN where unknown


def _read(path: Path) -> pd.DataFrame:
    """The table with its header as written (repeated names kept), every cell as text."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                          header=None)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(BadCell(path.name, None, None, type(exc).__name__,
                                 "a CSV text file with a header line",
                                 "export the triangle as CSV UTF-8")) from None
    if len(raw) < 2:
        raise InputError(BadCell(path.name, None, None, "no rows", "a header and data rows",
                                 "export the triangle again"))
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = [str(c).strip() for c in raw.iloc[0]]
    return frame


def _numbers(column: pd.Series, file: str, name: str, cells: list, *, blank_ok: bool,
             max_money: float | None = None):
    """The column as floats (NaN where empty); non-numbers, non-finite values and values above
    ``max_money`` in absolute value are bad cells."""
    text = column.astype(str).str.strip()
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) & ~(blank_ok & (text == "")).to_numpy()
    for i in np.flatnonzero(bad):
        cells.append(BadCell(file, int(i) + 2, name, text.iloc[i], "a number",
                             "write the value as a plain number"
                             + (" or leave it empty" if blank_ok else "")))
    if max_money is not None:
        big = np.flatnonzero(np.isfinite(values) & (np.abs(values) > max_money))
        for i in big:
            cells.append(BadCell(file, int(i) + 2, name, text.iloc[i],
                                 f"a value of at most {max_money:g} in absolute value ([input] "
                                 "max_money of the assumption set)",
                                 "check the value and its unit (a mistyped or misplaced digit?)"))
        bad[big] = True
    return np.where(bad, np.nan, values)


def _origin_labels(column: pd.Series, file: str, name: str, cells: list) -> pd.Series:
    labels = column.astype(str).str.strip()
    for i in np.flatnonzero((labels == "").to_numpy()):
        cells.append(BadCell(file, int(i) + 2, name, "", "an origin label (e.g. 2021)",
                             "name the origin period of the row"))
    return labels


def diagonal_lags(known: np.ndarray) -> np.ndarray:
    """The latest lag each origin ought to reach, ``[origin]`` (-1 where none is expected).

    ``known[o, d]``: the cells holding a value. ``L_o`` is an origin's last known lag; for a
    step ``s`` the diagonal is E_o = min(n_lags - 1, D - o s), D = max_o (L_o + o s) over the
    origins with a value; ``s`` is the candidate (1 and every positive L_o - L_o+1 of
    neighbouring rows) with the fewest origins short of it (L_o < E_o), the smallest on ties.
    """
    n_o, n_d = known.shape
    has = known.any(axis=1)
    last = np.where(has, n_d - 1 - np.argmax(known[:, ::-1], axis=1), -1)
    rows = np.arange(n_o)
    steps = {1} | {int(a - b) for a, b, ha, hb in zip(last, last[1:], has, has[1:], strict=False)
                   if ha and hb and a > b}
    best = None
    for s in sorted(steps):
        top = np.max(np.where(has, last + rows * s, -1))
        expected = np.minimum(n_d - 1, top - rows * s)
        short = int(np.count_nonzero(has & (last < expected)))
        if best is None or short < best[0]:
            best = (short, expected)
    return np.maximum(best[1], -1) if best is not None else np.full(n_o, -1)


def _short_rows(tri: np.ndarray) -> list[tuple[int, int]]:
    """(origin, expected lag) of the origins whose latest cell is empty."""
    known = ~np.isnan(tri)
    if not known.any():
        return []
    expected = diagonal_lags(known)
    has = known.any(axis=1)
    return [(int(o), int(expected[o])) for o in np.flatnonzero(has)
            if expected[o] >= 0 and not known[o, expected[o]]]


def _short_cell(file: str, line: int, column: str, origin: str, age: float,
                ordered: bool = True) -> BadCell:
    return BadCell(file, line, column, "",
                   f"origin {origin}'s latest cumulative value at development {age:g} (the "
                   "diagonal; an empty latest cell would make the row shorter)",
                   "fill in the cell (0 if nothing was reported to date)"
                   + ("" if ordered else "; the rows must list the origins oldest first"))


_ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def _origin_key(label: str):
    """The label as a number or an ISO date (a month is its first day); None otherwise."""
    try:
        number = float(label)
    except ValueError:
        number = None
    if number is not None:
        return number if np.isfinite(number) else None
    if _ISO_DATE.fullmatch(label):
        try:
            return dt.date.fromisoformat(label if len(label) == 10 else label + "-01")
        except ValueError:
            return None
    return None


def ordered_origins(labels) -> tuple[tuple[str, ...], bool]:
    """The distinct origin labels oldest first, and whether that order comes from the labels.

    Sorted when every label is a number or every label an ISO date (``YYYY-MM`` or
    ``YYYY-MM-DD``); otherwise in their order of first appearance (returned with False).
    """
    origins = tuple(dict.fromkeys(labels))
    keys = [_origin_key(o) for o in origins]
    kinds = {type(k) for k in keys}
    if len(kinds) != 1 or None in keys:
        return origins, False
    order = sorted(range(len(origins)), key=lambda i: keys[i])
    return tuple(origins[i] for i in order), True


def _in_label_order(labels) -> bool:
    """Whether labels that are all numbers or all ISO dates are listed oldest first."""
    origins, sortable = ordered_origins(labels)
    return not sortable or origins == tuple(dict.fromkeys(labels))


def read_triangle_csv(path: Path | str, *, origin: str | None = None,
                      development: str | None = None, value: str | None = None,
                      max_money: float | None = None) -> CsvTriangle:
    """The cumulative triangle of a long or wide CSV (long when the three columns exist).

    Raises ``InputError`` listing every bad cell: a column given (``origin``, ``development``,
    ``value``) that the header lacks, non-numbers, non-finite values, values above
    ``max_money`` in absolute value, repeated origins (wide) or cells (long), development ages
    out of order or repeated (wide), empty origin labels, and empty latest cells (see the
    module docstring).
    """
    path = Path(path)
    frame = _read(path)
    cols = list(frame.columns)
    given = (("--origin", origin), ("--development", development), ("--value", value))
    absent = [(option, name) for option, name in given if name and name not in cols]
    if absent:
        raise InputError([BadCell(path.name, 1, name, ",".join(cols),
                                  f"a column {name!r} in the header (given by {option})",
                                  "spell the column as the header line does, or leave "
                                  f"{option} out")
                          for option, name in absent])
    names = (origin or "origin", development or "development", value or "value")
    if all(n in cols for n in names):
        return _read_long(path.name, frame, *names, max_money=max_money)
    if any(n in cols for n in (origin, development, value) if n):
        missing = [n for n in names if n not in cols]
        raise InputError([BadCell(path.name, 1, n, "", "column present",
                                  "name the column with --origin/--development/--value")
                          for n in missing])
    return _read_wide(path.name, frame, max_money=max_money)


def _read_long(file: str, frame: pd.DataFrame, o_col: str, d_col: str, v_col: str, *,
               max_money: float | None = None) -> CsvTriangle:
    cells: list[BadCell] = []
    if any(list(frame.columns).count(n) > 1 for n in (o_col, d_col, v_col)):
        raise InputError([BadCell(file, 1, n, n, "each column once", "remove the repeated column")
                          for n in (o_col, d_col, v_col) if list(frame.columns).count(n) > 1])
    labels = _origin_labels(frame[o_col], file, o_col, cells)
    ages = _numbers(frame[d_col], file, d_col, cells, blank_ok=False)
    vals = _numbers(frame[v_col], file, v_col, cells, blank_ok=True,  # empty = unknown
                    max_money=max_money)
    if cells:
        raise InputError(cells)
    origins, sorted_by_label = ordered_origins(labels)
    age_list = tuple(sorted(set(ages.tolist())))
    oi = pd.Index(origins).get_indexer(labels)
    ai = pd.Index(age_list).get_indexer(ages)
    seen: dict[tuple[int, int], int] = {}
    for row, (o, a) in enumerate(zip(oi, ai, strict=True)):
        if (o, a) in seen:
            cells.append(BadCell(file, row + 2, d_col, f"{age_list[a]:g}",
                                 "one value per origin and development",
                                 f"remove the repeated row (origin {origins[o]} is on line "
                                 f"{seen[(o, a)]} too)"))
        seen.setdefault((o, a), row + 2)
    if cells:
        raise InputError(cells)
    tri = np.full((len(origins), len(age_list)), np.nan)
    tri[oi, ai] = vals
    last_line = {o: line for (o, _), line in sorted(seen.items(), key=lambda kv: kv[1])}
    short = [_short_cell(file, last_line[o], v_col, origins[o], age_list[d], sorted_by_label)
             for o, d in _short_rows(tri)]
    if short:
        raise InputError(short)
    return CsvTriangle(origins, age_list, tri)


def _read_wide(file: str, frame: pd.DataFrame, *, max_money: float | None = None) -> CsvTriangle:
    cells: list[BadCell] = []
    cols = list(frame.columns)
    age_cols = cols[1:]
    ages: list[float] = []
    for c in age_cols:
        try:
            age = float(c)
        except ValueError:
            age = float("nan")
        if not np.isfinite(age):
            cells.append(BadCell(file, 1, c, c, "a development age (number)",
                                 "head the columns with development ages, or give a long CSV "
                                 "with origin, development, value columns"))
        elif ages and np.isfinite(ages[-1]) and age <= ages[-1]:
            repeated = age == ages[-1] or age in ages
            cells.append(BadCell(file, 1, c, c, "each development age once, increasing from "
                                 "left to right",
                                 "remove the repeated column" if repeated
                                 else f"move the column before age {ages[-1]:g}"))
        ages.append(age)
    if not age_cols:
        cells.append(BadCell(file, 1, None, ",".join(cols),
                             "origin column then one column per development age", ""))
    labels = _origin_labels(frame.iloc[:, 0], file, cols[0], cells)
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label and label in first:
            cells.append(BadCell(file, i + 2, cols[0], label, "one row per origin",
                                 f"remove the repeated row or merge it with line {first[label]}"))
        first.setdefault(label, i + 2)
    columns = [_numbers(frame.iloc[:, k + 1], file, c, cells, blank_ok=True, max_money=max_money)
               for k, c in enumerate(age_cols)]
    if cells:
        raise InputError(cells)
    tri = np.column_stack(columns)
    ordered = _in_label_order(labels)
    short = [_short_cell(file, o + 2, age_cols[d], labels.iloc[o], ages[d], ordered)
             for o, d in _short_rows(tri)]
    if short:
        raise InputError(short)
    return CsvTriangle(tuple(labels), tuple(ages), tri)


def read_exposure_csv(path: Path | str, origins: tuple[str, ...], *,
                      max_money: float | None = None) -> np.ndarray:
    """Exposure (e.g. earned premium) per origin from a CSV with columns origin, exposure.

    Every bad cell at once: an exposure that is not a finite number > 0 (and at most
    ``max_money`` when given), an origin that is empty, repeated or not in the triangle, and
    every origin of the triangle without a row.
    """
    path = Path(path)
    frame = _read(path)
    cells: list[BadCell] = []
    for col in ("origin", "exposure"):
        count = list(frame.columns).count(col)
        if count != 1:
            cells.append(BadCell(path.name, 1, col, "", "the column once",
                                 f"add a column {col}" if count == 0 else "remove the repeat"))
    if cells:
        raise InputError(cells)
    labels = _origin_labels(frame["origin"], path.name, "origin", cells)
    exposure = frame["exposure"]
    values = _numbers(exposure, path.name, "exposure", cells, blank_ok=False,
                      max_money=max_money)
    for i in np.flatnonzero(values <= 0):
        cells.append(BadCell(path.name, int(i) + 2, "exposure", exposure.iloc[i].strip(),
                             "an exposure > 0 (e.g. the earned premium of the origin)",
                             "write the origin's exposure; a zero exposure gives no IBNR"))
    known = set(origins)
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        if not label:
            continue
        if label not in known:
            cells.append(BadCell(path.name, i + 2, "origin", label, "an origin of the triangle",
                                 "spell the origin as in the triangle, or remove the row"))
        elif label in first:
            cells.append(BadCell(path.name, i + 2, "origin", label, "one row per origin",
                                 f"remove the repeated row (line {first[label]})"))
        first.setdefault(label, i + 2)
    cells += [BadCell(path.name, None, "origin", o, "a row for every origin of the triangle",
                      "add the origin's exposure") for o in origins if o not in first]
    if cells:
        raise InputError(sorted(cells, key=lambda c: (c.row is None, c.row or 0)))
    by_origin = dict(zip(labels, values, strict=True))
    return np.array([by_origin[o] for o in origins])

