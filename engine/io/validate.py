"""Checks of a data pack: every bad cell of every file, found at once, as ``BadCell`` rows.

A check never stops at the first problem; ``read_pack`` raises one ``InputError`` with them all.
Checks run in this order, and a cell reported by an earlier check is not reported again:

1. Whole file (row None): the file is missing, two files hold one table, the file is not CSV
   text (NUL bytes, a zip/xlsx/parquet signature, bytes that are not UTF-8), it is empty or has
   no data rows, a column name appears twice in the header, a row has more or fewer cells than
   the header, a required column is missing (``expected="column present"``).
2. Parsing: a non-empty ``date`` cell that is not ``YYYY-MM-DD`` ("a date YYYY-MM-DD"), a
   ``money``/``float`` cell that is not a finite number ("a number"), an ``int`` cell that is not
   a whole number of at most 2^53 in size ("a whole number").
3. Plausibility (``InputLimits`` of the assumption set): a date outside ``[input] earliest_date
   .. latest_date``, a money cell above ``[input] max_money``.
4. Column rules, a pandera schema built from the ``ColumnSpec`` data: required cells empty
   (``nullable``), ``min``/``max``, ``choices``, ``unique`` (the repeats after the first).
5. Row rules (``TableSpec.row_rules``): ``left op right``, skipped when either side is empty.
6. Conditional rules (``TableSpec.conditional_rules``), each "when <column> is one of ...,
   <column> must ..." (a decided claim has a decision date; a bond has a face and a maturity).
   A rule on a value is skipped when the value is empty or already bad; an optional column
   absent from the file counts as empty.
7. Unique keys (``TableSpec.unique_keys``): a combination of columns on one row only.
8. References (``TableSpec.refs``): a non-empty value must exist in the other table's column;
   skipped when the other table (or that column) is not loaded, or lost rows (ragged rows).
9. The assumption set's vocabularies (``InputLimits``): product kinds, ledger lines and asset
   classes the set has rows for; issue ages and terms of life contracts within the mortality
   table of the product's kind.
10. Cross-table rules (``TableSpec.pair_rules``, ``within_rules``): errors, or warnings that are
    returned apart (the pack is still read).

Rows are the line numbers of the file (header = line 1, first data row = line 2); for Parquet,
record number + 1, so the same convention holds. Cells are read as text and stripped of
surrounding blanks; a row whose cells are all empty (a blank line, or a spreadsheet's trailing
``,,,,``) is ignored. ``BadCell.value`` is the cell's raw text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from reserva.errors import BadCell
from reserva.io.limits import InputLimits
from reserva.io.schema import (
    TABLES,
    TABLES_BY_NAME,
    ColumnSpec,
    ConditionalRule,
    PairRule,
    TableSpec,
    WithinRule,
)
from reserva.vocab import OPEN_PLANS

DATE_FORMAT = "%Y-%m-%d"
NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
STRING = pd.StringDtype()  # pandas string dtype, missing = pd.NA
MAX_WHOLE = 2.0**53  # whole numbers beyond this are not exact in float64 nor useful as counts
SECONDS_PER_DAY = 86_400  # typed dates are datetime64[s]


@dataclass(frozen=True)
class RawTable:
    """One file as read: every cell as text ("" = empty), and the line number of each row."""

    file: str  # file name, e.g. "policies.csv"
    frame: pd.DataFrame  # the file's columns, all text, RangeIndex
    lines: np.ndarray  # int64 line number of each row (header = line 1)
    complete: bool = True  # False when rows were dropped (ragged rows): no refs into it


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
    if c.type == "int":
        return "write a plain whole number such as 12, without separators"
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
        self.warnings: list[tuple[str, BadCell]] = []  # (the rule's doc, the cell)
        self.lookups: dict[tuple[str, str, str], np.ndarray] = {}  # rows of another table
        self.typed = pd.DataFrame(index=pd.RangeIndex(n))

    def cell(self, idx: np.ndarray, column: str, expected: str | Callable[[int], str],
             fix: str, *, ident: bool = False) -> None:
        """Report rows ``idx`` (positions) of ``column``, unless already reported; ``expected``
        is a text, or a function of the row position (only called for failing rows); with
        ``ident`` the row's id follows it, e.g. "(claim_id C1)"."""
        idx = np.asarray(idx, dtype=np.int64)
        idx = idx[~self.bad[column][idx]] if column in self.bad else idx
        if idx.size == 0:
            return
        if column in self.bad:
            self.bad[column][idx] = True
        self.cells.extend(self._cells(idx, column, expected, fix, ident))

    def warn(self, idx: np.ndarray, column: str, expected: str | Callable[[int], str],
             fix: str, rule: str) -> None:
        """Rows ``idx`` of ``column`` break the warning rule ``rule``: kept apart, not bad."""
        idx = np.asarray(idx, dtype=np.int64)
        self.warnings.extend((rule, c) for c in self._cells(idx, column, expected, fix, True))

    def _cells(self, idx: np.ndarray, column: str, expected: str | Callable[[int], str],
               fix: str, ident: bool) -> list[BadCell]:
        text = self.text.get(column)  # an optional column absent from the file: empty cells
        values = text.iloc[idx].tolist() if text is not None else [""] * idx.size
        id_column = next((c.name for c in self.spec.columns
                          if c.name.endswith("_id") and c.name in self.text), None)
        ids = (self.stripped[id_column].iloc[idx].tolist()
               if ident and id_column and id_column != column else [""] * idx.size)
        out = []
        for i, line, value, row_id in zip(idx.tolist(), self.raw.lines[idx].tolist(), values, ids,
                                          strict=True):
            said = expected(i) if callable(expected) else expected
            if row_id and row_id is not pd.NA:
                said += f" ({id_column} {row_id})"
            out.append(BadCell(self.file, int(line), column, str(value), said, fix))
        return out

    def usable(self, column: str) -> np.ndarray:
        """Cells of ``column`` that are non-empty and not already reported."""
        return self.typed[column].notna().to_numpy(dtype=bool) & ~self.bad[column]

    def line_of(self, i: int) -> int:
        return int(self.raw.lines[i])


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
                ok &= np.less_equal(np.abs(v, where=ok, out=np.zeros_like(v)), MAX_WHOLE)
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


