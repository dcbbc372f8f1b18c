"""Produce to the city, the shop's half: buyers sign up, keep addresses, get a quote and
pay a shipped order online; the order opens its outbound parcel when paid, follows the
courier's handover and ends received. Services on both databases, and the public API.

The outbound half of logistics is the real ``logistics.outbound``; Stripe is the real SDK
against localstripe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import stripe
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.accounts import sign_up_buyer
from core.errors import CoreError
from core.models import Role, User, Village
from core.timeutil import ensure_utc
from logistics.errors import LogisticsError
from logistics.models import OutboundStatus
from payments.models import PaymentMethod
from payments.services import open_online_intent, payment_for, refresh_from_provider
from shop.buyers import services as buyers
from shop.buyers.models import Address
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.handlers import connect_handlers
from shop.orders.models import Delivery, Order, OrderStatus
from shop.shipping import services as shipping
from tests.conftest import TEST_PASSWORD
from tests.payments.localstripe_server import LocalStripe
from tests.shop.city_helpers import (
    BEIJING,
    SHENZHEN,
    URUMQI,
    bring_to_station,
    hand_over,
    parcel_of,
    shipped_product,
    ships_from,
)

NEW_PASSWORD = "peach-orchard-2026"


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()


@pytest.fixture
def station(make_village: Callable[..., Village], db: Session) -> Village:
    village = make_village("桃花村")
    ships_from(db, village)
    return village


@pytest.fixture
def people(make_user: Callable[..., User], station: Village, db: Session) -> dict[str, User]:
    return {
        "farmer": make_user(Role.FARMER, village=station, name="王农户"),
        "agent": make_user(Role.AGENT, village=station, name="李代办"),
        "villager": make_user(Role.VILLAGER, village=station, name="张村民"),
        "buyer": sign_up_buyer(db, phone="13800138000", password=NEW_PASSWORD, name="陈女士"),
        "other_buyer": sign_up_buyer(db, phone="13800138001", password=NEW_PASSWORD, name="刘先生"),
        "dispatcher": make_user(Role.DISPATCHER, village=station, name="赵调度"),
    }


def _address(db: Session, user: User, code: str = SHENZHEN) -> Address:
    data = buyers.AddressInput("陈女士", "138 0013 8000", code, "科技园路 1 号")
    return buyers.add_address(db, user=user, data=data)


# --- accounts and addresses ----------------------------------------------------------


def test_a_buyer_signs_up_without_a_household(db: Session, people: dict[str, User]) -> None:
    buyer = people["buyer"]
    assert buyer.roles == {Role.BUYER} and buyer.household is None
    with pytest.raises(CoreError) as taken:
        sign_up_buyer(db, phone="13800138000", password=NEW_PASSWORD, name="又一个")
    assert taken.value.code == "phone_taken"


def test_an_address_is_checked_against_the_divisions(db: Session, people: dict[str, User]) -> None:
    buyer = people["buyer"]
    address = _address(db, buyer)
    assert address.phone == "13800138000" and address.full == "广东省 深圳市 南山区 科技园路 1 号"
    for code in ("440300", "999999", "44030"):  # a city, nothing, too short
        with pytest.raises(ShopError) as refused:
            buyers.add_address(
                db, user=buyer, data=buyers.AddressInput("陈", "13800138000", code, "路")
            )
        assert refused.value.code == "unknown_district"
    with pytest.raises(ShopError):
        buyers.own_address(db, user=people["other_buyer"], address_id=address.id)
    villager_address = _address(db, people["villager"], BEIJING)  # a villager's relatives
    assert villager_address.district.province == "北京市"


# --- quotes --------------------------------------------------------------------------


def test_a_quote_weighs_the_parcel_and_prices_the_zone(
    db: Session, people: dict[str, User]
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"], packed_weight_g=1500)
    lines = [shipping.ShipLine(eggs.id, 2)]  # 3000 g: 首重 and two kilograms begun
    to_shenzhen = shipping.quote(db, lines=lines, address=_address(db, people["buyer"]))
    assert (to_shenzhen.fee_fen, to_shenzhen.arrival_days) == (1000 + 2 * 500, 2 + 1)
    assert to_shenzhen.refused == ()
    to_beijing = shipping.quote(db, lines=lines, address=_address(db, people["buyer"], BEIJING))
    assert (to_beijing.fee_fen, to_beijing.arrival_days) == (1200 + 2 * 800, 3 + 1)


def test_a_perishable_too_far_is_refused_with_the_reason(
    db: Session, people: dict[str, User]
) -> None:
    farmer, agent = people["farmer"], people["agent"]
    eggs = shipped_product(db, farmer, agent, max_journey_days=4)
    rice = shipped_product(db, farmer, agent, title="香米", packed_weight_g=5200)
    urumqi = _address(db, people["buyer"], URUMQI)
    lines = [shipping.ShipLine(eggs.id, 1), shipping.ShipLine(rice.id, 1)]
    found = shipping.quote(db, lines=lines, address=urumqi)
    assert [r.product_id for r in found.refused] == [eggs.id]
    assert "生鲜" in found.refused[0].reason and "6 天" in found.refused[0].reason
    assert found.fee_fen == 2000 + 5 * 1500  # only the rice: 5200 g
    # Four days is enough for Beijing (3 + 1): the same eggs go there.
    beijing = _address(db, people["buyer"], BEIJING)
    assert shipping.quote(db, lines=lines[:1], address=beijing).refused == ()


def test_what_does_not_ship_is_refused(db: Session, people: dict[str, User]) -> None:
    local = shipped_product(
        db, people["farmer"], people["agent"], ships=False, packed_weight_g=None
    )
    found = shipping.quote(
        db, lines=[shipping.ShipLine(local.id, 1)], address=_address(db, people["buyer"])
    )
    assert found.fee_fen == 0 and [r.product_id for r in found.refused] == [local.id]


def test_a_station_without_a_tariff_ships_nothing(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> None:
    village = make_village()
    farmer, agent = make_user(Role.FARMER, village=village), make_user(Role.AGENT, village=village)
    eggs = shipped_product(db, farmer, agent)
    buyer = sign_up_buyer(db, phone="13800138009", password=NEW_PASSWORD, name="周")
    found = shipping.quote(db, lines=[shipping.ShipLine(eggs.id, 1)], address=_address(db, buyer))
    assert found.parcels == () and "开通快递" in found.refused[0].reason


def test_a_tariff_needs_every_zone_and_sane_amounts(db: Session, station: Village) -> None:
    from tests.shop.city_helpers import RATES

    partial = dict(list(RATES.items())[:3])
    with pytest.raises(ShopError) as missing:
        shipping.set_tariff(db, village_id=station.id, province_code="43", rates=partial)
    assert missing.value.code == "rate_for_every_zone"
    with pytest.raises(ShopError) as province:
        shipping.set_tariff(db, village_id=station.id, province_code="99", rates=RATES)
    assert province.value.code == "unknown_province"


# --- ship orders ---------------------------------------------------------------------


def _ship_order(db: Session, buyer: User, product_id: int, quantity: int = 2) -> Order:
    [order] = orders.place_orders(
        db,
        buyer=buyer,
        placed_by=buyer,
        lines=[orders.LineInput(product_id, quantity)],
        delivery=Delivery.SHIP,
        payment=PaymentMethod.ONLINE,
        address=_address(db, buyer),
    )
    return order


def test_a_paid_ship_order_opens_its_parcel_and_ends_received(
    db: Session, people: dict[str, User], stripe_gateway: object
) -> None:
    farmer, buyer = people["farmer"], people["buyer"]
    eggs = shipped_product(db, farmer, people["agent"])
    order = _ship_order(db, buyer, eggs.id)
    assert order.shipping_fee_fen == 2000 and order.household_id is None
    assert order.station_village_id == people["farmer"].household.village_id  # type: ignore[union-attr]
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.amount_fen == 2 * 3800 + 2000
    with pytest.raises(LogisticsError):  # nothing moves before the money is in
        parcel_of(db, order.id)
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")
    assert order.status is OrderStatus.PAID and order.ready_by is not None
    parcel = parcel_of(db, order.id)
    assert parcel.division_code == SHENZHEN and parcel.weight_g == 3000
    assert parcel.seller_user_id == farmer.id and parcel.ready_by == ensure_utc(order.ready_by)
    bring_to_station(db, order.id, people["agent"])
    hand_over(db, order.id, people["agent"], people["dispatcher"])  # sends the handover signal
    assert order.status is OrderStatus.SHIPPED
    orders.mark_shipped(db, order_id=order.id)  # a repeated signal changes nothing
    assert order.status is OrderStatus.SHIPPED
    with pytest.raises(ShopError):
        orders.confirm_receipt(db, user=people["other_buyer"], order_id=order.id)
    orders.confirm_receipt(db, user=buyer, order_id=order.id)
    assert order.status is OrderStatus.RECEIVED


def test_a_ship_order_is_paid_online_to_one_of_the_buyers_addresses(
    db: Session, people: dict[str, User], stripe_gateway: object
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"])
    buyer = people["buyer"]
    line = [orders.LineInput(eggs.id, 1)]
    with pytest.raises(ShopError) as cash:
        orders.place_orders(
            db,
            buyer=buyer,
            placed_by=buyer,
            lines=line,
            delivery=Delivery.SHIP,
            payment=PaymentMethod.CASH,
            address=_address(db, buyer),
        )
    assert cash.value.code == "ship_online_only"
    for address in (None, _address(db, people["other_buyer"])):
        with pytest.raises(ShopError) as nowhere:
            orders.place_orders(
                db,
                buyer=buyer,
                placed_by=buyer,
                lines=line,
                delivery=Delivery.SHIP,
                payment=PaymentMethod.ONLINE,
                address=address,
            )
        assert nowhere.value.code == "address_required"
    with pytest.raises(ShopError) as door:  # a city buyer has no household to deliver to
        orders.place_orders(
            db,
            buyer=buyer,
            placed_by=buyer,
            lines=line,
            delivery=Delivery.DOOR,
            payment=PaymentMethod.ONLINE,
        )
    assert door.value.code == "no_address"


def test_a_perishable_order_too_far_is_refused_whole(
    db: Session, people: dict[str, User], stripe_gateway: object
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"], max_journey_days=2)
    buyer = people["buyer"]
    with pytest.raises(ShopError) as refused:
        orders.place_orders(
            db,
            buyer=buyer,
            placed_by=buyer,
            lines=[orders.LineInput(eggs.id, 1)],
            delivery=Delivery.SHIP,
            payment=PaymentMethod.ONLINE,
            address=_address(db, buyer, BEIJING),
        )
    assert refused.value.code == "cannot_ship" and "生鲜" in refused.value.message


def test_refunding_a_paid_ship_order_returns_the_fee_and_cancels_the_parcel(
    db: Session, people: dict[str, User], stripe_gateway: object
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"])
    order = _ship_order(db, people["buyer"], eggs.id, 1)
    payment = payment_for(db, order.reference)
    assert payment is not None
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")
    orders.cancel(db, user=people["agent"], order_id=order.id)
    assert order.status is OrderStatus.REFUNDED
    assert payment.refunded_fen == 3800 + 1000 + 500
    assert parcel_of(db, order.id).status is OutboundStatus.CANCELLED


# --- the public API ------------------------------------------------------------------


def test_signup_through_the_api_answers_a_buyer_and_a_token(client: FlaskClient) -> None:
    body = {"phone": "13900000777", "password": NEW_PASSWORD, "name": "黄女士"}
    created = client.post("/api/v1/auth/signup", json=body)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["user"]["roles"] == ["buyer"] and answer["csrf_token"]
    token = answer["csrf_token"]
    listed = client.get("/api/v1/addresses", headers={"X-CSRFToken": token})
    assert listed.status_code == 200 and listed.get_json() == {"items": []}  # signed in
    again = client.post("/api/v1/auth/signup", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "phone_taken"
    weak = client.post(
        "/api/v1/auth/signup", json={**body, "phone": "13900000778", "password": "1"}
    )
    assert weak.status_code == 422


def test_refused_signups_are_throttled_like_logins(client: FlaskClient) -> None:
    from core.security import FAILED_LOGINS_PER_MINUTE

    body = {"phone": "13900000779", "password": "password", "name": "试"}  # too common
    codes = [
        client.post("/api/v1/auth/signup", json=body).status_code
        for _ in range(FAILED_LOGINS_PER_MINUTE + 1)
    ]
    assert codes[:-1] == [422] * FAILED_LOGINS_PER_MINUTE and codes[-1] == 429
    good = {"phone": "13900000780", "password": NEW_PASSWORD, "name": "试"}
    assert client.post("/api/v1/auth/signup", json=good).status_code == 429  # same address


def test_the_divisions_feed_the_pickers(client: FlaskClient) -> None:
    provinces = client.get("/api/v1/divisions").get_json()["items"]
    assert {"code": "44", "name": "广东省"} in provinces
    cities = client.get("/api/v1/divisions?parent=44").get_json()["items"]
    assert {"code": "4403", "name": "深圳市"} in cities
    districts = client.get("/api/v1/divisions?parent=4403").get_json()["items"]
    assert {"code": "440305", "name": "南山区"} in districts
    assert client.get("/api/v1/divisions?parent=4").status_code == 422


def _pay_by_card(localstripe: LocalStripe, intent_id: str) -> None:
    """What Stripe.js does on the pay page (it cannot load offline): attach a card to the
    order's intent and confirm it, against localstripe through the real SDK."""
    client = stripe.StripeClient("sk_test_cunzhan", base_addresses={"api": localstripe.url})
    client.v1.payment_intents.update(intent_id, params={"payment_method": "pm_card_visa"})
    client.v1.payment_intents.confirm(intent_id)


