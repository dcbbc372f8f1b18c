"""A farmer's money, end to end on phones (real Chromium, Pixel 7), by tapping: two villagers
of the farmer's village buy the farmer's produce in three orders for pickup at their station,
the farmer marks them packed, the agent takes the cash and hands two over against the pickup
codes and refunds the third at the counter (the buyer refused it); the week is settled; the
agent pays the farmer out in cash with the farmer's signature on the screen; the farmer sees
nothing left available and the paid statement.

Only the weekly settlement is called as a service: Celery beat runs it on Monday for the
week that ended, and a test cannot wait a week nor backdate the ledger (it is insert-only),
so it settles this week as beat would next Monday.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from core.db import transaction
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import Household, Role, RoleGrant, User
from core.money import format_fen
from core.timeutil import utcnow
from inventory.models import StockLocation
from ledger.settlement import settle_week
from shop.catalog.models import ListingStatus, Product
from tests.conftest import LiveServer, phone_of
from tests.e2e.phone import shot, sign_in

# Farmers other journeys sell for or list with: this one keeps to its own farmer.
OTHER_JOURNEYS_FARMERS = {f"139000001{n:02d}" for n in (1, 6, 7, 10, 11, 12)}


@dataclass(frozen=True)
class Cast:
    farmer: str  # phones
    farmer_name: str
    agent: str
    villagers: tuple[str, str]
    products: tuple[str, str]  # titles of the farmer's two listings


def _cast(server: LiveServer) -> Cast:
    """Who plays: a farmer with two listings in the demo township, the agent of the
    farmer's village station, and two villagers of that village (the last registered)."""
    state: DatabaseState = server.app.extensions[EXTENSION_KEY]
    with state.read_sessions() as session:
        listed = session.execute(
            select(User, Product.title, StockLocation.village_id)
            .join(Product, Product.seller_id == User.id)
            .join(StockLocation, StockLocation.id == Product.location_id)
            .where(
                Product.status == ListingStatus.LISTED, User.phone.not_in(OTHER_JOURNEYS_FARMERS)
            )
            .order_by(User.id.desc(), Product.id)
        ).all()
        titles: dict[User, list[str]] = {}
        for farmer, title, _ in listed:
            titles.setdefault(farmer, []).append(title)
        farmer = next(f for f, t in titles.items() if len(t) >= 2 and f.has_role(Role.FARMER))
        village_id = next(v for f, _, v in listed if f is farmer)
        agent = session.scalar(
            select(User.phone)
            .join(RoleGrant)
            .where(RoleGrant.role == Role.AGENT, RoleGrant.village_id == village_id)
        )
        villagers = session.scalars(
            select(User.phone)
            .join(RoleGrant)
            .join(Household, Household.id == User.household_id)
            .where(RoleGrant.role == Role.VILLAGER, Household.village_id == village_id)
            .where(User.id != farmer.id)
            .order_by(User.id.desc())
            .limit(2)
        ).all()
        assert agent is not None and len(villagers) == 2
        first, second = villagers
        assert first is not None and second is not None
        return Cast(
            phone_of(farmer),
            farmer.name,
            agent,
            (first, second),
            (titles[farmer][0], titles[farmer][1]),
        )


@dataclass(frozen=True)
class Bought:
    number: str
    pickup_code: str
    total_fen: int


def _phone(browser: Browser, args: dict[str, Any], server: LiveServer, phone: str) -> Page:
    page = browser.new_context(**args).new_page()
    sign_in(page, server.url, phone)
    return page


def _fen(text: str) -> int:
    yuan, fen = re.search(r"¥([\d,]+)\.(\d\d)", text).groups()  # type: ignore[union-attr]
    return int(yuan.replace(",", "")) * 100 + int(fen)


def _buy(page: Page, server: LiveServer, title: str, name: str) -> Bought:
    """Find the product, put it in the cart and order it for pickup, cash at the station."""
    page.goto(server.url + "/")
    page.get_by_role("link", name="逛本地好物").click()
    page.get_by_role("searchbox").fill(title)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("button", name="加入购物车").click()
    page.get_by_role("button", name="去结算").click()
    page.get_by_label(re.compile("村站自提")).check()
    page.get_by_label("到站付现金").check()
    if name:
        shot(page, name)
    page.get_by_role("button", name="提交订单").click()
    expect(page.get_by_role("status")).to_contain_text("下单成功")
    page.get_by_role("listitem").filter(has_text=title).get_by_role("link").first.click()
    number = page.get_by_role("heading", level=1).inner_text().split("#")[1].strip()
    code = page.locator("[data-pickup-code]").inner_text()
    total = _fen(page.locator(".price.big").inner_text())
    return Bought(number, code, total)


def _open_order(page: Page, server: LiveServer, number: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name="本站订单与收款").click()
    page.get_by_role("link", name=f"订单 #{number}").click()


