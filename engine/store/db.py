"""The embedded DuckDB store: opening it safely, its schema version, migrations.

A file is checked before DuckDB opens it: an empty file, a file of another format (an SQLite
database would even make DuckDB try to download an extension) or a DuckDB database of another
application (tables but no ``schema_migrations`` of Reserva's migrations) is refused, and so
is a store whose schema is newer than this engine's (a ``schema_migrations`` version above the
last of ``MIGRATIONS``). DuckDB's own failures (a truncated or corrupted file, a file locked by
another program, a file of another DuckDB storage version) become one line saying what is
wrong and how to fix it. Every refusal is a ``StoreError`` (exit 3) and leaves the file as it
was: nothing is written before the checks pass.

Connections are taken through ``reading`` and ``writing``, which hold the store's access lock
(``reserva.store.lock``). A reader finding an older Reserva store applies the missing
migrations first (each adds tables or columns; none changes a stored value: migration 12
rebuilds the result tables with their scenario key, the rows so far being scenario ``base``;
13 adds the table of run notes, empty for the runs stored before it; 14 the four tables a stress
check reads, empty for older runs, which a stress check refuses; 15 the stress results).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from reserva.errors import StoreError
from reserva.store.lock import io_lock
from reserva.store.migrations import MIGRATIONS

DEFAULT_NAME = "reserva.duckdb"  # the store beside the data pack, when none is named
LATEST = max(m[0] for m in MIGRATIONS)
SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at byte 8 of every DuckDB file
FIX_OTHER = ("fix: pass the path of a Reserva store with --store, or a new file name to start "
             "an empty store")
FIX_DAMAGED = ("fix: restore the file from a backup, or pass a new file name with --store to "
               "start an empty store")


def shown(path: Path) -> str:
    """The path as given, and in full when it is relative (so the user sees where we looked)."""
    return str(path) if path.is_absolute() else f"{path} ({path.resolve()})"


def missing_message(path: Path) -> str:
    return (f"no Reserva store at {shown(path)}; fix: pass --store PATH of an existing store, or "
            "create one with `reserva close DATA_DIR --valuation-date YYYY-MM-DD`")


def _no_folder(path: Path) -> str:
    return (f"cannot create store {path}: the folder {path.parent} does not exist; fix: create "
            "the folder or pass another --store")


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store, checked (a Reserva store this engine reads) and, when writable, migrated.

    Prefer ``reading``/``writing``, which also hold the access lock. A writable open creates
    the store when the file does not exist.

    Raises
    ------
    StoreError
        The file is missing (``read_only``), empty, not a DuckDB database, damaged, locked by
        another program, of another application or of a newer schema.
    """
    con, _ = _open(Path(path), read_only=read_only)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied, in order; returns their versions."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if callable(step):
                step(con)
            else:
                con.execute(step)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StoreError(f"migration {version} ({name}) failed: {first_line(exc)}") from exc
        applied.append(version)
    return applied


@contextlib.contextmanager
def reading(path: Path | str, *, missing_ok: bool = False):
    """A read-only connection under the shared access lock (None for a missing store when
    ``missing_ok``; otherwise a missing store is a StoreError naming the path looked at)."""
    path = Path(path)
    if not path.exists():
        if not missing_ok:
            raise StoreError(missing_message(path))
        yield None
        return
    upgraded = False
    while True:  # one open; a second only after an older Reserva store has been migrated
        with io_lock(path, exclusive=False):
            con, applied = _open(path, read_only=True)
            if upgraded or not (applied and len(applied) < len(MIGRATIONS)):
                try:
                    with _reported(path, "read"):
                        yield con
                finally:
                    con.close()
                return
            con.close()
        with io_lock(path, exclusive=True):  # apply the migrations the older store lacks
            _open(path, read_only=False)[0].close()
        upgraded = True


