"""Turn a rendered message into an email with a stable Message-ID."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from ceop_workflow.errors import BadInput
from ceop_workflow.notify.render import RenderedMessage

# Headers are written with this policy. At Python's default of 78 a subject of 70-77 characters
# is moved whole onto a continuation line and reads back with a leading space, and a non-ASCII
# word at the end gains a space before it (CPython 3.11's folder). Lines of up to 998 characters
# are what RFC 5322 allows; the parts are encoded (quoted-printable) before the switch, at 78.
_HEADER_POLICY = policy.default.clone(max_line_length=998)
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_ADDRESS = re.compile(r"[^\s@<>,;\"]+@[A-Za-z0-9.-]+")
# Headers build_email sets itself; callers may add others but not replace these.
_RESERVED = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "message-id",
        "date",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "auto-submitted",
    }
)


def message_id_for(dedupe_key: str, domain: str) -> str:
    """The Message-ID for an outbox row: the same dedupe key always gives the same id.

    A resend after a crash between the SMTP hand-off and marking the row sent therefore carries
    the same Message-ID, so receiving systems (and the maildir transport) can tell it is a copy.
    """
    if not dedupe_key:
        raise BadInput("a Message-ID needs a non-empty dedupe key")
    if not _DOMAIN.fullmatch(domain):
        raise BadInput(f"{domain!r} is not a domain name to put in a Message-ID")
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain.lower()}>"


def domain_of(address: str) -> str:
    """The domain of an email address (`partnerships@ceop.example` → `ceop.example`)."""
    _check_address(address)
    return address.rsplit("@", 1)[1]


def build_email(
    rendered: RenderedMessage,
    sender: str,
    recipients: Sequence[str],
    message_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """A multipart/alternative email (plain text, then HTML) ready for any transport.

    Marked `Auto-Submitted: auto-generated` so that out-of-office replies are not sent back.
    `date` (timezone-aware) becomes the Date header; callers pass the time the message was
    queued rather than this module reading the clock. Extra `headers` may not replace the ones
    set here, and no header value may contain a line break.
    """
    if not recipients:
        raise BadInput("an email needs at least one recipient")
    for address in (sender, *recipients):
        _check_address(address)
    if not re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", message_id):
        raise BadInput(f"{message_id!r} is not a Message-ID of the form <id@domain>")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = _no_line_breaks("Subject", rendered.subject)
    msg["Message-ID"] = message_id
    if date is not None:
        if date.tzinfo is None:
            raise BadInput(f"the Date of an email must be timezone-aware, got {date.isoformat()}")
        msg["Date"] = format_datetime(date)
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED:
            raise BadInput(f"{name!r} cannot be set as an extra email header")
        msg[name] = _no_line_breaks(name, value)
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    msg.policy = _HEADER_POLICY
    return msg


def _check_address(address: str) -> None:
    if not _ADDRESS.fullmatch(address):
        raise BadInput(f"{address!r} is not a plain email address (name@domain)")


def _no_line_breaks(name: str, value: str) -> str:
    if any(ch in value for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise BadInput(f"email header {name} must not contain a line break")
    return value
