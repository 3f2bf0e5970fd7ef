"""Daily digests at drain time: one email for a person's reminders of a day, all accounted for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from types import MappingProxyType

import pytest
from sqlalchemy import select

from ceop_workflow.config import EmailSettings, Settings
from ceop_workflow.notify.digest import Digester, DigestRule
from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.notify.outbox import counts, enqueue
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts, sample_partnership
from ceop_workflow.notify.transports import SendResult, SendStatus
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage

SHIPPED = Path(__file__).resolve().parents[2] / "notifications"
T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
KEYWORKER = "sam.keyworker@ceop.example"
MANAGER = "alex.manager@ceop.example"
HEAD = "kelly.burke@ceop.example"


class Recorder:
    """A transport that accepts everything and keeps it."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send_batch(self, messages: Sequence[Message]) -> list[SendResult]:
        self.sent.extend(messages)
        return [SendResult(str(m["Message-ID"]), SendStatus.SENT) for m in messages]

    def to(self, address: str) -> list[Message]:
        return [m for m in self.sent if address in str(m["To"]).split(", ")]


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer(SHIPPED)


def _settings(*digest_roles: str) -> Settings:
    return Settings(
        base_dir=SHIPPED.parent,
        source="test",
        email=EmailSettings(digest_roles=digest_roles),
        roles=MappingProxyType({"head_of_partnerships": (HEAD,)}),
    )


def _sender(
    database: Database, renderer: TemplateRenderer, transport: Recorder, *roles: str
) -> OutboxSender:
    rule = DigestRule.from_settings(_settings(*roles))
    return OutboxSender(
        database,
        renderer,
        transport,
        sender="partnerships@ceop.example",
        digester=Digester(rule, renderer, "ceop.example"),
    )


def _remind(
    database: Database,
    key: str,
    template: str,
    recipients: Sequence[str] = (KEYWORKER,),
    now: datetime = T0,
    pid: int = 12,
) -> None:
    context = sample_contexts()[template][0]
    context["partnership"] = sample_partnership(id=pid, partner=f"Partner {pid}")
    with database.unit_of_work() as session:
        assert enqueue(
            session,
            template=template,
            recipients=recipients,
            context=context,
            dedupe_key=key,
            now=now,
            domain="ceop.example",
        )


def _rows(database: Database) -> dict[str, OutboxMessage]:
    with database.reading() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in rows:
            session.expunge(row)
    return {row.dedupe_key: row for row in rows}


def test_three_reminders_for_one_keyworker_make_one_digest_with_three_items(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "a", "monthly_review_due", pid=1)
    _remind(outbox_db, "b", "stale_engagement", pid=2, now=T0 + timedelta(minutes=5))
    _remind(outbox_db, "c", "review_overdue", pid=3, now=T0 + timedelta(hours=8))
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(T0 + timedelta(hours=9))

    assert (report.digests, report.folded, report.sent) == (1, 3, 1)
    [email] = transport.sent
    assert email["To"] == KEYWORKER
    assert email["X-Ceop-Template"] == "daily_digest"
    assert email["Subject"] == "3 partnership reminders for 2025-12-01"
    parsed = message_from_bytes(email.as_bytes(), policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for partner in ("Partner 1", "Partner 2", "Partner 3"):
        assert partner in text
    rows = _rows(outbox_db)
    digest = next(row for row in rows.values() if row.template == "daily_digest")
    assert digest.status == "sent"
    assert digest.recipients == [KEYWORKER]
    items = digest.context["items"]
    assert len(items) == 3
    # Each original accounted for: digested, pointing at the digest, and named by an item.
    for key in "abc":
        assert (rows[key].status, rows[key].digest_id) == ("digested", digest.id)
    assert sorted(item["outbox_id"] for item in items) == sorted(rows[k].id for k in "abc")
    assert {item["kind"] for item in items} == {
        "monthly_review_due",
        "stale_engagement",
        "review_overdue",
    }
    with outbox_db.reading() as session:
        assert counts(session).digested == 3


def test_a_single_reminder_is_sent_alone(outbox_db: Database, renderer: TemplateRenderer) -> None:
    _remind(outbox_db, "a", "monthly_review_due")
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(T0)

    assert (report.digests, report.sent) == (0, 1)
    assert transport.sent[0]["X-Ceop-Template"] == "monthly_review_due"
    assert _rows(outbox_db)["a"].status == "sent"


def test_reminders_to_a_role_without_digests_are_sent_alone(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "a", "review_overdue", recipients=[HEAD], pid=1)
    _remind(outbox_db, "b", "review_overdue", recipients=[HEAD], pid=2)
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(T0)

    assert (report.digests, report.sent) == (0, 2)
    assert [m["X-Ceop-Template"] for m in transport.to(HEAD)] == ["review_overdue"] * 2


def test_a_configured_role_gets_digests_too(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "a", "review_overdue", recipients=[HEAD], pid=1)
    _remind(outbox_db, "b", "annual_review_due", recipients=[HEAD], pid=2)
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "head_of_partnerships").drain(T0)

    assert (report.digests, report.sent) == (1, 1)
    assert transport.sent[0]["Subject"] == "2 partnership reminders for 2025-12-01"


