"""Factories for group-buy tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from core.timeutil import utcnow
from shop.groupbuys.models import Delivery, GroupBuy
from shop.groupbuys.services import TierSpec, open_campaign

FERTILISER_TIERS = [TierSpec(1, 15_000), TierSpec(50, 14_000), TierSpec(200, 13_200)]


def campaign_in(session: Session, *, agent: User, village_id: int, **overrides: Any) -> GroupBuy:
    fields: dict[str, Any] = {
        "title": "复合肥 45% 50kg",
        "unit": "袋",
        "sku": "FERT-45-50",
        "shop_price_fen": 16_000,
        "tiers": FERTILISER_TIERS,
        "min_quantity": 50,
        "max_quantity": 300,
        "per_household_limit": 20,
        "deadline": utcnow() + dt.timedelta(days=3),
        "delivery": Delivery.PICKUP,
    }
    fields.update(overrides)
    return open_campaign(session, organiser=agent, village_id=village_id, **fields)


@pytest.fixture
def station(make_village: Callable[..., Village]) -> Village:
    return make_village()


@pytest.fixture
def agent(make_user: Callable[..., User], station: Village) -> User:
    return make_user(Role.AGENT, village=station, name="代办员")


@pytest.fixture
def make_campaign(db: Session, agent: User, station: Village) -> Callable[..., GroupBuy]:
    def make(**overrides: Any) -> GroupBuy:
        return campaign_in(db, agent=agent, village_id=station.id, **overrides)

    return make


@pytest.fixture
def villager(make_user: Callable[..., User], station: Village) -> Callable[..., User]:
    """``villager()`` → a new household of the campaign's village."""

    def make(name: str = "村民") -> User:
        return make_user(Role.VILLAGER, village=station, name=name)

    return make
