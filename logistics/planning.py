"""Planning a village's day with ``routing``: from the database to a problem, back into rounds.

Three steps, timed separately by the benchmark: ``prepare`` (read the work and the cadres'
vehicles; stops still pending from an earlier plan of the day are retired and their work
planned again), ``routing.solve``/``solve_many``, and ``apply_plan`` (rounds and stops with
ETAs; left-out households stay at the station for pickup, listed with the reason).

Re-planning mid-day keeps what is done: only pending stops are planned again; a vehicle
already out starts from the last household it served, no earlier than ``now``, and the
parcels it carries stay tied to it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from core.errors import InvalidInput, NotFound
from core.models import Household, Role, RoleGrant, Village
from core.timeutil import utcnow
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
    Uplink,
    UplinkStatus,
    Vehicle,
)
from logistics.notices import announce_rounds
from logistics.timing import instant, seconds_of_day

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
REPLANNED = "已重新规划 (re-planned)"
NOTHING_TO_DELIVER = "没有待配送的包裹 (nothing to deliver)"
REASONS = {
    routing.DropReason.TOO_HEAVY: "太重，电动车装不下 (too heavy for the e-bike)",
    routing.DropReason.OUTSIDE_SHIFTS: "希望送达时间不在干部出车时段 (window outside the shifts)",
    routing.DropReason.WINDOW_UNREACHABLE: "在希望的时间内到不了 (cannot be reached in time)",
    routing.DropReason.LEFT_OUT: "今天装不下，请到村站自取 (no room today: pick up at the station)",
}


@dataclass
class HouseholdWork:
    household: Household
    parcels: list[Parcel] = field(default_factory=list)
    uplinks: list[Uplink] = field(default_factory=list)
    tied_to: str | None = None  # vehicle id when its parcels are already on that bike

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
    next_trip: dict[str, int]


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


def _retire_pending(rounds: list[Round], now: dt.datetime) -> None:
    """Take pending stops off their rounds; rounds left with nothing to do end."""
    for round_ in rounds:
        for stop in round_.stops:
            if stop.status is StopStatus.PENDING:
                stop.move_to(StopStatus.SKIPPED, note=REPLANNED)
                stop.finished_at = now
                for parcel in stop.parcels:
                    if parcel.status is ParcelStatus.AT_VILLAGE_DEPOT:
                        parcel.stop = None
                for uplink in stop.uplinks:
                    uplink.stop = None
        if round_.status is RoundStatus.PLANNED:
            round_.move_to(RoundStatus.CANCELLED)
        elif round_.status is RoundStatus.STARTED:
            round_.move_to(RoundStatus.COMPLETED)


def _open_work(session: Session, village_id: int) -> dict[str, HouseholdWork]:
    """Households with parcels on the shelf or on a bike, or produce waiting, and no stop."""
    work: dict[int, HouseholdWork] = {}
    parcels = session.scalars(
        select(Parcel)
        .where(Parcel.village_id == village_id, Parcel.household_id.is_not(None))
        .where(Parcel.status.in_([ParcelStatus.AT_VILLAGE_DEPOT, ParcelStatus.OUT_FOR_DELIVERY]))
        .order_by(Parcel.id)
    )
    for parcel in parcels:
        if parcel.stop is not None and parcel.stop.status is StopStatus.PENDING:
            continue
        assert parcel.household is not None
        entry = work.setdefault(parcel.household.id, HouseholdWork(parcel.household))
        entry.parcels.append(parcel)
        if parcel.status is ParcelStatus.OUT_FOR_DELIVERY and parcel.stop is not None:
            entry.tied_to = str(parcel.stop.round.vehicle_id)
    uplinks = session.scalars(
        select(Uplink)
        .where(Uplink.village_id == village_id, Uplink.status == UplinkStatus.WAITING)
        .where(Uplink.stop_id.is_(None))
        .order_by(Uplink.id)
    )
    for uplink in uplinks:
        work.setdefault(uplink.household_id, HouseholdWork(uplink.household)).uplinks.append(uplink)
    return {entry.stop_id: entry for entry in work.values()}


def _windows(window: DeliveryWindow | None) -> tuple[routing.TimeWindow, ...]:
    if window is None:
        return (routing.TimeWindow(),)
    return (routing.TimeWindow(window.start_minute * 60, window.end_minute * 60),)


def _routing_stop(entry: HouseholdWork, window: DeliveryWindow | None) -> routing.Stop:
    home = entry.household
    return routing.Stop(
        entry.stop_id,
        routing.Place(home.lat, home.lon),
        delivery=(sum(p.weight_g for p in entry.parcels), len(entry.parcels)),
        pickup=(sum(u.estimated_weight_g for u in entry.uplinks), 0),
        service=SERVICE_BASE_S
        + SERVICE_PER_PARCEL_S * len(entry.parcels)
        + SERVICE_UPLINK_S * bool(entry.uplinks),
        windows=_windows(window),
        penalty=PENALTY[entry.priority()],
    )


def _routing_vehicle(
    session: Session, vehicle: Vehicle, village_id: int, start: int | None
) -> routing.Vehicle:
    shift = cadre_shift(session, vehicle.cadre_id, village_id)
    if start is not None:
        shift = routing.TimeWindow(min(max(shift.start, start), shift.end), shift.end)
    return routing.Vehicle(
        str(vehicle.id),
        (vehicle.capacity_g, vehicle.capacity_parcels),
        shift=shift,
        speed_m_per_h=vehicle.speed_m_per_h,
        max_trips=MAX_TRIPS,
        reload=RELOAD_S,
    )


def _positions(rounds: list[Round]) -> dict[str, routing.Place]:
    """Where each vehicle already out is: the last household it served."""
    positions: dict[str, routing.Place] = {}
    for round_ in rounds:
        if round_.status is not RoundStatus.STARTED:
            continue
        served = [s for s in round_.stops if s.finished_at and s.status is not StopStatus.SKIPPED]
        if served:
            last = max(served, key=lambda s: (s.finished_at, s.sequence)).household
            positions[str(round_.vehicle_id)] = routing.Place(last.lat, last.lon)
    return positions


def prepare(
    session: Session, *, village_id: int, day: dt.date, now: dt.datetime | None = None
) -> VillageWork | None:
    """The village's open work as a problem (None when there is nothing to plan).

    ``now`` given: a re-plan that starts no vehicle before it; otherwise the whole day.
    """
    village = session.get(Village, village_id)
    if village is None:
        raise NotFound("没有这个村 (no such village)")
    vehicles = village_vehicles(session, village_id)
    if not vehicles:
        raise InvalidInput(f"{village.name}没有干部的车辆 (no cadre vehicle for this village)")
    rounds = _rounds_of_day(session, village_id, day)
    positions = _positions(rounds)
    _retire_pending(rounds, now or utcnow())
    session.flush()
    work = _open_work(session, village_id)
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
    start = None if now is None else seconds_of_day(day, now)
    problem = routing.Problem(
        (routing.Depot(f"station-{village.id}", routing.Place(village.lat, village.lon)),),
        tuple(_routing_stop(e, windows.get(e.household.id)) for e in work.values()),
        tuple(_routing_vehicle(session, v, village_id, start) for v in vehicles),
    )
    progress = routing.Progress(
        now=start or 0,
        positions=positions,
        loaded={sid: e.tied_to for sid, e in work.items() if e.tied_to is not None},
    )
    if progress.positions or progress.loaded:
        problem = routing.replan_problem(problem, progress)
    trips: dict[str, int] = defaultdict(int)
    for round_ in rounds:
        trips[str(round_.vehicle_id)] = max(trips[str(round_.vehicle_id)], round_.trip + 1)
    return VillageWork(village, day, problem, work, {str(v.id): v for v in vehicles}, trips)


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
            trip=plan.next_trip[route.vehicle_id] + route.trip,
            departure=instant(plan.day, route.departure),
            return_at=instant(plan.day, route.return_time),
            distance_m=route.distance,
        )
        for sequence, visit in enumerate(route.visits, 1):
            entry = plan.work[visit.stop_id]
            stop = Stop(
                household_id=entry.household.id,
                sequence=sequence,
                eta=instant(plan.day, visit.start),
            )
            stop.parcels = entry.parcels
            stop.uplinks = entry.uplinks
            round_.stops.append(stop)
        rounds.append(round_)
    session.add_all(rounds)
    if run is not None:
        _record(run, plan, solution, len(rounds))
    session.flush()
    announce_rounds(session, rounds)
    return rounds


def _record(run: PlanRun, plan: VillageWork, solution: routing.Solution, rounds: int) -> None:
    left_out = [
        {
            "household_id": plan.work[d.stop_id].household.id,
            "name": plan.work[d.stop_id].household.head_name,
            "reason": REASONS[d.reason],
        }
        for d in solution.dropped
    ]
    run.move_to(PlanStatus.DONE if solution.is_feasible() else PlanStatus.FAILED)
    run.stops = solution.served()
    run.rounds = rounds
    run.left_out = json.dumps(left_out, ensure_ascii=False)
    run.seconds = round(solution.seconds, 2)
    run.message = "; ".join(solution.violations)[:300]


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


def plan_run(
    session: Session,
    *,
    run: PlanRun,
    options: routing.SolveOptions,
    now: dt.datetime | None = None,
) -> list[Round]:
    """Plan one village in this process (a Celery task's whole job)."""
    run.move_to(PlanStatus.RUNNING)
    plan = prepare(session, village_id=run.village_id, day=run.day, now=now)
    if plan is None:
        run.move_to(PlanStatus.DONE, message=NOTHING_TO_DELIVER)
        session.flush()
        return []
    return apply_plan(session, plan=plan, solution=routing.solve(plan.problem, options), run=run)


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
