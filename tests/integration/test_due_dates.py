"""One due moment per duty period: the reminder, the digest item, the chase, the web worklist,
the preview and the report all give April 2008's monthly review the day it fell due, 1 April
(Europe/London), and the contexts of the escalated and renewing states follow the same rule."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from ceop_workflow.app.worklist import Worklist
from ceop_workflow.notify.digest import digest_item
from ceop_workflow.notify.preview import preview
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.reports.measures import ReviewKind
from tests.daemon.support import World, london, sqlite_url, write_config

DUE = date(2008, 4, 1)  # the first working day of April 2008, 09:00 BST


def test_every_message_and_page_gives_the_same_due_day(tmp_path: Path) -> None:
    world = World.create(write_config(tmp_path, sqlite_url(tmp_path)), london(date(2008, 3, 10)))
    pid = world.partnership("Acme Mobile", "associate", start=date(2008, 3, 10))
    keyworker = world.keyworker(pid)

    world.at(london(DUE, time(9, 30))).sweep()
    reminder = [m for m in world.outbox() if m.template == "monthly_review_due"]
    assert [m.context["period"] for m in reminder] == ["April 2008"]
    assert reminder[0].context["due"] == DUE.isoformat()

    renderer = TemplateRenderer.from_settings(world.settings)
    item = digest_item(renderer, "monthly_review_due", reminder[0].context, DUE)
    assert item["due"] == DUE.isoformat()

    definition = world.service.definition("partnership", 1)
    with world.service.db.reading() as session:
        shown = preview(
            session, world.settings, renderer, definition, "monthly_review_due", pid,
            world.clock.now(),
        )  # fmt: skip
    assert (shown.context["period"], shown.context["due"]) == ("April 2008", DUE.isoformat())

    after = max(m.id for m in world.outbox())
    world.at(london(date(2008, 4, 15), time(9, 30))).sweep()
    chase = [m for m in world.outbox(after) if m.template == "review_overdue"]
    assert [(m.context["period"], m.context["due"]) for m in chase] == [
        ("April 2008", DUE.isoformat())
    ]
    assert chase[0].context["days_overdue"] == 14

    duties = [d for p in Worklist(world.service).mine(keyworker) for d in p.duties if p.id == pid]
    assert [(d.status, d.name, d.since.date()) for d in duties] == [
        ("overdue", "monthly review", DUE)
    ]
    assert duties[0].since.utcoffset() is not None and duties[0].since.hour == 9  # London

    report = world.service.measures(date(2008, 4, 1))
    assert [(o.partner, o.kind, o.due_on) for o in report.reviews.overdue] == [
        ("Acme Mobile", ReviewKind.MONTHLY, DUE)
    ]
