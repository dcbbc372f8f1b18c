"""Stock services: receive, reserve, commit, release, return, adjust.

Every change to a stock level is one conditional UPDATE::

    UPDATE stock_level SET on_hand = on_hand + :dh, reserved = reserved + :dr
    WHERE id = :id AND (on_hand + :dh) - (reserved + :dr) >= 0 AND reserved + :dr >= 0

For a reservation of ``q`` units that is ``WHERE on_hand - reserved >= q``, i.e. "available
>= q": the database decides atomically, the rowcount says whether it held, and nothing
is ever oversold however many requests race (RELIABILITY.md item 1). Operations on
several levels first lock them in ascending id order (``SELECT ... ORDER BY id FOR
UPDATE``; SQLite serialises writers with BEGIN IMMEDIATE instead), so two multi-line
orders can never deadlock (item 5). Each change appends a ``StockMovement``.

Expired reservations are released lazily by the next reservation on the same levels and
by ``release_expired`` (the ``flask inventory release-expired`` command); never on a read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from core.cache import public_pages_changed
from core.db import rows_matched
from core.models import Village
from core.timeutil import utcnow
from inventory.errors import InventoryError, OutOfStock
from inventory.models import (
    LocationKind,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockLevel,
    StockLocation,
    StockMovement,
)

MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class StockLine:
    """``quantity`` units of ``sku`` at ``location_id``, held under ``reference`` when given
    (one reservation call may hold for several orders, so that all its locks come first)."""

    sku: str
    location_id: int
    quantity: int
    reference: str = ""


# --- locations ---------------------------------------------------------------------


def station_location(session: Session, *, village_id: int) -> StockLocation:
    """The stock location of a village station, created on first use."""
    location = session.scalar(select(StockLocation).where(StockLocation.village_id == village_id))
    if location is not None:
        return location
    village = session.get(Village, village_id)
    if village is None:
        raise InventoryError("village_not_found")
    location = StockLocation(
        kind=LocationKind.STATION,
        name=f"{village.name}村站",
        township_id=village.township_id,
        village_id=village.id,
    )
    session.add(location)
    session.flush()
    return location


def hub_location(
    session: Session, *, township_id: int, name: str = "乡镇共配中心"
) -> StockLocation:
    """The stock location of a township hub, created on first use."""
    location = session.scalar(
        select(StockLocation).where(
            StockLocation.kind == LocationKind.HUB, StockLocation.township_id == township_id
        )
    )
    if location is None:
        location = StockLocation(kind=LocationKind.HUB, name=name, township_id=township_id)
        session.add(location)
        session.flush()
    return location


# --- reading -----------------------------------------------------------------------


def available(session: Session, *, sku: str, location_id: int) -> int:
    return available_many(session, [(sku, location_id)]).get((sku, location_id), 0)


def available_many(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """Units still for sale per (sku, location); a missing key has none."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            StockLevel.sku, StockLevel.location_id, StockLevel.on_hand - StockLevel.reserved
        ).where(tuple_(StockLevel.sku, StockLevel.location_id).in_(wanted))
    )
    return {(sku, location): amount for sku, location, amount in rows}


def ledger_totals(session: Session, *, level_id: int) -> tuple[int, int]:
    """Sums of the ledger's (on_hand_delta, reserved_delta) for one level: the invariant
    is that they equal the level's ``on_hand`` and ``reserved``."""
    on_hand, reserved = session.execute(
        select(
            func.coalesce(func.sum(StockMovement.on_hand_delta), 0),
            func.coalesce(func.sum(StockMovement.reserved_delta), 0),
        ).where(StockMovement.stock_level_id == level_id)
    ).one()
    return int(on_hand), int(reserved)


# --- the one way a level changes ----------------------------------------------------


@dataclass(frozen=True)
class _Change:
    kind: MovementKind
    reference: str = ""
    reason: str = ""
    actor_id: int | None = None


