"""Signing in and out with a local account (or seeing that single sign-on is in charge)."""

from __future__ import annotations

import math

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ceop_workflow.web.auth import CSRF_FIELD, SessionData, check_csrf
from ceop_workflow.web.context import web_of

router = APIRouter(include_in_schema=False)


def safe_next(target: object) -> str:
    """Only a path on this site: never another site (no open redirect)."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and "\n" not in target
        and "\r" not in target
    ):
        return target
    return "/"


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    """The sign-in form (local accounts) or a note that single sign-on is in charge."""
    web = web_of(request)
    if web.principal(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return web.render(request, "signin.html", {"next": safe_next(next), "error": ""})


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Check the password; on success a fresh session (new nonce) and back where they were."""
    web = web_of(request)
    form = await request.form()
    check_csrf(request, web.sessions, form.get(CSRF_FIELD))
    target = safe_next(form.get("next"))
    email, password = form.get("email"), form.get("password")
    if web.settings.web.auth != "local" or not isinstance(email, str):
        return _refused(request, target, "That email address and password do not match an account.")
    address = client_address(request, web.settings.web.proxies)
    # Checked before any password, and the same for every email address, known or not.
    wait = await run_in_threadpool(web.throttle.wait_seconds, email, address)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        message = f"Too many failed sign-ins: try again in {minutes} minute{'s' * (minutes > 1)}."
        response = _refused(request, target, message, status=429)
        response.headers["retry-after"] = str(wait)
        return response
    account = None
    if isinstance(password, str):
        account = await run_in_threadpool(web.accounts.authenticate, email, password)
    if account is None:
        await run_in_threadpool(web.throttle.failed, email, address)
        return _refused(request, target, "That email address and password do not match an account.")
    await run_in_threadpool(web.throttle.succeeded, email)
    response = RedirectResponse(target, status_code=303)
    web.sessions.write(response, SessionData.fresh(account.email, account.stamp))
    return response


def _refused(request: Request, target: str, message: str, status: int = 401) -> Response:
    return web_of(request).render(
        request, "signin.html", {"next": target, "error": message}, status=status
    )


def client_address(request: Request, proxies: frozenset[str]) -> str:
    """Who is signing in: the peer, or the last address a trusted proxy forwarded for."""
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for", "")
    if peer in proxies and forwarded.strip():
        # The right-most entry is the one our proxy added; those left of it are the client's say.
        return forwarded.split(",")[-1].strip()[:100]
    return peer


@router.post("/signout")
async def signout(request: Request) -> Response:
    """End the session."""
    web = web_of(request)
    form = await request.form()
    check_csrf(request, web.sessions, form.get(CSRF_FIELD))
    response = RedirectResponse("/signin", status_code=303)
    web.sessions.write(response, SessionData.fresh())
    return response
