"""A villager pledges on a phone and watches the price drop at a tier; the agent closes
the campaign; the villager sees the final price and the saving (real Chromium, Pixel 7)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from core.demo import DEMO_PASSWORD
from tests.conftest import LiveServer

VILLAGER, AGENT = "13900000001", "13900000201"


def sign_in(page: Page, server: LiveServer, phone: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("status")).to_have_text("登录成功")


def test_pledge_tier_drop_close_and_final_price(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, object],
    live_server: LiveServer,
) -> None:
    sign_in(page, live_server, VILLAGER)
    page.get_by_role("link", name="参加化肥团购").click()
    page.get_by_role("link", name="春耕复合肥 45% (50kg)").click()
    price = page.locator('[data-field="price"]')
    bar = page.locator('progress[data-field="bar"]')
    expect(price).to_have_text("¥150.00")
    assert bar.evaluate("bar => bar.value") == 46
    expect(page.get_by_text("再认购 4袋，降到 ¥140.00")).to_be_visible()

    page.get_by_label("数量（每户限购 20袋）").fill("5")
    page.get_by_role("button", name="确认参团").click()
    expect(page.get_by_role("status")).to_contain_text("认购成功")
    expect(price).to_have_text("¥140.00")
    assert bar.evaluate("bar => bar.value") == 51
    campaign_url = page.url

    agent = browser.new_context(**browser_context_args).new_page()
    sign_in(agent, live_server, AGENT)
    agent.goto(campaign_url + "/dashboard")
    expect(agent.locator('[data-figure="households"]')).to_have_text("12")
    agent.get_by_role("button", name="现在截止并结算").click()
    expect(agent.get_by_role("status")).to_contain_text("成团")
    agent.context.close()

    page.goto(campaign_url)
    expect(page.get_by_text("已成团")).to_be_visible()
    expect(page.locator("[data-final-price]")).to_have_text("¥140.00")
    expect(page.locator("[data-final-total]")).to_have_text("¥700.00")
    expect(page.locator("[data-saving]")).to_have_text("¥100.00")
