"""Builds the use cases with their listeners: the one place that knows every adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ceop_workflow.app.catalog import Catalog
from ceop_workflow.app.queries import Queries
from ceop_workflow.clock import Clock
from ceop_workflow.config import Settings
from ceop_workflow.engine.rules import DEFAULT_REGISTRY
from ceop_workflow.notify.template_files import template_names
from ceop_workflow.store.db import Database

if TYPE_CHECKING:  # imported in build_service: a command that only reads needs none of them
    from ceop_workflow.app.service import Service


def known_templates(settings: Settings) -> frozenset[str] | None:
    """The message names in the templates folder (a listing, no rendering); ConfigError if none."""
    return template_names(settings.templates_path)


def build_catalog(settings: Settings) -> Catalog:
    """The workflow catalog, with the guards and actions of installed plugins."""
    registry = DEFAULT_REGISTRY.with_entry_points()
    return Catalog.for_settings(settings, registry, known_templates(settings))


def build_service(settings: Settings, database: Database, clock: Clock) -> Service:
    """The service with every listener this installation runs (timers, notifications)."""
    from ceop_workflow.app.service import Listener, Service
    from ceop_workflow.notify.contact_notices import ContactNotices
    from ceop_workflow.notify.transition_notices import TransitionNotices
    from ceop_workflow.scheduling.listener import TimerListener

    catalog = build_catalog(settings)
    listeners: list[Listener] = [
        TransitionNotices(settings),
        TimerListener(settings, catalog),
        ContactNotices(settings),
    ]
    return Service(settings, database, clock, catalog, listeners)


def build_queries(settings: Settings, database: Database, clock: Clock) -> Queries:
    """The read-only use cases alone: what `build_service` gives, without the write side."""
    return Queries.over(settings, database, clock, build_catalog(settings))
