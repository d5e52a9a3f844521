"""Property: one mutated cell of a valid pack never ends in an internal error.

Hypothesis changes one cell (a header name or a data cell of a random table, row and column) of
a small valid sample pack to a random value: text, numbers (huge, negative, non-finite), dates
(absurd years, impossible days), empties, markup and spreadsheet formulas. Whatever the value,
``reserva validate`` and a single-date close end with exit 0, or with exit 2 whose message names
the mutated file; when the new value cannot be right for its column (a date that does not parse
or falls outside the assumption set's input window, a number that does not parse, is not finite,
is out of the column's range or above the money bound, a code not in the list, an empty required
cell), the message names that very cell: ``<file> row <line> column <column>``. Never exit 70, 4
or 3, never a traceback.

The fast property closes without writing (``reserva.pipeline.close(..., write=False)``); the slow one
runs the command line (close into a fresh store, then ``kpi`` and ``kpi --format csv``), which
also prints every id the mutation may have introduced.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reserva.errors import EngineError
from reserva.io.schema import TABLES_BY_NAME, ColumnSpec
from reserva.io.validate import NUMBER_PATTERN
from tests.badinput import BASE_DATE, Pack, build_base, memory_guard, run_cli

MUTATION_SETTINGS = dict(
    deadline=None, derandomize=False, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
FORBIDDEN = ("Traceback", "internal error")

SPECIAL = [
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e400", "1e20",
    "1e15", "1000000000000001", "-1", "-0", "0", "0.0", "1,000", "1.000,5", "$5", "5%", "0x10",
    "1_000", "١٢٣", "[/x]", "[red]X[/red]", "[bold]", "=1+2", "@SUM(A1)", "+1", "-2+3",
    "=HYPERLINK(\"http://x\")", "\t", "\r", '"', "a,b", "line\nbreak", "NULL", "None", "N/A",
    "TRUE", "yes", "\ufeff", "2025-02-30", "31/12/2025", "2025-12-31T00:00:00", "20251231",
    "1000-01-01", "0001-01-01", "1800-01-01", "1899-12-31", "1900-01-01", "2200-12-31",
    "2201-01-01", "9999-12-31", "-2025-01-01",
]


def _date_text(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=12),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda x: f"{x:.2f}"),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(_date_text),
    st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2210, 12, 31)).map(_date_text),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999),
              st.integers(0, 13), st.integers(0, 32)),
)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A valid pack to mutate in place (each example restores the file it changed)."""
    from reserva.io.assumptions import load_assumptions

    pack, _ = build_base(tmp_path_factory.mktemp("mutations"), policies=100)
    a = load_assumptions("default")
    limits = {
        "earliest": dt.date.fromisoformat(str(a.settings.input.earliest_date)),
        "latest": dt.date.fromisoformat(str(a.settings.input.latest_date)),
        "max_money": a.settings.input.max_money,
    }
    originals = {p.name: p.read_bytes() for p in pack.glob("*.csv")}
    headers = {p.stem: Pack(pack)[p.stem].header for p in pack.glob("*.csv")}
    return pack, originals, headers, limits


def _cannot_be_right(spec: ColumnSpec, value: str, limits: dict) -> bool:
    """True when ``value`` is wrong for the column whatever the rest of the pack holds."""
    if value != value.strip():
        return False  # blanks around a value: stripped by the reader, judged on what remains
    if value == "":
        return not spec.nullable
    if spec.type == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return True
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            return True
        return not limits["earliest"] <= d <= limits["latest"]
    if spec.type in ("money", "float", "int"):
        if not re.fullmatch(NUMBER_PATTERN, value):
            return True
        x = float(value)
        if not math.isfinite(x) or (spec.type == "int" and x != math.floor(x)):
            return True
        if spec.min is not None and x < spec.min or spec.max is not None and x > spec.max:
            return True
        return spec.type == "money" and abs(x) > limits["max_money"]
    if spec.choices:
        return value not in spec.choices
    return False


MARKUP = ["[/x]", "[red]X[/red]", "=1+2", "@SUM(A1)", "+1", "-2+3", "[bold]", "\\", "x\ny"]


def _plausible(spec: ColumnSpec | None, limits: dict) -> st.SearchStrategy[str]:
    """Values a column accepts on their own (so the pack often stays valid and is closed)."""
    if spec is None or spec.type == "str":
        codes = st.sampled_from(spec.choices) if spec is not None and spec.choices else st.nothing()
        return st.one_of(codes, st.sampled_from(MARKUP), st.text(min_size=1, max_size=8))
    if spec.type == "date":
        return st.dates(min_value=limits["earliest"], max_value=limits["latest"]).map(_date_text)
    low = spec.min if spec.min is not None else -1e6
    if spec.type == "int":
        return st.integers(int(low), int(spec.max if spec.max is not None else 10**6)).map(str)
    high = spec.max if spec.max is not None else limits["max_money"]
    return st.one_of(st.floats(low, high).map(lambda x: f"{x:.6g}"),
                     st.sampled_from([f"{low:g}", f"{high:g}"]))