def test_a_shared_reminder_is_split_per_recipient(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "renewal", "renewal_coming_up", recipients=[KEYWORKER, MANAGER], pid=1)
    _remind(outbox_db, "monthly", "monthly_review_due", pid=2)
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(T0)

    assert (report.digests, report.folded, report.sent) == (1, 2, 2)
    [to_keyworker] = transport.to(KEYWORKER)
    assert to_keyworker["X-Ceop-Template"] == "daily_digest"
    [to_manager] = transport.to(MANAGER)
    assert to_manager["X-Ceop-Template"] == "renewal_coming_up"
    rows = _rows(outbox_db)
    digest = next(row for row in rows.values() if row.template == "daily_digest")
    # The original keeps the manager and was sent; the keyworker's part is its own row.
    assert (rows["renewal"].status, rows["renewal"].recipients) == ("sent", [MANAGER])
    assert to_manager["Message-ID"] == rows["renewal"].message_id
    part = rows[f"renewal|to:{KEYWORKER}"]
    assert (part.status, part.recipients, part.digest_id) == ("digested", [KEYWORKER], digest.id)
    assert (rows["monthly"].status, rows["monthly"].digest_id) == ("digested", digest.id)


def test_each_recipient_of_a_shared_reminder_can_have_a_digest(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "renewal", "renewal_coming_up", recipients=[KEYWORKER, MANAGER], pid=1)
    _remind(outbox_db, "mine", "monthly_review_due", pid=2)
    _remind(outbox_db, "theirs", "review_overdue", recipients=[MANAGER], pid=3)
    transport = Recorder()
    partnership_one = sample_partnership(id=1)
    assert partnership_one["manager"] == MANAGER

    report = _sender(outbox_db, renderer, transport, "keyworker", "manager").drain(T0)

    assert (report.digests, report.folded, report.sent) == (2, 4, 2)
    assert {m["X-Ceop-Template"] for m in transport.sent} == {"daily_digest"}
    rows = _rows(outbox_db)
    digests = {row.recipients[0]: row.id for row in rows.values() if row.template == "daily_digest"}
    renewal_rows = [row for row in rows.values() if row.dedupe_key.startswith("renewal")]
    assert sorted((row.recipients[0], row.digest_id) for row in renewal_rows) == sorted(
        digests.items()
    )
    assert all(row.status == "digested" for row in renewal_rows)


def test_days_are_london_days(outbox_db: Database, renderer: TemplateRenderer) -> None:
    summer = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)  # 23:30 on 30 June in London
    _remind(outbox_db, "late", "monthly_review_due", now=summer, pid=1)
    _remind(outbox_db, "early", "stale_engagement", now=summer + timedelta(hours=1), pid=2)
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(summer + timedelta(hours=2))

    assert (report.digests, report.sent) == (0, 2)


def test_a_reminder_already_tried_is_never_folded(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "a", "monthly_review_due", pid=1)
    failing = Recorder()
    failing.send_batch = lambda messages: [  # type: ignore[method-assign]
        SendResult(str(m["Message-ID"]), SendStatus.TEMPORARY, "try later") for m in messages
    ]
    sender = _sender(outbox_db, renderer, failing, "keyworker")
    assert sender.drain(T0).retrying == 1
    _remind(outbox_db, "b", "stale_engagement", pid=2, now=T0 + timedelta(seconds=30))
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(T0 + timedelta(hours=1))

    assert (report.digests, report.sent) == (0, 2)
    assert sorted(m["X-Ceop-Template"] for m in transport.sent) == [
        "monthly_review_due",
        "stale_engagement",
    ]


def test_no_digest_roles_means_no_digests(outbox_db: Database, renderer: TemplateRenderer) -> None:
    _remind(outbox_db, "a", "monthly_review_due", pid=1)
    _remind(outbox_db, "b", "stale_engagement", pid=2)
    transport = Recorder()

    assert _sender(outbox_db, renderer, transport).drain(T0).sent == 2


def test_a_reminder_that_cannot_render_is_left_out_and_fails_alone(
    outbox_db: Database, renderer: TemplateRenderer
) -> None:
    _remind(outbox_db, "a", "monthly_review_due", pid=1)
    _remind(outbox_db, "b", "stale_engagement", pid=2)
    with outbox_db.unit_of_work() as session:
        enqueue(
            session,
            template="review_overdue",
            recipients=[KEYWORKER],
            context={"partnership": sample_partnership()},  # no period, due, ...
            dedupe_key="broken",
            now=T0,
        )
    transport = Recorder()

    report = _sender(outbox_db, renderer, transport, "keyworker").drain(T0)

    assert (report.digests, report.folded, report.sent, report.dead) == (1, 2, 1, 1)
    rows = _rows(outbox_db)
    assert rows["broken"].status == "dead"
    assert rows["broken"].digest_id is None
