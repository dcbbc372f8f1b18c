"""Suppliers list through the same review, pages stay small, assisted orders record the
agent, the hold-expiry command and the demo storefront (the cache: test_storefront_cache.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import accounts
from core.accounts import HouseholdInput
from core.models import Role, User, Village
from core.timeutil import utcnow
from inventory import services as inventory
from payments.models import PaymentMethod
from shop.catalog import services as catalog
from shop.catalog.models import Category, ListingStatus, Product, Unit
from shop.orders import services as orders
from shop.orders.models import Delivery, Order
from tests.conftest import LiveServer, phone_of
from tests.shop.storefront_helpers import listed_product, png_bytes


@pytest.fixture
def village(make_village: Callable[..., Village]) -> Village:
    return make_village()


def test_a_supplier_lists_fertiliser_through_the_same_review(
    db: Session, make_user: Callable[..., User], village: Village
) -> None:
    supplier = make_user(Role.SUPPLIER, village=village)
    agent = make_user(Role.AGENT, village=village)
    product = catalog.create_listing(
        db,
        seller=supplier,
        data=catalog.ListingInput(
            "复合肥 45% 50公斤", "厂家直供", Category.FERTILISER, Unit.BAG, 15000, village.id
        ),
    )
    catalog.submit_for_review(db, seller=supplier, product_id=product.id)
    assert catalog.review_queue(db, agent=agent) == [product]
    catalog.approve(db, agent=agent, product_id=product.id)
    assert catalog.browse(db, category=Category.FERTILISER).items == [product]
    with pytest.raises(Exception, match="只有农户或供货商"):
        catalog.create_listing(
            db,
            seller=agent,
            data=catalog.ListingInput("x", "", Category.DAILY, Unit.PIECE, 100, village.id),
        )


def test_storefront_pages_through_results_and_stays_small(
    client: FlaskClient, db: Session, make_user: Callable[..., User], village: Village
) -> None:
    farmer = make_user(Role.FARMER, village=village)
    agent = make_user(Role.AGENT, village=village)
    for number in range(25):
        listed_product(db, farmer, agent, title=f"咸鸭蛋{number:02d}", stock=5)
    first = client.get("/products?q=咸鸭蛋")
    text = first.get_data(as_text=True)
    assert "共 25 件商品" in text and "1 / 2" in text and "咸鸭蛋24" in text
    assert len(first.data) < 200 * 1024
    second = client.get("/products?q=咸鸭蛋&page=2").get_data(as_text=True)
    assert "咸鸭蛋00" in second and "咸鸭蛋24" not in second
    api = client.get(f"/api/v1/products?village={village.id}&page=2").get_json()
    assert (api["page"], api["pages"], len(api["items"])) == (2, 2, 5)
    assert client.get("/api/v1/products?page=0").status_code == 422
    assert client.get("/api/v1/products?category=guns").status_code == 422


@pytest.fixture
def counter(make_user: Callable[..., User], village: Village) -> tuple[User, User, User]:
    """A station's farmer, its agent at the counter and 刘奶奶, a villager of the station."""
    farmer = make_user(Role.FARMER, village=village)
    agent = make_user(Role.AGENT, village=village)
    return farmer, agent, make_user(Role.VILLAGER, village=village, name="刘奶奶")


def test_the_agent_orders_for_a_villager_found_by_phone_and_prints_a_receipt(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    counter: tuple[User, User, User],
    login: Callable[[User], str],
) -> None:
    farmer, agent, grandma = counter
    stranger = make_user(Role.VILLAGER)  # another station's villager
    product = listed_product(db, farmer, agent)
    assert orders.find_villagers(db, agent=agent, query=phone_of(grandma)[-6:]) == [grandma]
    assert orders.find_villagers(db, agent=agent, query="刘奶") == [grandma]
    assert orders.find_villagers(db, agent=agent, query=phone_of(stranger)) == []
    token = login(agent)
    response = client.post(
        f"/station/assisted/{grandma.id}",
        headers={"X-CSRFToken": token},
        data={f"qty-{product.id}": "2", "delivery": "pickup"},
    )
    assert response.status_code == 302
    order = db.scalar(select(Order).where(Order.buyer_id == grandma.id))
    assert order is not None and (order.placed_by_id, order.total_fen) == (agent.id, 900)
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "刘奶奶" in receipt and "代下单" in receipt and "¥9.00" in receipt


