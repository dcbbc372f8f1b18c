"""A county-sized demo (``flask --app shop.app demo load --townships N --villages M
--households H``): townships, villages, households, a cadre with an e-bike for every two
villages, a dispatcher per township, the county manager, and a morning's parcels at the
township hubs, written with bulk inserts (one multi-row ``INSERT … RETURNING`` per batch,
never a row at a time), so a county of 1,200 villages loads in minutes.

``make run`` keeps the small demo township (``shop.demo.load_demo``): its orders, group-buys
and history are not made here yet.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.demo import DEMO_PASSWORD, DOORS, GIVEN, LANDMARKS, SURNAMES, demo_phone
from core.geo import Point, offset
from core.models import County, Household, Role, RoleGrant, Township, User, Village
from core.passwords import hash_password
from logistics.models import Courier, Parcel, ParcelStatus, Vehicle

#: The county seat; townships lie on a grid around it, villages around their township.
SEAT = Point(28.2, 112.9)
TOWNSHIP_SPACING_M = 15_000
VILLAGE_SPACING_M = 2_500
#: Parcels arriving for a village in a morning, per household.
PARCELS_PER_HOUSEHOLD = 0.08
VILLAGES_PER_CADRE = 2
#: Rows a bulk insert sends at once.
BATCH = 5_000
#: Characters of place names, each once (names must differ within a township).
NAME_CHARACTERS = "".join(
    dict.fromkeys("青石白沙桃花柳溪荷塘梅岭竹林松山枫树杏莲茶园稻香龙泉凤凰金盆玉屏")
)
CADRE_PHONE_BASE = 13700000000
DISPATCHER_PHONE_BASE = 13710000000


@dataclass(frozen=True)
class CountySize:
    townships: int
    villages: int  # per township
    households: int  # per village


@dataclass(frozen=True)
class CountyDemo:
    county_id: int
    townships: int
    villages: int
    households: int
    cadres: int
    parcels: int


def _place_name(number: int, suffix: str) -> str:
    """A two-character place name, distinct for every number (numbered past the squares)."""
    size = len(NAME_CHARACTERS)
    first, second = NAME_CHARACTERS[number % size], NAME_CHARACTERS[(number // size) % size]
    extra = "" if number < size * size else str(number // (size * size))
    return f"{first}{second}{extra}{suffix}"


def _grid(centre: Point, index: int, count: int, spacing_m: float) -> Point:
    side = max(1, round(count**0.5))
    row, column = divmod(index, side)
    return offset(
        centre, north_m=(row - side / 2) * spacing_m, east_m=(column - side / 2) * spacing_m
    )


def _batches(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in batches; their ids, in the order of ``rows``."""
    ids: list[int] = []
    for batch in _batches(rows):
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids.extend(session.scalars(statement, list(batch)))
    return ids


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def build_county(session: Session, size: CountySize, *, seed: int = 2026) -> CountyDemo:
    """Build a county of ``size`` in bulk; deterministic for a seed."""
    rng = random.Random(seed)
    county = County(name="青山县")
    session.add(county)
    session.flush()
    township_points = [
        _grid(SEAT, t, size.townships, TOWNSHIP_SPACING_M) for t in range(size.townships)
    ]
    township_ids = _insert(
        session,
        Township,
        [
            {
                "county_id": county.id,
                "name": _place_name(t, "镇"),
                "hub_address": f"{_place_name(t, '镇')}快递共配中心",
                "lat": point.lat,
                "lon": point.lon,
            }
            for t, point in enumerate(township_points)
        ],
    )
    villages: list[dict[str, Any]] = []
    for township_id, township_point in zip(township_ids, township_points, strict=True):
        for v in range(size.villages):
            point = _grid(township_point, v, size.villages, VILLAGE_SPACING_M)
            name = _place_name(v, "村")
            villages.append(
                {
                    "township_id": township_id,
                    "name": name,
                    "station_address": f"{name}村委会一楼村站",
                    "lat": point.lat,
                    "lon": point.lon,
                }
            )
    village_ids = _insert(session, Village, villages)
    households = _households(rng, villages, village_ids, size.households)
    household_ids = _insert(session, Household, households)
    cadres = _staff(session, size, county.id, township_ids, village_ids)
    parcels = _parcels(session, rng, villages, village_ids, households, household_ids)
    return CountyDemo(
        county.id, len(township_ids), len(village_ids), len(household_ids), cadres, parcels
    )


