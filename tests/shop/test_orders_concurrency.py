"""500 checkouts against a stock of 100, for real: from 32 threads through the order
service on SQLite and PostgreSQL, and from 4 processes through HTTP against a running
server (RELIABILITY.md items 1, 2, 5): nothing oversold, no 5xx, no "database is locked"."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker, transaction
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import County, Household, Role, Township, User, Village
from core.services import create_user, grant_role
from inventory import services as inventory
from payments.models import PaymentMethod
from shop.app import create_app
from shop.catalog import services as catalog
from shop.catalog.models import Category, Product, Unit
from shop.errors import ShopError
from shop.models_registry import metadata
from shop.orders import services as orders
from shop.orders.models import Delivery, Order, OrderStatus
from tests.conftest import (
    LiveServer,
    ThrowawayDatabases,
    app_config,
    password_hash_for_tests,
)

CHECKOUTS = 500
THREADS = 32
STOCK = 100
BUYERS = 50


def _people(session: Session) -> tuple[User, User, list[User]]:
    township = Township(
        county=County(name="并发县"), name="并发镇", hub_address="镇", lat=28.0, lon=112.0
    )
    village = Village(
        township=township, name="并发村", station_address="村委会", lat=28.0, lon=112.0
    )
    session.add(village)
    session.flush()

    def person(number: int, role: Role) -> User:
        household = Household(
            village=village, head_name=f"户{number}", phone="", address="1号", lat=28.0, lon=112.0
        )
        session.add(household)
        user = create_user(
            session,
            phone=f"136{number:08d}",
            name=f"人{number}",
            password_hash=password_hash_for_tests(),
            household=household,
        )
        grant_role(session, user=user, role=role, village=village)
        return user

    buyers = [person(100 + n, Role.VILLAGER) for n in range(BUYERS)]
    return person(1, Role.FARMER), person(2, Role.AGENT), buyers


def stocked_shop(factory: sessionmaker[Session]) -> tuple[list[int], list[int]]:
    """Two listed products of one farmer with STOCK each; returns (product ids, buyer ids)."""
    with transaction(factory) as session:
        farmer, agent, buyers = _people(session)
        assert farmer.household is not None
        products = []
        for title in ("鸭蛋", "香米"):
            product = catalog.create_listing(
                session,
                seller=farmer,
                data=catalog.ListingInput(
                    title, "", Category.EGGS, Unit.PIECE, 150, farmer.household.village_id
                ),
            )
            catalog.add_stock(session, seller=farmer, product_id=product.id, quantity=STOCK)
            catalog.submit_for_review(session, seller=farmer, product_id=product.id)
            catalog.approve(session, agent=agent, product_id=product.id)
            products.append(product.id)
        return products, [buyer.id for buyer in buyers]


def assert_nothing_oversold(factory: sessionmaker[Session], sold_orders: int) -> None:
    with transaction(factory) as session:
        placed = session.scalars(
            select(Order).where(Order.status == OrderStatus.PENDING_PAYMENT)
        ).all()
        assert len(placed) == sold_orders
        for product in session.scalars(select(Product)):
            left = inventory.available(session, sku=product.sku, location_id=product.location_id)
            sold = sum(
                line.quantity
                for order in placed
                for line in order.lines
                if line.product_id == product.id
            )
            assert (left, left + sold) == (0, STOCK)


@pytest.mark.slow
def test_500_threads_checkouts_never_oversell(backend: str, databases: ThrowawayDatabases) -> None:
    engine = make_engine(databases.new_url(backend), pool_size=THREADS, max_overflow=0)
    metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    product_ids, buyer_ids = stocked_shop(factory)

    def checkout(number: int) -> str:
        lines = [orders.LineInput(pid, 1) for pid in product_ids]
        random.Random(number).shuffle(lines)  # lines in either order: locks still ordered
        try:
            with transaction(factory) as session:
                buyer = session.get(User, buyer_ids[number % BUYERS])
                assert buyer is not None
                orders.place_orders(
                    session,
                    buyer=buyer,
                    placed_by=buyer,
                    lines=lines,
                    delivery=Delivery.PICKUP,
                    payment=PaymentMethod.CASH,
                )
        except ShopError as error:
            return "sold out" if error.code == "out_of_stock" else f"refused: {error.code}"
        except Exception as error:
            return f"error: {type(error).__name__}: {error}"
        return "placed"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = Counter(pool.map(checkout, range(CHECKOUTS)))
    assert outcomes == {"placed": STOCK, "sold out": CHECKOUTS - STOCK}, outcomes
    assert_nothing_oversold(factory, STOCK)
    engine.dispose()


@pytest.fixture
def http_shop(
    databases: ThrowawayDatabases,
) -> Iterator[tuple[str, Engine, list[int], list[str]]]:
    """The app served by a threaded server on a real port, over its own SQLite file."""
    flask_app = create_app(app_config(databases.new_url("sqlite")))
    state: DatabaseState = flask_app.extensions[EXTENSION_KEY]
    metadata.create_all(state.engine)
    product_ids, _ = stocked_shop(state.write_sessions)
    server = LiveServer(flask_app)
    server.start()
    yield server.url, state.engine, product_ids, [f"136{100 + n:08d}" for n in range(BUYERS)]
    server.stop()
    state.engine.dispose()


def _http_buyer(args: tuple[str, list[int], list[str], int]) -> Counter[int]:
    """One process: sign in as a few buyers and post its share of the orders."""
    url, product_ids, phones, count = args
    statuses: Counter[int] = Counter()
    sessions = []
    for phone in phones:
        client = requests.Session()
        token = client.post(
            f"{url}/api/v1/auth/login", json={"phone": phone, "password": "test-pass-2026"}
        ).json()["csrf_token"]
        client.headers["X-CSRFToken"] = token
        sessions.append(client)
    body: dict[str, Any] = {
        "lines": [{"product_id": pid, "quantity": 1} for pid in product_ids],
        "delivery": "pickup",
        "payment": "cash",
    }
    for number in range(count):
        response = sessions[number % len(sessions)].post(f"{url}/api/v1/orders", json=body)
        statuses[response.status_code] += 1
    return statuses


@pytest.mark.slow
def test_500_http_checkouts_from_4_processes_never_oversell(
    http_shop: tuple[str, Engine, list[int], list[str]],
) -> None:
    url, engine, product_ids, phones = http_shop
    shares = [(url, product_ids, phones[n::4], CHECKOUTS // 4) for n in range(4)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        statuses = sum(pool.map(_http_buyer, shares), Counter())
    assert statuses == {201: STOCK, 409: CHECKOUTS - STOCK}, statuses
    assert_nothing_oversold(make_sessionmaker(engine), STOCK)
