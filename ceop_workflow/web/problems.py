"""Validation problems in words people use, each tied to the field it is about.

The engine reports every problem of a trigger's data in one message ("trigger 'assign_tier':
missing data: tier; data start='tomorrow': expected a date as YYYY-MM-DD"); the form shows
each next to its field. Malformed addresses and parameters (a partnership number that is not
a number) get a sentence instead of the framework's "path.partnership_id: Input should be…".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ceop_workflow.web.forms import Field

_BAD_VALUE = re.compile(r"^data (?P<name>[a-z0-9_]+)=(?P<raw>.*?): (?P<why>.+)$", re.DOTALL)
_MISSING = "missing data: "
_UNKNOWN = "unknown data "


@dataclass(frozen=True)
class FormProblems:
    """What is wrong with one posted trigger form: by field, and anything else."""

    trigger: str
    by_field: Mapping[str, str]
    other: tuple[str, ...]
    values: Mapping[str, str]


def _split(message: str) -> list[str]:
    # "trigger 'x': a; b; data c='1; 2': d" — a value may hold "; " inside its quotes.
    body = message.split(": ", 1)[1] if message.startswith("trigger ") else message
    parts: list[str] = []
    for piece in body.split("; "):
        if parts and parts[-1].count("'") % 2 == 1:
            parts[-1] += "; " + piece
        else:
            parts.append(piece)
    return parts


def form_problems(
    trigger: str, message: str, fields: Sequence[Field], values: Mapping[str, str]
) -> FormProblems:
    """The engine's message about a trigger's data, split into a sentence per field."""
    labels = {f.name: f for f in fields}
    by_field: dict[str, str] = {}
    other: list[str] = []
    for part in _split(message):
        if part.startswith(_MISSING):
            for name in part.removeprefix(_MISSING).split(", "):
                field = labels.get(name)
                if field is None:
                    other.append(f"{name.replace('_', ' ').capitalize()} is needed.")
                    continue
                verb = "Choose" if field.control == "select" else "Enter"
                by_field[name] = f"{verb} the {field.label.lower()}."
            continue
        bad = _BAD_VALUE.match(part)
        if bad and bad.group("name") in labels:
            why = bad.group("why").rstrip(".")
            by_field[bad.group("name")] = f"{why[:1].upper()}{why[1:]}."
            continue
        if part.startswith(_UNKNOWN):
            continue  # a field the form does not have: nothing the person can fix
        other.append(part[:1].upper() + part[1:])
    return FormProblems(trigger, by_field, tuple(other), values)


_TYPES = {
    "int_parsing": "must be a whole number",
    "greater_than_equal": "is out of range",
    "less_than_equal": "is out of range",
    "string_pattern_mismatch": "is not one of the values offered",
    "string_too_long": "is too long",
    "missing": "is missing",
}
_NAMES = {"partnership_id": "partnership number", "partner_id": "partner number"}


def request_problems(errors: Iterable[Mapping[str, Any]]) -> str:
    """Sentences for malformed addresses, queries and form fields, for people (not the API)."""
    sentences = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("path", "query", "body")]
        name = loc[-1] if loc else "the request"
        label = _NAMES.get(name, name.replace("_", " "))
        given = error.get("input")
        what = _TYPES.get(str(error.get("type", "")), "is not valid")
        shown = f" (you gave “{given}”)" if isinstance(given, str | int) and given != "" else ""
        sentences.append(f"The {label} {what}{shown}.")
    return " ".join(sentences[:5]) or "The request is not valid."
