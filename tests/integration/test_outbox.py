"""The outbox on a real database: enqueue, drain, retry with backoff, dead letters, retry by id."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from ceop_workflow.errors import NotFound, Refused
from ceop_workflow.notify.outbox import (
    OutboxCounts,
    counts,
    dead_letters,
    enqueue,
    message_id_for,
    retry_dead_letter,
)
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.notify.transports import (
    MaildirTransport,
    SendStatus,
)
from ceop_workflow.store.db import Database
from tests.integration.outbox_support import (
    SENDER,
    SHIPPED,
    T0,
    ScriptedTransport,
)
from tests.integration.outbox_support import make_sender as _sender
from tests.integration.outbox_support import put as _enqueue
from tests.integration.outbox_support import row_of as _row


@pytest.fixture
def database(outbox_db: Database) -> Database:
    return outbox_db


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer(SHIPPED)


def test_enqueue_is_idempotent_by_dedupe_key(database: Database) -> None:
    assert _enqueue(database, "monthly:12:2025-11") is True
    assert _enqueue(database, "monthly:12:2025-11") is False

    with database.reading() as session:
        assert counts(session).pending == 1
    assert _row(database, "monthly:12:2025-11").message_id == message_id_for(
        "monthly:12:2025-11", "ceop.example"
    )


def test_enqueue_belongs_to_the_callers_transaction(database: Database) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), database.unit_of_work() as session:
        enqueue(
            session,
            template="escalation",
            recipients=["kelly.burke@ceop.example"],
            context=sample_contexts()["escalation"][0],
            dedupe_key="escalation:12",
            now=T0,
        )
        raise Abort

    with database.reading() as session:
        assert counts(session).pending == 0


def test_drain_sends_due_messages_and_marks_them_sent(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "a")
    _enqueue(database, "b", template="escalation", recipients=["kelly.burke@ceop.example"])
    _enqueue(database, "later", now=T0 + timedelta(hours=1))
    transport = ScriptedTransport()

    report = _sender(database, renderer, transport).drain(T0)

    assert (report.claimed, report.sent) == (2, 2)
    assert len(transport.batches) == 1
    sent = {m["Message-ID"]: m for m in transport.sent}
    assert set(sent) == {message_id_for("a", "ceop.example"), message_id_for("b", "ceop.example")}
    escalation = sent[message_id_for("b", "ceop.example")]
    assert escalation["To"] == "kelly.burke@ceop.example"
    assert escalation["From"] == SENDER
    assert escalation["Subject"].startswith("Escalated: Example Online Safety Ltd")
    assert escalation["X-Ceop-Template"] == "escalation"
    assert escalation["Date"] == "Mon, 01 Dec 2025 09:00:00 +0000"
    row = _row(database, "a")
    assert (row.status, row.attempts, row.sent_at, row.claimed_until) == ("sent", 1, T0, None)
    with database.reading() as session:
        assert counts(session) == OutboxCounts(pending=1, retrying=0, sending=0, sent=2, dead=0)

    assert _sender(database, renderer, transport).drain(T0).claimed == 0


def test_temporary_failures_back_off_then_become_dead_letters(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "a")
    transport = ScriptedTransport(lambda _m: SendStatus.TEMPORARY)
    sender = _sender(database, renderer, transport, max_attempts=3, retry_base_seconds=60)

    assert sender.drain(T0).retrying == 1
    row = _row(database, "a")
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "pending",
        1,
        T0 + timedelta(seconds=60),
    )
    assert row.last_error == "scripted temporary failure"
    with database.reading() as session:
        assert counts(session).retrying == 1

    assert sender.drain(T0 + timedelta(seconds=59)).claimed == 0
    assert sender.drain(T0 + timedelta(seconds=60)).retrying == 1
    assert _row(database, "a").next_attempt_at == T0 + timedelta(seconds=60 + 120)

    assert sender.drain(T0 + timedelta(seconds=180)).dead == 1
    row = _row(database, "a")
    assert (row.status, row.attempts) == ("dead", 3)
    assert row.last_error == "gave up after 3 attempts: scripted temporary failure"
    assert len(transport.sent) == 3
    with database.reading() as session:
        [letter] = dead_letters(session)
    assert letter.template == "monthly_review_due"
    assert letter.recipients == ("sam.keyworker@ceop.example",)


def test_retry_delay_doubles_and_is_capped(database: Database, renderer: TemplateRenderer) -> None:
    sender = _sender(database, renderer, ScriptedTransport(), retry_base_seconds=60)

    assert [sender.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert sender.retry_delay(50) == timedelta(hours=6)


def test_permanent_failure_is_a_dead_letter_at_once(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "a")
    _enqueue(database, "b")
    refuse_a = message_id_for("a", "ceop.example")
    transport = ScriptedTransport(
        lambda m: SendStatus.PERMANENT if m["Message-ID"] == refuse_a else SendStatus.SENT
    )

    report = _sender(database, renderer, transport).drain(T0)

    assert (report.sent, report.dead) == (1, 1)
    assert _row(database, "a").status == "dead"
    assert _row(database, "a").last_error == "scripted permanent failure"
    assert _row(database, "b").status == "sent"


def test_a_message_that_cannot_be_built_is_dead_and_does_not_stop_the_others(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "typo", context={"partnersip": {}})
    _enqueue(database, "unknown", template="no_such_template", context={})
    _enqueue(database, "fine")
    transport = ScriptedTransport()

    report = _sender(database, renderer, transport).drain(T0)

    assert (report.sent, report.dead) == (1, 2)
    assert [m["Message-ID"] for m in transport.sent] == [message_id_for("fine", "ceop.example")]
    assert "cannot build the message: template 'monthly_review_due'" in str(
        _row(database, "typo").last_error
    )
    assert "unknown template 'no_such_template'" in str(_row(database, "unknown").last_error)


def test_retry_a_dead_letter_by_id(database: Database, renderer: TemplateRenderer) -> None:
    _enqueue(database, "a")
    failing = ScriptedTransport(lambda _m: SendStatus.PERMANENT)
    _sender(database, renderer, failing).drain(T0)
    dead_id = _row(database, "a").id

    later = T0 + timedelta(days=1)
    with database.unit_of_work() as session:
        retry_dead_letter(session, dead_id, later)
    row = _row(database, "a")
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, later)

    working = ScriptedTransport()
    assert _sender(database, renderer, working).drain(later).sent == 1
    assert _row(database, "a").status == "sent"

    not_dead = f"outbox message {dead_id} is sent, not a dead letter"
    with pytest.raises(Refused, match=not_dead), database.unit_of_work() as session:
        retry_dead_letter(session, dead_id, later)
    with pytest.raises(NotFound, match="no outbox message 999"), database.unit_of_work() as session:
        retry_dead_letter(session, 999, later)


def test_a_transport_that_raises_leaves_messages_for_a_retry(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "a")
    broken = ScriptedTransport()

    def bug() -> None:
        raise RuntimeError("a bug in the transport")

    broken.during_send = bug

    assert _sender(database, renderer, broken).drain(T0).retrying == 1
    assert "RuntimeError: a bug in the transport" in str(_row(database, "a").last_error)


def test_drain_works_through_several_batches(
    database: Database, renderer: TemplateRenderer
) -> None:
    for i in range(7):
        _enqueue(database, f"m{i}")
    transport = ScriptedTransport()

    report = _sender(database, renderer, transport, batch_size=3).drain(T0)

    assert (report.claimed, report.sent) == (7, 7)
    assert [len(batch) for batch in transport.batches] == [3, 3, 1]


def test_end_to_end_into_a_maildir(
    database: Database, renderer: TemplateRenderer, tmp_path: Path
) -> None:
    _enqueue(database, "digest:sam:2025-12-01", template="daily_digest")
    _enqueue(database, "digest:sam:2025-12-01", template="daily_digest")
    transport = MaildirTransport(tmp_path / "maildir")

    assert _sender(database, renderer, transport).drain(T0).sent == 1

    [only] = list((tmp_path / "maildir").glob("*.eml"))
    parsed = message_from_bytes(only.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == message_id_for("digest:sam:2025-12-01", "ceop.example")
    assert parsed["Subject"] == "3 partnership reminders for 2025-12-01"
