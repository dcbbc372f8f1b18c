"""The plan: routes of timed visits with loads, the stops left out and why, and its cost."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DropReason(StrEnum):
    TOO_HEAVY = "heavier than any vehicle that may serve it"
    OUTSIDE_SHIFTS = "its time windows lie outside every vehicle's shift"
    WINDOW_UNREACHABLE = "no vehicle can reach it within its time windows and get back in time"
    LEFT_OUT = "left out by the optimiser: not worth its penalty, or no room or time left"


@dataclass(frozen=True, slots=True)
class Visit:
    """One stop on a route. ``load`` is what is on board after serving it."""

    stop: int
    stop_id: str
    arrival: int
    start: int
    load: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """One trip of one vehicle: out from its depot (``trip`` 0: the start depot; later trips:
    the end depot after reloading) and back to its end depot."""

    vehicle: int
    vehicle_id: str
    trip: int
    departure: int
    visits: tuple[Visit, ...]
    return_time: int
    start_load: tuple[int, ...]
    distance: int

    @property
    def stop_ids(self) -> list[str]:
        return [v.stop_id for v in self.visits]


@dataclass(frozen=True, slots=True)
class Dropped:
    stop: int
    stop_id: str
    reason: DropReason


@dataclass(frozen=True, slots=True)
class Solution:
    """A plan. ``violations`` is the independent validator's verdict recorded by ``solve``."""

    routes: tuple[Route, ...]
    dropped: tuple[Dropped, ...]
    distance: int
    fixed_cost: int
    penalty: int
    required_dropped: int
    engine: str = ""
    seconds: float = 0.0
    violations: tuple[str, ...] = ()

    def cost(self) -> int:
        """Metres driven + fixed costs of the vehicles used + penalties of left-out stops."""
        return self.distance + self.fixed_cost + self.penalty

    def is_feasible(self) -> bool:
        return not self.violations and self.required_dropped == 0

    def served(self) -> int:
        return sum(len(r.visits) for r in self.routes)

    def vehicles_used(self) -> int:
        return len({r.vehicle for r in self.routes})

    def summary(self) -> str:
        lines = [
            f"cost {self.cost()} = distance {self.distance} + fixed {self.fixed_cost}"
            f" + penalties {self.penalty}",
            f"{len(self.routes)} trips on {self.vehicles_used()} vehicles, {self.served()} stops"
            f" served, {len(self.dropped)} left out",
            f"feasible: {self.is_feasible()} (engine {self.engine or '-'}, {self.seconds:.2f} s)",
        ]
        lines += [f"  {r.vehicle_id}#{r.trip}: {' '.join(r.stop_ids)}" for r in self.routes]
        lines += [f"  left out {d.stop_id}: {d.reason}" for d in self.dropped]
        lines += [f"  VIOLATION {v}" for v in self.violations]
        return "\n".join(lines)
