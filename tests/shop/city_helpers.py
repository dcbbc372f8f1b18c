"""Factories of the city-orders tests: a station that ships, listings that ship, and the
real outbound steps of logistics (``logistics.outbound``) that take a paid order's parcel from
the station to the courier."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import User, Village
from logistics.models import Courier, OutboundParcel
from logistics.outbound import parcels
from payments.models import PaymentMethod
from payments.services import open_online_intent, payment_for
from shop.buyers.services import AddressInput, add_address
from shop.catalog import services as catalog
from shop.catalog.models import Category, Product, Unit
from shop.orders import services as orders
from shop.orders.models import Delivery, Order
from shop.shipping import services as shipping
from shop.shipping.models import Zone

#: 湖南 (43) ships: ¥8/¥3 in the province, ¥10/¥5 to neighbours (广东), ¥12/¥8 far
#: (北京), ¥20/¥15 to remote provinces (新疆), with 1, 2, 3 and 5 days on the road.
RATES = {
    Zone.SAME_PROVINCE: shipping.RateInput(800, 300, 1),
    Zone.NEIGHBOURING: shipping.RateInput(1000, 500, 2),
    Zone.FAR: shipping.RateInput(1200, 800, 3),
    Zone.REMOTE: shipping.RateInput(2000, 1500, 5),
}
SHENZHEN, BEIJING, URUMQI = "440305", "110105", "650102"


def ships_from(db: Session, village: Village) -> None:
    shipping.set_tariff(db, village_id=village.id, province_code="43", rates=RATES)


def shipped_product(
    db: Session,
    farmer: User,
    agent: User,
    *,
    title: str = "土鸡蛋",
    price_fen: int = 3800,
    ships: bool = True,
    packed_weight_g: int | None = 1500,
    max_journey_days: int | None = None,
    stock: int = 20,
) -> Product:
    assert farmer.household is not None
    product = catalog.create_listing(
        db,
        seller=farmer,
        data=catalog.ListingInput(
            title=title,
            description="散养",
            category=Category.EGGS,
            unit=Unit.BOX,
            price_fen=price_fen,
            origin_village_id=farmer.household.village_id,
            ships=ships,
            packed_weight_g=packed_weight_g,
            max_journey_days=max_journey_days,
        ),
    )
    catalog.add_stock(db, seller=farmer, product_id=product.id, quantity=stock)
    catalog.submit_for_review(db, seller=farmer, product_id=product.id)
    return catalog.approve(db, agent=agent, product_id=product.id)


def paid_ship_order(db: Session, buyer: User, product: Product, quantity: int = 1) -> Order:
    """The buyer's order of ``quantity`` of ``product`` shipped to an address in 深圳, paid by
    card through the installed online gateway (the ``stripe_gateway`` fixture), so its
    outbound parcel is open and awaits the goods."""
    address = add_address(
        db, user=buyer, data=AddressInput("陈", "13800138000", SHENZHEN, "科技园路 1 号")
    )
    [order] = orders.place_orders(
        db,
        buyer=buyer,
        placed_by=buyer,
        lines=[orders.LineInput(product.id, quantity)],
        delivery=Delivery.SHIP,
        payment=PaymentMethod.ONLINE,
        address=address,
    )
    payment = payment_for(db, order.reference)
    assert payment is not None
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")
    return order


def parcel_of(db: Session, order_id: int) -> OutboundParcel:
    """The order's real outbound parcel (opened by ``logistics.outbound`` when it was paid)."""
    return parcels.parcel_of_order(db, order_id)


def bring_to_station(db: Session, order_id: int, agent: User) -> OutboundParcel:
    """The farmer brought the goods in; the agent receives them."""
    parcel = parcel_of(db, order_id)
    parcels.receive_goods(db, agent=agent, village_id=parcel.station_id, parcel_id=parcel.id)
    return parcel


def hand_over(
    db: Session, order_id: int, agent: User, dispatcher: User, waybill: str = "ZT7700123"
) -> OutboundParcel:
    """Goods at the station to the courier through every real step: packed, the van, the hub,
    the courier (which sends ``outbound_handed_over``)."""
    parcel = parcel_of(db, order_id)
    station, township = parcel.station_id, parcel.station.township_id
    parcels.pack(db, agent=agent, village_id=station, parcel_id=parcel.id, weight_g=1900)
    parcels.load_on_van(db, agent=agent, village_id=station, parcel_ids=[parcel.id])
    parcels.receive_at_hub(db, dispatcher=dispatcher, township_id=township, parcel_ids=[parcel.id])
    return parcels.hand_to_courier(
        db,
        dispatcher=dispatcher,
        township_id=township,
        parcel_id=parcel.id,
        courier=Courier.ZTO,
        waybill=waybill,
    )
