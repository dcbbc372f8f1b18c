"""A cadre's rounds and the confirmations sent from the phone, each applied exactly once.

Confirmations may arrive late, twice or out of order (an offline outbox replaying). Each one
carries the client's Idempotency-Key (``core.idempotency``): a repeat with the same body gets
the first answer again; the same key with another body is refused; a stop that is no longer
pending (already delivered) answers 409 with its state — a delivered stop never reverts. A stop
whose round was planned again before the server knew it had started is followed to the
household's stop in the new plan (``_replanned_to``).

Besides results, the outbox carries two kinds of note: ``wrong_code`` (a code the phone refused
offline; the server counts it toward the wrong-code limit and changes nothing) and ``moved``
(the cadre put a pending stop at another place in the round: the stops are renumbered and the
pending stops' arrival times are dealt out again in the new order).

A stop may carry tasks besides parcels (an errand, a care visit: ``logistics.extra_stops``):
``visited`` completes its open tasks with the cadre's note (and, from a care visit, a new
request the household raised), and ``signals.stop_visited`` tells the package they belong to.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from core import idempotency
from core.labels import LabelText
from core.models import User
from core.photos import store_photo
from core.timeutil import ensure_utc, utcnow
from logistics import signals
from logistics.codes import check_code, is_right
from logistics.errors import LogisticsError
from logistics.models import (
    FailureReason,
    Parcel,
    ParcelStatus,
    Round,
    RoundStatus,
    Stop,
    StopEvent,
    StopStatus,
    Uplink,
    UplinkStatus,
)
from logistics.outbound.parcels import collected_on_round
from logistics.planning import service_seconds
from logistics.schemas import StopOut
from logistics.timing import local_midnight

CLOCK_SKEW = dt.timedelta(minutes=5)  # how far ahead of the server a phone's clock may run


@dataclass(frozen=True)
class EventInput:
    type: str
    at: dt.datetime
    pickup_code: str | None = None
    signature: str | None = None
    reason: str | None = None
    weight_g: int | None = None
    position: int | None = None
    photo: str | None = None  # base64 JPEG/PNG/WebP: a neighbour took the parcels
    handed_to: str | None = None
    note: str | None = None  # a visit's note
    raised_category: str | None = None  # a request raised at a care visit
    raised_details: str | None = None

    def fingerprint(self, stop_id: int) -> str:
        body = asdict(self) | {"at": self.at.isoformat(), "stop_id": stop_id}
        for name in _LATER_FIELDS:  # absent as before they existed: old keys still replay
            if body[name] is None:
                del body[name]
        return idempotency.fingerprint(body)


_LATER_FIELDS = ("note", "raised_category", "raised_details")


class StopConflict(LogisticsError):
    """The stop is no longer what the phone thought: the answer carries the server's state."""

    def __init__(self, stop: Stop) -> None:
        super().__init__("stop_conflict", status=LabelText(stop.status))
        self.stop = dict(StopOut().dump(stop))


#: A round's stops with their household, parcels and produce, loaded in one query each.
_WHOLE_STOPS = selectinload(Round.stops).options(
    joinedload(Stop.household),
    selectinload(Stop.parcels),
    selectinload(Stop.uplinks).selectinload(Uplink.outbound),
    selectinload(Stop.tasks),
)


def todays_rounds(session: Session, *, cadre: User, day: dt.date) -> list[Round]:
    """The cadre's rounds with everything the phone page shows, in a fixed number of queries
    (not a few per stop)."""
    return list(
        session.scalars(
            select(Round)
            .where(Round.cadre_id == cadre.id, Round.day == day)
            .where(Round.status != RoundStatus.CANCELLED)
            .order_by(Round.departure, Round.id)
            .options(joinedload(Round.village), _WHOLE_STOPS)
        )
    )


