"""Demo data: today's parcels for the demo township, produce to collect, and planned rounds.

About 300 downlink parcels: most already on the station shelves (with pickup codes), some
waiting at the hub for the trunk run, a few only announced by a courier's manifest and a few
that match no household; 30 lots of farmers' produce; one e-bike per cadre; a month of
history for the dispatcher's chart; the township's lanes and roads written as an OpenStreetMap
file in ``ROADS_DIR`` (``core.demo_roads``); and today's rounds planned with ``routing`` on
those roads.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

import routing
from core.demo import HUB, DemoTownship
from core.models import Household
from core.settings import Settings
from core.timeutil import local_today
from logistics import planning
from logistics.depot import put_on_shelf
from logistics.models import (
    Courier,
    DeliveryWindow,
    Parcel,
    ParcelStatus,
    Priority,
    Uplink,
    UplinkStatus,
    Vehicle,
)
from logistics.timing import instant
from routing.roads.osm_xml import write_osm

ON_SHELF_TODAY = 260
AT_HUB = 25
ANNOUNCED = 10
UNMATCHED = 5
UPLINKS = 30
HISTORY_DAYS = 29
# A fixed list (not every member) so that a new courier does not change the seeded demo.
COURIERS = [
    Courier.SF,
    Courier.EMS,
    Courier.ZTO,
    Courier.YTO,
    Courier.STO,
    Courier.YUNDA,
    Courier.JD,
]
GOODS = ("衣服", "手机壳", "种子", "农药喷头", "奶粉", "书", "电饭煲", "鞋", "降压药", "茶叶")
PRODUCE = ("土鸡蛋 3 箱", "脐橙 2 筐", "腊肉 10 斤", "蜂蜜 6 瓶", "新米 50 斤", "鲜笋 1 筐")
DEMO_PLAN = routing.SolveOptions(seconds=0.6, workers=1)
DEMO_EXTRACT = "baisha-demo.osm"


class _Numbers:
    """Tracking numbers that look like a courier's and never repeat."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.count = 0

    def next(self, courier: Courier) -> str:
        self.count += 1
        return f"{courier.value}{self.day:%y%m%d}{self.count:06d}"


def _parcel(
    rng: random.Random,
    numbers: _Numbers,
    household: Household | None,
    status: ParcelStatus,
    township_id: int,
) -> Parcel:
    courier = rng.choice(COURIERS)
    goods = rng.choice(GOODS)
    return Parcel(
        courier=courier,
        tracking_no=numbers.next(courier),
        recipient_name=household.head_name if household else "李女士",
        recipient_phone=household.phone if household else f"1880000{rng.randint(0, 9999):04d}",
        weight_g=rng.randint(200, 8_000),
        description=goods,
        priority=Priority.MEDICINE if goods == "降压药" else Priority.NORMAL,
        household_id=household.id if household else None,
        village_id=household.village_id if household else None,
        township_id=township_id,
        status=status,
    )


def _todays_parcels(session: Session, demo: DemoTownship, day: dt.date) -> None:
    rng, township_id = demo.rng, demo.township.id
    numbers = _Numbers(day)
    homes = rng.sample(demo.households, 200)  # some households get two or three parcels
    recipients = [rng.choice(homes) for _ in range(ON_SHELF_TODAY + AT_HUB + ANNOUNCED)]
    first_villager = demo.villagers[0].household  # 13900000001 has a parcel to look at
    if first_villager is not None:
        recipients[0] = first_villager
    shelf = [
        _parcel(rng, numbers, h, ParcelStatus.AT_VILLAGE_DEPOT, township_id)
        for h in recipients[:ON_SHELF_TODAY]
    ]
    hub = [
        _parcel(rng, numbers, h, ParcelStatus.AT_TOWNSHIP_HUB, township_id)
        for h in recipients[ON_SHELF_TODAY : ON_SHELF_TODAY + AT_HUB]
    ]
    announced = [
        _parcel(rng, numbers, h, ParcelStatus.ANNOUNCED, township_id)
        for h in recipients[ON_SHELF_TODAY + AT_HUB :]
    ]
    unmatched = [
        _parcel(rng, numbers, None, ParcelStatus.AT_TOWNSHIP_HUB, township_id)
        for _ in range(UNMATCHED)
    ]
    session.add_all(shelf + hub + announced + unmatched)
    session.flush()
    put_on_shelf(session, parcels=shelf)


def _uplinks(session: Session, demo: DemoTownship) -> None:
    rng = demo.rng
    for farmer in demo.farmers[:UPLINKS]:
        household = farmer.household
        assert household is not None
        produce = rng.choice(PRODUCE)
        session.add(
            Uplink(
                household_id=household.id,
                village_id=household.village_id,
                description=produce,
                estimated_weight_g=rng.randint(5, 30) * 1_000,
                perishable=produce.startswith(("鲜", "土鸡蛋")),
            )
        )


def _fleet_and_windows(session: Session, demo: DemoTownship) -> None:
    for number, cadre in enumerate(demo.cadres, 1):
        session.add(
            Vehicle(
                name=f"电动三轮车 {number} 号",
                cadre_id=cadre.id,
                capacity_g=150_000,
                capacity_parcels=40,
            )
        )
    for household in demo.rng.sample(demo.households, 40):  # some ask for a time of day
        start = demo.rng.choice((9 * 60, 10 * 60, 15 * 60, 16 * 60))
        session.add(
            DeliveryWindow(household_id=household.id, start_minute=start, end_minute=start + 90)
        )


def _history(session: Session, demo: DemoTownship, today: dt.date) -> None:
    """A month of finished work so the dispatcher's 30-day chart has something to show."""
    rng, numbers = demo.rng, _Numbers(today - dt.timedelta(days=HISTORY_DAYS + 1))
    for back in range(1, HISTORY_DAYS + 1):
        day = today - dt.timedelta(days=back)
        for _ in range(rng.randint(12, 40)):
            home = rng.choice(demo.households)
            parcel = _parcel(rng, numbers, home, ParcelStatus.DELIVERED, demo.township.id)
            parcel.finished_at = instant(day, rng.randint(9 * 3600, 17 * 3600))
            session.add(parcel)
        for farmer in rng.sample(demo.farmers, rng.randint(0, 6)):
            assert farmer.household is not None
            session.add(
                Uplink(
                    household_id=farmer.household.id,
                    village_id=farmer.household.village_id,
                    description=rng.choice(PRODUCE),
                    estimated_weight_g=10_000,
                    weight_g=rng.randint(5, 30) * 1_000,
                    status=UplinkStatus.COLLECTED,
                    collected_at=instant(day, rng.randint(9 * 3600, 17 * 3600)),
                )
            )


def _road_map(demo: DemoTownship) -> None:
    """The township's roads as its extract, so that its rounds are planned on them."""
    roads_dir = Settings.from_env().roads_dir
    roads_dir.mkdir(parents=True, exist_ok=True)
    write_osm(roads_dir / DEMO_EXTRACT, demo.roads, routing.Place(HUB.lat, HUB.lon))
    demo.township.osm_extract = DEMO_EXTRACT


def load_logistics_demo(session: Session, demo: DemoTownship) -> None:
    """The demo step (see ``shop.demo.DEMO_STEPS``)."""
    today = local_today()
    _road_map(demo)
    _fleet_and_windows(session, demo)
    _todays_parcels(session, demo, today)
    _uplinks(session, demo)
    _history(session, demo, today)
    session.flush()
    runs = planning.start_runs(session, village_ids=[v.id for v in demo.villages], day=today)
    planning.plan_runs_inline(session, runs=runs, options=DEMO_PLAN)
