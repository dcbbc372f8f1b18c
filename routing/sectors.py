"""A big problem cut into geographic sectors around its depot, each solved on its own.

Neither engine gets a feasible plan for a single 4,000-stop, 674-vehicle problem within a minute,
and from about 1,000 stops PyVRP on the whole problem does worse in a minute than on sectors
(docs/routing.md gives the measurements behind ``DECOMPOSE_ABOVE``).
When every vehicle starts and ends at one depot, the places are coordinates (great-circle or
road distances: ``DistanceProvider.geographic``) and no stop is tied to particular vehicles, the
stops are sorted by their bearing from the depot and cut into sectors of about ``SECTOR_STOPS``
stops, starting at the widest empty angle; each sector gets a consecutive share of the fleet in
proportion to its share of the load.
The planner solves the sectors side by side, puts their plans together into one plan of the
whole problem and lets PyVRP polish that plan as a whole for the rest of the time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.compiled import Compiled, Plan

#: Problems with more stops than this are solved in sectors.
DECOMPOSE_ABOVE = 900
#: About this many stops per sector: small enough for PyVRP to do well on a share of a core.
SECTOR_STOPS = 500


@dataclass(frozen=True, slots=True)
class Sector:
    stops: tuple[int, ...]  # local stop numbers of the whole problem
    slots: tuple[int, ...]  # slot numbers of the whole problem
    compiled: Compiled  # the sector as a problem of its own


def applies(compiled: Compiled) -> bool:
    problem = compiled.problem
    depots = {(v.start_depot, v.end_depot) for v in problem.vehicles}
    return (
        len(compiled.stops) > DECOMPOSE_ABOVE
        and len(depots) == 1
        and len(set(next(iter(depots)))) == 1
        and problem.distances.geographic
        and all(compiled.allowed(i) is None for i in range(len(compiled.stops)))
    )


def split(compiled: Compiled) -> list[Sector]:
    order = _by_bearing(compiled)
    count = min(math.ceil(len(order) / SECTOR_STOPS), len(compiled.problem.vehicles))
    cuts = [len(order) * i // count for i in range(count + 1)]
    groups = [order[a:b] for a, b in itertools.pairwise(cuts)]
    fleets = _fleets(compiled, [_share(compiled, g) for g in groups])
    sectors = []
    for stops, vehicles in zip(groups, fleets, strict=True):
        slots = [k for k, s in enumerate(compiled.slots) if s.vehicle in vehicles]
        sectors.append(Sector(tuple(stops), tuple(slots), compiled.restricted(stops, slots)))
    return sectors


def stitch(compiled: Compiled, sectors: Sequence[Sector], plans: Sequence[Plan | None]) -> Plan:
    """One plan of the whole problem; a sector without a plan leaves its stops out."""
    trips: list[tuple[int, ...]] = [() for _ in compiled.slots]
    for sector, plan in zip(sectors, plans, strict=True):
        for slot, trip in zip(sector.slots, plan or (), strict=False):
            trips[slot] = tuple(sector.stops[s] for s in trip)
    return tuple(trips)


def _by_bearing(compiled: Compiled) -> list[int]:
    """Local stops by bearing from the depot, starting after the widest gap between bearings."""
    problem = compiled.problem
    depot = problem.depots[problem.vehicles[0].start_depot].place
    squeeze = math.cos(math.radians(depot.lat))
    places = [problem.stops[s].place for s in compiled.stops]
    bearing = np.array(
        [math.atan2(p.lat - depot.lat, (p.lon - depot.lon) * squeeze) for p in places]
    )
    order = np.argsort(bearing, kind="stable")
    ordered = bearing[order]
    gaps = np.diff(np.append(ordered, ordered[0] + 2 * math.pi))
    start = (int(np.argmax(gaps)) + 1) % len(order)
    return [int(i) for i in np.roll(order, -start)]


def _share(compiled: Compiled, stops: Sequence[int]) -> float:
    """The sector's share of the load, in its most demanding capacity dimension."""
    load = np.maximum(compiled.delivery, compiled.pickup)
    totals = np.maximum(load.sum(axis=0), 1)
    return float((load[list(stops)].sum(axis=0) / totals).max())


def _fleets(compiled: Compiled, shares: Sequence[float]) -> list[set[int]]:
    """Consecutive runs of the vehicle list (which keeps a mix of kinds in each), sized by
    share with the largest remainders rounded up, at least one vehicle each."""
    vehicles = len(compiled.problem.vehicles)
    total = sum(shares) or 1.0
    exact = [vehicles * s / total for s in shares]
    counts = [max(1, math.floor(e)) for e in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: max(0, vehicles - sum(counts))]:
        counts[i] += 1
    while sum(counts) > vehicles:
        counts[counts.index(max(counts))] -= 1
    cuts = [0, *itertools.accumulate(counts)]
    return [set(range(a, b)) for a, b in itertools.pairwise(cuts)]
