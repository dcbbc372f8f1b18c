"""A villager signs in on a phone and sees the Chinese home page; a wrong password is explained."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from core.demo import DEMO_PASSWORD
from tests.conftest import LiveServer


def test_villager_signs_in_and_sees_the_chinese_home_page(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="欢迎来到村站")).to_be_visible()
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("手机号").fill("139 0000 0001")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("status")).to_have_text("登录成功")
    expect(page.get_by_role("heading", name="作为村民，您可以：")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.viewport_size == {"width": 412, "height": 839}


def test_a_wrong_password_shows_a_clear_message(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("手机号").fill("13900000001")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("手机号或密码不对")
    expect(page.get_by_label("手机号")).to_have_value("13900000001")


def test_a_bad_phone_number_is_explained_next_to_the_field(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("手机号").fill("12345")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("请输入 11 位手机号")).to_be_visible()
    expect(page.get_by_text("请输入密码")).to_be_visible()