def _settle_as_beat_would_next_monday(server: LiveServer) -> None:
    state: DatabaseState = server.app.extensions[EXTENSION_KEY]
    with transaction(state.write_sessions) as session:
        now = utcnow()
        settle_week(session, week_start=now.date(), now=now + dt.timedelta(days=8))


def _sign(page: Page) -> None:
    box = page.locator("canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 25)
    page.mouse.up()


def test_a_farmer_sells_three_one_refunded_is_paid_in_cash_and_sees_it(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    cast = _cast(live_server)
    first, second = (_phone(browser, browser_context_args, live_server, v) for v in cast.villagers)
    orders = [
        _buy(first, live_server, cast.products[0], "earnings-01-villager-checkout"),
        _buy(first, live_server, cast.products[1], ""),
        _buy(second, live_server, cast.products[0], ""),
    ]
    refused, kept = orders[0], orders[1:]

    farmer = _phone(browser, browser_context_args, live_server, cast.farmer)
    farmer.get_by_role("link", name="待备货订单").click()
    for order in orders:
        farmer.get_by_role("listitem").filter(has_text=f"订单 #{order.number}").get_by_role(
            "button", name="已打包"
        ).click()
        expect(farmer.get_by_role("status")).to_have_text("已标记为打包好")

    agent = _phone(browser, browser_context_args, live_server, cast.agent)
    for order in orders:
        _open_order(agent, live_server, order.number)
        agent.get_by_role("button", name="已到站，通知自提").click()
        expect(agent.get_by_role("status")).to_have_text("已到站，待村民自提")
        agent.get_by_role("button", name=f"收现金 {format_fen(order.total_fen)}").click()
        expect(agent.get_by_role("status")).to_have_text("已收现金")
        if order is refused:  # the buyer looks at it at the counter and does not want it
            agent.get_by_role("link", name="取消订单并退款").click()
            agent.get_by_role("button", name="确定取消并退款").click()
            expect(agent.locator(".badge")).to_have_text("已退款")
            shot(agent, "earnings-02-agent-refunded")
            continue
        agent.get_by_label("村民报的取货码").fill(order.pickup_code)
        agent.get_by_role("button", name="交货给村民").click()
        expect(agent.get_by_role("status")).to_have_text("已交货")
    shot(agent, "earnings-03-agent-handed-over")

    _settle_as_beat_would_next_monday(live_server)
    # The farmer's own village's produce: the station keeps no commission by default.
    amount = format_fen(sum(order.total_fen for order in kept))
    farmer.goto(live_server.url + "/")
    farmer.get_by_role("link", name="我的收入").click()
    expect(farmer.locator('[data-figure="available"]')).to_have_text(amount)
    expect(farmer.locator('[data-entry-kind="sale"]')).to_have_count(2)
    shot(farmer, "earnings-04-farmer-before-payout")

    agent.goto(live_server.url + "/")
    agent.get_by_role("link", name="卖家结算付款").click()
    agent.get_by_role("listitem").filter(has_text=cast.farmer_name).get_by_role(
        "link", name="付款给"
    ).click()
    expect(agent.locator('[data-figure="payable"]')).to_have_text(amount)
    agent.get_by_role("button", name=f"确认付款 {amount}").click()
    expect(agent.locator("[data-sign-error]")).to_be_visible()  # no signature yet
    _sign(agent)
    expect(agent.locator("[data-sign-error]")).to_be_hidden()
    shot(agent, "earnings-05-agent-signature")
    agent.get_by_role("button", name=f"确认付款 {amount}").click()
    expect(agent.get_by_role("status")).to_contain_text(f"已付给卖家 {amount}")
    shot(agent, "earnings-06-agent-paid")

    agent.goto(live_server.url + "/")
    agent.get_by_role("link", name="现金日结").click()
    expect(agent.locator('[data-total="paid-out"]')).to_contain_text(amount)
    agent.goto(live_server.url + "/")
    agent.get_by_role("link", name="卖家结算付款").click()
    agent.get_by_role("link", name="本站月报").click()
    expect(agent.locator('[data-total="payouts"]')).to_contain_text(amount)
    shot(agent, "earnings-07-station-month")

    farmer.reload()
    expect(farmer.locator('[data-figure="available"]')).to_have_text("¥0.00")
    expect(farmer.locator('[data-figure="paid-out"]')).to_have_text(amount)
    shot(farmer, "earnings-08-farmer-after-payout")
    farmer.get_by_role("link", name="这一周").first.click()
    expect(farmer.locator('[data-figure="closing"]')).to_have_text(amount)
    expect(farmer.locator("[data-payout]")).to_contain_text(f"以现金付给卖家 {amount}")
    expect(farmer.locator("svg.signature path")).to_have_count(1)
    shot(farmer, "earnings-09-statement")
