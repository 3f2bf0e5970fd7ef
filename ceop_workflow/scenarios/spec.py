"""A scenario file, read and checked: every problem at once, each naming the file and the key.

The format is documented in docs/workflows.md ("Testing a workflow with scenarios"). A file
that does not parse, or has problems, raises `DefinitionError` (exit 2) before anything runs.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ceop_workflow.engine.cadence import parse_duration
from ceop_workflow.errors import BadInput, DefinitionError

ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # action: (required keys, optional keys), besides the keys every step may have
    "create": (
        frozenset({"partner", "keyworker"}),
        frozenset({"as", "manager", "individual", "contractor"}),
    ),
    "fire": (
        frozenset({"partnership", "trigger", "actor"}),
        frozenset({"role", "data", "comment"}),
    ),
    "contact": (frozenset({"partnership", "kind", "by"}), frozenset({"note"})),
    "review": (frozenset({"partnership", "kind", "by", "outcomes"}), frozenset({"feedback"})),
    "wait": (frozenset(), frozenset()),
}
STEP_KEYS = frozenset({"do", "at", "after", "description", "expect"})
EXPECT_KEYS = frozenset({"state", "duties", "emails", "refused"})
# The type each action key must have; the use cases parse the text itself (emails, kinds).
TABLE_ARGS = frozenset({"data", "outcomes"})
BOOL_ARGS = frozenset({"individual", "contractor"})
DUTY_KEYS = frozenset({"name", "kind", "due"})
EMAIL_KEYS = frozenset({"template", "to", "partnership"})


@dataclass(frozen=True)
class DutyExpected:
    """A pending duty a partnership should have: its timer's name, row kind and due time."""

    name: str
    kind: str | None = None
    due: datetime | None = None


@dataclass(frozen=True)
class EmailExpected:
    """A message a step should queue: its template and, if given, recipients and partnership."""

    template: str
    to: tuple[str, ...] | None = None
    partnership: str | None = None


@dataclass(frozen=True)
class Expect:
    """What must hold after a step; None or empty where the step checks nothing of that kind."""

    states: Mapping[str, str] = field(default_factory=dict)
    duties: Mapping[str, tuple[DutyExpected, ...]] = field(default_factory=dict)
    emails: tuple[EmailExpected, ...] | None = None
    refused: str | bool | None = None


@dataclass(frozen=True)
class Step:
    """One moment of the timeline: time passes to `at`, then the action runs, then checks."""

    number: int
    do: str
    at: datetime
    args: Mapping[str, Any]
    expect: Expect
    description: str = ""


@dataclass(frozen=True)
class Scenario:
    """A checked scenario file."""

    path: Path
    definition: Path
    start: datetime
    steps: tuple[Step, ...]
    roles: Mapping[str, tuple[str, ...]] | None = None
    quorum: int | None = None
    description: str = ""


