"""The OR-Tools engine: the only module that imports ``ortools``.

Model: one routing vehicle per slot (vehicle x trip). Arc cost is distance. Capacity: with
deliveries only, one cumulative dimension per unit; with pickups, a "load" dimension per unit
whose start value equals the trip's total deliveries (read off a second, cumulative "delivered"
dimension), so the load stays within capacity all along the trip. Time: travel plus service,
waiting allowed, windows on cumul vars (gaps between windows removed), shifts on the slots' start
and end, later trips of a vehicle start after the earlier ones are back and reloaded.

Determinism: the search is single-threaded and deterministic for a given model, but it stops on
wall-clock time, so how far it gets (and hence the plan) can differ between runs and machines,
unless ``solution_limit`` is given: then it descends greedily to a local optimum in at most that
many solutions and does the same work on any machine. OR-Tools routing
has no seed; ``seed`` only matters to the other engines.
"""

from __future__ import annotations

import itertools
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.compiled import Compiled, Plan
from routing.model import HORIZON

FIRST_SOLUTIONS = ("PARALLEL_CHEAPEST_INSERTION", "SAVINGS", "PATH_CHEAPEST_ARC")


def solve(
    compiled: Compiled,
    seconds: float,
    *,
    first_solution: str = FIRST_SOLUTIONS[0],
    initial: Plan | None = None,
    soft_required: bool = False,
    solution_limit: int | None = None,
) -> Plan | None:
    """The best plan found within ``seconds`` (with ``solution_limit``: the local optimum
    reached within that many solutions), or None if not even a first solution was found."""
    manager, model = _build(compiled, soft_required)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, first_solution
    )
    # GLS never stops early and overshoots slightly on big models: keep a margin.
    params.time_limit.FromMilliseconds(max(10, int(seconds * 950)))
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    if solution_limit is not None:
        # A count of solutions alone does not end GLS on a small problem, which has fewer
        # distinct solutions than that: descend to a local optimum instead, which ends.
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
        params.solution_limit = solution_limit
    start = _read_routes(compiled, manager, model, params, initial)
    if start is not None:
        assignment = model.SolveFromAssignmentWithParameters(start, params)
    else:
        assignment = model.SolveWithParameters(params)
    if assignment is None:
        return None
    return _plan(compiled, manager, model, assignment)


