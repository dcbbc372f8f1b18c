"""Cart, checkout, orders and their moves. Plain functions: they flush, never commit.

Checkout holds the cart's units for ``HOLD_MINUTES`` (reference ``cart:<user id>``);
placing the order turns the hold into a sale in the same locked step, or, when the hold
has lapsed and someone else bought the last units meanwhile, answers ``OutOfStock``
naming the product. Every move of an order goes through ``ORDER_TRANSITIONS``.

A hold is a courtesy, not a claim (see ``hold_cart``): it covers at most ``HOLD_MAX_UNITS``
of each product and at most half of what is left of it, and checking out again does not
push its end later, so no household can keep a product from everyone else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from core.errors import CoreError
from core.models import Household, Role, RoleGrant, User, Village
from core.money import format_fen
from core.notices.models import NoticeKind
from core.notices.services import notify
from core.parse import parse_int
from core.timeutil import LOCAL_ZONE, ensure_utc, local_today, utcnow
from inventory import services as inventory
from inventory.errors import OutOfStock
from inventory.models import Reservation, ReservationStatus, StockLevel, StockLocation
from ledger import services as ledger
from logistics.codes import check_code, new_code
from payments import services as payments
from payments.models import PaymentMethod, PaymentStatus
from shop.buyers.models import Address
from shop.catalog.models import CHINESE_UNIT, ListingStatus, Product
from shop.errors import ShopError
from shop.orders.models import (
    COMPLETED,
    ORDER_TRANSITIONS,
    ROUTE_DAYS,
    CartItem,
    Delivery,
    Order,
    OrderLine,
    OrderStatus,
    Route,
    route_label,
)
from shop.orders.signals import order_packed
from shop.shipping import outbound_port
from shop.shipping import services as shipping

HOLD_MINUTES = 15
HOLD_MAX_UNITS = 10  # per household and product; more is taken only when the order is placed
MAX_QUANTITY = 1000
MAX_LINES = 50
#: Orders still moving: every status the transition table lets go somewhere.
ACTIVE = tuple(status for status in OrderStatus if ORDER_TRANSITIONS.targets(status))
#: The buyer has the goods: the sale is final and goes to the sellers' ledger.
#: A paid shipped order's goods must reach the seller's station within this time.
READY_WITHIN = dt.timedelta(days=2)
#: A shipped order its buyer has not confirmed is taken as received this long after handover.
RECEIPT_CONFIRMED_AFTER = dt.timedelta(days=10)


@dataclass(frozen=True)
class LineInput:
    product_id: int
    quantity: int


def cart_reference(user_id: int) -> str:
    return f"cart:{user_id}"


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ShopError("quantity_not_integer")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ShopError("bad_quantity", most=MAX_QUANTITY)


# --- cart --------------------------------------------------------------------------


def cart_items(session: Session, *, user: User) -> Sequence[CartItem]:
    return session.scalars(
        select(CartItem)
        .where(CartItem.user_id == user.id)
        .options(selectinload(CartItem.product))
        .order_by(CartItem.id)
    ).all()


def listed_or_missing(session: Session, *, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.status is not ListingStatus.LISTED:
        raise ShopError("product_not_found")
    return product


def guest_items(session: Session, *, cart: dict[int, int]) -> list[CartItem]:
    """A visitor's cart as (unsaved) cart items of the products still for sale."""
    products = session.scalars(
        select(Product).where(Product.id.in_(cart), Product.status == ListingStatus.LISTED)
    ).all()
    return [
        CartItem(product_id=p.id, product=p, quantity=cart[p.id])
        for p in sorted(products, key=lambda p: p.id)
    ]


def set_cart_quantity(session: Session, *, user: User, product_id: int, quantity: int) -> None:
    """Put ``quantity`` of a listed product in the cart (0 takes it out)."""
    if quantity != 0:
        _check_quantity(quantity)
    listed_or_missing(session, product_id=product_id)
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


