"""Who holds which role: the one answer the CLI, the web and the daemon ask for.

Three sources feed it: the patterns of `[roles]` in the configuration, the person's relation
to a partnership (its keyworker, its manager), and the roles an account grants. Account roles
are resolved at the edge by whoever authenticated the person (the web from the session or the
API token it has already read) and handed in with the request, so nothing is rebuilt per
request and the use cases need no second look-up.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ceop_workflow.config import SYSTEM_ACTOR, Settings
from ceop_workflow.store.accounts import User
from ceop_workflow.store.models import Partnership

NO_GRANTS: frozenset[str] = frozenset()
_GRANTS = select(User.roles).where(User.email == bindparam("email"), User.disabled.is_(False))


def account_grants(session: Session, actor: str) -> frozenset[str]:
    """The roles `actor`'s enabled account grants; none without an account.

    For interfaces that did not authenticate the person through their account (the CLI's
    --actor/--by) and for use cases that such interfaces alone call (register, initiatives).
    """
    return frozenset(session.scalar(_GRANTS, {"email": actor.strip().lower()}) or ())


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
