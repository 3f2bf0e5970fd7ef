"""Routes for monitors, calendar programs and spreadsheets: /healthz, /metrics, calendar feeds
and exports.

`/healthz` and `/metrics` answer without signing in (monitors cannot), and show counts only;
keep them on the internal network. A calendar feed is opened by its private token alone
(calendar programs cannot sign in either): `ceop-workflow calendar EMAIL --link` makes one and
revokes the one before. Exports need a signed-in member of the Partnerships Team.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ceop_workflow.adoption.calendars import calendar_for, feed_owner
from ceop_workflow.adoption.exports import export_table
from ceop_workflow.adoption.health import health, metrics
from ceop_workflow.adoption.importer import IMPORT_ROLES
from ceop_workflow.errors import NotPermitted
from ceop_workflow.web.context import web_of

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")]
Table = Annotated[str, Path(pattern=r"^(partnerships|contacts|contributions|reviews)$")]
Format = Annotated[str, Path(pattern=r"^(csv|xlsx)$")]
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    """200 when the database answers and the daemon swept lately; 503 otherwise."""
    web = web_of(request)
    interval = web.settings.daemon.sweep_interval_seconds
    ok, details = await run_in_threadpool(health, web.service.db, web.service.clock.now(), interval)
    return Response(
        json.dumps(details), status_code=200 if ok else 503, media_type="application/json"
    )


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    """The Prometheus text format: duties, outbox, the last sweep, firings per trigger."""
    web = web_of(request)
    interval = web.settings.daemon.sweep_interval_seconds
    body = await run_in_threadpool(metrics, web.service.db, web.service.clock.now(), interval)
    return Response(body, media_type=PROMETHEUS)


@router.get("/calendar/{token}.ics")
async def calendar_feed(request: Request, token: Token) -> Response:
    """The token holder's calendar; 404 for an unknown or revoked token."""
    web = web_of(request)

    def build() -> bytes:
        return calendar_for(web.service, feed_owner(web.service.db, token))

    body = await run_in_threadpool(build)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"cache-control": "private, max-age=300"},
    )


@router.get("/export/{table}.{fmt}")
async def export(request: Request, table: Table, fmt: Format) -> Response:
    """One table as CSV or XLSX, for the Partnerships Team."""
    web = web_of(request)
    me = web.require(request)
    if not set(web.roles_of(me)) & set(IMPORT_ROLES):
        raise NotPermitted("not permitted: exports are for " + " or ".join(IMPORT_ROLES))
    body = await run_in_threadpool(export_table, web.service.db, web.settings.tz, table, fmt)
    return Response(
        body,
        media_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{table}.{fmt}"'},
    )
