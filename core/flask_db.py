"""One database session per request, and the unit of work a view runs its service in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker, readonly_bind

EXTENSION_KEY = "cunzhan.db"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class DatabaseState:
    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @classmethod
    def for_engine(cls, engine: Engine) -> DatabaseState:
        return cls(engine, make_sessionmaker(engine), make_sessionmaker(readonly_bind(engine)))


def init_database(
    app: Flask,
    database_url: str,
    *,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
) -> DatabaseState:
    engine = make_engine(
        database_url, connect_timeout=connect_timeout, statement_timeout=statement_timeout
    )
    state = DatabaseState.for_engine(engine)
    app.extensions[EXTENSION_KEY] = state
    app.teardown_appcontext(_close_session)
    return state


def database() -> DatabaseState:
    state: DatabaseState = current_app.extensions[EXTENSION_KEY]
    return state


def get_session() -> Session:
    """The request's session; GET requests read in a transaction that never takes the write lock."""
    if "db_session" not in g:
        state = database()
        reading = has_request_context() and request.method in SAFE_METHODS
        factory = state.read_sessions if reading else state.write_sessions
        g.db_session = factory()
    session: Session = g.db_session
    return session


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run a view's service call in one transaction: commit on success, roll back on error."""
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _close_session(_error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