def _build(compiled: Compiled, soft_required: bool) -> tuple[Any, Any]:
    slots = compiled.slots
    manager = pywrapcp.RoutingIndexManager(
        compiled.num_nodes,
        len(slots),
        [s.start_node for s in slots],
        [s.end_node for s in slots],
    )
    model = pywrapcp.RoutingModel(manager)
    arc = model.RegisterTransitMatrix(compiled.distance.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(arc)
    for k, slot in enumerate(slots):
        if slot.trip == 0:
            model.SetFixedCostOfVehicle(compiled.problem.vehicles[slot.vehicle].fixed_cost, k)
    _add_capacity(compiled, manager, model)
    if compiled.needs_time():
        _add_time(compiled, manager, model)
    _add_stop_rules(compiled, manager, model, soft_required)
    return manager, model


def _capacities(compiled: Compiled, dim: int) -> list[int]:
    return [compiled.problem.vehicles[s.vehicle].capacity[dim] for s in compiled.slots]


def _per_node(compiled: Compiled, values: list[int]) -> list[int]:
    return [0] * compiled.num_depots + values


def _add_capacity(compiled: Compiled, manager: Any, model: Any) -> None:
    solver = model.solver()
    for dim in range(compiled.problem.dimensions):
        delivered = _per_node(compiled, [int(q) for q in compiled.delivery[:, dim]])
        caps = _capacities(compiled, dim)
        deliveries = model.RegisterUnaryTransitVector(delivered)
        model.AddDimensionWithVehicleCapacity(deliveries, 0, caps, True, f"delivered{dim}")
        if not compiled.has_pickups():
            continue
        net = _per_node(
            compiled,
            [
                int(p - d)
                for p, d in zip(compiled.pickup[:, dim], compiled.delivery[:, dim], strict=True)
            ],
        )
        model.AddDimensionWithVehicleCapacity(
            model.RegisterUnaryTransitVector(net), 0, caps, False, f"load{dim}"
        )
        load = model.GetDimensionOrDie(f"load{dim}")
        total = model.GetDimensionOrDie(f"delivered{dim}")
        for k, slot in enumerate(compiled.slots):
            vehicle = compiled.problem.vehicles[slot.vehicle]
            on_board = vehicle.load_on_board()[dim] if slot.trip == 0 else 0
            solver.Add(load.CumulVar(model.Start(k)) == total.CumulVar(model.End(k)) + on_board)


def _add_time(compiled: Compiled, manager: Any, model: Any) -> None:
    service = [compiled.service(n) for n in range(compiled.num_nodes)]
    callbacks: dict[int, int] = {}
    for table in compiled.duration:
        if id(table) not in callbacks:
            matrix = (table + [[s] for s in service]).tolist()
            callbacks[id(table)] = model.RegisterTransitMatrix(matrix)
    per_slot = [callbacks[id(compiled.duration[s.vehicle])] for s in compiled.slots]
    model.AddDimensionWithVehicleTransits(per_slot, HORIZON, HORIZON, False, "time")
    time = model.GetDimensionOrDie("time")
    for local in range(len(compiled.stops)):
        windows = compiled.windows(local)
        cumul = time.CumulVar(manager.NodeToIndex(compiled.node(local)))
        cumul.SetRange(windows[0].start, windows[-1].end)
        for before, after in itertools.pairwise(windows):
            cumul.RemoveInterval(before.end + 1, after.start - 1)
    _add_shifts(compiled, model, time)


def _add_shifts(compiled: Compiled, model: Any, time: Any) -> None:
    solver = model.solver()
    first: dict[int, int] = {}
    previous: dict[int, int] = {}
    for k, slot in enumerate(compiled.slots):
        vehicle = compiled.problem.vehicles[slot.vehicle]
        for index in (model.Start(k), model.End(k)):
            time.CumulVar(index).SetRange(vehicle.shift.start, vehicle.shift.end)
        if slot.vehicle in previous:
            before = previous[slot.vehicle]
            solver.Add(
                time.CumulVar(model.End(before)) + vehicle.reload <= time.CumulVar(model.Start(k))
            )
            solver.Add(model.ActiveVehicleVar(k) <= model.ActiveVehicleVar(before))
        first.setdefault(slot.vehicle, k)
        previous[slot.vehicle] = k
    for vehicle_number, last in previous.items():
        limit = compiled.problem.vehicles[vehicle_number].max_duration
        if limit is not None:
            start = time.CumulVar(model.Start(first[vehicle_number]))
            solver.Add(time.CumulVar(model.End(last)) - start <= limit)


def _add_stop_rules(compiled: Compiled, manager: Any, model: Any, soft_required: bool) -> None:
    big = compiled.big_penalty()
    for local in range(len(compiled.stops)):
        index = manager.NodeToIndex(compiled.node(local))
        penalty = compiled.stop_at(local).penalty
        if penalty is not None or soft_required:
            model.AddDisjunction([index], big if penalty is None else penalty)
        allowed = compiled.allowed(local)
        if allowed is not None:
            slots = [k for k, s in enumerate(compiled.slots) if s.vehicle in allowed]
            # -1 is "not performed"; SetAllowedVehiclesForIndex rejects Python lists (SWIG).
            model.VehicleVar(index).SetValues([-1, *slots])


def _read_routes(
    compiled: Compiled, manager: Any, model: Any, params: Any, initial: Plan | None
) -> Any:
    if initial is None:
        return None
    model.CloseModelWithParameters(params)
    routes = [[manager.NodeToIndex(compiled.node(s)) for s in trip] for trip in initial]
    return model.ReadAssignmentFromRoutes(routes, True)


def _plan(compiled: Compiled, manager: Any, model: Any, assignment: Any) -> Plan:
    trips = []
    for k in range(len(compiled.slots)):
        index = assignment.Value(model.NextVar(model.Start(k)))
        trip = []
        while not model.IsEnd(index):
            trip.append(manager.IndexToNode(index) - compiled.num_depots)
            index = assignment.Value(model.NextVar(index))
        trips.append(tuple(trip))
    return tuple(trips)
