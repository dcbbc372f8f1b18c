"""A campaign with price tiers, and the households' pledges to it."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, enum_column_type
from core.labels import Labelled, name_members, name_reference_kind
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow
from payments.models import PaymentMethod
from shop.catalog.models import unit_label


class CampaignStatus(Labelled):
    OPEN = "open"
    CLOSING = "closing"  # one closer holds it while payments are captured or released
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    FULFILLED = "fulfilled"  # every household has its goods


name_members(
    CampaignStatus,
    {
        CampaignStatus.OPEN: _l("进行中"),
        CampaignStatus.CLOSING: _l("结算中"),
        CampaignStatus.SUCCEEDED: _l("已成团"),
        CampaignStatus.FAILED: _l("未成团"),
        CampaignStatus.FULFILLED: _l("已完成"),
    },
)


CAMPAIGN_TRANSITIONS = TransitionTable(
    _l("团购"),
    {
        CampaignStatus.OPEN: frozenset({CampaignStatus.CLOSING}),
        CampaignStatus.CLOSING: frozenset({CampaignStatus.SUCCEEDED, CampaignStatus.FAILED}),
        CampaignStatus.SUCCEEDED: frozenset({CampaignStatus.FULFILLED}),
    },
    initial=frozenset({CampaignStatus.OPEN}),
)


class Delivery(Labelled):
    PICKUP = "pickup"
    DOOR = "door"


name_members(Delivery, {Delivery.PICKUP: _l("到村站自提"), Delivery.DOOR: _l("送货上门")})


class PledgeStatus(Labelled):
    ACTIVE = "active"  # counted toward the campaign, payment held or cash due
    CHARGED = "charged"  # captured at the final price (online) or cash to collect at pickup
    RELEASED = "released"  # the campaign failed: the hold was cancelled
    CANCELLED = "cancelled"  # withdrawn by the household before the deadline


name_members(
    PledgeStatus,
    {
        PledgeStatus.ACTIVE: _l("已认购"),
        PledgeStatus.CHARGED: _l("已结算"),
        PledgeStatus.RELEASED: _l("已释放"),
        PledgeStatus.CANCELLED: _l("已取消"),
    },
)
name_reference_kind("pledge", _l("团购认购 %(id)s号"))
name_reference_kind("groupbuy", _l("团购 %(id)s号"))


PLEDGE_TRANSITIONS = TransitionTable(
    _l("认购"),
    {
        PledgeStatus.ACTIVE: frozenset(
            {PledgeStatus.CHARGED, PledgeStatus.RELEASED, PledgeStatus.CANCELLED}
        )
    },
    initial=frozenset({PledgeStatus.ACTIVE}),
)


class GroupBuy(StatusMachine[CampaignStatus], Base):
    __tablename__ = "group_buy"
    transitions = CAMPAIGN_TRANSITIONS
    __table_args__ = (
        CheckConstraint("min_quantity >= 1", name="min_positive"),
        CheckConstraint("max_quantity >= min_quantity", name="max_above_min"),
        CheckConstraint("per_household_limit >= 1", name="limit_positive"),
        CheckConstraint(
            "pledged_quantity >= 0 AND pledged_quantity <= max_quantity", name="pledged_within"
        ),
        CheckConstraint("shop_price_fen > 0", name="shop_price_positive"),
        CheckConstraint("unit_weight_g > 0", name="unit_weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(10))  # its Chinese name: 袋, 箱, 公斤, 个
    unit_weight_g: Mapped[int] = mapped_column(default=50_000)  # for the e-bike's load
    sku: Mapped[str] = mapped_column(String(64))
    shop_price_fen: Mapped[int]  # the usual price of one unit, to show the saving
    min_quantity: Mapped[int]
    max_quantity: Mapped[int]
    per_household_limit: Mapped[int]
    deadline: Mapped[dt.datetime] = mapped_column(index=True)
    delivery: Mapped[Delivery] = mapped_column(enum_column_type(Delivery))
    status: Mapped[CampaignStatus] = mapped_column(enum_column_type(CampaignStatus), index=True)
    # Kept by conditional UPDATEs only, so racing pledges never pass the maximum.
    pledged_quantity: Mapped[int] = mapped_column(default=0)
    # Decided once when the close is claimed: what counted (cash pledges and confirmed
    # card holds) and the tier price it reached.
    counted_quantity: Mapped[int | None]
    final_price_fen: Mapped[int | None]
    closing_started_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    tiers: Mapped[list[PriceTier]] = relationship(
        order_by="PriceTier.min_quantity", cascade="all, delete-orphan", lazy="selectin"
    )
    # The pledges that count: a cancelled one is kept (its payment names it) but left out.
    pledges: Mapped[list[Pledge]] = relationship(
        primaryjoin="and_(GroupBuy.id == Pledge.group_buy_id, Pledge.status != 'cancelled')",
        order_by="Pledge.id",
        viewonly=True,
    )

    def price_at(self, quantity: int) -> int:
        """The unit price when ``quantity`` units are pledged in all."""
        reached = [tier for tier in self.tiers if tier.min_quantity <= max(quantity, 1)]
        return reached[-1].price_fen

    @property
    def unit_name(self) -> str:
        """The unit in the reader's language ("bag" for 袋)."""
        return unit_label(self.unit)

    @property
    def current_price_fen(self) -> int:
        return self.final_price_fen or self.price_at(self.pledged_quantity)

    @property
    def highest_price_fen(self) -> int:
        return self.tiers[0].price_fen

    def next_tier(self) -> PriceTier | None:
        """The next cheaper tier (the first one applies from the first unit); none once
        the campaign no longer takes pledges."""
        if self.status is not CampaignStatus.OPEN:
            return None
        reached = max(self.pledged_quantity, 1)
        return next((t for t in self.tiers if t.min_quantity > reached), None)

    @property
    def minimum_reached(self) -> bool:
        """Enough is pledged to succeed (the close counts only confirmed card holds)."""
        if self.status is CampaignStatus.OPEN:
            return self.pledged_quantity >= self.min_quantity
        return self.status in (CampaignStatus.SUCCEEDED, CampaignStatus.FULFILLED)


class PriceTier(Base):
    __tablename__ = "group_buy_tier"
    __table_args__ = (
        UniqueConstraint("group_buy_id", "min_quantity"),
        CheckConstraint("min_quantity >= 1", name="min_positive"),
        CheckConstraint("price_fen > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_buy_id: Mapped[int] = mapped_column(ForeignKey("group_buy.id", ondelete="CASCADE"))
    min_quantity: Mapped[int]
    price_fen: Mapped[int]


class Pledge(StatusMachine[PledgeStatus], Base):
    __tablename__ = "pledge"
    transitions = PLEDGE_TRANSITIONS
    __table_args__ = (
        # One standing pledge per household; a cancelled one leaves room for a new one.
        Index(
            "uq_pledge_household_standing",
            "group_buy_id",
            "household_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_buy_id: Mapped[int] = mapped_column(ForeignKey("group_buy.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    pledged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    quantity: Mapped[int]
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column_type(PaymentMethod))
    status: Mapped[PledgeStatus] = mapped_column(enum_column_type(PledgeStatus))
    final_fen: Mapped[int | None]  # what the household pays at the final tier
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    group_buy: Mapped[GroupBuy] = relationship()

    @property
    def subject_ref(self) -> str:
        return f"pledge:{self.id}"

    @property
    def saving_fen(self) -> int:
        """Against buying the same quantity at the shop price."""
        if self.final_fen is None:
            return 0
        return self.quantity * self.group_buy.shop_price_fen - self.final_fen
