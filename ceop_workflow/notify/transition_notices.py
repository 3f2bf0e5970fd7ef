"""Emails a transition sends (`notify` in a definition), queued in the transition's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ceop_workflow.app.links import link_for_template
from ceop_workflow.config import Settings
from ceop_workflow.engine.context import FireContext
from ceop_workflow.engine.definitions import Definition
from ceop_workflow.engine.machine import Outcome
from ceop_workflow.notify.context import transition_context
from ceop_workflow.notify.message import domain_of
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.recipients import resolve
from ceop_workflow.store.models import Partnership


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
        context = transition_context(
            session,
            partnership,
            today=ctx.today,
            trigger=ctx.trigger,
            actor=ctx.actor,
            data=ctx.data,
        )
        domain = domain_of(self.settings.email.from_address)
        for notice in transition.notify:
            enqueue(
                session,
                template=notice.template,
                recipients=resolve(self.settings, notice.to, partnership),
                # Each message links to the page where its reader acts (the committee's queue,
                # the partnership page).
                context={
                    **context,
                    "link": link_for_template(self.settings, notice.template, partnership.id),
                },
                # One message per transition and template: the audit trail orders them.
                dedupe_key=(
                    f"transition:{partnership.id}:{partnership.version}:{ctx.trigger}:"
                    f"{notice.template}"
                ),
                now=ctx.now,
                partnership_id=partnership.id,
                domain=domain,
            )

    def recorded(self, session: Session, partnership: Partnership, kind: str, row: object) -> None:
        """Records send no email of their own."""
