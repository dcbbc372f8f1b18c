"""RELIABILITY.md 12: every logistics object route, tried by each other role, is 403 or 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from core.models import Household, Role, User
from core.timeutil import utcnow
from tests.logistics.conftest import World

AT = utcnow().isoformat()  # stop events must fall on the round's day (today)


def home_of(user: User) -> Household:
    assert user.household is not None
    return user.household


@pytest.mark.parametrize("role", [Role.VILLAGER, Role.FARMER, Role.AGENT, Role.DISPATCHER, "cadre"])
def test_other_roles_and_other_cadres_cannot_touch_a_cadres_round(
    role: Role | str,
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
) -> None:
    round_ = world.round(1)
    stop = round_.stops[0]
    intruder = make_user(Role.CADRE if role == "cadre" else Role(role), village=world.village)
    token = login(intruder)
    body = {"type": "delivered", "pickup_code": stop.parcels[0].pickup_code, "at": AT}
    headers = {"X-CSRFToken": token, "Idempotency-Key": "k-access-01"}
    event = client.post(f"/api/v1/stops/{stop.id}/events", json=body, headers=headers)
    assert event.status_code == 403
    printed = client.get(f"/cadre/rounds/{round_.id}/print")
    assert printed.status_code in (403, 404)
    if role == "cadre":
        assert client.get("/api/v1/rounds/today").get_json() == {"rounds": []}
    else:
        assert client.get("/api/v1/rounds/today").status_code == 403
        assert client.get("/cadre/today").status_code == 403


def test_pages_are_closed_to_the_wrong_roles(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    login(world.cadre)
    for path in (
        "/dispatch",
        "/station",
        "/parcels",
        "/api/v1/dispatch/board",
        "/api/v1/parcels/mine",
    ):
        assert client.get(path).status_code == 403, path
    login(world.villager)
    for path in ("/dispatch", "/station", "/cadre/today", "/api/v1/rounds/today"):
        assert client.get(path).status_code == 403, path
    assert client.get("/parcels").status_code == 200


def test_anonymous_callers_are_sent_to_sign_in(world: World, client: FlaskClient) -> None:
    assert client.get("/api/v1/rounds/today").status_code == 401
    assert client.get("/cadre/today").status_code == 302
    assert client.get("/cadre/sw.js").status_code == 200  # the worker script itself is public


def test_a_villager_sees_only_their_own_parcels_and_their_codes(
    world: World, client: FlaskClient, login: Callable[[User], str], make_user: Callable[..., User]
) -> None:
    assert world.villager.household is not None
    mine = world.parcel(world.villager.household)
    neighbour = make_user(Role.VILLAGER, village=world.village)
    assert neighbour.household is not None
    theirs = world.parcel(neighbour.household)
    login(world.villager)
    listed = client.get("/api/v1/parcels/mine").get_json()["parcels"]
    assert [p["id"] for p in listed] == [mine.id]
    assert listed[0]["pickup_code"] == mine.pickup_code
    page = client.get("/parcels").get_data(as_text=True)
    assert mine.pickup_code and theirs.tracking_no
    assert mine.pickup_code in page and theirs.tracking_no not in page


def test_a_dispatcher_sees_only_rounds_of_their_township(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
    make_village: Callable[..., object],
) -> None:
    from core.services import grant_role

    round_ = world.round(1)
    login(world.dispatcher)
    assert client.get(f"/cadre/rounds/{round_.id}/print").status_code == 200
    elsewhere = make_user(Role.VILLAGER, village=make_village())
    grant_role(
        world.db,
        user=elsewhere,
        role=Role.DISPATCHER,
        township_id=home_of(elsewhere).village.township_id,
    )
    login(elsewhere)
    assert client.get(f"/cadre/rounds/{round_.id}/print").status_code == 403


def test_an_agent_of_another_station_cannot_receive_or_hand_over_our_parcels(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Callable[..., User],
    make_village: Callable[..., object],
) -> None:
    from logistics import depot
    from logistics.models import ParcelStatus

    home = world.household(1)
    parcel = world.parcel(home, ParcelStatus.AT_TOWNSHIP_HUB)
    [batch] = depot.consolidate(world.db, township_id=world.village.township_id, day=world.today)
    other_agent = make_user(Role.AGENT, village=make_village())
    token = login(other_agent)
    client.post(
        f"/station/batches/{batch.id}/receive", data={"csrf_token": token, "parcel": parcel.id}
    )
    world.fresh()
    assert parcel.status is ParcelStatus.AT_TOWNSHIP_HUB
    assert parcel.tracking_no not in client.get("/station").get_data(as_text=True)
    shelf_parcel = world.parcel(world.household(2))
    client.post(
        f"/station/parcels/{shelf_parcel.id}/hand-over",
        data={"csrf_token": token, "pickup_code": shelf_parcel.pickup_code},
    )
    world.fresh()
    assert shelf_parcel.status is ParcelStatus.AT_VILLAGE_DEPOT
