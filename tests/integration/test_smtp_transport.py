"""SmtpTransport against a real SMTP server on loopback."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from ceop_workflow.config import EmailSettings, Settings
from ceop_workflow.errors import ConfigError
from ceop_workflow.notify.message import build_email, message_id_for
from ceop_workflow.notify.render import RenderedMessage
from ceop_workflow.notify.transports import (
    SendStatus,
    SmtpTransport,
    transport_from_settings,
)
from tests.integration.conftest import (
    HOST,
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    SmtpServer,
    free_port,
)
from tests.support import scaled

SENDER = "partnerships@ceop.example"


def _email(key: str, *recipients: str, subject: str = "Monthly review due") -> EmailMessage:
    rendered = RenderedMessage(
        subject=subject,
        text=f"Plain text for {key}\n",
        html=f"<p>HTML for <b>{key}</b></p>\n",
    )
    return build_email(
        rendered,
        SENDER,
        list(recipients) or ["sam.keyworker@ceop.example"],
        message_id_for(key, "ceop.example"),
        date=datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
    )


def _plain(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport(server.host, server.port, timeout=scaled(5))


def test_messages_arrive_with_recipients_subject_and_both_parts(smtp_server: SmtpServer) -> None:
    first = _email("a", "sam.keyworker@ceop.example", "alex.manager@ceop.example")
    second = _email("b", "kelly.burke@ceop.example", subject="Escalated: £ and ünïcode")

    results = _plain(smtp_server).send_batch([first, second])

    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
    assert [r.message_id for r in results] == [first["Message-ID"], second["Message-ID"]]
    assert len(smtp_server.received) == 2
    got = smtp_server.received[0]
    assert got.mail_from == SENDER
    assert sorted(got.rcpt_tos) == ["alex.manager@ceop.example", "sam.keyworker@ceop.example"]
    parsed = message_from_bytes(got.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "Monthly review due"
    assert parsed["Message-ID"] == message_id_for("a", "ceop.example")
    assert parsed["Auto-Submitted"] == "auto-generated"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None and text.get_content().strip() == "Plain text for a"
    assert html is not None and html.get_content().strip() == "<p>HTML for <b>a</b></p>"
    second_parsed = message_from_bytes(smtp_server.received[1].data, policy=policy.default)
    assert second_parsed["Subject"] == "Escalated: £ and ünïcode"
    assert smtp_server.received[1].rcpt_tos == ["kelly.burke@ceop.example"]


def test_one_connection_serves_the_whole_batch(smtp_server: SmtpServer) -> None:
    connections: list[object] = []
    transport = _plain(smtp_server)
    connect = transport._connect

    def counting_connect() -> object:
        conn = connect()
        connections.append(conn)
        return conn

    transport._connect = counting_connect  # type: ignore[method-assign,assignment]

    results = transport.send_batch([_email(str(i)) for i in range(5)])

    assert all(r.sent for r in results)
    assert len(connections) == 1
    assert len(smtp_server.received) == 5


def test_451_is_a_temporary_failure(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_data("451 4.3.0 try later")

    results = _plain(smtp_server).send_batch([_email("a"), _email("b")])

    assert [r.status for r in results] == [SendStatus.TEMPORARY, SendStatus.TEMPORARY]
    assert results[0].reason == "refused: 451 4.3.0 try later"
    assert smtp_server.received == []


def test_550_is_a_permanent_failure(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_data("550 5.7.1 message rejected")

    [result] = _plain(smtp_server).send_batch([_email("a")])

    assert result.status is SendStatus.PERMANENT
    assert result.reason == "refused: 550 5.7.1 message rejected"


def test_recipients_are_refused_per_message(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_recipient("gone@ceop.example", "550 5.1.1 no such user")
    smtp_server.refuse_recipient("busy@ceop.example", "450 4.2.1 mailbox busy")

    results = _plain(smtp_server).send_batch(
        [
            _email("gone", "gone@ceop.example"),
            _email("busy", "busy@ceop.example"),
            _email("mixed", "gone@ceop.example", "sam.keyworker@ceop.example"),
            _email("fine", "sam.keyworker@ceop.example"),
        ]
    )

    assert [r.status for r in results] == [
        SendStatus.PERMANENT,
        SendStatus.TEMPORARY,
        SendStatus.SENT,
        SendStatus.SENT,
    ]
    assert "gone@ceop.example (550 5.1.1 no such user)" in results[0].reason
    assert "busy@ceop.example (450 4.2.1 mailbox busy)" in results[1].reason
    assert results[2].reason.startswith("some recipients refused: gone@ceop.example (550")
    assert [r.rcpt_tos for r in smtp_server.received] == [
        ["sam.keyworker@ceop.example"],
        ["sam.keyworker@ceop.example"],
    ]


def test_server_down_makes_the_transport_unavailable_not_the_message() -> None:
    transport = SmtpTransport(HOST, free_port(), timeout=scaled(5))

    results = transport.send_batch([_email("a"), _email("b")])

    assert [r.status for r in results] == [SendStatus.UNAVAILABLE, SendStatus.UNAVAILABLE]
    assert results[0].reason.startswith(f"cannot use SMTP server {HOST}:")
    assert "ConnectionRefusedError" in results[0].reason


def test_empty_batch_does_not_connect() -> None:
    assert SmtpTransport(HOST, free_port()).send_batch([]) == []


def test_login_with_password_from_the_environment_never_logs_it(
    smtp_auth_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        base_dir=Path(),
        source="test",
        email=EmailSettings(
            transport="smtp",
            smtp_host=smtp_auth_server.host,
            smtp_port=smtp_auth_server.port,
            smtp_username=SMTP_USER,
            smtp_password_env="TEST_SMTP_PASSWORD",
        ),
    )
    transport = transport_from_settings(settings, environ={"TEST_SMTP_PASSWORD": SMTP_PASSWORD})

    results = transport.send_batch([_email("a")])

    assert [r.status for r in results] == [SendStatus.SENT]
    assert len(smtp_auth_server.received) == 1
    assert SMTP_PASSWORD not in repr(transport)
    secrets = {
        SMTP_PASSWORD,
        base64.b64encode(f"\0{SMTP_USER}\0{SMTP_PASSWORD}".encode()).decode(),
        base64.b64encode(SMTP_PASSWORD.encode()).decode(),
    }
    assert caplog.records, "expected the transport to log its batch"
    for record in caplog.records:
        line = record.getMessage()
        assert not any(secret in line for secret in secrets), line


def test_wrong_password_makes_the_transport_unavailable_and_is_not_logged(
    smtp_auth_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-Pa55word-also-secret"
    transport = SmtpTransport(
        smtp_auth_server.host,
        smtp_auth_server.port,
        username=SMTP_USER,
        password=wrong,
        timeout=scaled(5),
    )

    [result] = transport.send_batch([_email("a")])

    assert result.status is SendStatus.UNAVAILABLE
    assert "535" in result.reason
    assert wrong not in result.reason
    assert all(wrong not in record.getMessage() for record in caplog.records)
    assert smtp_auth_server.received == []


def test_username_without_password_in_the_environment_is_a_config_error() -> None:
    settings = Settings(
        base_dir=Path(),
        source="test",
        email=EmailSettings(transport="smtp", smtp_username=SMTP_USER),
    )

    with pytest.raises(ConfigError, match="CEOP_WORKFLOW_SMTP_PASSWORD") as caught:
        transport_from_settings(settings, environ={})
    assert SMTP_PASSWORD not in str(caught.value)


def test_starttls(smtp_starttls_server: SmtpServer, loopback_certificate: Certificate) -> None:
    transport = SmtpTransport(
        smtp_starttls_server.host,
        smtp_starttls_server.port,
        security="starttls",
        ssl_context=loopback_certificate.client_context,
        timeout=scaled(5),
    )

    results = transport.send_batch([_email("a")])

    assert [r.status for r in results] == [SendStatus.SENT]
    assert len(smtp_starttls_server.received) == 1


def test_plain_connection_to_a_starttls_only_server_fails(
    smtp_starttls_server: SmtpServer,
) -> None:
    [result] = _plain(smtp_starttls_server).send_batch([_email("a")])

    assert not result.sent
    assert "530" in result.reason
    assert smtp_starttls_server.received == []


def test_implicit_tls(smtps_server: SmtpServer, loopback_certificate: Certificate) -> None:
    transport = SmtpTransport(
        smtps_server.host,
        smtps_server.port,
        security="tls",
        ssl_context=loopback_certificate.client_context,
        timeout=scaled(5),
    )

    results = transport.send_batch([_email("a")])

    assert [r.status for r in results] == [SendStatus.SENT]
    assert len(smtps_server.received) == 1


def test_untrusted_certificate_makes_the_transport_unavailable(smtps_server: SmtpServer) -> None:
    transport = SmtpTransport(
        smtps_server.host, smtps_server.port, security="tls", timeout=scaled(5)
    )

    [result] = transport.send_batch([_email("a")])

    assert result.status is SendStatus.UNAVAILABLE
    assert "CERTIFICATE_VERIFY_FAILED" in result.reason
