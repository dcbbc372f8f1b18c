"""Journey 7 on Pixel 7 phones, in Chinese, by tapping: a buyer in 深圳 signs up, finds eggs that
ship, adds an address with the province → city → district pickers, sees the courier fee and
the days before paying, and pays online (the real Stripe SDK against localstripe); the farmer
asks for a collection; the cadre collects it on the round; the agent packs the parcel and
prints its label (the PDF's text is checked) and gives it to the van; the dispatcher unloads it
at the hub and records the courier's waybill; the buyer sees the courier, the waybill and the
tracking link on the order page, and confirms receipt. Everything runs through the real
``logistics.outbound``; only the round is planned by a service call.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass
from typing import Any

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import transaction
from core.demo import demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import Role, RoleGrant, User
from core.timeutil import local_today, utcnow
from logistics.models import OutboundStatus, Round, Stop, Vehicle
from logistics.outbound import parcels
from tests.conftest import LiveServer, phone_of
from tests.e2e.pay import pay_online_on_the_page, shot
from tests.e2e.phone import sign_in

BUYER_PHONE = "13800138888"
DISPATCHER = demo_phone(4, 1)


def test_journey_7_a_buyer_in_shenzhen_orders_eggs_and_receives_them_by_courier(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    online_payments: Any,
) -> None:
    page = _phone_page(browser, browser_context_args)
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="在城里想买村里的货？注册").click()
    page.get_by_label("怎么称呼您").fill("陈晓梅")
    page.get_by_label("手机号").fill(BUYER_PHONE)
    page.get_by_label("设置密码").fill("shenzhen-eggs-2026")
    shot(page, "city-01-signup")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("status")).to_have_text("注册成功，欢迎您！")
    expect(page.locator("header").get_by_role("link", name="购物车")).to_be_visible()  # empty

    page.get_by_role("link", name="买村里的好货（快递到家）").click()
    expect(page.get_by_label("只看能快递到外地的")).to_be_checked()
    page.get_by_role("searchbox").fill("土鸡蛋")
    page.get_by_role("button", name="搜索").click()
    page.locator(".product-card a").first.click()
    page.get_by_label("数量").fill("2")
    page.get_by_role("button", name="加入购物车").click()
    expect(page.get_by_role("button", name="去结算")).to_have_count(0)  # no station of ours
    page.get_by_role("link", name="快递寄到外地").click()
    expect(page.get_by_text("还没有收货地址。")).to_be_visible()
    page.get_by_role("link", name="添加地址").click()

    page.get_by_label("省份").select_option(label="广东省")  # the next list comes at once
    page.wait_for_url("**province=44*")
    page.get_by_label("城市").select_option(label="深圳市")
    page.wait_for_url("**city=4403*")
    page.get_by_label("区县").select_option(label="南山区")
    page.get_by_label("详细地址（街道、小区、门牌）").fill("科技园南区高新南七道 9 号")
    page.get_by_label("收件人", exact=True).fill("陈晓梅")
    page.get_by_label("收件人手机号").fill(BUYER_PHONE)
    shot(page, "city-02-address")
    page.get_by_role("button", name="保存地址").click()

    expect(page.get_by_role("heading", name="快递寄出")).to_be_visible()
    quote = page.locator(".quote")
    expect(quote.locator(".fee")).to_have_text("¥15.00")  # 1.8 kg to 广东: 首重 + 1 kg 续重
    expect(quote.locator(".arrival")).to_have_text("付款后约 3 天")
    expect(quote).to_contain_text("邻省")
    shot(page, "city-03-quote")
    page.get_by_role("button", name="去支付").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("在线支付")
    order_no = int(page.url.split("/orders/")[1].split("/")[0])
    pay_online_on_the_page(page, online_payments)
    page.goto(f"{live_server.url}/orders/{order_no}")
    expect(page.get_by_text("已付款，待备货").first).to_be_visible()
    shot(page, "city-04-paid")
    station = _station_of(live_server, order_no)
    assert station.division_code == "440305" and station.weight_g == 1800

    farmer = _phone_page(browser, browser_context_args)
    sign_in(farmer, live_server.url, station.farmer_phone, then="/seller/orders")
    expect(farmer.get_by_text("前把货送到村站").first).to_be_visible()
    farmer.get_by_role("button", name="请村干部上门收货").first.click()
    shot(farmer, "city-05-farmer-asks-collection")

    cadre_phone, stop_id = _plan_the_collection(live_server, order_no)  # the dispatcher's plan
    cadre = _phone_page(browser, browser_context_args)
    sign_in(cadre, live_server.url, cadre_phone, then="/cadre/today")
    stop = cadre.locator(f"#stop-{stop_id}")
    first = stop.get_by_role("button", name="先去这家")
    if first.is_visible():
        first.click()
    expect(stop).to_contain_text(f"寄往城市的订单 {order_no}号")
    stop.get_by_label("称重（公斤）").fill("1.9")
    shot(cadre, "city-06-cadre-collects")
    stop.get_by_role("button", name="已收农产品").click()
    expect(stop.locator("[data-message]")).not_to_be_empty()
    _wait_until_at_station(live_server, order_no)

    agent = _phone_page(browser, browser_context_args)
    sign_in(agent, live_server.url, station.agent_phone, then="/station")
    card = agent.locator(".outbound-card").filter(has_text=f"订单 {order_no}号")
    expect(card).to_contain_text("已到村站")
    card.get_by_label("打包后称重（公斤）").fill("1.95")
    card.get_by_role("button", name="称重打包").click()
    expect(agent.get_by_role("status")).to_have_text("已打包，请打印面单贴在箱子上")
    shot(agent, "city-07-agent-packed")
    link = card.get_by_role("link", name="打印面单（100×150 毫米）")
    pdf = agent.request.get(live_server.url + (link.get_attribute("href") or ""))
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(pypdf.PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert station.number in text and "陈晓梅138****8888" in text and "高新南七道9号" in text
    van = agent.locator("form", has=agent.get_by_role("button", name="交给干线车运往镇中心"))
    van.get_by_label(station.number).check()
    van.get_by_role("button", name="交给干线车运往镇中心").click()
    expect(agent.get_by_role("status")).to_contain_text("件已交干线车运往镇中心")

    hub = _phone_page(browser, browser_context_args)
    sign_in(hub, live_server.url, DISPATCHER, then="/dispatch")
    hub.get_by_role("link", name="寄出包裹交快递").click()
    hub.get_by_label(station.number).check()
    hub.get_by_role("button", name="勾选的包裹已卸到镇中心").click()
    expect(hub.get_by_role("status")).to_contain_text("件已到镇中心")
    parcel = hub.locator("#hand-over li").filter(has_text=station.number)
    parcel.get_by_label("快递公司").select_option(label="顺丰")
    parcel.get_by_label("运单号").fill("SF1408800990077")
    parcel.get_by_role("button", name="记录运单号").click()
    expect(hub.get_by_role("status")).to_have_text("已交快递，运单号已记录")

    page.goto(f"{live_server.url}/orders/{order_no}")
    expect(page.get_by_text("顺丰 SF1408800990077")).to_be_visible()
    expect(page.locator("ol.steps li")).to_have_text(
        ["已下单", "已付款", "村站打包，已交快递", "已签收"]  # paid before anything moves
    )
    steps = page.get_by_role("list", name="物流进度").get_by_role("listitem")  # newest first
    expect(steps.first).to_contain_text("已交给顺丰，运单号 SF1408800990077")
    expect(steps.last).to_contain_text("等农户送货到站")
    tracking = page.get_by_role("link", name="查看物流")
    assert (tracking.get_attribute("href") or "").endswith("SF1408800990077")
    shot(page, "city-08-buyer-sees-the-courier")
    page.get_by_role("button", name="确认收货").click()
    expect(page.locator(".badge")).to_have_text("已签收")
    shot(page, "city-09-received")


@dataclass(frozen=True)
class StationSide:
    """Who handles the order's parcel, read from the live server's database."""

    number: str
    division_code: str
    weight_g: int
    farmer_phone: str
    agent_phone: str


def _database(live_server: LiveServer) -> DatabaseState:
    state: DatabaseState = live_server.app.extensions[EXTENSION_KEY]
    return state


def _granted(session: Session, role: Role, village_id: int) -> User:
    return session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == role, RoleGrant.village_id == village_id)
        .order_by(User.id)
    ).first() or pytest.fail(f"no {role} at village {village_id}")


def _station_of(live_server: LiveServer, order_id: int) -> StationSide:
    with transaction(_database(live_server).write_sessions) as session:
        parcel = parcels.parcel_of_order(session, order_id)
        return StationSide(
            number=parcel.number,
            division_code=parcel.division_code,
            weight_g=parcel.weight_g,
            farmer_phone=phone_of(parcel.seller),
            agent_phone=phone_of(_granted(session, Role.AGENT, parcel.station_id)),
        )


def _plan_the_collection(live_server: LiveServer, order_id: int) -> tuple[str, int]:
    """What the dispatcher's planning does, by a service call (the planning is not what this
    journey is about): a round of the village's cadre today with the farmer's collection."""
    with transaction(_database(live_server).write_sessions) as session:
        parcel = parcels.parcel_of_order(session, order_id)
        assert parcel.uplink is not None and parcel.seller.household_id is not None
        cadre = _granted(session, Role.CADRE, parcel.station_id)
        now = utcnow()
        round_ = Round(
            day=local_today(),
            village_id=parcel.station_id,
            vehicle_id=session.scalars(select(Vehicle.id).order_by(Vehicle.id)).first(),
            cadre_id=cadre.id,
            departure=now,
            return_at=now + dt.timedelta(hours=3),
        )
        stop = Stop(household_id=parcel.seller.household_id, sequence=1, eta=now)
        stop.uplinks.append(parcel.uplink)
        round_.stops.append(stop)
        session.add(round_)
        session.flush()
        return phone_of(cadre), stop.id


def _wait_until_at_station(live_server: LiveServer, order_id: int) -> None:
    """The cadre's page sends the collection in the background (its outbox)."""
    for _ in range(50):
        with transaction(_database(live_server).write_sessions) as session:
            if parcels.parcel_of_order(session, order_id).status is OutboundStatus.AT_STATION:
                return
        time.sleep(0.2)
    pytest.fail("the collection never reached the server")


def _phone_page(browser: Browser, args: dict[str, Any]) -> Page:
    return browser.new_context(**args).new_page()
