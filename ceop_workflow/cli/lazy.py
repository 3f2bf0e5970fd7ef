"""A click group whose commands are imported only when one of them runs.

Every staff command used to import every other command's modules (the web stack, Alembic, the
reports) before doing anything. Here a command is a line in a table: its module is imported when
the command is asked for, and `--help` lists the commands from the table's short help without
importing any of them. tests/unit/test_cli_lazy.py checks the table against the real commands.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives, and the short help `--help` shows for it."""

    module: str
    attribute: str
    short_help: str


class LazyGroup(click.Group):
    """A group that imports a command's module on first use."""

    def __init__(self, *args: object, lazy: dict[str, LazyCommand], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, eager and lazy, sorted."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module now if it is a lazy one."""
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        entry = self.lazy[cmd_name]
        command = getattr(importlib.import_module(entry.module), entry.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from the table's short help, importing nothing."""
        rows = [
            (name, self.lazy[name].short_help if name in self.lazy else self._short_help(name))
            for name in self.list_commands(ctx)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _short_help(self, name: str) -> str:
        return self.commands[name].get_short_help_str()
