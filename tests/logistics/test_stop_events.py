"""RELIABILITY.md 23-24 through the public API: each Idempotency-Key applied once, repeats get
the first answer, conflicts are 409 with the server's state, another cadre's stop is 403."""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from core.models import Role, User
from core.timeutil import utcnow
from logistics.codes import code_hash
from logistics.models import (
    DeliveryWindow,
    ParcelStatus,
    Round,
    RoundStatus,
    StopEvent,
    StopStatus,
    UplinkStatus,
)
from logistics.planning import SERVICE_BASE_S, SERVICE_PER_PARCEL_S, SERVICE_UPLINK_S, prepare
from logistics.throttle import WRONG_CODES_PER_WINDOW
from logistics.timing import instant, local_midnight, seconds_of_day
from tests.logistics.conftest import World, plan

AT = utcnow().isoformat()  # stop events must fall on the round's day (today)


def post_event(
    client: FlaskClient, token: str, stop_id: int, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {"X-CSRFToken": token}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/stops/{stop_id}/events", json=body, headers=headers)


def delivered(code: str | None) -> dict[str, Any]:
    return {"type": "delivered", "pickup_code": code, "at": AT}


def test_fifty_confirmations_replayed_three_times_are_applied_exactly_once(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    round_ = world.round(50)
    token = login(world.cadre)
    outbox = [(str(uuid.uuid4()), s.id, delivered(s.parcels[0].pickup_code)) for s in round_.stops]
    first: dict[str, Any] = {}
    for attempt in range(3):
        for key, stop_id, body in outbox:
            response = post_event(client, token, stop_id, body, key)
            assert response.status_code == 201, response.get_json()
            assert response.headers["Idempotent-Replayed"] == ("true" if attempt else "false")
            first.setdefault(key, response.get_json())
            assert response.get_json() == first[key]  # a repeat gets the first answer
    world.fresh()
    assert world.db.scalar(select(func.count(StopEvent.id))) == 50
    assert all(s.status is StopStatus.DELIVERED for s in round_.stops)
    assert all(s.parcels[0].status is ParcelStatus.DELIVERED for s in round_.stops)
    assert round_.status is RoundStatus.COMPLETED


def test_the_same_key_with_another_body_is_refused(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(2).stops[0]
    token, key = login(world.cadre), str(uuid.uuid4())
    assert (
        post_event(client, token, stop.id, delivered(stop.parcels[0].pickup_code), key).status_code
        == 201
    )
    other = post_event(
        client, token, stop.id, {"type": "failed", "reason": "refused", "at": AT}, key
    )
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    world.fresh()
    assert stop.status is StopStatus.DELIVERED


def test_a_delivered_stop_never_reverts(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(2).stops[0]
    token = login(world.cadre)
    ok = post_event(client, token, stop.id, delivered(stop.parcels[0].pickup_code), "k-00000001")
    assert ok.status_code == 201
    late = post_event(
        client, token, stop.id, {"type": "failed", "reason": "not_home", "at": AT}, "k-00000002"
    )
    assert late.status_code == 409
    assert late.get_json()["error"]["stop"]["status"] == "delivered"
    world.fresh()
    assert stop.status is StopStatus.DELIVERED
    assert stop.parcels[0].status is ParcelStatus.DELIVERED


def test_a_stop_replanned_meanwhile_answers_409_with_the_server_state(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(3).stops[1]
    prepare(world.db, village_id=world.village.id, day=world.today)  # the dispatcher re-plans
    world.db.flush()
    token = login(world.cadre)
    response = post_event(
        client,
        token,
        stop.id,
        delivered("123456"),  # re-planning took the parcels off this stop: no code to check
        "k-replanned",
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "stop_conflict"
    assert error["stop"]["status"] == "skipped" and error["stop"]["id"] == stop.id


def test_another_cadres_stop_is_403_and_changes_nothing(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
) -> None:
    stop = world.round(1).stops[0]
    intruder = make_user(Role.CADRE, village=world.village)
    token = login(intruder)
    response = post_event(
        client, token, stop.id, delivered(stop.parcels[0].pickup_code), "k-intruder"
    )
    assert response.status_code == 403
    world.fresh()
    assert stop.status is StopStatus.PENDING


def test_wrong_code_missing_key_missing_csrf_and_unknown_fields(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(1).stops[0]
    token = login(world.cadre)
    code = stop.parcels[0].pickup_code
    wrong = "000000" if code != "000000" else "111111"
    assert post_event(client, token, stop.id, delivered(wrong), "k-wrongcode").status_code == 422
    assert post_event(client, token, stop.id, delivered(code)).status_code == 422  # no key
    no_csrf = client.post(
        f"/api/v1/stops/{stop.id}/events",
        json=delivered(code),
        headers={"Idempotency-Key": "k-nocsrf1"},
    )
    assert no_csrf.status_code == 400
    extra = delivered(code) | {"status": "delivered"}
    assert post_event(client, token, stop.id, extra, "k-extra001").status_code == 422
    naive = delivered(code) | {"at": "2026-11-23T09:30:00"}
    assert post_event(client, token, stop.id, naive, "k-naive001").status_code == 422
    assert post_event(client, token, 999_999, delivered(code), "k-nostop01").status_code == 404
    world.fresh()
    assert stop.status is StopStatus.PENDING


def test_wrong_codes_are_throttled_per_stop_but_a_signature_is_still_taken(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop, other = world.round(2).stops
    token = login(world.cadre)
    code = stop.parcels[0].pickup_code
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(WRONG_CODES_PER_WINDOW):
        response = post_event(client, token, stop.id, delivered(wrong), f"k-wrong-{attempt:03d}")
        assert response.status_code == 422
    refused = post_event(client, token, stop.id, delivered(code), "k-right-0001")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    other_code = other.parcels[0].pickup_code
    assert (
        post_event(client, token, other.id, delivered(other_code), "k-other-001").status_code == 201
    )
    signed = {"type": "delivered", "signature": "M1 1L20 20", "at": AT}
    assert post_event(client, token, stop.id, signed, "k-signed-01").status_code == 201
    world.fresh()
    assert stop.status is StopStatus.DELIVERED and stop.signature == "M1 1L20 20"


def test_signature_failure_and_collection(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    first, second, third = world.round(3, uplinks=True).stops
    token = login(world.cadre)
    signed = {"type": "delivered", "signature": "M1 1L20 20L40 5", "at": AT}
    assert post_event(client, token, first.id, signed, "k-signed01").status_code == 201
    world.fresh()
    assert first.signature == "M1 1L20 20L40 5"
    no_reason = post_event(client, token, second.id, {"type": "failed", "at": AT}, "k-noreason")
    assert no_reason.status_code == 422
    failed = {"type": "failed", "reason": "not_home", "at": AT}
    assert post_event(client, token, second.id, failed, "k-failed01").status_code == 201
    world.fresh()
    assert second.status is StopStatus.FAILED and second.failure_reason == "not_home"
    assert second.parcels[0].status is ParcelStatus.FAILED
    assert second.uplinks == []  # the produce waits for a later round
    collected = {"type": "collected", "weight_g": 12_500, "at": AT}
    assert post_event(client, token, first.id, collected, "k-collect1").status_code == 201
    world.fresh()
    assert first.uplinks[0].status is UplinkStatus.COLLECTED and first.uplinks[0].weight_g == 12_500
    assert first.status is StopStatus.DELIVERED
    assert third.status is StopStatus.PENDING
    # The third household takes its parcel but has no produce ready: the delivery stands.
    code = third.parcels[0].pickup_code
    assert post_event(client, token, third.id, delivered(code), "k-third-01").status_code == 201
    assert post_event(client, token, third.id, failed, "k-third-02").status_code == 201
    world.fresh()
    assert third.status is StopStatus.DELIVERED and third.uplinks == []
    assert third.round.status is RoundStatus.COMPLETED
    assert post_event(client, token, third.id, failed, "k-third-03").status_code == 409


def test_rounds_today_lists_only_the_callers_rounds_without_pickup_codes(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
) -> None:
    mine = world.round(2)
    other = make_user(Role.CADRE, village=world.village)
    world.round(1, cadre=other)
    login(world.cadre)
    answer = client.get("/api/v1/rounds/today").get_json()
    assert [r["id"] for r in answer["rounds"]] == [mine.id]
    stop = answer["rounds"][0]["stops"][0]
    assert set(stop) >= {"id", "sequence", "status", "eta", "household", "parcels"}
    codes = [p.pickup_code for s in mine.stops for p in s.parcels]
    assert codes and all(code and code not in str(answer) for code in codes)


def test_the_offline_code_check_carries_salted_hashes_and_never_a_code(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
) -> None:
    mine = world.round(3)
    extra = world.parcel(mine.stops[0].household)  # two parcels, two codes at one stop
    extra.stop = mine.stops[0]
    world.db.flush()
    login(world.cadre)
    answer = client.get("/api/v1/rounds/today").get_json()
    page = client.get("/cadre/today").get_data(as_text=True)
    world.fresh()
    codes = [p.pickup_code or "" for s in mine.stops for p in s.parcels]
    assert len(codes) == 4 and all(code and code not in str(answer) for code in codes)
    assert all(code not in page for code in codes)
    salts = set()
    for shown, stop in zip(answer["rounds"][0]["stops"], mine.stops, strict=True):
        check = shown["code_check"]
        salts.add(check["salt"])
        assert len(check["salt"]) == 32
        expected = sorted(code_hash(check["salt"], p.pickup_code or "") for p in stop.parcels)
        assert check["hashes"] == expected  # what the phone's WebCrypto computes
        assert f'data-code-salt="{check["salt"]}"' in page
        assert f'data-code-hashes="{" ".join(expected)}"' in page
        assert all(code not in h for h in check["hashes"] for code in codes)
    assert len(salts) == 3  # a salt per stop: one table of 10^6 hashes serves one stop only


def test_codes_refused_on_the_phone_count_toward_the_limit_once_each(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(1).stops[0]
    token = login(world.cadre)
    code = stop.parcels[0].pickup_code
    wrong = "000000" if code != "000000" else "111111"
    refused = {"type": "wrong_code", "pickup_code": wrong, "at": AT}
    for attempt in range(WRONG_CODES_PER_WINDOW - 1):
        key = f"k-offline-{attempt:03d}"
        for _replay in range(2):  # an outbox replaying after a lost answer counts once
            answer = post_event(client, token, stop.id, refused, key)
            assert answer.status_code == 201 and answer.get_json()["wrong_code"] is True
    assert post_event(client, token, stop.id, delivered(wrong), "k-online-01").status_code == 422
    assert post_event(client, token, stop.id, delivered(code), "k-right-001").status_code == 429
    assert (
        post_event(
            client, token, stop.id, {"type": "wrong_code", "at": AT}, "k-nocode1"
        ).status_code
        == 422
    )
    world.fresh()
    assert stop.status is StopStatus.PENDING


def test_a_right_code_reported_as_wrong_changes_and_counts_nothing(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    stop = world.round(1).stops[0]
    token = login(world.cadre)
    code = stop.parcels[0].pickup_code
    body = {"type": "wrong_code", "pickup_code": code, "at": AT}
    for attempt in range(WRONG_CODES_PER_WINDOW + 1):
        answer = post_event(client, token, stop.id, body, f"k-stale-{attempt:03d}")
        assert answer.status_code == 201 and answer.get_json()["wrong_code"] is False
    assert post_event(client, token, stop.id, delivered(code), "k-right-001").status_code == 201
    world.fresh()
    assert stop.status is StopStatus.DELIVERED  # the phone's refusal handed nothing over


def ahead(round_: Round) -> None:
    """The round's stops an hour from now, ten minutes apart: the cadre is not late at any
    (a late cadre's times move, see ``test_a_late_cadre_moves_the_times_still_to_come``)."""
    start = utcnow().replace(microsecond=0) + dt.timedelta(hours=1)
    for n, stop in enumerate(round_.stops):
        stop.eta = start + dt.timedelta(minutes=10 * n)
    object_session(round_).flush()  # type: ignore[union-attr]


def test_moving_a_stop_renumbers_the_round_and_deals_out_the_times_again(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    round_ = world.round(4)
    ahead(round_)
    first, second, third, fourth = round_.stops
    slots = [s.eta for s in round_.stops]
    token = login(world.cadre)
    code = first.parcels[0].pickup_code
    assert post_event(client, token, first.id, delivered(code), "k-first-001").status_code == 201
    later = {"type": "moved", "position": 4, "at": AT}
    answer = post_event(client, token, second.id, later, "k-later-001")
    assert answer.status_code == 201 and answer.get_json()["stop"]["sequence"] == 4
    world.fresh()
    assert [s.id for s in round_.stops] == [first.id, third.id, fourth.id, second.id]
    assert [s.sequence for s in round_.stops] == [1, 2, 3, 4]
    assert [s.eta for s in round_.stops] == [slots[0], *slots[1:]]  # the times stay in order
    assert second.eta == slots[3] and third.eta == slots[1]
    sooner = {"type": "moved", "position": 2, "at": AT}
    assert post_event(client, token, fourth.id, sooner, "k-first-002").status_code == 201
    world.fresh()
    assert [s.id for s in round_.stops] == [first.id, fourth.id, third.id, second.id]
    assert fourth.eta == slots[1]
    done = post_event(client, token, first.id, later, "k-done-0001")
    assert done.status_code == 409 and done.get_json()["error"]["stop"]["status"] == "delivered"
    no_position = post_event(client, token, third.id, {"type": "moved", "at": AT}, "k-nopos-01")
    assert no_position.status_code == 422


def test_a_delivered_stop_with_produce_still_to_collect_can_be_put_off_till_later(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    round_ = world.round(3, uplinks=True)
    ahead(round_)
    first, second, third = round_.stops
    slots = [s.eta for s in round_.stops]
    token = login(world.cadre)
    code = first.parcels[0].pickup_code
    assert post_event(client, token, first.id, delivered(code), "k-handed-01").status_code == 201
    later = {"type": "moved", "position": 3, "at": AT}
    answer = post_event(client, token, first.id, later, "k-produce-1")
    assert answer.status_code == 201, answer.get_json()
    world.fresh()
    assert [s.id for s in round_.stops] == [second.id, third.id, first.id]
    assert first.status is StopStatus.DELIVERED and first.eta == slots[2]  # its produce later
    assert second.eta == slots[0]


def _photo_base64() -> str:
    picture = Image.new("RGB", (640, 480), (30, 120, 60))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_neighbour_takes_the_parcels_with_a_photo_as_proof(
    world: World,
    app: Flask,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    app.config["PHOTO_DIR"] = str(tmp_path)
    stop, other = world.round(2).stops
    token = login(world.cadre)
    photo = {"type": "delivered", "photo": _photo_base64(), "handed_to": "隔壁王婶", "at": AT}
    answer = post_event(client, token, stop.id, photo, "k-photo-001")
    assert answer.status_code == 201, answer.get_json()
    url = answer.get_json()["stop"]["photo_url"]
    assert answer.get_json()["stop"]["handed_to"] == "隔壁王婶"
    world.fresh()
    assert stop.status is StopStatus.DELIVERED and stop.photo and stop.handed_to == "隔壁王婶"
    assert (tmp_path / f"{stop.photo}.jpg").exists()  # stored like listing photos
    shown = client.get(url)
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert "private" in shown.headers["Cache-Control"]
    broken = {"type": "delivered", "photo": "A" * 100, "handed_to": "王婶", "at": AT}
    assert post_event(client, token, other.id, broken, "k-photo-002").status_code == 422
    login(make_user(Role.CADRE, village=world.village))
    assert client.get(url).status_code == 403


def test_work_recorded_offline_on_a_round_planned_again_follows_the_household(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    """Issue 11: the phone had the round, the server still had it as not started, and the
    dispatcher planned the village again meanwhile. The delivery (and the produce collected)
    uploaded for the old stop apply to the household's stop in the new plan, once each; a
    parcel that reached the station after the first plan was not on the bike and stays."""
    homes = [world.household(n) for n in range(1, 4)]
    for home in homes:
        world.parcel(home)
    world.uplink(homes[1])
    [old_round] = plan(world)
    old = next(s for s in old_round.stops if s.household_id == homes[1].id)
    carried = old.parcels[0]
    code = carried.pickup_code
    late = world.parcel(homes[1])  # reached the station after the first plan
    [new_round] = plan(world)  # the dispatcher re-plans before the phone uploads
    new = next(s for s in new_round.stops if s.household_id == homes[1].id)
    assert old.status is StopStatus.SKIPPED and set(new.parcels) == {carried, late}
    token = login(world.cadre)
    answer = post_event(client, token, old.id, delivered(code), "k-offline-delivered")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["stop"]["id"] == new.id
    collected = {"type": "collected", "weight_g": 9_000, "at": AT}
    assert post_event(client, token, old.id, collected, "k-offline-collected").status_code == 201
    again = post_event(client, token, old.id, delivered(code), "k-offline-delivered")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == answer.get_json()
    world.fresh()
    assert new.status is StopStatus.DELIVERED and new_round.status is RoundStatus.STARTED
    assert carried.status is ParcelStatus.DELIVERED and carried.stop is new
    assert late.status is ParcelStatus.AT_VILLAGE_DEPOT and late.stop is None
    assert [u.status for u in new.uplinks] == [UplinkStatus.COLLECTED]
    assert new.collected_weight_g == 9_000
    events = world.db.scalars(select(StopEvent)).all()
    assert sorted(e.type for e in events) == ["collected", "delivered"]
    assert {e.stop_id for e in events} == {new.id}


def test_work_on_a_household_planned_again_for_another_cadre_is_refused_in_words(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
) -> None:
    """Only when the household went to another cadre's round is the result refused: 409
    with a message the phone shows, and nothing changes."""
    for number in range(1, 3):
        world.parcel(world.household(number))
    [old_round] = plan(world)
    old = old_round.stops[0]
    other = make_user(Role.CADRE, village=world.village, name="李干部")
    world.vehicle.cadre_id = other.id  # the e-bike is another cadre's now
    world.db.flush()
    [new_round] = plan(world)
    assert new_round.cadre_id == other.id
    token = login(world.cadre)
    failed = {"type": "failed", "reason": "not_home", "at": AT}
    answer = post_event(client, token, old.id, failed, "k-reassigned")
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "stop_reassigned"
    assert error["message"] == (
        f"重新规划后{old.household.head_name}家改由李干部配送，这条结果没有记上，请告诉调度员"
    )
    world.fresh()
    assert {s.status for s in new_round.stops} == {StopStatus.PENDING}
    assert new_round.status is RoundStatus.PLANNED
    assert world.db.scalar(select(func.count(StopEvent.id))) == 0


def test_a_late_cadre_moves_the_times_still_to_come(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    """Issue 11: a round that set off late (or a stop that took longer) kept its planned
    times: the households' 预计到站 and the board's return time were wrong all morning."""
    round_ = world.round(3, uplinks=True)
    first, second, third = round_.stops
    now = utcnow().replace(microsecond=0)
    for n, stop in enumerate(round_.stops):
        stop.eta = now - dt.timedelta(minutes=30 - 10 * n)  # 30, 20 and 10 minutes ago
    round_.return_at = instant(world.today, 9 * 3600)  # back within the morning shift
    world.db.flush()
    planned = {s.id: s.eta for s in round_.stops}
    token = login(world.cadre)
    at = {"at": now.isoformat()}
    code = first.parcels[0].pickup_code
    assert (
        post_event(client, token, first.id, delivered(code) | at, "k-late-0001").status_code == 201
    )
    collected = {"type": "collected", "weight_g": 8_000} | at  # the same visit: no more delay
    assert post_event(client, token, first.id, collected, "k-late-0003").status_code == 201
    service = SERVICE_BASE_S + SERVICE_PER_PARCEL_S + SERVICE_UPLINK_S
    late = dt.timedelta(minutes=30, seconds=-service)
    world.fresh()
    assert first.eta == planned[first.id]  # served: its time is history
    assert second.eta == planned[second.id] + late and third.eta == planned[third.id] + late
    assert round_.delay_s == late.total_seconds()
    assert round_.expected_return == instant(world.today, 9 * 3600) + late
    assert round_.return_at == instant(world.today, 9 * 3600)  # the plan, for on-time figures
    today = client.get("/api/v1/rounds/today").get_json()["rounds"][0]
    assert dt.datetime.fromisoformat(today["expected_return"]) == round_.expected_return
    # Served ahead of the time it now has: nothing moves back.
    code = second.parcels[0].pickup_code
    assert (
        post_event(client, token, second.id, delivered(code) | at, "k-late-0002").status_code == 201
    )
    world.fresh()
    assert third.eta == planned[third.id] + late and round_.delay_s == late.total_seconds()
    # The cadre's next trip is planned from the expected return, not the planned one.
    world.parcel(world.household(9))
    work = prepare(
        world.db, village_id=world.village.id, day=world.today, now=local_midnight(world.today)
    )
    assert work is not None
    expected = seconds_of_day(world.today, round_.expected_return)
    assert work.problem.vehicles[0].shift.start == expected


def test_a_household_the_new_plan_left_out_keeps_what_the_cadre_did_there(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    """Planned again, the household was left out (its new window is after the cadre's
    shift), but the cadre had already handed its parcel over: the delivery stands, on a stop
    put at the end of the cadre's round in the new plan."""
    homes = [world.household(n) for n in range(1, 3)]
    for home in homes:
        world.parcel(home)
    [old_round] = plan(world)
    old = next(s for s in old_round.stops if s.household_id == homes[1].id)
    carried = old.parcels[0]
    window = DeliveryWindow(household_id=homes[1].id, start_minute=20 * 60, end_minute=21 * 60)
    world.db.add(window)
    world.db.flush()
    [new_round] = plan(world)
    assert [s.household_id for s in new_round.stops] == [homes[0].id]
    token = login(world.cadre)
    answer = post_event(client, token, old.id, delivered(carried.pickup_code), "k-left-out-1")
    assert answer.status_code == 201, answer.get_json()
    world.fresh()
    [kept, taken] = new_round.stops
    assert answer.get_json()["stop"]["id"] == taken.id and taken.household_id == homes[1].id
    assert taken.sequence == 2 and taken.status is StopStatus.DELIVERED
    assert carried.status is ParcelStatus.DELIVERED and carried.stop is taken
    assert new_round.status is RoundStatus.STARTED and kept.status is StopStatus.PENDING
    assert new_round.delay_s == 0  # served when the phone says: nobody else is later for it
