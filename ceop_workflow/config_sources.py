"""Where settings come from (the TOML file, the environment) and how their problems are told.

Environment variables: `CEOP_WORKFLOW_<SECTION>_<KEY>` in capitals overrides any key of the
file, e.g. `CEOP_WORKFLOW_DAEMON_BATCH_SIZE=50`. A list (`email.digest_roles`, a role in
[roles]) is given as a TOML or JSON array (`["a@x.org", "b@x.org"]`) or comma-separated
(`a@x.org,b@x.org`); `CEOP_WORKFLOW_ROLES_<ROLE>` sets the members of a role, adding the role
if the file lacks it. A variable that names a known section but no key of it is refused, so a
misspelt override never goes unnoticed. The variables that hold secrets (named by
`*_env` settings) are not settings and are left alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_origin, get_type_hints

from pydantic import TypeAdapter, ValidationError

from ceop_workflow.errors import ConfigError

ENV_PREFIX = "CEOP_WORKFLOW_"
MAX_CONFIG_BYTES = 1024 * 1024
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")


class Problems:
    """The problems found in one file and its environment, each as one line."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.lines: list[str] = []
        # "section.key" -> the environment variable its value came from.
        self.from_env: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.lines)

    def add(self, key: str, message: str) -> None:
        """A problem at `key` ("web.port"), named by its variable if the value came from one."""
        top = next((k for k in self.from_env if key == k or key.startswith(f"{k}[")), None)
        if top is not None:
            self.lines.append(f"environment {self.from_env[top]}: {message}")
        else:
            self.lines.append(f"{self.where}: {key}: {message}")

    def add_env(self, variable: str, message: str) -> None:
        """A problem with a variable itself."""
        self.lines.append(f"environment {variable}: {message}")


def read_file(path: Path) -> dict[str, Any]:
    """The file's TOML as a dict; anything that is not a readable UTF-8 TOML file is refused."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes")
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except ValueError:  # int() refuses a number of more than 4,300 digits
        raise ConfigError(f"{path}: not valid TOML: a number is far too long") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None


def environment(
    raw: Mapping[str, Any],
    sections: Mapping[str, type | None],
    environ: Mapping[str, str],
    problems: Problems,
) -> dict[str, dict[str, Any]]:
    """Each section's table from the file with the environment's overrides laid over it.

    `sections` maps a section to its dataclass, or to None for a table of lists ([roles]).
    """
    tables: dict[str, dict[str, Any]] = {}
    for name in sections:
        table = raw.get(name, {})
        if not isinstance(table, dict):
            problems.add(f"[{name}]", "must be a table")
            table = {}
        tables[name] = dict(table)
    secrets = {v for t in tables.values() for k, v in t.items() if k.endswith("_env")}
    for variable in sorted(environ):
        if not variable.startswith(ENV_PREFIX) or variable in secrets:
            continue
        rest = variable[len(ENV_PREFIX) :].lower()
        found = next((s for s in sections if rest.startswith(f"{s}_")), None)
        if found is None:
            continue  # not a setting: CEOP_WORKFLOW_CONFIG, _NOW, _DEBUG, a secret
        name = found
        key, cls = rest[len(name) + 1 :], sections[name]
        kind = _hints(cls).get(key) if cls is not None else list
        if kind is None or not key:
            known = ", ".join(f.name for f in fields(cls)) if is_dataclass(cls) else ""
            problems.add_env(variable, f"no setting {name}.{key}; [{name}] has: {known}")
            continue
        tables[name][key] = _from_text(kind, environ[variable])
        problems.from_env[f"{name}.{key}"] = variable
    return tables


def section(problems: Problems, name: str, kind: Any, table: dict[str, Any]) -> Any:
    """The section built from its table, or None after reporting each of its problems."""
    try:
        return _adapter(kind).validate_python(table)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            key = name + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"] if p != "[key]"
            )
            problems.add(key, _message(error, kind))
        return None


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _from_text(kind: Any, text: str) -> object:
    """An environment variable's text as the type its setting takes (left as text if it is
    not one: the check then says what was expected)."""
    if kind is int:
        return int(text) if _INTEGER.fullmatch(text.strip()) else text
    if kind in (list, tuple) or get_origin(kind) in (list, tuple):
        return _list(text)
    return text


def _list(text: str) -> object:
    if text.strip().startswith("["):
        try:
            return tomllib.loads(f"value = {text}")["value"]
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            return text  # refused as "expected a list"
    return [item.strip() for item in text.split(",") if item.strip()]


def _message(error: Any, kind: Any) -> str:
    given, context = error.get("input"), error.get("ctx") or {}
    messages: dict[str, Callable[[], str]] = {
        "unexpected_keyword_argument": lambda: (
            "unknown key; known: " + ", ".join(f.name for f in fields(kind) if is_dataclass(kind))
        ),
        "int_type": lambda: f"expected a whole number, got {_short(given)}",
        "string_type": lambda: f"expected a string, got {_short(given)}",
        "list_type": lambda: f"expected a list of strings, got {_short(given)}",
        "tuple_type": lambda: f"expected a list of strings, got {_short(given)}",
        "dict_type": lambda: "must be a table",
        "dataclass_type": lambda: "must be a table",
        "greater_than_equal": lambda: f"must be at least {context.get('ge')}, got {_short(given)}",
        "less_than_equal": lambda: f"must be at most {context.get('le')}, got {_short(given)}",
        "string_too_short": lambda: "must not be empty",
        "string_too_long": lambda: f"longer than {context.get('max_length')} characters",
        "string_pattern_mismatch": lambda: (
            f"not of the form {context.get('pattern')}, got {_short(given)}"
        ),
    }
    if error["type"] in messages:
        return messages[error["type"]]()
    if error["type"] == "value_error":
        return str(context.get("error"))
    if error["type"] == "literal_error":
        return f"must be {context.get('expected')}, got {_short(given)}"
    return f"{str(error['msg']).rstrip('.')}, got {_short(given)}"


def _short(value: object) -> str:
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return "a value too large to show"
    return text if len(text) <= 60 else text[:57] + "..."
