"""Read a data pack: one file per table, ``<table>.csv`` or ``<table>.parquet`` (``schema.TABLES``).

``read_pack(dir, limits=...)`` reads every cell as text, checks the whole pack
(``reserva.io.validate``) against the schema and the assumption set's ``InputLimits`` (the default
set's when not given) and returns typed frames, or raises ONE ``InputError`` listing every bad
cell of every file. Rows breaking a cross-table rule marked ``warning`` do not stop the read:
``DataPack.warnings`` lists them (one line each) and ``DataPack.warning_notes`` counts them per
rule (the close adds these notes to its run).

Typed columns: ``date`` -> ``datetime64[s]`` (empty = NaT); ``money``/``float`` -> ``float64``
(empty = NaN); ``int`` -> ``int64``, or ``Int64`` when the column may be empty; ``str`` ->
pandas ``string`` (empty = NA). Optional columns absent from a file are added, all empty; extra
columns are kept as ``string``. Optional tables absent from the pack are not in ``tables``.

CSV: UTF-8 (a byte-order mark is allowed), comma-separated, header on line 1. Well-formed files
are parsed by pyarrow; files with quoted line breaks or rows of the wrong length go through the
standard ``csv`` module, so line numbers stay exact and every ragged row is reported.
A table's ``TableSpec.extra["may_be_empty"]`` lets its file hold a header and no rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from reserva.errors import BadCell, InputError
from reserva.io import validate as v
from reserva.io.assumptions import AssumptionSet
from reserva.io.limits import InputLimits, default_limits
from reserva.io.schema import TABLES, TABLES_BY_NAME, TableSpec

BOM = b"\xef\xbb\xbf"
BLANK = re.compile(rb"(\xef\xbb\xbf)?\s*\Z")


@dataclass(frozen=True)
class DataPack:
    """The typed tables of a valid data pack, the sha256 of every file read (by file name), and
    the rows that break a warning rule: ``warnings`` one line per cell (file, line, column,
    value, expected, fix), ``warning_notes`` one line per rule with its count."""

    root: Path
    tables: Mapping[str, pd.DataFrame]
    file_hashes: Mapping[str, str]
    warnings: tuple[str, ...] = ()
    warning_notes: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"table {name!r} is not in the data pack {self.root}") from None

    def has(self, name: str) -> bool:
        return name in self.tables


def read_pack(data_dir: str | Path, *, tables: Iterable[str] | None = None,
              limits: InputLimits | AssumptionSet | str | None = None) -> DataPack:
    """Read and validate the pack in ``data_dir``.

    Parameters
    ----------
    data_dir
        The folder holding one file per table.
    tables
        Only these tables (refs and cross-table rules to tables not read are not checked).
    limits
        The input limits of an assumption set (``InputLimits``, or the set itself, or its id or
        folder); default: the default set's.

    Raises ``InputError`` with every bad cell; returns nothing partial.
    """
    root = Path(data_dir)
    limits = (default_limits() if limits is None
              else limits if isinstance(limits, InputLimits) else InputLimits.of(limits))
    specs = _select(tables)
    if not root.is_dir():
        raise InputError(
            BadCell(str(root), None, None, "not a folder", "a folder holding the data-pack files",
                    "give the folder that holds products.csv, policies.csv, ..."),
            summary=f"invalid data pack {root}: no such folder",
        )
    listing: dict[str, list[str]] = {}
    for path in root.iterdir():
        if path.is_file():
            listing.setdefault(path.name.lower(), []).append(path.name)

    raw: dict[str, v.RawTable] = {}
    cells: list[BadCell] = []
    hashes: dict[str, str] = {}
    for spec in specs:
        found = sorted(listing.get(f"{spec.name}.csv", []) + listing.get(f"{spec.name}.parquet", []))
        if not found:
            if spec.required:
                cells.append(v.missing_file(spec))
            continue
        if len(found) > 1:
            cells.append(v.ambiguous_files(spec, found))
            continue
        name = found[0]
        try:
            data = (root / name).read_bytes()
        except OSError as exc:
            cells.append(v.unreadable(name, exc.strerror or type(exc).__name__))
            continue
        hashes[name] = hashlib.sha256(data).hexdigest()
        reader = _read_parquet if name.lower().endswith(".parquet") else _read_csv
        table, problems = reader(name, data)
        if table is not None and len(table.frame) == 0 and not problems \
                and not spec.extra.get("may_be_empty", False):
            problems = [v.no_rows(name)]
            table = None
        cells.extend(problems)
        if table is not None:
            raw[spec.name] = table

    typed, bad, warned = v.validate_tables(raw, limits)
    cells = v.sort_cells(cells + bad)
    if cells:
        n = len(cells)
        raise InputError(cells, summary=(
            f"invalid data pack {root}: {n} bad cell{'s' if n != 1 else ''} in "
            f"{', '.join(v.files_in_order(cells))}"))
    frames = {name: _final(TABLES_BY_NAME[name], frame) for name, frame in typed.items()}
    return DataPack(root, MappingProxyType(frames), MappingProxyType(hashes),
                    warnings=tuple(c.line() for _, c in warned),
                    warning_notes=_warning_notes(warned))


def _warning_notes(warned: list[tuple[str, BadCell]]) -> tuple[str, ...]:
    """One note per warning rule: how many rows break it, and the first of them."""
    by_rule: dict[str, list[BadCell]] = {}
    for rule, cell in warned:
        by_rule.setdefault(rule, []).append(cell)
    notes = []
    for rule, found in by_rule.items():
        n, first = len(found), found[0]
        notes.append(f"data warning: {n} row{'s break' if n != 1 else ' breaks'} the rule \"{rule}\" "
                     f"(first: line {first.row}, column {first.column}, value {first.value!r}); "
                     "`reserva validate` lists them")
    return tuple(notes)


def _select(tables: Iterable[str] | None) -> tuple[TableSpec, ...]:
    if tables is None:
        return TABLES
    names = {tables} if isinstance(tables, str) else set(tables)
    unknown = sorted(names - set(TABLES_BY_NAME))
    if unknown:
        raise InputError([
            BadCell(name, None, None, name, f"one of: {', '.join(TABLES_BY_NAME)}",
                    "ask for a table of the data-pack schema") for name in unknown
        ], summary=f"unknown data-pack table(s): {', '.join(unknown)}")
    return tuple(t for t in TABLES if t.name in names)


def _final(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Required whole-number columns (valid, so never empty) become plain ``int64``."""
    return frame.astype({c.name: np.int64 for c in spec.columns
                         if c.type == "int" and not c.nullable})


