"""Planning a village's day with ``routing``: from the database to a problem, back into rounds.

Three steps, timed separately by the benchmark: ``prepare`` (read the work and the cadres'
vehicles; stops of rounds not yet started are retired and their work planned again),
``routing.solve``/``solve_many``, and ``apply_plan`` (rounds and stops with ETAs; left-out
households stay at the station for pickup, listed with the reason).

Planning again during the day (一键规划 or one village's 重新规划) never touches a round that
has started: its cadre is out with its parcels on the bike, so the round, its stops and their
order stay as they are (the cadre may reorder them on the phone), and the board says so
(``UNDER_WAY``). That cadre's further work is planned from the station after the round's
planned return and no earlier than now, so two rounds of one cadre never overlap.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from core.models import Household, Role, RoleGrant, User, Village
from core.settings import Settings
from core.timeutil import ensure_utc, utcnow
from logistics.errors import LogisticsError
from logistics.extra_stops import ExtraStop, extra_stops
from logistics.models import (
    DeliveryWindow,
    Parcel,
    ParcelStatus,
    PlanRun,
    PlanStatus,
    Priority,
    Round,
    RoundStatus,
    Stop,
    StopStatus,
    StopTask,
    Uplink,
    UplinkStatus,
    Vehicle,
)
from logistics.notices import announce_rounds
from logistics.timing import instant, seconds_of_day
from routing.roads import EBIKE, RoadProvider, Source, TravelTable, road_provider

_log = logging.getLogger(__name__)

#: Price in metres of travel of leaving a household's stop out, by its most urgent content.
PENALTY = {
    Priority.NORMAL: 20_000,
    Priority.PAID_DOOR: 100_000,
    Priority.PERISHABLE: 300_000,
    Priority.MEDICINE: 1_000_000,
}
#: A cadre's first village is served in the morning, the second in the afternoon.
SHIFTS = (
    routing.TimeWindow(8 * 3600, 12 * 3600),
    routing.TimeWindow(14 * 3600, 18 * 3600),
)
WHOLE_DAY = routing.TimeWindow(8 * 3600, 18 * 3600)
SERVICE_BASE_S = 90
SERVICE_PER_PARCEL_S = 20
SERVICE_UPLINK_S = 60
MAX_TRIPS = 3
RELOAD_S = 300
#: The one time budget of planning a village, from the board and on a Celery worker alike
#: (``plan_options``): ``PLAN_SECONDS_PER_STOP`` for each household, at least
#: ``PLAN_SECONDS_MIN`` and at most ``PLAN_SECONDS``. A village's day is a few dozen stops, which
#: both searches settle on well within a second; the cap is for a very large village. Two
#: searches side by side in child processes (see ``routing.solve``), so the process that asked
#: (a web server's background thread) keeps serving requests meanwhile.
PLAN_SECONDS = 2.0
PLAN_SECONDS_MIN = 1.0
PLAN_SECONDS_PER_STOP = 0.03
PLAN_WORKERS = 2
#: An OSRM server that has not answered by then is passed over (the extract, or the straight
#: line, answers instead), so that a dead server costs a village's plan at most this.
OSRM_TIMEOUT_S = 0.5
#: A run queued or solving for longer than this is taken as lost (its server restarted).
STALE_AFTER = timedelta(minutes=10)
REPLANNED = "已重新规划"
NOTHING_TO_DELIVER = "没有待配送的包裹"
#: Shown on the board for a village planned again while some of its rounds were out.
UNDER_WAY = "{trips}已出发，未重新规划"
#: Why a household was left out, stored by code in ``PlanRun.left_out`` and read in the
#: reader's language.
REASONS: dict[str, LazyString] = {
    routing.DropReason.TOO_HEAVY.name: _l("太重，电动车装不下"),
    routing.DropReason.OUTSIDE_SHIFTS.name: _l("希望送达时间不在干部出车时段"),
    routing.DropReason.WINDOW_UNREACHABLE.name: _l("在希望的时间内到不了"),
    routing.DropReason.LEFT_OUT.name: _l("今天装不下，请到村站自取"),
}


def plan_options(stops: int) -> routing.SolveOptions:
    """The search time for a village of ``stops`` households (see ``PLAN_SECONDS``)."""
    seconds = min(PLAN_SECONDS, max(PLAN_SECONDS_MIN, PLAN_SECONDS_PER_STOP * stops))
    return routing.SolveOptions(seconds=seconds, workers=PLAN_WORKERS)


@dataclass
class HouseholdWork:
    household: Household
    parcels: list[Parcel] = field(default_factory=list)
    uplinks: list[Uplink] = field(default_factory=list)
    extras: list[ExtraStop] = field(default_factory=list)  # errands, care visits

    @property
    def stop_id(self) -> str:
        return f"h{self.household.id}"

    def priority(self) -> Priority:
        ranks = list(PENALTY)
        found = [p.priority for p in self.parcels]
        if any(u.perishable for u in self.uplinks):
            found.append(Priority.PERISHABLE)
        return max(found, key=ranks.index, default=Priority.NORMAL)


@dataclass
class VillageWork:
    """A village's day as a ``routing`` problem, with the way back to the database rows."""

    village: Village
    day: dt.date
    problem: routing.Problem
    work: dict[str, HouseholdWork]
    vehicles: dict[str, Vehicle]
    travel: TravelTable  # the problem's distances, and where they came from


