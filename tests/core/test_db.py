"""The database layer on both backends: UTC times, SQLite's pragmas and write locking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from core.db import make_engine, make_sessionmaker, transaction
from core.models import County, User


def test_times_come_back_timezone_aware_in_utc(db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    beijing = timezone(timedelta(hours=8))
    user.created_at = datetime(2026, 11, 23, 8, 0, tzinfo=beijing)
    db.flush()
    db.expire_all()
    stored = db.scalar(select(User.created_at).where(User.id == user.id))
    assert stored == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert stored is not None and stored.tzinfo is not None


def test_naive_datetimes_are_refused(db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    user.created_at = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError, match="naive datetime"):
        db.flush()


def test_foreign_keys_are_enforced(db: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    from core.models import Township

    db.add(Township(county_id=987654, name="孤镇", hub_address="-", lat=28.0, lon=112.0))
    with pytest.raises(IntegrityError):
        db.flush()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/x.sqlite3")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_concurrent_writers_never_see_database_is_locked(engine: Engine) -> None:
    """32 threads each adding to a counter with read-then-write: none fails, none is lost.

    On SQLite this only holds because writes begin with BEGIN IMMEDIATE (a deferred
    BEGIN upgrades to a write lock mid-transaction and fails with "database is locked").
    """
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        county = County(name="计数县")
        session.add(county)
        session.flush()
        county_id = county.id
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(5):
                with transaction(factory) as session:
                    name = session.scalar(select(County.name).where(County.id == county_id))
                    assert name is not None
                    session.execute(
                        update(County).where(County.id == county_id).values(name=name + "+")
                    )
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(factory) as session:
        name = session.scalar(select(County.name).where(County.id == county_id))
        session.execute(text("DELETE FROM county WHERE id = :id"), {"id": county_id})
    if engine.dialect.name == "sqlite":
        assert errors == []
        assert name is not None and name.count("+") == 32 * 5
    else:
        # PostgreSQL's READ COMMITTED lets a read-then-write lose updates: that is why
        # stock and pledges use conditional UPDATEs. Here we only ask for no errors.
        assert errors == []
