"""Carts, orders and their lines. One order per seller: the seller packs it whole."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from core.db import Base, enum_column_type
from core.labels import Labelled, name_members, name_reference_kind
from core.models import Household, User, Village
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow
from payments.models import PaymentMethod
from shop.buyers.models import Address
from shop.catalog.models import Product, unit_label
from shop.orders.signals import order_completed


class Delivery(Labelled):
    DOOR = "door"  # carried to the house by the village cadre
    PICKUP = "pickup"  # collected at the village station
    SHIP = "ship"  # sent by courier from the seller's station to an address anywhere


#: What door delivery costs on top of the goods (free for now; shown at checkout anyway).
DOOR_FEE_FEN = 0
DELIVERY_NAMES = name_members(
    Delivery,
    {
        Delivery.DOOR: _l("送货上门"),
        Delivery.PICKUP: _l("到村站自提"),
        Delivery.SHIP: _l("快递到家"),
    },
)
PAYMENT_NAMES = {PaymentMethod.CASH: _l("到站付现金"), PaymentMethod.ONLINE: _l("在线支付")}
#: What the buyer does with cash depends on how the goods reach them.
CASH_NAMES = {Delivery.DOOR: _l("货到付款（现金）"), Delivery.PICKUP: _l("到站付现金")}


class Route(StrEnum):
    """How the seller's goods reach the buyer's village station."""

    SAME_STATION = "same_station"  # the seller stocks the buyer's own station
    CADRE = "cadre"  # a cadre who serves both villages carries them on a round
    HUB = "hub"  # up to the township hub and down again on the van's morning run


ROUTE_NAMES = {
    Route.SAME_STATION: _l("本村站的货"),
    Route.CADRE: _l("村干部顺路从%(village)s带来"),
    Route.HUB: _l("从%(village)s经乡镇中转站，随货车送到"),
}


def route_label(route: Route, source: Village | None) -> str:
    """'从竹林村经乡镇中转站，随货车送到' and the like (no source: the township's stock)."""
    return str(ROUTE_NAMES[route] % {"village": source.name if source else _l("乡镇仓库")})


#: Days from the order to the goods on the buyer's station shelf: the seller packs on
#: the day; a shared cadre brings them the next day; the van takes them to the hub on
#: its next morning run and down to the village on the run after that.
ROUTE_DAYS = {Route.SAME_STATION: 1, Route.CADRE: 1, Route.HUB: 2}


class OrderStatus(Labelled):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PACKED = "packed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    READY_FOR_PICKUP = "ready_for_pickup"
    PICKED_UP = "picked_up"
    SHIPPED = "shipped"  # handed to the courier
    RECEIVED = "received"  # the buyer confirmed receipt (or it was confirmed for them)
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


ORDER_STATUS_NAMES = name_members(
    OrderStatus,
    {
        OrderStatus.PENDING_PAYMENT: _l("待付款"),
        OrderStatus.PAID: _l("已付款，待备货"),
        OrderStatus.PACKED: _l("已打包"),
        OrderStatus.OUT_FOR_DELIVERY: _l("配送中"),
        OrderStatus.DELIVERED: _l("已送达"),
        OrderStatus.READY_FOR_PICKUP: _l("待自提"),
        OrderStatus.PICKED_UP: _l("已取货"),
        OrderStatus.SHIPPED: _l("已交快递"),
        OrderStatus.RECEIVED: _l("已签收"),
        OrderStatus.CANCELLED: _l("已取消"),
        OrderStatus.REFUNDED: _l("已退款"),
    },
)
name_reference_kind("order", _l("订单 %(id)s号"))

S = OrderStatus
# The one table of order moves. A cash order may be packed before it is paid (the money
# is taken at the counter or the door: 货到付款); the services enforce that detail.
# Unpaid orders are cancelled, paid ones refunded; both put the goods back on sale.
# A shipped order (paid online only) leaves paid when the courier takes it, and ends
# received when its buyer confirms (or after ``RECEIPT_CONFIRMED_AFTER_DAYS``).
ORDER_TRANSITIONS = TransitionTable(
    _l("订单"),
    {
        S.PENDING_PAYMENT: frozenset({S.PAID, S.PACKED, S.CANCELLED}),
        S.PAID: frozenset({S.PACKED, S.SHIPPED, S.REFUNDED}),
        S.SHIPPED: frozenset({S.RECEIVED}),
        S.PACKED: frozenset({S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP, S.CANCELLED, S.REFUNDED}),
        S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.READY_FOR_PICKUP}),
        S.READY_FOR_PICKUP: frozenset({S.PICKED_UP, S.CANCELLED, S.REFUNDED}),
    },
    initial=frozenset({S.PENDING_PAYMENT}),
)
#: Final and kept: the goods reached the household or the city buyer (the ledger books it).
COMPLETED = (S.PICKED_UP, S.DELIVERED, S.RECEIVED)


