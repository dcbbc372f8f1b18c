"""Issue #12 items 9 and 12: wrong pickup codes are counted before they are checked, and a
stop event's time is bounded to the round's day (the server's receipt time kept beside it)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from limits import RateLimitItemPerMinute
from sqlalchemy import select

from core.errors import CoreError
from core.models import User
from core.security import FailureThrottle
from core.timeutil import utcnow
from logistics.models import StopEvent, StopStatus
from logistics.timing import local_midnight
from tests.conftest import unavailable
from tests.logistics.conftest import World
from tests.logistics.test_stop_events import delivered, post_event


class WrongAnswer(Exception):
    """Stands for a wrong pickup code (the throttle is told which exception is a failure)."""


def too_many_attempts() -> CoreError:
    return CoreError("too_many_attempts")


def _race(throttle: FailureThrottle, key: str, tries: int) -> tuple[int, int]:
    """``tries`` wrong answers at once; how many were looked at, how many refused."""
    looked_at, refused = [], []
    start = threading.Barrier(tries)

    def guess() -> None:
        start.wait()
        try:
            with throttle.attempt(key, failure=WrongAnswer):
                looked_at.append(1)
                threading.Event().wait(0.05)  # the work: a database round trip
                raise WrongAnswer
        except WrongAnswer:
            pass
        except CoreError:
            refused.append(1)

    threads = [threading.Thread(target=guess) for _ in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(looked_at), len(refused)


@pytest.mark.parametrize("storage_url", ["memory://", "redis://127.0.0.1:6379/15"])
def test_racing_wrong_codes_get_no_more_than_the_limit_between_them(storage_url: str) -> None:
    throttle = FailureThrottle.from_url(
        storage_url, RateLimitItemPerMinute(5, 15), too_many_attempts
    )
    if storage_url.startswith("redis") and not throttle.limiter.storage.check():
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    key = f"stop:{uuid.uuid4().hex}"
    looked_at, refused = _race(throttle, key, 20)
    assert looked_at <= 5 and looked_at + refused == 20
    if storage_url.startswith("redis"):
        assert looked_at == 5  # one atomic INCRBY per try: exactly the limit


def test_right_answers_count_nothing() -> None:
    throttle = FailureThrottle.from_url(
        "memory://", RateLimitItemPerMinute(2, 15), too_many_attempts
    )
    for _ in range(10):
        with throttle.attempt("parcel:1", failure=WrongAnswer):
            pass  # a right code
    with pytest.raises(WrongAnswer), throttle.attempt("parcel:1", failure=WrongAnswer):
        raise WrongAnswer
    with throttle.attempt("parcel:1", failure=WrongAnswer):
        pass  # one wrong so far: still allowed


@pytest.mark.parametrize(
    "moment",
    [
        lambda day: dt.datetime(2000, 1, 1, tzinfo=dt.UTC),  # what the review stored
        lambda day: local_midnight(day) - dt.timedelta(seconds=1),  # the evening before
        lambda day: utcnow() + dt.timedelta(minutes=30),  # a phone clock far ahead
    ],
)
def test_a_stop_event_cannot_be_backdated_or_postdated(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    moment: Callable[[dt.date], dt.datetime],
) -> None:
    stop = world.round(1).stops[0]
    token = login(world.cadre)
    body = delivered(stop.parcels[0].pickup_code) | {"at": moment(world.today).isoformat()}
    response = post_event(client, token, stop.id, body, "k-when-0001")
    assert response.status_code == 422, response.get_json()
    world.fresh()
    assert stop.status is StopStatus.PENDING


def test_the_phone_time_is_kept_beside_the_server_receipt_time(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(1).stops[0]
    token = login(world.cadre)
    ahead = utcnow() + dt.timedelta(minutes=2)  # a little clock drift is fine
    body = delivered(stop.parcels[0].pickup_code) | {"at": ahead.isoformat()}
    assert post_event(client, token, stop.id, body, "k-when-0002").status_code == 201
    event = world.db.scalars(select(StopEvent).where(StopEvent.stop_id == stop.id)).one()
    occurred, received = event.occurred_at, event.created_at
    assert abs((occurred - ahead).total_seconds()) < 1
    assert received <= occurred
