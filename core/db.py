"""Database engine, session and the one declarative ``Base`` every model derives from.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy
timeout, and write transactions start with ``BEGIN IMMEDIATE`` so that two writers
queue on the lock instead of failing with "database is locked" when one upgrades a
read to a write (SQLAlchemy's "sqlite_transactions" recipe). A session opened for
reading only (``readonly=True``) begins a deferred transaction, which in WAL mode
never waits for writers.

PostgreSQL connections carry a connect timeout and a server-side statement timeout, and
every wait on the socket is bounded on our side too (``DeadlineConnection``): a server that
stops answering (a cut link, a hung proxy) raises ``OperationalError`` after the timeout,
which the app answers with a 503, instead of hanging the worker until gunicorn kills it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Result
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 30_000
READONLY_OPTION = "cunzhan_readonly"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored in UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times timezone-aware (UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads it


def enum_column_type(enum_class: type[StrEnum]) -> SAEnum:
    """Store a StrEnum by its value in a plain string column (checked, portable)."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# Our side waits this much longer than the server's statement timeout before giving up.
CLIENT_GRACE_SECONDS = 2.0


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait on the server is bounded (``wait_timeout``).

    psycopg waits on the socket for as long as it takes; when the server or the link in
    between stops answering that is forever. Past the deadline the connection is closed
    (its state is unknown) and ``OperationalError`` raised, so SQLAlchemy's pool discards it.
    """

    wait_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.wait_timeout is None:  # psycopg's own deadline
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.wait_timeout)
        except pg_errors._WaitTimeout:
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.wait_timeout:g} s; connection closed"
            ) from None


def make_engine(
    url: str,
    *,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    """Create an engine; for SQLite apply WAL, foreign keys, busy timeout and BEGIN IMMEDIATE;
    for PostgreSQL the timeouts (seconds; None waits as long as it takes: migrations, backups)
    and the pool's pre-ping, which replaces connections that died while idle."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        if connect_timeout is not None:  # also the wait for a free pooled connection
            kwargs.setdefault("pool_timeout", connect_timeout)
        engine = create_engine(url, **kwargs)
        _apply_postgres_timeouts(engine, connect_timeout, statement_timeout)
        return engine
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _apply_sqlite_recipe(engine)
    return engine


def _apply_postgres_timeouts(
    engine: Engine, connect_timeout: float | None, statement_timeout: float | None
) -> None:
    if connect_timeout is None and statement_timeout is None:
        return

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        if connect_timeout is not None:
            cparams["connect_timeout"] = max(2, round(connect_timeout))  # libpq's minimum: 2
        if statement_timeout is not None:
            milliseconds = round(statement_timeout * 1000)
            cparams["options"] = f"-c statement_timeout={milliseconds}"
        connection = DeadlineConnection.connect(*cargs, **cparams)
        if statement_timeout is not None:
            connection.wait_timeout = statement_timeout + CLIENT_GRACE_SECONDS
        return connection


def _apply_sqlite_recipe(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from pysqlite; we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        readonly = connection.get_execution_options().get(READONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def rows_matched(result: Result[Any]) -> int:
    """How many rows an ``UPDATE``/``DELETE`` statement matched: the check behind every
    conditional update that lets exactly one racing writer win."""
    assert isinstance(result, CursorResult), "only a DML statement reports its row count"
    return result.rowcount


def make_sessionmaker(engine: Engine | Connection, **kwargs: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, **kwargs)


def readonly_bind(engine: Engine) -> Engine:
    """The same engine (and pool), beginning deferred transactions on SQLite."""
    return engine.execution_options(**{READONLY_OPTION: True})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def dialect_insert(session: Session, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which knows ``ON CONFLICT DO NOTHING`` on both backends: a row
    already there (a retried request, a racing worker) is skipped instead of failing."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
