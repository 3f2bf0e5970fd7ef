"""Signing in and out with a local account (or seeing that single sign-on is in charge)."""

from __future__ import annotations

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
    account = None
    if web.settings.web.auth == "local" and isinstance(email, str) and isinstance(password, str):
        account = await run_in_threadpool(web.accounts.authenticate, email, password)
    if account is None:
        return web.render(
            request,
            "signin.html",
            {"next": target, "error": "That email address and password do not match an account."},
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    web.sessions.write(response, SessionData.fresh(account.email, account.stamp))
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    """End the session."""
    web = web_of(request)
    form = await request.form()
    check_csrf(request, web.sessions, form.get(CSRF_FIELD))
    response = RedirectResponse("/signin", status_code=303)
    web.sessions.write(response, SessionData.fresh())
    return response
