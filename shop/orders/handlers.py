"""Shop is the composition root: it connects the lower packages' signals to its orders,
and its own ``order_packed`` to logistics (neither payments nor logistics imports shop)."""

from __future__ import annotations

from typing import Any

from flask_login import user_logged_in
from sqlalchemy.orm import Session

from core.models import User
from core.money import format_fen
from logistics import services as logistics
from logistics.models import Parcel
from logistics.signals import parcel_delivered, parcel_picked_up
from payments.models import Payment
from payments.signals import payment_succeeded
from shop.catalog.models import Product
from shop.orders import guest_cart, services
from shop.orders.models import Delivery, Order
from shop.orders.signals import order_packed
from shop.shipping import outbound_port

MAX_PARCEL_WEIGHT_G = 100_000  # logistics refuses heavier items; weight only guides planning


def _on_payment_succeeded(_sender: Any, *, payment: Payment, session: Session, **_: Any) -> None:
    services.mark_paid(session, subject_ref=payment.subject_ref)


def _on_order_packed(_sender: Any, *, order: Order, session: Session, **_: Any) -> None:
    """A packed door-delivery order becomes a delivery item of the next round."""
    if order.delivery is not Delivery.DOOR or order.household_id is None:
        return
    weight = 0
    for line in order.lines:
        product = session.get(Product, line.product_id)
        weight += (product.weight_g if product else 500) * line.quantity
    goods = order.goods
    if not services.is_paid(session, order):  # tell the cadre what to take at the door
        goods = f"货到付款 {format_fen(order.total_fen)} · {goods}"
    logistics.add_delivery_item(
        session,
        household_id=order.household_id,
        reference=order.reference,
        description=goods,
        weight_g=min(max(weight, 1), MAX_PARCEL_WEIGHT_G),
    )


def _on_parcel_delivered(parcel: Parcel, *, session: Session, **_: Any) -> None:
    if not parcel.reference:
        return
    order = services.mark_delivered(session, reference=parcel.reference)
    cadre = session.get(User, parcel.stop.round.cadre_id) if parcel.stop else None
    if order is not None and cadre is not None:
        services.take_cash_at_the_door(session, order=order, cadre=cadre)


def _on_parcel_picked_up(parcel: Parcel, *, session: Session, **_: Any) -> None:
    if parcel.reference:
        services.mark_collected_at_station(session, reference=parcel.reference)


def _on_outbound_handed_over(_parcel: Any, *, session: Session, order_id: int, **_: Any) -> None:
    """The courier took the shipped order's parcel (its waybill is logistics' to show).
    Logistics keeps ``order_id`` as a plain number: a parcel opened by no order of the shop
    (logistics' own tests, the outbound benchmark) is none of the shop's business."""
    if session.get(Order, order_id) is not None:
        services.mark_shipped(session, order_id=order_id)


def connect_handlers() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    payment_succeeded.connect(_on_payment_succeeded, weak=False)
    order_packed.connect(_on_order_packed, weak=False)
    parcel_delivered.connect(_on_parcel_delivered, weak=False)
    parcel_picked_up.connect(_on_parcel_picked_up, weak=False)
    user_logged_in.connect(guest_cart.merge_at_login, weak=False)
    outbound_port.on_handed_over(_on_outbound_handed_over)
