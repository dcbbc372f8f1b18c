"""Issue #12 item 2: one household cannot lock a product away from everyone by checking out
its whole stock over and over. A checkout holds at most HOLD_MAX_UNITS of each product and
half of what is left, and checking out again never pushes the hold's end later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from core.timeutil import utcnow
from inventory import services as inventory
from shop.orders import services as orders
from shop.orders.handlers import connect_handlers
from tests.shop.storefront_helpers import listed_product


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()


@pytest.fixture
def village(make_village: Callable[..., Village]) -> Village:
    return make_village()


def _villagers(make_user: Callable[..., User], village: Village, count: int) -> list[User]:
    return [make_user(Role.VILLAGER, village=village) for _ in range(count)]


def test_a_whole_stock_cart_does_not_lock_out_other_households(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    login: Callable[[User], str],
    village: Village,
) -> None:
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=119)
    hoarder, neighbour = _villagers(make_user, village, 2)
    headers = {"X-CSRFToken": login(hoarder)}
    put = client.put(f"/api/v1/cart/items/{product.id}", json={"quantity": 119}, headers=headers)
    assert put.status_code == 200, put.get_json()
    assert client.post("/api/v1/cart/checkout", headers=headers).status_code == 200
    assert client.post("/api/v1/cart/checkout", headers=headers).status_code == 200  # renews
    left = inventory.available(db, sku=product.sku, location_id=product.location_id)
    assert left == 119 - orders.HOLD_MAX_UNITS

    headers = {"X-CSRFToken": login(neighbour)}
    client.put(f"/api/v1/cart/items/{product.id}", json={"quantity": 3}, headers=headers)
    assert client.post("/api/v1/cart/checkout", headers=headers).status_code == 200
    placed = client.post(
        "/api/v1/orders",
        json={
            "lines": [{"product_id": product.id, "quantity": 3}],
            "delivery": "pickup",
            "payment": "cash",
        },
        headers=headers,
    )
    assert placed.status_code == 201, placed.get_json()


def test_a_hold_takes_at_most_half_of_what_is_left(
    db: Session, make_user: Callable[..., User], village: Village
) -> None:
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=8)
    first, second = _villagers(make_user, village, 2)
    orders.set_cart_quantity(db, user=first, product_id=product.id, quantity=8)
    orders.set_cart_quantity(db, user=second, product_id=product.id, quantity=4)
    orders.hold_cart(db, user=first)
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 4
    orders.hold_cart(db, user=second)
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 2


def test_checking_out_again_keeps_the_end_of_the_hold(
    db: Session, make_user: Callable[..., User], village: Village
) -> None:
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=5)
    (buyer,) = _villagers(make_user, village, 1)
    orders.set_cart_quantity(db, user=buyer, product_id=product.id, quantity=2)
    start = utcnow()
    first_end = orders.hold_cart(db, user=buyer, now=start)
    renewed = orders.hold_cart(db, user=buyer, now=start + dt.timedelta(minutes=14))
    assert renewed == first_end == start + dt.timedelta(minutes=orders.HOLD_MINUTES)
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 3
