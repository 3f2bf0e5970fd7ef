"""Emails per second through the outbox against a bare smtplib loop, in the same run.

    python bench/outbox.py [--count 10000] [--rounds 5] [--postgres [ADMIN_URL]] [--renders 2000]

An SMTP sink (aiosmtpd on 127.0.0.1, a handler that only counts) runs in its own process.
Each round sends `--count / --rounds` messages (built beforehand, untimed) both ways, the
order alternating from round to round; a first round warms both up and is thrown away:
1. Bare: one smtplib connection sends the messages.
2. Outbox: the same messages are queued (`enqueue`, one transaction per 500) and drained by
   `OutboxSender` with the SMTP transport, as the daemon would; `total` counts both steps,
   `drain` the sending alone.
Printed: each rate's median [min-max] over the rounds and the per-round ratio. Then renders
per second of the largest template (by rendered size, all three parts). The database is a
SQLite file in a temporary folder; with `--postgres` a uniquely named database on that server
(default: the local `postgres` user's), dropped at the end.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import smtplib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import Message
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ceop_workflow.notify.drain import OutboxSender  # noqa: E402
from ceop_workflow.notify.message import build_email, message_id_for  # noqa: E402
from ceop_workflow.notify.outbox import enqueue  # noqa: E402
from ceop_workflow.notify.render import TemplateRenderer  # noqa: E402
from ceop_workflow.notify.samples import sample_contexts  # noqa: E402
from ceop_workflow.notify.transports import SmtpTransport  # noqa: E402
from ceop_workflow.store import migrate  # noqa: E402
from ceop_workflow.store.db import Database  # noqa: E402

HOST = "127.0.0.1"
SENDER = "partnerships@ceop.example"
NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
GOAL = 0.5
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _sink(port: int, count: Synchronized[int], ready: Any) -> None:
    """The sink process: accept everything, count messages."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname=HOST, port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _jobs(count: int, first: int = 0) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """(dedupe key, template, context, recipients) for `count` messages, every kind in turn."""
    samples = sorted((name, contexts[0]) for name, contexts in sample_contexts().items())
    return [
        (f"bench:{i}", name, context, [f"person{i}@ceop.example"])
        for i, (name, context) in (
            (i, samples[i % len(samples)]) for i in range(first, first + count)
        )
    ]


def _bare(port: int, messages: list[Message]) -> float:
    started = time.perf_counter()
    conn = smtplib.SMTP(HOST, port, timeout=30)
    conn.ehlo()
    for msg in messages:
        conn.send_message(msg)
    conn.quit()
    return time.perf_counter() - started


def _outbox(
    port: int, database: Database, renderer: TemplateRenderer, jobs: list[Any]
) -> tuple[float, float]:
    started = time.perf_counter()
    for start in range(0, len(jobs), 500):
        with database.unit_of_work() as session:
            for key, template, context, recipients in jobs[start : start + 500]:
                enqueue(
                    session,
                    template=template,
                    recipients=recipients,
                    context=context,
                    dedupe_key=key,
                    now=NOW,
                    domain="ceop.example",
                )
    queued = time.perf_counter()
    sender = OutboxSender(database, renderer, SmtpTransport(HOST, port), sender=SENDER)
    report = sender.drain(NOW, max_batches=1_000_000)
    done = time.perf_counter()
    if report.sent != len(jobs):
        raise SystemExit(f"the outbox sent {report.sent} of {len(jobs)}: {report}")
    return done - started, done - queued


@contextmanager
def _database(admin_url: str, folder: str) -> Iterator[str]:
    """A SQLite file in `folder`, or a fresh PostgreSQL database when given an admin URL."""
    if not admin_url:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"ceop_bench_outbox_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _renders(renderer: TemplateRenderer, n: int) -> tuple[str, float]:
    def size(name: str) -> int:
        rendered = renderer.render(name, sample_contexts()[name][0])
        return len(rendered.subject) + len(rendered.text) + len(rendered.html)

    largest = max(sample_contexts(), key=size)
    context = sample_contexts()[largest][0]
    started = time.perf_counter()
    for _ in range(n):
        renderer.render(largest, context)
    return largest, n / (time.perf_counter() - started)


def _spread(values: list[float], digits: int = 0) -> str:
    return (
        f"{statistics.median(values):,.{digits}f} "
        f"[{min(values):,.{digits}f}-{max(values):,.{digits}f}]"
    )


def main() -> None:
    """Run the rounds and the renders, and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", nargs="?", const=PG_ADMIN, default="", metavar="ADMIN_URL")
    parser.add_argument("--renders", type=int, default=2000)
    args = parser.parse_args()

    renderer = TemplateRenderer(REPO / "notifications")
    per_round = max(1, args.count // args.rounds)
    rates: dict[str, list[float]] = {"bare": [], "drain": [], "total": []}
    port = _free_port()
    count = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, count, ready), daemon=True)
    sink.start()
    try:
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")
        with tempfile.TemporaryDirectory() as folder, _database(args.postgres, folder) as url:
            database = Database(url)
            migrate.upgrade(database)
            for round_ in range(args.rounds + 1):
                jobs = _jobs(per_round, round_ * per_round)
                messages = [
                    build_email(
                        renderer.render(template, context),
                        SENDER,
                        recipients,
                        message_id_for(key, "ceop.example"),
                        date=NOW,
                    )
                    for key, template, context, recipients in jobs
                ]
                gc.collect()
                if round_ % 2:
                    bare = _bare(port, messages)
                    total, drain = _outbox(port, database, renderer, jobs)
                else:
                    total, drain = _outbox(port, database, renderer, jobs)
                    bare = _bare(port, messages)
                del messages
                if round_:  # round 0 warms both up
                    for name, seconds in (("bare", bare), ("drain", drain), ("total", total)):
                        rates[name].append(per_round / seconds)
            database.dispose()
        received = count.value
    finally:
        sink.terminate()
        sink.join()
    expected = 2 * per_round * (args.rounds + 1)
    if received != expected:
        raise SystemExit(f"the sink received {received} messages, expected {expected}")
    largest, per_second = _renders(renderer, args.renders)
    kind = "postgresql" if args.postgres else "sqlite"
    print(f"database: {kind}; {args.rounds} rounds of {per_round} emails each way")
    print(f"bare smtplib, one connection:  {_spread(rates['bare'])} emails/s")
    for name, label in (("drain", "outbox drain alone:"), ("total", "outbox enqueue + drain:")):
        ratios = [r / b for r, b in zip(rates[name], rates["bare"], strict=True)]
        goal = f"  (goal >= {GOAL})" if name == "total" else ""
        print(f"{label:30} {_spread(rates[name])} emails/s  ratio {_spread(ratios, 2)}{goal}")
    print(f"renders of {largest} (largest template): {per_second:.0f}/s")


if __name__ == "__main__":
    main()
