"""The storefront's shared cache (core/cache.py, Flask-Caching): answers are kept while
nothing changes, and dropped the moment a listing, a price or stock changes, in every process
that shares the cache; no page shows sold stock as available."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.cache import EXTENSION_KEY, PublicCache
from core.db import transaction
from core.flask_db import EXTENSION_KEY as DB_KEY
from core.flask_db import DatabaseState
from core.models import County, Household, Role, Township, User, Village
from core.services import create_user, grant_role
from shop.app import create_app
from shop.catalog import services as catalog
from shop.models_registry import metadata
from tests.conftest import (
    TEST_PASSWORD,
    ThrowawayDatabases,
    app_config,
    password_hash_for_tests,
    unavailable,
)
from tests.shop.storefront_helpers import listed_product

SHARED_REDIS = "redis://127.0.0.1:6379/13"
BUY_ONE = {"delivery": "pickup", "payment": "cash"}


def units_left(page: str, title: str) -> int:
    """The "余 N" the storefront shows on ``title``'s card."""
    card = page[page.index(title) :]
    found = re.search(r"余 (\d+)", card)
    assert found is not None, card[:400]
    return int(found.group(1))


def buy(client: FlaskClient, buyer: User, product_id: int, quantity: int = 1) -> None:
    credentials = {"phone": buyer.phone, "password": TEST_PASSWORD}
    login = client.post("/api/v1/auth/login", json=credentials)
    assert login.status_code == 200, login.get_json()
    placed = client.post(
        "/api/v1/orders",
        json={"lines": [{"product_id": product_id, "quantity": quantity}], **BUY_ONE},
        headers={"X-CSRFToken": login.get_json()["csrf_token"]},
    )
    assert placed.status_code == 201, placed.get_json()


@pytest.fixture
def village(make_village: Callable[..., Village]) -> Village:
    return make_village("桃源村")


def test_an_answer_is_kept_until_something_changes(
    app: Flask, client: FlaskClient, db: Session, make_user: Callable[..., User], village: Village
) -> None:
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=5)
    cache: PublicCache = app.extensions[EXTENSION_KEY]
    with app.test_request_context():
        before = cache.generation()
        built: list[int] = []
        for _ in range(3):
            cache.get_or_build("k", lambda: _count(built))
        assert built == [1]
    assert units_left(client.get("/products").get_data(as_text=True), product.title) == 5
    # Stock changed behind the app's back (no commit through it): the cached page stays.
    catalog.add_stock(db, seller=farmer, product_id=product.id, quantity=1)
    assert units_left(client.get("/products").get_data(as_text=True), product.title) == 5
    with app.test_request_context():
        assert cache.generation() == before


def _count(built: list[int]) -> int:
    """A page build that counts itself."""
    built.append(1)
    return len(built)


def test_a_cache_of_zero_seconds_builds_every_time(app: Flask) -> None:
    app.config["STOREFRONT_CACHE_SECONDS"] = 0
    cache: PublicCache = app.extensions[EXTENSION_KEY]
    built: list[int] = []
    with app.test_request_context():
        for _ in range(3):
            cache.get_or_build("k", lambda: _count(built))
    assert built == [1, 1, 1]


def test_buying_the_last_unit_shows_at_once(
    app: Flask, client: FlaskClient, db: Session, make_user: Callable[..., User], village: Village
) -> None:
    app.config["STOREFRONT_CACHE_SECONDS"] = 300  # only a change may drop the page
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=1)
    buyer = make_user(Role.VILLAGER, village=village)
    assert units_left(client.get("/products").get_data(as_text=True), product.title) == 1
    assert client.get(f"/api/v1/products/{product.id}").get_json()["stock"] == 1
    buy(client, buyer, product.id)
    assert units_left(client.get("/products").get_data(as_text=True), product.title) == 0
    assert client.get(f"/api/v1/products/{product.id}").get_json()["stock"] == 0


def test_a_delisted_product_leaves_the_storefront_at_once(
    app: Flask, client: FlaskClient, db: Session, make_user: Callable[..., User], village: Village
) -> None:
    app.config["STOREFRONT_CACHE_SECONDS"] = 300
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=3, title="野生菱角")
    assert "野生菱角" in client.get("/products").get_data(as_text=True)
    with app.test_request_context():  # the seller's delisting commits through the app
        session: Session = app.extensions[DB_KEY].write_sessions()
        catalog.delist(session, user=farmer, product_id=product.id)
        session.commit()
    assert "野生菱角" not in client.get("/products").get_data(as_text=True)


def test_a_rolled_back_change_keeps_the_cache(
    app: Flask, db: Session, make_user: Callable[..., User], village: Village
) -> None:
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent, stock=3)
    cache: PublicCache = app.extensions[EXTENSION_KEY]
    with app.test_request_context():
        before = cache.generation()
        session: Session = app.extensions[DB_KEY].write_sessions()
        catalog.add_stock(session, seller=farmer, product_id=product.id, quantity=2)
        session.rollback()
        session.commit()  # nothing left to announce
        assert cache.generation() == before


# --- two app instances (two gunicorn workers, two servers) sharing one Redis -------------


def _people(session: Session) -> tuple[User, User, User]:
    """A farmer, the station's agent and a villager of one new village, committed."""
    township = Township(
        county=County(name="共享县"), name="共享镇", hub_address="镇中心", lat=28.2, lon=112.9
    )
    village = Village(
        township=township, name="共享村", station_address="村委会", lat=28.21, lon=112.91
    )
    people = []
    for number, role in enumerate((Role.FARMER, Role.AGENT, Role.VILLAGER), start=1):
        household = Household(
            village=village,
            head_name="户主",
            phone=f"1370000000{number}",
            address=f"{number}号",
            lat=village.lat,
            lon=village.lon,
        )
        session.add(household)
        user = create_user(
            session,
            phone=household.phone,
            name=f"用户{number}",
            password_hash=password_hash_for_tests(),
            household=household,
        )
        grant_role(session, user=user, role=role, village=village)
        people.append(user)
    return people[0], people[1], people[2]


@pytest.fixture
def two_servers(databases: ThrowawayDatabases, backend: str) -> Iterator[tuple[Flask, Flask]]:
    try:
        redis.Redis.from_url(SHARED_REDIS).ping()
    except redis.RedisError:
        unavailable(f"Redis is not reachable at {SHARED_REDIS}")
    url = databases.new_url(backend)
    config: dict[str, Any] = {"CACHE_REDIS_URL": SHARED_REDIS, "STOREFRONT_CACHE_SECONDS": 300}
    first, second = create_app(app_config(url, **config)), create_app(app_config(url, **config))
    metadata.create_all(first.extensions[DB_KEY].engine)
    yield first, second
    for app in (first, second):
        state: DatabaseState = app.extensions[DB_KEY]
        state.engine.dispose()


def test_two_servers_sharing_redis_both_show_the_sale_at_once(
    two_servers: tuple[Flask, Flask],
) -> None:
    first, second = two_servers
    with transaction(first.extensions[DB_KEY].write_sessions) as session:
        farmer, agent, buyer = _people(session)
        product = listed_product(session, farmer, agent, stock=1, title="土鸡蛋")
        product_id = product.id
    # The first server caches the page showing the last unit (in Redis).
    assert units_left(first.test_client().get("/products").get_data(as_text=True), "土鸡蛋") == 1
    buy(second.test_client(), buyer, product_id)  # the sale goes through the other server
    for app in (first, second):
        page = app.test_client().get("/products").get_data(as_text=True)
        assert units_left(page, "土鸡蛋") == 0
