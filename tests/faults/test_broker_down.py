"""The Celery broker unreachable: the dispatcher's planning is done here rather than lost.

CELERY_BROKER_URL points at a loopback port where nothing listens (a real refused
connection)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from core.jobs import celery_app, enqueue, make_celery
from core.models import User
from logistics.models import PlanRun, PlanStatus
from tests.faults.conftest import closed_port
from tests.logistics.conftest import World


def test_enqueue_says_false_soon_when_the_broker_is_unreachable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = make_celery(f"redis://127.0.0.1:{closed_port()}/0")

    @broker.task(name="faults.add")
    def add(a: int, b: int) -> int:
        return a + b

    started = time.monotonic()
    assert enqueue(add, 1, 2) is False
    assert time.monotonic() - started < 10
    assert "TASK BROKER UNREACHABLE" in caplog.text


def test_planning_runs_here_when_the_broker_cannot_take_it(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="cunzhan.jobs")
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")
    monkeypatch.setattr(celery_app, "_pool", None)  # connections made for the URL above
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    for number in range(1, 4):
        world.parcel(world.household(number))
    token = login(world.dispatcher)
    assert client.post("/dispatch/plan", data={"csrf_token": token}).status_code == 302
    world.fresh()
    run = world.db.query(PlanRun).filter_by(village_id=world.village.id).one()
    assert run.status is PlanStatus.DONE and run.stops == 3
    assert "TASK BROKER UNREACHABLE" in caplog.text