def _signed_in(client: FlaskClient, user: User, password: str = NEW_PASSWORD) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": password})
    assert answer.status_code == 200, answer.get_json()
    return {"X-CSRFToken": answer.get_json()["csrf_token"]}


def test_a_buyer_quotes_and_orders_through_the_api(
    client: FlaskClient,
    db: Session,
    people: dict[str, User],
    stripe_gateway: object,
    localstripe: LocalStripe,
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"], max_journey_days=7)
    headers = _signed_in(client, people["buyer"])
    address = {"recipient": "陈女士", "phone": "13800138000", "division_code": SHENZHEN}
    created = client.post(
        "/api/v1/addresses", json={**address, "street": "科技园路 1 号"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["city"] == "深圳市"
    address_id = created.get_json()["id"]
    unknown = client.post(
        "/api/v1/addresses",
        json={**address, "division_code": "440300", "street": "路"},
        headers=headers,
    )
    assert unknown.status_code == 422
    lines = [{"product_id": eggs.id, "quantity": 2}]
    quoted = client.post(
        "/api/v1/shipping/quote", json={"lines": lines, "address_id": address_id}, headers=headers
    )
    assert quoted.status_code == 200, quoted.get_json()
    assert quoted.get_json() == {"fee_fen": 2000, "arrival_days": 3, "refused": []}
    body = {"lines": lines, "delivery": "ship", "address_id": address_id, "payment": "online"}
    placed = client.post("/api/v1/orders", json=body, headers=headers)
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    assert order["shipping_fee_fen"] == 2000 and order["status"] == "pending_payment"
    assert order["courier"] is None and order["waybill"] is None
    payment = payment_for(db, f"order:{order['id']}")
    assert payment is not None and payment.amount_fen == 2 * 3800 + 2000
    assert payment.provider_id is not None  # the order opened its Stripe intent
    _pay_by_card(localstripe, payment.provider_id)  # what the pay page's Stripe.js does
    refresh_from_provider(db, payment)
    assert parcel_of(db, order["id"]).recipient == "陈女士"
    bring_to_station(db, order["id"], people["agent"])
    hand_over(db, order["id"], people["agent"], people["dispatcher"], waybill="ZT7700123")
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert shown["status"] == "shipped" and shown["shipping_fee_fen"] == 2000
    assert (shown["courier"], shown["waybill"]) == ("中通", "ZT7700123")
    assert shown["tracking_url"].endswith("ZT7700123")
    received = client.post(f"/api/v1/orders/{order['id']}/received", headers=headers)
    assert received.status_code == 200 and received.get_json()["status"] == "received"


def test_another_buyers_address_is_not_found(
    client: FlaskClient, db: Session, people: dict[str, User]
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"])
    theirs = _address(db, people["other_buyer"])
    headers = _signed_in(client, people["buyer"])
    quoted = client.post(
        "/api/v1/shipping/quote",
        json={"lines": [{"product_id": eggs.id, "quantity": 1}], "address_id": theirs.id},
        headers=headers,
    )
    assert quoted.status_code == 404


def test_products_that_ship_are_listed_apart(
    client: FlaskClient, db: Session, people: dict[str, User]
) -> None:
    eggs = shipped_product(db, people["farmer"], people["agent"], max_journey_days=5)
    shipped_product(
        db, people["farmer"], people["agent"], title="豆腐", ships=False, packed_weight_g=None
    )
    items = client.get("/api/v1/products?ships=true").get_json()["items"]
    assert [(p["id"], p["packed_weight_g"], p["max_journey_days"]) for p in items] == [
        (eggs.id, 1500, 5)
    ]
    assert {p["title"] for p in client.get("/api/v1/products?ships=false").get_json()["items"]} == {
        "豆腐"
    }


def test_the_agent_keeps_the_station_tariff(client: FlaskClient, people: dict[str, User]) -> None:
    headers = _signed_in(client, people["agent"], TEST_PASSWORD)
    current = client.get("/api/v1/shipping/tariff", headers=headers).get_json()
    assert current["province_code"] == "43" and len(current["rates"]) == 4
    current["rates"][0]["first_kg_fen"] = 900
    saved = client.put("/api/v1/shipping/tariff", json=current, headers=headers)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["rates"][0] == {
        "zone": "same_province",
        "first_kg_fen": 900,
        "extra_kg_fen": 300,
        "days": 1,
    }
    duplicate = {**current, "rates": [current["rates"][0]] * 4}
    assert client.put("/api/v1/shipping/tariff", json=duplicate, headers=headers).status_code == 422
    buyer_headers = _signed_in(client, people["buyer"])
    assert client.get("/api/v1/shipping/tariff", headers=buyer_headers).status_code == 403


def test_the_new_calls_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, method in [
        ("/api/v1/auth/signup", "post"),
        ("/api/v1/addresses", "post"),
        ("/api/v1/divisions", "get"),
        ("/api/v1/shipping/quote", "post"),
        ("/api/v1/shipping/tariff", "put"),
        ("/api/v1/orders/{order_id}/received", "post"),
    ]:
        assert method in paths[path], path
    order = client.get("/api/openapi.json").get_json()["components"]["schemas"]["OrderOut"]
    assert {"shipping_fee_fen", "courier", "waybill", "tracking_url"} <= set(order["properties"])


# --- deadlines -----------------------------------------------------------------------


def _paid_ship_order(db: Session, people: dict[str, User]) -> Order:
    eggs = shipped_product(db, people["farmer"], people["agent"])
    order = _ship_order(db, people["buyer"], eggs.id, 1)
    payment = payment_for(db, order.reference)
    assert payment is not None
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")
    return order


def test_an_order_not_at_the_station_in_time_is_refunded_and_both_told(
    db: Session, people: dict[str, User], stripe_gateway: object
) -> None:
    from core.notices.models import NoticeKind
    from core.notices.services import notices_for
    from core.timeutil import utcnow

    late = _paid_ship_order(db, people)
    ready = _paid_ship_order(db, people)
    bring_to_station(db, ready.id, people["agent"])  # its goods were brought in time
    assert late.ready_by is not None
    assert orders.cancel_overdue_ship_orders(db, now=late.ready_by) == []  # not yet late
    after = late.ready_by + dt.timedelta(minutes=1)
    assert orders.cancel_overdue_ship_orders(db, now=after) == [late]
    assert orders.cancel_overdue_ship_orders(db, now=after) == []  # once
    assert late.status is OrderStatus.REFUNDED and ready.status is OrderStatus.PAID
    payment = payment_for(db, late.reference)
    assert payment is not None and payment.refunded_fen == late.charged_fen
    assert parcel_of(db, late.id).status is OutboundStatus.CANCELLED
    assert parcel_of(db, ready.id).status is OutboundStatus.AT_STATION
    buyer_told = [n.kind for n in notices_for(db, user_id=people["buyer"].id)]
    assert NoticeKind.SHIP_OVERDUE_BUYER in buyer_told
    seller_told = [n.kind for n in notices_for(db, user_id=people["farmer"].id)]
    assert NoticeKind.SHIP_OVERDUE_SELLER in seller_told
    assert utcnow() < after  # the clock was moved by the argument, not by waiting


def test_a_shipped_order_is_taken_as_received_after_the_days(
    db: Session, people: dict[str, User], stripe_gateway: object
) -> None:
    order = _paid_ship_order(db, people)
    bring_to_station(db, order.id, people["agent"])
    hand_over(db, order.id, people["agent"], people["dispatcher"])
    soon = order.updated_at + orders.RECEIPT_CONFIRMED_AFTER - dt.timedelta(minutes=1)
    assert orders.confirm_overdue_receipts(db, now=soon) == []
    later = soon + dt.timedelta(minutes=2)
    assert orders.confirm_overdue_receipts(db, now=later) == [order]
    assert order.status is OrderStatus.RECEIVED


def test_the_demo_places_ship_orders_in_every_state_through_the_real_outbound(
    db: Session, stripe_gateway: object
) -> None:
    from sqlalchemy import select

    from logistics.models import OutboundParcel
    from shop.demo import load_demo
    from shop.orders.models import Order

    load_demo(db, seed=7)
    ship_orders = db.scalars(
        select(Order).where(Order.delivery == Delivery.SHIP).order_by(Order.id)
    ).all()
    assert [order.status for order in ship_orders] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.PAID,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.RECEIVED,
    ]
    by_order = {p.order_id: p for p in db.scalars(select(OutboundParcel))}
    assert [by_order[o.id].status for o in ship_orders[1:]] == [
        OutboundStatus.AWAITING_GOODS,
        OutboundStatus.AWAITING_COLLECTION,
        OutboundStatus.PACKED,
        OutboundStatus.HANDED_TO_COURIER,
        OutboundStatus.HANDED_TO_COURIER,
    ]
    assert ship_orders[0].id not in by_order  # nothing moves before the money is in
    assert by_order[ship_orders[2].id].uplink is not None  # on the cadre's next round
