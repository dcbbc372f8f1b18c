"""Request ids in responses and log lines; /healthz on Redis and real Celery workers."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient

from core.access import public
from core.jobs import bind_flask, make_celery
from core.observability import HEADER, JsonFormatter
from tests.conftest import unavailable

REDIS_URL = os.environ.get("CUNZHAN_TEST_HEALTH_REDIS_URL", "redis://127.0.0.1:6379/7")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_the_callers_request_id_is_echoed_and_a_forged_one_replaced(client: FlaskClient) -> None:
    assert client.get("/healthz", headers={HEADER: "lb-7f3a.1"}).headers[HEADER] == "lb-7f3a.1"
    made = client.get("/healthz", headers={HEADER: 'x"} {"level": "ERROR'}).headers[HEADER]
    assert len(made) == 32 and made.isalnum()
    assert client.get("/healthz").headers[HEADER] != made


def test_every_log_line_of_a_request_carries_its_id_as_json(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    @public
    def noisy() -> str:
        current_app.logger.info("first")
        logging.getLogger("cunzhan.anything").warning("second")
        return "ok"

    app.add_url_rule("/noisy", view_func=noisy)
    with caplog.at_level(logging.INFO):
        answer = app.test_client().get("/noisy", headers={HEADER: "req-42"})
    assert answer.headers[HEADER] == "req-42"
    ours = [r for r in caplog.records if r.getMessage() in ("first", "second")]
    assert [getattr(r, "request_id", None) for r in ours] == ["req-42", "req-42"]
    line = json.loads(JsonFormatter().format(ours[1]))
    assert line["request_id"] == "req-42" and line["level"] == "WARNING"
    assert line["message"] == "second" and line["logger"] == "cunzhan.anything"
    outside = logging.getLogger("cunzhan.anything").makeRecord("x", 20, "f", 1, "m", (), None)
    assert outside.request_id == "-"  # type: ignore[attr-defined]


def test_a_log_line_carries_no_terminal_colours() -> None:
    coloured = '\x1b[31m\x1b[1mGET /cart HTTP/1.1\x1b[0m" 401 -'
    record = logging.getLogger("werkzeug").makeRecord("werkzeug", 20, "f", 1, coloured, (), None)
    assert json.loads(JsonFormatter().format(record))["message"] == 'GET /cart HTTP/1.1" 401 -'


def test_healthz_without_a_broker_says_nothing_of_workers(client: FlaskClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert "workers" not in health.get_json()


def test_healthz_is_503_when_the_broker_is_unreachable(app: Flask) -> None:
    bind_flask(app, make_celery(f"redis://127.0.0.1:{_closed_port()}/0"))
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["broker"] == "down" and health.get_json()["status"] == "down"


def test_healthz_counts_the_workers_that_answer_and_is_503_without_any(app: Flask) -> None:
    from celery.contrib.testing.worker import start_worker

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    celery = make_celery(REDIS_URL)
    bind_flask(app, celery)
    client = app.test_client()
    alone = client.get("/healthz")
    assert alone.status_code == 503
    assert alone.get_json()["broker"] == "ok" and alone.get_json()["workers"] == 0
    try:
        with start_worker(celery, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            deadline = time.monotonic() + 30
            health = client.get("/healthz")
            while health.status_code != 200 and time.monotonic() < deadline:  # worker starts
                health = client.get("/healthz")
    finally:
        _forget_the_workers_connections(celery)
    assert health.status_code == 200, health.get_json()
    assert health.get_json()["workers"] == 1 and health.get_json()["status"] == "ok"


def _forget_the_workers_connections(celery: Any) -> None:
    """Close the in-thread worker's Redis connections and drop kombu's after-fork clean-up of
    their pools. Left registered, that clean-up runs in every process this test session forks
    later (routing's solver children) and waits there for ever on a BRPOP reply the parent
    already read. (The app's own processes fork without an in-process worker.)"""
    from multiprocessing import util

    from kombu.resource import _after_fork_cleanup_resource

    celery.close()
    registry = util._afterfork_registry  # type: ignore[attr-defined]
    for key in [k for k in list(registry) if k[2] is _after_fork_cleanup_resource]:
        registry.pop(key, None)
