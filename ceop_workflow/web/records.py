"""The forms people post: fire a trigger, log a contact, record a review.

The actor is always the signed-in person; any `actor` or `by` field in a form is ignored.
Every post needs its session's CSRF token, and a trigger's form carries the version the
page showed, so firing from a stale page is a conflict (409), not a surprise.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ceop_workflow.app.records import ContactKind, ReviewKind
from ceop_workflow.app.service import FireRequest
from ceop_workflow.errors import BadInput
from ceop_workflow.web.auth import CSRF_FIELD, Principal, check_csrf
from ceop_workflow.web.context import Web, web_of
from ceop_workflow.web.forms import data_from_form
from ceop_workflow.web.signin import safe_next

router = APIRouter(include_in_schema=False)
PartnershipId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Trigger = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")]
OUTCOME_PREFIX = "outcome."


async def _posted(request: Request) -> tuple[Web, Principal, FormData]:
    web = web_of(request)
    form = await request.form()
    check_csrf(request, web.sessions, form.get(CSRF_FIELD))
    return web, web.require(request), form


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _version(form: FormData) -> int | None:
    value = _text(form, "expected_version")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 9:
        raise BadInput(f"expected_version must be a whole number, got {value!r}")
    return int(value)


@router.post("/partnerships/{partnership_id}/fire/{trigger}")
async def fire(request: Request, partnership_id: PartnershipId, trigger: Trigger) -> Response:
    """Fire a trigger as the signed-in person, with the data of its form."""
    web, me, form = await _posted(request)
    transition = await run_in_threadpool(web.worklist.transition, partnership_id, trigger)
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    fire_request = FireRequest(
        partnership_id=partnership_id,
        trigger=trigger,
        actor=me.email,
        data=data_from_form(fields, transition),
        comment=_text(form, "comment"),
        expected_version=_version(form),
        granted=me.account_roles,
    )
    await run_in_threadpool(web.service.fire, fire_request)
    target = safe_next(_text(form, "next") or f"/partnerships/{partnership_id}")
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}done={quote(trigger)}", status_code=303)


@router.get("/partnerships/{partnership_id}/contact")
def contact_form(request: Request, partnership_id: PartnershipId) -> Response:
    """The form to log a contact with the partner."""
    web = web_of(request)
    web.require(request)
    p = web.service.keyworker(partnership_id)
    kinds = [k.value for k in ContactKind]
    return web.render(request, "contact.html", {"p": p, "kinds": kinds})


@router.post("/partnerships/{partnership_id}/contact")
async def log_contact(request: Request, partnership_id: PartnershipId) -> Response:
    """Log a contact as the signed-in person."""
    web, me, form = await _posted(request)
    kind = _text(form, "kind") or ""
    await run_in_threadpool(
        lambda: web.records.log_contact(
            partnership_id, kind, me.email, _text(form, "note"), granted=me.account_roles
        )
    )
    return RedirectResponse(f"/partnerships/{partnership_id}?done=contact", status_code=303)


@router.get("/partnerships/{partnership_id}/review")
def review_form(
    request: Request,
    partnership_id: PartnershipId,
    kind: Annotated[str, Query(pattern="^(monthly|annual)$")] = "monthly",
) -> Response:
    """The form to record a review: met or not met for each objective."""
    web = web_of(request)
    web.require(request)
    p = web.service.show(partnership_id)
    return web.render(request, "review.html", {"p": p, "kind": ReviewKind(kind).value})


@router.post("/partnerships/{partnership_id}/review")
async def record_review(request: Request, partnership_id: PartnershipId) -> Response:
    """Record a review as the signed-in person."""
    web, me, form = await _posted(request)
    outcomes = {
        key.removeprefix(OUTCOME_PREFIX): value
        for key, value in form.multi_items()
        if key.startswith(OUTCOME_PREFIX) and isinstance(value, str)
    }
    await run_in_threadpool(
        lambda: web.records.record_review(
            partnership_id,
            _text(form, "kind") or "",
            me.email,
            outcomes,
            _text(form, "feedback"),
            granted=me.account_roles,
        )
    )
    return RedirectResponse(f"/partnerships/{partnership_id}?done=review", status_code=303)