def cadre_shift(session: Session, cadre_id: int, village_id: int) -> routing.TimeWindow:
    """The shift a cadre serves this village in (first village morning, second afternoon)."""
    villages = sorted(
        vid
        for vid in session.scalars(
            select(RoleGrant.village_id).where(
                RoleGrant.user_id == cadre_id, RoleGrant.role == Role.CADRE
            )
        )
        if vid is not None
    )
    if len(villages) > len(SHIFTS) or village_id not in villages:
        return WHOLE_DAY
    return SHIFTS[villages.index(village_id)]


def village_vehicles(session: Session, village_id: int) -> list[Vehicle]:
    """The vehicles of the cadres who serve this village."""
    cadres = select(RoleGrant.user_id).where(
        RoleGrant.role == Role.CADRE, RoleGrant.village_id == village_id
    )
    return list(
        session.scalars(select(Vehicle).where(Vehicle.cadre_id.in_(cadres)).order_by(Vehicle.id))
    )


def _rounds_of_day(session: Session, village_id: int, day: dt.date) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(Round.village_id == village_id, Round.day == day)
            .where(Round.status != RoundStatus.CANCELLED)
            .order_by(Round.id)
        )
    )


def _retire_planned(rounds: list[Round], now: dt.datetime) -> None:
    """Take the stops off rounds not yet started (their work is planned again) and cancel
    those rounds. Started rounds are left alone: their parcels are on the bike."""
    for round_ in rounds:
        if round_.status is not RoundStatus.PLANNED:
            continue
        for stop in round_.stops:
            if stop.status is StopStatus.PENDING:
                stop.move_to(StopStatus.SKIPPED, note=REPLANNED)
                stop.finished_at = now
                for parcel in stop.parcels:
                    if parcel.status is ParcelStatus.OUT_FOR_DELIVERY:
                        # the round never set off, so neither did the parcel (a plan made
                        # before started rounds were left alone could say otherwise)
                        parcel.move_to(ParcelStatus.AT_VILLAGE_DEPOT)
                    parcel.stop = None
                for uplink in stop.uplinks:
                    uplink.stop = None
        round_.move_to(RoundStatus.CANCELLED)


def _rounds_under_way(session: Session, *, vehicle_ids: list[int], day: dt.date) -> list[Round]:
    """The rounds these vehicles are out on today (started, not yet back)."""
    return list(
        session.scalars(
            select(Round)
            .where(Round.vehicle_id.in_(vehicle_ids), Round.day == day)
            .where(Round.status == RoundStatus.STARTED)
            .order_by(Round.departure, Round.id)
        )
    )


