"""What every source of travel tables answers: metres, seconds, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from routing.distances import IntMatrix

#: The way of one leg for maps: (lat, lon) points from one door to the next.
Leg = list[tuple[float, float]]


class Source(Enum):
    """Where a table came from, best first (the order in which they are tried)."""

    OSRM = "osrm"
    OSM = "osm"
    STRAIGHT_LINE = "straight_line"


class SourceUnavailable(Exception):
    """A source could not answer (server down, timed out, bad answer); the next one is tried."""


@dataclass(frozen=True, eq=False, slots=True)
class TravelTable:
    """Metres and seconds from every place to every other, and how far each place is from a road.

    ``durations_s`` is None for the straight line: seconds then follow each vehicle's speed.
    ``far_from_road`` lists the places farther than the snapping limit from any usable road:
    they are still reached (the rest of the way is walked), but the caller should say so.
    """

    source: Source
    distances_m: IntMatrix
    durations_s: IntMatrix | None
    snapped_m: tuple[float, ...] = ()
    far_from_road: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = self.distances_m.shape[0]
        if self.distances_m.shape != (n, n):
            raise ValueError(f"a travel table must be square, got {self.distances_m.shape}")
        if self.durations_s is not None and self.durations_s.shape != (n, n):
            raise ValueError("distance and duration tables differ in shape")
        if np.any(self.distances_m < 0):
            raise ValueError("negative distances in a travel table")
