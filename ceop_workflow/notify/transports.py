"""Ways an email leaves ceop-workflow: SMTP, a folder of .eml files, or a text stream.

A transport is opened into a `Delivery`, which sends one message at a time and says at once
what became of it, so the outbox records each outcome before the next message goes: sent,
failed for now (the outbox retries it later, with backoff), failed for good (a dead letter), or
not tried because the transport itself cannot be used (the server refuses connections, times
out, says 4xx on connect, refuses the login: the outbox pauses, spending no attempt).
Transports never raise for a failed send: a failure is a `SendResult`.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import sys
from collections.abc import Mapping, Sequence
from email.message import Message
from typing import TextIO

from ceop_workflow.config import Settings
from ceop_workflow.errors import ConfigError
from ceop_workflow.notify.maildir import MaildirTransport, clean_leftovers
from ceop_workflow.notify.sending import (
    Delivery,
    OneByOne,
    Opens,
    SendResult,
    SendStatus,
    Transport,
    describe,
    open_delivery,
    result_of,
    send_all,
    text_of,
)

# Re-exported: callers import every transport and its shapes from here.
__all__ = [
    "ConsoleTransport",
    "Delivery",
    "MaildirTransport",
    "OneByOne",
    "Opens",
    "SendResult",
    "SendStatus",
    "SmtpTransport",
    "Transport",
    "clean_leftovers",
    "open_delivery",
    "transport_from_settings",
]

log = logging.getLogger(__name__)


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
    """Sends through an SMTP server, one connection for as long as it lasts.

    A server that cannot be used (connection refused or timed out, 4xx on connect or 421 at any
    time, TLS or login failures) makes the transport `UNAVAILABLE`: nothing is wrong with the
    message, so it spends no attempt (fixing a bad password needs no manual retry). Replies 4xx
    to a message, or a connection lost while sending it, are temporary; 5xx are permanent. If
    the server accepts some recipients of a message and refuses others, the message counts as
    sent (retrying would send it twice to the ones who accepted) and the refusals are in
    `reason` and the log.
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
        results = send_all(self.open(), messages)
        sent = sum(result.sent for result in results)
        log.info("SMTP %s:%d: %d of %d messages sent", self._host, self._port, sent, len(messages))
        return results

    def open(self) -> _SmtpDelivery:
        """A delivery that connects at its first message and again after a lost connection."""
        return _SmtpDelivery(self)

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
            return result_of(msg, _status_of(exc.smtp_code), f"refused: {describe(exc)}")
        except smtplib.SMTPNotSupportedError as exc:
            return result_of(msg, SendStatus.PERMANENT, f"not supported by the server: {exc}")
        except ValueError as exc:
            # send_message found no sender or recipient in the headers.
            return result_of(msg, SendStatus.PERMANENT, describe(exc))
        if refused:
            reason = "some recipients refused: " + _refusals(refused)
            log.warning("message %s sent, but %s", msg["Message-ID"], reason)
            return result_of(msg, SendStatus.SENT, reason)
        return result_of(msg, SendStatus.SENT)


class _SmtpDelivery:
    """One SMTP connection, opened at the first message and again after one was lost.

    The outcome of a message is known when `send` returns: after the server's reply to the end
    of its data (250: sent), which the outbox then records before the next message goes.
    """

    def __init__(self, transport: SmtpTransport) -> None:
        self._transport = transport
        self._conn: smtplib.SMTP | None = None
        self._server = f"{transport._host}:{transport._port}"

    def send(self, message: Message) -> SendResult:
        """Connect if need be, then send `message`; see `SmtpTransport` for the outcomes."""
        if self._conn is None or self._conn.sock is None:
            try:
                self._conn = self._transport._connect()
            except (OSError, smtplib.SMTPException) as exc:
                self._conn = None
                reason = f"cannot use SMTP server {self._server}: {describe(exc)}"
                return result_of(message, SendStatus.UNAVAILABLE, reason)
        try:
            result = self._transport._send_one(self._conn, message)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.close()
            reason = f"lost the connection to SMTP server {self._server}: {describe(exc)}"
            return result_of(message, SendStatus.TEMPORARY, reason)
        if result.status is not SendStatus.SENT and self._conn.sock is None:
            # 421 and its like: the server closed the connection, it is not the message.
            return result_of(message, SendStatus.UNAVAILABLE, result.reason)
        return result

    def close(self) -> None:
        """QUIT, or just close when the server has gone."""
        if self._conn is not None:
            _quit(self._conn)
            self._conn = None


class ConsoleTransport:
    """Prints each message to a text stream (a terminal, a log file, a test's buffer)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def open(self) -> ConsoleTransport:
        """Itself: printing needs no connection."""
        return self

    def send(self, message: Message) -> SendResult:
        """Print one message followed by a separator line."""
        try:
            self._stream.write(message.as_string())
            self._stream.write("\n" + "-" * 72 + "\n")
            self._stream.flush()
        except (OSError, ValueError) as exc:
            return result_of(message, SendStatus.TEMPORARY, describe(exc))
        return result_of(message, SendStatus.SENT)

    def close(self) -> None:
        """The stream stays open: it is not ours."""

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        """Print every message followed by a separator line."""
        return [self.send(message) for message in messages]


def _status_of(code: int) -> SendStatus:
    return SendStatus.PERMANENT if 500 <= code < 600 else SendStatus.TEMPORARY


def _refused(msg: Message, refusals: Mapping[str, tuple[int, bytes]]) -> SendResult:
    # Every recipient refused: worth retrying only if one of the refusals was temporary.
    temporary = any(not 500 <= code < 600 for code, _ in refusals.values())
    status = SendStatus.TEMPORARY if temporary else SendStatus.PERMANENT
    return result_of(msg, status, "all recipients refused: " + _refusals(refusals))


def _refusals(refusals: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {text_of(reply)})"
        for address, (code, reply) in sorted(refusals.items())
    )


def _quit(conn: smtplib.SMTP) -> None:
    try:
        if conn.sock is not None:
            conn.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        conn.close()
