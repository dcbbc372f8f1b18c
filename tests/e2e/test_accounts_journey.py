"""Accounts on a phone (real Chromium, Pixel 7): an agent registers a household; the villager
signs in with the temporary password and must set a new one first; the agent resets a
forgotten password; the admin adds a cadre and assigns villages, then disables an account and
that person's open session ends (the new cadre's: demo accounts stay as other journeys
expect them)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from core.demo import demo_phone
from tests.conftest import LiveServer
from tests.e2e.phone import shot, sign_in

AGENT, ADMIN = demo_phone(2, 1), demo_phone(5, 1)
NEW_VILLAGER = "13812345678"
NEW_CADRE = "13512345678"
OWN_PASSWORD = "Chuntian-2026!"


def tap_sign_in(page: Page, base_url: str, phone: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def temporary_password(page: Page) -> str:
    return page.locator(".temp-password").inner_text().strip()


def test_households_passwords_staff_and_disabling(
    page: Page, browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    base = live_server.url
    # The agent registers a household and its villager.
    sign_in(page, base, AGENT)
    page.get_by_role("link", name="登记住户与账号").click()
    shot(page, "accounts-01-agent-page")
    page.get_by_label("户主姓名").fill("李桂兰")
    page.get_by_label("手机号", exact=True).fill(NEW_VILLAGER)
    page.get_by_label("巷/组").fill("东巷 12 号")
    page.get_by_label("怎么找到家").fill("祠堂往东第二家，红色大门")
    page.get_by_role("button", name="登记并开通账号").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("已登记住户并开通账号")
    expect(page.locator(".made")).to_contain_text("李桂兰")
    first_password = temporary_password(page)
    shot(page, "accounts-02-registered")

    # The villager signs in with it on their own phone and must set a new password first.
    villager = browser.new_context(**browser_context_args).new_page()
    tap_sign_in(villager, base, NEW_VILLAGER, first_password)
    expect(villager).to_have_url(f"{base}/password")
    expect(villager.get_by_text("您用的是临时密码")).to_be_visible()
    shot(villager, "accounts-03-must-set-password")
    villager.get_by_label("新密码（至少 8 位）").fill(OWN_PASSWORD)
    villager.get_by_label("再输一次新密码").fill(OWN_PASSWORD)
    villager.get_by_role("button", name="保存新密码").click()
    expect(villager.get_by_role("status")).to_have_text("新密码已设好")
    villager.get_by_role("link", name="我的包裹与取件码").click()
    expect(villager.get_by_role("heading", level=1)).to_have_text("我的包裹")

    # The villager forgets it; the agent resets it, which ends the villager's session.
    page.goto(base + "/")
    page.get_by_role("link", name="登记住户与账号").click()
    page.get_by_label("要重置密码的手机号").fill(NEW_VILLAGER)
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("密码已重置")
    second_password = temporary_password(page)
    assert second_password != first_password
    shot(page, "accounts-04-reset")
    villager.reload()
    expect(villager).to_have_url(re.compile(r"/login"))

    # The admin adds a cadre for two villages, then changes one of them.
    admin = browser.new_context(**browser_context_args).new_page()
    sign_in(admin, base, ADMIN)
    admin.get_by_role("link", name="人员、村与干部").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("人员、村与干部")
    shot(admin, "accounts-05-admin")
    form = admin.locator("#add-staff")
    form.get_by_label("身份").select_option(label="村干部")
    form.get_by_label("姓名", exact=True).fill("周新干部")
    form.get_by_label("手机号", exact=True).fill(NEW_CADRE)
    villages = form.locator(".tick")
    first_name, second_name, third_name = (villages.nth(i).inner_text().strip() for i in range(3))
    villages.nth(0).click()
    villages.nth(1).click()
    form.get_by_role("button", name="添加并给临时密码").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("已添加村干部")
    expect(admin.locator(".made")).to_contain_text("周新干部")
    cadre_password = temporary_password(admin)
    shot(admin, "accounts-06-cadre-added")
    admin.get_by_role("link", name="返回首页").click()
    admin.get_by_role("link", name="人员、村与干部").click()
    card = admin.locator('[data-cadre="周新干部"]')
    expect(card.locator(".serves")).to_have_text(f"负责：{first_name}、{second_name}")
    card.get_by_text("改 周新干部 负责的村").click()
    expect(card.get_by_role("checkbox", name=first_name)).to_be_checked()
    card.get_by_text(first_name, exact=True).click()
    card.get_by_text(third_name, exact=True).click()
    card.get_by_role("button", name="保存 周新干部 负责的村").click()
    expect(admin.get_by_role("status")).to_have_text("已更新 周新干部 负责的村")
    card = admin.locator('[data-cadre="周新干部"]')
    expect(card.locator(".serves")).to_have_text(f"负责：{second_name}、{third_name}")
    expect(admin.locator(f'#places [data-village="{third_name}"]')).to_contain_text("周新干部")
    shot(admin, "accounts-07-cadre-villages")

    # The new cadre signs in and sets a password; the admin disables the account; the
    # cadre's open session is over.
    cadre = browser.new_context(**browser_context_args).new_page()
    tap_sign_in(cadre, base, NEW_CADRE, cadre_password)
    cadre.get_by_label("新密码（至少 8 位）").fill(OWN_PASSWORD)
    cadre.get_by_label("再输一次新密码").fill(OWN_PASSWORD)
    cadre.get_by_role("button", name="保存新密码").click()
    expect(cadre.get_by_role("link", name="今天的配送路线")).to_be_visible()
    admin.locator("#people").get_by_label("手机号").fill(NEW_CADRE)
    admin.get_by_role("button", name="查找").click()
    admin.get_by_role("button", name="停用账号（立即退出登录）").click()
    expect(admin.get_by_role("status")).to_have_text("已停用 周新干部 的账号，他的登录已全部退出")
    expect(admin.locator(".person")).to_contain_text("已停用")
    shot(admin, "accounts-08-disabled")
    cadre.reload()
    expect(cadre.get_by_role("banner").get_by_role("link", name="登录")).to_be_visible()
    expect(cadre.get_by_role("link", name="今天的配送路线")).to_have_count(0)
    tap_sign_in(cadre, base, NEW_CADRE, OWN_PASSWORD)
    expect(cadre.get_by_role("alert")).to_contain_text("手机号或密码不对")
