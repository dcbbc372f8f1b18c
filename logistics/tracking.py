"""Where parcels are, for each kind of reader: the recipient, the station and the dispatcher."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.models import Household, User, Village
from core.timeutil import local_today
from logistics.models import (
    ON_SHELF,
    BatchStatus,
    Courier,
    DepotBatch,
    Parcel,
    ParcelStatus,
    PlanRun,
    Round,
    RoundStatus,
    Stop,
    StopStatus,
    Uplink,
    UplinkStatus,
)
from logistics.timing import local_midnight

HISTORY_DAYS = 30


@dataclass(frozen=True)
class MyParcel:
    id: int
    courier: Courier
    tracking_no: str
    reference: str | None  # the shop's order or pledge the parcel carries, if any
    description: str
    status: str
    pickup_code: str | None
    shelf: str | None
    station: str | None
    door_eta: dt.datetime | None
    finished_at: dt.datetime | None
    failure_reason: str | None = None  # why the last try at the door failed


def my_parcels(session: Session, *, user: User) -> list[MyParcel]:
    """The parcels of the user's household, newest first."""
    if user.household_id is None:
        return []
    parcels = session.scalars(
        select(Parcel)
        .where(Parcel.household_id == user.household_id)
        .order_by(Parcel.id.desc())
        .options(selectinload(Parcel.stop))
    )
    return [_mine(p) for p in parcels]


def _mine(parcel: Parcel) -> MyParcel:
    visible = parcel.status in ON_SHELF  # the code is shown while the parcel holds one
    pending_stop = parcel.stop is not None and parcel.stop.status is StopStatus.PENDING
    household: Household | None = parcel.household
    return MyParcel(
        id=parcel.id,
        courier=parcel.courier,
        tracking_no=parcel.tracking_no,
        reference=parcel.reference,
        description=parcel.description,
        status=parcel.status.value,
        pickup_code=parcel.pickup_code if visible else None,
        shelf=parcel.shelf if visible else None,
        station=household.village.station_address if household else None,
        door_eta=parcel.stop.eta if pending_stop and parcel.stop else None,
        finished_at=parcel.finished_at,
        failure_reason=parcel.failure_reason.value if parcel.failure_reason else None,
    )


def door_code(session: Session, *, reference: str) -> str | None:
    """The pickup code the cadre asks for at the door for the shop's item ``reference``, while
    it is still to hand over (the household's /parcels shows it too)."""
    parcel = session.scalar(
        select(Parcel)
        .where(Parcel.courier == Courier.STATION, Parcel.reference == reference)
        .order_by(Parcel.id.desc())
        .limit(1)
    )
    return parcel.pickup_code if parcel is not None and parcel.status in ON_SHELF else None


def shelf(session: Session, *, village_id: int) -> list[Parcel]:
    """Everything on the station's shelf, by shelf place."""
    return list(
        session.scalars(
            select(Parcel)
            .where(Parcel.village_id == village_id, Parcel.status.in_(ON_SHELF))
            .order_by(Parcel.shelf, Parcel.id)
        )
    )


def batches_to_receive(session: Session, *, village_id: int) -> list[DepotBatch]:
    return list(
        session.scalars(
            select(DepotBatch)
            .where(DepotBatch.village_id == village_id)
            .where(DepotBatch.status == BatchStatus.IN_TRANSIT)
            .where(DepotBatch.parcels.any())  # a visit that only collects has none to sign for
            .order_by(DepotBatch.id)
        )
    )


def latest_runs(session: Session, *, village_ids: list[int], day: dt.date) -> dict[int, PlanRun]:
    """The newest plan run of the day per village."""
    runs: dict[int, PlanRun] = {}
    for run in session.scalars(
        select(PlanRun)
        .where(PlanRun.day == day, PlanRun.village_id.in_(village_ids))
        .order_by(PlanRun.id)
    ):
        runs[run.village_id] = run
    return runs


@dataclass(frozen=True)
class Progress:
    village: Village
    delivered: int
    failed: int
    pending: int
    skipped: int
    rounds: int


def village_progress(session: Session, *, township_id: int, day: dt.date) -> list[Progress]:
    villages = session.scalars(
        select(Village).where(Village.township_id == township_id).order_by(Village.id)
    ).all()
    counts = Counter(
        (village_id, status)
        for village_id, status in session.execute(
            select(Round.village_id, Stop.status)
            .join(Stop, Stop.round_id == Round.id)
            .where(Round.day == day, Round.status != RoundStatus.CANCELLED)
        )
    )
    rounds = Counter(
        session.scalars(
            select(Round.village_id).where(Round.day == day, Round.status != RoundStatus.CANCELLED)
        )
    )
    return [
        Progress(
            village=v,
            delivered=counts[(v.id, StopStatus.DELIVERED)],
            failed=counts[(v.id, StopStatus.FAILED)],
            pending=counts[(v.id, StopStatus.PENDING)],
            skipped=counts[(v.id, StopStatus.SKIPPED)],
            rounds=rounds[v.id],
        )
        for v in villages
    ]


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight(day), local_midnight(day + dt.timedelta(days=1))


def downlink_count(session: Session, *, township_id: int, day: dt.date) -> int:
    """Parcels that reached their household (door or station) on ``day``."""
    start, end = _day_range(day)
    return int(
        session.scalar(
            select(func.count(Parcel.id)).where(
                Parcel.township_id == township_id,
                Parcel.status.in_([ParcelStatus.DELIVERED, ParcelStatus.PICKED_UP]),
                Parcel.finished_at >= start,
                Parcel.finished_at < end,
            )
        )
        or 0
    )


def uplink_count(session: Session, *, township_id: int, day: dt.date) -> int:
    start, end = _day_range(day)
    return int(
        session.scalar(
            select(func.count(Uplink.id))
            .join(Village, Village.id == Uplink.village_id)
            .where(
                Village.township_id == township_id,
                Uplink.status == UplinkStatus.COLLECTED,
                Uplink.collected_at >= start,
                Uplink.collected_at < end,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    downlink: int
    uplink: int


def history(session: Session, *, township_id: int, today: dt.date) -> list[DayCount]:
    """Downlink and uplink counts of the last 30 days (one query each, grouped in Python)."""
    first = today - dt.timedelta(days=HISTORY_DAYS - 1)
    start, end = local_midnight(first), local_midnight(today + dt.timedelta(days=1))
    down = session.scalars(
        select(Parcel.finished_at).where(
            Parcel.township_id == township_id,
            Parcel.status.in_([ParcelStatus.DELIVERED, ParcelStatus.PICKED_UP]),
            Parcel.finished_at >= start,
            Parcel.finished_at < end,
        )
    )
    up = session.scalars(
        select(Uplink.collected_at)
        .join(Village, Village.id == Uplink.village_id)
        .where(
            Village.township_id == township_id,
            Uplink.collected_at >= start,
            Uplink.collected_at < end,
        )
    )
    down_days = Counter(local_today(moment) for moment in down if moment is not None)
    up_days = Counter(local_today(moment) for moment in up if moment is not None)
    days = [first + dt.timedelta(days=n) for n in range(HISTORY_DAYS)]
    return [DayCount(d, down_days[d], up_days[d]) for d in days]
