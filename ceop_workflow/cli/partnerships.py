"""`partner`, `partnership`, `fire` and `keyworker`: the partnership's own commands."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import click

from ceop_workflow.cli.app import ID, VERSION, App, address, emit, parse_pairs, pass_app, table
from ceop_workflow.cli.workflows import FORMATS, draw
from ceop_workflow.errors import printable

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from ceop_workflow.app.views import AuditLine

T = TypeVar("T", bound="DataclassInstance")

JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group()
def partner() -> None:
    """Organisations and individuals."""


@partner.command("add")
@click.argument("name")
@click.option("--individual", is_flag=True, help="A person (Ambassador or Special Representative).")
@click.option("--contractor", is_flag=True, help="An existing CEOP/SOCA contractor.")
@pass_app
def partner_add(app: App, name: str, individual: bool, contractor: bool) -> None:
    """Register a partner; prints its id."""
    click.echo(app.service.add_partner(name, individual=individual, contractor=contractor))


@click.group()
def partnership() -> None:
    """Create, list and look at partnerships."""


@partnership.command("create")
@click.argument("partner_id", type=ID)
@click.option("--workflow", required=True, help="Workflow name, e.g. partnership or ambassador.")
@click.option(
    "--keyworker", required=True, metavar="EMAIL", callback=address, help="The partner's keyworker."
)
@click.option("--manager", metavar="EMAIL", callback=address, help="The partnerships manager.")
@pass_app
def partnership_create(
    app: App, partner_id: int, workflow: str, keyworker: str, manager: str | None
) -> None:
    """Start a partner on a workflow; prints the partnership's id."""
    click.echo(app.service.create_partnership(partner_id, workflow, keyworker, manager))


@partnership.command("show")
@click.argument("partnership_id", type=ID)
@click.option(
    "--diagram",
    "diagram",
    type=FORMATS,
    is_flag=False,
    flag_value="mermaid",
    help="Instead, draw the workflow marking where it stands and the path it took.",
)
@JSON
@pass_app
def partnership_show(app: App, partnership_id: int, diagram: str | None, as_json: bool) -> None:
    """State, tier, keyworker, objectives, history and what may fire next."""
    p = shown = app.queries.show(partnership_id)
    if diagram:
        definition = app.queries.definition(p.workflow, p.workflow_version)
        path = tuple(h.dest for h in p.history)
        click.echo(draw(definition, diagram, p.state, path))
        return
    p = _printable(shown)
    objectives = [printable(str(o)) for o in p.objectives]
    lines = [
        f"#{p.id} {p.partner} — {p.workflow} v{p.workflow_version}",
        f"state:      {p.state} (since {p.state_entered_at})",
        f"tier:       {p.tier_label or '-'}",
        f"commitment: {p.commitment_start or '-'} to {p.commitment_end or '-'}",
        f"keyworker:  {p.keyworker}   manager: {p.manager or '-'}",
        f"objectives: {'; '.join(objectives) or '-'}",
        f"may fire:   {', '.join(p.triggers) or '- (final state)'}",
        f"version:    {p.version}",
        "history:",
        *_history_lines(p.history),
    ]
    emit(shown, as_json, "\n".join(lines))


@partnership.command("list")
@click.option("--state", help="Only partnerships in this state.")
@click.option("--tier", help="Only partnerships at this tier, e.g. 'Strategic Partner'.")
@JSON
@pass_app
def partnership_list(app: App, state: str | None, tier: str | None, as_json: bool) -> None:
    """Partnerships, optionally filtered by state and tier."""
    rows = app.service.list(state=state, tier=tier)
    emit(rows, as_json, table(rows, ["id", "partner", "state", "tier_label", "keyworker"]))


@partnership.command("history")
@click.argument("partnership_id", type=ID)
@JSON
@pass_app
def partnership_history(app: App, partnership_id: int, as_json: bool) -> None:
    """The audit trail: every transition and vote, oldest first."""
    rows = app.service.history(partnership_id)
    emit(rows, as_json, "\n".join(_history_lines(rows)))


def _printable(result: T) -> T:
    """The result with every text field escaped for a terminal (names people typed)."""
    changes = {
        f.name: printable(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if isinstance(getattr(result, f.name), str)
    }
    return dataclasses.replace(result, **changes)


def _history_lines(rows: Sequence[AuditLine]) -> list[str]:
    return [
        f"  {r.at}  {r.trigger}: {r.source or '-'} -> {r.dest}"
        f"  by {printable(str(r.actor))}"
        + (f" as {r.role}" if r.role else "")
        + (f"  — {printable(str(r.comment))}" if r.comment else "")
        for r in rows
    ]


@click.command()
@click.argument("partnership_id", type=ID)
@click.argument("trigger")
@click.option(
    "--actor", required=True, metavar="EMAIL", callback=address, help="Who fires the trigger."
)
@click.option("--role", help="The role acted in (default: the first of the actor's that may).")
@click.option("--data", "data", multiple=True, metavar="KEY=VALUE", help="Data the trigger needs.")
@click.option("--comment", help="A note for the audit trail.")
@click.option(
    "--if-version",
    "expected_version",
    type=VERSION,
    metavar="N",
    help="Refuse if the partnership is no longer at this version (someone else acted).",
)
@JSON
@pass_app
def fire(
    app: App,
    partnership_id: int,
    trigger: str,
    actor: str,
    role: str | None,
    data: tuple[str, ...],
    comment: str | None,
    expected_version: int | None,
    as_json: bool,
) -> None:
    """Fire TRIGGER on a partnership."""
    from ceop_workflow.app.service import FireRequest  # the write side, for this command only

    result = app.service.fire(
        FireRequest(
            partnership_id,
            trigger,
            actor,
            role,
            parse_pairs(data, "--data"),
            comment,
            expected_version,
            granted=app.service.granted_roles(actor),
        )
    )
    if result.moved:
        text = f"#{result.id}: {result.source} -> {result.dest} ({trigger})"
    else:
        text = (
            f"#{result.id}: vote recorded ({result.votes} of {result.quorum}); still {result.state}"
        )
    emit(result, as_json, text)


@click.command()
@click.argument("partnership_id", type=ID)
@JSON
@pass_app
def keyworker(app: App, partnership_id: int, as_json: bool) -> None:
    """Who to talk to before any engagement with this partner."""
    shown = app.service.keyworker(partnership_id)
    k = _printable(shown)
    last = _printable(shown.last_contact) if shown.last_contact else None
    text = (
        f"{k.partner}: talk to {k.keyworker} before any engagement"
        + (f" (manager: {k.manager})" if k.manager else "")
        + (
            f"\nlast contact: {last.kind} by {last.by} at {last.at}"
            if last
            else "\nno contact logged yet"
        )
    )
    emit(shown, as_json, text)
