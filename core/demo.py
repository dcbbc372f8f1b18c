"""A seeded, deterministic demo township: hub, 12 villages with stations, ~600 households
along village lanes, and the demo accounts listed in DESIGN.md and the README.

Later packages add their demo data as further steps (see ``shop.demo``) on the
``DemoTownship`` this returns.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.demo_roads import (
    HILL_VILLAGE,
    HOUSE_CLEAR_OF_RIVER_M,
    LANE,
    LANE_PAST_LAST_HOUSE_M,
    RIVER_VILLAGE,
    Metres,
    River,
    Way,
    along,
    bearing_between,
    road_starts,
    township_roads,
)
from core.geo import Point, offset
from core.models import County, Household, Role, Township, User, Village
from core.passwords import hash_password
from core.services import create_user, grant_role

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo data only, printed by `make run`
HUB = Point(28.196, 112.973)
#: Opening hours of the demo stations (the agents keep other hours in some villages).
STATION_HOURS = ("每天 8:00-18:00", "每天 7:30-12:00、14:00-19:00", "周一至周六 8:30-17:30")
VILLAGE_NAMES = (
    "桃源村",
    "荷塘村",
    "柳溪村",
    "石门村",
    "稻香村",
    "竹林村",
    "枫树村",
    "梅岭村",
    "茶山村",
    "鸭湖村",
    "莲花村",
    "杏花村",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "建国华明伟芳秀英军平兰红春桂珍海燕丽强勇玉梅霞林金凤云志德福贵荣"
LANDMARKS = ("大樟树", "小卖部", "晒谷坪", "水塘", "祠堂", "老井", "石桥", "村小学")
DOORS = ("红色大门", "两层白楼", "门口有葡萄架", "院里养鸭", "门前停农用车", "蓝色铁门")
HOUSEHOLDS_PER_VILLAGE = 50
FIRST_BLOCK_VILLAGERS = 100  # 13900000001-13900000100; further villagers from 13910000001
FARMERS = 30
CADRES = 6


@dataclass
class DemoTownship:
    """What the township step made, for the steps of other packages to build on."""

    rng: random.Random
    township: Township
    villages: list[Village]
    households: list[Household]
    #: The lanes and roads in metres east and north of ``HUB`` (``core.demo_roads``).
    roads: list[Way] = field(default_factory=list)
    villagers: list[User] = field(default_factory=list)
    farmers: list[User] = field(default_factory=list)
    agents: list[User] = field(default_factory=list)
    cadres: list[User] = field(default_factory=list)
    dispatcher: User | None = None
    admin: User | None = None
    county_admin: User | None = None


def demo_phone(role_block: int, index: int) -> str:
    """``demo_phone(1, 3)`` is 13900000103: the block is the hundreds digit of the role
    (the demo accounts in the README)."""
    return f"139000{role_block * 100 + index:05d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _village_centres(rng: random.Random) -> list[Metres]:
    """12 points 2-8 km from the hub, at least 2 km from one another (metres from the hub)."""
    centres: list[Metres] = []
    while len(centres) < len(VILLAGE_NAMES):
        bearing = rng.uniform(0, 2 * math.pi)
        radius = rng.uniform(2_000, 8_000)
        candidate = along((0.0, 0.0), bearing, radius)
        if all(math.dist(candidate, other) >= 2_000 for other in centres):
            centres.append(candidate)
    return centres


def _at(metres: Metres) -> Point:
    return offset(HUB, north_m=metres[1], east_m=metres[0])


def _lane_homes(
    rng: random.Random, centre: Metres, count: int, river: River | None
) -> tuple[list[Point], list[Way]]:
    """Houses strung along 3-4 lanes leaving the village centre, 30-80 m apart, and the lanes.

    With a ``river``, the first lane runs straight at it and on past the water (its houses stand
    on both banks), the others turn away from it.
    """
    lanes = [rng.uniform(0, 2 * math.pi) for _ in range(rng.choice((3, 4)))]
    if river is not None:
        lanes = [river.bearing, *(river.away(drawn) for drawn in lanes[1:])]
    homes, forward = [], [60.0] * len(lanes)
    for number in range(count):
        lane = number % len(lanes)
        forward[lane] += rng.uniform(30, 80)
        if river is not None and lane == 0 and river.too_close(forward[lane]):
            forward[lane] += 2 * HOUSE_CLEAR_OF_RIVER_M
        side = rng.choice((-1, 1)) * rng.uniform(8, 25)
        homes.append(_at(along(centre, lanes[lane], forward[lane], side)))
    ends = [f + LANE_PAST_LAST_HOUSE_M for f in forward]
    ways: list[Way] = [
        ([centre, along(centre, bearing, end)], LANE)
        for bearing, end in zip(lanes, ends, strict=True)
    ]
    if river is not None:
        ways = river.ways(ends[0]) + ways[1:]
    return homes, ways


def _build_places(session: Session, centres: list[Metres]) -> tuple[Township, list[Village]]:
    county = County(name="青山县")
    township = Township(
        county=county,
        name="白沙镇",
        hub_address="白沙镇快递共配中心（镇政府东侧）",
        lat=HUB.lat,
        lon=HUB.lon,
    )
    villages = [
        Village(
            township=township,
            name=name,
            station_address=f"{name}村委会一楼村站",
            station_hours=STATION_HOURS[number % len(STATION_HOURS)],
            lat=point.lat,
            lon=point.lon,
        )
        for number, (name, point) in enumerate(zip(VILLAGE_NAMES, map(_at, centres), strict=True))
    ]
    session.add(county)
    session.flush()
    return township, villages


def _build_households(
    session: Session, rng: random.Random, villages: list[Village], centres: list[Metres]
) -> tuple[list[Household], list[Way]]:
    """The households along each village's lanes, and every lane and road of the township."""
    river_village = VILLAGE_NAMES.index(RIVER_VILLAGE)
    starts = road_starts((0.0, 0.0), centres, river_village)
    households: list[Household] = []
    roads = township_roads((0.0, 0.0), centres, river_village, VILLAGE_NAMES.index(HILL_VILLAGE))
    for index, (village, centre) in enumerate(zip(villages, centres, strict=True)):
        river = None
        if index == river_village:  # the far side, away from where the road comes in
            river = River(centre, bearing_between(starts[index], centre))
        homes, lanes = _lane_homes(rng, centre, HOUSEHOLDS_PER_VILLAGE, river)
        roads += lanes
        for number, home in enumerate(homes, 1):
            households.append(
                Household(
                    village=village,
                    head_name=person_name(rng),
                    phone="",
                    address=f"{village.name}{number % 6 + 1}组{number}号",
                    directions=f"{rng.choice(LANDMARKS)}往{rng.choice('东南西北')}"
                    f"第{rng.randint(1, 4)}家，{rng.choice(DOORS)}",
                    lat=home.lat,
                    lon=home.lon,
                )
            )
    session.add_all(households)
    session.flush()
    return households, roads