class _Problems:
    """Collects problems as `file: key: message` lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.lines.append(f"{self.path}: {key}: {message}")

    def unknown(self, key: str, table: Mapping[str, Any], allowed: frozenset[str]) -> None:
        for extra in sorted(set(table) - allowed):
            self.add(
                f"{key}.{extra}" if key else extra,
                f"unknown key; allowed: {', '.join(sorted(allowed))}",
            )


def load_scenario(path: Path, tz: ZoneInfo, definition_file: Path | None = None) -> Scenario:
    """Read and check a scenario file; naive times are local times in `tz`.

    With `definition_file`, the scenario runs on that definition whatever its
    `scenario.definition` names (the admin's desk tests a definition not yet in any folder).
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([f"{path}: not valid TOML: {exc}"]) from None
    problems = _Problems(path)
    problems.unknown("", raw, frozenset({"scenario", "roles", "steps"}))
    head = _table(raw.get("scenario"), "scenario", problems)
    problems.unknown("scenario", head, frozenset({"definition", "start", "description", "quorum"}))
    definition = str(definition_file) if definition_file else head.get("definition")
    if not isinstance(definition, str) or not definition:
        problems.add("scenario.definition", "required: the workflow file, relative to this one")
        definition = ""
    elif not (path.parent / definition).is_file():
        problems.add("scenario.definition", f"no such file: {path.parent / definition}")
    start = _time(head.get("start"), "scenario.start", tz, problems)
    quorum = head.get("quorum")
    if quorum is not None and (type(quorum) is not int or quorum < 1):
        problems.add("scenario.quorum", f"a whole number of at least 1, not {quorum!r}")
    roles = _roles(raw.get("roles"), problems) if "roles" in raw else None
    steps = _steps(raw.get("steps"), start, tz, problems)
    if problems.lines:
        raise DefinitionError(problems.lines)
    assert start is not None
    return Scenario(
        path=path,
        definition=(path.parent / definition),
        start=start,
        steps=tuple(steps),
        roles=roles,
        quorum=quorum,
        description=str(head.get("description", "")),
    )


def _table(value: object, key: str, problems: _Problems) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    problems.add(key, "required: a table" if value is None else "must be a table")
    return {}


def _time(value: object, key: str, tz: ZoneInfo, problems: _Problems) -> datetime | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # refused below, with the key
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    problems.add(key, f"a date and time such as 2007-07-02T10:00, not {value!r}")
    return None


def _roles(value: object, problems: _Problems) -> dict[str, tuple[str, ...]]:
    roles: dict[str, tuple[str, ...]] = {}
    for role, members in _table(value, "roles", problems).items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            problems.add(f"roles.{role}", "must be a list of email addresses")
            continue
        roles[role] = tuple(members)
    return roles


def _steps(value: object, start: datetime | None, tz: ZoneInfo, problems: _Problems) -> list[Step]:
    if not isinstance(value, list) or not value:
        problems.add("steps", "required: at least one [[steps]] table")
        return []
    steps: list[Step] = []
    labels: set[str] = set()
    moment = start
    for number, raw in enumerate(value, start=1):
        key = f"steps[{number}]"
        table = _table(raw, key, problems)
        do = table.get("do")
        if do not in ACTIONS:
            problems.add(f"{key}.do", f"one of {', '.join(ACTIONS)}, not {do!r}")
            continue
        required, optional = ACTIONS[do]
        problems.unknown(key, table, STEP_KEYS | required | optional)
        for missing in sorted(required - set(table)):
            problems.add(f"{key}.{missing}", f"required by do = {do!r}")
        _arg_types(table, key, required | optional, problems)
        moment = _when(table, key, moment, tz, problems)
        if do == "create":
            labels.add(str(table.get("as", table.get("partner"))))
        elif "partnership" in table and table["partnership"] not in labels:
            problems.add(f"{key}.partnership", _unknown_label(table["partnership"], labels))
        expect = _expect(table.get("expect", {}), f"{key}.expect", labels, tz, problems)
        args = {k: v for k, v in table.items() if k not in STEP_KEYS}
        if moment is not None:
            steps.append(Step(number, do, moment, args, expect, str(table.get("description", ""))))
    return steps


def _arg_types(
    table: Mapping[str, Any], key: str, names: frozenset[str], problems: _Problems
) -> None:
    for name in sorted(names & set(table)):
        value = table[name]
        if name in TABLE_ARGS:
            ok, kind = isinstance(value, dict), "a table"
        elif name in BOOL_ARGS:
            ok, kind = isinstance(value, bool), "true or false"
        else:
            ok, kind = isinstance(value, str) and bool(value.strip()), "a non-empty string"
        if not ok:
            problems.add(f"{key}.{name}", f"{kind}, not {value!r}")


def _unknown_label(label: object, labels: set[str]) -> str:
    known = ", ".join(sorted(labels)) or "none yet"
    return f"no partnership {label!r} was created by an earlier step; created: {known}"


def _when(
    table: Mapping[str, Any], key: str, previous: datetime | None, tz: ZoneInfo, problems: _Problems
) -> datetime | None:
    """The step's moment: `at`, or `after` a duration from the previous step, or the same."""
    if "at" in table and "after" in table:
        problems.add(f"{key}.at", "give `at` or `after`, not both")
        return previous
    if "after" in table:
        try:
            delta = parse_duration(table["after"])
        except BadInput as exc:
            problems.add(f"{key}.after", exc.message)
            return previous
        return None if previous is None else previous + delta
    if "at" not in table:
        return previous
    moment = _time(table["at"], f"{key}.at", tz, problems)
    if moment is not None and previous is not None and moment < previous:
        problems.add(f"{key}.at", f"{moment:%Y-%m-%d %H:%M} is before the previous step")
        return previous
    return moment


def _expect(value: object, key: str, labels: set[str], tz: ZoneInfo, problems: _Problems) -> Expect:
    table = _table(value, key, problems)
    problems.unknown(key, table, EXPECT_KEYS)
    states: dict[str, str] = {}
    for label, state in _table(table.get("state", {}), f"{key}.state", problems).items():
        if label not in labels:
            problems.add(f"{key}.state.{label}", _unknown_label(label, labels))
        if not isinstance(state, str):
            problems.add(f"{key}.state.{label}", f"a state name, not {state!r}")
        states[label] = str(state)
    duties: dict[str, tuple[DutyExpected, ...]] = {}
    for label, listed in _table(table.get("duties", {}), f"{key}.duties", problems).items():
        where = f"{key}.duties.{label}"
        if label not in labels:
            problems.add(where, _unknown_label(label, labels))
        duties[label] = tuple(_duties(listed, where, tz, problems))
    emails = None
    if "emails" in table:
        emails = tuple(_emails(table["emails"], f"{key}.emails", labels, problems))
    refused = table.get("refused")
    if refused is not None and not isinstance(refused, str | bool):
        problems.add(f"{key}.refused", "true, or words the refusal's message must contain")
    return Expect(states, duties, emails, refused)


def _duties(value: object, key: str, tz: ZoneInfo, problems: _Problems) -> list[DutyExpected]:
    if not isinstance(value, list):
        problems.add(key, "a list of { name, kind, due } tables ([] for none)")
        return []
    found = []
    for i, item in enumerate(value, start=1):
        where = f"{key}[{i}]"
        table = _table(item, where, problems)
        problems.unknown(where, table, DUTY_KEYS)
        if not isinstance(table.get("name"), str):
            problems.add(f"{where}.name", "required: the timer's name")
        kind = table.get("kind")
        due = None if "due" not in table else _time(table["due"], f"{where}.due", tz, problems)
        found.append(DutyExpected(str(table.get("name")), None if kind is None else str(kind), due))
    return found


def _emails(value: object, key: str, labels: set[str], problems: _Problems) -> list[EmailExpected]:
    if not isinstance(value, list):
        problems.add(key, "a list of { template, to, partnership } tables ([] for none)")
        return []
    found = []
    for i, item in enumerate(value, start=1):
        where = f"{key}[{i}]"
        table = _table(item, where, problems)
        problems.unknown(where, table, EMAIL_KEYS)
        if not isinstance(table.get("template"), str):
            problems.add(f"{where}.template", "required: the template's name")
        to = table.get("to")
        if to is not None and not (isinstance(to, list) and all(isinstance(t, str) for t in to)):
            problems.add(f"{where}.to", "a list of email addresses")
            to = None
        label = table.get("partnership")
        if label is not None and label not in labels:
            problems.add(f"{where}.partnership", _unknown_label(label, labels))
        found.append(
            EmailExpected(
                str(table.get("template")),
                None if to is None else tuple(sorted(t.lower() for t in to)),
                None if label is None else str(label),
            )
        )
    return found


def data_values(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A fire step's `data` table as the CLI's --data pairs: every value as text."""
    values: dict[str, list[str]] = {}
    for name, value in data.items():
        items = value if isinstance(value, list) else [value]
        values[name] = [_text(item) for item in items]
    return values


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