def _apply(
    session: Session, level_id: int, change: _Change, *, on_hand_delta: int, reserved_delta: int
) -> bool:
    """Move a level by the deltas if it stays consistent; append the movement. False if not."""
    result = session.execute(
        update(StockLevel)
        .where(
            StockLevel.id == level_id,
            (StockLevel.on_hand + on_hand_delta) - (StockLevel.reserved + reserved_delta) >= 0,
            StockLevel.reserved + reserved_delta >= 0,
        )
        .values(
            on_hand=StockLevel.on_hand + on_hand_delta,
            reserved=StockLevel.reserved + reserved_delta,
        )
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        return False
    public_pages_changed(session)  # the storefront shows stock: drop it once this commits
    loaded = session.identity_map.get(identity_key(StockLevel, level_id))
    if loaded is not None:
        session.expire(loaded, ["on_hand", "reserved"])
    session.add(
        StockMovement(
            stock_level_id=level_id,
            kind=change.kind,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            reference=change.reference,
            reason=change.reason[:200],
            actor_id=change.actor_id,
        )
    )
    return True


def _lock_levels(session: Session, level_ids: Iterable[int]) -> None:
    """Lock the levels in ascending id order (PostgreSQL) so that no two writers deadlock."""
    ordered = sorted(set(level_ids))
    if ordered:
        session.execute(
            select(StockLevel.id)
            .where(StockLevel.id.in_(ordered))
            .order_by(StockLevel.id)
            .with_for_update()
        )


def _check_quantity(quantity: int) -> None:
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 0 < quantity <= MAX_QUANTITY
    ):
        raise InventoryError("bad_quantity", most=MAX_QUANTITY)


def _level(session: Session, *, sku: str, location_id: int, create: bool) -> StockLevel | None:
    query = select(StockLevel).where(StockLevel.sku == sku, StockLevel.location_id == location_id)
    level = session.scalar(query)
    if level is not None or not create:
        return level
    try:
        with session.begin_nested():
            level = StockLevel(sku=sku, location_id=location_id, on_hand=0, reserved=0)
            session.add(level)
    except IntegrityError:  # another writer created it meanwhile
        level = session.scalar(query)
    assert level is not None
    return level


# --- services ----------------------------------------------------------------------


def receive(
    session: Session,
    *,
    sku: str,
    location_id: int,
    quantity: int,
    actor_id: int | None,
    reason: str = "入库",
    reference: str = "",
) -> StockLevel:
    """Goods arrive at a location (a farmer brings produce to the station)."""
    _check_quantity(quantity)
    level = _level(session, sku=sku, location_id=location_id, create=True)
    assert level is not None
    change = _Change(MovementKind.RECEIPT, reference, reason, actor_id)
    _apply(session, level.id, change, on_hand_delta=quantity, reserved_delta=0)
    session.flush()
    return level


def adjust(
    session: Session,
    *,
    sku: str,
    location_id: int,
    delta: int,
    actor_id: int | None,
    reason: str,
    reference: str = "",
) -> StockLevel:
    """Correct the count (stock-take, breakage); never below what is reserved."""
    if not reason.strip():
        raise InventoryError("reason_required")
    _check_quantity(abs(delta))
    level = _level(session, sku=sku, location_id=location_id, create=delta > 0)
    if level is None:
        raise OutOfStock(sku=sku, requested=-delta, available=0)
    change = _Change(MovementKind.ADJUSTMENT, reference, reason, actor_id)
    if not _apply(session, level.id, change, on_hand_delta=delta, reserved_delta=0):
        session.refresh(level)
        raise OutOfStock(sku=sku, requested=-delta, available=level.available)
    session.flush()
    return level


def reserve(
    session: Session,
    *,
    lines: Sequence[StockLine],
    reference: str,
    expires_at: dt.datetime | None,
    actor_id: int | None = None,
    replacing: str | None = None,
) -> list[Reservation]:
    """Hold every line for ``reference`` until ``expires_at`` (None: until committed or
    released), or hold nothing and raise ``OutOfStock`` naming the first short line.

    ``replacing`` names an earlier hold (a cart's) whose units are released in the same
    locked step, so the holder never loses them to another buyer in between.
    """
    wanted: dict[tuple[str, int, str], int] = defaultdict(int)
    for line in lines:
        _check_quantity(line.quantity)
        held_for = line.reference or reference
        if not held_for:  # a hold nobody could name could never be committed or released
            raise InventoryError("reference_required")
        wanted[(line.sku, line.location_id, held_for)] += line.quantity
    keys = {(sku, location) for sku, location, _ in wanted}
    levels = {key: _level(session, sku=key[0], location_id=key[1], create=False) for key in keys}
    level_ids = [level.id for level in levels.values() if level is not None]
    previous = _active(session, replacing) if replacing else []
    _lock_levels(session, level_ids + [r.stock_level_id for r in previous])
    _release_expired_on(session, level_ids)
    for held in previous:
        _release_one(session, held, reason="转为订单")
    reservations = []
    for (sku, location_id, held_for), quantity in sorted(
        wanted.items(), key=lambda item: _sort_key(levels[item[0][:2]])
    ):
        level = levels[(sku, location_id)]
        change = _Change(MovementKind.RESERVATION, held_for, "", actor_id)
        if level is None or not _apply(
            session, level.id, change, on_hand_delta=0, reserved_delta=quantity
        ):
            raise OutOfStock(sku=sku, requested=quantity, available=_available_now(session, level))
        reservation = Reservation(
            stock_level_id=level.id, reference=held_for, quantity=quantity, expires_at=expires_at
        )
        session.add(reservation)
        reservations.append(reservation)
    session.flush()
    return reservations


