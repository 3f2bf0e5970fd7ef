"""Every failure to an HTTP status, in one place: the error classes' own `http_status`.

The API answers JSON `{"error", "message"}` with the same one-line message as the CLI; pages
answer an error page (or, when nobody is signed in, a redirect to the sign-in page).
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ceop_workflow.errors import CeopWorkflowError
from ceop_workflow.web.auth import SignInRequired
from ceop_workflow.web.context import web_of
from ceop_workflow.web.problems import request_problems

LOG = logging.getLogger("ceop_workflow.web")
_TITLES = {
    400: "Not part of this workflow",
    401: "Please sign in",
    403: "Not permitted",
    404: "Not found",
    405: "Not allowed",
    409: "Not possible now",
    422: "Please check what you entered",
    503: "The database is unavailable",
}


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(url: str, base_url: str) -> bool:
    """Whether `url` is on the site at `base_url`: same scheme, host and port, exactly.

    A prefix test is not enough: `https://partnerships.ceop.example.evil.com/` starts with
    `https://partnerships.ceop.example`, and `https://partnerships.ceop.example@evil.com/`
    goes to evil.com.
    """
    origin, base = _origin(url), _origin(base_url)
    return origin is not None and origin == base


def _origin(url: str) -> tuple[str, str, int] | None:
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def respond(request: Request, status: int, kind: str, message: str) -> Response:
    """The error response for the request's audience: JSON for the API, a page otherwise."""
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": kind, "message": message}, status, headers=headers)
    web = web_of(request)
    back = request.headers.get("referer", "")
    return web.render(
        request,
        "error.html",
        {
            "status": status,
            "title": _TITLES.get(status, "Something went wrong"),
            "message": message,
            # Only a link back into this site; anything else would be an open redirect.
            "back": back if same_origin(back, web.settings.web.base_url) else "",
        },
        status=status,
    )


async def on_error(request: Request, exc: Exception) -> Response:
    """A refusal of ours, with its class's status."""
    assert isinstance(exc, CeopWorkflowError)
    if isinstance(exc, SignInRequired) and not _is_api(request) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    return respond(request, exc.http_status, type(exc).__name__, exc.message)


async def on_validation(request: Request, exc: Exception) -> Response:
    """Malformed input (a wrong type, a missing field): 422, never a 500; in words on pages."""
    assert isinstance(exc, RequestValidationError)
    if not _is_api(request):
        return respond(request, 422, "BadInput", request_problems(exc.errors()))
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return respond(request, 422, "BadInput", "; ".join(problems) or "invalid request")


async def on_http(request: Request, exc: Exception) -> Response:
    """The framework's own refusals (no such route, method not allowed) in our shape."""
    assert isinstance(exc, HTTPException)
    kind = "NotFound" if exc.status_code == 404 else "HTTPError"
    response = respond(request, exc.status_code, kind, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def on_bug(request: Request, exc: Exception) -> Response:
    """A bug: logged with its trace (never with request data), answered without details."""
    LOG.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return respond(request, 500, "InternalError", "internal error: please report it")


def install(app: FastAPI) -> None:
    """Register the handlers on an application."""
    app.add_exception_handler(CeopWorkflowError, on_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_bug)
