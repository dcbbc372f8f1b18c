"""Stock per product and location, reservations with an expiry, and the movement ledger.

Inventory knows products only by an opaque ``sku`` string (``"product:42"``): it imports
nothing above ``core``. ``on_hand`` counts the units on the shelf, ``reserved`` the part
of them held for checkouts; what may still be sold is ``on_hand - reserved``. Both
counters only ever change through the services, each change written to the ledger, so
``on_hand`` always equals the sum of the ledger's ``on_hand_delta`` (a test checks it).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, enum_column_type
from core.labels import Labelled, name_members
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow


class LocationKind(Labelled):
    HUB = "hub"  # the township hub (乡镇共配中心)
    STATION = "station"  # a village station (村站)


name_members(LocationKind, {LocationKind.HUB: _l("镇中心仓"), LocationKind.STATION: _l("村站")})


class MovementKind(Labelled):
    RECEIPT = "receipt"  # goods arrive: on_hand +
    RESERVATION = "reservation"  # held for a checkout: reserved +
    SALE = "sale"  # a held unit leaves with an order: on_hand -, reserved -
    RELEASE = "release"  # a hold ends unsold (cancel, expiry): reserved -
    RETURN = "return"  # a sold unit comes back (order cancelled or refunded): on_hand +
    ADJUSTMENT = "adjustment"  # stock-take correction, breakage: on_hand +/-


name_members(
    MovementKind,
    {
        MovementKind.RECEIPT: _l("入库"),
        MovementKind.RESERVATION: _l("预留"),
        MovementKind.SALE: _l("售出"),
        MovementKind.RELEASE: _l("释放预留"),
        MovementKind.RETURN: _l("退回"),
        MovementKind.ADJUSTMENT: _l("盘点调整"),
    },
)


class ReservationStatus(Labelled):
    ACTIVE = "active"
    COMMITTED = "committed"
    RELEASED = "released"


name_members(
    ReservationStatus,
    {
        ReservationStatus.ACTIVE: _l("预留中"),
        ReservationStatus.COMMITTED: _l("已成交"),
        ReservationStatus.RELEASED: _l("已释放"),
    },
)

# A hold is sold (committed) or ends unsold (released); a sold unit that comes back
# (the order cancelled or refunded) releases its reservation too.
RESERVATION_TRANSITIONS = TransitionTable(
    _l("库存预留"),
    {
        ReservationStatus.ACTIVE: frozenset(
            {ReservationStatus.COMMITTED, ReservationStatus.RELEASED}
        ),
        ReservationStatus.COMMITTED: frozenset({ReservationStatus.RELEASED}),
    },
    initial=frozenset({ReservationStatus.ACTIVE}),
)


class StockLocation(Base):
    __tablename__ = "stock_location"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'station') = (village_id IS NOT NULL)", name="station_has_village"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LocationKind] = mapped_column(enum_column_type(LocationKind))
    name: Mapped[str] = mapped_column(String(80))
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), unique=True)


class StockLevel(Base):
    __tablename__ = "stock_level"
    __table_args__ = (
        UniqueConstraint("sku", "location_id"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    location: Mapped[StockLocation] = relationship()

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(StatusMachine[ReservationStatus], Base):
    """Units held for one reference (a cart, an order) until ``expires_at``."""

    __tablename__ = "stock_reservation"
    transitions = RESERVATION_TRANSITIONS
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_reservation_active_expiry", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_level_id: Mapped[int] = mapped_column(ForeignKey("stock_level.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64), index=True)
    quantity: Mapped[int]
    status: Mapped[ReservationStatus] = mapped_column(
        enum_column_type(ReservationStatus), default=ReservationStatus.ACTIVE
    )
    expires_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    stock_level: Mapped[StockLevel] = relationship()


class StockMovement(Base):
    """One line of the append-only ledger: what changed, by how much, who, why, for what."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint("on_hand_delta != 0 OR reserved_delta != 0", name="moves_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_level_id: Mapped[int] = mapped_column(ForeignKey("stock_level.id"), index=True)
    kind: Mapped[MovementKind] = mapped_column(enum_column_type(MovementKind))
    on_hand_delta: Mapped[int] = mapped_column(default=0)
    reserved_delta: Mapped[int] = mapped_column(default=0)
    reference: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
