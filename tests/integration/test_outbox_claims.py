"""Outbox claims on a real database: no transaction held while sending, an interrupted send
taken over after its claim expires, concurrent drainers, outcomes of a claim taken over."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from ceop_workflow.notify.outbox import (
    counts,
    message_id_for,
)
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.store import migrate
from ceop_workflow.store.db import Database
from tests.integration.outbox_support import (
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


def test_no_write_transaction_is_held_while_sending(
    tmp_path: Path, renderer: TemplateRenderer
) -> None:
    path = tmp_path / "outbox.db"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    _enqueue(database, "a")
    transport = ScriptedTransport()

    def write_elsewhere() -> None:
        # Another writer with almost no patience: "database is locked" if the drain held one.
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()

    transport.during_send = write_elsewhere

    assert _sender(database, renderer, transport).drain(T0).sent == 1
    database.dispose()


def test_an_interrupted_send_is_claimed_again_after_the_claim_expires(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "a")
    crashing = ScriptedTransport()

    def crash() -> None:
        raise SystemExit("killed mid-send")

    crashing.during_send = crash
    with pytest.raises(SystemExit):
        _sender(database, renderer, crashing, claim_seconds=600).drain(T0)
    assert _row(database, "a").status == "sending"

    working = ScriptedTransport()
    sender = _sender(database, renderer, working, claim_seconds=600)
    assert sender.drain(T0 + timedelta(seconds=599)).claimed == 0
    assert sender.drain(T0 + timedelta(seconds=600)).sent == 1
    assert [m["Message-ID"] for m in working.sent] == [message_id_for("a", "ceop.example")]
    assert _row(database, "a").attempts == 2


def test_a_message_that_keeps_killing_the_sender_becomes_a_dead_letter(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "poison")
    crashing = ScriptedTransport()

    def crash() -> None:
        raise SystemExit("killed mid-send")

    crashing.during_send = crash
    sender = _sender(database, renderer, crashing, max_attempts=2, claim_seconds=10)
    for attempt in range(2):
        with pytest.raises(SystemExit):
            sender.drain(T0 + timedelta(seconds=10 * attempt))

    report = sender.drain(T0 + timedelta(seconds=20))

    assert (report.claimed, report.dead) == (0, 1)
    row = _row(database, "poison")
    assert row.status == "dead"
    assert "the sender stopped while sending" in str(row.last_error)


def test_concurrent_drainers_send_each_message_once(
    database: Database, renderer: TemplateRenderer
) -> None:
    total = 60
    for i in range(total):
        _enqueue(database, f"m{i}")
    transports = [ScriptedTransport() for _ in range(4)]
    errors: list[BaseException] = []

    def run(transport: ScriptedTransport) -> None:
        try:
            other = Database(database.url)
            try:
                _sender(other, renderer, transport, batch_size=5).drain(T0, max_batches=100)
            finally:
                other.dispose()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in transports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    ids = [m["Message-ID"] for t in transports for m in t.sent]
    assert len(ids) == total
    assert len(set(ids)) == total
    with database.reading() as session:
        assert counts(session).sent == total


def test_an_outcome_is_not_saved_once_another_drainer_took_the_message_over(
    database: Database, renderer: TemplateRenderer
) -> None:
    _enqueue(database, "a")
    _enqueue(database, "b")
    slow, other = ScriptedTransport(), ScriptedTransport()

    def overtaken() -> None:
        # The claim runs out mid-send; another drainer takes "a" over and sends it.
        late = _sender(database, renderer, other, claim_seconds=60, batch_size=1)
        late.drain(T0 + timedelta(seconds=60), max_batches=1)

    slow.during_send = overtaken

    report = _sender(database, renderer, slow, claim_seconds=60).drain(T0)

    assert (report.claimed, report.sent, report.lost) == (2, 1, 1)
    assert [m["Message-ID"] for m in other.sent] == [message_id_for("a", "ceop.example")]
    assert (_row(database, "a").status, _row(database, "a").attempts) == ("sent", 2)
    assert (_row(database, "b").status, _row(database, "b").attempts) == ("sent", 1)
