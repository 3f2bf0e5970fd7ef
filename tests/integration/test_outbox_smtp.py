"""The outbox end to end into a real SMTP server on loopback (aiosmtpd): every kind of message,
escaping, an outage, a server that always refuses."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ceop_workflow.config import load_settings
from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.notify.outbox import counts, dead_letters, enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.notify.transports import SmtpTransport
from ceop_workflow.scheduling.status import describe
from ceop_workflow.scheduling.status import status as daemon_status
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage
from tests.integration.conftest import HOST, Handler, SmtpServer, free_port
from tests.support import scaled

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
SENDER = "partnerships@ceop.example"
EVIL = "<script>alert('x')</script> & Co"
# Who each message goes to, as workflows/partnership.toml and notifications/README.md say.
ROLES: dict[str, tuple[str, ...]] = {
    "business_case_reminder": ("keyworker",),
    "committee_pack": ("committee",),
    "monthly_review_due": ("keyworker",),
    "review_overdue": ("keyworker", "manager"),
    "annual_review_due": ("committee", "keyworker"),
    "stale_engagement": ("keyworker",),
    "escalation": ("manager", "head_of_partnerships"),
    "renewal_coming_up": ("keyworker", "manager"),
    "renewal_overdue": ("manager", "head_of_partnerships"),
    "decision_made": ("keyworker", "head_of_partnerships"),
    "monthly_report": ("cemt",),
    "daily_digest": ("keyworker",),
    "difficult_interaction": ("partnerships_team", "keyworker"),
    "contact_logged": ("keyworker",),
}


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer(REPO / "notifications")


def _recipients(template: str) -> list[str]:
    settings = load_settings(REPO / "config.toml", environ={})
    partnership = SimpleNamespace(
        keyworker="sam.keyworker@ceop.example", manager="alex.manager@ceop.example"
    )
    return resolve(settings, ROLES[template], partnership)  # type: ignore[arg-type]


def _sender(
    database: Database, renderer: TemplateRenderer, port: int, max_attempts: int = 3
) -> OutboxSender:
    return OutboxSender(
        database,
        renderer,
        SmtpTransport(HOST, port, timeout=scaled(5)),
        sender=SENDER,
        max_attempts=max_attempts,
        retry_base_seconds=60,
    )


def _enqueue(
    database: Database,
    key: str,
    template: str,
    context: dict[str, Any],
    recipients: Sequence[str],
) -> None:
    with database.unit_of_work() as session:
        assert enqueue(
            session,
            template=template,
            recipients=recipients,
            context=context,
            dedupe_key=key,
            now=T0,
            domain="ceop.example",
        )


def _parsed(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _parts(email: EmailMessage) -> tuple[str, str]:
    text = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert email.get_content_type() == "multipart/alternative"
    # On the wire lines end in CRLF; compare with what was rendered.
    return _lf(text.get_content()), _lf(html.get_content())


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _with_partner_names(value: Any, name: str) -> Any:
    """A copy of a context with every partner's name replaced by `name`."""
    if isinstance(value, dict):
        return {
            k: name if k == "partner" else _with_partner_names(v, name) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_partner_names(v, name) for v in value]
    return value


def test_each_kind_of_message_arrives_with_recipients_subject_and_both_parts(
    outbox_db: Database, renderer: TemplateRenderer, smtp_server: SmtpServer
) -> None:
    assert set(ROLES) == set(sample_contexts()) == renderer.known_templates()
    expected = {}
    for template, contexts in sorted(sample_contexts().items()):
        recipients = _recipients(template)
        _enqueue(outbox_db, template, template, contexts[0], recipients)
        expected[template] = (recipients, renderer.render(template, contexts[0]))

    report = _sender(outbox_db, renderer, smtp_server.port).drain(T0)

    assert report.sent == len(expected) == len(smtp_server.received)
    for got in smtp_server.received:
        email = _parsed(got.data)
        template = str(email["X-Ceop-Template"])
        recipients, rendered = expected.pop(template)
        assert got.mail_from == SENDER
        assert got.rcpt_tos == recipients
        assert email["To"] == ", ".join(recipients)
        assert email["Subject"] == rendered.subject
        text, html = _parts(email)
        assert text == rendered.text
        assert html == rendered.html
    assert expected == {}


