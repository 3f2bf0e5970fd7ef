"""Frozen pictures of stored rows, the typed results every interface prints or serves.

The CLI's `--json` (cli/app.py `jsonable`), the web pages and the JSON API render these same
types; the API's OpenAPI schema is generated from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ceop_workflow.engine.tiers import tier_label
from ceop_workflow.store.models import AuditEntry, Partnership


def iso(value: Any) -> str | None:
    """ISO 8601 text for a date or datetime, None for None."""
    return None if value is None else str(value.isoformat())


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One entry of a partnership's audit trail."""

    trigger: str
    source: str
    dest: str
    actor: str
    role: str | None
    at: str | None
    comment: str | None
    # The data given with the trigger, as stored: a document, not a shape of ours.
    data: dict[str, Any]
    workflow_version: int


@dataclass(frozen=True, slots=True)
class PartnershipSummary:
    """A partnership as a list shows it; `version` is what `expected_version` compares to."""

    id: int
    partner: str
    partner_id: int
    workflow: str
    workflow_version: int
    state: str
    state_entered_at: str | None
    tier: str | None
    tier_kind: str | None
    tier_label: str
    keyworker: str
    manager: str | None
    commitment_start: str | None
    commitment_end: str | None
    version: int


@dataclass(frozen=True, slots=True)
class PartnershipDetail(PartnershipSummary):
    """One partnership: objectives, history and the triggers of its state."""

    individual: bool
    contractor: bool
    objectives: tuple[str, ...]
    triggers: tuple[str, ...]
    history: tuple[AuditLine, ...]


def audit_view(entry: AuditEntry) -> AuditLine:
    """One line of a partnership's history."""
    return AuditLine(
        trigger=entry.trigger,
        source=entry.source,
        dest=entry.dest,
        actor=entry.actor,
        role=entry.role,
        at=iso(entry.at),
        comment=entry.comment,
        data=dict(entry.data or {}),
        workflow_version=entry.workflow_version,
    )


def _summary_fields(p: Partnership) -> dict[str, Any]:
    return {
        "id": p.id,
        "partner": p.partner.name,
        "partner_id": p.partner_id,
        "workflow": p.workflow,
        "workflow_version": p.workflow_version,
        "state": p.state,
        "state_entered_at": iso(p.state_entered_at),
        "tier": p.tier,
        "tier_kind": p.tier_kind,
        "tier_label": tier_label(p.tier, p.tier_kind),
        "keyworker": p.keyworker,
        "manager": p.manager,
        "commitment_start": iso(p.commitment_start),
        "commitment_end": iso(p.commitment_end),
        "version": p.version,
    }


def partnership_summary(p: Partnership) -> PartnershipSummary:
    """The fields of a partnership that a list shows."""
    return PartnershipSummary(**_summary_fields(p))


def partnership_detail(
    p: Partnership, triggers: tuple[str, ...], history: tuple[AuditLine, ...]
) -> PartnershipDetail:
    """A partnership with its objectives (loaded), the triggers of its state and history."""
    return PartnershipDetail(
        **_summary_fields(p),
        individual=p.partner.individual,
        contractor=p.partner.contractor,
        objectives=tuple(o.name for o in p.objectives),
        triggers=triggers,
        history=history,
    )


def fields_of(result: Any) -> dict[str, Any]:
    """A dataclass's fields by name, one level deep (to build a subclass from a result)."""
    return {name: getattr(result, name) for name in result.__dataclass_fields__}
