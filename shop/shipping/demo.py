"""Demo data of produce to the city: every station ships from 湖南 with a courier tariff,
the eggs, rice, tea, honey and cured meat of the demo farmers ship (the eggs as
perishables), two city buyers (深圳, 北京) keep addresses, and a villager keeps his son's
address in 广州.

With online payments (a Stripe key, e.g. localstripe) the city buyers also have ship orders
in every state, moved there by the real services: one waiting for payment, paid and waiting
for the goods, waiting for the cadre's collection, packed at the station, with the courier,
and received. Without online payments the demo has the buyers and addresses, no orders.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import sign_up_buyer
from core.demo import DEMO_PASSWORD, DemoTownship, demo_phone
from core.models import User
from logistics.models import Courier
from logistics.outbound import parcels
from payments.models import PaymentMethod
from payments.services import get_payment, online_payments_available, open_online_intent
from shop.buyers import services as buyers
from shop.buyers.models import Address
from shop.catalog.models import Category, ListingStatus, Product
from shop.orders import services as orders
from shop.orders.models import Delivery, Order
from shop.shipping import services
from shop.shipping.models import Zone

DEMO_PROVINCE = "43"  # 湖南 (the demo county's stations, like 桃江's)
DEMO_RATES = {
    Zone.SAME_PROVINCE: services.RateInput(800, 200, 1),
    Zone.NEIGHBOURING: services.RateInput(1000, 500, 2),
    Zone.FAR: services.RateInput(1200, 800, 3),
    Zone.REMOTE: services.RateInput(2000, 1500, 5),
}
#: What ships, by words in the title: packed weight per unit (g) and, for perishables,
#: the longest journey in days.
SHIPS = {
    "土鸡蛋": (900, 4),  # a tray of eggs in a padded box
    "咸鸭蛋": (300, None),
    "香米": (600, None),
    "绿茶": (400, None),
    "红茶": (400, None),
    "土蜂蜜": (700, None),
    "腊肉": (600, None),
}
# (phone block index, name, recipient, district code, street)
CITY_BUYERS = [
    (1, "陈晓梅", "陈晓梅", "440305", "科技园南区高新南七道 9 号 3 栋 1201"),
    (2, "刘建国", "刘建国", "110105", "望京街道阜通东大街 6 号院 2 号楼 808"),
]
RELATIVE_ADDRESS = ("王小军", "440106", "天河路 385 号 1502")  # a villager's son in 广州


def _ship_listed_products(session: Session) -> list[Product]:
    shipped = []
    for product in session.scalars(select(Product).where(Product.status == ListingStatus.LISTED)):
        for words, (weight, days) in SHIPS.items():
            if words in product.title:
                product.ships, product.packed_weight_g, product.max_journey_days = (
                    True,
                    weight,
                    days,
                )
                shipped.append(product)
    session.flush()
    return shipped


def _buyers(session: Session, demo: DemoTownship) -> list[tuple[User, Address]]:
    made = []
    for index, name, recipient, code, street in CITY_BUYERS:
        phone = demo_phone(6, index)
        buyer = sign_up_buyer(session, phone=phone, password=DEMO_PASSWORD, name=name)
        data = buyers.AddressInput(recipient, phone, code, street)
        made.append((buyer, buyers.add_address(session, user=buyer, data=data)))
    villager = demo.villagers[0]
    name, code, street = RELATIVE_ADDRESS
    buyers.add_address(
        session, user=villager, data=buyers.AddressInput(name, "13700000001", code, street)
    )
    return made


def _pay(session: Session, demo: DemoTownship, order: Order) -> None:
    """Paid by card (what Stripe.js does on the pay page): the order opens its parcel."""
    payment = get_payment(session, order.reference)
    open_online_intent(session, payment_id=payment.id, payment_method="pm_card_visa")


def _ask_collection(session: Session, demo: DemoTownship, order: Order) -> None:
    orders.request_collection(session, seller=order.seller, order_id=order.id)


def _station_agent(demo: DemoTownship, order: Order) -> User:
    return demo.agents[[v.id for v in demo.villages].index(order.station_village_id)]


def _bring_in_and_pack(session: Session, demo: DemoTownship, order: Order) -> None:
    agent, parcel = _station_agent(demo, order), parcels.parcel_of_order(session, order.id)
    station = order.station_village_id
    parcels.receive_goods(session, agent=agent, village_id=station, parcel_id=parcel.id)
    weight = parcel.weight_g + 150  # the box and its padding
    parcels.pack(session, agent=agent, village_id=station, parcel_id=parcel.id, weight_g=weight)


def _hand_to_courier(session: Session, demo: DemoTownship, order: Order) -> None:
    agent, parcel = _station_agent(demo, order), parcels.parcel_of_order(session, order.id)
    assert demo.dispatcher is not None, "the township step makes the dispatcher"
    township = demo.township.id
    parcels.load_on_van(
        session, agent=agent, village_id=order.station_village_id, parcel_ids=[parcel.id]
    )
    parcels.receive_at_hub(
        session, dispatcher=demo.dispatcher, township_id=township, parcel_ids=[parcel.id]
    )
    parcels.hand_to_courier(
        session,
        dispatcher=demo.dispatcher,
        township_id=township,
        parcel_id=parcel.id,
        courier=Courier.ZTO,
        waybill=f"7731{order.id:08d}",
    )


def _confirm_receipt(session: Session, demo: DemoTownship, order: Order) -> None:
    orders.confirm_receipt(session, user=order.buyer, order_id=order.id)


Step = Callable[[Session, DemoTownship, Order], None]
#: The demo's ship orders, one per state: the steps each went through.
ORDER_STAGES: list[tuple[Step, ...]] = [
    (),  # waiting for payment
    (_pay,),  # waiting for the farmer to bring the goods
    (_pay, _ask_collection),  # the cadre collects them on the next round
    (_pay, _bring_in_and_pack),
    (_pay, _bring_in_and_pack, _hand_to_courier),
    (_pay, _bring_in_and_pack, _hand_to_courier, _confirm_receipt),
]


def _ship_orders(
    session: Session,
    demo: DemoTownship,
    city_buyers: list[tuple[User, Address]],
    shipped: list[Product],
) -> None:
    """One ship order in each state, the buyers and products taken in turn (eggs first)."""
    eggs = [p for p in shipped if p.category is Category.EGGS and p.max_journey_days]
    products = [*eggs[:1], *(p for p in shipped if p.max_journey_days is None)]
    for number, steps in enumerate(ORDER_STAGES):
        buyer, address = city_buyers[number % len(city_buyers)]
        [order] = orders.place_orders(
            session,
            buyer=buyer,
            placed_by=buyer,
            lines=[orders.LineInput(products[number % len(products)].id, 1)],
            delivery=Delivery.SHIP,
            payment=PaymentMethod.ONLINE,
            address=address,
        )
        for step in steps:
            step(session, demo, order)


def load_shipping_demo(session: Session, demo: DemoTownship) -> None:
    for village in demo.villages:
        services.set_tariff(
            session, village_id=village.id, province_code=DEMO_PROVINCE, rates=DEMO_RATES
        )
    shipped = _ship_listed_products(session)
    city_buyers = _buyers(session, demo)
    if online_payments_available():
        _ship_orders(session, demo, city_buyers, shipped)
