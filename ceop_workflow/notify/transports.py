"""Ways an email leaves ceop-workflow: SMTP, a folder of .eml files, or a text stream.

Every transport takes a batch and reports, per message and in order, whether it was sent, failed
for now (the outbox retries it later, with backoff) or failed for good (the outbox dead-letters
it). Transports never raise for a failed send: a failure is a `SendResult`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import ssl
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TextIO

from ceop_workflow.config import Settings
from ceop_workflow.errors import ConfigError

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    """What happened to one message."""

    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    """The outcome for one message of a batch; `reason` is one line, empty when all went well."""

    message_id: str
    status: SendStatus
    reason: str = ""

    @property
    def sent(self) -> bool:
        """Whether the message was handed over (to the server, the folder or the stream)."""
        return self.status is SendStatus.SENT


class Transport(Protocol):
    """Something that sends a batch of emails and says what became of each."""

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        """One result per message, in the order given; never raises for a failed send."""
        ...


def transport_from_settings(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> Transport:
    """The transport `settings.email` names.

    For SMTP with a username, the password is read from the environment variable named by
    `email.smtp_password_env` (never from a file); a missing one is a `ConfigError` that names
    the variable. A relative maildir folder is resolved against the configuration's folder.
    """
    email = settings.email
    if email.transport == "smtp":
        password = None
        if email.smtp_username:
            environ = os.environ if environ is None else environ
            password = environ.get(email.smtp_password_env, "")
            if not password:
                raise ConfigError(
                    f"email.smtp_username is set but the environment variable "
                    f"{email.smtp_password_env} (email.smtp_password_env) holds no password"
                )
        return SmtpTransport(
            email.smtp_host,
            email.smtp_port,
            security=email.smtp_security,
            username=email.smtp_username,
            password=password,
        )
    if email.transport == "maildir":
        return MaildirTransport(settings.base_dir / email.maildir)
    if email.transport == "console":
        return ConsoleTransport(sys.stdout if stream is None else stream)
    raise ConfigError(f"email.transport must be maildir, smtp or console, got {email.transport!r}")


class SmtpTransport:
    """Sends through an SMTP server, one connection per batch.

    Replies 4xx, a lost or refused connection, TLS and login failures are temporary: nothing is
    wrong with the message, so it is retried (fixing a bad password needs no manual retry).
    Replies 5xx to a message are permanent. If the server accepts some recipients of a message
    and refuses others, the message counts as sent (retrying would send it twice to the ones
    who accepted) and the refusals are in `reason` and the log.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "none",
        username: str = "",
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in {"none", "starttls", "tls"}:
            raise ConfigError(f"SMTP security must be none, starttls or tls, got {security!r}")
        if username and not password:
            raise ConfigError(f"SMTP username {username!r} is set but no password was given")
        self._host = host
        self._port = port
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        # The password is left out on purpose: reprs end up in logs and tracebacks.
        return (
            f"SmtpTransport({self._host!r}, {self._port}, security={self._security!r}, "
            f"username={self._username!r})"
        )

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        """Send every message over one connection; see the class for what counts as what."""
        if not messages:
            return []
        server = f"{self._host}:{self._port}"
        try:
            conn = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"cannot use SMTP server {server}: {_describe(exc)}"
            log.warning("%s; %d messages left for a retry", reason, len(messages))
            return [_result(msg, SendStatus.TEMPORARY, reason) for msg in messages]
        results: list[SendResult] = []
        try:
            for msg in messages:
                if conn.sock is None:
                    reason = f"SMTP server {server} closed the connection"
                    if results:
                        reason += f" after: {results[-1].reason}"
                    results.append(_result(msg, SendStatus.TEMPORARY, reason))
                    continue
                try:
                    results.append(self._send_one(conn, msg))
                except (OSError, smtplib.SMTPServerDisconnected) as exc:
                    reason = f"lost the connection to SMTP server {server}: {_describe(exc)}"
                    results.append(_result(msg, SendStatus.TEMPORARY, reason))
                    conn.close()
        finally:
            _quit(conn)
        sent = sum(result.sent for result in results)
        log.info("SMTP %s: %d of %d messages sent", server, sent, len(messages))
        return results

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        conn: smtplib.SMTP
        if self._security == "tls":
            conn = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        else:
            conn = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            conn.ehlo()
            if self._security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if self._username:
                conn.login(self._username, self._password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def _send_one(self, conn: smtplib.SMTP, msg: Message) -> SendResult:
        try:
            refused = conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            return _refused(msg, exc.recipients)
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPResponseException as exc:
            # Sender refused, data refused, or another reply to one of the message's commands.
            return _result(msg, _status_of(exc.smtp_code), f"refused: {_describe(exc)}")
        except smtplib.SMTPNotSupportedError as exc:
            return _result(msg, SendStatus.PERMANENT, f"not supported by the server: {exc}")
        except ValueError as exc:
            # send_message found no sender or recipient in the headers.
            return _result(msg, SendStatus.PERMANENT, _describe(exc))
        if refused:
            reason = "some recipients refused: " + _refusals(refused)
            log.warning("message %s sent, but %s", msg["Message-ID"], reason)
            return _result(msg, SendStatus.SENT, reason)
        return _result(msg, SendStatus.SENT)


class MaildirTransport:
    """Writes each message as an .eml file into a folder (demos, tests, a pickup directory).

    The file is named after the Message-ID, so sending the same message again replaces its file
    instead of adding a copy; it appears whole or not at all (written aside, then renamed).
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

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        """Write every message; a message without a Message-ID fails permanently."""
        results: list[SendResult] = []
        for msg in messages:
            message_id = str(msg["Message-ID"] or "")
            if not message_id.strip("<> "):
                results.append(_result(msg, SendStatus.PERMANENT, "the message has no Message-ID"))
                continue
            try:
                self._folder.mkdir(parents=True, exist_ok=True)
                _write_atomically(self.path_for(message_id), msg.as_bytes())
            except OSError as exc:
                reason = f"cannot write to {self._folder}: {_describe(exc)}"
                results.append(_result(msg, SendStatus.TEMPORARY, reason))
                continue
            results.append(_result(msg, SendStatus.SENT))
        return results


class ConsoleTransport:
    """Prints each message to a text stream (a terminal, a log file, a test's buffer)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        """Print every message followed by a separator line."""
        results: list[SendResult] = []
        for msg in messages:
            try:
                self._stream.write(msg.as_string())
                self._stream.write("\n" + "-" * 72 + "\n")
                self._stream.flush()
            except (OSError, ValueError) as exc:
                results.append(_result(msg, SendStatus.TEMPORARY, _describe(exc)))
                continue
            results.append(_result(msg, SendStatus.SENT))
        return results


def _result(msg: Message, status: SendStatus, reason: str = "") -> SendResult:
    return SendResult(str(msg["Message-ID"] or ""), status, reason)


def _status_of(code: int) -> SendStatus:
    return SendStatus.PERMANENT if 500 <= code < 600 else SendStatus.TEMPORARY


def _refused(msg: Message, refusals: Mapping[str, tuple[int, bytes]]) -> SendResult:
    # Every recipient refused: worth retrying only if one of the refusals was temporary.
    temporary = any(not 500 <= code < 600 for code, _ in refusals.values())
    status = SendStatus.TEMPORARY if temporary else SendStatus.PERMANENT
    return _result(msg, status, "all recipients refused: " + _refusals(refusals))


def _refusals(refusals: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {_text(reply)})" for address, (code, reply) in sorted(refusals.items())
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    text = str(exc) or type(exc).__name__
    return _one_line(f"{type(exc).__name__}: {text}")


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return _one_line(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quit(conn: smtplib.SMTP) -> None:
    try:
        if conn.sock is not None:
            conn.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        conn.close()


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def _safe_name(message_id: str) -> str:
    bare = message_id.strip().removeprefix("<").removesuffix(">")
    name = _UNSAFE.sub("_", bare)[:150].lstrip(".")
    if name != bare or not name:
        # Two ids that only differ in unsafe characters must not share a file.
        name = f"{name}-{hashlib.sha256(message_id.encode('utf-8')).hexdigest()[:12]}"
    return name


def _write_atomically(target: Path, data: bytes) -> None:
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".eml")
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
