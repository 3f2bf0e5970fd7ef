"""The declarative base every table of the store is declared on (models and accounts).

A module of its own so that `accounts` and `models` both build on it without importing each
other; `models` imports `accounts`, so importing `models` registers every table.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase

from ceop_workflow.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so Alembic migrations stay deterministic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        date: Date(),
        Decimal: Numeric(14, 2),
        dict[str, Any]: JSON(),
        str: String(255),
    }
