"""A buyer in 深圳 on a Pixel 7, in Chinese: signs up, finds eggs that ship, adds an address
with the province → city → district pickers, sees the courier fee and the days before paying,
and pays online (the real Stripe SDK against localstripe).

The outbound half of logistics is the test double ``FakeOutbound``, installed in the live
server's process for this journey only: it is replaced by the real ``logistics.outbound``
after the merge, when this journey goes on to the collection, label, van and courier.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from shop.shipping import outbound_port
from tests.conftest import LiveServer
from tests.e2e import phone
from tests.shop.city_helpers import FakeOutbound

BUYER_PHONE = "13800138888"


def shot(page: Page, name: str) -> None:
    """``phone.shot`` with the layout rules on everything but the shared header."""
    page.evaluate("document.querySelector('header.topbar')?.setAttribute('data-layout-exempt', '')")
    phone.shot(page, name)


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOutbound]:
    """Replaced by the real ``logistics.outbound`` after the merge."""
    double = FakeOutbound()
    monkeypatch.setattr(outbound_port, "outbound", double)
    return double


def test_a_buyer_in_shenzhen_signs_up_adds_an_address_sees_the_quote_and_pays(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    online_payments: Any,
    outbound: FakeOutbound,
) -> None:
    page = browser.new_context(**browser_context_args).new_page()
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="在城里想买村里的货？注册").click()
    page.get_by_label("怎么称呼您").fill("陈晓梅")
    page.get_by_label("手机号").fill(BUYER_PHONE)
    page.get_by_label("设置密码").fill("shenzhen-eggs-2026")
    shot(page, "city-01-signup")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("status")).to_have_text("注册成功，欢迎您！")

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
    order_no = page.url.split("/orders/")[1].split("/")[0]
    # Stripe.js cannot load offline: the card is confirmed server-side against localstripe,
    # then the page asks the server to re-read the intent, as pay.js does after Stripe.js.
    client_secret = page.locator("[data-client-secret]").get_attribute("data-client-secret")
    assert client_secret
    intents = online_payments._client.v1.payment_intents
    intent_id = client_secret.split("_secret_")[0]
    intents.update(intent_id, params={"payment_method": "pm_card_visa"})
    intents.confirm(intent_id)
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    page.request.post(
        f"{live_server.url}/orders/{order_no}/pay/refresh", headers={"X-CSRFToken": csrf}
    )
    page.goto(f"{live_server.url}/orders/{order_no}")
    expect(page.get_by_text("已付款，待备货").first).to_be_visible()
    shot(page, "city-04-paid")
    opened = outbound.opened[int(order_no)]
    assert opened["division_code"] == "440305" and opened["weight_g"] == 1800
