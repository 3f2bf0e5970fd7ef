"""The partners: a list of them and one partner's page (organisation, partnerships, contacts,
contributions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.requests import Request
from starlette.responses import Response

from ceop_workflow.partners import Partners
from ceop_workflow.web.context import web_of

router = APIRouter(include_in_schema=False)
PartnerId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/partners")
def partner_list(request: Request) -> Response:
    """Every partner, with how many partnerships it has."""
    web = web_of(request)
    me = web.require(request)
    return web.render(request, "partners.html", {"rows": Partners(web.service_for(me)).list()})


@router.get("/partners/{partner_id}")
def partner_page(request: Request, partner_id: PartnerId) -> Response:
    """One partner: what it is, its partnerships, contacts and contributions."""
    web = web_of(request)
    me = web.require(request)
    page = Partners(web.service_for(me)).page(partner_id)
    return web.render(request, "partner.html", {"partner": page})
