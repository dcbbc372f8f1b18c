"""A township's month of errands on the delivery round: planning time per day, and the extra
distance the visit stops (errands at the door, care visits) add to the parcel rounds.

Run ``python -m benchmarks.errands_month`` (``make bench-errands``); ``--quick`` for a smoke
run. A synthetic township (6 villages × 100 households, one grid per village whose member is
the village's cadre, two cadres' e-bikes per village: morning and afternoon) is written to a
fresh SQLite file. Then for each of 30 days, in a transaction rolled back at the end of the
day: that day's parcels go on the shelves (each household with a chance of ``PARCEL_SHARE``),
that day's share of the month's 2,000 requests is filed at the counter and accepted by the
grid's member (the categories drawn evenly: those whose rule needs a visit become stops), and
one seventh of the 60 care households is due its weekly visit. Each village's day is prepared
by ``logistics.planning.prepare`` (with ``errands.visits`` offering its stops, as the app
does) and solved with ``routing.solve_many``; the same problems less the visit stops (the
households with only a visit left out, the visit's minutes taken off the others) are solved
again for the comparison. The day ends as if every planned visit had been made: rolling back
leaves the next day only its own requests and visits. The full run writes
``benchmarks/results/errands-month.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import platform
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import routing
from benchmarks.command_line import run_from_command_line
from benchmarks.logistics import scattered_villages
from core.db import make_engine, make_sessionmaker
from core.geo import offset
from core.models import Household, Role, RoleGrant, User, Village
from core.timeutil import LOCAL_ZONE
from errands import grids, services, visits
from errands.models import CATEGORY_RULES, CareHousehold, CareReason, Category, Channel
from logistics import planning
from logistics.depot import put_on_shelf
from logistics.models import Courier, Parcel, ParcelStatus, Vehicle
from routing.roads import RoadProvider
from shop.models_registry import metadata

FIRST_DAY = dt.date(2026, 11, 2)
#: The chance that a household has a parcel on the shelf on a given day.
PARCEL_SHARE = 0.15
CARE_EVERY_DAYS = 7


@dataclass(frozen=True)
class Size:
    villages: int
    households: int  # per village
    days: int
    requests: int  # over all the days
    care_households: int
    seconds: float  # search time per village and plan


FULL = Size(villages=6, households=100, days=30, requests=2_000, care_households=60, seconds=1.0)
QUICK = Size(villages=2, households=15, days=3, requests=24, care_households=4, seconds=0.2)


@dataclass
class Town:
    """What the days need: per village its id, the grid member (cadre) and households."""

    village_ids: list[int]
    members: dict[int, int]  # village id -> member's user id
    households: dict[int, list[int]]  # village id -> household ids


@dataclass(frozen=True)
class Day:
    day: dt.date
    parcels: int
    errand_stops: int
    care_stops: int
    stops: int
    planning_s: float  # prepare + solve, with the visit stops
    with_km: float
    without_km: float
    left_out_with: int
    left_out_without: int

    @property
    def extra_km(self) -> float:
        return round(self.with_km - self.without_km, 1)


def build_township(session: Session, size: Size, rng: random.Random) -> Town:
    villages = scattered_villages(session, size.villages, rng, name="走访村")
    members = _cadres(session, villages)
    households: dict[int, list[int]] = {}
    for village in villages:
        households[village.id] = _households(session, village, size.households, rng)
        grid = grids.create_grid(
            session, village_id=village.id, name="一组", member_id=members[village.id]
        )
        grids.put_households(session, grid=grid, household_ids=households[village.id])
    _care(session, households, size.care_households, marked_by_id=members[villages[0].id])
    return Town([v.id for v in villages], members, households)


def _households(session: Session, village: Village, count: int, rng: random.Random) -> list[int]:
    made = []
    for number in range(count):
        lane, along = rng.uniform(0, 2 * math.pi), rng.uniform(50, 1_200)
        home = offset(village.point, north_m=along * math.cos(lane), east_m=along * math.sin(lane))
        made.append(
            Household(
                village=village,
                head_name=f"户{number}",
                phone=f"151{village.id:04d}{number:04d}",
                address=f"{village.name}{number}号",
                lat=home.lat,
                lon=home.lon,
            )
        )
    session.add_all(made)
    session.flush()
    return [h.id for h in made]


def _cadres(session: Session, villages: list[Village]) -> dict[int, int]:
    """Cadre k serves village k in the morning and k+1 in the afternoon, and is the member of
    village k's grid."""
    members = {}
    for number, village in enumerate(villages):
        cadre = User(phone=f"1780000{number:04d}", name=f"干部{number}", password_hash="!")  # noqa: S106 - no login
        neighbour = villages[(number + 1) % len(villages)]
        cadre.grants = [RoleGrant(role=Role.CADRE, village_id=village.id)]
        if neighbour.id != village.id:
            cadre.grants.append(RoleGrant(role=Role.CADRE, village_id=neighbour.id))
        session.add(cadre)
        session.flush()
        session.add(
            Vehicle(name="电动车", cadre_id=cadre.id, capacity_g=150_000, capacity_parcels=40)
        )
        members[village.id] = cadre.id
    session.flush()
    return members