def _open_work(session: Session, village_id: int, day: dt.date) -> dict[str, HouseholdWork]:
    """Households with parcels on the station's shelf, produce waiting, or work offered by
    ``extra_stops`` (an errand, a care visit due), and no stop yet (what is on a bike belongs
    to the round it is out on)."""
    work: dict[int, HouseholdWork] = {}
    parcels = session.scalars(
        select(Parcel)
        .where(Parcel.village_id == village_id, Parcel.household_id.is_not(None))
        .where(Parcel.status == ParcelStatus.AT_VILLAGE_DEPOT)
        .order_by(Parcel.id)
    )
    for parcel in parcels:
        if parcel.stop is not None and parcel.stop.status is StopStatus.PENDING:
            continue
        assert parcel.household is not None
        entry = work.setdefault(parcel.household.id, HouseholdWork(parcel.household))
        entry.parcels.append(parcel)
    uplinks = session.scalars(
        select(Uplink)
        .where(Uplink.village_id == village_id, Uplink.status == UplinkStatus.WAITING)
        .where(Uplink.stop_id.is_(None))
        .order_by(Uplink.id)
    )
    for uplink in uplinks:
        work.setdefault(uplink.household_id, HouseholdWork(uplink.household)).uplinks.append(uplink)
    for extra in extra_stops(session, village_id=village_id, day=day):
        if extra.household_id not in work:
            work[extra.household_id] = HouseholdWork(session.get_one(Household, extra.household_id))
        work[extra.household_id].extras.append(extra)
    return {entry.stop_id: entry for entry in work.values()}


def _windows(
    window: DeliveryWindow | None, extras: list[ExtraStop]
) -> tuple[routing.TimeWindow, ...]:
    """The household's delivery window; a visit's own window (the time the villager gave for
    an errand) comes first, since the parcels can be handed over at any visit."""
    visit = next((e.window for e in extras if e.window is not None), None)
    if visit is not None:
        return (routing.TimeWindow(*visit),)
    if window is None:
        return (routing.TimeWindow(),)
    return (routing.TimeWindow(window.start_minute * 60, window.end_minute * 60),)


def service_seconds(*, parcels: int, uplinks: int, extras_s: int) -> int:
    """The time planned at a household: handing over ``parcels``, collecting produce when
    there is any, and the visits' own time."""
    produce = SERVICE_UPLINK_S if uplinks else 0
    return SERVICE_BASE_S + SERVICE_PER_PARCEL_S * parcels + produce + extras_s


def _routing_stop(entry: HouseholdWork, window: DeliveryWindow | None) -> routing.Stop:
    home = entry.household
    return routing.Stop(
        entry.stop_id,
        routing.Place(home.lat, home.lon),
        delivery=(sum(p.weight_g for p in entry.parcels), len(entry.parcels)),
        pickup=(sum(u.estimated_weight_g for u in entry.uplinks), 0),
        service=service_seconds(
            parcels=len(entry.parcels),
            uplinks=len(entry.uplinks),
            extras_s=sum(extra.service_s for extra in entry.extras),
        ),
        windows=_windows(window, entry.extras),
        penalty=PENALTY[entry.priority()],
    )


def _max_trips(vehicle: Vehicle, work: list[HouseholdWork]) -> int:
    """One trip when all the village's work fits on the vehicle at once, else ``MAX_TRIPS``.

    A trip costs the solver nothing but its distance, and where lanes meet only at the
    station a trip per lane is as short as one trip through them all: with trips to spare,
    the solver was free to put parcels that came after the first plan on new trips of one
    parcel each beside the round not yet started (issue 11, 桃源村). Deliveries and produce
    are counted together: the bike may carry both at once."""
    grams = sum(p.weight_g for e in work for p in e.parcels)
    grams += sum(u.estimated_weight_g for e in work for u in e.uplinks)
    parcels = sum(len(e.parcels) for e in work)
    fits = grams <= vehicle.capacity_g and parcels <= vehicle.capacity_parcels
    return 1 if fits else MAX_TRIPS


