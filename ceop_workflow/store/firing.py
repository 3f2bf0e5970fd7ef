"""The writes of a firing as Core statements built once, on the session's own connection.

A firing writes two rows: the partnership's new state (guarded by its version) and an audit
entry. Through the ORM unit of work that is an autoflush, a flush plan and an UPDATE built per
call; here each statement is built once per process (and per set of columns changed), so
SQLAlchemy's compiled cache serves every later firing, and nothing waits for a flush.

The partnership object stays the source of truth in memory: after the UPDATE its new values
are set as committed values, so the ORM neither writes them again nor thinks they are stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, Update, and_, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ceop_workflow.errors import Conflict
from ceop_workflow.store.models import AuditEntry, Base, Partnership

PARTNERSHIPS: Table = Base.metadata.tables[Partnership.__tablename__]
AUDIT: Table = Base.metadata.tables[AuditEntry.__tablename__]

# Append-only: an INSERT and nothing else is ever built against the audit table here.
_AUDIT_INSERT = insert(AUDIT)
# One UPDATE per set of columns changed (a state move, a tier set, a vote that moves nothing).
_UPDATES: dict[frozenset[str], Update] = {}


def _state_update(columns: frozenset[str]) -> Update:
    statement = _UPDATES.get(columns)
    if statement is None:
        # The version check of the ORM's version_id_col, written out: a partnership changed
        # since it was read matches no row, and the firing is refused as a conflict.
        statement = (
            update(PARTNERSHIPS)
            .where(
                and_(
                    PARTNERSHIPS.c.id == bindparam("p_id"),
                    PARTNERSHIPS.c.version == bindparam("p_version"),
                )
            )
            .values(
                {name: bindparam(f"v_{name}") for name in sorted(columns)}
                | {"version": bindparam("p_next_version")}
            )
        )
        _UPDATES[columns] = statement
    return statement


def write_partnership(session: Session, p: Partnership, changes: Mapping[str, Any]) -> None:
    """Write `changes` (columns of the partnership) and bump its version, in one UPDATE.

    Raises `Conflict` when the row's version is no longer the one `p` was read with. Every call
    bumps the version, with or without changes: whoever saw the partnership before must be
    refused by an expected version.
    """
    unknown = [name for name in changes if name not in PARTNERSHIPS.c or name == "version"]
    if unknown:
        raise ValueError(f"not columns of a partnership: {', '.join(sorted(unknown))}")
    # Rows the ORM holds back (a decision, a business case) go first, as an autoflush would.
    session.flush()
    params = {f"v_{name}": value for name, value in changes.items()}
    params |= {"p_id": p.id, "p_version": p.version, "p_next_version": p.version + 1}
    result = session.connection().execute(_state_update(frozenset(changes)), params)
    if result.rowcount != 1:
        raise Conflict("the partnership was changed by someone else meanwhile")
    for name, value in changes.items():
        set_committed_value(p, name, value)
    set_committed_value(p, "version", p.version + 1)


def append_audit(session: Session, values: Mapping[str, Any]) -> None:
    """Insert one audit entry (every column but the id) on the session's connection."""
    session.connection().execute(_AUDIT_INSERT, dict(values))
