"""Produce to the city on the phone (real Chromium, Pixel 7, in Chinese): the agent receives
the farmer's goods, weighs and packs them, prints the 100 × 150 mm label (the PDF's text is
checked) and gives the parcel to the van; the dispatcher unloads it at the hub and records the
courier's waybill, which the buyer's tracking then carries with its link."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.db import transaction
from core.demo import demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import Role, RoleGrant, User
from core.timeutil import utcnow
from logistics import outbound
from tests.conftest import LiveServer
from tests.e2e.phone import shot, sign_in

AGENT = demo_phone(2, 1)
DISPATCHER = demo_phone(4, 1)
#: Far above the demo shop's order ids: the live server is shared with the other journeys.
ORDER_ID = 7_700_001


def _open_parcel(state: DatabaseState) -> int:
    """The shop's side, as it calls logistics when a city buyer's order is paid."""
    with transaction(state.write_sessions) as session:
        agent = session.scalars(select(User).where(User.phone == AGENT)).one()
        station_id = session.scalars(
            select(RoleGrant.village_id).where(
                RoleGrant.user_id == agent.id, RoleGrant.role == Role.AGENT
            )
        ).first()
        assert station_id is not None
        return outbound.open_outbound(
            session,
            order_id=ORDER_ID,
            station_id=station_id,
            seller_user_id=agent.id,
            recipient="陈晓雯",
            phone="13987654321",
            division_code="440305",
            street="广东省深圳市南山区粤海街道科技园南路 8 号 1201 室",
            weight_g=2_400,
            ready_by=utcnow() + dt.timedelta(days=1),
        )


def test_the_agent_packs_and_prints_and_the_dispatcher_records_the_waybill(
    page: Page, live_server: LiveServer
) -> None:
    state: DatabaseState = live_server.app.extensions[EXTENSION_KEY]
    parcel_id = _open_parcel(state)
    number = f"CZ{parcel_id:08d}"

    sign_in(page, live_server.url, AGENT, then="/station")
    card = page.locator(".outbound-card").filter(has_text="订单 7700001号")
    expect(card).to_contain_text("等农户送货到站")
    card.get_by_role("button", name="农户已送到村站").click()
    expect(page.get_by_role("status")).to_have_text("已收到农产品，请称重打包")
    card.get_by_label("打包后称重（公斤）").fill("2.55")
    shot(page, "outbound-01-weigh")
    card.get_by_role("button", name="称重打包").click()
    expect(page.get_by_role("status")).to_have_text("已打包，请打印面单贴在箱子上")
    expect(card).to_contain_text(f"包裹号 {number}")
    shot(page, "outbound-02-packed")

    link = card.get_by_role("link", name="打印面单（100×150 毫米）")
    pdf = page.request.get(live_server.url + (link.get_attribute("href") or ""))
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.body()))
    text = "".join(reader.pages[0].extract_text().split())
    assert number in text and "陈晓雯139****4321" in text and "科技园南路8号1201室" in text

    van = page.locator("form", has=page.get_by_role("button", name="交给干线车运往镇中心"))
    van.get_by_label(number).check()
    van.get_by_role("button", name="交给干线车运往镇中心").click()
    expect(page.get_by_role("status")).to_contain_text("件已交干线车运往镇中心")

    page.context.clear_cookies()
    sign_in(page, live_server.url, DISPATCHER, then="/dispatch")
    page.get_by_role("link", name="寄出包裹交快递").click()
    page.get_by_label(number).check()
    page.get_by_role("button", name="勾选的包裹已卸到镇中心").click()
    expect(page.get_by_role("status")).to_contain_text("件已到镇中心")
    page.get_by_role("link", name="打印交接单").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("快递交接单")
    expect(page.locator(".sheet-stop").filter(has_text=number)).to_contain_text("139****4321")
    shot(page, "outbound-03-handover-sheet")
    page.get_by_role("link", name="返回上一页").click()
    parcel = page.locator("#hand-over li").filter(has_text=number)
    parcel.get_by_label("快递公司").select_option(label="顺丰")
    parcel.get_by_label("运单号").fill("SF1408800990011")
    shot(page, "outbound-04-waybill")
    parcel.get_by_role("button", name="记录运单号").click()
    expect(page.get_by_role("status")).to_have_text("已交快递，运单号已记录")
    expect(page.locator("#hand-over li").filter(has_text=number)).to_have_count(0)
    shot(page, "outbound-05-handed-over")

    with transaction(state.write_sessions) as session:
        tracking = outbound.tracking_for_order(session, ORDER_ID)
    assert tracking is not None
    assert (tracking.courier, tracking.waybill) == ("顺丰", "SF1408800990011")
    assert tracking.tracking_url is not None and tracking.tracking_url.endswith("SF1408800990011")
    assert tracking.steps[-1][1] == "已交给顺丰，运单号 SF1408800990011"
