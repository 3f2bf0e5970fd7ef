"""A drainer process for the crash tests: it stops dead at a chosen point and waits to be killed.

    python -m tests.integration.crash_drainer DB_URL SMTP_PORT MODE NOW CLAIM_SECONDS

MODE `before-send`: the claim is committed, then the process says CLAIMED and waits, before any
SMTP traffic. MODE `after-send`: the server has accepted the batch, then the process says SENT
and waits, before the outcome is recorded. The test kills it with SIGKILL at that point.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from ceop_workflow.notify.drain import OutboxSender
from ceop_workflow.notify.render import TemplateRenderer
from ceop_workflow.notify.transports import SendResult, SmtpTransport
from ceop_workflow.store.db import Database
from tests.support import scaled

TEMPLATES = Path(__file__).resolve().parents[2] / "notifications"


class StopsDead:
    """Wraps the real SMTP transport and hangs before or after it sends."""

    def __init__(self, transport: SmtpTransport, mode: str) -> None:
        self._transport = transport
        self._mode = mode

    def send_batch(self, messages: Sequence[EmailMessage]) -> list[SendResult]:
        if self._mode == "before-send":
            _say("CLAIMED")
            _hang()
        results = self._transport.send_batch(messages)
        _say("SENT " + " ".join(r.status.value for r in results))
        _hang()
        return results


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _hang() -> None:
    time.sleep(scaled(120))  # longer than the test waits for this process
    raise SystemExit("not killed in time")


def main(argv: Sequence[str]) -> None:
    url, port, mode, now, claim_seconds = argv
    database = Database(url)
    transport = StopsDead(SmtpTransport("127.0.0.1", int(port), timeout=scaled(5)), mode)
    sender = OutboxSender(
        database,
        TemplateRenderer(TEMPLATES),
        transport,
        sender="partnerships@ceop.example",
        claim_seconds=int(claim_seconds),
    )
    sender.drain(datetime.fromisoformat(now))


if __name__ == "__main__":
    main(sys.argv[1:])
