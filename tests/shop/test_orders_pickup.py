"""Orders collected at the buyer's own station: how the goods come and when, the pickup
code, cash taken at the counter after packing, door orders on the cadre's round, listings
edited after review, and a visitor's cart kept through signing in (both databases)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from core.models import Role, User, Village
from core.services import grant_role
from core.timeutil import local_today
from logistics import planning
from logistics.errors import WrongPickupCode
from logistics.models import Parcel, PlanStatus, Vehicle
from logistics.timing import instant
from payments.models import PaymentMethod, PaymentStatus
from payments.services import payment_for
from shop.catalog import services as catalog
from shop.catalog.models import Category, ListingStatus, Unit
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.handlers import connect_handlers
from shop.orders.models import Delivery, Order, OrderStatus, Route
from tests.conftest import TEST_PASSWORD
from tests.shop.storefront_helpers import listed_product

FAST = routing.SolveOptions(seconds=0.5, workers=1)


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()


@pytest.fixture
def places(db: Session, make_village: Callable[..., Village]) -> dict[str, Village]:
    """Three villages of one township: the buyer's, a neighbour sharing its cadre, and one
    reached only through the hub."""
    home = make_village("桃源村")
    near, far = (
        Village(
            township_id=home.township_id,
            name=name,
            station_address=f"{name}村委会",
            lat=lat,
            lon=112.91,
        )
        for name, lat in (("竹林村", 28.22), ("柳溪村", 28.25))
    )
    db.add_all([near, far])
    db.flush()
    return {"home": home, "near": near, "far": far}


@pytest.fixture
def people(
    make_user: Callable[..., User], places: dict[str, Village], db: Session
) -> dict[str, User]:
    cadre = make_user(Role.CADRE, village=places["home"], name="赵干部")
    grant_role(db, user=cadre, role=Role.CADRE, village=places["near"])
    db.add(Vehicle(name="电动车", cadre_id=cadre.id, capacity_g=150_000, capacity_parcels=40))
    db.flush()
    return {
        "villager": make_user(Role.VILLAGER, village=places["home"], name="张村民"),
        "home_farmer": make_user(Role.FARMER, village=places["home"], name="本村农户"),
        "near_farmer": make_user(Role.FARMER, village=places["near"], name="竹林农户"),
        "far_farmer": make_user(Role.FARMER, village=places["far"], name="柳溪农户"),
        "home_agent": make_user(Role.AGENT, village=places["home"], name="桃源代办"),
        "near_agent": make_user(Role.AGENT, village=places["near"], name="竹林代办"),
        "far_agent": make_user(Role.AGENT, village=places["far"], name="柳溪代办"),
        "cadre": cadre,
    }


def _product(db: Session, people: dict[str, User], where: str, title: str = "香米") -> int:
    farmer, agent = people[f"{where}_farmer"], people[f"{where}_agent"]
    return listed_product(db, farmer, agent, title=title).id


def _place(
    db: Session,
    buyer: User,
    product_ids: list[int],
    *,
    delivery: Delivery = Delivery.PICKUP,
    placed_by: User | None = None,
) -> list[Order]:
    return orders.place_orders(
        db,
        buyer=buyer,
        placed_by=placed_by or buyer,
        lines=[orders.LineInput(pid, 1) for pid in product_ids],
        delivery=delivery,
        payment=PaymentMethod.CASH,
    )


def test_every_order_is_collected_at_the_buyers_station_with_the_route_and_day(
    db: Session, people: dict[str, User], places: dict[str, Village]
) -> None:
    ids = [_product(db, people, where) for where in ("home", "near", "far")]
    placed = _place(db, people["villager"], ids)
    assert len(placed) == 3  # one per seller
    today = local_today()
    seen = {o.seller.name: (o.station_village_id, o.route, o.expected_on) for o in placed}
    home = places["home"].id
    assert seen == {
        "本村农户": (home, Route.SAME_STATION, today + dt.timedelta(days=1)),
        "竹林农户": (home, Route.CADRE, today + dt.timedelta(days=1)),
        "柳溪农户": (home, Route.HUB, today + dt.timedelta(days=2)),
    }
    far = next(o for o in placed if o.route is Route.HUB)
    assert far.route_name == "从柳溪村经乡镇中转站，随货车送到"
    assert all(o.pickup_code and len(o.pickup_code) == 6 for o in placed)
    cash = payment_for(db, far.reference)
    assert cash is not None and cash.village_id == home  # on the buyer's station's cash


def test_assisted_orders_belong_to_the_villagers_station(
    db: Session, people: dict[str, User], places: dict[str, Village]
) -> None:
    [order] = _place(
        db, people["villager"], [_product(db, people, "near")], placed_by=people["home_agent"]
    )
    assert order.station_village_id == places["home"].id and order.assisted
    assert orders.station_orders(db, agent=people["home_agent"]) == [order]
    assert orders.station_orders(db, agent=people["near_agent"]) == []


def test_a_packed_cash_order_is_paid_at_the_counter_then_handed_over_with_its_code(
    db: Session, people: dict[str, User]
) -> None:
    [order] = _place(db, people["villager"], [_product(db, people, "far")])
    agent = people["home_agent"]
    orders.pack(db, seller=people["far_farmer"], order_id=order.id)
    assert not orders.cash_due(db, order)  # packed, but not yet on this station's shelf
    orders.mark_ready_for_pickup(db, agent=agent, order_id=order.id)
    assert orders.cash_due(db, order)
    with pytest.raises(ShopError, match="请先收款再交货"):
        orders.hand_over(db, agent=agent, order_id=order.id, pickup_code=order.pickup_code or "")
    orders.collect_cash(db, agent=agent, order_id=order.id)
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.status is PaymentStatus.SUCCEEDED
    assert payment.collected_by_id == agent.id
    assert not orders.cash_due(db, order)
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    with pytest.raises(WrongPickupCode):
        orders.hand_over(db, agent=agent, order_id=order.id, pickup_code=wrong)
    orders.hand_over(db, agent=agent, order_id=order.id, pickup_code=order.pickup_code or "")
    assert order.status is OrderStatus.PICKED_UP


def test_goods_on_the_shelf_before_their_expected_day_are_not_also_expected(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    """A home-village order expected tomorrow and on the shelf today: the page says it is
    at the station and no longer promises a future day beside it."""
    [order] = _place(db, people["villager"], [_product(db, people, "home")])
    assert order.expected_on == local_today() + dt.timedelta(days=1)
    orders.pack(db, seller=people["home_farmer"], order_id=order.id)
    login(people["villager"])
    packed = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "预计到站" in packed
    orders.mark_ready_for_pickup(db, agent=people["home_agent"], order_id=order.id)
    ready = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert '<li class="done">已到村站，可凭取货码自提</li>' in ready
    assert "预计到站" not in ready


def test_a_packed_door_order_from_another_village_is_on_the_cadres_round(
    db: Session, people: dict[str, User], places: dict[str, Village]
) -> None:
    [order] = _place(db, people["villager"], [_product(db, people, "far")], delivery=Delivery.DOOR)
    assert order.pickup_code is None  # the parcel gets its own code at the door
    orders.pack(db, seller=people["far_farmer"], order_id=order.id)
    parcel = db.scalar(select(Parcel).where(Parcel.reference == order.reference))
    assert parcel is not None and parcel.village_id == places["home"].id
    assert parcel.description.startswith("货到付款")
    day = local_today()
    for now in (None, instant(day, 10 * 3600)):  # planned, then re-planned mid-morning
        [run] = planning.start_runs(db, village_ids=[places["home"].id], day=day)
        planning.plan_run(db, run=run, options=FAST, now=now)
        assert run.status is PlanStatus.DONE, run.message
        assert parcel.stop is not None and parcel.stop.round.cadre_id == people["cadre"].id


def test_the_villager_sees_the_code_the_cadre_asks_for_at_the_door(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    [order] = _place(db, people["villager"], [_product(db, people, "home")], delivery=Delivery.DOOR)
    login(people["villager"])
    assert "data-pickup-code" not in client.get(f"/orders/{order.id}").get_data(as_text=True)
    orders.pack(db, seller=people["home_farmer"], order_id=order.id)
    parcel = db.scalar(select(Parcel).where(Parcel.reference == order.reference))
    assert parcel is not None and parcel.pickup_code
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'<span class="pickup-code" data-pickup-code>{parcel.pickup_code}</span>' in page
    assert "村干部送货上门时会问取件码" in page
    login(people["home_agent"])  # the code is the buyer's to tell
    assert "data-pickup-code" not in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_a_listing_is_edited_after_return_and_a_later_price_change_is_reviewed_again(
    db: Session, people: dict[str, User]
) -> None:
    farmer, agent = people["home_farmer"], people["home_agent"]
    draft = catalog.create_listing(
        db,
        seller=farmer,
        data=catalog.ListingInput(
            "鸡蛋",
            "",
            Category.EGGS,
            Unit.PIECE,
            150,
            farmer.household.village_id,  # type: ignore[union-attr]
        ),
    )
    catalog.submit_for_review(db, seller=farmer, product_id=draft.id)
    catalog.reject(db, agent=agent, product_id=draft.id, reason="名称写清楚些")

    def edit(title: str, price: int) -> None:
        catalog.update_listing(
            db,
            seller=farmer,
            product_id=draft.id,
            data=catalog.ListingInput(
                title, "散养", draft.category, draft.unit, price, draft.origin_village_id
            ),
        )

    edit("土鸡蛋（散养）", 180)
    catalog.submit_for_review(db, seller=farmer, product_id=draft.id)
    edit("土鸡蛋（散养）", 190)  # edited again while waiting: it stays pending
    assert draft.status is ListingStatus.PENDING_REVIEW
    catalog.approve(db, agent=agent, product_id=draft.id)
    assert (draft.title, draft.price_fen, draft.status) == (
        "土鸡蛋（散养）",
        190,
        ListingStatus.LISTED,
    )
    edit("土鸡蛋（散养）", 190)  # nothing changed: still on sale
    assert draft.status is ListingStatus.LISTED
    edit("土鸡蛋（散养）", 250)
    assert draft.status is ListingStatus.PENDING_REVIEW  # off the storefront until approved
    assert catalog.browse(db, q="土鸡蛋").items == []
    catalog.approve(db, agent=agent, product_id=draft.id)
    assert catalog.browse(db, q="土鸡蛋").items == [draft]


def test_a_visitors_cart_is_kept_through_signing_in(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    product_id = _product(db, people, "near", title="竹笋")
    page = client.get(f"/products/{product_id}")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    added = client.post(
        "/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": 3}
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/cart")
    cart = client.get("/cart").get_data(as_text=True)
    assert "竹笋" in cart and "登录后结算" in cart
    login(people["villager"])
    assert [(i.product_id, i.quantity) for i in orders.cart_items(db, user=people["villager"])] == [
        (product_id, 3)
    ]
    assert "竹笋" in client.get("/cart").get_data(as_text=True)


def test_signing_in_from_the_cart_comes_back_to_the_cart(
    client: FlaskClient, db: Session, people: dict[str, User]
) -> None:
    """Both ways to sign in on the cart page, the button and the header's 登录, return to it."""
    product_id = _product(db, people, "near", title="竹笋")
    token = _csrf(client, f"/products/{product_id}")
    client.post("/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": 1})
    links = re.findall(r'href="(/login[^"]*)"', client.get("/cart").get_data(as_text=True))
    assert links == ["/login?next=/cart"] * 2
    login_page = client.get(links[0]).get_data(as_text=True)
    assert 'href="/signup?next=/cart"' in login_page
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    assert found
    form = {"csrf_token": found.group(1), "phone": people["villager"].phone}
    signed = client.post(links[0], data={**form, "password": TEST_PASSWORD})
    assert signed.status_code == 302 and signed.headers["Location"] == "/cart"


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_checkout_page_names_the_station_address_fee_and_day(
    client: FlaskClient,
    db: Session,
    people: dict[str, User],
    places: dict[str, Village],
    login: Callable[[User], str],
) -> None:
    villager = people["villager"]
    orders.set_cart_quantity(
        db, user=villager, product_id=_product(db, people, "far", "莲子"), quantity=1
    )
    login(villager)
    page = client.get("/checkout").get_data(as_text=True)
    expected = local_today() + dt.timedelta(days=2)
    for text in (
        "桃源村村站",
        "<dd>村委会</dd>",  # the station's address
        "每天 8:00-18:00",  # its hours
        villager.household.address,  # type: ignore[union-attr]
        "¥0.00",  # the door fee
        "从柳溪村经乡镇中转站，随货车送到",
        f"预计 {expected.month}月{expected.day}日 到桃源村村站",
        "到站付现金",
        "货到付款（现金）",
    ):
        assert text in page, text


