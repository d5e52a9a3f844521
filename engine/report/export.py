"""CSV exports that are safe to open in a spreadsheet.

A spreadsheet reads a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula, and a tab
or carriage return before one of them hides it; a product id, claim id or note from the data
could therefore run a formula on the reader's machine ("CSV injection", OWASP). Every CSV the
command line writes goes through ``csv_text``: a **text** cell beginning with one of those
characters gets a leading single quote ``'`` (the usual safeguard: the cell is shown as text),
numeric columns are left as they are (a negative number stays a number).

JSON exports (``json_text``, ``records_json``) hold every row as a record, numbers with up to
10 decimals, undefined values ``null``.
"""

from __future__ import annotations

import json

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells beginning with a formula character are prefixed by
    ``'`` (see the module docstring); numeric, boolean and date columns are untouched.

    Parameters
    ----------
    frame : DataFrame
        The table to export.
    """
    out = frame.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(_safe)
    return out


def _safe(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (header, no index), text cells neutralised (``neutralise``).

    Rows end with ``\n``; when a text cell holds a carriage return the rows end with ``\r\n``
    (RFC 4180), so that the cell is quoted and a reader does not split it into two rows.
    """
    out = neutralise(frame)
    cr = any(out[c].map(lambda x: isinstance(x, str) and "\r" in x).any()
             for c in out.columns if _is_text(out[c]))
    return out.to_csv(index=False, lineterminator="\r\n" if cr else "\n")


def _is_text(column: pd.Series) -> bool:
    return column.dtype.kind in "OSU" or isinstance(column.dtype, pd.StringDtype)


def records_json(frame: pd.DataFrame) -> str:
    """``frame`` as a JSON array of records on one line (numbers with up to 10 decimals)."""
    return frame.to_json(orient="records", double_precision=10)


def json_text(meta: dict | None = None, /, **tables: pd.DataFrame) -> str:
    """A JSON document (indented by one space): the keys of ``meta`` (e.g. the run id), then
    each table of ``tables`` as an array of records under its name."""
    doc = dict(meta or {})
    doc.update({name: json.loads(records_json(frame)) for name, frame in tables.items()})
    return json.dumps(doc, indent=1)
