"""Emails a contact sends: the team is informed of visits and correspondence (strategy §6).

A `difficult_interaction` opens a case and sends one email to the Partnerships Team and the
keyworker. Any other contact logged by someone other than the keyworker tells the keyworker.
Escalating or resolving an escalation closes the open case. All in the transaction of the
change that causes them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ceop_workflow.app.links import link_for
from ceop_workflow.config import Settings
from ceop_workflow.engine.context import FireContext
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.machine import Outcome
from ceop_workflow.notify.context import partnership_context
from ceop_workflow.notify.message import domain_of
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.store.models import Contact, Partnership
from ceop_workflow.store.strategy import CASE_KIND
from ceop_workflow.strategy.cases import close_cases, open_case

# Firings that close an open case: escalating it, or resolving an escalation.
CLOSING = {"escalate": "escalated", "resolve": "resolved"}
# Who each contact notice goes to.
ROLES = {
    "difficult_interaction": ("partnerships_team", "keyworker"),
    "contact_logged": ("keyworker",),
}


def contact_context(settings: Settings, p: Partnership, contact: Contact) -> dict[str, object]:
    """The context of `difficult_interaction` and `contact_logged` (notifications/README.md)."""
    return {
        "partnership": partnership_context(p),
        "link": link_for(settings, p.id),
        "contact": {
            "kind": contact.kind,
            "by": contact.by,
            "at": contact.at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
            "note": contact.note or "",
        },
    }


class ContactNotices:
    """A service listener for contacts (and the escalation that closes a case)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def transitioned(
        self,
        session: Session,
        partnership: Partnership,
        definition: Definition,
        outcome: Outcome,
        ctx: FireContext,
    ) -> None:
        """Escalating (the case goes to the Head of Partnerships) or resolving an escalation
        closes the open case, if any."""
        how = CLOSING.get(ctx.trigger)
        if outcome.moved and how is not None:
            note = str(ctx.data.get("reason") or ctx.data.get("resolution") or how)
            close_cases(session, partnership, ctx.now, ctx.actor, how, note)

    def recorded(self, session: Session, partnership: Partnership, kind: str, row: object) -> None:
        """Open a case and tell team and keyworker, or tell the keyworker of another's contact."""
        if kind != "contact" or not isinstance(row, Contact):
            return
        difficult = row.kind == CASE_KIND
        if difficult:
            open_case(session, partnership, row.at, row.by, row.note)
            template = "difficult_interaction"
        elif row.by != partnership.keyworker:
            template = "contact_logged"
        else:
            return
        enqueue(
            session,
            template=template,
            recipients=resolve(self.settings, ROLES[template], partnership),
            context=contact_context(self.settings, partnership, row),
            dedupe_key=f"contact:{row.id}:{template}",
            now=row.at,
            partnership_id=partnership.id,
            domain=domain_of(self.settings.email.from_address),
        )
