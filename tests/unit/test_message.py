"""Building emails: structure, stable Message-IDs, and refusal of header injection."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from ceop_workflow.errors import BadInput
from ceop_workflow.notify.message import build_email, domain_of, message_id_for
from ceop_workflow.notify.render import RenderedMessage, TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts

SHIPPED = Path(__file__).resolve().parents[2] / "notifications"
RENDERED = RenderedMessage(subject="Review due", text="Plain\n", html="<p>HTML</p>\n")
MID = "<abc@ceop.example>"


def test_message_id_is_stable_per_dedupe_key() -> None:
    first = message_id_for("monthly_review_due:12:2025-11", "ceop.example")

    assert first == message_id_for("monthly_review_due:12:2025-11", "CEOP.example")
    assert first != message_id_for("monthly_review_due:12:2025-12", "ceop.example")
    assert re.fullmatch(r"<[0-9a-f]{32}@ceop\.example>", first)


@pytest.mark.parametrize("domain", ["", "ceop example", "ceop.example>", "a\nb"])
def test_message_id_refuses_a_bad_domain(domain: str) -> None:
    with pytest.raises(BadInput, match="not a domain name"):
        message_id_for("key", domain)


def test_domain_of_an_address() -> None:
    assert domain_of("partnerships@ceop.example") == "ceop.example"
    with pytest.raises(BadInput):
        domain_of("partnerships")


def test_build_email_is_text_then_html_with_our_headers() -> None:
    msg = build_email(
        RENDERED,
        "partnerships@ceop.example",
        ["a@ceop.example", "b@ceop.example"],
        MID,
        headers={"X-Ceop-Partnership": "12"},
        date=datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
    )

    assert msg.get_content_type() == "multipart/alternative"
    parts = msg.get_payload()
    assert isinstance(parts, list)
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert msg["From"] == "partnerships@ceop.example"
    assert msg["To"] == "a@ceop.example, b@ceop.example"
    assert msg["Subject"] == "Review due"
    assert msg["Message-ID"] == MID
    assert msg["Date"] == "Mon, 01 Dec 2025 09:00:00 +0000"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Ceop-Partnership"] == "12"


def test_a_rendered_template_survives_the_wire() -> None:
    renderer = TemplateRenderer(SHIPPED)
    context = sample_contexts()["escalation"][0]
    context["partnership"] = {**context["partnership"], "partner": "Zoë & <Co>"}  # type: ignore[dict-item]
    rendered = renderer.render("escalation", context)

    msg = build_email(rendered, "partnerships@ceop.example", ["kelly.burke@ceop.example"], MID)
    wire = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # as smtplib writes it
    parsed = message_from_bytes(wire, policy=policy.default)

    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == rendered.subject
    assert "Zoë & <Co>" in parsed["Subject"]
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None and "Zoë & <Co>" in text.get_content()
    assert html is not None and "Zoë &amp; &lt;Co&gt;" in html.get_content()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"recipients": []}, "at least one recipient"),
        ({"recipients": ["a@ceop.example\nBcc: x@evil.example"]}, "not a plain email address"),
        ({"sender": "Partnerships <p@ceop.example>"}, "not a plain email address"),
        ({"recipients": ["zoë@ceop.example"]}, "not a plain email address"),
        ({"message_id": "no-brackets@ceop.example"}, "not a Message-ID"),
        ({"headers": {"Bcc": "x@evil.example"}}, "'Bcc' cannot be set"),
        ({"headers": {"X-Note": "one\r\nBcc: x@evil.example"}}, "must not contain a line break"),
        ({"headers": {"X Bad": "v"}}, "cannot be set"),
        ({"date": datetime(2025, 12, 1, 9, 0)}, "timezone-aware"),
        ({"rendered": RenderedMessage("two\nlines", "t", "<p>h</p>")}, "Subject must not"),
    ],
)
def test_build_email_refuses_unsafe_input(change: dict[str, object], error: str) -> None:
    arguments: dict[str, object] = {
        "rendered": RENDERED,
        "sender": "partnerships@ceop.example",
        "recipients": ["a@ceop.example"],
        "message_id": MID,
        "headers": None,
        "date": None,
    }
    arguments.update(change)

    with pytest.raises(BadInput, match=error):
        build_email(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("length", range(60, 100, 3))
@pytest.mark.parametrize("last", ["a", "ü"])
def test_subjects_read_back_exactly_whatever_their_length(length: int, last: str) -> None:
    subject = ("Word " * 30)[: length - 1] + last
    rendered = RenderedMessage(subject=subject, text="é" * 200 + "\n", html="<p>x</p>\n")
    email = build_email(rendered, "a@ceop.example", ["b@ceop.example"], MID)

    raw = email.as_bytes()

    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    text = parsed.get_body(preferencelist=("plain",))
    assert text is not None and text.get_content() == "é" * 200 + "\n"
    body = raw.split(b"\n\n", 1)[1]
    assert max(len(line) for line in body.splitlines()) <= 78
