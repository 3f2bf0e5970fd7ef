"""Who holds which role: the one answer the CLI, the web and the daemon ask for.

Three sources feed it: the patterns of `[roles]` in the configuration, the person's relation
to a partnership (its keyworker, its manager), and the roles an account grants. Account roles
are resolved at the edge by whoever authenticated the person (the web from the session or the
API token it has already read) and handed in with the request, so nothing is rebuilt per
request and the use cases need no second look-up.
"""

from __future__ import annotations

from ceop_workflow.config import SYSTEM_ACTOR, Settings
from ceop_workflow.store.models import Partnership

NO_GRANTS: frozenset[str] = frozenset()


def roles_held(
    settings: Settings,
    actor: str,
    partnership: Partnership | None = None,
    granted: frozenset[str] = NO_GRANTS,
) -> frozenset[str]:
    """Every role `actor` holds: configured, granted to their account, and (given a
    partnership) keyworker or manager of it. The daemon's `system` actor holds `system` alone.
    """
    if actor == SYSTEM_ACTOR:
        return frozenset({"system"})
    roles = set(settings.roles_of(actor)) | granted
    if partnership is not None:
        if actor == partnership.keyworker:
            roles.add("keyworker")
        if partnership.manager and actor == partnership.manager:
            roles.add("manager")
    return frozenset(roles)
