"""`daemon` and `status`: running the timers and seeing how they are doing."""

from __future__ import annotations

import logging
import sys

import click

from ceop_workflow.cli.app import App, emit, pass_app
from ceop_workflow.cli.logs import json_handler, log_format_option

LOG_LEVELS = ("debug", "info", "warning", "error")


def _configure_logging(level: str, worker: str, log_format: str = "text") -> None:
    if log_format == "json":
        logging.basicConfig(level=level.upper(), handlers=[json_handler(worker)], force=True)
    else:
        logging.basicConfig(
            level=level.upper(),
            stream=sys.stderr,
            format=f"%(asctime)s %(levelname)s [{worker}] %(name)s: %(message)s",
            force=True,
        )
    # APScheduler logs every run of every job at INFO; its warnings (a missed run) still show.
    logging.getLogger("apscheduler").setLevel(
        max(logging.WARNING, logging.getLevelName(level.upper()))
    )


@click.command()
@click.option("--once", is_flag=True, help="Sweep once (and run the other jobs once), then exit.")
@click.option(
    "--worker-id",
    metavar="ID",
    help="This daemon's name in claims and logs (default daemon.worker_id, else host:pid). "
    "Env: CEOP_WORKFLOW_DAEMON_WORKER_ID.",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
    help="How much to log to stderr.",
)
@log_format_option
@pass_app
def daemon(app: App, once: bool, worker_id: str | None, log_level: str, log_format: str) -> None:
    """Run due timers every daemon.sweep_interval_seconds until SIGTERM or SIGINT.

    Reminders, overdue chases, stale-engagement alerts and renewal notices become outbox rows;
    escalations and renewals are fired as the system. Several daemons may share one PostgreSQL
    database; on SQLite one works at a time and the others wait. With the global --now every
    sweep acts as if it were that moment.
    """
    from ceop_workflow.daemon import Daemon, default_worker_id, extra_jobs

    worker = worker_id or app.settings.daemon.worker_id or default_worker_id()
    _configure_logging(log_level, worker, log_format)
    service = app.service
    runner = Daemon(service, worker, extra_jobs(service))
    if once:
        runner.run_once()
    else:
        runner.run_forever()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def status(app: App, as_json: bool) -> None:
    """The last sweep, duties due and late, overdue reviews, open alerts and the outbox."""
    from ceop_workflow.scheduling.status import describe
    from ceop_workflow.scheduling.status import status as daemon_status

    app.database.require_schema()
    report = daemon_status(
        app.database, app.clock.now(), app.settings.daemon.sweep_interval_seconds
    )
    emit(report, as_json, describe(report))