def test_a_partner_name_holding_script_arrives_escaped_in_every_html_part(
    outbox_db: Database, renderer: TemplateRenderer, smtp_server: SmtpServer
) -> None:
    for template, contexts in sorted(sample_contexts().items()):
        context = _with_partner_names(copy.deepcopy(contexts[0]), EVIL)
        _enqueue(outbox_db, template, template, context, ["sam.keyworker@ceop.example"])

    _sender(outbox_db, renderer, smtp_server.port).drain(T0)

    assert len(smtp_server.received) == len(sample_contexts())
    for got in smtp_server.received:
        email = _parsed(got.data)
        text, html = _parts(email)
        assert "<script>" not in html, email["X-Ceop-Template"]
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
        assert EVIL in text  # the plain-text part shows the name as it is


@pytest.fixture
def port_nobody_listens_on() -> Iterator[int]:
    yield free_port()


def test_server_down_pauses_the_drain_without_spending_attempts_then_delivers_once(
    outbox_db: Database, renderer: TemplateRenderer, port_nobody_listens_on: int
) -> None:
    port = port_nobody_listens_on
    context = sample_contexts()["monthly_review_due"][0]
    for i in range(5):
        _enqueue(outbox_db, f"m{i}", "monthly_review_due", context, [f"k{i}@ceop.example"])
    sender = _sender(outbox_db, renderer, port, max_attempts=5)

    down = sender.drain(T0)
    # The first message found the server down; it and the rest were handed back untouched.
    assert (down.claimed, down.retrying, down.sent, down.handed_back, down.paused) == (
        5,
        0,
        0,
        5,
        1,
    )
    with outbox_db.reading() as session:
        assert counts(session).pending == 5
        assert set(session.scalars(select(OutboxMessage.attempts))) == {0}

    handler = Handler()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    try:
        assert sender.drain(T0 + timedelta(seconds=59)).claimed == 0  # backing off
        back = sender.drain(T0 + timedelta(seconds=60))
        assert (back.claimed, back.sent) == (5, 5)
        assert sender.drain(T0 + timedelta(days=1)).claimed == 0
    finally:
        controller.stop()

    ids = Counter(str(_parsed(r.data)["Message-ID"]) for r in handler.received)
    assert len(ids) == 5
    assert set(ids.values()) == {1}
    assert sorted(r.rcpt_tos[0] for r in handler.received) == [
        f"k{i}@ceop.example" for i in range(5)
    ]
    with outbox_db.reading() as session:
        assert counts(session).sent == 5


def test_a_server_that_always_refuses_makes_a_visible_dead_letter(
    outbox_db: Database, renderer: TemplateRenderer, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse_data("451 4.3.0 mailbox busy, try later")
    context = sample_contexts()["escalation"][0]
    _enqueue(outbox_db, "esc", "escalation", context, ["kelly.burke@ceop.example"])
    sender = _sender(outbox_db, renderer, smtp_server.port, max_attempts=3)

    reports = [sender.drain(T0 + timedelta(seconds=s)) for s in (0, 60, 180)]

    assert [(r.retrying, r.dead) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    assert smtp_server.received == []
    with outbox_db.reading() as session:
        assert (counts(session).dead, counts(session).pending) == (1, 0)
        [letter] = dead_letters(session)
    assert (letter.template, letter.attempts) == ("escalation", 3)
    assert letter.recipients == ("kelly.burke@ceop.example",)
    assert letter.last_error.startswith("gave up after 3 attempts: refused: 451 4.3.0 mailbox busy")
    assert sender.drain(T0 + timedelta(days=1)).claimed == 0
    # What an operator sees: `ceop-workflow status` reads the same report.
    report = daemon_status(outbox_db, T0 + timedelta(days=1), 60)
    assert (report.outbox.dead_letters, report.outbox.depth) == (1, 0)
    assert "1 dead letters" in describe(report)
