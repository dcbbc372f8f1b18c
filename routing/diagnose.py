"""Stops no vehicle could ever serve, found before any search and named with the reason."""

from __future__ import annotations

from routing.compiled import Matrices
from routing.model import Problem, Stop, Vehicle, amounts
from routing.solution import DropReason


def unservable(problem: Problem, matrices: Matrices) -> dict[int, DropReason]:
    """Stop number -> why no allowed vehicle can serve it, even on a trip of its own."""
    reasons: dict[int, DropReason] = {}
    for i, stop in enumerate(problem.stops):
        allowed = [
            (k, v)
            for k, v in enumerate(problem.vehicles)
            if stop.vehicles is None or v.id in stop.vehicles
        ]
        light = [(k, v) for k, v in _distinct(allowed) if _fits(problem, stop, v)]
        if not light:
            reasons[i] = DropReason.TOO_HEAVY
        elif not any(_overlaps_shift(stop, v) for _, v in light):
            reasons[i] = DropReason.OUTSIDE_SHIFTS
        elif not any(_reachable(problem, matrices, i, k, v) for k, v in light):
            reasons[i] = DropReason.WINDOW_UNREACHABLE
    return reasons


def _distinct(vehicles: list[tuple[int, Vehicle]]) -> list[tuple[int, Vehicle]]:
    """One vehicle of each kind: the checks below only look at these fields, and a township's
    fleet has hundreds of identical bikes."""
    kinds: dict[tuple[object, ...], tuple[int, Vehicle]] = {}
    for k, v in vehicles:
        kind = (v.capacity, v.start_depot, v.end_depot, v.shift, v.max_duration, v.speed_m_per_h)
        kinds.setdefault((*kind, v.max_trips > 1), (k, v))
    return list(kinds.values())


def _fits(problem: Problem, stop: Stop, vehicle: Vehicle) -> bool:
    dims = problem.dimensions
    return all(
        max(d, p) <= c
        for d, p, c in zip(
            amounts(stop.delivery, dims), amounts(stop.pickup, dims), vehicle.capacity, strict=True
        )
    )


def _overlaps_shift(stop: Stop, vehicle: Vehicle) -> bool:
    return any(w.start <= vehicle.shift.end and w.end >= vehicle.shift.start for w in stop.windows)


def _reachable(problem: Problem, matrices: Matrices, stop: int, k: int, vehicle: Vehicle) -> bool:
    travel = matrices.duration[k]
    node = problem.node_of_stop(stop)
    origins = {vehicle.start_depot} | ({vehicle.end_depot} if vehicle.max_trips > 1 else set())
    there = min(int(travel[o, node]) for o in origins)
    back = int(travel[node, vehicle.end_depot])
    service = problem.stops[stop].service
    if vehicle.max_duration is not None and there + service + back > vehicle.max_duration:
        return False
    arrival = vehicle.shift.start + there
    return any(
        max(arrival, w.start) <= w.end
        and max(arrival, w.start) + service + back <= vehicle.shift.end
        for w in problem.stops[stop].windows
    )