def _care(
    session: Session, households: dict[int, list[int]], count: int, *, marked_by_id: int
) -> None:
    """``count`` households marked for weekly visits, spread over the villages."""
    village_ids = list(households)
    for number in range(count):
        village_id = village_ids[number % len(village_ids)]
        household_id = households[village_id][number // len(village_ids)]
        session.add(
            CareHousehold(
                household_id=household_id,
                village_id=village_id,
                reason=CareReason.ELDERLY_ALONE,
                every_days=CARE_EVERY_DAYS,
                marked_by_id=marked_by_id,
            )
        )
    session.flush()


def _requests_per_day(size: Size) -> list[int]:
    base, extra = divmod(size.requests, size.days)
    return [base + (day < extra) for day in range(size.days)]


def _open_the_day(
    session: Session, town: Town, day: dt.date, requests: int, rng: random.Random
) -> int:
    """The day's parcels, requests (filed and accepted) and care visits due; the parcels."""
    parcels = []
    for homes in town.households.values():
        for household_id in homes:
            if rng.random() < PARCEL_SHARE:
                parcels.append(_parcel(session.get_one(Household, household_id), day, rng))
    session.add_all(parcels)
    session.flush()
    put_on_shelf(session, parcels=parcels)
    filed_at = dt.datetime.combine(day, dt.time(8), tzinfo=LOCAL_ZONE).astimezone(dt.UTC)
    for _ in range(requests):
        village_id = rng.choice(town.village_ids)
        member = session.get_one(User, town.members[village_id])
        request = services.file_request(
            session,
            filed_by=member,
            household=session.get_one(Household, rng.choice(town.households[village_id])),
            category=rng.choice(list(Category)),
            details="基准事项",
            channel=Channel.COUNTER,
            now=filed_at,
        )
        services.accept(session, member=member, request_id=request.id, now=filed_at)
    _care_due(session, day)
    return len(parcels)


def _care_due(session: Session, day: dt.date) -> None:
    """One in seven care households is due today (visited a week ago), the rest are not."""
    cares = session.scalars(select(CareHousehold).order_by(CareHousehold.household_id))
    for number, care in enumerate(cares):
        due = number % CARE_EVERY_DAYS == day.toordinal() % CARE_EVERY_DAYS
        last = day - dt.timedelta(days=CARE_EVERY_DAYS if due else 1)
        visited = dt.datetime.combine(last, dt.time(10), tzinfo=LOCAL_ZONE)
        care.last_visited_at = visited.astimezone(dt.UTC)
    session.flush()


def _parcel(household: Household, day: dt.date, rng: random.Random) -> Parcel:
    return Parcel(
        courier=Courier.ZTO,
        tracking_no=f"ZTO{day:%m%d}{household.id:07d}",
        recipient_name=household.head_name,
        recipient_phone=household.phone,
        weight_g=rng.randint(200, 5_000),
        household_id=household.id,
        village_id=household.village_id,
        township_id=household.village.township_id,
        status=ParcelStatus.AT_VILLAGE_DEPOT,
    )


def without_visits(plan: planning.VillageWork) -> routing.Problem | None:
    """The village's problem as it would be with parcels and produce only."""
    stops = []
    for stop in plan.problem.stops:
        work = plan.work[stop.id]
        if work.parcels or work.uplinks:
            visit_s = sum(extra.service_s for extra in work.extras)
            stops.append(dataclasses.replace(stop, service=stop.service - visit_s))
    if not stops:
        return None
    problem = dataclasses.replace(plan.problem, stops=tuple(stops))
    roads = problem.distances
    assert isinstance(roads, RoadProvider)
    roads.table(problem.places())  # made here, before the problem goes to another process
    return problem


def plan_day(
    factory: sessionmaker[Session],
    town: Town,
    day: dt.date,
    requests: int,
    size: Size,
    rng: random.Random,
) -> Day:
    options = routing.SolveOptions(seconds=size.seconds, workers=1)
    with factory() as session:
        parcels = _open_the_day(session, town, day, requests, rng)
        began = time.monotonic()
        plans = [
            p
            for village_id in town.village_ids
            if (p := planning.prepare(session, village_id=village_id, day=day)) is not None
        ]
        solved = routing.solve_many([p.problem for p in plans], options, progress=False)
        planning_s = time.monotonic() - began
        bare = [problem for p in plans if (problem := without_visits(p)) is not None]
        solved_bare = routing.solve_many(bare, options, progress=False)
        extras = [e for p in plans for w in p.work.values() for e in w.extras]
        session.rollback()  # every planned visit made: tomorrow has only its own
    return Day(
        day=day,
        parcels=parcels,
        errand_stops=sum(e.reference.startswith("errand:") for e in extras),
        care_stops=sum(e.reference.startswith("care:") for e in extras),
        stops=sum(len(p.problem.stops) for p in plans),
        planning_s=round(planning_s, 2),
        with_km=round(sum(s.distance for s in solved) / 1000, 1),
        without_km=round(sum(s.distance for s in solved_bare) / 1000, 1),
        left_out_with=sum(len(s.dropped) for s in solved),
        left_out_without=sum(len(s.dropped) for s in solved_bare),
    )


def run(size: Size) -> list[Day]:
    workdir = Path(tempfile.mkdtemp(prefix="cunzhan-bench-"))
    engine = make_engine(f"sqlite:///{workdir / 'bench.sqlite3'}")
    metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    visits.connect()
    rng = random.Random(2026)
    with factory() as session, session.begin():
        town = build_township(session, size, rng)
    days = [
        plan_day(factory, town, FIRST_DAY + dt.timedelta(days=n), requests, size, rng)
        for n, requests in enumerate(_requests_per_day(size))
    ]
    engine.dispose()
    return days


def report(size: Size, days: list[Day]) -> str:
    visit_share = sum(r.needs_visit for r in CATEGORY_RULES.values()) / len(CATEGORY_RULES)
    times = sorted(d.planning_s for d in days)
    with_km, without_km = sum(d.with_km for d in days), sum(d.without_km for d in days)
    extra_km = with_km - without_km
    lines = [
        "# Errands benchmark: a township's month of visits on the delivery round",
        "",
        f"{size.villages} villages × {size.households} households, {size.days} days,"
        f" {size.requests} requests (categories drawn evenly: {visit_share:.0%} need a visit),"
        f" {size.care_households} care households visited every {CARE_EVERY_DAYS} days,"
        f" parcels for {PARCEL_SHARE:.0%} of the households a day; {size.seconds} s of search"
        f" per village and plan, 2 workers; {platform.python_version()} on {os.cpu_count()}"
        f" cores ({platform.machine()}); straight-line distances.",
        "",
        "| day | parcels | errand stops | care stops | stops | planning (s) | km with visits"
        " | km without | extra km | left out with / without |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {d.day} | {d.parcels} | {d.errand_stops} | {d.care_stops} | {d.stops}"
            f" | {d.planning_s} | {d.with_km} | {d.without_km} | {d.extra_km}"
            f" | {d.left_out_with} / {d.left_out_without} |"
            for d in days
        ),
        "",
        "| month | value |",
        "| --- | --- |",
        f"| planning per day, median (s) | {times[len(times) // 2]} |",
        f"| planning per day, slowest (s) | {times[-1]} |",
        f"| errand stops | {sum(d.errand_stops for d in days)} |",
        f"| care stops | {sum(d.care_stops for d in days)} |",
        f"| km with visits | {with_km:.1f} |",
        f"| km without visits | {without_km:.1f} |",
        f"| extra km for the visits | {extra_km:.1f} ({extra_km / (without_km or 1):.0%} more) |",
    ]
    return "\n".join(lines) + "\n"


def _report_of(quick: bool) -> str:
    size = QUICK if quick else FULL
    return report(size, run(size))


def main() -> None:
    run_from_command_line(
        __doc__,
        quick_help="2 villages × 15 households, 3 days",
        result_file="errands-month.md",
        report_of=_report_of,
    )


if __name__ == "__main__":
    main()
