"""A station's real day with shop orders, on a Pixel 7 against the demo township: every order
is collected at the buyer's own village station (goods of other villages come to it), the
agent takes the cash and hands over against the pickup code, door orders go on the cadre's
round, farmers edit listings through review, and the agent orders at the counter."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from core.demo import DEMO_PASSWORD
from core.flask_db import EXTENSION_KEY
from core.models import User, Village
from shop.catalog.models import Product
from tests.conftest import LiveServer
from tests.e2e.pay import pay_online_on_the_page, shot
from tests.e2e.phone import sign_in

AGENT_TAOYUAN = "13900000201"  # 桃源村's station agent


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

    farmer.get_by_role("link", name="已打包").click()  # the seller's packed orders
    expect(farmer.get_by_role("listitem").filter(has_text=f"订单 #{order_no}")).to_be_visible()
    shot(farmer, "orders-a-03b-seller-packed")

    agent = signed_in(browser, browser_context_args, live_server, AGENT_TAOYUAN)
    open_order(agent, live_server, "本站订单与收款", order_no)
    expect(agent.locator("[data-pickup-code]")).to_have_count(0)  # only the buyer sees it
    # Packed but not yet on this station's shelf: no cash is taken for goods not here.
    expect(agent.get_by_role("button", name=re.compile("收现金"))).to_have_count(0)
    expect(agent.get_by_text("货到本站后再收现金")).to_be_visible()
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

    farmer.get_by_role("link", name="已完成").click()
    expect(farmer.get_by_role("listitem").filter(has_text=f"订单 #{order_no}")).to_contain_text(
        "已取货"
    )
    shot(farmer, "orders-a-07-seller-done")


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
    pay_online_on_the_page(villager, online_payments)
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
    # "正在规划…", which the board turns into the outcome once every village is done.
    expect(dispatcher.get_by_role("status")).to_contain_text(re.compile("正在规划|个村已规划完"))
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


def test_e_a_paid_online_order_is_cancelled_after_a_question_and_refunded(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    online_payments: Any,
) -> None:
    villager = signed_in(browser, browser_context_args, live_server, "13900000009")
    villager.get_by_role("link", name="逛本地好物").click()
    find_product(villager, "糯米", "竹林糯米")
    villager.get_by_role("button", name="加入购物车").click()
    villager.get_by_role("button", name="去结算").click()
    villager.get_by_label("在线支付").check()
    villager.get_by_role("button", name="提交订单").click()
    pay_online_on_the_page(villager, online_payments)
    expect(villager.get_by_text("已付款，卖家会尽快备货。")).to_be_visible()
    villager.get_by_role("link", name="返回订单").click()
    expect(villager.locator(".badge")).to_have_text("已付款，待备货")
    villager.get_by_role("link", name="取消订单并退款").click()
    expect(villager.get_by_role("heading", level=1)).to_contain_text("确定取消订单")
    expect(villager.locator("[data-refund]")).to_contain_text("原路退回")
    shot(villager, "orders-e-01-cancel-question")
    villager.get_by_role("link", name="不取消，返回订单").click()  # changed their mind
    expect(villager.locator(".badge")).to_have_text("已付款，待备货")
    villager.get_by_role("link", name="取消订单并退款").click()
    villager.get_by_role("button", name="确定取消并退款").click()
    expect(villager.get_by_role("status")).to_have_text(
        "订单已取消并退款 ¥5.30：原路退回付款账户，一般 1 到 5 个工作日到账"
    )
    expect(villager.locator(".badge")).to_have_text("已退款")
    expect(villager.get_by_role("link", name=re.compile("取消订单"))).to_have_count(0)
    shot(villager, "orders-e-02-refunded")


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

    farmer.goto(live_server.url + "/")
    farmer.get_by_role("link", name="上架农产品").click()
    returned = farmer.get_by_role("listitem").filter(has_text="竹林笋干")
    expect(returned.locator(".badge")).to_have_text("已退回")  # not 草稿
    expect(returned).to_contain_text("退回原因：请写明是哪年的笋，价格偏高")
    shot(farmer, "orders-c-01-returned-list")
    returned.get_by_role("link", name="修改后重新提交").click()
    expect(farmer.get_by_text("状态：已退回")).to_be_visible()
    expect(farmer.get_by_text("村站退回：请写明是哪年的笋，价格偏高")).to_be_visible()
    shot(farmer, "orders-c-01-returned")
    farmer.get_by_label("商品名称").fill("竹林笋干（今年春笋）")
    farmer.get_by_label("单价（元）").fill("26.50")
    farmer.get_by_role("button", name="修改后重新提交").click()
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
    expect(agent.get_by_text("最新上架的商品如下")).to_be_visible()  # before any search
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
    agent.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    agent.get_by_role("button", name="打印").click()  # the slip is printed from the page
    assert agent.evaluate("() => window.printed") == 1
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


CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
#: The words people read on a page: headings, labels, buttons, tabs, badges, messages.
CHROME = "h1, h2, h3, label, button, a.button, .tabs a, .badge, [role=status], .steps li, dt"


def untranslated(page: Page, names: set[str]) -> list[str]:
    """Interface words of an English page still only in Chinese: texts with Chinese and no
    Latin letter once the names of things (products, people, villages) are taken out. A
    sentence naming a village ("Pick up at the 桃源村 station") is English."""
    page.wait_for_load_state()
    found = []
    for text in page.locator(CHROME).all_inner_texts():
        rest = text
        for name in sorted(names, key=len, reverse=True):
            rest = rest.replace(name, "")
        if CJK.search(rest) and not LATIN.search(rest):
            found.append(text.strip())
    return found


def names_of_things(server: LiveServer) -> set[str]:
    """Products, people and villages as the database names them: data, not interface."""
    with server.app.extensions[EXTENSION_KEY].read_sessions() as session:
        return {
            *session.scalars(select(Product.title)),
            *session.scalars(select(User.name)),
            *session.scalars(select(Village.name)),
        }


def in_english(page: Page, server: LiveServer, phone: str | None) -> None:
    """Switch to English by tapping the header's link, then sign in by the form."""
    page.goto(server.url + "/login")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if phone is not None:
        page.get_by_label("Mobile number").fill(phone)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("status")).to_have_text("Signed in")


def test_f_the_three_journeys_in_english_have_no_chinese_only_step(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    """Journeys 1-3 (villager, farmer, agent) once in English, by the header's switch: every
    page on the way offers its next step in English, and its interface words are English."""
    names = names_of_things(live_server)
    seen: dict[str, list[str]] = {}

    def look(page: Page, name: str) -> None:
        if words := untranslated(page, names | {"稻香笋丝"}):  # the listing made on the way
            seen[name] = words
        shot(page, f"orders-f-{name}")

    # 1. The villager: browse logged out, cart, sign in, pickup with cash.
    villager = phone_page(browser, browser_context_args)
    in_english(villager, live_server, None)
    villager.goto(live_server.url + "/")
    villager.get_by_role("link", name="Browse local products").first.click()
    villager.get_by_role("searchbox").fill("黄桃")
    villager.get_by_role("button", name="Search").click()
    look(villager, "01-products")
    villager.get_by_role("link", name="稻香黄桃").click()
    look(villager, "02-product")
    villager.get_by_role("button", name="Add to cart").click()
    look(villager, "03-guest-cart")
    villager.get_by_role("link", name="Sign in to check out").click()
    villager.get_by_label("Mobile number").fill("13900000011")
    villager.get_by_label("Password").fill(DEMO_PASSWORD)
    villager.get_by_role("button", name="Sign in").click()
    villager.get_by_role("button", name="Check out").click()
    villager.get_by_label(re.compile("Pick up at")).check()
    villager.get_by_label("Cash at the station").check()
    look(villager, "04-checkout")
    villager.get_by_role("button", name="Place the order").click()
    look(villager, "05-my-orders")
    villager.get_by_role("listitem").filter(has_text="稻香黄桃").get_by_role("link").first.click()
    order_no = villager.get_by_role("heading", level=1).inner_text().split("#")[1].strip()
    code = villager.locator("[data-pickup-code]").inner_text()
    look(villager, "06-order")
    villager.get_by_role("link", name=re.compile("^Cancel")).click()
    look(villager, "07-cancel-question")
    villager.get_by_role("link", name=re.compile("back to the order")).click()

    farmer = phone_page(browser, browser_context_args)
    in_english(farmer, live_server, "13900000110")
    farmer.get_by_role("link", name="Orders to prepare").click()
    look(farmer, "08-seller-to-pack")
    farmer.get_by_role("listitem").filter(has_text=f"#{order_no}").get_by_role(
        "button", name="Packed"
    ).click()
    farmer.locator(".tabs a").nth(1).click()
    look(farmer, "09-seller-packed")

    agent = phone_page(browser, browser_context_args)
    in_english(agent, live_server, AGENT_TAOYUAN)
    agent.get_by_role("link", name="Station orders and payments").click()
    look(agent, "10-station-orders")
    agent.get_by_role("link", name=re.compile(f"#{order_no}$")).click()
    agent.get_by_role("button", name="At the station: tell the buyer to collect").click()
    agent.get_by_role("button", name=re.compile("^Take cash")).click()
    look(agent, "11-agent-paid")
    agent.get_by_label("The villager's pickup code").fill(code)
    agent.get_by_role("button", name="Hand over to the villager").click()
    look(agent, "12-handed-over")
    villager.reload()
    look(villager, "13-villager-completed")

    # 2. The farmer lists; the agent returns it; the farmer changes and resubmits.
    farmer.goto(live_server.url + "/")
    farmer.get_by_role("link", name="List my produce").click()
    farmer.get_by_role("link", name="List a new product").click()
    look(farmer, "14-new-listing")
    farmer.get_by_label("Product name").fill("稻香笋丝")
    farmer.get_by_label("Unit price (yuan)").fill("12")
    farmer.get_by_label("Quantity brought to the station").fill("5")
    farmer.get_by_role("button", name="Submit for review").click()
    reviewer = phone_page(browser, browser_context_args)
    in_english(reviewer, live_server, "13900000205")  # 稻香村's agent
    reviewer.get_by_role("link", name="Review listings").click()
    look(reviewer, "15-review")
    card = reviewer.get_by_role("article", name="稻香笋丝")
    card.get_by_role("textbox").fill("价格偏高")
    card.get_by_role("button", name="Return").click()
    farmer.goto(live_server.url + "/")
    farmer.get_by_role("link", name="List my produce").click()
    returned = farmer.get_by_role("listitem").filter(has_text="稻香笋丝")
    expect(returned.locator(".badge")).to_have_text("Returned")
    look(farmer, "16-returned")
    returned.get_by_role("link", name="Change and resubmit").click()
    farmer.get_by_label("Unit price (yuan)").fill("10")
    farmer.get_by_role("button", name="Change and resubmit").click()
    look(farmer, "17-resubmitted")

    # 3. The agent orders at the counter for a villager and prints the receipt.
    agent.goto(live_server.url + "/")
    agent.get_by_role("link", name="Order for a villager").click()
    agent.get_by_label("Mobile number or name").fill("13900000011")
    agent.get_by_role("button", name="Find a villager").click()
    agent.get_by_role("link", name=re.compile("13900000011")).click()
    agent.get_by_label("Product name").fill("红薯粉丝")
    agent.get_by_role("button", name="Find products").click()
    agent.get_by_label("石门手工红薯粉丝").fill("1")
    look(agent, "18-counter")
    agent.get_by_role("button", name="Order and print the receipt").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Receipt of the 桃源村 station")
    look(agent, "19-receipt")
    assert not seen, f"Chinese-only words on English pages: {seen}"
