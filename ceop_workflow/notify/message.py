"""Turn a rendered message into an email with a stable Message-ID.

Built with the `email.mime` classes and the compat32 policy rather than
`EmailMessage.set_content`: the same multipart/alternative structure (plain text, then HTML,
UTF-8, quoted-printable where needed) in about a sixth of the time (0.1 ms against 0.6 ms per
message, measured by bench/outbox.py), which the outbox needs to keep up with a plain smtplib
loop. compat32 folds headers correctly here, where the default policy of CPython 3.11 gives a
70-77 character subject a leading space. Non-ASCII header values are RFC 2047 encoded words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.charset import QP, SHORTEST, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from typing import TYPE_CHECKING, cast

from ceop_workflow.errors import BadInput

if TYPE_CHECKING:  # only a type here: building a message needs no template engine
    from ceop_workflow.notify.render import RenderedMessage

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
_UTF8.header_encoding = SHORTEST
# A part whose lines are all ASCII and at most this long is sent as it is (7bit).
_PLAIN_LINE = 78
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
) -> Message:
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
    msg = MIMEMultipart("alternative")
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = _header("Subject", rendered.subject)
    msg["Message-ID"] = message_id
    if date is not None:
        if date.tzinfo is None:
            raise BadInput(f"the Date of an email must be timezone-aware, got {date.isoformat()}")
        msg["Date"] = format_datetime(date)
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED:
            raise BadInput(f"{name!r} cannot be set as an extra email header")
        msg[name] = _header(name, value)
    msg.attach(_part(rendered.text, "plain"))
    msg.attach(_part(rendered.html, "html"))
    return msg


def _header(name: str, value: str) -> str:
    value = _no_line_breaks(name, value)
    if value.isascii():
        return value
    # compat32 takes a Header as a value (its documented way to encode one); typeshed says str.
    return cast(str, Header(value, _UTF8, header_name=name))


def _part(text: str, subtype: str) -> MIMEText:
    if text.isascii() and all(len(line) <= _PLAIN_LINE for line in text.splitlines()):
        part = MIMEText(text, subtype, "us-ascii")
    else:
        part = MIMEText(text, subtype, _UTF8)  # type: ignore[arg-type]  # a Charset works
    del part["MIME-Version"]  # only the message itself carries it
    return part


def _check_address(address: str) -> None:
    # ASCII only: an internationalised address needs SMTPUTF8, which few servers offer.
    if not address.isascii() or not _ADDRESS.fullmatch(address):
        raise BadInput(f"{address!r} is not a plain email address (name@domain)")


def _no_line_breaks(name: str, value: str) -> str:
    if any(ch in value for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise BadInput(f"email header {name} must not contain a line break")
    return value
