"""The problem flattened into arrays for the engines, restricted to the stops being planned.

Local node numbering: the problem's depots first (same numbers), then the planned stops in the
order of ``Compiled.stops``. Each vehicle becomes ``max_trips`` slots, one per possible trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routing.distances import IntMatrix
from routing.model import Problem, Stop, TimeWindow, amounts


@dataclass(frozen=True, slots=True)
class Slot:
    vehicle: int
    trip: int
    start_node: int
    end_node: int


@dataclass(frozen=True, eq=False, slots=True)
class Matrices:
    """The provider's answer for a whole problem, computed once per solve."""

    distance: IntMatrix
    duration: tuple[IntMatrix, ...]  # per vehicle; vehicles of one speed share one array

    @classmethod
    def of(cls, problem: Problem) -> Matrices:
        distance = problem.distances.distances(problem.places())
        if distance.shape != (problem.num_nodes, problem.num_nodes):
            raise ValueError(f"distance provider returned shape {distance.shape}")
        by_speed: dict[int, IntMatrix] = {}
        for vehicle in problem.vehicles:
            if vehicle.speed_m_per_h not in by_speed:
                by_speed[vehicle.speed_m_per_h] = problem.distances.durations(
                    distance, vehicle.speed_m_per_h
                )
        return cls(distance, tuple(by_speed[v.speed_m_per_h] for v in problem.vehicles))


@dataclass(frozen=True, eq=False, slots=True)
class Compiled:
    problem: Problem
    stops: tuple[int, ...]
    distance: IntMatrix
    duration: tuple[IntMatrix, ...]
    delivery: NDArray[np.int64]  # local stop x dimension
    pickup: NDArray[np.int64]
    slots: tuple[Slot, ...]

    @property
    def num_depots(self) -> int:
        return len(self.problem.depots)

    @property
    def num_nodes(self) -> int:
        return self.num_depots + len(self.stops)

    def node(self, local_stop: int) -> int:
        return self.num_depots + local_stop

    def service(self, node: int) -> int:
        return 0 if node < self.num_depots else self.stop_at(node - self.num_depots).service

    def stop_at(self, local_stop: int) -> Stop:
        return self.problem.stops[self.stops[local_stop]]

    def windows(self, local_stop: int) -> tuple[TimeWindow, ...]:
        return self.stop_at(local_stop).windows

    def has_pickups(self) -> bool:
        loaded = any(v.initial_load and any(v.initial_load) for v in self.problem.vehicles)
        return bool(self.pickup.any()) or loaded

    def needs_time(self) -> bool:
        """False for a pure capacitated problem, where engines may skip the time dimension."""
        default = TimeWindow()
        stops_free = all(self.windows(i) == (default,) for i in range(len(self.stops)))
        vehicles_free = all(
            v.shift == default and v.max_duration is None and v.max_trips == 1
            for v in self.problem.vehicles
        )
        return not (stops_free and vehicles_free)

    def allowed(self, local_stop: int) -> list[int] | None:
        ids = self.stop_at(local_stop).vehicles
        if ids is None:
            return None
        return [k for k, v in enumerate(self.problem.vehicles) if v.id in ids]

    def restricted(self, local_stops: Sequence[int], slots: Sequence[int]) -> Compiled:
        """The same problem cut down to some of its stops and slots (a sector of a big one);
        its local stop ``i`` is this one's ``local_stops[i]``."""
        nodes = list(range(self.num_depots)) + [self.node(s) for s in local_stops]
        index = np.ix_(nodes, nodes)
        return Compiled(
            problem=self.problem,
            stops=tuple(self.stops[s] for s in local_stops),
            distance=self.distance[index],
            duration=_sliced(self.duration, index),
            delivery=self.delivery[list(local_stops)],
            pickup=self.pickup[list(local_stops)],
            slots=tuple(self.slots[k] for k in slots),
        )

    def big_penalty(self) -> int:
        """A penalty no detour can beat, used to keep required stops on the plan when an engine
        models them as droppable."""
        return (
            int(self.distance.max(initial=0)) * (self.num_nodes + 2) * 4
            + 1
            + sum(v.fixed_cost for v in self.problem.vehicles)
        )


def compile_problem(problem: Problem, matrices: Matrices, stops: Sequence[int]) -> Compiled:
    nodes = list(range(len(problem.depots))) + [len(problem.depots) + s for s in stops]
    index = np.ix_(nodes, nodes)
    dims = problem.dimensions
    delivery = np.array(
        [amounts(problem.stops[s].delivery, dims) for s in stops], dtype=np.int64
    ).reshape(len(stops), dims)
    pickup = np.array(
        [amounts(problem.stops[s].pickup, dims) for s in stops], dtype=np.int64
    ).reshape(len(stops), dims)
    slots = tuple(
        Slot(k, trip, v.start_depot if trip == 0 else v.end_depot, v.end_depot)
        for k, v in enumerate(problem.vehicles)
        for trip in range(v.max_trips)
    )
    return Compiled(
        problem=problem,
        stops=tuple(stops),
        distance=matrices.distance[index],
        duration=_sliced(matrices.duration, index),
        delivery=delivery,
        pickup=pickup,
        slots=slots,
    )


def _sliced(
    tables: tuple[IntMatrix, ...], index: tuple[NDArray[np.intp], ...]
) -> tuple[IntMatrix, ...]:
    """Each distinct table sliced once: vehicles of one speed share one table, and a township
    has hundreds of them."""
    sliced: dict[int, IntMatrix] = {}
    for table in tables:
        if id(table) not in sliced:
            sliced[id(table)] = table[index]
    return tuple(sliced[id(t)] for t in tables)


#: An engine's answer: for every slot, the local stop numbers it visits in order.
Plan = tuple[tuple[int, ...], ...]
