"""Listings, review, storefront, checkout and orders, through services, pages and the API."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Role, User, Village
from core.money import format_fen
from core.notices.models import NoticeKind
from core.notices.services import notices_for
from core.timeutil import utcnow
from inventory import services as inventory
from logistics.models import Parcel
from payments.models import PaymentMethod
from payments.services import payment_for
from shop.catalog import services as catalog
from shop.catalog.models import Category, ListingStatus, Product, Unit
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.handlers import connect_handlers
from shop.orders.models import Delivery, Order, OrderStatus
from tests.shop.storefront_helpers import listed_product, png_bytes


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()  # what create_app does: orders follow payments' signals


@pytest.fixture
def village(make_village: Callable[..., Village]) -> Village:
    return make_village()


@pytest.fixture
def people(make_user: Callable[..., User], village: Village) -> dict[str, User]:
    return {
        "farmer": make_user(Role.FARMER, village=village, name="王农户"),
        "agent": make_user(Role.AGENT, village=village, name="李代办"),
        "villager": make_user(Role.VILLAGER, village=village, name="张村民"),
        "other_villager": make_user(Role.VILLAGER, village=village),
        "other_farmer": make_user(Role.FARMER, village=village),
        "other_agent": make_user(Role.AGENT),
        "cadre": make_user(Role.CADRE, village=village),
    }


def test_a_listing_goes_from_draft_through_review_to_the_storefront(
    db: Session, people: dict[str, User], tmp_path: Path
) -> None:
    farmer, agent = people["farmer"], people["agent"]
    product = listed_product(db, farmer, agent, stock=0)
    assert product.status is ListingStatus.LISTED
    assert catalog.browse(db, q="香米").items == [product]
    assert catalog.browse(db, q="鸭蛋").items == []
    with pytest.raises(ShopError):
        catalog.update_listing(
            db,
            seller=people["other_farmer"],
            product_id=product.id,
            data=catalog.ListingInput(
                "x", "", product.category, product.unit, 100, product.origin_village_id
            ),
        )
    with pytest.raises(ShopError):  # another station's agent may not review it
        catalog.product_for_review(db, agent=people["other_agent"], product_id=product.id)


def test_rejection_returns_the_listing_to_draft_with_the_reason(
    db: Session, people: dict[str, User]
) -> None:
    farmer, agent = people["farmer"], people["agent"]
    product = catalog.create_listing(
        db,
        seller=farmer,
        data=catalog.ListingInput(
            "土鸡蛋",
            "",
            Category.EGGS,
            Unit.PIECE,
            150,
            farmer.household.village_id if farmer.household else 0,
        ),
    )
    catalog.submit_for_review(db, seller=farmer, product_id=product.id)
    assert catalog.review_queue(db, agent=agent) == [product]
    catalog.reject(db, agent=agent, product_id=product.id, reason="请补充产地照片")
    assert (product.status, product.reject_reason) == (ListingStatus.DRAFT, "请补充产地照片")
    assert catalog.browse(db).items == []
    [told] = notices_for(db, user_id=farmer.id)  # the farmer learns why, in the app and by SMS
    assert (told.kind, told.params["reason"]) == (NoticeKind.LISTING_RETURNED, "请补充产地照片")
    catalog.submit_for_review(db, seller=farmer, product_id=product.id)
    catalog.approve(db, agent=agent, product_id=product.id)
    assert notices_for(db, user_id=farmer.id)[0].kind is NoticeKind.LISTING_APPROVED


@pytest.mark.parametrize("price_fen", [0, -100, 12.5, True])
def test_prices_must_be_positive_integer_fen(
    db: Session, people: dict[str, User], price_fen: object
) -> None:
    farmer = people["farmer"]
    with pytest.raises(ShopError):
        catalog.create_listing(
            db,
            seller=farmer,
            data=catalog.ListingInput(
                "米",
                "",
                Category.GRAIN,
                Unit.JIN,
                price_fen,  # type: ignore[arg-type]
                farmer.household.village_id if farmer.household else 0,
            ),
        )


def test_photos_are_checked_by_content_reencoded_and_stripped(
    db: Session, people: dict[str, User], tmp_path: Path
) -> None:
    product = listed_product(db, people["farmer"], people["agent"])
    image = Image.new("RGB", (40, 30), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    photo = catalog.add_photo(
        db,
        seller=people["farmer"],
        product_id=product.id,
        directory=tmp_path,
        data=buffer.getvalue(),
    )
    stored = (tmp_path / f"{photo.name}.jpg").read_bytes()
    assert b"SecretCam" not in stored and len(photo.name) == 32
    with pytest.raises(CoreError):
        catalog.add_photo(
            db,
            seller=people["farmer"],
            product_id=product.id,
            directory=tmp_path,
            data=b"GIF89a" + b"\0" * 100,
        )
    with pytest.raises(CoreError, match="这不是一张可用的照片"):
        catalog.add_photo(
            db,
            seller=people["farmer"],
            product_id=product.id,
            directory=tmp_path,
            data=b"<?php echo 1; ?>.jpg",
        )
    for _ in range(5):
        catalog.add_photo(
            db, seller=people["farmer"], product_id=product.id, directory=tmp_path, data=png_bytes()
        )
    with pytest.raises(ShopError, match="最多 6 张"):
        catalog.add_photo(
            db, seller=people["farmer"], product_id=product.id, directory=tmp_path, data=png_bytes()
        )


def _order(
    db: Session,
    buyer: User,
    product_id: int,
    quantity: int = 1,
    *,
    delivery: Delivery = Delivery.PICKUP,
    payment: PaymentMethod = PaymentMethod.CASH,
) -> Order:
    """One order the buyer places for themself."""
    (order,) = orders.place_orders(
        db,
        buyer=buyer,
        placed_by=buyer,
        lines=[orders.LineInput(product_id, quantity)],
        delivery=delivery,
        payment=payment,
    )
    return order


def test_checkout_holds_then_the_order_takes_the_stock_and_cancel_returns_it(
    db: Session, people: dict[str, User]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], stock=4)
    villager = people["villager"]
    orders.set_cart_quantity(db, user=villager, product_id=product.id, quantity=2)
    orders.hold_cart(db, user=villager)  # 2 of 4: a hold takes at most half of what is left
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 2
    with pytest.raises(ShopError, match="只剩 2 件"):
        _order(db, people["other_villager"], product.id, 3)
    order = _order(db, villager, product.id, 2)
    assert (order.status, order.total_fen) == (OrderStatus.PENDING_PAYMENT, 900)
    assert orders.cart_items(db, user=villager) == []
    orders.cancel(db, user=villager, order_id=order.id)
    assert order.status is OrderStatus.CANCELLED
    assert inventory.available(db, sku=product.sku, location_id=product.location_id) == 4


def test_cash_is_taken_only_when_the_goods_wait_on_the_shelf_then_handed_over(
    db: Session, people: dict[str, User]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"])
    order = _order(db, people["villager"], product.id)
    assert orders.seller_orders(db, seller=people["farmer"]) == [order]
    with pytest.raises(ShopError):
        orders.hand_over(db, agent=people["agent"], order_id=order.id)
    # Not before the seller packs, nor before the goods are at the station.
    with pytest.raises(ShopError, match="这个订单现在不能收款"):
        orders.collect_cash(db, agent=people["agent"], order_id=order.id)
    assert not orders.cash_due(db, order)
    with pytest.raises(ShopError):
        orders.pack(db, seller=people["other_farmer"], order_id=order.id)
    orders.pack(db, seller=people["farmer"], order_id=order.id)
    with pytest.raises(ShopError, match="这个订单现在不能收款"):
        orders.collect_cash(db, agent=people["agent"], order_id=order.id)
    orders.mark_ready_for_pickup(db, agent=people["agent"], order_id=order.id)
    assert orders.cash_due(db, order)
    orders.collect_cash(db, agent=people["agent"], order_id=order.id)
    assert order.status is OrderStatus.READY_FOR_PICKUP  # paid, waiting to be handed over
    told = notices_for(db, user_id=people["villager"].id)
    assert [n.kind for n in told] == [NoticeKind.ORDER_READY, NoticeKind.ORDER_PACKED]
    assert told[0].params["goods"] == "桃源香米×1斤" and told[0].params["station"].endswith("村站")
    assert order.pickup_code is not None
    orders.hand_over(db, agent=people["agent"], order_id=order.id, pickup_code=order.pickup_code)
    assert order.status is OrderStatus.PICKED_UP
    with pytest.raises(ShopError):
        orders.cancel(db, user=people["villager"], order_id=order.id)


def test_the_seller_sees_orders_to_pack_packed_and_done_apart(
    db: Session, people: dict[str, User]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], stock=9)
    first, second, third = (_order(db, people["villager"], product.id) for _ in range(3))
    for order in (second, third):
        orders.pack(db, seller=people["farmer"], order_id=order.id)
        orders.mark_ready_for_pickup(db, agent=people["agent"], order_id=order.id)
    orders.collect_cash(db, agent=people["agent"], order_id=third.id)
    orders.hand_over(
        db, agent=people["agent"], order_id=third.id, pickup_code=third.pickup_code or ""
    )
    tabs = orders.SellerTab
    seen = {tab: orders.seller_orders(db, seller=people["farmer"], tab=tab) for tab in tabs}
    assert seen == {tabs.TO_PACK: [first], tabs.PACKED: [second], tabs.DONE: [third]}
    assert orders.seller_orders(db, seller=people["other_farmer"], tab=tabs.DONE) == []


def test_cancel_is_offered_only_where_the_table_allows_and_a_paid_order_is_refunded(
    db: Session, people: dict[str, User]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], stock=9)
    villager, agent = people["villager"], people["agent"]
    unpaid = _order(db, villager, product.id)
    assert orders.may_cancel(db, user=villager, order=unpaid)
    assert orders.cancel_outcome(db, unpaid) is OrderStatus.CANCELLED
    paid = _order(db, villager, product.id)
    orders.pack(db, seller=people["farmer"], order_id=paid.id)
    assert not orders.may_cancel(db, user=villager, order=paid)  # packed: ask the station
    orders.mark_ready_for_pickup(db, agent=agent, order_id=paid.id)
    orders.collect_cash(db, agent=agent, order_id=paid.id)
    assert orders.may_cancel(db, user=agent, order=paid)
    assert orders.cancel_outcome(db, paid) is OrderStatus.REFUNDED
    orders.cancel(db, user=agent, order_id=paid.id)
    payment = payment_for(db, paid.reference)
    assert paid.status is OrderStatus.REFUNDED
    assert payment is not None and payment.refunded_fen == paid.total_fen
    assert not orders.may_cancel(db, user=agent, order=paid)


def test_orders_of_others_are_not_found(db: Session, people: dict[str, User]) -> None:
    product = listed_product(db, people["farmer"], people["agent"])
    order = _order(db, people["villager"], product.id)
    for name in ("other_villager", "other_farmer", "other_agent", "cadre"):
        with pytest.raises(ShopError):
            orders.order_for(db, user=people[name], order_id=order.id)
    assert orders.order_for(db, user=people["agent"], order_id=order.id) is order


# --- through HTTP ------------------------------------------------------------------------


def test_public_api_products_and_orders_as_designed(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], stock=5)
    page = client.get("/api/v1/products?q=香米").get_json()
    assert page["page"] == 1 and page["pages"] == 1
    assert page["items"] == [
        {
            "id": product.id,
            "title": "桃源香米",
            "price_fen": 450,
            "unit": "斤",
            "stock": 5,
            "village": product.origin_village.name,
            "farmer": "王农户",
            "ships": False,
            "packed_weight_g": None,
            "max_journey_days": None,
        }
    ]
    assert client.get(f"/api/v1/products/{product.id}").get_json()["stock"] == 5
    token = login(people["villager"])
    headers = {"X-CSRFToken": token}
    body = {
        "lines": [{"product_id": product.id, "quantity": 2}],
        "delivery": "pickup",
        "payment": "cash",
    }
    for bad in (
        {**body, "status": "paid"},
        {**body, "lines": [{"product_id": product.id, "quantity": 1.5}]},
        {**body, "lines": [{"product_id": product.id, "quantity": 0}]},
    ):
        assert client.post("/api/v1/orders", json=bad, headers=headers).status_code == 422
    created = client.post("/api/v1/orders", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    assert (order["status"], order["total_fen"]) == ("pending_payment", 900)
    assert order["station"]["village_id"] == people["villager"].household.village_id  # type: ignore[union-attr]
    assert order["route"] == "same_station" and len(order["pickup_code"]) == 6
    assert client.get(f"/api/v1/orders/{order['id']}").status_code == 200
    too_many = {**body, "lines": [{"product_id": product.id, "quantity": 4}]}
    sold_out = client.post("/api/v1/orders", json=too_many, headers=headers)
    assert sold_out.status_code == 409 and "只剩 3 件" in sold_out.get_json()["error"]["message"]
    login(people["other_villager"])
    assert client.get(f"/api/v1/orders/{order['id']}").status_code == 404


def test_pages_of_the_flow_answer_and_guard(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"])
    storefront = client.get("/products?q=香米")
    assert storefront.status_code == 200 and "桃源香米" in storefront.get_data(as_text=True)
    assert len(storefront.data) < 200_000
    assert client.get(f"/products/{product.id}").status_code == 200
    login(people["other_farmer"])
    assert client.get(f"/my/listings/{product.id}").status_code == 404
    assert client.get("/station/review").status_code == 403


def test_a_packed_door_order_becomes_a_delivery_item_and_delivery_completes_it(
    db: Session, people: dict[str, User]
) -> None:
    from logistics.signals import parcel_delivered

    order, parcel = _packed_cash_door_order(db, people, 3)
    product = db.get(Product, order.lines[0].product_id)
    assert product is not None
    assert (parcel.household_id, parcel.weight_g) == (order.household_id, 3 * product.weight_g)
    assert "桃源香米×3斤" in parcel.description
    parcel_delivered.send(parcel, session=db)
    assert order.status is OrderStatus.DELIVERED


def _packed_cash_door_order(
    db: Session, people: dict[str, User], quantity: int
) -> tuple[Order, Parcel]:
    """A villager's cash door order, packed: logistics now has it as a parcel."""
    product = listed_product(db, people["farmer"], people["agent"])
    order = _order(db, people["villager"], product.id, quantity, delivery=Delivery.DOOR)
    orders.pack(db, seller=people["farmer"], order_id=order.id)
    parcel = db.scalar(select(Parcel).where(Parcel.reference == order.reference))
    assert parcel is not None
    return order, parcel


