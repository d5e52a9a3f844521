"""Compare every stored table of two closes exactly: the golden files against a store, or two stores.

A store is read table by table (every table of DuckDB's ``main`` schema except
``schema_migrations``, whose rows are the store's own bookkeeping) into Arrow tables, then
*normalised* so that two closes of the same inputs by the same code read back identical:

* run ids become run ordinals: the n-th run of the store is run ``n`` wherever a run id is
  stored (``run_id`` in every table, ``opening_run_id`` in ``runs``; any column named
  ``run_id`` or ending in ``_run_id``);
* the columns of ``VOLATILE`` are dropped (when the run was made, how long it took, where the
  pack was, which version of the package made it);
* rows are sorted by the table's key (its primary key, or every non-float column with an
  occurrence number when it declares none).

Two normalised tables are then equal when they have the same columns with the same types and
the same rows, matched by key, with every cell equal; floats are compared bit for bit (``0.0``
and ``-0.0`` differ; every NaN equals every NaN, as NaN payloads are not a result), and SQL
NULL differs from NaN, except that two nonzero floats of one sign within ``FLOAT_RTOL`` of each
other are equal: the same code can differ in the last bits from one CPU to another
(``np.convolve`` and the BLAS sum in an order set by the machine's vector instructions: a grid
cell of the sample once came out 1932.3948435829946 on one machine and 1932.3948435829943 on
another), while any change a refactor makes to a result is many orders larger.

Differences the refactor means to make are listed once, in ``INTENDED``, each with its
reason: they are printed beside the others but do not fail, and an entry that matches nothing
fails (the list stays exact). One difference is allowed generically: a ``scenario`` column
absent from the golden whose every value is ``'base'`` (the scenario key of issue 14, item 7;
the close writes scenario ``base``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# columns that vary between two closes of the same inputs by the same code
VOLATILE: Mapping[str, tuple[str, ...]] = {
    "runs": ("created_at", "timings", "data_dir", "engine_version"),
}
SKIPPED_TABLES = ("schema_migrations",)  # applied_at timestamps; migrations are tested apart
SCENARIO_COLUMN, BASE_SCENARIO = "scenario", "base"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Intended:
    """A difference the change means to make: ``table`` (and ``column``, or every column when
    None; the whole table when ``column`` is ``"*table*"``), with the reason."""

    table: str
    column: str | None
    reason: str

    def matches(self, diff: Difference) -> bool:
        if diff.table != self.table:
            return False
        return self.column is None or self.column == diff.column


# Columns a case's pack gained since the golden files were built, by file (the pack is compared
# with them taken out), and why.
PACK_ADDITIONS: dict[str, tuple[str, ...]] = {"policies.csv": ("partner",)}
PACK_ADDITIONS_REASON = (
    "issue 15: the sample gives its credit-life policies a distribution partner (MFI-North / "
    "MFI-South in turn), every other health policy the mobile-money operator MNO-Pay (the "
    "others paid directly) and its group-life policies their employer, in the new optional "
    "policies column partner, with no random draw: every other cell of the pack is unchanged")
# the intended difference of the cases whose pack the sample generator writes (``generated``)
PACK_CHANGE = Intended("runs", "input_hashes", PACK_ADDITIONS_REASON)

# The intended differences between the golden files (the commit before issue 14) and the
# current code. Keep it exact: each entry must match at least one difference.
INTENDED: tuple[Intended, ...] = (
    Intended("runs", "assumption_hash",
             "the default assumption set's files changed without changing a value used: "
             "liability_map.csv added (issue 14 item 4, liabilities mapped by the set) and "
             "[exposure] days_per_year replaced by a [day_count] section (item 6, day counts "
             "named and chosen in the set); issue 15 added stress_scenarios.csv, the [stochastic] "
             "and [stress] sections and projection.csv's mean claims of the stochastic "
             "claims, which no close reads unless [stress] at_close; issue 16 added "
             "management_actions.csv, plan.csv, asset_yields.csv and the [forecast] section, "
             "which only a projection reads; every result table is unchanged"),
    Intended("run_notes", "*table*",
             "a run's notes stored as a list, one a row (migration 13): the "
             "notes hold '; ' themselves, so the report model no longer splits runs.notes by "
             "guessing; runs.notes is kept, joined as before, and is unchanged"),
    *(Intended(table, "*table*",
               "what a stress check and a projection read, kept with every close (issue 15, "
               "migration 14; issue 16 adds the flows earned_premium and expiring_premium): "
               "per product rates and horizon, claims by month of occurrence, settlement "
               "shares, recoveries and grants, the assets by product, class and issuer and "
               "their flows; a new table, every earlier table unchanged")
      for table in ("stress_products", "stress_flows", "asset_positions", "asset_flows")),
    *(Intended(table, "*table*",
               "a stress check's results and lineage (issue 15, migration 15): a close writes "
               "no rows to them (present, empty)")
      for table in ("stress_metrics", "stress_reverse", "stress_stochastic", "stress_lineage")),
    *(Intended(table, "*table*",
               "a forward projection's results and lineage (issue 16, migration 16): a close "
               "writes no rows to them (present, empty)")
      for table in ("projection_values", "projection_events", "projection_lineage")),
    *(Intended(table, "*table*",
               "a social health budget's runs (issue 17, migration 17): not a close's tables, "
               "empty in a store of closes")
      for table in ("budget_runs", "budget_scenarios", "budget_values")),
)


@dataclass(frozen=True)
class Difference:
    """One difference: ``key`` is the row's key (``""`` for a table- or column-level one)."""

    table: str
    key: str
    column: str
    old: str
    new: str

    def line(self) -> str:
        where = f"{self.table} [{self.key}]" if self.key else self.table
        return f"{where} {self.column}: {self.old} -> {self.new}"


