"""What the outbox-through-faults tests share: a config with an email section, a quick way to
queue thousands of messages, an SMTP server on loopback that can be slow, and Message-ID counts."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from ceop_workflow.notify.outbox import insert_row, message_id_for
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.store import migrate
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage
from tests.daemon.support import REPO, ROLES, utc
from tests.integration.conftest import HOST, Handler, Received, free_port

T0 = utc(2025, 12, 10, 12, 0)
DOMAIN = "ceop.example"


def email_config(folder: Path, url: str, *, transport: str, port: int = 25, **daemon: int) -> Path:
    """A config.toml: the database, `transport` (smtp to loopback:`port`, or a maildir in
    `folder`/outbox), no digests, and [daemon] keys."""
    lines = [
        "[database]",
        f'url = "{url}"',
        "[general]",
        f'workflows_dir = "{(REPO / "workflows").as_posix()}"',
        f'templates_dir = "{(REPO / "notifications").as_posix()}"',
        "[email]",
        f'transport = "{transport}"',
        f'maildir = "{(folder / "outbox").as_posix()}"',
        f'smtp_host = "{HOST}"',
        f"smtp_port = {port}",
        'from_address = "partnerships@ceop.example"',
        "digest_roles = []",
        "[daemon]",
        *(f"{key} = {value}" for key, value in daemon.items()),
        ROLES,
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def queue(url: str, count: int, prefix: str = "m") -> list[str]:
    """Migrate the database and queue `count` reminders, due at T0; their Message-IDs."""
    database = Database(url)
    try:
        migrate.upgrade(database)
        context = sample_contexts()["monthly_review_due"][0]
        ids = []
        with database.unit_of_work() as session:
            for i in range(count):
                key = f"{prefix}{i:05d}"
                ids.append(message_id_for(key, DOMAIN))
                insert_row(
                    session,
                    {
                        "dedupe_key": key,
                        "message_id": ids[-1],
                        "template": "monthly_review_due",
                        "recipients": [f"kw{i}@ceop.example"],
                        "context": context,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": T0,
                        "created_at": T0,
                    },
                )
        return ids
    finally:
        database.dispose()


def rows(url: str) -> dict[str, tuple[str, int, str | None]]:
    """Message-ID -> (status, attempts, claimed_by) of every outbox row."""
    database = Database(url)
    try:
        with database.reading() as session:
            return {
                m: (s, a, c)
                for m, s, a, c in session.execute(
                    select(
                        OutboxMessage.message_id,
                        OutboxMessage.status,
                        OutboxMessage.attempts,
                        OutboxMessage.claimed_by,
                    )
                )
            }
    finally:
        database.dispose()


def received_ids(received: list[Received]) -> Counter[str]:
    """How often each Message-ID reached the SMTP server."""
    return Counter(
        str(message_from_bytes(r.data, policy=policy.default)["Message-ID"]) for r in received
    )


def maildir_ids(folder: Path) -> Counter[str]:
    """How often each Message-ID is in a *.eml file of the folder."""
    return Counter(
        str(message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"])
        for path in folder.glob("*.eml")
    )


class SlowHandler(Handler):
    """Takes `seconds` to accept each message, like a busy relay."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def smtp_on_loopback(handler: Handler, port: int | None = None) -> Iterator[int]:
    """Serve `handler` on loopback (on `port`, else a free one) while inside; the port."""
    port = port or free_port()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