@st.composite
def mutations(draw, headers: dict[str, list[str]], limits: dict):
    """(table, row (-1 = header), column, value); half the values suit the column's type."""
    table = draw(st.sampled_from(sorted(headers)))
    row = draw(st.integers(min_value=-1, max_value=10**6))
    col = draw(st.integers(min_value=0, max_value=len(headers[table]) - 1))
    known = {c.name: c for c in TABLES_BY_NAME[table].columns}
    if row >= 0 and draw(st.booleans()):
        return table, row, col, draw(_plausible(known.get(headers[table][col]), limits))
    return table, row, col, draw(VALUES)


def _mutate(pack_dir: Path, table: str, row: int, col: int, value: str, limits: dict):
    """Apply one mutation; returns (file, the exact cell text an error must name or None)."""
    p = Pack(pack_dir)
    t = p[table]
    spec = TABLES_BY_NAME[table]
    if row < 0 or not t.rows:
        t.header[col] = value
        p.save()
        return t.file, None
    k = row % len(t.rows)
    t.rows[k][col] = value
    p.save()
    name = t.header[col]
    known = {c.name: c for c in spec.columns}
    # a bare carriage return is written unquoted (the writer's line end is "\n"), so it ends the
    # record there: the reader then names the split row, not this cell
    if name in known and not {"\x00", "\r"} & set(value) \
            and _cannot_be_right(known[name], value, limits):
        return t.file, t.where(k, name)
    return t.file, None


def _check(code: int, text: str, file: str, cell: str | None, what: str) -> None:
    shown = f"{what} -> exit {code}\n{text}"
    for word in FORBIDDEN:
        assert word not in text, shown
    assert code in (0, 2), shown
    if code == 2:
        assert file in text, f"the message does not name {file}\n{shown}"
        if cell is not None:
            assert re.search(re.escape(cell) + r"\b", text), f"the message misses {cell}\n{shown}"
    elif cell is not None and what.startswith("validate"):
        raise AssertionError(f"{cell} holds a value that cannot be right, yet {shown}")


def _restore(pack_dir: Path, originals: dict[str, bytes]) -> None:
    for name, data in originals.items():
        if (pack_dir / name).read_bytes() != data:
            (pack_dir / name).write_bytes(data)


@settings(max_examples=40, **MUTATION_SETTINGS)
@given(data=st.data())
def test_one_mutated_cell_validates_and_closes_or_is_named(work, capsys, data):
    from reserva.pipeline import close

    pack_dir, originals, headers, limits = work
    table, row, col, value = data.draw(mutations(headers, limits), label="mutation")
    try:
        file, cell = _mutate(pack_dir, table, row, col, value, limits)
        o = run_cli(capsys, ["validate", str(pack_dir)])
        event(f"validate exit {o.code}" + (", the cell named" if cell else ""))
        _check(o.code, o.out + o.err, file, cell, f"validate ({table}, {row}, {col}, {value!r})")
        if o.code != 0:
            return
        try:
            with memory_guard():
                close(pack_dir, BASE_DATE, write=False)
        except EngineError as exc:
            _check(exc.exit_code, "\n".join(exc.lines()), file, cell,
                   f"close ({table}, {row}, {col}, {value!r})")
    finally:
        _restore(pack_dir, originals)


@pytest.mark.slow
@settings(max_examples=15, **MUTATION_SETTINGS)
@given(data=st.data())
def test_one_mutated_cell_through_the_command_line(work, capsys, tmp_path_factory, data):
    pack_dir, originals, headers, limits = work
    table, row, col, value = data.draw(mutations(headers, limits), label="mutation")
    store = tmp_path_factory.mktemp("store") / "store.duckdb"
    try:
        file, cell = _mutate(pack_dir, table, row, col, value, limits)
        argv = ["close", str(pack_dir), "--valuation-date", BASE_DATE, "--store", str(store)]
        o = run_cli(capsys, argv)
        event(f"close exit {o.code}" + (", the cell named" if cell else ""))
        what = f"close ({table}, {row}, {col}, {value!r})"
        _check(o.code, o.out + o.err, file, cell, what)
        if cell is not None:
            assert o.code == 2, f"{cell} holds a value that cannot be right, yet {what} exits 0"
        if o.code == 0:
            for extra in (["kpi"], ["kpi", "--format", "csv"], ["runs"]):
                k = run_cli(capsys, [*extra, "--store", str(store)])
                assert k.code == 0, f"{extra} after {what}\n{k.err}"
                for word in FORBIDDEN:
                    assert word not in k.out + k.err, f"{extra} after {what}\n{k.err}"
    finally:
        _restore(pack_dir, originals)
