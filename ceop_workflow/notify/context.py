"""Template contexts: plain dicts built from rows, never rows themselves (the sandbox allows
calling public methods of whatever it is given)."""

from __future__ import annotations

from typing import Any

from ceop_workflow.engine.tiers import tier_label
from ceop_workflow.store.models import Partnership


def partnership_context(p: Partnership) -> dict[str, Any]:
    """The `partnership` variable every template receives."""
    return {
        "id": p.id,
        "partner": p.partner.name,
        "tier": tier_label(p.tier, p.tier_kind),
        "tier_kind": p.tier_kind or "",
        "state": p.state,
        "keyworker": p.keyworker,
        "manager": p.manager or "",
        "workflow": p.workflow,
        "commitment_end": p.commitment_end.isoformat() if p.commitment_end else "",
    }
