"""A certificate errand from end to end on phones (real Chromium, Pixel 7, in Chinese): the
villager files it, the grid's member (the village's cadre) accepts it and marks it done, the
station's agent closes it with the villager's satisfaction heard on the return call, and the
monthly report counts it as done on time; the ledger, the station's desk and the grids fit
the phone too."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, expect

from core.demo import demo_phone
from tests.conftest import LiveServer
from tests.e2e.phone import shot, sign_in

VILLAGER = demo_phone(0, 1)  # 桃源村, grid 一组
GRID_MEMBER = demo_phone(3, 1)  # the cadre of 桃源村, who answers for its grid 一组
AGENT = demo_phone(2, 1)  # 桃源村's station


def _phone(browser: Browser, args: dict[str, Any]) -> Page:
    return browser.new_context(**args).new_page()


def _on_time(page: Page, base_url: str) -> int:
    page.goto(f"{base_url}/errands/report")
    return int(page.locator('[data-figure="on_time"]').inner_text())


def test_a_certificate_errand_filed_done_closed_and_counted(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    base = live_server.url
    agent = _phone(browser, browser_context_args)
    sign_in(agent, base, AGENT)
    on_time_before = _on_time(agent, base)

    villager = _phone(browser, browser_context_args)
    sign_in(villager, base, VILLAGER, then="/errands")
    shot(villager, "errands-01-villager-list")
    villager.get_by_role("link", name="提交新事项").click()
    villager.get_by_label("开具证明").check()
    villager.get_by_label("具体情况").fill("孩子转学要开居住证明，麻烦帮忙办一下")
    shot(villager, "errands-02-villager-files")
    villager.get_by_role("button", name="提交").click()
    expect(villager.locator("p.status")).to_contain_text("待接单")
    request_path = villager.url.removeprefix(base)
    shot(villager, "errands-03-villager-filed")

    member = _phone(browser, browser_context_args)
    sign_in(member, base, GRID_MEMBER, then="/errands/todo")
    card = member.locator(f'.errand[data-request-id="{request_path.rsplit("/", 1)[1]}"]')
    expect(card).to_contain_text("孩子转学要开居住证明")
    shot(member, "errands-04-member-todo")
    card.get_by_role("link").click()
    member.get_by_role("button", name="接单").click()
    expect(member.locator("p.status")).to_contain_text("已接单")
    member.get_by_label("办理结果（可选）").fill("证明已开好，送到家里")
    shot(member, "errands-05-member-accepted")
    member.get_by_role("button", name="办结").click()
    expect(member.locator("p.status")).to_contain_text("已办结，待回访")

    agent.goto(f"{base}{request_path}")
    agent.get_by_label("满意", exact=True).check()
    shot(agent, "errands-06-agent-return-call")
    agent.get_by_role("button", name="记录回访并关闭").click()
    expect(agent.locator("p.status")).to_contain_text("已关闭")
    expect(agent.locator(".timeline li")).to_have_count(4)
    shot(agent, "errands-07-agent-closed")

    assert _on_time(agent, base) == on_time_before + 1
    shot(agent, "errands-08-monthly-report")
    agent.goto(f"{base}/errands/ledger?q=孩子转学")
    row = agent.locator(".ledger-row").first
    row.locator("summary").click()
    expect(row.locator(".timeline li")).to_have_count(4)
    shot(agent, "errands-09-ledger")
    agent.goto(f"{base}/errands/station")
    shot(agent, "errands-10-station-desk")
    agent.goto(f"{base}/errands/grids")
    expect(agent.locator(".grid")).to_have_count(2)
    shot(agent, "errands-11-grids")

    villager.reload()
    expect(villager.locator("p.status")).to_contain_text("已关闭")
    expect(villager.get_by_text("回访记录")).to_be_visible()
