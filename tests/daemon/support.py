"""Helpers for the daemon's tests: settings files, a world driven through the real use cases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time as time_module
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ceop_workflow.app.records import Records
from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import Settings, load_settings
from ceop_workflow.scheduling.sweep import Sweeper, SweepReport
from ceop_workflow.store.db import Database
from ceop_workflow.store.models import OutboxMessage
from ceop_workflow.wiring import build_service
from tests.support import TIME_SCALE_ENV, scaled, time_scale

REPO = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
TEAM = "kelly.burke@ceop.example"
COMMITTEE = "paul.lever@ceop.example"
MANAGER = "manager@ceop.example"

ROLES = f"""
[roles]
staff = ["*@ceop.example"]
partnerships_team = ["{TEAM}", "team@ceop.example"]
head_of_partnerships = ["{TEAM}"]
committee = ["{COMMITTEE}", "paul.clark@ceop.example"]
cemt = ["cemt@ceop.example"]
"""


def london(day: date, at: time = time(9, 0)) -> datetime:
    """A London wall-clock moment as an aware datetime."""
    return datetime.combine(day, at, tzinfo=LONDON)


def write_config(folder: Path, url: str, workflows: Path | None = None, **daemon: object) -> Path:
    """A config.toml for one test: its database, the repository's workflows, daemon keys."""
    lines = [
        "[database]",
        f'url = "{url}"',
        "[general]",
        'timezone = "Europe/London"',
        f'workflows_dir = "{(workflows or REPO / "workflows").as_posix()}"',
        f'templates_dir = "{(REPO / "notifications").as_posix()}"',
        "[daemon]",
        *(
            f"{key} = {value!r}" if isinstance(value, int) else f'{key} = "{value}"'
            for key, value in daemon.items()
        ),
        ROLES,
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{(folder / 'ceop.db').as_posix()}"


@dataclass
class World:
    """A database driven through the real use cases, with a clock the test moves."""

    settings: Settings
    clock: FixedClock
    service: Service
    records: Records
    counter: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(cls, config: Path, start: datetime) -> World:
        settings = load_settings(config, environ={})
        clock = FixedClock(start)
        service = build_service(settings, Database(settings.database.url), clock)
        service.init()
        records = Records(settings, service.db, clock, service.listeners)
        return cls(settings, clock, service, records)

    def at(self, moment: datetime) -> World:
        self.clock.advance_to(moment)
        return self

    def fire(self, pid: int, trigger: str, actor: str, **data: str | Sequence[str]) -> None:
        values = {k: [v] if isinstance(v, str) else list(v) for k, v in data.items()}
        self.service.fire(FireRequest(pid, trigger, actor, data=values))

    def partnership(
        self,
        name: str,
        tier: str | None,
        start: date | None = None,
        end: date | None = None,
        kind: str | None = None,
        stop_at: str = "active",
    ) -> int:
        """A partnership walked from lead to `stop_at` (business_case or active) right now."""
        self.counter += 1
        partner = self.service.add_partner(name)
        keyworker = f"kw{self.counter}@ceop.example"
        pid = self.service.create_partnership(partner, "partnership", keyworker, MANAGER)
        self.ids[name] = pid
        self.fire(pid, "start_business_case", keyworker)
        if stop_at == "business_case":
            return pid
        self.fire(
            pid,
            "submit_to_committee",
            keyworker,
            title=f"{name} initiative",
            objectives=["Promote Report Abuse"],
            core_policing="false",
        )
        self.fire(pid, "approve", COMMITTEE)
        data: dict[str, str] = {"tier": str(tier), "start": str(start)}
        if end is not None:
            data["end"] = str(end)
        if kind is not None:
            data["kind"] = kind
        self.fire(pid, "assign_tier", TEAM, **data)
        return pid

    def keyworker(self, pid: int) -> str:
        return str(self.service.show(pid).keyworker)

    def sweep(self, worker: str = "test") -> SweepReport:
        return Sweeper(self.service, worker).sweep()

    def outbox(self, after: int = 0) -> list[OutboxMessage]:
        """Outbox rows by id, those after id `after` only if given."""
        with self.service.db.reading() as session:
            return list(
                session.scalars(
                    select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
                )
            )


def outbox_summary(messages: Sequence[OutboxMessage]) -> list[tuple[str, int | None, str]]:
    """(template, partnership, London time the message was written) for each message."""
    return [
        (
            m.template,
            m.partnership_id,
            m.created_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
        )
        for m in messages
    ]


def run_cli(
    config: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m ceop_workflow --config CONFIG ARGS…` from the repository; `timeout` in
    seconds on an idle machine, scaled (tests.support.scaled)."""
    return subprocess.run(
        [sys.executable, "-m", "ceop_workflow", "--config", str(config), *args],
        cwd=REPO,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=scaled(timeout),
        check=False,
    )


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CEOP_WORKFLOW_")}
    env.update(extra or {})
    return env


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def as_dict(rows: Sequence[Any]) -> dict[Any, Any]:
    return dict(rows)


def ambassador(world: World, name: str, start: date) -> int:
    """An individual walked to active service as an Ambassador right now."""
    world.counter += 1
    partner = world.service.add_partner(name, individual=True)
    keyworker = f"kw{world.counter}@ceop.example"
    pid = world.service.create_partnership(partner, "ambassador", keyworker, MANAGER)
    world.ids[name] = pid
    world.fire(
        pid,
        "submit_to_committee",
        keyworker,
        title=f"{name} as Ambassador",
        objectives=["Promote Report Abuse"],
        core_policing="false",
    )
    world.fire(pid, "approve", COMMITTEE, tier="ambassador", start=str(start))
    return pid


@dataclass
class DaemonProcess:
    """A daemon subprocess whose stderr goes to a file (a pipe nobody reads would fill up)."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        """The exit code; `timeout` in seconds on an idle machine, scaled."""
        return self.process.wait(timeout=scaled(timeout))


def daemon_process(
    config: Path, log_path: Path, *args: str, env: Mapping[str, str] | None = None
) -> DaemonProcess:
    """Start `python -m ceop_workflow --config CONFIG ARGS…`, stderr appended to `log_path`."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ceop_workflow", "--config", str(config), *args],
            cwd=REPO,
            env=cli_env(env),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return DaemonProcess(process, log_path)


DONE_LINE = re.compile(r"\] ceop_workflow\.scheduling\.sweep: (\w+) timer (\d+) by (\S+):")


def handled(log: str) -> list[tuple[str, int, str]]:
    """(outcome, timer id, worker) of every duty a daemon's log says it handled."""
    return [(m[1], int(m[2]), m[3]) for m in DONE_LINE.finditer(log)]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` (a process's log or exit) until it holds; fail after `timeout` s on an
    idle machine, scaled (tests.support.scaled)."""
    seconds = scaled(timeout)
    deadline = time_module.monotonic() + seconds
    while not condition():
        if time_module.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {seconds:.0f} s ({timeout:g} s, scaled for the machine's load "
                f"and {TIME_SCALE_ENV}={time_scale():g}) waiting for {what}"
            )
        time_module.sleep(0.02)


def timer_templates(world: World) -> list[str]:
    """Templates of the messages timers wrote (transitions write their own), oldest first."""
    return [m.template for m in world.outbox() if m.dedupe_key.startswith("timer:")]
