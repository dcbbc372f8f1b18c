"""Shop tells the ledger about its sales (ledger never imports shop): a completed order
or a paid group-buy pledge posts the seller's share; unfinished orders are "pending"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ledger import hooks as ledger_hooks
from ledger.commission import SaleLine
from ledger.earnings import PendingSale, register_pending_source
from ledger.models import EntryKind
from ledger.services import post_sale
from payments.models import Payment, PaymentMethod
from payments.signals import payment_succeeded
from shop.catalog.models import Product
from shop.groupbuys.models import Pledge, PledgeStatus
from shop.orders.models import Order, OrderStatus
from shop.orders.services import ACTIVE
from shop.orders.signals import order_completed

#: Group-buys are bought in for the village by the station: no produce of its own.
GROUP_BUY_CATEGORY = "group_buy"
NOT_LOCAL = 0


def _sale_lines(session: Session, order: Order) -> list[SaleLine]:
    products = {
        p.id: p
        for p in session.scalars(
            select(Product).where(Product.id.in_([line.product_id for line in order.lines]))
        )
    }
    return [
        SaleLine(
            category=products[line.product_id].category.value,
            origin_village_id=products[line.product_id].origin_village_id,
            amount_fen=line.total_fen,
        )
        for line in order.lines
    ]


def _goods(order: Order) -> str:
    return "、".join(f"{line.title}×{line.quantity}{line.unit}" for line in order.lines)


def _on_order_completed(_sender: Any, *, order: Order, session: Session, **_: Any) -> None:
    post_sale(
        session,
        subject_ref=order.reference,
        seller_id=order.seller_id,
        village_id=order.station_village_id,
        method=order.payment_method,
        lines=_sale_lines(session, order),
        memo=_goods(order),
    )


def _on_payment_succeeded(_sender: Any, *, payment: Payment, session: Session, **_: Any) -> None:
    """A charged pledge is final once its money is in (captured, or cash at pickup)."""
    kind, _sep, number = payment.subject_ref.partition(":")
    if kind != "pledge" or not number.isdigit():
        return
    pledge = session.get(Pledge, int(number))
    if pledge is None or pledge.status is not PledgeStatus.CHARGED:
        return
    campaign = pledge.group_buy
    post_sale(
        session,
        subject_ref=payment.subject_ref,
        kind=EntryKind.PLEDGE,
        seller_id=campaign.organiser_id,
        village_id=campaign.village_id,
        method=payment.method,
        lines=[SaleLine(GROUP_BUY_CATEGORY, NOT_LOCAL, payment.captured_fen)],
        memo=f"{campaign.title}×{pledge.quantity}{campaign.unit}",
    )


def pending_sales(session: Session, seller_id: int) -> Sequence[PendingSale]:
    """The seller's orders sold but not yet in the buyer's hands (an online order counts
    once it is paid; a cash order from the start, it is paid on handover)."""
    orders = session.scalars(
        select(Order)
        .where(
            Order.seller_id == seller_id,
            Order.status.in_(ACTIVE),
            or_(
                Order.status != OrderStatus.PENDING_PAYMENT,
                Order.payment_method == PaymentMethod.CASH,
            ),
        )
        .options(selectinload(Order.lines))
        .order_by(Order.id)
    ).all()
    return [
        PendingSale(
            subject_ref=order.reference,
            village_id=order.station_village_id,
            lines=_sale_lines(session, order),
            description=_goods(order),
        )
        for order in orders
    ]


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    order_completed.connect(_on_order_completed, weak=False)
    payment_succeeded.connect(_on_payment_succeeded, weak=False)
    register_pending_source(pending_sales)
    ledger_hooks.connect()
