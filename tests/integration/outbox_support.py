"""What the outbox tests share: a scripted transport, the shipped renderer, and helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from sqlalchemy import select

from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.notify.transports import SendResult, SendStatus, Transport
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage

SHIPPED = Path(__file__).resolve().parents[2] / "notifications"
T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
SENDER = "partnerships@ceop.example"


class ScriptedTransport:
    """Answers each message with `decide(message)`; remembers what it was given.

    Each opening (one per claimed batch) is a batch. `during_send` runs first in each batch: a
    test makes the sender crash or race there.
    """

    def __init__(self, decide: Callable[[Message], SendStatus] | None = None) -> None:
        self.decide = decide or (lambda _msg: SendStatus.SENT)
        self.batches: list[list[Message]] = []
        self.during_send: Callable[[], None] = lambda: None

    @property
    def sent(self) -> list[Message]:
        return [m for batch in self.batches for m in batch]

    def open(self) -> ScriptedTransport:
        self.during_send()
        self.batches.append([])
        return self

    def send(self, msg: Message) -> SendResult:
        self.batches[-1].append(msg)
        status = self.decide(msg)
        reason = "" if status is SendStatus.SENT else f"scripted {status.value} failure"
        return SendResult(str(msg["Message-ID"]), status, reason)

    def close(self) -> None:
        pass

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        self.open()
        return [self.send(msg) for msg in messages]


def make_sender(
    database: Database,
    renderer: TemplateRenderer,
    transport: Transport,
    **limits: int,
) -> OutboxSender:
    """A sender with small test limits; override any of them by keyword."""
    return OutboxSender(
        database,
        renderer,
        transport,
        sender=SENDER,
        max_attempts=limits.get("max_attempts", 3),
        retry_base_seconds=limits.get("retry_base_seconds", 60),
        batch_size=limits.get("batch_size", 50),
        claim_seconds=limits.get("claim_seconds", 600),
    )


def put(
    database: Database,
    key: str,
    *,
    template: str = "monthly_review_due",
    now: datetime = T0,
    recipients: Sequence[str] = ("sam.keyworker@ceop.example",),
    context: dict[str, object] | None = None,
) -> bool:
    """Queue one message (a sample context by default); False if the key was used."""
    with database.unit_of_work() as session:
        return enqueue(
            session,
            template=template,
            recipients=recipients,
            context=context if context is not None else sample_contexts()[template][0],
            dedupe_key=key,
            now=now,
            domain="ceop.example",
        )


def row_of(database: Database, key: str) -> OutboxMessage:
    """The outbox row of dedupe key `key`, detached."""
    with database.reading() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
        session.expunge(row)
        return row
