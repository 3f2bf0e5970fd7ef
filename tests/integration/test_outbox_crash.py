"""A drainer process killed with SIGKILL mid-drain loses nothing and resends at most one message.

A real subprocess drains into a real SMTP server on loopback and is killed (1) after committing
its claim, before any SMTP traffic, and (2) after the server accepted the first message, before
its outcome was recorded. Another drainer then takes over once the claim has expired.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select

from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.notify.outbox import enqueue, message_id_for
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.notify.transports import SmtpTransport
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage
from tests.integration.conftest import HOST, SmtpServer
from tests.support import scaled

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
CLAIM_SECONDS = 600
KEYS = ("crash:a", "crash:b", "crash:c")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def _enqueue_three(database: Database) -> None:
    with database.unit_of_work() as session:
        for i, key in enumerate(KEYS):
            enqueue(
                session,
                template="monthly_review_due",
                recipients=[f"keyworker{i}@ceop.example"],
                context=sample_contexts()["monthly_review_due"][0],
                dedupe_key=key,
                now=T0,
                domain="ceop.example",
            )


def _kill_at(database: Database, port: int, mode: str, signal_line: str) -> str:
    """Run a drainer in a subprocess until it prints `signal_line`, then SIGKILL it."""
    env = os.environ | {"PYTHONPATH": str(REPO)}
    args = [database.url, str(port), mode, T0.isoformat(), str(CLAIM_SECONDS)]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.crash_drainer", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], scaled(30))
        line = process.stdout.readline().strip() if ready else ""
        if not line.startswith(signal_line):
            process.kill()
            assert process.stderr is not None
            pytest.fail(f"the drainer said {line!r}, not {signal_line}: {process.stderr.read()}")
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=scaled(10)) == -signal.SIGKILL
        return line
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _rows(database: Database) -> dict[str, tuple[str, int]]:
    with database.reading() as session:
        return {
            key: (status, attempts)
            for key, status, attempts in session.execute(
                sql_select(OutboxMessage.dedupe_key, OutboxMessage.status, OutboxMessage.attempts)
            )
        }


def _survivor(database: Database, port: int) -> OutboxSender:
    return OutboxSender(
        database,
        TemplateRenderer(REPO / "notifications"),
        SmtpTransport(HOST, port, timeout=scaled(5)),
        sender="partnerships@ceop.example",
        claim_seconds=CLAIM_SECONDS,
    )


def _message_ids(server: SmtpServer) -> Counter[str]:
    return Counter(
        str(message_from_bytes(r.data, policy=policy.default)["Message-ID"])
        for r in server.received
    )


def test_killed_after_committing_the_claim_before_sending_loses_nothing(
    outbox_db: Database, smtp_server: SmtpServer
) -> None:
    _enqueue_three(outbox_db)

    _kill_at(outbox_db, smtp_server.port, "before-send", "CLAIMED")

    assert smtp_server.received == []
    # Only the message about to go has spent an attempt; the rest of the claim has not.
    assert _rows(outbox_db) == {
        "crash:a": ("sending", 1),
        "crash:b": ("sending", 0),
        "crash:c": ("sending", 0),
    }
    survivor = _survivor(outbox_db, smtp_server.port)
    before_expiry = T0 + timedelta(seconds=CLAIM_SECONDS - 1)
    assert survivor.drain(before_expiry).claimed == 0  # the dead drainer's claim still stands
    report = survivor.drain(T0 + timedelta(seconds=CLAIM_SECONDS))
    assert (report.claimed, report.sent) == (3, 3)
    assert _message_ids(smtp_server) == Counter(
        {message_id_for(key, "ceop.example"): 1 for key in KEYS}
    )
    assert _rows(outbox_db) == {
        "crash:a": ("sent", 2),
        "crash:b": ("sent", 1),
        "crash:c": ("sent", 1),
    }


def test_killed_between_the_servers_250_and_the_commit_resends_that_one_message_only(
    outbox_db: Database, smtp_server: SmtpServer
) -> None:
    _enqueue_three(outbox_db)

    line = _kill_at(outbox_db, smtp_server.port, "after-send", "SENT")

    # The window between the server's 250 and the commit of the outcome holds one message.
    assert line == "SENT sent"
    assert len(smtp_server.received) == 1
    assert _rows(outbox_db) == {
        "crash:a": ("sending", 1),
        "crash:b": ("sending", 0),
        "crash:c": ("sending", 0),
    }
    survivor = _survivor(outbox_db, smtp_server.port)
    report = survivor.drain(T0 + timedelta(seconds=CLAIM_SECONDS))
    assert (report.claimed, report.sent) == (3, 3)
    assert survivor.drain(T0 + timedelta(days=1)).claimed == 0
    # The message in the window arrived twice, under its stable Message-ID; the others once.
    assert _message_ids(smtp_server) == Counter(
        {
            message_id_for("crash:a", "ceop.example"): 2,
            message_id_for("crash:b", "ceop.example"): 1,
            message_id_for("crash:c", "ceop.example"): 1,
        }
    )
    assert _rows(outbox_db) == {
        "crash:a": ("sent", 2),
        "crash:b": ("sent", 1),
        "crash:c": ("sent", 1),
    }