class CartItem(Base):
    __tablename__ = "cart_item"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id"),
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    quantity: Mapped[int]

    product: Mapped[Product] = relationship()


class Order(StatusMachine[OrderStatus], Base):
    __tablename__ = "shop_order"
    transitions = ORDER_TRANSITIONS
    __table_args__ = (
        CheckConstraint("total_fen > 0", name="total_positive"),
        CheckConstraint("shipping_fee_fen >= 0", name="shipping_fee_not_negative"),
        Index("ix_shop_order_seller_status", "seller_id", "status"),
        Index("ix_shop_order_station_status", "station_village_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # None for a shipped order: it goes to ``address``, not to a household of ours.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    station_village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    delivery: Mapped[Delivery] = mapped_column(enum_column_type(Delivery))
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column_type(PaymentMethod))
    status: Mapped[OrderStatus] = mapped_column(
        enum_column_type(OrderStatus), default=OrderStatus.PENDING_PAYMENT
    )
    total_fen: Mapped[int]
    # Where the seller's goods wait, how they come to the buyer's station and when.
    source_village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    route: Mapped[Route] = mapped_column(
        enum_column_type(Route), default=Route.SAME_STATION, server_default="same_station"
    )
    expected_on: Mapped[dt.date | None]
    # Told at the counter to collect a pickup order; only its buyer (and a printed slip) shows it.
    pickup_code: Mapped[str | None] = mapped_column(String(6))
    # Shipped orders: where to, what the courier costs (paid with the goods), and by when
    # the seller's goods must reach the station (set when it is paid).
    address_id: Mapped[int | None] = mapped_column(ForeignKey("ship_address.id"))
    shipping_fee_fen: Mapped[int] = mapped_column(default=0, server_default="0")
    ready_by: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id])
    placed_by: Mapped[User] = relationship(foreign_keys=[placed_by_id])
    seller: Mapped[User] = relationship(foreign_keys=[seller_id])
    household: Mapped[Household | None] = relationship()
    address: Mapped[Address | None] = relationship()
    station_village: Mapped[Village] = relationship(foreign_keys=[station_village_id])
    source_village: Mapped[Village | None] = relationship(foreign_keys=[source_village_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    @property
    def reference(self) -> str:
        return order_reference(self.id)

    @property
    def charged_fen(self) -> int:
        """What the buyer pays: the goods and the courier."""
        return self.total_fen + self.shipping_fee_fen

    @property
    def assisted(self) -> bool:
        return self.placed_by_id != self.buyer_id

    @property
    def awaited_at_station(self) -> bool:
        """Its goods are still on their way to the station, so the expected day is worth
        showing (goods may arrive before it: then the day is no longer news)."""
        before = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKED)
        return self.expected_on is not None and self.status in before

    @property
    def payment_name(self) -> str:
        if self.payment_method is PaymentMethod.CASH:
            return str(CASH_NAMES[self.delivery])
        return str(PAYMENT_NAMES[self.payment_method])

    @property
    def route_name(self) -> str:
        return route_label(self.route, self.source_village)

    @property
    def goods(self) -> str:
        """What is in it, as a person reads it: 「土鸡蛋×2盒、菜籽油×1桶」."""
        return "、".join(f"{line.title}×{line.quantity}{line.unit}" for line in self.lines)

    def after_move(self, previous: OrderStatus) -> None:
        self.updated_at = utcnow()
        if self.status in COMPLETED:
            order_completed.send(None, order=self, session=object_session(self))


def order_reference(order_id: int) -> str:
    return f"order:{order_id}"


class OrderLine(Base):
    """A line with the title and price as they were when the order was placed."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_range"),
        CheckConstraint("unit_price_fen > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(10))  # its Chinese name, shown by ``unit_name``
    unit_price_fen: Mapped[int]
    quantity: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def unit_name(self) -> str:
        return unit_label(self.unit)

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity
