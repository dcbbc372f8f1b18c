"""A station's real day with shop orders, on a Pixel 7 against the demo township: every order
is collected at the buyer's own village station (goods of other villages come to it), the
agent takes the cash and hands over against the pickup code, door orders go on the cadre's
round, farmers edit listings through review, and the agent orders at the counter."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.conftest import LiveServer
from tests.e2e import phone
from tests.e2e.phone import sign_in

AGENT_TAOYUAN = "13900000201"  # 桃源村's station agent


def shot(page: Page, name: str) -> None:
    """``phone.shot`` with the layout rules on everything but the shared header, whose
    small links belong to the "layout" work in parallel (the only exemption taken)."""
    page.evaluate("document.querySelector('header.topbar')?.setAttribute('data-layout-exempt', '')")
    phone.shot(page, name)


def phone_page(browser: Browser, args: dict[str, Any]) -> Page:
    return browser.new_context(**args).new_page()


def signed_in(browser: Browser, args: dict[str, Any], server: LiveServer, phone: str) -> Page:
    page = phone_page(browser, args)
    sign_in(page, server.url, phone)
    return page


def find_product(page: Page, words: str, title: str) -> None:
    page.get_by_role("searchbox").fill(words)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=title).click()


def open_order(page: Page, server: LiveServer, home_link: str, order_no: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name=home_link).click()
    page.get_by_role("link", name=f"订单 #{order_no}").click()


def test_a_logged_out_cart_kept_at_login_picked_up_at_own_station_paid_in_cash(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    villager = phone_page(browser, browser_context_args)
    villager.goto(live_server.url + "/products")
    find_product(villager, "黄桃", "稻香黄桃")  # a farmer of 稻香村
    villager.get_by_label("数量").fill("2")
    villager.get_by_role("button", name="加入购物车").click()
    expect(villager.get_by_role("status")).to_have_text("已加入购物车，登录后即可结算")
    expect(villager.get_by_role("link", name="稻香黄桃")).to_be_visible()
    shot(villager, "orders-a-01-guest-cart")
    villager.get_by_role("link", name="登录后结算").click()
    villager.get_by_label("手机号").fill("13900000007")
    villager.get_by_label("密码").fill("demo-pass-2026")
    villager.get_by_role("button", name="登录").click()
    expect(villager.get_by_role("heading", name="购物车")).to_be_visible()
    expect(villager.get_by_role("link", name="稻香黄桃")).to_be_visible()
    expect(villager.get_by_label("数量")).to_have_value("2")
    villager.get_by_role("button", name="去结算").click()

    expect(villager.get_by_text("从稻香村经乡镇中转站，随货车送到")).to_be_visible()
    expect(villager.get_by_text(re.compile(r"预计 \d+月\d+日 到桃源村村站"))).to_be_visible()
    expect(villager.get_by_text("桃源村村委会一楼村站").first).to_be_visible()
    expect(villager.get_by_text("每天 8:00-18:00").first).to_be_visible()
    villager.get_by_label("到桃源村村站自提").check()
    villager.get_by_label("到站付现金").check()
    shot(villager, "orders-a-02-checkout")
    villager.get_by_role("button", name="提交订单").click()
    expect(villager.get_by_role("status")).to_contain_text("下单成功")
    card = villager.get_by_role("listitem").filter(has_text="稻香黄桃 × 2")
    expect(card).to_contain_text("在桃源村村站取货")
    card.get_by_role("link").first.click()
    order_no = villager.get_by_role("heading", level=1).inner_text().split("#")[1].strip()
    code = villager.locator("[data-pickup-code]").inner_text()
    assert re.fullmatch(r"\d{6}", code)
    expect(villager.locator(".badge")).to_have_text("待付款")
    shot(villager, "orders-a-03-order-placed")

    farmer = signed_in(browser, browser_context_args, live_server, "13900000110")
    farmer.get_by_role("link", name="待备货订单").click()
    farmer.get_by_role("listitem").filter(has_text=f"订单 #{order_no}").get_by_role(
        "button", name="已打包"
    ).click()
    expect(farmer.get_by_role("status")).to_have_text("已标记为打包好")

    villager.reload()
    expect(villager.locator(".steps li.done", has_text="卖家已打包")).to_be_visible()

    agent = signed_in(browser, browser_context_args, live_server, AGENT_TAOYUAN)
    open_order(agent, live_server, "本站订单与收款", order_no)
    expect(agent.locator("[data-pickup-code]")).to_have_count(0)  # only the buyer sees it
    agent.get_by_role("button", name="已到站，通知自提").click()
    expect(agent.get_by_role("status")).to_have_text("已到站，待村民自提")
    villager.reload()
    expect(villager.locator(".badge")).to_have_text("待自提")
    shot(villager, "orders-a-04-ready")

    agent.get_by_role("button", name="收现金 ¥16.60").click()
    expect(agent.get_by_role("status")).to_have_text("已收现金")
    shot(agent, "orders-a-05-agent-paid")
    agent.get_by_label("村民报的取货码").fill("000000" if code != "000000" else "111111")
    agent.get_by_role("button", name="交货给村民").click()
    expect(agent.get_by_role("status")).to_contain_text("取件码不对")
    agent.get_by_label("村民报的取货码").fill(code)
    agent.get_by_role("button", name="交货给村民").click()
    expect(agent.get_by_role("status")).to_have_text("已交货")
    expect(agent.locator(".badge")).to_have_text("已取货")

    villager.reload()
    expect(villager.locator(".badge")).to_have_text("已取货")
    expect(villager.locator(".steps li.todo")).to_have_count(0)
    expect(villager.get_by_text("到站付现金 · 已付款")).to_be_visible()
    shot(villager, "orders-a-06-completed")

    agent.goto(live_server.url + "/")
    agent.get_by_role("link", name="现金日结").click()
    expect(agent.locator("tbody tr", has_text="¥16.60").first).to_be_visible()


def test_b_door_orders_cash_on_delivery_and_online_go_on_the_cadres_round(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    online_payments: Any,
) -> None:
    villager = signed_in(browser, browser_context_args, live_server, "13900000008")
    villager.get_by_role("link", name="逛本地好物").click()
    find_product(villager, "土鸡蛋", "石门土鸡蛋")
    villager.get_by_role("button", name="加入购物车").click()
    villager.get_by_role("button", name="去结算").click()
    villager.get_by_label("送货上门").check()
    expect(villager.get_by_text("桃源村3组8号")).to_be_visible()  # the delivery address
    expect(villager.get_by_text("¥0.00")).to_be_visible()  # the delivery fee
    expect(villager.get_by_label("货到付款（现金）")).to_be_visible()
    expect(villager.get_by_label("在线支付")).to_be_visible()
    shot(villager, "orders-b-01-door-checkout")
    villager.get_by_label("货到付款（现金）").check()
    villager.get_by_role("button", name="提交订单").click()
    card = villager.get_by_role("listitem").filter(has_text="石门土鸡蛋")
    expect(card).to_contain_text("货到付款（现金）")
    expect(card).to_contain_text("从桃源村村站送货上门")
    cash_no = card.get_by_role("link").first.inner_text().split("#")[1].strip()

    # The same household pays a second door order online (localstripe behind the real SDK).
    villager.goto(live_server.url + "/")
    villager.get_by_role("link", name="逛本地好物").click()
    find_product(villager, "糯米", "竹林糯米")
    villager.get_by_role("button", name="加入购物车").click()
    villager.get_by_role("button", name="去结算").click()
    villager.get_by_label("送货上门").check()
    villager.get_by_label("在线支付").check()
    villager.get_by_role("button", name="提交订单").click()
    expect(villager.get_by_role("heading", level=1)).to_contain_text("在线支付")
    online_no = villager.url.split("/orders/")[1].split("/")[0]
    # Stripe.js cannot load offline: the card is confirmed server-side against localstripe,
    # then the page asks the server to re-read the intent, as pay.js does after Stripe.js.
    client_secret = villager.locator("[data-client-secret]").get_attribute("data-client-secret")
    assert client_secret
    intents = online_payments._client.v1.payment_intents
    intent_id = client_secret.split("_secret_")[0]
    intents.update(intent_id, params={"payment_method": "pm_card_visa"})
    intents.confirm(intent_id)
    csrf = villager.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    villager.request.post(
        f"{live_server.url}/orders/{online_no}/pay/refresh", headers={"X-CSRFToken": csrf}
    )
    villager.reload()
    expect(villager.get_by_text("已付款，卖家会尽快备货。")).to_be_visible()
    shot(villager, "orders-b-02-paid-online")

    for farmer_phone, order_no in (("13900000106", cash_no), ("13900000111", online_no)):
        farmer = signed_in(browser, browser_context_args, live_server, farmer_phone)
        farmer.get_by_role("link", name="待备货订单").click()
        farmer.get_by_role("listitem").filter(has_text=f"订单 #{order_no}").get_by_role(
            "button", name="已打包"
        ).click()
        expect(farmer.get_by_role("status")).to_have_text("已标记为打包好")

    dispatcher = signed_in(browser, browser_context_args, live_server, "13900000401")
    dispatcher.get_by_role("link", name="调度看板").click()
    dispatcher.get_by_role("button", name="一键规划全部村的路线").click()
    expect(dispatcher.get_by_role("status")).to_contain_text("正在规划")
    # Planning runs in the background; the board shows each village done without a reload.
    expect(dispatcher.locator('.village-card[data-plan="done"]')).to_have_count(12, timeout=180_000)

    cadre = signed_in(browser, browser_context_args, live_server, "13900000301")
    cadre.get_by_role("link", name="今天的配送路线").click()
    # On the round (the page opens only the next stop; the others are listed folded).
    expect(cadre.get_by_text("货到付款 ¥3.00 · 石门土鸡蛋×1个")).to_be_attached()
    expect(cadre.get_by_text("竹林糯米×1斤").first).to_be_attached()

    open_order(villager, live_server, "我的订单", cash_no)
    expect(villager.locator(".steps li.done", has_text="卖家已打包")).to_be_visible()
    expect(villager.get_by_text("货到付款（现金） · 待收现金")).to_be_visible()


def until_shown(page: Page, what: Any) -> None:
    """Reload until ``what`` shows: the public storefront is cached for a few seconds
    (STOREFRONT_CACHE_SECONDS), as a shopper reloading would see."""
    for _ in range(10):
        if what.count():
            return
        page.wait_for_timeout(1000)
        page.reload()
    expect(what).to_be_visible()


def review(agent: Page, server: LiveServer, title: str) -> Any:
    agent.goto(server.url + "/")
    agent.get_by_role("link", name="审核上架申请").click()
    return agent.get_by_role("article", name=title)


def test_c_a_returned_listing_is_edited_and_resubmitted_and_a_price_change_is_reviewed_again(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    farmer = signed_in(browser, browser_context_args, live_server, "13900000112")  # 竹林村
    agent = signed_in(browser, browser_context_args, live_server, "13900000206")
    farmer.get_by_role("link", name="上架农产品").click()
    farmer.get_by_role("link", name="上架新商品").click()
    farmer.get_by_label("商品名称").fill("竹林笋干")
    farmer.get_by_label("介绍").fill("春笋晒干。")
    farmer.get_by_label("类别").select_option(label="土特产")
    farmer.get_by_label("单位", exact=True).select_option(label="斤")
    farmer.get_by_label("单价（元）").fill("30")
    farmer.get_by_label("送到村站的数量").fill("8")
    farmer.get_by_role("button", name="提交审核").click()
    expect(farmer.get_by_text("状态：待审核")).to_be_visible()

    card = review(agent, live_server, "竹林笋干")
    card.get_by_label("退回原因").fill("请写明是哪年的笋，价格偏高")
    card.get_by_role("button", name="退回").click()

    farmer.reload()
    expect(farmer.get_by_text("村站退回：请写明是哪年的笋，价格偏高")).to_be_visible()
    shot(farmer, "orders-c-01-returned")
    farmer.get_by_label("商品名称").fill("竹林笋干（今年春笋）")
    farmer.get_by_label("单价（元）").fill("26.50")
    farmer.get_by_role("button", name="提交审核").click()
    expect(farmer.get_by_role("status")).to_have_text("已提交，等待村站审核")

    card = review(agent, live_server, "竹林笋干（今年春笋）")
    expect(card).to_contain_text("¥26.50")
    card.get_by_role("button", name="通过，上架").click()
    expect(agent.get_by_role("status")).to_contain_text("已上架")

    farmer.reload()
    expect(farmer.get_by_text("状态：在售")).to_be_visible()
    expect(farmer.get_by_text("审核通过前暂停销售")).to_be_visible()
    shot(farmer, "orders-c-02-listed-edit")
    farmer.get_by_label("单价（元）").fill("28")
    farmer.get_by_role("button", name="保存修改").click()
    expect(farmer.get_by_role("status")).to_have_text("已提交，等待村站审核")
    expect(farmer.get_by_text("状态：待审核")).to_be_visible()

    shopper = phone_page(browser, browser_context_args)  # off sale meanwhile
    shopper.goto(live_server.url + "/products?q=今年春笋")
    until_shown(shopper, shopper.get_by_text("没有找到商品，换个词试试。"))

    card = review(agent, live_server, "竹林笋干（今年春笋）")
    expect(card).to_contain_text("¥28.00")
    card.get_by_role("button", name="通过，上架").click()
    until_shown(shopper, shopper.get_by_role("link", name="竹林笋干（今年春笋）"))
    expect(shopper.get_by_text("¥28.00/斤")).to_be_visible()


def test_d_the_agent_orders_at_the_counter_and_the_villager_pays_cash_at_pickup(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    agent = signed_in(browser, browser_context_args, live_server, AGENT_TAOYUAN)
    agent.get_by_role("link", name="代客下单").click()
    agent.get_by_label("手机号或姓名").fill("郑强华")
    agent.get_by_role("button", name="查找村民").click()
    agent.get_by_role("link", name=re.compile("郑强华 13900000010")).click()
    expect(agent.get_by_text("桃源村村委会一楼村站")).to_be_visible()
    expect(agent.locator("input[type=number]")).to_have_count(0)  # nothing until a search
    agent.get_by_label("商品名称").fill("红薯粉丝")
    agent.get_by_role("button", name="查找商品").click()
    titles = agent.locator(".product-card label").all_inner_texts()
    assert titles and all("红薯粉丝" in t for t in titles)  # the found ones only
    agent.get_by_label("石门手工红薯粉丝").fill("2")
    shot(agent, "orders-d-01-counter")
    agent.get_by_role("button", name="下单并打印小票").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("桃源村村站 购物小票")
    expect(agent.get_by_text("从石门村经乡镇中转站，随货车送到")).to_be_visible()
    code = agent.locator("[data-pickup-code]").inner_text()  # on the villager's slip
    shot(agent, "orders-d-02-receipt")
    agent.get_by_role("link", name="返回订单").click()
    order_no = agent.get_by_role("heading", level=1).inner_text().split("#")[1].strip()

    farmer = signed_in(browser, browser_context_args, live_server, "13900000107")
    farmer.get_by_role("link", name="待备货订单").click()
    farmer.get_by_role("listitem").filter(has_text=f"订单 #{order_no}").get_by_role(
        "button", name="已打包"
    ).click()
    expect(farmer.get_by_role("status")).to_have_text("已标记为打包好")

    open_order(agent, live_server, "本站订单与收款", order_no)
    agent.get_by_role("button", name="已到站，通知自提").click()
    expect(agent.get_by_text("先收款，再凭取货码交货。")).to_be_visible()
    agent.get_by_role("button", name="收现金 ¥32.00").click()
    expect(agent.get_by_role("status")).to_have_text("已收现金")
    agent.get_by_label("村民报的取货码").fill(code)
    agent.get_by_role("button", name="交货给村民").click()
    expect(agent.locator(".badge")).to_have_text("已取货")
    shot(agent, "orders-d-03-handed-over")

    villager = signed_in(browser, browser_context_args, live_server, "13900000010")
    villager.get_by_role("link", name="我的订单").click()
    card = villager.get_by_role("listitem").filter(has_text=f"订单 #{order_no}")
    expect(card).to_contain_text("已取货")
    expect(card).to_contain_text("在桃源村村站取货")
    shot(villager, "orders-d-04-my-orders")
    shot(farmer, "orders-d-05-seller-orders")
    agent.goto(live_server.url + "/")
    agent.get_by_role("link", name="本站订单与收款").click()
    expect(agent.get_by_role("heading", name="本站订单")).to_be_visible()
    agent.wait_for_load_state()
    shot(agent, "orders-d-06-station-orders")