def cadre_round(session: Session, *, cadre: User, round_id: int) -> Round:
    """A round of this cadre's (403 for another cadre's round)."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise LogisticsError("round_not_found")
    if round_.cadre_id != cadre.id:
        raise LogisticsError("not_your_round")
    return round_


def start_round(session: Session, *, round_: Round) -> None:
    """The cadre sets off: the round's parcels leave the shelf."""
    round_.move_to(RoundStatus.STARTED)
    for stop in round_.stops:
        for parcel in stop.parcels:
            if stop.status is StopStatus.PENDING and parcel.status is ParcelStatus.AT_VILLAGE_DEPOT:
                parcel.move_to(ParcelStatus.OUT_FOR_DELIVERY)
    session.flush()


def _still_open(stop: Stop) -> bool:
    """Pending, or delivered with produce still to collect or a visit still to make there."""
    waiting = any(u.status is UplinkStatus.WAITING for u in stop.uplinks)
    waiting = waiting or any(t.is_open for t in stop.tasks)
    return stop.status is StopStatus.PENDING or (stop.status is StopStatus.DELIVERED and waiting)


def _finish_round_if_done(round_: Round) -> None:
    """Every stop dealt with: the round is over and failed parcels are back on the shelf."""
    if round_.status is not RoundStatus.STARTED or any(_still_open(s) for s in round_.stops):
        return
    round_.move_to(RoundStatus.COMPLETED)
    for stop in round_.stops:
        for parcel in stop.parcels:
            if parcel.status is ParcelStatus.FAILED:
                parcel.move_to(ParcelStatus.AT_VILLAGE_DEPOT)
                parcel.stop = None


def _locked_stop(session: Session, stop_id: int) -> Stop:
    stop = session.scalar(select(Stop).where(Stop.id == stop_id).with_for_update())
    if stop is None:
        raise LogisticsError("stop_not_found")
    return stop


def record_event(
    session: Session,
    *,
    cadre: User,
    stop_id: int,
    key: str,
    event: EventInput,
    code_guard: AbstractContextManager[object] | None = None,
    photo_dir: Path | None = None,
) -> idempotency.Answer:
    """Apply a confirmation once per key (see the module's docstring); a delivery photo is
    stored in ``photo_dir``.

    ``code_guard`` (the wrong-pickup-code throttle) is entered under the stop's row lock and
    only for a confirmation not applied before: tries on one stop are counted one after the
    other, and replays of an applied confirmation are not tries at all. A ``wrong_code`` note
    answers ``wrong_code: true`` when the code is wrong here too (the caller counts it)."""
    stop = _locked_stop(session, stop_id)  # serialises confirmations of one stop
    if stop.round.cadre_id != cadre.id:
        raise LogisticsError("stop_not_on_your_round")
    digest = event.fingerprint(stop_id)  # the stop the phone named, followed or not
    previous = idempotency.previous_answer(session, user_id=cadre.id, key=key, digest=digest)
    if previous is not None:
        return previous
    stop = _replanned_to(session, stop, event)
    body: dict[str, Any] = {"key": key, "type": event.type}
    if event.type == "wrong_code":
        body["wrong_code"] = not is_right(event.pickup_code or "", _codes(stop))
    elif event.type == "moved":
        move_stop(session, stop=stop, position=event.position or 1)
    else:
        with code_guard or nullcontext():
            _apply(session, stop, event, photo_dir)
    body["stop"] = StopOut().dump(stop)
    session.add(StopEvent(user_id=cadre.id, stop_id=stop.id, type=event.type, occurred_at=event.at))
    return idempotency.remember(
        session, user_id=cadre.id, key=key, digest=digest, body=body, status=201
    )


