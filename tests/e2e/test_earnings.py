"""A farmer's money, end to end on the phone (real Chromium, Pixel 7): three sales of the
farmer's products handed over, one refunded afterwards (a claim), the week settled, the
agent pays out in cash with the farmer's signature on the screen, and the farmer sees
nothing left available and the paid statement.

Arranged through the services (not the browser): the three sales (the storefront journeys
test buying) and the weekly settlement, which Celery beat runs on Mondays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.db import transaction
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import Household, Role, RoleGrant, User
from core.money import format_fen
from core.timeutil import utcnow
from inventory.models import StockLocation
from ledger.services import available_fen
from ledger.settlement import settle_week
from payments import services as payments
from payments.models import PaymentMethod
from shop.catalog.models import ListingStatus, Product
from shop.orders import services as orders
from shop.orders.models import Delivery
from tests.conftest import LiveServer
from tests.e2e.phone import shot, sign_in


@dataclass(frozen=True)
class Sold:
    farmer_phone: str
    agent_phone: str
    available_fen: int


def _sell_three_and_settle(server: LiveServer) -> Sold:
    state: DatabaseState = server.app.extensions[EXTENSION_KEY]
    with transaction(state.write_sessions) as session:
        products = session.scalars(
            select(Product)
            .where(Product.status == ListingStatus.LISTED)
            .order_by(Product.seller_id.desc(), Product.id)
        ).all()
        by_seller: dict[int, list[Product]] = {}
        for product in products:
            by_seller.setdefault(product.seller_id, []).append(product)
        listed = max(by_seller.values(), key=len)  # three sales of the farmer's listings
        chosen = [listed[n % len(listed)] for n in range(3)]
        farmer = session.get(User, chosen[0].seller_id)
        village_id = session.get(StockLocation, chosen[0].location_id).village_id  # type: ignore[union-attr]
        agent = session.scalars(
            select(User)
            .join(RoleGrant)
            .where(RoleGrant.role == Role.AGENT, RoleGrant.village_id == village_id)
        ).first()
        # A buyer of the farmer's own village: the order is collected at that station, whose
        # agent takes the cash, hands over and later pays the farmer out.
        buyer = session.scalars(
            select(User)
            .join(RoleGrant)
            .join(Household, Household.id == User.household_id)
            .where(RoleGrant.role == Role.VILLAGER, Household.village_id == village_id)
            .where(User.id != farmer.id)
            .order_by(User.id.desc())
        ).first()
        assert farmer and agent and buyer
        placed = [
            orders.place_orders(
                session,
                buyer=buyer,
                placed_by=buyer,
                lines=[orders.LineInput(product.id, 1)],
                delivery=Delivery.PICKUP,
                payment=PaymentMethod.CASH,
            )[0]
            for product in chosen
        ]
        for order in placed:
            orders.pack(session, seller=farmer, order_id=order.id)
            orders.mark_ready_for_pickup(session, agent=agent, order_id=order.id)
            orders.collect_cash(session, agent=agent, order_id=order.id)
            orders.hand_over(
                session, agent=agent, order_id=order.id, pickup_code=order.pickup_code or ""
            )
        # The buyer brings the third back spoiled: the station refunds it in cash.
        payments.refund_payment(
            session, subject_ref=placed[2].reference, amount_fen=placed[2].total_fen, actor=agent
        )
        now = utcnow()
        settle_week(session, week_start=now.date(), now=now + dt.timedelta(days=8))
        return Sold(farmer.phone, agent.phone, available_fen(session, farmer.id))


def test_a_farmer_is_paid_in_cash_at_the_counter_and_sees_it(
    page: Page, live_server: LiveServer
) -> None:
    sold = _sell_three_and_settle(live_server)
    assert sold.available_fen > 0
    amount = format_fen(sold.available_fen)

    sign_in(page, live_server.url, sold.farmer_phone)
    page.get_by_role("link", name="我的收入").click()
    expect(page.locator('[data-figure="available"]')).to_have_text(amount)
    expect(page.locator('[data-entry-kind="refund"]')).to_have_count(1)
    expect(page.locator('[data-entry-kind="sale"]')).to_have_count(3)
    shot(page, "earnings-01-farmer-before-payout")

    page.context.clear_cookies()
    sign_in(page, live_server.url, sold.agent_phone)
    page.get_by_role("link", name="卖家结算付款").click()
    page.get_by_role("link", name="付款给").first.click()
    expect(page.locator('[data-figure="payable"]')).to_have_text(amount)
    page.get_by_role("button", name=f"确认付款 {amount}").click()
    expect(page.locator("[data-sign-error]")).to_be_visible()  # no signature yet
    box = page.locator("canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 25)
    page.mouse.up()
    shot(page, "earnings-02-agent-signature")
    page.get_by_role("button", name=f"确认付款 {amount}").click()
    expect(page.get_by_role("status")).to_contain_text(f"已付给卖家 {amount}")
    shot(page, "earnings-03-agent-paid")

    page.get_by_role("link", name="村站首页").click()
    page.get_by_role("link", name="现金日结").click()
    expect(page.locator('[data-total="paid-out"]')).to_have_text(amount)
    page.get_by_role("link", name="村站首页").click()
    page.get_by_role("link", name="卖家结算付款").click()
    page.get_by_role("link", name="本站月报").click()
    expect(page.locator('[data-total="payouts"]')).to_contain_text(amount)
    shot(page, "earnings-04-station-month")

    page.context.clear_cookies()
    sign_in(page, live_server.url, sold.farmer_phone)
    page.get_by_role("link", name="我的收入").click()
    expect(page.locator('[data-figure="available"]')).to_have_text("¥0.00")
    expect(page.locator('[data-figure="paid-out"]')).to_have_text(amount)
    shot(page, "earnings-05-farmer-after-payout")
    page.get_by_role("link", name="这一周").first.click()
    expect(page.locator('[data-figure="closing"]')).to_have_text(amount)
    expect(page.locator("[data-payout]")).to_contain_text(f"以现金付给卖家 {amount}")
    expect(page.locator("svg.signature path")).to_have_count(1)
    shot(page, "earnings-06-statement")
