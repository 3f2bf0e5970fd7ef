"""The real daemon, SIGKILLed at 20 random moments while draining 2,000 emails, to a real SMTP
server on loopback and to a maildir: every Message-ID arrives, and exactly once, apart from at
most one message per kill that was caught between the server's 250 and the commit of its
outcome (the documented window, docs/daemon.md), which the test finds and names."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.daemon.outbox_support import (
    T0,
    email_config,
    maildir_ids,
    queue,
    received_ids,
    rows,
    smtp_on_loopback,
)
from tests.daemon.support import daemon_process, sqlite_url
from tests.integration.conftest import Handler

MESSAGES = 2000
KILLS = 20
NOW = T0.strftime("%Y-%m-%dT%H:%M")


def _drain_with_kills(
    config: Path,
    folder: Path,
    url: str,
    arrivals: Callable[[], int],
    arrived: Callable[[], Counter[str]],
    seed: int,
) -> tuple[int, Counter[str]]:
    """Run `daemon --once` under one worker id and SIGKILL it at a random moment of its drain
    (after a random number of arrivals, 1 to 60, plus a random fraction of a message), KILLS
    times; then let it finish. The kills, and the Message-IDs that had arrived but whose outcome
    was not committed when a kill struck (the window)."""
    rng = random.Random(seed)
    kills, in_window = 0, Counter[str]()
    args = ("--now", NOW, "daemon", "--once", "--worker-id", "crashy")
    for run in range(KILLS + 5):
        if kills == KILLS:
            break
        target = arrivals() + rng.randint(1, 60)
        daemon = daemon_process(config, folder / f"run{run}.log", *args)
        deadline = time.monotonic() + 60
        while arrivals() < target and daemon.process.poll() is None:
            assert time.monotonic() < deadline, daemon.log
            time.sleep(0.0005)
        if daemon.process.poll() is not None:
            break  # it finished the work before it could be killed
        time.sleep(rng.uniform(0, 0.005))  # anywhere in the cycle of one message
        daemon.process.send_signal(signal.SIGKILL)
        assert daemon.wait(timeout=30) == -signal.SIGKILL
        kills += 1
        seen = arrived()
        claimed = {m for m, (status, _, _) in rows(url).items() if status == "sending"}
        caught = claimed & set(seen)
        assert len(caught) <= 1, f"kill {kills} left {len(caught)} sent messages unrecorded"
        in_window.update(caught)
    for run in range(2):  # the same worker id takes its claims back at once and finishes
        last = daemon_process(config, folder / f"last{run}.log", *args)
        assert last.wait(timeout=120) == 0, last.log
    return kills, in_window


def _check(url: str, got: Counter[str], kills: int, window: Counter[str]) -> None:
    assert kills == KILLS
    outbox = rows(url)  # the 2,000 reminders, and the monthly report the daemon queued
    assert len(outbox) >= MESSAGES
    assert set(got) == set(outbox), "a message never arrived, or one arrived that was not sent"
    again = {m: n for m, n in got.items() if n > 1 + window[m]}
    assert again == {}, "sent again although no kill caught it between 250 and commit"
    assert sum(window.values()) <= kills
    assert {status for status, _, _ in outbox.values()} == {"sent"}


def test_sigkill_20_times_while_draining_to_smtp_every_message_id_once(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    ids = queue(url, MESSAGES)
    handler = Handler()
    seed = random.randrange(1_000_000)
    with smtp_on_loopback(handler) as port:
        config = email_config(tmp_path, url, transport="smtp", port=port)
        kills, window = _drain_with_kills(
            config,
            tmp_path,
            url,
            lambda: len(handler.received),
            lambda: received_ids(list(handler.received)),
            seed,
        )
        got = received_ids(handler.received)
    print(
        f"seed {seed}: {kills} kills, {len(handler.received)} received for {MESSAGES}, "
        f"{len(window)} caught between the server's 250 and the commit"
    )
    assert set(ids) <= set(got)
    _check(url, got, kills, window)


def test_sigkill_20_times_while_draining_to_a_maildir_every_message_id_once(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    ids = queue(url, MESSAGES)
    folder = tmp_path / "outbox"
    seed = random.randrange(1_000_000)
    config = email_config(tmp_path, url, transport="maildir")
    kills, window = _drain_with_kills(
        config,
        tmp_path,
        url,
        lambda: sum(1 for _ in folder.glob("*.eml")),
        lambda: maildir_ids(folder),
        seed,
    )
    got = maildir_ids(folder)
    print(f"seed {seed}: {kills} kills, {len(window)} rewritten in place after a kill")
    # A resend rewrites the message's own file: in the folder every Message-ID is there once.
    assert got == Counter(dict.fromkeys(rows(url), 1))
    assert set(ids) <= set(got)
    _check(url, got, kills, window)
    # No half-written file is visible, and none is left behind in tmp/.
    assert list(folder.glob(".tmp-*")) == []
    assert list((folder / "tmp").iterdir()) == []


pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