def _replanned_to(session: Session, stop: Stop, event: EventInput) -> Stop:
    """The stop now carrying the work of a stop whose round was re-planned before it started.

    The phone may have had the round (and the cadre the parcels) while the server still had
    it as not started; re-planning then put the household's work on a new stop. What the
    cadre did there happened all the same: it applies to the household's stop in the new
    plan when that stop is on this cadre's round (locked like the first), and is refused
    with ``stop_reassigned`` when another cadre has it now. Parcels that came to the station
    after the old round was planned cannot have been on the cadre's bike: a delivery or
    failure leaves them on the new stop's household shelf (``parcel.stop`` cleared) for the
    next plan. A household the new plan left out is taken back (``_taken_back``); else the
    old stop answers 409 with its state."""
    old_round = stop.round
    if stop.status is not StopStatus.SKIPPED or old_round.status is not RoundStatus.CANCELLED:
        return stop
    successor = session.scalar(
        select(Stop)
        .join(Stop.round)
        .where(Stop.household_id == stop.household_id, Stop.id > stop.id)
        .where(Round.village_id == old_round.village_id, Round.day == old_round.day)
        .where(Round.status != RoundStatus.CANCELLED)
        .order_by(Stop.id.desc())
        .limit(1)
    )
    if successor is None:
        results = ("delivered", "failed", "collected")
        return (_taken_back(session, stop, event.at) if event.type in results else None) or stop
    if successor.round.cadre_id != old_round.cadre_id:
        raise LogisticsError(
            "stop_reassigned", household=stop.household.head_name, cadre=successor.round.cadre.name
        )
    successor = _locked_stop(session, successor.id)
    if event.type in ("delivered", "failed") and successor.status is StopStatus.PENDING:
        planned_at = ensure_utc(old_round.created_at)
        for parcel in list(successor.parcels):
            if ensure_utc(parcel.received_at or parcel.created_at) > planned_at:
                parcel.stop = None
        session.flush()
    return successor


def _taken_back(session: Session, stop: Stop, at: dt.datetime) -> Stop | None:
    """A household the new plan left out, though the cadre had its parcels on the bike: its
    stop goes on the end of this cadre's live round in the village that day, with the parcels
    and produce the old stop had that still wait at the station, served at ``at`` (so it
    makes no one else late). None when there is no such round or nothing left to take."""
    old_round = stop.round
    round_ = session.scalar(
        select(Round)
        .where(Round.cadre_id == old_round.cadre_id, Round.village_id == old_round.village_id)
        .where(Round.day == old_round.day)
        .where(Round.status.in_((RoundStatus.PLANNED, RoundStatus.STARTED)))
        .order_by(Round.departure.desc(), Round.id.desc())
        .limit(1)
    )
    if round_ is None:
        return None
    planned_at = ensure_utc(old_round.created_at)
    parcels = [
        p
        for p in session.scalars(
            select(Parcel)
            .where(Parcel.household_id == stop.household_id, Parcel.stop_id.is_(None))
            .where(Parcel.status == ParcelStatus.AT_VILLAGE_DEPOT)
        )
        if ensure_utc(p.received_at or p.created_at) <= planned_at
    ]
    uplinks = [
        u
        for u in session.scalars(
            select(Uplink)
            .where(Uplink.household_id == stop.household_id, Uplink.stop_id.is_(None))
            .where(Uplink.status == UplinkStatus.WAITING)
        )
        if ensure_utc(u.created_at) <= planned_at
    ]
    if not parcels and not uplinks:
        return None
    # The round's stops are renumbered by moves: lock them all, as ``move_stop`` does.
    session.scalars(select(Stop).where(Stop.round_id == round_.id).with_for_update()).all()
    taken = Stop(
        household_id=stop.household_id,
        sequence=max((s.sequence for s in round_.stops), default=0) + 1,
        eta=ensure_utc(at),
        parcels=parcels,
        uplinks=uplinks,
    )
    round_.stops.append(taken)
    if round_.status is RoundStatus.STARTED:
        for parcel in parcels:
            parcel.move_to(ParcelStatus.OUT_FOR_DELIVERY)
    session.flush()
    return taken


