"""Several period ends in one call: ``close_many`` over the close of ``reserva.pipeline``.

::

    lock the store (when writing) -> read the pack once -> refuse a bad date before any close
      -> for each distinct date, in date order: the close (``reserva.pipeline.close``), or
         ``Skipped`` when its latest completed run used the same data, set and edition

A front end follows the batch through a ``CloseListener`` (the CLI's progress display is one).
The batch calls the pipeline's ``read_pack`` and ``close`` through that module, so that
replacing them there (a test does) reaches the batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from reserva import pipeline
from reserva.errors import AlreadyClosed
from reserva.io.arrays import day
from reserva.io.assumptions import AssumptionSet, load_assumptions
from reserva.io.bundles import bundle
from reserva.io.readers import DataPack
from reserva.period import valuation_day
from reserva.pipeline import CloseResult, check_date
from reserva.store import db as store_db
from reserva.store.lock import close_lock

__all__ = ["CloseListener", "Skipped", "close_many"]


@dataclass(frozen=True)
class Skipped:
    """A date ``close_many`` did not close again: its latest completed run (``run_id``) used
    the same data, assumptions and edition; ``message`` says so."""

    valuation_date: dt.date
    run_id: int
    message: str


class CloseListener:
    """What ``close_many`` reports as it goes. Each method does nothing here; a front end
    (the CLI's progress display) overrides the ones it shows."""

    def waiting(self, holder: dict) -> None:
        """Another close holds the store; waiting for it (``holder``: its pid, host, start)."""

    def read(self, pack: DataPack, dates: list) -> None:
        """The data pack is read and valid; ``dates`` will be closed in this order."""

    def stage(self, position: int, valuation_date, stage: str) -> None:
        """A stage of the close of ``dates[position]`` is done."""

    def stored(self, position: int, result: CloseResult) -> None:
        """The close of ``dates[position]`` is done (and stored, when writing)."""

    def skipped(self, position: int, skip: Skipped) -> None:
        """``dates[position]`` is already closed with the same data and assumptions."""


def close_many(data_dir: Path | str, valuation_dates, *, write: bool = True,
               rerun: bool = False, wait: float = 0.0, listener: CloseListener | None = None,
               **kwargs) -> list[CloseResult | Skipped]:
    """Close several valuation dates in date order, each once, reading the pack once.

    When writing, the store's close lock is held across all the dates
    (taken before the pack is read), and a date already closed with the same data,
    assumptions and edition is skipped (a ``Skipped`` in the list) unless ``rerun``.

    Parameters
    ----------
    data_dir : the data pack's folder.
    valuation_dates : dates (``YYYY-MM-DD`` or ``datetime.date``); a repeated date is closed once.
    write : store each date's run (``close``'s ``write``).
    rerun : close a date again even when its latest run used the same data and assumptions.
    wait : seconds to wait for another close of the same store; 0 fails at once (StoreError).
    listener : told of the waiting, the pack read, each stage, each date stored or skipped.
    **kwargs : passed to ``close`` (``assumptions``, ``store``, ``edition``, ...).

    Returns
    -------
    One ``CloseResult`` or ``Skipped`` per distinct date, in date order. A date the close
    would refuse (input window, before the data, snapshot too old) is refused before any date
    is closed; when a later stage of a date fails, the error propagates and the dates before
    it are stored (``listener.stored`` said which).
    """
    listener = listener or CloseListener()
    data_dir = Path(data_dir)
    dates = distinct_dates(valuation_dates)
    a = kwargs.pop("assumptions", "default")
    a = a if isinstance(a, AssumptionSet) else load_assumptions(a)
    store = kwargs.pop("store", None)
    store = Path(store) if store is not None else data_dir / store_db.DEFAULT_NAME
    lock = contextlib.nullcontext()
    if write:
        store_db.check(store)
        lock = close_lock(store, wait=wait, on_wait=listener.waiting)
    user_progress = kwargs.pop("progress", None)
    out: list[CloseResult | Skipped] = []
    with lock:
        started = time.perf_counter()  # the first date's timings include the pack's reading
        pack = kwargs.pop("pack", None) or pipeline.read_pack(data_dir, limits=a)
        check_dates(pack, dates, a)
        listener.read(pack, dates)
        for i, d in enumerate(dates):
            def progress(stage: str, i=i, d=d) -> None:
                listener.stage(i, d, stage)
                if user_progress is not None:
                    user_progress(stage)

            try:
                r = pipeline.close(data_dir, d, assumptions=a, store=store, pack=pack,
                                   write=write, rerun=rerun, progress=progress,
                                   started=started if i == 0 else None, **kwargs)
            except AlreadyClosed as exc:
                skip = Skipped(exc.valuation_date, exc.run_id, str(exc))
                listener.skipped(i, skip)
                out.append(skip)
                continue
            listener.stored(i, r)
            out.append(r)
    return out


def check_dates(pack: DataPack, dates, a: AssumptionSet) -> None:
    """Refuse, before any date is closed, a date the close would refuse on its own: outside
    the input window, before the data, or too long after the latest snapshot (InputError)."""
    inputs = bundle(pack)
    for d in dates:
        check_date(inputs, valuation_day(d, a), a)


def distinct_dates(valuation_dates) -> list:
    """The dates in date order, each once (a text the close will refuse kept, at the end)."""
    def key(d):
        try:
            return (0, day(d))
        except (ValueError, TypeError, OverflowError):
            return (1, str(d))

    seen: set = set()
    out = []
    for d in sorted(valuation_dates, key=key):
        if key(d) not in seen:
            seen.add(key(d))
            out.append(d)
    return out
