"""Help texts and the README agree: every option of every command has a help text and is named
in the README's command reference row(s) of its command; the KPI edition's default is stated
once."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from reserva.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
ROWS = [line for line in README.splitlines() if line.startswith("| `reserva ")]


def _commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        full = f"{prefix} {name}".strip()
        yield full, command
        if isinstance(command, click.Group):
            yield from _commands(command, full)


COMMANDS = dict(_commands(cli))


def _rows(full: str) -> str:
    """The README rows documenting ``reserva FULL`` (not those of its subcommands)."""
    subs = [f"{full} {s}" for s in getattr(COMMANDS[full], "commands", {})]
    mine = [r for r in ROWS if re.match(rf"\| `reserva {re.escape(full)}[ `]", r)
            and not any(r.startswith(f"| `reserva {s}") for s in subs)]
    return " ".join(mine)


@pytest.mark.parametrize("full", sorted(COMMANDS))
def test_every_option_has_help_and_is_in_the_readme(full):
    options = [p for p in COMMANDS[full].params if isinstance(p, click.Option)]
    if isinstance(COMMANDS[full], click.Group) and not options:
        return  # a group of subcommands only (`reserva assumptions`): its subcommands have rows
    rows = _rows(full)
    assert rows, f"`reserva {full}` has no row in the README's command reference"
    for param in COMMANDS[full].params:
        if not isinstance(param, click.Option) or param.name == "help":
            continue
        names = [o for o in param.opts if o.startswith("--")]
        assert param.help, f"reserva {full} {names[0]}: no help text"
        for name in names:
            assert name in rows, f"reserva {full} {name}: not in the README's command reference"


def test_the_kpi_editions_default_is_stated_once():
    assert README.count("default_edition") == 1
    assert not re.search(r"--edition[^.\n]*default 2", README)
    edition = next(p for p in COMMANDS["close"].params if p.name == "edition")
    assert "the set's" in edition.help
