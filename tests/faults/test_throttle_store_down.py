"""Redis unreachable: logins and pickup codes keep working on a per-process count, loudly.

RATELIMIT_STORAGE_URL points at a loopback port where nothing listens (a real refused
connection, not a fake store)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.models import User
from core.security import FAILED_LOGINS_PER_MINUTE
from core.timeutil import utcnow
from logistics.models import StopStatus
from tests.conftest import TEST_PASSWORD
from tests.faults.conftest import app_on_test_session, closed_port
from tests.logistics.conftest import World


@pytest.fixture
def app(engine: Engine, db: Session, caplog: pytest.LogCaptureFixture) -> Flask:
    """The app with its throttles pointed where nothing listens."""
    caplog.set_level(logging.INFO, logger="cunzhan.throttle")
    return app_on_test_session(
        engine,
        db,
        RATELIMIT_STORAGE_URL=f"redis://:hunter2@127.0.0.1:{closed_port()}/1",
        WTF_CSRF_ENABLED=False,
    )


def test_start_up_and_healthz_say_the_throttles_count_per_process(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    errors = [r for r in caplog.get_records("setup") if r.levelno >= logging.ERROR]
    assert errors and "THROTTLE STORE UNREACHABLE" in errors[0].getMessage()
    assert "hunter2" not in caplog.text  # the password stays out of the log
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {
        "status": "degraded",
        "database": "ok",
        "throttle_store": "fallback",
    }


def test_logins_work_and_are_still_throttled_per_process(
    client: FlaskClient, make_user: Callable[..., User], caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    assert client.get("/login").status_code == 200
    wrong = {"phone": user.phone, "password": "not-it"}
    assert client.post("/login", data=wrong).status_code == 401
    right = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": TEST_PASSWORD})
    assert right.status_code == 200, right.get_json()
    for _ in range(FAILED_LOGINS_PER_MINUTE - 1):
        assert client.post("/login", data=wrong).status_code == 401
    assert client.post("/login", data=wrong).status_code == 429  # counted in this process
    # Said once per throttle at start-up, not once per request.
    assert not [r for r in caplog.records if "UNREACHABLE" in r.getMessage()]


def test_a_delivery_confirmed_with_a_pickup_code_goes_through(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(1).stops[0]
    token = login(world.cadre)
    response = client.post(
        f"/api/v1/stops/{stop.id}/events",
        json={
            "type": "delivered",
            "pickup_code": stop.parcels[0].pickup_code,
            "at": utcnow().isoformat(),
        },
        headers={"X-CSRFToken": token, "Idempotency-Key": "delivery-without-redis-1"},
    )
    assert response.status_code == 201, response.get_json()
    world.fresh()
    assert stop.status is StopStatus.DELIVERED
