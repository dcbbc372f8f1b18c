"""A county-sized outbound day on PostgreSQL: every step from the station to the courier.

Run ``python -m benchmarks.outbound_day`` (``make bench-outbound-day``; ``--quick`` for a
smoke run). A synthetic county of 50 townships × 20 villages (1,000 stations) opens 20 outbound
parcels per station (20,000), then runs the day the way the pages run it, one transaction per
station or per township as the people doing it would, each step timed:

1. the shop opens each parcel (``open_outbound``, one transaction per order);
2. each agent receives the goods and packs them (``receive_goods`` + ``pack``);
3. each township's trunk van is planned with its pickups (``depot.consolidate``, OR-Tools);
4. each agent gives the packed parcels to the van (``load_on_van``);
5. each hub unloads them (``receive_at_hub``) and writes the courier's CSV manifest;
6. each hub imports the courier's CSV of waybill numbers (``import_waybills``), which hands
   every parcel over and sends ``outbound_handed_over``.

Labels are measured on their own (``benchmarks.outbound``). The database is a throwaway one on
the server of ``CUNZHAN_BENCH_POSTGRES_URL`` (default: the local test server). The full run
writes ``benchmarks/results/outbound-day.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker, transaction
from core.geo import Point, offset
from core.models import County, Household, Township, User, Village
from core.timeutil import local_today, utcnow
from logistics import depot, outbound
from logistics.models import OutboundParcel, OutboundStatus
from logistics.outbound import handover, parcels
from shop.models_registry import metadata

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "CUNZHAN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
COUNTY_SEAT = Point(28.39, 112.13)


@dataclass(frozen=True)
class Size:
    townships: int
    villages: int  # per township
    parcels: int  # per village


FULL = Size(townships=50, villages=20, parcels=20)
QUICK = Size(townships=2, villages=5, parcels=4)


@contextmanager
def throwaway_database() -> Iterator[str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"cunzhan_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Staff:
    """Who acts at each place: the agent of each station, the dispatcher of each township."""

    agents: dict[int, int]  # village id → agent's user id
    dispatchers: dict[int, int]  # township id → dispatcher's user id
    sellers: dict[int, int]  # village id → a farmer's user id


def _person(session: Session, village: Village, phone: str, name: str) -> User:
    home = Household(
        village=village,
        head_name=name,
        phone=phone,
        address="1号",
        lat=village.lat,
        lon=village.lon,
    )
    user = User(phone=phone, name=name, password_hash="!", household=home)  # noqa: S106 - no login
    session.add(user)
    return user


def build_county(session: Session, size: Size) -> Staff:
    county = County(name="桃江县")
    staff = Staff({}, {}, {})
    for t in range(size.townships):
        seat = offset(COUNTY_SEAT, north_m=4_000.0 * (t % 8), east_m=4_000.0 * (t // 8))
        township = Township(
            county=county, name=f"第{t + 1}镇", hub_address="镇中心", lat=seat.lat, lon=seat.lon
        )
        villages = []
        for v in range(size.villages):
            place = offset(seat, north_m=900.0 * (v % 5) - 1800, east_m=900.0 * (v // 5) - 1800)
            villages.append(
                Village(
                    township=township,
                    name=f"第{v + 1}村",
                    station_address="村委会旁",
                    lat=place.lat,
                    lon=place.lon,
                )
            )
        session.add_all(villages)
        session.flush()
        number = t * size.villages
        dispatcher = _person(session, villages[0], f"1380{number:07d}", "调度")
        for index, village in enumerate(villages):
            agent = _person(session, village, f"1390{number + index:07d}", "代办员")
            seller = _person(session, village, f"1370{number + index:07d}", "农户")
            session.flush()
            staff.agents[village.id], staff.sellers[village.id] = agent.id, seller.id
        session.flush()
        staff.dispatchers[township.id] = dispatcher.id
    return staff


def _by_station(session: Session, status: OutboundStatus) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = session.execute(
        select(OutboundParcel.station_id, OutboundParcel.id).where(OutboundParcel.status == status)
    )
    for station_id, parcel_id in rows:
        found.setdefault(station_id, []).append(parcel_id)
    return found


def run(size: Size, url: str) -> dict[str, float | int]:
    engine = make_engine(url)
    metadata.create_all(engine)
    sessions: sessionmaker[Session] = make_sessionmaker(engine)
    with transaction(sessions) as session:
        staff = build_county(session, size)
    total = size.townships * size.villages * size.parcels
    results: dict[str, float | int] = {
        "stations": len(staff.agents),
        "townships": len(staff.dispatchers),
        "parcels": total,
    }
    timings: dict[str, float] = {}

    def timed(name: str, step: Callable[[], None]) -> None:
        began = time.perf_counter()
        step()
        timings[name] = time.perf_counter() - began

    def open_all() -> None:
        order_id = 0
        for village_id, seller_id in staff.sellers.items():
            for _ in range(size.parcels):
                order_id += 1
                with transaction(sessions) as session:
                    outbound.open_outbound(
                        session,
                        order_id=order_id,
                        station_id=village_id,
                        seller_user_id=seller_id,
                        recipient="陈晓雯",
                        phone=f"139{order_id:08d}",
                        division_code="440305",
                        street=f"广东省深圳市南山区粤海街道科技园南路 {order_id} 号",
                        weight_g=2_000,
                        ready_by=utcnow() + dt.timedelta(days=1),
                    )

    def pack_all() -> None:
        with transaction(sessions) as session:
            waiting = _by_station(session, OutboundStatus.AWAITING_GOODS)
        for village_id, ids in waiting.items():
            with transaction(sessions) as session:
                agent = session.get_one(User, staff.agents[village_id])
                for parcel_id in ids:
                    parcels.receive_goods(
                        session, agent=agent, village_id=village_id, parcel_id=parcel_id
                    )
                    parcels.pack(
                        session, agent=agent, village_id=village_id, parcel_id=parcel_id,
                        weight_g=2_150,
                    )  # fmt: skip

    visits: list[int] = []

    def plan_vans() -> None:
        for township_id in staff.dispatchers:
            with transaction(sessions) as session:
                batches = depot.consolidate(session, township_id=township_id, day=local_today())
                visits.append(sum(1 for b in batches if b.pickups))

    def load_vans() -> None:
        with transaction(sessions) as session:
            packed = _by_station(session, OutboundStatus.PACKED)
        for village_id, ids in packed.items():
            with transaction(sessions) as session:
                agent = session.get_one(User, staff.agents[village_id])
                parcels.load_on_van(session, agent=agent, village_id=village_id, parcel_ids=ids)

    manifests: dict[int, str] = {}

    def unload_at_hubs() -> None:
        for township_id, dispatcher_id in staff.dispatchers.items():
            with transaction(sessions) as session:
                dispatcher = session.get_one(User, dispatcher_id)
                on_van = parcels.hub_parcels(
                    session, township_id=township_id, statuses=(OutboundStatus.ON_VAN,)
                )
                arrived = parcels.receive_at_hub(
                    session,
                    dispatcher=dispatcher,
                    township_id=township_id,
                    parcel_ids=[p.id for p in on_van],
                )
                manifests[township_id] = handover.manifest_csv(arrived)

    def import_waybills() -> None:
        for township_id, dispatcher_id in staff.dispatchers.items():
            rows = ["包裹号,快递公司,运单号"]
            for line in manifests[township_id].lstrip("\ufeff").splitlines()[1:]:
                number = line.split(",", 1)[0]
                rows.append(f"{number},顺丰速运,SF{int(number[2:]):012d}")
            with transaction(sessions) as session:
                dispatcher = session.get_one(User, dispatcher_id)
                handover.import_waybills(
                    session, dispatcher=dispatcher, township_id=township_id, text="\n".join(rows)
                )

    timed("1. open (one transaction per order)", open_all)
    timed("2. receive and pack at the stations", pack_all)
    timed("3. plan each township's van with its pickups (OR-Tools)", plan_vans)
    timed("4. give the packed parcels to the vans", load_vans)
    timed("5. unload at the hubs, write the manifests", unload_at_hubs)
    timed("6. import the couriers' waybills (hand over)", import_waybills)
    with transaction(sessions) as session:
        handed = sum(
            len(v) for v in _by_station(session, OutboundStatus.HANDED_TO_COURIER).values()
        )
    engine.dispose()
    for name, seconds in timings.items():
        results[f"{name}: s"] = round(seconds, 1)
        results[f"{name}: ms per parcel"] = round(1000 * seconds / total, 2)
    results["total (s)"] = round(sum(timings.values()), 1)
    results["van visits that picked up"] = sum(visits)
    results["parcels handed to the courier"] = handed
    return results


def report(size: Size, results: dict[str, float | int]) -> str:
    lines = [
        "# Outbound benchmark: a county's day from the stations to the couriers",
        "",
        f"{size.townships} townships × {size.villages} villages × {size.parcels} parcels on"
        f" PostgreSQL; {platform.python_version()} on {os.cpu_count()} cores"
        f" ({platform.machine()}), one process.",
        "",
        f"Load average when it ended: {os.getloadavg()[0]:.1f} (other work on the machine"
        " slows every step).",
        "",
        "| step | value |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in results.items()),
    ]
    if size != FULL:
        lines += [
            "",
            f"Smaller than the issue's county ({FULL.townships} × {FULL.villages} ×"
            f" {FULL.parcels} = {FULL.townships * FULL.villages * FULL.parcels:,} parcels).",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2 townships × 5 villages × 4")
    parser.add_argument("--townships", type=int, default=FULL.townships)
    parser.add_argument("--villages", type=int, default=FULL.villages, help="per township")
    parser.add_argument("--parcels", type=int, default=FULL.parcels, help="per village")
    args = parser.parse_args()
    size = QUICK if args.quick else Size(args.townships, args.villages, args.parcels)
    with throwaway_database() as url:
        text_ = report(size, run(size, url))
    print(text_)
    if not args.quick:
        out = ROOT / "benchmarks" / "results" / "outbound-day.md"
        out.write_text(text_, encoding="utf-8")


if __name__ == "__main__":
    main()
