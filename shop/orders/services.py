"""Cart, checkout, orders and their moves. Plain functions: they flush, never commit.

Checkout holds the cart's units for ``HOLD_MINUTES`` (reference ``cart:<user id>``);
placing the order turns the hold into a sale in the same locked step, or, when the hold
has lapsed and someone else bought the last units meanwhile, answers ``OutOfStock``
naming the product. Every move of an order goes through ``ORDER_TRANSITIONS``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from core.errors import Conflict, InvalidInput, NotFound
from core.models import Household, Role, User
from core.timeutil import utcnow
from inventory import services as inventory
from inventory.errors import OutOfStock
from inventory.models import Reservation, ReservationStatus
from payments import services as payments
from payments.models import PaymentMethod, PaymentStatus
from shop.catalog.models import ListingStatus, Product
from shop.orders.models import (
    ORDER_TRANSITIONS,
    CartItem,
    Delivery,
    Order,
    OrderLine,
    OrderStatus,
)
from shop.orders.signals import order_completed, order_packed

HOLD_MINUTES = 15
MAX_QUANTITY = 1000
MAX_LINES = 50
#: Orders still moving: every status the transition table lets go somewhere.
ACTIVE = tuple(status for status in OrderStatus if ORDER_TRANSITIONS.targets(status))
#: The buyer has the goods: the sale is final and goes to the sellers' ledger.
COMPLETED = (OrderStatus.PICKED_UP, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class LineInput:
    product_id: int
    quantity: int


def cart_reference(user_id: int) -> str:
    return f"cart:{user_id}"


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput("数量必须是整数 (quantity must be an integer)")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"数量须在 1 到 {MAX_QUANTITY} 之间 (quantity: 1-{MAX_QUANTITY})")


# --- cart --------------------------------------------------------------------------


def cart_items(session: Session, *, user: User) -> Sequence[CartItem]:
    return session.scalars(
        select(CartItem)
        .where(CartItem.user_id == user.id)
        .options(selectinload(CartItem.product))
        .order_by(CartItem.id)
    ).all()


def set_cart_quantity(session: Session, *, user: User, product_id: int, quantity: int) -> None:
    """Put ``quantity`` of a listed product in the cart (0 takes it out)."""
    if quantity != 0:
        _check_quantity(quantity)
    product = session.get(Product, product_id)
    if product is None or product.status is not ListingStatus.LISTED:
        raise NotFound("找不到这个商品 (no such product)")
    item = session.scalar(
        select(CartItem).where(CartItem.user_id == user.id, CartItem.product_id == product_id)
    )
    if quantity == 0:
        if item is not None:
            session.delete(item)
    elif item is None:
        session.add(CartItem(user_id=user.id, product_id=product_id, quantity=quantity))
    else:
        item.quantity = quantity
    session.flush()


def add_to_cart(session: Session, *, user: User, product_id: int, quantity: int) -> None:
    _check_quantity(quantity)
    current = (
        session.scalar(
            select(CartItem.quantity).where(
                CartItem.user_id == user.id, CartItem.product_id == product_id
            )
        )
        or 0
    )
    set_cart_quantity(
        session, user=user, product_id=product_id, quantity=min(current + quantity, MAX_QUANTITY)
    )


def hold_cart(session: Session, *, user: User, now: dt.datetime | None = None) -> dt.datetime:
    """Checkout: hold every cart line for HOLD_MINUTES; returns when the hold ends."""
    items = cart_items(session, user=user)
    if not items:
        raise InvalidInput("购物车是空的 (the cart is empty)")
    expires_at = (now or utcnow()) + dt.timedelta(minutes=HOLD_MINUTES)
    lines = [LineInput(item.product_id, item.quantity) for item in items]
    products = _listed_products(session, lines)
    stock_lines = [
        inventory.StockLine(
            products[line.product_id].sku, products[line.product_id].location_id, line.quantity
        )
        for line in lines
    ]
    reference = cart_reference(user.id)
    with _named_shortage(products):
        inventory.reserve(
            session,
            lines=stock_lines,
            reference=reference,
            expires_at=expires_at,
            actor_id=user.id,
            replacing=reference,
        )
    return expires_at


def cart_hold_expiry(session: Session, *, user: User) -> dt.datetime | None:
    return session.scalar(
        select(Reservation.expires_at)
        .where(
            Reservation.reference == cart_reference(user.id),
            Reservation.status == ReservationStatus.ACTIVE,
        )
        .limit(1)
    )


# --- placing orders ----------------------------------------------------------------


class SoldOut(Conflict):
    code = "out_of_stock"


@contextmanager
def _named_shortage(products: dict[int, Product]) -> Iterator[None]:
    """Re-raise ``OutOfStock`` with the product's name, which inventory does not know."""
    try:
        yield
    except OutOfStock as error:
        title = next((p.title for p in products.values() if p.sku == error.sku), error.sku)
        raise SoldOut(
            f"「{title}」库存不足：只剩 {error.available} 件，请减少数量 "
            f"({title}: only {error.available} left)"
        ) from error


