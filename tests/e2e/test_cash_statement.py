"""The agent takes a household's cash for a closed group-buy and finds it on the day's cash
statement, reached from the home page; another day shows nothing (real Chromium, Pixel 7)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from core.money import format_fen, yuan_to_fen
from core.timeutil import local_today
from tests.conftest import LiveServer
from tests.e2e.phone import sign_in
from tests.e2e.test_groupbuy import AGENT


def money(text: str) -> int:
    """Fen from "¥1,234.50"."""
    return yuan_to_fen(text.replace(",", ""))


def test_cash_taken_at_the_counter_is_on_the_days_statement(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server.url, AGENT)
    page.get_by_role("link", name="现金日结").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(local_today().isoformat())
    before = money(page.locator('[data-total="collected"]').inner_text())

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="化肥团购管理").click()
    page.get_by_role("link", name="秋播复合肥 (50kg)").click()
    page.get_by_role("link", name="管理这个团购").click()
    page.get_by_role("button", name="收现金").first.click()
    expect(page.get_by_role("status")).to_contain_text("已收现金 ¥840.00")  # 6 bags at ¥140

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="现金日结").click()
    expect(page.locator("tbody tr", has_text="¥840.00")).to_have_count(1)
    expect(page.locator('[data-total="collected"]')).to_have_text(format_fen(before + 84_000))
    net = money(page.locator('[data-total="net"]').inner_text())
    refunded = money(page.locator('[data-total="refunded"]').inner_text())
    assert net == before + 84_000 - refunded

    yesterday = local_today() - dt.timedelta(days=1)
    page.get_by_label("日期").fill(yesterday.isoformat())
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(yesterday.isoformat())
    expect(page.get_by_text("这一天没有现金收付。")).to_be_visible()
