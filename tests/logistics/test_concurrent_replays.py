"""Replays racing each other over HTTP against a real server (RELIABILITY.md 23-24), on SQLite
and on PostgreSQL (where the stop's row lock, not a database-wide write lock, serialises them);
and racing wrong pickup codes, which get no more tries between them than the throttle allows.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from core.db import transaction
from core.demo import DEMO_PASSWORD, demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.idempotency import IdempotentRequest
from core.models import User
from core.timeutil import local_today, utcnow
from logistics.models import Round, StopEvent, StopStatus
from logistics.throttle import WRONG_CODES_PER_WINDOW
from tests.conftest import LiveServer

AT = utcnow().isoformat()  # stop events must fall on the round's day (today)


def _signed_in(base: str, phone: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    answer = http.post(
        f"{base}/api/v1/auth/login", json={"phone": phone, "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 200
    return http, answer.json()["csrf_token"]


def _pending_stops(state: DatabaseState, phone: str) -> list[tuple[int, str]]:
    """Pending stops with parcels and no produce (a failure after a delivery would otherwise
    rightly be accepted as "no produce to collect")."""
    with transaction(state.write_sessions) as session:
        cadre = session.scalars(select(User).where(User.phone == phone)).one()
        rounds = session.scalars(
            select(Round).where(Round.cadre_id == cadre.id, Round.day == local_today())
        )
        return [
            (s.id, s.parcels[0].pickup_code or "")
            for r in rounds
            for s in r.stops
            if s.status is StopStatus.PENDING and s.parcels and not s.uplinks
        ]


@pytest.mark.slow
def test_racing_replays_apply_once_and_racing_conflicts_get_409(
    live_server: LiveServer,
) -> None:
    state: DatabaseState = live_server.app.extensions[EXTENSION_KEY]
    phone = demo_phone(3, 5)
    http, token = _signed_in(live_server.url, phone)
    (first, first_code), (second, second_code), *_ = _pending_stops(state, phone)

    def post(stop_id: int, key: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = http.post(
            f"{live_server.url}/api/v1/stops/{stop_id}/events",
            json=body,
            headers={"X-CSRFToken": token, "Idempotency-Key": key},
            timeout=30,
        )
        return response.status_code, response.json()

    body = {"type": "delivered", "pickup_code": first_code, "at": AT}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(first, "race-key-0001", body), range(8)))
    assert {status for status, _ in answers} == {201}
    assert all(answer == answers[0][1] for _, answer in answers)

    delivered = {"type": "delivered", "pickup_code": second_code, "at": AT}
    failed = {"type": "failed", "reason": "not_home", "at": AT}
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(
            lambda job: post(second, *job), [("race-a-0001", delivered), ("race-b-0001", failed)]
        )
    assert sorted([a[0], b[0]]) == [201, 409]  # one wins; the other is told the stop's state
    loser = a if a[0] == 409 else b
    assert loser[1]["error"]["stop"]["status"] in ("delivered", "failed")

    with transaction(state.write_sessions) as session:
        keys = select(func.count(IdempotentRequest.id)).where(IdempotentRequest.key.like("race-%"))
        assert session.scalar(keys) == 2
        events = select(func.count(StopEvent.id)).where(StopEvent.stop_id.in_([first, second]))
        assert session.scalar(events) == 2  # the live server is shared with other journeys


@pytest.mark.slow
def test_twenty_racing_wrong_codes_get_at_most_five_looked_at(
    live_server: LiveServer,
) -> None:
    """Issue #12 item 9: the tries are counted before the code is checked, atomically."""
    state: DatabaseState = live_server.app.extensions[EXTENSION_KEY]
    phone = demo_phone(3, 6)
    http, token = _signed_in(live_server.url, phone)
    (stop_id, code), *_ = _pending_stops(state, phone)
    wrong = "000000" if code != "000000" else "111111"

    def guess(number: int) -> int:
        response = http.post(
            f"{live_server.url}/api/v1/stops/{stop_id}/events",
            json={"type": "delivered", "pickup_code": wrong, "at": AT},
            headers={"X-CSRFToken": token, "Idempotency-Key": f"guess-{number:04d}"},
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert statuses.count(422) <= WRONG_CODES_PER_WINDOW, statuses
    assert statuses.count(422) + statuses.count(429) == 20, statuses
