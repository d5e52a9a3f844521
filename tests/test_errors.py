"""The error hierarchy (``reserva.errors``): which errors are ``ValueError``, the CLI's exit code
of each, and the convention that an argument error names its argument (no ``InputError([])``,
an input error without a bad cell, anywhere in the engine's source).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reserva
from reserva.errors import (
    ARGUMENT,
    AlreadyClosed,
    ArgumentError,
    AssumptionError,
    BadCell,
    ComputationError,
    EngineError,
    InputError,
    StoreError,
)
from tests.test_cli import run

ENGINE = Path(reserva.__file__).resolve().parent
CELL = BadCell("policies.csv", 3, "written_premium", "abc", "a decimal number", "write 120.00")

ERRORS = [  # (error, exit code, a ValueError?)
    (EngineError("base"), 1, False),
    (InputError(CELL), 2, True),
    (ArgumentError.bad("edition", 3, "1 or 2"), 2, True),
    (AssumptionError("set altered"), 2, True),
    (StoreError("store busy"), 3, False),
    (AlreadyClosed("2024-12-31", 4), 3, False),
    (ComputationError("stage kpi failed"), 4, False),
]


@pytest.mark.parametrize(("error", "code", "value_error"), ERRORS)
def test_a_library_user_catches_value_errors_where_the_caller_gave_the_value(error, code,
                                                                            value_error):
    assert isinstance(error, EngineError) and error.exit_code == code
    assert isinstance(error, ValueError) is value_error
    caught = None
    try:
        raise error
    except ValueError as exc:
        caught = exc
    except EngineError:
        pass
    assert (caught is error) is value_error


@pytest.mark.parametrize(("error", "code", "value_error"), ERRORS)
def test_the_command_line_exit_code_of_each_error(monkeypatch, capsys, error, code, value_error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("reserva.io.assumptions.load_assumptions", fail)
    exit_code, out, err = run(capsys, "assumptions", "check", "default")
    assert (exit_code, out) == (code, "")
    assert err == "".join(f"reserva: {line}\n" for line in error.lines())


def test_a_plain_value_error_is_still_an_internal_error(monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise ValueError("not raised on purpose")

    monkeypatch.setattr("reserva.io.assumptions.load_assumptions", fail)
    monkeypatch.delenv("RESERVA_DEBUG", raising=False)
    code, _, err = run(capsys, "assumptions", "check", "default")
    assert code == 70 and err.startswith("reserva: internal error: ValueError: ")


def test_an_argument_error_is_an_input_error_that_names_its_argument():
    one = ArgumentError.bad("method", "nope", "one of chainladder, mack", "pick a method")
    assert isinstance(one, InputError)
    assert one.cells == [BadCell(ARGUMENT, None, "method", "nope", "one of chainladder, mack",
                                 "pick a method")]
    assert one.lines() == ["method 'nope': expected one of chainladder, mack (fix: pick a method)"]
    said = ArgumentError.bad("by", "claim", "'product' or 'policy'", summary="by='claim': no")
    assert str(said) == "by='claim': no" and said.lines() == ["by='claim': no"]
    # built from cells it prints as an InputError does: the summary, then every cell
    cells = [BadCell(ARGUMENT, None, "term", "500", "at most 91"),
             BadCell(ARGUMENT, None, "premium_term", "20", "at most the term")]
    many = ArgumentError(cells)
    assert many.lines() == InputError(cells).lines() and len(many.lines()) == 3
    with pytest.raises(TypeError, match="names its argument"):
        ArgumentError([])


def test_an_assumption_error_of_the_loader_passes_unchanged():
    # AssumptionError is a ValueError: the loader's net for unforeseen ValueErrors lets it by
    from reserva.io.assumptions import load_assumptions

    with pytest.raises(AssumptionError, match="not found under") as err:
        load_assumptions("no-such-set")
    assert "cannot be read" not in str(err.value)


def _empty_cell_errors(path: Path, root: Path = ENGINE) -> list[str]:
    """``InputError(...)``/``ArgumentError(...)`` calls in ``path`` given no cell: no argument,
    or an empty list or tuple literal as the cells."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in ("InputError", "ArgumentError"):
            continue
        cells = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "cells"), None)
        if cells is None or (isinstance(cells, ast.List | ast.Tuple) and not cells.elts):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_input_error_without_a_bad_cell_in_the_engine():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 50
    found = [hit for f in files for hit in _empty_cell_errors(f)]
    assert found == [], ("an argument error is an ArgumentError naming the argument "
                         f"(ArgumentError.bad), not an InputError without cells: {found}")


def test_the_convention_check_finds_an_empty_input_error(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from reserva import errors\n"
                      "def f(x):\n"
                      "    if x:\n"
                      "        raise errors.InputError([], summary='bad x')\n"
                      "    raise InputError(cells=())\n")
    assert sorted(_empty_cell_errors(sample, tmp_path)) == ["sample.py:4", "sample.py:5"]
