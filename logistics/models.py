"""Parcels, depot batches, uplink produce, vehicles, rounds, stops and their state machines.

A parcel travels announced → at_township_hub → at_village_depot → out_for_delivery →
delivered | picked_up | failed (reason) → returned. Several parcels for one household on one
day become one ``Stop`` of a ``Round`` (one cadre's trip through one village).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from core.db import Base, enum_column_type
from core.labels import Labelled, describe_reference, name_members
from core.models import Household, User, Village
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow


class Courier(Labelled):
    SF = "SF"
    EMS = "EMS"
    ZTO = "ZTO"
    YTO = "YTO"
    STO = "STO"
    YUNDA = "YUNDA"
    JD = "JD"
    JT = "JT"  # 极兔 J&T Express
    STATION = "STATION"  # the station's own deliveries: shop orders, group-buy goods


name_members(
    Courier,
    {
        Courier.SF: _l("顺丰"),
        Courier.EMS: _l("中国邮政"),
        Courier.ZTO: _l("中通"),
        Courier.YTO: _l("圆通"),
        Courier.STO: _l("申通"),
        Courier.YUNDA: _l("韵达"),
        Courier.JD: _l("京东"),
        Courier.JT: _l("极兔"),
        Courier.STATION: _l("村站配送"),
    },
)


class Priority(Labelled):
    """Planned first, in this order of importance (see ``planning.PENALTY``)."""

    NORMAL = "normal"
    PAID_DOOR = "paid_door"
    PERISHABLE = "perishable"
    MEDICINE = "medicine"


name_members(
    Priority,
    {
        Priority.NORMAL: _l("普通"),
        Priority.PAID_DOOR: _l("付费送货"),
        Priority.PERISHABLE: _l("生鲜"),
        Priority.MEDICINE: _l("药品"),
    },
)


class ParcelStatus(Labelled):
    ANNOUNCED = "announced"
    AT_TOWNSHIP_HUB = "at_township_hub"
    AT_VILLAGE_DEPOT = "at_village_depot"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    PICKED_UP = "picked_up"
    FAILED = "failed"
    RETURNED = "returned"


name_members(
    ParcelStatus,
    {
        ParcelStatus.ANNOUNCED: _l("已预报"),
        ParcelStatus.AT_TOWNSHIP_HUB: _l("在镇中心"),
        ParcelStatus.AT_VILLAGE_DEPOT: _l("在架"),
        ParcelStatus.OUT_FOR_DELIVERY: _l("配送中"),
        ParcelStatus.DELIVERED: _l("已送达"),
        ParcelStatus.PICKED_UP: _l("已取件"),
        ParcelStatus.FAILED: _l("未送达"),
        ParcelStatus.RETURNED: _l("已退回"),
    },
)


class FailureReason(Labelled):
    NOT_HOME = "not_home"
    REFUSED = "refused"
    WRONG_ADDRESS = "wrong_address"
    CANNOT_REACH = "cannot_reach"


FAILURE_NAMES = name_members(
    FailureReason,
    {
        FailureReason.NOT_HOME: _l("家里没人"),
        FailureReason.REFUSED: _l("拒收"),
        FailureReason.WRONG_ADDRESS: _l("地址不对"),
        FailureReason.CANNOT_REACH: _l("联系不上"),
    },
)


P = ParcelStatus
# A failed parcel goes back on the depot shelf (next round or pickup) or back to the courier;
# a parcel taken off a re-planned or skipped round goes back on the shelf too.
PARCEL_TRANSITIONS = TransitionTable[ParcelStatus](
    _l("包裹"),
    {
        P.ANNOUNCED: frozenset({P.AT_TOWNSHIP_HUB}),
        P.AT_TOWNSHIP_HUB: frozenset({P.AT_VILLAGE_DEPOT, P.RETURNED}),
        P.AT_VILLAGE_DEPOT: frozenset({P.OUT_FOR_DELIVERY, P.PICKED_UP, P.RETURNED}),
        P.OUT_FOR_DELIVERY: frozenset({P.DELIVERED, P.FAILED, P.AT_VILLAGE_DEPOT}),
        P.FAILED: frozenset({P.AT_VILLAGE_DEPOT, P.RETURNED}),
    },
    # A courier's parcel is announced; the station's own delivery starts on its shelf.
    initial=frozenset({P.ANNOUNCED, P.AT_VILLAGE_DEPOT}),
)
#: Parcels that sit on a depot shelf (and hold a shelf place and a pickup code).
ON_SHELF = frozenset({P.AT_VILLAGE_DEPOT, P.OUT_FOR_DELIVERY, P.FAILED})


class RoundStatus(Labelled):
    PLANNED = "planned"
    STARTED = "started"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # re-planned before it started: its stops went to new rounds


name_members(
    RoundStatus,
    {
        RoundStatus.PLANNED: _l("未出发"),
        RoundStatus.STARTED: _l("配送中"),
        RoundStatus.COMPLETED: _l("已完成"),
        RoundStatus.CANCELLED: _l("已取消"),
    },
)


ROUND_TRANSITIONS = TransitionTable[RoundStatus](
    _l("路线"),
    {
        RoundStatus.PLANNED: frozenset({RoundStatus.STARTED, RoundStatus.CANCELLED}),
        RoundStatus.STARTED: frozenset({RoundStatus.COMPLETED}),
    },
    initial=frozenset({RoundStatus.PLANNED}),
)


class StopStatus(Labelled):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


name_members(
    StopStatus,
    {
        StopStatus.PENDING: _l("待送"),
        StopStatus.DELIVERED: _l("已送达"),
        StopStatus.FAILED: _l("未送达"),
        StopStatus.SKIPPED: _l("已改派"),
    },
)


STOP_TRANSITIONS = TransitionTable[StopStatus](
    _l("站点"),
    {StopStatus.PENDING: frozenset({StopStatus.DELIVERED, StopStatus.FAILED, StopStatus.SKIPPED})},
    initial=frozenset({StopStatus.PENDING}),
)


class UplinkStatus(Labelled):
    WAITING = "waiting"
    COLLECTED = "collected"


name_members(UplinkStatus, {UplinkStatus.WAITING: _l("待收"), UplinkStatus.COLLECTED: _l("已收")})


class BatchStatus(Labelled):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


name_members(BatchStatus, {BatchStatus.IN_TRANSIT: _l("在途"), BatchStatus.RECEIVED: _l("已签收")})


class PlanStatus(Labelled):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


name_members(
    PlanStatus,
    {
        PlanStatus.QUEUED: _l("排队中"),
        PlanStatus.RUNNING: _l("规划中"),
        PlanStatus.DONE: _l("完成"),
        PlanStatus.FAILED: _l("失败"),
    },
)


UPLINK_TRANSITIONS = TransitionTable[UplinkStatus](
    _l("收货"),
    {UplinkStatus.WAITING: frozenset({UplinkStatus.COLLECTED})},
    initial=frozenset({UplinkStatus.WAITING}),
)
BATCH_TRANSITIONS = TransitionTable[BatchStatus](
    _l("批次"),
    {BatchStatus.IN_TRANSIT: frozenset({BatchStatus.RECEIVED})},
    initial=frozenset({BatchStatus.IN_TRANSIT}),
)
#: Planning inline goes from queued straight to its outcome; a Celery task runs first.
PLAN_TRANSITIONS = TransitionTable[PlanStatus](
    _l("路线规划"),
    {
        PlanStatus.QUEUED: frozenset({PlanStatus.RUNNING, PlanStatus.DONE, PlanStatus.FAILED}),
        PlanStatus.RUNNING: frozenset({PlanStatus.DONE, PlanStatus.FAILED}),
    },
    initial=frozenset({PlanStatus.QUEUED}),
)


class DepotBatch(StatusMachine[BatchStatus], Base):
    """One visit of the trunk van to a village depot (共同配送): the parcels it brings, and how
    many outbound parcels it takes back to the hub (a visit may only collect)."""

    __tablename__ = "depot_batch"
    transitions = BATCH_TRANSITIONS

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    day: Mapped[dt.date]
    status: Mapped[BatchStatus] = mapped_column(
        enum_column_type(BatchStatus), default=BatchStatus.IN_TRANSIT
    )
    trunk_sequence: Mapped[int] = mapped_column(default=0)
    trunk_eta: Mapped[dt.datetime | None]
    #: Packed outbound parcels the van takes back to the hub from this station.
    pickups: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship()
    parcels: Mapped[list[Parcel]] = relationship(back_populates="batch")


class Vehicle(Base):
    """A cadre's e-bike (or tricycle): capacity in grams and in parcels."""

    __tablename__ = "vehicle"
    __table_args__ = (
        CheckConstraint("capacity_g > 0 AND capacity_parcels > 0", name="capacity_positive"),
        CheckConstraint("speed_m_per_h > 0", name="speed_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    capacity_g: Mapped[int]
    capacity_parcels: Mapped[int]
    speed_m_per_h: Mapped[int] = mapped_column(default=15_000)

    cadre: Mapped[User] = relationship()


class DeliveryWindow(Base):
    """When a household prefers the cadre to come, in minutes after local midnight."""

    __tablename__ = "delivery_window"
    __table_args__ = (
        CheckConstraint(
            "start_minute >= 0 AND end_minute > start_minute AND end_minute <= 1440",
            name="window_order",
        ),
    )

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    start_minute: Mapped[int]
    end_minute: Mapped[int]


class Round(StatusMachine[RoundStatus], Base):
    """One trip of one cadre's vehicle through one village on one day."""

    __tablename__ = "delivery_round"
    transitions = ROUND_TRANSITIONS

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    trip: Mapped[int] = mapped_column(default=0)
    status: Mapped[RoundStatus] = mapped_column(
        enum_column_type(RoundStatus), default=RoundStatus.PLANNED
    )
    departure: Mapped[dt.datetime]
    return_at: Mapped[dt.datetime]  # as planned: the county's on-time figure measures by it
    # Seconds the cadre is behind the plan (``rounds.catch_up``): the open stops' ETAs were
    # moved by it, and the round is expected back this much after ``return_at``.
    delay_s: Mapped[int] = mapped_column(default=0, server_default="0")
    distance_m: Mapped[int] = mapped_column(default=0)
    # JSON [[lat, lon], ...]: the way along the roads, station to station through every stop,
    # when the plan was made on the township's road map ("" otherwise: the sketch draws lines)
    road_path: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship()
    vehicle: Mapped[Vehicle] = relationship()
    cadre: Mapped[User] = relationship()
    stops: Mapped[list[Stop]] = relationship(
        back_populates="round", order_by="Stop.sequence", cascade="all, delete-orphan"
    )

    @property
    def expected_return(self) -> dt.datetime:
        """When the round is now expected back at the station: the plan's return, later by
        the delay the cadre is running."""
        return self.return_at + dt.timedelta(seconds=self.delay_s)


class Stop(StatusMachine[StopStatus], Base):
    """One household on a round: every parcel to hand over and produce to collect there."""

    __tablename__ = "delivery_stop"
    transitions = STOP_TRANSITIONS
    __table_args__ = (
        UniqueConstraint("round_id", "sequence"),
        CheckConstraint("collected_weight_g IS NULL OR collected_weight_g > 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delivery_round.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    sequence: Mapped[int]
    eta: Mapped[dt.datetime]
    status: Mapped[StopStatus] = mapped_column(
        enum_column_type(StopStatus), default=StopStatus.PENDING
    )
    failure_reason: Mapped[FailureReason | None] = mapped_column(enum_column_type(FailureReason))
    # Why the stop left its round without being served (re-planned, moved to another cadre).
    skip_note: Mapped[str | None] = mapped_column(String(200))
    signature: Mapped[str | None] = mapped_column(Text)
    # The recipient was away: a neighbour took the parcels, photographed as proof
    # (the stored photo's name, see core.photos) with the neighbour's name.
    photo: Mapped[str | None] = mapped_column(String(32))
    handed_to: Mapped[str | None] = mapped_column(String(60))
    collected_weight_g: Mapped[int | None]
    finished_at: Mapped[dt.datetime | None]

    round: Mapped[Round] = relationship(back_populates="stops")
    household: Mapped[Household] = relationship()
    parcels: Mapped[list[Parcel]] = relationship(back_populates="stop", order_by="Parcel.id")
    uplinks: Mapped[list[Uplink]] = relationship(back_populates="stop", order_by="Uplink.id")
    tasks: Mapped[list[StopTask]] = relationship(
        back_populates="stop", order_by="StopTask.id", cascade="all, delete-orphan"
    )

    def move_to(self, target: StopStatus, *, note: str | None = None) -> None:
        super().move_to(target)
        if note is not None:
            self.skip_note = note


class StopTask(Base):
    """Work at the stop's household offered by a package above (``logistics.extra_stops``):
    an errand, a care visit. ``visited`` says how it ended (None while open): True done,
    False not done there (the stop failed), and it is planned again."""

    __tablename__ = "delivery_stop_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_stop.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(String(100))
    bring: Mapped[str] = mapped_column(String(200), default="")
    collect: Mapped[str] = mapped_column(String(200), default="")
    service_s: Mapped[int]
    visited: Mapped[bool | None]
    note: Mapped[str] = mapped_column(String(200), default="")
    finished_at: Mapped[dt.datetime | None]

    stop: Mapped[Stop] = relationship(back_populates="tasks")

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


class Parcel(StatusMachine[ParcelStatus], Base):
    """A downlink parcel: a courier's, or one of the station's own shop deliveries."""

    __tablename__ = "parcel"
    transitions = PARCEL_TRANSITIONS
    __table_args__ = (
        UniqueConstraint("courier", "tracking_no"),
        CheckConstraint("weight_g > 0 AND weight_g <= 100000", name="weight_range"),
        CheckConstraint("pickup_code IS NULL OR length(pickup_code) = 6", name="pickup_code"),
        Index("ix_parcel_village_status", "village_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    courier: Mapped[Courier] = mapped_column(enum_column_type(Courier))
    tracking_no: Mapped[str] = mapped_column(String(40))
    recipient_name: Mapped[str] = mapped_column(String(60))
    recipient_phone: Mapped[str] = mapped_column(String(11), index=True)
    weight_g: Mapped[int]
    description: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[Priority] = mapped_column(enum_column_type(Priority), default=Priority.NORMAL)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    status: Mapped[ParcelStatus] = mapped_column(
        enum_column_type(ParcelStatus), default=ParcelStatus.ANNOUNCED
    )
    failure_reason: Mapped[FailureReason | None] = mapped_column(enum_column_type(FailureReason))
    pickup_code: Mapped[str | None] = mapped_column(String(6))
    shelf: Mapped[str | None] = mapped_column(String(12))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("depot_batch.id"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_stop.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(60))  # the shop's order or pledge
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    received_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    household: Mapped[Household | None] = relationship()
    batch: Mapped[DepotBatch | None] = relationship(back_populates="parcels")
    stop: Mapped[Stop | None] = relationship(back_populates="parcels")

    @property
    def number(self) -> str:
        """Its number as people read it: the courier's, or the shop's order it carries."""
        return describe_reference(self.reference) if self.reference else self.tracking_no


class Uplink(StatusMachine[UplinkStatus], Base):
    """Produce a farmer hands to the cadre's round to send out (上行)."""

    __tablename__ = "uplink"
    transitions = UPLINK_TRANSITIONS
    __table_args__ = (
        CheckConstraint("estimated_weight_g > 0", name="estimate_positive"),
        CheckConstraint("weight_g IS NULL OR weight_g > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    estimated_weight_g: Mapped[int]
    weight_g: Mapped[int | None]
    perishable: Mapped[bool] = mapped_column(default=False)
    status: Mapped[UplinkStatus] = mapped_column(
        enum_column_type(UplinkStatus), default=UplinkStatus.WAITING
    )
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_stop.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    collected_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    household: Mapped[Household] = relationship()
    stop: Mapped[Stop | None] = relationship(back_populates="uplinks")
    #: The city order this produce is for, when the farmer asked for a collection.
    outbound: Mapped[OutboundParcel | None] = relationship(back_populates="uplink")


class StopEvent(Base):
    """A cadre's confirmation, once per Idempotency-Key: the key and the answer it got are
    kept by ``core.idempotency`` in the same transaction."""

    __tablename__ = "stop_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    stop_id: Mapped[int] = mapped_column(ForeignKey("delivery_stop.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlanRun(StatusMachine[PlanStatus], Base):
    """Planning one village's day: its progress, and the stops left out with the reason."""

    __tablename__ = "plan_run"
    transitions = PLAN_TRANSITIONS

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column_type(PlanStatus), default=PlanStatus.QUEUED
    )
    stops: Mapped[int] = mapped_column(default=0)
    rounds: Mapped[int] = mapped_column(default=0)
    # JSON [{household_id, name, village, reason}], reason a ``routing.DropReason`` name
    left_out: Mapped[str] = mapped_column(Text, default="[]")
    message: Mapped[str] = mapped_column(String(300), default="")
    seconds: Mapped[float] = mapped_column(default=0.0)
    # Where the travel distances came from: a ``routing.roads.Source`` value ("" before solving)
    distance_source: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # JSON [{household_id, name, metres}]: households farther than the snapping limit from a road
    far_from_road: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship()

    def move_to(self, target: PlanStatus, *, message: str | None = None) -> None:
        super().move_to(target)
        if message is not None:
            self.message = message[:300]


class OutboundStatus(Labelled):
    """An outbound parcel (农产品进城): from the farmer to the station, the hub and a courier."""

    AWAITING_GOODS = "awaiting_goods"
    AWAITING_COLLECTION = "awaiting_collection"
    AT_STATION = "at_station"
    PACKED = "packed"
    ON_VAN = "on_van"
    AT_HUB = "at_hub"
    HANDED_TO_COURIER = "handed_to_courier"
    CANCELLED = "cancelled"


name_members(
    OutboundStatus,
    {
        OutboundStatus.AWAITING_GOODS: _l("等农户送货到站"),
        OutboundStatus.AWAITING_COLLECTION: _l("等干部上门收货"),
        OutboundStatus.AT_STATION: _l("已到村站"),
        OutboundStatus.PACKED: _l("已打包"),
        OutboundStatus.ON_VAN: _l("干线车运往镇中心"),
        OutboundStatus.AT_HUB: _l("在镇中心"),
        OutboundStatus.HANDED_TO_COURIER: _l("已交快递"),
        OutboundStatus.CANCELLED: _l("已取消"),
    },
)

OS = OutboundStatus
#: Cancelling is possible until the van takes the parcel (the shop refunds the order).
OUTBOUND_TRANSITIONS = TransitionTable[OutboundStatus](
    _l("寄出包裹"),
    {
        OS.AWAITING_GOODS: frozenset({OS.AWAITING_COLLECTION, OS.AT_STATION, OS.CANCELLED}),
        OS.AWAITING_COLLECTION: frozenset({OS.AT_STATION, OS.CANCELLED}),
        OS.AT_STATION: frozenset({OS.PACKED, OS.CANCELLED}),
        OS.PACKED: frozenset({OS.ON_VAN, OS.CANCELLED}),
        OS.ON_VAN: frozenset({OS.AT_HUB}),
        OS.AT_HUB: frozenset({OS.HANDED_TO_COURIER}),
    },
    initial=frozenset({OS.AWAITING_GOODS}),
)


class OutboundParcel(StatusMachine[OutboundStatus], Base):
    """A shop order's produce on its way to a buyer in the city (one parcel per order).

    ``order_id`` is the shop's order id, kept as a plain integer: logistics knows no shop table.
    """

    __tablename__ = "outbound_parcel"
    transitions = OUTBOUND_TRANSITIONS
    __table_args__ = (
        UniqueConstraint("courier", "waybill"),
        CheckConstraint("weight_g > 0 AND weight_g <= 100000", name="outbound_weight"),
        CheckConstraint(
            "packed_weight_g IS NULL OR (packed_weight_g > 0 AND packed_weight_g <= 100000)",
            name="outbound_packed_weight",
        ),
        Index("ix_outbound_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    seller_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    division_code: Mapped[str] = mapped_column(String(6))
    street: Mapped[str] = mapped_column(String(300))
    weight_g: Mapped[int]
    packed_weight_g: Mapped[int | None]
    ready_by: Mapped[dt.datetime]
    status: Mapped[OutboundStatus] = mapped_column(
        enum_column_type(OutboundStatus), default=OutboundStatus.AWAITING_GOODS
    )
    uplink_id: Mapped[int | None] = mapped_column(ForeignKey("uplink.id"), unique=True)
    courier: Mapped[Courier | None] = mapped_column(enum_column_type(Courier))
    waybill: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    station: Mapped[Village] = relationship()
    seller: Mapped[User] = relationship()
    uplink: Mapped[Uplink | None] = relationship(back_populates="outbound")
    history: Mapped[list[OutboundEvent]] = relationship(
        back_populates="parcel", order_by="OutboundEvent.id", cascade="all, delete-orphan"
    )

    @property
    def number(self) -> str:
        """The parcel's number on its label and in the courier's manifest."""
        return f"CZ{self.id:08d}"

    def move_to(
        self,
        target: OutboundStatus,
        *,
        actor_id: int | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Change the status and record who did it (None: the shop or the system) and when
        (now unless told): the buyer's tracking steps."""
        super().move_to(target)
        # Set from the event's side: an unloaded history is not read just to add to it.
        event = OutboundEvent(parcel=self, status=target, actor_id=actor_id, at=at or utcnow())
        session = object_session(self)
        if session is not None:
            session.add(event)


class OutboundEvent(Base):
    """One step of an outbound parcel: its new status, who moved it (None: the shop or the
    system) and when."""

    __tablename__ = "outbound_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_parcel.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[OutboundStatus] = mapped_column(enum_column_type(OutboundStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime]

    parcel: Mapped[OutboundParcel] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()
