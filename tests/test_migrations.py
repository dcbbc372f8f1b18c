"""The Alembic migrations build the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from core.db import make_engine
from shop.demo import load_demo
from shop.models_registry import metadata
from tests.conftest import ThrowawayDatabases

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_reach_head_and_match_the_models(
    backend: str, databases: ThrowawayDatabases
) -> None:
    url = databases.new_url(backend)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []
    command.downgrade(config, "base")


def test_the_demo_loads_into_a_database_the_migrations_made(
    backend: str, databases: ThrowawayDatabases
) -> None:
    """``make run``'s path: migrate, then load the demo township. Every value the models
    write (a county manager's role, a city buyer's, an errand's notice) passes the
    database's own checks, which on SQLite were once left narrower by a table rebuild."""
    url = databases.new_url(backend)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            demo = load_demo(session)
        assert demo.villages
    finally:
        engine.dispose()
