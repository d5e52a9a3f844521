"""Checks of a data pack: every bad cell of every file, found at once, as ``BadCell`` rows.

A check never stops at the first problem; ``read_pack`` raises one ``InputError`` with them all.
Checks run in this order, and a cell reported by an earlier check is not reported again:

1. Whole file (row None): the file is missing, two files hold one table, the file is not CSV
   text (NUL bytes, a zip/xlsx/parquet signature, bytes that are not UTF-8), it is empty or has
   no data rows, a column name appears twice in the header, a row has more or fewer cells than
   the header, a required column is missing (``expected="column present"``).
2. Parsing: a non-empty ``date`` cell that is not ``YYYY-MM-DD`` ("a date YYYY-MM-DD"), a
   ``money``/``float`` cell that is not a finite number ("a number"), an ``int`` cell that is not
   a whole number ("a whole number").
3. Column rules, a pandera schema built from the ``ColumnSpec`` data: required cells empty
   (``nullable``), ``min``/``max``, ``choices``, ``unique`` (the repeats after the first).
4. Row rules (``TableSpec.row_rules``): ``left op right``, skipped when either side is empty.
5. Status rules (``STATUS_RULES`` below, claims), each "when <status> is one of ..., <column>
   must ...":

   - paid, partial, rejected: ``decision_date`` present (a decided claim has a decision date C);
   - open: ``decision_date`` empty, and ``receipt_date`` empty (no decision, nothing received);
   - rejected: ``paid_amount`` = 0;
   - paid, partial: ``paid_amount`` > 0 and ``paid_amount`` <= ``claimed_amount``.

   Dates C (decision) and D (receipt or denial) and the statuses: spec 6.1 (E2 L2486-2488,
   L2712-2713). A rule on an amount is skipped when the amount is empty or already bad.

6. References (``TableSpec.refs``): a non-empty value must exist in the other table's column;
   skipped when the other table (or that column) is not loaded, or lost rows (ragged rows).

Rows are the line numbers of the file (header = line 1, first data row = line 2); for Parquet,
record number + 1, so the same convention holds. Cells are read as text and stripped of
surrounding blanks; a row whose cells are all empty (a blank line, or a spreadsheet's trailing
``,,,,``) is ignored. ``BadCell.value`` is the cell's raw text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from types import MappingProxyType

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from engine.errors import BadCell
from engine.io.schema import TABLES, TABLES_BY_NAME, ColumnSpec, TableSpec

DATE_FORMAT = "%Y-%m-%d"
NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
STRING = pd.StringDtype()  # pandas string dtype, missing = pd.NA


@dataclass(frozen=True)
class RawTable:
    """One file as read: every cell as text ("" = empty), and the line number of each row."""

    file: str  # file name, e.g. "policies.csv"
    frame: pd.DataFrame  # the file's columns, all text, RangeIndex
    lines: np.ndarray  # int64 line number of each row (header = line 1)
    complete: bool = True  # False when rows were dropped (ragged rows): no refs into it


@dataclass(frozen=True)
class StatusRule:
    """When ``status_column`` is one of ``statuses``, ``column`` must satisfy ``must``.

    ``must``: "present", "empty", "zero", "positive", or "<= other" (``other`` names the column).
    """

    column: str
    must: str
    statuses: tuple[str, ...]
    other: str | None = None
    fix: str = ""
    status_column: str = "status"


STATUS_RULES: Mapping[str, tuple[StatusRule, ...]] = MappingProxyType({
    "claims": (
        StatusRule("decision_date", "present", ("paid", "partial", "rejected"),
                   fix="enter the decision date, or set the status to open"),
        StatusRule("decision_date", "empty", ("open",),
                   fix="set the status to paid, partial or rejected, or clear the decision date"),
        StatusRule("receipt_date", "empty", ("open",),
                   fix="set the status to paid, partial or rejected, or clear the receipt date"),
        StatusRule("paid_amount", "zero", ("rejected",),
                   fix="set paid_amount to 0, or the status to paid or partial"),
        StatusRule("paid_amount", "positive", ("paid", "partial"),
                   fix="enter the amount paid, or set the status to open or rejected"),
        StatusRule("paid_amount", "<= other", ("paid", "partial"), other="claimed_amount",
                   fix="correct paid_amount or claimed_amount"),
    ),
    "life_policies": (
        StatusRule("term_years", "present", ("endowment", "term", "pure_endowment"),
                   status_column="plan", fix="enter the term in years, or set the plan to whole_life"),
        StatusRule("term_years", "empty", ("whole_life",), status_column="plan",
                   fix="clear term_years (whole life runs to the end of the mortality table), "
                       "or set the plan to endowment or term"),
    ),
})


# ---------------------------------------------------------------- whole-file problems


def file_names(spec: TableSpec) -> str:
    return f"{spec.name}.csv or {spec.name}.parquet"


def missing_file(spec: TableSpec) -> BadCell:
    return BadCell(f"{spec.name}.csv", None, None, "file is missing", file_names(spec),
                   f"add {spec.name}.csv to the data folder")


def ambiguous_files(spec: TableSpec, found: list[str]) -> BadCell:
    return BadCell(found[0], None, None, f"{len(found)} files: {', '.join(found)}",
                   f"one file, {file_names(spec)}", "remove all but one of them")


def unreadable(file: str, detail: str) -> BadCell:
    return BadCell(file, None, None, f"file cannot be read ({detail})", "a readable file",
                   "check that the file is not open elsewhere and may be read")


def not_text(file: str, detail: str) -> BadCell:
    return BadCell(file, None, None, f"not a CSV text file ({detail})",
                   "a CSV text file encoded as UTF-8",
                   "export the table as 'CSV UTF-8' (comma delimited) and save it under this name")


def not_parquet(file: str, detail: str) -> BadCell:
    return BadCell(file, None, None, f"not a readable Parquet file ({detail})",
                   "a Parquet file", "export the table again as Parquet, or as CSV")


def empty_file(file: str) -> BadCell:
    return BadCell(file, None, None, "empty file", "a header line and at least one data row",
                   "export the table again with its header line")


def no_rows(file: str) -> BadCell:
    return BadCell(file, None, None, "no data rows", "at least one data row below the header",
                   "export the table again with its rows")


def duplicate_header(file: str, name: str) -> BadCell:
    return BadCell(file, 1, name, name, "each column name once in the header",
                   f"remove or rename the second {name} column")


def ragged_row(file: str, line: int, n_cells: int, n_header: int, text: str) -> BadCell:
    return BadCell(file, line, None, text, f"{n_header} cells as in the header, found {n_cells}",
                   "remove the extra separators or quote cells that contain commas")


def bad_column(file: str, name: str, detail: str) -> BadCell:
    return BadCell(file, None, name, detail, "a column of text, numbers or dates",
                   "store the column as text, numbers or dates")


def check_text(file: str, data: bytes) -> BadCell | None:
    """A ``not_text`` cell if ``data`` is not UTF-8 text (NUL bytes, an archive, bad bytes)."""
    signatures = {
        b"PK\x03\x04": "a zip archive, e.g. an Excel .xlsx workbook",
        b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
        b"PAR1": "a Parquet file; name it .parquet",
        b"%PDF": "a PDF document",
    }
    for magic, what in signatures.items():
        if data.startswith(magic):
            return not_text(file, what)
    if b"\x00" in data:
        return not_text(file, "binary data with NUL bytes")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return not_text(file, f"byte 0x{data[exc.start]:02x} on line {line} is not UTF-8")
    return None


# ---------------------------------------------------------------- texts of expectations


def _num(x: float) -> str:
    return f"{x:g}"


def _expected_value(c: ColumnSpec) -> str:
    return {"date": "a date YYYY-MM-DD", "int": "a whole number"}.get(
        c.type, "a number" if c.type in ("money", "float") else "a value")


def _range_text(c: ColumnSpec) -> str:
    what = "a whole number" if c.type == "int" else "a number"
    if c.min is not None and c.max is not None:
        return f"{what} between {_num(c.min)} and {_num(c.max)}"
    if c.min is not None:
        return f"{what} >= {_num(c.min)}"
    return f"{what} <= {_num(c.max)}"


def _parse_fix(c: ColumnSpec) -> str:
    if c.type == "date":
        return ("correct the date or leave the cell empty if optional" if c.nullable
                else "correct the date, written as YYYY-MM-DD")
    return "write a plain number such as 1250.50, without thousands separators or currency"


def _noun(table: str) -> str:
    return table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")


def _join(values: Iterable[str]) -> str:
    return ", ".join(values)


def _or(values: tuple[str, ...]) -> str:
    return values[0] if len(values) == 1 else f"{_join(values[:-1])} or {values[-1]}"


# ---------------------------------------------------------------- the checks


class _Table:
    """The working state of one table: raw text, typed columns, lines, cells already bad."""

    def __init__(self, spec: TableSpec, raw: RawTable):
        self.spec = spec
        self.raw = raw
        self.file = raw.file
        n = len(raw.frame)
        self.n = n
        self.text = {c: raw.frame[c].astype(STRING) for c in raw.frame.columns}
        self.stripped = {c: s.str.strip() for c, s in self.text.items()}
        self.present = [c.name for c in spec.columns if c.name in raw.frame.columns]
        self.bad = {c.name: np.zeros(n, dtype=bool) for c in spec.columns}
        self.cells: list[BadCell] = []
        self.typed = pd.DataFrame(index=pd.RangeIndex(n))

    def cell(self, idx: np.ndarray, column: str, expected: str | Callable[[int], str],
             fix: str) -> None:
        """Report rows ``idx`` (positions) of ``column``, unless already reported; ``expected``
        is a text, or a function of the row position (only called for failing rows)."""
        idx = np.asarray(idx, dtype=np.int64)
        idx = idx[~self.bad[column][idx]] if column in self.bad else idx
        if idx.size == 0:
            return
        if column in self.bad:
            self.bad[column][idx] = True
        values = self.text[column].iloc[idx].tolist()
        for i, line, value in zip(idx.tolist(), self.raw.lines[idx].tolist(), values, strict=True):
            said = expected(i) if callable(expected) else expected
            self.cells.append(BadCell(self.file, int(line), column, str(value), said, fix))


def _quoting(text: pd.Series, template: str) -> Callable[[int], str]:
    """``template`` with ``{}`` replaced by the stripped text of row i of ``text``."""
    return lambda i: template.replace("{}", str(text.iat[i]).strip())


def _parse(t: _Table) -> None:
    """Type every declared column (all-empty if absent); report cells that do not parse."""
    for c in t.spec.columns:
        if c.name not in t.stripped:
            t.typed[c.name] = _empty_column(c, t.n)
            if c.required:
                t.cells.append(BadCell(t.file, None, c.name, "", "column present",
                                       f"add a column named {c.name} to the header"))
                t.bad[c.name][:] = True
            continue
        s = t.stripped[c.name]
        empty = (s == "").to_numpy(dtype=bool, na_value=True)
        if c.type == "str":
            t.typed[c.name] = s.mask(empty)
            continue
        if c.type == "date":
            parsed = pd.to_datetime(s, format=DATE_FORMAT, errors="coerce").astype("datetime64[s]")
            failed = ~empty & parsed.isna().to_numpy()
            values = parsed
        else:
            v = _numbers(s)
            ok = np.isfinite(v)
            if c.type == "int":
                ok &= np.equal(np.floor(v, where=ok, out=np.zeros_like(v)), v)
            failed = ~empty & ~ok
            v[~ok] = np.nan
            values = pd.Series(v).astype("Int64") if c.type == "int" else pd.Series(v)
        t.typed[c.name] = values
        t.cell(np.flatnonzero(failed), c.name, _expected_value(c), _parse_fix(c))
    for name in t.raw.frame.columns:  # extra columns: kept as text, ignored by the checks
        if name not in t.typed.columns:
            s = t.stripped[name]
            t.typed[name] = s.mask((s == "").fillna(True))


def _arrow(s: pd.Series) -> pyarrow.Array:
    return pyarrow.array(s.array)


def _numbers(s: pd.Series) -> np.ndarray:
    """Plain decimal numbers (``-1250.50``, ``1e3``) as float64; anything else -> NaN.

    Same result as ``pd.to_numeric(errors="coerce")`` on these strings, vectorised in Arrow.
    """
    arr = _arrow(s)
    ok = pc.match_substring_regex(arr, NUMBER_PATTERN)
    text = pc.if_else(ok, arr, pyarrow.scalar(None, arr.type))
    return np.array(pc.cast(text, pyarrow.float64()).to_numpy(zero_copy_only=False),
                    dtype=np.float64)


def _empty_column(c: ColumnSpec, n: int) -> pd.Series:
    if c.type == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[s]"))
    if c.type == "int":
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if c.type in ("money", "float"):
        return pd.Series(np.full(n, np.nan))
    return pd.Series(pd.array([pd.NA] * n, dtype=STRING))


def _column_schema(t: _Table) -> tuple[pa.DataFrameSchema, dict]:
    """The pandera schema of the table's present columns, built from its ``ColumnSpec`` data."""
    columns, texts = {}, {}
    for c in t.spec.columns:
        if c.name not in t.present:
            continue
        checks, said = [], []
        if c.min is not None or c.max is not None:
            if c.min is not None and c.max is not None:
                checks.append(pa.Check.in_range(c.min, c.max))
            elif c.min is not None:
                checks.append(pa.Check.ge(c.min))
            else:
                checks.append(pa.Check.le(c.max))
            said.append((_range_text(c), "correct the value" + (
                "; amounts are never negative" if c.min == 0 and c.max is None else "")))
        if c.choices:
            checks.append(pa.Check.isin(list(c.choices)))
            said.append((f"one of: {_join(c.choices)}", "use one of the listed codes"))
        columns[c.name] = pa.Column(None, checks=checks, nullable=c.nullable, unique=c.unique,
                                    report_duplicates="exclude_first", required=True)
        texts[c.name] = said
    return pa.DataFrameSchema(columns, strict=False, coerce=False), texts


