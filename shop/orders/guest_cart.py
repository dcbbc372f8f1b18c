"""The cart of a visitor who is not signed in: a signed cookie of product ids and quantities,
added to the household's cart when they sign in.

A cookie of its own (not the Flask session) because signing in starts a fresh session;
it holds ids and quantities only, so the stock and prices are always read from the database.
"""

from __future__ import annotations

from typing import Any

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from core.errors import CunzhanError
from core.flask_db import unit_of_work
from core.models import User
from shop.orders import services

COOKIE = "cunzhan_guest_cart"
MAX_LINES = 20
SALT = "cunzhan-guest-cart"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt=SALT)


def read() -> dict[int, int]:
    """Product id -> quantity; a cookie that is not ours reads as an empty cart."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        int(key): value
        for key, value in data.items()
        if str(key).isdigit() and isinstance(value, int) and 0 < value <= services.MAX_QUANTITY
    }


def _write(response: Response, cart: dict[int, int]) -> Response:
    if not cart:
        response.delete_cookie(COOKIE)
        return response
    response.set_cookie(
        COOKIE,
        _serializer().dumps({str(k): v for k, v in cart.items()}),
        max_age=7 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def add(response: Response, product_id: int, quantity: int) -> Response:
    """Add to the visitor's cart (at most MAX_LINES products, MAX_QUANTITY of each)."""
    cart = read()
    if product_id in cart or len(cart) < MAX_LINES:
        cart[product_id] = min(cart.get(product_id, 0) + quantity, services.MAX_QUANTITY)
    return _write(response, cart)


def merge_at_login(_sender: Any, *, user: User, **_: Any) -> None:
    """Flask-Login's ``user_logged_in``: put the visitor's cart into the household's cart.

    A product that is no longer for sale is left out; the cookie is cleared either way."""
    cart = read()
    if not cart:
        return
    for product_id, quantity in cart.items():
        try:
            with unit_of_work() as session:
                services.add_to_cart(session, user=user, product_id=product_id, quantity=quantity)
        except CunzhanError:
            continue

    @after_this_request
    def _clear(response: Response) -> Response:
        return _write(response, {})
