"""The real CLI, in process: `notifications validate|preview`, `outbox list|retry|drain`, and
template names checked by `workflows validate`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from ceop_workflow.app.service import FireRequest, Service
from ceop_workflow.cli import main
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import load_settings
from ceop_workflow.notify.digest import REMINDERS
from ceop_workflow.notify.outbox import enqueue
from ceop_workflow.notify.preview import REMINDER_BUILDERS
from ceop_workflow.notify.samples import sample_contexts
from ceop_workflow.store.db import Database
from ceop_workflow.wiring import build_service

REPO = Path(__file__).resolve().parents[2]
NOW = "2025-12-01T09:00:00+00:00"
EVIL = "Evil <script>alert(1)</script> Ltd"


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Install:
    """A working folder with its own config, templates, workflows and database."""

    folder: Path
    config: Path
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str) -> Run:
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            main(["--config", str(self.config), "--now", NOW, *args])
        captured = self.capsys.readouterr()
        return Run(int(exit_.value.code or 0), captured.out, captured.err)

    def service(self) -> tuple[Service, Database]:
        settings = load_settings(self.config, environ={})
        database = Database(settings.database.url)
        clock = FixedClock(datetime.fromisoformat(NOW))
        return build_service(settings, database, clock), database


@pytest.fixture
def install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Install]:
    shutil.copytree(REPO / "notifications", tmp_path / "notifications")
    shutil.copytree(REPO / "workflows", tmp_path / "workflows")
    config = (REPO / "config.toml").read_text(encoding="utf-8")
    config = config.replace(
        'url = "sqlite:///ceop-workflow.db"', f'url = "sqlite:///{tmp_path / "ceop.db"}"'
    )
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    yield Install(tmp_path, tmp_path / "config.toml", capsys)


@pytest.fixture
def initialised(install: Install) -> Install:
    assert install.run("init").code == 0
    return install


def _partnership(install: Install, partner: str = EVIL, submit: bool = False) -> int:
    service, database = install.service()
    keyworker = "sam.keyworker@ceop.example"
    try:
        partner_id = service.add_partner(partner)
        pid = service.create_partnership(
            partner_id, "partnership", keyworker, "alex.manager@ceop.example"
        )
        service.fire(FireRequest(pid, "start_business_case", keyworker))
        if submit:
            case = {"title": ["Safety"], "objectives": ["Reach"], "core_policing": ["false"]}
            service.fire(FireRequest(pid, "submit_to_committee", keyworker, data=case))
        return pid
    finally:
        database.dispose()


def test_validate_passes_on_the_shipped_templates(install: Install) -> None:
    run = install.run("notifications", "validate")

    assert run.code == 0, run.err
    assert run.out.startswith("ok  14 templates in ")


def test_a_misspelt_variable_fails_validate_with_one_line_naming_the_template(
    install: Install,
) -> None:
    path = install.folder / "notifications" / "review_overdue.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{{ days_overdue }}", "{{ days_overdeu }}", 1), encoding="utf-8")

    run = install.run("notifications", "validate")

    assert run.code == 2
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("error: template 'review_overdue' (review_overdue.txt line ")
    assert "'days_overdeu' is undefined" in lines[0]


def test_a_template_reaching_for_internals_fails_validate(install: Install) -> None:
    path = install.folder / "notifications" / "escalation.subject.txt"
    path.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8")

    run = install.run("notifications", "validate")

    assert run.code == 2
    [line] = run.err.splitlines()
    assert line.startswith("error: template 'escalation' (escalation.subject.txt line 1)")
    assert "refused by the sandbox" in line
    assert "__class__" in line


def test_workflows_validate_names_file_and_key_of_an_unknown_template(install: Install) -> None:
    path = install.folder / "workflows" / "partnership.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('template = "escalation"', 'template = "escalaton"'), "utf-8")

    run = install.run("workflows", "validate")

    assert run.code == 2
    [line] = run.err.splitlines()
    assert f"{path}: transitions[" in line
    assert "].notify[0].template: unknown template 'escalaton'; known: " in line


def test_a_missing_templates_folder_is_named(install: Install) -> None:
    shutil.rmtree(install.folder / "notifications")

    run = install.run("workflows", "validate")

    assert run.code == 2
    assert run.err == (
        f"error: templates folder {install.folder / 'notifications'} does not exist: point "
        "general.templates_dir at the folder of email templates (the shipped one is "
        "notifications/)\n"
    )


def test_preview_prints_a_message_with_the_partnerships_real_data(initialised: Install) -> None:
    pid = _partnership(initialised)

    run = initialised.run(
        "notifications", "preview", "business_case_reminder", "--partnership", str(pid)
    )

    assert run.code == 0, run.err
    assert "To: sam.keyworker@ceop.example, alex.manager@ceop.example\n" in run.out
    assert f"Subject: Business case for {EVIL} due 2025-12-15\n" in run.out
    assert "still missing: title, objectives, benefits, resources" in run.out
    html = initialised.run(
        "notifications", "preview", "business_case_reminder", "--partnership", str(pid),
        "--part", "html",
    ).out  # fmt: skip
    assert "<script>" not in html
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; Ltd" in html


@pytest.mark.parametrize("template", sorted(sample_contexts()))
def test_preview_builds_every_message(initialised: Install, template: str) -> None:
    pid = _partnership(initialised, "Preview Partner Ltd", submit=True)

    run = initialised.run("notifications", "preview", template, "--partnership", str(pid), "--json")

    assert run.code == 0, run.err
    shown = json.loads(run.out)
    assert shown["template"] == template
    assert shown["subject"]


def test_preview_refuses_unknown_templates_and_partnerships(initialised: Install) -> None:
    unknown = initialised.run("notifications", "preview", "nope", "--partnership", "1")
    assert (unknown.code, unknown.err.split(";")[0]) == (2, "error: no template 'nope'")
    missing = initialised.run("notifications", "preview", "escalation", "--partnership", "99")
    assert (missing.code, missing.err) == (2, "error: no partnership 99\n")
    no_id = initialised.run("notifications", "preview", "escalation")
    assert no_id.code == 2
    assert "give --partnership ID" in no_id.err
    pid = _partnership(initialised)
    no_case = initialised.run(
        "notifications", "preview", "committee_pack", "--partnership", str(pid)
    )
    assert (no_case.code, no_case.err) == (
        2,
        f"error: partnership {pid} has no business case yet; committee_pack is sent with one\n",
    )


def test_every_reminder_has_a_preview_builder() -> None:
    assert set(REMINDER_BUILDERS) == REMINDERS


def test_outbox_list_retry_and_drain(initialised: Install) -> None:
    _, database = initialised.service()
    try:
        with database.unit_of_work() as session:
            for key, template in (("bad", "no_such_template"), ("good", "escalation")):
                enqueue(
                    session,
                    template=template,
                    recipients=["kelly.burke@ceop.example"],
                    context=sample_contexts()["escalation"][0],
                    dedupe_key=key,
                    now=datetime(2025, 12, 1, 8, 0, tzinfo=UTC),
                )
    finally:
        database.dispose()

    drained = initialised.run("outbox", "drain")
    assert (drained.code, drained.out) == (0, "sent 1, retrying 0, dead 1 (of 2 due)\n")
    [eml] = (initialised.folder / "outbox").glob("*.eml")
    sent = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert sent["X-Ceop-Template"] == "escalation"

    dead = json.loads(initialised.run("outbox", "list", "--status", "dead", "--json").out)
    assert [(d["template"], d["status"]) for d in dead] == [("no_such_template", "dead")]
    assert "unknown template 'no_such_template'" in dead[0]["last_error"]
    table = initialised.run("outbox", "list").out
    assert "last_error" in table.splitlines()[0]

    retried = initialised.run("outbox", "retry", str(dead[0]["id"]))
    assert retried.code == 0
    assert json.loads(initialised.run("outbox", "list", "--status", "pending", "--json").out)
    again = initialised.run("outbox", "retry", str(dead[0]["id"]))
    assert (again.code, again.err) == (
        3,
        f"error: outbox message {dead[0]['id']} is pending, not a dead letter\n",
    )
    assert initialised.run("outbox", "retry", "999").code == 2


def test_a_transition_queues_its_email_with_a_message_id_in_the_senders_domain(
    initialised: Install,
) -> None:
    pid = _partnership(initialised, "Domain Partner Ltd", submit=True)

    [row] = json.loads(initialised.run("outbox", "list", "--json").out)

    assert (row["template"], row["partnership_id"]) == ("committee_pack", pid)
    assert row["message_id"].endswith("@ceop.example>")  # email.from_address's domain
    assert len(row["recipients"]) == 4  # roles.committee in config.toml
