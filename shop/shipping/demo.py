"""Demo data of produce to the city: every station ships from 湖南 with a courier tariff,
the eggs, rice, tea, honey and cured meat of the demo farmers ship (the eggs as
perishables), two city buyers (深圳, 北京) keep addresses, and a villager keeps his son's
address in 广州.

Shipped orders are placed only when both halves they need are there: online payments (a
Stripe key, e.g. localstripe) and the outbound half of logistics (``logistics.outbound``,
merged from its own branch). Without them the demo has the buyers and addresses, no orders.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import sign_up_buyer
from core.demo import DEMO_PASSWORD, DemoTownship, demo_phone
from core.models import User
from payments.models import PaymentMethod
from payments.services import online_payments_available
from shop.buyers import services as buyers
from shop.buyers.models import Address
from shop.catalog.models import Category, ListingStatus, Product
from shop.orders import services as orders
from shop.orders.models import Delivery
from shop.shipping import outbound_port, services
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


def load_shipping_demo(session: Session, demo: DemoTownship) -> None:
    for village in demo.villages:
        services.set_tariff(
            session, village_id=village.id, province_code=DEMO_PROVINCE, rates=DEMO_RATES
        )
    shipped = _ship_listed_products(session)
    city_buyers = _buyers(session, demo)
    if not (online_payments_available() and outbound_port.outbound is not None):
        return
    non_perishable = [p for p in shipped if p.max_journey_days is None]
    eggs = [p for p in shipped if p.category is Category.EGGS and p.max_journey_days]
    for (buyer, address), product in zip(
        city_buyers, [*eggs[:1], *non_perishable[:1]], strict=False
    ):
        orders.place_orders(
            session,
            buyer=buyer,
            placed_by=buyer,
            lines=[orders.LineInput(product.id, 2)],
            delivery=Delivery.SHIP,
            payment=PaymentMethod.ONLINE,
            address=address,
        )
