"""`register`: the Business Plan objectives, targets and priority resource areas per year."""

from __future__ import annotations

import click

from ceop_workflow.cli.app import App, emit, pass_app, table
from ceop_workflow.cli.partnerships import JSON
from ceop_workflow.strategy.register import CRITERIA, Register

YEAR = click.option("--year", metavar="YYYY/YY", help="Financial year (default: the current one).")
BY = click.option("--by", "actor", required=True, metavar="EMAIL", help="Who makes the change.")


def _register(app: App) -> Register:
    service = app.service
    return Register(service.settings, service.db, service.clock)


@click.group()
def register() -> None:
    """The Business Plan register the Head of Partnerships keeps (every change is logged)."""


@register.command("add")
@click.argument("kind", type=click.Choice(["objective", "target", "priority_area"]))
@click.argument("key")
@click.argument("title")
@BY
@YEAR
@click.option("--objective", "parent", metavar="KEY", help="A target's objective.")
@click.option(
    "--criterion",
    "criteria",
    multiple=True,
    type=click.Choice(CRITERIA),
    help="A section 7 criterion a priority area meets (repeat).",
)
@click.option("--rank", type=int, help="A priority area's rank (1 first).")
@JSON
@pass_app
def register_add(
    app: App,
    kind: str,
    key: str,
    title: str,
    actor: str,
    year: str | None,
    parent: str | None,
    criteria: tuple[str, ...],
    rank: int | None,
    as_json: bool,
) -> None:
    """Add an objective, a target or a priority resource area."""
    row = _register(app).add(
        kind, key, title, actor=actor, year=year, parent=parent, criteria=criteria, rank=rank
    )
    emit(row, as_json, f"{row.year} {row.kind} {row.key}: {row.title}")


@register.command("change")
@click.argument("key")
@BY
@YEAR
@click.option("--title")
@click.option("--rank", type=int)
@click.option("--criterion", "criteria", multiple=True, type=click.Choice(CRITERIA))
@click.option("--retire", is_flag=True, help="Retire it: no longer citable; kept in the log.")
@JSON
@pass_app
def register_change(
    app: App,
    key: str,
    actor: str,
    year: str | None,
    title: str | None,
    rank: int | None,
    criteria: tuple[str, ...],
    retire: bool,
    as_json: bool,
) -> None:
    """Change or retire an entry of the register."""
    row = _register(app).change(
        key,
        actor=actor,
        year=year,
        title=title,
        rank=rank,
        criteria=criteria or None,
        retire=retire,
    )
    emit(row, as_json, f"{row.year} {row.kind} {row.key}: {row.title}")


@register.command("list")
@YEAR
@JSON
@pass_app
def register_list(app: App, year: str | None, as_json: bool) -> None:
    """The register of one financial year."""
    rows = _register(app).items(year)
    emit(rows, as_json, table(rows, ["kind", "key", "title", "parent", "rank", "retired"]))


@register.command("log")
@YEAR
@JSON
@pass_app
def register_log(app: App, year: str | None, as_json: bool) -> None:
    """Every change to one financial year's register: who, when, what."""
    rows = _register(app).changes(year)
    emit(rows, as_json, table(rows, ["at", "actor", "action", "key"]))
