"""Grids (网格) and requests (代办事项) with their timeline: who did what, and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, enum_column_type
from core.labels import Labelled, name_members, name_reference_kind
from core.models import Household, User, Village
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import to_local, utcnow

DETAILS_MAX = 500
NOTE_MAX = 200
PHOTOS_MAX = 3


class Category(Labelled):
    """The station's service list (服务清单)."""

    INSURANCE = "insurance"  # 社保/医保 errands
    CERTIFICATE = "certificate"
    BILL_PAYMENT = "bill_payment"
    REPAIR = "repair"
    FARMING_ADVICE = "farming_advice"
    SHOPPING = "shopping"
    OTHER = "other"


CATEGORY_NAMES = name_members(
    Category,
    {
        Category.INSURANCE: _l("社保医保代办"),
        Category.CERTIFICATE: _l("开具证明"),
        Category.BILL_PAYMENT: _l("代缴费用"),
        Category.REPAIR: _l("报修"),
        Category.FARMING_ADVICE: _l("农技咨询和测土"),
        Category.SHOPPING: _l("代购生活用品"),
        Category.OTHER: _l("其他"),
    },
)


@dataclass(frozen=True)
class CategoryRule:
    """How long a category may take (working days) and whether the household is visited
    (then ``service_minutes`` at the door is what the round will plan for)."""

    limit_days: int
    needs_visit: bool
    service_minutes: int


CATEGORY_RULES: dict[Category, CategoryRule] = {
    Category.INSURANCE: CategoryRule(5, needs_visit=True, service_minutes=15),
    Category.CERTIFICATE: CategoryRule(3, needs_visit=True, service_minutes=10),
    Category.BILL_PAYMENT: CategoryRule(2, needs_visit=False, service_minutes=0),
    Category.REPAIR: CategoryRule(5, needs_visit=True, service_minutes=30),
    Category.FARMING_ADVICE: CategoryRule(7, needs_visit=True, service_minutes=30),
    Category.SHOPPING: CategoryRule(2, needs_visit=True, service_minutes=10),
    Category.OTHER: CategoryRule(5, needs_visit=False, service_minutes=0),
}


class Channel(Labelled):
    """How the request reached the station."""

    PHONE_APP = "phone_app"  # the villager on their phone
    COUNTER = "counter"  # the agent at the station's counter
    HOTLINE = "hotline"  # the agent, from a phone call
    VISIT = "visit"  # the cadre, at a care visit on the round


CHANNEL_NAMES = name_members(
    Channel,
    {
        Channel.PHONE_APP: _l("手机上报"),
        Channel.COUNTER: _l("柜台登记"),
        Channel.HOTLINE: _l("电话登记"),
        Channel.VISIT: _l("走访登记"),
    },
)


class RequestStatus(Labelled):
    FILED = "filed"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CLOSED = "closed"


REQUEST_STATUS_NAMES = name_members(
    RequestStatus,
    {
        RequestStatus.FILED: _l("待接单"),
        RequestStatus.ACCEPTED: _l("已接单"),
        RequestStatus.IN_PROGRESS: _l("办理中"),
        RequestStatus.DONE: _l("已办结，待回访"),
        RequestStatus.CLOSED: _l("已关闭"),
    },
)

OPEN_STATUSES = frozenset({RequestStatus.FILED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS})

# Reassigning sends an accepted request back to "filed": the new member accepts it again.
REQUEST_TRANSITIONS = TransitionTable(
    _l("事项"),
    {
        RequestStatus.FILED: frozenset({RequestStatus.ACCEPTED, RequestStatus.FILED}),
        RequestStatus.ACCEPTED: frozenset(
            {RequestStatus.IN_PROGRESS, RequestStatus.DONE, RequestStatus.FILED}
        ),
        RequestStatus.IN_PROGRESS: frozenset({RequestStatus.DONE, RequestStatus.FILED}),
        RequestStatus.DONE: frozenset({RequestStatus.CLOSED}),
    },
    initial=frozenset({RequestStatus.FILED}),
)


class Satisfaction(Labelled):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


SATISFACTION_NAMES = name_members(
    Satisfaction,
    {
        Satisfaction.SATISFIED: _l("满意"),
        Satisfaction.BASICALLY: _l("基本满意"),
        Satisfaction.DISSATISFIED: _l("不满意"),
    },
)


class StepKind(Labelled):
    FILED = "filed"
    ACCEPTED = "accepted"
    STARTED = "started"
    DONE = "done"
    CLOSED = "closed"
    REASSIGNED = "reassigned"
    REMINDED = "reminded"
    ESCALATED = "escalated"


STEP_NAMES = name_members(
    StepKind,
    {
        StepKind.FILED: _l("登记"),
        StepKind.ACCEPTED: _l("接单"),
        StepKind.STARTED: _l("开始办理"),
        StepKind.DONE: _l("办结"),
        StepKind.CLOSED: _l("评价并关闭"),
        StepKind.REASSIGNED: _l("改派"),
        StepKind.REMINDED: _l("临期提醒"),
        StepKind.ESCALATED: _l("超期督办"),
    },
)

name_reference_kind("errand", _l("事项 %(id)s号"))


