"""Celery: inline without a broker, on a real worker through Redis when configured."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from flask import Flask

from core.jobs import bind_flask, make_celery
from core.models import User
from core.tasks import count_accounts

REDIS_URL = os.environ.get("CUNZHAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def add(a: int, b: int) -> int:
    return a + b


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_tasks_run_inline_without_a_broker(app: Flask, make_user: Callable[..., User]) -> None:
    make_user()
    make_user()
    result = count_accounts.delay()
    assert result.get(timeout=1) >= 2


def test_tasks_run_on_a_worker_through_redis(app: Flask) -> None:
    from celery.contrib.testing.worker import start_worker

    from tests.conftest import unavailable

    if not _redis_reachable():
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    celery = make_celery(REDIS_URL)
    bind_flask(app, celery)
    task = celery.task(name="tests.add")(add)
    with start_worker(celery, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        assert task.delay(19, 23).get(timeout=20) == 42
    assert not celery.conf.task_always_eager


def test_the_worker_knows_every_task_and_the_beat_schedule() -> None:
    import shop.worker

    names = set(shop.worker.app.tasks)
    assert {
        "core.count_accounts",
        "payments.reconcile",
        "groupbuys.close_due",
        "logistics.plan_village",
    } <= names
    expected = {"reconcile-payments", "close-due-group-buys", "purge-idempotency-keys"}
    assert expected <= set(shop.worker.app.conf.beat_schedule)


def test_a_background_job_runs_after_the_request_in_an_app_context_of_its_own(
    app: Flask,
) -> None:
    import threading

    from flask import current_app, g

    from core.jobs import in_background

    seen: dict[str, object] = {}
    finished = threading.Event()

    def job(value: int) -> None:
        seen["value"], seen["app"] = value, current_app.name
        seen["fresh g"] = "db_session" not in g
        seen["thread"] = threading.current_thread().name
        finished.set()

    app.config["JOBS_INLINE"] = False
    with app.test_request_context():
        in_background(job, 7)
    assert finished.wait(10)
    assert seen["value"] == 7 and seen["app"] == app.name and seen["fresh g"]
    assert str(seen["thread"]).startswith("cunzhan-job")
