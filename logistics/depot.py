"""Consolidation at the hub and work at the village depot (the station).

Parcels waiting at the hub go out in one trunk run that visits the villages' depots (共同配送),
ordered by ``routing``. At the depot the agent ticks off each parcel: it gets a shelf place and
a 6-digit pickup code that only its recipient is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from core.models import Township, Village
from core.timeutil import utcnow
from logistics import signals
from logistics.codes import check_code, new_code
from logistics.errors import LogisticsError
from logistics.models import (
    ON_SHELF,
    BatchStatus,
    DepotBatch,
    OutboundParcel,
    OutboundStatus,
    Parcel,
    ParcelStatus,
    StopStatus,
)
from logistics.notices import announce_on_shelf
from logistics.timing import instant

SHELF_ROWS = "ABCDEFGH"
SHELF_SLOTS = 20
TRUNK_CAPACITY = (1_000_000, 400)  # a township van: 1 t, 400 parcels a trip
TRUNK_SHIFT = routing.TimeWindow(7 * 3600, 12 * 3600)
TRUNK_SERVICE_S = 600
TRUNK_SECONDS = 1.0


def _shelf_places() -> list[str]:
    return [f"{row}-{slot:02d}" for row in SHELF_ROWS for slot in range(1, SHELF_SLOTS + 1)]


def _on_shelf(session: Session, village_id: int) -> list[Parcel]:
    return list(
        session.scalars(
            select(Parcel).where(Parcel.village_id == village_id, Parcel.status.in_(ON_SHELF))
        )
    )


def put_on_shelf(session: Session, *, parcels: list[Parcel]) -> None:
    """Give each parcel a free shelf place and a pickup code unique at its depot."""
    by_village: dict[int, list[Parcel]] = defaultdict(list)
    for parcel in parcels:
        if parcel.village_id is None:
            raise LogisticsError("parcel_not_matched")
        by_village[parcel.village_id].append(parcel)
    for village_id, arriving in by_village.items():
        resident = [p for p in _on_shelf(session, village_id) if p.shelf is not None]
        taken_places = {p.shelf for p in resident}
        taken_codes = {p.pickup_code for p in resident}
        free = iter([s for s in _shelf_places() if s not in taken_places])
        for parcel in arriving:
            parcel.shelf = next(free, "地面")  # the floor, when every shelf place is full
            parcel.pickup_code = new_code(taken_codes)
            taken_codes.add(parcel.pickup_code)
    session.flush()


def _waiting_at_hub(session: Session, township_id: int) -> dict[int, list[Parcel]]:
    parcels = session.scalars(
        select(Parcel)
        .where(Parcel.township_id == township_id, Parcel.status == ParcelStatus.AT_TOWNSHIP_HUB)
        .where(Parcel.village_id.is_not(None), Parcel.batch_id.is_(None))
        .order_by(Parcel.id)
    )
    grouped: dict[int, list[Parcel]] = defaultdict(list)
    for parcel in parcels:
        assert parcel.village_id is not None
        grouped[parcel.village_id].append(parcel)
    return grouped


def _packed_for_the_van(session: Session, township_id: int) -> dict[int, list[OutboundParcel]]:
    """The township's packed outbound parcels by station: the van takes them to the hub."""
    parcels = session.scalars(
        select(OutboundParcel)
        .join(Village, Village.id == OutboundParcel.station_id)
        .where(Village.township_id == township_id)
        .where(OutboundParcel.status == OutboundStatus.PACKED)
        .order_by(OutboundParcel.id)
    )
    grouped: dict[int, list[OutboundParcel]] = defaultdict(list)
    for parcel in parcels:
        grouped[parcel.station_id].append(parcel)
    return grouped


def trunk_problem(
    township: Township,
    villages: list[Village],
    loads: list[tuple[int, int]],
    pickups: list[tuple[int, int]] | None = None,
) -> routing.Problem:
    """The van's day: from the hub to every village depot with its load (grams, parcels), and
    back with the outbound parcels it picks up there (grams, parcels)."""
    backs = pickups or [(0, 0)] * len(villages)
    stops = tuple(
        routing.Stop(
            f"village-{v.id}",
            routing.Place(v.lat, v.lon),
            delivery=load,
            pickup=back,
            service=TRUNK_SERVICE_S,
            penalty=10_000_000,
        )
        for v, load, back in zip(villages, loads, backs, strict=True)
    )
    van = routing.Vehicle(
        "van", TRUNK_CAPACITY, shift=TRUNK_SHIFT, speed_m_per_h=30_000, max_trips=3, reload=900
    )
    hub = routing.Depot("hub", routing.Place(township.lat, township.lon))
    return routing.Problem((hub,), stops, (van,))


