"""Helpers of the fault tests: closed ports, an app built with other settings."""

from __future__ import annotations

import socket
from typing import Any

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import make_sessionmaker
from core.flask_db import EXTENSION_KEY, DatabaseState
from shop.app import create_app
from tests.conftest import app_config
from tests.logistics.conftest import world  # noqa: F401 - the fixture, for these tests too


def closed_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def app_on_test_session(engine: Engine, db: Session, **config: Any) -> Flask:
    """Like the ``app`` fixture (requests share the rolled-back test transaction), with
    ``config`` on top of the test configuration."""
    flask_app = create_app(app_config(engine.url.render_as_string(hide_password=False), **config))
    flask_app.extensions[EXTENSION_KEY].engine.dispose()
    factory = make_sessionmaker(db.connection(), join_transaction_mode="create_savepoint")
    flask_app.extensions[EXTENSION_KEY] = DatabaseState(engine, factory, factory)
    return flask_app
