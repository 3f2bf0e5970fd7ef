"""`initiative`: projects and resource needs of CEOP, and the partnerships that resource them."""

from __future__ import annotations

import click

from ceop_workflow.cli.app import App, emit, parse_pairs, pass_app, table
from ceop_workflow.cli.partnerships import JSON
from ceop_workflow.strategy.initiatives import Initiatives


def _initiatives(app: App) -> Initiatives:
    service = app.service
    return Initiatives(service.settings, service.db, service.clock, service.catalog)


@click.group()
def initiative() -> None:
    """Initiatives: proposed, resourced by partnerships, delivered or dropped."""


@initiative.command("add")
@click.argument("title")
@click.option("--target", "targets", multiple=True, required=True, metavar="KEY", help="Repeat.")
@click.option("--owner", required=True, metavar="EMAIL", help="Who in CEOP owns it.")
@click.option("--by", "actor", required=True, metavar="EMAIL", help="Who proposes it.")
@click.option("--priority-area", metavar="KEY", help="The priority resource area it falls in.")
@click.option("--resources", help="The resources it needs.")
@pass_app
def initiative_add(
    app: App,
    title: str,
    targets: tuple[str, ...],
    owner: str,
    actor: str,
    priority_area: str | None,
    resources: str | None,
) -> None:
    """Propose an initiative serving Business Plan targets; prints its id."""
    click.echo(
        _initiatives(app).add(
            title,
            targets=targets,
            owner=owner,
            actor=actor,
            priority_area=priority_area,
            resources_needed=resources,
        )
    )


@initiative.command("fire")
@click.argument("initiative_id", type=int)
@click.argument("trigger")
@click.option("--actor", required=True, metavar="EMAIL")
@click.option("--data", "data", multiple=True, metavar="KEY=VALUE")
@pass_app
def initiative_fire(
    app: App, initiative_id: int, trigger: str, actor: str, data: tuple[str, ...]
) -> None:
    """Move an initiative along its workflow (resource --data partnership=ID, deliver, drop)."""
    result = _initiatives(app).fire(initiative_id, trigger, actor, parse_pairs(data, "--data"))
    click.echo(f"initiative {initiative_id}: {result.source} -> {result.state} ({trigger})")


@initiative.command("link")
@click.argument("initiative_id", type=int)
@click.option("--partnership", "partnership_id", type=int, required=True)
@click.option("--by", "actor", required=True, metavar="EMAIL")
@pass_app
def initiative_link(app: App, initiative_id: int, partnership_id: int, actor: str) -> None:
    """Record another partnership that resources the initiative."""
    _initiatives(app).link(initiative_id, partnership_id, actor)
    click.echo(f"initiative {initiative_id}: resourced by partnership {partnership_id}")


def _ids(ids: list[int]) -> str:
    return " ".join(str(i) for i in ids)


@initiative.command("list")
@click.option("--state", help="Only initiatives in this state.")
@JSON
@pass_app
def initiative_list(app: App, state: str | None, as_json: bool) -> None:
    """Initiatives with their targets and the partnerships that resource them."""
    rows = _initiatives(app).all(state)
    shown = [
        {
            "id": r.id,
            "state": r.state,
            "title": r.title,
            "targets": ";".join(r.targets),
            "owner": r.owner,
            "partnerships": ";".join(map(str, r.partnerships)),
        }
        for r in rows
    ]
    emit(rows, as_json, table(shown, ["id", "state", "title", "targets", "owner", "partnerships"]))


@initiative.command("history")
@click.argument("initiative_id", type=int)
@JSON
@pass_app
def initiative_history(app: App, initiative_id: int, as_json: bool) -> None:
    """Every change to an initiative, oldest first."""
    rows = _initiatives(app).history(initiative_id)
    emit(rows, as_json, table(rows, ["at", "actor", "trigger", "source", "dest"]))
