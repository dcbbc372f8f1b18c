"""The per-village Celery task (inline without a broker), the signals shop listens to, and the
uplink announcement shop calls for farmers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.models import User
from core.timeutil import utcnow
from logistics import planning, signals
from logistics.errors import LogisticsError
from logistics.models import PlanStatus, Round
from logistics.services import announce_uplink
from logistics.tasks import plan_village_task
from tests.logistics.conftest import World


@contextmanager
def received(signal: Any) -> Iterator[list[Any]]:
    seen: list[Any] = []

    def listener(sender: Any, **extra: Any) -> None:
        seen.append((sender, extra))

    signal.connect(listener)
    try:
        yield seen
    finally:
        signal.disconnect(listener)


def test_the_plan_task_plans_its_village(app: Flask, world: World) -> None:
    for number in range(1, 4):
        world.parcel(world.household(number))
    [run] = planning.start_runs(world.db, village_ids=[world.village.id], day=world.today)
    world.db.flush()
    with app.app_context():
        assert plan_village_task.delay(run.id).get(timeout=30) == 1
    world.fresh()
    assert run.status is PlanStatus.DONE and run.stops == 3
    assert world.db.scalars(select(Round)).one().village_id == world.village.id


def test_a_failing_plan_is_recorded_on_its_run(app: Flask, world: World) -> None:
    world.db.delete(world.vehicle)  # no vehicle: the village cannot be planned
    world.parcel(world.household(1))
    [run] = planning.start_runs(world.db, village_ids=[world.village.id], day=world.today)
    world.db.flush()
    with app.app_context():
        assert plan_village_task.delay(run.id).get(timeout=30) == 0
    world.fresh()
    assert run.status is PlanStatus.FAILED and "没有干部的车辆" in run.message


def test_deliveries_and_collections_are_announced(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(1, uplinks=True).stops[0]
    token = login(world.cadre)
    headers = {"X-CSRFToken": token}
    at = utcnow().isoformat()
    with received(signals.parcel_delivered) as delivered, received(signals.uplink_collected) as got:
        body: dict[str, object] = {
            "type": "delivered",
            "pickup_code": stop.parcels[0].pickup_code,
            "at": at,
        }
        headers["Idempotency-Key"] = "k-signal-1"
        assert (
            client.post(f"/api/v1/stops/{stop.id}/events", json=body, headers=headers).status_code
            == 201
        )
        body = {"type": "collected", "weight_g": 8_000, "at": at}
        headers["Idempotency-Key"] = "k-signal-2"
        assert (
            client.post(f"/api/v1/stops/{stop.id}/events", json=body, headers=headers).status_code
            == 201
        )
    assert [sender.id for sender, _ in delivered] == [stop.parcels[0].id]
    assert "session" in delivered[0][1]
    assert [sender.id for sender, _ in got] == [stop.uplinks[0].id]


def test_shop_announces_a_farmers_produce(world: World) -> None:
    home = world.household(5)
    uplink = announce_uplink(
        world.db, household_id=home.id, description="蜂蜜", estimated_weight_g=3_000
    )
    assert uplink.village_id == world.village.id
    with pytest.raises(LogisticsError, match="请写明要寄出的农产品"):
        announce_uplink(world.db, household_id=home.id, description=" ", estimated_weight_g=3_000)
