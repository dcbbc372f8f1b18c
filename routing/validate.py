"""An independent check of a plan against its problem.

It trusts nothing the engines or ``schedule`` computed: it asks the problem's distance provider
for the matrices again and recomputes, with plain loops, every stop served once or named as left
out, the load all along each trip, travel times, windows, shifts, trip order, working-day length,
distances and the cost. Reported times may be later than the earliest possible (waiting is
allowed) but never earlier.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from routing.distances import IntMatrix
from routing.model import Problem, Vehicle, amounts
from routing.solution import Route, Solution

#: How a report says that required stops were left out (a plan sound in every other way).
REQUIRED_LEFT_OUT = "required stops left out"


@dataclass(frozen=True, slots=True)
class Report:
    violations: tuple[str, ...]
    distance: int
    cost: int

    @property
    def ok(self) -> bool:
        return not self.violations


def validate(problem: Problem, solution: Solution) -> Report:
    distance = problem.distances.distances(problem.places())
    errors: list[str] = []
    errors += _check_coverage(problem, solution)
    total = 0
    by_vehicle: dict[int, list[Route]] = {}
    for route in solution.routes:
        if not 0 <= route.vehicle < len(problem.vehicles):
            errors.append(f"route for unknown vehicle {route.vehicle}")
            continue
        by_vehicle.setdefault(route.vehicle, []).append(route)
    travel_at: dict[int, IntMatrix] = {}
    for k, routes in sorted(by_vehicle.items()):
        vehicle = problem.vehicles[k]
        speed = vehicle.speed_m_per_h
        if speed not in travel_at:
            travel_at[speed] = problem.distances.durations(distance, speed)
        travel = travel_at[speed]
        errors += _check_trips(vehicle, routes)
        for route in routes:
            length = _route_distance(problem, vehicle, route, distance)
            if length != route.distance:
                errors.append(f"{_name(route)}: distance {route.distance}, recomputed {length}")
            total += length
            errors += _check_loads(problem, vehicle, route)
            errors += _check_times(problem, vehicle, route, travel)
    fixed = sum(problem.vehicles[k].fixed_cost for k in by_vehicle)
    penalty = sum(problem.stops[d.stop].penalty or 0 for d in solution.dropped)
    cost = total + fixed + penalty
    if cost != solution.cost():
        errors.append(f"cost {solution.cost()} reported, recomputed {cost}")
    return Report(tuple(errors), total, cost)


def _name(route: Route) -> str:
    return f"vehicle {route.vehicle_id!r} trip {route.trip}"


def _check_coverage(problem: Problem, solution: Solution) -> list[str]:
    errors: list[str] = []
    seen: dict[int, int] = {}
    for route in solution.routes:
        for visit in route.visits:
            seen[visit.stop] = seen.get(visit.stop, 0) + 1
            stop = problem.stops[visit.stop] if 0 <= visit.stop < len(problem.stops) else None
            if stop is None or stop.id != visit.stop_id:
                errors.append(f"{_name(route)} visits unknown stop {visit.stop_id!r}")
            elif stop.vehicles is not None and route.vehicle_id not in stop.vehicles:
                errors.append(f"stop {stop.id!r} served by a vehicle it does not allow")
    for stop_number, count in seen.items():
        if count > 1:
            errors.append(f"stop number {stop_number} visited {count} times")
    dropped = [d.stop for d in solution.dropped]
    if len(set(dropped)) != len(dropped) or set(dropped) & seen.keys():
        errors.append("a stop is both served and left out, or left out twice")
    missing = set(range(len(problem.stops))) - seen.keys() - set(dropped)
    if missing:
        errors.append(f"stops neither served nor left out: {sorted(missing)[:10]}")
    required = [problem.stops[i].id for i in dropped if problem.stops[i].required]
    if required:
        errors.append(f"{REQUIRED_LEFT_OUT}: {required[:10]}")
    return errors


def _route_distance(problem: Problem, vehicle: Vehicle, route: Route, distance: IntMatrix) -> int:
    nodes = [vehicle.start_depot if route.trip == 0 else vehicle.end_depot]
    nodes += [problem.node_of_stop(v.stop) for v in route.visits]
    nodes.append(vehicle.end_depot)
    return sum(int(distance[a, b]) for a, b in itertools.pairwise(nodes))


def _check_trips(vehicle: Vehicle, routes: list[Route]) -> list[str]:
    errors: list[str] = []
    trips = sorted(routes, key=lambda r: r.trip)
    if [r.trip for r in trips] != list(range(len(trips))) or len(trips) > vehicle.max_trips:
        errors.append(f"vehicle {vehicle.id!r}: trips {[r.trip for r in trips]} not 0..k")
    for before, after in itertools.pairwise(trips):
        if after.departure < before.return_time + vehicle.reload:
            errors.append(f"vehicle {vehicle.id!r}: trip {after.trip} leaves before reloading")
    if trips:
        if trips[0].departure < vehicle.shift.start or trips[-1].return_time > vehicle.shift.end:
            errors.append(f"vehicle {vehicle.id!r}: outside its shift {vehicle.shift}")
        day = trips[-1].return_time - trips[0].departure
        if vehicle.max_duration is not None and day > vehicle.max_duration:
            errors.append(f"vehicle {vehicle.id!r}: works {day} s > {vehicle.max_duration} s")
    return errors


def _check_loads(problem: Problem, vehicle: Vehicle, route: Route) -> list[str]:
    dims = problem.dimensions
    stops = [problem.stops[v.stop] for v in route.visits]
    load = list(vehicle.load_on_board() if route.trip == 0 else (0,) * dims)
    for stop in stops:
        load = [q + d for q, d in zip(load, amounts(stop.delivery, dims), strict=True)]
    errors: list[str] = []
    if tuple(load) != route.start_load:
        errors.append(f"{_name(route)}: starts with {route.start_load}, recomputed {load}")
    if any(q > c for q, c in zip(load, vehicle.capacity, strict=True)):
        errors.append(f"{_name(route)}: leaves with {load} > capacity {vehicle.capacity}")
    for stop, visit in zip(stops, route.visits, strict=True):
        load = [
            q - d + p
            for q, d, p in zip(
                load, amounts(stop.delivery, dims), amounts(stop.pickup, dims), strict=True
            )
        ]
        if any(q > c for q, c in zip(load, vehicle.capacity, strict=True)):
            errors.append(f"{_name(route)}: {load} on board after {stop.id!r} > capacity")
        if tuple(load) != visit.load:
            errors.append(f"{_name(route)}: load after {stop.id!r} reported {visit.load}")
    return errors


def _check_times(problem: Problem, vehicle: Vehicle, route: Route, travel: IntMatrix) -> list[str]:
    errors: list[str] = []
    node = vehicle.start_depot if route.trip == 0 else vehicle.end_depot
    ready = route.departure
    for visit in route.visits:
        stop = problem.stops[visit.stop]
        here = problem.node_of_stop(visit.stop)
        earliest = ready + int(travel[node, here])
        if visit.arrival < earliest or visit.start < visit.arrival:
            errors.append(f"{_name(route)}: at {stop.id!r} before it can get there")
        if not any(w.start <= visit.start <= w.end for w in stop.windows):
            errors.append(f"{_name(route)}: {stop.id!r} served at {visit.start}, outside windows")
        node, ready = here, visit.start + stop.service
    if route.return_time < ready + int(travel[node, vehicle.end_depot]):
        errors.append(f"{_name(route)}: back at the depot before it can get there")
    return errors