def _check_event_time(round_: Round, at: dt.datetime) -> None:
    """The phone's time of the event must fall on the round's (local) day and no later than
    a few minutes from now (phone clocks drift): an event cannot be backdated to any time.
    The server's own receipt time is kept beside it (``StopEvent.created_at``)."""
    start = local_midnight(round_.day)
    latest = min(start + dt.timedelta(days=1), utcnow() + CLOCK_SKEW)
    if not start <= ensure_utc(at) <= latest:
        raise LogisticsError("event_time_out_of_range")


def _codes(stop: Stop) -> list[str | None]:
    return [p.pickup_code for p in stop.parcels]


def move_stop(session: Session, *, stop: Stop, position: int) -> None:
    """Put a stop still open (``_still_open``: to deliver, or delivered with produce to
    collect or a visit to make) at ``position`` (1 = first) in its round; every stop is
    renumbered in the new order and the open stops take the open stops' arrival times in
    order, so the times stay where the route's were and move with the households."""
    if not _still_open(stop):
        raise StopConflict(stop)
    round_ = stop.round
    # Every stop of the round changes: lock them all (a confirmation locks only its own).
    session.scalars(select(Stop).where(Stop.round_id == round_.id).with_for_update()).all()
    ordered = [s for s in round_.stops if s.id != stop.id]
    ordered.insert(max(0, min(position - 1, len(ordered))), stop)
    open_stops = {s.id for s in ordered if _still_open(s)}
    slots = sorted(s.eta for s in ordered if s.id in open_stops)
    for index, each in enumerate(ordered):  # out of the way of the unique (round, sequence)
        each.sequence = -1 - index
    session.flush()
    open_slots = iter(slots)
    for index, each in enumerate(ordered, start=1):
        each.sequence = index
        if each.id in open_stops:
            each.eta = next(open_slots)
    session.flush()
    session.expire(round_, ["stops"])


def _apply(session: Session, stop: Stop, event: EventInput, photo_dir: Path | None) -> None:
    # A delivered stop may still have produce to collect (or to give up on); nothing else.
    about_produce = event.type != "delivered" and _still_open(stop)
    if stop.status is not StopStatus.PENDING and not about_produce:
        raise StopConflict(stop)
    _check_event_time(stop.round, event.at)
    if stop.round.status is RoundStatus.PLANNED:
        start_round(session, round_=stop.round)
    when = min(event.at, utcnow())
    done_by = _planned_done_by(stop)  # before the event takes produce or visits off the stop
    arrived = stop.status is StopStatus.PENDING  # not back later for the produce or a visit
    if event.type == "delivered":
        _deliver(session, stop, event, when, photo_dir)
    else:
        {"failed": _fail, "collected": _collect, "visited": _visit}[event.type](
            session, stop, event, when
        )
    if arrived:
        catch_up(stop, when=when, done_by=done_by)
    _finish_round_if_done(stop.round)
    session.flush()


def _planned_done_by(stop: Stop) -> dt.datetime:
    """When the plan has the cadre done at the stop: its arrival time and the service time
    planning gave it."""
    service = service_seconds(
        parcels=len(stop.parcels),
        uplinks=len(stop.uplinks),
        extras_s=sum(t.service_s for t in stop.tasks),
    )
    return ensure_utc(stop.eta) + dt.timedelta(seconds=service)


def catch_up(stop: Stop, *, when: dt.datetime, done_by: dt.datetime) -> None:
    """A stop dealt with at ``when``, later than the plan's ``done_by`` (the round set off
    late, or the road or a household took longer): the round's other open stops and its
    expected return move later by the delay, so that the board and the villagers' 预计到站
    stay true. The round starts with its first confirmation, so a late start shows here too.
    Only the first result at a stop counts (the produce collected after the delivery is the
    same visit). Times never move earlier: a cadre ahead of the plan keeps the times the
    households have."""
    late = int((ensure_utc(when) - done_by).total_seconds())
    if late <= 0:
        return
    round_ = stop.round
    for other in round_.stops:
        if other.id != stop.id and _still_open(other):
            other.eta = other.eta + dt.timedelta(seconds=late)
    round_.delay_s += late


