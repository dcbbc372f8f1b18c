"""A write committed whose answer is lost, then retried with the same Idempotency-Key, is
applied once: orders and pledges through the API, and through the pages' forms.

"The worker is killed between the commit and the answer" is simulated in-process: the code
that renders the answer raises once, after the commit, so the client gets no 201."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.idempotency import IdempotentRequest, purge_expired
from core.models import Role, User, Village
from core.timeutil import utcnow
from shop.groupbuys import api as groupbuys_api
from shop.groupbuys.models import Pledge
from shop.orders import api as orders_api
from shop.orders.handlers import connect_handlers
from shop.orders.models import Order
from tests.shop.groupbuys.conftest import campaign_in
from tests.shop.storefront_helpers import listed_product


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()


@pytest.fixture
def village(make_village: Callable[..., Village]) -> Village:
    return make_village()


@pytest.fixture
def agent(make_user: Callable[..., User], village: Village) -> User:
    return make_user(Role.AGENT, village=village, name="李代办")


@pytest.fixture
def buyer(make_user: Callable[..., User], village: Village) -> User:
    return make_user(Role.VILLAGER, village=village, name="张村民")


def lose_the_answer_once(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    """The first answer rendered after the commit is lost (the worker died there)."""
    render = getattr(module, name)
    calls = iter(range(1_000))

    def dying(*args: Any) -> Any:
        if next(calls) == 0:
            raise ConnectionAbortedError("worker killed between commit and answer")
        return render(*args)

    monkeypatch.setattr(module, name, dying)


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count(model.id))) or 0)


def test_an_order_whose_answer_was_lost_is_not_made_twice_by_the_retry(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    agent: User,
    buyer: User,
    village: Village,
    login: Callable[[User], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    product = listed_product(db, make_user(Role.FARMER, village=village), agent, stock=5)
    key = str(uuid.uuid4())
    headers = {"X-CSRFToken": login(buyer), "Idempotency-Key": key}
    body = {"lines": [{"product_id": product.id, "quantity": 2}], "delivery": "pickup"}
    body["payment"] = "cash"
    lose_the_answer_once(monkeypatch, orders_api, "order_payload")

    lost = client.post("/api/v1/orders", json=body, headers=headers)
    assert lost.status_code == 500  # committed, but the phone never heard
    assert count(db, Order) == 1

    retried = client.post("/api/v1/orders", json=body, headers=headers)
    assert retried.status_code == 201, retried.get_json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert count(db, Order) == 1
    order = retried.get_json()
    assert (order["total_fen"], order["status"]) == (900, "pending_payment")
    again = client.post("/api/v1/orders", json=body, headers=headers)
    assert again.get_json() == order

    other = {**body, "lines": [{"product_id": product.id, "quantity": 1}]}
    reused = client.post("/api/v1/orders", json=other, headers=headers)
    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(db, Order) == 1

    fresh = client.post(
        "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": "k" * 8}
    )
    assert fresh.status_code == 201 and fresh.headers["Idempotent-Replayed"] == "false"
    assert count(db, Order) == 2


def test_keys_expire_after_a_day(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    agent: User,
    buyer: User,
    village: Village,
    login: Callable[[User], str],
) -> None:
    product = listed_product(db, make_user(Role.FARMER, village=village), agent, stock=5)
    headers = {"X-CSRFToken": login(buyer), "Idempotency-Key": str(uuid.uuid4())}
    body = {"lines": [{"product_id": product.id, "quantity": 1}], "delivery": "pickup"}
    body["payment"] = "cash"
    assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
    stored = db.scalar(select(IdempotentRequest))
    assert stored is not None
    assert dt.timedelta(hours=23) < stored.expires_at - utcnow() <= dt.timedelta(days=1)

    db.execute(update(IdempotentRequest).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
    assert count(db, Order) == 2  # an expired key is a new request
    db.execute(update(IdempotentRequest).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert purge_expired(db) == 1 and count(db, IdempotentRequest) == 0


def test_a_pledge_whose_answer_was_lost_is_not_made_twice(
    client: FlaskClient,
    db: Session,
    agent: User,
    buyer: User,
    village: Village,
    login: Callable[[User], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    campaign = campaign_in(db, agent=agent, village_id=village.id)
    headers = {"X-CSRFToken": login(buyer), "Idempotency-Key": str(uuid.uuid4())}
    url, body = f"/api/v1/group-buys/{campaign.id}/pledges", {"quantity": 3, "payment": "cash"}
    lose_the_answer_once(monkeypatch, groupbuys_api, "pledge_payload")

    assert client.post(url, json=body, headers=headers).status_code == 500
    retried = client.post(url, json=body, headers=headers)
    assert retried.status_code == 201, retried.get_json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_json()["quantity"] == 3
    assert count(db, Pledge) == 1
    reused = client.post(url, json={**body, "quantity": 4}, headers=headers)
    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"


def _form_key(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found, "the form carries a key made when it was rendered"
    return found.group(1)


def test_the_checkout_form_sent_twice_orders_once(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    agent: User,
    buyer: User,
    village: Village,
    login: Callable[[User], str],
) -> None:
    product = listed_product(db, make_user(Role.FARMER, village=village), agent, stock=5)
    token = login(buyer)
    form = {"csrf_token": token}
    client.post("/cart/add", data={**form, "product_id": product.id, "quantity": 2})
    assert client.post("/cart/checkout", data=form).status_code == 302
    page = client.get("/checkout").get_data(as_text=True)
    sent = {**form, "delivery": "pickup", "payment": "cash", "idempotency_key": _form_key(page)}
    first = client.post("/checkout", data=sent)
    second = client.post("/checkout", data=sent)  # the tap repeated over a weak signal
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Order) == 1
    assert uuid.UUID(sent["idempotency_key"])  # made fresh for each rendered form


def test_the_pledge_form_sent_twice_pledges_once(
    client: FlaskClient,
    db: Session,
    agent: User,
    buyer: User,
    village: Village,
    login: Callable[[User], str],
) -> None:
    campaign = campaign_in(db, agent=agent, village_id=village.id)
    token = login(buyer)
    page = client.get(f"/group-buys/{campaign.id}").get_data(as_text=True)
    sent = {"csrf_token": token, "quantity": 2, "payment": "cash"}
    sent["idempotency_key"] = _form_key(page)
    for _ in range(2):
        response = client.post(f"/group-buys/{campaign.id}/pledge", data=sent)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/group-buys/{campaign.id}")
    assert count(db, Pledge) == 1


def test_the_openapi_document_describes_the_key(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/v1/orders", "/api/v1/group-buys/{campaign_id}/pledges"):
        post = paths[path]["post"]
        headers = {p["name"]: p for p in post["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in headers, path
        assert not headers["Idempotency-Key"].get("required")
        assert "expire" in headers["Idempotency-Key"]["description"]
        assert "409" in post["responses"]
    stop_events = paths["/api/v1/stops/{stop_id}/events"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in stop_events["parameters"])
