"""The PyVRP engine: the only module that imports ``pyvrp``.

PyVRP's iterated local search is very strong on the classic problem shapes, so the planner runs
it beside OR-Tools whenever the problem fits what this adapter models: one time window per stop,
no per-stop vehicle restrictions and nothing on board at the start. For the rest (several
windows, re-plans) OR-Tools carries the constraints alone.

Multi-trip: a vehicle with ``max_trips`` k may make k - 1 reloads at a copy of its end depot
(same place) whose service time is the vehicle's ``reload``; the copy keeps that time off the
start of the day, where the real depot has none. Identical vehicles become one vehicle type,
and each PyVRP route is one vehicle's day, cut into its slots (trips) at the reloads.
Deterministic for a given seed, apart from where the wall-clock limit cuts the search (with
``iterations`` the search stops after that many, the same work on any machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from routing.compiled import Compiled, Plan
from routing.model import HORIZON, TimeWindow


def supports(compiled: Compiled) -> bool:
    vehicles_simple = all(not any(v.initial_load) for v in compiled.problem.vehicles)
    stops_simple = all(
        len(compiled.windows(i)) == 1 and compiled.stop_at(i).vehicles is None
        for i in range(len(compiled.stops))
    )
    return vehicles_simple and stops_simple and len(compiled.stops) > 0


def solve(
    compiled: Compiled,
    seconds: float,
    *,
    seed: int = 0,
    initial: Plan | None = None,
    iterations: int | None = None,
) -> Plan | None:
    """The best feasible plan found within ``seconds`` (and ``iterations``, when given), or
    None if PyVRP found none."""
    fleet = _Fleet.of(compiled)
    data = _data(compiled, fleet)
    start = _solution(compiled, data, fleet, initial) if initial is not None else None
    result = pyvrp.solve(
        data,
        _stop(seconds, iterations),
        seed=seed,
        collect_stats=False,
        params=_params(compiled),
        initial_solution=start,
    )
    if not result.best.is_feasible():
        return None
    trips: list[list[int]] = [[] for _ in compiled.slots]
    free = [list(reversed(vehicles)) for vehicles in fleet.types]
    for route in result.best.routes():
        vehicle = free[route.vehicle_type()].pop()
        for activity in route.schedule():
            if activity.is_client():
                trips[fleet.slot[vehicle, activity.trip]].append(activity.idx)
    return tuple(tuple(trip) for trip in trips)


def _stop(seconds: float, iterations: int | None) -> StoppingCriterion:
    runtime = MaxRuntime(max(0.01, seconds))
    if iterations is None:
        return runtime
    return MultipleCriteria([runtime, MaxIterations(iterations)])


@dataclass(frozen=True, slots=True)
class _Fleet:
    """The vehicles grouped into PyVRP vehicle types (a township's hundreds of identical bikes
    become one type with that many available, which PyVRP searches far better than one type
    each), the slot of each (vehicle, trip), and the reload depots: one copy of an end depot per
    reload time, numbered after the problem's depots."""

    types: list[list[int]]  # vehicle numbers per type
    slot: dict[tuple[int, int], int]
    reload_depots: dict[tuple[int, int], int]  # (end depot, reload seconds) -> depot number

    @classmethod
    def of(cls, compiled: Compiled) -> _Fleet:
        groups: dict[tuple[object, ...], list[int]] = {}
        reloads: dict[tuple[int, int], int] = {}
        slot = {(s.vehicle, s.trip): k for k, s in enumerate(compiled.slots)}
        for vehicle in sorted({s.vehicle for s in compiled.slots}):
            v = compiled.problem.vehicles[vehicle]
            if v.max_trips > 1:
                reloads.setdefault((v.end_depot, v.reload), compiled.num_depots + len(reloads))
            key = (v.capacity, v.start_depot, v.end_depot, v.fixed_cost, v.shift, v.max_duration)
            profile = id(compiled.duration[vehicle])
            groups.setdefault((*key, v.max_trips, v.reload, profile), []).append(vehicle)
        return cls(list(groups.values()), slot, reloads)


