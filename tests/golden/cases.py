"""The golden cases: which pack is closed at which dates, by the engine of a given import name.

* ``sample``: the sample pack of ``SAMPLE_POLICIES`` policies (the generator's default seed),
  closed at two consecutive quarter ends in one store (the second opens from the first); 40,000
  policies give every product enough claims for its own IBNR method (chain ladder, BF, Mack)
  rather than the thin-data fallback;
* ``table9``: the pack with every Table 9 kind of ``tests/reserves/accrued/test_alr_close.py``,
  closed at 2024-12-31;
* ``handmade``: the hand-written health fund ``tests/data/handmade`` at its first quarter end
  and the next one, in one store.

Nothing here imports the engine at module level: the engine is imported by name (``engine``
for trees before issue 14, ``reserva`` from then on), so the golden files can be rebuilt from
an older tree (``tests/golden/build.py``) with the same code that the test runs today.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.golden.trees import close_function

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_POLICIES = 40_000


def _sample(folder: Path, import_name: str) -> None:
    generate = importlib.import_module(f"{import_name}.sample.generate")
    generate.write_sample(folder, policies=SAMPLE_POLICIES)


def _table9(folder: Path, import_name: str) -> None:
    from tests.conftest import write_pack
    from tests.reserves.accrued.test_alr_close import PACK

    write_pack(folder, PACK)


def _handmade(folder: Path, import_name: str) -> None:
    shutil.copytree(ROOT / "tests" / "data" / "handmade", folder)


@dataclass(frozen=True)
class Case:
    """A pack (written by ``writer`` into a folder) closed at ``dates`` in one store, in order.
    ``generated``: the pack comes from the engine's own sample generator."""

    name: str
    dates: tuple[str, ...]
    writer: Callable[[Path, str], None]
    generated: bool = False

    def write_pack(self, folder: Path, import_name: str) -> Path:
        self.writer(folder, import_name)
        return folder

    def close(self, pack: Path, store: Path, import_name: str) -> None:
        """Close every date of the case into ``store`` with the engine ``import_name``."""
        close = close_function(import_name)
        for date in self.dates:
            close(pack, date, store=store)


CASES: dict[str, Case] = {c.name: c for c in (
    Case("sample", ("2025-09-30", "2025-12-31"), _sample, generated=True),
    Case("table9", ("2024-12-31",), _table9),
    Case("handmade", ("2024-03-31", "2024-06-30"), _handmade),
)}


def pack_hashes(folder: Path, without: dict[str, tuple[str, ...]] | None = None
                ) -> dict[str, str]:
    """sha256 of every file of a pack, by file name; ``without`` {file: columns}: the hash of
    that CSV file with those columns taken out (written back as the generator writes, ``\n``
    rows, minimal quoting), to compare a pack that gained columns with the one before."""
    out = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file():
            continue
        data = p.read_bytes()
        drop = (without or {}).get(p.name)
        if drop:
            rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
            keep = [i for i, c in enumerate(rows[0]) if c not in drop]
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows([[r[i] for i in keep] for r in rows])
            data = text.getvalue().encode()
        out[p.name] = hashlib.sha256(data).hexdigest()
    return out


def run_case(case: Case, workdir: Path, import_name: str) -> tuple[Path, Path]:
    """Write the case's pack into ``workdir/pack`` (unless there already) and close it into a
    new store ``workdir/store.duckdb``; returns (pack, store)."""
    pack, store = workdir / "pack", workdir / "store.duckdb"
    if not pack.exists():
        case.write_pack(pack, import_name)
    store.unlink(missing_ok=True)
    case.close(pack, store, import_name)
    return pack, store
