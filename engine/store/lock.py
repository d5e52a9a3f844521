"""Advisory locks beside the store: one close at a time, and no reader meets a writer.

DuckDB lets one process open a database file for writing, and while it does no other process
may open the file at all, not even to read. A close computes for a while, then writes its run
in one short transaction. Two lock files beside the store ``S`` order the processes:

- ``S.lock``, the close lock: a close holds it exclusively from before it reads the data pack
  until its run is stored, so the opening-reserve lookup and the already-closed check happen
  under it. A second close waits up to ``wait`` seconds for it, or fails at once naming the
  process that holds it (the holder writes its pid, host and start time into the file).
  Readers never take it: ``reserva runs`` and ``reserva kpi`` work while a close computes.
- ``S.io.lock``, the access lock: shared while a connection reads the store, exclusive while
  one writes it (a run's transaction, a migration). A reader waits for the write of a run
  instead of failing on DuckDB's file lock, and a write waits for the readers to finish.

Both are ``flock`` locks, released by the system when the process ends however it ends (a
killed close leaves no stale lock). The files stay after use (removing a lock file another
process is waiting on would let two processes in); they hold no results and may be deleted
while no close runs. The close lock is re-entrant within one thread (``close_many`` holds it
across its dates while each ``close`` takes it again). Without ``fcntl`` (Windows) there are
no advisory locks and DuckDB's own file lock is the only guard.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reserva.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - no advisory locks on this platform
    fcntl = None

POLL_SECONDS = 0.05  # how often a waiting close tries the lock again
_held: dict[tuple[str, int], int] = {}  # (store, thread) -> depth of the close lock held


def close_lock_path(store: Path | str) -> Path:
    """The close lock's file: ``<store>.lock``."""
    store = Path(store)
    return store.with_name(store.name + ".lock")


def io_lock_path(store: Path | str) -> Path:
    """The access lock's file: ``<store>.io.lock``."""
    store = Path(store)
    return store.with_name(store.name + ".io.lock")


def holder(store: Path | str) -> dict:
    """What the current holder of the close lock wrote (pid, host, started); {} when unknown."""
    try:
        text = close_lock_path(store).read_text(encoding="utf-8")
        found = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def describe(info: dict) -> str:
    """``started 2025-12-05 10:00:03 UTC, pid 4242 on host`` (the parts that are known)."""
    parts = []
    if info.get("started"):
        parts.append(f"started {info['started']} UTC")
    if info.get("pid"):
        parts.append(f"pid {info['pid']}" + (f" on {info['host']}" if info.get("host") else ""))
    return ", ".join(parts) or "holder unknown"


def busy_message(store: Path | str, wait: float) -> str:
    """The error when another close holds the store's close lock."""
    waited = f" after waiting {wait:g} s" if wait > 0 else ""
    return (f"another close is writing to {store} ({describe(holder(store))}){waited}; fix: wait "
            "for it to finish, or pass --wait SECONDS to wait for it")


@contextlib.contextmanager
def close_lock(store: Path | str, *, wait: float = 0.0,
               on_wait: Callable[[dict], None] | None = None) -> Iterator[None]:
    """Hold the store's close lock (exclusive, re-entrant within a thread).

    Parameters
    ----------
    store : path of the DuckDB store (it need not exist yet; its folder must).
    wait : seconds to wait for another close to finish; 0 fails at once.
    on_wait : called once, with the holder's description, when the lock is busy and we wait.

    Raises
    ------
    StoreError
        Another close holds the lock (after ``wait`` seconds), or the lock file cannot be made.
    """
    store = Path(store)
    key = (str(store.resolve()), threading.get_ident())
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    fd = _open(close_lock_path(store), required=True)
    try:
        if fd is not None and not _acquire(fd, wait, lambda: on_wait and on_wait(holder(store))):
            raise StoreError(busy_message(store, wait))
        if fd is not None:
            _write_holder(fd)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
            if fd is not None:
                os.ftruncate(fd, 0)
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


@contextlib.contextmanager
def io_lock(store: Path | str, *, exclusive: bool) -> Iterator[None]:
    """Hold the store's access lock, shared (reading) or exclusive (writing); blocks until free.

    A reader of a store in a folder it cannot write goes without (there is no writer there).
    """
    fd = _open(io_lock_path(store), required=exclusive)
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _open(path: Path, *, required: bool) -> int | None:
    if fcntl is None:
        return None
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if not required:
            try:
                return os.open(path, os.O_RDONLY)
            except OSError:
                return None
        raise StoreError(f"cannot create the lock file {path}: {exc.strerror}; fix: make the "
                         "store's folder writable or pass another --store") from exc


def _acquire(fd: int, wait: float, on_wait: Callable[[], object]) -> bool:
    """Take the exclusive lock, trying again every POLL_SECONDS for ``wait`` seconds."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            if not told:
                on_wait()
                told = True
            time.sleep(POLL_SECONDS)


def _write_holder(fd: int) -> None:
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started})
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)
