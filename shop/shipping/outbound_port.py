"""Every call the shop makes to the outbound half of logistics (``logistics.outbound``), in
one place: open the paid order's parcel, ask for a collection, follow it for the buyer,
cancel it with the order, and hear of the handover to the courier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from logistics import outbound, signals
from logistics.models import OutboundStatus

#: The parcel's states before the seller's goods reached the station.
WAITING_FOR_GOODS = frozenset({OutboundStatus.AWAITING_GOODS, OutboundStatus.AWAITING_COLLECTION})


@dataclass(frozen=True)
class ShipmentTracking:
    """What the buyer sees of a parcel: its status in words, courier, waybill and steps."""

    status: str
    courier: str | None
    waybill: str | None
    tracking_url: str | None
    steps: list[tuple[dt.datetime, str]]


def open_parcel(
    session: Session,
    *,
    order_id: int,
    station_id: int,
    seller_user_id: int,
    recipient: str,
    phone: str,
    division_code: str,
    street: str,
    weight_g: int,
    ready_by: dt.datetime,
) -> int:
    """The paid order's outbound parcel (the same one again for the same order)."""
    return outbound.open_outbound(
        session,
        order_id=order_id,
        station_id=station_id,
        seller_user_id=seller_user_id,
        recipient=recipient,
        phone=phone,
        division_code=division_code,
        street=street,
        weight_g=weight_g,
        ready_by=ready_by,
    )


def request_collection(session: Session, *, order_id: int) -> None:
    """The farmer asks the cadre to collect the goods on the next round."""
    outbound.request_collection(session, order_id=order_id)


def tracking(session: Session, order_id: int) -> ShipmentTracking | None:
    """The parcel's tracking, or None while the order has no parcel (not paid yet)."""
    found = outbound.tracking_for_order(session, order_id)
    if found is None:
        return None
    return ShipmentTracking(
        status=found.status.label,
        courier=found.courier,
        waybill=found.waybill,
        tracking_url=found.tracking_url,
        steps=list(found.steps),
    )


def goods_at_station(session: Session, order_id: int) -> bool:
    """Whether the seller's goods reached the station (the deadline task cancels the paid
    orders whose goods did not)."""
    found = outbound.tracking_for_order(session, order_id)
    return found is not None and found.status not in WAITING_FOR_GOODS


def cancel_parcel(session: Session, *, order_id: int) -> None:
    """The order was cancelled or refunded before the courier had it."""
    outbound.cancel_outbound(session, order_id=order_id)


HandedOver = Callable[..., None]


def on_handed_over(receiver: HandedOver) -> None:
    """Connect ``receiver(parcel, *, session, order_id, courier, waybill)`` to logistics'
    ``outbound_handed_over``."""
    signals.outbound_handed_over.connect(receiver, weak=False)
