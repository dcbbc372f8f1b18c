"""The problem: frozen dataclasses in integer units (metres, seconds, grams or any other unit).

Every constructor checks its own fields eagerly and raises ``ValueError`` with a message that
names the offending stop or vehicle, so a bad problem never reaches a solver. Checks that need
travel times (can any vehicle reach this stop in time?) run in ``routing.solve`` instead, because
they need the distance provider's matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.distances import DistanceProvider, GreatCircle

#: Latest representable time, used as "no limit" for windows and shifts (about 31 years).
HORIZON = 10**9


@dataclass(frozen=True, slots=True)
class Place:
    """A point: ``lat``/``lon`` in degrees for the great-circle provider; with an explicit
    matrix only a label."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service may *start* at any second in ``[start, end]``."""

    start: int = 0
    end: int = HORIZON

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"time window starts before 0: {self.start}")
        if self.end < self.start:
            raise ValueError(f"time window ends ({self.end}) before it starts ({self.start})")
        if self.end > HORIZON:
            raise ValueError(f"time window ends after the horizon {HORIZON}: {self.end}")


@dataclass(frozen=True, slots=True)
class Depot:
    """A village station (or, when re-planning, the place a vehicle is at right now)."""

    id: str
    place: Place


@dataclass(frozen=True, slots=True)
class Stop:
    """A household, farm or shop to visit.

    ``delivery`` is carried from the depot and dropped here; ``pickup`` is loaded here and carried
    back (simultaneous delivery and pickup). One amount per capacity dimension, e.g. (grams,
    parcels). ``penalty=None`` makes the stop required; otherwise the planner may leave it out
    and pays ``penalty`` (in metres of travel it is worth) for doing so. ``vehicles`` restricts
    which vehicle ids may serve it (e.g. its parcels are already on that bike).
    """

    id: str
    place: Place
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    service: int = 0
    windows: tuple[TimeWindow, ...] = (TimeWindow(),)
    penalty: int | None = None
    vehicles: frozenset[str] | None = None

    def __post_init__(self) -> None:
        where = f"stop {self.id!r}"
        if any(q < 0 for q in self.delivery + self.pickup):
            raise ValueError(f"{where}: negative demand {self.delivery} / {self.pickup}")
        if self.service < 0:
            raise ValueError(f"{where}: negative service time {self.service}")
        if not self.windows:
            raise ValueError(f"{where}: needs at least one time window")
        for before, after in zip(self.windows, self.windows[1:], strict=False):
            if after.start <= before.end:
                raise ValueError(f"{where}: time windows must be sorted and disjoint")
        if self.penalty is not None and self.penalty < 0:
            raise ValueError(f"{where}: negative penalty {self.penalty}")
        if self.vehicles is not None and not self.vehicles:
            raise ValueError(f"{where}: an empty set of allowed vehicles")

    @property
    def required(self) -> bool:
        return self.penalty is None


@dataclass(frozen=True, slots=True)
class Vehicle:
    """An e-bike, tricycle, van or a cadre on foot.

    ``max_trips > 1`` lets it come back to ``end_depot`` to reload (taking ``reload``
    seconds) and go out again; later trips start from ``end_depot``. ``initial_load`` is what is
    already on board and stays on board until the end (goods picked up before a re-plan).
    """

    id: str
    capacity: tuple[int, ...]
    start_depot: int = 0
    end_depot: int = 0
    shift: TimeWindow = TimeWindow()
    max_duration: int | None = None
    speed_m_per_h: int = 15_000
    fixed_cost: int = 0
    max_trips: int = 1
    reload: int = 0
    initial_load: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        where = f"vehicle {self.id!r}"
        if not self.capacity or any(c <= 0 for c in self.capacity):
            raise ValueError(f"{where}: every capacity must be positive, got {self.capacity}")
        if self.speed_m_per_h <= 0:
            raise ValueError(f"{where}: speed must be positive, got {self.speed_m_per_h}")
        if self.max_duration is not None and self.max_duration <= 0:
            raise ValueError(f"{where}: max duration must be positive")
        if self.max_trips < 1:
            raise ValueError(f"{where}: max_trips must be at least 1")
        if self.fixed_cost < 0 or self.reload < 0:
            raise ValueError(f"{where}: negative fixed cost or reload time")
        if any(q < 0 for q in self.initial_load):
            raise ValueError(f"{where}: negative initial load")
        if len(self.initial_load) not in (0, len(self.capacity)):
            raise ValueError(f"{where}: initial load has the wrong number of dimensions")
        if any(q > c for q, c in zip(self.initial_load, self.capacity, strict=False)):
            raise ValueError(f"{where}: initial load exceeds capacity")

    def load_on_board(self) -> tuple[int, ...]:
        return self.initial_load or (0,) * len(self.capacity)


@dataclass(frozen=True, slots=True)
class Problem:
    """Depots, stops and vehicles, plus the provider of distances and travel times.

    Node numbering used by matrices: depots first, then stops, in the order given here.
    """

    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    distances: DistanceProvider = field(default_factory=GreatCircle)

    def __post_init__(self) -> None:
        if not self.depots:
            raise ValueError("a problem needs at least one depot")
        if not self.vehicles:
            raise ValueError("a problem needs at least one vehicle")
        _check_unique("depot", [d.id for d in self.depots])
        _check_unique("stop", [s.id for s in self.stops])
        _check_unique("vehicle", [v.id for v in self.vehicles])
        self._check_dimensions()
        self._check_references()

    @property
    def dimensions(self) -> int:
        return len(self.vehicles[0].capacity)

    @property
    def num_nodes(self) -> int:
        return len(self.depots) + len(self.stops)

    def node_of_stop(self, index: int) -> int:
        return len(self.depots) + index

    def places(self) -> list[Place]:
        return [d.place for d in self.depots] + [s.place for s in self.stops]

    def _check_dimensions(self) -> None:
        dims = self.dimensions
        for vehicle in self.vehicles:
            if len(vehicle.capacity) != dims:
                raise ValueError(
                    f"vehicle {vehicle.id!r}: {len(vehicle.capacity)} capacity dimensions, "
                    f"expected {dims}"
                )
        for stop in self.stops:
            for name, amounts in (("delivery", stop.delivery), ("pickup", stop.pickup)):
                if len(amounts) not in (0, dims):
                    raise ValueError(
                        f"stop {stop.id!r}: {name} has {len(amounts)} dimensions, expected {dims}"
                    )

    def _check_references(self) -> None:
        vehicle_ids = {v.id for v in self.vehicles}
        for vehicle in self.vehicles:
            for depot in (vehicle.start_depot, vehicle.end_depot):
                if not 0 <= depot < len(self.depots):
                    raise ValueError(f"vehicle {vehicle.id!r}: no depot number {depot}")
        for stop in self.stops:
            unknown = (stop.vehicles or frozenset()) - vehicle_ids
            if unknown:
                raise ValueError(f"stop {stop.id!r}: unknown vehicles {sorted(unknown)}")


def amounts(values: tuple[int, ...], dims: int) -> tuple[int, ...]:
    """``values`` padded to ``dims`` (an empty tuple means nothing in every dimension)."""
    return values or (0,) * dims


def _check_unique(kind: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise ValueError(f"duplicate {kind} id {ident!r}")
        seen.add(ident)
