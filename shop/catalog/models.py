"""Products listed by farmers and suppliers, their photos, and the listing's life cycle.

A product's stock lives in ``inventory`` under the sku ``product:<id>`` at the stock
location of the seller's village station (``location_id``).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from core.cache import public_pages_changed
from core.db import Base, enum_column_type
from core.labels import Labelled, name_members
from core.models import User, Village
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow
from inventory.models import StockLocation

MAX_PHOTOS = 6


class Category(Labelled):
    GRAIN = "grain"
    EGGS = "eggs"
    VEGETABLES = "vegetables"
    FRUIT = "fruit"
    TEA = "tea"
    SPECIALTY = "specialty"
    SEEDS = "seeds"
    FERTILISER = "fertiliser"
    DAILY = "daily"


CATEGORY_NAMES = name_members(
    Category,
    {
        Category.GRAIN: _l("米面粮油"),
        Category.EGGS: _l("禽蛋肉类"),
        Category.VEGETABLES: _l("时令蔬菜"),
        Category.FRUIT: _l("新鲜水果"),
        Category.TEA: _l("茶叶"),
        Category.SPECIALTY: _l("土特产"),
        Category.SEEDS: _l("种子种苗"),
        Category.FERTILISER: _l("化肥农资"),
        Category.DAILY: _l("日用百货"),
    },
)


class Unit(Labelled):
    JIN = "jin"
    KG = "kg"
    BAG = "bag"
    BOX = "box"
    PIECE = "piece"


UNIT_NAMES = name_members(
    Unit,
    {
        Unit.JIN: _l("斤"),
        Unit.KG: _l("公斤"),
        Unit.BAG: _l("袋"),
        Unit.BOX: _l("箱"),
        Unit.PIECE: _l("个"),
    },
)
#: Group-buys store their unit as its Chinese name ("袋"): the unit it names.
UNIT_BY_CHINESE = {
    "斤": Unit.JIN,
    "公斤": Unit.KG,
    "袋": Unit.BAG,
    "箱": Unit.BOX,
    "个": Unit.PIECE,
}
#: The unit's Chinese name whatever the reader's language (the API's ``unit`` field).
CHINESE_UNIT = {unit: chinese for chinese, unit in UNIT_BY_CHINESE.items()}


def unit_label(chinese: str) -> str:
    """A unit stored as its Chinese name, in the reader's language (unknown ones as they are)."""
    unit = UNIT_BY_CHINESE.get(chinese)
    return unit.label if unit else chinese


class ListingStatus(Labelled):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    LISTED = "listed"
    DELISTED = "delisted"


LISTING_STATUS_NAMES = name_members(
    ListingStatus,
    {
        ListingStatus.DRAFT: _l("草稿"),
        ListingStatus.PENDING_REVIEW: _l("待审核"),
        ListingStatus.LISTED: _l("在售"),
        ListingStatus.DELISTED: _l("已下架"),
    },
)

#: A draft the station sent back with a reason (``Product.returned``): the seller reads this.
RETURNED_NAME = _l("已退回")

# A rejected listing goes back to draft with the agent's reason; a delisted one must be
# reviewed again before it sells again; so must a listed one whose seller edits it (title,
# price, story...): it leaves the storefront until the agent approves the change.
LISTING_TRANSITIONS = TransitionTable(
    _l("商品"),
    {
        ListingStatus.DRAFT: frozenset({ListingStatus.PENDING_REVIEW}),
        ListingStatus.PENDING_REVIEW: frozenset({ListingStatus.LISTED, ListingStatus.DRAFT}),
        ListingStatus.LISTED: frozenset({ListingStatus.DELISTED, ListingStatus.PENDING_REVIEW}),
        ListingStatus.DELISTED: frozenset({ListingStatus.PENDING_REVIEW}),
    },
    initial=frozenset({ListingStatus.DRAFT}),
)


class Product(StatusMachine[ListingStatus], Base):
    __tablename__ = "product"
    transitions = LISTING_TRANSITIONS
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        # Newest first within a status (and category, village): pages walk an index, no sort.
        Index("ix_product_status_id", "status", "id"),
        Index("ix_product_status_category", "status", "category", "id"),
        Index("ix_product_status_village", "status", "origin_village_id", "id"),
        CheckConstraint(
            "NOT ships OR packed_weight_g BETWEEN 1 AND 30000", name="ships_with_weight"
        ),
        CheckConstraint("max_journey_days BETWEEN 1 AND 30", name="journey_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    origin_village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[Category] = mapped_column(enum_column_type(Category))
    unit: Mapped[Unit] = mapped_column(enum_column_type(Unit))
    price_fen: Mapped[int]
    weight_g: Mapped[int] = mapped_column(default=500)  # per unit, for delivery rounds
    status: Mapped[ListingStatus] = mapped_column(
        enum_column_type(ListingStatus), default=ListingStatus.DRAFT
    )
    # Sent by courier to buyers anywhere: whether it ships, its weight packed for the
    # courier (box and padding included) and, for perishables, the longest journey in days.
    ships: Mapped[bool] = mapped_column(default=False, server_default=false())
    packed_weight_g: Mapped[int | None]
    max_journey_days: Mapped[int | None]
    reject_reason: Mapped[str] = mapped_column(String(300), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    seller: Mapped[User] = relationship(foreign_keys=[seller_id])
    origin_village: Mapped[Village] = relationship()
    location: Mapped[StockLocation] = relationship()
    photos: Mapped[list[ProductPhoto]] = relationship(
        back_populates="product", order_by="ProductPhoto.position", cascade="all, delete-orphan"
    )

    @property
    def sku(self) -> str:
        return sku_of(self.id)

    @property
    def unit_name(self) -> str:
        return self.unit.label

    @property
    def returned(self) -> bool:
        """Sent back by the station with a reason, waiting for the seller's changes (a draft
        in the life cycle; submitting it again clears the reason)."""
        return self.status is ListingStatus.DRAFT and bool(self.reject_reason)

    @property
    def status_name(self) -> str:
        """Its state as the seller reads it: 已退回 rather than 草稿 when it was sent back."""
        return str(RETURNED_NAME if self.returned else self.status.label)

    @property
    def status_class(self) -> str:
        return "returned" if self.returned else self.status.value

    def after_move(self, previous: ListingStatus) -> None:
        """Every change of listing status may put it on the storefront or take it off."""
        session = object_session(self)
        assert session is not None, "a listing moves inside the session that loaded it"
        public_pages_changed(session)


def sku_of(product_id: int) -> str:
    return f"product:{product_id}"


class ProductPhoto(Base):
    """A re-encoded photo stored under a random name (``<name>.jpg`` and ``<name>_t.jpg``)."""

    __tablename__ = "product_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int]
    height: Mapped[int]

    product: Mapped[Product] = relationship(back_populates="photos")
