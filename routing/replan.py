"""Re-planning mid-day: done stops stay done, the rest is planned from where vehicles are now.

The new problem keeps the original depots, adds one depot per vehicle already out (where it is
now: a ``Place``, or the id of the stop or depot it is at), starts every shift no earlier than
``now``, puts what each vehicle picked up on board, and ties stops whose parcels are already on a
vehicle to that vehicle. Stops whose windows have all closed become optional, so the plan names
them as left out instead of failing. Stop numbers in the new problem differ from the old; ids
do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from routing.distances import Matrix
from routing.model import Depot, Place, Problem, Stop, TimeWindow, Vehicle
from routing.planner import SolveOptions, solve
from routing.solution import Solution


@dataclass(frozen=True, slots=True)
class Progress:
    now: int
    done: frozenset[str] = frozenset()
    positions: Mapping[str, Place | str] = field(default_factory=dict)
    on_board: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    loaded: Mapping[str, str] = field(default_factory=dict)  # stop id -> vehicle id


def replan(problem: Problem, progress: Progress, options: SolveOptions | None = None) -> Solution:
    return solve(replan_problem(problem, progress), options)


def replan_problem(problem: Problem, progress: Progress) -> Problem:
    _check(problem, progress)
    remaining = [s for s in problem.stops if s.id not in progress.done]
    vehicle_order = [v.id for v in problem.vehicles if v.id in progress.positions]
    depots = list(problem.depots) + [
        Depot(f"{vid}@now", _place(problem, progress.positions[vid])) for vid in vehicle_order
    ]
    vehicles = [_vehicle(v, progress, len(problem.depots), vehicle_order) for v in problem.vehicles]
    stops = [_stop(s, progress) for s in remaining]
    provider = problem.distances
    if isinstance(provider, Matrix):
        provider = _submatrix(problem, provider, progress, vehicle_order, remaining)
    return Problem(tuple(depots), tuple(stops), tuple(vehicles), provider)


def _check(problem: Problem, progress: Progress) -> None:
    ids = {v.id for v in problem.vehicles}
    unknown = set(progress.positions) | set(progress.on_board) | set(progress.loaded.values())
    if unknown - ids:
        raise ValueError(f"unknown vehicles in progress: {sorted(unknown - ids)}")
    stop_ids = {s.id for s in problem.stops}
    if (progress.done | set(progress.loaded)) - stop_ids:
        raise ValueError("progress names stops that are not in the problem")
    if isinstance(problem.distances, Matrix) and any(
        isinstance(p, Place) for p in progress.positions.values()
    ):
        raise ValueError("with an explicit matrix, give positions as stop or depot ids")


def _place(problem: Problem, position: Place | str) -> Place:
    if isinstance(position, Place):
        return position
    places = {d.id: d.place for d in problem.depots} | {s.id: s.place for s in problem.stops}
    if position not in places:
        raise ValueError(f"unknown position {position!r}")
    return places[position]


def _vehicle(vehicle: Vehicle, progress: Progress, first_new: int, out: list[str]) -> Vehicle:
    start = max(vehicle.shift.start, progress.now)
    if start > vehicle.shift.end:
        start = vehicle.shift.end
    max_duration = vehicle.max_duration
    if max_duration is not None and vehicle.id in progress.positions:
        max_duration = max(1, max_duration - max(0, progress.now - vehicle.shift.start))
    return replace(
        vehicle,
        start_depot=first_new + out.index(vehicle.id) if vehicle.id in out else vehicle.start_depot,
        shift=TimeWindow(start, vehicle.shift.end),
        max_duration=max_duration,
        initial_load=progress.on_board.get(vehicle.id, vehicle.initial_load),
    )


def _stop(stop: Stop, progress: Progress) -> Stop:
    owner = progress.loaded.get(stop.id)
    vehicles = frozenset({owner}) if owner is not None else stop.vehicles
    penalty = stop.penalty
    if all(w.end < progress.now for w in stop.windows):
        penalty = penalty or 0
    return replace(stop, vehicles=vehicles, penalty=penalty)


def _submatrix(
    problem: Problem, matrix: Matrix, progress: Progress, out: list[str], remaining: list[Stop]
) -> Matrix:
    node = {d.id: i for i, d in enumerate(problem.depots)}
    node |= {s.id: problem.node_of_stop(i) for i, s in enumerate(problem.stops)}
    order = list(range(len(problem.depots)))
    order += [node[str(progress.positions[vid])] for vid in out]
    order += [node[s.id] for s in remaining]
    index = np.ix_(order, order)
    duration = None if matrix.duration is None else matrix.duration[index]
    return Matrix(matrix.distance[index], duration)