def consolidate(session: Session, *, township_id: int, day: dt.date) -> list[DepotBatch]:
    """One batch per village the van visits today, in its visiting order: the hub's matched
    parcels for the village, and the packed outbound parcels it takes back from there."""
    township = session.get(Township, township_id)
    if township is None:
        raise LogisticsError("township_not_found")
    waiting = _waiting_at_hub(session, township_id)
    outbound = _packed_for_the_van(session, township_id)
    if not waiting and not outbound:
        raise LogisticsError("hub_empty")
    villages = [session.get_one(Village, vid) for vid in sorted(set(waiting) | set(outbound))]
    loads = [_load(waiting.get(v.id, [])) for v in villages]
    pickups = [_load(outbound.get(v.id, [])) for v in villages]
    plan = routing.solve(
        trunk_problem(township, villages, loads, pickups),
        routing.SolveOptions(TRUNK_SECONDS, workers=1),
    )
    visits = [visit for route in plan.routes for visit in route.visits]
    batches = []
    for order, visit in enumerate(visits, 1):
        village = villages[visit.stop]
        batch = DepotBatch(
            village_id=village.id,
            day=day,
            trunk_sequence=order,
            trunk_eta=instant(day, visit.start),
            pickups=len(outbound.get(village.id, [])),
        )
        batch.parcels = waiting.get(village.id, [])
        batches.append(batch)
    session.add_all(batches)
    session.flush()
    return batches


def _load(parcels: Sequence[Parcel | OutboundParcel]) -> tuple[int, int]:
    """Grams and parcels (an outbound parcel weighs what the agent's scale said)."""
    grams = sum(
        (p.packed_weight_g or p.weight_g) if isinstance(p, OutboundParcel) else p.weight_g
        for p in parcels
    )
    return grams, len(parcels)


def receive_batch(
    session: Session, *, village_id: int, batch_id: int, parcel_ids: list[int]
) -> list[Parcel]:
    """The agent ticks off the parcels that arrived; they go on the shelf with a pickup code.

    Parcels of the batch not ticked stay at the hub state for the next trunk run.
    """
    batch = session.get(DepotBatch, batch_id)
    if batch is None or batch.village_id != village_id:
        raise LogisticsError("batch_not_found")
    if batch.status is BatchStatus.RECEIVED:
        raise LogisticsError("batch_received")
    wanted = set(parcel_ids)
    received = [p for p in batch.parcels if p.id in wanted]
    if len(received) != len(wanted):
        raise LogisticsError("parcels_not_in_batch")
    _shelve(session, received)
    for parcel in batch.parcels:
        if parcel.id not in wanted:
            parcel.batch_id = None
    batch.move_to(BatchStatus.RECEIVED)
    session.flush()
    return received


def receive_scanned(session: Session, *, village_id: int, tracking_no: str) -> Parcel:
    """The agent scans one arriving parcel; the batch is received once all of it is in."""
    parcel = session.scalar(
        select(Parcel)
        .join(DepotBatch, DepotBatch.id == Parcel.batch_id)
        .where(DepotBatch.village_id == village_id, DepotBatch.status == BatchStatus.IN_TRANSIT)
        .where(Parcel.tracking_no == tracking_no.strip())
    )
    if parcel is None or parcel.batch is None:
        raise LogisticsError("not_in_transit_batch")
    if parcel.status is not ParcelStatus.AT_TOWNSHIP_HUB:
        raise LogisticsError("parcel_received")
    _shelve(session, [parcel])
    if all(p.status is not ParcelStatus.AT_TOWNSHIP_HUB for p in parcel.batch.parcels):
        parcel.batch.move_to(BatchStatus.RECEIVED)
    session.flush()
    return parcel


def _shelve(session: Session, parcels: list[Parcel]) -> None:
    now = utcnow()
    for parcel in parcels:
        parcel.move_to(ParcelStatus.AT_VILLAGE_DEPOT)
        parcel.received_at = now
    put_on_shelf(session, parcels=parcels)
    announce_on_shelf(session, parcels)


def hand_over(session: Session, *, village_id: int, parcel_id: int, pickup_code: str) -> Parcel:
    """The recipient collects a parcel at the station by telling its pickup code."""
    parcel = session.get(Parcel, parcel_id)
    if parcel is None or parcel.village_id != village_id:
        raise LogisticsError("parcel_not_at_station")
    if parcel.stop is not None and parcel.status is ParcelStatus.OUT_FOR_DELIVERY:
        raise LogisticsError("parcel_out_for_delivery")
    check_code(pickup_code, [parcel.pickup_code])
    if parcel.status is ParcelStatus.FAILED:
        parcel.move_to(ParcelStatus.AT_VILLAGE_DEPOT)
    parcel.move_to(ParcelStatus.PICKED_UP)
    parcel.finished_at = utcnow()
    stop, parcel.stop = parcel.stop, None
    if stop is not None and stop.status is StopStatus.PENDING and not stop.parcels + stop.uplinks:
        stop.move_to(StopStatus.SKIPPED, note="已在村站自取")
    session.flush()
    signals.parcel_picked_up.send(parcel, session=session)
    return parcel