def test_a_door_order_fetched_from_the_station_ends_picked_up(
    db: Session, people: dict[str, User]
) -> None:
    from logistics.signals import parcel_failed, parcel_picked_up

    order, parcel = _packed_cash_door_order(db, people, 1)
    parcel_failed.send(parcel, session=db)  # nobody home: it stays on its way
    assert order.status is OrderStatus.PACKED
    parcel_picked_up.send(parcel, session=db)
    assert order.status is OrderStatus.PICKED_UP


def test_an_online_order_opens_its_provider_intent_after_commit(
    client: FlaskClient,
    db: Session,
    people: dict[str, User],
    login: Callable[[User], str],
    stripe_gateway: object,
) -> None:
    from payments.services import payment_for

    product = listed_product(db, people["farmer"], people["agent"])
    token = login(people["villager"])
    body = {
        "lines": [{"product_id": product.id, "quantity": 1}],
        "delivery": "door",
        "payment": "online",
    }
    created = client.post("/api/v1/orders", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    payment = payment_for(db, f"order:{created.get_json()['id']}")
    assert payment is not None and payment.provider_id and payment.amount_fen == 450
    assert created.get_json()["status"] == "pending_payment"


def test_the_buyer_pays_an_online_order_on_its_pay_page(
    client: FlaskClient,
    db: Session,
    people: dict[str, User],
    login: Callable[[User], str],
    stripe_gateway: object,
) -> None:
    from payments.services import open_online_intent, payment_for

    product = listed_product(db, people["farmer"], people["agent"])
    order = _order(db, people["villager"], product.id, payment=PaymentMethod.ONLINE)
    token = login(people["villager"])
    page = client.get(f"/orders/{order.id}/pay")
    assert page.status_code == 200 and "重试" in page.get_data(as_text=True)  # no intent yet
    retried = client.post(f"/orders/{order.id}/pay/retry", headers={"X-CSRFToken": token})
    assert retried.status_code == 302
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.provider_id is not None
    assert (
        client.post(f"/orders/{order.id}/pay/refresh", headers={"X-CSRFToken": token}).status_code
        == 302
    )
    assert order.status is OrderStatus.PENDING_PAYMENT  # nobody confirmed the card yet
    login(people["other_villager"])
    assert client.get(f"/orders/{order.id}/pay").status_code == 404
    # A card confirmed at once succeeds, and payments' signal marks the order paid.
    paid = _order(db, people["villager"], product.id, payment=PaymentMethod.ONLINE)
    online = payment_for(db, paid.reference)
    assert online is not None
    open_online_intent(db, payment_id=online.id, payment_method="pm_card_visa")
    assert paid.status is OrderStatus.PAID


def test_cancel_asks_first_says_a_refund_follows_and_refunds_through_payments(
    client: FlaskClient,
    db: Session,
    people: dict[str, User],
    login: Callable[[User], str],
    stripe_gateway: object,
) -> None:
    from payments.models import PaymentStatus
    from payments.services import open_online_intent

    product = listed_product(db, people["farmer"], people["agent"], stock=9)
    unpaid = _order(db, people["villager"], product.id)
    paid = _order(db, people["villager"], product.id, payment=PaymentMethod.ONLINE)
    online = payment_for(db, paid.reference)
    assert online is not None
    open_online_intent(db, payment_id=online.id, payment_method="pm_card_visa")
    assert paid.status is OrderStatus.PAID
    token = login(people["villager"])

    order_page = client.get(f"/orders/{unpaid.id}").get_data(as_text=True)
    assert f'href="/orders/{unpaid.id}/cancel"' in order_page  # a link to a question
    assert f'action="/orders/{unpaid.id}/cancel"' not in order_page  # not a one-tap form
    asked = client.get(f"/orders/{unpaid.id}/cancel").get_data(as_text=True)
    assert "确定取消订单" in asked and "还没付款" in asked and "退回" not in asked

    assert "取消订单并退款" in client.get(f"/orders/{paid.id}").get_data(as_text=True)
    asked = client.get(f"/orders/{paid.id}/cancel").get_data(as_text=True)
    assert "原路退回" in asked and "确定取消并退款" in asked
    done = client.post(f"/orders/{paid.id}/cancel", headers={"X-CSRFToken": token})
    assert done.status_code == 302
    db.expire_all()
    assert paid.status is OrderStatus.REFUNDED
    refunded = payment_for(db, paid.reference)
    assert refunded is not None and refunded.status is PaymentStatus.REFUNDED
    assert refunded.refunded_fen == paid.total_fen
    # The flash says it was refunded and how; the order page says "已退款" once.
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "订单已取消并退款 ¥" in page and "原路退回付款账户" in page
    assert page.count("已退款") == 1
    # A refunded order offers no cancel, and its question page refuses.
    assert "取消订单" not in client.get(f"/orders/{paid.id}").get_data(as_text=True)
    assert client.get(f"/orders/{paid.id}/cancel").status_code == 409


def test_the_agent_cancelling_a_cash_order_is_told_to_hand_the_cash_back(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], stock=9)
    agent = people["agent"]
    paid = _order(db, people["villager"], product.id)
    orders.pack(db, seller=people["farmer"], order_id=paid.id)
    orders.mark_ready_for_pickup(db, agent=agent, order_id=paid.id)
    orders.collect_cash(db, agent=agent, order_id=paid.id)
    token = login(agent)
    done = client.post(f"/orders/{paid.id}/cancel", headers={"X-CSRFToken": token})
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"订单已取消并退款 {format_fen(paid.total_fen)}：现金由村站柜台当面退还" in page
    assert "订单已取消，货品已重新上架" not in page
    # "已退款 · 到站付现金" — the status once, not again after the payment method.
    assert page.count("已退款") == 1 and "到站付现金" in page


