"""The outbox through a stop and an outage: SIGTERM during a drain to a slow SMTP server stops
within one message; an SMTP server down for 30 minutes (simulated) makes no dead letter."""

from __future__ import annotations

import logging
import signal
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ceop_workflow.clock import FixedClock
from ceop_workflow.config import load_settings
from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.notify.outbox import counts
from ceop_workflow.scheduling.status import describe, status
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import DaemonLease
from tests.daemon.outbox_support import (
    T0,
    SlowHandler,
    email_config,
    queue,
    received_ids,
    rows,
    smtp_on_loopback,
)
from tests.daemon.support import daemon_process, run_cli, sqlite_url, wait_for
from tests.integration.conftest import Handler, free_port

NOW = T0.strftime("%Y-%m-%dT%H:%M")


def test_sigterm_during_a_drain_to_a_slow_server_exits_0_within_5_seconds(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    queue(url, 200)
    handler = SlowHandler(0.2)
    with smtp_on_loopback(handler) as port:
        config = email_config(tmp_path, url, transport="smtp", port=port)
        daemon = daemon_process(
            config, tmp_path / "d.log", "--now", NOW, "daemon", "--worker-id", "stopping"
        )
        wait_for(lambda: len(handler.received) >= 3, 90, "the drain to be under way")
        asked = time.monotonic()
        daemon.process.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
        took = time.monotonic() - asked
        got = received_ids(list(handler.received))
    print(f"stopped {took:.2f} s after SIGTERM, {len(got)} of 200 sent")
    assert code == 0, daemon.log
    assert took < 5, daemon.log
    outbox = rows(url)
    # The message in hand was finished and recorded; the rest of the claim was handed back.
    assert {m for m, (s, _, _) in outbox.items() if s == "sent"} == set(got)
    assert {s for s, _, _ in outbox.values()} == {"sent", "pending"}
    assert all(claimer is None for _, _, claimer in outbox.values())
    assert max(got.values()) == 1
    database = Database(url)
    try:
        with database.reading() as session:
            lease = session.get(DaemonLease, "daemon")
            assert lease is not None and lease.holder is None  # released at once
            pending_attempts = Counter(a for s, a, _ in outbox.values() if s == "pending")
            assert set(pending_attempts) == {0}  # the messages handed back spent nothing
            del session
    finally:
        database.dispose()


def test_smtp_down_for_30_simulated_minutes_then_up_no_dead_letter_all_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ceop_workflow")
    url = sqlite_url(tmp_path)
    ids = queue(url, 300)
    port = free_port()  # nobody listens: connection refused
    config = email_config(tmp_path, url, transport="smtp", port=port)
    settings = load_settings(config, environ={})
    database = Database(url)
    clock = FixedClock(T0)
    sender = OutboxSender.from_settings(settings, database, worker="drainer")
    try:
        tried = []
        while clock.now() < T0 + timedelta(minutes=30):  # the daemon drains every minute
            report = sender.drain(clock.now())
            tried.append(report.paused == 1 and report.claimed > 0)
            clock.advance_to(clock.now() + timedelta(seconds=60))
        with database.reading() as session:
            during = counts(session)
        picture = status(database, clock.now(), 60)
        text = describe(picture)

        handler = Handler()
        with smtp_on_loopback(handler, port):
            reports = []
            for _ in range(30):  # up again: within the longest pause it is back in use
                reports.append(sender.drain(clock.now(), max_batches=100))
                if reports[-1].sent:
                    break
                clock.advance_to(clock.now() + timedelta(seconds=60))
            got = received_ids(list(handler.received))
        after = status(database, clock.now(), 60)
    finally:
        database.dispose()

    assert (during.dead, during.pending, during.retrying, during.sending) == (0, 300, 0, 0)
    # It probed with backoff (1, 2, 4, 8 minutes...), not at every drain, and spent nothing.
    assert 3 <= sum(tried) <= 8
    assert {attempts for _, attempts, _ in rows(url).values()} == {1}
    assert picture.transport.down_since == T0.isoformat()
    assert f"transport:       DOWN since {T0.isoformat()}" in text
    assert "ConnectionRefusedError" in text
    assert sum(r.sent for r in reports) == 300
    assert got == Counter(dict.fromkeys(ids, 1))
    assert after.transport is None and after.outbox.dead_letters == 0
    # One line when it went down, one when it came back: not one per try.
    lines = [r.getMessage() for r in caplog.records if "transport" in r.getMessage()]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"outbox: transport down since {T0.isoformat()}")
    assert lines[1].startswith("outbox: transport back at")
    assert not [r for r in caplog.records if r.exc_info]


def test_retry_all_dead_with_a_filter_requeues_only_the_matching_dead_letters(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    queue(url, 3)
    config = email_config(tmp_path, url, transport="maildir")
    database = Database(url)
    try:
        from ceop_workflow.store.models import OutboxMessage

        with database.unit_of_work() as session:
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
                row.status = "dead"
                row.last_error = (
                    "gave up after 5 attempts: cannot use SMTP server mail.example:25"
                    if row.id < 3
                    else "refused: 550 no such user"
                )
    finally:
        database.dispose()

    result = run_cli(
        config, "--now", NOW, "outbox", "retry", "--all-dead", "--error", "mail.example"
    )
    both = run_cli(config, "outbox", "retry", "1", "--all-dead")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 dead letters are pending again; they leave at the next drain"
    assert [s for s, _, _ in rows(url).values()].count("pending") == 2
    assert both.returncode == 2 and "either a message ID or --all-dead" in both.stderr
