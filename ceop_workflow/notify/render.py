"""Render the admin-edited email templates in `notifications/` safely.

A message named `NAME` is three files in the templates folder: `NAME.subject.txt`, `NAME.txt`
(the plain-text part) and `NAME.html` (the HTML part). Files whose name starts with `_` are
shared layouts and macros, never messages. The folder is read and compiled once, when the
renderer is built; restart (or build a new renderer) to pick up edits.

Templates are untrusted: they run in Jinja2's immutable sandbox with `StrictUndefined`, HTML
parts are autoescaped, output is capped, and every failure inside a template becomes a one-line
`TemplateError` that names the template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import cast

import jinja2
import jinja2.exceptions
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ceop_workflow.config import Settings
from ceop_workflow.errors import BadInput, ConfigError
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.notify.template_files import (
    HTML_SUFFIX,
    PART_SUFFIXES,
    SUBJECT_SUFFIX,
    TEXT_SUFFIX,
    message_name,
)

MAX_OUTPUT_BYTES = 256 * 1024
_SHARED_NAME = re.compile(r"_[a-z0-9_]+\.(txt|html)")
_LINE_BREAKS = re.compile(r"\s+")


class TemplateError(BadInput):
    """A template is missing, broken, or did something the sandbox refuses; names the template."""


@dataclass(frozen=True)
class RenderedMessage:
    """One message, rendered: a one-line subject, a plain-text part and an HTML part."""

    subject: str
    text: str
    html: str


class TemplateRenderer:
    """Renders the messages of one templates folder, compiled once at construction.

    A template with a syntax error does not stop the others from rendering: it raises
    `TemplateError` when rendered, and `validate_all` lists it.
    """

    def __init__(self, folder: Path, *, max_output_bytes: int = MAX_OUTPUT_BYTES) -> None:
        if not folder.is_dir():
            raise ConfigError(
                f"templates folder {folder} does not exist: point general.templates_dir at the "
                "folder of email templates (the shipped one is notifications/)"
            )
        self._folder = folder
        self._max_output_bytes = max_output_bytes
        self._sources = _read_sources(folder)
        self._env = ImmutableSandboxedEnvironment(
            loader=jinja2.FunctionLoader(self._load),
            undefined=jinja2.StrictUndefined,
            # An explicit function, not select_autoescape: only the HTML parts are escaped, and
            # the rule cannot be defeated by a differently spelt extension.
            autoescape=_is_html,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=-1,
        )
        self._compiled: dict[str, jinja2.Template] = {}
        self._broken: dict[str, str] = {}
        for file in sorted(self._sources):
            try:
                self._compiled[file] = self._env.get_template(file)
            except jinja2.exceptions.TemplateSyntaxError as exc:
                self._broken[file] = f"{file} line {exc.lineno}: {_one_line(exc.message or '')}"
        self._messages = frozenset(
            name
            for name in {message_name(file) for file in self._sources}
            if name is not None and all(name + sfx in self._sources for sfx in PART_SUFFIXES)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> TemplateRenderer:
        """A renderer for the templates folder named by `settings` (general.templates_dir)."""
        return cls(settings.templates_path)

    @property
    def folder(self) -> Path:
        """The folder the templates were read from."""
        return self._folder

    def known_templates(self) -> set[str]:
        """The names of every complete message (all three parts present) in the folder."""
        return set(self._messages)

    def render(self, name: str, context: Mapping[str, object]) -> RenderedMessage:
        """Render message `name` with `context` (plain dicts, lists, strings, numbers only).

        Raises `TemplateError` naming the template if it is unknown, broken, reaches for
        something the sandbox forbids, uses a variable the context lacks, or renders more than
        the output cap; `BadInput` if the context holds anything but plain data.
        """
        plain = self._checked(name, context)
        return RenderedMessage(
            subject=self._subject(name, plain),
            text=self._render_part(name, TEXT_SUFFIX, plain),
            html=self._render_part(name, HTML_SUFFIX, plain),
        )

    def render_subject(self, name: str, context: Mapping[str, object]) -> str:
        """Only the one-line subject of message `name`; fails as `render` does."""
        return self._subject(name, self._checked(name, context))

    def _checked(self, name: str, context: Mapping[str, object]) -> dict[str, object]:
        if name not in self._messages:
            known = ", ".join(sorted(self._messages)) or "none"
            raise TemplateError(f"unknown template {name!r}; known templates: {known}")
        return _plain_context(name, context)

    def _subject(self, name: str, plain: Mapping[str, object]) -> str:
        subject = _LINE_BREAKS.sub(" ", self._render_part(name, SUBJECT_SUFFIX, plain)).strip()
        if not subject:
            raise TemplateError(f"template {name!r}: {name}{SUBJECT_SUFFIX} renders empty")
        return subject

    def validate_all(self) -> list[str]:
        """Every problem in the folder, one line each; an empty list means all is well.

        Reports syntax errors, incomplete messages, unexpected files, shipped messages that are
        missing, and any failure rendering each message against its sample contexts (messages
        without a sample of their own are tried against all sample keys merged).
        """
        problems = [f"syntax error in {text}" for text in self._broken.values()]
        problems += [
            f"unexpected file {file} (messages are NAME{SUBJECT_SUFFIX}, NAME{TEXT_SUFFIX}, "
            f"NAME{HTML_SUFFIX}; shared files start with _)"
            for file in sorted(self._sources)
            if message_name(file) is None and not _SHARED_NAME.fullmatch(file)
        ]
        for name in sorted({n for f in self._sources if (n := message_name(f)) is not None}):
            missing = [name + sfx for sfx in PART_SUFFIXES if name + sfx not in self._sources]
            if missing:
                problems.append(f"template {name!r} is incomplete: missing {', '.join(missing)}")
        samples = sample_contexts()
        problems += [
            f"template {name!r} is missing: ceop-workflow sends it (add {name}{SUBJECT_SUFFIX}, "
            f"{name}{TEXT_SUFFIX}, {name}{HTML_SUFFIX})"
            for name in sorted(set(samples) - self._messages)
        ]
        merged: dict[str, object] = {}
        for variants in samples.values():
            for variant in variants:
                merged.update(variant)
        for name in sorted(self._messages):
            for context in samples.get(name, [merged]):
                try:
                    self.render(name, context)
                except BadInput as exc:
                    problems.append(str(exc))
                    break
        return problems

    def _render_part(self, name: str, suffix: str, context: Mapping[str, object]) -> str:
        file = name + suffix
        if file in self._broken:
            raise TemplateError(f"template {name!r}: syntax error in {self._broken[file]}")
        template = self._compiled[file]
        chunks: list[str] = []
        size = 0
        try:
            for chunk in template.generate(context):
                size += len(chunk.encode("utf-8"))
                if size > self._max_output_bytes:
                    raise TemplateError(
                        f"template {name!r}: {file} renders more than "
                        f"{self._max_output_bytes} bytes"
                    )
                chunks.append(chunk)
        except TemplateError:
            raise
        except Exception as exc:
            raise TemplateError(_explain(name, file, exc, self._sources)) from exc
        return "".join(chunks)

    def _load(self, file: str) -> tuple[str, str, Callable[[], bool]] | None:
        source = self._sources.get(file)
        if source is None:
            return None
        # The file name (not the full path) is what tracebacks and errors show.
        return source, file, lambda: True


def _read_sources(folder: Path) -> dict[str, str]:
    sources: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in {".txt", ".html"}:
            try:
                sources[path.name] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read template {path}: {exc}") from None
    return sources


def _is_html(file: str | None) -> bool:
    return file is not None and file.endswith(HTML_SUFFIX)


def _explain(name: str, file: str, exc: Exception, sources: Mapping[str, str]) -> str:
    where = _template_frame(exc.__traceback__, sources) or file
    if isinstance(exc, jinja2.exceptions.SecurityError):
        what = f"refused by the sandbox: {exc}"
    elif isinstance(exc, jinja2.exceptions.UndefinedError):
        what = f"unknown variable or key: {exc}"
    elif isinstance(exc, jinja2.exceptions.TemplateNotFound):
        what = f"includes a template that does not exist: {exc.name}"
    else:
        what = f"{type(exc).__name__}: {exc}"
    return f"template {name!r} ({where}): {_one_line(what)}"


def _template_frame(tb: TracebackType | None, sources: Mapping[str, str]) -> str | None:
    """The innermost template file and line in a traceback Jinja2 has rewritten."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in sources:
            found = f"{filename} line {tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text).strip()


def _plain_context(name: str, context: Mapping[str, object]) -> dict[str, object]:
    return cast(dict[str, object], _plain(name, "context", context))


def _plain(name: str, path: str, value: object) -> object:
    # Templates may call public methods of whatever they are given, so only plain data (copied)
    # goes in: never ORM rows or other live objects.
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise BadInput(f"template {name!r}: {path} has a non-string key {key!r}")
            out[key] = _plain(name, f"{path}.{key}", item)
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_plain(name, f"{path}[{i}]", item) for i, item in enumerate(value)]
    raise BadInput(
        f"template {name!r}: {path} is a {type(value).__name__}; "
        "pass only dicts, lists, strings and numbers"
    )