def _column_rules(t: _Table) -> None:
    """Nullability, min/max, choices and unique ids, via pandera in lazy mode."""
    schema, texts = _column_schema(t)
    frame = t.typed[t.present]
    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    fc = fc[fc["index"].notna() & fc["column"].isin(t.present)]
    for (column, check, number), grp in fc.groupby(
            ["column", "check", fc["check_number"].fillna(-1)], sort=False):
        idx = grp["index"].to_numpy(dtype=np.int64)
        c = t.spec.column(column)
        if check == "not_nullable":
            t.cell(idx, column, f"{_expected_value(c)} (the cell is required)",
                   f"fill in {column}")
        elif check == "field_uniqueness":
            idx = idx[t.typed[column].iloc[idx].notna().to_numpy()]
            t.cell(idx, column, _repeat_text(t, column),
                   f"remove the repeated row or give it its own {column}")
        else:
            expected, fix = texts[column][int(number)]
            t.cell(idx, column, expected, fix)


def _repeat_text(t: _Table, column: str) -> Callable[[int], str]:
    """'a unique <column> (<value> is already on line <first line of value>)'."""
    s = t.typed[column]
    firsts = s[~s.duplicated(keep="first") & s.duplicated(keep=False)]
    first = dict(zip(firsts.tolist(), t.raw.lines[firsts.index.to_numpy()].tolist(), strict=True))

    def text(i: int) -> str:
        value = s.iat[i]
        return f"a unique {column} ({value} is already on line {first[value]})"

    return text