@contextlib.contextmanager
def writing(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable, migrated connection under the exclusive access lock (creates the store)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise StoreError(_no_folder(path))
    with io_lock(path, exclusive=True):
        con, _ = _open(path, read_only=False)
        try:
            with _reported(path, "write"):
                yield con
        finally:
            con.close()


def check(path: Path | str) -> None:
    """Check the store before a close computes: an existing one is read (and migrated when
    older), a missing one needs its folder (it is created at the write)."""
    path = Path(path)
    if path.exists():
        with reading(path):
            pass
    elif not path.parent.is_dir():
        raise StoreError(_no_folder(path))


def _open(path: Path, *, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, set[int]]:
    if path.exists() or read_only:
        _check_file(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(_open_error(path, exc)) from exc
    try:
        applied = _applied(con, path)
        if not read_only:
            migrate(con)
    except BaseException:
        con.close()
        raise
    return con, applied


def _check_file(path: Path) -> None:
    """Refuse what DuckDB should not open: no file, a folder, an empty or foreign file."""
    if not path.exists():
        raise StoreError(missing_message(path))
    if path.is_dir():
        raise StoreError(f"store {path} is a folder, not a file; fix: pass the store's file, "
                         f"e.g. --store {path / 'reserva.duckdb'}")
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read store {path}: {exc.strerror}; fix: check the file's "
                         "permissions or pass another --store") from exc
    if not head:
        raise StoreError(f"store {path} is an empty file (0 bytes), not a Reserva store; "
                         f"{FIX_OTHER} (or delete the empty file)")
    if head.startswith(SQLITE_MAGIC):
        raise StoreError(f"store {path} is an SQLite database, not a Reserva store; {FIX_OTHER}")
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError(f"store {path} is not a DuckDB database (its first bytes are not a "
                         f"DuckDB header), so not a Reserva store; {FIX_OTHER}")


def _applied(con: duckdb.DuckDBPyConnection, path: Path) -> set[int]:
    """Versions of the migrations applied; StoreError for another application's or a newer store."""
    try:
        names = sorted(r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND NOT internal "
            "UNION SELECT view_name FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT internal").fetchall())
    except duckdb.Error as exc:
        raise StoreError(_open_error(path, exc)) from exc
    if not names:
        return set()  # an empty DuckDB database: a new store
    rows = None
    if "schema_migrations" in names:
        with contextlib.suppress(duckdb.Error):
            rows = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    known = {version: name for version, name, _ in MIGRATIONS}
    if not rows or any(v in known and known[v] != n for v, n in rows):
        listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise StoreError(f"store {path} is a DuckDB database of another application (tables "
                         f"{listed}), not a Reserva store; {FIX_OTHER}")
    newest = max(v for v, _ in rows)
    if newest > LATEST:
        raise StoreError(f"store {path} was written by a newer Reserva (schema version {newest}; "
                         f"this Reserva reads up to version {LATEST}); fix: upgrade Reserva "
                         "(pip install --upgrade reserva) or pass another --store")
    return {v for v, _ in rows}


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (DuckDB appends its SQL context below it)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _open_error(path: Path, exc: duckdb.Error) -> str:
    """One line for a failure of DuckDB to open or read the file (never its SQL)."""
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        who = f" (pid {pid.group(1)})" if pid else ""
        return (f"store {path} is open in another program{who}; fix: close that program's "
                "connection to it (a notebook, a DuckDB shell) and try again")
    if "version number" in text or "storage version" in text:
        return (f"store {path} was written by another version of DuckDB ({first_line(exc)}); "
                "fix: open it with the Reserva version that wrote it, or pass another --store")
    if "read enough bytes" in text:
        return f"store {path} is truncated (the file ends before its data); {FIX_DAMAGED}"
    if "Corrupt" in text or "checksum" in text:
        return f"store {path} is corrupted (a block fails its checksum); {FIX_DAMAGED}"
    if "not a valid DuckDB database" in text:
        return f"store {path} is not a valid DuckDB database, so not a Reserva store; {FIX_OTHER}"
    return f"cannot open store {path}: {first_line(exc)}; {FIX_DAMAGED}"


@contextlib.contextmanager
def _reported(path: Path, doing: str) -> Iterator[None]:
    """DuckDB errors while using a connection: damaged files and locks as on opening, others
    as one line (the first of DuckDB's message: never the SQL)."""
    try:
        yield
    except duckdb.Error as exc:
        text = str(exc)
        if any(k in text for k in ("read enough bytes", "Corrupt", "checksum", "Conflicting lock")):
            raise StoreError(_open_error(path, exc)) from exc
        raise StoreError(f"cannot {doing} store {path}: {first_line(exc)}") from exc
