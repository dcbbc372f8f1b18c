"""What the buyer reads about an outbound parcel: its status, each step, the waybill and link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from logistics.couriers import tracking_url
from logistics.models import OutboundEvent, OutboundParcel, OutboundStatus


@dataclass(frozen=True)
class Tracking:
    """``status`` is an ``OutboundStatus`` (``label(status)`` names it); ``steps`` are the
    moves so far, oldest first, as (UTC time, a sentence in the reader's language)."""

    status: OutboundStatus
    courier: str | None
    waybill: str | None
    tracking_url: str | None
    steps: list[tuple[dt.datetime, str]]


def kilograms(grams: int) -> str:
    """Grams as the scale shows kilograms: 2550 → "2.55", 2400 → "2.4", 3000 → "3"."""
    whole, rest = divmod(grams, 1000)
    hundredths = (rest + 5) // 10  # to the nearest 10 g, halves up
    if hundredths == 100:
        whole, hundredths = whole + 1, 0
    return f"{whole}.{hundredths:02d}".rstrip("0").rstrip(".")


def describe_step(parcel: OutboundParcel, event: OutboundEvent) -> str:
    """One step as the buyer reads it."""
    station, township = parcel.station.name, parcel.station.township.name
    match event.status:
        case OutboundStatus.AWAITING_GOODS:
            return str(_("订单交由%(station)s村站发货，等农户送货到站", station=station))
        case OutboundStatus.AWAITING_COLLECTION:
            return str(_("农户已约村干部上门收货"))
        case OutboundStatus.AT_STATION:
            return str(_("农产品已到%(station)s村站", station=station))
        case OutboundStatus.PACKED:
            kg = kilograms(parcel.packed_weight_g or parcel.weight_g)
            return str(_("村站已称重打包，%(kg)s 公斤", kg=kg))
        case OutboundStatus.ON_VAN:
            return str(_("已装上干线车，运往%(township)s镇中心", township=township))
        case OutboundStatus.AT_HUB:
            return str(_("已到%(township)s镇中心", township=township))
        case OutboundStatus.HANDED_TO_COURIER:
            courier = parcel.courier.label if parcel.courier else ""
            waybill = parcel.waybill
            return str(_("已交给%(courier)s，运单号 %(waybill)s", courier=courier, waybill=waybill))
        case OutboundStatus.CANCELLED:
            return str(_("订单已取消，包裹不再寄出"))


def tracking_of(parcel: OutboundParcel) -> Tracking:
    courier = parcel.courier
    return Tracking(
        status=parcel.status,
        courier=courier.label if courier else None,
        waybill=parcel.waybill,
        tracking_url=tracking_url(courier, parcel.waybill) if courier and parcel.waybill else None,
        steps=[(event.at, describe_step(parcel, event)) for event in parcel.history],
    )


def tracking_for_order(session: Session, order_id: int) -> Tracking | None:
    """The order's parcel as the buyer follows it; None when the order ships nothing."""
    parcel = session.scalar(select(OutboundParcel).where(OutboundParcel.order_id == order_id))
    return None if parcel is None else tracking_of(parcel)