def _routing_vehicle(
    session: Session, vehicle: Vehicle, village_id: int, start: int | None, max_trips: int
) -> routing.Vehicle:
    """The vehicle's shift in this village, from ``start`` (seconds of the day) when given."""
    shift = cadre_shift(session, vehicle.cadre_id, village_id)
    if start is not None:
        shift = routing.TimeWindow(min(max(shift.start, start), shift.end), shift.end)
    return routing.Vehicle(
        str(vehicle.id),
        (vehicle.capacity_g, vehicle.capacity_parcels),
        shift=shift,
        speed_m_per_h=vehicle.speed_m_per_h,
        max_trips=max_trips,
        reload=RELOAD_S,
    )


def _back_at(under_way: list[Round], day: dt.date, now: dt.datetime) -> dict[int, int]:
    """Per vehicle out on a round, the second of the day it can set off again: the round's
    expected return (later than planned when the cadre runs late), and not before ``now``
    (it is not back yet)."""
    back: dict[int, int] = {}
    for round_ in under_way:
        at = seconds_of_day(day, max(ensure_utc(round_.expected_return), now))
        back[round_.vehicle_id] = max(at, back.get(round_.vehicle_id, at))
    return back


def distance_provider(village: Village) -> RoadProvider:
    """Travel on the township's roads: the OSRM server when one is set, then the township's
    OpenStreetMap extract when it names one, then the straight line (docs/routing.md, Roads)."""
    settings = Settings.from_env()
    extract = village.township.osm_extract
    osm = None
    if extract:
        osm = settings.roads_dir / Path(extract).name  # a file name, never a path elsewhere
    return road_provider(
        EBIKE,
        osm=osm,
        osrm_url=settings.osrm_url,
        osrm_timeout_s=OSRM_TIMEOUT_S,
        cache_dir=settings.road_tables_dir if osm is not None else None,
    )


def prepare(
    session: Session, *, village_id: int, day: dt.date, now: dt.datetime | None = None
) -> VillageWork | None:
    """The village's open work as a problem (None when there is nothing to plan).

    ``now`` given: a re-plan that starts no vehicle before it; otherwise the whole day. Either
    way a vehicle out on a started round sets off again only after it is back (``_back_at``).
    """
    village = session.get(Village, village_id)
    if village is None:
        raise LogisticsError("village_not_found")
    vehicles = village_vehicles(session, village_id)
    if not vehicles:
        raise LogisticsError("no_cadre_vehicle", village=village.name)
    _retire_planned(_rounds_of_day(session, village_id, day), now or utcnow())
    session.flush()
    work = _open_work(session, village_id, day)
    if not work:
        return None
    windows = {
        w.household_id: w
        for w in session.scalars(
            select(DeliveryWindow).where(
                DeliveryWindow.household_id.in_([e.household.id for e in work.values()])
            )
        )
    }
    under_way = _rounds_under_way(session, vehicle_ids=[v.id for v in vehicles], day=day)
    back = _back_at(under_way, day, now or utcnow())
    start = None if now is None else seconds_of_day(day, now)
    problem = routing.Problem(
        (routing.Depot(f"station-{village.id}", routing.Place(village.lat, village.lon)),),
        tuple(_routing_stop(e, windows.get(e.household.id)) for e in work.values()),
        tuple(
            _routing_vehicle(
                session, v, village_id, back.get(v.id, start), _max_trips(v, list(work.values()))
            )
            for v in vehicles
        ),
        distance_provider(village),
    )
    # Made here, before the problem may go to another process (which carries tables, not roads).
    travel = _travel(problem)
    return VillageWork(village, day, problem, work, {str(v.id): v for v in vehicles}, travel)


