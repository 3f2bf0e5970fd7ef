"""What every request shares: the use cases, the templates and who is asking."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ceop_workflow.accounts import Accounts
from ceop_workflow.config import Settings
from ceop_workflow.errors import NotPermitted
from ceop_workflow.links import path_for
from ceop_workflow.records import Records
from ceop_workflow.service import Service
from ceop_workflow.throttle import SigninThrottle
from ceop_workflow.web import presenting
from ceop_workflow.web.auth import (
    Principal,
    Sessions,
    SignInRequired,
    principal_of,
    session_of,
)
from ceop_workflow.worklist import Worklist

TEMPLATES = Path(__file__).resolve().parent / "templates"


def templates_environment() -> Environment:
    """Jinja2 for the pages: files named *.html, so autoescape applies (PITFALLS)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["path_for"] = path_for
    env.filters["words"] = lambda name: str(name).replace("_", " ")
    return env


def with_account_roles(settings: Settings, principal: Principal) -> Settings:
    """Settings in which the person also holds the roles their account grants.

    The engine then checks those roles like any other: nothing about roles is decided here.
    """
    if not principal.account_roles:
        return settings
    roles: dict[str, tuple[str, ...]] = dict(settings.roles)
    for role in principal.account_roles:
        roles[role] = (*roles.get(role, ()), principal.email)
    return dataclasses.replace(settings, roles=MappingProxyType(roles))


class Web:
    """The application's collaborators, built once per process."""

    def __init__(self, service: Service, accounts: Accounts, secret: str) -> None:
        self.service = service
        self.settings = service.settings
        self.accounts = accounts
        self.sessions = Sessions(secret, self.settings.web)
        self.throttle = SigninThrottle(service.db, service.clock)
        self.templates = templates_environment()
        presenting.install(self.templates, self.settings.tz)

    # -- acting as the signed-in person ------------------------------------------------------

    def service_for(self, principal: Principal) -> Service:
        """The use cases with the person's account roles counted."""
        base = self.service
        settings = with_account_roles(self.settings, principal)
        if settings is self.settings:
            return base
        return Service(settings, base.db, base.clock, base.catalog, base.listeners)

    def records_for(self, principal: Principal) -> Records:
        """Contacts and reviews, with the person's account roles counted."""
        service = self.service_for(principal)
        return Records(
            service.settings, service.db, service.clock, service.listeners, service.catalog
        )

    def worklist_for(self, principal: Principal) -> Worklist:
        """Reads for the pages, with the person's account roles counted."""
        return Worklist(self.service_for(principal))

    def roles_of(self, principal: Principal) -> list[str]:
        """Every role the person holds outside any one partnership, for display."""
        return sorted(self.settings.roles_of(principal.email) | principal.account_roles)

    # -- pages -------------------------------------------------------------------------------

    def principal(self, request: Request) -> Principal | None:
        """The signed-in person, if any."""
        return principal_of(request, self.sessions, self.accounts, self.settings.web)

    def require(self, request: Request, role: str | None = None) -> Principal:
        """The signed-in person; `SignInRequired` (a redirect for pages) otherwise.

        With `role`, also `NotPermitted` (403) unless they hold it ([roles] or their account).
        """
        principal = self.principal(request)
        if principal is None:
            raise SignInRequired("please sign in")
        request.state.principal = principal
        if role is not None and role not in self.roles_of(principal):
            raise NotPermitted(f"not permitted: this page is for the {role} role")
        return principal

    def render(
        self, request: Request, name: str, context: Mapping[str, Any], status: int = 200
    ) -> HTMLResponse:
        """A page, with the CSRF token and the signed-in person every layout needs."""
        session = session_of(request, self.sessions)
        principal = getattr(request.state, "principal", None)
        html = self.templates.get_template(name).render(
            {
                "csrf_token": session.nonce,
                "me": principal,
                "my_roles": self.roles_of(principal) if principal else [],
                "auth_mode": self.settings.web.auth,
                "path": request.url.path,
                **context,
            }
        )
        response = HTMLResponse(html, status_code=status)
        if getattr(request.state, "new_session", False):
            self.sessions.write(response, session)
        return response


def web_of(request: Request) -> Web:
    """The `Web` of the application serving the request."""
    web = request.app.state.web
    assert isinstance(web, Web)
    return web
