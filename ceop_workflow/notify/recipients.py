"""Who receives a message: roles resolved to addresses for one partnership."""

from __future__ import annotations

from collections.abc import Iterable

from ceop_workflow.config import Settings
from ceop_workflow.store.models import Partnership


def resolve(settings: Settings, roles: Iterable[str], partnership: Partnership | None) -> list[str]:
    """Addresses for the roles, in order, without duplicates; patterns such as "*@x" are skipped.

    `keyworker` and `manager` come from the partnership; every other role from [roles].
    """
    addresses: list[str] = []
    for role in roles:
        if role == "keyworker" and partnership is not None:
            found: Iterable[str] = [partnership.keyworker]
        elif role == "manager" and partnership is not None:
            found = [partnership.manager] if partnership.manager else []
        else:
            found = settings.members(role)
        addresses.extend(a.lower() for a in found if "*" not in a)
    return list(dict.fromkeys(addresses))
