"""The dispatcher's intake calls of the API: one parcel, or a manifest that is all or nothing."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.models import User
from logistics.models import Parcel
from tests.logistics.conftest import World

HEADER = "tracking_no,courier,recipient_name,recipient_phone,weight_g\n"


def test_register_a_parcel_through_the_api(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    home = world.household(1)
    token = login(world.dispatcher)
    body = {
        "courier": "EMS",
        "tracking_no": "EMS00000001",
        "recipient_name": "住户1",
        "recipient_phone": home.phone,
        "weight_g": 900,
    }
    created = client.post("/api/v1/parcels", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["household_id"] == home.id
    assert created.get_json()["status"] == "at_township_hub"
    again = client.post("/api/v1/parcels", json=body, headers={"X-CSRFToken": token})
    assert again.status_code == 409
    owner = client.post(
        "/api/v1/parcels", json=body | {"household_id": 1}, headers={"X-CSRFToken": token}
    )
    assert owner.status_code == 422  # unknown fields are refused, not ignored
    heavy = client.post(
        "/api/v1/parcels",
        json=body | {"tracking_no": "EMS00000002", "weight_g": 2.5},
        headers={"X-CSRFToken": token},
    )
    assert heavy.status_code == 422  # integers are strict


def test_a_manifest_through_the_api_names_its_bad_lines(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    token = login(world.dispatcher)
    bad = HEADER + "SF0000000001,SF,王,13600000001,100\nSF0000000002,SF,王,13600000001,0\n"
    answer = client.post(
        "/api/v1/parcels/import", json={"csv": bad}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "manifest_rejected" and list(error["fields"]) == ["3"]
    world.fresh()
    assert world.db.scalar(select(func.count(Parcel.id))) == 0
    good = client.post(
        "/api/v1/parcels/import",
        json={"csv": bad.replace(",0\n", ",50\n")},
        headers={"X-CSRFToken": token},
    )
    assert good.status_code == 201 and good.get_json() == {"imported": 2, "unmatched": 2}


def test_intake_is_for_dispatchers_only(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    token = login(world.agent)
    answer = client.post(
        "/api/v1/parcels/import", json={"csv": HEADER}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 403
