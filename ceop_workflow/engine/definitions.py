"""Workflow definitions: TOML file → dict → strict check → frozen dataclasses.

The schema is documented in docs/workflows.md and published as JSON Schema (engine.schema).
The check has two passes over the same dict: the typed schema (every key's type and form) and
the rules the schema cannot express (names that refer to each other, roles, the graph, what an
action needs). Every problem of a file is reported at once, each naming the file and the key
path; a file that is not UTF-8, too large or nested too deeply is one such problem, never a
crash. A string never becomes code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ceop_workflow.engine.definition_rules import Checker
from ceop_workflow.engine.definition_types import (
    SET_TIER,
    Definition,
    NotifyDef,
    StateDef,
    TransitionDef,
    Vocabulary,
    content_hash,
)
from ceop_workflow.engine.schema import shape_problems
from ceop_workflow.errors import DefinitionError, printable

# The types live in engine.definition_types and the rules in engine.definition_rules; this
# module reads files and is where the rest of the code imports all three from.
__all__ = [
    "SET_TIER",
    "Definition",
    "NotifyDef",
    "StateDef",
    "TransitionDef",
    "Vocabulary",
    "check",
    "content_hash",
    "load_file",
    "load_folder",
    "parse",
]

# A definition is a page or two of TOML; anything far larger is a mistake, not a workflow.
MAX_SOURCE_BYTES = 1024 * 1024


def load_file(path: Path, vocabulary: Vocabulary) -> Definition:
    """Read, check and freeze one definition file; `DefinitionError` lists all its problems."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise DefinitionError([f"{path}: larger than {MAX_SOURCE_BYTES} bytes"])
        data = path.read_bytes()
    except OSError as exc:
        raise DefinitionError([f"{path}: cannot read: {exc.strerror}"]) from None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(
            [f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
        ) from None
    return parse(source, str(path), vocabulary)


def parse(source: str, origin: str, vocabulary: Vocabulary) -> Definition:
    """Check and freeze a definition given as TOML text; `origin` names it in messages."""
    if len(source) > MAX_SOURCE_BYTES:
        raise DefinitionError([f"{origin}: larger than {MAX_SOURCE_BYTES} bytes"])
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([f"{origin}: not valid TOML: {exc}"]) from None
    except ValueError:  # int() refuses a number of more than 4,300 digits
        raise DefinitionError([f"{origin}: not valid TOML: a number is far too long"]) from None
    except RecursionError:
        raise DefinitionError([f"{origin}: not valid TOML: nested too deeply"]) from None
    return check(raw, source, origin, vocabulary)


def check(raw: dict[str, Any], source: str, origin: str, vocabulary: Vocabulary) -> Definition:
    """Check and freeze a definition already read from TOML (`source` is its text)."""
    shape = shape_problems(raw)
    checker = Checker(origin, vocabulary)
    try:
        definition = checker.check(raw, source)
    except (TypeError, ValueError, KeyError, AttributeError):
        # The rules assume the shape; on a file whose shape is wrong they report what they
        # can. On a sound shape a failure here is a bug and must show as one.
        if not shape:
            raise
        definition = None
    problems = checker.problems + [
        f"{origin}: {key}: {message}" for key, message in shape if not checker.covers(key)
    ]
    if problems or definition is None:
        # A key may hold any character: each problem stays one line wherever it is shown.
        raise DefinitionError([printable(p) for p in problems])
    return definition


def load_folder(folder: Path, vocabulary: Vocabulary) -> list[Definition]:
    """Every `*.toml` in a folder; the problems of all files are reported together."""
    definitions: list[Definition] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            definitions.append(load_file(path, vocabulary))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    seen: dict[tuple[str, int], str] = {}
    for d in definitions:
        if (d.name, d.version) in seen:
            problems.append(
                f"{d.origin}: workflow.name: {d.name} version {d.version} "
                f"is also defined in {seen[(d.name, d.version)]}"
            )
        seen[(d.name, d.version)] = d.origin
    if problems:
        raise DefinitionError(problems)
    return definitions