def test_the_counter_lists_the_stations_villagers_and_products_before_anything_is_typed(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    counter: tuple[User, User, User],
    login: Callable[[User], str],
) -> None:
    """An empty search at the counter shows what there is to pick, not a blank page."""
    farmer, agent, grandma = counter
    make_user(Role.VILLAGER, name="外村人")  # another station's villager
    listed_product(db, farmer, agent, title="土鸡蛋")
    login(agent)
    for url in ("/station/assisted", "/station/assisted?q=+"):
        page = client.get(url).get_data(as_text=True)
        assert "刘奶奶" in page and "外村人" not in page and "本站的村民如下" in page
    picked = client.get(f"/station/assisted?villager={grandma.id}").get_data(as_text=True)
    assert "土鸡蛋" in picked and "最新上架的商品如下" in picked


def test_the_agent_orders_for_a_villager_without_a_phone(
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    village: Village,
    login: Callable[[User], str],
) -> None:
    """Registered without a phone, found by name, ordered for, the code on the printed slip."""
    farmer = make_user(Role.FARMER, village=village)
    agent = make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent)
    home = HouseholdInput(name="孙奶奶", phone="", lane="后山 2 号")
    grandma = accounts.register_household(db, agent=agent, data=home).user
    assert grandma.phone is None
    assert orders.find_villagers(db, agent=agent, query="孙奶") == [grandma]
    token = login(agent)
    placed = client.post(
        f"/station/assisted/{grandma.id}",
        headers={"X-CSRFToken": token},
        data={f"qty-{product.id}": "1", "delivery": "pickup"},
    )
    assert placed.status_code == 302
    order = db.scalar(select(Order).where(Order.buyer_id == grandma.id))
    assert order is not None and order.pickup_code
    slip = client.get(placed.headers["Location"]).get_data(as_text=True)
    assert "买家：孙奶奶" in slip and order.pickup_code in slip and "None" not in slip


def test_the_release_expired_command_frees_lapsed_holds(
    app: Flask, db: Session, make_user: Callable[..., User], village: Village
) -> None:
    product = listed_product(
        db, make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village), stock=4
    )
    buyer = make_user(Role.VILLAGER, village=village)
    orders.set_cart_quantity(db, user=buyer, product_id=product.id, quantity=4)
    orders.hold_cart(db, user=buyer, now=utcnow() - dt.timedelta(minutes=16))
    # the hold took half of the 4 (a hold never takes a product whole)
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 2
    result = app.test_cli_runner().invoke(args=["inventory", "release-expired"])
    assert "released 1 expired holds" in result.output
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 4


def test_the_demo_storefront(live_server: LiveServer) -> None:
    with live_server.app.extensions["cunzhan.db"].read_sessions() as session:
        counts = dict(
            session.execute(select(Product.status, func.count()).group_by(Product.status)).all()
        )
        assert counts[ListingStatus.LISTED] >= 50 and counts[ListingStatus.PENDING_REVIEW] >= 7
        assert session.scalar(select(func.count()).select_from(Order)) >= 6
        cash_orders = session.scalars(
            select(Order).where(
                Order.payment_method == PaymentMethod.CASH, Order.delivery == Delivery.PICKUP
            )
        ).all()
        assert len(cash_orders) >= 6


def test_photos_of_listed_products_are_public_and_pending_ones_private(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_user: Callable[..., User],
    village: Village,
    login: Callable[[User], str],
    tmp_path: Path,
) -> None:
    app.config["PHOTO_DIR"] = str(tmp_path)
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    product = listed_product(db, farmer, agent)
    photo = catalog.add_photo(
        db, seller=farmer, product_id=product.id, directory=tmp_path, data=png_bytes()
    )
    public = client.get(f"/photos/{photo.name}")
    assert public.status_code == 200 and public.mimetype == "image/jpeg"
    assert "public" in public.headers["Cache-Control"]
    catalog.delist(db, user=farmer, product_id=product.id)
    assert client.get(f"/photos/{photo.name}/thumb").status_code == 404
    login(farmer)
    private = client.get(f"/photos/{photo.name}/thumb")
    assert private.status_code == 200 and "no-store" in private.headers["Cache-Control"]
    assert client.get("/photos/not-a-photo-name").status_code == 404