def _plausible(t: _Table, limits: InputLimits) -> None:
    """Dates within the set's window; money at most the set's bound (``reserva.io.limits``)."""
    lo, hi = limits.earliest_day, limits.latest_day
    for c in t.spec.columns:
        if c.name not in t.present or c.type not in ("date", "money"):
            continue
        s = t.typed[c.name]
        if c.type == "date":
            v = s.to_numpy()
            out = ~np.isnat(v) & ((v < lo) | (v > hi))
            expected, fix = limits.window_text(), (
                "correct the year; leave an optional date empty rather than writing a far-off "
                "date such as 9999-12-31")
        else:
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            out = np.abs(np.nan_to_num(v)) > limits.max_money
            expected, fix = limits.money_text(), (
                "correct the amount (a misplaced decimal point or a missing separator?)")
        t.cell(np.flatnonzero(out), c.name, expected, fix)


def _conditional_rules(t: _Table) -> None:
    """The table's ``conditional_rules`` (e.g. a rejected claim has paid_amount = 0)."""
    for rule in t.spec.conditional_rules:
        if rule.when_column not in t.present or (rule.other and rule.other not in t.present):
            continue
        code = t.typed[rule.when_column]
        when = (code.isin(rule.when).to_numpy(dtype=bool, na_value=False)
                & ~t.bad[rule.when_column])
        fails, expected = _condition_fails(t, rule)
        cond = f"when {rule.when_column} is {_or(rule.when)}"
        said = expected(cond) if callable(expected) else f"{expected} {cond}"
        t.cell(np.flatnonzero(when & fails & ~t.bad[rule.column]), rule.column,
               said, rule.fix, ident=True)


