"""The pages people read: their partnerships, the book, one partnership, the committee's
queue and the monthly report. The admin's pages are in admin_home and desk."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ceop_workflow.app.diagrams import draw
from ceop_workflow.app.home import HomePages
from ceop_workflow.engine.tiers import Tier
from ceop_workflow.errors import BadInput
from ceop_workflow.reports.render import render_html
from ceop_workflow.web.context import web_of
from ceop_workflow.web.diagram import steps
from ceop_workflow.web.forms import fields_for
from ceop_workflow.web.listing import link, paginate, sort_rows

router = APIRouter(include_in_schema=False)
PartnershipId = Annotated[int, Path(ge=1, le=2_147_483_647)]
# The book's columns: the row's field to sort by, and the heading.
BOOK_COLUMNS = (
    ("id", "#"),
    ("partner", "Partner"),
    ("state", "State"),
    ("tier_label", "Tier"),
    ("keyworker", "Keyworker"),
)
SORTABLE = "^(" + "|".join(name for name, _ in BOOK_COLUMNS) + ")$"
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


@router.get("/partnerships")
def book(
    request: Request,
    state: Annotated[str, Query(max_length=100)] = "",
    tier: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern=SORTABLE)] = "id",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The book of partnerships: filtered by state and tier, searched by partner name, sorted
    by any column either way, a page at a time."""
    web = web_of(request)
    web.require(request)
    service = web.service
    rows = service.list(state=state or None, tier=tier or None)
    if q.strip():
        rows = [r for r in rows if q.strip().lower() in r.partner.lower()]
    states = sorted(
        {
            s
            for v in service.workflow_versions()
            for s in service.definition(v.name, v.version).states
        }
    )
    params = {"q": q, "state": state, "tier": tier, "sort": sort, "order": order}
    return web.render(
        request,
        "book.html",
        {
            "page": paginate(sort_rows(rows, sort, order == "desc"), page),
            "params": params,
            "link": lambda **changes: link("/partnerships", params, **changes),
            "columns": BOOK_COLUMNS,
            "state": state,
            "tier": tier,
            "q": q,
            "sort": sort,
            "order": order,
            "states": states,
            "tiers": [(t.value, t.label) for t in Tier],
        },
    )


@router.get("/partnerships/{partnership_id}")
def partnership_page(request: Request, partnership_id: PartnershipId, done: str = "") -> Response:
    """Everything about one partnership, and a form for each trigger the person may fire."""
    web = web_of(request)
    me = web.require(request)
    record = web.worklist.record(partnership_id, me.email, me.account_roles)
    definition = record.definition
    path = [h.source for h in record.history] + [h.dest for h in record.history]
    taken = [(h.source, h.trigger, h.dest) for h in record.history]
    drawing = draw(definition, record.state, path, taken)
    return web.render(
        request,
        "partnership.html",
        {
            "p": record,
            "done": done,
            "diagram": steps(definition, record.state, path),
            "drawing": drawing,
            # Drawn from checked names only (Graphviz or the engine); no script, no network.
            "svg": Markup(drawing.svg),
            "forms": [(t, fields_for(t)) for t in record.fireable],
            "running": not definition.states[record.state].terminal,
            # Set by a trigger's form posted with data the engine refused (web/records.py).
            "problems": getattr(request.state, "form_problems", None),
        },
    )


@router.get("/committee")
def committee(request: Request, done: str = "") -> Response:
    """Business cases waiting on the Partnership Committee, with the vote buttons."""
    web = web_of(request)
    me = web.require(request)
    queue = web.worklist.committee_queue(me.email, me.account_roles)
    forms = {item.id: [(t, fields_for(t)) for t in item.fireable] for item in queue}
    return web.render(request, "committee.html", {"queue": queue, "forms": forms, "done": done})


@router.get("/report")
def report(request: Request) -> Response:
    """Choose a month of the monthly report: the last 13 and any with data (the last complete
    one chosen)."""
    web = web_of(request)
    web.require(request)
    months = list(HomePages(web.service).report_months())
    chosen = months[1]  # the last complete month; months[0] is this one
    return web.render(request, "report.html", {"months": months, "chosen": chosen})


@router.get("/report/monthly")
def monthly_report(
    request: Request, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]
) -> Response:
    """The monthly report as the reports module draws it: one self-contained page."""
    web = web_of(request)
    web.require(request)
    year, number = (int(part) for part in month.split("-"))
    if not 1 <= number <= 12 or year < 2000:
        raise BadInput(f"month: expected YYYY-MM, got {month!r}")
    measures = web.service.measures(date(year, number, 1))
    # The report carries its own inline styles; this header (kept by SecurityHeaders) lets
    # them apply and still forbids scripts and network loads.
    back = [("Home", "/"), ("Choose another month", "/report")]
    return HTMLResponse(
        render_html(measures, back), headers={"content-security-policy": REPORT_CSP}
    )