class Grid(Base):
    """A grid (网格) of households in one village and the member who answers for it."""

    __tablename__ = "errand_grid"
    __table_args__ = (UniqueConstraint("village_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # "组组有人管": the member is a cadre or a party member (党员); shown beside their name.
    party_member: Mapped[bool] = mapped_column(default=False)

    village: Mapped[Village] = relationship()
    member: Mapped[User] = relationship()
    households: Mapped[list[GridHousehold]] = relationship(
        back_populates="grid", cascade="all, delete-orphan"
    )


class WithdrawnCategory(Base):
    """A category the station does not offer: its service list is every category but these,
    so a new station (and a category added later) offers everything until its agent says."""

    __tablename__ = "errand_withdrawn_category"

    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(enum_column_type(Category), primary_key=True)


class GridHousehold(Base):
    """A household's grid: every household is in at most one."""

    __tablename__ = "errand_grid_household"

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(
        ForeignKey("errand_grid.id", ondelete="CASCADE"), index=True
    )

    grid: Mapped[Grid] = relationship(back_populates="households")


class ErrandRequest(StatusMachine[RequestStatus], Base):
    """One request (诉求/代办事项) of a household, from filing to the return call.

    ``needs_visit``, ``service_minutes`` and the visit window are what the round planner
    reads to make it a stop once accepted (``errands.visits``, docs/errands.md "On the round").
    """

    __tablename__ = "errand_request"
    transitions = REQUEST_TRANSITIONS
    __table_args__ = (
        CheckConstraint("service_minutes >= 0", name="service_minutes_not_negative"),
        CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_closed_at"
        ),
        Index("ix_errand_request_open_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("errand_grid.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    channel: Mapped[Channel] = mapped_column(enum_column_type(Channel))
    category: Mapped[Category] = mapped_column(enum_column_type(Category))
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column_type(RequestStatus), default=RequestStatus.FILED
    )
    # The hotline: who called, when, and by when the station promised to call back.
    caller_name: Mapped[str] = mapped_column(String(60), default="")
    caller_phone: Mapped[str] = mapped_column(String(20), default="")
    called_at: Mapped[dt.datetime | None]
    callback_by: Mapped[dt.datetime | None]
    # The clock: due at the end of the limit's last working day; reminded at 80 % of it.
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    remind_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    reminded_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column_type(Satisfaction))
    # True when the villager answered on the phone; False when the agent recorded a 回访.
    satisfaction_by_villager: Mapped[bool | None]
    # For the round (errands.visits): minutes at the door and the household's window.
    needs_visit: Mapped[bool] = mapped_column(default=False)
    service_minutes: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[dt.time | None]
    window_end: Mapped[dt.time | None]

    village: Mapped[Village] = relationship()
    household: Mapped[Household] = relationship()
    grid: Mapped[Grid | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    steps: Mapped[list[RequestStep]] = relationship(
        back_populates="request", order_by="RequestStep.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[RequestPhoto]] = relationship(
        order_by="RequestPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return f"errand:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def due_day(self) -> dt.date:
        """The last day of the limit, local (``due_at`` is the midnight that ends it)."""
        return to_local(self.due_at - dt.timedelta(microseconds=1)).date()

    def on_time(self) -> bool | None:
        """Done within the limit; None while it is not done."""
        return None if self.done_at is None else self.done_at <= self.due_at


class RequestStep(Base):
    """One line of a request's timeline; ``actor_id`` is None for the system's own checks."""

    __tablename__ = "errand_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("errand_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StepKind] = mapped_column(enum_column_type(StepKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")

    request: Mapped[ErrandRequest] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()


class RequestPhoto(Base):
    """A photo of what the villager needs (a broken pump, a form), stored by core.photos."""

    __tablename__ = "errand_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("errand_request.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40), unique=True)


class CareReason(Labelled):
    """Why a household is visited regularly (走访)."""

    ELDERLY_ALONE = "elderly_alone"
    DISABLED = "disabled"
    IN_DIFFICULTY = "in_difficulty"


CARE_REASON_NAMES = name_members(
    CareReason,
    {
        CareReason.ELDERLY_ALONE: _l("独居老人"),
        CareReason.DISABLED: _l("残疾人"),
        CareReason.IN_DIFFICULTY: _l("困难家庭"),
    },
)


class CareHousehold(Base):
    """A household the agent marked for regular visits: a visit is due ``every_days`` after
    the last one (at once when never visited), and planning puts it on the village's round."""

    __tablename__ = "errand_care_household"
    __table_args__ = (CheckConstraint("every_days BETWEEN 1 AND 365", name="every_days_range"),)

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    reason: Mapped[CareReason] = mapped_column(enum_column_type(CareReason))
    every_days: Mapped[int]
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_visited_at: Mapped[dt.datetime | None]

    household: Mapped[Household] = relationship()

    @property
    def reference(self) -> str:
        return f"care:{self.household_id}"

    def due_on(self) -> dt.date | None:
        """The local day the next visit is due; None: never visited, due now."""
        if self.last_visited_at is None:
            return None
        return to_local(self.last_visited_at).date() + dt.timedelta(days=self.every_days)


class CareVisit(Base):
    """One visit the cadre made on the round: their note, and any request it raised."""

    __tablename__ = "errand_care_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime]
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("errand_request.id"))

    household: Mapped[Household] = relationship()
    cadre: Mapped[User] = relationship()
    request: Mapped[ErrandRequest | None] = relationship()
