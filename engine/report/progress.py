"""Progress of a close on stderr, and each date's line on stdout as its run is stored.

On a terminal, a progress bar (rich) shows the date and the stage being closed; when stderr
is not a terminal (a pipe, a log file), each stage done is one plain line
``reserva: 2025-03-31 (2/8): claims done in 1.24 s``; ``quiet`` shows no progress at all.
The data pack's warnings are always printed, as ``reserva: warning: ...`` lines. When a
close of several dates stops (an error, Ctrl-C), one line says which dates were stored (with
their run ids) and which were not, before the error itself.

The display is told what happens through the methods of ``reserva.batch.CloseListener``
(``waiting``, ``read``, ``stage``, ``stored``, ``skipped``); it never computes anything.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from reserva.store.lock import describe

# the stages of a stored close after the pack is read (reserva.pipeline); the bar's unit per date
STAGES = ("upr", "claims", "accrued", "projection", "statements", "liquidity", "kpi",
          "assemble", "store")


class CloseProgress:
    """A ``CloseListener`` for the command line; use it as a context manager around the close.

    Parameters
    ----------
    out : the console of the results (stdout).
    err : the console of the progress, warnings and errors (stderr).
    store : the store written (shown in each date's line).
    quiet : no progress (the date lines and warnings are still printed).
    """

    def __init__(self, out: Console, err: Console, *, store: Path, quiet: bool = False):
        self.out, self.err, self.store, self.quiet = out, err, store, quiet
        self.dates: list[str] = []
        self.stored_runs: list[tuple[str, int]] = []
        self.skipped_runs: list[tuple[str, int]] = []
        self._bar: Progress | None = None
        self._task = None
        self._done = 0  # stages done in the current date
        self._t = time.perf_counter()

    # -- context ---------------------------------------------------------------------------
    def __enter__(self) -> CloseProgress:
        if not self.quiet and self.err.is_terminal:
            self._bar = Progress(
                SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                TaskProgressColumn(), TimeElapsedColumn(), console=self.err, transient=True,
                redirect_stdout=False, redirect_stderr=False)
            self._task = self._bar.add_task("reading the data pack", total=None)
            self._bar.start()
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if exc is not None and len(self.dates) > 1:
            self._err_line(self.stopped_line())
        return False

    # -- CloseListener ---------------------------------------------------------------------
    def waiting(self, holder: dict) -> None:
        self._err_line(f"reserva: waiting for another close writing to {self.store} "
                       f"({describe(holder)})")

    def read(self, pack, dates: list) -> None:
        self.dates = [str(d) for d in dates]
        for warning in getattr(pack, "warnings", ()):
            self._err_line(f"reserva: warning: {warning}")
        seconds = self._lap()
        if self._bar is not None:
            self._bar.update(self._task, total=len(dates) * len(STAGES), completed=0,
                             description=self._where(0, "starting"), refresh=True)
        elif not self.quiet:
            span = self.dates[0] if len(dates) == 1 else f"{self.dates[0]} .. {self.dates[-1]}"
            self._err_line(f"reserva: data pack read in {seconds:.2f} s; closing {len(dates)} "
                           f"date{'s' if len(dates) != 1 else ''} ({span})")

    def stage(self, position: int, valuation_date, stage: str) -> None:
        seconds = self._lap()
        if stage == "read":  # the pack was read once, before the first date
            return
        self._done += 1
        if self._bar is not None:
            self._bar.update(
                self._task, description=self._where(position, f"{stage} done"),
                completed=position * len(STAGES) + min(self._done, len(STAGES) - 1),
                refresh=True)
        elif not self.quiet:
            self._err_line(f"reserva: {self._where(position, stage)} done in {seconds:.2f} s")

    def stored(self, position: int, result) -> None:
        self._date_done(position)
        if result.run_id is not None:
            self.stored_runs.append((str(result.valuation_date), result.run_id))
        self._out_line(
            f"run {result.run_id}: closed {result.period_start} .. {result.valuation_date} "
            f"(opening from {result.opening_source}) in {result.timings['total']:.2f} s "
            f"-> {self.store}")

    def skipped(self, position: int, skip) -> None:
        self._date_done(position)
        self.skipped_runs.append((str(skip.valuation_date), skip.run_id))
        self._out_line(skip.message)

    # -- lines -----------------------------------------------------------------------------
    def stopped_line(self) -> str:
        """Which dates were stored and which were not, when a close of several dates stops."""
        done = {d for d, _ in self.stored_runs} | {d for d, _ in self.skipped_runs}
        parts = []
        if self.stored_runs:
            parts.append("stored " + ", ".join(f"{d} (run {r})" for d, r in self.stored_runs))
        if self.skipped_runs:
            parts.append("already closed " + ", ".join(
                f"{d} (run {r})" for d, r in self.skipped_runs))
        left = [d for d in self.dates if d not in done]
        parts.append("not closed " + ", ".join(left) if left else "every date closed")
        head = (f"reserva: the close stopped after {len(done)} of {len(self.dates)} dates"
                if done else f"reserva: the close stopped before any of its {len(self.dates)} "
                             "dates was stored")
        return f"{head}: " + "; ".join(parts)

    def _where(self, position: int, what: str) -> str:
        return f"{self.dates[position]} ({position + 1}/{len(self.dates)}): {what}"

    def _date_done(self, position: int) -> None:
        self._done = 0
        self._lap()
        if self._bar is not None:
            self._bar.update(self._task, completed=(position + 1) * len(STAGES))

    def _lap(self) -> float:
        now = time.perf_counter()
        seconds, self._t = now - self._t, now
        return seconds

    def _err_line(self, text: str) -> None:
        console = self._bar.console if self._bar is not None else self.err
        console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def _out_line(self, text: str) -> None:
        # on one terminal, printed through the bar's console so the bar is redrawn below it
        if self._bar is not None and self.out.is_terminal:
            self._bar.console.print(text, markup=False, highlight=False, emoji=False,
                                    soft_wrap=True)
        else:
            self.out.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
