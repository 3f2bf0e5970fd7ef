"""`notifications …` (check and preview the email templates) and `outbox …` (the queued emails)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import click

from ceop_workflow.cli.app import ID, App, emit, pass_app, table
from ceop_workflow.errors import BadInput, DefinitionError

PARTS = click.Choice(["all", "subject", "text", "html"])


@click.group()
def notifications() -> None:
    """Check and preview the email templates admins edit."""


@notifications.command()
@pass_app
def validate(app: App) -> None:
    """Render every template against sample data; exit 2 with one line per problem."""
    from ceop_workflow.notify.render import TemplateRenderer

    renderer = TemplateRenderer.from_settings(app.settings)
    problems = renderer.validate_all()
    if problems:
        # A DefinitionError: the CLI prints each problem on its own line and exits 2.
        raise DefinitionError(problems)
    click.echo(f"ok  {len(renderer.known_templates())} templates in {renderer.folder}")


@notifications.command()
@click.argument("template")
@click.option("--partnership", "partnership_id", type=ID, metavar="ID", help="Whose data.")
@click.option("--part", type=PARTS, default="all", show_default=True, help="What to print.")
@click.option("--json", "as_json", is_flag=True, help="Print recipients and context as JSON.")
@pass_app
def preview(app: App, template: str, partnership_id: int | None, part: str, as_json: bool) -> None:
    """Print message TEMPLATE as it would be sent today for partnership ID, with its real data."""
    from ceop_workflow.app.emails import preview_message
    from ceop_workflow.notify.render import TemplateRenderer

    renderer = TemplateRenderer.from_settings(app.settings)
    result = preview_message(app.service, renderer, template, partnership_id)
    shown, rendered = result.preview, result.message
    if shown.note:
        click.echo(f"note: {shown.note}", err=True)
    if as_json:
        value = dataclasses.asdict(shown) | {"subject": rendered.subject}
        emit(value, True)
        return
    parts = {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}
    if part != "all":
        click.echo(parts[part])
        return
    click.echo(
        f"From: {app.settings.email.from_address}\n"
        f"To: {', '.join(shown.recipients) or '(nobody holds the roles it goes to)'}\n"
        f"Subject: {rendered.subject}\n\n"
        f"----- text part -----\n{rendered.text.rstrip()}\n\n"
        f"----- HTML part -----\n{rendered.html.rstrip()}"
    )


@click.group()
def outbox() -> None:
    """The emails waiting to leave: list them, send what is due, retry a dead letter."""


def _statuses() -> click.Choice[str]:
    from ceop_workflow.notify.outbox import STATUSES

    return click.Choice(STATUSES)


@outbox.command("list")
@click.option("--status", type=_statuses(), help="Only messages in this state.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def list_(app: App, status: str | None, limit: int, as_json: bool) -> None:
    """The newest messages in the outbox, newest first (dead letters say why)."""
    from ceop_workflow.app.emails import outbox_entries

    rows = [dataclasses.asdict(entry) for entry in outbox_entries(app.service, status, limit)]
    shown: list[dict[str, Any]] = [
        row
        | {
            "recipients": _first_and_more(row["recipients"]),
            "next_attempt_at": row["next_attempt_at"].isoformat(timespec="seconds"),
            "last_error": row["last_error"][:80],
        }
        for row in rows
    ]
    columns = ["id", "status", "template", "recipients", "attempts", "next_attempt_at"]
    if any(row["digest_id"] for row in rows):
        columns.append("digest_id")
    if any(row["last_error"] for row in rows):
        columns.append("last_error")
    emit(rows, as_json, table(shown, columns))


def _first_and_more(recipients: list[str]) -> str:
    if len(recipients) <= 1:
        return "".join(recipients)
    return f"{recipients[0]} (+{len(recipients) - 1})"


@outbox.command()
@click.argument("outbox_id", metavar="[ID]", type=ID, required=False)
@click.option("--all-dead", is_flag=True, help="Every dead letter (that matches the filters).")
@click.option("--template", help="With --all-dead: only dead letters of this template.")
@click.option(
    "--error",
    "error_contains",
    metavar="TEXT",
    help="With --all-dead: only those whose last error contains TEXT (e.g. the server's name).",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]),
    help="With --all-dead: only those queued at or after this UTC time.",
)
@pass_app
def retry(
    app: App,
    outbox_id: int | None,
    all_dead: bool,
    template: str | None,
    error_contains: str | None,
    since: datetime | None,
) -> None:
    """Put dead letter ID (or, with --all-dead, every matching one) back in the queue, due now,
    with a fresh count of attempts. A message whose claim ran out goes back too; one being sent
    under a live claim is refused, naming the drainer and when its claim ends."""
    from ceop_workflow.app.emails import retry_dead_letter, retry_dead_letters

    if all_dead == (outbox_id is not None):
        raise BadInput("outbox retry: give either a message ID or --all-dead")
    if not all_dead and (template or error_contains or since):
        raise BadInput("outbox retry: --template, --error and --since go with --all-dead")
    if outbox_id is not None:
        retry_dead_letter(app.service, outbox_id)
        click.echo(f"outbox message {outbox_id} is pending again; it leaves at the next drain")
        return
    count = retry_dead_letters(
        app.service,
        template=template,
        error_contains=error_contains,
        since=since.replace(tzinfo=UTC) if since else None,
    )
    click.echo(f"{count} dead letters are pending again; they leave at the next drain")


@outbox.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def drain(app: App, as_json: bool) -> None:
    """Send every message due now, once (for cron or a demo; the daemon does this itself)."""
    from ceop_workflow.notify.drain import OutboxSender

    app.database.require_schema()
    sender = OutboxSender.from_settings(app.settings, app.database)
    report = sender.drain(app.clock.now(), max_batches=1_000_000)
    text = (
        f"sent {report.sent}, retrying {report.retrying}, dead {report.dead}"
        f" (of {report.claimed} due)"
        + (f"; {report.folded} reminders in {report.digests} digests" if report.digests else "")
    )
    emit(dataclasses.asdict(report), as_json, text)
