"""Demo group-buys in the first village: one open near its next tier, one that
succeeded and one that failed (cash pledges: the demo runs without Stripe keys)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.demo import DemoTownship
from core.models import User, Village
from core.timeutil import utcnow
from payments.models import PaymentMethod
from shop.groupbuys import services
from shop.groupbuys.models import Delivery, GroupBuy
from shop.groupbuys.services import TierSpec

COMPOUND_TIERS = [TierSpec(1, 15_000), TierSpec(50, 14_000), TierSpec(200, 13_200)]
UREA_TIERS = [TierSpec(1, 11_500), TierSpec(30, 10_800)]


def _campaign(
    session: Session,
    agent: User,
    village: Village,
    *,
    title: str,
    sku: str,
    shop_price_fen: int,
    tiers: list[TierSpec],
    min_quantity: int,
    max_quantity: int,
    deadline: dt.datetime | None = None,
    description: str = "",
) -> GroupBuy:
    """A campaign sold by the bag, collected at the station, 20 bags a household at most."""
    return services.open_campaign(
        session,
        organiser=agent,
        village_id=village.id,
        title=title,
        unit="袋",
        sku=sku,
        shop_price_fen=shop_price_fen,
        tiers=tiers,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        per_household_limit=20,
        deadline=deadline or utcnow() + dt.timedelta(days=3),
        delivery=Delivery.PICKUP,
        description=description,
    )


def _pledge_all(
    session: Session, campaign: GroupBuy, households: list[User], quantities: list[int]
) -> None:
    for villager, quantity in zip(households, quantities, strict=False):
        services.pledge(
            session,
            campaign_id=campaign.id,
            user=villager,
            quantity=quantity,
            payment=PaymentMethod.CASH,
        )


def _close_now(session: Session, campaign: GroupBuy) -> None:
    now = utcnow()
    services.claim_for_closing(session, campaign_id=campaign.id, now=now, early=True)
    for pledge_id in services.pledge_ids(session, campaign_id=campaign.id):
        services.settle_pledge(session, pledge_id=pledge_id)
    services.finish_closing(session, campaign_id=campaign.id, now=now)


def load_groupbuy_demo(session: Session, demo: DemoTownship) -> None:
    village, agent = demo.villages[0], demo.agents[0]
    neighbours = [v for v in demo.villagers if v.household and v.household.village_id == village.id]
    spring = _campaign(
        session,
        agent,
        village,
        title="春耕复合肥 45% (50kg)",
        sku="FERT-45-50",
        shop_price_fen=16_000,
        tiers=COMPOUND_TIERS,
        min_quantity=50,
        max_quantity=400,
        description="厂家直供，满 50 袋每袋 ¥140，满 200 袋每袋 ¥132，到村站自提。",
    )
    _pledge_all(session, spring, neighbours[1:12], [5, 3, 4, 6, 2, 8, 4, 3, 5, 4, 2])
    autumn = _campaign(
        session,
        agent,
        village,
        title="秋播复合肥 (50kg)",
        sku="FERT-45-50",
        shop_price_fen=16_000,
        tiers=COMPOUND_TIERS,
        min_quantity=50,
        max_quantity=400,
        deadline=utcnow() + dt.timedelta(hours=1),
    )
    _pledge_all(session, autumn, neighbours[12:24], [6] * 12)
    _close_now(session, autumn)
    urea = _campaign(
        session,
        agent,
        village,
        title="尿素 (40kg)",
        sku="UREA-46-40",
        shop_price_fen=12_000,
        tiers=UREA_TIERS,
        min_quantity=30,
        max_quantity=200,
        deadline=utcnow() + dt.timedelta(hours=1),
    )
    _pledge_all(session, urea, neighbours[24:28], [2, 3, 1, 4])
    _close_now(session, urea)
