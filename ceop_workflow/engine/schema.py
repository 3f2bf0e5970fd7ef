"""The shape of a workflow definition file as a typed schema, and its JSON Schema.

This is the first of the loader's two passes (engine.definitions): it checks every key's type,
every key's name and the form of every value, and reports each problem with its key path. The
second pass checks what the shape cannot say (names that refer to each other, the graph).
`ceop-workflow workflows schema` prints `json_schema()` for editors (docs/workflows.md).
"""

from __future__ import annotations

import reprlib
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from ceop_workflow.engine.fields import FIELD_TYPES
from ceop_workflow.engine.tiers import Tier

# Names end up in database columns (String(100) and keys built from them, store/models.py):
# 64 characters leave room. Timer names also make alert kinds (String(50), "<name>_overdue").
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
NAME_MAX = 64
TIMER_NAME_MAX = 40
DURATION_PATTERN = r"^[0-9]{1,6}[hdw]$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TEXT_MAX = 2000
SCHEMA_ID = "https://ceop.example/schemas/ceop-workflow-definition.json"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=NAME_MAX)]
TimerName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=TIMER_NAME_MAX)]
Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
if TYPE_CHECKING:
    FieldType = str
    TierKey = str
else:  # the allowed values, spelt out in the JSON Schema
    FieldType = Literal[tuple(sorted(FIELD_TYPES))]
    TierKey = Literal[(*(t.value for t in Tier), "default")]
_NAME_SCHEMA = {"type": "string", "pattern": NAME_PATTERN, "maxLength": NAME_MAX}


def _one_or_many(value: object) -> object:
    """A single name stands for a list of one."""
    return [value] if isinstance(value, str) else value


# A name or a list of names ("guards", "actions"); SomeNames: at least one ("source", "roles").
Names = Annotated[
    list[Name],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [_NAME_SCHEMA, {"type": "array", "items": _NAME_SCHEMA}]}),
]
SomeNames = Annotated[
    list[Name],
    BeforeValidator(_one_or_many),
    Field(min_length=1),
    WithJsonSchema(
        {"anyOf": [_NAME_SCHEMA, {"type": "array", "items": _NAME_SCHEMA, "minItems": 1}]}
    ),
]
Roles = Annotated[list[Name], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class WorkflowHead(_Strict):
    """`[workflow]`."""

    name: Name
    version: Annotated[int, Field(ge=1, le=1_000_000)]
    initial: Name
    description: Text = ""
    subject: Literal["organisation", "individual"] = "organisation"


class Notify(_Strict):
    """One email a transition sends."""

    template: Name
    to: SomeNames


class _TimerBase(_Strict):
    name: TimerName
    notify: Name | None = None
    to: Roles | None = None
    trigger: Name | None = None
    at: Annotated[str, StringConstraints(pattern=TIME_PATTERN)] = "09:00"
    description: Text = ""


class EveryTimer(_TimerBase):
    """A recurring duty: monthly or yearly."""

    every: Literal["month", "year"]
    on: Annotated[int, Field(ge=1, le=31)] | Literal["first_working_day", "anniversary"]
    overdue_after: Duration | None = None
    overdue_notify: Name | None = None
    overdue_to: Roles | None = None
    completed_by: Literal["monthly", "annual"] = "monthly"


class AfterTimer(_TimerBase):
    """Time spent in the state."""

    after: Duration


class IdleTimer(_TimerBase):
    """No contact logged for a while; the while may depend on the tier."""

    idle: Literal["contact"]
    after: Duration | Annotated[dict[TierKey, Duration], Field(min_length=1)]
    then_after: Duration | None = None
    then_trigger: Name | None = None


class BeforeTimer(_TimerBase):
    """Some time before a date of the partnership."""

    before: Literal["commitment_end", "commitment_start"]
    by: Duration


def timer_kind(body: object) -> str | None:
    """Which kind of timer a table is, by the key that names its kind (idle before after)."""
    if not isinstance(body, dict):
        return None
    kinds = [k for k in ("every", "idle", "before", "after") if k in body]
    if "idle" in kinds and "after" in kinds:
        kinds.remove("after")
    return kinds[0] if len(kinds) == 1 else None


Timer = Annotated[
    Annotated[EveryTimer, Tag("every")]
    | Annotated[AfterTimer, Tag("after")]
    | Annotated[IdleTimer, Tag("idle")]
    | Annotated[BeforeTimer, Tag("before")],
    Discriminator(
        timer_kind,
        custom_error_type="timer_kind",
        custom_error_message="give exactly one of every, after, idle, before",
    ),
]


class State(_Strict):
    """`[states.NAME]`."""

    description: Text = ""
    terminal: bool = False
    timers: list[Timer] = []


class Transition(_Strict):
    """One `[[transitions]]` table."""

    trigger: Name
    source: SomeNames
    dest: Name
    roles: SomeNames
    requires: dict[Name, FieldType] = {}
    optional: dict[Name, FieldType] = {}
    guards: Names = []
    actions: Names = []
    vote: bool = False
    notify: list[Notify] = []
    description: Text = ""


class DefinitionFile(_Strict):
    """A whole definition file."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        title="ceop-workflow definition",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    workflow: WorkflowHead
    states: Annotated[dict[Name, State], Field(min_length=1)]
    transitions: list[Transition] = []


@cache
def _adapter() -> TypeAdapter[DefinitionFile]:
    # Built on first use: a command that never checks a definition does not pay for it.
    return TypeAdapter(DefinitionFile)


_TAGS = {"every", "after", "idle", "before"}
_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlevel = 2


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a definition file, for editors and other tools."""
    schema = _adapter().json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def shape_problems(raw: object) -> list[tuple[str, str]]:
    """Every problem of the file's shape as (key path, message); [] when the shape is sound.

    A value that may take several forms (a duration or a table of them) fails once per form:
    those failures are joined into one problem.
    """
    try:
        _adapter().validate_python(raw)
    except ValidationError as exc:
        found: dict[str, tuple[list[str], object]] = {}
        for error in exc.errors(include_url=False):
            path = _key_path(error["loc"])
            messages, _ = found.setdefault(path, ([], error.get("input")))
            message = _message(error)
            if message not in messages:
                messages.append(message)
        return [(path, _joined(messages, given)) for path, (messages, given) in found.items()]
    return []


def _joined(messages: list[str], given: object) -> str:
    if messages in (["unknown key"], ["is required"]):
        return messages[0]
    return f"{' or '.join(messages)}, got {_safe_repr(given)}"


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif _is_key(part) and not (part in _TAGS and isinstance(loc[index - 1], int)):
            path += f".{part}" if path else part
    return path


def _is_key(part: str) -> bool:
    # Union members appear in `loc` as "constrained-str", "dict[...]", "literal[...]", and a
    # mapping's key as "[key]": none is a key of the file.
    return not ("[" in part or part.startswith(("constrained-", "function-")) or part == "str")


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required"
    if kind == "timer_kind":
        return str(error["msg"])
    return str(error["msg"]).rstrip(".").replace("Input should", "should").replace("Value ", "")


def _safe_repr(value: object) -> str:
    try:
        return _short.repr(value)
    except (ValueError, RecursionError):  # a 5,000-digit integer, a deeply nested list
        return f"a {type(value).__name__} too large to show"
