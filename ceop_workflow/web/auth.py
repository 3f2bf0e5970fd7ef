"""Who is asking: signed session cookies, CSRF tokens, single sign-on headers, API tokens.

The session cookie is signed (itsdangerous) with the secret from the environment, HttpOnly and
SameSite=Lax; it carries a random nonce that is also the CSRF token every form must send back.
Lax rather than Strict so that a link in a reminder email opens the page signed in.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ceop_workflow.app.accounts import Account, Accounts
from ceop_workflow.config import WebSettings
from ceop_workflow.engine.addresses import address_problem
from ceop_workflow.errors import CeopWorkflowError

SESSION_COOKIE = "ceop_session"
CSRF_FIELD = "csrf_token"


class SignInRequired(CeopWorkflowError):
    """The request carries no valid session, trusted header or API token."""

    http_status = 401


class CsrfRefused(CeopWorkflowError):
    """A form arrived without the CSRF token of the session that loaded it."""

    http_status = 403


@dataclass(frozen=True)
class SessionData:
    """What the session cookie holds: the CSRF nonce and, once signed in, who and their stamp."""

    nonce: str
    email: str | None = None
    stamp: str | None = None

    @classmethod
    def fresh(cls, email: str | None = None, stamp: str | None = None) -> SessionData:
        """A new session with a new nonce (on sign-in too, against session fixation)."""
        return cls(secrets.token_urlsafe(24), email, stamp)


@dataclass(frozen=True)
class Principal:
    """The signed-in person and the roles their account grants (besides config.toml's)."""

    email: str
    account_roles: frozenset[str]


class Sessions:
    """Reads and writes the signed session cookie."""

    def __init__(self, secret: str, web: WebSettings) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="ceop-workflow.session")
        self._max_age = web.session_max_age_seconds
        self._secure = web.base_url.startswith("https://")

    def read(self, request: Request) -> SessionData | None:
        """The session of the request, or None if absent, expired or signed with another key."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw, max_age=self._max_age)
        except BadSignature:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("n"), str):
            return None
        email, stamp = value.get("e"), value.get("s")
        return SessionData(
            value["n"],
            email if isinstance(email, str) else None,
            stamp if isinstance(stamp, str) else None,
        )

    def write(self, response: Response, data: SessionData) -> None:
        """Set the cookie on a response."""
        response.set_cookie(
            SESSION_COOKIE,
            self._serializer.dumps({"n": data.nonce, "e": data.email, "s": data.stamp}),
            max_age=self._max_age,
            httponly=True,
            samesite="lax",
            secure=self._secure,
            path="/",
        )


def session_of(request: Request, sessions: Sessions) -> SessionData:
    """The request's session, or a fresh anonymous one to be set on the response."""
    cached = getattr(request.state, "session", None)
    if isinstance(cached, SessionData):
        return cached
    data = sessions.read(request)
    if data is None:
        data = SessionData.fresh()
        request.state.new_session = True
    request.state.session = data
    return data


def check_csrf(request: Request, sessions: Sessions, token: object) -> None:
    """Refuse a form whose token is missing or is not its session's nonce."""
    data = sessions.read(request)
    if (
        data is None
        or not isinstance(token, str)
        or not hmac.compare_digest(token.encode(), data.nonce.encode())
    ):
        raise CsrfRefused(
            "the form has expired or did not come from this site: reload the page and try again"
        )


def principal_of(
    request: Request, sessions: Sessions, accounts: Accounts, web: WebSettings
) -> Principal | None:
    """The signed-in person: from the trusted header (header mode) or the session (local)."""
    if web.auth == "header":
        client = request.client.host if request.client else ""
        email = request.headers.get(web.trusted_header, "").strip().lower()
        # Whatever the proxy sends must be an address: it becomes the actor of every write.
        if not web.trusts(client) or address_problem(email) is not None:
            return None
        account = accounts.find(email)
        return Principal(email, account.roles if account else frozenset())
    data = sessions.read(request)
    if data is None or data.email is None:
        return None
    account = accounts.find(data.email)
    if account is None or not hmac.compare_digest(account.stamp, data.stamp or ""):
        return None
    return Principal(account.email, account.roles)


def bearer_principal(request: Request, accounts: Accounts) -> Principal:
    """The person an API request's bearer token acts for; `SignInRequired` otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    account: Account | None = None
    if scheme.lower() == "bearer" and token.strip():
        account = accounts.for_token(token.strip())
    if account is None:
        raise SignInRequired("an API token is required: Authorization: Bearer <token>")
    return Principal(account.email, account.roles)
