"""The maildir and console transports, and choosing a transport from settings."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from ceop_workflow.config import EmailSettings, Settings
from ceop_workflow.notify.message import build_email, message_id_for
from ceop_workflow.notify.render import RenderedMessage
from ceop_workflow.notify.transports import (
    ConsoleTransport,
    MaildirTransport,
    SendStatus,
    SmtpTransport,
    transport_from_settings,
)


def _email(key: str, text: str = "Plain\n", message_id: str | None = None) -> EmailMessage:
    return build_email(
        RenderedMessage("Subject", text, "<p>HTML</p>"),
        "partnerships@ceop.example",
        ["a@ceop.example"],
        message_id or message_id_for(key, "ceop.example"),
    )


def test_maildir_writes_one_file_per_message(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "outbox")
    messages = [_email("a"), _email("b")]

    results = transport.send_batch(messages)

    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []  # written aside, then renamed
    assert [f.name for f in files] == sorted(f"{m['Message-ID'].strip('<>')}.eml" for m in messages)
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] in {m["Message-ID"] for m in messages}


def test_maildir_resend_overwrites_instead_of_duplicating(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)

    transport.send_batch([_email("a", text="first\n")])
    transport.send_batch([_email("a", text="second\n")])

    [only] = list(tmp_path.glob("*.eml"))
    parsed = message_from_bytes(only.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "second"


def test_maildir_file_names_are_safe_and_distinct(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "box")
    ids = ["<../../etc/passwd@x>", "<..__..__etc_passwd@x>", "<a/b@x>", "<a_b@x>"]

    results = transport.send_batch([_email(i, message_id=i) for i in ids])

    assert all(r.sent for r in results)
    files = list((tmp_path / "box").glob("*.eml"))
    assert len(files) == 4
    assert all(f.parent == tmp_path / "box" and not f.name.startswith(".") for f in files)
    assert transport.path_for(ids[2]) != transport.path_for(ids[3])


def test_maildir_without_message_id_is_permanent(tmp_path: Path) -> None:
    msg = _email("a")
    del msg["Message-ID"]

    [result] = MaildirTransport(tmp_path).send_batch([msg])

    assert result.status is SendStatus.PERMANENT
    assert list(tmp_path.glob("*.eml")) == []


def test_maildir_unwritable_folder_is_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be", encoding="utf-8")

    [result] = MaildirTransport(blocker).send_batch([_email("a")])

    assert result.status is SendStatus.TEMPORARY
    assert result.reason.startswith(f"cannot write to {blocker}")


def test_console_prints_each_message() -> None:
    stream = io.StringIO()

    results = ConsoleTransport(stream).send_batch([_email("a"), _email("b")])

    assert all(r.sent for r in results)
    assert stream.getvalue().count("Subject: Subject") == 2


def test_console_on_a_closed_stream_is_temporary() -> None:
    stream = io.StringIO()
    stream.close()

    [result] = ConsoleTransport(stream).send_batch([_email("a")])

    assert result.status is SendStatus.TEMPORARY


def _settings(tmp_path: Path, **email: object) -> Settings:
    return Settings(base_dir=tmp_path, source="test", email=EmailSettings(**email))  # type: ignore[arg-type]


def test_transport_from_settings(tmp_path: Path) -> None:
    maildir = transport_from_settings(_settings(tmp_path, transport="maildir", maildir="out"))
    assert isinstance(maildir, MaildirTransport)
    assert maildir.folder == tmp_path / "out"

    stream = io.StringIO()
    console = transport_from_settings(_settings(tmp_path, transport="console"), stream=stream)
    assert isinstance(console, ConsoleTransport)

    smtp = transport_from_settings(_settings(tmp_path, transport="smtp"), environ={})
    assert isinstance(smtp, SmtpTransport)


def test_smtp_transport_checks_its_arguments() -> None:
    from ceop_workflow.errors import ConfigError

    with pytest.raises(ConfigError, match="security"):
        SmtpTransport("localhost", 25, security="ssl")
    with pytest.raises(ConfigError, match="no password"):
        SmtpTransport("localhost", 25, username="u")
