"""What every request shares: the use cases, the templates and who is asking."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ceop_workflow.app.accounts import Accounts
from ceop_workflow.app.desk import WorkflowDesk
from ceop_workflow.app.links import path_for
from ceop_workflow.app.records import Records
from ceop_workflow.app.roles import roles_held
from ceop_workflow.app.service import Service
from ceop_workflow.app.throttle import SigninThrottle
from ceop_workflow.app.worklist import Worklist
from ceop_workflow.errors import NotPermitted
from ceop_workflow.web import presenting
from ceop_workflow.web.auth import (
    Principal,
    Sessions,
    SignInRequired,
    principal_of,
    session_of,
)

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


class Web:
    """The application's collaborators, built once per process.

    The use cases are shared by every request; who is asking is handed to each call (the
    actor, and the roles their account grants, `Principal.account_roles`), never baked into a
    per-request copy of the settings or the service.
    """

    def __init__(self, service: Service, accounts: Accounts, secret: str) -> None:
        self.service = service
        self.settings = service.settings
        self.accounts = accounts
        self.records = Records(
            service.settings, service.db, service.clock, service.listeners, service.catalog
        )
        self.worklist = Worklist(service)
        self.desk = WorkflowDesk(service.db, service.catalog, service.clock, service.listeners)
        self.sessions = Sessions(secret, self.settings.web)
        self.throttle = SigninThrottle(service.db, service.clock)
        self.templates = templates_environment()
        presenting.install(self.templates, self.settings.tz)

    def roles_of(self, principal: Principal) -> list[str]:
        """Every role the person holds outside any one partnership, for display and checks."""
        return sorted(roles_held(self.settings, principal.email, granted=principal.account_roles))

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
