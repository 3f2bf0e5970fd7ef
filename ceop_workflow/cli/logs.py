"""Log lines for people (text) or for log collectors (one JSON object per line).

`--log-format json` on `daemon` and `serve` (env CEOP_WORKFLOW_LOG_FORMAT) makes every line,
uvicorn's access log included, a JSON object: time (UTC, ISO 8601), level, logger, message,
and the worker's id for the daemon; a traceback goes in `exception`, never across lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

import click

LOG_FORMATS = ("text", "json")

log_format_option = click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    show_default=True,
    envvar="CEOP_WORKFLOW_LOG_FORMAT",
    help="text for people, json for one JSON object per line. Env: CEOP_WORKFLOW_LOG_FORMAT.",
)


class JsonLines(logging.Formatter):
    """Formats a record as one line of JSON."""

    def __init__(self, worker: str | None = None) -> None:
        super().__init__()
        self.worker = worker

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.worker:
            entry["worker"] = self.worker
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def json_handler(worker: str | None = None) -> logging.Handler:
    """A stderr handler writing JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(worker))
    return handler


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's logging settings for the format; None keeps uvicorn's own (text)."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    loggers = ("uvicorn", "uvicorn.error", "uvicorn.access", "ceop_workflow")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"json": handler},
        "loggers": {
            name: {"handlers": ["json"], "level": "INFO", "propagate": False} for name in loggers
        },
    }