def _condition_fails(t: _Table, rule: ConditionalRule):
    """(rows failing ``rule.must`` regardless of the condition, the expectation's text)."""
    has = t.typed[rule.column].notna().to_numpy()
    if rule.must == "present":
        return ~has, f"a {rule.column}"
    if rule.must == "empty":
        return has, "an empty cell"
    v, ok = _values(t, rule.column)
    if rule.must == "zero":
        return ok & (v != 0), "0"
    if rule.must == "positive":
        return ok & ~(v > 0), "a number > 0"
    if rule.must == "one of":
        listed = _or(tuple(_num(x) for x in rule.values))
        return ok & ~np.isin(v, rule.values), f"empty or {listed}"
    if rule.must == "<= other":
        ov, ook = _values(t, rule.other)
        return ok & ook & ~(v <= ov), lambda cond: _quoting(
            t.text[rule.other], f"at most {rule.other} ({{}}) {cond}")
    raise ValueError(f"unknown conditional rule {rule.must!r}")


def _unique_keys(t: _Table) -> None:
    """Each ``unique_keys`` combination on one row only (the repeats after the first)."""
    for key in t.spec.unique_keys:
        if any(c not in t.present for c in key):
            continue
        use = np.logical_and.reduce([t.usable(c) for c in key])
        frame = t.typed.loc[use, list(key)]
        repeat = frame.duplicated(keep="first")
        if not repeat.any():
            continue
        first = frame[~repeat].reset_index().set_index(list(key))["index"]
        rows = frame.index[repeat.to_numpy()].to_numpy()
        firsts = first.reindex(pd.MultiIndex.from_frame(frame.loc[rows])).to_numpy()
        line = dict(zip(rows.tolist(), t.raw.lines[firsts].tolist(), strict=True))
        names = " and ".join(key)
        t.cell(rows, key[-1], lambda i, names=names, line=line: (
            f"one row per {names} (the same {names} is on line {line[i]})"),
            f"remove the repeated row, or correct its {names}", ident=True)


def _kind_of(tables: Mapping[str, _Table]) -> dict[str, tuple[str, int]]:
    """product_id -> (kind, line in products) of the valid products rows."""
    t = tables.get("products")
    if t is None or "kind" not in t.present:
        return {}
    use = t.usable("product_id") & t.usable("kind")
    idx = np.flatnonzero(use)
    return {p: (k, t.line_of(i)) for i, p, k in zip(
        idx.tolist(), t.typed["product_id"].iloc[idx], t.typed["kind"].iloc[idx], strict=True)}


def _vocabulary(t: _Table, column: str, known: frozenset[str] | None, expected: str,
                fix: str) -> None:
    if known is None or column not in t.present:
        return
    s = t.typed[column]
    unknown = t.usable(column) & ~s.isin(sorted(known)).to_numpy(dtype=bool, na_value=False)
    t.cell(np.flatnonzero(unknown), column, expected, fix, ident=True)


def _set_rules(t: _Table, tables: Mapping[str, _Table], limits: InputLimits) -> None:
    """What the close looks up in the assumption set for this table's values."""
    where = f"assumption set {limits.set_id}"
    name = t.spec.name
    if name == "products":
        _vocabulary(t, "kind", limits.product_kinds,
                    f"a kind with rows in reserving.csv, ibnr_options.csv and projection.csv of "
                    f"{where}", "use a kind the set values, or add rows for this kind to the set")
    elif name == "claims":
        for column in limits.claim_columns:
            if column not in t.typed.columns:
                t.cells.append(BadCell(
                    t.file, None, column, "", f"a column {column} ([ibnr] segment_by of {where})",
                    f"add a column named {column} to the header, or remove it from segment_by"))
    elif name == "ledger":
        _vocabulary(t, "line", limits.ledger_lines, f"a line with a P-code in ledger_map.csv of "
                    f"{where}", "use a line of ledger_map.csv, or add the line to it")
    elif name == "assets":
        _vocabulary(t, "asset_class", limits.asset_classes, f"an asset class of asset_map.csv of "
                    f"{where}", "use a class of asset_map.csv, or add the class to it")
    elif name == "liabilities":
        _vocabulary(t, "kind", limits.liability_kinds, f"a liability kind of liability_map.csv of "
                    f"{where}", "use a kind of liability_map.csv, or add a row for the kind to it")
    elif name == "life_policies":
        _pension_modes(t)
        if limits.life_tables:
            _life_ages(t, _kind_of(tables), limits)