def _travel(problem: routing.Problem) -> TravelTable:
    provider = problem.distances
    assert isinstance(provider, RoadProvider)
    travel = provider.table(problem.places())
    if travel.notes:
        _log.warning("distances from %s: %s", travel.source.value, "; ".join(travel.notes))
    return travel


def apply_plan(
    session: Session, *, plan: VillageWork, solution: routing.Solution, run: PlanRun | None = None
) -> list[Round]:
    """Turn the solution into rounds and stops; record what was left out and why."""
    rounds = []
    for route in solution.routes:
        if not route.visits:
            continue
        vehicle = plan.vehicles[route.vehicle_id]
        round_ = Round(
            day=plan.day,
            village_id=plan.village.id,
            vehicle_id=vehicle.id,
            cadre_id=vehicle.cadre_id,
            trip=route.trip,  # numbered again over the cadre's whole day below
            departure=instant(plan.day, route.departure),
            return_at=instant(plan.day, route.return_time),
            distance_m=route.distance,
        )
        round_.road_path = _road_path(plan, [plan.work[v.stop_id].household for v in route.visits])
        for sequence, visit in enumerate(route.visits, 1):
            entry = plan.work[visit.stop_id]
            stop = Stop(
                household_id=entry.household.id,
                sequence=sequence,
                eta=instant(plan.day, visit.start),
            )
            stop.parcels = entry.parcels
            stop.uplinks = entry.uplinks
            stop.tasks = [_task(extra) for extra in entry.extras]
            round_.stops.append(stop)
        rounds.append(round_)
    session.add_all(rounds)
    if run is not None:
        _record(run, plan, solution, len(rounds))
    session.flush()
    number_trips(session, cadre_ids={v.cadre_id for v in plan.vehicles.values()}, day=plan.day)
    announce_rounds(session, rounds)
    return rounds


def _task(extra: ExtraStop) -> StopTask:
    return StopTask(
        reference=extra.reference,
        title=extra.title,
        bring=extra.bring,
        collect=extra.collect,
        service_s=extra.service_s,
    )


def _road_path(plan: VillageWork, homes: list[Household]) -> str:
    """The round's way along the roads, station to station, as JSON for the cadre's sketch
    (from the OSRM server or the road map); "" when the plan was made on straight lines."""
    if plan.travel.source is Source.STRAIGHT_LINE:
        return ""
    provider = plan.problem.distances
    assert isinstance(provider, RoadProvider)
    station = routing.Place(plan.village.lat, plan.village.lon)
    legs = provider.route([station, *(routing.Place(h.lat, h.lon) for h in homes), station])
    if not legs:
        return ""
    points = [legs[0][0], *(point for leg in legs for point in leg[1:])]
    return json.dumps([[round(lat, 6), round(lon, 6)] for lat, lon in points])


def number_trips(session: Session, *, cadre_ids: set[int], day: dt.date) -> None:
    """Number each cadre's trips of the day 0, 1, 2… by departure, over all their villages
    (shown as 第 1 趟, 第 2 趟…). Cancelled rounds keep their old numbers and count for nothing.

    The cadres' rows are locked first, so two villages of one cadre planned at once (Celery
    workers on PostgreSQL) number one after the other.
    """
    if not cadre_ids:
        return
    session.execute(select(User.id).where(User.id.in_(cadre_ids)).with_for_update()).all()
    rounds = session.scalars(
        select(Round)
        .where(Round.cadre_id.in_(cadre_ids), Round.day == day)
        .where(Round.status != RoundStatus.CANCELLED)
        .order_by(Round.cadre_id, Round.departure, Round.id)
    )
    counters: dict[int, int] = {}
    for round_ in rounds:
        round_.trip = counters.get(round_.cadre_id, 0)
        counters[round_.cadre_id] = round_.trip + 1
    session.flush()