def _compare(left: np.ndarray, op: str, right: np.ndarray) -> np.ndarray:
    ops = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
           "==": np.equal}
    return ops[op](left, right)


def _values(t: _Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(values as a comparable numpy array, mask of usable cells: non-empty and not bad)."""
    s = t.typed[column]
    if s.dtype.kind == "M":
        v = s.to_numpy().astype(np.int64)
    else:
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return v, s.notna().to_numpy() & ~t.bad[column]


def _row_rules(t: _Table) -> None:
    """``left op right`` within each row, skipped when either side is empty (or already bad)."""
    for rule in t.spec.row_rules:
        if rule.left not in t.present or rule.right not in t.present:
            continue
        lv, lok = _values(t, rule.left)
        rv, rok = _values(t, rule.right)
        use = lok & rok
        idx = np.flatnonzero(use & ~_compare(lv, rule.op, rv))
        said = _quoting(t.text[rule.right], f"{rule.left} {rule.op} {rule.right} ({{}}): {rule.doc}")
        t.cell(idx, rule.left, said, f"correct {rule.left} or {rule.right}")


def _status_rules(t: _Table) -> None:
    """The ``STATUS_RULES`` of the table (e.g. a rejected claim has paid_amount = 0)."""
    for rule in STATUS_RULES.get(t.spec.name, ()):
        needed = [rule.column, rule.status_column] + ([rule.other] if rule.other else [])
        if any(name not in t.present for name in needed):
            continue
        status = t.typed[rule.status_column]
        when = (status.isin(rule.statuses).to_numpy(dtype=bool, na_value=False)
                & ~t.bad[rule.status_column])
        v, ok = _values(t, rule.column)
        has = t.typed[rule.column].notna().to_numpy()
        cond = f"when {rule.status_column} is {_or(rule.statuses)}"
        if rule.must == "present":
            fails, expected = when & ~has, f"a {rule.column} {cond}"
        elif rule.must == "empty":
            fails, expected = when & has, f"an empty cell {cond}"
        elif rule.must == "zero":
            fails, expected = when & ok & (v != 0), f"0 {cond}"
        elif rule.must == "positive":
            fails, expected = when & ok & ~(v > 0), f"a number > 0 {cond}"
        elif rule.must == "<= other":
            ov, ook = _values(t, rule.other)
            fails = when & ok & ook & ~(v <= ov)
            expected = _quoting(t.text[rule.other], f"at most {rule.other} ({{}}) {cond}")
        else:
            raise ValueError(f"unknown status rule {rule.must!r}")
        t.cell(np.flatnonzero(fails & ~t.bad[rule.column]), rule.column, expected, rule.fix)


def _refs(t: _Table, tables: Mapping[str, _Table]) -> None:
    """Each non-empty ``column`` value must exist in ``other.other_column``."""
    for column, other, other_column in t.spec.refs:
        target = tables.get(other)
        if (column not in t.present or target is None or not target.raw.complete
                or other_column not in target.present):
            continue
        s = t.typed[column]
        known = target.typed[other_column].dropna().drop_duplicates()
        found = np.asarray(pc.is_in(_arrow(s), value_set=_arrow(known)), dtype=bool)
        missing = s.notna().to_numpy() & ~found
        t.cell(np.flatnonzero(missing), column,
               f"a {column} listed in {target.file}",
               f"add the {_noun(other)} to {target.file} or correct the {column}")


def validate_tables(raw: Mapping[str, RawTable]) -> tuple[dict[str, pd.DataFrame], list[BadCell]]:
    """Check the loaded tables of a pack (refs only between loaded tables).

    Returns (typed frames by table name, bad cells in reading order). The typed frames hold
    every declared column: dates ``datetime64[s]`` (NaT), money/float ``float64`` (NaN), int
    ``Int64``, str pandas ``string`` (NA); extra columns as ``string``.
    """
    work = {name: _Table(TABLES_BY_NAME[name], r) for name, r in raw.items()}
    for t in work.values():
        _parse(t)
        _column_rules(t)
        _row_rules(t)
        _status_rules(t)
    for t in work.values():
        _refs(t, work)
    cells = [c for t in work.values() for c in t.cells]
    return {name: t.typed for name, t in work.items()}, sort_cells(cells)


def sort_cells(cells: Iterable[BadCell]) -> list[BadCell]:
    """Cells by file (in ``TABLES`` order), then row (whole file first), then column."""
    order = {t.name: i for i, t in enumerate(TABLES)}

    def key(c: BadCell):
        table = PurePath(c.file).stem.lower()
        spec = TABLES_BY_NAME.get(table)
        names = [col.name for col in spec.columns] if spec else []
        col = -1 if c.column is None else (
            names.index(c.column) if c.column in names else len(names))
        return (order.get(table, len(order)), c.file, -1 if c.row is None else c.row, col,
                c.column or "")

    return sorted(cells, key=key)


def files_in_order(cells: Iterable[BadCell]) -> list[str]:
    """The distinct file names of ``cells`` in ``TABLES`` order."""
    return list(dict.fromkeys(c.file for c in sort_cells(cells)))
