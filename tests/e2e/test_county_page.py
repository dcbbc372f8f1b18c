"""The county manager's page on a phone (real Chromium, 412 px): the headline figures, the
chart, a township opened to its villages, and the CSV export."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from core.demo import demo_phone
from tests.conftest import LiveServer
from tests.e2e.phone import shot, sign_in


def test_the_county_manager_reads_the_county_on_a_phone(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server.url, demo_phone(7, 1), then="/county/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("全县数据")
    expect(page.locator('[data-figure="services"]')).to_be_visible()
    expect(page.locator("svg.county-chart rect").first).to_be_attached()
    shot(page, "county-month")
    page.get_by_role("link", name="今天").click()
    expect(page.get_by_role("link", name="今天")).to_have_attribute("aria-current", "page")
    page.locator("details.township summary").first.click()
    expect(page.locator("details.township tr[data-village]").first).to_be_visible()
    shot(page, "county-today-township")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出表格（CSV）").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("乡镇,村,下行包裹（件）")
