"""The embedded DuckDB store: connections and migrations."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import duckdb

from engine.errors import StoreError
from engine.store.migrations import MIGRATIONS


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store (migrated to the latest schema when writable)."""
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"store {path} does not exist; fix: run `reserva close` first or pass --store")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    if not read_only:
        migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied, in order; returns their versions."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StoreError(f"migration {version} ({name}) failed: {exc}") from exc
        applied.append(version)
    return applied


@contextlib.contextmanager
def reading(path: Path | str):
    """A read-only connection, or None when the store does not exist yet."""
    path = Path(path)
    if not path.exists():
        yield None
        return
    con = connect(path, read_only=True)
    try:
        yield con
    finally:
        con.close()
