"""Distance providers: metres between places and seconds of travel at a vehicle's speed.

Great-circle distance times a detour factor is the default (good enough for village lanes);
``Matrix`` takes a precomputed table (a road-network engine's answer, or a benchmark's
convention). Matrices are numpy ``int64`` arrays indexed by the problem's node numbering
(depots first, then stops).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from routing.model import Place

IntMatrix = NDArray[np.int64]
EARTH_RADIUS_M = 6_371_000.0


class DistanceProvider(Protocol):
    @property
    def geographic(self) -> bool:
        """True when places are where they say (lat/lon), so their bearings mean something."""
        ...

    def distances(self, places: Sequence[Place]) -> IntMatrix:
        """Metres from every place to every other."""
        ...

    def durations(self, distances: IntMatrix, speed_m_per_h: int) -> IntMatrix:
        """Seconds of travel for a vehicle of the given speed."""
        ...


def travel_seconds(distances: IntMatrix, speed_m_per_h: int) -> IntMatrix:
    """Whole seconds, rounded up so that a plan is never optimistic about arrival times."""
    return -((-distances * 3600) // speed_m_per_h)


@dataclass(frozen=True, slots=True)
class GreatCircle:
    """Haversine distance times ``detour`` (roads are never straight), rounded to metres."""

    detour: float = 1.3

    def __post_init__(self) -> None:
        if self.detour < 1.0:
            raise ValueError(f"detour factor below 1: {self.detour}")

    @property
    def geographic(self) -> bool:
        return True

    def distances(self, places: Sequence[Place]) -> IntMatrix:
        lat = np.radians(np.array([p.lat for p in places], dtype=float))
        lon = np.radians(np.array([p.lon for p in places], dtype=float))
        if np.any(np.abs(lat) > math.pi / 2) or np.any(np.abs(lon) > math.pi):
            raise ValueError("great-circle distances need latitudes and longitudes in degrees")
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        )
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * self.detour
        rounded: IntMatrix = np.rint(metres).astype(np.int64)
        return rounded

    def durations(self, distances: IntMatrix, speed_m_per_h: int) -> IntMatrix:
        return travel_seconds(distances, speed_m_per_h)


@dataclass(frozen=True, eq=False, slots=True)
class Matrix:
    """An explicit table of metres and, optionally, seconds.

    With ``duration`` given, every vehicle takes those seconds whatever its speed (the benchmark
    convention: travel time equals distance); without it, seconds follow each vehicle's speed.
    """

    distance: IntMatrix
    duration: IntMatrix | None = None

    def __post_init__(self) -> None:
        for name, table in (("distance", self.distance), ("duration", self.duration)):
            if table is None:
                continue
            if table.ndim != 2 or table.shape[0] != table.shape[1]:
                raise ValueError(f"the {name} matrix must be square, got shape {table.shape}")
            if np.any(table < 0):
                raise ValueError(f"the {name} matrix has negative entries")
        if self.duration is not None and self.duration.shape != self.distance.shape:
            raise ValueError("distance and duration matrices differ in shape")

    @property
    def geographic(self) -> bool:
        return False  # places are only labels for the rows

    def distances(self, places: Sequence[Place]) -> IntMatrix:
        if self.distance.shape[0] != len(places):
            raise ValueError(
                f"the matrix has {self.distance.shape[0]} rows for {len(places)} depots and stops"
            )
        return self.distance.astype(np.int64)

    def durations(self, distances: IntMatrix, speed_m_per_h: int) -> IntMatrix:
        if self.duration is not None:
            return self.duration.astype(np.int64)
        return travel_seconds(distances, speed_m_per_h)
