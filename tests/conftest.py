"""Fixtures shared by the whole suite.

Database tests run on SQLite and on PostgreSQL: the ``engine`` fixture is parametrised
over both backends. Each test runs inside a transaction that is rolled back at the end
(``join_transaction_mode="create_savepoint"``), so commits made by views only release a
savepoint. Where PostgreSQL, Redis or Chromium is missing the tests that need it are
skipped with the reason, unless CUNZHAN_REQUIRE_ALL=1 (set by .ci/run) turns the skip
into a failure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db import make_engine, make_sessionmaker
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import Household, Role, Township, User, Village
from core.passwords import hash_password
from core.services import create_user, grant_role
from shop.app import create_app
from shop.models_registry import metadata

pytest_plugins = ["tests.payments.fixtures"]

# Photos uploaded by tests and the demo go to a temporary folder, not instance/.
os.environ.setdefault("CUNZHAN_PHOTO_DIR", tempfile.mkdtemp(prefix="cunzhan-photos-"))
# So do the demo's road map and the road tables planning keeps.
os.environ.setdefault("ROADS_DIR", tempfile.mkdtemp(prefix="cunzhan-roads-"))
os.environ.setdefault("ROAD_TABLES_DIR", tempfile.mkdtemp(prefix="cunzhan-road-tables-"))
REQUIRE_ALL = os.environ.get("CUNZHAN_REQUIRE_ALL") == "1"
POSTGRES_ADMIN_URL = os.environ.get(
    "CUNZHAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_PASSWORD = "test-pass-2026"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def phone_of(user: User) -> str:
    """The phone of an account that has one: every test account but a villager without a
    phone (``User.phone`` is None for those)."""
    assert user.phone is not None, f"{user.name} has no phone"
    return user.phone


def unavailable(reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI demands everything run."""
    if REQUIRE_ALL:
        pytest.fail(f"CUNZHAN_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


@cache
def password_hash_for_tests() -> str:
    return hash_password(TEST_PASSWORD)


# --- markers applied from the fixtures a test uses --------------------------------

BROWSER_FIXTURES = frozenset({"live_server", "page", "browser", "context"})
#: Modules whose every test takes seconds: fault injection (stopped servers, slow clients,
#: backups under load) and the demo township built whole.
SLOW_MODULES = ("tests/faults/", "tests/shop/test_demo.py", "tests/test_pages_in_chinese.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what a test needs from the fixtures it uses, so no test has to remember to:
    ``browser`` for a real Chromium or the live demo server (slow to start), ``postgres``
    for the PostgreSQL half of every database parametrisation; and ``slow`` for the modules
    above. ``make check`` deselects all three."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if item.nodeid.startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


# --- databases -------------------------------------------------------------------


def _postgres_admin() -> Engine | None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            return admin
    except Exception:
        admin.dispose()
        return None


class ThrowawayDatabases:
    """Creates empty databases for a test run and drops them afterwards."""

    def __init__(self, tmp_dir: str) -> None:
        self.tmp_dir = tmp_dir
        self.admin: Engine | None = None
        self.created: list[str] = []

    def new_url(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp_dir}/{uuid.uuid4().hex}.sqlite3"
        if self.admin is None:
            self.admin = _postgres_admin()
        if self.admin is None:
            unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
        assert self.admin is not None
        name = f"cunzhan_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayDatabases]:
    pool = ThrowawayDatabases(str(tmp_path_factory.mktemp("db")))
    yield pool
    pool.drop_all()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def engine(backend: str, databases: ThrowawayDatabases) -> Iterator[Engine]:
    """A database with every table, one per backend for the whole run."""
    engine = make_engine(databases.new_url(backend))
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    outer.rollback()
    connection.close()


# --- the app ---------------------------------------------------------------------


def app_config(database_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "RATELIMIT_STORAGE_URL": "memory://",
        **extra,
    }


@pytest.fixture
def app(engine: Engine, db: Session) -> Flask:
    """The real app whose requests share the test's rolled-back transaction."""
    # Background jobs run inline: a thread cannot share the test's rolled-back transaction.
    url = engine.url.render_as_string(hide_password=False)
    flask_app = create_app(app_config(url, JOBS_INLINE=True))
    flask_app.extensions[EXTENSION_KEY].engine.dispose()
    connection = db.connection()
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    flask_app.extensions[EXTENSION_KEY] = DatabaseState(engine, factory, factory)
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- factories -------------------------------------------------------------------


@pytest.fixture
def make_village(db: Session) -> Callable[..., Village]:
    from core.models import County

    counter = iter(range(1, 10_000))

    def make(name: str | None = None) -> Village:
        number = next(counter)
        township = Township(
            county=County(name=f"测试县{uuid.uuid4().hex[:6]}"),
            name="测试镇",
            hub_address="镇中心",
            lat=28.2,
            lon=112.9,
        )
        village = Village(
            township=township,
            name=name or f"测试村{number}",
            station_address="村委会",
            lat=28.21,
            lon=112.91,
        )
        db.add(village)
        db.flush()
        return village

    return make


@pytest.fixture
def make_user(db: Session, make_village: Callable[..., Village]) -> Callable[..., User]:
    """``make_user(Role.AGENT, village=v)`` → a user with the test password and those roles."""
    counter = iter(range(1, 100_000))

    def make(*roles: Role, village: Village | None = None, name: str = "测试用户") -> User:
        number = next(counter)
        village = village or make_village()
        household = Household(
            village=village,
            head_name=name,
            phone="",
            address=f"{number}号",
            lat=village.lat,
            lon=village.lon,
        )
        phone = f"137{number:08d}"
        household.phone = phone
        db.add(household)
        user = create_user(
            db, phone=phone, name=name, password_hash=password_hash_for_tests(), household=household
        )
        for role in roles or (Role.VILLAGER,):
            grant_role(db, user=user, role=role, village=village)
        return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], str]:
    """Sign ``user`` in through the API; returns the CSRF token for later writes."""

    def sign_in(user: User) -> str:
        response = client.post(
            "/api/v1/auth/login", json={"phone": user.phone, "password": TEST_PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        token: str = response.get_json()["csrf_token"]
        return token

    return sign_in


# --- a live server for real browsers and HTTP clients ------------------------------


class LiveServer:
    def __init__(self, flask_app: Flask) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, flask_app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = flask_app

    def start(self) -> None:
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(backend: str, databases: ThrowawayDatabases) -> Iterator[LiveServer]:
    """The app on a real port over a database of its own (SQLite, then PostgreSQL: every
    browser journey runs on both), loaded with the demo township.

    Browser journeys commit for real, so they cannot share the rolled-back test session.
    """
    from core.db import transaction
    from shop.demo import load_demo

    url = databases.new_url(backend)
    flask_app = create_app(app_config(url))
    state: DatabaseState = flask_app.extensions[EXTENSION_KEY]
    metadata.create_all(state.engine)
    with transaction(state.write_sessions) as session:
        load_demo(session)
    server = LiveServer(flask_app)
    server.start()
    yield server
    server.stop()
    state.engine.dispose()


@pytest.fixture
def committed_sessions(backend: str, databases: ThrowawayDatabases) -> Iterator[Any]:
    """Sessions that really commit, on a fresh database of their own: for races between
    transactions, which a rolled-back test transaction cannot show."""
    engine = make_engine(databases.new_url(backend))
    metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()
