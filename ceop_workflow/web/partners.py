"""The partners: a list of them and one partner's page (organisation, partnerships, contacts,
contributions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from ceop_workflow.app.partners import Partners
from ceop_workflow.web.context import web_of
from ceop_workflow.web.listing import link, paginate, sort_rows

router = APIRouter(include_in_schema=False)
PartnerId = Annotated[int, Path(ge=1, le=2_147_483_647)]


# The list's columns: the row's field to sort by, and the heading.
COLUMNS = (
    ("name", "Partner"),
    ("kind", "Kind"),
    ("partnerships", "Partnerships"),
    ("running", "Running"),
)
SORTABLE = "^(" + "|".join(name for name, _ in COLUMNS) + ")$"


@router.get("/partners")
def partner_list(
    request: Request,
    sort: Annotated[str, Query(pattern=SORTABLE)] = "name",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Every partner, with how many partnerships it has; sorted by any column, paged."""
    web = web_of(request)
    web.require(request)
    rows = Partners(web.service).list()
    params: dict[str, str | int] = {"sort": sort, "order": order}
    return web.render(
        request,
        "partners.html",
        {
            "page": paginate(sort_rows(rows, sort, order == "desc"), page),
            "link": lambda **changes: link("/partners", params, **changes),
            "columns": COLUMNS,
            "sort": sort,
            "order": order,
        },
    )


@router.get("/partners/{partner_id}")
def partner_page(request: Request, partner_id: PartnerId) -> Response:
    """One partner: what it is, its partnerships, contacts and contributions."""
    web = web_of(request)
    web.require(request)
    page = Partners(web.service).page(partner_id)
    return web.render(request, "partner.html", {"partner": page})
