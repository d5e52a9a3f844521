"""Two closes on one store: the close lock is taken before the pack is read, so the second close
waits (``--wait``) or fails at once naming the first; readers work while a close computes; a
waiting close that finds its date closed by the first stores nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from reserva.cli import main
from reserva.store import runs as store_runs
from reserva.store.lock import close_lock, close_lock_path, io_lock
from tests.conftest import write_pack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pack_and_store(tmp_path, capsys):
    pack = write_pack(tmp_path / "pack")
    store = tmp_path / "s.duckdb"
    assert main(["close", str(pack), "--valuation-date", "2024-12-31", "--store", str(store),
                 "--quiet"]) == 0
    capsys.readouterr()
    return pack, store


class Holder:
    """Another thread holding a lock of the store until released (as another process would)."""

    def __init__(self, lock):
        self.taken, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(lock,), daemon=True)

    def _hold(self, lock):
        with lock:
            self.taken.set()
            self.release.wait(60)

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(30)


def _runs(store):
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("SELECT * FROM runs ORDER BY run_id").fetchall()
    finally:
        con.close()


def test_a_second_close_fails_at_once_and_readers_keep_working(pack_and_store, capsys):
    pack, store = pack_and_store
    before = _runs(store)
    with Holder(close_lock(store)):
        started = time.perf_counter()
        code = main(["close", str(pack), "--valuation-date", "2025-03-31", "--store", str(store)])
        _, err = capsys.readouterr()
        assert code == 3
        assert re.fullmatch(
            rf"reserva: another close is writing to {re.escape(str(store))} \(started "
            rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC, pid {os.getpid()} on [^)]+\); fix: wait for "
            r"it to finish, or pass --wait SECONDS to wait for it\n", err), err
        assert time.perf_counter() - started < 30  # before reading the pack or computing
        for argv, shown in ((["runs"], "2024-12-31"), (["kpi", "--format", "json"], '"run_id": 1')):
            code = main([*argv, "--store", str(store)])
            out, err = capsys.readouterr()
            assert (code, err) == (0, "") and shown in out
    assert _runs(store) == before
    assert close_lock_path(store).read_text() == ""  # the holder's note is cleared on release


def test_a_close_with_wait_closes_once_the_other_is_done(pack_and_store, capsys):
    pack, store = pack_and_store
    holder = Holder(close_lock(store))
    with holder:
        threading.Timer(0.5, holder.release.set).start()
        code = main(["close", str(pack), "--valuation-date", "2025-03-31", "--store", str(store),
                     "--wait", "60", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err.startswith(f"reserva: waiting for another close writing to {store} (started ")
    assert "run 2: closed 2024-12-31 .. 2025-03-31 (opening from store)" in out


def test_a_wait_that_runs_out_is_exit_3(pack_and_store, capsys):
    pack, store = pack_and_store
    with Holder(close_lock(store)):
        code = main(["close", str(pack), "--valuation-date", "2025-03-31", "--store", str(store),
                     "--wait", "0.3", "--quiet"])
    _, err = capsys.readouterr()
    assert code == 3
    assert err.splitlines()[-1].startswith(f"reserva: another close is writing to {store} (")
    assert "after waiting 0.3 s; fix: wait for it to finish" in err.splitlines()[-1]


def test_a_reader_waits_for_a_write_instead_of_failing(pack_and_store, capsys):
    _, store = pack_and_store
    holder = Holder(io_lock(store, exclusive=True))
    with holder:
        threading.Timer(0.3, holder.release.set).start()
        frame = store_runs.list_runs(store)  # blocks until the "write" ends, then reads
    assert list(frame["run_id"]) == [1]


# A close in another process that stops, before its opening-reserve lookup, until told to go on.
PAUSED_CLOSE = textwrap.dedent("""
    import sys, time
    from pathlib import Path

    import reserva.store.runs as store_runs
    from reserva.cli import main

    flag, go = Path(sys.argv[1]), Path(sys.argv[2])
    real = store_runs.opening_reserves

    def paused(*args, **kwargs):
        flag.touch()
        while not go.exists():
            time.sleep(0.02)
        return real(*args, **kwargs)

    store_runs.opening_reserves = paused
    sys.exit(main(sys.argv[3:]))
""")


def _reserva(*argv, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "reserva.cli", *map(str, argv)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _until(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_two_closes_in_two_processes(pack_and_store, tmp_path):
    pack, store = pack_and_store
    flag, go = tmp_path / "computing", tmp_path / "go"
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSED_CLOSE, flag, go, "close", pack, "--valuation-date",
         "2025-03-31", "--store", store, "--quiet"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _until(flag.exists)  # the first close is computing, under the lock
        # without --wait: refused at once, naming the first, before any stage ran
        second = _reserva("close", pack, "--valuation-date", "2025-03-31", "--store", store)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 3, err
        assert err.startswith(f"reserva: another close is writing to {store} (started ")
        assert f"pid {first.pid} " in err and "done in" not in err and out == ""
        # readers work meanwhile
        reader = _reserva("runs", "--store", store)
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0 and err == "" and "2024-12-31" in out
        # with --wait: waits, then finds 2025-03-31 closed by the first and closes the next date
        waiting = _reserva("close", pack, "--valuation-date", "2025-03-31", "--valuation-date",
                           "2025-06-30", "--store", store, "--wait", "300", "--quiet")
        err_lines: list[str] = []
        drain = threading.Thread(target=lambda: err_lines.extend(waiting.stderr), daemon=True)
        drain.start()
        _until(lambda: err_lines)  # it says it waits, naming the first close
        assert err_lines[0].startswith(f"reserva: waiting for another close writing to {store} ")
        assert f"pid {first.pid} " in err_lines[0]
        go.touch()
        out, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
        assert out.startswith("run 2: closed 2024-12-31 .. 2025-03-31 (opening from store)")
        out = waiting.stdout.read()
        waiting.wait(timeout=300)
        drain.join(60)
        assert waiting.returncode == 0, err_lines
        assert len(err_lines) == 1
        assert out.splitlines() == [
            "2025-03-31 is already closed by run 2 with the same data and assumptions; pass "
            "--rerun to close it again",
            f"run 3: closed 2025-03-31 .. 2025-06-30 (opening from store) in "
            f"{out.splitlines()[1].split(' in ')[1]}",
        ]
    finally:
        go.touch()
        first.kill()
        first.wait()
    runs = store_runs.list_runs(store)
    assert list(runs["run_id"]) == [1, 2, 3]
    assert list(runs["opening_run"].fillna(0).astype(int)) == [0, 1, 2]
