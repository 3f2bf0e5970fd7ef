"""What a transport promises: one outcome per message, never an exception for a failure.

`notify.transports` holds the transports themselves; this module the shapes they share.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum
from typing import Protocol, runtime_checkable


class SendStatus(StrEnum):
    """What happened to one message."""

    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    # The transport could not be used at all; nothing is wrong with the message.
    UNAVAILABLE = "unavailable"


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


class Delivery(Protocol):
    """An open transport: one message at a time, its outcome known when `send` returns."""

    def send(self, message: Message) -> SendResult:
        """Hand one message over; never raises for a failed send."""
        ...

    def close(self) -> None:
        """Let go of the connection, if any."""
        ...


@runtime_checkable
class Opens(Protocol):
    """A transport that can be opened for sending message by message (all of ours)."""

    def open(self) -> Delivery:
        """A delivery; connecting may wait for the first message."""
        ...


class OneByOne:
    """A `Delivery` over a transport that only sends batches: each message a batch of one."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def send(self, message: Message) -> SendResult:
        """The single result of a batch of one."""
        [result] = self._transport.send_batch([message])
        return result

    def close(self) -> None:
        """Nothing to let go of."""


def open_delivery(transport: Transport) -> Delivery:
    """`transport.open()`, or one message per batch for a transport that cannot be opened."""
    return transport.open() if isinstance(transport, Opens) else OneByOne(transport)


def send_all(delivery: Delivery, messages: Sequence[Message]) -> list[SendResult]:
    """Every message through `delivery`, then close it; once the transport is unavailable the
    rest are not tried (their results say why)."""
    results: list[SendResult] = []
    try:
        for msg in messages:
            if results and results[-1].status is SendStatus.UNAVAILABLE:
                results.append(result_of(msg, SendStatus.UNAVAILABLE, results[-1].reason))
            else:
                results.append(delivery.send(msg))
    finally:
        delivery.close()
    return results


def result_of(msg: Message, status: SendStatus, reason: str = "") -> SendResult:
    return SendResult(str(msg["Message-ID"] or ""), status, reason)


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {text_of(exc.smtp_error)}"
    text = str(exc) or type(exc).__name__
    return one_line(f"{type(exc).__name__}: {text}")


def text_of(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return one_line(text)


def one_line(text: str) -> str:
    return " ".join(text.split())
