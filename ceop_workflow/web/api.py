"""The JSON API under /api, for scripts: read partnerships, fire, log contacts, record reviews.

Authentication is a bearer token (`ceop-workflow token create EMAIL`); cookies are not
accepted here, so no API call can be forged from another site. Errors carry the same class
names and one-line messages as the CLI, with the class's HTTP status.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from starlette.requests import Request

from ceop_workflow.app.records import ReviewResult
from ceop_workflow.app.service import FireRequest, FireResult
from ceop_workflow.app.views import PartnershipSummary
from ceop_workflow.app.worklist import PartnershipForCaller
from ceop_workflow.engine.tiers import Tier
from ceop_workflow.web.auth import Principal, bearer_principal
from ceop_workflow.web.context import web_of

_MAX_ID = 2_147_483_647


def _plain(value: str) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL, SQLite's UTF-8): refuse them as
    # bad input rather than fail in the database.
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("must not contain NUL or unpaired surrogate characters")
    return value


Text = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_plain)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_plain)]
PartnershipId = Annotated[int, Path(ge=1, le=_MAX_ID)]


class ErrorBody(BaseModel):
    """Why a request was refused: the error class and the same message the CLI prints."""

    error: str
    message: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Unknown trigger",
        401: "No valid API token",
        403: "Not permitted",
        404: "No such partnership",
        409: "Refused by the rules now, or changed by someone else",
        422: "Malformed or missing data",
        503: "Database unavailable",
    }.items()
}
bearer = HTTPBearer(auto_error=False, description="A token from `ceop-workflow token create`.")
router = APIRouter(prefix="/api", tags=["api"], responses=_ERRORS)


def caller(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The person the request's bearer token acts for."""
    return bearer_principal(request, web_of(request).accounts)


Caller = Annotated[Principal, Depends(caller)]


class Me(BaseModel):
    """Who the token acts for, and the roles they hold outside any one partnership."""

    email: str
    roles: list[str]


class FireBody(BaseModel):
    """Fire `trigger`; `expected_version` refuses it (409) if the partnership changed since."""

    model_config = ConfigDict(extra="forbid")

    trigger: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    role: Annotated[str, StringConstraints(max_length=100)] | None = None
    data: dict[Name, Text | list[Text]] = Field(default_factory=dict)
    comment: Text | None = None
    expected_version: Annotated[int, Field(ge=0, le=_MAX_ID)] | None = None


class ContactBody(BaseModel):
    """A contact with the partner: request, meeting, event, difficult_interaction or update."""

    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, StringConstraints(max_length=100)]
    note: Text | None = None


class Created(BaseModel):
    """The id of what was added."""

    id: int


class ReviewBody(BaseModel):
    """A monthly or annual review: `met` or `not_met` for each objective."""

    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, StringConstraints(max_length=20)]
    outcomes: dict[Name, Annotated[str, StringConstraints(max_length=20)]]
    feedback: Text | None = None


@router.get("/me")
def me(request: Request, who: Caller) -> Me:
    """Who the token acts for."""
    return Me(email=who.email, roles=web_of(request).roles_of(who))


@router.get("/partnerships")
def list_partnerships(
    request: Request,
    who: Caller,
    state: Annotated[str | None, Query(max_length=100)] = None,
    tier: Tier | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> list[PartnershipSummary]:
    """Partnerships, optionally of one state and tier, or whose partner's name contains `q`."""
    rows = web_of(request).service.list(state=state or None, tier=tier or None)
    if q and q.strip():
        rows = [r for r in rows if q.strip().lower() in r.partner.lower()]
    return rows


@router.get("/partnerships/{partnership_id}")
def show_partnership(
    request: Request, who: Caller, partnership_id: PartnershipId
) -> PartnershipForCaller:
    """One partnership with its history and the triggers the caller may fire now."""
    return web_of(request).worklist.for_caller(partnership_id, who.email, who.account_roles)


@router.post("/partnerships/{partnership_id}/fire")
def fire(
    request: Request, who: Caller, partnership_id: PartnershipId, body: FireBody
) -> FireResult:
    """Fire a trigger as the token's person; the engine checks role, data and guards."""
    data = {k: [v] if isinstance(v, str) else list(v) for k, v in body.data.items()}
    return web_of(request).service.fire(
        FireRequest(
            partnership_id=partnership_id,
            trigger=body.trigger,
            actor=who.email,
            role=body.role,
            data=data,
            comment=body.comment,
            expected_version=body.expected_version,
            granted=who.account_roles,
        )
    )


@router.post("/partnerships/{partnership_id}/contacts", status_code=201)
def log_contact(
    request: Request, who: Caller, partnership_id: PartnershipId, body: ContactBody
) -> Created:
    """Log a contact with the partner as the token's person."""
    records = web_of(request).records
    contact_id = records.log_contact(
        partnership_id, body.kind, who.email, body.note, granted=who.account_roles
    )
    return Created(id=contact_id)


@router.post("/partnerships/{partnership_id}/reviews", status_code=201)
def record_review(
    request: Request, who: Caller, partnership_id: PartnershipId, body: ReviewBody
) -> ReviewResult:
    """Record a review as the token's person, with an outcome for every objective."""
    return web_of(request).records.record_review(
        partnership_id,
        body.kind,
        who.email,
        body.outcomes,
        body.feedback,
        granted=who.account_roles,
    )
