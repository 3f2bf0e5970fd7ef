"""Emails a transition sends (`notify` in a definition), queued in the transition's transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceop_workflow.config import Settings
from ceop_workflow.engine.context import FireContext
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.machine import Outcome
from ceop_workflow.notify.context import partnership_context
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.store.models import BusinessCase, Partnership

# How long the committee is given to decide on a business case, as said in the committee pack.
COMMITTEE_DECISION_DAYS = 14


class TransitionNotices:
    """A service listener: one outbox row per `notify` entry of the transition that fired."""

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
        """Queue the transition's emails; a vote short of the quorum sends nothing."""
        if not outcome.moved:
            return
        transition = definition.transition(ctx.trigger, outcome.source)
        if transition is None or not transition.notify:
            return
        context = self._context(session, partnership, ctx)
        for notice in transition.notify:
            enqueue(
                session,
                template=notice.template,
                recipients=resolve(self.settings, notice.to, partnership),
                context=context,
                # One message per transition and template: the audit trail orders them.
                dedupe_key=(
                    f"transition:{partnership.id}:{partnership.version}:{ctx.trigger}:"
                    f"{notice.template}"
                ),
                now=ctx.now,
                partnership_id=partnership.id,
            )

    def recorded(self, session: Session, partnership: Partnership, kind: str, row: object) -> None:
        """Records send no email of their own."""

    def _context(self, session: Session, p: Partnership, ctx: FireContext) -> dict[str, Any]:
        today = ctx.today
        case = session.scalars(
            select(BusinessCase).filter_by(partnership_id=p.id).order_by(BusinessCase.id.desc())
        ).first()
        note = ctx.data.get("reason") or ctx.data.get("minutes") or ""
        return {
            "partnership": partnership_context(p),
            "link": "",
            "due": (today + timedelta(days=COMMITTEE_DECISION_DAYS)).isoformat(),
            "since": today.isoformat(),
            "reason": str(ctx.data.get("reason") or ""),
            "decision": {"decision": ctx.trigger, "member": ctx.actor, "note": str(note)},
            "business_case": None
            if case is None
            else {
                "title": case.title,
                "objectives": list(case.objectives),
                "benefits": case.benefits or "",
                "resources": case.resources or "",
                "author": case.author,
            },
        }
