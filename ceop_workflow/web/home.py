"""The home page at `/`: one section per role the signed-in person holds.

A keyworker's partnerships and what is due; the committee member's cases awaiting their vote
(with the vote forms right there), annual reviews due and decisions taken; the Head of
Partnerships' month at a glance. The admin's section is included when the person is an admin.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ceop_workflow.app.home import COMMITTEE_ROLE, HEAD_ROLE, HomePages
from ceop_workflow.web.admin_home import admin_home
from ceop_workflow.web.context import web_of
from ceop_workflow.web.forms import fields_for

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, done: str = "") -> Response:
    """Everything the person's roles ask of them today, most urgent first."""
    web = web_of(request)
    me = web.require(request)
    roles = web.roles_of(me)
    pages = HomePages(web.service, me.account_roles)
    committee = pages.committee(me.email) if COMMITTEE_ROLE in roles else None
    forms = {
        case.id: [(t, fields_for(t)) for t in case.fireable]
        for case in (committee.awaiting if committee else ())
    }
    return web.render(
        request,
        "home.html",
        {
            "keyworker": pages.keyworker(me.email),
            "committee": committee,
            "vote_forms": forms,
            "head": pages.head() if HEAD_ROLE in roles else None,
            "admin": admin_home(web, me),
            "done": done,
        },
    )
