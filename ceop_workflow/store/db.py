"""Connecting to the database, with the settings each dialect needs to keep its promises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ceop_workflow.errors import BadInput, CeopWorkflowError, ConfigError, Conflict, StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connections flagged with this execution option begin a read-only (deferred) transaction on
# SQLite, so readers do not queue behind writers.
READ_ONLY = "ceop_read_only"


def make_engine(url: str) -> Engine:
    """An Engine for `url`; on SQLite every write transaction starts with BEGIN IMMEDIATE."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database.url: not a database URL: {url!r}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            _configure_sqlite(engine)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (ImportError, SQLAlchemyError) as exc:
        raise ConfigError(f"database.url: cannot use {parsed.drivername!r}: {exc}") from None


def _configure_sqlite(engine: Engine) -> None:
    # The pysqlite driver's own transaction handling loses updates under concurrent
    # read-modify-write (PITFALLS): take control of BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """The engine and the session factory of one run; `unit_of_work` is the only way to write."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        with self._guard(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction that does not block writers."""
        with self._guard(), self._read_sessions() as session, session.begin():
            yield session

    def require_schema(self) -> None:
        """Refuse to work on a database that `init` has not created."""
        with self._guard():
            if not inspect(self.engine).has_table("partnerships"):
                raise StorageError(
                    f"the database at {self.safe_url} is not initialised: run `ceop-workflow init`"
                )

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except CeopWorkflowError:
            raise
        except StaleDataError:
            raise Conflict("the partnership was changed by someone else meanwhile") from None
        except DataError as exc:
            # A value the database cannot hold (PostgreSQL: a text longer than its column).
            raise BadInput(f"a value does not fit the database: {_first_line(exc)}") from None
        except IntegrityError as exc:
            raise Conflict(f"conflicting write, nothing saved: {_first_line(exc)}") from None
        except OperationalError as exc:
            raise StorageError(f"database error at {self.safe_url}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
