"""The database stops answering, or refuses connections: 503 with Retry-After within the
timeouts, one log line per outage, and recovery by itself when it returns.

The app speaks to a real PostgreSQL through ``TcpProxy`` on loopback, which cuts the link."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, TimeoutError

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from core.db import make_engine
from core.flask_db import database
from shop.app import create_app
from shop.models_registry import metadata
from tests.conftest import ThrowawayDatabases, app_config
from tests.faults.tcp_proxy import TcpProxy

STATEMENT_TIMEOUT = 1.0
CONNECT_TIMEOUT = 2.0


@pytest.fixture
def proxied(databases: ThrowawayDatabases) -> Iterator[tuple[Flask, TcpProxy]]:
    url = make_url(databases.new_url("postgresql"))
    direct = make_engine(url.render_as_string(hide_password=False))
    metadata.create_all(direct)
    direct.dispose()
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    flask_app = create_app(
        app_config(
            through,
            DATABASE_STATEMENT_TIMEOUT=STATEMENT_TIMEOUT,
            DATABASE_CONNECT_TIMEOUT=CONNECT_TIMEOUT,
        )
    )
    yield flask_app, proxy
    with flask_app.app_context():
        database().engine.dispose()
    proxy.stop()


def timed_get(flask_app: Flask, path: str) -> tuple[float, int, str, dict[str, str]]:
    """GET ``path``; fail (rather than hang the suite) when no answer comes in 15 s."""
    started = time.monotonic()
    pool = ThreadPoolExecutor(1)
    future = pool.submit(flask_app.test_client().get, path)
    try:
        response = future.result(timeout=15)
    except TimeoutError:
        pytest.fail(f"{path}: no answer within 15 s")
    finally:
        pool.shutdown(wait=False)  # a hung request must not hang the test run too
    return (
        time.monotonic() - started,
        response.status_code,
        response.get_data(as_text=True),
        dict(response.headers),
    )


def test_a_database_that_stops_answering_gives_503_then_recovers(
    proxied: tuple[Flask, TcpProxy], caplog: pytest.LogCaptureFixture
) -> None:
    flask_app, proxy = proxied
    caplog.set_level(logging.INFO)
    assert timed_get(flask_app, "/healthz")[1] == 200
    assert timed_get(flask_app, "/products")[1] == 200

    proxy.blackhole()
    # A pooled connection waits the statement timeout (+ grace), then a new one the connect
    # timeout; far below gunicorn's 30 s.
    bound = STATEMENT_TIMEOUT + 2 + CONNECT_TIMEOUT + 2
    for path in ("/healthz", "/products", "/api/v1/products"):
        seconds, status, body, headers = timed_get(flask_app, path)
        assert status == 503, (path, body)
        assert seconds < bound, (path, seconds)
        assert headers["Retry-After"] == "5"
        if path.startswith("/api/"):
            error = json.loads(body)["error"]
            assert error["code"] == "database_unavailable"
            body = error["message"]
        assert "数据库暂时连不上" in body

    proxy.refuse()
    seconds, status, body, headers = timed_get(flask_app, "/products")
    assert (status, headers["Retry-After"]) == (503, "5")
    assert seconds < 1.0, "a refused connection answers at once"

    proxy.forward()
    started = time.monotonic()
    assert timed_get(flask_app, "/healthz")[1] == 200
    assert timed_get(flask_app, "/products")[1] == 200
    assert time.monotonic() - started < 2.0

    outage = [r for r in caplog.records if r.name == "cunzhan.database"]
    assert [r.levelno for r in outage] == [logging.ERROR, logging.WARNING], [
        r.getMessage() for r in outage
    ]
    assert "DATABASE UNREACHABLE" in outage[0].getMessage()
    assert "4 requests answered 503" in outage[1].getMessage()
    assert not [r for r in caplog.records if r.exc_info], "no traceback per request"
