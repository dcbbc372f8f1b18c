"""Outbound parcels (农产品进城) from the farmer to the courier, one service per move.

The shop opens a parcel for a paid order that ships (``open_outbound``); the farmer brings the
goods to the station or asks for a collection on the next round of the village
(``request_collection``, an ``Uplink`` tied to the parcel); the agent weighs and packs it and
prints its label; the trunk van takes it to the township hub; the dispatcher hands it to a
courier with its waybill number (``hand_to_courier``, which sends ``outbound_handed_over``).
Every move goes through ``OutboundParcel.move_to``, which records who moved it and when.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User, Village
from core.timeutil import ensure_utc, utcnow
from logistics import signals
from logistics.couriers import parse_courier
from logistics.errors import LogisticsError
from logistics.intake import MAX_WEIGHT_G, TRACKING_PATTERN, announce_uplink
from logistics.models import (
    Courier,
    OutboundEvent,
    OutboundParcel,
    OutboundStatus,
    RoundStatus,
    StopStatus,
    Uplink,
    UplinkStatus,
)
from logistics.timing import local_midnight

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
_DIVISION = re.compile(r"^[0-9]{6}$")
#: Written on the uplink the cadre collects; the cadre's page shows the order beside it.
COLLECTION_DESCRIPTION = "进城订单的农产品"


def _text(value: str, longest: int, error: str) -> str:
    cleaned = " ".join(value.split())
    if not 0 < len(cleaned) <= longest:
        raise LogisticsError(error)
    return cleaned


def open_outbound(
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
    """The parcel of a shop order that ships; the same order opens it once (its id again)."""
    existing = session.scalar(select(OutboundParcel.id).where(OutboundParcel.order_id == order_id))
    if existing is not None:
        return existing
    if session.get(Village, station_id) is None:
        raise LogisticsError("station_not_found")
    if session.get(User, seller_user_id) is None:
        raise LogisticsError("seller_not_found")
    if not _PHONE.match(phone.strip()):
        raise LogisticsError("bad_phone")
    if not _DIVISION.match(division_code.strip()):
        raise LogisticsError("bad_division_code")
    if not 0 < weight_g <= MAX_WEIGHT_G:
        raise LogisticsError("bad_weight")
    parcel = OutboundParcel(
        order_id=order_id,
        station_id=station_id,
        seller_user_id=seller_user_id,
        recipient=_text(recipient, 60, "bad_recipient"),
        phone=phone.strip(),
        division_code=division_code.strip(),
        street=_text(street, 300, "bad_street"),
        weight_g=weight_g,
        ready_by=ensure_utc(ready_by),
        status=OutboundStatus.AWAITING_GOODS,
    )
    parcel.history.append(OutboundEvent(status=parcel.status, actor_id=None, at=utcnow()))
    session.add(parcel)
    session.flush()
    return parcel.id


def parcel_of_order(session: Session, order_id: int) -> OutboundParcel:
    parcel = session.scalar(select(OutboundParcel).where(OutboundParcel.order_id == order_id))
    if parcel is None:
        raise LogisticsError("outbound_not_found")
    return parcel


def request_collection(session: Session, *, order_id: int) -> None:
    """The farmer asks the cadre to collect the goods on the next round of the village; asking
    again changes nothing."""
    parcel = parcel_of_order(session, order_id)
    if parcel.status is OutboundStatus.AWAITING_COLLECTION:
        return
    household_id = parcel.seller.household_id
    if household_id is None:
        raise LogisticsError("seller_has_no_household")
    parcel.move_to(OutboundStatus.AWAITING_COLLECTION, actor_id=parcel.seller_user_id, at=utcnow())
    parcel.uplink = announce_uplink(
        session,
        household_id=household_id,
        description=COLLECTION_DESCRIPTION,
        estimated_weight_g=parcel.weight_g,
    )
    session.flush()


def cancel_outbound(session: Session, *, order_id: int) -> None:
    """The shop cancelled the order: the parcel stops here (refused once the van has it, or
    while the cadre is out collecting it). A collection asked for is withdrawn."""
    parcel = parcel_of_order(session, order_id)
    if parcel.status is OutboundStatus.CANCELLED:
        return
    stop = parcel.uplink.stop if parcel.uplink is not None else None
    waiting = parcel.uplink is not None and parcel.uplink.status is UplinkStatus.WAITING
    if waiting and stop is not None and stop.round.status is RoundStatus.STARTED:
        raise LogisticsError("collection_on_round")
    parcel.move_to(OutboundStatus.CANCELLED, actor_id=None, at=utcnow())
    _withdraw_collection(session, parcel, note="订单已取消")
    session.flush()


def _withdraw_collection(session: Session, parcel: OutboundParcel, *, note: str) -> None:
    """Take a collection still waiting off the rounds (a stop left with nothing to do there is
    skipped); a cadre who confirms it afterwards is told there is no produce there."""
    uplink = parcel.uplink
    if uplink is None or uplink.status is not UplinkStatus.WAITING:
        return
    stop = uplink.stop
    parcel.uplink = None
    uplink.stop = None
    session.delete(uplink)
    if stop is not None and stop.status is StopStatus.PENDING and not stop.parcels + stop.uplinks:
        stop.move_to(StopStatus.SKIPPED, note=note)


def collected_on_round(uplinks: list[Uplink], *, cadre_id: int, at: dt.datetime) -> None:
    """Produce collected on a round that was asked for by an order: its parcel is at the station
    (the cadre brings it back with the round)."""
    for uplink in uplinks:
        parcel = uplink.outbound
        if parcel is not None and parcel.status is OutboundStatus.AWAITING_COLLECTION:
            parcel.move_to(OutboundStatus.AT_STATION, actor_id=cadre_id, at=at)


def _at_station(session: Session, village_id: int, parcel_id: int) -> OutboundParcel:
    parcel = session.get(OutboundParcel, parcel_id)
    if parcel is None or parcel.station_id != village_id:
        raise LogisticsError("outbound_not_at_station")
    return parcel


def receive_goods(session: Session, *, agent: User, village_id: int, parcel_id: int) -> None:
    """The farmer brought the goods to the station: a collection asked for is withdrawn, even
    from a round under way (the goods are here)."""
    parcel = _at_station(session, village_id, parcel_id)
    if parcel.status is OutboundStatus.AWAITING_COLLECTION:
        _withdraw_collection(session, parcel, note="农户已自己送到村站")
    parcel.move_to(OutboundStatus.AT_STATION, actor_id=agent.id, at=utcnow())
    session.flush()


def pack(
    session: Session, *, agent: User, village_id: int, parcel_id: int, weight_g: int
) -> OutboundParcel:
    """Weighed and packed: the label can be printed."""
    if not 0 < weight_g <= MAX_WEIGHT_G:
        raise LogisticsError("bad_weight")
    parcel = _at_station(session, village_id, parcel_id)
    parcel.move_to(OutboundStatus.PACKED, actor_id=agent.id, at=utcnow())
    parcel.packed_weight_g = weight_g
    session.flush()
    return parcel


def packed_parcel(session: Session, *, village_id: int, parcel_id: int) -> OutboundParcel:
    """A parcel of this station that has been packed (its label can be printed)."""
    parcel = _at_station(session, village_id, parcel_id)
    if parcel.packed_weight_g is None or parcel.status is OutboundStatus.CANCELLED:
        raise LogisticsError("outbound_not_at_station")
    return parcel


def load_on_van(
    session: Session, *, agent: User, village_id: int, parcel_ids: list[int]
) -> list[OutboundParcel]:
    """The trunk van took these packed parcels from the station to the hub."""
    if not parcel_ids:
        raise LogisticsError("no_parcels_ticked")
    parcels = [_at_station(session, village_id, pid) for pid in parcel_ids]
    now = utcnow()
    for parcel in parcels:
        parcel.move_to(OutboundStatus.ON_VAN, actor_id=agent.id, at=now)
    session.flush()
    return parcels


def _in_township(session: Session, township_id: int, parcel_id: int) -> OutboundParcel:
    parcel = session.get(OutboundParcel, parcel_id)
    if parcel is None or parcel.station.township_id != township_id:
        raise LogisticsError("outbound_not_at_hub")
    return parcel


def receive_at_hub(
    session: Session, *, dispatcher: User, township_id: int, parcel_ids: list[int]
) -> list[OutboundParcel]:
    """The van unloaded these parcels at the township hub."""
    if not parcel_ids:
        raise LogisticsError("no_parcels_ticked")
    parcels = [_in_township(session, township_id, pid) for pid in parcel_ids]
    now = utcnow()
    for parcel in parcels:
        parcel.move_to(OutboundStatus.AT_HUB, actor_id=dispatcher.id, at=now)
    session.flush()
    return parcels


def parse_waybill(courier_text: str, waybill: str) -> tuple[Courier, str]:
    """A courier (code or Chinese name) and a waybill number as typed, scanned or imported."""
    courier = parse_courier(courier_text)
    if courier is None:
        raise LogisticsError("unknown_courier", courier=courier_text.strip())
    if courier is Courier.STATION:
        raise LogisticsError("station_courier")
    number = waybill.strip().upper()
    if not TRACKING_PATTERN.match(number):
        raise LogisticsError("bad_waybill")
    return courier, number


def hand_to_courier(
    session: Session,
    *,
    dispatcher: User,
    township_id: int,
    parcel_id: int,
    courier: Courier,
    waybill: str,
) -> OutboundParcel:
    """The courier took the parcel with this waybill number; the shop hears of it."""
    parcel = _in_township(session, township_id, parcel_id)
    taken = session.scalar(
        select(OutboundParcel.id).where(
            OutboundParcel.courier == courier, OutboundParcel.waybill == waybill
        )
    )
    if taken is not None and taken != parcel.id:
        raise LogisticsError("waybill_taken", waybill=waybill)
    parcel.move_to(OutboundStatus.HANDED_TO_COURIER, actor_id=dispatcher.id, at=utcnow())
    parcel.courier, parcel.waybill = courier, waybill
    session.flush()
    signals.outbound_handed_over.send(
        parcel, session=session, order_id=parcel.order_id, courier=courier, waybill=waybill
    )
    return parcel


def station_parcels(session: Session, *, village_id: int) -> list[OutboundParcel]:
    """What the agent has to do: goods to receive, parcels to pack, packed ones for the van."""
    waiting = (
        OutboundStatus.AWAITING_GOODS,
        OutboundStatus.AWAITING_COLLECTION,
        OutboundStatus.AT_STATION,
        OutboundStatus.PACKED,
    )
    return list(
        session.scalars(
            select(OutboundParcel)
            .where(OutboundParcel.station_id == village_id, OutboundParcel.status.in_(waiting))
            .order_by(OutboundParcel.ready_by, OutboundParcel.id)
        )
    )


def hub_parcels(
    session: Session, *, township_id: int, statuses: tuple[OutboundStatus, ...]
) -> list[OutboundParcel]:
    """The township's outbound parcels in these statuses, by station."""
    return list(
        session.scalars(
            select(OutboundParcel)
            .join(Village, Village.id == OutboundParcel.station_id)
            .where(Village.township_id == township_id, OutboundParcel.status.in_(statuses))
            .order_by(OutboundParcel.station_id, OutboundParcel.id)
        )
    )


def handed_over_on(session: Session, *, township_id: int, day: dt.date) -> list[OutboundParcel]:
    """The township's parcels handed to a courier on this (local) day, the latest first."""
    start = local_midnight(day)
    return list(
        session.scalars(
            select(OutboundParcel)
            .join(OutboundEvent, OutboundEvent.parcel_id == OutboundParcel.id)
            .join(Village, Village.id == OutboundParcel.station_id)
            .where(Village.township_id == township_id)
            .where(OutboundEvent.status == OutboundStatus.HANDED_TO_COURIER)
            .where(OutboundEvent.at >= start, OutboundEvent.at < start + dt.timedelta(days=1))
            .order_by(OutboundEvent.at.desc(), OutboundParcel.id.desc())
        )
    )
