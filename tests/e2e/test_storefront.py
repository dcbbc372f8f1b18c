"""The storefront journey on a Pixel 7: a farmer lists a product with a photo, the agent
of the station approves it, a villager finds it and orders it for pickup at the station,
and the farmer sees the order to pack."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, expect
from sqlalchemy import select

from core.demo import DEMO_PASSWORD
from core.flask_db import EXTENSION_KEY
from core.models import Role, RoleGrant, User
from tests.conftest import LiveServer

TITLE = "荷塘手工藕粉"


def photo_file() -> FilePayload:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (230, 170, 60)).save(buffer, "JPEG")
    return {"name": "ouf.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def agent_phone_for(server: LiveServer, farmer_phone: str) -> str:
    with server.app.extensions[EXTENSION_KEY].read_sessions() as session:
        farmer = session.scalar(select(User).where(User.phone == farmer_phone))
        assert farmer is not None and farmer.household is not None
        phone = session.scalar(
            select(User.phone)
            .join(RoleGrant)
            .where(
                RoleGrant.role == Role.AGENT, RoleGrant.village_id == farmer.household.village_id
            )
        )
        assert phone is not None
        return str(phone)


def signed_in(browser: Browser, args: dict[str, Any], server: LiveServer, phone: str) -> Page:
    page = browser.new_context(**args).new_page()
    page.goto(server.url + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("status")).to_have_text("登录成功")
    return page


def test_list_approve_order_for_pickup_and_see_it_to_pack(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    farmer_phone = "13900000101"
    farmer = signed_in(browser, browser_context_args, live_server, farmer_phone)
    farmer.get_by_role("link", name="上架农产品").click()
    farmer.get_by_role("link", name="上架新商品").click()
    farmer.get_by_label("商品名称").fill(TITLE)
    farmer.get_by_label("介绍").fill("莲藕磨浆，晒足七天。")
    farmer.get_by_label("类别").select_option(label="土特产")
    farmer.get_by_label("单位", exact=True).select_option(label="袋")
    farmer.get_by_label("单价（元）").fill("18.80")
    farmer.get_by_label("送到村站的数量").fill("5")
    farmer.get_by_label("照片").set_input_files(photo_file())
    farmer.get_by_role("button", name="提交审核").click()
    expect(farmer.get_by_role("status")).to_have_text("已提交，等待村站审核")
    expect(farmer.get_by_text("状态：待审核")).to_be_visible()

    agent = signed_in(
        browser, browser_context_args, live_server, agent_phone_for(live_server, farmer_phone)
    )
    agent.get_by_role("link", name="审核上架申请").click()
    card = agent.get_by_role("article", name=TITLE)
    photo = card.locator("img")
    expect(photo).to_have_count(1)
    # The pending photo is served to the station's agent (not to the public).
    agent.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    card.get_by_role("button", name="通过，上架").click()
    expect(agent.get_by_role("status")).to_contain_text("已上架")

    villager = signed_in(browser, browser_context_args, live_server, "13900000001")
    villager.get_by_role("link", name="逛本地好物").click()
    villager.get_by_role("searchbox").fill("藕粉")
    villager.get_by_role("button", name="搜索").click()
    villager.get_by_role("link", name=TITLE).click()
    expect(villager.locator("#stock")).to_have_text("5 袋")
    villager.get_by_label("数量").fill("2")
    villager.get_by_role("button", name="加入购物车").click()
    villager.get_by_role("button", name="去结算").click()
    expect(villager.get_by_text("库存已为您保留到")).to_be_visible()
    villager.get_by_label("村站自提").check()
    villager.get_by_label("到站付现金").check()
    villager.get_by_role("button", name="提交订单").click()
    expect(villager.get_by_role("status")).to_contain_text("下单成功")
    expect(villager.get_by_text(f"{TITLE} × 2袋")).to_be_visible()

    farmer.goto(live_server.url + "/")
    farmer.get_by_role("link", name="待备货订单").click()
    order = farmer.get_by_role("listitem").filter(has_text=TITLE)
    expect(order).to_contain_text("到村站自提")
    order.get_by_role("button", name="已打包").click()
    expect(farmer.get_by_role("status")).to_have_text("已标记为打包好")