def _account(
    session: Session, phone: str, name: str, password_hash: str, household: Household | None = None
) -> User:
    if household is not None:
        household.phone = phone
    return create_user(
        session, phone=phone, name=name, password_hash=password_hash, household=household
    )


def _household_accounts(session: Session, demo: DemoTownship, password_hash: str) -> None:
    """Every household head gets an account: 30 of them are farmers, the rest villagers."""
    farmer_homes = set(demo.rng.sample(range(FIRST_BLOCK_VILLAGERS, len(demo.households)), FARMERS))
    villager_number = 0
    for index, household in enumerate(demo.households):
        if index in farmer_homes:
            phone = demo_phone(1, len(demo.farmers) + 1)
            user = _account(session, phone, household.head_name, password_hash, household)
            grant_role(session, user=user, role=Role.FARMER, village=household.village)
            demo.farmers.append(user)
        else:
            villager_number += 1
            phone = (
                demo_phone(0, villager_number)
                if villager_number <= FIRST_BLOCK_VILLAGERS
                else f"1391{villager_number:07d}"
            )
            user = _account(session, phone, household.head_name, password_hash, household)
            demo.villagers.append(user)
        grant_role(session, user=user, role=Role.VILLAGER, village=household.village)


def _staff_accounts(session: Session, demo: DemoTownship, password_hash: str) -> None:
    rng = demo.rng
    for number, village in enumerate(demo.villages, 1):
        agent = _account(session, demo_phone(2, number), person_name(rng), password_hash)
        grant_role(session, user=agent, role=Role.AGENT, village=village)
        demo.agents.append(agent)
    per_cadre = len(demo.villages) // CADRES
    for number in range(1, CADRES + 1):
        cadre = _account(session, demo_phone(3, number), person_name(rng), password_hash)
        for village in demo.villages[(number - 1) * per_cadre : number * per_cadre]:
            grant_role(session, user=cadre, role=Role.CADRE, village=village)
        demo.cadres.append(cadre)
    demo.dispatcher = _account(session, demo_phone(4, 1), person_name(rng), password_hash)
    grant_role(session, user=demo.dispatcher, role=Role.DISPATCHER, township_id=demo.township.id)
    demo.admin = _account(session, demo_phone(5, 1), "系统管理员", password_hash)
    grant_role(session, user=demo.admin, role=Role.ADMIN)
    demo.county_admin = _account(session, demo_phone(7, 1), "县级管理员", password_hash)
    grant_role(
        session, user=demo.county_admin, role=Role.COUNTY_ADMIN, county_id=demo.township.county_id
    )


def build_township(session: Session, *, seed: int = 2026) -> DemoTownship:
    """Create the demo township and its accounts. Deterministic for a given seed."""
    rng = random.Random(seed)
    centres = _village_centres(rng)
    township, villages = _build_places(session, centres)
    households, roads = _build_households(session, rng, villages, centres)
    demo = DemoTownship(
        rng=rng, township=township, villages=villages, households=households, roads=roads
    )
    # One hash for every demo account: argon2 takes ~0.1 s a hash, and this is demo data.
    password_hash = hash_password(DEMO_PASSWORD)
    _household_accounts(session, demo, password_hash)
    _staff_accounts(session, demo, password_hash)
    return demo
