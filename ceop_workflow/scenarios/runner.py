"""Running a scenario: a throw-away SQLite database, a simulated clock, the real code.

The definition is checked and loaded as `init` loads it; each step lets time pass with the
daemon's own sweep running at every moment a duty falls due (as a daemon that never sleeps
would), then runs its action through the same use cases the CLI and the web call, then checks
what the step expects. Nothing touches the installation's database or sends an email: messages
are only queued, and the scenario looks at the queue.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from ceop_workflow.app.emails import outbox_entries
from ceop_workflow.app.records import Records
from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import CommitteeSettings, DatabaseSettings, Settings
from ceop_workflow.engine.definitions import load_file
from ceop_workflow.errors import BadInput, ConfigError, Refused
from ceop_workflow.scenarios.checks import Check, check_step
from ceop_workflow.scenarios.spec import Scenario, Step, data_values
from ceop_workflow.scheduling.status import next_sweep_due
from ceop_workflow.scheduling.sweep import Sweeper
from ceop_workflow.store.db import Database
from ceop_workflow.wiring import build_service

# A sweep that keeps producing duties due at once (a timer firing a trigger into a state whose
# timer fires at once, and back) would never let time pass: give up after this many sweeps.
MAX_SWEEPS_PER_STEP = 1000


@dataclass(frozen=True)
class StepResult:
    """One step: what it did (or why it was refused) and each expectation's outcome."""

    step: Step
    title: str
    refusal: str | None
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        """Whether every check of the step held."""
        return all(c.passed for c in self.checks)


@dataclass(frozen=True)
class ScenarioResult:
    """Every step of one scenario file, in order."""

    scenario: Scenario
    steps: tuple[StepResult, ...]

    @property
    def failed(self) -> int:
        """How many checks failed."""
        return sum(not c.passed for s in self.steps for c in s.checks)

    @property
    def passed(self) -> int:
        """How many checks held."""
        return sum(c.passed for s in self.steps for c in s.checks)


def scenario_settings(settings: Settings, scenario: Scenario, folder: Path) -> Settings:
    """The installation's settings, on a fresh database in `folder`, with the scenario's roles."""
    workflows = folder / "workflows"
    workflows.mkdir()
    (workflows / scenario.definition.name).write_bytes(scenario.definition.read_bytes())
    return dataclasses.replace(
        settings,
        database=DatabaseSettings(url=f"sqlite:///{folder / 'scenario.db'}"),
        general=dataclasses.replace(settings.general, workflows_dir=str(workflows)),
        roles=settings.roles if scenario.roles is None else MappingProxyType(dict(scenario.roles)),
        committee=CommitteeSettings(quorum=scenario.quorum or settings.committee.quorum),
    )


def run_scenario(settings: Settings, scenario: Scenario) -> ScenarioResult:
    """Run every step on a database made for this run and thrown away after it."""
    with tempfile.TemporaryDirectory(prefix="ceop-scenario-") as folder:
        settings = scenario_settings(settings, scenario, Path(folder))
        clock = FixedClock(scenario.start)
        database = Database(settings.database.url)
        try:
            service = build_service(settings, database, clock)
            # Checked against the file the admin wrote, so problems name it (exit 2).
            definition = load_file(scenario.definition, service.catalog.vocabulary)
            service.init()
            world = _World(service, clock, definition.name)
            return ScenarioResult(scenario, tuple(world.run(scenario.steps)))
        finally:
            database.dispose()


class _World:
    """The scenario's partnerships by label, the clock and the daemon's sweeper."""

    def __init__(self, service: Service, clock: FixedClock, workflow: str) -> None:
        self.service = service
        self.clock = clock
        self.workflow = workflow
        self.records = Records(
            service.settings, service.db, clock, service.listeners, service.catalog
        )
        self.sweeper = Sweeper(service, "scenario")
        self.ids: dict[str, int] = {}

    def run(self, steps: tuple[Step, ...]) -> Iterator[StepResult]:
        for step in steps:
            newest = outbox_entries(self.service, limit=1)
            seen = newest[0].id if newest else 0
            self.let_time_pass(step.at)
            refusal = None
            try:
                self.act(step)
            except ConfigError:  # the installation, not the workflow: stop with exit 2
                raise
            except (Refused, BadInput) as exc:  # what `fire` and the records refuse
                refusal = exc.message
            queued = outbox_entries(self.service, limit=10_000, after_id=seen)
            checks = check_step(self.service, step, self.ids, refusal, queued)
            yield StepResult(step, _title(step), refusal, tuple(checks))

    def let_time_pass(self, until: datetime) -> None:
        """Move the clock to `until`, sweeping at every moment a duty falls due on the way."""
        for _ in range(MAX_SWEEPS_PER_STEP):
            due = next_sweep_due(self.service.db, until)
            if due is None:
                break
            self.clock.advance_to(max(due, self.clock.now()))
            self.sweeper.sweep()
        else:
            raise Refused(
                f"the daemon swept {MAX_SWEEPS_PER_STEP} times before {until:%Y-%m-%d %H:%M} "
                "and duties still fell due: do timers fire each other in a loop?"
            )
        if until > self.clock.now():
            self.clock.advance_to(until)

    def act(self, step: Step) -> None:
        a = step.args
        if step.do == "create":
            partner = self.service.add_partner(
                a["partner"], bool(a.get("individual", False)), bool(a.get("contractor", False))
            )
            self.ids[str(a.get("as", a["partner"]))] = self.service.create_partnership(
                partner, self.workflow, a["keyworker"], a.get("manager")
            )
        elif step.do == "fire":
            request = FireRequest(
                self.ids[a["partnership"]],
                a["trigger"],
                a["actor"],
                a.get("role"),
                data_values(a.get("data", {})),
                a.get("comment"),
            )
            self.service.fire(request)
        elif step.do == "contact":
            self.records.log_contact(self.ids[a["partnership"]], a["kind"], a["by"], a.get("note"))
        elif step.do == "review":
            outcomes = {str(k): str(v) for k, v in dict(a["outcomes"]).items()}
            self.records.record_review(
                self.ids[a["partnership"]], a["kind"], a["by"], outcomes, a.get("feedback")
            )


def _title(step: Step) -> str:
    a = step.args
    what = {
        "create": f"create {a.get('partner')}" + (f" as {a['as']}" if "as" in a else ""),
        "fire": f"fire {a.get('trigger')} on {a.get('partnership')} by {a.get('actor')}",
        "contact": f"contact ({a.get('kind')}) with {a.get('partnership')} by {a.get('by')}",
        "review": f"{a.get('kind')} review of {a.get('partnership')} by {a.get('by')}",
        "wait": "wait until",
    }[step.do]
    when = f"{'' if step.do == 'wait' else ' at'} {step.at:%Y-%m-%d %H:%M}"
    return f"step {step.number} ({what}{when})" + (
        f": {step.description}" if step.description else ""
    )
