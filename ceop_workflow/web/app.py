"""The application factory: pages, the JSON API under /api, static files, security headers."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ceop_workflow.app.accounts import Accounts
from ceop_workflow.app.service import Service
from ceop_workflow.config import Settings
from ceop_workflow.web import (
    admin_home,
    adoption,
    api,
    desk,
    errors,
    home,
    pages,
    partners,
    records,
    signin,
)
from ceop_workflow.web.context import Web

STATIC = Path(__file__).resolve().parent / "static"
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the headers that keep pages from being framed, sniffed or running foreign code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A response that set its own policy (the report page) keeps it.
                own = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _HEADERS if k not in own]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def session_secret(settings: Settings) -> str:
    """The session secret from the environment variable config names; else a random one.

    A random secret ends every session when the server restarts: fine for a trial, so it
    is said on stderr (the secret itself is never printed).
    """
    secret = os.environ.get(settings.web.session_secret_env, "")
    if secret:
        if len(secret) < 32:
            print(
                f"warning: {settings.web.session_secret_env} is shorter than 32 characters",
                file=sys.stderr,
            )
        return secret
    print(
        f"warning: {settings.web.session_secret_env} is not set: using a random session "
        "secret, so everybody signs in again after a restart",
        file=sys.stderr,
    )
    return secrets.token_urlsafe(48)


def create_app(service: Service, accounts: Accounts, secret: str) -> FastAPI:
    """The web application over the given use cases, signing sessions with `secret`."""
    app = FastAPI(
        title="ceop-workflow",
        summary="The lifecycle of partnerships: read partnerships, fire triggers, log contacts, "
        "record reviews.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = Web(service, accounts, secret)
    errors.install(app)
    app.include_router(signin.router)
    app.include_router(home.router)
    app.include_router(pages.router)
    app.include_router(partners.router)
    app.include_router(records.router)
    app.include_router(api.router)
    app.include_router(adoption.router)
    app.include_router(admin_home.router)
    app.include_router(desk.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    return app
