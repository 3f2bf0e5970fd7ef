"""A running daemon (a real subprocess) picks up new workflow versions without a restart, and
keeps running on the last good ones when the folder has problems, saying why in its log and in
`status` (run from another process)."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.daemon.support import (
    DaemonProcess,
    World,
    daemon_process,
    run_cli,
    sqlite_url,
    wait_for,
    write_config,
)
from tests.versions import copy_shipped, partnership_v2

TIMEOUT = 20.0


@contextmanager
def running(config: Path, log: Path) -> Iterator[DaemonProcess]:
    """A daemon started on `config`, stopped with SIGTERM (exit 0) at the end."""
    daemon = daemon_process(config, log, "daemon", "--worker-id", "watcher")
    try:
        wait_for(lambda: "looking" in daemon.log or "sweep at" in daemon.log, TIMEOUT, "a sweep")
        yield daemon
    finally:
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.wait(TIMEOUT) == 0, daemon.log


def status(config: Path) -> dict[str, Any]:
    """`status --json` in a process of its own."""
    result = run_cli(config, "status", "--json")
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def _setup(
    tmp_path: Path, make_world: Callable[[Path, datetime], World], seconds: int
) -> tuple[Path, Path, Path]:
    folder = copy_shipped(tmp_path / "workflows")
    config = write_config(
        tmp_path, sqlite_url(tmp_path), workflows=folder, sweep_interval_seconds=seconds
    )
    make_world(config, datetime.now(UTC))  # init: v1 of each workflow loaded
    return config, folder / "partnership.toml", tmp_path / "daemon.log"


def test_a_broken_definition_is_not_loaded_and_a_fixed_one_is(
    tmp_path: Path, make_world: Callable[[Path, datetime], World]
) -> None:
    config, definition, log = _setup(tmp_path, make_world, seconds=1)
    v1 = definition.read_text(encoding="utf-8")
    broken = partnership_v2().replace('dest = "escalated"', 'dest = "escalatd"')
    with running(config, log) as daemon:
        wait_for(lambda: status(config)["workflows"] is not None, TIMEOUT, "a first look")
        assert status(config)["workflows"]["ok"] is True

        # A file changed under the version already loaded is refused, whole.
        definition.write_text(v1.replace("Lead, Brief", "A lead, a Brief"), encoding="utf-8")
        wait_for(lambda: "already loaded with other content" in daemon.log, TIMEOUT, "refusal")
        # A new version with a mistake: every problem logged, one line each, file and key.
        definition.write_text(broken, encoding="utf-8")
        wait_for(lambda: "unknown state 'escalatd'" in daemon.log, TIMEOUT, "the problem")
        problem = next(line for line in daemon.log.splitlines() if "escalatd" in line)
        assert f"workflow definition not loaded: {definition}: transitions[" in problem
        assert "].dest: unknown state 'escalatd'" in problem
        assert "nothing loaded from" in daemon.log and "still running on" in daemon.log

        found = status(config)["workflows"]
        assert (found["ok"], found["running"]) == (False, {"ambassador": 1, "partnership": 1})
        assert any("escalatd" in p and str(definition) in p for p in found["problems"])
        text = run_cli(config, "status").stdout
        # The dangling `escalated` is unreachable too: all of the file's problems at once.
        assert "workflows:       NOT LOADED, 2 problem(s)" in text
        assert "states.escalated: unreachable from the initial state 'lead'" in text
        assert "still running ambassador v1, partnership v1" in text
        assert "unknown state 'escalatd'" in text
        # Still at work: sweeps go on after the problem.
        sweeps = daemon.log.count("sweep at")
        wait_for(lambda: daemon.log.count("sweep at") > sweeps, TIMEOUT, "another sweep")
        assert daemon.process.poll() is None

        definition.write_text(partnership_v2(), encoding="utf-8")
        wait_for(lambda: "loaded partnership v2" in daemon.log, TIMEOUT, "version 2 loaded")
        found = status(config)["workflows"]
        assert (found["ok"], found["problems"]) == (True, [])
        assert found["running"] == {"ambassador": 1, "partnership": 2}
        assert found["loaded"] == ["partnership v2"]
    assert "Traceback" not in daemon.log


def test_sighup_looks_at_the_folder_at_once(
    tmp_path: Path, make_world: Callable[[Path, datetime], World]
) -> None:
    # Sweeps an hour apart: only SIGHUP can make it look again within the test.
    config, definition, log = _setup(tmp_path, make_world, seconds=3600)
    with running(config, log) as daemon:
        wait_for(lambda: status(config)["workflows"] is not None, TIMEOUT, "a first look")
        definition.write_text(partnership_v2(), encoding="utf-8")
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "loaded partnership v2" in daemon.log, TIMEOUT, "version 2 loaded")
        assert "SIGHUP: looking at the workflows folder" in daemon.log
        assert status(config)["workflows"]["running"]["partnership"] == 2
        assert daemon.process.poll() is None


def test_a_file_that_is_not_utf8_never_stops_daemon_once(
    tmp_path: Path, make_world: Callable[[Path, datetime], World]
) -> None:
    # Cron's `daemon --once` used to exit 1 before sweeping on such a file (issue 14).
    config, _, _ = _setup(tmp_path, make_world, 60)
    bad = config.parent / "workflows" / "broken.toml"
    bad.write_bytes("[workflow]\nname = 'café'\n".encode("utf-16"))
    result = run_cli(config, "daemon", "--once")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"workflow definition not loaded: {bad}: not UTF-8 text (byte 0)" in result.stderr
    found = status(config)
    assert found["last_sweep"] is not None
    assert found["workflows"]["ok"] is False
    assert found["workflows"]["problems"] == [
        f"{bad}: not UTF-8 text (byte 0); save the file as UTF-8"
    ]
    assert found["workflows"]["running"] == {"ambassador": 1, "partnership": 1}
    text = run_cli(config, "status").stdout
    assert "workflows:       NOT LOADED, 1 problem(s)" in text
