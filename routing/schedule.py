"""Turn an engine's visiting order into timed, loaded routes.

Engines only decide the order. The times are computed here, the same way for every engine:
earliest feasible service starts; then the vehicle leaves its depot as late as it can without
missing any window, which gives the shortest working day for that order; then that whole day is
moved as early as the windows allow, keeping its length, to leave slack for the unexpected.
A vehicle's trips are timed as one day, the reload at the depot being a visit of ``reload``
seconds in between.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from routing.compiled import Compiled, Plan
from routing.distances import IntMatrix
from routing.model import TimeWindow
from routing.solution import Dropped, DropReason, Route, Solution, Visit


@dataclass(frozen=True, slots=True)
class _Step:
    node: int
    service: int
    windows: tuple[TimeWindow, ...]


def assemble(
    compiled: Compiled,
    plan: Plan,
    reasons: Mapping[int, DropReason],
    *,
    engine: str = "",
    seconds: float = 0.0,
) -> Solution:
    """``reasons`` names the (problem) stops set aside before solving and why."""
    routes: list[Route] = []
    for vehicle in range(len(compiled.problem.vehicles)):
        trips = [plan[k] for k, s in enumerate(compiled.slots) if s.vehicle == vehicle]
        routes += _vehicle_day(compiled, vehicle, [t for t in trips if t])
    served = {v.stop for r in routes for v in r.visits}
    problem = compiled.problem
    dropped = tuple(
        Dropped(i, stop.id, reasons.get(i, DropReason.LEFT_OUT))
        for i, stop in enumerate(problem.stops)
        if i not in served
    )
    used = {r.vehicle for r in routes}
    return Solution(
        routes=tuple(routes),
        dropped=dropped,
        distance=sum(r.distance for r in routes),
        fixed_cost=sum(problem.vehicles[k].fixed_cost for k in used),
        penalty=sum(problem.stops[d.stop].penalty or 0 for d in dropped),
        required_dropped=sum(problem.stops[d.stop].required for d in dropped),
        engine=engine,
        seconds=seconds,
    )


def _vehicle_day(compiled: Compiled, vehicle: int, trips: list[tuple[int, ...]]) -> list[Route]:
    if not trips:
        return []
    spec = compiled.problem.vehicles[vehicle]
    shift = (spec.shift,)
    steps = [_Step(spec.start_depot, 0, shift)]
    for number, trip in enumerate(trips):
        steps += [
            _Step(compiled.node(s), compiled.service(compiled.node(s)), compiled.windows(s))
            for s in trip
        ]
        reload = spec.reload if number < len(trips) - 1 else 0
        steps.append(_Step(spec.end_depot, reload, shift))
    starts, arrivals = _timetable(compiled, vehicle, steps)
    routes = []
    position = 0
    for number, trip in enumerate(trips):
        end = position + len(trip) + 1
        routes.append(_route(compiled, vehicle, number, trip, starts, arrivals, position, end))
        position = end
    return routes


def _timetable(compiled: Compiled, vehicle: int, steps: list[_Step]) -> tuple[list[int], list[int]]:
    """Service start and arrival of every step, leaving the depot as late as possible."""
    travel = compiled.duration[vehicle]
    earliest, chosen = _forward(travel, steps, steps[0].windows[0].start, None)
    latest = [0] * len(steps)
    latest[-1] = chosen[-1].end
    for i in range(len(steps) - 2, -1, -1):
        hop = steps[i].service + int(travel[steps[i].node, steps[i + 1].node])
        latest[i] = min(chosen[i].end, latest[i + 1] - hop)
    departure = max(earliest[0], latest[0])
    starts, _ = _forward(travel, steps, departure, chosen)
    # Same working day, but as early as the windows allow: slack left for the unexpected.
    early = min(start - window.start for start, window in zip(starts, chosen, strict=True))
    starts = [start - max(0, early) for start in starts]
    arrivals = [starts[0]] + [
        starts[i - 1] + steps[i - 1].service + int(travel[steps[i - 1].node, steps[i].node])
        for i in range(1, len(steps))
    ]
    return starts, arrivals


def _forward(
    travel: IntMatrix, steps: list[_Step], departure: int, chosen: list[TimeWindow] | None
) -> tuple[list[int], list[TimeWindow]]:
    """Earliest service starts from ``departure``; picks (or keeps) the window of each step."""
    starts = [departure]
    windows = [chosen[0] if chosen else steps[0].windows[0]]
    for i in range(1, len(steps)):
        arrive = starts[-1] + steps[i - 1].service + int(travel[steps[i - 1].node, steps[i].node])
        window = chosen[i] if chosen else _window_for(steps[i].windows, arrive)
        starts.append(max(arrive, window.start))
        windows.append(window)
    return starts, windows


def _window_for(windows: tuple[TimeWindow, ...], arrive: int) -> TimeWindow:
    """The first window still open on arrival (the last one if all have closed: infeasible,
    which the validator reports)."""
    return next((w for w in windows if w.end >= arrive), windows[-1])


def _route(
    compiled: Compiled,
    vehicle: int,
    number: int,
    trip: tuple[int, ...],
    starts: list[int],
    arrivals: list[int],
    first: int,
    last: int,
) -> Route:
    spec = compiled.problem.vehicles[vehicle]
    carried = spec.load_on_board() if number == 0 else (0,) * len(spec.capacity)
    load = compiled.delivery[list(trip)].sum(axis=0) + carried
    start_load = tuple(int(q) for q in load)
    visits = []
    for offset, s in enumerate(trip, start=first + 1):
        load = load - compiled.delivery[s] + compiled.pickup[s]
        problem_stop = compiled.stops[s]
        stop_id = compiled.problem.stops[problem_stop].id
        after = tuple(int(q) for q in load)
        visits.append(Visit(problem_stop, stop_id, arrivals[offset], starts[offset], after))
    home = spec.start_depot if number == 0 else spec.end_depot
    nodes = [home, *(compiled.node(s) for s in trip), spec.end_depot]
    distance = sum(int(compiled.distance[a, b]) for a, b in itertools.pairwise(nodes))
    departure = starts[first] + (spec.reload if number > 0 else 0)
    return Route(
        vehicle, spec.id, number, departure, tuple(visits), arrivals[last], start_load, distance
    )
