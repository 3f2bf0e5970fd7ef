"""Fixtures for integration tests: a real SMTP server (aiosmtpd) on loopback that tests can
make refuse, need a login or TLS; `outbox_db`, an empty migrated database, once on SQLite and
once on PostgreSQL; and a headless Chromium (from browser.py)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ceop_workflow.store.db import Database

# A headless Chromium for the browser tests: chromium_page and friends live in browser.py.
from tests.integration.browser import artifacts_dir, chromium_browser, chromium_page
from tests.integration.databases import KINDS, emptied, postgres_database, sqlite_database

__all__ = ["artifacts_dir", "chromium_browser", "chromium_page"]

HOST = "127.0.0.1"
SMTP_USER = "ceop-sender"
SMTP_PASSWORD = "s3cret-Pa55word-never-logged"


@dataclass
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class Handler:
    """Records accepted messages; replies as the test tells it to."""

    require_login: bool = False
    received: list[Received] = field(default_factory=list)
    data_reply: str | None = None
    rcpt_replies: dict[str, str] = field(default_factory=dict)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        # Required per message rather than with auth_required=True, which warns without TLS.
        if self.require_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        content = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """A running server: where it listens, what it received, and how to make it refuse."""

    host: str
    port: int
    handler: Handler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse_data(self, reply: str) -> None:
        """Answer every DATA with `reply` (e.g. "451 try later")."""
        self.handler.data_reply = reply

    def refuse_recipient(self, address: str, reply: str) -> None:
        """Answer RCPT TO:<address> with `reply` (e.g. "550 no such user")."""
        self.handler.rcpt_replies[address] = reply


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    # handled=False: let aiosmtpd send the 535 reply itself.
    return AuthResult(success=ok, handled=False)


def _serve(handler: Handler, **kwargs: Any) -> Iterator[SmtpServer]:
    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(HOST, port, handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on loopback that accepts everything until told otherwise."""
    yield from _serve(Handler())


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """An SMTP server that takes mail only after AUTH as SMTP_USER / SMTP_PASSWORD."""
    yield from _serve(
        Handler(require_login=True), authenticator=_authenticate, auth_require_tls=False
    )


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and the contexts to serve and trust it."""

    server_context: ssl.SSLContext
    client_context: ssl.SSLContext


@pytest.fixture(scope="session")
def loopback_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(HOST))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_file = folder / "cert.pem"
    key_file = folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    client_context = ssl.create_default_context(cafile=str(cert_file))
    return Certificate(server_context, client_context)


@pytest.fixture
def smtp_starttls_server(loopback_certificate: Certificate) -> Iterator[SmtpServer]:
    """An SMTP server that takes mail only after STARTTLS."""
    yield from _serve(
        Handler(), tls_context=loopback_certificate.server_context, require_starttls=True
    )


@pytest.fixture
def smtps_server(loopback_certificate: Certificate) -> Iterator[SmtpServer]:
    """An SMTP server that speaks TLS from the first byte (port 465 style)."""
    yield from _serve(Handler(), ssl_context=loopback_certificate.server_context)


@pytest.fixture(scope="session")
def notify_postgres_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the session's notification tests."""
    with postgres_database() as url:
        yield url


@pytest.fixture(params=KINDS)
def outbox_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty migrated database: a SQLite file, then PostgreSQL (emptied for each test)."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as db:
            yield db
        return
    db = emptied(request.getfixturevalue("notify_postgres_url"))
    try:
        yield db
    finally:
        db.dispose()