def _listed_products(session: Session, lines: Sequence[LineInput]) -> dict[int, Product]:
    if not lines:
        raise InvalidInput("订单里没有商品 (an order needs at least one line)")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"一单最多 {MAX_LINES} 种商品 (at most {MAX_LINES} lines)")
    for line in lines:
        _check_quantity(line.quantity)
    ids = {line.product_id for line in lines}
    found = session.scalars(select(Product).where(Product.id.in_(ids))).all()
    products = {p.id: p for p in found if p.status is ListingStatus.LISTED}
    missing = ids - products.keys()
    if missing:
        raise NotFound(f"商品 {min(missing)} 不存在或已下架 (product not for sale)")
    return products


def _merged(lines: Sequence[LineInput]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for line in lines:
        merged[line.product_id] += line.quantity
    for quantity in merged.values():
        _check_quantity(quantity)
    return merged


def place_orders(
    session: Session,
    *,
    buyer: User,
    placed_by: User,
    lines: Sequence[LineInput],
    delivery: Delivery,
    payment: PaymentMethod,
    single_seller: bool = False,
) -> list[Order]:
    """Place one order per seller, take the stock (the buyer's cart hold first) and open
    each order's payment; all or nothing. ``single_seller`` refuses lines of several."""
    if buyer.household is None:
        raise InvalidInput("买家没有登记住址 (the buyer has no household address)")
    if payment is PaymentMethod.ONLINE and not payments.online_payments_available():
        raise Conflict("暂不支持在线支付，请选择到站付现金 (online payment is not available)")
    products = _listed_products(session, lines)
    by_seller: dict[int, list[tuple[Product, int]]] = defaultdict(list)
    for product_id, quantity in sorted(_merged(lines).items()):
        by_seller[products[product_id].seller_id].append((products[product_id], quantity))
    if single_seller and len(by_seller) > 1:
        raise Conflict("一个订单只能包含同一卖家的商品 (one seller per order)")
    orders = [
        _new_order(session, buyer, placed_by, chosen, delivery, payment)
        for _, chosen in sorted(by_seller.items())
    ]
    stock_lines = [
        inventory.StockLine(
            line_product.sku, line_product.location_id, line.quantity, order.reference
        )
        for order in orders
        for line, line_product in ((ln, products[ln.product_id]) for ln in order.lines)
    ]
    with _named_shortage(products):
        inventory.reserve(
            session,
            lines=stock_lines,
            reference="",
            expires_at=None,
            actor_id=placed_by.id,
            replacing=cart_reference(buyer.id),
        )
    for order in orders:
        inventory.commit(session, reference=order.reference, actor_id=placed_by.id)
        payments.start_payment(
            session,
            subject_ref=order.reference,
            amount_fen=order.total_fen,
            method=payment,
            village_id=order.station_village_id,
        )
    session.execute(
        delete(CartItem).where(CartItem.user_id == buyer.id, CartItem.product_id.in_(products))
    )
    session.flush()
    return orders


def _new_order(
    session: Session,
    buyer: User,
    placed_by: User,
    chosen: list[tuple[Product, int]],
    delivery: Delivery,
    payment: PaymentMethod,
) -> Order:
    household = buyer.household
    assert household is not None
    order = Order(
        buyer_id=buyer.id,
        placed_by_id=placed_by.id,
        seller_id=chosen[0][0].seller_id,
        household_id=household.id,
        station_village_id=chosen[0][0].location.village_id,
        delivery=delivery,
        payment_method=payment,
        status=OrderStatus.PENDING_PAYMENT,
        total_fen=sum(product.price_fen * quantity for product, quantity in chosen),
        lines=[
            OrderLine(
                product_id=product.id,
                title=product.title,
                unit=product.unit_name,
                unit_price_fen=product.price_fen,
                quantity=quantity,
            )
            for product, quantity in chosen
        ],
    )
    session.add(order)
    session.flush()
    return order


# --- reading -----------------------------------------------------------------------


def _at_station(user: User, order: Order) -> bool:
    return order.station_village_id in user.villages_for(Role.AGENT)


def order_for(session: Session, *, user: User, order_id: int) -> Order:
    """An order its buyer, whoever placed it, its seller or its station's agent may see."""
    order = session.get(Order, order_id)
    if order is None or (
        user.id not in (order.buyer_id, order.placed_by_id, order.seller_id)
        and not _at_station(user, order)
    ):
        raise NotFound("找不到这个订单 (no such order)")
    return order


def own_order(session: Session, *, user: User, order_id: int) -> Order:
    """The caller's own order (bought or placed by them): the public API's rule."""
    order = session.get(Order, order_id)
    if order is None or user.id not in (order.buyer_id, order.placed_by_id):
        raise NotFound("找不到这个订单 (no such order)")
    return order


def _orders(session: Session, *conditions: object) -> Sequence[Order]:
    return session.scalars(
        select(Order)
        .where(*conditions)  # type: ignore[arg-type]
        .options(selectinload(Order.lines), selectinload(Order.buyer))
        .order_by(Order.id.desc())
        .limit(200)
    ).all()


def my_orders(session: Session, *, user: User) -> Sequence[Order]:
    return _orders(session, or_(Order.buyer_id == user.id, Order.placed_by_id == user.id))


def orders_to_prepare(session: Session, *, seller: User) -> Sequence[Order]:
    """Orders the seller must pack: paid ones, and cash ones (paid on handover)."""
    return _orders(
        session,
        Order.seller_id == seller.id,
        or_(
            Order.status == OrderStatus.PAID,
            (Order.status == OrderStatus.PENDING_PAYMENT)
            & (Order.payment_method == PaymentMethod.CASH),
        ),
    )


def station_orders(session: Session, *, agent: User) -> Sequence[Order]:
    return _orders(
        session,
        Order.station_village_id.in_(agent.villages_for(Role.AGENT)),
        Order.status.in_(ACTIVE),
    )


def is_paid(session: Session, order: Order) -> bool:
    payment = payments.payment_for(session, order.reference)
    return payment is not None and payment.status is PaymentStatus.SUCCEEDED


# --- moves -------------------------------------------------------------------------


def _move(order: Order, target: OrderStatus) -> None:
    ORDER_TRANSITIONS.check(order.status, target)
    order.status = target
    order.updated_at = utcnow()
    if target in COMPLETED:
        order_completed.send(None, order=order, session=object_session(order))


def mark_paid(session: Session, *, subject_ref: str) -> Order | None:
    """Payment succeeded: an order waiting for it moves on to paid (others just stay)."""
    kind, _, number = subject_ref.partition(":")
    if kind != "order" or not number.isdigit():
        return None
    order = session.get(Order, int(number))
    if order is not None and order.status is OrderStatus.PENDING_PAYMENT:
        _move(order, OrderStatus.PAID)
        session.flush()
    return order


def pack(session: Session, *, seller: User, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.seller_id != seller.id:
        raise NotFound("找不到这个订单 (no such order)")
    if (
        order.status is OrderStatus.PENDING_PAYMENT
        and order.payment_method is not PaymentMethod.CASH
    ):
        raise Conflict("订单还没付款，请等待 (the order is not paid yet)")
    _move(order, OrderStatus.PACKED)
    session.flush()
    order_packed.send(None, order=order, session=session)
    return order


def _station_order(session: Session, *, agent: User, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("找不到这个订单 (no such order)")
    if not _at_station(agent, order):
        raise NotFound("这不是您站点的订单 (not an order of your station)")
    return order


def mark_ready_for_pickup(session: Session, *, agent: User, order_id: int) -> Order:
    """The packed goods are on the station's shelf, waiting for the buyer."""
    order = _station_order(session, agent=agent, order_id=order_id)
    _move(order, OrderStatus.READY_FOR_PICKUP)
    session.flush()
    return order


def collect_cash(session: Session, *, agent: User, order_id: int) -> Order:
    """The agent takes the order's amount in cash at the counter."""
    order = _station_order(session, agent=agent, order_id=order_id)
    payment = payments.payment_for(session, order.reference)
    if payment is None or payment.method is not PaymentMethod.CASH:
        raise Conflict("这个订单不是现金付款 (not a cash order)")
    payments.record_cash(session, payment_id=payment.id, amount_fen=order.total_fen, agent=agent)
    session.flush()
    return order


def hand_over(session: Session, *, agent: User, order_id: int) -> Order:
    """The buyer collected the goods at the station; it must be paid by then."""
    order = _station_order(session, agent=agent, order_id=order_id)
    if not is_paid(session, order):
        raise Conflict("请先收款再交货 (collect the payment before handing over)")
    _move(order, OrderStatus.PICKED_UP)
    session.flush()
    return order


def _order_on_its_way(session: Session, reference: str) -> Order | None:
    """The door order behind a logistics reference, while it is packed or on its way."""
    kind, _, number = reference.partition(":")
    order = session.get(Order, int(number)) if kind == "order" and number.isdigit() else None
    if order is None or order.status not in (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY):
        return None
    return order


def mark_delivered(session: Session, *, reference: str) -> Order | None:
    """Logistics carried the order to the house (sent through its signal)."""
    order = _order_on_its_way(session, reference)
    if order is None:
        return None
    if order.status is OrderStatus.PACKED:
        _move(order, OrderStatus.OUT_FOR_DELIVERY)
    _move(order, OrderStatus.DELIVERED)
    session.flush()
    return order


def take_cash_at_the_door(session: Session, *, order: Order, cadre: User) -> None:
    """A cash door order is paid to the cadre on delivery (货到付款); the cash is booked
    to the station's statement with the cadre as the one who took it."""
    payment = payments.payment_for(session, order.reference)
    if payment is not None and payment.status is PaymentStatus.AWAITING_CASH:
        payments.record_cash(
            session, payment_id=payment.id, amount_fen=payment.amount_fen, agent=cadre
        )


def mark_collected_at_station(session: Session, *, reference: str) -> Order | None:
    """The household fetched its door order from the station shelf instead (a failed
    delivery, or it passed by first): the order ends picked up."""
    order = _order_on_its_way(session, reference)
    if order is None:
        return None
    _move(order, OrderStatus.READY_FOR_PICKUP)
    _move(order, OrderStatus.PICKED_UP)
    session.flush()
    return order


def cancel(session: Session, *, user: User, order_id: int) -> Order:
    """Cancel (unpaid) or refund (paid) an order and put its goods back on sale.

    The buyer may do it until the order is packed; the station's agent until handover.
    """
    order = order_for(session, user=user, order_id=order_id)
    by_agent = _at_station(user, order)
    buyer_may = user.id in (order.buyer_id, order.placed_by_id) and order.status in (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
    )
    if not (buyer_may or by_agent):
        raise Conflict("订单已打包，请联系村站取消 (already packed: ask the station)")
    if is_paid(session, order):
        _move(order, OrderStatus.REFUNDED)
        payments.refund_payment(session, subject_ref=order.reference, amount_fen=order.total_fen)
    else:
        _move(order, OrderStatus.CANCELLED)
        payments.cancel_payment(session, subject_ref=order.reference)
    inventory.return_sold(
        session, reference=order.reference, reason="订单取消 (order cancelled)", actor_id=user.id
    )
    session.flush()
    return order


# --- assisted ordering (代购) -------------------------------------------------------


def find_villagers(session: Session, *, agent: User, query: str) -> Sequence[User]:
    """Villagers of the agent's station villages whose phone or name matches."""
    text = query.strip()
    if not text:
        return []
    pattern = f"%{text.replace('%', '').replace('_', '')}%"
    return session.scalars(
        select(User)
        .join(Household, User.household_id == Household.id)
        .where(
            Household.village_id.in_(agent.villages_for(Role.AGENT)),
            or_(User.phone.like(pattern), User.name.like(pattern)),
        )
        .order_by(User.name)
        .limit(20)
    ).all()


def villager_for_agent(session: Session, *, agent: User, user_id: int) -> User:
    villager = session.get(User, user_id)
    if (
        villager is None
        or villager.household is None
        or villager.household.village_id not in agent.villages_for(Role.AGENT)
    ):
        raise NotFound("找不到这位村民 (no such villager at your station)")
    return villager