def test_packed_orders_offer_cash_and_cancel_only_where_they_are_allowed(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"])
    order = _order(db, people["villager"], product.id)
    orders.pack(db, seller=people["farmer"], order_id=order.id)
    login(people["villager"])
    assert "取消订单" not in client.get(f"/orders/{order.id}").get_data(as_text=True)
    login(people["agent"])
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "collect-cash" not in page and "货到本站后再收现金" in page
    login(people["farmer"])
    for tab, shown in (("to_pack", False), ("packed", True), ("done", False)):
        listed = client.get(f"/seller/orders?tab={tab}").get_data(as_text=True)
        assert (f"订单 #{order.id}" in listed) is shown, tab
        assert 'aria-current="page"' in listed


def test_checkout_page_explains_when_stock_ran_out_after_the_hold_lapsed(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], stock=2)
    villager = people["villager"]
    orders.set_cart_quantity(db, user=villager, product_id=product.id, quantity=2)
    orders.hold_cart(db, user=villager, now=utcnow() - dt.timedelta(minutes=20))  # lapsed
    _order(db, people["other_villager"], product.id, 1)  # someone else buys meanwhile
    token = login(villager)
    form = {"delivery": "pickup", "payment": "cash"}
    answer = client.post("/checkout", data=form, headers={"X-CSRFToken": token})
    assert answer.status_code == 409
    assert "「桃源香米」库存不足：只剩 1 件" in answer.get_data(as_text=True)
    assert orders.cart_items(db, user=villager)  # the cart is kept to change the quantity