def commit(session: Session, *, reference: str, actor_id: int | None = None) -> int:
    """Turn the active holds of ``reference`` into sales; returns the units sold."""
    held = _active(session, reference)
    _lock_levels(session, [r.stock_level_id for r in held])
    sold = 0
    for reservation in held:
        change = _Change(MovementKind.SALE, reference, "售出", actor_id)
        moved = _apply(
            session,
            reservation.stock_level_id,
            change,
            on_hand_delta=-reservation.quantity,
            reserved_delta=-reservation.quantity,
        )
        if not moved:  # pragma: no cover - a held unit is always on hand (check constraint)
            raise RuntimeError(f"reservation {reservation.id} is not backed by stock")
        reservation.move_to(ReservationStatus.COMMITTED)
        sold += reservation.quantity
    session.flush()
    return sold


def release(session: Session, *, reference: str, reason: str, actor_id: int | None = None) -> int:
    """End the active holds of ``reference`` unsold; returns the units released."""
    held = _active(session, reference)
    _lock_levels(session, [r.stock_level_id for r in held])
    released = sum(_release_one(session, r, reason=reason, actor_id=actor_id) for r in held)
    session.flush()
    return released


def return_sold(
    session: Session, *, reference: str, reason: str, actor_id: int | None = None
) -> int:
    """Put the units sold under ``reference`` back on the shelf (a cancelled order)."""
    sold = list(
        session.scalars(
            select(Reservation)
            .where(
                Reservation.reference == reference,
                Reservation.status == ReservationStatus.COMMITTED,
            )
            .order_by(Reservation.stock_level_id)
        )
    )
    _lock_levels(session, [r.stock_level_id for r in sold])
    for reservation in sold:
        change = _Change(MovementKind.RETURN, reference, reason, actor_id)
        _apply(
            session,
            reservation.stock_level_id,
            change,
            on_hand_delta=reservation.quantity,
            reserved_delta=0,
        )
        reservation.move_to(ReservationStatus.RELEASED)
    session.flush()
    return sum(r.quantity for r in sold)


def release_expired(session: Session, *, now: dt.datetime | None = None) -> int:
    """Release every hold past its expiry (run by a job or the CLI); returns how many."""
    level_ids = session.scalars(
        select(Reservation.stock_level_id).distinct().where(_expired(now or utcnow()))
    ).all()
    _lock_levels(session, level_ids)
    return _release_expired_on(session, level_ids, now=now)


# --- helpers -----------------------------------------------------------------------


def _sort_key(level: StockLevel | None) -> int:
    return level.id if level is not None else 0


def _available_now(session: Session, level: StockLevel | None) -> int:
    if level is None:
        return 0
    session.refresh(level)
    return level.available


def _active(session: Session, reference: str) -> list[Reservation]:
    return list(
        session.scalars(
            select(Reservation)
            .where(
                Reservation.reference == reference, Reservation.status == ReservationStatus.ACTIVE
            )
            .order_by(Reservation.stock_level_id, Reservation.id)
        )
    )


def _expired(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        Reservation.status == ReservationStatus.ACTIVE,
        Reservation.expires_at.is_not(None),
        Reservation.expires_at < now,
    )


def _release_expired_on(
    session: Session, level_ids: Sequence[int], *, now: dt.datetime | None = None
) -> int:
    if not level_ids:
        return 0
    expired = session.scalars(
        select(Reservation)
        .where(_expired(now or utcnow()), Reservation.stock_level_id.in_(level_ids))
        .order_by(Reservation.stock_level_id, Reservation.id)
    ).all()
    for reservation in expired:
        _release_one(session, reservation, reason="保留超时")
    return len(expired)


def _release_one(
    session: Session, reservation: Reservation, *, reason: str, actor_id: int | None = None
) -> int:
    """Mark one hold released (only if still active: a conditional UPDATE) and free its units."""
    result = session.execute(
        update(Reservation)
        .where(Reservation.id == reservation.id, Reservation.status == ReservationStatus.ACTIVE)
        .values(status=ReservationStatus.RELEASED)
        .execution_options(synchronize_session=False)
    )
    session.expire(reservation, ["status"])
    if rows_matched(result) != 1:
        return 0
    change = _Change(MovementKind.RELEASE, reservation.reference, reason, actor_id)
    _apply(
        session,
        reservation.stock_level_id,
        change,
        on_hand_delta=0,
        reserved_delta=-reservation.quantity,
    )
    return reservation.quantity
