"""Cart, checkout and orders in the JSON API, with ``POST /api/v1/orders`` and
``GET /api/v1/orders/{id}`` exactly as DESIGN.md lists them."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from core.access import require_account, signed_in
from core.flask_db import get_session, unit_of_work
from core.idempotency import IdempotencyKeyHeader, apply_once, replayed_header
from core.schemas import ErrorSchema
from payments.models import PaymentMethod
from payments.views import request_online_intents
from shop.buyers.services import own_address
from shop.orders import services
from shop.orders.models import Delivery, Order, order_reference
from shop.orders.schemas import CartOut, CartQuantityIn, OrderIn, OrderOut
from shop.shipping import outbound_port

orders_api = Blueprint(
    "orders_api", __name__, url_prefix="/api/v1/orders", description="订单 (orders)"
)
cart_api = Blueprint("cart_api", __name__, url_prefix="/api/v1/cart", description="购物车 (cart)")


def _shipment(order: Order) -> dict[str, Any]:
    """The parcel as logistics tracks it (shipped orders, once it has a parcel)."""
    found = outbound_port.tracking(get_session(), order.id) if order.address_id else None
    return {
        "shipment_status": found.status if found else None,
        "courier": found.courier if found else None,
        "waybill": found.waybill if found else None,
        "tracking_url": found.tracking_url if found else None,
    }


def order_payload(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "status": order.status.value,
        "total_fen": order.total_fen,
        "delivery": order.delivery.value,
        "payment": order.payment_method.value,
        "station": {
            "village_id": order.station_village_id,
            "name": order.station_village.name,
            "address": order.station_village.station_address,
            "hours": order.station_village.station_hours,
        },
        "route": order.route.value,
        "expected_on": order.expected_on,
        "pickup_code": order.pickup_code,
        "lines": [
            {
                "product_id": line.product_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price_fen": line.unit_price_fen,
                "total_fen": line.total_fen,
            }
            for line in order.lines
        ],
        "shipping_fee_fen": order.shipping_fee_fen,
        "address_id": order.address_id,
        "ready_by": order.ready_by,
        **_shipment(order),
    }


def _cart_payload() -> dict[str, Any]:
    session, user = get_session(), require_account()
    items = services.cart_items(session, user=user)
    lines = [
        {
            "product_id": i.product_id,
            "title": i.product.title,
            "quantity": i.quantity,
            "unit_price_fen": i.product.price_fen,
            "total_fen": i.product.price_fen * i.quantity,
        }
        for i in items
    ]
    return {
        "lines": lines,
        "total_fen": sum(line["total_fen"] for line in lines),
        "held_until": services.cart_hold_expiry(session, user=user),
    }


@orders_api.route("", methods=["POST"])
@orders_api.arguments(IdempotencyKeyHeader, location="headers", as_kwargs=True)
@orders_api.arguments(OrderIn)
@orders_api.response(201, OrderOut)
@orders_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@orders_api.alt_response(404, schema=ErrorSchema, description="a product is not for sale")
@orders_api.alt_response(
    409, schema=ErrorSchema, description="stock ran out, several sellers, or key reused"
)
@orders_api.alt_response(422, schema=ErrorSchema, description="invalid order")
@signed_in
def place_order(data: dict[str, Any], key: str | None = None) -> Any:
    """Place an order of one seller's products; takes the stock (the caller's cart hold first).

    ``delivery: "ship"`` sends it by courier to ``address_id`` (one of the caller's), paid
    online only; the answer carries the quoted ``shipping_fee_fen`` (paid with the goods).

    Send ``Idempotency-Key`` so that a retry after a lost answer makes no second order: it
    answers the order the first call made, as it is now."""
    user = require_account()
    lines = [services.LineInput(line["product_id"], line["quantity"]) for line in data["lines"]]

    def place(session: Session) -> dict[str, Any]:
        address_id = data.get("address_id")
        address = own_address(session, user=user, address_id=address_id) if address_id else None
        orders = services.place_orders(
            session,
            buyer=user,
            placed_by=user,
            lines=lines,
            delivery=Delivery(data["delivery"]),
            payment=PaymentMethod(data["payment"]),
            single_seller=True,
            address=address,
        )
        return {"order_id": orders[0].id}

    answer = apply_once(place, user_id=user.id)
    order_id = answer.body["order_id"]
    request_online_intents([order_reference(order_id)])  # again on a repeat, if it failed
    order = services.own_order(get_session(), user=user, order_id=order_id)
    return order_payload(order), answer.status, replayed_header(answer)


@orders_api.route("/<int:order_id>/received", methods=["POST"])
@orders_api.response(200, OrderOut)
@orders_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@orders_api.alt_response(404, schema=ErrorSchema, description="not the caller's order")
@orders_api.alt_response(409, schema=ErrorSchema, description="not shipped yet")
@signed_in
def confirm_receipt(order_id: int) -> dict[str, Any]:
    """The buyer confirms a shipped order arrived."""
    with unit_of_work() as session:
        order = services.confirm_receipt(session, user=require_account(), order_id=order_id)
        return order_payload(order)


@orders_api.route("/<int:order_id>")
@orders_api.response(200, OrderOut)
@orders_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@orders_api.alt_response(404, schema=ErrorSchema, description="not the caller's order")
@signed_in
def get_order(order_id: int) -> dict[str, Any]:
    """The caller's own order."""
    return order_payload(
        services.own_order(get_session(), user=require_account(), order_id=order_id)
    )


@cart_api.route("")
@cart_api.response(200, CartOut)
@cart_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@signed_in
def get_cart() -> dict[str, Any]:
    """The caller's cart and how long its stock is held."""
    return _cart_payload()


@cart_api.route("/items/<int:product_id>", methods=["PUT"])
@cart_api.arguments(CartQuantityIn)
@cart_api.response(200, CartOut)
@cart_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@cart_api.alt_response(404, schema=ErrorSchema, description="no such listed product")
@cart_api.alt_response(422, schema=ErrorSchema, description="invalid quantity")
@signed_in
def put_cart_item(data: dict[str, Any], product_id: int) -> dict[str, Any]:
    """Set a product's quantity in the cart (0 removes it)."""
    with unit_of_work() as session:
        services.set_cart_quantity(
            session, user=require_account(), product_id=product_id, quantity=data["quantity"]
        )
    return _cart_payload()


@cart_api.route("/checkout", methods=["POST"])
@cart_api.response(200, CartOut)
@cart_api.alt_response(401, schema=ErrorSchema, description="not signed in")
@cart_api.alt_response(404, schema=ErrorSchema, description="a product is no longer listed")
@cart_api.alt_response(409, schema=ErrorSchema, description="stock ran out")
@cart_api.alt_response(422, schema=ErrorSchema, description="the cart is empty")
@signed_in
def checkout() -> dict[str, Any]:
    """Hold the cart's stock for 15 minutes; then ``POST /api/v1/orders`` places it."""
    with unit_of_work() as session:
        services.hold_cart(session, user=require_account())
    return _cart_payload()
