"""How a templates folder names its messages: the file-name rules, and the listing of names.

Kept apart from `render.py` (which needs Jinja2) so that building the use cases, which only
needs to know which messages exist, imports no template engine: every CLI command pays that.
"""

from __future__ import annotations

import re
from pathlib import Path

from ceop_workflow.errors import ConfigError

SUBJECT_SUFFIX = ".subject.txt"
TEXT_SUFFIX = ".txt"
HTML_SUFFIX = ".html"
PART_SUFFIXES = (SUBJECT_SUFFIX, TEXT_SUFFIX, HTML_SUFFIX)
_MESSAGE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def message_name(file: str) -> str | None:
    """The message a file is a part of (`review_due.subject.txt` -> `review_due`), if any."""
    for suffix in PART_SUFFIXES:
        if file.endswith(suffix):
            stem = file[: -len(suffix)]
            return stem if _MESSAGE_NAME.fullmatch(stem) else None
    return None


def template_names(folder: Path) -> frozenset[str]:
    """The messages in a templates folder (all three parts present), from the listing alone.

    Cheap enough to call on every start: nothing is read or compiled. A missing folder is a
    `ConfigError` that names it and the setting that points at it.
    """
    try:
        files = {path.name for path in folder.iterdir() if path.is_file()}
    except FileNotFoundError:
        raise ConfigError(
            f"templates folder {folder} does not exist: point general.templates_dir at the "
            "folder of email templates (the shipped one is notifications/)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot list templates folder {folder}: {exc.strerror}") from None
    return frozenset(
        name
        for name in {message_name(file) for file in files}
        if name is not None and all(name + sfx in files for sfx in PART_SUFFIXES)
    )