def _record(run: PlanRun, plan: VillageWork, solution: routing.Solution, rounds: int) -> None:
    left_out = [
        {
            "household_id": plan.work[d.stop_id].household.id,
            "name": plan.work[d.stop_id].household.head_name,
            "village": plan.village.name,
            "reason": d.reason.name,
        }
        for d in solution.dropped
    ]
    run.move_to(PlanStatus.DONE if solution.is_feasible() else PlanStatus.FAILED)
    run.distance_source = plan.travel.source.value
    run.far_from_road = json.dumps(_far_from_road(plan), ensure_ascii=False)
    run.stops = solution.served()
    run.rounds = rounds
    run.left_out = json.dumps(left_out, ensure_ascii=False)
    run.seconds = round(solution.seconds, 2)
    if solution.violations:  # the validator's findings are for developers: logged in full
        _log.warning("plan run %s: %s", run.id, "; ".join(solution.violations))
        run.message = f"规划未通过校验：{len(solution.violations)} 处问题，详见日志"
    else:
        run.message = ""


def _far_from_road(plan: VillageWork) -> list[dict[str, object]]:
    """Households farther from any road than the snapping limit: reached on foot from there."""
    depots = len(plan.problem.depots)
    far = []
    for node in plan.travel.far_from_road:
        if node < depots:
            continue
        home = plan.work[plan.problem.stops[node - depots].id].household
        metres = round(plan.travel.snapped_m[node])
        far.append({"household_id": home.id, "name": home.head_name, "metres": metres})
    return far


@dataclass(frozen=True)
class LeftOut:
    """A household a plan left out: it waits at its village station, and why."""

    household_id: int
    name: str
    village: str
    reason: str


def left_out(run: PlanRun) -> list[LeftOut]:
    """The households the run left out, each with its village and the reason in words."""
    return [
        LeftOut(
            household_id=item["household_id"],
            name=item["name"],
            village=item.get("village") or run.village.name,
            reason=str(REASONS.get(item["reason"], item["reason"])),
        )
        for item in json.loads(run.left_out)
    ]


#: Where a plan's distances came from, in the dispatcher's words (``PlanRun.distance_source``).
DISTANCE_SOURCES: dict[str, LazyString] = {
    Source.OSRM.value: _l("按道路导航服务的距离规划"),
    Source.OSM.value: _l("按道路地图的距离规划"),
    Source.STRAIGHT_LINE.value: _l("没有道路地图，按直线距离估算"),
}


@dataclass(frozen=True)
class FarFromRoad:
    """A household farther from any road than the snapping limit, and how far."""

    household_id: int
    name: str
    metres: int


def far_from_road(run: PlanRun) -> list[FarFromRoad]:
    return [FarFromRoad(**item) for item in json.loads(run.far_from_road)]


def fail_runs(session: Session, *, run_ids: list[int], message: str) -> None:
    """Record why planning these villages failed (their own transaction was rolled back)."""
    for run_id in run_ids:
        session.get_one(PlanRun, run_id).move_to(PlanStatus.FAILED, message=message)
    session.flush()


def start_runs(session: Session, *, village_ids: list[int], day: dt.date) -> list[PlanRun]:
    """One queued plan run per village: the dispatcher's board shows their progress."""
    runs = [PlanRun(day=day, village_id=vid) for vid in village_ids]
    session.add_all(runs)
    session.flush()
    return runs


def is_busy(run: PlanRun, now: dt.datetime) -> bool:
    """Queued or solving, and recently enough that it is still being worked on."""
    waiting = run.status in (PlanStatus.QUEUED, PlanStatus.RUNNING)
    return waiting and now - run.created_at < STALE_AFTER


