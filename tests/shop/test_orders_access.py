"""Every object route of the storefront, tried by users who neither own the object nor
serve its station (each role, and another user of the owner's role): 403 or 404 on all
of them (RELIABILITY.md item 12). The owners themselves get through, so a route that
refused everybody would fail here too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from payments.models import PaymentMethod
from shop.catalog import services as catalog
from shop.catalog.models import Category, Unit
from shop.orders import services as orders
from shop.orders.models import Delivery
from tests.shop.storefront_helpers import listed_product, png_bytes


@pytest.fixture
def world(
    app: Flask,
    db: Session,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
    tmp_path: Path,
    stripe_gateway: object,
) -> dict[str, object]:
    app.config["PHOTO_DIR"] = str(tmp_path)
    village, elsewhere = make_village(), make_village()
    farmer = make_user(Role.FARMER, village=village)
    agent = make_user(Role.AGENT, village=village)
    buyer = make_user(Role.VILLAGER, village=village)
    product = listed_product(db, farmer, agent)
    assert farmer.household is not None
    pending = catalog.create_listing(
        db,
        seller=farmer,
        data=catalog.ListingInput(
            "待审莲藕",
            "",
            Category.VEGETABLES,
            Unit.JIN,
            600,
            farmer.household.village_id,
        ),
    )
    photo = catalog.add_photo(
        db, seller=farmer, product_id=pending.id, directory=tmp_path, data=png_bytes()
    )
    catalog.submit_for_review(db, seller=farmer, product_id=pending.id)
    (order,) = orders.place_orders(
        db,
        buyer=buyer,
        placed_by=buyer,
        lines=[orders.LineInput(product.id, 1)],
        delivery=Delivery.PICKUP,
        payment=PaymentMethod.CASH,
    )
    (online,) = orders.place_orders(
        db,
        buyer=buyer,
        placed_by=buyer,
        lines=[orders.LineInput(product.id, 1)],
        delivery=Delivery.DOOR,
        payment=PaymentMethod.ONLINE,
    )
    strangers = {
        "another villager": make_user(Role.VILLAGER, village=village),
        "another farmer": make_user(Role.FARMER, village=village),
        "another station's agent": make_user(Role.AGENT, village=elsewhere),
        "cadre": make_user(Role.CADRE, village=village),
        "dispatcher": make_user(Role.DISPATCHER, village=village),
        "supplier": make_user(Role.SUPPLIER, village=village),
    }
    return {
        "farmer": farmer,
        "agent": agent,
        "buyer": buyer,
        "product": product,
        "pending": pending,
        "photo": photo.name,
        "order": order,
        "online": online,
        "strangers": strangers,
    }


def object_routes(w: dict[str, object]) -> list[tuple[str, str, dict[str, object], str]]:
    """(method, path, form, owner) of every route that names an object."""
    pending, order, product = w["pending"].id, w["order"].id, w["product"].id  # type: ignore[attr-defined]
    photo = w["photo"]
    buyer = w["buyer"].id  # type: ignore[attr-defined]
    return [
        (
            "POST",
            f"/station/assisted/{buyer}",
            {f"qty-{product}": "1", "delivery": "pickup"},
            "agent",
        ),
        ("GET", f"/products/{pending}", {}, "farmer"),
        ("GET", f"/photos/{photo}", {}, "farmer"),
        ("GET", f"/photos/{photo}/thumb", {}, "agent"),
        ("GET", f"/my/listings/{pending}", {}, "farmer"),
        ("POST", f"/my/listings/{product}/stock", {"quantity": "3"}, "farmer"),
        ("POST", f"/my/listings/{product}/delist", {}, "farmer"),
        ("POST", f"/station/review/{pending}/reject", {"reason": "产地不符"}, "agent"),
        ("POST", f"/station/review/{pending}/approve", {}, "agent"),
        ("GET", f"/orders/{order}", {}, "buyer"),
        ("GET", f"/orders/{order}/receipt", {}, "buyer"),
        ("POST", f"/orders/{order}/pack", {}, "farmer"),
        ("POST", f"/orders/{order}/collect-cash", {}, "agent"),
        ("GET", f"/orders/{order}/cancel", {}, "buyer"),
        ("POST", f"/orders/{order}/cancel", {}, "buyer"),
        ("GET", f"/api/v1/orders/{order}", {}, "buyer"),
        ("GET", f"/orders/{w['online'].id}/pay", {}, "buyer"),  # type: ignore[attr-defined]
        ("POST", f"/orders/{w['online'].id}/pay/retry", {}, "buyer"),  # type: ignore[attr-defined]
        ("POST", f"/orders/{w['online'].id}/pay/refresh", {}, "buyer"),  # type: ignore[attr-defined]
    ]


def call(client: FlaskClient, token: str, method: str, path: str, form: dict[str, object]) -> int:
    response = client.open(path, method=method, data=form, headers={"X-CSRFToken": token})
    return response.status_code


def test_strangers_get_403_or_404_on_every_object_route(
    client: FlaskClient, world: dict[str, object], login: Callable[[User], str]
) -> None:
    answers = {}
    for who, stranger in world["strangers"].items():  # type: ignore[attr-defined]
        token = login(stranger)
        for method, path, form, _owner in object_routes(world):
            answers[(who, method, path)] = call(client, token, method, path, form)
    assert {key: status for key, status in answers.items() if status not in (403, 404)} == {}


def test_owners_get_through_the_same_routes(
    client: FlaskClient, world: dict[str, object], login: Callable[[User], str]
) -> None:
    statuses = {}
    for method, path, form, owner in object_routes(world):
        token = login(world[owner])  # type: ignore[arg-type]
        statuses[(method, path)] = call(client, token, method, path, form)
    # Past the access checks: done, or refused by the state machine (409), never 403/404.
    assert {key: status for key, status in statuses.items() if status not in (200, 302, 409)} == {}