def _params(compiled: Compiled) -> pyvrp.SolveParams:
    """PyVRP caps its infeasibility penalties at 1e5 per unit, which is too low when distances
    are in metres or thousandths (it then struggles to get feasible): scale the cap with the
    longest arc."""
    longest = float(compiled.distance.max(initial=1))
    return pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=max(1e5, 100 * longest)))


def _data(compiled: Compiled, fleet: _Fleet) -> pyvrp.ProblemData:
    locations = [pyvrp.Location(0, 0) for _ in range(compiled.num_nodes)]
    clients = [_client(compiled, i) for i in range(len(compiled.stops))]
    depots = [pyvrp.Depot(location=d) for d in range(compiled.num_depots)]
    depots += [
        pyvrp.Depot(location=end, service_duration=reload) for end, reload in fleet.reload_depots
    ]
    profiles: dict[int, int] = {}
    for table in compiled.duration:
        profiles.setdefault(id(table), len(profiles))
    vehicle_types = [
        _vehicle_type(compiled, fleet, vehicles[0], len(vehicles), profiles)
        for vehicles in fleet.types
    ]
    durations = {id(t): t for t in compiled.duration}
    return pyvrp.ProblemData(
        locations,
        clients,
        depots,
        vehicle_types,
        [cast(Any, compiled.distance)] * len(profiles),
        [cast(Any, durations[key]) for key in profiles],
    )


def _vehicle_type(
    compiled: Compiled, fleet: _Fleet, vehicle: int, available: int, profiles: dict[int, int]
) -> pyvrp.VehicleType:
    v = compiled.problem.vehicles[vehicle]
    reload = fleet.reload_depots.get((v.end_depot, v.reload))
    return pyvrp.VehicleType(
        num_available=available,
        capacity=list(v.capacity),
        start_depot=v.start_depot,
        end_depot=v.end_depot,
        fixed_cost=v.fixed_cost,
        tw_early=v.shift.start,
        tw_late=v.shift.end,
        shift_duration=v.max_duration if v.max_duration is not None else _UNLIMITED,
        profile=profiles[id(compiled.duration[vehicle])],
        reload_depots=[] if reload is None else [reload],
        max_reloads=v.max_trips - 1,
    )


_UNLIMITED = np.iinfo(np.int64).max


def _client(compiled: Compiled, local: int) -> pyvrp.Client:
    stop = compiled.stop_at(local)
    (window,) = stop.windows
    late = _UNLIMITED if window == TimeWindow() else min(window.end, HORIZON)
    return pyvrp.Client(
        location=compiled.node(local),
        delivery=[int(q) for q in compiled.delivery[local]],
        pickup=[int(q) for q in compiled.pickup[local]],
        service_duration=stop.service,
        tw_early=window.start,
        tw_late=late,
        prize=stop.penalty or 0,
        required=stop.required,
    )


def _solution(
    compiled: Compiled, data: pyvrp.ProblemData, fleet: _Fleet, plan: Plan
) -> pyvrp.Solution:
    """A plan of ours as a PyVRP solution: each vehicle's trips one route, reloads between."""
    routes = []
    for number, vehicles in enumerate(fleet.types):
        for vehicle in vehicles:
            v = compiled.problem.vehicles[vehicle]
            trips = [plan[fleet.slot[vehicle, t]] for t in range(v.max_trips)]
            trips = [trip for trip in trips if trip]
            if not trips:
                continue
            activities = [_visit(s) for s in trips[0]]
            for trip in trips[1:]:
                depot = fleet.reload_depots[v.end_depot, v.reload]
                activities += [pyvrp.Activity(pyvrp.ActivityType.DEPOT, depot)]
                activities += [_visit(s) for s in trip]
            routes.append(pyvrp.Route(data, activities, number))
    return pyvrp.Solution(data, routes)


def _visit(local_stop: int) -> pyvrp.Activity:
    return pyvrp.Activity(pyvrp.ActivityType.CLIENT, local_stop)
