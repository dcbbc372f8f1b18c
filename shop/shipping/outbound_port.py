"""Every call the shop makes to the outbound half of logistics (``logistics.outbound``,
built on the ``cityship`` branch), in one place so that it is wired once at the merge.

The interface, as agreed:

    open_outbound(session, *, order_id, station_id, seller_user_id, recipient, phone,
                  division_code, street, weight_g, ready_by) -> int   # idempotent per order
    request_collection(session, *, order_id) -> None
    tracking_for_order(session, order_id) -> Tracking | None
    cancel_outbound(session, *, order_id) -> None
    logistics.signals.outbound_handed_over(sender=parcel, session=..., order_id=...,
                                           courier=..., waybill=...)

Until the merge this branch has no ``logistics.outbound``: ``outbound`` is None then, and
each call raises ``ShopError("outbound_unavailable")`` (a 409) rather than pretend a parcel
was opened. The shop's tests install a test double in ``outbound`` (marked there: replaced
by the real ``logistics.outbound`` after the merge).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.machinery import PathFinder
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

import logistics
from logistics import signals as logistics_signals
from shop.errors import ShopError


def _outbound_module() -> ModuleType | None:
    """``logistics.outbound`` when this checkout has it. It is looked for in the
    ``logistics`` package's own folder only, so that another checkout's module (an editable
    install of the main branch in a shared environment) is never picked up; once it is
    here, it is imported normally and its import errors show."""
    if PathFinder.find_spec("logistics.outbound", logistics.__path__) is None:
        return None
    return importlib.import_module("logistics.outbound")


#: ``logistics.outbound`` once the logistics half is merged (tests may put a double here).
outbound: Any = _outbound_module()


@dataclass(frozen=True)
class ShipmentTracking:
    """What the buyer sees of a parcel: its status in words, courier, waybill and steps."""

    status: str
    courier: str | None
    waybill: str | None
    tracking_url: str | None
    steps: list[tuple[dt.datetime, str]]


def _port() -> Any:
    if outbound is None:
        raise ShopError("outbound_unavailable")
    return outbound


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
    parcel_id: int = _port().open_outbound(
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
    return parcel_id


def request_collection(session: Session, *, order_id: int) -> None:
    """The farmer asks the cadre to collect the goods on the next round."""
    _port().request_collection(session, order_id=order_id)


def tracking(session: Session, order_id: int) -> ShipmentTracking | None:
    """The parcel's tracking, or None before logistics has a parcel (or before the merge:
    an order page must still show without it)."""
    if outbound is None:
        return None
    found = outbound.tracking_for_order(session, order_id)
    if found is None:
        return None
    return ShipmentTracking(
        status=str(getattr(found.status, "label", found.status)),
        courier=found.courier,
        waybill=found.waybill,
        tracking_url=found.tracking_url,
        steps=list(found.steps),
    )


#: Tracking states that mean the goods have not reached the station yet: the values of
#: ``logistics.models.OutboundStatus`` (AWAITING_GOODS, AWAITING_COLLECTION) on the
#: logistics branch, kept as strings until the merge brings the enum here.
WAITING_FOR_GOODS = frozenset({"awaiting_goods", "awaiting_collection"})


def goods_at_station(session: Session, order_id: int) -> bool:
    """Whether the seller's goods reached the station (the deadline task cancels the paid
    orders whose goods did not)."""
    if outbound is None:
        return False
    found = outbound.tracking_for_order(session, order_id)
    return found is not None and str(found.status) not in WAITING_FOR_GOODS


def cancel_parcel(session: Session, *, order_id: int) -> None:
    """The order was cancelled or refunded before the courier had it."""
    if outbound is not None:
        outbound.cancel_outbound(session, order_id=order_id)


HandedOver = Callable[..., None]


def on_handed_over(receiver: HandedOver) -> bool:
    """Connect ``receiver(parcel, *, session, order_id, courier, waybill)`` to logistics'
    ``outbound_handed_over``; False while that signal does not exist (before the merge)."""
    signal = getattr(logistics_signals, "outbound_handed_over", None)
    if signal is None:
        return False
    signal.connect(receiver, weak=False)
    return True
