"""A template that loops for ever: a real daemon still stops on SIGTERM within 5 s and the
message becomes a dead letter saying why; `notifications validate` reports it within 10 s."""

from __future__ import annotations

import re
import shutil
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.store.models import OutboxMessage
from tests.daemon.support import (
    REPO,
    World,
    daemon_process,
    run_cli,
    sqlite_url,
    wait_for,
    write_config,
)

NESTED_LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"
NOW = "2025-12-01T09:00:00+00:00"


def _install(tmp_path: Path) -> Path:
    """A config whose templates folder has the nested loop in the escalation's body."""
    templates = tmp_path / "notifications"
    shutil.copytree(REPO / "notifications", templates)
    body = templates / "escalation.txt"
    body.write_text(NESTED_LOOP + body.read_text(encoding="utf-8"), encoding="utf-8")
    config = write_config(tmp_path, sqlite_url(tmp_path), sweep_interval_seconds=1)
    text = config.read_text(encoding="utf-8").replace(
        f'templates_dir = "{(REPO / "notifications").as_posix()}"',
        f'templates_dir = "{templates.as_posix()}"',
    )
    text += f'\n[email]\ntransport = "maildir"\nmaildir = "{(tmp_path / "out").as_posix()}"\n'
    config.write_text(text, encoding="utf-8")
    return config


def _message(world: World) -> OutboxMessage:
    with world.service.db.reading() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.id == 1)).one()


def test_daemon_stops_on_sigterm_during_an_endless_render_and_dead_letters_it(
    make_world: Callable[[Path, datetime], World], tmp_path: Path
) -> None:
    config = _install(tmp_path)
    now = datetime.fromisoformat(NOW)
    world = make_world(config, now)
    with world.service.db.unit_of_work() as session:
        assert enqueue(
            session,
            template="escalation",
            recipients=["kelly.burke@ceop.example"],
            context=sample_contexts()["escalation"][0],
            dedupe_key="hostile-escalation",
            now=now.astimezone(UTC),
        )

    daemon = daemon_process(config, tmp_path / "daemon.log", "--now", NOW, "daemon")
    try:
        wait_for(lambda: _message(world).status == "sending", 60, "the drain to claim it")
        asked = time.monotonic()
        daemon.process.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=30)
        took = time.monotonic() - asked
    finally:
        if daemon.process.poll() is None:
            daemon.process.kill()

    assert code == 0, daemon.log
    assert took < 5, f"SIGTERM answered after {took:.1f} s"
    message = _message(world)
    assert message.status == "dead", daemon.log
    assert message.last_error is not None
    assert "escalation.txt line 1" in message.last_error
    # Stopped by its time or its step budget, whichever the machine's speed reaches first.
    assert re.search(
        r"stopped: (rendering took longer than 2 s|the template takes too many steps)",
        message.last_error,
    )


def test_validate_reports_an_endless_template_within_10_s(tmp_path: Path) -> None:
    config = _install(tmp_path)

    started = time.monotonic()
    run = run_cli(config, "notifications", "validate", timeout=60)
    took = time.monotonic() - started

    assert took < 10, f"validate took {took:.1f} s"
    assert run.returncode == 2, run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("error: template 'escalation' (escalation.txt line 1)")
    assert re.search(
        r"stopped: (rendering took longer than 2 s|the template takes too many steps)", line
    )