def queue_villages(
    session: Session, *, township_id: int, day: dt.date, village_ids: list[int] | None = None
) -> list[PlanRun]:
    """Queue a plan run for these villages of the township (all of them by default).

    Refused while one of them is still being planned: two plans of one village at once would
    each retire the other's rounds.
    """
    villages = list(
        session.scalars(
            select(Village).where(Village.township_id == township_id).order_by(Village.id)
        )
    )
    if village_ids is not None:
        ours = {v.id: v for v in villages}
        if any(vid not in ours for vid in village_ids):
            raise LogisticsError("village_not_in_township")
        villages = [ours[vid] for vid in village_ids]
    latest = {
        run.village_id: run
        for run in session.scalars(
            select(PlanRun)
            .where(PlanRun.day == day, PlanRun.village_id.in_([v.id for v in villages]))
            .order_by(PlanRun.id)
        )
    }
    now = utcnow()
    busy = [v.name for v in villages if v.id in latest and is_busy(latest[v.id], now)]
    if busy:
        raise LogisticsError("villages_being_planned", villages="、".join(busy))
    return start_runs(session, village_ids=[v.id for v in villages], day=day)


def begin_run(session: Session, *, run_id: int) -> PlanRun | None:
    """The run's village is being solved now (the board shows 规划中); None when it was
    planned already, by a task delivered twice (a worker's task is handed to another when
    the first is lost). The run's row stays locked until the caller commits: of two
    deliveries at once, the second waits and then finds the village planned."""
    run = session.get_one(PlanRun, run_id, with_for_update=True)
    if run.status in (PlanStatus.DONE, PlanStatus.FAILED):
        return None
    if run.status is PlanStatus.QUEUED:  # RUNNING: taken over from a lost worker
        run.move_to(PlanStatus.RUNNING)
    session.flush()
    return run


def plan_run(
    session: Session,
    *,
    run: PlanRun,
    options: routing.SolveOptions | None = None,
    now: dt.datetime | None = None,
) -> list[Round]:
    """Plan one village in this process (the job of a background thread or a Celery task)."""
    if run.status is PlanStatus.QUEUED:
        run.move_to(PlanStatus.RUNNING)
    plan = prepare(session, village_id=run.village_id, day=run.day, now=now)
    if plan is None:  # rounds may have been cancelled all the same: number the rest again
        run.move_to(PlanStatus.DONE, message=NOTHING_TO_DELIVER)
        cadres = {v.cadre_id for v in village_vehicles(session, run.village_id)}
        number_trips(session, cadre_ids=cadres, day=run.day)
        made = []
    else:
        options = options or plan_options(len(plan.problem.stops))
        made = apply_plan(
            session, plan=plan, solution=routing.solve(plan.problem, options), run=run
        )
    _note_under_way(session, run)
    return made


def _note_under_way(session: Session, run: PlanRun) -> None:
    """Say on the run which of the village's rounds were out and so left as they were."""
    rounds = _rounds_of_day(session, run.village_id, run.day)
    out = [r for r in rounds if r.status is RoundStatus.STARTED]
    if out:
        trips = "、".join(f"{r.cadre.name}第 {r.trip + 1} 趟" for r in out)
        note = UNDER_WAY.format(trips=trips)
        run.message = (f"{run.message}；{note}" if run.message else note)[:300]
    session.flush()


def plan_runs_inline(
    session: Session,
    *,
    runs: list[PlanRun],
    options: routing.SolveOptions,
    workers: int = 2,
    now: dt.datetime | None = None,
) -> dict[str, float]:
    """Plan many villages at once over a process pool; returns the seconds of each step."""
    began = time.monotonic()
    plans: list[tuple[PlanRun, VillageWork]] = []
    for run in runs:
        plan = prepare(session, village_id=run.village_id, day=run.day, now=now)
        if plan is None:
            run.move_to(PlanStatus.DONE, message=NOTHING_TO_DELIVER)
        else:
            plans.append((run, plan))
    prepared = time.monotonic()
    solutions = routing.solve_many(
        [p.problem for _, p in plans], options, workers=workers, progress=False
    )
    solved = time.monotonic()
    for (run, plan), solution in zip(plans, solutions, strict=True):
        apply_plan(session, plan=plan, solution=solution, run=run)
    session.flush()
    return {
        "prepare": prepared - began,
        "solve": solved - prepared,
        "apply": time.monotonic() - solved,
    }
