"""`case`: the Partnerships Team's open cases of difficult interactions with partners; and
`benefits gaps`: what the committee sees of benefits promised and not delivered."""

from __future__ import annotations

import click

from ceop_workflow.cli.app import App, emit, pass_app, table
from ceop_workflow.cli.partnerships import JSON
from ceop_workflow.strategy.benefits import benefit_gaps
from ceop_workflow.strategy.cases import Cases


def _cases(app: App) -> Cases:
    service = app.service
    return Cases(service.settings, service.db, service.clock)


@click.group()
def case() -> None:
    """Difficult interactions: opened by `contact log --kind difficult_interaction`."""


@case.command("list")
@JSON
@pass_app
def case_list(app: App, as_json: bool) -> None:
    """The open cases, oldest first."""
    rows = _cases(app).open_cases()
    emit(rows, as_json, table(rows, ["partnership", "partner", "keyworker", "opened_at", "note"]))


@case.command("resolve")
@click.argument("partnership_id", type=int)
@click.option("--by", required=True, metavar="EMAIL", help="Who resolved it.")
@click.option("--resolution", required=True, help="How it was resolved.")
@pass_app
def case_resolve(app: App, partnership_id: int, by: str, resolution: str) -> None:
    """Close a partnership's open case (an escalation closes it too)."""
    _cases(app).resolve(partnership_id, by, resolution)
    click.echo(f"#{partnership_id}: case resolved")


@click.group()
def benefits() -> None:
    """The benefits each level of commitment promises, and whether they were delivered."""


@benefits.command("gaps")
@JSON
@pass_app
def benefits_gaps(app: App, as_json: bool) -> None:
    """Promised benefits the latest annual review did not find delivered, or did not record."""
    rows = benefit_gaps(app.service.settings, app.service.db)
    flat = [
        {"partnership": r.partnership, "partner": r.partner, "tier": r.tier}
        | {"benefit": g.benefit, "status": g.status}
        for r in rows
        for g in r.gaps
    ]
    emit(rows, as_json, table(flat, ["partnership", "partner", "tier", "benefit", "status"]))
