"""The CLI imports a command's modules only when that command runs (issue: speed where people wait).

`--help` lists commands from cli/__init__.py's table; the table must say what the commands say.
"""

from __future__ import annotations

import importlib

import click

from ceop_workflow.cli import COMMANDS, cli


def test_every_table_entry_is_the_command_it_names_with_its_own_short_help() -> None:
    for name, entry in COMMANDS.items():
        command = getattr(importlib.import_module(entry.module), entry.attribute)
        assert isinstance(command, click.Command), name
        assert command.name == name
        assert command.get_short_help_str(limit=200) == entry.short_help, name


def test_help_lists_every_command_without_importing_one() -> None:
    context = click.Context(cli)
    names = cli.list_commands(context)
    assert names == sorted(COMMANDS)
    formatter = context.make_formatter()
    cli.format_commands(context, formatter)
    listing = formatter.getvalue()
    for name in COMMANDS:
        assert name in listing
