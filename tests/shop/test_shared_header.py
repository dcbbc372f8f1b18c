"""The shared header and the pages that must never be dead ends, over HTTP: the cart count,
the notices hook, the language switch that keeps the page, next steps on error pages, the
empty checkout, the product page's way back and the visitor's home page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.access import public
from core.accounts import sign_up_buyer
from core.error_pages import error_response
from core.header import register_header_count
from core.models import Role, User, Village
from tests.conftest import TEST_PASSWORD
from tests.shop.storefront_helpers import listed_product


@pytest.fixture
def people(make_user: Callable[..., User], make_village: Callable[..., Village]) -> dict[str, User]:
    village = make_village()
    return {
        "farmer": make_user(Role.FARMER, village=village, name="王农户"),
        "agent": make_user(Role.AGENT, village=village, name="李代办"),
        "villager": make_user(Role.VILLAGER, village=village, name="张村民"),
    }


def header(page: str) -> str:
    match = re.search(r'<header class="topbar">(.*?)</header>', page, re.S)
    assert match, page
    return match.group(1)


def test_the_cart_link_counts_the_kinds_of_product_in_the_cart(
    client: FlaskClient, db: Session, people: dict[str, User], login: Callable[[User], str]
) -> None:
    first = listed_product(db, people["farmer"], people["agent"])
    second = listed_product(db, people["farmer"], people["agent"], title="土鸡蛋")
    token = login(people["villager"])
    top = header(client.get("/").get_data(as_text=True))
    assert 'class="cart" href="/cart"' in top and 'class="count"' not in top
    for product, quantity in ((first, 3), (second, 1)):
        client.post(
            "/cart/add",
            data={"csrf_token": token, "product_id": product.id, "quantity": quantity},
        )
    top = header(client.get("/products").get_data(as_text=True))
    assert re.search(r'class="count"[^>]*>2</span>', top), top
    assert "退出" in top and "English" in top


def test_visitors_see_the_cart_agents_without_one_do_not(
    client: FlaskClient, people: dict[str, User], login: Callable[[User], str]
) -> None:
    assert 'class="cart"' in header(client.get("/").get_data(as_text=True))
    login(people["agent"])
    assert 'class="cart"' not in header(client.get("/").get_data(as_text=True))


def test_a_city_buyer_sees_the_cart_even_when_it_is_empty(
    client: FlaskClient, db: Session, login: Callable[[User], str]
) -> None:
    buyer = sign_up_buyer(db, phone="13800138000", password=TEST_PASSWORD, name="陈")
    login(buyer)
    top = header(client.get("/").get_data(as_text=True))
    assert 'class="cart" href="/cart"' in top and 'class="count"' not in top


def test_the_notices_link_shows_the_registered_unread_count(
    app: Flask, client: FlaskClient, people: dict[str, User], login: Callable[[User], str]
) -> None:
    @app.route("/notices")
    @public
    def notices() -> str:
        return "notices"

    register_header_count(app, "notices", lambda: 4)
    with pytest.raises(ValueError):
        register_header_count(app, "weather", lambda: 1)
    login(people["villager"])
    top = header(client.get("/").get_data(as_text=True))
    assert re.search(r'href="/notices">通知 <span class="count"[^>]*>4</span>', top), top


def test_the_language_switch_keeps_the_page_and_its_query(client: FlaskClient) -> None:
    top = header(client.get("/products?q=大米&page=2").get_data(as_text=True))
    assert 'href="/products?q=%E5%A4%A7%E7%B1%B3&amp;page=2&amp;lang=en"' in top
    english = client.get("/products?q=大米&lang=en").get_data(as_text=True)
    assert 'href="/products?q=%E5%A4%A7%E7%B1%B3&amp;lang=zh"' in header(english)


def test_error_pages_offer_next_steps(app: Flask, client: FlaskClient) -> None:
    lost = client.get("/products/999999", headers={"Referer": "http://localhost/products?q=米"})
    page = lost.get_data(as_text=True)
    assert lost.status_code == 404
    assert 'href="/products?q=米">返回上一页' in page and "回到首页" in page

    with app.test_request_context("/orders/3"):
        shown, status, _headers = error_response(401, "unauthorized", "请先登录")
    assert status == 401
    assert 'href="/login?next=/orders/3">登录</a>' in str(shown)

    referred = {"Referer": "http://localhost/cart"}
    with app.test_request_context("/cart/checkout", method="POST", headers=referred):
        shown, status, _headers = error_response(409, "conflict", "只剩 2 件了")
    assert 'class="button primary" href="/cart">返回上一页' in str(shown)

    wrong_method = client.get("/cart/add", headers={"Referer": "http://localhost/cart"})
    assert wrong_method.status_code == 405
    assert 'href="/cart">返回上一页' in wrong_method.get_data(as_text=True)
    for elsewhere in ("https://elsewhere.example/x", "http://localhost//elsewhere.example/x"):
        foreign = client.get("/nope", headers={"Referer": elsewhere})
        assert "返回上一页" not in foreign.get_data(as_text=True), elsewhere


def test_an_empty_checkout_says_so_and_leads_to_the_products(
    client: FlaskClient, people: dict[str, User], login: Callable[[User], str]
) -> None:
    login(people["villager"])
    page = client.get("/checkout").get_data(as_text=True)
    assert "购物车是空的" in page and 'href="/products"' in page
    assert "合计" not in page and "提交订单" not in page


def test_a_product_page_leads_back_to_the_list_it_came_from(
    client: FlaskClient, db: Session, people: dict[str, User]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"])
    plain = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert '<a href="/products">‹ 返回商品列表</a>' in plain
    searched = client.get(
        f"/products/{product.id}", headers={"Referer": "http://localhost/products?q=%E7%B1%B3"}
    ).get_data(as_text=True)
    assert '<a href="/products?q=%E7%B1%B3">‹ 返回商品列表</a>' in searched


def test_a_visitor_can_browse_and_learns_how_to_get_an_account(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/products">逛本地好物' in page
    assert "正在拼团的化肥" in page
    assert "到村站登记" in page and 'href="/login"' in page


def test_the_tab_names_the_page_then_the_site_in_the_pages_language(
    client: FlaskClient,
) -> None:
    def title(path: str) -> str:
        found = re.search(r"<title>(.*?)</title>", client.get(path).get_data(as_text=True))
        assert found is not None
        return found.group(1)

    assert title("/") == "首页 · 村站" and title("/login") == "登录 · 村站"
    assert title("/login?lang=en") == "Sign in · Cunzhan"


def test_a_village_with_nothing_on_sale_does_not_ask_for_another_word(
    client: FlaskClient, db: Session, people: dict[str, User], make_village: Callable[..., Village]
) -> None:
    listed_product(db, people["farmer"], people["agent"])
    empty = make_village()
    page = client.get(f"/products?village={empty.id}").get_data(as_text=True)
    assert "这里暂时没有在卖的商品，换个村或分类看看" in page and "换个词试试" not in page
    assert "换个词试试" in client.get("/products?q=没有的东西").get_data(as_text=True)
