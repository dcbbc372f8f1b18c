"""The phone-layout rules on every page a villager, a farmer, a station agent or an anonymous
visitor can reach from the home page by tapping links (Pixel 7, 412 px, zh-CN).

Each persona signs in by the login form, then the test crawls same-site GET links
breadth-first from the home page. Pages of one kind (``/orders/7`` and ``/orders/9``) are
opened at most twice, so the walk stays bounded however much demo data there is. On each page:
it answers 200 as HTML, it keeps the shared header (home; cart and notices where they apply),
and ``layout_problems`` finds nothing (no sideways scrolling, 44 x 44 px tap targets, 16 px
text; see tests/e2e/layout_probe.js). One screenshot per kind of page goes to
build/screenshots/layout-<persona>-<kind>.png, for a person to look at.

The cadre's round, its print sheet and the dispatch board belong to other journeys (and other
personas); the API, photos and the language switch are not pages to crawl here (English is
checked on a few pages at the end).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from core.flask_db import EXTENSION_KEY
from core.models import Role, RoleGrant, User
from tests.conftest import LiveServer
from tests.e2e.phone import layout_problems, shot, sign_in

VILLAGER, FARMER, AGENT = "13900000001", "13900000101", "13900000201"
MAX_PAGES = 40  # per persona
MAX_PER_KIND = 2
NOT_CRAWLED = re.compile(
    r"^/(api|static|cadre|dispatch|logout|photos?)(/|$)|^/catalog/photo|\.(csv|pdf)$"
)


def kind_of(url: str) -> str:
    """``/orders/17?page=2`` -> ``orders-n-page``: one screenshot per kind of page."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+", "/n", parts.path).strip("/") or "home"
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return "-".join([path.replace("/", "-"), *keys])


def same_site_links(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "links => links.map(a => a.href.split('#')[0])"
    )
    wanted = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or "lang=" in parts.query:
            continue
        if NOT_CRAWLED.search(parts.path):
            continue
        wanted.append(href)
    return wanted


def crawl(page: Page, origin: str) -> Iterator[tuple[str, str]]:
    """Open pages breadth-first from the home page; yield (url, kind) with the page loaded."""
    queue = deque([origin + "/"])
    seen: set[str] = set()
    per_kind: dict[str, int] = {}
    opened = 0
    while queue and opened < MAX_PAGES:
        url = queue.popleft()
        kind = kind_of(url)
        if url in seen or per_kind.get(kind, 0) >= MAX_PER_KIND:
            continue
        seen.add(url)
        per_kind[kind] = per_kind.get(kind, 0) + 1
        response = page.goto(url)
        assert response is not None
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        assert response.status == 200, f"{url} answered {response.status}"
        opened += 1
        yield url, kind
        queue.extend(same_site_links(page, origin))


def check_header(page: Page, persona: str) -> None:
    header = page.locator("header.topbar")
    expect(header.get_by_role("link", name=re.compile("村站|Cunzhan"))).to_have_attribute(
        "href", "/"
    )
    if persona in ("anonymous", "villager"):
        expect(header.locator("a.cart")).to_be_visible()
    if persona != "anonymous":
        expect(header.get_by_role("button", name=re.compile("退出|Sign out"))).to_be_visible()


PERSONAS = [("anonymous", None), ("villager", VILLAGER), ("farmer", FARMER), ("agent", AGENT)]


@pytest.mark.parametrize(("persona", "phone"), PERSONAS, ids=[p for p, _ in PERSONAS])
def test_every_reachable_page_keeps_the_phone_rules(
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    persona: str,
    phone: str | None,
) -> None:
    page = browser.new_context(**browser_context_args).new_page()
    if phone:
        sign_in(page, live_server.url, phone)
    broken: dict[str, list[str]] = {}
    kinds: set[str] = set()
    for url, kind in crawl(page, live_server.url):
        check_header(page, persona)
        problems = layout_problems(page)
        if problems:
            broken[url] = problems
        if kind not in kinds:
            kinds.add(kind)
            shot(page, f"layout-{persona}-{kind}", check_layout=False)
    assert len(kinds) >= 3, f"{persona} reached only {sorted(kinds)} from the home page"
    assert not broken, "pages breaking the phone layout rules:\n" + "\n".join(
        f"{url}: {problems}" for url, problems in broken.items()
    )


def test_english_pages_keep_the_rules_too(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    page = browser.new_context(**browser_context_args).new_page()
    sign_in(page, live_server.url, VILLAGER)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    broken = {}
    for name, link in (("products", "Browse local products"), ("orders", "My orders")):
        page.goto(live_server.url + "/")
        page.get_by_role("link", name=link).first.click()
        page.wait_for_url(f"{live_server.url}/{name}")
        if problems := layout_problems(page):
            broken[page.url] = problems
        shot(page, f"layout-en-{name}", check_layout=False)
    page.goto(live_server.url + "/cart")
    if problems := layout_problems(page):
        broken[page.url] = problems
    shot(page, "layout-en-cart", check_layout=False)
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert not broken, broken


def villager_of_station(server: LiveServer, agent_phone: str) -> str:
    with server.app.extensions[EXTENSION_KEY].read_sessions() as session:
        village = session.scalar(
            select(RoleGrant.village_id)
            .join(User)
            .where(User.phone == agent_phone, RoleGrant.role == Role.AGENT)
        )
        phone = session.scalar(
            select(User.phone)
            .join(RoleGrant)
            .where(RoleGrant.role == Role.VILLAGER, RoleGrant.village_id == village)
            .order_by(User.id)
        )
        assert phone is not None
        return str(phone)


def test_product_cart_and_checkout_on_the_phone(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    """The pages a crawl cannot reach (they follow a form): radios sit beside their labels."""
    page = browser.new_context(**browser_context_args).new_page()
    sign_in(page, live_server.url, "13900000002")
    page.get_by_role("link", name="逛本地好物").click()
    page.locator(".product-card a").first.click()
    expect(page.get_by_role("link", name="‹ 返回商品列表")).to_be_visible()
    shot(page, "layout-shop-01-product")
    page.get_by_role("button", name="加入购物车").click()
    expect(page.locator("header a.cart .count")).to_have_text("1")
    shot(page, "layout-shop-02-cart")
    page.get_by_role("button", name="去结算").click()
    expect(page.get_by_role("heading", name="确认订单")).to_be_visible()
    for radio in page.get_by_role("radio").all():
        box, row = radio.bounding_box(), radio.locator("xpath=..").bounding_box()
        assert box and row
        assert row["height"] < 2 * 44, "a radio on a line of its own above its label"
        assert box["x"] - row["x"] < 20, "the radio sits left of its label's text"
    shot(page, "layout-shop-03-checkout")
    page.get_by_role("link", name="村站首页").click()
    expect(page).to_have_url(live_server.url + "/")


def test_counter_order_and_error_pages_on_the_phone(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> None:
    page = browser.new_context(**browser_context_args).new_page()
    sign_in(page, live_server.url, AGENT)
    page.get_by_role("link", name="代客下单").click()
    search = page.get_by_role("search")
    search.get_by_role("textbox").fill(villager_of_station(live_server, AGENT))
    search.get_by_role("button").click()
    page.locator("main ul.actions a").first.click()
    shot(page, "layout-agent-assisted-form")

    page.goto(live_server.url + "/products/999999", referer=live_server.url + "/products")
    expect(page.get_by_role("link", name="回到首页")).to_be_visible()
    shot(page, "layout-error-404")
    page.get_by_role("link", name="返回上一页").click()
    expect(page).to_have_url(live_server.url + "/products")
