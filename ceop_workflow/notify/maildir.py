"""The maildir transport: each message an .eml file in a folder, written whole or not at all."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Sequence
from email.message import Message
from pathlib import Path

from ceop_workflow.notify.sending import SendResult, SendStatus, describe, result_of, send_all

log = logging.getLogger(__name__)


class MaildirTransport:
    """Writes each message as an .eml file into a folder (demos, tests, a pickup directory).

    The file is named after the Message-ID, so sending the same message again replaces its file
    instead of adding a copy. As in the Maildir convention, a message is written into the
    folder's `tmp/` first and renamed into place, so it appears whole or not at all and no
    half-written file ever matches `*.eml` in the folder; files left in `tmp/` by a process that
    died mid-write (and `.tmp-*.eml` files of earlier versions) are removed when a drain opens
    the folder.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        """Where the .eml files go."""
        return self._folder

    def path_for(self, message_id: str) -> Path:
        """The file a message with this Message-ID is written to."""
        return self._folder / f"{_safe_name(message_id)}.eml"

    def open(self) -> _MaildirDelivery:
        """A delivery into the folder, after clearing what dead writers left in `tmp/`."""
        clean_leftovers(self._folder)
        return _MaildirDelivery(self)

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        """Write every message; a message without a Message-ID fails permanently."""
        return send_all(self.open(), messages)


class _MaildirDelivery:
    def __init__(self, transport: MaildirTransport) -> None:
        self._transport = transport

    def send(self, message: Message) -> SendResult:
        """Write one message into place; a message without a Message-ID fails permanently."""
        message_id = str(message["Message-ID"] or "")
        if not message_id.strip("<> "):
            return result_of(message, SendStatus.PERMANENT, "the message has no Message-ID")
        folder = self._transport.folder
        try:
            (folder / TMP).mkdir(parents=True, exist_ok=True)
            _write_atomically(self._transport.path_for(message_id), message.as_bytes())
        except OSError as exc:
            return result_of(
                message, SendStatus.TEMPORARY, f"cannot write to {folder}: {describe(exc)}"
            )
        return result_of(message, SendStatus.SENT)

    def close(self) -> None:
        """Nothing to let go of."""


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def _safe_name(message_id: str) -> str:
    bare = message_id.strip().removeprefix("<").removesuffix(">")
    name = _UNSAFE.sub("_", bare)[:150].lstrip(".")
    if name != bare or not name:
        # Two ids that only differ in unsafe characters must not share a file.
        name = f"{name}-{hashlib.sha256(message_id.encode('utf-8')).hexdigest()[:12]}"
    return name


# Maildir's folder for messages being written; what is in it never matches `*.eml`.
TMP = "tmp"
# Written by versions before the tmp/ folder, next to the messages.
_LEGACY_TEMP = ".tmp-*.eml"


def _write_atomically(target: Path, data: bytes) -> None:
    # The pid in the name tells `clean_leftovers` whether the writer is still alive.
    fd, temp_name = tempfile.mkstemp(
        dir=target.parent / TMP, prefix=f"{os.getpid()}.", suffix=".part"
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def clean_leftovers(folder: Path) -> int:
    """Remove what writers that died mid-write left: parts in `tmp/` whose process is gone (or
    an hour old: another host's), and old-style `.tmp-*.eml` files. How many were removed."""
    removed = 0
    stale_before = time.time() - 3600
    candidates = [*folder.glob(_LEGACY_TEMP), *(folder / TMP).glob("*.part")]
    for path in candidates:
        try:
            alive = path.suffix == ".part" and _alive(path.name.split(".", 1)[0])
            if alive and path.stat().st_mtime > stale_before:
                continue
            path.unlink()
            removed += 1
        except FileNotFoundError:  # its writer renamed or removed it meanwhile
            continue
    if removed:
        log.info("maildir %s: removed %d files left half-written", folder, removed)
    return removed


def _alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
        if pid == os.getpid():
            return True
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError, OverflowError):
        return True  # not ours to judge: left to the age limit
    return True