def _households(
    rng: random.Random, villages: list[dict[str, Any]], village_ids: list[int], per_village: int
) -> list[dict[str, Any]]:
    rows = []
    for village, village_id in zip(villages, village_ids, strict=True):
        centre = Point(village["lat"], village["lon"])
        for number in range(1, per_village + 1):
            home = offset(centre, north_m=rng.uniform(-900, 900), east_m=rng.uniform(-900, 900))
            rows.append(
                {
                    "village_id": village_id,
                    "head_name": _person(rng),
                    "phone": "",
                    "address": f"{village['name']}{number % 6 + 1}组{number}号",
                    "directions": f"{rng.choice(LANDMARKS)}旁，{rng.choice(DOORS)}",
                    "lat": home.lat,
                    "lon": home.lon,
                }
            )
    return rows


def _staff(
    session: Session,
    size: CountySize,
    county_id: int,
    township_ids: list[int],
    village_ids: list[int],
) -> int:
    """A cadre (with an e-bike) for every two villages, a dispatcher per township and the
    county manager; one password hash for all (demo data). Returns the cadres made."""
    password_hash = hash_password(DEMO_PASSWORD)
    served = [
        village_ids[i : i + VILLAGES_PER_CADRE]
        for i in range(0, len(village_ids), VILLAGES_PER_CADRE)
    ]
    people = [
        {"phone": str(CADRE_PHONE_BASE + n), "name": f"干部{n}号", "password_hash": password_hash}
        for n in range(1, len(served) + 1)
    ]
    people += [
        {
            "phone": str(DISPATCHER_PHONE_BASE + n),
            "name": f"调度{n}号",
            "password_hash": password_hash,
        }
        for n in range(1, len(township_ids) + 1)
    ]
    people.append({"phone": demo_phone(7, 1), "name": "县级管理员", "password_hash": password_hash})
    user_ids = _insert(session, User, people)
    cadre_ids = user_ids[: len(served)]
    dispatcher_ids = user_ids[len(served) : len(served) + len(township_ids)]
    grants = [
        {"user_id": cadre, "role": Role.CADRE, "village_id": village}
        for cadre, villages in zip(cadre_ids, served, strict=True)
        for village in villages
    ]
    grants += [
        {"user_id": user, "role": Role.DISPATCHER, "township_id": township}
        for user, township in zip(dispatcher_ids, township_ids, strict=True)
    ]
    grants.append({"user_id": user_ids[-1], "role": Role.COUNTY_ADMIN, "county_id": county_id})
    _insert(session, RoleGrant, grants)
    _insert(
        session,
        Vehicle,
        [
            {"name": "电动三轮车", "cadre_id": cadre, "capacity_g": 150_000, "capacity_parcels": 40}
            for cadre in cadre_ids
        ],
    )
    return len(cadre_ids)


def _parcels(
    session: Session,
    rng: random.Random,
    villages: list[dict[str, Any]],
    village_ids: list[int],
    households: list[dict[str, Any]],
    household_ids: list[int],
) -> int:
    """This morning's parcels, at their township's hub (the van takes them to the villages)."""
    township_of = {vid: v["township_id"] for vid, v in zip(village_ids, villages, strict=True)}
    couriers = list(Courier)
    rows = [
        {
            "courier": rng.choice(couriers),
            "tracking_no": f"CZ{number:012d}",
            "recipient_name": home["head_name"],
            "recipient_phone": f"138{rng.randrange(10**8):08d}",
            "weight_g": rng.randint(200, 8_000),
            "household_id": household_id,
            "village_id": home["village_id"],
            "township_id": township_of[home["village_id"]],
            "status": ParcelStatus.AT_TOWNSHIP_HUB,
        }
        for number, (home, household_id) in enumerate(zip(households, household_ids, strict=True))
        if rng.random() < PARCELS_PER_HOUSEHOLD
    ]
    return len(_insert(session, Parcel, rows))
