"""Factories of the city-orders tests: a station that ships, listings that ship, and a test
double of the outbound half of logistics.

``FakeOutbound`` stands in for ``logistics.outbound`` (built on the ``cityship`` branch) in
THIS branch's tests only: it is replaced by the real ``logistics.outbound`` after the merge.
It implements exactly the agreed interface and records the calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.models import User, Village
from shop.catalog import services as catalog
from shop.catalog.models import Category, Product, Unit
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


@dataclass
class FakeTracking:
    status: str
    courier: str | None
    waybill: str | None
    tracking_url: str | None
    steps: list[tuple[dt.datetime, str]]


@dataclass
class FakeOutbound:
    """Replaced by the real ``logistics.outbound`` after the merge (see the module's doc)."""

    opened: dict[int, dict[str, Any]] = field(default_factory=dict)
    collections: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    handed_over: dict[int, tuple[str, str]] = field(default_factory=dict)
    at_station: set[int] = field(default_factory=set)  # orders whose goods reached it

    def open_outbound(self, session: Session, *, order_id: int, **fields: Any) -> int:
        self.opened.setdefault(order_id, fields)
        return 1000 + order_id

    def request_collection(self, session: Session, *, order_id: int) -> None:
        self.collections.append(order_id)

    def tracking_for_order(self, session: Session, order_id: int) -> FakeTracking | None:
        if order_id not in self.opened:
            return None
        courier, waybill = self.handed_over.get(order_id, (None, None))
        url = f"https://courier.example/track/{waybill}" if waybill else None
        arrived = waybill or order_id in self.at_station
        return FakeTracking(
            "at_station" if arrived else "awaiting_goods", courier, waybill, url, []
        )

    def cancel_outbound(self, session: Session, *, order_id: int) -> None:
        self.cancelled.append(order_id)
