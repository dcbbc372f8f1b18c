"""Households are told when a parcel is on the shelf (place and pickup code) and when the
day's plan puts a delivery on a round (with the ETA), once per event."""

from __future__ import annotations

from sqlalchemy import select

from core.notices.models import Notice, NoticeKind, SmsMessage
from core.timeutil import format_local
from logistics import depot
from logistics.models import ParcelStatus
from tests.logistics.conftest import World, plan


def _notices(world: World) -> list[Notice]:
    return list(
        world.db.scalars(
            select(Notice).where(Notice.user_id == world.villager.id).order_by(Notice.id)
        )
    )


def test_a_received_parcel_tells_its_household_the_shelf_and_code(world: World) -> None:
    home = world.villager.household
    assert home is not None
    parcel = world.parcel(home, ParcelStatus.AT_TOWNSHIP_HUB)
    [batch] = depot.consolidate(world.db, township_id=world.village.township_id, day=world.today)
    depot.receive_batch(
        world.db, village_id=world.village.id, batch_id=batch.id, parcel_ids=[parcel.id]
    )
    [notice] = _notices(world)
    assert notice.kind is NoticeKind.PARCEL_ON_SHELF
    assert notice.params == {
        "station": f"{world.village.name}村站",
        "shelf": parcel.shelf,
        "code": parcel.pickup_code,
    }
    assert world.db.scalar(select(SmsMessage.phone).where(SmsMessage.notice_id == notice.id)) == (
        world.villager.phone
    )


def test_a_planned_round_tells_each_household_once_a_day(world: World) -> None:
    home = world.villager.household
    assert home is not None
    world.parcel(home)
    world.parcel(home)
    [round_] = plan(world)
    [notice] = _notices(world)
    eta = round_.stops[0].eta
    assert notice.kind is NoticeKind.DELIVERY_TODAY
    assert notice.params["eta"] == format_local(eta, "%H:%M")
    assert notice.params["goods"].count("快递包裹") == 2
    plan(world)  # re-planned the same day: no second message
    assert len(_notices(world)) == 1
