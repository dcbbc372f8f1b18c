"""Errands and care visits on the cadre's round, on SQLite and PostgreSQL: planning (real
OR-Tools search) puts them on the village's round with the parcels, the cadre completes them
through the same idempotent stop events as a delivery, and errands hears back."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from core.models import Household, User
from core.timeutil import to_local, utcnow
from errands import visits
from errands.grids import create_grid, put_households
from errands.models import (
    CareReason,
    CareVisit,
    Category,
    Channel,
    ErrandRequest,
    RequestStatus,
    StepKind,
)
from errands.services import VisitWindow, accept, file_request
from logistics.models import RoundStatus, Stop, StopStatus
from logistics.rounds import EventInput, record_event
from tests.logistics.conftest import World, plan


@pytest.fixture(autouse=True)
def _connected() -> None:
    """What ``errands.web.install`` does when the app is built."""
    visits.connect()


def _stop_of(world: World, home: Household) -> Stop:
    [stop] = [s for r in plan(world) for s in r.stops if s.household_id == home.id]
    return stop


def _state(stop: Stop) -> StopStatus:
    """Read anew (mypy would keep the status narrowed by an earlier assert)."""
    return stop.status


#: When the cadre was at the door (a replay from the outbox carries the same moment).
AT_THE_DOOR = utcnow()


def _visit(world: World, stop: Stop, key: str, **fields: Any) -> None:
    record_event(
        world.db,
        cadre=world.cadre,
        stop_id=stop.id,
        key=key,
        event=EventInput(type="visited", at=AT_THE_DOOR, **fields),
    )


def test_a_care_household_with_no_parcels_gets_a_visit_stop_when_due_and_not_before(
    world: World,
) -> None:
    home = world.household(1)
    care = visits.mark_for_care(
        world.db, agent=world.agent, phone=home.phone, reason=CareReason.ELDERLY_ALONE, every_days=7
    )
    care.last_visited_at = utcnow() - dt.timedelta(days=6)
    world.db.flush()
    assert plan(world) == []  # visited 6 days ago: not due, and nothing to deliver

    care.last_visited_at = utcnow() - dt.timedelta(days=7)
    world.db.flush()
    stop = _stop_of(world, home)
    assert stop.parcels == [] and stop.uplinks == []
    [task] = stop.tasks
    assert task.reference == f"care:{home.id}" and task.title == "关爱走访：独居老人"

    _visit(
        world,
        stop,
        "k-care-1",
        note="身体还好，药快吃完了",
        raised_category="shopping",
        raised_details="代买降压药",
    )
    assert stop.status is StopStatus.DELIVERED and stop.round.status is RoundStatus.COMPLETED
    [visit] = world.db.scalars(select(CareVisit)).all()
    assert visit.note == "身体还好，药快吃完了" and visit.cadre_id == world.cadre.id
    assert visit.request is not None and visit.request.channel is Channel.VISIT
    assert visit.request.category is Category.SHOPPING and visit.request.details == "代买降压药"
    assert to_local(care.last_visited_at).date() == world.today
    # The same visit sent again (the outbox after a lost answer) records nothing twice.
    _visit(
        world,
        stop,
        "k-care-1",
        note="身体还好，药快吃完了",
        raised_category="shopping",
        raised_details="代买降压药",
    )
    assert len(world.db.scalars(select(CareVisit)).all()) == 1
    assert plan(world) == []  # visited today: the next visit is due in 7 days


def _certificate(world: World, home: Household) -> ErrandRequest:
    grid = create_grid(world.db, village_id=world.village.id, name="一组", member_id=world.cadre.id)
    put_households(world.db, grid=grid, household_ids=[home.id])
    return file_request(
        world.db,
        filed_by=world.agent,
        household=home,
        category=Category.CERTIFICATE,
        details="开居住证明",
        channel=Channel.COUNTER,
        window=VisitWindow(dt.time(9, 0), dt.time(10, 30)),
    )


def test_an_accepted_errand_is_one_stop_with_the_parcels_and_completing_it_closes_the_loop(
    world: World,
) -> None:
    home, other = world.household(1), world.household(2)
    parcel = world.parcel(home)
    world.parcel(other)
    request = _certificate(world, home)
    assert _stop_of(world, home).tasks == []  # filed, not accepted yet: not on the round

    accept(world.db, member=world.cadre, request_id=request.id)
    stop = _stop_of(world, home)
    assert stop.parcels == [parcel]  # one stop: the parcel and the errand
    [task] = stop.tasks
    assert task.reference == f"errand:{request.id}"
    assert task.collect == "开证明要用的身份证、户口本复印件"
    assert dt.time(9, 0) <= to_local(stop.eta).time() <= dt.time(10, 30)  # the errand's window

    _visit(
        world,
        stop,
        "k-errand-1",
        note="材料已收齐",
        raised_category="repair",
        raised_details="院墙裂了，想报修",
    )
    [raised] = [r for r in world.db.scalars(select(ErrandRequest)) if r.id != request.id]
    assert raised.channel is Channel.VISIT and raised.household_id == home.id
    assert stop.status is StopStatus.PENDING  # the parcel is still to hand over
    assert request.status is RequestStatus.DONE and request.done_at is not None
    kinds = [(s.kind, s.actor_id) for s in request.steps]
    assert kinds[-2:] == [(StepKind.STARTED, world.cadre.id), (StepKind.DONE, world.cadre.id)]
    assert request.steps[-1].note == "材料已收齐"
    record_event(
        world.db,
        cadre=world.cadre,
        stop_id=stop.id,
        key="k-errand-2",
        event=EventInput(type="delivered", at=utcnow(), pickup_code=parcel.pickup_code),
    )
    assert _state(stop) is StopStatus.DELIVERED
    assert all(s.status is StopStatus.PENDING for s in stop.round.stops if s is not stop)
    assert visits.planned_work(world.db, world.village.id, world.today) == []  # done: not again


def test_an_errand_not_done_at_a_failed_stop_is_planned_again(world: World) -> None:
    home = world.household(1)
    world.parcel(home)
    request = _certificate(world, home)
    accept(world.db, member=world.cadre, request_id=request.id)
    stop = _stop_of(world, home)
    record_event(
        world.db,
        cadre=world.cadre,
        stop_id=stop.id,
        key="k-fail-1",
        event=EventInput(type="failed", at=utcnow(), reason="not_home"),
    )
    assert stop.tasks[0].visited is False and request.status is RequestStatus.ACCEPTED
    world.parcel(home)  # the failed parcel goes back on the shelf only when the round ends
    again = _stop_of(world, home)
    assert [t.reference for t in again.tasks] == [f"errand:{request.id}"]


def test_the_agent_marks_a_household_and_the_cadre_visits_it_through_the_pages_and_api(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    home = world.household(1)
    token = login(world.agent)
    marked = client.post(
        "/errands/care",
        data={"csrf_token": token, "phone": home.phone, "reason": "disabled", "every_days": "14"},
    )
    assert marked.status_code == 302
    refused = client.post(
        "/errands/care",
        data={"csrf_token": token, "phone": home.phone, "reason": "disabled", "every_days": "0"},
        follow_redirects=True,
    )
    assert "走访间隔要在 1 到 365 天之间" in refused.get_data(as_text=True)
    world.fresh()
    stop = _stop_of(world, home)  # never visited: due at once

    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    token = login(world.cadre)
    html = client.get("/cadre/today").get_data(as_text=True)
    assert "关爱走访：残疾人" in html and 'data-type="visited"' in html and 'data-tasks="1"' in html
    assert '<option value="shopping">代购生活用品</option>' in html  # what may be raised
    assert 'data-type="delivered"' not in html  # nothing to hand over
    printed = client.get(f"/cadre/rounds/{stop.round_id}/print").get_data(as_text=True)
    assert "关爱走访：残疾人" in printed  # the paper sheet lists the visit too
    event = {
        "type": "visited",
        "at": utcnow().isoformat(),
        "note": "轮椅坏了",
        "raised_category": "repair",
        "raised_details": "修轮椅",
    }
    headers = {"X-CSRFToken": token, "Idempotency-Key": str(uuid.uuid4())}
    answer = client.post(f"/api/v1/stops/{stop.id}/events", json=event, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["stop"]["status"] == "delivered"
    assert answer.get_json()["stop"]["tasks"][0]["visited"] is True
    again = client.post(f"/api/v1/stops/{stop.id}/events", json=event, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"

    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    login(world.agent)
    page = client.get("/errands/care").get_data(as_text=True)
    assert "每 14 天走访一次" in page and "轮椅坏了" in page and "提出的诉求" in page
    world.fresh()
    [request] = world.db.scalars(select(ErrandRequest)).all()
    assert request.channel is Channel.VISIT and request.details == "修轮椅"
    assert request.steps[0].actor_id == world.cadre.id


def test_a_visit_recorded_offline_on_a_round_planned_again_is_kept(world: World) -> None:
    """The phone had the round; the dispatcher planned the village again before the visit
    was uploaded: the visit applies to the household's stop in the new plan."""
    home = world.household(1)
    world.parcel(home)
    request = _certificate(world, home)
    accept(world.db, member=world.cadre, request_id=request.id)
    old = _stop_of(world, home)
    new = _stop_of(world, home)  # planned again: the old round is cancelled
    assert old.id != new.id and _state(old) is StopStatus.SKIPPED
    _visit(world, old, "k-replanned-visit", note="材料已收齐")
    assert request.status is RequestStatus.DONE
    assert [t.visited for t in new.tasks] == [True]
