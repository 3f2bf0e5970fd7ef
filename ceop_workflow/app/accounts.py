"""Use cases of accounts: adding people, checking passwords, issuing API tokens.

Passwords are hashed with argon2id; tokens are random and stored only as their SHA-256.
Nothing here logs or returns a password, a hash or a stored token.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.engine.addresses import check_address
from ceop_workflow.engine.registry import RELATIONAL_ROLES
from ceop_workflow.errors import BadInput, NotFound
from ceop_workflow.store.accounts import ApiToken, User
from ceop_workflow.store.db import Database

TOKEN_PREFIX = "ceop_"
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class Account:
    """A person as the web layer sees them: who, the roles granted to the account, and a stamp
    that changes with the password (so a password change ends every session)."""

    email: str
    roles: frozenset[str]
    stamp: str


def token_digest(token: str) -> str:
    """The SHA-256 a token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stamp(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class AccountSummary:
    """An account as the admin's page lists it: no hash, no stamp, no token."""

    email: str
    roles: tuple[str, ...]
    disabled: bool
    has_password: bool
    active_tokens: int


def _account(user: User) -> Account:
    return Account(user.email, frozenset(user.roles), _stamp(user.password_hash))


class Accounts:
    """Local accounts and API tokens, each call one transaction."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        clock: Clock,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.settings = settings
        self.db = database
        self.clock = clock
        self._hasher = hasher or PasswordHasher()
        # Verifying against a real hash when the email is unknown keeps the time the same, so
        # the sign-in form does not tell who has an account.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def _email(self, email: str) -> str:
        return check_address(email, "user")

    def _roles(self, roles: Iterable[str]) -> list[str]:
        wanted = sorted({r.strip() for r in roles if r.strip()})
        for role in wanted:
            if role in RELATIONAL_ROLES:
                raise BadInput(f"role {role!r} follows from each partnership and is not granted")
            if role not in self.settings.roles:
                raise BadInput(
                    f"unknown role {role!r}; roles in {self.settings.source}: "
                    + ", ".join(sorted(self.settings.roles))
                )
        return wanted

    def add_user(self, email: str, roles: Iterable[str], password: str | None = None) -> Account:
        """Add a person; without a password they sign in only by single sign-on or a token."""
        address = self._email(email)
        granted = self._roles(roles)
        hashed = None if password is None else self._hash(password)
        with self.db.unit_of_work() as session:
            if session.scalar(select(User.id).filter_by(email=address)) is not None:
                raise BadInput(f"user {address} already exists")
            user = User(
                email=address,
                password_hash=hashed,
                roles=granted,
                disabled=False,
                created_at=self.clock.now(),
            )
            session.add(user)
            return _account(user)

    def set_password(self, email: str, password: str) -> None:
        """Change a password; every session of the person ends."""
        hashed = self._hash(password)
        with self.db.unit_of_work() as session:
            user = self._user(session, email)
            user.password_hash = hashed

    def _hash(self, password: str) -> str:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise BadInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        return self._hasher.hash(password)

    @staticmethod
    def _user(session: Session, email: str) -> User:
        user = session.scalars(select(User).filter_by(email=email.strip().lower())).one_or_none()
        if user is None:
            raise NotFound(f"no user {email.strip().lower()}")
        return user

    def authenticate(self, email: str, password: str) -> Account | None:
        """The account if the password is right and the account enabled, else None."""
        with self.db.reading() as session:
            user = session.scalars(
                select(User).filter_by(email=email.strip().lower())
            ).one_or_none()
            stored = user.password_hash if user is not None else None
            try:
                self._hasher.verify(stored or self._dummy_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return None
            if user is None or stored is None or user.disabled:
                return None
            return _account(user)

    def find(self, email: str) -> Account | None:
        """The enabled account of an email address, if there is one."""
        with self.db.reading() as session:
            user = session.scalars(
                select(User).filter_by(email=email.strip().lower())
            ).one_or_none()
            return None if user is None or user.disabled else _account(user)

    def summaries(self) -> list[AccountSummary]:
        """Every account, by email address, with its roles and how many live API tokens."""
        with self.db.reading() as session:
            users = session.scalars(
                select(User).options(selectinload(User.tokens)).order_by(User.email)
            ).all()
            return [
                AccountSummary(
                    u.email,
                    tuple(sorted(u.roles)),
                    u.disabled,
                    u.password_hash is not None,
                    sum(t.revoked_at is None for t in u.tokens),
                )
                for u in users
            ]

    def create_token(self, email: str, name: str = "script") -> str:
        """A new API token for the person; shown once, stored only as a digest."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.unit_of_work() as session:
            user = self._user(session, email)
            session.add(
                ApiToken(
                    user_id=user.id,
                    token_sha256=token_digest(token),
                    name=name,
                    created_at=self.clock.now(),
                )
            )
        return token

    def revoke_tokens(self, email: str) -> int:
        """Revoke every token of the person; returns how many were live."""
        with self.db.unit_of_work() as session:
            user = self._user(session, email)
            live = [t for t in user.tokens if t.revoked_at is None]
            for t in live:
                t.revoked_at = self.clock.now()
            return len(live)

    def for_token(self, token: str) -> Account | None:
        """The account a live token acts for, else None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.db.reading() as session:
            row = session.scalars(
                select(ApiToken).filter_by(token_sha256=token_digest(token))
            ).one_or_none()
            if row is None or row.revoked_at is not None or row.user.disabled:
                return None
            return _account(row.user)