def _pension_modes(t: _Table) -> None:
    """A pension in payment (plan annuity) is paid at a frequency: premium_mode not single."""
    if not all(c in t.present for c in ("plan", "premium_mode")):
        return
    bad = ((t.typed["plan"] == "annuity") & (t.typed["premium_mode"] == "single")).to_numpy(
        dtype=bool, na_value=False)
    t.cell(np.flatnonzero(bad), "premium_mode",
           "annual, semiannual, quarterly or monthly: how often the pension is paid",
           "give the pension's payment frequency")


def _life_ages(t: _Table, kinds: Mapping[str, tuple[str, int]], limits: InputLimits) -> None:
    """Issue age and term within the mortality table of the product's kind: x >= min_age and
    x + n <= max_age + 1 (whole life: n = max_age + 1 - x, so x <= max_age)."""
    if not all(c in t.present for c in ("product_id", "issue_age", "plan")):
        return
    product = t.typed["product_id"].to_numpy(dtype=object, na_value=None)
    listed = pd.Index(list(kinds), dtype=object)
    j = listed.get_indexer(product)
    kind = np.array([kinds[p][0] for p in listed] + [""], dtype=object)[j]  # -1: no kind
    x, xok = _values(t, "issue_age")
    n, nok = _values(t, "term_years")
    whole = t.typed["plan"].isin(OPEN_PLANS).to_numpy(dtype=bool, na_value=False) & ~nok
    use = xok & t.usable("product_id") & t.usable("plan") & (whole | nok)
    for k, lt in limits.life_tables.items():
        rows = use & (kind == k)
        if not rows.any():
            continue
        end = np.where(whole, lt.max_age + 1, x + n)
        bad = rows & ((x < lt.min_age) | (end > lt.max_age + 1) | (x > lt.max_age))
        t.cell(np.flatnonzero(bad), "issue_age", lambda i, lt=lt, k=k: (
            f"an issue age from {lt.min_age} whose cover ends by age {lt.max_age + 1}: the "
            f"mortality table {lt.table} of product {product[i]}'s kind {k} in assumption set "
            f"{limits.set_id} ends there (products.csv line {kinds[product[i]][1]})"),
            "correct issue_age or term_years, or give the kind a mortality table covering "
            "these ages", ident=True)


def _report(t: _Table, severity: str, idx, column: str, expected, fix: str, doc: str) -> None:
    if severity == "error":
        t.cell(idx, column, expected, fix, ident=True)
    else:
        t.warn(idx, column, expected, fix, f"{t.file}: {doc}")


