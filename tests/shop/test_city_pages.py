"""The pages of produce to the city: sign-up, the address pickers, the ship checkout with
its quote, the station's tariff and the farmer's ship orders. The outbound half of
logistics is the real ``logistics.outbound``; payments go to localstripe through the real
Stripe SDK."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.accounts import sign_up_buyer
from core.models import Role, User, Village
from logistics.models import OutboundStatus
from payments.services import payment_for
from shop.buyers.services import addresses_of
from shop.orders.handlers import connect_handlers
from shop.orders.models import Order, OrderStatus
from shop.shipping import services as shipping
from shop.shipping.models import Zone
from tests.conftest import TEST_PASSWORD
from tests.shop.city_helpers import (
    SHENZHEN,
    bring_to_station,
    hand_over,
    paid_ship_order,
    parcel_of,
    shipped_product,
    ships_from,
)
from tests.shop.storefront_helpers import png_bytes

PASSWORD = "peach-orchard-2026"


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()


@pytest.fixture
def station(make_village: Callable[..., Village], db: Session) -> Village:
    village = make_village("桃花村")
    ships_from(db, village)
    return village


def _token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def _sign_up(client: FlaskClient) -> None:
    token = _token(client, "/signup")
    form = {"csrf_token": token, "name": "陈女士", "phone": "138 0013 8000", "password": PASSWORD}
    answer = client.post("/signup", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)


def _csrf(client: FlaskClient) -> str:
    page = client.get("/my/addresses").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_city_buyer_signs_up_adds_an_address_and_pays_the_quote(
    client: FlaskClient,
    db: Session,
    station: Village,
    make_user: Callable[..., User],
    stripe_gateway: object,
) -> None:
    farmer = make_user(Role.FARMER, village=station, name="王农户")
    eggs = shipped_product(db, farmer, make_user(Role.AGENT, village=station), max_journey_days=5)
    _sign_up(client)
    home = client.get("/").get_data(as_text=True)
    assert "顾客" in home and "收货地址" in home
    # The pickers, one level at a time: province, then city, then district.
    first = client.get("/my/addresses/new").get_data(as_text=True)
    assert "广东省" in first and "深圳市" not in first
    cities = client.get("/my/addresses/new?province=44").get_data(as_text=True)
    assert "深圳市" in cities and "南山区" not in cities
    districts = client.get("/my/addresses/new?province=44&city=4403").get_data(as_text=True)
    assert "南山区" in districts
    municipality = client.get("/my/addresses/new?province=11").get_data(as_text=True)
    assert "朝阳区" in municipality  # no city level
    token = _csrf(client)
    form = {
        "csrf_token": token,
        "province": "44",
        "city": "4403",
        "district": "440399",  # no such district: refused, the form kept
        "street": "科技园路 1 号",
        "recipient": "陈女士",
        "phone": "13800138000",
    }
    refused = client.post("/my/addresses/new", data=form)
    assert refused.status_code == 422 and "请选择省、市和区县" in refused.get_data(as_text=True)
    saved = client.post("/my/addresses/new", data={**form, "district": SHENZHEN})
    assert saved.status_code == 302
    client.post("/cart/add", data={"csrf_token": token, "product_id": eggs.id, "quantity": 2})
    cart = client.get("/cart").get_data(as_text=True)
    assert "快递寄到外地" in cart and "去结算" not in cart  # no station of ours to collect at
    checkout = client.get("/ship/checkout").get_data(as_text=True)
    assert "¥20.00" in checkout and "付款后约 3 天" in checkout and "¥96.00" in checkout
    assert ">寄到这个地址</button>" in checkout  # picks one of the address book for the quote
    [address] = addresses_of(db, user=db.query(User).filter_by(phone="13800138000").one())
    placed = client.post(
        "/ship/checkout",
        data={"csrf_token": token, "address_id": address.id, "idempotency_key": uuid.uuid4().hex},
    )
    assert placed.status_code == 302 and "/pay" in placed.headers["Location"]
    order = db.query(Order).filter_by(address_id=address.id).one()
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.amount_fen == 7600 + 2000


def test_a_perishable_too_far_shows_the_reason_and_no_pay_button(
    client: FlaskClient,
    db: Session,
    station: Village,
    make_user: Callable[..., User],
    stripe_gateway: object,
) -> None:
    farmer = make_user(Role.FARMER, village=station)
    eggs = shipped_product(db, farmer, make_user(Role.AGENT, village=station), max_journey_days=2)
    _sign_up(client)
    token = _csrf(client)
    form = {"csrf_token": token, "province": "11", "district": "110105", "street": "望京 1 号"}
    client.post("/my/addresses/new", data={**form, "recipient": "刘", "phone": "13800138001"})
    client.post("/cart/add", data={"csrf_token": token, "product_id": eggs.id, "quantity": 1})
    page = client.get("/ship/checkout").get_data(as_text=True)
    assert "是生鲜，路上最多 2 天，寄到这里要 4 天" in page and "去支付" not in page


def test_without_online_payment_the_ship_checkout_says_so_before_anything_is_filled(
    client: FlaskClient,
    db: Session,
    station: Village,
    make_user: Callable[..., User],
) -> None:
    """As under ``make run`` (no Stripe keys): a shipped order can only be paid online, so
    the checkout says it at once and offers neither the address form nor 去支付."""
    farmer = make_user(Role.FARMER, village=station)
    eggs = shipped_product(db, farmer, make_user(Role.AGENT, village=station))
    _sign_up(client)
    token = _csrf(client)
    client.post("/cart/add", data={"csrf_token": token, "product_id": eggs.id, "quantity": 1})
    cart = client.get("/cart").get_data(as_text=True)  # the cart does not lead there at all
    assert "/ship/checkout" not in cart and "本站还没有开通在线支付，暂时不能寄" in cart
    page = client.get("/ship/checkout").get_data(as_text=True)
    assert "暂不支持在线支付：快递寄到外地的订单只能在线支付" in page
    assert "去支付" not in page and "添加地址" not in page
    # A page opened before (or a script) still meets a clear refusal, never cash.
    form = {"csrf_token": token, "province": "44", "city": "4403", "district": SHENZHEN}
    form["street"] = "科技园路 1 号"
    client.post("/my/addresses/new", data={**form, "recipient": "陈", "phone": "13800138000"})
    [address] = addresses_of(db, user=db.query(User).filter_by(phone="13800138000").one())
    placed = client.post(
        "/ship/checkout",
        data={"csrf_token": token, "address_id": address.id, "idempotency_key": uuid.uuid4().hex},
        follow_redirects=True,
    )
    answer = placed.get_data(as_text=True)
    assert "暂不支持在线支付" in answer and "到站付现金" not in answer
    assert db.query(Order).filter_by(address_id=address.id).count() == 0


def test_the_agent_edits_the_tariff_on_the_station_page(
    client: FlaskClient, db: Session, station: Village, make_user: Callable[..., User]
) -> None:
    agent = make_user(Role.AGENT, village=station)
    client.post("/api/v1/auth/login", json={"phone": agent.phone, "password": TEST_PASSWORD})
    page = client.get("/station/shipping").get_data(as_text=True)
    assert "邻省" in page and "偏远地区" in page and 'value="1000"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "province": "43"}
    for zone, first in (
        ("same_province", 700),
        ("neighbouring", 900),
        ("far", 1100),
        ("remote", 1900),
    ):
        form |= {f"{zone}-first": str(first), f"{zone}-extra": "400", f"{zone}-days": "2"}
    assert client.post("/station/shipping", data=form).status_code == 302
    tariff = shipping.tariff_of(db, station.id)
    assert tariff is not None and tariff.rates[Zone.REMOTE].first_kg_fen == 1900
    bad = client.post("/station/shipping", data={**form, "far-first": "１００"})
    assert bad.status_code == 422


def test_the_farmer_sees_the_deadline_and_asks_for_a_collection(
    client: FlaskClient,
    db: Session,
    station: Village,
    make_user: Callable[..., User],
    stripe_gateway: object,
) -> None:
    farmer = make_user(Role.FARMER, village=station, name="王农户")
    eggs = shipped_product(db, farmer, make_user(Role.AGENT, village=station))
    buyer = sign_up_buyer(db, phone="13800138000", password=PASSWORD, name="陈")
    order = paid_ship_order(db, buyer, eggs)
    client.post("/api/v1/auth/login", json={"phone": farmer.phone, "password": TEST_PASSWORD})
    page = client.get("/seller/orders").get_data(as_text=True)
    assert "前把货送到村站" in page and "请村干部上门收货" in page
    assert ">已打包</button>" not in page  # a ship order is packed at the station, not here
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    asked = client.post(f"/orders/{order.id}/collect", data={"csrf_token": token})
    assert asked.status_code == 302
    parcel = parcel_of(db, order.id)
    db.refresh(parcel)  # the page moved it in the app's session, not in this one
    assert parcel.status is OutboundStatus.AWAITING_COLLECTION
    packed = client.post(f"/orders/{order.id}/pack", data={"csrf_token": token})
    assert packed.status_code == 409  # the station weighs and packs shipped orders


def test_the_buyer_follows_the_parcel_step_by_step_newest_first_in_local_time(
    client: FlaskClient,
    db: Session,
    station: Village,
    make_user: Callable[..., User],
    stripe_gateway: object,
) -> None:
    agent = make_user(Role.AGENT, village=station)
    eggs = shipped_product(db, make_user(Role.FARMER, village=station), agent)
    buyer = sign_up_buyer(db, phone="13800138000", password=PASSWORD, name="陈")
    order = paid_ship_order(db, buyer, eggs)
    bring_to_station(db, order.id, agent)
    parcel = hand_over(db, order.id, agent, make_user(Role.DISPATCHER, village=station))
    # Each step an hour apart from 23:00 UTC, which is 07:00 the next morning in China.
    start = dt.datetime(2026, 11, 27, 23, 0, tzinfo=dt.UTC)
    for hour, event in enumerate(parcel.history):
        event.at = start + dt.timedelta(hours=hour)
    db.flush()
    assert len(parcel.history) == 6  # paid, at the station, packed, van, hub, courier
    client.post("/api/v1/auth/login", json={"phone": buyer.phone, "password": PASSWORD})
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    steps = page.split('<ol class="tracking"')[1].split("</ol>")[0]
    assert steps.index("2026-11-28 12:00") < steps.index("已交给中通，运单号 ZT7700123")
    assert steps.index("已交给中通") < steps.index("已到") < steps.index("2026-11-28 07:00")
    assert steps.index("2026-11-28 07:00") < steps.index("村站发货，等农户送货到站")
    assert "2026-11-27 23:00" not in steps  # local time, not UTC


def test_the_buyer_confirms_receipt_and_claims_and_the_agent_refunds_part(
    client: FlaskClient,
    db: Session,
    station: Village,
    make_user: Callable[..., User],
    stripe_gateway: object,
) -> None:
    agent = make_user(Role.AGENT, village=station)
    eggs = shipped_product(db, make_user(Role.FARMER, village=station), agent)
    buyer = sign_up_buyer(db, phone="13800138000", password=PASSWORD, name="陈")
    order = paid_ship_order(db, buyer, eggs, quantity=2)
    payment = payment_for(db, order.reference)
    assert payment is not None
    bring_to_station(db, order.id, agent)
    hand_over(db, order.id, agent, make_user(Role.DISPATCHER, village=station))
    client.post("/api/v1/auth/login", json={"phone": buyer.phone, "password": PASSWORD})
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "中通 ZT7700123" in page and "¥96.00" in page and "确认收货" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/orders/{order.id}/received", data={"csrf_token": token})
    db.refresh(order)
    assert order.status is OrderStatus.RECEIVED
    claimed = client.post(
        f"/orders/{order.id}/claim",
        data={
            "csrf_token": token,
            "kind": "damaged",
            "description": "碎了一盒",
            "photos": (io.BytesIO(png_bytes()), "box.png"),
        },
        content_type="multipart/form-data",
    )
    assert claimed.status_code == 302
    assert "售后：破损 · 待村站处理" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    client.post("/api/v1/auth/login", json={"phone": agent.phone, "password": TEST_PASSWORD})
    queue = client.get("/station/claims").get_data(as_text=True)
    assert "碎了一盒" in queue and "买家实付 ¥96.00" in queue and "最多可退货款 ¥76.00" in queue
    claim_id = int(queue.split("/station/claims/")[1].split('"')[0])
    token = queue.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "decision": "refund", "refund": "96.00", "reason": "全退"}
    refused = client.post(f"/station/claims/{claim_id}", data=form, follow_redirects=True)
    assert "不超过 76.00 元（只退货款，运费不退）" in refused.get_data(as_text=True)
    form = {"csrf_token": token, "decision": "refund", "refund": "38.00", "reason": "碎了一盒"}
    assert client.post(f"/station/claims/{claim_id}", data=form).status_code == 302
    db.refresh(payment)
    assert payment.refunded_fen == 3800
    assert "没有待处理的售后申请" in client.get("/station/claims").get_data(as_text=True)
