"""Bad input on the listing form and the order API gets a clear 4xx (RELIABILITY 13, 21, 22)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from core.photos import MAX_PHOTO_BYTES
from shop.catalog.models import Product
from tests.shop.storefront_helpers import listed_product, png_bytes


@pytest.fixture
def farmer(
    app: Flask,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    tmp_path: Path,
) -> User:
    app.config["PHOTO_DIR"] = str(tmp_path)
    return make_user(Role.FARMER, village=make_village())


def listing_form(farmer: User, **changes: object) -> dict[str, object]:
    assert farmer.household is not None
    return {
        "title": "九孔粉莲藕",
        "description": "塘泥里现挖",
        "category": "vegetables",
        "unit": "jin",
        "price": "6.50",
        "weight_g": "500",
        "origin_village": str(farmer.household.village_id),
        "stock": "20",
        "action": "submit",
        **changes,
    }


def post_listing(client: FlaskClient, token: str, form: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(
        "/my/listings/new",
        data=form,
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )


def test_a_good_listing_is_stored_in_fen_with_its_photo(
    client: FlaskClient, db: Session, farmer: User, login: Callable[[User], str]
) -> None:
    token = login(farmer)
    form = listing_form(farmer, photos=(io.BytesIO(png_bytes()), "lotus.png"))
    assert post_listing(client, token, form).status_code == 302
    product = db.scalar(select(Product).where(Product.seller_id == farmer.id))
    assert product is not None
    assert (product.price_fen, product.status.value, len(product.photos)) == (
        650,
        "pending_review",
        1,
    )


def test_after_submitting_the_page_shows_the_stock_brought_not_an_empty_box(
    client: FlaskClient, db: Session, farmer: User, login: Callable[[User], str]
) -> None:
    token = login(farmer)
    submitted = post_listing(client, token, listing_form(farmer))
    page = client.get(submitted.headers["Location"]).get_data(as_text=True)
    assert "村站现有可售：20 斤" in page
    assert "送到村站的数量" not in page  # the one place to add more is 补货
    assert re.search(r'<input id="stock" [^>]*name="stock" [^>]*type="hidden" value="0">', page)
    saved = client.post(
        submitted.headers["Location"],
        data={**listing_form(farmer, description="改了介绍"), "stock": "0"},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    assert "村站现有可售：20 斤" in client.get(saved.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-3", "请填写价格"),
        ("1.234", "请填写价格"),
        ("0", "价格必须大于 0"),
        ("abc", "请填写价格"),
    ],
)
def test_bad_prices_are_explained(
    client: FlaskClient, farmer: User, login: Callable[[User], str], price: str, message: str
) -> None:
    response = post_listing(client, login(farmer), listing_form(farmer, price=price))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"<?php system($_GET['c']); ?>", 422, "不是一张可用的照片"),
        (b"GIF89a" + b"\0" * 64, 422, "不是一张可用的照片"),
        (b"\xff\xd8\xff" + b"\0" * (MAX_PHOTO_BYTES + 1), 413, "5 MB"),
    ],
)
def test_fake_and_oversized_photos_are_refused(
    client: FlaskClient,
    db: Session,
    farmer: User,
    login: Callable[[User], str],
    data: bytes,
    status: int,
    message: str,
) -> None:
    form = listing_form(farmer, photos=(io.BytesIO(data), "photo.jpg"))
    response = post_listing(client, login(farmer), form)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(Product).where(Product.seller_id == farmer.id)) is None  # rolled back


def test_a_request_over_the_upload_limit_is_413(
    client: FlaskClient, farmer: User, login: Callable[[User], str]
) -> None:
    form = listing_form(farmer, photos=(io.BytesIO(b"x" * (6 * 1024 * 1024)), "big.jpg"))
    assert post_listing(client, login(farmer), form).status_code == 413


def test_order_api_refuses_unknown_fields_and_loose_numbers(
    client: FlaskClient,
    db: Session,
    farmer: User,
    make_user: Callable[..., User],
    login: Callable[[User], str],
) -> None:
    assert farmer.household is not None
    village = farmer.household.village
    product = listed_product(db, farmer, make_user(Role.AGENT, village=village))
    token = login(make_user(Role.VILLAGER, village=village))
    line = {"product_id": product.id, "quantity": 1}
    good = {"lines": [line], "delivery": "door", "payment": "cash"}
    bad_bodies = [
        {**good, "total_fen": 1},
        {**good, "lines": [{**line, "unit_price_fen": 1}]},
        {**good, "lines": [{**line, "quantity": "1"}]},
        {**good, "lines": [{**line, "quantity": 1001}]},
        {**good, "lines": [{**line, "quantity": -1}]},
        {**good, "lines": []},
        {**good, "delivery": "drone"},
    ]
    for body in bad_bodies:
        response = client.post("/api/v1/orders", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "invalid"
    missing = {**good, "lines": [{"product_id": 999_999, "quantity": 1}]}
    assert (
        client.post("/api/v1/orders", json=missing, headers={"X-CSRFToken": token}).status_code
        == 404
    )
    assert client.post("/api/v1/orders", json=good).status_code == 400  # no CSRF token
