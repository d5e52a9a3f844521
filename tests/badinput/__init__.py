"""Helpers of the bad-input catalogue and the pack-mutation property test.

``build_base`` writes a small sample data pack and a store holding one completed run of it;
``Pack`` edits a copy of such a pack cell by cell (every file read and written with the ``csv``
module, so any text survives quoting); ``run_cli`` runs the command line in-process and returns
its exit code and output; ``memory_guard`` caps the address space while a close runs, so an
engine that allocates arrays by date span fails with ``MemoryError`` instead of exhausting the
machine.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_POLICIES = 150
BASE_SEED = 13
BASE_DATE = "2025-12-31"  # the sample's extract date: the store holds a run at this date


def build_base(folder: Path, *, policies: int = BASE_POLICIES) -> tuple[Path, Path]:
    """A sample pack in ``folder/pack`` and a store ``folder/store.duckdb`` with one run."""
    from reserva.cli import main
    from reserva.sample.generate import write_sample

    pack = folder / "pack"
    write_sample(pack, policies=policies, seed=BASE_SEED, history_start="2021-01-01",
                 valuation_date=BASE_DATE)
    store = folder / "store.duckdb"
    with memory_guard():
        code = main(["close", str(pack), "--valuation-date", BASE_DATE, "--store", str(store),
                     "--quiet"])
    assert code == 0, "the base pack must close"
    return pack, store


def digest(path: Path) -> str | None:
    """sha256 of a file's bytes (None when it does not exist)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


@dataclass
class Table:
    """One CSV file of a pack as a header and rows of text (line of row k = k + 2)."""

    file: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def col(self, name: str) -> int:
        return self.header.index(name)

    def find(self, start: int = 0, **where: str) -> int:
        """Position of the first row from ``start`` whose cells equal ``where`` (column=value)."""
        for k, row in enumerate(self.rows):
            if k >= start and all(row[self.col(c)] == v for c, v in where.items()):
                return k
        raise LookupError(f"{self.file}: no row with {where}")

    def get(self, k: int, column: str) -> str:
        return self.rows[k][self.col(column)]

    def set(self, k: int, column: str, value: str) -> None:
        self.rows[k][self.col(column)] = value

    @staticmethod
    def line(k: int) -> int:
        """The file line of row ``k`` (header = line 1; no quoted line breaks before it)."""
        return k + 2

    def where(self, k: int, column: str) -> str:
        """How an error names the cell: ``<file> row <line> column <column>``."""
        return f"{self.file} row {self.line(k)} column {column}"


class Pack:
    """A data pack folder whose CSV tables are edited in memory and written by ``save``."""

    def __init__(self, root: Path):
        self.root = root
        self.tables: dict[str, Table] = {}

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.csv"))

    def __getitem__(self, name: str) -> Table:
        if name not in self.tables:
            text = (self.root / f"{name}.csv").read_text(encoding="utf-8")
            rows = list(csv.reader(io.StringIO(text, newline="")))
            self.tables[name] = Table(f"{name}.csv", rows[0], rows[1:])
        return self.tables[name]

    def add(self, name: str, header: list[str], rows: list[list[str]]) -> Table:
        self.tables[name] = Table(f"{name}.csv", header, rows)
        return self.tables[name]

    def rename(self, column: str, old: str, new: str) -> None:
        """Replace the value ``old`` by ``new`` in ``column`` of every table that has it."""
        for name in self.names():
            t = self[name]
            if column in t.header:
                i = t.col(column)
                for row in t.rows:
                    if row[i] == old:
                        row[i] = new

    def save(self) -> None:
        for name, t in self.tables.items():
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(t.header)
            writer.writerows(t.rows)
            (self.root / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8")


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run_cli(capsys, argv: list[str]) -> Outcome:
    """``reserva.cli.main(argv)`` in-process (under ``memory_guard``), with its captured output."""
    from reserva.cli import main

    capsys.readouterr()
    with memory_guard():
        code = main(list(argv))
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


def _virtual_size() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def memory_guard(headroom_gib: float = 6.0) -> Iterator[None]:
    """Cap the address space at its current size + ``headroom_gib`` while the block runs
    (Linux; elsewhere nothing). A normal close of a small pack needs far less."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on this platform
        yield
        return
    size = _virtual_size()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if size is None:
        yield
        return
    limit = size + int(headroom_gib * 2**30)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
