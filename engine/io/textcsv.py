"""A user's CSV file of a set's kind (stress scenarios, management actions) as cells of text.

``read_checked(path, columns=..., what=..., check=...)``: ``read_cells`` then ``check`` (the
kind's rules), every bad cell of both at once. ``missing_columns``: the required columns a
table lacks.

``read_cells(path, columns=..., what=...)``: the header and rows as text cells with their line
numbers in the file (line 1 = the header), blank rows skipped; what makes the file unreadable
(not readable, not UTF-8 text, empty, a column named twice) is the only bad cell returned with
no table; a row with more or fewer cells than the header is a bad cell of its own, the other
rows kept, so that a caller reports every bad cell of the file at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from reserva.errors import BadCell, InputError

__all__ = ["missing_columns", "read_cells", "read_checked"]


def read_checked(path: str | Path, *, columns: Sequence[str], what: str,
                 check: Callable[..., tuple[tuple, list[BadCell]]]) -> tuple:
    """What ``check(frame, file=..., lines=...)`` makes of the file's cells, or one
    ``InputError`` naming every bad cell of the file and of the check at once."""
    path = Path(path)
    frame, lines, cells = read_cells(path, columns=columns, what=what)
    if frame is None:
        raise InputError(cells)
    items, more = check(frame, file=path.name, lines=lines)
    if cells or more:
        raise InputError([*cells, *more])
    return items


def missing_columns(frame: pd.DataFrame, file: str, columns: Sequence[str],
                    optional: Sequence[str] = ()) -> list[BadCell]:
    """A cell for each of ``columns`` (but the ``optional``) the table lacks."""
    return [BadCell(file, None, c, "", "column present",
                    f"add the column {c} (the columns: {', '.join(columns)})")
            for c in columns if c not in frame.columns and c not in optional]


def read_cells(path: Path, *, columns: Sequence[str], what: str
               ) -> tuple[pd.DataFrame | None, list[int], list[BadCell]]:
    """(the cells as text, their line numbers, the bad cells); ``columns`` the header a file of
    this kind has (for the fix of an empty file), ``what`` how the file is named to the user
    (e.g. ``--scenarios``) for the fix of an unreadable one."""
    from reserva.io.validate import check_text  # here: validate imports the assumption loader

    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [], [BadCell(name, None, None, f"file cannot be read ({exc.strerror})",
                                  "a readable CSV file", f"check the path of {what}")]
    bad = check_text(name, data)
    if bad is not None:
        return None, [], [bad]
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        return None, [], [BadCell(name, None, None, "empty file", "a header line and rows",
                                  f"write the header: {','.join(columns)}")]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        return None, [], [BadCell(name, 1, h, h, "each column name once in the header",
                                  "remove the repeated column") for h in twice]
    rows, lines, cells = [], [], []
    for cells_of_row in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells_of_row):
            continue
        if len(cells_of_row) != len(header):
            cells.append(BadCell(name, line, None, ",".join(cells_of_row),
                                 f"{len(header)} cells as in the header, found "
                                 f"{len(cells_of_row)}", "quote cells that hold commas"))
            continue
        rows.append([c.strip() for c in cells_of_row])
        lines.append(line)
    return pd.DataFrame(rows, columns=header, dtype=object), lines, cells
