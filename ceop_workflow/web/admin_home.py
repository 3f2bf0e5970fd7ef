"""The admin's section of the home page and the /admin page: workflows, accounts, the daemon,
and what admins changed lately."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from ceop_workflow.app.accounts import AccountSummary
from ceop_workflow.app.desk import ActionView
from ceop_workflow.app.queries import WorkflowVersion
from ceop_workflow.app.worklist import DutyStatus
from ceop_workflow.web.auth import Principal
from ceop_workflow.web.context import Web, web_of

router = APIRouter(include_in_schema=False)
# The role that may open /admin and the workflow desk (docs/web.md, "Who may do what").
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class WorkflowLine:
    """One workflow: its newest loaded version, how many versions, partnerships on any."""

    name: str
    newest: int
    versions: int
    partnerships: int


@dataclass(frozen=True)
class AdminHome:
    """What an admin looks after, at a glance."""

    workflows: tuple[WorkflowLine, ...]
    accounts: tuple[AccountSummary, ...]
    daemon: tuple[DutyStatus, ...]
    actions: tuple[ActionView, ...]


def workflow_lines(versions: Sequence[WorkflowVersion]) -> tuple[WorkflowLine, ...]:
    """The stored versions folded to one line per workflow."""
    lines: dict[str, WorkflowLine] = {}
    for v in versions:
        name, version, count = v.name, v.version, v.partnerships
        seen = lines.get(name)
        lines[name] = WorkflowLine(
            name,
            max(version, seen.newest if seen else 0),
            (seen.versions if seen else 0) + 1,
            (seen.partnerships if seen else 0) + count,
        )
    return tuple(lines.values())


def admin_home(web: Web, me: Principal) -> AdminHome | None:
    """The admin section for an admin; None for anyone else."""
    if ADMIN_ROLE not in web.roles_of(me):
        return None
    return AdminHome(
        workflow_lines(web.service.workflow_versions()),
        tuple(web.accounts.summaries()),
        tuple(web.worklist.daemon_status()),
        tuple(web.desk.actions(10)),
    )


@router.get("/admin")
def admin(request: Request, done: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Workflow versions, accounts, what the daemon last did and what admins changed."""
    web = web_of(request)
    me = web.require(request, role=ADMIN_ROLE)
    home = admin_home(web, me)
    return web.render(
        request,
        "admin.html",
        {
            "versions": web.service.workflow_versions(),
            "admin": home,
            "done": done,
            "tz": web.settings.tz,
        },
    )
