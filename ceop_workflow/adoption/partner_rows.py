"""The import file's rows, checked one cell at a time before anything is written.

One row per organisation or individual. Every problem names its row (as the spreadsheet
numbers it, the header being row 1) and its column, so the person fixing the file finds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ceop_workflow.engine.tiers import Tier, parse_tier, parse_tier_kind
from ceop_workflow.errors import BadInput

COLUMNS = (
    "name",
    "individual",
    "contractor",
    "state",
    "tier",
    "kind",
    "start",
    "end",
    "since",
    "keyworker",
    "manager",
    "last_contact",
    "objectives",
    "title",
    "workflow",
)
"""The template's columns, in order. Only `name` and `keyworker` are always required."""

REQUIRED = ("name", "keyworker")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class PartnerRow:
    """One checked row: a partner and where its partnership stands."""

    line: int
    name: str
    individual: bool
    contractor: bool
    state: str
    tier: str | None
    kind: str | None
    start: date | None
    end: date | None
    since: date | None
    keyworker: str
    manager: str | None
    last_contact: date | None
    objectives: tuple[str, ...]
    title: str | None
    workflow: str | None


class RowProblem(BadInput):
    """A cell that cannot be imported; the message names the row and the column."""

    def __init__(self, line: int, column: str, problem: str) -> None:
        super().__init__(f"row {line}, column {column!r}: {problem}")
        self.line = line
        self.column = column


def _text(raw: Mapping[str, Any], column: str) -> str:
    value = raw.get(column)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _flag(raw: Mapping[str, Any], line: int, column: str) -> bool:
    value = raw.get(column)
    if isinstance(value, bool):
        return value
    text = _text(raw, column).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise RowProblem(line, column, f"expected yes or no, got {text!r}")


def _date(raw: Mapping[str, Any], line: int, column: str) -> date | None:
    value = raw.get(column)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(raw, column)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowProblem(line, column, f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _email(raw: Mapping[str, Any], line: int, column: str) -> str | None:
    text = _text(raw, column).lower()
    if not text:
        return None
    if not _EMAIL.match(text):
        raise RowProblem(line, column, f"not an email address: {text!r}")
    return text


def _choice(line: int, column: str, text: str, parse: Any) -> str | None:
    if not text:
        return None
    try:
        return str(parse(text).value)
    except BadInput as exc:
        raise RowProblem(line, column, exc.message) from None


def parse_row(raw: Mapping[str, Any], line: int, default_state: str = "active") -> PartnerRow:
    """Check one row of the file; `RowProblem` names the first bad cell."""
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        raise RowProblem(line, unknown[0], f"unknown column; columns: {', '.join(COLUMNS)}")
    for column in REQUIRED:
        if not _text(raw, column):
            raise RowProblem(line, column, "required")
    keyworker = _email(raw, line, "keyworker")
    assert keyworker is not None
    tier = _choice(line, "tier", _text(raw, "tier"), parse_tier)
    objectives = tuple(o.strip() for o in _text(raw, "objectives").split(";") if o.strip())
    return PartnerRow(
        line=line,
        name=_text(raw, "name"),
        individual=_flag(raw, line, "individual"),
        contractor=_flag(raw, line, "contractor"),
        state=_text(raw, "state").lower().replace(" ", "_") or default_state,
        tier=tier,
        kind=_choice(line, "kind", _text(raw, "kind"), parse_tier_kind),
        start=_date(raw, line, "start"),
        end=_date(raw, line, "end"),
        since=_date(raw, line, "since"),
        keyworker=keyworker,
        manager=_email(raw, line, "manager"),
        last_contact=_date(raw, line, "last_contact"),
        objectives=objectives,
        title=_text(raw, "title") or None,
        workflow=_text(raw, "workflow") or None,
    )


def row_values(row: PartnerRow) -> dict[str, Any]:
    """A row as the template writes it (the inverse of `parse_row`)."""
    return {
        "name": row.name,
        "individual": "yes" if row.individual else "no",
        "contractor": "yes" if row.contractor else "no",
        "state": row.state,
        "tier": Tier(row.tier).label if row.tier else None,
        "kind": row.kind,
        "start": row.start,
        "end": row.end,
        "since": row.since,
        "keyworker": row.keyworker,
        "manager": row.manager,
        "last_contact": row.last_contact,
        "objectives": "; ".join(row.objectives),
        "title": row.title,
        "workflow": row.workflow,
    }
