"""The steps of an order as its buyer follows them on /orders: what is done, what is next."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from payments.models import Payment, PaymentStatus
from shop.orders.models import Delivery, Order, OrderStatus

S = OrderStatus
#: How far along its way each status is (the steps below are numbered the same).
PROGRESS = {
    S.PENDING_PAYMENT: 1,
    S.PAID: 1,
    S.PACKED: 2,
    S.OUT_FOR_DELIVERY: 3,
    S.READY_FOR_PICKUP: 3,
    S.DELIVERED: 4,
    S.PICKED_UP: 4,
}
PICKUP_STEPS = (_l("已下单"), _l("卖家已打包"), _l("已到村站，可凭取货码自提"), _l("已取货"))
DOOR_STEPS = (_l("已下单"), _l("卖家已打包"), _l("村干部配送中"), _l("已送到家"))
SHIP_PROGRESS = {S.PENDING_PAYMENT: 1, S.PAID: 1, S.SHIPPED: 2, S.RECEIVED: 3}
SHIP_STEPS = (_l("已下单"), _l("村站打包，已交快递"), _l("已签收"))


@dataclass(frozen=True)
class Step:
    label: str
    done: bool


def order_steps(order: Order, payment: Payment | None) -> list[Step]:
    """The way steps and the payment step, each done or not; empty once it is cancelled."""
    progress = SHIP_PROGRESS if order.delivery is Delivery.SHIP else PROGRESS
    if order.status not in progress:
        return []
    reached = progress[order.status]
    labels = {Delivery.PICKUP: PICKUP_STEPS, Delivery.DOOR: DOOR_STEPS, Delivery.SHIP: SHIP_STEPS}[
        order.delivery
    ]
    steps = [Step(str(label), number <= reached) for number, label in enumerate(labels, 1)]
    paid = payment is not None and payment.status is PaymentStatus.SUCCEEDED
    # A shipped order is paid before anything moves; the others may be paid at the end.
    where = 1 if order.delivery is Delivery.SHIP else -1
    steps.insert(where, Step(str(_l("已付款")) if paid else str(_l("待付款")), paid))
    return steps
