"""Plain, JSON-ready pictures of stored rows, for every interface to print or serve."""

from __future__ import annotations

from typing import Any

from ceop_workflow.engine.tiers import tier_label
from ceop_workflow.store.models import AuditEntry, Partnership


def iso(value: Any) -> str | None:
    """ISO 8601 text for a date or datetime, None for None."""
    return None if value is None else str(value.isoformat())


def audit_view(entry: AuditEntry) -> dict[str, Any]:
    """One line of a partnership's history."""
    return {
        "trigger": entry.trigger,
        "source": entry.source,
        "dest": entry.dest,
        "actor": entry.actor,
        "role": entry.role,
        "at": iso(entry.at),
        "comment": entry.comment,
        "data": entry.data,
        "workflow_version": entry.workflow_version,
    }


def partnership_summary(p: Partnership) -> dict[str, Any]:
    """The fields of a partnership that a list shows."""
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