@dataclass(frozen=True)
class Outcome:
    """The differences that fail, the intended ones, unused intended entries and notes."""

    failing: tuple[Difference, ...]
    intended: tuple[tuple[Difference, Intended], ...]
    unused: tuple[Intended, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failing and not self.unused

    def report(self, limit: int = 12) -> str:
        """Readable lines: at most ``limit`` differences per (table, column)."""
        lines: list[str] = []
        if self.failing:
            lines.append(f"{len(self.failing)} difference(s):")
            lines += _capped([d.line() for d in self.failing], self.failing, limit)
        if self.intended:
            lines.append(f"{len(self.intended)} intended difference(s):")
            diffs = [d for d, _ in self.intended]
            lines += _capped([f"{d.line()}  ({i.reason})" for d, i in self.intended], diffs, limit)
        for entry in self.unused:
            lines.append(f"intended difference that no longer occurs: {entry}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines) if lines else "identical"


def _capped(lines: list[str], diffs, limit: int) -> list[str]:
    out, seen = [], {}
    for text, d in zip(lines, diffs, strict=True):
        n = seen[(d.table, d.column)] = seen.get((d.table, d.column), 0) + 1
        if n <= limit:
            out.append("  " + text)
        elif n == limit + 1:
            more = sum(1 for x in diffs if (x.table, x.column) == (d.table, d.column)) - limit
            out.append(f"  ... {more} more in {d.table}.{d.column}")
    return out


# --- reading and normalising ---------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The normalised tables of a store (or of the golden files) and each table's key columns."""

    tables: Mapping[str, pa.Table]
    keys: Mapping[str, tuple[str, ...]]


def read_store(path: Path | str) -> Snapshot:
    """Every table of the store at ``path``, normalised (see the module docstring)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
        ).fetchall() if r[0] not in SKIPPED_TABLES]
        pks = {t: tuple(cols) for t, cols in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'main'").fetchall()}
        raw = {t: con.sql(f'SELECT * FROM "{t}"').to_arrow_table() for t in names}
    finally:
        con.close()
    runs = sorted(raw["runs"].column("run_id").to_pylist()) if "runs" in raw else []
    ordinal = {run: i + 1 for i, run in enumerate(runs)}
    tables, keys = {}, {}
    for name, table in raw.items():
        table = _normalised(name, table, ordinal)
        key = tuple(c for c in pks.get(name, ()) if c in table.column_names)
        keys[name] = key or _default_key(table)
        tables[name] = _sorted(table, keys[name])
    return Snapshot(tables, keys)


def _is_run_id(column: str) -> bool:
    return column == "run_id" or column.endswith("_run_id")


def _normalised(name: str, table: pa.Table, ordinal: Mapping[int, int]) -> pa.Table:
    table = table.drop_columns([c for c in VOLATILE.get(name, ()) if c in table.column_names])
    for i, column in enumerate(table.column_names):
        if _is_run_id(column):
            runs = [None if r is None else ordinal.get(r, -r) for r in table[column].to_pylist()]
            table = table.set_column(i, column, pa.array(runs, pa.int64()))
    return table


def _default_key(table: pa.Table) -> tuple[str, ...]:
    return tuple(f.name for f in table.schema if not pa.types.is_floating(f.type))


def _sort_value(v):
    return (v is not None, v if v is not None else 0)


def _sorted(table: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """Rows sorted by ``key`` then by every column (so equal keys come in a fixed order)."""
    columns = [table[c].to_pylist() for c in (*key, *table.column_names)]
    order = sorted(range(table.num_rows),
                   key=lambda i: tuple(_sort_value(_cell(col[i])) for col in columns))
    return table.take(pa.array(order, pa.int64()))


def _cell(v):
    """A sortable form of a cell: floats by value with NaN last, everything else as is."""
    if isinstance(v, float) and v != v:
        return float("inf")
    return v


# --- golden files ----------------------------------------------------------------------------


def write_golden(snapshot: Snapshot, folder: Path, extra: Mapping | None = None) -> None:
    """One parquet file per table in ``folder`` and a manifest of the key columns (+ ``extra``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    for name, table in snapshot.tables.items():
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    manifest = {"keys": {t: list(k) for t, k in snapshot.keys.items()}, **(extra or {})}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def read_golden(folder: Path) -> Snapshot:
    """The snapshot written by ``write_golden`` in ``folder``."""
    manifest = json.loads((folder / MANIFEST).read_text())
    tables = {p.stem: pq.read_table(p) for p in sorted(folder.glob("*.parquet"))}
    return Snapshot(tables, {t: tuple(k) for t, k in manifest["keys"].items()})


# --- comparison ------------------------------------------------------------------------------


def compare(old: Snapshot, new: Snapshot, intended: Iterable[Intended] = INTENDED) -> Outcome:
    """Every difference between ``old`` and ``new``, split by ``intended``."""
    intended = tuple(intended)
    diffs: list[Difference] = []
    notes: list[str] = []
    scenario: list[str] = []
    for name in sorted(set(old.tables) | set(new.tables)):
        if name not in new.tables:
            diffs.append(Difference(name, "", "*table*", "present", "missing"))
        elif name not in old.tables:
            rows = new.tables[name].num_rows
            diffs.append(Difference(name, "", "*table*", "missing", f"present ({rows} rows)"))
        else:
            diffs += compare_table(name, old.tables[name], new.tables[name], old.keys[name],
                                   scenario)
    if scenario:
        notes.append(f"a scenario column (all '{BASE_SCENARIO}') accepted in {len(scenario)} "
                     f"table(s): {', '.join(scenario)}")
    failing, matched, used = [], [], set()
    for d in diffs:
        entry = next((i for i in intended if i.matches(d)), None)
        if entry is None:
            failing.append(d)
        else:
            matched.append((d, entry))
            used.add(entry)
    unused = tuple(i for i in intended if i not in used)
    return Outcome(tuple(failing), tuple(matched), unused, tuple(notes))


def compare_table(name: str, old: pa.Table, new: pa.Table, key: tuple[str, ...],
                  scenario: list[str] | None = None) -> list[Difference]:
    """The differences between two normalised tables, rows matched by ``key``; the name of a
    table whose base ``scenario`` column was accepted is appended to ``scenario``."""
    diffs: list[Difference] = []
    new = _without_base_scenario(name, old, new, scenario)
    for column in old.column_names:
        if column not in new.column_names:
            diffs.append(Difference(name, "", column, "column present", "column missing"))
        elif old.schema.field(column).type != new.schema.field(column).type:
            diffs.append(Difference(name, "", column, f"type {old.schema.field(column).type}",
                                    f"type {new.schema.field(column).type}"))
    for column in new.column_names:
        if column not in old.column_names:
            diffs.append(Difference(name, "", column, "column missing", "column present"))
    if any(k not in new.column_names for k in key):
        return diffs + [Difference(name, "", "*rows*", "key " + ", ".join(key),
                                   "key columns missing: rows not compared")]
    old_rows, new_rows = _row_index(old, key), _row_index(new, key)
    for k in sorted(set(old_rows) - set(new_rows), key=_row_order):
        diffs.append(Difference(name, _key_text(key, k), "*row*", "present", "missing"))
    for k in sorted(set(new_rows) - set(old_rows), key=_row_order):
        diffs.append(Difference(name, _key_text(key, k), "*row*", "missing", "present"))
    common = sorted(set(old_rows) & set(new_rows), key=_row_order)
    io = pa.array([old_rows[k] for k in common], pa.int64())
    inew = pa.array([new_rows[k] for k in common], pa.int64())
    for column in old.column_names:
        if column in key or column not in new.column_names:
            continue
        a, b = old[column].take(io), new[column].take(inew)
        for j in np.flatnonzero(~_equal_cells(a, b)):
            diffs.append(Difference(name, _key_text(key, common[j]), column,
                                    _shown(a[int(j)].as_py()), _shown(b[int(j)].as_py())))
    return diffs


def _without_base_scenario(name: str, old: pa.Table, new: pa.Table,
                           accepted: list[str] | None) -> pa.Table:
    """``new`` without a ``scenario`` column that the golden lacks and that holds only 'base'."""
    if SCENARIO_COLUMN in old.column_names or SCENARIO_COLUMN not in new.column_names:
        return new
    values = set(new[SCENARIO_COLUMN].to_pylist())
    if values - {BASE_SCENARIO}:
        return new  # reported as an extra column
    if accepted is not None:
        accepted.append(name)
    return new.drop_columns([SCENARIO_COLUMN])


def _row_index(table: pa.Table, key: tuple[str, ...]) -> dict[tuple, int]:
    """Row position by key value; a repeated key gets an occurrence number appended."""
    columns = [table[c].to_pylist() for c in key]
    index: dict[tuple, int] = {}
    for i in range(table.num_rows):
        k = tuple(_cell(col[i]) for col in columns)
        n = 0
        while (*k, n) in index:
            n += 1
        index[(*k, n)] = i
    return index


def _row_order(k: tuple) -> tuple:
    return tuple(_sort_value(v) for v in k)


def _key_text(key: tuple[str, ...], k: tuple) -> str:
    text = ", ".join(f"{c}={v}" for c, v in zip(key, k, strict=False))
    return text + (f" (#{k[-1] + 1})" if k[-1] else "")


# two nonzero floats of one sign this close (relative) are equal (module docstring)
FLOAT_RTOL = 1e-12


def _equal_cells(a: pa.ChunkedArray, b: pa.ChunkedArray) -> np.ndarray:
    """Cell-wise equality: nulls equal nulls; floats bit for bit with every NaN equal, or
    nonzero of one sign within ``FLOAT_RTOL``."""
    null_a = np.asarray(a.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    null_b = np.asarray(b.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_floating(a.type) and pa.types.is_floating(b.type):
        x = np.asarray(a.cast(pa.float64()).fill_null(0.0).to_numpy(), dtype=np.float64)
        y = np.asarray(b.cast(pa.float64()).fill_null(0.0).to_numpy(), dtype=np.float64)
        same = (x.view(np.int64) == y.view(np.int64)) | (np.isnan(x) & np.isnan(y))
        with np.errstate(invalid="ignore"):
            near = ((x != 0) & (np.sign(x) == np.sign(y))
                    & (np.abs(x - y) <= FLOAT_RTOL * np.maximum(np.abs(x), np.abs(y))))
        same |= near
    else:
        xs, ys = a.to_pylist(), b.to_pylist()
        same = np.array([u == v and type(u) is type(v) for u, v in zip(xs, ys, strict=True)],
                        dtype=bool)
    return np.where(null_a | null_b, null_a & null_b, same)


def _shown(v) -> str:
    """A cell as text: floats with the shortest repr that reads back to the same bits."""
    return repr(v) if isinstance(v, float) else str(v)