def test_wrong_pickup_codes_are_throttled_at_the_counter(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    [order] = _place(db, people["villager"], [_product(db, people, "home")])
    orders.pack(db, seller=people["home_farmer"], order_id=order.id)
    orders.mark_ready_for_pickup(db, agent=people["home_agent"], order_id=order.id)
    orders.collect_cash(db, agent=people["home_agent"], order_id=order.id)
    login(people["home_agent"])
    token = _csrf(client, f"/orders/{order.id}")
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    for _ in range(5):
        answer = client.post(
            f"/orders/{order.id}/hand-over", data={"csrf_token": token, "pickup_code": wrong}
        )
        assert answer.status_code == 302
    right = {"csrf_token": token, "pickup_code": order.pickup_code}
    client.post(f"/orders/{order.id}/hand-over", data=right)
    assert order.status is OrderStatus.READY_FOR_PICKUP  # refused for the window
    assert "取件码错了5次" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_a_counter_order_of_two_sellers_prints_one_slip_of_the_villagers_station(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    ids = [_product(db, people, "near", "糯米"), _product(db, people, "far", "鸭蛋")]
    login(people["home_agent"])
    villager = people["villager"]
    token = _csrf(client, f"/station/assisted?villager={villager.id}&product=糯米")
    form = {"csrf_token": token, "delivery": "pickup", **{f"qty-{pid}": "2" for pid in ids}}
    placed = client.post(f"/station/assisted/{villager.id}", data=form)
    assert placed.status_code == 302
    slip = client.get(placed.headers["Location"]).get_data(as_text=True)
    assert slip.count("桃源村村站 购物小票") == 1
    assert "糯米" in slip and "鸭蛋" in slip and slip.count("data-pickup-code") == 2