def _deliver(
    session: Session, stop: Stop, event: EventInput, when: dt.datetime, photo_dir: Path | None
) -> None:
    if not stop.parcels:
        raise LogisticsError("nothing_to_deliver")
    if event.pickup_code:
        check_code(event.pickup_code, _codes(stop))
    elif event.photo and photo_dir is not None:
        stop.photo = store_photo(photo_dir, _photo_bytes(event.photo)).name
        stop.handed_to = event.handed_to
    elif not event.signature:
        raise LogisticsError("code_or_signature_needed")
    stop.move_to(StopStatus.DELIVERED)
    stop.signature = event.signature
    stop.finished_at = when
    for parcel in stop.parcels:
        parcel.move_to(ParcelStatus.DELIVERED)
        parcel.finished_at = when
        signals.parcel_delivered.send(parcel, session=session)


def _photo_bytes(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise LogisticsError("photo_incomplete") from None


def _fail(session: Session, stop: Stop, event: EventInput, when: dt.datetime) -> None:
    try:
        reason = FailureReason(event.reason or "")
    except ValueError:
        raise LogisticsError("reason_required") from None
    for uplink in list(stop.uplinks):
        if uplink.status is UplinkStatus.WAITING:
            uplink.stop = None  # planned again on a later round
    for task in stop.tasks:
        if task.is_open:  # offered again by its package for a later round
            task.visited = False
            task.finished_at = when
    if stop.status is StopStatus.DELIVERED:
        return  # only the produce failed; the delivery stands
    stop.move_to(StopStatus.FAILED)
    stop.failure_reason = reason
    stop.finished_at = when
    for parcel in stop.parcels:
        parcel.move_to(ParcelStatus.FAILED)
        parcel.failure_reason = reason
        signals.parcel_failed.send(parcel, session=session)


def _collect(session: Session, stop: Stop, event: EventInput, when: dt.datetime) -> None:
    waiting = [u for u in stop.uplinks if u.status is UplinkStatus.WAITING]
    if not waiting:
        raise LogisticsError("no_produce_here")
    if not event.weight_g:
        raise LogisticsError("weight_required")
    stop.collected_weight_g = event.weight_g
    for uplink, weight in zip(waiting, split_weight(event.weight_g, waiting), strict=True):
        uplink.move_to(UplinkStatus.COLLECTED)
        uplink.weight_g = weight
        uplink.collected_at = when
        signals.uplink_collected.send(uplink, session=session)
    collected_on_round(waiting, cadre_id=stop.round.cadre_id, at=when)
    if not stop.parcels and stop.status is StopStatus.PENDING:
        stop.move_to(StopStatus.DELIVERED)
        stop.finished_at = when


def _visit(session: Session, stop: Stop, event: EventInput, when: dt.datetime) -> None:
    """The cadre has done the stop's errands and visits; a stop with nothing else to do is
    served (``DELIVERED``) by it."""
    tasks = [t for t in stop.tasks if t.is_open]
    if not tasks:
        raise LogisticsError("no_visit_here")
    raised = None
    if event.raised_details:
        raised = (event.raised_category or "", event.raised_details)
    for task in tasks:
        task.visited = True
        task.finished_at = when
        task.note = (event.note or "").strip()[:200]
        signals.stop_visited.send(
            task, session=session, cadre_id=stop.round.cadre_id, at=when, raised=raised
        )
        raised = None  # one new request per visit, not one per task
    nothing_else = not stop.parcels and not any(
        u.status is UplinkStatus.WAITING for u in stop.uplinks
    )
    if nothing_else and stop.status is StopStatus.PENDING:
        stop.move_to(StopStatus.DELIVERED)
        stop.finished_at = when


def split_weight(total: int, uplinks: list[Any]) -> list[int]:
    """The weighed total shared among the items in proportion to their estimates."""
    estimates = [u.estimated_weight_g for u in uplinks]
    shares = [total * e // sum(estimates) for e in estimates]
    shares[-1] += total - sum(shares)
    return [max(1, share) for share in shares]