def _held_share(wanted: int, available: int) -> int:
    """How much of a cart line a checkout holds: at most HOLD_MAX_UNITS and half of what is
    available (at least one unit), so that one cart cannot take a product whole. A line
    wanting more than there is asks for all of it, so the checkout names the shortage."""
    if wanted > available:
        return wanted
    return min(wanted, HOLD_MAX_UNITS, max(1, available // 2))


def hold_cart(session: Session, *, user: User, now: dt.datetime | None = None) -> dt.datetime:
    """Checkout: hold the cart's lines (capped, see ``_held_share``) for HOLD_MINUTES from the
    household's first checkout; checking out again while that hold lasts replaces it but keeps
    its end. Returns when the hold ends. The order step takes the whole quantities."""
    items = cart_items(session, user=user)
    if not items:
        raise ShopError("cart_empty")
    now = now or utcnow()
    running = cart_hold_expiry(session, user=user)
    if running is not None and ensure_utc(running) > now:
        expires_at = ensure_utc(running)  # a renewal never pushes the end later
    else:
        expires_at = now + dt.timedelta(minutes=HOLD_MINUTES)
    lines = [LineInput(item.product_id, item.quantity) for item in items]
    products = _listed_products(session, lines)
    reference = cart_reference(user.id)
    keys = [(products[ln.product_id].sku, products[ln.product_id].location_id) for ln in lines]
    available, mine = inventory.available_many(session, keys), _held_by(session, reference)
    stock_lines = [
        inventory.StockLine(
            *key, _held_share(line.quantity, available.get(key, 0) + mine.get(key, 0))
        )
        for key, line in zip(keys, lines, strict=True)
    ]
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


def _held_by(session: Session, reference: str) -> dict[tuple[str, int], int]:
    """Units the active hold ``reference`` has now, per (sku, location): they come back to it
    when the hold is replaced."""
    rows = session.execute(
        select(StockLevel.sku, StockLevel.location_id, Reservation.quantity)
        .join(StockLevel, Reservation.stock_level_id == StockLevel.id)
        .where(Reservation.reference == reference, Reservation.status == ReservationStatus.ACTIVE)
    )
    held: dict[tuple[str, int], int] = defaultdict(int)
    for sku, location_id, quantity in rows:
        held[(sku, location_id)] += quantity
    return held


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


@contextmanager
def _named_shortage(products: dict[int, Product]) -> Iterator[None]:
    """Re-raise ``OutOfStock`` with the product's name, which inventory does not know."""
    try:
        yield
    except OutOfStock as error:
        title = next((p.title for p in products.values() if p.sku == error.sku), error.sku)
        raise ShopError("out_of_stock", title=title, left=error.available) from error


def _listed_products(session: Session, lines: Sequence[LineInput]) -> dict[int, Product]:
    if not lines:
        raise ShopError("no_lines")
    if len(lines) > MAX_LINES:
        raise ShopError("too_many_lines", most=MAX_LINES)
    for line in lines:
        _check_quantity(line.quantity)
    ids = {line.product_id for line in lines}
    found = session.scalars(select(Product).where(Product.id.in_(ids))).all()
    products = {p.id: p for p in found if p.status is ListingStatus.LISTED}
    missing = ids - products.keys()
    if missing:
        raise ShopError("product_not_for_sale", product=min(missing))
    return products


def _merged(lines: Sequence[LineInput]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for line in lines:
        merged[line.product_id] += line.quantity
    for quantity in merged.values():
        _check_quantity(quantity)
    return merged


@dataclass(frozen=True)
class Journey:
    """How one seller's goods come to the buyer's own station, and the day they are due."""

    source: Village | None  # the station the seller stocks (None: the township hub)
    station: Village  # the buyer's village station, where every order is collected
    route: Route
    expected_on: dt.date

    @property
    def name(self) -> str:
        return route_label(self.route, self.source)


@dataclass(frozen=True)
class SellerShare:
    """The part of a checkout one seller packs: it becomes one order."""

    seller: User
    lines: list[tuple[Product, int]]
    journey: Journey
    shipping_fee_fen: int = 0

    @property
    def total_fen(self) -> int:
        return sum(product.price_fen * quantity for product, quantity in self.lines)


def _share_a_cadre(session: Session, first: int, second: int) -> bool:
    """Whether one cadre serves both villages (and can carry goods between them)."""
    one, other = aliased(RoleGrant), aliased(RoleGrant)
    query = (
        select(one.user_id)
        .join(other, other.user_id == one.user_id)
        .where(one.role == Role.CADRE, other.role == Role.CADRE)
        .where(one.village_id == first, other.village_id == second)
        .limit(1)
    )
    return session.scalar(query) is not None


def journey(
    session: Session, *, location_id: int, station: Village, today: dt.date | None = None
) -> Journey:
    """Goods stocked at ``location_id`` for a buyer of ``station``: the route and the day.

    Kept simple and honest: the goods of the buyer's own station are on its shelf the day
    after the order (the seller packs first); a cadre serving both villages brings them on
    the next day's round; anything else goes up to the hub and down on the van's run after.
    """
    location = session.get_one(StockLocation, location_id)
    source = session.get(Village, location.village_id) if location.village_id else None
    if source is not None and source.id == station.id:
        route = Route.SAME_STATION
    elif source is not None and _share_a_cadre(session, source.id, station.id):
        route = Route.CADRE
    else:
        route = Route.HUB
    start = today or local_today()
    return Journey(source, station, route, start + dt.timedelta(days=ROUTE_DAYS[route]))


def _buyer_station(buyer: User) -> Village:
    if buyer.household is None:
        raise ShopError("no_address")
    return buyer.household.village


def _shares(
    session: Session, buyer: User, products: dict[int, Product], merged: dict[int, int]
) -> list[SellerShare]:
    station = _buyer_station(buyer)
    by_seller: dict[int, list[tuple[Product, int]]] = defaultdict(list)
    for product_id, quantity in sorted(merged.items()):
        by_seller[products[product_id].seller_id].append((products[product_id], quantity))
    return [
        SellerShare(
            chosen[0][0].seller,
            chosen,
            journey(session, location_id=chosen[0][0].location_id, station=station),
        )
        for _, chosen in sorted(by_seller.items())
    ]


def _ship_shares(
    session: Session, products: dict[int, Product], merged: dict[int, int], address: Address
) -> list[SellerShare]:
    """One share per seller, shipped from the seller's station with the quoted fee; any line
    that cannot go (not shipped, too far for a perishable) refuses the whole order."""
    by_seller: dict[int, list[tuple[Product, int]]] = defaultdict(list)
    for product_id, quantity in sorted(merged.items()):
        by_seller[products[product_id].seller_id].append((products[product_id], quantity))
    shares = []
    for _, chosen in sorted(by_seller.items()):
        lines = [shipping.ShipLine(product.id, quantity) for product, quantity in chosen]
        quote = shipping.quote(session, lines=lines, address=address)
        if quote.refused:
            raise ShopError("cannot_ship", reason=quote.refused[0].reason)
        station = session.get_one(Village, quote.parcels[0].village_id)
        trip = Journey(
            station,
            station,
            Route.SAME_STATION,
            local_today() + dt.timedelta(days=quote.arrival_days),
        )
        shares.append(SellerShare(chosen[0][0].seller, chosen, trip, quote.fee_fen))
    return shares


def checkout_shares(session: Session, *, user: User) -> list[SellerShare]:
    """What the checkout page shows: one share per seller, each with its journey."""
    items = cart_items(session, user=user)
    listed = [i for i in items if i.product.status is ListingStatus.LISTED]
    if not listed or user.household is None:
        return []
    products = {i.product_id: i.product for i in listed}
    return _shares(session, user, products, {i.product_id: i.quantity for i in listed})


def place_orders(
    session: Session,
    *,
    buyer: User,
    placed_by: User,
    lines: Sequence[LineInput],
    delivery: Delivery,
    payment: PaymentMethod,
    single_seller: bool = False,
    address: Address | None = None,
) -> list[Order]:
    """Place one order per seller, take the stock (the buyer's cart hold first) and open
    each order's payment; all or nothing. ``single_seller`` refuses lines of several.

    Every order is collected at (or delivered from) the buyer's own village station; the
    goods of other villages come to it as ``journey`` says. A shipped order instead goes by
    courier from the seller's station to ``address`` (one of the buyer's), paid online."""
    if delivery is Delivery.SHIP:
        _check_shipping(buyer, payment, address)
    else:
        _buyer_station(buyer)
    if payment is PaymentMethod.ONLINE and not payments.online_payments_available():
        raise ShopError("online_unavailable")
    products = _listed_products(session, lines)
    if address is not None and delivery is Delivery.SHIP:
        shares = _ship_shares(session, products, _merged(lines), address)
    else:
        shares = _shares(session, buyer, products, _merged(lines))
    if single_seller and len(shares) > 1:
        raise ShopError("one_seller_per_order")
    orders = [
        _new_order(session, buyer, placed_by, share, delivery, payment, address) for share in shares
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
            amount_fen=order.charged_fen,
            method=payment,
            village_id=order.station_village_id,
        )
    session.execute(
        delete(CartItem).where(CartItem.user_id == buyer.id, CartItem.product_id.in_(products))
    )
    session.flush()
    return orders


def _check_shipping(buyer: User, payment: PaymentMethod, address: Address | None) -> None:
    if payment is not PaymentMethod.ONLINE:
        raise ShopError("ship_online_only")
    if not payments.online_payments_available():
        raise ShopError("ship_online_unavailable")  # not "pay cash at the station"
    if address is None or address.user_id != buyer.id or address.removed:
        raise ShopError("address_required")


def _new_order(
    session: Session,
    buyer: User,
    placed_by: User,
    share: SellerShare,
    delivery: Delivery,
    payment: PaymentMethod,
    address: Address | None,
) -> Order:
    shipped = delivery is Delivery.SHIP
    household = None if shipped else buyer.household
    assert shipped or household is not None
    trip = share.journey
    order = Order(
        buyer_id=buyer.id,
        placed_by_id=placed_by.id,
        seller_id=share.seller.id,
        household_id=household.id if household else None,
        address_id=address.id if shipped and address else None,
        shipping_fee_fen=share.shipping_fee_fen,
        station_village_id=trip.station.id,
        source_village_id=trip.source.id if trip.source else None,
        route=trip.route,
        expected_on=trip.expected_on,
        pickup_code=new_code() if delivery is Delivery.PICKUP else None,
        delivery=delivery,
        payment_method=payment,
        status=OrderStatus.PENDING_PAYMENT,
        total_fen=share.total_fen,
        lines=[
            OrderLine(
                product_id=product.id,
                title=product.title,
                unit=CHINESE_UNIT[product.unit],  # as it was sold; shown translated
                unit_price_fen=product.price_fen,
                quantity=quantity,
            )
            for product, quantity in share.lines
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
        raise ShopError("order_not_found")
    return order


def own_order(session: Session, *, user: User, order_id: int) -> Order:
    """The caller's own order (bought or placed by them): the public API's rule."""
    order = session.get(Order, order_id)
    if order is None or user.id not in (order.buyer_id, order.placed_by_id):
        raise ShopError("order_not_found")
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


class SellerTab(StrEnum):
    """The seller's orders page, in the order the seller works through them."""

    TO_PACK = "to_pack"
    PACKED = "packed"  # packed, on the way to the buyer or waiting on the shelf
    DONE = "done"  # the buyer has the goods


def _seller_tab_condition(tab: SellerTab) -> ColumnElement[bool]:
    if tab is SellerTab.TO_PACK:  # paid ones, and cash ones (paid on handover)
        return or_(
            Order.status == OrderStatus.PAID,
            (Order.status == OrderStatus.PENDING_PAYMENT)
            & (Order.payment_method == PaymentMethod.CASH),
        )
    if tab is SellerTab.PACKED:
        return Order.status.in_(
            (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.READY_FOR_PICKUP)
        )
    return Order.status.in_(COMPLETED)


def seller_orders(
    session: Session, *, seller: User, tab: SellerTab = SellerTab.TO_PACK
) -> Sequence[Order]:
    """The seller's orders of one tab: to pack, packed (not yet with the buyer), done."""
    return _orders(session, Order.seller_id == seller.id, _seller_tab_condition(tab))


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


def _order_number(reference: str) -> int | None:
    """The id in an ``order:<id>`` reference, or None for any other reference."""
    kind, _, number = reference.partition(":")
    try:
        return parse_int(number, low=1) if kind == "order" else None
    except CoreError:
        return None


def mark_paid(session: Session, *, subject_ref: str) -> Order | None:
    """Payment succeeded: an order waiting for it moves on to paid (others just stay)."""
    number = _order_number(subject_ref)
    if number is None:
        return None
    order = session.get(Order, number)
    if order is not None and order.status is OrderStatus.PENDING_PAYMENT:
        order.move_to(OrderStatus.PAID)
        session.flush()
        if order.delivery is Delivery.SHIP:
            _open_shipment(session, order)
    return order


def _open_shipment(session: Session, order: Order) -> None:
    """A paid shipped order: the seller has until ``ready_by`` to bring the goods to the
    station; logistics opens its outbound parcel; the ledger books the courier fee."""
    address = order.address
    assert address is not None, "a shipped order always has its address"
    order.ready_by = utcnow() + READY_WITHIN
    weight = sum(
        (session.get_one(Product, line.product_id).packed_weight_g or 0) * line.quantity
        for line in order.lines
    )
    outbound_port.open_parcel(
        session,
        order_id=order.id,
        station_id=order.station_village_id,
        seller_user_id=order.seller_id,
        recipient=address.recipient,
        phone=address.phone,
        division_code=address.division_code,
        street=address.street,
        weight_g=max(weight, 1),
        ready_by=order.ready_by,
    )
    if order.shipping_fee_fen > 0:
        ledger.post_shipping_collected(
            session,
            order_id=order.id,
            station_id=order.station_village_id,
            fee_fen=order.shipping_fee_fen,
        )
    session.flush()


def _ship_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise ShopError("order_not_found")
    if order.delivery is not Delivery.SHIP:
        raise ShopError("not_a_ship_order")
    return order


def mark_shipped(session: Session, *, order_id: int) -> Order:
    """Logistics handed the parcel to the courier (through its signal); a repeat is a no-op."""
    order = _ship_order(session, order_id)
    if order.status is OrderStatus.PAID:
        order.move_to(OrderStatus.SHIPPED)
        session.flush()
    return order


def confirm_receipt(session: Session, *, user: User, order_id: int) -> Order:
    """The buyer says the parcel arrived: the sale is final."""
    order = own_order(session, user=user, order_id=order_id)
    if order.delivery is not Delivery.SHIP:
        raise ShopError("not_a_ship_order")
    order.move_to(OrderStatus.RECEIVED)
    session.flush()
    return order


def _sellers_order(session: Session, seller: User, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.seller_id != seller.id:
        raise ShopError("order_not_found")
    return order


def request_collection(session: Session, *, seller: User, order_id: int) -> Order:
    """The seller asks for the goods of a paid shipped order to be collected on the cadre's
    next round (instead of bringing them to the station)."""
    order = _sellers_order(session, seller, order_id)
    if order.delivery is not Delivery.SHIP:
        raise ShopError("not_a_ship_order")
    if order.status is not OrderStatus.PAID:
        raise ShopError("order_not_paid")
    outbound_port.request_collection(session, order_id=order.id)
    return order


def pack(session: Session, *, seller: User, order_id: int) -> Order:
    order = _sellers_order(session, seller, order_id)
    if order.delivery is Delivery.SHIP:
        raise ShopError("packed_at_station")
    if (
        order.status is OrderStatus.PENDING_PAYMENT
        and order.payment_method is not PaymentMethod.CASH
    ):
        raise ShopError("order_not_paid")
    order.move_to(OrderStatus.PACKED)
    session.flush()
    order_packed.send(None, order=order, session=session)
    _tell_buyer(session, order, NoticeKind.ORDER_PACKED)
    return order


def _tell_buyer(session: Session, order: Order, kind: NoticeKind) -> None:
    notify(
        session,
        user_id=order.buyer_id,
        kind=kind,
        event_key=f"order:{order.id}:{kind.value}",
        link=("orders.order_page", {"order_id": order.id}),
        goods=order.goods,
        station=f"{order.station_village.name}村站",
    )


def _station_order(session: Session, *, agent: User, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise ShopError("order_not_found")
    if not _at_station(agent, order):
        raise ShopError("not_your_station_order")
    return order


def mark_ready_for_pickup(session: Session, *, agent: User, order_id: int) -> Order:
    """The packed goods are on the buyer's station shelf, waiting for the buyer."""
    order = _station_order(session, agent=agent, order_id=order_id)
    order.move_to(OrderStatus.READY_FOR_PICKUP)
    session.flush()
    _tell_buyer(session, order, NoticeKind.ORDER_READY)
    return order


#: When the agent takes the cash of a pickup order: only once its goods are on the buyer's
#: station shelf. 到站付现金 is paid against the goods, the way a village shop works: money
#: taken before the seller has packed would have to be handed back in cash whenever the seller
#: runs short or the buyer changes their mind, and the till would hold money for goods the
#: station does not have. (A door order's cash is taken by the cadre at the door instead.)
CASH_AT_COUNTER = frozenset({OrderStatus.READY_FOR_PICKUP})


def cash_due(session: Session, order: Order) -> bool:
    """A cash order whose money the agent can take now: its goods wait on the shelf, unpaid."""
    payment = payments.payment_for(session, order.reference)
    return (
        order.status in CASH_AT_COUNTER
        and payment is not None
        and payment.status is PaymentStatus.AWAITING_CASH
    )


def collect_cash(session: Session, *, agent: User, order_id: int) -> Order:
    """The agent takes the order's amount in cash at the counter, with the goods there to
    hand over; it goes on the station's cash statement.

    Not earlier (``not_payable_now``): a village station sells cash against goods, like the
    shop it often is. Cash taken before the seller has packed would sit in the till for goods
    the station does not have, and go back over the counter whenever the seller runs short
    or the buyer changes their mind; the villager would also have paid for something they
    cannot yet see. Online payment is the way to pay ahead."""
    order = _station_order(session, agent=agent, order_id=order_id)
    payment = payments.payment_for(session, order.reference)
    if payment is None or payment.method is not PaymentMethod.CASH:
        raise ShopError("not_cash_order")
    if order.status not in CASH_AT_COUNTER:
        raise ShopError("not_payable_now")
    payments.record_cash(session, payment_id=payment.id, amount_fen=order.total_fen, agent=agent)
    session.flush()
    return order


def hand_over(session: Session, *, agent: User, order_id: int, pickup_code: str = "") -> Order:
    """The buyer collected the goods at the station, telling its pickup code; it must be
    paid by then. (The view counts wrong codes with ``logistics.throttle``.)"""
    order = _station_order(session, agent=agent, order_id=order_id)
    if not is_paid(session, order):
        raise ShopError("cash_not_collected")
    ORDER_TRANSITIONS.check(order.status, OrderStatus.PICKED_UP)
    if order.pickup_code is not None:
        check_code(pickup_code, [order.pickup_code])
    order.move_to(OrderStatus.PICKED_UP)
    session.flush()
    return order


def _order_on_its_way(session: Session, reference: str) -> Order | None:
    """The door order behind a logistics reference, while it is packed or on its way."""
    number = _order_number(reference)
    order = session.get(Order, number) if number is not None else None
    if order is None or order.status not in (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY):
        return None
    return order


def mark_delivered(session: Session, *, reference: str) -> Order | None:
    """Logistics carried the order to the house (sent through its signal)."""
    order = _order_on_its_way(session, reference)
    if order is None:
        return None
    if order.status is OrderStatus.PACKED:
        order.move_to(OrderStatus.OUT_FOR_DELIVERY)
    order.move_to(OrderStatus.DELIVERED)
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
    order.move_to(OrderStatus.READY_FOR_PICKUP)
    order.move_to(OrderStatus.PICKED_UP)
    session.flush()
    return order


def cancel_outcome(session: Session, order: Order) -> OrderStatus:
    """What cancelling would make of the order: refunded when it was paid (the money goes
    back through payments), cancelled when not."""
    return OrderStatus.REFUNDED if is_paid(session, order) else OrderStatus.CANCELLED


def may_cancel(session: Session, *, user: User, order: Order) -> bool:
    """Whether ``user`` may cancel ``order`` now: the transition table must allow the move,
    and the buyer (or whoever placed it) may until the seller packs it, the station's agent
    until it is handed over."""
    if cancel_outcome(session, order) not in ORDER_TRANSITIONS.targets(order.status):
        return False
    if _at_station(user, order):
        return True
    return user.id in (order.buyer_id, order.placed_by_id) and order.status in (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
    )


def cancel(session: Session, *, user: User, order_id: int) -> Order:
    """Cancel (unpaid) or refund (paid, through ``payments.refund_payment``) an order and put
    its goods back on sale; who may and when is ``may_cancel``."""
    order = order_for(session, user=user, order_id=order_id)
    outcome = cancel_outcome(session, order)
    if not may_cancel(session, user=user, order=order):
        if _at_station(user, order):
            ORDER_TRANSITIONS.check(order.status, outcome)  # names the move refused
        raise ShopError("already_packed")
    if outcome is OrderStatus.REFUNDED:
        _refund(session, order, actor=user)
    else:
        order.move_to(OrderStatus.CANCELLED)
        payments.cancel_payment(session, subject_ref=order.reference)
        inventory.return_sold(
            session, reference=order.reference, reason="订单取消", actor_id=user.id
        )
    session.flush()
    return order


def _refund(session: Session, order: Order, *, actor: User | None) -> None:
    """Refund what the buyer paid (the courier fee too), cancel a shipped order's parcel and
    put the goods back on sale. ``actor`` None: the system did it (a missed deadline)."""
    order.move_to(OrderStatus.REFUNDED)
    payments.refund_payment(
        session, subject_ref=order.reference, amount_fen=order.charged_fen, actor=actor
    )
    if order.delivery is Delivery.SHIP:
        outbound_port.cancel_parcel(session, order_id=order.id)
    inventory.return_sold(
        session,
        reference=order.reference,
        reason="订单取消",
        actor_id=actor.id if actor else None,
    )


def cancel_overdue_ship_orders(session: Session, *, now: dt.datetime | None = None) -> list[Order]:
    """Paid shipped orders whose goods did not reach the station by ``ready_by``: refunded
    whole, the buyer and the seller told. Rows are locked as they are taken, so two runs at
    once refund each order once."""
    now = now or utcnow()
    overdue = session.scalars(
        select(Order)
        .where(
            Order.delivery == Delivery.SHIP,
            Order.status == OrderStatus.PAID,
            Order.ready_by < now,
        )
        .order_by(Order.id)
        .with_for_update(skip_locked=True)
    ).all()
    cancelled = []
    for order in overdue:
        if outbound_port.goods_at_station(session, order.id):
            continue
        _refund(session, order, actor=None)
        _tell_overdue(session, order)
        cancelled.append(order)
    session.flush()
    return cancelled


def _tell_overdue(session: Session, order: Order) -> None:
    deadline = ensure_utc(order.ready_by).astimezone(LOCAL_ZONE) if order.ready_by else None
    goods, link = order.goods, ("orders.order_page", {"order_id": order.id})
    notify(
        session,
        user_id=order.buyer_id,
        kind=NoticeKind.SHIP_OVERDUE_BUYER,
        event_key=f"order:{order.id}:overdue",
        link=link,
        goods=goods,
        amount=format_fen(order.charged_fen),
    )
    notify(
        session,
        user_id=order.seller_id,
        kind=NoticeKind.SHIP_OVERDUE_SELLER,
        event_key=f"order:{order.id}:overdue",
        link=link,
        goods=goods,
        deadline=f"{deadline:%m-%d %H:%M}" if deadline else "",
    )


def confirm_overdue_receipts(session: Session, *, now: dt.datetime | None = None) -> list[Order]:
    """Shipped orders nobody confirmed within ``RECEIPT_CONFIRMED_AFTER`` of the handover
    are taken as received (the sale becomes final)."""
    since = (now or utcnow()) - RECEIPT_CONFIRMED_AFTER
    due = session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.SHIPPED, Order.updated_at < since)
        .order_by(Order.id)
        .with_for_update(skip_locked=True)
    ).all()
    for order in due:
        order.move_to(OrderStatus.RECEIVED)
    session.flush()
    return list(due)


# --- assisted ordering (代购) -------------------------------------------------------


def find_villagers(session: Session, *, agent: User, query: str, limit: int = 20) -> Sequence[User]:
    """Villagers of the agent's station villages whose phone or name matches; with nothing
    typed, the station's villagers (the first ``limit`` by name) to pick from."""
    station = select(User).join(Household, User.household_id == Household.id)
    station = station.where(Household.village_id.in_(agent.villages_for(Role.AGENT)))
    text = query.strip()
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        station = station.where(or_(User.phone.like(pattern), User.name.like(pattern)))
    return session.scalars(station.order_by(User.name, User.id).limit(limit)).all()


def villager_for_agent(session: Session, *, agent: User, user_id: int) -> User:
    villager = session.get(User, user_id)
    if (
        villager is None
        or villager.household is None
        or villager.household.village_id not in agent.villages_for(Role.AGENT)
    ):
        raise ShopError("villager_not_found")
    return villager
