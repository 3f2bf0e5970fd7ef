"""What every command shares: settings, the clock, the database and the use cases, built lazily."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ceop_workflow.clock import Clock, FixedClock, SystemClock
from ceop_workflow.engine.addresses import check_address
from ceop_workflow.errors import BadInput, printable

if TYPE_CHECKING:  # imported where used: `--help` and light commands need none of them
    from ceop_workflow.app.queries import Queries
    from ceop_workflow.app.records import Records
    from ceop_workflow.app.service import Service
    from ceop_workflow.config import Settings
    from ceop_workflow.store.db import Database

# Ids are 64-bit database integers: anything outside is refused as usage (exit 2) before the
# database is asked, where it would overflow.
ID = click.IntRange(1, 2**63 - 1)
VERSION = click.IntRange(1, 1_000_000)
# --now: a moment the calendar maths and every database can hold in any time zone.
EARLIEST, LATEST = 1900, 9000


@dataclass
class App:
    """The run's collaborators; a command touches only what it needs, so `--help` stays fast."""

    config_path: Path | None
    now: str | None
    extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def settings(self) -> Settings:
        """Settings from --config, ./config.toml or the bundled file, and the environment."""
        # Imported here: validating settings (pydantic) is most of what `--help` would cost.
        from ceop_workflow.config import load_settings

        return load_settings(self.config_path)

    @cached_property
    def clock(self) -> Clock:
        """A fixed clock under --now, else the system's."""
        if self.now is None:
            return SystemClock()
        try:
            moment = datetime.fromisoformat(self.now)
        except ValueError:
            raise BadInput(f"--now: not an ISO 8601 time: {self.now!r}") from None
        if not EARLIEST <= moment.year <= LATEST:
            raise BadInput(f"--now: {self.now!r} is outside the years {EARLIEST}-{LATEST}")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.settings.tz)
        return FixedClock(moment)

    @cached_property
    def database(self) -> Database:
        """The database of database.url."""
        from ceop_workflow.store.db import Database

        return Database(self.settings.database.url)

    @cached_property
    def service(self) -> Service:
        """The use cases, on a database that `init` has created."""
        self.database.require_schema()
        return self._service()

    def _service(self) -> Service:
        from ceop_workflow.wiring import build_service

        return build_service(self.settings, self.database, self.clock)

    @cached_property
    def queries(self) -> Queries:
        """The read-only use cases, on a database that `init` has created; lighter to start
        than `service` (none of the write side's modules are imported)."""
        from ceop_workflow.wiring import build_queries

        self.database.require_schema()
        return build_queries(self.settings, self.database, self.clock)

    @cached_property
    def unchecked_service(self) -> Service:
        """The use cases without the schema check: for `init`, which creates the schema."""
        return self._service()

    @cached_property
    def records(self) -> Records:
        """Contacts, reviews and contributions."""
        from ceop_workflow.app.records import Records

        service = self.service
        return Records(
            service.settings, service.db, service.clock, service.listeners, service.catalog
        )


pass_app = click.make_pass_decorator(App)


def address(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: the option's value checked as an email address (exit 2 if not).

    `system` is left to the use cases, which refuse it with their own reason (it is reserved
    for the daemon, or it is not an address).
    """
    from ceop_workflow.config import SYSTEM_ACTOR

    if value is None or value.strip().lower() == SYSTEM_ACTOR:
        return value
    return check_address(value, f"--{param.name}" if param.name else "address")


def jsonable(value: Any) -> Any:
    """A use case's typed result as plain JSON values: the one renderer of `--json`.

    A dataclass becomes an object of its fields (a trailing `_`, as in `from_`, dropped), tuples
    lists, dates ISO text, Decimals exact text and enums their value.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name.removesuffix("_"): jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def emit(value: Any, as_json: bool, text: str | None = None) -> None:
    """Print a result: JSON for scripts, or the given text for people."""
    if as_json:
        click.echo(json.dumps(jsonable(value), indent=2, sort_keys=True, default=str))
    elif text is not None:
        click.echo(text)


def table(rows: Sequence[Any], columns: list[str]) -> str:
    """A plain aligned table of `columns` from `rows` (typed results or plain objects)."""
    if not rows:
        return "(none)"
    plain: list[dict[str, Any]] = [jsonable(r) for r in rows]
    cells = [[printable(str(r[c])) if r.get(c) is not None else "" for c in columns] for r in plain]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def write_text(path: Path, text: str) -> None:
    """Write a file the user named (making its folder); a path that cannot be written is bad
    input, said in one line, not a crash."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from None


def fail(message: str) -> None:
    """Print a one-line error to stderr.

    Control characters and lone surrogates (from names people typed, or file contents) are
    escaped: a name can neither forge a second `error:` line nor make printing itself fail.
    """
    print(f"error: {printable(message)}", file=sys.stderr)


def parse_pairs(pairs: tuple[str, ...], option: str) -> dict[str, list[str]]:
    """KEY=VALUE options into lists of values per key (a key may repeat)."""
    values: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{option} {pair!r}: expected KEY=VALUE")
        values[key.strip()].append(value)
    return dict(values)
