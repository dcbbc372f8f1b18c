"""Eight copies of one order, same Idempotency-Key, sent at once (a phone's retries racing
the first attempt) on a database that really commits: one order, eight identical answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.db import transaction
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import County, Household, Role, Township, User, Village
from core.services import create_user, grant_role
from shop.app import create_app
from shop.models_registry import metadata
from shop.orders.handlers import connect_handlers
from shop.orders.models import Order
from tests.conftest import (
    TEST_PASSWORD,
    ThrowawayDatabases,
    app_config,
    password_hash_for_tests,
    phone_of,
)
from tests.shop.storefront_helpers import listed_product


def _person(session: Any, village: Village, phone: str, role: Role) -> User:
    household = Household(
        village=village, head_name="住户", phone=phone, address="1号", lat=28.2, lon=112.9
    )
    session.add(household)
    user = create_user(
        session,
        phone=phone,
        name="住户",
        password_hash=password_hash_for_tests(),
        household=household,
    )
    grant_role(session, user=user, role=role, village=village)
    return user


@pytest.fixture
def shop(backend: str, databases: ThrowawayDatabases) -> Iterator[tuple[Flask, int, str]]:
    connect_handlers()
    flask_app = create_app(app_config(databases.new_url(backend)))
    state: DatabaseState = flask_app.extensions[EXTENSION_KEY]
    metadata.create_all(state.engine)
    with transaction(state.write_sessions) as session:
        township = Township(
            county=County(name="竞速县"), name="竞速镇", hub_address="镇", lat=28.2, lon=112.9
        )
        village = Village(
            township=township, name="竞速村", station_address="村委会", lat=28.2, lon=112.9
        )
        session.add(village)
        session.flush()
        farmer = _person(session, village, "13700000001", Role.FARMER)
        agent = _person(session, village, "13700000002", Role.AGENT)
        buyer = _person(session, village, "13700000003", Role.VILLAGER)
        product_id = listed_product(session, farmer, agent, stock=10).id
    yield flask_app, product_id, phone_of(buyer)
    state.engine.dispose()


def test_racing_copies_of_one_order_make_one_order(shop: tuple[Flask, int, str]) -> None:
    flask_app, product_id, phone = shop
    body = {"lines": [{"product_id": product_id, "quantity": 3}], "delivery": "pickup"}
    body["payment"] = "cash"
    key = str(uuid.uuid4())
    clients = []
    for _ in range(8):
        client = flask_app.test_client()
        signed = client.post("/api/v1/auth/login", json={"phone": phone, "password": TEST_PASSWORD})
        assert signed.status_code == 200
        clients.append((client, signed.get_json()["csrf_token"]))

    def send(pair: tuple[Any, str]) -> tuple[int, Any]:
        client, token = pair
        headers = {"X-CSRFToken": token, "Idempotency-Key": key}
        response = client.post("/api/v1/orders", json=body, headers=headers)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, clients))
    assert {status for status, _ in answers} == {201}, answers
    assert len({answer["id"] for _, answer in answers}) == 1
    state: DatabaseState = flask_app.extensions[EXTENSION_KEY]
    with transaction(state.read_sessions) as session:
        assert session.scalar(select(func.count(Order.id))) == 1
    product = flask_app.test_client().get(f"/api/v1/products/{product_id}").get_json()
    assert product["stock"] == 7, "the stock was taken once"
