"""What logistics tells households: a parcel on the station shelf, a delivery coming today.

Called inside the transaction that makes the change, through ``core.notices`` (one notice
and one SMS per event key, however often the step is repeated).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from core.models import Village
from core.notices.models import NoticeKind
from core.notices.services import notify_household
from core.timeutil import format_local
from logistics.models import Courier, Parcel, Round

PARCELS_PAGE: tuple[str, dict[str, Any]] = ("tracking.my_parcels", {})


def goods_of(parcel: Parcel) -> str:
    """How a household recognises the parcel: its contents, or the tracking number's end."""
    return parcel.description or f"快递包裹（单号尾号 {parcel.tracking_no[-4:]}）"


def announce_on_shelf(session: Session, parcels: Iterable[Parcel]) -> None:
    """Courier parcels now on the shelf: tell the household the place and the pickup code."""
    for parcel in parcels:
        if parcel.courier is Courier.STATION or parcel.village_id is None:
            continue  # the shop's own deliveries are announced as orders
        village = session.get_one(Village, parcel.village_id)
        notify_household(
            session,
            household_id=parcel.household_id,
            kind=NoticeKind.PARCEL_ON_SHELF,
            event_key=f"parcel:{parcel.id}:on-shelf",
            link=PARCELS_PAGE,
            station=f"{village.name}村站",
            shelf=parcel.shelf or "",
            code=parcel.pickup_code or "",
        )


def announce_rounds(session: Session, rounds: Iterable[Round]) -> None:
    """Households with parcels on today's rounds learn when the cadre should come.

    Once per household and day: a re-planned day does not send a second message.
    """
    for round_ in rounds:
        for stop in round_.stops:
            if not stop.parcels:
                continue
            notify_household(
                session,
                household_id=stop.household_id,
                kind=NoticeKind.DELIVERY_TODAY,
                event_key=f"delivery:{stop.household_id}:{round_.day.isoformat()}",
                link=PARCELS_PAGE,
                eta=format_local(stop.eta, "%H:%M"),
                goods="、".join(goods_of(parcel) for parcel in stop.parcels),
            )