def test_a_cash_door_order_is_paid_to_the_cadre_on_delivery(
    db: Session, people: dict[str, User], make_user: Callable[..., User]
) -> None:
    from core.money import format_fen
    from logistics.models import Round, Stop, Vehicle
    from logistics.signals import parcel_delivered
    from payments.services import payment_for

    order, parcel = _packed_cash_door_order(db, people, 2)
    assert parcel.description.startswith(f"货到付款 {format_fen(order.total_fen)}")
    cadre = make_user(Role.CADRE, name="送货干部")
    vehicle = Vehicle(name="电动车", cadre_id=cadre.id, capacity_g=150_000, capacity_parcels=40)
    db.add(vehicle)
    db.flush()
    now = utcnow()
    round_ = Round(
        day=now.date(),
        village_id=parcel.village_id,
        vehicle_id=vehicle.id,
        cadre_id=cadre.id,
        departure=now,
        return_at=now + dt.timedelta(hours=2),
    )
    round_.stops.append(
        Stop(household_id=order.household_id, sequence=1, eta=now, parcels=[parcel])
    )
    db.add(round_)
    db.flush()
    parcel_delivered.send(parcel, session=db)
    payment = payment_for(db, order.reference)
    assert payment is not None
    assert (order.status, payment.status.value, payment.collected_by_id) == (
        OrderStatus.DELIVERED,
        "succeeded",
        cadre.id,
    )


def test_retrying_an_order_payment_while_the_provider_is_unreachable_says_so(
    client: FlaskClient,
    db: Session,
    people: dict[str, User],
    login: Callable[[User], str],
    request: pytest.FixtureRequest,
) -> None:
    from payments.gateways import CashGateway, Gateways
    from payments.services import payment_for
    from payments.stripe_gateway import StripeGateway
    from tests.payments.fixtures import gateways_in_use

    product = listed_product(db, people["farmer"], people["agent"])
    token = login(people["villager"])
    unreachable = StripeGateway("sk_test_x", api_base="http://127.0.0.1:9")  # nothing listens
    with gateways_in_use(Gateways(cash=CashGateway(), online=unreachable), request):
        order = _order(db, people["villager"], product.id, payment=PaymentMethod.ONLINE)
        retried = client.post(
            f"/orders/{order.id}/pay/retry", headers={"X-CSRFToken": token}, follow_redirects=True
        )
    assert retried.status_code == 200
    page = retried.get_data(as_text=True)
    assert "暂时连不上支付服务" in page and "重试" in page
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.provider_id is None