# ---------------------------------------------------------------- CSV


def _read_csv(name: str, data: bytes) -> tuple[v.RawTable | None, list[BadCell]]:
    if _blank(data):
        return None, [v.empty_file(name)]
    bad = v.check_text(name, data)
    if bad is not None:
        return None, [bad]
    data = data.removeprefix(BOM)
    end = data.find(b"\n")
    head, body = (data, b"") if end < 0 else (data[:end], data[end + 1:])
    names = _names(next(csv.reader([head.decode("utf-8").rstrip("\r")])))
    dups = _duplicates(names)
    if dups:
        return None, [v.duplicate_header(name, d) for d in dups]
    table = _parse_fast(body, names)
    if table is not None:
        return v.RawTable(name, *_drop_empty_rows(table, np.arange(2, table.num_rows + 2))), []
    return _parse_slow(name, data.decode("utf-8"))


def _blank(data: bytes) -> bool:
    """Nothing but blanks (and a byte-order mark); stops at the first other byte."""
    return BLANK.match(data) is not None


def _names(header: list[str]) -> list[str]:
    """Header names, stripped; an empty name becomes ``unnamed_<k>`` (an extra column)."""
    return [h.strip() or f"unnamed_{k}" for k, h in enumerate(header, start=1)]


def _duplicates(names: list[str]) -> list[str]:
    seen: set[str] = set()
    return [n for n in names if n in seen or seen.add(n)]


def _parse_fast(body: bytes, names: list[str]) -> pa.Table | None:
    """pyarrow parse of the rows, all text; None if the file needs the careful parser (ragged
    rows, quoted line breaks: the rows would not be one per line)."""
    if _blank(body):
        return pa.table({n: pa.array([], pa.string()) for n in names})
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    return table if table.num_rows == n_lines else None


def _parse_slow(name: str, text: str) -> tuple[v.RawTable | None, list[BadCell]]:
    """The standard ``csv`` parser, tracking the first line of every record."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = _names(next(reader))
        dups = _duplicates(names)
        if dups:
            return None, [v.duplicate_header(name, d) for d in dups]
        rows, lines, problems = [], [], []
        prev = reader.line_num
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                problems.append(v.ragged_row(name, start, len(record), len(names),
                                             ",".join(record)[:80]))
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        return None, [v.not_text(name, f"line {reader.line_num}: {exc}")]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    table = pa.table({n: pa.array(col, pa.string()) for n, col in zip(names, columns, strict=True)})
    frame = _to_pandas(table)
    return v.RawTable(name, frame, np.asarray(lines, dtype=np.int64), not problems), problems


def _drop_empty_rows(table: pa.Table, lines: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop rows whose cells are all blank; the frame (text, RangeIndex) and its line numbers."""
    if table.num_rows and table.num_columns:
        blank = None
        for col in table.columns:
            b = pc.equal(pc.utf8_trim_whitespace(col), "")
            blank = b if blank is None else pc.and_(blank, b)
        keep = pc.invert(blank)
        if not pc.all(keep).as_py():
            lines = lines[keep.to_numpy(zero_copy_only=False)]
            table = table.filter(keep)
    return _to_pandas(table), lines.astype(np.int64)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.string(): v.STRING}.get).reset_index(drop=True)


# ---------------------------------------------------------------- Parquet


def _read_parquet(name: str, data: bytes) -> tuple[v.RawTable | None, list[BadCell]]:
    """Parquet columns as text (dates as YYYY-MM-DD, numbers as written by Arrow); row of
    record k (1-based) = k + 1, as in a CSV file with its header."""
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        return None, [v.not_parquet(name, str(exc).splitlines()[0][:80])]
    names = [n.strip() for n in table.column_names]
    dups = _duplicates(names)
    if dups:
        return None, [v.duplicate_header(name, d) for d in dups]
    columns, problems = {}, []
    for n, col in zip(names, table.columns, strict=True):
        try:
            columns[n] = _as_text(col)
        except (pa.ArrowException, NotImplementedError) as exc:
            problems.append(v.bad_column(name, n, f"type {col.type} ({str(exc)[:60]})"))
    if problems:
        return None, problems
    text = pa.table(columns) if columns else pa.table({})
    return v.RawTable(name, *_drop_empty_rows(text, np.arange(2, table.num_rows + 2))), []


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(col.type):
        stamp = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S")
        out = pc.replace_substring_regex(stamp, pattern=r"T00:00:00(\.0+)?$", replacement="")
    else:
        out = pc.cast(col, pa.string())
    return pc.fill_null(out, "")
