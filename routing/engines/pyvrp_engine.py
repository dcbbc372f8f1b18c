"""The PyVRP engine: the only module that imports ``pyvrp``.

PyVRP's iterated local search is very strong on the classic problem shapes, so the planner runs
it beside OR-Tools whenever the problem fits what this adapter models: one time window per stop,
one trip per vehicle, no per-stop vehicle restrictions and nothing on board at the start. For the
rest (multi-trip, several windows, re-plans) OR-Tools carries the constraints alone.
Deterministic for a given seed, apart from where the wall-clock limit cuts the search.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from routing.compiled import Compiled, Plan
from routing.model import HORIZON, TimeWindow


def supports(compiled: Compiled) -> bool:
    vehicles_simple = all(
        v.max_trips == 1 and not any(v.initial_load) for v in compiled.problem.vehicles
    )
    stops_simple = all(
        len(compiled.windows(i)) == 1 and compiled.stop_at(i).vehicles is None
        for i in range(len(compiled.stops))
    )
    return vehicles_simple and stops_simple and len(compiled.stops) > 0


def solve(
    compiled: Compiled, seconds: float, *, seed: int = 0, initial: Plan | None = None
) -> Plan | None:
    """The best feasible plan found within ``seconds``, or None if PyVRP found none."""
    types = _types(compiled)
    data = _data(compiled, types)
    start = _solution(data, types, initial) if initial is not None else None
    result = pyvrp.solve(
        data,
        MaxRuntime(max(0.01, seconds)),
        seed=seed,
        collect_stats=False,
        params=_params(compiled),
        initial_solution=start,
    )
    if not result.best.is_feasible():
        return None
    trips: list[tuple[int, ...]] = [() for _ in compiled.slots]
    free = [list(reversed(slots)) for slots in types]
    for route in result.best.routes():
        trips[free[route.vehicle_type()].pop()] = tuple(
            a.idx for a in route.schedule() if a.is_client()
        )
    return tuple(trips)


def _types(compiled: Compiled) -> list[list[int]]:
    """Slots grouped into PyVRP vehicle types: a township's hundreds of identical bikes become
    one type with that many available, which PyVRP searches far better than one type each."""
    groups: dict[tuple[object, ...], list[int]] = {}
    for k, slot in enumerate(compiled.slots):
        v = compiled.problem.vehicles[slot.vehicle]
        profile = id(compiled.duration[slot.vehicle])
        key = (v.capacity, v.start_depot, v.end_depot, v.fixed_cost, v.shift, v.max_duration)
        groups.setdefault((*key, profile), []).append(k)
    return list(groups.values())


def _params(compiled: Compiled) -> pyvrp.SolveParams:
    """PyVRP caps its infeasibility penalties at 1e5 per unit, which is too low when distances
    are in metres or thousandths (it then struggles to get feasible): scale the cap with the
    longest arc."""
    longest = float(compiled.distance.max(initial=1))
    return pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=max(1e5, 100 * longest)))


def _data(compiled: Compiled, types: list[list[int]]) -> pyvrp.ProblemData:
    locations = [pyvrp.Location(0, 0) for _ in range(compiled.num_nodes)]
    clients = [_client(compiled, i) for i in range(len(compiled.stops))]
    depots = [pyvrp.Depot(location=d) for d in range(compiled.num_depots)]
    profiles: dict[int, int] = {}
    for table in compiled.duration:
        profiles.setdefault(id(table), len(profiles))
    vehicle_types = [
        _vehicle_type(compiled, compiled.slots[slots[0]].vehicle, len(slots), profiles)
        for slots in types
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
    compiled: Compiled, vehicle: int, available: int, profiles: dict[int, int]
) -> pyvrp.VehicleType:
    v = compiled.problem.vehicles[vehicle]
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


def _solution(data: pyvrp.ProblemData, types: list[list[int]], plan: Plan) -> pyvrp.Solution:
    type_of = {k: t for t, slots in enumerate(types) for k in slots}
    routes = [pyvrp.Route(data, list(trip), type_of[k]) for k, trip in enumerate(plan) if trip]
    return pyvrp.Solution(data, routes)
