"""Starting timers that running partnerships lack: a timer added later starts from now.

State changes start timers as they happen; this catches the rest (partnerships that were in a
state before the daemon was installed, or before their definition gained a timer). It scans
the whole book, so the daemon runs it once at start, never in every sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ceop_workflow.app.service import Service
from ceop_workflow.engine.timers import TimerDef
from ceop_workflow.scheduling.plans import start_timers
from ceop_workflow.store.models import Partnership, Timer

log = logging.getLogger(__name__)
CHUNK = 500


def _lacking(name: str) -> ColumnElement[bool]:
    # Any row of the timer made since the state was entered counts, handled or not.
    return ~exists().where(
        Timer.partnership_id == Partnership.id,
        Timer.name == name,
        Timer.created_at >= Partnership.state_entered_at,
    )


def reconcile(service: Service, now: datetime) -> int:
    """Start, from `now`, each timer a partnership in a timer's state has no row of yet."""
    with service.db.reading() as session:
        versions = session.execute(
            select(Partnership.workflow, Partnership.workflow_version).distinct()
        ).all()
    started = 0
    for workflow, version in versions:
        with service.db.reading() as session:
            definition = service.catalog.machine(session, workflow, version).definition
        for state in definition.states.values():
            for timer in state.timers:
                started += _start_missing(service, workflow, version, state.name, timer, now)
    if started:
        log.info("planned %d duties of timers that running partnerships lacked", started)
    return started


def _start_missing(
    service: Service, workflow: str, version: int, state: str, timer: TimerDef, now: datetime
) -> int:
    query = select(Partnership.id).where(
        Partnership.workflow == workflow,
        Partnership.workflow_version == version,
        Partnership.state == state,
        _lacking(timer.name),
    )
    with service.db.reading() as session:
        ids = list(session.scalars(query.order_by(Partnership.id)))
    started = 0
    for start in range(0, len(ids), CHUNK):
        with service.db.unit_of_work() as session:
            started += _start(session, service, ids[start : start + CHUNK], state, timer, now)
    return started


def _start(
    session: Session, service: Service, ids: list[int], state: str, timer: TimerDef, now: datetime
) -> int:
    # Checked again under lock: a state change since the scan has started the timer already.
    locked = session.scalars(
        select(Partnership)
        .where(Partnership.id.in_(ids), Partnership.state == state, _lacking(timer.name))
        .with_for_update()
    ).all()
    return sum(start_timers(session, p, [timer], now, service.settings.tz) for p in locked)