def _lookup(t: _Table, key: str, other: _Table, other_key: str,
            needed: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``t``: the first row of ``other`` holding its ``key`` as ``other_key``, or -1;
    and whether that row was found with ``needed`` usable (vectorised; one hash per pair of
    tables and keys, shared by the references and the rules)."""
    cache = (key, other.spec.name, other_key)
    if cache not in t.lookups:
        rows = np.flatnonzero(other.typed[other_key].notna().to_numpy(dtype=bool))
        keys = _arrow(other.typed[other_key]).take(pyarrow.array(rows))
        j = pc.index_in(_arrow(t.typed[key]), value_set=keys)
        j = np.asarray(j.fill_null(-1), dtype=np.int64)
        t.lookups[cache] = np.where(j >= 0, rows[np.maximum(j, 0)] if rows.size else -1, -1)
    r = t.lookups[cache]
    found = r >= 0
    for c in needed:
        found &= other.usable(c)[np.maximum(r, 0)]
    return r, found


def _target(t: _Table, tables: Mapping[str, _Table], other_name: str,
            columns: tuple[str, ...]) -> _Table | None:
    """The other table when the rule can run: loaded, complete, with these columns present."""
    other = tables.get(other_name)
    if other is None or not other.raw.complete or any(c not in other.present for c in columns):
        return None
    return other


def _pair_rules(tables: Mapping[str, _Table]) -> None:
    """Every table's pair rules; the "known" rules on one other table are checked together."""
    known: dict[tuple[str, str, str], list[tuple[_Table, PairRule]]] = {}
    for t in tables.values():
        for rule in t.spec.pair_rules:
            other = _target(t, tables, rule.other, (rule.other_key, rule.other_column))
            if other is None or rule.key not in t.present or rule.column not in t.present:
                continue
            if rule.kind == "same":
                _same(t, other, rule)
            else:
                known.setdefault((rule.other, rule.other_key, rule.other_column), []).append(
                    (t, rule))
    for (other, _, _), group in known.items():
        _known(tables[other], group)


def _same(t: _Table, other: _Table, rule: PairRule) -> None:
    """``column`` equals ``other_column`` of the first row of ``other`` with the same key."""
    r, found = _lookup(t, rule.key, other, rule.other_key, (rule.other_column,))
    found &= t.usable(rule.key) & t.usable(rule.column)
    if not found.any():
        return
    mine = _arrow(t.typed[rule.column])
    theirs = _arrow(other.typed[rule.other_column]).take(pyarrow.array(np.maximum(r, 0)))
    differ = pc.not_equal(mine, theirs.cast(mine.type))
    bad = np.flatnonzero(found & np.asarray(differ.fill_null(False), dtype=bool))
    key, value = t.typed[rule.key], other.typed[rule.other_column]
    noun = _noun(other.spec.name).replace("_", " ")
    _report(t, rule.severity, bad, rule.column, lambda i: (
        f"{value.iat[r[i]]}, the {rule.other_column} of {noun} {key.iat[i]} ({other.file} line "
        f"{other.line_of(r[i])}): {rule.doc}"), rule.fix, rule.doc)


def _codes(series: list[pd.Series]) -> list[np.ndarray]:
    """Integer codes of the values of several columns in one shared vocabulary (-1 = empty)."""
    codes, _ = pd.factorize(pd.concat(series, ignore_index=True))
    return np.split(codes.astype(np.int64), np.cumsum([len(x) for x in series])[:-1])


def _known(other: _Table, group: list[tuple[_Table, PairRule]]) -> None:
    """For each (table, rule): the pair (``key``, ``column``) of a row is a pair (``other_key``,
    ``other_column``) of some row of ``other``; one factorisation of the keys for the group."""
    _, rule0 = group[0]
    keys = _codes([other.typed[rule0.other_key]] + [t.typed[r.key] for t, r in group])
    vocabulary = pc.unique(_arrow(other.typed[rule0.other_column]).drop_null())
    values = [np.asarray(pc.index_in(_arrow(x), value_set=vocabulary).fill_null(-1),
                         dtype=np.int64)
              for x in [other.typed[rule0.other_column]] + [t.typed[r.column] for t, r in group]]
    width = len(vocabulary) + 1
    ouse = other.usable(rule0.other_key) & other.usable(rule0.other_column)
    size = (max(int(k.max(initial=0)) for k in keys) + 1) * width
    known = np.zeros(size, dtype=bool)  # one flag per (key, value) code pair
    known[keys[0][ouse] * width + values[0][ouse]] = True
    noun = _noun(other.spec.name).replace("_", " ")
    for (t, rule), k, v in zip(group, keys[1:], values[1:], strict=True):
        use = t.usable(rule.key) & t.usable(rule.column)
        found = known[np.clip(k * width + v, 0, size - 1)]  # rows with -1 codes are not used
        value = t.typed[rule.column]
        _report(t, rule.severity, np.flatnonzero(use & ~found), rule.key,
                lambda i, rule=rule, value=value: (
                    f"a {rule.key} with a {noun} of {rule.other_column} {value.iat[i]} in "
                    f"{other.file}: {rule.doc}"), rule.fix, rule.doc)


def _within_rules(t: _Table, tables: Mapping[str, _Table], limits: InputLimits) -> None:
    for rule in t.spec.within_rules:
        bounds = (rule.low,) + ((rule.high,) if rule.high else ())
        other = _target(t, tables, rule.other, (rule.other_key, *bounds))
        if other is None or rule.key not in t.present or rule.column not in t.present:
            continue
        _within(t, other, rule, limits)


def _within(t: _Table, other: _Table, rule: WithinRule, limits: InputLimits) -> None:
    r, found = _lookup(t, rule.key, other, rule.other_key, (rule.low,))
    found &= t.usable(rule.key) & t.usable(rule.column)
    if not found.any():
        return
    r0 = np.maximum(r, 0)
    days = int(getattr(limits, rule.grace)) if rule.grace else 0
    grace = days * SECONDS_PER_DAY
    v, _ = _values(t, rule.column)
    low, _ = _values(other, rule.low)
    bad = found & (v < low[r0] - grace)
    if rule.high:
        high, hok = _values(other, rule.high)
        bad |= found & hok[r0] & (v > high[r0] + grace)
    key = t.typed[rule.key]
    noun = _noun(other.spec.name).replace("_", " ")
    ltext = other.text[rule.low]
    htext = other.text[rule.high] if rule.high else None

    def said(i: int) -> str:
        k = r[i]
        high = htext.iat[k].strip() if htext is not None else ""
        span = (f"from {ltext.iat[k].strip()} to {high}" if high
                else f"on or after {ltext.iat[k].strip()}")
        cols = f"{rule.low} .. {rule.high}" if rule.high else rule.low
        extra = f", with {days} days of grace ([input] {rule.grace})" if rule.grace else ""
        return (f"a date {span}, the {cols} of {noun} {key.iat[i]} ({other.file} line "
                f"{other.line_of(k)}){extra}: {rule.doc}")

    _report(t, rule.severity, np.flatnonzero(bad), rule.column, said, rule.fix, rule.doc)


def _refs(t: _Table, tables: Mapping[str, _Table]) -> None:
    """Each non-empty ``column`` value must exist in ``other.other_column``."""
    for column, other, other_column in t.spec.refs:
        target = tables.get(other)
        if (column not in t.present or target is None or not target.raw.complete
                or other_column not in target.present):
            continue
        s = t.typed[column]
        _, found = _lookup(t, column, target, other_column, ())
        missing = s.notna().to_numpy() & ~found
        t.cell(np.flatnonzero(missing), column,
               f"a {column} listed in {target.file}",
               f"add the {_noun(other)} to {target.file} or correct the {column}")


def validate_tables(
    raw: Mapping[str, RawTable], limits: InputLimits,
) -> tuple[dict[str, pd.DataFrame], list[BadCell], list[tuple[str, BadCell]]]:
    """Check the loaded tables of a pack (refs and cross-table rules only between loaded tables).

    Returns (typed frames by table name, bad cells in reading order, warnings as (rule, cell)
    in reading order). The typed frames hold every declared column: dates ``datetime64[s]``
    (NaT), money/float ``float64`` (NaN), int ``Int64``, str pandas ``string`` (NA); extra
    columns as ``string``.
    """
    work = {name: _Table(TABLES_BY_NAME[name], r) for name, r in raw.items()}
    for t in work.values():
        _parse(t)
        _plausible(t, limits)
        _column_rules(t)
        _row_rules(t)
        _conditional_rules(t)
        _unique_keys(t)
    for t in work.values():
        _refs(t, work)
        _set_rules(t, work, limits)
    _pair_rules(work)
    for t in work.values():
        _within_rules(t, work, limits)
    cells = [c for t in work.values() for c in t.cells]
    warnings = [w for t in work.values() for w in t.warnings]
    order = {id(c): k for k, c in enumerate(sort_cells(c for _, c in warnings))}
    warnings.sort(key=lambda w: order[id(w[1])])
    return {name: t.typed for name, t in work.items()}, sort_cells(cells), warnings


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
