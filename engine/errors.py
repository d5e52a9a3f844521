"""One error hierarchy for the whole engine.

Every error says where, what, what was expected and how to fix it. The CLI turns an
``EngineError`` into lines on stderr and a non-zero exit code, never a traceback::

    EngineError                          exit 1 (base; not raised on its own)
      InputError(ValueError)             exit 2  bad cells of the data pack, every one at once
        ArgumentError                    exit 2  a bad argument of a call or option of a command
      AssumptionError(ValueError)        exit 2  the assumption set is missing, altered, inconsistent
      StoreError                         exit 3  the store cannot be read or written
        AlreadyClosed                    exit 3  the date is closed with the same data and set
      ComputationError                   exit 4  a stage failed on valid input (rolled back)

The errors about values a caller gave (``InputError``, ``ArgumentError``, ``AssumptionError``)
are also ``ValueError``: a library user may catch them as such. An ``ArgumentError`` always
names its argument, what it holds and what was expected; it is an ``InputError`` (an argument
is an input of the call) so that code catching ``InputError`` still catches it, but never one
without cells: ``InputError([])`` is not raised anywhere (a convention test checks the source).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CELL_LINES = 20
ARGUMENT = "argument"  # the ``file`` of a BadCell that is an argument of a call, not a cell


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The message as lines for stderr (one line unless the error lists cells)."""
        return [str(self)]


@dataclass(frozen=True)
class BadCell:
    """One bad cell of an input table: where it is, what it holds, what was expected."""

    file: str
    row: int | None  # line number in the file (header = line 1); None = the whole file/column
    column: str | None
    value: str
    expected: str
    fix: str = ""

    def line(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f" column {self.column}"
        text = f"{where}: value {self.value!r}, expected {self.expected}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text


class InputError(EngineError, ValueError):
    """The data pack (or a single input) is invalid; lists every bad cell at once."""

    exit_code = 2

    def __init__(self, cells: list[BadCell] | BadCell, *, summary: str | None = None):
        self.cells = [cells] if isinstance(cells, BadCell) else list(cells)
        n = len(self.cells)
        files = sorted({c.file for c in self.cells})
        self.summary = summary or (
            f"invalid input: {n} bad cell{'s' if n != 1 else ''} in {', '.join(files)}"
        )
        super().__init__(self.summary)

    def lines(self) -> list[str]:
        shown = [c.line() for c in self.cells[:MAX_CELL_LINES]]
        rest = len(self.cells) - len(shown)
        if rest > 0:
            shown.append(f"... and {rest} more bad cell{'s' if rest != 1 else ''}")
        return [self.summary, *shown]


class ArgumentError(InputError):
    """A bad argument: an unknown name (method, edition, plan), a value out of its range, a date
    that does not parse, a missing or conflicting argument. Exit 2.

    ``cells``: one ``BadCell`` per bad argument (``file`` says what kind of argument, usually
    ``"argument"``; ``column`` names it). Built from cells it prints like an ``InputError``;
    built by ``ArgumentError.bad(...)`` (one argument) it prints one line, which says the
    value, what was expected and the fix.
    """

    def __init__(self, cells: list[BadCell] | BadCell, *, summary: str | None = None):
        super().__init__(cells, summary=summary)
        if not self.cells:
            raise TypeError("an ArgumentError names its argument: give at least one BadCell")
        self._one_line = False

    @classmethod
    def raise_all(cls, cells: list[BadCell], what: str) -> None:
        """Raise every bad argument of ``cells`` at once, nothing when there is none: one bad
        argument prints one line (``<name> <value>: expected ...``), several a summary naming
        ``what`` and a line each."""
        if len(cells) == 1:
            c = cells[0]
            raise cls.bad(c.column, c.value, c.expected, c.fix,
                          summary=f"{c.column} {c.value}: expected {c.expected}"
                          + (f" (fix: {c.fix})" if c.fix else ""))
        if cells:
            raise cls(cells, summary=f"{what}: {len(cells)} bad arguments")

    @classmethod
    def bad(cls, argument: str, value: object, expected: str, fix: str = "", *,
            summary: str | None = None) -> ArgumentError:
        """One bad argument; the line is ``summary`` or ``<argument> <value>: expected ...``."""
        shown = value if isinstance(value, str) else repr(value)
        line = summary or (f"{argument} {value!r}: expected {expected}"
                           + (f" (fix: {fix})" if fix else ""))
        error = cls(BadCell(ARGUMENT, None, argument, shown, expected, fix), summary=line)
        error._one_line = True
        return error

    def lines(self) -> list[str]:
        return [self.summary] if self._one_line else super().lines()


class AssumptionError(EngineError, ValueError):
    """The assumption set is missing, altered (hash mismatch) or inconsistent."""

    exit_code = 2


class StoreError(EngineError):
    """The DuckDB store cannot be read or written, or a requested run does not exist."""

    exit_code = 3


class AlreadyClosed(StoreError):
    """The valuation date's latest completed run used the same data, assumptions and edition:
    nothing is stored (a date is closed again only when asked, ``--rerun``)."""

    def __init__(self, valuation_date, run_id: int):
        self.valuation_date = valuation_date
        self.run_id = run_id
        super().__init__(f"{valuation_date} is already closed by run {run_id} with the same data "
                         "and assumptions; pass --rerun to close it again")


class ComputationError(EngineError):
    """A stage of a run failed on valid input; the run is rolled back."""

    exit_code = 4
